//! Source files and spans. Every AST node and every diagnostic points into a `SourceMap` by `Span`.

use codespan_reporting::files::{Error as FilesError, Files};
use std::ops::Range;

pub type FileId = usize;

/// A byte range in one file. `u32` keeps AST nodes small; files over 4 GiB are rejected upstream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Span {
            file,
            start: start as u32,
            end: end as u32,
        }
    }

    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// All source text of one compilation, addressed by `FileId`.
#[derive(Default, Clone)]
pub struct SourceMap {
    files: Vec<SourceFile>,
    /// Byte offset of every line start, per file: positions are looked up for every generated
    /// resource, so a scan from the file's start each time would make output quadratic. The
    /// diagnostic renderer reads the same table (`Files` below) rather than a second one.
    line_starts: Vec<Vec<usize>>,
}

#[derive(Clone)]
struct SourceFile {
    name: String,
    text: String,
}

impl SourceMap {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let text = text.into();
        // Vectorised search: a large program has a hundred thousand lines.
        let starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
            .collect();
        self.line_starts.push(starts);
        self.files.push(SourceFile {
            name: name.into(),
            text,
        });
        self.files.len() - 1
    }

    pub fn name(&self, id: FileId) -> &str {
        &self.files[id].name
    }

    pub fn text(&self, id: FileId) -> &str {
        &self.files[id].text
    }

    /// Where line `line_index` (0-based) starts; one past the last line is the end of the text.
    fn line_start(&self, id: FileId, line_index: usize) -> Result<usize, FilesError> {
        let starts = self.line_starts.get(id).ok_or(FilesError::FileMissing)?;
        match line_index.cmp(&starts.len()) {
            std::cmp::Ordering::Less => Ok(starts[line_index]),
            std::cmp::Ordering::Equal => Ok(self.files[id].text.len()),
            std::cmp::Ordering::Greater => Err(FilesError::LineTooLarge {
                given: line_index,
                max: starts.len() - 1,
            }),
        }
    }

    pub fn ids(&self) -> Range<FileId> {
        0..self.files.len()
    }

    pub fn snippet(&self, span: Span) -> &str {
        &self.text(span.file)[span.range()]
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, file: FileId, offset: usize) -> (usize, usize) {
        let mut line = usize::MAX;
        self.line_col_near(file, offset, &mut line)
    }

    /// `line_col`, for offsets that mostly come in source order (a store's key-values): `line` is
    /// the 0-based line of the previous offset and becomes this one's. The next few lines are
    /// stepped through; anything else is searched for.
    pub fn line_col_near(&self, file: FileId, offset: usize, line: &mut usize) -> (usize, usize) {
        let text = self.text(file);
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let starts = &self.line_starts[file];
        let mut at = *line;
        let mut near = at < starts.len() && starts[at] <= offset;
        if near {
            let mut steps = 0;
            while at + 1 < starts.len() && starts[at + 1] <= offset && steps < 8 {
                at += 1;
                steps += 1;
            }
            near = at + 1 == starts.len() || starts[at + 1] > offset;
        }
        if !near {
            at = starts.partition_point(|s| *s <= offset) - 1;
        }
        *line = at;
        let before = &text[starts[at]..offset];
        // Most lines are ASCII, where characters are bytes: no need to count them one by one.
        let col = if before.is_ascii() {
            before.len()
        } else {
            before.chars().count()
        };
        (at + 1, col + 1)
    }
}

impl SourceMap {
    /// 0-based line and UTF-16 column of a byte offset: the positions LSP speaks. The one place
    /// that converts between bytes and UTF-16.
    pub fn utf16_position(&self, file: FileId, offset: usize) -> (u32, u32) {
        let text = self.text(file);
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let starts = &self.line_starts[file];
        let line = starts.partition_point(|s| *s <= offset) - 1;
        let col: usize = text[starts[line]..offset]
            .chars()
            .map(char::len_utf16)
            .sum();
        (line as u32, col as u32)
    }

    /// The byte offset of a 0-based line and UTF-16 column, clamped to the text.
    pub fn utf16_offset(&self, file: FileId, line: u32, character: u32) -> usize {
        let text = self.text(file);
        let starts = &self.line_starts[file];
        let Some(&start) = starts.get(line as usize) else {
            return text.len();
        };
        let end = starts
            .get(line as usize + 1)
            .map_or(text.len(), |e| e.saturating_sub(1));
        let mut units = 0u32;
        for (i, c) in text[start..end].char_indices() {
            if units >= character {
                return start + i;
            }
            units += c.len_utf16() as u32;
        }
        end
    }
}

impl<'a> Files<'a> for SourceMap {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.files
            .get(id)
            .map(|f| f.name.as_str())
            .ok_or(FilesError::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.files
            .get(id)
            .map(|f| f.text.as_str())
            .ok_or(FilesError::FileMissing)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        let starts = self.line_starts.get(id).ok_or(FilesError::FileMissing)?;
        Ok(starts
            .binary_search(&byte_index)
            .unwrap_or_else(|next_line| next_line - 1))
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        Ok(self.line_start(id, line_index)?..self.line_start(id, line_index + 1)?)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn positions_near_the_last_are_the_positions_searched_for() {
        use super::SourceMap;
        let mut sources = SourceMap::new();
        let text = "a\nbé c\n\n  dé\nlast line\nx".repeat(20);
        let file = sources.add("t.plat", text.clone());
        let offsets: Vec<usize> = (0..=text.len())
            .chain((0..=text.len()).rev())
            .chain((0..=text.len()).step_by(7))
            .chain((0..text.len() + 1).step_by(31).rev())
            .collect();
        let mut line = 0;
        for &o in &offsets {
            assert_eq!(
                sources.line_col_near(file, o, &mut line),
                sources.line_col(file, o),
                "offset {o}"
            );
        }
        // A hint from elsewhere (another file's line, past the end) is only a hint.
        let mut line = usize::MAX - 1;
        assert_eq!(
            sources.line_col_near(file, 5, &mut line),
            sources.line_col(file, 5)
        );
    }

    use super::*;

    #[test]
    fn utf16_positions_round_trip() {
        let mut m = SourceMap::new();
        let f = m.add("x", "ab\n\u{1F600}é = 1\n");
        // The emoji is 4 bytes and 2 UTF-16 units.
        let eq = m.text(f).find('=').unwrap();
        assert_eq!(m.utf16_position(f, eq), (1, 4));
        assert_eq!(m.utf16_offset(f, 1, 4), eq);
        assert_eq!(m.utf16_offset(f, 9, 0), m.text(f).len());
        assert_eq!(m.line_col(f, eq), (2, 4));
    }

    #[test]
    fn lines_for_the_renderer_are_codespans_own() {
        use codespan_reporting::files::SimpleFile;
        for text in ["", "one", "a\nb\n", "\n\nx\r\ny", "é\n\u{1F600}\n"] {
            let mut m = SourceMap::new();
            let f = m.add("x", text);
            let simple = SimpleFile::new("x", text);
            for byte in 0..=text.len() {
                assert_eq!(
                    m.line_index(f, byte).unwrap(),
                    simple.line_index((), byte).unwrap()
                );
            }
            for line in 0..text.lines().count() + 3 {
                assert_eq!(
                    m.line_range(f, line).ok(),
                    simple.line_range((), line).ok(),
                    "{text:?} line {line}"
                );
            }
        }
    }
}
