//! The real binary in tmux against a hostile authorization server: numbers no clock can hold
//! in the device and token responses and in a pasted JWT. The app stays alive, says what is
//! wrong in words, and gives the terminal back at quit. Needs tmux: run by `.ci/run` with
//! `--ignored`.

mod hostile_support;
mod tmux_support;

use axum::http::StatusCode;
use axum::routing::{get, post};
use hostile_support::{
    EVIL, HUGE, device_server, json_response, jwt_with_payload, metadata, serve,
};
use serde_json::json;
use tmux_support::Tmux;

/// The app on `issuer` with a public client saved for it, discovered and the client chosen,
/// in a terminal large enough for the wide layout.
fn app_on(name: &str, home: &std::path::Path, issuer: &str) -> Tmux {
    let profile = format!(
        "[[server]]\nname = \"Hostile\"\nissuer = \"{issuer}\"\ndefault = true\n\n\
         [[server.client]]\nclient_id = \"device-client\"\nauth_method = \"none\"\n"
    );
    std::fs::write(home.join("profile.toml"), profile).unwrap();
    let tmux = Tmux::start(name, home, &["--issuer", issuer], 140, 45);
    tmux.wait_for("discovered Hostile");
    tmux.keys(&["2", "Enter"]);
    tmux.wait_for("device-client");
    tmux
}

/// Picks the device flow in the flow picker and sends its first request.
fn start_device_flow(tmux: &Tmux) {
    tmux.keys(&["3", "n", "g", "j", "j", "Enter"]);
    tmux.wait_for("Ask for a device code");
    tmux.keys(&["Enter"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs tmux; .ci/run runs it with --ignored"]
async fn a_device_code_that_never_expires_is_an_error_in_words() {
    let issuer = device_server(json!(HUGE), json!(5), json!({})).await;
    let home = tempfile::tempdir().unwrap();
    let tmux = app_on("hostile-device", home.path(), &issuer);
    start_device_flow(&tmux);
    tmux.wait_for("is not a plausible lifetime");
    tmux.quit_and_check_restored();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs tmux; .ci/run runs it with --ignored"]
async fn tokens_with_huge_lifetimes_are_kept_and_said_implausible() {
    let access_token = jwt_with_payload(
        json!({ "sub": "alice", "exp": HUGE })
            .to_string()
            .as_bytes(),
    );
    let issuer = serve(move |base| {
        // With a JWKS the flow adds a verify step, which shows the flow's notes.
        metadata(&base, json!({ "jwks_uri": format!("{base}/jwks") }))
            .route("/jwks", get(|| async { axum::Json(json!({ "keys": [] })) }))
            .route(
                "/device",
                post(|| async {
                    json_response(
                        StatusCode::OK,
                        json!({ "device_code": "dc", "user_code": EVIL,
                                "verification_uri": format!("http://127.0.0.1/verify{EVIL}"),
                                "expires_in": 600, "interval": 1 }),
                    )
                }),
            )
            .route(
                "/token",
                post(move || async move {
                    json_response(
                        StatusCode::OK,
                        json!({ "access_token": access_token, "token_type": "Bearer",
                                "expires_in": HUGE }),
                    )
                }),
            )
    })
    .await;
    let home = tempfile::tempdir().unwrap();
    let tmux = app_on("hostile-tokens", home.path(), &issuer);
    start_device_flow(&tmux);
    tmux.wait_for("enter polls");
    // The server's OSC 0 in the user code did not reach the terminal (it would set the title).
    assert_ne!(tmux.format("#{pane_title}"), "pwned");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the next request is ready");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Verify the tokens");
    // The warning stays on the poll step that received the lifetime.
    tmux.keys(&["k"]);
    tmux.wait_for("expires_in 18446744073709551615 is not a plausible lifetime");
    tmux.keys(&["5"]);
    tmux.wait_for("exp 18446744073709551615 is not a plausible date");
    tmux.quit_and_check_restored();
}

#[test]
#[ignore = "needs tmux; .ci/run runs it with --ignored"]
fn a_pasted_jwt_with_a_huge_exp_is_shown_not_a_crash() {
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux::start("hostile-paste", home.path(), &[], 140, 45);
    tmux.wait_for("discovered Built-in mock");
    let claims = json!({ "sub": "alice", "exp": HUGE, "iat": HUGE, "nbf": -1e300 });
    tmux.keys(&["5", "p"]);
    tmux.wait_for("Paste a JWT to inspect");
    tmux.type_text(&jwt_with_payload(claims.to_string().as_bytes()));
    tmux.keys(&["Enter"]);
    tmux.wait_for("exp 18446744073709551615 is not a plausible date");
    tmux.quit_and_check_restored();
}
