//! Azure rules that go beyond types: names, address ranges, versions, subjects and the features
//! that depend on each other.

use super::{Checker, Fields, label};
use crate::azure::{self, NameRule};
use crate::collections::IndexMap;
use crate::diag::{Code, Diagnostic};
use crate::model::*;
use crate::net::{self, Cidr};
use crate::source::Span;
use crate::syntax::ast::{self, ValueKind};

pub(super) fn name(c: &mut Checker, b: &ast::Block, rule: &NameRule) {
    let Some(l) = &b.label else { return };
    if let Some(problem) = rule.violation(&l.text) {
        let d = Diagnostic::new(Code::BadName, problem, l.span, format!("becomes `{}`", rule.shown(&l.text)))
            .with_note("names are built as prefix + declaration name + a 13-character token unique to subscription, environment and location");
        // A character the rule refuses becomes a hyphen where hyphens are allowed; a name too
        // long has no one shortening to offer.
        let dash = if rule.extra.contains('-') { "-" } else { "" };
        let tried = l.text.replace(
            |ch: char| !ch.is_ascii_alphanumeric() && !rule.extra.contains(ch),
            dash,
        );
        let d = if tried != l.text.as_str() && !tried.is_empty() && rule.violation(&tried).is_none()
        {
            renamed(d, l, &tried)
        } else {
            d.with_help(format!(
                "use a name of at most {} characters made of letters, digits{}",
                rule.budget(),
                if rule.extra.is_empty() {
                    ""
                } else {
                    " and hyphens"
                }
            ))
        };
        c.report(d);
    }
}

pub(super) fn platform_name(c: &mut Checker, b: &ast::Block) {
    let Some(l) = &b.label else { return };
    let ok = !l.text.is_empty()
        && l.text.len() <= 40
        && l.text
            .chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-')
        && !l.text.starts_with('-')
        && !l.text.ends_with('-');
    if !ok {
        let d = Diagnostic::new(
            Code::BadName,
            "platform names are 1-40 lowercase letters, digits and inner hyphens",
            l.span,
            "invalid platform name",
        )
        .with_note("the name becomes the azd project name and part of the resource group name");
        let tried: String = l
            .text
            .to_ascii_lowercase()
            .replace(|ch: char| !ch.is_ascii_alphanumeric(), "-")
            .trim_matches('-')
            .chars()
            .take(40)
            .collect();
        c.report(renamed(d, l, tried.trim_end_matches('-')));
    }
}

/// The help (and fix, where the name is written quoted) to rename `l` to `to`.
fn renamed(d: Diagnostic, l: &ast::Label, to: &str) -> Diagnostic {
    if to.is_empty() {
        return d.with_help("choose a name made of the characters the rule allows");
    }
    let d = d.with_help(format!("try `\"{to}\"`"));
    if l.quoted {
        d.with_fix(l.span, format!("\"{to}\""))
    } else {
        d
    }
}

/// Key Vault names secrets, keys and certificates alike.
pub(super) fn vault_object_name(c: &mut Checker, b: &ast::Block, what: &str) {
    let Some(l) = &b.label else { return };
    if l.text.is_empty()
        || l.text.len() > 127
        || !l
            .text
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-')
    {
        let d = Diagnostic::new(
            Code::BadName,
            format!("Key Vault {what} names are 1-127 letters, digits and hyphens"),
            l.span,
            format!("invalid {what} name"),
        );
        let tried: String = l
            .text
            .replace(|ch: char| !ch.is_ascii_alphanumeric(), "-")
            .chars()
            .take(127)
            .collect();
        c.report(renamed(d, l, &tried));
    }
}

pub(super) fn containers(c: &mut Checker, f: &Fields) {
    for v in f.list("containers") {
        let ValueKind::Str(n) = &v.kind else { continue };
        let ok = (3..=63).contains(&n.len())
            && n.chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-')
            && !n.starts_with('-')
            && !n.ends_with('-')
            && !n.contains("--");
        if !ok {
            let mut tried = String::new();
            for ch in n.to_ascii_lowercase().chars() {
                let ch = if ch.is_ascii_alphanumeric() { ch } else { '-' };
                if !(ch == '-' && (tried.is_empty() || tried.ends_with('-'))) {
                    tried.push(ch);
                }
            }
            let tried: String = tried.trim_end_matches('-').chars().take(63).collect();
            let mut d = Diagnostic::new(
                Code::BadName,
                "container names are 3-63 lowercase letters, digits and single inner hyphens",
                v.span,
                "invalid container name",
            );
            d = if tried.len() >= 3 {
                d.with_help(format!("try `\"{tried}\"`"))
                    .with_fix(v.span, format!("\"{tried}\""))
            } else {
                d.with_help("give the container a name of 3 to 63 lowercase letters, digits and single hyphens")
            };
            c.report(d);
        }
    }
}

/// A GitOps configuration's namespace: Flux creates it, and Kubernetes takes only a DNS label
/// (RFC 1123: 1-63 lowercase letters, digits and `-`, starting and ending with one of the first
/// two) as a namespace's name.
pub(super) fn gitops_namespace(c: &mut Checker, ns: &str, span: crate::source::Span) {
    if kube_name(ns) {
        return;
    }
    let tried = kube_suggestion(ns, false);
    let d = Diagnostic::new(
        Code::BadName,
        format!(
            "`{ns}` is not a Kubernetes namespace name: 1-63 lowercase letters, digits and `-`"
        ),
        span,
        "not a namespace name",
    )
    .with_note("Flux creates this namespace, and Kubernetes refuses the name");
    c.report(if kube_name(&tried) {
        d.with_help(format!("try `\"{tried}\"`"))
            .with_fix(span, format!("\"{tried}\""))
    } else {
        d.with_help(
            "use lowercase letters, digits and hyphens, starting and ending with a letter or digit",
        )
    });
}

/// A DNS label (RFC 1123), as Kubernetes names namespaces and service accounts.
fn kube_name(s: &str) -> bool {
    kube_object_name(s, false)
}

/// 1-63 lowercase letters, digits and `-` (and `.` where `dots`), starting and ending with a
/// letter or digit.
fn kube_object_name(s: &str, dots: bool) -> bool {
    (1..=63).contains(&s.len())
        && s.chars().all(|ch| {
            ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-' || (dots && ch == '.')
        })
        && s.starts_with(|ch: char| ch.is_ascii_alphanumeric())
        && s.ends_with(|ch: char| ch.is_ascii_alphanumeric())
}

/// `s` made into such a name the obvious way: lowercased, other characters turned into `-`.
fn kube_suggestion(s: &str, dots: bool) -> String {
    s.to_ascii_lowercase()
        .replace(
            |ch: char| !(ch.is_ascii_alphanumeric() || dots && ch == '.'),
            "-",
        )
        .trim_matches(['-', '.'])
        .to_string()
}

