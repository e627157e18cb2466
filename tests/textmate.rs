//! The TextMate grammar (editors/plat.tmLanguage.json) tokenises every example and fixture: each
//! character is whitespace or inside a token, and key constructs get the expected scopes. A small
//! TextMate-style matcher: at each position the earliest match wins, ties going to the first
//! pattern; `begin`/`end` patterns span to their end. fancy-regex supports the lookaheads
//! TextMate's Oniguruma does.

use fancy_regex::Regex;
use serde_json::Value;
use std::path::Path;

struct Rule {
    scope: String,
    re: Regex,
    end: Option<Regex>,
    inner: Vec<(String, Regex)>,
}

fn rules(g: &Value) -> Vec<Rule> {
    let mut out = Vec::new();
    for inc in g["patterns"].as_array().unwrap() {
        let key = inc["include"].as_str().unwrap().trim_start_matches('#');
        for p in g["repository"][key]["patterns"].as_array().unwrap() {
            let scope = p["name"].as_str().unwrap().to_string();
            if let Some(m) = p["match"].as_str() {
                out.push(Rule {
                    scope,
                    re: Regex::new(&format!("(?m){m}")).unwrap(),
                    end: None,
                    inner: Vec::new(),
                });
            } else {
                let inner = p["patterns"].as_array().map_or(Vec::new(), |ps| {
                    ps.iter()
                        .map(|q| {
                            (
                                q["name"].as_str().unwrap().to_string(),
                                Regex::new(q["match"].as_str().unwrap()).unwrap(),
                            )
                        })
                        .collect()
                });
                out.push(Rule {
                    scope,
                    re: Regex::new(p["begin"].as_str().unwrap()).unwrap(),
                    end: Some(Regex::new(&format!("(?m){}", p["end"].as_str().unwrap())).unwrap()),
                    inner,
                });
            }
        }
    }
    out
}

/// (scope, text) tokens of one line; panics on a character no rule covers.
fn tokenise(rules: &[Rule], line: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < line.len() {
        let rest = &line[at..];
        if rest.starts_with(char::is_whitespace) {
            at += rest.chars().next().unwrap().len_utf8();
            continue;
        }
        let best = rules
            .iter()
            .filter_map(|r| {
                r.re.find_from_pos(line, at)
                    .ok()
                    .flatten()
                    .map(|m| (m.start(), r, m.end()))
            })
            .filter(|(s, _, e)| *s == at && *e > at)
            .min_by_key(|(s, _, _)| *s);
        let Some((_, rule, mut end)) = best else {
            panic!("nothing matches at `{rest}` in `{line}`")
        };
        if let Some(close) = &rule.end {
            // Skip escapes (the inner patterns) while looking for the end.
            let mut pos = end;
            loop {
                if let Some(m) = rule
                    .inner
                    .iter()
                    .filter_map(|(_, re)| re.find_from_pos(line, pos).ok().flatten())
                    .filter(|m| m.start() == pos)
                    .max_by_key(|m| m.end())
                {
                    pos = m.end();
                    continue;
                }
                match close.find_from_pos(line, pos).ok().flatten() {
                    Some(m) if m.start() == pos => {
                        end = m.end();
                        break;
                    }
                    _ if pos >= line.len() => {
                        end = line.len();
                        break;
                    }
                    _ => pos += line[pos..].chars().next().unwrap().len_utf8(),
                }
            }
        }
        out.push((rule.scope.clone(), line[at..end].to_string()));
        at = end;
    }
    out
}

#[test]
fn the_grammar_tokenises_every_example() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let g: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("editors/plat.tmLanguage.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(g["scopeName"], "source.plat");
    let rules = rules(&g);
    let mut files = 0;
    for dir in ["examples", "examples/two-files", "tests/fixtures"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap().flatten() {
            if e.path().extension().is_some_and(|x| x == "plat") {
                for line in std::fs::read_to_string(e.path()).unwrap().lines() {
                    tokenise(&rules, line);
                }
                files += 1;
            }
        }
    }
    assert!(files > 30);
}

