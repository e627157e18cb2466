//! Validated blocks to model structs, one function per kind, in source order.

use super::{Checker, Fields, env_stem, env_value, in_target, label, rules};
use crate::azure;
use crate::diag::{self, Code, Diagnostic};
use crate::model::*;
use crate::schema;
use crate::source::Span;
use crate::syntax::ast::{self, Statement, ValueKind};

pub(super) fn platform(c: &mut Checker, files: &[ast::File]) -> Platform {
    let mut p = Platform {
        private_networking: true,
        ..Platform::default()
    };
    let (platform_block, mut children) = top_level(c, files);
    // The platform block first: its defaults (private networking) shape the others.
    match platform_block {
        Some(b) => platform_fields(c, &mut p, b),
        None => missing_platform(c, files),
    }
    declarations(c, &mut p, files, &children);
    attach_children(c, &mut p, &mut children);
    rules::platform_rules(c, &p);
    p
}

/// A declaration that attaches to a parent: a secret to a vault, config or a feature to a store.
type Child<'a> = (&'static schema::Kind, &'a ast::Block);

/// The one `platform` block and the children, reporting what stands at the top level but may
/// not: fields, unknown kinds, a second platform.
fn top_level<'a>(
    c: &mut Checker,
    files: &'a [ast::File],
) -> (Option<&'a ast::Block>, Vec<Child<'a>>) {
    let mut platform_block: Option<&ast::Block> = None;
    // Children (secrets, config, features) attach to parents that may come later in the file.
    let mut children: Vec<Child> = Vec::new();
    for file in files {
        for st in &file.statements {
            let b = match st {
                Statement::Block(b) => b,
                Statement::Attribute(a) => {
                    let d = Diagnostic::new(
                        Code::UnknownField,
                        format!("field `{}` outside any declaration", a.key.name),
                        a.key.span,
                        "not inside a block",
                    )
                    .with_help(
                        "move it into the block it belongs to, e.g. `platform \"NAME\" { ... }`",
                    );
                    c.report(d);
                    continue;
                }
            };
            // Imports were followed when the program was loaded.
            if b.kind.name == "import" {
                continue;
            }
            if schema::top_level(&b.kind.name).is_none() {
                unknown_kind(c, b);
                c.guessed.push(b.span);
            }
            let Some(kind) = super::top_kind(b) else {
                c.lost = true;
                continue;
            };
            // Without its name, what the declaration declares cannot be found by its references.
            if b.label.is_none() && kind.name != "platform" {
                c.lost = true;
            }
            match kind.name {
                "platform" => {
                    if let Some(prev) = platform_block {
                        let d = Diagnostic::new(
                            Code::MissingPlatform,
                            "a second `platform` block",
                            b.head_span(),
                            "second platform",
                        )
                        .with_secondary(prev.head_span(), "first platform")
                        .with_help("keep one `platform` block per program");
                        c.report(d);
                        continue;
                    }
                    platform_block = Some(b);
                }
                "secret" | "key" | "certificate" | "config" | "feature" => {
                    children.push((kind, b));
                }
                _ => {}
            }
        }
    }
    (platform_block, children)
}

fn unknown_kind(c: &mut Checker, b: &ast::Block) {
    let names: Vec<&str> = schema::TOP_LEVEL.iter().map(|k| k.name).collect();
    let mut d = Diagnostic::new(
        Code::UnknownKind,
        format!("unknown declaration kind `{}`", b.kind.name),
        b.kind.span,
        "unknown kind",
    );
    d = match diag::did_you_mean(&b.kind.name, names.iter().copied()) {
        Some(s) => d.suggest(b.kind.span, s),
        None => d.with_help(format!("declarations are {}", diag::one_of(&names))),
    };
    c.report(d);
}

fn platform_fields(c: &mut Checker, p: &mut Platform, b: &ast::Block) {
    let f = c.validate(b, &schema::PLATFORM);
    p.name = label(b);
    p.span = b.head_span();
    p.location = Some(match f.value("location").map(|v| &v.kind) {
        Some(ValueKind::Str(s)) => StrValue::Literal(s.as_str().to_owned()),
        Some(ValueKind::Call { args, .. }) => env_value(args),
        _ => StrValue::Env {
            name: "AZURE_LOCATION".into(),
            default: None,
        },
    });
    p.tags = f
        .map("tags")
        .into_iter()
        .filter_map(|(k, v)| str_of(v).map(|s| (k.name.as_str().to_owned(), s)))
        .collect();
    rules::tags(c, &f.map("tags"));
    p.private_networking = f.bool("private_networking").unwrap_or(true);
    p.environments = f.strings("environments");
    p.policies = f
        .list("policies")
        .into_iter()
        .filter_map(|v| str_of(v).map(|s| (s, v.span)))
        .collect();
    p.waivers = f
        .map("waivers")
        .into_iter()
        .filter_map(|(k, v)| {
            Some(crate::model::Waiver {
                rule: k.name.as_str().to_owned(),
                rule_span: k.span,
                reason: str_of(v)?,
                reason_span: v.span,
            })
        })
        .collect();
    p.diagnostics = f.reference("diagnostics");
    if p.diagnostics.is_none() && super::block_sets(b, "diagnostics") {
        // Named, but not a workspace that could be read (already reported): no further
        // "say which workspace" about a choice the author has made.
        p.diagnostics = Some(String::new());
    }
    rules::platform_name(c, b);
}

