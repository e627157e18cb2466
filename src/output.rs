//! Writing a whole output directory or nothing. Files go to a sibling temporary directory, which
//! then replaces the output by rename; a failure at any point leaves the output exactly as it was.
//! The writes are behind `Fs`, so tests can make any step fail.
//!
//! platc replaces only a directory that is its own: one it is about to create, an empty one, or
//! one whose every file is listed in the `MARKER` file a previous build wrote there. Anything else
//! (a file, a symbolic link, a directory holding the program's source or a file platc did not
//! write) is refused before anything is written. This module, and the CLI, are the only places
//! that touch the file system.

use crate::Artifacts;
use std::io;
use std::path::{Path, PathBuf};

pub trait Fs {
    fn create_dir_all(&self, p: &Path) -> io::Result<()>;
    /// Creates (or truncates) the file, writes it and flushes it to disk.
    fn write(&self, p: &Path, data: &[u8]) -> io::Result<()>;
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    fn remove_dir_all(&self, p: &Path) -> io::Result<()>;
    fn exists(&self, p: &Path) -> bool;
}

/// Writes every artifact under `root`. One thread: writing the two largest files on two threads
/// showed no gain that could be measured (a 13 MB write takes 5 to 55 ms here from run to run),
/// so it went.
fn write_all(root: &Path, artifacts: &Artifacts, fs: &dyn Fs) -> io::Result<()> {
    for rel in artifacts.keys() {
        if let Some(dir) = root.join(rel).parent() {
            fs.create_dir_all(dir)?;
        }
    }
    for (rel, text) in artifacts {
        fs.write(&root.join(rel), text.as_bytes())?;
    }
    Ok(())
}

/// Replaces the directory `out` with exactly `artifacts`.
pub fn write_atomically(out: &Path, artifacts: &Artifacts, fs: &dyn Fs) -> io::Result<()> {
    let (parent, base) = parent_and_base(out);
    fs.create_dir_all(&parent)?;
    let unique = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let tmp = parent.join(format!(".{base}.platc-new-{unique}"));
    let old = parent.join(format!(".{base}.platc-old-{unique}"));
    let mut result = (|| {
        write_all(&tmp, artifacts, fs)?;
        let had_output = fs.exists(out);
        if had_output {
            fs.rename(out, &old)?;
        }
        if let Err(e) = fs.rename(&tmp, out) {
            // Put the previous output back before reporting.
            if had_output {
                fs.rename(&old, out)?;
            }
            return Err(e);
        }
        Ok(())
    })();
    if result.is_err() && fs.exists(&tmp) {
        let _ = fs.remove_dir_all(&tmp);
    }
    // The previous output, once replaced, is only clutter; failing to remove it is reported.
    if fs.exists(&old)
        && !fs.exists(&tmp)
        && fs.exists(out)
        && let Err(e) = fs.remove_dir_all(&old)
    {
        result = result.and(Err(e));
    }
    result
}

/// The file that makes a directory platc's output. Every build writes it, listing the files it
/// wrote beside it; a later build replaces the directory only while it holds nothing else.
pub const MARKER: &str = ".platc-output";

/// The marker's text for an output made of `files`.
pub fn marker<'a>(files: impl Iterator<Item = &'a str>) -> String {
    let mut text = String::from(
        "# platc's output directory: `platc build` replaces it whole.\n\
         # These are the files platc wrote here; it will not replace the directory while it holds\n\
         # any other, so put files of your own elsewhere.\n",
    );
    for f in files {
        text.push_str(f);
        text.push('\n');
    }
    text.push_str(MARKER);
    text.push('\n');
    text
}

/// Why platc will not write an output directory.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error(
        "it is a symbolic link; platc replaces only a directory of its own, so pass the link's target as --out"
    )]
    Symlink,
    #[error("it is not a directory; pass a directory of its own, such as `infra`")]
    NotADirectory,
    #[error(
        "it holds the program's source `{0}`; write the output to a directory of its own, such as `infra` beside the source"
    )]
    HoldsSource(String),
    #[error(
        "it holds {} platc did not write: {}; platc replaces its output directory whole, so move {} elsewhere or pass another --out",
        if .0.len() == 1 { "a file" } else { "files" },
        list(.0),
        if .0.len() == 1 { "it" } else { "them" }
    )]
    Foreign(Vec<String>),
    #[error("{0}")]
    Io(#[from] io::Error),
}

