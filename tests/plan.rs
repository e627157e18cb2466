//! `platc plan` on pairs of programs: the reference platform before and after one edit a
//! platform team makes, covering every declaration kind and every risk level. Each case states
//! the changes the plan must hold (action, resource, risks, and the Azure fact behind a
//! replacement or removal); cases marked `exact` must hold nothing else in the environments they
//! name. Every plan of the corpus is also kept, as people read it, in one snapshot.

use platc::azure::changes::{self, Fact};
use platc::plan::{self, Action, Deployment, Plan, Risk};
use platc::source::SourceMap;
use std::path::Path;

use Action::{Create, Remove, Replace, Update};
use Deployment::{Incremental, Stack};
use Risk::{Access, Cost, DataLoss, Downtime};

fn example() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/platform.plat"))
        .unwrap()
}

/// The example with each (from, to) replaced; `from` must occur exactly once, so that a change to
/// the example cannot silently turn a case into another.
fn edited(edits: &[(&str, &str)]) -> String {
    let mut text = example();
    for (from, to) in edits {
        assert_eq!(text.matches(from).count(), 1, "`{from}` must occur once");
        text = text.replacen(from, to, 1);
    }
    text
}

/// A program checked from memory, which must have no errors.
fn program(text: &str) -> (SourceMap, platc::check::Checked) {
    let mut read = |p: &Path| {
        if p == Path::new("platform.plat") {
            Ok(text.to_string())
        } else {
            Err(std::io::Error::new(std::io::ErrorKind::NotFound, "none"))
        }
    };
    let (sources, loading) = platc::load::load(Path::new("platform.plat"), &mut read).unwrap();
    let (files, mut diags) = platc::parse(&sources, None);
    diags.extend(loading);
    let (checked, diags) = platc::check(&files, diags);
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.clone())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    (sources, checked)
}

fn plan_of(before: &str, after: &str, deployment: Deployment) -> Plan {
    let (so, co) = program(before);
    let (sn, cn) = program(after);
    plan::plan(
        Some(plan::Program {
            checked: &co,
            sources: &so,
        }),
        plan::Program {
            checked: &cn,
            sources: &sn,
        },
        deployment,
    )
}

/// A change the plan must hold: in environment `env` ("" for the defaults), `action` on the
/// resource `name`, with exactly `risks`, and `because` among its reasons.
struct Expect {
    env: &'static str,
    action: Action,
    name: &'static str,
    risks: &'static [Risk],
    because: Option<Fact>,
}

const fn at(
    env: &'static str,
    action: Action,
    name: &'static str,
    risks: &'static [Risk],
    because: Option<Fact>,
) -> Expect {
    Expect {
        env,
        action,
        name,
        risks,
        because,
    }
}

const fn d(action: Action, name: &'static str, risks: &'static [Risk]) -> Expect {
    at("", action, name, risks, None)
}

const fn df(action: Action, name: &'static str, risks: &'static [Risk], f: Fact) -> Expect {
    at("", action, name, risks, Some(f))
}

struct Case {
    what: &'static str,
    /// Edits that make the program deployed before (none: the example as it is).
    before: &'static [(&'static str, &'static str)],
    /// Edits that make the program planned.
    after: &'static [(&'static str, &'static str)],
    deployment: Deployment,
    /// The environments `expect` names hold nothing more.
    exact: bool,
    expect: &'static [Expect],
}

const fn case(
    what: &'static str,
    before: &'static [(&'static str, &'static str)],
    after: &'static [(&'static str, &'static str)],
    expect: &'static [Expect],
) -> Case {
    Case {
        what,
        before,
        after,
        deployment: Incremental,
        exact: true,
        expect,
    }
}

const TAGS: &str = "tags = { owner = \"platform-team\", cost-center = \"cc-1234\" }";
const LOCATION: &str = "location = env(\"AZURE_LOCATION\")";
const SUBNETS: &str = "subnet \"nodes\" { prefix = 10.20.0.0/22 }";
const GITOPS_CONTAINERS: &str = "containers = [\"manifests\"]";
const SYSTEM_POOL: &str = "pool \"system\" {\n    vm_size = \"Standard_D4ds_v5\"";
const APPS_ZONES: &str = "autoscale = 2..10\n    zones = [1, 2, 3]";
const CHECKOUT: &str =
    "grant \"App Configuration Data Reader\" on appconfig.settings\n}\n\n/// The App";
const EXTRA_POOL: &str = "  pool \"batch\" {\n    vm_size = \"Standard_D16ds_v5\"\n    autoscale = 0..5\n  }\n\n  monitoring {";
const MONITORING: &str = "  monitoring {";

const VAULT_GRANTS: &[Expect] = &[
    df(Replace, "kv-vault2-*", &[DataLoss, Cost], changes::NEW_NAME),
    df(Replace, "kv-vault2-*-pe", &[], changes::NEW_NAME),
    d(
        Create,
        "Key Vault Secrets User for id-checkout-* on kv-vault2-*",
        &[Access],
    ),
    d(
        Create,
        "Key Vault Secrets User for id-appconfig-provider-* on kv-vault2-*",
        &[Access],
    ),
    df(
        Remove,
        "Key Vault Secrets User for id-checkout-* on kv-secrets-*",
        &[Access],
        changes::INCREMENTAL,
    ),
    df(
        Remove,
        "Key Vault Secrets User for id-appconfig-provider-* on kv-secrets-*",
        &[Access],
        changes::INCREMENTAL,
    ),
    d(Update, "appcs-settings-*/checkout~3Adb-password", &[]),
    // The identity that writes the vault's certificates is named after it.
    df(
        Replace,
        "id-main-vault2-certificates-*",
        &[Access],
        changes::NEW_NAME,
    ),
    d(
        Create,
        "id-main-vault2-certificates-*/platc-certificates-vault2",
        &[Access],
    ),
    d(
        Create,
        "Key Vault Certificates Officer for id-main-vault2-certificates-* on kv-vault2-*",
        &[Access],
    ),
    df(
        Remove,
        "id-main-secrets-certificates-*/platc-certificates-secrets",
        &[Access],
        changes::INCREMENTAL,
    ),
    df(
        Remove,
        "Key Vault Certificates Officer for id-main-secrets-certificates-* on kv-secrets-*",
        &[Access],
        changes::INCREMENTAL,
    ),
    // The cluster's KMS key moves with its vault.
    d(Update, "aks-main-*", &[]),
    d(
        Create,
        "Key Vault Crypto User for id-aks-main-* on kv-vault2-*/etcd",
        &[Access],
    ),
    df(
        Remove,
        "Key Vault Crypto User for id-aks-main-* on kv-secrets-*/etcd",
        &[Access],
        changes::INCREMENTAL,
    ),
    d(
        Create,
        "Key Vault Contributor for id-aks-main-* on kv-vault2-*",
        &[Access],
    ),
    df(
        Remove,
        "Key Vault Contributor for id-aks-main-* on kv-secrets-*",
        &[Access],
        changes::INCREMENTAL,
    ),
];

