//! One function per request: LSP params in, the editor feature's answer out as LSP JSON. Every
//! request is answered from the latest analysis of the program the document belongs to.

use super::complete::complete;
use super::jsonrpc;
use super::workspace::{Workspace, diagnostic, offset, position, range};
use super::{Analysis, features, rename};
use crate::source::FileId;
use lsp_types as lsp;
use serde::Deserialize;
use serde_json::{Value, json};

pub type Failure = (i32, String);

fn params<'a, T: Deserialize<'a>>(params: &'a Value) -> Result<T, Failure> {
    T::deserialize(params).map_err(|e| (jsonrpc::INVALID_PARAMS, e.to_string()))
}

fn doc<'a>(s: &'a Workspace, uri: &lsp::Uri) -> Result<(&'a Analysis, FileId), Failure> {
    s.document(uri).ok_or((
        jsonrpc::INVALID_PARAMS,
        format!("{} is not open", uri.as_str()),
    ))
}

/// The document and byte offset of a position request.
fn at<'a>(
    s: &'a Workspace,
    p: &lsp::TextDocumentPositionParams,
) -> Result<(&'a Analysis, FileId, usize), Failure> {
    let (a, file) = doc(s, &p.text_document.uri)?;
    Ok((a, file, offset(a, file, p.position)))
}

fn to_json(v: impl serde::Serialize) -> Value {
    serde_json::to_value(v).unwrap_or_default()
}

pub fn handle(s: &Workspace, method: &str, p: &Value) -> Result<Value, Failure> {
    match method {
        "textDocument/hover" => hover(s, params(p)?),
        "textDocument/definition" => definition(s, params(p)?),
        "textDocument/references" => references(s, params(p)?),
        "textDocument/documentHighlight" => highlights(s, params(p)?),
        "textDocument/completion" => completion(s, params(p)?),
        "textDocument/documentSymbol" => document_symbols(s, params(p)?),
        "workspace/symbol" => workspace_symbols(s, params(p)?),
        "textDocument/formatting" => formatting(s, params(p)?),
        "textDocument/codeAction" => code_actions(s, params(p)?),
        "textDocument/prepareRename" => prepare_rename(s, params(p)?),
        "textDocument/rename" => rename(s, params(p)?),
        "textDocument/semanticTokens/full" => semantic_tokens(s, params(p)?),
        "textDocument/foldingRange" => folding(s, params(p)?),
        "textDocument/selectionRange" => selection(s, params(p)?),
        "textDocument/documentLink" => links(s, params(p)?),
        "textDocument/signatureHelp" => signature(s, params(p)?),
        "textDocument/inlayHint" => inlay_hints(s, params(p)?),
        _ => Err((
            jsonrpc::METHOD_NOT_FOUND,
            format!("platc does not handle {method}"),
        )),
    }
}

fn hover(s: &Workspace, p: lsp::HoverParams) -> Result<Value, Failure> {
    let (a, file, at) = at(s, &p.text_document_position_params)?;
    Ok(super::hover(a, file, at).map_or(
        Value::Null,
        |md| json!({ "contents": { "kind": "markdown", "value": md } }),
    ))
}

fn definition(s: &Workspace, p: lsp::GotoDefinitionParams) -> Result<Value, Failure> {
    let (a, file, at) = at(s, &p.text_document_position_params)?;
    Ok(super::definition(a, file, at).map_or(Value::Null, |span| to_json(s.location(a, span))))
}

fn references(s: &Workspace, p: lsp::ReferenceParams) -> Result<Value, Failure> {
    let (a, file, at) = at(s, &p.text_document_position)?;
    let spans = super::find_references(a, file, at, p.context.include_declaration);
    let locations: Vec<lsp::Location> = spans.into_iter().map(|sp| s.location(a, sp)).collect();
    Ok(to_json(locations))
}

fn highlights(s: &Workspace, p: lsp::DocumentHighlightParams) -> Result<Value, Failure> {
    let (a, file, at) = at(s, &p.text_document_position_params)?;
    let spans = super::find_references(a, file, at, true);
    let here: Vec<Value> = spans
        .into_iter()
        .filter(|sp| sp.file == file)
        .map(|sp| json!({ "range": range(a, sp) }))
        .collect();
    Ok(Value::Array(here))
}

