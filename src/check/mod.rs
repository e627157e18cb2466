//! Syntax trees to the checked `model::Platform`. Checking never stops at the first problem: every
//! stage records diagnostics and goes on with placeholders, so one run reports everything.
//!
//! Two layers: `validate` checks each block against its `schema::Kind` (unknown or duplicate fields,
//! value types, references, required fields) and hands back `Fields`, a view of only the values that
//! passed; `build` turns those into model structs and applies the Azure rules.

mod build;
mod envs;
mod keys;
mod rules;
mod values;

use crate::collections::{IndexMap, IndexSet};
use crate::diag::{self, Code, Diagnostic};
use crate::model::Platform;
use crate::net;
use crate::schema::{Kind, LabelRule, Ty};
use crate::source::Span;
use crate::syntax::ast::{self, Statement, Value, ValueKind};

/// The platform as each environment sees it.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    /// Without overrides: what an environment the platform does not name gets.
    pub default: Platform,
    /// Each declared environment that some `env` block overrides, with its overrides applied, in
    /// declaration order. Any other environment, declared or not, deploys the defaults.
    pub environments: IndexMap<String, Platform>,
}

/// Checks parsed files as one program: declarations of all files share one namespace. The program
/// is checked once for the defaults and once per declared environment; a problem found in several
/// of those views is reported once.
pub fn check(files: &[ast::File]) -> (Checked, Vec<Diagnostic>) {
    let from = if crate::threads() > 1 {
        PARALLEL_DECLARATIONS
    } else {
        usize::MAX
    };
    check_with(files, from)
}

/// `check`, splitting lists of at least `parallel_from` declarations over two threads (a test
/// holds every split to the one-thread result).
fn check_with(files: &[ast::File], parallel_from: usize) -> (Checked, Vec<Diagnostic>) {
    let readable = envs::declared(files);
    let declared = readable.clone().unwrap_or_default();
    let mut first = Checker::default();
    envs::check_names(&mut first, &declared);
    let overrides = envs::check_blocks(&mut first, files, readable.as_deref());
    let mut diags = first.diags;
    let run = |view: &[ast::File]| {
        let mut c = Checker {
            parallel_from,
            ..Checker::default()
        };
        c.collect(view);
        let platform = build::platform(&mut c, view);
        c.report_unused();
        if c.lost {
            c.diags.retain(|d| !d.absence);
        }
        let guessed = std::mem::take(&mut c.guessed);
        c.diags.retain(|d| {
            let at = d.primary_span();
            !matches!(d.code, Code::MissingField | Code::MissingDependency)
                || !guessed
                    .iter()
                    .any(|g| g.file == at.file && g.start <= at.start && at.end <= g.end)
        });
        (platform, c.diags)
    };
    // Without `env` blocks the defaults' view is the program itself: no copy needed.
    let (default, more) = if overrides.any {
        run(&envs::apply(files, None))
    } else {
        run(files)
    };
    // What the defaults' view reports, an environment's view reports again wherever its
    // overrides repeat the mistake: told once, at the defaults.
    let in_default: IndexSet<(Code, String)> =
        more.iter().map(|d| (d.code, d.message.clone())).collect();
    diags.extend(more);
    let mut environments = IndexMap::default();
    // An environment no `env` block names is the defaults' view: it needs no check of its own
    // (nor a copy of the platform), so a long list of environments costs one pass, not one each.
    for (name, _) in &declared {
        if !overrides.named.contains(name) || environments.contains_key(name) {
            continue;
        }
        let (p, more) = run(&envs::apply(files, Some(name)));
        diags.extend(
            more.into_iter()
                .filter(|d| !in_default.contains(&(d.code, d.message.clone()))),
        );
        environments.insert(name.clone(), p);
    }
    let mut seen = IndexSet::default();
    diags.retain(|d| seen.insert((d.code, d.primary_span(), d.message.clone())));
    (
        Checked {
            default,
            environments,
        },
        diags,
    )
}

