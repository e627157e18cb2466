//! Modules for the supporting resources: network, monitoring, storage, registry, Key Vault and
//! App Configuration.

use super::module::Module;
use super::{Ctx, Principal, azure_name, diagnostics, json, role_assignment};
use crate::azure::{self, PrivateLink, types};
use crate::bicep::{self, Expr, Item, Obj, Part, Resource, Table, Type, arr, call, id, s};
use crate::model::*;

/// Private Link services the platform uses: their DNS zones go into the endpoint network.
pub(super) fn private_links(p: &Platform) -> Vec<PrivateLink> {
    let mut links = Vec::new();
    if p.vaults.values().any(|v| v.private) {
        links.push(PrivateLink::Vault);
    }
    if p.registries.values().any(|r| r.private) {
        links.push(PrivateLink::Registry);
    }
    if p.storages.values().any(|s| s.private) {
        links.push(PrivateLink::Blob);
    }
    if p.appconfigs.values().any(|a| a.private) {
        links.push(PrivateLink::AppConfig);
    }
    links
}

fn subnet_output(subnet: &str) -> String {
    format!("{}Id", bicep::ident("subnet", subnet))
}

fn resource(name: &str, type_: &'static str, body: Obj) -> Resource {
    Resource::new(name, type_, body.build())
}

fn base(name: Expr) -> Obj {
    Obj::new()
        .set("name", name)
        .set("location", id("location"))
        .set("tags", id("tags"))
}

pub(super) fn network(ctx: &Ctx, name: &str, n: &Network) -> Module {
    let mut m = Module::new(
        "network",
        "network",
        name,
        &n.meta,
        azure_name(&azure::NAME_VNET, name),
        "virtual network",
    );
    // AKS puts a cluster's API server into the subnet it names (API Server VNet Integration),
    // and requires that subnet delegated to it.
    let api_server = |sname: &str| {
        ctx.p.clusters.values().any(|c| {
            c.network
                .api_server_subnet
                .as_ref()
                .is_some_and(|(net, sub)| net == name && sub == sname)
        })
    };
    let subnets = n
        .subnets
        .iter()
        .map(|(sname, sub)| subnet(&mut m, sname, sub, api_server(sname)))
        .collect();
    m.push(Item::Resource(vnet(n, subnets)));
    with_diagnostics(ctx, &mut m, "vnet", types::VNET);
    for sname in n.subnets.keys() {
        let nsg = bicep::ident("nsg", sname);
        with_diagnostics(ctx, &mut m, &nsg, types::NSG);
    }
    for sname in n.subnets.keys() {
        m.output(
            &subnet_output(sname),
            call(
                "resourceId",
                vec![
                    s(azure::type_name(types::SUBNET)),
                    id("vnet").dot("name"),
                    s(sname.clone()),
                ],
            ),
        );
    }
    if ctx
        .endpoint_subnet
        .as_ref()
        .is_some_and(|(net, _)| net == name)
    {
        for &link in ctx.links {
            private_dns_zone(&mut m, link);
        }
    }
    m.output("id", id("vnet").dot("id"));
    m.output("name", id("vnet").dot("name"));
    m
}

/// Pushes the subnet's network security group; returns the subnet as the vnet lists it.
fn subnet(m: &mut Module, sname: &str, sub: &Subnet, api_server: bool) -> Expr {
    let nsg = bicep::ident("nsg", sname);
    m.push(Item::Resource(resource(
        &nsg,
        types::NSG,
        base(Expr::Interp(vec![
            Part::Expr(id("name")),
            Part::Text(format!("-{sname}-nsg").into()),
        ]))
        .set(
            "properties",
            Obj::new().set("securityRules", arr(vec![])).build(),
        ),
    )));
    let mut props = Obj::new().set("addressPrefix", s(sub.prefix.clone())).set(
        "networkSecurityGroup",
        Obj::new().set("id", id(nsg).dot("id")).build(),
    );
    if sub.private_endpoints {
        props.push("privateEndpointNetworkPolicies", s("Disabled"));
    }
    if api_server {
        let delegation = Obj::new()
            .set("name", s("aks-api-server"))
            .set(
                "properties",
                Obj::new()
                    .set("serviceName", s(azure::keys::API_SUBNET_DELEGATION))
                    .build(),
            )
            .build();
        props.push("delegations", arr(vec![delegation]));
    }
    Obj::new()
        .set("name", s(sname.to_string()))
        .set("properties", props.build())
        .build()
}

