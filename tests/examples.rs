//! The examples build cleanly, deterministically, into Bicep that parses, and the committed
//! `infra/` is exactly what `examples/platform.plat` compiles to.

use platc::source::SourceMap;
use platc::{Artifacts, Options, compile};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn build(rel: &str) -> Artifacts {
    let mut read = |p: &std::path::Path| std::fs::read_to_string(root().join(p));
    let options = Options {
        source_name: rel.to_string(),
        ..Default::default()
    };
    let (sources, result) =
        platc::compile_program(std::path::Path::new(rel), &mut read, &options).unwrap();
    let rendered = platc::diag::render::human(&sources, &result.diagnostics, false);
    assert!(
        result.diagnostics.is_empty(),
        "{rel} has diagnostics:\n{rendered}"
    );
    result.artifacts
}

fn examples() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "plat"))
        .map(|p| format!("examples/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    v.sort();
    v
}

fn syntax_problems(text: &str) -> Vec<String> {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_bicep::LANGUAGE.into())
        .unwrap();
    let tree = parser.parse(text, None).unwrap();
    let mut problems = Vec::new();
    let mut cursor = tree.walk();
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            let p = node.start_position();
            problems.push(format!(
                "{}:{}: {}",
                p.row + 1,
                p.column + 1,
                node.to_sexp()
            ));
        }
        stack.extend(node.children(&mut cursor));
    }
    problems
}

#[test]
fn every_emitted_bicep_file_parses() {
    for ex in examples() {
        for (path, text) in build(&ex) {
            if path.ends_with(".bicep") {
                let problems = syntax_problems(&text);
                assert!(problems.is_empty(), "{ex} → {path}: {problems:?}");
            }
        }
    }
}

#[test]
fn tree_sitter_check_catches_broken_bicep() {
    assert!(!syntax_problems("resource x 'A/b@1' = {\n  name: 'a'\n").is_empty());
}

#[test]
fn builds_are_deterministic() {
    for ex in examples() {
        assert_eq!(build(&ex), build(&ex), "{ex}");
    }
}

#[test]
fn committed_infra_is_up_to_date() {
    let fresh = build("examples/platform.plat");
    let infra = root().join("infra");
    for (rel, text) in &fresh {
        let on_disk = std::fs::read_to_string(infra.join(rel)).unwrap_or_default();
        assert!(
            on_disk == *text,
            "infra/{rel} is stale: run `cargo run -- build examples/platform.plat`"
        );
    }
    let mut extra = Vec::new();
    for dir in [infra.clone(), infra.join("modules")] {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            if e.path().is_file() {
                let rel = e
                    .path()
                    .strip_prefix(&infra)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                if !fresh.contains_key(&rel) {
                    extra.push(rel);
                }
            }
        }
    }
    assert!(
        extra.is_empty(),
        "infra/ has files platc no longer writes: {extra:?}"
    );
}

#[test]
fn reference_platform_snapshots() {
    for (path, text) in build("examples/platform.plat") {
        insta::assert_snapshot!(format!("reference__{}", path.replace('/', "__")), text);
    }
}

