//! Completion from the text before the cursor. While the user types, the statement under the
//! cursor rarely parses, so the context (which block the cursor is in, what the line says so far)
//! is read from the raw text; declared names come from the program's current and last good trees.
//! Each completion replaces exactly the text typed so far of what it completes (`logs.` before
//! `logs.ops`, `Key` inside `grant "Key`), and only completions that text begins are offered.

use super::Analysis;
use crate::schema::{self, Kind, LabelRule, Ty};
use crate::source::FileId;
use crate::syntax::ast::{self, Statement};
use std::ops::Range;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub label: String,
    /// `keyword` (a kind), `field`, `value` (enum word, function), `reference` or `snippet`.
    pub kind: &'static str,
    pub detail: String,
    pub insert: String,
    /// The bytes of the text the completion replaces: what was typed of it before the cursor.
    pub replace: Range<usize>,
    /// `insert` is a snippet with `${1:placeholders}`.
    pub snippet: bool,
}

fn item(
    label: impl Into<String>,
    kind: &'static str,
    detail: impl Into<String>,
    insert: impl Into<String>,
) -> Completion {
    Completion {
        label: label.into(),
        kind,
        detail: detail.into(),
        insert: insert.into(),
        replace: 0..0,
        snippet: false,
    }
}

/// An open block around the cursor: its head (`cluster "main"`, `pool "apps"`, or `=` for a
/// value's brackets) and where its brace is.
struct Open {
    head: String,
    at: usize,
}

/// The blocks enclosing the end of `text`, outermost first, read from the text: braces outside
/// strings and comments.
fn enclosing(text: &str) -> Vec<Open> {
    let mut stack: Vec<Open> = Vec::new();
    let mut head_start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = skip_string(bytes, i),
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
                let head = if is_value { "=".into() } else { head };
                stack.push(Open { head, at: i });
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

/// The index of the closing quote of the string opening at `i` (or of the line's end).
fn skip_string(bytes: &[u8], mut i: usize) -> usize {
    i += 1;
    while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
        i += if bytes[i] == b'\\' { 2 } else { 1 };
    }
    i.min(bytes.len())
}

/// The fields set and the blocks written directly in the block whose brace is at `open`: words
/// followed by `=` or, through a label, by `{`, outside any nested bracket, string or comment.
fn set_fields(text: &str, open: usize) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let (mut depth, mut i) = (0usize, open + 1);
    let mut word: Option<Range<usize>> = None;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'"' => i = skip_string(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'{' if depth == 0 => {
                out.extend(word.take().map(|w| &text[w]));
                depth += 1;
            }
            b'{' | b'[' | b'(' => depth += 1,
            b'}' | b']' | b')' if depth == 0 => break,
            b'}' | b']' | b')' => depth -= 1,
            b'=' if depth == 0 => out.extend(word.take().map(|w| &text[w])),
            _ if is_word(b) => {
                let start = i;
                while i < bytes.len() && is_word(bytes[i]) {
                    i += 1;
                }
                word = Some(start..i);
                continue;
            }
            _ if b.is_ascii_whitespace() => {}
            _ => word = None,
        }
        i += 1;
    }
    out
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// The schema of the innermost block, following the enclosing heads from the top level: `None`
/// inside a value, `Some(None)` at the top level.
fn schema_of(heads: &[Open]) -> Option<Option<&'static Kind>> {
    let mut kind: Option<&'static Kind> = None;
    for open in heads {
        let word = open.head.split_whitespace().next().unwrap_or_default();
        if open.head == "=" {
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
            let Statement::Block(b) = st else { continue };
            let Some(l) = &b.label else { continue };
            let item = (b.kind.name.as_str().to_owned(), l.text.as_str().to_owned());
            if !out.contains(&item) {
                out.push(item);
            }
            if b.kind.name != "network" {
                continue;
            }
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
    };
    a.trees.iter().for_each(|t| add(t));
    if let Some(trees) = &a.last_good {
        trees.iter().for_each(|t| add(t));
    }
    out
}

fn refs_of(a: &Analysis, kinds: &[&str]) -> Vec<Completion> {
    declared(a)
        .into_iter()
        .filter(|(k, _)| kinds.contains(&k.as_str()))
        .map(|(k, n)| {
            item(
                format!("{k}.{n}"),
                "reference",
                format!("{k} `{n}`"),
                format!("{k}.{n}"),
            )
        })
        .collect()
}