const CASES: &[Case] = &[
    // The platform.
    case(
        "tags change on every resource, in place",
        &[],
        &[(
            TAGS,
            "tags = { owner = \"sre\", cost-center = \"cc-1234\" }",
        )],
        &[d(Update, "rg-contoso-*", &[])],
    ),
    case(
        "a new region: the resource group cannot move",
        &[(LOCATION, "location = \"westeurope\"")],
        &[(LOCATION, "location = \"northeurope\"")],
        &[df(
            Replace,
            "rg-contoso-*",
            &[DataLoss, Downtime],
            changes::GROUP_LOCATION,
        )],
    ),
    case(
        "a region written where it was read from the azd environment",
        &[],
        &[(LOCATION, "location = \"westeurope\"")],
        &[df(Update, "rg-contoso-*", &[], changes::GROUP_LOCATION)],
    ),
    Case {
        exact: false,
        ..case(
            "a renamed platform deploys everything anew into another resource group",
            &[],
            &[("platform \"contoso\"", "platform \"fabrikam\"")],
            &[
                df(
                    Replace,
                    "rg-fabrikam-*",
                    &[DataLoss, Downtime],
                    changes::NEW_NAME,
                ),
                df(
                    Replace,
                    "kv-secrets-*",
                    &[DataLoss, Cost],
                    changes::GLOBAL_NAME,
                ),
                df(Replace, "aks-main-*", &[Downtime, Cost], changes::NEW_GROUP),
            ],
        )
    },
    // Networks.
    case(
        "an address range added to a network",
        &[],
        &[(
            "address_space = [10.20.0.0/16]",
            "address_space = [10.20.0.0/16, 10.30.0.0/16]",
        )],
        &[d(Update, "vnet-core-*", &[])],
    ),
    case(
        "a subnet removed is deleted with its network's next deployment",
        &[(
            SUBNETS,
            "subnet \"nodes\" { prefix = 10.20.0.0/22 }\n  subnet \"spare\" { prefix = 10.20.9.0/24 }",
        )],
        &[],
        &[df(
            Remove,
            "vnet-core-*/spare",
            &[Downtime],
            changes::INLINE_SUBNET,
        )],
    ),
    // Logs and metrics.
    Case {
        exact: true,
        ..case(
            "a shorter retention in one environment deletes older logs there",
            &[],
            &[(
                "env \"prod\" { retention_days = 90 }",
                "env \"prod\" { retention_days = 60 }",
            )],
            &[at(
                "prod",
                Update,
                "log-ops-*",
                &[DataLoss],
                Some(changes::LOG_RETENTION),
            )],
        )
    },
    case(
        "a daily cap drops what comes above it",
        &[],
        &[(
            "logs \"defender\" { local_auth = true }",
            "logs \"defender\" {\n  local_auth = true\n  daily_quota_gb = 5\n}",
        )],
        &[df(
            Update,
            "log-defender-*",
            &[DataLoss],
            changes::DAILY_CAP,
        )],
    ),
    case(
        "shared keys turned on for a workspace",
        &[],
        &[(
            "logs \"ops\" {\n  retention_days = 30",
            "logs \"ops\" {\n  local_auth = true\n  retention_days = 30",
        )],
        &[d(Update, "log-ops-*", &[Access])],
    ),
    case(
        "Grafana turned off stays, unmanaged, with its grant",
        &[],
        &[(
            "metrics \"prom\" { grafana = true }",
            "metrics \"prom\" { grafana = false }",
        )],
        &[
            df(Remove, "amg-prom-*", &[], changes::INCREMENTAL),
            df(
                Remove,
                "Monitoring Data Reader for amg-prom-* on amw-prom-*",
                &[Access],
                changes::INCREMENTAL,
            ),
        ],
    ),
    // Registries.
    case(
        "a registry's tier down, in place",
        &[(
            "registry \"images\" { sku = premium }",
            "registry \"images\" {\n  sku = premium\n  private = false\n}",
        )],
        &[(
            "registry \"images\" { sku = premium }",
            "registry \"images\" {\n  sku = standard\n  private = false\n}",
        )],
        &[df(Update, "crimages*", &[Cost], changes::REGISTRY_TIER)],
    ),
    case(
        "a private registry made public: the network opens",
        &[],
        &[(
            "registry \"images\" { sku = premium }",
            "registry \"images\" {\n  sku = premium\n  private = false\n}",
        )],
        &[
            d(Update, "crimages*", &[Access]),
            df(Remove, "crimages*-pe", &[], changes::INCREMENTAL),
        ],
    ),
    // Vaults and secrets.
    case(
        "a renamed vault is a new, empty vault beside the old",
        &[],
        &[
            ("vault \"secrets\" {", "vault \"vault2\" {"),
            (
                "grant \"Key Vault Secrets User\" on vault.secrets\n}\n\ncluster",
                "grant \"Key Vault Secrets User\" on vault.vault2\n}\n\ncluster",
            ),
            (
                "  grant \"Key Vault Secrets User\" on vault.secrets\n  grant \"App",
                "  grant \"Key Vault Secrets User\" on vault.vault2\n  grant \"App",
            ),
            (
                "secret \"db-password\" in vault.secrets",
                "secret \"db-password\" in vault.vault2",
            ),
            (
                "key \"etcd\" in vault.secrets",
                "key \"etcd\" in vault.vault2",
            ),
            (
                "certificate \"ingress\" in vault.secrets",
                "certificate \"ingress\" in vault.vault2",
            ),
        ],
        VAULT_GRANTS,
    ),
    case(
        "a key's settings stay as ARM created them",
        &[],
        &[("size = 2048", "size = 3072")],
        &[df(Update, "kv-secrets-*/etcd", &[], changes::KEY_KEPT)],
    ),
    case(
        "KMS cannot move its vault between private and public",
        &[],
        &[(
            "purge_protection = true\n",
            "purge_protection = true\n  private = false\n",
        )],
        &[
            df(Replace, "aks-main-*", &[Downtime], changes::AKS_KMS_MODE),
            d(Update, "kv-secrets-*", &[Access]),
            df(Remove, "kv-secrets-*-pe", &[], changes::INCREMENTAL),
            df(
                Remove,
                "Key Vault Contributor for id-aks-main-* on kv-secrets-*",
                &[Access],
                changes::INCREMENTAL,
            ),
            // A public vault's certificates are written by the deployer, not by a Job.
            d(
                Create,
                "Key Vault Certificates Officer for the deploying principal on kv-secrets-*",
                &[Access],
            ),
            df(
                Remove,
                "id-main-secrets-certificates-*",
                &[Access],
                changes::INCREMENTAL,
            ),
            df(
                Remove,
                "id-main-secrets-certificates-*/platc-certificates-secrets",
                &[Access],
                changes::INCREMENTAL,
            ),
            df(
                Remove,
                "Key Vault Certificates Officer for id-main-secrets-certificates-* on kv-secrets-*",
                &[Access],
                changes::INCREMENTAL,
            ),
        ],
    ),
    case(
        "API Server VNet Integration stays on",
        &[(
            "purge_protection = true\n",
            "purge_protection = true\n  private = false\n",
        )],
        &[
            (
                "purge_protection = true\n",
                "purge_protection = true\n  private = false\n",
            ),
            ("    api_server_subnet = network.core.apiserver\n", ""),
        ],
        &[df(
            Replace,
            "aks-main-*",
            &[Downtime],
            changes::AKS_VNET_INTEGRATION,
        )],
    ),
    case(
        "a vault's soft-delete retention cannot change",
        &[],
        &[("soft_delete_days = 30", "soft_delete_days = 60")],
        &[df(
            Replace,
            "kv-secrets-*",
            &[DataLoss],
            changes::VAULT_SOFT_DELETE,
        )],
    ),
    case(
        "a vault's tier up, in place",
        &[
            (
                "sku = premium\n  soft_delete_days",
                "sku = standard\n  soft_delete_days",
            ),
            ("type = rsa_hsm", "type = rsa"),
        ],
        &[("type = rsa_hsm", "type = rsa")],
        &[d(Update, "kv-secrets-*", &[Cost])],
    ),
    case(
        "purge protection cannot be turned off",
        &[],
        &[("purge_protection = true", "purge_protection = false")],
        &[df(Update, "kv-secrets-*", &[], changes::PURGE_PROTECTION)],
    ),
    case(
        "a secret read from another azd variable",
        &[],
        &[("secure(\"DB_PASSWORD\")", "secure(\"DB_PASSWORD_V2\")")],
        &[d(Update, "kv-secrets-*/db-password", &[])],
    ),
    case(
        "a secret added",
        &[],
        &[(
            "\nconfig \"checkout:color\"",
            "\nsecret \"api-key\" in vault.secrets { value = secure(\"API_KEY\") }\n\nconfig \"checkout:color\"",
        )],
        &[d(Create, "kv-secrets-*/api-key", &[])],
    ),
    case(
        "a secret removed stays in its vault",
        &[("\nconfig \"checkout:color\"", EXTRA_SECRET)],
        &[],
        &[df(
            Remove,
            "kv-secrets-*/old-token",
            &[],
            changes::INCREMENTAL,
        )],
    ),
    Case {
        deployment: Stack,
        ..case(
            "a secret removed under a deployment stack is deleted",
            &[("\nconfig \"checkout:color\"", EXTRA_SECRET)],
            &[],
            &[df(
                Remove,
                "kv-secrets-*/old-token",
                &[DataLoss],
                changes::STACK_DELETE,
            )],
        )
    },
    // App Configuration.
    case(
        "a store cannot go down to the free tier",
        &[],
        &[(
            "appconfig \"settings\" { sku = standard }",
            "appconfig \"settings\" { sku = free }",
        )],
        &[df(
            Replace,
            "appcs-settings-*",
            &[DataLoss, Cost],
            changes::APPCONFIG_DOWNGRADE,
        )],
    ),
    case(
        "a setting's value changes in place",
        &[],
        &[("value = \"blue\"", "value = \"red\"")],
        &[d(Update, "appcs-settings-*/checkout~3Acolor", &[])],
    ),
    case(
        "a setting gains a label",
        &[],
        &[(
            "labels = { prod = \"green\" }",
            "labels = { prod = \"green\", test = \"yellow\" }",
        )],
        &[d(Create, "appcs-settings-*/checkout~3Acolor$test", &[])],
    ),
    Case {
        exact: true,
        ..case(
            "a feature flag turned on where it was off",
            &[],
            &[("  enabled = false\n", "  enabled = true\n")],
            &[
                d(
                    Update,
                    "appcs-settings-*/.appconfig.featureflag~2Fbeta-ui",
                    &[],
                ),
                at(
                    "prod",
                    Update,
                    "appcs-settings-*/.appconfig.featureflag~2Fbeta-ui",
                    &[],
                    None,
                ),
            ],
        )
    },
    // Storage.
    case(
        "zone redundancy cannot be turned off by a deployment",
        &[],
        &[("replication = zrs", "replication = lrs")],
        &[df(
            Replace,
            "stgitops*",
            &[DataLoss, Cost],
            changes::STORAGE_ZONAL,
        )],
    ),
    case(
        "geo redundancy added to a zonal account, in place",
        &[],
        &[("replication = zrs", "replication = gzrs")],
        &[d(Update, "stgitops*", &[Cost])],
    ),
    case(
        "a storage account removed keeps running, with its data, unmanaged",
        &[(MONITORING_ANCHOR, EXTRA_STORAGE_AFTER_VAULT)],
        &[],
        &[
            df(Remove, "stextra*", &[DataLoss], changes::INCREMENTAL),
            df(Remove, "stextra*-pe", &[], changes::INCREMENTAL),
        ],
    ),
    Case {
        deployment: Stack,
        ..case(
            "a storage account removed under a deployment stack is deleted",
            &[(MONITORING_ANCHOR, EXTRA_STORAGE_AFTER_VAULT)],
            &[],
            &[
                df(Remove, "stextra*", &[DataLoss], changes::STACK_DELETE),
                df(Remove, "stextra*-pe", &[], changes::STACK_DELETE),
            ],
        )
    },
    case(
        "a container removed keeps its blobs",
        &[(GITOPS_CONTAINERS, "containers = [\"manifests\", \"old\"]")],
        &[],
        &[df(
            Remove,
            "stgitops*/default/old",
            &[DataLoss],
            changes::INCREMENTAL,
        )],
    ),
    // Identities.
    case(
        "a grant added widens access",
        &[],
        &[(
            CHECKOUT,
            "grant \"App Configuration Data Reader\" on appconfig.settings\n  grant \"AcrPull\" on registry.images\n}\n\n/// The App",
        )],
        &[d(
            Create,
            "AcrPull for id-checkout-* on crimages*",
            &[Access],
        )],
    ),
    case(
        "a grant removed stays in Azure until revoked",
        &[(
            CHECKOUT,
            "grant \"App Configuration Data Reader\" on appconfig.settings\n  grant \"AcrPull\" on registry.images\n}\n\n/// The App",
        )],
        &[],
        &[df(
            Remove,
            "AcrPull for id-checkout-* on crimages*",
            &[Access],
            changes::INCREMENTAL,
        )],
    ),
    case(
        "a federated credential added trusts another service account",
        &[],
        &[(
            "federate \"shop/checkout-sa\" on cluster.main",
            "federate \"shop/checkout-sa\" on cluster.main\n  federate \"shop/worker\" on cluster.main",
        )],
        &[d(Create, "id-checkout-*/main-shop-worker", &[Access])],
    ),
    Case {
        exact: false,
        ..case(
            "a renamed identity is a new principal",
            &[],
            &[("identity \"checkout\"", "identity \"shop\"")],
            &[
                df(Replace, "id-shop-*", &[Access], changes::NEW_NAME),
                d(
                    Create,
                    "Key Vault Secrets User for id-shop-* on kv-secrets-*",
                    &[Access],
                ),
                df(
                    Remove,
                    "Key Vault Secrets User for id-checkout-* on kv-secrets-*",
                    &[Access],
                    changes::INCREMENTAL,
                ),
            ],
        )
    },
    // Clusters.
    case(
        "a new pod range replaces the cluster",
        &[],
        &[("pod_cidr = 10.244.0.0/16", "pod_cidr = 10.248.0.0/16")],
        &[df(Replace, "aks-main-*", &[Downtime], changes::AKS_NETWORK)],
    ),
    case(
        "another network plugin replaces the cluster",
        &[],
        &[("plugin = azure_cni_overlay", "plugin = azure_cni")],
        &[df(Replace, "aks-main-*", &[Downtime], changes::AKS_NETWORK)],
    ),
    case(
        "a public API server opens the cluster and replaces it",
        &[],
        &[(
            "defender = logs.defender\n",
            "defender = logs.defender\n  private_cluster = false\n",
        )],
        &[df(
            Replace,
            "aks-main-*",
            &[Downtime, Access],
            changes::AKS_PRIVATE,
        )],
    ),
    Case {
        exact: true,
        ..case(
            "a higher control-plane tier costs more, except where an environment keeps its own",
            &[],
            &[("sku_tier = standard", "sku_tier = premium")],
            &[
                d(Update, "aks-main-*", &[Cost]),
                at("prod", Update, "aks-main-*", &[Cost], None),
            ],
        )
    },
    case(
        "a Kubernetes upgrade, in place",
        &[],
        &[("kubernetes = \"1.35\"", "kubernetes = \"1.36\"")],
        &[d(Update, "aks-main-*", &[])],
    ),
    case(
        "a named admin instead of the variable",
        &[],
        &[(
            "admins = [env(\"AKS_ADMIN_GROUP_ID\", \"\")]",
            "admins = [\"00000000-0000-0000-0000-000000000001\"]",
        )],
        &[
            d(
                Create,
                "Azure Kubernetes Service RBAC Cluster Admin for 00000000-0000-0000-0000-000000000001 on aks-main-*",
                &[Access],
            ),
            d(
                Create,
                "Azure Kubernetes Service Cluster User Role for 00000000-0000-0000-0000-000000000001 on aks-main-*",
                &[Access],
            ),
            df(
                Remove,
                "Azure Kubernetes Service RBAC Cluster Admin for env(\"AKS_ADMIN_GROUP_ID\", \"\") on aks-main-*",
                &[Access],
                changes::INCREMENTAL,
            ),
            df(
                Remove,
                "Azure Kubernetes Service Cluster User Role for env(\"AKS_ADMIN_GROUP_ID\", \"\") on aks-main-*",
                &[Access],
                changes::INCREMENTAL,
            ),
        ],
    ),
    Case {
        exact: true,
        ..case(
            "another node subnet replaces every pool",
            &[(
                SUBNETS,
                "subnet \"nodes\" { prefix = 10.20.0.0/22 }\n  subnet \"nodes2\" { prefix = 10.20.4.0/22 }",
            )],
            &[
                (
                    SUBNETS,
                    "subnet \"nodes\" { prefix = 10.20.0.0/22 }\n  subnet \"nodes2\" { prefix = 10.20.4.0/22 }",
                ),
                (
                    "subnet = network.core.nodes",
                    "subnet = network.core.nodes2",
                ),
            ],
            &[
                df(
                    Replace,
                    "aks-main-*/system",
                    &[Downtime],
                    changes::POOL_SUBNET,
                ),
                df(
                    Replace,
                    "aks-main-*/apps",
                    &[Downtime],
                    changes::POOL_SUBNET,
                ),
                at(
                    "prod",
                    Replace,
                    "aks-main-*/system",
                    &[Downtime],
                    Some(changes::POOL_SUBNET),
                ),
                at(
                    "prod",
                    Replace,
                    "aks-main-*/apps",
                    &[Downtime],
                    Some(changes::POOL_SUBNET),
                ),
            ],
        )
    },
    case(
        "a larger VM size replaces the pool",
        &[],
        &[(
            SYSTEM_POOL,
            "pool \"system\" {\n    vm_size = \"Standard_D8ds_v5\"",
        )],
        &[df(
            Replace,
            "aks-main-*/system",
            &[Downtime, Cost],
            changes::POOL_VM_SIZE,
        )],
    ),
    case(
        "fewer zones replace the pool",
        &[],
        &[(APPS_ZONES, "autoscale = 2..10\n    zones = [1, 2]")],
        &[
            df(Replace, "aks-main-*/apps", &[Downtime], changes::POOL_ZONES),
            at(
                "prod",
                Replace,
                "aks-main-*/apps",
                &[Downtime],
                Some(changes::POOL_ZONES),
            ),
        ],
    ),
    case(
        "fewer pods per node replace the pool",
        &[],
        &[(
            APPS_ZONES,
            "autoscale = 2..10\n    max_pods = 60\n    zones = [1, 2, 3]",
        )],
        &[df(
            Replace,
            "aks-main-*/apps",
            &[Downtime],
            changes::POOL_MAX_PODS,
        )],
    ),
    case(
        "more nodes cost more",
        &[],
        &[("count = 3", "count = 5")],
        &[d(Update, "aks-main-*/system", &[Cost])],
    ),
    case(
        "a pool added",
        &[],
        &[(MONITORING, EXTRA_POOL)],
        &[d(Create, "aks-main-*/batch", &[Cost])],
    ),
    case(
        "a pool removed keeps running, and billing, unmanaged",
        &[(MONITORING, EXTRA_POOL)],
        &[],
        &[df(
            Remove,
            "aks-main-*/batch",
            &[Cost],
            changes::INCREMENTAL,
        )],
    ),
    Case {
        deployment: Stack,
        ..case(
            "a pool removed under a deployment stack is deleted with its workloads",
            &[(MONITORING, EXTRA_POOL)],
            &[],
            &[df(
                Remove,
                "aks-main-*/batch",
                &[Downtime],
                changes::STACK_DELETE,
            )],
        )
    },
    case(
        "a renamed pool is a new pool beside the old",
        &[],
        &[("pool \"apps\"", "pool \"web\"")],
        &[
            df(
                Replace,
                "aks-main-*/web",
                &[Downtime, Cost],
                changes::NEW_NAME,
            ),
            at(
                "prod",
                Replace,
                "aks-main-*/web",
                &[Downtime, Cost],
                Some(changes::NEW_NAME),
            ),
        ],
    ),
    case(
        "an Istio revision upgrade, in place",
        &[],
        &[("revision = \"asm-1-29\"", "revision = \"asm-1-30\"")],
        &[d(Update, "aks-main-*", &[])],
    ),
    case(
        "another policy initiative is assigned beside the old one",
        &[],
        &[(
            "baseline = pod_security_baseline",
            "baseline = pod_security_restricted",
        )],
        &[
            d(Create, "aks-main-*/pod-security-restricted", &[]),
            df(
                Remove,
                "aks-main-*/pod-security-baseline",
                &[],
                changes::INCREMENTAL,
            ),
        ],
    ),
    case(
        "a kustomization's path changes in place",
        &[],
        &[(
            "path = \"./clusters/main/infra\"",
            "path = \"./clusters/main/infrastructure\"",
        )],
        &[d(Update, "aks-main-*/platform", &[])],
    ),
    case(
        "a GitOps configuration removed keeps applying its source",
        &[],
        &[(GITOPS_PLATFORM, "")],
        &[df(
            Remove,
            "aks-main-*/platform",
            &[],
            changes::FLUX_REMOVED,
        )],
    ),
    Case {
        deployment: Stack,
        ..case(
            "a GitOps configuration deleted by a deployment stack prunes what it applied",
            &[],
            &[(GITOPS_PLATFORM, "")],
            &[df(
                Remove,
                "aks-main-*/platform",
                &[Downtime],
                changes::FLUX_REMOVED,
            )],
        )
    },
];