/// What the seed platform must contain, read off the generated text.
#[test]
fn reference_platform_covers_the_seed_design() {
    let out = build("examples/platform.plat");
    let all: String = out.values().cloned().collect();
    let aks = &out["modules/aks.bicep"];
    for needle in [
        "oidcIssuerProfile: {\n      enabled: true",
        "workloadIdentity: {\n        enabled: true",
        "networkPluginMode: 'overlay'",
        "networkDataplane: 'cilium'",
        "networkPolicy: 'cilium'",
        "omsagent: {",
        "azureKeyvaultSecretsProvider: {",
        "enableSecretRotation: 'true'",
        "azurepolicy: {",
        "mode: 'Istio'",
        "revisions: ['asm-1-29']",
        "mode: 'External'",
        "azureMonitorProfile: {",
        "extensionType: 'microsoft.flux'",
        "extensionType: 'Microsoft.AppConfiguration'",
        "disableLocalAccounts: true",
        "enableAzureRBAC: true",
        "upgradeChannel: 'patch'",
        "sshAccess: 'Disabled'",
        "streams: ['Microsoft-ContainerInsights-Group-Default']",
        "enableAutoScaling: true",
        "availabilityZones: ['1', '2', '3']",
        "vnetSubnetID: nodeSubnet.id",
        "// AcrPull",
        "Microsoft.Insights/dataCollectionRules@",
        "Microsoft.Insights/dataCollectionRuleAssociations@",
        "Microsoft.AlertsManagement/prometheusRuleGroups@",
    ] {
        assert!(aks.contains(needle), "aks.bicep lacks `{needle}`");
    }
    // GitOps deploys last, in a module of its own, with what the platform provisioned.
    let gitops = &out["modules/gitops.bicep"];
    for needle in [
        "sourceKind: 'GitRepository'",
        "sourceKind: 'AzureBlob'",
        "dependsOn: ['infra']",
        "substitute: substitutions",
        "AZURE_IDENTITY_CHECKOUT_CLIENT_ID: azureIdentityCheckoutClientId",
        "AZURE_KEY_VAULT_SECRETS_URI: azureKeyVaultSecretsUri",
    ] {
        assert!(gitops.contains(needle), "gitops.bicep lacks `{needle}`");
    }
    for needle in [
        "@batchSize(1)",
        "system:serviceaccount:shop:checkout-sa",
        "// Key Vault Secrets User",
        "// App Configuration Data Reader",
        "enablePurgeProtection: true",
        "enableRbacAuthorization: true",
        "contentType: 'text/plain'",
        "exp: dateTimeToEpoch(",
        "'checkout~3Acolor$prod'",
        "'.appconfig.featureflag~2Fbeta-ui$beta-testers'",
        "keyvaultref+json",
        "// Monitoring Data Reader",
        "Microsoft.Dashboard/grafana@",
        "Microsoft.Network/privateEndpoints@",
        "privatelink.vaultcore.azure.net",
        "Microsoft.Insights/diagnosticSettings@",
        "targetScope = 'subscription'",
        "'azd-env-name': environmentName",
        "output AZURE_RESOURCE_GROUP string",
        "output AZURE_AKS_CLUSTER_NAME string",
        "output AZURE_KEY_VAULT_NAME string",
        "output AZURE_APP_CONFIGURATION_ENDPOINT string",
        "output AZURE_CONTAINER_REGISTRY_ENDPOINT string",
    ] {
        assert!(all.contains(needle), "the output lacks `{needle}`");
    }
    // Diagnostic settings on every resource that supports them.
    for module in [
        "aks",
        "keyvault",
        "appconfig",
        "registry",
        "storage",
        "metrics",
    ] {
        assert!(
            out[&format!("modules/{module}.bicep")]
                .contains("Microsoft.Insights/diagnosticSettings@"),
            "{module} has no diagnostic settings"
        );
    }
}

/// Secrets only ever cross as secure parameters: never a default, never an output, never a value
/// in main.parameters.json other than an azd `${VAR}` reference.
#[test]
fn no_secret_reaches_the_output() {
    let out = build("examples/platform.plat");
    for (path, text) in &out {
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.trim() == "@secure()" {
                let decl = lines[i + 1..]
                    .iter()
                    .find(|l| l.starts_with("param "))
                    .unwrap();
                assert!(
                    !decl.contains('='),
                    "{path}: secure parameter with a default: {decl}"
                );
                let name = decl.split_whitespace().nth(1).unwrap();
                assert!(
                    !text
                        .lines()
                        .any(|l| l.starts_with("output") && l.contains(name)),
                    "{path}: {name} flows into an output"
                );
            }
        }
    }
    let params: serde_json::Value = serde_json::from_str(&out["main.parameters.json"]).unwrap();
    let secret = &params["parameters"]["secretDbPassword"]["value"];
    assert_eq!(secret, "${DB_PASSWORD}");
}

#[test]
fn identical_declarations_share_a_module_file() {
    let src = "platform \"twins\" { private_networking = false }\nidentity \"a\" { }\nidentity \"b\" { }\nidentity \"c\" { grant \"Reader\" on logs.l }\nlogs \"l\" { }\n";
    let mut sources = SourceMap::new();
    sources.add("twins.plat", src);
    let out = compile(&sources, &Options::default()).artifacts;
    let identity_files: Vec<&String> = out
        .keys()
        .filter(|k| k.starts_with("modules/identity"))
        .collect();
    assert_eq!(
        identity_files,
        ["modules/identity-a.bicep", "modules/identity-c.bicep"]
    );
    assert_eq!(
        out["main.bicep"]
            .matches("'./modules/identity-a.bicep'")
            .count(),
        2
    );
}