fn missing_platform(c: &mut Checker, files: &[ast::File]) {
    let span = files
        .first()
        .map(|f| crate::source::Span::new(f.id, 0, 0))
        .unwrap_or_default();
    let d = Diagnostic::new(
        Code::MissingPlatform,
        "no `platform` block",
        span,
        "expected a platform declaration",
    )
    .with_help("start the program with `platform \"NAME\" { location = env(\"AZURE_LOCATION\") }`");
    c.report(d);
}

/// The platform's own declarations (not the children), built on two threads when there are many.
fn declarations(c: &mut Checker, p: &mut Platform, files: &[ast::File], children: &[Child]) {
    let stores_with_entries: crate::collections::IndexSet<&str> = children
        .iter()
        .filter_map(|(k, cb)| match in_target(cb) {
            Some(("appconfig", store)) if !in_vault(k.name) => Some(store),
            _ => None,
        })
        .collect();
    let blocks: Vec<(&'static schema::Kind, &ast::Block)> = files
        .iter()
        .flat_map(|f| &f.statements)
        .filter_map(|st| match st {
            Statement::Block(b) => Some((super::top_kind(b)?, b)),
            Statement::Attribute(_) => None,
        })
        .filter(|(kind, _)| !is_child(kind.name) && kind.name != "platform")
        .collect();
    let private_networking = p.private_networking;
    let decls = c.in_halves(&blocks, |c, &(kind, b)| {
        declaration(c, kind, b, private_networking, &stores_with_entries)
    });
    // The first declaration of a name is the one kept; a second was reported when collected.
    fn keep<V>(map: &mut crate::collections::IndexMap<String, V>, name: String, v: V) {
        map.entry(name).or_insert(v);
    }
    for d in decls {
        match d {
            Decl::Network(name, v) => keep(&mut p.networks, name, v),
            Decl::Logs(name, v) => keep(&mut p.logs, name, v),
            Decl::Metrics(name, v) => keep(&mut p.metrics, name, v),
            Decl::Registry(name, v) => keep(&mut p.registries, name, v),
            Decl::Vault(name, v) => keep(&mut p.vaults, name, v),
            Decl::AppConfig(name, v) => keep(&mut p.appconfigs, name, v),
            Decl::Storage(name, v) => keep(&mut p.storages, name, v),
            Decl::Identity(name, v) => keep(&mut p.identities, name, v),
            Decl::Cluster(name, v) => keep(&mut p.clusters, name, *v),
        }
    }
}

/// Kinds that live in a vault: their names share the vault's one namespace of objects.
fn in_vault(kind: &str) -> bool {
    matches!(kind, "secret" | "key" | "certificate")
}

/// Kinds declared apart from their parent: `KIND "NAME" in PARENT.NAME`.
fn is_child(kind: &str) -> bool {
    in_vault(kind) || matches!(kind, "config" | "feature")
}

/// Secrets, keys and certificates to their vaults, then config and features to their stores.
fn attach_children(c: &mut Checker, p: &mut Platform, children: &mut [Child]) {
    // Vault objects first: config entries may reference secrets wherever they stand.
    children.sort_by_key(|(k, _)| !in_vault(k.name));
    let in_vaults = children
        .iter()
        .take_while(|(k, _)| in_vault(k.name))
        .count();
    let (vault_blocks, entry_blocks) = children.split_at(in_vaults);
    let found = c.in_halves(vault_blocks, |c, &(kind, b)| vault_object(c, kind, b));
    for (parent, name, span, kind, found) in found {
        let Some(vault) = p.vaults.get_mut(parent) else {
            continue;
        };
        if let Some(d) = vault_name_taken(vault, parent, &name, span, kind) {
            c.report(d);
            continue;
        }
        match found {
            Some(VaultObject::Secret(x)) => {
                vault.secrets.insert(name, x);
            }
            Some(VaultObject::Key(x)) => {
                vault.keys.insert(name, *x);
            }
            Some(VaultObject::Certificate(x)) => {
                vault.certificates.insert(name, *x);
            }
            None => {}
        }
    }
    super::keys::vault_objects(c, p);
    let with_secrets: &Platform = p;
    let entries = c.in_halves(entry_blocks, |c, &(kind, b)| {
        entries(c, kind, b, with_secrets)
    });
    for (parent, entries) in entries {
        if let Some(store) = p.appconfigs.get_mut(parent) {
            store.entries.extend(entries);
        }
    }
}

/// A certificate is a key and a secret of its name in Key Vault: a secret or key of the same
/// name in the same vault would be refused. A second one of the same kind was reported when
/// names were collected, so it is skipped without a word.
fn vault_name_taken(
    v: &Vault,
    vault: &str,
    name: &str,
    at: Span,
    kind: &str,
) -> Option<Diagnostic> {
    let first = [
        ("secret", v.secrets.get(name).map(|x| x.meta.span)),
        ("key", v.keys.get(name).map(|x| x.meta.span)),
        ("certificate", v.certificates.get(name).map(|x| x.meta.span)),
    ]
    .into_iter()
    .find_map(|(k, s)| s.map(|s| (k, s)))?;
    if first.0 == kind {
        return None;
    }
    Some(
        Diagnostic::new(
            Code::Duplicate,
            format!("vault `{vault}` already holds a {} named `{name}`", first.0),
            at,
            "same name in the same vault",
        )
        .with_secondary(first.1, format!("the {} is declared here", first.0))
        .with_help("a Key Vault certificate is stored as a key and a secret of its own name: give each object of a vault a name of its own"),
    )
}

enum VaultObject {
    Secret(Secret),
    Key(Box<Key>),
    Certificate(Box<Certificate>),
}

/// A vault object's parent vault, name, span and kind, and the object where it could be built.
type Found<'a> = (&'a str, String, Span, &'static str, Option<VaultObject>);

fn vault_object<'a>(
    c: &mut Checker,
    kind: &'static schema::Kind,
    b: &'a ast::Block,
) -> Option<Found<'a>> {
    let (parent, name, span, object) = match kind.name {
        "secret" => {
            let (p, n, s, x) = secret(c, kind, b)?;
            (p, n, s, x.map(VaultObject::Secret))
        }
        "key" => {
            let (p, n, s, x) = super::keys::key(c, kind, b)?;
            (p, n, s, x.map(|x| VaultObject::Key(Box::new(x))))
        }
        _ => {
            let (p, n, s, x) = super::keys::certificate(c, kind, b)?;
            (p, n, s, x.map(|x| VaultObject::Certificate(Box::new(x))))
        }
    };
    Some((parent, name, span, kind.name, object))
}

