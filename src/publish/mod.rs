//! `platc publish`: after provisioning (azd's `postprovision` hook), each `blob(...)` GitOps
//! source with `upload = "DIR"` gets that folder's files in its container, and only them, so
//! that Flux has something to read. The account stays private and takes no shared keys: the
//! files go through ARM to the cluster (`az aks command invoke`), where a Job uploads them with
//! an identity that may write that one container (see `azure::publish` for the facts).
//!
//! `build` checks each folder beforehand (`diagnostics`), so a missing or oversized folder is a
//! compile error at the `upload` string, not a failed hook.

pub mod certificates;
pub mod kms;

use crate::azure::publish::{self as facts, NAMESPACE, job_name};
use crate::diag::{Code, Diagnostic};
use crate::model::{Platform, Upload};
use crate::preflight::{Finding, Outcome, Status};
use crate::source::SourceMap;
use crate::verify::{Az, AzError, find_deployed};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

/// A folder's files by blob name (their path inside it, with `/`), in name order.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Bundle {
    pub files: Vec<(String, Vec<u8>)>,
}

/// Reads the folder `dir` as `platc publish` sends it. Entries whose name starts with `.` (a
/// `.git` folder, editor files) are left out; a link or a special file is refused rather than
/// followed out of the folder.
pub fn collect(dir: &Path) -> Result<Bundle, String> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err("it is not a folder".into()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!("there is no folder {}", dir.display()));
        }
        Err(e) => return Err(format!("cannot read {}: {e}", dir.display())),
    }
    let mut bundle = Bundle::default();
    let mut total = 0u64;
    walk(dir, "", &mut bundle, &mut total)?;
    if bundle.files.is_empty() {
        return Err("it holds no files (names starting with `.` are left out)".into());
    }
    Ok(bundle)
}

fn walk(dir: &Path, prefix: &str, bundle: &mut Bundle, total: &mut u64) -> Result<(), String> {
    let cannot = |e: std::io::Error| format!("cannot read {}: {e}", dir.display());
    let mut entries = std::fs::read_dir(dir)
        .map_err(cannot)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(cannot)?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let os_name = e.file_name();
        let Some(name) = os_name.to_str() else {
            return Err(format!(
                "`{prefix}{}` is not named in UTF-8",
                os_name.to_string_lossy()
            ));
        };
        if name.starts_with('.') {
            continue;
        }
        let blob = format!("{prefix}{name}");
        let kind = e.file_type().map_err(cannot)?;
        if kind.is_dir() {
            walk(&e.path(), &format!("{blob}/"), bundle, total)?;
        } else if kind.is_file() {
            blob_name(&blob)?;
            let data = std::fs::read(e.path()).map_err(cannot)?;
            // As the ConfigMap will hold it: text as it is, other files in base64.
            *total += if std::str::from_utf8(&data).is_ok() {
                data.len()
            } else {
                data.len().div_ceil(3) * 4
            } as u64;
            if *total > facts::MAX_BYTES {
                return Err(format!(
                    "its files hold more than {} KiB (files that are not UTF-8 text count in base64), the most one publish carries; keep large or many manifests in a Git source",
                    facts::MAX_BYTES / 1024
                ));
            }
            bundle.files.push((blob, data));
        } else {
            return Err(format!(
                "`{blob}` is a link or a special file; only files and folders are published"
            ));
        }
    }
    Ok(())
}

/// Whether Azure Storage takes `name` as a blob name, and the Job's index can carry it.
fn blob_name(name: &str) -> Result<(), String> {
    if name.len() > facts::MAX_BLOB_NAME {
        return Err(format!(
            "`{name}` is longer than the {} characters of a blob name",
            facts::MAX_BLOB_NAME
        ));
    }
    if name.ends_with('.') || name.chars().any(char::is_control) || name.trim() != name {
        return Err(format!(
            "`{name}` ends in `.`, or holds a control character or space at either end, which blob names cannot"
        ));
    }
    Ok(())
}

pub use crate::model::{UploadTarget as Target, targets};