fn completion(s: &Workspace, p: lsp::CompletionParams) -> Result<Value, Failure> {
    let (a, file, at) = at(s, &p.text_document_position)?;
    let items: Vec<Value> = complete(a, file, at)
        .into_iter()
        .map(|c| {
            let kind = match c.kind {
                "keyword" => 14,
                "field" => 5,
                "reference" => 18,
                "snippet" => 15,
                _ => 12,
            };
            let replace = lsp::Range {
                start: position(a, file, c.replace.start),
                end: position(a, file, c.replace.end),
            };
            json!({
                "label": c.label, "kind": kind, "detail": c.detail,
                "filterText": if c.kind == "snippet" { c.label.clone() } else { c.insert.clone() },
                "insertTextFormat": if c.snippet { 2 } else { 1 },
                "textEdit": { "range": replace, "newText": c.insert },
            })
        })
        .collect();
    Ok(json!({ "isIncomplete": false, "items": items }))
}

fn symbol_json(a: &Analysis, s: &super::Symbol) -> Value {
    json!({
        "name": s.name, "detail": s.detail, "kind": symbol_kind(s.kind),
        "range": range(a, s.span), "selectionRange": range(a, s.selection),
        "children": s.children.iter().map(|c| symbol_json(a, c)).collect::<Vec<_>>(),
    })
}

fn symbol_kind(kind: &str) -> u32 {
    match kind {
        "module" => 2,
        "namespace" => 3,
        "object" => 19,
        "constant" => 14,
        _ => 23,
    }
}

fn document_symbols(s: &Workspace, p: lsp::DocumentSymbolParams) -> Result<Value, Failure> {
    let (a, file) = doc(s, &p.text_document.uri)?;
    let symbols = super::symbols(a, file);
    Ok(Value::Array(
        symbols.iter().map(|sym| symbol_json(a, sym)).collect(),
    ))
}

fn workspace_symbols(s: &Workspace, p: lsp::WorkspaceSymbolParams) -> Result<Value, Failure> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for a in s.analyses() {
        for file in a.sources.ids() {
            for sym in features::workspace_symbols(a, file, &p.query) {
                let location = s.location(a, sym.selection);
                if seen.insert((location.uri.as_str().to_string(), sym.name.clone())) {
                    out.push(json!({
                        "name": sym.name, "kind": symbol_kind(sym.kind),
                        "containerName": sym.detail, "location": location,
                    }));
                }
            }
        }
    }
    Ok(Value::Array(out))
}

fn formatting(s: &Workspace, p: lsp::DocumentFormattingParams) -> Result<Value, Failure> {
    let (a, file) = doc(s, &p.text_document.uri)?;
    let text = a.text(file);
    let (tree, errors) = crate::syntax::parse(file, text);
    if !errors.is_empty() {
        return Ok(Value::Null);
    }
    Ok(match crate::fmt::format_checked(&tree, text) {
        Ok(out) if out != text => {
            let whole = lsp::Range {
                start: lsp::Position::new(0, 0),
                end: position(a, file, text.len()),
            };
            json!([{ "range": whole, "newText": out }])
        }
        _ => json!([]),
    })
}

