//! JSON text written directly (the source map, the parameters file, feature flags' values): a
//! large platform has hundreds of thousands of such strings, too many to build as JSON values
//! first.

use std::fmt::Write;

/// A JSON string literal.
/// Decimal digits without the formatting machinery: the source map writes two numbers per row.
pub(super) fn number_into(out: &mut String, n: usize) {
    out.push_str(itoa::Buffer::new().format(n));
}

#[cfg(test)]
fn js(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    js_into(&mut out, s);
    out
}

/// Appends `s` as a JSON string literal, escaped as serde_json escapes it; most text needs no
/// escape at all.
pub(super) fn js_into(out: &mut String, s: &str) {
    out.push('"');
    js_body_into(out, s);
    out.push('"');
}

/// The bytes a JSON string cannot hold as they are.
const ESCAPED: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// The inside of a JSON string literal.
pub(super) fn js_body_into(out: &mut String, s: &str) {
    if !crate::any_byte_in(&ESCAPED, s) {
        out.push_str(s);
    } else {
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                c if (c as u32) < 0x20 => {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                }
                c => out.push(c),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn json_strings_match_serde() {
        for s in [
            "plain",
            "a\"b\\c",
            "line\nbreak\ttab\r",
            "\u{1}\u{8}\u{c}\u{1f}",
            "ünï/cødé",
        ] {
            assert_eq!(super::js(s), serde_json::to_string(s).unwrap());
        }
    }
}
