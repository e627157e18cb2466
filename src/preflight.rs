//! `platc preflight`: what must hold before ARM starts, checked (and, where that is safe and
//! idempotent, put right) from azd's `preprovision` hook, so that a deployment never fails half
//! way on something knowable in advance:
//!
//! - the deployer's principal type, which role assignments must state (`AZURE_PRINCIPAL_TYPE`:
//!   a `User` default fails with UnmatchedPrincipalType when azd runs as a service principal);
//! - the resource providers of every type platc emits, registered (a fresh subscription has not
//!   registered `Microsoft.KubernetesConfiguration`, `Microsoft.Monitor`, ...);
//! - a Key Vault or App Configuration store of this environment that `azd down` left soft-deleted,
//!   recovered (its name stays taken for the retention period, and purge protection forbids
//!   purging it);
//! - the region offers what the platform asks for: the node pools' VM sizes in their zones,
//!   availability zones for zone-redundant storage and registries, Managed Grafana.
//!
//! Like `verify`, it talks to Azure only through `az` (the `Az` trait), so tests use a stand-in.

use crate::Artifacts;
use crate::azure;
use crate::model::Platform;
use crate::verify::{Az, AzError};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Already as it must be.
    Ok,
    /// Was not, and preflight put it right.
    Fixed,
    /// Is not, and the deployment would fail: provisioning should stop.
    Failed,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Fixed => "FIXED",
            Status::Failed => "FAILED",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub status: Status,
    pub what: String,
    pub detail: String,
}

/// What preflight found, and the azd environment values it wants set (`azd env set`).
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub env: Vec<(String, String)>,
}

impl Outcome {
    pub fn ok(&self) -> bool {
        self.findings.iter().all(|f| f.status != Status::Failed)
    }

    pub(crate) fn add(
        &mut self,
        status: Status,
        what: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.findings.push(Finding {
            status,
            what: what.into(),
            detail: detail.into(),
        });
    }

    /// The findings as a table, one line each.
    pub fn table(&self) -> String {
        let width = self
            .findings
            .iter()
            .map(|f| f.what.len())
            .max()
            .unwrap_or(0);
        let mut out = format!("{:<7} {:<width$} DETAIL\n", "STATUS", "CHECK");
        for f in &self.findings {
            out.push_str(&format!(
                "{:<7} {:<width$} {}\n",
                f.status.as_str(),
                f.what,
                f.detail
            ));
        }
        out
    }
}

/// Runs every check for environment `env` in region `location`. `Err` only when `az` itself
/// cannot answer (not installed, not logged in, timed out).
/// What preflight reads besides the platform: the environment, its region, the azd values
/// already set, and the time now (`2026-01-31T12:00:00Z`).
pub struct Context<'a> {
    pub env: &'a str,
    pub location: &'a str,
    /// `PLATC_SECRETS_ISSUED_AT` as the azd environment has it, if at all.
    pub secrets_issued_at: Option<&'a str>,
    /// `PLATC_EXISTING_KEYS` as the azd environment has it (empty is a value: no keys yet),
    /// if at all.
    pub existing_keys: Option<&'a str>,
    /// The deployer's object id (`AZURE_PRINCIPAL_ID`), if azd gave one.
    pub principal_id: Option<&'a str>,
    /// azd's subscription (`AZURE_SUBSCRIPTION_ID`), which every `az` call names: `az`'s own
    /// default may be another.
    pub subscription: Option<&'a str>,
    pub now: &'a str,
}

pub fn preflight(
    p: &Platform,
    cx: &Context,
    artifacts: &Artifacts,
    az: &mut dyn Az,
) -> Result<Outcome, AzError> {
    let location = cx.location;
    let mut scoped = InSubscription {
        az,
        subscription: cx.subscription.filter(|s| !s.is_empty()),
    };
    let az: &mut dyn Az = &mut scoped;
    let mut out = Outcome::default();
    secrets_issued(p, cx, &mut out);
    let kind = principal_type(az, &mut out)?;
    providers(p, artifacts, az, &mut out)?;
    key_value_writer(p, cx, kind, az, &mut out)?;
    soft_deleted(p, cx, az, &mut out)?;
    existing_keys(p, cx, az, &mut out)?;
    region(p, location, az, &mut out)?;
    defender_plan(p, az, &mut out)?;
    Ok(out)
}

