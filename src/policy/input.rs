//! The input a rule sees: one environment's checked platform as documented JSON (spec.md §9,
//! "Input"), with what platc derives from it: the Azure name and type of each declaration, every
//! role assignment, private endpoint and resource the platform deploys (`plan::inventory`, which
//! a test holds to the source map lowering writes).
//!
//! It is built as the rules engine holds values, not as JSON first: at N=1000 the input holds
//! hundreds of thousands of values, and building JSON and converting it cost four times what the
//! rules do. Each key and each recurring word is one shared string.

use crate::model::*;
use crate::plan::inventory;
use crate::source::Span;
use regorus::Value;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The input's schema version: it changes only when a field changes meaning or disappears.
pub const VERSION: u64 = 1;

/// One environment's input, with the spans of the entries of its derived lists (`grants`,
/// `private_endpoints`, `resources`), which name no declaration of their own.
pub struct Input {
    pub value: Value,
    pub derived: Derived,
}

impl Input {
    /// The input as JSON, as `platc export` prints it (keys in order, as Rego's tools print).
    pub fn json(&self) -> serde_json::Value {
        serde_json::to_value(&self.value).expect("the input holds JSON values only")
    }
}

/// Where each entry of a derived list comes from, by its index in the list.
#[derive(Default, Clone)]
pub struct Derived {
    pub grants: Vec<Span>,
    pub private_endpoints: Vec<Span>,
    pub resources: Vec<Span>,
}

/// The top-level keys of the input to build: every one, or those the rules read. Building
/// what no rule reads would cost more than the rules (at N=1000, the whole input is 28 MB of
/// JSON, most of it resources and key-values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keys {
    All,
    Only(Vec<String>),
}

impl Keys {
    /// The keys rule files read: every `input.KEY` in them, or all where one reads `input`
    /// otherwise (whole, or by a computed key), which could reach any.
    pub fn read_by<'t>(rules: impl IntoIterator<Item = &'t str>) -> Keys {
        let mut keys: Vec<String> = Vec::new();
        for text in rules {
            for (at, _) in text.match_indices("input") {
                let before = text[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                    continue;
                }
                let rest = &text[at + 5..];
                if rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let Some(field) = rest.strip_prefix('.') else {
                    return Keys::All;
                };
                let end = field
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(field.len());
                if !keys.iter().any(|k| k == &field[..end]) {
                    keys.push(field[..end].to_string());
                }
            }
        }
        Keys::Only(keys)
    }

    fn wants(&self, key: &str) -> bool {
        match self {
            Keys::All => true,
            Keys::Only(keys) => keys.iter().any(|k| k == key),
        }
    }
}

/// The whole input for `environment` (`None`: the defaults, which an environment without
/// overrides deploys).
pub fn input(p: &Platform, environment: Option<&str>) -> Input {
    select(p, environment, &Keys::All, &Fields::All)
}

/// The input with the keys `keys` names (and `version`, `environment` and `platform` always),
/// and the fields `fields` names.
pub fn select(p: &Platform, environment: Option<&str>, keys: &Keys, fields: &Fields) -> Input {
    // The lists the inventory derives walk the whole platform again: on a thread of their own
    // where there is one, beside the declarations. At N=1000 with the built-in packs, each
    // side is about half of the input (9 ms for the whole rather than 13).
    let derived = || {
        let b = B::new(fields);
        let mut derived = Derived::default();
        let mut lists = Vec::new();
        if keys.wants("grants") {
            lists.push(("grants", grants(&b, p, &mut derived.grants)));
        }
        if keys.wants("private_endpoints") {
            let endpoints = private_endpoints(&b, p, &mut derived.private_endpoints);
            lists.push(("private_endpoints", endpoints));
        }
        if keys.wants("resources") {
            lists.push(("resources", resources(&b, p, &mut derived.resources)));
        }
        (lists, derived)
    };
    let b = B::new(fields);
    let declared = || {
        let mut top = vec![
            ("version", VERSION.v()),
            ("environment", environment.v()),
            ("platform", platform(&b, p)),
        ];
        declarations(&b, p, keys, &mut top);
        top
    };
    let ((lists, derived), mut top) = crate::join(derived, declared);
    top.extend(lists);
    Input {
        value: b.by_word(top),
        derived,
    }
}

