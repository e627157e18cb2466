//! The checked platform: names resolved, values typed, defaults filled. Lowering reads only this.

use crate::collections::IndexMap;
use crate::source::Span;

/// Marks a string field whose value is `env("NAME", "default")`: read from the azd environment at
/// provision time. It travels through the model as a string and becomes a Bicep parameter when
/// lowered. The parser rejects control characters in string literals, so no literal can forge it.
pub fn env_marker(name: &str, default: Option<&str>) -> String {
    format!(
        "\u{1}env\u{1}{name}\u{1}{}\u{1}",
        default.unwrap_or("\u{2}")
    )
}

/// The (variable, default) of an `env_marker` string.
pub fn parse_env_marker(s: &str) -> Option<(String, Option<String>)> {
    let rest = s.strip_prefix("\u{1}env\u{1}")?.strip_suffix('\u{1}')?;
    let (name, default) = rest.split_once('\u{1}')?;
    Some((
        name.to_string(),
        (default != "\u{2}").then(|| default.to_string()),
    ))
}

/// A string the platform takes either literally or from the azd environment at provision time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StrValue {
    Literal(String),
    Env {
        name: String,
        default: Option<String>,
    },
}

#[derive(Debug, Clone, Default)]
pub struct Platform {
    pub name: String,
    /// The `platform` block's head, where diagnostics about the whole deployment point.
    pub span: Span,
    pub location: Option<StrValue>,
    pub tags: IndexMap<String, String>,
    pub private_networking: bool,
    /// The azd environments the platform names (`environments`), whether or not any block
    /// overrides a value for them.
    pub environments: Vec<String>,
    /// `policies`: rule files, folders and built-in packs, as written and where.
    pub policies: Vec<(String, Span)>,
    /// `waivers`: rule ids switched off, each with the reason written beside it.
    pub waivers: Vec<Waiver>,
    /// `diagnostics = logs.NAME`; `Some("")` where it is written but could not be read, an
    /// error already reported (so nothing is lowered).
    pub diagnostics: Option<String>,
    pub networks: IndexMap<String, Network>,
    pub logs: IndexMap<String, Logs>,
    pub metrics: IndexMap<String, Metrics>,
    pub registries: IndexMap<String, Registry>,
    pub vaults: IndexMap<String, Vault>,
    pub appconfigs: IndexMap<String, AppConfig>,
    pub storages: IndexMap<String, Storage>,
    pub identities: IndexMap<String, Identity>,
    pub clusters: IndexMap<String, Cluster>,
}

impl Platform {
    /// A key by its name (key names are one namespace), with the name of its vault.
    pub fn key(&self, name: &str) -> Option<(&str, &Vault, &Key)> {
        self.vaults
            .iter()
            .find_map(|(vn, v)| v.keys.get(name).map(|k| (vn.as_str(), v, k)))
    }
}

/// A rule switched off: its id and the reason, each where it is written.
#[derive(Debug, Clone, Default)]
pub struct Waiver {
    pub rule: String,
    pub rule_span: Span,
    pub reason: String,
    pub reason_span: Span,
}

/// The network that holds the platform's private endpoints, if any.
pub fn endpoint_network(p: &Platform) -> Option<&str> {
    p.networks
        .iter()
        .find(|(_, n)| n.subnets.values().any(|s| s.private_endpoints))
        .map(|(name, _)| name.as_str())
}

/// The cluster whose Job writes the certificates of the private vault `vault`: the first whose
/// nodes are in the network of the private endpoints, since only there does the vault's
/// private name resolve. `None` for a public vault, or where no cluster is in that network.
pub fn certificate_writer<'a>(p: &'a Platform, vault: &str) -> Option<&'a str> {
    let v = p.vaults.get(vault)?;
    if !v.private || v.certificates.is_empty() {
        return None;
    }
    writing_cluster(p)
}