/// A Flux configuration's or kustomization's name: Flux makes Kubernetes objects named after it,
/// so it is a Kubernetes name (lowercase letters, digits, `-` and `.`, starting and ending with a
/// letter or digit).
pub(super) fn flux_name(c: &mut Checker, what: &str, l: &ast::Label) {
    if kube_object_name(&l.text, true) {
        return;
    }
    let tried = kube_suggestion(&l.text, true);
    let d = Diagnostic::new(
        Code::BadName,
        format!("{what} names are Kubernetes names: 1-63 lowercase letters, digits, `-` and `.`"),
        l.span,
        "not a Kubernetes name",
    )
    .with_note("Flux creates Kubernetes objects named after it, and Kubernetes refuses this name");
    c.report(if kube_object_name(&tried, true) {
        renamed(d, l, &tried)
    } else {
        d.with_help(
            "use lowercase letters, digits and hyphens, starting and ending with a letter or digit",
        )
    });
}

/// `namespace/serviceaccount`, both Kubernetes DNS labels.
pub(super) fn subject(c: &mut Checker, l: &ast::Label) -> Option<(String, String)> {
    match l.text.split_once('/') {
        Some((ns, sa)) if kube_name(ns) && kube_name(sa) => Some((ns.to_string(), sa.to_string())),
        _ => {
            let d = Diagnostic::new(
                Code::BadSubject,
                format!("`{}` is not `namespace/serviceaccount`", l.text),
                l.span,
                "invalid subject",
            );
            let lower = l.text.to_ascii_lowercase();
            let d = match lower.split_once('/') {
                Some((ns, sa)) if kube_name(ns) && kube_name(sa) => d
                    .with_note("Kubernetes names are lowercase")
                    .with_help(format!("write `\"{lower}\"`"))
                    .with_fix(l.span, format!("\"{lower}\"")),
                _ => d.with_help("write the Kubernetes namespace and service account, e.g. `federate \"shop/checkout-sa\" on cluster.main`; both are lowercase letters, digits and hyphens"),
            };
            c.report(d);
            None
        }
    }
}

pub(super) fn kubernetes_version(c: &mut Checker, v: &ast::Value) {
    let ValueKind::Str(s) = &v.kind else { return };
    let parts: Vec<&str> = s.split('.').collect();
    let ok = (2..=3).contains(&parts.len())
        && parts[0] == "1"
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|ch| ch.is_ascii_digit()));
    if !ok {
        let d = Diagnostic::new(
            Code::BadVersion,
            format!("`{s}` is not a Kubernetes version"),
            v.span,
            "expected `1.MINOR` or `1.MINOR.PATCH`",
        );
        // `v1.33` and `1.33.x` name a version platc can write.
        let plain = s.trim_start_matches(['v', 'V']).trim_end_matches(".x");
        let d = if plain != s.as_str()
            && plain.starts_with("1.")
            && (2..=3).contains(&plain.split('.').count())
            && plain
                .split('.')
                .all(|p| !p.is_empty() && p.chars().all(|ch| ch.is_ascii_digit()))
        {
            d.with_help(format!("write `\"{plain}\"`"))
                .with_fix(v.span, format!("\"{plain}\""))
        } else {
            d.with_help("write e.g. `kubernetes = \"1.33\"`; `az aks get-versions -l LOCATION` lists what AKS offers")
        };
        c.report(d);
    }
}

/// The upgrade channel a cluster gets when it names none: `patch` keeps a pinned minor version and
/// takes its patches; without a pin, `stable` follows AKS's N-1 minor version.
pub(super) fn default_upgrade_channel(kubernetes: Option<&str>) -> &'static str {
    if kubernetes.is_some() {
        "patch"
    } else {
        "stable"
    }
}

/// `kubernetes` and `upgrade_channel` agree. AKS never downgrades: once a channel has moved the
/// cluster past the version the template names, the next deployment asks for a downgrade and is
/// refused (see `azure::upgrade`). So `stable` and `rapid`, which move the minor version, take no
/// version at all, and `patch`, which moves the patch, takes only `1.MINOR`.
pub(super) fn upgrade_channel(c: &mut Checker, f: &Fields, channel: &str) {
    let Some(v) = f.value("kubernetes") else {
        return;
    };
    let channel_span = f.value("upgrade_channel").map(|v| v.span);
    let named = |d: Diagnostic| match channel_span {
        Some(s) => d.with_secondary(s, format!("upgrade channel `{channel}`")),
        None => d.with_note(format!(
            "`{channel}` is the upgrade channel of a cluster that sets `kubernetes` and names none"
        )),
    };
    if azure::upgrade::moves_minor(channel) {
        let mut d = named(Diagnostic::new(Code::Conflict, format!("upgrade channel `{channel}` moves the cluster past the version `kubernetes` pins"), v.span, "pinned here"))
            .with_note("AKS refuses to downgrade a cluster: after the first automatic upgrade, every provision that names the old version fails");
        d = d.with_help(format!("remove `kubernetes` and let `{channel}` choose the version, or set `upgrade_channel = patch` to keep this minor version and take its patches (`none` upgrades only by hand)"));
        // `patch` resolves the conflict only for a minor pin; a full one would conflict again.
        let minor_pin = matches!(&v.kind, ValueKind::Str(s) if s.split('.').count() == 2);
        if let (Some(s), true) = (channel_span, minor_pin) {
            d = d.with_fix(s, "patch");
        }
        c.report(d);
        return;
    }
    let ValueKind::Str(s) = &v.kind else { return };
    let parts: Vec<&str> = s.split('.').collect();
    if azure::upgrade::moves_patch(channel) && parts.len() == 3 {
        let minor = format!("\"{}.{}\"", parts[0], parts[1]);
        let d = named(Diagnostic::new(Code::Conflict, format!("upgrade channel `{channel}` moves the cluster past patch `{s}`"), v.span, "patch pinned here"))
            .with_note("AKS refuses to downgrade a cluster: after the first automatic patch, every provision that names the old patch fails")
            .with_help(format!("pin the minor version only, `kubernetes = {minor}`, and AKS keeps it at the newest patch; or set `upgrade_channel = none` to upgrade by hand"))
            .with_fix(v.span, minor);
        c.report(d);
    }
}

