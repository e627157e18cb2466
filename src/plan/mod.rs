//! `platc plan`: what deploying a program would do to the Azure resources an earlier version of
//! it deployed, per azd environment, without asking Azure. Both programs are checked; each
//! environment's platform becomes the list of resources it deploys (`inventory`); the two lists
//! are compared by resource (type, resource group and name) and property. Each change carries
//! the Azure fact that explains it (`azure::changes`) and its risks; `render` prints the result
//! for people, CI and pull requests.

pub mod inventory;
pub mod render;

use crate::azure::{self, changes, changes::Fact};
use crate::check::Checked;
use crate::collections::{IndexMap, IndexSet};
use crate::model::Platform;
use crate::source::{SourceMap, Span};
use inventory::{Kind, Resource};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Create,
    Update,
    Replace,
    Remove,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Remove => "remove",
        }
    }
}

/// What a change may cost the platform's users, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Risk {
    /// Data in a vault, store, account or workspace lost, or left behind in one no longer used.
    DataLoss,
    /// A cluster or node pool replaced, or deleted with what it runs.
    Downtime,
    /// Who may reach or do what changes: a grant removed or widened, a network opened.
    Access,
    /// What Azure bills changes: a tier, node count or size up or down, or a resource left running.
    Cost,
}

impl Risk {
    pub const ALL: [Risk; 4] = [Risk::DataLoss, Risk::Downtime, Risk::Access, Risk::Cost];

    pub fn as_str(self) -> &'static str {
        match self {
            Risk::DataLoss => "data-loss",
            Risk::Downtime => "downtime",
            Risk::Access => "access",
            Risk::Cost => "cost",
        }
    }

    pub fn parse(s: &str) -> Option<Risk> {
        Risk::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// How azd deploys, which decides what happens to a resource the program no longer declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deployment {
    /// azd's default: one incremental deployment, which deletes nothing.
    Incremental,
    /// azd's deployment stacks (`alpha.deployment.stacks`), deleting what leaves the template.
    Stack,
}

impl Deployment {
    pub fn as_str(self) -> &'static str {
        match self {
            Deployment::Incremental => "incremental",
            Deployment::Stack => "stack",
        }
    }
}

/// Where a change is written: the new program's line, or the old one's for a removal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub file: String,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropChange {
    /// The Azure property.
    pub property: String,
    /// The `.plat` field it comes from.
    pub field: &'static str,
    pub old: String,
    pub new: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub action: Action,
    /// The resource type, without API version.
    pub type_: &'static str,
    pub name: String,
    /// The name before, where the change gives the resource another one.
    pub previous_name: Option<String>,
    /// The `.plat` declaration.
    pub what: String,
    pub at: Place,
    pub properties: Vec<PropChange>,
    /// Why Azure does what the plan says, each with its source.
    pub reasons: Vec<Fact>,
    pub risks: Vec<Risk>,
    pub notes: Vec<String>,
    /// Resources under this one (secrets, key-values, pools, containers) that come or go with
    /// it, counted rather than listed.
    pub children: usize,
}

/// The changes one environment would see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvPlan {
    /// `None`: the defaults, which every environment without overrides of its own deploys.
    pub environment: Option<String>,
    pub changes: Vec<Change>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub deployment: Deployment,
    /// The defaults first, then each environment that either program overrides.
    pub environments: Vec<EnvPlan>,
    /// Environments either program names that deploy the defaults in both.
    pub on_defaults: Vec<String>,
    /// Secrets the new program declares: their values are never known to platc.
    pub secrets: usize,
}

impl Plan {
    pub fn risks(&self) -> IndexSet<Risk> {
        let mut all: Vec<Risk> = self
            .environments
            .iter()
            .flat_map(|e| &e.changes)
            .flat_map(|c| c.risks.iter().copied())
            .collect();
        all.sort_unstable();
        all.into_iter().collect()
    }

