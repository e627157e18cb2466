//! One `infra/` for every environment. Each environment's platform is lowered on its own; the
//! modules of one declaration are then merged: values that differ become module parameters (with
//! the defaults' value as the parameter default, so scanners still read a real value), resources
//! that exist only in some environments become conditional, and main.bicep picks each value by
//! `environmentName` at provision time.

use super::module::Module;
use crate::bicep::{self, Decorator, Expr, Item, Part, Prop, Resource, Type};

/// A module parameter whose value depends on the environment.
#[derive(Debug, Clone)]
pub(crate) struct Lifted {
    pub param: String,
    /// One value per variant, in the order the variants were given (defaults first).
    pub values: Vec<Expr>,
}

/// Where merging failed: a property path whose shape, not just its value, differs.
pub(crate) struct Conflict(pub String);

fn closed(e: &Expr) -> bool {
    match e {
        Expr::Str(_) | Expr::Int(_) | Expr::Bool(_) | Expr::Null => true,
        Expr::Array(items) => items.iter().all(closed),
        Expr::Table(t) => !t.refers,
        Expr::Object(props) => props
            .iter()
            .all(|p| matches!(p.key, bicep::Key::Name(_)) && closed(&p.value)),
        _ => false,
    }
}

/// An array of records.
pub(crate) fn is_table(e: &Expr) -> bool {
    matches!(e, Expr::Table(_))
        || matches!(e, Expr::Array(rows) if rows.iter().all(|r| matches!(r, Expr::Object(_))))
}

fn type_of(e: &Expr) -> Type {
    match e {
        Expr::Int(_) => Type::Int,
        Expr::Bool(_) => Type::Bool,
        Expr::Array(_) | Expr::Table(_) => Type::Array,
        Expr::Object(_) => Type::Object,
        _ => Type::String,
    }
}

struct Merger {
    /// Whether lifted values are copied out of the variants; without, only the first variant's
    /// value is kept (as the default) and the caller takes the rest with `take_lifted`.
    copy_values: bool,
    lifted: Vec<Lifted>,
    taken: std::collections::HashSet<String>,
    variants: usize,
}

impl Merger {
    fn name(&mut self, path: &[String]) -> String {
        // `properties` adds nothing to a name, unless it is the whole of what differs.
        let last = path.len().saturating_sub(1);
        let words: Vec<&str> = path
            .iter()
            .enumerate()
            .filter(|(i, p)| *p != "properties" || *i == last)
            .map(|(_, p)| p.as_str())
            .collect();
        let base = bicep::ident("", &words.join("-"));
        let mut name = base.clone();
        let mut n = 2;
        while self.taken.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        name
    }

    /// Lifts a value into a parameter; `vals` has one entry per variant where it exists, the
    /// others take the first present value (they never use it).
    fn lift(&mut self, path: &[String], vals: &[(usize, &Expr)]) -> Expr {
        let param = self.name(path);
        let fallback = vals[0].1.clone();
        if !self.copy_values {
            self.lifted.push(Lifted {
                param: param.clone(),
                values: vec![fallback],
            });
            return Expr::Ident(param.into());
        }
        let values = (0..self.variants)
            .map(|i| {
                vals.iter()
                    .find(|(v, _)| *v == i)
                    .map_or(fallback.clone(), |(_, e)| (*e).clone())
            })
            .collect();
        self.lifted.push(Lifted {
            param: param.clone(),
            values,
        });
        Expr::Ident(param.into())
    }

