//! What platc writes into main.parameters.json, which azd reads through its `${NAME}` substitution:
//! text of the author's reaches azd escaped, or is refused at the source.

use platc::Options;
use platc::source::SourceMap;

fn parameters(program: &str) -> Result<serde_json::Value, String> {
    let mut sources = SourceMap::new();
    sources.add("p.plat", program.to_string());
    let c = platc::compile(&sources, &Options::default());
    if c.has_errors() {
        return Err(platc::diag::render::human(&sources, &c.diagnostics, false));
    }
    Ok(serde_json::from_str(&c.artifacts["main.parameters.json"]).unwrap())
}

#[test]
fn a_literal_dollar_is_escaped_for_azd() {
    let p = parameters(
        "platform \"x\" {\n  location = \"east${DB_PASSWORD}us\"\n  private_networking = false\n}\nlogs \"l\" { }\n",
    )
    .unwrap();
    assert_eq!(
        p["parameters"]["location"]["value"],
        "east$${DB_PASSWORD}us"
    );
}

#[test]
fn a_default_azd_would_substitute_is_refused() {
    for default in ["${DB_PASSWORD}", "east}us", "$HOME"] {
        let err = parameters(&format!(
            "platform \"x\" {{\n  location = env(\"AZURE_LOCATION\", \"{default}\")\n  private_networking = false\n}}\nlogs \"l\" {{ }}\n"
        ))
        .unwrap_err();
        assert!(err.contains("error[E0113]"), "{default}: {err}");
    }
    let ok = parameters(
        "platform \"x\" {\n  location = env(\"AZURE_LOCATION\", \"eastus\")\n  private_networking = false\n}\nlogs \"l\" { }\n",
    )
    .unwrap();
    assert_eq!(
        ok["parameters"]["location"]["value"],
        "${AZURE_LOCATION=eastus}"
    );
}
