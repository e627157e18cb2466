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
mod gitops;
mod grants;
mod identity;
mod json;
mod module;
mod sourcemap;

use crate::azure::diagnostics::Logs as DiagLogs;
use crate::azure::{self, NameRule, PrivateLink, types};
use crate::bicep::{self, Decorator, Expr, Item, Obj, Part, Resource, Type, arr, call, id, s};
use crate::check::Checked;
use crate::collections::IndexMap;
use crate::diag::{Code, Diagnostic};
use crate::model::{Platform, StrValue};
use crate::source::{SourceMap, Span};
use crate::{Artifacts, Options};
use module::Module;

pub(crate) const TOKEN: &str = "resourceToken";

/// The length the data collection names (`MSProm-<region>-<cluster>`) are cut to; `platc verify`
/// matches names cut there.
pub(crate) const NAME_CUT: usize = 44;

/// Everything modules need to know about the program as a whole.
pub(crate) struct Ctx<'a> {
    pub p: &'a Platform,
    pub sources: &'a SourceMap,
    /// The declaration that private endpoints go into: (network, subnet).
    pub endpoint_subnet: Option<(String, String)>,
    /// Log Analytics workspace that receives diagnostic settings.
    pub diagnostics: Option<String>,
    /// Private Link services some environment uses: their DNS zones exist in all of them.
    pub links: &'a [PrivateLink],
    /// What the environments change beyond each module's own values.
    pub envs: &'a Environments,
}

/// The platform's environments, as lowering needs them beside each one's platform.
pub(crate) struct Environments {
    /// Declared environments, in the order `Checked::environments` has them.
    pub names: Vec<String>,
    /// Secrets whose value some environment takes from another azd environment variable:
    /// secret name → (environment, variable) for each such environment.
    pub secret_overrides: IndexMap<String, Vec<(String, String)>>,
    /// The platform's tags in each environment that has its own.
    pub tags: Vec<(String, IndexMap<String, String>)>,
}

