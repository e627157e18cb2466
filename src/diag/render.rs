//! Adapters from `Diagnostic` to what a reader sees: codespan-reporting for terminals, JSON for tools.

use super::{Code, Diagnostic, Severity};
use crate::source::SourceMap;
use codespan_reporting::diagnostic as cs;
use codespan_reporting::term::{self, Config};
use serde_json::{Value, json};

fn to_codespan(d: &Diagnostic) -> cs::Diagnostic<usize> {
    let sev = match d.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
    };
    let labels = d
        .labels
        .iter()
        .map(|l| {
            let style = if l.primary {
                cs::LabelStyle::Primary
            } else {
                cs::LabelStyle::Secondary
            };
            cs::Label::new(style, l.span.file, l.span.range()).with_message(&l.message)
        })
        .collect();
    let mut notes: Vec<String> = d.notes.iter().map(|n| format!("note: {n}")).collect();
    if let Some(h) = &d.help {
        notes.push(format!("help: {h}"));
    }
    cs::Diagnostic::new(sev)
        .with_code(d.code.as_str())
        .with_message(&d.message)
        .with_labels(labels)
        .with_notes(notes)
}

/// Renders diagnostics for a terminal. `colour` decides ANSI colour; the caller resolves auto/NO_COLOR.
pub fn human(sources: &SourceMap, diags: &[Diagnostic], colour: bool) -> String {
    let mut buf = if colour {
        term::termcolor::Buffer::ansi()
    } else {
        term::termcolor::Buffer::no_color()
    };
    let config = Config::default();
    for d in diags {
        // Writing into an in-memory buffer only fails on a span outside its file, which would be a
        // bug in a stage; fall back to the plain message rather than lose the diagnostic.
        if term::emit_to_write_style(&mut buf, &config, sources, &to_codespan(d)).is_err() {
            buf.clear();
            return diags
                .iter()
                .map(|d| {
                    format!(
                        "{}[{}]: {}\n",
                        d.severity.as_str(),
                        d.code.as_str(),
                        d.message
                    )
                })
                .collect();
        }
    }
    String::from_utf8_lossy(buf.as_slice()).into_owned()
}

/// `{ file, start: { line, column, offset }, end: {...} }` of a span, for the JSON form.
fn place(sources: &SourceMap, span: crate::source::Span) -> Value {
    let (line, column) = sources.line_col(span.file, span.start as usize);
    let (end_line, end_column) = sources.line_col(span.file, span.end as usize);
    json!({
        "file": sources.name(span.file),
        "start": { "line": line, "column": column, "offset": span.start },
        "end": { "line": end_line, "column": end_column, "offset": span.end },
    })
}

/// The JSON form, documented in spec.md ("Diagnostics as JSON"). Positions are 1-based lines and
/// columns (in characters) plus 0-based byte offsets.
pub fn json(sources: &SourceMap, diags: &[Diagnostic]) -> Value {
    let items: Vec<Value> = diags
        .iter()
        .map(|d| {
            let labels: Vec<Value> = d
                .labels
                .iter()
                .map(|l| {
                    let mut v = place(sources, l.span);
                    v["message"] = json!(l.message);
                    v["primary"] = json!(l.primary);
                    v
                })
                .collect();
            json!({
                "severity": d.severity.as_str(),
                "code": d.code.as_str(),
                "message": d.message,
                "labels": labels,
                "notes": d.notes,
                "help": d.help,
                "fix": d.fix.as_ref().map(|f| {
                    let mut v = place(sources, f.span);
                    v["replacement"] = json!(f.replacement);
                    v
                }),
            })
        })
        .collect();
    let errors = diags.iter().filter(|d| d.is_error()).count();
    json!({
        "version": 1,
        "diagnostics": items,
        "summary": { "errors": errors, "warnings": diags.len() - errors },
    })
}

fn region(sources: &SourceMap, span: crate::source::Span) -> Value {
    let (start_line, start_column) = sources.line_col(span.file, span.start as usize);
    let (end_line, end_column) = sources.line_col(span.file, span.end as usize);
    json!({
        "startLine": start_line,
        "startColumn": start_column,
        "endLine": end_line,
        "endColumn": end_column,
    })
}

fn location(sources: &SourceMap, span: crate::source::Span, message: Option<&str>) -> Value {
    let mut loc = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": sources.name(span.file) },
            "region": region(sources, span),
        }
    });
    if let Some(m) = message.filter(|m| !m.is_empty()) {
        loc["message"] = json!({ "text": m });
    }
    loc
}

/// SARIF 2.1.0, as code-scanning services read it: every code as a rule (so rule indices are
/// stable), one result per diagnostic with its location, related locations and fix.
pub fn sarif(sources: &SourceMap, diags: &[Diagnostic]) -> Value {
    let rules: Vec<Value> = Code::ALL
        .iter()
        .map(|c| {
            json!({
                "id": c.as_str(),
                "name": rule_name(c.title()),
                "shortDescription": { "text": c.title() },
                "fullDescription": { "text": c.explanation() },
                "help": { "text": c.explanation() },
                "defaultConfiguration": { "level": level(c.severity()) },
            })
        })
        .collect();
    let results: Vec<Value> = diags
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            if let Some(h) = &d.help {
                text.push_str(&format!(" (help: {h})"));
            }
            let mut r = json!({
                "ruleId": d.code.as_str(),
                "ruleIndex": Code::ALL.iter().position(|c| *c == d.code).unwrap_or(0),
                "level": level(d.severity),
                "message": { "text": text },
                "locations": [location(sources, d.primary_span(), None)],
            });
            let related: Vec<Value> = d
                .labels
                .iter()
                .filter(|l| !l.primary)
                .enumerate()
                .map(|(i, l)| {
                    let mut loc = location(sources, l.span, Some(&l.message));
                    loc["id"] = json!(i);
                    loc
                })
                .collect();
            if !related.is_empty() {
                r["relatedLocations"] = json!(related);
            }
            if let Some(f) = &d.fix {
                r["fixes"] = json!([{
                    "description": { "text": d.help.clone().unwrap_or_else(|| "apply the suggestion".into()) },
                    "artifactChanges": [{
                        "artifactLocation": { "uri": sources.name(f.span.file) },
                        "replacements": [{
                            "deletedRegion": region(sources, f.span),
                            "insertedContent": { "text": f.replacement },
                        }],
                    }],
                }]);
            }
            r
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "platc",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// `unknown enum value` → `UnknownEnumValue`, SARIF's readable rule name.
fn rule_name(title: &str) -> String {
    title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            cs.next().map_or(String::new(), |f| {
                f.to_ascii_uppercase().to_string() + cs.as_str()
            })
        })
        .collect()
}
