//! Environments. `env "prod" { field = value }` inside any block overrides that block's fields when
//! the platform is deployed to the azd environment `prod`. The program is checked once per
//! environment, each time on a copy of the syntax tree with that environment's overrides applied,
//! so an override is held to exactly the rules of the field it replaces.

use super::Checker;
use crate::diag::{self, Code, Diagnostic};
use crate::syntax::ast::{self, Statement, ValueKind};

/// The environments the platform names in `platform { environments = [...] }`; `None` when
/// `environments` is written but is not a list (reported with its type), so that no `env`
/// block is reported as naming an undeclared environment as well.
pub(super) fn declared(files: &[ast::File]) -> Option<Vec<(String, crate::source::Span)>> {
    let mut out = Vec::new();
    for file in files {
        for st in &file.statements {
            let Statement::Block(b) = st else { continue };
            if b.kind.name != "platform" {
                continue;
            }
            for inner in b.statements() {
                if let Statement::Attribute(a) = inner
                    && a.key.name == "environments"
                {
                    let ValueKind::List(items) = &a.value.kind else {
                        return None;
                    };
                    for item in items {
                        if let ValueKind::Str(s) = &item.kind {
                            out.push((s.as_str().to_owned(), item.span));
                        }
                    }
                }
            }
        }
    }
    Some(out)
}

/// Checks the names in `environments`: each one an azd environment name, and no two the same to
/// Azure, which compares resource group names (`rg-PLATFORM-ENV`) and object keys without case.
pub(super) fn check_names(c: &mut Checker, envs: &[(String, crate::source::Span)]) {
    let mut seen: crate::collections::IndexMap<String, (&str, crate::source::Span)> =
        Default::default();
    for (name, span) in envs {
        if !is_azd_env_name(name) {
            c.report(
                Diagnostic::new(
                    Code::BadLabel,
                    if name.is_empty() {
                        "an environment needs a name".to_string()
                    } else {
                        format!("`{name}` is not an azd environment name")
                    },
                    *span,
                    "not an environment name",
                )
                .with_help("azd environment names are 1 to 64 letters, digits, `-`, `_`, `.` or parentheses, e.g. `\"prod\"`")
                .with_fix_if(
                    {
                        let tried = name.trim().replace(|c: char| c.is_whitespace(), "-");
                        is_azd_env_name(&tried).then(|| (*span, format!("\"{tried}\"")))
                    },
                ),
            );
            continue;
        }
        let key = name.to_lowercase();
        if let Some(&(first_name, first)) = seen.get(&key) {
            if first_name == name {
                // Reported with every list's repeats.
                continue;
            }
            let message = format!(
                "environment `{name}` differs from an earlier one only in case, and Azure does not tell them apart"
            );
            c.report(
                Diagnostic::new(Code::Duplicate, message, *span, "listed again")
                    .with_secondary(first, "first here")
                    .with_help("remove it, or give the environment a name of its own"),
            );
            continue;
        }
        seen.insert(key, (name, *span));
    }
}

/// What azd accepts as an environment name.
fn is_azd_env_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'(' | b')'))
}

/// Fields an `env` block may not override, with the reason: a value that is not one per
/// environment in what platc writes.
const FIXED: &[(&str, &str, &str)] = &[
    (
        "kustomization",
        "substitute",
        "the variables are the platform's in every environment: set `substitute` in the kustomization itself",
    ),
    (
        "platform",
        "location",
        "azd keeps each environment's region in its own AZURE_LOCATION: leave `location = env(\"AZURE_LOCATION\")` and run `azd env set AZURE_LOCATION <region>` in the environment",
    ),
    (
        "platform",
        "environments",
        "list every environment once, in the platform block itself",
    ),
    (
        "platform",
        "policies",
        "the rules are the platform's: a rule that should judge one environment reads `input.environment`",
    ),
    (
        "platform",
        "waivers",
        "a waiver holds for the platform: a rule that should spare one environment reads `input.environment`",
    ),
    (
        "cluster",
        "admins",
        "each azd environment names its own admins through its variables: write `admins = [env(\"AKS_ADMIN_GROUP_ID\")]` once and run `azd env set AKS_ADMIN_GROUP_ID <object id>` in the environment",
    ),
];

/// The `env` blocks a program has.
#[derive(Default)]
pub(super) struct Overrides {
    /// Whether there is any (one at the top level included).
    pub any: bool,
    /// The environments some block overrides: only these need a view of their own.
    pub named: std::collections::HashSet<String>,
}

/// The declared environments, as a list for messages and a set for look-ups.
struct Names<'a> {
    /// False when `environments` could not be read: then no name can be said to be undeclared.
    known: bool,
    list: Vec<&'a str>,
    set: std::collections::HashSet<&'a str>,
}

