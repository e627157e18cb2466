//! A plan for people (a terminal, grouped by environment, coloured where asked), for programs
//! (`--format json`, documented in spec.md) and for a pull-request comment (`--format markdown`).

use super::{Action, Change, EnvPlan, Plan, Risk};
use crate::azure::changes;
use serde_json::{Value, json};
use std::fmt::Write;

/// What every plan with secrets says once: platc knows a secret only by the azd variable it is
/// read from.
pub fn secrets_note(n: usize) -> String {
    let secrets = if n == 1 {
        "1 secret takes its value".to_string()
    } else {
        format!("{n} secrets take their values")
    };
    format!(
        "{secrets} from azd variables when azd provisions: platc never sees a secret's value, by design, so a changed value is not in this plan"
    )
}

/// Environments whose changes are the same, shown once: (heading, changes). The defaults come
/// first, and stand for every environment without overrides of its own.
fn groups(plan: &Plan) -> Vec<(String, &[Change])> {
    let mut out: Vec<(Vec<&str>, &EnvPlan)> = Vec::new();
    for e in &plan.environments {
        let name = e.environment.as_deref().unwrap_or("");
        match out.iter_mut().find(|(_, g)| g.changes == e.changes) {
            Some((names, _)) => names.push(name),
            None => out.push((vec![name], e)),
        }
    }
    out.into_iter()
        .map(|(names, e)| {
            let mut named: Vec<&str> = names.iter().copied().filter(|n| !n.is_empty()).collect();
            let heading = if e.environment.is_none() {
                named.extend(plan.on_defaults.iter().map(String::as_str));
                if named.is_empty() {
                    "Every environment".to_string()
                } else {
                    format!("Environments {} and every other", named.join(", "))
                }
            } else if named.len() == 1 {
                format!("Environment {}", named[0])
            } else {
                format!("Environments {}", named.join(", "))
            };
            (heading, e.changes.as_slice())
        })
        .collect()
}

/// The facts a group of changes gives as reasons, numbered in order of first use, so that each
/// is explained once and its source listed below the group.
#[derive(Default)]
struct Footnotes(Vec<changes::Fact>);

impl Footnotes {
    /// The fact's number, and whether this is its first use.
    fn number(&mut self, f: changes::Fact) -> (usize, bool) {
        match self.0.iter().position(|g| *g == f) {
            Some(i) => (i + 1, false),
            None => {
                self.0.push(f);
                (self.0.len(), true)
            }
        }
    }
}

fn counts(plan: &Plan) -> [usize; 4] {
    let mut n = [0; 4];
    for (_, changes) in groups(plan) {
        for c in changes {
            n[c.action as usize] += 1;
        }
    }
    n
}

fn summary(plan: &Plan) -> String {
    let n = counts(plan);
    if plan.is_empty() {
        return "No changes: deploying this program changes nothing platc deploys.".into();
    }
    let risks: Vec<&str> = plan.risks().iter().map(|r| r.as_str()).collect();
    format!(
        "{} to create, {} to update, {} to replace, {} to remove; risks: {}.",
        n[0],
        n[1],
        n[2],
        n[3],
        if risks.is_empty() {
            "none".to_string()
        } else {
            risks.join(", ")
        }
    )
}

fn mode_line(plan: &Plan) -> &'static str {
    match plan.deployment {
        super::Deployment::Incremental => {
            "azd deploys incrementally: nothing the program stops declaring is deleted (pass --deployment stack where azd uses deployment stacks)"
        }
        super::Deployment::Stack => {
            "azd deploys through a deployment stack that deletes what the program stops declaring"
        }
    }
}

struct Paint(bool);

