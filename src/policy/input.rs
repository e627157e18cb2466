//! The input a rule sees: one environment's checked platform as JSON (spec.md §9, "Input"),
//! with what platc derives from it: the Azure name and type of each declaration, every role
//! assignment, private endpoint and resource the platform deploys (`plan::inventory`, which a
//! test holds to the source map lowering writes).

use crate::model::*;
use crate::plan::inventory;
use crate::source::Span;
use serde_json::{Map, Value, json};

/// The input's schema version: it changes only when a field changes meaning or disappears.
pub const VERSION: u64 = 1;

/// One environment's input, with the spans of the entries of its derived lists (`grants`,
/// `private_endpoints`, `resources`), which name no declaration of their own.
pub struct Input {
    pub value: Value,
    pub derived: Derived,
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
    select(p, environment, &Keys::All)
}

/// The input with the keys `keys` names (and `version`, `environment` and `platform` always).
pub fn select(p: &Platform, environment: Option<&str>, keys: &Keys) -> Input {
    let mut derived = Derived::default();
    let mut v = Map::new();
    v.insert("version".into(), json!(VERSION));
    v.insert("environment".into(), json!(environment));
    v.insert("platform".into(), platform(p));
    declarations(p, keys, &mut v);
    if keys.wants("grants") {
        v.insert("grants".into(), grants(p, &mut derived.grants));
    }
    if keys.wants("private_endpoints") {
        let endpoints = private_endpoints(p, &mut derived.private_endpoints);
        v.insert("private_endpoints".into(), endpoints);
    }
    if keys.wants("resources") {
        let listed = inventory::inventory(p).into_iter().map(|r| {
            derived.resources.push(r.span);
            json!({"type": azure_type(r.type_), "name": r.name, "declaration": r.what})
        });
        v.insert("resources".into(), Value::Array(listed.collect()));
    }
    Input {
        value: Value::Object(v),
        derived,
    }
}

/// A declaration's resource: `{type, name}`.
fn az(kind: &str, name: &str, vault: Option<&str>) -> Value {
    match inventory::declared(kind, name, vault) {
        Some((t, n)) => json!({"type": azure_type(t), "name": n}),
        None => Value::Null,
    }
}

fn map(m: &crate::collections::IndexMap<String, String>) -> Value {
    Value::Object(m.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
}

fn azure_type(t: &str) -> &str {
    t.split_once('@').map_or(t, |(ty, _)| ty)
}

fn platform(p: &Platform) -> Value {
    let location = match &p.location {
        Some(StrValue::Literal(l)) => l.clone(),
        Some(StrValue::Env { name, default }) => {
            inventory::shown(&env_marker(name, default.as_deref()))
        }
        None => String::new(),
    };
    let policies: Vec<&str> = p.policies.iter().map(|(s, _)| s.as_str()).collect();
    let waivers: Map<String, Value> = p
        .waivers
        .iter()
        .map(|w| (w.rule.clone(), json!(w.reason)))
        .collect();
    json!({
        "name": p.name,
        "resource_group": crate::azure::resource_group(&p.name, "*"),
        "location": location,
        "tags": map(&p.tags),
        "private_networking": p.private_networking,
        "environments": p.environments,
        "diagnostics": p.diagnostics.as_ref().filter(|d| !d.is_empty()),
        "policies": policies,
        "waivers": waivers,
    })
}

fn declarations(p: &Platform, keys: &Keys, v: &mut Map<String, Value>) {
    let mut put = |key: &str, make: &dyn Fn() -> Value| {
        if keys.wants(key) {
            v.insert(key.into(), make());
        }
    };
    put("networks", &|| {
        collect(p.networks.iter().map(|(n, x)| (n, network(n, x))))
    });
    put("logs", &|| {
        collect(p.logs.iter().map(|(n, l)| {
            let v = json!({"azure": az("logs", n, None), "retention_days": l.retention_days,
                "daily_quota_gb": l.daily_quota_gb, "local_auth": l.local_auth});
            (n, v)
        }))
    });
    put("metrics", &|| {
        collect(p.metrics.iter().map(|(n, m)| {
            (
                n,
                json!({"azure": az("metrics", n, None), "grafana": m.grafana}),
            )
        }))
    });
    put("registries", &|| {
        collect(p.registries.iter().map(|(n, r)| {
            let v = json!({"azure": az("registry", n, None), "sku": r.sku, "private": r.private});
            (n, v)
        }))
    });
    put("vaults", &|| vaults(p));
    put("secrets", &|| secrets(p));
    put("keys", &|| keys_of(p));
    put("certificates", &|| certificates(p));
    put("appconfigs", &|| {
        collect(p.appconfigs.iter().map(|(n, a)| (n, appconfig(n, a))))
    });
    put("key_values", &|| key_values(p));
    put("storages", &|| {
        collect(p.storages.iter().map(|(n, s)| {
            let v = json!({"azure": az("storage", n, None), "replication": s.replication,
                "containers": s.containers, "private": s.private});
            (n, v)
        }))
    });
    put("identities", &|| {
        collect(p.identities.iter().map(|(n, i)| (n, identity(n, i))))
    });
    put("clusters", &|| {
        collect(p.clusters.iter().map(|(n, c)| (n, cluster(n, c))))
    });
}

fn collect<'a>(items: impl Iterator<Item = (&'a String, Value)>) -> Value {
    Value::Object(items.map(|(k, v)| (k.clone(), v)).collect())
}

