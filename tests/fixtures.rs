//! Every fixture under tests/fixtures: its rendered diagnostics are snapshotted, and its file name
//! says what it must do: `ok_*` compiles cleanly, `eNNNN_*`/`wNNNN_*` raises exactly that code.

use platc::Options;
use platc::diag::{Code, render};
use platc::source::SourceMap;
use std::path::Path;

fn fixtures() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("tests/fixtures exists")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "plat"))
        .map(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            (stem, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

fn run(stem: &str, text: &str) -> (platc::Compilation, SourceMap) {
    // Fixtures are read through the loader, so imports resolve next to them.
    let name = format!("tests/fixtures/{stem}.plat");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut read = |p: &Path| {
        if p == Path::new(&name) {
            Ok(text.to_string())
        } else {
            std::fs::read_to_string(dir.join(p))
        }
    };
    let options = Options {
        source_name: name.clone(),
        ..Default::default()
    };
    let (sources, result) = platc::compile_program(Path::new(&name), &mut read, &options).unwrap();
    (result, sources)
}

#[test]
fn fixtures_raise_the_code_they_are_named_after() {
    let mut failures = Vec::new();
    for (stem, text) in fixtures() {
        let (result, sources) = run(&stem, &text);
        let rendered = render::human(&sources, &result.diagnostics, false);
        let codes: Vec<&str> = result.diagnostics.iter().map(|d| d.code.as_str()).collect();
        if let Some(rest) = stem.strip_prefix("ok_") {
            if !result.diagnostics.is_empty() || result.artifacts.is_empty() {
                failures.push(format!(
                    "{stem}: expected a clean build ({rest}), got:\n{rendered}"
                ));
            }
        } else {
            let want = stem.split('_').next().unwrap().to_ascii_uppercase();
            if codes.is_empty() || codes.iter().any(|c| *c != want) {
                failures.push(format!(
                    "{stem}: expected only {want}, got {codes:?}:\n{rendered}"
                ));
            }
            if want.starts_with('E') && !result.artifacts.is_empty() {
                failures.push(format!("{stem}: an error must produce no output"));
            }
        }
        insta::assert_snapshot!(format!("diagnostics__{stem}"), rendered);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_code_has_a_fixture_and_a_spec_entry() {
    let stems: Vec<String> = fixtures().into_iter().map(|(s, _)| s).collect();
    let spec =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("spec.md")).unwrap();
    for code in Code::ALL {
        let prefix = format!("{}_", code.as_str().to_ascii_lowercase());
        assert!(
            stems.iter().any(|s| s.starts_with(&prefix)),
            "no fixture raises {}",
            code.as_str()
        );
        let row = format!("| `{}` |", code.as_str());
        let line = spec.lines().find(|l| l.starts_with(&row));
        let line = line.unwrap_or_else(|| panic!("spec.md does not document {}", code.as_str()));
        assert!(
            line.contains(code.title()),
            "spec.md's title for {} differs from the registry's `{}`",
            code.as_str(),
            code.title()
        );
    }
}

#[test]
fn json_diagnostics_carry_code_span_and_help() {
    let (result, sources) = run(
        "e0106_unknown_value",
        "platform \"demo\" { private_networking = false }\nregistry \"images\" { sku = premum }\n",
    );
    let v = render::json(&sources, &result.diagnostics);
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "E0106");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["labels"][0]["start"]["line"], 2);
    assert_eq!(d["labels"][0]["start"]["column"], 27);
    assert_eq!(d["help"], "did you mean `premium`?");
    assert_eq!(v["summary"]["errors"], 1);
}

#[test]
fn checking_goes_on_after_the_first_error() {
    let src = "platform \"demo\" { private_networking = false }\nvault \"a\" { purge = true }\nregistry \"b\" { sku = gold }\nlogs \"c\" { retention_days = 1 }\n";
    let (result, _) = run("many", src);
    let codes: Vec<&str> = result.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["E0102", "E0106", "E0110"]);
}

#[test]
fn every_schema_field_is_documented_in_the_spec() {
    let spec =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("spec.md")).unwrap();
    fn walk(kind: &'static platc::schema::Kind, spec: &str, missing: &mut Vec<String>) {
        for f in kind.fields {
            if !spec.contains(&format!("| `{}` |", f.name)) {
                missing.push(format!("{}.{}", kind.name, f.name));
            }
        }
        for k in kind.blocks {
            walk(k, spec, missing);
        }
    }
    let mut missing = Vec::new();
    for kind in platc::schema::TOP_LEVEL {
        assert!(
            spec.contains(&format!("### `{} ", kind.name))
                || spec.contains(&format!("### `{}\"", kind.name)),
            "no section for `{}`",
            kind.name
        );
        walk(kind, &spec, &mut missing);
    }
    assert!(missing.is_empty(), "spec.md does not document {missing:?}");
}

/// spec.md §6 states each naming rule the checker holds names to: its length and the
/// characters it allows besides letters and digits.
#[test]
fn the_spec_states_every_naming_rule_the_checker_applies() {
    use platc::azure::*;
    let spec =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("spec.md")).unwrap();
    let names = &spec[spec.find("## 6. Names").unwrap()..spec.find("## 7.").unwrap()];
    for rule in [
        NAME_CLUSTER,
        NAME_IDENTITY,
        NAME_VAULT,
        NAME_APPCONFIG,
        NAME_REGISTRY,
        NAME_STORAGE,
        NAME_LOGS,
        NAME_MONITOR,
        NAME_GRAFANA,
        NAME_VNET,
    ] {
        let pattern = if rule.hyphens {
            format!("`{}NAME-TOKEN`", rule.prefix)
        } else {
            format!("`{}NAMETOKEN`", rule.prefix)
        };
        let row = names
            .lines()
            .find(|l| l.starts_with('|') && l.contains(&pattern))
            .unwrap_or_else(|| panic!("no row for {pattern}"));
        let range = format!("{}–{}", rule.min, rule.max);
        assert!(
            row.contains(&range),
            "{pattern}: `{row}` does not say {range}"
        );
        for extra in rule.extra.chars().filter(|c| *c != '-') {
            assert!(
                row.contains(&format!("`{extra}`")),
                "{pattern}: `{row}` does not allow `{extra}`"
            );
        }
        if rule.extra.contains('-') {
            assert!(
                row.contains("`-`") || row.contains("hyphens"),
                "{pattern}: `{row}` does not allow `-`"
            );
        }
        if !rule.hyphens {
            assert!(
                row.contains("dropped"),
                "{pattern}: `{row}` does not say what is dropped"
            );
        }
    }
}
