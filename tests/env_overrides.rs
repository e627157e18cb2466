//! Every field that may appear in an `env` block has an effect there: for each field of every
//! kind in the schema, an `env "prod"` override of it, set in the reference platform, changes the
//! output. A field that cannot differ by environment must be refused in `env` blocks instead, and
//! is listed in `FIXED`. A field added to the schema fails this test until it is in one list or
//! the other.

use platc::schema::{Kind, TOP_LEVEL};
use platc::source::SourceMap;
use platc::syntax::ast::Statement;
use platc::{Artifacts, Options};

/// `kind.path.field` → (the label of the block to override, or any; the override's value; text
/// added to the program for the value to refer to).
const OVERRIDES: &[(&str, Option<&str>, &str, &str)] = &[
    ("platform.tags", None, "{ owner = \"prod-team\" }", ""),
    ("platform.private_networking", None, "false", ""),
    (
        "platform.diagnostics",
        None,
        "logs.audit",
        "logs \"audit\" { }\n",
    ),
    (
        "network.address_space",
        None,
        "[10.20.0.0/16, 10.30.0.0/16]",
        "",
    ),
    ("network.subnet.prefix", Some("nodes"), "10.20.4.0/22", ""),
    // Moves prod's private endpoints to another network, so the one it had keeps none there.
    (
        "network.subnet.private_endpoints",
        Some("pe"),
        "true",
        "network \"edge\" {\n  address_space = [10.40.0.0/16]\n  subnet \"pe\" {\n    prefix = 10.40.0.0/24\n    private_endpoints = false\n  }\n}\n",
    ),
    ("logs.retention_days", None, "60", ""),
    ("logs.daily_quota_gb", None, "5", ""),
    ("logs.local_auth", None, "true", ""),
    ("metrics.grafana", None, "false", ""),
    ("registry.sku", None, "standard", ""),
    ("registry.private", None, "false", ""),
    ("vault.sku", None, "standard", ""),
    ("vault.soft_delete_days", None, "60", ""),
    ("vault.purge_protection", None, "false", ""),
    ("vault.private", None, "false", ""),
    ("appconfig.sku", None, "premium", ""),
    ("appconfig.soft_delete_days", None, "3", ""),
    ("appconfig.purge_protection", None, "false", ""),
    ("appconfig.private", None, "true", ""),
    ("storage.replication", None, "grs", ""),
    ("storage.containers", None, "[\"manifests\", \"extra\"]", ""),
    ("storage.private", None, "false", ""),
    ("cluster.kubernetes", None, "\"1.32\"", ""),
    ("cluster.sku_tier", None, "premium", ""),
    ("cluster.upgrade_channel", None, "node-image", ""),
    (
        "cluster.node_os_upgrade_channel",
        None,
        "security_patch",
        "",
    ),
    (
        "cluster.registry",
        None,
        "registry.other",
        "registry \"other\" { sku = premium }\n",
    ),
    ("cluster.private_cluster", None, "false", ""),
    (
        "cluster.defender",
        None,
        "logs.sensor",
        "logs \"sensor\" { local_auth = true }\n",
    ),
    ("cluster.network.subnet", None, "network.core.other", ""),
    ("cluster.network.plugin", None, "azure_cni", ""),
    ("cluster.network.dataplane", None, "azure", ""),
    ("cluster.network.policy", None, "calico", ""),
    ("cluster.network.pod_cidr", None, "10.245.0.0/16", ""),
    ("cluster.network.service_cidr", None, "10.0.0.0/15", ""),
    ("cluster.network.dns_service_ip", None, "10.0.0.11", ""),
    ("cluster.network.outbound", None, "managed_nat_gateway", ""),
    (
        "cluster.network.api_server_subnet",
        None,
        "network.core.other",
        "",
    ),
    (
        "cluster.kms",
        None,
        "key.other",
        "key \"other\" in vault.secrets { operations = [encrypt, decrypt] }\n",
    ),
    (
        "cluster.pool.vm_size",
        Some("system"),
        "\"Standard_D8ds_v5\"",
        "",
    ),
    ("cluster.pool.mode", Some("apps"), "system", ""),
    ("cluster.pool.count", Some("system"), "5", ""),
    ("cluster.pool.autoscale", Some("apps"), "4..12", ""),
    ("cluster.pool.zones", Some("system"), "[1, 2]", ""),
    ("cluster.pool.max_pods", Some("system"), "60", ""),
    ("cluster.pool.os_sku", Some("system"), "ubuntu", ""),
    (
        "cluster.pool.taints",
        Some("apps"),
        "[\"dedicated=apps:NoSchedule\"]",
        "",
    ),
    (
        "cluster.pool.labels",
        Some("apps"),
        "{ workload = \"batch\" }",
        "",
    ),
    (
        "cluster.monitoring.logs",
        None,
        "logs.audit",
        "logs \"audit\" { }\n",
    ),
    (
        "cluster.monitoring.metrics",
        None,
        "metrics.other",
        "metrics \"other\" { }\n",
    ),
    ("cluster.extension.rotation", Some("keyvault_csi"), "5m", ""),
    (
        "cluster.extension.revision",
        Some("istio"),
        "\"asm-1-26\"",
        "",
    ),
    ("cluster.extension.ingress", Some("istio"), "internal", ""),
    (
        "cluster.extension.baseline",
        Some("azure_policy"),
        "pod_security_restricted",
        "",
    ),
    ("cluster.extension.effect", Some("azure_policy"), "deny", ""),
    (
        "cluster.gitops.source",
        Some("platform"),
        "git(\"https://github.com/contoso/other\", branch = \"main\")",
        "",
    ),
    (
        "cluster.gitops.namespace",
        Some("platform"),
        "\"flux-prod\"",
        "",
    ),
    ("cluster.gitops.interval", Some("platform"), "10m", ""),
    (
        "cluster.gitops.kustomization.path",
        Some("infra"),
        "\"./clusters/prod/infra\"",
        "",
    ),
    (
        "cluster.gitops.kustomization.depends_on",
        Some("apps"),
        "[]",
        "",
    ),
    (
        "cluster.gitops.kustomization.prune",
        Some("infra"),
        "false",
        "",
    ),
    (
        "cluster.gitops.kustomization.interval",
        Some("infra"),
        "20m",
        "",
    ),
    ("secret.value", None, "secure(\"DB_PASSWORD_PROD\")", ""),
    (
        "secret.content_type",
        None,
        "\"application/x-password\"",
        "",
    ),
    ("secret.expires_after", None, "30d", ""),
    ("key.type", Some("signing"), "rsa_hsm", HSM_SIGNING),
    ("key.size", Some("etcd"), "3072", ""),
    ("key.curve", Some("signing"), "p384", EC_SIGNING),
    (
        "key.operations",
        Some("etcd"),
        "[encrypt, decrypt, wrap_key]",
        "",
    ),
    ("key.expires_after", Some("etcd"), "730d", ""),
    ("key.rotate_after", Some("etcd"), "90d", ""),
    ("key.rotate_before_expiry", Some("signing"), "30d", SIGNING),
    ("key.notify_before_expiry", Some("etcd"), "20d", ""),
    ("config.value", Some("checkout:color"), "\"red\"", ""),
    (
        "config.secret",
        Some("checkout:db-password"),
        "secret.other",
        "secret \"other\" in vault.secrets {\n  value = secure(\"OTHER\")\n  expires_after = 90d\n}\n",
    ),
    ("config.label", Some("checkout:color"), "\"v2\"", ""),
    (
        "config.labels",
        Some("checkout:color"),
        "{ prod = \"red\" }",
        "",
    ),
    (
        "config.content_type",
        Some("checkout:color"),
        "\"text/markdown\"",
        "",
    ),
    ("feature.enabled", None, "true", ""),
    ("feature.description", None, "\"The new pages\"", ""),
    ("feature.labels", None, "{ everyone = true }", ""),
];

