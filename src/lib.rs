//! platc: a compiler from `.plat` platform descriptions to Azure Bicep and azd projects.
//!
//! The pipeline, one stage per module, no IO in the library but `output` (which writes and guards
//! the output directory) and `load::read_file`:
//!
//! ```text
//! sources ──syntax::parse──▶ ast::File ──check::check──▶ model::Platform ──lower::lower──▶ Artifacts
//! ```
//!
//! The CLI (`main.rs`) reads files, calls [`compile`], prints diagnostics and writes artifacts.

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
pub mod pretty;
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
    /// The caller exits right after compiling: the syntax trees and the checked program are not
    /// freed, since the operating system takes back the whole process at once and freeing a large
    /// program node by node costs a tenth of a check. Never for a long-lived caller (editors).
    pub exit_after: bool,
    /// Share modules only by comparing whole modules (`lower::share_whole`), never from each
    /// declaration's differences to the first: the two give the same files, which a test holds
    /// them to.
    pub compare_whole_modules: bool,
}

/// Parses and checks every file of the program. Each file's broken statements are reported and
/// skipped; the rest is still checked.
pub fn analyse(sources: &SourceMap) -> (check::Checked, Vec<Diagnostic>) {
    let (checked, diagnostics, _) = analyse_after(sources, Vec::new());
    (checked, diagnostics)
}

/// `analyse`, continuing from problems found while loading the files (an unreadable import).
fn analyse_after(
    sources: &SourceMap,
    loading: Vec<Diagnostic>,
) -> (check::Checked, Vec<Diagnostic>, Vec<syntax::ast::File>) {
    analyse_trees(sources, loading)
}

/// `analyse_after`, also returning the syntax trees (each file's statements that parsed).
fn analyse_trees(
    sources: &SourceMap,
    loading: Vec<Diagnostic>,
) -> (check::Checked, Vec<Diagnostic>, Vec<syntax::ast::File>) {
    analyse_parsed(sources, loading, None)
}

/// `analyse_trees`, with the first file already parsed (by an editor's incremental parser).
fn analyse_parsed(
    sources: &SourceMap,
    loading: Vec<Diagnostic>,
    first: Option<(syntax::ast::File, Vec<Diagnostic>)>,
) -> (check::Checked, Vec<Diagnostic>, Vec<syntax::ast::File>) {
    let mut diagnostics = loading;
    let mut files = Vec::new();
    let mut first = first;
    for id in sources.ids() {
        let (file, errors) = match first.take() {
            Some(parsed) if id == 0 => parsed,
            _ => syntax::parse(id, sources.text(id)),
        };
        files.push(file);
        diagnostics.extend(errors);
    }
    let parsed_all = diagnostics.is_empty();
    let (checked, mut more) = check::check(&files);
    if !parsed_all {
        // References to a declaration that did not parse would look unresolved, and the missing
        // platform may be the broken statement: report what does not depend on those.
        more.retain(|d| {
            !matches!(
                d.code,
                diag::Code::Unresolved | diag::Code::MissingPlatform | diag::Code::Unused
            )
        });
    }
    diagnostics.extend(more);
    diag::sort(&mut diagnostics);
    (checked, diagnostics, files)
}

/// The whole pipeline: sources in, generated files and diagnostics out.
pub fn compile(sources: &SourceMap, options: &Options) -> Compilation {
    compile_after(sources, Vec::new(), options)
}

/// Loads the program rooted at `root` through `read` (following imports) and compiles it.
/// Fails only when the root itself cannot be read.
pub fn compile_program(
    root: &std::path::Path,
    read: &mut dyn FnMut(&std::path::Path) -> std::io::Result<String>,
    options: &Options,
) -> std::io::Result<(SourceMap, Compilation)> {
    let (sources, loading) = load::load(root, read)?;
    let result = compile_after(&sources, loading, options);
    Ok((sources, result))
}

/// Checks loaded sources as `platc check` does (lowering included, printing nothing), returning
/// the checked platform with every diagnostic and each file's syntax tree: what editors need.
pub fn check_loaded(
    sources: &SourceMap,
    loading: Vec<Diagnostic>,
) -> (check::Checked, Vec<Diagnostic>, Vec<syntax::ast::File>) {
    check_loaded_with(sources, loading, None)
}

/// `check_loaded`, with the first file already parsed.
pub fn check_loaded_with(
    sources: &SourceMap,
    loading: Vec<Diagnostic>,
    first: Option<(syntax::ast::File, Vec<Diagnostic>)>,
) -> (check::Checked, Vec<Diagnostic>, Vec<syntax::ast::File>) {
    let (checked, mut diagnostics, files) = analyse_parsed(sources, loading, first);
    if !diagnostics.iter().any(Diagnostic::is_error) {
        let options = Options {
            check_only: true,
            ..Options::default()
        };
        match lower::lower(&checked, sources, &options) {
            Ok((_, warnings)) => diagnostics.extend(warnings),
            Err(errors) => diagnostics.extend(errors),
        }
        diag::sort(&mut diagnostics);
    }
    (checked, diagnostics, files)
}

/// Frees the syntax trees, a large file's second half on another thread: freeing a tree of a
/// hundred thousand statements node by node takes as long as lowering a tenth of them.
fn free_in_halves(mut files: Vec<syntax::ast::File>) {
    const LARGE: usize = 4096;
    let largest = files.iter_mut().max_by_key(|f| f.statements.len());
    let second = match largest {
        Some(f) if f.statements.len() >= LARGE && threads() > 1 => {
            f.statements.split_off(f.statements.len() / 2)
        }
        _ => Vec::new(),
    };
    if second.is_empty() {
        drop(files);
        return;
    }
    std::thread::scope(|s| {
        s.spawn(move || drop(second));
        drop(files);
    });
}

fn compile_after(sources: &SourceMap, loading: Vec<Diagnostic>, options: &Options) -> Compilation {
    let (checked, mut diagnostics, files) = analyse_after(sources, loading);
    // Lowering needs the room the trees take; a check exits next.
    if options.exit_after && options.check_only {
        std::mem::forget(files);
    } else {
        free_in_halves(files);
    }
    let mut artifacts = Artifacts::new();
    if !diagnostics.iter().any(Diagnostic::is_error) {
        match lower::lower(&checked, sources, options) {
            Ok((a, warnings)) => {
                artifacts = a;
                diagnostics.extend(warnings);
            }
            Err(errors) => diagnostics.extend(errors),
        }
        diag::sort(&mut diagnostics);
    }
    if options.exit_after {
        std::mem::forget(checked);
    }
    Compilation {
        artifacts,
        diagnostics,
    }
}
