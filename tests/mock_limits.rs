//! The mock under hostile traffic: stores are swept and capped, and connections that stall
//! are closed. Real sockets on 127.0.0.1; store expiry runs on the manual clock.

mod mock_support;

use std::time::Duration;

use mock_support::{CHALLENGE, CONFIDENTIAL, Mock, PUBLIC, REDIRECT, SECRET, start_with};
use oauthscope::mock::StoreKind;
use reqwest::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Upper bound for anything the server is expected to do within a one-second timeout. Below
/// the default timeouts (10 s), so a test passes only if the configured one took effect.
const PATIENCE: Duration = Duration::from_secs(6);

async fn authorize_public(mock: &Mock) -> mock_support::Reply {
    mock.authorize(&[
        ("client_id", PUBLIC),
        ("redirect_uri", REDIRECT),
        ("scope", "openid"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ])
    .await
}

async fn device_code(mock: &Mock) -> mock_support::Reply {
    mock.post_form("/device/code", &[("client_id", PUBLIC)], None)
        .await
}

async fn par(mock: &Mock) -> mock_support::Reply {
    mock.post_form(
        "/par",
        &[
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("scope", "openid"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
        Some((CONFIDENTIAL, SECRET)),
    )
    .await
}

/// Waits (in real time) until the sweeper has emptied `kinds`.
async fn until_swept(mock: &Mock, kinds: &[StoreKind]) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while kinds.iter().any(|kind| mock.server.stored(*kind) > 0) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "not swept: {:?}",
            kinds
                .iter()
                .map(|k| (k, mock.server.stored(*k)))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_timer_sweeps_expired_codes_device_codes_and_pushed_requests() {
    let mock = start_with(|config| {
        config.auto_approve = Some("alice".into());
        config.limits.sweep_interval_secs = 1;
    })
    .await;
    assert_eq!(authorize_public(&mock).await.status, StatusCode::FOUND);
    assert_eq!(device_code(&mock).await.status, StatusCode::OK);
    assert_eq!(par(&mock).await.status, StatusCode::CREATED);
    let kinds = [
        StoreKind::AuthorizationCodes,
        StoreKind::DeviceCodes,
        StoreKind::ParRequests,
    ];
    for kind in kinds {
        assert_eq!(mock.server.stored(kind), 1, "{kind:?}");
    }
    // Nothing has expired yet: a sweep keeps them.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(mock.server.stored(StoreKind::AuthorizationCodes), 1);
    // Past the longest lifetime (device codes, 600 s, kept a while longer to answer late
    // polls) every record is gone, with no request arriving to trigger the sweep.
    mock.advance(601 + oauthscope::mock::EXPIRED_DEVICE_CODE_KEPT_SECS);
    until_swept(&mock, &kinds).await;
}

#[tokio::test]
async fn the_timer_sweeps_unfinished_sign_ins() {
    let mock = start_with(|config| config.limits.sweep_interval_secs = 1).await;
    let page = authorize_public(&mock).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert_eq!(mock.server.stored(StoreKind::SignIns), 1);
    mock.advance(601);
    until_swept(&mock, &[StoreKind::SignIns]).await;
}

#[tokio::test]
async fn a_full_code_store_answers_temporarily_unavailable_until_codes_expire() {
    let mock = start_with(|config| {
        config.auto_approve = Some("alice".into());
        config.limits.authorization_codes = 2;
    })
    .await;
    for _ in 0..2 {
        assert!(
            authorize_public(&mock)
                .await
                .location_param("code")
                .is_some()
        );
    }
    let full = authorize_public(&mock).await;
    assert_eq!(full.status, StatusCode::FOUND);
    assert_eq!(
        full.location_param("error").as_deref(),
        Some("temporarily_unavailable")
    );
    let description = full.location_param("error_description").unwrap();
    assert!(
        description.contains("2 authorization codes")
            && description.contains("`limits.authorization_codes`"),
        "{description}"
    );
    // Once the codes expire, the next request sweeps them and gets a code.
    mock.advance(61);
    assert!(
        authorize_public(&mock)
            .await
            .location_param("code")
            .is_some()
    );
    assert_eq!(mock.server.stored(StoreKind::AuthorizationCodes), 1);
}

#[tokio::test]
async fn full_device_par_sign_in_and_registration_stores_name_their_limit() {
    let mock = start_with(|config| {
        config.limits.device_codes = 1;
        config.limits.par_requests = 1;
        config.limits.sign_ins = 1;
        config.limits.registered_clients = 1;
    })
    .await;
    let slow_down = |reply: &mock_support::Reply, key: &str| {
        assert_eq!(
            reply.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            reply.text
        );
        let body = reply.json();
        assert_eq!(body["error"], "slow_down");
        let description = body["error_description"].as_str().unwrap();
        assert!(
            description.contains(&format!("`limits.{key}`")),
            "{description}"
        );
    };
    assert_eq!(device_code(&mock).await.status, StatusCode::OK);
    slow_down(&device_code(&mock).await, "device_codes");
    assert_eq!(par(&mock).await.status, StatusCode::CREATED);
    slow_down(&par(&mock).await, "par_requests");

    assert_eq!(authorize_public(&mock).await.status, StatusCode::OK);
    let full = authorize_public(&mock).await;
    assert_eq!(
        full.location_param("error").as_deref(),
        Some("temporarily_unavailable")
    );
    assert!(
        full.location_param("error_description")
            .unwrap()
            .contains("`limits.sign_ins`")
    );

    let register = || async {
        let response = mock
            .http
            .post(mock.url("/register"))
            .json(&json!({"grant_types": ["client_credentials"]}))
            .send()
            .await
            .unwrap();
        Mock::reply(response).await
    };
    assert_eq!(register().await.status, StatusCode::CREATED);
    let refused = register().await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.json()["error"], "invalid_client_metadata");
    assert!(refused.text.contains("`limits.registered_clients`"));
}

#[tokio::test]
async fn a_full_token_store_refuses_before_the_code_is_used_up() {
    let mock = start_with(|config| {
        config.auto_approve = Some("alice".into());
        config.limits.access_tokens = 1;
        config.lifetimes.access_token = 30;
    })
    .await;
    mock.code_flow("openid").await;
    let code = mock.code("openid").await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", mock_support::VERIFIER),
    ];
    let redeem = || mock.token(&form);
    let full = redeem().await;
    assert_eq!(full.status, StatusCode::TOO_MANY_REQUESTS, "{}", full.text);
    assert!(full.text.contains("`limits.access_tokens`"));
    // Client-credentials tokens are not stored, so they are still issued.
    let cc = mock
        .token(&[("grant_type", "client_credentials"), ("scope", "api:read")])
        .await;
    assert_eq!(cc.status, StatusCode::OK);
    // When the first token expires (30 s) the same code (60 s) is still good.
    mock.advance(31);
    let redeemed = redeem().await;
    assert_eq!(redeemed.status, StatusCode::OK, "{}", redeemed.text);
}

/// Reads until the server closes the connection; panics if it does not within PATIENCE.
async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut received))
        .await
        .expect("the server should close a stalled connection")
        .ok();
    String::from_utf8_lossy(&received).into_owned()
}

