//! Mistakes in keys, certificates and what uses them: sizes and curves Key Vault does not make,
//! rotation outside its limits, KMS with a key it cannot use, certificates it would refuse.

use crate::{Mistake, auto, manual};

pub const MISTAKES: &[Mistake] = &[
    auto(
        "RSA key of a size Key Vault does not make",
        &[("  size = 2048\n", "  size = 3000\n")],
        "E0214",
        "3000",
    ),
    manual(
        "curve on an RSA key",
        &[("  size = 2048\n", "  size = 2048\n  curve = p256\n")],
        "E0115",
        "p256",
        &[("  curve = p256\n", "")],
    ),
    manual(
        "rotation too close to expiry",
        &[("rotate_after = 180d", "rotate_after = 360d")],
        "E0214",
        "360d",
        &[("rotate_after = 360d", "rotate_after = 180d")],
    ),
    manual(
        "key that expires within a month",
        &[("expires_after = 365d", "expires_after = 20d")],
        "E0214",
        "20d",
        &[("expires_after = 20d", "expires_after = 365d")],
    ),
    manual(
        "two rotation triggers",
        &[(
            "  rotate_after = 180d\n",
            "  rotate_after = 180d\n  rotate_before_expiry = 30d\n",
        )],
        "E0115",
        "30d",
        &[("  rotate_before_expiry = 30d\n", "")],
    ),
    auto(
        "misspelt key operation",
        &[(
            "operations = [encrypt, decrypt]",
            "operations = [encrypt, decrypt, wrapkey]",
        )],
        "E0106",
        "wrapkey",
    ),
    manual(
        "KMS key that may not decrypt",
        &[(
            "operations = [encrypt, decrypt]",
            "operations = [encrypt, wrap_key]",
        )],
        "E0214",
        "key.etcd",
        &[(
            "operations = [encrypt, wrap_key]",
            "operations = [encrypt, decrypt]",
        )],
    ),
    manual(
        "KMS naming a secret",
        &[("kms = key.etcd", "kms = secret.db-password")],
        "E0108",
        "secret.db-password",
        &[("kms = secret.db-password", "kms = key.etcd")],
    ),
    manual(
        "private KMS vault without the API server's subnet",
        &[("    api_server_subnet = network.core.apiserver\n", "")],
        "E0207",
        "key.etcd",
        &[(
            "    dns_service_ip = 10.0.0.10\n",
            "    dns_service_ip = 10.0.0.10\n    api_server_subnet = network.core.apiserver\n",
        )],
    ),
    manual(
        "API server in the nodes' subnet",
        &[(
            "api_server_subnet = network.core.apiserver",
            "api_server_subnet = network.core.nodes",
        )],
        "E0115",
        "network.core.nodes",
        &[(
            "api_server_subnet = network.core.nodes",
            "api_server_subnet = network.core.apiserver",
        )],
    ),
    manual(
        "API server subnet too small",
        &[(
            "subnet \"apiserver\" { prefix = 10.20.12.0/27 }",
            "subnet \"apiserver\" { prefix = 10.20.12.0/29 }",
        )],
        "E0115",
        "network.core.apiserver",
        &[(
            "subnet \"apiserver\" { prefix = 10.20.12.0/29 }",
            "subnet \"apiserver\" { prefix = 10.20.12.0/27 }",
        )],
    ),
    auto(
        "certificate subject without its attribute",
        &[(
            "subject = \"CN=shop.contoso.com\"",
            "subject = \"shop.contoso.com\"",
        )],
        "E0214",
        "\"shop.contoso.com\"",
    ),
    manual(
        "certificate name that is not a host name",
        &[("\"www.shop.contoso.com\"]", "\"www shop\"]")],
        "E0214",
        "\"www shop\"",
        &[("\"www shop\"]", "\"www.shop.contoso.com\"]")],
    ),
    manual(
        "certificate renewed after it expires",
        &[("validity_months = 12", "validity_months = 1")],
        "E0214",
        "30d",
        &[("validity_months = 1", "validity_months = 12")],
    ),
    manual(
        "certificate named like a secret of its vault",
        &[(
            "certificate \"ingress\" in vault.secrets",
            "certificate \"db-password\" in vault.secrets",
        )],
        "E0105",
        "\"db-password\"",
        &[(
            "certificate \"db-password\" in vault.secrets",
            "certificate \"ingress\" in vault.secrets",
        )],
    ),
    manual(
        "imported certificate with a subject",
        &[(
            "  subject = \"CN=shop.contoso.com\"\n",
            "  import = secure(\"INGRESS_PFX\")\n  subject = \"CN=shop.contoso.com\"\n",
        )],
        "E0115",
        "\"CN=shop.contoso.com\"",
        &[("  import = secure(\"INGRESS_PFX\")\n", "")],
    ),
    manual(
        "certificate imported from a literal",
        &[(
            "  subject = \"CN=shop.contoso.com\"\n  dns_names = [\"shop.contoso.com\", \"www.shop.contoso.com\"]\n  validity_months = 12\n  renew_before_expiry = 30d\n",
            "  import = \"MIIKQQIBAzCCCg...\"\n",
        )],
        "E0201",
        "\"MIIKQQIBAzCCCg...\"",
        &[(
            "  import = \"MIIKQQIBAzCCCg...\"\n",
            "  import = secure(\"INGRESS_PFX\")\n",
        )],
    ),
    manual(
        "certificate waiting on an unknown issuer",
        &[(
            "  validity_months = 12\n",
            "  validity_months = 12\n  issuer = \"Unknown\"\n",
        )],
        "E0214",
        "\"Unknown\"",
        &[("  issuer = \"Unknown\"\n", "")],
    ),
    manual(
        "key role granted on a vault's key with a secrets role",
        &[(
            "  grant \"App Configuration Data Reader\" on appconfig.settings\n}\n\n/// The App",
            "  grant \"App Configuration Data Reader\" on appconfig.settings\n  grant \"Key Vault Secrets User\" on key.etcd\n}\n\n/// The App",
        )],
        "E0214",
        "\"Key Vault Secrets User\"",
        &[(
            "  grant \"Key Vault Secrets User\" on key.etcd\n",
            "  grant \"Key Vault Crypto User\" on key.etcd\n",
        )],
    ),
];