fn vnet(n: &Network, subnets: Vec<Expr>) -> Resource {
    resource(
        "vnet",
        types::VNET,
        base(id("name")).set(
            "properties",
            Obj::new()
                .set(
                    "addressSpace",
                    Obj::new()
                        .set(
                            "addressPrefixes",
                            arr(n.address_space.iter().map(|a| s(a.clone())).collect()),
                        )
                        .build(),
                )
                .set("subnets", arr(subnets))
                .build(),
        ),
    )
}

/// The zone of one Private Link service, linked to the endpoint network.
fn private_dns_zone(m: &mut Module, link: PrivateLink) {
    let zone = link.ident();
    let mut z = resource(
        zone,
        types::PRIVATE_DNS_ZONE,
        Obj::new()
            .set("name", s(link.zone()))
            .set("location", s("global"))
            .set("tags", id("tags")),
    );
    z.comment = Some(format!(
        "Private endpoints of {} register here; linked to this network so nodes resolve them",
        link.group_id()
    ));
    m.push(Item::Resource(z));
    let mut l = resource(
        &format!("{zone}Link"),
        types::PRIVATE_DNS_LINK,
        Obj::new()
            .set("parent", id(zone))
            .set("name", id("name"))
            .set("location", s("global"))
            .set("tags", id("tags"))
            .set(
                "properties",
                Obj::new()
                    .set("registrationEnabled", Expr::Bool(false))
                    .set(
                        "virtualNetwork",
                        Obj::new().set("id", id("vnet").dot("id")).build(),
                    )
                    .build(),
            ),
    );
    l.comment = None;
    m.push(Item::Resource(l));
    m.output(&format!("{zone}Id"), id(zone).dot("id"));
}

/// A private endpoint for `target` in the platform's endpoint subnet, registered in its DNS zone.
fn private_endpoint(ctx: &Ctx, m: &mut Module, target: &str, link: PrivateLink) {
    let Some((net, sub)) = &ctx.endpoint_subnet else {
        return;
    };
    let subnet = m.param(
        "endpointSubnetId",
        Type::String,
        "Subnet that holds private endpoints",
        Ctx::output("network", net, &subnet_output(sub)),
    );
    let zone = m.param(
        "privateDnsZoneId",
        Type::String,
        &format!("Private DNS zone {}", link.zone()),
        Ctx::output("network", net, &format!("{}Id", link.ident())),
    );
    m.push(Item::Resource(resource(
        "privateEndpoint",
        types::PRIVATE_ENDPOINT,
        base(Expr::Interp(vec![
            Part::Expr(id("name")),
            Part::Text("-pe".into()),
        ]))
        .set(
            "properties",
            Obj::new()
                .set("subnet", Obj::new().set("id", subnet).build())
                .set(
                    "privateLinkServiceConnections",
                    arr(vec![
                        Obj::new()
                            .set("name", s(link.group_id()))
                            .set(
                                "properties",
                                Obj::new()
                                    .set("privateLinkServiceId", id(target.to_string()).dot("id"))
                                    .set("groupIds", arr(vec![s(link.group_id())]))
                                    .build(),
                            )
                            .build(),
                    ]),
                )
                .build(),
        ),
    )));
    m.push(Item::Resource(resource(
        "privateDnsZoneGroup",
        types::PRIVATE_DNS_GROUP,
        Obj::new()
            .set("parent", id("privateEndpoint"))
            .set("name", s("default"))
            .set(
                "properties",
                Obj::new()
                    .set(
                        "privateDnsZoneConfigs",
                        arr(vec![
                            Obj::new()
                                .set("name", s(link.zone().replace('.', "-")))
                                .set(
                                    "properties",
                                    Obj::new().set("privateDnsZoneId", zone).build(),
                                )
                                .build(),
                        ]),
                    )
                    .build(),
            ),
    )));
}

