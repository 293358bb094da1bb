//! Cross-check with an independent implementation: tokens and keys made by npm `jose`
//! (tests/fixtures/jose_tokens.mjs), one per algorithm, each with a tampered twin.

use std::time::{Duration, UNIX_EPOCH};

use oauthscope::oauth::jwks::JwkSet;
use oauthscope::oauth::jwt::{self, ClaimRules, Jwt, Verdict};
use serde_json::Value;

fn fixtures() -> Vec<Value> {
    let text = include_str!("fixtures/jose_tokens.json");
    let doc: Value = serde_json::from_str(text).expect("the fixture is JSON");
    doc["cases"].as_array().expect("cases").clone()
}

fn all_keys() -> JwkSet {
    let keys: Vec<Value> = fixtures().iter().map(|c| c["jwk"].clone()).collect();
    JwkSet::from_value(serde_json::json!({ "keys": keys })).unwrap()
}

fn rules() -> ClaimRules {
    ClaimRules {
        now: UNIX_EPOCH + Duration::from_secs(1_800_000_000),
        issuer: Some("https://as.example".into()),
        audience: Some("app".into()),
        nonce: Some("n-0S6".into()),
        ..ClaimRules::default()
    }
}

#[test]
fn every_jose_token_verifies_with_its_key_found_by_kid() {
    let keys = all_keys();
    let cases = fixtures();
    assert_eq!(cases.len(), 12);
    for case in cases {
        let alg = case["alg"].as_str().unwrap();
        let jwt = Jwt::decode(case["token"].as_str().unwrap()).unwrap();
        let v = jwt::verify_with_set(&jwt, &keys, &rules());
        assert!(v.is_valid(), "{alg}: {:?}", v.failure_summary());
    }
}

#[test]
fn every_tampered_jose_token_fails_the_signature() {
    let keys = all_keys();
    for case in fixtures() {
        let alg = case["alg"].as_str().unwrap();
        let jwt = Jwt::decode(case["tampered"].as_str().unwrap()).unwrap();
        let check = jwt::check_signature_with_set(&jwt, &keys);
        assert_eq!(check.verdict, Verdict::Fail, "{alg} tampered");
        assert!(
            check.detail.contains("does not verify"),
            "{alg}: {}",
            check.detail
        );
    }
}

#[test]
fn a_jose_token_never_verifies_with_another_algorithms_key() {
    let cases = fixtures();
    for case in &cases {
        let jwt = Jwt::decode(case["token"].as_str().unwrap()).unwrap();
        for other in cases.iter().filter(|o| o["alg"] != case["alg"]) {
            // Present the other key under this token's kid: the mismatch must be caught.
            let mut jwk = other["jwk"].clone();
            jwk["kid"] = case["jwk"]["kid"].clone();
            let set = JwkSet::from_value(jwk).unwrap();
            let check = jwt::check_signature_with_set(&jwt, &set);
            assert_eq!(
                check.verdict,
                Verdict::Fail,
                "{} token with the {} key",
                case["alg"],
                other["alg"]
            );
        }
    }
}
