use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::*;

use crate::oauth::jwt::tests::keys::{TestKey, jwks};

const NOW: i64 = 1_800_000_000;

fn at(now: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(now as u64)
}

/// Claims a well-formed access token has: an audience, an hour of life.
fn good_claims() -> Value {
    json!({"iss": "https://as.example", "sub": "alice", "aud": "https://api.example",
           "iat": NOW - 60, "exp": NOW + 3540})
}

fn unsigned(header: Value, claims: &Value) -> Jwt {
    let part = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    Jwt::decode(&format!("{}.{}.", part(&header), part(claims))).unwrap()
}

fn diagnose(jwt: &Jwt, ctx: &TokenContext) -> Vec<&'static str> {
    diagnose_token(jwt, ctx).iter().map(|f| f.code).collect()
}

fn ctx<'a>() -> TokenContext<'a> {
    TokenContext {
        now: at(NOW),
        ..TokenContext::default()
    }
}

fn finding(jwt: &Jwt, ctx: &TokenContext, code: &str) -> Finding {
    diagnose_token(jwt, ctx)
        .into_iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("no {code} in {:?}", diagnose_token(jwt, ctx)))
}

#[test]
fn a_good_token_from_its_issuer_has_no_finding() {
    let key = TestKey::generate("ES256", "k1");
    let set = JwkSet::from_value(jwks(&[&key])).unwrap();
    let jwt = Jwt::decode(&key.sign(&good_claims())).unwrap();
    let ctx = TokenContext {
        jwks: Some(&set),
        audience: Some("https://api.example"),
        expected_use: Some(TokenUse::Access),
        ..ctx()
    };
    assert_eq!(diagnose(&jwt, &ctx), Vec::<&str>::new());
}

#[test]
fn alg_none_is_an_error_and_nothing_else_about_the_signature_is_said() {
    let key = TestKey::generate("ES256", "k1");
    let set = JwkSet::from_value(jwks(&[&key])).unwrap();
    let jwt = unsigned(json!({"alg": "none"}), &good_claims());
    let ctx = TokenContext {
        jwks: Some(&set),
        ..ctx()
    };
    assert_eq!(diagnose(&jwt, &ctx), ["alg-none"]);
    let f = finding(&jwt, &ctx, "alg-none");
    assert_eq!(
        (f.severity, f.reference),
        (Severity::Error, "RFC 8725 §3.1")
    );
    assert_eq!(f.evidence, [("alg".to_string(), "none".to_string())]);
}

#[test]
fn hmac_from_an_issuer_with_public_keys_is_an_error_only_when_the_issuer_is_known() {
    let key = TestKey::generate("HS256", "shared");
    let jwt = Jwt::decode(&key.sign(&good_claims())).unwrap();
    assert!(!diagnose(&jwt, &ctx()).contains(&"hs-from-public-issuer"));
    let rsa = TestKey::generate("RS256", "rsa");
    let set = JwkSet::from_value(jwks(&[&rsa])).unwrap();
    let metadata = ServerMetadata {
        issuer: "https://as.example".into(),
        ..Default::default()
    };
    let ctx = TokenContext {
        jwks: Some(&set),
        metadata: Some(&metadata),
        ..ctx()
    };
    let f = finding(&jwt, &ctx, "hs-from-public-issuer");
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.evidence
            .contains(&("issuer".into(), "https://as.example".into()))
    );
    // The signature is not judged again: the finding already says why it must be refused.
    assert!(!diagnose(&jwt, &ctx).contains(&"signature-invalid"));
}

