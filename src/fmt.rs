//! `platc fmt`: one canonical layout for `.plat` files. Every `//` comment and every blank-line
//! group is kept; the output is a fixed point (formatting it again changes nothing) and means the
//! same as the input. A block written on one line, holding only fields and no comment, stays on one
//! line while it fits in the width; everything else is one statement per line.

use crate::pretty::{Writer, fits};
use crate::source::Span;
use crate::syntax::ast::{self, Statement, Value, ValueKind};
use crate::syntax::quoted;

struct Fmt<'a> {
    text: &'a str,
    comments: &'a [ast::Comment],
    /// Comments already written, by index.
    used: Vec<bool>,
    w: Writer,
}

/// Formats a parsed file. `text` is the source it was parsed from.
pub fn format(file: &ast::File, text: &str) -> String {
    let mut f = Fmt {
        text,
        comments: &file.comments,
        used: vec![false; file.comments.len()],
        w: Writer::new(),
    };
    f.statements(&file.statements, 0, 0, text.len());
    let mut out = f.w.finish();
    if out.is_empty() {
        out.push('\n');
    }
    out
}

/// `format`, verified: the result must parse to the same program with the same comments, or the
/// source is left as it is and the reason returned.
pub fn format_checked(file: &ast::File, text: &str) -> Result<String, String> {
    let out = format(file, text);
    let (again, errors) = crate::syntax::parse(file.id, &out);
    if !errors.is_empty() {
        return Err(format!(
            "the formatted text does not parse: {}",
            errors[0].message
        ));
    }
    let before: Vec<&str> = file.comments.iter().map(|c| c.text.as_str()).collect();
    let after: Vec<&str> = again.comments.iter().map(|c| c.text.as_str()).collect();
    if before != after {
        return Err("formatting would lose or reorder a comment".into());
    }
    if !same_statements(&file.statements, &again.statements) {
        return Err("formatting would change the program".into());
    }
    Ok(out)
}

fn same_statements(a: &[Statement], b: &[Statement]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x, y) {
            (Statement::Attribute(p), Statement::Attribute(q)) => {
                p.key.name == q.key.name
                    && p.docs.as_ref().map(|d| &d.text) == q.docs.as_ref().map(|d| &d.text)
                    && same_value(&p.value, &q.value)
            }
            (Statement::Block(p), Statement::Block(q)) => {
                p.kind.name == q.kind.name
                    && p.docs.as_ref().map(|d| &d.text) == q.docs.as_ref().map(|d| &d.text)
                    && p.label.as_ref().map(|l| &l.text) == q.label.as_ref().map(|l| &l.text)
                    && p.qualifiers.len() == q.qualifiers.len()
                    && p.qualifiers.iter().zip(&q.qualifiers).all(|(m, n)| {
                        m.keyword.name == n.keyword.name && same_value(&m.value, &n.value)
                    })
                    && p.body.is_some() == q.body.is_some()
                    && same_statements(p.statements(), q.statements())
            }
            _ => false,
        })
}

fn same_value(a: &Value, b: &Value) -> bool {
    match (&a.kind, &b.kind) {
        (ValueKind::List(x), ValueKind::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_value(p, q))
        }
        (ValueKind::Map(x), ValueKind::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k, p), (l, q))| k.name == l.name && same_value(p, q))
        }
        (ValueKind::Ref(x), ValueKind::Ref(y)) => {
            x.iter().map(|i| &i.name).eq(y.iter().map(|i| &i.name))
        }
        (ValueKind::Call { name: f, args: x }, ValueKind::Call { name: g, args: y }) => {
            f.name == g.name
                && x.len() == y.len()
                && x.iter().zip(y).all(|(p, q)| {
                    p.name.as_ref().map(|n| &n.name) == q.name.as_ref().map(|n| &n.name)
                        && same_value(&p.value, &q.value)
                })
        }
        (ValueKind::Str(x), ValueKind::Str(y))
        | (ValueKind::Word(x), ValueKind::Word(y))
        | (ValueKind::Cidr(x), ValueKind::Cidr(y))
        | (ValueKind::Ip(x), ValueKind::Ip(y)) => x == y,
        (ValueKind::Int(x), ValueKind::Int(y)) => x == y,
        (ValueKind::Bool(x), ValueKind::Bool(y)) => x == y,
        (ValueKind::Duration { millis: x }, ValueKind::Duration { millis: y }) => x == y,
        (ValueKind::Range(a1, b1), ValueKind::Range(a2, b2)) => a1 == a2 && b1 == b2,
        _ => false,
    }
}

