//! Every Azure fact platc relies on, in one place: resource types and API versions, built-in role
//! ids, naming rules, extension types, private-link zones. Sources are in `../shared/AZURE.md`
//! terms: AVM = Azure Verified Modules, DOCS = learn.microsoft.com, PROM = Azure/prometheus-collector.

pub mod changes;
pub mod keys;
pub mod prometheus;

/// `type@apiVersion` pairs, each checked against Azure's published type definitions.
pub mod types {
    pub const RESOURCE_GROUP: &str = "Microsoft.Resources/resourceGroups@2025-04-01";
    pub const MANAGED_CLUSTER: &str = "Microsoft.ContainerService/managedClusters@2025-10-01";
    pub const AGENT_POOL: &str = "Microsoft.ContainerService/managedClusters/agentPools@2025-10-01";
    pub const EXTENSION: &str = "Microsoft.KubernetesConfiguration/extensions@2024-11-01";
    pub const FLUX_CONFIG: &str = "Microsoft.KubernetesConfiguration/fluxConfigurations@2025-04-01";
    pub const IDENTITY: &str = "Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30";
    pub const FEDERATED_CREDENTIAL: &str =
        "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2024-11-30";
    pub const VAULT: &str = "Microsoft.KeyVault/vaults@2024-11-01";
    pub const VAULT_SECRET: &str = "Microsoft.KeyVault/vaults/secrets@2024-11-01";
    pub const VAULT_KEY: &str = "Microsoft.KeyVault/vaults/keys@2024-11-01";
    pub const APPCONFIG: &str = "Microsoft.AppConfiguration/configurationStores@2024-06-01";
    pub const APPCONFIG_KV: &str =
        "Microsoft.AppConfiguration/configurationStores/keyValues@2024-06-01";
    pub const REGISTRY: &str = "Microsoft.ContainerRegistry/registries@2025-04-01";
    pub const STORAGE: &str = "Microsoft.Storage/storageAccounts@2025-01-01";
    pub const BLOB_SERVICE: &str = "Microsoft.Storage/storageAccounts/blobServices@2025-01-01";
    pub const BLOB_CONTAINER: &str =
        "Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01";
    pub const LOG_ANALYTICS: &str = "Microsoft.OperationalInsights/workspaces@2025-02-01";
    pub const MONITOR_WORKSPACE: &str = "Microsoft.Monitor/accounts@2023-04-03";
    pub const GRAFANA: &str = "Microsoft.Dashboard/grafana@2024-10-01";
    pub const DCE: &str = "Microsoft.Insights/dataCollectionEndpoints@2024-03-11";
    pub const DCR: &str = "Microsoft.Insights/dataCollectionRules@2024-03-11";
    pub const DCRA: &str = "Microsoft.Insights/dataCollectionRuleAssociations@2024-03-11";
    pub const PROMETHEUS_RULES: &str = "Microsoft.AlertsManagement/prometheusRuleGroups@2023-03-01";
    pub const DIAGNOSTICS: &str = "Microsoft.Insights/diagnosticSettings@2021-05-01-preview";
    pub const ROLE_ASSIGNMENT: &str = "Microsoft.Authorization/roleAssignments@2022-04-01";
    /// At cluster scope, as CPAAS `bicep/aks_policy.bicep` assigns AKS Deployment Safeguards
    /// (AZURE.md §5 item 15); `extension` is among its writable scopes in bicep-types-az.
    pub const POLICY_ASSIGNMENT: &str = "Microsoft.Authorization/policyAssignments@2024-04-01";
    pub const VNET: &str = "Microsoft.Network/virtualNetworks@2024-05-01";
    pub const SUBNET: &str = "Microsoft.Network/virtualNetworks/subnets@2024-05-01";
    pub const NSG: &str = "Microsoft.Network/networkSecurityGroups@2024-05-01";
    pub const PRIVATE_ENDPOINT: &str = "Microsoft.Network/privateEndpoints@2024-05-01";
    pub const PRIVATE_DNS_GROUP: &str =
        "Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01";
    pub const PRIVATE_DNS_ZONE: &str = "Microsoft.Network/privateDnsZones@2024-06-01";
    pub const PRIVATE_DNS_LINK: &str =
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01";
}

/// The resource type without its API version, as ARM errors, `resourceId()` and the portal name it.
pub fn type_name(type_at_version: &str) -> &str {
    type_at_version
        .split_once('@')
        .map_or(type_at_version, |(t, _)| t)
}

/// The type of a module's deployment, as ARM errors name it.
pub const DEPLOYMENT_TYPE: &str = "Microsoft.Resources/deployments";

/// The type a role assignment's `roleDefinitionId` points at; roles are built in, never declared.
pub const ROLE_DEFINITION_TYPE: &str = "Microsoft.Authorization/roleDefinitions";