/// Names of one kind told apart only by case or punctuation. Everything platc derives from a
/// name keeps neither apart: Bicep symbols (`a-b` and `a_b` are both `aB`), azd outputs
/// (`AZURE_IDENTITY_A_B_CLIENT_ID`), and Azure resource names, which Azure compares without case
/// and of which storage and registry names keep letters and digits only.
#[derive(Default)]
struct Alike(crate::collections::IndexMap<(&'static str, String), (ast::Text, Span)>);

impl Alike {
    fn check(&mut self, c: &mut Checker, kind: &'static str, parent: &str, label: &ast::Label) {
        let key: String = label
            .text
            .chars()
            .filter(|ch| ch.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        let key = if parent.is_empty() {
            key
        } else {
            format!("{parent}.{key}")
        };
        match self.0.get(&(kind, key.clone())) {
            Some((first, span)) => c.report(
                Diagnostic::new(
                    Code::Duplicate,
                    format!(
                        "{kind} `{}` and {kind} `{first}` differ only in case or punctuation",
                        label.text
                    ),
                    label.span,
                    "the same name once case and punctuation are dropped",
                )
                .with_secondary(*span, "first declared here")
                .with_note("Bicep symbols, azd outputs and Azure resource names made from the two would be the same")
                .with_help("give it a name that differs in its letters or digits"),
            ),
            None => {
                self.0.insert((kind, key), (label.text.clone(), label.span));
            }
        }
    }
}

/// A top-level declaration (or a subnet, as `subnet` with name `network.subnet`).
#[derive(Debug, Clone)]
struct Symbol {
    span: Span,
}

/// A symbol-table key looked up without copying its name: it hashes as `(kind, name)` does.
#[derive(Hash)]
struct SymbolRef<'a>(&'a str, &'a str);

impl indexmap::Equivalent<(&'static str, ast::Text)> for SymbolRef<'_> {
    fn equivalent(&self, key: &(&'static str, ast::Text)) -> bool {
        self.0 == key.0 && self.1 == key.1.as_str()
    }
}

pub(crate) struct Checker {
    diags: Vec<Diagnostic>,
    /// Shared with the workers that check parts of a large program on another thread; only
    /// `collect` writes it, before any worker exists. Names are inline strings: most are short,
    /// and a large program declares tens of thousands.
    symbols: std::sync::Arc<IndexMap<(&'static str, ast::Text), Symbol>>,
    used: IndexSet<(&'static str, ast::Text)>,
    /// The shortest list `in_halves` splits over two threads.
    parallel_from: usize,
    /// A declaration of an unknown kind was left out: what it declares may be what another
    /// diagnostic finds missing.
    lost: bool,
    /// The field whose value is being checked, for messages that name it.
    field: Option<&'static str>,
    /// While a secret is checked: the azd variable its value would be read from, named after it.
    secret_var: Option<String>,
    /// Blocks of a misspelt kind, checked as the kind they resemble. What they lack as that
    /// kind is not reported: the guess may be wrong, and the misspelling is reported already.
    guessed: Vec<Span>,
}

impl Default for Checker {
    fn default() -> Self {
        Checker {
            diags: Vec::new(),
            symbols: Default::default(),
            used: IndexSet::default(),
            parallel_from: usize::MAX,
            lost: false,
            field: None,
            secret_var: None,
            guessed: Vec::new(),
        }
    }
}

/// Below this many declarations a check stays on one thread: a second costs more than it saves.
/// Above it, two threads take `platc check` at N=1000 in the benchmark from 99 to 90 ms (median
/// of 15), for 15 MB more at its peak.
const PARALLEL_DECLARATIONS: usize = 512;

/// The values of one block that passed validation, by field name, and its nested blocks.
pub(crate) struct Fields<'a> {
    pub block: &'a ast::Block,
    /// A block sets a handful of fields: a short list beats a hash table here.
    attrs: Vec<(&'static str, &'a Value)>,
    /// What a misspelt word was meant to be, by field (reported already): read in its place.
    guesses: Vec<(&'static str, &'static str)>,
    pub blocks: Vec<(&'static Kind, &'a ast::Block)>,
}

impl<'a> Fields<'a> {
    pub fn value(&self, name: &str) -> Option<&'a Value> {
        self.attrs.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }
    pub fn has(&self, name: &str) -> bool {
        self.attrs.iter().any(|(k, _)| *k == name)
    }
    fn guess(&self, name: &str) -> Option<&'static str> {
        self.guesses
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, g)| *g)
    }
    pub fn str(&self, name: &str) -> Option<String> {
        let Some(v) = self.value(name) else {
            return self.guess(name).map(str::to_string);
        };
        match &v.kind {
            ValueKind::Call { name, args } if name.name == "env" => {
                let arg = |i: usize| match args.get(i).map(|a| &a.value.kind) {
                    Some(ValueKind::Str(s)) => Some(s.as_str()),
                    _ => None,
                };
                Some(crate::model::env_marker(arg(0)?, arg(1)))
            }
            ValueKind::Str(s) | ValueKind::Word(s) | ValueKind::Cidr(s) | ValueKind::Ip(s) => {
                Some(s.as_str().to_owned())
            }
            _ => None,
        }
    }
    pub fn str_or(&self, name: &str, default: &str) -> String {
        self.str(name).unwrap_or_else(|| default.to_string())
    }
    pub fn int(&self, name: &str) -> Option<i64> {
        match self.value(name)?.kind {
            ValueKind::Int(i) => Some(i),
            _ => None,
        }
    }
    pub fn bool(&self, name: &str) -> Option<bool> {
        let Some(v) = self.value(name) else {
            return self.guess(name).map(|g| g == "true");
        };
        match v.kind {
            ValueKind::Bool(b) => Some(b),
            _ => None,
        }
    }
    pub fn secs(&self, name: &str) -> Option<u64> {
        match self.value(name)?.kind {
            ValueKind::Duration { millis } => Some(millis / 1000),
            _ => None,
        }
    }
    pub fn range(&self, name: &str) -> Option<(i64, i64)> {
        match self.value(name)?.kind {
            ValueKind::Range(a, b) => Some((a, b)),
            _ => None,
        }
    }
    pub fn list(&self, name: &str) -> Vec<&'a Value> {
        match self.value(name).map(|v| &v.kind) {
            Some(ValueKind::List(items)) => items.iter().collect(),
            _ => Vec::new(),
        }
    }
    pub fn strings(&self, name: &str) -> Vec<String> {
        self.list(name)
            .into_iter()
            .filter_map(|v| match &v.kind {
                ValueKind::Str(s) | ValueKind::Cidr(s) => Some(s.as_str().to_owned()),
                _ => None,
            })
            .collect()
    }
    pub fn map(&self, name: &str) -> Vec<(&'a ast::Ident, &'a Value)> {
        match self.value(name).map(|v| &v.kind) {
            Some(ValueKind::Map(entries)) => entries.iter().map(|(k, v)| (k, v)).collect(),
            _ => Vec::new(),
        }
    }
    /// The azd variable of a validated `secure("NAME")` field.
    pub fn secure(&self, name: &str) -> Option<String> {
        match &self.value(name)?.kind {
            ValueKind::Call { args, .. } => match env_value(args) {
                crate::model::StrValue::Env { name, .. } => Some(name),
                crate::model::StrValue::Literal(_) => None,
            },
            _ => None,
        }
    }
    /// The declaration name of a validated `kind.name` reference.
    pub fn reference(&self, name: &str) -> Option<String> {
        match &self.value(name)?.kind {
            ValueKind::Ref(parts) => Some(parts[1].name.as_str().to_owned()),
            _ => None,
        }
    }
    pub fn nested<'s>(&'s self, kind: &'s str) -> impl Iterator<Item = &'a ast::Block> + 's {
        self.blocks
            .iter()
            .filter(move |(k, _)| k.name == kind)
            .map(|(_, b)| *b)
    }
}

/// The vault, store or cluster a `KIND "NAME" in|on KIND.NAME` block names.
pub(crate) fn in_target(b: &ast::Block) -> Option<(&str, &str)> {
    match &b.qualifiers.first()?.value.kind {
        ValueKind::Ref(parts) if parts.len() == 2 => {
            Some((parts[0].name.as_str(), parts[1].name.as_str()))
        }
        _ => None,
    }
}

pub(crate) fn env_value(args: &[ast::Argument]) -> crate::model::StrValue {
    let name = args
        .first()
        .and_then(|a| build::str_of(&a.value))
        .unwrap_or_default();
    crate::model::StrValue::Env {
        name,
        default: args.get(1).and_then(|a| build::str_of(&a.value)),
    }
}

/// The azd environment variable a name suggests: `db-password` → `DB_PASSWORD`.
pub(crate) fn env_stem(name: &str) -> String {
    name.to_ascii_uppercase()
        .chars()
        .map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '_' })
        .collect()
}

/// What a declaration carries into the model: its name's span (its kind's where it has no
/// name) and its `///` docs.
pub(crate) fn meta(b: &ast::Block) -> crate::model::Meta {
    crate::model::Meta {
        span: b.label.as_ref().map_or(b.kind.span, |l| l.span),
        doc: b.docs.as_ref().map(|d| d.text.clone()),
    }
}

/// Whether `block` itself sets field `name`.
fn block_sets(block: &ast::Block, name: &str) -> bool {
    block
        .statements()
        .iter()
        .any(|s| matches!(s, Statement::Attribute(a) if a.key.name == name))
}

/// The value a misspelt enum word or boolean was meant to be (`sytem` → `system`, `yes` →
/// `true`), so that the rest of the check reads what the author meant instead of a default.
fn guessed_word(v: &Value, ty: &Ty) -> Option<&'static str> {
    let word = match &v.kind {
        ValueKind::Word(w) | ValueKind::Str(w) => w.as_str(),
        _ => return None,
    };
    match ty {
        Ty::Enum(vals) => diag::did_you_mean(word, vals.iter().copied()),
        Ty::Bool => bool_word(word),
        _ => None,
    }
}

/// `true` or `false` for a word other languages use for them.
pub(crate) fn bool_word(word: &str) -> Option<&'static str> {
    match word.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "enabled" | "ture" | "treu" => Some("true"),
        "false" | "no" | "off" | "disabled" | "flase" | "fasle" => Some("false"),
        _ => None,
    }
}

/// The block kind `name` stands for inside `parent`: its own, or the one it is a typo of.
pub(crate) fn nested_kind(parent: &'static Kind, name: &str) -> Option<&'static Kind> {
    parent.block(name).or_else(|| {
        let names = parent.blocks.iter().map(|k| k.name);
        diag::did_you_mean(name, names).and_then(|n| parent.block(n))
    })
}

/// The kind a top-level block declares: its own, or for a misspelt kind (reported once, where the
/// declarations are read) the kind it is a typo of, so that what it declares still resolves and
/// is still checked rather than every reference to it reported as well.
pub(crate) fn top_kind(b: &ast::Block) -> Option<&'static Kind> {
    crate::schema::top_level(&b.kind.name).or_else(|| {
        let names = crate::schema::TOP_LEVEL.iter().map(|k| k.name);
        diag::did_you_mean(&b.kind.name, names)
            .filter(|_| b.kind.name != "import")
            .and_then(crate::schema::top_level)
    })
}

