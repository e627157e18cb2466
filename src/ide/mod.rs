//! Editor features over one document: analysis kept while the user types, hover, definitions,
//! references, completion and symbols. Pure functions of the text and the last analysis;
//! `lsp` adapts them to the Language Server Protocol.

pub mod complete;
pub mod jsonrpc;
pub mod lsp;

use crate::check::Checked;
use crate::diag::Diagnostic;
use crate::schema::{self, Kind};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::{self, Statement, ValueKind};

/// One document's analysis. The parser recovers per top-level statement, so `ast` holds every
/// statement of the current text that parses (its offsets are the current text's); `last_good` is
/// the analysis of the last text without a syntax error, whose declarations completion still
/// offers while the user is in the middle of typing one.
pub struct Analysis {
    pub sources: SourceMap,
    pub file: FileId,
    pub diagnostics: Vec<Diagnostic>,
    pub ast: std::rc::Rc<ast::File>,
    pub last_good: Option<(std::rc::Rc<ast::File>, Checked)>,
    /// Statements of this text by their source, so the next change reparses only what changed.
    cache: crate::syntax::incremental::ParseCache,
}

impl Analysis {
    /// Analyses `text`, named `name`; `read` supplies imported files. `previous` donates its parse
    /// cache and, when this text does not parse, its last good tree; the caller drops what is left
    /// of it after answering the editor, so freeing the old trees is not on the latency path.
    pub fn new(
        name: &str,
        text: &str,
        read: &mut dyn FnMut(&std::path::Path) -> std::io::Result<String>,
        previous: Option<&mut Analysis>,
    ) -> Analysis {
        let mut reader = |p: &std::path::Path| {
            if p == std::path::Path::new(name) {
                Ok(text.to_string())
            } else {
                read(p)
            }
        };
        let (sources, loading) = crate::load::load(std::path::Path::new(name), &mut reader)
            .unwrap_or_else(|_| {
                let mut s = SourceMap::new();
                s.add(name, text);
                (s, Vec::new())
            });
        let file = 0;
        let (mut cache, previous) = match previous {
            Some(p) => (std::mem::take(&mut p.cache), Some(p)),
            None => (Default::default(), None),
        };
        let first =
            crate::syntax::incremental::parse_incremental(file, sources.text(file), &mut cache);
        let (mut trees, mut diagnostics) = crate::parse(&sources, Some(first));
        diagnostics.extend(loading);
        let (checked, diagnostics) = crate::check(&trees, diagnostics);
        // What only lowering finds (environments that disagree, template limits), without
        // printing a file.
        let options = crate::Options {
            check_only: true,
            ..crate::Options::default()
        };
        let diagnostics = crate::lower(&checked, &sources, &options, diagnostics).diagnostics;
        let tree = if trees.is_empty() {
            crate::syntax::parse(file, text).0
        } else {
            trees.swap_remove(0)
        };
        let broken = diagnostics.iter().any(|d| {
            d.primary_span().file == file
                && matches!(
                    d.code,
                    crate::diag::Code::Syntax
                        | crate::diag::Code::BadEscape
                        | crate::diag::Code::NumberTooLarge
                )
        });
        // Shared, not copied: the tree is large and read-only from here on.
        let tree = std::rc::Rc::new(tree);
        let last_good = if broken {
            previous.and_then(|p| p.last_good.take())
        } else {
            Some((tree.clone(), checked))
        };
        Analysis {
            sources,
            file,
            diagnostics,
            ast: tree,
            last_good,
            cache,
        }
    }

    pub fn text(&self) -> &str {
        self.sources.text(self.file)
    }
}

/// What the cursor is on.
pub enum Target<'a> {
    /// A block's kind word, with the block's schema.
    Kind(&'a ast::Block, &'static Kind),
    /// A declaration's name.
    Declaration(&'a ast::Block, &'static Kind),
    /// A field's key, with the schema of the block it is in.
    Field(&'a ast::Attribute, &'static Kind, &'a [Statement]),
    /// A reference `kind.name[.child]`.
    Reference(&'a [ast::Ident]),
}

fn contains(span: Span, offset: usize) -> bool {
    (span.start as usize) <= offset && offset <= span.end as usize
}

fn refs_in<'a>(v: &'a ast::Value, out: &mut Vec<&'a [ast::Ident]>) {
    match &v.kind {
        ValueKind::Ref(parts) => out.push(parts),
        ValueKind::List(items) => items.iter().for_each(|i| refs_in(i, out)),
        ValueKind::Map(entries) => entries.iter().for_each(|(_, v)| refs_in(v, out)),
        ValueKind::Call { args, .. } => args.iter().for_each(|a| refs_in(&a.value, out)),
        _ => {}
    }
}

