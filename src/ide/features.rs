//! The editor's other views of a file: semantic tokens, folding and selection ranges, links to
//! imported files, workspace symbols, signature help for the functions, and inlay hints for what
//! the source does not show (the Azure name a declaration deploys as, the value each environment
//! gets).

use super::{Analysis, Symbol, block_schema, overrides};
use crate::schema::{self, Kind};
use crate::source::{FileId, Span};
use crate::syntax::ast::{self, Statement, ValueKind};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// Token types and modifiers, in the order their indices name them.
const TYPES: &[&str] = &[
    "keyword",
    "class",
    "property",
    "enumMember",
    "function",
    "variable",
    "string",
    "number",
    "comment",
];
const MODIFIERS: &[&str] = &["declaration", "documentation"];

pub fn legend() -> Value {
    json!({ "tokenTypes": TYPES, "tokenModifiers": MODIFIERS })
}

pub struct Token {
    pub span: Span,
    /// An index into `TYPES`.
    pub kind: u32,
    /// Bits of `MODIFIERS`.
    pub modifiers: u32,
}

fn ty(name: &str) -> u32 {
    TYPES.iter().position(|t| *t == name).unwrap_or(0) as u32
}

fn value_tokens(v: &ast::Value, out: &mut Vec<Token>) {
    let mut push = |span, name| {
        out.push(Token {
            span,
            kind: ty(name),
            modifiers: 0,
        })
    };
    match &v.kind {
        ValueKind::Str(_) => push(v.span, "string"),
        ValueKind::Int(_)
        | ValueKind::Duration { .. }
        | ValueKind::Cidr(_)
        | ValueKind::Ip(_)
        | ValueKind::Range(..) => push(v.span, "number"),
        ValueKind::Bool(_) => push(v.span, "keyword"),
        ValueKind::Word(_) => push(v.span, "enumMember"),
        ValueKind::Ref(parts) => parts.iter().for_each(|p| push(p.span, "variable")),
        ValueKind::List(items) => items.iter().for_each(|i| value_tokens(i, out)),
        ValueKind::Map(entries) => {
            for (k, v) in entries {
                out.push(Token {
                    span: k.span,
                    kind: ty("property"),
                    modifiers: 0,
                });
                value_tokens(v, out);
            }
        }
        ValueKind::Call { name, args } => {
            push(name.span, "function");
            for a in args {
                if let Some(n) = &a.name {
                    out.push(Token {
                        span: n.span,
                        kind: ty("property"),
                        modifiers: 0,
                    });
                }
                value_tokens(&a.value, out);
            }
        }
    }
}

fn statement_tokens(stmts: &[Statement], top: bool, out: &mut Vec<Token>) {
    for st in stmts {
        match st {
            Statement::Attribute(a) => {
                out.push(Token {
                    span: a.key.span,
                    kind: ty("property"),
                    modifiers: 0,
                });
                value_tokens(&a.value, out);
            }
            Statement::Block(b) => {
                out.push(Token {
                    span: b.kind.span,
                    kind: ty("keyword"),
                    modifiers: 0,
                });
                if let Some(l) = &b.label {
                    let (kind, modifiers) = if top && b.kind.name != "import" {
                        ("class", 1)
                    } else {
                        ("string", 0)
                    };
                    out.push(Token {
                        span: l.span,
                        kind: ty(kind),
                        modifiers,
                    });
                }
                for q in &b.qualifiers {
                    out.push(Token {
                        span: q.keyword.span,
                        kind: ty("keyword"),
                        modifiers: 0,
                    });
                    value_tokens(&q.value, out);
                }
                statement_tokens(b.statements(), false, out);
            }
        }
    }
}

