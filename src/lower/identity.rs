//! The identity module: a user-assigned identity, its federated credentials (one at a time, as
//! Azure requires) and its role assignments, each scoped to the resource it grants on.

use super::module::Module;
use super::{Ctx, Principal, azure_name, role_assignment};
use crate::azure::{self, types};
use crate::bicep::{self, Decorator, Expr, Item, Obj, Part, Resource, Table, Type, arr, id, s};
use crate::model::*;

fn target_type(kind: &str) -> &'static str {
    match kind {
        "vault" => types::VAULT,
        "key" => types::VAULT_KEY,
        "appconfig" => types::APPCONFIG,
        "registry" => types::REGISTRY,
        "storage" => types::STORAGE,
        "cluster" => types::MANAGED_CLUSTER,
        "metrics" => types::MONITOR_WORKSPACE,
        _ => types::LOG_ANALYTICS,
    }
}

pub(super) fn identity(ctx: &Ctx, name: &str, i: &Identity) -> Module {
    let mut m = Module::new(
        "identity",
        "identity",
        name,
        &i.meta,
        azure_name(&azure::NAME_IDENTITY, name),
        "managed identity",
    );
    let r = Resource::new(
        "identity",
        types::IDENTITY,
        Obj::new()
            .set("name", id("name"))
            .set("location", id("location"))
            .set("tags", id("tags"))
            .build(),
    );
    m.push(Item::Resource(r));

    // Symbols name the cluster or target only where one identity has several of a kind: so
    // identities alike in shape come out alike in text and can share one module.
    if !i.federations.is_empty() {
        federated_credentials(&mut m, &i.federations);
    }
    grants(ctx, &mut m, &i.grants);

    m.output("id", id("identity").dot("id"));
    m.output("principalId", id("identity").dot("properties.principalId"));
    m.output("clientId", id("identity").dot("properties.clientId"));
    m
}

/// The credentials trusting each federation's service account, and the variable they loop over.
fn federated_credentials(m: &mut Module, federations: &[Federation]) {
    let one_cluster = federations
        .iter()
        .all(|f| f.cluster == federations[0].cluster);
    issuer_params(m, federations, one_cluster);
    let rows = if one_cluster {
        federation_table(federations)
    } else {
        federation_list(federations)
    };
    m.var("federations", rows);
    m.push(Item::Resource(federated_credential_loop(one_cluster)));
}

/// One OIDC issuer parameter per cluster the identity trusts.
fn issuer_params(m: &mut Module, federations: &[Federation], one_cluster: bool) {
    let mut issuers: Vec<&str> = Vec::new();
    for f in federations {
        if issuers.contains(&f.cluster.as_str()) {
            continue;
        }
        let (issuer, what) = if one_cluster {
            (
                "issuer".to_string(),
                "OIDC issuer of the cluster the credentials trust".to_string(),
            )
        } else {
            (
                bicep::ident("issuer", &f.cluster),
                format!("OIDC issuer of cluster `{}`", f.cluster),
            )
        };
        m.param(
            &issuer,
            Type::String,
            &what,
            Ctx::output("cluster", &f.cluster, "oidcIssuerUrl"),
        );
        issuers.push(&f.cluster);
    }
}

fn credential_name(f: &Federation) -> String {
    format!("{}-{}-{}", f.cluster, f.namespace, f.service_account)
}

fn subject(f: &Federation) -> String {
    format!(
        "system:serviceaccount:{}:{}",
        f.namespace, f.service_account
    )
}

/// With one cluster every row is plain text: a flat table.
fn federation_table(federations: &[Federation]) -> Expr {
    let mut table = Table::new(&["name", "subject"]);
    for f in federations {
        table.str(&credential_name(f));
        table.str(&subject(f));
    }
    Expr::Table(Box::new(table))
}

/// With several clusters, each row names its cluster's issuer parameter.
fn federation_list(federations: &[Federation]) -> Expr {
    let entries = federations
        .iter()
        .map(|f| {
            Obj::new()
                .set("name", s(credential_name(f)))
                .set("issuer", id(bicep::ident("issuer", &f.cluster)))
                .set("subject", s(subject(f)))
                .build()
        })
        .collect();
    arr(entries)
}

fn federated_credential_loop(one_cluster: bool) -> Resource {
    let issuer = if one_cluster {
        id("issuer")
    } else {
        id("f").dot("issuer")
    };
    let mut fics = Resource::new(
        "federatedCredentials",
        types::FEDERATED_CREDENTIAL,
        Obj::new()
            .set("parent", id("identity"))
            .set("name", id("f").dot("name"))
            .set(
                "properties",
                Obj::new()
                    .set("issuer", issuer)
                    .set("subject", id("f").dot("subject"))
                    .set("audiences", arr(vec![s(azure::TOKEN_EXCHANGE_AUDIENCE)]))
                    .build(),
            )
            .build(),
    );
    fics.each = Some(("f".into(), id("federations")));
    fics.decorators = vec![Decorator::batch_size(1)];
    fics.comment =
        Some("Azure rejects concurrent writes of federated credentials on one identity".into());
    fics
}

