use std::time::{Duration, UNIX_EPOCH};

use serde_json::json;

use super::*;
use crate::oauth::RequestDraft;

fn codes(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.code).collect()
}

fn diagnose(steps: &[Step], exchanges: &[Exchange]) -> Vec<Finding> {
    diagnose_session(&Session {
        steps,
        exchanges,
        metadata: None,
        token: TokenContext {
            now: UNIX_EPOCH + Duration::from_secs(1_800_000_000),
            ..TokenContext::default()
        },
    })
}

fn authorize(params: &[(&str, &str)]) -> Step {
    let mut step = Step::new(StepKind::Authorize, "Authorize", "");
    let mut draft = RequestDraft::new("GET", "https://as.example/authorize");
    for (k, v) in params {
        draft.set_param(k, *v);
    }
    step.request = Some(draft);
    step
}

fn token_exchange(form: &str, response: serde_json::Value) -> Exchange {
    let mut e = Exchange::new("POST", "https://as.example/token");
    e.request_headers = vec![(
        "content-type".into(),
        "application/x-www-form-urlencoded".into(),
    )];
    e.request_body = Some(form.into());
    e.status = Some(200);
    e.response_body = Some(response.to_string());
    e
}

const GOOD: &[(&str, &str)] = &[
    ("response_type", "code"),
    ("client_id", "spa"),
    ("state", "af0ifjsldkj"),
    (
        "code_challenge",
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    ),
    ("code_challenge_method", "S256"),
    ("scope", "openid profile"),
];

#[test]
fn a_careful_session_has_no_finding() {
    let token = token_exchange(
        "grant_type=authorization_code&code=abc&client_id=spa",
        json!({"access_token": "opaque-1", "token_type": "Bearer", "scope": "openid profile"}),
    );
    let findings = diagnose(&[authorize(GOOD)], &[token]);
    assert!(findings.is_empty(), "{findings:?}");
}

#[test]
fn no_pkce_plain_pkce_and_no_state_are_found_in_the_authorization_request() {
    let findings = diagnose(
        &[authorize(&[
            ("response_type", "code"),
            ("client_id", "spa"),
        ])],
        &[],
    );
    assert_eq!(codes(&findings), ["no-pkce", "no-state"]);
    assert_eq!(findings[1].severity, Severity::Warning, "no PKCE either");
    assert!(
        findings[0]
            .evidence
            .contains(&("client_id".into(), "spa".into()))
    );

    let findings = diagnose(
        &[authorize(&[
            ("response_type", "code"),
            ("client_id", "spa"),
            ("code_challenge", "same-as-the-verifier"),
        ])],
        &[],
    );
    assert_eq!(codes(&findings), ["plain-pkce", "no-state"]);
    assert_eq!(
        findings[1].severity,
        Severity::Info,
        "PKCE stands in for state"
    );
}

#[test]
fn an_authorization_request_in_a_captured_url_is_judged_too_and_reported_once() {
    let mut e = Exchange::new(
        "GET",
        "https://as.example/authorize?response_type=code&client_id=spa&state=xyz",
    );
    e.status = Some(302);
    let twice = [e.clone(), e];
    let findings = diagnose(&[], &twice);
    assert_eq!(codes(&findings), ["no-pkce"]);
    assert!(findings[0].evidence.contains(&(
        "authorization endpoint".into(),
        "https://as.example/authorize".into()
    )));
}

#[test]
fn a_bearer_token_in_a_request_url_or_a_redirect_is_found_without_the_token() {
    let mut e = Exchange::new("GET", "https://api.example/me?access_token=SECRETVALUE");
    e.status = Some(200);
    let mut redirect = Exchange::new(
        "GET",
        "https://as.example/authorize?response_type=token&client_id=spa&state=s",
    );
    redirect.status = Some(302);
    redirect.response_headers = vec![(
        "Location".into(),
        "https://app.example/cb#access_token=SECRETVALUE&token_type=Bearer".into(),
    )];
    let findings = diagnose(&[], &[e, redirect]);
    let bearer: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.code == "bearer-in-url")
        .collect();
    assert_eq!(bearer.len(), 2, "{findings:?}");
    assert!(bearer[1].message.contains("Location header"));
    assert!(!format!("{findings:?}").contains("SECRETVALUE"));
}

#[test]
fn scope_wider_than_asked_names_the_extra_scopes() {
    let token = token_exchange(
        "grant_type=authorization_code&code=abc&client_id=spa",
        json!({"access_token": "opaque", "scope": "openid profile admin"}),
    );
    let findings = diagnose(&[authorize(GOOD)], &[token]);
    assert_eq!(codes(&findings), ["scope-wider-than-asked"]);
    assert!(
        findings[0]
            .evidence
            .contains(&("extra".into(), "admin".into()))
    );
    // The token request's own scope is what was asked, when it names one.
    let narrower = token_exchange(
        "grant_type=client_credentials&scope=read",
        json!({"access_token": "opaque", "scope": "read write"}),
    );
    let findings = diagnose(&[], &[narrower]);
    assert!(
        findings[0]
            .evidence
            .contains(&("extra".into(), "write".into()))
    );
}

