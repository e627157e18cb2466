//! Text to syntax tree. The pest grammar lives in `grammar/plat.pest`; this module turns its pairs
//! into `ast` nodes with spans and its errors into coded diagnostics worded for people.

pub mod ast;
mod fast;
pub mod incremental;
mod mistakes;

use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, Span};
use pest::Parser as _;
use pest::iterators::Pair;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/plat.pest"]
struct PlatParser;

/// Nesting beyond this is refused before parsing: the recursive-descent parser would otherwise
/// exhaust the stack on adversarial input, and no real platform nests this deep.
const MAX_NESTING: usize = 64;

/// Parses one file, one top-level statement at a time: a syntax error costs only the statement it
/// is in, so one run reports an error per broken declaration and still checks the rest. Parsing
/// statement by statement also keeps the parser's working memory proportional to one declaration.
pub fn parse(file: FileId, text: &str) -> (ast::File, Vec<Diagnostic>) {
    parse_with(file, text, true)
}

/// Parses with the pest grammar alone, never the hand-written fast path: the reference that the
/// fast path is tested against.
pub fn parse_by_grammar(file: FileId, text: &str) -> (ast::File, Vec<Diagnostic>) {
    parse_with(file, text, false)
}

fn parse_with(file: FileId, text: &str, fast: bool) -> (ast::File, Vec<Diagnostic>) {
    let mut out = ast::File {
        id: file,
        statements: Vec::new(),
        comments: Vec::new(),
    };
    if text.len() > u32::MAX as usize {
        let d = Diagnostic::new(
            Code::Syntax,
            "file is too large",
            Span::new(file, 0, 0),
            "files must be smaller than 4 GiB",
        );
        return (out, vec![d]);
    }
    // A byte order mark opens many files saved on Windows; it is whitespace here. Replaced by
    // as many spaces, every offset still points into the text as the author's editor holds it.
    let unmarked;
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => {
            unmarked = format!("   {rest}");
            unmarked.as_str()
        }
        None => text,
    };
    if let Some(d) = lone_carriage_return(file, text) {
        return (out, vec![d]);
    }
    let scanned = match scan(file, text) {
        Ok(s) => s,
        Err(d) => return (out, vec![*d]),
    };
    out.comments = scanned.comments;
    let mut bounds = scanned.starts;
    bounds.push(text.len());
    // Statements are parsed in batches of about BATCH bytes: one pest call per statement would
    // cost more in setup than in parsing. Only a batch that fails is parsed statement by
    // statement, so each broken statement still gets its own error and the rest survive.
    const BATCH: usize = 64 * 1024;
    let mut batches: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i + 1 < bounds.len() {
        let mut j = i + 1;
        while j + 1 < bounds.len() && bounds[j] - bounds[i] < BATCH {
            j += 1;
        }
        batches.push((i, j));
        i = j;
    }
    // Each top-level statement starts at one of `bounds`: a batch's vector is sized once, the
    // first with room for the second's statements too, so the halves join without a copy of it.
    let count = |batches: &[(usize, usize)]| match (batches.first(), batches.last()) {
        (Some(&(i, _)), Some(&(_, j))) => j - i,
        _ => 0,
    };
    let parse_batches = |batches: &[(usize, usize)], room: usize| {
        let mut statements = Vec::with_capacity(room);
        let mut errors = Vec::new();
        for &(i, j) in batches {
            // Well-formed text takes the fast path; the grammar decides everything else.
            let quick = fast && fast::statements(file, text, bounds[i], bounds[j], &mut statements);
            if !quick && !parse_range(file, text, bounds[i], bounds[j], &mut statements, None) {
                for k in i..j {
                    parse_range(
                        file,
                        text,
                        bounds[k],
                        bounds[k + 1],
                        &mut statements,
                        Some(&mut errors),
                    );
                }
            }
        }
        (statements, errors)
    };
    // Batches are independent: a large file is parsed on two threads, its halves joined in order.
    // At N=1000 in the benchmark that takes `platc check` from 124 to 90 ms (median of 15).
    let (statements, errors) = if batches.len() >= 8 && crate::threads() > 1 {
        let (a, b) = batches.split_at(batches.len() / 2);
        let (first, second) = std::thread::scope(|s| {
            let second = s.spawn(|| parse_batches(b, count(b)));
            let first = parse_batches(a, count(a) + count(b));
            (first, second.join().expect("a parser thread never panics"))
        });
        let (mut statements, mut errors) = first;
        statements.extend(second.0);
        errors.extend(second.1);
        (statements, errors)
    } else {
        parse_batches(&batches, count(&batches))
    };
    out.statements = statements;
    (out, errors)
}

