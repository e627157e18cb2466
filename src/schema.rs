//! What the language allows where: every kind, its fields with their types, defaults and docs.
//! The checker validates against these tables; spec.md documents the same tables (a test keeps
//! every field named here documented there), and later tools (hover, completion) read them too.

/// The type of a field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Str,
    Int {
        min: i64,
        max: i64,
    },
    Bool,
    Duration {
        min_secs: u64,
        max_secs: u64,
    },
    Cidr,
    Ip,
    Range {
        min: i64,
        max: i64,
    },
    List(&'static Ty),
    Map(&'static Ty),
    Enum(&'static [&'static str]),
    /// A reference `kind.name` to a top-level declaration of one of these kinds.
    Ref(&'static [&'static str]),
    /// `network.NAME.SUBNET`
    SubnetRef,
    /// A string, or `env("NAME")` / `env("NAME", "default")` read from the azd environment.
    StrOrEnv,
    /// `secure("NAME")`: a secure parameter that azd fills from its environment.
    Secure,
    /// `git("url", branch = "...")` or `blob(storage.NAME, container = "...")`
    GitopsSource,
}

impl Ty {
    /// What several values of this type are called: `strings`, `CIDR ranges`.
    fn plural(&self) -> String {
        match self {
            Ty::Str => "strings".into(),
            Ty::Int { .. } => "integers".into(),
            Ty::Bool => "booleans".into(),
            Ty::Cidr => "CIDR ranges such as `10.0.0.0/16`".into(),
            Ty::Ip => "IP addresses".into(),
            Ty::StrOrEnv => "strings or `env(\"NAME\")` values".into(),
            other => {
                let one = other.describe();
                let one = one.trim_start_matches("a ").trim_start_matches("an ");
                format!("values of the form {one}")
            }
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Ty::Str => "a string".into(),
            Ty::Int { .. } => "an integer".into(),
            Ty::Bool => "a boolean".into(),
            Ty::Duration { .. } => "a duration such as `30s`, `5m` or `180d`".into(),
            Ty::Cidr => "a CIDR range such as `10.0.0.0/16`".into(),
            Ty::Ip => "an IP address such as `10.0.0.10`".into(),
            Ty::Range { .. } => "a range such as `2..10`".into(),
            Ty::List(t) => format!("a list of {}", t.plural()),
            Ty::Map(t) => format!("a map of {}", t.plural()),
            Ty::Enum(vals) => format!("one of {}", crate::diag::one_of(vals)),
            Ty::Ref(kinds) => format!(
                "a reference to a {} such as `{}.NAME`",
                kinds.join(" or "),
                kinds[0]
            ),
            Ty::SubnetRef => "a subnet reference such as `network.NAME.SUBNET`".into(),
            Ty::StrOrEnv => "a string or `env(\"NAME\")`".into(),
            Ty::Secure => "`secure(\"NAME\")`".into(),
            Ty::GitopsSource => {
                "`git(\"URL\", branch = \"...\")` or `blob(storage.NAME, container = \"...\")`"
                    .into()
            }
        }
    }
}

#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
    /// The default as the author would write it, for docs; `None` when absent means "not set".
    pub default: Option<&'static str>,
    pub doc: &'static str,
}

/// Whether a block takes a name after its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelRule {
    None,
    Required,
}