/// A cluster's Defender sensor protects nothing unless the subscription's Defender for
/// Containers plan is on (`azure::aks_security::DEFENDER_PLAN`). platc does not turn the plan on:
/// it bills every cluster of the subscription and outlives `azd down`.
fn defender_plan(p: &Platform, az: &mut dyn Az, out: &mut Outcome) -> Result<(), AzError> {
    if p.clusters.values().all(|c| c.defender.is_none()) {
        return Ok(());
    }
    let plan = azure::aks_security::DEFENDER_PLAN;
    let tier = match az.run(&["security", "pricing", "show", "--name", plan]) {
        Ok(v) => v["pricingTier"].as_str().unwrap_or_default().to_string(),
        Err(AzError::NotFound(_)) => String::new(),
        Err(e) => return Err(e),
    };
    if tier.eq_ignore_ascii_case("Standard") {
        out.add(Status::Ok, "defender plan", format!("{plan} is on"));
    } else {
        out.add(
            Status::Failed,
            "defender plan",
            format!("the subscription's Defender for Containers plan is off, so the sensor `defender` turns on would protect nothing; have it turned on (`az security pricing create --name {plan} --tier Standard`) or remove `defender`"),
        );
    }
    Ok(())
}

/// `az`, told azd's subscription on every call but Entra ID's (`az ad`), which take none.
struct InSubscription<'a, 'b> {
    az: &'a mut dyn Az,
    subscription: Option<&'b str>,
}

impl Az for InSubscription<'_, '_> {
    fn run(&mut self, args: &[&str]) -> Result<Value, AzError> {
        match self.subscription {
            Some(sub) if args.first() != Some(&"ad") => {
                let mut with: Vec<&str> = args.to_vec();
                with.extend(["--subscription", sub]);
                self.az.run(&with)
            }
            _ => self.az.run(args),
        }
    }
}

/// What preflight does without `az`: the time secrets' expiry counts from needs no Azure.
/// Which keys exist does, and a deployment that tries to create one again fails: without a
/// list from an earlier run, or one set by hand, provisioning stops here.
pub fn without_az(p: &Platform, cx: &Context) -> Outcome {
    let mut out = Outcome::default();
    secrets_issued(p, cx, &mut out);
    if p.vaults.values().any(|v| !v.keys.is_empty()) {
        match cx.existing_keys {
            Some(listed) => out.add(
                Status::Ok,
                "keys",
                format!("not listed again without az; PLATC_EXISTING_KEYS says `{listed}`"),
            ),
            None => out.add(
                Status::Failed,
                "keys",
                "without az, platc cannot tell which keys exist, and ARM fails on a key that exists with other settings: sign in with `az login`, or set PLATC_EXISTING_KEYS to the keys that exist as `vault/key,...` (`azd env set PLATC_EXISTING_KEYS \"\"` before the first provision)",
            ),
        }
    }
    out
}

/// The time this environment's secrets count their expiry from, set once: main.bicep reads it
/// from `PLATC_SECRETS_ISSUED_AT`, so that provisioning again does not move every expiry
/// forward. Unset it (or set another time) to count again from the next provision.
fn secrets_issued(p: &Platform, cx: &Context, out: &mut Outcome) {
    if p.vaults.values().all(|v| v.secrets.is_empty()) {
        return;
    }
    match cx.secrets_issued_at.filter(|t| !t.is_empty()) {
        Some(at) => out.add(Status::Ok, "secret expiry", format!("counts from {at}")),
        None => {
            out.env
                .push(("PLATC_SECRETS_ISSUED_AT".into(), cx.now.into()));
            out.add(
                Status::Fixed,
                "secret expiry",
                format!(
                    "counts from {} from now on (PLATC_SECRETS_ISSUED_AT)",
                    cx.now
                ),
            );
        }
    }
}

/// `2026-01-31T12:00:00Z` for `secs` after the Unix epoch: the civil date from a day count, as
/// ISO 8601 and `dateTimeAdd` read it.
pub fn iso_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `az account show` names the signed-in account's kind: `user` or `servicePrincipal` (a managed
/// identity signs in as a service principal too).
fn principal_type(az: &mut dyn Az, out: &mut Outcome) -> Result<Option<Account>, AzError> {
    let account = az.run(&["account", "show"])?;
    let subscription = account
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let kind = match account.pointer("/user/type").and_then(Value::as_str) {
        Some("user") => "User",
        Some("servicePrincipal") => "ServicePrincipal",
        other => {
            out.add(
                Status::Failed,
                "deployer",
                format!("az account show reports an account of kind {other:?}, neither a user nor a service principal"),
            );
            return Ok(None);
        }
    };
    // azd finds the deployer's object id while it fills in the parameters and does not keep it
    // in its environment, so it is asked of Entra ID here.
    let name = account
        .pointer("/user/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let shown = if kind == "User" {
        az.run(&["ad", "signed-in-user", "show"])
    } else {
        az.run(&["ad", "sp", "show", "--id", name])
    };
    let object_id = match shown {
        Ok(v) => v.get("id").and_then(Value::as_str).map(str::to_string),
        Err(e) if !e.stops() => None,
        Err(e) => return Err(e),
    };
    out.env.push(("AZURE_PRINCIPAL_TYPE".into(), kind.into()));
    out.add(Status::Ok, "deployer", format!("signed in as a {kind}"));
    Ok(Some(Account {
        kind,
        subscription,
        object_id,
    }))
}

