//! `platc publish`: the folder of a blob GitOps source reaches its private container through
//! the cluster (a stand-in `az` in tests/publish/bin, and a scripted one in process), and a
//! folder that cannot be published is a compile error at its `upload` string.

use platc::model::Upload;
use platc::publish::{Bundle, Context, Target, certificates, collect, manifests, publish};
use platc::source::Span;
use platc::verify::{Az, AzError};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("platc-publish-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_example_folder_travels_to_the_cluster_as_one_job() {
    let dir = scratch("cli");
    let (log, copy) = (dir.join("az.log"), dir.join("sent.json"));
    let path = format!(
        "{}:{}",
        root().join("tests/publish/bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = Command::new(env!("CARGO_BIN_EXE_platc"))
        .current_dir(root())
        .env("PATH", path)
        .env("PLATC_TEST_LOG", &log)
        .env("PLATC_TEST_COPY", &copy)
        .env("AZURE_ENV_NAME", "dev")
        .env_remove("AZURE_RESOURCE_GROUP")
        .env_remove("AZURE_SUBSCRIPTION_ID")
        .args(["publish", "examples/platform.plat"])
        .output()
        .unwrap();
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("OK      gitops `private` of cluster `main`"),
        "{out}"
    );
    let asked = std::fs::read_to_string(&log).unwrap();
    assert!(
        asked.contains("az identity show --resource-group rg-contoso-dev --name id-main-private-publisher-x7k2m9q4r1t6z"),
        "{asked}"
    );
    assert!(
        asked.contains("az aks command invoke --resource-group rg-contoso-dev --name aks-main-x7k2m9q4r1t6z --command"),
        "{asked}"
    );
    // What reached the cluster is the folder, file for file, for the identity that may write.
    let sent: Value = serde_json::from_str(
        &std::fs::read_to_string(copy.with_extension("json.publish")).unwrap(),
    )
    .unwrap();
    let items = sent["items"].as_array().unwrap();
    let kinds: Vec<&str> = items.iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["Namespace", "ServiceAccount", "ConfigMap", "Job"]);
    // A namespace of its own: none of flux-system's cluster-admin service accounts to run as.
    assert_eq!(items[0]["metadata"]["name"], "platc-publish");
    assert_eq!(
        items[1]["metadata"]["annotations"]["azure.workload.identity/client-id"],
        "3f1e0000-0000-4000-8000-0000000000c1"
    );
    let data = &items[2]["data"];
    let index = data["index"].as_str().unwrap();
    let folder = root().join("examples/private-manifests");
    let mut names = Vec::new();
    for line in index.lines() {
        let (key, name) = line.split_once(' ').unwrap();
        let on_disk = std::fs::read_to_string(folder.join(name)).unwrap();
        assert_eq!(data[key].as_str().unwrap(), on_disk, "{name}");
        names.push(name);
    }
    assert_eq!(
        names,
        [
            "vendor/kustomization.yaml",
            "vendor/license.yaml",
            "vendor/namespace.yaml"
        ]
    );
    let env = &items[3]["spec"]["template"]["spec"]["containers"][0]["env"];
    assert_eq!(env[0]["value"], "stgitopsx7k2m9q4r1t6z");
    assert_eq!(env[1]["value"], "manifests");
    // The file az took along is not left behind.
    let sent_from = asked
        .split("--file ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap();
    assert!(
        !Path::new(sent_from).exists(),
        "{sent_from} was left behind"
    );
    certificates_went_through_their_own_job(&out, &asked, &copy);
    // The cluster's secrets are written again with the KMS key version it now has.
    assert!(out.contains("OK      KMS of cluster `main`"), "{out}");
    assert!(
        out.contains("encrypted with https://kv-secrets-x7k2m9q4r1t6z.vault.azure.net/keys/etcd/0f1e2d3c4b5a69788796a5b4c3d2e1f0"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The example's private vault gets its certificate from a Job of the cluster in its network,
/// signed in as the identity that may write that vault's certificates.
fn certificates_went_through_their_own_job(out: &str, asked: &str, copy: &Path) {
    assert!(
        out.contains("OK      certificate `ingress` of vault `secrets`"),
        "{out}"
    );
    assert!(
        asked.contains("az identity show --resource-group rg-contoso-dev --name id-main-secrets-certificates-x7k2m9q4r1t6z"),
        "{asked}"
    );
    let sent: Value = serde_json::from_str(
        &std::fs::read_to_string(copy.with_extension("json.certificates")).unwrap(),
    )
    .unwrap();
    let items = sent["items"].as_array().unwrap();
    let kinds: Vec<&str> = items.iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["Namespace", "ServiceAccount", "Secret", "Job"]);
    let data = &items[2]["data"];
    let decoded = |key: &str| {
        let text = data[key].as_str().unwrap();
        String::from_utf8(base64_decode(text)).unwrap()
    };
    let index = decoded("index");
    let fields: Vec<&str> = index.split_whitespace().collect();
    assert_eq!((fields[0], fields[2]), ("ingress", "issue"), "{index}");
    let policy: Value = serde_json::from_str(&decoded("ingress.policy.json")).unwrap();
    assert_eq!(
        policy["x509CertificateProperties"]["subject"],
        "CN=shop.contoso.com"
    );
    assert_eq!(
        policy["x509CertificateProperties"]["subjectAlternativeNames"]["dnsNames"][1],
        "www.shop.contoso.com"
    );
    assert_eq!(policy["keyProperties"]["keyType"], "RSA");
    assert_eq!(policy["issuerParameters"]["name"], "Self");
    assert_eq!(
        policy["lifetimeActions"][0]["trigger"]["daysBeforeExpiry"],
        30
    );
    let env = &items[3]["spec"]["template"]["spec"]["containers"][0]["env"];
    assert_eq!(env[0]["value"], "kv-secrets-x7k2m9q4r1t6z");
}

fn base64_decode(text: &str) -> Vec<u8> {
    const ABC: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let (mut out, mut acc, mut bits) = (Vec::new(), 0u32, 0);
    for ch in text.trim_end_matches('=').chars() {
        acc = (acc << 6) | ABC.find(ch).unwrap() as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

fn check(dir: &Path) -> (i32, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_platc"))
        .current_dir(dir)
        .args(["check", "platform.plat", "--color", "never"])
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn a_folder_that_cannot_be_published_is_an_error_at_its_name() {
    let dir = scratch("missing");
    let example = std::fs::read_to_string(root().join("examples/platform.plat")).unwrap();
    std::fs::write(dir.join("platform.plat"), &example).unwrap();
    let (code, err) = check(&dir);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("error[E0213]: cannot publish `private-manifests`: there is no folder"),
        "{err}"
    );
    // The label sits under the string, nowhere else.
    assert_eq!(err.matches("error[").count(), 1, "{err}");
    assert!(err.contains("upload = \"private-manifests\")"), "{err}");

    // Only hidden files: nothing to publish.
    std::fs::create_dir_all(dir.join("private-manifests/.git")).unwrap();
    std::fs::write(dir.join("private-manifests/.git/HEAD"), "ref\n").unwrap();
    let (code, err) = check(&dir);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("it holds no files"), "{err}");

    // Too much for one ConfigMap.
    std::fs::create_dir_all(dir.join("private-manifests/vendor")).unwrap();
    std::fs::write(
        dir.join("private-manifests/vendor/big.yaml"),
        "x".repeat(800 * 1024),
    )
    .unwrap();
    let (code, err) = check(&dir);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("more than 768 KiB"), "{err}");

    // Within the limit it compiles.
    std::fs::write(
        dir.join("private-manifests/vendor/big.yaml"),
        "kind: List\n",
    )
    .unwrap();
    let (code, err) = check(&dir);
    assert_eq!(code, 0, "{err}");

    // A link is not followed out of the folder.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("/etc/passwd", dir.join("private-manifests/vendor/passwd"))
            .unwrap();
        let (code, err) = check(&dir);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("`vendor/passwd` is a link"), "{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn files_that_are_not_text_travel_as_binary_data() {
    let dir = scratch("binary");
    std::fs::create_dir_all(dir.join("a/b")).unwrap();
    std::fs::write(dir.join("a/b/logo.png"), [0x89, b'P', b'N', b'G', 0xff]).unwrap();
    std::fs::write(dir.join("z.yaml"), "kind: List\n").unwrap();
    std::fs::write(dir.join(".DS_Store"), "x").unwrap();
    let bundle = collect(&dir).unwrap();
    let names: Vec<&str> = bundle.files.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(names, ["a/b/logo.png", "z.yaml"]);
    let upload = Upload {
        dir: "x".into(),
        span: Span::default(),
    };
    let t = target(&upload);
    let m = manifests(&t, "stx", "client", &bundle);
    let config = &m["items"][2];
    assert_eq!(config["binaryData"]["f0"], "iVBOR/8=");
    assert_eq!(config["data"]["f1"], "kind: List\n");
    assert_eq!(config["data"]["index"], "f0 a/b/logo.png\nf1 z.yaml\n");
    let _ = std::fs::remove_dir_all(&dir);
}

fn target(upload: &Upload) -> Target<'_> {
    Target {
        cluster: "main",
        gitops: "private",
        storage: "gitops",
        container: "manifests",
        upload,
    }
}

/// An `az` that answers from a script: each `aks command` call takes the next answer.
struct Scripted {
    answers: Vec<Value>,
    asked: Vec<String>,
}

impl Az for Scripted {
    fn run(&mut self, args: &[&str]) -> Result<Value, AzError> {
        self.asked.push(args.join(" "));
        match (args[0], args[1]) {
            ("resource", "list") => Ok(json!([
                {"type": "Microsoft.ContainerService/managedClusters", "name": "aks-main-x7k2m9q4r1t6z"},
                {"type": "Microsoft.Storage/storageAccounts", "name": "stgitopsx7k2m9q4r1t6z"},
                {"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "name": "id-main-private-publisher-x7k2m9q4r1t6z"},
            ])),
            ("identity", "show") => Ok(json!({"clientId": "c1"})),
            // A string answer is text az printed instead of JSON.
            ("aks", "command") if !self.answers.is_empty() => match self.answers.remove(0) {
                Value::String(text) => Err(AzError::BadOutput(text)),
                v => Ok(v),
            },
            _ => Err(AzError::BadOutput(format!(
                "unexpected: {}",
                args.join(" ")
            ))),
        }
    }
}

fn done(code: i64, logs: &str) -> Value {
    json!({"provisioningState": "Succeeded", "exitCode": code, "logs": logs})
}

/// Publishes the example's folder against `answers`; the finding's text, what was asked, and
/// the seconds paused.
fn run_scripted(answers: Vec<Value>) -> (String, Vec<String>, u64) {
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = scratch(&format!("scripted-{call}"));
    let map: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("infra/platc.map.json")).unwrap(),
    )
    .unwrap();
    let upload = Upload {
        dir: "private-manifests".into(),
        span: Span::default(),
    };
    let bundle: Bundle = collect(&root().join("examples/private-manifests")).unwrap();
    let paused = std::cell::Cell::new(0);
    let pause = |s: u64| paused.set(paused.get() + s);
    let cx = Context {
        rg: "rg-contoso-dev",
        subscription: Some("sub"),
        map: &map,
        workdir: &dir,
        pause: &pause,
        budget_secs: 1200,
    };
    let mut az = Scripted {
        answers,
        asked: Vec::new(),
    };
    let outcome = publish(&[(target(&upload), bundle)], &cx, &mut az).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    (outcome.table(), az.asked, paused.get())
}

#[test]
fn a_deployer_kubernetes_does_not_know_yet_is_tried_again() {
    let (table, asked, paused) = run_scripted(vec![
        done(
            1,
            "Error from server (Forbidden): jobs.batch is forbidden: User \"ci\" cannot delete resource",
        ),
        done(0, "platc-publish: Complete\npublished 3 files, removed 0\n"),
    ]);
    assert!(table.contains("OK "), "{table}");
    assert_eq!(paused, 30);
    assert_eq!(
        asked
            .iter()
            .filter(|a| a.starts_with("aks command invoke"))
            .count(),
        2
    );
    assert!(
        asked.iter().all(|a| a.contains("--subscription sub")),
        "{asked:?}"
    );
}

#[test]
fn a_job_still_running_is_waited_for_and_a_failed_one_is_reported() {
    let (table, asked, _) = run_scripted(vec![
        done(0, "platc-publish: Running\n"),
        done(0, "platc-publish: Complete\n"),
    ]);
    assert!(table.contains("OK "), "{table}");
    let waits: Vec<&String> = asked
        .iter()
        .filter(|a| a.starts_with("aks command invoke"))
        .collect();
    assert_eq!(waits.len(), 2);
    assert!(
        waits[0].contains("--file"),
        "the first call takes the manifests"
    );
    // Applied server-side: a client-side apply would copy the ConfigMap into an annotation,
    // which holds at most 256 KiB.
    // The files leave the cluster once they are in the container.
    assert!(
        waits[1].contains("delete configmap,secret platc-publish-private"),
        "{}",
        waits[1]
    );
    assert!(
        waits[0].contains("kubectl apply --server-side"),
        "{}",
        waits[0]
    );
    assert!(
        !waits[1].contains("--file") && !waits[1].contains("kubectl apply"),
        "{}",
        waits[1]
    );

    let (table, _, _) = run_scripted(vec![done(
        1,
        "platc-publish: Failed\nERROR: AuthorizationPermissionMismatch\n",
    )]);
    assert!(table.contains("FAILED"), "{table}");
    assert!(table.contains("AuthorizationPermissionMismatch"), "{table}");
}

#[test]
fn a_command_az_stopped_waiting_for_is_read_back() {
    let (table, asked, paused) = run_scripted(vec![
        json!({"provisioningState": "Running", "id": "c0ffee"}),
        // While it runs, `az aks command result` prints a status line, not JSON.
        json!("command id: c0ffee, started at: 2026-12-04, status: Running"),
        done(0, "platc-publish: Complete\n"),
    ]);
    assert!(table.contains("OK "), "{table}");
    assert!(
        asked
            .iter()
            .any(|a| a.starts_with("aks command result") && a.contains("--command-id c0ffee")),
        "{asked:?}"
    );
    assert_eq!(paused, 20);
}

/// An `az` for a public vault's certificates: `show` answers from `tags` (certificate name →
/// the digest its tag holds; absent: not found), and every write is recorded.
struct PublicVault {
    tags: Vec<(String, String)>,
    asked: Vec<String>,
    /// Refuse the first `show`, as Key Vault does while a new role assignment propagates.
    refuse_once: bool,
}

impl Az for PublicVault {
    fn run(&mut self, args: &[&str]) -> Result<Value, AzError> {
        self.asked.push(args.join(" "));
        match (args[0], args[1], args[2]) {
            ("resource", "list", _) => Ok(json!([
                {"type": "Microsoft.KeyVault/vaults", "name": "kv-tls-x7k2m9q4r1t6z"},
            ])),
            ("keyvault", "certificate", "show") if self.refuse_once => {
                self.refuse_once = false;
                Err(AzError::Failed(
                    "(Forbidden) Caller is not authorized".into(),
                ))
            }
            ("keyvault", "certificate", "show") => {
                let name = args[args.iter().position(|a| *a == "--name").unwrap() + 1];
                match self.tags.iter().find(|(n, _)| n == name) {
                    Some((_, d)) => Ok(json!({"tags": {"platc-declaration": d}})),
                    None => Err(AzError::NotFound(format!("certificate {name}"))),
                }
            }
            ("keyvault", "certificate", "create" | "import") => Ok(json!({})),
            _ => Err(AzError::BadOutput(format!(
                "unexpected: {}",
                args.join(" ")
            ))),
        }
    }
}

#[test]
fn a_public_vaults_certificates_are_written_once_and_again_only_when_declared_otherwise() {
    let text = std::fs::read_to_string(root().join("tests/fixtures/ok_keys_and_certificates.plat"))
        .unwrap();
    let mut sources = platc::source::SourceMap::new();
    sources.add("platform.plat", text);
    let c = platc::compile(&sources, &platc::Options::default());
    assert!(!c.has_errors());
    let checked = platc::check(&platc::parse(&sources, None).0, Vec::new()).0;
    let map: Value = serde_json::from_str(&c.artifacts["platc.map.json"]).unwrap();
    let pfx = "MIIK"; // base64 of the PFX's first bytes: what matters is that it is base64
    let lookup = |name: &str| match name {
        "PARTNER_PFX" => Some(pfx.to_string()),
        "PARTNER_PFX_PASSWORD" => Some("s3cret".to_string()),
        _ => None,
    };
    let wanted = certificates::wanted(&checked.default, &lookup).unwrap();
    assert_eq!(wanted.len(), 1);
    assert!(
        wanted[0].writer.is_none(),
        "a public vault is written directly"
    );
    let dir = scratch("public-certificates");
    let paused = std::cell::Cell::new(0);
    let pause = |s: u64| paused.set(paused.get() + s);
    let cx = Context {
        rg: "rg-demo-dev",
        subscription: None,
        map: &map,
        workdir: &dir,
        pause: &pause,
        budget_secs: 600,
    };
    // First provision: neither exists.
    let mut az = PublicVault {
        tags: Vec::new(),
        asked: Vec::new(),
        refuse_once: true,
    };
    let mut out = platc::preflight::Outcome::default();
    certificates::write(&wanted, &cx, &mut az, &mut out).unwrap();
    assert!(out.ok(), "{}", out.table());
    assert_eq!(
        paused.get(),
        30,
        "a refusal is waited out, not taken for absence"
    );
    let create = az
        .asked
        .iter()
        .find(|a| a.contains("certificate create"))
        .unwrap();
    assert!(
        create.contains("--name ingress") && create.contains("--policy @"),
        "{create}"
    );
    let import = az
        .asked
        .iter()
        .find(|a| a.contains("certificate import"))
        .unwrap();
    assert!(
        import.contains("--name partner") && import.contains("--password s3cret"),
        "{import}"
    );
    assert!(
        std::fs::read_dir(&dir).unwrap().next().is_none(),
        "the policy and the PFX are not left behind"
    );
    // Provisioned again, as declared: nothing is written.
    let tags = wanted[0]
        .certificates
        .iter()
        .map(|w| (w.name.clone(), w.digest.clone()))
        .collect();
    let mut az = PublicVault {
        tags,
        asked: Vec::new(),
        refuse_once: false,
    };
    let mut out = platc::preflight::Outcome::default();
    certificates::write(&wanted, &cx, &mut az, &mut out).unwrap();
    assert!(out.table().contains("unchanged"), "{}", out.table());
    assert!(
        !az.asked
            .iter()
            .any(|a| a.contains("create") || a.contains("import")),
        "{:?}",
        az.asked
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_import_without_its_file_in_the_azd_environment_says_which_variable() {
    let text = std::fs::read_to_string(root().join("tests/fixtures/ok_keys_and_certificates.plat"))
        .unwrap();
    let mut sources = platc::source::SourceMap::new();
    sources.add("platform.plat", text);
    let checked = platc::check(&platc::parse(&sources, None).0, Vec::new()).0;
    let err = certificates::wanted(&checked.default, &|_| None).unwrap_err();
    assert!(err.contains("azd env set PARTNER_PFX"), "{err}");
    let err = certificates::wanted(&checked.default, &|n| {
        (n == "PARTNER_PFX").then(|| "not base64!".to_string())
    })
    .unwrap_err();
    assert!(err.contains("is not base64"), "{err}");
}

/// The Job's script, run by `sh` against a stand-in `az`: a certificate whose tag holds its
/// digest is left alone, a missing one is written, and a refusal while roles propagate is
/// tried again rather than taken for absence (which would write a new version).
#[cfg(unix)]
#[test]
fn the_certificate_job_writes_only_what_is_missing_or_declared_otherwise() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("certificate-job");
    let (bin, input, log) = (dir.join("bin"), dir.join("in"), dir.join("az.log"));
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&input).unwrap();
    let az = format!(
        r#"#!/bin/sh
echo "az $*" >> {log}
case "$1 $2 $3" in
  "keyvault certificate show")
    case "$*" in
      *"--name same "*) echo "$SAME_DIGEST" ;;
      *"--name flaky "*) if [ -f {dir}/seen ]; then echo old; else touch {dir}/seen; echo "ERROR: (Forbidden) Caller is not authorized" >&2; exit 1; fi ;;
      *) echo "ERROR: (CertificateNotFound) A certificate with (name/id) x was not found in this key vault." >&2; exit 1 ;;
    esac ;;
