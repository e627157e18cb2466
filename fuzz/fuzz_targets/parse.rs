//! The parser and formatter on arbitrary text: no panic, spans inside the text, the fast path
//! builds exactly what the grammar builds, and formatting whatever parses is stable.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (file, errors) = platc::syntax::parse(0, text);
    let (by_grammar, grammar_errors) = platc::syntax::parse_by_grammar(0, text);
    assert_eq!(file, by_grammar);
    assert_eq!(errors.len(), grammar_errors.len());
    for d in &errors {
        let s = d.primary_span();
        assert!(s.start <= s.end && s.end as usize <= text.len());
    }
    if errors.is_empty() {
        if let Ok(once) = platc::fmt::format_checked(&file, text) {
            let (again, _) = platc::syntax::parse(0, &once);
            assert_eq!(platc::fmt::format(&again, &once), once);
        }
    }
});
