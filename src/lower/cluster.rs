//! The AKS module: control-plane identity, the cluster with its add-ons, extra node pools, cluster
//! extensions, Flux configurations, the managed Prometheus pipeline and diagnostic settings.
//!
//! Each function emits one Azure resource or one coherent part of one, in the order the module
//! lists them: parameters and resources come out in the order they are declared, so the calls in
//! [`cluster`] fix the module's text.

mod access;
mod addons;
mod extensions;
mod insights;
mod policy;
mod pools;
mod prometheus;
mod properties;

use super::module::Module;
use super::{Ctx, Principal, azure_name, diagnostics, role_assignment};
use crate::azure::{self, types};
use crate::bicep::{Expr, Item, Obj, Part, Resource, Type, call, id, s};
use crate::model::Cluster;

/// What the functions lowering one cluster share: the module they add to and what earlier ones
/// declared that later ones refer to.
struct ClusterLowering<'a> {
    ctx: &'a Ctx<'a>,
    c: &'a Cluster,
    m: Module,
    /// The node subnet's id, when the cluster joins a network: every pool is placed in it.
    subnet_id: Option<Expr>,
    /// The Container insights workspace parameter, which diagnostic settings reuse when they
    /// write to the same workspace.
    logs_id: Option<Expr>,
    /// The workspace Defender's sensor writes to, when it is on.
    defender_id: Option<Expr>,
    /// KMS: the key's versioned URI, and its vault's id where the vault is private.
    kms: Option<(Expr, Option<Expr>)>,
    /// The API server's delegated subnet (API Server VNet Integration).
    api_subnet_id: Option<Expr>,
}

pub(super) fn cluster(ctx: &Ctx, name: &str, c: &Cluster) -> Module {
    let m = Module::new(
        "cluster",
        "aks",
        name,
        &c.meta,
        azure_name(&azure::NAME_CLUSTER, name),
        "AKS cluster",
    );
    let mut l = ClusterLowering {
        ctx,
        c,
        m,
        subnet_id: None,
        logs_id: None,
        defender_id: None,
        kms: None,
        api_subnet_id: None,
    };
    l.control_plane_identity();
    l.node_subnet();
    l.api_server_subnet();
    l.kms();
    l.container_insights_workspace();
    l.managed_cluster();
    l.agent_pools();
    l.operators();
    l.policy_assignment();
    l.registry_pull();
    l.flux_extension();
    l.app_config_provider();
    l.container_insights_collection();
    l.prometheus_pipeline();
    l.diagnostic_settings();
    l.outputs();
    l.m
}

/// `<prefix><region>-<cluster>`, as Azure Monitor's own onboarding names its data collection
/// resources (`MSProm-`, `MSCI-`), cut to a data collection endpoint's 44 characters.
fn monitor_name(prefix: &str) -> Expr {
    call(
        "take",
        vec![
            Expr::Interp(vec![
                Part::Text(prefix.to_string().into()),
                Part::Expr(id("location")),
                Part::Text("-".into()),
                Part::Expr(id("name")),
            ]),
            Expr::Int(super::NAME_CUT as i64),
        ],
    )
}

/// The kubelet identity, which pulls images and reads Flux sources on the nodes' behalf.
fn kubelet() -> Principal {
    Principal::Managed {
        principal_id: id("cluster").dot("properties.identityProfile.kubeletidentity.objectId"),
    }
}

/// An `existing` resource named by a module parameter.
fn existing(symbol: &str, type_: &'static str, name: Expr) -> Item {
    let mut r = Resource::new(symbol, type_, Obj::new().set("name", name).build());
    r.existing = true;
    Item::Resource(r)
}

/// The subnet `name` of the network `vnet` (declared before it), as the symbol `symbol`.
fn existing_subnet(symbol: &str, name: &str) -> Item {
    let mut subnet = Resource::new(
        symbol,
        types::SUBNET,
        Obj::new()
            .set("parent", id("vnet"))
            .set("name", s(name.to_string()))
            .build(),
    );
    subnet.existing = true;
    Item::Resource(subnet)
}

