//! Key Vault keys and certificates: their declarations, the rules Key Vault applies to them, and
//! a cluster's KMS encryption with a key (`azure::keys` has the facts and their sources).

use super::{Checker, Fields, env_stem, in_target, label, rules};
use crate::azure::keys as facts;
use crate::diag::{Code, Diagnostic};
use crate::model::*;
use crate::schema;
use crate::source::Span;
use crate::syntax::ast::{self, ValueKind};

/// A vault object's parent vault, name and span, and the object where it could be built.
pub(super) type Found<'a, T> = (&'a str, String, Span, Option<T>);

const DAY: u64 = 86_400;

fn days(f: &Fields, name: &str) -> Option<u64> {
    f.secs(name).map(|s| s.div_ceil(DAY))
}

fn at(f: &Fields, name: &str) -> Span {
    f.value(name).map_or(f.block.head_span(), |v| v.span)
}

pub(super) fn key<'a>(
    c: &mut Checker,
    kind: &'static schema::Kind,
    b: &'a ast::Block,
) -> Option<Found<'a, Key>> {
    let f = c.validate(b, kind);
    let (_, parent) = in_target(b)?;
    let span = b.label.as_ref().map_or(b.kind.span, |l| l.span);
    rules::vault_object_name(c, b, "key");
    let spec = key_spec(c, &f);
    let operations = operations(c, &f, &spec);
    let expires = days(&f, "expires_after").unwrap_or(365);
    let notify = days(&f, "notify_before_expiry").unwrap_or(30);
    let rotate = rotation(c, &f);
    lifetime(c, &f, expires, rotate, notify);
    let key = Key {
        meta: super::meta(b),
        spec,
        operations,
        expires_after_days: expires,
        rotate,
        notify_before_expiry_days: notify,
    };
    Some((parent, label(b), span, Some(key)))
}

/// The key's type, with its size (RSA) or curve (EC); each set only where it means something.
fn key_spec(c: &mut Checker, f: &Fields) -> KeySpec {
    let word = f.str_or("type", "rsa");
    let kty = facts::arm(facts::KEY_TYPES, &word).unwrap_or("RSA");
    let rsa = kty.starts_with("RSA");
    let misplaced = |c: &mut Checker, field: &str, other: &str| {
        let v = f.value(field).expect("set");
        c.report(
            Diagnostic::new(
                Code::Conflict,
                format!(
                    "`{field}` is for {} keys, and this key is `{word}`",
                    if rsa { "EC" } else { "RSA" }
                ),
                v.span,
                format!("not for {} key", if rsa { "an RSA" } else { "an EC" }),
            )
            .with_help(format!(
                "remove `{field}`; a key of type `{word}` takes `{other}`"
            )),
        );
    };
    if rsa && f.has("curve") {
        misplaced(c, "curve", "size");
    }
    if !rsa && f.has("size") {
        misplaced(c, "size", "curve");
    }
    let size = f.int("size").unwrap_or(2048);
    if rsa && !facts::RSA_SIZES.contains(&size) {
        let nearest = facts::RSA_SIZES
            .iter()
            .copied()
            .min_by_key(|s| (s - size).abs())
            .unwrap_or(2048);
        c.report(
            Diagnostic::new(
                Code::KeyVaultRule,
                format!("Key Vault makes RSA keys of 2048, 3072 or 4096 bits, not {size}"),
                at(f, "size"),
                "not a size Key Vault offers",
            )
            .with_note(format!("source: {}", facts::SOURCE_TYPES))
            .suggest(at(f, "size"), nearest.to_string()),
        );
    }
    let curve = f.str_or("curve", "p256");
    KeySpec {
        kty: kty.to_string(),
        size: rsa.then_some(size),
        curve: (!rsa).then(|| {
            facts::arm(facts::CURVES, &curve)
                .unwrap_or("P-256")
                .to_string()
        }),
    }
}

