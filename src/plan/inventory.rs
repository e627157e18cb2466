//! The Azure resources one environment's checked platform deploys: each with its type, its name
//! as the source map writes it (`*` where the resource token goes), the `.plat` declaration it
//! comes from, and the values of the properties a change to the program can move. A test holds
//! every name here to the one lowering writes into `platc.map.json`.

use crate::azure::{self, NameRule, types};
use crate::model::*;
use crate::source::Span;

/// What a resource holds, which decides the risk of losing or replacing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The resource group everything else is in.
    Group,
    /// Data a new resource would not have: a vault, store, account or workspace.
    Data,
    /// What a secret or a key-value holds.
    Entry,
    Cluster,
    Pool,
    /// A role assignment or a federated credential: who may do what.
    Access,
    Identity,
    /// A subnet, declared inside its network (removing one deletes it).
    Subnet,
    /// A Flux configuration: what it applied stays or goes with it.
    Gitops,
    Other,
}

/// One property of a resource as the plan compares it: the Azure property, the `.plat` field it
/// comes from, and its value as shown (never a secret: secrets are known only by the azd variable
/// that holds them).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Prop {
    pub azure: &'static str,
    pub field: &'static str,
    /// Which of several (a Flux configuration's kustomizations, by name).
    pub item: Option<String>,
    pub value: String,
}

#[derive(Debug, Clone)]
pub struct Resource {
    /// A `types::` constant: the type and API version the Bicep deploys.
    pub type_: &'static str,
    /// The resource group it is deployed into (`rg-PLATFORM-*`), shared by every resource.
    pub group: std::sync::Arc<str>,
    /// The name with `*` for the token; a role assignment, whose name is a GUID of its parts,
    /// is named by its role, principal and scope instead.
    pub name: String,
    /// The declaration, as the author would look for it: `pool "apps" of cluster "main"`.
    pub what: String,
    pub span: Span,
    pub kind: Kind,
    /// The name follows a declaration's, so that a name gone and a name come may be one
    /// declaration renamed; not so for names fixed by what they are (an extension's, a policy
    /// initiative's).
    pub renamable: bool,
    pub props: Vec<Prop>,
}

/// A resource's Azure name from a declaration's: the prefix, the name as the rule keeps it, and
/// the token as `*` (as `platc.map.json` writes it).
pub fn azure_name(rule: &NameRule, decl: &str) -> String {
    let sep = if rule.hyphens { "-" } else { "" };
    format!("{}{}{sep}*", rule.prefix, rule.stem(decl))
}

/// A value read from the azd environment is shown as it is written.
pub fn shown(s: &str) -> String {
    match parse_env_marker(s) {
        Some((name, None)) => format!("env(\"{name}\")"),
        Some((name, Some(d))) => format!("env(\"{name}\", \"{d}\")"),
        None => s.to_string(),
    }
}

struct Inventory<'a> {
    p: &'a Platform,
    group: std::sync::Arc<str>,
    out: Vec<Resource>,
    /// Only resources of this type are kept (`of_type`).
    only: Option<&'static str>,
    /// The last resource pushed was not kept, so its properties are not either.
    skipped: bool,
    /// The cluster that writes private vaults' certificates, found once.
    writes_certificates: Option<&'a str>,
}

/// Every resource `p` deploys, in the order of the program.
pub fn inventory(p: &Platform) -> Vec<Resource> {
    walk(p, None)
}

/// The resources of one type `p` deploys (role assignments, private endpoints), without the
/// properties of the others: the platform's rules read these at every check.
pub fn of_type(p: &Platform, type_: &'static str) -> Vec<Resource> {
    walk(p, Some(type_))
}

/// The resource a declaration of `kind` named `name` becomes, as the inventory names it: its
/// type (a `types::` constant) and name. `vault` is a secret's or key's vault. A test holds this
/// to `inventory`.
pub fn declared(kind: &str, name: &str, vault: Option<&str>) -> Option<(&'static str, String)> {
    if let Some(v) = vault {
        return declared_in(kind, &azure_name(&azure::NAME_VAULT, v), name);
    }
    Some(match kind {
        "network" => (types::VNET, azure_name(&azure::NAME_VNET, name)),
        "logs" => (types::LOG_ANALYTICS, azure_name(&azure::NAME_LOGS, name)),
        "metrics" => (
            types::MONITOR_WORKSPACE,
            azure_name(&azure::NAME_MONITOR, name),
        ),
        "registry" => (types::REGISTRY, azure_name(&azure::NAME_REGISTRY, name)),
        "vault" => (types::VAULT, azure_name(&azure::NAME_VAULT, name)),
        "appconfig" => (types::APPCONFIG, azure_name(&azure::NAME_APPCONFIG, name)),
        "storage" => (types::STORAGE, azure_name(&azure::NAME_STORAGE, name)),
        "identity" => (types::IDENTITY, azure_name(&azure::NAME_IDENTITY, name)),
        "cluster" => (
            types::MANAGED_CLUSTER,
            azure_name(&azure::NAME_CLUSTER, name),
        ),
        _ => return None,
    })
}