/// Where the folder of `upload` is: relative to the file that names it, which is itself named
/// relative to `base`.
pub fn folder(base: &Path, sources: &SourceMap, upload: &Upload) -> PathBuf {
    let file = Path::new(sources.name(upload.span.file));
    base.join(file.parent().unwrap_or(Path::new("")))
        .join(&upload.dir)
}

/// An error at each `upload` whose folder cannot be published, in any environment.
pub fn diagnostics<'a>(
    platforms: impl Iterator<Item = &'a Platform>,
    sources: &SourceMap,
    base: &Path,
) -> Vec<Diagnostic> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for p in platforms {
        for t in targets(p) {
            if seen.contains(&t.upload.span) {
                continue;
            }
            seen.push(t.upload.span);
            if let Err(why) = collect(&folder(base, sources, t.upload)) {
                out.push(
                    Diagnostic::new(
                        Code::BadUpload,
                        format!("cannot publish `{}`: {why}", t.upload.dir),
                        t.upload.span,
                        "the folder to publish",
                    )
                    .with_help(format!(
                        "the path is relative to {}; put the manifests of gitops `{}` there, or name the folder that holds them",
                        sources.name(t.upload.span.file),
                        t.gitops
                    )),
                );
            }
        }
    }
    out
}

/// Runs in the Job: signs in with workload identity, uploads the tree the ConfigMap's index
/// describes, then deletes what the container holds beyond it, so the container mirrors the
/// folder. A federated credential and a role assignment made minutes ago may not be in force
/// yet: sign-in and upload are tried for up to ten minutes.
const UPLOAD_SCRIPT: &str = r#"set -eu
try() { n=0; until "$@"; do n=$((n+1)); [ "$n" -lt 20 ] || return 1; echo "retrying in 30s"; sleep 30; done; }
try az login --service-principal --username "$AZURE_CLIENT_ID" --tenant "$AZURE_TENANT_ID" --federated-token "$(cat "$AZURE_FEDERATED_TOKEN_FILE")" --allow-no-subscriptions --output none
mkdir -p /tmp/tree
while read -r key name; do
  mkdir -p "/tmp/tree/$(dirname "$name")"
  cp "/bundle/$key" "/tmp/tree/$name"
done < /bundle/index
try az storage blob upload-batch --auth-mode login --account-name "$ACCOUNT" --destination "$CONTAINER" --source /tmp/tree --overwrite --output none
cut -d ' ' -f 2- /bundle/index > /tmp/names
az storage blob list --auth-mode login --account-name "$ACCOUNT" --container-name "$CONTAINER" --num-results '*' --query '[].name' --output tsv > /tmp/present
grep -vxF -f /tmp/names /tmp/present > /tmp/stale || true
while IFS= read -r name; do
  az storage blob delete --auth-mode login --account-name "$ACCOUNT" --container-name "$CONTAINER" --name "$name" --output none
done < /tmp/stale
echo "published $(wc -l < /tmp/names) files, removed $(wc -l < /tmp/stale)"
"#;