#[test]
fn key_constructs_get_their_scopes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let g: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("editors/plat.tmLanguage.json")).unwrap(),
    )
    .unwrap();
    let rules = rules(&g);
    let toks = tokenise(
        &rules,
        r#"cluster "main" { pod_cidr = 10.244.0.0/16  dns = 10.0.0.10  every = 2m  scale = 2..10  ok = true  logs = logs.ops  source = git("https://x\"y", branch = "main") } // note"#,
    );
    let scope_of = |text: &str| {
        toks.iter()
            .find(|(_, t)| t == text)
            .map(|(s, _)| s.as_str())
            .unwrap_or_else(|| panic!("no token `{text}` in {toks:?}"))
    };
    assert_eq!(scope_of("cluster"), "keyword.declaration.plat");
    assert_eq!(scope_of("\"main\""), "string.quoted.double.plat");
    assert_eq!(scope_of("pod_cidr"), "variable.other.property.plat");
    assert_eq!(scope_of("10.244.0.0/16"), "constant.numeric.cidr.plat");
    assert_eq!(scope_of("10.0.0.10"), "constant.numeric.ip.plat");
    assert_eq!(scope_of("2m"), "constant.numeric.duration.plat");
    assert_eq!(scope_of("2..10"), "constant.numeric.range.plat");
    assert_eq!(scope_of("true"), "constant.language.boolean.plat");
    assert_eq!(scope_of("logs.ops"), "variable.other.reference.plat");
    assert_eq!(scope_of("git"), "support.function.plat");
    assert_eq!(scope_of("\"https://x\\\"y\""), "string.quoted.double.plat");
    assert_eq!(scope_of("// note"), "comment.line.double-slash.plat");
    let doc = tokenise(&rules, "/// Docs.");
    assert_eq!(doc[0].0, "comment.line.documentation.plat");

    // A field named like a declaration kind is a field; the kind word starts a declaration only.
    let field = tokenise(&rules, "registry = registry.images");
    assert_eq!(
        field[0],
        (
            "variable.other.property.plat".to_string(),
            "registry".to_string()
        )
    );
    let decl = tokenise(&rules, "registry \"images\" { sku = premium }");
    assert_eq!(decl[0].0, "keyword.declaration.plat");
    // Only a CIDR range the checker accepts is scoped as one; so for addresses.
    for (text, scope) in [
        ("10.0.0.300/33", "invalid.illegal.cidr.plat"),
        ("10.0.0.0/33", "invalid.illegal.cidr.plat"),
        ("256.1.1.1/8", "invalid.illegal.cidr.plat"),
        ("10.0.0.0/32", "constant.numeric.cidr.plat"),
        ("255.255.255.0/24", "constant.numeric.cidr.plat"),
        ("10.0.0.300", "invalid.illegal.ip.plat"),
        ("10.0.0.255", "constant.numeric.ip.plat"),
    ] {
        let toks = tokenise(&rules, &format!("prefix = {text}"));
        assert_eq!(toks[2], (scope.to_string(), text.to_string()), "{toks:?}");
    }
}

/// Every kind the language declares is a declaration keyword, and a field or map key that only
/// begins like one (`appconfig-private = ...`) is not.
#[test]
fn every_declaration_kind_is_a_keyword_and_only_a_whole_word_is() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/plat.tmLanguage.json"),
    )
    .unwrap();
    let g: Value = serde_json::from_str(&text).unwrap();
    let rule = g["repository"]["declarations"]["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "keyword.declaration.plat")
        .unwrap();
    let re = Regex::new(&format!("(?m){}", rule["match"].as_str().unwrap())).unwrap();
    for kind in platc::schema::TOP_LEVEL.iter() {
        let line = format!("{} \"x\" {{ }}", kind.name);
        assert!(
            re.is_match(&line).unwrap(),
            "`{}` is not a keyword",
            kind.name
        );
        let key = format!("  {}-private = \"why\"", kind.name);
        assert!(!re.is_match(&key).unwrap(), "`{key}` starts with a keyword");
    }
}
