//! `--dpop` and `--dpop-key` through the real binary against the built-in mock: proofs on the
//! token request, the server's nonce shown as a step, the binding checked and reported.

use oauthscope::mock::{DEMO_CONFIDENTIAL_CLIENT, DEMO_SECRET, MockConfig, MockServer};
use serde_json::Value;

#[path = "support/cli.rs"]
mod cli;
use cli::oauthscope;

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
    let args = [
        "run",
        "client-credentials",
        "--issuer",
        mock.issuer(),
        "--client-id",
        DEMO_CONFIDENTIAL_CLIENT,
        "--client-secret",
        DEMO_SECRET,
        "--dpop-key",
        key,
        "--json",
    ];
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
    let out = oauthscope(&[
        "run",
        "client-credentials",
        "--issuer",
        "http://127.0.0.1:9",
        "--client-id",
        "c",
        "--dpop-key",
        key_file.to_str().unwrap(),
    ])
    .await;
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("P-256"), "{stderr}");
}