/// Parses `text[start..end]` into `into`. Without `errors`, a failure leaves `into` untouched and
/// returns false; with it, the error is recorded there.
fn parse_range(
    file: FileId,
    text: &str,
    start: usize,
    end: usize,
    into: &mut Vec<ast::Statement>,
    errors: Option<&mut Vec<Diagnostic>>,
) -> bool {
    let pairs = match PlatParser::parse(Rule::file, &text[start..end]) {
        Ok(p) => p,
        Err(e) => {
            if let Some(errors) = errors {
                errors.push(syntax_error(file, text, (start, end), e));
            }
            return false;
        }
    };
    let mut b = Builder {
        file,
        offset: start,
        errors: None,
        recovered: Vec::new(),
    };
    let statements: Vec<ast::Statement> = pairs
        .flat_map(|root| root.into_inner())
        .filter(|p| p.as_rule() != Rule::EOI)
        .map(|p| b.statement(p))
        .collect();
    match (b.errors, errors) {
        (None, _) if b.recovered.is_empty() => {
            into.extend(statements);
            true
        }
        // Read despite a mistake: kept, with the mistake reported, when errors are collected.
        (None, Some(errors)) => {
            into.extend(statements);
            errors.extend(b.recovered);
            true
        }
        (None, None) => false,
        (Some(e), Some(errors)) => {
            errors.push(e);
            false
        }
        (Some(_), None) => false,
    }
}

/// The top-level statements of a file that start with `import`, parsed alone: following imports
/// must not cost a second parse of everything else.
pub fn import_statements(file: FileId, text: &str) -> Vec<ast::Statement> {
    // Most files import nothing; a substring search is far cheaper than the scan.
    if !text.contains("import") {
        return Vec::new();
    }
    statements_starting(file, text, "import")
}

/// The top-level statements of a file whose first word is `word`, parsed alone (the loader
/// reads the `platform` block's rule files this way, before the program is parsed).
pub fn statements_starting(file: FileId, text: &str, word: &str) -> Vec<ast::Statement> {
    let Ok(scanned) = scan(file, text) else {
        return Vec::new();
    };
    let mut bounds = scanned.starts;
    bounds.push(text.len());
    let mut out = Vec::new();
    for w in bounds.windows(2) {
        let chunk = &text[w[0]..w[1]];
        // Skip leading comments and blank lines to the statement's first word.
        let first = chunk
            .lines()
            .map(str::trim_start)
            .find(|l| !l.is_empty() && !l.starts_with("//"));
        if first.is_some_and(|l| {
            l.starts_with(word)
                && !l[word.len()..]
                    .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        }) && !fast::statements(file, text, w[0], w[1], &mut out)
        {
            parse_range(file, text, w[0], w[1], &mut out, None);
        }
    }
    out
}

/// Where each top-level statement of `text` begins (the first at 0), or nothing where the text
/// cannot be scanned.
pub fn statement_starts(file: FileId, text: &str) -> Vec<usize> {
    scan(file, text).map(|s| s.starts).unwrap_or_default()
}

/// The top-level statements of `text[start..end]`, parsed alone: finding one declaration's
/// fields again (for a rule that names one) costs a parse of that declaration only.
pub fn statements_between(
    file: FileId,
    text: &str,
    start: usize,
    end: usize,
) -> Vec<ast::Statement> {
    let mut out = Vec::new();
    if !fast::statements(file, text, start, end, &mut out) {
        out.clear();
        parse_range(file, text, start, end, &mut out, None);
    }
    out
}

struct Scanned {
    comments: Vec<ast::Comment>,
    /// Byte offsets where top-level statements (with their doc comments) begin; the first is 0.
    starts: Vec<usize>,
}

/// The bytes `scan` looks at; it skips runs of any other at once.
const STOPS: [bool; 256] = crate::byte_set(b"\n\"/{[(}])");