    fn expr(&mut self, path: &[String], vals: &[(usize, &Expr)]) -> Result<Expr, Conflict> {
        let first = vals[0].1;
        if vals.iter().all(|(_, e)| *e == first) {
            return Ok(first.clone());
        }
        // Descend while the shapes agree, so only the values that really differ become parameters.
        let same_shape = vals.iter().all(|(_, e)| match (first, e) {
            (Expr::Object(a), Expr::Object(b)) => {
                a.len() == b.len() && a.iter().all(|p| b.iter().any(|q| q.key == p.key))
            }
            (Expr::Array(a), Expr::Array(b)) => a.len() == b.len(),
            _ => false,
        });
        if !same_shape
            && vals.iter().all(|(_, e)| closed(e))
            && vals.iter().all(|(_, e)| type_of(e) == type_of(first))
        {
            return Ok(self.lift(path, vals));
        }
        match first {
            Expr::Object(props) => self.object(path, props, vals),
            Expr::Array(items) => self.array(path, items.len(), vals),
            Expr::Call(f, args) => self.call(path, f, args.len(), vals),
            Expr::Interp(parts) => self.interp(path, parts, vals),
            _ => Err(conflict(path)),
        }
    }

    /// Objects with the same keys, property by property.
    fn object(
        &mut self,
        path: &[String],
        props: &[Prop],
        vals: &[(usize, &Expr)],
    ) -> Result<Expr, Conflict> {
        let mut out = Vec::new();
        for p in props {
            let mut sub = Vec::new();
            for (i, e) in vals {
                let Expr::Object(other) = e else {
                    return Err(conflict(path));
                };
                if other.len() != props.len() {
                    return Err(conflict(path));
                }
                let Some(q) = other.iter().find(|q| q.key == p.key) else {
                    return Err(conflict(path));
                };
                sub.push((*i, &q.value));
            }
            let key = match &p.key {
                bicep::Key::Name(k) => k.clone(),
                bicep::Key::Expr(_) => "key".into(),
            };
            out.push(Prop {
                key: p.key.clone(),
                value: self.expr(&child(path, &key), &sub)?,
                comment: p.comment.clone(),
            });
        }
        Ok(Expr::Object(out))
    }

    /// Arrays of the same length, element by element.
    fn array(
        &mut self,
        path: &[String],
        len: usize,
        vals: &[(usize, &Expr)],
    ) -> Result<Expr, Conflict> {
        let out = self.elementwise(path, None, len, vals)?;
        Ok(Expr::Array(out))
    }

    /// Calls of the same function, argument by argument; the arguments add nothing to the path.
    fn call(
        &mut self,
        path: &[String],
        f: &'static str,
        len: usize,
        vals: &[(usize, &Expr)],
    ) -> Result<Expr, Conflict> {
        let out = self.elementwise(path, Some(f), len, vals)?;
        Ok(Expr::Call(f, out))
    }

    /// The `len` elements of arrays (`call` `None`, each element's position added to the path),
    /// or arguments of calls of `call`, merged position by position.
    fn elementwise(
        &mut self,
        path: &[String],
        call: Option<&'static str>,
        len: usize,
        vals: &[(usize, &Expr)],
    ) -> Result<Vec<Expr>, Conflict> {
        let mut out = Vec::with_capacity(len);
        for n in 0..len {
            let mut sub = Vec::new();
            for (i, e) in vals {
                let other = match (e, call) {
                    (Expr::Array(other), None) => other,
                    (Expr::Call(g, other), Some(f)) if *g == f => other,
                    _ => return Err(conflict(path)),
                };
                if other.len() != len {
                    return Err(conflict(path));
                }
                sub.push((*i, &other[n]));
            }
            let indexed;
            let at: &[String] = match call {
                None => {
                    indexed = child(path, &n.to_string());
                    &indexed
                }
                Some(_) => path,
            };
            out.push(self.expr(at, &sub)?);
        }
        Ok(out)
    }