fn list(files: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut text = files
        .iter()
        .take(SHOWN)
        .map(|f| format!("`{f}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if files.len() > SHOWN {
        text.push_str(&format!(" and {} more", files.len() - SHOWN));
    }
    text
}

/// Whether platc may replace `out` with a build of the program made of `sources`. Reads the file
/// system; writes nothing.
pub fn check_owned(out: &Path, sources: &[PathBuf]) -> Result<(), Refusal> {
    let meta = match std::fs::symlink_metadata(out) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.into()),
        Ok(m) => m,
    };
    if meta.file_type().is_symlink() {
        return Err(Refusal::Symlink);
    }
    if !meta.is_dir() {
        return Err(Refusal::NotADirectory);
    }
    let out_abs = out.canonicalize()?;
    for s in sources {
        if let Ok(abs) = s.canonicalize()
            && abs.starts_with(&out_abs)
        {
            return Err(Refusal::HoldsSource(s.to_string_lossy().replace('\\', "/")));
        }
    }
    let listed: Option<Vec<String>> = match crate::load::read_file(&out.join(MARKER)) {
        Ok(text) => Some(
            text.lines()
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned)
                .collect(),
        ),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e.into()),
    };
    let files = entries(out)?;
    let legacy = listed.is_none() && files.iter().any(|(rel, _)| rel == "platc.map.json");
    let foreign: Vec<String> = files
        .into_iter()
        .filter(|(rel, regular)| {
            let owned = match &listed {
                Some(l) => *regular && l.iter().any(|f| f == rel),
                None => *regular && legacy && written_before_markers(out, rel),
            };
            !owned
        })
        .map(|(rel, _)| rel)
        .collect();
    if foreign.is_empty() {
        Ok(())
    } else {
        Err(Refusal::Foreign(foreign))
    }
}

/// Every entry under `dir` that is not a directory, relative to it with `/`, and whether it is a
/// regular file, in order.
pub fn entries(dir: &Path) -> io::Result<Vec<(String, bool)>> {
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort();
    Ok(out)
}

/// Every entry under `dir` that is not a directory, relative to `root` with `/`, and whether it
/// is a regular file (a link or a device is never platc's).
fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, bool)>) -> io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<io::Result<_>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let kind = e.file_type()?;
        if kind.is_dir() {
            walk(root, &path, out)?;
        } else {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            out.push((rel.to_string_lossy().replace('\\', "/"), kind.is_file()));
        }
    }
    Ok(())
}

/// Outputs written before platc marked its directories: the source map, the parameters file, and
/// Bicep files that open with platc's header.
fn written_before_markers(out: &Path, rel: &str) -> bool {
    match rel {
        "platc.map.json" | "main.parameters.json" => true,
        _ if rel.ends_with(".bicep") => crate::load::read_file(&out.join(rel))
            .is_ok_and(|text| text.starts_with("// Generated by platc from ")),
        _ => false,
    }
}

/// Holds every other build of the same directory off until dropped: two builds at once would each
/// move the other's output aside. The lock is on the parent directory, which the swap renames in,
/// so no lock file is left behind; where a directory cannot be locked, builds go unserialised.
pub fn lock_parent(out: &Path) -> Option<std::fs::File> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let dir = std::fs::File::open(parent).ok()?;
    dir.lock().ok()?;
    Some(dir)
}

/// Puts back what a build killed between its two renames left: the previous output, moved aside
/// but not yet replaced, is restored when nothing took its place; then every other leftover of an
/// interrupted build beside `out` is removed. Only names this module makes are touched. Run under
/// `lock_parent`, so no build is in the middle of its swap.
pub fn recover(out: &Path) -> io::Result<()> {
    let (parent, base) = parent_and_base(out);
    let prefix = format!(".{base}.platc-");
    let mut old = Vec::new();
    let mut new = Vec::new();
    let entries = match std::fs::read_dir(&parent) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for e in entries {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        let (kind, stamp) = rest.split_once('-').unwrap_or(("", ""));
        let Some(order) = leftover_stamp(stamp) else {
            continue;
        };
        if !e.file_type()?.is_dir() {
            continue;
        }
        match kind {
            "old" => old.push((order, e.path())),
            "new" => new.push(e.path()),
            _ => {}
        }
    }
    old.sort();
    if std::fs::symlink_metadata(out).is_err()
        && let Some((_, latest)) = old.pop()
    {
        std::fs::rename(latest, out)?;
    }
    for (_, p) in old {
        std::fs::remove_dir_all(p)?;
    }
    for p in new {
        std::fs::remove_dir_all(p)?;
    }
    Ok(())
}

/// `PID-NANOS` as `write_atomically` names its directories, ordered by time.
fn leftover_stamp(stamp: &str) -> Option<(u128, u32)> {
    let (pid, nanos) = stamp.split_once('-')?;
    Some((nanos.parse().ok()?, pid.parse().ok()?))
}

fn parent_and_base(out: &Path) -> (PathBuf, String) {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let base = out
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    (parent, base)
}