fn code_actions(s: &Workspace, p: lsp::CodeActionParams) -> Result<Value, Failure> {
    let uri = p.text_document.uri.clone();
    let (a, file) = doc(s, &uri)?;
    let (from, to) = (offset(a, file, p.range.start), offset(a, file, p.range.end));
    let actions: Vec<Value> = a
        .diagnostics
        .iter()
        .filter(|d| d.primary_span().file == file)
        .filter(|d| {
            let sp = d.primary_span();
            (sp.start as usize) <= to && from <= sp.end as usize
        })
        .filter_map(|d| {
            let fix = d.fix.as_ref()?;
            let edit = json!({ "changes": { s.uri(a, fix.span.file).as_str(): [{ "range": range(a, fix.span), "newText": fix.replacement }] } });
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

fn prepare_rename(s: &Workspace, p: lsp::TextDocumentPositionParams) -> Result<Value, Failure> {
    let (a, file, at) = at(s, &p)?;
    match rename::prepare(a, file, at) {
        Ok(r) => Ok(json!({ "range": range(a, r.span), "placeholder": r.name })),
        Err(why) => Err((jsonrpc::INVALID_PARAMS, why)),
    }
}

fn rename(s: &Workspace, p: lsp::RenameParams) -> Result<Value, Failure> {
    let (a, file, at) = at(s, &p.text_document_position)?;
    let edits =
        rename::rename(a, file, at, &p.new_name).map_err(|why| (jsonrpc::INVALID_PARAMS, why))?;
    let mut changes: serde_json::Map<String, Value> = serde_json::Map::new();
    for e in edits {
        let uri = s.uri(a, e.span.file).as_str().to_string();
        let entry = changes.entry(uri).or_insert_with(|| json!([]));
        if let Value::Array(list) = entry {
            list.push(json!({ "range": range(a, e.span), "newText": e.text }));
        }
    }
    Ok(json!({ "changes": changes }))
}

fn semantic_tokens(s: &Workspace, p: lsp::SemanticTokensParams) -> Result<Value, Failure> {
    let (a, file) = doc(s, &p.text_document.uri)?;
    let mut data = Vec::new();
    let mut last = (0u32, 0u32);
    for t in features::semantic_tokens(a, file) {
        let start = position(a, file, t.span.start as usize);
        let end = position(a, file, t.span.end as usize);
        if end.line != start.line {
            continue;
        }
        let delta_line = start.line - last.0;
        let delta_start = if delta_line == 0 {
            start.character - last.1
        } else {
            start.character
        };
        data.extend([
            delta_line,
            delta_start,
            end.character - start.character,
            t.kind,
            t.modifiers,
        ]);
        last = (start.line, start.character);
    }
    Ok(json!({ "data": data }))
}

fn folding(s: &Workspace, p: lsp::FoldingRangeParams) -> Result<Value, Failure> {
    let (a, file) = doc(s, &p.text_document.uri)?;
    let ranges: Vec<Value> = features::folding_ranges(a, file)
        .into_iter()
        .filter_map(|(sp, comment)| {
            let (start, end) = (
                position(a, file, sp.start as usize),
                position(a, file, sp.end as usize),
            );
            (end.line > start.line).then(|| {
                let mut r = json!({ "startLine": start.line, "endLine": end.line });
                if comment {
                    r["kind"] = json!("comment");
                }
                r
            })
        })
        .collect();
    Ok(Value::Array(ranges))
}

fn selection(s: &Workspace, p: lsp::SelectionRangeParams) -> Result<Value, Failure> {
    let (a, file) = doc(s, &p.text_document.uri)?;
    let out: Vec<Value> = p
        .positions
        .iter()
        .map(|pos| {
            let at = offset(a, file, *pos);
            let spans = features::selection_ranges(a, file, at);
            // Outermost first: each wraps the one before as its parent. Outside every
            // statement, the range is the cursor itself.
            let empty = json!({ "range": range(a, crate::source::Span::new(file, at, at)) });
            let nested = spans.iter().fold(Value::Null, |parent, sp| {
                let mut r = json!({ "range": range(a, *sp) });
                if !parent.is_null() {
                    r["parent"] = parent;
                }
                r
            });
            if nested.is_null() { empty } else { nested }
        })
        .collect();
    Ok(Value::Array(out))
}

fn links(s: &Workspace, p: lsp::DocumentLinkParams) -> Result<Value, Failure> {
    let (a, file) = doc(s, &p.text_document.uri)?;
    let out: Vec<Value> = features::import_links(a, file)
        .into_iter()
        .map(|(sp, target)| json!({ "range": range(a, sp), "target": super::workspace::path_uri(&target) }))
        .collect();
    Ok(Value::Array(out))
}

fn signature(s: &Workspace, p: lsp::SignatureHelpParams) -> Result<Value, Failure> {
    let (a, file, at) = at(s, &p.text_document_position_params)?;
    let Some(help) = features::signature_help(a.text(file), at) else {
        return Ok(Value::Null);
    };
    let parameters: Vec<Value> = help
        .function
        .params()
        .into_iter()
        .map(|(label, doc)| json!({ "label": label, "documentation": doc }))
        .collect();
    Ok(json!({
        "signatures": [{
            "label": help.function.signature(),
            "documentation": help.function.doc,
            "parameters": parameters,
        }],
        "activeSignature": 0,
        "activeParameter": help.active,
    }))
}

fn inlay_hints(s: &Workspace, p: lsp::InlayHintParams) -> Result<Value, Failure> {
    let (a, file) = doc(s, &p.text_document.uri)?;
    let (from, to) = (offset(a, file, p.range.start), offset(a, file, p.range.end));
    let out: Vec<Value> = features::inlay_hints(a, file)
        .into_iter()
        .filter(|h| from <= h.at && h.at <= to)
        .map(|h| json!({ "position": position(a, file, h.at), "label": h.label, "paddingLeft": true, "tooltip": h.tooltip }))
        .collect();
    Ok(Value::Array(out))
}
