//! The platform's own rules (spec.md §9): each built-in rule fails a program that breaks it and
//! passes one that keeps it; findings land on the text to change, in imported files too, once
//! per finding with the environments it holds in; broken rule files are diagnostics; the input
//! rules see is what `platc export` prints; and rules never change what a build writes.

use platc::Options;
use platc::diag::{Code, Diagnostic, render};
use platc::source::SourceMap;
use std::collections::HashMap;
use std::path::Path;

/// Reads files from memory; a name that other names live under reads as a folder, as
/// `load::read_file` reads one on disk.
fn reader(files: &[(&str, &str)]) -> impl FnMut(&Path) -> std::io::Result<String> + use<> {
    let map: HashMap<String, String> = files
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |p: &Path| {
        let name = p.to_string_lossy().replace('\\', "/");
        if let Some(text) = map.get(&name) {
            return Ok(text.clone());
        }
        let prefix = format!("{}/", name.trim_end_matches('/'));
        let inside: Vec<String> = map
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .filter(|rest| !rest.contains('/'))
            .map(str::to_string)
            .collect();
        if inside.is_empty() {
            Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such file",
            ))
        } else {
            Err(platc::load::folder_error(inside))
        }
    }
}

fn compile(files: &[(&str, &str)]) -> (SourceMap, platc::Compilation) {
    let mut read = reader(files);
    let options = Options {
        source_name: files[0].0.to_string(),
        check_only: true,
        ..Default::default()
    };
    platc::compile_program(Path::new(files[0].0), &mut read, &options).unwrap()
}

/// Findings of `rule` (by the id in their label).
fn of_rule<'a>(diags: &'a [Diagnostic], rule: &str) -> Vec<&'a Diagnostic> {
    let needle = format!("rule `{rule}` ");
    diags
        .iter()
        .filter(|d| d.labels.iter().any(|l| l.message.starts_with(&needle)))
        .collect()
}

/// A platform that keeps every built-in rule, in a `prod` environment.
const BASE: &str = r#"platform "demo" {
  diagnostics = logs.ops
  environments = ["prod"]
  policies = ["builtin:production", "builtin:baseline"]
}
network "core" {
  address_space = [10.20.0.0/16]
  subnet "nodes" { prefix = 10.20.0.0/22 }
  subnet "endpoints" {
    prefix = 10.20.8.0/24
    private_endpoints = true
  }
}
logs "ops" { }
logs "defender" { local_auth = true }
cluster "main" {
  kubernetes = "1.35"
  upgrade_channel = patch
  defender = logs.defender
  network { subnet = network.core.nodes }
  pool "system" {
    vm_size = "Standard_D4ds_v5"
    mode = system
    count = 3
    zones = [1, 2, 3]
  }
  extension azure_policy { effect = deny }
}
vault "secrets" { }
secret "db" in vault.secrets {
  value = secure("DB")
  expires_after = 90d
}
registry "images" { }
storage "data" { }
appconfig "settings" { }
identity "app" {
  grant "Key Vault Secrets User" on vault.secrets
}
"#;

