//! The whole pipeline on arbitrary text: check and build never panic, every diagnostic renders,
//! and sharing modules from each declaration's differences gives the files that comparing whole
//! modules gives.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut sources = platc::source::SourceMap::new();
    sources.add("fuzz.plat", text);
    let result = platc::compile(&sources, &platc::Options::default());
    let _ = platc::diag::render::human(&sources, &result.diagnostics, false);
    let _ = platc::diag::render::sarif(&sources, &result.diagnostics);
    if !result.has_errors() {
        let whole = platc::compile(
            &sources,
            &platc::Options {
                compare_whole_modules: true,
                ..platc::Options::default()
            },
        );
        assert!(result.artifacts == whole.artifacts, "sharing differs");
    }
});
