//! Flux configurations, one per `gitops` block, and the storage accounts blob sources read.

use super::{ClusterLowering, existing, kubelet};
use crate::azure::types;
use crate::bicep::{self, Decorator, Expr, Item, Obj, Resource, Type, arr, id, s};
use crate::lower::{Ctx, role_assignment};
use crate::model::{Gitops, GitopsSource};

fn git_repository(url: &str, (kind, value): &(String, String), interval_secs: u64) -> Expr {
    Obj::new()
        .set("url", s(url.to_string()))
        .set(
            "repositoryRef",
            Obj::new().set(kind.clone(), s(value.clone())).build(),
        )
        .set("syncIntervalInSeconds", Expr::Int(interval_secs as i64))
        .set("timeoutInSeconds", Expr::Int(180))
        .build()
}

/// A blob container source, read with the kubelet identity (see `blob_reader`).
fn azure_blob(storage: &str, container: &str, interval_secs: u64) -> Expr {
    Obj::new()
        .set(
            "url",
            id(storage.to_string()).dot("properties.primaryEndpoints.blob"),
        )
        .set("containerName", s(container.to_string()))
        .set("syncIntervalInSeconds", Expr::Int(interval_secs as i64))
        .set("timeoutInSeconds", Expr::Int(180))
        .set(
            "managedIdentity",
            Obj::new()
                .set(
                    "clientId",
                    id("cluster").dot("properties.identityProfile.kubeletidentity.clientId"),
                )
                .build(),
        )
        .build()
}

fn kustomizations(g: &Gitops) -> Expr {
    let mut ks = Obj::new();
    for (kname, k) in &g.kustomizations {
        let mut ko = Obj::new().set("path", s(k.path.clone()));
        if !k.depends_on.is_empty() {
            ko.push(
                "dependsOn",
                arr(k.depends_on.iter().map(|d| s(d.clone())).collect()),
            );
        }
        ko.push("prune", Expr::Bool(k.prune));
        ko.push("syncIntervalInSeconds", Expr::Int(k.interval_secs as i64));
        ko.push("timeoutInSeconds", Expr::Int(600));
        ks.push(kname.clone(), ko.build());
    }
    ks.build()
}

impl<'a> ClusterLowering<'a> {
    pub(super) fn flux_configurations(&mut self) {
        // Storage accounts already declared: several configurations may read one.
        let mut blob_accounts: Vec<&'a str> = Vec::new();
        let c = self.c;
        for (gname, g) in &c.gitops {
            self.flux_configuration(gname, g, &mut blob_accounts);
        }
    }

    fn flux_configuration(&mut self, gname: &str, g: &'a Gitops, blob_accounts: &mut Vec<&'a str>) {
        let mut deps = vec![id("flux")];
        let mut gp = Obj::new()
            .set("scope", s("cluster"))
            .set("namespace", s(g.namespace.clone()));
        match &g.source {
            GitopsSource::Git { url, reference } => {
                gp.push("sourceKind", s("GitRepository"));
                gp.push(
                    "gitRepository",
                    git_repository(url, reference, g.interval_secs),
                );
            }
            GitopsSource::Blob { storage, container } => {
                let ident = bicep::ident("storage", storage);
                if !blob_accounts.contains(&storage.as_str()) {
                    self.blob_reader(storage, &ident);
                    blob_accounts.push(storage);
                }
                deps.push(id(format!("{ident}Reader")));
                gp.push("sourceKind", s("AzureBlob"));
                gp.push("azureBlob", azure_blob(&ident, container, g.interval_secs));
            }
        }
        gp.push("kustomizations", kustomizations(g));
        let mut r = Resource::new(
            bicep::ident("gitops", gname),
            types::FLUX_CONFIG,
            Obj::new()
                .set("name", s(gname.to_string()))
                .set("scope", id("cluster"))
                .set("properties", gp.build())
                .set("dependsOn", arr(deps))
                .build(),
        );
        r.comment = Some(format!("gitops \"{gname}\""));
        r.decorators = g
            .doc
            .iter()
            .map(|d| Decorator::description(d.clone()))
            .collect();
        self.m.push(Item::Resource(r));
    }

    /// The storage account `storage` (Bicep symbol `ident`) and the kubelet identity's role to
    /// read its blobs.
    fn blob_reader(&mut self, storage: &str, ident: &str) {
        let sname = self.m.param(
            &format!("{ident}Name"),
            Type::String,
            &format!("Name of storage `{storage}`, a Flux source"),
            Ctx::output("storage", storage, "name"),
        );
        self.m.push(existing(ident, types::STORAGE, sname));
        role_assignment(
            &mut self.m,
            &format!("{ident}Reader"),
            ident,
            kubelet(),
            "Storage Blob Data Reader",
            Some(format!(
                "Flux reads storage `{storage}` with the kubelet identity"
            )),
        );
    }
}
