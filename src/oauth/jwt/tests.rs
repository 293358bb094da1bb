use std::time::{Duration, UNIX_EPOCH};

use serde_json::json;

use super::*;

// The test keys, shared with the other engine tests that sign tokens (the doctor's).
#[path = "../../../tests/support/keys.rs"]
pub(crate) mod keys;
use keys::{TestKey, jwks};

// RFC 7520 §4: the JWS examples' payload and the RSA key of §3.4 (public part).
const RFC7520_RSA_JWK: &str = r#"{"kid":"bilbo.baggins@hobbiton.example","kty":"RSA","kid":"bilbo.baggins@hobbiton.example","use":"sig","n":"n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqVwGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuCLqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5gHdrNP5zw","e":"AQAB"}"#;
const RFC7520_PAYLOAD: &str = "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4";
// RFC 7520 §4.1 (RS256).
const RFC7520_RS256: (&str, &str) = (
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9",
    "MRjdkly7_-oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmKZopdHM1O2U4mwzJdQx996ivp83xuglII7PNDi84wnB-BDkoBwA78185hX-Es4JIwmDLJK3lfWRa-XtL0RnltuYv746iYTh_qHRD68BNt1uSNCrUCTJDt5aAE6x8wW1Kt9eRo4QPocSadnHXFxnt8Is9UzpERV0ePPQdLuW3IS_de3xyIrDaLGdjluPxUAhb6L2aXic1U12podGU0KLUQSE_oI-ZnmKJ3F4uOZDnd6QZWJushZ41Axf_fcIe8u9ipH84ogoree7vjbU5y18kDquDg",
);
// RFC 7520 §4.2 (PS384).
const RFC7520_PS384: (&str, &str) = (
    "eyJhbGciOiJQUzM4NCIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9",
    "cu22eBqkYDKgIlTpzDXGvaFfz6WGoz7fUDcfT0kkOy42miAh2qyBzk1xEsnk2IpN6-tPid6VrklHkqsGqDqHCdP6O8TTB5dDDItllVo6_1OLPpcbUrhiUSMxbbXUvdvWXzg-UD8biiReQFlfz28zGWVsdiNAUf8ZnyPEgVFn442ZdNqiVJRmBqrYRXe8P_ijQ7p8Vdz0TTrxUeT3lm8d9shnr2lfJT8ImUjvAA2Xez2Mlp8cBE5awDzT0qI0n6uiP1aCN_2_jLAeQTlqRHtfa64QQSUmFAAjVKPbByi7xho0uTOcbH510a6GYmJUAfmWjwZ6oD4ifKo8DYM-X72Eaw",
);
// RFC 7520 §4.4 (HS256) and its symmetric key.
const RFC7520_HS256: (&str, &str) = (
    "eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LWVlZjMxNGJjNzAzNyJ9",
    "s0h6KThzkfBBBkLspW1h84VsJZFTsPPqMDA7g1Md7p0",
);
const RFC7520_OCT_JWK: &str = r#"{"kty":"oct","kid":"018c0ae5-4d9b-471b-bfd6-eef314bc7037","use":"sig","alg":"HS256","k":"hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg"}"#;
// RFC 8037 §A.4: Ed25519 signature over "Example of Ed25519 signing".
const RFC8037_JWS: &str = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

fn rfc7520(parts: (&str, &str)) -> Jwt {
    Jwt::decode(&format!("{}.{RFC7520_PAYLOAD}.{}", parts.0, parts.1)).unwrap()
}

fn set(json: &str) -> JwkSet {
    JwkSet::parse(json).unwrap()
}

fn tamper(token: &str) -> String {
    // Flip one payload character (the signature then covers different bytes).
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    let payload = &mut parts[1];
    let last = payload.pop().unwrap();
    payload.push(if last == 'A' { 'B' } else { 'A' });
    parts.join(".")
}

