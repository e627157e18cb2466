//! A hand-written recogniser for the grammar in `grammar/plat.pest`, for well-formed text only.
//!
//! The pest grammar stays the definition of the language and the source of every syntax error;
//! this module exists because a generated PEG parser reads ~10 MB/s, and platforms with thousands
//! of declarations are checked on every keystroke. It follows the grammar's ordered choices one
//! for one, so where it succeeds it yields exactly the tree the grammar's parse would (a
//! differential test and a fuzz target hold it to that). At anything unusual (a syntax error, an
//! escape in a string, a number that overflows) it gives up, and the caller parses that text with
//! pest, which then reports or builds it.

use super::ast;
use crate::source::{FileId, Span};

/// Gave up: the caller parses the text with the grammar instead.
struct Bail;

type R<T> = Result<T, Bail>;

struct P<'a> {
    text: &'a str,
    b: &'a [u8],
    pos: usize,
    end: usize,
    file: FileId,
    stacks: Stacks,
}

/// Per byte: bit 1 where a name may go on with it, bit 2 where a name may start with it.
const NAME: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_alphabetic() || b == b'_' {
            t[c] = 3;
        } else if b.is_ascii_digit() || b == b'-' {
            t[c] = 1;
        }
        c += 1;
    }
    t
};

fn ident_start(c: u8) -> bool {
    NAME[usize::from(c)] & 2 != 0
}

fn ident_char(c: u8) -> bool {
    NAME[usize::from(c)] & 1 != 0
}

/// Bodies, lists and qualifiers are built on the parser's stacks and moved into a vector of
/// their exact size when complete: most hold one or two items, and a vector grown item by item
/// reserves four slots and is then shrunk, a reallocation for nearly every node of the tree.
trait Stack<T> {
    fn stack(&mut self) -> &mut Vec<T>;
}

macro_rules! stacks {
    ($($field:ident: $t:ty),* $(,)?) => {
        #[derive(Default)]
        struct Stacks {
            $($field: Vec<$t>,)*
        }
        $(impl Stack<$t> for P<'_> {
            fn stack(&mut self) -> &mut Vec<$t> {
                &mut self.stacks.$field
            }
        })*
    };
}

stacks! {
    statements: ast::Statement,
    qualifiers: ast::Qualifier,
    values: ast::Value,
    entries: (ast::Ident, ast::Value),
    arguments: ast::Argument,
    idents: ast::Ident,
}

/// Appends the statements in `text[start..end]`, with spans in the whole text, to `out`; false
/// (and `out` as it was) where the grammar must decide.
pub(super) fn statements(
    file: FileId,
    text: &str,
    start: usize,
    end: usize,
    out: &mut Vec<ast::Statement>,
) -> bool {
    let mut p = P {
        text,
        b: text.as_bytes(),
        pos: start,
        end,
        file,
        stacks: Stacks::default(),
    };
    let before = out.len();
    p.skip();
    while p.pos < p.end {
        match p.statement() {
            Ok(s) => out.push(s),
            Err(Bail) => {
                out.truncate(before);
                return false;
            }
        }
        p.skip();
    }
    true
}