fn values_for(a: &Analysis, ty: &Ty) -> Vec<Completion> {
    let value = |label: &str, detail: &str| item(label, "value", detail, label);
    let call = |name: &str, snippet: &str, detail: &str| Completion {
        snippet: true,
        ..item(name, "value", detail, snippet)
    };
    match ty {
        Ty::Enum(vals) => vals.iter().map(|v| value(v, "")).collect(),
        Ty::Bool => vec![value("true", ""), value("false", "")],
        Ty::Ref(kinds) => refs_of(a, kinds),
        Ty::SubnetRef => declared(a)
            .into_iter()
            .filter(|(k, _)| k == "subnet")
            .map(|(_, n)| {
                item(
                    format!("network.{n}"),
                    "reference",
                    "subnet",
                    format!("network.{n}"),
                )
            })
            .collect(),
        Ty::StrOrEnv => vec![call(
            "env(\"NAME\")",
            "env(\"${1:NAME}\")",
            "read from the azd environment",
        )],
        Ty::Secure => vec![call(
            "secure(\"NAME\")",
            "secure(\"${1:NAME}\")",
            "a secure parameter from the azd environment",
        )],
        Ty::GitopsSource => vec![
            call(
                "git(\"URL\", branch = \"main\")",
                "git(\"${1:https://}\", branch = \"${2:main}\")",
                "a Git repository",
            ),
            call(
                "blob(storage.NAME, container = \"NAME\")",
                "blob(${1:storage.NAME}, container = \"${2:NAME}\")",
                "a storage container",
            ),
        ],
        _ => Vec::new(),
    }
}

/// A new block of `kind` with its name, qualifier and required fields to fill in.
fn block_snippet(kind: &Kind) -> Completion {
    let mut n = 0;
    let mut next = |placeholder: &str| {
        n += 1;
        format!("${{{n}:{placeholder}}}")
    };
    let mut head = kind.name.to_string();
    if kind.label == LabelRule::Required {
        head.push_str(&format!(" \"{}\"", next("name")));
    }
    if let Some((word, ty)) = kind.qualifier {
        let target = match ty {
            Ty::Ref(kinds) => format!("{}.NAME", kinds[0]),
            _ => "TARGET".into(),
        };
        head.push_str(&format!(" {word} {}", next(&target)));
    }
    let fields: Vec<String> = kind
        .fields
        .iter()
        .filter(|f| f.required)
        .map(|f| format!("\n\t{} = {}", f.name, next(&placeholder(&f.ty))))
        .collect();
    let insert = format!("{head} {{{}\n\t$0\n}}", fields.concat());
    Completion {
        snippet: true,
        ..item(
            format!("{} {{ … }}", kind.name),
            "snippet",
            format!("a new {} with its required fields", kind.name),
            insert,
        )
    }
}

/// What a required field's placeholder says: an example of its type.
fn placeholder(ty: &Ty) -> String {
    match ty {
        Ty::Enum(vals) => vals[0].to_string(),
        Ty::Ref(kinds) => format!("{}.NAME", kinds[0]),
        Ty::Secure => "secure(\"NAME\")".into(),
        Ty::GitopsSource => "git(\"https://\", branch = \"main\")".into(),
        Ty::List(Ty::Cidr) => "[10.0.0.0/16]".into(),
        Ty::Cidr => "10.0.0.0/24".into(),
        Ty::StrOrEnv | Ty::Str => "\"\"".into(),
        other => other.describe(),
    }
}

/// The start of the word before `offset` (letters, digits, `_`, `-`, and `.` with `dots`).
fn word_start(text: &str, offset: usize, dots: bool) -> usize {
    let bytes = text.as_bytes();
    let mut i = offset;
    while i > 0 && (is_word(bytes[i - 1]) || (dots && bytes[i - 1] == b'.')) {
        i -= 1;
    }
    i
}

/// Completions at `offset` of `file`, each replacing the text typed so far.
pub fn complete(a: &Analysis, file: FileId, offset: usize) -> Vec<Completion> {
    let text = a.text(file);
    let offset = offset.min(text.len());
    let (items, from) = candidates(a, text, offset);
    let typed = text[from..offset].to_ascii_lowercase();
    items
        .into_iter()
        .filter(|c| {
            let key = if c.snippet && c.kind == "snippet" {
                &c.label
            } else {
                &c.insert
            };
            key.to_ascii_lowercase().starts_with(&typed)
        })
        .map(|c| Completion {
            replace: from..offset,
            ..c
        })
        .collect()
}

