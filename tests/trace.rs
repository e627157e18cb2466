//! `platc trace` on recorded ARM deployment errors: each names a deployment, a resource id or a
//! resource, and must lead back to the `.plat` declaration its first line expects.

use std::path::Path;
use std::process::Command;

#[test]
fn recorded_arm_errors_point_at_their_declaration() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let example = std::fs::read_to_string(root.join("examples/platform.plat")).unwrap();
    let mut cases: Vec<_> = std::fs::read_dir(root.join("tests/trace"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 8);
    let mut failures = Vec::new();
    for case in cases {
        let text = std::fs::read_to_string(&case).unwrap();
        let (first, error) = text.split_once('\n').unwrap();
        let expect = first.strip_prefix("# expect: ").unwrap();
        // The declaration's head, as written in the example, gives the line to expect.
        let head = expect.split(" [").next().unwrap();
        let mut line = example
            .lines()
            .position(|l| l.trim_start().starts_with(head))
            .map(|i| i + 1)
            .unwrap_or_else(|| panic!("{head} not in the example"));
        // A labelled value comes from its entry in `labels = { ... }`, below the head.
        if let Some(label) = expect.split(" [").nth(1).map(|l| l.trim_end_matches(']')) {
            line += example
                .lines()
                .skip(line - 1)
                .position(|l| l.contains(&format!("{label} = ")))
                .unwrap();
        }
        let o = Command::new(env!("CARGO_BIN_EXE_platc"))
            .current_dir(root)
            .args(["trace", "--map", "infra/platc.map.json", error])
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        let top = out.lines().next().unwrap_or_default();
        let want = format!("examples/platform.plat:{line}:");
        if o.status.code() != Some(0) || !top.starts_with(&want) || !top.contains(expect) {
            failures.push(format!(
                "{}: wanted `{want} {expect}`, got:\n{out}{}",
                case.display(),
                String::from_utf8_lossy(&o.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn an_error_about_something_else_matches_nothing() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = Command::new(env!("CARGO_BIN_EXE_platc"))
        .current_dir(root)
        .args(["trace", "QuotaExceeded: Operation could not be completed as it results in exceeding approved Total Regional Cores quota."])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
}

/// A long error text (1.5 MB: a deployment's whole log pasted in) still leads to the declaration,
/// through standard input, with other words and resource ids all around it. How its time grows
/// with the text is measured in the benchmark (`benches/scale.rs`).
#[test]
fn a_long_error_text_is_traced() {
    use std::io::Write;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut text = String::new();
    let mut i = 0;
    while text.len() < 1_500_000 {
        text.push_str(&format!(
            "step {i} waited on /subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app-{i}/providers/Microsoft.Web/slots/s{i} name-{i:x}\n"
        ));
        i += 1;
    }
    text.push_str("/providers/".repeat(10_000).as_str());
    text.push_str(" The vault name 'kv-secrets-x7k2m9q4r1t6z' is already in use (Microsoft.KeyVault/vaults).\n");
    let mut child = Command::new(env!("CARGO_BIN_EXE_platc"))
        .current_dir(root)
        .args(["trace", "--map", "infra/platc.map.json", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let o = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let top = out.lines().next().unwrap_or_default();
    assert!(
        top.contains("vault \"secrets\"") && top.contains("kv-secrets-x7k2m9q4r1t6z"),
        "{out}"
    );
}