const MONITORING_ANCHOR: &str = "\n/// The checkout service";
const EXTRA_STORAGE_AFTER_VAULT: &str = "\nstorage \"extra\" { }\n\n/// The checkout service";
const GITOPS_PLATFORM: &str = "  /// Platform components and applications from Git.\n  gitops \"platform\" {\n    source = git(\"https://github.com/contoso/platform-gitops\", branch = \"main\")\n    kustomization \"infra\" { path = \"./clusters/main/infra\" }\n    kustomization \"apps\" {\n      path = \"./clusters/main/apps\"\n      depends_on = [\"infra\"]\n      // Manifests refer to `${AZURE_IDENTITY_CHECKOUT_CLIENT_ID}`, `${AZURE_KEY_VAULT_SECRETS_URI}`, ...\n      substitute = true\n    }\n  }\n\n";

const EXTRA_SECRET: &str = "\nsecret \"old-token\" in vault.secrets {\n  value = secure(\"OLD_TOKEN\")\n}\n\nconfig \"checkout:color\"";

fn changes_in<'p>(plan: &'p Plan, env: &str) -> &'p [platc::plan::Change] {
    let e = plan
        .environments
        .iter()
        .find(|e| e.environment.as_deref().unwrap_or("") == env)
        .unwrap_or_else(|| panic!("no environment `{env}` in the plan"));
    &e.changes
}