    /// Interpolated strings with the same text between their holes, hole by hole.
    fn interp(
        &mut self,
        path: &[String],
        parts: &[Part],
        vals: &[(usize, &Expr)],
    ) -> Result<Expr, Conflict> {
        let mut out = Vec::new();
        for (n, part) in parts.iter().enumerate() {
            match part {
                Part::Text(t) => {
                    let same = vals.iter().all(|(_, e)| matches!(e, Expr::Interp(o) if o.len() == parts.len() && matches!(&o[n], Part::Text(u) if u == t)));
                    if !same {
                        return Err(conflict(path));
                    }
                    out.push(part.clone());
                }
                Part::Expr(_) => {
                    let mut sub = Vec::new();
                    for (i, e) in vals {
                        match e {
                            Expr::Interp(o) if o.len() == parts.len() => match &o[n] {
                                Part::Expr(x) => sub.push((*i, x)),
                                Part::Text(_) => return Err(conflict(path)),
                            },
                            _ => return Err(conflict(path)),
                        }
                    }
                    out.push(Part::Expr(self.expr(path, &sub)?));
                }
            }
        }
        Ok(Expr::Interp(out))
    }
}

fn conflict(path: &[String]) -> Conflict {
    Conflict(path.join("."))
}

fn child(path: &[String], p: &str) -> Vec<String> {
    let mut c = path.to_vec();
    c.push(p.to_string());
    c
}

/// Moves the values `merge_in_place` lifted out of one variant's items, by walking the merged
/// items beside them: where the merged tree names a lifted parameter, the variant holds its
/// value. Returns the values in the order of `lifted`; `None` where the value has no place in
/// the variant's tree (a switch for a resource some variants lack, whose values `Lifted` holds).
pub(crate) fn take_lifted(
    merged: &[Item],
    variant: &mut [Item],
    lifted: &[Lifted],
) -> Vec<Option<Expr>> {
    let names: Vec<&str> = lifted.iter().map(|l| l.param.as_str()).collect();
    let mut found: Vec<Option<Expr>> = (0..lifted.len()).map(|_| None).collect();
    for item in variant.iter_mut() {
        let Some(name) = item_name(item).map(str::to_string) else {
            continue;
        };
        // A table variable lifted whole is a parameter of its own name.
        if let Some(k) = names.iter().position(|n| *n == name)
            && let Item::Var { value, .. } = item
        {
            found[k] = Some(std::mem::replace(value, Expr::Null));
            continue;
        }
        let Some(template) = merged.iter().find(|m| item_name(m) == Some(name.as_str())) else {
            continue;
        };
        match (template, item) {
            (Item::Var { value: a, .. }, Item::Var { value: b, .. }) => {
                take_from(a, b, &names, &mut found)
            }
            (Item::Resource(a), Item::Resource(b)) => {
                take_from(&a.body, &mut b.body, &names, &mut found)
            }
            _ => {}
        }
    }
    found
}

fn take_from(template: &Expr, variant: &mut Expr, names: &[&str], found: &mut [Option<Expr>]) {
    match (template, variant) {
        (Expr::Ident(p), v) if names.contains(&p.as_ref()) => {
            if let Some(k) = names.iter().position(|n| *n == p.as_ref())
                && !matches!(v, Expr::Ident(q) if q == p)
            {
                found[k] = Some(std::mem::replace(v, Expr::Null));
            }
        }
        (Expr::Object(a), Expr::Object(b)) => {
            for p in a {
                if let Some(q) = b.iter_mut().find(|q| q.key == p.key) {
                    take_from(&p.value, &mut q.value, names, found);
                }
            }
        }
        (Expr::Array(a), Expr::Array(b)) | (Expr::Call(_, a), Expr::Call(_, b)) => {
            for (x, y) in a.iter().zip(b.iter_mut()) {
                take_from(x, y, names, found);
            }
        }
        (Expr::Interp(a), Expr::Interp(b)) => {
            for (x, y) in a.iter().zip(b.iter_mut()) {
                if let (Part::Expr(x), Part::Expr(y)) = (x, y) {
                    take_from(x, y, names, found);
                }
            }
        }
        _ => {}
    }
}

fn item_name(item: &Item) -> Option<&str> {
    match item {
        Item::Resource(r) => Some(&r.name),
        Item::Var { name, .. } | Item::Param { name, .. } | Item::Output { name, .. } => Some(name),
        _ => None,
    }
}

