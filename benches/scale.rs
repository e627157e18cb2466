//! `cargo bench`: platc as whole processes on synthetic platforms of growing size (see
//! `platc::synth`), reporting wall time, throughput and peak memory of `check` and `build`, the
//! Bicep written, and how time scales. Sizes: `PLATC_BENCH_SIZES` (default `1,10,100,1000`).
//! `-- --emit N FILE` only writes the platform of size N, for profiling.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Runs the command and returns (seconds, peak resident set in MB, exit code), measured for this
/// child alone through wait4.
fn measure(cmd: &mut Command) -> (f64, f64, i32) {
    let start = Instant::now();
    let child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn platc");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for the child we spawned and have not waited for.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4 failed");
    let secs = start.elapsed().as_secs_f64();
    std::mem::forget(child);
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (secs, usage.ru_maxrss as f64 / 1024.0, code)
}

/// The best and the median time of `runs`, and the largest peak memory: on a shared machine the
/// best shows what the program costs, the median what a run can expect.
fn runs_of(runs: usize, mut f: impl FnMut() -> (f64, f64, i32)) -> (f64, f64, f64) {
    let mut times = Vec::with_capacity(runs);
    let mut mem = 0.0f64;
    for _ in 0..runs {
        let (t, m, code) = f();
        assert_eq!(code, 0, "platc failed");
        times.push(t);
        mem = mem.max(m);
    }
    times.sort_by(f64::total_cmp);
    (times[0], times[times.len() / 2], mem)
}

fn count_lines(dir: &Path) -> usize {
    let mut total = 0;
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            total += count_lines(&p);
        } else if p.extension().is_some_and(|x| x == "bicep") {
            total += std::fs::read_to_string(&p).unwrap().lines().count();
        }
    }
    total
}

fn main() {
    // `cargo bench --bench scale -- --emit N FILE` writes the synthetic platform of size N.
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--emit") {
        let n: usize = args
            .get(at + 1)
            .and_then(|n| n.parse().ok())
            .expect("--emit N FILE");
        std::fs::write(
            args.get(at + 2).expect("--emit N FILE"),
            platc::synth::platform(n),
        )
        .unwrap();
        return;
    }
    let bin = env!("CARGO_BIN_EXE_platc");
    let sizes: Vec<usize> = std::env::var("PLATC_BENCH_SIZES")
        .unwrap_or_else(|_| "1,10,100,1000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let work = std::env::temp_dir().join(format!("platc-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    println!(
        "{:>6} {:>9} {:>8} {:>10} {:>10} {:>10} {:>11} {:>10} {:>10} {:>10} {:>10} {:>11}",
        "N",
        "lines",
        "MB",
        "check s",
        "check med",
        "check MB/s",
        "check lines/s",
        "check RSS",
        "build s",
        "build med",
        "build RSS",
        "bicep lines"
    );
    let mut times: Vec<(usize, f64, f64)> = Vec::new();
    for &n in &sizes {
        let text = platc::synth::platform(n);
        let file = work.join(format!("n{n}.plat"));
        std::fs::write(&file, &text).unwrap();
        let lines = text.lines().count();
        let mb = text.len() as f64 / 1e6;
        let runs = if n >= 1000 { 7 } else { 9 };
        let (check_t, check_med, check_mem) =
            runs_of(runs, || measure(Command::new(bin).arg("check").arg(&file)));
        let out = work.join(format!("n{n}/infra"));
        let (build_t, build_med, build_mem) = runs_of(runs, || {
            measure(
                Command::new(bin)
                    .arg("build")
                    .arg(&file)
                    .arg("--out")
                    .arg(&out),
            )
        });
        let bicep = count_lines(&out);
        println!(
            "{n:>6} {lines:>9} {mb:>8.2} {check_t:>10.3} {check_med:>10.3} {:>10.1} {:>11.0} {check_mem:>8.1}MB {build_t:>10.3} {build_med:>10.3} {build_mem:>8.1}MB {bicep:>11}",
            mb / check_t,
            lines as f64 / check_t
        );
        times.push((n, build_t, build_med));
    }
    if let Some(&(_, build, build_med)) = times.iter().find(|(n, ..)| *n == 1000) {
        rules(bin, &work, build, build_med);
    }
    for w in times.windows(2) {
        let ((a, ta, ma), (b, tb, mb)) = (w[0], w[1]);
        println!(
            "build time t({b})/t({a}) = {:.1} best, {:.1} median (size ratio {})",
            tb / ta,
            mb / ma,
            b / a
        );
    }
    environments(bin, &work);
    plan(bin, &work);
    let _ = std::fs::remove_dir_all(&work);
    editor();
    trace();
}