impl ClusterLowering<'_> {
    /// A user-assigned control-plane identity exists before the cluster, so it can be granted
    /// access to the node subnet's network first.
    fn control_plane_identity(&mut self) {
        self.m.push(Item::Resource(Resource::new(
            "controlPlane",
            types::IDENTITY,
            Obj::new()
                .set(
                    "name",
                    Expr::Interp(vec![Part::Text("id-".into()), Part::Expr(id("name"))]),
                )
                .set("location", id("location"))
                .set("tags", id("tags"))
                .build(),
        )));
    }

    /// The network and subnet the nodes join, and the control plane's role on that network.
    fn node_subnet(&mut self) {
        let Some((net, sub)) = &self.c.network.subnet else {
            return;
        };
        let m = &mut self.m;
        let vnet_name = m.param(
            "vnetName",
            Type::String,
            &format!("Name of network `{net}`"),
            Ctx::output("network", net, "name"),
        );
        m.push(existing("vnet", types::VNET, vnet_name));
        m.push(existing_subnet("nodeSubnet", sub));
        role_assignment(
            m,
            "controlPlaneJoinsNetwork",
            "vnet",
            Principal::Managed {
                principal_id: id("controlPlane").dot("properties.principalId"),
            },
            "Network Contributor",
            Some("The control plane manages load balancers and joins nodes to the subnet (and, for a private\ncluster, links its DNS zone to the network)".into()),
        );
        self.subnet_id = Some(id("nodeSubnet").dot("id"));
    }

    /// The API server's subnet, in the nodes' network (the checker holds them together).
    fn api_server_subnet(&mut self) {
        let Some((_, sub)) = &self.c.network.api_server_subnet else {
            return;
        };
        self.m.push(existing_subnet("apiServerSubnet", sub));
        self.api_subnet_id = Some(id("apiServerSubnet").dot("id"));
    }

    /// KMS etcd encryption: the control plane may use the key before the cluster is created
    /// with it (AKS checks the key when it turns KMS on).
    fn kms(&mut self) {
        let Some((key, _)) = &self.c.kms else {
            return;
        };
        let Some((vname, v, _)) = self.ctx.p.key(key) else {
            return;
        };
        let m = &mut self.m;
        let vault = m.param(
            "kmsVaultName",
            Type::String,
            &format!("Name of vault `{vname}`, which holds the KMS key"),
            Ctx::output("vault", vname, "name"),
        );
        let uri = m.param(
            "kmsKeyUri",
            Type::String,
            &format!("Versioned URI of key `{key}`, which encrypts Kubernetes secrets (KMS)"),
            Ctx::output(
                "vault",
                vname,
                &format!("{}Uri", crate::bicep::ident("key", key)),
            ),
        );
        let full_name = Expr::Interp(vec![
            Part::Expr(vault.clone()),
            Part::Text(format!("/{key}").into()),
        ]);
        super::grants::assign_on(
            m,
            "controlPlaneUsesKey",
            (types::VAULT_KEY, full_name),
            id("controlPlane").dot("properties.principalId"),
            azure::keys::KMS_ROLE,
            Some("KMS encrypts and decrypts with the key as the control plane".into()),
        );
        if v.private {
            super::grants::assign_on(
                m,
                "controlPlaneLinksVault",
                (types::VAULT, vault.clone()),
                id("controlPlane").dot("properties.principalId"),
                azure::keys::KMS_PRIVATE_LINK_ROLE,
                Some("AKS links a private vault to the cluster (a private endpoint in the node resource group)\nfor KMS as the control plane".into()),
            );
        }
        let vault_id = v.private.then(|| {
            call(
                "resourceId",
                vec![s(azure::type_name(types::VAULT)), vault.clone()],
            )
        });
        self.kms = Some((uri, vault_id));
    }

    fn container_insights_workspace(&mut self) {
        self.logs_id = self.c.logs.as_ref().map(|l| {
            self.m.param(
                "containerInsightsWorkspaceId",
                Type::String,
                &format!("Log Analytics workspace `{l}` for Container insights"),
                Ctx::output("logs", l, "id"),
            )
        });
        self.defender_id = self.c.defender.as_ref().map(|(l, _)| {
            self.m.param(
                "defenderWorkspaceId",
                Type::String,
                &format!("Log Analytics workspace `{l}` for Microsoft Defender for Containers"),
                Ctx::output("logs", l, "id"),
            )
        });
    }

    /// Nodes pull images from the cluster's registry with the kubelet identity.
    fn registry_pull(&mut self) {
        let Some(reg) = &self.c.registry else {
            return;
        };
        let rname = self.m.param(
            "registryName",
            Type::String,
            &format!("Name of registry `{reg}`"),
            Ctx::output("registry", reg, "name"),
        );
        self.m.push(existing("registry", types::REGISTRY, rname));
        role_assignment(
            &mut self.m,
            "kubeletPullsImages",
            "registry",
            kubelet(),
            "AcrPull",
            Some("Nodes pull images with the kubelet identity".into()),
        );
    }

    fn diagnostic_settings(&mut self) {
        let Some(ws) = self.ctx.logs_id() else {
            return;
        };
        let ws = match &self.logs_id {
            Some(l) if self.c.logs == self.ctx.diagnostics => l.clone(),
            _ => self.m.param(
                "logAnalyticsWorkspaceId",
                Type::String,
                "Log Analytics workspace for diagnostic settings",
                ws,
            ),
        };
        self.m.push(diagnostics(
            "clusterDiagnostics",
            "cluster",
            types::MANAGED_CLUSTER,
            ws,
        ));
    }

    fn outputs(&mut self) {
        let m = &mut self.m;
        m.output("id", id("cluster").dot("id"));
        m.output("name", id("cluster").dot("name"));
        m.output(
            "oidcIssuerUrl",
            id("cluster").dot("properties.oidcIssuerProfile.issuerURL"),
        );
        m.output(
            "kubeletObjectId",
            id("cluster").dot("properties.identityProfile.kubeletidentity.objectId"),
        );
    }
}
