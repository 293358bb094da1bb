//! `GET /authorize` and the login / consent pages (RFC 6749 §4.1.1, §4.1.2.1; RFC 7636;
//! RFC 8252 §7.3; RFC 9207; OIDC Core §3.1.2).

mod mock_support;

use mock_support::{
    CHALLENGE, CONFIDENTIAL, Mock, PUBLIC, REDIRECT, Reply, SECRET, VERIFIER, start, start_with,
};
use reqwest::StatusCode;

fn tx_of(page: &Reply) -> String {
    let marker = "name=\"tx\" value=\"";
    let start = page.text.find(marker).expect("hidden tx field") + marker.len();
    let end = page.text[start..].find('"').unwrap() + start;
    page.text[start..end].to_owned()
}

/// The mock without auto-approve: the pages are shown.
async fn with_pages() -> Mock {
    start_with(|_| {}).await
}

fn assert_error_page(reply: &Reply, needle: &str) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert!(
        reply.headers.get("location").is_none(),
        "must never redirect"
    );
    assert!(reply.header("content-type").starts_with("text/html"));
    assert!(
        reply.text.contains(needle),
        "{needle} not in {}",
        reply.text
    );
}

fn assert_redirect_error(reply: &Reply, mock: &Mock, error: &str, rule: &str) {
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.text);
    assert!(reply.header("location").starts_with(REDIRECT));
    assert_eq!(reply.location_param("error").as_deref(), Some(error));
    assert_eq!(reply.location_param("state").as_deref(), Some("st"));
    assert_eq!(reply.location_param("iss").as_deref(), Some(mock.issuer()));
    let description = reply.location_param("error_description").unwrap();
    assert!(description.contains(rule), "{description}");
    assert!(reply.location_param("code").is_none());
}

#[tokio::test]
async fn auto_approve_redirects_with_code_state_and_iss() {
    let mock = start().await;
    let reply = mock
        .authorize(&[
            ("client_id", CONFIDENTIAL),
            ("redirect_uri", REDIRECT),
            ("scope", "openid"),
            ("state", "st"),
        ])
        .await;
    assert_eq!(reply.status, StatusCode::FOUND);
    let params = reply.location_params();
    let names: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["code", "state", "iss"]);
    assert_eq!(reply.location_param("iss").as_deref(), Some(mock.issuer()));
}

#[tokio::test]
async fn unknown_or_missing_client_gets_an_error_page_never_a_redirect() {
    let mock = start().await;
    let unknown = mock
        .authorize(&[("client_id", "nobody"), ("redirect_uri", REDIRECT)])
        .await;
    assert_error_page(&unknown, "unknown client");
    let missing = mock.authorize(&[("redirect_uri", REDIRECT)]).await;
    assert_error_page(&missing, "client_id");
}

#[tokio::test]
async fn unregistered_redirect_uri_gets_an_error_page() {
    let mock = start().await;
    for uri in [
        "https://evil.example/callback",
        "http://127.0.0.1:8765/other",
        "http://127.0.0.1:8765/callback?x=1",
        "http://localhost:8765/callback",
    ] {
        let reply = mock
            .authorize(&[
                ("client_id", CONFIDENTIAL),
                ("redirect_uri", uri),
                ("state", "st"),
            ])
            .await;
        assert_error_page(&reply, "is not registered");
    }
}

#[tokio::test]
async fn a_loopback_redirect_uri_may_use_any_port() {
    let mock = start().await;
    for uri in [
        "http://127.0.0.1/callback",
        "http://127.0.0.1:1/callback",
        "http://127.0.0.1:65000/callback",
        "http://[::1]:4444/callback",
    ] {
        let reply = mock
            .authorize(&[("client_id", CONFIDENTIAL), ("redirect_uri", uri)])
            .await;
        assert_eq!(reply.status, StatusCode::FOUND, "{uri}: {}", reply.text);
        assert!(reply.header("location").starts_with(uri));
    }
}