/// `platc trace` on a long error text (a deployment's whole log pasted in), in process, against
/// the example's source map: at 150 KB and at 1.5 MB, whose time should be about ten times as long.
fn trace() {
    let map =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("infra/platc.map.json"))
            .expect("the example's infra/ is committed");
    let map: serde_json::Value = serde_json::from_str(&map).unwrap();
    let text = |bytes: usize| {
        let mut t = String::new();
        let mut i = 0;
        while t.len() < bytes {
            t.push_str(&format!(
                "step {i} waited on /subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app-{i} name-{i:x}\n"
            ));
            i += 1;
        }
        t + "The vault name 'kv-secrets-x7k2m9q4r1t6z' is already in use.\n"
    };
    let best = |t: &str| {
        (0..5)
            .map(|_| {
                let start = Instant::now();
                assert!(!platc::trace::trace(&map, t).is_empty());
                start.elapsed().as_secs_f64() * 1000.0
            })
            .fold(f64::INFINITY, f64::min)
    };
    let (small, large) = (best(&text(150_000)), best(&text(1_500_000)));
    println!(
        "trace of an error text: 0.15 MB {small:.1} ms, 1.5 MB {large:.1} ms (t(1.5 MB)/t(0.15 MB) = {:.1}, size ratio 10)",
        large / small
    );
}

/// `platc plan` of the N=1000 platform against itself with one line changed, beside a build of
/// it: a plan reads and checks two programs, so it may take up to twice a build, no more.
fn plan(bin: &str, work: &Path) {
    let n = 1000;
    let old = platc::synth::platform(n);
    let new = old.replacen("retention_days = 30", "retention_days = 60", 1);
    assert_ne!(old, new, "the one-line change");
    let (old_file, new_file) = (work.join("plan-old.plat"), work.join("plan-new.plat"));
    std::fs::write(&old_file, &old).unwrap();
    std::fs::write(&new_file, &new).unwrap();
    let out = work.join("plan/infra");
    let (build, build_med, _) = runs_of(7, || {
        measure(
            Command::new(bin)
                .arg("build")
                .arg(&new_file)
                .arg("--out")
                .arg(&out),
        )
    });
    let (plan, plan_med, plan_mem) = runs_of(7, || {
        measure(
            Command::new(bin)
                .arg("plan")
                .arg(&new_file)
                .arg("--against")
                .arg(&old_file)
                .args(["--format", "json"]),
        )
    });
    let ratio = plan / build;
    println!(
        "plan N={n} against a one-line change: {plan:.3} s best, {plan_med:.3} s median, {plan_mem:.1} MB; build {build:.3} s best, {build_med:.3} s median; plan/build = {ratio:.2} best, {:.2} median ({})",
        plan_med / build_med,
        if ratio <= 2.0 {
            "within 2x"
        } else {
            "OVER 2x a build"
        }
    );
}