fn with_diagnostics(ctx: &Ctx, m: &mut Module, scope: &str, type_: &str) {
    if let Some(ws) = ctx.logs_id() {
        let ws = m.param(
            "logAnalyticsWorkspaceId",
            Type::String,
            "Log Analytics workspace for diagnostic settings",
            ws,
        );
        m.push(diagnostics(
            &format!("{scope}Diagnostics"),
            scope,
            type_,
            ws,
        ));
    }
}

pub(super) fn logs(ctx: &Ctx, name: &str, l: &crate::model::Logs) -> Module {
    let mut m = Module::new(
        "logs",
        "logs",
        name,
        &l.meta,
        azure_name(&azure::NAME_LOGS, name),
        "Log Analytics workspace",
    );
    let mut props = Obj::new()
        .set("sku", Obj::new().set("name", s("PerGB2018")).build())
        .set("retentionInDays", Expr::Int(l.retention_days))
        .set(
            "features",
            Obj::new()
                .set("disableLocalAuth", Expr::Bool(!l.local_auth))
                .build(),
        );
    if let Some(q) = l.daily_quota_gb {
        props.push(
            "workspaceCapping",
            Obj::new().set("dailyQuotaGb", Expr::Int(q)).build(),
        );
    }
    let r = resource(
        "workspace",
        types::LOG_ANALYTICS,
        base(id("name")).set("properties", props.build()),
    );
    m.push(Item::Resource(r));
    // The diagnostics workspace records its own audit logs.
    if ctx.diagnostics.as_deref() == Some(name) {
        m.push(diagnostics(
            "workspaceDiagnostics",
            "workspace",
            types::LOG_ANALYTICS,
            id("workspace").dot("id"),
        ));
    } else {
        with_diagnostics(ctx, &mut m, "workspace", types::LOG_ANALYTICS);
    }
    m.output("id", id("workspace").dot("id"));
    m.output("name", id("workspace").dot("name"));
    m
}

pub(super) fn metrics(ctx: &Ctx, name: &str, mt: &Metrics) -> Module {
    let mut m = Module::new(
        "metrics",
        "metrics",
        name,
        &mt.meta,
        azure_name(&azure::NAME_MONITOR, name),
        "Azure Monitor workspace",
    );
    let r = resource("workspace", types::MONITOR_WORKSPACE, base(id("name")));
    m.push(Item::Resource(r));
    m.output("id", id("workspace").dot("id"));
    m.output("name", id("workspace").dot("name"));
    if mt.grafana {
        grafana(ctx, &mut m, name);
    }
    m
}

/// Managed Grafana on the workspace, reading it with its own identity.
fn grafana(ctx: &Ctx, m: &mut Module, name: &str) {
    let gname = m.param(
        "grafanaName",
        Type::String,
        "Name of the Managed Grafana",
        azure_name(&azure::NAME_GRAFANA, name),
    );
    m.push(Item::Resource(resource(
        "grafana",
        types::GRAFANA,
        base(gname)
            .set("sku", Obj::new().set("name", s("Standard")).build())
            .set(
                "identity",
                Obj::new().set("type", s("SystemAssigned")).build(),
            )
            .set(
                "properties",
                Obj::new()
                    .set("apiKey", s("Disabled"))
                    .set("publicNetworkAccess", s("Enabled"))
                    .set(
                        "grafanaIntegrations",
                        Obj::new()
                            .set(
                                "azureMonitorWorkspaceIntegrations",
                                arr(vec![
                                    Obj::new()
                                        .set(
                                            "azureMonitorWorkspaceResourceId",
                                            id("workspace").dot("id"),
                                        )
                                        .build(),
                                ]),
                            )
                            .build(),
                    )
                    .build(),
            ),
    )));
    role_assignment(
        m,
        "grafanaReadsMetrics",
        "workspace",
        Principal::Managed {
            principal_id: id("grafana").dot("identity.principalId"),
        },
        "Monitoring Data Reader",
        Some("Grafana queries the workspace with its own identity".into()),
    );
    role_assignment(
        m,
        "grafanaAdmin",
        "grafana",
        Principal::Deployer,
        "Grafana Admin",
        Some("Whoever provisions the platform can sign in to Grafana".into()),
    );
    with_diagnostics(ctx, m, "grafana", types::GRAFANA);
    m.output("grafanaName", id("grafana").dot("name"));
    m.output("grafanaEndpoint", id("grafana").dot("properties.endpoint"));
}