/// A secret's parent vault, name and span, and the secret where its value is `secure(...)`.
type FoundSecret<'a> = (&'a str, String, Span, Option<Secret>);

fn secret<'a>(
    c: &mut Checker,
    kind: &'static schema::Kind,
    b: &'a ast::Block,
) -> Option<FoundSecret<'a>> {
    // `db-password` is read from `DB_PASSWORD`, should its value be written in the source.
    c.secret_var = Some(env_stem(&label(b)))
        .filter(|v| super::is_env_name(v))
        .or_else(|| Some("SECRET_VALUE".into()));
    let f = c.validate(b, kind);
    c.secret_var = None;
    let (_, parent) = in_target(b)?;
    let name = label(b);
    let meta = super::meta(b);
    let span = meta.span;
    rules::vault_object_name(c, b, "secret");
    let found = f.secure("value").map(|env| {
        let expires = f.secs("expires_after").unwrap_or(180 * 86_400);
        Secret {
            meta,
            env,
            content_type: f.str_or("content_type", "text/plain"),
            expires_after_days: expires.div_ceil(86_400),
        }
    });
    Some((parent, name, span, found))
}

/// A `config` or `feature` declaration's key-values, with the store they go to.
fn entries<'a>(
    c: &mut Checker,
    kind: &'static schema::Kind,
    b: &'a ast::Block,
    p: &Platform,
) -> Option<(&'a str, Vec<KeyValue>)> {
    let f = c.validate(b, kind);
    let (_, parent) = in_target(b)?;
    let name = label(b);
    let span = b.label.as_ref().map_or(b.kind.span, |l| l.span);
    match kind.name {
        "config" => Some((parent, config_entries(c, &f, p, &name, span))),
        "feature" => {
            rules::feature_id(c, b);
            let description = f.str("description");
            let mut entries = vec![KeyValue {
                span,
                key: format!("{}{name}", azure::FEATURE_FLAG_PREFIX),
                label: None,
                content: KvContent::FeatureFlag {
                    id: name.clone(),
                    description: description.clone(),
                    enabled: f.bool("enabled").unwrap_or(false),
                },
            }];
            for (k, v) in f.map("labels") {
                if let ValueKind::Bool(enabled) = v.kind {
                    rules::kv_label(c, &k.name, k.span);
                    entries.push(KeyValue {
                        span: k.span,
                        key: format!("{}{name}", azure::FEATURE_FLAG_PREFIX),
                        label: Some(k.name.as_str().to_owned()),
                        content: KvContent::FeatureFlag {
                            id: name.clone(),
                            description: description.clone(),
                            enabled,
                        },
                    });
                }
            }
            Some((parent, entries))
        }
        _ => None,
    }
}

/// A declaration of the platform's own kinds (not the children: secrets, config, features),
/// validated and built, before it joins the platform.
enum Decl {
    Network(String, Network),
    Logs(String, Logs),
    Metrics(String, Metrics),
    Registry(String, Registry),
    Vault(String, Vault),
    AppConfig(String, AppConfig),
    Storage(String, Storage),
    Identity(String, Identity),
    Cluster(String, Box<Cluster>),
}