/// Azure built-in roles platc can grant, by the name the portal shows (AZURE.md §3.13).
pub const ROLES: &[(&str, &str)] = &[
    (
        "Key Vault Secrets User",
        "4633458b-17de-408a-b874-0445c86b69e6",
    ),
    (
        "Key Vault Secrets Officer",
        "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
    ),
    (
        "Key Vault Administrator",
        "00482a5a-887f-4fb3-b363-3b7fe8e74483",
    ),
    (
        "Key Vault Crypto User",
        "12338af0-0e69-4776-bea7-57ae8d297424",
    ),
    (
        "Key Vault Crypto Service Encryption User",
        "e147488a-f6f5-4113-8e2d-b22465e65bf6",
    ),
    (
        "Key Vault Crypto Officer",
        "14b46e9e-c2b7-41b4-b07b-48a6ebf60603",
    ),
    (
        "Key Vault Certificate User",
        "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba",
    ),
    (
        "Key Vault Certificates Officer",
        "a4417e6f-fecd-4de8-b567-7b0420556985",
    ),
    ("Key Vault Reader", "21090545-7ca7-4776-b22c-e363652d74d2"),
    // Control plane only (vault settings, no data): DOCS key-vault/general/rbac-guide.
    (
        "Key Vault Contributor",
        "f25e0fa2-a7c8-4377-a976-54943a77a395",
    ),
    (
        "App Configuration Data Reader",
        "516239f1-63e1-4d78-a4de-a74fb236a071",
    ),
    (
        "App Configuration Data Owner",
        "5ae67dd6-50cb-40e7-96ff-dc2bfa4b606b",
    ),
    ("AcrPull", "7f951dda-4ed3-4680-a7ca-43fe172d538d"),
    ("AcrPush", "8311e382-0749-4cb8-b61a-304f252e45ec"),
    (
        "Storage Blob Data Reader",
        "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    ),
    (
        "Storage Blob Data Contributor",
        "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    ),
    (
        "Storage Blob Data Owner",
        "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    ),
    (
        "Monitoring Data Reader",
        "b0d8363b-8ddd-447d-831f-62ca05bff136",
    ),
    ("Monitoring Reader", "43d0d8ad-25c7-4714-9337-8ba259a9fe05"),
    (
        "Monitoring Metrics Publisher",
        "3913510d-42f4-4e42-8a64-420c390055eb",
    ),
    ("Grafana Admin", "22926164-76b3-42b3-bc55-97df8dab3e41"),
    ("Grafana Editor", "a79a5197-3a5c-4973-a920-486035ffd60f"),
    // DOCS managed-grafana how-to-manage-access-permissions ("Grafana Viewer ... 60921a7e-...").
    ("Grafana Viewer", "60921a7e-fef1-4a43-9b16-a26c52ad4769"),
    (
        "Azure Kubernetes Service RBAC Cluster Admin",
        "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
    ),
    (
        "Azure Kubernetes Service RBAC Admin",
        "3498e952-d568-435e-9b2c-8d77e338d7f7",
    ),
    (
        "Azure Kubernetes Service RBAC Reader",
        "7f6c6a51-bcf8-42ba-9220-52d62157d7db",
    ),
    (
        "Azure Kubernetes Service RBAC Writer",
        "a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb",
    ),
    (
        "Azure Kubernetes Service Cluster User Role",
        "4abbcc35-e782-43d8-92c5-2d3f1bd2253f",
    ),
    (
        "Azure Kubernetes Service Cluster Admin Role",
        "0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8",
    ),
    (
        "Kubernetes Agentless Operator",
        "d5a2ae44-610b-4500-93be-660a0c5f5ca6",
    ),
    (
        "Managed Identity Operator",
        "f1a07417-d97a-45cb-824c-7a7467783830",
    ),
    (
        "Network Contributor",
        "4d97b98b-1d4f-4787-a291-c67834d212e7",
    ),
    ("Contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c"),
    ("Reader", "acdd72a7-3385-48ef-bd42-f606fba81ae7"),
];

/// Roles whose permissions are all actions of one resource type: assigned anywhere else they
/// grant nothing. A role not listed acts on whatever resource it is assigned on (Contributor,
/// Reader, Monitoring Reader's `*/read`, Network Contributor's `Microsoft.Network/*`).
/// Source: DOCS role-based-access-control/built-in-roles, each role's `Actions`/`DataActions`.
pub const ROLE_RESOURCES: &[(&str, &str)] = &[
    // Microsoft.KeyVault/vaults/secrets/* data actions.
    ("Key Vault Secrets User", types::VAULT),
    ("Key Vault Secrets Officer", types::VAULT),
    ("Key Vault Administrator", types::VAULT),
    // Microsoft.KeyVault/vaults/keys/* and certificates/* data actions (keys: on a vault or one key).
    ("Key Vault Crypto User", types::VAULT),
    ("Key Vault Crypto Service Encryption User", types::VAULT),
    ("Key Vault Crypto Officer", types::VAULT),
    ("Key Vault Certificate User", types::VAULT),
    ("Key Vault Certificates Officer", types::VAULT),
    ("Key Vault Reader", types::VAULT),
    // Microsoft.AppConfiguration/configurationStores/*/read|write data actions.
    ("App Configuration Data Reader", types::APPCONFIG),
    ("App Configuration Data Owner", types::APPCONFIG),
    // Microsoft.ContainerRegistry/registries/pull|push/* actions.
    ("AcrPull", types::REGISTRY),
    ("AcrPush", types::REGISTRY),
    // Microsoft.Storage/storageAccounts/blobServices/containers/blobs/* data actions.
    ("Storage Blob Data Reader", types::STORAGE),
    ("Storage Blob Data Contributor", types::STORAGE),
    ("Storage Blob Data Owner", types::STORAGE),
    // Microsoft.Monitor/accounts/data/metrics/read: queries an Azure Monitor workspace (PromQL);
    // Grafana's identity holds it on the workspace (DOCS azure-monitor/metrics/prometheus-grafana).
    ("Monitoring Data Reader", types::MONITOR_WORKSPACE),
    // Microsoft.Dashboard/grafana/ActAsGrafanaAdmin|Editor|Viewer data actions: sign-in roles of
    // one Managed Grafana, assigned on the grafana resource (DOCS managed-grafana
    // how-to-manage-access-permissions, `--scope` "the full ID of the Azure Managed Grafana
    // instance"); on the Azure Monitor workspace they grant nothing.
    ("Grafana Admin", types::GRAFANA),
    ("Grafana Editor", types::GRAFANA),
    ("Grafana Viewer", types::GRAFANA),
    // Microsoft.ContainerService/managedClusters/* (data) actions.
    (
        "Azure Kubernetes Service RBAC Cluster Admin",
        types::MANAGED_CLUSTER,
    ),
    (
        "Azure Kubernetes Service RBAC Admin",
        types::MANAGED_CLUSTER,
    ),
    (
        "Azure Kubernetes Service RBAC Reader",
        types::MANAGED_CLUSTER,
    ),
    (
        "Azure Kubernetes Service RBAC Writer",
        types::MANAGED_CLUSTER,
    ),
    (
        "Azure Kubernetes Service Cluster User Role",
        types::MANAGED_CLUSTER,
    ),
    (
        "Azure Kubernetes Service Cluster Admin Role",
        types::MANAGED_CLUSTER,
    ),
];

/// The resource type a role acts on, for a role that acts on one type only.
pub fn role_resource(role: &str) -> Option<&'static str> {
    ROLE_RESOURCES
        .iter()
        .find(|(r, _)| *r == role)
        .map(|(_, t)| *t)
}

/// Whether `role` is one of Managed Grafana's sign-in roles.
pub fn is_grafana_role(role: &str) -> bool {
    role_resource(role) == Some(types::GRAFANA)
}

pub fn role_id(name: &str) -> Option<&'static str> {
    ROLES.iter().find(|(n, _)| *n == name).map(|(_, id)| *id)
}

pub fn role_names() -> impl Iterator<Item = &'static str> {
    ROLES.iter().map(|(n, _)| *n)
}

