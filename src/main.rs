//! The `platc` command line: reads sources, runs the library, prints diagnostics, writes files.

use clap::{Parser, Subcommand, ValueEnum};
use platc::diag::{self, Code, Diagnostic};
use platc::ide::lsp::End;
use platc::source::SourceMap;
use platc::verify::AzError;
use platc::{Artifacts, Options};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "platc",
    version,
    about = "Compiles platform.plat into Bicep and azd files"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Human,
    Json,
    Sarif,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum PlanFormat {
    Human,
    Json,
    Markdown,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum RiskLevel {
    DataLoss,
    Downtime,
    Access,
    Cost,
}

impl RiskLevel {
    fn risk(self) -> platc::plan::Risk {
        use platc::plan::Risk;
        match self {
            RiskLevel::DataLoss => Risk::DataLoss,
            RiskLevel::Downtime => Risk::Downtime,
            RiskLevel::Access => Risk::Access,
            RiskLevel::Cost => Risk::Cost,
        }
    }
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum DeploymentMode {
    /// azd's default: a deployment that deletes nothing
    Incremental,
    /// azd's deployment stacks (`azd config set alpha.deployment.stacks on`), which delete what
    /// leaves the template
    Stack,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum GraphFormat {
    Mermaid,
    Dot,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Colour {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args)]
struct Report {
    /// How diagnostics are printed
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Colour in human output (NO_COLOR is honoured by `auto`)
    #[arg(long, value_enum, default_value = "auto")]
    color: Colour,
    /// Treat warnings as errors (exit 1, write nothing)
    #[arg(long)]
    deny_warnings: bool,
    /// A Rego rule file, or a folder of them, to judge the program by besides those its
    /// `policies` names (repeatable)
    #[arg(long = "policy", value_name = "PATH")]
    policies: Vec<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Check FILE and write the azd infrastructure (main.bicep, modules/, main.parameters.json)
    Build {
        file: PathBuf,
        /// Output directory
        #[arg(long, default_value = "infra")]
        out: PathBuf,
        /// Write nothing; exit 1 when the output directory differs from what would be written
        #[arg(long)]
        check: bool,
        #[command(flatten)]
        report: Report,
    },
    /// Check FILE and report diagnostics, writing nothing
    Check {
        file: PathBuf,
        #[command(flatten)]
        report: Report,
    },
    /// Rewrite files in the canonical layout (comments and blank-line groups are kept)
    Fmt {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Write nothing; list the files that would change and exit 1 if any would
        #[arg(long)]
        check: bool,
    },
    /// Run the language server on standard input and output
    Lsp,
    /// Print a completion script for SHELL, e.g. `platc completions bash > /etc/bash_completion.d/platc`
    Completions { shell: clap_complete::Shell },
    /// Explain a diagnostic code, e.g. `platc explain E0201`
    Explain { code: String },
    /// After `azd provision`: check the live environment against the platform with the az CLI
    Verify {
        file: PathBuf,
        /// azd environment (default: AZURE_ENV_NAME)
        #[arg(long)]
        environment: Option<String>,
        /// Resource group (default: AZURE_RESOURCE_GROUP, else rg-PLATFORM-ENVIRONMENT)
        #[arg(long)]
        resource_group: Option<String>,
        /// Keep checking every 30 seconds for up to this many seconds (at most 86400, a day)
        /// while there are gaps (Flux needs a few minutes after provisioning to sync)
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=86_400))]
        wait: u64,
        /// Seconds each az command may take (1 to 86400) before it is killed and verify stops
        #[arg(
            long,
            env = "PLATC_AZ_TIMEOUT",
            default_value_t = 120,
            value_parser = clap::value_parser!(u64).range(1..=86_400)
        )]
        az_timeout: u64,
    },
    /// Before `azd provision` (its preprovision hook, after `build`): check with the az CLI what
    /// the deployment needs and put right what is safe to (providers, the deployer's principal
    /// type, soft-deleted vaults and stores of this environment); exit 1 if it would fail
    Preflight {
        file: PathBuf,
        /// azd environment (default: AZURE_ENV_NAME)
        #[arg(long)]
        environment: Option<String>,
        /// Azure region (default: AZURE_LOCATION, else the platform's literal `location`)
        #[arg(long)]
        location: Option<String>,
        /// Seconds each az command may take (1 to 86400) before it is killed and preflight stops
        #[arg(
            long,
            env = "PLATC_AZ_TIMEOUT",
            default_value_t = 300,
            value_parser = clap::value_parser!(u64).range(1..=86_400)
        )]
        az_timeout: u64,
    },
    /// After `azd provision` (its postprovision hook): upload the folder of each `blob(...,
    /// upload = "DIR")` GitOps source into its container, through the cluster, and remove what
    /// the container holds beyond it
    Publish {
        file: PathBuf,
        /// azd environment (default: AZURE_ENV_NAME)
        #[arg(long)]
        environment: Option<String>,
        /// Resource group (default: AZURE_RESOURCE_GROUP, else rg-PLATFORM-ENVIRONMENT)
        #[arg(long)]
        resource_group: Option<String>,
        /// Seconds each az command may take (1 to 86400) before it is killed and publish stops
        #[arg(
            long,
            env = "PLATC_AZ_TIMEOUT",
            default_value_t = 600,
            value_parser = clap::value_parser!(u64).range(1..=86_400)
        )]
        az_timeout: u64,
    },
    /// Compare FILE with an earlier version of it and say, per azd environment, which Azure
    /// resources deploying it creates, updates (old -> new), replaces (and why) or removes, with
    /// the risk of each change; reads nothing from Azure
    Plan {
        file: PathBuf,
        /// The earlier version: another .plat file, with what it imports
        #[arg(long, conflicts_with = "base", required_unless_present = "base")]
        against: Option<PathBuf>,
        /// The earlier version: FILE and what it imports as they were at this git revision
        /// (a file missing there is a program that deployed nothing)
        #[arg(long)]
        base: Option<String>,
        /// Human (grouped by environment), JSON (spec.md §7, "Plans") or Markdown (a
        /// pull-request comment)
        #[arg(long, value_enum, default_value = "human")]
        format: PlanFormat,
        /// Colour in human output (NO_COLOR is honoured by `auto`)
        #[arg(long, value_enum, default_value = "auto")]
        color: Colour,
        /// Exit 1 when a planned change carries this risk (repeatable)
        #[arg(long, value_enum)]
        deny: Vec<RiskLevel>,
        /// How azd deploys, which decides what becomes of a resource the program stops declaring
        #[arg(long, value_enum, default_value = "incremental")]
        deployment: DeploymentMode,
        /// A Rego rule file or folder to judge FILE by besides its `policies` (repeatable)
        #[arg(long = "policy", value_name = "PATH")]
        policies: Vec<PathBuf>,
    },
    /// Print the JSON input the platform's rules see for one environment (spec.md §9), to
    /// develop rules with Rego's own tools (`opa eval`, `conftest test -`)
    Export {
        file: PathBuf,
        /// An environment the platform names (default: the defaults, which every environment
        /// without overrides deploys)
        #[arg(long)]
        environment: Option<String>,
    },
    /// Draw the platform: declarations and what uses what
    Graph {
        file: PathBuf,
        /// Mermaid (for Markdown) or Graphviz dot
        #[arg(long, value_enum, default_value = "mermaid")]
        format: GraphFormat,
    },
    /// Point an ARM deployment error at the .plat line that produced it
    Trace {
        /// The error text; `-` or nothing reads standard input
        text: Option<String>,
        /// The source map platc build wrote
        #[arg(long, default_value = "infra/platc.map.json")]
        map: PathBuf,
    },
    /// Start a new project in DIR: platform.plat, azure.yaml (with the build hook) and .gitignore
    Init {
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
}

