//! The pretty-printing core both printers write through: the Bicep printer and the `.plat`
//! formatter. It owns indentation, line breaks, blank-line groups and the width rule that decides
//! whether a construct stays on one line.

/// Columns a construct may take on one line before it is broken over several.
pub const WIDTH: usize = 100;

const INDENT: &str = "  ";

#[derive(Default)]
pub struct Writer {
    out: String,
    /// A blank line was asked for; written only if more lines follow, and only once.
    pending_blank: bool,
}

impl Writer {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn indent(depth: usize) -> String {
        INDENT.repeat(depth)
    }

    /// A writer that appends to `out`, as if what `out` holds had been written through it.
    pub fn appending(out: String) -> Self {
        Writer {
            out,
            pending_blank: false,
        }
    }

    pub fn line(&mut self, depth: usize, text: &str) {
        if text.is_empty() {
            self.start_line(0);
        } else {
            self.start_line(depth).push_str(text);
        }
        self.out.push('\n');
    }

    /// Starts a line at `depth` and returns the buffer to write its text into, for a long line
    /// (a whole resource) not to be built apart and copied; `end_line` finishes it.
    pub fn start_line(&mut self, depth: usize) -> &mut String {
        if self.pending_blank && !self.out.is_empty() {
            self.out.push('\n');
        }
        self.pending_blank = false;
        for _ in 0..depth {
            self.out.push_str(INDENT);
        }
        &mut self.out
    }

    pub fn end_line(&mut self) {
        self.out.push('\n');
    }

    /// One blank line before the next line, however often it is asked for.
    pub fn blank(&mut self) {
        self.pending_blank = true;
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// Whether `text`, starting at indentation `depth`, fits on one line.
pub fn fits(depth: usize, text: &str) -> bool {
    let room = WIDTH.saturating_sub(depth * INDENT.len());
    // Bytes are never fewer than characters: most lines are decided without counting.
    if text.len() > 4 * room {
        return false;
    }
    !text.contains('\n') && (text.len() <= room || text.chars().count() <= room)
}