fn writing_cluster(p: &Platform) -> Option<&str> {
    let net = endpoint_network(p)?;
    p.clusters
        .iter()
        .find(|(_, c)| c.network.subnet.as_ref().is_some_and(|(n, _)| n == net))
        .map(|(name, _)| name.as_str())
}

/// The cluster that writes the certificates of every private vault that has any (see
/// `certificate_writer`); `None` where none has.
pub fn certificate_writing_cluster(p: &Platform) -> Option<&str> {
    private_certificates(p).next()?;
    writing_cluster(p)
}

/// Each private vault that has certificates, with its first.
pub fn private_certificates(p: &Platform) -> impl Iterator<Item = (&str, &Certificate)> {
    p.vaults.iter().filter_map(|(name, v)| {
        let (_, cert) = v.certificates.first().filter(|_| v.private)?;
        Some((name.as_str(), cert))
    })
}

/// What every declaration carries: where it came from and its `///` docs.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    pub span: Span,
    pub doc: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Network {
    pub meta: Meta,
    pub address_space: Vec<String>,
    /// Where each prefix of `address_space` is written, for diagnostics.
    pub address_spans: Vec<Span>,
    pub subnets: IndexMap<String, Subnet>,
}

#[derive(Debug, Clone, Default)]
pub struct Subnet {
    pub prefix: String,
    pub private_endpoints: bool,
    /// Where `private_endpoints = true` is written, for diagnostics.
    pub endpoints_at: Option<Span>,
}

