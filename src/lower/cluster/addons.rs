//! The cluster's `addonProfiles`: Container insights, the Key Vault CSI driver, Azure Policy and
//! the (disabled) dashboard.

use super::ClusterLowering;
use crate::azure::extensions as ext;
use crate::bicep::{Expr, Obj, s};

/// An enabled add-on with its `config`.
fn enabled(config: Obj) -> Expr {
    Obj::new()
        .set("enabled", Expr::Bool(true))
        .set("config", config.build())
        .build()
}

fn container_insights(workspace: Expr) -> Expr {
    enabled(
        Obj::new()
            .set("logAnalyticsWorkspaceResourceID", workspace)
            .set("useAADAuth", s("true")),
    )
}

fn keyvault_csi(rotation_secs: u64) -> Expr {
    enabled(
        Obj::new()
            .set("enableSecretRotation", s("true"))
            .set("rotationPollInterval", s(format!("{rotation_secs}s"))),
    )
}

fn azure_policy() -> Expr {
    enabled(Obj::new().set("version", s("v2")))
}

impl ClusterLowering<'_> {
    pub(super) fn addon_profiles(&self) -> Expr {
        let c = self.c;
        let mut addons = Obj::new();
        if let Some(ws) = &self.logs_id {
            addons.push(
                ext::ADDON_CONTAINER_INSIGHTS,
                container_insights(ws.clone()),
            );
        }
        if let Some(secs) = c.keyvault_csi {
            addons.push(ext::ADDON_KEYVAULT_CSI, keyvault_csi(secs));
        }
        if c.azure_policy.is_some() {
            addons.push(ext::ADDON_AZURE_POLICY, azure_policy());
        }
        addons.push(
            "kubeDashboard",
            Obj::new().set("enabled", Expr::Bool(false)).build(),
        );
        addons.build()
    }
}