fn declaration(
    c: &mut Checker,
    kind: &'static schema::Kind,
    b: &ast::Block,
    private_networking: bool,
    stores_with_entries: &crate::collections::IndexSet<&str>,
) -> Option<Decl> {
    let name = label(b);
    let meta = super::meta(b);
    Some(match kind.name {
        "network" => {
            let f = c.validate(b, kind);
            Decl::Network(name, network(c, &f, meta))
        }
        "logs" => {
            let f = c.validate(b, kind);
            Decl::Logs(name, logs(c, &f, meta))
        }
        "metrics" => {
            let f = c.validate(b, kind);
            Decl::Metrics(name, metrics(c, &f, meta))
        }
        "registry" => {
            let f = c.validate(b, kind);
            Decl::Registry(name, registry(c, &f, meta, private_networking))
        }
        "vault" => {
            let f = c.validate(b, kind);
            Decl::Vault(name, vault(c, &f, meta, private_networking))
        }
        "appconfig" => {
            let f = c.validate(b, kind);
            let holds_entries = stores_with_entries.contains(name.as_str());
            let a = appconfig(c, &f, meta, private_networking, holds_entries);
            Decl::AppConfig(name, a)
        }
        "storage" => {
            let f = c.validate(b, kind);
            Decl::Storage(name, storage(c, &f, meta, private_networking))
        }
        "identity" => {
            let f = c.validate(b, kind);
            Decl::Identity(name, identity(c, &f, meta))
        }
        "cluster" => {
            let f = c.validate(b, kind);
            let cl = cluster(c, &f, meta, private_networking);
            Decl::Cluster(name, Box::new(cl))
        }
        _ => return None,
    })
}

fn logs(c: &mut Checker, f: &Fields, meta: Meta) -> Logs {
    rules::name(c, f.block, &azure::NAME_LOGS);
    Logs {
        meta,
        retention_days: f.int("retention_days").unwrap_or(30),
        daily_quota_gb: f.int("daily_quota_gb"),
        local_auth: f.bool("local_auth").unwrap_or(false),
    }
}

fn metrics(c: &mut Checker, f: &Fields, meta: Meta) -> Metrics {
    rules::name(c, f.block, &azure::NAME_MONITOR);
    let grafana = f.bool("grafana").unwrap_or(true);
    if grafana {
        rules::name(c, f.block, &azure::NAME_GRAFANA);
    }
    Metrics { meta, grafana }
}

fn registry(c: &mut Checker, f: &Fields, meta: Meta, private_networking: bool) -> Registry {
    public_on_private(c, f, private_networking, "registry");
    rules::name(c, f.block, &azure::NAME_REGISTRY);
    let private = f.bool("private").unwrap_or(private_networking);
    rules::private_tier(c, f, "registry", private);
    Registry {
        meta,
        sku: f.str_or("sku", "premium"),
        private,
    }
}

fn vault(c: &mut Checker, f: &Fields, meta: Meta, private_networking: bool) -> Vault {
    public_on_private(c, f, private_networking, "vault");
    rules::name(c, f.block, &azure::NAME_VAULT);
    Vault {
        meta,
        sku: f.str_or("sku", "standard"),
        soft_delete_days: f.int("soft_delete_days").unwrap_or(90),
        purge_protection: f.bool("purge_protection").unwrap_or(true),
        private: f.bool("private").unwrap_or(private_networking),
        secrets: Default::default(),
        keys: Default::default(),
        certificates: Default::default(),
    }
}

fn appconfig(
    c: &mut Checker,
    f: &Fields,
    meta: Meta,
    private_networking: bool,
    holds_entries: bool,
) -> AppConfig {
    rules::name(c, f.block, &azure::NAME_APPCONFIG);
    // Key-values are written through ARM over the public endpoint; a store that
    // holds any stays public unless the author insists (and is told why not).
    let explicit = f.bool("private");
    if !holds_entries {
        public_on_private(c, f, private_networking, "appconfig");
    }
    if explicit == Some(true) && holds_entries {
        let span = f.value("private").map_or(f.block.head_span(), |v| v.span);
        let d = Diagnostic::new(
            Code::MissingDependency,
            format!("appconfig `{}` cannot be private while it holds key-values", label(f.block)),
            span,
            "ARM writes key-values over the public endpoint",
        )
        .with_note("a store with public network access disabled rejects key-value writes from deployments (Azure/bicep#11204)")
        .with_help("remove `private = true`; local authentication stays disabled, so access still needs Entra ID");
        c.report(d);
    }
    let private = explicit.unwrap_or(private_networking && !holds_entries);
    rules::private_tier(c, f, "appconfig", private);
    AppConfig {
        meta,
        sku: f.str_or("sku", "standard"),
        soft_delete_days: f.int("soft_delete_days").unwrap_or(7),
        purge_protection: f.bool("purge_protection").unwrap_or(true),
        private,
        entries: Vec::new(),
    }
}

fn storage(c: &mut Checker, f: &Fields, meta: Meta, private_networking: bool) -> Storage {
    public_on_private(c, f, private_networking, "storage");
    rules::name(c, f.block, &azure::NAME_STORAGE);
    let containers = f.strings("containers");
    rules::containers(c, f);
    Storage {
        meta,
        replication: f.str_or("replication", "zrs"),
        containers,
        private: f.bool("private").unwrap_or(private_networking),
    }
}

/// The parent named by `in kind.name`, when it resolved.
/// W0302 when a resource opts out of the platform's private networking.
fn public_on_private(c: &mut Checker, f: &Fields, private_platform: bool, what: &str) {
    if !private_platform {
        return;
    }
    let field = if what == "cluster" {
        "private_cluster"
    } else {
        "private"
    };
    if let (Some(false), Some(v)) = (f.bool(field), f.value(field)) {
        let name = label(f.block);
        c.report(
            Diagnostic::new(
                Code::PublicOnPrivate,
                format!("{what} `{name}` is public on a platform with private networking"),
                v.span,
                "public endpoint",
            )
            .with_note("it stays reachable from the internet, behind Entra ID authentication")
            .with_help(format!(
                "remove `{field} = false` unless the public endpoint is deliberate"
            ))
            .with_fix_if(f.block.statements().iter().find_map(|st| match st {
                Statement::Attribute(a) if a.key.name == field => Some((a.span, String::new())),
                _ => None,
            })),
        );
    }
}