/// Each built-in rule: the edit of `BASE` that breaks it, whether it warns, and whether it
/// judges production only.
const BREAKS: &[(&str, &str, &str, bool, bool)] = &[
    ("aks-system-pool-ha", "count = 3", "count = 2", false, true),
    (
        "aks-system-pool-ha",
        "zones = [1, 2, 3]",
        "zones = [1, 2]",
        false,
        true,
    ),
    (
        "aks-sla-tier",
        "upgrade_channel = patch",
        "upgrade_channel = patch\n  sku_tier = free",
        false,
        true,
    ),
    (
        "storage-zone-redundant",
        "storage \"data\" { }",
        "storage \"data\" { replication = lrs }",
        false,
        true,
    ),
    (
        "vault-private",
        "vault \"secrets\" { }",
        "vault \"secrets\" { private = false }",
        false,
        true,
    ),
    (
        "registry-private",
        "registry \"images\" { }",
        "registry \"images\" { private = false }",
        false,
        true,
    ),
    (
        "storage-private",
        "storage \"data\" { }",
        "storage \"data\" { private = false }",
        false,
        true,
    ),
    (
        "appconfig-private",
        "appconfig \"settings\" { }",
        "appconfig \"settings\" { private = false }",
        false,
        true,
    ),
    (
        "aks-private-cluster",
        "upgrade_channel = patch",
        "upgrade_channel = patch\n  private_cluster = false",
        false,
        true,
    ),
    (
        "aks-policy-deny",
        "effect = deny",
        "effect = audit",
        false,
        true,
    ),
    (
        "secret-expiry",
        "expires_after = 90d",
        "expires_after = 91d",
        false,
        true,
    ),
    (
        "least-privilege",
        "grant \"Key Vault Secrets User\"",
        "grant \"Contributor\"",
        false,
        false,
    ),
    (
        "no-key-vault-administrator",
        "grant \"Key Vault Secrets User\"",
        "grant \"Key Vault Administrator\"",
        true,
        false,
    ),
    (
        "aks-pinned-version",
        "  kubernetes = \"1.35\"\n  upgrade_channel = patch\n",
        "",
        false,
        false,
    ),
    (
        "aks-pinned-version",
        "upgrade_channel = patch",
        "upgrade_channel = none",
        false,
        false,
    ),
    (
        "aks-defender",
        "  defender = logs.defender\n",
        "",
        false,
        false,
    ),
    (
        "vault-purge-protection",
        "vault \"secrets\" { }",
        "vault \"secrets\" { purge_protection = false }",
        false,
        false,
    ),
];

#[test]
fn the_base_program_keeps_every_built_in_rule() {
    let (sources, result) = compile(&[("platform.plat", BASE)]);
    assert!(
        result.diagnostics.is_empty(),
        "{}",
        render::human(&sources, &result.diagnostics, false)
    );
}

#[test]
fn each_built_in_rule_fails_the_program_that_breaks_it() {
    let ids: Vec<String> = platc::policy::PACKS
        .iter()
        .flat_map(|p| rule_ids(p.rego))
        .collect();
    for id in &ids {
        assert!(
            BREAKS.iter().any(|(r, ..)| r == id),
            "no program breaks built-in rule `{id}`"
        );
    }
    for &(rule, from, to, warns, production) in BREAKS {
        assert!(
            ids.iter().any(|i| i == rule),
            "`{rule}` is no built-in rule"
        );
        assert!(BASE.contains(from), "{rule}: `{from}` is not in the base");
        let text = BASE.replacen(from, to, 1);
        let (sources, result) = compile(&[("platform.plat", &text)]);
        let found = of_rule(&result.diagnostics, rule);
        let shown = render::human(&sources, &result.diagnostics, false);
        assert_eq!(found.len(), 1, "{rule}: expected one finding:\n{shown}");
        let d = found[0];
        let code = if warns {
            Code::PolicyWarn
        } else {
            Code::PolicyDeny
        };
        assert_eq!(d.code, code, "{rule}:\n{shown}");
        assert_eq!(
            d.message.ends_with("(in environment `prod`)"),
            production,
            "{rule}: {}",
            d.message
        );
        assert!(
            d.notes.iter().any(|n| n.starts_with("source: ")),
            "{rule}: no source"
        );
        // The span is the value the edit wrote, where it wrote a field.
        let at = sources.snippet(d.primary_span());
        if let Some((_, value)) = to.rsplit_once(" = ") {
            let value = value.trim_end_matches([' ', '}']);
            assert_eq!(at, value, "{rule}: the span is not the edit `{to}`");
        }
        if !production {
            continue;
        }
        // Production rules leave every other environment alone.
        let dev = text.replace("[\"prod\"]", "[\"dev\"]");
        let (_, result) = compile(&[("platform.plat", &dev)]);
        assert!(
            of_rule(&result.diagnostics, rule).is_empty(),
            "{rule} judged dev"
        );
    }
}

/// The ids a pack's `rules` object declares.
fn rule_ids(rego: &str) -> Vec<String> {
    let start = rego.find("rules := {").expect("a pack lists its rules");
    let block = &rego[start..];
    let end = block.find("\n}\n").expect("the rules object closes");
    block[..end]
        .lines()
        .filter_map(|l| l.strip_prefix("\t\""))
        .filter_map(|l| l.split_once("\": {"))
        .map(|(id, _)| id.to_string())
        .collect()
}