fn is_word(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && s != "on"
        && s != "in"
}

fn duration(millis: u64) -> String {
    const UNITS: [(u64, &str); 4] = [
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "m"),
        (1_000, "s"),
    ];
    for (size, unit) in UNITS {
        if millis > 0 && millis.is_multiple_of(size) {
            return format!("{}{unit}", millis / size);
        }
    }
    format!("{millis}ms")
}

impl Fmt<'_> {
    /// Whether the source between two offsets holds a blank line.
    fn blank_between(&self, from: usize, to: usize) -> bool {
        let gap = &self.text[from.min(to)..to];
        // Skip the rest of `from`'s line; the last piece is the start of `to`'s line.
        let lines: Vec<&str> = gap.split('\n').skip(1).collect();
        lines.len() >= 2 && lines[..lines.len() - 1].iter().any(|l| l.trim().is_empty())
    }

    fn has_comment(&self, span: Span) -> bool {
        self.comments
            .iter()
            .any(|c| c.span.start >= span.start && c.span.end <= span.end)
    }

    /// Comments that start in `[from, to)` and are not written yet, with their indices.
    fn comments_in(&self, from: usize, to: usize) -> Vec<usize> {
        (0..self.comments.len())
            .filter(|&i| {
                !self.used[i]
                    && (self.comments[i].span.start as usize) >= from
                    && (self.comments[i].span.start as usize) < to
            })
            .collect()
    }

    /// Writes the comments between `from` and `to` on their own lines, keeping blank lines
    /// between groups. `last` is where the previous output ended, to keep a blank line before.
    fn leading(&mut self, from: usize, to: usize, depth: usize, mut last: usize) -> usize {
        for i in self.comments_in(from, to) {
            let c = &self.comments[i];
            if last > 0 && self.blank_between(last, c.span.start as usize) {
                self.w.blank();
            }
            let text = c.text.clone();
            self.w.line(depth, &text);
            self.used[i] = true;
            last = c.span.end as usize;
        }
        last
    }

    /// A comment on the same line as `end`, written after the statement.
    fn trailing(&mut self, end: usize) -> String {
        let line_end = self.text[end..]
            .find('\n')
            .map_or(self.text.len(), |n| end + n);
        match self.comments_in(end, line_end).first() {
            Some(&i) => {
                self.used[i] = true;
                format!("  {}", self.comments[i].text)
            }
            None => String::new(),
        }
    }

    fn statements(&mut self, stmts: &[Statement], depth: usize, from: usize, to: usize) {
        let mut last = from;
        let mut first = true;
        for st in stmts {
            let span = st.span();
            let start = match st {
                Statement::Attribute(a) => a
                    .docs
                    .as_ref()
                    .map_or(span.start, |d| d.span.start.min(span.start)),
                Statement::Block(b) => b
                    .docs
                    .as_ref()
                    .map_or(span.start, |d| d.span.start.min(span.start)),
            } as usize;
            let comments_before = !self.comments_in(last, start).is_empty();
            if !first && !comments_before && self.blank_between(last, start) {
                self.w.blank();
            }
            last = self.leading(last, start, depth, if first { 0 } else { last });
            if comments_before && self.blank_between(last, start) {
                self.w.blank();
            }
            self.statement(st, depth);
            last = span.end as usize;
            first = false;
        }
        // Comments after the last statement, before the block closes.
        self.leading(last, to, depth, if first { 0 } else { last });
    }

    fn docs(&mut self, docs: &Option<Box<ast::Docs>>, depth: usize) {
        if let Some(d) = docs {
            for line in d.text.lines() {
                if line.is_empty() {
                    self.w.line(depth, "///");
                } else {
                    self.w.line(depth, &format!("/// {line}"));
                }
            }
        }
    }

    fn statement(&mut self, st: &Statement, depth: usize) {
        match st {
            Statement::Attribute(a) => {
                self.docs(&a.docs, depth);
                let value = self.value(&a.value, depth);
                let trailing = self.trailing(a.span.end as usize);
                let first_line = format!("{} = ", a.key.name);
                self.multiline(depth, &first_line, &value, &trailing);
            }
            Statement::Block(b) => {
                self.docs(&b.docs, depth);
                let mut head = b.kind.name.as_str().to_owned();
                if let Some(l) = &b.label {
                    head.push(' ');
                    head.push_str(&if l.quoted || !is_word(&l.text) {
                        quoted(&l.text)
                    } else {
                        l.text.as_str().to_owned()
                    });
                }
                for q in &b.qualifiers {
                    head.push_str(&format!(
                        " {} {}",
                        q.keyword.name,
                        self.value(&q.value, depth)
                    ));
                }
                let Some(body) = &b.body else {
                    let trailing = self.trailing(b.span.end as usize);
                    self.w.line(depth, &format!("{head}{trailing}"));
                    return;
                };
                if body.statements.is_empty() && !self.has_comment(body.span) {
                    let trailing = self.trailing(b.span.end as usize);
                    self.w.line(depth, &format!("{head} {{ }}{trailing}"));
                    return;
                }
                // As in Prettier's objects: a block the author wrote on one line stays on one line
                // if it can; one written over several lines stays that way.
                let inline = body
                    .statements
                    .iter()
                    .all(|s| matches!(s, Statement::Attribute(a) if a.docs.is_none()))
                    && !self.has_comment(body.span)
                    && !self.text[body.span.range()].contains('\n');
                if inline {
                    let parts: Vec<String> = body
                        .statements
                        .iter()
                        .filter_map(|s| match s {
                            Statement::Attribute(a) => {
                                Some(format!("{} = {}", a.key.name, self.value(&a.value, depth)))
                            }
                            _ => None,
                        })
                        .collect();
                    let line = format!("{head} {{ {} }}", parts.join("  "));
                    if fits(depth, &line) {
                        let trailing = self.trailing(b.span.end as usize);
                        self.w.line(depth, &format!("{line}{trailing}"));
                        return;
                    }
                }
                let open_trailing = self.trailing(body.span.start as usize + 1);
                self.w.line(depth, &format!("{head} {{{open_trailing}"));
                self.statements(
                    &body.statements,
                    depth + 1,
                    body.span.start as usize + 1,
                    body.span.end as usize - 1,
                );
                let trailing = self.trailing(b.span.end as usize);
                self.w.line(depth, &format!("}}{trailing}"));
            }
        }
    }

    /// Writes `prefix` + a possibly multi-line value + `suffix`.
    fn multiline(&mut self, depth: usize, prefix: &str, value: &str, suffix: &str) {
        let mut lines = value.lines();
        let first = lines.next().unwrap_or_default();
        let rest: Vec<&str> = lines.collect();
        if rest.is_empty() {
            self.w.line(depth, &format!("{prefix}{first}{suffix}"));
            return;
        }
        self.w.line(depth, &format!("{prefix}{first}"));
        for (i, l) in rest.iter().enumerate() {
            // Continuation lines carry their own indentation relative to `depth`.
            let text = if i + 1 == rest.len() {
                format!("{l}{suffix}")
            } else {
                l.to_string()
            };
            self.w.line(depth, &text);
        }
    }

    /// A value as text; multi-line values have continuation lines indented relative to the line
    /// the value starts on.
    fn value(&mut self, v: &Value, depth: usize) -> String {
        // Comments inside a value cannot be placed by the layout rules: keep its text as written.
        if self.has_comment(v.span) {
            for i in 0..self.comments.len() {
                if self.comments[i].span.start >= v.span.start
                    && self.comments[i].span.end <= v.span.end
                {
                    self.used[i] = true;
                }
            }
            return as_written(&self.text[v.span.range()]);
        }
        let pad = Writer::indent(1);
        match &v.kind {
            ValueKind::Str(s) => quoted(s),
            ValueKind::Int(i) => i.to_string(),
            ValueKind::Bool(b) => b.to_string(),
            ValueKind::Duration { millis } => duration(*millis),
            ValueKind::Cidr(s) | ValueKind::Ip(s) | ValueKind::Word(s) => s.to_string(),
            ValueKind::Range(a, b) => format!("{a}..{b}"),
            ValueKind::Ref(parts) => parts
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join("."),
            ValueKind::List(items) => {
                let parts: Vec<String> = items.iter().map(|i| self.value(i, depth + 1)).collect();
                let inline = format!("[{}]", parts.join(", "));
                if parts.is_empty() || fits(depth + 2, &inline) {
                    inline
                } else {
                    let body: Vec<String> =
                        parts.iter().map(|p| indent_block(p, &pad) + ",").collect();
                    format!("[\n{}\n]", body.join("\n"))
                }
            }
            ValueKind::Map(entries) => {
                let parts: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| {
                        let key = if is_word(&k.name) {
                            k.name.as_str().to_owned()
                        } else {
                            quoted(&k.name)
                        };
                        format!("{key} = {}", self.value(v, depth + 1))
                    })
                    .collect();
                let inline = if parts.is_empty() {
                    "{}".to_string()
                } else {
                    format!("{{ {} }}", parts.join(", "))
                };
                if parts.is_empty() || fits(depth + 2, &inline) {
                    inline
                } else {
                    let body: Vec<String> = parts.iter().map(|p| indent_block(p, &pad)).collect();
                    format!("{{\n{}\n}}", body.join("\n"))
                }
            }
            ValueKind::Call { name, args } => {
                let parts: Vec<String> = args
                    .iter()
                    .map(|a| match &a.name {
                        Some(n) => format!("{} = {}", n.name, self.value(&a.value, depth + 1)),
                        None => self.value(&a.value, depth + 1),
                    })
                    .collect();
                format!("{}({})", name.name, parts.join(", "))
            }
        }
    }
}

