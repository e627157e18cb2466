//! Realistic mistakes in a copy of the reference platform, as a new author makes them. Each must
//! be reported with the expected code at the exact span, and doing what the diagnostic says —
//! its machine-applicable fix where it has one, otherwise the edit its help describes — must make
//! the program compile again.

use platc::diag::Diagnostic;
use platc::source::SourceMap;
use platc::{Options, compile};

struct Mistake {
    what: &'static str,
    /// The edit that introduces the mistake: (original text, mistaken text), first occurrence.
    edit: (&'static str, &'static str),
    code: &'static str,
    /// The text the primary label must underline.
    at: &'static str,
    /// The edit the help asks for, where the diagnostic carries no automatic fix.
    help_edit: Option<(&'static str, &'static str)>,
}

const fn auto(
    what: &'static str,
    edit: (&'static str, &'static str),
    code: &'static str,
    at: &'static str,
) -> Mistake {
    Mistake {
        what,
        edit,
        code,
        at,
        help_edit: None,
    }
}

const fn manual(
    what: &'static str,
    edit: (&'static str, &'static str),
    code: &'static str,
    at: &'static str,
    fix: (&'static str, &'static str),
) -> Mistake {
    Mistake {
        what,
        edit,
        code,
        at,
        help_edit: Some(fix),
    }
}

const MISTAKES: &[Mistake] = &[
    auto(
        "misspelt kind",
        ("cluster \"main\"", "clustr \"main\""),
        "E0101",
        "clustr",
    ),
    auto(
        "misspelt field",
        ("retention_days = 30", "retention_dys = 30"),
        "E0102",
        "retention_dys",
    ),
    auto(
        "misspelt enum value",
        ("sku = premium", "sku = premum"),
        "E0106",
        "premum",
    ),
    auto(
        "quoted enum value",
        ("sku = premium", "sku = \"premium\""),
        "E0103",
        "\"premium\"",
    ),
    auto(
        "misspelt reference",
        ("registry = registry.images", "registry = registry.image"),
        "E0107",
        "image",
    ),
    // Two workspaces are declared: the help names both rather than pick one.
    manual(
        "reference to the wrong kind",
        ("logs = logs.ops", "logs = metrics.prom"),
        "E0108",
        "metrics.prom",
        ("logs = metrics.prom", "logs = logs.ops"),
    ),
    auto(
        "quoted number",
        ("count = 3", "count = \"3\""),
        "E0103",
        "\"3\"",
    ),
    auto(
        "misspelt role",
        (
            "grant \"Key Vault Secrets User\" on vault.secrets",
            "grant \"Key Vault Secret User\" on vault.secrets",
        ),
        "E0112",
        "\"Key Vault Secret User\"",
    ),
    auto(
        "misspelt kustomization dependency",
        ("depends_on = [\"infra\"]", "depends_on = [\"infr\"]"),
        "E0107",
        "\"infr\"",
    ),
    auto(
        "misspelt ingress mode",
        ("ingress = external", "ingress = externl"),
        "E0106",
        "externl",
    ),
    auto(
        "misspelt extension",
        ("extension prometheus", "extension prometheous"),
        "E0106",
        "prometheous",
    ),
    auto(
        "misspelt subnet",
        ("subnet = network.core.nodes", "subnet = network.core.node"),
        "E0107",
        "node",
    ),
    auto(
        "misspelt git argument",
        ("branch = \"main\"", "brnch = \"main\""),
        "E0113",
        "brnch",
    ),
    auto(
        "misspelt secret reference",
        ("secret = secret.db-password", "secret = secret.db-pasword"),
        "E0107",
        "db-pasword",
    ),
    auto(
        "misspelt nested block",
        ("monitoring {", "monitorng {"),
        "E0101",
        "monitorng",
    ),
    manual(
        "missing VM size",
        (
            "vm_size = \"Standard_D4ds_v5\"\n    mode = system",
            "mode = system",
        ),
        "E0104",
        "pool \"system\"",
        (
            "mode = system",
            "vm_size = \"Standard_D4ds_v5\"\n    mode = system",
        ),
    ),
    manual(
        "wrong function",
        (
            "location = env(\"AZURE_LOCATION\")",
            "location = environment(\"AZURE_LOCATION\")",
        ),
        "E0113",
        "environment",
        ("environment(", "env("),
    ),
    manual(
        "literal secret",
        ("value = secure(\"DB_PASSWORD\")", "value = \"hunter2\""),
        "E0201",
        "\"hunter2\"",
        ("\"hunter2\"", "secure(\"DB_PASSWORD\")"),
    ),
    manual(
        "name too long for Key Vault",
        ("vault \"secrets\" {", "vault \"platformsecrets\" {"),
        "E0202",
        "\"platformsecrets\"",
        ("\"platformsecrets\"", "\"secrets\""),
    ),
    manual(
        "host bits in a CIDR",
        ("pod_cidr = 10.244.0.0/16", "pod_cidr = 10.244.0.1/16"),
        "E0203",
        "10.244.0.1/16",
        ("10.244.0.1/16", "10.244.0.0/16"),
    ),
    manual(
        "pod and service ranges overlap",
        (
            "service_cidr = 10.0.0.0/16\n    dns_service_ip = 10.0.0.10",
            "service_cidr = 10.244.0.0/16\n    dns_service_ip = 10.244.0.10",
        ),
        "E0204",
        "10.244.0.0/16",
        (
            "service_cidr = 10.244.0.0/16\n    dns_service_ip = 10.244.0.10",
            "service_cidr = 10.0.0.0/16\n    dns_service_ip = 10.0.0.10",
        ),
    ),
    manual(
        "DNS IP outside the service range",
        ("dns_service_ip = 10.0.0.10", "dns_service_ip = 10.1.0.10"),
        "E0205",
        "10.1.0.10",
        ("10.1.0.10", "10.0.0.10"),
    ),
    manual(
        "Istio version instead of revision",
        ("revision = \"asm-1-29\"", "revision = \"1.29\""),
        "E0206",
        "\"1.29\"",
        ("\"1.29\"", "\"asm-1-29\""),
    ),
    manual(
        "Kubernetes version with a v",
        ("kubernetes = \"1.35\"", "kubernetes = \"v1.35\""),
        "E0206",
        "\"v1.35\"",
        ("\"v1.35\"", "\"1.35\""),
    ),
    manual(
        "GitOps without Flux",
        ("  extension flux\n", ""),
        "E0207",
        "gitops \"platform\"",
        (
            "  extension app_config_provider\n",
            "  extension flux\n  extension app_config_provider\n",
        ),
    ),
    manual(
        "Cilium policy on the Azure data plane",
        ("dataplane = cilium", "dataplane = azure"),
        "E0207",
        "cilium",
        ("dataplane = azure", "dataplane = cilium"),
    ),
    manual(
        "service account without namespace",
        ("federate \"shop/checkout-sa\"", "federate \"checkout-sa\""),
        "E0208",
        "\"checkout-sa\"",
        ("\"checkout-sa\"", "\"shop/checkout-sa\""),
    ),
    manual(
        "federated twice",
        (
            "  federate \"shop/checkout-sa\" on cluster.main\n",
            "  federate \"shop/checkout-sa\" on cluster.main\n  federate \"shop/checkout-sa\" on cluster.main\n",
        ),
        "E0209",
        "\"shop/checkout-sa\"",
        (
            "  federate \"shop/checkout-sa\" on cluster.main\n  federate",
            "  federate",
        ),
    ),
    manual(
        "percent in a key",
        ("config \"checkout:color\"", "config \"checkout:100%\""),
        "E0210",
        "\"checkout:100%\"",
        ("checkout:100%", "checkout:100-percent"),
    ),
    manual(
        "reversed autoscale range",
        ("autoscale = 2..10", "autoscale = 10..2"),
        "E0110",
        "10..2",
        ("10..2", "2..10"),
    ),
    manual(
        "count and autoscale",
        ("autoscale = 2..10", "count = 2\n    autoscale = 2..10"),
        "E0115",
        "2..10",
        ("count = 2\n    ", ""),
    ),
    manual(
        "zone that does not exist",
        ("zones = [1, 2, 3]", "zones = [1, 2, 4]"),
        "E0110",
        "4",
        ("[1, 2, 4]", "[1, 2, 3]"),
    ),
    manual(
        "GitOps container not declared",
        (
            "containers = [\"manifests\"]",
            "containers = [\"manifest\"]",
        ),
        "E0207",
        "\"gitops\"",
        ("[\"manifest\"]", "[\"manifests\"]"),
    ),
    manual(
        "duration without unit",
        ("rotation = 2m", "rotation = 2"),
        "E0103",
        "2",
        ("rotation = 2", "rotation = 2m"),
    ),
    manual(
        "forgotten value",
        ("soft_delete_days = 30", "soft_delete_days ="),
        "E0001",
        "=",
        ("soft_delete_days =\n", "soft_delete_days = 30\n"),
    ),
];

