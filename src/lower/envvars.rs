//! Values read from the azd environment (`env("NAME")` in a string field). They reach lowering as
//! marker strings; this pass turns each into a module parameter fed by a main.bicep parameter, which
//! main.parameters.json fills with `${NAME}` (or `${NAME=default}`).

use super::module::Module;
use crate::bicep::{self, Decorator, Expr, Item, Key, Part, Prop, Type, id};
use crate::collections::IndexMap;
use crate::model::parse_env_marker;

/// The main.bicep parameter for an azd environment variable: `K8S_VERSION` → `envK8sVersion`.
pub(crate) fn param_name(var: &str) -> String {
    bicep::ident("env", &var.to_ascii_lowercase())
}

/// Replaces markers in `e`, recording each variable and its default.
fn expr(e: &mut Expr, found: &mut IndexMap<String, Option<String>>) {
    match e {
        Expr::Str(s) => {
            if let Some((var, default)) = parse_env_marker(s) {
                *e = id(param_name(&var));
                found.entry(var).or_insert(default);
            }
        }
        Expr::Interp(parts) => {
            for p in parts {
                if let Part::Expr(x) = p {
                    expr(x, found);
                }
            }
        }
        Expr::Array(items) => items.iter_mut().for_each(|x| expr(x, found)),
        Expr::Object(props) => props.iter_mut().for_each(|p| expr(&mut p.value, found)),
        Expr::Call(_, args) => args.iter_mut().for_each(|x| expr(x, found)),
        Expr::Member(b, _) | Expr::Not(b) => expr(b, found),
        Expr::Index(a, b) | Expr::Binary(a, _, b) => {
            expr(a, found);
            expr(b, found);
        }
        Expr::Ternary(a, b, c) => {
            expr(a, found);
            expr(b, found);
            expr(c, found);
        }
        Expr::For(_, a, b) => {
            expr(a, found);
            expr(b, found);
        }
        Expr::Table(t) => t.rewrite(|cell| {
            let (var, default) = parse_env_marker(cell)?;
            let param = param_name(&var);
            found.entry(var).or_insert(default);
            Some((param, false))
        }),
        Expr::Int(_) | Expr::Bool(_) | Expr::Null | Expr::Ident(_) => {}
    }
}

/// A parameter default must be a literal: a marker there (an environment override that reads the
/// azd environment) falls back to the variable's default.
fn literal(e: &mut Expr) {
    match e {
        Expr::Str(s) => {
            if let Some((_, default)) = parse_env_marker(s) {
                *s = default.unwrap_or_default().into();
            }
        }
        Expr::Array(items) => items.iter_mut().for_each(literal),
        Expr::Object(props) => props.iter_mut().for_each(|p| literal(&mut p.value)),
        Expr::Table(t) => t.rewrite(|cell| {
            let (_, default) = parse_env_marker(cell)?;
            Some((default.unwrap_or_default(), true))
        }),
        _ => {}
    }
}

/// Rewrites one module; returns the variables it reads.
pub(crate) fn module(m: &mut Module) -> IndexMap<String, Option<String>> {
    let mut found = IndexMap::default();
    for item in &mut m.items {
        match item {
            Item::Resource(r) => {
                expr(&mut r.body, &mut found);
                if let Some(c) = &mut r.condition {
                    expr(c, &mut found);
                }
            }
            Item::Var { value, .. } => expr(value, &mut found),
            _ => {}
        }
    }
    for p in &mut m.lifted_params {
        if let Item::Param {
            default: Some(d), ..
        } = p
        {
            literal(d);
        }
    }
    for (var, _) in &found {
        let name = param_name(var);
        m.params.push(Item::Param {
            decorators: vec![Decorator::description(format!(
                "From the azd environment variable {var}"
            ))],
            name: name.clone(),
            ty: Type::String,
            default: None,
        });
        m.args.push(Prop {
            key: Key::Name(name.clone().into()),
            value: id(name),
            comment: None,
        });
    }
    found
}

/// Markers in main.bicep's per-environment settings become references to the main parameters.
pub(crate) fn settings(values: &mut [Expr], found: &mut IndexMap<String, Option<String>>) {
    for v in values {
        expr(v, found);
    }
}
