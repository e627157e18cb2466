//! A cluster's Kubernetes secrets, written again after its KMS moved to another key version.
//! When Key Vault rotates a KMS key, the next provision gives the cluster the new version; the
//! secrets written before stay encrypted with the one before, which KMS keeps only until the
//! next rotation. AKS's procedure is to write every secret again, `kubectl get secrets
//! --all-namespaces -o json | kubectl replace -f -` (learn.microsoft.com/azure/aks/
//! use-kms-etcd-encryption, "Rotate the existing keys"). publish does it once per version: a
//! ConfigMap in its namespace records the version the secrets were last written with.

use super::{Context, Stop, admitted, deployed, last_lines, resource_list, with_subscription};
use crate::azure::publish::NAMESPACE;
use crate::model::Platform;
use crate::preflight::{Outcome, Status};
use crate::verify::{Az, AzError};

/// The ConfigMap that records the key version the secrets were last written with.
pub const MARKER: &str = "platc-kms";

/// Rewrites the secrets of each cluster with `kms` whose key version changed; one finding each.
pub fn rewrite(
    p: &Platform,
    cx: &Context,
    az: &mut dyn Az,
    out: &mut Outcome,
) -> Result<(), AzError> {
    if p.clusters.values().all(|c| c.kms.is_none()) {
        return Ok(());
    }
    let resources = resource_list(cx, az)?;
    for name in p
        .clusters
        .iter()
        .filter(|(_, c)| c.kms.is_some())
        .map(|(n, _)| n)
    {
        let what = format!("KMS of cluster `{name}`");
        match one(name, cx, &resources, az) {
            Ok(detail) => out.add(Status::Ok, what, detail),
            Err(Stop::Az(e)) if e.stops() => return Err(e),
            Err(Stop::Az(e)) => out.add(Status::Failed, what, e.to_string()),
            Err(Stop::Gap(detail)) => out.add(Status::Failed, what, detail),
        }
    }
    Ok(())
}

fn one(
    name: &str,
    cx: &Context,
    resources: &[serde_json::Value],
    az: &mut dyn Az,
) -> Result<String, Stop> {
    let cluster =
        deployed(cx.map, resources, &format!("cluster-{name}"), "cluster").ok_or_else(|| {
            Stop::Gap(format!(
                "the AKS cluster is not in resource group {}: run `azd provision` first",
                cx.rg
            ))
        })?;
    let mut args = vec!["aks", "show", "--resource-group", cx.rg, "--name", &cluster];
    with_subscription(&mut args, cx.subscription);
    let shown = az.run(&args)?;
    let key = shown
        .pointer("/securityProfile/azureKeyVaultKms/keyId")
        .and_then(|k| k.as_str())
        .filter(|k| k.starts_with("https://") && !k.contains(['\'', '"', '\\', '$', '`']))
        .ok_or_else(|| {
            Stop::Gap(format!(
                "cluster {cluster} has no KMS key: see `platc verify`"
            ))
        })?;
    let (code, logs, _) = admitted(cx, az, &cluster, &script(key), None)?;
    if code == 0 && logs.contains("platc-kms: current") {
        Ok(format!("secrets already written with {key}"))
    } else if code == 0 && logs.contains("platc-kms: rewritten") {
        Ok(format!("secrets written again, encrypted with {key}"))
    } else {
        Err(Stop::Gap(format!(
            "writing the secrets again failed: {}",
            last_lines(&logs)
        )))
    }
}

/// The command: nothing where the marker names `key`; otherwise every secret written again,
/// then the marker.
pub fn script(key: &str) -> String {
    format!(
        r#"set -e
kubectl get namespace {NAMESPACE} >/dev/null 2>&1 || kubectl create namespace {NAMESPACE} >/dev/null
kubectl label namespace {NAMESPACE} pod-security.kubernetes.io/enforce=restricted app.kubernetes.io/managed-by=platc --overwrite >/dev/null
done=$(kubectl -n {NAMESPACE} get configmap {MARKER} -o jsonpath='{{.data.keyId}}' 2>/dev/null || true)
if [ "$done" = '{key}' ]; then echo "platc-kms: current"; exit 0; fi
kubectl get secrets --all-namespaces -o json | kubectl replace -f - >/dev/null
kubectl -n {NAMESPACE} create configmap {MARKER} --from-literal=keyId='{key}' --dry-run=client -o yaml | kubectl apply -f - >/dev/null
echo "platc-kms: rewritten"
"#
    )
}
