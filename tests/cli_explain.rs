//! `oauthscope explain`: entries, error codes (alone or inside a pasted message), the index,
//! `--json`, and an unknown name that exits 1 with the closest names.

use std::process::{Command, Output};

use serde_json::Value;

fn oauthscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oauthscope"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).expect("stdout is one JSON document")
}

#[test]
fn a_parameter_says_what_it_is_for_what_to_check_and_its_rule() {
    let output = oauthscope(&["explain", "state"]);
    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    assert!(text.starts_with("state (parameter)"), "{text}");
    for part in ["for:", "check:", "without:", "CSRF", "RFC 6749 §10.12"] {
        assert!(text.contains(part), "{part} missing from:\n{text}");
    }
}

#[test]
fn a_name_with_several_meanings_shows_each_or_the_one_asked_for() {
    let all = json_of(&oauthscope(&["explain", "iss", "--json"]));
    let contexts: Vec<&str> = all["entries"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["contexts"].as_array().unwrap())
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(
        contexts.contains(&"parameter") && contexts.contains(&"claim"),
        "{contexts:?}"
    );

    let claim = json_of(&oauthscope(&["explain", "iss", "--as", "claim", "--json"]));
    let entries = claim["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{claim}");
    assert!(
        entries[0]["spec"]
            .as_str()
            .unwrap()
            .contains("RFC 7519 §4.1.1")
    );
    assert_eq!(claim["ok"], true);
    assert_eq!(claim["error"], Value::Null);
}

#[test]
fn an_alias_finds_its_entry() {
    let text = stdout(&oauthscope(&["explain", "plain"]));
    assert!(text.starts_with("code_challenge_method"), "{text}");
    assert!(text.contains("RFC 7636"), "{text}");
}

#[test]
fn an_error_code_shows_causes_and_what_to_try_in_any_case() {
    let output = oauthscope(&["explain", "INVALID_GRANT"]);
    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    assert!(
        text.starts_with("invalid_grant (error code, OAuth / OpenID Connect)"),
        "{text}"
    );
    assert!(
        text.contains("likely causes:") && text.contains("try:"),
        "{text}"
    );
    assert!(text.contains("RFC 6749 §5.2"), "{text}");
    // Vendors that read the code their own way follow the standard meaning.
    assert!(text.contains("(error code, Google)"), "{text}");
}

#[test]
fn a_vendor_code_is_found_inside_a_pasted_message() {
    let pasted = "AADSTS50011: The redirect URI 'http://localhost:8080/cb' specified in the \
                  request does not match the redirect URIs configured for the application";
    let doc = json_of(&oauthscope(&["explain", pasted, "--json"]));
    assert_eq!(doc["ok"], true, "{doc}");
    let error = &doc["errors"][0];
    assert_eq!(error["code"], "AADSTS50011");
    assert_eq!(error["vendor"], "entra");
    assert!(!error["causes"].as_array().unwrap().is_empty());
    assert!(!error["try"].as_array().unwrap().is_empty());

    let okta = stdout(&oauthscope(&["explain", "e0000011"]));
    assert!(okta.starts_with("E0000011 (error code, Okta)"), "{okta}");
}

#[test]
fn an_unknown_name_exits_1_with_the_closest_names() {
    let output = oauthscope(&["explain", "nounce"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no explanation for `nounce`"), "{stderr}");
    assert!(stderr.contains("closest: nonce"), "{stderr}");

    let doc = json_of(&oauthscope(&["explain", "code_chalenge", "--json"]));
    assert_eq!(doc["ok"], false);
    let suggestions = doc["suggestions"].as_array().unwrap();
    assert_eq!(suggestions[0], "code_challenge", "{doc}");
}

#[test]
fn a_name_asked_in_the_wrong_context_is_not_found() {
    let output = oauthscope(&["explain", "at_hash", "--as", "parameter"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("as a parameter"), "{stderr}");
}

#[test]
fn without_a_name_the_whole_catalogue_is_listed() {
    let output = oauthscope(&["explain"]);
    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    for heading in [
        "Parameters",
        "Response fields",
        "Claims",
        "Headers",
        "Error codes: OAuth / OpenID Connect",
        "Error codes: Microsoft Entra ID",
        "Error codes: Okta",
        "Error codes: Auth0",
        "Error codes: Google",
    ] {
        assert!(text.lines().any(|l| l == heading), "{heading} missing");
    }
    assert!(text.lines().any(|l| l.trim_start().starts_with("at_hash ")));

    let claims = json_of(&oauthscope(&["explain", "--as", "claim", "--json"]));
    let entries = claims["entries"].as_array().unwrap();
    assert!(entries.len() > 30, "{}", entries.len());
    assert!(
        entries
            .iter()
            .all(|e| e["contexts"].as_array().unwrap().contains(&"claim".into()))
    );
    assert_eq!(claims["errors"].as_array().unwrap().len(), 0);
}
