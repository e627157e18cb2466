//! Completion from the text before the cursor. While the user types, the statement under the
//! cursor rarely parses, so the context (which block the cursor is in, what the line says so far)
//! is read from the raw text; declared names come from the current and the last good tree.

use super::Analysis;
use crate::schema::{self, Kind, Ty};
use crate::syntax::ast::{self, Statement};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub label: String,
    /// `keyword` (a kind), `field`, `value` (enum word, function) or `reference`.
    pub kind: &'static str,
    pub detail: String,
    pub insert: String,
}

/// The heads of the blocks enclosing `offset` (`cluster "main"`, `pool "apps"`), outermost first,
/// read from the text: braces outside strings and comments.
fn enclosing(text: &str) -> Vec<String> {
    let mut stack: Vec<String> = Vec::new();
    let mut head_start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                head_start = i;
                continue;
            }
            b'{' | b'[' | b'(' => {
                // The statement head is the text since the last line break or brace.
                let head = text[head_start..i].trim().to_string();
                let is_value = head.contains('=') || bytes[i] != b'{';
                stack.push(if is_value { "=".into() } else { head });
                head_start = i + 1;
            }
            b'}' | b']' | b')' => {
                stack.pop();
                head_start = i + 1;
            }
            b'\n' => head_start = i + 1,
            _ => {}
        }
        i += 1;
    }
    stack
}

/// The schema of the innermost block, following the enclosing heads from the top level.
fn schema_of(heads: &[String]) -> Option<Option<&'static Kind>> {
    let mut kind: Option<&'static Kind> = None;
    for head in heads {
        let word = head.split_whitespace().next().unwrap_or_default();
        if head == "=" {
            return None;
        }
        kind = match kind {
            None => Some(schema::top_level(word)?),
            Some(k) if word == "env" => Some(k),
            Some(k) => Some(k.block(word)?),
        };
    }
    Some(kind)
}

fn declared(a: &Analysis) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut add = |f: &ast::File| {
        for st in &f.statements {
            if let Statement::Block(b) = st
                && let Some(l) = &b.label
            {
                let item = (b.kind.name.as_str().to_owned(), l.text.as_str().to_owned());
                if !out.contains(&item) {
                    out.push(item);
                }
                if b.kind.name == "network" {
                    for s in b.statements() {
                        if let Statement::Block(sb) = s
                            && let Some(sl) = &sb.label
                        {
                            let sub = ("subnet".to_string(), format!("{}.{}", l.text, sl.text));
                            if !out.contains(&sub) {
                                out.push(sub);
                            }
                        }
                    }
                }
            }
        }
    };
    add(&a.ast);
    if let Some((f, _)) = &a.last_good {
        add(f);
    }
    out
}

fn refs_of(a: &Analysis, kinds: &[&str]) -> Vec<Completion> {
    declared(a)
        .into_iter()
        .filter(|(k, _)| kinds.contains(&k.as_str()))
        .map(|(k, n)| Completion {
            label: format!("{k}.{n}"),
            kind: "reference",
            detail: format!("{k} `{n}`"),
            insert: format!("{k}.{n}"),
        })
        .collect()
}

fn values_for(a: &Analysis, ty: &Ty) -> Vec<Completion> {
    let value = |label: &str, detail: &str| Completion {
        label: label.to_string(),
        kind: "value",
        detail: detail.to_string(),
        insert: label.to_string(),
    };
    match ty {
        Ty::Enum(vals) => vals.iter().map(|v| value(v, "")).collect(),
        Ty::Bool => vec![value("true", ""), value("false", "")],
        Ty::Ref(kinds) => refs_of(a, kinds),
        Ty::SubnetRef => declared(a)
            .into_iter()
            .filter(|(k, _)| k == "subnet")
            .map(|(_, n)| Completion {
                label: format!("network.{n}"),
                kind: "reference",
                detail: "subnet".into(),
                insert: format!("network.{n}"),
            })
            .collect(),
        Ty::StrOrEnv => vec![value("env(\"NAME\")", "read from the azd environment")],
        Ty::Secure => vec![value(
            "secure(\"NAME\")",
            "a secure parameter from the azd environment",
        )],
        Ty::GitopsSource => vec![
            value("git(\"https://\", branch = \"main\")", "a Git repository"),
            value(
                "blob(storage.NAME, container = \"NAME\")",
                "a storage container",
            ),
        ],
        _ => Vec::new(),
    }
}

