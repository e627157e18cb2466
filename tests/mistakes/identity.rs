//! Identities, their federations and grants.

use crate::{Mistake, auto, manual};

pub const MISTAKES: &[Mistake] = &[
    auto(
        "capitals in a service account",
        &[(
            "federate \"shop/checkout-sa\"",
            "federate \"shop/Checkout-SA\"",
        )],
        "E0208",
        "\"shop/Checkout-SA\"",
    ),
    auto(
        "federated on the vault",
        &[(
            "federate \"shop/checkout-sa\" on cluster.main",
            "federate \"shop/checkout-sa\" on vault.secrets",
        )],
        "E0108",
        "vault.secrets",
    ),
    auto(
        "misspelt cluster in a federation",
        &[(
            "federate \"shop/checkout-sa\" on cluster.main",
            "federate \"shop/checkout-sa\" on cluster.mian",
        )],
        "E0107",
        "mian",
    ),
    auto(
        "federation with in instead of on",
        &[(
            "federate \"shop/checkout-sa\" on cluster.main",
            "federate \"shop/checkout-sa\" in cluster.main",
        )],
        "E0001",
        "in",
    ),
    manual(
        "federation without a cluster",
        &[(
            "federate \"shop/checkout-sa\" on cluster.main",
            "federate \"shop/checkout-sa\"",
        )],
        "E0104",
        "federate \"shop/checkout-sa\"",
        &[(
            "federate \"shop/checkout-sa\"",
            "federate \"shop/checkout-sa\" on cluster.main",
        )],
    ),
    auto(
        "misspelt vault in a grant",
        &[(
            "grant \"Key Vault Secrets User\" on vault.secrets",
            "grant \"Key Vault Secrets User\" on vault.secret",
        )],
        "E0107",
        "secret",
    ),
    manual(
        "grant on a secret",
        &[(
            "grant \"Key Vault Secrets User\" on vault.secrets",
            "grant \"Key Vault Secrets User\" on secret.db-password",
        )],
        "E0108",
        "secret.db-password",
        &[("on secret.db-password", "on vault.secrets")],
    ),
    auto(
        "role in lower case",
        &[(
            "grant \"App Configuration Data Reader\" on appconfig.settings",
            "grant \"app configuration data reader\" on appconfig.settings",
        )],
        "E0112",
        "\"app configuration data reader\"",
    ),
    manual(
        "role that is not built in",
        &[(
            "grant \"Key Vault Secrets User\" on vault.secrets",
            "grant \"Key Vault Secrets Viewer\" on vault.secrets",
        )],
        "E0112",
        "\"Key Vault Secrets Viewer\"",
        &[("\"Key Vault Secrets Viewer\"", "\"Key Vault Secrets User\"")],
    ),
    manual(
        "grant repeated",
        &[(
            "  grant \"Key Vault Secrets User\" on vault.secrets\n",
            "  grant \"Key Vault Secrets User\" on vault.secrets\n  grant \"Key Vault Secrets User\" on vault.secrets\n",
        )],
        "E0105",
        "grant \"Key Vault Secrets User\" on vault.secrets",
        &[(
            "  grant \"Key Vault Secrets User\" on vault.secrets\n  grant",
            "  grant",
        )],
    ),
    manual(
        "Grafana role on metrics without Grafana",
        &[
            (
                "metrics \"prom\" { grafana = true }",
                "metrics \"prom\" { grafana = false }",
            ),
            (
                "  grant \"App Configuration Data Reader\" on appconfig.settings\n}",
                "  grant \"App Configuration Data Reader\" on appconfig.settings\n  grant \"Grafana Viewer\" on metrics.prom\n}",
            ),
        ],
        "E0207",
        "\"Grafana Viewer\"",
        &[("  grant \"Grafana Viewer\" on metrics.prom\n", "")],
    ),
    auto(
        "misspelt identity kind",
        &[("identity \"checkout\" {", "identiy \"checkout\" {")],
        "E0101",
        "identiy",
    ),
    manual(
        "identity that does nothing",
        &[(
            "/// The App Configuration Kubernetes provider",
            "identity \"spare\" { }\n\n/// The App Configuration Kubernetes provider",
        )],
        "W0301",
        "\"spare\"",
        &[("identity \"spare\" { }\n\n", "")],
    ),
    manual(
        "identities alike but for punctuation",
        &[(
            "/// The App Configuration Kubernetes provider",
            "identity \"check-out\" {\n  grant \"AcrPull\" on registry.images\n}\n\n/// The App Configuration Kubernetes provider",
        )],
        "E0105",
        "\"check-out\"",
        &[("identity \"check-out\"", "identity \"puller\"")],
    ),
    auto(
        "misspelt grant block",
        &[(
            "  grant \"Key Vault Secrets User\" on vault.secrets\n  grant \"App",
            "  grnat \"Key Vault Secrets User\" on vault.secrets\n  grant \"App",
        )],
        "E0101",
        "grnat",
    ),
    manual(
        "service account without a namespace",
        &[(
            "federate \"azappconfig-system/az-appconfig-k8s-provider\"",
            "federate \"az-appconfig-k8s-provider\"",
        )],
        "E0208",
        "\"az-appconfig-k8s-provider\"",
        &[(
            "\"az-appconfig-k8s-provider\"",
            "\"azappconfig-system/az-appconfig-k8s-provider\"",
        )],
    ),
];
