//! Generated programs: random well-formed platforms (a fixed-seed generator picks which components
//! exist, their names, sizes, extensions, environments and overrides). Each must compile without a
//! diagnostic, and every emitted `.bicep` must parse with tree-sitter-bicep.

use platc::source::SourceMap;
use platc::{Options, compile};
use std::fmt::Write;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

fn platform(r: &mut Rng) -> String {
    let mut s = String::new();
    let private = r.chance(50);
    let envs = r.chance(50);
    let _ = writeln!(s, "platform \"gen{}\" {{", r.below(1000));
    let _ = writeln!(s, "  private_networking = {private}");
    if envs {
        let _ = writeln!(s, "  environments = [\"dev\", \"prod\"]");
    }
    let _ = writeln!(s, "}}");
    let _ = writeln!(
        s,
        "network \"core\" {{\n  address_space = [10.20.0.0/16]\n  subnet \"nodes\" {{ prefix = 10.20.0.0/22 }}\n  subnet \"pe\" {{ prefix = 10.20.8.0/24  private_endpoints = true }}\n}}"
    );
    let logs = r.chance(80);
    if logs {
        let days = 30 + r.below(300);
        let _ = writeln!(s, "logs \"ops\" {{\n  retention_days = {days}");
        if envs {
            let _ = writeln!(s, "  env \"prod\" {{ retention_days = {} }}", days + 30);
        }
        let _ = writeln!(s, "}}");
    }
    let metrics = r.chance(60);
    if metrics {
        let _ = writeln!(s, "metrics \"prom\" {{ grafana = {} }}", r.chance(50));
    }
    let registry = r.chance(70);
    if registry {
        let _ = writeln!(s, "registry \"images\" {{ sku = premium }}");
    }
    let vaults = r.below(3);
    for v in 0..vaults {
        let _ = writeln!(
            s,
            "vault \"kv{v}\" {{ soft_delete_days = {} }}",
            7 + r.below(84)
        );
        for k in 0..r.below(4) {
            let _ = writeln!(
                s,
                "secret \"s{v}-{k}\" in vault.kv{v} {{ value = secure(\"SECRET_{v}_{k}\") }}"
            );
        }
    }
    let store = r.chance(60);
    if store {
        let _ = writeln!(
            s,
            "appconfig \"cfg\" {{ sku = {} }}",
            r.pick(&["standard", "premium"])
        );
        for k in 0..r.below(6) {
            let _ = writeln!(
                s,
                "config \"app:key-{k}\" in appconfig.cfg {{ value = \"v{k}\"  labels = {{ test = \"t{k}\" }} }}"
            );
        }
        if r.chance(50) {
            let _ = writeln!(
                s,
                "feature \"flag{}\" in appconfig.cfg {{ enabled = {} }}",
                r.below(10),
                r.chance(50)
            );
        }
    }
    let clusters = 1 + r.below(3);
    for c in 0..clusters {
        let _ = writeln!(s, "cluster \"c{c}\" {{");
        let _ = writeln!(s, "  sku_tier = {}", r.pick(&["free", "standard"]));
        if registry {
            let _ = writeln!(s, "  registry = registry.images");
        }
        let dataplane = r.pick(&["azure", "cilium"]);
        let policy = if dataplane == "cilium" {
            "cilium"
        } else {
            r.pick(&["azure", "calico", "none"])
        };
        let subnet = if r.chance(50) {
            "subnet = network.core.nodes  "
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "  network {{ {subnet}dataplane = {dataplane}  policy = {policy} }}"
        );
        let _ = writeln!(
            s,
            "  pool \"system\" {{ vm_size = \"Standard_D4ds_v5\"  mode = system  count = {} }}",
            1 + r.below(5)
        );
        for p in 0..r.below(3) {
            let _ = writeln!(
                s,
                "  pool \"user{p}\" {{\n    vm_size = \"Standard_D8ds_v5\"\n    autoscale = 1..{}",
                2 + r.below(20)
            );
            if envs {
                let _ = writeln!(s, "    env \"prod\" {{ vm_size = \"Standard_D16ds_v5\" }}");
            }
            let _ = writeln!(s, "  }}");
        }
        let mut mon = Vec::new();
        if logs && r.chance(70) {
            mon.push("logs = logs.ops".to_string());
        }
        let prom = metrics && r.chance(70);
        if prom {
            mon.push("metrics = metrics.prom".to_string());
        }
        if !mon.is_empty() {
            let _ = writeln!(s, "  monitoring {{ {} }}", mon.join("  "));
        }
        if prom {
            let _ = writeln!(s, "  extension prometheus");
        }
        if r.chance(50) {
            let _ = writeln!(
                s,
                "  extension istio {{ revision = \"asm-1-{}\"  ingress = {} }}",
                25 + r.below(4),
                r.pick(&["none", "external", "internal"])
            );
        }
        if r.chance(50) {
            let _ = writeln!(s, "  extension azure_policy");
        }
        if r.chance(60) {
            let _ = writeln!(
                s,
                "  extension flux\n  gitops \"apps\" {{\n    source = git(\"https://github.com/contoso/apps\", branch = \"main\")\n    kustomization \"base\" {{ path = \"./base\" }}\n    kustomization \"apps\" {{ path = \"./apps\"  depends_on = [\"base\"] }}\n  }}"
            );
        }
        let _ = writeln!(s, "}}");
        let _ = writeln!(
            s,
            "identity \"w{c}\" {{\n  federate \"apps/w{c}\" on cluster.c{c}"
        );
        if vaults > 0 {
            let _ = writeln!(s, "  grant \"Key Vault Secrets User\" on vault.kv0");
        }
        if store {
            let _ = writeln!(
                s,
                "  grant \"App Configuration Data Reader\" on appconfig.cfg"
            );
        }
        let _ = writeln!(s, "}}");
    }
    s
}