/// A vault's secret or key as `declared` names it, from the vault's Azure name (`vault`).
pub fn declared_in(kind: &str, vault: &str, name: &str) -> Option<(&'static str, String)> {
    let type_ = match kind {
        "secret" => types::VAULT_SECRET,
        "key" => types::VAULT_KEY,
        _ => return None,
    };
    Some((type_, format!("{vault}/{name}")))
}

fn walk(p: &Platform, only: Option<&'static str>) -> Vec<Resource> {
    let mut inv = Inventory {
        p,
        group: azure::resource_group(&p.name, "*").into(),
        out: Vec::with_capacity(if only.is_some() { 64 } else { estimate(p) }),
        only,
        skipped: false,
        writes_certificates: crate::model::certificate_writing_cluster(p),
    };
    inv.platform();
    for (name, n) in &p.networks {
        inv.network(name, n);
    }
    for (name, l) in &p.logs {
        inv.logs(name, l);
    }
    for (name, m) in &p.metrics {
        inv.metrics(name, m);
    }
    for (name, r) in &p.registries {
        inv.registry(name, r);
    }
    for (name, v) in &p.vaults {
        inv.vault(name, v);
    }
    for (name, a) in &p.appconfigs {
        inv.appconfig(name, a);
    }
    for (name, s) in &p.storages {
        inv.storage(name, s);
    }
    for (name, i) in &p.identities {
        inv.identity(name, i);
    }
    for (name, c) in &p.clusters {
        inv.cluster(name, c);
    }
    inv.out
}

/// About how many resources `p` deploys, a little over: growing the list by doubling copies
/// tens of megabytes at scale, into pages the kernel must first clear.
fn estimate(p: &Platform) -> usize {
    let clusters: usize = p
        .clusters
        .values()
        .map(|c| {
            16 + c.pools.len() + 4 * c.gitops.len() + 2 * c.admins.as_ref().map_or(1, Vec::len)
        })
        .sum();
    let identities: usize = p
        .identities
        .values()
        .map(|i| 1 + i.federations.len() + i.grants.len())
        .sum();
    let vaults: usize = p.vaults.values().map(|v| 2 + v.secrets.len()).sum();
    let stores: usize = p.appconfigs.values().map(|a| 2 + a.entries.len()).sum();
    let networks: usize = p.networks.values().map(|n| 1 + n.subnets.len()).sum();
    let storages: usize = p.storages.values().map(|s| 2 + s.containers.len()).sum();
    8 + clusters
        + identities
        + vaults
        + stores
        + networks
        + storages
        + 3 * (p.logs.len() + p.metrics.len() + p.registries.len())
}

fn prop(azure: &'static str, field: &'static str, value: impl Into<String>) -> Prop {
    Prop {
        azure,
        field,
        item: None,
        value: value.into(),
    }
}

fn on_off(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

fn public_access(private: bool) -> &'static str {
    if private { "Disabled" } else { "Enabled" }
}

