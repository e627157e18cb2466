//! What the server knows between messages: the editor's open buffers, the programs they belong
//! to, and the diagnostics it has published. Programs are analysed over the buffers (what the
//! user sees, saved or not) and the disk (every other file), and only when a request or the end
//! of a burst of changes needs them: ten keystrokes queued behind one analysis cost one more.

use super::Analysis;
use crate::diag::{Diagnostic, Severity};
use crate::source::{FileId, Span};
use lsp_types as lsp;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// An open document.
struct Buffer {
    uri: lsp::Uri,
    text: String,
    /// The root of the program the document belongs to.
    root: PathBuf,
    imports: Vec<PathBuf>,
}

/// A program some open document belongs to.
#[derive(Default)]
struct Program {
    analysis: Option<Analysis>,
    dirty: bool,
    /// The files whose diagnostics were last published from this program.
    published: BTreeSet<PathBuf>,
}

#[derive(Default)]
pub struct Workspace {
    pub folders: Vec<PathBuf>,
    buffers: HashMap<PathBuf, Buffer>,
    programs: HashMap<PathBuf, Program>,
    /// Analyses replaced by newer ones, freed once the editor has its answer.
    retired: Vec<Analysis>,
}

/// The file system path of a `file://` URI (percent-decoded), normalised as the loader names
/// files.
pub fn uri_path(uri: &lsp::Uri) -> PathBuf {
    let s = uri.as_str();
    let raw = s.strip_prefix("file://").unwrap_or(s);
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    crate::load::normalise(Path::new(&*String::from_utf8_lossy(&out)))
}

/// The `file://` URI of a path, percent-encoding what a URI path cannot hold.
pub fn path_uri(path: &Path) -> lsp::Uri {
    let mut s = String::from("file://");
    for b in path.to_string_lossy().replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s.parse()
        .unwrap_or_else(|_| "file:///".parse().expect("a valid URI"))
}

pub fn position(a: &Analysis, file: FileId, offset: usize) -> lsp::Position {
    let (line, character) = a.sources.utf16_position(file, offset);
    lsp::Position { line, character }
}

pub fn range(a: &Analysis, span: Span) -> lsp::Range {
    lsp::Range {
        start: position(a, span.file, span.start as usize),
        end: position(a, span.file, span.end as usize),
    }
}

pub fn offset(a: &Analysis, file: FileId, p: lsp::Position) -> usize {
    a.sources.utf16_offset(file, p.line, p.character)
}

/// The URI of a file: the editor's own for an open buffer (it may spell it differently), else
/// one made from the path.
fn uri_in(buffers: &HashMap<PathBuf, Buffer>, path: &Path) -> lsp::Uri {
    buffers
        .get(path)
        .map_or_else(|| path_uri(path), |b| b.uri.clone())
}

/// A diagnostic as LSP shows it: same code, message and help as on the command line.
pub fn diagnostic(a: &Analysis, d: &Diagnostic) -> lsp::Diagnostic {
    let mut message = d.message.clone();
    for n in &d.notes {
        message.push_str(&format!("\nnote: {n}"));
    }
    if let Some(h) = &d.help {
        message.push_str(&format!("\nhelp: {h}"));
    }
    lsp::Diagnostic {
        range: range(a, d.primary_span()),
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        }),
        code: Some(lsp::NumberOrString::String(d.code.as_str().to_string())),
        source: Some("platc".into()),
        message,
        ..Default::default()
    }
}

fn publish(uri: lsp::Uri, diagnostics: Vec<lsp::Diagnostic>) -> Value {
    let params = lsp::PublishDiagnosticsParams {
        uri,
        diagnostics,
        version: None,
    };
    super::jsonrpc::notification(
        "textDocument/publishDiagnostics",
        serde_json::to_value(params).unwrap_or_default(),
    )
}

impl Workspace {
    /// The buffer's text, else the file on disk.
    fn read(buffers: &HashMap<PathBuf, Buffer>, path: &Path) -> std::io::Result<String> {
        match buffers.get(path) {
            Some(b) => Ok(b.text.clone()),
            None => crate::load::read_file(path),
        }
    }

    fn find_root(&self, path: &Path) -> PathBuf {
        let candidates = super::program::candidates(path, &self.folders);
        let mut read = |p: &Path| Self::read(&self.buffers, p).ok();
        super::program::root_of(path, &candidates, &mut read)
    }

    /// Marks every program that holds `path` (or is rooted at `root`) for analysis.
    fn touch(&mut self, path: &Path, root: &Path) {
        for (r, program) in &mut self.programs {
            let holds = program
                .analysis
                .as_ref()
                .is_some_and(|a| a.file(path).is_some());
            if holds || r == root {
                program.dirty = true;
            }
        }
        self.programs.entry(root.to_path_buf()).or_default().dirty = true;
    }