impl<'a> Ctx<'a> {
    pub fn new(
        p: &'a Platform,
        sources: &'a SourceMap,
        links: &'a [PrivateLink],
        envs: &'a Environments,
    ) -> Self {
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
            envs,
        }
    }

    /// The value a vault module is given for secret `name`: its main.bicep parameter, or, where
    /// environments take it from different variables, the one for the environment deployed.
    pub fn secret_value(&self, name: &str) -> Expr {
        let mut value = id(secret_param(name));
        for (env, _) in self
            .envs
            .secret_overrides
            .get(name)
            .into_iter()
            .flatten()
            .rev()
        {
            value = envs::when_environment(env, id(secret_env_param(name, env)), value);
        }
        value
    }

    /// Every secure parameter main.bicep declares for secrets: (parameter, secret, vault, azd
    /// variable), each secret's default first, then one per environment that overrides it.
    fn secret_params(&self) -> impl Iterator<Item = (String, &'a str, &'a str, &'a str)> {
        let overrides = &self.envs.secret_overrides;
        self.p.vaults.iter().flat_map(move |(vname, v)| {
            v.secrets.iter().flat_map(move |(sname, sec)| {
                let overrides = overrides.get(sname).into_iter().flatten();
                std::iter::once((
                    secret_param(sname),
                    sname.as_str(),
                    vname.as_str(),
                    sec.env.as_str(),
                ))
                .chain(overrides.map(move |(env, var)| {
                    (
                        secret_env_param(sname, env),
                        sname.as_str(),
                        vname.as_str(),
                        var.as_str(),
                    )
                }))
            })
        })
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

/// The kinds of declaration, in the order their modules appear in main.bicep. Lowering goes one
/// kind at a time: its modules are built, merged across environments, shared, printed and
/// dropped before the next kind is built, so a large platform never holds every syntax tree.
const KINDS: [&str; 10] = [
    "network",
    "logs",
    "metrics",
    "storage",
    "registry",
    "vault",
    "appconfig",
    "cluster",
    "identity",
    // Last: Flux installs software as soon as its configurations exist (see `gitops`).
    "gitops",
];

/// Lowers the platform as every environment sees it into one set of files.
pub fn lower(
    checked: &Checked,
    sources: &SourceMap,
    options: &Options,
) -> Result<(Artifacts, Vec<Diagnostic>), Vec<Diagnostic>> {
    // The outputs themselves are built with main.bicep, beside the parameters and the source
    // map; the limits need only how many there are.
    let warnings = limits(&checked.default, main_outputs_count(&checked.default));
    // Lowering can only fail where environments disagree; a check of a platform without them
    // has nothing more to learn here.
    if options.check_only && checked.environments.is_empty() {
        return Ok((Artifacts::new(), warnings));
    }
    let variants: Vec<&Platform> = std::iter::once(&checked.default)
        .chain(checked.environments.values())
        .collect();
    let links = private_links(&variants);
    let environments = Environments::of(checked);
    let ctx = Ctx::new(&checked.default, sources, &links, &environments);
    let header = |what: &str| {
        vec![
            format!("Generated by platc from {}: {what}.", options.source_name),
            "Do not edit: change the .plat source and run `platc build`.".to_string(),
        ]
    };
    let work =
        |kind: &'static str| lower_kind(kind, &variants, sources, &links, &ctx, options, &header);
    let outs = lower_kinds(&work, !options.check_only);
    let Gathered {
        settings,
        env_vars,
        artifacts,
        calls,
        maps,
    } = gather(outs, &header)?;
    if options.check_only {
        return Ok((Artifacts::new(), warnings));
    }
    let env_names: Vec<&str> = checked.environments.keys().map(String::as_str).collect();
    let main = || {
        main_bicep(
            &ctx,
            &env_vars,
            &settings,
            &env_names,
            main_outputs(&checked.default),
            calls,
            header("the subscription-scope entry point azd deploys"),
        )
    };
    let rest = || {
        (
            parameters(&ctx, &env_vars),
            sourcemap::map(maps, &checked.default.name),
        )
    };
    // main.bicep on this thread, the parameters file and the source map on another: at N=1000
    // in the benchmark, 166 ms for a build rather than 173 (median of 15).
    let ((params, map), main) = crate::join(rest, main);
    let mut out = Artifacts::new();
    out.insert("main.bicep".into(), main);
    out.insert("main.parameters.json".into(), params);
    out.extend(artifacts);
    out.insert("platc.map.json".into(), map);
    let marker = crate::output::marker(out.keys().map(String::as_str));
    out.insert(crate::output::MARKER.into(), marker);
    Ok((out, warnings))
}

/// The Private Link services some environment uses: their DNS zones serve every environment.
fn private_links(variants: &[&Platform]) -> Vec<PrivateLink> {
    let mut links: Vec<PrivateLink> = Vec::new();
    for p in variants {
        for l in data::private_links(p) {
            if !links.contains(&l) {
                links.push(l);
            }
        }
    }
    links.sort();
    links
}

impl Environments {
    fn of(checked: &Checked) -> Environments {
        Environments {
            names: checked.environments.keys().cloned().collect(),
            secret_overrides: secret_overrides(checked),
            tags: checked
                .environments
                .iter()
                .filter(|(_, p)| p.tags != checked.default.tags)
                .map(|(env, p)| (env.clone(), p.tags.clone()))
                .collect(),
        }
    }
}

/// Every kind lowered, in `KINDS` order. Kinds are independent until main.bicep is assembled:
/// with `parallel`, two threads take them, largest first, and the results keep `KINDS` order, so
/// the output is the same. At N=1000 in the benchmark that takes a build from 200 to 166 ms
/// (median of 15).
fn lower_kinds(
    work: &(dyn Fn(&'static str) -> KindOut + Sync),
    parallel: bool,
) -> Vec<Option<KindOut>> {
    let mut outs: Vec<Option<KindOut>> = KINDS.iter().map(|_| None).collect();
    if !parallel || crate::threads() < 2 {
        for (kind, out) in KINDS.iter().zip(&mut outs) {
            *out = Some(work(kind));
        }
        return outs;
    }
    let by_size = |k: &&str| match *k {
        "cluster" => 0,
        "appconfig" => 1,
        "identity" => 2,
        "vault" => 3,
        _ => 4,
    };
    let mut order: Vec<usize> = (0..KINDS.len()).collect();
    order.sort_by_key(|&i| by_size(&KINDS[i]));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<KindOut>>> =
        KINDS.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|s| {
        let take = || loop {
            let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(&i) = order.get(n) else { break };
            let out = work(KINDS[i]);
            *slots[i].lock().expect("no lowering thread panics") = Some(out);
        };
        s.spawn(take);
        take();
    });
    for (slot, out) in slots.into_iter().zip(&mut outs) {
        *out = slot.into_inner().expect("no lowering thread panics");
    }
    outs
}

/// Every kind's share of the output, put together in `KINDS` order.
struct Gathered {
    settings: Vec<(String, Vec<envs::Lifted>)>,
    env_vars: IndexMap<String, Option<String>>,
    artifacts: Artifacts,
    calls: Vec<String>,
    maps: Vec<String>,
}

/// The kinds' shares put together, with the grant modules they call, or every kind's errors.
fn gather(
    outs: Vec<Option<KindOut>>,
    header: &dyn Fn(&str) -> Vec<String>,
) -> Result<Gathered, Vec<Diagnostic>> {
    let mut g = Gathered {
        settings: Vec::new(),
        env_vars: IndexMap::default(),
        artifacts: Artifacts::new(),
        calls: Vec::new(),
        maps: Vec::new(),
    };
    let mut grants = Vec::new();
    let mut errors = Vec::new();
    for out in outs.into_iter().flatten() {
        g.settings.extend(out.settings);
        for (var, default) in out.env_vars {
            g.env_vars.entry(var).or_insert(default);
        }
        errors.extend(out.errors);
        for (file, text) in out.files {
            if let Some(text) = text {
                g.artifacts.insert(file, text);
            }
        }
        g.calls.push(out.calls);
        g.maps.push(out.map);
        for path in out.grants {
            if !grants.contains(&path) {
                grants.push(path);
            }
        }
    }
    if errors.is_empty() {
        g.artifacts.extend(grants::files(&grants, header));
        Ok(g)
    } else {
        Err(errors)
    }
}

/// `head`, then `parts` in order, then `tail`, in one allocation of the exact size: main.bicep and
/// the source map are assembled from each kind's text, and each part is freed once copied.
fn join(head: &str, parts: Vec<String>, tail: &str) -> String {
    let total = head.len() + parts.iter().map(String::len).sum::<usize>() + tail.len();
    let mut text = String::with_capacity(total);
    text.push_str(head);
    for p in parts {
        text.push_str(&p);
    }
    text.push_str(tail);
    text
}

/// One kind's share of the output.
struct KindOut {
    settings: Vec<(String, Vec<envs::Lifted>)>,
    env_vars: IndexMap<String, Option<String>>,
    errors: Vec<Diagnostic>,
    /// This kind's deployments in the source map (`sourcemap::write_entry`).
    map: String,
    /// (file, text): the text only where this module's file is first printed.
    files: Vec<(String, Option<String>)>,
    /// main.bicep's `module` item for each, printed as soon as the module is done, so that the
    /// module itself can be dropped; each after a blank line.
    calls: String,
    /// The grant modules (`grants`) this kind's modules call.
    grants: Vec<&'static str>,
}

/// Lowers every declaration of one kind, one at a time: its module is built in each environment
/// and merged, its source-map entry taken, and, where it joins a group of alike declarations,
/// compared with the group's first and dropped; then the groups share modules and every module
/// call is printed.
fn lower_kind(
    kind: &'static str,
    variants: &[&Platform],
    sources: &SourceMap,
    links: &[PrivateLink],
    ctx: &Ctx,
    options: &Options,
    header: &(dyn Fn(&str) -> Vec<String> + Sync),
) -> KindOut {
    let mut out = KindOut {
        settings: Vec::new(),
        env_vars: IndexMap::default(),
        errors: Vec::new(),
        map: String::new(),
        files: Vec::new(),
        calls: String::new(),
        grants: Vec::new(),
    };
    let ctxs: Vec<Ctx> = variants
        .iter()
        .map(|p| Ctx::new(p, sources, links, ctx.envs))
        .collect();
    let count = ctxs
        .iter()
        .map(|c| declaration_names(c.p, kind).len())
        .min()
        .unwrap_or(0);
    let declaration = |i: usize| merged_declaration(&ctxs, kind, i);
    // Declarations whose modules may share one (`share_by_diffs`, `share_whole`), by area and
    // the parameters their calls pass. Each is compared with its group's first as soon as it is
    // lowered, and only what differs is kept.
    let mut groups: IndexMap<(&'static str, Vec<String>), Group> = IndexMap::default();
    let mut modules: Vec<Module> = Vec::with_capacity(count);
    let mut entries: Vec<sourcemap::Entry> = Vec::with_capacity(count);
    for i in 0..count {
        let (mut m, lifted) = match declaration(i) {
            Ok(x) => x,
            Err(d) => {
                out.errors.push(*d);
                continue;
            }
        };
        if !lifted.is_empty() {
            out.settings
                .push((Ctx::module_ident(m.kind, &m.decl), lifted));
        }
        if options.check_only || !out.errors.is_empty() {
            continue;
        }
        for (var, default) in envvars::module(&mut m) {
            out.env_vars.entry(var).or_insert(default);
        }
        // Each declaration's resources by name, before sharing replaces its values.
        entries.push(sourcemap::entry(sources, &mut m));
        if shareable(&m) {
            join_group(&mut groups, &modules, &mut m, options);
        }
        modules.push(m);
    }
    if !out.errors.is_empty() || options.check_only {
        return out;
    }
    for (_, lifted) in &mut out.settings {
        for l in lifted {
            envvars::settings(&mut l.values, &mut out.env_vars);
        }
    }
    // The module each declaration had, for groups that share none or that only the comparison
    // of whole modules can share.
    let rebuild = |i: usize| {
        let (mut m, _) = declaration(i)
            .unwrap_or_else(|_| unreachable!("a declaration that lowered once lowers again"));
        envvars::module(&mut m);
        m.origins = Vec::new();
        m
    };
    share_groups(groups, &mut modules, &rebuild);
    print_kind(&mut out, &mut modules, entries, ctx, header);
    out
}

/// One declaration's module, as each environment lowered it, merged; values that differ by
/// environment become parameters (the `Lifted`).
fn merged_declaration(
    ctxs: &[Ctx],
    kind: &'static str,
    i: usize,
) -> Result<(Module, Vec<envs::Lifted>), Box<Diagnostic>> {
    let mut versions: Vec<Module> = ctxs.iter().filter_map(|c| module_at(c, kind, i)).collect();
    if versions.len() == 1
        && let Some(m) = versions.pop()
    {
        return Ok((m, Vec::new()));
    }
    envs::merge(
        &versions.iter().collect::<Vec<_>>(),
        &ctxs[0].envs.names,
        "Differs by environment; main.bicep passes the value for the environment being deployed",
    )
    .map_err(|envs::Conflict(path)| {
        let (kind, decl, span) = (versions[0].kind, &versions[0].decl, versions[0].span);
        Box::new(Diagnostic::new(
            Code::EnvironmentShape,
            format!("{kind} `{decl}` differs between environments in a way one template cannot express (at `{path}`)"),
            span,
            "its environments disagree here",
        )
        .with_note("one template serves every environment, so where a resource refers to other resources, the properties it sets must be the same everywhere")
        .with_help("give the field a value in the defaults as well and override it per environment: a field may change its value between environments, but not appear in one and be absent in another"))
    })
}

/// Puts module `m` (about to be pushed onto `modules`) in the group of declarations alike in
/// area and parameters: the first of its group, or a member compared with the first at once
/// and then released.
fn join_group(
    groups: &mut IndexMap<(&'static str, Vec<String>), Group>,
    modules: &[Module],
    m: &mut Module,
    options: &Options,
) {
    let at = modules.len();
    let key = (m.area, param_keys(m));
    match groups.get_mut(&key) {
        None => {
            groups.insert(
                key,
                Group {
                    first: at,
                    members: Vec::new(),
                    diffs: (!options.compare_whole_modules).then(Vec::new),
                },
            );
        }
        Some(g) => {
            if let Some(diffs) = &mut g.diffs {
                match envs::diff(&modules[g.first], m) {
                    Some(d) => diffs.push(d),
                    None => g.diffs = None,
                }
            }
            g.members.push(at);
            m.release();
        }
    }
}

/// Shares modules within each group: from the members' differences where they tell, else by
/// comparing whole modules, rebuilt.
fn share_groups(
    groups: IndexMap<(&'static str, Vec<String>), Group>,
    modules: &mut [Module],
    rebuild: &dyn Fn(usize) -> Module,
) {
    for g in groups.into_values() {
        if g.members.is_empty() {
            continue;
        }
        let shared = g
            .diffs
            .and_then(|diffs| share_by_diffs(modules, g.first, &g.members, diffs));
        if shared == Some(true) {
            continue;
        }
        for &i in &g.members {
            modules[i] = rebuild(i);
        }
        // `Some(false)`: sharing would not make the Bicep smaller, so each keeps its own module.
        if shared.is_none() {
            let group: Vec<usize> = std::iter::once(g.first).chain(g.members).collect();
            share_whole(modules, &group);
        }
    }
}

/// A kind's modules printed into files, their source-map entries and main.bicep's calls.
fn print_kind(
    out: &mut KindOut,
    modules: &mut [Module],
    entries: Vec<sourcemap::Entry>,
    ctx: &Ctx,
    header: &(dyn Fn(&str) -> Vec<String> + Sync),
) {
    for m in modules.iter() {
        grants::used_by(m, &mut out.grants);
    }
    let files = print_modules(modules, header);
    out.map.reserve(
        entries
            .iter()
            .zip(&files)
            .map(|(e, (file, _))| sourcemap::entry_len(e, file))
            .sum(),
    );
    for ((m, (file, text)), entry) in modules.iter_mut().zip(files).zip(entries) {
        sourcemap::write_entry(&mut out.map, entry, &file);
        let call = module_call(ctx, m, &file, &out.settings);
        let mut calls = std::mem::take(&mut out.calls);
        calls.push('\n');
        out.calls = bicep::print_items_into(calls, &[], [&call]);
        out.files.push((file, text));
    }
}

/// Declarations that may share a module: the first (by index into the kind's modules), the
/// others, and how each other differs from the first (`None` once one differs in a way only
/// `share_whole` handles).
struct Group {
    first: usize,
    members: Vec<usize>,
    diffs: Option<Vec<envs::Diff>>,
}

/// Whether a module can share its file with others: origins of loop-made resources stay per
/// declaration (the source map takes them before the module is shared); origins on resources
/// would name the first declaration's lines.
fn shareable(m: &Module) -> bool {
    m.lifted_params.is_empty()
        && m.items
            .iter()
            .all(|it| !matches!(it, Item::Resource(r) if r.origin.is_some()))
}

/// The parameters a module's call passes: only modules whose calls pass the same ones share.
fn param_keys(m: &Module) -> Vec<String> {
    m.args
        .iter()
        .map(|a| match &a.key {
            bicep::Key::Name(name) => name.to_string(),
            // Never a parameter's name; kept apart from every name all the same.
            bicep::Key::Expr(e) => format!("[{e:?}]"),
        })
        .collect()
}

/// `share_whole` for one group from the others' differences to the first: `Some(true)` when
/// they share, `Some(false)` when sharing would not make the Bicep smaller by a tenth, `None`
/// when only the comparison of whole modules can tell.
fn share_by_diffs(
    modules: &mut [Module],
    first: usize,
    members: &[usize],
    diffs: Vec<envs::Diff>,
) -> Option<bool> {
    let n = members.len() + 1;
    // The declarations are alike, so the first one's size stands for each.
    let separate = modules[first].print(&[]).len() * n;
    let (mut merged, lifted) = envs::merge_diffs(&modules[first], diffs, SHARED)?;
    let passed = drop_table_defaults(&mut merged, &lifted, n);
    let shared = merged.print(&[]).len() + passed;
    if shared * 10 > separate * 9 {
        return Some(false);
    }
    modules[first].adopt(merged);
    for l in lifted {
        for (value, &i) in l
            .values
            .into_iter()
            .zip(std::iter::once(&first).chain(members))
        {
            let m = &mut modules[i];
            if i != first {
                m.shared_with = Some(first);
            }
            m.args.push(bicep::Prop {
                key: bicep::Key::Name(l.param.clone().into()),
                value,
                comment: None,
            });
        }
    }
    for &i in members {
        modules[i].shared_with = Some(first);
    }
    Some(true)
}

/// What lifted parameters describe themselves as.
const SHARED: &str =
    "Differs between the declarations that share this module; each module call passes its own";

/// Drops the defaults of lifted tables (one declaration's data standing in a module of many) and
/// returns how much text the `n` calls pass, each value as a variable's worth of text, the first
/// declaration's values standing for the others'.
fn drop_table_defaults(merged: &mut Module, lifted: &[envs::Lifted], n: usize) -> usize {
    for p in &mut merged.lifted_params {
        if let Item::Param { default, .. } = p
            && default.as_ref().is_some_and(envs::is_table)
        {
            *default = None;
        }
    }
    lifted
        .iter()
        .map(|l| {
            let var = Item::Var {
                comment: None,
                name: String::new(),
                value: l.values[0].clone(),
            };
            bicep::print_items(&[], [&var]).len() * n
        })
        .sum()
}

/// Prints the modules of one kind: (file, text), the text only for the first module of each
/// distinct body; modules that share a file are printed once. Each syntax tree is dropped once
/// printed. A kind with one distinct body gets the plain area name.
fn print_modules(
    modules: &mut [Module],
    header: &(dyn Fn(&str) -> Vec<String> + Sync),
) -> Vec<(String, Option<String>)> {
    let body = |text: &str| text.splitn(3, '\n').nth(2).unwrap_or("").to_string();
    let mut texts: Vec<Option<String>> = Vec::with_capacity(modules.len());
    let mut owner: Vec<usize> = Vec::with_capacity(modules.len());
    let mut by_body: std::collections::HashMap<u64, Vec<usize>> = std::collections::HashMap::new();
    for (i, m) in modules.iter_mut().enumerate() {
        if let Some(o) = m.shared_with {
            // Same body as an earlier module by construction: no need to print it again.
            owner.push(o);
            texts.push(None);
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
        let same = by_body.entry(hash).or_default();
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
        m.release();
    }
    let distinct = owner.iter().enumerate().filter(|(i, o)| i == *o).count();
    modules
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let file = if distinct == 1 {
                format!("modules/{}.bicep", m.area)
            } else {
                format!("modules/{}-{}.bicep", m.area, modules[owner[i]].decl)
            };
            (file, texts[i].take())
        })
        .collect()
}

/// main.bicep's call of one module, passing its arguments (taken from the module) and the values
/// it takes from the environment's settings.
fn module_call(
    ctx: &Ctx,
    m: &mut Module,
    path: &str,
    settings: &[(String, Vec<envs::Lifted>)],
) -> Item {
    let module = Ctx::module_ident(m.kind, &m.decl);
    let mut args = std::mem::take(&mut m.args);
    if let Some((_, lifted)) = settings.iter().find(|(name, _)| *name == module) {
        for l in lifted {
            args.push(bicep::Prop {
                key: bicep::Key::Name(l.param.clone().into()),
                value: id("settings").dot(format!("{module}.{}", l.param)),
                comment: None,
            });
        }
    }
    Item::Module {
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
        name: module.clone(),
        path: format!("./{path}"),
        body: Obj::new()
            .set("name", s(format!("{}-{}", m.kind, m.decl)))
            .set("scope", id("rg"))
            .set("params", Expr::Object(args))
            .build(),
    }
}

/// Shares one module among declarations alike in shape (one area, the same parameters passed,
/// `shareable`), comparing their whole modules: what `share_by_diffs` does from differences,
/// for the groups it cannot judge. `group` indexes `modules`, the first declaration first.
fn share_whole(modules: &mut [Module], group: &[usize]) {
    let n = group.len();
    if n < 2 {
        return;
    }
    let versions: Vec<&Module> = group.iter().map(|&i| &modules[i]).collect();
    let separate = versions[0].print(&[]).len() * n;
    let Ok((mut merged, mut lifted)) = envs::merge_in_place(&versions, SHARED) else {
        return;
    };
    let passed = drop_table_defaults(&mut merged, &lifted, n);
    let shared = merged.print(&[]).len() + passed;
    if shared * 10 > separate * 9 {
        return;
    }
    // The values each call passes, moved out of the declarations' own modules (the first
    // one's is the default the merge kept).
    let mut values: Vec<Vec<Option<Expr>>> = Vec::with_capacity(n);
    values.push(
        lifted
            .iter_mut()
            .map(|l| (l.values.len() == 1).then(|| l.values.remove(0)))
            .collect(),
    );
    for &i in &group[1..] {
        values.push(envs::take_lifted(
            &merged.items,
            &mut modules[i].items,
            &lifted,
        ));
    }
    let mut merged = Some(merged);
    for (n, &i) in group.iter().enumerate() {
        let m = &mut modules[i];
        // Only the first is printed; the others keep their own items, which name their
        // resources literally for the source map.
        if n > 0 {
            m.shared_with = Some(group[0]);
        } else if let Some(merged) = merged.take() {
            m.adopt(merged);
        }
        for (k, l) in lifted.iter().enumerate() {
            let value = values[n][k]
                .take()
                .or_else(|| l.values.get(n).cloned())
                .expect("a lifted value for every declaration that shares the module");
            m.args.push(bicep::Prop {
                key: bicep::Key::Name(l.param.clone().into()),
                value,
                comment: None,
            });
        }
    }
}

/// The names of a kind's declarations, in order.
fn declaration_names<'a>(p: &'a Platform, kind: &str) -> Vec<&'a str> {
    fn names<T>(decls: &IndexMap<String, T>) -> Vec<&str> {
        decls.keys().map(String::as_str).collect()
    }
    match kind {
        "network" => names(&p.networks),
        "logs" => names(&p.logs),
        "metrics" => names(&p.metrics),
        "storage" => names(&p.storages),
        "registry" => names(&p.registries),
        "vault" => names(&p.vaults),
        "appconfig" => names(&p.appconfigs),
        "cluster" => names(&p.clusters),
        "identity" => names(&p.identities),
        "gitops" => p
            .clusters
            .iter()
            .filter(|(n, c)| gitops::has_gitops(p, n, c))
            .map(|(n, _)| n.as_str())
            .collect(),
        _ => Vec::new(),
    }
}

/// The module of the `i`th declaration of a kind, as one environment sees the platform.
fn module_at(ctx: &Ctx, kind: &str, i: usize) -> Option<Module> {
    fn nth<T>(
        decls: &IndexMap<String, T>,
        i: usize,
        lower: impl Fn(&str, &T) -> Module,
    ) -> Option<Module> {
        decls.get_index(i).map(|(n, x)| lower(n, x))
    }
    let p = ctx.p;
    match kind {
        "network" => nth(&p.networks, i, |n, x| data::network(ctx, n, x)),
        "logs" => nth(&p.logs, i, |n, x| data::logs(ctx, n, x)),
        "metrics" => nth(&p.metrics, i, |n, x| data::metrics(ctx, n, x)),
        "storage" => nth(&p.storages, i, |n, x| data::storage(ctx, n, x)),
        "registry" => nth(&p.registries, i, |n, x| data::registry(ctx, n, x)),
        "vault" => nth(&p.vaults, i, |n, x| data::vault(ctx, n, x)),
        "appconfig" => nth(&p.appconfigs, i, |n, x| data::appconfig(ctx, n, x)),
        "cluster" => nth(&p.clusters, i, |n, x| cluster::cluster(ctx, n, x)),
        "identity" => nth(&p.identities, i, |n, x| identity::identity(ctx, n, x)),
        "gitops" => p
            .clusters
            .iter()
            .filter(|(n, c)| gitops::has_gitops(p, n, c))
            .nth(i)
            .map(|(n, c)| gitops::gitops(ctx, n, c)),
        _ => None,
    }
}

/// Deployments that Azure would refuse for their size (W0303): main.bicep's parameters, module
/// calls and `outputs` (how many it has), and the resources of the modules that grow with the
/// program (a store's key-values, a vault's secrets).
fn limits(p: &Platform, outputs: usize) -> Vec<Diagnostic> {
    use azure::arm_limits;
    let mut out = Vec::new();
    let over = |what: String, span: Span, label: &str, limit: &str| {
        Diagnostic::new(Code::ArmLimit, what, span, label.to_string())
            .with_note(format!("Azure Resource Manager refuses a template with more than {limit}; `azd provision` would fail"))
            .with_help("split the platform into several programs (one azd project each), or spread the values over more declarations")
    };
    let secrets: usize = p.vaults.values().map(|v| v.secrets.len()).sum();
    // environmentName, location, principalId, principalType, then one per secret (and one per
    // environment variable, not counted here: at least this many).
    let params = 4 + secrets;
    if params > arm_limits::PARAMETERS {
        out.push(over(
            format!("main.bicep would take {params} parameters ({secrets} of them secrets)"),
            p.span,
            "this platform",
            &format!("{} parameters", arm_limits::PARAMETERS),
        ));
    }
    let declarations = p.networks.len()
        + p.logs.len()
        + p.metrics.len()
        + p.storages.len()
        + p.registries.len()
        + p.vaults.len()
        + p.appconfigs.len()
        + p.clusters.len()
        + p.identities.len();
    // The resource group, and one module deployment per declaration.
    if declarations + 1 > arm_limits::RESOURCES {
        out.push(over(
            format!("main.bicep would deploy {} resources: the resource group and a module per declaration", declarations + 1),
            p.span,
            "this platform",
            &format!("{} resources", arm_limits::RESOURCES),
        ));
    }
    if outputs > arm_limits::OUTPUTS {
        out.push(over(
            format!("main.bicep would have {outputs} outputs"),
            p.span,
            "this platform",
            &format!("{} outputs", arm_limits::OUTPUTS),
        ));
    }
    // Besides its loop, a store or vault deploys itself, a role assignment or diagnostic
    // settings, and a private endpoint with its DNS zone group: eight at most.
    for (name, a) in &p.appconfigs {
        let n = a.entries.len() + 8;
        if n > arm_limits::RESOURCES {
            out.push(over(
                format!(
                    "appconfig `{name}` would deploy {} key-values and feature flags in one module",
                    a.entries.len()
                ),
                a.meta.span,
                "this store",
                &format!("{} resources", arm_limits::RESOURCES),
            ));
        }
    }
    for (name, v) in &p.vaults {
        if v.secrets.len() + 8 > arm_limits::RESOURCES {
            out.push(over(
                format!(
                    "vault `{name}` would deploy {} secrets in one module",
                    v.secrets.len()
                ),
                v.meta.span,
                "this vault",
                &format!(
                    "{} resources, counting every copy a loop makes",
                    arm_limits::RESOURCES
                ),
            ));
        }
    }
    out
}

/// The stem of the one object output that carries every declaration of a kind, when main.bicep
/// would otherwise pass Azure's limit on outputs: `AZURE_` + this.
fn grouped_output(kind: &str) -> &'static str {
    match kind {
        "cluster" => "AKS_CLUSTERS",
        "vault" => "KEY_VAULTS",
        "appconfig" => "APP_CONFIGURATIONS",
        "registry" => "CONTAINER_REGISTRIES",
        "storage" => "STORAGE_ACCOUNTS",
        "logs" => "LOG_ANALYTICS_WORKSPACES",
        "metrics" => "MONITOR_WORKSPACES",
        _ => "IDENTITIES",
    }
}

/// main.bicep's outputs for each declaration, by kind: (output name, the module output it
/// passes on). `|` marks where the declaration's name goes when a kind has several declarations:
/// AZURE_KEY_VAULT_NAME, or AZURE_KEY_VAULT_SECRETS_NAME beside AZURE_KEY_VAULT_CERTS_NAME.
const DECLARATION_OUTPUTS: &[(&str, &[(&str, &str)])] = &[
    (
        "cluster",
        &[
            ("AKS_CLUSTER|_NAME", "name"),
            ("AKS|_OIDC_ISSUER_URL", "oidcIssuerUrl"),
        ],
    ),
    (
        "vault",
        &[("KEY_VAULT|_NAME", "name"), ("KEY_VAULT|_ENDPOINT", "uri")],
    ),
    ("appconfig", &[("APP_CONFIGURATION|_ENDPOINT", "endpoint")]),
    (
        "registry",
        &[
            ("CONTAINER_REGISTRY|_NAME", "name"),
            ("CONTAINER_REGISTRY|_ENDPOINT", "loginServer"),
        ],
    ),
    ("storage", &[("STORAGE_ACCOUNT|_NAME", "name")]),
    ("logs", &[("LOG_ANALYTICS_WORKSPACE|_ID", "id")]),
    (
        "metrics",
        &[
            ("MONITOR_WORKSPACE|_ID", "id"),
            ("GRAFANA|_ENDPOINT", "grafanaEndpoint"),
        ],
    ),
    ("identity", &[("IDENTITY|_CLIENT_ID", "clientId")]),
];

/// main.bicep's outputs that are no declaration's.
fn platform_outputs() -> [(&'static str, Expr); 3] {
    [
        ("AZURE_LOCATION", id("location")),
        ("AZURE_TENANT_ID", call("tenant", vec![]).dot("tenantId")),
        ("AZURE_RESOURCE_GROUP", id("rg").dot("name")),
    ]
}

/// One output of a declaration: (kind, declaration, output name stem, module output, whether
/// the name carries the declaration's).
type DeclarationOutput<'a> = (&'static str, &'a str, &'static str, &'static str, bool);

/// Each declaration's outputs, in order.
fn declaration_outputs(p: &Platform) -> Vec<DeclarationOutput<'_>> {
    let mut out = Vec::new();
    for &(kind, fields) in DECLARATION_OUTPUTS {
        let names = declaration_names(p, kind);
        // Identities are always named: the client id goes into each service account's annotation.
        let named = names.len() > 1 || kind == "identity";
        for &name in &names {
            for &(stem, output) in fields {
                if output == "grafanaEndpoint" && !p.metrics.get(name).is_some_and(|m| m.grafana) {
                    continue;
                }
                out.push((kind, name, stem, output, named));
            }
        }
    }
    out
}

/// Azure refuses more than 64 outputs. Past that, the kinds with most declarations give one
/// object output each instead (`AZURE_AKS_CLUSTERS` = { NAME: { name, oidcIssuerUrl } }), which
/// azd stores as JSON; a small platform keeps its flat names. From each output's kind (`None`
/// for the platform's own): the kinds grouped, in order, and how many outputs are left.
fn grouped_kinds(kinds: impl Iterator<Item = Option<&'static str>>) -> (Vec<&'static str>, usize) {
    let mut counts: IndexMap<&'static str, usize> = IndexMap::default();
    let mut total = 0;
    for kind in kinds {
        total += 1;
        if let Some(kind) = kind {
            *counts.entry(kind).or_default() += 1;
        }
    }
    let mut grouped = Vec::new();
    while total > azure::arm_limits::OUTPUTS {
        let Some((&kind, &n)) = counts
            .iter()
            .filter(|(k, _)| !grouped.contains(*k))
            .max_by_key(|(_, n)| **n)
        else {
            break;
        };
        grouped.push(kind);
        total = total - n + 1;
    }
    (grouped, total)
}

/// `grouped_kinds` for main.bicep's outputs: the platform's own, then `declared`.
fn output_grouping(declared: &[DeclarationOutput]) -> (Vec<&'static str>, usize) {
    let own = std::iter::repeat_n(None, platform_outputs().len());
    grouped_kinds(own.chain(declared.iter().map(|d| Some(d.0))))
}

/// How many outputs `main_outputs` gives, without building them: what a check needs.
fn main_outputs_count(p: &Platform) -> usize {
    output_grouping(&declaration_outputs(p)).1
}

/// main.bicep's outputs, which azd stores in the environment: (name, value, type).
fn main_outputs(p: &Platform) -> Vec<(String, Expr, Type)> {
    // (output name, value, the declaration it belongs to: kind, name, module output)
    type Per = Option<(&'static str, String, &'static str)>;
    let mut outputs: Vec<(String, Expr, Per)> = platform_outputs()
        .into_iter()
        .map(|(key, value)| (key.to_string(), value, None))
        .collect();
    let declared = declaration_outputs(p);
    let (grouped, _) = output_grouping(&declared);
    for (kind, name, stem, output, named) in declared {
        let (head, tail) = stem.split_once('|').unwrap_or((stem, ""));
        // A grouped kind's outputs become one object, keyed by declaration: no name of their own.
        let key = if grouped.contains(&kind) {
            String::new()
        } else if named {
            format!(
                "AZURE_{head}_{}{tail}",
                name.to_ascii_uppercase().replace('-', "_")
            )
        } else {
            format!("AZURE_{head}{tail}")
        };
        outputs.push((
            key,
            Ctx::output(kind, name, output),
            Some((kind, name.to_string(), output)),
        ));
    }
    for &kind in &grouped {
        let mut table: IndexMap<String, Vec<(&'static str, Expr)>> = IndexMap::default();
        let mut at = None;
        let mut kept = Vec::with_capacity(outputs.len());
        for (i, (key, value, per)) in outputs.into_iter().enumerate() {
            match per {
                Some((k, name, field)) if k == kind => {
                    at.get_or_insert(i);
                    table.entry(name).or_default().push((field, value));
                }
                _ => kept.push((key, value, per)),
            }
        }
        let object = Expr::Object(
            table
                .into_iter()
                .map(|(name, fields)| bicep::Prop {
                    key: bicep::Key::Name(name.into()),
                    value: Expr::Object(
                        fields
                            .into_iter()
                            .map(|(f, v)| bicep::Prop {
                                key: bicep::Key::Name(f.into()),
                                value: v,
                                comment: None,
                            })
                            .collect(),
                    ),
                    comment: None,
                })
                .collect(),
        );
        let name = format!("AZURE_{}", grouped_output(kind));
        let place = at.unwrap_or(kept.len()).min(kept.len());
        kept.insert(place, (name, object, Some((kind, String::new(), ""))));
        outputs = kept;
    }
    outputs
        .into_iter()
        .map(|(key, value, per)| {
            let grouped = per.is_some_and(|(k, n, _)| grouped.contains(&k) && n.is_empty());
            (
                key,
                value,
                if grouped { Type::Object } else { Type::String },
            )
        })
        .collect()
}

fn main_bicep(
    ctx: &Ctx,
    env_vars: &IndexMap<String, Option<String>>,
    settings: &[(String, Vec<envs::Lifted>)],
    env_names: &[&str],
    outputs: Vec<(String, Expr, Type)>,
    calls: Vec<String>,
    header: Vec<String>,
) -> String {
    let mut items = vec![Item::TargetScope("subscription")];
    main_params(ctx, env_vars, &mut items);
    shared_vars(ctx, &mut items);
    if !settings.is_empty() {
        settings_vars(settings, env_names, &mut items);
    }
    items.push(resource_group(ctx.p));
    let outputs: Vec<Item> = outputs
        .into_iter()
        .map(|(name, value, ty)| Item::Output {
            decorators: vec![],
            name,
            ty,
            value,
        })
        .collect();
    let tail = if outputs.is_empty() {
        String::new()
    } else {
        bicep::print_items_into(String::from("\n"), &[], &outputs)
    };
    // The module calls were printed as their modules were done, each kind's into one text,
    // each call after a blank line, as the printer separates modules and resources; the
    // outputs are printed first so that the whole text is assembled once, at its final size.
    join(&bicep::print_items(&header, &items), calls, &tail)
}

/// main.bicep's parameters: what azd passes (environment, region, deployer), each `env()`
/// variable, and a secure parameter per secret and variable.
fn main_params(ctx: &Ctx, env_vars: &IndexMap<String, Option<String>>, items: &mut Vec<Item>) {
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
            // The default here too: azd asks for a parameter whose value is empty unless the
            // template gives it one.
            default: default.as_ref().map(|d| s(d.clone())),
        });
    }
    secret_params(ctx, items);
    if has_secrets(ctx.p) {
        secrets_issued_params(items);
    }
    if has_keys(ctx.p) {
        items.push(Item::Param {
            decorators: vec![Decorator::description(
                "Keys that exist already, as `vault/key`, comma-separated (PLATC_EXISTING_KEYS, set by platc preflight on every provision)",
            )],
            name: "existingKeys".into(),
            ty: Type::String,
            default: Some(s("")),
        });
    }
    if has_secrets(ctx.p) || has_keys(ctx.p) {
        deployment_time_param(items);
    }
}