#[test]
fn a_public_clients_refresh_token_that_does_not_rotate_is_found() {
    let same = token_exchange(
        "grant_type=refresh_token&refresh_token=rt-1&client_id=spa",
        json!({"access_token": "a2", "refresh_token": "rt-1"}),
    );
    let none = token_exchange(
        "grant_type=refresh_token&refresh_token=rt-2&client_id=spa",
        json!({"access_token": "a3"}),
    );
    let rotated = token_exchange(
        "grant_type=refresh_token&refresh_token=rt-3&client_id=spa",
        json!({"access_token": "a4", "refresh_token": "rt-4"}),
    );
    let mut confidential = token_exchange(
        "grant_type=refresh_token&refresh_token=rt-5",
        json!({"access_token": "a5", "refresh_token": "rt-5"}),
    );
    confidential
        .request_headers
        .push(("Authorization".into(), "Basic c3BhOnNlY3JldA==".into()));
    let findings = diagnose(&[], &[same, none, rotated, confidential]);
    assert_eq!(
        codes(&findings),
        ["refresh-not-rotated", "refresh-not-rotated"]
    );
    assert!(
        findings[0]
            .evidence
            .contains(&("refresh_token".into(), "the same as the one sent".into()))
    );
    assert!(!format!("{findings:?}").contains("rt-1"));
}

#[test]
fn the_tokens_of_a_response_are_judged_as_what_they_were_issued_as() {
    use base64::Engine as _;
    let b64 = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    // An ID token handed out as the access token, unsigned.
    let id_like = format!(
        "{}.{}.",
        b64(json!({"alg": "none"})),
        b64(
            json!({"iss": "https://as.example", "aud": "spa", "nonce": "n",
                   "iat": 1_800_000_000, "exp": 1_800_000_600})
        )
    );
    let token = token_exchange(
        "grant_type=authorization_code&code=abc&client_id=spa",
        json!({"access_token": id_like}),
    );
    let findings = diagnose(&[authorize(GOOD)], &[token]);
    assert_eq!(codes(&findings), ["alg-none", "token-type-confusion"]);
    assert_eq!(
        findings[1].evidence[0],
        (
            "token".to_string(),
            "access_token from https://as.example/token".to_string()
        )
    );
}

#[test]
fn the_servers_metadata_is_read_from_the_session_when_not_given() {
    let mut e = Exchange::new(
        "GET",
        "https://as.example/.well-known/oauth-authorization-server",
    );
    e.status = Some(200);
    e.response_body = Some(
        json!({"issuer": "https://as.example",
               "authorization_endpoint": "https://as.example/authorize",
               "token_endpoint": "https://as.example/token",
               "response_types_supported": ["code", "token"],
               "grant_types_supported": ["authorization_code", "password"],
               "code_challenge_methods_supported": ["S256"],
               "authorization_response_iss_parameter_supported": true})
        .to_string(),
    );
    assert_eq!(
        codes(&diagnose(&[], &[e])),
        ["implicit-offered", "password-offered"]
    );
}

#[test]
fn the_tokens_are_checked_against_the_keys_read_from_the_session() {
    use crate::oauth::jwt::tests::keys;
    let key = keys::TestKey::generate("ES256", "published");
    let stranger = keys::TestKey::generate("ES256", "unpublished");
    let get = |url: &str, body: serde_json::Value| {
        let mut e = Exchange::new("GET", url);
        e.status = Some(200);
        e.response_body = Some(body.to_string());
        e
    };
    let metadata = get(
        "https://as.example/.well-known/openid-configuration",
        json!({"issuer": "https://as.example", "jwks_uri": "https://as.example/jwks",
               "token_endpoint": "https://as.example/token"}),
    );
    let jwks = get("https://as.example/jwks", keys::jwks(&[&key]));
    let claims = json!({"iss": "https://as.example", "aud": "api", "iat": 1_800_000_000,
                        "exp": 1_800_000_300});
    let issued = token_exchange(
        "grant_type=client_credentials",
        json!({"access_token": stranger.sign(&claims)}),
    );
    let findings = diagnose(&[], &[metadata.clone(), jwks.clone(), issued]);
    assert_eq!(codes(&findings), ["kid-not-in-jwks"]);
    let good = token_exchange(
        "grant_type=client_credentials",
        json!({"access_token": key.sign(&claims)}),
    );
    assert!(diagnose(&[], &[metadata, jwks, good]).is_empty());
}
