//! `platc lsp` as an editor drives it: real JSON-RPC framing over the process's stdio.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

struct Client {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<Value>,
    next_id: i64,
    /// Notifications received while waiting for responses.
    notifications: Vec<Value>,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_platc"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = 0usize;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        len = v.parse().unwrap();
                    }
                }
                let mut body = vec![0; len];
                r.read_exact(&mut body).unwrap();
                if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        Client {
            child,
            stdin,
            rx,
            next_id: 1,
            notifications: Vec::new(),
        }
    }

    fn send(&mut self, msg: Value) {
        let body = msg.to_string();
        self.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    /// Bytes as they are, framed or not.
    fn send_raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    /// A request framed by hand around `body`.
    fn send_body(&mut self, body: &str) {
        self.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    fn next(&mut self) -> Value {
        self.rx
            .recv_timeout(Duration::from_secs(20))
            .expect("no message from the server")
    }

    /// The next error response, skipping (and keeping) notifications.
    fn error(&mut self) -> Value {
        loop {
            let msg = self.next();
            if msg.get("method").is_some() {
                self.notifications.push(msg);
                continue;
            }
            assert!(msg.get("result").is_none(), "expected an error: {msg}");
            return msg;
        }
    }

    /// The next message the server logs to the client.
    fn logged(&mut self) -> String {
        loop {
            let msg = self.next();
            if msg["method"] == "window/logMessage" {
                return msg["params"]["message"].as_str().unwrap().to_string();
            }
            self.notifications.push(msg);
        }
    }

    /// A request whose answer is an error: the whole error response.
    fn request_error(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        let msg = self.error();
        assert_eq!(msg["id"], id, "{msg}");
        msg
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let msg = self
                .rx
                .recv_timeout(Duration::from_secs(20))
                .expect("no answer from the server");
            if msg.get("id") == Some(&json!(id)) {
                assert!(msg.get("error").is_none(), "{method} failed: {msg}");
                return msg["result"].clone();
            }
            self.notifications.push(msg);
        }
    }

    /// The next diagnostics published for the document.
    fn diagnostics(&mut self) -> Vec<Value> {
        loop {
            if let Some(pos) = self
                .notifications
                .iter()
                .position(|n| n["method"] == "textDocument/publishDiagnostics")
            {
                let n = self.notifications.remove(pos);
                return n["params"]["diagnostics"].as_array().unwrap().clone();
            }
            let msg = self
                .rx
                .recv_timeout(Duration::from_secs(20))
                .expect("no diagnostics published");
            self.notifications.push(msg);
        }
    }
}

const URI: &str = "file:///tmp/platc-lsp-test/platform.plat";

fn pos(text: &str, needle: &str, delta: usize) -> Value {
    let at = text.find(needle).unwrap() + delta;
    let line = text[..at].matches('\n').count();
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({ "line": line, "character": col })
}

