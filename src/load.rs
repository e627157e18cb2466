//! Gathers a program's files by following `import "path.plat"` from the root file. The library does
//! no IO: the caller passes the function that reads a file, so tests and the language server can
//! load from memory.

use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::{self, ast};
use std::path::{Component, Path, PathBuf};

/// The largest file platc reads: twenty times the largest platform measured in the benchmark, and
/// far below what would exhaust memory. A symlink to `/dev/zero` or a runaway file stops here.
pub const MAX_FILE_BYTES: u64 = 128 << 20;

/// Reads a source file (or a source map) from disk: a regular file only, since opening a FIFO
/// waits for a writer forever and a device can read without end, and at most `MAX_FILE_BYTES`.
/// The one function through which every read of an author's file goes.
pub fn read_file(path: &Path) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read};
    let not_regular = || Error::new(ErrorKind::InvalidInput, "not a regular file");
    // Checked before opening: `open` itself blocks on a FIFO.
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        return Err(folder(path)?);
    }
    if !meta.is_file() {
        return Err(not_regular());
    }
    let file = std::fs::File::open(path)?;
    // Checked again on what was opened, in case the path changed in between.
    if !file.metadata()?.is_file() {
        return Err(not_regular());
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Error::new(
            ErrorKind::InvalidData,
            format!("larger than {} MiB", MAX_FILE_BYTES >> 20),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.into_bytes();
        Error::new(
            ErrorKind::InvalidData,
            NotUtf8 {
                text: String::from_utf8_lossy(&bytes).into_owned(),
                at,
                byte: bytes[at],
            },
        )
    })
}

/// A folder asked for as a file: the error carries the names in it, so that a caller reading
/// through a function of its own (an editor, a test in memory) can follow a folder of rule files
/// the same way as the command line.
#[derive(Debug)]
pub struct Folder {
    pub names: Vec<String>,
}

impl std::fmt::Display for Folder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("is a folder")
    }
}

impl std::error::Error for Folder {}

/// The error `read_file` gives for a folder: its entries' names, sorted.
pub fn folder_error(mut names: Vec<String>) -> std::io::Error {
    names.sort();
    std::io::Error::new(std::io::ErrorKind::IsADirectory, Folder { names })
}

fn folder(path: &Path) -> std::io::Result<std::io::Error> {
    let names = std::fs::read_dir(path)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    Ok(folder_error(names))
}

/// A file that is not UTF-8: its text with each invalid sequence replaced by U+FFFD, which keeps
/// every offset up to the first one, where `byte` stands.
#[derive(Debug)]
pub struct NotUtf8 {
    pub text: String,
    pub at: usize,
    pub byte: u8,
}

impl std::fmt::Display for NotUtf8 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not UTF-8 text (byte {})", self.at)
    }
}

impl std::error::Error for NotUtf8 {}

/// What a read that failed on an encoding still gives: the text to show, and the diagnostic at
/// the first byte that is not UTF-8.
fn not_utf8(
    e: std::io::Error,
    file: FileId,
    name: &str,
) -> Result<(String, Diagnostic), std::io::Error> {
    if !e.get_ref().is_some_and(|inner| inner.is::<NotUtf8>()) {
        return Err(e);
    }
    let n = *e
        .into_inner()
        .and_then(|inner| inner.downcast::<NotUtf8>().ok())
        .expect("checked above");
    let d = Diagnostic::new(
        Code::Syntax,
        ENCODING.replace("FILE", name),
        Span::new(file, n.at, n.at + '\u{fffd}'.len_utf8()),
        format!("byte 0x{:02X} is not UTF-8", n.byte),
    )
    .with_note("platc reads every .plat file as UTF-8; this byte is most likely a character saved in a legacy encoding such as Windows-1252")
    .with_help("save the file as UTF-8: most editors offer it under the file's encoding");
    Ok((n.text, d))
}

/// The message for a file that is not UTF-8 (`FILE` stands for its name).
pub const ENCODING: &str = "`FILE` is not UTF-8 text";

/// Reads a program's files from disk under `base`, each file once: a second path to a file
/// already read (through a symbolic link, say) reads as empty, so that what it declares is not
/// declared twice.
#[derive(Default)]
pub struct Disk {
    base: PathBuf,
    seen: std::collections::HashSet<PathBuf>,
}

impl Disk {
    pub fn new(base: &Path) -> Disk {
        Disk {
            base: base.to_path_buf(),
            seen: Default::default(),
        }
    }

