//! A vault's keys and certificates, read through ARM, which answers for a private vault too:
//! each key against its declaration (ARM created it once and never changes it, so a key
//! declared otherwise since keeps its first settings), each certificate by the secret Key Vault
//! keeps beside it under its name.

use super::{AzError, Deployed, Status, Verifier};
use crate::azure::{self, types};
use crate::model::{Key, Platform, Rotate};
use serde_json::Value;

/// Each key's current version (`keyUriWithVersion`), by key name, for the cluster's KMS check.
pub(super) type KeyVersions = Vec<(String, String)>;

pub(super) fn vault_objects(v: &mut Verifier, deployed: &Deployed, p: &Platform) -> KeyVersions {
    let mut versions = KeyVersions::new();
    for (vname, vault) in &p.vaults {
        if vault.keys.is_empty() && vault.certificates.is_empty() {
            continue;
        }
        let Some(actual) = deployed.actual(&format!("vault-{vname}"), "vault") else {
            continue;
        };
        let Some(id) = v
            .resources
            .iter()
            .find(|r| r["name"] == actual.as_str() && r["type"] == azure::type_name(types::VAULT))
            .and_then(|r| r["id"].as_str().map(str::to_owned))
        else {
            continue;
        };
        for (kname, k) in &vault.keys {
            if let Some(uri) = key(v, &id, &actual, kname, k) {
                versions.push((kname.clone(), uri));
            }
        }
        for (cname, c) in &vault.certificates {
            certificate(v, &id, &actual, cname, c.meta.span);
        }
    }
    versions
}

/// The object `kind/name` of the vault `id`, as ARM shows it.
fn show(v: &mut Verifier, id: &str, kind: &str, name: &str) -> Result<Value, AzError> {
    let object = format!("{id}/{kind}/{name}");
    v.az(&["resource", "show", "--ids", &object])
}

/// Seconds since the epoch, for expiry.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn key(v: &mut Verifier, id: &str, vault: &str, name: &str, k: &Key) -> Option<String> {
    let target = format!("{vault}/{name}");
    let span = k.meta.span;
    let shown = match show(v, id, "keys", name) {
        Ok(s) => s,
        Err(AzError::NotFound(_)) => {
            v.row(
                Status::Missing,
                "key",
                target,
                "not in the vault: `azd provision` creates it",
                span,
            );
            return None;
        }
        Err(e) => {
            v.row(
                Status::Failed,
                "key",
                target,
                format!("cannot read it: {e}"),
                span,
            );
            return None;
        }
    };
    let props = &shown["properties"];
    let differs = key_differences(props, k);
    let exp = props["attributes"]["exp"].as_i64();
    let (status, detail) = if !differs.is_empty() {
        (
            Status::Differs,
            format!(
                "{}; ARM never changes a key: change it with `az keyvault key rotation-policy update` or `az keyvault key set-attributes`, or declare a key under a new name",
                differs.join("; ")
            ),
        )
    } else if exp.is_some_and(|e| e <= now()) {
        (Status::Failed, "its current version has expired".into())
    } else {
        (
            Status::Ok,
            format!("{} as declared, with its rotation policy", k.spec.kty),
        )
    };
    v.row(status, "key", target, detail, span);
    props["keyUriWithVersion"].as_str().map(str::to_owned)
}

/// What the live key has otherwise than declared, each as `what: found X, declared Y`.
fn key_differences(props: &Value, k: &Key) -> Vec<String> {
    let mut out = Vec::new();
    let mut compare = |what: &str, found: String, declared: String| {
        if !found.eq_ignore_ascii_case(&declared) {
            out.push(format!("{what}: found {found}, declared {declared}"));
        }
    };
    let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
    compare("type", text(&props["kty"]), k.spec.kty.clone());
    if let Some(size) = k.spec.size {
        compare("size", text(&props["keySize"]), size.to_string());
    }
    if let Some(curve) = &k.spec.curve {
        compare("curve", text(&props["curveName"]), curve.clone());
    }
    let mut ops: Vec<String> = props["keyOps"]
        .as_array()
        .into_iter()
        .flatten()
        .map(text)
        .collect();
    ops.sort();
    let mut declared = k.operations.clone();
    declared.sort();
    compare("operations", ops.join(","), declared.join(","));
    let policy = &props["rotationPolicy"];
    compare(
        "expiry",
        text(&policy["attributes"]["expiryTime"]),
        format!("P{}D", k.expires_after_days),
    );
    compare(
        "rotation",
        trigger(policy, "rotate"),
        match k.rotate {
            Some(Rotate::AfterCreate(d)) => format!("P{d}D after creation"),
            Some(Rotate::BeforeExpiry(d)) => format!("P{d}D before expiry"),
            None => "none".into(),
        },
    );
    compare(
        "notification",
        trigger(policy, "notify"),
        format!("P{}D before expiry", k.notify_before_expiry_days),
    );
    out
}

/// A rotation policy's trigger of the action `kind`, as `P30D before expiry`, or `none`.
fn trigger(policy: &Value, kind: &str) -> String {
    let action = policy["lifetimeActions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| {
            a["action"]["type"]
                .as_str()
                .is_some_and(|t| t.eq_ignore_ascii_case(kind))
        });
    let Some(t) = action.map(|a| &a["trigger"]) else {
        return "none".into();
    };
    match (
        t["timeAfterCreate"].as_str(),
        t["timeBeforeExpiry"].as_str(),
    ) {
        (Some(d), _) => format!("{d} after creation"),
        (None, Some(d)) => format!("{d} before expiry"),
        (None, None) => "none".into(),
    }
}

/// A certificate exists where the secret of its name does, holding a PFX or PEM bundle.
fn certificate(v: &mut Verifier, id: &str, vault: &str, name: &str, span: crate::source::Span) {
    let target = format!("{vault}/{name}");
    let (status, detail) = match show(v, id, "secrets", name) {
        Ok(s) => {
            let props = &s["properties"];
            let content = props["contentType"].as_str().unwrap_or_default();
            let exp = props["attributes"]["exp"].as_i64();
            if !azure::keys::CERTIFICATE_CONTENT_TYPES.contains(&content) {
                (
                    Status::Differs,
                    format!(
                        "the secret `{name}` holds `{content}`, not a certificate: a secret of the same name takes the certificate's place"
                    ),
                )
            } else if exp.is_some_and(|e| e <= now()) {
                (Status::Failed, "it has expired".into())
            } else {
                (Status::Ok, "in the vault, not expired".into())
            }
        }
        Err(AzError::NotFound(_)) => (
            Status::Missing,
            "not in the vault: `platc publish` (azd's postprovision hook) writes it".into(),
        ),
        Err(e) => (Status::Failed, format!("cannot read it: {e}")),
    };
    v.row(status, "certificate", target, detail, span);
}
