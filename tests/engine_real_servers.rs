//! Discovery and registration against small local servers that answer as deployed,
//! independently written servers do: Django OAuth Toolkit (userinfo only in the OpenID
//! Connect document), and servers with no discovery at all.

use axum::Json;
use axum::Router;
use axum::routing::get;
use oauthscope::oauth::discovery::{self, Endpoints, MetadataSource};
use oauthscope::oauth::{EngineError, RecordingClient};
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// Serves `oauth` at the RFC 8414 path and `oidc` at the OpenID Connect one (`None`: 404).
async fn server(
    oauth: impl Fn(&str) -> Option<Value>,
    oidc: impl Fn(&str) -> Option<Value>,
) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut router = Router::new();
    if let Some(doc) = oauth(&base) {
        router = router.route(
            "/.well-known/oauth-authorization-server",
            get(move || async move { Json(doc) }),
        );
    }
    if let Some(doc) = oidc(&base) {
        router = router.route(
            "/.well-known/openid-configuration",
            get(move || async move { Json(doc) }),
        );
    }
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}

/// Django OAuth Toolkit's two documents, in substance: the OpenID Connect one alone names
/// the userinfo endpoint and the ID token algorithms.
fn django_oauth(base: &str) -> Option<Value> {
    Some(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/o/authorize/"),
        "token_endpoint": format!("{base}/o/token/"),
        "revocation_endpoint": format!("{base}/o/revoke_token/"),
        "introspection_endpoint": format!("{base}/o/introspect/"),
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["plain", "S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
    }))
}

fn django_oidc(base: &str) -> Option<Value> {
    Some(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/o/authorize/"),
        "token_endpoint": format!("{base}/o/token/"),
        "userinfo_endpoint": format!("{base}/o/userinfo/"),
        "jwks_uri": format!("{base}/o/.well-known/jwks.json"),
        "response_types_supported": ["code", "code id_token"],
        "id_token_signing_alg_values_supported": ["HS256", "RS256"],
        "code_challenge_methods_supported": ["S256", "plain"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
    }))
}

#[tokio::test]
async fn both_documents_are_merged_with_each_members_source() {
    let base = server(django_oauth, django_oidc).await;
    let http = RecordingClient::new().unwrap();
    let found = discovery::discover(&http, &base).await.unwrap();
    let m = &found.metadata;
    assert_eq!(
        m.userinfo_endpoint.as_deref(),
        Some(format!("{base}/o/userinfo/").as_str())
    );
    assert_eq!(m.id_token_signing_alg_values_supported, ["HS256", "RS256"]);
    assert!(found.capabilities.userinfo);
    assert!(found.capabilities.openid_connect);
    assert_eq!(found.source, MetadataSource::Oauth);
    assert_eq!(
        found.source_of("userinfo_endpoint"),
        Some(MetadataSource::OpenidConnect)
    );
    assert_eq!(
        found.source_of("token_endpoint"),
        Some(MetadataSource::Oauth)
    );
    assert_eq!(
        found.source_of("jwks_uri"),
        Some(MetadataSource::OpenidConnect)
    );
    assert_eq!(found.exchanges.len(), 2);
    assert_eq!(http.log().len(), 2);
    // The PKCE lists differ only in order: no disagreement. response_types differ.
    let disagreements: Vec<_> = found
        .warnings
        .iter()
        .filter(|w| w.code == "metadata_disagreement")
        .collect();
    assert_eq!(disagreements.len(), 1, "{disagreements:?}");
    assert!(
        disagreements[0]
            .message
            .contains("response_types_supported"),
        "{}",
        disagreements[0].message
    );
    // RFC 8414 wins.
    assert_eq!(m.response_types_supported, ["code"]);
}

#[tokio::test]
async fn the_openid_connect_document_is_issuer_checked_too() {
    let base = server(django_oauth, |_| {
        Some(json!({"issuer": "https://evil.example", "userinfo_endpoint": "https://evil.example/u"}))
    })
    .await;
    let http = RecordingClient::new().unwrap();
    let err = discovery::discover(&http, &base).await.unwrap_err();
    assert!(matches!(err, EngineError::Protocol { .. }), "{err:?}");
    assert!(err.to_string().contains("RFC 8414 §3.3"), "{err}");
}

#[tokio::test]
async fn a_broken_second_document_is_a_warning_not_a_failure() {
    let base = server(django_oauth, |_| Some(json!(["not", "metadata"]))).await;
    let http = RecordingClient::new().unwrap();
    let found = discovery::discover(&http, &base).await.unwrap();
    assert!(found.metadata.token_endpoint.is_some());
    let warning = found
        .warnings
        .iter()
        .find(|w| w.code == "metadata_document_unreadable")
        .expect("a warning about the unreadable document");
    assert!(
        warning.message.contains("OpenID Connect"),
        "{}",
        warning.message
    );
}

#[tokio::test]
async fn endpoints_given_by_hand_override_discovery_and_are_marked_so() {
    let base = server(django_oauth, django_oidc).await;
    let http = RecordingClient::new().unwrap();
    let given = Endpoints {
        userinfo_endpoint: Some(format!("{base}/elsewhere/userinfo")),
        device_authorization_endpoint: Some(format!("{base}/o/device/")),
        ..Endpoints::default()
    };
    let found = discovery::discover_with(&http, &base, &given)
        .await
        .unwrap();
    assert_eq!(
        found.metadata.userinfo_endpoint.as_deref(),
        Some(format!("{base}/elsewhere/userinfo").as_str())
    );
    assert_eq!(
        found.source_of("userinfo_endpoint"),
        Some(MetadataSource::Manual)
    );
    assert_eq!(
        found.source_of("device_authorization_endpoint"),
        Some(MetadataSource::Manual)
    );
    assert_eq!(
        found.source_of("token_endpoint"),
        Some(MetadataSource::Oauth)
    );
}

#[tokio::test]
async fn a_server_without_discovery_is_described_by_the_endpoints_given() {
    let base = server(|_| None, |_| None).await;
    let http = RecordingClient::new().unwrap();
    let err = discovery::discover(&http, &base).await.unwrap_err();
    assert!(err.to_string().contains("no metadata"), "{err}");

    let given = Endpoints {
        authorization_endpoint: Some(format!("{base}/login/oauth/authorize")),
        token_endpoint: Some(format!("{base}/login/oauth/access_token")),
        ..Endpoints::default()
    };
    let found = discovery::discover_with(&http, &base, &given)
        .await
        .unwrap();
    assert_eq!(found.source, MetadataSource::Manual);
    assert_eq!(found.metadata.issuer, base);
    assert!(found.capabilities.authorization_code);
    assert!(found.warnings.iter().any(|w| w.code == "no_discovery"));
    assert_eq!(found.exchanges.len(), 2, "both attempts are recorded");
}
