//! Bicep text from the syntax tree: two-space indentation, single-quoted strings, multi-line objects.

use super::syntax::*;
use crate::pretty::Writer;
use std::fmt::Write;

pub fn print(file: &File) -> String {
    print_items(&file.header, &file.items)
}

/// A file from a header and items, without gathering them into a `File` first.
pub fn print_items<'a>(header: &[String], items: impl IntoIterator<Item = &'a Item>) -> String {
    print_items_into(String::new(), header, items)
}

/// `print_items`, appended to `out`.
pub fn print_items_into<'a>(
    out: String,
    header: &[String],
    items: impl IntoIterator<Item = &'a Item>,
) -> String {
    let mut p = Printer {
        w: Writer::appending(out),
    };
    for line in header {
        p.line(0, &format!("// {line}"));
    }
    let mut prev: Option<&Item> = None;
    for item in items {
        // Blank lines separate groups: params, vars, resources and modules each stand apart.
        let group = |i: &Item| match i {
            Item::TargetScope(_) => 0,
            Item::Param { .. } => 1,
            Item::Var { .. } => 2,
            Item::Resource(_) | Item::Module { .. } => 3,
            Item::Output { .. } => 4,
        };
        let blank = match prev {
            None => !header.is_empty(),
            Some(pi) => {
                group(pi) != group(item)
                    || group(item) == 3
                    || matches!(
                        item,
                        Item::Var {
                            comment: Some(_),
                            ..
                        }
                    )
            }
        };
        if blank {
            p.w.blank();
        }
        p.item(item);
        prev = Some(item);
    }
    p.w.finish()
}