/// The file's tokens in text order: kinds and keywords, declaration names, fields, values by
/// type, comments and doc comments.
pub fn semantic_tokens(a: &Analysis, file: FileId) -> Vec<Token> {
    let tree = &a.trees[file];
    let mut out = Vec::new();
    statement_tokens(&tree.statements, true, &mut out);
    for c in &tree.comments {
        out.push(Token {
            span: c.span,
            kind: ty("comment"),
            modifiers: 0,
        });
    }
    docs(&tree.statements, &mut |d| {
        // A doc comment spans lines; each line is a token of its own.
        let text = a.text(file);
        let mut at = d.start as usize;
        for line in text[d.range()].split('\n') {
            let trimmed = line.trim_end_matches('\r');
            let lead = trimmed.len() - trimmed.trim_start().len();
            let span = Span::new(file, at + lead, at + trimmed.len());
            out.push(Token {
                span,
                kind: ty("comment"),
                modifiers: 2,
            });
            at += line.len() + 1;
        }
    });
    out.sort_by_key(|t| (t.span.start, t.span.end));
    out.dedup_by(|b, a| b.span.start < a.span.end);
    out
}

fn docs(stmts: &[Statement], f: &mut dyn FnMut(Span)) {
    for st in stmts {
        match st {
            Statement::Attribute(a) => a.docs.iter().for_each(|d| f(d.span)),
            Statement::Block(b) => {
                b.docs.iter().for_each(|d| f(d.span));
                docs(b.statements(), f);
            }
        }
    }
}

