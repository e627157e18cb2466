//! The platform team's own rules, in Rego, judged against the checked program before anything
//! deploys. Conftest's conventions: every package's `deny` and `warn`, each a set of messages or
//! of objects with `msg` (and `path` into the input, `rule`, `severity`). Rules run inside platc
//! (regorus), once per azd environment, on the input `input.rs` builds; each finding becomes a
//! diagnostic at the declaration or field its `path` names (`spans.rs`).

pub mod input;
pub mod spans;

use crate::check::Checked;
use crate::diag::{Code, Diagnostic, Severity};
use crate::load::{self, BUILTIN};
use crate::model::Platform;
use crate::source::{FileId, SourceMap, Span};
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// A built-in rule pack: Rego shipped in the binary, opted into as `"builtin:NAME"`.
pub struct Pack {
    pub name: &'static str,
    /// How its file is named in messages.
    pub file: &'static str,
    pub rego: &'static str,
}

pub const PACKS: &[Pack] = &[
    Pack {
        name: "production",
        file: "builtin/production.rego",
        rego: include_str!("../../policies/builtin/production.rego"),
    },
    Pack {
        name: "baseline",
        file: "builtin/baseline.rego",
        rego: include_str!("../../policies/builtin/baseline.rego"),
    },
];

/// The input rules see for `environment` (`None`: the defaults), as `platc export` prints it.
pub fn export(checked: &Checked, environment: Option<&str>) -> serde_json::Value {
    let p = environment
        .and_then(|e| checked.environments.get(e))
        .unwrap_or(&checked.default);
    input::input(p, environment).json()
}

/// One package the rules define, and the file it was first read from (`None` for a pack).
struct Package {
    path: String,
    file: Option<FileId>,
    /// Where it is named in `policies` (a pack), for problems that have no line of their own.
    named: Span,
    /// `rules`: each rule id it declares, with the public source its metadata gives.
    rules: Vec<(String, Option<String>)>,
}

struct Rules<'a> {
    engine: regorus::Engine,
    packages: Vec<Package>,
    sources: &'a SourceMap,
    /// The rule files of the program, for placing an error regorus reports in one.
    files: Vec<FileId>,
    /// The text of every rule file and pack loaded, which decides what of the input to build.
    texts: Vec<&'a str>,
}

/// Every finding of the platform's rules, as diagnostics, and every problem with the rules
/// themselves. Nothing at all where the program names no rules.
pub fn evaluate(checked: &Checked, sources: &SourceMap) -> Vec<Diagnostic> {
    let p = &checked.default;
    let files: Vec<FileId> = sources
        .ids()
        .filter(|&id| load::is_rules(sources, id))
        .collect();
    let packs = p.policies.iter().any(|(s, _)| s.starts_with(BUILTIN));
    if files.is_empty() && !packs {
        return waivers_without_rules(p);
    }
    // The interpreter runs the author's code: should it fail in a way it does not report, the
    // check (and the editor) goes on with that said, rather than ending.
    let judged = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut diags = Vec::new();
        let mut rules = Rules::load(p, sources, files, &mut diags);
        rules.declared_rules();
        check_waivers(p, &rules.packages, &mut diags);
        let findings = rules.run(checked, &mut diags);
        diags.extend(report(sources, findings));
        // The engine holds the input, hundreds of thousands of values at scale: freeing them
        // is no one's wait (3 ms at N=1000, of the rules' 23 ms).
        let engine = rules.engine;
        std::thread::spawn(move || drop(engine));
        diags
    }));
    judged.unwrap_or_else(|_| {
        let span = p.policies.first().map_or(p.span, |(_, s)| *s);
        vec![
            Diagnostic::new(
                Code::BadRules,
                "the rules stopped with an internal error: nothing was concluded from them",
                span,
                "rules named here",
            )
            .with_help("run the rules with `opa eval` on `platc export`'s output to find which; please report this to platc"),
        ]
    })
}

/// Waivers in a program that names no rules waive nothing.
fn waivers_without_rules(p: &Platform) -> Vec<Diagnostic> {
    p.waivers
        .iter()
        .map(|w| {
            Diagnostic::new(
                Code::BadWaiver,
                format!(
                    "`{}` waives a rule, but the platform names no rules",
                    w.rule
                ),
                w.rule_span,
                "no such rule",
            )
            .with_help("name the rules in `policies`, or remove the waiver")
        })
        .collect()
}

