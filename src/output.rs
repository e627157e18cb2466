//! Writing a whole output directory or nothing. Files go to a sibling temporary directory, which
//! then replaces the output by rename; a failure at any point leaves the output exactly as it was.
//! The file system is behind `Fs`, so tests can make any step fail.

use crate::Artifacts;
use std::io;
use std::path::{Path, PathBuf};

pub trait Fs {
    fn create_dir_all(&mut self, p: &Path) -> io::Result<()>;
    /// Creates (or truncates) the file, writes it and flushes it to disk.
    fn write(&mut self, p: &Path, data: &[u8]) -> io::Result<()>;
    fn rename(&mut self, from: &Path, to: &Path) -> io::Result<()>;
    fn remove_dir_all(&mut self, p: &Path) -> io::Result<()>;
    fn exists(&self, p: &Path) -> bool;
}

/// Replaces the directory `out` with exactly `artifacts`.
pub fn write_atomically(out: &Path, artifacts: &Artifacts, fs: &mut dyn Fs) -> io::Result<()> {
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
        for (rel, text) in artifacts {
            let path = tmp.join(rel);
            if let Some(dir) = path.parent() {
                fs.create_dir_all(dir)?;
            }
            fs.write(&path, text.as_bytes())?;
        }
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