pub(super) fn network_ranges(c: &mut Checker, f: &Fields, n: &Network) {
    let spaces: Vec<Cidr> = n
        .address_space
        .iter()
        .filter_map(|s| Cidr::parse(s).ok())
        .collect();
    let list = f.list("address_space");
    for (i, a) in spaces.iter().enumerate() {
        for (j, b) in spaces.iter().enumerate().skip(i + 1) {
            if a.overlaps(*b) {
                c.report(
                    Diagnostic::new(
                        Code::CidrOverlap,
                        format!(
                            "address prefixes {} and {} of the network overlap",
                            n.address_space[i], n.address_space[j]
                        ),
                        list[j].span,
                        "overlaps",
                    )
                    .with_secondary(list[i].span, "this prefix")
                    .with_help("remove one, or choose a prefix that neither contains nor lies inside the other"),
                );
            }
        }
    }
    let mut placed: Vec<(Cidr, Span, &str)> = Vec::new();
    let mut named: Vec<String> = Vec::new();
    for b in f.nested("subnet") {
        let name = label(b);
        // A second subnet of one name was reported as such; its range is not the first's.
        if named.contains(&name) {
            continue;
        }
        named.push(name.clone());
        let Some(sub) = n.subnets.get(&name) else {
            continue;
        };
        let Ok(cidr) = Cidr::parse(&sub.prefix) else {
            continue;
        };
        let span = b
            .statements()
            .iter()
            .find_map(|s| match s {
                ast::Statement::Attribute(a) if a.key.name == "prefix" => Some(a.value.span),
                _ => None,
            })
            .unwrap_or(b.head_span());
        if !spaces.is_empty() && !spaces.iter().any(|s| s.contains(cidr)) {
            c.report(
                Diagnostic::new(
                    Code::CidrOverlap,
                    format!("subnet `{name}` lies outside the network's address space"),
                    span,
                    "outside the network",
                )
                .with_help(format!(
                    "choose a prefix inside {}",
                    n.address_space.join(", ")
                )),
            );
        }
        if let Some((_, pspan, pname)) = placed.iter().find(|(p, _, _)| p.overlaps(cidr)) {
            c.report(
                Diagnostic::new(
                    Code::CidrOverlap,
                    format!("subnets `{pname}` and `{name}` overlap"),
                    span,
                    "overlaps",
                )
                .with_secondary(*pspan, format!("`{pname}` is here"))
                .with_help(format!(
                    "choose a prefix for `{name}` that no other subnet of the network holds"
                )),
            );
        }
        placed.push((cidr, span, b.label.as_ref().map_or("", |l| l.text.as_str())));
    }
}

pub(super) fn cluster_network(c: &mut Checker, f: &Fields, n: &ClusterNetwork) {
    let span_of = |name: &str| f.value(name).map_or(f.block.head_span(), |v| v.span);
    let (Ok(pods), Ok(services)) = (Cidr::parse(&n.pod_cidr), Cidr::parse(&n.service_cidr)) else {
        return;
    };
    if n.overlay && pods.overlaps(services) {
        c.report(
            Diagnostic::new(Code::CidrOverlap, "`pod_cidr` and `service_cidr` overlap", span_of("service_cidr"), "overlaps the pod range")
                .with_secondary(span_of("pod_cidr"), "pod range")
                .with_help("pick disjoint ranges, e.g. `pod_cidr = 10.244.0.0/16` and `service_cidr = 10.0.0.0/16`"),
        );
    }
    if let Ok(ip) = net::parse_ip(&n.dns_service_ip) {
        let bad = if !services.contains_ip(ip) {
            Some(format!(
                "`{}` is outside `service_cidr` {}",
                n.dns_service_ip, n.service_cidr
            ))
        } else if ip == services.first() || ip == services.first() + 1 || ip == services.last() {
            Some(format!(
                "`{}` is reserved in {} (network, API server or broadcast address)",
                n.dns_service_ip, n.service_cidr
            ))
        } else {
            None
        };
        if let Some(msg) = bad {
            c.report(
                Diagnostic::new(
                    Code::DnsServiceIp,
                    msg,
                    span_of("dns_service_ip"),
                    "not a usable service address",
                )
                .with_help(format!(
                    "use an address such as `{}`",
                    net::format_ip(services.first() + 10)
                ))
                .with_fix(
                    span_of("dns_service_ip"),
                    net::format_ip(services.first() + 10),
                ),
            );
        }
    }
    if n.policy == "cilium" && n.dataplane != "cilium" {
        c.report(
            Diagnostic::new(
                Code::MissingDependency,
                "Cilium network policy needs the Cilium data plane",
                span_of("policy"),
                "needs `dataplane = cilium`",
            )
            .with_secondary(span_of("dataplane"), "data plane set here")
            .with_help("set `dataplane = cilium`, or choose another `policy`"),
        );
    }
    if n.dataplane == "cilium" && !n.overlay && n.subnet.is_none() {
        c.report(
            Diagnostic::new(
                Code::MissingDependency,
                "the Cilium data plane with flat Azure CNI needs a node subnet",
                span_of("dataplane"),
                "needs `subnet`",
            )
            .with_help("use `plugin = azure_cni_overlay`, or give `subnet = network.NAME.SUBNET`"),
        );
    }
}

/// Ranges that must stay apart across the platform: each cluster's pod and service ranges and
/// every declared network.
fn cluster_vs_networks(c: &mut Checker, p: &Platform) {
    for (cname, cl) in &p.clusters {
        for (what, range) in [
            ("pod_cidr", &cl.network.pod_cidr),
            ("service_cidr", &cl.network.service_cidr),
        ] {
            if what == "pod_cidr" && !cl.network.overlay {
                continue;
            }
            let Ok(r) = Cidr::parse(range) else { continue };
            // The range as written, or the cluster when it takes the default.
            let (at, label) = match cl.network.spans.iter().find(|(k, _)| *k == what) {
                Some((_, span)) => (*span, "overlaps the network"),
                None => (cl.meta.span, "its default range overlaps the network"),
            };
            for (nname, n) in &p.networks {
                let Some(i) = n
                    .address_space
                    .iter()
                    .position(|s| Cidr::parse(s).is_ok_and(|s| s.overlaps(r)))
                else {
                    continue;
                };
                let mut d = Diagnostic::new(
                    Code::CidrOverlap,
                    format!("`{what}` {range} of cluster `{cname}` overlaps network `{nname}`"),
                    at,
                    label,
                )
                .with_help(format!(
                    "choose a `{what}` outside {}, e.g. `{}`",
                    n.address_space.join(", "),
                    if what == "pod_cidr" {
                        "10.244.0.0/16"
                    } else {
                        "10.0.0.0/16"
                    }
                ));
                if let Some(span) = n.address_spans.get(i) {
                    d = d.with_secondary(*span, format!("address space of `{nname}`"));
                }
                c.report(d);
            }
        }
    }
}

