//! platc: a compiler from `.plat` platform descriptions to Azure Bicep and azd projects.
//!
//! The pipeline, one stage per function below, each in a module of its own:
//!
//! ```text
//! files ──load──▶ SourceMap ──parse──▶ Vec<ast::File> ──check──▶ check::Checked ──lower──▶ Artifacts
//! ```
//!
//! Diagnostics travel beside the data: each stage adds its own and the next runs as far as the
//! earlier ones allow. No IO in the library but `load::read_file` (the one way an author's file is
//! read) and `output` (which guards and writes the output directory). The CLI (`main.rs`) reads
//! files, runs the stages, prints diagnostics and writes artifacts; ARCHITECTURE.md says where
//! each stage lives and how to change it.

pub mod azure;
pub mod bicep;
pub mod check;
pub mod diag;
pub mod fmt;
pub mod graph;
pub mod ide;
pub mod load;
pub mod lower;
pub mod model;
pub mod net;
pub mod output;
pub mod plan;
pub mod policy;
pub mod preflight;
pub mod pretty;
pub mod publish;
pub mod scaffold;
pub mod schema;
pub mod source;
pub mod syntax;
pub mod synth;
pub mod trace;
pub mod verify;

/// Threads the machine offers: parsing and lowering split their work over two when there is more
/// than one.
pub(crate) fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `a` on a thread of its own and `b` on this one, where the machine has two; one after the
/// other where it has one. A panic in `a` goes on in this thread.
pub(crate) fn join<A: Send, B>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B) -> (A, B) {
    if threads() < 2 {
        return (a(), b());
    }
    std::thread::scope(|s| {
        let a = s.spawn(a);
        let b = b();
        (a.join().unwrap_or_else(|e| std::panic::resume_unwind(e)), b)
    })
}

/// A table of the bytes in `bytes`, for scanning text a byte at a time with one lookup each.
pub(crate) const fn byte_set(bytes: &[u8]) -> [bool; 256] {
    let mut t = [false; 256];
    let mut k = 0;
    while k < bytes.len() {
        t[bytes[k] as usize] = true;
        k += 1;
    }
    t
}

/// Whether `s` holds any byte of `set`: folded without a branch on each byte, which beats an
/// early exit on the short strings (names, values) that make up most of what is escaped.
pub(crate) fn any_byte_in(set: &[bool; 256], s: &str) -> bool {
    s.bytes().fold(false, |any, b| any | set[usize::from(b)])
}

/// Insertion-ordered maps and sets with a fast hasher: names are hashed millions of times in a
/// large program, and nothing here needs protection from chosen collisions (the input is the
/// author's own program). Order never depends on the hasher.
pub mod collections {
    pub type IndexMap<K, V> = indexmap::IndexMap<K, V, foldhash::fast::FixedState>;
    pub type IndexSet<K> = indexmap::IndexSet<K, foldhash::fast::FixedState>;
}

use diag::Diagnostic;
use source::SourceMap;

/// Generated files by path relative to the output directory, in a stable order.
pub type Artifacts = indexmap::IndexMap<String, String>;

pub struct Compilation {
    /// Empty when any error was reported: a broken program never produces half an `infra/`.
    pub artifacts: Artifacts,
    pub diagnostics: Vec<Diagnostic>,
}

impl Compilation {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Options that shape the output but not the meaning of the program.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// How the source is named in generated headers (a path relative to the project, with `/`).
    pub source_name: String,
    /// Check everything, lowering included, but print no files (`platc check`, editors).
    pub check_only: bool,
    /// Share modules only by comparing whole modules (`lower::share_whole`), never from each
    /// declaration's differences to the first: the two give the same files, which a test holds
    /// them to.
    pub compare_whole_modules: bool,
}

/// Stage one: every file's syntax tree, the statements that parsed, with an error for each that
/// did not. `first`, when given, is the first file already parsed (by an editor's incremental
/// parser).
pub fn parse(
    sources: &SourceMap,
    mut first: Option<(syntax::ast::File, Vec<Diagnostic>)>,
) -> (Vec<syntax::ast::File>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    for id in sources.ids() {
        let (file, errors) = match first.take() {
            Some(parsed) if id == 0 => parsed,
            // Rule files are Rego, read by `policy`; they keep their place among the trees.
            _ if load::is_rules(sources, id) => (syntax::ast::File::empty(id), Vec::new()),
            _ => syntax::parse(id, sources.text(id)),
        };
        files.push(file);
        diagnostics.extend(errors);
    }
    (files, diagnostics)
}

