//! Cluster extensions: Flux and the Azure App Configuration Kubernetes provider.

use super::ClusterLowering;
use crate::azure::{extensions as ext, types};
use crate::bicep::{self, Expr, Item, Obj, Resource, arr, id, s};

/// An extension installed on the cluster, with its type-specific `properties`.
fn extension(symbol: &str, name: &'static str, properties: Obj) -> Resource {
    extension_after(symbol, name, properties, Vec::new())
}

/// `extension`, installed once the resources `after` exist.
fn extension_after(
    symbol: &str,
    name: &'static str,
    properties: Obj,
    after: Vec<Expr>,
) -> Resource {
    let mut body = Obj::new()
        .set("name", s(name))
        .set("scope", id("cluster"))
        .set("properties", properties.build());
    if !after.is_empty() {
        body.push("dependsOn", arr(after));
    }
    Resource::new(symbol, types::EXTENSION, body.build())
}

fn flux_properties() -> Obj {
    let mut settings = Obj::new();
    for (k, v) in ext::FLUX_SETTINGS {
        settings.push(*k, s(*v));
    }
    let release_namespace = Obj::new().set("releaseNamespace", s(ext::FLUX_NAMESPACE));
    Obj::new()
        .set("extensionType", s(ext::FLUX_TYPE))
        .set("autoUpgradeMinorVersion", Expr::Bool(true))
        .set("releaseTrain", s("Stable"))
        .set(
            "scope",
            Obj::new().set("cluster", release_namespace.build()).build(),
        )
        .set("configurationSettings", settings.build())
}

fn app_config_properties() -> Obj {
    Obj::new()
        .set("extensionType", s(ext::APPCONFIG_TYPE))
        .set("autoUpgradeMinorVersion", Expr::Bool(true))
        .set(
            "configurationSettings",
            Obj::new()
                .set("global.clusterType", s("managedclusters"))
                .build(),
        )
}

impl ClusterLowering<'_> {
    pub(super) fn flux_extension(&mut self) {
        if !self.c.flux {
            return;
        }
        let mut r = extension("flux", ext::FLUX_NAME, flux_properties());
        r.comment = Some("Flux installs the software; azd never deploys workloads".into());
        self.m.push(Item::Resource(r));
    }

    pub(super) fn app_config_provider(&mut self) {
        if !self.c.app_config_provider {
            return;
        }
        let body = app_config_properties();
        // Its pods do not tolerate the first system pool's CriticalAddonsOnly taint, as Flux's
        // do: installed before another pool exists, they cannot be scheduled and the install
        // fails. So it waits for the cluster's other pools.
        let first_system = self.first_system();
        let pools: Vec<Expr> = (self.c.pools.iter().enumerate())
            .filter(|(i, _)| *i != first_system)
            .map(|(_, p)| id(bicep::ident("pool", &p.name)))
            .collect();
        let r = extension_after("appConfigProvider", ext::APPCONFIG_NAME, body, pools);
        self.m.push(Item::Resource(r));
    }
}
