//! The cluster: its settings, pools, monitoring, extensions and GitOps.

use crate::{Mistake, auto, manual};

pub const MISTAKES: &[Mistake] = &[
    manual(
        "stable channel with a pinned version",
        &[("upgrade_channel = patch", "upgrade_channel = stable")],
        "E0115",
        "\"1.35\"",
        &[("  kubernetes = \"1.35\"\n", "")],
    ),
    auto(
        "patch channel with a pinned patch",
        &[("kubernetes = \"1.35\"", "kubernetes = \"1.35.2\"")],
        "E0115",
        "\"1.35.2\"",
    ),
    auto(
        "node image channel with an underscore",
        &[("upgrade_channel = patch", "upgrade_channel = node_image")],
        "E0106",
        "node_image",
    ),
    auto(
        "node OS channel with a hyphen",
        &[(
            "node_os_upgrade_channel = node_image",
            "node_os_upgrade_channel = node-image",
        )],
        "E0106",
        "node-image",
    ),
    auto(
        "capitalised tier",
        &[("sku_tier = standard", "sku_tier = Standard")],
        "E0106",
        "Standard",
    ),
    manual(
        "basic tier for dev",
        &[(
            "env \"dev\" { sku_tier = free }",
            "env \"dev\" { sku_tier = basic }",
        )],
        "E0106",
        "basic",
        &[("sku_tier = basic", "sku_tier = free")],
    ),
    manual(
        "admin by email address",
        &[(
            "admins = [env(\"AKS_ADMIN_GROUP_ID\", \"\")]",
            "admins = [\"ops@contoso.com\"]",
        )],
        "E0212",
        "\"ops@contoso.com\"",
        &[(
            "[\"ops@contoso.com\"]",
            "[env(\"AKS_ADMIN_GROUP_ID\", \"\")]",
        )],
    ),
    auto(
        "admins without brackets",
        &[(
            "admins = [env(\"AKS_ADMIN_GROUP_ID\", \"\")]",
            "admins = env(\"AKS_ADMIN_GROUP_ID\", \"\")",
        )],
        "E0103",
        "env(\"AKS_ADMIN_GROUP_ID\", \"\")",
    ),
    manual(
        "admin listed twice",
        &[(
            "admins = [env(\"AKS_ADMIN_GROUP_ID\", \"\")]",
            "admins = [\"6d3c1a52-1f4e-4a7b-9d1e-2b8f0c4e5a71\", \"6D3C1A52-1F4E-4A7B-9D1E-2B8F0C4E5A71\"]",
        )],
        "E0105",
        "\"6D3C1A52-1F4E-4A7B-9D1E-2B8F0C4E5A71\"",
        &[(", \"6D3C1A52-1F4E-4A7B-9D1E-2B8F0C4E5A71\"", "")],
    ),
    manual(
        "public API server on a private platform",
        &[(
            "  sku_tier = standard\n",
            "  sku_tier = standard\n  private_cluster = false\n",
        )],
        "W0302",
        "false",
        &[("  private_cluster = false\n", "")],
    ),
    auto(
        "unquoted VM size",
        &[(
            "vm_size = \"Standard_D4ds_v5\"\n    mode",
            "vm_size = Standard_D4ds_v5\n    mode",
        )],
        "E0103",
        "Standard_D4ds_v5",
    ),
    auto(
        "unquoted VM size in one environment",
        &[(
            "vm_size = \"Standard_D8ds_v5\"",
            "vm_size = Standard_D8ds_v5",
        )],
        "E0103",
        "Standard_D8ds_v5",
    ),
    auto(
        "capitalised pool name",
        &[("pool \"apps\" {", "pool \"Apps\" {")],
        "E0202",
        "\"Apps\"",
    ),
    auto(
        "pool name too long",
        &[("pool \"apps\" {", "pool \"userworkloads\" {")],
        "E0202",
        "\"userworkloads\"",
    ),
    auto(
        "system pool with no nodes",
        &[("count = 3", "count = 0")],
        "E0110",
        "0",
    ),
    auto(
        "pool count over the limit",
        &[("count = 3", "count = 2000")],
        "E0110",
        "2000",
    ),
    auto(
        "zone listed twice",
        &[("zones = [1, 2, 3]", "zones = [1, 2, 2]")],
        "E0105",
        "2",
    ),
    auto(
        "too few pods per node",
        &[(
            "    zones = [1, 2, 3]\n  }\n\n  pool \"apps\"",
            "    zones = [1, 2, 3]\n    max_pods = 30\n  }\n\n  pool \"apps\"",
        )],
        "E0110",
        "30",
    ),
    auto(
        "OS SKU without underscore",
        &[(
            "labels = { workload = \"apps\" }",
            "labels = { workload = \"apps\" }\n    os_sku = azurelinux",
        )],
        "E0106",
        "azurelinux",
    ),
    auto(
        "autoscale end over the limit",
        &[("autoscale = 2..10", "autoscale = 2..1001")],
        "E0110",
        "2..1001",
    ),
    auto(
        "misspelt pool mode",
        &[("mode = system", "mode = sytem")],
        "E0106",
        "sytem",
    ),
    auto(
        "unquoted node label",
        &[(
            "labels = { workload = \"apps\" }",
            "labels = { workload = apps }",
        )],
        "E0103",
        "apps",
    ),
    auto(
        "taint as a string",
        &[(
            "labels = { workload = \"apps\" }",
            "labels = { workload = \"apps\" }\n    taints = \"workload=apps:NoSchedule\"",
        )],
        "E0103",
        "\"workload=apps:NoSchedule\"",
    ),
    manual(
        "pool without a size",
        &[("    count = 3\n", "")],
        "E0104",
        "pool \"system\"",
        &[("    mode = system\n", "    mode = system\n    count = 3\n")],
    ),
    manual(
        "no system pool",
        &[("    mode = system\n", "")],
        "E0207",
        "cluster \"main\"",
        &[("    count = 3\n", "    count = 3\n    mode = system\n")],
    ),
    manual(
        "pool declared twice",
        &[(
            "  monitoring {",
            "  pool \"apps\" {\n    vm_size = \"Standard_D4ds_v5\"\n    count = 2\n  }\n\n  monitoring {",
        )],
        "E0105",
        "\"apps\"",
        &[(
            "  pool \"apps\" {\n    vm_size = \"Standard_D4ds_v5\"\n    count = 2\n  }\n\n",
            "",
        )],
    ),
    auto(
        "misspelt pool block",
        &[("pool \"apps\" {", "pol \"apps\" {")],
        "E0101",
        "pol",
    ),
    auto(
        "misspelt cluster field",
        &[(
            "node_os_upgrade_channel = node_image",
            "node_os_upgrade = node_image",
        )],
        "E0102",
        "node_os_upgrade",
    ),
    manual(
        "metrics without managed Prometheus",
        &[("  extension prometheus\n", "")],
        "E0207",
        "metrics.prom",
        &[(
            "  extension flux\n",
            "  extension flux\n  extension prometheus\n",
        )],
    ),
    manual(
        "Istio without a revision",
        &[(
            "  extension istio {\n    revision = \"asm-1-29\"\n    ingress = external\n  }",
            "  extension istio { ingress = external }",
        )],
        "E0104",
        "istio",
        &[(
            "extension istio { ingress = external }",
            "extension istio {\n    revision = \"asm-1-29\"\n    ingress = external\n  }",
        )],
    ),
    auto(
        "Istio revision with a dot",
        &[("revision = \"asm-1-29\"", "revision = \"asm-1.29\"")],
        "E0206",
        "\"asm-1.29\"",
    ),
    auto(
        "unquoted Istio revision",
        &[("revision = \"asm-1-29\"", "revision = asm-1-29")],
        "E0103",
        "asm-1-29",
    ),
    auto(
        "rotation under a minute",
        &[("rotation = 2m", "rotation = 30s")],
        "E0110",
        "30s",
    ),
    manual(
        "public ingress mode",
        &[("ingress = external", "ingress = public")],
        "E0106",
        "public",
        &[("ingress = public", "ingress = external")],
    ),
    manual(
        "extension enabled twice",
        &[(
            "  extension prometheus\n",
            "  extension prometheus\n  extension flux\n",
        )],
        "E0105",
        "flux",
        &[(
            "  extension prometheus\n  extension flux\n",
            "  extension prometheus\n",
        )],
    ),
    manual(
        "setting of another extension",
        &[("  extension flux\n", "  extension flux { rotation = 2m }\n")],
        "E0102",
        "rotation",
        &[("  extension flux { rotation = 2m }\n", "  extension flux\n")],
    ),
    auto(
        "misspelt policy baseline",
        &[(
            "baseline = pod_security_baseline",
            "baseline = pod_security_baselin",
        )],
        "E0106",
        "pod_security_baselin",
    ),
    auto(
        "extension with a hyphen",
        &[("extension keyvault_csi", "extension keyvault-csi")],
        "E0106",
        "keyvault-csi",
    ),
    manual(
        "policy effect without a baseline",
        &[("baseline = pod_security_baseline", "baseline = none")],
        "E0115",
        "audit",
        &[("baseline = none", "baseline = pod_security_baseline")],
    ),
    manual(
        "enforce as a policy effect",
        &[("effect = audit", "effect = enforce")],
        "E0106",
        "enforce",
        &[("effect = enforce", "effect = audit")],
    ),
    auto(
        "Git URL without a scheme",
        &[(
            "git(\"https://github.com/contoso/platform-gitops\"",
            "git(\"github.com/contoso/platform-gitops\"",
        )],
        "E0103",
        "\"github.com/contoso/platform-gitops\"",
    ),
    manual(
        "Git branch and tag",
        &[("branch = \"main\")", "branch = \"main\", tag = \"v1.0.0\")")],
        "E0115",
        "tag",
        &[(", tag = \"v1.0.0\"", "")],
    ),
    auto(
        "Git source as a URL string",
        &[(
            "source = git(\"https://github.com/contoso/platform-gitops\", branch = \"main\")",
            "source = \"https://github.com/contoso/platform-gitops\"",
        )],
        "E0103",
        "\"https://github.com/contoso/platform-gitops\"",
    ),
    auto(
        "GitOps interval too short",
        &[(
            "  gitops \"platform\" {\n",
            "  gitops \"platform\" {\n    interval = 10s\n",
        )],
        "E0110",
        "10s",
    ),
    manual(
        "kustomization that depends on itself",
        &[("depends_on = [\"infra\"]", "depends_on = [\"apps\"]")],
        "E0111",
        "\"apps\"",
        &[("depends_on = [\"apps\"]", "depends_on = [\"infra\"]")],
    ),
    manual(
        "kustomizations that depend on each other",
        &[(
            "kustomization \"infra\" { path = \"./clusters/main/infra\" }",
            "kustomization \"infra\" {\n      path = \"./clusters/main/infra\"\n      depends_on = [\"apps\"]\n    }",
        )],
        "E0111",
        "\"apps\"",
        &[("\n      depends_on = [\"apps\"]", "")],
    ),
    auto(
        "dependency as a string",
        &[("depends_on = [\"infra\"]", "depends_on = \"infra\"")],
        "E0103",
        "\"infra\"",
    ),
    manual(
        "kustomization without a path",
        &[(
            "kustomization \"vendor\" { path = \"./vendor\" }",
            "kustomization \"vendor\" { prune = true }",
        )],
        "E0104",
        "kustomization \"vendor\"",
        &[(
            "kustomization \"vendor\" { prune = true }",
            "kustomization \"vendor\" { path = \"./vendor\" }",
        )],
    ),
    auto(
        "substitute as yes",
        &[("substitute = true", "substitute = yes")],
        "E0103",
        "yes",
    ),
    manual(
        "kustomization declared twice",
        &[(
            "kustomization \"vendor\" { path = \"./vendor\" }",
            "kustomization \"vendor\" { path = \"./vendor\" }\n    kustomization \"vendor\" { path = \"./vendor/charts\" }",
        )],
        "E0105",
        "\"vendor\"",
        &[(
            "\n    kustomization \"vendor\" { path = \"./vendor/charts\" }",
            "",
        )],
    ),
    auto(
        "misspelt git function",
        &[("source = git(", "source = gti(")],
        "E0113",
        "gti",
    ),
    auto(
        "misspelt blob argument",
        &[("container = \"manifests\"", "containr = \"manifests\"")],
        "E0113",
        "containr",
    ),
    auto(
        "GitOps namespace in capitals",
        &[(
            "gitops \"platform\" {",
            "gitops \"platform\" {\n    namespace = \"Flux_System\"",
        )],
        "E0202",
        "\"Flux_System\"",
    ),
    manual(
        "blob source without its container",
        &[("container = \"manifests\", upload", "upload")],
        "E0104",
        "blob(storage.gitops, upload = \"private-manifests\")",
        &[(
            "blob(storage.gitops, upload",
            "blob(storage.gitops, container = \"manifests\", upload",
        )],
    ),
    auto(
        "misspelt storage in a blob source",
        &[("blob(storage.gitops", "blob(storage.gitop")],
        "E0107",
        "gitop",
    ),
    manual(
        "GitOps configuration declared twice",
        &[(
            "  gitops \"private\" {",
            "  gitops \"platform\" {\n    source = git(\"https://github.com/contoso/apps\", branch = \"main\")\n  }\n\n  gitops \"private\" {",
        )],
        "E0105",
        "\"platform\"",
        &[(
            "  gitops \"platform\" {\n    source = git(\"https://github.com/contoso/apps\", branch = \"main\")\n  }\n\n  gitops \"private\" {",
            "  gitops \"private\" {",
        )],
    ),
    manual(
        "kustomization dependency across configurations",
        &[(
            "kustomization \"vendor\" { path = \"./vendor\" }",
            "kustomization \"vendor\" {\n      path = \"./vendor\"\n      depends_on = [\"infra\"]\n    }",
        )],
        "E0107",
        "\"infra\"",
        &[(
            "path = \"./vendor\"\n      depends_on = [\"infra\"]",
            "path = \"./vendor\"",
        )],
    ),
    auto(
        "misspelt monitoring field",
        &[("    logs = logs.ops\n", "    log = logs.ops\n")],
        "E0102",
        "log",
    ),
];
