//! Realistic mistakes in a copy of the reference platform, as a platform engineer makes them. Each
//! copy holds exactly one mistake, and must be reported by exactly one diagnostic: the expected
//! code, its primary label on exactly the text the author has to change, a help line, and no
//! follow-on errors. Doing what the diagnostic says (its machine-applicable fix where it has one,
//! otherwise the edit its help describes) must make the program compile cleanly again.
//!
//! The corpus is split by area under `tests/mistakes/`; every message it produces is kept in one
//! snapshot, `all_messages`, to be read as a set.

mod mistakes {
    pub mod basics;
    pub mod children;
    pub mod cluster;
    pub mod data;
    pub mod identity;
    pub mod keys;
    pub mod network;
    pub mod platform;
    pub mod rules;
    pub mod syntax;
}

use platc::diag::{Diagnostic, render};
use platc::source::SourceMap;
use std::path::Path;

pub struct Mistake {
    pub what: &'static str,
    /// The edits that introduce the mistake: (original text, mistaken text), each applied to its
    /// first occurrence, in order.
    pub edits: &'static [(&'static str, &'static str)],
    pub code: &'static str,
    /// The text the primary label must underline.
    pub at: &'static str,
    /// The edits the help asks for, where the diagnostic carries no machine-applicable fix.
    pub repair: Option<&'static [(&'static str, &'static str)]>,
}

/// A mistake whose diagnostic carries a fix that repairs it.
pub const fn auto(
    what: &'static str,
    edits: &'static [(&'static str, &'static str)],
    code: &'static str,
    at: &'static str,
) -> Mistake {
    Mistake {
        what,
        edits,
        code,
        at,
        repair: None,
    }
}

/// A mistake repaired by hand, as the help describes.
pub const fn manual(
    what: &'static str,
    edits: &'static [(&'static str, &'static str)],
    code: &'static str,
    at: &'static str,
    repair: &'static [(&'static str, &'static str)],
) -> Mistake {
    Mistake {
        what,
        edits,
        code,
        at,
        repair: Some(repair),
    }
}

fn corpus() -> Vec<&'static Mistake> {
    use mistakes::*;
    [
        basics::MISTAKES,
        platform::MISTAKES,
        network::MISTAKES,
        data::MISTAKES,
        identity::MISTAKES,
        keys::MISTAKES,
        cluster::MISTAKES,
        children::MISTAKES,
        rules::MISTAKES,
        syntax::MISTAKES,
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The reference platform, less the rules it opts into, line for line: a mistake here is one
/// the checker reports, and one edit can break a built-in rule as well (making a registry
/// public on purpose, say). tests/policy.rs holds the rules.
fn reference() -> String {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/platform.plat"
    ))
    .unwrap();
    let start = text
        .find("  // The reviewers'")
        .expect("the reference names rules");
    let end = start + text[start..].find("\n  }\n").expect("its waivers close") + 4;
    let lines = text[start..end].matches('\n').count();
    format!(
        "{}{}{}",
        &text[..start],
        "  //\n".repeat(lines),
        &text[end..]
    )
}

/// Compiles `files` (the first is the root, `platform.plat`) as one program read from memory.
fn compile_files(files: &[(&str, &str)]) -> (Vec<Diagnostic>, SourceMap, bool) {
    let mut read = |p: &Path| {
        let name = p.to_string_lossy().replace('\\', "/");
        files
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t.to_string())
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"))
    };
    let options = platc::Options {
        source_name: files[0].0.into(),
        check_only: true,
        ..Default::default()
    };
    let (sources, result) =
        platc::compile_program(Path::new(files[0].0), &mut read, &options).unwrap();
    let errors = result.has_errors();
    (result.diagnostics, sources, errors)
}

fn apply(text: &str, edits: &[(&str, &str)], what: &str) -> Result<String, String> {
    let mut t = text.to_string();
    for (from, to) in edits {
        if !t.contains(from) {
            return Err(format!("{what}: `{from}` not found"));
        }
        t = t.replacen(from, to, 1);
    }
    Ok(t)
}