/// Merges one declaration's module as each variant lowered it (the defaults first, then one per
/// environment of `envs`). `why` describes the parameters that values which differ become.
/// Values passed to the module that differ by environment (another declaration's output, which
/// no table of literals can carry) are picked in the call by the environment's name.
pub(crate) fn merge(
    variants: &[&Module],
    envs: &[String],
    why: &str,
) -> Result<(Module, Vec<Lifted>), Conflict> {
    let (mut merged, lifted) = merge_with(variants, why, true)?;
    for arg in &mut merged.args {
        let default = arg.value.clone();
        let mut value = default.clone();
        for (v, env) in variants.iter().skip(1).zip(envs).rev() {
            let theirs = v.args.iter().find(|a| a.key == arg.key).map(|a| &a.value);
            if let Some(theirs) = theirs.filter(|t| **t != default) {
                value = when_environment(env, theirs.clone(), value);
            }
        }
        arg.value = value;
    }
    Ok((merged, lifted))
}

/// `environmentName =~ 'ENV' ? then : otherwise`: case-insensitive, as main.bicep's
/// `environmentSettings[environmentName]` picks an environment's values.
pub(crate) fn when_environment(env: &str, then: Expr, otherwise: Expr) -> Expr {
    Expr::Ternary(
        Box::new(Expr::Binary(
            Box::new(Expr::Ident("environmentName".into())),
            "=~",
            Box::new(Expr::Str(env.to_owned().into())),
        )),
        Box::new(then),
        Box::new(otherwise),
    )
}

/// `merge` for declarations alike in shape, copying no lifted value but the first variant's (the
/// default): each `Lifted` holds that one value, and `take_lifted` moves the others out of their
/// modules. A large platform's tables are not held twice.
pub(crate) fn merge_in_place(
    variants: &[&Module],
    why: &str,
) -> Result<(Module, Vec<Lifted>), Conflict> {
    merge_with(variants, why, false)
}

fn merge_with(
    variants: &[&Module],
    why: &str,
    copy_values: bool,
) -> Result<(Module, Vec<Lifted>), Conflict> {
    if variants.iter().all(|m| m.same_as(variants[0])) {
        return Ok((variants[0].clone(), Vec::new()));
    }
    let base = &variants[0];
    let mut m = Merger {
        copy_values,
        lifted: Vec::new(),
        taken: variants.iter().flat_map(|v| declared(v)).collect(),
        variants: variants.len(),
    };
    let items = m.items(variants)?;
    for v in variants {
        if v.outputs != base.outputs {
            return Err(Conflict("outputs".into()));
        }
    }
    let mut out = Module {
        origins: base.origins.clone(),
        origin_line: base.origin_line,
        ..shell(base, items, base.lifted_params.clone())
    };
    add_params(&mut out, &variants[1..]);
    for l in &m.lifted {
        out.lifted_params
            .push(lifted_param(why, l.param.clone(), l.values[0].clone()));
    }
    Ok((out, m.lifted))
}

/// The names a module declares: parameters share one namespace with variables and resources.
fn declared(m: &Module) -> impl Iterator<Item = String> + '_ {
    m.params
        .iter()
        .chain(&m.items)
        .filter_map(item_name)
        .map(str::to_string)
}

/// Items in the order of the first variant that has them.
fn item_order(variants: &[&Module]) -> Vec<String> {
    let mut order: Vec<String> = Vec::new();
    for v in variants {
        let mut insert_at = 0;
        for item in &v.items {
            let Some(name) = item_name(item) else {
                continue;
            };
            match order.iter().position(|o| o == name) {
                Some(p) => insert_at = p + 1,
                None => {
                    order.insert(insert_at, name.to_string());
                    insert_at += 1;
                }
            }
        }
    }
    order
}