/// A key nothing else uses, for overrides the cluster's KMS key may not take.
const SIGNING: &str = "key \"signing\" in vault.secrets { }\n";
const EC_SIGNING: &str = "key \"signing\" in vault.secrets { type = ec }\n";
const HSM_SIGNING: &str = "vault \"hsm\" { sku = premium }\nkey \"signing\" in vault.hsm { }\n";

/// Fields ARM never sees: certificates, which `platc publish` writes after provisioning. Each
/// override must change what publish writes in that environment. (kind.field, the
/// certificate's declaration, the override's value.)
const PUBLISHED: &[(&str, &str, &str)] = &[
    ("certificate.subject", ISSUED, "\"CN=prod.contoso.com\""),
    ("certificate.dns_names", ISSUED, "[\"prod.contoso.com\"]"),
    ("certificate.validity_months", ISSUED, "24"),
    ("certificate.issuer", ISSUED, "\"DigiCert\""),
    ("certificate.type", ISSUED, "ec"),
    ("certificate.size", ISSUED, "4096"),
    ("certificate.curve", ISSUED_EC, "p384"),
    ("certificate.renew_before_expiry", ISSUED, "60d"),
    ("certificate.import", IMPORTED, "secure(\"PFX_PROD\")"),
    (
        "certificate.password",
        IMPORTED,
        "secure(\"PFX_PASSWORD_PROD\")",
    ),
];
const ISSUED: &str =
    "certificate \"tls\" in vault.secrets {\n  subject = \"CN=shop.contoso.com\"\n}\n";
