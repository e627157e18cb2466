//! What Azure does when a deployment changes a resource that already exists: which properties it
//! refuses to change, what a new name does, what a deployment does to a resource it no longer
//! names. `platc plan` explains each change it predicts with one of these facts and its source.
//!
//! ARM has no "replace": a PUT that changes a property the resource provider does not let change
//! fails, and the deployment stops at that resource. The only way through is to delete the
//! resource and let the next deployment create it again, which is what a plan calls replacing it.

use super::types;

/// One fact about Azure, with where it is stated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fact {
    /// What happens, in a sentence that follows "because".
    pub says: &'static str,
    /// Where it is written: a public page, issue or file.
    pub source: &'static str,
}

const fn fact(says: &'static str, source: &'static str) -> Fact {
    Fact { says, source }
}

/// A resource's name is part of its id: a deployment that names another resource creates it, and
/// leaves the one it named before as it is. "For both modes, Resource Manager tries to create all
/// resources specified in the template"; "In incremental mode, Resource Manager leaves unchanged
/// resources that exist in the resource group but aren't specified in the template".
pub const NEW_NAME: Fact = fact(
    "Azure names cannot change: the deployment creates a new resource under the new name, empty, and the one under the old name is no longer deployed",
    "learn.microsoft.com/azure/azure-resource-manager/templates/deployment-modes",
);

/// A resource's id holds its resource group: the same name in another group is another resource.
pub const NEW_GROUP: Fact = fact(
    "a resource in another resource group is another resource: the deployment creates it in the new group and leaves the one in the old group as it is",
    "learn.microsoft.com/azure/azure-resource-manager/templates/deployment-modes",
);

/// Vaults, storage accounts, registries and App Configuration stores have names unique across
/// Azure (each is a public host name): a second one under a name in use is refused.
pub const GLOBAL_NAME: Fact = fact(
    "its name is unique across Azure and the resource in the old group still holds it: the deployment fails until that one is deleted (and purged, where soft delete keeps it)",
    "learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules (Key Vault, Storage, Container Registry and App Configuration names are global); azure.github.io/PSRule.Rules.Azure/en/rules/Azure.Storage.Name (\"Storage Account names must be globally unique\")",
);

/// Types whose names are global, so that a copy in another resource group collides.
pub fn globally_named(type_at_version: &str) -> bool {
    matches!(
        type_at_version,
        types::VAULT | types::STORAGE | types::REGISTRY | types::APPCONFIG
    )
}

/// azd deploys main.bicep as one deployment at subscription scope, incrementally.
pub const INCREMENTAL: Fact = fact(
    "azd deploys incrementally, and incremental mode leaves what the template no longer names as it is: it stays (and bills, where it bills), no longer managed by the platform",
    "learn.microsoft.com/azure/azure-resource-manager/templates/deployment-modes (\"In incremental mode, Resource Manager leaves unchanged resources that exist in the resource group but aren't specified in the template\")",
);

/// With `azd config set alpha.deployment.stacks on`, azd wraps the deployment in a deployment
/// stack, whose `actionOnUnmanage.resources` is `delete` unless azure.yaml says `detach`.
pub const STACK_DELETE: Fact = fact(
    "under azd's deployment stacks (actionOnUnmanage.resources defaults to delete), a resource the template no longer names is deleted",
    "github.com/MicrosoftDocs/azure-dev-docs articles/azure-developer-cli/azure-deployment-stacks-integration.md (\"`delete` is the default value\")",
);

/// A resource group's location is fixed: `InvalidResourceGroupLocation`, "The Resource group
/// already exists in location ...". Every resource's location is fixed the same way.
pub const GROUP_LOCATION: Fact = fact(
    "a resource group's location cannot change: the deployment fails with InvalidResourceGroupLocation, and every resource name's token is made from the location, so every resource would be new",
    "github.com/Azure/azure-cli issue 22242; learn.microsoft.com/azure/azure-resource-manager/templates/deployment-modes (\"If you try to update the location ... of an existing resource, the deployment fails\")",
);

/// A subnet platc declares inside its virtual network: the network's PUT replaces its subnet list.
pub const INLINE_SUBNET: Fact = fact(
    "subnets are declared inside their virtual network, whose deployment replaces the subnet list: a subnet left out is deleted even in incremental mode, and the deployment fails while anything is in it (InUseSubnetCannotBeDeleted)",
    "github.com/Azure/bicep issues 4653 and 13267",
);

/// AKS's network profile: "Changing property 'networkProfile.networkPlugin' is not allowed"
/// (PropertyChangeNotAllowed). serviceCidr, dnsServiceIP are create-only; networkPlugin,
/// networkPluginMode, podCidr, networkDataplane, networkPolicy, outboundType change only along
/// one-way migrations run with `az aks update`, never by redeploying the template.
pub const AKS_NETWORK: Fact = fact(
    "AKS refuses to change the cluster's network profile in place (PropertyChangeNotAllowed): the cluster must be deleted and created again",
    "github.com/Azure/AKS issue 409; github.com/pulumi/pulumi-azure-native pull 4771 (the create-only and one-way networkProfile properties)",
);