// See Cargo.toml: the system allocator spends a third of a large build in malloc and free.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, which it reads from this symbol as it starts. `thp:always` asks the kernel
/// for transparent huge pages: a large build touches over a hundred megabytes once, and taking
/// them 4 KiB at a time cost some 42,000 page faults, a third of its processor time. A kernel
/// that offers no huge pages ignores the request.
#[cfg(not(target_env = "msvc"))]
#[unsafe(export_name = "_rjem_malloc_conf")]
static MALLOC_CONF: &u8 = &b"thp:always\0"[0];

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Explain { code } => explain(&code),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "platc", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
        Command::Lsp => {
            let output = std::io::BufWriter::new(std::io::stdout().lock());
            match platc::ide::lsp::serve(std::io::BufReader::new(std::io::stdin()), output) {
                Ok(End::Exit {
                    after_shutdown: true,
                })
                | Ok(End::InputClosed) => ExitCode::SUCCESS,
                // As LSP says: `exit` without `shutdown` first exits 1.
                Ok(End::Exit {
                    after_shutdown: false,
                }) => ExitCode::from(1),
                Err(e) => {
                    eprintln!("error: language server: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Fmt { files, check } => fmt(&files, check),
        Command::Init { dir } => init(&dir),
        Command::Trace { text, map } => trace(text, &map),
        Command::Graph { file, format } => graph(&file, format),
        Command::Plan {
            file,
            against,
            base,
            format,
            color,
            deny,
            deployment,
            policies,
        } => plan(
            &file,
            against.as_deref(),
            base.as_deref(),
            (format, color),
            &deny,
            deployment,
            &policies,
        ),
        Command::Export { file, environment } => export(&file, environment.as_deref()),
        Command::Verify {
            file,
            environment,
            resource_group,
            wait,
            az_timeout,
        } => verify(&file, environment, resource_group, wait, az_timeout),
        Command::Preflight {
            file,
            environment,
            location,
            az_timeout,
        } => preflight(&file, environment, location, az_timeout),
        Command::Publish {
            file,
            environment,
            resource_group,
            az_timeout,
        } => publish(&file, environment, resource_group, az_timeout),
        Command::Check { file, report } => run(&file, None, false, &report),
        Command::Build {
            file,
            out,
            check,
            report,
        } => run(&file, Some(&out), check, &report),
    }
}

/// The most `az` may print on either stream. More is not kept, so a runaway `az` cannot exhaust
/// memory, and makes its answer unusable.
const AZ_OUTPUT_MAX: u64 = 64 << 20;

/// The real `az` CLI. Each command gets `timeout` to finish, output included; then it is killed,
/// with whatever it started (it runs in a process group of its own), so a hung `az` cannot hang
/// verify or the azd hook that runs it.
struct AzCli {
    timeout: std::time::Duration,
    /// `az`, or `azd` for `azd env set` (which prints no JSON).
    program: &'static str,
}

/// Reads a child's stream to its end on a thread of its own, keeping at most `AZ_OUTPUT_MAX`
/// bytes; the flag says whether more came.
fn drain(
    mut from: impl std::io::Read + Send + 'static,
) -> std::thread::JoinHandle<(Vec<u8>, bool)> {
    use std::io::Read;
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let _ = (&mut from).take(AZ_OUTPUT_MAX).read_to_end(&mut kept);
        let more = std::io::copy(&mut from, &mut std::io::sink()).is_ok_and(|n| n > 0);
        (kept, more)
    })
}

