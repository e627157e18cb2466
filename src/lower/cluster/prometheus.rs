//! The managed Prometheus pipeline: data collection endpoint, rule and association that route the
//! cluster's metrics to the Azure Monitor workspace, plus the recording rules the official
//! template installs.

use super::ClusterLowering;
use crate::azure::{prometheus as rules, types};
use crate::bicep::{self, Expr, Item, Obj, Part, Resource, Type, arr, id, s};
use crate::lower::Ctx;

const STREAM: &str = "Microsoft-PrometheusMetrics";
const ACCOUNT: &str = "MonitoringAccount1";

fn endpoint(stem: Expr) -> Resource {
    Resource::new(
        "promEndpoint",
        types::DCE,
        Obj::new()
            .set("name", stem)
            .set("location", id("location"))
            .set("tags", id("tags"))
            .set("kind", s("Linux"))
            .set("properties", Obj::new().build())
            .build(),
    )
}

/// The rule's `properties`: collect the Prometheus stream and send it to the workspace `amw`.
fn collection_rule_properties(amw: Expr) -> Expr {
    let source = Obj::new()
        .set("name", s("PrometheusDataSource"))
        .set("streams", arr(vec![s(STREAM)]))
        .set("labelIncludeFilter", Obj::new().build());
    let account = Obj::new()
        .set("accountResourceId", amw)
        .set("name", s(ACCOUNT));
    let flow = Obj::new()
        .set("streams", arr(vec![s(STREAM)]))
        .set("destinations", arr(vec![s(ACCOUNT)]));
    Obj::new()
        .set("dataCollectionEndpointId", id("promEndpoint").dot("id"))
        .set(
            "dataSources",
            Obj::new()
                .set("prometheusForwarder", arr(vec![source.build()]))
                .build(),
        )
        .set(
            "destinations",
            Obj::new()
                .set("monitoringAccounts", arr(vec![account.build()]))
                .build(),
        )
        .set("dataFlows", arr(vec![flow.build()]))
        .build()
}

fn collection_rule(stem: Expr, amw: Expr) -> Resource {
    Resource::new(
        "promRule",
        types::DCR,
        Obj::new()
            .set("name", stem)
            .set("location", id("location"))
            .set("tags", id("tags"))
            .set("kind", s("Linux"))
            .set("properties", collection_rule_properties(amw))
            .build(),
    )
}

fn association(stem: Expr) -> Resource {
    Resource::new(
        "promAssociation",
        types::DCRA,
        Obj::new()
            .set("name", stem)
            .set("scope", id("cluster"))
            .set(
                "properties",
                Obj::new()
                    .set("dataCollectionRuleId", id("promRule").dot("id"))
                    .set(
                        "description",
                        s("Sends the cluster's Prometheus metrics to the Azure Monitor workspace"),
                    )
                    .build(),
            )
            .build(),
    )
}

/// One group of recording rules, evaluated over the workspace `amw` for this cluster.
fn recording_rules(g: &rules::RuleGroup, amw: Expr) -> Resource {
    let records: Vec<Expr> = g
        .rules
        .iter()
        .map(|(record, expr)| {
            Obj::new()
                .set("record", s(*record))
                .set("expression", s(*expr))
                .build()
        })
        .collect();
    Resource::new(
        bicep::ident("", g.name),
        types::PROMETHEUS_RULES,
        Obj::new()
            .set(
                "name",
                Expr::Interp(vec![
                    Part::Text(format!("{}-", g.name).into()),
                    Part::Expr(id("name")),
                ]),
            )
            .set("location", id("location"))
            .set("tags", id("tags"))
            .set(
                "properties",
                Obj::new()
                    .set("description", s(g.description))
                    .set("scopes", arr(vec![amw, id("cluster").dot("id")]))
                    .set("clusterName", id("cluster").dot("name"))
                    .set("enabled", Expr::Bool(true))
                    .set("interval", s(rules::INTERVAL))
                    .set("rules", arr(records))
                    .build(),
            )
            .build(),
    )
}

impl ClusterLowering<'_> {
    pub(super) fn prometheus_pipeline(&mut self) {
        let (true, Some(metrics)) = (self.c.prometheus, &self.c.metrics) else {
            return;
        };
        let m = &mut self.m;
        let amw = m.param(
            "monitorWorkspaceId",
            Type::String,
            &format!("Azure Monitor workspace `{metrics}`"),
            Ctx::output("metrics", metrics, "id"),
        );
        let stem = m.var("promName", super::monitor_name("MSProm-"));
        m.push(Item::Resource(endpoint(stem.clone())));
        m.push(Item::Resource(collection_rule(stem.clone(), amw.clone())));
        m.push(Item::Resource(association(stem)));
        for g in rules::GROUPS {
            m.push(Item::Resource(recording_rules(g, amw.clone())));
        }
    }
}
