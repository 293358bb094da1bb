//! Client authentication with a JWT (RFC 7523 §2.2 and §3, OIDC Core §9): `client_secret_jwt`
//! (HS256 over the client's secret) and `private_key_jwt` (signed with a key from the
//! client's registered `jwks`, or the set at its `jwks_uri`, see `client_keys.rs`). Every
//! refusal is `invalid_client` naming the rule.

use std::sync::Arc;

use axum::http::HeaderMap;

use super::app::{App, TOKEN_PATH};
use super::client_auth::{basic_credentials, lookup};
use super::config::{AuthMethod, PRIVATE_KEY_JWT_ALGS, SECRET_JWT_ALGS};
use super::errors::OAuthError;
use super::form::Params;
use super::signed_jwt::{self, Rules, SKEW_SECS, Verifier};
use super::state::Client;
use crate::oauth::jwt::Jwt;
use crate::wire::CLIENT_ASSERTION_TYPE;

/// How far ahead a client assertion's `exp` may be: it is meant for one request.
pub const MAX_ASSERTION_LIFETIME: u64 = 300;

const SPEC: &str = "RFC 7523 section 3";

/// Whether the request authenticates its client with an assertion.
pub fn is_assertion(params: &Params) -> bool {
    params.contains("client_assertion") || params.contains("client_assertion_type")
}

fn refused(description: impl Into<String>) -> OAuthError {
    OAuthError::invalid_client(description, false)
}

/// The client a `client_assertion` proves, sent to `endpoint` (this server's path).
pub async fn authenticate(
    app: &App,
    headers: &HeaderMap,
    params: &Params,
    endpoint: &str,
) -> Result<Arc<Client>, OAuthError> {
    if basic_credentials(headers)?.is_some() || params.contains("client_secret") {
        return Err(OAuthError::invalid_request(
            "the client sent a client_assertion and a client secret; use exactly one \
             authentication method (RFC 6749 section 2.3)",
        ));
    }
    match params.get("client_assertion_type") {
        Some(CLIENT_ASSERTION_TYPE) => {}
        Some(other) => {
            return Err(refused(format!(
                "client_assertion_type {other:?} is not supported; use \
                 {CLIENT_ASSERTION_TYPE} (RFC 7523 section 2.2)"
            )));
        }
        None => {
            return Err(OAuthError::invalid_request(format!(
                "client_assertion needs client_assertion_type={CLIENT_ASSERTION_TYPE} beside it \
                 (RFC 7521 section 4.2)"
            )));
        }
    }
    let assertion = params.get("client_assertion").ok_or_else(|| {
        OAuthError::invalid_request(
            "client_assertion_type without client_assertion (RFC 7521 section 4.2)",
        )
    })?;
    let jwt = Jwt::decode(assertion).map_err(|e| {
        refused(format!(
            "client_assertion is not a signed JWT: {e} ({SPEC})"
        ))
    })?;
    // RFC 7521 §4.2: client_id, when sent, names the client; the assertion's sub must agree.
    let client_id = params
        .get("client_id")
        .or_else(|| jwt.claim_str("sub"))
        .ok_or_else(|| {
            refused(format!(
                "client_assertion has no sub and the request no client_id: no client is named \
                 ({SPEC})"
            ))
        })?;
    let client = lookup(&app.store, client_id, false)?;
    let hmac = jwt.alg().is_some_and(|a| a.starts_with("HS"));
    let method = if hmac {
        AuthMethod::ClientSecretJwt
    } else {
        AuthMethod::PrivateKeyJwt
    };
    if !client.auth_methods.contains(&method) {
        let registered: Vec<&str> = client.auth_methods.iter().map(|m| m.as_str()).collect();
        return Err(refused(format!(
            "client `{client_id}` sent a {} assertion but is registered for {} \
             (RFC 7591 section 2)",
            method.as_str(),
            registered.join(", ")
        )));
    }
    let keys = match (method, &client.keys) {
        (AuthMethod::PrivateKeyJwt, Some(keys)) => Some(
            app.client_keys
                .for_jwt(app, keys, &jwt)
                .await
                .map_err(refused)?,
        ),
        _ => None,
    };
    let verifier = match (method, &client.client_secret, &keys) {
        (AuthMethod::ClientSecretJwt, Some(secret), _) => Verifier::Secret(secret),
        (AuthMethod::PrivateKeyJwt, _, Some(keys)) => Verifier::Keys(keys),
        _ => {
            return Err(refused(format!(
                "client `{client_id}` has no {} to check its assertion with",
                if hmac { "secret" } else { "jwks or jwks_uri" }
            )));
        }
    };
    let audiences = vec![app.issuer.clone(), app.url(TOKEN_PATH), app.url(endpoint)];
    let rules = Rules {
        what: "client_assertion",
        spec: SPEC,
        algs: if hmac {
            &SECRET_JWT_ALGS
        } else {
            &PRIVATE_KEY_JWT_ALGS
        },
        typ: None,
        audiences: &audiences,
        require_exp: true,
        max_lifetime: MAX_ASSERTION_LIFETIME,
        skew: SKEW_SECS,
        now: app.now(),
    };
    let claims = signed_jwt::verify(assertion, verifier, &rules).map_err(refused)?;
    signed_jwt::require_claim(&claims, "iss", client_id, &rules).map_err(refused)?;
    signed_jwt::require_claim(&claims, "sub", client_id, &rules).map_err(refused)?;
    app.assertion_jtis
        .first_use(client_id, &claims, &rules)
        .map_err(refused)?;
    Ok(client)
}