pub(super) fn storage(ctx: &Ctx, name: &str, st: &Storage) -> Module {
    let mut m = Module::new(
        "storage",
        "storage",
        name,
        &st.meta,
        azure_name(&azure::NAME_STORAGE, name),
        "storage account",
    );
    m.push(Item::Resource(storage_account(st)));
    m.push(Item::Resource(blob_service()));
    for c in &st.containers {
        m.push(Item::Resource(resource(
            &bicep::ident("container", c),
            types::BLOB_CONTAINER,
            Obj::new()
                .set("parent", id("blobService"))
                .set("name", s(c.clone()))
                .set(
                    "properties",
                    Obj::new().set("publicAccess", s("None")).build(),
                ),
        )));
    }
    if st.private {
        private_endpoint(ctx, &mut m, "account", PrivateLink::Blob);
    }
    with_diagnostics(ctx, &mut m, "account", types::STORAGE);
    with_diagnostics(ctx, &mut m, "blobService", types::BLOB_SERVICE);
    m.output("id", id("account").dot("id"));
    m.output("name", id("account").dot("name"));
    m.output(
        "blobEndpoint",
        id("account").dot("properties.primaryEndpoints.blob"),
    );
    m
}

fn storage_account(st: &Storage) -> Resource {
    let sku = format!("Standard_{}", st.replication.to_ascii_uppercase());
    let mut props = Obj::new()
        .set("accessTier", s("Hot"))
        .set("allowBlobPublicAccess", Expr::Bool(false))
        .set("allowSharedKeyAccess", Expr::Bool(false))
        .set("defaultToOAuthAuthentication", Expr::Bool(true))
        .set("supportsHttpsTrafficOnly", Expr::Bool(true))
        .set("minimumTlsVersion", s("TLS1_2"));
    props.push(
        "publicNetworkAccess",
        s(if st.private { "Disabled" } else { "Enabled" }),
    );
    props.push(
        "networkAcls",
        Obj::new()
            .set("bypass", s("AzureServices"))
            .set(
                "defaultAction",
                s(if st.private { "Deny" } else { "Allow" }),
            )
            .build(),
    );
    resource(
        "account",
        types::STORAGE,
        base(id("name"))
            .set("kind", s("StorageV2"))
            .set("sku", Obj::new().set("name", s(sku)).build())
            .set("properties", props.build()),
    )
}

fn blob_service() -> Resource {
    let retention = || {
        Obj::new()
            .set("enabled", Expr::Bool(true))
            .set("days", Expr::Int(7))
            .build()
    };
    resource(
        "blobService",
        types::BLOB_SERVICE,
        Obj::new()
            .set("parent", id("account"))
            .set("name", s("default"))
            .set(
                "properties",
                Obj::new()
                    .set("deleteRetentionPolicy", retention())
                    .set("containerDeleteRetentionPolicy", retention())
                    .build(),
            ),
    )
}

pub(super) fn registry(ctx: &Ctx, name: &str, r: &Registry) -> Module {
    let mut m = Module::new(
        "registry",
        "registry",
        name,
        &r.meta,
        azure_name(&azure::NAME_REGISTRY, name),
        "container registry",
    );
    let premium = r.sku == "premium";
    let sku = match r.sku.as_str() {
        "basic" => "Basic",
        "standard" => "Standard",
        _ => "Premium",
    };
    let mut props = Obj::new()
        .set("adminUserEnabled", Expr::Bool(false))
        .set("anonymousPullEnabled", Expr::Bool(false))
        .set(
            "publicNetworkAccess",
            s(if r.private { "Disabled" } else { "Enabled" }),
        )
        .set("networkRuleBypassOptions", s("AzureServices"));
    if premium {
        props.push("zoneRedundancy", s("Enabled"));
        props.push(
            "policies",
            Obj::new()
                .set(
                    "retentionPolicy",
                    Obj::new()
                        .set("status", s("enabled"))
                        .set("days", Expr::Int(30))
                        .build(),
                )
                .set(
                    "exportPolicy",
                    Obj::new()
                        .set("status", s(if r.private { "disabled" } else { "enabled" }))
                        .build(),
                )
                .build(),
        );
    }
    let res = resource(
        "registry",
        types::REGISTRY,
        base(id("name"))
            .set("sku", Obj::new().set("name", s(sku)).build())
            .set("properties", props.build()),
    );
    m.push(Item::Resource(res));
    if r.private {
        private_endpoint(ctx, &mut m, "registry", PrivateLink::Registry);
    }
    with_diagnostics(ctx, &mut m, "registry", types::REGISTRY);
    m.output("id", id("registry").dot("id"));
    m.output("name", id("registry").dot("name"));
    m.output("loginServer", id("registry").dot("properties.loginServer"));
    m
}