/// The input's value of a field of the model.
trait V {
    fn v(&self) -> Value;
}

impl V for str {
    fn v(&self) -> Value {
        Value::from(self)
    }
}

impl V for String {
    fn v(&self) -> Value {
        Value::from(self.as_str())
    }
}

impl V for bool {
    fn v(&self) -> Value {
        Value::from(*self)
    }
}

impl V for i64 {
    fn v(&self) -> Value {
        Value::from(*self)
    }
}

impl V for u64 {
    fn v(&self) -> Value {
        Value::from(*self)
    }
}

impl<T: V + ?Sized> V for &T {
    fn v(&self) -> Value {
        (**self).v()
    }
}

impl<T: V> V for Option<T> {
    fn v(&self) -> Value {
        self.as_ref().map_or(Value::Null, V::v)
    }
}

impl<T: V> V for [T] {
    fn v(&self) -> Value {
        Value::from(self.iter().map(V::v).collect::<Vec<_>>())
    }
}

impl<T: V> V for Vec<T> {
    fn v(&self) -> Value {
        self.as_slice().v()
    }
}

impl V for crate::collections::IndexMap<String, String> {
    fn v(&self) -> Value {
        let map: BTreeMap<Value, Value> = self.iter().map(|(k, v)| (k.v(), v.v())).collect();
        Value::from(map)
    }
}

/// The fields of the declarations to build: every one, or those whose names appear in the
/// text of the rules (`named_in`). Only for rules that read fields by name alone, never an
/// object whole (printing it, counting or iterating its fields): the built-in packs, which a
/// test holds to that. Such rules cannot tell the difference, and at N=1000 they then run on a
/// third of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fields {
    All,
    Named(HashSet<String>),
}

impl Fields {
    /// Every word of `rules`: what could name a field.
    pub fn named_in<'t>(rules: impl IntoIterator<Item = &'t str>) -> Fields {
        let words = rules.into_iter().flat_map(|text| {
            text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .filter(|w| !w.is_empty())
                .map(str::to_string)
        });
        Fields::Named(words.collect())
    }

    fn has(&self, field: &str) -> bool {
        match self {
            Fields::All => true,
            Fields::Named(words) => words.contains(field),
        }
    }
}

/// An object of the fields built (`Fields`), each value computed only where its field is.
macro_rules! obj {
    ($b:expr, { $($k:literal => $v:expr),* $(,)? }) => {{
        let b: &B = $b;
        #[allow(unused_mut)]
        let mut fields: Vec<(Value, Value)> = Vec::new();
        $(if let Some(key) = b.field($k) {
            fields.push((key, $v));
        })*
        b.object(fields)
    }};
}

type Words<T> = HashMap<&'static str, T, foldhash::fast::FixedState>;

/// Builds values whose words are shared strings, one per word: a field's name is written
/// hundreds of thousands of times at scale, and each copy would be an allocation to make and
/// free.
struct B<'f> {
    fields: &'f Fields,
    keys: RefCell<Words<Option<Value>>>,
    words: RefCell<Words<Value>>,
}

impl<'f> B<'f> {
    fn new(fields: &'f Fields) -> Self {
        B {
            fields,
            keys: RefCell::default(),
            words: RefCell::default(),
        }
    }

    /// The key of `field`, where it is built.
    fn field(&self, field: &'static str) -> Option<Value> {
        let mut keys = self.keys.borrow_mut();
        let key = keys
            .entry(field)
            .or_insert_with(|| self.fields.has(field).then(|| Value::from(field)));
        key.clone()
    }

