//! `w` in Exchanges through the real event loop: a client credentials flow on the built-in
//! mock, then the session written as HAR and Markdown, the files named in the status line;
//! and a HAR capture opened in Exchanges (`oauthscope --har FILE`), its tokens judged by
//! the doctor.

mod tui_support;

use oauthscope::oauth::transcript;
use oauthscope::tui::app::Settings;
use tui_support::Harness;
use tui_support::on_mock::{confidential, mock, pick_flow, started};

#[tokio::test]
async fn w_writes_the_sessions_har_and_markdown_and_says_where() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        built_in: Some((mock.issuer().to_string(), vec![confidential()])),
        transcript_dir: Some(dir.path().to_path_buf()),
        ..Settings::in_memory()
    };
    let harness = started(Harness::start(settings, 140, 50)).await;
    pick_flow(&harness, 3);
    harness.wait_for("Get a token as the client").await;
    harness.press("enter");
    harness.wait_for("the next request is ready").await;
    harness.press("enter");
    harness.wait_for("flow complete").await;

    harness.press("4");
    harness.press("w");
    let screen = harness.wait_for(".md").await;
    let mut files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 2, "{files:?}");
    let (har, md) = (&files[0], &files[1]);
    assert!(screen.contains(&har.file_name().unwrap().to_string_lossy().to_string()));

    let exchanges = transcript::read_har_file(har).unwrap();
    assert!(
        exchanges.iter().any(|e| e.url.ends_with("/token")),
        "{exchanges:?}"
    );
    let har_text = std::fs::read_to_string(har).unwrap();
    let md_text = std::fs::read_to_string(md).unwrap();
    for text in [&har_text, &md_text] {
        assert!(!text.contains("demo-secret"), "the client secret is masked");
        // A mask keeps six characters of a JWT (`eyJhbG…`): one more is the token itself.
        assert!(!text.contains("eyJhbGc"), "the token is masked");
    }
    assert!(
        md_text.contains("\"access_token\": \"eyJhbG…"),
        "the token is there, masked: {md_text}"
    );
    assert!(md_text.contains("✓ Get a token as the client"), "{md_text}");
    assert!(md_text.contains("## Verdicts"), "{md_text}");
    harness.finish().await;
    mock.shutdown().await;
}

#[tokio::test]
async fn a_har_capture_opens_in_exchanges_and_the_doctor_judges_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("capture.har");
    let part = |v: serde_json::Value| {
        base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            v.to_string(),
        )
    };
    let unsigned = format!(
        "{}.{}.",
        part(serde_json::json!({"alg": "none"})),
        part(serde_json::json!({"iss": "https://as.example", "sub": "alice", "aud": "api"}))
    );
    let entry = |method: &str, url: &str, body: serde_json::Value| {
        serde_json::json!({
            "startedDateTime": "2026-12-02T07:00:00.000Z", "time": 12,
            "request": {"method": method, "url": url, "headers": [], "queryString": [],
                        "cookies": [], "httpVersion": "HTTP/1.1", "headersSize": -1, "bodySize": 0},
            "response": {"status": 200, "statusText": "OK", "cookies": [],
                         "headers": [{"name": "content-type", "value": "application/json"}],
                         "httpVersion": "HTTP/1.1", "redirectURL": "", "headersSize": -1,
                         "bodySize": -1, "content": {"size": 0, "mimeType": "application/json",
                                                     "text": body.to_string()}},
            "cache": {}, "timings": {"send": 0, "wait": 12, "receive": 0}})
    };
    let har = serde_json::json!({"log": {"version": "1.2",
    "creator": {"name": "a browser", "version": "1"},
    "entries": [
        entry("POST", "https://as.example/token",
              serde_json::json!({"access_token": unsigned, "token_type": "Bearer"})),
        entry("GET", "https://api.example/me?access_token=Zq9-leaked-token", serde_json::json!({})),
    ]}});
    std::fs::write(&path, har.to_string()).unwrap();
    let settings = Settings {
        imported: transcript::read_har_file(&path).unwrap(),
        ..Settings::in_memory()
    };
    let harness = Harness::start(settings, 120, 35);
    harness.press("4");
    let screen = harness.wait_for("https://api.example/me").await;
    assert!(
        !screen.contains("Zq9-leaked-token"),
        "imported secrets are masked:\n{screen}"
    );
    harness.press("5");
    harness
        .wait_for("imported: POST https://as.example/token")
        .await;
    harness.press("d");
    let screen = harness.wait_for("bearer-in-url").await;
    assert!(
        screen.contains("alg-none"),
        "the imported token is judged:\n{screen}"
    );
    harness.finish().await;
}