/// Stage one for an editor: file `id`'s syntax tree through its incremental parse cache. A
/// Rego rule file has none: `policy` reads it.
pub fn parse_file(
    sources: &SourceMap,
    id: source::FileId,
    cache: &mut syntax::incremental::ParseCache,
) -> (syntax::ast::File, Vec<Diagnostic>) {
    if load::is_rules(sources, id) {
        return (syntax::ast::File::empty(id), Vec::new());
    }
    syntax::incremental::parse_incremental(id, sources.text(id), cache)
}

/// Stage two: the files checked as one program, after `earlier` problems (loading, parsing).
pub fn check(
    files: &[syntax::ast::File],
    mut earlier: Vec<Diagnostic>,
) -> (check::Checked, Vec<Diagnostic>) {
    let (checked, mut found) = check::check(files);
    // The loader reports a byte that is not UTF-8; the parser and the checker, reading the
    // replacement character in its place, would report it again.
    let encoding: Vec<source::Span> = earlier
        .iter()
        .filter(|d| d.labels.iter().any(|l| l.message.ends_with("is not UTF-8")))
        .map(Diagnostic::primary_span)
        .collect();
    let follows = |d: &Diagnostic| {
        let at = d.primary_span();
        !encoding.contains(&at)
            && encoding.iter().any(|b| {
                b.file == at.file && at.start <= b.start && b.start < at.end.max(at.start + 1)
            })
    };
    earlier.retain(|d| !follows(d));
    found.retain(|d| !follows(d));
    if !earlier.is_empty() {
        // References to a declaration that did not parse or load would look unresolved, and the
        // missing platform may be the broken statement: report what does not depend on those.
        found.retain(|d| !d.absence);
    }
    earlier.extend(found);
    diag::sort(&mut earlier);
    (checked, earlier)
}

/// Stage three: a program without errors lowered into the files of an azd project (none with
/// `check_only`, which still reports what only lowering finds).
pub fn lower(
    checked: &check::Checked,
    sources: &SourceMap,
    options: &Options,
    mut diagnostics: Vec<Diagnostic>,
) -> Compilation {
    let mut artifacts = Artifacts::new();
    if !diagnostics.iter().any(Diagnostic::is_error) {
        match lower::lower(checked, sources, options) {
            Ok((a, warnings)) => {
                artifacts = a;
                diagnostics.extend(warnings);
            }
            Err(errors) => diagnostics.extend(errors),
        }
        // The platform's own rules judge the checked program, beside lowering and never
        // changing what it writes; one they deny writes nothing, like any error.
        diagnostics.extend(policy::evaluate(checked, sources));
        if diagnostics.iter().any(Diagnostic::is_error) {
            artifacts.clear();
        }
        diag::sort(&mut diagnostics);
    }
    Compilation {
        artifacts,
        diagnostics,
    }
}

/// Parses, checks and lowers `sources`.
pub fn compile(sources: &SourceMap, options: &Options) -> Compilation {
    let (files, diagnostics) = parse(sources, None);
    let (checked, diagnostics) = check(&files, diagnostics);
    // Lowering needs the room the trees take.
    drop(files);
    lower(&checked, sources, options, diagnostics)
}

/// Loads the program rooted at `root` through `read` (following imports) and compiles it.
/// Fails only when the root itself cannot be read.
pub fn compile_program(
    root: &std::path::Path,
    read: &mut dyn FnMut(&std::path::Path) -> std::io::Result<String>,
    options: &Options,
) -> std::io::Result<(SourceMap, Compilation)> {
    let (sources, loading) = load::load(root, read)?;
    let (files, mut diagnostics) = parse(&sources, None);
    diagnostics.extend(loading);
    let (checked, diagnostics) = check(&files, diagnostics);
    drop(files);
    let result = lower(&checked, &sources, options, diagnostics);
    Ok((sources, result))
}
