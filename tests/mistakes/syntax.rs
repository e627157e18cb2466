//! What the parser sees: values written the way other languages write them, and broken blocks.

use crate::{Mistake, auto, manual};

pub const MISTAKES: &[Mistake] = &[
    auto(
        "duration with a space before its unit",
        &[("expires_after = 180d", "expires_after = 180 d")],
        "E0001",
        "180 d",
    ),
    auto(
        "rotation with a space before its unit",
        &[("rotation = 2m", "rotation = 2 m")],
        "E0001",
        "2 m",
    ),
    auto(
        "unquoted Kubernetes version",
        &[("kubernetes = \"1.35\"", "kubernetes = 1.35")],
        "E0001",
        "1.35",
    ),
    auto(
        "range with a hyphen",
        &[("autoscale = 2..10", "autoscale = 2-10")],
        "E0001",
        "2-10",
    ),
    auto(
        "duration in years",
        &[("expires_after = 180d", "expires_after = 1y")],
        "E0001",
        "1y",
    ),
    auto(
        "unquoted content type",
        &[("content_type = \"text/plain\"", "content_type = text/plain")],
        "E0001",
        "text/plain",
    ),
    auto(
        "list without commas",
        &[("zones = [1, 2, 3]", "zones = [1 2 3]")],
        "E0001",
        "2",
    ),
    auto(
        "colon instead of equals",
        &[(
            "registry \"images\" { sku = premium }",
            "registry \"images\" { sku: premium }",
        )],
        "E0001",
        ":",
    ),
    auto(
        "single quotes",
        &[(
            "content_type = \"text/plain\"",
            "content_type = 'text/plain'",
        )],
        "E0001",
        "'text/plain'",
    ),
    auto(
        "semicolon after a field",
        &[(
            "sku = premium\n  soft_delete_days",
            "sku = premium;\n  soft_delete_days",
        )],
        "E0001",
        ";",
    ),
    auto(
        "unclosed one-line block",
        &[(
            "registry \"images\" { sku = premium }",
            "registry \"images\" { sku = premium",
        )],
        "E0001",
        "vault",
    ),
    auto(
        "unclosed pool",
        &[(
            "    zones = [1, 2, 3]\n  }\n\n  pool \"apps\"",
            "    zones = [1, 2, 3]\n\n  pool \"apps\"",
        )],
        "E0001",
        "pool",
    ),
    manual(
        "unterminated string",
        &[(
            "content_type = \"text/plain\"",
            "content_type = \"text/plain",
        )],
        "E0001",
        "\"",
        &[("\"text/plain\n", "\"text/plain\"\n")],
    ),
    auto(
        "Windows path escape",
        &[(
            "description = \"The redesigned checkout pages\"",
            "description = \"Pages under C:\\checkout\"",
        )],
        "E0002",
        "\\c",
    ),
    manual(
        "count that does not fit",
        &[("count = 3", "count = 99999999999999999999")],
        "E0003",
        "99999999999999999999",
        &[("99999999999999999999", "3")],
    ),
    manual(
        "equals in a block header",
        &[("logs \"ops\" {", "logs = \"ops\" {")],
        "E0001",
        "{",
        &[("logs = \"ops\" {", "logs \"ops\" {")],
    ),
    auto(
        "unclosed environment block",
        &[(
            "      autoscale = 3..20\n    }\n",
            "      autoscale = 3..20\n",
        )],
        "E0001",
        "}",
    ),
    auto(
        "last block left open",
        &[(
            "  env \"dev\" { enabled = true }\n}\n",
            "  env \"dev\" { enabled = true }\n",
        )],
        "E0001",
        "",
    ),
    auto(
        "field without equals",
        &[(
            "registry \"images\" { sku = premium }",
            "registry \"images\" { sku premium }",
        )],
        "E0001",
        "sku premium",
    ),
    auto(
        "closing brace twice",
        &[(
            "appconfig \"settings\" { sku = standard }",
            "appconfig \"settings\" { sku = standard }\n}",
        )],
        "E0001",
        "}",
    ),
    auto(
        "branch given without its name",
        &[(
            "\"https://github.com/contoso/platform-gitops\", branch = \"main\")",
            "\"https://github.com/contoso/platform-gitops\", \"main\")",
        )],
        "E0113",
        "git(\"https://github.com/contoso/platform-gitops\", \"main\")",
    ),
    manual(
        "subnet named through vnet",
        &[("subnet = network.core.nodes", "subnet = vnet.core.nodes")],
        "E0108",
        "vnet",
        &[("vnet.core.nodes", "network.core.nodes")],
    ),
    auto(
        "environment block with a clause",
        &[(
            "env \"prod\" { retention_days = 90 }",
            "env \"prod\" in logs.ops { retention_days = 90 }",
        )],
        "E0001",
        "in logs.ops",
    ),
];