fn syntax_problems(text: &str) -> usize {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_bicep::LANGUAGE.into())
        .unwrap();
    let tree = parser.parse(text, None).unwrap();
    let mut n = 0;
    let mut cursor = tree.walk();
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        n += usize::from(node.is_error() || node.is_missing());
        stack.extend(node.children(&mut cursor));
    }
    n
}

/// Names a Bicep file declares twice, and property names an object has twice (compared without
/// case, as ARM compares them): the Bicep compiler or ARM rejects either.
fn collisions(text: &str) -> Vec<String> {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_bicep::LANGUAGE.into())
        .unwrap();
    let tree = parser.parse(text, None).unwrap();
    let name_of = |n: tree_sitter::Node| -> String {
        n.utf8_text(text.as_bytes())
            .unwrap()
            .trim_matches('\'')
            .to_lowercase()
    };
    let mut found = Vec::new();
    let root = tree.root_node();
    let mut cursor = root.walk();
    // Parameters, variables, resources and modules share one namespace; outputs have their own.
    let mut symbols = std::collections::HashSet::new();
    let mut outputs = std::collections::HashSet::new();
    for decl in root.named_children(&mut cursor) {
        let Some(id) = decl.named_child(0).filter(|n| n.kind() == "identifier") else {
            continue;
        };
        let set = match decl.kind() {
            "output_declaration" => &mut outputs,
            "parameter_declaration"
            | "variable_declaration"
            | "resource_declaration"
            | "module_declaration" => &mut symbols,
            _ => continue,
        };
        if !set.insert(name_of(id)) {
            found.push(format!("`{}` declared twice", name_of(id)));
        }
    }
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        let mut c = node.walk();
        if node.kind() == "object" {
            let mut keys = std::collections::HashSet::new();
            for prop in node.named_children(&mut c) {
                if prop.kind() == "object_property"
                    && let Some(key) = prop.named_child(0)
                    && !keys.insert(name_of(key))
                {
                    found.push(format!("property `{}` twice", name_of(key)));
                }
            }
        }
        let mut c = node.walk();
        stack.extend(node.named_children(&mut c));
    }
    found
}

/// Every name in every file of `artifacts` is unique; so is every parameter in the parameters
/// file, which JSON parsers would otherwise merge without a word.
fn assert_unique(what: &str, artifacts: &platc::Artifacts) {
    for (path, text) in artifacts {
        if path.ends_with(".bicep") {
            let c = collisions(text);
            assert!(c.is_empty(), "{what}: {path}: {c:?}");
        }
    }
    let params = &artifacts["main.parameters.json"];
    let mut seen = std::collections::HashSet::new();
    for line in params.lines().filter(|l| l.starts_with("    \"")) {
        assert!(
            seen.insert(line.to_lowercase()),
            "{what}: parameter {line} twice"
        );
    }
}

#[test]
fn collisions_are_found() {
    assert_eq!(collisions("param a string\nvar A = 1\n").len(), 1);
    assert_eq!(collisions("var a = { x: 1, 'X': 2 }\n").len(), 1);
    assert!(collisions("var a = { x: { x: 1 } }\noutput a int = 1\n").is_empty());
}