/// Whether the platform declares a Key Vault key: its first version expires counting from the
/// deployment that creates it.
pub(super) fn has_keys(p: &Platform) -> bool {
    p.vaults.values().any(|v| !v.keys.is_empty())
}

/// Whether the platform has a secret: then main.bicep has the time its expiries count from.
fn has_secrets(p: &Platform) -> bool {
    p.vaults.values().any(|v| !v.secrets.is_empty())
}

/// When this environment's secrets were first issued, which their expiry counts from. Counted
/// from each deployment instead, the expiry would move forward with every provision and never
/// come: `platc preflight` sets `PLATC_SECRETS_ISSUED_AT` in the azd environment once, and a
/// deployment without it counts from its own time.
fn secrets_issued_params(items: &mut Vec<Item>) {
    items.push(Item::Param {
        decorators: vec![Decorator::description(
            "When this environment's secrets were issued (PLATC_SECRETS_ISSUED_AT, set once by platc preflight); their expiry counts from it",
        )],
        name: "secretsIssuedAt".into(),
        ty: Type::String,
        default: Some(s("")),
    });
}

fn deployment_time_param(items: &mut Vec<Item>) {
    items.push(Item::Param {
        decorators: vec![Decorator::description(
            "Deployment time, which new keys (and secrets without secretsIssuedAt) count their expiry from; utcNow() is only allowed as a parameter default",
        )],
        name: "deploymentTime".into(),
        ty: Type::String,
        default: Some(call("utcNow", vec![s("u")])),
    });
}