/// The key's operations as Key Vault names them: what it lists, or all its type allows.
fn operations(c: &mut Checker, f: &Fields, spec: &KeySpec) -> Vec<String> {
    let allowed: Vec<&str> = if spec.is_rsa() {
        facts::OPERATIONS.iter().map(|(w, _)| *w).collect()
    } else {
        facts::EC_OPERATIONS.to_vec()
    };
    if !f.has("operations") {
        return allowed
            .iter()
            .filter_map(|w| facts::arm(facts::OPERATIONS, w).map(str::to_string))
            .collect();
    }
    let mut out = Vec::new();
    for v in f.list("operations") {
        let (ValueKind::Word(w) | ValueKind::Str(w)) = &v.kind else {
            continue;
        };
        if !allowed.contains(&w.as_str()) {
            c.report(
                Diagnostic::new(
                    Code::KeyVaultRule,
                    format!(
                        "an EC key cannot `{w}`: Key Vault only signs and verifies with EC keys"
                    ),
                    v.span,
                    "not an EC key operation",
                )
                .with_help(
                    "use an `rsa` key to encrypt or wrap keys, or list only `sign` and `verify`",
                )
                .with_note(format!("source: {}", facts::SOURCE_TYPES)),
            );
            continue;
        }
        if let Some(a) = facts::arm(facts::OPERATIONS, w) {
            out.push(a.to_string());
        }
    }
    out
}

fn rotation(c: &mut Checker, f: &Fields) -> Option<Rotate> {
    match (days(f, "rotate_after"), days(f, "rotate_before_expiry")) {
        (Some(a), Some(_)) => {
            c.report(
                Diagnostic::new(
                    Code::Conflict,
                    "`rotate_after` and `rotate_before_expiry` are both set",
                    at(f, "rotate_before_expiry"),
                    "second rotation trigger",
                )
                .with_secondary(at(f, "rotate_after"), "first rotation trigger")
                .with_help("a rotation policy rotates on one trigger: keep one of the two"),
            );
            Some(Rotate::AfterCreate(a))
        }
        (Some(a), None) => Some(Rotate::AfterCreate(a)),
        (None, Some(b)) => Some(Rotate::BeforeExpiry(b)),
        (None, None) => None,
    }
}

/// Key Vault's limits on a rotation policy: expiry, rotation and notification times.
fn lifetime(c: &mut Checker, f: &Fields, expires: u64, rotate: Option<Rotate>, notify: u64) {
    let limit = |c: &mut Checker, field: &str, message: String, help: String| {
        c.report(
            Diagnostic::new(
                Code::KeyVaultRule,
                message,
                at(f, field),
                "outside Key Vault's limits",
            )
            .with_help(help)
            .with_note(format!("source: {}", facts::SOURCE_ROTATION)),
        );
    };
    if expires < facts::MIN_EXPIRY_DAYS {
        limit(
            c,
            "expires_after",
            format!(
                "a key's rotation policy keeps each version at least {} days, not {expires}",
                facts::MIN_EXPIRY_DAYS
            ),
            format!(
                "write `expires_after = {}d` or more",
                facts::MIN_EXPIRY_DAYS
            ),
        );
        return;
    }
    let latest = expires - facts::MIN_ROTATE_DAYS;
    let (field, d) = match rotate {
        Some(Rotate::AfterCreate(d)) => ("rotate_after", d),
        Some(Rotate::BeforeExpiry(d)) => ("rotate_before_expiry", d),
        None => ("", 0),
    };
    if !field.is_empty() && !(facts::MIN_ROTATE_DAYS..=latest).contains(&d) {
        limit(
            c,
            field,
            format!(
                "Key Vault rotates at least {} days after a version is created and {} days before it expires; `{field} = {d}d` with `expires_after = {expires}d` does not",
                facts::MIN_ROTATE_DAYS,
                facts::MIN_ROTATE_DAYS
            ),
            format!(
                "write a `{field}` between {}d and {latest}d",
                facts::MIN_ROTATE_DAYS
            ),
        );
    }
    let notify_latest = expires - facts::MIN_NOTIFY_DAYS;
    if !(facts::MIN_NOTIFY_DAYS..=notify_latest).contains(&notify) {
        limit(
            c,
            "notify_before_expiry",
            format!(
                "Key Vault notifies between {} days and {notify_latest} days before a version that lives {expires} days expires, not {notify}",
                facts::MIN_NOTIFY_DAYS
            ),
            format!(
                "write a `notify_before_expiry` between {}d and {notify_latest}d",
                facts::MIN_NOTIFY_DAYS
            ),
        );
    }
}