pub(super) fn vault(ctx: &Ctx, name: &str, v: &Vault) -> Module {
    let mut m = Module::new(
        "vault",
        "keyvault",
        name,
        &v.meta,
        azure_name(&azure::NAME_VAULT, name),
        "Key Vault",
    );
    m.push(Item::Resource(key_vault(v)));
    if !v.secrets.is_empty() {
        vault_secrets(ctx, &mut m, v);
    }
    if !v.keys.is_empty() {
        vault_keys(&mut m, name, v);
    }
    // ARM cannot write certificates: `platc publish` does, as the signed-in az account where the
    // vault is public (a private one is written by a Job in its network; see `gitops`).
    if !v.certificates.is_empty() && !v.private {
        role_assignment(
            &mut m,
            "deployerWritesCertificates",
            "vault",
            Principal::Deployer,
            azure::keys::CERTIFICATE_WRITER_ROLE,
            Some("`platc publish` issues and imports the certificates, which ARM cannot, as the deploying\nprincipal".into()),
        );
    }
    if v.private {
        private_endpoint(ctx, &mut m, "vault", PrivateLink::Vault);
    }
    with_diagnostics(ctx, &mut m, "vault", types::VAULT);
    m.output("id", id("vault").dot("id"));
    m.output("name", id("vault").dot("name"));
    m.output("uri", id("vault").dot("properties.vaultUri"));
    m
}

fn key_vault(v: &Vault) -> Resource {
    let mut props = Obj::new()
        .set("tenantId", call("subscription", vec![]).dot("tenantId"))
        .set(
            "sku",
            Obj::new()
                .set("family", s("A"))
                .set("name", s(v.sku.clone()))
                .build(),
        )
        .set("enableRbacAuthorization", Expr::Bool(true))
        .set("enableSoftDelete", Expr::Bool(true))
        .set("softDeleteRetentionInDays", Expr::Int(v.soft_delete_days));
    // Azure rejects `false`; leaving it out is how purge protection stays off.
    if v.purge_protection {
        props.push("enablePurgeProtection", Expr::Bool(true));
    }
    props.push(
        "publicNetworkAccess",
        s(if v.private { "Disabled" } else { "Enabled" }),
    );
    props.push(
        "networkAcls",
        Obj::new()
            .set("bypass", s("AzureServices"))
            .set("defaultAction", s(if v.private { "Deny" } else { "Allow" }))
            .build(),
    );
    resource(
        "vault",
        types::VAULT,
        base(id("name")).set("properties", props.build()),
    )
}

/// The vault's secrets: their values as one secure parameter, their settings as a table.
fn vault_secrets(ctx: &Ctx, m: &mut Module, v: &Vault) {
    m.param(
        "issuedAt",
        Type::String,
        "When the secrets were issued; their expiry counts from it",
        id("secretsFrom"),
    );
    // One loop over a table rather than a resource per secret: vaults alike in shape then
    // share one module. The values travel as one secure object, keyed by secret name.
    let mut values = Obj::new();
    let mut rows = Table::new(&["name", "contentType", "expiresAfter"]);
    for (sname, sec) in &v.secrets {
        values.push(sname.clone(), ctx.secret_value(sname));
        rows.str(sname);
        rows.str(&sec.content_type);
        rows.str_with(|out| {
            use std::fmt::Write;
            let _ = write!(out, "P{}D", sec.expires_after_days);
        });
        m.origin(
            ctx.sources,
            types::VAULT_SECRET,
            sname,
            sec.meta.span,
            &["secret \\\"", sname, "\\\""],
        );
    }
    m.secure_object_param(
        "secretValues",
        "Secret values by secret name, from the azd environment variables main.parameters.json names",
        values.build(),
    );
    m.var("secrets", Expr::Table(Box::new(rows)));
    m.push(Item::Resource(secrets_loop()));
}