#[tokio::test]
async fn other_errors_go_back_to_the_client_with_state_and_iss() {
    let mock = start().await;
    let base = [
        ("client_id", CONFIDENTIAL),
        ("redirect_uri", REDIRECT),
        ("state", "st"),
    ];
    let case = |extra: &'static [(&'static str, &'static str)]| {
        let mut query: Vec<(&str, &str)> = base.to_vec();
        query.extend_from_slice(extra);
        query
    };

    let no_response_type = mock.get_query("/authorize", &case(&[])).await;
    assert_redirect_error(
        &no_response_type,
        &mock,
        "invalid_request",
        "RFC 6749 section 4.1.1",
    );

    let token = mock
        .get_query("/authorize", &case(&[("response_type", "token")]))
        .await;
    assert_redirect_error(&token, &mock, "unsupported_response_type", "RFC 9700");

    let scope = mock.authorize(&case(&[("scope", "openid admin")])).await;
    assert_redirect_error(&scope, &mock, "invalid_scope", "RFC 6749 section 3.3");

    let method = mock
        .authorize(&case(&[
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S512"),
        ]))
        .await;
    assert_redirect_error(&method, &mock, "invalid_request", "RFC 7636 section 4.4.1");

    let short = mock.authorize(&case(&[("code_challenge", "abc")])).await;
    assert_redirect_error(&short, &mock, "invalid_request", "RFC 7636 section 4.2");

    let form_post = mock
        .authorize(&case(&[("response_mode", "form_post")]))
        .await;
    assert_redirect_error(
        &form_post,
        &mock,
        "invalid_request",
        "Multiple Response Type",
    );

    // A broken request object cannot be trusted to say where to redirect: an error page.
    let request_object = mock.authorize(&case(&[("request", "eyJ.x.y")])).await;
    assert_error_page(&request_object, "invalid_request_object");
}

#[tokio::test]
async fn a_public_client_must_send_a_pkce_challenge() {
    let mock = start().await;
    let without = mock
        .authorize(&[
            ("client_id", PUBLIC),
            ("redirect_uri", REDIRECT),
            ("state", "st"),
        ])
        .await;
    assert_redirect_error(&without, &mock, "invalid_request", "RFC 9700 section 2.1.1");
    let with = mock
        .authorize(&[
            ("client_id", PUBLIC),
            ("redirect_uri", REDIRECT),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ])
        .await;
    assert_eq!(with.status, StatusCode::FOUND);
    assert!(with.location_param("code").is_some());
}

#[tokio::test]
async fn a_repeated_parameter_gets_an_error_page() {
    let mock = start().await;
    let reply = mock
        .get(&format!(
            "/authorize?response_type=code&client_id={CONFIDENTIAL}&client_id={PUBLIC}"
        ))
        .await;
    assert_error_page(&reply, "RFC 6749 section 3.1");
}

#[tokio::test]
async fn login_then_consent_returns_a_code_for_the_chosen_user() {
    let mock = with_pages().await;
    let login = mock
        .authorize(&[
            ("client_id", CONFIDENTIAL),
            ("redirect_uri", REDIRECT),
            ("scope", "openid profile"),
            ("state", "st"),
            ("nonce", "n"),
        ])
        .await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(
        login
            .text
            .contains("<form method=\"post\" action=\"login\">")
    );
    assert!(login.text.contains("value=\"alice\"") && login.text.contains("value=\"bob\""));
    assert!(
        !login.text.contains("<script")
            && !login.text.contains("http://")
            && !login.text.contains("https://")
    );
    let tx = tx_of(&login);

    let consent = mock
        .post_form("/login", &[("tx", &tx), ("username", "bob")], None)
        .await;
    assert_eq!(consent.status, StatusCode::OK);
    assert!(consent.text.contains("action=\"consent\""));
    assert!(consent.text.contains("Bob Tables"));

    let done = mock
        .post_form("/consent", &[("tx", &tx), ("decision", "approve")], None)
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.location_param("state").as_deref(), Some("st"));
    assert_eq!(done.location_param("iss").as_deref(), Some(mock.issuer()));
    let code = done.location_param("code").unwrap();

    let id_token = mock.id_token_for_code(&code).await;
    assert_eq!(id_token["preferred_username"], "bob");
    assert_eq!(id_token["nonce"], "n");

    // The sign-in is single use.
    let again = mock
        .post_form("/consent", &[("tx", &tx), ("decision", "approve")], None)
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.headers.get("location").is_none());
}

