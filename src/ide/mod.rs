//! Editor features over a whole program: analysis kept while the user types, hover, definitions,
//! references, completion and symbols. Pure functions of the program's text and its last
//! analysis; `lsp` adapts them to the Language Server Protocol, `program` finds which program a
//! file belongs to.

pub mod complete;
pub mod features;
pub mod jsonrpc;
pub mod lsp;
pub mod program;
pub mod rename;
mod requests;
pub mod workspace;

use crate::diag::Diagnostic;
use crate::schema::{self, Kind};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::{self, Statement, ValueKind};
use crate::syntax::incremental::ParseCache;
use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;

/// One program's analysis: the root and every file it imports, as the editor has them. The parser
/// recovers per top-level statement, so `trees` hold every statement that parses (offsets of the
/// current texts); `last_good` are the trees of the last version without a syntax error, whose
/// declarations completion still offers while the user is in the middle of typing one.
pub struct Analysis {
    pub sources: SourceMap,
    /// One tree per file, by `FileId`.
    pub trees: Vec<Rc<ast::File>>,
    pub diagnostics: Vec<Diagnostic>,
    pub last_good: Option<Rc<Vec<Rc<ast::File>>>>,
    /// Statements of each file by their source, so the next change reparses only what changed.
    caches: HashMap<String, ParseCache>,
}

/// The marks of a text that does not parse: its statements are not all in the tree.
fn is_syntax(d: &Diagnostic) -> bool {
    matches!(
        d.code,
        crate::diag::Code::Syntax
            | crate::diag::Code::BadEscape
            | crate::diag::Code::NumberTooLarge
    )
}

impl Analysis {
    /// Analyses the program rooted at `root`; `read` supplies every file (the editor's buffers
    /// over the disk). `previous` donates its parse caches and, when this text does not parse,
    /// its last good trees; the caller drops what is left of it after answering the editor, so
    /// freeing the old trees is not on the latency path.
    pub fn new(
        root: &Path,
        read: &mut dyn FnMut(&Path) -> std::io::Result<String>,
        previous: Option<&mut Analysis>,
    ) -> Analysis {
        let (sources, loading) = crate::load::load(root, read).unwrap_or_else(|e| {
            let mut s = SourceMap::new();
            let name = root.to_string_lossy().replace('\\', "/");
            let d = Diagnostic::new(
                crate::diag::Code::BadImport,
                format!("cannot read `{name}`: {e}"),
                Span::new(0, 0, 0),
                "not read",
            );
            s.add(name, "");
            (s, vec![d])
        });
        let (mut caches, previous) = match previous {
            Some(p) => (std::mem::take(&mut p.caches), Some(p)),
            None => (HashMap::new(), None),
        };
        let mut trees = Vec::new();
        let mut diagnostics = Vec::new();
        for id in sources.ids() {
            let cache = caches.entry(sources.name(id).to_owned()).or_default();
            let (tree, errors) = crate::parse_file(&sources, id, cache);
            trees.push(tree);
            diagnostics.extend(errors);
        }
        caches.retain(|name, _| sources.ids().any(|id| sources.name(id) == name));
        diagnostics.extend(loading);
        let (checked, diagnostics) = crate::check(&trees, diagnostics);
        // What only lowering finds (environments that disagree, template limits), without
        // printing a file.
        let options = crate::Options {
            check_only: true,
            ..crate::Options::default()
        };
        let diagnostics = crate::lower(&checked, &sources, &options, diagnostics).diagnostics;
        // Shared, not copied: the trees are large and read-only from here on.
        let trees: Vec<Rc<ast::File>> = trees.into_iter().map(Rc::new).collect();
        let last_good = if diagnostics.iter().any(is_syntax) {
            previous.and_then(|p| p.last_good.take())
        } else {
            Some(Rc::new(trees.clone()))
        };
        Analysis {
            sources,
            trees,
            diagnostics,
            last_good,
            caches,
        }
    }