/// Who may operate a cluster whose Kubernetes authorization is Azure RBAC and whose local accounts
/// are off (AZURE.md §3.1 Auth and RBAC). The roles are granted at cluster scope, named
/// `guid(cluster.id, principalId, roleId)` as AVM names them (AZURE.md §3.1, §3.13).
///
/// `aadProfile.adminGroupObjectIDs` is left unset: with `enableAzureRBAC` the role assignments
/// decide, and that list takes only groups, so a user or service principal id in it would not
/// work. The assignments carry no `principalType` either: a wrong one fails with
/// `UnmatchedPrincipalType` (Azure/modern-web-app-pattern-dotnet#129), and the type is only
/// needed against replication delay for principals created in the same deployment
/// (Azure/HubAndSpokeResearchEnclave#50), which an admin group from the azd environment is not.
pub mod cluster_access {
    /// Full Kubernetes access through Azure RBAC (DOCS aks/manage-azure-rbac, "Create role
    /// assignments for users to access the cluster"; id from AVM managed-cluster builtInRoleNames).
    pub const ADMIN_ROLE: &str = "Azure Kubernetes Service RBAC Cluster Admin";
    /// `Microsoft.ContainerService/managedClusters/listClusterUserCredential/action`: what
    /// `az aks get-credentials` calls to fetch the kubeconfig (DOCS aks/control-kubeconfig-access).
    /// It grants no Kubernetes access of its own.
    pub const USER_ROLE: &str = "Azure Kubernetes Service Cluster User Role";
}

/// Built-in Azure Policy initiatives a cluster's `extension azure_policy` may assign, by the word
/// the language uses: (word, policy set definition id, display name). Ids and display names are
/// from Azure/azure-policy `built-in-policies/policySetDefinitions/Kubernetes/`
/// (`Kubernetes_PSPBaselineStandard.json`, `Kubernetes_PSPRestrictedStandard.json`,
/// `AKS_Safeguards.json`).
pub mod policy {
    /// The resource provider through which the Azure Policy add-on reports compliance;
    /// "Secure your cluster with Azure Policy" (learn.microsoft.com) registers it first.
    pub const INSIGHTS_PROVIDER: &str = "Microsoft.PolicyInsights";