/// One pass over the text, outside strings: collects `//` comments, finds where top-level
/// statements begin, and refuses excessive nesting.
/// A `\r` not followed by `\n`: a line break to editors, but not to a `//` comment here, so a
/// comment could hide what an editor shows as the next line. Refused rather than guessed at.
pub(crate) fn lone_carriage_return(file: FileId, text: &str) -> Option<Diagnostic> {
    let bytes = text.as_bytes();
    let at = memchr::memchr_iter(b'\r', bytes).find(|&i| bytes.get(i + 1) != Some(&b'\n'))?;
    Some(
        Diagnostic::new(
            Code::Syntax,
            "a carriage return that is not part of a line break",
            Span::new(file, at, at + 1),
            "a lone `\\r`",
        )
        .with_help("end lines with `\\n` or `\\r\\n`; most editors convert a file's line endings on request"),
    )
}

fn scan(file: FileId, text: &str) -> Result<Scanned, Box<Diagnostic>> {
    let bytes = text.as_bytes();
    let mut comments = Vec::new();
    let mut starts = vec![0];
    // Whether the current statement has anything besides comments yet: doc comments stay with
    // the declaration below them.
    let mut has_content = false;
    // Open brackets; a closer pops to its opener, so `[1, }` still ends the block it is in.
    let mut open: Vec<u8> = Vec::new();
    let mut line_start = true;
    // Statements that start in the first column while a bracket is still open: where the
    // statements would begin if that bracket had been closed (used when one never is).
    let mut unindented: Vec<usize> = Vec::new();
    let mut after_doc = false;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if line_start && open.is_empty() && !c.is_ascii_whitespace() {
            let doc = text[i..].starts_with("///");
            let statement = c.is_ascii_alphabetic() || c == b'_';
            if (statement || doc) && has_content {
                starts.push(i);
                has_content = false;
            }
        } else if line_start && (i == 0 || bytes[i - 1] == b'\n') && !c.is_ascii_whitespace() {
            let doc = text[i..].starts_with("///");
            if (c.is_ascii_alphabetic() || c == b'_' || doc) && !after_doc {
                unindented.push(i);
            }
            after_doc = doc;
        }
        if !c.is_ascii_whitespace() {
            line_start = false;
        }
        // Most of a file is words, numbers and spaces within a line: skip such runs at once.
        if !line_start && !STOPS[usize::from(c)] {
            let from = i;
            while i < bytes.len() && !STOPS[usize::from(bytes[i])] {
                i += 1;
            }
            if !has_content {
                has_content = bytes[from..i].iter().any(|b| !b.is_ascii_whitespace());
            }
            continue;
        }
        match c {
            b'\n' => {
                line_start = true;
            }
            b'"' => {
                has_content = true;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                if i < bytes.len() && bytes[i] == b'\n' {
                    continue;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                if bytes.get(i + 2) != Some(&b'/') {
                    comments.push(ast::Comment {
                        text: text[i..end].trim_end().to_string(),
                        span: Span::new(file, i, end),
                    });
                }
                i = end;
                continue;
            }
            b'{' | b'[' | b'(' => {
                has_content = true;
                open.push(c);
                if open.len() > MAX_NESTING {
                    return Err(Box::new(
                        Diagnostic::new(
                            Code::Syntax,
                            format!("nesting deeper than {MAX_NESTING} levels"),
                            Span::new(file, i, i + 1),
                            "too deep",
                        )
                        .with_help("flatten the structure; no platform needs this depth"),
                    ));
                }
            }
            b'}' | b']' | b')' => {
                let opener = match c {
                    b'}' => b'{',
                    b']' => b'[',
                    _ => b'(',
                };
                if let Some(at) = open.iter().rposition(|o| *o == opener) {
                    open.truncate(at);
                }
            }
            c if !c.is_ascii_whitespace() => has_content = true,
            _ => {}
        }
        i += 1;
    }
    // A bracket never closed would make the rest of the file one statement, and one error:
    // statements in the first column after it are taken as the top-level statements they look
    // like, so only the one that holds the bracket is lost.
    if !open.is_empty() {
        let first = *starts.last().unwrap_or(&0);
        starts.extend(unindented.into_iter().filter(|&u| u > first));
    }
    Ok(Scanned { comments, starts })
}

