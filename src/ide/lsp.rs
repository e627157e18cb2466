//! The Language Server Protocol adapter: the one place where diagnostics, positions (UTF-16) and
//! editor features become LSP messages. `serve` runs the message loop on the byte streams the
//! caller passes (stdin and stdout for `platc lsp`); whatever the client sends, a malformed frame,
//! JSON that is no message, params of the wrong shape, it answers with an error and reads on.

use super::jsonrpc::{self, Frame, FrameReader, Incoming};
use super::{Analysis, complete::complete};
use crate::diag::{Diagnostic, Severity};
use crate::source::Span;
use lsp_types as lsp;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

fn position(a: &Analysis, offset: usize) -> lsp::Position {
    let (line, character) = a.sources.utf16_position(a.file, offset);
    lsp::Position { line, character }
}

fn range(a: &Analysis, span: Span) -> lsp::Range {
    lsp::Range {
        start: position(a, span.start as usize),
        end: position(a, span.end as usize),
    }
}

fn offset(a: &Analysis, p: lsp::Position) -> usize {
    a.sources.utf16_offset(a.file, p.line, p.character)
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

/// The file system path of a `file://` URI (percent-decoded).
fn uri_path(uri: &lsp::Uri) -> PathBuf {
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
    PathBuf::from(String::from_utf8_lossy(&out).into_owned())
}

struct Server {
    docs: HashMap<String, (lsp::Uri, String, Option<Analysis>)>,
    /// Analyses replaced by newer ones, freed once the editor has its answer.
    retired: Vec<Option<Analysis>>,
}

impl Server {
    fn analyse(&mut self, uri: &lsp::Uri) -> Option<&Analysis> {
        let (_, text, slot) = self.docs.get_mut(uri.as_str())?;
        let path = uri_path(uri);
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "document.plat".into());
        let mut read = |p: &Path| crate::load::read_file(&dir.join(p));
        let mut previous = slot.take();
        *slot = Some(Analysis::new(&name, text, &mut read, previous.as_mut()));
        self.retired.push(previous);
        self.docs.get(uri.as_str()).and_then(|(_, _, a)| a.as_ref())
    }

    fn get(&self, uri: &lsp::Uri) -> Option<&Analysis> {
        self.docs.get(uri.as_str()).and_then(|(_, _, a)| a.as_ref())
    }

    fn publish(&mut self, out: &mut impl Write, uri: &lsp::Uri) -> io::Result<()> {
        let Some(a) = self.analyse(uri) else {
            return Ok(());
        };
        let diagnostics: Vec<lsp::Diagnostic> = a
            .diagnostics
            .iter()
            .filter(|d| d.primary_span().file == a.file)
            .map(|d| diagnostic(a, d))
            .collect();
        let params = lsp::PublishDiagnosticsParams {
            uri: uri.clone(),
            diagnostics,
            version: None,
        };
        let message = jsonrpc::notification(
            "textDocument/publishDiagnostics",
            serde_json::to_value(params).unwrap_or_default(),
        );
        self.retired.clear();
        jsonrpc::write(out, &message)
    }

    /// A notification after `initialize`. Params of the wrong shape are reported to the client's
    /// log and otherwise ignored: a notification has no response to carry an error.
    fn notify(&mut self, out: &mut impl Write, method: &str, params: &Value) -> io::Result<()> {
        fn read<'a, T: Deserialize<'a>>(method: &str, params: &'a Value) -> Result<T, String> {
            T::deserialize(params)
                .map_err(|e| format!("platc ignored {method}, whose params do not fit: {e}"))
        }
        let changed = match method {
            "textDocument/didOpen" => {
                read(method, params).map(|p: lsp::DidOpenTextDocumentParams| {
                    let uri = p.text_document.uri;
                    let key = uri.as_str().to_string();
                    self.docs
                        .insert(key, (uri.clone(), p.text_document.text, None));
                    Some(uri)
                })
            }
            "textDocument/didChange" => {
                read(method, params).map(|p: lsp::DidChangeTextDocumentParams| {
                    // Full synchronisation: the last change holds the whole text.
                    if let (Some(change), Some(doc)) = (
                        p.content_changes.into_iter().last(),
                        self.docs.get_mut(p.text_document.uri.as_str()),
                    ) {
                        doc.1 = change.text;
                    }
                    Some(p.text_document.uri)
                })
            }
            "textDocument/didClose" => {
                read(method, params).map(|p: lsp::DidCloseTextDocumentParams| {
                    self.docs.remove(p.text_document.uri.as_str());
                    None
                })
            }
            _ => Ok(None),
        };
        match changed {
            Ok(Some(uri)) => self.publish(out, &uri),
            Ok(None) => Ok(()),
            Err(why) => log(out, why),
        }
    }
}

