//! Certificates, which ARM cannot write ("Certificates are a data-plane resource and can't be
//! created directly with an ARM resource type", learn.microsoft.com key-vault/certificates/
//! quick-create-bicep): after provisioning, `platc publish` issues or imports each declared
//! certificate. Each carries the tag `azure::keys::DECLARATION_TAG` with a digest of its
//! declaration (and of the imported file), so publishing again leaves it alone, and a changed
//! declaration makes exactly one new version (`create` and `import` of an existing name add a
//! version, learn.microsoft.com key-vault/certificates/create-certificate).
//!
//! A public vault is written from here, as the signed-in az account, which the deployment
//! makes Key Vault Certificates Officer on it. A private vault answers only inside its network:
//! a Job on the cluster `model::certificate_writer` names writes it, with an identity that is
//! Certificates Officer on that vault alone, its inputs in a Secret deleted once it is done.

use super::{
    Context, Stop, base64, client_id, deployed, job_container, job_pod, last_lines, run_job,
    with_subscription,
};
use crate::azure::keys::{self as facts, DECLARATION_TAG};
use crate::azure::publish::NAMESPACE;
use crate::model::{Certificate, CertificateSource, KeySpec, Platform, certificate_writer};
use crate::preflight::{Finding, Outcome, Status};
use crate::verify::{Az, AzError};
use serde_json::{Value, json};

/// One certificate as it should be: how it is made, and the digest its tag must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub name: String,
    pub digest: String,
    pub how: How,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum How {
    /// `az keyvault certificate create` with this policy (camelCase, as the CLI reads it).
    Issue(Value),
    /// `az keyvault certificate import` of this PFX (base64, as the azd environment holds it).
    Import {
        pfx: String,
        password: Option<String>,
    },
}

/// The certificates of one vault, and the cluster that writes them where the vault is private.
#[derive(Debug)]
pub struct VaultCertificates<'a> {
    pub vault: &'a str,
    pub writer: Option<&'a str>,
    pub certificates: Vec<Wanted>,
}

/// What `p` declares, with imported files read from the azd environment through `lookup`; an
/// error names the variable that is missing or not base64.
pub fn wanted<'a>(
    p: &'a Platform,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<VaultCertificates<'a>>, String> {
    let mut out = Vec::new();
    for (vname, v) in p.vaults.iter().filter(|(_, v)| !v.certificates.is_empty()) {
        let mut certificates = Vec::new();
        for (name, c) in &v.certificates {
            certificates.push(one(name, c, lookup)?);
        }
        out.push(VaultCertificates {
            vault: vname,
            writer: certificate_writer(p, vname),
            certificates,
        });
    }
    Ok(out)
}

