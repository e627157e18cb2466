//! JSON-RPC messages framed as the Language Server Protocol frames them on a byte stream: header
//! lines, a blank line, then a body of exactly `Content-Length` bytes. The client is not trusted:
//! headers are bounded, a body is bounded and only allocated as its bytes arrive, and a frame that
//! cannot be read is reported and skipped, the reader picking up at the next message.

use serde_json::{Value, json};
use std::io::{self, BufRead, ErrorKind, Read, Write};

/// The largest body read. Full synchronisation sends the whole document with every change, so a
/// body is a document plus some JSON; the largest platform in the benchmark is some 6 MiB, and
/// 64 MiB leaves ten times that with room for the escaping of quotes and newlines. A larger
/// length is refused before anything is allocated, so a hostile one costs nothing.
pub const MAX_BODY_BYTES: u64 = 64 << 20;
/// The longest header line and the most header lines in one frame. Clients send at most
/// `Content-Length` and `Content-Type`, each well under a hundred bytes.
const MAX_HEADER_LINE: usize = 1024;
const MAX_HEADER_LINES: usize = 16;
/// What resynchronisation looks for, compared without regard to case as header names are.
const CONTENT_LENGTH: &[u8] = b"content-length:";

/// JSON-RPC's error codes, and the one LSP adds for requests before `initialize`.
pub const PARSE_ERROR: i32 = -32700;
pub const INVALID_REQUEST: i32 = -32600;
pub const METHOD_NOT_FOUND: i32 = -32601;
pub const INVALID_PARAMS: i32 = -32602;
pub const SERVER_NOT_INITIALIZED: i32 = -32002;
pub const INTERNAL_ERROR: i32 = -32603;
/// LSP's answer to a request the client cancelled before it was handled.
pub const REQUEST_CANCELLED: i32 = -32800;

/// One read from the stream.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// A body of exactly the announced length.
    Body(Vec<u8>),
    /// Bytes that do not make a frame, and why. The announced body has been skipped when its
    /// length could be trusted; otherwise the next read skips to the next `Content-Length:`
    /// header (reported first, so that the client hears of it without sending more).
    Malformed(String),
    /// The input ended (in the middle of a frame included).
    Eof,
}

/// Reads frames from a byte stream, bounded and resynchronising after a bad one.
pub struct FrameReader<R> {
    input: R,
    /// A frame was reported malformed and the next read starts by skipping to `Content-Length:`.
    lost: bool,
    /// A resynchronisation consumed `Content-Length:`: the next header line is its value.
    resumed: bool,
}

enum Line {
    Done,
    TooLong,
    Eof,
}

impl<R: BufRead> FrameReader<R> {
    pub fn new(input: R) -> Self {
        FrameReader {
            input,
            lost: false,
            resumed: false,
        }
    }

    /// The next frame. Every call consumes input or reports its end, so a loop over frames ends.
    pub fn next_frame(&mut self) -> io::Result<Frame> {
        if std::mem::take(&mut self.lost) {
            self.resynchronise()?;
        }
        let mut length = None;
        let mut problem = None;
        let mut lines = 0;
        loop {
            let mut line = Vec::new();
            if std::mem::take(&mut self.resumed) {
                line.extend_from_slice(b"Content-Length:");
            }
            match self.read_line(&mut line)? {
                Line::Eof => return Ok(Frame::Eof),
                Line::TooLong => {
                    return self.drop_frame(format!(
                        "a header line is longer than {MAX_HEADER_LINE} bytes"
                    ));
                }
                Line::Done => {}
            }
            if line.is_empty() {
                // Blank lines before any header are stray line ends between messages.
                if lines == 0 {
                    continue;
                }
                break;
            }
            lines += 1;
            if lines > MAX_HEADER_LINES {
                return self
                    .drop_frame(format!("a frame has more than {MAX_HEADER_LINES} headers"));
            }
            let Some(colon) = line.iter().position(|&b| b == b':') else {
                problem.get_or_insert_with(|| {
                    format!("the header line {:?} has no colon", shorten(&line))
                });
                continue;
            };
            if !line[..colon]
                .trim_ascii()
                .eq_ignore_ascii_case(b"content-length")
            {
                continue;
            }
            let value = line[colon + 1..].trim_ascii();
            match parse_length(value) {
                Ok(n) if length.is_none_or(|l| l == n) => length = Some(n),
                Ok(_) => {
                    return self.drop_frame("two different Content-Length headers".into());
                }
                Err(why) => return self.drop_frame(why),
            }
        }
        let Some(length) = length else {
            return self.drop_frame("a frame has no Content-Length header".into());
        };
        let mut body = Vec::new();
        // Grows as bytes arrive: a length that the client never sends allocates nothing.
        (&mut self.input).take(length).read_to_end(&mut body)?;
        if (body.len() as u64) < length {
            return Ok(Frame::Eof);
        }
        Ok(match problem {
            Some(why) => Frame::Malformed(why),
            None => Frame::Body(body),
        })
    }