#[test]
fn rfc7520_rs256_example_verifies_by_kid() {
    let check = check_signature_with_set(&rfc7520(RFC7520_RS256), &set(RFC7520_RSA_JWK));
    assert_eq!(check.verdict, Verdict::Pass, "{}", check.detail);
    assert!(check.detail.contains("bilbo.baggins@hobbiton.example"));
}

#[test]
fn rfc7520_ps384_example_verifies() {
    let check = check_signature_with_set(&rfc7520(RFC7520_PS384), &set(RFC7520_RSA_JWK));
    assert_eq!(check.verdict, Verdict::Pass, "{}", check.detail);
}

#[test]
fn rfc7520_hs256_example_verifies_with_the_jwk_and_with_the_secret() {
    let jwt = rfc7520(RFC7520_HS256);
    let check = check_signature_with_set(&jwt, &set(RFC7520_OCT_JWK));
    assert_eq!(check.verdict, Verdict::Pass, "{}", check.detail);
    let secret = b64url_decode("hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg").unwrap();
    assert_eq!(
        check_signature_with_secret(&jwt, &secret).verdict,
        Verdict::Pass
    );
    assert_eq!(
        check_signature_with_secret(&jwt, b"another secret").verdict,
        Verdict::Fail
    );
}

#[test]
fn rfc7520_tampered_payload_fails() {
    let jwt = Jwt::decode(&tamper(&rfc7520(RFC7520_RS256).raw)).unwrap();
    let check = check_signature_with_set(&jwt, &set(RFC7520_RSA_JWK));
    assert_eq!(check.verdict, Verdict::Fail);
    assert!(check.detail.contains("does not verify"), "{}", check.detail);
}

#[test]
fn rfc8037_ed25519_example_verifies_and_signing_reproduces_it() {
    let key = TestKey::rfc8037_ed25519();
    let jwt = Jwt::decode(RFC8037_JWS).unwrap();
    assert!(!jwt.has_claims());
    assert_eq!(jwt.unverified_payload(), b"Example of Ed25519 signing");
    let keys = JwkSet::from_value(key.jwk.clone()).unwrap();
    let check = check_signature_with_set(&jwt, &keys);
    assert_eq!(check.verdict, Verdict::Pass, "{}", check.detail);
    // Ed25519 is deterministic: our test signer must give the RFC's bytes.
    let input = RFC8037_JWS.rsplit_once('.').unwrap().0;
    let sig = key.sign_bytes(input.as_bytes());
    assert_eq!(
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sig),
        RFC8037_JWS.rsplit_once('.').unwrap().1
    );
}

#[test]
fn every_algorithm_round_trips_and_rejects_tampering() {
    for alg in Algorithm::ALL {
        let key = TestKey::generate(alg.name(), &format!("k-{}", alg.name()));
        let token = key.sign(&json!({"sub": "alice"}));
        let keys = JwkSet::from_value(jwks(&[&key])).unwrap();
        let good = check_signature_with_set(&Jwt::decode(&token).unwrap(), &keys);
        assert_eq!(
            good.verdict,
            Verdict::Pass,
            "{}: {}",
            alg.name(),
            good.detail
        );
        let bad = check_signature_with_set(&Jwt::decode(&tamper(&token)).unwrap(), &keys);
        assert_eq!(bad.verdict, Verdict::Fail, "{} tampered", alg.name());
    }
}