#[test]
fn every_name_platc_writes_is_unique() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut programs: Vec<(String, String)> = Vec::new();
    for dir in ["tests/fixtures", "examples"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap().flatten() {
            let p = e.path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let runs = dir == "examples" || name.starts_with("ok_") || name.starts_with('w');
            if runs && name.ends_with(".plat") {
                programs.push((name, std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    let mut r = Rng(0x5eed_cafe_f00d);
    for i in 0..60 {
        programs.push((format!("generated {i}"), platform(&mut r)));
    }
    for (i, p) in sharing_platforms().into_iter().enumerate() {
        programs.push((format!("sharing {i}"), p));
    }
    programs.push(("synthetic N=3".into(), platc::synth::platform(3)));
    let mut checked = 0;
    for (what, src) in programs {
        let mut sources = SourceMap::new();
        sources.add("p.plat", src);
        let result = compile(&sources, &Options::default());
        if result.has_errors() {
            // An example with imports is built by the examples' own tests.
            continue;
        }
        assert_unique(&what, &result.artifacts);
        checked += 1;
    }
    assert!(checked >= 70, "only {checked} programs built");
}

#[test]
fn random_platforms_build_into_bicep_that_parses() {
    let mut r = Rng(0x5eed_cafe_f00d);
    for i in 0..60 {
        let src = platform(&mut r);
        let mut sources = SourceMap::new();
        sources.add("gen.plat", src.clone());
        let result = compile(&sources, &Options::default());
        let errors: Vec<_> = result.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert!(
            errors.is_empty(),
            "platform {i}:\n{src}\n{}",
            platc::diag::render::human(&sources, &result.diagnostics, false)
        );
        assert!(result.artifacts.contains_key("main.bicep"));
        for (path, text) in &result.artifacts {
            if path.ends_with(".bicep") {
                assert_eq!(
                    syntax_problems(text),
                    0,
                    "platform {i}: {path} does not parse:\n{text}"
                );
            }
        }
    }
}

/// Platforms whose declarations share modules in every way: alike but for values, tables of
/// other lengths, extensions some clusters lack, identities federated with several clusters, Key
/// Vault references, per-environment values.
fn sharing_platforms() -> Vec<String> {
    let mut out = Vec::new();
    for n in [2, 3, 5] {
        out.push(platc::synth::platform(n));
    }
    let mut s = String::from(
        "platform \"share\" {\n  environments = [\"dev\", \"prod\"]\n  private_networking = false\n}\nlogs \"ops\" { }\nmetrics \"prom\" { }\n",
    );
    for c in 0..4 {
        let _ = writeln!(
            s,
            "cluster \"c{c}\" {{\n  kubernetes = \"1.33\"\n  pool \"system\" {{ vm_size = \"Standard_D4ds_v5\"  mode = system  count = {} }}\n  monitoring {{ logs = logs.ops  metrics = metrics.prom }}\n  extension flux\n  extension prometheus\n{}{}}}",
            2 + c,
            if c == 2 {
                ""
            } else {
                "  extension azure_policy\n"
            },
            if c == 3 {
                "  env \"prod\" { kubernetes = \"1.34\" }\n"
            } else {
                ""
            },
        );
    }
    for v in 0..3 {
        let _ = writeln!(s, "vault \"kv{v}\" {{ soft_delete_days = {} }}", 7 + v);
        for k in 0..v + 1 {
            let _ = writeln!(
                s,
                "secret \"s{v}-{k}\" in vault.kv{v} {{ value = secure(\"S_{v}_{k}\") }}"
            );
        }
    }
    for a in 0..3 {
        let _ = writeln!(s, "appconfig \"a{a}\" {{ }}");
        for k in 0..2 + a {
            let _ = writeln!(
                s,
                "config \"a{a}:k{k}\" in appconfig.a{a} {{ value = \"v{a}{k}\" }}"
            );
        }
        if a == 1 {
            let _ = writeln!(
                s,
                "config \"ref\" in appconfig.a1 {{ secret = secret.s0-0 }}"
            );
        }
    }
    for i in 0..4 {
        let _ = writeln!(
            s,
            "identity \"w{i}\" {{\n  federate \"ns{i}/app\" on cluster.c{}\n{}  grant \"Key Vault Secrets User\" on vault.kv0\n}}",
            i % 2,
            if i == 3 {
                "  federate \"ns3/other\" on cluster.c2\n"
            } else {
                ""
            },
        );
    }
    out.push(s);
    out
}

#[test]
fn sharing_from_differences_agrees_with_whole_modules() {
    let mut r = Rng(0x0dd5_ba1e_d5ee);
    let mut programs: Vec<String> = (0..30).map(|_| platform(&mut r)).collect();
    programs.extend(sharing_platforms());
    programs.push(std::fs::read_to_string("examples/platform.plat").expect("the seed platform"));
    for (i, src) in programs.iter().enumerate() {
        let mut sources = SourceMap::new();
        sources.add("gen.plat", src.clone());
        let by_diffs = compile(&sources, &Options::default());
        assert!(
            !by_diffs.has_errors(),
            "program {i}:\n{src}\n{}",
            platc::diag::render::human(&sources, &by_diffs.diagnostics, false)
        );
        let whole = compile(
            &sources,
            &Options {
                compare_whole_modules: true,
                ..Options::default()
            },
        );
        assert_eq!(
            by_diffs.artifacts.keys().collect::<Vec<_>>(),
            whole.artifacts.keys().collect::<Vec<_>>(),
            "program {i}"
        );
        for (file, text) in &by_diffs.artifacts {
            assert!(
                *text == whole.artifacts[file],
                "program {i}: {file} differs\n{src}"
            );
        }
    }
}