    pub fn open(&mut self, uri: lsp::Uri, text: String) {
        let path = uri_path(&uri);
        let imports = super::program::imports_of(&path, &text);
        self.buffers.insert(
            path.clone(),
            Buffer {
                uri,
                text,
                root: PathBuf::new(),
                imports,
            },
        );
        let root = self.find_root(&path);
        if let Some(b) = self.buffers.get_mut(&path) {
            b.root = root.clone();
        }
        self.touch(&path, &root);
    }

    /// A new text for an open buffer. When its imports change, which program each open buffer
    /// belongs to may change too, and is looked for again.
    pub fn change(&mut self, uri: &lsp::Uri, text: String) {
        let path = uri_path(uri);
        let imports = super::program::imports_of(&path, &text);
        let Some(b) = self.buffers.get_mut(&path) else {
            return;
        };
        b.text = text;
        let root = b.root.clone();
        let before = std::mem::replace(&mut b.imports, imports);
        if before != b.imports {
            self.find_roots_again();
        }
        self.touch(&path, &root);
    }

    /// A buffer saved: files on disk changed, and with them perhaps the roots.
    pub fn saved(&mut self) {
        self.find_roots_again();
    }

    fn find_roots_again(&mut self) {
        let paths: Vec<PathBuf> = self.buffers.keys().cloned().collect();
        for path in paths {
            let root = self.find_root(&path);
            if let Some(b) = self.buffers.get_mut(&path)
                && b.root != root
            {
                b.root = root.clone();
                self.touch(&path, &root);
            }
        }
    }

    pub fn close(&mut self, uri: &lsp::Uri) {
        let path = uri_path(uri);
        if let Some(b) = self.buffers.remove(&path) {
            self.touch(&path, &b.root);
        }
    }

    /// Analyses the programs that changed and returns the diagnostics to publish: every file of
    /// each, and an empty list for each file that had some and is no longer in it. A program no
    /// open buffer belongs to any more is dropped, its diagnostics cleared.
    pub fn refresh(&mut self) -> Vec<Value> {
        self.retired.clear();
        let mut out = Vec::new();
        let roots: BTreeSet<PathBuf> = self.buffers.values().map(|b| b.root.clone()).collect();
        let gone: Vec<PathBuf> = self
            .programs
            .keys()
            .filter(|r| !roots.contains(*r))
            .cloned()
            .collect();
        for r in gone {
            if let Some(p) = self.programs.remove(&r) {
                out.extend(
                    p.published
                        .iter()
                        .map(|f| publish(uri_in(&self.buffers, f), Vec::new())),
                );
                self.retired.extend(p.analysis);
            }
        }
        for root in roots {
            if self.programs.get(&root).is_none_or(|p| p.dirty) {
                out.extend(self.analyse(&root));
            }
        }
        out
    }

    fn analyse(&mut self, root: &Path) -> Vec<Value> {
        let program = self.programs.entry(root.to_path_buf()).or_default();
        let buffers = &self.buffers;
        let mut read = |p: &Path| Self::read(buffers, p);
        let mut previous = program.analysis.take();
        let a = Analysis::new(root, &mut read, previous.as_mut());
        self.retired.extend(previous);
        program.dirty = false;
        let mut out = Vec::new();
        let mut published = BTreeSet::new();
        for file in a.sources.ids() {
            let diagnostics: Vec<lsp::Diagnostic> = a
                .diagnostics
                .iter()
                .filter(|d| d.primary_span().file == file)
                .map(|d| diagnostic(&a, d))
                .collect();
            published.insert(PathBuf::from(a.sources.name(file)));
            let path = Path::new(a.sources.name(file));
            out.push(publish(uri_in(buffers, path), diagnostics));
        }
        for stale in program.published.difference(&published) {
            out.push(publish(uri_in(buffers, stale), Vec::new()));
        }
        program.published = published;
        program.analysis = Some(a);
        out
    }

    /// The analysis a document is read in, and its file there: an open document's program, else
    /// any program that holds the file (one the editor shows without having opened it).
    pub fn document(&self, uri: &lsp::Uri) -> Option<(&Analysis, FileId)> {
        let path = uri_path(uri);
        let own = self
            .buffers
            .get(&path)
            .and_then(|b| self.programs.get(&b.root)?.analysis.as_ref());
        own.into_iter()
            .chain(self.analyses())
            .find_map(|a| Some((a, a.file(&path)?)))
    }

    /// The open document's text.
    pub fn text(&self, uri: &lsp::Uri) -> Option<&str> {
        self.buffers.get(&uri_path(uri)).map(|b| b.text.as_str())
    }

    /// Every analysed program, for requests about the whole workspace.
    pub fn analyses(&self) -> impl Iterator<Item = &Analysis> {
        self.programs.values().filter_map(|p| p.analysis.as_ref())
    }

    /// The URI of a file of a program.
    pub fn uri(&self, a: &Analysis, file: FileId) -> lsp::Uri {
        uri_in(&self.buffers, Path::new(a.sources.name(file)))
    }

    pub fn location(&self, a: &Analysis, span: Span) -> lsp::Location {
        lsp::Location::new(self.uri(a, span.file), range(a, span))
    }
}
