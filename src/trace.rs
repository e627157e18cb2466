//! `platc trace`: from an ARM deployment error back to the `.plat` line, through `platc.map.json`.
//! ARM errors name a module deployment (`vault-secrets`), a resource id
//! (`/subscriptions/…/providers/Microsoft.KeyVault/vaults/kv-secrets-x/secrets/db-password`) or a
//! resource's type and name; each is matched against the map's deployments and name patterns.

use serde_json::Value;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub file: String,
    pub line: u64,
    pub column: u64,
    /// What produced it: `cluster "main"`, or `secret "db-password"` for a finer origin.
    pub declaration: String,
    /// What in the error matched.
    pub evidence: String,
    /// Lower is more precise: a resource id with its own origin, a resource id, a named
    /// resource, a deployment.
    pub rank: u8,
}

/// `*` matches any run of characters; comparison ignores case, as ARM names do.
pub fn glob(pattern: &str, text: &str) -> bool {
    glob_lower(&pattern.to_ascii_lowercase(), &text.to_ascii_lowercase())
}

/// `glob` on a pattern and a text already in lower case.
fn glob_lower(p: &str, t: &str) -> bool {
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return p == t;
    }
    let mut rest = t;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

/// Names found in the text, for looking patterns up: each distinct name in lower case, sorted,
/// with the position of its first occurrence. A pattern costs a binary search for its literal
/// prefix and a glob of each name that shares it, not a pass over every name: a long error text
/// has tens of thousands of words, and a large map as many patterns.
struct Index {
    sorted: Vec<(String, usize)>,
}

impl Index {
    fn new<'a>(names: impl IntoIterator<Item = (usize, &'a str)>) -> Index {
        let mut sorted: Vec<(String, usize)> = names
            .into_iter()
            .map(|(at, n)| (n.to_ascii_lowercase(), at))
            .collect();
        // By name, then position: the first of each run of equal names is where it occurs first.
        sorted.sort_unstable();
        sorted.dedup_by(|later, first| later.0 == first.0);
        Index { sorted }
    }

    /// The position of the first occurrence of `name`, ignoring case.
    fn exact(&self, name: &str) -> Option<usize> {
        let name = name.to_ascii_lowercase();
        self.sorted
            .binary_search_by(|(n, _)| n.as_str().cmp(&name))
            .ok()
            .map(|i| self.sorted[i].1)
    }

    /// The position of the first name the glob `pattern` matches.
    fn first(&self, pattern: &str) -> Option<usize> {
        let p = pattern.to_ascii_lowercase();
        let Some((prefix, _)) = p.split_once('*') else {
            return self.exact(&p);
        };
        let from = self.sorted.partition_point(|(n, _)| n.as_str() < prefix);
        self.sorted[from..]
            .iter()
            .take_while(|(n, _)| n.starts_with(prefix))
            .filter(|(n, _)| glob_lower(&p, n))
            .map(|&(_, at)| at)
            .min()
    }
}

/// (type, name) of every resource id in the text; for an extension resource, its own last part.
fn resource_ids(text: &str) -> Vec<(String, String)> {
    const PROVIDERS: &str = "/providers/";
    let id_char = |c: &u8| c.is_ascii_alphanumeric() || b"-._/~%()$".contains(c);
    let mut out = Vec::new();
    let lower = text.to_ascii_lowercase();
    let found: Vec<usize> = memchr::memmem::find_iter(lower.as_bytes(), PROVIDERS).collect();
    // Where the run of id characters that holds the current `/providers/` ends. Ids follow each
    // other within one run (an extension resource's id holds its parent's), so each run is
    // scanned once, not once for each `/providers/` in it.
    let mut run_end = 0;
    for (k, &at) in found.iter().enumerate() {
        let start = at + PROVIDERS.len();
        if start > run_end {
            run_end = text.as_bytes()[start..]
                .iter()
                .position(|c| !id_char(c))
                .map_or(text.len(), |e| start + e);
        }
        // Stop at a nested `/providers/`: that starts the next (extension) resource.
        let end = found.get(k + 1).map_or(run_end, |&next| next.min(run_end));
        let chunk = &text[start..end.max(start)];
        let segs: Vec<&str> = chunk.split('/').filter(|s| !s.is_empty()).collect();
        if segs.len() >= 3 {
            let ns = segs[0];
            let (mut types, mut names) = (vec![ns.to_string()], Vec::new());
            for pair in segs[1..].chunks(2) {
                if let [t, n] = pair {
                    types.push(t.to_string());
                    names.push(n.to_string());
                }
            }
            if !names.is_empty() {
                out.push((types.join("/"), names.join("/")));
            }
        }
    }
    out
}

/// Words in quotes, and bare words that look like names (letters, digits, `-`, `_`, `.`), in
/// text order, repeats included.
fn candidates(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
        .map(|word| word.trim_matches('.'))
        .filter(|w| w.len() >= 3)
}

fn hit(source: &Value, declaration: String, evidence: String, rank: u8) -> Option<Hit> {
    Some(Hit {
        file: source["file"].as_str()?.to_string(),
        line: source["line"].as_u64()?,
        column: source["column"].as_u64()?,
        declaration,
        evidence,
        rank,
    })
}