    pub const INITIATIVES: &[(&str, &str, &str)] = &[
        (
            "pod_security_baseline",
            "a8640138-9b0a-4a28-b8cb-1666c838647d",
            "Kubernetes cluster pod security baseline standards for Linux-based workloads",
        ),
        (
            "pod_security_restricted",
            "42b8ef37-b724-4e24-bbc8-7a7708edfe00",
            "Kubernetes cluster pod security restricted standards for Linux-based workloads",
        ),
        (
            "deployment_safeguards",
            "c047ea8e-9c78-49b2-958b-37e56d291a44",
            "AKS Deployment Safeguards",
        ),
    ];

    /// The type a policy assignment's `policyDefinitionId` points at; built in, at tenant scope.
    pub const SET_DEFINITION_TYPE: &str = "Microsoft.Authorization/policySetDefinitions";

    /// Each initiative takes its effect in the parameter `effect`. The pod security initiatives
    /// allow `audit`/`Audit`, `deny`/`Deny`, `disabled`/`Disabled`; Safeguards only the
    /// capitalised ones, which every initiative accepts.
    pub const EFFECT_PARAMETER: &str = "effect";

    pub fn effect_value(word: &str) -> &'static str {
        if word == "deny" { "Deny" } else { "Audit" }
    }

    /// Safeguards parameters without a default, which an assignment must give; the values are
    /// CPAAS's (`bicep/aks_policy.bicep`), which restrict nothing beyond the initiative's checks.
    pub const SAFEGUARDS_REQUIRED: &[(&str, Option<&str>)] = &[
        ("allowedUsers", None),
        ("allowedGroups", None),
        ("cpuLimit", Some("4")),
        ("memoryLimit", Some("4Gi")),
        ("labels", None),
        ("allowedContainerImagesRegex", Some(".*")),
        ("reservedTaints", None),
    ];

    pub fn initiative(word: &str) -> Option<(&'static str, &'static str)> {
        INITIATIVES
            .iter()
            .find(|(w, _, _)| *w == word)
            .map(|(_, id, name)| (*id, *name))
    }
}

/// `uniqueString()` always returns 13 characters, lowercase letters and digits.
pub const TOKEN_LEN: usize = 13;

/// How a declaration's Azure name is built and what Azure allows for it (DOCS resource-name-rules).
#[derive(Debug, Clone, Copy)]
pub struct NameRule {
    /// Cloud Adoption Framework abbreviation (azd's abbreviations.json where it has one).
    pub prefix: &'static str,
    pub min: usize,
    pub max: usize,
    /// Hyphens between prefix, declaration name and token; the alphanumeric-only types have none.
    pub hyphens: bool,
    /// Characters allowed besides ASCII letters and digits.
    pub extra: &'static str,
    pub lowercase: bool,
    pub what: &'static str,
}

/// The resource group of environment `env`, everything of the platform in it (so that `azd down`
/// removes it all): `rg-PLATFORM-ENV`, as azd's templates name theirs. `env` is `*` in a pattern.
pub fn resource_group(platform: &str, env: &str) -> String {
    format!("rg-{platform}-{env}")
}

pub const NAME_CLUSTER: NameRule = rule("aks-", 1, 63, "-_", false, "AKS cluster names");
pub const NAME_IDENTITY: NameRule = rule("id-", 3, 128, "-_", false, "managed identity names");
pub const NAME_VAULT: NameRule = rule("kv-", 3, 24, "-", false, "Key Vault names");
pub const NAME_APPCONFIG: NameRule = rule(
    "appcs-",
    5,
    50,
    "-_",
    false,
    "App Configuration store names",
);
pub const NAME_REGISTRY: NameRule = NameRule {
    hyphens: false,
    ..rule("cr", 5, 50, "", false, "container registry names")
};
pub const NAME_STORAGE: NameRule = NameRule {
    hyphens: false,
    ..rule("st", 3, 24, "", true, "storage account names")
};
pub const NAME_LOGS: NameRule = rule("log-", 4, 63, "-", false, "Log Analytics workspace names");
pub const NAME_MONITOR: NameRule = rule("amw-", 4, 44, "-", false, "Azure Monitor workspace names");
pub const NAME_GRAFANA: NameRule = rule("amg-", 2, 23, "-", false, "Managed Grafana names");
pub const NAME_VNET: NameRule = rule("vnet-", 2, 64, "-_.", false, "virtual network names");

const fn rule(
    prefix: &'static str,
    min: usize,
    max: usize,
    extra: &'static str,
    lowercase: bool,
    what: &'static str,
) -> NameRule {
    NameRule {
        prefix,
        min,
        max,
        hyphens: true,
        extra,
        lowercase,
        what,
    }
}

