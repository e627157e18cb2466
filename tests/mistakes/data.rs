//! Logs, metrics, registry, vault, App Configuration and storage declarations.

use crate::{Mistake, auto, manual};

pub const MISTAKES: &[Mistake] = &[
    auto(
        "retention below the minimum",
        &[("retention_days = 30", "retention_days = 7")],
        "E0110",
        "7",
    ),
    auto(
        "retention above the maximum in one environment",
        &[(
            "env \"prod\" { retention_days = 90 }",
            "env \"prod\" { retention_days = 1000 }",
        )],
        "E0110",
        "1000",
    ),
    auto(
        "daily quota of zero",
        &[(
            "  retention_days = 30\n",
            "  retention_days = 30\n  daily_quota_gb = 0\n",
        )],
        "E0110",
        "0",
    ),
    auto(
        "retention written as a duration",
        &[("retention_days = 30", "retention_days = 30d")],
        "E0103",
        "30d",
    ),
    auto(
        "misspelt logs kind",
        &[("logs \"ops\" {", "log \"ops\" {")],
        "E0101",
        "log",
    ),
    auto(
        "grafana as yes",
        &[(
            "metrics \"prom\" { grafana = true }",
            "metrics \"prom\" { grafana = yes }",
        )],
        "E0103",
        "yes",
    ),
    manual(
        "metrics name too long for Grafana",
        &[
            ("metrics \"prom\" {", "metrics \"prometheus\" {"),
            ("metrics = metrics.prom", "metrics = metrics.prometheus"),
        ],
        "E0202",
        "\"prometheus\"",
        &[
            ("metrics \"prometheus\" {", "metrics \"prom\" {"),
            ("metrics = metrics.prometheus", "metrics = metrics.prom"),
        ],
    ),
    auto(
        "private registry on the basic tier",
        &[(
            "registry \"images\" { sku = premium }",
            "registry \"images\" { sku = basic }",
        )],
        "E0207",
        "basic",
    ),
    manual(
        "registries alike but for case",
        &[(
            "registry \"images\" { sku = premium }",
            "registry \"images\" { sku = premium }\nregistry \"Images\" { sku = premium }",
        )],
        "E0105",
        "\"Images\"",
        &[("\nregistry \"Images\" { sku = premium }", "")],
    ),
    auto(
        "cluster registry pointing at the vault",
        &[("registry = registry.images", "registry = vault.secrets")],
        "E0108",
        "vault.secrets",
    ),
    auto(
        "cluster registry as a string",
        &[("registry = registry.images", "registry = \"images\"")],
        "E0103",
        "\"images\"",
    ),
    auto(
        "soft delete window too long",
        &[("soft_delete_days = 30", "soft_delete_days = 120")],
        "E0110",
        "120",
    ),
    auto(
        "soft delete window too short in one environment",
        &[(
            "env \"prod\" { soft_delete_days = 90 }",
            "env \"prod\" { soft_delete_days = 5 }",
        )],
        "E0110",
        "5",
    ),
    manual(
        "underscore in a vault name",
        &[(
            "appconfig \"settings\"",
            "vault \"ops_kv\" { sku = standard }\n\nappconfig \"settings\"",
        )],
        "E0202",
        "\"ops_kv\"",
        &[("vault \"ops_kv\"", "vault \"opskv\"")],
    ),
    manual(
        "vault name of thirteen x",
        &[(
            "appconfig \"settings\"",
            "vault \"xxxxxxxxxxxxx\" { sku = standard }\n\nappconfig \"settings\"",
        )],
        "E0202",
        "\"xxxxxxxxxxxxx\"",
        &[("vault \"xxxxxxxxxxxxx\"", "vault \"xx\"")],
    ),
    auto(
        "capitalised vault tier",
        &[("sku = premium\n  soft", "sku = Premium\n  soft")],
        "E0106",
        "Premium",
    ),
    auto(
        "purge protection shortened",
        &[("purge_protection = true", "purge = true")],
        "E0102",
        "purge",
    ),
    auto(
        "misspelt vault kind",
        &[("vault \"secrets\" {", "valut \"secrets\" {")],
        "E0101",
        "valut",
    ),
    auto(
        "misspelt App Configuration tier",
        &[(
            "appconfig \"settings\" { sku = standard }",
            "appconfig \"settings\" { sku = standrd }",
        )],
        "E0106",
        "standrd",
    ),
    manual(
        "private App Configuration store with key-values",
        &[(
            "appconfig \"settings\" { sku = standard }",
            "appconfig \"settings\" {\n  sku = standard\n  private = true\n}",
        )],
        "E0207",
        "true",
        &[("  private = true\n", "")],
    ),
    auto(
        "App Configuration soft delete too long",
        &[(
            "appconfig \"settings\" { sku = standard }",
            "appconfig \"settings\" {\n  sku = standard\n  soft_delete_days = 30\n}",
        )],
        "E0110",
        "30",
    ),
    auto(
        "App Configuration kind with an underscore",
        &[("appconfig \"settings\" {", "app_config \"settings\" {")],
        "E0101",
        "app_config",
    ),
    auto(
        "capitalised replication",
        &[("replication = zrs", "replication = ZRS")],
        "E0106",
        "ZRS",
    ),
    manual(
        "read-access geo replication",
        &[("replication = zrs", "replication = ragrs")],
        "E0106",
        "ragrs",
        &[("ragrs", "grs")],
    ),
    auto(
        "container name with capitals and underscore",
        &[(
            "containers = [\"manifests\"]",
            "containers = [\"manifests\", \"Vendor_Charts\"]",
        )],
        "E0202",
        "\"Vendor_Charts\"",
    ),
    auto(
        "container listed twice",
        &[(
            "containers = [\"manifests\"]",
            "containers = [\"manifests\", \"manifests\"]",
        )],
        "E0105",
        "\"manifests\"",
    ),
    auto(
        "GitOps container not declared",
        &[(
            "containers = [\"manifests\"]",
            "containers = [\"manifest\"]",
        )],
        "E0207",
        "\"manifests\"",
    ),
    manual(
        "storage names alike once punctuation is dropped",
        &[(
            "/// The checkout service",
            "storage \"git-ops\" { replication = zrs }\n\n/// The checkout service",
        )],
        "E0105",
        "\"git-ops\"",
        &[("storage \"git-ops\"", "storage \"backups\"")],
    ),
    manual(
        "public storage on a private platform",
        &[(
            "containers = [\"manifests\"]",
            "containers = [\"manifests\"]\n  private = false",
        )],
        "W0302",
        "false",
        &[("\n  private = false", "")],
    ),
    auto(
        "misspelt storage kind",
        &[("storage \"gitops\" {", "storge \"gitops\" {")],
        "E0101",
        "storge",
    ),
];