pub(crate) fn label(block: &ast::Block) -> String {
    block
        .label
        .as_ref()
        .map(|l| l.text.as_str().to_owned())
        .unwrap_or_default()
}

impl Checker {
    /// `each` over `items`, keeping what it finds, as one thread would do it in order: a large
    /// list is cut in two, the second half checked on another thread by a worker with its own
    /// diagnostics and uses, which then join this checker's after the first half's.
    pub(crate) fn in_halves<T: Sync, R: Send>(
        &mut self,
        items: &[T],
        each: impl Fn(&mut Checker, &T) -> Option<R> + Sync,
    ) -> Vec<R> {
        if items.len() < self.parallel_from.max(2) {
            return items.iter().filter_map(|item| each(self, item)).collect();
        }
        let (first, second) = items.split_at(items.len() / 2);
        let mut worker = Checker {
            diags: Vec::new(),
            symbols: std::sync::Arc::clone(&self.symbols),
            used: IndexSet::default(),
            parallel_from: usize::MAX,
            lost: false,
            field: None,
            secret_var: None,
            guessed: Vec::new(),
        };
        let (mut out, (more, worker)) = std::thread::scope(|s| {
            let each = &each;
            let rest = s.spawn(move || {
                let out: Vec<R> = second
                    .iter()
                    .filter_map(|item| each(&mut worker, item))
                    .collect();
                (out, worker)
            });
            let out: Vec<R> = first.iter().filter_map(|item| each(self, item)).collect();
            (
                out,
                rest.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
            )
        });
        out.extend(more);
        self.diags.extend(worker.diags);
        self.used.extend(worker.used);
        self.guessed.extend(worker.guessed);
        out
    }

    pub fn report(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Pass one: every top-level name (and every subnet), so references may point forward and
    /// across files.
    fn collect(&mut self, files: &[ast::File]) {
        // Nearly every statement declares a name: the table is sized once, not grown.
        std::sync::Arc::make_mut(&mut self.symbols)
            .reserve(files.iter().map(|f| f.statements.len()).sum());
        let mut alike = Alike::default();
        for file in files {
            for st in &file.statements {
                let Statement::Block(b) = st else { continue };
                let Some(kind) = top_kind(b) else {
                    continue;
                };
                let Some(l) = &b.label else { continue };
                if kind.name == "platform" {
                    continue;
                }
                if self.declare(kind.name, l.text.clone(), l.span, kind.name)
                    && !matches!(kind.name, "config" | "feature")
                {
                    alike.check(self, kind.name, "", l);
                }
                if kind.name == "network" {
                    let mut subnets = Alike::default();
                    for sub in b.statements() {
                        if let Statement::Block(s) = sub
                            && let Some(sl) = &s.label
                            && nested_kind(kind, &s.kind.name).is_some_and(|k| k.name == "subnet")
                            && self.declare(
                                "subnet",
                                compact_str::format_compact!("{}.{}", l.text, sl.text),
                                sl.span,
                                "subnet",
                            )
                        {
                            subnets.check(self, "subnet", &l.text, sl);
                        }
                    }
                }
            }
        }
    }

    /// Declares `name`; false (with a diagnostic) when it already is.
    fn declare(&mut self, kind: &'static str, name: ast::Text, span: Span, what: &str) -> bool {
        if let Some(prev) = self.symbols.get(&SymbolRef(kind, &name)) {
            let d = Diagnostic::new(
                Code::Duplicate,
                format!("{what} `{name}` is declared twice"),
                span,
                "declared again here",
            )
            .with_secondary(prev.span, "first declared here")
            .with_help(format!("rename one of them; {what} names must be unique"));
            self.report(d);
            false
        } else {
            std::sync::Arc::make_mut(&mut self.symbols).insert((kind, name), Symbol { span });
            true
        }
    }

    fn names_of(&self, kind: &str) -> Vec<&str> {
        self.symbols
            .keys()
            .filter(|(k, _)| *k == kind)
            .map(|(_, n)| n.as_str())
            .collect()
    }

    pub fn is_declared(&self, kind: &str, name: &str) -> bool {
        self.symbols.contains_key(&SymbolRef(kind, name))
    }

    pub fn mark_used(&mut self, kind: &'static str, name: &str) {
        if !self.used.contains(&SymbolRef(kind, name)) {
            self.used.insert((kind, name.into()));
        }
    }

    fn report_unused(&mut self) {
        let unused: Vec<_> = self
            .symbols
            .iter()
            .filter(|((k, n), _)| {
                matches!(*k, "network" | "metrics" | "logs")
                    && !self.used.contains(&SymbolRef(k, n))
            })
            .map(|((k, n), s)| (*k, n.clone(), s.span))
            .collect();
        for (k, n, span) in unused {
            self.report(
                Diagnostic::new(
                    Code::Unused,
                    format!("{k} `{n}` is never used"),
                    span,
                    "declared here",
                )
                .with_help(format!("reference it (e.g. `{k}.{n}`) or remove it")),
            );
        }
    }

    /// Checks a block's head (name, qualifier) and body against its schema.
    pub fn validate<'a>(&mut self, block: &'a ast::Block, schema: &'static Kind) -> Fields<'a> {
        self.check_head(block, schema);
        // Sized once: most blocks set a few fields, and tens of thousands of blocks are checked.
        let n = block.statements().len();
        let mut fields = Fields {
            block,
            attrs: Vec::with_capacity(n),
            guesses: Vec::new(),
            blocks: Vec::new(),
        };
        let mut seen: Vec<(&str, Span)> = Vec::with_capacity(n);
        for st in block.statements() {
            match st {
                Statement::Attribute(a) => self.validate_field(a, schema, &mut seen, &mut fields),
                Statement::Block(b) => self.validate_nested(b, schema, &mut fields),
            }
        }
        self.missing_required(block, schema, &seen);
        fields
    }

    /// One `key = value` of a block: known to the schema, set once, of the field's type.
    fn validate_field<'a>(
        &mut self,
        a: &'a ast::Attribute,
        schema: &'static Kind,
        seen: &mut Vec<(&str, Span)>,
        fields: &mut Fields<'a>,
    ) {
        let Some(field) = schema.field(&a.key.name) else {
            // A misspelt field still counts as the one it resembles, so that its value is checked
            // and nothing that depends on it is reported missing as well.
            let guess = self.unknown_field(schema, &a.key, schema.block(&a.key.name).is_some());
            if let Some(field) = guess.and_then(|g| schema.field(g))
                && !seen.iter().any(|(k, _)| *k == field.name)
                && !block_sets(fields.block, field.name)
            {
                seen.push((field.name, a.key.span));
                if self.check_value(&a.value, &field.ty) {
                    fields.attrs.push((field.name, &a.value));
                }
            }
            return;
        };
        if let Some((_, prev)) = seen.iter().find(|(k, _)| *k == field.name) {
            let d = Diagnostic::new(
                Code::Duplicate,
                format!("field `{}` is set twice", field.name),
                a.key.span,
                "set again here",
            )
            .with_secondary(*prev, "first set here")
            .with_help("remove one of them");
            self.report(d);
            return;
        }
        seen.push((field.name, a.key.span));
        self.field = Some(field.name);
        let valid = self.check_value(&a.value, &field.ty);
        self.field = None;
        if valid {
            fields.attrs.push((field.name, &a.value));
        } else if let Some(g) = guessed_word(&a.value, &field.ty) {
            fields.guesses.push((field.name, g));
        }
    }

