//! Rich authorization requests at the mock (RFC 9396): `authorization_details` checked at
//! /authorize, /par and /token against the configured types, each refusal
//! `invalid_authorization_details` naming the rule, the grant echoed in the token response
//! and carried in the access token, and kept through a refresh.

mod mock_support;

use mock_support::{CONFIDENTIAL, REDIRECT, SECRET, start, start_with};
use oauthscope::mock::MockConfig;
use serde_json::{Value, json};

const PAYMENT: &str =
    r#"[{"type":"payment_initiation","instructedAmount":{"currency":"EUR","amount":"123.50"}}]"#;

fn payment() -> Value {
    serde_json::from_str(PAYMENT).unwrap()
}

#[tokio::test]
async fn metadata_lists_the_configured_types() {
    let mock = start().await;
    let meta = mock.get("/.well-known/openid-configuration").await.json();
    assert_eq!(
        meta["authorization_details_types_supported"],
        json!(["payment_initiation", "account_information"])
    );
    let config = MockConfig::from_toml_str(
        r#"authorization_details_types_supported = ["openid_credential"]"#,
    )
    .unwrap();
    assert_eq!(config.authorization_details_types, ["openid_credential"]);
}

#[tokio::test]
async fn details_asked_at_authorize_are_granted_in_the_response_the_token_and_the_refresh() {
    let mock = start().await;
    let tokens = mock
        .code_flow_with("openid", &[("authorization_details", PAYMENT)])
        .await;
    assert_eq!(tokens["authorization_details"], payment());
    let access = tokens["access_token"].as_str().unwrap();
    let (_, claims) = mock.verify_jwt(access, mock.issuer()).await;
    assert_eq!(claims["authorization_details"], payment());

    let refresh = tokens["refresh_token"].as_str().unwrap();
    let reply = mock
        .token(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .await;
    assert_eq!(reply.json()["authorization_details"], payment());
}

#[tokio::test]
async fn bad_details_at_authorize_come_back_on_the_redirect() {
    let mock = start().await;
    let reply = mock
        .authorize(&[
            ("client_id", CONFIDENTIAL),
            ("redirect_uri", REDIRECT),
            ("state", "s1"),
            ("code_challenge", mock_support::CHALLENGE),
            ("code_challenge_method", "S256"),
            ("authorization_details", r#"[{"type":"wire_transfer"}]"#),
        ])
        .await;
    assert_eq!(
        reply.location_param("error").as_deref(),
        Some("invalid_authorization_details")
    );
    let why = reply.location_param("error_description").unwrap();
    assert!(
        why.contains("wire_transfer") && why.contains("RFC 9396"),
        "{why}"
    );
    assert_eq!(reply.location_param("state").as_deref(), Some("s1"));
}

#[tokio::test]
async fn each_malformed_shape_is_refused_at_par_and_token_naming_the_rule() {
    let mock = start().await;
    for (details, rule) in [
        ("not json", "not JSON"),
        (r#"{"type":"payment_initiation"}"#, "array"),
        ("[]", "between 1"),
        (r#"[{"amount":1}]"#, "`type`"),
        (r#"[{"type":"unknown_type"}]"#, "does not understand"),
    ] {
        let par = mock
            .post_form(
                "/par",
                &[
                    ("response_type", "code"),
                    ("redirect_uri", REDIRECT),
                    ("code_challenge", mock_support::CHALLENGE),
                    ("code_challenge_method", "S256"),
                    ("authorization_details", details),
                ],
                Some((CONFIDENTIAL, SECRET)),
            )
            .await;
        let why = par.expect_error(400, "invalid_authorization_details");
        assert!(why.contains(rule), "{details}: {why}");
        let token = mock
            .token(&[
                ("grant_type", "client_credentials"),
                ("authorization_details", details),
            ])
            .await;
        let why = token.expect_error(400, "invalid_authorization_details");
        assert!(why.contains(rule), "{details}: {why}");
    }
}

#[tokio::test]
async fn client_credentials_gets_details_asked_at_the_token_endpoint() {
    let mock = start_with(|config| {
        config.authorization_details_types = vec!["account_information".into()];
    })
    .await;
    let details = r#"[{"type":"account_information","actions":["read"]}]"#;
    let reply = mock
        .token(&[
            ("grant_type", "client_credentials"),
            ("authorization_details", details),
        ])
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let tokens = reply.json();
    assert_eq!(
        tokens["authorization_details"][0]["actions"],
        json!(["read"])
    );
    let plain = mock
        .token(&[("grant_type", "client_credentials")])
        .await
        .json();
    assert!(plain.get("authorization_details").is_none(), "{plain}");
}
