//! Atomic output under faults: whichever step of writing fails, the output directory is exactly as
//! it was and no temporary directory is left; concurrent builds never leave a mix.

use platc::Artifacts;
use platc::output::{Fs, write_atomically};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The real file system, failing the `fail_at`-th operation that changes something.
struct Faulty {
    step: AtomicUsize,
    fail_at: usize,
}

impl Faulty {
    fn new(fail_at: usize) -> Faulty {
        Faulty {
            step: AtomicUsize::new(0),
            fail_at,
        }
    }
    fn tick(&self) -> io::Result<()> {
        if self.step.fetch_add(1, Ordering::SeqCst) + 1 == self.fail_at {
            Err(io::Error::other("injected failure"))
        } else {
            Ok(())
        }
    }
}

impl Fs for Faulty {
    fn create_dir_all(&self, p: &Path) -> io::Result<()> {
        self.tick()?;
        std::fs::create_dir_all(p)
    }
    fn write(&self, p: &Path, data: &[u8]) -> io::Result<()> {
        self.tick()?;
        let mut f = std::fs::File::create(p)?;
        // Fail halfway through a file, too.
        f.write_all(&data[..data.len() / 2])?;
        self.tick()?;
        f.write_all(&data[data.len() / 2..])
    }
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        self.tick()?;
        std::fs::rename(from, to)
    }
    fn remove_dir_all(&self, p: &Path) -> io::Result<()> {
        std::fs::remove_dir_all(p)
    }
    fn exists(&self, p: &Path) -> bool {
        p.exists()
    }
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push((
                    p.strip_prefix(root).unwrap().to_string_lossy().into_owned(),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("platc-output-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A small output, or (with `large`) one of a few megabytes.
fn artifacts(tag: &str, large: bool) -> Artifacts {
    let filler = |what: &str, n: usize| {
        let line = format!("// {tag} {what}\n");
        if large { line.repeat(n) } else { line }
    };
    let mut a = Artifacts::new();
    a.insert("main.bicep".into(), filler("main", 80_000));
    a.insert("main.parameters.json".into(), filler("parameters", 5_000));
    a.insert("modules/aks.bicep".into(), filler("aks", 100));
    a.insert("modules/keyvault.bicep".into(), filler("kv", 100));
    a.insert("platc.map.json".into(), filler("map", 70_000));
    a
}

#[test]
fn any_failed_step_leaves_the_previous_output() {
    for large in [false, true] {
        failed_steps_leave_the_previous_output(large);
    }
}

fn failed_steps_leave_the_previous_output(large: bool) {
    let dir = scratch(if large { "faults-large" } else { "faults" });
    let out = dir.join("infra");
    let write_old = || {
        write_atomically(&out, &artifacts("old", large), &Faulty::new(0)).unwrap();
    };
    write_old();
    let before = snapshot(&out);
    let mut failures = 0;
    for fail_at in 1..40 {
        match write_atomically(&out, &artifacts("new", large), &Faulty::new(fail_at)) {
            Err(_) => {
                failures += 1;
                assert_eq!(
                    snapshot(&out),
                    before,
                    "failing step {fail_at} changed the output"
                );
            }
            Ok(()) => {
                assert_eq!(
                    snapshot(&out),
                    snapshot_of(&artifacts("new", large)),
                    "step {fail_at}"
                );
                // Put the old output back for the next round.
                write_old();
            }
        }
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "step {fail_at} left {leftovers:?}");
    }
    assert!(failures >= 8, "only {failures} steps failed");
}

fn snapshot_of(a: &Artifacts) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = a
        .iter()
        .map(|(k, v)| (k.clone(), v.clone().into_bytes()))
        .collect();
    v.sort();
    v
}

#[test]
fn concurrent_builds_never_mix() {
    let dir = scratch("concurrent");
    let out = dir.join("infra");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/platform.plat");
    let two = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/two-files.plat");
    for _ in 0..5 {
        let a = std::process::Command::new(env!("CARGO_BIN_EXE_platc"))
            .arg("build")
            .arg(&example)
            .arg("--out")
            .arg(&out)
            .spawn()
            .unwrap();
        let b = std::process::Command::new(env!("CARGO_BIN_EXE_platc"))
            .arg("build")
            .arg(&two)
            .arg("--out")
            .arg(&out)
            .spawn()
            .unwrap();
        let (ra, rb) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        // Builds of one directory wait for each other: both succeed, one after the other.
        assert!(ra.status.success() && rb.status.success(), "{ra:?} {rb:?}");
        // Whatever won, the directory is one build's complete output, not a mix.
        let main = std::fs::read_to_string(out.join("main.bicep")).unwrap();
        let from_one = main.contains("platform.plat");
        let files: Vec<String> = snapshot(&out).into_iter().map(|(k, _)| k).collect();
        if from_one {
            assert!(
                files.contains(&"modules/metrics.bicep".to_string()),
                "{files:?}"
            );
        } else {
            assert!(
                !files.contains(&"modules/metrics.bicep".to_string()),
                "{files:?}"
            );
        }
        for (name, text) in snapshot(&out) {
            if name.ends_with(".bicep") {
                let text = String::from_utf8(text).unwrap();
                assert_eq!(
                    text.contains("two-files"),
                    !from_one,
                    "{name} comes from the other build"
                );
            }
        }
    }
}
