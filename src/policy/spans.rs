//! From a path into the input (`["clusters", "main", "pools", "system", "count"]`) to the text a
//! rule's finding is about: a field's value, else the name of the declaration nearest along the
//! path, else the platform block.
//!
//! Declarations are found through the model, which keeps their spans; fields are found only for
//! the paths a rule names, by parsing that one declaration again. A table of every field's span,
//! built with the input, would cost more at scale (a million fields at N=1000) than the few
//! findings a program has.

use super::input::Derived;
use crate::model::Platform;
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::{self, ast};
use std::collections::HashMap;
use std::rc::Rc;

pub struct Locator<'a> {
    sources: &'a SourceMap,
    /// Top-level statement starts per file, scanned once.
    starts: HashMap<FileId, Vec<usize>>,
    /// Statements parsed again, by file and start: many findings name one declaration.
    parsed: HashMap<(FileId, usize), Option<Rc<ast::Statement>>>,
    /// Where each secret is declared, by platform: secrets are named across vaults, and a
    /// large platform has tens of thousands.
    secrets: HashMap<*const Platform, HashMap<String, Span>>,
}

impl<'a> Locator<'a> {
    pub fn new(sources: &'a SourceMap) -> Self {
        Locator {
            sources,
            starts: HashMap::new(),
            parsed: HashMap::new(),
            secrets: HashMap::new(),
        }
    }

    /// The span of `path` in the platform of `environment`.
    pub fn locate(
        &mut self,
        p: &Platform,
        derived: &Derived,
        environment: Option<&str>,
        path: &[String],
    ) -> Span {
        let secret = match path.first().map(String::as_str) {
            Some("secrets") => self.secret(p, path.get(1).map_or("", String::as_str)),
            _ => None,
        };
        let (anchor, used) = secret.map_or_else(|| declaration(p, derived, path), |s| (s, 2));
        let rest = &path[used.min(path.len())..];
        if rest.is_empty() || used == 0 {
            return anchor;
        }
        let Some(statement) = self.statement_at(anchor) else {
            return anchor;
        };
        let Some(block) = block_at(&statement, anchor.start) else {
            return anchor;
        };
        walk(block, rest, environment).unwrap_or(anchor)
    }

    fn secret(&mut self, p: &Platform, name: &str) -> Option<Span> {
        let index = self.secrets.entry(p as *const Platform).or_insert_with(|| {
            let all = p.vaults.values().flat_map(|v| v.secrets.iter());
            all.map(|(n, s)| (n.clone(), s.meta.span)).collect()
        });
        index.get(name).copied()
    }

    /// The top-level statement that holds `span`, parsed alone (once).
    fn statement_at(&mut self, span: Span) -> Option<Rc<ast::Statement>> {
        if span.file >= self.sources.ids().end {
            return None;
        }
        let text = self.sources.text(span.file);
        let starts = self
            .starts
            .entry(span.file)
            .or_insert_with(|| syntax::statement_starts(span.file, text));
        let at = starts
            .partition_point(|s| *s <= span.start as usize)
            .checked_sub(1)?;
        let (start, end) = (
            starts[at],
            starts.get(at + 1).copied().unwrap_or(text.len()),
        );
        self.parsed
            .entry((span.file, start))
            .or_insert_with(|| {
                syntax::statements_between(span.file, text, start, end)
                    .into_iter()
                    .find(|s| s.span().start <= span.start && span.start < s.span().end)
                    .map(Rc::new)
            })
            .clone()
    }
}