/// Completions at `offset` of the analysed document.
pub fn complete(a: &Analysis, offset: usize) -> Vec<Completion> {
    let text = a.text();
    let offset = offset.min(text.len());
    let before = &text[..offset];
    // The statement being typed: since the last line break or brace.
    let line = &before[before.rfind(['\n', '{', '}']).map_or(0, |i| i + 1)..];
    let trimmed = line.trim_start();
    let heads = enclosing(before);
    let Some(kind) = schema_of(&heads) else {
        return Vec::new();
    };

    // `key = |`: the values the field takes (after other fields on the same line, too).
    if let Some((head, rest)) = trimmed.rsplit_once('=') {
        if rest.trim_start().contains(' ') {
            return Vec::new();
        }
        let key = head.trim_end().rsplit(' ').next().unwrap_or_default();
        return kind
            .and_then(|k| k.field(key))
            .map_or(Vec::new(), |f| values_for(a, &f.ty));
    }
    let words: Vec<&str> = trimmed.split_whitespace().collect();
    let ends_in_space = line.ends_with(' ');
    // `grant "|` and `federate ... on |`, `secret ... in |`, `extension |`.
    if let Some(first) = words.first() {
        let nested = match kind {
            None => schema::top_level(first),
            Some(k) => k.block(first),
        };
        if let Some(block) = nested {
            let qualifier_next = words.len() >= 2
                && (ends_in_space && matches!(words.last(), Some(&"on") | Some(&"in"))
                    || (!ends_in_space
                        && words.len() >= 3
                        && matches!(words[words.len() - 2], "on" | "in")));
            if qualifier_next && let Some((_, ty)) = block.qualifier {
                return values_for(a, &ty);
            }
            if block.name == "extension"
                && (words.len() == 1 && ends_in_space || words.len() == 2 && !ends_in_space)
            {
                return schema::EXTENSIONS
                    .iter()
                    .map(|e| Completion {
                        label: e.to_string(),
                        kind: "value",
                        detail: "extension".into(),
                        insert: e.to_string(),
                    })
                    .collect();
            }
            if block.name == "grant"
                && trimmed.starts_with("grant \"")
                && !trimmed[7..].contains('"')
            {
                return crate::azure::role_names()
                    .map(|r| Completion {
                        label: r.to_string(),
                        kind: "value",
                        detail: "built-in role".into(),
                        insert: r.to_string(),
                    })
                    .collect();
            }
            if words.len() > 1 || ends_in_space {
                return Vec::new();
            }
        }
    }
    if words.len() > 1 || (words.len() == 1 && ends_in_space) {
        return Vec::new();
    }
    // The start of a statement: fields and blocks of the enclosing kind, or the top-level kinds.
    match kind {
        None => schema::TOP_LEVEL
            .iter()
            .map(|k| Completion {
                label: k.name.to_string(),
                kind: "keyword",
                detail: k.doc.to_string(),
                insert: k.name.to_string(),
            })
            .collect(),
        Some(k) => {
            let mut out: Vec<Completion> = k
                .fields
                .iter()
                .map(|f| Completion {
                    label: f.name.to_string(),
                    kind: "field",
                    detail: format!("{} — {}", f.ty.describe(), f.doc),
                    insert: format!("{} = ", f.name),
                })
                .collect();
            out.extend(k.blocks.iter().map(|b| Completion {
                label: b.name.to_string(),
                kind: "keyword",
                detail: b.doc.to_string(),
                insert: b.name.to_string(),
            }));
            if !heads.is_empty()
                && schema::top_level(heads[0].split_whitespace().next().unwrap_or_default())
                    .is_some()
            {
                out.push(Completion {
                    label: "env".into(),
                    kind: "keyword",
                    detail: "values for one environment".into(),
                    insert: "env \"".into(),
                });
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(src: &str) -> Vec<String> {
        let offset = src.find('|').unwrap();
        let text = src.replace('|', "");
        let mut none = |_: &std::path::Path| Err(std::io::Error::other("no imports here"));
        let a = Analysis::new("t.plat", &text, &mut none, None);
        complete(&a, offset).into_iter().map(|c| c.label).collect()
    }

    #[test]
    fn completes_by_context() {
        assert!(at("|").contains(&"cluster".to_string()));
        let fields = at("vault \"kv\" {\n  |\n}\n");
        assert!(
            fields.contains(&"purge_protection".to_string()) && fields.contains(&"env".to_string())
        );
        assert_eq!(
            at("registry \"r\" {\n  sku = |\n}\n"),
            ["basic", "standard", "premium"]
        );
        assert_eq!(
            at("registry \"r\" { sku = |prem }\n"),
            ["basic", "standard", "premium"]
        );
        assert_eq!(
            at("pool \"p\" { vm_size = \"x\"  mode = | }"),
            Vec::<String>::new(),
            "no pool at the top level"
        );
        assert_eq!(
            at("cluster \"c\" { pool \"p\" { vm_size = \"x\"  mode = | } }"),
            ["system", "user"]
        );
        let refs = at("logs \"ops\" { }\ncluster \"c\" {\n  monitoring {\n    logs = |\n  }\n}\n");
        assert_eq!(refs, ["logs.ops"]);
        assert!(at("cluster \"c\" {\n  extension |\n}\n").contains(&"istio".to_string()));
        assert_eq!(at("vault \"kv\" { }\nsecret \"s\" in |"), ["vault.kv"]);
        assert!(
            at("identity \"i\" {\n  grant \"Key|\n}\n")
                .contains(&"Key Vault Secrets User".to_string())
        );
        // After a broken statement, declarations from elsewhere in the file still complete.
        assert_eq!(
            at("appconfig \"a\" { }\nsecret \"s\" in vault.kv { value = }\nconfig \"c\" in |"),
            ["appconfig.a"]
        );
    }
}
