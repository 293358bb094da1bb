use std::time::{Duration, UNIX_EPOCH};

use serde_json::json;

use super::*;

fn token_exchange() -> Exchange {
    let mut e = Exchange::new("POST", "http://127.0.0.1:9000/token?debug=1");
    e.started_at = UNIX_EPOCH + Duration::from_millis(1_800_000_000_123);
    e.request_headers = vec![
        (
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        ),
        ("authorization".into(), "Basic ZGVtbzpzZWNyZXQ=".into()),
    ];
    e.request_body = Some("grant_type=authorization_code&code=THE-CODE-VALUE".into());
    e.status = Some(200);
    e.response_headers = vec![("content-type".into(), "application/json".into())];
    e.response_body =
        Some(json!({"access_token": "THE-ACCESS-TOKEN", "token_type": "Bearer"}).to_string());
    e.duration = Duration::from_millis(42);
    e.locate_secrets(&[]);
    e
}

#[test]
fn an_exported_entry_has_every_member_har_1_2_requires() {
    let har = to_har(&[token_exchange()], false);
    assert_eq!(har["log"]["version"], "1.2");
    assert_eq!(har["log"]["creator"]["name"], "oauthscope");
    let entry = &har["log"]["entries"][0];
    assert_eq!(entry["startedDateTime"], "2027-01-15T08:00:00.123Z");
    assert_eq!(entry["time"], 42.0);
    for member in [
        "method",
        "url",
        "httpVersion",
        "cookies",
        "headers",
        "queryString",
        "headersSize",
        "bodySize",
        "postData",
    ] {
        assert!(!entry["request"][member].is_null(), "request.{member}");
    }
    for member in [
        "status",
        "statusText",
        "httpVersion",
        "cookies",
        "headers",
        "content",
        "redirectURL",
        "headersSize",
        "bodySize",
    ] {
        assert!(!entry["response"][member].is_null(), "response.{member}");
    }
    assert_eq!(entry["response"]["statusText"], "OK");
    assert_eq!(
        entry["request"]["queryString"],
        json!([{"name": "debug", "value": "1"}])
    );
    assert!(entry["cache"].is_object() && entry["timings"]["wait"] == 42.0);
}

#[test]
fn secrets_are_masked_by_structure_unless_revealed() {
    let masked = to_har(&[token_exchange()], false).to_string();
    for secret in ["THE-CODE-VALUE", "THE-ACCESS-TOKEN", "ZGVtbzpzZWNyZXQ="] {
        assert!(!masked.contains(secret), "{secret} in {masked}");
    }
    assert!(masked.contains("grant_type=authorization_code"));
    let revealed = to_har(&[token_exchange()], true).to_string();
    assert!(revealed.contains("THE-ACCESS-TOKEN") && revealed.contains("THE-CODE-VALUE"));
}

#[test]
fn export_then_import_gives_the_exchange_back_with_its_secrets_located() {
    let original = token_exchange();
    let text = to_har(std::slice::from_ref(&original), true).to_string();
    let back = from_har(&text).unwrap();
    assert_eq!(back.len(), 1);
    let e = &back[0];
    assert_eq!(
        (e.method.as_str(), e.url.as_str(), e.status),
        ("POST", original.url.as_str(), Some(200))
    );
    assert_eq!(e.started_at, original.started_at);
    assert_eq!(e.duration, original.duration);
    assert_eq!(e.request_headers, original.request_headers);
    assert_eq!(e.request_body, original.request_body);
    assert_eq!(e.response_body, original.response_body);
    // Imported secrets are masked in every view like recorded ones.
    let shown = format!("{:?}", e.redacted());
    assert!(!shown.contains("THE-ACCESS-TOKEN") && !shown.contains("THE-CODE-VALUE"));
}

fn one_entry(entry: serde_json::Value) -> String {
    json!({"log": {"version": "1.2", "creator": {"name": "x", "version": "1"},
                   "entries": [entry]}})
    .to_string()
}

fn entry_with(time: serde_json::Value, status: i64, started: &str) -> serde_json::Value {
    json!({"startedDateTime": started, "time": time,
           "request": {"method": "GET", "url": "https://as.example/jwks", "headers": []},
           "response": {"status": status, "headers": [],
                        "content": {"size": 2, "mimeType": "application/json", "text": "{}"}}})
}

#[test]
fn browser_captures_with_offsets_base64_bodies_and_unknown_times_are_read() {
    let mut entry = entry_with(json!(-1), 200, "2026-12-02T08:00:00.5+01:00");
    entry["response"]["content"] = json!({"size": 2, "text": "e30=", "encoding": "base64"});
    let e = &from_har(&one_entry(entry)).unwrap()[0];
    assert_eq!(
        e.started_at,
        UNIX_EPOCH + Duration::from_millis(1_796_194_800_500)
    );
    assert_eq!(e.duration, Duration::ZERO);
    assert_eq!(e.response_body.as_deref(), Some("{}"));
    let e = &from_har(&one_entry(entry_with(json!(3), 0, "2026-12-02T07:00:00Z"))).unwrap()[0];
    assert_eq!(e.status, None, "status 0: no response");
}

#[test]
fn implausible_numbers_and_dates_are_refused_in_words() {
    let cases = [
        (
            entry_with(json!(1e308), 200, "2026-12-02T07:00:00Z"),
            "time",
        ),
        (entry_with(json!(-5), 200, "2026-12-02T07:00:00Z"), "time"),
        (entry_with(json!(1), 1000, "2026-12-02T07:00:00Z"), "status"),
        (entry_with(json!(1), 200, "yesterday"), "startedDateTime"),
        (
            entry_with(json!(1), 200, "2026-13-02T07:00:00Z"),
            "startedDateTime",
        ),
        (
            entry_with(json!(1), 200, "99999-01-01T00:00:00Z"),
            "startedDateTime",
        ),
    ];
    for (entry, word) in cases {
        let err = from_har(&one_entry(entry)).unwrap_err().to_string();
        assert!(err.contains("entry 1") && err.contains(word), "{err}");
    }
    let err = from_har("{\"log\": {\"version\": \"2.0\", \"entries\": []}}").unwrap_err();
    assert_eq!(err.code(), "har_invalid");
    let err = from_har("<html>").unwrap_err();
    assert!(err.to_string().starts_with("not a HAR 1.2 file"), "{err}");
}

#[test]
fn too_many_entries_and_too_large_a_file_are_refused_before_use() {
    let entries: Vec<_> = (0..=MAX_HAR_ENTRIES)
        .map(|_| entry_with(json!(1), 200, "2026-12-02T07:00:00Z"))
        .collect();
    let text = json!({"log": {"version": "1.2", "entries": entries}}).to_string();
    assert_eq!(from_har(&text).unwrap_err().code(), "har_too_many_entries");

    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.har");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(MAX_HAR_BYTES + 1).unwrap();
    let err = read_har_file(&big).unwrap_err();
    assert_eq!(err.code(), "har_too_large", "{err}");
    let err = read_har_file(&dir.path().join("missing.har")).unwrap_err();
    assert!(err.to_string().contains("missing.har"), "{err}");
}