#[test]
fn an_editor_session() {
    let text = "platform \"demo\" { private_networking = false }\n\nlogs \"ops\" { retention_days = 30 }\n\ncluster \"main\" {\n  pool \"system\" { vm_size = \"Standard_D4ds_v5\"  mode = system  count = 3 }\n  monitoring { logs = logs.ops }\n}\n\nregistry \"images\" { sku = premum }\n";
    let mut c = Client::start();
    let init = c.request(
        "initialize",
        json!({ "processId": null, "rootUri": null, "capabilities": {} }),
    );
    assert_eq!(init["capabilities"]["hoverProvider"], true);
    c.notify("initialized", json!({}));
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": URI, "languageId": "plat", "version": 1, "text": text } }),
    );

    // Diagnostics on open, with the CLI's code and a UTF-16 range.
    let diags = c.diagnostics();
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["code"], "E0106");
    assert_eq!(diags[0]["range"]["start"], pos(text, "premum", 0));
    assert!(
        diags[0]["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `premium`?")
    );

    // The quick fix from the diagnostic's suggestion.
    let actions = c.request("textDocument/codeAction", json!({ "textDocument": { "uri": URI }, "range": diags[0]["range"], "context": { "diagnostics": diags } }));
    let edit = &actions[0]["edit"]["changes"][URI][0];
    assert_eq!(edit["newText"], "premium");

    // Hover on a field shows its documentation and value; on a reference, the declaration.
    let hover = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": URI }, "position": pos(text, "retention_days", 2) }),
    );
    let md = hover["contents"]["value"].as_str().unwrap();
    assert!(
        md.contains("`retention_days`") && md.contains("Value: `30`"),
        "{md}"
    );
    let hover = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": URI }, "position": pos(text, "logs.ops", 6) }),
    );
    let md = hover["contents"]["value"].as_str().unwrap();
    assert!(
        md.contains("Microsoft.OperationalInsights/workspaces") && md.contains("log-ops-<token>"),
        "{md}"
    );

    // Go to definition and find references.
    let def = c.request(
        "textDocument/definition",
        json!({ "textDocument": { "uri": URI }, "position": pos(text, "logs.ops", 6) }),
    );
    assert_eq!(def["range"]["start"], pos(text, "\"ops\"", 0));
    let refs = c.request("textDocument/references", json!({ "textDocument": { "uri": URI }, "position": pos(text, "\"ops\"", 1), "context": { "includeDeclaration": false } }));
    assert_eq!(refs.as_array().unwrap().len(), 1);
    assert_eq!(refs[0]["range"]["start"], pos(text, "logs.ops", 0));

    // Completion of enum values and of fields.
    let items = c.request(
        "textDocument/completion",
        json!({ "textDocument": { "uri": URI }, "position": pos(text, "premum", 0) }),
    );
    let labels: Vec<&str> = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["basic", "standard", "premium"]);

    // Symbols and formatting.
    let symbols = c.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": URI } }),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "platform demo",
            "logs ops",
            "cluster main",
            "registry images"
        ]
    );
    assert_eq!(symbols[2]["children"][0]["name"], "pool system");
    let edits = c.request("textDocument/formatting", json!({ "textDocument": { "uri": URI }, "options": { "tabSize": 2, "insertSpaces": true } }));
    assert_eq!(
        edits.as_array().unwrap().len(),
        0,
        "the document is already formatted"
    );

    // A syntax error while typing: diagnosed, and hover keeps working on the rest.
    let broken = text.replace(
        "monitoring { logs = logs.ops }",
        "monitoring { logs = logs.ops }\n  extension",
    );
    let broken = broken.replace(
        "registry \"images\" { sku = premum }",
        "registry \"images\" { sku = }",
    );
    c.notify("textDocument/didChange", json!({ "textDocument": { "uri": URI, "version": 2 }, "contentChanges": [{ "text": broken }] }));
    let diags = c.diagnostics();
    assert!(diags.iter().any(|d| d["code"] == "E0001"), "{diags:?}");
    let hover = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": URI }, "position": pos(&broken, "retention_days", 2) }),
    );
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("retention_days")
    );

    let shutdown = c.request("shutdown", Value::Null);
    assert!(shutdown.is_null());
    c.notify("exit", Value::Null);
    let status = c.child.wait().unwrap();
    assert!(status.success());
}

/// A server past `initialize`.
fn initialized() -> Client {
    let mut c = Client::start();
    c.request(
        "initialize",
        json!({ "processId": null, "rootUri": null, "capabilities": {} }),
    );
    c.notify("initialized", json!({}));
    c
}

/// The server still answers: a document opened gets its diagnostics, a request its result.
fn still_serving(c: &mut Client) {
    let text = "registry \"images\" { sku = premum }\n";
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": URI, "languageId": "plat", "version": 1, "text": text } }),
    );
    assert!(c.diagnostics().iter().any(|d| d["code"] == "E0106"));
    let hover = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": URI }, "position": pos(text, "sku", 1) }),
    );
    assert!(hover["contents"]["value"].as_str().unwrap().contains("sku"));
}

/// The error answering a frame that could not be read: a parse error for no request.
fn assert_parse_error(msg: &Value, needle: &str) {
    assert_eq!(msg["id"], Value::Null, "{msg}");
    assert_eq!(msg["error"]["code"], -32700, "{msg}");
    let text = msg["error"]["message"].as_str().unwrap();
    assert!(text.contains(needle), "{text}");
}

