//! The last requests the mock received (`GET /_mock/requests`), so a test can assert what a
//! client sent. Kept in a ring of `limits.logged_requests` entries, each bounded in size, with
//! secrets masked by where they are: the values of secret parameters and JSON members, and
//! credential headers. Never written to the log.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};

use axum::http::{HeaderMap, header};
use serde::Serialize;
use serde_json::Value;

use crate::oauth::secret::{is_secret_name, mask, mask_credential};

/// Longest value kept per parameter or header, in characters; longer ones are cut.
const MAX_VALUE_CHARS: usize = 1024;
/// Most parameters or headers kept per request.
const MAX_ITEMS: usize = 64;
/// Headers whose value is a credential.
const CREDENTIAL_HEADERS: [&str; 4] = ["authorization", "proxy-authorization", "dpop", "cookie"];

/// One request as it was received, secrets masked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoggedRequest {
    /// The mock's clock, in seconds since the Unix epoch.
    pub at: u64,
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    /// The form body's parameters, for `application/x-www-form-urlencoded` bodies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub form: Option<Vec<(String, String)>>,
    /// A JSON body (client registration), when it is small enough to keep.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub json: Option<Value>,
    pub body_bytes: usize,
    pub status: u16,
    /// The injected fault that shaped the answer, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
}

fn cut(value: &str) -> String {
    if value.chars().count() <= MAX_VALUE_CHARS {
        return value.to_owned();
    }
    let kept: String = value.chars().take(MAX_VALUE_CHARS).collect();
    format!("{kept}… (cut)")
}

/// Name/value pairs of a query or form, secret values masked.
pub fn masked_pairs(raw: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw)
        .take(MAX_ITEMS)
        .map(|(name, value)| {
            let shown = if is_secret_name(&name) {
                mask(&value)
            } else {
                cut(&value)
            };
            (cut(&name), shown)
        })
        .collect()
}

/// Request headers, credentials masked with their scheme kept.
pub fn masked_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .take(MAX_ITEMS)
        .map(|(name, value)| {
            let text = String::from_utf8_lossy(value.as_bytes());
            let shown = if CREDENTIAL_HEADERS.contains(&name.as_str()) {
                mask_credential(&text)
            } else {
                cut(&text)
            };
            (name.as_str().to_owned(), shown)
        })
        .collect()
}

/// A JSON document with the values of secret members masked, at any depth.
pub fn masked_json(value: &Value) -> Value {
    match value {
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(name, member)| {
                    let shown = match member {
                        Value::String(secret) if is_secret_name(name) => {
                            Value::String(mask(secret))
                        }
                        other => masked_json(other),
                    };
                    (name.clone(), shown)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(masked_json).collect()),
        Value::String(text) => Value::String(cut(text)),
        other => other.clone(),
    }
}

/// The body's content, read by its content type.
pub fn body_parts(
    headers: &HeaderMap,
    body: &[u8],
) -> (Option<Vec<(String, String)>>, Option<Value>) {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        (Some(masked_pairs(body)), None)
    } else if content_type.starts_with("application/json") {
        let json = serde_json::from_slice(body).ok().map(|v| masked_json(&v));
        (None, json)
    } else {
        (None, None)
    }
}

/// The ring of recent requests.
#[derive(Debug)]
pub struct RequestLog {
    ring: Mutex<VecDeque<LoggedRequest>>,
    cap: usize,
}

impl RequestLog {
    pub fn new(cap: usize) -> Self {
        RequestLog {
            ring: Mutex::new(VecDeque::new()),
            cap,
        }
    }

    fn lock(&self) -> MutexGuard<'_, VecDeque<LoggedRequest>> {
        self.ring.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn push(&self, request: LoggedRequest) {
        // Every request pushes: the evicted entry's strings are freed after the lock is let
        // go, so concurrent requests do not queue behind the deallocation.
        let evicted = {
            let mut ring = self.lock();
            let evicted = (ring.len() >= self.cap).then(|| ring.pop_front()).flatten();
            ring.push_back(request);
            evicted
        };
        drop(evicted);
    }

    /// The last `limit` requests, oldest first.
    pub fn last(&self, limit: usize) -> Vec<LoggedRequest> {
        let ring = self.lock();
        let skip = ring.len().saturating_sub(limit);
        ring.iter().skip(skip).cloned().collect()
    }

    pub fn clear(&self) -> usize {
        std::mem::take(&mut *self.lock()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_masked_by_where_they_are() {
        let pairs = masked_pairs(
            b"grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&client_secret=s%3Dcr%2Bt",
        );
        assert_eq!(pairs[0], ("grant_type".into(), "authorization_code".into()));
        assert!(!pairs[1].1.contains("SplxlOBe"), "{pairs:?}");
        assert!(!pairs[2].1.contains("cr+t") && !pairs[2].1.contains("cr%2Bt"));
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            "Basic ZGVtbzpzZWNyZXQ=".parse().unwrap(),
        );
        headers.insert(header::ACCEPT, "application/json".parse().unwrap());
        let shown = masked_headers(&headers);
        assert!(shown[0].1.starts_with("Basic ") && !shown[0].1.contains("ZGVtbz"));
        assert_eq!(shown[1].1, "application/json");
        let json =
            masked_json(&json!({"client_name": "x", "nested": [{"client_secret": "hunter2"}]}));
        assert_eq!(json["client_name"], "x");
        assert_ne!(json["nested"][0]["client_secret"], "hunter2");
    }

    #[test]
    fn the_ring_keeps_the_last_entries() {
        let log = RequestLog::new(2);
        for at in 0..5 {
            log.push(LoggedRequest {
                at,
                method: "GET".into(),
                path: "/jwks".into(),
                query: vec![],
                headers: vec![],
                form: None,
                json: None,
                body_bytes: 0,
                status: 200,
                fault: None,
            });
        }
        let last = log.last(10);
        assert_eq!(last.iter().map(|r| r.at).collect::<Vec<_>>(), vec![3, 4]);
        assert_eq!(log.last(1)[0].at, 4);
        assert_eq!(cut(&"x".repeat(5000)).chars().count(), MAX_VALUE_CHARS + 7);
    }
}
