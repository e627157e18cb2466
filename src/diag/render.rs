//! Adapters from `Diagnostic` to what a reader sees: codespan-reporting for terminals, JSON for tools.

use super::{Diagnostic, Severity};
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
                    let (line, column) = sources.line_col(l.span.file, l.span.start as usize);
                    let (end_line, end_column) = sources.line_col(l.span.file, l.span.end as usize);
                    json!({
                        "file": sources.name(l.span.file),
                        "start": { "line": line, "column": column, "offset": l.span.start },
                        "end": { "line": end_line, "column": end_column, "offset": l.span.end },
                        "message": l.message,
                        "primary": l.primary,
                    })
                })
                .collect();
            json!({
                "severity": d.severity.as_str(),
                "code": d.code.as_str(),
                "message": d.message,
                "labels": labels,
                "notes": d.notes,
                "help": d.help,
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
