//! `platc verify`: after `azd provision`, compares the live environment with the platform. It asks
//! Azure through the `az` CLI — behind the `Az` trait, so the library stays free of IO and tests
//! replay recorded answers — whether every declared resource exists, clusters have the declared key
//! settings, extensions are installed and healthy, Flux configurations are compliant, and every
//! federated credential and role assignment is in place.

use crate::azure::extensions as ext;
use crate::check::Checked;
use crate::model::{Cluster, Identity, Platform};
use crate::source::{SourceMap, Span};
use serde_json::Value;

mod vault;

/// Runs one `az` command (without the leading `az` and without `-o json`) and parses its JSON.
pub trait Az {
    fn run(&mut self, args: &[&str]) -> Result<Value, AzError>;
}

/// Why an `az` command gave no answer. Only `NotFound` says something about the environment;
/// `CannotRun`, `NotLoggedIn`, `TimedOut` and `BadOutput` are problems of the machine running
/// verify, which stop it (`AzError::stops`) instead of turning every check into a gap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AzError {
    /// Azure answered that the resource (or its group, or its parent) does not exist.
    NotFound(String),
    /// `az` could not be started: not installed, not on `PATH`, not executable.
    CannotRun(String),
    /// `az` has no account to use, or its login expired.
    NotLoggedIn(String),
    /// `az` did not finish within this many seconds and was killed.
    TimedOut(u64),
    /// `az` succeeded but printed something that is not JSON (or too much of it).
    BadOutput(String),
    /// Any other failure, with the first line `az` wrote to standard error.
    Failed(String),
}

impl AzError {
    /// Classifies a failed `az` by what it wrote to standard error.
    pub fn from_stderr(stderr: &str) -> AzError {
        let first = stderr
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map_or("it wrote no message", |l| {
                l.strip_prefix("ERROR: ").unwrap_or(l)
            })
            .to_string();
        let lower = stderr.to_ascii_lowercase();
        if lower.contains("az login") || lower.contains("no subscription found") {
            AzError::NotLoggedIn(first)
        } else if stderr.contains("ResourceNotFound") || stderr.contains("ResourceGroupNotFound") {
            // `ParentResourceNotFound` too: a cluster's extensions when the cluster is gone.
            AzError::NotFound(first)
        } else {
            AzError::Failed(first)
        }
    }

    /// Whether verify cannot go on: `az` itself does not work, so no answer can be trusted.
    pub fn stops(&self) -> bool {
        !matches!(self, AzError::NotFound(_) | AzError::Failed(_))
    }
}

impl std::fmt::Display for AzError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AzError::NotFound(m) => write!(f, "not found: {m}"),
            AzError::CannotRun(m) => write!(f, "cannot run az: {m}"),
            AzError::NotLoggedIn(m) => write!(f, "az is not logged in ({m}); run `az login`"),
            AzError::TimedOut(secs) => write!(f, "az did not answer within {secs} s"),
            AzError::BadOutput(m) => write!(f, "az printed no JSON: {m}"),
            AzError::Failed(m) => write!(f, "az failed: {m}"),
        }
    }
}

/// The characters of platc's resource token, `toLower(uniqueString(...))`.
const TOKEN_LEN: usize = 13;

/// Whether `name` is the name platc deploys for the map's name `pattern`, in which `*` marks
/// deployment-time parts: the last `*` is the resource token (13 lowercase letters and digits),
/// any earlier one the region (letters and digits). ARM names ignore case. A name cut by
/// `take(..., max)` (the data collection names) matches when it is `max` long and the form's
/// first `max` characters. Unlike a glob, `aks-main-*` does not match `aks-main-b-<token>`.
pub fn deployed_name(pattern: &str, name: &str) -> bool {
    let (p, n) = (pattern.as_bytes(), name.as_bytes());
    let stars = p.iter().filter(|&&c| c == b'*').count();
    let (mut i, mut j, mut star) = (0, 0, 0);
    while i < p.len() {
        if j == n.len() {
            // The name ends inside the form: only a cut name of exactly the cut length matches.
            return n.len() == crate::lower::NAME_CUT;
        }
        if p[i] == b'*' {
            star += 1;
            let run = n[j..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric())
                .count();
            let take = if star == stars {
                // The token; only a cut name ends inside it.
                if run < TOKEN_LEN && (j + run != n.len() || n.len() != crate::lower::NAME_CUT) {
                    return false;
                }
                run.min(TOKEN_LEN)
            } else {
                run
            };
            if take == 0 {
                return false;
            }
            j += take;
        } else {
            if !p[i].eq_ignore_ascii_case(&n[j]) {
                return false;
            }
            j += 1;
        }
        i += 1;
    }
    j == n.len()
}

