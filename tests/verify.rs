//! `platc verify` against a stand-in `az` that replays recorded `az` output: the healthy
//! environment passes; a missing resource, a Flux configuration that is not ready and a failed
//! extension are each reported at the right declaration, with exit code 1. An az that does not
//! work (missing, hung, not logged in, printing garbage) stops verify with exit code 2 and says
//! why, instead of reporting every resource missing.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn verify(scenario: Option<&str>) -> (i32, String) {
    verify_with(scenario, &[], &[])
}

/// Runs `platc verify` with the stand-in az first on PATH, extra environment and arguments.
fn verify_with(scenario: Option<&str>, env: &[(&str, &str)], args: &[&str]) -> (i32, String) {
    let dir = root().join("tests/verify");
    let path = format!(
        "{}:{}",
        dir.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    run(scenario, &path, env, args)
}

fn run(scenario: Option<&str>, path: &str, env: &[(&str, &str)], args: &[&str]) -> (i32, String) {
    let dir = root().join("tests/verify");
    let mut replay = Vec::new();
    if let Some(s) = scenario {
        replay.push(dir.join(s).to_string_lossy().into_owned());
    }
    replay.push(dir.join("healthy").to_string_lossy().into_owned());
    let o = Command::new(env!("CARGO_BIN_EXE_platc"))
        .current_dir(root())
        .env("PATH", path)
        .env("PLATC_AZ_REPLAY", replay.join(" "))
        .env("AZURE_ENV_NAME", "dev")
        .env("AZURE_RESOURCE_GROUP", "rg-contoso-dev")
        .env_remove("PLATC_AZ_TIMEOUT")
        .envs(env.iter().copied())
        .args(["verify", "examples/platform.plat"])
        .args(args)
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
    assert!(
        out.contains("Defender for Containers sending to workspace `defender`"),
        "{out}"
    );
    // The identity `platc publish` uploads with trusts its Job.
    assert!(
        out.contains("id-main-private-publisher-x7k2m9q4r1t6z ← system:serviceaccount:platc-publish:platc-publish-private"),
        "{out}"
    );
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

#[test]
fn an_unassigned_policy_baseline_is_reported() {
    let (code, out) = verify(Some("policy-missing"));
    assert_eq!(code, 1, "{out}");
    let gaps = rows_with(&out, "MISSING");
    assert!(
        gaps.iter().any(|r| r.contains("policy assignment")
            && r.contains("pod security baseline")
            && r.contains(&line_of("cluster \"main\""))),
        "{out}"
    );
}

#[test]
fn a_cluster_without_its_defender_sensor_is_reported() {
    let (code, out) = verify(Some("defender-off"));
    assert_eq!(code, 1, "{out}");
    assert!(
        rows_with(&out, "DIFFERS")
            .iter()
            .any(|r| r.contains("Defender for Containers sending to workspace `defender`")),
        "{out}"
    );
}

#[test]
fn a_rotated_kms_key_and_a_changed_rotation_policy_are_reported() {
    let (code, out) = verify(Some("key-rotated"));
    assert_eq!(code, 1, "{out}");
    let differs = rows_with(&out, "DIFFERS");
    assert!(
        differs.iter().any(|r| r.contains("key")
            && r.contains("rotation: found P90D after creation, declared P180D after creation")),
        "{out}"
    );
    assert!(
        differs
            .iter()
            .any(|r| r.contains("has rotated to") && r.contains("kubectl replace")),
        "{out}"
    );
}

#[test]
fn a_key_not_in_its_vault_is_missing() {
    let (code, out) = verify(Some("key-gone"));
    assert_eq!(code, 1, "{out}");
    assert!(
        rows_with(&out, "MISSING")
            .iter()
            .any(|r| r.contains("kv-secrets-x7k2m9q4r1t6z/etcd") && r.contains("platform.plat:")),
        "{out}"
    );
}

#[test]
fn a_certificate_publish_has_not_written_is_missing() {
    let (code, out) = verify(Some("certificate-missing"));
    assert_eq!(code, 1, "{out}");
    assert!(
        rows_with(&out, "MISSING")
            .iter()
            .any(|r| r.contains("kv-secrets-x7k2m9q4r1t6z/ingress") && r.contains("platc publish")),
        "{out}"
    );
}

#[test]
fn cluster_admins_are_checked_for_both_roles() {
    let admin = ("AKS_ADMIN_GROUP_ID", "9b62aaaa-0000-4000-8000-0000000000ad");
    let (code, out) = verify_with(None, &[admin], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        rows_with(&out, "ok")
            .iter()
            .any(|r| r.contains("cluster admin") && r.contains(admin.1)),
        "{out}"
    );
    let (code, out) = verify_with(Some("admin-lacks-roles"), &[admin], &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        rows_with(&out, "MISSING")
            .iter()
            .any(|r| r.contains("cluster admin")
                && r.contains("lacks Azure Kubernetes Service RBAC Cluster Admin")),
        "{out}"
    );
}

/// No report: a table of gaps would blame the environment for what is wrong with az.
fn assert_stopped(code: i32, out: &str, why: &str) {
    assert_eq!(code, 2, "{out}");
    assert!(out.contains(why), "{out}");
    assert!(!out.contains("MISSING") && !out.contains("STATUS"), "{out}");
}

#[test]
fn an_az_that_hangs_is_killed_after_the_timeout() {
    let (code, out) = verify_with(
        None,
        &[("PLATC_AZ_BROKEN", "hang"), ("PLATC_AZ_TIMEOUT", "1")],
        &[],
    );
    assert_stopped(code, &out, "az did not answer within 1 s");
    // The option wins over the environment.
    let (code, out) = verify_with(
        None,
        &[("PLATC_AZ_BROKEN", "hang"), ("PLATC_AZ_TIMEOUT", "100")],
        &["--az-timeout", "1"],
    );
    assert_stopped(code, &out, "az did not answer within 1 s");
}

#[test]
fn a_missing_az_is_not_a_missing_resource_group() {
    let empty = std::env::temp_dir().join(format!("platc-no-az-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let (code, out) = run(None, &empty.to_string_lossy(), &[], &[]);
    let _ = std::fs::remove_dir(&empty);
    assert_stopped(
        code,
        &out,
        "cannot run az: it is not installed or not on PATH",
    );
}

#[test]
fn an_az_that_is_not_logged_in_says_so() {
    let (code, out) = verify_with(None, &[("PLATC_AZ_BROKEN", "login")], &[]);
    assert_stopped(code, &out, "az is not logged in");
    assert!(out.contains("Please run 'az login'"), "{out}");
}

#[test]
fn an_az_that_prints_garbage_says_so() {
    let (code, out) = verify_with(None, &[("PLATC_AZ_BROKEN", "garbage")], &[]);
    assert_stopped(code, &out, "az printed no JSON");
}

#[test]
fn a_name_that_only_shares_the_prefix_is_not_the_resource() {
    // `aks-main-b-<token>` is what a cluster "main-b" would be called, not cluster "main".
    let (code, out) = verify(Some("prefix-only"));
    assert_eq!(code, 1, "{out}");
    assert!(
        rows_with(&out, "MISSING")
            .iter()
            .any(|r| r.contains("aks-main-*")
                && r.contains("managedClusters")
                && r.contains(&line_of("cluster \"main\""))),
        "{out}"
    );
    assert!(!out.contains("aks-main-b-"), "{out}");
}

#[test]
fn numbers_out_of_range_are_usage_errors() {
    for args in [
        ["--wait", "18446744073709551615"],
        ["--wait", "86401"],
        ["--az-timeout", "0"],
        ["--az-timeout", "18446744073709551615"],
    ] {
        let (code, out) = verify_with(None, &[], &args);
        assert_eq!(code, 2, "{args:?}: {out}");
        assert!(!out.contains("panicked"), "{args:?}: {out}");
        assert!(out.contains(args[0]), "{args:?}: {out}");
    }
}

#[test]
fn a_resource_group_that_is_not_found_is_missing() {
    let (code, out) = verify(Some("group-gone"));
    assert_eq!(code, 1, "{out}");
    let gaps = rows_with(&out, "MISSING");
    assert!(
        gaps.iter()
            .any(|r| r.contains("resource group") && r.contains("ResourceGroupNotFound")),
        "{out}"
    );
}

#[test]
fn an_az_failure_is_a_failed_row_with_its_message_not_a_gap_in_azure() {
    let (code, out) = verify(Some("assignments-forbidden"));
    assert_eq!(code, 1, "{out}");
    let failed = rows_with(&out, "FAILED");
    assert!(
        failed.iter().any(|r| r.contains("role assignment")
            && r.contains("AuthorizationFailed")
            && r.contains(&line_of("identity \"checkout\""))),
        "{out}"
    );
    assert!(
        !rows_with(&out, "MISSING")
            .iter()
            .any(|r| r.contains("role assignment")),
        "{out}"
    );
}