/// The item `name` of each variant that has one, with the variant's index; `at`, when the
/// variants are aligned, is where every variant has it.
fn present<'a>(variants: &[&'a Module], at: Option<usize>, name: &str) -> Vec<(usize, &'a Item)> {
    match at {
        Some(at) => variants
            .iter()
            .enumerate()
            .map(|(i, v)| (i, &v.items[at]))
            .collect(),
        None => variants
            .iter()
            .enumerate()
            .filter_map(|(i, v)| {
                v.items
                    .iter()
                    .find(|it| item_name(it) == Some(name))
                    .map(|it| (i, it))
            })
            .collect(),
    }
}

impl Merger {
    /// The variants' items, merged one name at a time.
    fn items(&mut self, variants: &[&Module]) -> Result<Vec<Item>, Conflict> {
        let base = &variants[0];
        // Declarations alike in shape list the same items in the same order: then each item is
        // found at its own index, not searched for in every variant.
        let aligned = variants.iter().all(|v| {
            v.items.len() == base.items.len()
                && v.items
                    .iter()
                    .zip(&base.items)
                    .all(|(a, b)| item_name(a) == item_name(b))
        });
        let order = item_order(&variants[..if aligned { 1 } else { variants.len() }]);
        let mut items = Vec::new();
        let named: Vec<usize> = (0..base.items.len())
            .filter(|&k| item_name(&base.items[k]).is_some())
            .collect();
        for (at, name) in order.iter().enumerate() {
            let present = present(variants, aligned.then(|| named[at]), name);
            match present[0].1 {
                Item::Var { comment, value, .. } => {
                    if let Some(var) = self.var(name, comment, value, &present)? {
                        items.push(var);
                    }
                }
                Item::Resource(r) => items.push(Item::Resource(self.resource(name, r, &present)?)),
                other => items.push(other.clone()),
            }
        }
        Ok(items)
    }

    /// A variable every variant has; `None` for a table lifted whole.
    fn var(
        &mut self,
        name: &String,
        comment: &Option<String>,
        value: &Expr,
        present: &[(usize, &Item)],
    ) -> Result<Option<Item>, Conflict> {
        if present.len() != self.variants {
            return Err(Conflict(name.clone()));
        }
        let vals: Vec<(usize, &Expr)> = present
            .iter()
            .map(|(i, it)| match it {
                Item::Var { value, .. } => (*i, value),
                _ => (*i, value),
            })
            .collect();
        // A table variable (an array of records) that differs is passed whole, as a
        // parameter of its name: one parameter per cell would bury the call under names
        // no reader can place.
        if is_table(value)
            && vals.iter().any(|(_, e)| *e != value)
            && vals.iter().all(|(_, e)| is_table(e) && closed(e))
        {
            self.taken.remove(name);
            self.lift(std::slice::from_ref(name), &vals);
            return Ok(None);
        }
        Ok(Some(Item::Var {
            comment: comment.clone(),
            name: name.clone(),
            value: self.expr(std::slice::from_ref(name), &vals)?,
        }))
    }

    /// A resource alike in type, loop and condition wherever it is; conditional on a switch
    /// when some variants lack it.
    fn resource(
        &mut self,
        name: &String,
        r: &Resource,
        present: &[(usize, &Item)],
    ) -> Result<Resource, Conflict> {
        let mut rs: Vec<(usize, &Resource)> = Vec::new();
        for (i, it) in present {
            match it {
                Item::Resource(o)
                    if o.type_ == r.type_
                        && o.existing == r.existing
                        && o.each == r.each
                        && o.condition == r.condition =>
                {
                    rs.push((*i, o))
                }
                _ => return Err(Conflict(name.clone())),
            }
        }
        let bodies: Vec<(usize, &Expr)> = rs.iter().map(|(i, o)| (*i, &o.body)).collect();
        let mut merged = r.clone();
        merged.body = self.expr(std::slice::from_ref(name), &bodies)?;
        if present.len() != self.variants {
            let flag = self.switch(name, &rs);
            merged.condition = Some(match merged.condition.take() {
                Some(c) => Expr::Binary(Box::new(c), "&&", Box::new(Expr::Ident(flag.into()))),
                None => Expr::Ident(flag.into()),
            });
        }
        Ok(merged)
    }