pub(super) fn certificate<'a>(
    c: &mut Checker,
    kind: &'static schema::Kind,
    b: &'a ast::Block,
) -> Option<Found<'a, Certificate>> {
    c.secret_var = Some(format!("{}_PFX", env_stem(&label(b))));
    let f = c.validate(b, kind);
    c.secret_var = None;
    let (_, parent) = in_target(b)?;
    let span = b.label.as_ref().map_or(b.kind.span, |l| l.span);
    rules::vault_object_name(c, b, "certificate");
    let spec = key_spec(c, &f);
    let source = match f.secure("import") {
        Some(env) => imported(c, &f, env)?,
        // An `import` that could not be read was reported; what it would import is unknown.
        None if super::block_sets(b, "import") => return None,
        None => issued(c, &f)?,
    };
    let cert = Certificate {
        meta: super::meta(b),
        spec,
        source,
    };
    Some((parent, label(b), span, Some(cert)))
}

/// An imported certificate takes subject, names, validity and issuer from its PFX: one
/// diagnostic names every field that says otherwise.
fn imported(c: &mut Checker, f: &Fields, env: String) -> Option<CertificateSource> {
    let issuing: Vec<(&str, Span)> = [
        "subject",
        "dns_names",
        "validity_months",
        "issuer",
        "renew_before_expiry",
    ]
    .into_iter()
    .filter_map(|field| Some((field, f.value(field)?.span)))
    .collect();
    if let Some(&(_, at_first)) = issuing.first() {
        let names: Vec<&str> = issuing.iter().map(|(n, _)| *n).collect();
        let listed = crate::diag::one_of(&names).replace(" or ", " and ");
        let verb = if names.len() == 1 { "does" } else { "do" };
        let mut d = Diagnostic::new(
            Code::Conflict,
            format!("{listed} {verb} not apply to an imported certificate"),
            at_first,
            "taken from the PFX instead",
        )
        .with_secondary(at(f, "import"), "imported here");
        for &(_, span) in &issuing[1..] {
            d = d.with_secondary(span, "also taken from the PFX");
        }
        c.report(d.with_help("remove what the PFX file says, or drop `import` to have the vault issue the certificate"));
    }
    Some(CertificateSource::Import {
        env,
        password_env: f.secure("password"),
    })
}