/// Everything wrong with how one mistake is reported, and its rendered diagnostics.
fn judge(m: &Mistake, original: &str) -> (Vec<String>, String) {
    let mut failures = Vec::new();
    let broken = match apply(original, m.edits, m.what) {
        Ok(t) => t,
        Err(e) => return (vec![e], String::new()),
    };
    if broken.lines().count() < 30 {
        failures.push(format!("{}: not a realistic platform", m.what));
    }
    let (diags, sources, has_errors) = compile_files(&[("platform.plat", &broken)]);
    let shown = render::human(&sources, &diags, false);
    let codes: Vec<&str> = diags.iter().map(|d| d.code.as_str()).collect();
    let warning = m.code.starts_with('W');
    if codes != [m.code] || has_errors == warning {
        failures.push(format!(
            "{}: expected exactly one {}, got {codes:?}:\n{shown}",
            m.what, m.code
        ));
    }
    let Some(d) = diags.iter().find(|d| d.code.as_str() == m.code) else {
        return (failures, shown);
    };
    let at = sources.snippet(d.primary_span());
    if at != m.at {
        failures.push(format!(
            "{}: {} points at `{at}`, expected `{}`:\n{shown}",
            m.what, m.code, m.at
        ));
    }
    if d.help.is_none() {
        failures.push(format!("{}: {} has no help:\n{shown}", m.what, m.code));
    }
    // What the terminal offers, tools get too: the fix in JSON and SARIF.
    if d.fix.is_some() {
        let json = render::json(&sources, &diags);
        let sarif = render::sarif(&sources, &diags);
        if json["diagnostics"][0]["fix"].is_null()
            || sarif["runs"][0]["results"][0]["fixes"].as_array().is_none()
        {
            failures.push(format!("{}: the fix is missing from JSON or SARIF", m.what));
        }
    }
    let repaired = match (&d.fix, m.repair) {
        (Some(fix), _) => {
            let mut t = broken.clone();
            t.replace_range(fix.span.range(), &fix.replacement);
            t
        }
        (None, Some(edits)) => match apply(&broken, edits, m.what) {
            Ok(t) => t,
            Err(e) => {
                failures.push(e);
                return (failures, shown);
            }
        },
        (None, None) => {
            failures.push(format!("{}: {} carries no fix:\n{shown}", m.what, m.code));
            return (failures, shown);
        }
    };
    let (after, sources, _) = compile_files(&[("platform.plat", &repaired)]);
    if !after.is_empty() {
        let again = render::human(&sources, &after, false);
        failures.push(format!("{}: not clean after the repair:\n{again}", m.what));
    }
    (failures, shown)
}

#[test]
fn each_mistake_is_reported_once_at_its_text_and_its_help_repairs_it() {
    let original = reference();
    let (diags, _, _) = compile_files(&[("platform.plat", &original)]);
    assert!(diags.is_empty(), "the reference platform is clean");
    let corpus = corpus();
    assert!(corpus.len() >= 120, "{} mistakes", corpus.len());
    let mut failures = Vec::new();
    let mut all = String::new();
    for m in &corpus {
        let (f, shown) = judge(m, &original);
        failures.extend(f);
        all.push_str(&format!("── {} ──\n{shown}\n", m.what));
    }
    for f in &failures {
        eprintln!("{f}\n");
    }
    // Every message of the corpus, to be read as a set: wording is reviewed here.
    insta::assert_snapshot!("all_messages", all);
    assert!(
        failures.is_empty(),
        "{} of {} mistakes failed",
        failures.len(),
        corpus.len()
    );
}

#[test]
fn the_corpus_names_each_mistake_once() {
    let mut seen = std::collections::HashSet::new();
    for m in corpus() {
        assert!(seen.insert(m.what), "`{}` twice", m.what);
    }
}

/// The reference platform in two files: its network moved to `network.plat`, imported.
fn split_reference() -> (String, String) {
    let original = reference();
    let start = original.find("/// Nodes and private endpoints").unwrap();
    let end = original.find("/// Container insights").unwrap();
    let network = original[start..end].to_string();
    let root = original.replacen(&network, "", 1).replacen(
        "/// Contoso's shared",
        "import \"network.plat\"\n\n/// Contoso's shared",
        1,
    );
    (root, network)
}