    /// The boolean parameter that deploys resource `name` in the variants of `rs` only.
    fn switch(&mut self, name: &str, rs: &[(usize, &Resource)]) -> String {
        let values: Vec<Expr> = (0..self.variants)
            .map(|i| Expr::Bool(rs.iter().any(|(j, _)| *j == i)))
            .collect();
        // Resources that come and go together share one switch.
        let shared = self
            .lifted
            .iter()
            .find(|l| l.param.starts_with("with") && l.values == values);
        match shared {
            Some(l) => l.param.clone(),
            None => {
                let flag = self.name(&[format!("with-{name}")]);
                self.lifted.push(Lifted {
                    param: flag.clone(),
                    values,
                });
                flag
            }
        }
    }
}

/// A module like `base` with other items and lifted parameters, and no origins.
fn shell(base: &Module, items: Vec<Item>, lifted_params: Vec<Item>) -> Module {
    Module {
        kind: base.kind,
        area: base.area,
        decl: base.decl.clone(),
        span: base.span,
        doc: base.doc.clone(),
        params: base.params.clone(),
        args: base.args.clone(),
        items,
        outputs: base.outputs.clone(),
        lifted_params,
        origins: Vec::new(),
        origin_line: 0,
        shared_with: base.shared_with,
    }
}

/// The parameters only later variants take, with the values passed to them.
fn add_params(out: &mut Module, others: &[&Module]) {
    for v in others {
        for p in &v.params {
            if out.params.iter().any(|q| item_name(q) == item_name(p)) {
                continue;
            }
            out.params.push(p.clone());
            let name = item_name(p).unwrap_or_default();
            if let Some(a) = v
                .args
                .iter()
                .find(|a| matches!(&a.key, bicep::Key::Name(k) if k == name))
            {
                out.args.push(a.clone());
            }
        }
    }
}

/// The module parameter of a lifted value, whose default is the defaults' value.
fn lifted_param(why: &str, name: String, default: Expr) -> Item {
    Item::Param {
        decorators: vec![Decorator::description(why.to_string())],
        name,
        ty: type_of(&default),
        default: Some(default),
    }
}

/// Where one declaration's module differs from the first module of its group, for `merge_diffs`:
/// each place as a path (the item's index, then property or element indices in the first
/// module's order) with the declaration's value there, moved out of its module. Declarations are
/// compared one at a time, so a large platform never holds all its modules of one kind at once.
pub(crate) type Diff = Vec<(Vec<u32>, Expr)>;

/// `m` against `first`: `None` where the two differ in a way only `merge_in_place` handles (other
/// items, other parameters or outputs, properties in another order), which the caller then runs.
pub(crate) fn diff(first: &Module, m: &mut Module) -> Option<Diff> {
    let same_params = m
        .params
        .iter()
        .all(|p| first.params.iter().any(|q| item_name(q) == item_name(p)));
    if m.items.len() != first.items.len() || m.outputs != first.outputs || !same_params {
        return None;
    }
    let mut out = Vec::new();
    for (i, (a, b)) in first.items.iter().zip(m.items.iter_mut()).enumerate() {
        if item_name(a) != item_name(b) {
            return None;
        }
        let mut path = vec![u32::try_from(i).ok()?];
        match (a, b) {
            (Item::Var { value: x, .. }, Item::Var { value: y, .. }) => {
                if x == y {
                    continue;
                }
                // A table variable is passed whole (see `merge_with`).
                if is_table(x) {
                    if !(is_table(y) && closed(x) && closed(y)) {
                        return None;
                    }
                    out.push((path, std::mem::replace(y, Expr::Null)));
                } else {
                    diff_expr(x, y, &mut path, &mut out)?;
                }
            }
            (Item::Resource(x), Item::Resource(y)) => {
                if x.type_ != y.type_
                    || x.existing != y.existing
                    || x.each != y.each
                    || x.condition != y.condition
                {
                    return None;
                }
                diff_expr(&x.body, &mut y.body, &mut path, &mut out)?;
            }
            (x, y) => {
                if x != y {
                    return None;
                }
            }
        }
    }
    Some(out)
}

