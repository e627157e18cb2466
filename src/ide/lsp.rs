//! The Language Server Protocol adapter: the one place where diagnostics, positions (UTF-16) and
//! editor features become LSP messages. `serve` runs the message loop on a connection the caller
//! opens (stdio for `platc lsp`).

use super::{Analysis, complete::complete};
use crate::diag::{Diagnostic, Severity};
use crate::source::Span;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types as lsp;
use serde_json::{Value, json};
use std::collections::HashMap;
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
            && let Ok(b) = u8::from_str_radix(&raw[i + 1..i + 3], 16)
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

    fn publish(&mut self, conn: &Connection, uri: &lsp::Uri) {
        let Some(a) = self.analyse(uri) else { return };
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
        let _ = conn.sender.send(Message::Notification(Notification::new(
            "textDocument/publishDiagnostics".into(),
            params,
        )));
        self.retired.clear();
    }
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

/// Runs the server until the client says `exit`.
pub fn serve(conn: &Connection) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    conn.initialize(capabilities())?;
    let mut server = Server {
        docs: HashMap::new(),
        retired: Vec::new(),
    };
    for msg in &conn.receiver {
        match msg {
            Message::Request(req) => {
                if conn.handle_shutdown(&req)? {
                    return Ok(());
                }
                let id = req.id.clone();
                let resp = match handle(&mut server, req) {
                    Ok(v) => Response::new_ok(id, v),
                    Err((code, m)) => Response::new_err(id, code as i32, m),
                };
                conn.sender.send(Message::Response(resp))?;
            }
            Message::Notification(n) => match n.method.as_str() {
                "textDocument/didOpen" => {
                    let p: lsp::DidOpenTextDocumentParams = serde_json::from_value(n.params)?;
                    server.docs.insert(
                        p.text_document.uri.as_str().to_string(),
                        (p.text_document.uri.clone(), p.text_document.text, None),
                    );
                    server.publish(conn, &p.text_document.uri);
                }
                "textDocument/didChange" => {
                    let p: lsp::DidChangeTextDocumentParams = serde_json::from_value(n.params)?;
                    // Full synchronisation: the last change holds the whole text.
                    if let (Some(change), Some(doc)) = (
                        p.content_changes.into_iter().last(),
                        server.docs.get_mut(p.text_document.uri.as_str()),
                    ) {
                        doc.1 = change.text;
                    }
                    server.publish(conn, &p.text_document.uri);
                }
                "textDocument/didClose" => {
                    let p: lsp::DidCloseTextDocumentParams = serde_json::from_value(n.params)?;
                    server.docs.remove(p.text_document.uri.as_str());
                }
                _ => {}
            },
            Message::Response(_) => {}
        }
    }
    Ok(())
}

type Failure = (ErrorCode, String);

fn params<T: serde::de::DeserializeOwned>(req: &Request) -> Result<T, Failure> {
    serde_json::from_value(req.params.clone())
        .map_err(|e| (ErrorCode::InvalidParams, e.to_string()))
}

fn doc<'a>(server: &'a Server, uri: &lsp::Uri) -> Result<&'a Analysis, Failure> {
    server.get(uri).ok_or((
        ErrorCode::InvalidParams,
        format!("{} is not open", uri.as_str()),
    ))
}

fn handle(server: &mut Server, req: Request) -> Result<Value, Failure> {
    let null = Ok(Value::Null);
    match req.method.as_str() {
        "textDocument/hover" => {
            let p: lsp::HoverParams = params(&req)?;
            let a = doc(server, &p.text_document_position_params.text_document.uri)?;
            let at = offset(a, p.text_document_position_params.position);
            match super::hover(a, at) {
                Some(md) => Ok(json!({ "contents": { "kind": "markdown", "value": md } })),
                None => null,
            }
        }
        "textDocument/definition" => {
            let p: lsp::GotoDefinitionParams = params(&req)?;
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
            let p: lsp::ReferenceParams = params(&req)?;
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
            let p: lsp::CompletionParams = params(&req)?;
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
            let p: lsp::DocumentSymbolParams = params(&req)?;
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
            let p: lsp::DocumentFormattingParams = params(&req)?;
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
            let p: lsp::CodeActionParams = params(&req)?;
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
            ErrorCode::MethodNotFound,
            format!("platc does not handle {}", req.method),
        )),
    }
}