/// What may be typed at `offset`, and where the text it replaces starts.
fn candidates(a: &Analysis, text: &str, offset: usize) -> (Vec<Completion>, usize) {
    let before = &text[..offset];
    // The statement being typed: since the last line break or brace.
    let line_start = before.rfind(['\n', '{', '}']).map_or(0, |i| i + 1);
    let line = &before[line_start..];
    let trimmed = line.trim_start();
    let heads = enclosing(before);
    let none = (Vec::new(), offset);
    let Some(kind) = schema_of(&heads) else {
        return none;
    };
    // `key = |`: the values the field takes (after other fields on the same line, too).
    if let Some((head, rest)) = trimmed.rsplit_once('=') {
        if rest.trim_start().contains(' ') {
            return none;
        }
        let key = head.trim_end().rsplit(' ').next().unwrap_or_default();
        let values = kind
            .and_then(|k| k.field(key))
            .map_or(Vec::new(), |f| values_for(a, &f.ty));
        return (values, word_start(text, offset, true));
    }
    let words: Vec<&str> = trimmed.split_whitespace().collect();
    let ends_in_space = line.ends_with(' ');
    if let Some(first) = words.first() {
        let nested = match kind {
            None => schema::top_level(first),
            Some(k) => k.block(first),
        };
        if let Some(block) = nested
            && (words.len() > 1 || ends_in_space)
        {
            return match after_kind(a, block, trimmed, &words, ends_in_space) {
                Some((items, Some(InString))) => {
                    let quote = line_start + line.rfind('"').unwrap_or(0) + 1;
                    (items, quote)
                }
                Some((items, _)) => (items, word_start(text, offset, true)),
                None => none,
            };
        }
    }
    if words.len() > 1 || (words.len() == 1 && ends_in_space) {
        return none;
    }
    let open = heads.last().map(|o| o.at);
    (
        statement_start(
            kind,
            open.map_or(Vec::new(), |o| set_fields(text, o)),
            &heads,
        ),
        word_start(text, offset, false),
    )
}

struct InString;

/// After a block's kind word: `grant "|` (roles), `federate ... on |`, `secret ... in |`,
/// `extension |`. `Some(_, InString)` when the completion is inside the quotes.
fn after_kind(
    a: &Analysis,
    block: &Kind,
    trimmed: &str,
    words: &[&str],
    ends_in_space: bool,
) -> Option<(Vec<Completion>, Option<InString>)> {
    let qualifier_next = words.len() >= 2
        && (ends_in_space && matches!(words.last(), Some(&"on") | Some(&"in"))
            || (!ends_in_space
                && words.len() >= 3
                && matches!(words[words.len() - 2], "on" | "in")));
    if qualifier_next && let Some((_, ty)) = block.qualifier {
        return Some((values_for(a, &ty), None));
    }
    if block.name == "extension"
        && (words.len() == 1 && ends_in_space || words.len() == 2 && !ends_in_space)
    {
        let items = schema::EXTENSIONS
            .iter()
            .map(|e| item(*e, "value", "extension", *e))
            .collect();
        return Some((items, None));
    }
    if block.name == "grant" && trimmed.starts_with("grant \"") && !trimmed[7..].contains('"') {
        let items = crate::azure::role_names()
            .map(|r| item(r, "value", "built-in role", r))
            .collect();
        return Some((items, Some(InString)));
    }
    None
}

