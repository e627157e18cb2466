//! The identity module: a user-assigned identity, its federated credentials (one at a time, as
//! Azure requires) and its role assignments, each scoped to the resource it grants on.

use super::module::Module;
use super::{Ctx, Principal, azure_name, role_assignment};
use crate::azure::{self, types};
use crate::bicep::{self, Decorator, Expr, Item, Obj, Resource, Table, Type, arr, id, s};
use crate::model::*;

fn target_type(kind: &str) -> &'static str {
    match kind {
        "vault" => types::VAULT,
        "appconfig" => types::APPCONFIG,
        "registry" => types::REGISTRY,
        "storage" => types::STORAGE,
        "cluster" => types::MANAGED_CLUSTER,
        "metrics" => types::MONITOR_WORKSPACE,
        _ => types::LOG_ANALYTICS,
    }
}

pub(super) fn identity(_ctx: &Ctx, name: &str, i: &Identity) -> Module {
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
    let one_cluster = i.federations.iter().all(|f| {
        i.federations
            .first()
            .is_some_and(|g| g.cluster == f.cluster)
    });
    if !i.federations.is_empty() {
        let mut issuers: Vec<&str> = Vec::new();
        // With one cluster every row is plain text: a flat table. With several, each row names
        // its cluster's issuer parameter.
        let mut table = Table::new(&["name", "subject"]);
        let mut entries = Vec::new();
        for f in &i.federations {
            let issuer = if one_cluster {
                "issuer".to_string()
            } else {
                bicep::ident("issuer", &f.cluster)
            };
            if !issuers.contains(&f.cluster.as_str()) {
                let what = if one_cluster {
                    "OIDC issuer of the cluster the credentials trust".to_string()
                } else {
                    format!("OIDC issuer of cluster `{}`", f.cluster)
                };
                m.param(
                    &issuer,
                    Type::String,
                    &what,
                    Ctx::output("cluster", &f.cluster, "oidcIssuerUrl"),
                );
                issuers.push(&f.cluster);
            }
            let name = format!("{}-{}-{}", f.cluster, f.namespace, f.service_account);
            let subject = format!(
                "system:serviceaccount:{}:{}",
                f.namespace, f.service_account
            );
            if one_cluster {
                table.str(&name);
                table.str(&subject);
            } else {
                entries.push(
                    Obj::new()
                        .set("name", s(name))
                        .set("issuer", id(issuer))
                        .set("subject", s(subject))
                        .build(),
                );
            }
        }
        let rows = if one_cluster {
            Expr::Table(Box::new(table))
        } else {
            arr(entries)
        };
        m.var("federations", rows);
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
        m.push(Item::Resource(fics));
    }

    let mut targets: Vec<(String, String)> = Vec::new();
    for g in &i.grants {
        let alone = i
            .grants
            .iter()
            .all(|o| o.target.kind != g.target.kind || o.target.name == g.target.name);
        let t = if alone {
            bicep::ident(&g.target.kind, "")
        } else {
            bicep::ident(&g.target.kind, &g.target.name)
        };
        if !targets.iter().any(|(x, _)| *x == t) {
            let pname = format!("{t}Name");
            let what = if alone {
                format!(
                    "Name of the {} the identity is granted roles on",
                    g.target.kind
                )
            } else {
                format!("Name of {} `{}`", g.target.kind, g.target.name)
            };
            let tname = m.param(
                &pname,
                Type::String,
                &what,
                Ctx::output(&g.target.kind, &g.target.name, "name"),
            );
            let mut r = Resource::new(
                &t,
                target_type(&g.target.kind),
                Obj::new().set("name", tname).build(),
            );
            r.existing = true;
            m.push(Item::Resource(r));
            targets.push((t.clone(), g.target.kind.clone()));
        }
        role_assignment(
            &mut m,
            &bicep::ident("grant", &format!("{}-{}", g.role, t)),
            &t,
            Principal::Managed {
                principal_id: id("identity").dot("properties.principalId"),
                seed: id("identity").dot("id"),
            },
            &g.role,
            Some(if alone {
                format!("grant \"{}\" on the {}", g.role, g.target.kind)
            } else {
                format!(
                    "grant \"{}\" on {}.{}",
                    g.role, g.target.kind, g.target.name
                )
            }),
        );
    }
    m.output("id", id("identity").dot("id"));
    m.output("principalId", id("identity").dot("properties.principalId"));
    m.output("clientId", id("identity").dot("properties.clientId"));
    m
}
