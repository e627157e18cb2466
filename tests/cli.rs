//! The command line as CI and authors use it: exit codes, atomic output, `--check`, JSON.

use std::path::{Path, PathBuf};
use std::process::Command;

fn platc() -> Command {
    Command::new(env!("CARGO_BIN_EXE_platc"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("platc-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/platform.plat")
}

#[test]
fn build_writes_infra_and_check_sees_it_fresh_then_stale() {
    let dir = scratch("build");
    let out = dir.join("infra");
    let st = platc()
        .arg("build")
        .arg(example())
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(0));
    assert!(out.join("main.bicep").is_file() && out.join("modules/aks.bicep").is_file());
    let st = platc()
        .args(["build", "--check"])
        .arg(example())
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(0));
    std::fs::write(out.join("modules/aks.bicep"), "// edited by hand\n").unwrap();
    let o = platc()
        .args(["build", "--check"])
        .arg(example())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("modules/aks.bicep differs"));
    // --check wrote nothing.
    assert_eq!(
        std::fs::read_to_string(out.join("modules/aks.bicep")).unwrap(),
        "// edited by hand\n"
    );
}

#[test]
fn a_failing_build_leaves_the_output_untouched() {
    let dir = scratch("atomic");
    let out = dir.join("infra");
    std::fs::create_dir_all(out.join("modules")).unwrap();
    std::fs::write(out.join("main.bicep"), "previous\n").unwrap();
    let bad = dir.join("bad.plat");
    std::fs::write(&bad, "platform \"x\" { }\nvault \"v\" { sku = gold }\n").unwrap();
    let o = platc()
        .arg("build")
        .arg(&bad)
        .arg("--out")
        .arg(&out)
        .arg("--color=never")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("error[E0106]"), "{stderr}");
    assert!(stderr.contains("bad.plat:2:19"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(out.join("main.bicep")).unwrap(),
        "previous\n"
    );
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        2,
        "no temporary directory left behind"
    );
}

#[test]
fn rebuilding_replaces_stale_files() {
    let dir = scratch("replace");
    let out = dir.join("infra");
    std::fs::create_dir_all(out.join("modules")).unwrap();
    std::fs::write(out.join("modules/old.bicep"), "stale\n").unwrap();
    let st = platc()
        .arg("build")
        .arg(example())
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(0));
    assert!(!out.join("modules/old.bicep").exists());
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

#[test]
fn usage_and_io_errors_exit_2() {
    let o = platc()
        .args(["build", "/no/such/file.plat"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read"));
    assert_eq!(
        platc().args(["frobnicate"]).output().unwrap().status.code(),
        Some(2)
    );
    assert_eq!(
        platc()
            .args(["explain", "E9999"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn check_prints_json_and_writes_nothing() {
    let dir = scratch("json");
    let bad = dir.join("bad.plat");
    std::fs::write(
        &bad,
        "platform \"x\" { private_networking = false }\nvault \"kv\" { purge = true }\n",
    )
    .unwrap();
    let o = platc()
        .current_dir(&dir)
        .args(["check", "bad.plat", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["diagnostics"][0]["code"], "E0102");
    assert_eq!(
        v["diagnostics"][0]["help"],
        "did you mean `purge_protection`?"
    );
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
}

#[test]
fn explain_prints_the_registry_entry() {
    let o = platc().args(["explain", "e0201"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.starts_with("E0201 (error): literal secret value"),
        "{text}"
    );
    assert!(text.contains("secure(\"DB_PASSWORD\")"));
}

#[test]
fn garbage_input_is_a_diagnostic_not_a_panic() {
    let dir = scratch("garbage");
    for (i, bytes) in [
        &b"\xff\xfe\x00"[..],
        b"{{{{",
        b"platform",
        b"\"unterminated",
        b"a = [1, 2",
    ]
    .iter()
    .enumerate()
    {
        let f = dir.join(format!("g{i}.plat"));
        std::fs::write(&f, bytes).unwrap();
        let o = platc().arg("check").arg(&f).output().unwrap();
        let code = o.status.code();
        assert!(
            code == Some(1) || code == Some(2),
            "input {i}: {code:?}\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
    }
}