    /// A program of one file, `text` named `name`, importing nothing that can be read.
    pub fn of_text(name: &str, text: &str) -> Analysis {
        let mut read = |p: &Path| {
            if p == Path::new(name) {
                Ok(text.to_string())
            } else {
                Err(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no such file",
                ))
            }
        };
        Analysis::new(Path::new(name), &mut read, None)
    }

    pub fn text(&self, file: FileId) -> &str {
        self.sources.text(file)
    }

    /// The file named by `path` (as the loader names it: the root's path joined with imports).
    pub fn file(&self, path: &Path) -> Option<FileId> {
        let path = crate::load::normalise(path);
        self.sources
            .ids()
            .find(|&id| Path::new(self.sources.name(id)) == path)
    }

    /// Every declaration of the program: (its file's tree, the block).
    pub fn declarations(&self) -> impl Iterator<Item = &ast::Block> {
        self.trees.iter().flat_map(|t| {
            t.statements.iter().filter_map(|s| match s {
                Statement::Block(b)
                    if b.label.is_some() && schema::top_level(&b.kind.name).is_some() =>
                {
                    Some(b)
                }
                _ => None,
            })
        })
    }
}

/// What the cursor is on.
pub enum Target<'a> {
    /// A block's kind word, with the block's schema and whether it is a top-level declaration.
    Kind(&'a ast::Block, &'static Kind, bool),
    /// A block's name, likewise.
    Declaration(&'a ast::Block, &'static Kind, bool),
    /// An `env "NAME"` block's kind or name: the values of one environment, in `owner`.
    Env(&'a ast::Block, &'static Kind),
    /// A field's key, with the schema of the block it is in.
    Field(&'a ast::Attribute, &'static Kind, &'a [Statement]),
    /// A reference `kind.name[.child]`.
    Reference(&'a [ast::Ident]),
    /// The name of a call of one of the language's functions.
    Function(&'static schema::Function),
}

fn contains(span: Span, offset: usize) -> bool {
    (span.start as usize) <= offset && offset <= span.end as usize
}

/// The function whose name is at `offset` in `v`.
fn call_at(v: &ast::Value, offset: usize) -> Option<&'static schema::Function> {
    match &v.kind {
        ValueKind::Call { name, .. } if contains(name.span, offset) => schema::function(&name.name),
        ValueKind::Call { args, .. } => args.iter().find_map(|a| call_at(&a.value, offset)),
        ValueKind::List(items) => items.iter().find_map(|i| call_at(i, offset)),
        ValueKind::Map(entries) => entries.iter().find_map(|(_, v)| call_at(v, offset)),
        _ => None,
    }
}

pub(crate) fn refs_in<'a>(v: &'a ast::Value, out: &mut Vec<&'a [ast::Ident]>) {
    match &v.kind {
        ValueKind::Ref(parts) => out.push(parts),
        ValueKind::List(items) => items.iter().for_each(|i| refs_in(i, out)),
        ValueKind::Map(entries) => entries.iter().for_each(|(_, v)| refs_in(v, out)),
        ValueKind::Call { args, .. } => args.iter().for_each(|a| refs_in(&a.value, out)),
        _ => {}
    }
}

/// The schema of a block inside `parent` (`None` at the top level); an `env` block takes its
/// owner's.
pub(crate) fn block_schema(parent: Option<&'static Kind>, b: &ast::Block) -> Option<&'static Kind> {
    match parent {
        None => schema::top_level(&b.kind.name),
        Some(k) if b.kind.name == "env" => Some(k),
        Some(k) => k.block(&b.kind.name),
    }
}

fn target_in_block<'a>(
    b: &'a ast::Block,
    parent: Option<&'static Kind>,
    offset: usize,
) -> Option<Target<'a>> {
    let schema = block_schema(parent, b);
    for q in &b.qualifiers {
        if let ValueKind::Ref(parts) = &q.value.kind
            && contains(q.value.span, offset)
        {
            return Some(Target::Reference(parts));
        }
    }
    let on_kind = contains(b.kind.span, offset);
    let on_label = b.label.as_ref().is_some_and(|l| contains(l.span, offset));
    if (on_kind || on_label) && b.kind.name == "env" && parent.is_some() {
        return schema.map(|s| Target::Env(b, s));
    }
    if on_kind {
        return schema.map(|s| Target::Kind(b, s, parent.is_none()));
    }
    if on_label {
        return schema.map(|s| Target::Declaration(b, s, parent.is_none()));
    }
    let body = b.body.as_ref()?;
    target_in(&body.statements, schema, offset)
}

