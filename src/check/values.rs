//! What a value of the wrong type was probably meant to be: the help and the replacement for a
//! type mismatch, worked out from the value as written and the type the field takes.

use crate::schema::Ty;
use crate::syntax::ast::{Value, ValueKind};

/// A help line and, where one edit does what it says, the replacement for the value's span.
pub(super) struct Repair {
    pub help: String,
    pub fix: Option<String>,
}

fn fixed(help: String, fix: String) -> Option<Repair> {
    Some(Repair {
        help,
        fix: Some(fix),
    })
}

fn unquote(s: &str) -> Option<Repair> {
    fixed(format!("write `{s}` without quotes"), s.to_string())
}

/// `declared(kind, name)` says whether a declaration exists, for a name written as a string
/// where a reference is expected.
pub(super) fn repair(v: &Value, ty: &Ty, declared: &dyn Fn(&str, &str) -> bool) -> Option<Repair> {
    match (&v.kind, ty) {
        (ValueKind::Str(s), Ty::Enum(vals)) if vals.contains(&s.as_str()) => unquote(s),
        (ValueKind::Str(s), Ty::Enum(vals)) => {
            let s = crate::diag::did_you_mean(s, vals.iter().copied())?;
            fixed(format!("write `{s}` without quotes"), s.to_string())
        }
        (ValueKind::Str(s), Ty::Int { .. }) if s.parse::<i64>().is_ok() => unquote(s),
        (ValueKind::Str(s) | ValueKind::Word(s), Ty::Bool) => {
            let b = super::bool_word(s)?;
            fixed(format!("write `{b}`, without quotes"), b.to_string())
        }
        (ValueKind::Str(s), Ty::Cidr) if crate::net::Cidr::parse(s).is_ok() => unquote(s),
        (ValueKind::Str(s), Ty::Ip) if crate::net::parse_ip(s).is_ok() => unquote(s),
        (ValueKind::Int(i), Ty::Str) => fixed(format!("quote it: `\"{i}\"`"), format!("\"{i}\"")),
        (ValueKind::Word(w), Ty::Str | Ty::StrOrEnv) => {
            fixed(format!("quote it: `\"{w}\"`"), format!("\"{w}\""))
        }
        (ValueKind::Int(i), Ty::Duration { .. }) => Some(Repair {
            help: format!("add a unit: `{i}s`, `{i}m`, `{i}h` or `{i}d`"),
            fix: None,
        }),
        (ValueKind::Duration { millis }, Ty::Int { .. }) if millis % 1000 == 0 => {
            let shown = super::human_secs(millis / 1000);
            let n = shown.trim_end_matches(|c: char| c.is_ascii_alphabetic());
            fixed(
                format!("this field counts in its own unit: write `{n}`"),
                n.to_string(),
            )
        }
        (ValueKind::Str(s), Ty::Ref(kinds)) => {
            let kind = kinds.iter().find(|k| declared(k, s))?;
            fixed(
                format!("refer to the declaration: `{kind}.{s}`"),
                format!("{kind}.{s}"),
            )
        }
        (ValueKind::Str(url), Ty::GitopsSource) if url.contains("://") => {
            let call = format!("git({}, branch = \"main\")", quoted(url));
            fixed(format!("wrap the URL in `git(...)`: `{call}`"), call)
        }
        (ValueKind::Range(a, b), Ty::List(Ty::Int { .. })) if a <= b && b - a < 16 => {
            let items: Vec<String> = (*a..=*b).map(|i| i.to_string()).collect();
            let list = format!("[{}]", items.join(", "));
            fixed(format!("list each one: `{list}`"), list)
        }
        (ValueKind::List(items), Ty::Range { .. }) => match items.as_slice() {
            [
                Value {
                    kind: ValueKind::Int(a),
                    ..
                },
                Value {
                    kind: ValueKind::Int(b),
                    ..
                },
            ] => fixed(
                format!("a range is written `{a}..{b}`"),
                format!("{a}..{b}"),
            ),
            _ => None,
        },
        (_, Ty::List(inner)) if fits(&v.kind, inner) => {
            let text = source_text(v)?;
            fixed(format!("make it a list: `[{text}]`"), format!("[{text}]"))
        }
        _ => None,
    }
}

/// Whether a value of this shape is what a list of `inner` holds.
fn fits(kind: &ValueKind, inner: &Ty) -> bool {
    matches!(
        (kind, inner),
        (ValueKind::Str(_), Ty::Str | Ty::StrOrEnv)
            | (ValueKind::Int(_), Ty::Int { .. })
            | (ValueKind::Cidr(_), Ty::Cidr)
            | (ValueKind::Call { .. }, Ty::StrOrEnv)
    )
}

pub(super) use crate::syntax::quoted;

/// The value written out again, for the simple values a fix moves around.
pub(super) fn source_text(v: &Value) -> Option<String> {
    Some(match &v.kind {
        ValueKind::Str(s) => quoted(s),
        ValueKind::Int(i) => i.to_string(),
        ValueKind::Bool(b) => b.to_string(),
        ValueKind::Cidr(s) | ValueKind::Ip(s) | ValueKind::Word(s) => s.to_string(),
        ValueKind::Ref(parts) => parts
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join("."),
        ValueKind::Call { name, args } => {
            let args: Option<Vec<String>> = args
                .iter()
                .map(|a| {
                    let value = source_text(&a.value)?;
                    Some(match &a.name {
                        Some(n) => format!("{} = {value}", n.name),
                        None => value,
                    })
                })
                .collect();
            format!("{}({})", name.name, args?.join(", "))
        }
        _ => return None,
    })
}
