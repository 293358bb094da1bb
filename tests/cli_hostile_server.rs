//! The CLI against a hostile authorization server on 127.0.0.1: escape sequences in every
//! string it controls and numbers no clock can hold. Whatever it sends, the binary exits with
//! a reason in words (never 101, a panic), and no control character from the server reaches
//! stdout or stderr: it is shown escaped (`\x1b`).

mod hostile_support;

use std::process::{Output, Stdio};
use std::time::Duration;

use axum::extract::Query;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use hostile_support::{
    EVIL, HUGE, device_server, json_response, jwt_with_payload, metadata, serve,
};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

fn text_response(status: StatusCode, body: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain")], body).into_response()
}

fn oauthscope(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_oauthscope"));
    cmd.args(args)
        .env_remove("OAUTHSCOPE_CLIENT_SECRET")
        .env_remove("BROWSER")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    cmd
}

async fn run(args: &[&str]) -> Output {
    let out = oauthscope(args).output();
    tokio::time::timeout(Duration::from_secs(60), out)
        .await
        .expect("the command ends")
        .expect("the binary runs")
}

/// A server whose token endpoint always gives this answer.
async fn token_server(answer: impl Fn() -> Response + Clone + Send + Sync + 'static) -> String {
    serve(|base| {
        metadata(&base, json!({})).route(
            "/token",
            post(move || {
                let response = answer();
                async move { response }
            }),
        )
    })
    .await
}

async fn run_client_credentials(issuer: &str) -> Output {
    run(&[
        "run",
        "client-credentials",
        "--issuer",
        issuer,
        "--client-id",
        "c",
        "--client-secret",
        "s",
    ])
    .await
}

/// No panic, and nothing on either stream a terminal would act on. `shown` must be in the
/// output, escaped: proof that the server's text was printed, not dropped.
fn assert_clean(out: &Output, shown: &str) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(
        out.status.code(),
        Some(101),
        "panicked\nstdout: {stdout}\nstderr: {stderr}"
    );
    for (name, text) in [("stdout", &stdout), ("stderr", &stderr)] {
        let raw = text.chars().find(|&c| {
            (c.is_control() && c != '\n' && c != '\t') || ('\u{202a}'..='\u{202e}').contains(&c)
        });
        assert!(
            raw.is_none(),
            "{name} carries {raw:?} raw\nstdout: {stdout}\nstderr: {stderr}"
        );
    }
    assert!(
        stdout.contains(shown) || stderr.contains(shown),
        "{shown:?} not shown\nstdout: {stdout}\nstderr: {stderr}"
    );
}

/// The escaped form of the start of [`EVIL`], as every printer shows it.
const ESCAPED: &str = "\\x1b]52;c;cHduZWQ=\\x07";

#[tokio::test]
async fn discover_escapes_metadata_strings() {
    let issuer = serve(|base| {
        metadata(
            &base,
            json!({
                "authorization_endpoint": format!("{base}/authorize{EVIL}"),
                "code_challenge_methods_supported": ["S256", EVIL],
                "token_endpoint_auth_methods_supported": [EVIL],
            }),
        )
    })
    .await;
    let out = run(&["discover", &issuer]).await;
    assert_clean(&out, ESCAPED);
    // A server's line break inside a field does not start a line of its own.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.lines().any(|l| l.starts_with("✓ 9.")), "{stdout}");
    assert!(stdout.contains("\\r\\n✓ 9. All good\\x7f"), "{stdout}");
}

#[tokio::test]
async fn token_errors_show_error_and_description_escaped() {
    let issuer = token_server(|| {
        json_response(
            StatusCode::BAD_REQUEST,
            json!({ "error": format!("invalid_client{EVIL}"), "error_description": EVIL }),
        )
    })
    .await;
    let out = run_client_credentials(&issuer).await;
    assert_eq!(out.status.code(), Some(1));
    assert_clean(&out, ESCAPED);
    // The exit reason on stderr is one line, whatever the description holds.
    let stderr = String::from_utf8_lossy(&out.stderr);
    let reason = stderr
        .lines()
        .find(|l| l.starts_with("oauthscope run:"))
        .unwrap_or_else(|| panic!("no exit reason: {stderr}"));
    assert!(reason.contains("\\r\\n✓ 9. All good"), "{stderr}");
}