pub(super) fn pool(c: &mut Checker, f: &Fields) {
    let b = f.block;
    if let Some(l) = &b.label {
        let ok = (1..=12).contains(&l.text.len())
            && l.text.starts_with(|ch: char| ch.is_ascii_lowercase())
            && l.text
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit());
        if !ok {
            c.report(renamed(
                Diagnostic::new(
                    Code::BadName,
                    "node pool names are 1-12 lowercase letters and digits, starting with a letter",
                    l.span,
                    "invalid pool name",
                ),
                l,
                &l.text
                    .to_ascii_lowercase()
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .skip_while(char::is_ascii_digit)
                    .take(12)
                    .collect::<String>(),
            ));
        }
    }
    match (f.value("count"), f.value("autoscale")) {
        (Some(n), Some(a)) => c.report(
            Diagnostic::new(Code::Conflict, "`count` and `autoscale` are both set", a.span, "an autoscaled size")
                .with_secondary(n.span, "a fixed size")
                .with_help("a pool has a fixed `count` or an `autoscale` range, not both: remove one"),
        ),
        (None, None) if !b.statements().iter().any(|s| matches!(s, ast::Statement::Attribute(a) if a.key.name == "count" || a.key.name == "autoscale")) => c.report(
            Diagnostic::new(Code::MissingField, "pool needs `count` or `autoscale`", b.head_span(), "no size")
                .with_help("add `count = 3` or `autoscale = 2..10`"),
        ),
        _ => {}
    }
    if f.str("mode").as_deref() == Some("system") {
        let fix = match (f.int("count"), f.range("autoscale")) {
            (Some(n), _) if n < 1 => f.value("count").map(|v| (v.span, "1".to_string())),
            (_, Some((a, b))) if a < 1 => f
                .value("autoscale")
                .map(|v| (v.span, format!("1..{}", b.max(1)))),
            _ => None,
        };
        if let Some((at, fixed)) = fix {
            c.report(
                Diagnostic::new(
                    Code::OutOfRange,
                    "a system pool needs at least one node",
                    at,
                    "no nodes for the system pool",
                )
                .with_note("AKS runs its own add-ons on the system pool")
                .with_help(format!("give it at least one node: `{fixed}`"))
                .with_fix(at, fixed),
            );
        }
    }
}

pub(super) fn extension_fields(c: &mut Checker, f: &Fields, l: &ast::Label) -> bool {
    if !known_extension(c, l) {
        return false;
    }
    let mut ok = extension_settings(c, f, l);
    if l.text == "istio" {
        ok &= istio_revision(c, f, l);
    }
    if l.text == "azure_policy" {
        ok &= policy_effect(c, f);
    }
    ok
}

/// An effect needs an initiative to apply to: `baseline = none` with `effect` contradicts itself.
fn policy_effect(c: &mut Checker, f: &Fields) -> bool {
    let (Some(b), Some(e)) = (f.value("baseline"), f.value("effect")) else {
        return true;
    };
    if f.str("baseline").as_deref() != Some("none") {
        return true;
    }
    c.report(
        Diagnostic::new(
            Code::Conflict,
            "`effect` has no initiative to apply to: `baseline = none` assigns none",
            e.span,
            "no policy to take this effect",
        )
        .with_secondary(b.span, "no initiative assigned here")
        .with_help("remove `effect`, or choose a `baseline`"),
    );
    false
}

/// The cluster's `admins`: each an Entra object id (a GUID) or `env("NAME")`, each once. Returns
/// the ids, `env()` calls as markers.
pub(super) fn cluster_admins(c: &mut Checker, items: &[&ast::Value]) -> Vec<String> {
    let mut out: Vec<(String, crate::source::Span)> = Vec::new();
    for (i, v) in items.iter().enumerate() {
        let id = match &v.kind {
            ast::ValueKind::Str(s) => {
                if !is_object_id(s.as_str()) {
                    c.report(
                        Diagnostic::new(
                            Code::BadObjectId,
                            format!("`{}` is not an Entra object id", s.as_str()),
                            v.span,
                            "not a GUID",
                        )
                        .with_help("give the object id of a group, user or service principal, e.g. `az ad group show --group NAME --query id`, or read it with `env(\"AKS_ADMIN_GROUP_ID\")`"),
                    );
                    continue;
                }
                s.as_str().to_ascii_lowercase()
            }
            ast::ValueKind::Call { name, args } if name.name == "env" => {
                let arg = |i: usize| match args.get(i).map(|a| &a.value.kind) {
                    Some(ast::ValueKind::Str(s)) => Some(s.as_str()),
                    _ => None,
                };
                let Some(var) = arg(0) else { continue };
                crate::model::env_marker(var, arg(1))
            }
            _ => continue,
        };
        if let Some((_, prev)) = out.iter().find(|(o, _)| *o == id) {
            c.report(
                Diagnostic::new(
                    Code::Duplicate,
                    "this admin is listed twice",
                    v.span,
                    "again here",
                )
                .with_secondary(*prev, "first here")
                .with_help("list each admin once: its role assignments are named after it")
                .with_fix(
                    Span {
                        start: items[i - 1].span.end,
                        ..v.span
                    },
                    "",
                ),
            );
            continue;
        }
        out.push((id, v.span));
    }
    out.into_iter().map(|(id, _)| id).collect()
}