#[test]
fn a_waived_rule_is_not_reported() {
    let text = BASE
        .replacen(
            "storage \"data\" { }",
            "storage \"data\" { replication = lrs }",
            1,
        )
        .replacen(
            "environments = [\"prod\"]",
            "environments = [\"prod\"]\n  waivers = { storage-zone-redundant = \"scratch data\" }",
            1,
        );
    let (sources, result) = compile(&[("platform.plat", &text)]);
    assert!(
        result.diagnostics.is_empty(),
        "{}",
        render::human(&sources, &result.diagnostics, false)
    );
}

const TEAM_RULES: &str = r#"package team

import rego.v1

rules := {"team-replication": {"title": "team storage is geo-redundant", "source": "team wiki"}}

deny contains v if {
	some name, s in input.storages
	s.replication != "gzrs"
	v := {"rule": "team-replication", "msg": sprintf("storage %s is not geo-redundant", [name]), "path": ["storages", name, "replication"]}
}

warn contains msg if {
	some name, _ in input.networks
	msg := sprintf("network %s", [name])
}
"#;

#[test]
fn findings_land_in_imported_files_at_the_field_the_path_names() {
    let root = "platform \"demo\" {\n  private_networking = false\n  policies = [\"rules\"]\n}\nimport \"team/data.plat\"\n";
    let team = "storage \"shared\" {\n  replication = lrs\n}\n";
    let (sources, result) = compile(&[
        ("platform.plat", root),
        ("team/data.plat", team),
        ("rules/team.rego", TEAM_RULES),
    ]);
    let shown = render::human(&sources, &result.diagnostics, false);
    let found = of_rule(&result.diagnostics, "team-replication");
    assert_eq!(found.len(), 1, "{shown}");
    let at = found[0].primary_span();
    assert_eq!(sources.name(at.file), "team/data.plat", "{shown}");
    assert_eq!(sources.snippet(at), "lrs");
    assert_eq!(found[0].message, "storage shared is not geo-redundant");
    assert_eq!(found[0].notes, ["source: team wiki"]);
    assert!(
        result.artifacts.is_empty(),
        "a denied program writes nothing"
    );
}

#[test]
fn a_finding_in_some_environments_is_reported_once_naming_them() {
    let text = "platform \"demo\" {\n  private_networking = false\n  environments = [\"dev\", \"prod\"]\n  policies = [\"rules/\"]\n}\nstorage \"data\" {\n  replication = gzrs\n  env \"prod\" { replication = zrs }\n}\n";
    let (sources, result) = compile(&[("platform.plat", text), ("rules/team.rego", TEAM_RULES)]);
    let found = of_rule(&result.diagnostics, "team-replication");
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].message,
        "storage data is not geo-redundant (in environment `prod`)"
    );
    // The span is prod's override, not the default.
    assert_eq!(sources.snippet(found[0].primary_span()), "zrs");
    assert_eq!(
        sources
            .line_col(0, found[0].primary_span().start as usize)
            .0,
        8
    );
}

#[test]
fn paths_outside_any_field_fall_back_to_the_nearest_declaration_then_the_platform() {
    let rules = r#"package main

import rego.v1

deny contains {"msg": "unknown field", "path": ["vaults", "secrets", "no_such_field"]}
deny contains {"msg": "unknown vault", "path": ["vaults", "nothing"]}
deny contains {"msg": "dotted", "path": "vaults.secrets.sku"}
deny contains {"msg": "derived grant", "path": ["grants", i]} if {
	some i, grant in input.grants
	grant.principal == "id-app-*"
}
deny contains {"msg": "chose a warning", "severity": "warning"}
"#;
    let text = "platform \"demo\" {\n  private_networking = false\n  policies = [\"main.rego\"]\n}\nvault \"secrets\" { sku = premium }\nidentity \"app\" {\n  grant \"Key Vault Secrets User\" on vault.secrets\n}\n";
    let (sources, result) = compile(&[("platform.plat", text), ("main.rego", rules)]);
    let at = |msg: &str| {
        let d = result
            .diagnostics
            .iter()
            .find(|d| d.message == msg)
            .unwrap_or_else(|| panic!("no `{msg}`: {:?}", result.diagnostics));
        (d.code, sources.snippet(d.primary_span()).to_string())
    };
    assert_eq!(
        at("unknown field"),
        (Code::PolicyDeny, "\"secrets\"".into())
    );
    assert_eq!(
        at("unknown vault"),
        (Code::PolicyDeny, "platform \"demo\"".into())
    );
    assert_eq!(at("dotted"), (Code::PolicyDeny, "premium".into()));
    assert_eq!(
        at("derived grant"),
        (
            Code::PolicyDeny,
            "grant \"Key Vault Secrets User\" on vault.secrets".into()
        )
    );
    assert_eq!(at("chose a warning").0, Code::PolicyWarn);
}

