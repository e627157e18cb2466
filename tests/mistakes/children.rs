//! Secrets, configuration values and feature flags.

use crate::{Mistake, auto, manual};

pub const MISTAKES: &[Mistake] = &[
    manual(
        "secret from an env() value",
        &[(
            "value = secure(\"DB_PASSWORD\")",
            "value = env(\"DB_PASSWORD\")",
        )],
        "E0113",
        "env",
        &[("env(\"DB_PASSWORD\")", "secure(\"DB_PASSWORD\")")],
    ),
    manual(
        "secure() in a configuration value",
        &[("value = \"blue\"", "value = secure(\"CHECKOUT_COLOR\")")],
        "E0113",
        "secure",
        &[("secure(\"CHECKOUT_COLOR\")", "\"blue\"")],
    ),
    auto(
        "underscore in a secret name",
        &[(
            "config \"checkout:color\"",
            "secret \"api_key\" in vault.secrets { value = secure(\"API_KEY\") }\n\nconfig \"checkout:color\"",
        )],
        "E0202",
        "\"api_key\"",
    ),
    auto(
        "secret in the App Configuration store",
        &[(
            "secret \"db-password\" in vault.secrets",
            "secret \"db-password\" in appconfig.settings",
        )],
        "E0108",
        "appconfig.settings",
    ),
    auto(
        "lowercase secure variable",
        &[("secure(\"DB_PASSWORD\")", "secure(\"db_password\")")],
        "E0113",
        "secure(\"db_password\")",
    ),
    manual(
        "expiry without a unit",
        &[("expires_after = 180d", "expires_after = 180")],
        "E0103",
        "180",
        &[("expires_after = 180", "expires_after = 180d")],
    ),
    auto(
        "expiry over ten years",
        &[("expires_after = 180d", "expires_after = 5000d")],
        "E0110",
        "5000d",
    ),
    manual(
        "secret declared twice",
        &[(
            "config \"checkout:color\"",
            "secret \"db-password\" in vault.secrets { value = secure(\"DB_PASSWORD_2\") }\n\nconfig \"checkout:color\"",
        )],
        "E0105",
        "\"db-password\"",
        &[(
            "secret \"db-password\" in vault.secrets { value = secure(\"DB_PASSWORD_2\") }\n\n",
            "",
        )],
    ),
    manual(
        "secret without a value",
        &[("  value = secure(\"DB_PASSWORD\")\n", "")],
        "E0104",
        "secret \"db-password\" in vault.secrets",
        &[(
            "  content_type = \"text/plain\"\n",
            "  value = secure(\"DB_PASSWORD\")\n  content_type = \"text/plain\"\n",
        )],
    ),
    manual(
        "secure() with a default",
        &[(
            "secure(\"DB_PASSWORD\")",
            "secure(\"DB_PASSWORD\", \"changeme\")",
        )],
        "E0113",
        "secure(\"DB_PASSWORD\", \"changeme\")",
        &[(", \"changeme\"", "")],
    ),
    auto(
        "configuration in the vault",
        &[(
            "config \"checkout:color\" in appconfig.settings",
            "config \"checkout:color\" in vault.secrets",
        )],
        "E0108",
        "vault.secrets",
    ),
    manual(
        "configuration with a value and a secret",
        &[(
            "  secret = secret.db-password\n",
            "  value = \"postgres\"\n  secret = secret.db-password\n",
        )],
        "E0115",
        "secret.db-password",
        &[("  value = \"postgres\"\n", "")],
    ),
    manual(
        "configuration without a value",
        &[("  value = \"blue\"\n", "")],
        "E0104",
        "config \"checkout:color\" in appconfig.settings",
        &[("  labels = { prod", "  value = \"blue\"\n  labels = { prod")],
    ),
    manual(
        "asterisk in a label",
        &[(
            "labels = { prod = \"green\" }",
            "labels = { \"prod*\" = \"green\" }",
        )],
        "E0210",
        "\"prod*\"",
        &[("\"prod*\"", "prod")],
    ),
    auto(
        "unquoted label value",
        &[("labels = { prod = \"green\" }", "labels = { prod = green }")],
        "E0103",
        "green",
    ),
    manual(
        "labels on a Key Vault reference",
        &[(
            "  secret = secret.db-password\n",
            "  secret = secret.db-password\n  labels = { prod = \"other\" }\n",
        )],
        "E0115",
        "prod",
        &[("  labels = { prod = \"other\" }\n", "")],
    ),
    auto(
        "configuration pointing at the vault",
        &[("secret = secret.db-password", "secret = vault.secrets")],
        "E0108",
        "vault.secrets",
    ),
    manual(
        "key under the feature flag prefix",
        &[(
            "config \"checkout:color\"",
            "config \".appconfig.featureflag/dark-mode\"",
        )],
        "E0210",
        "\".appconfig.featureflag/dark-mode\"",
        &[(".appconfig.featureflag/dark-mode", "checkout:color")],
    ),
    auto(
        "misspelt content type field",
        &[(
            "content_type = \"text/plain\"",
            "contenttype = \"text/plain\"",
        )],
        "E0102",
        "contenttype",
    ),
    auto(
        "space in a feature flag id",
        &[("feature \"beta-ui\"", "feature \"beta ui\"")],
        "E0210",
        "\"beta ui\"",
    ),
    auto(
        "quoted feature state",
        &[("enabled = false", "enabled = \"false\"")],
        "E0103",
        "\"false\"",
    ),
    auto(
        "feature label state as a string",
        &[(
            "labels = { beta-testers = true }",
            "labels = { beta-testers = \"true\" }",
        )],
        "E0103",
        "\"true\"",
    ),
    auto(
        "misspelt store of a feature",
        &[(
            "feature \"beta-ui\" in appconfig.settings",
            "feature \"beta-ui\" in appconfig.setings",
        )],
        "E0107",
        "setings",
    ),
    auto(
        "misspelt secret kind",
        &[("secret \"db-password\" in", "secrte \"db-password\" in")],
        "E0101",
        "secrte",
    ),
    auto(
        "feature state in one environment quoted",
        &[(
            "env \"dev\" { enabled = true }",
            "env \"dev\" { enabled = \"true\" }",
        )],
        "E0103",
        "\"true\"",
    ),
    auto(
        "configuration in the misspelt store",
        &[(
            "config \"checkout:color\" in appconfig.settings",
            "config \"checkout:color\" in appconfig.setting",
        )],
        "E0107",
        "setting",
    ),
];