pub const AKS_PRIVATE: Fact = fact(
    "a private API server is chosen when the cluster is created (enablePrivateCluster: \"whether to create the cluster as a private cluster\")",
    "learn.microsoft.com .NET reference ManagedClusterAPIServerAccessProfile.EnablePrivateCluster",
);

pub const POOL_VM_SIZE: Fact = fact(
    "a node pool's VM size cannot change after it is created: a new pool must take its place",
    "learn.microsoft.com/azure/aks/manage-node-pools#limitations (\"You can't change the VM size of a node pool after you create it\")",
);

pub const POOL_ZONES: Fact = fact(
    "a node pool's availability zones cannot change after it is created: a new pool must take its place",
    "learn.microsoft.com/azure/aks/reliability-availability-zones-configure (\"You can't change the number of availability zones after you create a node pool\")",
);

pub const POOL_MAX_PODS: Fact = fact(
    "a node pool's maximum pods per node is set when it is created",
    "azure.github.io/PSRule.Rules.Azure/en/rules/Azure.AKS.NodeMinPods (\"The maximum number of pods for nodes within a node pool is set at creation time\")",
);

pub const POOL_SUBNET: Fact = fact(
    "a node pool's subnet cannot change after it is created",
    "github.com/ansible-collections/azure pull 294 (\"The vnet_subnet_id of the agent pool cannot be updated\")",
);

pub const VAULT_SOFT_DELETE: Fact = fact(
    "a Key Vault's soft-delete retention cannot change once the vault exists",
    "github.com/MicrosoftDocs/azure-docs articles/key-vault/key-vault-ovw-soft-delete.md, commit b94bc61 (\"the retention policy interval cannot be changed\")",
);

/// Purge protection once on stays on; platc omits `enablePurgeProtection` when the program says
/// false (the spec's `purge_protection` row), so the deployment leaves it as it is.
pub const PURGE_PROTECTION: Fact = fact(
    "purge protection cannot be turned off once on; platc then leaves the setting out, and it stays on",
    "learn.microsoft.com .NET reference KeyVaultProperties.EnablePurgeProtection; azure.github.io/PSRule.Rules.Azure/en/rules/Azure.AppConfig.PurgeProtect (\"Once purge protection is enabled on a store, it can't be disabled\")",
);

pub const APPCONFIG_DOWNGRADE: Fact = fact(
    "an App Configuration store cannot go down from the Standard tier to Free: a new store must take its place",
    "learn.microsoft.com/azure/azure-app-configuration/faq (\"You can't downgrade a store from the Standard tier to the Free tier\")",
);

/// Between zonal (ZRS, GZRS) and non-zonal (LRS, GRS) redundancy, Azure Storage converts an
/// account through a migration request, not through an update of its SKU; LRS and GRS (and ZRS
/// and GZRS) change by updating the SKU.
pub const STORAGE_ZONAL: Fact = fact(
    "a storage account moves between zonal (zrs, gzrs) and non-zonal (lrs, grs) redundancy only through a conversion request (az storage account migration start), never by a deployment",
    "learn.microsoft.com/powershell/module/az.storage/start-azstorageaccountmigration (\"The migration updates the non-zonal redundant storage account to a zonal redundant account or vice-versa\")",
);

pub const LOG_RETENTION: Fact = fact(
    "a shorter retention deletes what is older than the new one, 30 days after the change",
    "learn.microsoft.com/azure/azure-monitor/logs/data-retention-configure (\"When you shorten a table's total retention, Azure Monitor Logs waits 30 days before removing the data\")",
);

pub const DAILY_CAP: Fact = fact(
    "once a day's ingestion reaches the cap, the workspace takes no more data until the quota resets",
    "learn.microsoft.com .NET reference WorkspaceCapping (DailyQuotaGb; DataIngestionStatus OverQuota; QuotaNextResetTime)",
);

pub const REGISTRY_TIER: Fact = fact(
    "a registry changes tier in place",
    "learn.microsoft.com/azure/container-registry/container-registry-skus (\"Changing tiers\")",
);

/// A Flux configuration deleted with `prune` deletes what it applied; left in place it keeps
/// applying its source.
pub const FLUX_REMOVED: Fact = fact(
    "a Flux configuration left in place keeps applying its source to the cluster; deleted, Flux prunes what its kustomizations with prune applied",
    "fluxcd.io/flux/cmd/flux_delete_kustomization (\"Delete a kustomization and the Kubernetes resources created by it when prune is enabled\")",
);

/// ARM's PUT of a key is "Create If Not Exist": an existing key is returned as it is, and one
/// with other creation settings is refused; platc deploys only keys that do not exist yet.
pub const KEY_KEPT: Fact = fact(
    "ARM creates a key once and never changes it, so the key keeps the settings it was created with (platc deploys only keys that do not exist yet); change it with `az keyvault key rotation-policy update` or `az keyvault key set-attributes`, or declare a key under a new name",
    "Azure/azure-rest-api-specs keyvault resource-manager keys.json (Keys_CreateIfNotExist: \"does not update existing keys\"); github.com/Azure/bicep issue 8283 (KeyCreationParametersDidNotMatchExistingKey)",
);