#[test]
fn a_huge_content_length_is_refused_without_allocating_it() {
    let mut c = initialized();
    c.send_raw(b"Content-Length: 1099511627776\r\n\r\n{\"jsonrpc\":\"2.0\"}");
    let e = c.error();
    assert_parse_error(&e, "over the limit");
    still_serving(&mut c);
}

#[test]
fn a_content_length_near_two_to_the_64_is_refused() {
    let mut c = initialized();
    c.send_raw(b"Content-Length: 18446744073709551615\r\n\r\n{}");
    let e = c.error();
    assert_parse_error(&e, "over the limit");
    c.send_raw(b"Content-Length: 99999999999999999999999999\r\n\r\n{}");
    let e = c.error();
    assert_parse_error(&e, "over the limit");
    still_serving(&mut c);
}

#[test]
fn a_content_length_that_is_no_number_is_refused() {
    let mut c = initialized();
    c.send_raw(b"Content-Length: twelve\r\n\r\n{}");
    let e = c.error();
    assert_parse_error(&e, "not a number");
    still_serving(&mut c);
}

#[test]
fn a_frame_without_content_length_is_skipped() {
    let mut c = initialized();
    c.send_raw(b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":99,\"method\":\"shutdown\"}");
    let e = c.error();
    assert_parse_error(&e, "no Content-Length");
    // The unframed shutdown was skipped, not obeyed.
    still_serving(&mut c);
}

#[test]
fn invalid_json_and_messages_of_no_known_shape_get_errors() {
    let mut c = initialized();
    c.send_body("{\"jsonrpc\": \"2.0\", \"id\": ");
    let e = c.error();
    assert_parse_error(&e, "not JSON");
    c.send_body("\u{0}\u{1}");
    let e = c.error();
    assert_parse_error(&e, "not JSON");
    c.send_body(r#"{"jsonrpc":"2.0","id":5,"params":{}}"#);
    let e = c.error();
    assert_eq!((&e["id"], &e["error"]["code"]), (&json!(5), &json!(-32600)));
    c.send_body("[1, 2]");
    let e = c.error();
    assert_eq!(
        (&e["id"], &e["error"]["code"]),
        (&Value::Null, &json!(-32600))
    );
    still_serving(&mut c);
}

#[test]
fn a_notification_without_params_is_logged_and_ignored() {
    let mut c = initialized();
    c.send(json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen" }));
    assert!(c.logged().contains("textDocument/didOpen"));
    c.send(json!({ "jsonrpc": "2.0", "method": "textDocument/didClose", "params": null }));
    assert!(c.logged().contains("textDocument/didClose"));
    still_serving(&mut c);
}

#[test]
fn malformed_params_are_logged_or_answered_with_invalid_params() {
    let mut c = initialized();
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": 3, "contentChanges": "all" }),
    );
    assert!(c.logged().contains("textDocument/didChange"));
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": "not a uri", "text": 1 } }),
    );
    assert!(c.logged().contains("textDocument/didOpen"));
    let e = c.request_error("textDocument/hover", json!({ "position": "here" }));
    assert_eq!(e["error"]["code"], -32602, "{e}");
    let e = c.request_error("textDocument/documentSymbol", Value::Null);
    assert_eq!(e["error"]["code"], -32602, "{e}");
    still_serving(&mut c);
}

#[test]
fn requests_after_shutdown_are_refused_until_exit() {
    let mut c = initialized();
    still_serving(&mut c);
    assert!(c.request("shutdown", Value::Null).is_null());
    let e = c.request_error(
        "textDocument/hover",
        json!({ "textDocument": { "uri": URI }, "position": { "line": 0, "character": 0 } }),
    );
    assert_eq!(e["error"]["code"], -32600, "{e}");
    let e = c.request_error("shutdown", Value::Null);
    assert_eq!(e["error"]["code"], -32600, "{e}");
    // Notifications after shutdown are ignored; the server still reads on until exit.
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": URI, "languageId": "plat", "version": 1, "text": "" } }),
    );
    c.notify("exit", Value::Null);
    assert!(c.child.wait().unwrap().success());
}

#[test]
fn requests_before_initialize_are_refused() {
    let mut c = Client::start();
    let e = c.request_error(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": URI } }),
    );
    assert_eq!(e["error"]["code"], -32002, "{e}");
    c.request(
        "initialize",
        json!({ "processId": null, "rootUri": null, "capabilities": {} }),
    );
    still_serving(&mut c);
}