/// `8-4-4-4-12` hexadecimal digits.
fn is_object_id(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn known_extension(c: &mut Checker, l: &ast::Label) -> bool {
    if crate::schema::EXTENSIONS.contains(&l.text.as_str()) {
        return true;
    }
    let mut d = Diagnostic::new(
        Code::UnknownValue,
        format!("unknown extension `{}`", l.text),
        l.span,
        "unknown extension",
    );
    d = match crate::diag::did_you_mean(&l.text, crate::schema::EXTENSIONS.iter().copied()) {
        Some(s) => d.suggest(l.span, s),
        None => d.with_help(format!(
            "extensions are {}",
            crate::diag::one_of(crate::schema::EXTENSIONS)
        )),
    };
    c.report(d);
    false
}

/// The `extension` block's schema holds every extension's settings; each extension takes only
/// its own.
fn extension_settings(c: &mut Checker, f: &Fields, l: &ast::Label) -> bool {
    let allowed: &[&str] = match l.text.as_str() {
        "keyvault_csi" => &["rotation"],
        "azure_policy" => &["baseline", "effect"],
        "istio" => &["revision", "ingress"],
        _ => &[],
    };
    let mut ok = true;
    for st in f.block.statements() {
        if let ast::Statement::Attribute(a) = st
            && crate::schema::CLUSTER
                .block("extension")
                .and_then(|k| k.field(&a.key.name))
                .is_some()
            && !allowed.contains(&a.key.name.as_str())
        {
            c.report(
                Diagnostic::new(
                    Code::UnknownField,
                    format!("extension `{}` has no field `{}`", l.text, a.key.name),
                    a.key.span,
                    "not for this extension",
                )
                .with_help(if allowed.is_empty() {
                    format!("`{}` takes no settings: remove it", l.text)
                } else {
                    format!(
                        "`{}` takes {}: remove it",
                        l.text,
                        crate::diag::one_of(allowed)
                    )
                })
                .with_fix(a.span, ""),
            );
            ok = false;
        }
    }
    ok
}

/// Istio needs a revision the add-on offers, named `asm-1-MINOR`.
fn istio_revision(c: &mut Checker, f: &Fields, l: &ast::Label) -> bool {
    let Some(v) = f.value("revision") else {
        // A revision that failed validation was reported already.
        if f.block
            .statements()
            .iter()
            .all(|s| !matches!(s, ast::Statement::Attribute(a) if a.key.name == "revision"))
        {
            c.report(
                Diagnostic::new(Code::MissingField, "extension `istio` needs `revision`", l.span, "no revision")
                    .with_note("Azure retires add-on revisions; `az aks mesh get-revisions -l LOCATION` lists the current ones")
                    .with_help("add `revision = \"asm-1-27\"` in braces after `extension istio`"),
            );
        }
        return false;
    };
    let ValueKind::Str(r) = &v.kind else {
        return true;
    };
    let valid = r
        .strip_prefix("asm-1-")
        .is_some_and(|m| !m.is_empty() && m.chars().all(|ch| ch.is_ascii_digit()));
    if !valid {
        let mut d = Diagnostic::new(
            Code::BadVersion,
            format!("`{r}` is not an Istio add-on revision"),
            v.span,
            "expected `asm-1-MINOR`",
        );
        // `1.27`, `asm-1.27` and `1-27` all name the minor version they mean.
        let minor = r
            .trim_start_matches("asm-")
            .strip_prefix("1.")
            .or_else(|| r.trim_start_matches("asm-").strip_prefix("1-"))
            .filter(|m| !m.is_empty() && m.chars().all(|ch| ch.is_ascii_digit()));
        d = match minor {
            Some(m) => d
                .with_help(format!("add-on revisions are written `asm-1-{m}`"))
                .with_fix(v.span, format!("\"asm-1-{m}\"")),
            None => d.with_help("write e.g. `revision = \"asm-1-27\"`"),
        };
        c.report(d);
    }
    valid
}

pub(super) fn kustomizations(c: &mut Checker, f: &Fields, g: &Gitops) {
    for kb in f.nested("kustomization") {
        kustomization_dependencies(c, kb, g);
    }
    kustomization_cycle(c, f, g);
}

/// Each `depends_on` of a kustomization names another of the same gitops block.
fn kustomization_dependencies(c: &mut Checker, kb: &ast::Block, g: &Gitops) {
    let name = label(kb);
    for st in kb.statements() {
        let ast::Statement::Attribute(a) = st else {
            continue;
        };
        if a.key.name != "depends_on" {
            continue;
        }
        let ValueKind::List(items) = &a.value.kind else {
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            let ValueKind::Str(dep) = &item.kind else {
                continue;
            };
            if !g.kustomizations.contains_key(dep.as_str()) {
                let names: Vec<&str> = g.kustomizations.keys().map(String::as_str).collect();
                let mut d = Diagnostic::new(
                    Code::Unresolved,
                    format!("no kustomization `{dep}` in this gitops block"),
                    item.span,
                    "not declared",
                );
                d = match crate::diag::did_you_mean(dep, names.iter().copied()) {
                    Some(s) => d.suggest(item.span, format!("\"{s}\"")),
                    None => d.with_help(format!(
                        "`depends_on` names kustomizations of the same `gitops` block: {}",
                        crate::diag::one_of(&names)
                    )),
                };
                c.report(d);
            } else if *dep == name {
                c.report(
                    Diagnostic::new(
                        Code::Cycle,
                        format!("kustomization `{name}` depends on itself"),
                        item.span,
                        "self-dependency",
                    )
                    .with_help(
                        "remove it from `depends_on`: a kustomization cannot wait for itself",
                    )
                    .with_fix(item_removal(items, i), ""),
                );
            }
        }
    }
}

/// A cycle among more than one kustomization: depth-first search with colours. It is reported at
/// the `depends_on` entry that closes it: the one by which a kustomization waits for another
/// declared after it, since dependencies usually point back to what is declared first.
fn kustomization_cycle(c: &mut Checker, f: &Fields, g: &Gitops) {
    let mut state = IndexMap::default();
    for n in g.kustomizations.keys() {
        if let Some(cycle) = cycle_from(n, g, &mut state, &mut Vec::new()) {
            if cycle.len() > 1 {
                let order = |k: &str| g.kustomizations.get_index_of(k).unwrap_or(0);
                // The edges `from → to` of the cycle; the last that points forward closes it.
                let edges: Vec<(&str, &str)> = (0..cycle.len())
                    .map(|i| (cycle[i], cycle[(i + 1) % cycle.len()]))
                    .collect();
                let (from, to) = edges
                    .iter()
                    .rev()
                    .find(|(a, b)| order(a) < order(b))
                    .copied()
                    .unwrap_or(edges[edges.len() - 1]);
                let (span, removal) =
                    dependency_span(f, from, to).unwrap_or((f.block.head_span(), None));
                let mut shown = cycle.join("` → `");
                shown.push_str(&format!("` → `{}", cycle[0]));
                c.report(
                    Diagnostic::new(
                        Code::Cycle,
                        format!("kustomizations depend on each other in a cycle: `{shown}`"),
                        span,
                        format!("`{from}` waits for `{to}`, closing the cycle"),
                    )
                    .with_help(format!(
                        "remove `\"{to}\"` from the `depends_on` of `{from}` to break the cycle"
                    ))
                    .with_fix_if(removal.map(|r| (r, String::new()))),
                );
            }
            break;
        }
    }
}

/// Where kustomization `from` lists `to` in its `depends_on`, and the text that removes it.
fn dependency_span(f: &Fields, from: &str, to: &str) -> Option<(Span, Option<Span>)> {
    let kb = f.nested("kustomization").find(|b| label(b) == from)?;
    kb.statements().iter().find_map(|s| match s {
        ast::Statement::Attribute(a) if a.key.name == "depends_on" => match &a.value.kind {
            ValueKind::List(items) => items
                .iter()
                .position(|i| matches!(&i.kind, ValueKind::Str(d) if d == to))
                .map(|i| (items[i].span, Some(item_removal(items, i)))),
            _ => None,
        },
        _ => None,
    })
}

/// The first cycle reached from kustomization `n`; `state` is 1 while on the path, 2 when done.
fn cycle_from<'a>(
    n: &'a str,
    g: &'a Gitops,
    state: &mut IndexMap<&'a str, u8>,
    path: &mut Vec<&'a str>,
) -> Option<Vec<&'a str>> {
    match state.get(n) {
        Some(1) => {
            let start = path.iter().position(|p| *p == n).unwrap_or(0);
            return Some(path[start..].to_vec());
        }
        Some(2) => return None,
        _ => {}
    }
    state.insert(n, 1);
    path.push(n);
    if let Some(k) = g.kustomizations.get(n) {
        for d in &k.depends_on {
            if d != n
                && g.kustomizations.contains_key(d)
                && let Some(cycle) = cycle_from(d, g, state, path)
            {
                return Some(cycle);
            }
        }
    }
    path.pop();
    state.insert(n, 2);
    None
}