impl NameRule {
    /// The declaration-name part as it appears in the Azure name.
    pub fn stem(&self, decl: &str) -> String {
        let s: String = if self.hyphens {
            decl.to_string()
        } else {
            decl.chars().filter(char::is_ascii_alphanumeric).collect()
        };
        if self.lowercase {
            s.to_ascii_lowercase()
        } else {
            s
        }
    }

    /// The final name with a placeholder token, as the author will see it in Azure.
    pub fn preview(&self, decl: &str) -> String {
        let sep = if self.hyphens { "-" } else { "" };
        format!(
            "{}{}{sep}{}",
            self.prefix,
            self.stem(decl),
            "x".repeat(TOKEN_LEN)
        )
    }

    /// The final name as shown to the author: built from its parts, with `<token>` where the
    /// 13-character token goes (never a replacement in the text, which a name could contain).
    pub fn shown(&self, decl: &str) -> String {
        let sep = if self.hyphens { "-" } else { "" };
        format!("{}{}{sep}<token>", self.prefix, self.stem(decl))
    }

    /// What is wrong with the final name, if anything.
    pub fn violation(&self, decl: &str) -> Option<String> {
        let name = self.preview(decl);
        let stem = self.stem(decl);
        if let Some(c) = stem
            .chars()
            .find(|c| !c.is_ascii_alphanumeric() && !self.extra.contains(*c))
        {
            return Some(format!("{} may not contain `{c}`", self.what));
        }
        if self.extra.contains('-')
            && (stem.contains("--") || stem.ends_with('-'))
            && self.what.starts_with("Key Vault")
        {
            return Some(format!("{} may not contain consecutive hyphens", self.what));
        }
        if name.len() > self.max {
            return Some(format!(
                "{} are at most {} characters; `{}` would be {} (prefix `{}`, name, and a {}-character token)",
                self.what,
                self.max,
                self.shown(decl),
                name.len(),
                self.prefix,
                TOKEN_LEN
            ));
        }
        if name.len() < self.min {
            return Some(format!(
                "{} are at least {} characters",
                self.what, self.min
            ));
        }
        None
    }

    /// How many characters the declaration name may have.
    pub fn budget(&self) -> usize {
        let sep = usize::from(self.hyphens);
        self.max.saturating_sub(self.prefix.len() + sep + TOKEN_LEN)
    }
}

/// Cluster extension facts (AZURE.md §3.2).
pub mod extensions {
    pub const FLUX_TYPE: &str = "microsoft.flux";
    pub const FLUX_NAME: &str = "flux";
    pub const FLUX_NAMESPACE: &str = "flux-system";
    pub const APPCONFIG_TYPE: &str = "Microsoft.AppConfiguration";
    pub const APPCONFIG_NAME: &str = "appconfigurationkubernetesprovider";
    /// Keys under `addonProfiles` of a managed cluster (AZURE.md §3.1).
    pub const ADDON_CONTAINER_INSIGHTS: &str = "omsagent";
    pub const ADDON_KEYVAULT_CSI: &str = "azureKeyvaultSecretsProvider";
    pub const ADDON_AZURE_POLICY: &str = "azurepolicy";
    /// Flux controllers the platform runs; image automation stays off, as in AVM and OSDU.
    pub const FLUX_SETTINGS: &[(&str, &str)] = &[
        ("multiTenancy.enforce", "false"),
        ("helm-controller.enabled", "true"),
        ("source-controller.enabled", "true"),
        ("kustomize-controller.enabled", "true"),
        ("notification-controller.enabled", "true"),
        ("image-automation-controller.enabled", "false"),
        ("image-reflector-controller.enabled", "false"),
    ];
}

