//! Request parameters: form bodies and query strings, strict about what RFC 6749 §3.1 forbids
//! (repeated parameters) and about content types, with a body size limit (413 beyond it).

use std::collections::{HashMap, HashSet};

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde_json::{Map, Value};

use super::errors::OAuthError;

/// Largest request body accepted, in bytes. Generous for OAuth forms and client metadata.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The parameters a client may repeat: `resource`, to name several resources (RFC 8707
/// §2), and `audience`, to name several audiences (RFC 8693 §2.1). Every other one appears
/// at most once (RFC 6749 §3.1).
const REPEATABLE: [&str; 2] = ["resource", "audience"];

/// Parameters of one request, each present at most once, except the [`REPEATABLE`] ones.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Params {
    single: HashMap<String, String>,
    /// The values of each repeatable parameter sent, in order.
    repeated: HashMap<&'static str, Vec<String>>,
}

impl Params {
    /// Parses `application/x-www-form-urlencoded` text, rejecting a repeated parameter.
    pub fn parse(raw: &[u8]) -> Result<Self, OAuthError> {
        let mut params = Params::default();
        for (name, value) in url::form_urlencoded::parse(raw) {
            if let Some(repeatable) = REPEATABLE.iter().find(|r| **r == name.as_ref()) {
                params
                    .repeated
                    .entry(*repeatable)
                    .or_default()
                    .push(value.into_owned());
                continue;
            }
            if params.single.contains_key(name.as_ref()) {
                return Err(OAuthError::invalid_request(format!(
                    "parameter `{name}` is repeated; each parameter may appear at most once \
                     (RFC 6749 section 3.1)"
                )));
            }
            params.single.insert(name.into_owned(), value.into_owned());
        }
        Ok(params)
    }

    /// Parameters given one by one (a request object's claims, RFC 9101 §5), `resource`
    /// values apart.
    pub fn from_pairs(single: HashMap<String, String>, resources: Vec<String>) -> Self {
        let repeated = if resources.is_empty() {
            HashMap::new()
        } else {
            HashMap::from([("resource", resources)])
        };
        Params { single, repeated }
    }

    /// A parameter's value. Empty values count as absent (RFC 6749 §3.1).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.single
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Every `resource` parameter, in order (RFC 8707 §2), empty values included so that
    /// validation can name them.
    pub fn resources(&self) -> &[String] {
        self.repeated.get("resource").map_or(&[], Vec::as_slice)
    }

    /// Every `audience` parameter, in order and without repeats (RFC 8693 §2.1); empty
    /// values count as absent (RFC 6749 §3.1).
    pub fn audiences(&self) -> Vec<&str> {
        let mut seen = HashSet::new();
        self.repeated
            .get("audience")
            .into_iter()
            .flatten()
            .map(String::as_str)
            .filter(|audience| !audience.is_empty() && seen.insert(*audience))
            .collect()
    }

    /// A parameter the request cannot do without; `rule` says where the requirement comes from.
    pub fn require(&self, name: &str, rule: &str) -> Result<&str, OAuthError> {
        self.get(name).ok_or_else(|| {
            OAuthError::invalid_request(format!("parameter `{name}` is missing ({rule})"))
        })
    }

    /// How many distinct parameters there are.
    pub fn count(&self) -> usize {
        self.single.len() + self.repeated.len()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// The media type of a request, without parameters such as `charset`.
fn media_type(request: &Request) -> Option<String> {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
}

async fn read_body(request: Request) -> Result<Bytes, OAuthError> {
    Bytes::from_request(request, &())
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                OAuthError::payload_too_large(BODY_LIMIT)
            } else {
                OAuthError::invalid_request(format!(
                    "the request body could not be read: {} (RFC 9110 section 6.4)",
                    rejection.body_text()
                ))
            }
        })
}

/// A form-encoded body. An empty body without a content type is an empty form (a POST to
/// /userinfo with only an Authorization header is normal).
#[derive(Debug)]
pub struct FormBody(pub Params);

impl<S: Send + Sync> FromRequest<S> for FormBody {
    type Rejection = OAuthError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let media = media_type(&request);
        let body = read_body(request).await?;
        match media.as_deref() {
            Some("application/x-www-form-urlencoded") => Params::parse(&body).map(FormBody),
            None if body.is_empty() => Ok(FormBody(Params::default())),
            other => Err(OAuthError::invalid_request(format!(
                "the body must be application/x-www-form-urlencoded, not {} \
                 (RFC 6749 section 3.2 and appendix B)",
                other.map_or("a body with no Content-Type".to_owned(), |m| format!(
                    "`{m}`"
                ))
            ))),
        }
    }
}

/// A JSON object body (client metadata, RFC 7591 §3.1).
#[derive(Debug)]
pub struct JsonObject(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = OAuthError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let media = media_type(&request);
        let body = read_body(request).await?;
        if media.as_deref() != Some("application/json") {
            return Err(OAuthError::invalid_client_metadata(format!(
                "client metadata must be sent as application/json, not {} (RFC 7591 section 3.1)",
                media.map_or("a body with no Content-Type".to_owned(), |m| format!(
                    "`{m}`"
                ))
            )));
        }
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(map)) => Ok(JsonObject(map)),
            Ok(_) => Err(OAuthError::invalid_client_metadata(
                "client metadata must be a JSON object (RFC 7591 section 3.1)",
            )),
            Err(err) => Err(OAuthError::invalid_client_metadata(format!(
                "the body is not valid JSON: {err} (RFC 7591 section 3.1)"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_parameters_are_rejected() {
        let err = Params::parse(b"scope=a&client_id=x&scope=b").unwrap_err();
        assert_eq!(err.error, "invalid_request");
        assert!(err.description.contains("`scope` is repeated"));
    }

    #[test]
    fn resource_and_audience_may_repeat() {
        let params =
            Params::parse(b"resource=r1&audience=a1&resource=r2&audience=&audience=a2&audience=a1")
                .unwrap();
        assert_eq!(params.resources(), ["r1", "r2"]);
        assert_eq!(params.audiences(), ["a1", "a2"]);
        assert_eq!(params.count(), 2);
        assert!(Params::parse(b"audience=a&scope=x&scope=y").is_err());
        assert!(Params::default().audiences().is_empty());
    }

    #[test]
    fn empty_values_count_as_absent() {
        let params = Params::parse(b"state=&code=abc+d%2B").unwrap();
        assert_eq!(params.get("state"), None);
        assert_eq!(params.get("code"), Some("abc d+"));
        assert!(params.require("state", "RFC x").is_err());
    }
}