/// The built-in rule packs on the N=1000 platform: `platc check` with them, less `platc check`
/// without, as whole processes (jemalloc, as authors run it); once on the defaults, and with
/// `dev` and `prod` named, three views, where the production pack finds some 15,000 breaches
/// (no private endpoints, 180-day secrets), each placed on its text. The evaluation itself is
/// the first run, which finds nothing (the one rule the defaults break is waived): it must stay
/// under a fifth of `platc build` at N=1000. The others add the cost of findings, which grows
/// with how many there are, and are shown beside it.
fn rules(bin: &str, work: &Path, build: f64, build_med: f64) {
    let base = platc::synth::platform(1000);
    // With and without in turns, 15 of each: a machine whose speed drifts while one is
    // measured then the other would show the drift as the rules' cost.
    let check = |file: &Path| measure(Command::new(bin).arg("check").arg(file)).0;
    let best_and_median = |mut times: Vec<f64>| {
        times.sort_by(f64::total_cmp);
        (times[0], times[times.len() / 2])
    };
    let plain = work.join("rules-none.plat");
    std::fs::write(&plain, &base).unwrap();
    for (judged, what, environments) in [
        (
            true,
            "defaults only, the one rule it breaks waived",
            "\n  waivers = { aks-defender = \"measured\" }",
        ),
        (false, "defaults only", ""),
        (false, "dev, prod", "\n  environments = [\"dev\", \"prod\"]"),
    ] {
        let text = base.replacen(
            "private_networking = false\n",
            &format!("private_networking = false{environments}\n  policies = [\"builtin:production\", \"builtin:baseline\"]\n"),
            1,
        );
        let file = work.join("rules.plat");
        std::fs::write(&file, &text).unwrap();
        let out = Command::new(bin)
            .arg("check")
            .arg(&file)
            .args(["--format", "json"])
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let findings = report["diagnostics"].as_array().map_or(0, Vec::len);
        let (with, without): (Vec<f64>, Vec<f64>) =
            (0..15).map(|_| (check(&file), check(&plain))).unzip();
        let ((with, with_med), (without, without_med)) =
            (best_and_median(with), best_and_median(without));
        let (cost, cost_med) = (with - without, with_med - without_med);
        println!(
            "rules N=1000 ({what}): {findings} findings; check {with:.3} s with the packs, {without:.3} s without (best; medians {with_med:.3}, {without_med:.3}): rules {cost:.3} s best, {cost_med:.3} s median; build {build:.3} s best, {build_med:.3} s median; rules/build = {:.2} best, {:.2} median ({})",
            cost / build,
            cost_med / build_med,
            match (judged, cost_med / build_med < 0.2) {
                (false, _) => "the findings' cost beside it",
                (true, true) => "under a fifth",
                (true, false) => "OVER a fifth of a build",
            }
        );
    }
}

/// `platc check` on a platform naming 2,000 and then 20,000 environments, one of which has
/// overrides: the cost must grow with the list, not with its square.
fn environments(bin: &str, work: &Path) {
    let mut times = Vec::new();
    for n in [2_000, 20_000] {
        let names: Vec<String> = (0..n).map(|i| format!("\"e{i}\"")).collect();
        let text = format!(
            "platform \"x\" {{\n  private_networking = false\n  environments = [{}]\n}}\nlogs \"l\" {{\n  retention_days = 30\n  env \"e1\" {{ retention_days = 60 }}\n}}\n",
            names.join(", ")
        );
        let file = work.join(format!("envs{n}.plat"));
        std::fs::write(&file, text).unwrap();
        let (best, median, mem) = runs_of(5, || measure(Command::new(bin).arg("check").arg(&file)));
        println!("environments {n:>6}: check {best:.3} s best, {median:.3} s median, {mem:.1} MB");
        times.push(median);
    }
    println!(
        "environments: t(20000)/t(2000) = {:.1} (size ratio 10)",
        times[1] / times[0]
    );
}

/// What the language server does on each keystroke, in process: re-analysis after a change (the
/// diagnostics), then a hover and a completion, on a file of about 5,000 lines.
fn editor() {
    let n = 48;
    let text = platc::synth::platform(n);
    let lines = text.lines().count();
    let (change, hover, complete) = edits(&[("synthetic.plat", text.clone())], 0);
    println!(
        "editor, {lines} lines: diagnostics after a change {change:.1} ms, hover {hover:.2} ms, completion {complete:.2} ms (medians of 15)"
    );
    // The same program in two files, the second imported by the first, the edit in the second.
    let cut = text[..text.len() / 2].rfind("\n\n").unwrap() + 2;
    let files = [
        (
            "root.plat",
            format!("import \"part.plat\"\n{}", &text[cut..]),
        ),
        ("part.plat", text[..cut].to_string()),
    ];
    let (change, hover, complete) = edits(&files, 1);
    println!(
        "editor, {lines} lines in two files, editing the imported one: diagnostics after a change {change:.1} ms, hover {hover:.2} ms, completion {complete:.2} ms (medians of 15)"
    );
    let (median, worst) = server_latency(&files);
    println!(
        "platc lsp, {lines} lines in two files: keystroke to the edited file's diagnostics {median:.1} ms median, {worst:.1} ms worst of 15 (budget: 50 ms median)"
    );
}