#[derive(Debug, Clone, Default)]
pub struct Logs {
    pub meta: Meta,
    pub retention_days: i64,
    pub daily_quota_gb: Option<i64>,
    /// Shared-key access stays on: only for a workspace Defender's sensor writes to.
    pub local_auth: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Metrics {
    pub meta: Meta,
    pub grafana: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Registry {
    pub meta: Meta,
    pub sku: String,
    pub private: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Vault {
    pub meta: Meta,
    pub sku: String,
    pub soft_delete_days: i64,
    pub purge_protection: bool,
    pub private: bool,
    pub secrets: IndexMap<String, Secret>,
    pub keys: IndexMap<String, Key>,
    pub certificates: IndexMap<String, Certificate>,
}

/// A key's type as Key Vault names it, with the size or curve that goes with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeySpec {
    /// `RSA`, `EC`, `RSA-HSM` or `EC-HSM`.
    pub kty: String,
    /// RSA keys: 2048, 3072 or 4096.
    pub size: Option<i64>,
    /// EC keys: `P-256`, `P-384`, `P-521` or `P-256K`.
    pub curve: Option<String>,
}

impl KeySpec {
    pub fn is_rsa(&self) -> bool {
        self.kty.starts_with("RSA")
    }
}

#[derive(Debug, Clone, Default)]
pub struct Key {
    pub meta: Meta,
    pub spec: KeySpec,
    /// Key Vault's names: `encrypt`, `wrapKey`, ...
    pub operations: Vec<String>,
    pub expires_after_days: u64,
    pub rotate: Option<Rotate>,
    pub notify_before_expiry_days: u64,
}

/// When the rotation policy makes a new version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotate {
    AfterCreate(u64),
    BeforeExpiry(u64),
}

#[derive(Debug, Clone, Default)]
pub struct Certificate {
    pub meta: Meta,
    pub spec: KeySpec,
    pub source: CertificateSource,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateSource {
    /// Issued by the vault: self-signed (`issuer` "Self") or by an issuer it knows.
    Issue {
        subject: String,
        dns_names: Vec<String>,
        validity_months: i64,
        issuer: String,
        renew_before_expiry_days: u64,
    },
    /// A PFX from the azd environment (base64), with its password's variable.
    Import {
        env: String,
        password_env: Option<String>,
    },
}

impl Default for CertificateSource {
    fn default() -> Self {
        CertificateSource::Import {
            env: String::new(),
            password_env: None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Secret {
    pub meta: Meta,
    /// The azd environment variable that fills the secure parameter.
    pub env: String,
    pub content_type: String,
    pub expires_after_days: u64,
}

#[derive(Debug, Clone, Default)]
pub struct AppConfig {
    pub meta: Meta,
    pub sku: String,
    pub soft_delete_days: i64,
    pub purge_protection: bool,
    pub private: bool,
    pub entries: Vec<KeyValue>,
}

#[derive(Debug, Clone)]
pub struct KeyValue {
    pub span: Span,
    pub key: String,
    pub label: Option<String>,
    pub content: KvContent,
}

#[derive(Debug, Clone)]
pub enum KvContent {
    Value {
        value: String,
        content_type: String,
    },
    /// A Key Vault reference: (vault, secret).
    SecretRef {
        vault: String,
        secret: String,
    },
    FeatureFlag {
        id: String,
        description: Option<String>,
        enabled: bool,
    },
}

#[derive(Debug, Clone, Default)]
pub struct Storage {
    pub meta: Meta,
    pub replication: String,
    pub containers: Vec<String>,
    pub private: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Identity {
    pub meta: Meta,
    pub federations: Vec<Federation>,
    pub grants: Vec<Grant>,
}

#[derive(Debug, Clone)]
pub struct Federation {
    /// The `federate` block's head.
    pub span: Span,
    pub cluster: String,
    pub namespace: String,
    pub service_account: String,
}

/// A role assignment on a declared resource.
#[derive(Debug, Clone)]
pub struct Grant {
    pub role: String,
    pub target: Target,
    /// The `grant` block's head.
    pub span: Span,
    /// The role's name as written.
    pub role_span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Clone, Default)]
pub struct Cluster {
    pub meta: Meta,
    pub kubernetes: Option<String>,
    pub sku_tier: String,
    pub upgrade_channel: String,
    pub node_os_upgrade_channel: String,
    pub registry: Option<String>,
    pub private_cluster: bool,
    /// Entra object ids (or `env_marker`s) that operate the cluster; `None` means the deployer.
    pub admins: Option<Vec<String>>,
    /// `defender = logs.NAME`: Microsoft Defender for Containers' sensor, writing there.
    /// And where the reference is written.
    pub defender: Option<(String, Span)>,
    /// `kms = key.NAME`: Kubernetes secrets are encrypted at rest with that key; and where the
    /// reference is written.
    pub kms: Option<(String, Span)>,
    pub network: ClusterNetwork,
    pub pools: Vec<Pool>,
    pub logs: Option<String>,
    pub metrics: Option<String>,
    pub flux: bool,
    pub app_config_provider: bool,
    pub keyvault_csi: Option<u64>,
    pub istio: Option<Istio>,
    pub azure_policy: Option<PolicyAssignment>,
    pub prometheus: bool,
    pub gitops: IndexMap<String, Gitops>,
    /// Where each `extension` was enabled, for diagnostics about what it needs.
    pub extension_spans: IndexMap<String, Span>,
}

#[derive(Debug, Clone, Default)]
pub struct ClusterNetwork {
    /// (network, subnet)
    pub subnet: Option<(String, String)>,
    pub overlay: bool,
    pub dataplane: String,
    pub policy: String,
    pub pod_cidr: String,
    pub service_cidr: String,
    pub dns_service_ip: String,
    pub outbound: String,
    /// `api_server_subnet = network.NAME.SUBNET`: the API server's own delegated subnet (API
    /// Server VNet Integration); (network, subnet).
    pub api_server_subnet: Option<(String, String)>,
    /// `subnet` is written, though it may not have named a subnet (an error reported already).
    pub subnet_written: bool,
    /// Where each field of the `network` block is written, for diagnostics.
    pub spans: Vec<(&'static str, Span)>,
}

impl ClusterNetwork {
    /// The nodes need a declared subnet that the program does not give them: it names one that
    /// does not resolve, or flat Azure CNI with Cilium needs one (errors reported already).
    pub fn lacks_subnet(&self) -> bool {
        self.subnet.is_none()
            && (self.subnet_written || (!self.overlay && self.dataplane == "cilium"))
    }
}

#[derive(Debug, Clone, Default)]
pub struct Pool {
    /// The `pool` block's head.
    pub span: Span,
    pub name: String,
    pub system: bool,
    pub vm_size: String,
    pub count: Option<i64>,
    pub autoscale: Option<(i64, i64)>,
    pub zones: Vec<i64>,
    pub max_pods: i64,
    pub os_sku: String,
    pub taints: Vec<String>,
    pub labels: IndexMap<String, String>,
}

/// `extension azure_policy`: the add-on, and the initiative assigned at cluster scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyAssignment {
    /// The initiative's word in `azure::policy::INITIATIVES`; `None` for `baseline = none`.
    pub initiative: Option<String>,
    /// `audit` or `deny`.
    pub effect: String,
}

#[derive(Debug, Clone, Default)]
pub struct Istio {
    pub revision: String,
    pub ingress: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Gitops {
    /// The `gitops` block's head.
    pub span: Span,
    pub doc: Option<String>,
    pub namespace: String,
    pub source: GitopsSource,
    /// Where a `blob` source names its container, for diagnostics.
    pub container_at: Option<Span>,
    pub interval_secs: u64,
    pub kustomizations: IndexMap<String, Kustomization>,
}

#[derive(Debug, Clone)]
pub enum GitopsSource {
    Git {
        url: String,
        reference: (String, String),
    },
    Blob {
        storage: String,
        container: String,
        /// `upload = "DIR"`: the folder `platc publish` mirrors into the container.
        upload: Option<Upload>,
    },
}

/// A folder of manifests, as written (relative to the file that names it) and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub dir: String,
    pub span: crate::source::Span,
}

impl Upload {
    /// Why `dir`, as written in the source, names no folder platc can publish.
    pub fn relative_dir(dir: &str) -> Result<(), String> {
        let b = dir.as_bytes();
        if dir.trim().is_empty() {
            return Err("the folder's name is empty".into());
        }
        if b[0] == b'/' || b[0] == b'\\' || (b.len() > 1 && b[1] == b':') {
            return Err("the path is absolute, so it would not be found on another machine".into());
        }
        if dir.chars().any(char::is_control) {
            return Err("the path holds a control character".into());
        }
        Ok(())
    }
}

impl Default for GitopsSource {
    fn default() -> Self {
        GitopsSource::Git {
            url: String::new(),
            reference: ("branch".into(), "main".into()),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Kustomization {
    pub path: String,
    pub depends_on: Vec<String>,
    pub prune: bool,
    pub interval_secs: u64,
    /// Flux replaces `${AZURE_...}` in its manifests with what platc provisioned.
    pub substitute: bool,
}

/// One folder `platc publish` sends: which cluster's GitOps configuration reads it, from where.
#[derive(Debug, Clone, Copy)]
pub struct UploadTarget<'a> {
    pub cluster: &'a str,
    pub gitops: &'a str,
    pub storage: &'a str,
    pub container: &'a str,
    pub upload: &'a Upload,
}

pub fn targets(p: &Platform) -> Vec<UploadTarget<'_>> {
    p.clusters
        .iter()
        .flat_map(|(cluster, c)| {
            targets_of(c).into_iter().map(move |mut t| {
                t.cluster = cluster;
                t
            })
        })
        .collect()
}

/// The folders one cluster publishes (`cluster` left empty).
pub fn targets_of(c: &Cluster) -> Vec<UploadTarget<'_>> {
    c.gitops
        .iter()
        .filter_map(|(gitops, g)| match &g.source {
            GitopsSource::Blob {
                storage,
                container,
                upload: Some(upload),
            } => Some(UploadTarget {
                cluster: "",
                gitops,
                storage,
                container,
                upload,
            }),
            _ => None,
        })
        .collect()
}