/// The vault's keys. ARM creates a key once and never changes it: a PUT of an existing key with
/// other settings (another expiry, say) fails with `KeyCreationParametersDidNotMatchExistingKey`
/// (Keys - Create If Not Exist; Azure/bicep#8283). So a key is deployed only where it does not
/// exist yet: `platc preflight` lists the ones that do (PLATC_EXISTING_KEYS), and a key that
/// exists is read, for its current version, rather than written. `platc verify` compares the
/// live key with its declaration.
fn vault_keys(m: &mut Module, vault: &str, v: &Vault) {
    m.param(
        "keysCreatedAt",
        Type::String,
        "When this deployment runs: a key created now expires counting from it",
        id("deploymentTime"),
    );
    m.param(
        "existingKeys",
        Type::Array,
        "Keys that exist already, as `vault/key` (PLATC_EXISTING_KEYS, set by platc preflight): they are read, not written again",
        call("split", vec![id("existingKeys"), s(",")]),
    );
    for (kname, k) in &v.keys {
        let symbol = bicep::ident("key", kname);
        let exists = call(
            "contains",
            vec![id("existingKeys"), s(format!("{vault}/{kname}"))],
        );
        // A list of none or one rather than a condition: scanners (Checkov) read the settings of
        // a looped resource, and not those of a conditional one.
        let mut created = vault_key(&symbol, id("key"), k);
        created.each = Some((
            "key".into(),
            Expr::Ternary(
                Box::new(exists),
                Box::new(arr(vec![])),
                Box::new(arr(vec![s(kname.clone())])),
            ),
        ));
        created.comment = Some(format!(
            "Created only where vault `{vault}` has no key `{kname}` yet"
        ));
        created.origin = Some((k.meta.span, format!("key \"{kname}\"")));
        m.push(Item::Resource(created));
        let live = format!("{symbol}Live");
        let mut r = Resource::new(
            &live,
            types::VAULT_KEY,
            Obj::new()
                .set("parent", id("vault"))
                .set("name", s(kname.clone()))
                .build(),
        );
        r.existing = true;
        m.push(Item::Resource(r));
        // Outputs are evaluated once the module's resources are deployed: the key exists then,
        // created now or before.
        m.output(
            &format!("{symbol}Uri"),
            id(live).dot("properties.keyUriWithVersion"),
        );
    }
}

/// A key with its rotation policy, as ARM creates it.
fn vault_key(symbol: &str, name: Expr, k: &crate::model::Key) -> Resource {
    let period = |days: u64| s(format!("P{days}D"));
    let mut props = Obj::new().set("kty", s(k.spec.kty.clone()));
    if let Some(size) = k.spec.size {
        props.push("keySize", Expr::Int(size));
    }
    if let Some(curve) = &k.spec.curve {
        props.push("curveName", s(curve.clone()));
    }
    props.push(
        "keyOps",
        arr(k.operations.iter().map(|o| s(o.clone())).collect()),
    );
    let exp = call(
        "dateTimeToEpoch",
        vec![call(
            "dateTimeAdd",
            vec![id("keysCreatedAt"), period(k.expires_after_days)],
        )],
    );
    props.push(
        "attributes",
        Obj::new()
            .set("enabled", Expr::Bool(true))
            .set("exp", exp)
            .build(),
    );
    let action = |kind: &str, trigger: &str, days: u64| {
        Obj::new()
            .set(
                "action",
                Obj::new().set("type", s(kind.to_string())).build(),
            )
            .set(
                "trigger",
                Obj::new().set(trigger.to_string(), period(days)).build(),
            )
            .build()
    };
    let mut actions = Vec::new();
    match k.rotate {
        Some(crate::model::Rotate::AfterCreate(d)) => {
            actions.push(action("rotate", "timeAfterCreate", d));
        }
        Some(crate::model::Rotate::BeforeExpiry(d)) => {
            actions.push(action("rotate", "timeBeforeExpiry", d));
        }
        None => {}
    }
    actions.push(action(
        "notify",
        "timeBeforeExpiry",
        k.notify_before_expiry_days,
    ));
    props.push(
        "rotationPolicy",
        Obj::new()
            .set(
                "attributes",
                Obj::new()
                    .set("expiryTime", period(k.expires_after_days))
                    .build(),
            )
            .set("lifetimeActions", arr(actions))
            .build(),
    );
    resource(
        symbol,
        types::VAULT_KEY,
        Obj::new()
            .set("parent", id("vault"))
            .set("name", name)
            .set("properties", props.build()),
    )
}