struct Printer {
    w: Writer,
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The bytes that may need an escape in a Bicep string (`$` only before `{`).
const ESCAPED: [bool; 256] = crate::byte_set(b"\\'\n\r\t$");

/// Appends `s` escaped for a single-quoted Bicep string, copying the runs between escapes whole
/// (every byte that needs one is ASCII, so never inside a multi-byte character).
fn escape_into(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    // Most strings need no escape at all.
    if !crate::any_byte_in(&ESCAPED, s) {
        out.push_str(s);
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escaped = match b {
            b'\\' => "\\\\",
            b'\'' => "\\'",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            b'$' if bytes.get(i + 1) == Some(&b'{') => "\\$",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        out.push_str(escaped);
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

fn is_scalar(e: &Expr) -> bool {
    !matches!(
        e,
        Expr::Object(_) | Expr::Array(_) | Expr::For(..) | Expr::Ternary(..) | Expr::Table(_)
    )
}

impl Printer {
    fn line(&mut self, indent: usize, text: &str) {
        self.w.line(indent, text);
    }

    fn comment(&mut self, c: &Option<String>) {
        if let Some(c) = c {
            for l in c.lines() {
                self.line(0, &format!("// {l}"));
            }
        }
    }

    fn decorators(&mut self, ds: &[Decorator]) {
        for d in ds {
            let text = self.w.start_line(0);
            text.push('@');
            text.push_str(d.name);
            text.push('(');
            Self::comma_separated(text, &d.args, 0);
            text.push(')');
            self.w.end_line();
        }
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::TargetScope(s) => self.line(0, &format!("targetScope = '{s}'")),
            Item::Param {
                decorators,
                name,
                ty,
                default,
            } => {
                self.decorators(decorators);
                let text = self.w.start_line(0);
                text.push_str("param ");
                text.push_str(name);
                text.push(' ');
                text.push_str(ty.as_str());
                if let Some(d) = default {
                    text.push_str(" = ");
                    Self::write(text, d, 0);
                }
                self.w.end_line();
            }
            Item::Var {
                comment,
                name,
                value,
            } => {
                self.comment(comment);
                let text = self.w.start_line(0);
                text.push_str("var ");
                text.push_str(name);
                text.push_str(" = ");
                Self::write(text, value, 0);
                self.w.end_line();
            }
            Item::Resource(r) => {
                self.comment(&r.comment);
                self.decorators(&r.decorators);
                let existing = if r.existing { " existing" } else { "" };
                let keyword = if r.module { "module" } else { "resource" };
                let text = self.w.start_line(0);
                let _ = write!(text, "{keyword} {} '{}'{existing} = ", r.name, r.type_);
                match (&r.each, &r.condition) {
                    (Some((var, iter)), _) => {
                        let _ = write!(text, "[for {var} in ");
                        // A conditional's own `:` would read as the loop's.
                        let grouped = matches!(iter, Expr::Ternary(..));
                        if grouped {
                            text.push('(');
                        }
                        Self::write(text, iter, 0);
                        if grouped {
                            text.push(')');
                        }
                        text.push_str(": ");
                        Self::write(text, &r.body, 0);
                        text.push(']');
                    }
                    (None, Some(cond)) => {
                        text.push_str("if (");
                        Self::write(text, cond, 0);
                        text.push_str(") ");
                        Self::write(text, &r.body, 0);
                    }
                    (None, None) => Self::write(text, &r.body, 0),
                }
                self.w.end_line();
            }
            Item::Module {
                comment,
                decorators,
                name,
                path,
                body,
            } => {
                self.comment(comment);
                self.decorators(decorators);
                let text = self.w.start_line(0);
                text.push_str("module ");
                text.push_str(name);
                text.push_str(" '");
                escape_into(text, path);
                text.push_str("' = ");
                Self::write(text, body, 0);
                self.w.end_line();
            }
            Item::Output {
                decorators,
                name,
                ty,
                value,
            } => {
                self.decorators(decorators);
                let text = self.w.start_line(0);
                let _ = write!(text, "output {name} {} = ", ty.as_str());
                Self::write(text, value, 0);
                self.w.end_line();
            }
        }
    }

    /// Writes an expression into `out`; `indent` is the level of the line it starts on, for
    /// nested blocks. One buffer for the whole expression: nested objects are not copied upward.
    fn write(out: &mut String, e: &Expr, indent: usize) {
        let pad = |out: &mut String, n: usize| {
            for _ in 0..n {
                out.push_str("  ");
            }
        };
        match e {
            Expr::Str(s) => {
                out.push('\'');
                escape_into(out, s);
                out.push('\'');
            }
            Expr::Interp(parts) => {
                out.push('\'');
                for part in parts {
                    match part {
                        Part::Text(t) => escape_into(out, t),
                        Part::Expr(x) => {
                            out.push_str("${");
                            Self::write(out, x, indent);
                            out.push('}');
                        }
                    }
                }
                out.push('\'');
            }
            Expr::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Expr::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Expr::Null => out.push_str("null"),
            Expr::Ident(i) => out.push_str(i),
            Expr::Member(base, m) => {
                Self::write(out, base, indent);
                out.push('.');
                out.push_str(m);
            }
            Expr::Index(base, i) => {
                Self::write(out, base, indent);
                out.push('[');
                Self::write(out, i, indent);
                out.push(']');
            }
            Expr::Call(f, args) => {
                out.push_str(f);
                out.push('(');
                Self::comma_separated(out, args, indent);
                out.push(')');
            }
            Expr::Array(items) if items.is_empty() => out.push_str("[]"),
            Expr::Array(items) if items.iter().all(is_scalar) && items.len() <= 6 => {
                out.push('[');
                Self::comma_separated(out, items, indent);
                out.push(']');
            }
            Expr::Array(items) => {
                out.push_str("[\n");
                for item in items {
                    pad(out, indent + 1);
                    // A small object of plain values, such as one entry of a literal table, on
                    // one line when it fits.
                    match item {
                        Expr::Object(props)
                            if !props.is_empty()
                                && props.iter().all(|p| {
                                    is_scalar(&p.value)
                                        && p.comment.is_none()
                                        && matches!(&p.key, Key::Name(k) if is_ident(k))
                                }) =>
                        {
                            // Written in place, and taken back if it does not fit.
                            let mark = out.len();
                            out.push_str("{ ");
                            for (n, p) in props.iter().enumerate() {
                                if n > 0 {
                                    out.push_str(", ");
                                }
                                if let Key::Name(k) = &p.key {
                                    out.push_str(k);
                                }
                                out.push_str(": ");
                                Self::write(out, &p.value, indent + 1);
                            }
                            out.push_str(" }");
                            if !crate::pretty::fits(indent + 1, &out[mark..]) {
                                out.truncate(mark);
                                Self::write(out, item, indent + 1);
                            }
                        }
                        _ => Self::write(out, item, indent + 1),
                    }
                    out.push('\n');
                }
                pad(out, indent);
                out.push(']');
            }
            Expr::Table(t) if t.is_empty() => out.push_str("[]"),
            Expr::Table(t) => {
                // As an array of objects is printed: a row on one line when it fits.
                let cell = |out: &mut String, (text, is_str): (&str, bool)| {
                    if is_str {
                        out.push('\'');
                        escape_into(out, text);
                        out.push('\'');
                    } else {
                        out.push_str(text);
                    }
                };
                let width = t.keys.len().max(1);
                let cells: Vec<(&str, bool)> = t.cells().collect();
                let per_row: usize = t.keys.iter().map(|k| k.len() + 6).sum();
                out.reserve(t.text_len() + t.rows() * (per_row + 2 * indent + 8));
                out.push_str("[\n");
                for row in cells.chunks(width) {
                    pad(out, indent + 1);
                    let mark = out.len();
                    out.push_str("{ ");
                    for (n, (k, c)) in t.keys.iter().zip(row).enumerate() {
                        if n > 0 {
                            out.push_str(", ");
                        }
                        out.push_str(k);
                        out.push_str(": ");
                        cell(out, *c);
                    }
                    out.push_str(" }");
                    if !crate::pretty::fits(indent + 1, &out[mark..]) {
                        out.truncate(mark);
                        out.push_str("{\n");
                        for (k, c) in t.keys.iter().zip(row) {
                            pad(out, indent + 2);
                            out.push_str(k);
                            out.push_str(": ");
                            cell(out, *c);
                            out.push('\n');
                        }
                        pad(out, indent + 1);
                        out.push('}');
                    }
                    out.push('\n');
                }
                pad(out, indent);
                out.push(']');
            }
            Expr::Object(props) if props.is_empty() => out.push_str("{}"),
            Expr::Object(props) => {
                out.push_str("{\n");
                for p in props {
                    pad(out, indent + 1);
                    match &p.key {
                        Key::Name(k) if is_ident(k) => out.push_str(k),
                        Key::Name(k) => {
                            out.push('\'');
                            escape_into(out, k);
                            out.push('\'');
                        }
                        Key::Expr(e) => Self::write(out, e, indent + 1),
                    }
                    out.push_str(": ");
                    Self::write(out, &p.value, indent + 1);
                    if let Some(c) = &p.comment {
                        out.push_str(" // ");
                        out.push_str(c);
                    }
                    out.push('\n');
                }
                pad(out, indent);
                out.push('}');
            }
            Expr::Not(x) => {
                out.push('!');
                Self::wrap(out, x, indent);
            }
            Expr::Binary(a, op, b) => {
                Self::wrap(out, a, indent);
                let _ = write!(out, " {op} ");
                Self::wrap(out, b, indent);
            }
            Expr::Ternary(c, a, b) => {
                Self::wrap(out, c, indent);
                out.push_str(" ? ");
                Self::write(out, a, indent);
                out.push_str(" : ");
                Self::write(out, b, indent);
            }
            Expr::For(var, iter, body) => {
                let _ = write!(out, "[for {var} in ");
                Self::write(out, iter, indent);
                out.push_str(": ");
                Self::write(out, body, indent);
                out.push(']');
            }
        }
    }

    fn comma_separated(out: &mut String, items: &[Expr], indent: usize) {
        for (n, a) in items.iter().enumerate() {
            if n > 0 {
                out.push_str(", ");
            }
            Self::write(out, a, indent);
        }
    }

    fn wrap(out: &mut String, e: &Expr, indent: usize) {
        if matches!(e, Expr::Binary(..) | Expr::Ternary(..)) {
            out.push('(');
            Self::write(out, e, indent);
            out.push(')');
        } else {
            Self::write(out, e, indent);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_for_bicep() {
        let f = File {
            header: vec![],
            items: vec![Item::Var {
                comment: None,
                name: "x".into(),
                value: s("it's ${not} a \\ path"),
            }],
        };
        assert_eq!(print(&f), "var x = 'it\\'s \\${not} a \\\\ path'\n");
    }

    #[test]
    fn escapes_are_copied_around_whole() {
        let mut out = String::new();
        escape_into(&mut out, "ü$x ${y}\t'\\ é$");
        assert_eq!(out, "ü$x \\${y}\\t\\'\\\\ é$");
    }

    #[test]
    fn objects_nest_with_two_spaces_and_quote_odd_keys() {
        let body = Obj::new()
            .set("name", s("a"))
            .set("tags", Obj::new().set("azd-env-name", id("env")).build())
            .set("zones", arr(vec![s("1"), s("2")]))
            .build();
        let f = File {
            header: vec!["h".into()],
            items: vec![Item::Resource(Resource::new("r", "A/b@1", body))],
        };
        assert_eq!(
            print(&f),
            "// h\n\nresource r 'A/b@1' = {\n  name: 'a'\n  tags: {\n    'azd-env-name': env\n  }\n  zones: ['1', '2']\n}\n"
        );
    }

    #[test]
    fn a_table_prints_as_the_array_of_objects_it_stands_for() {
        let rows = [
            ["a", "it's ${x}"],
            ["b", "short"],
            ["long", &"x".repeat(120)],
        ];
        let mut table = Table::new(&["name", "value"]);
        let mut objects = Vec::new();
        for [name, value] in rows {
            table.str(name);
            table.str(value);
            objects.push(
                Obj::new()
                    .set("name", s(name.to_string()))
                    .set("value", s(value.to_string()))
                    .build(),
            );
        }
        let file = |value: Expr| {
            print(&File {
                header: vec![],
                items: vec![Item::Var {
                    comment: None,
                    name: "t".into(),
                    value: Obj::new().set("rows", value).build(),
                }],
            })
        };
        let printed = file(Expr::Table(Box::new(table.clone())));
        assert_eq!(printed, file(arr(objects)));
        // The long row is broken over lines; the short ones are not.
        assert!(printed.contains("    { name: 'b', value: 'short' }\n"));
        assert!(printed.contains("    {\n      name: 'long'\n"));
        assert_eq!(table.rows(), 3);
        assert_eq!(file(Expr::Table(Box::default())), file(arr(vec![])));
    }

    #[test]
    fn a_rewritten_cell_becomes_bicep_text() {
        let mut table = Table::new(&["name", "value"]);
        table.str("a");
        table.str("swap me");
        table.rewrite(|cell| (cell == "swap me").then(|| ("envValue".to_string(), false)));
        assert!(table.refers);
        let cells: Vec<(&str, bool)> = table.cells().collect();
        assert_eq!(cells, vec![("a", true), ("envValue", false)]);
    }

    #[test]
    fn identifiers_from_names() {
        assert_eq!(ident("", "db-password"), "dbPassword");
        assert_eq!(ident("secret", "db-password"), "secretDbPassword");
        assert_eq!(ident("", "1x"), "x1x");
    }
}