fn indent_block(text: &str, pad: &str) -> String {
    text.lines()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A value kept as written, its continuation lines indented relative to the least indented of
/// them (`multiline` puts that one at the value's own depth): as written, they carry the file's
/// indentation, which formatting again would add a second time.
fn as_written(text: &str) -> String {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    let rest: Vec<&str> = lines.collect();
    let indent = |l: &str| l.chars().take_while(|c| c.is_whitespace()).count();
    let strip = rest
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| indent(l))
        .min()
        .unwrap_or(0);
    let mut out = String::from(first);
    for l in rest {
        out.push('\n');
        let skip: usize = l
            .chars()
            .take(strip.min(indent(l)))
            .map(char::len_utf8)
            .sum();
        out.push_str(&l[skip..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(src: &str) -> String {
        let (file, errors) = crate::syntax::parse(0, src);
        assert!(errors.is_empty(), "{errors:?}");
        format(&file, src)
    }

    #[test]
    fn canonical_layout_keeps_comments_and_blank_groups() {
        let src = "// head\n\n\n/// Docs.\nvault   \"kv\"{sku=premium   soft_delete_days=30}\nlogs \"ops\" { retention_days = 30 } // trailing\n\ncluster \"main\" {\n  // inside\n  pool \"system\" { vm_size = \"x\"  count = 3 }\n\n\n  extension flux\n  tags = {a=\"b\",c=\"d\"}\n  rotation = 120s\n}\n";
        let out = fmt(src);
        assert_eq!(
            out,
            "// head\n\n/// Docs.\nvault \"kv\" { sku = premium  soft_delete_days = 30 }\nlogs \"ops\" { retention_days = 30 }  // trailing\n\ncluster \"main\" {\n  // inside\n  pool \"system\" { vm_size = \"x\"  count = 3 }\n\n  extension flux\n  tags = { a = \"b\", c = \"d\" }\n  rotation = 2m\n}\n"
        );
        assert_eq!(fmt(&out), out, "formatting is idempotent");
    }
}