#[tokio::test]
async fn denying_consent_redirects_with_access_denied() {
    let mock = with_pages().await;
    let login = mock
        .authorize(&[
            ("client_id", CONFIDENTIAL),
            ("redirect_uri", REDIRECT),
            ("state", "st"),
        ])
        .await;
    let tx = tx_of(&login);
    mock.post_form("/login", &[("tx", &tx), ("username", "alice")], None)
        .await;
    let denied = mock
        .post_form("/consent", &[("tx", &tx), ("decision", "deny")], None)
        .await;
    assert_eq!(denied.status, StatusCode::FOUND);
    assert_eq!(
        denied.location_param("error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(denied.location_param("state").as_deref(), Some("st"));
    assert!(denied.location_param("code").is_none());
}

#[tokio::test]
async fn a_typed_user_signs_in_with_minimal_claims() {
    let mock = with_pages().await;
    let login = mock
        .authorize(&[
            ("client_id", CONFIDENTIAL),
            ("redirect_uri", REDIRECT),
            ("scope", "openid email"),
            ("login_hint", "carol"),
        ])
        .await;
    assert!(
        login.text.contains("value=\"carol\""),
        "login_hint prefills the field"
    );
    let tx = tx_of(&login);
    mock.post_form("/login", &[("tx", &tx), ("username", "carol")], None)
        .await;
    let done = mock
        .post_form("/consent", &[("tx", &tx), ("decision", "approve")], None)
        .await;
    let code = done.location_param("code").unwrap();
    let claims = mock.id_token_for_code(&code).await;
    assert_eq!(claims["sub"], "carol");
    assert_eq!(claims["email"], "carol@example.com");
    assert_eq!(claims["email_verified"], false);
}

#[tokio::test]
async fn the_pages_reject_bad_or_stale_forms() {
    let mock = with_pages().await;
    let stale = mock
        .post_form("/login", &[("tx", "made-up"), ("username", "alice")], None)
        .await;
    assert_eq!(stale.status, StatusCode::BAD_REQUEST);

    let login = mock
        .authorize(&[("client_id", CONFIDENTIAL), ("redirect_uri", REDIRECT)])
        .await;
    let tx = tx_of(&login);
    let empty_user = mock
        .post_form("/login", &[("tx", &tx), ("username", "")], None)
        .await;
    assert_eq!(empty_user.status, StatusCode::BAD_REQUEST);
    // Consent before sign-in is refused.
    let early = mock
        .post_form("/consent", &[("tx", &tx), ("decision", "approve")], None)
        .await;
    assert_eq!(early.status, StatusCode::BAD_REQUEST);

    let login = mock
        .authorize(&[("client_id", CONFIDENTIAL), ("redirect_uri", REDIRECT)])
        .await;
    let tx = tx_of(&login);
    mock.post_form("/login", &[("tx", &tx), ("username", "alice")], None)
        .await;
    let bad_decision = mock
        .post_form("/consent", &[("tx", &tx), ("decision", "maybe")], None)
        .await;
    assert_eq!(bad_decision.status, StatusCode::BAD_REQUEST);

    // Sign-ins expire.
    mock.advance(601);
    let expired = mock
        .post_form("/consent", &[("tx", &tx), ("decision", "approve")], None)
        .await;
    assert_eq!(expired.status, StatusCode::BAD_REQUEST);
    assert!(expired.headers.get("location").is_none());
}

#[tokio::test]
async fn prompt_none_without_a_session_is_login_required() {
    let mock = with_pages().await;
    let reply = mock
        .authorize(&[
            ("client_id", CONFIDENTIAL),
            ("redirect_uri", REDIRECT),
            ("state", "st"),
            ("prompt", "none"),
        ])
        .await;
    assert_redirect_error(&reply, &mock, "login_required", "OIDC Core section 3.1.2.6");
}

#[tokio::test]
async fn the_code_is_bound_to_what_authorize_saw() {
    let mock = start().await;
    // Bound to the PKCE challenge, the redirect_uri and the client.
    let code = mock.code("openid").await;
    let wrong_redirect = mock
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:9/callback"),
            ("code_verifier", VERIFIER),
        ])
        .await;
    wrong_redirect.expect_error(400, "invalid_grant");
    let other_client = mock
        .post_form(
            "/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
                ("client_id", PUBLIC),
            ],
            None,
        )
        .await;
    let description = other_client.expect_error(400, "invalid_grant");
    assert!(description.contains("issued to client `demo-confidential`"));
    let ok = mock
        .post_form(
            "/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
                ("client_id", CONFIDENTIAL),
                ("client_secret", SECRET),
            ],
            None,
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(ok.json()["scope"], "openid");
}
