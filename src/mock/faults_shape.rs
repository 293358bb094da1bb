//! Faults that shape the endpoint's real answer rather than replace it: a token that is wrong
//! in one way (re-signed after the change, so only that one thing is wrong), and an
//! authorization response that carries an error instead of its code.

use axum::body::{Body, to_bytes};
use axum::http::{StatusCode, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use super::app::App;
use super::config::SigningAlg;
use super::faults::TokenFault;
use super::keys::SigningKey;

/// Largest token response read back for rewriting; the mock's own are a few kilobytes.
const MAX_TOKEN_RESPONSE: usize = 256 * 1024;

/// The issuer a `wrong_iss` token names.
pub const WRONG_ISSUER: &str = "https://wrong-issuer.example";
/// The audience a `wrong_aud` token names.
pub const WRONG_AUDIENCE: &str = "some-other-client";
/// The nonce a `wrong_nonce` ID token carries.
pub const WRONG_NONCE: &str = "a-nonce-this-client-never-sent";
/// How long ago an `expired` token expired, in seconds: past any reasonable clock skew.
const EXPIRED_AGO: u64 = 600;

/// A successful token response with its ID token (or, when there is none and the fault is
/// one an access token can carry, its access token) changed, and whether the fault applied:
/// an answer it does not apply to is given back untouched.
pub async fn token_response(app: &App, fault: TokenFault, response: Response) -> (Response, bool) {
    if response.status() != StatusCode::OK {
        return (response, false);
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_TOKEN_RESPONSE).await else {
        return (server_error(), false);
    };
    let unchanged = |parts, bytes| (Response::from_parts(parts, Body::from(bytes)), false);
    let Ok(Value::Object(mut document)) = serde_json::from_slice::<Value>(&bytes) else {
        return unchanged(parts, bytes);
    };
    let (member, typ) = match document.get("id_token") {
        Some(Value::String(_)) => ("id_token", "JWT"),
        _ if fault.id_token_only() => return unchanged(parts, bytes),
        _ => ("access_token", "at+jwt"),
    };
    let Some(token) = document.get(member).and_then(Value::as_str) else {
        return unchanged(parts, bytes);
    };
    let Some(mut claims) = payload(token) else {
        return unchanged(parts, bytes);
    };
    change(&mut claims, fault, app.now());
    let Ok(resigned) = sign(app, fault, typ, &claims).await else {
        return (server_error(), false);
    };
    document.insert(member.into(), Value::String(resigned));
    let Ok(body) = serde_json::to_vec(&document) else {
        return (server_error(), false);
    };
    // The body changed length; the server sets the new one.
    parts.headers.remove(header::CONTENT_LENGTH);
    (Response::from_parts(parts, Body::from(body)), true)
}

/// The claims of one of our own compact JWS (so no verification is needed to read it).
fn payload(token: &str) -> Option<Map<String, Value>> {
    let encoded = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(encoded).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(claims) => Some(claims),
        _ => None,
    }
}

fn change(claims: &mut Map<String, Value>, fault: TokenFault, now: u64) {
    match fault {
        // The claims stay; the key changes (see `sign`).
        TokenFault::UnknownKid => {}
        TokenFault::WrongIss => {
            claims.insert("iss".into(), WRONG_ISSUER.into());
        }
        TokenFault::WrongAud => {
            claims.insert("aud".into(), WRONG_AUDIENCE.into());
        }
        TokenFault::Expired => {
            let exp = now.saturating_sub(EXPIRED_AGO);
            let lifetime = match (claims.get("exp"), claims.get("iat")) {
                (Some(exp), Some(iat)) => exp
                    .as_u64()
                    .zip(iat.as_u64())
                    .map_or(3600, |(e, i)| e.saturating_sub(i)),
                _ => 3600,
            };
            claims.insert("exp".into(), exp.into());
            claims.insert("iat".into(), exp.saturating_sub(lifetime).into());
        }
        TokenFault::MissingAtHash => {
            claims.remove("at_hash");
        }
        TokenFault::WrongNonce => {
            claims.insert("nonce".into(), WRONG_NONCE.into());
        }
    }
}

async fn sign(
    app: &App,
    fault: TokenFault,
    typ: &str,
    claims: &Map<String, Value>,
) -> Result<String, super::MockError> {
    let ring = app.keys.ring().await?;
    if fault != TokenFault::UnknownKid {
        return ring.signer().sign_jwt(typ, claims);
    }
    // A key of the same algorithm that was never published: its `kid` is in no JWKS.
    let alg = match ring.signer().public_jwk()["alg"].as_str() {
        Some("ES256") => SigningAlg::ES256,
        _ => SigningAlg::RS256,
    };
    let stranger = tokio::task::spawn_blocking(move || SigningKey::generate(alg))
        .await
        .map_err(|err| super::MockError::Keys(err.to_string()))??;
    stranger.sign_jwt(typ, claims)
}

fn server_error() -> Response {
    let mut response = Response::new(Body::from(
        "the mock could not apply the injected fault to its answer",
    ));
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
}

/// An authorization response redirect carrying `code` turned into one carrying `error`
/// (RFC 6749 §4.1.2.1), `state` and `iss` kept; `false` when the answer is no such redirect.
pub fn authorization_error(response: &mut Response, error: &str, description: &str) -> bool {
    if !response.status().is_redirection() {
        return false;
    }
    let Some(location) = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Ok(mut url) = url::Url::parse(location) else {
        return false;
    };
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    if !pairs.iter().any(|(name, _)| name == "code") {
        return false;
    }
    url.query_pairs_mut()
        .clear()
        .append_pair("error", error)
        .append_pair("error_description", description)
        .extend_pairs(pairs.iter().filter(|(name, _)| name != "code"));
    match url.as_str().parse() {
        Ok(value) => {
            response.headers_mut().insert(header::LOCATION, value);
            true
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expired_token_keeps_its_lifetime() {
        let mut claims = Map::new();
        claims.insert("iat".into(), 1000.into());
        claims.insert("exp".into(), 4600.into());
        change(&mut claims, TokenFault::Expired, 10_000);
        assert_eq!(claims["exp"], 9400);
        assert_eq!(claims["iat"], 5800);
    }

    #[test]
    fn only_a_redirect_with_a_code_becomes_an_error() {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::FOUND;
        response.headers_mut().insert(
            header::LOCATION,
            "http://127.0.0.1:5/cb?code=abc&state=s1&iss=http%3A%2F%2Fi"
                .parse()
                .unwrap(),
        );
        assert!(authorization_error(
            &mut response,
            "access_denied",
            "injected"
        ));
        let location = response.headers()[header::LOCATION].to_str().unwrap();
        assert_eq!(
            location,
            "http://127.0.0.1:5/cb?error=access_denied&error_description=injected&state=s1&iss=http%3A%2F%2Fi"
        );
        assert!(!authorization_error(
            &mut response,
            "access_denied",
            "again"
        ));
        let mut page = Response::new(Body::from("<html>"));
        assert!(!authorization_error(&mut page, "access_denied", "x"));
    }
}
