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
    if !std::fs::metadata(path)?.is_file() {
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
    Ok((sources, diags))
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
