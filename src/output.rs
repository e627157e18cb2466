//! Writing a whole output directory or nothing. Files go to a sibling temporary directory, which
//! then replaces the output by rename; a failure at any point leaves the output exactly as it was.
//! The file system is behind `Fs`, so tests can make any step fail.

use crate::Artifacts;
use std::io;
use std::path::{Path, PathBuf};

/// Shared between threads: a large output's files are written two at a time.
pub trait Fs: Sync {
    fn create_dir_all(&self, p: &Path) -> io::Result<()>;
    /// Creates (or truncates) the file, writes it and flushes it to disk.
    fn write(&self, p: &Path, data: &[u8]) -> io::Result<()>;
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    fn remove_dir_all(&self, p: &Path) -> io::Result<()>;
    fn exists(&self, p: &Path) -> bool;
}

/// Below this many bytes one thread writes everything: a second would cost more than it saves.
const PARALLEL_BYTES: usize = 1 << 20;

/// Writes every artifact under `root`. A large output goes out on two threads, each taking the
/// largest file left to the one with less to write, since a build's two largest files (main.bicep
/// and the source map) are each about half of it and the kernel copies each at a few hundred MB/s.
fn write_all(root: &Path, artifacts: &Artifacts, fs: &dyn Fs) -> io::Result<()> {
    for rel in artifacts.keys() {
        if let Some(dir) = root.join(rel).parent() {
            fs.create_dir_all(dir)?;
        }
    }
    let write = |files: &[(&String, &String)]| -> io::Result<()> {
        for (rel, text) in files {
            fs.write(&root.join(rel), text.as_bytes())?;
        }
        Ok(())
    };
    let total: usize = artifacts.values().map(String::len).sum();
    let mut files: Vec<(&String, &String)> = artifacts.iter().collect();
    if total < PARALLEL_BYTES || crate::threads() < 2 {
        return write(&files);
    }
    files.sort_by_key(|(_, text)| std::cmp::Reverse(text.len()));
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let (mut a_len, mut b_len) = (0, 0);
    for f in files {
        if a_len <= b_len {
            a_len += f.1.len();
            a.push(f);
        } else {
            b_len += f.1.len();
            b.push(f);
        }
    }
    std::thread::scope(|s| {
        let other = s.spawn(|| write(&b));
        let mine = write(&a);
        let other = other
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        mine.and(other)
    })
}

/// Replaces the directory `out` with exactly `artifacts`.
pub fn write_atomically(out: &Path, artifacts: &Artifacts, fs: &dyn Fs) -> io::Result<()> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs.create_dir_all(&parent)?;
    let base = out
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
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