fn rule_errors(rego: &str) -> Vec<Diagnostic> {
    let text = "platform \"demo\" {\n  private_networking = false\n  policies = [\"bad.rego\"]\n}\nvault \"a\" { }\nvault \"b\" { }\n";
    let (_, result) = compile(&[("platform.plat", text), ("bad.rego", rego)]);
    result.diagnostics
}

#[test]
fn broken_rule_files_are_diagnostics_at_their_line() {
    // Each rule file, the line its problem is on, and words of the message.
    let cases = [
        (
            "package main\n\ndeny contains msg if {\n  msg := \n}\n",
            4,
            "cannot be used",
        ),
        (
            "package main\n\nimport rego.v1\n\nname := n if { some n, _ in input.vaults }\n\ndeny contains name if { name != \"\" }\n",
            5,
            "cannot be used",
        ),
        (
            "package main\n\nimport rego.v1\n\ndeny := {\"msg\": \"an object\"}\n",
            5,
            "it is not a set",
        ),
        (
            "package main\n\nimport rego.v1\n\ndeny contains 42 if { true }\n",
            5,
            "neither a message nor a `msg`",
        ),
    ];
    for (rego, line, words) in cases {
        let diags = rule_errors(rego);
        assert_eq!(diags.len(), 1, "{rego}: {diags:?}");
        let d = &diags[0];
        assert_eq!(d.code, Code::BadRules, "{rego}");
        assert!(d.message.contains(words), "{rego}: {}", d.message);
        let at = d.primary_span();
        assert_eq!(at.file, 1, "{rego}: not in the rule file");
        let on = rego[..at.start as usize].matches('\n').count() + 1;
        assert_eq!(on, line, "{rego}: {}", d.message);
    }
}

#[test]
fn the_rules_see_exactly_what_export_prints() {
    let rules = "package main\n\nimport rego.v1\n\ndeny contains json.marshal(input)\n";
    let text = BASE.replace(
        "policies = [\"builtin:production\", \"builtin:baseline\"]",
        "policies = [\"rules/\"]",
    );
    let (sources, result) = compile(&[("platform.plat", &text), ("rules/all.rego", rules)]);
    let seen: Vec<serde_json::Value> = result
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::PolicyDeny)
        .map(|d| {
            let json = d
                .message
                .rsplit_once(" (in ")
                .map_or(d.message.as_str(), |(j, _)| j);
            serde_json::from_str(json).expect("the rule saw JSON")
        })
        .collect();
    // The defaults and prod differ by `environment`, so each is one finding.
    assert_eq!(
        seen.len(),
        2,
        "{}",
        render::human(&sources, &result.diagnostics, false)
    );
    let (files, diags) = platc::parse(&sources, None);
    let (checked, _) = platc::check(&files, diags);
    let exported = [None, Some("prod")].map(|e| platc::policy::export(&checked, e));
    for e in &exported {
        assert_eq!(e["version"], platc::policy::input::VERSION);
        assert!(
            seen.contains(e),
            "export differs from what the rules saw: {e}"
        );
    }
    let prod = &exported[1];
    assert_eq!(prod["environment"], "prod");
    assert_eq!(prod["vaults"]["secrets"]["azure"]["name"], "kv-secrets-*");
    assert_eq!(
        prod["clusters"]["main"]["pools"]["system"]["zones"],
        serde_json::json!([1, 2, 3])
    );
    let grants = prod["grants"].as_array().unwrap();
    assert!(grants.iter().any(|g| g["role"] == "Key Vault Secrets User"
        && g["principal"] == "id-app-*"
        && g["scope"] == "kv-secrets-*"));
    let endpoints = prod["private_endpoints"].as_array().unwrap();
    assert!(
        endpoints
            .iter()
            .any(|p| p["declaration"] == "vault \"secrets\"")
    );
    let types = prod["resources"].as_array().unwrap();
    assert!(
        types
            .iter()
            .any(|r| r["type"] == "Microsoft.ContainerService/managedClusters")
    );
}