/// A list as one value, in a stable order where the order means nothing.
fn listed<S: AsRef<str>>(items: &[S]) -> String {
    let mut v: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    v.sort_unstable();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

fn map_shown(m: &crate::collections::IndexMap<String, String>) -> String {
    let mut v: Vec<String> = m.iter().map(|(k, v)| format!("{k}={v}")).collect();
    v.sort_unstable();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// The Azure name of the resource a grant on `target` is assigned on, as lowering scopes it.
pub fn target_name(t: &Target, role: &str) -> String {
    match t.kind.as_str() {
        "vault" => azure_name(&azure::NAME_VAULT, &t.name),
        "appconfig" => azure_name(&azure::NAME_APPCONFIG, &t.name),
        "registry" => azure_name(&azure::NAME_REGISTRY, &t.name),
        "storage" => azure_name(&azure::NAME_STORAGE, &t.name),
        "cluster" => azure_name(&azure::NAME_CLUSTER, &t.name),
        "logs" => azure_name(&azure::NAME_LOGS, &t.name),
        "metrics" if azure::is_grafana_role(role) => azure_name(&azure::NAME_GRAFANA, &t.name),
        "metrics" => azure_name(&azure::NAME_MONITOR, &t.name),
        "key" => format!("key {}", t.name),
        other => format!("{other} {}", t.name),
    }
}

/// The role, principal and scope of a role assignment's name as `Inventory::grant` writes it.
pub fn grant_parts(name: &str) -> Option<(&str, &str, &str)> {
    let (role, rest) = name.split_once(" for ")?;
    let (principal, scope) = rest.rsplit_once(" on ")?;
    Some((role, principal, scope))
}

impl Inventory<'_> {
    fn push(&mut self, type_: &'static str, name: String, what: String, span: Span, kind: Kind) {
        self.skipped = self.only.is_some_and(|t| t != type_);
        if self.skipped {
            return;
        }
        self.out.push(Resource {
            type_,
            group: self.group.clone(),
            name,
            what,
            span,
            kind,
            renamable: true,
            props: Vec::new(),
        });
    }

    /// Whether resources of `type_` are kept (all are, but in `of_type`).
    fn keeps(&self, type_: &'static str) -> bool {
        self.only.is_none_or(|t| t == type_)
    }

    /// Whether resources of any of `types` are kept: what only those make need not be
    /// described at all in `of_type`, which the platform's rules call at every check.
    fn keeps_any(&self, types: &[&'static str]) -> bool {
        types.iter().any(|t| self.keeps(t))
    }

    /// The last resource's name is fixed by what it is, not by a declaration's name.
    fn fixed_name(&mut self) {
        if let Some(r) = self.out.last_mut().filter(|_| !self.skipped) {
            r.renamable = false;
        }
    }

    fn with(&mut self, p: Prop) -> &mut Self {
        if let Some(r) = self.out.last_mut().filter(|_| !self.skipped) {
            r.props.push(p);
        }
        self
    }

    /// A role assignment, named by what it joins: role, principal, scope (`grant_parts` reads
    /// them back).
    fn grant(&mut self, role: &str, principal: &str, scope: &str, what: String, span: Span) {
        let name = format!("{role} for {principal} on {scope}");
        self.push(types::ROLE_ASSIGNMENT, name, what, span, Kind::Access);
    }

    fn private_endpoint(&mut self, name: &str, what: &str, span: Span) {
        self.push(
            types::PRIVATE_ENDPOINT,
            format!("{name}-pe"),
            format!("private endpoint of {what}"),
            span,
            Kind::Other,
        );
    }

    fn platform(&mut self) {
        let p = self.p;
        let what = format!("platform \"{}\"", p.name);
        let location = match &p.location {
            Some(StrValue::Literal(l)) => l.clone(),
            Some(StrValue::Env { name, default }) => shown(&env_marker(name, default.as_deref())),
            None => String::new(),
        };
        let group = self.group.to_string();
        self.push(
            types::RESOURCE_GROUP,
            group,
            what.clone(),
            p.span,
            Kind::Group,
        );
        self.with(prop("location", "location", location)).with(prop(
            "tags",
            "tags",
            map_shown(&p.tags),
        ));
        let workspace = p
            .diagnostics
            .clone()
            .filter(|d| !d.is_empty())
            .or_else(|| p.logs.keys().next().cloned());
        if let Some(w) = workspace {
            self.push(
                types::DIAGNOSTICS,
                "to-log-analytics".into(),
                "the diagnostic settings of every resource".into(),
                p.span,
                Kind::Other,
            );
            self.with(prop(
                "workspaceId",
                "diagnostics",
                azure_name(&azure::NAME_LOGS, &w),
            ));
        }
    }

    fn network(&mut self, name: &str, n: &Network) {
        let vnet = azure_name(&azure::NAME_VNET, name);
        let what = format!("network \"{name}\"");
        self.push(types::VNET, vnet.clone(), what, n.meta.span, Kind::Other);
        self.with(prop(
            "addressSpace.addressPrefixes",
            "address_space",
            listed(&n.address_space),
        ));
        for (sname, s) in &n.subnets {
            self.push(
                types::SUBNET,
                format!("{vnet}/{sname}"),
                format!("subnet \"{sname}\" of network \"{name}\""),
                n.meta.span,
                Kind::Subnet,
            );
            self.with(prop("addressPrefix", "prefix", s.prefix.clone()))
                .with(prop(
                    "privateEndpointNetworkPolicies",
                    "private_endpoints",
                    if s.private_endpoints {
                        "Disabled (holds the private endpoints)"
                    } else {
                        "default"
                    },
                ));
        }
    }

    fn logs(&mut self, name: &str, l: &Logs) {
        let what = format!("logs \"{name}\"");
        let n = azure_name(&azure::NAME_LOGS, name);
        self.push(types::LOG_ANALYTICS, n, what, l.meta.span, Kind::Data);
        self.with(prop(
            "retentionInDays",
            "retention_days",
            l.retention_days.to_string(),
        ))
        .with(prop(
            "workspaceCapping.dailyQuotaGb",
            "daily_quota_gb",
            l.daily_quota_gb.map_or("none".into(), |q| q.to_string()),
        ))
        .with(prop(
            "features.disableLocalAuth",
            "local_auth",
            (!l.local_auth).to_string(),
        ));
    }

    fn metrics(&mut self, name: &str, m: &Metrics) {
        let what = format!("metrics \"{name}\"");
        let n = azure_name(&azure::NAME_MONITOR, name);
        self.push(
            types::MONITOR_WORKSPACE,
            n.clone(),
            what.clone(),
            m.meta.span,
            Kind::Data,
        );
        if m.grafana {
            let g = azure_name(&azure::NAME_GRAFANA, name);
            let w = format!("Managed Grafana of {what}");
            self.push(
                types::GRAFANA,
                g.clone(),
                w.clone(),
                m.meta.span,
                Kind::Other,
            );
            self.grant(
                "Monitoring Data Reader",
                &g,
                &n,
                format!("{w}: reads the workspace"),
                m.meta.span,
            );
        }
    }

    fn registry(&mut self, name: &str, r: &Registry) {
        let what = format!("registry \"{name}\"");
        let n = azure_name(&azure::NAME_REGISTRY, name);
        self.push(
            types::REGISTRY,
            n.clone(),
            what.clone(),
            r.meta.span,
            Kind::Data,
        );
        let mut sku = r.sku.clone();
        if let Some(first) = sku.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        self.with(prop("sku.name", "sku", sku)).with(prop(
            "publicNetworkAccess",
            "private",
            public_access(r.private),
        ));
        if r.private {
            self.private_endpoint(&n, &what, r.meta.span);
        }
    }

    fn vault(&mut self, name: &str, v: &Vault) {
        let what = format!("vault \"{name}\"");
        let n = azure_name(&azure::NAME_VAULT, name);
        self.push(
            types::VAULT,
            n.clone(),
            what.clone(),
            v.meta.span,
            Kind::Data,
        );
        self.with(prop("sku.name", "sku", v.sku.clone()))
            .with(prop(
                "softDeleteRetentionInDays",
                "soft_delete_days",
                v.soft_delete_days.to_string(),
            ))
            .with(purge(v.purge_protection))
            .with(prop(
                "publicNetworkAccess",
                "private",
                public_access(v.private),
            ));
        if v.private {
            self.private_endpoint(&n, &what, v.meta.span);
        }
        for (kname, k) in &v.keys {
            self.key(&n, kname, k);
        }
        if let Some((_, cert)) = v.certificates.first()
            && !v.private
        {
            let w = format!("{what}: `platc publish` writes its certificates");
            let role = azure::keys::CERTIFICATE_WRITER_ROLE;
            self.grant(role, "the deploying principal", &n, w, cert.meta.span);
        }
        let secrets = if self.keeps(types::VAULT_SECRET) {
            v.secrets.iter()
        } else {
            Default::default()
        };
        for (sname, s) in secrets {
            self.push(
                types::VAULT_SECRET,
                format!("{n}/{sname}"),
                format!("secret \"{sname}\""),
                s.meta.span,
                Kind::Entry,
            );
            self.with(prop(
                "value",
                "value",
                format!("the azd variable {}", s.env),
            ))
            .with(prop("contentType", "content_type", s.content_type.clone()))
            .with(prop(
                "attributes.exp",
                "expires_after",
                format!("{} days after issue", s.expires_after_days),
            ));
        }
    }

    /// A key, as ARM creates it once (`lower::data::vault_keys`).
    fn key(&mut self, vault: &str, kname: &str, k: &Key) {
        self.push(
            types::VAULT_KEY,
            format!("{vault}/{kname}"),
            format!("key \"{kname}\""),
            k.meta.span,
            Kind::Entry,
        );
        let rotation = match k.rotate {
            Some(Rotate::AfterCreate(d)) => format!("{d} days after creation"),
            Some(Rotate::BeforeExpiry(d)) => format!("{d} days before expiry"),
            None => "never".into(),
        };
        self.with(prop("kty", "type", k.spec.kty.clone()))
            .with(prop(
                "keySize",
                "size",
                k.spec.size.map_or("none".into(), |s| s.to_string()),
            ))
            .with(prop(
                "curveName",
                "curve",
                k.spec.curve.clone().unwrap_or_else(|| "none".into()),
            ))
            .with(prop("keyOps", "operations", listed(&k.operations)))
            .with(prop(
                "rotationPolicy.attributes.expiryTime",
                "expires_after",
                format!("{} days", k.expires_after_days),
            ))
            .with(prop("rotationPolicy.rotate", "rotate_after", rotation))
            .with(prop(
                "rotationPolicy.notify",
                "notify_before_expiry",
                format!("{} days before expiry", k.notify_before_expiry_days),
            ));
    }

    fn appconfig(&mut self, name: &str, a: &AppConfig) {
        let what = format!("appconfig \"{name}\"");
        let n = azure_name(&azure::NAME_APPCONFIG, name);
        self.push(
            types::APPCONFIG,
            n.clone(),
            what.clone(),
            a.meta.span,
            Kind::Data,
        );
        self.with(prop("sku.name", "sku", a.sku.clone()))
            .with(prop(
                "softDeleteRetentionInDays",
                "soft_delete_days",
                a.soft_delete_days.to_string(),
            ))
            .with(purge(a.purge_protection))
            .with(prop(
                "publicNetworkAccess",
                "private",
                public_access(a.private),
            ));
        if a.private {
            self.private_endpoint(&n, &what, a.meta.span);
        }
        // Tens of thousands at scale, and never a grant or an endpoint: not walked for those.
        if self.keeps(types::APPCONFIG_KV) {
            for e in &a.entries {
                self.key_value(&n, e);
            }
        }
    }

    fn key_value(&mut self, store: &str, e: &KeyValue) {
        let (key, what) = match &e.content {
            KvContent::FeatureFlag { id, .. } => (
                format!("{}{id}", azure::FEATURE_FLAG_PREFIX),
                format!("feature \"{id}\""),
            ),
            _ => (e.key.clone(), format!("config \"{}\"", e.key)),
        };
        let what = match &e.label {
            Some(l) => format!("{what} [{l}]"),
            None => what,
        };
        let name = format!(
            "{store}/{}",
            azure::appconfig_resource_name(&key, e.label.as_deref())
        );
        self.push(types::APPCONFIG_KV, name, what, e.span, Kind::Entry);
        match &e.content {
            KvContent::Value {
                value,
                content_type,
            } => {
                self.with(prop("value", "value", shown(value))).with(prop(
                    "contentType",
                    "content_type",
                    content_type.clone(),
                ));
            }
            KvContent::SecretRef { vault, secret } => {
                self.with(prop(
                    "value",
                    "secret",
                    format!("a reference to secret \"{secret}\" of vault \"{vault}\""),
                ));
            }
            KvContent::FeatureFlag {
                enabled,
                description,
                ..
            } => {
                self.with(prop("value.enabled", "enabled", enabled.to_string()))
                    .with(prop(
                        "value.description",
                        "description",
                        description.clone().unwrap_or_else(|| "none".into()),
                    ));
            }
        }
    }

    fn storage(&mut self, name: &str, s: &Storage) {
        let what = format!("storage \"{name}\"");
        let n = azure_name(&azure::NAME_STORAGE, name);
        self.push(
            types::STORAGE,
            n.clone(),
            what.clone(),
            s.meta.span,
            Kind::Data,
        );
        self.with(prop(
            "sku.name",
            "replication",
            format!("Standard_{}", s.replication.to_ascii_uppercase()),
        ))
        .with(prop(
            "publicNetworkAccess",
            "private",
            public_access(s.private),
        ));
        if s.private {
            self.private_endpoint(&n, &what, s.meta.span);
        }
        for c in &s.containers {
            self.push(
                types::BLOB_CONTAINER,
                format!("{n}/default/{c}"),
                format!("container \"{c}\" of {what}"),
                s.meta.span,
                Kind::Data,
            );
        }
    }

    fn identity(&mut self, name: &str, i: &Identity) {
        let what = format!("identity \"{name}\"");
        let n = azure_name(&azure::NAME_IDENTITY, name);
        self.push(
            types::IDENTITY,
            n.clone(),
            what.clone(),
            i.meta.span,
            Kind::Identity,
        );
        for f in &i.federations {
            let credential = format!("{}-{}-{}", f.cluster, f.namespace, f.service_account);
            self.federation(&n, &credential, &what, f);
        }
        for g in &i.grants {
            let scope = target_name(&g.target, &g.role);
            let w = format!(
                "grant \"{}\" on {} \"{}\" to {what}",
                g.role, g.target.kind, g.target.name
            );
            self.grant(&g.role, &n, &scope, w, g.span);
        }
    }

    /// A federated credential named `credential` on `identity`, as lowering names it.
    fn federation(&mut self, identity: &str, credential: &str, what: &str, f: &Federation) {
        if !self.keeps(types::FEDERATED_CREDENTIAL) {
            return;
        }
        let name = format!("{identity}/{credential}");
        let w = format!(
            "federate \"{}/{}\" on cluster \"{}\" of {what}",
            f.namespace, f.service_account, f.cluster
        );
        self.push(types::FEDERATED_CREDENTIAL, name, w, f.span, Kind::Access);
        self.with(prop(
            "issuer",
            "on",
            format!(
                "the OIDC issuer of {}",
                azure_name(&azure::NAME_CLUSTER, &f.cluster)
            ),
        ));
    }
}

fn purge(on: bool) -> Prop {
    prop(
        "enablePurgeProtection",
        "purge_protection",
        if on { "true" } else { "left out" },
    )
}

impl Inventory<'_> {
    fn cluster(&mut self, name: &str, c: &Cluster) {
        let what = format!("cluster \"{name}\"");
        let n = azure_name(&azure::NAME_CLUSTER, name);
        let span = c.meta.span;
        let control_plane = azure_name(&azure::NAME_IDENTITY, &format!("aks-{name}"));
        self.push(
            types::IDENTITY,
            control_plane.clone(),
            format!("the control-plane identity of {what}"),
            span,
            Kind::Identity,
        );
        self.push(
            types::MANAGED_CLUSTER,
            n.clone(),
            what.clone(),
            span,
            Kind::Cluster,
        );
        self.cluster_props(c);
        self.network_props(c);
        if let Some((net, _)) = &c.network.subnet {
            let vnet = azure_name(&azure::NAME_VNET, net);
            let w = format!("{what}: its control plane joins network \"{net}\"");
            self.grant("Network Contributor", &control_plane, &vnet, w, span);
        }
        if let Some((key, at)) = &c.kms
            && let Some((vault, _, _)) = self.p.key(key)
        {
            let vault_name = azure_name(&azure::NAME_VAULT, vault);
            let scope = format!("{vault_name}/{key}");
            let w = format!("{what}: its control plane encrypts with key \"{key}\"");
            self.grant(azure::keys::KMS_ROLE, &control_plane, &scope, w, *at);
            if self.p.vaults.get(vault).is_some_and(|v| v.private) {
                let w = format!("{what}: its control plane links private vault \"{vault}\"");
                let role = azure::keys::KMS_PRIVATE_LINK_ROLE;
                self.grant(role, &control_plane, &vault_name, w, *at);
            }
        }
        for (i, p) in c.pools.iter().enumerate() {
            self.pool(&n, name, c, i, p);
        }
        self.cluster_access(&n, &what, c);
        self.cluster_extensions(&n, &what, c);
        for (gname, g) in &c.gitops {
            self.gitops(&n, name, gname, g);
        }
        if self.writes_certificates == Some(name) {
            for (vname, cert) in crate::model::private_certificates(self.p) {
                self.certificate_writer(name, vname, cert.meta.span);
            }
        }
    }

    fn cluster_props(&mut self, c: &Cluster) {
        if self.skipped {
            return;
        }
        let kms = self.kms(c);
        let defender = c
            .defender
            .as_ref()
            .map_or("off".into(), |(l, _)| azure_name(&azure::NAME_LOGS, l));
        let insights = c
            .logs
            .as_ref()
            .map_or("off".into(), |l| azure_name(&azure::NAME_LOGS, l));
        let istio = c
            .istio
            .as_ref()
            .map_or("off".into(), |i| shown(&i.revision));
        let ingress = c
            .istio
            .as_ref()
            .and_then(|i| i.ingress.clone())
            .unwrap_or_else(|| "none".into());
        self.with(prop(
            "kubernetesVersion",
            "kubernetes",
            c.kubernetes.as_deref().map_or("AKS default".into(), shown),
        ))
        .with(prop("sku.tier", "sku_tier", c.sku_tier.clone()))
        .with(prop(
            "autoUpgradeProfile.upgradeChannel",
            "upgrade_channel",
            c.upgrade_channel.clone(),
        ))
        .with(prop(
            "autoUpgradeProfile.nodeOSUpgradeChannel",
            "node_os_upgrade_channel",
            c.node_os_upgrade_channel.clone(),
        ))
        .with(prop(
            "apiServerAccessProfile.enablePrivateCluster",
            "private_cluster",
            c.private_cluster.to_string(),
        ))
        .with(prop("securityProfile.defender", "defender", defender))
        .with(prop("securityProfile.azureKeyVaultKms", "kms", kms))
        .with(prop(
            "apiServerAccessProfile.enableVnetIntegration",
            "network.api_server_subnet",
            c.network
                .api_server_subnet
                .as_ref()
                .map_or("off".into(), |(n, s)| format!("subnet {s} of network {n}")),
        ))
        .with(prop("addonProfiles.omsagent", "monitoring.logs", insights))
        .with(prop(
            "addonProfiles.azureKeyvaultSecretsProvider",
            "extension keyvault_csi",
            c.keyvault_csi
                .map_or("off".into(), |s| format!("on, rotation every {s}s")),
        ))
        .with(prop(
            "addonProfiles.azurepolicy",
            "extension azure_policy",
            on_off(c.azure_policy.is_some()),
        ))
        .with(prop(
            "serviceMeshProfile.istio.revisions",
            "extension istio",
            istio,
        ))
        .with(prop(
            "serviceMeshProfile.istio.components.ingressGateways",
            "extension istio.ingress",
            ingress,
        ))
        .with(prop(
            "azureMonitorProfile.metrics.enabled",
            "extension prometheus",
            c.prometheus.to_string(),
        ));
    }

    /// The cluster's KMS key as the plan shows it: which key, reached how.
    fn kms(&self, c: &Cluster) -> String {
        let Some((key, _)) = &c.kms else {
            return "off".into();
        };
        match self.p.key(key) {
            Some((vault, v, _)) => format!(
                "key {key} of vault {vault}, {}",
                if v.private { "private" } else { "public" }
            ),
            None => format!("key {key}"),
        }
    }

    fn network_props(&mut self, c: &Cluster) {
        if self.skipped {
            return;
        }
        let n = &c.network;
        self.with(prop(
            "networkProfile.networkPluginMode",
            "network.plugin",
            if n.overlay { "overlay" } else { "none (flat)" },
        ))
        .with(prop(
            "networkProfile.networkDataplane",
            "network.dataplane",
            n.dataplane.clone(),
        ))
        .with(prop(
            "networkProfile.networkPolicy",
            "network.policy",
            n.policy.clone(),
        ))
        .with(prop(
            "networkProfile.podCidr",
            "network.pod_cidr",
            if n.overlay {
                n.pod_cidr.clone()
            } else {
                "none".into()
            },
        ))
        .with(prop(
            "networkProfile.serviceCidr",
            "network.service_cidr",
            n.service_cidr.clone(),
        ))
        .with(prop(
            "networkProfile.dnsServiceIP",
            "network.dns_service_ip",
            n.dns_service_ip.clone(),
        ))
        .with(prop(
            "networkProfile.outboundType",
            "network.outbound",
            n.outbound.clone(),
        ));
    }

    fn pool(&mut self, cluster: &str, cname: &str, c: &Cluster, i: usize, p: &Pool) {
        if !self.keeps(types::AGENT_POOL) {
            return;
        }
        let what = format!("pool \"{}\" of cluster \"{cname}\"", p.name);
        let first_system = c.pools.iter().position(|p| p.system).unwrap_or(0);
        let kind = if i == first_system {
            "the cluster's own (first system) pool"
        } else {
            "a pool of its own"
        };
        let size = match (p.count, p.autoscale) {
            (_, Some((a, b))) => format!("{a}..{b} (autoscale)"),
            (Some(n), None) => n.to_string(),
            (None, None) => "AKS default".into(),
        };
        let zones: Vec<String> = p.zones.iter().map(i64::to_string).collect();
        let taints = listed(&p.taints);
        let subnet = c.network.subnet.as_ref().map_or("none".into(), |(n, s)| {
            format!("{}/{s}", azure_name(&azure::NAME_VNET, n))
        });
        self.push(
            types::AGENT_POOL,
            format!("{cluster}/{}", p.name),
            what,
            p.span,
            Kind::Pool,
        );
        self.with(prop("vmSize", "vm_size", shown(&p.vm_size)))
            .with(prop("count", "count/autoscale", size))
            .with(prop(
                "mode",
                "mode",
                if p.system { "System" } else { "User" },
            ))
            .with(prop("availabilityZones", "zones", listed(&zones)))
            .with(prop("maxPods", "max_pods", p.max_pods.to_string()))
            .with(prop("osSKU", "os_sku", p.os_sku.clone()))
            .with(prop("nodeTaints", "taints", taints))
            .with(prop("nodeLabels", "labels", map_shown(&p.labels)))
            .with(prop("vnetSubnetID", "network.subnet", subnet))
            .with(prop("(declared as)", "pool order", kind));
    }

    fn cluster_access(&mut self, n: &str, what: &str, c: &Cluster) {
        let span = c.meta.span;
        let admins: Vec<String> = match &c.admins {
            Some(a) if !a.is_empty() => a.iter().map(|s| shown(s)).collect(),
            _ => vec!["the deploying principal".into()],
        };
        for a in &admins {
            for role in [
                azure::cluster_access::ADMIN_ROLE,
                azure::cluster_access::USER_ROLE,
            ] {
                let w = format!("{what}: admin {a}");
                self.grant(role, a, n, w, span);
            }
        }
        if let Some(r) = &c.registry {
            let reg = azure_name(&azure::NAME_REGISTRY, r);
            let w = format!("{what}: its nodes pull from registry \"{r}\"");
            self.grant("AcrPull", &format!("the kubelet of {n}"), &reg, w, span);
        }
    }

    fn cluster_extensions(&mut self, n: &str, what: &str, c: &Cluster) {
        if !self.keeps_any(&[
            types::EXTENSION,
            types::POLICY_ASSIGNMENT,
            types::DCR,
            types::DCE,
        ]) {
            return;
        }
        let span = c.meta.span;
        let ext = |name: &str| format!("{n}/{name}");
        if c.flux {
            let w = format!("extension flux of {what}");
            self.push(
                types::EXTENSION,
                ext(azure::extensions::FLUX_NAME),
                w,
                span,
                Kind::Other,
            );
            self.fixed_name();
        }
        if c.app_config_provider {
            let w = format!("extension app_config_provider of {what}");
            let e = ext(azure::extensions::APPCONFIG_NAME);
            self.push(types::EXTENSION, e, w, span, Kind::Other);
            self.fixed_name();
        }
        if let Some(pa) = &c.azure_policy
            && let Some(word) = &pa.initiative
        {
            let w = format!("extension azure_policy of {what}: initiative {word}");
            let name = ext(&word.replace('_', "-"));
            self.push(types::POLICY_ASSIGNMENT, name, w, span, Kind::Other);
            self.fixed_name();
            self.with(prop("enforcement effect", "effect", pa.effect.clone()));
        }
        if let Some(l) = &c.logs {
            let w = format!("Container insights data collection of {what}");
            self.push(types::DCR, format!("MSCI-*-{n}"), w, span, Kind::Other);
            self.with(prop(
                "destinations",
                "monitoring.logs",
                azure_name(&azure::NAME_LOGS, l),
            ));
        }
        if c.prometheus
            && let Some(m) = &c.metrics
        {
            let w = format!("managed Prometheus collection of {what}");
            self.push(
                types::DCE,
                format!("MSProm-*-{n}"),
                w.clone(),
                span,
                Kind::Other,
            );
            self.push(types::DCR, format!("MSProm-*-{n}"), w, span, Kind::Other);
            self.with(prop(
                "destinations",
                "monitoring.metrics",
                azure_name(&azure::NAME_MONITOR, m),
            ));
        }
    }

    fn gitops(&mut self, cluster: &str, cname: &str, gname: &str, g: &Gitops) {
        let what = format!("gitops \"{gname}\" of cluster \"{cname}\"");
        if self.keeps(types::FLUX_CONFIG) {
            self.flux_config(cluster, gname, &what, g);
        }
        if let GitopsSource::Blob {
            storage,
            container,
            upload,
        } = &g.source
        {
            let account = azure_name(&azure::NAME_STORAGE, storage);
            let w = format!("{what}: Flux reads the container with the kubelet identity");
            let kubelet = format!("the kubelet of {cluster}");
            self.grant("Storage Blob Data Reader", &kubelet, &account, w, g.span);
            if let Some(u) = upload {
                self.publisher(cname, gname, &what, &account, container, u.span);
            }
        }
    }

    fn flux_config(&mut self, cluster: &str, gname: &str, what: &str, g: &Gitops) {
        let source = match &g.source {
            GitopsSource::Git { url, reference } => {
                format!("git {url} ({} {})", reference.0, reference.1)
            }
            GitopsSource::Blob {
                storage, container, ..
            } => format!(
                "blob container {container} of {}",
                azure_name(&azure::NAME_STORAGE, storage)
            ),
        };
        self.push(
            types::FLUX_CONFIG,
            format!("{cluster}/{gname}"),
            what.to_string(),
            g.span,
            Kind::Gitops,
        );
        self.with(prop("namespace", "namespace", g.namespace.clone()))
            .with(prop("source", "source", source))
            .with(prop(
                "syncIntervalInSeconds",
                "interval",
                g.interval_secs.to_string(),
            ));
        for (k, kz) in &g.kustomizations {
            let mut deps = kz.depends_on.clone();
            deps.sort_unstable();
            self.with(Prop {
                item: Some(k.clone()),
                ..prop(
                    "kustomizations",
                    "kustomization",
                    format!(
                        "path {}, prune {}, every {}s, after [{}], substitute {}",
                        kz.path,
                        kz.prune,
                        kz.interval_secs,
                        deps.join(", "),
                        kz.substitute
                    ),
                )
            });
        }
    }

    /// An identity a Job of `platc publish` signs in with, federated with the Job's service
    /// account `account` on cluster `cname`.
    fn job_identity(&mut self, id: &str, what: &str, cname: &str, account: String, span: Span) {
        self.push(
            types::IDENTITY,
            id.to_string(),
            what.to_string(),
            span,
            Kind::Identity,
        );
        let f = Federation {
            span,
            cluster: cname.to_string(),
            namespace: azure::publish::NAMESPACE.to_string(),
            service_account: account,
        };
        self.federation(id, &f.service_account, what, &f);
    }

    /// The identity `platc publish`'s Job writes a private vault's certificates with.
    fn certificate_writer(&mut self, cname: &str, vault: &str, span: Span) {
        let id = azure_name(
            &azure::NAME_IDENTITY,
            &azure::keys::identity_stem(cname, vault),
        );
        let w = format!(
            "the identity `platc publish` writes the certificates of vault \"{vault}\" with, from cluster \"{cname}\""
        );
        self.job_identity(&id, &w, cname, azure::keys::job_name(vault), span);
        let scope = azure_name(&azure::NAME_VAULT, vault);
        let g = format!("vault \"{vault}\": `platc publish` writes its certificates");
        self.grant(azure::keys::CERTIFICATE_WRITER_ROLE, &id, &scope, g, span);
    }

    fn publisher(
        &mut self,
        cname: &str,
        gname: &str,
        what: &str,
        account: &str,
        container: &str,
        span: Span,
    ) {
        let stem = azure::publish::identity_stem(cname, gname);
        let id = azure_name(&azure::NAME_IDENTITY, &stem);
        let w = format!("the identity `platc publish` uploads {what} with");
        self.job_identity(&id, &w, cname, azure::publish::job_name(gname), span);
        let scope = format!("{account}/default/{container}");
        let g = format!("{what}: `platc publish` writes the container");
        self.grant(azure::publish::WRITER_ROLE, &id, &scope, g, span);
    }
}