/// Words for grammar rules, so a syntax error says "expected a value", never "expected value_rule".
fn describe(rule: &Rule) -> &'static str {
    match rule {
        Rule::EOI => "end of file",
        Rule::attribute | Rule::block | Rule::kind | Rule::key => "a field or block",
        Rule::label => "a name",
        Rule::qualifier | Rule::keyword => "`on` or `in`",
        Rule::body => "`{`",
        Rule::value | Rule::argument => "a value",
        Rule::named_argument => "a named argument",
        Rule::call => "a function call",
        Rule::list => "a list",
        Rule::map | Rule::entry => "a map entry",
        Rule::range | Rule::integer | Rule::number => "a number",
        Rule::cidr => "a CIDR range",
        Rule::ip => "an IP address",
        Rule::duration | Rule::spaced_duration | Rule::unit => "a duration",
        Rule::boolean => "`true` or `false`",
        Rule::string | Rule::string_body => "a string",
        Rule::reference => "a reference",
        Rule::ident => "a name",
        Rule::docs | Rule::doc_line => "a doc comment",
        _ => "something else",
    }
}

fn syntax_error(
    file: FileId,
    text: &str,
    (offset, chunk_end): (usize, usize),
    e: pest::error::Error<Rule>,
) -> Diagnostic {
    use pest::error::{ErrorVariant, InputLocation};
    let pos = offset
        + match e.location {
            InputLocation::Pos(p) => p,
            InputLocation::Span((s, _)) => s,
        };
    // Stopped at the end of the statement: a block left open.
    let rest = &text[pos..chunk_end];
    if rest
        .lines()
        .all(|l| l.trim().is_empty() || l.trim().starts_with("//"))
        && let Some(d) = mistakes::unclosed(file, text, offset)
    {
        return d;
    }
    let found = text[pos..].chars().next();
    let end = pos + found.map_or(0, char::len_utf8);
    let found_desc = match found {
        None => "end of file".to_string(),
        Some('"') if !text[pos + 1..].lines().next().unwrap_or("").contains('"') => {
            return Diagnostic::new(
                Code::Syntax,
                "unterminated string",
                Span::new(file, pos, end),
                "this string is never closed",
            )
            .with_help("add the closing `\"` on the same line");
        }
        Some(c) if c.is_whitespace() => "whitespace".to_string(),
        Some(c) => format!("`{c}`"),
    };
    if found == Some('=')
        && let Some(d) = missing_value(file, text, pos)
    {
        return d;
    }
    let mut expected: Vec<&str> = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.iter().map(describe).collect(),
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    expected.sort();
    expected.dedup();
    if let Some(d) = mistakes::recognise(file, text, pos, expected.contains(&"a value")) {
        return d;
    }
    let message = if expected.is_empty() {
        format!("unexpected {found_desc}")
    } else {
        format!("expected {}, found {found_desc}", join_or(&expected))
    };
    let mut d = Diagnostic::new(
        Code::Syntax,
        message,
        Span::new(file, pos, end),
        "unexpected here",
    );
    d = if found == Some('}') && expected.contains(&"a value") {
        d.with_help("every `key =` needs a value before the block closes")
    } else if expected.contains(&"a value") {
        d.with_help("a value is a string (`\"text\"`), a number, `true` or `false`, a duration (`30s`), an address (`10.0.0.0/16`), a list (`[...]`), a map (`{ ... }`), a word or a reference (`kind.name`)")
    } else {
        d.with_help("a statement is a field, `key = value`, or a block, `kind \"name\" { ... }`")
    };
    d
}

/// `key =` with its value forgotten swallows the next line's key as the value, so the parser
/// stumbles on that line's `=`. Point at the field that lost its value instead.
fn missing_value(file: FileId, text: &str, pos: usize) -> Option<Diagnostic> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    // Where the last run of word characters in `s` starts (after a character of any width).
    let word_from = |s: &str| {
        s.char_indices()
            .rev()
            .find(|(_, c)| !is_word(*c))
            .map_or(0, |(i, c)| i + c.len_utf8())
    };
    let before = text[..pos].trim_end();
    let word_start = word_from(before);
    let word = &before[word_start..];
    let prior = before[..word_start].trim_end();
    if word.is_empty() || !prior.ends_with('=') || !text[prior.len()..word_start].contains('\n') {
        return None;
    }
    let eq = prior.len() - 1;
    let key_text = prior[..eq].trim_end();
    let key = &key_text[word_from(key_text)..];
    Some(
        Diagnostic::new(
            Code::Syntax,
            format!("`{key}` has no value"),
            Span::new(file, eq, eq + 1),
            "expected a value after this `=`",
        )
        .with_note(format!("the next line's `{word}` was read as its value"))
        .with_help(format!(
            "give `{key}` a value on the same line, e.g. `{key} = ...`"
        )),
    )
}

