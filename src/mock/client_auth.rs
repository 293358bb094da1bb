//! Client authentication at the token, introspection, revocation, device and PAR endpoints:
//! `client_secret_basic`, `client_secret_post` and `none` (RFC 6749 §2.3, RFC 7591 §2).

use std::sync::Arc;

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::config::AuthMethod;
use super::errors::OAuthError;
use super::form::Params;
use super::secrets::secrets_equal;
use super::state::{Client, SharedStore};

/// Authenticates the client of a request with the one method it used: the client that
/// proved who it is (or identified itself, for a public client).
pub fn authenticate(
    store: &SharedStore,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Arc<Client>, OAuthError> {
    let basic = basic_credentials(headers)?;
    let body_id = params.get("client_id");
    match (basic, params.get("client_secret")) {
        (Some(_), Some(_)) => Err(OAuthError::invalid_request(
            "the client sent both HTTP Basic credentials and client_secret in the body; \
             use exactly one authentication method (RFC 6749 section 2.3)",
        )),
        (Some((id, secret)), None) => {
            if let Some(body_id) = body_id.filter(|b| *b != id) {
                return Err(OAuthError::invalid_request(format!(
                    "client_id `{body_id}` in the body differs from `{id}` in the Authorization \
                     header (RFC 6749 section 2.3.1)"
                )));
            }
            verify_secret(store, &id, &secret, AuthMethod::ClientSecretBasic)
        }
        (None, Some(secret)) => {
            let id = body_id.ok_or_else(|| {
                OAuthError::invalid_request(
                    "client_secret in the body needs client_id beside it (RFC 6749 section 2.3.1)",
                )
            })?;
            verify_secret(store, id, secret, AuthMethod::ClientSecretPost)
        }
        (None, None) => {
            let id = body_id.ok_or_else(|| {
                OAuthError::invalid_client(
                    "no client authentication: send HTTP Basic credentials, client_id and \
                     client_secret in the body, or client_id alone for a public client \
                     (RFC 6749 section 2.3)",
                    false,
                )
            })?;
            let client = lookup(store, id, false)?;
            if !client.is_public() {
                return Err(OAuthError::invalid_client(
                    format!(
                        "client `{id}` is confidential and must authenticate with its secret \
                         (RFC 6749 section 3.2.1)"
                    ),
                    false,
                ));
            }
            Ok(client)
        }
    }
}

fn lookup(store: &SharedStore, id: &str, used_basic: bool) -> Result<Arc<Client>, OAuthError> {
    store.lock().client(id).ok_or_else(|| {
        OAuthError::invalid_client(
            format!(
                "unknown client `{id}`: no client with this client_id is registered \
                 (RFC 6749 section 2.3)"
            ),
            used_basic,
        )
    })
}

fn verify_secret(
    store: &SharedStore,
    id: &str,
    secret: &str,
    method: AuthMethod,
) -> Result<Arc<Client>, OAuthError> {
    let used_basic = method == AuthMethod::ClientSecretBasic;
    let client = lookup(store, id, used_basic)?;
    let Some(expected) = client.client_secret.as_deref() else {
        return Err(OAuthError::invalid_client(
            format!(
                "client `{id}` is a public client (token_endpoint_auth_method none) and has no \
                 secret; send client_id alone (RFC 6749 section 2.1)"
            ),
            used_basic,
        ));
    };
    if !client.auth_methods.contains(&method) {
        let registered: Vec<&str> = client.auth_methods.iter().map(|m| m.as_str()).collect();
        return Err(OAuthError::invalid_client(
            format!(
                "client `{id}` authenticated with {} but is registered for {} (RFC 7591 section 2)",
                method.as_str(),
                registered.join(", ")
            ),
            used_basic,
        ));
    }
    if !secrets_equal(secret, expected) {
        return Err(OAuthError::invalid_client(
            format!(
                "client_secret does not match the secret registered for `{id}` \
                 (RFC 6749 section 2.3.1)"
            ),
            used_basic,
        ));
    }
    Ok(client)
}

/// The client id and secret from `Authorization: Basic`, if that header carries Basic.
/// Both are form-urlencoded before base64 (RFC 6749 §2.3.1), so they are decoded here.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed = |why: &str| {
        OAuthError::invalid_client(
            format!(
                "the Authorization header is not valid Basic credentials: {why} (RFC 7617, RFC 6749 section 2.3.1)"
            ),
            true,
        )
    };
    let value = String::from_utf8_lossy(value.as_bytes());
    let Some((scheme, encoded)) = value.trim().split_once(' ') else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let decoded = STANDARD
        .decode(encoded.trim())
        .map_err(|_| malformed("not base64"))?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed("not UTF-8"))?;
    let (id, secret) = decoded
        .split_once(':')
        .ok_or_else(|| malformed("no `:` between client_id and client_secret"))?;
    let id = form_urldecode(id).ok_or_else(|| malformed("client_id is not form-urlencoded"))?;
    let secret =
        form_urldecode(secret).ok_or_else(|| malformed("client_secret is not form-urlencoded"))?;
    if id.is_empty() {
        return Err(malformed("empty client_id"));
    }
    Ok(Some((id, secret)))
}

/// Decodes one `application/x-www-form-urlencoded` component: `+` is a space, `%XX` a byte.
fn form_urldecode(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut input = text.bytes();
    while let Some(b) = input.next() {
        match b {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hi = (input.next()? as char).to_digit(16)?;
                let lo = (input.next()? as char).to_digit(16)?;
                bytes.push(u8::try_from(hi * 16 + lo).ok()?);
            }
            other => bytes.push(other),
        }
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn basic(raw: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let value = format!("Basic {}", STANDARD.encode(raw));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&value).unwrap(),
        );
        headers
    }

    #[test]
    fn basic_credentials_are_form_urldecoded() {
        let creds = basic_credentials(&basic("my%3Aclient:s%2Bc+ret%25")).unwrap();
        assert_eq!(creds, Some(("my:client".into(), "s+c ret%".into())));
    }

    #[test]
    fn malformed_basic_is_invalid_client_with_challenge() {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic !!!"));
        let err = basic_credentials(&headers).unwrap_err();
        assert_eq!(err.error, "invalid_client");
        assert_eq!(err.status, 401);
        assert!(basic_credentials(&basic("no-colon")).is_err());
        assert!(basic_credentials(&basic("bad%zz:x")).is_err());
    }

    #[test]
    fn other_schemes_are_not_basic() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert_eq!(basic_credentials(&headers).unwrap(), None);
    }
}
