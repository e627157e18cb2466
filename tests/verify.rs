//! `platc verify` against a stand-in `az` that replays recorded `az` output: the healthy
//! environment passes; a missing resource, a Flux configuration that is not ready and a failed
//! extension are each reported at the right declaration, with exit code 1.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn verify(scenario: Option<&str>) -> (i32, String) {
    let dir = root().join("tests/verify");
    let mut replay = Vec::new();
    if let Some(s) = scenario {
        replay.push(dir.join(s).to_string_lossy().into_owned());
    }
    replay.push(dir.join("healthy").to_string_lossy().into_owned());
    let path = format!(
        "{}:{}",
        dir.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = Command::new(env!("CARGO_BIN_EXE_platc"))
        .current_dir(root())
        .env("PATH", path)
        .env("PLATC_AZ_REPLAY", replay.join(" "))
        .env("AZURE_ENV_NAME", "dev")
        .env("AZURE_RESOURCE_GROUP", "rg-contoso-dev")
        .args(["verify", "examples/platform.plat"])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.code().unwrap_or(-1), text)
}

fn line_of(decl: &str) -> String {
    let example = std::fs::read_to_string(root().join("examples/platform.plat")).unwrap();
    let n = example.lines().position(|l| l.starts_with(decl)).unwrap() + 1;
    format!("examples/platform.plat:{n}")
}

fn rows_with<'a>(out: &'a str, status: &str) -> Vec<&'a str> {
    out.lines().filter(|l| l.starts_with(status)).collect()
}

#[test]
fn a_healthy_environment_passes() {
    let (code, out) = verify(None);
    assert_eq!(code, 0, "{out}");
    assert!(out.lines().next().unwrap().starts_with("STATUS"), "{out}");
    assert!(
        out.contains("kustomization")
            && out.contains("federated credential")
            && out.contains("role assignment"),
        "{out}"
    );
    assert!(out.trim_end().ends_with(" passed, 0 failed"), "{out}");
    assert!(Path::new(&root().join("tests/verify/bin/az")).exists());
}

#[test]
fn a_missing_resource_is_reported_at_its_declaration() {
    let (code, out) = verify(Some("missing-resource"));
    assert_eq!(code, 1, "{out}");
    let gaps = rows_with(&out, "MISSING");
    assert!(
        gaps.iter()
            .any(|r| r.contains("kv-secrets-*") && r.contains(&line_of("vault \"secrets\""))),
        "{out}"
    );
    // Grants on the missing vault cannot be in place either.
    assert!(
        gaps.iter()
            .any(|r| r.contains("role assignment") && r.contains("Key Vault Secrets User")),
        "{out}"
    );
}

#[test]
fn flux_that_is_not_ready_is_reported_with_its_reason() {
    let (code, out) = verify(Some("flux-not-ready"));
    assert_eq!(code, 1, "{out}");
    let gaps = rows_with(&out, "NOT READY");
    assert!(
        gaps.iter().any(|r| r.contains("flux configuration")
            && r.contains("/platform")
            && r.contains(&line_of("cluster \"main\""))),
        "{out}"
    );
    assert!(
        gaps.iter()
            .any(|r| r.contains("/platform/apps") && r.contains("kustomize build failed")),
        "{out}"
    );
    assert!(!gaps.iter().any(|r| r.contains("/platform/infra")), "{out}");
}

#[test]
fn a_failed_extension_is_reported() {
    let (code, out) = verify(Some("extension-failed"));
    assert_eq!(code, 1, "{out}");
    let gaps = rows_with(&out, "FAILED");
    assert!(
        gaps.iter().any(|r| r.contains("extension")
            && r.contains("microsoft.flux")
            && r.contains("Failed")),
        "{out}"
    );
}