/// `environmentSettings` in main.bicep, as (environment, module.param) → value lines.
fn environment_values(main: &str) -> Vec<(String, String, String)> {
    let start = main
        .find("var environmentSettings = {")
        .expect("main.bicep has environment settings");
    let mut out = Vec::new();
    let (mut env, mut module) = (String::new(), String::new());
    for line in main[start..].lines().skip(1) {
        let depth = (line.len() - line.trim_start().len()) / 2;
        let t = line.trim();
        if t == "}" && depth == 0 {
            break;
        }
        match (depth, t.strip_suffix(": {")) {
            (1, Some(e)) => env = e.to_string(),
            (2, Some(m)) => module = m.to_string(),
            (3, None) if t.contains(": ") => {
                let (k, v) = t.split_once(": ").unwrap();
                out.push((env.clone(), format!("{module}.{k}"), v.to_string()));
            }
            _ => {}
        }
    }
    out
}

#[test]
fn prod_and_dev_differ_in_at_least_five_values() {
    let main = &build("examples/platform.plat")["main.bicep"];
    let values = environment_values(main);
    let of = |env: &str| -> Vec<(String, String)> {
        values
            .iter()
            .filter(|(e, _, _)| e == env)
            .map(|(_, k, v)| (k.clone(), v.clone()))
            .collect()
    };
    let (dev, prod) = (of("dev"), of("prod"));
    assert_eq!(dev.len(), prod.len());
    let differing: Vec<&String> = dev
        .iter()
        .zip(&prod)
        .filter(|(d, p)| d.1 != p.1)
        .map(|(d, _)| &d.0)
        .collect();
    assert!(
        differing.len() >= 5,
        "dev and prod differ only in {differing:?}"
    );
    assert!(main.contains("var settings = contains(environmentSettings, environmentName) ? environmentSettings[environmentName] : defaultSettings"));
}

#[test]
fn environment_values_reach_module_parameters_with_defaults() {
    let out = build("tests/fixtures/ok_environments.plat");
    let aks = &out["modules/aks.bicep"];
    assert!(
        aks.contains("param clusterSkuTier string = 'Free'"),
        "{aks}"
    );
    assert!(aks.contains("tier: clusterSkuTier"));
    assert!(
        aks.contains("revisions: [clusterServiceMeshProfileIstioRevisions0]"),
        "{aks}"
    );
    let main = &out["main.bicep"];
    let values = environment_values(main);
    assert!(
        values.contains(&(
            "prod".into(),
            "clusterMain.clusterServiceMeshProfileIstioRevisions0".into(),
            "'asm-1-27'".into()
        )),
        "{values:?}"
    );
    // An environment with no `env` block of its own deploys the defaults: main.bicep's
    // `settings` falls back to them, so it has no table of its own.
    assert!(!values.iter().any(|(e, _, _)| e == "staging"), "{values:?}");
    assert!(main.contains(
        "contains(environmentSettings, environmentName) ? environmentSettings[environmentName] : defaultSettings"
    ));
    assert!(out["modules/registry.bicep"].contains("param registrySkuName string = 'Standard'"));
}

#[test]
fn resources_of_some_environments_become_conditional() {
    let src = "platform \"pv\" { environments = [\"dev\", \"prod\"] }\nnetwork \"core\" {\n  address_space = [10.20.0.0/16]\n  subnet \"endpoints\" { prefix = 10.20.8.0/24  private_endpoints = true }\n}\nvault \"kv\" {\n  env \"dev\" { private = false }\n}\n";
    let mut sources = SourceMap::new();
    sources.add("pv.plat", src);
    let out = compile(&sources, &Options::default()).artifacts;
    let kv = &out["modules/keyvault.bicep"];
    assert!(kv.contains("param withPrivateEndpoint bool = true"), "{kv}");
    assert!(kv.contains("= if (withPrivateEndpoint) {"));
    assert_eq!(
        kv.matches("if (withPrivateEndpoint)").count(),
        2,
        "endpoint and its DNS group share one switch"
    );
    assert!(kv.contains("publicNetworkAccess: vaultPublicNetworkAccess"));
    let values = environment_values(&out["main.bicep"]);
    assert!(
        values.contains(&(
            "dev".into(),
            "vaultKv.withPrivateEndpoint".into(),
            "false".into()
        )),
        "{values:?}"
    );
    // prod overrides nothing: it takes the defaults, where the endpoint is on.
    assert!(!values.iter().any(|(e, _, _)| e == "prod"), "{values:?}");
}