    /// One nested block: known to the schema, and not repeated unless the schema says it may be.
    fn validate_nested<'a>(
        &mut self,
        b: &'a ast::Block,
        schema: &'static Kind,
        fields: &mut Fields<'a>,
    ) {
        let sub = match schema.block(&b.kind.name) {
            Some(sub) => sub,
            None => match self.misplaced_block(b, schema) {
                Some(sub) => sub,
                None => return,
            },
        };
        if !sub.repeat
            && let Some((_, prev)) = fields.blocks.iter().find(|(k, _)| k.name == sub.name)
        {
            let d = Diagnostic::new(
                Code::Duplicate,
                format!("`{}` block appears twice", sub.name),
                b.head_span(),
                "again here",
            )
            .with_secondary(prev.head_span(), "first here")
            .with_help("merge the two blocks");
            self.report(d);
            return;
        }
        fields.blocks.push((sub, b));
    }

    /// Reports a block `schema` does not hold; the block kind it is a typo of, if any, which it
    /// is then checked as.
    fn misplaced_block(&mut self, b: &ast::Block, schema: &'static Kind) -> Option<&'static Kind> {
        {
            if schema.field(&b.kind.name).is_some() {
                let d = Diagnostic::new(
                    Code::Syntax,
                    format!("`{}` is a field, not a block", b.kind.name),
                    b.head_span(),
                    "expected `=` after the field name",
                )
                .with_help(match &b.label {
                    Some(l) => format!("write `{} = {}`", b.kind.name, source_label(l)),
                    None => format!("write `{} = value`", b.kind.name),
                })
                .with_fix_if(
                    (b.label.is_some() && b.qualifiers.is_empty() && b.body.is_none())
                        .then(|| (b.kind.span, format!("{} =", b.kind.name))),
                );
                self.report(d);
                return None;
            }
            self.unknown_block(schema, b);
            let guess = nested_kind(schema, &b.kind.name);
            if guess.is_some() {
                self.guessed.push(b.span);
            }
            guess
        }
    }

    fn missing_required(
        &mut self,
        block: &ast::Block,
        schema: &'static Kind,
        seen: &[(&str, Span)],
    ) {
        for f in schema.fields.iter().filter(|f| f.required) {
            if !seen.iter().any(|(k, _)| *k == f.name) {
                let d = Diagnostic::new(
                    Code::MissingField,
                    format!("`{}` is missing required field `{}`", schema.name, f.name),
                    block.head_span(),
                    format!("needs `{}`", f.name),
                )
                .with_help(format!(
                    "add `{} = ...` ({}): {}",
                    f.name,
                    f.ty.describe(),
                    f.doc
                ));
                self.report(d);
            }
        }
    }

    fn check_head(&mut self, block: &ast::Block, schema: &'static Kind) {
        match (schema.label, &block.label) {
            (LabelRule::Required, None) => {
                let d = Diagnostic::new(
                    Code::BadLabel,
                    format!("`{}` needs a name", schema.name),
                    block.kind.span,
                    "name expected after this",
                )
                .with_help(format!("write `{} \"NAME\" {{ ... }}`", schema.name));
                self.report(d);
            }
            (LabelRule::None, Some(l)) => {
                let d = Diagnostic::new(
                    Code::BadLabel,
                    format!("`{}` takes no name", schema.name),
                    l.span,
                    "unexpected name",
                )
                .with_help(format!("remove the name: `{} {{ ... }}`", schema.name))
                .with_fix(
                    Span {
                        start: block.kind.span.end,
                        ..l.span
                    },
                    "",
                );
                self.report(d);
            }
            _ => {}
        }
        self.check_qualifier(block, schema);
    }

    /// The `on`/`in` clause of a block: the one its schema takes, once, or none.
    fn check_qualifier(&mut self, block: &ast::Block, schema: &'static Kind) {
        match (schema.qualifier, block.qualifiers.as_slice()) {
            (None, []) => {}
            (None, [q, ..]) => {
                let d = Diagnostic::new(
                    Code::Syntax,
                    format!("`{}` takes no `{}` clause", schema.name, q.keyword.name),
                    q.span,
                    "unexpected",
                )
                .with_help(format!(
                    "remove `{} ...`: a `{}` belongs to the block it is written in",
                    q.keyword.name, schema.name
                ))
                .with_fix(
                    Span {
                        start: block.label.as_ref().map_or(block.kind.span, |l| l.span).end,
                        ..block.qualifiers[block.qualifiers.len() - 1].span
                    },
                    "",
                );
                self.report(d);
            }
            (Some((kw, _)), []) => {
                let d = Diagnostic::new(
                    Code::MissingField,
                    format!("`{}` needs `{kw} ...`", schema.name),
                    block.head_span(),
                    format!("missing `{kw}`"),
                )
                .with_help(format!("write `{} \"NAME\" {kw} KIND.NAME`", schema.name));
                self.report(d);
            }
            (Some((kw, ty)), [q, rest @ ..]) => {
                if q.keyword.name != kw {
                    let d = Diagnostic::new(
                        Code::Syntax,
                        format!(
                            "`{}` takes `{kw} ...`, not `{} ...`",
                            schema.name, q.keyword.name
                        ),
                        q.keyword.span,
                        format!("write `{kw}` here"),
                    )
                    .with_help(format!("write `{} \"NAME\" {kw} KIND.NAME`", schema.name))
                    .with_fix(q.keyword.span, kw);
                    self.report(d);
                    self.check_value(&q.value, &ty);
                } else {
                    self.check_value(&q.value, &ty);
                }
                if let Some(extra) = rest.first() {
                    let d = Diagnostic::new(
                        Code::Syntax,
                        format!("`{}` takes one `{kw}` clause", schema.name),
                        extra.span,
                        "a second clause",
                    )
                    .with_secondary(q.span, "the first")
                    .with_help("remove the second clause")
                    .with_fix(
                        Span {
                            start: q.span.end,
                            ..rest[rest.len() - 1].span
                        },
                        "",
                    );
                    self.report(d);
                }
            }
        }
    }

    /// Reports a field `schema` does not have; the field it is a typo of, if any.
    fn unknown_field(
        &mut self,
        schema: &Kind,
        key: &ast::Ident,
        is_block: bool,
    ) -> Option<&'static str> {
        if is_block {
            let d = Diagnostic::new(
                Code::Syntax,
                format!("`{}` is a block, not a field", key.name),
                key.span,
                "expected a block",
            )
            .with_help(format!("write `{} {{ ... }}`", key.name));
            self.report(d);
            return None;
        }
        let names: Vec<&'static str> = schema.fields.iter().map(|f| f.name).collect();
        let mut d = Diagnostic::new(
            Code::UnknownField,
            format!("`{}` has no field `{}`", schema.name, key.name),
            key.span,
            "unknown field",
        );
        let guess = diag::did_you_mean(&key.name, names.iter().copied());
        d = match guess {
            Some(s) => d.suggest(key.span, s),
            None if names.is_empty() => d.with_help(format!("`{}` has no fields", schema.name)),
            None => d.with_help(format!(
                "`{}` fields are {}",
                schema.name,
                diag::one_of(&names)
            )),
        };
        self.report(d);
        guess
    }

    fn unknown_block(&mut self, schema: &Kind, b: &ast::Block) {
        let names: Vec<&str> = schema.blocks.iter().map(|k| k.name).collect();
        let mut d = Diagnostic::new(
            Code::UnknownKind,
            format!("`{}` cannot contain a `{}` block", schema.name, b.kind.name),
            b.kind.span,
            "unknown here",
        );
        d = match diag::did_you_mean(&b.kind.name, names.iter().copied()) {
            Some(s) => d.suggest(b.kind.span, s),
            None if names.is_empty() => {
                d.with_help(format!("`{}` has no nested blocks", schema.name))
            }
            None => d.with_help(format!(
                "`{}` may contain {}",
                schema.name,
                diag::one_of(&names)
            )),
        };
        self.report(d);
    }

    fn mismatch(&mut self, v: &Value, ty: &Ty) {
        let mut d = Diagnostic::new(
            Code::TypeMismatch,
            format!("expected {}, found {}", ty.describe(), v.kind.describe()),
            v.span,
            format!("expected {}", ty.describe()),
        );
        let declared = |kind: &str, name: &str| self.is_declared(kind, name);
        match values::repair(v, ty, &declared) {
            Some(r) => {
                d = d.with_help(r.help);
                if let Some(fix) = r.fix {
                    d = d.with_fix(v.span, fix);
                }
            }
            None => d = d.with_help(format!("this field takes {}", ty.describe())),
        }
        self.report(d);
    }

    /// Checks a value against a type; reports and returns false when it does not fit. The arms
    /// go in order: a call or a reference of the wrong shape is told apart before a plain
    /// mismatch.
    pub fn check_value(&mut self, v: &Value, ty: &Ty) -> bool {
        match (ty, &v.kind) {
            (Ty::Str, ValueKind::Str(_)) | (Ty::Bool, ValueKind::Bool(_)) => true,
            (Ty::Int { min, max }, ValueKind::Int(i)) => self.in_range(*i, *min, *max, v.span),
            (Ty::Duration { min_secs, max_secs }, ValueKind::Duration { millis }) => {
                self.check_duration(*millis, *min_secs, *max_secs, v.span)
            }
            (Ty::Cidr, ValueKind::Cidr(s)) => self.check_cidr(s, v.span),
            (Ty::Ip, ValueKind::Ip(s)) => self.valid(net::parse_ip(s).map(|_| ()), v.span),
            (Ty::Range { min, max }, ValueKind::Range(a, b)) => {
                self.check_range((*a, *b), *min, *max, v.span)
            }
            (Ty::List(inner), ValueKind::List(items)) => self.check_list(items, inner),
            (Ty::Map(inner), ValueKind::Map(entries)) => self.check_map(entries, inner),
            (Ty::Enum(vals), ValueKind::Word(w)) => self.check_enum(w, vals, v.span),
            (Ty::Ref(kinds), ValueKind::Ref(parts)) if parts.len() == 2 => {
                self.resolve(kinds, parts, v.span)
            }
            (Ty::SubnetRef, ValueKind::Ref(parts)) if parts.len() == 3 => {
                self.check_subnet_ref(parts)
            }
            (Ty::StrOrEnv, ValueKind::Str(_)) => true,
            (Ty::StrOrEnv, ValueKind::Call { name, args }) if name.name == "env" => {
                self.check_env_call(v, args, false)
            }
            (Ty::Secure, ValueKind::Call { name, args }) if name.name == "secure" => {
                self.check_env_call(v, args, true)
            }
            (Ty::Secure, ValueKind::Str(_)) => self.literal_secret(v.span),
            (Ty::GitopsSource, ValueKind::Call { name, args })
                if name.name == "git" || name.name == "blob" =>
            {
                self.check_source_call(v, &name.name, args)
            }
            (Ty::List(Ty::StrOrEnv), ValueKind::Call { name, .. }) if name.name == "env" => {
                self.mismatch(v, ty);
                false
            }
            (_, ValueKind::Call { name, .. }) => self.misplaced_call(name, ty),
            (Ty::Ref(_) | Ty::SubnetRef, ValueKind::Ref(parts)) => {
                self.wrong_shape(v, ty, parts);
                false
            }
            _ => {
                self.mismatch(v, ty);
                false
            }
        }
    }

    fn check_duration(&mut self, millis: u64, min_secs: u64, max_secs: u64, span: Span) -> bool {
        let secs = millis / 1000;
        if secs < min_secs || secs > max_secs || !millis.is_multiple_of(1000) {
            let nearest = human_secs(secs.clamp(min_secs, max_secs).max(1));
            let what = if millis.is_multiple_of(1000) {
                "a duration"
            } else {
                "whole seconds"
            };
            let d = Diagnostic::new(
                Code::OutOfRange,
                format!(
                    "a duration of {} is outside {}..={}{}",
                    human_millis(millis),
                    human_secs(min_secs),
                    human_secs(max_secs),
                    self.range_of()
                ),
                span,
                format!(
                    "must be {}..={}",
                    human_secs(min_secs),
                    human_secs(max_secs)
                ),
            )
            .with_help(format!(
                "use {what} from {} to {}; the nearest is `{nearest}`",
                human_secs(min_secs),
                human_secs(max_secs)
            ))
            .with_fix(span, nearest);
            self.report(d);
            return false;
        }
        true
    }

    fn check_range(&mut self, (a, b): (i64, i64), min: i64, max: i64, span: Span) -> bool {
        if a > b {
            let d = Diagnostic::new(
                Code::OutOfRange,
                "range starts after it ends",
                span,
                "empty range",
            )
            .with_help(format!("write `{b}..{a}`"))
            .with_fix(span, format!("{b}..{a}"));
            self.report(d);
            return false;
        }
        if (min..=max).contains(&a) && (min..=max).contains(&b) {
            return true;
        }
        let (what, i) = if (min..=max).contains(&a) {
            ("range end ", b)
        } else {
            ("range start ", a)
        };
        let fixed = format!("{}..{}", a.clamp(min, max), b.clamp(min, max));
        let d = Diagnostic::new(
            Code::OutOfRange,
            format!("{what}{i} is outside {min}..={max}{}", self.range_of()),
            span,
            format!("must be within {min}..={max}"),
        )
        .with_help(format!("keep both ends from {min} to {max}: `{fixed}`"))
        .with_fix(span, fixed);
        self.report(d);
        false
    }

    fn check_cidr(&mut self, s: &str, span: Span) -> bool {
        let Err(msg) = net::Cidr::parse(s) else {
            return true;
        };
        let mut d = Diagnostic::new(Code::BadCidr, msg, span, "invalid range");
        d = match net::Cidr::network_of(s) {
            Some(fixed) => d
                .with_help(format!("write `{fixed}`"))
                .with_fix(span, fixed),
            None => {
                d.with_help("write a network address and a prefix of 0..=32, such as `10.0.0.0/16`")
            }
        };
        self.report(d);
        false
    }

    fn check_list(&mut self, items: &[Value], inner: &Ty) -> bool {
        let mut ok = true;
        // Long lists (a platform may name thousands of environments) are looked up by
        // their items' text rather than compared pairwise.
        let mut long: IndexMap<String, Span> = IndexMap::default();
        for (i, item) in items.iter().enumerate() {
            ok &= self.check_value(item, inner);
            // Every list of the language is a set (zones, containers, address spaces,
            // taints, environments, dependencies): Azure rejects most repeats, and none
            // means anything.
            let first = if items.len() <= 16 {
                items[..i]
                    .iter()
                    .find(|f| f.kind == item.kind)
                    .map(|f| f.span)
            } else {
                long.insert(format!("{:?}", item.kind), item.span)
            };
            if let Some(first) = first {
                // From the end of the item before, so that its comma goes too.
                let from = items[i - 1].span.end;
                let shown = values::source_text(item).unwrap_or_else(|| "this item".into());
                let d = Diagnostic::new(
                    Code::Duplicate,
                    format!("`{shown}` is listed twice"),
                    item.span,
                    "again here",
                )
                .with_secondary(first, "first here")
                .with_help("remove the repeated item")
                .with_fix(
                    Span {
                        start: from,
                        ..item.span
                    },
                    "",
                );
                // The list still says what it means: what reads it is not misled.
                self.report(d);
            }
        }
        ok
    }

    fn check_map(&mut self, entries: &[(ast::Ident, Value)], inner: &Ty) -> bool {
        let mut ok = true;
        let mut seen: IndexMap<&str, Span> = IndexMap::default();
        for (i, (k, val)) in entries.iter().enumerate() {
            if let Some(prev) = seen.insert(&k.name, k.span) {
                let from = entries[i - 1].1.span.end;
                let d = Diagnostic::new(
                    Code::Duplicate,
                    format!("key `{}` appears twice", k.name),
                    k.span,
                    "again here",
                )
                .with_secondary(prev, "first here")
                .with_help("keep one of the two entries")
                .with_fix(
                    Span {
                        start: from,
                        ..val.span
                    },
                    "",
                );
                self.report(d);
                ok = false;
            }
            ok &= self.check_value(val, inner);
        }
        ok
    }

    fn check_enum(&mut self, w: &str, vals: &[&str], span: Span) -> bool {
        if vals.contains(&w) {
            return true;
        }
        let mut d = Diagnostic::new(
            Code::UnknownValue,
            format!("`{w}` is not one of {}", diag::one_of(vals)),
            span,
            "unknown value",
        );
        d = match diag::did_you_mean(w, vals.iter().copied()) {
            Some(s) => d.suggest(span, s),
            None => d.with_help(format!("write one of {}", diag::one_of(vals))),
        };
        self.report(d);
        false
    }

    /// A reference with too few or too many parts: a network where its subnet is meant, say.
    fn wrong_shape(&mut self, v: &Value, ty: &Ty, parts: &[ast::Ident]) {
        let mut d = Diagnostic::new(
            Code::TypeMismatch,
            format!(
                "expected {}, found a reference with {} parts",
                ty.describe(),
                parts.len()
            ),
            v.span,
            "wrong shape",
        );
        let prefix = parts
            .get(1)
            .map(|p| format!("{}.", p.name))
            .unwrap_or_default();
        let subnets: Vec<String> = self
            .names_of("subnet")
            .into_iter()
            .filter(|n| !prefix.is_empty() && n.starts_with(&prefix))
            .map(|n| format!("network.{n}"))
            .collect();
        d = match (ty, subnets.as_slice()) {
            (Ty::SubnetRef, [one]) => d.suggest(v.span, one.clone()),
            (Ty::SubnetRef, [_, ..]) => {
                let names: Vec<&str> = subnets.iter().map(String::as_str).collect();
                d.with_help(format!("name the subnet too: {}", diag::one_of(&names)))
            }
            _ => d.with_help(format!("write {}", ty.describe())),
        };
        self.report(d);
    }

    /// `network.NAME.SUBNET`: the network resolves like any reference, then the subnet within it.
    fn check_subnet_ref(&mut self, parts: &[ast::Ident]) -> bool {
        if parts[0].name != "network" {
            let d = Diagnostic::new(
                Code::WrongKind,
                format!(
                    "expected a subnet of a `network`, found `{}`",
                    parts[0].name
                ),
                parts[0].span,
                "expected `network`",
            )
            .with_help("a subnet is written `network.NETWORK.SUBNET`");
            let d = if diag::did_you_mean(&parts[0].name, ["network"]).is_some() {
                d.with_fix(parts[0].span, "network")
            } else {
                d
            };
            self.report(d);
            return false;
        }
        if !self.resolve(&["network"], &parts[..2], parts[0].span.to(parts[1].span)) {
            return false;
        }
        let full = format!("{}.{}", parts[1].name, parts[2].name);
        if self.is_declared("subnet", &full) {
            self.mark_used("subnet", &full);
            return true;
        }
        let prefix = format!("{}.", parts[1].name);
        let subnets: Vec<String> = self
            .names_of("subnet")
            .into_iter()
            .filter_map(|n| n.strip_prefix(&prefix).map(str::to_string))
            .collect();
        let mut d = Diagnostic::new(
            Code::Unresolved,
            format!(
                "network `{}` has no subnet `{}`",
                parts[1].name, parts[2].name
            ),
            parts[2].span,
            "no such subnet",
        );
        if let Some(s) = diag::did_you_mean(&parts[2].name, subnets.iter().map(String::as_str)) {
            d = d.suggest(parts[2].span, s);
        }
        self.report(d);
        false
    }

    fn literal_secret(&mut self, span: Span) -> bool {
        let d = Diagnostic::new(
            Code::LiteralSecret,
            "secret value written in the source",
            span,
            "this would be stored in plain text",
        )
        .with_note("literal secrets end up in the repository, the generated Bicep and the deployment history");
        let var = self
            .secret_var
            .clone()
            .unwrap_or_else(|| "DB_PASSWORD".into());
        let call = format!("secure(\"{var}\")");
        let d = d
            .with_help(format!(
                "take it from a secure parameter, `{call}`, and give it with `azd env set {var} ...`"
            ))
            .with_fix(span, call);
        self.report(d);
        false
    }

    /// A call where the field takes none, or takes another function.
    fn misplaced_call(&mut self, name: &ast::Ident, ty: &Ty) -> bool {
        let known: &[&str] = match ty {
            Ty::StrOrEnv => &["env"],
            Ty::Secure => &["secure"],
            Ty::GitopsSource => &["git", "blob"],
            _ => &[],
        };
        let mut d = Diagnostic::new(
            Code::BadFunction,
            format!("`{}(...)` cannot be used here", name.name),
            name.span,
            format!("expected {}", ty.describe()),
        );
        d = match (ty, name.name.as_str()) {
            // Each function keeps its own kind of value: a secret read with `env` would be
            // written into main.parameters.json, a plain value read with `secure` hidden.
            (Ty::Secure, "env") => d
                .with_note("`env(...)` values are written into main.parameters.json and the deployment in plain text")
                .with_help("read a secret with `secure(...)`, which keeps it out of every file")
                .with_fix(name.span, "secure"),
            (Ty::StrOrEnv, "secure") => d
                .with_note("secrets live in Key Vault, never in plain configuration")
                .with_help("declare `secret \"NAME\" in vault.NAME { value = secure(\"...\") }` and, in a `config`, refer to it with `secret = secret.NAME`; a value that is not secret is read with `env(\"NAME\")`"),
            _ => match diag::did_you_mean(&name.name, known.iter().copied())
                .or_else(|| known.iter().copied().find(|k| name.name.starts_with(k)))
            {
                Some(s) => d
                    .with_help(format!("did you mean `{s}(...)`?"))
                    .with_fix(name.span, s),
                None if !known.is_empty() => {
                    let calls: Vec<String> = known.iter().map(|k| format!("{k}(...)")).collect();
                    let calls: Vec<&str> = calls.iter().map(String::as_str).collect();
                    d.with_help(format!("here, use {}", diag::one_of(&calls)))
                }
                None => d.with_help(format!("this field takes {}", ty.describe())),
            },
        };
        self.report(d);
        false
    }

    fn valid(&mut self, r: Result<(), String>, span: Span) -> bool {
        match r {
            Ok(()) => true,
            Err(msg) => {
                let d = Diagnostic::new(Code::BadCidr, msg, span, "invalid address")
                    .with_help("write four octets of 0..=255, such as `10.0.0.10`");
                self.report(d);
                false
            }
        }
    }

    /// `, the range of \`field\`` while a field's value is checked.
    fn range_of(&self) -> String {
        self.field
            .map(|f| format!(", the range of `{f}`"))
            .unwrap_or_default()
    }

    fn in_range(&mut self, i: i64, min: i64, max: i64, span: Span) -> bool {
        if i < min || i > max {
            let nearest = i.clamp(min, max);
            let d = Diagnostic::new(
                Code::OutOfRange,
                format!("{i} is outside {min}..={max}{}", self.range_of()),
                span,
                format!("must be {min}..={max}"),
            )
            .with_help(format!(
                "use a value from {min} to {max}; the nearest is `{nearest}`"
            ))
            .with_fix(span, nearest.to_string());
            self.report(d);
            false
        } else {
            true
        }
    }

    fn resolve(&mut self, kinds: &[&'static str], parts: &[ast::Ident], span: Span) -> bool {
        let (k, n) = (&parts[0], &parts[1]);
        let Some(kind) = kinds.iter().copied().find(|x| *x == k.name) else {
            let all_kinds: Vec<&str> = crate::schema::TOP_LEVEL.iter().map(|k| k.name).collect();
            let mut d = Diagnostic::new(
                Code::WrongKind,
                format!(
                    "expected a reference to {}, found `{}.{}`",
                    kinds_phrase(kinds),
                    k.name,
                    n.name
                ),
                span,
                format!("expected {}", kinds_phrase(kinds)),
            );
            let typo = (!all_kinds.contains(&k.name.as_str()))
                .then(|| diag::did_you_mean(&k.name, kinds.iter().copied()))
                .flatten();
            let declared: Vec<String> = kinds
                .iter()
                .flat_map(|kind| {
                    self.names_of(kind)
                        .into_iter()
                        .map(move |n| format!("{kind}.{n}"))
                })
                .collect();
            if let Some(s) = typo {
                d = d.suggest(span, format!("{s}.{}", n.name));
            } else if declared.len() == 1 {
                d = d.suggest(span, declared[0].clone());
            } else if !declared.is_empty() {
                let names: Vec<&str> = declared.iter().map(String::as_str).collect();
                d = d.with_help(format!("declared: {}", diag::one_of(&names)));
            }
            self.report(d);
            return false;
        };
        if self.is_declared(kind, &n.name) {
            self.mark_used(kind, &n.name);
            return true;
        }
        let names = self.names_of(kind);
        let mut d = Diagnostic::new(
            Code::Unresolved,
            format!("no {kind} named `{}`", n.name),
            n.span,
            "not declared",
        );
        d = match diag::did_you_mean(&n.name, names.iter().copied()) {
            Some(s) => d.suggest(span, format!("{kind}.{s}")),
            None if names.is_empty() => {
                d.with_help(format!("declare it: `{kind} \"{}\" {{ ... }}`", n.name))
            }
            None => d.with_help(format!("declared {kind}s: {}", diag::one_of(&names))),
        };
        self.report(d);
        false
    }

    fn check_env_call(&mut self, v: &Value, args: &[ast::Argument], secure: bool) -> bool {
        let func = if secure { "secure" } else { "env" };
        let max = if secure { 1 } else { 2 };
        let ok_shape =
            !args.is_empty() && args.len() <= max && args.iter().all(|a| a.name.is_none());
        let name_ok = matches!(args.first().map(|a| &a.value.kind), Some(ValueKind::Str(s)) if is_env_name(s));
        let default_ok = args
            .get(1)
            .is_none_or(|a| matches!(a.value.kind, ValueKind::Str(_)));
        if ok_shape
            && name_ok
            && default_ok
            && let Some(default) = args.get(1)
            && let ValueKind::Str(text) = &default.value.kind
            && text.contains(['$', '}'])
        {
            // azd substitutes `${NAME=default}` in main.parameters.json: a `}` would end the
            // default early and a `$` would read another variable, a secret's perhaps.
            let d = Diagnostic::new(
                Code::BadFunction,
                "an `env` default cannot hold `$` or `}`",
                default.value.span,
                "azd would read this as part of its own substitution",
            )
            .with_help("put the value in the azd environment instead: `azd env set NAME VALUE`");
            self.report(d);
            return false;
        }
        if ok_shape && name_ok && default_ok {
            return true;
        }
        let usage = if secure {
            "one argument: `secure(\"NAME\")`"
        } else {
            "`env(\"NAME\")` or `env(\"NAME\", \"default\")`"
        };
        let mut d = Diagnostic::new(Code::BadFunction, format!("`{func}` takes {usage}"), v.span, "bad arguments")
            .with_help("NAME is an azd environment variable: uppercase letters, digits and `_`, such as `DB_PASSWORD`");
        // A secret has no default: one would be written into the files `secure` keeps it out of.
        if secure && name_ok && args.len() > 1 {
            d = d
                .with_help("a secret has no default: remove the second argument and set the variable with `azd env set`")
                .with_fix(
                    Span {
                        start: args[0].value.span.end,
                        ..args[args.len() - 1].value.span
                    },
                    "",
                );
        }
        // A name in the wrong case is the one with the right case.
        if let Some(a) = args.first()
            && let ValueKind::Str(s) = &a.value.kind
            && !is_env_name(s)
            && is_env_name(&s.to_ascii_uppercase())
        {
            let upper = s.to_ascii_uppercase();
            d = d
                .with_help(format!(
                    "azd environment variables are upper case: `\"{upper}\"`"
                ))
                .with_fix(a.value.span, format!("\"{upper}\""));
        }
        self.report(d);
        false
    }

    fn check_source_call(&mut self, v: &Value, func: &str, args: &[ast::Argument]) -> bool {
        let (positional, named): (Vec<_>, Vec<_>) = args.iter().partition(|a| a.name.is_none());
        let named_ok = self.check_source_options(func, &named);
        let mut ok = named_ok;
        if positional.len() != 1 {
            let usage = if func == "git" {
                "git(\"URL\", branch = \"main\")"
            } else {
                "blob(storage.NAME, container = \"NAME\")"
            };
            let d = Diagnostic::new(
                Code::BadFunction,
                format!("`{func}` takes one positional argument: `{usage}`"),
                v.span,
                "bad arguments",
            )
            .with_help(if func == "git" {
                "give the repository URL first, then what to follow by name: `branch`, `tag`, `semver` or `commit`"
            } else {
                "give the storage account first, then `container = \"NAME\"`"
            });
            // `git("URL", "main")`: the second is the branch, given by name.
            let named_branch = match positional.as_slice() {
                [_, second] if func == "git" => match &second.value.kind {
                    ValueKind::Str(b) => {
                        Some((second.value.span, format!("branch = {}", values::quoted(b))))
                    }
                    _ => None,
                },
                [_, second] => values::source_text(&second.value)
                    .map(|t| (second.value.span, format!("container = {t}"))),
                _ => None,
            };
            let d = match &named_branch {
                Some((_, named)) => d.with_help(format!("give it by name: `{named}`")),
                None => d,
            };
            self.report(d.with_fix_if(named_branch));
            return false;
        }
        if func == "git" {
            ok &= self.check_git_source(&positional[0].value, &named);
        } else {
            ok &= self.check_blob_source(v, &positional[0].value, &named);
        }
        ok
    }

    /// The named arguments of `git(...)` or `blob(...)`: known to the function, and strings.
    fn check_source_options(&mut self, func: &str, named: &[&ast::Argument]) -> bool {
        let allowed: Vec<&str> = crate::schema::function(func)
            .map_or(&[][..], |f| f.named)
            .iter()
            .map(|(n, _)| *n)
            .collect();
        let mut ok = true;
        for a in named {
            let n = a.name.as_ref().expect("partitioned on name");
            if !allowed.contains(&n.name.as_str()) {
                let mut d = Diagnostic::new(
                    Code::BadFunction,
                    format!("`{func}` has no argument `{}`", n.name),
                    n.span,
                    "unknown argument",
                );
                d = match diag::did_you_mean(&n.name, allowed.iter().copied()) {
                    Some(s) => d.suggest(n.span, s),
                    None => d.with_help(format!("`{func}` takes {}", diag::one_of(&allowed))),
                };
                self.report(d);
                ok = false;
            } else if !matches!(a.value.kind, ValueKind::Str(_)) {
                self.mismatch(&a.value, &Ty::Str);
                ok = false;
            }
        }
        ok
    }

    /// `git("URL", ...)`: one reference to follow, and a URL Flux can clone.
    fn check_git_source(&mut self, url: &Value, named: &[&ast::Argument]) -> bool {
        let mut ok = true;
        if let [first, second, ..] = named
            && let (Some(a), Some(b)) = (&first.name, &second.name)
        {
            let d = Diagnostic::new(
                Code::Conflict,
                format!("`{}` and `{}` both say what to follow", a.name, b.name),
                b.span,
                "a second reference",
            )
            .with_secondary(a.span, "first here")
            .with_help(format!(
                "give one of `branch`, `tag`, `semver` or `commit`: remove `{}`",
                b.name
            ))
            .with_fix(
                Span {
                    start: first.value.span.end,
                    ..second.value.span
                },
                "",
            );
            self.report(d);
            ok = false;
        }
        match &url.kind {
            ValueKind::Str(url)
                if url.starts_with("https://")
                    || url.starts_with("ssh://")
                    || url.starts_with("http://") => {}
            kind => {
                let mut d = Diagnostic::new(
                    Code::TypeMismatch,
                    "expected the repository URL as a string (`https://...` or `ssh://...`)",
                    url.span,
                    "expected a URL",
                );
                d = match kind {
                    ValueKind::Str(s) if !s.contains("://") && s.contains('/') => {
                        let fixed = values::quoted(&format!("https://{s}"));
                        d.with_help(format!("give the scheme: `{fixed}`"))
                            .with_fix(url.span, fixed)
                    }
                    _ => d.with_help(
                        "write the URL Flux clones, such as `\"https://github.com/ORG/REPO\"`",
                    ),
                };
                self.report(d);
                ok = false;
            }
        }
        ok
    }

    /// `blob(storage.NAME, container = "NAME", upload = "DIR")`: a declared storage, the
    /// container to read, and the folder to publish there, relative and inside the project's
    /// reach (`platc publish` reads it; whether it exists is for `build` to say, see
    /// `crate::publish`).
    fn check_blob_source(&mut self, v: &Value, storage: &Value, named: &[&ast::Argument]) -> bool {
        let mut ok = self.check_value(storage, &Ty::Ref(&["storage"]));
        let arg = |n: &str| {
            named
                .iter()
                .find(|a| a.name.as_ref().is_some_and(|x| x.name == n))
        };
        if let Some(a) = arg("upload")
            && let ValueKind::Str(dir) = &a.value.kind
            && let Err(why) = crate::model::Upload::relative_dir(dir.as_str())
        {
            self.report(
                Diagnostic::new(
                    Code::BadUpload,
                    format!("cannot publish `{}`: {why}", dir.as_str()),
                    a.value.span,
                    "not a relative folder",
                )
                .with_help(
                    "name a folder relative to this file, such as `upload = \"gitops/vendor\"`",
                ),
            );
            ok = false;
        }
        // A misspelt `container` is reported as an unknown argument, with the spelling to use.
        if named
            .iter()
            .all(|a| a.name.as_ref().is_some_and(|x| x.name == "upload"))
        {
            let d = Diagnostic::new(
                Code::MissingField,
                "`blob` needs `container = \"NAME\"`",
                v.span,
                "no container",
            )
            .with_help("name the container Flux reads, e.g. `blob(storage.NAME, container = \"manifests\")`");
            self.report(d);
            ok = false;
        }
        ok
    }
}