/// Kills `az` and everything in its process group, and reaps it.
fn kill(child: &mut std::process::Child) {
    #[cfg(unix)]
    if let Ok(group) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill has no memory effects; the group is the one `az` was started in.
        unsafe { libc::kill(-group, libc::SIGKILL) };
    }
    let _ = child.kill();
    let _ = child.wait();
}

impl platc::verify::Az for AzCli {
    fn run(&mut self, args: &[&str]) -> Result<serde_json::Value, AzError> {
        use std::process::Stdio;
        let start = std::time::Instant::now();
        let mut command = std::process::Command::new(self.program);
        command.args(args);
        if self.program == "az" {
            command.args(["--output", "json"]);
        }
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command.spawn().map_err(|e| {
            AzError::CannotRun(if e.kind() == std::io::ErrorKind::NotFound {
                "it is not installed or not on PATH".to_string()
            } else {
                e.to_string()
            })
        })?;
        let (out, err) = (
            drain(child.stdout.take().expect("stdout is piped")),
            drain(child.stderr.take().expect("stderr is piped")),
        );
        let timed_out = AzError::TimedOut(self.timeout.as_secs());
        // Until az exits and both streams close (a process it started may hold them open).
        let status = loop {
            let exited = match child.try_wait() {
                Ok(s) => s,
                Err(e) => {
                    kill(&mut child);
                    return Err(AzError::CannotRun(e.to_string()));
                }
            };
            match exited {
                Some(s) if out.is_finished() && err.is_finished() => break s,
                _ if start.elapsed() >= self.timeout => {
                    kill(&mut child);
                    return Err(timed_out);
                }
                _ => std::thread::sleep(std::time::Duration::from_millis(10)),
            }
        };
        let (stdout, too_much) = out.join().unwrap_or_default();
        let (stderr, _) = err.join().unwrap_or_default();
        if !status.success() {
            return Err(AzError::from_stderr(&String::from_utf8_lossy(&stderr)));
        }
        if too_much {
            return Err(AzError::BadOutput(format!(
                "it printed more than {} MiB",
                AZ_OUTPUT_MAX >> 20
            )));
        }
        if self.program != "az" {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_slice(&stdout).map_err(|e| AzError::BadOutput(e.to_string()))
    }
}

fn verify(
    file: &Path,
    environment: Option<String>,
    resource_group: Option<String>,
    wait: u64,
    az_timeout: u64,
) -> ExitCode {
    let options = Options {
        source_name: file.to_string_lossy().replace('\\', "/"),
        ..Options::default()
    };
    let Some(program) = analyse(Path::new(""), file, &[]) else {
        return ExitCode::from(2);
    };
    let result = platc::lower(
        &program.checked,
        &program.sources,
        &options,
        program.diagnostics,
    );
    let (sources, checked) = (program.sources, program.checked);
    if result.has_errors() {
        let text = diag::render::human(&sources, &result.diagnostics, false);
        let _ = std::io::stderr().write_all(text.as_bytes());
        return ExitCode::from(1);
    }
    let env = environment
        .or_else(|| std::env::var("AZURE_ENV_NAME").ok())
        .unwrap_or_default();
    if env.is_empty() {
        eprintln!("error: no environment: pass --environment or run from azd (AZURE_ENV_NAME)");
        return ExitCode::from(2);
    }
    let rg = resource_group
        .or_else(|| {
            std::env::var("AZURE_RESOURCE_GROUP")
                .ok()
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_else(|| platc::azure::resource_group(&checked.default.name, &env));
    let map: serde_json::Value =
        serde_json::from_str(&result.artifacts["platc.map.json"]).expect("platc writes valid JSON");
    let now = std::time::Instant::now();
    let Some(deadline) = now.checked_add(std::time::Duration::from_secs(wait)) else {
        eprintln!("error: --wait {wait} is too long");
        return ExitCode::from(2);
    };
    let mut az = AzCli {
        timeout: std::time::Duration::from_secs(az_timeout),
        program: "az",
    };
    let report = loop {
        let lookup = |var: &str| std::env::var(var).ok().filter(|v| !v.is_empty());
        let report =
            match platc::verify::verify(&checked, &env, &sources, &map, &rg, &mut az, &lookup) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("error: cannot verify {rg}: {e}");
                    return ExitCode::from(2);
                }
            };
        if report.ok() || std::time::Instant::now() >= deadline {
            break report;
        }
        let gaps = report
            .rows
            .iter()
            .filter(|r| r.status != platc::verify::Status::Ok)
            .count();
        eprintln!("{gaps} checks not passing yet; checking again in 30 seconds");
        std::thread::sleep(std::time::Duration::from_secs(30));
    };
    print!("{}", report.table());
    if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn publish(
    file: &Path,
    environment: Option<String>,
    resource_group: Option<String>,
    az_timeout: u64,
) -> ExitCode {
    let Some(program) = analyse(Path::new(""), file, &[]) else {
        return ExitCode::from(2);
    };
    let mut diagnostics = program.diagnostics;
    let checked = &program.checked;
    let platforms = std::iter::once(&checked.default).chain(checked.environments.values());
    diagnostics.extend(platc::publish::diagnostics(
        platforms,
        &program.sources,
        Path::new(""),
    ));
    let result = platc::lower(
        &program.checked,
        &program.sources,
        &Options::default(),
        diagnostics,
    );
    if result.has_errors() {
        let text = diag::render::human(&program.sources, &result.diagnostics, false);
        let _ = std::io::stderr().write_all(text.as_bytes());
        return ExitCode::from(1);
    }
    let from_env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let Some(env) = environment.or_else(|| from_env("AZURE_ENV_NAME")) else {
        eprintln!("error: no environment: pass --environment or run from azd (AZURE_ENV_NAME)");
        return ExitCode::from(2);
    };
    let checked = &program.checked;
    let p = checked.environments.get(&env).unwrap_or(&checked.default);
    let mut bundles = Vec::new();
    for t in platc::publish::targets(p) {
        let dir = platc::publish::folder(Path::new(""), &program.sources, t.upload);
        match platc::publish::collect(&dir) {
            Ok(b) => bundles.push((t, b)),
            Err(why) => {
                eprintln!("error: cannot publish {}: {why}", dir.display());
                return ExitCode::from(1);
            }
        }
    }
    // azd passes the environment's values to its hooks as environment variables.
    let lookup = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let certificates = match platc::publish::certificates::wanted(p, &lookup) {
        Ok(c) => c,
        Err(why) => {
            eprintln!("error: {why}");
            return ExitCode::from(1);
        }
    };
    if bundles.is_empty() && certificates.is_empty() && p.clusters.values().all(|c| c.kms.is_none())
    {
        eprintln!(
            "nothing to publish: no blob source names an `upload` folder, no vault declares a certificate, and no cluster encrypts with KMS"
        );
        return ExitCode::SUCCESS;
    }
    let rg = resource_group
        .or_else(|| from_env("AZURE_RESOURCE_GROUP"))
        .unwrap_or_else(|| platc::azure::resource_group(&checked.default.name, &env));
    let map: serde_json::Value =
        serde_json::from_str(&result.artifacts["platc.map.json"]).expect("platc writes valid JSON");
    let workdir = std::env::temp_dir().join(format!("platc-publish-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&workdir) {
        eprintln!("error: cannot create {}: {e}", workdir.display());
        return ExitCode::from(2);
    }
    let subscription = from_env("AZURE_SUBSCRIPTION_ID");
    let pause = |secs: u64| std::thread::sleep(std::time::Duration::from_secs(secs));
    let cx = platc::publish::Context {
        rg: &rg,
        subscription: subscription.as_deref(),
        map: &map,
        workdir: &workdir,
        pause: &pause,
        budget_secs: 1200,
    };
    let mut az = AzCli {
        timeout: std::time::Duration::from_secs(az_timeout),
        program: "az",
    };
    let outcome = platc::publish::publish(&bundles, &cx, &mut az).and_then(|mut o| {
        platc::publish::certificates::write(&certificates, &cx, &mut az, &mut o)?;
        platc::publish::kms::rewrite(p, &cx, &mut az, &mut o)?;
        Ok(o)
    });
    let _ = std::fs::remove_dir_all(&workdir);
    match outcome {
        Ok(o) => {
            print!("{}", o.table());
            if o.ok() {
                ExitCode::SUCCESS
            } else {
                eprintln!("error: not everything was published: see FAILED above");
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("error: cannot publish: {e}");
            ExitCode::from(2)
        }
    }
}

fn preflight(
    file: &Path,
    environment: Option<String>,
    location: Option<String>,
    az_timeout: u64,
) -> ExitCode {
    let Some(program) = analyse(Path::new(""), file, &[]) else {
        return ExitCode::from(2);
    };
    let result = platc::lower(
        &program.checked,
        &program.sources,
        &Options::default(),
        program.diagnostics,
    );
    if result.has_errors() {
        let text = diag::render::human(&program.sources, &result.diagnostics, false);
        let _ = std::io::stderr().write_all(text.as_bytes());
        return ExitCode::from(1);
    }
    let from_env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let Some(env) = environment.or_else(|| from_env("AZURE_ENV_NAME")) else {
        eprintln!("error: no environment: pass --environment or run from azd (AZURE_ENV_NAME)");
        return ExitCode::from(2);
    };
    let p = program
        .checked
        .environments
        .get(&env)
        .unwrap_or(&program.checked.default);
    let literal = match &p.location {
        Some(platc::model::StrValue::Literal(l)) => Some(l.clone()),
        _ => None,
    };
    let location = location
        .or_else(|| from_env("AZURE_LOCATION"))
        .or(literal)
        .unwrap_or_default();
    let timeout = std::time::Duration::from_secs(az_timeout);
    let mut az = AzCli {
        timeout,
        program: "az",
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let issued = from_env("PLATC_SECRETS_ISSUED_AT");
    // Set but empty says that no key exists yet.
    let existing_keys = std::env::var("PLATC_EXISTING_KEYS").ok();
    let principal = from_env("AZURE_PRINCIPAL_ID");
    let subscription = from_env("AZURE_SUBSCRIPTION_ID");
    let now = platc::preflight::iso_utc(now);
    let cx = platc::preflight::Context {
        env: &env,
        location: &location,
        secrets_issued_at: issued.as_deref(),
        existing_keys: existing_keys.as_deref(),
        principal_id: principal.as_deref(),
        subscription: subscription.as_deref(),
        now: &now,
    };
    let outcome = match platc::preflight::preflight(p, &cx, &result.artifacts, &mut az) {
        Ok(o) => o,
        // azd signs in on its own (`azd auth login`), and many of its users never sign in to az:
        // without az the checks are skipped, loudly, rather than stopping every provision. What
        // needs no Azure is still done.
        Err(e @ (AzError::CannotRun(_) | AzError::NotLoggedIn(_))) => {
            eprintln!(
                "warning: preflight skipped its Azure checks: {e}; sign in with `az login` so that platc can register resource providers, grant the deployer App Configuration Data Owner ahead of the key-values (or the first provision may fail with 403), recover soft-deleted vaults, list the Key Vault keys that exist (PLATC_EXISTING_KEYS; a key that exists and is not listed makes the deployment fail with KeyCreationParametersDidNotMatchExistingKey) and check the region before deploying"
            );
            platc::preflight::without_az(p, &cx)
        }
        Err(e) => {
            eprintln!("error: cannot run the preflight checks: {e}");
            return ExitCode::from(2);
        }
    };
    print!("{}", outcome.table());
    // Values the deployment reads from the azd environment: set through azd, which reloads its
    // environment before it reads main.parameters.json (Azure/azure-dev#6063).
    let mut azd = AzCli {
        timeout,
        program: "azd",
    };
    for (name, value) in &outcome.env {
        match platc::verify::Az::run(
            &mut azd,
            &["env", "set", name, value, "--environment", &env],
        ) {
            Ok(_) => {}
            // Run by hand, outside azd: say what to set.
            Err(AzError::CannotRun(e)) => eprintln!(
                "warning: cannot run azd ({e}): run `azd env set {name} {value} --environment {env}`"
            ),
            Err(e) => {
                eprintln!(
                    "error: cannot set {name} in azd environment {env}: {e}; run `azd env set {name} {value}`"
                );
                return ExitCode::from(2);
            }
        }
    }
    if outcome.ok() {
        ExitCode::SUCCESS
    } else {
        eprintln!("error: the deployment would fail: see FAILED above; nothing was deployed");
        ExitCode::from(1)
    }
}

/// A program the plan compares: read, parsed and checked, with the errors that stop a plan.
struct Planned {
    sources: SourceMap,
    checked: platc::check::Checked,
}

/// Checks a program read by `read` as `check` does (lowering included, writing nothing); prints
/// its diagnostics. `Err` is the exit code: 2 when the root cannot be read, 1 when it has errors.
/// `lower` (with the rule files given besides the program's own) for the program a plan
/// deploys, whose every diagnostic counts; the earlier program is only read.
fn planned(
    root: &Path,
    read: &mut dyn FnMut(&Path) -> std::io::Result<String>,
    what: &str,
    lower: Option<&[PathBuf]>,
) -> Result<Planned, ExitCode> {
    let (mut sources, mut loading) = match platc::load::load(root, read) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", root.display());
            return Err(ExitCode::from(2));
        }
    };
    if !extra_rules(&mut sources, &mut loading, lower.unwrap_or_default()) {
        return Err(ExitCode::from(2));
    }
    let (files, mut diagnostics) = platc::parse(&sources, None);
    diagnostics.extend(loading);
    let (checked, diagnostics) = platc::check(&files, diagnostics);
    // Freed, not left: the other program and the plan reuse its memory, where fresh pages would
    // each be cleared by the kernel first.
    drop(files);
    let diagnostics = if lower.is_some() {
        let options = Options {
            source_name: root.to_string_lossy().replace('\\', "/"),
            check_only: true,
            ..Options::default()
        };
        platc::lower(&checked, &sources, &options, diagnostics).diagnostics
    } else {
        diagnostics
    };
    if diagnostics.iter().any(Diagnostic::is_error) {
        let text = diag::render::human(&sources, &diagnostics, false);
        let _ = std::io::stderr().write_all(text.as_bytes());
        eprintln!("error: {what} has errors: no plan");
        return Err(ExitCode::from(1));
    }
    Ok(Planned { sources, checked })
}

/// Runs git in `dir`; its standard output, or what it printed on failure.
fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// Where `file` is in its git work tree: (the work tree, the path in it, with `/`).
fn in_repository(file: &Path) -> Result<(PathBuf, String), String> {
    let abs = absolute(file).ok_or("cannot find the current directory")?;
    let dir = abs.parent().map(Path::to_path_buf).unwrap_or_default();
    let dir = dir
        .canonicalize()
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let top = git(&dir, &["rev-parse", "--show-toplevel"])?;
    let top = PathBuf::from(String::from_utf8_lossy(&top).trim());
    let top = top.canonicalize().unwrap_or(top);
    let name = abs.file_name().ok_or("FILE names no file")?;
    let rel = dir
        .join(name)
        .strip_prefix(&top)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .map_err(|_| {
            format!(
                "{} is not inside the git work tree {}",
                file.display(),
                top.display()
            )
        })?;
    Ok((top, rel))
}

/// Reads a file of the program as it was at `rev`: `git show REV:PATH`, a path missing there
/// being `NotFound` (as a missing file on disk is).
fn read_at(top: &Path, rev: &str, path: &Path) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind};
    let spec = format!("{rev}:{}", path.to_string_lossy().replace('\\', "/"));
    match git(top, &["cat-file", "-e", &spec]) {
        Ok(_) => {}
        Err(_) => return Err(Error::new(ErrorKind::NotFound, format!("not in {rev}"))),
    }
    let bytes = git(top, &["show", &spec]).map_err(Error::other)?;
    if bytes.len() as u64 > platc::load::MAX_FILE_BYTES {
        return Err(Error::new(ErrorKind::InvalidData, "larger than 128 MiB"));
    }
    String::from_utf8(bytes).map_err(|_| Error::new(ErrorKind::InvalidData, "not UTF-8 text"))
}

/// The earlier program of `--base REV`: `None` when FILE did not exist at REV.
fn program_at(file: &Path, rev: &str) -> Result<Option<Planned>, ExitCode> {
    let (top, rel) = match in_repository(file) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: --base needs FILE in a git work tree: {e}");
            return Err(ExitCode::from(2));
        }
    };
    // Resolved once, to a commit id: every file is read from the same commit, and a revision
    // that looks like an option cannot be taken for one.
    let commit = match git(
        &top,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &format!("{rev}^{{commit}}"),
        ],
    ) {
        Ok(id) => String::from_utf8_lossy(&id).trim().to_string(),
        Err(e) => {
            eprintln!(
                "error: `{rev}` is not a revision of {}{}",
                top.display(),
                if e.is_empty() {
                    String::new()
                } else {
                    format!(": {e}")
                }
            );
            return Err(ExitCode::from(2));
        }
    };
    let root = PathBuf::from(&rel);
    match read_at(&top, &commit, &root) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            eprintln!("error: cannot read {rel} at {rev}: {e}");
            return Err(ExitCode::from(2));
        }
        Ok(_) => {}
    }
    let mut read = |p: &Path| read_at(&top, &commit, p);
    planned(&root, &mut read, &format!("{rel} at {rev}"), None).map(Some)
}