fn target_in<'a>(
    stmts: &'a [Statement],
    kind: Option<&'static Kind>,
    offset: usize,
) -> Option<Target<'a>> {
    for st in stmts {
        if !contains(st.span(), offset) {
            continue;
        }
        match st {
            Statement::Attribute(a) => {
                let mut refs = Vec::new();
                refs_in(&a.value, &mut refs);
                if let Some(r) = refs
                    .into_iter()
                    .find(|r| r.iter().any(|p| contains(p.span, offset)))
                {
                    return Some(Target::Reference(r));
                }
                if contains(a.key.span, offset) {
                    return kind.map(|k| Target::Field(a, k, stmts));
                }
            }
            Statement::Block(b) => {
                let schema = match kind {
                    None => schema::top_level(&b.kind.name),
                    Some(k) if b.kind.name == "env" => Some(k),
                    Some(k) => k.block(&b.kind.name),
                };
                for q in &b.qualifiers {
                    if let ValueKind::Ref(parts) = &q.value.kind
                        && contains(q.value.span, offset)
                    {
                        return Some(Target::Reference(parts));
                    }
                }
                if contains(b.kind.span, offset) {
                    return schema.map(|s| Target::Kind(b, s));
                }
                if b.label.as_ref().is_some_and(|l| contains(l.span, offset)) {
                    return schema.map(|s| Target::Declaration(b, s));
                }
                if let Some(body) = &b.body {
                    return target_in(&body.statements, schema, offset);
                }
            }
        }
    }
    None
}

/// What the cursor at `offset` is on.
pub fn target(file: &ast::File, offset: usize) -> Option<Target<'_>> {
    target_in(&file.statements, None, offset)
}

/// The declaration a reference names: its block (and, for a subnet, the subnet block).
pub fn resolve<'a>(file: &'a ast::File, parts: &[ast::Ident]) -> Option<&'a ast::Block> {
    let (kind, name) = (parts.first()?.name.as_str(), parts.get(1)?.name.as_str());
    let decl = file.statements.iter().find_map(|s| match s {
        Statement::Block(b)
            if b.kind.name == kind && b.label.as_ref().is_some_and(|l| l.text == name) =>
        {
            Some(b)
        }
        _ => None,
    })?;
    match parts.get(2) {
        None => Some(decl),
        Some(sub) => decl.statements().iter().find_map(|s| match s {
            Statement::Block(b)
                if b.kind.name == "subnet"
                    && b.label.as_ref().is_some_and(|l| l.text == sub.name) =>
            {
                Some(b)
            }
            _ => None,
        }),
    }
}