#[test]
fn exit_without_shutdown_exits_1_and_the_end_of_input_exits_0() {
    let mut c = initialized();
    c.notify("exit", Value::Null);
    assert_eq!(c.child.wait().unwrap().code(), Some(1));

    let mut c = initialized();
    still_serving(&mut c);
    // A frame cut short by the end of the input ends the server as cleanly as a closed input.
    c.send_raw(b"Content-Length: 100\r\n\r\n{\"jsonrpc\"");
    let Client {
        mut child, stdin, ..
    } = c;
    drop(stdin);
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

/// A project on disk: the files, under a directory of their own.
fn project(name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("platc-lsp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

fn file_uri(path: &std::path::Path) -> String {
    format!("file://{}", path.display())
}

/// The example split in two files, with a mistake in the imported one.
fn two_files(name: &str) -> (std::path::PathBuf, String, String, String, String) {
    let root = include_str!("../examples/two-files.plat");
    let services = include_str!("../examples/two-files/services.plat")
        .replace("sku = premium", "sku = premum");
    let dir = project(
        name,
        &[
            ("two-files.plat", root),
            ("two-files/services.plat", &services),
        ],
    );
    let root_uri = file_uri(&dir.join("two-files.plat"));
    let services_uri = file_uri(&dir.join("two-files/services.plat"));
    (dir, root_uri, services_uri, root.to_string(), services)
}

impl Client {
    /// A server past `initialize`, for the workspace folder `dir`.
    fn in_folder(dir: &std::path::Path) -> Client {
        let mut c = Client::start();
        c.request(
            "initialize",
            json!({ "processId": null, "rootUri": file_uri(dir), "capabilities": {} }),
        );
        c.notify("initialized", json!({}));
        c
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "plat", "version": 1, "text": text } }),
        );
    }

    /// The next diagnostics published for `uri`, others kept for later.
    fn published(&mut self, uri: &str) -> Vec<Value> {
        loop {
            if let Some(pos) = self.notifications.iter().position(|n| {
                n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri
            }) {
                let n = self.notifications.remove(pos);
                return n["params"]["diagnostics"].as_array().unwrap().clone();
            }
            let msg = self.next();
            self.notifications.push(msg);
        }
    }
}

fn codes(diags: &[Value]) -> Vec<&str> {
    diags.iter().map(|d| d["code"].as_str().unwrap()).collect()
}