#[derive(Debug)]
pub struct Kind {
    pub name: &'static str,
    pub label: LabelRule,
    /// `on`/`in` qualifier this block requires, with the type of its value.
    pub qualifier: Option<(&'static str, Ty)>,
    pub fields: &'static [Field],
    pub blocks: &'static [Kind],
    /// Whether the block may appear more than once in its parent (top-level kinds: always).
    pub repeat: bool,
    pub doc: &'static str,
}

impl Kind {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
    pub fn block(&self, name: &str) -> Option<&Kind> {
        self.blocks.iter().find(|k| k.name == name)
    }
}

const fn f(name: &'static str, ty: Ty, default: Option<&'static str>, doc: &'static str) -> Field {
    Field {
        name,
        ty,
        required: false,
        default,
        doc,
    }
}

const fn req(name: &'static str, ty: Ty, doc: &'static str) -> Field {
    Field {
        name,
        ty,
        required: true,
        default: None,
        doc,
    }
}

const fn kind(
    name: &'static str,
    label: LabelRule,
    fields: &'static [Field],
    blocks: &'static [Kind],
    doc: &'static str,
) -> Kind {
    Kind {
        name,
        label,
        qualifier: None,
        fields,
        blocks,
        repeat: true,
        doc,
    }
}

const PRIVATE_DOC: &str = "reach the resource only through a private endpoint; defaults to the platform's `private_networking`";
const STR: Ty = Ty::Str;
const BOOL: Ty = Ty::Bool;
const KUBE_LABEL: Ty = Ty::Str;

/// A function of the language: its positional and named parameters, each with what it takes.
#[derive(Debug)]
pub struct Function {
    pub name: &'static str,
    pub positional: &'static [(&'static str, &'static str)],
    pub named: &'static [(&'static str, &'static str)],
    pub doc: &'static str,
}

impl Function {
    /// Every parameter as a signature shows it: `NAME`, then `branch = "..."`.
    pub fn params(&self) -> Vec<(String, &'static str)> {
        let named = self
            .named
            .iter()
            .map(|(n, d)| (format!("{n} = \"...\""), *d));
        self.positional
            .iter()
            .map(|(n, d)| (n.to_string(), *d))
            .chain(named)
            .collect()
    }