/// One LSP message, framed.
fn frame(message: serde_json::Value) -> Vec<u8> {
    let body = message.to_string();
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

/// The next message of the server's output.
fn read_message(r: &mut impl std::io::BufRead) -> serde_json::Value {
    let mut len = 0;
    loop {
        let mut line = String::new();
        assert!(r.read_line(&mut line).unwrap() > 0, "the server stopped");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            len = v.parse().unwrap();
        }
    }
    let mut body = vec![0; len];
    std::io::Read::read_exact(r, &mut body).unwrap();
    serde_json::from_slice(&body).unwrap()
}

/// `platc lsp` as a process, the program on disk: milliseconds from sending a change of the
/// imported file to reading its diagnostics, median and worst of 15 changes.
fn server_latency(files: &[(&str, String)]) -> (f64, f64) {
    use serde_json::json;
    use std::io::Write;
    let dir = std::env::temp_dir().join(format!("platc-bench-lsp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_platc"))
        .arg("lsp")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let uri = format!("file://{}", dir.join(files[1].0).display());
    let root = format!("file://{}", dir.display());
    let mut send = |m| {
        stdin
            .write_all(&frame(m))
            .and_then(|()| stdin.flush())
            .unwrap()
    };
    send(
        json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": { "rootUri": root, "capabilities": {} } }),
    );
    send(
        json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen", "params": { "textDocument": { "uri": uri, "languageId": "plat", "version": 1, "text": files[1].1 } } }),
    );
    let published = |stdout: &mut std::io::BufReader<_>| loop {
        let m = read_message(stdout);
        if m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri.as_str() {
            return m;
        }
    };
    published(&mut stdout);
    let mut times = Vec::new();
    for i in 0..15 {
        let text = format!("{}// edit {i}\n", files[1].1);
        let t = Instant::now();
        send(
            json!({ "jsonrpc": "2.0", "method": "textDocument/didChange", "params": { "textDocument": { "uri": uri, "version": i + 2 }, "contentChanges": [{ "text": text }] } }),
        );
        let m = published(&mut stdout);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        let diagnostics = m["params"]["diagnostics"].as_array().unwrap();
        let errors = diagnostics.iter().filter(|d| d["severity"] == 1).count();
        assert_eq!(errors, 0, "the program has no errors: {m}");
    }
    send(json!({ "jsonrpc": "2.0", "method": "exit" }));
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], times[times.len() - 1])
}

/// Median milliseconds of re-analysing the program after an edit of file `edited`, of a hover
/// and of a completion, as the language server does them.
fn edits(files: &[(&str, String)], edited: usize) -> (f64, f64, f64) {
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let mut current: Vec<(String, String)> = files
        .iter()
        .map(|(n, t)| (n.to_string(), t.clone()))
        .collect();
    let root = Path::new(files[0].0);
    let analyse = |current: &[(String, String)], previous: Option<&mut platc::ide::Analysis>| {
        let mut read = |p: &Path| {
            current
                .iter()
                .find(|(n, _)| Path::new(n) == p)
                .map(|(_, t)| t.clone())
                .ok_or_else(|| std::io::Error::other("no such file"))
        };
        platc::ide::Analysis::new(root, &mut read, previous)
    };
    let mut analysis = analyse(&current, None);
    let (mut change, mut hover, mut complete) = (Vec::new(), Vec::new(), Vec::new());
    let name = Path::new(files[edited].0);
    let text = files[edited].1.clone();
    let field = text
        .find("retention_days")
        .expect("the edited file has a logs block")
        + 2;
    let value = text
        .find("sku = premium")
        .expect("the edited file has a premium sku")
        + 6;
    for i in 0..15 {
        // A change: one more comment line, so every run re-analyses for real.
        current[edited].1 = format!("{text}// edit {i}\n");
        let t = Instant::now();
        let next = analyse(&current, Some(&mut analysis));
        change.push(t.elapsed().as_secs_f64() * 1000.0);
        // As the language server does: the replaced analysis is freed after the answer is sent.
        analysis = next;
        let file = analysis
            .file(name)
            .expect("the edited file is in the program");
        let t = Instant::now();
        assert!(platc::ide::hover(&analysis, file, field).is_some());
        hover.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        assert!(!platc::ide::complete::complete(&analysis, file, value).is_empty());
        complete.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(
            !analysis.diagnostics.iter().any(|d| d.is_error()),
            "the program checks clean"
        );
    }
    (median(change), median(hover), median(complete))
}