fn compile_text(text: &str) -> (Vec<Diagnostic>, SourceMap) {
    let mut sources = SourceMap::new();
    sources.add("platform.plat", text);
    let result = compile(
        &sources,
        &Options {
            source_name: "platform.plat".into(),
            ..Default::default()
        },
    );
    (result.diagnostics, sources)
}

fn replace_once(text: &str, from: &str, to: &str, what: &str) -> String {
    assert!(text.contains(from), "{what}: `{from}` not found");
    text.replacen(from, to, 1)
}

#[test]
fn each_mistake_is_caught_at_its_span_and_its_help_repairs_it() {
    let original = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/platform.plat"
    ))
    .unwrap();
    assert!(MISTAKES.len() >= 30);
    let mut failures = Vec::new();
    for m in MISTAKES {
        let broken = replace_once(&original, m.edit.0, m.edit.1, m.what);
        let (diags, sources) = compile_text(&broken);
        let Some(d) = diags.iter().find(|d| d.code.as_str() == m.code) else {
            failures.push(format!(
                "{}: expected {}, got {:?}",
                m.what,
                m.code,
                diags.iter().map(|d| d.code.as_str()).collect::<Vec<_>>()
            ));
            continue;
        };
        let at = sources.snippet(d.primary_span());
        if at != m.at {
            failures.push(format!(
                "{}: {} points at `{at}`, expected `{}`",
                m.what, m.code, m.at
            ));
        }
        if d.help.is_none() {
            failures.push(format!("{}: {} has no help", m.what, m.code));
        }
        let repaired = match (&d.fix, m.help_edit) {
            (Some(fix), _) => {
                let mut t = broken.clone();
                t.replace_range(fix.span.range(), &fix.replacement);
                t
            }
            (None, Some((from, to))) => replace_once(&broken, from, to, m.what),
            (None, None) => {
                failures.push(format!("{}: {} carries no fix", m.what, m.code));
                continue;
            }
        };
        let (after, sources) = compile_text(&repaired);
        let errors: Vec<&Diagnostic> = after.iter().filter(|d| d.is_error()).collect();
        if !errors.is_empty() {
            let shown = platc::diag::render::human(&sources, &after, false);
            failures.push(format!("{}: still failing after the fix:\n{shown}", m.what));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