/// The signed-in account: its principal type, subscription and object id.
struct Account {
    kind: &'static str,
    subscription: String,
    object_id: Option<String>,
}

/// ARM writes App Configuration key-values through the store's data plane as the deployer
/// (`dataPlaneProxy` pass-through, since local authentication is off), so the deployer needs App
/// Configuration Data Owner before the key-values are written (Azure/AppConfiguration#692). A
/// grant made in the same deployment is not yet in effect when they are (role assignments take
/// minutes to propagate), and the first provision fails with 403. So the grant is made here, on
/// the environment's resource group, before the deployment starts; the group is created as
/// main.bicep would create it, tagged for azd.
fn key_value_writer(
    p: &Platform,
    cx: &Context,
    account: Option<Account>,
    az: &mut dyn Az,
    out: &mut Outcome,
) -> Result<(), AzError> {
    if p.appconfigs.values().all(|a| a.entries.is_empty()) {
        return Ok(());
    }
    let Some(account) = account else {
        return Ok(());
    };
    let principal = cx
        .principal_id
        .filter(|id| !id.is_empty())
        .map(str::to_string)
        .or_else(|| account.object_id.clone());
    let Some(principal) = principal else {
        out.add(Status::Failed, "key-value writer", "no deployer principal id (AZURE_PRINCIPAL_ID): App Configuration key-values cannot be written");
        return Ok(());
    };
    let principal = principal.as_str();
    let group = ensure_group(p, cx, az)?;
    let role = azure::role_id("App Configuration Data Owner").unwrap_or_default();
    let scope = format!(
        "/subscriptions/{}/resourceGroups/{group}",
        account.subscription
    );
    let held = az.run(&[
        "role",
        "assignment",
        "list",
        "--assignee",
        principal,
        "--role",
        role,
        "--scope",
        &scope,
    ])?;
    if held.as_array().is_some_and(|a| !a.is_empty()) {
        out.add(
            Status::Ok,
            "key-value writer",
            format!("the deployer holds App Configuration Data Owner on {group}"),
        );
        return Ok(());
    }
    az.run(&[
        "role",
        "assignment",
        "create",
        "--assignee-object-id",
        principal,
        "--assignee-principal-type",
        account.kind,
        "--role",
        role,
        "--scope",
        &scope,
    ])?;
    out.add(
        Status::Fixed,
        "key-value writer",
        format!(
            "granted the deployer App Configuration Data Owner on {group}, ahead of the key-values"
        ),
    );
    Ok(())
}

