//! Endpoints given by hand on the command line (`--userinfo-endpoint` and the rest): they
//! override discovery, describe a server that has none, and are what the error points to
//! when an endpoint is missing. Against small local servers, through the real binary.

use axum::Json;
use axum::Router;
use axum::http::HeaderMap;
use axum::routing::get;
use serde_json::{Value, json};

#[path = "support/cli.rs"]
mod cli;
use cli::{listener, oauthscope};

/// A server whose RFC 8414 metadata (if `metadata`) names only a token endpoint, and which
/// answers UserInfo at /elsewhere/userinfo for the bearer token `t0k`.
async fn server(metadata: bool) -> String {
    let (listener, base) = listener().await;
    let doc = json!({"issuer": base, "token_endpoint": format!("{base}/token")});
    let mut router = Router::new().route(
        "/elsewhere/userinfo",
        get(|headers: HeaderMap| async move {
            let bearer = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            Json(json!({"sub": "alice", "seen": bearer}))
        }),
    );
    if metadata {
        router = router.route(
            "/.well-known/oauth-authorization-server",
            get(move || async move { Json(doc) }),
        );
    }
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}

/// `userinfo` with the endpoint given by hand, as JSON; it must succeed.
async fn userinfo_by_hand(base: &str) -> Value {
    let userinfo = format!("{base}/elsewhere/userinfo");
    let out = oauthscope(&[
        "userinfo",
        "--issuer",
        base,
        "--token",
        "t0k",
        "--userinfo-endpoint",
        &userinfo,
        "--json",
    ])
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn a_missing_endpoint_points_at_its_flag_and_the_flag_supplies_it() {
    let base = server(true).await;
    let out = oauthscope(&["userinfo", "--issuer", &base, "--token", "t0k"]).await;
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("has no userinfo_endpoint") && err.contains("--userinfo-endpoint URL"),
        "{err}"
    );

    let doc = userinfo_by_hand(&base).await;
    assert_eq!(doc["outcome"]["userinfo"]["sub"], "alice", "{doc}");
    assert_eq!(doc["outcome"]["userinfo"]["seen"], "Bearer t0k");
}

#[tokio::test]
async fn discover_shows_an_override_as_given_by_hand() {
    let base = server(true).await;
    let jwks = format!("{base}/keys");
    let out = oauthscope(&["discover", &base, "--jwks-uri", &jwks, "--json"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["metadata"]["jwks_uri"], jwks.as_str());
    assert_eq!(doc["sources"]["jwks_uri"], "manual");
    assert_eq!(doc["sources"]["token_endpoint"], "oauth");

    let out = oauthscope(&["discover", &base, "--jwks-uri", &jwks]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("{jwks}  (by hand)")), "{text}");
    assert!(
        text.contains(&format!("{base}/token  (RFC 8414)")),
        "{text}"
    );
}

#[tokio::test]
async fn a_server_without_discovery_is_usable_with_flags_alone() {
    let base = server(false).await;
    let out = oauthscope(&["userinfo", "--issuer", &base, "--token", "t0k"]).await;
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no metadata"), "{err}");
    assert!(
        err.contains("give its endpoints by hand (--authorization-endpoint, --token-endpoint"),
        "{err}"
    );

    let doc = userinfo_by_hand(&base).await;
    assert_eq!(doc["outcome"]["userinfo"]["sub"], "alice", "{doc}");
}

#[tokio::test]
async fn an_endpoint_that_is_not_a_url_is_refused_in_words() {
    let base = server(true).await;
    let out = oauthscope(&["discover", &base, "--token-endpoint", "not a url"]).await;
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("token_endpoint \"not a url\" is not an http(s) URL"),
        "{err}"
    );
}

#[tokio::test]
async fn every_command_that_discovers_takes_the_endpoint_flags() {
    for command in [
        &["discover", "x"][..],
        &["run", "code"],
        &["introspect"],
        &["revoke"],
        &["userinfo"],
        &["register"],
        &["decode", "x"],
    ] {
        let mut args = command.to_vec();
        args.push("--help");
        let out = oauthscope(&args).await;
        let help = String::from_utf8_lossy(&out.stdout);
        for flag in [
            "--authorization-endpoint",
            "--token-endpoint",
            "--jwks-uri",
            "--userinfo-endpoint",
            "--device-authorization-endpoint",
            "--introspection-endpoint",
            "--revocation-endpoint",
            "--par-endpoint",
            "--registration-endpoint",
        ] {
            assert!(help.contains(flag), "{command:?} lacks {flag}:\n{help}");
        }
    }
}