fn plan(
    file: &Path,
    against: Option<&Path>,
    base: Option<&str>,
    (format, color): (PlanFormat, Colour),
    deny: &[RiskLevel],
    deployment: DeploymentMode,
    policies: &[PathBuf],
) -> ExitCode {
    let mut disk = platc::load::Disk::new(Path::new(""));
    let mut read = |p: &Path| disk.read(p);
    let new = match planned(file, &mut read, &file.display().to_string(), Some(policies)) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let (old, earlier) = match (against, base) {
        (Some(old), _) => {
            let mut disk = platc::load::Disk::new(Path::new(""));
            let mut read = |p: &Path| disk.read(p);
            match planned(old, &mut read, &old.display().to_string(), None) {
                Ok(p) => (Some(p), old.display().to_string()),
                Err(code) => return code,
            }
        }
        (None, Some(rev)) => match program_at(file, rev) {
            Ok(Some(p)) => (Some(p), rev.to_string()),
            Ok(None) => (None, format!("{rev}, where it does not exist")),
            Err(code) => return code,
        },
        (None, None) => {
            eprintln!("error: say what to compare with: --against OLD.plat or --base REV");
            return ExitCode::from(2);
        }
    };
    let mode = match deployment {
        DeploymentMode::Incremental => platc::plan::Deployment::Incremental,
        DeploymentMode::Stack => platc::plan::Deployment::Stack,
    };
    let result = platc::plan::plan(
        old.as_ref().map(|p| platc::plan::Program {
            checked: &p.checked,
            sources: &p.sources,
        }),
        platc::plan::Program {
            checked: &new.checked,
            sources: &new.sources,
        },
        mode,
    );
    let title = format!("platc plan: {} against {earlier}", file.display());
    let text = match format {
        PlanFormat::Human => {
            let colour = match color {
                Colour::Always => true,
                Colour::Never => false,
                Colour::Auto => {
                    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                        && std::io::stdout().is_terminal()
                }
            };
            platc::plan::render::human(&result, &title, colour)
        }
        PlanFormat::Markdown => platc::plan::render::markdown(&result, &title),
        PlanFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&platc::plan::render::json(&result))
                .expect("JSON values always serialise")
        ),
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
    let risks = result.risks();
    let denied: Vec<&str> = deny
        .iter()
        .map(|d| d.risk())
        .filter(|r| risks.contains(r))
        .map(|r| r.as_str())
        .collect();
    leave((new, old, result));
    if denied.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "error: the plan has changes at a denied risk level: {}",
            denied.join(", ")
        );
        ExitCode::from(1)
    }
}