#[tokio::test]
async fn a_non_json_error_body_is_shown_escaped_on_the_exchange() {
    let issuer = token_server(|| text_response(StatusCode::BAD_GATEWAY, EVIL)).await;
    let out = run_client_credentials(&issuer).await;
    assert_eq!(out.status.code(), Some(1));
    assert_clean(&out, ESCAPED);
}

#[tokio::test]
async fn huge_numbers_in_a_token_response_are_said_in_words() {
    let claims = json!({ "sub": EVIL, "exp": HUGE, "iat": HUGE, "nbf": -1e300 });
    let access_token = jwt_with_payload(claims.to_string().as_bytes());
    let issuer = token_server(move || {
        json_response(
            StatusCode::OK,
            json!({ "access_token": access_token, "token_type": format!("Bearer{EVIL}"),
                    "expires_in": HUGE, "scope": EVIL }),
        )
    })
    .await;
    let out = run_client_credentials(&issuer).await;
    assert_eq!(out.status.code(), Some(0));
    assert_clean(&out, ESCAPED);
    // A warning on the token step: on stderr, beside the step it concerns.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("expires_in 18446744073709551615 is not a plausible lifetime"),
        "{stderr}"
    );
}

async fn run_device(issuer: &str) -> Output {
    run(&["run", "device", "--issuer", issuer, "--client-id", "c"]).await
}

#[tokio::test]
async fn device_expires_in_at_u64_max_is_refused_in_words() {
    let issuer = device_server(json!(HUGE), json!(5), json!({})).await;
    let out = run_device(&issuer).await;
    assert_eq!(out.status.code(), Some(1));
    assert_clean(
        &out,
        "expires_in 18446744073709551615 is not a plausible lifetime",
    );
}

#[tokio::test]
async fn device_interval_at_u64_max_is_refused_in_words() {
    let issuer = device_server(json!(600), json!(HUGE), json!({})).await;
    let out = run_device(&issuer).await;
    assert_eq!(out.status.code(), Some(1));
    assert_clean(
        &out,
        "interval 18446744073709551615 is not a plausible lifetime",
    );
}

#[tokio::test]
async fn device_numbers_of_the_wrong_kind_are_refused_in_words() {
    for (expires_in, interval) in [(json!(-1), json!(5)), (json!(600), json!(1.5))] {
        let issuer = device_server(expires_in, interval, json!({})).await;
        let out = run_device(&issuer).await;
        assert_eq!(out.status.code(), Some(1));
        assert_clean(&out, "not a valid device authorization response");
    }
}

#[tokio::test]
async fn slow_down_never_waits_past_the_codes_expiry() {
    // Every poll says slow_down; the wait grows by 5 s but stops at the code's 2 s lifetime,
    // and the flow ends with the expiry in words (and the server's strings escaped).
    let slow_down = json!({ "error": "slow_down", "error_description": EVIL });
    let issuer = device_server(json!(2), json!(0), slow_down).await;
    let out = run_device(&issuer).await;
    assert_eq!(out.status.code(), Some(1));
    assert_clean(&out, "the device code expired before the user approved");
    assert_clean(&out, ESCAPED);
}

#[tokio::test]
async fn decode_escapes_a_payload_that_is_not_json() {
    let jwt = jwt_with_payload(EVIL.as_bytes());
    let out = run(&["decode", &jwt]).await;
    assert_clean(&out, ESCAPED);
}

#[tokio::test]
async fn decode_says_a_huge_exp_is_not_a_date() {
    let jwt = jwt_with_payload(
        json!({ "exp": HUGE, "iat": 1, "iss": EVIL })
            .to_string()
            .as_bytes(),
    );
    let out = run(&["decode", &jwt]).await;
    assert_eq!(out.status.code(), Some(1));
    assert_clean(&out, "exp 18446744073709551615 is not a plausible date");
}