impl<'a> Rules<'a> {
    fn load(
        p: &Platform,
        sources: &'a SourceMap,
        files: Vec<FileId>,
        diags: &mut Vec<Diagnostic>,
    ) -> Rules<'a> {
        let mut rules = Rules {
            engine: regorus::Engine::new(),
            packages: Vec::new(),
            sources,
            files,
            texts: Vec::new(),
        };
        for (entry, span) in &p.policies {
            if let Some(name) = entry.strip_prefix(BUILTIN) {
                rules.add_pack(name, *span, diags);
            }
        }
        for id in rules.files.clone() {
            let added = rules
                .engine
                .add_policy(sources.name(id).to_string(), sources.text(id).to_string());
            rules.texts.push(sources.text(id));
            match added {
                Ok(path) => rules.package(path, Some(id), Span::new(id, 0, 0)),
                Err(e) => diags.push(rules.broken(&e.to_string(), Span::new(id, 0, 0))),
            }
        }
        rules
    }

    fn add_pack(&mut self, name: &str, span: Span, diags: &mut Vec<Diagnostic>) {
        let Some(pack) = PACKS.iter().find(|k| k.name == name) else {
            let names: Vec<&str> = PACKS.iter().map(|k| k.name).collect();
            let mut d = Diagnostic::new(
                Code::BadRules,
                format!("there is no built-in rule pack `{name}`"),
                span,
                "no such pack",
            );
            d = match crate::diag::did_you_mean(name, names.iter().copied()) {
                Some(near) => d.suggest(span, format!("\"{BUILTIN}{near}\"")),
                None => d.with_help(format!(
                    "the built-in packs are {}",
                    crate::diag::one_of(&names)
                )),
            };
            diags.push(d);
            return;
        };
        if self.texts.contains(&pack.rego) {
            return;
        }
        let added = self
            .engine
            .add_policy(pack.file.to_string(), pack.rego.to_string());
        self.texts.push(pack.rego);
        // A pack is part of platc, and its tests parse it: a failure here is platc's own bug.
        match added {
            Ok(path) => self.package(path, None, span),
            Err(e) => diags.push(self.broken(&e.to_string(), span)),
        }
    }

    fn package(&mut self, path: String, file: Option<FileId>, named: Span) {
        if !self.packages.iter().any(|k| k.path == path) {
            self.packages.push(Package {
                path,
                file,
                named,
                rules: Vec::new(),
            });
        }
    }

    /// A rule file that cannot be used, at the line regorus names where it names one.
    fn broken(&self, error: &str, fallback: Span) -> Diagnostic {
        let located = self.error_span(error);
        let span = located.unwrap_or(fallback);
        // regorus puts the location and the line first and the error itself after `error:`.
        let first = error
            .lines()
            .find_map(|l| l.trim().strip_prefix("error:"))
            .unwrap_or_else(|| error.lines().next().unwrap_or(error))
            .trim();
        Diagnostic::new(
            Code::BadRules,
            format!("the rules cannot be used: {first}"),
            span,
            "the rule file fails here",
        )
        // Where no line of a rule file is found, regorus's whole message says where.
        .with_note_if(located.is_none(), error.trim())
        .with_help("fix the rule file (`opa check` or `conftest verify` show the same problem); until then its rules do not run")
    }

    /// The `FILE:LINE:COL` of a rule file in regorus's message, as a span on that line.
    fn error_span(&self, error: &str) -> Option<Span> {
        self.files.iter().find_map(|&id| {
            let name = self.sources.name(id);
            let at = error.find(&format!("{name}:"))? + name.len() + 1;
            let mut parts = error[at..].split(|c: char| !c.is_ascii_digit());
            let line: usize = parts.next()?.parse().ok()?;
            let col: usize = parts.next().and_then(|c| c.parse().ok()).unwrap_or(1);
            Some(line_span(self.sources, id, line, col))
        })
    }

    /// Each package's `rules` object: the ids its rules may carry, which waivers may name.
    fn declared_rules(&mut self) {
        self.engine.set_input(regorus::Value::new_object());
        for k in 0..self.packages.len() {
            let query = format!("{}.rules", self.packages[k].path);
            let Some(value) = self.query(&query).ok().flatten() else {
                continue;
            };
            let json = serde_json::to_value(&value).unwrap_or_default();
            if let Some(map) = json.as_object() {
                self.packages[k].rules = map
                    .iter()
                    .map(|(id, meta)| (id.clone(), meta["source"].as_str().map(str::to_string)))
                    .collect();
            }
        }
    }

    /// A query's value; `None` where it is undefined.
    fn query(&mut self, query: &str) -> Result<Option<regorus::Value>, String> {
        let results = self
            .engine
            .eval_query(query.to_string(), false)
            .map_err(|e| e.to_string())?;
        Ok(results
            .result
            .into_iter()
            .next()
            .and_then(|r| r.expressions.into_iter().next())
            .map(|e| e.value)
            .filter(|v| *v != regorus::Value::Undefined))
    }

    /// Each view's findings: (view index, finding), and the views.
    fn run<'c>(&mut self, checked: &'c Checked, diags: &mut Vec<Diagnostic>) -> Findings<'c> {
        let views = views(checked);
        let keys = input::Keys::read_by(self.texts.iter().copied());
        // The packs read fields by name only (a test holds them to it); an author's rules may
        // read an object whole, so where there are any, every field is built.
        let fields = if self.files.is_empty() {
            input::Fields::named_in(self.texts.iter().copied())
        } else {
            input::Fields::All
        };
        let mut found = Vec::new();
        let mut inputs = Vec::with_capacity(views.len());
        let mut failed: Vec<String> = Vec::new();
        // Views of one platform (every environment without overrides) share its input, built
        // once; each gets its own `environment` on a copy of the top level only.
        let mut built: Vec<(*const Platform, regorus::Value, input::Derived)> = Vec::new();
        for (i, (env, p)) in views.iter().enumerate() {
            let at = match built.iter().position(|(q, ..)| std::ptr::eq(*q, *p)) {
                Some(at) => at,
                None => {
                    let input = input::select(p, None, &keys, &fields);
                    built.push((*p, input.value, input.derived));
                    built.len() - 1
                }
            };
            let mut value = built[at].1.clone();
            if let (Ok(top), Some(e)) = (value.as_object_mut(), env) {
                top.insert("environment".into(), e.as_str().into());
            }
            self.engine.set_input(value);
            inputs.push(built[at].2.clone());
            for k in 0..self.packages.len() {
                for rule in ["deny", "warn"] {
                    match self.findings(k, rule) {
                        Ok(list) => found.extend(list.into_iter().map(|f| (i, f))),
                        Err(d) if !failed.contains(&d.message) => {
                            failed.push(d.message.clone());
                            diags.push(*d);
                        }
                        Err(_) => {}
                    }
                }
            }
        }
        let waived: Vec<&str> = checked
            .default
            .waivers
            .iter()
            .map(|w| w.rule.as_str())
            .collect();
        found.retain(|(_, f)| f.rule.as_deref().is_none_or(|r| !waived.contains(&r)));
        let sources_of = self.packages.iter().flat_map(|k| k.rules.clone()).collect();
        Findings {
            views,
            derived: inputs,
            found,
            sources_of,
        }
    }

    /// The findings of `package`'s `rule` on the input set.
    fn findings(&mut self, package: usize, rule: &str) -> Result<Vec<Finding>, Box<Diagnostic>> {
        let k = &self.packages[package];
        let fallback = k.file.map_or(k.named, |id| Span::new(id, 0, 0));
        let query = format!("{}.{rule}", k.path);
        let path = k.path.clone();
        let value = match self.query(&query) {
            Ok(Some(v)) => v,
            Ok(None) => return Ok(Vec::new()),
            Err(e) => return Err(Box::new(self.broken(&e, fallback))),
        };
        let default = if rule == "deny" {
            Severity::Error
        } else {
            Severity::Warning
        };
        let items: Vec<&regorus::Value> = match &value {
            regorus::Value::Set(set) => set.iter().collect(),
            regorus::Value::Array(list) => list.iter().collect(),
            _ => {
                let why = "it is not a set";
                return Err(Box::new(self.wrong_shape(package, rule, why, &value)));
            }
        };
        items
            .into_iter()
            .map(|item| {
                finding(item, default, &path).ok_or_else(|| {
                    let why = "an element has neither a message nor a `msg`";
                    Box::new(self.wrong_shape(package, rule, why, item))
                })
            })
            .collect()
    }

    fn wrong_shape(
        &self,
        package: usize,
        rule: &str,
        why: &str,
        value: &regorus::Value,
    ) -> Diagnostic {
        let k = &self.packages[package];
        let span = match k.file {
            Some(id) => rule_line(self.sources, id, rule),
            None => k.named,
        };
        let mut shown = serde_json::to_string(value).unwrap_or_default();
        if shown.len() > 120 {
            shown.truncate(shown.floor_char_boundary(117));
            shown.push_str("...");
        }
        Diagnostic::new(
            Code::BadRules,
            format!("`{}.{rule}` cannot be read as findings: {why}", k.path),
            span,
            format!("`{rule}` is defined here"),
        )
        .with_note(format!("it evaluated to {shown}"))
        .with_help(format!(
            "write `{rule} contains msg if {{ ... }}` with a string `msg`, or an object `{{\"msg\": ..., \"path\": [...]}}`"
        ))
    }
}