    pub fn is_empty(&self) -> bool {
        self.environments.iter().all(|e| e.changes.is_empty())
    }
}

/// A program as the plan reads it: checked, with the files its spans point into.
#[derive(Clone, Copy)]
pub struct Program<'a> {
    pub checked: &'a Checked,
    pub sources: &'a SourceMap,
}

/// What deploying `new` does where `old` is deployed; `old` is `None` where nothing is (the file
/// did not exist at the base revision), so that everything is created.
pub fn plan(old: Option<Program>, new: Program, deployment: Deployment) -> Plan {
    let empty = Checked {
        default: Platform::default(),
        environments: Default::default(),
    };
    let empty_sources = SourceMap::new();
    let old = old.unwrap_or(Program {
        checked: &empty,
        sources: &empty_sources,
    });
    let old_is_empty = old.checked.default.name.is_empty();
    let mut names: IndexSet<&str> = IndexSet::default();
    names.extend(new.checked.environments.keys().map(String::as_str));
    names.extend(old.checked.environments.keys().map(String::as_str));
    // The two inventories on two threads where there are two: at scale they are most of a plan.
    let one = |o: &Platform, n: &Platform| {
        let before = |o| {
            if old_is_empty {
                Vec::new()
            } else {
                inventory::inventory(o)
            }
        };
        let (before, after) = crate::join(|| before(o), || inventory::inventory(n));
        diff(&before, &after, old, new, deployment)
    };
    let mut environments = vec![EnvPlan {
        environment: None,
        changes: one(&old.checked.default, &new.checked.default),
    }];
    for e in &names {
        let o = old
            .checked
            .environments
            .get(*e)
            .unwrap_or(&old.checked.default);
        let n = new
            .checked
            .environments
            .get(*e)
            .unwrap_or(&new.checked.default);
        environments.push(EnvPlan {
            environment: Some(e.to_string()),
            changes: one(o, n),
        });
    }
    let mut on_defaults: IndexSet<String> = IndexSet::default();
    for p in [&new.checked.default, &old.checked.default] {
        for e in &p.environments {
            if !names.contains(e.as_str()) {
                on_defaults.insert(e.clone());
            }
        }
    }
    let secrets = new
        .checked
        .default
        .vaults
        .values()
        .map(|v| v.secrets.len())
        .sum();
    Plan {
        deployment,
        environments,
        on_defaults: on_defaults.into_iter().collect(),
        secrets,
    }
}

type Key<'r> = (&'static str, &'r str, &'r str);

fn key(r: &Resource) -> Key<'_> {
    (r.type_, &r.group, r.name.as_str())
}

fn place(sources: &SourceMap, span: Span) -> Place {
    if sources.ids().count() <= span.file {
        return Place {
            file: String::new(),
            line: 0,
        };
    }
    let (line, _) = sources.line_col(span.file, span.start as usize);
    Place {
        file: sources.name(span.file).to_string(),
        line,
    }
}