/// Standard base64, for files a ConfigMap must carry as `binaryData`.
pub(crate) fn base64(data: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(ABC[(n >> shift & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// What the command applies: the service account the identity trusts, the folder as a
/// ConfigMap (files under keys `f0`, `f1`, ... and an `index` of `key blob-name` lines, since
/// ConfigMap keys cannot hold `/`), and the Job. The pod meets the restricted Pod Security
/// Standard, so a `deny` policy baseline admits it.
pub fn manifests(t: &Target, account: &str, client_id: &str, bundle: &Bundle) -> Value {
    let name = job_name(t.gitops);
    let metadata = json!({
        "name": name,
        "namespace": NAMESPACE,
        "labels": { "app.kubernetes.io/managed-by": "platc" },
    });
    let (mut data, mut binary) = (Map::new(), Map::new());
    let mut index = String::new();
    for (i, (blob, bytes)) in bundle.files.iter().enumerate() {
        let key = format!("f{i}");
        match std::str::from_utf8(bytes) {
            Ok(text) => data.insert(key.clone(), Value::from(text)),
            Err(_) => binary.insert(key.clone(), Value::from(base64(bytes))),
        };
        index.push_str(&format!("{key} {blob}\n"));
    }
    data.insert("index".into(), Value::from(index));
    let mut account_sa = metadata.clone();
    account_sa["annotations"] = json!({ "azure.workload.identity/client-id": client_id });
    let mut config =
        json!({ "apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data });
    if !binary.is_empty() {
        config["binaryData"] = Value::Object(binary);
    }
    let env = json!([
        { "name": "ACCOUNT", "value": account },
        { "name": "CONTAINER", "value": t.container },
    ]);
    let container = job_container("upload", UPLOAD_SCRIPT, env, "bundle");
    let pod = job_pod(
        &name,
        container,
        json!({ "name": "bundle", "configMap": { "name": name } }),
    );
    let job = json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata,
        "spec": { "backoffLimit": 1, "activeDeadlineSeconds": 1500, "ttlSecondsAfterFinished": 86400, "template": pod },
    });
    json!({
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            namespace(),
            { "apiVersion": "v1", "kind": "ServiceAccount", "metadata": account_sa },
            config,
            job,
        ],
    })
}

/// The namespace publish's Jobs run in, held to the restricted Pod Security Standard.
fn namespace() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": NAMESPACE,
            "labels": {
                "app.kubernetes.io/managed-by": "platc",
                "pod-security.kubernetes.io/enforce": "restricted",
            },
        },
    })
}

/// A Job's pod: signs in with workload identity as the service account `name`, meets the
/// restricted Pod Security Standard, and has its inputs (`volume`) and a scratch `/tmp`.
pub(crate) fn job_pod(name: &str, container: Value, volume: Value) -> Value {
    json!({
        "metadata": { "labels": { "azure.workload.identity/use": "true", "app.kubernetes.io/managed-by": "platc" } },
        "spec": {
            "serviceAccountName": name,
            "restartPolicy": "Never",
            "nodeSelector": { "kubernetes.io/os": "linux" },
            "securityContext": {
                "runAsNonRoot": true,
                "runAsUser": 65532,
                "runAsGroup": 65532,
                "seccompProfile": { "type": "RuntimeDefault" },
            },
            "containers": [container],
            "volumes": [volume, { "name": "tmp", "emptyDir": {} }],
        },
    })
}

/// A Job's container: the Azure CLI running `script` with `env`, its inputs read-only under
/// `/{input}` (the volume's name), writing only to `/tmp`.
pub(crate) fn job_container(name: &str, script: &str, env: Value, input: &str) -> Value {
    let mut env = env.as_array().cloned().unwrap_or_default();
    env.extend([
        json!({ "name": "HOME", "value": "/tmp" }),
        json!({ "name": "AZURE_CONFIG_DIR", "value": "/tmp/.azure" }),
    ]);
    json!({
        "name": name,
        "image": facts::IMAGE,
        "command": ["/bin/sh", "-c", script],
        "env": env,
        "resources": { "requests": { "cpu": "100m", "memory": "256Mi" }, "limits": { "memory": "1Gi" } },
        "securityContext": {
            "allowPrivilegeEscalation": false,
            "readOnlyRootFilesystem": true,
            "capabilities": { "drop": ["ALL"] },
        },
        "volumeMounts": [
            { "name": input, "mountPath": format!("/{input}"), "readOnly": true },
            { "name": "tmp", "mountPath": "/tmp" },
        ],
    })
}

/// The file the command takes along for the Job `job`, by its base name (az flattens
/// attachments).
pub fn manifest_file(job: &str) -> String {
    format!("{job}.json")
}

