//! The token exchange grant at the mock (RFC 8693): impersonation and delegation (`act`),
//! the audiences each client may ask for, scope that only narrows, and each refusal naming
//! its rule.

mod mock_support;

use mock_support::{CONFIDENTIAL, Mock, PUBLIC, start, start_with};
use serde_json::{Value, json};

const GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS: &str = "urn:ietf:params:oauth:token-type:access_token";

async fn exchange(mock: &Mock, extra: &[(&str, &str)]) -> mock_support::Reply {
    let mut form = vec![("grant_type", GRANT)];
    form.extend_from_slice(extra);
    mock.token(&form).await
}

/// An access token of alice's with `scope`, from a code flow.
async fn alice(mock: &Mock, scope: &str) -> String {
    mock.code_flow(scope).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn claims(mock: &Mock, reply: &mock_support::Reply) -> Value {
    assert_eq!(reply.status, 200, "{}", reply.text);
    let token = reply.json()["access_token"].as_str().unwrap().to_owned();
    let audience = audience_of(&token);
    mock.verify_jwt(&token, &audience).await.1
}

/// The `aud` to verify against: what the token says (the tests check it themselves).
fn audience_of(token: &str) -> String {
    let jwt = oauthscope::oauth::jwt::Jwt::decode(token).unwrap();
    match &jwt.unverified_claims()["aud"] {
        Value::String(one) => one.clone(),
        Value::Array(many) => many[0].as_str().unwrap().to_owned(),
        other => panic!("aud {other}"),
    }
}

#[tokio::test]
async fn the_subject_alone_is_impersonated() {
    let mock = start().await;
    let subject = alice(&mock, "openid profile api:read").await;
    let reply = exchange(
        &mock,
        &[("subject_token", &subject), ("subject_token_type", ACCESS)],
    )
    .await;
    let body = reply.json();
    assert_eq!(body["issued_token_type"], ACCESS);
    assert_eq!(body["token_type"], "Bearer");
    assert!(body.get("refresh_token").is_none());
    let claims = claims(&mock, &reply).await;
    let subject_claims = oauthscope::oauth::jwt::Jwt::decode(&subject).unwrap();
    assert_eq!(
        claims["sub"],
        subject_claims.unverified_claims()["sub"],
        "the subject's user"
    );
    assert!(claims.get("act").is_none(), "{claims}");
    assert_eq!(claims["client_id"], "demo-confidential");
    assert_eq!(claims["aud"], mock.issuer());
}

#[tokio::test]
async fn an_actor_token_is_delegation_and_earlier_actors_nest() {
    let mock = start().await;
    let subject = alice(&mock, "openid api:read").await;
    let actor = mock.client_credentials().await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = exchange(
        &mock,
        &[
            ("subject_token", &subject),
            ("subject_token_type", ACCESS),
            ("actor_token", &actor),
            ("actor_token_type", ACCESS),
            ("audience", "https://api.example.com"),
        ],
    )
    .await;
    let first = claims(&mock, &reply).await;
    assert_eq!(first["act"], json!({"sub": "demo-confidential"}));
    assert_eq!(first["aud"], "https://api.example.com");

    // The delegated token exchanged again, with the same actor: the earlier act nests.
    let delegated = reply.json()["access_token"].as_str().unwrap().to_owned();
    let again = exchange(
        &mock,
        &[
            ("subject_token", &delegated),
            ("subject_token_type", ACCESS),
            ("actor_token", &actor),
            ("actor_token_type", ACCESS),
        ],
    )
    .await;
    let second = claims(&mock, &again).await;
    assert_eq!(
        second["act"]["act"],
        json!({"sub": "demo-confidential"}),
        "{second}"
    );
}

#[tokio::test]
async fn audiences_follow_the_clients_rules_and_scope_only_narrows() {
    let mock = start().await;
    let subject = alice(&mock, "openid api:read").await;
    let base = [
        ("subject_token", subject.as_str()),
        ("subject_token_type", ACCESS),
    ];
    let mut other = base.to_vec();
    other.push(("audience", "https://elsewhere.example"));
    let why = exchange(&mock, &other)
        .await
        .expect_error(400, "invalid_target");
    assert!(why.contains("https://api.example.com"), "{why}");

    let mut narrower = base.to_vec();
    narrower.push(("scope", "api:read"));
    let narrowed = claims(&mock, &exchange(&mock, &narrower).await).await;
    assert_eq!(narrowed["scope"], "api:read");

    let mut wider = base.to_vec();
    wider.push(("scope", "api:write"));
    let why = exchange(&mock, &wider)
        .await
        .expect_error(400, "invalid_scope");
    assert!(why.contains("never widen"), "{why}");
}

#[tokio::test]
async fn several_audiences_are_all_in_aud_and_each_must_be_allowed() {
    const REPORTS: &str = "https://reports.example.com";
    let mock = start_with(|config| {
        config.auto_approve = Some("alice".into());
        config
            .token_exchange_audiences
            .get_mut(CONFIDENTIAL)
            .unwrap()
            .push(REPORTS.into());
    })
    .await;
    let subject = alice(&mock, "openid api:read").await;
    let base = [
        ("subject_token", subject.as_str()),
        ("subject_token_type", ACCESS),
    ];
    // RFC 8693 §2.1: audience may be repeated; a repeat of the same one counts once.
    let mut both = base.to_vec();
    both.extend([
        ("audience", "https://api.example.com"),
        ("audience", REPORTS),
        ("audience", REPORTS),
    ]);
    let claims = claims(&mock, &exchange(&mock, &both).await).await;
    assert_eq!(claims["aud"], json!(["https://api.example.com", REPORTS]));

    let mut one_refused = base.to_vec();
    one_refused.extend([
        ("audience", REPORTS),
        ("audience", "https://elsewhere.example"),
    ]);
    let why = exchange(&mock, &one_refused)
        .await
        .expect_error(400, "invalid_target");
    assert!(
        why.contains("audience `https://elsewhere.example`"),
        "names the one refused: {why}"
    );
    // Other parameters still appear at most once (RFC 6749 section 3.1).
    let mut repeated = base.to_vec();
    repeated.extend([("scope", "openid"), ("scope", "api:read")]);
    let why = exchange(&mock, &repeated)
        .await
        .expect_error(400, "invalid_request");
    assert!(why.contains("`scope` is repeated"), "{why}");
}

#[tokio::test]
async fn each_bad_request_names_its_rule() {
    let mock = start().await;
    let subject = alice(&mock, "openid").await;
    let why = exchange(&mock, &[("subject_token", &subject)])
        .await
        .expect_error(400, "invalid_request");
    assert!(why.contains("subject_token_type"), "{why}");
    let why = exchange(
        &mock,
        &[("subject_token", "made-up"), ("subject_token_type", ACCESS)],
    )
    .await
    .expect_error(400, "invalid_grant");
    assert!(why.contains("not an active access token"), "{why}");
    let why = exchange(
        &mock,
        &[
            ("subject_token", &subject),
            (
                "subject_token_type",
                "urn:ietf:params:oauth:token-type:saml2",
            ),
        ],
    )
    .await
    .expect_error(400, "invalid_request");
    assert!(why.contains("saml2"), "{why}");
    let why = exchange(
        &mock,
        &[
            ("subject_token", &subject),
            ("subject_token_type", ACCESS),
            ("actor_token_type", ACCESS),
        ],
    )
    .await
    .expect_error(400, "invalid_request");
    assert!(why.contains("without an actor_token"), "{why}");
    let why = exchange(
        &mock,
        &[
            ("subject_token", &subject),
            ("subject_token_type", ACCESS),
            (
                "requested_token_type",
                "urn:ietf:params:oauth:token-type:refresh_token",
            ),
        ],
    )
    .await
    .expect_error(400, "invalid_request");
    assert!(why.contains("requested_token_type"), "{why}");

    // A public client does not have the grant.
    let public = mock
        .post_form(
            "/token",
            &[
                ("grant_type", GRANT),
                ("client_id", PUBLIC),
                ("subject_token", &subject),
                ("subject_token_type", ACCESS),
            ],
            None,
        )
        .await;
    public.expect_error(400, "unauthorized_client");
}
