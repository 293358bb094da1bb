//! The CLI's request objects (RFC 9101) against the in-process mock: `run code` and `run par`
//! with `--request-object` sign the authorization parameters with `--private-key`, the mock
//! (which requires signed request objects here) accepts them, and the step shows the object
//! decoded.

#[path = "support/browser.rs"]
mod browser;
#[path = "support/cli.rs"]
mod cli;

use oauthscope::mock::{AuthMethod, ClientConfig, DEMO_REDIRECT_URIS, MockConfig, MockServer};

const CLIENT: &str = "jar-cli";

#[tokio::test(flavor = "multi_thread")]
async fn code_and_par_send_a_signed_request_object() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.pem");
    let key = key.to_str().unwrap();
    let made = cli::ok_json(&cli::oauthscope(&["keygen", "--out", key, "--json"]).await);
    let mut config = MockConfig::demo();
    config.auto_approve = Some("alice".into());
    config.require_signed_request_object = true;
    config.clients.push(ClientConfig {
        client_id: CLIENT.into(),
        token_endpoint_auth_methods: vec![AuthMethod::PrivateKeyJwt],
        redirect_uris: DEMO_REDIRECT_URIS.iter().map(|u| (*u).into()).collect(),
        jwks: Some(made["jwks"].clone()),
        ..ClientConfig::default()
    });
    let mock = MockServer::start(config).await.expect("the mock starts");
    let browser = browser::browser_script(&dir);
    for flow in ["code", "par"] {
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_oauthscope"))
            .args([
                "run",
                flow,
                "--issuer",
                mock.issuer(),
                "--client-id",
                CLIENT,
                "--private-key",
                key,
                "--request-object",
                "--scope",
                "openid",
                "--json",
            ])
            .env("BROWSER", &browser)
            .output()
            .await
            .unwrap();
        let doc = cli::ok_json(&out);
        let first = &doc["steps"][0]["request"];
        let object = first["decoded"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == "request")
            .unwrap_or_else(|| panic!("{flow}: no decoded request object in {first}"));
        assert_eq!(object["header"]["typ"], "oauth-authz-req+jwt");
        assert_eq!(object["claims"]["iss"], CLIENT);
        assert_eq!(object["claims"]["aud"], mock.issuer());
        assert!(
            object["claims"]["state"].is_string() && object["claims"]["code_challenge"].is_string()
        );
        // The code came back and was redeemed: the flow checked the state inside the object.
        let tokens = doc["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| {
                s["exchange"]["url"]
                    .as_str()
                    .is_some_and(|u| u.ends_with("/token"))
            })
            .unwrap_or_else(|| panic!("{flow}: no token step in {doc}"));
        assert_eq!(tokens["exchange"]["status"], 200, "{flow}: {tokens}");
    }
    // Without a key there is nothing to sign with, and this server does not take `none`.
    let out = cli::oauthscope(&[
        "run",
        "code",
        "--issuer",
        mock.issuer(),
        "--client-id",
        CLIENT,
        "--request-object",
        "--no-browser",
    ])
    .await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--private-key"), "{err}");
}
