//! Discovery, JWKS refetch and the oauth2-crate adapter against small local servers.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use oauthscope::oauth::discovery::{self, MetadataSource};
use oauthscope::oauth::jwks::KeyStore;
use oauthscope::oauth::jwt::{self, ClaimRules, Jwt, Verdict};
use oauthscope::oauth::{EngineError, RecordingClient};
use serde_json::json;
use tokio::net::TcpListener;

#[path = "support/keys.rs"]
mod keys;
use keys::{TestKey, jwks};

async fn listener() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    (listener, base)
}

fn spawn(listener: TcpListener, router: Router) -> SocketAddr {
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

#[tokio::test]
async fn rfc8414_metadata_is_preferred() {
    let (l, base) = listener().await;
    let meta = json!({"issuer": base, "token_endpoint": format!("{base}/token"),
                      "code_challenge_methods_supported": ["S256"]});
    spawn(
        l,
        Router::new().route(
            "/.well-known/oauth-authorization-server",
            get(move || async move { Json(meta) }),
        ),
    );
    let http = RecordingClient::new().unwrap();
    let found = discovery::discover(&http, &base).await.unwrap();
    assert_eq!(found.source, MetadataSource::Oauth);
    // The OpenID Connect document is asked for too; its 404 is no matter.
    assert_eq!(found.exchanges.len(), 2);
    assert_eq!(found.exchanges[1].status, Some(404));
    assert_eq!(http.log().len(), 2);
    assert!(
        found
            .warnings
            .iter()
            .all(|w| w.code != "metadata_document_unreadable")
    );
}

#[tokio::test]
async fn falls_back_to_openid_configuration() {
    let (l, base) = listener().await;
    let meta = json!({"issuer": base, "jwks_uri": format!("{base}/jwks")});
    spawn(
        l,
        Router::new().route(
            "/.well-known/openid-configuration",
            get(move || async move { Json(meta) }),
        ),
    );
    let http = RecordingClient::new().unwrap();
    let found = discovery::discover(&http, &base).await.unwrap();
    assert_eq!(found.source, MetadataSource::OpenidConnect);
    assert_eq!(found.exchanges[0].status, Some(404));
    assert_eq!(found.exchanges.len(), 2);
}

#[tokio::test]
async fn metadata_for_another_issuer_is_rejected_without_fallback() {
    let (l, base) = listener().await;
    let evil =
        json!({"issuer": "https://evil.example", "token_endpoint": "https://evil.example/token"});
    let oidc = json!({"issuer": base});
    spawn(
        l,
        Router::new()
            .route(
                "/.well-known/oauth-authorization-server",
                get(move || async move { Json(evil) }),
            )
            .route(
                "/.well-known/openid-configuration",
                get(move || async move { Json(oidc) }),
            ),
    );
    let http = RecordingClient::new().unwrap();
    let err = discovery::discover(&http, &base).await.unwrap_err();
    assert!(matches!(err, EngineError::Protocol { .. }), "{err:?}");
    assert!(err.to_string().contains("RFC 8414 §3.3"), "{err}");
    assert_eq!(http.log().len(), 1, "an issuer mismatch must not fall back");
}

/// A JWKS endpoint that publishes `first` on the first fetch and `later` afterwards.
async fn rotating_jwks(
    first: serde_json::Value,
    later: serde_json::Value,
) -> (String, Arc<AtomicUsize>) {
    let (l, base) = listener().await;
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    spawn(
        l,
        Router::new().route(
            "/jwks",
            get(move || {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                let body = if n == 0 { first.clone() } else { later.clone() };
                async move { Json(body) }
            }),
        ),
    );
    (format!("{base}/jwks"), hits)
}

#[tokio::test]
async fn unknown_kid_triggers_one_refetch_that_finds_the_rotated_key() {
    let old = TestKey::generate("ES256", "old");
    let new = TestKey::generate("ES256", "new");
    let (url, hits) = rotating_jwks(jwks(&[&old]), jwks(&[&old, &new])).await;
    let http = RecordingClient::new().unwrap();
    let mut store = KeyStore::from_url(url);
    let token = Jwt::decode(&new.sign(&json!({"sub": "alice"}))).unwrap();
    let v = jwt::verify(&token, &mut store, &http, &ClaimRules::default()).await;
    assert!(v.is_valid(), "{:?}", v.failure_summary());
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    // The store now holds the new key: no further fetch.
    let again = jwt::verify(&token, &mut store, &http, &ClaimRules::default()).await;
    assert!(again.is_valid());
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn unknown_kid_after_refetch_fails_and_fetches_only_twice() {
    let known = TestKey::generate("EdDSA", "known");
    let stranger = TestKey::generate("EdDSA", "stranger");
    let (url, hits) = rotating_jwks(jwks(&[&known]), jwks(&[&known])).await;
    let http = RecordingClient::new().unwrap();
    let mut store = KeyStore::from_url(url);
    let token = Jwt::decode(&stranger.sign(&json!({}))).unwrap();
    let v = jwt::verify(&token, &mut store, &http, &ClaimRules::default()).await;
    let signature = &v.checks[0];
    assert_eq!(signature.verdict, Verdict::Fail);
    assert!(
        signature.detail.contains("\"stranger\""),
        "{}",
        signature.detail
    );
    assert!(
        signature
            .detail
            .contains("even after fetching the JWKS again")
    );
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn jwks_endpoint_failure_is_a_failed_signature_check() {
    let (l, base) = listener().await;
    spawn(
        l,
        Router::new().route(
            "/jwks",
            get(|| async { (StatusCode::SERVICE_UNAVAILABLE, "down").into_response() }),
        ),
    );
    let http = RecordingClient::new().unwrap();
    let mut store = KeyStore::from_url(format!("{base}/jwks"));
    let key = TestKey::generate("EdDSA", "k");
    let token = Jwt::decode(&key.sign(&json!({}))).unwrap();
    let v = jwt::verify(&token, &mut store, &http, &ClaimRules::default()).await;
    assert_eq!(v.checks[0].verdict, Verdict::Fail);
    assert!(v.checks[0].detail.contains("503"), "{}", v.checks[0].detail);
}

#[tokio::test]
async fn oauth2_crate_requests_are_recorded_with_secrets_marked() {
    use oauth2::basic::BasicClient;
    use oauth2::{ClientId, ClientSecret, Scope, TokenResponse, TokenUrl};

    let (l, base) = listener().await;
    spawn(
        l,
        Router::new().route(
            "/token",
            post(|| async {
                Json(json!({"access_token": "at-from-oauth2-crate", "token_type": "Bearer", "expires_in": 60}))
            }),
        ),
    );
    let http = RecordingClient::new().unwrap();
    let client = BasicClient::new(ClientId::new("app".into()))
        .set_client_secret(ClientSecret::new("app secret:+".into()))
        .set_token_uri(TokenUrl::new(format!("{base}/token")).unwrap());
    let token = client
        .exchange_client_credentials()
        .add_scope(Scope::new("api:read".into()))
        .request_async(&http)
        .await
        .unwrap();
    assert_eq!(token.access_token().secret(), "at-from-oauth2-crate");
    let recorded = http.log().snapshot();
    assert_eq!(recorded.len(), 1);
    let shown = recorded[0].redacted();
    assert!(
        !shown
            .response_body
            .unwrap()
            .contains("at-from-oauth2-crate")
    );
    let auth = shown
        .request_headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .unwrap();
    assert!(auth.1.starts_with("Basic ••••••"), "{}", auth.1);
}
