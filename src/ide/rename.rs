//! Renaming what has a name others refer to: a declaration (its label and every `kind.NAME`), a
//! subnet (its label and every `network.NAME.SUBNET`), a pool, and a kustomization (its label and
//! the `depends_on` of the kustomizations beside it), in every file of the program. Labels that
//! are no names (an environment, a role, a federated subject, an extension) are not renamed.

use super::{Analysis, Target, labelled, target};
use crate::source::{FileId, Span};
use crate::syntax::ast::{self, Statement, ValueKind};

/// What a rename at the cursor renames: the name's span and its text.
#[derive(Debug)]
pub struct Prepared {
    pub span: Span,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub text: String,
}

/// What is renamed.
enum Subject<'a> {
    /// `kind.name` (with `sub`, a subnet of the network `name`).
    Declaration {
        kind: String,
        name: String,
        sub: Option<String>,
    },
    /// A pool or kustomization: named blocks nothing outside their parent refers to.
    Nested {
        block: &'a ast::Block,
        siblings: &'a [Statement],
    },
}

fn contains(span: Span, offset: usize) -> bool {
    span.start as usize <= offset && offset <= span.end as usize
}

/// The nested block whose label is at `offset`, with the statements beside it.
fn nested_at(stmts: &[Statement], offset: usize) -> Option<(&ast::Block, &[Statement])> {
    let b = stmts.iter().find_map(|st| match st {
        Statement::Block(b) if contains(b.span, offset) => Some(b),
        _ => None,
    })?;
    let inner = b.statements().iter().find_map(|st| match st {
        Statement::Block(c) if c.label.as_ref().is_some_and(|l| contains(l.span, offset)) => {
            Some(c)
        }
        _ => None,
    });
    match inner {
        Some(c) => Some((c, b.statements())),
        None => nested_at(b.statements(), offset),
    }
}

fn subject(
    a: &Analysis,
    file: FileId,
    offset: usize,
) -> Result<(Subject<'_>, Span, String), String> {
    let not = |what: &str| Err(format!("{what} cannot be renamed"));
    match target(&a.trees[file], offset) {
        Some(Target::Declaration(b, k, false)) if matches!(k.name, "pool" | "kustomization") => {
            let l = b.label.as_ref().ok_or("the block has no name")?;
            let (block, siblings) =
                nested_at(&a.trees[file].statements, offset).ok_or("no block here")?;
            let subject = Subject::Nested { block, siblings };
            Ok((subject, l.span, l.text.to_string()))
        }
        Some(Target::Declaration(_, k, top)) if top || k.name == "subnet" => {
            let (parts, span) = super::declaration_at(a, file, offset).ok_or("no name here")?;
            let span = span.ok_or("the block has no name")?;
            Ok(declared(parts, span))
        }
        Some(Target::Reference(parts)) => {
            let at = parts
                .iter()
                .position(|p| p.span.start as usize <= offset && offset <= p.span.end as usize)
                .unwrap_or(0);
            if at == 0 || parts.len() < 2 {
                return not("a kind");
            }
            let named: Vec<String> = parts[..=at.min(2)]
                .iter()
                .map(|p| p.name.to_string())
                .collect();
            Ok(declared(named, parts[at.min(2)].span))
        }
        Some(Target::Declaration(b, ..)) => not(&format!("the label of `{}`", b.kind.name)),
        Some(Target::Env(..)) => not("an environment's name"),
        _ => Err("there is no name here to rename".into()),
    }
}

/// `kind.name` or `network.name.subnet`, its name written at `span`.
fn declared<'a>(parts: Vec<String>, span: Span) -> (Subject<'a>, Span, String) {
    let current = parts.last().cloned().unwrap_or_default();
    let mut parts = parts.into_iter();
    let subject = Subject::Declaration {
        kind: parts.next().unwrap_or_default(),
        name: parts.next().unwrap_or_default(),
        sub: parts.next(),
    };
    (subject, span, current)
}

/// The name at `offset`, if it can be renamed: the span to edit and its current text.
pub fn prepare(a: &Analysis, file: FileId, offset: usize) -> Result<Prepared, String> {
    let (_, span, name) = subject(a, file, offset)?;
    Ok(Prepared { span, name })
}