fn check_case(c: &Case) -> Plan {
    let plan = plan_of(&edited(c.before), &edited(c.after), c.deployment);
    for e in c.expect {
        let changes = changes_in(&plan, e.env);
        let found = changes
            .iter()
            .find(|x| x.action == e.action && x.name == e.name)
            .unwrap_or_else(|| {
                panic!(
                    "{}: no {:?} of `{}` in `{}`: {:#?}",
                    c.what, e.action, e.name, e.env, changes
                )
            });
        assert_eq!(found.risks, e.risks, "{}: risks of `{}`", c.what, e.name);
        if let Some(f) = e.because {
            assert!(
                found.reasons.contains(&f),
                "{}: `{}` not because {f:?}: {:?}",
                c.what,
                e.name,
                found.reasons
            );
        }
        assert!(
            found.at.line > 0 && found.at.file == "platform.plat",
            "{}: `{}` has no .plat line",
            c.what,
            e.name
        );
    }
    if c.exact {
        let envs: std::collections::BTreeSet<&str> = c.expect.iter().map(|e| e.env).collect();
        for env in envs {
            let wanted: Vec<(Action, &str)> = c
                .expect
                .iter()
                .filter(|e| e.env == env)
                .map(|e| (e.action, e.name))
                .collect();
            let got: Vec<(Action, &str)> = changes_in(&plan, env)
                .iter()
                .map(|x| (x.action, x.name.as_str()))
                .collect();
            let mut w = wanted.clone();
            let mut g = got.clone();
            w.sort_by_key(|(a, n)| (a.as_str(), *n));
            g.sort_by_key(|(a, n)| (a.as_str(), *n));
            assert_eq!(w, g, "{}: changes in `{env}`", c.what);
        }
        // Environments the case does not name see nothing, unless they deploy the defaults.
        if !c.expect.iter().any(|e| e.env.is_empty()) {
            assert!(changes_in(&plan, "").is_empty(), "{}: defaults", c.what);
        }
    }
    plan
}

