//! Clients whose keys are at a `jwks_uri` (RFC 7591 §2): the mock fetches the set from a
//! small key server on 127.0.0.1 when it checks a `private_key_jwt` assertion or a signed
//! request object, keeps it for a short while, fetches it again once for a `kid` it does not
//! know (the client rotated its keys), and names the rule when the fetch fails. At
//! registration, `jwks` and `jwks_uri` together are refused.

mod mock_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode as AxumStatus, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use mock_support::{CHALLENGE, Mock, REDIRECT, Reply, start_with};
use oauthscope::mock::{AuthMethod, ClientConfig, Clock};
use oauthscope::oauth::jwt::Algorithm;
use oauthscope::oauth::keys::ClientKey;
use reqwest::StatusCode;
use serde_json::{Value, json};

const CLIENT: &str = "remote-keys";
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// What the key server answers with, and how often it was asked.
#[derive(Clone)]
struct KeyServer {
    answer: Arc<Mutex<(AxumStatus, String)>>,
    hits: Arc<AtomicUsize>,
}

async fn serve_keys(State(server): State<KeyServer>) -> Response {
    server.hits.fetch_add(1, Ordering::SeqCst);
    let (status, body) = server.answer.lock().unwrap().clone();
    let content_type = [(header::CONTENT_TYPE, "application/jwk-set+json")];
    (status, content_type, body).into_response()
}

impl KeyServer {
    fn serve(&self, status: AxumStatus, body: String) {
        *self.answer.lock().unwrap() = (status, body);
    }