    /// Appends one line without its `\n` (or `\r\n`) to `line`, up to `MAX_HEADER_LINE` bytes.
    fn read_line(&mut self, line: &mut Vec<u8>) -> io::Result<Line> {
        loop {
            let buf = match self.input.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                return Ok(Line::Eof);
            }
            let room = MAX_HEADER_LINE.saturating_sub(line.len());
            let window = &buf[..buf.len().min(room + 1)];
            match memchr::memchr(b'\n', window) {
                Some(end) => {
                    line.extend_from_slice(&window[..end]);
                    self.input.consume(end + 1);
                    if line.last() == Some(&b'\r') {
                        line.pop();
                    }
                    return Ok(Line::Done);
                }
                None if window.len() > room => {
                    let n = window.len();
                    self.input.consume(n);
                    return Ok(Line::TooLong);
                }
                None => {
                    let n = window.len();
                    line.extend_from_slice(window);
                    self.input.consume(n);
                }
            }
        }
    }

    /// Reports `why`; the next read skips to the next frame.
    fn drop_frame(&mut self, why: String) -> io::Result<Frame> {
        self.lost = true;
        Ok(Frame::Malformed(why))
    }

    /// Skips to just after the next `Content-Length:` (or to the end of the input); the next
    /// header line read is that header's value.
    fn resynchronise(&mut self) -> io::Result<()> {
        let mut matched = 0;
        loop {
            let buf = match self.input.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                break;
            }
            let mut used = 0;
            for &b in buf {
                used += 1;
                let b = b.to_ascii_lowercase();
                if b == CONTENT_LENGTH[matched] {
                    matched += 1;
                    if matched == CONTENT_LENGTH.len() {
                        break;
                    }
                } else {
                    // The marker's first byte occurs nowhere else in it, so a failed match can
                    // only restart here.
                    matched = usize::from(b == CONTENT_LENGTH[0]);
                }
            }
            self.input.consume(used);
            if matched == CONTENT_LENGTH.len() {
                self.resumed = true;
                break;
            }
        }
        Ok(())
    }
}

/// A `Content-Length` value: decimal digits, at most `MAX_BODY_BYTES`.
fn parse_length(value: &[u8]) -> Result<u64, String> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return Err(format!(
            "the Content-Length {:?} is not a number",
            shorten(value)
        ));
    }
    let n = value.iter().try_fold(0u64, |n, d| {
        n.checked_mul(10)?
            .checked_add(u64::from(d - b'0'))
            .filter(|n| *n <= MAX_BODY_BYTES)
    });
    n.ok_or_else(|| {
        format!(
            "the Content-Length {} is over the limit of {} MiB",
            shorten(value),
            MAX_BODY_BYTES >> 20
        )
    })
}

/// Client bytes quoted in an error message, cut to a readable length.
fn shorten(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(40)]).into_owned();
    if bytes.len() > 40 {
        format!("{text}...")
    } else {
        text
    }
}

/// A JSON-RPC message from the client.
#[derive(Debug, PartialEq)]
pub enum Incoming {
    Request {
        id: Value,
        method: String,
        params: Value,
    },
    Notification {
        method: String,
        params: Value,
    },
    /// A response to a request of the server's (it sends none, so there is nothing to match).
    Response,
    /// Not a message: the error to answer with, for the id if there is one.
    Invalid {
        id: Value,
        code: i32,
        message: String,
    },
}

/// What a body holds. Absent params are null, as they deserialize when optional.
pub fn parse(body: &[u8]) -> Incoming {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Incoming::Invalid {
                id: Value::Null,
                code: PARSE_ERROR,
                message: format!("the message is not JSON: {e}"),
            };
        }
    };
    let invalid = |id: Value, what: &str| Incoming::Invalid {
        id,
        code: INVALID_REQUEST,
        message: format!("the message is not a JSON-RPC request or notification: {what}"),
    };
    let Value::Object(mut object) = value else {
        return invalid(Value::Null, "it is not an object");
    };
    let id = match object.remove("id") {
        None => None,
        Some(id @ (Value::Number(_) | Value::String(_))) => Some(id),
        Some(_) => return invalid(Value::Null, "its id is not a number or a string"),
    };
    let params = object.remove("params").unwrap_or(Value::Null);
    match (object.remove("method"), id) {
        (Some(Value::String(method)), Some(id)) => Incoming::Request { id, method, params },
        (Some(Value::String(method)), None) => Incoming::Notification { method, params },
        (Some(_), id) => invalid(id.unwrap_or_default(), "its method is not a string"),
        (None, Some(_)) if object.contains_key("result") || object.contains_key("error") => {
            Incoming::Response
        }
        (None, id) => invalid(id.unwrap_or_default(), "it has no method"),
    }
}