/// Waits up to `WAIT_SECS` for the Job and says how it ended on a line of its own:
/// `platc-publish: Complete`, `Failed` or `Running`. Once the Job is done its inputs go (the
/// ConfigMap of a folder, the Secret of certificates: `--ignore-not-found` covers the one a
/// Job does not have), so manifests kept out of Git and imported certificates do not stay
/// readable in the cluster. A failed Job keeps a folder's ConfigMap, to be looked into; a
/// Secret goes either way.
fn wait_script(job: &str) -> String {
    let rounds = facts::WAIT_SECS / 5;
    format!(
        r#"i=0
while [ "$i" -lt {rounds} ]; do
  state=$(kubectl -n {NAMESPACE} get job {job} -o jsonpath='{{.status.conditions[?(@.status=="True")].type}}')
  case "$state" in
    *Complete*) echo "platc-publish: Complete"; kubectl -n {NAMESPACE} logs job/{job} --tail=200 || true; kubectl -n {NAMESPACE} delete configmap,secret {job} --ignore-not-found || true; exit 0;;
    *Failed*) echo "platc-publish: Failed"; kubectl -n {NAMESPACE} logs job/{job} --tail=40 || true; kubectl -n {NAMESPACE} delete secret {job} --ignore-not-found || true; exit 1;;
  esac
  sleep 5; i=$((i+1))
done
echo "platc-publish: Running"
"#
    )
}

/// The first command: replaces the previous Job (a Job's pod template cannot change) with the
/// new objects, then waits. Applied server-side: a client-side apply copies each object into an
/// annotation, and annotations hold at most 256 KiB, less than the ConfigMap may.
pub fn start_script(job: &str) -> String {
    format!(
        "set -e\nkubectl -n {NAMESPACE} delete job {job} --ignore-not-found --wait=true\nkubectl apply --server-side --force-conflicts -f {}\n{}",
        manifest_file(job),
        wait_script(job)
    )
}

/// What `publish` needs besides the platform.
pub struct Context<'a> {
    pub rg: &'a str,
    pub subscription: Option<&'a str>,
    /// The source map platc wrote: the name patterns of the cluster, account and identity.
    pub map: &'a Value,
    /// Where the manifests are written for az to take along.
    pub workdir: &'a Path,
    /// Waits between tries (a real sleep, or nothing in tests).
    pub pause: &'a dyn Fn(u64),
    /// How many seconds publish may keep waiting for one Job.
    pub budget_secs: u64,
}

/// Publishes every folder of `p`, given each one's files; one finding per folder.
pub fn publish(
    bundles: &[(Target, Bundle)],
    cx: &Context,
    az: &mut dyn Az,
) -> Result<Outcome, AzError> {
    let mut out = Outcome::default();
    if bundles.is_empty() {
        return Ok(out);
    }
    let resources = resource_list(cx, az)?;
    for (t, bundle) in bundles {
        let what = format!("gitops `{}` of cluster `{}`", t.gitops, t.cluster);
        let finding = match one(t, bundle, cx, &resources, az) {
            Ok(detail) => Finding {
                status: Status::Ok,
                what,
                detail,
            },
            Err(Stop::Az(e)) if e.stops() => return Err(e),
            Err(Stop::Az(e)) => Finding {
                status: Status::Failed,
                what,
                detail: e.to_string(),
            },
            Err(Stop::Gap(detail)) => Finding {
                status: Status::Failed,
                what,
                detail,
            },
        };
        out.findings.push(finding);
    }
    Ok(out)
}

pub(crate) enum Stop {
    Az(AzError),
    Gap(String),
}

impl From<AzError> for Stop {
    fn from(e: AzError) -> Stop {
        Stop::Az(e)
    }
}

/// What the environment's resource group holds, to find deployed names in.
pub(crate) fn resource_list(cx: &Context, az: &mut dyn Az) -> Result<Vec<Value>, AzError> {
    let mut args = vec!["resource", "list", "--resource-group", cx.rg];
    with_subscription(&mut args, cx.subscription);
    match az.run(&args)? {
        Value::Array(list) => Ok(list),
        _ => Err(AzError::BadOutput(
            "`az resource list` printed no list".into(),
        )),
    }
}

pub(crate) fn with_subscription<'a>(args: &mut Vec<&'a str>, subscription: Option<&'a str>) {
    if let Some(s) = subscription {
        args.extend(["--subscription", s]);
    }
}

