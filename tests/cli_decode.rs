//! `oauthscope decode`: exit codes, verdicts and the `--json` shape scripts rely on.

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

#[path = "support/keys.rs"]
mod keys;
use keys::{TestKey, jwks, now};

fn oauthscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oauthscope"))
        .args(args)
        .env_remove("OAUTHSCOPE_JWT_SECRET")
        .output()
        .expect("the binary runs")
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn jwks_file(keys: &[&TestKey]) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(jwks(keys).to_string().as_bytes()).unwrap();
    file
}

fn claims() -> Value {
    json!({"iss": "https://as.example", "sub": "alice", "aud": "app", "iat": now(), "exp": now() + 600})
}

#[test]
fn valid_token_exits_zero_with_every_verdict_in_json() {
    let key = TestKey::generate("ES256", "k1");
    let file = jwks_file(&[&key]);
    let token = key.sign(&claims());
    let out = oauthscope(&[
        "decode",
        &token,
        "--jwks",
        file.path().to_str().unwrap(),
        "--audience",
        "app",
        "--expect-issuer",
        "https://as.example",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc = json_of(&out);
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["valid"], true);
    assert_eq!(doc["signature_verified"], true);
    assert_eq!(doc["key_source"], "jwks_file");
    assert_eq!(doc["header"]["kid"], "k1");
    assert_eq!(doc["claims"]["sub"], "alice");
    let names: Vec<&str> = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "signature",
            "exp",
            "nbf",
            "iat",
            "iss",
            "aud",
            "azp",
            "nonce",
            "at_hash"
        ]
    );
    let aud = &doc["checks"][5];
    assert_eq!(aud["verdict"], "pass");
}

#[test]
fn tampered_token_exits_non_zero_with_the_reason() {
    let key = TestKey::generate("RS256", "k1");
    let file = jwks_file(&[&key]);
    let token = key.sign(&claims());
    let (head, rest) = token.split_once('.').unwrap();
    let (_, sig) = rest.split_once('.').unwrap();
    let forged_payload = base64_url(&json!({"sub": "admin", "exp": now() + 600}).to_string());
    let forged = format!("{head}.{forged_payload}.{sig}");
    let out = oauthscope(&[
        "decode",
        &forged,
        "--jwks",
        file.path().to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let doc = json_of(&out);
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["valid"], false);
    assert_eq!(doc["checks"][0]["verdict"], "fail");
    let reason = stderr(&out);
    assert!(
        reason.starts_with("oauthscope decode: signature: "),
        "{reason}"
    );
    assert_eq!(
        reason.trim_end().lines().count(),
        1,
        "one-line reason: {reason}"
    );
}

fn base64_url(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

#[test]
fn expired_token_fails_even_with_a_good_signature() {
    let key = TestKey::generate("EdDSA", "k1");
    let file = jwks_file(&[&key]);
    let token = key.sign(&json!({"sub": "alice", "exp": now() - 3600}));
    let out = oauthscope(&["decode", &token, "--jwks", file.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("✓ signature"), "{text}");
    assert!(text.contains("✗ exp"), "{text}");
    assert!(stderr(&out).contains("exp: expired at"), "{}", stderr(&out));
}

#[test]
fn alg_none_fails_even_without_a_key() {
    let token = format!(
        "{}.{}.",
        base64_url(r#"{"alg":"none"}"#),
        base64_url(r#"{"sub":"admin"}"#)
    );
    let out = oauthscope(&["decode", &token, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("RFC 8725"), "{}", stderr(&out));
}

#[test]
fn shared_secret_verifies_hs256_and_reads_stdin() {
    let key = TestKey::hmac("HS256", "h", b"0123456789abcdef0123456789abcdef");
    let token = key.sign(&claims());
    let mut child = Command::new(env!("CARGO_BIN_EXE_oauthscope"))
        .args([
            "decode",
            "-",
            "--secret",
            "0123456789abcdef0123456789abcdef",
            "--json",
        ])
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
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json_of(&out)["key_source"], "secret");
    let wrong = oauthscope(&["decode", &token, "--secret", "not the secret"]);
    assert_eq!(wrong.status.code(), Some(1));
}

#[test]
fn no_key_decodes_with_the_signature_skipped() {
    let key = TestKey::generate("ES384", "k");
    let out = oauthscope(&["decode", &key.sign(&claims()), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc = json_of(&out);
    assert_eq!(doc["checks"][0]["verdict"], "skipped");
    assert_eq!(doc["valid"], false);
    assert_eq!(doc["key_source"], "none");
}

#[test]
fn garbage_is_a_one_line_error_not_a_panic() {
    for input in ["not-a-jwt", "a.b.c", ""] {
        let out = oauthscope(&["decode", input]);
        assert_eq!(out.status.code(), Some(1), "{input}");
        let err = stderr(&out);
        assert!(err.starts_with("oauthscope decode: "), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn key_file_that_is_not_a_jwks_is_reported() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(b"<html>").unwrap();
    let key = TestKey::generate("EdDSA", "k");
    let out = oauthscope(&[
        "decode",
        &key.sign(&claims()),
        "--jwks",
        file.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("not JSON"), "{}", stderr(&out));
}

#[test]
fn a_closed_stdout_is_not_a_panic() {
    let key = TestKey::generate("EdDSA", "k");
    let mut child = Command::new(env!("CARGO_BIN_EXE_oauthscope"))
        .args(["decode", &key.sign(&claims()), "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before anything is written, as `| head` does.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
}