fn graph(file: &Path, format: GraphFormat) -> ExitCode {
    let Some(program) = analyse(Path::new(""), file, &[]) else {
        return ExitCode::from(2);
    };
    let (sources, checked, diags) = (program.sources, program.checked, program.diagnostics);
    if diags.iter().any(Diagnostic::is_error) {
        let text = diag::render::human(&sources, &diags, false);
        let _ = std::io::stderr().write_all(text.as_bytes());
        return ExitCode::from(1);
    }
    let g = platc::graph::build(&checked.default);
    print!(
        "{}",
        if format == GraphFormat::Dot {
            platc::graph::dot(&g)
        } else {
            platc::graph::mermaid(&g)
        }
    );
    ExitCode::SUCCESS
}

fn trace(text: Option<String>, map_path: &Path) -> ExitCode {
    let text = match text.filter(|t| t != "-") {
        Some(t) => t,
        None => {
            let mut t = String::new();
            let limit = platc::load::MAX_FILE_BYTES;
            let read = std::io::Read::read_to_string(
                &mut std::io::Read::take(std::io::stdin(), limit + 1),
                &mut t,
            );
            if let Err(e) = read {
                eprintln!("error: cannot read standard input: {e}");
                return ExitCode::from(2);
            }
            if t.len() as u64 > limit {
                eprintln!("error: standard input is larger than {} MiB", limit >> 20);
                return ExitCode::from(2);
            }
            t
        }
    };
    let map: serde_json::Value =
        match platc::load::read_file(map_path).map(|s| serde_json::from_str(&s)) {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => {
                eprintln!(
                    "error: {} is not a platc source map: {e}",
                    map_path.display()
                );
                return ExitCode::from(2);
            }
            Err(e) => {
                eprintln!(
                    "error: cannot read {}: {e}; run `platc build` first, or pass --map",
                    map_path.display()
                );
                return ExitCode::from(2);
            }
        };
    let hits = platc::trace::trace(&map, &text);
    if hits.is_empty() {
        eprintln!("no deployment or resource of this platform is named in the error");
        return ExitCode::from(1);
    }
    // Source paths in the map are relative to the azd project: the map's directory's parent.
    let project = map_path
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    for h in &hits {
        println!(
            "{}:{}:{}: {} ({})",
            h.file, h.line, h.column, h.declaration, h.evidence
        );
        if let Ok(src) = platc::load::read_file(&project.join(&h.file))
            && let Some(line) = src.lines().nth(h.line.saturating_sub(1) as usize)
        {
            println!("  {:>4} | {line}", h.line);
        }
    }
    ExitCode::SUCCESS
}

