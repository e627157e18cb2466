//! Key Vault keys and certificates: the types, sizes, curves and lifetimes Key Vault accepts, as
//! the language writes them and as Key Vault names them.
//! DOCS key-vault/keys/about-keys ("Key types and protection methods": RSA 2048/3072/4096, EC
//! P-256/P-384/P-521/P-256K; `-HSM` types need the Premium tier);
//! DOCS key-vault/keys/how-to-configure-key-rotation ("Key rotation policy": expiry at least 28
//! days, rotation at least 7 days after creation and 7 days before expiry, notification at least
//! 7 days before expiry).

/// Key Vault's `kty` for each word of the language.
pub const KEY_TYPES: &[(&str, &str)] = &[
    ("rsa", "RSA"),
    ("ec", "EC"),
    ("rsa_hsm", "RSA-HSM"),
    ("ec_hsm", "EC-HSM"),
];

/// Key Vault's `curveName` for each word of the language.
pub const CURVES: &[(&str, &str)] = &[
    ("p256", "P-256"),
    ("p384", "P-384"),
    ("p521", "P-521"),
    ("p256k", "P-256K"),
];

/// Key Vault's `keyOps` for each word of the language.
pub const OPERATIONS: &[(&str, &str)] = &[
    ("encrypt", "encrypt"),
    ("decrypt", "decrypt"),
    ("wrap_key", "wrapKey"),
    ("unwrap_key", "unwrapKey"),
    ("sign", "sign"),
    ("verify", "verify"),
];

/// What an EC key can do: Key Vault signs and verifies with it, nothing else.
pub const EC_OPERATIONS: &[&str] = &["sign", "verify"];

pub const RSA_SIZES: &[i64] = &[2048, 3072, 4096];

/// A rotation policy's `expiryTime` is at least this many days.
pub const MIN_EXPIRY_DAYS: u64 = 28;
/// A rotation comes at least this many days after creation and before expiry.
pub const MIN_ROTATE_DAYS: u64 = 7;
/// A `notify` action comes at least this many days before expiry.
pub const MIN_NOTIFY_DAYS: u64 = 7;

pub const SOURCE_TYPES: &str = "learn.microsoft.com/azure/key-vault/keys/about-keys";
/// AKS's KMS etcd encryption: an RSA key (the plugin encrypts and decrypts with it,
/// Azure/kubernetes-kms `pkg/plugin/keyvault.go`), a user-assigned control-plane identity with
/// Key Vault Crypto User, and for a private vault API Server VNet Integration and Key Vault
/// Contributor ("required to create a private link between the private key vault and the
/// cluster").
pub const SOURCE_KMS: &str = "learn.microsoft.com/azure/aks/use-kms-etcd-encryption";
/// Days a KMS key must leave between a rotation and the expiry of the version before it: KMS
/// keeps using that version until `azd provision` gives it the new one, and Key Vault refuses to
/// encrypt with an expired version ("After you turn off KMS, you can't delete or expire the keys.
/// Such behaviors would cause the API server to stop working"). A quarter of a year leaves room
/// for a provision.
pub const KMS_GRACE_DAYS: u64 = 90;
/// The role AKS's control plane needs on a private KMS vault, to link it to the cluster.
pub const KMS_PRIVATE_LINK_ROLE: &str = "Key Vault Contributor";
/// API Server VNet Integration: a subnet of the cluster's network, delegated to
/// `Microsoft.ContainerService/managedClusters`, of at least /28.
pub const SOURCE_API_SUBNET: &str = "learn.microsoft.com/azure/aks/api-server-vnet-integration";
/// The delegation AKS needs on the API server's subnet.
pub const API_SUBNET_DELEGATION: &str = "Microsoft.ContainerService/managedClusters";
/// The role AKS's control-plane identity needs on a KMS key (encrypt and decrypt).
pub const KMS_ROLE: &str = "Key Vault Crypto User";
/// Roles that act on keys, so may be granted on one key: the others act on secrets or
/// certificates, and on a key's scope grant nothing. DOCS key-vault/general/rbac-guide
/// ("Azure built-in roles for Key Vault data plane operations"; keys, secrets and certificates
/// may each be a scope of their own).
pub const KEY_ROLES: &[&str] = &[
    "Key Vault Crypto User",
    "Key Vault Crypto Service Encryption User",
    "Key Vault Crypto Officer",
    "Key Vault Reader",
    "Key Vault Administrator",
];
pub const SOURCE_RBAC: &str = "learn.microsoft.com/azure/key-vault/general/rbac-guide";
/// What the secret Key Vault keeps beside a certificate holds: a PFX or a PEM bundle.
pub const CERTIFICATE_CONTENT_TYPES: &[&str] = &["application/x-pkcs12", "application/x-pem-file"];
/// The role that creates and imports certificates (DOCS key-vault/certificates/
/// certificate-access-control: "a role with the `certificates/create` permission (such as Key
/// Vault Certificates Officer)").
pub const CERTIFICATE_WRITER_ROLE: &str = "Key Vault Certificates Officer";
/// The tag a certificate carries with the digest of its declaration: publishing again writes a
/// new version only when the digest differs.
pub const DECLARATION_TAG: &str = "platc-declaration";

/// The Kubernetes service account, Secret and Job that write the certificates of `vault`.
pub fn job_name(vault: &str) -> String {
    format!("platc-certificates-{}", vault.to_ascii_lowercase())
}

/// The stem of the name of the identity that Job signs in with (`id-STEM-TOKEN`).
pub fn identity_stem(cluster: &str, vault: &str) -> String {
    format!("{cluster}-{vault}-certificates")
}
pub const SOURCE_ROTATION: &str =
    "learn.microsoft.com/azure/key-vault/keys/how-to-configure-key-rotation";

/// Key Vault's name for a word of the language, from one of the tables above.
pub fn arm<'a>(table: &[(&'a str, &'a str)], word: &str) -> Option<&'a str> {
    table.iter().find(|(w, _)| *w == word).map(|(_, a)| *a)
}