/// The span of `line`:`col` (1-based) in `file`, to the line's end.
fn line_span(sources: &SourceMap, file: FileId, line: usize, col: usize) -> Span {
    let text = sources.text(file);
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let rest = &text[start.min(text.len())..];
    let end = start + rest.find('\n').unwrap_or(rest.len());
    let at = (start + col.saturating_sub(1)).min(end);
    let at = (at..=end)
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(end);
    Span::new(file, at, end.max(at))
}

/// Where `rule` is defined in a rule file: the first line that starts with it.
fn rule_line(sources: &SourceMap, file: FileId, rule: &str) -> Span {
    let text = sources.text(file);
    let line = text
        .lines()
        .position(|l| {
            l.strip_prefix(rule)
                .is_some_and(|r| r.starts_with([' ', '\t', '[', ':', '=']) || r.is_empty())
        })
        .map_or(1, |i| i + 1);
    line_span(sources, file, line, 1)
}

/// One finding of one rule on one environment's input.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Finding {
    severity: Severity,
    message: String,
    path: Vec<String>,
    rule: Option<String>,
    package: String,
}

/// A string, or an object with a string `msg`, optional `path` (a list of keys and indexes,
/// or one string with dots), `rule` (or `id`) and `severity` (`error` or `warning`).
fn finding(item: &regorus::Value, default: Severity, package: &str) -> Option<Finding> {
    use regorus::Value;
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.to_string()),
        _ => None,
    };
    let found = |message: String| Finding {
        severity: default,
        message,
        path: Vec::new(),
        rule: None,
        package: package.to_string(),
    };
    if let Value::String(s) = item {
        return Some(found(s.to_string()));
    }
    let mut f = found(text(&item["msg"])?);
    f.path = match &item["path"] {
        Value::Array(parts) => parts
            .iter()
            .map(|p| text(p).unwrap_or_else(|| serde_json::to_string(p).unwrap_or_default()))
            .collect(),
        Value::String(s) => s.split('.').map(str::to_string).collect(),
        _ => Vec::new(),
    };
    match &item["severity"] {
        Value::String(s) if matches!(s.as_ref(), "warning" | "warn") => {
            f.severity = Severity::Warning;
        }
        Value::String(s) if matches!(s.as_ref(), "error" | "deny") => f.severity = Severity::Error,
        _ => {}
    }
    f.rule = text(&item["rule"]).or_else(|| text(&item["id"]));
    Some(f)
}