const ISSUED_EC: &str =
    "certificate \"tls\" in vault.secrets {\n  subject = \"CN=shop.contoso.com\"\n  type = ec\n}\n";
const IMPORTED: &str = "certificate \"tls\" in vault.secrets {\n  import = secure(\"PFX\")\n  password = secure(\"PFX_PASSWORD\")\n}\n";

/// What `platc publish` writes for environment `staging` of `text`.
fn published(text: &str) -> Vec<String> {
    let mut sources = SourceMap::new();
    sources.add("platform.plat", text.to_string());
    let (files, earlier) = platc::parse(&sources, None);
    let (checked, diagnostics) = platc::check(&files, earlier);
    let errors: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.severity == platc::diag::Severity::Error)
        .map(|d| d.message.clone())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let p = checked
        .environments
        .get("staging")
        .unwrap_or(&checked.default);
    // A PFX variable holds base64 that differs by variable; a password, its variable's name.
    let lookup = |name: &str| {
        Some(match name {
            "PFX" => "UEZY".to_string(),
            "PFX_PROD" => "UEZYUFJPRA==".to_string(),
            other => other.to_string(),
        })
    };
    platc::publish::certificates::wanted(p, &lookup)
        .unwrap()
        .iter()
        .flat_map(|v| v.certificates.iter().map(|w| format!("{w:?}")))
        .collect()
}

#[test]
fn every_certificate_override_changes_what_publish_writes() {
    let mut dropped = Vec::new();
    for (path, certificate, value) in PUBLISHED {
        let field = path.rsplit('.').next().unwrap();
        let base = with_override("platform.tags", None, "{}", certificate);
        let base = base.replacen(&inserted("tags", "{}"), "\n\n", 1);
        let at = closing_brace(&base, &["certificate"], Some("tls")).unwrap();
        let program = format!("{}{}{}", &base[..at], inserted(field, value), &base[at..]);
        if published(&program) == published(&base) {
            dropped.push(*path);
        }
    }
    assert!(dropped.is_empty(), "overrides with no effect: {dropped:?}");
}

/// Fields that cannot differ by environment, each refused in `env` blocks.
const FIXED: &[&str] = &[
    "cluster.gitops.kustomization.substitute",
    "platform.location",
    "platform.environments",
    "platform.policies",
    "platform.waivers",
    "cluster.admins",
];

/// The overrides the checker refuses in the reference platform, each with a diagnostic at the
/// source: a value that Azure rules out there (E0205, E0207), or one that would change what a
/// resource refers to, which one template for every environment cannot express (E0211).
const REFUSED: &[&str] = &[
    "platform.private_networking",
    "platform.diagnostics",
    "network.subnet.private_endpoints",
    "metrics.grafana",
    "registry.sku",
    "vault.purge_protection",
    "appconfig.private",
    "cluster.private_cluster",
    "cluster.network.dataplane",
    "cluster.pool.mode",
    "cluster.pool.taints",
    "cluster.monitoring.logs",
    "config.secret",
    // A KMS key's vault is reached publicly or through the API server's subnet, two shapes of
    // the cluster; which key and which subnet are references to other modules' outputs.
    "vault.private",
    // The example's KMS key is HSM-protected, which a standard vault cannot hold (E0214).
    "vault.sku",
    "cluster.kms",
    "cluster.network.api_server_subnet",
];

const EXAMPLE: &str = include_str!("../examples/platform.plat");

fn build(text: &str) -> Result<Artifacts, String> {
    let mut sources = SourceMap::new();
    sources.add("platform.plat", text.to_string());
    let options = Options {
        source_name: "platform.plat".into(),
        ..Options::default()
    };
    let c = platc::compile(&sources, &options);
    if c.has_errors() {
        let shown = platc::diag::render::human(&sources, &c.diagnostics, false);
        return Err(shown);
    }
    Ok(c.artifacts)
}

/// Where a block of `path` (kinds from the top) closes, in the first block that matches.
fn closing_brace(text: &str, path: &[&str], label: Option<&str>) -> Option<usize> {
    fn find(stmts: &[Statement], path: &[&str], label: Option<&str>) -> Option<usize> {
        for st in stmts {
            let Statement::Block(b) = st else { continue };
            if b.kind.name != path[0] {
                continue;
            }
            let Some(body) = b.body.as_ref() else {
                continue;
            };
            if path.len() == 1 {
                let name = b.label.as_ref().map(|l| l.text.as_str());
                if label.is_none() || name == label {
                    return Some(body.span.end as usize - 1);
                }
                continue;
            }
            if let Some(at) = find(&body.statements, &path[1..], label) {
                return Some(at);
            }
        }
        None
    }
    let (file, errors) = platc::syntax::parse(0, text);
    assert!(errors.is_empty());
    find(&file.statements, path, label)
}