/// Checks every `env` block once: it names a declared environment and holds only fields.
/// Returns which environments are overridden, in the same walk over the whole tree.
pub(super) fn check_blocks(
    c: &mut Checker,
    files: &[ast::File],
    envs: Option<&[(String, crate::source::Span)]>,
) -> Overrides {
    let known = envs.is_some();
    let envs = envs.unwrap_or_default();
    fn walk(c: &mut Checker, stmts: &[Statement], envs: &Names, top: bool, found: &mut Overrides) {
        for st in stmts {
            let Statement::Block(b) = st else { continue };
            let env = b.kind.name == "env";
            found.any |= env;
            if env && let Some(l) = &b.label {
                found.named.insert(l.text.as_str().to_owned());
            }
            if env && !top {
                continue;
            }
            // An environment's overrides in one block are one `env` block: a second would
            // silently win over the first.
            let mut seen: Vec<&ast::Label> = Vec::new();
            for inner in b.statements() {
                let Statement::Block(e) = inner else { continue };
                if e.kind.name != "env" {
                    continue;
                }
                check_one(c, e, envs, b.kind.name.as_str());
                let Some(label) = &e.label else { continue };
                match seen.iter().find(|l| l.text == label.text) {
                    Some(first) => c.report(
                        Diagnostic::new(
                            Code::Duplicate,
                            format!(
                                "`{}` has a second `env \"{}\"` block",
                                b.kind.name, label.text
                            ),
                            label.span,
                            "second block for this environment",
                        )
                        .with_secondary(first.span, "first here")
                        .with_help("move these overrides into the first block"),
                    ),
                    None => seen.push(label),
                }
            }
            walk(c, b.statements(), envs, false, found);
        }
    }
    let names = Names {
        known,
        list: envs.iter().map(|(n, _)| n.as_str()).collect(),
        set: envs.iter().map(|(n, _)| n.as_str()).collect(),
    };
    let mut found = Overrides::default();
    for file in files {
        walk(c, &file.statements, &names, true, &mut found);
    }
    found
}

fn check_one(c: &mut Checker, b: &ast::Block, envs: &Names, parent: &str) {
    for st in b.statements() {
        if let Statement::Attribute(a) = st
            && let Some((_, field, why)) = FIXED
                .iter()
                .find(|(kind, field, _)| *kind == parent && a.key.name == *field)
        {
            c.report(
                Diagnostic::new(
                    Code::EnvironmentShape,
                    format!("`{field}` cannot differ by environment"),
                    a.key.span,
                    "overridden here",
                )
                .with_help(*why),
            );
        }
    }
    let names = &envs.list;
    match &b.label {
        None => c.report(
            Diagnostic::new(
                Code::BadLabel,
                "`env` needs the environment's name",
                b.kind.span,
                "name expected after this",
            )
            .with_help("write `env \"prod\" { field = value }`"),
        ),
        Some(l) if envs.known && !envs.set.contains(l.text.as_str()) => {
            let mut d = Diagnostic::new(
                Code::Unresolved,
                format!("the platform declares no environment `{}`", l.text),
                l.span,
                "not in `environments`",
            );
            d = match diag::did_you_mean(&l.text, names.iter().copied()) {
                Some(s) => d.suggest(l.span, format!("\"{s}\"")),
                None if names.is_empty() => d.with_help(format!(
                    "declare it: `platform \"NAME\" {{ environments = [\"{}\"] }}`",
                    l.text
                )),
                None => d.with_help(format!(
                    "add `\"{}\"` to the platform's `environments`, or use one of {}",
                    l.text,
                    diag::one_of(names)
                )),
            };
            c.report(d);
        }
        _ => {}
    }
    for st in b.statements() {
        if let Statement::Block(inner) = st {
            c.report(
                Diagnostic::new(
                    Code::UnknownKind,
                    "`env` blocks override fields only",
                    inner.kind.span,
                    "a block inside `env`",
                )
                .with_help(format!(
                    "put `env` blocks inside the `{}` block whose fields they override",
                    inner.kind.name
                )),
            );
        }
    }
    no_clause(c, b);
}

/// `env "prod" { }` overrides the block it is in, so it names no target.
fn no_clause(c: &mut Checker, b: &ast::Block) {
    if let (Some(first), Some(last)) = (b.qualifiers.first(), b.qualifiers.last()) {
        let from = b.label.as_ref().map_or(b.kind.span, |l| l.span).end;
        c.report(
            Diagnostic::new(
                Code::Syntax,
                "`env` takes no `on`/`in` clause",
                first.span,
                "unexpected",
            )
            .with_help("an `env` block overrides the block it is written in: remove the clause")
            .with_fix(
                crate::source::Span {
                    start: from,
                    ..last.span
                },
                "",
            ),
        );
    }
}

/// A copy of the program as environment `env` sees it (`None`: the defaults): every block's fields
/// overridden by its `env "ENV"` block, and every `env` block removed.
pub(super) fn apply(files: &[ast::File], env: Option<&str>) -> Vec<ast::File> {
    files
        .iter()
        .map(|f| ast::File {
            id: f.id,
            statements: f.statements.iter().map(|s| statement(s, env)).collect(),
            comments: Vec::new(),
        })
        .collect()
}

fn statement(st: &Statement, env: Option<&str>) -> Statement {
    match st {
        Statement::Attribute(a) => Statement::Attribute(a.clone()),
        Statement::Block(b) => {
            let mut b = b.clone();
            if let Some(body) = &mut b.body {
                let overrides: Vec<ast::Attribute> = body
                    .statements
                    .iter()
                    .filter_map(|s| match s {
                        Statement::Block(e)
                            if e.kind.name == "env"
                                && e.label.as_ref().map(|l| l.text.as_str()) == env
                                && env.is_some() =>
                        {
                            Some(e)
                        }
                        _ => None,
                    })
                    .flat_map(|e| {
                        e.statements().iter().filter_map(|s| match s {
                            Statement::Attribute(a) => Some(a.clone()),
                            _ => None,
                        })
                    })
                    .collect();
                let mut kept: Vec<Statement> = body
                    .statements
                    .iter()
                    .filter(|s| !matches!(s, Statement::Block(e) if e.kind.name == "env"))
                    .map(|s| statement(s, env))
                    .collect();
                for o in overrides {
                    match kept
                        .iter_mut()
                        .find(|s| matches!(s, Statement::Attribute(a) if a.key.name == o.key.name))
                    {
                        Some(slot) => *slot = Statement::Attribute(o),
                        None => kept.push(Statement::Attribute(o)),
                    }
                }
                body.statements = kept;
            }
            Statement::Block(b)
        }
    }
}
