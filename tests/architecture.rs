//! The shape ARCHITECTURE.md promises: functions a reader can hold on one screen where every
//! Azure change lands, and no import cycles between sibling modules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const LONGEST: usize = 80;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// (name, first line, length in lines) of every function outside test modules, with whether
/// its comment says why it cannot be split.
fn functions(text: &str) -> Vec<(String, usize, usize, bool)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with("#[cfg(test)]") {
            break;
        }
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let rest = ["pub(crate) ", "pub(super) ", "pub "]
            .iter()
            .find_map(|p| trimmed.strip_prefix(p))
            .unwrap_or(trimmed);
        let rest = rest.strip_prefix("const ").unwrap_or(rest);
        let Some(sig) = rest.strip_prefix("fn ") else {
            continue;
        };
        if line.trim_end().ends_with(';') {
            continue;
        }
        let name: String = sig
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let close = format!("{indent}}}");
        let Some(end) = (i + 1..lines.len()).find(|&j| lines[j] == close) else {
            continue;
        };
        let explained = lines[..i]
            .iter()
            .rev()
            .take_while(|l| l.trim_start().starts_with("///") || l.trim_start().starts_with("#["))
            .any(|l| l.contains("cannot be split"));
        out.push((name, i + 1, end - i + 1, explained));
    }
    out
}

#[test]
fn functions_where_azure_changes_land_fit_on_a_screen() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root.join("lower"), &mut files);
    rust_files(&root.join("check"), &mut files);
    rust_files(&root.join("verify"), &mut files);
    let mut long = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for (name, line, len, explained) in functions(&text) {
            if len > LONGEST && !explained {
                long.push(format!("{}:{line} {name} ({len} lines)", f.display()));
            }
        }
    }
    assert!(long.is_empty(), "over {LONGEST} lines: {long:#?}");
}

#[test]
fn the_length_rule_measures_what_it_says() {
    let text =
        "fn a() {\n    x();\n}\n\n/// Why it cannot be split: one match.\npub(crate) fn b() {\n}\n";
    let f = functions(text);
    assert_eq!(f[0], ("a".to_string(), 1, 3, false));
    assert_eq!(f[1], ("b".to_string(), 6, 2, true));
}

/// Each directory's modules and the siblings each one names (`super::x` or `crate::dir::x`).
fn sibling_imports(dir: &Path, module_path: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut modules = BTreeMap::new();
    let mut names = BTreeSet::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        if name != "mod" && (p.is_dir() || p.extension().is_some_and(|x| x == "rs")) {
            names.insert(name);
        }
    }
    for name in &names {
        let mut text = String::new();
        let file = dir.join(format!("{name}.rs"));
        let mut sources = Vec::new();
        if file.is_file() {
            sources.push(file);
        }
        let sub = dir.join(name);
        if sub.is_dir() {
            rust_files(&sub, &mut sources);
        }
        for s in sources {
            text.push_str(&std::fs::read_to_string(s).unwrap());
        }
        let uses: BTreeSet<String> = names
            .iter()
            .filter(|other| *other != name)
            .filter(|other| {
                text.contains(&format!("super::{other}::"))
                    || text.contains(&format!("super::{other}}}"))
                    || text.contains(&format!("super::{{{other}"))
                    || text.contains(&format!(", {other}::"))
                    || text.contains(&format!("crate::{module_path}{other}::"))
                    || text.contains(&format!("use super::{other};"))
            })
            .cloned()
            .collect();
        modules.insert(name.clone(), uses);
    }
    modules
}

fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == n) {
            let mut c = path[at..].to_vec();
            c.push(n.to_string());
            return Some(c);
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_string());
        for m in graph.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

#[test]
fn sibling_modules_import_each_other_one_way() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut dirs = vec![(root.clone(), String::new())];
    let mut found = Vec::new();
    while let Some((dir, path)) = dirs.pop() {
        if let Some(c) = cycle(&sibling_imports(&dir, &path)) {
            found.push(format!("{}: {}", dir.display(), c.join(" → ")));
        }
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            if e.path().is_dir() {
                let name = e.file_name().to_string_lossy().into_owned();
                dirs.push((e.path(), format!("{path}{name}::")));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn a_cycle_is_found() {
    let g: BTreeMap<String, BTreeSet<String>> = [
        ("a".to_string(), ["b".to_string()].into()),
        ("b".to_string(), ["a".to_string()].into()),
        ("c".to_string(), BTreeSet::new()),
    ]
    .into();
    assert_eq!(cycle(&g), Some(vec!["a".into(), "b".into(), "a".into()]));
}
