//! Reparsing only what changed, for editors. Top-level statements are cached by their text; on
//! the next parse, a statement whose text is unchanged is reused with its spans moved to where it
//! now stands. Only new or edited statements reach the parser.

use super::ast::{self, Statement, Value, ValueKind};
use super::{Scanned, parse, parse_range, scan};
use crate::diag::Diagnostic;
use crate::source::{FileId, Span};
use std::collections::HashMap;

/// Parsed statements by their source text, with spans relative to the statement's start.
#[derive(Default)]
pub struct ParseCache {
    chunks: HashMap<String, (Vec<Statement>, Vec<Diagnostic>)>,
}

fn span(s: &mut Span, file: FileId, delta: i64) {
    s.file = file;
    s.start = (s.start as i64 + delta) as u32;
    s.end = (s.end as i64 + delta) as u32;
}

fn value(v: &mut Value, file: FileId, d: i64) {
    span(&mut v.span, file, d);
    match &mut v.kind {
        ValueKind::List(items) => items.iter_mut().for_each(|i| value(i, file, d)),
        ValueKind::Map(entries) => {
            for (k, v) in entries {
                span(&mut k.span, file, d);
                value(v, file, d);
            }
        }
        ValueKind::Ref(parts) => parts.iter_mut().for_each(|p| span(&mut p.span, file, d)),
        ValueKind::Call { name, args } => {
            span(&mut name.span, file, d);
            for a in args {
                if let Some(n) = &mut a.name {
                    span(&mut n.span, file, d);
                }
                value(&mut a.value, file, d);
            }
        }
        _ => {}
    }
}

/// Moves every span of a statement by `d` bytes into `file`.
fn shift(st: &mut Statement, file: FileId, d: i64) {
    match st {
        Statement::Attribute(a) => {
            span(&mut a.span, file, d);
            span(&mut a.key.span, file, d);
            if let Some(doc) = &mut a.docs {
                span(&mut doc.span, file, d);
            }
            value(&mut a.value, file, d);
        }
        Statement::Block(b) => {
            span(&mut b.span, file, d);
            span(&mut b.kind.span, file, d);
            if let Some(doc) = &mut b.docs {
                span(&mut doc.span, file, d);
            }
            if let Some(l) = &mut b.label {
                span(&mut l.span, file, d);
            }
            for q in &mut b.qualifiers {
                span(&mut q.span, file, d);
                span(&mut q.keyword.span, file, d);
                value(&mut q.value, file, d);
            }
            if let Some(body) = &mut b.body {
                span(&mut body.span, file, d);
                body.statements.iter_mut().for_each(|s| shift(s, file, d));
            }
        }
    }
}

fn shift_diag(mut e: Diagnostic, file: FileId, d: i64) -> Diagnostic {
    for l in &mut e.labels {
        span(&mut l.span, file, d);
    }
    if let Some(f) = &mut e.fix {
        span(&mut f.span, file, d);
    }
    e
}