/// A mistake in a program of two files: (root edits, network file edits), the file and text of
/// the primary label, and the edits that repair it, in the same form.
struct ImportMistake {
    what: &'static str,
    edits: [&'static [(&'static str, &'static str)]; 2],
    code: &'static str,
    at: (&'static str, &'static str),
    repair: [&'static [(&'static str, &'static str)]; 2],
}

const IMPORT_MISTAKES: &[ImportMistake] = &[
    ImportMistake {
        what: "import of a misspelt file",
        edits: [
            &[("import \"network.plat\"", "import \"networks.plat\"")],
            &[],
        ],
        code: "E0116",
        at: ("platform.plat", "\"networks.plat\""),
        repair: [
            &[("import \"networks.plat\"", "import \"network.plat\"")],
            &[],
        ],
    },
    ImportMistake {
        what: "import without the extension",
        edits: [&[("import \"network.plat\"", "import \"network\"")], &[]],
        code: "E0116",
        at: ("platform.plat", "\"network\""),
        repair: [&[("import \"network\"", "import \"network.plat\"")], &[]],
    },
    ImportMistake {
        what: "import cycle",
        edits: [
            &[],
            &[("/// Nodes", "import \"platform.plat\"\n\n/// Nodes")],
        ],
        code: "E0116",
        at: ("network.plat", "\"platform.plat\""),
        repair: [&[], &[("import \"platform.plat\"\n\n", "")]],
    },
    ImportMistake {
        what: "overlapping subnets in an imported file",
        edits: [&[], &[("prefix = 10.20.8.0/24", "prefix = 10.20.2.0/24")]],
        code: "E0204",
        at: ("network.plat", "10.20.2.0/24"),
        repair: [&[], &[("10.20.2.0/24", "10.20.8.0/24")]],
    },
    ImportMistake {
        what: "unclosed block in an imported file",
        edits: [
            &[],
            &[(
                "  subnet \"nodes\" { prefix = 10.20.0.0/22 }",
                "  subnet \"nodes\" { prefix = 10.20.0.0/22",
            )],
        ],
        code: "E0001",
        at: ("network.plat", "subnet"),
        repair: [
            &[],
            &[("prefix = 10.20.0.0/22\n", "prefix = 10.20.0.0/22 }\n")],
        ],
    },
];

#[test]
fn mistakes_across_files_are_reported_once_in_the_file_they_are_in() {
    let (root, network) = split_reference();
    let (diags, _, _) = compile_files(&[("platform.plat", &root), ("network.plat", &network)]);
    assert!(
        diags.is_empty(),
        "the split reference platform is clean: {diags:?}"
    );
    let mut failures = Vec::new();
    for m in IMPORT_MISTAKES {
        let (Ok(r), Ok(n)) = (
            apply(&root, m.edits[0], m.what),
            apply(&network, m.edits[1], m.what),
        ) else {
            failures.push(format!("{}: an edit does not apply", m.what));
            continue;
        };
        let (diags, sources, _) = compile_files(&[("platform.plat", &r), ("network.plat", &n)]);
        let shown = render::human(&sources, &diags, false);
        let codes: Vec<&str> = diags.iter().map(|d| d.code.as_str()).collect();
        if codes != [m.code] {
            failures.push(format!(
                "{}: expected one {}, got {codes:?}:\n{shown}",
                m.what, m.code
            ));
            continue;
        }
        let d = &diags[0];
        let span = d.primary_span();
        let at = (sources.name(span.file), sources.snippet(span));
        if at != m.at || d.help.is_none() {
            failures.push(format!(
                "{}: at {at:?} (expected {:?}), help {:?}",
                m.what, m.at, d.help
            ));
        }
        let (Ok(r), Ok(n)) = (
            apply(&r, m.repair[0], m.what),
            apply(&n, m.repair[1], m.what),
        ) else {
            failures.push(format!("{}: a repair does not apply", m.what));
            continue;
        };
        let (after, sources, _) = compile_files(&[("platform.plat", &r), ("network.plat", &n)]);
        if !after.is_empty() {
            let again = render::human(&sources, &after, false);
            failures.push(format!("{}: not clean after the repair:\n{again}", m.what));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The reference platform saved with one character in Windows-1252 (`é` as the byte 0xE9), in a
/// comment and in a name: one error at that byte, nothing else.
#[test]
fn a_file_that_is_not_utf8_is_one_error_at_its_first_bad_byte() {
    let dir = std::env::temp_dir().join(format!("platc-encoding-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (from, to) in [
        (
            "/// Contoso's shared application platform.",
            "/// Contoso's shared application platform, caf\u{e9} edition.",
        ),
        ("logs \"ops\" {", "logs \"op\u{e9}\" {"),
    ] {
        let text = reference().replacen(from, to, 1);
        let at = text.find('\u{e9}').unwrap();
        // é is two bytes in UTF-8; Windows-1252 writes it as one.
        let mut bytes = text.into_bytes();
        bytes.splice(at..at + 2, [0xE9]);
        std::fs::write(dir.join("platform.plat"), &bytes).unwrap();
        let mut read = |p: &Path| platc::load::read_file(&dir.join(p));
        let (sources, result) =
            platc::compile_program(Path::new("platform.plat"), &mut read, &Default::default())
                .unwrap();
        let shown = render::human(&sources, &result.diagnostics, false);
        let codes: Vec<&str> = result.diagnostics.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["E0001"], "{shown}");
        let d = &result.diagnostics[0];
        assert_eq!(d.primary_span().start as usize, at, "{shown}");
        assert!(d.labels[0].message.contains("0xE9"), "{shown}");
        assert!(d.help.is_some());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
