//! The managed cluster resource: its SKU, control-plane identity and properties.

use super::ClusterLowering;
use crate::azure::{self, types};
use crate::bicep::{self, Expr, Item, Obj, Part, Resource, arr, call, id, s};
use crate::model::{Cluster, ClusterNetwork, Istio};

fn upgrade_channel(c: &str) -> &'static str {
    match c {
        "none" => "none",
        "patch" => "patch",
        "rapid" => "rapid",
        "node-image" => "node-image",
        _ => "stable",
    }
}

fn node_os_channel(c: &str) -> &'static str {
    match c {
        "none" => "None",
        "unmanaged" => "Unmanaged",
        "security_patch" => "SecurityPatch",
        _ => "NodeImage",
    }
}

fn sku(tier: &str) -> Expr {
    Obj::new()
        .set("name", s("Base"))
        .set(
            "tier",
            s(match tier {
                "free" => "Free",
                "premium" => "Premium",
                _ => "Standard",
            }),
        )
        .build()
}

/// The cluster runs as the control-plane identity declared before it.
fn control_plane_identity() -> Expr {
    Obj::new()
        .set("type", s("UserAssigned"))
        .set(
            "userAssignedIdentities",
            Obj::new()
                .set(
                    bicep::Key::Expr(Box::new(Expr::Interp(vec![Part::Expr(
                        id("controlPlane").dot("id"),
                    )]))),
                    Obj::new().build(),
                )
                .build(),
        )
        .build()
}

fn aad_profile() -> Expr {
    Obj::new()
        .set("managed", Expr::Bool(true))
        .set("enableAzureRBAC", Expr::Bool(true))
        .set("tenantID", call("subscription", vec![]).dot("tenantId"))
        .build()
}

/// Workload identity and image cleaner, and Microsoft Defender for Containers where the author
/// named its workspace (`azure::aks_security::DEFENDER_WORKSPACE` says why it is not the default).
fn security_profile(defender: Option<&Expr>, kms: Option<&(Expr, Option<Expr>)>) -> Expr {
    let mut p = Obj::new();
    if let Some((key, vault)) = kms {
        let mut k = Obj::new()
            .set("enabled", Expr::Bool(true))
            .set("keyId", key.clone());
        // A private vault is reached from the API server's subnet; AKS needs its id to do so.
        match vault {
            Some(id) => {
                k.push("keyVaultNetworkAccess", s("Private"));
                k.push("keyVaultResourceId", id.clone());
            }
            None => k.push("keyVaultNetworkAccess", s("Public")),
        }
        p.push("azureKeyVaultKms", k.build());
    }
    if let Some(ws) = defender {
        p.push(
            "defender",
            Obj::new()
                .set(azure::aks_security::DEFENDER_WORKSPACE, ws.clone())
                .set(
                    "securityMonitoring",
                    Obj::new().set("enabled", Expr::Bool(true)).build(),
                )
                .build(),
        );
    }
    p.set(
        "workloadIdentity",
        Obj::new().set("enabled", Expr::Bool(true)).build(),
    )
    .set(
        "imageCleaner",
        Obj::new()
            .set("enabled", Expr::Bool(true))
            .set("intervalHours", Expr::Int(168))
            .build(),
    )
    .build()
}

fn auto_upgrade_profile(c: &Cluster) -> Expr {
    Obj::new()
        .set("upgradeChannel", s(upgrade_channel(&c.upgrade_channel)))
        .set(
            "nodeOSUpgradeChannel",
            s(node_os_channel(&c.node_os_upgrade_channel)),
        )
        .build()
}

fn network_profile(n: &ClusterNetwork) -> Expr {
    let mut np = Obj::new().set("networkPlugin", s("azure"));
    if n.overlay {
        np.push("networkPluginMode", s("overlay"));
    }
    np.push("networkDataplane", s(n.dataplane.clone()));
    np.push("networkPolicy", s(n.policy.clone()));
    if n.overlay {
        np.push("podCidr", s(n.pod_cidr.clone()));
    }
    np.push("serviceCidr", s(n.service_cidr.clone()));
    np.push("dnsServiceIP", s(n.dns_service_ip.clone()));
    np.push("loadBalancerSku", s("standard"));
    np.push(
        "outboundType",
        s(if n.outbound == "managed_nat_gateway" {
            "managedNATGateway"
        } else {
            "loadBalancer"
        }),
    );
    np.build()
}