/// One secret per row of the `secrets` table.
fn secrets_loop() -> Resource {
    let exp = call(
        "dateTimeToEpoch",
        vec![call(
            "dateTimeAdd",
            vec![id("issuedAt"), id("secret").dot("expiresAfter")],
        )],
    );
    let mut r = resource(
        "vaultSecrets",
        types::VAULT_SECRET,
        Obj::new()
            .set("parent", id("vault"))
            .set("name", id("secret").dot("name"))
            .set(
                "properties",
                Obj::new()
                    .set(
                        "value",
                        Expr::Index(
                            Box::new(id("secretValues")),
                            Box::new(id("secret").dot("name")),
                        ),
                    )
                    .set("contentType", id("secret").dot("contentType"))
                    .set(
                        "attributes",
                        Obj::new()
                            .set("enabled", Expr::Bool(true))
                            .set("exp", exp)
                            .build(),
                    )
                    .build(),
            ),
    );
    r.each = Some(("secret".into(), id("secrets")));
    r
}

/// One key-value of a store whose key-values are objects rather than a table.
fn kv_object(name: &str, value: Expr, content_type: &str) -> Expr {
    Obj::new()
        .set("name", s(name.to_string()))
        .set("value", value)
        .set("contentType", s(content_type.to_string()))
        .build()
}

pub(super) fn appconfig(ctx: &Ctx, name: &str, a: &AppConfig) -> Module {
    let mut m = Module::new(
        "appconfig",
        "appconfig",
        name,
        &a.meta,
        azure_name(&azure::NAME_APPCONFIG, name),
        "App Configuration store",
    );
    m.push(Item::Resource(store(a)));
    if !a.entries.is_empty() {
        role_assignment(
            &mut m,
            "deployerWritesKeyValues",
            "store",
            Principal::Deployer,
            "App Configuration Data Owner",
            Some("With local auth disabled, ARM writes key-values through the data plane (pass-through):\nthe deploying principal needs a data-plane role on the store".into()),
        );
        key_values(ctx, &mut m, a);
    }
    if a.private {
        private_endpoint(ctx, &mut m, "store", PrivateLink::AppConfig);
    }
    with_diagnostics(ctx, &mut m, "store", types::APPCONFIG);
    m.output("id", id("store").dot("id"));
    m.output("name", id("store").dot("name"));
    m.output("endpoint", id("store").dot("properties.endpoint"));
    m
}

fn store(a: &AppConfig) -> Resource {
    let paid = matches!(a.sku.as_str(), "standard" | "premium");
    let sku = match a.sku.as_str() {
        "free" => "Free",
        "developer" => "Developer",
        "premium" => "Premium",
        _ => "Standard",
    };
    let mut props = Obj::new()
        .set("disableLocalAuth", Expr::Bool(true))
        .set(
            "dataPlaneProxy",
            Obj::new()
                .set("authenticationMode", s("Pass-through"))
                .set("privateLinkDelegation", s("Disabled"))
                .build(),
        )
        .set(
            "publicNetworkAccess",
            s(if a.private { "Disabled" } else { "Enabled" }),
        );
    if paid {
        props.push("softDeleteRetentionInDays", Expr::Int(a.soft_delete_days));
        props.push("enablePurgeProtection", Expr::Bool(a.purge_protection));
    }
    resource(
        "store",
        types::APPCONFIG,
        base(id("name"))
            .set("sku", Obj::new().set("name", s(sku)).build())
            .set("properties", props.build()),
    )
}