/// The changes that turn the resources `old` into `new`.
fn diff(
    old: &[Resource],
    new: &[Resource],
    po: Program,
    pn: Program,
    deployment: Deployment,
) -> Vec<Change> {
    let old_at: IndexMap<Key, usize> = old.iter().enumerate().map(|(i, r)| (key(r), i)).collect();
    let mut matched = vec![false; old.len()];
    let mut changes = Vec::new();
    let mut created: Vec<&Resource> = Vec::new();
    for r in new {
        match old_at.get(&key(r)) {
            Some(&i) => {
                matched[i] = true;
                if old[i].props == r.props {
                    continue;
                }
                if let Some(c) = update(&old[i], r, pn.sources) {
                    changes.push(c);
                }
            }
            None => created.push(r),
        }
    }
    let removed: Vec<&Resource> = old
        .iter()
        .zip(&matched)
        .filter(|(_, m)| !**m)
        .map(|(r, _)| r)
        .collect();
    let (pairs, created, removed) = pair(created, removed);
    let mut changes: Vec<(usize, Change)> = changes.into_iter().map(|c| (0, c)).collect();
    for (o, n) in pairs {
        changes.push((0, renamed(o, n, pn.sources)));
    }
    for r in created {
        changes.push((0, create(r, pn.sources)));
    }
    // In the order of the new program, then what it no longer has in the order of the old.
    if changes.len() > 1 {
        let new_at: IndexMap<(&str, &str), usize> = new
            .iter()
            .enumerate()
            .map(|(i, r)| ((azure::type_name(r.type_), r.name.as_str()), i))
            .collect();
        for (at, c) in &mut changes {
            *at = new_at
                .get(&(c.type_, c.name.as_str()))
                .copied()
                .unwrap_or(0);
        }
        changes.sort_by_key(|(at, _)| *at);
    }
    let mut changes: Vec<Change> = changes.into_iter().map(|(_, c)| c).collect();
    for r in removed {
        changes.push(remove(r, po.sources, deployment));
    }
    fold(changes)
}

/// Removed and created resources that are one resource under another name (or in another
/// resource group): of one type, and alike in every property, or the only ones of their type.
/// Looked up by hash: a renamed platform moves every resource, hundreds of thousands at scale.
fn pair<'r>(
    created: Vec<&'r Resource>,
    removed: Vec<&'r Resource>,
) -> (
    Vec<(&'r Resource, &'r Resource)>,
    Vec<&'r Resource>,
    Vec<&'r Resource>,
) {
    let mut pairs = Vec::new();
    let mut taken_old = vec![false; removed.len()];
    let mut taken_new = vec![false; created.len()];
    // The same name in another group first.
    let mut by_name: IndexMap<(&str, &str), Vec<usize>> = IndexMap::default();
    for (i, o) in removed.iter().enumerate() {
        by_name.entry((o.type_, &o.name)).or_default().push(i);
    }
    for (j, n) in created.iter().enumerate() {
        let Some(list) = by_name.get_mut(&(n.type_, n.name.as_str())) else {
            continue;
        };
        if let Some(at) = list.iter().position(|&i| removed[i].group != n.group) {
            let i = list.remove(at);
            taken_old[i] = true;
            taken_new[j] = true;
            pairs.push((removed[i], created[j]));
        }
    }
    // Then the same properties under another name; never for access, whose properties say
    // little and whose name is what it grants.
    let mut by_props: IndexMap<(&str, &[inventory::Prop]), Vec<usize>> = IndexMap::default();
    for (i, o) in removed.iter().enumerate() {
        if !taken_old[i] && o.kind != Kind::Access && o.renamable {
            by_props.entry((o.type_, &o.props)).or_default().push(i);
        }
    }
    for (j, n) in created.iter().enumerate() {
        if taken_new[j] || n.kind == Kind::Access || !n.renamable {
            continue;
        }
        if let Some(list) = by_props.get_mut(&(n.type_, n.props.as_slice()))
            && !list.is_empty()
        {
            let i = list.remove(0);
            taken_old[i] = true;
            taken_new[j] = true;
            pairs.push((removed[i], created[j]));
        }
    }
    // Last, a declaration renamed and changed at once: the only one gone and the only one come
    // of its type (for a child, under the same parent).
    let mut left: IndexMap<&str, (Vec<usize>, Vec<usize>)> = IndexMap::default();
    for (i, o) in removed.iter().enumerate() {
        if !taken_old[i] {
            left.entry(o.type_).or_default().0.push(i);
        }
    }
    for (j, n) in created.iter().enumerate() {
        if !taken_new[j] {
            left.entry(n.type_).or_default().1.push(j);
        }
    }
    let parent = |r: &Resource| r.name.rsplit_once('/').map(|(p, _)| p.to_string());
    for (olds, news) in left.values() {
        let ([i], [j]) = (olds.as_slice(), news.as_slice()) else {
            continue;
        };
        let (o, n) = (removed[*i], created[*j]);
        if matches!(n.kind, Kind::Access | Kind::Entry) || !n.renamable || parent(o) != parent(n) {
            continue;
        }
        taken_old[*i] = true;
        taken_new[*j] = true;
        pairs.push((o, n));
    }
    let created = created
        .into_iter()
        .zip(taken_new)
        .filter(|(_, t)| !t)
        .map(|(r, _)| r)
        .collect();
    let removed = removed
        .into_iter()
        .zip(taken_old)
        .filter(|(_, t)| !t)
        .map(|(r, _)| r)
        .collect();
    (pairs, created, removed)
}