    fn serve_keys(&self, keys: &[&ClientKey]) {
        let keys: Vec<Value> = keys
            .iter()
            .map(|k| k.public_jwks()["keys"][0].clone())
            .collect();
        self.serve(AxumStatus::OK, json!({ "keys": keys }).to_string());
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

struct Setup {
    mock: Mock,
    keys: KeyServer,
    jwks_uri: String,
}

/// The key server serving `key`, and a mock (auto-approving as alice, fetching from loopback
/// when `allow_loopback`) with a configured client whose keys are there.
async fn setup(key: &ClientKey, allow_loopback: bool) -> Setup {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let jwks_uri = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    let keys = KeyServer {
        answer: Arc::new(Mutex::new((AxumStatus::OK, String::new()))),
        hits: Arc::new(AtomicUsize::new(0)),
    };
    keys.serve_keys(&[key]);
    let router = Router::new()
        .route("/jwks.json", get(serve_keys))
        .route(
            "/moved",
            get(|| async { (AxumStatus::FOUND, [(header::LOCATION, "/jwks.json")]) }),
        )
        .with_state(keys.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let uri = jwks_uri.clone();
    let mock = start_with(move |config| {
        config.auto_approve = Some("alice".into());
        config.allow_loopback_cimd = allow_loopback;
        config.clients.push(ClientConfig {
            client_id: CLIENT.into(),
            token_endpoint_auth_methods: vec![AuthMethod::PrivateKeyJwt],
            grant_types: vec!["client_credentials".into(), "authorization_code".into()],
            redirect_uris: vec![REDIRECT.into()],
            jwks_uri: Some(uri),
            ..ClientConfig::default()
        });
    })
    .await;
    Setup {
        mock,
        keys,
        jwks_uri,
    }
}

/// A fresh client assertion for `client_id`, signed with `key`, for the mock's token endpoint,
/// dated by the mock's (manual) clock.
fn assertion(mock: &Mock, key: &ClientKey, client_id: &str) -> String {
    let now = mock.clock.now_secs();
    let jti = oauthscope::oauth::pkce::random_token(8).unwrap();
    let claims = json!({
        "iss": client_id, "sub": client_id, "aud": format!("{}/token", mock.issuer()),
        "jti": jti, "iat": now, "exp": now + 60,
    });
    key.sign_jwt("JWT", &claims).unwrap()
}

/// Client credentials at /token, authenticated with an assertion signed by `key`.
async fn token(mock: &Mock, key: &ClientKey, client_id: &str) -> Reply {
    let assertion = assertion(mock, key, client_id);
    let form = [
        ("grant_type", "client_credentials"),
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", &assertion),
    ];
    mock.post_form("/token", &form, None).await
}

fn es256() -> ClientKey {
    ClientKey::generate(Algorithm::ES256).unwrap().0
}

#[tokio::test]
async fn an_assertion_is_checked_with_the_set_at_jwks_uri_which_is_kept() {
    let key = es256();
    let setup = setup(&key, true).await;
    for _ in 0..3 {
        let reply = token(&setup.mock, &key, CLIENT).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    assert_eq!(setup.keys.hits(), 1, "one fetch, then the kept set");
    // A key the set does not hold is refused, whoever signed with it.
    let stranger = es256();
    let description = token(&setup.mock, &stranger, CLIENT)
        .await
        .expect_error(400, "invalid_client");
    assert!(description.contains("kid"), "{description}");
    // Once stale (5 minutes without Cache-Control), the set is fetched again.
    setup.mock.advance(301);
    let reply = token(&setup.mock, &key, CLIENT).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(setup.keys.hits(), 2);
}

#[tokio::test]
async fn an_unknown_kid_fetches_the_set_again_once_the_client_rotated() {
    let old = es256();
    let setup = setup(&old, true).await;
    assert_eq!(
        token(&setup.mock, &old, CLIENT).await.status,
        StatusCode::OK
    );
    let new = es256();
    setup.keys.serve_keys(&[&new]);
    // Right after a fetch, an unknown kid is not worth another one.
    let description = token(&setup.mock, &new, CLIENT)
        .await
        .expect_error(400, "invalid_client");
    assert!(
        description.contains("at most every 5 s") && description.contains("RFC 7591 section 2"),
        "{description}"
    );
    assert_eq!(setup.keys.hits(), 1);
    setup.mock.advance(6);
    let reply = token(&setup.mock, &new, CLIENT).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(setup.keys.hits(), 2, "fetched again for the new kid");
    // The set now kept is the rotated one: the withdrawn key no longer works.
    let description = token(&setup.mock, &old, CLIENT)
        .await
        .expect_error(400, "invalid_client");
    assert!(description.contains("kid"), "{description}");
}

#[tokio::test]
async fn a_failed_fetch_is_invalid_client_naming_the_rule() {
    let key = es256();
    let setup = setup(&key, true).await;
    let long = format!(r#"{{"keys":[],"padding":"{}"}}"#, "x".repeat(40 * 1024));
    let cases: [(AxumStatus, &str, &str); 5] = [
        (AxumStatus::INTERNAL_SERVER_ERROR, "{}", "answered 500"),
        (AxumStatus::OK, "not json", "not a JSON object"),
        (AxumStatus::OK, r#"{"keys":[]}"#, "jwks has no keys"),
        (AxumStatus::OK, &long, "larger than 32768 bytes"),
        (
            AxumStatus::OK,
            r#"{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA","d":"AA"}]}"#,
            "private or symmetric key",
        ),
    ];
    for (status, body, expected) in cases {
        setup.keys.serve(status, body.to_owned());
        // Stale each time, so every case is a fresh fetch.
        setup.mock.advance(3601);
        let description = token(&setup.mock, &key, CLIENT)
            .await
            .expect_error(400, "invalid_client");
        assert!(
            description.contains(expected)
                && description.contains("jwks_uri")
                && description.contains("RFC 7591 section 2"),
            "{expected}: {description}"
        );
    }
    // Nothing listening: the connection fails, and says so.
    let gone = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/jwks.json", listener.local_addr().unwrap())
    };
    let registered = register_key_client(&setup.mock, &gone).await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.text
    );
    let client_id = registered.json()["client_id"].as_str().unwrap().to_owned();
    let description = token(&setup.mock, &key, &client_id)
        .await
        .expect_error(400, "invalid_client");
    assert!(
        description.contains("could not be fetched"),
        "{description}"
    );
}

#[tokio::test]
async fn redirects_are_not_followed_and_loopback_http_needs_the_flag() {
    let key = es256();
    let strict = setup(&key, false).await;
    let description = token(&strict.mock, &key, CLIENT)
        .await
        .expect_error(400, "invalid_client");
    assert!(
        description.contains("--allow-loopback-cimd"),
        "{description}"
    );
    assert_eq!(strict.keys.hits(), 0, "refused before any fetch");

    let loose = setup(&key, true).await;
    let moved = loose.jwks_uri.replace("/jwks.json", "/moved");
    let registered = register_key_client(&loose.mock, &moved).await;
    let client_id = registered.json()["client_id"].as_str().unwrap().to_owned();
    let description = token(&loose.mock, &key, &client_id)
        .await
        .expect_error(400, "invalid_client");
    assert!(
        description.contains("redirects are not followed"),
        "{description}"
    );
    assert_eq!(loose.keys.hits(), 0);
}

/// Registers a `private_key_jwt` client for client credentials with its keys at `jwks_uri`.
async fn register_key_client(mock: &Mock, jwks_uri: &str) -> Reply {
    let metadata = json!({"grant_types": ["client_credentials"],
        "token_endpoint_auth_method": "private_key_jwt", "jwks_uri": jwks_uri});
    mock.register(&metadata).await
}

#[tokio::test]
async fn registration_takes_jwks_uri_shows_it_and_refuses_it_beside_jwks() {
    let key = es256();
    let setup = setup(&key, true).await;
    let registered = register_key_client(&setup.mock, &setup.jwks_uri).await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.text
    );
    let body = registered.json();
    assert_eq!(body["jwks_uri"], setup.jwks_uri);
    assert!(body.get("client_secret").is_none(), "{body}");
    let client_id = body["client_id"].as_str().unwrap();
    let read = setup
        .mock
        .http
        .get(body["registration_client_uri"].as_str().unwrap())
        .bearer_auth(body["registration_access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let read = Mock::reply(read).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!(read.json()["jwks_uri"], setup.jwks_uri);
    let reply = token(&setup.mock, &key, client_id).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    let both = json!({"grant_types": ["client_credentials"],
        "token_endpoint_auth_method": "private_key_jwt",
        "jwks_uri": setup.jwks_uri, "jwks": key.public_jwks()});
    let both = setup.mock.register(&both).await;
    let description = both.expect_error(400, "invalid_client_metadata");
    assert!(
        description.contains("must not both be present"),
        "{description}"
    );
    let plain = json!({"grant_types": ["client_credentials"],
        "jwks_uri": "http://app.example/jwks.json"});
    let plain = setup.mock.register(&plain).await;
    let description = plain.expect_error(400, "invalid_client_metadata");
    assert!(description.contains("https"), "{description}");
}

#[tokio::test]
async fn a_request_object_is_verified_with_the_set_at_jwks_uri() {
    let key = es256();
    let setup = setup(&key, true).await;
    let claims = json!({
        "iss": CLIENT, "aud": setup.mock.issuer(), "client_id": CLIENT,
        "response_type": "code", "redirect_uri": REDIRECT, "scope": "openid",
        "state": "from-object", "code_challenge": CHALLENGE, "code_challenge_method": "S256",
    });
    let object = key.sign_jwt("oauth-authz-req+jwt", &claims).unwrap();
    let reply = setup
        .mock
        .authorize(&[("client_id", CLIENT), ("request", &object)])
        .await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.text);
    assert_eq!(
        reply.location_param("state").as_deref(),
        Some("from-object")
    );
    assert_eq!(setup.keys.hits(), 1);
    let forged = es256().sign_jwt("oauth-authz-req+jwt", &claims).unwrap();
    let reply = setup
        .mock
        .authorize(&[("client_id", CLIENT), ("request", &forged)])
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert!(
        reply.text.contains("invalid_request_object"),
        "{}",
        reply.text
    );
}