fn with_override(path: &str, label: Option<&str>, value: &str, extra: &str) -> String {
    let parts: Vec<&str> = path.split('.').collect();
    let (field, blocks) = parts.split_last().unwrap();
    // An environment of its own, so that the override is its only `env` block in any block.
    let base = format!("{EXAMPLE}\n{extra}").replace(
        "environments = [\"dev\", \"prod\"]",
        "environments = [\"dev\", \"prod\", \"staging\"]",
    );
    let base = base.replace(
        "subnet \"nodes\" { prefix = 10.20.0.0/22 }",
        "subnet \"nodes\" { prefix = 10.20.0.0/22 }\n  subnet \"other\" { prefix = 10.20.16.0/22 }",
    );
    let base = if path == "network.subnet.private_endpoints" {
        base.replace(
            "private_endpoints = true\n",
            &format!("private_endpoints = true\n{PAIRED}"),
        )
    } else {
        base
    };
    let at = closing_brace(&base, blocks, label)
        .unwrap_or_else(|| panic!("no `{}` block to override {path} in", blocks.join(" ")));
    format!("{}{}{}", &base[..at], inserted(field, value), &base[at..])
}

/// The second half of the `private_endpoints` override: one subnet gives up private endpoints
/// in prod as another takes them, since a platform has exactly one such subnet.
const PAIRED: &str = "    env \"staging\" { private_endpoints = false }\n";

fn inserted(field: &str, value: &str) -> String {
    format!("\n  env \"staging\" {{ {field} = {value} }}\n")
}

fn fields(k: &Kind, path: &str, out: &mut Vec<String>) {
    for f in k.fields {
        out.push(format!("{path}.{}", f.name));
    }
    for b in k.blocks {
        fields(b, &format!("{path}.{}", b.name), out);
    }
}

#[test]
fn every_field_is_listed_here() {
    let mut all = Vec::new();
    for k in TOP_LEVEL.iter() {
        fields(k, k.name, &mut all);
    }
    let missing: Vec<&String> = all
        .iter()
        .filter(|f| {
            !FIXED.contains(&f.as_str())
                && !OVERRIDES.iter().any(|o| o.0 == f.as_str())
                && !PUBLISHED.iter().any(|o| o.0 == f.as_str())
        })
        .collect();
    assert!(
        missing.is_empty(),
        "fields with no override test: {missing:?}"
    );
}

#[test]
fn every_override_changes_the_output_or_is_refused() {
    let mut dropped = Vec::new();
    let mut refused = Vec::new();
    for (path, label, value, extra) in OVERRIDES {
        let program = with_override(path, *label, value, extra);
        // The same program without the override, for comparison.
        let field = path.rsplit('.').next().unwrap();
        // Line for line the same, so that only the override can make the outputs differ (the
        // Bicep comments and the source map name lines).
        let without = program
            .replacen(&inserted(field, value), "\n\n", 1)
            .replacen(PAIRED, "\n", 1);
        let without = build(&without)
            .unwrap_or_else(|e| panic!("{path}: the program without the override fails:\n{e}"));
        match build(&program) {
            Ok(with) if with == without => dropped.push(*path),
            Ok(_) => {}
            // Refused with a diagnostic at the override: not silently dropped.
            Err(e) if e.contains("error[") => {
                let first = e
                    .lines()
                    .find(|l| l.starts_with("error["))
                    .unwrap_or_default();
                refused.push(format!("{path}: {first}"));
            }
            Err(e) => panic!("{path}: {e}"),
        }
    }
    assert!(dropped.is_empty(), "overrides with no effect: {dropped:?}");
    let unexpected: Vec<&String> = refused
        .iter()
        .filter(|r| !REFUSED.iter().any(|f| r.starts_with(&format!("{f}: "))))
        .collect();
    assert!(unexpected.is_empty(), "refused: {unexpected:?}");
    assert_eq!(refused.len(), REFUSED.len(), "{refused:?}");
}

#[test]
fn fixed_fields_are_refused_in_env_blocks() {
    for path in FIXED {
        let value = if path.ends_with("location") {
            "\"westeurope\""
        } else if path.ends_with("substitute") {
            "true"
        } else {
            "[\"prod\"]"
        };
        let program = with_override(path, None, value, "");
        let err = build(&program)
            .err()
            .unwrap_or_else(|| panic!("{path} accepted"));
        assert!(
            err.contains("cannot differ by environment"),
            "{path}: {err}"
        );
    }
}
