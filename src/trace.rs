//! `platc trace`: from an ARM deployment error back to the `.plat` line, through `platc.map.json`.
//! ARM errors name a module deployment (`vault-secrets`), a resource id
//! (`/subscriptions/…/providers/Microsoft.KeyVault/vaults/kv-secrets-x/secrets/db-password`) or a
//! resource's type and name; each is matched against the map's deployments and name patterns.

use serde_json::Value;

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
    let (p, t) = (pattern.to_ascii_lowercase(), text.to_ascii_lowercase());
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return p == t;
    }
    let mut rest = t.as_str();
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

/// (type, name) of every resource id in the text; for an extension resource, its own last part.
fn resource_ids(text: &str) -> Vec<(String, String)> {
    let id_char = |c: char| c.is_ascii_alphanumeric() || "-._/~%()$".contains(c);
    let mut out = Vec::new();
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find("/providers/") {
        let start = from + at + "/providers/".len();
        let end = text[start..]
            .find(|c: char| !id_char(c))
            .map_or(text.len(), |e| start + e);
        // Stop at a nested `/providers/`: that starts the next (extension) resource.
        let chunk = &text[start..end];
        let chunk = match chunk.to_ascii_lowercase().find("/providers/") {
            Some(n) => &chunk[..n],
            None => chunk,
        };
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
        from = start;
    }
    out
}

/// Words in quotes, and bare words that look like names (letters, digits, `-`, `_`, `.`).
fn candidates(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c))) {
        let w = word.trim_matches('.');
        if w.len() >= 3 && !out.iter().any(|o| o == w) {
            out.push(w.to_string());
        }
    }
    out
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

/// Every place in the map that the error text names, most specific first.
pub fn trace(map: &Value, text: &str) -> Vec<Hit> {
    let ids = resource_ids(text);
    let words = candidates(text);
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
            let by_id = ids
                .iter()
                .find(|(t, n)| t.eq_ignore_ascii_case(rtype) && glob(rname, n));
            let by_name = || {
                let leaf = rname.rsplit('/').next().unwrap_or(rname);
                let type_named = text
                    .to_ascii_lowercase()
                    .contains(&rtype.to_ascii_lowercase());
                (type_named && !leaf.contains('*') || rname.contains('*') && !rname.contains('/'))
                    .then(|| {
                        words
                            .iter()
                            .find(|w| glob(rname, w) || (type_named && glob(leaf, w)))
                    })
                    .flatten()
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
        let deployment_named = words.iter().any(|w| w.eq_ignore_ascii_case(deployment))
            || ids.iter().any(|(t, n)| {
                t.eq_ignore_ascii_case("Microsoft.Resources/deployments")
                    && n.eq_ignore_ascii_case(deployment)
            });
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
    let mut seen = Vec::new();
    hits.retain(|h| {
        let key = (h.file.clone(), h.line, h.declaration.clone());
        let new = !seen.contains(&key);
        seen.push(key);
        new
    });
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