fn network(name: &str, n: &Network) -> Value {
    let subnets: Map<String, Value> = n
        .subnets
        .iter()
        .map(|(s, x)| {
            let v = json!({"prefix": x.prefix, "private_endpoints": x.private_endpoints});
            (s.clone(), v)
        })
        .collect();
    json!({"azure": az("network", name, None), "address_space": n.address_space, "subnets": subnets})
}

fn vaults(p: &Platform) -> Value {
    collect(p.vaults.iter().map(|(n, x)| {
        let v = json!({"azure": az("vault", n, None), "sku": x.sku,
            "soft_delete_days": x.soft_delete_days, "purge_protection": x.purge_protection,
            "private": x.private});
        (n, v)
    }))
}

/// Secrets, keys and certificates are collections of their own, as each is a declaration of its
/// own in the program (`secret "NAME" in vault.V`), named across vaults.
fn secrets(p: &Platform) -> Value {
    let all = p.vaults.iter().flat_map(|(vn, x)| {
        x.secrets.iter().map(move |(n, s)| {
            let v = json!({"azure": az("secret", n, Some(vn)), "vault": vn,
                "content_type": s.content_type, "expires_after_days": s.expires_after_days,
                "value_from": s.env});
            (n, v)
        })
    });
    collect(all)
}

fn keys_of(p: &Platform) -> Value {
    let all = p.vaults.iter().flat_map(|(vn, x)| {
        x.keys
            .iter()
            .map(move |(n, k)| (n, key(vn, k, az("key", n, Some(vn)))))
    });
    collect(all)
}

fn certificates(p: &Platform) -> Value {
    let all = p.vaults.iter().flat_map(|(vn, x)| {
        x.certificates
            .iter()
            .map(move |(n, c)| (n, certificate(vn, c)))
    });
    collect(all)
}

/// Key Vault's key type as the language writes it (`rsa_hsm`).
fn key_type(spec: &KeySpec) -> String {
    spec.kty.to_ascii_lowercase().replace('-', "_")
}