fn issued(c: &mut Checker, f: &Fields) -> Option<CertificateSource> {
    if let Some(v) = f.value("password") {
        c.report(
            Diagnostic::new(
                Code::Conflict,
                "`password` is for an imported PFX",
                v.span,
                "nothing is imported",
            )
            .with_help("remove `password`, or add `import = secure(\"NAME\")` with the PFX"),
        );
    }
    let Some(subject) = f.str("subject") else {
        if !super::block_sets(f.block, "subject") {
            c.report(
                Diagnostic::new(
                    Code::MissingField,
                    "a certificate the vault issues needs a `subject`",
                    f.block.head_span(),
                    "no `subject`",
                )
                .with_help(
                    "add `subject = \"CN=NAME\"`, or `import = secure(\"NAME\")` to import a PFX",
                ),
            );
        }
        return None;
    };
    if !subject.contains('=') {
        c.report(
            Diagnostic::new(
                Code::KeyVaultRule,
                format!("`{subject}` is not an X.500 name"),
                at(f, "subject"),
                "Key Vault expects `CN=...`",
            )
            .suggest(at(f, "subject"), format!("\"CN={subject}\"")),
        );
    }
    dns_names(c, f);
    let months = f.int("validity_months").unwrap_or(12);
    let renew = days(f, "renew_before_expiry").unwrap_or(30);
    // A month is at least 28 days: renewal must come before the first expiry.
    if renew >= months as u64 * 28 {
        c.report(
            Diagnostic::new(
                Code::KeyVaultRule,
                format!(
                    "renewing {renew} days before expiry leaves no time in a certificate valid {months} month{}",
                    if months == 1 { "" } else { "s" }
                ),
                at(f, "renew_before_expiry"),
                "longer than the certificate lives",
            )
            .with_help("renew fewer days before expiry, or make `validity_months` longer"),
        );
    }
    let issuer = f.str_or("issuer", "Self");
    if issuer.eq_ignore_ascii_case("unknown") {
        c.report(
            Diagnostic::new(
                Code::KeyVaultRule,
                "an `Unknown` issuer leaves the certificate pending until someone merges a signed request by hand",
                at(f, "issuer"),
                "nothing would be issued",
            )
            .with_help("name an issuer the vault knows, `\"Self\"`, or import the signed certificate with `import = secure(\"NAME\")`"),
        );
    }
    Some(CertificateSource::Issue {
        subject,
        dns_names: f.strings("dns_names"),
        validity_months: months,
        issuer,
        renew_before_expiry_days: renew,
    })
}

fn dns_names(c: &mut Checker, f: &Fields) {
    for v in f.list("dns_names") {
        if let ValueKind::Str(n) = &v.kind
            && !dns_name(n)
        {
            c.report(
                Diagnostic::new(
                    Code::KeyVaultRule,
                    format!("`{n}` is not a DNS name"),
                    v.span,
                    "not a DNS name",
                )
                .with_help("write names such as `shop.contoso.com` or `*.contoso.com`"),
            );
        }
    }
}

/// A host name, or one with a leading `*.` wildcard.
fn dns_name(n: &str) -> bool {
    let n = n.strip_prefix("*.").unwrap_or(n);
    !n.is_empty()
        && n.len() <= 253
        && n.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-')
        })
}

/// Rules across declarations: HSM-protected objects need a premium vault, and each cluster's
/// KMS key must be one the cluster can use.
pub(super) fn vault_objects(c: &mut Checker, p: &Platform) {
    for (vname, v) in &p.vaults {
        if v.sku == "premium" {
            continue;
        }
        let hsm = v
            .keys
            .iter()
            .map(|(n, k)| ("key", n, &k.spec, k.meta.span))
            .chain(
                v.certificates
                    .iter()
                    .map(|(n, x)| ("certificate", n, &x.spec, x.meta.span)),
            );
        for (what, name, spec, span) in hsm {
            if spec.kty.ends_with("-HSM") {
                c.report(
                    Diagnostic::new(
                        Code::KeyVaultRule,
                        format!(
                            "{what} `{name}` is HSM-protected, and vault `{vname}` is `{}`",
                            v.sku
                        ),
                        span,
                        "needs a premium vault",
                    )
                    .with_secondary(v.meta.span, "this vault")
                    .with_help(format!(
                        "set `sku = premium` on vault `{vname}`, or use a key type without `_hsm`"
                    ))
                    .with_note(format!("source: {}", facts::SOURCE_TYPES)),
                );
            }
        }
    }
    key_grants(c, p);
    certificate_writers(c, p);
    for (cname, cl) in &p.clusters {
        api_server_subnet(c, p, cname, cl);
        if let Some((key, at)) = &cl.kms {
            kms(c, p, cname, cl, key, *at);
        }
    }
}

