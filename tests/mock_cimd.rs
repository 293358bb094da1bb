//! The mock and Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document):
//! a `client_id` that is a URL is fetched from a small document server on 127.0.0.1, checked
//! rule by rule, cached for its `max-age`, and then used like a registered public client.

mod mock_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode as AxumStatus, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use mock_support::{CHALLENGE, Mock, REDIRECT, Reply, VERIFIER, start_with};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// What the document server answers with, and how often it was asked.
struct Served {
    status: AxumStatus,
    headers: Vec<(header::HeaderName, &'static str)>,
    body: String,
}

#[derive(Clone)]
struct Documents {
    served: Arc<Mutex<Served>>,
    hits: Arc<AtomicUsize>,
    /// Never answer (to show the fetch is time bounded).
    stall: bool,
}

async fn serve_document(State(docs): State<Documents>) -> Response {
    docs.hits.fetch_add(1, Ordering::SeqCst);
    if docs.stall {
        std::future::pending::<()>().await;
    }
    let served = docs.served.lock().unwrap();
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    for (name, value) in &served.headers {
        headers.insert(name.clone(), HeaderValue::from_static(value));
    }
    (served.status, headers, served.body.clone()).into_response()
}

struct Setup {
    mock: Mock,
    docs: Documents,
    client_id: String,
}

/// The document server, and a mock auto-approving as alice that may fetch from loopback.
async fn setup(allow_loopback: bool, stall: bool) -> Setup {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client_id = format!(
        "http://{}/oauth/client.json",
        listener.local_addr().unwrap()
    );
    let docs = Documents {
        served: Arc::new(Mutex::new(Served {
            status: AxumStatus::OK,
            headers: Vec::new(),
            body: String::new(),
        })),
        hits: Arc::new(AtomicUsize::new(0)),
        stall,
    };
    let router = Router::new()
        .route("/oauth/client.json", get(serve_document))
        .with_state(docs.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let mock = start_with(|config| {
        config.auto_approve = Some("alice".into());
        config.allow_loopback_cimd = allow_loopback;
    })
    .await;
    let setup = Setup {
        mock,
        docs,
        client_id,
    };
    setup.serve(json!({
        "client_id": setup.client_id,
        "client_name": "A CIMD client",
        "redirect_uris": [REDIRECT],
        "grant_types": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_method": "none",
    }));
    setup
}

impl Setup {
    fn serve(&self, document: Value) {
        self.docs.served.lock().unwrap().body = document.to_string();
    }

    fn hits(&self) -> usize {
        self.docs.hits.load(Ordering::SeqCst)
    }

    async fn authorize(&self, redirect_uri: &str) -> Reply {
        self.mock
            .authorize(&[
                ("client_id", &self.client_id),
                ("redirect_uri", redirect_uri),
                ("scope", "openid"),
                ("state", "st"),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
            ])
            .await
    }

    /// The authorization error page's text, after checking it is not a redirect.
    async fn refused(&self, redirect_uri: &str) -> String {
        let reply = self.authorize(redirect_uri).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
        assert!(reply.headers.get("location").is_none());
        reply.text
    }
}

#[tokio::test]
async fn the_metadata_advertises_client_id_metadata_documents() {
    let setup = setup(false, false).await;
    let metadata = setup
        .mock
        .get("/.well-known/oauth-authorization-server")
        .await
        .json();
    assert_eq!(metadata["client_id_metadata_document_supported"], true);
}

#[tokio::test]
async fn a_document_client_signs_in_and_redeems_its_code_as_a_public_client() {
    let setup = setup(true, false).await;
    let reply = setup.authorize(REDIRECT).await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.text);
    let code = reply.location_param("code").expect("a code");
    let token = setup
        .mock
        .post_form(
            "/token",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &setup.client_id),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ],
            None,
        )
        .await;
    assert_eq!(token.status, StatusCode::OK, "{}", token.text);
    assert!(token.json()["access_token"].is_string());
    // One fetch served the authorization and the token request.
    assert_eq!(setup.hits(), 1);
}