/// The views rules judge: the defaults (any environment the platform does not name), then each
/// environment it names, with its own values where it overrides some.
fn views(checked: &Checked) -> Vec<(Option<String>, &Platform)> {
    let p = &checked.default;
    std::iter::once((None, p))
        .chain(
            p.environments
                .iter()
                .map(|e| (Some(e.clone()), checked.environments.get(e).unwrap_or(p))),
        )
        .collect()
}

struct Findings<'c> {
    views: Vec<(Option<String>, &'c Platform)>,
    derived: Vec<input::Derived>,
    found: Vec<(usize, Finding)>,
    /// Each rule id with its public source.
    sources_of: Vec<(String, Option<String>)>,
}

/// One diagnostic per finding, however many environments it holds in; naming them where it
/// does not hold in all.
fn report(sources: &SourceMap, f: Findings) -> Vec<Diagnostic> {
    let mut locator = spans::Locator::new(sources);
    // A finding is one where it is the same and at the same text: an environment that
    // overrides the field the rule names has a finding of its own, at its override.
    let mut groups: Vec<(Finding, Span, Vec<usize>)> = Vec::new();
    let mut index: HashMap<(Finding, Span), usize> = HashMap::new();
    for (view, finding) in f.found {
        let (env, p) = &f.views[view];
        let span = locator.locate(p, &f.derived[view], env.as_deref(), &finding.path);
        match index.entry((finding, span)) {
            Entry::Occupied(at) => groups[*at.get()].2.push(view),
            Entry::Vacant(slot) => {
                groups.push((slot.key().0.clone(), span, vec![view]));
                slot.insert(groups.len() - 1);
            }
        }
    }
    groups
        .into_iter()
        .map(|(finding, span, in_views)| {
            let source = finding.rule.as_ref().and_then(|r| {
                f.sources_of
                    .iter()
                    .find(|(id, _)| id == r)
                    .and_then(|(_, s)| s.clone())
            });
            diagnostic(&finding, span, where_(&f.views, &in_views), source)
        })
        .collect()
}