    pub fn read(&mut self, path: &Path) -> std::io::Result<String> {
        let full = self.base.join(path);
        let text = read_file(&full)?;
        let again = full
            .canonicalize()
            .is_ok_and(|real| !self.seen.insert(real));
        Ok(if again { String::new() } else { text })
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system.
pub fn normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn display(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// The `import` statements of a file: (path as written, span of the path).
pub fn imports(statements: &[ast::Statement]) -> Vec<(String, Span)> {
    statements
        .iter()
        .filter_map(|s| match s {
            ast::Statement::Block(b) if b.kind.name == "import" => b
                .label
                .as_ref()
                .map(|l| (l.text.as_str().to_owned(), l.span)),
            _ => None,
        })
        .collect()
}

/// Loads `root` and everything it imports, depth first. Each file is named by its path as the
/// root was named, joined with the import paths (so diagnostics show paths the author recognises).
pub fn load(
    root: &Path,
    read: &mut dyn FnMut(&Path) -> std::io::Result<String>,
) -> Result<(SourceMap, Vec<Diagnostic>), std::io::Error> {
    let mut sources = SourceMap::new();
    let mut diags = Vec::new();
    let root = normalise(root);
    let id = match read(&root) {
        Ok(text) => sources.add(display(&root), text),
        Err(e) => {
            let (text, d) = not_utf8(e, sources.ids().count(), &display(&root))?;
            diags.push(d);
            sources.add(display(&root), text)
        }
    };
    let mut stack: Vec<(PathBuf, FileId)> = vec![(root.clone(), id)];
    let mut loaded: Vec<PathBuf> = vec![root];
    visit(&mut sources, &mut diags, read, &mut stack, &mut loaded);
    for (path, span) in policy_paths(&sources) {
        add_rules(&mut sources, &mut diags, read, &path, Some(span))
            .expect("what a named path cannot read is reported, not returned");
    }
    Ok((sources, diags))
}

/// The prefix of a built-in rule pack in `policies` (`"builtin:production"`): read from the
/// binary, not from a file.
pub const BUILTIN: &str = "builtin:";

/// Whether a file of the program is a Rego rule file rather than a `.plat` file.
pub fn is_rules(sources: &SourceMap, id: FileId) -> bool {
    sources.name(id).ends_with(".rego")
}

/// The files and folders the `platform` block's `policies` names, each relative to the file
/// that names it, with where it is named. Built-in packs are left out.
fn policy_paths(sources: &SourceMap) -> Vec<(PathBuf, Span)> {
    let mut out = Vec::new();
    for id in sources.ids() {
        let text = sources.text(id);
        // The platform block is in one file; the others are not scanned.
        if !text.contains("policies") {
            continue;
        }
        let dir = Path::new(sources.name(id)).parent().map(Path::to_path_buf);
        for st in syntax::statements_starting(id, text, "platform") {
            let ast::Statement::Block(b) = st else {
                continue;
            };
            for entry in b.statements() {
                let ast::Statement::Attribute(a) = entry else {
                    continue;
                };
                let ast::ValueKind::List(items) = &a.value.kind else {
                    continue;
                };
                if a.key.name != "policies" {
                    continue;
                }
                for item in items {
                    if let ast::ValueKind::Str(t) = &item.kind
                        && !t.starts_with(BUILTIN)
                    {
                        let full = dir.clone().unwrap_or_default().join(t.as_str());
                        out.push((normalise(&full), item.span));
                    }
                }
            }
        }
    }
    out
}

/// Adds the rule file `path`, or every `.rego` file of the folder `path`, to `sources`; what
/// cannot be read is reported at `named` (the `policies` string), or returned as the error when
/// the path was given on the command line (`named` is `None`).
pub fn add_rules(
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
    read: &mut dyn FnMut(&Path) -> std::io::Result<String>,
    path: &Path,
    named: Option<Span>,
) -> Result<(), std::io::Error> {
    let path = normalise(path);
    let files = match read(&path) {
        Ok(text) => vec![(path.clone(), Ok(text))],
        Err(e) if e.get_ref().is_some_and(|i| i.is::<Folder>()) => {
            let names = match e.into_inner().map(|i| i.downcast::<Folder>()) {
                Some(Ok(f)) => f.names,
                _ => Vec::new(),
            };
            let rego = names.into_iter().filter(|n| n.ends_with(".rego"));
            rego.map(|n| {
                let p = path.join(n);
                let text = read(&p);
                (p, text)
            })
            .collect()
        }
        Err(e) => vec![(path.clone(), Err(e))],
    };
    let empty = files.is_empty();
    for (p, text) in files {
        match (text, named) {
            // A file named twice (in `policies` and by `--policy`) is read once.
            (Ok(_), _) if sources.ids().any(|i| sources.name(i) == display(&p)) => {}
            (Ok(text), _) if display(&p).ends_with(".rego") => {
                sources.add(display(&p), text);
            }
            (Ok(_), Some(span)) => diags.push(rules_problem(
                format!("`{}` is not a Rego file (.rego) or a folder", display(&p)),
                span,
            )),
            (Err(e), Some(span)) => diags.push(rules_problem(unreadable(&p, &e), span)),
            (Ok(_), None) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "not a Rego file (.rego) or a folder",
                ));
            }
            (Err(e), None) => return Err(e),
        }
    }
    if empty && let Some(span) = named {
        let message = format!("the folder `{}` holds no .rego file", display(&path));
        diags.push(rules_problem(message, span));
    }
    Ok(())
}