/// Each pool of a cluster once.
fn pool_names(c: &mut Checker, f: &Fields) {
    let mut names: Vec<(&str, Span)> = Vec::new();
    for b in f.nested("pool") {
        let Some(l) = &b.label else { continue };
        match names.iter().find(|(n, _)| *n == l.text.as_str()) {
            Some((_, first)) => c.report(
                Diagnostic::new(
                    Code::Duplicate,
                    format!("pool `{}` is declared twice", l.text),
                    l.span,
                    "declared again here",
                )
                .with_secondary(*first, "first declared here")
                .with_help("rename one of them, or merge their settings into one pool"),
            ),
            None => names.push((l.text.as_str(), l.span)),
        }
    }
}

pub(super) fn cluster_features(c: &mut Checker, f: &Fields, cl: &Cluster) {
    let head = f.block.head_span();
    if !cl.pools.is_empty() && !cl.pools.iter().any(|p| p.system) {
        c.report(
            Diagnostic::new(
                Code::MissingDependency,
                format!("cluster `{}` has no system node pool", label(f.block)),
                head,
                "needs a `mode = system` pool",
            )
            .with_help("set `mode = system` on one pool; AKS runs its add-ons there"),
        );
    }
    if cl.pools.is_empty()
        && !f
            .block
            .statements()
            .iter()
            .any(|s| matches!(s, ast::Statement::Block(b) if b.kind.name == "pool"))
    {
        c.report(
            Diagnostic::new(Code::MissingField, "the cluster has no node pool", head, "needs a pool")
                .with_help("add `pool \"system\" { vm_size = \"Standard_D4ds_v5\"  count = 3  mode = system }`"),
        );
    }
    pool_names(c, f);
    if !cl.gitops.is_empty() && !cl.flux {
        let span = f.nested("gitops").next().map_or(head, |b| b.head_span());
        c.report(
            Diagnostic::new(
                Code::MissingDependency,
                "GitOps configurations need the Flux extension",
                span,
                "no `extension flux` on this cluster",
            )
            .with_help("add `extension flux` to the cluster"),
        );
    }
    if cl.prometheus && cl.metrics.is_none() {
        let span = ext_span(f, "prometheus").unwrap_or(head);
        c.report(
            Diagnostic::new(
                Code::MissingDependency,
                "managed Prometheus needs an Azure Monitor workspace",
                span,
                "no metrics destination",
            )
            .with_help(
                "add `monitoring { metrics = metrics.NAME }` and declare `metrics \"NAME\" { }`",
            ),
        );
    }
    if cl.metrics.is_some() && !cl.prometheus {
        let span = f
            .nested("monitoring")
            .next()
            .map_or(head, |b| field_span(b, "metrics").unwrap_or(b.head_span()));
        c.report(
            Diagnostic::new(
                Code::MissingDependency,
                "metrics go to a workspace, but managed Prometheus is off",
                span,
                "nothing collects metrics",
            )
            .with_help("add `extension prometheus` to the cluster"),
        );
    }
}

/// The text that removes `items[i]` from its list, with the comma joining it to a neighbour.
pub(super) fn item_removal(items: &[ast::Value], i: usize) -> Span {
    match (i.checked_sub(1).map(|p| &items[p]), items.get(i + 1)) {
        (Some(prev), _) => Span {
            start: prev.span.end,
            ..items[i].span
        },
        (None, Some(next)) => Span {
            end: next.span.start,
            ..items[i].span
        },
        (None, None) => items[i].span,
    }
}

/// Where `block` sets `field`, as written.
fn field_span(block: &ast::Block, field: &str) -> Option<Span> {
    block.statements().iter().find_map(|s| match s {
        ast::Statement::Attribute(a) if a.key.name == field => Some(a.value.span),
        _ => None,
    })
}

fn ext_span(f: &Fields, name: &str) -> Option<Span> {
    f.nested("extension")
        .find(|b| label(b) == name)
        .map(|b| b.head_span())
}

pub(super) fn kv_key(c: &mut Checker, key: &str, span: Span) {
    let bad = if key.is_empty() {
        Some("App Configuration keys may not be empty")
    } else if key == "." || key == ".." {
        Some("App Configuration keys may not be `.` or `..`")
    } else if key.contains('%') {
        Some("App Configuration keys may not contain `%`")
    } else if key.len() > 10_000 {
        Some("App Configuration keys are at most 10,000 characters")
    } else if key.starts_with(azure::FEATURE_FLAG_PREFIX) {
        Some("keys under `.appconfig.featureflag/` are feature flags")
    } else {
        None
    };
    if let Some(msg) = bad {
        let mut d = Diagnostic::new(Code::BadKey, msg, span, "invalid key");
        d = if key.starts_with(azure::FEATURE_FLAG_PREFIX) {
            d.with_help("declare it with `feature \"ID\" in appconfig.NAME { ... }`")
        } else if key.contains('%') {
            let spelt = key.replace('%', "-percent");
            d.with_help(format!("spell it without `%`, e.g. `{spelt}`"))
                .with_fix(span, format!("\"{spelt}\""))
        } else {
            d.with_help("give the key a name such as `app:setting`")
        };
        c.report(d);
    }
}

pub(super) fn kv_label(c: &mut Checker, label: &str, span: Span) {
    if label.is_empty()
        || label.contains('*')
        || label.contains(',')
        || label.contains('%')
        || label.len() > 10_000
    {
        let tried = label
            .replace(['*', ',', '%'], "-")
            .trim_matches('-')
            .to_string();
        let d = Diagnostic::new(
            Code::BadKey,
            format!("`{label}` cannot be an App Configuration label"),
            span,
            "invalid label",
        )
        .with_note("labels are non-empty and may not contain `*`, `,` or `%`");
        c.report(if tried.is_empty() || tried.len() > 10_000 {
            d.with_help("give the label a name of letters, digits, `-` or `.`")
        } else {
            d.with_help(format!("write `{tried}`"))
                .with_fix(span, super::values::quoted(&tried))
        });
    }
}

pub(super) fn feature_id(c: &mut Checker, b: &ast::Block) {
    let Some(l) = &b.label else { return };
    if l.text.is_empty()
        || !l
            .text
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ".-_".contains(ch))
    {
        let tried: String = l
            .text
            .chars()
            .map(|ch| {
                if ch.is_ascii_alphanumeric() || ".-_".contains(ch) {
                    ch
                } else {
                    '-'
                }
            })
            .collect();
        let d = Diagnostic::new(
            Code::BadKey,
            format!("`{}` is not a valid feature flag id", l.text),
            l.span,
            "invalid id",
        )
        .with_note("feature flag ids use letters, digits, `.`, `-` and `_`");
        c.report(renamed(d, l, &tried));
    }
}

