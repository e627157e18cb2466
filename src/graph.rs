//! `platc graph`: the platform as a picture — declarations as nodes, what uses what as edges — in
//! Mermaid (renders in Markdown on GitHub and Azure DevOps) or Graphviz dot.

use crate::model::{GitopsSource, KvContent, Platform};

pub struct Node {
    pub id: String,
    pub label: String,
    pub kind: &'static str,
}

pub struct Edge {
    pub from: String,
    pub to: String,
    pub label: String,
}

#[derive(Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

fn node_id(kind: &str, name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("{kind}_{clean}")
}

impl Graph {
    fn node(&mut self, kind: &'static str, name: &str, detail: &str) -> String {
        let id = node_id(kind, name);
        if !self.nodes.iter().any(|n| n.id == id) {
            let label = if detail.is_empty() {
                format!("{kind} {name}")
            } else {
                format!("{kind} {name}\n{detail}")
            };
            self.nodes.push(Node {
                id: id.clone(),
                label,
                kind,
            });
        }
        id
    }

    fn edge(&mut self, from: &str, to: &str, label: impl Into<String>) {
        self.edges.push(Edge {
            from: from.to_string(),
            to: to.to_string(),
            label: label.into(),
        });
    }
}

/// The graph of a checked platform.
pub fn build(p: &Platform) -> Graph {
    let mut g = Graph::default();
    for (n, net) in &p.networks {
        g.node("network", n, &net.address_space.join(", "));
    }
    for n in p.logs.keys() {
        g.node("logs", n, "Log Analytics");
    }
    for (n, m) in &p.metrics {
        g.node(
            "metrics",
            n,
            if m.grafana {
                "Monitor workspace + Grafana"
            } else {
                "Monitor workspace"
            },
        );
    }
    for (n, r) in &p.registries {
        g.node("registry", n, &r.sku);
    }
    for (n, v) in &p.vaults {
        let vid = g.node("vault", n, if v.private { "private" } else { "public" });
        for s in v.secrets.keys() {
            let sid = g.node("secret", s, "");
            g.edge(&sid, &vid, "stored in");
        }
        for (k, key) in &v.keys {
            let kid = g.node("key", k, &key.spec.kty);
            g.edge(&kid, &vid, "stored in");
        }
        for c in v.certificates.keys() {
            let cid = g.node("certificate", c, "");
            g.edge(&cid, &vid, "stored in");
        }
    }
    for (n, s) in &p.storages {
        g.node("storage", n, &s.containers.join(", "));
    }
    for (n, a) in &p.appconfigs {
        let aid = g.node("appconfig", n, &format!("{} entries", a.entries.len()));
        for e in &a.entries {
            if let KvContent::SecretRef { secret, .. } = &e.content {
                let sid = node_id("secret", secret);
                g.edge(&aid, &sid, format!("{} references", e.key));
            }
        }
    }
    for (n, c) in &p.clusters {
        let mut extensions = Vec::new();
        for (on, name) in [
            (c.flux, "flux"),
            (c.app_config_provider, "app config provider"),
            (c.keyvault_csi.is_some(), "key vault csi"),
            (c.istio.is_some(), "istio"),
            (c.azure_policy.is_some(), "azure policy"),
            (c.prometheus, "prometheus"),
        ] {
            if on {
                extensions.push(name);
            }
        }
        let cid = g.node("cluster", n, &extensions.join(", "));
        if let Some((net, sub)) = &c.network.subnet {
            g.edge(&cid, &node_id("network", net), format!("nodes in {sub}"));
        }
        if let Some(r) = &c.registry {
            g.edge(&cid, &node_id("registry", r), "pulls images");
        }
        if let Some((k, _)) = &c.kms {
            g.edge(&cid, &node_id("key", k), "encrypts secrets (KMS)");
        }
        if let Some(l) = &c.logs {
            g.edge(&cid, &node_id("logs", l), "container insights");
        }
        if let Some(m) = &c.metrics {
            g.edge(&cid, &node_id("metrics", m), "prometheus metrics");
        }
        for (gname, ops) in &c.gitops {
            match &ops.source {
                GitopsSource::Git { url, .. } => {
                    let src = g.node("git", url, "");
                    g.edge(&cid, &src, format!("gitops {gname}"));
                }
                GitopsSource::Blob {
                    storage, container, ..
                } => g.edge(
                    &cid,
                    &node_id("storage", storage),
                    format!("gitops {gname} ({container})"),
                ),
            }
        }
    }
    for (n, i) in &p.identities {
        let iid = g.node("identity", n, "");
        for f in &i.federations {
            g.edge(
                &iid,
                &node_id("cluster", &f.cluster),
                format!("federated {}/{}", f.namespace, f.service_account),
            );
        }
        for gr in &i.grants {
            g.edge(
                &iid,
                &node_id(&gr.target.kind, &gr.target.name),
                gr.role.clone(),
            );
        }
    }
    g
}

fn shape(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "cluster" => ("[[", "]]"),
        "identity" => ("([", "])"),
        "secret" | "key" | "certificate" | "git" => ("[/", "/]"),
        _ => ("[", "]"),
    }
}

pub fn mermaid(g: &Graph) -> String {
    let mut out = String::from("flowchart LR\n");
    for n in &g.nodes {
        let (open, close) = shape(n.kind);
        out.push_str(&format!(
            "  {}{open}\"{}\"{close}\n",
            n.id,
            n.label.replace('"', "'").replace('\n', "<br/>")
        ));
    }
    for e in &g.edges {
        out.push_str(&format!(
            "  {} -->|\"{}\"| {}\n",
            e.from,
            e.label.replace('"', "'"),
            e.to
        ));
    }
    out
}

pub fn dot(g: &Graph) -> String {
    let esc = |s: &str| {
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    };
    let mut out =
        String::from("digraph platform {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
    for n in &g.nodes {
        let shape = match n.kind {
            "cluster" => "box3d",
            "identity" => "ellipse",
            "secret" | "key" | "certificate" | "git" => "parallelogram",
            _ => "box",
        };
        out.push_str(&format!(
            "  {} [label=\"{}\", shape={shape}];\n",
            n.id,
            esc(&n.label)
        ));
    }
    for e in &g.edges {
        out.push_str(&format!(
            "  {} -> {} [label=\"{}\"];\n",
            e.from,
            e.to,
            esc(&e.label)
        ));
    }
    out.push_str("}\n");
    out
}