/// "a \`vault\` declaration", "an \`appconfig\` declaration", "a \`vault\` or \`logs\` declaration".
fn kinds_phrase(kinds: &[&str]) -> String {
    let article = if kinds[0].starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {} declaration", diag::one_of(kinds))
}

/// A block's name as written: quoted if it was.
fn source_label(l: &ast::Label) -> String {
    if l.quoted {
        values::quoted(&l.text)
    } else {
        l.text.to_string()
    }
}

pub(crate) fn is_env_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase() || c == '_')
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// A duration as written: `500ms`, `30s`, `2m`.
fn human_millis(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        human_secs(ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

pub(crate) fn human_secs(s: u64) -> String {
    match s {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A program's check: the model and every diagnostic, as text.
    fn outcome(files: &[ast::File], parallel_from: usize) -> String {
        let (checked, mut diags) = check_with(files, parallel_from);
        crate::diag::sort(&mut diags);
        format!("{checked:#?}\n{diags:#?}")
    }

    #[test]
    fn checking_on_two_threads_agrees_with_one() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut programs: Vec<(String, String)> = Vec::new();
        for dir in ["tests/fixtures", "examples"] {
            let mut paths: Vec<_> = std::fs::read_dir(root.join(dir))
                .expect("the folder is there")
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "plat"))
                .collect();
            paths.sort();
            for p in paths {
                let text = std::fs::read_to_string(&p).expect("a readable program");
                programs.push((p.display().to_string(), text));
            }
        }
        assert!(programs.len() > 40, "{} programs", programs.len());
        programs.push(("synthetic".into(), crate::synth::platform(3)));
        let mut with_errors = 0;
        for (name, text) in &programs {
            let (file, _) = crate::syntax::parse(0, text);
            let files = [file];
            let one = outcome(&files, usize::MAX);
            with_errors += usize::from(one.contains("Error"));
            // Every list split, the shortest ones included, and a split of only the long ones.
            for from in [2, 3, 50] {
                assert!(
                    outcome(&files, from) == one,
                    "{name}: two threads from {from} items differ from one"
                );
            }
        }
        assert!(with_errors > 20, "only {with_errors} programs with errors");
    }
}