/// (cluster, target kind, role) for every role an identity federated on the cluster holds: one
/// pass over the identities, not one per cluster.
fn federated_roles(p: &Platform) -> std::collections::HashSet<(&str, &str, &str)> {
    let mut held = std::collections::HashSet::new();
    for i in p.identities.values() {
        for f in &i.federations {
            for g in &i.grants {
                held.insert((f.cluster.as_str(), g.target.kind.as_str(), g.role.as_str()));
            }
        }
    }
    held
}

/// In-cluster consumers that authenticate with workload identity need an identity that is both
/// federated on the cluster and granted the data role.
fn workload_identity_consumers(c: &mut Checker, p: &Platform) {
    let held = federated_roles(p);
    let cluster_identity_has = |cluster: &str, kind: &str, roles: &[&str]| {
        roles.iter().any(|r| held.contains(&(cluster, kind, *r)))
    };
    for (cname, cl) in &p.clusters {
        let span = |ext: &str| cl.extension_spans.get(ext).copied().unwrap_or(cl.meta.span);
        if cl.app_config_provider
            && !p.appconfigs.is_empty()
            && !cluster_identity_has(
                cname,
                "appconfig",
                &[
                    "App Configuration Data Reader",
                    "App Configuration Data Owner",
                ],
            )
        {
            let store = p.appconfigs.keys().next().cloned().unwrap_or_default();
            c.report(
                Diagnostic::new(
                    Code::MissingDependency,
                    format!("the App Configuration provider on cluster `{cname}` has no identity that may read a store"),
                    span("app_config_provider"),
                    "cannot authenticate",
                )
                .with_note("the provider reads App Configuration with workload identity: an identity federated on the cluster and granted App Configuration Data Reader")
                .with_help(format!(
                    "declare `identity \"appconfig-reader\" {{ federate \"NAMESPACE/SERVICEACCOUNT\" on cluster.{cname}  grant \"App Configuration Data Reader\" on appconfig.{store} }}`"
                ))
                .about_absence(),
            );
        }
        if cl.keyvault_csi.is_some()
            && !p.vaults.is_empty()
            && !cluster_identity_has(
                cname,
                "vault",
                &[
                    "Key Vault Secrets User",
                    "Key Vault Secrets Officer",
                    "Key Vault Administrator",
                ],
            )
        {
            let vault = p.vaults.keys().next().cloned().unwrap_or_default();
            c.report(
                Diagnostic::new(
                    Code::MissingDependency,
                    format!("the Key Vault CSI provider on cluster `{cname}` has no identity that may read secrets"),
                    span("keyvault_csi"),
                    "cannot read secrets",
                )
                .with_note("with workload identity, a SecretProviderClass names an identity federated on the cluster that holds Key Vault Secrets User")
                .with_help(format!(
                    "add `grant \"Key Vault Secrets User\" on vault.{vault}` to an identity that federates on cluster.{cname}"
                ))
                .about_absence(),
            );
        }
    }
}

/// Rules that need the whole platform.
pub(super) fn platform_rules(c: &mut Checker, p: &Platform) {
    workload_identity_consumers(c, p);
    cluster_vs_networks(c, p);
    private_endpoints(c, p);
    diagnostics_workspace(c, p);
    cluster_dependencies(c, p);
    grafana_roles(c, p);
}

/// Grafana's roles act on a metrics declaration's Managed Grafana, so one granted on metrics
/// without Grafana has nothing to act on.
fn grafana_roles(c: &mut Checker, p: &Platform) {
    for (iname, i) in &p.identities {
        for g in i.grants.iter().filter(|g| azure::is_grafana_role(&g.role)) {
            let Some(mt) = p
                .metrics
                .get(&g.target.name)
                .filter(|_| g.target.kind == "metrics")
            else {
                continue;
            };
            if mt.grafana {
                continue;
            }
            c.report(
                Diagnostic::new(
                    Code::MissingDependency,
                    format!(
                        "identity `{iname}` is granted \"{}\" on metrics `{}`, which has no Grafana",
                        g.role, g.target.name
                    ),
                    g.role_span,
                    "nothing to act on",
                )
                .with_secondary(mt.meta.span, "declared with `grafana = false`")
                .with_note("Grafana roles act on the metrics declaration's Managed Grafana, not on its Azure Monitor workspace")
                .with_help("remove the grant, or set `grafana = true` on the metrics declaration"),
            );
        }
    }
}

/// One subnet holds the private endpoints, and a private resource needs it.
fn private_endpoints(c: &mut Checker, p: &Platform) {
    let endpoint_subnets: Vec<(&String, &String, Span)> = p
        .networks
        .iter()
        .flat_map(|(n, net)| {
            net.subnets
                .iter()
                .filter(|(_, s)| s.private_endpoints)
                .map(move |(s, sub)| (n, s, sub.endpoints_at.unwrap_or(net.meta.span)))
        })
        .collect();
    if let [(fnet, fsub, first), rest @ ..] = endpoint_subnets.as_slice() {
        for (n, s, at) in rest {
            c.report(
                Diagnostic::new(
                    Code::Conflict,
                    format!("subnet `{n}.{s}` is a second private endpoint subnet"),
                    *at,
                    "second endpoint subnet",
                )
                .with_secondary(*first, format!("`{fnet}.{fsub}` holds them already"))
                .with_note("the platform's private endpoints and their DNS zones live in one subnet")
                .with_help(format!(
                    "keep `private_endpoints = true` on one subnet: remove it here, or from `{fnet}.{fsub}`"
                )),
            );
        }
    }
    for (n, _, _) in &endpoint_subnets {
        c.mark_used("network", n);
    }
    let private = private_resources(p);
    if endpoint_subnets.is_empty()
        && let Some((kind, name, span)) = private.first()
    {
        c.report(
                Diagnostic::new(Code::MissingDependency, format!("{kind} `{name}` is private, but no subnet holds private endpoints"), *span, "needs a private endpoint")
                    .with_note("`private_networking` defaults to true: Key Vault, registry and storage are reached through private endpoints")
                    .with_help("declare `network \"core\" { address_space = [10.20.0.0/16]  subnet \"endpoints\" { prefix = 10.20.8.0/24  private_endpoints = true } }`, or set `private = false` on it")
                    .about_absence(),
            );
    }
}

/// The resources reached through a private endpoint: kind, name and span.
fn private_resources(p: &Platform) -> Vec<(&str, &String, Span)> {
    p.vaults
        .iter()
        .filter(|(_, v)| v.private)
        .map(|(n, v)| ("vault", n, v.meta.span))
        .chain(
            p.registries
                .iter()
                .filter(|(_, r)| r.private)
                .map(|(n, r)| ("registry", n, r.meta.span)),
        )
        .chain(
            p.storages
                .iter()
                .filter(|(_, s)| s.private)
                .map(|(n, s)| ("storage", n, s.meta.span)),
        )
        .chain(
            p.appconfigs
                .iter()
                .filter(|(_, a)| a.private)
                .map(|(n, a)| ("appconfig", n, a.meta.span)),
        )
        .collect()
}