#[test]
fn the_editor_reports_findings_too() {
    let text = "platform \"demo\" {\n  private_networking = false\n  policies = [\"rules\"]\n}\nstorage \"data\" { replication = lrs }\n";
    let mut read = reader(&[("platform.plat", text), ("rules/team.rego", TEAM_RULES)]);
    let a = platc::ide::Analysis::new(Path::new("platform.plat"), &mut read, None);
    let found = of_rule(&a.diagnostics, "team-replication");
    assert_eq!(found.len(), 1, "{:?}", a.diagnostics);
    assert_eq!(a.sources.snippet(found[0].primary_span()), "lrs");
    // The rule file is Rego, not a .plat file with syntax errors.
    assert_eq!(a.diagnostics.len(), 1, "{:?}", a.diagnostics);
}

#[test]
fn rules_never_change_what_a_build_writes() {
    let example = include_str!("../examples/platform.plat");
    let start = example
        .find("  policies = [")
        .expect("the example names rules");
    let end = start + example[start..].find("\n  }\n").expect("its waivers close") + 4;
    let lines = example[start..end].matches('\n').count();
    let without = format!(
        "{}{}{}",
        &example[..start],
        "//\n".repeat(lines),
        &example[end..]
    );
    let build = |text: &str| {
        let mut sources = SourceMap::new();
        sources.add("platform.plat", text.to_string());
        let options = Options {
            source_name: "platform.plat".into(),
            ..Default::default()
        };
        platc::compile(&sources, &options)
    };
    let (with, bare) = (build(example), build(&without));
    assert!(with.diagnostics.is_empty(), "{:?}", with.diagnostics);
    assert!(!with.artifacts.is_empty());
    assert_eq!(with.artifacts, bare.artifacts);
}

#[test]
fn only_the_input_the_rules_read_is_built_and_a_computed_key_builds_it_all() {
    use platc::policy::input::Keys;
    let packs: Vec<&str> = platc::policy::PACKS.iter().map(|p| p.rego).collect();
    let Keys::Only(keys) = Keys::read_by(packs.iter().copied()) else {
        panic!("the built-in packs read named keys only");
    };
    for key in [
        "clusters",
        "secrets",
        "grants",
        "storages",
        "vaults",
        "environment",
    ] {
        assert!(keys.iter().any(|k| k == key), "{key} is not read: {keys:?}");
    }
    assert!(!keys.iter().any(|k| k == "resources" || k == "key_values"));
    assert_eq!(Keys::read_by(["x := input[k]"]), Keys::All);
    assert_eq!(Keys::read_by(["x := json.marshal(input)"]), Keys::All);
    assert_eq!(
        Keys::read_by(["x := my_input.a\ny := input.b.c"]),
        Keys::Only(vec!["b".into()])
    );
}