/// A secure parameter per secret, and per environment that reads the secret from a variable of
/// its own.
fn secret_params(ctx: &Ctx, items: &mut Vec<Item>) {
    for (param, sname, vname, var) in ctx.secret_params() {
        // An environment's own secret parameter is empty everywhere else, which must not make
        // azd ask for it there.
        let default = (param != secret_param(sname)).then(|| s(""));
        items.push(Item::Param {
            decorators: vec![
                Decorator::secure(),
                // Joined rather than formatted: a large platform has thousands of secrets.
                Decorator::description(
                    [
                        "Value of secret `",
                        sname,
                        "` in vault `",
                        vname,
                        "`, from the azd environment variable ",
                        var,
                    ]
                    .concat(),
                ),
            ],
            name: param,
            ty: Type::String,
            default,
        });
    }
}

/// The resource token that keeps global names unique, and the tags on every resource.
fn shared_vars(ctx: &Ctx, items: &mut Vec<Item>) {
    let p = ctx.p;
    items.push(Item::Var {
        comment: Some("13 characters, stable for one subscription, environment and location: keeps global names unique".into()),
        name: TOKEN.into(),
        value: call("toLower", vec![call("uniqueString", vec![call("subscription", vec![]).dot("id"), id("environmentName"), id("location")])]),
    });
    let tags_of = |tags: &IndexMap<String, String>| {
        let mut o = Obj::new().set("azd-env-name", id("environmentName"));
        for (k, v) in tags {
            o.push(k.clone(), s(v.clone()));
        }
        o.build()
    };
    if has_secrets(p) {
        items.push(Item::Var {
            comment: None,
            name: "secretsFrom".into(),
            value: Expr::Ternary(
                Box::new(call("empty", vec![id("secretsIssuedAt")])),
                Box::new(id("deploymentTime")),
                Box::new(id("secretsIssuedAt")),
            ),
        });
    }
    let mut tags = tags_of(&p.tags);
    for (env, theirs) in ctx.envs.tags.iter().rev() {
        tags = envs::when_environment(env, tags_of(theirs), tags);
    }
    items.push(Item::Var {
        comment: None,
        name: "tags".into(),
        value: tags,
    });
}

