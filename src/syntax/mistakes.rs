//! Syntax errors that are mistakes an author makes knowingly elsewhere: a version or a range
//! written as in other languages, a unit the language does not have, single quotes, a missing
//! comma, a block left open. Each is recognised at the parser's error position and worded as
//! what the author wrote and how to write it, with the replacement that does so.

use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, Span};

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// The token that starts at `pos`: up to whitespace or a closing bracket or comma.
fn token_at(text: &str, pos: usize) -> &str {
    let rest = &text[pos..];
    if let Some(quoted) = rest.strip_prefix('\'')
        && let Some(end) = quoted.find(['\'', '\n'])
    {
        return &rest[..end + 2];
    }
    let end = rest
        .find(|c: char| c.is_whitespace() || ",]})".contains(c))
        .unwrap_or(rest.len());
    &rest[..end]
}

fn error(file: FileId, at: (usize, usize), message: String, label: &str) -> Diagnostic {
    Diagnostic::new(Code::Syntax, message, Span::new(file, at.0, at.1), label)
}

/// A mistake recognised where the parser stopped at `pos`; `value` when a value was expected.
pub(super) fn recognise(file: FileId, text: &str, pos: usize, value: bool) -> Option<Diagnostic> {
    let found = text[pos..].chars().next()?;
    match found {
        ';' => Some(
            error(
                file,
                (pos, pos + 1),
                "`;` does not end a field here".into(),
                "remove this",
            )
            .with_help("a field ends with its line; remove the `;`")
            .with_fix(Span::new(file, pos, pos + 1), ""),
        ),
        ':' => Some(
            error(
                file,
                (pos, pos + 1),
                "fields are written `key = value`, not `key: value`".into(),
                "expected `=`",
            )
            .with_help("write `=` in place of `:`, as in `key = value`")
            .with_fix(Span::new(file, pos, pos + 1), " ="),
        ),
        '{' => block_after_field(file, text, pos),
        '}' if !value => Some(
            error(
                file,
                (pos, pos + 1),
                "this `}` closes no block".into(),
                "nothing to close",
            )
            .with_help("remove it, or the `{` it was meant to close is missing")
            .with_fix(Span::new(file, pos, pos + 1), ""),
        ),
        '/' => word_with_slash(file, text, pos),
        _ if value => value_mistake(file, text, pos).or_else(|| missing_comma(file, text, pos)),
        _ => missing_comma(file, text, pos),
    }
}

/// A value written as another language writes it: `1.35`, `2-10`, `1y`, `'text'`.
fn value_mistake(file: FileId, text: &str, pos: usize) -> Option<Diagnostic> {
    let token = token_at(text, pos);
    let at = (pos, pos + token.len());
    let fix = |d: Diagnostic, help: String, to: String| {
        d.with_help(help).with_fix(Span::new(file, at.0, at.1), to)
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if let Some(inner) = token.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
        let d = error(
            file,
            at,
            "strings are written in double quotes".into(),
            "single quotes",
        );
        return Some(fix(
            d,
            format!("write `\"{inner}\"`"),
            format!("\"{inner}\""),
        ));
    }
    if token.split('.').count() > 1 && token.split('.').all(digits) {
        let d = error(
            file,
            at,
            format!("`{token}` is not a number: a version is written as a string"),
            "a version",
        );
        return Some(fix(
            d,
            format!("quote it: `\"{token}\"`"),
            format!("\"{token}\""),
        ));
    }
    if let Some((a, b)) = token.split_once('-')
        && digits(a)
        && digits(b)
    {
        let d = error(
            file,
            at,
            format!("a range is written with `..`: `{a}..{b}`"),
            "not a range",
        );
        return Some(fix(d, format!("write `{a}..{b}`"), format!("{a}..{b}")));
    }
    let split = token.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = token.split_at(split);
    if split == 0 || !unit.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let d = error(
        file,
        at,
        format!("`{token}` is not a duration: its units are `ms`, `s`, `m`, `h` and `d`"),
        "unknown unit",
    );
    let n: u64 = n.parse().ok()?;
    let days = |k: u64| format!("{}d", n.saturating_mul(k));
    let written = match unit.to_ascii_lowercase().as_str() {
        "y" | "yr" | "yrs" | "year" | "years" => days(365),
        "w" | "wk" | "week" | "weeks" => days(7),
        "day" | "days" => days(1),
        "hr" | "hrs" | "hour" | "hours" => format!("{n}h"),
        "min" | "mins" | "minute" | "minutes" => format!("{n}m"),
        "sec" | "secs" | "second" | "seconds" => format!("{n}s"),
        _ => return Some(d.with_help("write a number and one of those units, such as `30d`")),
    };
    Some(fix(d, format!("write `{written}`"), written))
}

