//! The subset of Bicep platc emits: what Bicep's compiler and Checkov's parser both read.

use std::borrow::Cow;

/// Text in a syntax tree. Most of it (property names, fixed values, symbols) is known when platc
/// is compiled and is borrowed, not copied: a large platform has millions of such nodes.
pub type Str = Cow<'static, str>;

#[derive(Debug, Clone, PartialEq)]
pub struct File {
    /// Comment lines at the top of the file, without `//`.
    pub header: Vec<String>,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Decorator {
    pub name: &'static str,
    pub args: Vec<Expr>,
}

impl Decorator {
    pub fn description(text: impl Into<Str>) -> Self {
        Decorator {
            name: "description",
            args: vec![Expr::Str(text.into())],
        }
    }
    pub fn secure() -> Self {
        Decorator {
            name: "secure",
            args: vec![],
        }
    }
    pub fn batch_size(n: i64) -> Self {
        Decorator {
            name: "batchSize",
            args: vec![Expr::Int(n)],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    String,
    Int,
    Bool,
    Object,
    Array,
}

impl Type {
    pub fn as_str(self) -> &'static str {
        match self {
            Type::String => "string",
            Type::Int => "int",
            Type::Bool => "bool",
            Type::Object => "object",
            Type::Array => "array",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    TargetScope(&'static str),
    Param {
        decorators: Vec<Decorator>,
        name: String,
        ty: Type,
        default: Option<Expr>,
    },
    Var {
        comment: Option<String>,
        name: String,
        value: Expr,
    },
    Resource(Resource),
    Module {
        comment: Option<String>,
        decorators: Vec<Decorator>,
        name: String,
        path: String,
        body: Expr,
    },
    Output {
        decorators: Vec<Decorator>,
        name: String,
        ty: Type,
        value: Expr,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// Lines above the declaration: where in the `.plat` it came from, or why it is there.
    pub comment: Option<String>,
    pub decorators: Vec<Decorator>,
    pub name: String,
    /// `Type@apiVersion`; for a module deployment (`module`), the module's path.
    pub type_: &'static str,
    /// A `module` deployment rather than a resource: merged and compared as a resource is, and
    /// printed with the `module` keyword.
    pub module: bool,
    pub existing: bool,
    pub condition: Option<Expr>,
    /// `[for VAR in EXPR: ...]`
    pub each: Option<(String, Expr)>,
    pub body: Expr,
    /// The `.plat` span this resource comes from, when finer than its declaration; recorded in
    /// the source map, never printed.
    pub origin: Option<(crate::source::Span, String)>,
}

impl Resource {
    pub fn new(name: impl Into<String>, type_: &'static str, body: Expr) -> Self {
        Resource {
            comment: None,
            decorators: Vec::new(),
            name: name.into(),
            type_,
            module: false,
            existing: false,
            condition: None,
            each: None,
            body,
            origin: None,
        }
    }
}

/// An object key: a name, or an interpolated string such as `'${identity.id}'`.
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    Name(Str),
    /// Boxed: rare, and every property is as large as its key's largest form.
    Expr(Box<Expr>),
}

impl From<String> for Key {
    fn from(s: String) -> Self {
        Key::Name(Cow::Owned(s))
    }
}

impl From<&'static str> for Key {
    fn from(s: &'static str) -> Self {
        Key::Name(Cow::Borrowed(s))
    }
}

impl From<Str> for Key {
    fn from(s: Str) -> Self {
        Key::Name(s)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Prop {
    pub key: Key,
    pub value: Expr,
    /// A trailing `// ...` that says what an opaque value (a role GUID) means.
    pub comment: Option<Box<str>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Text(Str),
    Expr(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Str(Str),
    /// `'text${expr}text'`
    Interp(Vec<Part>),
    Int(i64),
    Bool(bool),
    Null,
    Ident(Str),
    Member(Box<Expr>, Str),
    Index(Box<Expr>, Box<Expr>),
    Call(&'static str, Vec<Expr>),
    Array(Vec<Expr>),
    Object(Vec<Prop>),
    Not(Box<Expr>),
    Binary(Box<Expr>, &'static str, Box<Expr>),
    Ternary(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `[for VAR in EXPR: BODY]`
    For(String, Box<Expr>, Box<Expr>),
    /// An array of records of plain values, kept flat (see `Table`).
    Table(Box<Table>),
}

/// An array of records with the same fields, every value a string or Bicep text without
/// references (a number, `true`): a store's key-values, a vault's secrets, an identity's
/// federations. A large platform has hundreds of thousands of rows, so the cells live in one
/// buffer rather than as a tree of objects: built, compared, printed and dropped in bulk.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub keys: Vec<&'static str>,
    text: String,
    /// Where each cell ends in `text`, and whether it is a string (quoted and escaped when
    /// printed) rather than Bicep text.
    cells: Vec<(usize, bool)>,
    /// Some cell is Bicep text that names something (an azd environment parameter): the table
    /// is no longer a literal.
    pub refers: bool,
}

impl Table {
    pub fn new(keys: &[&'static str]) -> Self {
        Table {
            keys: keys.to_vec(),
            ..Table::default()
        }
    }
    /// The next cell, a string.
    pub fn str(&mut self, s: &str) {
        self.text.push_str(s);
        self.cells.push((self.text.len(), true));
    }
    /// The next cell, a string written by `f`.
    pub fn str_with(&mut self, f: impl FnOnce(&mut String)) {
        f(&mut self.text);
        self.cells.push((self.text.len(), true));
    }
    pub fn rows(&self) -> usize {
        self.cells.len() / self.keys.len().max(1)
    }
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }
    /// The length of every cell's text together.
    pub fn text_len(&self) -> usize {
        self.text.len()
    }
    /// Each cell: its text and whether it is a string.
    pub fn cells(&self) -> impl Iterator<Item = (&str, bool)> {
        let mut start = 0;
        self.cells.iter().map(move |&(end, is_str)| {
            let cell = &self.text[start..end];
            start = end;
            (cell, is_str)
        })
    }
    /// Rewrites string cells: `f` returns a replacement cell (text, is it a string) or `None` to
    /// keep the cell.
    pub fn rewrite(&mut self, mut f: impl FnMut(&str) -> Option<(String, bool)>) {
        let mut text = String::with_capacity(self.text.len());
        let mut cells = Vec::with_capacity(self.cells.len());
        let (mut changed, mut refers) = (false, false);
        for (cell, is_str) in self.cells() {
            match is_str.then(|| f(cell)).flatten() {
                Some((new, new_is_str)) => {
                    text.push_str(&new);
                    cells.push((text.len(), new_is_str));
                    changed = true;
                    refers |= !new_is_str;
                }
                None => {
                    text.push_str(cell);
                    cells.push((text.len(), is_str));
                }
            }
        }
        if changed {
            self.text = text;
            self.cells = cells;
            self.refers |= refers;
        }
    }
}

/// Builders that keep the lowering code short and readable.
pub fn s(text: impl Into<Str>) -> Expr {
    Expr::Str(text.into())
}
pub fn id(name: impl Into<Str>) -> Expr {
    Expr::Ident(name.into())
}
pub fn call(f: &'static str, args: Vec<Expr>) -> Expr {
    Expr::Call(f, args)
}
pub fn arr(items: Vec<Expr>) -> Expr {
    Expr::Array(items)
}

impl Expr {
    /// `self.a.b.c` from a dotted path.
    pub fn dot(self, path: impl Into<Str>) -> Expr {
        match path.into() {
            Cow::Borrowed(path) => path
                .split('.')
                .fold(self, |e, p| Expr::Member(Box::new(e), Cow::Borrowed(p))),
            Cow::Owned(path) => path.split('.').fold(self, |e, p| {
                Expr::Member(Box::new(e), Cow::Owned(p.to_string()))
            }),
        }
    }
    pub fn index(self, i: Expr) -> Expr {
        Expr::Index(Box::new(self), Box::new(i))
    }
}

/// An object under construction, in insertion order.
#[derive(Debug, Default, Clone)]
pub struct Obj(pub Vec<Prop>);

impl Obj {
    pub fn new() -> Self {
        Obj(Vec::new())
    }
    pub fn set(mut self, key: impl Into<Key>, value: Expr) -> Self {
        self.0.push(Prop {
            key: key.into(),
            value,
            comment: None,
        });
        self
    }
    pub fn set_commented(
        mut self,
        key: impl Into<Key>,
        value: Expr,
        comment: impl Into<String>,
    ) -> Self {
        self.0.push(Prop {
            key: key.into(),
            value,
            comment: Some(comment.into().into_boxed_str()),
        });
        self
    }
    pub fn set_opt(self, key: impl Into<Key>, value: Option<Expr>) -> Self {
        match value {
            Some(v) => self.set(key, v),
            None => self,
        }
    }
    pub fn push(&mut self, key: impl Into<Key>, value: Expr) {
        self.0.push(Prop {
            key: key.into(),
            value,
            comment: None,
        });
    }
    pub fn build(self) -> Expr {
        Expr::Object(self.0)
    }
}

/// A Bicep identifier from words: `db-password` → `dbPassword`, with `prefix` first.
pub fn ident(prefix: &str, name: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + name.len() + 1);
    out.push_str(prefix);
    let mut upper = !prefix.is_empty();
    // By bytes: a character beyond ASCII is never a letter or digit here, and each of its bytes
    // is a separator just as the whole character was.
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() {
            out.push(char::from(if upper { b.to_ascii_uppercase() } else { b }));
            upper = false;
        } else {
            upper = !out.is_empty();
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'x');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::ident;

    #[test]
    fn identifiers_are_camel_case_words() {
        assert_eq!(ident("", "db-password"), "dbPassword");
        assert_eq!(ident("secret", "db-password"), "secretDbPassword");
        assert_eq!(ident("", "1st"), "x1st");
        assert_eq!(ident("", "--"), "x");
        // A character beyond ASCII separates words, as punctuation does.
        assert_eq!(ident("", "é-x"), "x");
        assert_eq!(ident("p", "aé-b"), "pAB");
        assert_eq!(ident("vault", "kv_main.uri"), "vaultKvMainUri");
    }
}
