//! The JWT bearer grant (RFC 7523 §2.1 and §3): a JWT from a trusted issuer
//! (`[[trusted_issuers]]`) traded for an access token for its subject. The assertion is
//! checked like every JWT the mock takes (`signed_jwt.rs`): signature by one of the issuer's
//! keys, `aud` naming this server, a short `exp`, a single-use `jti` when it has one.

use super::app::{AppState, TOKEN_PATH};
use super::config::{PRIVATE_KEY_JWT_ALGS, User};
use super::errors::OAuthError;
use super::form::Params;
use super::resource_indicators;
use super::scopes::{self, Subject};
use super::signed_jwt::{self, Rules, SKEW_SECS, Verifier};
use super::state::{Client, SignedIn};
use super::token::access_token_only;
use super::tokens::{Issue, issue};
use crate::oauth::jwt::Jwt;
use crate::wire::TokenResponse;

/// How far ahead a grant assertion's `exp` may be.
const MAX_GRANT_ASSERTION_LIFETIME: u64 = 3600;

const SPEC: &str = "RFC 7523 section 3";

pub async fn grant(
    app: &AppState,
    client: &Client,
    params: &Params,
    jkt: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    let assertion = params.require("assertion", "RFC 7523 section 2.1")?;
    let refused = |why: String| OAuthError::invalid_grant(why);
    let jwt = Jwt::decode(assertion)
        .map_err(|e| refused(format!("assertion is not a signed JWT: {e} ({SPEC})")))?;
    let issuer = jwt.claim_str("iss").ok_or_else(|| {
        refused(format!(
            "assertion has no iss; it must name a trusted issuer ({SPEC})"
        ))
    })?;
    let Some((_, keys)) = app.trusted_issuers.iter().find(|(name, _)| name == issuer) else {
        return Err(refused(format!(
            "assertion: iss {issuer:?} is not an issuer this server trusts \
             ([[trusted_issuers]]; {SPEC}, item 1)"
        )));
    };
    let audiences = [app.issuer.clone(), app.url(TOKEN_PATH)];
    let rules = Rules {
        what: "assertion",
        spec: SPEC,
        algs: &PRIVATE_KEY_JWT_ALGS,
        typ: None,
        audiences: &audiences,
        require_exp: true,
        max_lifetime: MAX_GRANT_ASSERTION_LIFETIME,
        skew: SKEW_SECS,
        now: app.now(),
    };
    let claims = signed_jwt::verify(assertion, Verifier::Keys(keys), &rules).map_err(refused)?;
    let subject = claims
        .get("sub")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            refused(format!(
                "assertion has no sub: whom is the token for? ({SPEC}, item 2)"
            ))
        })?;
    if claims.contains_key("jti") {
        app.assertion_jtis
            .first_use(&format!("grant\u{0}{issuer}"), &claims, &rules)
            .map_err(refused)?;
    }
    let user = app
        .users
        .iter()
        .find(|u| u.sub == subject)
        .cloned()
        .unwrap_or_else(|| User::ad_hoc(subject));
    let scopes = scopes::resolve(params.get("scope"), client, Subject::User)?;
    let resources = resource_indicators::requested(app, params)?;
    let signed_in = SignedIn {
        user,
        auth_time: app.now(),
    };
    // RFC 7523 §4: no refresh token; the client presents a fresh assertion instead.
    let request = Issue {
        signed_in: Some(&signed_in),
        ..access_token_only(client, &scopes, &resources, jkt)
    };
    issue(app, request).await
}