/// Descends while both have the same shape, as `Merger::expr` does; records the rest.
fn diff_expr(a: &Expr, b: &mut Expr, path: &mut Vec<u32>, out: &mut Diff) -> Option<()> {
    if a == b {
        return Some(());
    }
    match (a, b) {
        (Expr::Object(x), Expr::Object(y))
            if x.len() == y.len() && x.iter().all(|p| y.iter().any(|q| q.key == p.key)) =>
        {
            // The same keys in another order, or another comment, would make this declaration's
            // value, were it lifted further up, differ from the first's with its values put in.
            if !x
                .iter()
                .zip(y.iter())
                .all(|(p, q)| p.key == q.key && p.comment == q.comment)
            {
                return None;
            }
            for (n, (p, q)) in x.iter().zip(y.iter_mut()).enumerate() {
                path.push(u32::try_from(n).ok()?);
                diff_expr(&p.value, &mut q.value, path, out)?;
                path.pop();
            }
            Some(())
        }
        (Expr::Array(x), Expr::Array(y)) if x.len() == y.len() => {
            for (n, (p, q)) in x.iter().zip(y.iter_mut()).enumerate() {
                path.push(u32::try_from(n).ok()?);
                diff_expr(p, q, path, out)?;
                path.pop();
            }
            Some(())
        }
        (_, b) => {
            out.push((path.clone(), std::mem::replace(b, Expr::Null)));
            Some(())
        }
    }
}

/// The variable's value or resource's body a `diff` path starts at.
fn item_expr(item: &Item) -> Option<&Expr> {
    match item {
        Item::Var { value, .. } => Some(value),
        Item::Resource(r) => Some(&r.body),
        _ => None,
    }
}

/// The value under `e` at `rel` (property or element indices), naming each step in `names`
/// as `Merger::name` takes them.
fn expr_at<'a>(e: &'a Expr, rel: &[u32], names: &mut Vec<String>) -> Option<&'a Expr> {
    let mut e = e;
    for &k in rel {
        e = match e {
            Expr::Object(props) => {
                let p = props.get(k as usize)?;
                names.push(match &p.key {
                    bicep::Key::Name(k) => k.to_string(),
                    bicep::Key::Expr(_) => "key".into(),
                });
                &p.value
            }
            Expr::Array(items) => {
                names.push(k.to_string());
                items.get(k as usize)?
            }
            _ => return None,
        };
    }
    Some(e)
}

fn expr_at_mut<'a>(e: &'a mut Expr, rel: &[u32]) -> Option<&'a mut Expr> {
    let mut e = e;
    for &k in rel {
        e = match e {
            Expr::Object(props) => &mut props.get_mut(k as usize)?.value,
            Expr::Array(items) => items.get_mut(k as usize)?,
            _ => return None,
        };
    }
    Some(e)
}

/// The value at a `diff` path in `items`, with the names of its steps.
fn at_path<'a>(items: &'a [Item], path: &[u32]) -> Option<(&'a Expr, Vec<String>)> {
    let item = items.get(*path.first()? as usize)?;
    let mut names = vec![item_name(item)?.to_string()];
    let e = expr_at(item_expr(item)?, &path[1..], &mut names)?;
    Some((e, names))
}

fn at_path_mut<'a>(items: &'a mut [Item], path: &[u32]) -> Option<&'a mut Expr> {
    let e = match items.get_mut(*path.first()? as usize)? {
        Item::Var { value, .. } => value,
        Item::Resource(r) => &mut r.body,
        _ => return None,
    };
    expr_at_mut(e, &path[1..])
}

