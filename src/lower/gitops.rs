//! The GitOps module of a cluster: its Flux configurations, one per `gitops` block, the storage
//! accounts blob sources read, and the values kustomizations may substitute into their manifests.
//!
//! Deployed after every other module, and apart from the cluster's: Flux starts installing
//! software as soon as a configuration exists, so the identities that software signs in with
//! (created after the cluster, since they federate with its issuer) already exist by then, and
//! their client ids, with the other values the platform provisioned, can be handed to the
//! manifests through Flux post-build substitution.
//!
//! A blob source with `upload` also gets the identity `platc publish` uploads the folder with:
//! trusted for one Kubernetes service account, and allowed to write that container alone.

use super::module::Module;
use super::{Ctx, Principal, azure_name, grants, role_assignment};
use crate::azure::{self, types};
use crate::bicep::{self, Decorator, Expr, Item, Obj, Resource, Type, arr, call, id, s};
use crate::model::{Cluster, Gitops, GitopsSource, Platform};

/// An `existing` resource named by a module parameter.
fn existing(symbol: &str, type_: &'static str, name: Expr) -> Item {
    let mut r = Resource::new(symbol, type_, Obj::new().set("name", name).build());
    r.existing = true;
    Item::Resource(r)
}

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

/// The variables a substituting kustomization gets, by name, with the module output each comes
/// from: the names azd's outputs use, always with the declaration's name, so that a manifest's
/// variable does not change meaning when a second declaration of the kind arrives. Flux's
/// variable names are letters, digits and `_`.
pub fn substitutions(p: &Platform) -> Vec<(String, &'static str, String, &'static str)> {
    let upper = |name: &str| -> String {
        name.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect()
    };
    let mut out = Vec::new();
    for n in p.identities.keys() {
        out.push((
            format!("AZURE_IDENTITY_{}_CLIENT_ID", upper(n)),
            "identity",
            n.clone(),
            "clientId",
        ));
    }
    for n in p.vaults.keys() {
        out.push((
            format!("AZURE_KEY_VAULT_{}_NAME", upper(n)),
            "vault",
            n.clone(),
            "name",
        ));
        out.push((
            format!("AZURE_KEY_VAULT_{}_URI", upper(n)),
            "vault",
            n.clone(),
            "uri",
        ));
    }
    for n in p.appconfigs.keys() {
        out.push((
            format!("AZURE_APP_CONFIGURATION_{}_ENDPOINT", upper(n)),
            "appconfig",
            n.clone(),
            "endpoint",
        ));
    }
    for n in p.registries.keys() {
        out.push((
            format!("AZURE_CONTAINER_REGISTRY_{}_ENDPOINT", upper(n)),
            "registry",
            n.clone(),
            "loginServer",
        ));
    }
    out
}

/// What a module builds for one cluster's GitOps: the storage accounts already declared (several
/// configurations may read one), and the substitution table once a kustomization wants it.
struct GitopsLowering<'a> {
    ctx: &'a Ctx<'a>,
    cluster: &'a str,
    m: Module,
    blob_accounts: Vec<&'a str>,
    substitute: Option<Expr>,
    publishes: bool,
}

pub(super) fn gitops<'a>(ctx: &'a Ctx<'a>, name: &'a str, c: &'a Cluster) -> Module {
    let m = Module::new(
        "gitops",
        "gitops",
        name,
        &c.meta,
        Ctx::output("cluster", name, "name"),
        "AKS cluster the configurations install into",
    );
    let mut l = GitopsLowering {
        ctx,
        cluster: name,
        m,
        blob_accounts: Vec::new(),
        substitute: None,
        publishes: false,
    };
    l.m.push(existing("cluster", types::MANAGED_CLUSTER, id("name")));
    for (gname, g) in &c.gitops {
        l.flux_configuration(gname, g);
    }
    for vault in certificate_vaults(ctx.p, name) {
        l.certificate_writer(vault);
    }
    // Flux configurations are extension resources of the cluster: they take neither tags nor a
    // location of their own (the substitutions name the location, when a kustomization has
    // them; the identities that publish folders are resources of the group).
    if !l.publishes {
        l.m.drop_param("tags");
    }
    if l.substitute.is_none() && !l.publishes {
        l.m.drop_param("location");
    }
    l.m
}

