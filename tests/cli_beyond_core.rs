//! The CLI beyond the core grants, through the real binary against the built-in mock:
//! `--dpop` / `--dpop-key` (proofs, the server's nonce as a step, the binding checked),
//! `--authorization-details` (sent and granted), and `run token-exchange` (delegation).

use oauthscope::mock::{
    DEMO_CONFIDENTIAL_CLIENT, DEMO_EXCHANGE_AUDIENCE, DEMO_SECRET, MockConfig, MockServer,
};
use serde_json::{Value, json};

#[path = "support/cli.rs"]
mod cli;
use cli::oauthscope;

const ACCESS: &str = "urn:ietf:params:oauth:token-type:access_token";

/// `run FLOW --issuer ISSUER` as the demo confidential client, then `extra`.
fn as_confidential<'a>(flow: &'a str, issuer: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "run",
        flow,
        "--issuer",
        issuer,
        "--client-id",
        DEMO_CONFIDENTIAL_CLIENT,
        "--client-secret",
        DEMO_SECRET,
    ];
    args.extend_from_slice(extra);
    args
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)))
}

#[tokio::test(flavor = "multi_thread")]
async fn client_credentials_with_a_key_file_meets_a_nonce_and_gets_a_bound_token() {
    let mut config = MockConfig::demo();
    config.dpop_nonce = true;
    let mock = MockServer::start(config).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("dpop.pem");
    let key = key_file.to_str().unwrap();
    let args = as_confidential(
        "client-credentials",
        mock.issuer(),
        &["--dpop-key", key, "--json"],
    );
    let out = oauthscope(&args).await;
    let doc = json_of(&out);
    assert_eq!(doc["ok"], true, "{doc}");
    let kinds: Vec<&str> = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds[..2],
        ["dpop_nonce", "client_credentials"],
        "{kinds:?}"
    );
    assert!(doc["steps"][1]["dpop_proof"]["claims"]["nonce"].is_string());
    let binding = &doc["outcome"]["dpop"];
    let verdicts: Vec<&Value> = binding["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["verdict"])
        .collect();
    assert_eq!(verdicts, ["pass", "pass"], "{binding}");
    assert_eq!(
        doc["outcome"]["access_token"]["claims"]["cnf"]["jkt"],
        binding["jkt"]
    );

    // The key file was written once and is the key of the next run too.
    let again = json_of(&oauthscope(&args).await);
    assert_eq!(again["outcome"]["dpop"]["jkt"], binding["jkt"]);

    // For humans: the proof on its step and the binding checks.
    let text = oauthscope(&args[..args.len() - 1]).await;
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("DPoP proof  "), "{stdout}");
    assert!(stdout.contains("DPoP binding (key thumbprint"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_key_file_says_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("rsa.jwk");
    std::fs::write(&key_file, r#"{"kty":"RSA","n":"x","e":"AQAB","d":"x"}"#).unwrap();
    let out = oauthscope(&as_confidential(
        "client-credentials",
        "http://127.0.0.1:9",
        &["--dpop-key", key_file.to_str().unwrap()],
    ))
    .await;
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("P-256"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn client_credentials_sends_the_details_from_a_file_and_reports_the_grant() {
    let mock = MockServer::start(MockConfig::demo()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("details.json");
    std::fs::write(
        &file,
        r#"[ {"type": "account_information", "actions": ["list"]} ]"#,
    )
    .unwrap();
    let at_file = format!("@{}", file.display());
    let mut args = as_confidential(
        "client-credentials",
        mock.issuer(),
        &["--authorization-details", &at_file],
    );
    let text = oauthscope(&args).await;
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("Granted authorization_details"), "{stdout}");
    args.push("--json");
    let doc: serde_json::Value = serde_json::from_slice(&oauthscope(&args).await.stdout).unwrap();
    assert_eq!(doc["ok"], true, "{doc}");
    let granted = json!([{"type": "account_information", "actions": ["list"]}]);
    assert_eq!(doc["outcome"]["authorization_details"], granted);
    assert_eq!(
        doc["outcome"]["access_token"]["claims"]["authorization_details"],
        granted
    );
    let sent = &doc["steps"][0]["request"]["params"];
    assert!(
        sent.as_array()
            .unwrap()
            .iter()
            .any(|p| p[0] == "authorization_details"),
        "{sent}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn details_that_are_not_json_are_refused_before_sending() {
    let out = oauthscope(&as_confidential(
        "client-credentials",
        "http://127.0.0.1:9",
        &["--authorization-details", "[{type: payment}]"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--authorization-details is not JSON"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_token_exchanged_with_an_actor_names_it_in_act() {
    let mock = MockServer::start(MockConfig::demo()).await.unwrap();
    let first = json_of(
        &oauthscope(&as_confidential(
            "client-credentials",
            mock.issuer(),
            &["--json"],
        ))
        .await,
    );
    let subject = first["outcome"]["tokens"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let subject_arg = format!("--subject-token={subject}");
    let actor_arg = format!("--actor-token={subject}");
    let args = as_confidential(
        "token-exchange",
        mock.issuer(),
        &[
            &subject_arg,
            &actor_arg,
            "--audience",
            DEMO_EXCHANGE_AUDIENCE,
            "--requested-token-type",
            ACCESS,
            "--json",
        ],
    );
    let doc = json_of(&oauthscope(&args).await);
    assert_eq!(doc["ok"], true, "{doc}");
    assert_eq!(doc["flow"], "token_exchange");
    assert_eq!(doc["steps"][0]["kind"], "token_exchange");
    assert_eq!(doc["outcome"]["tokens"]["issued_token_type"], ACCESS);
    let claims = &doc["outcome"]["access_token"]["claims"];
    assert_eq!(claims["aud"], DEMO_EXCHANGE_AUDIENCE);
    assert_eq!(claims["act"]["sub"], DEMO_CONFIDENTIAL_CLIENT);
    let sent: Vec<&str> = doc["steps"][0]["request"]["params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[0].as_str().unwrap())
        .collect();
    for name in [
        "subject_token",
        "subject_token_type",
        "actor_token",
        "actor_token_type",
        "audience",
    ] {
        assert!(sent.contains(&name), "{name} not sent: {sent:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_subject_token_the_flow_says_so() {
    let mock = MockServer::start(MockConfig::demo()).await.unwrap();
    let out = oauthscope(&[
        "run",
        "token-exchange",
        "--issuer",
        mock.issuer(),
        "--client-id",
        DEMO_CONFIDENTIAL_CLIENT,
    ])
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--subject-token"));
}
