//! `platc preflight` against stand-in `az` and `azd` (tests/preflight/bin): what a fresh
//! subscription lacks is put right before the deployment, the deployer's principal type reaches
//! the azd environment, and a region that cannot hold the platform stops provisioning (exit 1)
//! before anything is deployed.

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn preflight(region: &str) -> (i32, String, String) {
    preflight_with(region, None)
}

fn preflight_with(region: &str, issued: Option<&str>) -> (i32, String, String) {
    // One log per call: tests run at once.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let log = std::env::temp_dir().join(format!(
        "platc-preflight-{region}-{}-{call}.log",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&log);
    let path = format!(
        "{}:{}",
        root().join("tests/preflight/bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut command = Command::new(env!("CARGO_BIN_EXE_platc"));
    if let Some(at) = issued {
        command.env("PLATC_SECRETS_ISSUED_AT", at);
    } else {
        command.env_remove("PLATC_SECRETS_ISSUED_AT");
    }
    let o = command
        .current_dir(root())
        .env("PATH", path)
        .env("PLATC_TEST_LOG", &log)
        .env("PLATC_AZ_REGION", region)
        .env("AZURE_ENV_NAME", "dev")
        .env("AZURE_LOCATION", "eastus")
        .env(
            "AZURE_SUBSCRIPTION_ID",
            "00000000-0000-4000-8000-00000000000a",
        )
        .args(["preflight", "examples/platform.plat"])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let asked = std::fs::read_to_string(&log).unwrap_or_default();
    (o.status.code().unwrap_or(-1), text, asked)
}

#[test]
fn a_fresh_subscription_is_made_ready() {
    let (code, out, asked) = preflight("zones");
    assert_eq!(code, 0, "{out}");
    assert!(
        asked.contains("az provider register --namespace Microsoft.KubernetesConfiguration --wait"),
        "{asked}"
    );
    assert!(
        asked.contains("az keyvault recover --name kv-secrets-x7k2m9q4r1t6z"),
        "{asked}"
    );
    assert!(
        asked.contains("azd env set AZURE_PRINCIPAL_TYPE ServicePrincipal --environment dev"),
        "{asked}"
    );
    for line in [
        "FIXED   provider Microsoft.KubernetesConfiguration",
        "FIXED   vault secrets",
        "OK      managed grafana",
    ] {
        assert!(out.contains(line), "{line}:\n{out}");
    }
    // The deployer may write key-values before the deployment writes them.
    assert!(
        asked.contains(
            "az group create --name rg-contoso-dev --location eastus --tags azd-env-name=dev"
        ),
        "{asked}"
    );
    assert!(
        asked.contains("az role assignment create --assignee-object-id 9b62aaaa-0000-4000-8000-000000000009 --assignee-principal-type ServicePrincipal --role 5ae67dd6-50cb-40e7-96ff-dc2bfa4b606b --scope /subscriptions/00000000-0000-4000-8000-00000000000a/resourceGroups/rg-contoso-dev"),
        "{asked}"
    );
    // azd's subscription is named on every call but Entra ID's; the deployer's object id comes
    // from Entra ID, since azd keeps none in its environment.
    assert!(
        asked.contains("az provider show --namespace Microsoft.KeyVault --subscription 00000000-0000-4000-8000-00000000000a"),
        "{asked}"
    );
    assert!(
        asked.contains("az ad sp show --id ci --output json\n"),
        "{asked}"
    );
    for line in ["OK      cluster main", "OK      istio main"] {
        assert!(out.contains(line), "{line}:\n{out}");
    }
    // Registered providers are left alone.
    assert!(
        !asked.contains("register --namespace Microsoft.KeyVault"),
        "{asked}"
    );
}

#[test]
fn a_region_without_zones_stops_before_the_deployment() {
    let (code, out, asked) = preflight("nozones");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAILED  availability zones"), "{out}");
    assert!(out.contains("nothing was deployed"), "{out}");
    // What it could put right it still did; the values azd needs are still set.
    assert!(
        asked.contains("azd env set AZURE_PRINCIPAL_TYPE"),
        "{asked}"
    );
}

#[test]
fn defender_without_the_subscription_plan_stops_before_the_deployment() {
    let (code, out, asked) = preflight("nodefender");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAILED  defender plan"), "{out}");
    assert!(
        asked.contains("az security pricing show --name Containers"),
        "{asked}"
    );
    let (_, out, _) = preflight("zones");
    assert!(out.contains("OK      defender plan"), "{out}");
}

#[test]
fn secret_expiry_counts_from_the_first_provision() {
    let (code, out, asked) = preflight_with("zones", None);
    assert_eq!(code, 0, "{out}");
    assert!(
        asked.contains("azd env set PLATC_SECRETS_ISSUED_AT 20"),
        "{asked}"
    );
    // Once set, it stays: a later provision does not move the expiry.
    let (code, out, asked) = preflight_with("zones", Some("2026-01-01T00:00:00Z"));
    assert_eq!(code, 0, "{out}");
    assert!(!asked.contains("PLATC_SECRETS_ISSUED_AT"), "{asked}");
    assert!(out.contains("counts from 2026-01-01T00:00:00Z"), "{out}");
}

/// preflight with no az at all (an empty PATH); `keys` is PLATC_EXISTING_KEYS, if set.
fn without_az(keys: Option<&str>) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_platc"));
    match keys {
        Some(k) => command.env("PLATC_EXISTING_KEYS", k),
        None => command.env_remove("PLATC_EXISTING_KEYS"),
    };
    command
        .current_dir(root())
        .env("PATH", "")
        .env("AZURE_ENV_NAME", "dev")
        .env("AZURE_LOCATION", "eastus")
        .args(["preflight", "examples/platform.plat"])
        .output()
        .unwrap()
}

#[test]
fn without_az_keys_that_may_exist_stop_the_provision() {
    let o = without_az(None);
    assert_eq!(o.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("FAILED") && stdout.contains("PLATC_EXISTING_KEYS"),
        "{stdout}"
    );
}

#[test]
fn without_az_signed_in_the_checks_are_skipped_not_the_provision() {
    // The keys were listed by an earlier run (here: none yet).
    let o = without_az(Some(""));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("warning: preflight skipped its Azure checks"),
        "{stderr}"
    );
    // What needs no Azure is still done, or said.
    assert!(
        stderr.contains("azd env set PLATC_SECRETS_ISSUED_AT"),
        "{stderr}"
    );
}