async fn short_timeouts() -> Mock {
    start_with(|config| {
        config.limits.header_read_timeout_secs = 1;
        config.limits.body_read_timeout_secs = 1;
    })
    .await
}

#[tokio::test]
async fn unfinished_headers_are_cut_off_after_the_header_timeout() {
    let mock = short_timeouts().await;
    let mut stream = TcpStream::connect(mock.server.addr()).await.unwrap();
    stream
        .write_all(b"GET /jwks HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .await
        .unwrap();
    let answer = read_until_closed(&mut stream).await;
    assert!(!answer.contains("200 OK"), "{answer}");
}

#[tokio::test]
async fn an_unfinished_body_is_cut_off_after_the_body_timeout() {
    let mock = short_timeouts().await;
    let mut stream = TcpStream::connect(mock.server.addr()).await.unwrap();
    stream
        .write_all(
            b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\n\
              Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n\
              grant_type=",
        )
        .await
        .unwrap();
    let answer = read_until_closed(&mut stream).await;
    assert!(!answer.contains("200 OK"), "{answer}");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let mock = short_timeouts().await;
    let mut stream = TcpStream::connect(mock.server.addr()).await.unwrap();
    stream
        .write_all(b"GET /jwks HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
}

#[tokio::test]
async fn an_oversized_content_length_gets_413_without_waiting_for_the_body() {
    // Default timeouts (10 s): the answer must come from the header alone.
    let mock = start_with(|_| {}).await;
    let mut stream = TcpStream::connect(mock.server.addr()).await.unwrap();
    stream
        .write_all(
            b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\n\
              Content-Type: application/x-www-form-urlencoded\r\n\
              Content-Length: 99999999999\r\n\r\nabc",
        )
        .await
        .unwrap();
    let mut buffer = vec![0u8; 4096];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buffer))
        .await
        .expect("413 should come at once")
        .unwrap();
    let answer = String::from_utf8_lossy(&buffer[..read]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("invalid_request"), "{answer}");
}
