//! One generated module: its parameters (with the value main.bicep passes for each), resources
//! and outputs.

use super::json::{js_body_into, js_into, number_into};
use crate::bicep::{self, Decorator, Expr, Item, Key, Prop, Type, id};
use crate::model::Meta;
use crate::source::{SourceMap, Span};

#[derive(Clone)]
pub(crate) struct Module {
    /// Declaration kind, as in the `.plat`.
    pub kind: &'static str,
    /// File stem under `modules/`.
    pub area: &'static str,
    pub decl: String,
    pub span: Span,
    /// The declaration's `///` docs, shown above its module call.
    pub doc: Option<String>,
    pub params: Vec<Item>,
    pub args: Vec<Prop>,
    pub items: Vec<Item>,
    pub outputs: Vec<Item>,
    /// Parameters whose value depends on the environment (see `envs`); main.bicep passes them.
    pub lifted_params: Vec<Item>,
    /// Resources a loop creates, for the source map: by type, their rows of the map, already
    /// written (`loop_row`), since a store has thousands.
    pub origins: Vec<(&'static str, String)>,
    /// The 0-based source line of the last origin: the next is most often on it or just below.
    pub origin_line: usize,
    /// The module (by index) whose file this one shares, once sharing has merged them.
    pub shared_with: Option<usize>,
}

impl Module {
    /// A module with the parameters every module takes: its primary resource's name, location, tags.
    pub fn new(
        kind: &'static str,
        area: &'static str,
        decl: &str,
        meta: &Meta,
        name: Expr,
        what: &str,
    ) -> Self {
        let mut m = Module {
            kind,
            area,
            decl: decl.to_string(),
            span: meta.span,
            doc: meta.doc.clone(),
            params: Vec::new(),
            args: Vec::new(),
            items: Vec::new(),
            outputs: Vec::new(),
            lifted_params: Vec::new(),
            origins: Vec::new(),
            origin_line: 0,
            shared_with: None,
        };
        m.param("name", Type::String, &format!("Name of the {what}"), name);
        m.param("location", Type::String, "Azure region", id("location"));
        m.param("tags", Type::Object, "Tags for every resource", id("tags"));
        m
    }

    /// Records where one resource a loop creates comes from: `child` is its name below the
    /// module's primary resource, `what` the declaration in parts (see `loop_row`).
    pub fn origin(
        &mut self,
        sources: &crate::source::SourceMap,
        type_: &'static str,
        child: &str,
        span: Span,
        what: &[&str],
    ) {
        let at = match self.origins.iter().position(|(t, _)| *t == type_) {
            Some(at) => at,
            None => {
                self.origins.push((type_, String::new()));
                self.origins.len() - 1
            }
        };
        loop_row(
            &mut self.origins[at].1,
            sources,
            &mut self.origin_line,
            child,
            span,
            what,
        );
    }

    /// Takes back a parameter `new` declared for every module, for a module that has no use for it
    /// (an unused parameter is one more thing for a reader to wonder about).
    pub fn drop_param(&mut self, name: &str) {
        self.params
            .retain(|p| !matches!(p, Item::Param { name: n, .. } if n == name));
        self.args
            .retain(|a| !matches!(&a.key, Key::Name(k) if k == name));
    }

    /// Declares a parameter and records what main.bicep passes; returns the parameter's reference.
    /// Declaring the same parameter twice yields the first one.
    pub fn param(&mut self, name: &str, ty: Type, description: &str, value: Expr) -> Expr {
        if self
            .args
            .iter()
            .any(|a| matches!(&a.key, Key::Name(k) if k == name))
        {
            return id(name.to_string());
        }
        self.params.push(Item::Param {
            decorators: vec![Decorator::description(description.to_string())],
            name: name.to_string(),
            ty,
            default: None,
        });
        self.args.push(Prop {
            key: Key::Name(name.to_string().into()),
            value,
            comment: None,
        });
        id(name.to_string())
    }

    /// A secure object main.bicep assembles from its own secure parameters.
    pub fn secure_object_param(&mut self, name: &str, description: &str, value: Expr) -> Expr {
        self.params.push(Item::Param {
            decorators: vec![
                Decorator::secure(),
                Decorator::description(description.to_string()),
            ],
            name: name.to_string(),
            ty: Type::Object,
            default: None,
        });
        self.args.push(Prop {
            key: Key::Name(name.to_string().into()),
            value,
            comment: None,
        });
        id(name.to_string())
    }

    pub fn push(&mut self, item: Item) {
        self.items.push(item);
    }

    pub fn var(&mut self, name: &str, value: Expr) -> Expr {
        self.items.push(Item::Var {
            comment: None,
            name: name.to_string(),
            value,
        });
        id(name.to_string())
    }

    pub fn output(&mut self, name: &str, value: Expr) {
        self.outputs.push(Item::Output {
            decorators: vec![],
            name: name.to_string(),
            ty: Type::String,
            value,
        });
    }

    /// Drops the syntax tree once the module is printed; main.bicep needs only the call's facts.
    pub fn release(&mut self) {
        self.params = Vec::new();
        self.items = Vec::new();
        self.outputs = Vec::new();
        self.lifted_params = Vec::new();
    }

    /// Takes the shared module's text (parameters, items, outputs) from `merged`, keeping this
    /// declaration's own call arguments.
    pub fn adopt(&mut self, merged: Module) {
        self.params = merged.params;
        self.items = merged.items;
        self.outputs = merged.outputs;
        self.lifted_params = merged.lifted_params;
    }

    /// Whether two lowerings of a declaration came out the same.
    pub fn same_as(&self, other: &Module) -> bool {
        self.params == other.params
            && self.args == other.args
            && self.items == other.items
            && self.outputs == other.outputs
    }

    /// The module's text: parameters, variables before resources, outputs.
    pub fn print(&self, header: &[String]) -> String {
        let vars = self.items.iter().filter(|i| matches!(i, Item::Var { .. }));
        let rest = self.items.iter().filter(|i| !matches!(i, Item::Var { .. }));
        bicep::print_items(
            header,
            self.params
                .iter()
                .chain(&self.lifted_params)
                .chain(vars)
                .chain(rest)
                .chain(&self.outputs),
        )
    }
}

/// Appends one compact row of a loop's resources to `out` (the rows of one type):
/// `[name below the deployment's resource, file, line, column, declaration]`. The declaration is
/// given in parts that alternate: text already escaped for JSON (the fixed words), then a name
/// to escape.
/// `line` is the 0-based source line of the previous row (`SourceMap::line_col_near`).
fn loop_row(
    out: &mut String,
    sources: &SourceMap,
    line: &mut usize,
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
    // Rows come in source order, so the line is found from the previous row's.
    let (line, column) = sources.line_col_near(span.file, span.start as usize, line);
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
