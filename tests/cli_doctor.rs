//! `oauthscope doctor`: findings in words and in `--json`, and the exit code `--fail-on`
//! gates on, against crafted tokens and against the built-in mock's own.

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

#[path = "support/keys.rs"]
mod keys;
use keys::{TestKey, now};

mod mock_support;

fn oauthscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oauthscope"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Runs the binary off the test's runtime thread, so the in-process mock keeps serving.
async fn oauthscope_async(args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        oauthscope(&args.iter().map(String::as_str).collect::<Vec<_>>())
    })
    .await
    .unwrap()
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn codes(doc: &Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

fn good_claims() -> Value {
    json!({"iss": "https://as.example", "sub": "alice", "aud": "https://api.example",
           "iat": now() - 10, "exp": now() + 600})
}

fn unsigned(claims: &Value) -> String {
    let part = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!("{}.{}.", part(&json!({"alg": "none"})), part(claims))
}

#[test]
fn a_clean_token_exits_zero_and_says_so() {
    let key = TestKey::generate("ES256", "k1");
    let out = oauthscope(&["doctor", &key.sign(&good_claims())]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(text(&out).contains("No findings"), "{}", text(&out));
}

#[test]
fn an_unsigned_token_is_an_error_in_words_with_its_code_and_section() {
    let out = oauthscope(&["doctor", &unsigned(&good_claims())]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let shown = text(&out);
    assert!(
        shown.contains("✗ error   alg-none (RFC 8725 §3.1)"),
        "{shown}"
    );
    assert!(shown.contains("alg: none"), "{shown}");
    assert!(
        stderr(&out).contains("1 finding(s) at or above error: alg-none"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn fail_on_sets_the_gate_and_json_carries_every_finding() {
    let key = TestKey::generate("ES256", "k1");
    let mut claims = good_claims();
    claims.as_object_mut().unwrap().remove("aud");
    let token = key.sign_with_header(json!({"alg": "ES256"}), &claims);

    // no-aud is a warning: below the default gate.
    let out = oauthscope(&["doctor", &token, "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc = json_of(&out);
    assert_eq!(
        codes(&doc),
        ["kid-missing", "no-aud"].map(String::from).to_vec()
    );
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["worst"], "warning");
    assert_eq!(doc["fail_on"], "error");
    let no_aud = &doc["findings"][1];
    assert_eq!(no_aud["severity"], "warning");
    assert_eq!(no_aud["reference"], "RFC 9068 §2.2");
    assert!(no_aud["message"].as_str().unwrap().contains("audience"));

    let out = oauthscope(&["doctor", &token, "--json", "--fail-on", "warning"]);
    assert_eq!(out.status.code(), Some(1));
    let doc = json_of(&out);
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["error"], "1 finding(s) at or above warning: no-aud");

    // kid-missing is info with no JWKS to choose from: --fail-on info catches both.
    let out = oauthscope(&["doctor", &token, "--json", "--fail-on", "info"]);
    assert_eq!(
        json_of(&out)["error"],
        "2 finding(s) at or above info: kid-missing, no-aud"
    );
}

#[test]
fn audience_and_use_are_checked_when_given() {
    let key = TestKey::generate("ES256", "k1");
    let mut claims = good_claims();
    claims["nonce"] = json!("n-1");
    let token = key.sign(&claims);
    let out = oauthscope(&[
        "doctor",
        &token,
        "--audience",
        "https://billing.example",
        "--as",
        "access",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        codes(&json_of(&out)),
        ["aud-not-api", "token-type-confusion"]
            .map(String::from)
            .to_vec()
    );
}

#[test]
fn the_token_is_read_from_stdin_and_never_printed() {
    let token = unsigned(&good_claims());
    let mut child = Command::new(env!("CARGO_BIN_EXE_oauthscope"))
        .args(["doctor", "-", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{token}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc = json_of(&out);
    assert_eq!(codes(&doc), ["alg-none"].map(String::from).to_vec());
    let payload = token.split('.').nth(1).unwrap();
    assert!(!text(&out).contains(payload) && !stderr(&out).contains(payload));
}

#[test]
fn a_huge_stdin_is_refused_without_reading_it_all() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oauthscope"))
        .args(["doctor", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // The writer may see the pipe close early: the reader stops at the limit.
    let writer = std::thread::spawn(move || {
        let chunk = vec![b'a'; 64 * 1024];
        for _ in 0..64 {
            if stdin.write_all(&chunk).is_err() {
                break;
            }
        }
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("over 1048576 bytes"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn not_a_token_and_a_bad_level_are_clear_errors() {
    let out = oauthscope(&["doctor", "not-a-jwt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("not a JWT"), "{}", stderr(&out));
    let out = oauthscope(&["doctor", "a.b.c", "--fail-on", "fatal"]);
    assert_eq!(out.status.code(), Some(2), "a usage error");
    assert!(
        stderr(&out).contains("info, warning or error"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn against_the_mock_its_own_token_is_clean_and_a_stranger_key_is_found() {
    let mock = mock_support::start().await;
    let issued = mock
        .token(&[("grant_type", "client_credentials"), ("scope", "api:read")])
        .await
        .json();
    let access = issued["access_token"].as_str().unwrap();
    let out = oauthscope_async(&["doctor", access, "--issuer", mock.issuer(), "--json"]).await;
    let doc = json_of(&out);
    assert!(out.status.success(), "{doc}");
    let errors: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert!(
        !doc["exchanges"].as_array().unwrap().is_empty(),
        "the metadata and JWKS requests are recorded"
    );

    let stranger = TestKey::generate("RS256", "not-the-mocks");
    let claims = json!({"iss": mock.issuer(), "sub": "alice", "aud": "x",
                        "iat": now(), "exp": now() + 60});
    let out = oauthscope_async(&[
        "doctor",
        &stranger.sign(&claims),
        "--issuer",
        mock.issuer(),
        "--json",
    ])
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(codes(&json_of(&out)).contains(&"kid-not-in-jwks".to_string()));

    let hmac = TestKey::generate("HS256", "shared");
    let out = oauthscope_async(&[
        "doctor",
        &hmac.sign(&claims),
        "--issuer",
        mock.issuer(),
        "--json",
    ])
    .await;
    assert!(codes(&json_of(&out)).contains(&"hs-from-public-issuer".to_string()));
}
