//! Resource indicators (RFC 8707): the `resource` parameter at /authorize, /par and /token
//! names the protected resource a token is for, and becomes the access token's `aud`
//! (RFC 9068 §3). The mock issues tokens only for the resources it protects itself (the demo
//! MCP server), so any other resource is `invalid_target`.

use serde_json::Value;

use super::app::App;
use super::errors::OAuthError;
use super::form::Params;

/// The resources a request names, each checked against RFC 8707 §2: an absolute URI, no
/// fragment, and a resource this server issues tokens for. Repeats are dropped.
pub fn requested(app: &App, params: &Params) -> Result<Vec<String>, OAuthError> {
    let protected = app.protected_resources();
    let mut resources: Vec<String> = Vec::new();
    for resource in params.resources() {
        let url = url::Url::parse(resource).map_err(|_| {
            OAuthError::invalid_target(format!(
                "resource `{resource}` is not an absolute URI (RFC 8707 section 2)"
            ))
        })?;
        if url.fragment().is_some() {
            return Err(OAuthError::invalid_target(format!(
                "resource `{resource}` has a fragment, which a resource indicator must not \
                 have (RFC 8707 section 2)"
            )));
        }
        if !protected.iter().any(|p| p == resource) {
            return Err(OAuthError::invalid_target(format!(
                "resource `{resource}` is not a protected resource of this server, which issues \
                 tokens for: {} (RFC 8707 section 2)",
                protected.join(" ")
            )));
        }
        if !resources.contains(resource) {
            resources.push(resource.clone());
        }
    }
    Ok(resources)
}

/// The resources for a token issued from a grant that named `granted`: those the token
/// request names, each one of the granted when the grant named any (RFC 8707 §2.2: the
/// token request may narrow, not widen), else the granted ones.
pub fn narrowed(app: &App, params: &Params, granted: &[String]) -> Result<Vec<String>, OAuthError> {
    let asked = requested(app, params)?;
    if asked.is_empty() {
        return Ok(granted.to_vec());
    }
    if let Some(other) = asked
        .iter()
        .find(|r| !granted.is_empty() && !granted.contains(r))
    {
        return Err(OAuthError::invalid_target(format!(
            "resource `{other}` was not part of the authorization grant, which named: {}; a \
             token request may narrow the resources, never widen them (RFC 8707 section 2.2)",
            granted.join(" ")
        )));
    }
    Ok(asked)
}

/// Whether an `aud` claim (one string or a list, RFC 7519 §4.1.3) names `audience`.
pub fn names(aud: &Value, audience: &str) -> bool {
    match aud {
        Value::String(one) => one == audience,
        Value::Array(many) => many.iter().any(|a| a == audience),
        _ => false,
    }
}

/// The access token's `aud` (RFC 9068 §3): the one resource as a string, several as an array,
/// and the issuer itself when the request named none.
pub fn audience(app: &App, resources: &[String]) -> Value {
    match resources {
        [] => Value::from(app.issuer.clone()),
        [one] => Value::from(one.clone()),
        many => Value::from(many.to_vec()),
    }
}