    /// A value that is one of a few words (a mode, a kind), or a key that is always built.
    fn word(&self, w: &'static str) -> Value {
        let mut words = self.words.borrow_mut();
        words.entry(w).or_insert_with(|| Value::from(w)).clone()
    }

    fn object(&self, fields: Vec<(Value, Value)>) -> Value {
        Value::from(fields.into_iter().collect::<BTreeMap<_, _>>())
    }

    /// An object keyed by words that are data, not fields (the extensions a cluster turns on,
    /// the top level): every entry is built.
    fn by_word(&self, entries: Vec<(&'static str, Value)>) -> Value {
        let entries = entries.into_iter().map(|(k, v)| (self.word(k), v));
        Value::from(entries.collect::<BTreeMap<_, _>>())
    }

    /// Declarations by name.
    fn by_name<'a>(items: impl ExactSizeIterator<Item = (&'a String, Value)>) -> Value {
        B::by_name_of(items.len(), items)
    }

    /// `count` declarations by name, from a list that cannot tell how long it is (those of
    /// every vault): grown as it is read, tens of thousands of entries would be copied again
    /// and again, into pages the kernel must first clear.
    fn by_name_of<'a>(count: usize, items: impl Iterator<Item = (&'a String, Value)>) -> Value {
        let mut entries = Vec::with_capacity(count);
        entries.extend(items.map(|(k, v)| (k.v(), v)));
        Value::from(entries.into_iter().collect::<BTreeMap<_, _>>())
    }

    /// A declaration's resource: `{type, name}`.
    fn az(&self, kind: &str, name: &str) -> Value {
        self.resource(inventory::declared(kind, name, None))
    }

    /// A vault's secret's or key's resource, from the vault's Azure name (`vault`), which is
    /// the same for thousands of them.
    fn az_in(&self, kind: &str, vault: &str, name: &str) -> Value {
        self.resource(inventory::declared_in(kind, vault, name))
    }

    fn resource(&self, declared: Option<(&'static str, String)>) -> Value {
        match declared {
            Some((t, n)) => obj!(self, { "type" => self.word(azure_type(t)), "name" => n.v() }),
            None => Value::Null,
        }
    }
}