#[test]
fn a_program_split_across_files_builds_as_one() {
    let out = build("examples/two-files.plat");
    let main = &out["main.bicep"];
    // Declarations from the imported file, wired to the cluster in the root file.
    assert!(
        main.contains("// vault \"kv\" (examples/two-files/services.plat:5)"),
        "{main}"
    );
    assert!(main.contains("issuer: clusterApps.outputs.oidcIssuerUrl"));
    assert!(out.contains_key("modules/identity.bicep"));
}

#[test]
fn the_platform_graph_shows_what_uses_what() {
    let mut read = |p: &std::path::Path| std::fs::read_to_string(root().join(p));
    let (sources, _) =
        platc::load::load(std::path::Path::new("examples/platform.plat"), &mut read).unwrap();
    let (files, parsed) = platc::parse(&sources, None);
    let (checked, diags) = platc::check(&files, parsed);
    assert!(diags.is_empty());
    let g = platc::graph::build(&checked.default);
    let mermaid = platc::graph::mermaid(&g);
    assert!(mermaid.contains("identity_checkout -->|\"federated shop/checkout-sa\"| cluster_main"));
    assert!(mermaid.contains("identity_checkout -->|\"Key Vault Secrets User\"| vault_secrets"));
    assert!(mermaid.contains("cluster_main -->|\"gitops private (manifests)\"| storage_gitops"));
    // Every edge joins two declared nodes.
    for e in &g.edges {
        assert!(
            g.nodes.iter().any(|n| n.id == e.from) && g.nodes.iter().any(|n| n.id == e.to),
            "{} -> {}",
            e.from,
            e.to
        );
    }
    let dot = platc::graph::dot(&g);
    assert!(dot.starts_with("digraph platform {") && dot.trim_end().ends_with('}'));
    assert_eq!(dot.matches(" -> ").count(), g.edges.len());
    insta::assert_snapshot!("reference__graph.mmd", mermaid);
}

#[test]
fn env_values_become_parameters_fed_by_azd() {
    let out = build("tests/fixtures/ok_env_values.plat");
    let main = &out["main.bicep"];
    // The default in the template too, so that azd does not ask for it.
    assert!(
        main.contains("param envK8sVersion string = '1.33'\n"),
        "{main}"
    );
    assert!(main.contains("envK8sVersion: envK8sVersion"));
    assert!(out["modules/aks.bicep"].contains("kubernetesVersion: envK8sVersion"));
    assert!(out["modules/aks.bicep"].contains("revisions: [envIstioRevision]"));
    assert!(out["modules/appconfig.bicep"].contains("value: envGreeting"));
    // An environment override that reads the azd environment.
    assert!(
        main.contains("clusterAgentPoolProfiles0VmSize: envProdVmSize"),
        "{main}"
    );
    let params: serde_json::Value = serde_json::from_str(&out["main.parameters.json"]).unwrap();
    assert_eq!(
        params["parameters"]["envK8sVersion"]["value"],
        "${K8S_VERSION=1.33}"
    );
    assert_eq!(
        params["parameters"]["envProdVmSize"]["value"],
        "${PROD_VM_SIZE}"
    );
    // No marker survives into any file.
    assert!(out.values().all(|t| !t.contains('\u{1}')));
}

#[test]
fn synthetic_platforms_compile_cleanly() {
    for n in [1, 3] {
        let mut sources = SourceMap::new();
        sources.add("synthetic.plat", platc::synth::platform(n));
        let result = compile(&sources, &Options::default());
        let shown = platc::diag::render::human(&sources, &result.diagnostics, false);
        assert!(result.diagnostics.is_empty(), "{shown}");
    }
}