/// What AKS needs of a KMS key: an RSA key that encrypts and decrypts, and for a private vault
/// the API server in the network (API Server VNet Integration).
fn kms(c: &mut Checker, p: &Platform, cname: &str, cl: &Cluster, key: &str, at: Span) {
    let Some((vname, v, k)) = p.key(key) else {
        return;
    };
    if !k.spec.is_rsa() {
        c.report(
            Diagnostic::new(
                Code::KeyVaultRule,
                format!(
                    "KMS encrypts with RSA keys, and key `{key}` is {}",
                    k.spec.kty
                ),
                at,
                "not an RSA key",
            )
            .with_secondary(k.meta.span, "the key")
            .with_help(format!("give key `{key}` `type = rsa`, or name an RSA key"))
            .with_note(format!("source: {}", facts::SOURCE_KMS)),
        );
    }
    let missing: Vec<&str> = ["encrypt", "decrypt"]
        .into_iter()
        .filter(|op| !k.operations.iter().any(|o| o == op))
        .collect();
    if k.spec.is_rsa() && !missing.is_empty() {
        c.report(
            Diagnostic::new(
                Code::KeyVaultRule,
                format!(
                    "KMS encrypts and decrypts with its key, and key `{key}` may not {}",
                    missing.join(" or ")
                ),
                at,
                "key cannot serve KMS",
            )
            .with_secondary(k.meta.span, "the key")
            .with_help(format!(
                "add {} to the key's `operations`",
                missing
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ))
            .with_note(format!("source: {}", facts::SOURCE_KMS)),
        );
    }
    kms_rotation(c, key, k, at);
    if v.private && cl.network.api_server_subnet.is_none() {
        c.report(
            Diagnostic::new(
                Code::MissingDependency,
                format!("cluster `{cname}` reaches private vault `{vname}` for KMS only from inside the network"),
                at,
                "needs API Server VNet Integration",
            )
            .with_secondary(v.meta.span, "private vault")
            .with_help("add an empty subnet of at least /28 to the nodes' network and name it in the cluster's `network` block: `api_server_subnet = network.NAME.SUBNET`")
            .with_note(format!("source: {}", facts::SOURCE_KMS))
            .about_absence(),
        );
    }
}

/// KMS keeps the key version it was given until the next provision moves it to the current one,
/// and a version past its expiry no longer encrypts: a KMS key must rotate, and leave time to
/// provision between a rotation and the expiry of the version before it.
fn kms_rotation(c: &mut Checker, key: &str, k: &Key, kms_at: Span) {
    let grace = match k.rotate {
        Some(Rotate::AfterCreate(d)) => k.expires_after_days.saturating_sub(d),
        Some(Rotate::BeforeExpiry(d)) => d,
        None => 0,
    };
    // Outside Key Vault's own limits, which `lifetime` reported already.
    let reported = k.expires_after_days < facts::MIN_EXPIRY_DAYS
        || (k.rotate.is_some() && grace < facts::MIN_ROTATE_DAYS);
    if grace >= facts::KMS_GRACE_DAYS || reported {
        return;
    }
    let message = if k.rotate.is_none() {
        format!(
            "key `{key}` expires after {} days and never rotates, so the version KMS uses would expire",
            k.expires_after_days
        )
    } else {
        format!(
            "key `{key}` rotates {grace} days before its version expires, and KMS keeps the version it has until the next `azd provision`"
        )
    };
    c.report(
        Diagnostic::new(Code::KeyVaultRule, message, k.meta.span, "the KMS key's rotation")
            .with_secondary(kms_at, "encrypts Kubernetes secrets")
            .with_help(format!(
                "rotate at least {} days before expiry (`rotate_after` at most `expires_after` less {0} days), and provision in that time: a version past its expiry no longer encrypts, and the API server cannot write secrets",
                facts::KMS_GRACE_DAYS
            ))
            .with_note(format!("source: {}", facts::SOURCE_KMS)),
    );
}

