//! The platform block, its environments and `env` blocks.

use crate::{Mistake, auto, manual};

pub const MISTAKES: &[Mistake] = &[
    auto(
        "capitalised platform name",
        &[("platform \"contoso\"", "platform \"Contoso\"")],
        "E0202",
        "\"Contoso\"",
    ),
    auto(
        "misspelt platform field",
        &[("private_networking = true", "private_networkng = true")],
        "E0102",
        "private_networkng",
    ),
    auto(
        "quoted boolean",
        &[("private_networking = true", "private_networking = \"true\"")],
        "E0103",
        "\"true\"",
    ),
    auto(
        "tag value as a number",
        &[("cost-center = \"cc-1234\"", "cost-center = 1234")],
        "E0103",
        "1234",
    ),
    auto(
        "azd's own tag",
        &[(
            "owner = \"platform-team\",",
            "owner = \"platform-team\", azd-env-name = \"shared\",",
        )],
        "E0105",
        "azd-env-name",
    ),
    auto(
        "tags that differ only in case",
        &[(
            "owner = \"platform-team\",",
            "owner = \"platform-team\", Owner = \"ops\",",
        )],
        "E0105",
        "Owner",
    ),
    auto(
        "environment listed twice",
        &[(
            "environments = [\"dev\", \"prod\"]",
            "environments = [\"dev\", \"prod\", \"dev\"]",
        )],
        "E0105",
        "\"dev\"",
    ),
    manual(
        "environments that differ only in case",
        &[(
            "environments = [\"dev\", \"prod\"]",
            "environments = [\"dev\", \"prod\", \"Dev\"]",
        )],
        "E0105",
        "\"Dev\"",
        &[(", \"Dev\"", "")],
    ),
    auto(
        "misspelt environment in an env block",
        &[(
            "env \"prod\" { retention_days = 90 }",
            "env \"prd\" { retention_days = 90 }",
        )],
        "E0107",
        "\"prd\"",
    ),
    manual(
        "environment the platform does not name",
        &[(
            "env \"prod\" { retention_days = 90 }",
            "env \"staging\" { retention_days = 90 }",
        )],
        "E0107",
        "\"staging\"",
        &[("env \"staging\"", "env \"prod\"")],
    ),
    auto(
        "misspelt diagnostics workspace",
        &[("diagnostics = logs.ops", "diagnostics = logs.opps")],
        "E0107",
        "opps",
    ),
    manual(
        "diagnostics to the metrics workspace",
        &[("diagnostics = logs.ops", "diagnostics = metrics.prom")],
        "E0108",
        "metrics.prom",
        &[("diagnostics = metrics.prom", "diagnostics = logs.ops")],
    ),
    auto(
        "lowercase environment variable",
        &[(
            "location = env(\"AZURE_LOCATION\")",
            "location = env(\"azure_location\")",
        )],
        "E0113",
        "env(\"azure_location\")",
    ),
    manual(
        "location overridden per environment",
        &[(
            "  environments = [\"dev\", \"prod\"]\n",
            "  environments = [\"dev\", \"prod\"]\n  env \"prod\" { location = \"westeurope\" }\n",
        )],
        "E0211",
        "location",
        &[("  env \"prod\" { location = \"westeurope\" }\n", "")],
    ),
    manual(
        "second platform block",
        &[(
            "/// Nodes and private endpoints",
            "platform \"contoso-prod\" { private_networking = true }\n\n/// Nodes and private endpoints",
        )],
        "E0114",
        "platform \"contoso-prod\"",
        &[(
            "platform \"contoso-prod\" { private_networking = true }\n",
            "",
        )],
    ),
    manual(
        "two env blocks for one environment",
        &[(
            "env \"prod\" { retention_days = 90 }",
            "env \"prod\" { retention_days = 90 }\n  env \"prod\" { daily_quota_gb = 10 }",
        )],
        "E0105",
        "\"prod\"",
        &[(
            "env \"prod\" { retention_days = 90 }\n  env \"prod\" { daily_quota_gb = 10 }",
            "env \"prod\" {\n    retention_days = 90\n    daily_quota_gb = 10\n  }",
        )],
    ),
    auto(
        "misspelt field in an env block",
        &[(
            "env \"prod\" { retention_days = 90 }",
            "env \"prod\" { retention_dayz = 90 }",
        )],
        "E0102",
        "retention_dayz",
    ),
    auto(
        "capitalised boolean",
        &[("private_networking = true", "private_networking = True")],
        "E0103",
        "True",
    ),
];