/// "in environment `prod`" where a finding holds in some views only; nothing where it holds in
/// all.
fn where_(views: &[(Option<String>, &Platform)], found: &[usize]) -> Option<String> {
    if found.len() == views.len() {
        return None;
    }
    let named: Vec<String> = found
        .iter()
        .filter_map(|&i| views[i].0.as_ref().map(|e| format!("`{e}`")))
        .collect();
    let defaults = named.len() < found.len();
    Some(match (named.len(), defaults) {
        (0, _) => "environments the platform does not name".to_string(),
        (1, false) => format!("environment {}", named[0]),
        (_, false) => format!("environments {}", named.join(", ")),
        (_, true) => format!(
            "environments {} and any the platform does not name",
            named.join(", ")
        ),
    })
}

fn diagnostic(f: &Finding, span: Span, envs: Option<String>, source: Option<String>) -> Diagnostic {
    let code = match f.severity {
        Severity::Error => Code::PolicyDeny,
        Severity::Warning => Code::PolicyWarn,
    };
    let message = match &envs {
        Some(e) => format!("{} (in {e})", f.message),
        None => f.message.clone(),
    };
    let package = f.package.strip_prefix("data.").unwrap_or(&f.package);
    let label = match &f.rule {
        Some(r) => format!("rule `{r}` of package `{package}`"),
        None => format!("a rule of package `{package}`"),
    };
    let mut d = Diagnostic::new(code, message, span, label);
    if let Some(s) = source {
        d = d.with_note(format!("source: {s}"));
    }
    if let Some(r) = &f.rule {
        d = d.with_help(format!(
            "change the program as the rule asks, or switch the rule off with the reason: `waivers = {{ {r} = \"...\" }}` in the platform block"
        ));
    }
    d
}

/// A waiver names a rule some package declares, and says why.
fn check_waivers(p: &Platform, packages: &[Package], diags: &mut Vec<Diagnostic>) {
    let known: Vec<&str> = packages
        .iter()
        .flat_map(|k| k.rules.iter().map(|(id, _)| id.as_str()))
        .collect();
    for w in &p.waivers {
        if !known.contains(&w.rule.as_str()) {
            let d = Diagnostic::new(
                Code::BadWaiver,
                format!("`{}` is no rule of the platform's rules", w.rule),
                w.rule_span,
                "no such rule",
            );
            let d = match crate::diag::did_you_mean(&w.rule, known.iter().copied()) {
                Some(near) => d.suggest(w.rule_span, near),
                None => d.with_help(
                    "waive a rule by the id in its findings; a rule file lists its ids in `rules`",
                ),
            };
            diags.push(d);
        } else if w.reason.trim().is_empty() {
            diags.push(
                Diagnostic::new(
                    Code::BadWaiver,
                    format!("the waiver of `{}` gives no reason", w.rule),
                    w.reason_span,
                    "empty reason",
                )
                .with_help("say why the rule does not apply here, for whoever reviews it next"),
            );
        }
    }
}