/// The resource provider namespaces of every resource type the deployment creates, sorted: read
/// off the source map (`platc.map.json`), which records the type of every resource platc emits.
pub fn namespaces(artifacts: &Artifacts) -> Vec<String> {
    fn walk(v: &Value, found: &mut std::collections::BTreeSet<String>) {
        match v {
            Value::Object(map) => {
                for (k, x) in map {
                    match (k.as_str(), x.as_str()) {
                        ("type", Some(t)) => {
                            if let Some(ns) = t.split('/').next().filter(|ns| ns.contains('.')) {
                                found.insert(ns.to_string());
                            }
                        }
                        _ => walk(x, found),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|x| walk(x, found)),
            _ => {}
        }
    }
    let mut found = std::collections::BTreeSet::new();
    if let Some(map) = artifacts
        .get("platc.map.json")
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
    {
        walk(&map, &mut found);
    }
    found.into_iter().collect()
}

/// Registers every namespace the deployment needs that the subscription has not: `az provider
/// register --wait` is idempotent and returns once the namespace is registered.
fn providers(
    p: &Platform,
    artifacts: &Artifacts,
    az: &mut dyn Az,
    out: &mut Outcome,
) -> Result<(), AzError> {
    let mut all = namespaces(artifacts);
    if p.clusters.values().any(|c| c.azure_policy.is_some()) {
        all.push(azure::policy::INSIGHTS_PROVIDER.into());
        all.sort();
        all.dedup();
    }
    for ns in all {
        let shown = az.run(&["provider", "show", "--namespace", &ns])?;
        let state = shown
            .get("registrationState")
            .and_then(Value::as_str)
            .unwrap_or("unknown");
        if state == "Registered" {
            out.add(Status::Ok, format!("provider {ns}"), "registered");
            continue;
        }
        match az.run(&["provider", "register", "--namespace", &ns, "--wait"]) {
            Ok(_) => out.add(
                Status::Fixed,
                format!("provider {ns}"),
                format!("was {state}; registered now"),
            ),
            Err(e) if !e.stops() => out.add(
                Status::Failed,
                format!("provider {ns}"),
                format!("is {state} and could not be registered: {e}"),
            ),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Whether `name` is what platc deploys for declaration `decl` under `rule`: its prefix and stem,
/// then the 13-character resource token.
fn deployed_as(rule: &azure::NameRule, decl: &str, name: &str) -> bool {
    let sep = if rule.hyphens { "-" } else { "" };
    let head = format!("{}{}{sep}", rule.prefix, rule.stem(decl));
    name.strip_prefix(&head).is_some_and(|token| {
        token.len() == 13
            && token
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// A soft-deleted vault or store of this environment (tagged with its `azd-env-name`, named as
/// platc names the declaration) keeps its name taken: the deployment would fail with a conflict.
/// Recovering it lets the deployment update it, keeping its secrets or settings; purging is not
/// possible under purge protection and would lose them.
fn soft_deleted(
    p: &Platform,
    cx: &Context,
    az: &mut dyn Az,
    out: &mut Outcome,
) -> Result<(), AzError> {
    let kinds: [(&str, &azure::NameRule, Vec<&String>, [&str; 3]); 2] = [
        (
            "vault",
            &azure::NAME_VAULT,
            p.vaults.keys().collect(),
            ["keyvault", "list-deleted", "recover"],
        ),
        (
            "appconfig",
            &azure::NAME_APPCONFIG,
            p.appconfigs.keys().collect(),
            ["appconfig", "list-deleted", "recover"],
        ),
    ];
    for (kind, rule, decls, [group, list, recover]) in kinds {
        if decls.is_empty() {
            continue;
        }
        let deleted = az.run(&[group, list])?;
        for item in deleted.as_array().into_iter().flatten() {
            let name = item.get("name").and_then(Value::as_str).unwrap_or_default();
            let tags = item
                .pointer("/properties/tags")
                .or_else(|| item.get("tags"));
            let ours = tags
                .and_then(|t| t.get("azd-env-name"))
                .and_then(Value::as_str)
                == Some(cx.env);
            let Some(decl) = decls.iter().find(|d| deployed_as(rule, d, name)) else {
                continue;
            };
            if !ours {
                continue;
            }
            let what = format!("{kind} {decl}");
            // A vault or store is recovered into its resource group, which `azd down` deleted.
            ensure_group(p, cx, az)?;
            let mut args = vec![group, recover, "--name", name];
            if group == "appconfig" {
                args.push("--yes");
            }
            match az.run(&args) {
                Ok(_) => out.add(Status::Fixed, what, format!("{name} was soft-deleted; recovered, so the deployment updates it")),
                Err(e) if !e.stops() => out.add(
                    Status::Failed,
                    what,
                    format!("{name} is soft-deleted and holds its name; recovering it failed ({e}): recover or purge it, or wait out its retention"),
                ),
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}

/// The keys the environment's vaults hold already, as `vault/key` for PLATC_EXISTING_KEYS:
/// main.bicep creates only the others, since ARM refuses to create a key again with other
/// settings (`lower::data::vault_keys`). Asked of ARM, which answers for a private vault too;
/// run after `soft_deleted`, whose recovered vaults bring their keys back.
fn existing_keys(
    p: &Platform,
    cx: &Context,
    az: &mut dyn Az,
    out: &mut Outcome,
) -> Result<(), AzError> {
    let declared = p.vaults.values().map(|v| v.keys.len()).sum::<usize>();
    if declared == 0 {
        return Ok(());
    }
    let group = azure::resource_group(&p.name, cx.env);
    let listed = az.run(&[
        "resource",
        "list",
        "--resource-group",
        &group,
        "--resource-type",
        azure::type_name(azure::types::VAULT),
    ]);
    let vaults = match listed {
        Ok(Value::Array(list)) => list,
        Ok(_) => {
            return Err(AzError::BadOutput(
                "`az resource list` printed no list".into(),
            ));
        }
        Err(AzError::NotFound(_)) => Vec::new(),
        Err(e) => return Err(e),
    };
    let mut found = Vec::new();
    for (vdecl, v) in p.vaults.iter().filter(|(_, v)| !v.keys.is_empty()) {
        let Some(id) = vaults
            .iter()
            .find(|x| deployed_as(&azure::NAME_VAULT, vdecl, x["name"].as_str().unwrap_or("")))
            .and_then(|x| x["id"].as_str())
        else {
            continue;
        };
        for kname in v.keys.keys() {
            let key_id = format!("{id}/keys/{kname}");
            match az.run(&["resource", "show", "--ids", &key_id]) {
                Ok(_) => found.push(format!("{vdecl}/{kname}")),
                Err(AzError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
    }
    let detail = if found.is_empty() {
        format!("none of the {declared} exists yet: the deployment creates them")
    } else {
        format!(
            "{} exist{} and stay{} as {}: ARM never changes a key (PLATC_EXISTING_KEYS)",
            found.join(", "),
            if found.len() == 1 { "s" } else { "" },
            if found.len() == 1 { "s" } else { "" },
            if found.len() == 1 {
                "it is"
            } else {
                "they are"
            },
        )
    };
    out.env
        .push(("PLATC_EXISTING_KEYS".into(), found.join(",")));
    out.add(Status::Ok, "keys", detail);
    Ok(())
}

/// The environment's resource group, created as main.bicep creates it (tagged for azd) where it
/// does not exist yet: `azd down` deleted it, and a grant or a recovered vault needs it.
fn ensure_group(p: &Platform, cx: &Context, az: &mut dyn Az) -> Result<String, AzError> {
    let group = azure::resource_group(&p.name, cx.env);
    match az.run(&["group", "show", "--name", &group]) {
        Ok(_) => {}
        Err(AzError::NotFound(_)) => {
            let tag = format!("azd-env-name={}", cx.env);
            let create = [
                "group",
                "create",
                "--name",
                &group,
                "--location",
                cx.location,
                "--tags",
                &tag,
            ];
            az.run(&create)?;
        }
        Err(e) => return Err(e),
    }
    Ok(group)
}

/// Region names compare without case and spaces: `az` gives `eastus` in one place and `East US`
/// in another.
fn same_region(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect()
    };
    norm(a) == norm(b)
}

/// What the region must offer: each pool's VM size in its zones, zones at all where storage or a
/// registry is zone-redundant, and Managed Grafana where the platform has it.
fn region(p: &Platform, location: &str, az: &mut dyn Az, out: &mut Outcome) -> Result<(), AzError> {
    if location.is_empty() {
        out.add(Status::Failed, "region", "no region: set AZURE_LOCATION (`azd env set AZURE_LOCATION <region>`) or pass --location");
        return Ok(());
    }
    for (cname, c) in &p.clusters {
        for pool in &c.pools {
            vm_size(cname, pool, location, az, out)?;
        }
    }
    let zone_redundant = p.storages.values().any(|s| s.replication.contains("zrs"))
        || p.registries.values().any(|r| r.sku == "premium");
    if zone_redundant {
        zones_offered(location, az, out)?;
    }
    if p.metrics.values().any(|m| m.grafana) {
        grafana_offered(location, az, out)?;
    }
    versions_offered(p, location, az, out)
}

/// Whether `json` holds, anywhere, a string `wanted` or one that starts `wanted.` (a patch of a
/// minor version): read that way, a change in the shape of `az`'s answer does not matter.
fn mentions(json: &Value, wanted: &str) -> bool {
    match json {
        Value::String(s) => s == wanted || s.starts_with(&format!("{wanted}.")),
        Value::Array(items) => items.iter().any(|v| mentions(v, wanted)),
        Value::Object(map) => map.values().any(|v| mentions(v, wanted)),
        _ => false,
    }
}

/// AKS offers a Kubernetes minor version and an Istio add-on revision for about a year each: a
/// pin the region no longer offers is refused when the cluster is created.
fn versions_offered(
    p: &Platform,
    location: &str,
    az: &mut dyn Az,
    out: &mut Outcome,
) -> Result<(), AzError> {
    let kubernetes: Vec<(&String, &str)> = p
        .clusters
        .iter()
        .filter_map(|(n, c)| c.kubernetes.as_deref().map(|v| (n, v)))
        .filter(|(_, v)| v.starts_with(|ch: char| ch.is_ascii_digit()))
        .collect();
    let pin = Pin {
        row: "cluster",
        what: "Kubernetes",
        query: &["aks", "get-versions"],
        fix: "pin a version it offers, or remove `kubernetes` and let the upgrade channel choose",
    };
    pin.check(&kubernetes, location, az, out)?;
    let istio: Vec<(&String, &str)> = p
        .clusters
        .iter()
        .filter_map(|(n, c)| c.istio.as_ref().map(|i| (n, i.revision.as_str())))
        .filter(|(_, r)| r.starts_with("asm-"))
        .collect();
    let pin = Pin {
        row: "istio",
        what: "Istio revision",
        query: &["aks", "mesh", "get-revisions"],
        fix: "use one it offers",
    };
    pin.check(&istio, location, az, out)
}

/// A kind of version a cluster pins, and the `az` command that lists what a region offers.
struct Pin {
    row: &'static str,
    what: &'static str,
    query: &'static [&'static str],
    fix: &'static str,
}

impl Pin {
    /// Each cluster's pin, `(cluster, value)`, against what the region offers.
    fn check(
        &self,
        pins: &[(&String, &str)],
        location: &str,
        az: &mut dyn Az,
        out: &mut Outcome,
    ) -> Result<(), AzError> {
        if pins.is_empty() {
            return Ok(());
        }
        let mut args = self.query.to_vec();
        args.extend(["--location", location]);
        let offered = az.run(&args)?;
        let command = self.query.join(" ");
        for (name, v) in pins {
            let (status, detail) = if mentions(&offered, v) {
                (
                    Status::Ok,
                    format!("{} {v} offered in {location}", self.what),
                )
            } else {
                (
                    Status::Failed,
                    format!(
                        "{} {v} is not offered in {location} (`az {command}`); {}",
                        self.what, self.fix
                    ),
                )
            };
            out.add(status, format!("{} {name}", self.row), detail);
        }
        Ok(())
    }
}

fn vm_size(
    cluster: &str,
    pool: &crate::model::Pool,
    location: &str,
    az: &mut dyn Az,
    out: &mut Outcome,
) -> Result<(), AzError> {
    // A size read from the azd environment is known only at provision time.
    if !pool.vm_size.starts_with("Standard_") {
        return Ok(());
    }
    let what = format!("pool {cluster}.{}", pool.name);
    let skus = az.run(&[
        "vm",
        "list-skus",
        "--location",
        location,
        "--size",
        &pool.vm_size,
        "--resource-type",
        "virtualMachines",
    ])?;
    let sku = skus
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s.get("name").and_then(Value::as_str) == Some(pool.vm_size.as_str()));
    let Some(sku) = sku else {
        out.add(
            Status::Failed,
            what,
            format!("{} is not offered in {location}", pool.vm_size),
        );
        return Ok(());
    };
    // Zones the subscription may not use are listed too, and named again in `restrictions`.
    let restricted: Vec<&str> = sku
        .get("restrictions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| r.get("type").and_then(Value::as_str) == Some("Zone"))
        .filter_map(|r| {
            r.pointer("/restrictionInfo/zones")
                .and_then(Value::as_array)
        })
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let offered: Vec<String> = sku
        .pointer("/locationInfo/0/zones")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|z| z.as_str())
        .filter(|z| !restricted.contains(z))
        .map(str::to_string)
        .collect();
    let missing: Vec<String> = pool
        .zones
        .iter()
        .map(i64::to_string)
        .filter(|z| !offered.contains(z))
        .collect();
    if missing.is_empty() {
        out.add(
            Status::Ok,
            what,
            format!("{} offered in {location}", pool.vm_size),
        );
    } else {
        out.add(
            Status::Failed,
            what,
            format!(
                "{} is not offered in zone {} of {location} (offered: [{}]); change `zones` or the region",
                pool.vm_size,
                missing.join(", "),
                offered.join(", ")
            ),
        );
    }
    Ok(())
}

fn zones_offered(location: &str, az: &mut dyn Az, out: &mut Outcome) -> Result<(), AzError> {
    let locations = az.run(&["account", "list-locations"])?;
    let here = locations.as_array().into_iter().flatten().find(|l| {
        l.get("name")
            .and_then(Value::as_str)
            .is_some_and(|n| same_region(n, location))
    });
    let zoned = here
        .and_then(|l| l.get("availabilityZoneMappings"))
        .and_then(Value::as_array)
        .is_some_and(|z| !z.is_empty());
    if zoned {
        out.add(
            Status::Ok,
            "availability zones",
            format!("{location} has them"),
        );
    } else {
        out.add(
            Status::Failed,
            "availability zones",
            format!("{location} has none, and zone-redundant storage (zrs) or a premium registry's zone redundancy needs them; pick a region with zones, or `replication = lrs`"),
        );
    }
    Ok(())
}

fn grafana_offered(location: &str, az: &mut dyn Az, out: &mut Outcome) -> Result<(), AzError> {
    let provider = az.run(&["provider", "show", "--namespace", "Microsoft.Dashboard"])?;
    let offered = provider
        .get("resourceTypes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|t| t.get("resourceType").and_then(Value::as_str) == Some("grafana"))
        .and_then(|t| t.get("locations"))
        .and_then(Value::as_array)
        .is_some_and(|ls| {
            ls.iter()
                .filter_map(Value::as_str)
                .any(|l| same_region(l, location))
        });
    if offered {
        out.add(
            Status::Ok,
            "managed grafana",
            format!("offered in {location}"),
        );
    } else {
        out.add(
            Status::Failed,
            "managed grafana",
            format!("not offered in {location}; set `grafana = false` on the metrics declaration or pick another region"),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Answers by the first words of the command; records every command.
    struct Stand {
        answers: Vec<(&'static str, Result<Value, AzError>)>,
        asked: Vec<String>,
    }

    impl Az for Stand {
        fn run(&mut self, args: &[&str]) -> Result<Value, AzError> {
            let cmd = args.join(" ");
            self.asked.push(cmd.clone());
            self.answers
                .iter()
                .find(|(prefix, _)| cmd.starts_with(prefix))
                .map(|(_, a)| a.clone())
                .unwrap_or_else(|| Err(AzError::Failed(format!("unexpected: {cmd}"))))
        }
    }

    fn platform(text: &str) -> Platform {
        let mut sources = crate::source::SourceMap::new();
        sources.add("p.plat", text.to_string());
        let (files, d) = crate::parse(&sources, None);
        let (checked, d) = crate::check(&files, d);
        assert!(d.iter().all(|d| !d.is_error()), "{d:?}");
        checked.default
    }

    const PROGRAM: &str = "platform \"x\" {\n  private_networking = false\n}\nvault \"secrets\" { }\nsecret \"db\" in vault.secrets { value = secure(\"DB\") }\nstorage \"gitops\" { replication = zrs }\nmetrics \"prom\" { grafana = true }\ncluster \"main\" {\n  kubernetes = \"1.33\"\n  pool \"system\" {\n    vm_size = \"Standard_D4ds_v5\"\n    mode = system\n    count = 3\n    zones = [1, 2, 3]\n  }\n}\n";

    fn cx<'a>(location: &'a str, issued: Option<&'a str>) -> Context<'a> {
        Context {
            env: "dev",
            location,
            secrets_issued_at: issued,
            existing_keys: None,
            principal_id: Some("0000-deployer"),
            subscription: None,
            now: "2026-12-04T17:00:00Z",
        }
    }

    fn artifacts() -> Artifacts {
        let mut a = Artifacts::new();
        a.insert(
            "platc.map.json".into(),
            r#"{"deployments": [{"resources": [
                {"symbol": "vault", "type": "Microsoft.KeyVault/vaults", "name": "kv-*"},
                {"symbol": "flux", "type": "Microsoft.KubernetesConfiguration/extensions", "name": "flux"}
            ]}]}"#
                .into(),
        );
        a
    }

    fn healthy() -> Vec<(&'static str, Result<Value, AzError>)> {
        vec![
            (
                "account show",
                Ok(json!({"user": {"type": "servicePrincipal"}})),
            ),
            (
                "provider show --namespace Microsoft.KeyVault",
                Ok(json!({"registrationState": "Registered"})),
            ),
            (
                "provider show --namespace Microsoft.KubernetesConfiguration",
                Ok(json!({"registrationState": "NotRegistered"})),
            ),
            (
                "provider register --namespace Microsoft.KubernetesConfiguration --wait",
                Ok(Value::Null),
            ),
            (
                "keyvault list-deleted",
                Ok(json!([
                    {"name": "kv-secrets-abcdefghijklm", "properties": {"tags": {"azd-env-name": "dev"}}},
                    {"name": "kv-secrets-b-abcdefghijkl", "properties": {"tags": {"azd-env-name": "dev"}}},
                    {"name": "kv-secrets-nopqrstuvwxyz", "properties": {"tags": {"azd-env-name": "prod"}}}
                ])),
            ),
            (
                "keyvault recover --name kv-secrets-abcdefghijklm",
                Ok(Value::Null),
            ),
            (
                "vm list-skus",
                Ok(
                    json!([{"name": "Standard_D4ds_v5", "locationInfo": [{"zones": ["3", "1", "2"]}]}]),
                ),
            ),
            (
                "account list-locations",
                Ok(json!([{"name": "eastus", "availabilityZoneMappings": [{"logicalZone": "1"}]}])),
            ),
            ("ad sp show", Ok(json!({"id": "0000-deployer"}))),
            ("group show", Ok(json!({"name": "rg-x-dev"}))),
            (
                "aks get-versions",
                Ok(json!({"values": [{"version": "1.33", "patchVersions": {"1.33.2": {}}}]})),
            ),
            (
                "provider show --namespace Microsoft.Dashboard",
                Ok(
                    json!({"resourceTypes": [{"resourceType": "grafana", "locations": ["East US"]}]}),
                ),
            ),
        ]
    }

    #[test]
    fn a_healthy_subscription_is_put_right_where_it_can_be() {
        let p = platform(PROGRAM);
        let mut az = Stand {
            answers: healthy(),
            asked: Vec::new(),
        };
        let out = preflight(&p, &cx("eastus", None), &artifacts(), &mut az).unwrap();
        assert!(out.ok(), "{}", out.table());
        assert_eq!(
            out.env,
            [
                (
                    "PLATC_SECRETS_ISSUED_AT".to_string(),
                    "2026-12-04T17:00:00Z".to_string()
                ),
                (
                    "AZURE_PRINCIPAL_TYPE".to_string(),
                    "ServicePrincipal".to_string()
                )
            ]
        );
        let fixed: Vec<&str> = out
            .findings
            .iter()
            .filter(|f| f.status == Status::Fixed)
            .map(|f| f.what.as_str())
            .collect();
        assert_eq!(
            fixed,
            [
                "secret expiry",
                "provider Microsoft.KubernetesConfiguration",
                "vault secrets"
            ]
        );
        // Only this environment's vault, by its exact name, is recovered.
        let recovered: Vec<&String> = az.asked.iter().filter(|c| c.contains("recover")).collect();
        assert_eq!(
            recovered,
            ["keyvault recover --name kv-secrets-abcdefghijklm"]
        );
    }

    #[test]
    fn what_the_region_lacks_stops_provisioning() {
        let p = platform(PROGRAM);
        let mut answers = healthy();
        answers.retain(|(c, _)| {
            !c.starts_with("vm list-skus")
                && !c.starts_with("account list-locations")
                && !c.starts_with("provider show --namespace Microsoft.Dashboard")
        });
        answers.push((
            "vm list-skus",
            Ok(json!([{"name": "Standard_D4ds_v5", "locationInfo": [{"zones": ["1"]}]}])),
        ));
        answers.push((
            "account list-locations",
            Ok(json!([{"name": "westcentralus", "availabilityZoneMappings": []}])),
        ));
        answers.push((
            "provider show --namespace Microsoft.Dashboard",
            Ok(json!({"resourceTypes": [{"resourceType": "grafana", "locations": ["East US"]}]})),
        ));
        let mut az = Stand {
            answers,
            asked: Vec::new(),
        };
        let out = preflight(
            &p,
            &cx("westcentralus", Some("2026-01-01T00:00:00Z")),
            &artifacts(),
            &mut az,
        )
        .unwrap();
        assert!(!out.ok());
        let failed: Vec<&str> = out
            .findings
            .iter()
            .filter(|f| f.status == Status::Failed)
            .map(|f| f.what.as_str())
            .collect();
        assert_eq!(
            failed,
            ["pool main.system", "availability zones", "managed grafana"],
            "{}",
            out.table()
        );
        assert!(
            out.table()
                .contains("not offered in zone 2, 3 of westcentralus")
        );
    }

    #[test]
    fn az_that_cannot_answer_stops_preflight() {
        let p = platform(PROGRAM);
        let mut az = Stand {
            answers: vec![(
                "account show",
                Err(AzError::NotLoggedIn("run az login".into())),
            )],
            asked: Vec::new(),
        };
        assert!(preflight(&p, &cx("eastus", None), &artifacts(), &mut az).is_err());
    }

    #[test]
    fn times_are_written_as_iso_8601() {
        assert_eq!(iso_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso_utc(1_796_403_600), "2026-12-04T17:00:00Z");
    }

    #[test]
    fn namespaces_come_from_the_resources_emitted() {
        assert_eq!(
            namespaces(&artifacts()),
            ["Microsoft.KeyVault", "Microsoft.KubernetesConfiguration"]
        );
    }
}