impl<'a> GitopsLowering<'a> {
    /// The `postBuild.substitute` table, its values passed in from the modules that made them.
    fn substitution_table(&mut self) -> Expr {
        if let Some(t) = &self.substitute {
            return t.clone();
        }
        let mut table = Obj::new()
            .set("AZURE_TENANT_ID", call("tenant", vec![]).dot("tenantId"))
            .set(
                "AZURE_SUBSCRIPTION_ID",
                call("subscription", vec![]).dot("subscriptionId"),
            )
            .set("AZURE_LOCATION", id("location"))
            .set("AZURE_AKS_CLUSTER_NAME", id("name"));
        for (var, kind, decl, output) in substitutions(self.ctx.p) {
            let param = self.m.param(
                &bicep::ident("", &var.to_ascii_lowercase()),
                Type::String,
                &format!("{var} for the manifests: `{output}` of {kind} `{decl}`"),
                Ctx::output(kind, &decl, output),
            );
            table.push(var, param);
        }
        let t = self.m.var("substitutions", table.build());
        self.substitute = Some(t.clone());
        t
    }

    fn kustomizations(&mut self, g: &Gitops) -> Expr {
        let mut ks = Obj::new();
        for (kname, k) in &g.kustomizations {
            // `dependsOn` even when empty: an environment that changes it then changes a value,
            // not the shape of a configuration that refers to other modules' outputs.
            let mut ko = Obj::new().set("path", s(k.path.clone())).set(
                "dependsOn",
                arr(k.depends_on.iter().map(|d| s(d.clone())).collect()),
            );
            ko.push("prune", Expr::Bool(k.prune));
            ko.push("syncIntervalInSeconds", Expr::Int(k.interval_secs as i64));
            ko.push("timeoutInSeconds", Expr::Int(600));
            if k.substitute {
                let table = self.substitution_table();
                ko.push("postBuild", Obj::new().set("substitute", table).build());
            }
            ks.push(kname.clone(), ko.build());
        }
        ks.build()
    }