/// API Server VNet Integration is one-way: it cannot be turned off, and turning it on for an
/// existing cluster moves the API server, which needs the cluster stopped and started.
pub const AKS_VNET_INTEGRATION: Fact = fact(
    "API Server VNet Integration cannot be turned off once on, and turned on for a running cluster it takes effect only after the cluster is stopped and started (az aks stop; az aks start)",
    "learn.microsoft.com/azure/aks/api-server-vnet-integration",
);

/// With KMS on, the key vault's network access (public or private) cannot change.
pub const AKS_KMS_MODE: Fact = fact(
    "with KMS on, AKS refuses to switch the key vault between public and private: KMS must be turned off, and on again with the new mode",
    "learn.microsoft.com/azure/aks/use-kms-etcd-encryption (limitations)",
);

/// Where a property of `type_at_version` (a `types::` constant) cannot change in place, and why.
/// `old` and `new` are the values as the plan shows them.
pub fn refused(type_at_version: &str, property: &str, old: &str, new: &str) -> Option<Fact> {
    Some(match (type_at_version, property) {
        (types::RESOURCE_GROUP, "location") if !from_env(old) && !from_env(new) => GROUP_LOCATION,
        (types::MANAGED_CLUSTER, p) if p.starts_with("networkProfile.") => AKS_NETWORK,
        (types::MANAGED_CLUSTER, "apiServerAccessProfile.enablePrivateCluster") => AKS_PRIVATE,
        (types::AGENT_POOL, "vmSize") => POOL_VM_SIZE,
        (types::AGENT_POOL, "availabilityZones") => POOL_ZONES,
        (types::AGENT_POOL, "maxPods") => POOL_MAX_PODS,
        (types::AGENT_POOL, "vnetSubnetID") => POOL_SUBNET,
        (types::VAULT, "softDeleteRetentionInDays") => VAULT_SOFT_DELETE,
        (types::MANAGED_CLUSTER, "apiServerAccessProfile.enableVnetIntegration")
            if old != "off" =>
        {
            AKS_VNET_INTEGRATION
        }
        (types::MANAGED_CLUSTER, "securityProfile.azureKeyVaultKms")
            if old != "off" && new != "off" && mode(old) != mode(new) =>
        {
            AKS_KMS_MODE
        }
        (types::APPCONFIG, "sku.name") if old != "free" && new == "free" => APPCONFIG_DOWNGRADE,
        (types::STORAGE, "sku.name") if zonal(old) != zonal(new) => STORAGE_ZONAL,
        _ => return None,
    })
}

/// Whether the key vault is reached privately, as the plan shows a cluster's KMS.
fn mode(kms: &str) -> bool {
    kms.ends_with("private")
}

/// Where an existing resource of `type_at_version` keeps what a deployment declares.
pub fn kept(type_at_version: &str) -> Option<Fact> {
    (type_at_version == types::VAULT_KEY).then_some(KEY_KEPT)
}

/// A value read from the azd environment when azd provisions, which the plan cannot know.
fn from_env(shown: &str) -> bool {
    shown.starts_with("env(")
}

fn zonal(sku: &str) -> bool {
    sku.contains("ZRS")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fact_names_its_source() {
        for f in [
            NEW_NAME,
            NEW_GROUP,
            GLOBAL_NAME,
            INCREMENTAL,
            STACK_DELETE,
            GROUP_LOCATION,
            INLINE_SUBNET,
            AKS_NETWORK,
            AKS_PRIVATE,
            POOL_VM_SIZE,
            POOL_ZONES,
            POOL_MAX_PODS,
            POOL_SUBNET,
            VAULT_SOFT_DELETE,
            PURGE_PROTECTION,
            APPCONFIG_DOWNGRADE,
            STORAGE_ZONAL,
            LOG_RETENTION,
            DAILY_CAP,
            REGISTRY_TIER,
            FLUX_REMOVED,
            KEY_KEPT,
            AKS_VNET_INTEGRATION,
            AKS_KMS_MODE,
        ] {
            assert!(f.source.contains('.'), "{f:?}");
            assert!(!f.says.ends_with('.'), "{f:?}");
        }
    }

    #[test]
    fn storage_redundancy_is_refused_only_across_zones() {
        let r = |a, b| refused(types::STORAGE, "sku.name", a, b);
        assert_eq!(r("Standard_LRS", "Standard_ZRS"), Some(STORAGE_ZONAL));
        assert_eq!(r("Standard_GZRS", "Standard_GRS"), Some(STORAGE_ZONAL));
        assert_eq!(r("Standard_LRS", "Standard_GRS"), None);
        assert_eq!(r("Standard_ZRS", "Standard_GZRS"), None);
    }

    #[test]
    fn an_app_configuration_store_may_go_up_from_free_but_not_down_to_it() {
        let r = |a, b| refused(types::APPCONFIG, "sku.name", a, b);
        assert_eq!(r("standard", "free"), Some(APPCONFIG_DOWNGRADE));
        assert_eq!(r("free", "standard"), None);
        assert_eq!(r("standard", "premium"), None);
    }
}