#[test]
fn an_imported_file_is_analysed_in_its_program() {
    let (dir, root_uri, services_uri, root, services) = two_files("imported");
    let mut c = Client::in_folder(&dir);
    // Opened alone, the imported file is read in the program that imports it: no missing
    // platform, no unresolved `cluster.apps`; its mistake is reported, and the root's file is
    // published too.
    c.open(&services_uri, &services);
    assert_eq!(codes(&c.published(&services_uri)), ["E0106"]);
    assert_eq!(c.published(&root_uri), Vec::<Value>::new());

    // Definition and hover across the file boundary.
    let at = json!({ "textDocument": { "uri": services_uri }, "position": pos(&services, "cluster.apps", 9) });
    let def = c.request("textDocument/definition", at.clone());
    assert_eq!(def["uri"], root_uri.as_str());
    assert_eq!(def["range"]["start"], pos(&root, "\"apps\"", 0));
    let hover = c.request("textDocument/hover", at);
    let md = hover["contents"]["value"].as_str().unwrap();
    assert!(
        md.contains("Microsoft.ContainerService/managedClusters"),
        "{md}"
    );

    // References from the declaration reach the other file.
    let refs = c.request("textDocument/references", json!({ "textDocument": { "uri": root_uri }, "position": pos(&root, "cluster \"apps\"", 9), "context": { "includeDeclaration": false } }));
    let uris: Vec<&str> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap())
        .collect();
    assert_eq!(uris, [services_uri.as_str()]);

    // An unsaved edit of the imported buffer: the registry it declared is gone, and the root's
    // reference to it is now unresolved; the imported file's own mistake went with it.
    c.open(&root_uri, &root);
    let without = services.replace("registry \"images\" { sku = premum }", "");
    c.notify("textDocument/didChange", json!({ "textDocument": { "uri": services_uri, "version": 2 }, "contentChanges": [{ "text": without }] }));
    let root_diags = loop {
        let d = c.published(&root_uri);
        if !d.is_empty() {
            break d;
        }
    };
    assert_eq!(codes(&root_diags), ["E0107"], "{root_diags:?}");
    assert_eq!(
        root_diags[0]["range"]["start"],
        pos(&root, "registry.images", 9)
    );
    // The imported file's diagnostics from before the change may come first, then its empty list.
    while !c.published(&services_uri).is_empty() {}

    // Closing every file clears what was published.
    c.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": services_uri } }),
    );
    c.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": root_uri } }),
    );
    assert_eq!(c.published(&root_uri), Vec::<Value>::new());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn rename_edits_every_file_and_the_program_checks_as_before() {
    let (dir, root_uri, services_uri, root, services) = two_files("rename");
    let mut c = Client::in_folder(&dir);
    c.open(&root_uri, &root);
    let before = c.published(&services_uri);
    let at = json!({ "textDocument": { "uri": root_uri }, "position": pos(&root, "registry.images", 10) });
    let prepared = c.request("textDocument/prepareRename", at.clone());
    assert_eq!(prepared["placeholder"], "images");
    let mut params = at;
    params["newName"] = json!("pictures");
    let edit = c.request("textDocument/rename", params);
    let changes = edit["changes"].as_object().unwrap();
    assert_eq!(changes.len(), 2, "{edit}");
    // Apply the edits as an editor does, and check the result.
    let apply = |text: &str, edits: &Value| {
        let mut text = text.to_string();
        let mut edits = edits.as_array().unwrap().clone();
        edits.sort_by_key(|e| {
            std::cmp::Reverse((
                e["range"]["start"]["line"].as_u64(),
                e["range"]["start"]["character"].as_u64(),
            ))
        });
        for e in edits {
            let offset = |p: &Value| {
                let line = p["line"].as_u64().unwrap() as usize;
                let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
                start + p["character"].as_u64().unwrap() as usize
            };
            let (from, to) = (offset(&e["range"]["start"]), offset(&e["range"]["end"]));
            text.replace_range(from..to, e["newText"].as_str().unwrap());
        }
        text
    };
    let new_root = apply(&root, &changes[&root_uri]);
    let new_services = apply(&services, &changes[&services_uri]);
    assert!(new_root.contains("registry = registry.pictures"));
    assert!(new_services.contains("registry \"pictures\""));
    c.open(&services_uri, &new_services);
    c.notify("textDocument/didChange", json!({ "textDocument": { "uri": root_uri, "version": 2 }, "contentChanges": [{ "text": new_root }] }));
    let said = |diags: &[Value]| -> Vec<(Value, Value, Value)> {
        diags
            .iter()
            .map(|d| {
                (
                    d["code"].clone(),
                    d["message"].clone(),
                    d["range"]["start"]["line"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(codes(&before), ["E0106"]);
    assert_eq!(said(&c.published(&services_uri)), said(&before));
    // The root may be analysed once between the two edits (its reference then unresolved);
    // the program with both is clean there.
    while !c.published(&root_uri).is_empty() {}
    // A name the language cannot read back is refused.
    let e = c.request_error("textDocument/rename", json!({ "textDocument": { "uri": root_uri }, "position": pos(&new_root, "registry.pictures", 10), "newName": "9 lives" }));
    assert_eq!(e["error"]["code"], -32602, "{e}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// A platform of some 5,000 lines, the size the latency budget is for.
fn large() -> String {
    let mut text = String::from("platform \"big\" { private_networking = false }\n");
    for i in 0..700 {
        text.push_str(&format!(
            "\nlogs \"l{i}\" {{\n  retention_days = 30\n  env \"prod\" {{ retention_days = 90 }}\n}}\nvault \"v{i}\" {{ }}\n"
        ));
    }
    text
}

#[test]
fn a_cancelled_request_gets_request_cancelled_and_the_server_goes_on() {
    let mut c = initialized();
    let text = large();
    // The analysis of the large document runs before the hover is handled, and the cancel has
    // arrived by then.
    let open = json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen", "params": { "textDocument": { "uri": URI, "languageId": "plat", "version": 1, "text": text } } });
    let hover = json!({ "jsonrpc": "2.0", "id": 77, "method": "textDocument/hover", "params": { "textDocument": { "uri": URI }, "position": { "line": 0, "character": 1 } } });
    let cancel = json!({ "jsonrpc": "2.0", "method": "$/cancelRequest", "params": { "id": 77 } });
    let mut bytes = Vec::new();
    for m in [open, hover, cancel] {
        let body = m.to_string();
        bytes.extend(format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes());
    }
    c.send_raw(&bytes);
    let e = c.error();
    assert_eq!(
        (&e["id"], &e["error"]["code"]),
        (&json!(77), &json!(-32800)),
        "{e}"
    );
    c.published(URI);
    // A cancel for a request already answered, or never sent, is ignored.
    c.notify("$/cancelRequest", json!({ "id": 12345 }));
    still_serving(&mut c);
}

#[test]
fn a_burst_of_changes_is_analysed_once_at_its_latest_text() {
    let mut c = initialized();
    let text = large();
    c.open(URI, &text);
    c.published(URI);
    let mut bytes = Vec::new();
    for version in 2..32 {
        // Each version has one more mistake than the one before; the last has 30.
        let edited = format!(
            "{text}{}",
            "registry \"r\" { sku = premum }\n".repeat(version - 1)
        );
        let m = json!({ "jsonrpc": "2.0", "method": "textDocument/didChange", "params": { "textDocument": { "uri": URI, "version": version }, "contentChanges": [{ "text": edited }] } });
        let body = m.to_string();
        bytes.extend(format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes());
    }
    c.send_raw(&bytes);
    let started = std::time::Instant::now();
    let hover = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": URI }, "position": { "line": 3, "character": 4 } }),
    );
    let waited = started.elapsed();
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("retention_days")
    );
    // Every publication after the burst is of the latest text, and there are few of them.
    let mut published = 0;
    loop {
        let diags = c.published(URI);
        published += 1;
        if diags.iter().filter(|d| d["code"] == "E0106").count() == 30 {
            break;
        }
        assert!(published < 30, "a publication per change");
    }
    assert!(published <= 5, "{published} analyses for one burst");
    assert!(
        waited < Duration::from_secs(10),
        "the hover waited {waited:?}"
    );
}

#[test]
fn completion_replaces_what_was_typed() {
    let mut c = initialized();
    let text = "logs \"ops\" { }\ncluster \"c\" {\n  monitoring { logs = logs. }\n}\n";
    c.open(URI, text);
    let items = c.request(
        "textDocument/completion",
        json!({ "textDocument": { "uri": URI }, "position": pos(text, "logs. }", 5) }),
    );
    let item = &items["items"][0];
    assert_eq!(item["label"], "logs.ops");
    assert_eq!(item["textEdit"]["newText"], "logs.ops");
    assert_eq!(item["textEdit"]["range"]["start"], pos(text, "logs. }", 0));
    assert_eq!(item["textEdit"]["range"]["end"], pos(text, "logs. }", 5));
}

#[test]
fn the_other_views_of_a_file() {
    let (dir, root_uri, services_uri, root, _) = two_files("views");
    let mut c = Client::in_folder(&dir);
    c.open(&root_uri, &root);
    let doc = json!({ "textDocument": { "uri": root_uri } });

    let links = c.request("textDocument/documentLink", doc.clone());
    assert_eq!(links[0]["target"], services_uri.as_str());
    assert_eq!(
        links[0]["range"]["start"],
        pos(&root, "\"two-files/services.plat\"", 0)
    );

    let folds = c.request("textDocument/foldingRange", doc.clone());
    let starts: Vec<u64> = folds
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["startLine"].as_u64().unwrap())
        .collect();
    assert!(
        starts.contains(&pos(&root, "cluster \"apps\"", 0)["line"].as_u64().unwrap()),
        "{folds}"
    );

    let tokens = c.request("textDocument/semanticTokens/full", doc.clone());
    let data = tokens["data"].as_array().unwrap();
    assert_eq!(data.len() % 5, 0);
    let mut decoded = Vec::new();
    let (mut line, mut col) = (0, 0);
    for t in data.chunks(5) {
        let n = |i: usize| t[i].as_u64().unwrap();
        line += n(0);
        col = if n(0) == 0 { col + n(1) } else { n(1) };
        decoded.push((line, col, n(2), n(3)));
    }
    // A comment (type 8) on the first line, `import` (a keyword, type 0) on the third.
    assert_eq!(decoded[0], (0, 0, 84, 8));
    assert!(decoded.contains(&(2, 0, 6, 0)), "{decoded:?}");
    let cluster = pos(&root, "cluster \"apps\"", 9)["line"].as_u64().unwrap();
    assert!(
        decoded.contains(&(cluster, 8, 6, 1)),
        "the declaration's name: {decoded:?}"
    );

    let at = |needle: &str, delta: usize| json!({ "textDocument": { "uri": root_uri }, "position": pos(&root, needle, delta) });
    let highlights = c.request("textDocument/documentHighlight", at("logs = logs.ops", 13));
    assert_eq!(highlights.as_array().unwrap().len(), 2, "{highlights}");

    let selection = c.request(
        "textDocument/selectionRange",
        json!({ "textDocument": { "uri": root_uri }, "positions": [pos(&root, "logs.ops", 6)] }),
    );
    assert_eq!(selection[0]["range"]["start"], pos(&root, "ops }", 0));
    assert!(selection[0]["parent"]["parent"].is_object(), "{selection}");

    let help = c.request("textDocument/signatureHelp", at("branch = \"main\"", 0));
    assert_eq!(help["activeParameter"], 1);
    assert!(
        help["signatures"][0]["label"]
            .as_str()
            .unwrap()
            .starts_with("git(URL, branch")
    );

    let hints = c.request("textDocument/inlayHint", json!({ "textDocument": { "uri": root_uri }, "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 999, "character": 0 } } }));
    let labels: Vec<&str> = hints
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["label"].as_str().unwrap())
        .collect();
    assert!(labels.contains(&"prod: 180"), "{labels:?}");
    assert!(
        labels.iter().any(|l| l.starts_with("→ log-ops-")),
        "{labels:?}"
    );

    let symbols = c.request("workspace/symbol", json!({ "query": "kv" }));
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["vault kv"]);
    assert_eq!(symbols[0]["location"]["uri"], services_uri.as_str());

    // Hover on nested blocks says what they are.
    let env = c.request("textDocument/hover", at("env \"prod\" { retention_days", 1));
    assert!(
        env["contents"]["value"]
            .as_str()
            .unwrap()
            .starts_with("**env `prod`**"),
        "{env}"
    );
    let network = c.request("textDocument/hover", at("network { subnet", 1));
    let md = network["contents"]["value"].as_str().unwrap();
    assert!(!md.contains("virtualNetworks"), "{md}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn unknown_methods_and_odd_notifications_leave_the_server_serving() {
    let mut c = initialized();
    let e = c.request_error("textDocument/teleport", json!({}));
    assert_eq!(e["error"]["code"], -32601, "{e}");
    c.notify("$/somethingNew", json!({ "x": 1 }));
    c.notify("$/cancelRequest", json!({ "nothing": "here" }));
    c.notify("$/cancelRequest", Value::Null);
    c.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": URI } }),
    );
    c.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({ "event": { "added": [], "removed": [] } }),
    );
    // A change and a close for a document never opened.
    c.notify("textDocument/didChange", json!({ "textDocument": { "uri": "file:///nowhere.plat", "version": 2 }, "contentChanges": [{ "text": "x" }] }));
    c.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": "file:///nowhere.plat" } }),
    );
    let e = c.request_error("textDocument/rename", json!({ "textDocument": { "uri": "file:///nowhere.plat" }, "position": { "line": 0, "character": 0 }, "newName": "x" }));
    assert_eq!(e["error"]["code"], -32602, "{e}");
    still_serving(&mut c);
    for method in [
        "textDocument/inlayHint",
        "textDocument/semanticTokens/full",
        "workspace/symbol",
    ] {
        let e = c.request_error(method, json!({ "textDocument": 7 }));
        assert_eq!(e["error"]["code"], -32602, "{method}: {e}");
    }
    assert!(c.request("shutdown", Value::Null).is_null());
    let e = c.request_error("textDocument/prepareRename", json!({}));
    assert_eq!(e["error"]["code"], -32600, "{e}");
}