fn change(action: Action, r: &Resource, at: Place) -> Change {
    Change {
        action,
        type_: azure::type_name(r.type_),
        name: r.name.clone(),
        previous_name: None,
        what: r.what.clone(),
        at,
        properties: Vec::new(),
        reasons: Vec::new(),
        risks: Vec::new(),
        notes: Vec::new(),
        children: 0,
    }
}

/// Each property's value, by Azure property, `.plat` field and item.
fn props(r: &Resource) -> IndexMap<(&'static str, &'static str, Option<&str>), &str> {
    r.props
        .iter()
        .map(|p| ((p.azure, p.field, p.item.as_deref()), p.value.as_str()))
        .collect()
}

fn prop_change(k: (&'static str, &'static str, Option<&str>), old: &str, new: &str) -> PropChange {
    PropChange {
        property: match k.2 {
            Some(item) => format!("{}[{item}]", k.0),
            None => k.0.to_string(),
        },
        field: k.1,
        old: old.to_string(),
        new: new.to_string(),
    }
}

fn differences(o: &Resource, n: &Resource) -> Vec<PropChange> {
    let (old, new) = (props(o), props(n));
    let mut out = Vec::new();
    for (k, v) in &new {
        let before = old.get(k).copied().unwrap_or("none");
        if before != *v {
            out.push(prop_change(*k, before, v));
        }
    }
    for (k, v) in &old {
        if !new.contains_key(k) {
            out.push(prop_change(*k, v, "none"));
        }
    }
    out
}

/// The change to a resource both programs deploy, if any property moves.
fn update(o: &Resource, n: &Resource, sources: &SourceMap) -> Option<Change> {
    let properties = differences(o, n);
    if properties.is_empty() {
        return None;
    }
    let mut c = change(Action::Update, n, place(sources, n.span));
    for p in &properties {
        if let Some(f) = changes::refused(n.type_, &p.property, &p.old, &p.new) {
            c.action = Action::Replace;
            push_reason(&mut c, f);
        }
        property_risk(&mut c, n, p);
    }
    c.properties = properties;
    if let Some(f) = changes::kept(n.type_) {
        push_reason(&mut c, f);
        c.notes.push(
            "not applied: the deployment leaves the existing key as it is; `platc verify` reports where it differs".into(),
        );
    }
    if c.action == Action::Replace {
        c.notes.push(
            "ARM does not re-create: `azd provision` fails here until the resource is deleted; the next provision then creates it anew".into(),
        );
        replaced_risks(&mut c, n.kind);
    }
    Some(c)
}

fn push_reason(c: &mut Change, f: Fact) {
    if !c.reasons.contains(&f) {
        c.reasons.push(f);
    }
}

fn add(c: &mut Change, r: Risk) {
    if !c.risks.contains(&r) {
        c.risks.push(r);
        c.risks.sort_unstable();
    }
}

fn replaced_risks(c: &mut Change, kind: Kind) {
    match kind {
        Kind::Group => {
            add(c, Risk::DataLoss);
            add(c, Risk::Downtime);
        }
        Kind::Data | Kind::Entry => add(c, Risk::DataLoss),
        Kind::Cluster | Kind::Pool => add(c, Risk::Downtime),
        Kind::Access | Kind::Identity => add(c, Risk::Access),
        Kind::Subnet | Kind::Gitops | Kind::Other => {}
    }
}