/// Writes one message, framed, and flushes it.
pub fn write(out: &mut impl Write, message: &Value) -> io::Result<()> {
    let body = message.to_string();
    write!(out, "Content-Length: {}\r\n\r\n", body.len())?;
    out.write_all(body.as_bytes())?;
    out.flush()
}

pub fn response(id: Value, result: Result<Value, (i32, String)>) -> Value {
    match result {
        Ok(result) => json!({ "jsonrpc": "2.0", "id": id, "result": result }),
        Err((code, message)) => {
            json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } })
        }
    }
}

pub fn notification(method: &str, params: Value) -> Value {
    json!({ "jsonrpc": "2.0", "method": method, "params": params })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<Frame> {
        let mut r = FrameReader::new(input);
        let mut out = Vec::new();
        loop {
            match r.next_frame().unwrap() {
                Frame::Eof => return out,
                f => out.push(f),
            }
        }
    }

    fn body(s: &str) -> Frame {
        Frame::Body(s.as_bytes().to_vec())
    }

    fn malformed(f: &Frame, needle: &str) {
        match f {
            Frame::Malformed(why) => assert!(why.contains(needle), "{why}"),
            f => panic!("expected a malformed frame, got {f:?}"),
        }
    }

    #[test]
    fn frames_with_either_line_end_and_any_header_case() {
        let got = frames(b"Content-Length: 2\r\n\r\n{}content-length:3\nContent-Type: x\n\n[1]");
        assert_eq!(got, [body("{}"), body("[1]")]);
    }

    #[test]
    fn bad_lengths_are_reported_and_the_next_frame_is_found() {
        for (length, why) in [
            ("18446744073709551615", "over the limit"),
            ("18446744073709551616", "over the limit"),
            ("67108865", "over the limit"),
            ("ten", "not a number"),
            ("-1", "not a number"),
            ("", "not a number"),
        ] {
            let input = format!("Content-Length: {length}\r\n\r\n{{}}Content-Length: 2\r\n\r\n[]");
            let got = frames(input.as_bytes());
            assert_eq!(got.len(), 2, "{length}: {got:?}");
            malformed(&got[0], why);
            assert_eq!(got[1], body("[]"));
        }
    }

    #[test]
    fn a_frame_without_a_length_is_skipped_to_the_next_header() {
        let got = frames(b"Content-Type: x\r\n\r\n{\"a\":1}Content-Length: 2\r\n\r\n[]");
        assert_eq!(got.len(), 2);
        malformed(&got[0], "no Content-Length");
        assert_eq!(got[1], body("[]"));
    }

    #[test]
    fn a_bad_header_line_skips_the_announced_body() {
        let got = frames(b"Content-Length: 2\r\nnonsense\r\n\r\n{}Content-Length: 2\r\n\r\n[]");
        assert_eq!(got.len(), 2);
        malformed(&got[0], "no colon");
        assert_eq!(got[1], body("[]"));
    }

    #[test]
    fn headers_are_bounded() {
        let long = format!("X: {}\r\nContent-Length: 2\r\n\r\n[]", "a".repeat(5000));
        let got = frames(long.as_bytes());
        malformed(&got[0], "longer than");
        assert_eq!(got[1..], [body("[]")]);
        let many = format!("{}Content-Length: 2\r\n\r\n[]", "X: y\r\n".repeat(20));
        let got = frames(many.as_bytes());
        malformed(&got[0], "more than");
        assert_eq!(got[1..], [body("[]")]);
    }

    #[test]
    fn a_length_never_sent_allocates_nothing_and_ends_at_eof() {
        assert_eq!(frames(b"Content-Length: 60000000\r\n\r\n{}"), []);
        assert_eq!(frames(b"Content-Len"), []);
        assert_eq!(frames(b""), []);
    }

    #[test]
    fn messages_by_shape() {
        assert!(matches!(
            parse(br#"{"jsonrpc":"2.0","id":1,"method":"m"}"#),
            Incoming::Request {
                params: Value::Null,
                ..
            }
        ));
        assert!(matches!(
            parse(br#"{"jsonrpc":"2.0","method":"m","params":{}}"#),
            Incoming::Notification { .. }
        ));
        assert_eq!(
            parse(br#"{"jsonrpc":"2.0","id":1,"result":null}"#),
            Incoming::Response
        );
        for (text, code, id) in [
            ("{", PARSE_ERROR, Value::Null),
            ("\u{0}", PARSE_ERROR, Value::Null),
            ("[]", INVALID_REQUEST, Value::Null),
            ("3", INVALID_REQUEST, Value::Null),
            (r#"{"id":7}"#, INVALID_REQUEST, json!(7)),
            (r#"{"id":"a","method":5}"#, INVALID_REQUEST, json!("a")),
            (r#"{"id":{},"method":"m"}"#, INVALID_REQUEST, Value::Null),
        ] {
            match parse(text.as_bytes()) {
                Incoming::Invalid {
                    id: got, code: c, ..
                } => {
                    assert_eq!((c, got), (code, id), "{text}")
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }
}