/// An error message in the client's log (`window/logMessage`, type Error).
fn log(out: &mut impl Write, message: String) -> io::Result<()> {
    let params = json!({ "type": 1, "message": message });
    jsonrpc::write(out, &jsonrpc::notification("window/logMessage", params))
}

pub fn capabilities() -> Value {
    json!({
        "textDocumentSync": { "openClose": true, "change": 1 },
        "hoverProvider": true,
        "definitionProvider": true,
        "referencesProvider": true,
        "documentSymbolProvider": true,
        "documentFormattingProvider": true,
        "codeActionProvider": { "codeActionKinds": ["quickfix"] },
        "completionProvider": { "triggerCharacters": [".", " ", "\"", "="] },
    })
}

/// How a session ended.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    /// The client sent `exit`: the process exits 0 if `shutdown` came first, 1 if not.
    Exit { after_shutdown: bool },
    /// The input ended without `exit`.
    InputClosed,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before `initialize`: other requests get ServerNotInitialized, notifications are dropped.
    Uninitialised,
    Running,
    /// After `shutdown`: requests get InvalidRequest until `exit`.
    ShutDown,
}

/// Runs the server on `input` and `output` until the client says `exit` or the input ends. Bad
/// input of any kind is answered (or logged, for notifications) and the loop reads on; only an
/// error reading or writing the streams themselves ends it early.
pub fn serve(input: impl BufRead, mut output: impl Write) -> io::Result<End> {
    let out = &mut output;
    let mut reader = FrameReader::new(input);
    let mut server = Server {
        docs: HashMap::new(),
        retired: Vec::new(),
    };
    let mut state = State::Uninitialised;
    loop {
        let body = match reader.next_frame()? {
            Frame::Eof => return Ok(End::InputClosed),
            Frame::Body(body) => body,
            Frame::Malformed(why) => {
                let message = format!("platc could not read a message: {why}");
                let error = jsonrpc::response(Value::Null, Err((jsonrpc::PARSE_ERROR, message)));
                jsonrpc::write(out, &error)?;
                continue;
            }
        };
        match jsonrpc::parse(&body) {
            Incoming::Request { id, method, params } => {
                let result = match (state, method.as_str()) {
                    (State::Uninitialised, "initialize") => {
                        state = State::Running;
                        Ok(json!({ "capabilities": capabilities() }))
                    }
                    (State::Uninitialised, _) => Err((
                        jsonrpc::SERVER_NOT_INITIALIZED,
                        format!("{method} before initialize"),
                    )),
                    (State::Running, "initialize") => Err((
                        jsonrpc::INVALID_REQUEST,
                        "the server is already initialized".into(),
                    )),
                    (State::Running, "shutdown") => {
                        state = State::ShutDown;
                        Ok(Value::Null)
                    }
                    (State::Running, _) => handle(&server, &method, &params),
                    (State::ShutDown, _) => Err((
                        jsonrpc::INVALID_REQUEST,
                        format!("{method} after shutdown: only exit is expected"),
                    )),
                };
                jsonrpc::write(out, &jsonrpc::response(id, result))?;
            }
            Incoming::Notification { method, .. } if method == "exit" => {
                return Ok(End::Exit {
                    after_shutdown: state == State::ShutDown,
                });
            }
            Incoming::Notification { method, params } => {
                if state == State::Running {
                    server.notify(out, &method, &params)?;
                }
            }
            Incoming::Response => {}
            Incoming::Invalid { id, code, message } => {
                jsonrpc::write(out, &jsonrpc::response(id, Err((code, message))))?;
            }
        }
    }
}

type Failure = (i32, String);

fn params<'a, T: Deserialize<'a>>(params: &'a Value) -> Result<T, Failure> {
    T::deserialize(params).map_err(|e| (jsonrpc::INVALID_PARAMS, e.to_string()))
}

fn doc<'a>(server: &'a Server, uri: &lsp::Uri) -> Result<&'a Analysis, Failure> {
    server.get(uri).ok_or((
        jsonrpc::INVALID_PARAMS,
        format!("{} is not open", uri.as_str()),
    ))
}