fn join_or(items: &[&str]) -> String {
    match items.len() {
        1 => items[0].to_string(),
        n => format!("{} or {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

/// Milliseconds in a duration unit the grammar accepts.
fn unit_millis(unit: &str) -> u64 {
    match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => 86_400_000,
    }
}

struct Builder {
    file: FileId,
    /// Where the statement being built starts in the file.
    offset: usize,
    /// The first semantic error met while building (bad escape, number overflow); the grammar
    /// accepted the text, so building goes on to return one coded diagnostic.
    errors: Option<Diagnostic>,
    /// Mistakes read as what they mean (`30 d`): reported, but the statement is kept.
    recovered: Vec<Diagnostic>,
}

impl Builder {
    fn span(&self, p: &Pair<Rule>) -> Span {
        let s = p.as_span();
        Span::new(self.file, self.offset + s.start(), self.offset + s.end())
    }

    fn fail(&mut self, d: Diagnostic) {
        if self.errors.is_none() {
            self.errors = Some(d);
        }
    }

    fn ident(&self, p: Pair<Rule>) -> ast::Ident {
        ast::Ident {
            name: ast::Text::from(p.as_str()),
            span: self.span(&p),
        }
    }

    fn statement(&mut self, p: Pair<Rule>) -> ast::Statement {
        let span = self.span(&p);
        match p.as_rule() {
            Rule::attribute => {
                let mut docs = None;
                let mut key = None;
                let mut value = None;
                for q in p.into_inner() {
                    match q.as_rule() {
                        Rule::docs => docs = Some(Box::new(self.docs(q))),
                        Rule::key => key = Some(self.ident(q)),
                        Rule::value => value = Some(self.value(q)),
                        _ => {}
                    }
                }
                ast::Statement::Attribute(ast::Attribute {
                    docs,
                    key: key.expect("grammar: attribute has a key"),
                    value: value.expect("grammar: attribute has a value"),
                    span,
                })
            }
            _ => {
                let mut docs = None;
                let mut kind = None;
                let mut label = None;
                let mut qualifiers = Vec::new();
                let mut body = None;
                for q in p.into_inner() {
                    match q.as_rule() {
                        Rule::docs => docs = Some(Box::new(self.docs(q))),
                        Rule::kind => kind = Some(self.ident(q)),
                        Rule::label => label = Some(self.label(q)),
                        Rule::qualifier => {
                            let qspan = self.span(&q);
                            let mut inner = q.into_inner();
                            let keyword = self.ident(inner.next().expect("grammar: keyword"));
                            let value = self.value(inner.next().expect("grammar: qualifier value"));
                            qualifiers.push(ast::Qualifier {
                                keyword,
                                value,
                                span: qspan,
                            });
                        }
                        Rule::body => {
                            let bspan = self.span(&q);
                            let statements = q.into_inner().map(|s| self.statement(s)).collect();
                            body = Some(ast::Body {
                                statements,
                                span: bspan,
                            });
                        }
                        _ => {}
                    }
                }
                let kind = kind.expect("grammar: block has a kind");
                // Without a body, the parser has already skipped the whitespace and comments that
                // follow; the block ends at its last token.
                let end = match (&body, qualifiers.last(), &label) {
                    (Some(b), _, _) => b.span.end,
                    (None, Some(q), _) => q.span.end,
                    (None, None, Some(l)) => l.span.end,
                    (None, None, None) => kind.span.end,
                };
                ast::Statement::Block(ast::Block {
                    docs,
                    kind,
                    label,
                    qualifiers,
                    body,
                    span: Span { end, ..span },
                })
            }
        }
    }

    fn docs(&self, p: Pair<Rule>) -> ast::Docs {
        let span = self.span(&p);
        let lines: Vec<&str> = p
            .into_inner()
            .map(|l| {
                let t = l.as_str().trim_start_matches('/');
                t.strip_prefix(' ').unwrap_or(t).trim_end()
            })
            .collect();
        ast::Docs {
            text: lines.join("\n").trim().to_string(),
            span,
        }
    }

    fn label(&mut self, p: Pair<Rule>) -> ast::Label {
        let span = self.span(&p);
        let inner = p.into_inner().next().expect("grammar: label content");
        match inner.as_rule() {
            Rule::string => ast::Label {
                text: self.string(inner).into(),
                quoted: true,
                span,
            },
            _ => ast::Label {
                text: ast::Text::from(inner.as_str()),
                quoted: false,
                span,
            },
        }
    }

    fn string(&mut self, p: Pair<Rule>) -> String {
        let body = p.into_inner().next().expect("grammar: string body");
        let start = self.offset + body.as_span().start();
        let raw = body.as_str();
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.char_indices();
        while let Some((i, c)) = chars.next() {
            if c.is_control() && c != '\t' {
                self.bad_control(start + i, start + i + c.len_utf8());
                continue;
            }
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some((_, e)) = chars.next() else { break };
            match e {
                '\\' => out.push('\\'),
                '"' => out.push('"'),
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'u' => {
                    let rest = &raw[i + 2..];
                    let decoded = rest
                        .strip_prefix('{')
                        .and_then(|r| r.find('}').map(|end| &r[..end]))
                        .and_then(|hex| {
                            let c = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)?;
                            Some((c, hex.len() + 2))
                        });
                    match decoded {
                        Some((c, _)) if c.is_control() && c != '\t' && c != '\n' => {
                            self.bad_control(start + i, start + i + 2);
                        }
                        Some((c, len)) => {
                            out.push(c);
                            for _ in 0..len {
                                chars.next();
                            }
                        }
                        None => self.bad_escape(start + i, start + i + 2, None),
                    }
                }
                _ => self.bad_escape(start + i, start + i + 1 + e.len_utf8(), Some(e)),
            }
        }
        out
    }

    fn bad_control(&mut self, start: usize, end: usize) {
        let d = Diagnostic::new(
            Code::BadEscape,
            "control character in string",
            Span::new(self.file, start, end),
            "not allowed in a string",
        )
        .with_help(
            "remove it; strings may contain tabs and `\\n`, but no other control characters",
        );
        self.fail(d);
    }

    /// `escaped` is the character after the backslash, where it starts no escape: most often a
    /// path's (`C:\dir`), which the fix writes with its backslash doubled.
    fn bad_escape(&mut self, start: usize, end: usize, escaped: Option<char>) {
        let span = Span::new(self.file, start, end);
        let message = match escaped {
            Some(e) => format!("`\\{e}` is not an escape"),
            None => "a `\\u{...}` escape needs a character's code in hexadecimal".to_string(),
        };
        let d = Diagnostic::new(Code::BadEscape, message, span, "not a known escape");
        let d = match escaped {
            Some(e) => d
                .with_help(format!(
                    "write `\\\\{e}` for a backslash followed by `{e}`; the escapes are \\\\, \\\", \\n, \\t and \\u{{HEX}}"
                ))
                .with_fix(span, format!("\\\\{e}")),
            None => d.with_help("write `\\u{HEX}` with the character's code in hexadecimal, such as `\\u{41}`"),
        };
        self.fail(d);
    }

    fn int(&mut self, text: &str, span: Span) -> i64 {
        text.parse().unwrap_or_else(|_| {
            self.fail(
                Diagnostic::new(
                    Code::NumberTooLarge,
                    "integer does not fit in 64 bits",
                    span,
                    "too large",
                )
                .with_help("no field takes a number this large: spec.md gives each field's range"),
            );
            0
        })
    }

    fn value(&mut self, p: Pair<Rule>) -> ast::Value {
        let span = self.span(&p);
        let inner = p.into_inner().next().expect("grammar: value content");
        let text = inner.as_str();
        let kind = match inner.as_rule() {
            Rule::string => ast::ValueKind::Str(self.string(inner).into()),
            Rule::number => ast::ValueKind::Int(self.int(text, span)),
            Rule::boolean => ast::ValueKind::Bool(text == "true"),
            Rule::duration => {
                let split = text
                    .find(|c: char| c.is_ascii_alphabetic())
                    .unwrap_or(text.len());
                let n = self.int(&text[..split], span).max(0) as u64;
                ast::ValueKind::Duration {
                    millis: n.saturating_mul(unit_millis(&text[split..])),
                }
            }
            Rule::spaced_duration => {
                let mut it = inner.into_inner();
                let number = it.next().expect("grammar: duration number").as_str();
                let unit = it.next().expect("grammar: duration unit").as_str();
                let n = self.int(number, span).max(0) as u64;
                let written = format!("{number}{unit}");
                self.recovered.push(
                    Diagnostic::new(
                        Code::Syntax,
                        format!("a duration is written without a space: `{written}`"),
                        span,
                        "space between the number and its unit",
                    )
                    .with_help(format!("write `{written}`"))
                    .with_fix(span, written),
                );
                ast::ValueKind::Duration {
                    millis: n.saturating_mul(unit_millis(unit)),
                }
            }
            Rule::cidr => ast::ValueKind::Cidr(ast::Text::from(text)),
            Rule::ip => ast::ValueKind::Ip(ast::Text::from(text)),
            Rule::range => {
                let mut it = inner.into_inner();
                let a = it.next().expect("grammar: range start").as_str();
                let b = it.next().expect("grammar: range end").as_str();
                ast::ValueKind::Range(self.int(a, span), self.int(b, span))
            }
            Rule::list => ast::ValueKind::List(inner.into_inner().map(|v| self.value(v)).collect()),
            Rule::map => ast::ValueKind::Map(
                inner
                    .into_inner()
                    .map(|entry| {
                        let mut it = entry.into_inner();
                        let k = it.next().expect("grammar: entry key");
                        let key = match k.as_rule() {
                            Rule::string => {
                                let span = self.span(&k);
                                ast::Ident {
                                    name: self.string(k).into(),
                                    span,
                                }
                            }
                            _ => self.ident(k),
                        };
                        let v = self.value(it.next().expect("grammar: entry value"));
                        (key, v)
                    })
                    .collect(),
            ),
            Rule::reference => {
                let mut offset = self.offset + inner.as_span().start();
                let parts = text
                    .split('.')
                    .map(|part| {
                        let id = ast::Ident {
                            name: ast::Text::from(part),
                            span: Span::new(self.file, offset, offset + part.len()),
                        };
                        offset += part.len() + 1;
                        id
                    })
                    .collect();
                ast::ValueKind::Ref(parts)
            }
            Rule::call => {
                let mut it = inner.into_inner();
                let name = self.ident(it.next().expect("grammar: call name"));
                let args = it
                    .map(|arg| {
                        let a = arg.into_inner().next().expect("grammar: argument");
                        match a.as_rule() {
                            Rule::named_argument => {
                                let mut it = a.into_inner();
                                let n = self.ident(it.next().expect("grammar: arg name"));
                                let v = self.value(it.next().expect("grammar: arg value"));
                                ast::Argument {
                                    name: Some(n),
                                    value: v,
                                }
                            }
                            _ => ast::Argument {
                                name: None,
                                value: self.value(a),
                            },
                        }
                    })
                    .collect();
                ast::ValueKind::Call {
                    name: Box::new(name),
                    args,
                }
            }
            _ => ast::ValueKind::Word(ast::Text::from(text)),
        };
        ast::Value { kind, span }
    }
}

/// A string literal for `s`, with the escapes the language reads back as `s`: what the
/// formatter prints and what a diagnostic's fix inserts.
pub fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_blocks_attributes_and_values() {
        let src = r#"
/// The cluster.
cluster "main" {
  count = 3  // trailing comment
  cidr = 10.0.0.0/16
  ip = 10.0.0.10
  every = 2m
  scale = 2..10
  zones = [1, 2, 3]
  tags = { a = "b", "c d" = true }
  extension flux
  federate "ns/sa" on cluster.main
  source = git("https://x", branch = "main")
}
"#;
        let (f, errors) = parse(0, src);
        assert!(errors.is_empty());
        assert_eq!(f.statements.len(), 1);
        assert_eq!(f.comments.len(), 1);
        let ast::Statement::Block(b) = &f.statements[0] else {
            panic!()
        };
        assert_eq!(b.docs.as_ref().unwrap().text, "The cluster.");
        assert_eq!(b.statements().len(), 10);
        let ast::Statement::Block(ext) = &b.statements()[7] else {
            panic!()
        };
        assert_eq!(ext.label.as_ref().unwrap().text, "flux");
        let ast::Statement::Block(fed) = &b.statements()[8] else {
            panic!()
        };
        assert_eq!(fed.qualifiers.len(), 1);
        let ast::Statement::Attribute(every) = &b.statements()[3] else {
            panic!()
        };
        assert!(matches!(
            every.value.kind,
            ast::ValueKind::Duration { millis: 120_000 }
        ));
    }

    #[test]
    fn syntax_errors_name_what_was_expected_in_words() {
        let e = parse(0, "vault \"x\" { sku = }").1.remove(0);
        assert_eq!(e.code, Code::Syntax);
        assert!(e.message.starts_with("expected a value"), "{}", e.message);
        assert_eq!(e.primary_span().start, 18);
        let e = parse(0, "vault \"x\" { sku: 1 }").1.remove(0);
        assert!(e.help.unwrap().contains("key = value"));
    }

    #[test]
    fn refuses_deep_nesting_instead_of_overflowing() {
        let src = format!("a = {}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse(0, &src).1[0].message.contains("nesting"));
    }

    /// Where the fast path accepts text, its tree is the grammar's, span for span.
    #[test]
    fn the_fast_path_builds_what_the_grammar_builds() {
        let samples = [
            "a = 1\nb = -2\nc = 2..10\nd = 10.0.0.0/16\ne = 10.1.2.3\nf = 5ms\ng = 2m\nh = 3h\n",
            "x = [1, 2, 3,]\ny = { a = \"b\", \"c d\" = true, e = false }\nz = []\nw = {}\n",
            "/// doc one\n\n///  two \nv \"n\" on cluster.main in x.y.z { k = git(\"u\", branch = \"main\",) }\n",
            "ext flux\next istio { revision = \"asm-1-27\" }\nk = true-ish\nl = truex\nm = f ( )\n",
            "a = b // c\n// d\n  = 1\n",
            "t = \"tab\\there\"\nu = \"\\u{41}\"\n",
            "bad = 1.2.3\n",
            "bad = [1, }\nok = 1\n",
            "n = 99999999999999999999\n",
            "a = 1..5x = 3\n",
            "p on = 1\n",
            "q = true.x\n",
            "r = 30 d\ns = { a = 1 d = 2 }\nt = [5 m, 2]\n",
        ];
        for s in samples {
            let fast = parse(0, s);
            let grammar = parse_by_grammar(0, s);
            assert_eq!(fast.0, grammar.0, "{s}");
            assert_eq!(fast.1.len(), grammar.1.len(), "{s}");
        }
    }

    #[test]
    fn bad_escapes_are_coded() {
        let e = parse(0, r#"a = "C:\dir""#).1.remove(0);
        assert_eq!(e.code, Code::BadEscape);
    }
}

#[cfg(test)]
mod recovery {
    use super::*;

    #[test]
    fn one_error_per_broken_declaration_and_the_rest_still_parse() {
        let src = "/// docs\nvault \"a\" { sku = }\n\nregistry \"b\" { }\n// note\nlogs \"c\" { x = [1, }\nstorage \"d\" {\n  containers = [\"x\"]\n}\n";
        let (f, errors) = parse(0, src);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(f.statements.len(), 2);
        let names: Vec<&str> = f
            .statements
            .iter()
            .map(|s| match s {
                ast::Statement::Block(b) => b.kind.name.as_str(),
                ast::Statement::Attribute(a) => a.key.name.as_str(),
            })
            .collect();
        assert_eq!(names, ["registry", "storage"]);
        // Spans are positions in the whole file, not in the statement.
        let ast::Statement::Block(storage) = &f.statements[1] else {
            panic!()
        };
        assert_eq!(&src[storage.kind.span.range()], "storage");
        assert_eq!(
            errors[1].primary_span().start as usize,
            src.find("}\nstorage").unwrap()
        );
    }

    #[test]
    fn doc_comments_stay_with_their_declaration() {
        let src = "vault \"a\" { }\n/// The registry.\nregistry \"b\" { }\n";
        let (f, errors) = parse(0, src);
        assert!(errors.is_empty());
        let ast::Statement::Block(b) = &f.statements[1] else {
            panic!()
        };
        assert_eq!(b.docs.as_ref().unwrap().text, "The registry.");
    }
}