pub(super) fn str_of(v: &ast::Value) -> Option<String> {
    match &v.kind {
        ValueKind::Str(s) => Some(s.as_str().to_owned()),
        _ => None,
    }
}

fn network(c: &mut Checker, f: &Fields, meta: Meta) -> Network {
    rules::name(c, f.block, &azure::NAME_VNET);
    let mut n = Network {
        meta,
        address_space: f.strings("address_space"),
        address_spans: f.list("address_space").iter().map(|v| v.span).collect(),
        subnets: Default::default(),
    };
    for b in f.nested("subnet") {
        let sf = c.validate(b, &schema::NETWORK.blocks[0]);
        // A subnet whose prefix is missing or wrong (reported) is still the subnet it says it
        // is: whether it holds the private endpoints does not depend on its range.
        let private_endpoints = sf.bool("private_endpoints").unwrap_or(false);
        n.subnets.entry(label(b)).or_insert(Subnet {
            prefix: sf.str("prefix").unwrap_or_default(),
            private_endpoints,
            endpoints_at: sf
                .value("private_endpoints")
                .filter(|_| private_endpoints)
                .map(|v| v.span),
        });
    }
    rules::network_ranges(c, f, &n);
    n
}

fn identity(c: &mut Checker, f: &Fields, meta: Meta) -> Identity {
    rules::name(c, f.block, &azure::NAME_IDENTITY);
    if f.nested("federate").next().is_none() && f.nested("grant").next().is_none() {
        c.report(
            Diagnostic::new(
                Code::Unused,
                format!("identity `{}` is never used", label(f.block)),
                meta.span,
                "no federation, no grant",
            )
            .with_help("give it a `federate` and the `grant`s it needs, or remove it"),
        );
    }
    let federations = federations(c, f);
    let grants = grants(c, f);
    Identity {
        meta,
        federations,
        grants,
    }
}

/// The identity's `federate` blocks: a valid subject on a cluster, each federated once.
fn federations(c: &mut Checker, f: &Fields) -> Vec<Federation> {
    let mut federations = Vec::new();
    let mut seen: Vec<(String, String, crate::source::Span)> = Vec::new();
    for b in f.nested("federate") {
        c.validate(b, nested_kind(&schema::IDENTITY, "federate"));
        let (Some(l), Some(("cluster", cluster))) = (&b.label, in_target(b)) else {
            continue;
        };
        let Some((ns, sa)) = rules::subject(c, l) else {
            continue;
        };
        let subject = format!("{ns}/{sa}");
        if let Some((_, _, prev)) = seen
            .iter()
            .find(|(cl, s, _)| cl == cluster && *s == subject)
        {
            let d = Diagnostic::new(
                Code::DuplicateFederation,
                format!("`{subject}` on cluster `{cluster}` is federated twice"),
                l.span,
                "again here",
            )
            .with_secondary(*prev, "first here")
            .with_note("Azure allows one credential per issuer and subject on an identity")
            .with_help("remove the repeated `federate`")
            .with_fix(b.span, "");
            c.report(d);
            continue;
        }
        seen.push((cluster.to_string(), subject, l.span));
        federations.push(Federation {
            span: b.head_span(),
            cluster: cluster.to_string(),
            namespace: ns,
            service_account: sa,
        });
    }
    federations
}

/// The identity's `grant` blocks: a built-in role on a declared target, each granted once.
fn grants(c: &mut Checker, f: &Fields) -> Vec<Grant> {
    let mut grants = Vec::new();
    let mut granted: Vec<(Grant, crate::source::Span)> = Vec::new();
    for b in f.nested("grant") {
        c.validate(b, nested_kind(&schema::IDENTITY, "grant"));
        let (Some(l), Some((tk, tn))) = (&b.label, in_target(b)) else {
            continue;
        };
        if !known_role(c, l) {
            continue;
        }
        if !schema::ROLE_TARGET_KINDS.contains(&tk) || !c.is_declared(tk, tn) {
            continue;
        }
        if let Some((_, first)) = granted
            .iter()
            .find(|(g, _)| g.role == l.text.as_str() && g.target.kind == tk && g.target.name == tn)
        {
            // Azure allows one assignment of a role to a principal on a scope.
            c.report(
                Diagnostic::new(
                    Code::Duplicate,
                    format!("`{}` on {tk} `{tn}` is granted twice", l.text),
                    b.head_span(),
                    "again here",
                )
                .with_secondary(*first, "first here")
                .with_help("remove the repeated `grant`")
                .with_fix(b.span, ""),
            );
            continue;
        }
        let grant = Grant {
            role: l.text.as_str().to_owned(),
            target: Target {
                kind: tk.to_string(),
                name: tn.to_string(),
            },
            span: b.head_span(),
            role_span: l.span,
        };
        granted.push((grant.clone(), b.head_span()));
        grants.push(grant);
    }
    grants
}

