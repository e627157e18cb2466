//! `platc.map.json`: which `.plat` declaration each deployment and resource comes from, so an ARM
//! deployment error (which names a deployment, a resource type and name, or a resource id) can be
//! traced back to the line that produced it (`platc trace`).

use super::json::{js_body_into, js_into, number_into};
use super::module::Module;
use crate::bicep::{Expr, Item, Key, Part, Resource};
use crate::source::{SourceMap, Span};

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
        Expr::Call("take", args) if !args.is_empty() => {
            let p = pattern(&args[0], m);
            match args.get(1) {
                Some(Expr::Int(n)) if !p.contains('*') => p.chars().take(*n as usize).collect(),
                _ => p,
            }
        }
        // The module's own deployment (what a grant's deployment is named after).
        Expr::Member(f, name) if name == "name" && matches!(**f, Expr::Call("deployment", _)) => {
            m.map_or("*".into(), |m| format!("{}-{}", m.kind, m.decl))
        }
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

/// A resource's name below its parent, as a pattern.
fn own_name(r: &Resource, m: &Module) -> String {
    match (prop(&r.body, "name"), &r.each) {
        // A loop of none or one (a key created only where it is missing) names that one.
        (Some(Expr::Ident(v)), Some((var, iter))) if v == var => {
            only_item(iter).unwrap_or_else(|| "*".into())
        }
        (name, _) => name.map_or("*".into(), |e| pattern(e, Some(m))),
    }
}

/// The one string a loop's list can hold, where every list it may be holds that one or none.
fn only_item(iter: &Expr) -> Option<String> {
    let mut found: Option<String> = None;
    let mut lists = vec![iter];
    while let Some(e) = lists.pop() {
        match e {
            Expr::Ternary(_, a, b) => lists.extend([&**a, &**b]),
            Expr::Array(items) => {
                for i in items {
                    let Expr::Str(s) = i else { return None };
                    if found.as_deref().is_some_and(|f| f != s.as_ref()) {
                        return None;
                    }
                    found = Some(s.to_string());
                }
            }
            _ => return None,
        }
    }
    found
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

/// A resource's type as ARM errors name it; a module (a grant's) is a deployment of its own.
fn type_name(r: &Resource) -> &'static str {
    if r.module {
        crate::azure::DEPLOYMENT_TYPE
    } else {
        crate::azure::type_name(r.type_)
    }
}

/// One deployment of the map as text: all but the module's file, which is known only once the
/// modules are printed (the map is written as text: a large platform has hundreds of thousands
/// of resources, too many to build as JSON values first).
pub(super) struct Entry {
    /// Up to `"module": `.
    head: String,
    /// From the module's file to the end of the deployment.
    tail: String,
}

/// The source-map entry of one module deployment; `write_entry` adds the module's file.
pub(super) fn entry(sources: &SourceMap, m: &mut Module) -> Entry {
    let mut head = String::with_capacity(96);
    head.push_str("      \"deployment\": \"");
    js_body_into(&mut head, m.kind);
    head.push('-');
    js_body_into(&mut head, &m.decl);
    head.push_str("\",\n      \"declaration\": \"");
    js_body_into(&mut head, m.kind);
    head.push_str(" \\\"");
    js_body_into(&mut head, &m.decl);
    head.push_str("\\\"\",\n      \"module\": ");
    let mut tail = String::with_capacity(256);
    tail.push_str(",\n      \"name\": ");
    js_into(&mut tail, &pattern(&Expr::Ident("name".into()), Some(&*m)));
    tail.push_str(",\n      \"source\": ");
    place_into(&mut tail, sources, m.span);
    tail.push_str(",\n      \"resources\": [");
    // Full names by symbol, so children can prefix their parent's name.
    let mut full: Vec<(&str, String)> = Vec::new();
    let mut any = false;
    for item in &m.items {
        let Item::Resource(r) = item else { continue };
        let own = own_name(r, m);
        let name = match prop(&r.body, "parent") {
            Some(Expr::Ident(parent)) => {
                let p = full
                    .iter()
                    .find(|(s, _)| s == parent)
                    .map_or("*", |(_, n)| n.as_str());
                format!("{p}/{own}")
            }
            _ => own,
        };
        if !r.existing {
            tail.push_str(if any { ",\n        " } else { "\n        " });
            any = true;
            tail.push_str("{\"symbol\":");
            js_into(&mut tail, &r.name);
            tail.push_str(",\"type\":");
            js_into(&mut tail, type_name(r));
            tail.push_str(",\"name\":");
            js_into(&mut tail, &name);
            // Extension resources (`scope:`) live under another resource, not in the group.
            if prop(&r.body, "scope").is_some() {
                tail.push_str(",\"extension\":true");
            }
            if let Some((span, what)) = &r.origin {
                tail.push_str(",\"source\":");
                place_into(&mut tail, sources, *span);
                tail.push_str(",\"declaration\":");
                js_into(&mut tail, what);
            }
            tail.push('}');
        }
        full.push((&r.name, name));
    }
    tail.push_str(if any { "\n      ]" } else { "]" });
    if !m.origins.is_empty() {
        tail.push_str(",\n      \"loops\": [");
        for (i, (type_, rows)) in m.origins.iter().enumerate() {
            tail.push_str(if i == 0 {
                "\n        {"
            } else {
                ",\n        {"
            });
            tail.push_str("\"type\": ");
            js_into(&mut tail, crate::azure::type_name(type_));
            tail.push_str(", \"items\": [");
            tail.push_str(rows);
            tail.push_str("\n        ]}");
        }
        tail.push_str("\n      ]");
    }
    tail.push_str("\n    }");
    m.origins = Vec::new();
    Entry { head, tail }
}

/// How long `write_entry` makes the deployment, give or take the escapes in `module`.
pub(super) fn entry_len(e: &Entry, module: &str) -> usize {
    ",\n    {\n".len() + e.head.len() + module.len() + 2 + e.tail.len()
}

/// Appends one deployment of the map, each after a comma (`map` drops the first one's).
pub(super) fn write_entry(out: &mut String, e: Entry, module: &str) {
    out.push_str(",\n    {\n");
    out.push_str(&e.head);
    js_into(out, module);
    out.push_str(&e.tail);
}

/// `platc.map.json` from each kind's deployments (`write_entry`): one deployment per block and
/// one resource per line, so the map stays readable in a diff and small for large platforms.
pub(super) fn map(mut kinds: Vec<String>, platform: &str) -> String {
    let mut head = String::from("{\n  \"version\": 2,\n  \"resourceGroup\": ");
    js_into(&mut head, &crate::azure::resource_group(platform, "*"));
    head.push_str(",\n  \"deployments\": [");
    // The first deployment takes no comma before it.
    if let Some(first) = kinds.iter_mut().find(|k| !k.is_empty()) {
        first.remove(0);
    }
    super::join(&head, kinds, "\n  ]\n}\n")
}