/// A deployment's resources as the map lists them, with the rows of its `loops` (resources a
/// Bicep loop makes: key-values, secrets) spelled out as resources of their own, named below the
/// deployment's resource.
pub fn resources(d: &Value) -> Vec<Value> {
    let mut out: Vec<Value> = d["resources"].as_array().cloned().unwrap_or_default();
    let parent = d["name"].as_str().unwrap_or_default();
    for group in d["loops"].as_array().into_iter().flatten() {
        let type_ = group["type"].clone();
        for row in group["items"].as_array().into_iter().flatten() {
            let Some([child, file, line, column, declaration]) = row
                .as_array()
                .and_then(|r| <&[Value; 5]>::try_from(r.as_slice()).ok())
            else {
                continue;
            };
            out.push(serde_json::json!({
                "symbol": "loop",
                "type": type_,
                "name": format!("{parent}/{}", child.as_str().unwrap_or_default()),
                "source": { "file": file, "line": line, "column": column },
                "declaration": declaration,
            }));
        }
    }
    out
}

/// Every place in the map that the error text names, most specific first. Linear in the text
/// and the map, but for the names in the text that share a pattern's literal prefix.
pub fn trace(map: &Value, text: &str) -> Vec<Hit> {
    let ids = resource_ids(text);
    // std's hasher, not the compiler's fast one: the text comes from outside.
    let mut ids_by_type: HashMap<String, Vec<(usize, &str)>> = HashMap::new();
    for (at, (t, n)) in ids.iter().enumerate() {
        ids_by_type
            .entry(t.to_ascii_lowercase())
            .or_default()
            .push((at, n));
    }
    let ids_by_type: HashMap<String, Index> = ids_by_type
        .into_iter()
        .map(|(t, names)| (t, Index::new(names)))
        .collect();
    let id_named = |rtype: &str, pattern: &str| {
        ids_by_type
            .get(&rtype.to_ascii_lowercase())
            .and_then(|ix| ix.first(pattern))
            .map(|at| &ids[at])
    };
    let words: Vec<&str> = candidates(text).collect();
    let word_index = Index::new(words.iter().copied().enumerate());
    let lower_text = text.to_ascii_lowercase();
    // Whether the text names a resource type, asked once for each type.
    let mut types_named: HashMap<String, bool> = HashMap::new();
    let mut hits: Vec<Hit> = Vec::new();
    let empty = Vec::new();
    for d in map["deployments"].as_array().unwrap_or(&empty) {
        let declaration = d["declaration"].as_str().unwrap_or_default().to_string();
        let deployment = d["deployment"].as_str().unwrap_or_default();
        for r in &resources(d) {
            let (rtype, rname) = (
                r["type"].as_str().unwrap_or_default(),
                r["name"].as_str().unwrap_or_default(),
            );
            // A name that is only a wildcard (a role assignment's guid) says nothing.
            if rname.chars().all(|c| c == '*' || c == '/') {
                continue;
            }
            let by_id = id_named(rtype, rname);
            let mut by_name = || {
                let leaf = rname.rsplit('/').next().unwrap_or(rname);
                let rtype = rtype.to_ascii_lowercase();
                let type_named = match types_named.get(&rtype) {
                    Some(&named) => named,
                    None => {
                        let named = lower_text.contains(&rtype);
                        types_named.insert(rtype, named);
                        named
                    }
                };
                let looked_for = type_named && !leaf.contains('*')
                    || rname.contains('*') && !rname.contains('/');
                if !looked_for {
                    return None;
                }
                let whole = word_index.first(rname);
                let by_leaf = type_named.then(|| word_index.first(leaf)).flatten();
                whole.into_iter().chain(by_leaf).min().map(|at| words[at])
            };
            let (evidence, rank) = match by_id {
                Some((t, n)) => (Some(format!("{t} `{n}`")), 1),
                None => (by_name().map(|w| format!("{rtype} `{w}`")), 2),
            };
            if let Some(evidence) = evidence {
                let (source, what, rank) = match (r.get("source"), r["declaration"].as_str()) {
                    (Some(s), Some(what)) => (s, what.to_string(), rank - 1),
                    _ => (&d["source"], declaration.clone(), rank),
                };
                hits.extend(hit(source, what, evidence, rank));
            }
        }
        let deployment_named = word_index.exact(deployment).is_some()
            || ids_by_type
                .get("microsoft.resources/deployments")
                .and_then(|ix| ix.exact(deployment))
                .is_some();
        if deployment_named {
            hits.extend(hit(
                &d["source"],
                declaration.clone(),
                format!("deployment `{deployment}`"),
                3,
            ));
        }
    }
    hits.sort_by_key(|h| h.rank);
    let mut seen = HashSet::new();
    hits.retain(|h| seen.insert((h.file.clone(), h.line, h.declaration.clone())));
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_and_ids() {
        assert!(glob("kv-secrets-*", "KV-secrets-abc123"));
        assert!(glob("*-pe", "kv-x-pe"));
        assert!(!glob("kv-secrets-*", "kv-other-abc"));
        let ids = resource_ids(
            "x /subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-a/secrets/db\" y",
        );
        assert_eq!(
            ids,
            [(
                "Microsoft.KeyVault/vaults/secrets".to_string(),
                "kv-a/db".to_string()
            )]
        );
        let ext = resource_ids(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-a/providers/Microsoft.KubernetesConfiguration/extensions/flux",
        );
        assert_eq!(
            ext[1],
            (
                "Microsoft.KubernetesConfiguration/extensions".to_string(),
                "flux".to_string()
            )
        );
    }
}