/// The declaration `path` starts with, and how many of its parts name it. Derived entries (a
/// role assignment platc makes for a cluster) have the span of what derives them.
fn declaration(p: &Platform, derived: &Derived, path: &[String]) -> (Span, usize) {
    let part = |i: usize| path.get(i).map(String::as_str);
    let index = |i: usize| part(i).and_then(|s| s.parse::<usize>().ok());
    let name = part(1).unwrap_or("");
    let meta = |m: Option<&crate::model::Meta>| m.map(|m| (m.span, 2));
    let found = match part(0) {
        Some("platform") => Some((p.span, 1)),
        Some("grants") => index(1)
            .and_then(|i| derived.grants.get(i))
            .map(|s| (*s, 2)),
        Some("private_endpoints") => index(1)
            .and_then(|i| derived.private_endpoints.get(i))
            .map(|s| (*s, 2)),
        Some("resources") => index(1)
            .and_then(|i| derived.resources.get(i))
            .map(|s| (*s, 2)),
        Some("networks") => meta(p.networks.get(name).map(|x| &x.meta)),
        Some("logs") => meta(p.logs.get(name).map(|x| &x.meta)),
        Some("metrics") => meta(p.metrics.get(name).map(|x| &x.meta)),
        Some("registries") => meta(p.registries.get(name).map(|x| &x.meta)),
        Some("vaults") => meta(p.vaults.get(name).map(|x| &x.meta)),
        Some("appconfigs") => meta(p.appconfigs.get(name).map(|x| &x.meta)),
        Some("storages") => meta(p.storages.get(name).map(|x| &x.meta)),
        Some("secrets") => meta(
            p.vaults
                .values()
                .find_map(|v| v.secrets.get(name).map(|s| &s.meta)),
        ),
        Some("keys") => meta(p.key(name).map(|(_, _, k)| &k.meta)),
        Some("certificates") => meta(
            p.vaults
                .values()
                .find_map(|v| v.certificates.get(name).map(|c| &c.meta)),
        ),
        Some("identities") => p.identities.get(name).map(|i| {
            let item = index(3);
            match part(2) {
                Some("grants") => item.and_then(|k| i.grants.get(k)).map(|g| (g.span, 4)),
                Some("federations") => item.and_then(|k| i.federations.get(k)).map(|f| (f.span, 4)),
                _ => None,
            }
            .unwrap_or((i.meta.span, 2))
        }),
        Some("clusters") => p.clusters.get(name).map(|c| {
            let item = part(3).unwrap_or("");
            match part(2) {
                Some("pools") => c.pools.iter().find(|x| x.name == item).map(|x| (x.span, 4)),
                Some("gitops") => c.gitops.get(item).map(|g| (g.span, 4)),
                _ => None,
            }
            .unwrap_or((c.meta.span, 2))
        }),
        _ => None,
    };
    found.unwrap_or((p.span, 0))
}

/// The deepest block of `statement` whose head holds `offset`.
fn block_at(statement: &ast::Statement, offset: u32) -> Option<&ast::Block> {
    let ast::Statement::Block(b) = statement else {
        return None;
    };
    let head = b.head_span();
    if head.start <= offset && offset < head.end.max(head.start + 1) {
        return Some(b);
    }
    b.statements().iter().find_map(|s| {
        (s.span().start <= offset && offset < s.span().end)
            .then(|| block_at(s, offset))
            .flatten()
    })
}

/// Follows `rest` down from `block`: a part that names a field gives that field's value (as the
/// environment's `env` block sets it, where it does); one that names a nested block (`network`,
/// `pool "system"`, `extension azure_policy`) goes into it; any other part (a collection's name,
/// `pools`) is passed over. Where the path ends on a block, its name.
fn walk(mut block: &ast::Block, rest: &[String], environment: Option<&str>) -> Option<Span> {
    for part in rest {
        // The input counts days and seconds where the language writes a duration.
        let written = part
            .strip_suffix("_days")
            .or_else(|| part.strip_suffix("_seconds"));
        let value = field(block, part, environment)
            .or_else(|| written.and_then(|w| field(block, w, environment)));
        if value.is_some() {
            return value;
        }
        let nested = block.statements().iter().find_map(|s| match s {
            ast::Statement::Block(b)
                if b.kind.name != "env"
                    && (b.label.as_ref().is_some_and(|l| l.text == part.as_str())
                        || (b.label.is_none() && b.kind.name == part.as_str())) =>
            {
                Some(b)
            }
            _ => None,
        });
        if let Some(b) = nested {
            block = b;
        }
    }
    Some(block.label.as_ref().map_or(block.head_span(), |l| l.span))
}

fn field(block: &ast::Block, key: &str, environment: Option<&str>) -> Option<Span> {
    let find = |b: &ast::Block| {
        b.statements().iter().find_map(|s| match s {
            ast::Statement::Attribute(a) if a.key.name == key => Some(a.value.span),
            _ => None,
        })
    };
    let overridden = environment.and_then(|env| {
        block.statements().iter().find_map(|s| match s {
            ast::Statement::Block(b)
                if b.kind.name == "env" && b.label.as_ref().is_some_and(|l| l.text == env) =>
            {
                find(b)
            }
            _ => None,
        })
    });
    overridden.or_else(|| find(block))
}
