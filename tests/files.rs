//! What platc reads: regular files of bounded size only, each file of a program once, and text
//! as editors see it (a byte order mark is whitespace; a lone carriage return is refused).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("platc-files-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const PLATFORM: &str = "platform \"x\" {\n  private_networking = false\n}\n";

/// `platc check`, killed if it has not finished within a minute (a hang is a failure, not a
/// stuck test run).
fn check(file: &Path) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_platc"))
        .args(["check", "--color", "never"])
        .arg(file)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("platc check {} did not finish", file.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[cfg(unix)]
#[test]
fn an_import_that_is_a_fifo_or_a_device_is_refused_at_once() {
    let dir = scratch("special");
    let fifo = dir.join("fifo.plat");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.plat")).unwrap();
    let main = dir.join("main.plat");
    std::fs::write(
        &main,
        format!("import \"fifo.plat\"\nimport \"zero.plat\"\n{PLATFORM}"),
    )
    .unwrap();
    let o = check(&main);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).matches("not a regular file").count(),
        2,
        "{}",
        stderr(&o)
    );
    // The root itself, too.
    let o = check(&dir.join("zero.plat"));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a regular file"));
}

#[test]
fn a_file_over_the_limit_is_refused() {
    let dir = scratch("large");
    let big = dir.join("big.plat");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(platc::load::MAX_FILE_BYTES + 1).unwrap();
    let o = check(&big);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("larger than 128 MiB"), "{}", stderr(&o));
}

#[cfg(unix)]
#[test]
fn a_file_imported_through_a_link_and_its_path_is_read_once() {
    let dir = scratch("link");
    std::fs::write(dir.join("lib.plat"), "logs \"ops\" { }\n").unwrap();
    std::os::unix::fs::symlink("lib.plat", dir.join("alias.plat")).unwrap();
    let main = dir.join("main.plat");
    std::fs::write(
        &main,
        format!("import \"lib.plat\"\nimport \"alias.plat\"\n{PLATFORM}"),
    )
    .unwrap();
    let o = check(&main);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn a_byte_order_mark_is_whitespace() {
    let dir = scratch("bom");
    let file = dir.join("p.plat");
    std::fs::write(&file, format!("\u{feff}{PLATFORM}logs \"ops\" {{ }}\n")).unwrap();
    let o = check(&file);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Positions after it are the editor's: the error is on line 4, column 21.
    std::fs::write(
        &file,
        format!("\u{feff}{PLATFORM}logs \"ops\" {{ retention_days = \"x\" }}\n"),
    )
    .unwrap();
    let o = check(&file);
    assert!(stderr(&o).contains("p.plat:4:31"), "{}", stderr(&o));
}

#[test]
fn a_lone_carriage_return_is_refused_where_it_is() {
    let dir = scratch("cr");
    let file = dir.join("p.plat");
    // An editor shows `logs` on a line of its own; a `//` comment here would run to the `\n`.
    std::fs::write(
        &file,
        "platform \"x\" {\r\n  private_networking = false // note\rlogs \"a\" { }\n}\n",
    )
    .unwrap();
    let o = check(&file);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("error[E0001]: a carriage return that is not part of a line break"),
        "{err}"
    );
    assert!(err.contains("p.plat:2:37"), "{err}");
}
