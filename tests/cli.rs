//! The command line as CI and authors use it: exit codes, atomic output, `--check`, JSON.

use std::path::{Path, PathBuf};
use std::process::Command;

fn platc() -> Command {
    Command::new(env!("CARGO_BIN_EXE_platc"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("platc-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/platform.plat")
}

/// A copy of the example in `dir`, with the folder of manifests it publishes.
fn copy_example(dir: &Path) -> PathBuf {
    let source = dir.join("platform.plat");
    std::fs::copy(example(), &source).unwrap();
    let from = example().with_file_name("private-manifests/vendor");
    let to = dir.join("private-manifests/vendor");
    std::fs::create_dir_all(&to).unwrap();
    for f in std::fs::read_dir(from).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), to.join(f.file_name())).unwrap();
    }
    source
}

#[test]
fn build_writes_infra_and_check_sees_it_fresh_then_stale() {
    let dir = scratch("build");
    let out = dir.join("infra");
    let st = platc()
        .arg("build")
        .arg(example())
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(0));
    assert!(out.join("main.bicep").is_file() && out.join("modules/aks.bicep").is_file());
    let st = platc()
        .args(["build", "--check"])
        .arg(example())
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(0));
    std::fs::write(out.join("modules/aks.bicep"), "// edited by hand\n").unwrap();
    let o = platc()
        .args(["build", "--check"])
        .arg(example())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("modules/aks.bicep differs"));
    // --check wrote nothing.
    assert_eq!(
        std::fs::read_to_string(out.join("modules/aks.bicep")).unwrap(),
        "// edited by hand\n"
    );
}

#[test]
fn a_failing_build_leaves_the_output_untouched() {
    let dir = scratch("atomic");
    let out = dir.join("infra");
    std::fs::create_dir_all(out.join("modules")).unwrap();
    std::fs::write(out.join("main.bicep"), "previous\n").unwrap();
    let bad = dir.join("bad.plat");
    std::fs::write(&bad, "platform \"x\" { }\nvault \"v\" { sku = gold }\n").unwrap();
    let o = platc()
        .arg("build")
        .arg(&bad)
        .arg("--out")
        .arg(&out)
        .arg("--color=never")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("error[E0106]"), "{stderr}");
    assert!(stderr.contains("bad.plat:2:19"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(out.join("main.bicep")).unwrap(),
        "previous\n"
    );
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        2,
        "no temporary directory left behind"
    );
}

fn build_into(file: &Path, out: &Path) -> std::process::Output {
    platc()
        .arg("build")
        .arg(file)
        .arg("--out")
        .arg(out)
        .arg("--color=never")
        .output()
        .unwrap()
}

#[test]
fn rebuilding_replaces_stale_files() {
    let dir = scratch("replace");
    let out = dir.join("infra");
    // A platform with metrics writes modules/metrics.bicep; one without removes it, since platc
    // wrote it.
    assert_eq!(build_into(&example(), &out).status.code(), Some(0));
    assert!(out.join("modules/metrics.bicep").is_file());
    let two = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/two-files.plat");
    let o = build_into(&two, &out);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(!out.join("modules/metrics.bicep").exists());
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

/// The directory's files, with their contents.
fn contents(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if e.file_type().unwrap().is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap_or_default()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn files_platc_did_not_write_are_never_deleted() {
    let dir = scratch("foreign");
    let out = dir.join("infra");
    assert_eq!(build_into(&example(), &out).status.code(), Some(0));
    std::fs::write(out.join("notes.md"), "mine\n").unwrap();
    std::fs::write(out.join("modules/extra.bicep"), "// mine\n").unwrap();
    let before = contents(&dir);
    let o = build_into(&example(), &out);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("platc did not write: `modules/extra.bicep`, `notes.md`"),
        "{stderr}"
    );
    assert_eq!(contents(&dir), before, "nothing was written or removed");

    // A directory platc never wrote, holding anything at all, is not platc's.
    let theirs = dir.join("theirs");
    std::fs::create_dir_all(&theirs).unwrap();
    std::fs::write(theirs.join("main.bicep"), "// hand-written\n").unwrap();
    let o = build_into(&example(), &theirs);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(theirs.join("main.bicep")).unwrap(),
        "// hand-written\n"
    );
}

