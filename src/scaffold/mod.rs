//! `platc init`: the files of a new project, ready to build and provision.

use crate::Artifacts;

const PLATFORM: &str = include_str!("platform.plat");
const AZURE_YAML: &str = include_str!("azure.yaml");
const GITIGNORE: &str =
    "# azd's per-environment state (values, secrets set with `azd env set`)\n.azure/\n";

/// A project name azd and platc accept, from a directory name: lowercase letters, digits and
/// inner hyphens, at most 40 characters.
pub fn project_name(dir_name: &str) -> String {
    let mut name: String = dir_name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    while name.contains("--") {
        name = name.replace("--", "-");
    }
    let name: String = name.trim_matches('-').chars().take(40).collect();
    let name = name.trim_end_matches('-').to_string();
    if name.len() < 2 {
        "platform".to_string()
    } else {
        name
    }
}

/// `platform.plat`, `azure.yaml` and `.gitignore` for a project called `name`.
pub fn files(name: &str) -> Artifacts {
    let mut out = Artifacts::new();
    out.insert("platform.plat".into(), PLATFORM.replace("{{NAME}}", name));
    out.insert("azure.yaml".into(), AZURE_YAML.replace("{{NAME}}", name));
    out.insert(".gitignore".into(), GITIGNORE.into());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceMap;

    #[test]
    fn names_follow_azd_rules() {
        assert_eq!(project_name("My Platform_2"), "my-platform-2");
        assert_eq!(project_name("--x--"), "platform");
        assert_eq!(project_name(&"a".repeat(60)).len(), 40);
    }

    #[test]
    fn the_scaffold_compiles_cleanly() {
        let files = files("acme-shop");
        let mut sources = SourceMap::new();
        sources.add("platform.plat", files["platform.plat"].clone());
        let result = crate::compile(
            &sources,
            &crate::Options {
                source_name: "platform.plat".into(),
                ..Default::default()
            },
        );
        let shown = crate::diag::render::human(&sources, &result.diagnostics, false);
        assert!(result.diagnostics.is_empty(), "{shown}");
        assert!(files["azure.yaml"].contains("name: acme-shop"));
    }
}