/// The start of a statement: the fields not yet set and the blocks of the enclosing kind, or
/// the top-level kinds, each also as a snippet of a new block with its required fields.
fn statement_start(kind: Option<&'static Kind>, set: Vec<&str>, heads: &[Open]) -> Vec<Completion> {
    let Some(k) = kind else {
        let mut out: Vec<Completion> = schema::TOP_LEVEL
            .iter()
            .map(|k| item(k.name, "keyword", k.doc, k.name))
            .collect();
        out.extend(schema::TOP_LEVEL.iter().map(|k| block_snippet(k)));
        return out;
    };
    let mut out: Vec<Completion> = k
        .fields
        .iter()
        .filter(|f| !set.contains(&f.name))
        .map(|f| {
            item(
                f.name,
                "field",
                format!("{} — {}", f.ty.describe(), f.doc),
                format!("{} = ", f.name),
            )
        })
        .collect();
    // A block that may appear once is not offered again.
    let open = |b: &&Kind| b.repeat || !set.contains(&b.name);
    out.extend(
        k.blocks
            .iter()
            .filter(open)
            .map(|b| item(b.name, "keyword", b.doc, b.name)),
    );
    let worth_a_snippet =
        |b: &&Kind| b.label == LabelRule::Required || b.fields.iter().any(|f| f.required);
    out.extend(
        k.blocks
            .iter()
            .filter(open)
            .filter(worth_a_snippet)
            .map(block_snippet),
    );
    if !heads.iter().any(|o| o.head.starts_with("env")) {
        out.push(item(
            "env",
            "keyword",
            "values for one environment",
            "env \"",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(src: &str) -> Vec<String> {
        let offset = src.find('|').unwrap();
        let text = src.replace('|', "");
        let a = Analysis::of_text("t.plat", &text);
        complete(&a, 0, offset)
            .into_iter()
            .filter(|c| !c.snippet || c.kind != "snippet")
            .map(|c| c.label)
            .collect()
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

    /// The text after accepting the first completion whose label is `label`.
    fn accept(src: &str, label: &str) -> String {
        let offset = src.find('|').unwrap();
        let text = src.replace('|', "");
        let a = Analysis::of_text("t.plat", &text);
        let c = complete(&a, 0, offset)
            .into_iter()
            .find(|c| c.label == label)
            .unwrap_or_else(|| panic!("no `{label}` at {src}"));
        format!(
            "{}{}{}",
            &text[..c.replace.start],
            c.insert,
            &text[c.replace.end..]
        )
    }

    #[test]
    fn completions_replace_what_was_typed_of_them() {
        let logs = "logs \"ops\" { }\ncluster \"c\" {\n  monitoring {\n    logs = logs.|\n  }\n}\n";
        assert!(accept(logs, "logs.ops").contains("logs = logs.ops\n"));
        let role = "vault \"kv\" { }\nidentity \"i\" {\n  grant \"Key Vault Sec|\n}\n";
        assert!(
            accept(role, "Key Vault Secrets User").contains("grant \"Key Vault Secrets User\n")
        );
        let sku = "registry \"r\" { sku = prem| }\n";
        assert_eq!(accept(sku, "premium"), "registry \"r\" { sku = premium }\n");
        let field = "logs \"l\" {\n  ret|\n}\n";
        assert_eq!(
            accept(field, "retention_days"),
            "logs \"l\" {\n  retention_days = \n}\n"
        );
    }

    #[test]
    fn completions_are_filtered_by_what_was_typed_and_what_is_set() {
        assert_eq!(at("registry \"r\" { sku = s| }\n"), ["standard"]);
        let fields = at("logs \"l\" {\n  retention_days = 30\n  |\n}\n");
        assert!(
            !fields.contains(&"retention_days".to_string()),
            "{fields:?}"
        );
        let fields = at("logs \"l\" {\n  retention_days = 30\n  r|\n}\n");
        assert!(fields.iter().all(|f| f.starts_with('r')), "{fields:?}");
        assert!(
            at("cluster \"c\" {\n  pool \"p\" { vm_size = \"x\" }\n  |\n}\n")
                .contains(&"pool".to_string())
        );
    }

    #[test]
    fn snippets_hold_the_required_fields() {
        let a = Analysis::of_text("t.plat", "\n");
        let all = complete(&a, 0, 0);
        let secret = all.iter().find(|c| c.label == "secret { … }").unwrap();
        assert!(secret.snippet);
        assert_eq!(
            secret.insert,
            "secret \"${1:name}\" in ${2:vault.NAME} {\n\tvalue = ${3:secure(\"NAME\")}\n\t$0\n}"
        );
        let network = all.iter().find(|c| c.label == "network { … }").unwrap();
        assert!(
            network
                .insert
                .contains("address_space = ${2:[10.0.0.0/16]}"),
            "{}",
            network.insert
        );
    }

    #[test]
    fn a_block_that_may_appear_once_is_not_offered_twice() {
        let blocks = at(
            "cluster \"c\" {\n  monitoring { logs = logs.ops }\n  pool \"p\" { vm_size = \"x\" }\n  |\n}\n",
        );
        assert!(!blocks.contains(&"monitoring".to_string()), "{blocks:?}");
        assert!(blocks.contains(&"pool".to_string()), "{blocks:?}");
        assert!(at("cluster \"c\" {\n  |\n}\n").contains(&"monitoring".to_string()));
    }
}
