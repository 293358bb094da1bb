//! A server that hands secrets back in awkward encodings: the client secret percent-encoded
//! in a form, tokens JSON-escaped (`"tok\/en"`), a form-encoded error body that echoes the
//! secret. The engine's masked views and the CLI's text and `--json` output must show none
//! of them, in any encoding.

use std::net::SocketAddr;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use oauthscope::oauth::RecordingClient;
use oauthscope::oauth::client_auth::{AuthMethod, ClientCredentials};
use oauthscope::oauth::response::expect_json;
use oauthscope::oauth::step::RequestDraft;
use oauthscope::wire::TokenResponse;
use tokio::net::TcpListener;
use tokio::process::Command;

const SECRET: &str = "s3cr/t+v4lue==";
const TOKEN: &str = "tok/en-4a7f9c2e81";
const REFRESH: &str = "re/fresh-77d01b";

/// Every way the secrets could be written: as is, form- and percent-encoded, JSON-escaped.
fn forbidden() -> Vec<String> {
    let mut forms = Vec::new();
    for value in [SECRET, TOKEN, REFRESH] {
        forms.push(value.to_string());
        forms.push(url::form_urlencoded::byte_serialize(value.as_bytes()).collect());
        forms.push(value.replace('/', "\\/"));
    }
    forms
}

fn assert_clean(what: &str, text: &str) {
    for form in forbidden() {
        assert!(!text.contains(&form), "{what} shows {form:?}:\n{text}");
    }
}

async fn serve() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let base = format!("http://{addr}");
    let metadata = serde_json::json!({
        "issuer": base,
        "token_endpoint": format!("{base}/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "grant_types_supported": ["client_credentials"],
    })
    .to_string();
    let router = Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            get(move || {
                let metadata = metadata.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], metadata) }
            }),
        )
        .route(
            "/token",
            // Tokens with every `/` escaped, and the client secret echoed back the same way.
            post(|| async {
                let body = format!(
                    r#"{{"access_token":"{}","token_type":"Bearer","expires_in":300,"refresh_token":"{}","client_secret":"{}"}}"#,
                    TOKEN.replace('/', "\\/"),
                    REFRESH.replace('/', "\\/"),
                    SECRET.replace('/', "\\/"),
                );
                ([(header::CONTENT_TYPE, "application/json")], body)
            }),
        )
        .route(
            "/token-echo",
            // An error in a form-encoded body that echoes the secret, percent-encoded.
            post(|body: String| async move {
                (
                    StatusCode::UNAUTHORIZED,
                    [(header::CONTENT_TYPE, "application/x-www-form-urlencoded")],
                    format!("error_hint=bad+client&{body}"),
                )
                    .into_response()
            }),
        );
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

fn post_client() -> ClientCredentials {
    ClientCredentials::confidential("app", SECRET, AuthMethod::ClientSecretPost)
}

async fn send(addr: SocketAddr, path: &str) -> oauthscope::oauth::Exchange {
    let mut draft = RequestDraft::new("POST", &format!("http://{addr}{path}"));
    draft.set_param("grant_type", "client_credentials");
    post_client().apply(&mut draft, "http://as").unwrap();
    RecordingClient::new().unwrap().send(&draft).await
}

#[tokio::test]
async fn the_engine_masks_encoded_and_escaped_secrets() {
    let addr = serve().await;
    let exchange = send(addr, "/token").await;
    // The exchange really holds them: the request the percent-encoded secret, the response
    // the escaped tokens.
    let revealed = format!("{}\n{:?}", exchange.to_curl(true), exchange.response_body);
    assert!(revealed.contains("s3cr%2Ft%2Bv4lue%3D%3D"), "{revealed}");
    assert!(revealed.contains(r"tok\\/en"), "{revealed}");
    let tokens: TokenResponse = expect_json(&exchange, "token response", &[200]).unwrap();
    assert_eq!(tokens.access_token.secret(), TOKEN);

    let shown = exchange.redacted();
    assert_clean("the masked exchange", &format!("{shown:?}"));
    assert_clean(
        "the exchange's JSON",
        &serde_json::to_string(&shown).unwrap(),
    );
    assert_clean("the masked curl", &exchange.to_curl(false));
    assert_clean("the exchange's Debug", &format!("{exchange:?}"));
    assert_clean("the token response's Debug", &format!("{tokens:?}"));
}

#[tokio::test]
async fn an_error_body_echoing_the_secret_is_quoted_masked() {
    let addr = serve().await;
    let exchange = send(addr, "/token-echo").await;
    assert!(
        exchange
            .response_body
            .as_deref()
            .unwrap()
            .contains("s3cr%2Ft")
    );
    let err = expect_json::<TokenResponse>(&exchange, "token response", &[200]).unwrap_err();
    assert_clean("the error", &err.to_string());
    assert!(err.to_string().contains("client_secret=••••••"), "{err}");
}

async fn cli(addr: SocketAddr, extra: &[&str]) -> (String, String) {
    let issuer = format!("http://{addr}");
    let out = Command::new(env!("CARGO_BIN_EXE_oauthscope"))
        .args([
            "run",
            "client-credentials",
            "--issuer",
            &issuer,
            "--client-id",
            "app",
            "--client-secret",
            SECRET,
            "--auth-method",
            "client_secret_post",
        ])
        .args(extra)
        .env_remove("OAUTHSCOPE_CLIENT_SECRET")
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .expect("the binary runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_text_and_json_show_no_secret_form() {
    let addr = serve().await;
    let (stdout, stderr) = cli(addr, &[]).await;
    assert!(
        stdout.contains("client_secret=••••••"),
        "{stdout}\n{stderr}"
    );
    assert_clean("the CLI's text", &stdout);
    assert_clean("the CLI's stderr", &stderr);

    let (stdout, stderr) = cli(addr, &["--json"]).await;
    let doc: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}"));
    assert!(
        doc["exchanges"].as_array().is_some_and(|e| !e.is_empty()),
        "{stdout}"
    );
    // The recorded exchanges and steps are masked; the results (`outcome`) are in clear by
    // design, since a script needs them.
    assert_clean("the CLI's --json exchanges", &doc["exchanges"].to_string());
    assert_clean("the CLI's --json steps", &doc["steps"].to_string());
    assert_eq!(doc["outcome"]["tokens"]["access_token"], TOKEN);
    assert_clean("the CLI's stderr", &stderr);

    // Revealing shows them, so the checks above are not vacuous.
    let (stdout, _) = cli(addr, &["--show-secrets"]).await;
    assert!(stdout.contains("s3cr%2Ft%2Bv4lue%3D%3D"), "{stdout}");
}