fn init(dir: &Path) -> ExitCode {
    let name = absolute(dir)
        .and_then(|d| d.canonicalize().ok().or(Some(d)))
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let files = platc::scaffold::files(&platc::scaffold::project_name(&name));
    let existing: Vec<&String> = files
        .keys()
        .filter(|f| *f != ".gitignore" && dir.join(f).exists())
        .collect();
    if !existing.is_empty() {
        eprintln!(
            "error: {} already has {}; nothing was written",
            dir.display(),
            existing
                .iter()
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(" and ")
        );
        return ExitCode::from(2);
    }
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("error: cannot create {}: {e}", dir.display());
        return ExitCode::from(2);
    }
    for (rel, text) in &files {
        let path = dir.join(rel);
        if rel == ".gitignore" && path.exists() {
            continue;
        }
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    eprintln!(
        "created platform.plat and azure.yaml in {}\nnext: edit platform.plat, then `platc build platform.plat` and `azd provision`",
        dir.display()
    );
    ExitCode::SUCCESS
}

fn fmt(files: &[PathBuf], check: bool) -> ExitCode {
    let mut changed = Vec::new();
    let mut failed = false;
    for path in files {
        let text = match platc::load::read_file(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", path.display());
                return ExitCode::from(2);
            }
        };
        let mut sources = SourceMap::new();
        let id = sources.add(path.to_string_lossy().replace('\\', "/"), text.clone());
        let (file, errors) = platc::syntax::parse(id, &text);
        if !errors.is_empty() {
            // A file that does not parse is left alone: formatting it could lose what did not parse.
            let shown = diag::render::human(&sources, &errors, false);
            let _ = std::io::stderr().write_all(shown.as_bytes());
            failed = true;
            continue;
        }
        let formatted = match platc::fmt::format_checked(&file, &text) {
            Ok(f) => f,
            Err(why) => {
                eprintln!("error: {} left as it is: {why}", path.display());
                failed = true;
                continue;
            }
        };
        if formatted != text {
            changed.push(path.display().to_string());
            if !check && let Err(e) = std::fs::write(path, &formatted) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    }
    for c in &changed {
        if check {
            println!("would reformat {c}");
        } else {
            eprintln!("formatted {c}");
        }
    }
    if failed || (check && !changed.is_empty()) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn explain(code: &str) -> ExitCode {
    match Code::parse(code) {
        Some(c) => {
            println!(
                "{} ({}): {}\n\n{}",
                c.as_str(),
                c.severity().as_str(),
                c.title(),
                c.explanation()
            );
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("error: unknown diagnostic code `{code}`; codes are listed in spec.md");
            ExitCode::from(2)
        }
    }
}

/// Where the program's files are read from, and the root file's name relative to it. With an
/// output directory, names are relative to the azd project (the output directory's parent), so
/// generated files are the same from any working directory; otherwise they are as given.
fn project_paths(file: &Path, out: Option<&Path>) -> (PathBuf, PathBuf) {
    let as_given = || (PathBuf::new(), file.to_path_buf());
    let Some(out) = out else { return as_given() };
    let (Ok(abs), Some(root)) = (
        file.canonicalize(),
        absolute(out).and_then(|o| o.parent().map(Path::to_path_buf)),
    ) else {
        return as_given();
    };
    let root = root.canonicalize().unwrap_or(root);
    match abs.strip_prefix(&root) {
        Ok(rel) => (root.clone(), rel.to_path_buf()),
        Err(_) => match (abs.parent(), abs.file_name()) {
            (Some(dir), Some(name)) => (dir.to_path_buf(), PathBuf::from(name)),
            _ => as_given(),
        },
    }
}

fn absolute(p: &Path) -> Option<PathBuf> {
    if p.is_absolute() {
        Some(p.to_path_buf())
    } else {
        std::env::current_dir().ok().map(|d| d.join(p))
    }
}

/// A program read from disk, parsed and checked: where every command that reads one starts.
struct Program {
    sources: SourceMap,
    files: Vec<platc::syntax::ast::File>,
    checked: platc::check::Checked,
    diagnostics: Vec<Diagnostic>,
}

/// Loads the program rooted at `root` (a path under `base`), parses and checks it; `None`, with
/// the reason printed, when the root cannot be read.
fn analyse(base: &Path, root: &Path, policies: &[PathBuf]) -> Option<Program> {
    let mut disk = platc::load::Disk::new(base);
    let mut read = |p: &Path| disk.read(p);
    let (mut sources, mut loading) = match platc::load::load(root, &mut read) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", base.join(root).display());
            return None;
        }
    };
    if !extra_rules(&mut sources, &mut loading, policies) {
        return None;
    }
    let (files, mut diagnostics) = platc::parse(&sources, None);
    diagnostics.extend(loading);
    let (checked, diagnostics) = platc::check(&files, diagnostics);
    Some(Program {
        sources,
        files,
        checked,
        diagnostics,
    })
}