/// A declaration's Azure type and name, by `declared` and in the input, are the inventory's,
/// which a test holds to the source map lowering writes.
#[test]
fn declarations_are_named_as_the_inventory_names_them() {
    let example = include_str!("../examples/platform.plat");
    let mut sources = SourceMap::new();
    sources.add("platform.plat", example.to_string());
    let (files, diags) = platc::parse(&sources, None);
    let (checked, _) = platc::check(&files, diags);
    let p = &checked.default;
    let resources = platc::plan::inventory::inventory(p);
    let mut declared = Vec::new();
    for (kind, names) in [
        ("network", p.networks.keys().collect::<Vec<_>>()),
        ("logs", p.logs.keys().collect()),
        ("metrics", p.metrics.keys().collect()),
        ("registry", p.registries.keys().collect()),
        ("vault", p.vaults.keys().collect()),
        ("appconfig", p.appconfigs.keys().collect()),
        ("storage", p.storages.keys().collect()),
        ("identity", p.identities.keys().collect()),
        ("cluster", p.clusters.keys().collect()),
    ] {
        declared.extend(names.into_iter().map(|n| (kind, n.clone(), None)));
    }
    for (v, vault) in &p.vaults {
        declared.extend(
            vault
                .secrets
                .keys()
                .map(|n| ("secret", n.clone(), Some(v.clone()))),
        );
        declared.extend(
            vault
                .keys
                .keys()
                .map(|n| ("key", n.clone(), Some(v.clone()))),
        );
    }
    assert!(declared.len() > 12);
    let input = platc::policy::export(&checked, None);
    for (kind, name, vault) in declared {
        let what = format!("{kind} \"{name}\"");
        let first = resources.iter().find(|r| r.what == what);
        let first = first.unwrap_or_else(|| panic!("the inventory has no {what}"));
        let (t, n) = platc::plan::inventory::declared(kind, &name, vault.as_deref()).unwrap();
        assert_eq!(
            (t, n.as_str()),
            (first.type_, first.name.as_str()),
            "{what}"
        );
        let collection = match kind {
            "registry" => "registries".to_string(),
            "identity" => "identities".to_string(),
            "logs" | "metrics" => kind.to_string(),
            _ => format!("{kind}s"),
        };
        let azure = &input[&collection][&name]["azure"];
        assert_eq!(azure["name"], first.name.as_str(), "the input's {what}");
        let type_ = first.type_.split_once('@').map_or(first.type_, |(t, _)| t);
        assert_eq!(azure["type"], type_, "the input's {what}");
    }
}

/// The built-in packs read fields by name only, never an object whole, so they find the same on
/// the input built with just the fields they name as on the whole input: on each program that
/// breaks one of their rules, on the example and on a synthetic platform, in production and out.
#[test]
fn the_packs_find_the_same_on_the_fields_they_name_as_on_the_whole_input() {
    use platc::policy::input::{Fields, Keys, select};
    let packs: Vec<&str> = platc::policy::PACKS.iter().map(|p| p.rego).collect();
    let named = Fields::named_in(packs.iter().copied());
    let mut programs: Vec<String> = BREAKS
        .iter()
        .map(|(_, from, to, ..)| BASE.replacen(from, to, 1))
        .collect();
    programs.push(include_str!("../examples/platform.plat").to_string());
    programs.push(platc::synth::platform(3).replacen(
        "private_networking = false\n",
        "private_networking = false\n  environments = [\"prod\"]\n",
        1,
    ));
    let findings = |input: regorus::Value| {
        let mut engine = regorus::Engine::new();
        for p in platc::policy::PACKS {
            engine
                .add_policy(p.file.into(), p.rego.into())
                .expect("the packs parse");
        }
        engine.set_input(input);
        ["production", "baseline"].map(|pack| {
            ["deny", "warn"].map(|rule| {
                let query = format!("data.platc.{pack}.{rule}");
                let results = engine.eval_query(query, false).expect("the packs run");
                serde_json::to_value(&results).expect("results are JSON")
            })
        })
    };
    let mut found = 0;
    for text in &programs {
        let mut sources = SourceMap::new();
        sources.add("platform.plat", text.clone());
        let (files, diags) = platc::parse(&sources, None);
        let (checked, diags) = platc::check(&files, diags);
        assert!(!diags.iter().any(Diagnostic::is_error), "{diags:?}");
        for env in [None, Some("prod")] {
            let p = env
                .and_then(|e| checked.environments.get(e))
                .unwrap_or(&checked.default);
            let whole = select(p, env, &Keys::All, &Fields::All);
            let pruned = select(p, env, &Keys::All, &named);
            let (a, b) = (whole.json().to_string(), pruned.json().to_string());
            assert!(
                b.len() < a.len() * 3 / 4,
                "the packs' fields are most of the input"
            );
            let (all, some) = (findings(whole.value), findings(pruned.value));
            assert_eq!(
                all, some,
                "the packs found otherwise on their fields:\n{text}"
            );
            found += serde_json::json!(all)
                .to_string()
                .matches("\"msg\"")
                .count();
        }
    }
    assert!(
        found > BREAKS.len(),
        "the programs break the rules: {found}"
    );
}