#[tokio::test]
async fn register_and_client_escape_the_servers_representation() {
    let issuer = serve(|base| {
        let client = json!({
            "client_id": format!("id{EVIL}"),
            "client_secret": "secret",
            "registration_access_token": "rat",
            "registration_client_uri": format!("{base}/register/id{EVIL}"),
            "client_name": EVIL,
            "redirect_uris": [format!("http://127.0.0.1/cb{EVIL}")],
        });
        let read = client.clone();
        metadata(&base, json!({}))
            .route(
                "/register",
                post(move || async move { json_response(StatusCode::CREATED, client) }),
            )
            .route(
                "/register/c",
                get(move || async move { json_response(StatusCode::OK, read) }),
            )
    })
    .await;
    let out = run(&[
        "register",
        "--issuer",
        &issuer,
        "--redirect-uri",
        "http://127.0.0.1/cb",
    ])
    .await;
    assert_eq!(out.status.code(), Some(0));
    assert_clean(&out, ESCAPED);
    let out = run(&[
        "client",
        "get",
        "--registration-client-uri",
        &format!("{issuer}/register/c"),
        "--registration-access-token",
        "rat",
    ])
    .await;
    assert_eq!(out.status.code(), Some(0));
    assert_clean(&out, ESCAPED);
}

#[tokio::test]
async fn introspect_revoke_and_userinfo_escape_what_comes_back() {
    let issuer = serve(|base| {
        metadata(&base, json!({}))
            .route(
                "/introspect",
                post(|| async {
                    json_response(
                        StatusCode::OK,
                        json!({ "active": true, "username": EVIL, "scope": EVIL }),
                    )
                }),
            )
            .route(
                "/revoke",
                post(|| async { text_response(StatusCode::SERVICE_UNAVAILABLE, EVIL) }),
            )
            .route(
                "/userinfo",
                get(|| async { json_response(StatusCode::OK, json!({ "sub": EVIL })) }),
            )
    })
    .await;
    let client = ["--client-id", "c", "--client-secret", "s"];
    for command in ["introspect", "revoke", "userinfo"] {
        let mut args = vec![command, "--issuer", &issuer, "--token", "t"];
        args.extend(client);
        let out = run(&args).await;
        // JSON bodies are pretty-printed, so their controls come out JSON-escaped (`\u001b`).
        assert_clean(&out, "]52;c;cHduZWQ=");
    }
}

/// The hostile authorization endpoint: back to the client's redirect URI with an error whose
/// description holds [`EVIL`] (RFC 6749 §4.1.2.1).
async fn refuse(Query(query): Query<std::collections::HashMap<String, String>>) -> Redirect {
    let mut back = url::Url::parse(&query["redirect_uri"]).unwrap();
    back.query_pairs_mut()
        .append_pair("error", "access_denied")
        .append_pair("error_description", EVIL)
        .append_pair("state", &query["state"]);
    Redirect::to(back.as_str())
}

#[tokio::test]
async fn an_error_redirect_shows_its_description_escaped() {
    let issuer = serve(|base| metadata(&base, json!({})).route("/authorize", get(refuse))).await;
    let mut child = oauthscope(&[
        "run",
        "code",
        "--issuer",
        &issuer,
        "--client-id",
        "c",
        "--no-browser",
        "--wait",
        "30",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    // Be the browser: read the URL from stderr, follow the server's redirect to the listener.
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = String::new();
    let url = loop {
        let line = tokio::time::timeout(Duration::from_secs(30), stderr.next_line())
            .await
            .expect("the URL is printed")
            .unwrap()
            .unwrap_or_else(|| panic!("stderr ended: {seen}"));
        seen.push_str(&line);
        seen.push('\n');
        if line.trim().starts_with(&issuer) {
            break line.trim().to_string();
        }
    };
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()
        .unwrap();
    let _ = browser.get(&url).send().await;
    let rest = tokio::spawn(async move {
        let mut rest = String::new();
        while let Ok(Some(line)) = stderr.next_line().await {
            rest.push_str(&line);
            rest.push('\n');
        }
        rest
    });
    let mut stdout = child.stdout.take().unwrap();
    let mut printed = Vec::new();
    tokio::io::AsyncReadExt::read_to_end(&mut stdout, &mut printed)
        .await
        .unwrap();
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("the command ends")
        .unwrap();
    seen.push_str(&rest.await.unwrap());
    let out = Output {
        status,
        stdout: printed,
        stderr: seen.into_bytes(),
    };
    assert_eq!(out.status.code(), Some(1));
    assert_clean(&out, ESCAPED);
}