/// False, with a diagnostic, for a role platc has no id for.
fn known_role(c: &mut Checker, l: &ast::Label) -> bool {
    if azure::role_id(&l.text).is_some() {
        return true;
    }
    let mut d = Diagnostic::new(
        Code::UnknownRole,
        format!("unknown role `{}`", l.text),
        l.span,
        "not a built-in role platc knows",
    );
    // Roles named after the same service (`Key Vault ...`) are the likely ones meant.
    let service: Vec<&str> = l.text.split_whitespace().take(2).collect();
    let related: Vec<&str> = azure::role_names()
        .filter(|r| !service.is_empty() && r.starts_with(&service.join(" ")))
        .collect();
    d = match diag::did_you_mean(&l.text, azure::role_names()) {
        Some(s) => d.suggest(l.span, format!("\"{s}\"")),
        None if !related.is_empty() => d.with_help(format!(
            "roles of {} that platc knows: {}",
            service.join(" "),
            diag::one_of(&related)
        )),
        None => d.with_help("spec.md lists the roles platc knows, under `grant`"),
    };
    c.report(d);
    false
}

fn cluster(c: &mut Checker, f: &Fields, meta: Meta, private_default: bool) -> Cluster {
    public_on_private(c, f, private_default, "cluster");
    rules::name(c, f.block, &azure::NAME_CLUSTER);
    let kubernetes = f.str("kubernetes");
    let channel = rules::default_upgrade_channel(kubernetes.as_deref());
    let mut cl = Cluster {
        meta,
        upgrade_channel: f.str_or("upgrade_channel", channel),
        kubernetes,
        sku_tier: f.str_or("sku_tier", "standard"),
        node_os_upgrade_channel: f.str_or("node_os_upgrade_channel", "node_image"),
        registry: f.reference("registry"),
        defender: f
            .reference("defender")
            .zip(f.value("defender").map(|v| v.span)),
        kms: f.reference("kms").zip(f.value("kms").map(|v| v.span)),
        private_cluster: f.bool("private_cluster").unwrap_or(private_default),
        admins: f
            .value("admins")
            .map(|_| rules::cluster_admins(c, &f.list("admins"))),
        ..Cluster::default()
    };
    if let Some(v) = f.value("kubernetes") {
        rules::kubernetes_version(c, v);
    }
    rules::upgrade_channel(c, f, &cl.upgrade_channel);
    cl.network = cluster_network(c, f);
    for b in f.nested("pool") {
        cl.pools.push(pool(c, b));
    }
    if let Some(b) = f.nested("monitoring").next() {
        let mf = c.validate(b, nested_kind(&schema::CLUSTER, "monitoring"));
        cl.logs = mf.reference("logs");
        cl.metrics = mf.reference("metrics");
    }
    extensions(c, f, &mut cl);
    for b in f.nested("gitops") {
        if let Some(l) = &b.label {
            rules::flux_name(c, "GitOps configuration", l);
        }
        let g = gitops(c, b);
        let name = label(b);
        if cl.gitops.contains_key(&name) {
            c.report(declared_twice("gitops", b, f.nested("gitops")));
            continue;
        }
        cl.gitops.insert(name, g);
    }
    rules::cluster_features(c, f, &cl);
    cl
}

/// A nested block whose name an earlier one of `siblings` has already.
fn declared_twice<'a>(
    what: &str,
    b: &ast::Block,
    mut siblings: impl Iterator<Item = &'a ast::Block>,
) -> Diagnostic {
    let name = label(b);
    let at = b.label.as_ref().map_or(b.head_span(), |l| l.span);
    let d = Diagnostic::new(
        Code::Duplicate,
        format!("{what} `{name}` is declared twice"),
        at,
        "declared again here",
    )
    .with_help(format!(
        "rename one of them; {what} names must be unique here"
    ));
    match siblings
        .find(|s| label(s) == name)
        .and_then(|s| s.label.as_ref())
    {
        Some(first) if first.span != at => d.with_secondary(first.span, "first declared here"),
        _ => d,
    }
}