    /// `git(URL, branch = "...", ...)`.
    pub fn signature(&self) -> String {
        let params: Vec<String> = self.params().into_iter().map(|(p, _)| p).collect();
        format!("{}({})", self.name, params.join(", "))
    }
}

/// The functions, as spec.md §2 lists them. The checker takes the named parameters of `git` and
/// `blob` from here; signature help shows all of it.
pub static FUNCTIONS: &[Function] = &[
    Function {
        name: "env",
        positional: &[
            (
                "NAME",
                "the azd environment variable (uppercase letters, digits and `_`)",
            ),
            (
                "default",
                "optional: the value when the variable is not set",
            ),
        ],
        named: &[],
        doc: "A string read at provision time from the azd environment.",
    },
    Function {
        name: "secure",
        positional: &[("NAME", "the azd environment variable that holds the secret")],
        named: &[],
        doc: "A `@secure()` parameter filled from the azd environment; never written anywhere.",
    },
    Function {
        name: "git",
        positional: &[("URL", "the repository's URL")],
        named: &[
            ("branch", "the branch to follow (default `main`)"),
            ("tag", "a tag instead of a branch"),
            (
                "semver",
                "a semantic version range of tags instead of a branch",
            ),
            ("commit", "a commit instead of a branch"),
        ],
        doc: "A GitOps source: a Git repository.",
    },
    Function {
        name: "blob",
        positional: &[("storage.NAME", "a declared storage account")],
        named: &[
            ("container", "the container that holds the manifests"),
            (
                "upload",
                "a directory that azd uploads into the container at provision time",
            ),
        ],
        doc: "A GitOps source: a container of a declared storage account.",
    },
];

pub fn function(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

pub const EXTENSIONS: &[&str] = &[
    "flux",
    "app_config_provider",
    "keyvault_csi",
    "istio",
    "azure_policy",
    "prometheus",
];

pub const ROLE_TARGET_KINDS: &[&str] = &[
    "vault",
    "key",
    "appconfig",
    "registry",
    "storage",
    "cluster",
    "metrics",
    "logs",
];

pub static PLATFORM: Kind = kind(
    "platform",
    LabelRule::Required,
    &[
        f(
            "location",
            Ty::StrOrEnv,
            Some("env(\"AZURE_LOCATION\")"),
            "Azure region of the resource group and every resource",
        ),
        f(
            "tags",
            Ty::Map(&STR),
            Some("{}"),
            "tags on every resource, besides `azd-env-name`",
        ),
        f(
            "private_networking",
            Ty::Bool,
            Some("true"),
            "put Key Vault, registry, storage and the AKS API behind private endpoints where Azure allows",
        ),
        f(
            "diagnostics",
            Ty::Ref(&["logs"]),
            Some("the only `logs` declaration"),
            "Log Analytics workspace that receives diagnostic settings of every resource",
        ),
        f(
            "environments",
            Ty::List(&STR),
            Some("[]"),
            "azd environments (AZURE_ENV_NAME) that `env \"NAME\" { ... }` blocks override fields for",
        ),
        f(
            "policies",
            Ty::List(&STR),
            Some("[]"),
            "Rego rule files or folders (relative to this file) and built-in packs (`\"builtin:production\"`, `\"builtin:baseline\"`) checked against every environment",
        ),
        f(
            "waivers",
            Ty::Map(&STR),
            Some("{}"),
            "rules switched off, each by its id with the reason: `{ storage-zone-redundant = \"dev data only\" }`",
        ),
    ],
    &[],
    "The platform as a whole: its name, region and defaults. Exactly one per program.",
);

pub static NETWORK: Kind = kind(
    "network",
    LabelRule::Required,
    &[req(
        "address_space",
        Ty::List(&Ty::Cidr),
        "address prefixes of the virtual network",
    )],
    &[Kind {
        name: "subnet",
        label: LabelRule::Required,
        qualifier: None,
        fields: &[
            req(
                "prefix",
                Ty::Cidr,
                "address prefix; must lie inside the network's address space",
            ),
            f(
                "private_endpoints",
                Ty::Bool,
                Some("false"),
                "this subnet holds the platform's private endpoints",
            ),
        ],
        blocks: &[],
        repeat: true,
        doc: "A subnet, referenced as `network.NAME.SUBNET`.",
    }],
    "A virtual network with subnets for AKS nodes and private endpoints.",
);

pub static LOGS: Kind = kind(
    "logs",
    LabelRule::Required,
    &[
        f(
            "retention_days",
            Ty::Int { min: 30, max: 730 },
            Some("30"),
            "days Log Analytics keeps data",
        ),
        f(
            "daily_quota_gb",
            Ty::Int {
                min: 1,
                max: 100_000,
            },
            None,
            "daily ingestion cap in GB; unset means no cap",
        ),
        f(
            "local_auth",
            Ty::Bool,
            Some("false"),
            "accept the workspace's shared keys as well as Entra ID; Defender for Containers' sensor needs them",
        ),
    ],
    &[],
    "A Log Analytics workspace.",
);

pub static METRICS: Kind = kind(
    "metrics",
    LabelRule::Required,
    &[f(
        "grafana",
        Ty::Bool,
        Some("true"),
        "add an Azure Managed Grafana linked to the workspace",
    )],
    &[],
    "An Azure Monitor workspace for managed Prometheus, optionally with Managed Grafana.",
);

pub static REGISTRY: Kind = kind(
    "registry",
    LabelRule::Required,
    &[
        f(
            "sku",
            Ty::Enum(&["basic", "standard", "premium"]),
            Some("premium"),
            "registry tier; private endpoints and zone redundancy need `premium`",
        ),
        f("private", Ty::Bool, None, PRIVATE_DOC),
    ],
    &[],
    "An Azure Container Registry. Clusters that name it get AcrPull for their kubelet identity.",
);

pub static VAULT: Kind = kind(
    "vault",
    LabelRule::Required,
    &[
        f(
            "sku",
            Ty::Enum(&["standard", "premium"]),
            Some("standard"),
            "Key Vault tier",
        ),
        f(
            "soft_delete_days",
            Ty::Int { min: 7, max: 90 },
            Some("90"),
            "days a deleted vault or secret can be recovered",
        ),
        f(
            "purge_protection",
            Ty::Bool,
            Some("true"),
            "forbid purging before the soft-delete period ends; Azure never lets it be turned off again",
        ),
        f("private", Ty::Bool, None, PRIVATE_DOC),
    ],
    &[],
    "A Key Vault with RBAC authorisation and soft delete.",
);

pub static APPCONFIG: Kind = kind(
    "appconfig",
    LabelRule::Required,
    &[
        f(
            "sku",
            Ty::Enum(&["free", "developer", "standard", "premium"]),
            Some("standard"),
            "App Configuration tier",
        ),
        f(
            "soft_delete_days",
            Ty::Int { min: 1, max: 7 },
            Some("7"),
            "days a deleted store can be recovered (standard and premium)",
        ),
        f(
            "purge_protection",
            Ty::Bool,
            Some("true"),
            "forbid purging during the soft-delete period (standard and premium)",
        ),
        f(
            "private",
            Ty::Bool,
            None,
            "reach the store only through a private endpoint; defaults to `private_networking` unless the store holds key-values, which ARM writes over the public endpoint",
        ),
    ],
    &[],
    "An App Configuration store with local (key) authentication disabled.",
);

pub static STORAGE: Kind = kind(
    "storage",
    LabelRule::Required,
    &[
        f(
            "replication",
            Ty::Enum(&["lrs", "zrs", "grs", "gzrs"]),
            Some("zrs"),
            "redundancy of the Standard storage account",
        ),
        f(
            "containers",
            Ty::List(&STR),
            Some("[]"),
            "private blob containers to create",
        ),
        f("private", Ty::Bool, None, PRIVATE_DOC),
    ],
    &[],
    "A StorageV2 account with private blob containers, e.g. a Flux source.",
);

pub static IDENTITY: Kind = kind(
    "identity",
    LabelRule::Required,
    &[],
    &[
        Kind {
            name: "federate",
            label: LabelRule::Required,
            qualifier: Some(("on", Ty::Ref(&["cluster"]))),
            fields: &[],
            blocks: &[],
            repeat: true,
            doc: "`federate \"NAMESPACE/SERVICEACCOUNT\" on cluster.NAME`: trust tokens of that Kubernetes service account (workload identity).",
        },
        Kind {
            name: "grant",
            label: LabelRule::Required,
            qualifier: Some(("on", Ty::Ref(ROLE_TARGET_KINDS))),
            fields: &[],
            blocks: &[],
            repeat: true,
            doc: "`grant \"ROLE NAME\" on KIND.NAME`: assign an Azure built-in role scoped to that resource.",
        },
    ],
    "A user-assigned managed identity with federated credentials and role assignments.",
);

pub static CLUSTER: Kind = kind(
    "cluster",
    LabelRule::Required,
    &[
        f(
            "kubernetes",
            Ty::StrOrEnv,
            None,
            "Kubernetes version such as `1.33`; unset takes AKS's default. With upgrade channel `patch` only `1.MINOR`; `stable` and `rapid` take none",
        ),
        f(
            "sku_tier",
            Ty::Enum(&["free", "standard", "premium"]),
            Some("standard"),
            "AKS control-plane tier (`standard` has an uptime SLA)",
        ),
        f(
            "upgrade_channel",
            Ty::Enum(&["none", "patch", "stable", "rapid", "node-image"]),
            None,
            "automatic Kubernetes upgrades: `patch` (the default when `kubernetes` is set) keeps the minor version, `stable` (the default otherwise) and `rapid` move it and so take no `kubernetes`",
        ),
        f(
            "node_os_upgrade_channel",
            Ty::Enum(&["none", "unmanaged", "node_image", "security_patch"]),
            Some("node_image"),
            "automatic node OS upgrades",
        ),
        f(
            "registry",
            Ty::Ref(&["registry"]),
            None,
            "container registry the kubelet identity may pull from (AcrPull)",
        ),
        f(
            "private_cluster",
            Ty::Bool,
            None,
            "private API server; defaults to the platform's `private_networking`",
        ),
        f(
            "admins",
            Ty::List(&Ty::StrOrEnv),
            Some("the deploying principal"),
            "Entra object ids (a group, user or service principal), literal or `env(\"NAME\")`, given Azure Kubernetes Service RBAC Cluster Admin and Cluster User Role on the cluster",
        ),
        f(
            "defender",
            Ty::Ref(&["logs"]),
            None,
            "turn on Microsoft Defender for Containers' sensor, sending to this workspace (which needs `local_auth = true`)",
        ),
        f(
            "kms",
            Ty::Ref(&["key"]),
            None,
            "encrypt Kubernetes secrets at rest in etcd with this Key Vault key (KMS); a private vault needs the network block's `api_server_subnet`",
        ),
    ],
    &[
        Kind {
            name: "network",
            label: LabelRule::None,
            qualifier: None,
            fields: &[
                f(
                    "subnet",
                    Ty::SubnetRef,
                    None,
                    "subnet of a declared network for the nodes; unset lets AKS create its own network",
                ),
                f(
                    "plugin",
                    Ty::Enum(&["azure_cni_overlay", "azure_cni"]),
                    Some("azure_cni_overlay"),
                    "Azure CNI in overlay mode (pods get addresses from `pod_cidr`) or flat",
                ),
                f(
                    "dataplane",
                    Ty::Enum(&["azure", "cilium"]),
                    Some("cilium"),
                    "eBPF data plane",
                ),
                f(
                    "policy",
                    Ty::Enum(&["none", "azure", "calico", "cilium"]),
                    Some("cilium"),
                    "network policy engine; `cilium` needs the Cilium data plane",
                ),
                f(
                    "pod_cidr",
                    Ty::Cidr,
                    Some("10.244.0.0/16"),
                    "pod address range (overlay)",
                ),
                f(
                    "service_cidr",
                    Ty::Cidr,
                    Some("10.0.0.0/16"),
                    "Kubernetes service address range",
                ),
                f(
                    "dns_service_ip",
                    Ty::Ip,
                    Some("10.0.0.10"),
                    "cluster DNS address inside `service_cidr`",
                ),
                f(
                    "outbound",
                    Ty::Enum(&["load_balancer", "managed_nat_gateway"]),
                    Some("load_balancer"),
                    "egress path",
                ),
                f(
                    "api_server_subnet",
                    Ty::SubnetRef,
                    None,
                    "an empty subnet (at least /28) of the nodes' network for the API server (API Server VNet Integration); platc delegates it to AKS",
                ),
            ],
            blocks: &[],
            repeat: false,
            doc: "Cluster networking.",
        },
        Kind {
            name: "pool",
            label: LabelRule::Required,
            qualifier: None,
            fields: &[
                req(
                    "vm_size",
                    Ty::StrOrEnv,
                    "VM size such as `Standard_D4ds_v5`",
                ),
                f(
                    "mode",
                    Ty::Enum(&["system", "user"]),
                    Some("user"),
                    "system pools run cluster add-ons; the first system pool is tainted `CriticalAddonsOnly`",
                ),
                f(
                    "count",
                    Ty::Int { min: 0, max: 1000 },
                    None,
                    "fixed node count (give this or `autoscale`)",
                ),
                f(
                    "autoscale",
                    Ty::Range { min: 0, max: 1000 },
                    None,
                    "node count range for the cluster autoscaler, e.g. `2..10`",
                ),
                f(
                    "zones",
                    Ty::List(&Ty::Int { min: 1, max: 3 }),
                    Some("[]"),
                    "availability zones",
                ),
                f(
                    "max_pods",
                    Ty::Int { min: 50, max: 250 },
                    Some("110"),
                    "pods per node",
                ),
                f(
                    "os_sku",
                    Ty::Enum(&["azure_linux", "ubuntu"]),
                    Some("azure_linux"),
                    "node OS",
                ),
                f(
                    "taints",
                    Ty::List(&KUBE_LABEL),
                    Some("[]"),
                    "node taints such as `dedicated=gpu:NoSchedule`",
                ),
                f("labels", Ty::Map(&KUBE_LABEL), Some("{}"), "node labels"),
            ],
            blocks: &[],
            repeat: true,
            doc: "A node pool. The cluster needs at least one `mode = system` pool.",
        },
        Kind {
            name: "monitoring",
            label: LabelRule::None,
            qualifier: None,
            fields: &[
                f(
                    "logs",
                    Ty::Ref(&["logs"]),
                    None,
                    "Container insights to this Log Analytics workspace",
                ),
                f(
                    "metrics",
                    Ty::Ref(&["metrics"]),
                    None,
                    "managed Prometheus to this Azure Monitor workspace (with `extension prometheus`)",
                ),
            ],
            blocks: &[],
            repeat: false,
            doc: "Where the cluster's logs and metrics go.",
        },
        Kind {
            name: "extension",
            label: LabelRule::Required,
            qualifier: None,
            fields: &[
                f(
                    "rotation",
                    Ty::Duration {
                        min_secs: 60,
                        max_secs: 86_400,
                    },
                    Some("2m"),
                    "`keyvault_csi`: how often mounted secrets are refreshed",
                ),
                f(
                    "revision",
                    Ty::StrOrEnv,
                    None,
                    "`istio`: add-on revision such as `asm-1-27` (required for istio)",
                ),
                f(
                    "ingress",
                    Ty::Enum(&["none", "external", "internal"]),
                    Some("none"),
                    "`istio`: ingress gateway",
                ),
                f(
                    "baseline",
                    Ty::Enum(&[
                        "pod_security_baseline",
                        "pod_security_restricted",
                        "deployment_safeguards",
                        "none",
                    ]),
                    Some("pod_security_baseline"),
                    "`azure_policy`: built-in initiative assigned to the cluster",
                ),
                f(
                    "effect",
                    Ty::Enum(&["audit", "deny"]),
                    Some("audit"),
                    "`azure_policy`: report violations, or refuse them",
                ),
            ],
            blocks: &[],
            repeat: true,
            doc: "A managed add-on or extension: `flux`, `app_config_provider`, `keyvault_csi`, `istio`, `azure_policy` or `prometheus`.",
        },
        Kind {
            name: "gitops",
            label: LabelRule::Required,
            qualifier: None,
            fields: &[
                req(
                    "source",
                    Ty::GitopsSource,
                    "where Flux pulls manifests from",
                ),
                f(
                    "namespace",
                    Ty::Str,
                    Some("\"flux-system\""),
                    "namespace of the Flux configuration",
                ),
                f(
                    "interval",
                    Ty::Duration {
                        min_secs: 30,
                        max_secs: 86_400,
                    },
                    Some("5m"),
                    "how often the source is polled",
                ),
            ],
            blocks: &[Kind {
                name: "kustomization",
                label: LabelRule::Required,
                qualifier: None,
                fields: &[
                    req("path", Ty::Str, "path in the source"),
                    f(
                        "depends_on",
                        Ty::List(&STR),
                        Some("[]"),
                        "kustomizations of the same configuration that must be ready first",
                    ),
                    f(
                        "prune",
                        Ty::Bool,
                        Some("true"),
                        "delete objects removed from the source",
                    ),
                    f(
                        "interval",
                        Ty::Duration {
                            min_secs: 30,
                            max_secs: 86_400,
                        },
                        Some("10m"),
                        "reconciliation interval",
                    ),
                    f(
                        "substitute",
                        Ty::Bool,
                        Some("false"),
                        "replace `${AZURE_...}` variables in the manifests with what the platform provisioned (Flux post-build substitution; spec.md lists the variables)",
                    ),
                ],
                blocks: &[],
                repeat: true,
                doc: "A Flux kustomization.",
            }],
            repeat: true,
            doc: "A Flux configuration: a source and its kustomizations.",
        },
    ],
    "An AKS cluster: workload identity with OIDC issuer, Entra ID RBAC, local accounts disabled.",
);

pub static SECRET: Kind = Kind {
    name: "secret",
    label: LabelRule::Required,
    qualifier: Some(("in", Ty::Ref(&["vault"]))),
    fields: &[
        req(
            "value",
            Ty::Secure,
            "the secret's value: only `secure(\"NAME\")`, never a literal",
        ),
        f(
            "content_type",
            Ty::Str,
            Some("\"text/plain\""),
            "content type recorded with the secret",
        ),
        f(
            "expires_after",
            Ty::Duration {
                min_secs: 86_400,
                max_secs: 3_650 * 86_400,
            },
            Some("180d"),
            "expiry, counted from when the environment's secrets were issued (`PLATC_SECRETS_ISSUED_AT`, set once by `platc preflight`)",
        ),
    ],
    blocks: &[],
    repeat: true,
    doc: "A Key Vault secret whose value comes from a secure parameter.",
};

/// Key types a vault key or certificate may have; the `_hsm` ones need a `premium` vault.
pub const KEY_TYPES: &[&str] = &["rsa", "ec", "rsa_hsm", "ec_hsm"];
/// Elliptic curves of EC keys, as the language writes them.
pub const CURVES: &[&str] = &["p256", "p384", "p521", "p256k"];
/// What a key may be used for, as the language writes it.
pub const KEY_OPERATIONS: &[&str] = &[
    "encrypt",
    "decrypt",
    "wrap_key",
    "unwrap_key",
    "sign",
    "verify",
];
const KEY_OPERATION: Ty = Ty::Enum(KEY_OPERATIONS);
const DAY: u64 = 86_400;
/// A key's or certificate's lifetime settings: days, at most ten years.
const DAYS: Ty = Ty::Duration {
    min_secs: DAY,
    max_secs: 3_650 * DAY,
};

/// A key's type, size and curve: a certificate's key takes the same three.
const KEY_TYPE: Field = f(
    "type",
    Ty::Enum(KEY_TYPES),
    Some("rsa"),
    "key type; `rsa_hsm` and `ec_hsm` keys never leave an HSM and need a `premium` vault",
);
const KEY_SIZE: Field = f(
    "size",
    Ty::Int {
        min: 2048,
        max: 4096,
    },
    Some("2048 (RSA keys)"),
    "RSA key size in bits: 2048, 3072 or 4096",
);
const KEY_CURVE: Field = f(
    "curve",
    Ty::Enum(CURVES),
    Some("p256 (EC keys)"),
    "elliptic curve of an EC key",
);

pub static KEY: Kind = Kind {
    name: "key",
    label: LabelRule::Required,
    qualifier: Some(("in", Ty::Ref(&["vault"]))),
    fields: &[
        KEY_TYPE,
        KEY_SIZE,
        KEY_CURVE,
        f(
            "operations",
            Ty::List(&KEY_OPERATION),
            Some("every operation the type allows"),
            "what the key may be used for; RSA keys allow all six, EC keys `sign` and `verify`",
        ),
        f(
            "expires_after",
            DAYS,
            Some("365d"),
            "lifetime of each version: the first one expires this long after it is created, and the rotation policy gives every new one the same",
        ),
        f(
            "rotate_after",
            DAYS,
            None,
            "Key Vault makes a new version this long after the current one was created",
        ),
        f(
            "rotate_before_expiry",
            DAYS,
            None,
            "Key Vault makes a new version this long before the current one expires",
        ),
        f(
            "notify_before_expiry",
            DAYS,
            Some("30d"),
            "Key Vault publishes a `KeyNearExpiry` event this long before a version expires",
        ),
    ],
    blocks: &[],
    repeat: true,
    doc: "A Key Vault key with an automatic rotation policy, created by ARM on the first provision.",
};

pub static CERTIFICATE: Kind = Kind {
    name: "certificate",
    label: LabelRule::Required,
    qualifier: Some(("in", Ty::Ref(&["vault"]))),
    fields: &[
        f(
            "subject",
            Ty::Str,
            None,
            "X.500 subject such as `\"CN=shop.contoso.com\"`; required unless `import` is set",
        ),
        f(
            "dns_names",
            Ty::List(&STR),
            Some("[]"),
            "DNS names the certificate is valid for (subject alternative names)",
        ),
        f(
            "validity_months",
            Ty::Int { min: 1, max: 1200 },
            Some("12"),
            "how long each issued version is valid",
        ),
        f(
            "issuer",
            Ty::Str,
            Some("\"Self\""),
            "`\"Self\"` for a self-signed certificate, or the name of an issuer the vault knows (e.g. a DigiCert or GlobalSign issuer set up in it)",
        ),
        KEY_TYPE,
        KEY_SIZE,
        KEY_CURVE,
        f(
            "renew_before_expiry",
            DAYS,
            Some("30d"),
            "Key Vault renews the certificate this long before it expires (self-signed and known issuers)",
        ),
        f(
            "import",
            Ty::Secure,
            None,
            "import a PFX instead of issuing: `secure(\"NAME\")`, the base64 of the file in the azd environment",
        ),
        f(
            "password",
            Ty::Secure,
            None,
            "the imported PFX's password: `secure(\"NAME\")`",
        ),
    ],
    blocks: &[],
    repeat: true,
    doc: "A Key Vault certificate, issued by the vault or imported from a PFX; `platc publish` writes it after provisioning, since ARM cannot.",
};

pub static CONFIG: Kind = Kind {
    name: "config",
    label: LabelRule::Required,
    qualifier: Some(("in", Ty::Ref(&["appconfig"]))),
    fields: &[
        f(
            "value",
            Ty::StrOrEnv,
            None,
            "the value (give this or `secret`)",
        ),
        f(
            "secret",
            Ty::Ref(&["secret"]),
            None,
            "store a Key Vault reference to this secret instead of a value",
        ),
        f(
            "label",
            Ty::Str,
            None,
            "App Configuration label of the default value",
        ),
        f(
            "labels",
            Ty::Map(&STR),
            Some("{}"),
            "further values by label, e.g. `{ prod = \"green\" }`",
        ),
        f(
            "content_type",
            Ty::Str,
            Some("\"text/plain\""),
            "content type of plain values",
        ),
    ],
    blocks: &[],
    repeat: true,
    doc: "An App Configuration key-value (or Key Vault reference).",
};

pub static FEATURE: Kind = Kind {
    name: "feature",
    label: LabelRule::Required,
    qualifier: Some(("in", Ty::Ref(&["appconfig"]))),
    fields: &[
        f("enabled", Ty::Bool, Some("false"), "state without a label"),
        f("description", Ty::Str, None, "shown in the portal"),
        f(
            "labels",
            Ty::Map(&BOOL),
            Some("{}"),
            "state by label, e.g. `{ prod = true }`",
        ),
    ],
    blocks: &[],
    repeat: true,
    doc: "An App Configuration feature flag.",
};

/// Top-level kinds, in the order the spec documents them.
pub static TOP_LEVEL: [&Kind; 15] = [
    &PLATFORM,
    &NETWORK,
    &LOGS,
    &METRICS,
    &REGISTRY,
    &VAULT,
    &APPCONFIG,
    &STORAGE,
    &IDENTITY,
    &CLUSTER,
    &SECRET,
    &KEY,
    &CERTIFICATE,
    &CONFIG,
    &FEATURE,
];

pub fn top_level(name: &str) -> Option<&'static Kind> {
    TOP_LEVEL.iter().copied().find(|k| k.name == name)
}