/// Publishing a folder of manifests into a private blob container (`platc publish`).
///
/// The account is private and takes no shared keys, so nothing outside its network can write
/// to it, and it stays so: the folder travels through ARM to the cluster, which is inside.
/// `az aks command invoke` runs a shell with `kubectl` in a pod of the cluster, with the
/// caller's own Entra token for the Kubernetes API on a cluster with managed Entra integration,
/// and takes files with it, each flattened to its base name (azure-cli,
/// `acs/custom.py` `aks_runcommand` and `_get_command_context`). It waits 300 seconds for the
/// result (`result(300)`); a command still running then is read with `az aks command result`.
/// The pod has `kubectl`, `helm`, `jq`, `grep`, `awk` and `xargs`, not the Azure CLI
/// (Azure/AKS#3034). The caller needs `managedClusters/runCommand/action` in Azure and
/// Kubernetes rights for what the command does (MicrosoftDocs/SupportArticles-docs,
/// "Resolve az aks command invoke failures").
///
/// So the command creates a ConfigMap holding the folder and a Job that uploads it with the
/// Azure CLI and workload identity; the Job's identity may write only that container.
pub mod publish {
    /// The Azure CLI image the upload Job runs (a pinned version, as workload identity samples
    /// pin it: `mcr.microsoft.com/azure-cli:2.77.0`).
    pub const IMAGE: &str = "mcr.microsoft.com/azure-cli:2.77.0";
    /// A ConfigMap holds at most 1 MiB (kubernetes.io, "ConfigMaps": "The data stored in a
    /// ConfigMap cannot exceed 1 MiB"); a folder's files may use 768 KiB of it, which leaves
    /// room for names and the base64 of files that are not UTF-8 text.
    pub const MAX_BYTES: u64 = 768 * 1024;
    /// A blob name is 1 to 1,024 characters; a name ending in `.` or `/` is to be avoided
    /// (learn.microsoft.com, "Naming and Referencing Containers, Blobs, and Metadata").
    pub const MAX_BLOB_NAME: usize = 1024;
    /// The role the Job's identity holds on the container alone.
    pub const WRITER_ROLE: &str = "Storage Blob Data Contributor";
    /// The namespace of the Job, its ConfigMap and service account: one of its own, since a
    /// principal that may run pods in a namespace may run them as any of its service accounts
    /// (Writer's description in learn.microsoft.com, "Azure built-in roles for Containers"),
    /// and flux-system's are cluster admins. Creating it takes cluster rights: `kubectl` in the
    /// command pod acts as the account az is signed in with, which must operate the cluster
    /// (`admins`, or the deployer when there are none). platc grants nothing more for
    /// publishing. A role assignment made by the same provision takes up to 5 minutes to
    /// reach the cluster (learn.microsoft.com, "Use Azure RBAC for Kubernetes Authorization"),
    /// so publish tries again for that long when refused.
    pub const NAMESPACE: &str = "platc-publish";
    /// How long the command waits for the Job in one `command invoke`: scheduling the command
    /// pod may take 60 s (learn.microsoft.com, "Access a private AKS cluster using the command
    /// invoke feature") and az stops waiting at 300 s; publish calls again while it runs.
    pub const WAIT_SECS: u64 = 100;

    /// The Kubernetes service account, ConfigMap and Job of a GitOps configuration's upload.
    pub fn job_name(gitops: &str) -> String {
        format!("platc-publish-{gitops}")
    }

    /// The stem of the name of the identity the Job uploads with (`id-STEM-TOKEN`).
    pub fn identity_stem(cluster: &str, gitops: &str) -> String {
        format!("{cluster}-{gitops}-publisher")
    }
}

/// Private Link: the sub-resource (group id) and DNS zone per service (AZURE.md §3.14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrivateLink {
    Vault,
    Registry,
    Blob,
    AppConfig,
}

impl PrivateLink {
    pub const ALL: [PrivateLink; 4] = [
        PrivateLink::Vault,
        PrivateLink::Registry,
        PrivateLink::Blob,
        PrivateLink::AppConfig,
    ];

    pub fn group_id(self) -> &'static str {
        match self {
            PrivateLink::Vault => "vault",
            PrivateLink::Registry => "registry",
            PrivateLink::Blob => "blob",
            PrivateLink::AppConfig => "configurationStores",
        }
    }

    pub fn zone(self) -> &'static str {
        match self {
            PrivateLink::Vault => "privatelink.vaultcore.azure.net",
            PrivateLink::Registry => "privatelink.azurecr.io",
            PrivateLink::Blob => "privatelink.blob.core.windows.net",
            PrivateLink::AppConfig => "privatelink.azconfig.io",
        }
    }

    /// The Bicep identifier and output stem for the zone.
    pub fn ident(self) -> &'static str {
        match self {
            PrivateLink::Vault => "vaultZone",
            PrivateLink::Registry => "registryZone",
            PrivateLink::Blob => "blobZone",
            PrivateLink::AppConfig => "appConfigZone",
        }
    }
}

/// Federated credential audience for AKS workload identity.
pub const TOKEN_EXCHANGE_AUDIENCE: &str = "api://AzureADTokenExchange";

/// App Configuration content types (AZURE.md §3.6).
pub const FEATURE_FLAG_CONTENT_TYPE: &str =
    "application/vnd.microsoft.appconfig.ff+json;charset=utf-8";
pub const KEYVAULT_REF_CONTENT_TYPE: &str =
    "application/vnd.microsoft.appconfig.keyvaultref+json;charset=utf-8";
pub const FEATURE_FLAG_PREFIX: &str = ".appconfig.featureflag/";

/// The `keyValues` resource name of a key and optional label: each part URL-encoded, then `~` → `~7E`
/// and `%` → `~` (DOCS quickstart-resource-manager), joined by `$`.
pub fn appconfig_resource_name(key: &str, label: Option<&str>) -> String {
    let mut out = String::with_capacity(key.len() + label.map_or(0, |l| l.len() + 1) + 8);
    appconfig_resource_name_into(&mut out, key, label);
    out
}

