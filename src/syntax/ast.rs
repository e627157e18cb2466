//! The syntax tree: what the author wrote, with a span on every node. No meaning yet.

use crate::source::{FileId, Span};

/// Names and short strings of the tree. Most are a few bytes long and live inline in the node,
/// so a program of a million tokens does not cost a million small heap allocations.
pub type Text = compact_str::CompactString;

#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub id: FileId,
    pub statements: Vec<Statement>,
    /// `//` comments, kept apart from the tree so later tools can put them back.
    pub comments: Vec<Comment>,
}

impl File {
    /// A file with no statements: what a Rego rule file is to the `.plat` parser.
    pub fn empty(id: FileId) -> File {
        File {
            id,
            statements: Vec::new(),
            comments: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    Attribute(Attribute),
    Block(Block),
}

impl Statement {
    pub fn span(&self) -> Span {
        match self {
            Statement::Attribute(a) => a.span,
            Statement::Block(b) => b.span,
        }
    }
}

/// `key = value`
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub docs: Option<Box<Docs>>,
    pub key: Ident,
    pub value: Value,
    pub span: Span,
}

/// `kind "label" on target { body }`
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub docs: Option<Box<Docs>>,
    pub kind: Ident,
    pub label: Option<Label>,
    pub qualifiers: Vec<Qualifier>,
    pub body: Option<Body>,
    pub span: Span,
}

impl Block {
    /// The span a diagnostic about the whole block should underline: its head, not its body.
    pub fn head_span(&self) -> Span {
        let mut span = self.kind.span;
        if let Some(label) = &self.label {
            span = span.to(label.span);
        }
        if let Some(q) = self.qualifiers.last() {
            span = span.to(q.span);
        }
        span
    }

    pub fn statements(&self) -> &[Statement] {
        self.body.as_ref().map_or(&[], |b| &b.statements)
    }
}

/// `///` lines joined, without the slashes.
#[derive(Debug, Clone, PartialEq)]
pub struct Docs {
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub name: Text,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub text: Text,
    pub quoted: bool,
    pub span: Span,
}

/// `on value` / `in value`
#[derive(Debug, Clone, PartialEq)]
pub struct Qualifier {
    pub keyword: Ident,
    pub value: Value,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    pub statements: Vec<Statement>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub kind: ValueKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ValueKind {
    Str(Text),
    Int(i64),
    Bool(bool),
    /// Always whole seconds, except that sub-second `ms` values keep their milliseconds here.
    Duration {
        millis: u64,
    },
    Cidr(Text),
    Ip(Text),
    Range(i64, i64),
    List(Vec<Value>),
    Map(Vec<(Ident, Value)>),
    /// A bare word: an enum value such as `cilium` or `premium`.
    Word(Text),
    /// `kind.name` or `kind.name.child`
    Ref(Vec<Ident>),
    /// The name is boxed: calls are rare, and every value is as large as its largest variant.
    Call {
        name: Box<Ident>,
        args: Vec<Argument>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Argument {
    pub name: Option<Ident>,
    pub value: Value,
}

impl ValueKind {
    /// How the value is described to the author in "expected X, found Y".
    pub fn describe(&self) -> &'static str {
        match self {
            ValueKind::Str(_) => "a string",
            ValueKind::Int(_) => "an integer",
            ValueKind::Bool(_) => "a boolean",
            ValueKind::Duration { .. } => "a duration",
            ValueKind::Cidr(_) => "a CIDR range",
            ValueKind::Ip(_) => "an IP address",
            ValueKind::Range(..) => "a range",
            ValueKind::List(_) => "a list",
            ValueKind::Map(_) => "a map",
            ValueKind::Word(_) => "a word",
            ValueKind::Ref(_) => "a reference",
            ValueKind::Call { .. } => "a function call",
        }
    }
}