/// What a grant is assigned on: its target declaration's resource, or, for one of Grafana's roles
/// on `metrics.NAME`, that declaration's Managed Grafana: the roles act on the grafana resource
/// only (`azure::ROLE_RESOURCES`).
struct Scope<'a> {
    /// The kind naming its symbol and parameter: the target's, or `grafana`.
    kind: &'a str,
    name: &'a str,
    /// The output of the target's module that names the resource.
    output: &'static str,
    type_: &'static str,
}

fn scope(g: &Grant) -> Scope<'_> {
    if g.target.kind == "metrics" && azure::is_grafana_role(&g.role) {
        return Scope {
            kind: "grafana",
            name: &g.target.name,
            output: "grafanaName",
            type_: types::GRAFANA,
        };
    }
    Scope {
        kind: &g.target.kind,
        name: &g.target.name,
        output: "name",
        type_: target_type(&g.target.kind),
    }
}

impl Scope<'_> {
    /// How comments and descriptions name it: `the vault`, `vault `secrets``, `the Grafana of
    /// metrics `prom``.
    fn what(&self, alone: bool) -> String {
        match (self.kind, alone) {
            ("grafana", true) => "the Grafana of the metrics".to_string(),
            ("grafana", false) => format!("the Grafana of metrics `{}`", self.name),
            (kind, true) => format!("the {kind}"),
            (kind, false) => format!("{kind} `{}`", self.name),
        }
    }
}

/// The resources the identity is granted roles on, each declared once, and one role assignment
/// per grant.
fn grants(ctx: &Ctx, m: &mut Module, grants: &[Grant]) {
    let mut targets: Vec<String> = Vec::new();
    for g in grants {
        let sc = scope(g);
        let alone = grants.iter().all(|o| {
            let o = scope(o);
            o.kind != sc.kind || o.name == sc.name
        });
        let t = if alone {
            bicep::ident(sc.kind, "")
        } else {
            bicep::ident(sc.kind, sc.name)
        };
        if !targets.contains(&t) {
            grant_target(ctx, m, &sc, &t, alone);
            targets.push(t.clone());
        }
        grant(m, g, &sc, &t, alone);
    }
}

/// The existing resource `sc`, under the symbol `t`.
fn grant_target(ctx: &Ctx, m: &mut Module, sc: &Scope, t: &str, alone: bool) {
    if sc.kind == "key" {
        return key_target(ctx, m, sc, t);
    }
    let what = if alone {
        format!("Name of {} the identity is granted roles on", sc.what(true))
    } else {
        format!("Name of {}", sc.what(false))
    };
    let target_kind = if sc.kind == "grafana" {
        "metrics"
    } else {
        sc.kind
    };
    let tname = m.param(
        &format!("{t}Name"),
        Type::String,
        &what,
        Ctx::output(target_kind, sc.name, sc.output),
    );
    let mut r = Resource::new(t, sc.type_, Obj::new().set("name", tname).build());
    r.existing = true;
    m.push(Item::Resource(r));
}

/// A key, named `VAULT/KEY`: its vault's name comes from the vault's module.
fn key_target(ctx: &Ctx, m: &mut Module, sc: &Scope, t: &str) {
    let Some((vname, _, _)) = ctx.p.key(sc.name) else {
        return;
    };
    let vault = m.param(
        &format!("{t}VaultName"),
        Type::String,
        &format!("Name of vault `{vname}`, which holds key `{}`", sc.name),
        Ctx::output("vault", vname, "name"),
    );
    let name = Expr::Interp(vec![
        Part::Expr(vault),
        Part::Text(format!("/{}", sc.name).into()),
    ]);
    let mut r = Resource::new(t, sc.type_, Obj::new().set("name", name).build());
    r.existing = true;
    m.push(Item::Resource(r));
}

fn grant(m: &mut Module, g: &Grant, sc: &Scope, t: &str, alone: bool) {
    let on = if alone || sc.kind == "grafana" {
        sc.what(alone)
    } else {
        format!("{}.{}", g.target.kind, g.target.name)
    };
    role_assignment(
        m,
        &bicep::ident("grant", &format!("{}-{}", g.role, t)),
        t,
        Principal::Managed {
            principal_id: id("identity").dot("properties.principalId"),
        },
        &g.role,
        Some(format!("grant \"{}\" on {on}", g.role)),
    );
}