/// Platforms with many similar clusters stay small: identical clusters share one module file, and
/// each extra cluster adds only its module call (with the deployer, who operates a cluster without
/// `admins`) and its two outputs.
#[test]
fn each_extra_identical_cluster_adds_at_most_26_lines() {
    let lines = |k: usize| {
        let mut src = String::from(
            "platform \"many\" { private_networking = false }\nlogs \"ops\" { }\nregistry \"images\" { sku = premium  private = false }\n",
        );
        for i in 0..k {
            src.push_str(&format!(
                "cluster \"c{i}\" {{\n  registry = registry.images\n  pool \"system\" {{ vm_size = \"Standard_D4ds_v5\"  mode = system  count = 3  zones = [1, 2, 3] }}\n  pool \"apps\" {{ vm_size = \"Standard_D8ds_v5\"  autoscale = 2..10 }}\n  monitoring {{ logs = logs.ops }}\n  extension flux\n  extension azure_policy\n  gitops \"apps\" {{\n    source = git(\"https://github.com/contoso/apps\", branch = \"main\")\n    kustomization \"apps\" {{ path = \"./apps\" }}\n  }}\n}}\n"
            ));
        }
        let mut sources = SourceMap::new();
        sources.add("many.plat", src);
        let out = compile(&sources, &Options::default()).artifacts;
        assert_eq!(
            out.keys().filter(|k| k.starts_with("modules/aks")).count(),
            1,
            "identical clusters share one module"
        );
        out.iter()
            .filter(|(k, _)| k.ends_with(".bicep"))
            .map(|(_, v)| v.lines().count())
            .sum::<usize>()
    };
    let (three, four, ten) = (lines(3), lines(4), lines(10));
    // A cluster's module call, and its GitOps module's call (deployed last, after the identities).
    assert!(
        four - three <= 26,
        "one more cluster added {} lines",
        four - three
    );
    assert!(
        ten - three <= 7 * 26,
        "seven more clusters added {} lines",
        ten - three
    );
}

/// Azure refuses a template with more than 64 outputs: a platform that would pass it gets one
/// object output for its most numerous kind instead, and stays deployable.
#[test]
fn outputs_past_azures_limit_are_grouped_by_kind() {
    let mut src = String::from("platform \"many\" { private_networking = false }\n");
    for i in 0..31 {
        src.push_str(&format!("vault \"kv{i:02}\" {{ }}\n"));
    }
    let mut sources = SourceMap::new();
    sources.add("many.plat", src);
    let result = compile(&sources, &Options::default());
    assert!(result.diagnostics.is_empty(), "{:?}", result.diagnostics);
    let main = &result.artifacts["main.bicep"];
    let outputs = main.lines().filter(|l| l.starts_with("output ")).count();
    assert!(outputs <= 64, "{outputs} outputs");
    assert!(
        main.contains("output AZURE_KEY_VAULTS object = {"),
        "{main}"
    );
    assert!(
        main.contains(
            "  kv30: {\n    name: vaultKv30.outputs.name\n    uri: vaultKv30.outputs.uri\n  }"
        ),
        "{main}"
    );
    assert!(!main.contains("AZURE_KEY_VAULT_KV00_NAME"), "{main}");
    assert!(
        main.contains("output AZURE_RESOURCE_GROUP string"),
        "{main}"
    );
}

#[test]
fn outputs_of_several_declarations_carry_their_names() {
    let src = "platform \"two\" { private_networking = false }\nvault \"a\" { }\nvault \"b-c\" { }\nlogs \"ops\" { }\n";
    let mut sources = SourceMap::new();
    sources.add("two.plat", src);
    let main = &compile(&sources, &Options::default()).artifacts["main.bicep"];
    assert!(
        main.contains("output AZURE_KEY_VAULT_A_NAME string = vaultA.outputs.name"),
        "{main}"
    );
    assert!(
        main.contains("output AZURE_KEY_VAULT_B_C_ENDPOINT string = vaultBC.outputs.uri"),
        "{main}"
    );
    assert!(
        main.contains("output AZURE_LOG_ANALYTICS_WORKSPACE_ID string"),
        "{main}"
    );
}