impl P<'_> {
    /// Where the items of a list being built begin on its stack.
    fn mark<T>(&mut self) -> usize
    where
        Self: Stack<T>,
    {
        self.stack().len()
    }

    /// The items pushed since `mark`, in a vector of exactly their number.
    fn take<T>(&mut self, mark: usize) -> Vec<T>
    where
        Self: Stack<T>,
    {
        self.stack().drain(mark..).collect()
    }

    /// The byte at `i`, or 0 past the end of the text being parsed (the grammar sees no further).
    fn at(&self, i: usize) -> u8 {
        if i < self.end { self.b[i] } else { 0 }
    }

    fn peek(&self) -> u8 {
        self.at(self.pos)
    }

    fn starts(&self, i: usize, s: &[u8]) -> bool {
        i + s.len() <= self.end && &self.b[i..i + s.len()] == s
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    /// The grammar's implicit WHITESPACE and COMMENT between tokens.
    fn skip(&mut self) {
        loop {
            while matches!(self.peek(), b' ' | b'\t' | b'\r' | b'\n') {
                self.pos += 1;
            }
            if self.starts(self.pos, b"//") && self.at(self.pos + 2) != b'/' {
                while self.pos < self.end && self.b[self.pos] != b'\n' {
                    self.pos += 1;
                }
            } else {
                return;
            }
        }
    }

    fn ident_end(&self, i: usize) -> usize {
        let rest = self.b.get(i..self.end).unwrap_or_default();
        i + rest
            .iter()
            .position(|&c| !ident_char(c))
            .unwrap_or(rest.len())
    }

    fn ident(&mut self) -> R<ast::Ident> {
        if !ident_start(self.peek()) {
            return Err(Bail);
        }
        let start = self.pos;
        self.pos = self.ident_end(start + 1);
        Ok(ast::Ident {
            name: ast::Text::from(&self.text[start..self.pos]),
            span: self.span(start, self.pos),
        })
    }

    /// `on` or `in` as a whole word.
    fn keyword_at(&self, i: usize) -> bool {
        (self.starts(i, b"on") || self.starts(i, b"in")) && !ident_char(self.at(i + 2))
    }

    fn statement(&mut self) -> R<ast::Statement> {
        let start = self.pos;
        let docs = if self.starts(self.pos, b"///") {
            let d = self.docs();
            self.skip();
            Some(Box::new(d))
        } else {
            None
        };
        let key = self.ident()?;
        self.skip();
        if self.peek() == b'=' {
            self.pos += 1;
            self.skip();
            let value = self.value()?;
            let end = value.span.end as usize;
            return Ok(ast::Statement::Attribute(ast::Attribute {
                docs,
                key,
                value,
                span: self.span(start, end),
            }));
        }
        let label = if self.peek() == b'"' {
            let s = self.pos;
            let text = self.string()?;
            Some(ast::Label {
                text,
                quoted: true,
                span: self.span(s, self.pos),
            })
        } else if ident_start(self.peek()) && !self.keyword_at(self.pos) {
            let id = self.ident()?;
            Some(ast::Label {
                text: id.name,
                quoted: false,
                span: id.span,
            })
        } else {
            None
        };
        if label.is_some() {
            self.skip();
        }
        let qualifiers = self.mark::<ast::Qualifier>();
        while self.keyword_at(self.pos) {
            let s = self.pos;
            let keyword = ast::Ident {
                name: ast::Text::from(&self.text[s..s + 2]),
                span: self.span(s, s + 2),
            };
            self.pos += 2;
            self.skip();
            let value = self.value()?;
            let end = value.span.end as usize;
            let q = ast::Qualifier {
                keyword,
                value,
                span: self.span(s, end),
            };
            self.stack().push(q);
            self.skip();
        }
        let qualifiers: Vec<ast::Qualifier> = self.take(qualifiers);
        let body = if self.peek() == b'{' {
            let s = self.pos;
            self.pos += 1;
            self.skip();
            let statements = self.mark::<ast::Statement>();
            while self.peek() != b'}' {
                if self.pos >= self.end {
                    return Err(Bail);
                }
                let st = self.statement()?;
                self.stack().push(st);
                self.skip();
            }
            self.pos += 1;
            Some(ast::Body {
                statements: self.take(statements),
                span: self.span(s, self.pos),
            })
        } else {
            None
        };
        let end = match (&body, qualifiers.last(), &label) {
            (Some(b), _, _) => b.span.end,
            (None, Some(q), _) => q.span.end,
            (None, None, Some(l)) => l.span.end,
            (None, None, None) => key.span.end,
        };
        Ok(ast::Statement::Block(ast::Block {
            docs,
            kind: key,
            label,
            qualifiers,
            body,
            span: Span {
                end,
                ..self.span(start, start)
            },
        }))
    }

    /// `///` lines, with only whitespace between them.
    fn docs(&mut self) -> ast::Docs {
        let start = self.pos;
        let mut lines: Vec<&str> = Vec::new();
        let mut end;
        loop {
            let s = self.pos;
            while self.pos < self.end && self.b[self.pos] != b'\n' {
                self.pos += 1;
            }
            end = self.pos;
            let t = self.text[s..end].trim_start_matches('/');
            lines.push(t.strip_prefix(' ').unwrap_or(t).trim_end());
            let mut j = self.pos;
            while matches!(self.at(j), b' ' | b'\t' | b'\r' | b'\n') {
                j += 1;
            }
            if self.starts(j, b"///") {
                self.pos = j;
            } else {
                self.pos = end;
                break;
            }
        }
        ast::Docs {
            text: lines.join("\n").trim().to_string(),
            span: self.span(start, end),
        }
    }

    /// A string without escapes or control characters: those the grammar's builder decodes and
    /// reports.
    fn string(&mut self) -> R<ast::Text> {
        let s = self.pos + 1;
        let mut j = s;
        loop {
            match self.at(j) {
                b'"' => break,
                b'\\' | b'\n' | 0 => return Err(Bail),
                c if c < 0x20 || c == 0x7f => return Err(Bail),
                _ => j += 1,
            }
        }
        let raw = &self.text[s..j];
        // Control characters beyond ASCII also go to the builder, which reports them.
        if !raw.is_ascii() && raw.chars().any(|c| c.is_control()) {
            return Err(Bail);
        }
        self.pos = j + 1;
        Ok(ast::Text::from(raw))
    }

    fn digits_end(&self, i: usize) -> usize {
        let mut j = i;
        while self.at(j).is_ascii_digit() {
            j += 1;
        }
        j
    }

    fn int(&self, from: usize, to: usize) -> R<i64> {
        self.text[from..to].parse().map_err(|_| Bail)
    }

    /// Four octets of one to three digits joined by dots; where they end.
    fn octets(&self, i: usize) -> Option<usize> {
        let mut j = i;
        for n in 0..4 {
            if n > 0 {
                if self.at(j) != b'.' {
                    return None;
                }
                j += 1;
            }
            let s = j;
            while j - s < 3 && self.at(j).is_ascii_digit() {
                j += 1;
            }
            if j == s {
                return None;
            }
        }
        Some(j)
    }

    /// The grammar's numeric alternatives in its order: range, cidr, ip, duration, number.
    /// Whether a duration's unit follows a number at `i` after spaces (`30 d`), which the grammar
    /// reads as a mistake of its own.
    fn spaced_unit(&self, i: usize) -> bool {
        let mut j = i;
        while matches!(self.at(j), b' ' | b'\t') {
            j += 1;
        }
        let len = if self.starts(j, b"ms") {
            2
        } else if matches!(self.at(j), b's' | b'm' | b'h' | b'd') {
            1
        } else {
            0
        };
        if j == i || len == 0 || ident_char(self.at(j + len)) {
            return false;
        }
        // `{ a = 1 d = 2 }`: a map's next key, not a unit.
        let mut k = j + len;
        while matches!(self.at(k), b' ' | b'\t') {
            k += 1;
        }
        self.at(k) != b'='
    }

    fn numeric(&mut self) -> R<ast::ValueKind> {
        let start = self.pos;
        let d = self.digits_end(start);
        if self.starts(d, b"..") && self.at(d + 2).is_ascii_digit() {
            let e = self.digits_end(d + 2);
            let kind = ast::ValueKind::Range(self.int(start, d)?, self.int(d + 2, e)?);
            self.pos = e;
            return Ok(kind);
        }
        if let Some(o) = self.octets(start) {
            if self.at(o) == b'/' && self.at(o + 1).is_ascii_digit() {
                self.pos = self.digits_end(o + 1);
                return Ok(ast::ValueKind::Cidr(ast::Text::from(
                    &self.text[start..self.pos],
                )));
            }
            if !matches!(self.at(o), b'/' | b'.') && !self.at(o).is_ascii_digit() {
                self.pos = o;
                return Ok(ast::ValueKind::Ip(ast::Text::from(&self.text[start..o])));
            }
        }
        let unit = if self.starts(d, b"ms") {
            Some((2, 1))
        } else {
            match self.at(d) {
                b's' => Some((1, 1_000)),
                b'm' => Some((1, 60_000)),
                b'h' => Some((1, 3_600_000)),
                b'd' => Some((1, 86_400_000)),
                _ => None,
            }
        };
        if let Some((len, millis)) = unit
            && !ident_char(self.at(d + len))
        {
            let n = self.int(start, d)?.max(0) as u64;
            self.pos = d + len;
            return Ok(ast::ValueKind::Duration {
                millis: n.saturating_mul(millis),
            });
        }
        if ident_char(self.at(d)) || self.at(d) == b'.' || self.spaced_unit(d) {
            return Err(Bail);
        }
        let n = self.int(start, d)?;
        self.pos = d;
        Ok(ast::ValueKind::Int(n))
    }

    /// From an opening bracket at the current position: items separated by commas, a trailing
    /// comma allowed, up to `close` (the grammar's lists and call arguments).
    fn separated<T>(&mut self, close: u8, mut item: impl FnMut(&mut Self) -> R<T>) -> R<Vec<T>>
    where
        Self: Stack<T>,
    {
        self.pos += 1;
        self.skip();
        let items = self.mark::<T>();
        if self.peek() != close {
            let first = item(self)?;
            self.stack().push(first);
            self.skip();
            while self.peek() == b',' {
                self.pos += 1;
                self.skip();
                if self.peek() == close {
                    break;
                }
                let next = item(self)?;
                self.stack().push(next);
                self.skip();
            }
        }
        if self.peek() != close {
            return Err(Bail);
        }
        self.pos += 1;
        Ok(self.take(items))
    }

    fn value(&mut self) -> R<ast::Value> {
        let start = self.pos;
        let kind = match self.peek() {
            b'"' => ast::ValueKind::Str(self.string()?),
            b'[' => ast::ValueKind::List(self.separated(b']', Self::value)?),
            b'{' => {
                self.pos += 1;
                self.skip();
                let entries = self.mark::<(ast::Ident, ast::Value)>();
                while self.peek() != b'}' {
                    let key = if self.peek() == b'"' {
                        let s = self.pos;
                        let name = self.string()?;
                        ast::Ident {
                            name,
                            span: self.span(s, self.pos),
                        }
                    } else {
                        self.ident()?
                    };
                    self.skip();
                    if self.peek() != b'=' {
                        return Err(Bail);
                    }
                    self.pos += 1;
                    self.skip();
                    let v = self.value()?;
                    self.stack().push((key, v));
                    self.skip();
                    if self.peek() == b',' {
                        self.pos += 1;
                        self.skip();
                    }
                }
                self.pos += 1;
                ast::ValueKind::Map(self.take(entries))
            }
            b'-' => {
                let d = self.digits_end(start + 1);
                if d == start + 1 || ident_char(self.at(d)) || self.at(d) == b'.' {
                    return Err(Bail);
                }
                let n = self.int(start, d)?;
                self.pos = d;
                ast::ValueKind::Int(n)
            }
            c if c.is_ascii_digit() => self.numeric()?,
            c if ident_start(c) => self.word()?,
            _ => return Err(Bail),
        };
        Ok(ast::Value {
            kind,
            span: self.span(start, self.pos),
        })
    }

    /// The grammar's alternatives that start with a name, in its order: call, boolean,
    /// reference, bare word.
    fn word(&mut self) -> R<ast::ValueKind> {
        let name = self.ident()?;
        let after = self.pos;
        self.skip();
        if self.peek() == b'(' {
            let args = self.separated(b')', Self::argument)?;
            return Ok(ast::ValueKind::Call {
                name: Box::new(name),
                args,
            });
        }
        self.pos = after;
        if name.name == "true" || name.name == "false" {
            return Ok(ast::ValueKind::Bool(name.name == "true"));
        }
        if self.peek() == b'.' {
            let parts = self.mark::<ast::Ident>();
            self.stack().push(name);
            while self.peek() == b'.' {
                self.pos += 1;
                let part = self.ident()?;
                self.stack().push(part);
            }
            return Ok(ast::ValueKind::Ref(self.take(parts)));
        }
        Ok(ast::ValueKind::Word(name.name))
    }

    fn argument(&mut self) -> R<ast::Argument> {
        if ident_start(self.peek()) {
            let s = self.pos;
            let e = self.ident_end(s + 1);
            // `name = value`: the name, then (past whitespace and comments) one `=`.
            self.pos = e;
            self.skip();
            if self.peek() == b'=' {
                let name = ast::Ident {
                    name: ast::Text::from(&self.text[s..e]),
                    span: self.span(s, e),
                };
                self.pos += 1;
                self.skip();
                let value = self.value()?;
                return Ok(ast::Argument {
                    name: Some(name),
                    value,
                });
            }
            self.pos = s;
        }
        Ok(ast::Argument {
            name: None,
            value: self.value()?,
        })
    }
}