fn target_in<'a>(
    stmts: &'a [Statement],
    kind: Option<&'static Kind>,
    offset: usize,
) -> Option<Target<'a>> {
    let st = stmts.iter().find(|st| contains(st.span(), offset))?;
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
            call_at(&a.value, offset).map(Target::Function)
        }
        Statement::Block(b) => target_in_block(b, kind, offset),
    }
}

/// What the cursor at `offset` is on.
pub fn target(file: &ast::File, offset: usize) -> Option<Target<'_>> {
    target_in(&file.statements, None, offset)
}

fn labelled<'a>(stmts: &'a [Statement], kind: &str, name: &str) -> Option<&'a ast::Block> {
    stmts.iter().find_map(|s| match s {
        Statement::Block(b)
            if b.kind.name == kind && b.label.as_ref().is_some_and(|l| l.text == name) =>
        {
            Some(b)
        }
        _ => None,
    })
}

/// The declaration a reference names in `trees`: its block (and, for a subnet, the subnet block).
fn resolve_in<'a>(trees: &'a [Rc<ast::File>], parts: &[ast::Ident]) -> Option<&'a ast::Block> {
    let (kind, name) = (parts.first()?.name.as_str(), parts.get(1)?.name.as_str());
    let decl = trees
        .iter()
        .find_map(|t| labelled(&t.statements, kind, name))?;
    match parts.get(2) {
        None => Some(decl),
        Some(sub) => labelled(decl.statements(), "subnet", &sub.name),
    }
}

/// The declaration a reference names, in any file of the program (or, while the program does not
/// parse, in its last good version).
pub fn resolve<'a>(a: &'a Analysis, parts: &[ast::Ident]) -> Option<&'a ast::Block> {
    resolve_in(&a.trees, parts).or_else(|| {
        a.last_good
            .as_ref()
            .and_then(|trees| resolve_in(trees, parts))
    })
}

/// Every reference to `kind.name` (to `kind.name.sub` with `sub`) in the program: the span of the
/// whole reference, and of the part that names the declaration.
pub fn references(a: &Analysis, kind: &str, name: &str, sub: Option<&str>) -> Vec<(Span, Span)> {
    fn walk(stmts: &[Statement], want: &[&str], out: &mut Vec<(Span, Span)>) {
        for st in stmts {
            let mut refs = Vec::new();
            match st {
                Statement::Attribute(a) => refs_in(&a.value, &mut refs),
                Statement::Block(b) => {
                    b.qualifiers
                        .iter()
                        .for_each(|q| refs_in(&q.value, &mut refs));
                    walk(b.statements(), want, out);
                }
            }
            for r in refs {
                if r.len() >= want.len() && r.iter().zip(want).all(|(p, w)| p.name == *w) {
                    let whole = r[0].span.to(r[r.len() - 1].span);
                    out.push((whole, r[want.len() - 1].span));
                }
            }
        }
    }
    let want: Vec<&str> = [kind, name].into_iter().chain(sub).collect();
    let mut out = Vec::new();
    for t in &a.trees {
        walk(&t.statements, &want, &mut out);
    }
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
        _ => return None,
    })
}