/// Private endpoints need a tier that offers them: `sku` (the text to change when it rules them
/// out) against `private`, set in the block or by the platform's `private_networking`.
pub(super) fn private_tier(c: &mut Checker, f: &Fields, what: &str, private: bool) {
    let (needs, offers): (&str, &[&str]) = match what {
        "registry" => ("premium", &["premium"]),
        _ => ("standard", &["standard", "premium", "developer"]),
    };
    let (Some(sku), Some(v)) = (f.str("sku"), f.value("sku")) else {
        return;
    };
    if !private || offers.contains(&sku.as_str()) {
        return;
    }
    let name = label(f.block);
    let mut d = Diagnostic::new(
        Code::MissingDependency,
        format!("{what} `{name}` is private, which the {sku} tier does not offer"),
        v.span,
        "no private endpoints on this tier",
    )
    .with_help(format!(
        "set `sku = {needs}`, or `private = false` to keep the {sku} tier on a public endpoint"
    ))
    .with_fix(v.span, needs);
    d = match f.value("private") {
        Some(p) => d.with_secondary(p.span, "private here"),
        None => d.with_note("it is private because the platform sets `private_networking`"),
    };
    c.report(d);
}

/// Diagnostic settings go to the one `logs` workspace, or to the one the platform names.
fn diagnostics_workspace(c: &mut Checker, p: &Platform) {
    if p.diagnostics.is_none() && p.logs.len() > 1 {
        // What is missing is a field of the platform block; the workspaces are the choice.
        let mut d = Diagnostic::new(
            Code::MissingField,
            "several `logs` workspaces: say which receives diagnostic settings",
            p.span,
            "needs `diagnostics = logs.NAME`",
        );
        for (name, l) in &p.logs {
            d = d.with_secondary(l.meta.span, format!("`logs.{name}`"));
        }
        let first = p.logs.keys().next().cloned().unwrap_or_default();
        c.report(d.with_help(format!(
            "add `diagnostics = logs.{first}` (or another of them) to the platform block"
        )));
        // Until one is named, none of them is unused.
        for name in p.logs.keys() {
            c.mark_used("logs", name);
        }
    }
    if p.diagnostics.is_none() && p.logs.len() == 1 {
        let only = p.logs.keys().next().cloned().unwrap_or_default();
        c.mark_used("logs", &only);
    }
}

/// What a cluster's GitOps sources and App Configuration provider read must be declared.
fn cluster_dependencies(c: &mut Checker, p: &Platform) {
    for (cname, cl) in &p.clusters {
        for (gname, g) in &cl.gitops {
            if let GitopsSource::Blob {
                storage, container, ..
            } = &g.source
                && let Some(s) = p.storages.get(storage)
                && !s.containers.contains(container)
            {
                c.report(missing_container(
                    (storage, s),
                    container,
                    g.container_at.unwrap_or(cl.meta.span),
                    (gname, cname),
                ));
            }
        }
        if let Some((ws, at)) = &cl.defender
            && let Some(l) = p.logs.get(ws)
            && !l.local_auth
        {
            c.report(
                Diagnostic::new(
                    Code::MissingDependency,
                    format!("Defender for Containers on cluster `{cname}` needs workspace `{ws}` to accept shared keys"),
                    *at,
                    "its sensor signs in with the workspace key",
                )
                .with_secondary(l.meta.span, "local authentication is off here")
                .with_help(format!("add `local_auth = true` to logs `{ws}`, best a workspace Defender has to itself")),
            );
        }
        if cl.app_config_provider && p.appconfigs.is_empty() {
            let at = cl
                .extension_spans
                .get("app_config_provider")
                .copied()
                .unwrap_or(cl.meta.span);
            c.report(
                Diagnostic::new(Code::MissingDependency, format!("cluster `{cname}` runs the App Configuration provider, but there is no App Configuration store"), at, "nothing to read")
                    .with_help("declare `appconfig \"settings\" { }`")
                    .about_absence(),
            );
        }
    }
}

/// A blob source's container that its storage does not declare: a typo of one it does, or one to
/// add to `containers`.
fn missing_container(
    (storage, s): (&str, &Storage),
    container: &str,
    at: Span,
    (gname, cname): (&str, &str),
) -> Diagnostic {
    let d = Diagnostic::new(
        Code::MissingDependency,
        format!("storage `{storage}` has no container `{container}` for gitops `{gname}` of cluster `{cname}`"),
        at,
        "no such container",
    )
    .with_secondary(s.meta.span, format!("storage `{storage}` is declared here"));
    match crate::diag::did_you_mean(container, s.containers.iter().map(String::as_str)) {
        Some(near) => d.suggest(at, format!("\"{near}\"")),
        None => d.with_help(format!(
            "add `\"{container}\"` to `containers` of storage `{storage}`"
        )),
    }
}

/// The platform's tags, beside the `azd-env-name` tag platc adds: Azure compares tag names
/// without case, so neither that one nor two differing only in case can be set.
pub(super) fn tags(c: &mut Checker, tags: &[(&ast::Ident, &ast::Value)]) {
    // The text that removes entry `i`, with the comma that joins it to its neighbour.
    let removal = |i: usize| match (i.checked_sub(1).map(|p| tags[p].1), tags.get(i + 1)) {
        (Some(prev), _) => Span {
            start: prev.span.end,
            ..tags[i].1.span
        },
        (None, Some((next, _))) => Span {
            end: next.span.start,
            ..tags[i].0.span
        },
        (None, None) => tags[i].0.span.to(tags[i].1.span),
    };
    for (i, (k, _)) in tags.iter().enumerate() {
        if k.name.eq_ignore_ascii_case("azd-env-name") {
            c.report(
                Diagnostic::new(
                    Code::Duplicate,
                    "platc sets the `azd-env-name` tag itself",
                    k.span,
                    "azd's own tag",
                )
                .with_note("azd finds the resource group of an environment by this tag")
                .with_help("remove it; every resource already carries the environment's name")
                .with_fix(removal(i), ""),
            );
        } else if let Some((first, _)) = tags[..i]
            .iter()
            .find(|(f, _)| f.name != k.name && f.name.eq_ignore_ascii_case(&k.name))
        {
            c.report(
                Diagnostic::new(
                    Code::Duplicate,
                    format!(
                        "tag `{}` differs from `{}` only in case",
                        k.name, first.name
                    ),
                    k.span,
                    "Azure takes these as one tag",
                )
                .with_secondary(first.span, "first here")
                .with_help("keep one of them")
                .with_fix(removal(i), ""),
            );
        }
    }
}