/// Adds the rule files given with `--policy` (paths as given, from the working directory);
/// false, with the reason printed, where one cannot be read.
fn extra_rules(sources: &mut SourceMap, diags: &mut Vec<Diagnostic>, paths: &[PathBuf]) -> bool {
    let mut read = |p: &Path| platc::load::read_file(p);
    for path in paths {
        if let Err(e) = platc::load::add_rules(sources, diags, &mut read, path, None) {
            eprintln!("error: cannot read rules {}: {e}", path.display());
            return false;
        }
    }
    true
}

/// `platc export`: the input of the platform's rules for one environment.
fn export(file: &Path, environment: Option<&str>) -> ExitCode {
    let Some(program) = analyse(Path::new(""), file, &[]) else {
        return ExitCode::from(2);
    };
    if program.diagnostics.iter().any(Diagnostic::is_error) {
        let text = diag::render::human(&program.sources, &program.diagnostics, false);
        let _ = std::io::stderr().write_all(text.as_bytes());
        return ExitCode::from(1);
    }
    let named = &program.checked.default.environments;
    if let Some(e) = environment.filter(|e| !named.iter().any(|n| n == e)) {
        eprintln!(
            "error: `{e}` is not one of the platform's environments ({}); without --environment, the input is the defaults'",
            named.join(", ")
        );
        return ExitCode::from(2);
    }
    let value = platc::policy::export(&program.checked, environment);
    let text = serde_json::to_string_pretty(&value).expect("JSON values always serialise");
    let _ = std::io::stdout().write_all(format!("{text}\n").as_bytes());
    leave(program);
    ExitCode::SUCCESS
}

