//! The formatter on every example and fixture: idempotent, comment-preserving, and meaning-
//! preserving (the program builds to the same files, but for the `.plat` line numbers recorded in
//! comments and the source map).

use platc::source::SourceMap;
use platc::{Options, compile};
use std::path::{Path, PathBuf};

fn plat_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in ["examples", "examples/two-files", "tests/fixtures"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap().flatten() {
            if e.path().extension().is_some_and(|x| x == "plat") {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// Generated files with the `.plat` positions taken out.
fn build(text: &str) -> Vec<(String, String)> {
    let mut sources = SourceMap::new();
    sources.add("p.plat", text);
    let result = compile(&sources, &Options::default());
    result
        .artifacts
        .into_iter()
        .filter(|(k, _)| k != "platc.map.json")
        .map(|(k, v)| {
            let cleaned: String = v
                .lines()
                .map(|l| match l.find("p.plat:") {
                    Some(at) => &l[..at],
                    None => l,
                })
                .collect::<Vec<_>>()
                .join("\n");
            (k, cleaned)
        })
        .collect()
}

#[test]
fn formatting_is_idempotent_and_keeps_comments_and_meaning() {
    let mut checked = 0;
    for path in plat_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let (file, errors) = platc::syntax::parse(0, &text);
        if !errors.is_empty() {
            continue;
        }
        let once = platc::fmt::format_checked(&file, &text)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let (again, _) = platc::syntax::parse(0, &once);
        assert_eq!(
            platc::fmt::format(&again, &once),
            once,
            "{}: not idempotent",
            path.display()
        );
        assert_eq!(
            file.comments.len(),
            again.comments.len(),
            "{}: comments lost",
            path.display()
        );
        if !path.to_string_lossy().contains("two-files") {
            assert_eq!(
                build(&text),
                build(&once),
                "{}: formatting changed the output",
                path.display()
            );
        }
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} files formatted");
}

#[test]
fn the_examples_are_formatted() {
    for path in plat_files()
        .iter()
        .filter(|p| !p.to_string_lossy().contains("fixtures"))
    {
        let text = std::fs::read_to_string(path).unwrap();
        let (file, _) = platc::syntax::parse(0, &text);
        assert_eq!(
            platc::fmt::format(&file, &text),
            text,
            "run `platc fmt {}`",
            path.display()
        );
    }
}

#[test]
fn a_messy_program_becomes_canonical() {
    let messy = "platform \"x\"{private_networking=false}\n\n\n\nvault \"kv\" {\n      sku=premium // the tier\n  purge_protection = true\n}\n";
    let (file, _) = platc::syntax::parse(0, messy);
    let out = platc::fmt::format_checked(&file, messy).unwrap();
    assert_eq!(
        out,
        "platform \"x\" { private_networking = false }\n\nvault \"kv\" {\n  sku = premium  // the tier\n  purge_protection = true\n}\n"
    );
}