/// The values that differ by environment, as one table per environment and the defaults.
fn settings_vars(
    settings: &[(String, Vec<envs::Lifted>)],
    env_names: &[&str],
    items: &mut Vec<Item>,
) {
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

/// The one resource group of an azd environment.
fn resource_group(p: &Platform) -> Item {
    let mut rg = Resource::new(
        "rg",
        types::RESOURCE_GROUP,
        Obj::new()
            .set(
                "name",
                Expr::Interp(vec![
                    Part::Text(azure::resource_group(&p.name, "").into()),
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
    Item::Resource(rg)
}

/// Secret names are unique across the platform, so the secret alone names its parameter.
pub(crate) fn secret_param(secret: &str) -> String {
    bicep::ident("secret", secret)
}

/// Secrets whose value some environment takes from another azd variable than the defaults do:
/// secret name → (environment, variable) for each such environment.
fn secret_overrides(checked: &Checked) -> IndexMap<String, Vec<(String, String)>> {
    let mut out: IndexMap<String, Vec<(String, String)>> = IndexMap::default();
    for (env, variant) in &checked.environments {
        for (vname, v) in &variant.vaults {
            for (sname, sec) in &v.secrets {
                let default = checked
                    .default
                    .vaults
                    .get(vname)
                    .and_then(|d| d.secrets.get(sname));
                if default.is_some_and(|d| d.env != sec.env) {
                    out.entry(sname.clone())
                        .or_default()
                        .push((env.clone(), sec.env.clone()));
                }
            }
        }
    }
    out
}

/// The parameter for secret `secret` in environment `env`, where it comes from its own variable.
/// `_` appears in no other identifier platc makes, so this one is never another's.
fn secret_env_param(secret: &str, env: &str) -> String {
    let mut name = secret_param(secret);
    name.push('_');
    name.push_str(&bicep::ident("", env));
    name
}

/// `main.parameters.json`: azd substitutes `${VAR}` from the environment before deploying.
fn parameters(ctx: &Ctx, env_vars: &IndexMap<String, Option<String>>) -> String {
    let p = ctx.p;
    // Parameter name → azd expression; a name given twice keeps its first place.
    let mut params: IndexMap<String, String> = IndexMap::default();
    params.insert("environmentName".into(), "${AZURE_ENV_NAME}".into());
    let location = match &p.location {
        // `$$` is azd's escape for a `$` it must not substitute.
        Some(StrValue::Literal(l)) => l.replace('$', "$$"),
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
    params.insert("location".into(), location);
    params.insert("principalId".into(), "${AZURE_PRINCIPAL_ID}".into());
    params.insert(
        "principalType".into(),
        "${AZURE_PRINCIPAL_TYPE=User}".into(),
    );
    for (param, _, _, var) in ctx.secret_params() {
        // Built by hand: `format!` costs more than the rest of a secret's line here.
        let mut value = String::with_capacity(var.len() + 3);
        value.push_str("${");
        value.push_str(var);
        value.push('}');
        params.insert(param, value);
    }
    if has_keys(p) {
        params.insert("existingKeys".into(), "${PLATC_EXISTING_KEYS=}".into());
    }
    if has_secrets(p) {
        // Empty where preflight has not set it: main.bicep then counts from the deployment.
        params.insert(
            "secretsIssuedAt".into(),
            "${PLATC_SECRETS_ISSUED_AT=}".into(),
        );
    }
    for (var, default) in env_vars {
        let value = match default {
            Some(d) => format!("${{{var}={d}}}"),
            None => format!("${{{var}}}"),
        };
        params.insert(envvars::param_name(var), value);
    }
    // Written as serde_json's pretty printer writes it, without building JSON values first: a
    // large platform has thousands of secrets.
    let mut text = String::with_capacity(160 + params.len() * 64);
    text.push_str("{\n  \"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#\",\n  \"contentVersion\": \"1.0.0.0\",\n  \"parameters\": {");
    for (i, (name, value)) in params.iter().enumerate() {
        text.push_str(if i == 0 { "\n    " } else { ",\n    " });
        json::js_into(&mut text, name);
        text.push_str(": {\n      \"value\": ");
        json::js_into(&mut text, value);
        text.push_str("\n    }");
    }
    text.push_str("\n  }\n}\n");
    text
}

/// Who a role assignment is for.
pub(crate) enum Principal {
    /// A managed identity, by its principal id. The assignment is named by its scope, principal
    /// and role, and is deployed by a module the principal id is passed to (see `grants`): a
    /// name keyed on the identity's resource id would stay the same when the identity is created
    /// again, and Azure refuses to move an assignment to the new principal.
    Managed { principal_id: Expr },
    /// The principal running `azd provision` (the module's `principalId` and `principalType`
    /// parameters); nothing is assigned when azd supplies none.
    Deployer,
}

/// A built-in role assigned on the resource `scope`: to a managed identity through a grant
/// module (`grants::assign`), to the deployer by a `Microsoft.Authorization/roleAssignments`
/// named `guid(scope.id, principalId, roleId)`, as AVM names them (AZURE.md §3.13).
pub(crate) fn role_assignment(
    m: &mut Module,
    name: &str,
    scope: &str,
    principal: Principal,
    role: &str,
    comment: Option<String>,
) {
    let role_id = azure::role_id(role).expect("roles used by the lowering are in the table");
    let (principal_id, principal_type, condition) = match principal {
        Principal::Managed { principal_id } => {
            return grants::assign(m, name, scope, principal_id, role, comment);
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
                t,
                Some(Expr::Not(Box::new(call("empty", vec![p])))),
            )
        }
    };
    let mut r = assignment(
        name,
        scope,
        principal_id,
        s(role_id),
        Some(role),
        Some(principal_type),
    );
    r.comment = comment;
    r.condition = condition;
    m.push(Item::Resource(r));
}

/// A `Microsoft.Authorization/roleAssignments` of role `role_id` to `principal` on the resource
/// `scope`, named `guid(scope.id, principal, role_id)` as AVM names them (AZURE.md §3.13): an
/// identity created again gets an assignment of its own, where Azure would refuse to move the
/// old one to its new principal. `role`, the role's name, comments the id; without
/// `principal_type` Azure finds the kind itself.
pub(crate) fn assignment(
    symbol: &str,
    scope: &str,
    principal: Expr,
    role_id: Expr,
    role: Option<&str>,
    principal_type: Option<Expr>,
) -> Resource {
    let definition = call(
        "subscriptionResourceId",
        vec![s(azure::ROLE_DEFINITION_TYPE), role_id.clone()],
    );
    let mut props = match role {
        Some(name) => Obj::new().set_commented("roleDefinitionId", definition, name),
        None => Obj::new().set("roleDefinitionId", definition),
    };
    props.push("principalId", principal.clone());
    if let Some(t) = principal_type {
        props.push("principalType", t);
    }
    Resource::new(
        symbol,
        types::ROLE_ASSIGNMENT,
        Obj::new()
            .set(
                "name",
                call(
                    "guid",
                    vec![id(scope.to_string()).dot("id"), principal, role_id],
                ),
            )
            .set("scope", id(scope.to_string()))
            .set("properties", props.build())
            .build(),
    )
}

/// Diagnostic settings sending a resource's logs and metrics to the platform's workspace: what the
/// resource of type `type_` (a `types::` constant) exports, as `azure::diagnostics` records it.
pub(crate) fn diagnostics(name: &str, scope: &str, type_: &str, workspace: Expr) -> Item {
    let export = azure::diagnostics::export_of(type_)
        .unwrap_or_else(|| panic!("no diagnostic settings are known for {type_}"));
    let enabled = |key: &str, value: &str| {
        Obj::new()
            .set(key.to_string(), s(value.to_string()))
            .set("enabled", Expr::Bool(true))
            .build()
    };
    let logs = match export.logs {
        DiagLogs::None => vec![],
        DiagLogs::Group(g) => vec![enabled("categoryGroup", g)],
        DiagLogs::Categories(cs) => cs.iter().map(|c| enabled("category", c)).collect(),
    };
    let mut props = Obj::new().set("workspaceId", workspace);
    if !logs.is_empty() {
        props.push("logs", arr(logs));
    }
    if export.metrics {
        props.push("metrics", arr(vec![enabled("category", "AllMetrics")]));
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

#[cfg(test)]
mod tests {
    #[test]
    fn the_output_count_is_the_outputs_counted() {
        for n in [0, 1, 3, 20, 40, 70] {
            let mut sources = crate::source::SourceMap::new();
            sources.add("synthetic.plat", crate::synth::platform(n));
            let (files, parsed) = crate::parse(&sources, None);
            let (checked, _) = crate::check(&files, parsed);
            let p = &checked.default;
            assert_eq!(
                super::main_outputs_count(p),
                super::main_outputs(p).len(),
                "N={n}"
            );
        }
    }
}
