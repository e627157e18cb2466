//! `platc.map.json`: which `.plat` declaration each deployment and resource comes from, so an ARM
//! deployment error (which names a deployment, a resource type and name, or a resource id) can be
//! traced back to the line that produced it (`platc trace`).

use super::module::Module;
use crate::bicep::{Expr, Item, Key, Part};
use crate::source::{SourceMap, Span};
use std::fmt::Write;

/// A resource name with every deployment-time part (the resource token, `guid()`, loop values)
/// replaced by `*`. Inside a module (`m`), parameters and variables are followed to what
/// main.bicep passes; in main.bicep only literal text survives.
fn pattern(e: &Expr, m: Option<&Module>) -> String {
    match e {
        Expr::Str(s) => s.to_string(),
        Expr::Interp(parts) => parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.to_string(),
                Part::Expr(x) => pattern(x, m),
            })
            .collect(),
        // `take(name, 44)` keeps a prefix; the token at its end is a wildcard anyway.
        Expr::Call("take", args) if !args.is_empty() => pattern(&args[0], m),
        Expr::Ident(i) => {
            let Some(m) = m else { return "*".into() };
            if let Some(a) = m.args.iter().find(|a| a.key == Key::Name(i.clone())) {
                return pattern(&a.value, None);
            }
            m.items
                .iter()
                .find_map(|it| match it {
                    Item::Var { name, value, .. } if name == i => Some(pattern(value, Some(m))),
                    _ => None,
                })
                .unwrap_or_else(|| "*".into())
        }
        _ => "*".into(),
    }
}

fn prop<'a>(body: &'a Expr, key: &str) -> Option<&'a Expr> {
    match body {
        Expr::Object(props) => props
            .iter()
            .find(|p| matches!(&p.key, Key::Name(k) if k == key))
            .map(|p| &p.value),
        _ => None,
    }
}

/// A JSON string literal.
fn js(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    js_into(&mut out, s);
    out
}

/// Appends `s` as a JSON string literal: the map has a line per resource, and most names need
/// no escape.
pub(super) fn js_into(out: &mut String, s: &str) {
    out.push('"');
    js_body_into(out, s);
    out.push('"');
}

/// The inside of a JSON string literal.
fn js_body_into(out: &mut String, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push_str(s);
    } else {
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                c if (c as u32) < 0x20 => {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                }
                c => out.push(c),
            }
        }
    }
}

fn place_into(out: &mut String, sources: &SourceMap, span: Span) {
    let (line, column) = sources.line_col(span.file, span.start as usize);
    out.push_str("{\"file\":");
    js_into(out, sources.name(span.file));
    out.push_str(",\"line\":");
    number_into(out, line);
    out.push_str(",\"column\":");
    number_into(out, column);
    out.push('}');
}

/// Decimal digits without the formatting machinery: the map writes two numbers per resource.
fn number_into(out: &mut String, n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&digits[at..]).expect("ASCII digits"));
}

/// Appends one compact row of a loop's resources to `out` (the rows of one type):
/// `[name below the deployment's resource, file, line, column, declaration]`. The declaration is
/// given in parts that alternate: text already escaped for JSON (the fixed words), then a name
/// to escape.
pub(super) fn loop_row(
    out: &mut String,
    sources: &SourceMap,
    child: &str,
    span: Span,
    what: &[&str],
) {
    out.push_str(if out.is_empty() {
        "\n          ["
    } else {
        ",\n          ["
    });
    js_into(out, child);
    out.push(',');
    js_into(out, sources.name(span.file));
    let (line, column) = sources.line_col(span.file, span.start as usize);
    out.push(',');
    number_into(out, line);
    out.push(',');
    number_into(out, column);
    out.push_str(",\"");
    for (n, part) in what.iter().enumerate() {
        if n % 2 == 0 {
            out.push_str(part);
        } else {
            js_body_into(out, part);
        }
    }
    out.push_str("\"]");
}

fn place(sources: &SourceMap, span: Span) -> String {
    let mut out = String::new();
    place_into(&mut out, sources, span);
    out
}