/// The API server's subnet: in the nodes' network, of its own, at least /28 (AKS delegates it
/// to itself and puts the API server's internal load balancer there). Clusters of one network
/// may share it.
fn api_server_subnet(c: &mut Checker, p: &Platform, cname: &str, cl: &Cluster) {
    let Some((net, sub)) = &cl.network.api_server_subnet else {
        return;
    };
    let at = cl
        .network
        .spans
        .iter()
        .find(|(k, _)| *k == "api_server_subnet")
        .map_or(cl.meta.span, |(_, s)| *s);
    let d = |message: String, label: &str, help: &str| {
        Diagnostic::new(Code::Conflict, message, at, label.to_string())
            .with_help(help.to_string())
            .with_note(format!("source: {}", facts::SOURCE_API_SUBNET))
    };
    let help = "add a subnet of its own (at least /28) to the nodes' network and name it here";
    match &cl.network.subnet {
        // Where the nodes' subnet is missing for another reason, that is the error to fix.
        None if cl.network.lacks_subnet() => {}
        None => c.report(d(
            format!("cluster `{cname}` puts its API server in network `{net}`, and its nodes in a network AKS makes"),
            "nodes are not in this network",
            "set the `network` block's `subnet` to a subnet of the same network",
        )),
        Some((node_net, _)) if node_net != net => c.report(d(
            format!("the API server's subnet is in network `{net}`, the nodes' in `{node_net}`"),
            "another network than the nodes'",
            help,
        )),
        Some((_, node_sub)) if node_sub == sub => c.report(d(
            format!("subnet `{sub}` holds the nodes, and AKS needs the API server's subnet to itself"),
            "the nodes' subnet",
            help,
        )),
        _ => {}
    }
    let Some(s) = p.networks.get(net).and_then(|n| n.subnets.get(sub)) else {
        return;
    };
    if s.private_endpoints {
        c.report(d(
            format!("subnet `{sub}` holds private endpoints, and AKS delegates the API server's subnet to itself"),
            "private endpoints' subnet",
            help,
        ));
    }
    if let Ok(cidr) = crate::net::Cidr::parse(&s.prefix)
        && cidr.prefix > 28
    {
        c.report(d(
            format!(
                "subnet `{sub}` is a /{}, and the API server needs at least a /28",
                cidr.prefix
            ),
            "too small",
            "give the subnet a prefix of /28 or shorter",
        ));
    }
}

/// A role granted on one key must act on keys.
fn key_grants(c: &mut Checker, p: &Platform) {
    for i in p.identities.values() {
        for g in i.grants.iter().filter(|g| g.target.kind == "key") {
            if facts::KEY_ROLES.contains(&g.role.as_str()) {
                continue;
            }
            let vault = p.key(&g.target.name).map_or("NAME", |(v, _, _)| v);
            c.report(
                Diagnostic::new(
                    Code::KeyVaultRule,
                    format!(
                        "`{}` does not act on keys, so on key `{}` it grants nothing",
                        g.role, g.target.name
                    ),
                    g.role_span,
                    "not a key role",
                )
                .with_help(format!(
                    "grant a role of keys ({}), or grant this one on `vault.{vault}`",
                    crate::diag::one_of(facts::KEY_ROLES)
                ))
                .with_note(format!("source: {}", facts::SOURCE_RBAC)),
            );
        }
    }
}

/// A private vault's certificates are written from inside its network, by a cluster's Job.
fn certificate_writers(c: &mut Checker, p: &Platform) {
    for (vname, v) in &p.vaults {
        let Some((cname, cert)) = v.certificates.first() else {
            continue;
        };
        // A cluster whose nodes' subnet is in error may be the one meant to write them.
        if !v.private
            || certificate_writer(p, vname).is_some()
            || p.clusters.values().any(|cl| cl.network.lacks_subnet())
        {
            continue;
        }
        let net = endpoint_network(p).unwrap_or("NAME");
        c.report(
            Diagnostic::new(
                Code::MissingDependency,
                format!("vault `{vname}` is private, and no cluster's nodes are in network `{net}` to write certificate `{cname}` from"),
                cert.meta.span,
                "cannot be written",
            )
            .with_secondary(v.meta.span, "private vault")
            .with_help(format!("ARM cannot create certificates, so `platc publish` writes them from a Job in a cluster whose nodes are in network `{net}` (`network {{ subnet = network.{net}.SUBNET }}`); or make the vault public with `private = false`"))
            .about_absence(),
        );
    }
}