fn one(
    name: &str,
    c: &Certificate,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Wanted, String> {
    let (how, digested) = match &c.source {
        CertificateSource::Issue { .. } => {
            let p = policy(c);
            let text = p.to_string();
            (How::Issue(p), text)
        }
        CertificateSource::Import { env, password_env } => {
            let pfx = lookup(env)
                .map(|s| s.split_whitespace().collect::<String>())
                .ok_or_else(|| format!("certificate `{name}` imports the PFX in the azd variable {env}, which is not set: `azd env set {env} \"$(base64 -w0 FILE.pfx)\"`"))?;
            if decoded_len(&pfx).is_none() {
                return Err(format!(
                    "the azd variable {env} of certificate `{name}` is not base64: set it to the base64 of the PFX file"
                ));
            }
            let password = match password_env {
                Some(var) => Some(lookup(var).ok_or_else(|| {
                    format!("certificate `{name}` takes its PFX password from the azd variable {var}, which is not set")
                })?),
                None => None,
            };
            (
                How::Import {
                    pfx: pfx.clone(),
                    password,
                },
                pfx,
            )
        }
    };
    Ok(Wanted {
        name: name.to_string(),
        digest: digest(&digested),
        how,
    })
}

/// The certificate policy of an issued certificate, as `az keyvault certificate create --policy`
/// reads it: camelCase keys, `keyType` (the CLI ignores `kty`), `validityInMonths` and
/// `actionType` (azure-cli keyvault `_validators.py`, `build_certificate_policy`).
pub fn policy(c: &Certificate) -> Value {
    let CertificateSource::Issue {
        subject,
        dns_names,
        validity_months,
        issuer,
        renew_before_expiry_days,
    } = &c.source
    else {
        return Value::Null;
    };
    json!({
        "issuerParameters": { "name": issuer },
        "keyProperties": key_properties(&c.spec),
        "secretProperties": { "contentType": facts::CERTIFICATE_CONTENT_TYPES[0] },
        "x509CertificateProperties": {
            "subject": subject,
            "subjectAlternativeNames": { "dnsNames": dns_names },
            "validityInMonths": validity_months,
        },
        "lifetimeActions": [{
            "trigger": { "daysBeforeExpiry": renew_before_expiry_days },
            "action": { "actionType": "AutoRenew" },
        }],
    })
}

/// An HSM key never leaves the HSM, so its certificate's key is not exportable; a software
/// key's is, so that the secret holds the whole PFX (what the CSI driver mounts).
fn key_properties(spec: &KeySpec) -> Value {
    let mut k = json!({
        "keyType": spec.kty,
        "exportable": !spec.kty.ends_with("-HSM"),
        "reuseKey": false,
    });
    if let Some(size) = spec.size {
        k["keySize"] = json!(size);
    }
    if let Some(curve) = &spec.curve {
        k["curve"] = json!(curve);
    }
    k
}

/// 64-bit FNV-1a, in hex: a digest to tell declarations apart, not to keep anything secret
/// (an imported PFX is itself encrypted).
fn digest(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The bytes of standard base64 `text`, or `None` where it is not base64.
fn decode(text: &str) -> Option<Vec<u8>> {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let body = text.trim_end_matches('=');
    if !text.len().is_multiple_of(4) || text.len() - body.len() > 2 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for b in body.bytes() {
        let v = ABC.iter().position(|&c| c == b)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

fn decoded_len(text: &str) -> Option<usize> {
    decode(text).map(|b| b.len()).filter(|&n| n > 0)
}

/// Writes every vault's certificates; one finding per certificate (or per vault, where the
/// vault or its writer cannot be found).
pub fn write(
    vaults: &[VaultCertificates],
    cx: &Context,
    az: &mut dyn Az,
    out: &mut Outcome,
) -> Result<(), AzError> {
    if vaults.is_empty() {
        return Ok(());
    }
    let resources = super::resource_list(cx, az)?;
    for v in vaults {
        let result = match deployed(cx.map, &resources, &format!("vault-{}", v.vault), "vault") {
            None => Err(Stop::Gap(format!(
                "vault `{}` is not in resource group {}: run `azd provision` first",
                v.vault, cx.rg
            ))),
            Some(name) if v.writer.is_none() => direct(v, &name, cx, az),
            Some(name) => in_cluster(v, &name, cx, &resources, az),
        };
        match result {
            Ok(findings) => out.findings.extend(findings),
            Err(Stop::Az(e)) if e.stops() => return Err(e),
            Err(Stop::Az(e)) => out.add(
                Status::Failed,
                format!("certificates of vault `{}`", v.vault),
                e.to_string(),
            ),
            Err(Stop::Gap(detail)) => out.add(
                Status::Failed,
                format!("certificates of vault `{}`", v.vault),
                detail,
            ),
        }
    }
    Ok(())
}

fn finding(vault: &str, name: &str, written: bool) -> Finding {
    Finding {
        status: Status::Ok,
        what: format!("certificate `{name}` of vault `{vault}`"),
        detail: if written {
            "written: a new version as declared".into()
        } else {
            "unchanged since it was written as declared".into()
        },
    }
}

/// A public vault, written with the signed-in az account.
fn direct(
    v: &VaultCertificates,
    vault: &str,
    cx: &Context,
    az: &mut dyn Az,
) -> Result<Vec<Finding>, Stop> {
    let mut findings = Vec::new();
    let mut waited = 0;
    for w in &v.certificates {
        let mut args = vec![
            "keyvault",
            "certificate",
            "show",
            "--vault-name",
            vault,
            "--name",
            &w.name,
        ];
        with_subscription(&mut args, cx.subscription);
        let current = loop {
            match az.run(&args) {
                Ok(shown) => break shown["tags"][DECLARATION_TAG].as_str().map(str::to_owned),
                Err(AzError::NotFound(_)) => break None,
                // The provision that just ran granted the role: Key Vault refuses until it is
                // in force, minutes later. A refusal is never taken for absence.
                Err(AzError::Failed(m))
                    if m.contains("Forbidden") && waited < cx.budget_secs.min(600) =>
                {
                    (cx.pause)(30);
                    waited += 30;
                }
                Err(e) => return Err(Stop::Az(e)),
            }
        };
        if current.as_deref() == Some(w.digest.as_str()) {
            findings.push(finding(v.vault, &w.name, false));
            continue;
        }
        write_direct(w, vault, cx, az)?;
        findings.push(finding(v.vault, &w.name, true));
    }
    Ok(findings)
}

fn write_direct(w: &Wanted, vault: &str, cx: &Context, az: &mut dyn Az) -> Result<(), Stop> {
    let tag = format!("{DECLARATION_TAG}={}", w.digest);
    // The file az reads: the policy, or the PFX, which is deleted as soon as az has it.
    let (verb, file, contents) = match &w.how {
        How::Issue(policy) => (
            "create",
            format!("{}.policy.json", w.name),
            policy.to_string().into_bytes(),
        ),
        How::Import { pfx, .. } => (
            "import",
            format!("{}.pfx", w.name),
            decode(pfx).unwrap_or_default(),
        ),
    };
    let path = cx.workdir.join(&file);
    write_private(&path, &contents)
        .map_err(|e| Stop::Gap(format!("cannot write {}: {e}", path.display())))?;
    let path_text = path.to_string_lossy().into_owned();
    let policy_arg = format!("@{path_text}");
    let mut args = vec![
        "keyvault",
        "certificate",
        verb,
        "--vault-name",
        vault,
        "--name",
        &w.name,
        "--tags",
        &tag,
    ];
    match &w.how {
        How::Issue(_) => args.extend(["--policy", &policy_arg]),
        How::Import { password, .. } => {
            args.extend(["--file", &path_text]);
            if let Some(p) = password {
                args.extend(["--password", p]);
            }
        }
    }
    with_subscription(&mut args, cx.subscription);
    let done = az.run(&args);
    let _ = std::fs::remove_file(&path);
    done.map(|_| ()).map_err(Stop::Az)
}

/// A file only its owner may read, for the PFX on its way to az.
fn write_private(path: &std::path::Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(contents)
}

/// A private vault, written by a Job on the cluster in its network.
fn in_cluster(
    v: &VaultCertificates,
    vault: &str,
    cx: &Context,
    resources: &[Value],
    az: &mut dyn Az,
) -> Result<Vec<Finding>, Stop> {
    let cluster_decl = v.writer.unwrap_or_default();
    let find = |deployment: String, symbol: String, what: &str| {
        deployed(cx.map, resources, &deployment, &symbol).ok_or_else(|| {
            Stop::Gap(format!(
                "{what} is not in resource group {}: run `azd provision` first",
                cx.rg
            ))
        })
    };
    let cluster = find(
        format!("cluster-{cluster_decl}"),
        "cluster".into(),
        "the AKS cluster",
    )?;
    let identity = find(
        format!("gitops-{cluster_decl}"),
        crate::bicep::ident("certificates", v.vault),
        "the identity that writes certificates",
    )?;
    let client_id = client_id(cx, az, &identity)?;
    let job = facts::job_name(v.vault);
    let logs = run_job(cx, az, &cluster, &job, &manifests(v, vault, &client_id))?;
    v.certificates
        .iter()
        .map(|w| {
            if logs.contains(&format!("platc-certificate: {} written", w.name)) {
                Ok(finding(v.vault, &w.name, true))
            } else if logs.contains(&format!("platc-certificate: {} unchanged", w.name)) {
                Ok(finding(v.vault, &w.name, false))
            } else {
                Err(Stop::Gap(format!(
                    "the Job did not say what became of certificate `{}`: {}",
                    w.name,
                    last_lines(&logs)
                )))
            }
        })
        .collect()
}

/// Runs in the Job: signs in with workload identity, then for each line of the index (`name
/// digest issue|import`) leaves a certificate whose tag has the digest, and writes any other.
/// A federated credential and a role assignment made minutes ago may not be in force yet:
/// sign-in, reading and each write are tried for up to ten minutes. Only Key Vault's "not
/// found" makes a certificate absent: taking a refusal for absence would write a new version.
const WRITE_SCRIPT: &str = r#"set -eu
try() { n=0; until "$@"; do n=$((n+1)); [ "$n" -lt 20 ] || return 1; echo "retrying in 30s"; sleep 30; done; }
tag_of() {
  n=0
  until az keyvault certificate show --vault-name "$VAULT" --name "$1" --query "tags.\"$TAG\"" --output tsv > /tmp/tag 2> /tmp/error; do
    if grep -qi "not *found" /tmp/error; then : > /tmp/tag; return 0; fi
    n=$((n+1)); [ "$n" -lt 20 ] || { cat /tmp/error; return 1; }
    echo "retrying in 30s"; sleep 30
  done
}
try az login --service-principal --username "$AZURE_CLIENT_ID" --tenant "$AZURE_TENANT_ID" --federated-token "$(cat "$AZURE_FEDERATED_TOKEN_FILE")" --allow-no-subscriptions --output none
while read -r name digest mode; do
  tag_of "$name"
  if [ "$(cat /tmp/tag)" = "$digest" ]; then echo "platc-certificate: $name unchanged"; continue; fi
  if [ "$mode" = issue ]; then
    try az keyvault certificate create --vault-name "$VAULT" --name "$name" --policy "@/in/$name.policy.json" --tags "$TAG=$digest" --output none
  elif [ -f "/in/$name.password" ]; then
    try az keyvault certificate import --vault-name "$VAULT" --name "$name" --file "/in/$name.pfx" --password "$(cat "/in/$name.password")" --tags "$TAG=$digest" --output none
  else
    try az keyvault certificate import --vault-name "$VAULT" --name "$name" --file "/in/$name.pfx" --tags "$TAG=$digest" --output none
  fi
  echo "platc-certificate: $name written"
done < /in/index
"#;

/// The objects the command applies: the service account the identity trusts, a Secret with
/// the index, policies and imported files, and the Job, whose pod meets the restricted Pod
/// Security Standard.
pub fn manifests(v: &VaultCertificates, vault: &str, client_id: &str) -> Value {
    let name = facts::job_name(v.vault);
    let metadata = json!({
        "name": name,
        "namespace": NAMESPACE,
        "labels": { "app.kubernetes.io/managed-by": "platc" },
    });
    let mut data = serde_json::Map::new();
    let mut index = String::new();
    for w in &v.certificates {
        let mode = match &w.how {
            How::Issue(policy) => {
                data.insert(
                    format!("{}.policy.json", w.name),
                    base64(policy.to_string().as_bytes()).into(),
                );
                "issue"
            }
            How::Import { pfx, password } => {
                data.insert(format!("{}.pfx", w.name), pfx.clone().into());
                if let Some(p) = password {
                    data.insert(format!("{}.password", w.name), base64(p.as_bytes()).into());
                }
                "import"
            }
        };
        index.push_str(&format!("{} {} {mode}\n", w.name, w.digest));
    }
    data.insert("index".into(), base64(index.as_bytes()).into());
    let mut account = metadata.clone();
    account["annotations"] = json!({ "azure.workload.identity/client-id": client_id });
    let secret = json!({ "apiVersion": "v1", "kind": "Secret", "metadata": metadata, "type": "Opaque", "data": data });
    let job = json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata,
        "spec": { "backoffLimit": 1, "activeDeadlineSeconds": 1500, "ttlSecondsAfterFinished": 86400, "template": pod(&name, vault) },
    });
    json!({
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            super::namespace(),
            { "apiVersion": "v1", "kind": "ServiceAccount", "metadata": account },
            secret,
            job,
        ],
    })
}

fn pod(name: &str, vault: &str) -> Value {
    let env = json!([
        { "name": "VAULT", "value": vault },
        { "name": "TAG", "value": DECLARATION_TAG },
    ]);
    let container = job_container("write", WRITE_SCRIPT, env, "in");
    job_pod(
        name,
        container,
        json!({ "name": "in", "secret": { "secretName": name } }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_what_it_encodes() {
        for data in [
            &b""[..],
            b"f",
            b"fo",
            b"foo",
            b"foob",
            &[0xff, 0xfe, 0x00, 0x01],
        ] {
            assert_eq!(decode(&base64(data)).as_deref(), Some(data));
        }
        assert_eq!(decode("Zg="), None);
        assert_eq!(decode("Z!=="), None);
    }

    #[test]
    fn digests_tell_declarations_apart_and_stay_the_same() {
        assert_eq!(digest("a"), digest("a"));
        assert_ne!(digest("a"), digest("b"));
        assert_eq!(digest("").len(), 16);
    }
}