#[test]
fn a_short_rsa_key_is_found_in_the_jwks_or_from_the_signature_length() {
    let claims = good_claims();
    let part = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    // A 1024-bit signature: an RSA signature is exactly as long as the modulus.
    let token = format!(
        "{}.{}.{}",
        part(&json!({"alg": "RS256", "kid": "short"})),
        part(&claims),
        URL_SAFE_NO_PAD.encode([7u8; 128])
    );
    let jwt = Jwt::decode(&token).unwrap();
    let f = finding(&jwt, &ctx(), "rsa-key-short");
    assert_eq!(f.severity, Severity::Error);
    assert!(f.evidence.contains(&("modulus bits".into(), "1024".into())));

    let set = JwkSet::from_value(json!({"keys": [{"kty": "RSA", "kid": "short",
        "n": URL_SAFE_NO_PAD.encode([0xc5u8; 64]), "e": "AQAB"}]}))
    .unwrap();
    let ctx = TokenContext {
        jwks: Some(&set),
        ..ctx()
    };
    let f = finding(&jwt, &ctx, "rsa-key-short");
    assert!(f.evidence.contains(&("modulus bits".into(), "512".into())));

    let good = TestKey::generate("RS256", "k");
    let jwt = Jwt::decode(&good.sign(&claims)).unwrap();
    assert!(!diagnose(&jwt, &self::ctx()).contains(&"rsa-key-short"));
}

#[test]
fn a_kid_missing_or_unknown_and_a_bad_signature_are_found() {
    let key = TestKey::generate("ES256", "k1");
    let other = TestKey::generate("ES256", "k2");
    let set = JwkSet::from_value(jwks(&[&key, &other])).unwrap();
    let ctx = TokenContext {
        jwks: Some(&set),
        ..ctx()
    };
    let no_kid =
        Jwt::decode(&key.sign_with_header(json!({"alg": "ES256"}), &good_claims())).unwrap();
    let f = finding(&no_kid, &ctx, "kid-missing");
    assert_eq!(f.severity, Severity::Warning, "two keys to choose from");
    assert_eq!(f.reference, "RFC 7515 §4.1.4");

    let stranger = TestKey::generate("ES256", "rotated-out");
    let jwt = Jwt::decode(&stranger.sign(&good_claims())).unwrap();
    let f = finding(&jwt, &ctx, "kid-not-in-jwks");
    assert!(f.evidence.contains(&("kid".into(), "rotated-out".into())));
    assert!(
        f.evidence
            .contains(&("kids in the JWKS".into(), "k1, k2".into()))
    );
    assert!(!diagnose(&jwt, &ctx).contains(&"signature-invalid"));

    // Signed by k2 but claiming k1.
    let forged = other.sign_with_header(json!({"alg": "ES256", "kid": "k1"}), &good_claims());
    let jwt = Jwt::decode(&forged).unwrap();
    assert_eq!(diagnose(&jwt, &ctx), ["signature-invalid"]);
}

#[test]
fn missing_exp_expired_and_implausible_dates_are_found_before_any_arithmetic() {
    let key = TestKey::generate("ES256", "k1");
    let mut claims = good_claims();
    claims.as_object_mut().unwrap().remove("exp");
    let jwt = Jwt::decode(&key.sign(&claims)).unwrap();
    let f = finding(&jwt, &ctx(), "no-exp");
    assert_eq!(
        (f.severity, f.reference),
        (Severity::Warning, "RFC 9068 §2.2")
    );

    claims["exp"] = json!(NOW - 7200);
    claims["iat"] = json!(NOW - 10800);
    let jwt = Jwt::decode(&key.sign(&claims)).unwrap();
    let f = finding(&jwt, &ctx(), "expired");
    assert!(f.message.contains("2h 00m"), "{}", f.message);

    for bad in [json!(1e300), json!(i64::MAX), json!("tomorrow")] {
        claims["exp"] = bad.clone();
        claims["iat"] = bad;
        let jwt = Jwt::decode(&key.sign(&claims)).unwrap();
        assert_eq!(
            diagnose(&jwt, &ctx()),
            ["bad-date", "bad-date"],
            "no arithmetic on {}",
            claims["exp"]
        );
    }
}

#[test]
fn an_access_token_living_over_a_day_is_flagged_but_an_id_token_is_not() {
    let key = TestKey::generate("ES256", "k1");
    let mut claims = good_claims();
    claims["exp"] = json!(NOW + 30 * 86_400);
    let jwt = Jwt::decode(&key.sign(&claims)).unwrap();
    let f = finding(&jwt, &ctx(), "long-lived-access-token");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.message.contains("30d 0h"), "{}", f.message);
    let id = TokenContext {
        expected_use: Some(TokenUse::Id),
        ..ctx()
    };
    assert!(!diagnose(&jwt, &id).contains(&"long-lived-access-token"));
}