/// A name the language reads back the same wherever it stands: a label, and a part of a
/// reference.
fn valid(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn label_edit(l: &ast::Label, new: &str) -> Edit {
    let text = if l.quoted {
        format!("\"{new}\"")
    } else {
        new.to_string()
    };
    Edit { span: l.span, text }
}

/// The edits that rename what is at `offset` to `new`, in every file of the program.
pub fn rename(a: &Analysis, file: FileId, offset: usize, new: &str) -> Result<Vec<Edit>, String> {
    if !valid(new) {
        return Err(format!(
            "`{new}` is not a name: names start with a letter or `_` and hold letters, digits, `_` and `-`"
        ));
    }
    let (subject, _, old) = subject(a, file, offset)?;
    if old == new {
        return Ok(Vec::new());
    }
    let mut edits = match subject {
        Subject::Declaration { kind, name, sub } => {
            declaration_edits(a, &kind, &name, sub.as_deref(), new)?
        }
        Subject::Nested { block, siblings } => nested_edits(block, siblings, new)?,
    };
    edits.sort_by_key(|e| (e.span.file, e.span.start));
    edits.dedup();
    Ok(edits)
}

fn declaration_edits(
    a: &Analysis,
    kind: &str,
    name: &str,
    sub: Option<&str>,
    new: &str,
) -> Result<Vec<Edit>, String> {
    let mut out = Vec::new();
    let taken = match sub {
        None => a
            .declarations()
            .any(|b| b.kind.name == kind && b.label.as_ref().is_some_and(|l| l.text == new)),
        Some(_) => a
            .declarations()
            .filter(|b| b.kind.name == kind && b.label.as_ref().is_some_and(|l| l.text == name))
            .any(|n| labelled(n.statements(), "subnet", new).is_some()),
    };
    if taken {
        return Err(format!("`{new}` is already declared"));
    }
    for decl in a
        .declarations()
        .filter(|b| b.kind.name == kind && b.label.as_ref().is_some_and(|l| l.text == name))
    {
        match sub {
            None => out.extend(decl.label.as_ref().map(|l| label_edit(l, new))),
            Some(s) => out.extend(
                labelled(decl.statements(), "subnet", s)
                    .and_then(|b| b.label.as_ref())
                    .map(|l| label_edit(l, new)),
            ),
        }
    }
    for (_, part) in super::references(a, kind, name, sub) {
        out.push(Edit {
            span: part,
            text: new.to_string(),
        });
    }
    Ok(out)
}

fn nested_edits(
    block: &ast::Block,
    siblings: &[Statement],
    new: &str,
) -> Result<Vec<Edit>, String> {
    let kind = block.kind.name.as_str();
    let old = block
        .label
        .as_ref()
        .map(|l| l.text.as_str())
        .unwrap_or_default();
    if labelled(siblings, kind, new).is_some() {
        return Err(format!("a {kind} `{new}` is already there"));
    }
    let mut out: Vec<Edit> = block.label.iter().map(|l| label_edit(l, new)).collect();
    if kind == "kustomization" {
        for st in siblings {
            let Statement::Block(k) = st else { continue };
            for s in k.statements() {
                let Statement::Attribute(attr) = s else {
                    continue;
                };
                let ValueKind::List(items) = &attr.value.kind else {
                    continue;
                };
                if attr.key.name != "depends_on" {
                    continue;
                }
                for item in items {
                    if matches!(&item.kind, ValueKind::Str(s) if s == old) {
                        out.push(Edit {
                            span: item.span,
                            text: crate::syntax::quoted(new),
                        });
                    }
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const ROOT: &str = include_str!("../../examples/two-files.plat");
    const SERVICES: &str = include_str!("../../examples/two-files/services.plat");
    /// Mistakes, so that there are diagnostics to compare: an unknown enum value, an unused
    /// declaration, and kustomizations that depend on each other by name.
    const MORE: &str = "\nregistry \"spare\" { sku = premum }\nlogs \"idle\" { }\n";

    fn files() -> Vec<(String, String)> {
        let root = ROOT.replace(
            "kustomization \"apps\" { path = \"./deploy\" }",
            "kustomization \"apps\" { path = \"./deploy\" }\n    kustomization \"late\" {\n      path = \"./late\"\n      depends_on = [\"apps\"]\n    }",
        );
        vec![
            ("two-files.plat".into(), root),
            (
                "two-files/services.plat".into(),
                format!("{SERVICES}{MORE}"),
            ),
        ]
    }

    fn analyse(files: &[(String, String)]) -> Analysis {
        let mut read = |p: &Path| {
            files
                .iter()
                .find(|(n, _)| Path::new(n) == p)
                .map(|(_, t)| t.clone())
                .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"))
        };
        Analysis::new(Path::new(&files[0].0), &mut read, None)
    }

    /// What the checker says, where: (code, file, line, message).
    fn said(a: &Analysis) -> Vec<(String, String, usize, String)> {
        a.diagnostics
            .iter()
            .map(|d| {
                let at = d.primary_span();
                let line = a.sources.line_col(at.file, at.start as usize).0;
                let file = a.sources.name(at.file).to_string();
                (d.code.as_str().to_string(), file, line, d.message.clone())
            })
            .collect()
    }

    /// Renames the name at the first `needle` (plus `delta`) of file `in_file` to `new`: the edits,
    /// and the program they make.
    fn renamed(
        in_file: usize,
        needle: &str,
        delta: usize,
        new: &str,
    ) -> (Vec<Edit>, Vec<(String, String)>) {
        let mut files = files();
        let a = analyse(&files);
        let file = a.file(Path::new(&files[in_file].0)).unwrap();
        let offset = files[in_file].1.find(needle).unwrap() + delta;
        let edits = rename(&a, file, offset, new).unwrap();
        for e in edits.iter().rev() {
            let name = a.sources.name(e.span.file);
            let text = &mut files.iter_mut().find(|(n, _)| n == name).unwrap().1;
            text.replace_range(e.span.range(), &e.text);
        }
        (edits, files)
    }

    /// The renamed program checks as the original did, its messages naming the new name.
    fn checks_as_before(
        in_file: usize,
        needle: &str,
        delta: usize,
        old: &str,
        new: &str,
        edits: usize,
    ) {
        let before = said(&analyse(&files()));
        assert!(before.len() >= 2, "{before:?}");
        let (made, after_files) = renamed(in_file, needle, delta, new);
        assert_eq!(made.len(), edits, "{made:?}");
        let expected: Vec<_> = before
            .into_iter()
            .map(|(c, f, l, m)| (c, f, l, m.replace(&format!("`{old}`"), &format!("`{new}`"))))
            .collect();
        assert_eq!(
            said(&analyse(&after_files)),
            expected,
            "renaming {old} to {new}"
        );
        let changed = after_files
            .iter()
            .zip(files())
            .filter(|(a, b)| a.1 != b.1)
            .count();
        assert!(changed >= 1);
    }

    #[test]
    fn a_declaration_renamed_from_a_reference_in_another_file() {
        // `registry.images` in the root; `registry "images"` in services.plat.
        checks_as_before(0, "registry.images", 10, "images", "pictures", 2);
        let (edits, files) = renamed(0, "registry.images", 10, "pictures");
        assert!(
            files[1]
                .1
                .contains("registry \"pictures\" { sku = premium }")
        );
        assert!(files[0].1.contains("registry = registry.pictures"));
        assert_eq!(
            edits
                .iter()
                .map(|e| e.span.file)
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            2
        );
    }

    #[test]
    fn a_declaration_renamed_from_its_name() {
        checks_as_before(1, "vault \"kv\"", 7, "kv", "keys", 3);
        checks_as_before(0, "logs \"ops\"", 6, "ops", "journal", 2);
    }

    #[test]
    fn subnets_networks_pools_and_kustomizations() {
        checks_as_before(0, "subnet \"nodes\"", 9, "nodes", "workers", 2);
        checks_as_before(0, "network.core.nodes", 9, "core", "backbone", 2);
        checks_as_before(0, "pool \"system\"", 7, "system", "sys", 1);
        checks_as_before(0, "kustomization \"apps\"", 16, "apps", "web", 2);
        let (_, files) = renamed(0, "kustomization \"apps\"", 16, "web");
        assert!(
            files[0].1.contains("depends_on = [\"web\"]"),
            "{}",
            files[0].1
        );
    }

    #[test]
    fn what_cannot_be_renamed_says_why() {
        let files = files();
        let a = analyse(&files);
        let at = |needle: &str, delta: usize| files[0].1.find(needle).unwrap() + delta;
        let refuse = |offset: usize, new: &str| rename(&a, 0, offset, new).unwrap_err();
        assert!(refuse(at("env \"prod\"", 6), "stage").contains("environment"));
        assert!(refuse(at("extension flux", 11), "x").contains("cannot be renamed"));
        assert!(refuse(at("logs = logs.ops", 8), "x").contains("kind"));
        assert!(refuse(at("logs \"ops\"", 6), "9lives").contains("not a name"));
        assert!(refuse(at("logs \"ops\"", 6), "idle").contains("already declared"));
        let p = prepare(&a, 0, at("network.core.nodes", 14)).unwrap();
        assert_eq!(p.name, "nodes");
        assert_eq!(&files[0].1[p.span.range()], "nodes");
    }
}