fn number(s: &str) -> Option<i64> {
    // "2..10 (autoscale)" counts as its upper bound, what it may bill for.
    let s = s.split(" (").next().unwrap_or(s);
    let s = s.rsplit("..").next().unwrap_or(s);
    s.trim().parse().ok()
}

/// Tiers in the order they bill, lowest first, for every SKU the language offers.
fn tier(s: &str) -> Option<usize> {
    [
        "free",
        "developer",
        "basic",
        "standard",
        "premium",
        "Basic",
        "Standard",
        "Premium",
    ]
    .iter()
    .position(|t| *t == s)
    .map(|i| i % 5)
}

/// The risk of one property moving, and the fact behind it where there is one.
fn property_risk(c: &mut Change, r: &Resource, p: &PropChange) {
    let (old, new) = (p.old.as_str(), p.new.as_str());
    match p.property.as_str() {
        "sku.name" | "sku.tier" if tier(old) != tier(new) => add(c, Risk::Cost),
        "sku.name" if r.type_ == azure::types::STORAGE => add(c, Risk::Cost),
        "count" | "vmSize" => add(c, Risk::Cost),
        "publicNetworkAccess" if new == "Enabled" => add(c, Risk::Access),
        "apiServerAccessProfile.enablePrivateCluster" if new == "false" => add(c, Risk::Access),
        "features.disableLocalAuth" if new == "false" => add(c, Risk::Access),
        "networkProfile.networkPolicy" if new == "none" => add(c, Risk::Access),
        "retentionInDays" if number(new) < number(old) => {
            add(c, Risk::DataLoss);
            push_reason(c, changes::LOG_RETENTION);
        }
        "workspaceCapping.dailyQuotaGb" => {
            let (o, n) = (number(old), number(new));
            if n.is_some() && (o.is_none() || n < o) {
                add(c, Risk::DataLoss);
                push_reason(c, changes::DAILY_CAP);
            } else {
                add(c, Risk::Cost);
            }
        }
        "tags" if r.kind == Kind::Group => c.notes.push(
            "the platform's tags are on every resource it deploys: each is updated in place".into(),
        ),
        "location" if r.kind == Kind::Group && c.action == Action::Update => {
            // One side is read from the azd environment, which a plan cannot see.
            push_reason(c, changes::GROUP_LOCATION);
            c.notes.push(
                "the region is read from the azd environment on one side: where it is not the region the group is in, the deployment fails".into(),
            );
        }
        "enablePurgeProtection" if new == "left out" => {
            push_reason(c, changes::PURGE_PROTECTION);
        }
        "value" if r.type_ == azure::types::VAULT_SECRET => c.notes.push(format!(
            "the secret's value now comes from {}; values are invisible to platc by design, so whether it differs is not shown",
            p.new
        )),
        _ => {}
    }
    if p.property == "sku.name" && r.type_ == azure::types::REGISTRY {
        push_reason(c, changes::REGISTRY_TIER);
    }
}

fn create(r: &Resource, sources: &SourceMap) -> Change {
    let mut c = change(Action::Create, r, place(sources, r.span));
    match r.kind {
        Kind::Access => add(&mut c, Risk::Access),
        Kind::Cluster | Kind::Pool => add(&mut c, Risk::Cost),
        _ => {}
    }
    c
}