/// The deployed name of the resource `symbol` of `deployment`, by the map's pattern.
pub(crate) fn deployed(
    map: &Value,
    resources: &[Value],
    deployment: &str,
    symbol: &str,
) -> Option<String> {
    let d = map["deployments"]
        .as_array()?
        .iter()
        .find(|d| d["deployment"] == deployment)?;
    let r = d["resources"]
        .as_array()?
        .iter()
        .find(|r| r["symbol"] == symbol)?;
    let (type_, pattern) = (r["type"].as_str()?, r["name"].as_str()?);
    find_deployed(resources, type_, pattern).and_then(|x| x["name"].as_str().map(str::to_owned))
}

/// The deployed names a target needs, or which one is missing.
fn names(t: &Target, cx: &Context, resources: &[Value]) -> Result<[String; 3], Stop> {
    let find = |deployment: String, symbol: String, what: &str| {
        deployed(cx.map, resources, &deployment, &symbol).ok_or_else(|| {
            Stop::Gap(format!(
                "{what} is not in resource group {}: run `azd provision` first",
                cx.rg
            ))
        })
    };
    Ok([
        find(
            format!("cluster-{}", t.cluster),
            "cluster".into(),
            "the AKS cluster",
        )?,
        find(
            format!("storage-{}", t.storage),
            "account".into(),
            "the storage account",
        )?,
        find(
            format!("gitops-{}", t.cluster),
            crate::bicep::ident("publisher", t.gitops),
            "the identity that publishes",
        )?,
    ])
}

fn one(
    t: &Target,
    bundle: &Bundle,
    cx: &Context,
    resources: &[Value],
    az: &mut dyn Az,
) -> Result<String, Stop> {
    let [cluster, account, identity] = names(t, cx, resources)?;
    let client_id = client_id(cx, az, &identity)?;
    let job = job_name(t.gitops);
    run_job(
        cx,
        az,
        &cluster,
        &job,
        &manifests(t, &account, &client_id, bundle),
    )?;
    Ok(format!(
        "{} files ({} bytes) into {account}/{}",
        bundle.files.len(),
        bundle.files.iter().map(|f| f.1.len()).sum::<usize>(),
        t.container
    ))
}

/// The client id of the identity a Job signs in with.
pub(crate) fn client_id(cx: &Context, az: &mut dyn Az, identity: &str) -> Result<String, Stop> {
    let mut args = vec![
        "identity",
        "show",
        "--resource-group",
        cx.rg,
        "--name",
        identity,
    ];
    with_subscription(&mut args, cx.subscription);
    let shown = az.run(&args)?;
    shown["clientId"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Stop::Gap(format!("identity {identity} has no client id")))
}

/// Applies `objects` (the Job `job` and what it needs) in the cluster and waits for the Job;
/// its logs once it completed. The file az takes along is deleted when the command has it.
pub(crate) fn run_job(
    cx: &Context,
    az: &mut dyn Az,
    cluster: &str,
    job: &str,
    objects: &Value,
) -> Result<String, Stop> {
    let file = cx.workdir.join(manifest_file(job));
    let text = serde_json::to_string(objects).expect("JSON values print");
    std::fs::write(&file, text)
        .map_err(|e| Stop::Gap(format!("cannot write {}: {e}", file.display())))?;
    let attached = file.to_string_lossy().into_owned();
    let started = start_job(cx, az, cluster, job, &attached);
    let _ = std::fs::remove_file(&file);
    let (mut logs, mut waited) = started?;
    loop {
        if logs.contains("platc-publish: Complete") {
            return Ok(logs);
        }
        if !logs.contains("platc-publish: Running") {
            return Err(Stop::Gap(format!("the Job failed: {}", last_lines(&logs))));
        }
        if waited >= cx.budget_secs {
            return Err(Stop::Gap(format!(
                "job {job} in {NAMESPACE} still runs after {waited} s; see `kubectl -n {NAMESPACE} logs job/{job}`"
            )));
        }
        waited += facts::WAIT_SECS;
        logs = invoke(az, cx, cluster, &wait_script(job), None)?.1;
    }
}

/// Starts the Job; the first command's output and the seconds waited.
fn start_job(
    cx: &Context,
    az: &mut dyn Az,
    cluster: &str,
    job: &str,
    file: &str,
) -> Result<(String, u64), Stop> {
    admitted(cx, az, cluster, &start_script(job), Some(file)).map(|(_, logs, w)| (logs, w))
}