fn unreadable(p: &Path, e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => format!("`{}` does not exist", display(p)),
        _ => format!("cannot read `{}`: {e}", display(p)),
    }
}

fn rules_problem(message: String, span: Span) -> Diagnostic {
    Diagnostic::new(Code::BadRules, message, span, "rules named here").with_help(
        "rule paths are relative to the file that names them; a folder gives its .rego files",
    )
}

fn visit(
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
    read_fn: &mut dyn FnMut(&Path) -> std::io::Result<String>,
    stack: &mut Vec<(PathBuf, FileId)>,
    loaded: &mut Vec<PathBuf>,
) {
    let (path, id) = stack
        .last()
        .cloned()
        .expect("visit is called with a file on the stack");
    let statements = syntax::import_statements(id, sources.text(id));
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    for (target, span) in imports(&statements) {
        if !target.ends_with(".plat") {
            diags.push(
                Diagnostic::new(
                    Code::BadImport,
                    format!("`{target}` is not a .plat file"),
                    span,
                    "not a .plat path",
                )
                .with_help(format!(
                    "import the .plat file itself, e.g. `import \"{target}.plat\"`"
                ))
                .with_fix(span, format!("\"{target}.plat\"")),
            );
            continue;
        }
        let full = normalise(&dir.join(&target));
        if let Some(at) = stack.iter().position(|(p, _)| *p == full) {
            let chain: Vec<String> = stack[at..]
                .iter()
                .map(|(p, _)| display(p))
                .chain([display(&full)])
                .collect();
            diags.push(
                Diagnostic::new(Code::BadImport, format!("import cycle: {}", chain.join(" → ")), span, "imports a file that imports this one")
                    .with_help("move what both files need into a third file that both import, or drop this import"),
            );
            continue;
        }
        if loaded.contains(&full) {
            continue;
        }
        let read = match read_fn(&full) {
            Ok(text) => Ok(text),
            Err(e) => match not_utf8(e, sources.ids().count(), &display(&full)) {
                Ok((text, d)) => {
                    diags.push(d);
                    Ok(text)
                }
                Err(e) => Err(e),
            },
        };
        match read {
            Ok(text) => {
                let child = sources.add(display(&full), text);
                loaded.push(full.clone());
                stack.push((full, child));
                visit(sources, diags, read_fn, stack, loaded);
                stack.pop();
            }
            Err(e) => {
                let problem = match e.kind() {
                    std::io::ErrorKind::NotFound => format!("`{}` does not exist", display(&full)),
                    _ => format!("cannot read `{}`: {e}", display(&full)),
                };
                // Only this is reported: what the file would have declared is not reported
                // missing as well (`Diagnostic::absence`).
                diags.push(
                    Diagnostic::new(Code::BadImport, problem, span, "imported here")
                        .with_help("import paths are relative to the importing file"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn mem(files: &[(&str, &str)]) -> impl FnMut(&Path) -> std::io::Result<String> {
        let map: HashMap<String, String> = files
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |p: &Path| {
            map.get(&display(p))
                .cloned()
                .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"))
        }
    }

    #[test]
    fn follows_imports_relative_to_the_importing_file_once_each() {
        let mut read = mem(&[
            (
                "p/main.plat",
                "import \"lib/a.plat\"\nimport \"lib/b.plat\"\n",
            ),
            ("p/lib/a.plat", "import \"b.plat\"\n"),
            ("p/lib/b.plat", "logs \"ops\" { }\n"),
        ]);
        let (sources, diags) = load(Path::new("p/./main.plat"), &mut read).unwrap();
        assert!(diags.is_empty(), "{diags:?}");
        let names: Vec<&str> = sources.ids().map(|i| sources.name(i)).collect();
        assert_eq!(names, ["p/main.plat", "p/lib/a.plat", "p/lib/b.plat"]);
    }

    #[test]
    fn cycles_and_missing_files_are_coded() {
        let mut read = mem(&[
            ("a.plat", "import \"b.plat\"\nimport \"gone.plat\"\n"),
            ("b.plat", "import \"a.plat\"\n"),
        ]);
        let (_, diags) = load(Path::new("a.plat"), &mut read).unwrap();
        let msgs: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(diags.len(), 2, "{msgs:?}");
        assert!(
            msgs[0].starts_with("import cycle: a.plat → b.plat → a.plat"),
            "{msgs:?}"
        );
        assert_eq!(msgs[1], "`gone.plat` does not exist");
        assert!(diags.iter().all(|d| d.code == Code::BadImport));
    }
}
