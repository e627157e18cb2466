//! `platc lsp` driven by a real Neovim, configured as the README says, through the checks of
//! tests/nvim/test.lua: diagnostics across files, completion accepted as Neovim accepts it, rename
//! across files, and the other requests. `PLATC_NVIM=/path/to/nvim` makes the test mandatory (CI
//! sets it); without it, an `nvim` on PATH is used if there is one, and the test says it skipped
//! otherwise, so that `cargo test` passes where only Rust is installed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn nvim() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PLATC_NVIM") {
        return Some(PathBuf::from(path));
    }
    let found = Command::new("nvim")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success() && o.stdout.starts_with(b"NVIM v0.1"));
    found.then(|| PathBuf::from("nvim"))
}

/// The two-files example, its registry's sku misspelt, with a `.git` for Neovim's root marker.
fn project() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("platc-nvim-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    std::fs::create_dir_all(dir.join("two-files")).unwrap();
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    std::fs::copy(examples.join("two-files.plat"), dir.join("two-files.plat")).unwrap();
    let services = std::fs::read_to_string(examples.join("two-files/services.plat")).unwrap();
    assert!(services.contains("sku = premium"));
    std::fs::write(
        dir.join("two-files/services.plat"),
        services.replace("sku = premium", "sku = premum"),
    )
    .unwrap();
    dir
}

#[test]
fn neovim_drives_the_server_through_a_project_of_two_files() {
    let Some(nvim) = nvim() else {
        eprintln!("skipped: no nvim on PATH and PLATC_NVIM is not set");
        return;
    };
    let scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/nvim");
    let dir = project();
    let home = dir.join(".nvim-home");
    let mut child = Command::new(&nvim)
        .args(["--headless", "-n", "-i", "NONE", "-u"])
        .arg(scripts.join("init.lua"))
        .arg("-c")
        .arg(format!("luafile {}", scripts.join("test.lua").display()))
        .current_dir(&dir)
        .env("PLATC", env!("CARGO_BIN_EXE_platc"))
        // Neither the user's plugins nor their state.
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", nvim.display()));
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(180) {
            child.kill().unwrap();
            panic!("nvim ran for three minutes");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("every check passed"),
        "nvim: {}\n{stdout}\n{stderr}",
        out.status
    );
    std::fs::remove_dir_all(dir).unwrap();
}