/// The resource of `az resource list` of a type whose name is the one platc deploys for the
/// pattern.
pub fn find_deployed<'a>(resources: &'a [Value], type_: &str, pattern: &str) -> Option<&'a Value> {
    resources.iter().find(|r| {
        r["type"]
            .as_str()
            .is_some_and(|t| t.eq_ignore_ascii_case(type_))
            && r["name"]
                .as_str()
                .is_some_and(|n| deployed_name(pattern, n))
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    Missing,
    Failed,
    NotReady,
    Differs,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Missing => "MISSING",
            Status::Failed => "FAILED",
            Status::NotReady => "NOT READY",
            Status::Differs => "DIFFERS",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Row {
    pub status: Status,
    pub check: &'static str,
    pub target: String,
    pub detail: String,
    /// `file:line` of the declaration the row is about.
    pub origin: String,
}

pub struct Report {
    pub rows: Vec<Row>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.rows.iter().all(|r| r.status == Status::Ok)
    }

    /// A fixed-width table, one row per check, gaps first.
    pub fn table(&self) -> String {
        let mut rows: Vec<&Row> = self.rows.iter().collect();
        rows.sort_by_key(|r| r.status == Status::Ok);
        let headers = ["STATUS", "CHECK", "TARGET", "DETAIL", "DECLARED AT"];
        let cells: Vec<[String; 5]> = rows
            .iter()
            .map(|r| {
                [
                    r.status.as_str().to_string(),
                    r.check.to_string(),
                    r.target.clone(),
                    r.detail.clone(),
                    r.origin.clone(),
                ]
            })
            .collect();
        let mut widths = headers.map(str::len);
        for c in &cells {
            for (w, v) in widths.iter_mut().zip(c) {
                *w = (*w).max(v.chars().count());
            }
        }
        let line = |vals: [&str; 5]| -> String {
            let mut s = String::new();
            for (i, v) in vals.iter().enumerate() {
                s.push_str(v);
                if i < 4 {
                    s.push_str(&" ".repeat(widths[i] - v.chars().count() + 2));
                }
            }
            s.trim_end().to_string() + "\n"
        };
        let mut out = line(headers);
        for c in &cells {
            out.push_str(&line([&c[0], &c[1], &c[2], &c[3], &c[4]]));
        }
        let gaps = self.rows.iter().filter(|r| r.status != Status::Ok).count();
        out.push_str(&format!(
            "{} passed, {} failed\n",
            self.rows.len() - gaps,
            gaps
        ));
        out
    }
}

struct Verifier<'a> {
    az: &'a mut dyn Az,
    sources: &'a SourceMap,
    rg: String,
    rows: Vec<Row>,
    resources: Vec<Value>,
    /// The error that stopped verify: once `az` does not work, it is not asked again.
    stopped: Option<AzError>,
}

impl Verifier<'_> {
    fn origin(&self, span: Span) -> String {
        let (line, _) = self.sources.line_col(span.file, span.start as usize);
        format!("{}:{line}", self.sources.name(span.file))
    }

    fn row(
        &mut self,
        status: Status,
        check: &'static str,
        target: impl Into<String>,
        detail: impl Into<String>,
        span: Span,
    ) {
        let origin = self.origin(span);
        self.rows.push(Row {
            status,
            check,
            target: target.into(),
            detail: detail.into(),
            origin,
        });
    }

    /// The deployed resource of a type whose name is the one platc deploys for the pattern.
    fn find(&self, type_: &str, pattern: &str) -> Option<&Value> {
        find_deployed(&self.resources, type_, pattern)
    }

    fn az(&mut self, args: &[&str]) -> Result<Value, AzError> {
        if let Some(e) = &self.stopped {
            return Err(e.clone());
        }
        let answer = self.az.run(args);
        if let Err(e) = &answer
            && e.stops()
        {
            self.stopped = Some(e.clone());
        }
        answer
    }

    /// A list `az` answered: nothing listed when what it belongs to is not found; otherwise the
    /// failure, as a row's detail.
    fn listed(answer: Result<Value, AzError>) -> Result<Value, String> {
        match answer {
            Ok(v) => Ok(v),
            Err(AzError::NotFound(_)) => Ok(Value::Null),
            Err(e) => Err(format!("cannot check: {e}")),
        }
    }

    /// A `... list` command about one managed cluster (extensions, Flux configurations).
    fn cluster_list(&mut self, command: &[&str], cluster: &str) -> Result<Value, String> {
        let rg = self.rg.clone();
        let mut args = command.to_vec();
        args.extend([
            "--resource-group",
            &rg,
            "--cluster-name",
            cluster,
            "--cluster-type",
            "managedClusters",
        ]);
        Self::listed(self.az(&args))
    }
}