#[test]
fn the_source_directory_a_file_and_a_link_are_refused_as_output() {
    let dir = scratch("refuse");
    let source = copy_example(&dir);
    let before = contents(&dir);
    for (out, why) in [
        (dir.clone(), "holds the program's source"),
        (dir.join("."), "holds the program's source"),
        (
            dir.parent().unwrap().to_path_buf(),
            "holds the program's source",
        ),
    ] {
        let o = build_into(&source, &out);
        assert_eq!(o.status.code(), Some(2), "{out:?}");
        assert!(String::from_utf8_lossy(&o.stderr).contains(why), "{o:?}");
    }
    let file = dir.join("infra.txt");
    std::fs::write(&file, "keep\n").unwrap();
    let o = build_into(&source, &file);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a directory"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep\n");
    std::fs::remove_file(&file).unwrap();
    #[cfg(unix)]
    {
        let target = dir.join("real");
        std::fs::create_dir(&target).unwrap();
        std::os::unix::fs::symlink(&target, dir.join("link")).unwrap();
        let o = build_into(&source, &dir.join("link"));
        assert_eq!(o.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&o.stderr).contains("symbolic link"));
        assert!(dir.join("link").symlink_metadata().unwrap().is_symlink());
        std::fs::remove_file(dir.join("link")).unwrap();
        std::fs::remove_dir(&target).unwrap();
    }
    assert_eq!(contents(&dir), before);
}

#[test]
fn an_interrupted_swap_is_put_back_and_leftovers_are_cleaned() {
    let dir = scratch("recover");
    let out = dir.join("infra");
    assert_eq!(build_into(&example(), &out).status.code(), Some(0));
    // Killed between the two renames: the previous output moved aside, the new one complete
    // beside it, and nothing at `infra`.
    std::fs::rename(&out, dir.join(".infra.platc-old-7-100")).unwrap();
    std::fs::create_dir(dir.join(".infra.platc-new-7-100")).unwrap();
    std::fs::write(dir.join(".infra.platc-new-7-100/main.bicep"), "half\n").unwrap();
    // Not a leftover of platc's: kept.
    std::fs::create_dir(dir.join(".infra.platc-notes")).unwrap();
    // The previous output is put back before ownership is judged: a file of the author's in it
    // stops this build, and the output is where it was.
    std::fs::write(dir.join(".infra.platc-old-7-100/notes.md"), "mine\n").unwrap();
    let o = build_into(&example(), &out);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert_eq!(
        std::fs::read_to_string(out.join("notes.md")).unwrap(),
        "mine\n"
    );
    std::fs::remove_file(out.join("notes.md")).unwrap();
    assert_eq!(build_into(&example(), &out).status.code(), Some(0));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, [".infra.platc-notes", "infra"]);
}