#[test]
fn every_case_of_the_corpus_plans_what_azure_would_do() {
    let mut shown = String::new();
    for c in CASES {
        let plan = check_case(c);
        assert!(!plan.is_empty(), "{}: an empty plan", c.what);
        shown.push_str(&format!("## {}\n", c.what));
        shown.push_str(&plan::render::human(&plan, "platc plan", false));
        shown.push('\n');
    }
    insta::assert_snapshot!("corpus", shown);
}

#[test]
fn the_corpus_covers_every_risk_and_every_declaration_kind() {
    let risks: std::collections::BTreeSet<Risk> = CASES
        .iter()
        .flat_map(|c| c.expect)
        .flat_map(|e| e.risks.iter().copied())
        .collect();
    assert_eq!(risks.len(), Risk::ALL.len(), "{risks:?}");
    let edited_text: String = CASES
        .iter()
        .flat_map(|c| c.before.iter().chain(c.after))
        .map(|(from, to)| format!("{from}\n{to}\n"))
        .collect();
    // Each kind by what only an edit of it contains: its head or a field of its own.
    for (kind, marks) in [
        ("platform", &["platform \"", "tags = ", "location = "][..]),
        ("network", &["address_space = "]),
        ("subnet", &["subnet \""]),
        ("logs", &["retention_days = ", "daily_quota_gb"]),
        ("metrics", &["metrics \""]),
        ("registry", &["registry \""]),
        (
            "vault",
            &["vault \"", "soft_delete_days", "purge_protection"],
        ),
        ("secret", &["secret \"", "secure("]),
        ("appconfig", &["appconfig \""]),
        ("config", &["value = \"", "labels = { prod = \"green\""]),
        ("feature", &["enabled = "]),
        (
            "storage",
            &["storage \"", "replication = ", "containers = "],
        ),
        ("key", &["size = "]),
        ("identity", &["identity \""]),
        ("federate", &["federate \""]),
        ("grant", &["grant \""]),
        (
            "cluster",
            &["pod_cidr = ", "sku_tier = ", "kubernetes = ", "admins = "],
        ),
        ("pool", &["pool \"", "count = ", "zones = "]),
        ("extension", &["revision = ", "baseline = "]),
        ("gitops", &["gitops \""]),
        ("kustomization", &["path = \""]),
    ] {
        assert!(
            marks.iter().any(|m| edited_text.contains(m)),
            "no case edits a `{kind}`"
        );
    }
    // Every fact behind a replacement or removal is what some case expects.
    // Every fact `azure::changes` states is in the list below.
    let source =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/azure/changes.rs"))
            .unwrap();
    let stated: Vec<&str> = source
        .lines()
        .filter_map(|l| l.strip_prefix("pub const ")?.split_once(": Fact")?.0.into())
        .collect();
    let listed = include_str!("plan.rs");
    for name in &stated {
        assert!(
            listed.contains(&format!("changes::{name},"))
                || listed.contains(&format!("changes::{name})")),
            "the fact {name} is in no case"
        );
    }
    assert!(stated.len() >= 20, "{stated:?}");
    let facts: Vec<Fact> = CASES
        .iter()
        .flat_map(|c| c.expect)
        .filter_map(|e| e.because)
        .collect();
    for f in [
        changes::NEW_NAME,
        changes::NEW_GROUP,
        changes::GLOBAL_NAME,
        changes::INCREMENTAL,
        changes::STACK_DELETE,
        changes::GROUP_LOCATION,
        changes::INLINE_SUBNET,
        changes::AKS_NETWORK,
        changes::AKS_PRIVATE,
        changes::POOL_VM_SIZE,
        changes::POOL_ZONES,
        changes::POOL_MAX_PODS,
        changes::POOL_SUBNET,
        changes::VAULT_SOFT_DELETE,
        changes::PURGE_PROTECTION,
        changes::APPCONFIG_DOWNGRADE,
        changes::STORAGE_ZONAL,
        changes::LOG_RETENTION,
        changes::DAILY_CAP,
        changes::REGISTRY_TIER,
        changes::FLUX_REMOVED,
    ] {
        assert!(facts.contains(&f), "no case for {f:?}");
    }
}

