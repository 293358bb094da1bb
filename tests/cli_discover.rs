//! `oauthscope discover` against small local servers: the summary, warnings, JSON shape and
//! the issuer check.

use axum::Json;
use axum::Router;
use axum::routing::get;
use serde_json::{Value, json};
use tokio::net::TcpListener;

async fn server(metadata: impl Fn(&str) -> Value) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let doc = metadata(&base);
    let router = Router::new().route(
        "/.well-known/oauth-authorization-server",
        get(move || async move { Json(doc) }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}

async fn oauthscope(args: &[&str]) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_oauthscope"))
        .args(args)
        .output()
        .await
        .expect("the binary runs")
}

#[tokio::test]
async fn json_lists_metadata_capabilities_and_warnings() {
    let base = server(|base| {
        json!({
            "issuer": base,
            "authorization_endpoint": format!("{base}/authorize"),
            "token_endpoint": format!("{base}/token"),
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["plain"],
        })
    })
    .await;
    let out = oauthscope(&["discover", &base, "--json"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["source"], "oauth");
    assert_eq!(doc["metadata"]["issuer"], base);
    assert_eq!(doc["capabilities"]["authorization_code"], true);
    assert_eq!(doc["capabilities"]["device_authorization"], false);
    let codes: Vec<&str> = doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"no_s256"), "{codes:?}");
    assert!(codes.contains(&"no_iss_parameter"), "{codes:?}");
    // Both documents are asked for; the OpenID Connect one is missing here (404).
    assert_eq!(doc["exchanges"].as_array().unwrap().len(), 2);
    assert_eq!(doc["exchanges"][1]["status"], 404);
    assert_eq!(doc["sources"]["token_endpoint"], "oauth");
}

#[tokio::test]
async fn human_output_names_endpoints_and_warnings() {
    let base =
        server(|base| json!({"issuer": base, "token_endpoint": format!("{base}/token")})).await;
    let out = oauthscope(&["discover", &base]).await;
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("token          {base}/token")),
        "{text}"
    );
    assert!(text.contains("← 200"), "{text}");
}

#[tokio::test]
async fn issuer_mismatch_exits_non_zero() {
    let base = server(|_| json!({"issuer": "https://evil.example"})).await;
    let out = oauthscope(&["discover", &base, "--json"]).await;
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["ok"], false);
    assert!(doc["error"].as_str().unwrap().contains("RFC 8414 §3.3"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("oauthscope discover: "), "{err}");
}