/// Clusters that differ only in values share one module; the values become its parameters.
#[test]
fn similar_clusters_share_a_module_with_their_differences_as_parameters() {
    let mut src =
        String::from("platform \"fleet\" { private_networking = false }\nlogs \"ops\" { }\n");
    for i in 0..5 {
        src.push_str(&format!(
            "cluster \"c{i}\" {{\n  pool \"system\" {{ vm_size = \"Standard_D{}ds_v5\"  mode = system  count = 3 }}\n  monitoring {{ logs = logs.ops }}\n  extension flux\n  gitops \"apps\" {{\n    source = git(\"https://github.com/contoso/apps\", branch = \"main\")\n    kustomization \"apps\" {{ path = \"./clusters/c{i}\" }}\n  }}\n}}\n",
            2 + 2 * (i % 2)
        ));
    }
    let mut sources = SourceMap::new();
    sources.add("fleet.plat", src);
    let out = compile(&sources, &Options::default()).artifacts;
    let aks: Vec<&String> = out
        .keys()
        .filter(|k| k.starts_with("modules/aks"))
        .collect();
    assert_eq!(aks, ["modules/aks.bicep"], "one shared module");
    let module = &out["modules/aks.bicep"];
    let gitops = &out["modules/gitops.bicep"];
    assert!(
        gitops.contains("param gitopsAppsKustomizationsAppsPath string = './clusters/c0'"),
        "{gitops}"
    );
    assert!(
        module.contains("vmSize: clusterAgentPoolProfiles0VmSize"),
        "{module}"
    );
    let main = &out["main.bicep"];
    assert!(
        main.contains("gitopsAppsKustomizationsAppsPath: './clusters/c3'"),
        "{main}"
    );
    assert!(
        main.contains("clusterAgentPoolProfiles0VmSize: 'Standard_D4ds_v5'"),
        "{main}"
    );
    let syntax_ok = out
        .iter()
        .filter(|(k, _)| k.ends_with(".bicep"))
        .all(|(_, t)| syntax_problems(t).is_empty());
    assert!(syntax_ok);
}

#[test]
fn the_parameters_file_is_what_a_json_printer_writes() {
    let mut sources = SourceMap::new();
    sources.add(
        "p.plat",
        "platform \"p\" {\n  location = env(\"LOC\", \"west \\\"europe\\\" \\\\ ü\")\n  private_networking = false\n}\nappconfig \"a\" { }\nconfig \"k\" in appconfig.a { value = env(\"K_VALUE\", \"tab\\there\") }\nvault \"v\" { }\nsecret \"s\" in vault.v { value = secure(\"S_VALUE\") }\n"
            .to_string(),
    );
    let result = compile(&sources, &Options::default());
    assert!(!result.has_errors(), "{:?}", result.diagnostics);
    let text = &result.artifacts["main.parameters.json"];
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(*text, serde_json::to_string_pretty(&value).unwrap() + "\n");
    assert_eq!(
        value["parameters"]["location"]["value"],
        "${LOC=west \"europe\" \\ ü}"
    );
    assert_eq!(
        value["parameters"]["envKValue"]["value"],
        "${K_VALUE=tab\there}"
    );
}

/// Compiles an inline program that must build (warnings allowed).
fn build_text(text: &str) -> Artifacts {
    let mut sources = SourceMap::new();
    sources.add("inline.plat", text.to_string());
    let result = compile(&sources, &Options::default());
    let rendered = platc::diag::render::human(&sources, &result.diagnostics, false);
    assert!(!result.artifacts.is_empty(), "{rendered}");
    result.artifacts
}

#[test]
fn clusters_close_ssh_and_leave_defender_off() {
    let cluster = "cluster \"main\" {\n  pool \"system\" { vm_size = \"Standard_D4ds_v5\"  mode = system  count = 3 }\n  pool \"apps\" { vm_size = \"Standard_D4ds_v5\"  count = 2 }\n";
    // SSH is off on the inline pool and the child pool.
    let out = build_text(&format!(
        "platform \"demo\" {{ private_networking = false }}\n{cluster}}}\n"
    ));
    let aks = &out["modules/aks.bicep"];
    assert_eq!(aks.matches("sshAccess: 'Disabled'").count(), 2, "{aks}");
    assert!(!aks.contains("kubernetesVersion"), "{aks}");
    assert!(aks.contains("upgradeChannel: 'stable'"), "{aks}");
    // With a workspace, Defender stays off all the same: its pods would crash on a workspace
    // without shared keys, as platc's all are.
    let out = build_text(&format!(
        "platform \"demo\" {{\n  private_networking = false\n  diagnostics = logs.audit\n}}\nlogs \"audit\" {{ }}\n{cluster}  kubernetes = \"1.33\"\n  monitoring {{ logs = logs.audit }}\n}}\n"
    ));
    let aks = &out["modules/aks.bicep"];
    assert!(!aks.contains("defender"), "{aks}");
    assert!(aks.contains("kubernetesVersion: '1.33'"), "{aks}");
    assert!(aks.contains("upgradeChannel: 'patch'"), "{aks}");
}