#[test]
fn usage_and_io_errors_exit_2() {
    let o = platc()
        .args(["build", "/no/such/file.plat"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read"));
    assert_eq!(
        platc().args(["frobnicate"]).output().unwrap().status.code(),
        Some(2)
    );
    assert_eq!(
        platc()
            .args(["explain", "E9999"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn check_prints_json_and_writes_nothing() {
    let dir = scratch("json");
    let bad = dir.join("bad.plat");
    std::fs::write(
        &bad,
        "platform \"x\" { private_networking = false }\nvault \"kv\" { purge = true }\n",
    )
    .unwrap();
    let o = platc()
        .current_dir(&dir)
        .args(["check", "bad.plat", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["diagnostics"][0]["code"], "E0102");
    assert_eq!(
        v["diagnostics"][0]["help"],
        "did you mean `purge_protection`?"
    );
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
}

#[test]
fn explain_prints_the_registry_entry() {
    let o = platc().args(["explain", "e0201"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.starts_with("E0201 (error): literal secret value"),
        "{text}"
    );
    assert!(text.contains("secure(\"DB_PASSWORD\")"));
}

#[test]
fn garbage_input_is_a_diagnostic_not_a_panic() {
    let dir = scratch("garbage");
    for (i, bytes) in [
        &b"\xff\xfe\x00"[..],
        b"{{{{",
        b"platform",
        b"\"unterminated",
        b"a = [1, 2",
    ]
    .iter()
    .enumerate()
    {
        let f = dir.join(format!("g{i}.plat"));
        std::fs::write(&f, bytes).unwrap();
        let o = platc().arg("check").arg(&f).output().unwrap();
        let code = o.status.code();
        assert!(
            code == Some(1) || code == Some(2),
            "input {i}: {code:?}\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
    }
}

#[test]
fn sarif_output_has_rules_results_and_fixes() {
    let dir = scratch("sarif");
    std::fs::write(
        dir.join("p.plat"),
        "platform \"x\" { private_networking = false }\nregistry \"r\" { sku = premum }\n",
    )
    .unwrap();
    let o = platc()
        .current_dir(&dir)
        .args(["check", "p.plat", "--format", "sarif"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), platc::diag::Code::ALL.len());
    assert!(
        rules
            .iter()
            .all(|r| r["shortDescription"]["text"].is_string()
                && r["fullDescription"]["text"].is_string()
                && r["help"]["text"].is_string())
    );
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "E0106");
    assert_eq!(
        rules[result["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "E0106"
    );
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(2), Some(22))
    );
    assert_eq!(
        result["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"],
        "premium"
    );
}

#[test]
fn deny_warnings_turns_warnings_into_failure() {
    let dir = scratch("deny");
    std::fs::write(dir.join("p.plat"), "platform \"x\" { private_networking = false }\nnetwork \"spare\" { address_space = [10.9.0.0/16] }\n").unwrap();
    let ok = platc()
        .current_dir(&dir)
        .args(["check", "p.plat"])
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&ok.stderr).contains("warning[W0301]"));
    let denied = platc()
        .current_dir(&dir)
        .args(["build", "p.plat", "--deny-warnings"])
        .output()
        .unwrap();
    assert_eq!(denied.status.code(), Some(1));
    assert!(!dir.join("infra").exists(), "a denied build writes nothing");
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let dir = scratch("colour");
    std::fs::write(
        dir.join("p.plat"),
        "platform \"x\" { }\nvault \"v\" { sku = gold }\n",
    )
    .unwrap();
    let always = platc()
        .current_dir(&dir)
        .args(["check", "p.plat", "--color", "always"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&always.stderr).contains("\u{1b}["));
    let auto = platc()
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .args(["check", "p.plat"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&auto.stderr).contains("\u{1b}["));
}

#[test]
fn imports_are_followed_and_their_errors_point_into_the_right_file() {
    let dir = scratch("imports");
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    std::fs::write(
        dir.join("main.plat"),
        "import \"lib/kv.plat\"\nplatform \"x\" { private_networking = false }\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("lib/kv.plat"),
        "import \"missing.plat\"\nvault \"kv\" { sku = gold }\n",
    )
    .unwrap();
    let o = platc()
        .current_dir(&dir)
        .args(["check", "main.plat", "--color", "never"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("error[E0116]: `lib/missing.plat` does not exist"),
        "{err}"
    );
    assert!(err.contains("lib/kv.plat:1:8"), "{err}");
    assert!(err.contains("error[E0106]"), "{err}");
    assert!(err.contains("lib/kv.plat:2:20"), "{err}");
}

#[test]
fn output_is_the_same_from_any_working_directory() {
    let a = scratch("cwd-a");
    let b = scratch("cwd-b");
    let two = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/two-files.plat");
    let st = platc()
        .current_dir(&a)
        .arg("build")
        .arg(&two)
        .args(["--out", "infra"])
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(0));
    let st = platc()
        .current_dir(std::env::temp_dir())
        .arg("build")
        .arg(&two)
        .arg("--out")
        .arg(b.join("infra"))
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(0));
    for f in [
        "main.bicep",
        "main.parameters.json",
        "modules/aks.bicep",
        "modules/identity.bicep",
    ] {
        assert_eq!(
            std::fs::read(a.join("infra").join(f)).unwrap(),
            std::fs::read(b.join("infra").join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn init_scaffolds_a_project_that_builds_and_refuses_to_overwrite() {
    let dir = scratch("init").join("Acme Shop");
    let o = platc().arg("init").arg(&dir).output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let yaml = std::fs::read_to_string(dir.join("azure.yaml")).unwrap();
    assert!(
        yaml.contains("name: acme-shop")
            && yaml.contains("preprovision:")
            && yaml.contains("platc build platform.plat")
    );
    let st = platc()
        .current_dir(&dir)
        .args(["build", "platform.plat", "--deny-warnings"])
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(0));
    assert!(dir.join("infra/main.bicep").is_file());
    let again = platc().arg("init").arg(&dir).output().unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already has platform.plat"));
}

#[test]
fn fmt_rewrites_and_check_reports() {
    let dir = scratch("fmt");
    let f = dir.join("p.plat");
    std::fs::write(&f, "platform \"x\"{private_networking=false}\n").unwrap();
    let o = platc().args(["fmt", "--check"]).arg(&f).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("would reformat"));
    assert_eq!(
        std::fs::read_to_string(&f).unwrap(),
        "platform \"x\"{private_networking=false}\n"
    );
    assert_eq!(platc().arg("fmt").arg(&f).status().unwrap().code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(&f).unwrap(),
        "platform \"x\" { private_networking = false }\n"
    );
    assert_eq!(
        platc()
            .args(["fmt", "--check"])
            .arg(&f)
            .status()
            .unwrap()
            .code(),
        Some(0)
    );
    std::fs::write(&f, "vault \"x\" { sku = }\n").unwrap();
    assert_eq!(
        platc().arg("fmt").arg(&f).status().unwrap().code(),
        Some(1),
        "a file that does not parse is left alone"
    );
}

#[test]
fn completion_scripts_name_every_subcommand() {
    let help = platc().arg("--help").output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    // The subcommands as `--help` lists them: indented words before their description.
    let subcommands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| *w != "help")
        .collect();
    assert!(subcommands.len() >= 10, "{subcommands:?}");
    assert!(subcommands.contains(&"completions"));
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = platc().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        for sub in &subcommands {
            assert!(script.contains(sub), "{shell} completion lacks `{sub}`");
        }
    }
    let out = platc().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

/// Rules from the program's folder and from `--policy`, read from disk, in JSON output; the input
/// `platc export` prints is the document the rules saw.
#[test]
fn rules_from_files_and_the_command_line_and_the_input_export_prints() {
    let dir = scratch("policy");
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    std::fs::write(
        dir.join("platform.plat"),
        "platform \"demo\" {\n  private_networking = false\n  environments = [\"dev\", \"prod\"]\n  policies = [\"rules\"]\n}\nstorage \"data\" {\n  replication = zrs\n  env \"prod\" { replication = lrs }\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("rules/seen.rego"),
        "package seen\n\nimport rego.v1\n\ndeny contains json.marshal(input) if input.environment == \"prod\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("extra.rego"),
        "package main\n\nimport rego.v1\n\nwarn contains {\"msg\": \"not geo-redundant\", \"path\": [\"storages\", s, \"replication\"]} if {\n\tsome s, x in input.storages\n\tx.replication != \"gzrs\"\n}\n",
    )
    .unwrap();
    let check = |extra: &[&str]| {
        platc()
            .current_dir(&dir)
            .args(["check", "platform.plat", "--format", "json"])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = check(&["--policy", "extra.rego"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let diags = report["diagnostics"].as_array().unwrap();
    let codes: Vec<&str> = diags.iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["E0401", "W0401", "W0401"], "{report}");
    let seen = diags[0]["message"].as_str().unwrap();
    let seen = seen.strip_suffix(" (in environment `prod`)").unwrap();
    let seen: serde_json::Value = serde_json::from_str(seen).unwrap();
    // The warning holds in prod only at prod's override, and everywhere else at the default.
    let lines: Vec<u64> = diags[1..]
        .iter()
        .map(|d| d["labels"][0]["start"]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [7, 8]);
    let export = platc()
        .current_dir(&dir)
        .args(["export", "platform.plat", "--environment", "prod"])
        .output()
        .unwrap();
    assert_eq!(export.status.code(), Some(0));
    let exported: serde_json::Value = serde_json::from_slice(&export.stdout).unwrap();
    assert_eq!(exported, seen);
    assert_eq!(exported["storages"]["data"]["replication"], "lrs");
    let missing = check(&["--policy", "nowhere.rego"]);
    assert_eq!(missing.status.code(), Some(2));
    let unnamed = platc()
        .current_dir(&dir)
        .args(["export", "platform.plat", "--environment", "staging"])
        .output()
        .unwrap();
    assert_eq!(unnamed.status.code(), Some(2));
    let build = platc()
        .current_dir(&dir)
        .args(["build", "platform.plat"])
        .output()
        .unwrap();
    assert_eq!(
        build.status.code(),
        Some(1),
        "a denied program builds nothing"
    );
    assert!(!dir.join("infra").exists());
}