fn state_ok(v: &Value) -> bool {
    v["provisioningState"]
        .as_str()
        .or(v["properties"]["provisioningState"].as_str())
        .is_none_or(|s| s.eq_ignore_ascii_case("Succeeded"))
}

/// Checks the live resource group against the platform as `env` sees it. `map` is the source map
/// platc wrote (`platc.map.json`), whose name patterns identify each resource. An error is what
/// stopped it: `az` does not work (`AzError::stops`), or the resource group cannot be listed.
pub fn verify(
    checked: &Checked,
    env: &str,
    sources: &SourceMap,
    map: &Value,
    rg: &str,
    az: &mut dyn Az,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Report, AzError> {
    let p: &Platform = checked.environments.get(env).unwrap_or(&checked.default);
    let mut v = Verifier {
        az,
        sources,
        rg: rg.to_string(),
        rows: Vec::new(),
        resources: Vec::new(),
        stopped: None,
    };
    if !resource_group(&mut v)? {
        return Ok(Report { rows: v.rows });
    }
    let deployed = resources(&mut v, map);
    let keys = vault::vault_objects(&mut v, &deployed, p);
    let mut issuers: Vec<(String, String)> = Vec::new();
    for (name, c) in &p.clusters {
        let Some(aks) = deployed.actual(&format!("cluster-{name}"), "cluster") else {
            continue;
        };
        if let Some(issuer) = cluster(&mut v, &aks, c, lookup, &keys) {
            issuers.push((name.clone(), issuer));
        }
    }
    for (name, i) in &p.identities {
        let Some(id_name) = deployed.actual(&format!("identity-{name}"), "identity") else {
            continue;
        };
        federated_credentials(&mut v, &id_name, i, &issuers);
        if !i.grants.is_empty() {
            role_assignments(&mut v, &deployed, &id_name, i);
        }
    }
    publishers(&mut v, &deployed, p, &issuers);
    match v.stopped {
        Some(e) => Err(e),
        None => Ok(Report { rows: v.rows }),
    }
}

/// The identities `platc publish`'s Jobs sign in with trust their Jobs' service accounts: the
/// one that uploads each `upload` folder, and the one that writes a private vault's
/// certificates (their existence is a resource row; their roles are their modules').
fn publishers(v: &mut Verifier, deployed: &Deployed, p: &Platform, issuers: &[(String, String)]) {
    let mut jobs: Vec<(&str, String, String, Span)> = Vec::new();
    for t in crate::model::targets(p) {
        let symbol = crate::bicep::ident("publisher", t.gitops);
        jobs.push((
            t.cluster,
            symbol,
            crate::azure::publish::job_name(t.gitops),
            t.upload.span,
        ));
    }
    for (vname, vault) in &p.vaults {
        if let Some(cluster) = crate::model::certificate_writer(p, vname)
            && let Some((_, cert)) = vault.certificates.first()
        {
            let symbol = crate::bicep::ident("certificates", vname);
            jobs.push((
                cluster,
                symbol,
                crate::azure::keys::job_name(vname),
                cert.meta.span,
            ));
        }
    }
    for (cluster, symbol, account, span) in jobs {
        let Some(id_name) = deployed.actual(&format!("gitops-{cluster}"), &symbol) else {
            continue;
        };
        let job = Identity {
            meta: crate::model::Meta { span, doc: None },
            federations: vec![crate::model::Federation {
                span,
                cluster: cluster.to_string(),
                namespace: crate::azure::publish::NAMESPACE.to_string(),
                service_account: account,
            }],
            grants: Vec::new(),
        };
        federated_credentials(v, &id_name, &job, issuers);
    }
}

/// Lists the resource group's resources into `v`; `false` when the group is not found, which a
/// row then reports.
fn resource_group(v: &mut Verifier) -> Result<bool, AzError> {
    let rg = v.rg.clone();
    match v.az(&["resource", "list", "--resource-group", &rg]) {
        Ok(Value::Array(list)) => {
            v.resources = list;
            Ok(true)
        }
        Ok(_) => Err(AzError::BadOutput(
            "`az resource list` printed no list".into(),
        )),
        Err(AzError::NotFound(e)) => {
            v.row(
                Status::Missing,
                "resource group",
                rg,
                format!("not found: {e}"),
                Span::default(),
            );
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// The names the deployed resources actually have, by deployment and symbol.
struct Deployed(Vec<(String, String, String)>);

impl Deployed {
    fn actual(&self, deployment: &str, symbol: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(d, s, _)| d == deployment && s == symbol)
            .map(|(_, _, n)| n.clone())
    }
}

/// Every top-level resource platc deploys, by its generated name pattern.
fn resources(v: &mut Verifier, map: &Value) -> Deployed {
    let empty = Vec::new();
    let mut names: Vec<(String, String, String)> = Vec::new(); // (deployment, symbol, actual name)
    for d in map["deployments"].as_array().unwrap_or(&empty) {
        let deployment = d["deployment"].as_str().unwrap_or_default().to_string();
        let line = d["source"]["line"].as_u64().unwrap_or(0);
        let file = d["source"]["file"].as_str().unwrap_or_default();
        let origin = format!("{file}:{line}");
        for r in &crate::trace::resources(d) {
            let (t, n) = (
                r["type"].as_str().unwrap_or_default(),
                r["name"].as_str().unwrap_or_default(),
            );
            // Child and extension resources are checked through their parents; a module's
            // deployments (grants) are no resources of the group, and their role assignments
            // are checked with the identity.
            if t.matches('/').count() != 1
                || n.contains('/')
                || n.contains('*') && n.len() == 1
                || r["extension"] == true
                || t == crate::azure::DEPLOYMENT_TYPE
            {
                continue;
            }
            if let Some(actual) = resource(v, t, n, &origin) {
                names.push((
                    deployment.clone(),
                    r["symbol"].as_str().unwrap_or_default().to_string(),
                    actual,
                ));
            }
        }
    }
    Deployed(names)
}

/// The row of one resource of type `t` named like `n`; returns its actual name if it exists.
fn resource(v: &mut Verifier, t: &str, n: &str, origin: &str) -> Option<String> {
    let found = v.find(t, n).map(|r| {
        (
            r["name"].as_str().unwrap_or_default().to_string(),
            state_ok(r),
        )
    });
    let (status, detail, actual) = match found {
        Some((name, true)) => (Status::Ok, "exists".to_string(), name),
        Some((name, false)) => (
            Status::Failed,
            "provisioning did not succeed".to_string(),
            name,
        ),
        None => (
            Status::Missing,
            format!("no {t} named like `{n}`"),
            String::new(),
        ),
    };
    v.rows.push(Row {
        status,
        check: "resource",
        target: if actual.is_empty() {
            n.to_string()
        } else {
            actual.clone()
        },
        detail: format!("{t}: {detail}"),
        origin: origin.to_string(),
    });
    (!actual.is_empty()).then_some(actual)
}

/// Each federation of the identity, as a credential trusting its cluster's issuer.
fn federated_credentials(
    v: &mut Verifier,
    id_name: &str,
    i: &Identity,
    issuers: &[(String, String)],
) {
    let span = i.meta.span;
    let rg = v.rg.clone();
    let answer = v.az(&[
        "identity",
        "federated-credential",
        "list",
        "--resource-group",
        &rg,
        "--identity-name",
        id_name,
    ]);
    let creds = Verifier::listed(answer);
    for f in &i.federations {
        let subject = format!(
            "system:serviceaccount:{}:{}",
            f.namespace, f.service_account
        );
        let issuer = issuers
            .iter()
            .find(|(c, _)| *c == f.cluster)
            .map(|(_, u)| u.clone());
        let (status, detail) = match &creds {
            Ok(list) => {
                let present = list.as_array().is_some_and(|list| {
                    list.iter().any(|c| {
                        c["subject"] == subject.as_str()
                            && issuer.as_ref().is_none_or(|u| c["issuer"] == u.as_str())
                    })
                });
                let status = if present { Status::Ok } else { Status::Missing };
                (status, format!("issuer of cluster `{}`", f.cluster))
            }
            Err(e) => (Status::Failed, e.clone()),
        };
        v.row(
            status,
            "federated credential",
            format!("{id_name} ← {subject}"),
            detail,
            span,
        );
    }
}

/// The identity's principal id, or a row saying why it cannot be read.
fn principal(v: &mut Verifier, id_name: &str, span: Span) -> Option<String> {
    let rg = v.rg.clone();
    let shown = v.az(&[
        "identity",
        "show",
        "--resource-group",
        &rg,
        "--name",
        id_name,
    ]);
    let principal = match &shown {
        Ok(x) => x["principalId"].as_str().map(str::to_string),
        Err(_) => None,
    };
    if principal.is_none() {
        let (status, detail) = match shown {
            Err(e @ AzError::Failed(_)) => (Status::Failed, format!("cannot read it: {e}")),
            _ => (Status::Missing, "cannot read its principal id".to_string()),
        };
        v.row(status, "identity", id_name, detail, span);
    }
    principal
}

/// Each grant of the identity, as a role assignment on the deployed target.
fn role_assignments(v: &mut Verifier, deployed: &Deployed, id_name: &str, i: &Identity) {
    let span = i.meta.span;
    let Some(principal) = principal(v, id_name, span) else {
        return;
    };
    let answer = v.az(&[
        "role",
        "assignment",
        "list",
        "--assignee",
        &principal,
        "--all",
    ]);
    let assignments = Verifier::listed(answer);
    for g in &i.grants {
        let symbol = match g.target.kind.as_str() {
            "vault" => "vault",
            "appconfig" => "store",
            "registry" => "registry",
            "storage" => "account",
            "cluster" => "cluster",
            // Grafana's roles are assigned on the metrics declaration's Grafana.
            "metrics" if crate::azure::is_grafana_role(&g.role) => "grafana",
            _ => "workspace",
        };
        let target = deployed
            .actual(&format!("{}-{}", g.target.kind, g.target.name), symbol)
            .unwrap_or_default();
        let (status, detail) = match &assignments {
            Ok(list) => {
                let present = list.as_array().is_some_and(|list| {
                    list.iter().any(|a| {
                        a["roleDefinitionName"] == g.role.as_str()
                            && a["scope"].as_str().is_some_and(|s| {
                                !target.is_empty()
                                    && s.to_ascii_lowercase()
                                        .ends_with(&format!("/{}", target.to_ascii_lowercase()))
                            })
                    })
                });
                let status = if present { Status::Ok } else { Status::Missing };
                (status, g.role.clone())
            }
            Err(e) => (Status::Failed, format!("{}: {e}", g.role)),
        };
        v.row(
            status,
            "role assignment",
            format!("{id_name} → {target}"),
            detail,
            span,
        );
    }
}

/// A cluster's key settings, extensions and Flux configurations; returns its OIDC issuer.
fn cluster(
    v: &mut Verifier,
    aks: &str,
    c: &Cluster,
    lookup: &dyn Fn(&str) -> Option<String>,
    keys: &vault::KeyVersions,
) -> Option<String> {
    let span = c.meta.span;
    let rg = v.rg.clone();
    let show = match v.az(&["aks", "show", "--resource-group", &rg, "--name", aks]) {
        Ok(s) => s,
        Err(e) => {
            let status = match e {
                AzError::NotFound(_) => Status::Missing,
                _ => Status::Failed,
            };
            v.row(status, "cluster", aks, format!("cannot read it: {e}"), span);
            return None;
        }
    };
    let mut cc = ClusterCheck {
        v,
        aks,
        span,
        show,
        lookup,
    };
    cc.settings(c);
    cc.kms(c, keys);
    cc.addons(c);
    cc.provisioned();
    cc.extensions(c);
    cc.policy(c);
    cc.admins(c);
    cc.flux(c);
    cc.get(&["oidcIssuerProfile", "issuerUrl"])
        .or_else(|| cc.get(&["oidcIssuerProfile", "issuerURL"]))
        .and_then(|x| x.as_str().map(str::to_string))
}

/// One managed cluster, as `az aks show` described it, and the rows about it.
struct ClusterCheck<'a, 'b> {
    v: &'a mut Verifier<'b>,
    aks: &'a str,
    span: Span,
    show: Value,
    /// The azd environment's values, for admins named by `env()`.
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl ClusterCheck<'_, '_> {
    fn get(&self, path: &[&str]) -> Option<&Value> {
        let mut cur = &self.show;
        for p in path {
            cur = cur.get(*p)?;
        }
        Some(cur)
    }

    fn text(&self, path: &[&str]) -> String {
        self.get(path)
            .and_then(|x| x.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    fn truthy(&self, path: &[&str]) -> bool {
        self.get(path).is_some_and(|x| {
            *x == Value::Bool(true) || x.as_str().is_some_and(|t| t.eq_ignore_ascii_case("true"))
        })
    }

    fn row(&mut self, status: Status, check: &'static str, target: String, detail: String) {
        self.v.row(status, check, target, detail, self.span);
    }

    /// A row about the cluster itself: `Differs` unless `ok`.
    fn expect(&mut self, what: &'static str, ok: bool, detail: String) {
        let status = if ok { Status::Ok } else { Status::Differs };
        self.v.row(status, what, self.aks, detail, self.span);
    }

    /// Workload identity, local accounts and networking.
    fn settings(&mut self, c: &Cluster) {
        let oidc = self.truthy(&["oidcIssuerProfile", "enabled"]);
        self.expect("cluster setting", oidc, "OIDC issuer enabled".into());
        let wi = self.truthy(&["securityProfile", "workloadIdentity", "enabled"]);
        self.expect("cluster setting", wi, "workload identity enabled".into());
        let local = self.truthy(&["disableLocalAccounts"]);
        self.expect("cluster setting", local, "local accounts disabled".into());
        let dataplane = self.text(&["networkProfile", "networkDataplane"]);
        self.expect(
            "cluster setting",
            dataplane == c.network.dataplane,
            format!("data plane {} (found `{dataplane}`)", c.network.dataplane),
        );
        let policy = self.text(&["networkProfile", "networkPolicy"]);
        self.expect(
            "cluster setting",
            policy == c.network.policy,
            format!("network policy {} (found `{policy}`)", c.network.policy),
        );
        if c.network.overlay {
            let overlay =
                self.get(&["networkProfile", "networkPluginMode"]) == Some(&Value::from("overlay"));
            self.expect("cluster setting", overlay, "Azure CNI overlay".into());
        }
        if let Some((ws, _)) = &c.defender {
            let on = self.truthy(&[
                "securityProfile",
                "defender",
                "securityMonitoring",
                "enabled",
            ]);
            self.expect(
                "cluster setting",
                on,
                format!("Defender for Containers sending to workspace `{ws}`"),
            );
        }
    }

    /// KMS encryption with the declared key, at the key's current version: a key Key Vault has
    /// rotated since is taken up by the next provision, after which Kubernetes secrets are
    /// encrypted anew only as they are written again.
    fn kms(&mut self, c: &Cluster, keys: &vault::KeyVersions) {
        let Some((key, _)) = &c.kms else {
            return;
        };
        let on = self.truthy(&["securityProfile", "azureKeyVaultKms", "enabled"]);
        let used = self.text(&["securityProfile", "azureKeyVaultKms", "keyId"]);
        let current = keys.iter().find(|(k, _)| k == key).map(|(_, u)| u.as_str());
        let (status, detail) = if !on || !used.contains(&format!("/keys/{key}/")) {
            (
                Status::Differs,
                format!("KMS is not encrypting with key `{key}` (found `{used}`)"),
            )
        } else if current.is_some_and(|u| !u.eq_ignore_ascii_case(&used)) {
            (
                Status::Differs,
                format!(
                    "KMS uses {used}, and key `{key}` has rotated to {}: `azd provision` moves KMS to it; then write the secrets again (`kubectl get secrets -A -o json | kubectl replace -f -`) so they are encrypted with it",
                    current.unwrap_or_default()
                ),
            )
        } else {
            (
                Status::Ok,
                format!("KMS encrypts Kubernetes secrets with key `{key}`"),
            )
        };
        self.v.row(
            status,
            "cluster setting",
            self.aks.to_string(),
            detail,
            self.span,
        );
        if c.network.api_server_subnet.is_some() {
            let vnet = self.truthy(&["apiServerAccessProfile", "enableVnetIntegration"]);
            self.expect(
                "cluster setting",
                vnet,
                "API Server VNet Integration".into(),
            );
        }
    }

    /// The add-ons the cluster declares, and Istio.
    fn addons(&mut self, c: &Cluster) {
        let addons: [(bool, &[&str], &str); 4] = [
            (
                c.keyvault_csi.is_some(),
                &["addonProfiles", ext::ADDON_KEYVAULT_CSI, "enabled"],
                "Key Vault CSI provider",
            ),
            (
                c.azure_policy.is_some(),
                &["addonProfiles", ext::ADDON_AZURE_POLICY, "enabled"],
                "Azure Policy",
            ),
            (
                c.logs.is_some(),
                &["addonProfiles", ext::ADDON_CONTAINER_INSIGHTS, "enabled"],
                "Container insights",
            ),
            (
                c.prometheus,
                &["azureMonitorProfile", "metrics", "enabled"],
                "managed Prometheus",
            ),
        ];
        for (wanted, path, what) in addons {
            if wanted {
                let on = self.truthy(path);
                self.expect("add-on", on, what.into());
            }
        }
        if let Some(istio) = &c.istio {
            let ok = self.get(&["serviceMeshProfile", "mode"]) == Some(&Value::from("Istio"))
                && self
                    .get(&["serviceMeshProfile", "istio", "revisions"])
                    .and_then(Value::as_array)
                    .is_some_and(|r| r.iter().any(|x| x == istio.revision.as_str()));
            self.expect("add-on", ok, format!("Istio {}", istio.revision));
        }
    }

    /// The initiative `extension azure_policy` assigns is assigned at the cluster, with the
    /// effect the platform asks for: the add-on alone enforces nothing.
    fn policy(&mut self, c: &Cluster) {
        let Some(initiative) = c.azure_policy.as_ref().and_then(|p| {
            let (_, guid, title) = crate::azure::policy::INITIATIVES
                .iter()
                .find(|(word, _, _)| Some(*word) == p.initiative.as_deref())?;
            Some((*guid, *title, crate::azure::policy::effect_value(&p.effect)))
        }) else {
            return;
        };
        let (guid, title, effect) = initiative;
        let scope = self.text(&["id"]);
        let listed = self
            .v
            .az(&["policy", "assignment", "list", "--scope", &scope]);
        let assignment = match listed {
            Ok(list) => list
                .as_array()
                .into_iter()
                .flatten()
                .find(|a| {
                    a.get("policyDefinitionId")
                        .and_then(Value::as_str)
                        .is_some_and(|d| d.to_ascii_lowercase().ends_with(guid))
                })
                .cloned(),
            Err(e) => {
                let target = self.aks.to_string();
                self.row(
                    Status::Failed,
                    "policy assignment",
                    target,
                    format!("cannot list them: {e}"),
                );
                return;
            }
        };
        let target = self.aks.to_string();
        let Some(a) = assignment else {
            self.row(
                Status::Missing,
                "policy assignment",
                target,
                format!("{title} is not assigned"),
            );
            return;
        };
        let live = a
            .pointer(&format!(
                "/parameters/{}/value",
                crate::azure::policy::EFFECT_PARAMETER
            ))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let status = if live.eq_ignore_ascii_case(effect) {
            Status::Ok
        } else {
            Status::Differs
        };
        self.row(
            status,
            "policy assignment",
            target,
            format!("{title}, effect {live} (expected {effect})"),
        );
    }

    /// Each admin the platform names holds both cluster roles at the cluster: without them
    /// nobody can operate a cluster with local accounts off. An admin read from an empty azd
    /// variable is none (the deployer stands in, whom verify does not know).
    fn admins(&mut self, c: &Cluster) {
        use crate::azure::cluster_access::{ADMIN_ROLE, USER_ROLE};
        let scope = self.text(&["id"]);
        for admin in c.admins.iter().flatten() {
            let id = match crate::model::parse_env_marker(admin) {
                Some((var, default)) => (self.lookup)(&var).or(default).unwrap_or_default(),
                None => admin.clone(),
            };
            if id.is_empty() {
                continue;
            }
            let listed = self.v.az(&[
                "role",
                "assignment",
                "list",
                "--assignee",
                &id,
                "--scope",
                &scope,
            ]);
            let held: Vec<String> = match listed {
                Ok(list) => list
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|a| a.get("roleDefinitionName").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect(),
                Err(e) => {
                    self.row(
                        Status::Failed,
                        "cluster admin",
                        id,
                        format!("cannot list its roles: {e}"),
                    );
                    continue;
                }
            };
            let missing: Vec<&str> = [ADMIN_ROLE, USER_ROLE]
                .into_iter()
                .filter(|r| !held.iter().any(|h| h == r))
                .collect();
            if missing.is_empty() {
                self.row(
                    Status::Ok,
                    "cluster admin",
                    id,
                    "cluster admin and user roles".into(),
                );
            } else {
                self.row(
                    Status::Missing,
                    "cluster admin",
                    id,
                    format!("lacks {}", missing.join(" and ")),
                );
            }
        }
    }

    fn provisioned(&mut self) {
        let state = self.text(&["provisioningState"]);
        self.expect(
            "cluster setting",
            state.eq_ignore_ascii_case("Succeeded"),
            format!("provisioning state {state}"),
        );
    }

    /// The cluster extensions the platform needs: installed and provisioned.
    fn extensions(&mut self, c: &Cluster) {
        let wanted: Vec<&str> = [
            (c.flux, ext::FLUX_TYPE),
            (c.app_config_provider, ext::APPCONFIG_TYPE),
        ]
        .into_iter()
        .filter_map(|(on, t)| on.then_some(t))
        .collect();
        if wanted.is_empty() {
            return;
        }
        let answer = self.v.cluster_list(&["k8s-extension", "list"], self.aks);
        for ext_type in wanted {
            let target = format!("{}/{ext_type}", self.aks);
            let list = match &answer {
                Ok(list) => list,
                Err(e) => {
                    self.row(Status::Failed, "extension", target, e.clone());
                    continue;
                }
            };
            let found = list.as_array().and_then(|l| {
                l.iter().find(|e| {
                    e["extensionType"]
                        .as_str()
                        .is_some_and(|t| t.eq_ignore_ascii_case(ext_type))
                })
            });
            let (status, detail) = extension_status(found);
            self.row(status, "extension", target, detail);
        }
    }

    /// Each Flux configuration of the cluster, with its kustomizations.
    fn flux(&mut self, c: &Cluster) {
        if c.gitops.is_empty() {
            return;
        }
        let answer = self
            .v
            .cluster_list(&["k8s-configuration", "flux", "list"], self.aks);
        for (gname, g) in &c.gitops {
            let target = format!("{}/{gname}", self.aks);
            let list = match &answer {
                Ok(list) => list,
                Err(e) => {
                    self.row(Status::Failed, "flux configuration", target, e.clone());
                    continue;
                }
            };
            let found = list
                .as_array()
                .and_then(|l| l.iter().find(|f| f["name"] == gname.as_str()));
            let Some(f) = found else {
                let detail = "not configured".to_string();
                self.row(Status::Missing, "flux configuration", target, detail);
                continue;
            };
            let compliance = f["complianceState"]
                .as_str()
                .unwrap_or("Unknown")
                .to_string();
            let status = if !state_ok(f) {
                Status::Failed
            } else if compliance == "Compliant" {
                Status::Ok
            } else {
                Status::NotReady
            };
            let detail = format!("compliance {compliance}");
            self.row(status, "flux configuration", target, detail);
            for kname in g.kustomizations.keys() {
                let (status, detail) = kustomization_status(f, gname, kname);
                let target = format!("{}/{gname}/{kname}", self.aks);
                self.row(status, "kustomization", target, detail);
            }
        }
    }
}

/// How an extension `az k8s-extension list` listed (if it did) stands.
fn extension_status(found: Option<&Value>) -> (Status, String) {
    match found {
        None => (Status::Missing, "not installed".to_string()),
        Some(e) if !state_ok(e) => (
            Status::Failed,
            format!(
                "provisioning state {}",
                e["provisioningState"].as_str().unwrap_or("unknown")
            ),
        ),
        Some(e) => (
            Status::Ok,
            format!(
                "version {}",
                e["currentVersion"]
                    .as_str()
                    .or(e["version"].as_str())
                    .unwrap_or("?")
            ),
        ),
    }
}

/// How one kustomization of the Flux configuration `f` stands.
fn kustomization_status(f: &Value, gname: &str, kname: &str) -> (Status, String) {
    // Flux reports each kustomization as a Kustomization object `<config>-<name>`.
    let object = format!("{gname}-{kname}");
    let st = f["statuses"].as_array().and_then(|s| {
        s.iter()
            .find(|x| x["kind"] == "Kustomization" && x["name"] == object.as_str())
    });
    match st {
        None => (Status::NotReady, "not reported yet".to_string()),
        Some(x) if x["complianceState"] == "Compliant" => (Status::Ok, "Ready".to_string()),
        Some(x) => {
            let msg = x["statusConditions"]
                .as_array()
                .and_then(|c| c.first())
                .and_then(|c| c["message"].as_str())
                .unwrap_or("not ready");
            (Status::NotReady, msg.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_exactly_up_to_the_token() {
        assert!(deployed_name("aks-main-*", "aks-main-x7k2m9q4r1t6z"));
        assert!(deployed_name("aks-main-*", "AKS-Main-x7k2m9q4r1t6z"));
        assert!(!deployed_name("aks-main-*", "aks-main-b-x7k2m9q4r1t6z"));
        assert!(!deployed_name("aks-main-*", "aks-main-x7k2m9q4r1t6"));
        assert!(!deployed_name("aks-main-*", "aks-main-"));
        assert!(!deployed_name("stgitops*", "stgitopsbx7k2m9q4r1t6z"));
        assert!(deployed_name(
            "vnet-core-*-nodes-nsg",
            "vnet-core-x7k2m9q4r1t6z-nodes-nsg"
        ));
        assert!(!deployed_name(
            "vnet-core-*",
            "vnet-core-x7k2m9q4r1t6z-nodes-nsg"
        ));
        assert!(deployed_name(
            "MSProm-*-aks-main-*",
            "MSProm-eastus2-aks-main-x7k2m9q4r1t6z"
        ));
        // Cut to 44 characters: with a long region, the token loses its end.
        let full = "MSProm-germanywestcentral-aks-main-x7k2m9q4r1t6z";
        assert!(deployed_name("MSProm-*-aks-main-*", &full[..44]));
        assert!(!deployed_name("MSProm-*-aks-main-*", &full[..43]));
        assert!(!deployed_name("MSProm-*-aks-main-b-*", &full[..44]));
    }

    #[test]
    fn az_errors_are_told_apart() {
        let e = AzError::from_stderr("ERROR: Please run 'az login' to setup account.\n");
        assert!(matches!(e, AzError::NotLoggedIn(_)) && e.stops());
        let e = AzError::from_stderr(
            "ERROR: (ResourceGroupNotFound) Resource group 'rg' could not be found.\nCode: ResourceGroupNotFound",
        );
        assert!(matches!(e, AzError::NotFound(_)) && !e.stops());
        let e = AzError::from_stderr("ERROR: (ResourceNotFound) The Resource 'x' was not found.");
        assert!(matches!(e, AzError::NotFound(_)));
        assert_eq!(
            AzError::from_stderr("\nERROR: (AuthorizationFailed) no access\n"),
            AzError::Failed("(AuthorizationFailed) no access".into())
        );
        assert!(AzError::TimedOut(1).stops() && AzError::BadOutput(String::new()).stops());
        assert_eq!(
            AzError::TimedOut(120).to_string(),
            "az did not answer within 120 s"
        );
    }
}
