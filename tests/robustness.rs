//! No input makes platc panic: mangled versions of every fixture and example, and raw bytes, all
//! end in diagnostics or output. A fixed-seed generator keeps the run reproducible.

use platc::source::SourceMap;
use platc::{Options, compile};
use std::path::Path;

/// xorshift64*: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const PIECES: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "\"",
    "=",
    ",",
    ".",
    "..",
    "/",
    "\\",
    "//",
    "///",
    "\n",
    " on ",
    " in ",
    "cluster",
    "vault.",
    "network.core.",
    "0",
    "99999999999999999999999",
    "10.0.0.0/8",
    "1.2.3.4",
    "5m",
    "é",
    "\u{0}",
    "extension",
    "pool",
    "secure(",
    "env(",
    "git(",
    "blob(",
    "true",
    "-",
    "_",
];

fn corpus() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut texts = Vec::new();
    for dir in ["examples", "tests/fixtures"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap().flatten() {
            if e.path().extension().is_some_and(|x| x == "plat") {
                texts.push(std::fs::read_to_string(e.path()).unwrap());
            }
        }
    }
    texts.sort();
    texts
}

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut s: Vec<char> = text.chars().collect();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(s.len() + 1);
        match rng.below(4) {
            0 => {
                let len = rng.below(40).min(s.len() - at.min(s.len()));
                s.drain(at..at + len);
            }
            1 => {
                let piece = PIECES[rng.below(PIECES.len())];
                for (i, c) in piece.chars().enumerate() {
                    s.insert(at + i, c);
                }
            }
            2 if !s.is_empty() => {
                let from = rng.below(s.len());
                let len = rng.below(60).min(s.len() - from);
                let chunk: Vec<char> = s[from..from + len].to_vec();
                for (i, c) in chunk.into_iter().enumerate() {
                    s.insert(at + i, c);
                }
            }
            _ => {
                if at < s.len() {
                    s[at] = char::from(b' ' + (rng.below(95) as u8));
                }
            }
        }
    }
    s.into_iter().collect()
}

fn compile_text(text: &str) {
    let mut sources = SourceMap::new();
    sources.add("mutant.plat", text);
    let result = compile(&sources, &Options::default());
    // Every diagnostic's spans lie inside the source, so rendering never fails.
    for d in &result.diagnostics {
        for l in &d.labels {
            assert!(
                l.span.end as usize <= text.len() && l.span.start <= l.span.end,
                "span out of bounds: {d:?}"
            );
            assert!(
                text.is_char_boundary(l.span.start as usize)
                    && text.is_char_boundary(l.span.end as usize),
                "span splits a character: {d:?}"
            );
        }
    }
    let _ = platc::diag::render::human(&sources, &result.diagnostics, false);
    assert!(result.has_errors() || !result.artifacts.is_empty() || text.is_empty());
}

#[test]
fn mutated_programs_never_panic() {
    let corpus = corpus();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..3000 {
        let base = &corpus[round % corpus.len()];
        let text = mutate(&mut rng, base);
        let outcome = std::panic::catch_unwind(|| compile_text(&text));
        assert!(outcome.is_ok(), "panic on mutant {round}:\n{text}");
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(42);
    for _ in 0..500 {
        let len = rng.below(200);
        let bytes: Vec<u8> = (0..len).map(|_| rng.below(256) as u8).collect();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        compile_text(&text);
    }
}

/// The hand-written fast path of the parser must build exactly what the pest grammar builds
/// (tree, spans and diagnostics) on every program: the originals, their mutants (mostly broken,
/// which exercises where the fast path gives up) and large synthetic platforms.
#[test]
fn the_fast_parser_agrees_with_the_grammar() {
    let mut texts = corpus();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let originals = texts.clone();
    for round in 0..6000 {
        texts.push(mutate(&mut rng, &originals[round % originals.len()]));
    }
    texts.push(platc::synth::platform(30));
    let mut fast_ok = 0;
    for text in &texts {
        let fast = platc::syntax::parse(0, text);
        let grammar = platc::syntax::parse_by_grammar(0, text);
        assert_eq!(fast.0, grammar.0, "trees differ on:\n{text}");
        let described = |d: &[platc::diag::Diagnostic]| -> Vec<String> {
            d.iter()
                .map(|d| format!("{:?} {} {:?}", d.code, d.message, d.primary_span()))
                .collect()
        };
        assert_eq!(
            described(&fast.1),
            described(&grammar.1),
            "diagnostics differ on:\n{text}"
        );
        fast_ok += usize::from(fast.1.is_empty());
    }
    // Mutants that still parse are common enough that the comparison covers real trees.
    assert!(fast_ok > 500, "{fast_ok}");
}