impl Paint {
    fn on(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

fn sign(a: Action) -> (&'static str, &'static str) {
    match a {
        Action::Create => ("+", "32"),
        Action::Update => ("~", "33"),
        Action::Replace => ("-/+", "31"),
        Action::Remove => ("-", "31"),
    }
}

fn risks(c: &Change) -> String {
    c.risks
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn at(c: &Change) -> String {
    if c.at.file.is_empty() {
        String::new()
    } else {
        format!("{}:{}", c.at.file, c.at.line)
    }
}

/// The plan for a terminal: `title` names the two programs.
pub fn human(plan: &Plan, title: &str, colour: bool) -> String {
    let paint = Paint(colour);
    let mut out = String::new();
    let _ = writeln!(out, "{}", paint.on("1", title));
    let _ = writeln!(out, "{}\n", mode_line(plan));
    for (heading, changes) in groups(plan) {
        let _ = writeln!(out, "{}", paint.on("1", &format!("{heading}:")));
        if changes.is_empty() {
            let _ = writeln!(out, "  no changes");
        }
        let mut notes = Footnotes::default();
        for c in changes {
            human_change(&mut out, c, &paint, &mut notes);
        }
        for (i, f) in notes.0.iter().enumerate() {
            let _ = writeln!(out, "  [{}] {}", i + 1, f.source);
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{}", summary(plan));
    if plan.secrets > 0 {
        let _ = writeln!(out, "{}.", secrets_note(plan.secrets));
    }
    out
}

fn human_change(out: &mut String, c: &Change, paint: &Paint, notes: &mut Footnotes) {
    let (s, code) = sign(c.action);
    let head = format!("{s} {:<7}", c.action.as_str());
    let _ = write!(
        out,
        "  {} {} {}  ({}, {})",
        paint.on(code, &head),
        c.type_,
        paint.on("1", &c.name),
        c.what,
        at(c)
    );
    if !c.risks.is_empty() {
        let _ = write!(out, "  {}", paint.on("35", &format!("[{}]", risks(c))));
    }
    out.push('\n');
    if let Some(p) = &c.previous_name {
        let _ = writeln!(out, "      was {p}");
    }
    for p in &c.properties {
        let _ = writeln!(
            out,
            "      {} ({}): {} -> {}",
            p.property, p.field, p.old, p.new
        );
    }
    let mut seen = Vec::new();
    for f in &c.reasons {
        match notes.number(*f) {
            (n, true) => {
                let _ = writeln!(out, "      because {} [{n}]", f.says);
            }
            (n, false) => seen.push(format!("[{n}]")),
        }
    }
    if !seen.is_empty() {
        let _ = writeln!(out, "      because {}, as above", seen.join(", "));
    }
    for n in &c.notes {
        let _ = writeln!(out, "      note: {n}");
    }
    if c.children > 0 {
        let _ = writeln!(
            out,
            "      with {} resource{} under it",
            c.children,
            if c.children == 1 { "" } else { "s" }
        );
    }
}

fn change_json(c: &Change) -> Value {
    json!({
        "action": c.action.as_str(),
        "type": c.type_,
        "name": c.name,
        "previous_name": c.previous_name,
        "declaration": c.what,
        "file": c.at.file,
        "line": c.at.line,
        "properties": c.properties.iter().map(|p| json!({
            "property": p.property,
            "field": p.field,
            "old": p.old,
            "new": p.new,
        })).collect::<Vec<_>>(),
        "reasons": c.reasons.iter().map(|f| json!({"says": f.says, "source": f.source})).collect::<Vec<_>>(),
        "risks": c.risks.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "notes": c.notes,
        "children": c.children,
    })
}

/// The plan as one JSON document, as spec.md §7 ("Plans") documents it.
pub fn json(plan: &Plan) -> Value {
    let n = counts(plan);
    json!({
        "version": 1,
        "deployment": plan.deployment.as_str(),
        "environments": plan.environments.iter().map(|e| json!({
            "environment": e.environment,
            "changes": e.changes.iter().map(change_json).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "on_defaults": plan.on_defaults,
        "summary": {
            "create": n[0],
            "update": n[1],
            "replace": n[2],
            "remove": n[3],
            "risks": plan.risks().iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        },
        "secrets": {
            "count": plan.secrets,
            "note": (plan.secrets > 0).then(|| secrets_note(plan.secrets)),
        },
    })
}

/// Text inside Markdown code spans: a backtick would close the span.
fn code(s: &str) -> String {
    format!("`{}`", s.replace('`', "'"))
}

/// The plan as a pull-request comment.
pub fn markdown(plan: &Plan, title: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### {title}\n");
    let _ = writeln!(out, "{}\n", mode_line(plan));
    let risks: Vec<String> = plan.risks().iter().map(|r| risk_badge(*r)).collect();
    if !risks.is_empty() {
        let _ = writeln!(out, "**Risks:** {}\n", risks.join(" "));
    }
    for (heading, changes) in groups(plan) {
        let _ = writeln!(out, "#### {heading}\n");
        if changes.is_empty() {
            let _ = writeln!(out, "No changes.\n");
            continue;
        }
        let mut notes = Footnotes::default();
        for c in changes {
            markdown_change(&mut out, c, &mut notes);
        }
        out.push('\n');
        for (i, f) in notes.0.iter().enumerate() {
            let _ = writeln!(out, "{}. {}", i + 1, f.source);
        }
        if !notes.0.is_empty() {
            out.push('\n');
        }
    }
    let _ = writeln!(out, "{}", summary(plan));
    if plan.secrets > 0 {
        let _ = writeln!(out, "\n_{}._", secrets_note(plan.secrets));
    }
    out
}

fn risk_badge(r: Risk) -> String {
    format!("**`{}`**", r.as_str())
}

fn markdown_change(out: &mut String, c: &Change, notes: &mut Footnotes) {
    let _ = write!(
        out,
        "- **{}** {} {} — {}, {}",
        c.action.as_str(),
        code(&c.name),
        code(c.type_),
        c.what.replace('|', "\\|"),
        code(&at(c))
    );
    if !c.risks.is_empty() {
        let badges: Vec<String> = c.risks.iter().map(|r| risk_badge(*r)).collect();
        let _ = write!(out, " — {}", badges.join(" "));
    }
    out.push('\n');
    if let Some(p) = &c.previous_name {
        let _ = writeln!(out, "  - was {}", code(p));
    }
    for p in &c.properties {
        let _ = writeln!(
            out,
            "  - {} ({}): {} → {}",
            code(&p.property),
            code(p.field),
            code(&p.old),
            code(&p.new)
        );
    }
    let mut seen = Vec::new();
    for f in &c.reasons {
        match notes.number(*f) {
            (n, true) => {
                let _ = writeln!(out, "  - because {} ({n})", f.says);
            }
            (n, false) => seen.push(format!("({n})")),
        }
    }
    if !seen.is_empty() {
        let _ = writeln!(out, "  - because {}, as above", seen.join(", "));
    }
    for n in &c.notes {
        let _ = writeln!(out, "  - note: {n}");
    }
    if c.children > 0 {
        let _ = writeln!(
            out,
            "  - with {} resource{} under it",
            c.children,
            if c.children == 1 { "" } else { "s" }
        );
    }
}
