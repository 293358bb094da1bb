//! Request objects (RFC 9101, JAR): an authorization request sent as a JWT in `request`, at
//! /authorize or pushed to /par. Verified with the client's keys (its `jwks` or the set at
//! its `jwks_uri`), or unsigned (`alg: none`) unless the server requires signing; then its
//! claims are the request:
//! RFC 9101 §5 says the server uses only the parameters inside, so a query parameter the
//! object also carries is overridden, and one it does not carry is ignored.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::app::App;
use super::authorize::AuthorizeError;
use super::config::PRIVATE_KEY_JWT_ALGS;
use super::form::Params;
use super::signed_jwt::{self, Rules, SKEW_SECS, Verifier};
use super::state::Client;
use crate::oauth::jwt::Jwt;

/// How far ahead a request object's `exp` may be.
const MAX_REQUEST_OBJECT_LIFETIME: u64 = 3600;

/// RFC 9101 §10.8: the media type a request object's `typ` names.
const REQUEST_OBJECT_TYP: &str = "oauth-authz-req+jwt";

/// JWT claims that describe the object itself, not the authorization request.
const ENVELOPE_CLAIMS: [&str; 6] = ["iss", "aud", "exp", "iat", "nbf", "jti"];

fn invalid(description: impl Into<String>) -> AuthorizeError {
    AuthorizeError::Untrusted {
        error: "invalid_request_object",
        description: description.into(),
    }
}

/// The parameters the request means (see the module docs), for `client`, which the
/// `client_id` outside the object named (RFC 9101 §5 requires it there).
pub async fn effective_params(
    app: &App,
    params: &Params,
    client: &Client,
) -> Result<Params, AuthorizeError> {
    let Some(object) = params.get("request") else {
        if app.require_signed_request_object {
            return Err(AuthorizeError::Untrusted {
                error: "invalid_request",
                description: "this server requires the authorization request as a signed \
                              request object in `request` (require_signed_request_object, \
                              RFC 9101 section 10.5)"
                    .into(),
            });
        }
        return Ok(params.clone());
    };
    if params.contains("request_uri") {
        return Err(AuthorizeError::Untrusted {
            error: "invalid_request",
            description: "request and request_uri were both sent; use one (RFC 9101 section 5)"
                .into(),
        });
    }
    let claims = verified_claims(app, object, client).await?;
    if let Some(inner) = claims.get("client_id")
        && inner.as_str() != Some(client.client_id.as_str())
    {
        return Err(invalid(format!(
            "the request object's client_id {inner} differs from `{}` outside it; they must \
             match (RFC 9101 section 5)",
            client.client_id
        )));
    }
    if claims.contains_key("request") || claims.contains_key("request_uri") {
        return Err(invalid(
            "a request object cannot carry request or request_uri itself (RFC 9101 section 4)",
        ));
    }
    Ok(as_params(&claims, &client.client_id))
}

async fn verified_claims(
    app: &App,
    object: &str,
    client: &Client,
) -> Result<Map<String, Value>, AuthorizeError> {
    let jwt = Jwt::decode(object)
        .map_err(|e| invalid(format!("request is not a JWT: {e} (RFC 9101 section 4)")))?;
    let audiences = [app.issuer.clone()];
    let rules = Rules {
        what: "request object",
        spec: "RFC 9101 section 6.3",
        algs: &PRIVATE_KEY_JWT_ALGS,
        typ: Some(REQUEST_OBJECT_TYP),
        audiences: &audiences,
        require_exp: false,
        max_lifetime: MAX_REQUEST_OBJECT_LIFETIME,
        skew: SKEW_SECS,
        now: app.now(),
    };
    if jwt.alg() == Some("none") {
        if app.require_signed_request_object {
            return Err(invalid(
                "the request object is unsigned (alg none), and this server requires it signed \
                 by a key of the client (require_signed_request_object, RFC 9101 section 10.5)",
            ));
        }
        if !jwt.raw().ends_with('.') {
            return Err(invalid(
                "an unsigned request object (alg none) has an empty signature (RFC 7519 section 6.1)",
            ));
        }
        return Ok(jwt.unverified_claims().clone());
    }
    let keys = client.keys.as_ref().ok_or_else(|| {
        invalid(format!(
            "client `{}` has no registered jwks or jwks_uri to check its signed request \
             object with (RFC 9101 section 6.3)",
            client.client_id
        ))
    })?;
    let jwks = app
        .client_keys
        .for_jwt(app, keys, &jwt)
        .await
        .map_err(invalid)?;
    let claims = signed_jwt::verify(object, Verifier::Keys(&jwks), &rules).map_err(invalid)?;
    // RFC 9101 §4: a signed request object names its client as issuer.
    signed_jwt::require_claim(&claims, "iss", &client.client_id, &rules).map_err(invalid)?;
    Ok(claims)
}

/// The claims as request parameters: strings as they are, other values as their JSON text
/// (`claims`, `authorization_details`), `resource` as one value or a list (RFC 8707 §2).
fn as_params(claims: &Map<String, Value>, client_id: &str) -> Params {
    let mut single = HashMap::new();
    let mut resources = Vec::new();
    for (name, value) in claims {
        if ENVELOPE_CLAIMS.contains(&name.as_str()) {
            continue;
        }
        if name == "resource" {
            match value {
                Value::Array(list) => resources.extend(list.iter().map(text)),
                other => resources.push(text(other)),
            }
            continue;
        }
        single.insert(name.clone(), text(value));
    }
    single.insert("client_id".into(), client_id.to_owned());
    Params::from_pairs(single, resources)
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