/// A block kind the schema nests in `kind`.
fn nested_kind(kind: &'static schema::Kind, name: &str) -> &'static schema::Kind {
    kind.block(name).expect("schema")
}

/// The cluster's `network` block, or the defaults when it has none.
fn cluster_network(c: &mut Checker, f: &Fields) -> ClusterNetwork {
    let net_block = f.nested("network").next();
    let nf = net_block.map(|b| c.validate(b, nested_kind(&schema::CLUSTER, "network")));
    let get = |name: &str, default: &str| {
        nf.as_ref()
            .map_or(default.to_string(), |nf| nf.str_or(name, default))
    };
    let subnet_ref = |field: &str| {
        nf.as_ref().and_then(|nf| match &nf.value(field)?.kind {
            ValueKind::Ref(parts) => Some((
                parts[1].name.as_str().to_owned(),
                parts[2].name.as_str().to_owned(),
            )),
            _ => None,
        })
    };
    let network = ClusterNetwork {
        subnet: subnet_ref("subnet"),
        api_server_subnet: subnet_ref("api_server_subnet"),
        subnet_written: net_block.is_some_and(|b| super::block_sets(b, "subnet")),
        overlay: get("plugin", "azure_cni_overlay") == "azure_cni_overlay",
        dataplane: get("dataplane", "cilium"),
        policy: get("policy", "cilium"),
        pod_cidr: get("pod_cidr", "10.244.0.0/16"),
        service_cidr: get("service_cidr", "10.0.0.0/16"),
        dns_service_ip: get("dns_service_ip", "10.0.0.10"),
        outbound: get("outbound", "load_balancer"),
        spans: nf.as_ref().map_or_else(Vec::new, |nf| {
            ["pod_cidr", "service_cidr", "api_server_subnet"]
                .into_iter()
                .filter_map(|k| Some((k, nf.value(k)?.span)))
                .collect()
        }),
    };
    if let Some(nf) = &nf {
        rules::cluster_network(c, nf, &network);
    }
    network
}

fn pool(c: &mut Checker, b: &ast::Block) -> Pool {
    let pf = c.validate(b, nested_kind(&schema::CLUSTER, "pool"));
    rules::pool(c, &pf);
    Pool {
        span: b.head_span(),
        name: label(b),
        system: pf.str_or("mode", "user") == "system",
        vm_size: pf.str_or("vm_size", ""),
        count: pf.int("count"),
        autoscale: pf.range("autoscale"),
        zones: pf
            .list("zones")
            .iter()
            .filter_map(|v| {
                if let ValueKind::Int(i) = v.kind {
                    Some(i)
                } else {
                    None
                }
            })
            .collect(),
        max_pods: pf.int("max_pods").unwrap_or(110),
        os_sku: pf.str_or("os_sku", "azure_linux"),
        taints: pf.strings("taints"),
        labels: pf
            .map("labels")
            .into_iter()
            .filter_map(|(k, v)| str_of(v).map(|s| (k.name.as_str().to_owned(), s)))
            .collect(),
    }
}

/// The cluster's `extension` blocks, each enabled once and with only its own settings.
fn extensions(c: &mut Checker, f: &Fields, cl: &mut Cluster) {
    let mut seen_ext: Vec<(String, crate::source::Span)> = Vec::new();
    for b in f.nested("extension") {
        let ef = c.validate(b, nested_kind(&schema::CLUSTER, "extension"));
        let Some(l) = &b.label else { continue };
        if let Some((_, prev)) = seen_ext.iter().find(|(n, _)| *n == l.text) {
            let d = Diagnostic::new(
                Code::Duplicate,
                format!("extension `{}` is enabled twice", l.text),
                l.span,
                "again here",
            )
            .with_secondary(*prev, "first here")
            .with_help(format!("remove the second `extension {}`", l.text))
            .with_fix(b.span, "");
            c.report(d);
            continue;
        }
        seen_ext.push((l.text.as_str().to_owned(), l.span));
        // A known extension with a wrong setting, or a misspelt one (both reported), is still
        // on: what depends on it is not reported missing as well.
        rules::extension_fields(c, &ef, l);
        let meant = schema::EXTENSIONS
            .iter()
            .copied()
            .find(|e| *e == l.text.as_str())
            .or_else(|| diag::did_you_mean(&l.text, schema::EXTENSIONS.iter().copied()));
        if let Some(name) = meant {
            cl.extension_spans.insert(name.to_owned(), l.span);
            enable_extension(cl, name, &ef);
        }
    }
}

/// Turns on an extension whose settings passed `rules::extension_fields`.
fn enable_extension(cl: &mut Cluster, name: &str, ef: &Fields) {
    match name {
        "flux" => cl.flux = true,
        "app_config_provider" => cl.app_config_provider = true,
        "keyvault_csi" => cl.keyvault_csi = Some(ef.secs("rotation").unwrap_or(120)),
        "istio" => {
            cl.istio = Some(Istio {
                revision: ef.str("revision").unwrap_or_default(),
                ingress: ef.str("ingress").filter(|i| i != "none"),
            })
        }
        "azure_policy" => {
            cl.azure_policy = Some(PolicyAssignment {
                initiative: Some(ef.str_or("baseline", "pod_security_baseline"))
                    .filter(|b| b != "none"),
                effect: ef.str_or("effect", "audit"),
            })
        }
        "prometheus" => cl.prometheus = true,
        _ => {}
    }
}

/// One `gitops` block: where Flux reads from, and its kustomizations.
fn gitops(c: &mut Checker, b: &ast::Block) -> Gitops {
    let gf = c.validate(b, nested_kind(&schema::CLUSTER, "gitops"));
    let mut g = Gitops {
        span: b.head_span(),
        doc: b.docs.as_ref().map(|d| d.text.clone()),
        namespace: gf.str_or("namespace", azure::extensions::FLUX_NAMESPACE),
        source: gitops_source(&gf),
        container_at: blob_container_span(&gf),
        interval_secs: gf.secs("interval").unwrap_or(300),
        kustomizations: Default::default(),
    };
    if let Some(v) = gf.value("namespace") {
        rules::gitops_namespace(c, &g.namespace, v.span);
    }
    for kb in gf.nested("kustomization") {
        let kf = c.validate(
            kb,
            nested_kind(nested_kind(&schema::CLUSTER, "gitops"), "kustomization"),
        );
        let name = label(kb);
        if let Some(l) = &kb.label {
            rules::flux_name(c, "kustomization", l);
        }
        if g.kustomizations.contains_key(&name) {
            c.report(declared_twice(
                "kustomization",
                kb,
                gf.nested("kustomization"),
            ));
            continue;
        }
        g.kustomizations.insert(
            name,
            Kustomization {
                path: kf.str_or("path", "./"),
                depends_on: kf.strings("depends_on"),
                prune: kf.bool("prune").unwrap_or(true),
                interval_secs: kf.secs("interval").unwrap_or(600),
                substitute: kf.bool("substitute").unwrap_or(false),
            },
        );
    }
    rules::kustomizations(c, &gf, &g);
    g
}

/// Where a validated `blob(...)` source names its container.
fn blob_container_span(gf: &Fields) -> Option<crate::source::Span> {
    let Some(ValueKind::Call { args, .. }) = gf.value("source").map(|v| &v.kind) else {
        return None;
    };
    args.iter()
        .find(|a| a.name.as_ref().is_some_and(|n| n.name == "container"))
        .map(|a| a.value.span)
}

/// The validated `git(...)` or `blob(...)` of a `gitops` block.
fn gitops_source(gf: &Fields) -> GitopsSource {
    let Some(ValueKind::Call { name, args }) = gf.value("source").map(|v| &v.kind) else {
        return GitopsSource::default();
    };
    let named = |n: &str| {
        args.iter()
            .find(|a| a.name.as_ref().is_some_and(|x| x.name == n))
            .and_then(|a| str_of(&a.value))
    };
    if name.name == "git" {
        let reference = ["branch", "tag", "semver", "commit"]
            .iter()
            .find_map(|k| named(k).map(|v| (k.to_string(), v)))
            .unwrap_or(("branch".into(), "main".into()));
        GitopsSource::Git {
            url: args
                .first()
                .and_then(|a| str_of(&a.value))
                .unwrap_or_default(),
            reference,
        }
    } else {
        let storage = match &args[0].value.kind {
            ValueKind::Ref(parts) => parts[1].name.as_str().to_owned(),
            _ => String::new(),
        };
        let upload = args
            .iter()
            .find(|a| a.name.as_ref().is_some_and(|x| x.name == "upload"))
            .and_then(|a| {
                str_of(&a.value).map(|dir| crate::model::Upload {
                    dir,
                    span: a.value.span,
                })
            });
        GitopsSource::Blob {
            storage,
            container: named("container").unwrap_or_default(),
            upload,
        }
    }
}

fn config_entries(
    c: &mut Checker,
    f: &Fields,
    p: &Platform,
    key: &str,
    span: crate::source::Span,
) -> Vec<KeyValue> {
    rules::kv_key(c, key, span);
    let label = f.str("label");
    if let (Some(l), Some(v)) = (&label, f.value("label")) {
        rules::kv_label(c, l, v.span);
    }
    let Some(content) = config_content(c, f, p) else {
        return Vec::new();
    };
    let labels = f.map("labels");
    let mut out = Vec::with_capacity(1 + labels.len());
    out.push(KeyValue {
        span,
        key: key.to_string(),
        label,
        content: content.clone(),
    });
    for (k, v) in labels {
        let Some(value) = str_of(v) else { continue };
        rules::kv_label(c, &k.name, k.span);
        let content = match &content {
            KvContent::Value { content_type, .. } => KvContent::Value {
                value,
                content_type: content_type.clone(),
            },
            _ => {
                c.report(
                    Diagnostic::new(
                        Code::Conflict,
                        "per-label values apply to plain values, not Key Vault references",
                        k.span,
                        "not for `secret`",
                    )
                    .with_help(
                        "remove `labels`, or declare another `config` for the labelled value",
                    ),
                );
                continue;
            }
        };
        out.push(KeyValue {
            span: k.span,
            key: key.to_string(),
            label: Some(k.name.as_str().to_owned()),
            content,
        });
    }
    out
}

/// What a `config` entry holds: its `value`, or a reference to a secret of a declared vault.
/// None when it holds neither or both.
fn config_content(c: &mut Checker, f: &Fields, p: &Platform) -> Option<KvContent> {
    match (f.str("value"), f.value("secret")) {
        (Some(_), Some(s)) => {
            let mut d = Diagnostic::new(
                Code::Conflict,
                "`value` and `secret` are both set",
                s.span,
                "a Key Vault reference here",
            )
            .with_help("keep one: `value` for a plain setting, `secret` for a Key Vault reference");
            if let Some(v) = f.value("value") {
                d = d.with_secondary(v.span, "a plain value here");
            }
            c.report(d);
            None
        }
        (Some(value), None) => Some(KvContent::Value {
            value,
            content_type: f.str_or("content_type", "text/plain"),
        }),
        (None, Some(v)) => {
            let ValueKind::Ref(parts) = &v.kind else {
                return None;
            };
            let secret = parts[1].name.as_str().to_owned();
            let vault = p
                .vaults
                .iter()
                .find(|(_, vault)| vault.secrets.contains_key(&secret))
                .map(|(n, _)| n.clone())?;
            Some(KvContent::SecretRef { vault, secret })
        }
        (None, None) => {
            // A `value` or `secret` that failed validation was reported already.
            let written = f.block.statements().iter().any(|s| {
                matches!(s, Statement::Attribute(a) if a.key.name == "value" || a.key.name == "secret")
            });
            if !f.has("value") && !f.has("secret") && !written {
                let d = Diagnostic::new(
                    Code::MissingField,
                    "`config` needs `value` or `secret`",
                    f.block.head_span(),
                    "no value",
                )
                .with_help(
                    "add `value = \"...\"`, or `secret = secret.NAME` for a Key Vault reference",
                );
                c.report(d);
            }
            None
        }
    }
}