fn key(vault: &str, k: &Key, azure: Value) -> Value {
    let (after, before) = match k.rotate {
        Some(Rotate::AfterCreate(d)) => (Some(d), None),
        Some(Rotate::BeforeExpiry(d)) => (None, Some(d)),
        None => (None, None),
    };
    json!({"azure": azure, "vault": vault, "type": key_type(&k.spec), "size": k.spec.size,
        "curve": k.spec.curve, "operations": k.operations, "expires_after_days": k.expires_after_days,
        "rotate_after_days": after, "rotate_before_expiry_days": before,
        "notify_before_expiry_days": k.notify_before_expiry_days})
}

fn certificate(vault: &str, c: &Certificate) -> Value {
    let mut v = json!({"vault": vault, "type": key_type(&c.spec), "size": c.spec.size, "curve": c.spec.curve});
    let source = match &c.source {
        CertificateSource::Issue {
            subject,
            dns_names,
            validity_months,
            issuer,
            renew_before_expiry_days,
        } => json!({"kind": "issue", "subject": subject, "dns_names": dns_names,
            "validity_months": validity_months, "issuer": issuer,
            "renew_before_expiry_days": renew_before_expiry_days}),
        CertificateSource::Import { env, .. } => json!({"kind": "import", "value_from": env}),
    };
    v["source"] = source;
    v
}

fn appconfig(name: &str, a: &AppConfig) -> Value {
    json!({"azure": az("appconfig", name, None), "sku": a.sku,
        "soft_delete_days": a.soft_delete_days, "purge_protection": a.purge_protection,
        "private": a.private, "key_values": a.entries.len()})
}

/// Every store's key-values and feature flags, apart from the stores: a large platform has tens
/// of thousands, which rules about the stores need not build.
fn key_values(p: &Platform) -> Value {
    let all = p.appconfigs.iter().flat_map(|(store, a)| {
        a.entries.iter().map(move |e| {
            let kind = match &e.content {
                KvContent::Value { .. } => "value",
                KvContent::SecretRef { .. } => "secret",
                KvContent::FeatureFlag { .. } => "feature",
            };
            json!({"store": store, "key": e.key, "label": e.label, "kind": kind})
        })
    });
    Value::Array(all.collect())
}

fn identity(name: &str, i: &Identity) -> Value {
    let federations: Vec<Value> = i
        .federations
        .iter()
        .map(|f| json!({"cluster": f.cluster, "namespace": f.namespace, "service_account": f.service_account}))
        .collect();
    let grants: Vec<Value> = i
        .grants
        .iter()
        .map(|g| json!({"role": g.role, "on": {"kind": g.target.kind, "name": g.target.name}}))
        .collect();
    let azure = az("identity", name, None);
    json!({"azure": azure, "federations": federations, "grants": grants})
}

fn cluster(name: &str, c: &Cluster) -> Value {
    let pools: Map<String, Value> = c.pools.iter().map(|p| (p.name.clone(), pool(p))).collect();
    let gitops: Map<String, Value> = c
        .gitops
        .iter()
        .map(|(n, g)| (n.clone(), gitops(g)))
        .collect();
    let n = &c.network;
    let subnet = |s: &Option<(String, String)>| s.as_ref().map(|(a, b)| format!("{a}.{b}"));
    let network = json!({"subnet": subnet(&n.subnet), "plugin": if n.overlay { "azure_cni_overlay" } else { "azure_cni" },
        "dataplane": n.dataplane, "policy": n.policy, "pod_cidr": n.pod_cidr, "service_cidr": n.service_cidr,
        "dns_service_ip": n.dns_service_ip, "outbound": n.outbound,
        "api_server_subnet": subnet(&n.api_server_subnet)});
    let azure = az("cluster", name, None);
    json!({"azure": azure, "kubernetes": c.kubernetes.as_deref().map(inventory::shown),
        "sku_tier": c.sku_tier, "upgrade_channel": c.upgrade_channel,
        "node_os_upgrade_channel": c.node_os_upgrade_channel, "registry": c.registry,
        "private_cluster": c.private_cluster,
        "admins": c.admins.as_ref().map(|a| a.iter().map(|x| inventory::shown(x)).collect::<Vec<_>>()),
        "defender": c.defender.as_ref().map(|(l, _)| l), "kms": c.kms.as_ref().map(|(k, _)| k),
        "network": network, "pools": pools,
        "monitoring": {"logs": c.logs, "metrics": c.metrics},
        "extensions": extensions(c), "gitops": gitops})
}