fn azure_type(t: &'static str) -> &'static str {
    t.split_once('@').map_or(t, |(ty, _)| ty)
}

fn platform(b: &B, p: &Platform) -> Value {
    let location = match &p.location {
        Some(StrValue::Literal(l)) => l.clone(),
        Some(StrValue::Env { name, default }) => {
            inventory::shown(&env_marker(name, default.as_deref()))
        }
        None => String::new(),
    };
    let policies: Vec<&str> = p.policies.iter().map(|(s, _)| s.as_str()).collect();
    let waivers: BTreeMap<Value, Value> = p
        .waivers
        .iter()
        .map(|w| (w.rule.v(), w.reason.v()))
        .collect();
    obj!(b, {
        "name" => p.name.v(),
        "resource_group" => crate::azure::resource_group(&p.name, "*").v(),
        "location" => location.v(),
        "tags" => p.tags.v(),
        "private_networking" => p.private_networking.v(),
        "environments" => p.environments.v(),
        "diagnostics" => p.diagnostics.as_ref().filter(|d| !d.is_empty()).v(),
        "policies" => policies.v(),
        "waivers" => Value::from(waivers),
    })
}

/// The collections of declarations that `keys` names.
fn declarations(b: &B, p: &Platform, keys: &Keys, top: &mut Vec<(&'static str, Value)>) {
    type Make = fn(&B, &Platform) -> Value;
    let collections: [(&'static str, Make); 13] = [
        ("networks", networks),
        ("logs", logs),
        ("metrics", metrics),
        ("registries", registries),
        ("vaults", vaults),
        ("secrets", secrets),
        ("keys", keys_of),
        ("certificates", certificates),
        ("appconfigs", appconfigs),
        ("key_values", key_values),
        ("storages", storages),
        ("identities", identities),
        ("clusters", clusters),
    ];
    for (key, make) in collections {
        if keys.wants(key) {
            top.push((key, make(b, p)));
        }
    }
}

fn networks(b: &B, p: &Platform) -> Value {
    B::by_name(p.networks.iter().map(|(name, n)| {
        let subnets = || {
            B::by_name(n.subnets.iter().map(|(s, x)| {
                let v = obj!(b, {
                    "prefix" => x.prefix.v(),
                    "private_endpoints" => x.private_endpoints.v(),
                });
                (s, v)
            }))
        };
        let v = obj!(b, {
            "azure" => b.az("network", name),
            "address_space" => n.address_space.v(),
            "subnets" => subnets(),
        });
        (name, v)
    }))
}

fn logs(b: &B, p: &Platform) -> Value {
    B::by_name(p.logs.iter().map(|(n, l)| {
        let v = obj!(b, {
            "azure" => b.az("logs", n),
            "retention_days" => l.retention_days.v(),
            "daily_quota_gb" => l.daily_quota_gb.v(),
            "local_auth" => l.local_auth.v(),
        });
        (n, v)
    }))
}

fn metrics(b: &B, p: &Platform) -> Value {
    B::by_name(p.metrics.iter().map(|(n, m)| {
        let v = obj!(b, { "azure" => b.az("metrics", n), "grafana" => m.grafana.v() });
        (n, v)
    }))
}

fn registries(b: &B, p: &Platform) -> Value {
    B::by_name(p.registries.iter().map(|(n, r)| {
        let v = obj!(b, {
            "azure" => b.az("registry", n),
            "sku" => r.sku.v(),
            "private" => r.private.v(),
        });
        (n, v)
    }))
}

fn vaults(b: &B, p: &Platform) -> Value {
    B::by_name(p.vaults.iter().map(|(n, x)| {
        let v = obj!(b, {
            "azure" => b.az("vault", n),
            "sku" => x.sku.v(),
            "soft_delete_days" => x.soft_delete_days.v(),
            "purge_protection" => x.purge_protection.v(),
            "private" => x.private.v(),
        });
        (n, v)
    }))
}

/// Secrets, keys and certificates are collections of their own, as each is a declaration of its
/// own in the program (`secret "NAME" in vault.V`), named across vaults.
fn secrets(b: &B, p: &Platform) -> Value {
    let count = p.vaults.values().map(|v| v.secrets.len()).sum();
    B::by_name_of(
        count,
        p.vaults.iter().flat_map(|(vn, x)| {
            let vault = vn.v();
            let vault_az = inventory::azure_name(&crate::azure::NAME_VAULT, vn);
            x.secrets.iter().map(move |(n, s)| {
                let v = obj!(b, {
                    "azure" => b.az_in("secret", &vault_az, n),
                    "vault" => vault.clone(),
                    "content_type" => s.content_type.v(),
                    "expires_after_days" => s.expires_after_days.v(),
                    "value_from" => s.env.v(),
                });
                (n, v)
            })
        }),
    )
}

fn keys_of(b: &B, p: &Platform) -> Value {
    let count = p.vaults.values().map(|v| v.keys.len()).sum();
    let all = p.vaults.iter().flat_map(|(vn, x)| {
        let vault_az = inventory::azure_name(&crate::azure::NAME_VAULT, vn);
        x.keys
            .iter()
            .map(move |(n, k)| (n, key(b, n, vn, &vault_az, k)))
    });
    B::by_name_of(count, all)
}

fn certificates(b: &B, p: &Platform) -> Value {
    let count = p.vaults.values().map(|v| v.certificates.len()).sum();
    B::by_name_of(
        count,
        p.vaults.iter().flat_map(|(vn, x)| {
            x.certificates
                .iter()
                .map(move |(n, c)| (n, certificate(b, vn, c)))
        }),
    )
}

/// Key Vault's key type as the language writes it (`rsa_hsm`).
fn key_type(spec: &KeySpec) -> String {
    spec.kty.to_ascii_lowercase().replace('-', "_")
}

fn key(b: &B, name: &str, vault: &str, vault_az: &str, k: &Key) -> Value {
    let (after, before) = match k.rotate {
        Some(Rotate::AfterCreate(d)) => (Some(d), None),
        Some(Rotate::BeforeExpiry(d)) => (None, Some(d)),
        None => (None, None),
    };
    obj!(b, {
        "azure" => b.az_in("key", vault_az, name),
        "vault" => vault.v(),
        "type" => key_type(&k.spec).v(),
        "size" => k.spec.size.v(),
        "curve" => k.spec.curve.v(),
        "operations" => k.operations.v(),
        "expires_after_days" => k.expires_after_days.v(),
        "rotate_after_days" => after.v(),
        "rotate_before_expiry_days" => before.v(),
        "notify_before_expiry_days" => k.notify_before_expiry_days.v(),
    })
}

fn certificate(b: &B, vault: &str, c: &Certificate) -> Value {
    let source = || match &c.source {
        CertificateSource::Issue {
            subject,
            dns_names,
            validity_months,
            issuer,
            renew_before_expiry_days,
        } => obj!(b, {
            "kind" => b.word("issue"),
            "subject" => subject.v(),
            "dns_names" => dns_names.v(),
            "validity_months" => validity_months.v(),
            "issuer" => issuer.v(),
            "renew_before_expiry_days" => renew_before_expiry_days.v(),
        }),
        CertificateSource::Import { env, .. } => {
            obj!(b, { "kind" => b.word("import"), "value_from" => env.v() })
        }
    };
    obj!(b, {
        "vault" => vault.v(),
        "type" => key_type(&c.spec).v(),
        "size" => c.spec.size.v(),
        "curve" => c.spec.curve.v(),
        "source" => source(),
    })
}

fn appconfigs(b: &B, p: &Platform) -> Value {
    B::by_name(p.appconfigs.iter().map(|(n, a)| {
        let v = obj!(b, {
            "azure" => b.az("appconfig", n),
            "sku" => a.sku.v(),
            "soft_delete_days" => a.soft_delete_days.v(),
            "purge_protection" => a.purge_protection.v(),
            "private" => a.private.v(),
            "key_values" => (a.entries.len() as u64).v(),
        });
        (n, v)
    }))
}

/// Every store's key-values and feature flags, apart from the stores: a large platform has tens
/// of thousands, which rules about the stores need not build.
fn key_values(b: &B, p: &Platform) -> Value {
    let mut list = Vec::with_capacity(p.appconfigs.values().map(|a| a.entries.len()).sum());
    let all = p.appconfigs.iter().flat_map(|(store, a)| {
        let store = store.v();
        a.entries.iter().map(move |e| {
            let kind = match &e.content {
                KvContent::Value { .. } => "value",
                KvContent::SecretRef { .. } => "secret",
                KvContent::FeatureFlag { .. } => "feature",
            };
            obj!(b, {
                "store" => store.clone(),
                "key" => e.key.v(),
                "label" => e.label.v(),
                "kind" => b.word(kind),
            })
        })
    });
    list.extend(all);
    Value::from(list)
}

fn storages(b: &B, p: &Platform) -> Value {
    B::by_name(p.storages.iter().map(|(n, s)| {
        let v = obj!(b, {
            "azure" => b.az("storage", n),
            "replication" => s.replication.v(),
            "containers" => s.containers.v(),
            "private" => s.private.v(),
        });
        (n, v)
    }))
}

fn identities(b: &B, p: &Platform) -> Value {
    B::by_name(p.identities.iter().map(|(n, i)| (n, identity(b, n, i))))
}

fn identity(b: &B, name: &str, i: &Identity) -> Value {
    let federations = || -> Vec<Value> {
        i.federations
            .iter()
            .map(|f| {
                obj!(b, {
                    "cluster" => f.cluster.v(),
                    "namespace" => f.namespace.v(),
                    "service_account" => f.service_account.v(),
                })
            })
            .collect()
    };
    let grants = || -> Vec<Value> {
        i.grants
            .iter()
            .map(|g| {
                let on = obj!(b, { "kind" => g.target.kind.v(), "name" => g.target.name.v() });
                obj!(b, { "role" => g.role.v(), "on" => on })
            })
            .collect()
    };
    obj!(b, {
        "azure" => b.az("identity", name),
        "federations" => Value::from(federations()),
        "grants" => Value::from(grants()),
    })
}

fn clusters(b: &B, p: &Platform) -> Value {
    B::by_name(p.clusters.iter().map(|(n, c)| (n, cluster(b, n, c))))
}

fn cluster(b: &B, name: &str, c: &Cluster) -> Value {
    let admins = || {
        let shown = |a: &Vec<String>| a.iter().map(|x| inventory::shown(x)).collect::<Vec<_>>();
        c.admins.as_ref().map(shown).v()
    };
    obj!(b, {
        "azure" => b.az("cluster", name),
        "kubernetes" => c.kubernetes.as_deref().map(inventory::shown).v(),
        "sku_tier" => c.sku_tier.v(),
        "upgrade_channel" => c.upgrade_channel.v(),
        "node_os_upgrade_channel" => c.node_os_upgrade_channel.v(),
        "registry" => c.registry.v(),
        "private_cluster" => c.private_cluster.v(),
        "admins" => admins(),
        "defender" => c.defender.as_ref().map(|(l, _)| l).v(),
        "kms" => c.kms.as_ref().map(|(k, _)| k).v(),
        "network" => network(b, &c.network),
        "pools" => B::by_name(c.pools.iter().map(|p| (&p.name, pool(b, p)))),
        "monitoring" => obj!(b, { "logs" => c.logs.v(), "metrics" => c.metrics.v() }),
        "extensions" => extensions(b, c),
        "gitops" => B::by_name(c.gitops.iter().map(|(n, g)| (n, gitops(b, g)))),
    })
}

fn network(b: &B, n: &ClusterNetwork) -> Value {
    let subnet = |s: &Option<(String, String)>| s.as_ref().map(|(a, c)| format!("{a}.{c}")).v();
    let plugin = if n.overlay {
        "azure_cni_overlay"
    } else {
        "azure_cni"
    };
    obj!(b, {
        "subnet" => subnet(&n.subnet),
        "plugin" => b.word(plugin),
        "dataplane" => n.dataplane.v(),
        "policy" => n.policy.v(),
        "pod_cidr" => n.pod_cidr.v(),
        "service_cidr" => n.service_cidr.v(),
        "dns_service_ip" => n.dns_service_ip.v(),
        "outbound" => n.outbound.v(),
        "api_server_subnet" => subnet(&n.api_server_subnet),
    })
}

fn pool(b: &B, p: &Pool) -> Value {
    let autoscale = || match p.autoscale {
        Some((min, max)) => obj!(b, { "min" => min.v(), "max" => max.v() }),
        None => Value::Null,
    };
    let mode = if p.system { "system" } else { "user" };
    obj!(b, {
        "vm_size" => inventory::shown(&p.vm_size).v(),
        "mode" => b.word(mode),
        "count" => p.count.v(),
        "autoscale" => autoscale(),
        "zones" => p.zones.v(),
        "max_pods" => p.max_pods.v(),
        "os_sku" => p.os_sku.v(),
        "taints" => p.taints.v(),
        "labels" => p.labels.v(),
    })
}

/// The extensions a cluster turns on, by the word that turns them on, with their settings.
fn extensions(b: &B, c: &Cluster) -> Value {
    let mut on: Vec<(&'static str, Value)> = Vec::new();
    if c.flux {
        on.push(("flux", obj!(b, {})));
    }
    if c.app_config_provider {
        on.push(("app_config_provider", obj!(b, {})));
    }
    if let Some(secs) = c.keyvault_csi {
        on.push(("keyvault_csi", obj!(b, { "rotation_seconds" => secs.v() })));
    }
    if let Some(i) = &c.istio {
        let ingress = i.ingress.as_deref().unwrap_or("none");
        let v = obj!(b, {
            "revision" => inventory::shown(&i.revision).v(),
            "ingress" => ingress.v(),
        });
        on.push(("istio", v));
    }
    if let Some(a) = &c.azure_policy {
        let baseline = a.initiative.as_deref().unwrap_or("none");
        let v = obj!(b, { "baseline" => baseline.v(), "effect" => a.effect.v() });
        on.push(("azure_policy", v));
    }
    if c.prometheus {
        on.push(("prometheus", obj!(b, {})));
    }
    b.by_word(on)
}

fn gitops(b: &B, g: &Gitops) -> Value {
    let source = || match &g.source {
        // The reference's kind (`branch`, `tag`, `semver`, `commit`) is its key.
        GitopsSource::Git { url, reference } => {
            let at = |kind: &str| {
                if reference.0 == kind {
                    reference.1.v()
                } else {
                    Value::Null
                }
            };
            obj!(b, {
                "kind" => b.word("git"),
                "url" => url.v(),
                "branch" => at("branch"),
                "tag" => at("tag"),
                "semver" => at("semver"),
                "commit" => at("commit"),
            })
        }
        GitopsSource::Blob {
            storage,
            container,
            upload,
        } => obj!(b, {
            "kind" => b.word("blob"),
            "storage" => storage.v(),
            "container" => container.v(),
            "upload" => upload.as_ref().map(|u| &u.dir).v(),
        }),
    };
    let kustomizations = || {
        B::by_name(g.kustomizations.iter().map(|(n, k)| {
            let v = obj!(b, {
                "path" => k.path.v(),
                "depends_on" => k.depends_on.v(),
                "prune" => k.prune.v(),
                "interval_seconds" => k.interval_secs.v(),
                "substitute" => k.substitute.v(),
            });
            (n, v)
        }))
    };
    obj!(b, {
        "namespace" => g.namespace.v(),
        "source" => source(),
        "interval_seconds" => g.interval_secs.v(),
        "kustomizations" => kustomizations(),
    })
}

/// Every role assignment the platform makes, declared or derived: role, principal, scope (as
/// Azure names them, `*` for the token), and the declaration that makes it.
fn grants(b: &B, p: &Platform, spans: &mut Vec<Span>) -> Value {
    let assignments = inventory::of_type(p, crate::azure::types::ROLE_ASSIGNMENT);
    let mut list = Vec::with_capacity(assignments.len());
    list.extend(assignments.iter().filter_map(|r| {
        let (role, principal, scope) = inventory::grant_parts(&r.name)?;
        spans.push(r.span);
        Some(obj!(b, {
            "role" => role.v(),
            "principal" => principal.v(),
            "scope" => scope.v(),
            "declaration" => r.what.v(),
        }))
    }));
    Value::from(list)
}

fn private_endpoints(b: &B, p: &Platform, spans: &mut Vec<Span>) -> Value {
    let endpoints = inventory::of_type(p, crate::azure::types::PRIVATE_ENDPOINT);
    let out = endpoints.iter().map(|r| {
        spans.push(r.span);
        let of = r
            .what
            .strip_prefix("private endpoint of ")
            .unwrap_or(&r.what);
        obj!(b, { "name" => r.name.v(), "declaration" => of.v() })
    });
    Value::from(out.collect::<Vec<_>>())
}

fn resources(b: &B, p: &Platform, spans: &mut Vec<Span>) -> Value {
    let listed = inventory::inventory(p).into_iter().map(|r| {
        spans.push(r.span);
        obj!(b, {
            "type" => b.word(azure_type(r.type_)),
            "name" => r.name.v(),
            "declaration" => r.what.v(),
        })
    });
    Value::from(listed.collect::<Vec<_>>())
}
