//! The AKS module: control-plane identity, the cluster with its add-ons, extra node pools, cluster
//! extensions, Flux configurations, the managed Prometheus pipeline and diagnostic settings.

use super::module::Module;
use super::{Ctx, LogSel, Principal, azure_name, diagnostics, role_assignment};
use crate::azure::{self, extensions as ext, prometheus, types};
use crate::bicep::{self, Expr, Item, Obj, Part, Resource, Type, arr, call, id, s};
use crate::model::*;

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
    o
}

pub(super) fn cluster(ctx: &Ctx, name: &str, c: &Cluster) -> Module {
    let mut m = Module::new(
        "cluster",
        "aks",
        name,
        &c.meta,
        azure_name(&azure::NAME_CLUSTER, name),
        "AKS cluster",
    );

    // A user-assigned control-plane identity exists before the cluster, so it can be granted
    // access to the node subnet's network first.
    m.push(Item::Resource(Resource::new(
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

    let subnet_id = if let Some((net, sub)) = &c.network.subnet {
        let vnet_name = m.param(
            "vnetName",
            Type::String,
            &format!("Name of network `{net}`"),
            Ctx::output("network", net, "name"),
        );
        let mut vnet = Resource::new(
            "vnet",
            types::VNET,
            Obj::new().set("name", vnet_name).build(),
        );
        vnet.existing = true;
        m.push(Item::Resource(vnet));
        let mut subnet = Resource::new(
            "nodeSubnet",
            types::SUBNET,
            Obj::new()
                .set("parent", id("vnet"))
                .set("name", s(sub.clone()))
                .build(),
        );
        subnet.existing = true;
        m.push(Item::Resource(subnet));
        role_assignment(&mut m, "controlPlaneJoinsNetwork", "vnet", Principal::Managed { principal_id: id("controlPlane").dot("properties.principalId"), seed: id("controlPlane").dot("id") }, "Network Contributor", Some("The control plane manages load balancers and joins nodes to the subnet (and, for a private\ncluster, links its DNS zone to the network)".into()));
        Some(id("nodeSubnet").dot("id"))
    } else {
        None
    };

    // The first system pool is declared inline: AKS needs one at creation, and it is the one
    // scanners read. Others become child agentPools.
    let first_system = c.pools.iter().position(|p| p.system).unwrap_or(0);
    let has_user_pools = c.pools.iter().any(|p| !p.system);
    let mut props = Obj::new();
    if let Some(v) = &c.kubernetes {
        props.push("kubernetesVersion", s(v.clone()));
    }
    props.push("dnsPrefix", id("name"));
    props.push("enableRBAC", Expr::Bool(true));
    props.push("disableLocalAccounts", Expr::Bool(true));
    props.push(
        "aadProfile",
        Obj::new()
            .set("managed", Expr::Bool(true))
            .set("enableAzureRBAC", Expr::Bool(true))
            .set("tenantID", call("subscription", vec![]).dot("tenantId"))
            .build(),
    );
    props.push(
        "oidcIssuerProfile",
        Obj::new().set("enabled", Expr::Bool(true)).build(),
    );
    let mut security = Obj::new().set(
        "workloadIdentity",
        Obj::new().set("enabled", Expr::Bool(true)).build(),
    );
    security.push(
        "imageCleaner",
        Obj::new()
            .set("enabled", Expr::Bool(true))
            .set("intervalHours", Expr::Int(168))
            .build(),
    );
    props.push("securityProfile", security.build());
    if c.private_cluster {
        props.push(
            "apiServerAccessProfile",
            Obj::new()
                .set("enablePrivateCluster", Expr::Bool(true))
                .build(),
        );
    }
    props.push(
        "autoUpgradeProfile",
        Obj::new()
            .set("upgradeChannel", s(upgrade_channel(&c.upgrade_channel)))
            .set(
                "nodeOSUpgradeChannel",
                s(node_os_channel(&c.node_os_upgrade_channel)),
            )
            .build(),
    );
    if let Some(pool) = c.pools.get(first_system) {
        props.push(
            "agentPoolProfiles",
            arr(vec![
                pool_body(
                    pool,
                    subnet_id.as_ref(),
                    pool.system && has_user_pools,
                    true,
                )
                .build(),
            ]),
        );
    }
    let n = &c.network;
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
    props.push("networkProfile", np.build());

    let logs_id = c.logs.as_ref().map(|l| {
        m.param(
            "containerInsightsWorkspaceId",
            Type::String,
            &format!("Log Analytics workspace `{l}` for Container insights"),
            Ctx::output("logs", l, "id"),
        )
    });
    let mut addons = Obj::new();
    if let Some(ws) = &logs_id {
        addons.push(
            ext::ADDON_CONTAINER_INSIGHTS,
            Obj::new()
                .set("enabled", Expr::Bool(true))
                .set(
                    "config",
                    Obj::new()
                        .set("logAnalyticsWorkspaceResourceID", ws.clone())
                        .set("useAADAuth", s("true"))
                        .build(),
                )
                .build(),
        );
    }
    if let Some(secs) = c.keyvault_csi {
        addons.push(
            ext::ADDON_KEYVAULT_CSI,
            Obj::new()
                .set("enabled", Expr::Bool(true))
                .set(
                    "config",
                    Obj::new()
                        .set("enableSecretRotation", s("true"))
                        .set("rotationPollInterval", s(format!("{secs}s")))
                        .build(),
                )
                .build(),
        );
    }
    if c.azure_policy {
        addons.push(
            ext::ADDON_AZURE_POLICY,
            Obj::new()
                .set("enabled", Expr::Bool(true))
                .set("config", Obj::new().set("version", s("v2")).build())
                .build(),
        );
    }
    addons.push(
        "kubeDashboard",
        Obj::new().set("enabled", Expr::Bool(false)).build(),
    );
    props.push("addonProfiles", addons.build());
    if c.prometheus {
        props.push(
            "azureMonitorProfile",
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
                .build(),
        );
    }
    if let Some(istio) = &c.istio {
        let mut io = Obj::new().set("revisions", arr(vec![s(istio.revision.clone())]));
        if let Some(ingress) = &istio.ingress {
            let mode = if ingress == "internal" {
                "Internal"
            } else {
                "External"
            };
            io.push(
                "components",
                Obj::new()
                    .set(
                        "ingressGateways",
                        arr(vec![
                            Obj::new()
                                .set("enabled", Expr::Bool(true))
                                .set("mode", s(mode))
                                .build(),
                        ]),
                    )
                    .build(),
            );
        }
        props.push(
            "serviceMeshProfile",
            Obj::new()
                .set("mode", s("Istio"))
                .set("istio", io.build())
                .build(),
        );
    }

    let mut body = Obj::new()
        .set("name", id("name"))
        .set("location", id("location"))
        .set("tags", id("tags"))
        .set(
            "sku",
            Obj::new()
                .set("name", s("Base"))
                .set(
                    "tier",
                    s(match c.sku_tier.as_str() {
                        "free" => "Free",
                        "premium" => "Premium",
                        _ => "Standard",
                    }),
                )
                .build(),
        )
        .set(
            "identity",
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
                .build(),
        )
        .set("properties", props.build());
    if subnet_id.is_some() {
        body.push("dependsOn", arr(vec![id("controlPlaneJoinsNetwork")]));
    }
    let cluster = Resource::new("cluster", types::MANAGED_CLUSTER, body.build());
    m.push(Item::Resource(cluster));

    for (i, pool) in c.pools.iter().enumerate() {
        if i == first_system {
            continue;
        }
        m.push(Item::Resource(Resource::new(
            bicep::ident("pool", &pool.name),
            types::AGENT_POOL,
            Obj::new()
                .set("parent", id("cluster"))
                .set("name", s(pool.name.clone()))
                .set(
                    "properties",
                    pool_body(pool, subnet_id.as_ref(), false, false).build(),
                )
                .build(),
        )));
    }

    if let Some(reg) = &c.registry {
        let rname = m.param(
            "registryName",
            Type::String,
            &format!("Name of registry `{reg}`"),
            Ctx::output("registry", reg, "name"),
        );
        let mut r = Resource::new(
            "registry",
            types::REGISTRY,
            Obj::new().set("name", rname).build(),
        );
        r.existing = true;
        m.push(Item::Resource(r));
        role_assignment(
            &mut m,
            "kubeletPullsImages",
            "registry",
            Principal::Managed {
                principal_id: id("cluster")
                    .dot("properties.identityProfile.kubeletidentity.objectId"),
                seed: id("cluster").dot("id"),
            },
            "AcrPull",
            Some("Nodes pull images with the kubelet identity".into()),
        );
    }

    if c.flux {
        let mut settings = Obj::new();
        for (k, v) in ext::FLUX_SETTINGS {
            settings.push(*k, s(*v));
        }
        let mut r = Resource::new(
            "flux",
            types::EXTENSION,
            Obj::new()
                .set("name", s(ext::FLUX_NAME))
                .set("scope", id("cluster"))
                .set(
                    "properties",
                    Obj::new()
                        .set("extensionType", s(ext::FLUX_TYPE))
                        .set("autoUpgradeMinorVersion", Expr::Bool(true))
                        .set("releaseTrain", s("Stable"))
                        .set(
                            "scope",
                            Obj::new()
                                .set(
                                    "cluster",
                                    Obj::new()
                                        .set("releaseNamespace", s(ext::FLUX_NAMESPACE))
                                        .build(),
                                )
                                .build(),
                        )
                        .set("configurationSettings", settings.build())
                        .build(),
                )
                .build(),
        );
        r.comment = Some("Flux installs the software; azd never deploys workloads".into());
        m.push(Item::Resource(r));
    }
    if c.app_config_provider {
        m.push(Item::Resource(Resource::new(
            "appConfigProvider",
            types::EXTENSION,
            Obj::new()
                .set("name", s(ext::APPCONFIG_NAME))
                .set("scope", id("cluster"))
                .set(
                    "properties",
                    Obj::new()
                        .set("extensionType", s(ext::APPCONFIG_TYPE))
                        .set("autoUpgradeMinorVersion", Expr::Bool(true))
                        .set(
                            "configurationSettings",
                            Obj::new()
                                .set("global.clusterType", s("managedclusters"))
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )));
    }

    let mut blob_accounts: Vec<String> = Vec::new();
    for (gname, g) in &c.gitops {
        let mut deps = vec![id("flux")];
        let mut gp = Obj::new()
            .set("scope", s("cluster"))
            .set("namespace", s(g.namespace.clone()));
        match &g.source {
            GitopsSource::Git {
                url,
                reference: (kind, value),
            } => {
                gp.push("sourceKind", s("GitRepository"));
                gp.push(
                    "gitRepository",
                    Obj::new()
                        .set("url", s(url.clone()))
                        .set(
                            "repositoryRef",
                            Obj::new().set(kind.clone(), s(value.clone())).build(),
                        )
                        .set("syncIntervalInSeconds", Expr::Int(g.interval_secs as i64))
                        .set("timeoutInSeconds", Expr::Int(180))
                        .build(),
                );
            }
            GitopsSource::Blob { storage, container } => {
                let ident = bicep::ident("storage", storage);
                if !blob_accounts.contains(storage) {
                    let pname = format!("{ident}Name");
                    let sname = m.param(
                        &pname,
                        Type::String,
                        &format!("Name of storage `{storage}`, a Flux source"),
                        Ctx::output("storage", storage, "name"),
                    );
                    let mut r = Resource::new(
                        &ident,
                        types::STORAGE,
                        Obj::new().set("name", sname).build(),
                    );
                    r.existing = true;
                    m.push(Item::Resource(r));
                    role_assignment(
                        &mut m,
                        &format!("{ident}Reader"),
                        &ident,
                        Principal::Managed {
                            principal_id: id("cluster")
                                .dot("properties.identityProfile.kubeletidentity.objectId"),
                            seed: id("cluster").dot("id"),
                        },
                        "Storage Blob Data Reader",
                        Some(format!(
                            "Flux reads storage `{storage}` with the kubelet identity"
                        )),
                    );
                    blob_accounts.push(storage.clone());
                }
                deps.push(id(format!("{ident}Reader")));
                gp.push("sourceKind", s("AzureBlob"));
                gp.push(
                    "azureBlob",
                    Obj::new()
                        .set(
                            "url",
                            id(ident.clone()).dot("properties.primaryEndpoints.blob"),
                        )
                        .set("containerName", s(container.clone()))
                        .set("syncIntervalInSeconds", Expr::Int(g.interval_secs as i64))
                        .set("timeoutInSeconds", Expr::Int(180))
                        .set(
                            "managedIdentity",
                            Obj::new()
                                .set(
                                    "clientId",
                                    id("cluster")
                                        .dot("properties.identityProfile.kubeletidentity.clientId"),
                                )
                                .build(),
                        )
                        .build(),
                );
            }
        }
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
        gp.push("kustomizations", ks.build());
        let mut r = Resource::new(
            bicep::ident("gitops", gname),
            types::FLUX_CONFIG,
            Obj::new()
                .set("name", s(gname.clone()))
                .set("scope", id("cluster"))
                .set("properties", gp.build())
                .set("dependsOn", arr(deps))
                .build(),
        );
        r.comment = Some(format!("gitops \"{gname}\""));
        r.decorators = g
            .doc
            .iter()
            .map(|d| bicep::Decorator::description(d.clone()))
            .collect();
        m.push(Item::Resource(r));
    }

    if c.prometheus
        && let Some(metrics) = &c.metrics
    {
        prometheus_pipeline(&mut m, metrics);
    }
    if let Some(ws) = ctx.logs_id() {
        let ws = match &logs_id {
            Some(l) if c.logs == ctx.diagnostics => l.clone(),
            _ => m.param(
                "logAnalyticsWorkspaceId",
                Type::String,
                "Log Analytics workspace for diagnostic settings",
                ws,
            ),
        };
        m.push(diagnostics(
            "clusterDiagnostics",
            "cluster",
            ws,
            LogSel::Categories(azure::AKS_LOG_CATEGORIES),
            true,
        ));
    }

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
    m
}

/// Data collection endpoint, rule and association that route the cluster's Prometheus metrics to
/// the Azure Monitor workspace, plus the recording rules the official template installs.
fn prometheus_pipeline(m: &mut Module, metrics: &str) {
    let amw = m.param(
        "monitorWorkspaceId",
        Type::String,
        &format!("Azure Monitor workspace `{metrics}`"),
        Ctx::output("metrics", metrics, "id"),
    );
    // MSProm-<region>-<cluster>, cut to the data collection endpoint's 44 characters.
    let stem = m.var(
        "promName",
        call(
            "take",
            vec![
                Expr::Interp(vec![
                    Part::Text("MSProm-".into()),
                    Part::Expr(id("location")),
                    Part::Text("-".into()),
                    Part::Expr(id("name")),
                ]),
                Expr::Int(super::NAME_CUT as i64),
            ],
        ),
    );
    m.push(Item::Resource(Resource::new(
        "promEndpoint",
        types::DCE,
        Obj::new()
            .set("name", stem.clone())
            .set("location", id("location"))
            .set("tags", id("tags"))
            .set("kind", s("Linux"))
            .set("properties", Obj::new().build())
            .build(),
    )));
    let stream = s("Microsoft-PrometheusMetrics");
    m.push(Item::Resource(Resource::new(
        "promRule",
        types::DCR,
        Obj::new()
            .set("name", stem.clone())
            .set("location", id("location"))
            .set("tags", id("tags"))
            .set("kind", s("Linux"))
            .set(
                "properties",
                Obj::new()
                    .set("dataCollectionEndpointId", id("promEndpoint").dot("id"))
                    .set(
                        "dataSources",
                        Obj::new()
                            .set(
                                "prometheusForwarder",
                                arr(vec![
                                    Obj::new()
                                        .set("name", s("PrometheusDataSource"))
                                        .set("streams", arr(vec![stream.clone()]))
                                        .set("labelIncludeFilter", Obj::new().build())
                                        .build(),
                                ]),
                            )
                            .build(),
                    )
                    .set(
                        "destinations",
                        Obj::new()
                            .set(
                                "monitoringAccounts",
                                arr(vec![
                                    Obj::new()
                                        .set("accountResourceId", amw.clone())
                                        .set("name", s("MonitoringAccount1"))
                                        .build(),
                                ]),
                            )
                            .build(),
                    )
                    .set(
                        "dataFlows",
                        arr(vec![
                            Obj::new()
                                .set("streams", arr(vec![stream]))
                                .set("destinations", arr(vec![s("MonitoringAccount1")]))
                                .build(),
                        ]),
                    )
                    .build(),
            )
            .build(),
    )));
    m.push(Item::Resource(Resource::new(
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
    )));
    for g in prometheus::GROUPS {
        let rules: Vec<Expr> = g
            .rules
            .iter()
            .map(|(record, expr)| {
                Obj::new()
                    .set("record", s(*record))
                    .set("expression", s(*expr))
                    .build()
            })
            .collect();
        m.push(Item::Resource(Resource::new(
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
                        .set("scopes", arr(vec![amw.clone(), id("cluster").dot("id")]))
                        .set("clusterName", id("cluster").dot("name"))
                        .set("enabled", Expr::Bool(true))
                        .set("interval", s(prometheus::INTERVAL))
                        .set("rules", arr(rules))
                        .build(),
                )
                .build(),
        )));
    }
}