/// `content_type = text/plain`: a word the parser read as a value, then a `/` it cannot place.
fn word_with_slash(file: FileId, text: &str, pos: usize) -> Option<Diagnostic> {
    let before = &text[..pos];
    let start = before
        .char_indices()
        .rev()
        .find(|(_, c)| !is_word(*c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    if start == pos || !before[..start].trim_end().ends_with('=') {
        return None;
    }
    let token = token_at(text, start);
    let at = (start, start + token.len());
    Some(
        error(
            file,
            at,
            format!("`{token}` is not a value the language knows"),
            "unquoted text",
        )
        .with_help(format!("quote it: `\"{token}\"`"))
        .with_fix(Span::new(file, at.0, at.1), format!("\"{token}\"")),
    )
}

/// `logs = "ops" {`: a declaration written as a field.
fn block_after_field(file: FileId, text: &str, pos: usize) -> Option<Diagnostic> {
    let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let head = &text[line_start..pos];
    let eq = head.find('=')?;
    let kind = head[..eq].trim();
    let label = head[eq + 1..].trim();
    if kind.is_empty() || !kind.chars().all(is_word) || label.is_empty() {
        return None;
    }
    // From the `=` to what follows it: `logs = "ops"` becomes `logs "ops"`.
    let from = line_start + eq;
    let to = from + 1 + (head[eq + 1..].len() - head[eq + 1..].trim_start().len());
    Some(
        error(
            file,
            (pos, pos + 1),
            format!("`{kind} = {label}` is a field, and a field has no block"),
            "a block cannot follow a field",
        )
        .with_secondary(Span::new(file, from, from + 1), "this makes it a field")
        .with_help(format!(
            "a declaration is written without `=`: `{kind} {label} {{ ... }}`"
        ))
        .with_fix(Span::new(file, from, to), ""),
    )
}

/// `[1 2 3]`: items of a list with no comma between them, found by reading the list the error
/// stands in. The fix puts a comma in every such gap.
fn missing_comma(file: FileId, text: &str, pos: usize) -> Option<Diagnostic> {
    let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let upto = pos + text[pos..].chars().next().map_or(0, char::len_utf8);
    let open = line_start + text[line_start..upto].rfind('[')?;
    let close = open + text[open..].find([']', '\n'])?;
    let inner = &text[open + 1..close];
    let mut in_string = false;
    let mut gap: Option<usize> = None;
    let mut prev = '[';
    // Gaps between two items with no comma: (start of the gap, start of the next item).
    let mut missing: Vec<(usize, usize)> = Vec::new();
    for (i, c) in inner.char_indices() {
        if in_string {
            in_string = c != '"';
            prev = c;
            continue;
        }
        if c.is_whitespace() {
            gap.get_or_insert(i);
            continue;
        }
        if let Some(g) = gap.take()
            && prev != ','
            && prev != '['
            && c != ','
        {
            missing.push((g, i));
        }
        in_string = c == '"';
        prev = c;
    }
    let &(_, first) = missing.first()?;
    let mut fixed = String::new();
    let mut from = 0;
    for &(g, i) in &missing {
        fixed.push_str(&inner[from..g]);
        fixed.push_str(", ");
        from = i;
    }
    fixed.push_str(&inner[from..]);
    let at = open + 1 + first;
    let item = token_at(text, at);
    Some(
        error(
            file,
            (at, at + item.len()),
            "list items are separated by commas".into(),
            "expected a `,` before this",
        )
        .with_help(format!("write `[{fixed}]`"))
        .with_fix(Span::new(file, open + 1, close), fixed),
    )
}

/// A `{` never closed: the first line after it that is indented less deeply than the line that
/// opened it (or as deeply, unless it closes it) is where its `}` belongs; or the end of the file.
/// `None` when indentation does not tell (the braces balance).
pub(super) fn unclosed(file: FileId, text: &str, from: usize) -> Option<Diagnostic> {
    let indent = |line: &str| line.len() - line.trim_start().len();
    // Open braces: (offset, indentation of their line).
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut offset = from;
    for line in text[from..].split_inclusive('\n') {
        let code = line.trim();
        let depth = indent(line);
        // A `}` less indented than the line that opened the innermost block closes an outer one.
        let closes_outer = code.starts_with('}');
        if !code.is_empty()
            && !code.starts_with("//")
            && let Some(&(brace, opened)) = open.last()
            && (depth < opened || (depth == opened && !closes_outer))
        {
            return Some(not_closed(file, text, brace, offset + depth));
        }
        let mut in_string = false;
        for (i, c) in line.char_indices() {
            match c {
                '"' => in_string = !in_string,
                '/' if !in_string && line[i..].starts_with("//") => break,
                '{' if !in_string => open.push((offset + i, depth)),
                '}' if !in_string => {
                    open.pop();
                }
                _ => {}
            }
        }
        offset += line.len();
    }
    let &(brace, _) = open.last()?;
    Some(not_closed(file, text, brace, text.len()))
}

fn not_closed(file: FileId, text: &str, brace: usize, next: usize) -> Diagnostic {
    let line_start = text[..brace].rfind('\n').map_or(0, |i| i + 1);
    let head = text[line_start..brace].trim();
    let word = if text[next..].starts_with('}') {
        "}"
    } else {
        token_at(text, next)
    };
    let indent = &text[line_start
        ..line_start + (text[line_start..].len() - text[line_start..].trim_start().len())];
    // The `}` goes at the end of the block's last line, before the blank lines that separate it.
    let end = text[..next].trim_end().len();
    let message = match word {
        "" => format!("`{head}` is not closed by the end of the file"),
        "}" => format!("`{head}` is not closed before the `}}` of the block around it"),
        _ => format!("`{head}` is not closed before `{word}`"),
    };
    Diagnostic::new(
        Code::Syntax,
        message,
        Span::new(file, next, next + word.len()),
        "expected `}` before this",
    )
    .with_secondary(
        Span::new(file, brace, brace + 1),
        "this `{` is never closed",
    )
    .with_help(format!(
        "close `{head}` with `}}` on the line after its last field"
    ))
    .with_fix(Span::new(file, end, end), format!("\n{indent}}}"))
}