fn renamed(o: &Resource, n: &Resource, sources: &SourceMap) -> Change {
    let mut c = change(Action::Replace, n, place(sources, n.span));
    let moved = o.group != n.group && n.kind != Kind::Group;
    c.previous_name = Some(if moved {
        format!("{} in {}", o.name, o.group)
    } else {
        o.name.clone()
    });
    c.properties = differences(o, n);
    if moved {
        push_reason(&mut c, changes::NEW_GROUP);
        if changes::globally_named(n.type_) {
            push_reason(&mut c, changes::GLOBAL_NAME);
        }
    } else {
        push_reason(&mut c, changes::NEW_NAME);
    }
    if n.kind != Kind::Group && !moved {
        c.notes.push(format!(
            "{} is left as it is, no longer managed by the platform",
            o.name
        ));
    }
    if n.kind == Kind::Group {
        c.notes.push(format!(
            "{} keeps everything in it, running and billing",
            o.name
        ));
    }
    replaced_risks(&mut c, n.kind);
    if matches!(n.kind, Kind::Cluster | Kind::Pool | Kind::Data) {
        add(&mut c, Risk::Cost);
    }
    c
}

fn remove(r: &Resource, sources: &SourceMap, deployment: Deployment) -> Change {
    let mut c = change(Action::Remove, r, place(sources, r.span));
    let stack = deployment == Deployment::Stack;
    if r.kind == Kind::Subnet {
        push_reason(&mut c, changes::INLINE_SUBNET);
        add(&mut c, Risk::Downtime);
        return c;
    }
    push_reason(
        &mut c,
        if stack {
            changes::STACK_DELETE
        } else {
            changes::INCREMENTAL
        },
    );
    match r.kind {
        Kind::Group | Kind::Data => add(&mut c, Risk::DataLoss),
        Kind::Entry if stack => add(&mut c, Risk::DataLoss),
        Kind::Cluster | Kind::Pool if stack => add(&mut c, Risk::Downtime),
        Kind::Cluster | Kind::Pool => add(&mut c, Risk::Cost),
        Kind::Access | Kind::Identity => add(&mut c, Risk::Access),
        Kind::Gitops => {
            push_reason(&mut c, changes::FLUX_REMOVED);
            if stack {
                add(&mut c, Risk::Downtime);
            }
        }
        _ => {}
    }
    if r.kind == Kind::Access && !stack {
        c.notes.push(if r.type_ == azure::types::ROLE_ASSIGNMENT {
            "the access stays in force: revoke it yourself (az role assignment delete) if it should go".into()
        } else {
            "the trust stays in force: delete the federated credential yourself (az identity federated-credential delete) if it should go".into()
        });
    }
    c
}

/// Children that come, go or move with their parent are counted on it, not listed.
fn fold(changes: Vec<Change>) -> Vec<Change> {
    let parent_of = |name: &str| -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = name;
        while let Some((p, _)) = rest.rsplit_once('/') {
            out.push(p.to_string());
            rest = p;
        }
        out
    };
    let whole: IndexMap<(Action, String), usize> = changes
        .iter()
        .enumerate()
        .filter(|(_, c)| c.action != Action::Update)
        .flat_map(|(i, c)| {
            let mut names = vec![((c.action, c.name.clone()), i)];
            if let Some(p) = &c.previous_name {
                names.push(((Action::Remove, p.clone()), i));
            }
            if c.action == Action::Replace && c.previous_name.is_some() {
                names.push(((Action::Create, c.name.clone()), i));
            }
            names
        })
        .collect();
    let mut counts = vec![0usize; changes.len()];
    let mut keep = vec![true; changes.len()];
    for (i, c) in changes.iter().enumerate() {
        if matches!(c.action, Action::Update) || c.risks.contains(&Risk::Access) {
            continue;
        }
        let own = match c.action {
            Action::Replace => c.previous_name.as_ref().map(|_| Action::Create),
            a => Some(a),
        };
        let Some(action) = own else { continue };
        if let Some(&p) = parent_of(&c.name)
            .iter()
            .find_map(|p| whole.get(&(action, p.clone())))
            && p != i
        {
            counts[p] += 1;
            keep[i] = false;
        }
    }
    changes
        .into_iter()
        .zip(counts)
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|((mut c, n), _)| {
            c.children += n;
            c
        })
        .collect()
}