/// Runs `script` in the cluster as `invoke` does, again while Kubernetes refuses the signed-in
/// account: a new admin's role assignment, made by this provision, takes minutes to reach the
/// cluster. Its exit code, output and the seconds waited.
pub(crate) fn admitted(
    cx: &Context,
    az: &mut dyn Az,
    cluster: &str,
    script: &str,
    file: Option<&str>,
) -> Result<(i64, String, u64), Stop> {
    let mut waited = 0;
    loop {
        let (code, logs) = invoke(az, cx, cluster, script, file)?;
        let refused = code != 0
            && !logs.contains("platc-publish:")
            && logs.to_ascii_lowercase().contains("forbidden");
        if !refused {
            return Ok((code, logs, waited));
        }
        if waited >= cx.budget_secs.min(600) {
            return Err(Stop::Gap(format!(
                "Kubernetes refused the account az is signed in with: {}; publish runs kubectl as that account, which must operate the cluster (`admins`, or the deployer when none are named)",
                last_lines(&logs)
            )));
        }
        (cx.pause)(30);
        waited += 30;
    }
}

/// Runs `script` in the cluster; its exit code and output. A command az stopped waiting for is
/// read back with `az aks command result` until it ends.
fn invoke(
    az: &mut dyn Az,
    cx: &Context,
    cluster: &str,
    script: &str,
    file: Option<&str>,
) -> Result<(i64, String), Stop> {
    let mut args = vec![
        "aks",
        "command",
        "invoke",
        "--resource-group",
        cx.rg,
        "--name",
        cluster,
        "--command",
        script,
    ];
    if let Some(f) = file {
        args.extend(["--file", f]);
    }
    with_subscription(&mut args, cx.subscription);
    let mut result = az.run(&args)?;
    for _ in 0..60 {
        let state = result["provisioningState"].as_str().unwrap_or_default();
        if state.eq_ignore_ascii_case("Succeeded") {
            let code = result["exitCode"].as_i64().unwrap_or(-1);
            let logs = result["logs"].as_str().unwrap_or_default().to_string();
            return Ok((code, logs));
        }
        if state.eq_ignore_ascii_case("Failed") {
            return Err(Stop::Gap(format!(
                "the cluster could not run the command: {}",
                result["reason"].as_str().unwrap_or("no reason given")
            )));
        }
        let Some(id) = result["id"].as_str().map(str::to_owned) else {
            break;
        };
        (cx.pause)(10);
        let mut args = vec![
            "aks",
            "command",
            "result",
            "--resource-group",
            cx.rg,
            "--name",
            cluster,
            "--command-id",
            &id,
        ];
        with_subscription(&mut args, cx.subscription);
        // While the command runs, `az aks command result` prints a line of text, not JSON.
        result = match az.run(&args) {
            Err(AzError::BadOutput(_)) => json!({"provisioningState": "Running", "id": id}),
            other => other?,
        };
    }
    Err(Stop::Gap(
        "the cluster did not finish the command within ten minutes".into(),
    ))
}

pub(crate) fn last_lines(logs: &str) -> String {
    let lines: Vec<&str> = logs.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(3)..].join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_pads_as_the_standard_says() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(&[0xff, 0xfe, 0x00, 0x01]), "//4AAQ==");
    }

    #[test]
    fn only_relative_folders_are_accepted() {
        assert!(Upload::relative_dir("gitops/vendor").is_ok());
        assert!(Upload::relative_dir("../shared/manifests").is_ok());
        for bad in [
            "",
            " ",
            "/abs",
            "\\\\server\\share",
            "C:\\manifests",
            "a\nb",
        ] {
            assert!(Upload::relative_dir(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn blob_names_azure_would_refuse_are_refused() {
        assert!(blob_name("apps/kustomization.yaml").is_ok());
        assert!(blob_name("trailing.").is_err());
        assert!(blob_name(" lead").is_err());
        assert!(blob_name(&"a".repeat(1025)).is_err());
    }
}