/// Managed Prometheus: the metrics add-on the data collection rule reads from.
fn azure_monitor_profile() -> Expr {
    Obj::new()
        .set(
            "metrics",
            Obj::new()
                .set("enabled", Expr::Bool(true))
                .set(
                    "kubeStateMetrics",
                    Obj::new()
                        .set("metricLabelsAllowlist", s(""))
                        .set("metricAnnotationsAllowList", s(""))
                        .build(),
                )
                .build(),
        )
        .build()
}

/// The Istio service mesh add-on, with an ingress gateway when one is asked for.
fn service_mesh_profile(istio: &Istio) -> Expr {
    let mut io = Obj::new().set("revisions", arr(vec![s(istio.revision.clone())]));
    if let Some(ingress) = &istio.ingress {
        let mode = if ingress == "internal" {
            "Internal"
        } else {
            "External"
        };
        let gateway = Obj::new()
            .set("enabled", Expr::Bool(true))
            .set("mode", s(mode))
            .build();
        io.push(
            "components",
            Obj::new()
                .set("ingressGateways", arr(vec![gateway]))
                .build(),
        );
    }
    Obj::new()
        .set("mode", s("Istio"))
        .set("istio", io.build())
        .build()
}

impl ClusterLowering<'_> {
    pub(super) fn managed_cluster(&mut self) {
        let mut body = Obj::new()
            .set("name", id("name"))
            .set("location", id("location"))
            .set("tags", id("tags"))
            .set("sku", sku(&self.c.sku_tier))
            .set("identity", control_plane_identity())
            .set("properties", self.properties());
        let mut first = Vec::new();
        if self.subnet_id.is_some() {
            first.push(id("controlPlaneJoinsNetwork"));
        }
        if let Some((_, vault_id)) = &self.kms {
            first.push(id("controlPlaneUsesKey"));
            if vault_id.is_some() {
                first.push(id("controlPlaneLinksVault"));
            }
        }
        if !first.is_empty() {
            body.push("dependsOn", arr(first));
        }
        let cluster = Resource::new("cluster", types::MANAGED_CLUSTER, body.build());
        self.m.push(Item::Resource(cluster));
    }

    fn properties(&self) -> Expr {
        let c = self.c;
        let mut props = Obj::new();
        if let Some(v) = &c.kubernetes {
            props.push("kubernetesVersion", s(v.clone()));
        }
        props.push("dnsPrefix", id("name"));
        props.push("enableRBAC", Expr::Bool(true));
        props.push("disableLocalAccounts", Expr::Bool(true));
        props.push("aadProfile", aad_profile());
        props.push(
            "oidcIssuerProfile",
            Obj::new().set("enabled", Expr::Bool(true)).build(),
        );
        props.push(
            "securityProfile",
            security_profile(self.defender_id.as_ref(), self.kms.as_ref()),
        );
        let mut api = Obj::new();
        if c.private_cluster {
            api.push("enablePrivateCluster", Expr::Bool(true));
        }
        if let Some(subnet) = &self.api_subnet_id {
            api.push("enableVnetIntegration", Expr::Bool(true));
            api.push("subnetId", subnet.clone());
        }
        if c.private_cluster || self.api_subnet_id.is_some() {
            props.push("apiServerAccessProfile", api.build());
        }
        props.push("autoUpgradeProfile", auto_upgrade_profile(c));
        if let Some(pools) = self.agent_pool_profiles() {
            props.push("agentPoolProfiles", pools);
        }
        props.push("networkProfile", network_profile(&c.network));
        props.push("addonProfiles", self.addon_profiles());
        if c.prometheus {
            props.push("azureMonitorProfile", azure_monitor_profile());
        }
        if let Some(istio) = &c.istio {
            props.push("serviceMeshProfile", service_mesh_profile(istio));
        }
        props.build()
    }
}
