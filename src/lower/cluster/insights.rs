//! Container insights' data collection: with the monitoring add-on authenticating to Azure
//! Monitor with its managed identity (`useAADAuth`), the agent collects only what a data
//! collection rule associated with the cluster names, and without one it collects nothing. The
//! rule and its association are what `az aks enable-addons --addon monitoring` creates
//! (Azure/azure-cli-extensions, aks-preview `addonconfiguration.py`: a `Linux` rule with the
//! `ContainerInsightsExtension` data source, the `Microsoft-ContainerInsights-Group-Default`
//! stream sent to the workspace, and an association named `ContainerInsightsExtension`;
//! learn.microsoft.com, "Configure data collection in Container insights using data collection
//! rule").

use super::ClusterLowering;
use crate::azure::types;
use crate::bicep::{Expr, Item, Obj, Resource, arr, id, s};

/// Every Container insights table, as the add-on's default cost preset collects them.
const STREAM: &str = "Microsoft-ContainerInsights-Group-Default";
const DESTINATION: &str = "ciworkspace";
/// The association name the add-on looks for on the cluster.
const ASSOCIATION: &str = "ContainerInsightsExtension";

fn data_source() -> Expr {
    let settings = Obj::new()
        .set("interval", s("1m"))
        .set("namespaceFilteringMode", s("Off"))
        .set("enableContainerLogV2", Expr::Bool(true));
    Obj::new()
        .set("name", s("ContainerInsightsExtension"))
        .set("streams", arr(vec![s(STREAM)]))
        .set("extensionName", s("ContainerInsights"))
        .set(
            "extensionSettings",
            Obj::new()
                .set("dataCollectionSettings", settings.build())
                .build(),
        )
        .build()
}

fn rule_properties(workspace: Expr) -> Expr {
    let destination = Obj::new()
        .set("workspaceResourceId", workspace)
        .set("name", s(DESTINATION));
    let flow = Obj::new()
        .set("streams", arr(vec![s(STREAM)]))
        .set("destinations", arr(vec![s(DESTINATION)]));
    Obj::new()
        .set(
            "dataSources",
            Obj::new()
                .set("extensions", arr(vec![data_source()]))
                .build(),
        )
        .set(
            "destinations",
            Obj::new()
                .set("logAnalytics", arr(vec![destination.build()]))
                .build(),
        )
        .set("dataFlows", arr(vec![flow.build()]))
        .build()
}

impl ClusterLowering<'_> {
    /// The rule that tells the monitoring add-on what to collect, and its association with the
    /// cluster.
    pub(super) fn container_insights_collection(&mut self) {
        let Some(workspace) = self.logs_id.clone() else {
            return;
        };
        self.m.push(Item::Resource(Resource::new(
            "insightsRule",
            types::DCR,
            Obj::new()
                .set("name", super::monitor_name("MSCI-"))
                .set("location", id("location"))
                .set("tags", id("tags"))
                .set("kind", s("Linux"))
                .set("properties", rule_properties(workspace))
                .build(),
        )));
        self.m.push(Item::Resource(Resource::new(
            "insightsAssociation",
            types::DCRA,
            Obj::new()
                .set("name", s(ASSOCIATION))
                .set("scope", id("cluster"))
                .set(
                    "properties",
                    Obj::new()
                        .set("dataCollectionRuleId", id("insightsRule").dot("id"))
                        .set(
                            "description",
                            s("Tells the monitoring add-on to send the cluster's Container insights data to the workspace"),
                        )
                        .build(),
                )
                .build(),
        )));
    }
}