/// What folds: every block's body and every doc comment (`true` for comments).
pub fn folding_ranges(a: &Analysis, file: FileId) -> Vec<(Span, bool)> {
    fn walk(stmts: &[Statement], out: &mut Vec<(Span, bool)>) {
        for st in stmts {
            if let Statement::Block(b) = st
                && let Some(body) = &b.body
            {
                // From the kind word: the doc comment above folds on its own.
                let from = b.kind.span.start as usize;
                out.push((
                    Span::new(body.span.file, from, body.span.end as usize),
                    false,
                ));
                walk(&body.statements, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(&a.trees[file].statements, &mut out);
    docs(&a.trees[file].statements, &mut |d| out.push((d, true)));
    out
}

fn contains(span: Span, offset: usize) -> bool {
    (span.start as usize) <= offset && offset <= span.end as usize
}

fn value_path(v: &ast::Value, offset: usize, out: &mut Vec<Span>) {
    if !contains(v.span, offset) {
        return;
    }
    out.push(v.span);
    match &v.kind {
        ValueKind::List(items) => items.iter().for_each(|i| value_path(i, offset, out)),
        ValueKind::Map(entries) => entries.iter().for_each(|(_, v)| value_path(v, offset, out)),
        ValueKind::Call { args, .. } => args.iter().for_each(|a| value_path(&a.value, offset, out)),
        ValueKind::Ref(parts) => {
            out.extend(parts.iter().map(|p| p.span).find(|s| contains(*s, offset)))
        }
        _ => {}
    }
}

/// The ranges around `offset`, outermost first: each enclosing block and its body, the statement,
/// the value and the part of it the cursor is on.
pub fn selection_ranges(a: &Analysis, file: FileId, offset: usize) -> Vec<Span> {
    let mut out = Vec::new();
    let mut stmts: &[Statement] = &a.trees[file].statements;
    while let Some(st) = stmts.iter().find(|s| contains(s.span(), offset)) {
        out.push(st.span());
        match st {
            Statement::Attribute(attr) => {
                if contains(attr.key.span, offset) {
                    out.push(attr.key.span);
                }
                value_path(&attr.value, offset, &mut out);
                break;
            }
            Statement::Block(b) => {
                let head = b.head_span();
                if contains(head, offset) {
                    out.push(head);
                    out.extend(
                        [Some(b.kind.span), b.label.as_ref().map(|l| l.span)]
                            .into_iter()
                            .flatten()
                            .find(|s| contains(*s, offset)),
                    );
                    break;
                }
                let Some(body) = &b.body else { break };
                out.push(body.span);
                stmts = &body.statements;
            }
        }
    }
    out.dedup();
    out
}

/// Each `import` of the file: the span of its path and the file it names.
pub fn import_links(a: &Analysis, file: FileId) -> Vec<(Span, PathBuf)> {
    let dir = Path::new(a.sources.name(file))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    crate::load::imports(&a.trees[file].statements)
        .into_iter()
        .map(|(target, span)| (span, crate::load::normalise(&dir.join(target))))
        .collect()
}

/// The file's declarations and nested blocks whose name holds `query` (ignoring case).
pub fn workspace_symbols(a: &Analysis, file: FileId, query: &str) -> Vec<Symbol> {
    fn flatten(symbols: Vec<Symbol>, container: &str, query: &str, out: &mut Vec<Symbol>) {
        for mut s in symbols {
            let children = std::mem::take(&mut s.children);
            let name = s.name.clone();
            if s.name.to_lowercase().contains(query) {
                s.detail = container.to_string();
                out.push(s);
            }
            flatten(children, &name, query, out);
        }
    }
    let mut out = Vec::new();
    flatten(super::symbols(a, file), "", &query.to_lowercase(), &mut out);
    out
}

/// The function call around the cursor and which of its parameters the cursor is at.
pub struct SignatureHelp {
    pub function: &'static schema::Function,
    pub active: u32,
}

/// Signature help at `offset`: read from the text, since a call being typed does not parse.
pub fn signature_help(text: &str, offset: usize) -> Option<SignatureHelp> {
    let before = &text[..offset.min(text.len())];
    let line = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
    // The innermost open parenthesis outside strings, and the commas after it.
    let mut opens: Vec<(usize, Vec<usize>)> = Vec::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'(' => opens.push((i, Vec::new())),
            b')' => {
                opens.pop();
            }
            b',' => {
                if let Some((_, commas)) = opens.last_mut() {
                    commas.push(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    let (open, commas) = opens.pop()?;
    let name_start = line[..open]
        .trim_end()
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let function = schema::function(line[name_start..open].trim_end())?;
    let current = line[commas.last().map_or(open + 1, |c| c + 1)..].trim_start();
    let params = function.params();
    let named = current.split_once('=').map(|(n, _)| n.trim());
    let active = match named {
        Some(n) => params
            .iter()
            .position(|(p, _)| p.split(' ').next() == Some(n)),
        None => Some(commas.len().min(params.len().saturating_sub(1))),
    };
    Some(SignatureHelp {
        function,
        active: active.unwrap_or(0) as u32,
    })
}

/// A hint shown at a byte offset after the text.
pub struct Hint {
    pub at: usize,
    pub label: String,
    pub tooltip: String,
}

fn field_hints(
    a: &Analysis,
    file: FileId,
    stmts: &[Statement],
    kind: &'static Kind,
    out: &mut Vec<Hint>,
) {
    let text = a.text(file);
    for st in stmts {
        match st {
            Statement::Attribute(attr) => {
                let envs = overrides(stmts, &attr.key.name);
                if envs.is_empty() {
                    continue;
                }
                let values: Vec<String> = envs
                    .iter()
                    .map(|(e, v)| format!("{e}: {}", &text[v.span.range()]))
                    .collect();
                out.push(Hint {
                    at: attr.value.span.end as usize,
                    label: values.join(", "),
                    tooltip: format!("`{}` in the environments that override it", attr.key.name),
                });
            }
            Statement::Block(b) if b.kind.name == "env" => {
                env_hints(a, file, b, stmts, kind, out);
            }
            Statement::Block(b) => {
                if let Some(k) = block_schema(Some(kind), b) {
                    field_hints(a, file, b.statements(), k, out);
                }
            }
        }
    }
}

/// In an `env` block, what each field overrides: the value outside the block, else the default.
fn env_hints(
    a: &Analysis,
    file: FileId,
    env: &ast::Block,
    siblings: &[Statement],
    kind: &'static Kind,
    out: &mut Vec<Hint>,
) {
    let text = a.text(file);
    for st in env.statements() {
        let Statement::Attribute(o) = st else {
            continue;
        };
        let outside = siblings.iter().find_map(|s| match s {
            Statement::Attribute(b) if b.key.name == o.key.name => {
                Some(text[b.value.span.range()].to_string())
            }
            _ => None,
        });
        let Some(base) = outside.or_else(|| {
            kind.field(&o.key.name)
                .and_then(|f| f.default)
                .map(str::to_string)
        }) else {
            continue;
        };
        out.push(Hint {
            at: o.value.span.end as usize,
            label: format!("else {base}"),
            tooltip: format!("the value of `{}` in every other environment", o.key.name),
        });
    }
}

/// Each top-level declaration's Azure name, after its name, and each field's value in the
/// environments that override it, after the value.
pub fn inlay_hints(a: &Analysis, file: FileId) -> Vec<Hint> {
    let mut out = Vec::new();
    for st in &a.trees[file].statements {
        let Statement::Block(b) = st else { continue };
        let Some(kind) = schema::top_level(&b.kind.name) else {
            continue;
        };
        if let Some(label) = &b.label
            && let Some(name) = super::azure_name(kind.name, &label.text)
        {
            out.push(Hint {
                at: label.span.end as usize,
                label: format!("→ {name}"),
                tooltip: "the Azure name it deploys as; <token> is unique to the subscription, environment and region".into(),
            });
        }
        field_hints(a, file, b.statements(), kind, &mut out);
    }
    out.sort_by_key(|h| h.at);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_help_follows_the_arguments() {
        let at = |src: &str| {
            let offset = src.find('|').unwrap();
            signature_help(&src.replace('|', ""), offset).map(|h| (h.function.name, h.active))
        };
        assert_eq!(at("  source = git(|"), Some(("git", 0)));
        assert_eq!(at("  source = git(\"https://x,y\", |"), Some(("git", 1)));
        assert_eq!(at("  source = git(\"u\", tag = \"v|"), Some(("git", 2)));
        assert_eq!(
            at("  source = blob(storage.s, container = \"c\", upload = |"),
            Some(("blob", 2))
        );
        assert_eq!(at("  value = env(\"A\", |"), Some(("env", 1)));
        assert_eq!(at("  value = env(\"A\")|"), None);
        assert_eq!(at("  value = nothing(|"), None);
        let git = schema::function("git").unwrap();
        assert_eq!(
            git.signature(),
            "git(URL, branch = \"...\", tag = \"...\", semver = \"...\", commit = \"...\")"
        );
    }

    #[test]
    fn inlay_hints_show_azure_names_and_environment_values() {
        let text = "vault \"kv\" {\n  purge_protection = false\n  env \"prod\" { purge_protection = true  soft_delete_days = 30 }\n}\n";
        let a = Analysis::of_text("t.plat", text);
        let hints: Vec<(usize, String)> = inlay_hints(&a, 0)
            .into_iter()
            .map(|h| (h.at, h.label))
            .collect();
        let name = crate::azure::NAME_VAULT.shown("kv");
        assert_eq!(
            hints[0],
            (text.find("\"kv\"").unwrap() + 4, format!("→ {name}"))
        );
        assert_eq!(
            hints[1],
            (text.find("false").unwrap() + 5, "prod: true".to_string())
        );
        assert_eq!(hints[2].1, "else false");
        let default = schema::VAULT
            .field("soft_delete_days")
            .unwrap()
            .default
            .unwrap();
        assert_eq!(hints[3].1, format!("else {default}"));
    }

    #[test]
    fn hover_on_a_function_shows_its_parameters() {
        let text =
            "cluster \"c\" {\n  gitops {\n    source = git(\"https://x\", tag = \"v1\")\n  }\n}\n";
        let a = Analysis::of_text("t.plat", text);
        let md = super::super::hover(&a, 0, text.find("git(").unwrap() + 1).unwrap();
        assert!(md.starts_with("**`git(URL, branch = \"...\""), "{md}");
        assert!(
            md.contains("- `tag = \"...\"`: a tag instead of a branch"),
            "{md}"
        );
    }

    #[test]
    fn selection_grows_from_the_word_to_the_declaration() {
        let text = "cluster \"c\" {\n  monitoring { logs = logs.ops }\n}\n";
        let a = Analysis::of_text("t.plat", text);
        let spans = selection_ranges(&a, 0, text.find("ops").unwrap());
        let texts: Vec<&str> = spans.iter().map(|s| &text[s.range()]).collect();
        assert_eq!(texts.first(), Some(&text.trim_end()));
        assert_eq!(texts[texts.len() - 2..], ["logs.ops", "ops"]);
        assert!(texts.contains(&"logs = logs.ops"), "{texts:?}");
    }
}
