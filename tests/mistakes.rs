//! Realistic mistakes in a copy of the reference platform, as a platform engineer makes them. Each
//! copy holds exactly one mistake, and must be reported by exactly one diagnostic: the expected
//! code, its primary label on exactly the text the author has to change, a help line, and no
//! follow-on errors. Doing what the diagnostic says (its machine-applicable fix where it has one,
//! otherwise the edit its help describes) must make the program compile cleanly again.
//!
//! The corpus is split by area under `tests/mistakes/`; every message it produces is kept in one
//! snapshot, `all_messages`, to be read as a set.

mod mistakes {
    pub mod children;
    pub mod cluster;
    pub mod data;
    pub mod identity;
    pub mod network;
    pub mod platform;
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
        platform::MISTAKES,
        network::MISTAKES,
        data::MISTAKES,
        identity::MISTAKES,
        cluster::MISTAKES,
        children::MISTAKES,
        syntax::MISTAKES,
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn reference() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/platform.plat"
    ))
    .unwrap()
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