/// Every reference to the declaration `kind.name` in the file.
pub fn references(file: &ast::File, kind: &str, name: &str) -> Vec<Span> {
    fn walk(stmts: &[Statement], kind: &str, name: &str, out: &mut Vec<Span>) {
        for st in stmts {
            let mut refs = Vec::new();
            match st {
                Statement::Attribute(a) => refs_in(&a.value, &mut refs),
                Statement::Block(b) => {
                    for q in &b.qualifiers {
                        refs_in(&q.value, &mut refs);
                    }
                    walk(b.statements(), kind, name, out);
                }
            }
            for r in refs {
                if r.len() >= 2 && r[0].name == kind && r[1].name == name {
                    out.push(r[0].span.to(r[r.len() - 1].span));
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(&file.statements, kind, name, &mut out);
    out
}

/// The Azure resource a declaration kind becomes.
pub fn azure_resource(
    kind: &str,
) -> Option<(&'static str, Option<&'static crate::azure::NameRule>)> {
    use crate::azure::{self, types};
    Some(match kind {
        "cluster" => (types::MANAGED_CLUSTER, Some(&azure::NAME_CLUSTER)),
        "vault" => (types::VAULT, Some(&azure::NAME_VAULT)),
        "appconfig" => (types::APPCONFIG, Some(&azure::NAME_APPCONFIG)),
        "registry" => (types::REGISTRY, Some(&azure::NAME_REGISTRY)),
        "storage" => (types::STORAGE, Some(&azure::NAME_STORAGE)),
        "logs" => (types::LOG_ANALYTICS, Some(&azure::NAME_LOGS)),
        "metrics" => (types::MONITOR_WORKSPACE, Some(&azure::NAME_MONITOR)),
        "identity" => (types::IDENTITY, Some(&azure::NAME_IDENTITY)),
        "network" => (types::VNET, Some(&azure::NAME_VNET)),
        "secret" => (types::VAULT_SECRET, None),
        "key" => (types::VAULT_KEY, None),
        "config" | "feature" => (types::APPCONFIG_KV, None),
        "pool" => (types::AGENT_POOL, None),
        "gitops" => (types::FLUX_CONFIG, None),
        "subnet" => (types::SUBNET, None),
        _ => return None,
    })
}

fn declaration_summary(b: &ast::Block, kind: &Kind) -> String {
    let name = b.label.as_ref().map(|l| l.text.clone()).unwrap_or_default();
    let mut md = format!("**{} `{name}`**", kind.name);
    if let Some(d) = &b.docs {
        md.push_str(&format!("\n\n{}", d.text));
    }
    md.push_str(&format!("\n\n{}", kind.doc));
    if let Some((ty, rule)) = azure_resource(kind.name) {
        md.push_str(&format!("\n\nBecomes `{ty}`"));
        if let Some(rule) = rule {
            md.push_str(&format!(
                ", named `{}`",
                rule.preview(&name)
                    .replace(&"x".repeat(crate::azure::TOKEN_LEN), "<token>")
            ));
        }
        md.push('.');
    }
    md
}

/// Markdown for the hover at `offset`.
pub fn hover(a: &Analysis, offset: usize) -> Option<String> {
    let file = &a.ast;
    match target(file, offset)? {
        Target::Kind(b, kind) | Target::Declaration(b, kind) => Some(declaration_summary(b, kind)),
        Target::Field(attr, kind, siblings) => {
            let field = kind.field(&attr.key.name)?;
            let mut md = format!(
                "**`{}`**: {}\n\n{}",
                field.name,
                field.ty.describe(),
                field.doc
            );
            if let Some(d) = field.default {
                md.push_str(&format!("\n\nDefault: `{d}`"));
            }
            let text = a.text();
            md.push_str(&format!("\n\nValue: `{}`", &text[attr.value.span.range()]));
            // The value each environment gets, from the `env` blocks beside the field.
            for st in siblings {
                if let Statement::Block(e) = st
                    && e.kind.name == "env"
                {
                    for s in e.statements() {
                        if let Statement::Attribute(o) = s
                            && o.key.name == attr.key.name
                        {
                            let env = e.label.as_ref().map_or("", |l| l.text.as_str());
                            md.push_str(&format!(
                                "; in `{env}`: `{}`",
                                &text[o.value.span.range()]
                            ));
                        }
                    }
                }
            }
            Some(md)
        }
        Target::Reference(parts) => {
            let decl = resolve(file, parts)
                .or_else(|| a.last_good.as_ref().and_then(|(f, _)| resolve(f, parts)))?;
            let kind = if parts.len() == 3 {
                &schema::NETWORK.blocks[0]
            } else {
                schema::top_level(&parts[0].name)?
            };
            Some(declaration_summary(decl, kind))
        }
    }
}

/// Where the reference at `offset` is declared.
pub fn definition(a: &Analysis, offset: usize) -> Option<Span> {
    let file = &a.ast;
    match target(file, offset)? {
        Target::Reference(parts) => {
            resolve(file, parts).map(|b| b.label.as_ref().map_or(b.kind.span, |l| l.span))
        }
        _ => None,
    }
}

/// Every reference to the declaration at `offset` (on its name or on a reference to it).
pub fn find_references(a: &Analysis, offset: usize, include_declaration: bool) -> Vec<Span> {
    let file = &a.ast;
    let (kind, name, decl) = match target(file, offset) {
        Some(Target::Declaration(b, k)) if schema::top_level(k.name).is_some() => (
            k.name.to_string(),
            b.label
                .as_ref()
                .map(|l| l.text.as_str().to_owned())
                .unwrap_or_default(),
            b.label.as_ref().map(|l| l.span),
        ),
        Some(Target::Reference(parts)) if parts.len() >= 2 => {
            let decl = resolve(file, &parts[..2]).and_then(|b| b.label.as_ref().map(|l| l.span));
            (
                parts[0].name.as_str().to_owned(),
                parts[1].name.as_str().to_owned(),
                decl,
            )
        }
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    if include_declaration {
        out.extend(decl);
    }
    out.extend(references(file, &kind, &name));
    out
}

/// An outline entry.
pub struct Symbol {
    pub name: String,
    pub detail: String,
    pub kind: &'static str,
    pub span: Span,
    pub selection: Span,
    pub children: Vec<Symbol>,
}

/// The document's declarations and their nested blocks.
pub fn symbols(a: &Analysis) -> Vec<Symbol> {
    fn of(stmts: &[Statement]) -> Vec<Symbol> {
        stmts
            .iter()
            .filter_map(|s| match s {
                Statement::Block(b) if b.kind.name != "env" || b.label.is_some() => Some(Symbol {
                    name: match &b.label {
                        Some(l) => format!("{} {}", b.kind.name, l.text),
                        None => b.kind.name.as_str().to_owned(),
                    },
                    detail: azure_resource(&b.kind.name)
                        .map(|(t, _)| crate::azure::type_name(t).to_string())
                        .unwrap_or_default(),
                    kind: match b.kind.name.as_str() {
                        "platform" => "module",
                        "cluster" | "network" => "namespace",
                        "identity" => "object",
                        "secret" | "key" | "certificate" | "config" | "feature" => "constant",
                        _ => "struct",
                    },
                    span: b.span,
                    selection: b.label.as_ref().map_or(b.kind.span, |l| l.span),
                    children: of(b.statements()),
                }),
                _ => None,
            })
            .collect()
    }
    of(&a.ast.statements)
}