#[test]
fn alg_none_is_refused_whatever_its_case() {
    for alg in ["none", "None", "NONE"] {
        let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{alg}"}}"#));
        let payload = URL_SAFE_NO_PAD.encode(r#"{"sub":"admin"}"#);
        let jwt = Jwt::decode(&format!("{header}.{payload}.")).unwrap();
        let check = check_signature_with_set(&jwt, &set(RFC7520_RSA_JWK));
        assert_eq!(check.verdict, Verdict::Fail);
        assert!(check.detail.contains("RFC 8725"), "{}", check.detail);
        let with_secret = check_signature_with_secret(&jwt, b"secret");
        assert_eq!(with_secret.verdict, Verdict::Fail);
    }
}

#[test]
fn hs256_signed_with_the_rsa_public_key_is_refused() {
    // The classic confusion attack: HMAC keyed with the bytes of the server's public key.
    let rsa = set(RFC7520_RSA_JWK);
    let public_bytes = RFC7520_RSA_JWK.as_bytes();
    let forged = TestKey::hmac("HS256", "bilbo.baggins@hobbiton.example", public_bytes)
        .sign(&json!({"sub": "admin"}));
    let check = check_signature_with_set(&Jwt::decode(&forged).unwrap(), &rsa);
    assert_eq!(check.verdict, Verdict::Fail);
    assert!(
        check.detail.contains("key/alg mismatch"),
        "{}",
        check.detail
    );
}

#[test]
fn a_secret_never_verifies_an_asymmetric_alg() {
    let check = check_signature_with_secret(&rfc7520(RFC7520_RS256), b"whatever");
    assert_eq!(check.verdict, Verdict::Fail);
    assert!(
        check.detail.contains("key/alg mismatch"),
        "{}",
        check.detail
    );
}

#[test]
fn key_published_for_another_alg_is_refused() {
    let key = TestKey::generate("ES256", "ec");
    let keys = JwkSet::from_value(jwks(&[&key])).unwrap();
    // Same key, but the header claims ES384.
    let token = key.sign_with_header(json!({"alg": "ES384", "kid": "ec"}), &json!({}));
    let check = check_signature_with_set(&Jwt::decode(&token).unwrap(), &keys);
    assert_eq!(check.verdict, Verdict::Fail);
    assert!(check.detail.contains("P-256"), "{}", check.detail);
}

#[test]
fn unknown_kid_fails_with_the_kid_named() {
    let key = TestKey::generate("EdDSA", "present");
    let other = TestKey::generate("EdDSA", "absent");
    let keys = JwkSet::from_value(jwks(&[&key])).unwrap();
    let token = other.sign(&json!({}));
    let check = check_signature_with_set(&Jwt::decode(&token).unwrap(), &keys);
    assert_eq!(check.verdict, Verdict::Fail);
    assert!(check.detail.contains("\"absent\""), "{}", check.detail);
}

#[test]
fn token_without_kid_is_tried_against_compatible_keys() {
    let key = TestKey::generate("EdDSA", "only");
    let rsa = set(RFC7520_RSA_JWK);
    let mut keys = JwkSet::from_value(jwks(&[&key])).unwrap();
    keys.keys.extend(rsa.keys);
    let token = key.sign_with_header(json!({"alg": "EdDSA"}), &json!({}));
    let check = check_signature_with_set(&Jwt::decode(&token).unwrap(), &keys);
    assert_eq!(check.verdict, Verdict::Pass, "{}", check.detail);
}

fn rules_at(now: i64) -> ClaimRules {
    ClaimRules {
        now: UNIX_EPOCH + Duration::from_secs(now as u64),
        ..ClaimRules::default()
    }
}

fn verdict_of(checks: &[Check], name: &str) -> (Verdict, String) {
    let c = checks.iter().find(|c| c.check == name).unwrap();
    (c.verdict, c.detail.clone())
}

fn token(claims: serde_json::Value) -> Jwt {
    Jwt::decode(&TestKey::rfc8037_ed25519().sign(&claims)).unwrap()
}

const NOW: i64 = 1_800_000_000;

#[test]
fn expired_token_fails_beyond_the_skew_only() {
    let jwt = token(json!({"exp": NOW - 30}));
    assert_eq!(
        verdict_of(&check_claims(&jwt, &rules_at(NOW)), "exp").0,
        Verdict::Pass
    );
    let jwt = token(json!({"exp": NOW - 120}));
    let (verdict, detail) = verdict_of(&check_claims(&jwt, &rules_at(NOW)), "exp");
    assert_eq!(verdict, Verdict::Fail);
    assert!(
        detail.contains("expired at 2027-01-15T07:58:00Z (2m 00s ago"),
        "{detail}"
    );
}

#[test]
fn not_yet_valid_and_future_iat_fail() {
    let jwt = token(json!({"nbf": NOW + 600, "iat": NOW + 600}));
    let checks = check_claims(&jwt, &rules_at(NOW));
    assert_eq!(verdict_of(&checks, "nbf").0, Verdict::Fail);
    assert_eq!(verdict_of(&checks, "iat").0, Verdict::Fail);
    let mut lenient = rules_at(NOW);
    lenient.skew = Duration::from_secs(900);
    let checks = check_claims(&jwt, &lenient);
    assert_eq!(verdict_of(&checks, "nbf").0, Verdict::Pass);
}

#[test]
fn missing_exp_fails_only_when_required() {
    let jwt = token(json!({"sub": "x"}));
    assert_eq!(
        verdict_of(&check_claims(&jwt, &rules_at(NOW)), "exp").0,
        Verdict::Skipped
    );
    let mut rules = rules_at(NOW);
    rules.require_exp = true;
    assert_eq!(
        verdict_of(&check_claims(&jwt, &rules), "exp").0,
        Verdict::Fail
    );
}

#[test]
fn wrong_issuer_audience_nonce_and_azp_fail() {
    let jwt = token(json!({
        "iss": "https://evil.example", "aud": ["other", "me"], "azp": "other", "nonce": "n-1"
    }));
    let rules = ClaimRules {
        nonce: Some("n-2".into()),
        ..ClaimRules::id_token("https://as.example", "me")
    };
    let checks = check_claims(&jwt, &rules);
    assert_eq!(verdict_of(&checks, "iss").0, Verdict::Fail);
    assert_eq!(verdict_of(&checks, "aud").0, Verdict::Pass);
    assert_eq!(verdict_of(&checks, "azp").0, Verdict::Fail);
    let (nonce, detail) = verdict_of(&checks, "nonce");
    assert_eq!(nonce, Verdict::Fail);
    assert!(detail.contains("n-2"), "{detail}");

    let jwt = token(json!({"aud": "someone-else"}));
    let (aud, detail) = verdict_of(&check_claims(&jwt, &rules), "aud");
    assert_eq!(aud, Verdict::Fail);
    assert!(detail.contains("someone-else"), "{detail}");
}

#[test]
fn several_audiences_need_azp() {
    let jwt = token(json!({"aud": ["me", "api"]}));
    let rules = ClaimRules::id_token("https://as", "me");
    assert_eq!(
        verdict_of(&check_claims(&jwt, &rules), "azp").0,
        Verdict::Fail
    );
}

#[test]
fn at_hash_binds_the_access_token() {
    // OIDC Core §3.1.3.6 with EdDSA: left half of SHA-512.
    let jwt = token(json!({"at_hash": at_hash(Algorithm::EdDSA, "the-access-token")}));
    let mut rules = rules_at(NOW);
    rules.access_token = Some("the-access-token".into());
    assert_eq!(
        verdict_of(&check_claims(&jwt, &rules), "at_hash").0,
        Verdict::Pass
    );
    rules.access_token = Some("a-substituted-token".into());
    assert_eq!(
        verdict_of(&check_claims(&jwt, &rules), "at_hash").0,
        Verdict::Fail
    );
    assert_eq!(at_hash(Algorithm::RS256, "x").len(), 22);
}

#[test]
fn verification_is_valid_only_with_a_verified_signature_and_no_failure() {
    let key = TestKey::rfc8037_ed25519();
    let keys = JwkSet::from_value(key.jwk.clone()).unwrap();
    let good = key.sign(&json!({"exp": NOW + 60, "iss": "https://as"}));
    let rules = ClaimRules {
        issuer: Some("https://as".into()),
        ..rules_at(NOW)
    };
    let v = verify_with_set(&Jwt::decode(&good).unwrap(), &keys, &rules);
    assert!(v.is_valid(), "{:?}", v.failure_summary());
    let v = verify_with_set(&Jwt::decode(&tamper(&good)).unwrap(), &keys, &rules);
    assert!(!v.is_valid());
    assert!(v.failure_summary().unwrap().starts_with("signature: "));
}

#[test]
fn malformed_tokens_are_readable_errors() {
    let cases = [
        ("a.b", "3 dot-separated parts, found 2"),
        ("a.b.c.d.e", "encrypted JWT"),
        ("%%%.e30.", "header is not base64url"),
        ("bm90IGpzb24.e30.", "header is not JSON"),
        ("WzFd.e30.", "header is JSON but not an object"),
    ];
    for (input, expected) in cases {
        let err = Jwt::decode(input).unwrap_err().to_string();
        assert!(err.contains(expected), "{input}: {err}");
    }
}

#[test]
fn absurd_dates_are_failures_not_overflows() {
    for value in [
        json!(1e300),
        json!(-1e300),
        json!(i64::MIN),
        json!(u64::MAX),
    ] {
        let jwt = token(json!({"exp": value, "nbf": value, "iat": value}));
        let checks = check_claims(&jwt, &rules_at(NOW));
        let (verdict, detail) = verdict_of(&checks, "exp");
        assert_eq!(verdict, Verdict::Fail, "{value}");
        assert!(detail.contains("not a plausible date"), "{detail}");
    }
}

/// A small deterministic generator, so a failure here can be replayed.
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn random_input_never_panics() {
    const ALPHABET: &[u8] = b"ABCxyz019-_.=+/ {}\"";
    let mut seed = 0x9E37_79B9_7F4A_7C15;
    let keys = set(RFC7520_RSA_JWK);
    for _ in 0..5_000 {
        let len = (xorshift(&mut seed) % 80) as usize;
        let text: String = (0..len)
            .map(|_| ALPHABET[(xorshift(&mut seed) % ALPHABET.len() as u64) as usize] as char)
            .collect();
        if let Ok(jwt) = Jwt::decode(&text) {
            let _ = verify_with_set(&jwt, &keys, &ClaimRules::default());
            let _ = verify_with_secret(&jwt, b"secret", &ClaimRules::default());
        }
        let _ = JwkSet::parse(&text);
    }
}

#[test]
fn malformed_keys_fail_without_panicking() {
    let token = Jwt::decode(&rfc7520(RFC7520_RS256).raw).unwrap();
    let es = Jwt::decode(&TestKey::generate("ES256", "k").sign(&json!({}))).unwrap();
    let ed = Jwt::decode(&TestKey::rfc8037_ed25519().sign(&json!({}))).unwrap();
    let cases = [
        (
            &token,
            r#"{"kid":"bilbo.baggins@hobbiton.example","kty":"RSA","n":"","e":""}"#,
        ),
        (
            &token,
            r#"{"kid":"bilbo.baggins@hobbiton.example","kty":"RSA","n":"AAAA","e":"AQAB"}"#,
        ),
        (
            &token,
            r#"{"kid":"bilbo.baggins@hobbiton.example","kty":"RSA","e":"AQAB"}"#,
        ),
        (
            &token,
            r#"{"kid":"bilbo.baggins@hobbiton.example","kty":"RSA","n":"!!","e":"AQAB"}"#,
        ),
        (
            &es,
            r#"{"kid":"k","kty":"EC","crv":"P-256","x":"AA","y":"AA"}"#,
        ),
        (&es, r#"{"kid":"k","kty":"EC","crv":"P-256"}"#),
        (
            &ed,
            r#"{"kid":"rfc8037","kty":"OKP","crv":"Ed25519","x":"AA"}"#,
        ),
        (
            &ed,
            r#"{"kid":"rfc8037","kty":"OKP","crv":"X25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
        ),
    ];
    for (jwt, jwk) in cases {
        let check = check_signature_with_set(jwt, &set(jwk));
        assert_eq!(check.verdict, Verdict::Fail, "{jwk}");
        assert!(
            !check.detail.contains("no key with kid"),
            "{}",
            check.detail
        );
    }
}

/// A validly signed HS256 token with `extra` merged into its header.
fn hs256_with_header(extra: serde_json::Value) -> (Jwt, TestKey) {
    let key = TestKey::hmac("HS256", "k1", b"a shared secret of thirty-two bytes!");
    let mut header = json!({"alg": "HS256", "kid": "k1"});
    header
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let token = key.sign_with_header(header, &json!({"sub": "alice"}));
    (Jwt::decode(&token).unwrap(), key)
}

#[test]
fn crit_naming_an_unknown_extension_is_refused() {
    let (jwt, key) = hs256_with_header(json!({"crit": ["exp"], "exp": 1}));
    let keys = JwkSet::from_value(jwks(&[&key])).unwrap();
    let check = check_signature_with_set(&jwt, &keys);
    assert_eq!(check.verdict, Verdict::Fail);
    assert!(check.detail.contains("\"exp\""), "{}", check.detail);
    assert!(
        check.detail.contains("RFC 7515 §4.1.11"),
        "{}",
        check.detail
    );
    // Decoding still shows the token.
    assert_eq!(jwt.claim_str("sub"), Some("alice"));
}

#[test]
fn crit_b64_false_is_refused_and_so_is_b64_false_alone() {
    for extra in [
        json!({"crit": ["b64"], "b64": false}),
        json!({"b64": false}),
    ] {
        let (jwt, _) = hs256_with_header(extra.clone());
        let check = check_signature_with_secret(&jwt, b"a shared secret of thirty-two bytes!");
        assert_eq!(check.verdict, Verdict::Fail, "{extra}");
        assert!(check.detail.contains("b64: false"), "{}", check.detail);
        assert!(
            check.detail.contains("RFC 7515 §4.1.11"),
            "{}",
            check.detail
        );
    }
}

#[test]
fn crit_as_a_string_or_an_empty_list_is_refused() {
    for (extra, words) in [
        (json!({"crit": "exp"}), "not a list"),
        (json!({"crit": []}), "empty list"),
        (json!({"crit": [1]}), "not a list"),
    ] {
        let (jwt, key) = hs256_with_header(extra.clone());
        let keys = JwkSet::from_value(jwks(&[&key])).unwrap();
        let check = check_signature_with_set(&jwt, &keys);
        assert_eq!(check.verdict, Verdict::Fail, "{extra}");
        assert!(check.detail.contains(words), "{extra}: {}", check.detail);
        assert!(
            check.detail.contains("RFC 7515 §4.1.11"),
            "{}",
            check.detail
        );
    }
}

#[test]
fn a_header_without_crit_still_verifies() {
    let (jwt, key) = hs256_with_header(json!({"typ": "JWT"}));
    let keys = JwkSet::from_value(jwks(&[&key])).unwrap();
    assert_eq!(check_signature_with_set(&jwt, &keys).verdict, Verdict::Pass);
}

#[test]
fn debug_hides_the_token_and_the_access_token_to_bind() {
    let (jwt, _) = hs256_with_header(json!({}));
    let shown = format!("{jwt:?}");
    assert!(!shown.contains(jwt.raw()), "{shown}");
    assert!(shown.contains("alice"), "{shown}");
    let rules = ClaimRules {
        access_token: Some("at-s3cret-value".into()),
        ..ClaimRules::default()
    };
    assert!(!format!("{rules:?}").contains("at-s3cret-value"));
}
