//! The checked platform to Bicep syntax trees and azd files.
//!
//! `main.bicep` (subscription scope) creates the resource group and calls one module per
//! declaration. Each module is generated for its declaration with the platform's values written as
//! literals, so the type checker and the security scanner see real values; only what is known at
//! deployment time (names with the resource token, ids, principal ids, secrets) crosses as a
//! parameter. Declarations whose modules come out identical share one file.

mod cluster;
mod data;
mod envs;
mod envvars;
mod identity;
mod module;
mod sourcemap;

use crate::azure::{self, NameRule, PrivateLink, types};
use crate::bicep::{self, Decorator, Expr, Item, Obj, Part, Resource, Type, arr, call, id, s};
use crate::check::Checked;
use crate::diag::{Code, Diagnostic};
use crate::model::{Platform, StrValue};
use crate::source::{SourceMap, Span};
use crate::{Artifacts, Options};
use indexmap::IndexMap;
use module::Module;
use serde_json::json;

pub(crate) const TOKEN: &str = "resourceToken";

/// Everything modules need to know about the program as a whole.
pub(crate) struct Ctx<'a> {
    pub p: &'a Platform,
    sources: &'a SourceMap,
    /// The declaration that private endpoints go into: (network, subnet).
    pub endpoint_subnet: Option<(String, String)>,
    /// Log Analytics workspace that receives diagnostic settings.
    pub diagnostics: Option<String>,
    /// Private Link services some environment uses: their DNS zones exist in all of them.
    pub links: &'a [PrivateLink],
}

impl<'a> Ctx<'a> {
    pub fn new(p: &'a Platform, sources: &'a SourceMap, links: &'a [PrivateLink]) -> Self {
        let endpoint_subnet = p.networks.iter().find_map(|(n, net)| {
            net.subnets
                .iter()
                .find(|(_, s)| s.private_endpoints)
                .map(|(s, _)| (n.clone(), s.clone()))
        });
        Ctx {
            p,
            sources,
            endpoint_subnet,
            diagnostics: p
                .diagnostics
                .clone()
                .or_else(|| p.logs.keys().next().cloned()),
            links,
        }
    }

    /// `file:line` of a span, for comments that tie Bicep back to the `.plat`.
    pub fn origin(&self, span: Span) -> String {
        let (line, _) = self.sources.line_col(span.file, span.start as usize);
        format!("{}:{line}", self.sources.name(span.file))
    }

    /// The main.bicep identifier of a declaration's module.
    pub fn module_ident(kind: &str, name: &str) -> String {
        bicep::ident(kind, name)
    }

    pub fn output(kind: &str, name: &str, output: &str) -> Expr {
        id(Self::module_ident(kind, name)).dot(format!("outputs.{output}"))
    }

    pub fn logs_id(&self) -> Option<Expr> {
        self.diagnostics
            .as_ref()
            .map(|l| Self::output("logs", l, "id"))
    }
}

/// `'{prefix}{name}-${resourceToken}'`: the deployed name of a declaration.
pub(crate) fn azure_name(rule: &NameRule, decl: &str) -> Expr {
    let sep = if rule.hyphens { "-" } else { "" };
    Expr::Interp(vec![
        Part::Text(format!("{}{}{sep}", rule.prefix, rule.stem(decl)).into()),
        Part::Expr(id(TOKEN)),
    ])
}