#[test]
fn a_program_planned_against_itself_changes_nothing_in_any_environment() {
    let text = example();
    for deployment in [Incremental, Stack] {
        let plan = plan_of(&text, &text, deployment);
        assert!(plan.is_empty(), "{plan:#?}");
        assert_eq!(plan.environments.len(), 3, "defaults, dev and prod");
        assert!(plan.risks().is_empty());
    }
}

#[test]
fn a_program_planned_against_nothing_creates_everything_once() {
    let (sources, checked) = program(&example());
    let plan = plan::plan(
        None,
        plan::Program {
            checked: &checked,
            sources: &sources,
        },
        Incremental,
    );
    let defaults = changes_in(&plan, "");
    assert!(defaults.iter().all(|c| c.action == Create), "{defaults:#?}");
    // The children of what is created are counted on it, not listed.
    let vault = defaults.iter().find(|c| c.name == "kv-secrets-*").unwrap();
    assert_eq!(vault.children, 2, "its secret and its key");
    assert!(
        defaults
            .iter()
            .all(|c| !c.name.starts_with("kv-secrets-*/"))
    );
}

// The command line: exit codes, formats, `--base`, and what a plan never does.

fn platc() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_platc"))
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("platc-plan-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs platc; (exit code, standard output, standard error).
fn run(cmd: &mut std::process::Command) -> (i32, String, String) {
    let o = cmd.output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn the_command_exits_1_on_a_denied_risk_or_a_broken_program_and_2_on_what_it_cannot_read() {
    let dir = scratch("exits");
    let old = dir.join("old.plat");
    let new = dir.join("new.plat");
    std::fs::write(&old, example()).unwrap();
    std::fs::write(
        &new,
        edited(&[("soft_delete_days = 30", "soft_delete_days = 60")]),
    )
    .unwrap();
    let plan = |args: &[&str]| {
        run(platc()
            .arg("plan")
            .arg(&new)
            .arg("--against")
            .arg(&old)
            .args(args))
    };
    let (code, out, _) = plan(&[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("replace Microsoft.KeyVault/vaults kv-secrets-*"),
        "{out}"
    );
    assert!(out.contains("new.plat:47"), "the .plat line: {out}");
    let (code, _, err) = plan(&["--deny", "downtime", "--deny", "data-loss"]);
    assert_eq!(code, 1);
    assert!(err.contains("denied risk level: data-loss"), "{err}");
    assert_eq!(plan(&["--deny", "cost", "--deny", "access"]).0, 0);
    // A broken program, new or old, plans nothing.
    std::fs::write(
        dir.join("broken.plat"),
        "platform \"x\" { }\nvault \"v\" { sku = gold }\n",
    )
    .unwrap();
    let (code, out, err) = run(platc()
        .arg("plan")
        .arg(dir.join("broken.plat"))
        .arg("--against")
        .arg(&old));
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty() && err.contains("E0106"), "{err}");
    let (code, _, err) = run(platc()
        .arg("plan")
        .arg(&new)
        .arg("--against")
        .arg(dir.join("broken.plat")));
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        run(platc()
            .arg("plan")
            .arg(&new)
            .arg("--against")
            .arg(dir.join("gone.plat")))
        .0,
        2
    );
    assert_eq!(
        run(platc().arg("plan").arg(&new)).0,
        2,
        "nothing to compare with"
    );
    assert_eq!(
        run(platc()
            .arg("plan")
            .arg(&new)
            .args(["--against", "a.plat", "--base", "HEAD"]))
        .0,
        2
    );
    assert_eq!(plan(&["--deny", "everything"]).0, 2);
    // Files that are no program: an error, never a crash.
    for (name, bytes) in [
        ("empty.plat", &b""[..]),
        ("binary.plat", &b"\x00\xff\xfe platform {{{"[..]),
        (
            "half.plat",
            &b"platform \"x\" {\n  environments = [\"a\""[..],
        ),
    ] {
        std::fs::write(dir.join(name), bytes).unwrap();
        for (a, b) in [(dir.join(name), old.clone()), (new.clone(), dir.join(name))] {
            let (code, _, err) = run(platc().arg("plan").arg(&a).arg("--against").arg(&b));
            assert_eq!(code, 1, "{name}: {err}");
            assert!(!err.contains("panicked"), "{err}");
        }
    }
}

#[test]
fn json_and_markdown_hold_the_same_plan_and_colour_is_only_asked_for() {
    let dir = scratch("formats");
    let old = dir.join("old.plat");
    let new = dir.join("new.plat");
    std::fs::write(&old, example()).unwrap();
    std::fs::write(
        &new,
        edited(&[("pod_cidr = 10.244.0.0/16", "pod_cidr = 10.248.0.0/16")]),
    )
    .unwrap();
    let plan = |args: &[&str]| {
        run(platc()
            .arg("plan")
            .arg(&new)
            .arg("--against")
            .arg(&old)
            .args(args))
    };
    let (code, out, _) = plan(&["--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["deployment"], "incremental");
    let defaults = &v["environments"][0];
    assert!(defaults["environment"].is_null());
    let c = &defaults["changes"][0];
    assert_eq!(c["action"], "replace");
    assert_eq!(c["type"], "Microsoft.ContainerService/managedClusters");
    assert_eq!(c["name"], "aks-main-*");
    assert_eq!(c["risks"], serde_json::json!(["downtime"]));
    assert_eq!(c["properties"][0]["old"], "10.244.0.0/16");
    assert_eq!(c["properties"][0]["new"], "10.248.0.0/16");
    assert_eq!(c["reasons"][0]["source"], changes::AKS_NETWORK.source);
    assert!(c["line"].as_u64().unwrap() > 0);
    assert_eq!(v["summary"]["replace"], 1);
    assert_eq!(v["summary"]["risks"], serde_json::json!(["downtime"]));
    let (_, md, _) = plan(&["--format", "markdown"]);
    assert!(md.starts_with("### platc plan"), "{md}");
    assert!(md.contains("- **replace** `aks-main-*`"), "{md}");
    assert!(md.contains(changes::AKS_NETWORK.source), "{md}");
    let (_, plain, _) = plan(&[]);
    assert!(!plain.contains('\x1b'), "no colour off a terminal");
    let (_, coloured, _) = plan(&["--color", "always"]);
    assert!(coloured.contains("\x1b[31m"), "{coloured}");
}

fn git(dir: &Path, args: &[&str]) {
    let st = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&st.stderr)
    );
}

#[test]
fn base_reads_the_file_and_its_imports_at_a_revision_and_a_file_new_there_creates_everything() {
    let dir = scratch("base");
    git(&dir, &["init", "-q"]);
    let text = example().replacen(
        "platform \"contoso\" {",
        "import \"infra/extra.plat\"\n\nplatform \"contoso\" {",
        1,
    );
    std::fs::create_dir_all(dir.join("infra")).unwrap();
    std::fs::write(dir.join("platform.plat"), &text).unwrap();
    std::fs::write(
        dir.join("infra/extra.plat"),
        "storage \"extra\" { replication = lrs }\n",
    )
    .unwrap();
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "first"]);
    // Only the imported file changes, in the work tree; the file at HEAD is read from git.
    std::fs::write(
        dir.join("infra/extra.plat"),
        "storage \"extra\" { replication = zrs }\n",
    )
    .unwrap();
    let (code, out, err) =
        run(platc()
            .current_dir(&dir)
            .args(["plan", "platform.plat", "--base", "HEAD"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("replace Microsoft.Storage/storageAccounts stextra*"),
        "{out}"
    );
    assert!(out.contains("infra/extra.plat:1"), "{out}");
    // From another directory, by an absolute path.
    let (code, out, err) = run(platc()
        .current_dir(std::env::temp_dir())
        .arg("plan")
        .arg(dir.join("platform.plat"))
        .args(["--base", "HEAD", "--format", "json"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("stextra*"), "{out}");
    // A file the revision does not have deployed nothing.
    std::fs::write(dir.join("second.plat"), &text).unwrap();
    let (code, out, err) = run(platc().current_dir(&dir).args([
        "plan",
        "second.plat",
        "--base",
        "HEAD",
        "--format",
        "json",
    ]));
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let changes = v["environments"][0]["changes"].as_array().unwrap();
    assert!(!changes.is_empty());
    assert!(changes.iter().all(|c| c["action"] == "create"), "{out}");
    // Not a revision (nor an option of git's), or not in a repository: usage errors.
    for rev in ["no-such-rev", "--output=x", "-h", "HEAD:platform.plat", ""] {
        let (code, _, err) =
            run(platc()
                .current_dir(&dir)
                .args(["plan", "platform.plat", "--base", rev]));
        assert_eq!(code, 2, "{rev}: {err}");
        assert!(!dir.join("x").exists());
    }
    let outside = scratch("base-outside");
    std::fs::write(outside.join("p.plat"), example()).unwrap();
    let (code, _, err) = run(platc()
        .current_dir(&outside)
        .args(["plan", "p.plat", "--base", "HEAD"]));
    assert_eq!(code, 2, "{err}");
}

/// A plan is computed from the two programs alone: with `az` and `azd` replaced by programs that
/// leave a mark when run, none is run; and the secret values in the environment appear nowhere.
#[test]
fn a_plan_never_reads_azure_nor_shows_a_secret_value() {
    let dir = scratch("offline");
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let mark = dir.join("ran");
    for tool in ["az", "azd", "curl", "wget"] {
        let script = bin.join(tool);
        std::fs::write(
            &script,
            format!("#!/bin/sh\necho {tool} >> '{}'\nexit 1\n", mark.display()),
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    git(&dir, &["init", "-q"]);
    std::fs::write(dir.join("platform.plat"), example()).unwrap();
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "first"]);
    std::fs::write(
        dir.join("platform.plat"),
        edited(&[("secure(\"DB_PASSWORD\")", "secure(\"DB_PASSWORD_V2\")")]),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for format in ["human", "json", "markdown"] {
        let (code, out, err) = run(platc()
            .current_dir(&dir)
            .env("PATH", &path)
            .env("DB_PASSWORD", "hunter2-old-value")
            .env("DB_PASSWORD_V2", "hunter2-new-value")
            .env(
                "AZURE_SUBSCRIPTION_ID",
                "00000000-0000-0000-0000-000000000000",
            )
            .args([
                "plan",
                "platform.plat",
                "--base",
                "HEAD",
                "--format",
                format,
            ]));
        assert_eq!(code, 0, "{err}");
        assert!(
            out.contains("DB_PASSWORD_V2"),
            "the variable is named: {out}"
        );
        assert!(out.contains("invisible to platc by design"), "{out}");
        assert!(
            !out.contains("hunter2") && !err.contains("hunter2"),
            "{out}{err}"
        );
    }
    assert!(!mark.exists(), "ran {:?}", std::fs::read_to_string(&mark));
}

/// The resources a plan compares are the ones lowering deploys: every name the inventory of the
/// example gives is in the example's source map (`infra/platc.map.json`), and every resource type
/// of the map is either compared or follows, by construction, from one that is.
#[test]
fn the_plan_names_resources_as_the_source_map_does() {
    let map: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("infra/platc.map.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let mut named: std::collections::BTreeSet<(String, String)> = Default::default();
    let mut looped: std::collections::BTreeSet<(String, String)> = Default::default();
    for d in map["deployments"].as_array().unwrap() {
        for r in d["resources"].as_array().unwrap() {
            named.insert((
                r["type"].as_str().unwrap().to_string(),
                r["name"].as_str().unwrap().to_string(),
            ));
        }
        for l in d["loops"].as_array().into_iter().flatten() {
            for item in l["items"].as_array().unwrap() {
                looped.insert((
                    l["type"].as_str().unwrap().to_string(),
                    item[0].as_str().unwrap().to_string(),
                ));
            }
        }
    }
    let (_, checked) = program(&example());
    let inventory = plan::inventory::inventory(&checked.default);
    let mut types: std::collections::BTreeSet<&str> = Default::default();
    for r in &inventory {
        let t = platc::azure::type_name(r.type_);
        types.insert(t);
        let has = |name: &str| named.contains(&(t.to_string(), name.to_string()));
        let (parent, last) = r.name.rsplit_once('/').unwrap_or(("", &r.name));
        let found = match t {
            // Named by a GUID of role, principal and scope: the plan names them by those.
            "Microsoft.Authorization/roleAssignments" => continue,
            // Declared inside their network.
            "Microsoft.Network/virtualNetworks/subnets" => {
                has(parent.trim_end_matches('/'))
                    || named.contains(&(
                        "Microsoft.Network/virtualNetworks".to_string(),
                        parent.to_string(),
                    ))
            }
            "Microsoft.Resources/resourceGroups" => map["resourceGroup"] == r.name.as_str(),
            // The first system pool is declared inside its cluster (Azure lists it as a pool).
            "Microsoft.ContainerService/managedClusters/agentPools" => {
                has(&r.name)
                    || (named.contains(&(
                        "Microsoft.ContainerService/managedClusters".to_string(),
                        parent.to_string(),
                    )) && r
                        .props
                        .iter()
                        .any(|p| p.value.starts_with("the cluster's own")))
            }
            // Loops: the map lists each item below its deployment's resource.
            "Microsoft.KeyVault/vaults/secrets"
            | "Microsoft.AppConfiguration/configurationStores/keyValues" => {
                has(&format!("{parent}/*")) && looped.contains(&(t.to_string(), last.to_string()))
            }
            "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials" => {
                has(&r.name) || has(&format!("{parent}/*"))
            }
            // Extension resources of the cluster are named below it.
            "Microsoft.KubernetesConfiguration/extensions"
            | "Microsoft.KubernetesConfiguration/fluxConfigurations"
            | "Microsoft.Authorization/policyAssignments" => has(last),
            _ => has(&r.name),
        };
        assert!(
            found,
            "{t} `{}` ({}) is not in the source map",
            r.name, r.what
        );
    }
    // What the map deploys that the plan does not compare, and why that is safe.
    let follows = [
        // Module deployments: what they deploy is compared.
        "Microsoft.Resources/deployments",
        // Network security groups, one per subnet, come and go with their subnet.
        "Microsoft.Network/networkSecurityGroups",
        // Zones and links follow from which services are private (compared on each service).
        "Microsoft.Network/privateDnsZones",
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
        // The one blob service of an account, with its account.
        "Microsoft.Storage/storageAccounts/blobServices",
        // The association of a collection rule with its cluster, with the rule.
        "Microsoft.Insights/dataCollectionRuleAssociations",
        // Managed Prometheus recording rules, with the collection rule.
        "Microsoft.AlertsManagement/prometheusRuleGroups",
    ];
    for (t, name) in &named {
        assert!(
            types.contains(t.as_str()) || follows.contains(&t.as_str()),
            "{t} `{name}` is deployed but neither compared by a plan nor listed as following from what is"
        );
    }
}

/// The example CI workflow calls `platc plan` only with options the command has.
#[test]
fn the_example_workflow_uses_options_platc_plan_has() {
    let workflow =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ci/plan.yml"))
            .unwrap();
    let (_, help, _) = run(platc().args(["plan", "--help"]));
    // The command with its continuation lines.
    let at = workflow
        .find("platc plan ")
        .expect("the workflow runs platc plan");
    let mut command = String::new();
    for line in workflow[at..].lines() {
        command.push_str(line.trim_end_matches('\\'));
        if !line.ends_with('\\') {
            break;
        }
    }
    let options: Vec<&str> = command
        .split_whitespace()
        .filter(|w| w.starts_with("--"))
        .collect();
    assert!(
        options.contains(&"--base") && options.contains(&"--deny"),
        "{command}"
    );
    for o in options {
        assert!(
            help.contains(o),
            "`{o}` is not an option of platc plan:\n{help}"
        );
    }
    for level in ["data-loss", "downtime"] {
        assert!(help.contains(level), "{help}");
    }
}