fn handle(server: &Server, method: &str, p: &Value) -> Result<Value, Failure> {
    let null = Ok(Value::Null);
    match method {
        "textDocument/hover" => {
            let p: lsp::HoverParams = params(p)?;
            let a = doc(server, &p.text_document_position_params.text_document.uri)?;
            let at = offset(a, p.text_document_position_params.position);
            match super::hover(a, at) {
                Some(md) => Ok(json!({ "contents": { "kind": "markdown", "value": md } })),
                None => null,
            }
        }
        "textDocument/definition" => {
            let p: lsp::GotoDefinitionParams = params(p)?;
            let uri = p.text_document_position_params.text_document.uri.clone();
            let a = doc(server, &uri)?;
            let at = offset(a, p.text_document_position_params.position);
            match super::definition(a, at) {
                Some(span) => Ok(
                    serde_json::to_value(lsp::Location::new(uri, range(a, span)))
                        .unwrap_or_default(),
                ),
                None => null,
            }
        }
        "textDocument/references" => {
            let p: lsp::ReferenceParams = params(p)?;
            let uri = p.text_document_position.text_document.uri.clone();
            let a = doc(server, &uri)?;
            let at = offset(a, p.text_document_position.position);
            let locs: Vec<lsp::Location> =
                super::find_references(a, at, p.context.include_declaration)
                    .into_iter()
                    .map(|s| lsp::Location::new(uri.clone(), range(a, s)))
                    .collect();
            Ok(serde_json::to_value(locs).unwrap_or_default())
        }
        "textDocument/completion" => {
            let p: lsp::CompletionParams = params(p)?;
            let a = doc(server, &p.text_document_position.text_document.uri)?;
            let at = offset(a, p.text_document_position.position);
            let items: Vec<Value> = complete(a, at)
                .into_iter()
                .map(|c| {
                    let kind = match c.kind {
                        "keyword" => 14,
                        "field" => 5,
                        "reference" => 18,
                        _ => 12,
                    };
                    json!({ "label": c.label, "kind": kind, "detail": c.detail, "insertText": c.insert })
                })
                .collect();
            Ok(json!({ "isIncomplete": false, "items": items }))
        }
        "textDocument/documentSymbol" => {
            let p: lsp::DocumentSymbolParams = params(p)?;
            let a = doc(server, &p.text_document.uri)?;
            fn conv(a: &Analysis, s: &super::Symbol) -> Value {
                let kind = match s.kind {
                    "module" => 2,
                    "namespace" => 3,
                    "object" => 19,
                    "constant" => 14,
                    _ => 23,
                };
                json!({
                    "name": s.name, "detail": s.detail, "kind": kind,
                    "range": range(a, s.span), "selectionRange": range(a, s.selection),
                    "children": s.children.iter().map(|c| conv(a, c)).collect::<Vec<_>>(),
                })
            }
            Ok(Value::Array(
                super::symbols(a).iter().map(|s| conv(a, s)).collect(),
            ))
        }
        "textDocument/formatting" => {
            let p: lsp::DocumentFormattingParams = params(p)?;
            let a = doc(server, &p.text_document.uri)?;
            let text = a.text();
            let (file, errors) = crate::syntax::parse(a.file, text);
            if !errors.is_empty() {
                return null;
            }
            match crate::fmt::format_checked(&file, text) {
                Ok(out) if out != text => {
                    let whole = lsp::Range {
                        start: lsp::Position {
                            line: 0,
                            character: 0,
                        },
                        end: position(a, text.len()),
                    };
                    Ok(json!([{ "range": whole, "newText": out }]))
                }
                _ => Ok(json!([])),
            }
        }
        "textDocument/codeAction" => {
            let p: lsp::CodeActionParams = params(p)?;
            let uri = p.text_document.uri.clone();
            let a = doc(server, &uri)?;
            let (from, to) = (offset(a, p.range.start), offset(a, p.range.end));
            let actions: Vec<Value> = a
                .diagnostics
                .iter()
                .filter(|d| d.primary_span().file == a.file)
                .filter(|d| {
                    let s = d.primary_span();
                    (s.start as usize) <= to && from <= s.end as usize
                })
                .filter_map(|d| {
                    let fix = d.fix.as_ref()?;
                    let edit = json!({ "changes": { uri.as_str(): [{ "range": range(a, fix.span), "newText": fix.replacement }] } });
                    Some(json!({
                        "title": d.help.clone().unwrap_or_else(|| format!("replace with `{}`", fix.replacement)),
                        "kind": "quickfix",
                        "diagnostics": [diagnostic(a, d)],
                        "edit": edit,
                        "isPreferred": true,
                    }))
                })
                .collect();
            Ok(Value::Array(actions))
        }
        _ => Err((
            jsonrpc::METHOD_NOT_FOUND,
            format!("platc does not handle {method}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the fuzz target checks: the loop ends, and all it writes is framed JSON-RPC.
    fn serve_in_memory(input: &[u8]) -> (End, Vec<Value>) {
        let mut out = Vec::new();
        let end = serve(input, &mut out).unwrap();
        let mut frames = FrameReader::new(&out[..]);
        let mut messages = Vec::new();
        loop {
            match frames.next_frame().unwrap() {
                Frame::Eof => return (end, messages),
                Frame::Body(body) => {
                    let m: Value = serde_json::from_slice(&body).unwrap();
                    assert_eq!(m["jsonrpc"], "2.0", "{m}");
                    messages.push(m);
                }
                Frame::Malformed(why) => panic!("the server wrote a bad frame: {why}"),
            }
        }
    }

    fn seeds() -> Vec<(String, Vec<u8>)> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds-lsp");
        let mut seeds: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let path = e.unwrap().path();
                (path.display().to_string(), std::fs::read(path).unwrap())
            })
            .collect();
        seeds.sort();
        seeds
    }

    #[test]
    fn the_seed_sessions_are_answered() {
        for (name, input) in seeds() {
            let (end, messages) = serve_in_memory(&input);
            let responses = messages.iter().filter(|m| m.get("id").is_some());
            match name.rsplit('/').next().unwrap() {
                "session" => {
                    assert_eq!(
                        end,
                        End::Exit {
                            after_shutdown: true
                        }
                    );
                    assert!(
                        messages.iter().all(|m| m.get("error").is_none()),
                        "{messages:?}"
                    );
                    assert_eq!(responses.count(), 9);
                }
                "bad_frames" => {
                    assert_eq!(end, End::InputClosed);
                    let errors = messages.iter().filter(|m| m["error"]["code"] == -32700);
                    assert_eq!(errors.count(), 5, "{messages:?}");
                    let last = messages.last().unwrap();
                    assert!(last["result"].is_array(), "{last}");
                }
                "bad_messages" => {
                    assert_eq!(
                        end,
                        End::Exit {
                            after_shutdown: true
                        }
                    );
                    let logged = messages
                        .iter()
                        .filter(|m| m["method"] == "window/logMessage");
                    assert_eq!(logged.count(), 3, "{messages:?}");
                    assert_eq!(responses.count(), 11, "{messages:?}");
                }
                "before_initialize" => {
                    assert_eq!(
                        end,
                        End::Exit {
                            after_shutdown: false
                        }
                    );
                    let codes: Vec<&Value> = messages.iter().map(|m| &m["error"]["code"]).collect();
                    assert_eq!(codes, [&json!(-32002), &Value::Null, &json!(-32600)]);
                }
                // A crash the fuzzer found, kept as a seed: the check alone.
                _ => {}
            }
        }
    }

    /// The fuzz target's check on the seeds cut short and with bytes changed, so `cargo test`
    /// covers what the fuzzer would try first.
    #[test]
    fn garbage_never_stops_the_loop() {
        let mut inputs: Vec<Vec<u8>> = [
            &b""[..],
            b"\n",
            b"\r\n\r\n\r\n",
            b"Content-Length:",
            b"Content-Length: \r\n\r\n",
            b"Content-Length: 0\r\n\r\n",
            b"content-length:content-length:content-length:1\r\n\r\n{",
            b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}}",
            b"Content-Length: 18446744073709551616\r\n\r\n",
            b"Content-Length: 4\r\n\r\n\xff\xfe\xfd\xfc",
            &[b'C'; 5000],
            &[0; 3000],
        ]
        .iter()
        .map(|i| i.to_vec())
        .collect();
        for (_, seed) in seeds() {
            for cut in (0..seed.len()).step_by(37) {
                inputs.push(seed[..cut].to_vec());
            }
            for at in (0..seed.len()).step_by(53) {
                for byte in [b'9', b'\n', b':', b'"', 0xff] {
                    let mut changed = seed.clone();
                    changed[at] = byte;
                    inputs.push(changed);
                }
            }
        }
        for input in &inputs {
            serve_in_memory(input);
        }
    }
}