/// `parse`, reusing the statements of `cache` whose text is unchanged. The cache then holds
/// exactly this text's statements.
pub fn parse_incremental(
    file: FileId,
    text: &str,
    cache: &mut ParseCache,
) -> (ast::File, Vec<Diagnostic>) {
    // What `parse` treats before scanning (a byte order mark, a lone `\r`) it treats alone.
    if text.starts_with('\u{feff}') || super::lone_carriage_return(file, text).is_some() {
        return parse(file, text);
    }
    let Ok(Scanned { comments, starts }) = scan(file, text) else {
        return parse(file, text);
    };
    let mut bounds = starts;
    bounds.push(text.len());
    let hits = bounds
        .windows(2)
        .filter(|w| cache.chunks.contains_key(&text[w[0]..w[1]]))
        .count();
    // Mostly new text (the first parse): batching beats statement-by-statement parsing.
    if hits * 2 < bounds.len() - 1 {
        let (tree, errors) = parse(file, text);
        let mut fresh: HashMap<String, (Vec<Statement>, Vec<Diagnostic>)> = HashMap::new();
        let mut statements = tree.statements.iter().peekable();
        let mut errs = errors.iter().peekable();
        for w in bounds.windows(2) {
            let (start, end) = (w[0], w[1]);
            let mut entry = (Vec::new(), Vec::new());
            while let Some(st) = statements.next_if(|s| (s.span().start as usize) < end) {
                let mut st = st.clone();
                shift(&mut st, file, -(start as i64));
                entry.0.push(st);
            }
            while let Some(e) = errs.next_if(|e| (e.primary_span().start as usize) < end) {
                entry.1.push(shift_diag(e.clone(), file, -(start as i64)));
            }
            if entry.1.is_empty() {
                fresh.insert(text[start..end].to_string(), entry);
            }
        }
        cache.chunks = fresh;
        return (tree, errors);
    }
    let mut out = ast::File {
        id: file,
        statements: Vec::new(),
        comments,
    };
    let mut errors = Vec::new();
    let mut fresh: HashMap<String, (Vec<Statement>, Vec<Diagnostic>)> =
        HashMap::with_capacity(bounds.len());
    for w in bounds.windows(2) {
        let (start, end) = (w[0], w[1]);
        let chunk = &text[start..end];
        // A hit moves the old key along: unchanged text costs no allocation.
        let (key, entry) = match cache
            .chunks
            .remove_entry(chunk)
            .or_else(|| fresh.get(chunk).map(|e| (chunk.to_string(), e.clone())))
        {
            Some(hit) => hit,
            None => {
                // Parsed in place: an error may name what follows the statement (a block left
                // open is reported at the next one), as a full parse does.
                let (mut sts, mut errs) = (Vec::new(), Vec::new());
                parse_range(file, text, start, end, &mut sts, Some(&mut errs));
                for st in &mut sts {
                    shift(st, file, -(start as i64));
                }
                let errs = errs
                    .into_iter()
                    .map(|e| shift_diag(e, file, -(start as i64)))
                    .collect();
                (chunk.to_string(), (sts, errs))
            }
        };
        for st in &entry.0 {
            let mut st = st.clone();
            shift(&mut st, file, start as i64);
            out.statements.push(st);
        }
        errors.extend(
            entry
                .1
                .iter()
                .cloned()
                .map(|e| shift_diag(e, file, start as i64)),
        );
        // What a statement with an error says may depend on the text after it: it is parsed
        // again next time rather than reused.
        if entry.1.is_empty() {
            fresh.insert(key, entry);
        }
    }
    cache.chunks = fresh;
    (out, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(f: &ast::File) -> String {
        format!("{:?}", f.statements)
    }

    #[test]
    fn reuse_gives_what_a_full_parse_gives() {
        let mut cache = ParseCache::default();
        let v1 = "vault \"a\" { sku = premium }\n\nlogs \"l\" { retention_days = 30 }\nregistry \"r\" { }\n";
        let (t1, _) = parse_incremental(0, v1, &mut cache);
        assert_eq!(strip(&t1), strip(&parse(0, v1).0));
        // Edit the first statement: the others move and are reused.
        let v2 = "vault \"a\" { sku = standard  purge_protection = true }\n\nlogs \"l\" { retention_days = 30 }\nregistry \"r\" { sku = }\n";
        let (t2, e2) = parse_incremental(0, v2, &mut cache);
        let (full, full_errors) = parse(0, v2);
        assert_eq!(strip(&t2), strip(&full));
        assert_eq!(e2, full_errors);
        let v3 = "// new comment\nvault \"a\" { sku = standard  purge_protection = true }\n\nlogs \"l\" { retention_days = 30 }\nregistry \"r\" { sku = }\n";
        let (t3, e3) = parse_incremental(0, v3, &mut cache);
        let (full, full_errors) = parse(0, v3);
        assert_eq!(strip(&t3), strip(&full));
        assert_eq!(e3, full_errors);
        assert_eq!(t3.comments.len(), 1);
        // A block left open is reported at the statement after it, whichever way it is parsed.
        let v4 = v3.replace("purge_protection = true }", "purge_protection = true");
        let (t4, e4) = parse_incremental(0, &v4, &mut cache);
        let (full, full_errors) = parse(0, &v4);
        assert_eq!(strip(&t4), strip(&full));
        assert_eq!(e4, full_errors);
        assert!(e4[0].message.contains("before `logs`"), "{e4:?}");
    }
}