/// The Azure resource a nested block becomes: a cluster's `network` block, say, is settings of
/// the cluster and no virtual network.
fn nested_resource(kind: &str) -> Option<&'static str> {
    use crate::azure::types;
    Some(match kind {
        "pool" => types::AGENT_POOL,
        "gitops" => types::FLUX_CONFIG,
        "subnet" => types::SUBNET,
        _ => return None,
    })
}

/// The Azure name a top-level declaration of `kind` named `name` deploys as, `<token>` standing
/// for the unique part azd's environment gives it.
pub fn azure_name(kind: &str, name: &str) -> Option<String> {
    azure_resource(kind)?.1.map(|rule| rule.shown(name))
}

fn declaration_summary(b: &ast::Block, kind: &Kind, top: bool) -> String {
    let name = b
        .label
        .as_ref()
        .map(|l| l.text.as_str())
        .unwrap_or_default();
    let mut md = if name.is_empty() {
        format!("**{}**", kind.name)
    } else {
        format!("**{} `{name}`**", kind.name)
    };
    if let Some(d) = &b.docs {
        md.push_str(&format!("\n\n{}", d.text));
    }
    md.push_str(&format!("\n\n{}", kind.doc));
    let resource = if top {
        azure_resource(kind.name).map(|(t, _)| t)
    } else {
        nested_resource(kind.name)
    };
    if let Some(ty) = resource {
        md.push_str(&format!("\n\nBecomes `{}`", crate::azure::type_name(ty)));
        if let Some(shown) = azure_name(kind.name, name).filter(|_| top) {
            md.push_str(&format!(", named `{shown}`"));
        }
        md.push('.');
    }
    md
}

/// The environments that override the field `key` among `siblings`: (environment, value span).
pub fn overrides<'a>(siblings: &'a [Statement], key: &str) -> Vec<(&'a str, &'a ast::Value)> {
    let mut out = Vec::new();
    for st in siblings {
        if let Statement::Block(e) = st
            && e.kind.name == "env"
        {
            for s in e.statements() {
                if let Statement::Attribute(o) = s
                    && o.key.name == key
                {
                    let env = e.label.as_ref().map_or("", |l| l.text.as_str());
                    out.push((env, &o.value));
                }
            }
        }
    }
    out
}

fn field_summary(
    a: &Analysis,
    file: FileId,
    attr: &ast::Attribute,
    kind: &Kind,
    siblings: &[Statement],
) -> Option<String> {
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
    let text = a.text(file);
    md.push_str(&format!("\n\nValue: `{}`", &text[attr.value.span.range()]));
    for (env, value) in overrides(siblings, &attr.key.name) {
        md.push_str(&format!("; in `{env}`: `{}`", &text[value.span.range()]));
    }
    Some(md)
}

fn env_summary(b: &ast::Block, owner: &Kind) -> String {
    let env = b.label.as_ref().map_or("", |l| l.text.as_str());
    format!(
        "**env `{env}`**\n\nValues of this {} in the azd environment `{env}` (AZURE_ENV_NAME): each field here overrides the one outside the block there, and every other environment keeps the outside one.",
        owner.name
    )
}

/// Markdown for the hover at `offset` of `file`.
pub fn hover(a: &Analysis, file: FileId, offset: usize) -> Option<String> {
    match target(&a.trees[file], offset)? {
        Target::Kind(b, kind, top) | Target::Declaration(b, kind, top) => {
            Some(declaration_summary(b, kind, top))
        }
        Target::Env(b, owner) => Some(env_summary(b, owner)),
        Target::Function(f) => {
            let params: Vec<String> = f
                .params()
                .into_iter()
                .map(|(p, doc)| format!("- `{p}`: {doc}"))
                .collect();
            Some(format!(
                "**`{}`**\n\n{}\n\n{}",
                f.signature(),
                f.doc,
                params.join("\n")
            ))
        }
        Target::Field(attr, kind, siblings) => field_summary(a, file, attr, kind, siblings),
        Target::Reference(parts) => {
            let decl = resolve(a, parts)?;
            let kind = if parts.len() == 3 {
                &schema::NETWORK.blocks[0]
            } else {
                schema::top_level(&parts[0].name)?
            };
            Some(declaration_summary(decl, kind, parts.len() == 2))
        }
    }
}