esac
"#,
        log = log.display(),
        dir = dir.display()
    );
    std::fs::write(bin.join("az"), az).unwrap();
    std::fs::set_permissions(bin.join("az"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let policy = json!({"x509CertificateProperties": {"subject": "CN=a"}});
    let wanted = |name: &str, digest: &str| certificates::Wanted {
        name: name.into(),
        digest: digest.into(),
        how: certificates::How::Issue(policy.clone()),
    };
    let v = certificates::VaultCertificates {
        vault: "tls",
        writer: Some("main"),
        certificates: vec![
            wanted("same", "d1"),
            wanted("new", "d2"),
            wanted("flaky", "d3"),
        ],
    };
    let sent = certificates::manifests(&v, "kv-tls", "client");
    let job = &sent["items"][3]["spec"]["template"]["spec"]["containers"][0];
    let script = job["command"][2].as_str().unwrap();
    let secret = &sent["items"][2]["data"];
    for (key, value) in secret.as_object().unwrap() {
        std::fs::write(input.join(key), base64_decode(value.as_str().unwrap())).unwrap();
    }
    let script = script
        .replace("/tmp/", &format!("{}/", dir.display()))
        .replace("/in/", &format!("{}/", input.display()))
        .replace("sleep 30", "sleep 0");
    let o = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("VAULT", "kv-tls")
        .env("TAG", "platc-declaration")
        .env("SAME_DIGEST", "d1")
        .env("AZURE_CLIENT_ID", "c")
        .env("AZURE_TENANT_ID", "t")
        .env("AZURE_FEDERATED_TOKEN_FILE", "/dev/null")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("platc-certificate: same unchanged"), "{out}");
    assert!(out.contains("platc-certificate: new written"), "{out}");
    assert!(out.contains("platc-certificate: flaky written"), "{out}");
    let asked = std::fs::read_to_string(&log).unwrap();
    let creates: Vec<&str> = asked.lines().filter(|l| l.contains("create")).collect();
    assert_eq!(creates.len(), 2, "{asked}");
    assert!(creates[0].contains("--name new") && creates[0].contains("platc-declaration=d2"));
    // Refused once, then read again.
    assert_eq!(
        asked
            .lines()
            .filter(|l| l.contains("--name flaky") && l.contains("show"))
            .count(),
        2,
        "{asked}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The KMS command, run by `sh` against a stand-in `kubectl` that keeps the marker in a file:
/// secrets are written again once per key version, and not while the version stays.
#[cfg(unix)]
#[test]
fn secrets_are_written_again_once_per_kms_key_version() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("kms-rewrite");
    let (bin, log, marker) = (dir.join("bin"), dir.join("kubectl.log"), dir.join("marker"));
    std::fs::create_dir_all(&bin).unwrap();
    let kubectl = format!(
        r#"#!/bin/sh
echo "kubectl $*" >> {log}
case "$*" in
  *"get configmap platc-kms"*) [ -f {marker} ] && cat {marker} || exit 1 ;;
  *"create configmap platc-kms"*) echo "$*" | sed 's/.*keyId=\([^ ]*\).*/\1/' > {marker} ;;
  *"get secrets"*) echo '{{"items": []}}' ;;
esac
"#,
        log = log.display(),
        marker = marker.display()
    );
    std::fs::write(bin.join("kubectl"), kubectl).unwrap();
    std::fs::set_permissions(bin.join("kubectl"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = |key: &str| {
        let o = Command::new("sh")
            .arg("-c")
            .arg(platc::publish::kms::script(key))
            .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let v1 = "https://kv.vault.azure.net/keys/etcd/1111";
    let v2 = "https://kv.vault.azure.net/keys/etcd/2222";
    assert!(run(v1).contains("platc-kms: rewritten"));
    assert!(run(v1).contains("platc-kms: current"));
    assert!(run(v2).contains("platc-kms: rewritten"));
    let replaced = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .filter(|l| l.contains("replace -f -"))
        .count();
    assert_eq!(replaced, 2, "once per version");
    let _ = std::fs::remove_dir_all(&dir);
}
