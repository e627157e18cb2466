//! One neutral diagnostic type. Stages produce `Diagnostic`s; adapters in `render` turn them into
//! terminal text or JSON. Wording lives with the code that knows the facts; titles and explanations
//! live in the code registry (`codes`).

pub mod codes;
pub mod render;

pub use codes::Code;

use crate::source::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
    pub primary: bool,
}

/// A machine-applicable repair: replace the text at `span` with `replacement`. Editors offer it as a
/// quick fix; the tests apply it and expect the program to compile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub span: Span,
    pub replacement: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    pub message: String,
    pub labels: Vec<Label>,
    pub notes: Vec<String>,
    pub help: Option<String>,
    pub fix: Option<Fix>,
    /// The diagnostic says that something is declared nowhere. Where a declaration or a file
    /// could not be read, that may be where it is: such a diagnostic is then left out, so one
    /// mistake is not reported again through what it hid.
    pub absence: bool,
}

impl Diagnostic {
    /// A diagnostic with the severity its code is registered with.
    pub fn new(
        code: Code,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: code.severity(),
            code,
            message: message.into(),
            labels: vec![Label {
                span,
                message: label.into(),
                primary: true,
            }],
            notes: Vec::new(),
            help: None,
            fix: None,
            absence: matches!(
                code,
                Code::Unresolved | Code::Unused | Code::MissingPlatform
            ),
        }
    }

    /// Marks the diagnostic as one about something declared nowhere (see `absence`).
    pub fn about_absence(mut self) -> Self {
        self.absence = true;
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// "did you mean `X`?" with the replacement that applies it.
    pub fn suggest(mut self, span: Span, replacement: impl Into<String>) -> Self {
        let replacement = replacement.into();
        self.help = Some(format!("did you mean `{replacement}`?"));
        self.fix = Some(Fix { span, replacement });
        self
    }

    pub fn with_fix(mut self, span: Span, replacement: impl Into<String>) -> Self {
        self.fix = Some(Fix {
            span,
            replacement: replacement.into(),
        });
        self
    }

    /// `with_fix` where a fix is known.
    pub fn with_fix_if(self, fix: Option<(Span, String)>) -> Self {
        match fix {
            Some((span, replacement)) => self.with_fix(span, replacement),
            None => self,
        }
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// `with_note` where `when` holds.
    pub fn with_note_if(self, when: bool, note: impl Into<String>) -> Self {
        if when { self.with_note(note) } else { self }
    }

    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: false,
        });
        self
    }

    pub fn primary_span(&self) -> Span {
        self.labels
            .iter()
            .find(|l| l.primary)
            .map(|l| l.span)
            .unwrap_or_default()
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorted by position then code, so output is the same on every run whatever order checks ran in.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        let (sa, sb) = (a.primary_span(), b.primary_span());
        (sa.file, sa.start, a.code, &a.message).cmp(&(sb.file, sb.start, b.code, &b.message))
    });
}

/// Edit distance for did-you-mean suggestions: insertions, deletions, substitutions, and two
/// neighbouring characters swapped (`valut`, `mian`), the commonest typo, counted as one edit.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows: the one before the previous is needed for swaps.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 0..a.len() {
        let mut cur = vec![i + 1; b.len() + 1];
        for j in 0..b.len() {
            let cost = usize::from(a[i] != b[j]);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            if i > 0 && j > 0 && a[i] == b[j - 1] && a[i - 1] == b[j] {
                cur[j + 1] = cur[j + 1].min(before[j - 1] + 1);
            }
        }
        before = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()]
}

/// The closest candidate, if it is close enough to be a plausible typo, or a longer name the word
/// begins (`purge` → `purge_protection`).
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    let candidates: Vec<&str> = candidates.into_iter().collect();
    let close = candidates
        .iter()
        .map(|c| (edit_distance(&lower, &c.to_ascii_lowercase()), *c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c);
    close.or_else(|| {
        if lower.len() < 3 {
            return None;
        }
        let mut starts: Vec<&str> = candidates
            .iter()
            .copied()
            .filter(|c| c.to_ascii_lowercase().starts_with(&lower))
            .collect();
        starts.sort_by_key(|c| c.len());
        starts.first().copied()
    })
}

/// `a`, `b` or `c` — for "expected one of" messages.
pub fn one_of(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} or {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_pick_the_nearest_plausible_word() {
        assert_eq!(
            did_you_mean("clustr", ["cluster", "vault"]),
            Some("cluster")
        );
        assert_eq!(did_you_mean("xyz", ["cluster", "vault"]), None);
        assert_eq!(
            did_you_mean("purge", ["sku", "purge_protection"]),
            Some("purge_protection")
        );
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("valut", "vault"), 1);
        assert_eq!(did_you_mean("mian", ["main"]), Some("main"));
        assert_eq!(one_of(&["a", "b", "c"]), "`a`, `b` or `c`");
    }
}
