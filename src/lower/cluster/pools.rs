//! Agent pools: the system pool the cluster is created with, and the others as child
//! `agentPools`.

use super::ClusterLowering;
use crate::azure::{self, types};
use crate::bicep::{self, Expr, Item, Obj, Resource, arr, id, s};
use crate::model::Pool;

/// One agent pool's properties; `inline` adds the `name` the cluster's own pool list needs.
fn pool_body(p: &Pool, subnet: Option<&Expr>, taint_system: bool, inline: bool) -> Obj {
    let mut o = Obj::new();
    if inline {
        o.push("name", s(p.name.clone()));
    }
    o.push("mode", s(if p.system { "System" } else { "User" }));
    o.push("type", s("VirtualMachineScaleSets"));
    o.push("vmSize", s(p.vm_size.clone()));
    match (p.count, p.autoscale) {
        (_, Some((min, max))) => {
            o.push("count", Expr::Int(min));
            o.push("enableAutoScaling", Expr::Bool(true));
            o.push("minCount", Expr::Int(min));
            o.push("maxCount", Expr::Int(max));
        }
        (Some(n), None) => o.push("count", Expr::Int(n)),
        (None, None) => o.push("count", Expr::Int(1)),
    }
    o.push("osType", s("Linux"));
    o.push(
        "osSKU",
        s(if p.os_sku == "ubuntu" {
            "Ubuntu"
        } else {
            "AzureLinux"
        }),
    );
    o.push("maxPods", Expr::Int(p.max_pods));
    if !p.zones.is_empty() {
        o.push(
            "availabilityZones",
            arr(p.zones.iter().map(|z| s(z.to_string())).collect()),
        );
    }
    if let Some(sub) = subnet {
        o.push("vnetSubnetID", sub.clone());
    }
    let mut taints: Vec<Expr> = p.taints.iter().map(|t| s(t.clone())).collect();
    if taint_system {
        taints.insert(0, s("CriticalAddonsOnly=true:NoSchedule"));
    }
    if !taints.is_empty() {
        o.push("nodeTaints", arr(taints));
    }
    if !p.labels.is_empty() {
        let mut l = Obj::new();
        for (k, v) in &p.labels {
            l.push(k.clone(), s(v.clone()));
        }
        o.push("nodeLabels", l.build());
    }
    o.push(
        "upgradeSettings",
        Obj::new().set("maxSurge", s("33%")).build(),
    );
    o.push(
        "securityProfile",
        Obj::new()
            .set("sshAccess", s(azure::aks_security::SSH_ACCESS))
            .build(),
    );
    o
}

impl ClusterLowering<'_> {
    /// The first system pool is declared inline: AKS needs one at creation, and it is the one
    /// scanners read. Others become child agentPools.
    pub(super) fn first_system(&self) -> usize {
        self.c.pools.iter().position(|p| p.system).unwrap_or(0)
    }

    /// The cluster's `agentPoolProfiles`: the first system pool, if there is a pool at all.
    pub(super) fn agent_pool_profiles(&self) -> Option<Expr> {
        let pools = &self.c.pools;
        let pool = pools.get(self.first_system())?;
        let has_user_pools = pools.iter().any(|p| !p.system);
        let body = pool_body(
            pool,
            self.subnet_id.as_ref(),
            pool.system && has_user_pools,
            true,
        );
        Some(arr(vec![body.build()]))
    }

    /// Every pool but the inline one, as a child of the cluster.
    pub(super) fn agent_pools(&mut self) {
        let first_system = self.first_system();
        for (i, pool) in self.c.pools.iter().enumerate() {
            if i == first_system {
                continue;
            }
            self.m.push(Item::Resource(Resource::new(
                bicep::ident("pool", &pool.name),
                types::AGENT_POOL,
                Obj::new()
                    .set("parent", id("cluster"))
                    .set("name", s(pool.name.clone()))
                    .set(
                        "properties",
                        pool_body(pool, self.subnet_id.as_ref(), false, false).build(),
                    )
                    .build(),
            )));
        }
    }
}