/// `appconfig_resource_name`, appended to `out`.
pub fn appconfig_resource_name_into(out: &mut String, key: &str, label: Option<&str>) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    // The bytes that stay as they are.
    const PLAIN: [bool; 256] = {
        let mut t = [false; 256];
        let mut b = 0;
        while b < 256 {
            let c = b as u8;
            t[b] = c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'.';
            b += 1;
        }
        t
    };
    // Runs of bytes that stay as they are are copied whole: a run holds only ASCII, so it starts
    // and ends on character boundaries even right after an encoded byte of a longer character.
    let enc = |out: &mut String, s: &str| {
        let mut run = 0;
        for (i, b) in s.bytes().enumerate() {
            if PLAIN[usize::from(b)] {
                continue;
            }
            if run < i {
                out.push_str(&s[run..i]);
            }
            out.push('~');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
            run = i + 1;
        }
        if run < s.len() {
            out.push_str(&s[run..]);
        }
    };
    enc(out, key);
    if let Some(l) = label {
        out.push('$');
        enc(out, l);
    }
}

/// What one ARM deployment (main.bicep, or one module) may hold: Azure rejects a template with
/// more, at deployment time. Source: "Resolve errors for job size exceeded", Azure Resource
/// Manager documentation (template limits).
pub mod arm_limits {
    pub const PARAMETERS: usize = 256;
    /// Resources, counting every copy a loop makes; a module call is one resource of main.bicep.
    pub const RESOURCES: usize = 800;
    pub const OUTPUTS: usize = 64;
}

/// Security settings of an AKS cluster and its node pools, all in `types::MANAGED_CLUSTER` and
/// `types::AGENT_POOL` (2025-10-01; checked against Azure/bicep-types-az, `../shared/azure-types`).
pub mod aks_security {
    /// `properties.securityProfile.sshAccess` of every agent pool: `Disabled` turns the SSH service
    /// off on the nodes (the other value, `LocalUser`, allows SSH with the pool's private key).
    /// Source: `AgentPoolSSHAccess` and `AgentPoolSecurityProfile` of the AKS REST API
    /// (learn.microsoft.com, Azure SDK reference, Microsoft.Azure.Management.ContainerService;
    /// aka.ms/aks/ssh/disable). Stable since API 2025-08-01: the type data of `agentPools` and
    /// `managedClusters` has `sshAccess` from that version on, and only in previews before.
    pub const SSH_ACCESS: &str = "Disabled";

    /// Microsoft Defender for Containers on a cluster is `properties.securityProfile.defender`:
    /// `logAnalyticsWorkspaceResourceId` ("required and must be a valid workspace resource ID" when
    /// Defender is on) and `securityMonitoring.enabled`. Source: `ManagedClusterSecurityProfileDefender`
    /// of the AKS REST API (learn.microsoft.com, Azure SDK reference). Known limit: the Defender
    /// publisher pods still authenticate to the workspace with its shared keys, so they fail on a
    /// workspace with local authentication off, as platc's are by default
    /// (github.com/Azure/Microsoft-Defender-for-Cloud issue 1010, open): enabled there, they crash
    /// in a loop. So Defender is the author's choice, `defender = logs.NAME`, and that workspace
    /// must say `local_auth = true` (E0207) until the pods authenticate with Entra ID.
    pub const DEFENDER_WORKSPACE: &str = "logAnalyticsWorkspaceResourceId";
    /// The subscription's Defender plan (`Microsoft.Security/pricings`) that the cluster's
    /// sensor reports to: the profile alone does not turn it on (Azure/AKS#3025), and Microsoft's
    /// programmatic deployment of Defender for Containers turns it on first (`az security
    /// pricing create -n Containers --tier Standard`, learn.microsoft.com, "Deploy Defender for
    /// Containers on AKS programmatically").
    pub const DEFENDER_PLAN: &str = "Containers";
}

/// AKS cluster auto-upgrade channels (`autoUpgradeProfile.upgradeChannel`) and what each moves.
///
/// Sources: the `UpgradeChannel` values of the AKS REST API (learn.microsoft.com, "UpgradeChannel
/// Struct", Azure.ResourceManager.ContainerService): `rapid` and `stable` upgrade to newer minor
/// versions, `patch` to the newest patch "while keeping the minor version the same", `node-image`
/// only the node image, `none` nothing. AKS refuses a deployment whose `kubernetesVersion` is older
/// than the running one ("Downgrading Kubernetes version 1.26.6 to 1.25.6 is not allowed",
/// github.com/Azure/azure-sdk-tools pull 6875; the same for a patch, 1.14.8 to 1.14.7,
/// github.com/rancher/rancher issue 24071). A `1.MINOR` version stands for its newest GA patch, and
/// deploying the same `1.MINOR` again once the cluster runs a later patch of it is no upgrade and no
/// downgrade (the `kubernetesVersion` property of `ManagedClusterProperties`, learn.microsoft.com).
pub mod upgrade {
    /// The channel upgrades the cluster to newer minor versions.
    pub fn moves_minor(channel: &str) -> bool {
        matches!(channel, "stable" | "rapid")
    }

    /// The channel upgrades the cluster to newer patches of its minor version.
    pub fn moves_patch(channel: &str) -> bool {
        moves_minor(channel) || channel == "patch"
    }
}