/// One deployment of the map, its lines already rendered (the map is written as text: a large
/// platform has hundreds of thousands of resources, too many to build as JSON values first).
pub(super) struct Entry {
    fields: Vec<(&'static str, String)>,
    resources: Vec<String>,
    /// Resources a loop makes, by type: their rows (`loop_row`), joined.
    loops: Vec<(&'static str, String)>,
}

/// The source-map entry of one module deployment; `map` adds the module's file.
pub(super) fn entry(sources: &SourceMap, m: &mut Module) -> Entry {
    let module_name = pattern(&Expr::Ident("name".into()), Some(&*m));
    // Full names by symbol, so children can prefix their parent's name.
    let mut full: Vec<(String, String)> = Vec::new();
    let mut resources = Vec::new();
    for item in &m.items {
        let Item::Resource(r) = item else { continue };
        let own = prop(&r.body, "name").map_or("*".into(), |e| pattern(e, Some(m)));
        let name = match prop(&r.body, "parent") {
            Some(Expr::Ident(parent)) => {
                let p = full
                    .iter()
                    .find(|(s, _)| s == parent)
                    .map_or("*".to_string(), |(_, n)| n.clone());
                format!("{p}/{own}")
            }
            _ => own,
        };
        full.push((r.name.clone(), name.clone()));
        if r.existing {
            continue;
        }
        let mut line = String::with_capacity(128);
        line.push_str("{\"symbol\":");
        js_into(&mut line, &r.name);
        line.push_str(",\"type\":");
        js_into(&mut line, crate::azure::type_name(r.type_));
        line.push_str(",\"name\":");
        js_into(&mut line, &name);
        // Extension resources (`scope:`) live under another resource, not in the group.
        if prop(&r.body, "scope").is_some() {
            line.push_str(",\"extension\":true");
        }
        if let Some((span, what)) = &r.origin {
            line.push_str(",\"source\":");
            place_into(&mut line, sources, *span);
            line.push_str(",\"declaration\":");
            js_into(&mut line, what);
        }
        line.push('}');
        resources.push(line);
    }
    let loops = std::mem::take(&mut m.origins);
    Entry {
        fields: vec![
            ("deployment", js(&format!("{}-{}", m.kind, m.decl))),
            ("declaration", js(&format!("{} \"{}\"", m.kind, m.decl))),
            ("module", String::new()),
            ("name", js(&module_name)),
            ("source", place(sources, m.span)),
        ],
        resources,
        loops,
    }
}

/// `platc.map.json` from the modules' entries and their files: one deployment per block and one
/// resource per line, so the map stays readable in a diff and small for large platforms.
pub(super) fn map(entries: Vec<Entry>, paths: &[String], platform: &str) -> String {
    let mut out = String::from("{\n  \"version\": 2,\n");
    out.push_str(&format!(
        "  \"resourceGroup\": {},\n  \"deployments\": [",
        js(&format!("rg-{platform}-*"))
    ));
    for (n, (e, path)) in entries.into_iter().zip(paths).enumerate() {
        out.push_str(if n == 0 { "\n    {\n" } else { ",\n    {\n" });
        for (k, v) in &e.fields {
            let v = if *k == "module" { js(path) } else { v.clone() };
            out.push_str(&format!("      \"{k}\": {v},\n"));
        }
        out.push_str("      \"resources\": [");
        for (i, r) in e.resources.iter().enumerate() {
            out.push_str(if i == 0 { "\n        " } else { ",\n        " });
            out.push_str(r);
        }
        out.push_str(if e.resources.is_empty() {
            "]"
        } else {
            "\n      ]"
        });
        if !e.loops.is_empty() {
            out.push_str(",\n      \"loops\": [");
            for (i, (type_, rows)) in e.loops.iter().enumerate() {
                out.push_str(if i == 0 {
                    "\n        {"
                } else {
                    ",\n        {"
                });
                out.push_str("\"type\": ");
                js_into(&mut out, crate::azure::type_name(type_));
                out.push_str(", \"items\": [");
                out.push_str(rows);
                out.push_str("\n        ]}");
            }
            out.push_str("\n      ]");
        }
        out.push_str("\n    }");
    }
    out.push_str("\n  ]\n}\n");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn json_strings_match_serde() {
        for s in [
            "plain",
            "a\"b\\c",
            "line\nbreak\ttab\r",
            "\u{1}\u{8}\u{c}\u{1f}",
            "ünï/cødé",
        ] {
            assert_eq!(super::js(s), serde_json::to_string(s).unwrap());
        }
    }
}