/// `merge_in_place` from `diff`s: the module `first` and the others share, and each lifted
/// value for every declaration (the first's, then the others' in order). Gives what
/// `merge_in_place` gives for the same modules, or `None` where it would lift differently or
/// fail (the caller then runs it on the modules themselves).
pub(crate) fn merge_diffs(
    first: &Module,
    diffs: Vec<Diff>,
    why: &str,
) -> Option<(Module, Vec<Lifted>)> {
    let lifted_at = lifted_places(&diffs);
    let mut values: Vec<Vec<Option<Expr>>> = Vec::with_capacity(diffs.len());
    for d in diffs {
        values.push(place_values(first, d, &lifted_at)?);
    }
    let mut namer = Merger {
        copy_values: false,
        lifted: Vec::new(),
        taken: declared(first).collect(),
        variants: values.len() + 1,
    };
    let mut merged_items = first.items.clone();
    let mut removed: Vec<usize> = Vec::new();
    let mut lifted = Vec::with_capacity(lifted_at.len());
    let mut lifted_params = first.lifted_params.clone();
    for (k, at) in lifted_at.iter().enumerate() {
        let (base, names) = at_path(&first.items, at)?;
        let mut all: Vec<Expr> = Vec::with_capacity(values.len() + 1);
        all.push(base.clone());
        for v in &mut values {
            all.push(v[k].take().unwrap_or_else(|| base.clone()));
        }
        let table_var = at.len() == 1
            && matches!(&first.items[at[0] as usize], Item::Var { .. })
            && is_table(base);
        let param = if table_var {
            if !closed(base) {
                return None;
            }
            namer.taken.remove(&names[0]);
            removed.push(at[0] as usize);
            namer.name(&names)
        } else {
            if !all.iter().all(|e| closed(e) && type_of(e) == type_of(base)) {
                return None;
            }
            let param = namer.name(&names);
            *at_path_mut(&mut merged_items, at)? = Expr::Ident(param.clone().into());
            param
        };
        lifted_params.push(lifted_param(why, param.clone(), base.clone()));
        lifted.push(Lifted { param, values: all });
    }
    for i in removed.into_iter().rev() {
        merged_items.remove(i);
    }
    Some((shell(first, merged_items, lifted_params), lifted))
}

/// Values are lifted where some declaration differs, at the shallowest such place: sorted, a
/// path comes before those under it.
fn lifted_places(diffs: &[Diff]) -> Vec<Vec<u32>> {
    let mut paths: Vec<&[u32]> = diffs.iter().flatten().map(|(p, _)| p.as_slice()).collect();
    paths.sort_unstable();
    paths.dedup();
    let mut lifted_at: Vec<Vec<u32>> = Vec::new();
    for p in paths {
        if lifted_at.last().is_some_and(|l| p.starts_with(l)) {
            continue;
        }
        lifted_at.push(p.to_vec());
    }
    lifted_at
}

/// One declaration's values at each lifted place: the value there itself, or the first's value
/// there with the declaration's values under it patched in.
fn place_values(first: &Module, d: Diff, lifted_at: &[Vec<u32>]) -> Option<Vec<Option<Expr>>> {
    let mut own: Vec<Option<Expr>> = (0..lifted_at.len()).map(|_| None).collect();
    for (path, value) in d {
        let k = lifted_at
            .partition_point(|l| l.as_slice() <= path.as_slice())
            .checked_sub(1)?;
        let at = &lifted_at[k];
        if path.len() == at.len() {
            own[k] = Some(value);
        } else {
            if own[k].is_none() {
                own[k] = Some(at_path(&first.items, at)?.0.clone());
            }
            let whole = own[k].as_mut()?;
            *expr_at_mut(whole, &path[at.len()..])? = value;
        }
    }
    Some(own)
}