/// What a resource type sends through a diagnostic setting: its logs (a category group or named
/// categories) and whether it exports platform metrics (`AllMetrics`). Azure rejects a setting that
/// asks for metrics a type does not export ("Metric category 'AllMetrics' is not supported"), so
/// every diagnostic setting platc writes takes its shape from here.
///
/// Sources: Azure Monitor reference, "Supported logs" and "Supported metrics" per resource type
/// (learn.microsoft.com/azure/azure-monitor/reference/supported-logs/... and
/// .../supported-metrics/..., whose "DS Export" column says whether a metric goes through
/// diagnostic settings). Managed Grafana: its only metrics (HttpRequestCount and others) are
/// "DS Export: No", and only its log categories (GrafanaLoginEvents, GrafanaUsageInsightsEvents) can
/// be exported (supported-metrics/microsoft-dashboard-grafana-metrics; MicrosoftDocs/azure-docs
/// pull 124000). Network security groups have logs and no metrics. A storage account itself has
/// metrics and no logs; its blob service has both. Key Vault's `audit` group is its AuditEvent
/// category. The AKS categories are below.
pub mod diagnostics {
    use super::types;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Logs {
        /// The type has no log categories.
        None,
        Group(&'static str),
        Categories(&'static [&'static str]),
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Export {
        pub logs: Logs,
        /// Platform metrics through the setting (`AllMetrics`).
        pub metrics: bool,
    }

    const fn export(logs: Logs, metrics: bool) -> Export {
        Export { logs, metrics }
    }

    /// What a diagnostic setting on `type_at_version` (a `types::` constant) collects; None for a
    /// type platc does not diagnose.
    pub fn export_of(type_at_version: &str) -> Option<Export> {
        let all = Logs::Group("allLogs");
        Some(match type_at_version {
            types::VNET => export(all, true),
            types::NSG => export(all, false),
            types::LOG_ANALYTICS => export(all, true),
            types::GRAFANA => export(all, false),
            types::STORAGE => export(Logs::None, true),
            types::BLOB_SERVICE => export(all, true),
            types::REGISTRY => export(all, true),
            types::VAULT => export(Logs::Group("audit"), true),
            types::APPCONFIG => export(all, true),
            types::MANAGED_CLUSTER => export(Logs::Categories(super::AKS_LOG_CATEGORIES), true),
            _ => return None,
        })
    }
}

/// AKS diagnostic log categories: the control plane without the high-volume `kube-audit` stream
/// (`allLogs` would include it); `kube-audit-admin` keeps the writes.
pub const AKS_LOG_CATEGORIES: &[&str] = &[
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "cluster-autoscaler",
    "guard",
    "kube-audit-admin",
];

#[cfg(test)]
mod tests {

    /// The name shown is built from its parts: a name that holds as many x's as the token has
    /// characters keeps them.
    #[test]
    fn a_name_preview_shows_the_token_in_its_place_only() {
        let x = "x".repeat(TOKEN_LEN);
        assert_eq!(NAME_VAULT.shown(&x), format!("kv-{x}-<token>"));
        assert_eq!(NAME_STORAGE.shown("Git-Ops"), "stgitops<token>");
        let problem = NAME_VAULT.violation(&x).unwrap();
        assert!(problem.contains(&format!("`kv-{x}-<token>`")), "{problem}");
    }

    use super::*;

    #[test]
    fn appconfig_names_are_encoded_as_azure_documents() {
        assert_eq!(
            appconfig_resource_name("AppName:DbEndpoint", Some("Test")),
            "AppName~3ADbEndpoint$Test"
        );
        assert_eq!(
            appconfig_resource_name(".appconfig.featureflag/beta", None),
            ".appconfig.featureflag~2Fbeta"
        );
        assert_eq!(appconfig_resource_name("a~b$c", None), "a~7Eb~24c");
        // Each byte of a longer character is encoded; the plain text around it is kept.
        assert_eq!(
            appconfig_resource_name("dé:x", Some("ü")),
            "d~C3~A9~3Ax$~C3~BC"
        );
    }

    #[test]
    fn names_are_checked_after_prefix_and_token() {
        assert_eq!(NAME_VAULT.preview("secrets").len(), 24);
        assert!(NAME_VAULT.violation("secrets").is_none());
        assert!(
            NAME_VAULT
                .violation("platform-secrets")
                .unwrap()
                .contains("at most 24")
        );
        assert_eq!(NAME_STORAGE.stem("Git-Ops"), "gitops");
        assert!(NAME_GRAFANA.violation("prom").is_none());
        assert_eq!(NAME_VAULT.budget(), 7);
    }

    #[test]
    fn every_role_bound_to_a_resource_is_a_known_role() {
        for (role, _) in ROLE_RESOURCES {
            assert!(role_id(role).is_some(), "{role}");
        }
    }

    #[test]
    fn every_role_id_is_a_guid() {
        for (name, id) in ROLES {
            assert_eq!(id.len(), 36, "{name}");
            assert_eq!(id.matches('-').count(), 4, "{name}");
        }
    }
}