/// What a command no longer needs just before the process exits: the operating system takes
/// back the whole process at once, while freeing a large program node by node is a cost of its
/// own (at N=1000 in the benchmark, 9-14 ms for the syntax trees and as much for the checked
/// platform, of a build of about 300 ms). Only here, where the process is about to end.
fn leave<T>(value: T) {
    std::mem::forget(value);
}

fn run(file: &Path, out: Option<&Path>, check_only: bool, report: &Report) -> ExitCode {
    let (base, root) = project_paths(file, out);
    let options = Options {
        source_name: root.to_string_lossy().replace('\\', "/"),
        check_only: out.is_none(),
        ..Options::default()
    };
    let Some(mut program) = analyse(&base, &root, &report.policies) else {
        return ExitCode::from(2);
    };
    let checked = &program.checked;
    let platforms = std::iter::once(&checked.default).chain(checked.environments.values());
    let folders = platc::publish::diagnostics(platforms, &program.sources, &base);
    if !folders.is_empty() {
        program.diagnostics.extend(folders);
        diag::sort(&mut program.diagnostics);
    }
    if options.check_only {
        leave(program.files);
    } else {
        // Lowering needs the room the trees take.
        drop(program.files);
    }
    let result = platc::lower(
        &program.checked,
        &program.sources,
        &options,
        program.diagnostics,
    );
    leave(program.checked);
    let sources = program.sources;
    print_diagnostics(&sources, &result.diagnostics, report);
    if result.has_errors() || (report.deny_warnings && !result.diagnostics.is_empty()) {
        return ExitCode::from(1);
    }
    let Some(out) = out else {
        return ExitCode::SUCCESS;
    };
    if check_only {
        return check_dir(out, &result.artifacts);
    }
    let files: Vec<PathBuf> = sources.ids().map(|i| base.join(sources.name(i))).collect();
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(parent);
    }
    let _lock = platc::output::lock_parent(out);
    let owned = platc::output::recover(out)
        .map_err(platc::output::Refusal::from)
        .and_then(|()| platc::output::check_owned(out, &files));
    if let Err(why) = owned {
        eprintln!("error: platc will not write {}: {why}", out.display());
        return ExitCode::from(2);
    }
    match platc::output::write_atomically(out, &result.artifacts, &RealFs) {
        Ok(()) => {
            if report.format == Format::Human {
                eprintln!(
                    "wrote {} files to {}",
                    result.artifacts.len(),
                    out.display()
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", out.display());
            ExitCode::from(2)
        }
    }
}

fn print_diagnostics(sources: &SourceMap, diags: &[Diagnostic], report: &Report) {
    match report.format {
        Format::Json | Format::Sarif => {
            let v = if report.format == Format::Json {
                diag::render::json(sources, diags)
            } else {
                diag::render::sarif(sources, diags)
            };
            println!(
                "{}",
                serde_json::to_string_pretty(&v).expect("JSON values always serialise")
            );
        }
        Format::Human => {
            let colour = match report.color {
                Colour::Always => true,
                Colour::Never => false,
                Colour::Auto => {
                    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                        && std::io::stderr().is_terminal()
                }
            };
            let text = diag::render::human(sources, diags, colour);
            let _ = std::io::stderr().write_all(text.as_bytes());
        }
    }
}

fn check_dir(out: &Path, artifacts: &Artifacts) -> ExitCode {
    let mut stale = Vec::new();
    for (rel, text) in artifacts {
        match platc::load::read_file(&out.join(rel)) {
            Ok(on_disk) if on_disk == *text => {}
            Ok(_) => stale.push(format!("{rel} differs")),
            Err(_) => stale.push(format!("{rel} is missing")),
        }
    }
    // An output directory that cannot be read has nothing platc would remove.
    for (rel, _) in platc::output::entries(out).unwrap_or_default() {
        if !artifacts.contains_key(&rel) {
            stale.push(format!("{rel} would be removed"));
        }
    }
    if stale.is_empty() {
        eprintln!("{} is up to date", out.display());
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "error: {} is stale; run `platc build` and commit the result",
            out.display()
        );
        for s in stale {
            eprintln!("  {s}");
        }
        ExitCode::from(1)
    }
}

/// The real file system.
pub struct RealFs;

impl platc::output::Fs for RealFs {
    fn create_dir_all(&self, p: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(p)
    }
    fn write(&self, p: &Path, data: &[u8]) -> std::io::Result<()> {
        // No fsync per file: the swap by rename protects the output from a failing or concurrent
        // build, which is what atomicity is for here; surviving power loss is not worth an fsync
        // for each of hundreds of files.
        std::fs::write(p, data)
    }
    fn rename(&self, from: &Path, to: &Path) -> std::io::Result<()> {
        std::fs::rename(from, to)
    }
    fn remove_dir_all(&self, p: &Path) -> std::io::Result<()> {
        std::fs::remove_dir_all(p)
    }
    fn exists(&self, p: &Path) -> bool {
        p.exists()
    }
}