    fn flux_configuration(&mut self, gname: &str, g: &'a Gitops) {
        let mut deps = Vec::new();
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
            GitopsSource::Blob {
                storage,
                container,
                upload,
            } => {
                let ident = bicep::ident("storage", storage);
                if !self.blob_accounts.contains(&storage.as_str()) {
                    self.blob_reader(storage, &ident);
                    self.blob_accounts.push(storage);
                }
                if upload.is_some() {
                    self.publisher(gname, &ident, container);
                }
                deps.push(id(format!("{ident}Reader")));
                gp.push("sourceKind", s("AzureBlob"));
                gp.push("azureBlob", azure_blob(&ident, container, g.interval_secs));
            }
        }
        let ks = self.kustomizations(g);
        gp.push("kustomizations", ks);
        let mut body = Obj::new()
            .set("name", s(gname.to_string()))
            .set("scope", id("cluster"))
            .set("properties", gp.build());
        if !deps.is_empty() {
            body.push("dependsOn", arr(deps));
        }
        let mut r = Resource::new(
            bicep::ident("gitops", gname),
            types::FLUX_CONFIG,
            body.build(),
        );
        r.comment = Some(format!("gitops \"{gname}\""));
        r.decorators = g
            .doc
            .iter()
            .map(|d| Decorator::description(d.clone()))
            .collect();
        self.m.push(Item::Resource(r));
    }

    /// The identity `platc publish` uploads the folder of gitops `gname` with: federated with
    /// the service account of its Job, and Storage Blob Data Contributor on the container only.
    fn publisher(&mut self, gname: &str, storage_ident: &str, container: &str) {
        let symbol = bicep::ident("publisher", gname);
        self.job_identity(
            &symbol,
            &format!("the identity that publishes the folder of gitops `{gname}`"),
            &azure::publish::identity_stem(self.cluster, gname),
            &azure::publish::job_name(gname),
            format!("`platc publish` uploads the folder of gitops \"{gname}\" with this identity"),
        );
        let container_name = Expr::Interp(vec![
            bicep::Part::Expr(id(storage_ident.to_string()).dot("name")),
            bicep::Part::Text(format!("/default/{container}").into()),
        ]);
        grants::assign_on(
            &mut self.m,
            &format!("{symbol}Writes"),
            (types::BLOB_CONTAINER, container_name),
            id(symbol).dot("properties.principalId"),
            azure::publish::WRITER_ROLE,
            Some(format!(
                "It may write container `{container}` and nothing else"
            )),
        );
    }

    /// An identity a Job of `platc publish` signs in with, `symbol`, named `id-STEM-TOKEN` and
    /// federated with the Job's service account `account`.
    fn job_identity(&mut self, symbol: &str, what: &str, stem: &str, account: &str, why: String) {
        self.publishes = true;
        let name = self.m.param(
            &format!("{symbol}Name"),
            Type::String,
            &format!("Name of {what}"),
            azure_name(&azure::NAME_IDENTITY, stem),
        );
        let mut r = Resource::new(
            symbol.to_string(),
            types::IDENTITY,
            Obj::new()
                .set("name", name)
                .set("location", id("location"))
                .set("tags", id("tags"))
                .build(),
        );
        r.comment = Some(why);
        self.m.push(Item::Resource(r));
        self.m.push(Item::Resource(job_federation(symbol, account)));
    }

    /// The identity that `platc publish`'s Job writes the certificates of the private vault
    /// `vault` with: federated with the Job's service account, Key Vault Certificates Officer
    /// on that vault only.
    fn certificate_writer(&mut self, vault: &str) {
        let symbol = bicep::ident("certificates", vault);
        self.job_identity(
            &symbol,
            &format!("the identity that writes the certificates of vault `{vault}`"),
            &azure::keys::identity_stem(self.cluster, vault),
            &azure::keys::job_name(vault),
            format!("`platc publish` writes the certificates of vault \"{vault}\", which ARM cannot, with this identity"),
        );
        let vault_name = self.m.param(
            &format!("{symbol}VaultName"),
            Type::String,
            &format!("Name of vault `{vault}`"),
            Ctx::output("vault", vault, "name"),
        );
        grants::assign_on(
            &mut self.m,
            &format!("{symbol}Writes"),
            (types::VAULT, vault_name),
            id(symbol).dot("properties.principalId"),
            azure::keys::CERTIFICATE_WRITER_ROLE,
            Some(format!(
                "It may write the certificates of vault `{vault}` and nothing else"
            )),
        );
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
            Principal::Managed {
                principal_id: id("cluster")
                    .dot("properties.identityProfile.kubeletidentity.objectId"),
            },
            "Storage Blob Data Reader",
            Some(format!(
                "Flux reads storage `{storage}` with the kubelet identity"
            )),
        );
    }
}

/// The credential that lets the identity `symbol` be the Job's service account `account` in
/// `platc publish`'s namespace of the cluster.
fn job_federation(symbol: &str, account: &str) -> Resource {
    Resource::new(
        format!("{symbol}Federation"),
        types::FEDERATED_CREDENTIAL,
        Obj::new()
            .set("parent", id(symbol.to_string()))
            .set("name", s(account.to_string()))
            .set(
                "properties",
                Obj::new()
                    .set(
                        "issuer",
                        id("cluster").dot("properties.oidcIssuerProfile.issuerURL"),
                    )
                    .set(
                        "subject",
                        s(format!(
                            "system:serviceaccount:{}:{account}",
                            azure::publish::NAMESPACE
                        )),
                    )
                    .set("audiences", arr(vec![s(azure::TOKEN_EXCHANGE_AUDIENCE)]))
                    .build(),
            )
            .build(),
    )
}

/// The private vaults whose certificates the cluster `cluster` writes.
pub(crate) fn certificate_vaults<'a>(p: &'a Platform, cluster: &'a str) -> Vec<&'a str> {
    if crate::model::certificate_writing_cluster(p) != Some(cluster) {
        return Vec::new();
    }
    crate::model::private_certificates(p)
        .map(|(vault, _)| vault)
        .collect()
}

/// Whether the cluster `name` has anything for a GitOps module: Flux configurations, or the
/// identity of a Job that writes a private vault's certificates.
pub(super) fn has_gitops(p: &Platform, name: &str, c: &Cluster) -> bool {
    !c.gitops.is_empty() || crate::model::certificate_writing_cluster(p) == Some(name)
}