/// Lowers the platform as every environment sees it into one set of files.
pub fn lower(
    checked: &Checked,
    sources: &SourceMap,
    options: &Options,
) -> Result<Artifacts, Vec<Diagnostic>> {
    let variants: Vec<&Platform> = std::iter::once(&checked.default)
        .chain(checked.environments.values())
        .collect();
    // Private DNS zones serve every environment that needs them.
    let mut links: Vec<PrivateLink> = Vec::new();
    for p in &variants {
        // Lowering can only fail where environments disagree; a check of a platform without them
        // has nothing to learn here.
        if options.check_only && checked.environments.is_empty() {
            return Ok(Artifacts::new());
        }
        for l in data::private_links(p) {
            if !links.contains(&l) {
                links.push(l);
            }
        }
    }
    links.sort();
    let mut sets: Vec<std::vec::IntoIter<Module>> = variants
        .iter()
        .map(|p| modules_for(p, sources, &links).into_iter())
        .collect();
    let mut modules = Vec::new();
    let mut settings: Vec<(String, Vec<envs::Lifted>)> = Vec::new();
    let mut errors = Vec::new();
    // One declaration at a time: its module as each environment lowered it.
    while let Some(versions) = sets
        .iter_mut()
        .map(Iterator::next)
        .collect::<Option<Vec<Module>>>()
    {
        if versions.len() == 1 {
            modules.extend(versions);
            continue;
        }
        let first = (versions[0].kind, versions[0].decl.clone(), versions[0].span);
        match envs::merge(
            &versions.iter().collect::<Vec<_>>(),
            "Differs by environment; main.bicep passes the value for the environment being deployed",
        ) {
            Ok((m, lifted)) => {
                if !lifted.is_empty() {
                    settings.push((Ctx::module_ident(m.kind, &m.decl), lifted));
                }
                modules.push(m);
            }
            Err(envs::Conflict(path)) => {
                let (kind, decl, span) = &first;
                errors.push(
                    Diagnostic::new(
                        Code::EnvironmentShape,
                        format!("{} `{}` differs between environments in a way one template cannot express (at `{path}`)", kind, decl),
                        *span,
                        "its environments disagree here",
                    )
                    .with_note("one template serves every environment, so where a resource refers to other resources, the properties it sets must be the same everywhere")
                    .with_help("give the field a value in the defaults as well and override it per environment: a field may change its value between environments, but not appear in one and be absent in another"),
                );
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if options.check_only {
        return Ok(Artifacts::new());
    }
    let mut env_vars: IndexMap<String, Option<String>> = IndexMap::new();
    for m in &mut modules {
        for (var, default) in envvars::module(m) {
            env_vars.entry(var).or_insert(default);
        }
    }
    for (_, lifted) in &mut settings {
        for l in lifted {
            envvars::settings(&mut l.values, &mut env_vars);
        }
    }
    share_modules(&mut modules);
    let ctx = Ctx::new(&checked.default, sources, &links);
    let env_names: Vec<&str> = checked.environments.keys().map(String::as_str).collect();
    let header = |what: &str| {
        vec![
            format!("Generated by platc from {}: {what}.", options.source_name),
            "Do not edit: change the .plat source and run `platc build`.".to_string(),
        ]
    };

    // Each module is printed once and its source-map entry taken; then its syntax tree is dropped,
    // keeping only what main.bicep needs. Identical bodies (below the two header lines) share a
    // file; a kind with one distinct body gets the plain area name.
    let body = |text: &str| text.splitn(3, '\n').nth(2).unwrap_or("").to_string();
    let mut texts: Vec<Option<String>> = Vec::with_capacity(modules.len());
    let mut owner: Vec<usize> = Vec::with_capacity(modules.len());
    let mut by_body: std::collections::HashMap<(&'static str, u64), Vec<usize>> =
        std::collections::HashMap::new();
    let mut entries = Vec::with_capacity(modules.len());
    for (i, m) in modules.iter_mut().enumerate() {
        if let Some(o) = m.shared_with {
            // Same body as an earlier module by construction: no need to print it again.
            owner.push(o);
            texts.push(None);
            entries.push(sourcemap::entry(sources, m));
            m.release();
            continue;
        }
        let text = m.print(&header(&format!("{} `{}`", m.kind, m.decl)));
        let b = body(&text);
        let hash = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            b.hash(&mut h);
            h.finish()
        };
        let same = by_body.entry((m.area, hash)).or_default();
        let found = same
            .iter()
            .copied()
            .find(|&o| texts[o].as_deref().is_some_and(|t| body(t) == b));
        match found {
            Some(o) => {
                owner.push(o);
                texts.push(None);
            }
            None => {
                same.push(i);
                owner.push(i);
                texts.push(Some(text));
            }
        }
        entries.push(sourcemap::entry(sources, m));
        m.release();
    }
    let mut per_area: IndexMap<&'static str, usize> = IndexMap::new();
    for (i, m) in modules.iter().enumerate() {
        if owner[i] == i {
            *per_area.entry(m.area).or_default() += 1;
        }
    }
    let mut artifacts = Artifacts::new();
    let mut paths: Vec<String> = Vec::new();
    for (i, m) in modules.iter().enumerate() {
        let file = if per_area[m.area] == 1 {
            format!("modules/{}.bicep", m.area)
        } else {
            format!("modules/{}-{}.bicep", m.area, modules[owner[i]].decl)
        };
        if let Some(text) = texts[i].take() {
            artifacts.insert(file.clone(), text);
        }
        paths.push(file);
    }

    let main = main_bicep(
        &ctx,
        &env_vars,
        &settings,
        &env_names,
        &mut modules,
        &paths,
        header("the subscription-scope entry point azd deploys"),
    );
    let mut out = Artifacts::new();
    out.insert("main.bicep".into(), bicep::print(&main));
    out.insert(
        "main.parameters.json".into(),
        parameters(&checked.default, &env_vars),
    );
    out.extend(artifacts);
    out.insert(
        "platc.map.json".into(),
        sourcemap::map(entries, &paths, &checked.default.name),
    );
    Ok(out)
}

/// Declarations of one kind whose modules differ only in values share one module: the values
/// become parameters (defaulting to the first declaration's, tables excepted) that each module
/// call passes. Done only where it makes the Bicep smaller by a tenth at least, and only for
/// modules whose calls pass the same parameters and carry no per-resource origins or environment
/// values (those stay exact per declaration).
fn share_modules(modules: &mut [Module]) {
    let mut groups: IndexMap<&'static str, Vec<usize>> = IndexMap::new();
    for (i, m) in modules.iter().enumerate() {
        // Origins of loop-made resources stay per declaration (the source map takes them before
        // the module is shared); origins on resources would name the first declaration's lines.
        let plain = m.lifted_params.is_empty()
            && m.items
                .iter()
                .all(|it| !matches!(it, Item::Resource(r) if r.origin.is_some()));
        if plain {
            groups.entry(m.area).or_default().push(i);
        }
    }
    for (_, members) in groups {
        // Within an area, only modules whose calls pass the same parameters can share.
        let mut by_params: IndexMap<Vec<String>, Vec<usize>> = IndexMap::new();
        for i in members {
            let keys = modules[i]
                .args
                .iter()
                .map(|a| format!("{:?}", a.key))
                .collect();
            by_params.entry(keys).or_default().push(i);
        }
        for (_, same) in by_params {
            if same.len() < 2 {
                continue;
            }
            let versions: Vec<&Module> = same.iter().map(|&i| &modules[i]).collect();
            // The declarations are alike, so the first one's size stands for each.
            let separate = versions[0].print(&[]).len() * versions.len();
            let Ok((mut merged, lifted)) = envs::merge(
                &versions,
                "Differs between the declarations that share this module; each module call passes its own",
            ) else {
                continue;
            };
            // A default table would be one declaration's data standing in a module of many.
            for p in &mut merged.lifted_params {
                if let Item::Param { default, .. } = p
                    && default.as_ref().is_some_and(envs::is_table)
                {
                    *default = None;
                }
            }
            // Each lifted value is written into its call instead, as a variable's worth of text.
            let mut lifted = lifted;
            let mut passed = 0;
            for v in lifted.iter_mut().flat_map(|l| &mut l.values) {
                let var = Item::Var {
                    comment: None,
                    name: String::new(),
                    value: std::mem::replace(v, Expr::Null),
                };
                passed += bicep::print_items(&[], [&var]).len();
                if let Item::Var { value, .. } = var {
                    *v = value;
                }
            }
            let shared = merged.print(&[]).len() + passed;
            if shared * 10 > separate * 9 {
                continue;
            }
            let mut merged = Some(merged);
            for (n, &i) in same.iter().enumerate() {
                let m = &mut modules[i];
                // Only the first is printed; the others keep their own items, which name their
                // resources literally for the source map.
                if n > 0 {
                    m.shared_with = Some(same[0]);
                } else if let Some(merged) = merged.take() {
                    m.params = merged.params;
                    m.items = merged.items;
                    m.outputs = merged.outputs;
                    m.lifted_params = merged.lifted_params;
                }
                for l in &mut lifted {
                    m.args.push(bicep::Prop {
                        key: bicep::Key::Name(l.param.clone().into()),
                        value: std::mem::replace(&mut l.values[n], Expr::Null),
                        comment: None,
                    });
                }
            }
        }
    }
}

/// One module per declaration, as one environment sees the platform.
fn modules_for(p: &Platform, sources: &SourceMap, links: &[PrivateLink]) -> Vec<Module> {
    let ctx = Ctx::new(p, sources, links);
    let mut modules: Vec<Module> = Vec::new();
    for (name, n) in &p.networks {
        modules.push(data::network(&ctx, name, n));
    }
    for (name, l) in &p.logs {
        modules.push(data::logs(&ctx, name, l));
    }
    for (name, m) in &p.metrics {
        modules.push(data::metrics(&ctx, name, m));
    }
    for (name, s) in &p.storages {
        modules.push(data::storage(&ctx, name, s));
    }
    for (name, r) in &p.registries {
        modules.push(data::registry(&ctx, name, r));
    }
    for (name, v) in &p.vaults {
        modules.push(data::vault(&ctx, name, v));
    }
    for (name, a) in &p.appconfigs {
        modules.push(data::appconfig(&ctx, name, a));
    }
    for (name, c) in &p.clusters {
        modules.push(cluster::cluster(&ctx, name, c));
    }
    for (name, i) in &p.identities {
        modules.push(identity::identity(&ctx, name, i));
    }
    modules
}

fn main_bicep(
    ctx: &Ctx,
    env_vars: &IndexMap<String, Option<String>>,
    settings: &[(String, Vec<envs::Lifted>)],
    env_names: &[&str],
    modules: &mut [Module],
    paths: &[String],
    header: Vec<String>,
) -> bicep::File {
    let p = ctx.p;
    let mut items = vec![Item::TargetScope("subscription")];
    items.push(Item::Param {
        decorators: vec![
            Decorator {
                name: "minLength",
                args: vec![Expr::Int(1)],
            },
            Decorator {
                name: "maxLength",
                args: vec![Expr::Int(64)],
            },
            Decorator::description("azd environment name (AZURE_ENV_NAME); part of the resource group name and the resource token"),
        ],
        name: "environmentName".into(),
        ty: Type::String,
        default: None,
    });
    items.push(Item::Param {
        decorators: vec![Decorator::description(
            "Azure region of the resource group and every resource",
        )],
        name: "location".into(),
        ty: Type::String,
        default: None,
    });
    items.push(Item::Param {
        decorators: vec![Decorator::description(
            "Object id of the principal running the deployment (AZURE_PRINCIPAL_ID); it gets the data-plane roles that deployments writing data need",
        )],
        name: "principalId".into(),
        ty: Type::String,
        default: Some(s("")),
    });
    items.push(Item::Param {
        decorators: vec![
            Decorator {
                name: "allowed",
                args: vec![arr(vec![s("User"), s("ServicePrincipal"), s("Group")])],
            },
            Decorator::description("Kind of principalId, as azd reports it (AZURE_PRINCIPAL_TYPE)"),
        ],
        name: "principalType".into(),
        ty: Type::String,
        default: Some(s("User")),
    });
    for (var, default) in env_vars {
        let note = match default {
            Some(d) => format!("From the azd environment variable {var} (`{d}` when unset)"),
            None => format!("From the azd environment variable {var}"),
        };
        items.push(Item::Param {
            decorators: vec![Decorator::description(note)],
            name: envvars::param_name(var),
            ty: Type::String,
            default: None,
        });
    }
    for (vname, v) in &p.vaults {
        for (sname, sec) in &v.secrets {
            items.push(Item::Param {
                decorators: vec![
                    Decorator::secure(),
                    Decorator::description(format!("Value of secret `{sname}` in vault `{vname}`, from the azd environment variable {}", sec.env)),
                ],
                name: secret_param(sname),
                ty: Type::String,
                default: None,
            });
        }
    }

    items.push(Item::Var {
        comment: Some("13 characters, stable for one subscription, environment and location: keeps global names unique".into()),
        name: TOKEN.into(),
        value: call("toLower", vec![call("uniqueString", vec![call("subscription", vec![]).dot("id"), id("environmentName"), id("location")])]),
    });
    let mut tags = Obj::new().set("azd-env-name", id("environmentName"));
    for (k, v) in &p.tags {
        tags.push(k.clone(), s(v.clone()));
    }
    items.push(Item::Var {
        comment: None,
        name: "tags".into(),
        value: tags.build(),
    });

    if !settings.is_empty() {
        let table = |variant: usize| {
            let mut o = Obj::new();
            for (module, lifted) in settings {
                let mut inner = Obj::new();
                for l in lifted {
                    inner.push(l.param.clone(), l.values[variant].clone());
                }
                o.push(module.clone(), inner.build());
            }
            o.build()
        };
        items.push(Item::Var {
            comment: Some(
                "Values that differ by environment, picked by environmentName at provision time.\nAn environment the platform does not name gets the defaults."
                    .into(),
            ),
            name: "defaultSettings".into(),
            value: table(0),
        });
        let mut by_env = Obj::new();
        for (i, name) in env_names.iter().enumerate() {
            by_env.push(name.to_string(), table(i + 1));
        }
        items.push(Item::Var {
            comment: None,
            name: "environmentSettings".into(),
            value: by_env.build(),
        });
        items.push(Item::Var {
            comment: None,
            name: "settings".into(),
            value: Expr::Ternary(
                Box::new(call(
                    "contains",
                    vec![id("environmentSettings"), id("environmentName")],
                )),
                Box::new(id("environmentSettings").index(id("environmentName"))),
                Box::new(id("defaultSettings")),
            ),
        });
    }

    let mut rg = Resource::new(
        "rg",
        types::RESOURCE_GROUP,
        Obj::new()
            .set(
                "name",
                Expr::Interp(vec![
                    Part::Text(format!("rg-{}-", p.name).into()),
                    Part::Expr(id("environmentName")),
                ]),
            )
            .set("location", id("location"))
            .set("tags", id("tags"))
            .build(),
    );
    rg.comment = Some(format!(
        "platform \"{}\": everything lives in this group, so `azd down` removes it all",
        p.name
    ));
    items.push(Item::Resource(rg));

    for (m, path) in modules.iter_mut().zip(paths) {
        items.push(Item::Module {
            comment: Some(format!(
                "{} \"{}\" ({})",
                m.kind,
                m.decl,
                ctx.origin(m.span)
            )),
            decorators: m
                .doc
                .iter()
                .map(|d| Decorator::description(d.clone()))
                .collect(),
            name: Ctx::module_ident(m.kind, &m.decl),
            path: format!("./{path}"),
            body: Obj::new()
                .set("name", s(format!("{}-{}", m.kind, m.decl)))
                .set("scope", id("rg"))
                .set("params", {
                    let mut args = std::mem::take(&mut m.args);
                    let module = Ctx::module_ident(m.kind, &m.decl);
                    if let Some((_, lifted)) = settings.iter().find(|(name, _)| *name == module) {
                        for l in lifted {
                            args.push(bicep::Prop {
                                key: bicep::Key::Name(l.param.clone().into()),
                                value: id("settings").dot(format!("{module}.{}", l.param)),
                                comment: None,
                            });
                        }
                    }
                    Expr::Object(args)
                })
                .build(),
        });
    }

    let mut outputs: Vec<(String, Expr)> = vec![
        ("AZURE_LOCATION".into(), id("location")),
        (
            "AZURE_TENANT_ID".into(),
            call("tenant", vec![]).dot("tenantId"),
        ),
        ("AZURE_RESOURCE_GROUP".into(), id("rg").dot("name")),
    ];
    // `|` marks where the declaration's name goes when a kind has several declarations:
    // AZURE_KEY_VAULT_NAME, or AZURE_KEY_VAULT_SECRETS_NAME beside AZURE_KEY_VAULT_CERTS_NAME.
    let mut add = |stem: &str, count: usize, kind: &str, name: &str, output: &str| {
        let (head, tail) = stem.split_once('|').unwrap_or((stem, ""));
        let key = if count == 1 {
            format!("AZURE_{head}{tail}")
        } else {
            format!(
                "AZURE_{head}_{}{tail}",
                name.to_ascii_uppercase().replace('-', "_")
            )
        };
        outputs.push((key, Ctx::output(kind, name, output)));
    };
    for name in p.clusters.keys() {
        add(
            "AKS_CLUSTER|_NAME",
            p.clusters.len(),
            "cluster",
            name,
            "name",
        );
        add(
            "AKS|_OIDC_ISSUER_URL",
            p.clusters.len(),
            "cluster",
            name,
            "oidcIssuerUrl",
        );
    }
    for name in p.vaults.keys() {
        add("KEY_VAULT|_NAME", p.vaults.len(), "vault", name, "name");
        add("KEY_VAULT|_ENDPOINT", p.vaults.len(), "vault", name, "uri");
    }
    for name in p.appconfigs.keys() {
        add(
            "APP_CONFIGURATION|_ENDPOINT",
            p.appconfigs.len(),
            "appconfig",
            name,
            "endpoint",
        );
    }
    for name in p.registries.keys() {
        add(
            "CONTAINER_REGISTRY|_NAME",
            p.registries.len(),
            "registry",
            name,
            "name",
        );
        add(
            "CONTAINER_REGISTRY|_ENDPOINT",
            p.registries.len(),
            "registry",
            name,
            "loginServer",
        );
    }
    for name in p.storages.keys() {
        add(
            "STORAGE_ACCOUNT|_NAME",
            p.storages.len(),
            "storage",
            name,
            "name",
        );
    }
    for name in p.logs.keys() {
        add(
            "LOG_ANALYTICS_WORKSPACE|_ID",
            p.logs.len(),
            "logs",
            name,
            "id",
        );
    }
    for (name, m) in &p.metrics {
        add(
            "MONITOR_WORKSPACE|_ID",
            p.metrics.len(),
            "metrics",
            name,
            "id",
        );
        if m.grafana {
            add(
                "GRAFANA|_ENDPOINT",
                p.metrics.len(),
                "metrics",
                name,
                "grafanaEndpoint",
            );
        }
    }
    for name in p.identities.keys() {
        // Always suffixed: the client id goes into each service account's annotation.
        outputs.push((
            format!(
                "AZURE_IDENTITY_{}_CLIENT_ID",
                name.to_ascii_uppercase().replace('-', "_")
            ),
            Ctx::output("identity", name, "clientId"),
        ));
    }
    for (name, value) in outputs {
        items.push(Item::Output {
            decorators: vec![],
            name,
            ty: Type::String,
            value,
        });
    }
    bicep::File { header, items }
}

/// Secret names are unique across the platform, so the secret alone names its parameter.
pub(crate) fn secret_param(secret: &str) -> String {
    bicep::ident("secret", secret)
}

/// `main.parameters.json`: azd substitutes `${VAR}` from the environment before deploying.
fn parameters(p: &Platform, env_vars: &IndexMap<String, Option<String>>) -> String {
    let mut params = serde_json::Map::new();
    params.insert(
        "environmentName".into(),
        json!({ "value": "${AZURE_ENV_NAME}" }),
    );
    let location = match &p.location {
        Some(StrValue::Literal(l)) => l.clone(),
        Some(StrValue::Env {
            name,
            default: Some(d),
        }) => format!("${{{name}={d}}}"),
        Some(StrValue::Env {
            name,
            default: None,
        }) => format!("${{{name}}}"),
        None => "${AZURE_LOCATION}".into(),
    };
    params.insert("location".into(), json!({ "value": location }));
    params.insert(
        "principalId".into(),
        json!({ "value": "${AZURE_PRINCIPAL_ID}" }),
    );
    params.insert(
        "principalType".into(),
        json!({ "value": "${AZURE_PRINCIPAL_TYPE=User}" }),
    );
    for v in p.vaults.values() {
        for (sname, sec) in &v.secrets {
            params.insert(
                secret_param(sname),
                json!({ "value": format!("${{{}}}", sec.env) }),
            );
        }
    }
    for (var, default) in env_vars {
        let value = match default {
            Some(d) => format!("${{{var}={d}}}"),
            None => format!("${{{var}}}"),
        };
        params.insert(envvars::param_name(var), json!({ "value": value }));
    }
    let doc = json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
        "contentVersion": "1.0.0.0",
        "parameters": params,
    });
    let mut text = serde_json::to_string_pretty(&doc).expect("JSON values always serialise");
    text.push('\n');
    text
}

/// Who a role assignment is for.
pub(crate) enum Principal {
    /// A managed identity: its principal id, and a resource id that names the assignment. The name
    /// must be known when the deployment starts, so it never derives from the principal id, which
    /// exists only once the identity does.
    Managed { principal_id: Expr, seed: Expr },
    /// The principal running `azd provision` (the module's `principalId` and `principalType`
    /// parameters); nothing is assigned when azd supplies none.
    Deployer,
}

/// `Microsoft.Authorization/roleAssignments` of a built-in role, scoped to the resource `scope`.
pub(crate) fn role_assignment(
    m: &mut Module,
    name: &str,
    scope: &str,
    principal: Principal,
    role: &str,
    comment: Option<String>,
) {
    let role_id = azure::role_id(role).expect("roles used by the lowering are in the table");
    let (seed, principal_id, principal_type, condition) = match principal {
        Principal::Managed { principal_id, seed } => {
            (seed, principal_id, s("ServicePrincipal"), None)
        }
        Principal::Deployer => {
            let p = m.param(
                "principalId",
                Type::String,
                "Principal running the deployment (AZURE_PRINCIPAL_ID); empty skips its roles",
                id("principalId"),
            );
            let t = m.param(
                "principalType",
                Type::String,
                "Kind of principalId (AZURE_PRINCIPAL_TYPE)",
                id("principalType"),
            );
            (
                p.clone(),
                p.clone(),
                t,
                Some(Expr::Not(Box::new(call("empty", vec![p])))),
            )
        }
    };
    let mut r = Resource::new(
        name,
        types::ROLE_ASSIGNMENT,
        Obj::new()
            .set(
                "name",
                call(
                    "guid",
                    vec![id(scope.to_string()).dot("id"), seed, s(role_id)],
                ),
            )
            .set("scope", id(scope.to_string()))
            .set(
                "properties",
                Obj::new()
                    .set_commented(
                        "roleDefinitionId",
                        call(
                            "subscriptionResourceId",
                            vec![s(azure::ROLE_DEFINITION_TYPE), s(role_id)],
                        ),
                        role,
                    )
                    .set("principalId", principal_id)
                    .set("principalType", principal_type)
                    .build(),
            )
            .build(),
    );
    r.comment = comment;
    r.condition = condition;
    m.push(Item::Resource(r));
}

/// Diagnostic settings sending a resource's logs and metrics to the platform's workspace.
pub(crate) fn diagnostics(
    name: &str,
    scope: &str,
    workspace: Expr,
    logs: LogSel,
    metrics: bool,
) -> Item {
    let logs = match logs {
        LogSel::None => vec![],
        LogSel::Group(g) => vec![
            Obj::new()
                .set("categoryGroup", s(g))
                .set("enabled", Expr::Bool(true))
                .build(),
        ],
        LogSel::Categories(cs) => cs
            .iter()
            .map(|c| {
                Obj::new()
                    .set("category", s(*c))
                    .set("enabled", Expr::Bool(true))
                    .build()
            })
            .collect(),
    };
    let metrics = if metrics {
        vec![
            Obj::new()
                .set("category", s("AllMetrics"))
                .set("enabled", Expr::Bool(true))
                .build(),
        ]
    } else {
        vec![]
    };
    let mut props = Obj::new().set("workspaceId", workspace);
    if !logs.is_empty() {
        props.push("logs", arr(logs));
    }
    if !metrics.is_empty() {
        props.push("metrics", arr(metrics));
    }
    Item::Resource(Resource::new(
        name,
        types::DIAGNOSTICS,
        Obj::new()
            .set("name", s("to-log-analytics"))
            .set("scope", id(scope.to_string()))
            .set("properties", props.build())
            .build(),
    ))
}

pub(crate) enum LogSel {
    /// Metrics only: the resource has no log categories.
    None,
    Group(&'static str),
    Categories(&'static [&'static str]),
}