#[test]
fn grafana_diagnostics_ask_for_logs_only() {
    let out = build_text(
        "platform \"demo\" {\n  private_networking = false\n  diagnostics = logs.audit\n}\nlogs \"audit\" { }\nmetrics \"prom\" { grafana = true }\n",
    );
    let metrics = &out["modules/metrics.bicep"];
    let setting = metrics
        .split("resource grafanaDiagnostics")
        .nth(1)
        .expect("a diagnostic setting on Grafana");
    let setting = &setting[..setting.find("\n}\n").unwrap()];
    assert!(setting.contains("categoryGroup: 'allLogs'"), "{setting}");
    assert!(!setting.contains("AllMetrics"), "{setting}");
}

/// Every role assignment is named by its scope, principal and role, with the principal id a
/// parameter of its file (a name must be known when the deployment starts): an identity created
/// again under the same name has a new principal, and an assignment named by anything else would
/// be refused as an update of its principal (RoleAssignmentUpdateNotPermitted).
#[test]
fn role_assignments_are_named_by_scope_principal_and_role() {
    for example in examples() {
        let out = build(&example);
        let mut assignments = 0;
        for (path, text) in out.iter().filter(|(p, _)| p.ends_with(".bicep")) {
            let lines: Vec<&str> = text.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                if !line.contains("'Microsoft.Authorization/roleAssignments@") {
                    continue;
                }
                assignments += 1;
                let name = lines[i + 1].trim();
                // `guid(<scope>.id, <principal>, <role>)`, the principal a parameter of the file
                // (the deployer's or an admin's, from the azd environment, included).
                let args = name
                    .strip_prefix("name: guid(")
                    .unwrap_or_else(|| panic!("{example}: {path}: not named by guid(): {name}"));
                let parts: Vec<&str> = args.split(", ").collect();
                assert!(
                    parts.len() == 3 && parts[0].ends_with(".id"),
                    "{example}: {path}: an assignment not named by its scope and principal: {name}"
                );
                assert!(
                    text.contains(&format!("\nparam {} string", parts[1])),
                    "{example}: {path}: {} is not a parameter",
                    parts[1]
                );
            }
            for line in text.lines().filter(|l| l.contains(" './grant-")) {
                let symbol = line.split_whitespace().nth(1).unwrap();
                let body = text.split(line).nth(1).unwrap();
                let body = &body[..body.find("\n}\n").unwrap()];
                assert!(
                    body.contains("    principalId: "),
                    "{example}: {path}: grant {symbol} passes no principal"
                );
            }
        }
        assert!(assignments > 0, "{example} assigns no role");
    }
}

/// Grafana's roles act on a Managed Grafana: granted on `metrics.NAME`, they are assigned on that
/// declaration's Grafana, while a Monitoring role on the same target stays on the workspace.
#[test]
fn grafana_roles_are_assigned_on_the_grafana() {
    let src = "platform \"g\" { private_networking = false }\nmetrics \"prom\" { }\nidentity \"ops\" {\n  grant \"Grafana Viewer\" on metrics.prom\n  grant \"Grafana Editor\" on metrics.prom\n  grant \"Monitoring Data Reader\" on metrics.prom\n}\n";
    let mut sources = SourceMap::new();
    sources.add("g.plat", src);
    let result = compile(&sources, &Options::default());
    assert!(result.diagnostics.is_empty());
    let out = result.artifacts;
    let identity = &out["modules/identity.bicep"];
    assert!(
        identity.contains("resource grafana 'Microsoft.Dashboard/grafana@"),
        "{identity}"
    );
    for (grant, target) in [
        ("GrafanaViewerGrafana", "grant-grafana"),
        ("GrafanaEditorGrafana", "grant-grafana"),
        ("MonitoringDataReaderMetrics", "grant-metrics"),
    ] {
        assert!(
            identity.contains(&format!("module grant{grant} './{target}.bicep'")),
            "{grant}:\n{identity}"
        );
    }
    assert!(identity.contains("name: grafana.name"));
    assert!(out["main.bicep"].contains("grafanaName: metricsProm.outputs.grafanaName"));
    assert!(out["modules/grant-grafana.bicep"].contains("scope: target"));
    assert!(out["modules/metrics.bicep"].contains("output grafanaName string = grafana.name"));
}
