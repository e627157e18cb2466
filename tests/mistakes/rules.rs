//! Mistakes against the rules that span blocks: names, environments, what features need.

use crate::{Mistake, auto, manual};

pub const MISTAKES: &[Mistake] = &[
    manual(
        "vault without a name",
        &[("vault \"secrets\" {", "vault {")],
        "E0109",
        "vault",
        &[("vault {", "vault \"secrets\" {")],
    ),
    auto(
        "cluster network block with a name",
        &[("  network {\n    subnet", "  network \"aks\" {\n    subnet")],
        "E0109",
        "\"aks\"",
    ),
    auto(
        "environment name with a space",
        &[(
            "environments = [\"dev\", \"prod\"]",
            "environments = [\"dev\", \"prod\", \"pre prod\"]",
        )],
        "E0109",
        "\"pre prod\"",
    ),
    manual(
        "admins per environment",
        &[(
            "admins = [env(\"AKS_ADMIN_GROUP_ID\", \"\")]",
            "admins = [env(\"AKS_ADMIN_GROUP_ID\", \"\")]\n  env \"prod\" { admins = [env(\"AKS_PROD_ADMINS\")] }",
        )],
        "E0211",
        "admins",
        &[(
            "\n  env \"prod\" { admins = [env(\"AKS_PROD_ADMINS\")] }",
            "",
        )],
    ),
    manual(
        "substitution per environment",
        &[(
            "      substitute = true\n",
            "      substitute = true\n      env \"dev\" { substitute = false }\n",
        )],
        "E0211",
        "substitute",
        &[("      env \"dev\" { substitute = false }\n", "")],
    ),
    manual(
        "two workspaces and no diagnostics workspace",
        &[
            ("  diagnostics = logs.ops\n", ""),
            (
                "/// Managed Prometheus",
                "logs \"audit\" { retention_days = 365 }\n\n/// Managed Prometheus",
            ),
        ],
        "E0104",
        "platform \"contoso\"",
        &[(
            "  private_networking = true\n",
            "  private_networking = true\n  diagnostics = logs.audit\n",
        )],
    ),
    manual(
        "Key Vault CSI with no identity granted on the vault",
        &[
            (
                "  grant \"Key Vault Secrets User\" on vault.secrets\n  grant \"App",
                "  grant \"App",
            ),
            (
                "  grant \"Key Vault Secrets User\" on vault.secrets\n}",
                "}",
            ),
        ],
        "E0207",
        "keyvault_csi",
        &[(
            "  grant \"App Configuration Data Reader\" on appconfig.settings\n}",
            "  grant \"App Configuration Data Reader\" on appconfig.settings\n  grant \"Key Vault Secrets User\" on vault.secrets\n}",
        )],
    ),
    manual(
        "Cilium on flat Azure CNI without a node subnet",
        &[
            ("    plugin = azure_cni_overlay", "    plugin = azure_cni"),
            ("    subnet = network.core.nodes\n", ""),
        ],
        "E0207",
        "cilium",
        &[(
            "    plugin = azure_cni\n",
            "    subnet = network.core.nodes\n    plugin = azure_cni\n",
        )],
    ),
    manual(
        "field after the platform block",
        &[(
            "  environments = [\"dev\", \"prod\"]\n}\n",
            "  environments = [\"dev\", \"prod\"]\n}\nprivate_networking = true\n",
        )],
        "E0102",
        "private_networking",
        &[("}\nprivate_networking = true\n", "}\n")],
    ),
    auto(
        "pool name starting with a digit",
        &[("pool \"apps\" {", "pool \"2apps\" {")],
        "E0202",
        "\"2apps\"",
    ),
    auto(
        "node label set twice",
        &[(
            "labels = { workload = \"apps\" }",
            "labels = { workload = \"apps\", workload = \"web\" }",
        )],
        "E0105",
        "workload",
    ),
    manual(
        "network nothing uses",
        &[(
            "/// Container insights",
            "network \"spare\" { address_space = [10.30.0.0/16] }\n\n/// Container insights",
        )],
        "W0301",
        "\"spare\"",
        &[(
            "network \"spare\" { address_space = [10.30.0.0/16] }\n\n",
            "",
        )],
    ),
    manual(
        "literal secret in one environment",
        &[(
            "env \"prod\" { expires_after = 90d }",
            "env \"prod\" { value = \"Pr0d-Passw0rd\" }",
        )],
        "E0201",
        "\"Pr0d-Passw0rd\"",
        &[("\"Pr0d-Passw0rd\"", "secure(\"PROD_DB_PASSWORD\")")],
    ),
    auto(
        "secret from env() in one environment",
        &[(
            "env \"prod\" { expires_after = 90d }",
            "env \"prod\" { value = env(\"PROD_DB_PASSWORD\") }",
        )],
        "E0113",
        "env",
    ),
    manual(
        "comma in a feature label",
        &[(
            "labels = { beta-testers = true }",
            "labels = { \"beta,testers\" = true }",
        )],
        "E0210",
        "\"beta,testers\"",
        &[("\"beta,testers\"", "beta-testers")],
    ),
    auto(
        "zones as a range",
        &[("zones = [1, 2, 3]", "zones = 1..3")],
        "E0103",
        "1..3",
    ),
    auto(
        "autoscale as a list",
        &[("autoscale = 2..10", "autoscale = [2, 10]")],
        "E0103",
        "[2, 10]",
    ),
    manual(
        "public registry on a private platform",
        &[(
            "registry \"images\" { sku = premium }",
            "registry \"images\" {\n  sku = premium\n  private = false\n}",
        )],
        "W0302",
        "false",
        &[("  private = false\n", "")],
    ),
    auto(
        "git reference as a bare word",
        &[("branch = \"main\"", "branch = main")],
        "E0103",
        "main",
    ),
    manual(
        "App Configuration provider identity without the data role",
        &[
            (
                "  grant \"App Configuration Data Reader\" on appconfig.settings\n}\n\n/// The App",
                "}\n\n/// The App",
            ),
            (
                "  grant \"App Configuration Data Reader\" on appconfig.settings\n  grant \"Key Vault",
                "  grant \"Key Vault",
            ),
        ],
        "E0207",
        "app_config_provider",
        &[(
            "  grant \"Key Vault Secrets User\" on vault.secrets\n}",
            "  grant \"App Configuration Data Reader\" on appconfig.settings\n  grant \"Key Vault Secrets User\" on vault.secrets\n}",
        )],
    ),
    auto(
        "GitOps configuration named in capitals",
        &[("gitops \"platform\" {", "gitops \"Platform_Main\" {")],
        "E0202",
        "\"Platform_Main\"",
    ),
    auto(
        "capitalised kustomization",
        &[("kustomization \"vendor\"", "kustomization \"Vendor\"")],
        "E0202",
        "\"Vendor\"",
    ),
];
