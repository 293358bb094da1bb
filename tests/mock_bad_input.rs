//! Bad input gets a clear 4xx, never a 500 or a dropped connection: malformed forms, wrong
//! content types, broken credentials and oversized bodies, at every endpoint.

mod mock_support;

use mock_support::{CONFIDENTIAL, Mock, start};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};

const FORM: &str = "application/x-www-form-urlencoded";

const POST_ENDPOINTS: [&str; 9] = [
    "/token",
    "/introspect",
    "/revoke",
    "/userinfo",
    "/device/code",
    "/par",
    "/register",
    "/login",
    "/consent",
];

async fn send(
    mock: &Mock,
    method: reqwest::Method,
    path: &str,
    content_type: Option<&str>,
    authorization: Option<HeaderValue>,
    body: Vec<u8>,
) -> (u16, String) {
    let mut request = mock.http.request(method, mock.url(path)).body(body);
    if let Some(content_type) = content_type {
        request = request.header(CONTENT_TYPE, content_type);
    }
    if let Some(value) = authorization {
        request = request.header(AUTHORIZATION, value);
    }
    let response = request
        .send()
        .await
        .unwrap_or_else(|err| panic!("{path}: connection failed: {err}"));
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

fn assert_client_error(path: &str, case: &str, (status, body): (u16, String)) {
    assert!(
        (400..500).contains(&status),
        "{path} with {case}: expected 4xx, got {status}: {body}"
    );
    assert!(!body.is_empty(), "{path} with {case}: empty error body");
}

#[tokio::test]
async fn malformed_bodies_get_4xx_everywhere() {
    let mock = start().await;
    let bodies: [(&str, Option<&str>, Vec<u8>); 7] = [
        (
            "json to a form endpoint",
            Some("application/json"),
            b"{\"a\":1}".to_vec(),
        ),
        (
            "text/plain",
            Some("text/plain"),
            b"grant_type=client_credentials".to_vec(),
        ),
        (
            "no content type",
            None,
            b"grant_type=client_credentials".to_vec(),
        ),
        (
            "bad percent-encoding",
            Some(FORM),
            b"grant_type=%zz&token=%".to_vec(),
        ),
        (
            "invalid UTF-8",
            Some(FORM),
            vec![0x67, 0x3d, 0xff, 0xfe, 0x26, 0x80],
        ),
        (
            "repeated parameters",
            Some(FORM),
            b"token=a&token=b&tx=1&tx=2".to_vec(),
        ),
        ("an oversized body", Some(FORM), vec![b'a'; 200_000]),
    ];
    for path in POST_ENDPOINTS {
        for (case, content_type, body) in &bodies {
            let reply = send(
                &mock,
                reqwest::Method::POST,
                path,
                *content_type,
                None,
                body.clone(),
            )
            .await;
            assert_client_error(path, case, reply);
        }
    }
}

#[tokio::test]
async fn broken_authorization_headers_get_4xx() {
    let mock = start().await;
    let headers = [
        HeaderValue::from_static("Basic"),
        HeaderValue::from_static("Basic !!!!"),
        HeaderValue::from_static("Basic Og=="), // ":"
        HeaderValue::from_static("Bearer"),
        HeaderValue::from_static("Bearer a b c"),
        HeaderValue::from_static("Digest x"),
        HeaderValue::from_bytes(&[b'B', b'a', b's', b'i', b'c', b' ', 0xff, 0xfe]).unwrap(),
    ];
    let form = format!("grant_type=client_credentials&token=x&client_id={CONFIDENTIAL}");
    for path in [
        "/token",
        "/introspect",
        "/revoke",
        "/userinfo",
        "/par",
        "/device/code",
    ] {
        for header in &headers {
            let reply = send(
                &mock,
                reqwest::Method::POST,
                path,
                Some(FORM),
                Some(header.clone()),
                form.clone().into_bytes(),
            )
            .await;
            assert_client_error(path, &format!("{header:?}"), reply);
        }
    }
    for header in &headers {
        let reply = send(
            &mock,
            reqwest::Method::GET,
            "/register/some-client",
            None,
            Some(header.clone()),
            Vec::new(),
        )
        .await;
        assert_client_error("/register/{id}", &format!("{header:?}"), reply);
    }
}

#[tokio::test]
async fn malformed_queries_get_4xx() {
    let mock = start().await;
    for query in [
        "",
        "?%zz",
        "?client_id=%ff%fe&response_type=code",
        "?client_id=demo-confidential&client_id=demo-confidential",
        "?client_id=demo-confidential&redirect_uri=not%20a%20uri",
        "?client_id=demo-confidential&request_uri=urn:ietf:params:oauth:request_uri:nope",
    ] {
        let (status, body) = send(
            &mock,
            reqwest::Method::GET,
            &format!("/authorize{query}"),
            None,
            None,
            Vec::new(),
        )
        .await;
        assert!(
            (400..500).contains(&status),
            "/authorize{query}: {status} {body}"
        );
    }
    let (status, _) = send(
        &mock,
        reqwest::Method::GET,
        "/device?user_code=%ff&user_code=x",
        None,
        None,
        Vec::new(),
    )
    .await;
    assert_eq!(status, 400);
}