#[tokio::test]
async fn a_document_client_may_push_its_request() {
    let setup = setup(true, false).await;
    let reply = setup
        .mock
        .post_form(
            "/par",
            &[
                ("client_id", &setup.client_id),
                ("response_type", "code"),
                ("redirect_uri", REDIRECT),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
            ],
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
}

#[tokio::test]
async fn loopback_http_documents_need_the_flag() {
    let setup = setup(false, false).await;
    let page = setup.refused(REDIRECT).await;
    assert!(page.contains("--allow-loopback-cimd"), "{page}");
    assert!(
        page.contains("draft-ietf-oauth-client-id-metadata-document"),
        "{page}"
    );
    assert_eq!(
        setup.hits(),
        0,
        "nothing is fetched from a URL that breaks the rules"
    );
}

#[tokio::test]
async fn the_request_redirect_uri_must_be_in_the_document() {
    let setup = setup(true, false).await;
    let page = setup.refused("http://127.0.0.1:9/elsewhere").await;
    assert!(page.contains("is not registered for client"), "{page}");
}

#[tokio::test]
async fn each_document_rule_is_enforced_and_named() {
    let setup = setup(true, false).await;
    let id = setup.client_id.clone();
    let cases = [
        (
            json!({"client_id": "https://elsewhere.example/c.json", "redirect_uris": [REDIRECT]}),
            "is not the URL it was fetched from",
        ),
        (json!({"redirect_uris": [REDIRECT]}), "has no client_id"),
        (json!({"client_id": id}), "no redirect_uris"),
        (
            json!({"client_id": id, "redirect_uris": [REDIRECT], "client_secret": "s3cret"}),
            "must not use a shared secret",
        ),
        (
            json!({"client_id": id, "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "client_secret_post"}),
            "uses a shared secret",
        ),
    ];
    for (document, expected) in cases {
        setup.serve(document.clone());
        let page = setup.refused(REDIRECT).await;
        assert!(page.contains(expected), "{document}: {page}");
    }
}

#[tokio::test]
async fn redirects_are_not_followed_and_big_documents_are_refused() {
    let setup = setup(true, false).await;
    {
        let mut served = setup.docs.served.lock().unwrap();
        served.status = AxumStatus::FOUND;
        served.headers = vec![(header::LOCATION, "https://elsewhere.example/c.json")];
    }
    let page = setup.refused(REDIRECT).await;
    assert!(page.contains("redirects are not followed"), "{page}");

    {
        let mut served = setup.docs.served.lock().unwrap();
        served.status = AxumStatus::OK;
        served.headers.clear();
    }
    setup.serve(json!({
        "client_id": setup.client_id, "redirect_uris": [REDIRECT],
        "client_name": "x".repeat(6 * 1024),
    }));
    let page = setup.refused(REDIRECT).await;
    assert!(page.contains("larger than 5120 bytes"), "{page}");
}

#[tokio::test]
async fn a_stalled_document_server_is_given_up_on() {
    let setup = setup(true, true).await;
    let page = setup.refused(REDIRECT).await;
    assert!(page.contains("could not be fetched"), "{page}");
}

#[tokio::test]
async fn documents_are_cached_for_their_max_age_within_bounds() {
    let setup = setup(true, false).await;
    setup.docs.served.lock().unwrap().headers = vec![(header::CACHE_CONTROL, "max-age=600")];
    assert_eq!(setup.authorize(REDIRECT).await.status, StatusCode::FOUND);
    setup.mock.advance(599);
    assert_eq!(setup.authorize(REDIRECT).await.status, StatusCode::FOUND);
    assert_eq!(setup.hits(), 1, "fresh for 600 s");
    setup.mock.advance(2);
    assert_eq!(setup.authorize(REDIRECT).await.status, StatusCode::FOUND);
    assert_eq!(setup.hits(), 2, "fetched again once stale");

    // no-store still keeps the document for the minimum, so one sign-in is one fetch.
    setup.docs.served.lock().unwrap().headers = vec![(header::CACHE_CONTROL, "no-store")];
    setup.mock.advance(601);
    assert_eq!(setup.authorize(REDIRECT).await.status, StatusCode::FOUND);
    assert_eq!(setup.authorize(REDIRECT).await.status, StatusCode::FOUND);
    assert_eq!(setup.hits(), 3);
    setup.mock.advance(31);
    assert_eq!(setup.authorize(REDIRECT).await.status, StatusCode::FOUND);
    assert_eq!(setup.hits(), 4);
}

#[tokio::test]
async fn a_changed_document_takes_effect_when_refetched() {
    let setup = setup(true, false).await;
    setup.docs.served.lock().unwrap().headers = vec![(header::CACHE_CONTROL, "max-age=60")];
    assert_eq!(setup.authorize(REDIRECT).await.status, StatusCode::FOUND);
    setup.serve(json!({"client_id": setup.client_id, "redirect_uris": ["http://127.0.0.1/other"]}));
    assert_eq!(
        setup.authorize(REDIRECT).await.status,
        StatusCode::FOUND,
        "still cached"
    );
    setup.mock.advance(61);
    let page = setup.refused(REDIRECT).await;
    assert!(page.contains("is not registered for client"), "{page}");
}