/// The name span of a block (its kind word when it has none).
pub fn name_span(b: &ast::Block) -> Span {
    b.label.as_ref().map_or(b.kind.span, |l| l.span)
}

/// Where the reference at `offset` of `file` is declared, in whichever file of the program.
pub fn definition(a: &Analysis, file: FileId, offset: usize) -> Option<Span> {
    match target(&a.trees[file], offset)? {
        Target::Reference(parts) => resolve_in(&a.trees, parts).map(name_span),
        _ => None,
    }
}

/// The declaration the cursor is on or refers to: (kind, name, subnet), the declaration's own
/// name span if it is declared.
pub fn declaration_at(
    a: &Analysis,
    file: FileId,
    offset: usize,
) -> Option<(Vec<String>, Option<Span>)> {
    match target(&a.trees[file], offset)? {
        Target::Declaration(b, k, true) => {
            let name = b.label.as_ref()?;
            Some((
                vec![k.name.to_string(), name.text.to_string()],
                Some(name.span),
            ))
        }
        Target::Declaration(b, k, false) if k.name == "subnet" => {
            let network = a.trees[file].statements.iter().find_map(|s| match s {
                Statement::Block(n) if n.kind.name == "network" && contains(n.span, offset) => {
                    n.label.as_ref()
                }
                _ => None,
            })?;
            let name = b.label.as_ref()?;
            Some((
                vec![
                    "network".into(),
                    network.text.to_string(),
                    name.text.to_string(),
                ],
                Some(name.span),
            ))
        }
        Target::Reference(parts) if parts.len() >= 2 => {
            let parts = &parts[..parts.len().min(3)];
            let decl = resolve_in(&a.trees, parts).and_then(|b| b.label.as_ref().map(|l| l.span));
            Some((parts.iter().map(|p| p.name.to_string()).collect(), decl))
        }
        _ => None,
    }
}

/// Every reference to the declaration at `offset` (on its name or on a reference to it), across
/// the program's files.
pub fn find_references(
    a: &Analysis,
    file: FileId,
    offset: usize,
    include_declaration: bool,
) -> Vec<Span> {
    let Some((parts, decl)) = declaration_at(a, file, offset) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if include_declaration {
        out.extend(decl);
    }
    let sub = parts.get(2).map(String::as_str);
    out.extend(
        references(a, &parts[0], &parts[1], sub)
            .into_iter()
            .map(|(whole, _)| whole),
    );
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

/// The declarations of one file and their nested blocks.
pub fn symbols(a: &Analysis, file: FileId) -> Vec<Symbol> {
    fn of(stmts: &[Statement], top: bool) -> Vec<Symbol> {
        stmts
            .iter()
            .filter_map(|s| match s {
                Statement::Block(b)
                    if b.kind.name != "import" && (b.kind.name != "env" || b.label.is_some()) =>
                {
                    Some(Symbol {
                        name: match &b.label {
                            Some(l) => format!("{} {}", b.kind.name, l.text),
                            None => b.kind.name.as_str().to_owned(),
                        },
                        detail: if top {
                            azure_resource(&b.kind.name).map(|(t, _)| t)
                        } else {
                            nested_resource(&b.kind.name)
                        }
                        .map(|t| crate::azure::type_name(t).to_string())
                        .unwrap_or_default(),
                        kind: match b.kind.name.as_str() {
                            "platform" => "module",
                            "cluster" | "network" => "namespace",
                            "identity" => "object",
                            "secret" | "key" | "certificate" | "config" | "feature" => "constant",
                            _ => "struct",
                        },
                        span: b.span,
                        selection: name_span(b),
                        children: of(b.statements(), false),
                    })
                }
                _ => None,
            })
            .collect()
    }
    of(&a.trees[file].statements, true)
}