#[test]
fn iat_in_the_future_says_by_how_much_and_within_the_skew_is_fine() {
    let key = TestKey::generate("ES256", "k1");
    let mut claims = good_claims();
    claims["iat"] = json!(NOW + 300);
    let jwt = Jwt::decode(&key.sign(&claims)).unwrap();
    let f = finding(&jwt, &ctx(), "iat-in-future");
    assert!(f.evidence.contains(&("clock skew".into(), "300 s".into())));
    assert!(f.evidence.contains(&("allowed skew".into(), "60 s".into())));
    let tolerant = TokenContext {
        skew: Duration::from_secs(600),
        ..ctx()
    };
    assert!(!diagnose(&jwt, &tolerant).contains(&"iat-in-future"));
}

#[test]
fn no_audience_and_an_audience_that_is_not_the_api_are_found() {
    let key = TestKey::generate("ES256", "k1");
    let mut claims = good_claims();
    claims.as_object_mut().unwrap().remove("aud");
    let jwt = Jwt::decode(&key.sign(&claims)).unwrap();
    assert!(diagnose(&jwt, &ctx()).contains(&"no-aud"));

    claims["aud"] = json!(["https://other.example", "https://billing.example"]);
    let jwt = Jwt::decode(&key.sign(&claims)).unwrap();
    let api = TokenContext {
        audience: Some("https://api.example"),
        ..ctx()
    };
    let f = finding(&jwt, &api, "aud-not-api");
    assert_eq!(f.severity, Severity::Error);
    assert!(f.evidence.contains(&(
        "aud".into(),
        "https://other.example, https://billing.example".into()
    )));
    assert!(
        !diagnose(&jwt, &ctx()).contains(&"aud-not-api"),
        "no API given"
    );
}

#[test]
fn an_id_token_used_as_an_access_token_and_the_reverse_are_confusions() {
    let key = TestKey::generate("ES256", "k1");
    let mut id_claims = good_claims();
    id_claims["nonce"] = json!("n-0S6_WzA2Mj");
    let id = Jwt::decode(&key.sign(&id_claims)).unwrap();
    let as_access = TokenContext {
        expected_use: Some(TokenUse::Access),
        ..ctx()
    };
    let f = finding(&id, &as_access, "token-type-confusion");
    assert!(
        f.message.contains("an ID token is used as an access token"),
        "{}",
        f.message
    );
    assert!(
        f.evidence
            .contains(&("marked by".into(), "claim nonce".into()))
    );

    let access = Jwt::decode(&key.sign_with_header(
        json!({"alg": "ES256", "kid": "k1", "typ": "at+jwt"}),
        &good_claims(),
    ))
    .unwrap();
    let as_id = TokenContext {
        expected_use: Some(TokenUse::Id),
        ..ctx()
    };
    let f = finding(&access, &as_id, "token-type-confusion");
    assert!(f.evidence.contains(&("typ".into(), "at+jwt".into())));
    assert!(!diagnose(&access, &as_access).contains(&"token-type-confusion"));
    // Without knowing the use, nothing is confused.
    assert!(!diagnose(&id, &ctx()).contains(&"token-type-confusion"));
}

#[test]
fn evidence_never_holds_the_token() {
    let key = TestKey::generate("ES256", "k1");
    let mut claims = good_claims();
    claims["nonce"] = json!("n");
    claims.as_object_mut().unwrap().remove("aud");
    let token = key.sign(&claims);
    let jwt = Jwt::decode(&token).unwrap();
    let ctx = TokenContext {
        expected_use: Some(TokenUse::Access),
        ..ctx()
    };
    let findings = diagnose_token(&jwt, &ctx);
    assert!(!findings.is_empty());
    let text = format!("{findings:?}");
    for part in token.split('.') {
        assert!(!text.contains(part), "a part of the token is in {text}");
    }
}