fn pool(p: &Pool) -> Value {
    let autoscale = p
        .autoscale
        .map(|(min, max)| json!({"min": min, "max": max}));
    json!({"vm_size": inventory::shown(&p.vm_size), "mode": if p.system { "system" } else { "user" },
        "count": p.count, "autoscale": autoscale, "zones": p.zones, "max_pods": p.max_pods,
        "os_sku": p.os_sku, "taints": p.taints, "labels": map(&p.labels)})
}

/// The extensions a cluster turns on, by the word that turns them on, with their settings.
fn extensions(c: &Cluster) -> Value {
    let mut e = Map::new();
    let mut on = |word: &str, v: Value| {
        e.insert(word.into(), v);
    };
    if c.flux {
        on("flux", json!({}));
    }
    if c.app_config_provider {
        on("app_config_provider", json!({}));
    }
    if let Some(secs) = c.keyvault_csi {
        on("keyvault_csi", json!({"rotation_seconds": secs}));
    }
    if let Some(i) = &c.istio {
        on(
            "istio",
            json!({"revision": inventory::shown(&i.revision), "ingress": i.ingress.as_deref().unwrap_or("none")}),
        );
    }
    if let Some(a) = &c.azure_policy {
        let baseline = a.initiative.as_deref().unwrap_or("none");
        on(
            "azure_policy",
            json!({"baseline": baseline, "effect": a.effect}),
        );
    }
    if c.prometheus {
        on("prometheus", json!({}));
    }
    Value::Object(e)
}

fn gitops(g: &Gitops) -> Value {
    let source = match &g.source {
        GitopsSource::Git { url, reference } => {
            json!({"kind": "git", "url": url, reference.0.clone(): reference.1})
        }
        GitopsSource::Blob {
            storage,
            container,
            upload,
        } => json!({"kind": "blob", "storage": storage, "container": container,
            "upload": upload.as_ref().map(|u| &u.dir)}),
    };
    let kustomizations: Map<String, Value> = g
        .kustomizations
        .iter()
        .map(|(n, k)| {
            let v = json!({"path": k.path, "depends_on": k.depends_on, "prune": k.prune,
                "interval_seconds": k.interval_secs, "substitute": k.substitute});
            (n.clone(), v)
        })
        .collect();
    json!({"namespace": g.namespace, "source": source, "interval_seconds": g.interval_secs,
        "kustomizations": kustomizations})
}

/// Every role assignment the platform makes, declared or derived: role, principal, scope (as
/// Azure names them, `*` for the token), and the declaration that makes it.
fn grants(p: &Platform, spans: &mut Vec<Span>) -> Value {
    let assignments = inventory::of_type(p, crate::azure::types::ROLE_ASSIGNMENT);
    let out = assignments.into_iter().filter_map(|r| {
        let (role, principal, scope) = inventory::grant_parts(&r.name)?;
        spans.push(r.span);
        Some(json!({"role": role, "principal": principal, "scope": scope, "declaration": r.what}))
    });
    Value::Array(out.collect())
}

fn private_endpoints(p: &Platform, spans: &mut Vec<Span>) -> Value {
    let endpoints = inventory::of_type(p, crate::azure::types::PRIVATE_ENDPOINT);
    let out = endpoints.into_iter().map(|r| {
        spans.push(r.span);
        let of = r
            .what
            .strip_prefix("private endpoint of ")
            .unwrap_or(&r.what);
        json!({"name": r.name, "declaration": of})
    });
    Value::Array(out.collect())
}
