//! `POST /par` (RFC 9126) and its `request_uri` at /authorize.

mod mock_support;

use mock_support::{CHALLENGE, CONFIDENTIAL, Mock, PUBLIC, REDIRECT, Reply, SECRET, start};
use reqwest::StatusCode;

async fn push(mock: &Mock, extra: &[(&str, &str)]) -> Reply {
    let mut form = vec![
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("scope", "openid"),
        ("state", "pushed-state"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    form.extend_from_slice(extra);
    mock.post_form("/par", &form, Some((CONFIDENTIAL, SECRET)))
        .await
}

async fn request_uri(mock: &Mock) -> String {
    let reply = push(mock, &[]).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.json()["request_uri"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn pushed_request_is_used_by_authorize() {
    let mock = start().await;
    let reply = push(&mock, &[]).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.header("cache-control"), "no-store");
    let body = reply.json();
    assert!(
        body["request_uri"]
            .as_str()
            .unwrap()
            .starts_with("urn:ietf:params:oauth:request_uri:")
    );
    assert_eq!(body["expires_in"], 60);

    let uri = body["request_uri"].as_str().unwrap();
    let authorize = mock
        .get_query(
            "/authorize",
            &[("client_id", CONFIDENTIAL), ("request_uri", uri)],
        )
        .await;
    assert_eq!(authorize.status, StatusCode::FOUND, "{}", authorize.text);
    assert!(authorize.header("location").starts_with(REDIRECT));
    assert_eq!(
        authorize.location_param("state").as_deref(),
        Some("pushed-state")
    );
    assert!(authorize.location_param("code").is_some());
}

#[tokio::test]
async fn a_request_uri_is_single_use() {
    let mock = start().await;
    let uri = request_uri(&mock).await;
    let query = [("client_id", CONFIDENTIAL), ("request_uri", uri.as_str())];
    assert_eq!(
        mock.get_query("/authorize", &query).await.status,
        StatusCode::FOUND
    );
    let again = mock.get_query("/authorize", &query).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.headers.get("location").is_none());
    assert!(again.text.contains("invalid_request_uri"));
}

#[tokio::test]
async fn a_request_uri_is_short_lived() {
    let mock = start().await;
    let uri = request_uri(&mock).await;
    mock.advance(60);
    let late = mock
        .get_query(
            "/authorize",
            &[("client_id", CONFIDENTIAL), ("request_uri", &uri)],
        )
        .await;
    assert_eq!(late.status, StatusCode::BAD_REQUEST);
    assert!(late.text.contains("expired"));
}

#[tokio::test]
async fn a_request_uri_is_bound_to_its_client() {
    let mock = start().await;
    let uri = request_uri(&mock).await;
    let other = mock
        .get_query(
            "/authorize",
            &[("client_id", PUBLIC), ("request_uri", &uri)],
        )
        .await;
    assert_eq!(other.status, StatusCode::BAD_REQUEST);
    assert!(other.text.contains("another client"));
    let forged = mock
        .get_query(
            "/authorize",
            &[
                ("client_id", CONFIDENTIAL),
                ("request_uri", "https://evil.example/r"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_request_uri_inside_the_par_body_is_an_error() {
    let mock = start().await;
    let reply = push(
        &mock,
        &[("request_uri", "urn:ietf:params:oauth:request_uri:x")],
    )
    .await;
    let description = reply.expect_error(400, "invalid_request");
    assert!(description.contains("RFC 9126 section 2.1"));
}

#[tokio::test]
async fn par_requires_client_authentication() {
    let mock = start().await;
    let wrong = mock
        .post_form(
            "/par",
            &[("response_type", "code"), ("redirect_uri", REDIRECT)],
            Some((CONFIDENTIAL, "wrong")),
        )
        .await;
    wrong.expect_error(401, "invalid_client");
    let anonymous = mock
        .post_form(
            "/par",
            &[("response_type", "code"), ("redirect_uri", REDIRECT)],
            None,
        )
        .await;
    anonymous.expect_error(400, "invalid_client");
    // A public client identifies itself and must use PKCE, as at /authorize.
    let public = mock
        .post_form(
            "/par",
            &[
                ("client_id", PUBLIC),
                ("response_type", "code"),
                ("redirect_uri", REDIRECT),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
            ],
            None,
        )
        .await;
    assert_eq!(public.status, StatusCode::CREATED, "{}", public.text);
}

#[tokio::test]
async fn par_validates_the_request_like_authorize() {
    let mock = start().await;
    let cases: [(&[(&str, &str)], &str); 3] = [
        (
            &[("redirect_uri", "https://evil.example/cb")],
            "invalid_request",
        ),
        (&[("response_type", "token")], "unsupported_response_type"),
        (&[("scope", "admin")], "invalid_scope"),
    ];
    for (params, error) in cases {
        let mut form: Vec<(&str, &str)> =
            vec![("response_type", "code"), ("redirect_uri", REDIRECT)];
        for (name, value) in params {
            form.retain(|(n, _)| n != name);
            form.push((name, value));
        }
        let reply = mock
            .post_form("/par", &form, Some((CONFIDENTIAL, SECRET)))
            .await;
        reply.expect_error(400, error);
    }
}

#[tokio::test]
async fn pushed_parameters_are_the_ones_that_count() {
    // Without auto-approve, a pushed prompt=none is honoured although the query lacks it.
    let mock = mock_support::start_with(|_| {}).await;
    let uri = push(&mock, &[("prompt", "none")]).await.json()["request_uri"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = mock
        .get_query(
            "/authorize",
            &[
                ("client_id", CONFIDENTIAL),
                ("request_uri", &uri),
                ("state", "ignored"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.text);
    assert_eq!(
        reply.location_param("error").as_deref(),
        Some("login_required")
    );
    assert_eq!(
        reply.location_param("state").as_deref(),
        Some("pushed-state")
    );
}
