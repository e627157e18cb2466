//! The Language Server Protocol loop: `serve` reads messages on one thread and answers them on the
//! caller's. Whatever the client sends, a malformed frame, JSON that is no message, params of the
//! wrong shape, a request after `shutdown`, it answers with an error and reads on; only `exit` and
//! the end of the input end it. A change to a document only records its text: the program is
//! analysed when a request needs it or when no message is waiting, so a burst of changes queued
//! while the server was busy costs one analysis, of the latest text, and a hover behind them waits
//! for that one only. A request the client cancels before it is answered gets RequestCancelled.

use super::jsonrpc::{self, Frame, FrameReader, Incoming};
use super::workspace::Workspace;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::io::{self, BufRead, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::mpsc::Receiver;

pub fn capabilities() -> Value {
    json!({
        "textDocumentSync": { "openClose": true, "change": 1, "save": true },
        "hoverProvider": true,
        "definitionProvider": true,
        "referencesProvider": true,
        "documentSymbolProvider": true,
        "workspaceSymbolProvider": true,
        "documentFormattingProvider": true,
        "documentHighlightProvider": true,
        "documentLinkProvider": { "resolveProvider": false },
        "foldingRangeProvider": true,
        "selectionRangeProvider": true,
        "inlayHintProvider": true,
        "renameProvider": { "prepareProvider": true },
        "signatureHelpProvider": { "triggerCharacters": ["(", ","] },
        "semanticTokensProvider": {
            "legend": super::features::legend(),
            "full": true,
        },
        "codeActionProvider": { "codeActionKinds": ["quickfix"] },
        "completionProvider": { "triggerCharacters": [".", " ", "\"", "="] },
        "workspace": { "workspaceFolders": { "supported": true, "changeNotifications": true } },
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
pub fn serve(input: impl BufRead + Send + 'static, mut output: impl Write) -> io::Result<End> {
    let (tx, rx) = std::sync::mpsc::channel::<io::Result<Frame>>();
    // Reads ahead while the other thread works, so that what piles up meanwhile is handled as
    // one burst.
    std::thread::spawn(move || {
        let mut reader = FrameReader::new(input);
        loop {
            let frame = reader.next_frame();
            let last = !matches!(frame, Ok(Frame::Body(_) | Frame::Malformed(_)));
            if tx.send(frame).is_err() || last {
                return;
            }
        }
    });
    let mut server = Server {
        workspace: Workspace::default(),
        state: State::Uninitialised,
        rx,
        pending: VecDeque::new(),
        ended: None,
    };
    loop {
        let Some(message) = server.next(&mut output)? else {
            return Ok(End::InputClosed);
        };
        if let Some(end) = server.message(message, &mut output)? {
            return Ok(end);
        }
    }
}

struct Server {
    workspace: Workspace,
    state: State,
    rx: Receiver<io::Result<Frame>>,
    /// Messages read and not yet handled.
    pending: VecDeque<Incoming>,
    /// The input ended (`Ok`) or failed, after the pending messages.
    ended: Option<io::Result<()>>,
}

impl Server {
    /// Moves what the reader has read so far into `pending`, waiting for one message if `wait`.
    fn receive(&mut self, wait: bool) {
        let mut frames: Vec<io::Result<Frame>> = Vec::new();
        if wait && self.ended.is_none() {
            frames.extend(self.rx.recv());
        }
        frames.extend(self.rx.try_iter());
        if wait && frames.is_empty() {
            self.ended.get_or_insert(Ok(()));
        }
        for frame in frames {
            match frame {
                Ok(Frame::Body(body)) => self.pending.push_back(jsonrpc::parse(&body)),
                Ok(Frame::Malformed(why)) => self.pending.push_back(Incoming::Invalid {
                    id: Value::Null,
                    code: jsonrpc::PARSE_ERROR,
                    message: format!("platc could not read a message: {why}"),
                }),
                Ok(Frame::Eof) => {
                    self.ended.get_or_insert(Ok(()));
                }
                Err(e) => {
                    self.ended.get_or_insert(Err(e));
                }
            }
        }
    }

    /// The next message. When none is waiting, the burst of changes is over: the programs they
    /// touched are analysed and their diagnostics published before waiting for more.
    fn next(&mut self, out: &mut impl Write) -> io::Result<Option<Incoming>> {
        if self.pending.is_empty() {
            self.receive(false);
        }
        if self.pending.is_empty() {
            if self.state == State::Running {
                self.refresh(out)?;
            }
            self.receive(true);
        }
        match self.pending.pop_front() {
            Some(m) => Ok(Some(m)),
            None => self.ended.take().unwrap_or(Ok(())).map(|()| None),
        }
    }

    /// Whether a `$/cancelRequest` for `id` has arrived (it is then handled here).
    fn cancelled(&mut self, id: &Value) -> bool {
        self.receive(false);
        let at = self.pending.iter().position(|m| {
            matches!(m, Incoming::Notification { method, params }
                if method == "$/cancelRequest" && params.get("id") == Some(id))
        });
        at.and_then(|i| self.pending.remove(i)).is_some()
    }

    fn refresh(&mut self, out: &mut impl Write) -> io::Result<()> {
        let workspace = &mut self.workspace;
        match catch_unwind(AssertUnwindSafe(|| workspace.refresh())) {
            Ok(messages) => messages.iter().try_for_each(|m| jsonrpc::write(out, m)),
            Err(_) => log(
                out,
                "platc failed analysing the program; it goes on with the last analysis".into(),
            ),
        }
    }

    fn message(&mut self, message: Incoming, out: &mut impl Write) -> io::Result<Option<End>> {
        match message {
            Incoming::Request { id, method, params } => {
                let result = self.request(&id, &method, &params, out)?;
                jsonrpc::write(out, &jsonrpc::response(id, result))?;
            }
            Incoming::Notification { method, .. } if method == "exit" => {
                return Ok(Some(End::Exit {
                    after_shutdown: self.state == State::ShutDown,
                }));
            }
            Incoming::Notification { method, params } => {
                if self.state == State::Running
                    && let Err(why) = self.notify(&method, &params)
                {
                    log(out, why)?;
                }
            }
            Incoming::Response => {}
            Incoming::Invalid { id, code, message } => {
                jsonrpc::write(out, &jsonrpc::response(id, Err((code, message))))?;
            }
        }
        Ok(None)
    }

    fn request(
        &mut self,
        id: &Value,
        method: &str,
        params: &Value,
        out: &mut impl Write,
    ) -> io::Result<Result<Value, (i32, String)>> {
        Ok(match (self.state, method) {
            (State::Uninitialised, "initialize") => {
                self.state = State::Running;
                self.workspace.folders = folders(params);
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
                self.state = State::ShutDown;
                Ok(Value::Null)
            }
            (State::Running, _) => {
                // Answered from the analysis of the latest text, unless the client has meanwhile
                // said it no longer wants the answer.
                self.refresh(out)?;
                if self.cancelled(id) {
                    return Ok(Err((
                        jsonrpc::REQUEST_CANCELLED,
                        format!("{method} was cancelled"),
                    )));
                }
                let workspace = &self.workspace;
                catch_unwind(AssertUnwindSafe(|| {
                    super::requests::handle(workspace, method, params)
                }))
                .unwrap_or_else(|_| {
                    Err((
                        jsonrpc::INTERNAL_ERROR,
                        format!("platc failed answering {method}"),
                    ))
                })
            }
            (State::ShutDown, _) => Err((
                jsonrpc::INVALID_REQUEST,
                format!("{method} after shutdown: only exit is expected"),
            )),
        })
    }

    /// A notification after `initialize`. Params of the wrong shape are reported to the client's
    /// log and otherwise ignored: a notification has no response to carry an error.
    fn notify(&mut self, method: &str, params: &Value) -> Result<(), String> {
        use lsp_types as lsp;
        fn read<T: serde::de::DeserializeOwned>(method: &str, params: &Value) -> Result<T, String> {
            T::deserialize(params)
                .map_err(|e| format!("platc ignored {method}, whose params do not fit: {e}"))
        }
        let s = &mut self.workspace;
        match method {
            "textDocument/didOpen" => {
                let p: lsp::DidOpenTextDocumentParams = read(method, params)?;
                s.open(p.text_document.uri, p.text_document.text);
            }
            "textDocument/didChange" => {
                let p: lsp::DidChangeTextDocumentParams = read(method, params)?;
                // Full synchronisation: the last change holds the whole text.
                if let Some(change) = p.content_changes.into_iter().last() {
                    s.change(&p.text_document.uri, change.text);
                }
            }
            "textDocument/didClose" => {
                let p: lsp::DidCloseTextDocumentParams = read(method, params)?;
                s.close(&p.text_document.uri);
            }
            "textDocument/didSave" | "workspace/didChangeWatchedFiles" => s.saved(),
            "workspace/didChangeWorkspaceFolders" => {
                let p: lsp::DidChangeWorkspaceFoldersParams = read(method, params)?;
                let removed: Vec<PathBuf> = p
                    .event
                    .removed
                    .iter()
                    .map(|f| super::workspace::uri_path(&f.uri))
                    .collect();
                s.folders.retain(|f| !removed.contains(f));
                s.folders.extend(
                    p.event
                        .added
                        .iter()
                        .map(|f| super::workspace::uri_path(&f.uri)),
                );
                s.saved();
            }
            _ => {}
        }
        Ok(())
    }
}

/// The workspace folders `initialize` names (`workspaceFolders`, else `rootUri`, else `rootPath`);
/// params of another shape name none.
fn folders(params: &Value) -> Vec<PathBuf> {
    let uri = |v: &Value| v.as_str().and_then(|s| s.parse::<lsp_types::Uri>().ok());
    if let Some(list) = params.get("workspaceFolders").and_then(Value::as_array) {
        return list
            .iter()
            .filter_map(|f| uri(&f["uri"]))
            .map(|u| super::workspace::uri_path(&u))
            .collect();
    }
    if let Some(u) = params.get("rootUri").and_then(uri) {
        return vec![super::workspace::uri_path(&u)];
    }
    params
        .get("rootPath")
        .and_then(Value::as_str)
        .map(|p| vec![PathBuf::from(p)])
        .unwrap_or_default()
}

/// An error message in the client's log (`window/logMessage`, type Error).
fn log(out: &mut impl Write, message: String) -> io::Result<()> {
    let params = json!({ "type": 1, "message": message });
    jsonrpc::write(out, &jsonrpc::notification("window/logMessage", params))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// What the fuzz target checks: the loop ends, and all it writes is framed JSON-RPC.
    fn serve_in_memory(input: &[u8]) -> (End, Vec<Value>) {
        let mut out = Vec::new();
        let end = serve(std::io::Cursor::new(input.to_vec()), &mut out).unwrap();
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
