//! The Servers pane shows the engine's capabilities of a server, RFC 8414 defaults applied,
//! so the terminal app and `oauthscope discover` give the same answer about the same server.

mod tui_support;

use axum::Json;
use axum::Router;
use axum::routing::get;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use oauthscope::tui::app::Settings;
use tui_support::Harness;

/// A server whose metadata omits `token_endpoint_auth_methods_supported` and
/// `grant_types_supported`: RFC 8414 §2 then means client_secret_basic, and
/// authorization_code + implicit.
async fn terse_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let doc = json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "code_challenge_methods_supported": ["S256"],
    });
    let router = Router::new().route(
        "/.well-known/oauth-authorization-server",
        get(move || async move { Json(doc) }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}

async fn cli_capabilities(issuer: &str) -> Value {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_oauthscope"))
        .args(["discover", "--json", issuer])
        .output()
        .await
        .expect("the binary runs");
    assert!(output.status.success(), "{output:?}");
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    doc["capabilities"].clone()
}

/// The port differs each run; its digits become `P`s so snapshots keep their width. The
/// exchange log (clock times, durations) is left out: the pane above it is what is checked.
fn without_port(screen: &str, base: &str) -> String {
    let port = base.rsplit(':').next().unwrap();
    let screen = screen.replace(
        &format!("127.0.0.1:{port}"),
        &format!("127.0.0.1:{}", "P".repeat(port.len())),
    );
    screen
        .lines()
        .take_while(|line| !line.starts_with("┌ 4 Exchanges") && !line.starts_with("┏ 4 Exchanges"))
        .map(|line| format!("{line}\n"))
        .collect()
}

async fn servers_pane(base: &str, width: u16, height: u16) -> String {
    let harness = Harness::start(
        Settings {
            open_issuer: Some(base.to_string()),
            ..Settings::in_memory()
        },
        width,
        height,
    );
    harness.wait_for("discovered").await;
    harness.press("1");
    let screen = harness.wait_for("client auth").await;
    harness.finish().await;
    screen
}

#[tokio::test]
async fn the_app_and_discover_agree_on_a_server_that_omits_its_auth_methods() {
    let base = terse_server().await;
    let cli = cli_capabilities(&base).await;
    assert_eq!(
        cli["token_endpoint_auth_methods"],
        json!(["client_secret_basic"])
    );

    for (width, height) in [(80, 24), (120, 35)] {
        let screen = servers_pane(&base, width, height).await;
        let methods: Vec<&str> = cli["token_endpoint_auth_methods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap())
            .collect();
        let auth_row = format!("client auth  {}  (not advertised", methods.join(" "));
        assert!(screen.contains(&auth_row), "{screen}");
        for (flow, member) in [
            ("code", "authorization_code"),
            ("par", "pushed_authorization_requests"),
            ("device", "device_authorization"),
            ("client_credentials", "client_credentials"),
            ("refresh", "refresh_token"),
        ] {
            let glyph = if cli[member] == json!(true) {
                "✓"
            } else {
                "✗"
            };
            assert!(
                screen.contains(&format!("{glyph}{flow} ")),
                "{flow}: {screen}"
            );
        }
        insta::assert_snapshot!(
            format!("servers_terse_{width}x{height}"),
            without_port(&screen, &base)
        );
    }
}