/// The store's key-values, feature flags and Key Vault references.
fn key_values(ctx: &Ctx, m: &mut Module, a: &AppConfig) {
    // Key-values are one literal table and one resource loop: a store with thousands of keys
    // stays one line per key. Where each key came from is kept in the source map.
    let mut vault_params: Vec<String> = Vec::new();
    // Key Vault references name the vault's URI parameter, so a store with any is an array of
    // objects; without, a flat table.
    let refs = a
        .entries
        .iter()
        .any(|e| matches!(e.content, KvContent::SecretRef { .. }));
    let mut table = Table::new(&["name", "value", "contentType"]);
    let mut entries = Vec::new();
    // One buffer for every key's resource name.
    let mut rname = String::new();
    for e in &a.entries {
        rname.clear();
        azure::appconfig_resource_name_into(&mut rname, &e.key, e.label.as_deref());
        // A plain value is borrowed from the model when it goes into the table.
        let (value, content_type): (std::borrow::Cow<str>, &str) = match &e.content {
            KvContent::Value {
                value,
                content_type,
            } => (value.into(), content_type.as_str()),
            KvContent::FeatureFlag {
                id: fid,
                description,
                enabled,
            } => (
                feature_flag(fid, description.as_deref(), *enabled).into(),
                azure::FEATURE_FLAG_CONTENT_TYPE,
            ),
            KvContent::SecretRef { vault, secret } => {
                let uri = vault_reference(m, &mut vault_params, vault, secret);
                entries.push(kv_object(&rname, uri, azure::KEYVAULT_REF_CONTENT_TYPE));
                (Default::default(), "")
            }
        };
        if !matches!(e.content, KvContent::SecretRef { .. }) {
            if refs {
                entries.push(kv_object(&rname, s(value.into_owned()), content_type));
            } else {
                table.str(&rname);
                table.str(&value);
                table.str(content_type);
            }
        }
        let (what, name) = match &e.content {
            KvContent::FeatureFlag { id, .. } => ("feature \\\"", id),
            _ => ("config \\\"", &e.key),
        };
        let what = match &e.label {
            Some(l) => [what, name, "\\\" [", l, "]"],
            None => [what, name, "\\\"", "", ""],
        };
        m.origin(ctx.sources, types::APPCONFIG_KV, &rname, e.span, &what);
    }
    m.var(
        "entries",
        if refs {
            arr(entries)
        } else {
            Expr::Table(Box::new(table))
        },
    );
    m.push(Item::Resource(key_values_loop()));
}

/// The feature-management schema's JSON, written directly: a store can hold thousands of flags.
fn feature_flag(fid: &str, description: Option<&str>, enabled: bool) -> String {
    let mut v = String::with_capacity(96);
    v.push_str("{\"id\":");
    json::js_into(&mut v, fid);
    v.push_str(",\"description\":");
    json::js_into(&mut v, description.unwrap_or_default());
    v.push_str(if enabled {
        ",\"enabled\":true"
    } else {
        ",\"enabled\":false"
    });
    v.push_str(",\"conditions\":{\"client_filters\":[]}}");
    v
}

/// A Key Vault reference's value; the first reference to a vault adds its URI parameter.
fn vault_reference(
    m: &mut Module,
    vault_params: &mut Vec<String>,
    vault: &str,
    secret: &str,
) -> Expr {
    let pname = bicep::ident("vault", &format!("{vault}-uri"));
    if !vault_params.contains(&pname) {
        m.param(
            &pname,
            Type::String,
            &format!("URI of Key Vault `{vault}`, for Key Vault references"),
            Ctx::output("vault", vault, "uri"),
        );
        vault_params.push(pname.clone());
    }
    // The reference's JSON, with the vault's URI (which holds no quote) spliced in.
    Expr::Interp(vec![
        Part::Text("{\"uri\":\"".into()),
        Part::Expr(id(pname)),
        Part::Text(format!("secrets/{secret}\"}}").into()),
    ])
}

/// One key-value per row of `entries`, written once the deployer may write them.
fn key_values_loop() -> Resource {
    let mut r = resource(
        "keyValues",
        types::APPCONFIG_KV,
        Obj::new()
            .set("parent", id("store"))
            .set("name", id("kv").dot("name"))
            .set(
                "properties",
                Obj::new()
                    .set("value", id("kv").dot("value"))
                    .set("contentType", id("kv").dot("contentType"))
                    .build(),
            )
            .set("dependsOn", arr(vec![id("deployerWritesKeyValues")])),
    );
    r.each = Some(("kv".into(), id("entries")));
    r
}
