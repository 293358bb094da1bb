//! The last requests the mock received (`GET /_mock/requests`), so a test can assert what a
//! client sent. Kept in a ring of `limits.logged_requests` entries, each bounded in size.
//!
//! Every request is recorded, and few are ever read: recording copies the request's text into
//! one buffer ([`RecordedRequest`]), and the parsing and masking are done when someone reads
//! the log. What a reader sees has its secrets masked by where they are: the values of secret
//! parameters and JSON members, and credential headers. Never written to the log.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

use axum::http::{HeaderMap, Method, Uri, header};
use serde::Serialize;
use serde_json::Value;

use crate::oauth::secret::{is_secret_name, mask, mask_credential};

/// Longest value kept per parameter or header, in characters; longer ones are cut.
const MAX_VALUE_CHARS: usize = 1024;
/// Most parameters or headers kept per request.
const MAX_ITEMS: usize = 64;
/// Headers whose value is a credential.
const CREDENTIAL_HEADERS: [&str; 4] = ["authorization", "proxy-authorization", "dpop", "cookie"];

/// One request as it was received, secrets masked: what `GET /_mock/requests` shows.
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

/// How a body is shown, by its content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Form,
    Json,
    /// Counted, not shown.
    Other,
}

impl BodyKind {
    fn of(headers: &HeaderMap) -> Self {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let starts = |prefix: &str| {
            content_type
                .get(..prefix.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
        };
        if starts("application/x-www-form-urlencoded") {
            BodyKind::Form
        } else if starts("application/json") {
            BodyKind::Json
        } else {
            BodyKind::Other
        }
    }
}

/// One request as it was received, not yet masked. Its text (path, query, the first
/// [`MAX_ITEMS`] headers and a form or JSON body) sits in one buffer, each header as its name's
/// and value's lengths followed by their bytes. The text holds the request's secrets, so
/// `Debug` shows none of it, and it leaves this module only through [`Self::masked`].
#[derive(Clone)]
pub struct RecordedRequest {
    at: u64,
    method: Method,
    body_kind: BodyKind,
    body_bytes: usize,
    text: Vec<u8>,
    path_end: usize,
    query_end: usize,
    headers_end: usize,
    /// The answer's status, set once the endpoint has answered.
    pub status: u16,
    /// The injected fault that shaped the answer, if any.
    pub fault: Option<String>,
}

/// The bytes of one header's length field (name and value lengths).
const LENGTH_BYTES: usize = 2 * size_of::<usize>();

impl RecordedRequest {
    /// Copies what the log may show of a request; `at` is the mock's clock.
    pub fn new(at: u64, method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Self {
        let path = uri.path().as_bytes();
        let query = uri.query().unwrap_or("").as_bytes();
        let body_kind = BodyKind::of(headers);
        let kept_body = if body_kind == BodyKind::Other {
            &[][..]
        } else {
            body
        };
        let headers_len: usize = headers
            .iter()
            .take(MAX_ITEMS)
            .map(|(name, value)| LENGTH_BYTES + name.as_str().len() + value.len())
            .sum();
        let mut text = Vec::with_capacity(path.len() + query.len() + headers_len + kept_body.len());
        text.extend_from_slice(path);
        let path_end = text.len();
        text.extend_from_slice(query);
        let query_end = text.len();
        for (name, value) in headers.iter().take(MAX_ITEMS) {
            text.extend_from_slice(&name.as_str().len().to_le_bytes());
            text.extend_from_slice(&value.len().to_le_bytes());
            text.extend_from_slice(name.as_str().as_bytes());
            text.extend_from_slice(value.as_bytes());
        }
        let headers_end = text.len();
        text.extend_from_slice(kept_body);
        RecordedRequest {
            at,
            method: method.clone(),
            body_kind,
            body_bytes: body.len(),
            text,
            path_end,
            query_end,
            headers_end,
            status: 0,
            fault: None,
        }
    }

    /// The headers as recorded: name and value bytes, in the order received.
    fn headers(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        let mut rest = &self.text[self.query_end..self.headers_end];
        std::iter::from_fn(move || {
            let (lengths, tail) = rest.split_first_chunk::<LENGTH_BYTES>()?;
            let (name_len, value_len) = lengths.split_at(size_of::<usize>());
            let name_len = usize::from_le_bytes(name_len.try_into().ok()?);
            let value_len = usize::from_le_bytes(value_len.try_into().ok()?);
            let (name, tail) = tail.split_at_checked(name_len)?;
            let (value, tail) = tail.split_at_checked(value_len)?;
            rest = tail;
            Some((name, value))
        })
    }

    /// What the log shows of this request; `issuer_path` is put back before the path the
    /// router saw (inside an issuer's path the router sees the path without it).
    pub fn masked(&self, issuer_path: &str) -> LoggedRequest {
        let path = String::from_utf8_lossy(&self.text[..self.path_end]);
        let body = &self.text[self.headers_end..];
        LoggedRequest {
            at: self.at,
            method: self.method.to_string(),
            path: format!("{issuer_path}{path}"),
            query: masked_pairs(&self.text[self.path_end..self.query_end]),
            headers: masked_headers(self.headers()),
            form: (self.body_kind == BodyKind::Form).then(|| masked_pairs(body)),
            json: match self.body_kind {
                BodyKind::Json => serde_json::from_slice(body).ok().map(|v| masked_json(&v)),
                BodyKind::Form | BodyKind::Other => None,
            },
            body_bytes: self.body_bytes,
            status: self.status,
            fault: self.fault.clone(),
        }
    }
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordedRequest")
            .field("at", &self.at)
            .field("method", &self.method)
            .field("status", &self.status)
            .field("body_bytes", &self.body_bytes)
            .finish_non_exhaustive()
    }
}

fn cut(value: &str) -> String {
    if value.chars().count() <= MAX_VALUE_CHARS {
        return value.to_owned();
    }
    let kept: String = value.chars().take(MAX_VALUE_CHARS).collect();
    format!("{kept}… (cut)")
}

/// Name/value pairs of a query or form, secret values masked.
fn masked_pairs(raw: &[u8]) -> Vec<(String, String)> {
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
fn masked_headers<'a>(
    headers: impl Iterator<Item = (&'a [u8], &'a [u8])>,
) -> Vec<(String, String)> {
    headers
        .map(|(name, value)| {
            let name = String::from_utf8_lossy(name).into_owned();
            let text = String::from_utf8_lossy(value);
            let shown = if CREDENTIAL_HEADERS.contains(&name.as_str()) {
                mask_credential(&text)
            } else {
                cut(&text)
            };
            (name, shown)
        })
        .collect()
}

/// A JSON document with the values of secret members masked, at any depth.
fn masked_json(value: &Value) -> Value {
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

/// The ring of recent requests.
#[derive(Debug)]
pub struct RequestLog {
    ring: Mutex<VecDeque<RecordedRequest>>,
    cap: usize,
}

impl RequestLog {
    pub fn new(cap: usize) -> Self {
        RequestLog {
            ring: Mutex::new(VecDeque::new()),
            cap,
        }
    }

    fn lock(&self) -> MutexGuard<'_, VecDeque<RecordedRequest>> {
        self.ring.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn push(&self, request: RecordedRequest) {
        // Every request pushes: the evicted entry is freed after the lock is let go, so
        // concurrent requests do not queue behind the deallocation.
        let evicted = {
            let mut ring = self.lock();
            let evicted = (ring.len() >= self.cap).then(|| ring.pop_front()).flatten();
            ring.push_back(request);
            evicted
        };
        drop(evicted);
    }

    /// The last `limit` requests, oldest first, masked (outside the lock, so requests keep
    /// being recorded meanwhile); `issuer_path` as for [`RecordedRequest::masked`].
    pub fn last(&self, limit: usize, issuer_path: &str) -> Vec<LoggedRequest> {
        let recorded: Vec<RecordedRequest> = {
            let ring = self.lock();
            let skip = ring.len().saturating_sub(limit);
            ring.iter().skip(skip).cloned().collect()
        };
        recorded.iter().map(|r| r.masked(issuer_path)).collect()
    }

    pub fn clear(&self) -> usize {
        std::mem::take(&mut *self.lock()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn record(uri: &str, headers: &[(&str, &str)], body: &[u8]) -> RecordedRequest {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        RecordedRequest::new(7, &Method::POST, &uri.parse().unwrap(), &map, body)
    }

    #[test]
    fn secrets_are_masked_by_where_they_are() {
        let form = record(
            "/token",
            &[
                ("authorization", "Basic ZGVtbzpzZWNyZXQ="),
                ("accept", "application/json"),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            b"grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&client_secret=s%3Dcr%2Bt",
        )
        .masked("");
        let pairs = form.form.unwrap();
        assert_eq!(pairs[0], ("grant_type".into(), "authorization_code".into()));
        assert!(!pairs[1].1.contains("SplxlOBe"), "{pairs:?}");
        assert!(!pairs[2].1.contains("cr+t") && !pairs[2].1.contains("cr%2Bt"));
        let shown = &form.headers;
        assert!(shown[0].1.starts_with("Basic ") && !shown[0].1.contains("ZGVtbz"));
        assert_eq!(shown[1].1, "application/json");
        let json = record(
            "/register",
            &[("content-type", "Application/JSON; charset=utf-8")],
            br#"{"client_name": "x", "nested": [{"client_secret": "hunter2"}]}"#,
        )
        .masked("")
        .json
        .unwrap();
        assert_eq!(json["client_name"], "x");
        assert_ne!(json["nested"][0]["client_secret"], "hunter2");
    }

    #[test]
    fn the_view_is_the_request_as_sent() {
        let long = "x".repeat(MAX_VALUE_CHARS + 10);
        let mut recorded = record(
            "/userinfo?code=abc&view=full",
            &[
                ("accept", "text/plain"),
                ("x-long", &long),
                ("accept", "application/json"),
                (
                    "dpop",
                    "eyJhbGciOiJFUzI1NiJ9.e30.c2lnbmF0dXJlLXNpZ25hdHVyZQ",
                ),
                ("content-type", "text/plain"),
            ],
            b"not shown, only counted",
        );
        recorded.status = 401;
        recorded.fault = Some("http_500".into());
        assert_eq!(
            recorded.masked("/tenant"),
            LoggedRequest {
                at: 7,
                method: "POST".into(),
                path: "/tenant/userinfo".into(),
                query: vec![("code".into(), mask("abc")), ("view".into(), "full".into())],
                // Values of one name together, as a header map keeps them.
                headers: vec![
                    ("accept".into(), "text/plain".into()),
                    ("accept".into(), "application/json".into()),
                    ("x-long".into(), cut(&long)),
                    (
                        "dpop".into(),
                        mask_credential("eyJhbGciOiJFUzI1NiJ9.e30.c2lnbmF0dXJlLXNpZ25hdHVyZQ")
                    ),
                    ("content-type".into(), "text/plain".into()),
                ],
                form: None,
                json: None,
                body_bytes: 23,
                status: 401,
                fault: Some("http_500".into()),
            }
        );
        assert!(cut(&long).ends_with("… (cut)"));
    }

    #[test]
    fn headers_and_pairs_are_bounded() {
        let names: Vec<String> = (0..MAX_ITEMS + 6).map(|i| format!("x-h{i}")).collect();
        let headers: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "v")).collect();
        let query: String = (0..MAX_ITEMS + 6).map(|i| format!("p{i}=v&")).collect();
        let shown = record(&format!("/jwks?{query}"), &headers, b"").masked("");
        assert_eq!(shown.headers.len(), MAX_ITEMS);
        assert_eq!(
            shown.headers[MAX_ITEMS - 1].0,
            format!("x-h{}", MAX_ITEMS - 1)
        );
        assert_eq!(shown.query.len(), MAX_ITEMS);
    }

    #[test]
    fn debug_shows_no_part_of_the_request() {
        let recorded = record(
            "/token?code=c0de-in-query",
            &[("authorization", "Bearer t0ken-in-header")],
            b"client_secret=s3cret-in-body",
        );
        let log = RequestLog::new(1);
        log.push(recorded.clone());
        let debug = format!("{recorded:?} {log:?}");
        for secret in ["c0de", "t0ken", "s3cret"] {
            assert!(!debug.contains(secret), "{debug}");
        }
    }

    #[test]
    fn the_ring_keeps_the_last_entries() {
        let log = RequestLog::new(2);
        for at in 0..5 {
            let mut recorded = record("/jwks", &[], b"");
            recorded.at = at;
            log.push(recorded);
        }
        let last = log.last(10, "");
        assert_eq!(last.iter().map(|r| r.at).collect::<Vec<_>>(), vec![3, 4]);
        assert_eq!(log.last(1, "")[0].at, 4);
        assert_eq!(cut(&"x".repeat(5000)).chars().count(), MAX_VALUE_CHARS + 7);
        assert_eq!(log.clear(), 2);
        assert!(log.last(10, "").is_empty());
    }
}
