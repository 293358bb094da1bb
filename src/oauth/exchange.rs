//! One HTTP request and its response, as the user sees it: the unit of evidence.
//!
//! Every request the engine sends is recorded as an [`Exchange`]. An exchange records *where*
//! its secrets are ([`SecretPlace`]: a query or form pair by name, a JSON member by path, the
//! credential of an `Authorization` header, the pairs of a redirect URL) and builds its masked
//! view from that structure: a form is decoded, the value masked, the form re-encoded; a JSON
//! document is parsed, the member replaced, the document serialised. Nothing is found by
//! searching text, so a percent-encoded or JSON-escaped secret is masked like any other.
//!
//! What cannot be masked by structure: a body the server sent as free text (an HTML error
//! page, a plain-text message). Such a body is shown as the server sent it; a server that
//! echoes a secret into free text shows it there. Errors the engine writes itself quote only
//! masked parts (the masked URL, the masked body).

use std::fmt;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::secret::{is_secret_name, mask, mask_credential};

/// Where in an exchange a secret value sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretPlace {
    /// A query or fragment pair of the request URL, by name.
    UrlParam(String),
    /// The credential of a request header: for `Basic` the whole credential, for `Bearer` and
    /// `DPoP` the token; for any other scheme the whole value.
    RequestHeader(String),
    /// A form pair of the request body, by name.
    RequestForm(String),
    /// A member of the JSON request body, by path of member names.
    RequestJson(Vec<String>),
    /// A query or fragment pair inside a URL-valued response header (`Location`).
    ResponseHeaderParam { header: String, name: String },
    /// A form pair of a form-encoded response body, by name.
    ResponseForm(String),
    /// A member of the JSON response body, by path of member names.
    ResponseJson(Vec<String>),
}

#[derive(Clone, Serialize)]
pub struct Exchange {
    pub started_at: SystemTime,
    pub method: String,
    pub url: String,
    pub request_headers: Vec<(String, String)>,
    pub request_body: Option<String>,
    /// `None` when no response arrived (connection refused, timeout...): see `error`.
    pub status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    pub response_body: Option<String>,
    pub duration: Duration,
    pub error: Option<String>,
    /// Where the secrets in this exchange are. Never serialized.
    #[serde(skip)]
    pub secret_places: Vec<SecretPlace>,
}

impl Exchange {
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Self {
        Exchange {
            started_at: SystemTime::now(),
            method: method.into(),
            url: url.into(),
            request_headers: Vec::new(),
            request_body: None,
            status: None,
            response_headers: Vec::new(),
            response_body: None,
            duration: Duration::ZERO,
            error: None,
            secret_places: Vec::new(),
        }
    }

    /// Records one place that holds a secret.
    pub fn mark(&mut self, place: SecretPlace) {
        if !self.secret_places.contains(&place) {
            self.secret_places.push(place);
        }
    }

    /// Finds the places that hold secrets by the one rule ([`is_secret_name`]) plus `extra`
    /// names (params or headers a request marked secret), in every part recorded so far.
    pub fn locate_secrets(&mut self, extra: &[String]) {
        let secret =
            |name: &str| is_secret_name(name) || extra.iter().any(|e| e.eq_ignore_ascii_case(name));
        let mut places = Vec::new();
        for name in url_param_names(&self.url) {
            if secret(&name) {
                places.push(SecretPlace::UrlParam(name));
            }
        }
        for (name, _) in &self.request_headers {
            if name.eq_ignore_ascii_case("authorization") || secret(name) {
                places.push(SecretPlace::RequestHeader(name.to_ascii_lowercase()));
            }
        }
        if let Some(body) = &self.request_body {
            let form = header(&self.request_headers, "content-type").is_none_or(is_form_type);
            match serde_json::from_str::<serde_json::Value>(body) {
                Ok(json) => json_paths(&json, &secret, &mut Vec::new(), &mut |p| {
                    places.push(SecretPlace::RequestJson(p))
                }),
                Err(_) if form => places.extend(
                    form_names(body)
                        .filter(|n| secret(n))
                        .map(SecretPlace::RequestForm),
                ),
                Err(_) => {}
            }
        }
        for (header, value) in &self.response_headers {
            if header.eq_ignore_ascii_case("location")
                || header.eq_ignore_ascii_case("content-location")
            {
                for name in url_param_names(value) {
                    if secret(&name) {
                        places.push(SecretPlace::ResponseHeaderParam {
                            header: header.to_ascii_lowercase(),
                            name,
                        });
                    }
                }
            }
        }
        if let Some(body) = &self.response_body {
            if let Ok(json) = serde_json::from_str::<serde_json::Value>(body) {
                json_paths(&json, &secret, &mut Vec::new(), &mut |p| {
                    places.push(SecretPlace::ResponseJson(p))
                });
            } else if self
                .response_header("content-type")
                .is_some_and(is_form_type)
            {
                places.extend(
                    form_names(body)
                        .filter(|n| secret(n))
                        .map(SecretPlace::ResponseForm),
                );
            }
        }
        for place in places {
            self.mark(place);
        }
    }

    /// The request URL with its secret pairs masked.
    pub fn masked_url(&self) -> String {
        let names = self.names(|p| match p {
            SecretPlace::UrlParam(n) => Some(n),
            _ => None,
        });
        mask_url(&self.url, &names)
    }

    /// The response body with its secret members or pairs masked.
    pub fn masked_response_body(&self) -> Option<String> {
        let body = self.response_body.as_deref()?;
        let paths = self.paths(|p| match p {
            SecretPlace::ResponseJson(path) => Some(path),
            _ => None,
        });
        let names = self.names(|p| match p {
            SecretPlace::ResponseForm(n) => Some(n),
            _ => None,
        });
        Some(mask_body(body, &paths, &names))
    }

    /// A copy with every secret masked in the URL, headers and bodies: safe to show or export.
    pub fn redacted(&self) -> Exchange {
        let credential_headers = self.names(|p| match p {
            SecretPlace::RequestHeader(n) => Some(n),
            _ => None,
        });
        let request_headers = self
            .request_headers
            .iter()
            .map(|(k, v)| {
                let secret = credential_headers.iter().any(|h| h.eq_ignore_ascii_case(k));
                (
                    k.clone(),
                    if secret {
                        mask_credential(v)
                    } else {
                        v.clone()
                    },
                )
            })
            .collect();
        let response_headers = self
            .response_headers
            .iter()
            .map(|(k, v)| {
                let names = self.names(|p| match p {
                    SecretPlace::ResponseHeaderParam { header, name }
                        if header.eq_ignore_ascii_case(k) =>
                    {
                        Some(name)
                    }
                    _ => None,
                });
                (
                    k.clone(),
                    if names.is_empty() {
                        v.clone()
                    } else {
                        mask_url(v, &names)
                    },
                )
            })
            .collect();
        let paths = self.paths(|p| match p {
            SecretPlace::RequestJson(path) => Some(path),
            _ => None,
        });
        let names = self.names(|p| match p {
            SecretPlace::RequestForm(n) => Some(n),
            _ => None,
        });
        let request_body = self
            .request_body
            .as_deref()
            .map(|body| mask_body(body, &paths, &names));
        Exchange {
            url: self.masked_url(),
            request_headers,
            request_body,
            response_headers,
            response_body: self.masked_response_body(),
            secret_places: Vec::new(),
            ..self.clone()
        }
    }

    fn paths(&self, pick: impl Fn(&SecretPlace) -> Option<&Vec<String>>) -> Vec<&Vec<String>> {
        self.secret_places.iter().filter_map(pick).collect()
    }

    fn names(&self, pick: impl Fn(&SecretPlace) -> Option<&String>) -> Vec<&str> {
        self.secret_places
            .iter()
            .filter_map(|p| pick(p).map(String::as_str))
            .collect()
    }

    /// The request as a curl command a user can paste into a shell.
    /// With `reveal == false` secrets are masked (the command then will not work as is).
    pub fn to_curl(&self, reveal: bool) -> String {
        let shown = if reveal {
            self.clone()
        } else {
            self.redacted()
        };
        let mut cmd = String::from("curl");
        if shown.method != "GET" {
            cmd.push_str(&format!(" -X {}", shown.method));
        }
        cmd.push(' ');
        cmd.push_str(&shell_quote(&shown.url));
        for (name, value) in &shown.request_headers {
            cmd.push_str(&format!(
                " \\\n  -H {}",
                shell_quote(&format!("{name}: {value}"))
            ));
        }
        if let Some(body) = &shown.request_body {
            cmd.push_str(&format!(" \\\n  --data-raw {}", shell_quote(body)));
        }
        cmd
    }

    /// True when a response arrived with a 2xx status.
    pub fn is_success(&self) -> bool {
        matches!(self.status, Some(200..=299))
    }

    /// The response header `name` (case-insensitive), if present.
    pub fn response_header(&self, name: &str) -> Option<&str> {
        header(&self.response_headers, name)
    }

    /// A request header as sent (the DPoP proof a step carried, say).
    pub fn request_header(&self, name: &str) -> Option<&str> {
        header(&self.request_headers, name)
    }
}

/// Debug shows the masked view: an exchange in a log or a panic message leaks nothing.
impl fmt::Debug for Exchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self.redacted();
        f.debug_struct("Exchange")
            .field("method", &shown.method)
            .field("url", &shown.url)
            .field("request_headers", &shown.request_headers)
            .field("request_body", &shown.request_body)
            .field("status", &shown.status)
            .field("response_headers", &shown.response_headers)
            .field("response_body", &shown.response_body)
            .field("duration", &shown.duration)
            .field("error", &shown.error)
            .finish_non_exhaustive()
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn is_form_type(content_type: &str) -> bool {
    content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("application/x-www-form-urlencoded")
}

/// A URL split into what precedes its query, its query and its fragment (as written).
fn split_url(url: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, fragment) = match url.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (url, None),
    };
    let (base, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    (base, query, fragment)
}

/// The names of the pairs in a URL's query and fragment (an implicit or hybrid response
/// carries its tokens in the fragment).
fn url_param_names(url: &str) -> Vec<String> {
    let (_, query, fragment) = split_url(url);
    query
        .into_iter()
        .chain(fragment)
        .flat_map(form_names)
        .collect()
}

fn form_names(form: &str) -> impl Iterator<Item = String> + '_ {
    url::form_urlencoded::parse(form.as_bytes()).map(|(k, _)| k.into_owned())
}

/// Masks the values of the pairs called `names` in a form (or a query): each `&`-separated
/// pair is decoded, and a secret one rewritten as `name=<mask>`; every other pair is kept
/// byte for byte as it was written.
fn mask_form(form: &str, names: &[&str]) -> String {
    if names.is_empty() {
        return form.to_string();
    }
    form.split('&')
        .map(|pair| {
            let decoded = url::form_urlencoded::parse(pair.as_bytes()).next();
            match decoded {
                Some((name, value)) if names.iter().any(|n| n.eq_ignore_ascii_case(&name)) => {
                    let raw_name = pair.split('=').next().unwrap_or_default();
                    format!("{raw_name}={}", mask(&value))
                }
                _ => pair.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A body with the JSON members at `paths` masked, or else the form pairs called `names`.
fn mask_body(body: &str, paths: &[&Vec<String>], names: &[&str]) -> String {
    if paths.is_empty() {
        mask_form(body, names)
    } else {
        mask_json(body, paths)
    }
}

/// A URL with the pairs called `names` in its query and fragment masked.
pub fn mask_url(url: &str, names: &[&str]) -> String {
    if names.is_empty() {
        return url.to_string();
    }
    let (base, query, fragment) = split_url(url);
    let mut out = base.to_string();
    if let Some(query) = query {
        out.push('?');
        out.push_str(&mask_form(query, names));
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(&mask_form(fragment, names));
    }
    out
}

/// A JSON document with the members at `paths` masked, re-serialised.
fn mask_json(body: &str, paths: &[&Vec<String>]) -> String {
    let Ok(mut json) = serde_json::from_str::<serde_json::Value>(body) else {
        // The places were found by parsing this very body, so this does not happen; if it
        // did, showing nothing is the safe answer.
        return "[body hidden: it holds secrets]".to_string();
    };
    for path in paths {
        if let Some(slot) = path.iter().try_fold(&mut json, |v, key| v.get_mut(key)) {
            let masked = match &*slot {
                serde_json::Value::String(s) => mask(s),
                other => mask(&other.to_string()),
            };
            *slot = serde_json::Value::String(masked);
        }
    }
    json.to_string()
}

/// Calls `found` with the path of every member (at any depth of objects) whose name is secret.
fn json_paths(
    json: &serde_json::Value,
    secret: &dyn Fn(&str) -> bool,
    path: &mut Vec<String>,
    found: &mut dyn FnMut(Vec<String>),
) {
    let Some(object) = json.as_object() else {
        return;
    };
    for (key, value) in object {
        path.push(key.clone());
        if secret(key) && !value.is_null() {
            found(path.clone());
        } else {
            json_paths(value, secret, path, found);
        }
        path.pop();
    }
}

/// Single-quotes a string for POSIX shells.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token_exchange() -> Exchange {
        let mut ex = Exchange::new("POST", "http://127.0.0.1:9000/token");
        ex.request_headers.push((
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        ));
        ex.request_body = Some("grant_type=authorization_code&code=SECRETCODE123".into());
        ex.locate_secrets(&[]);
        ex
    }

    #[test]
    fn curl_masks_secrets_unless_revealed() {
        let ex = token_exchange();
        let masked = ex.to_curl(false);
        assert!(!masked.contains("SECRETCODE123"), "{masked}");
        assert!(masked.contains("code=•••••• (13 chars)"), "{masked}");
        assert!(masked.starts_with("curl -X POST 'http://127.0.0.1:9000/token'"));
        assert!(ex.to_curl(true).contains("code=SECRETCODE123"));
    }

    #[test]
    fn curl_quotes_single_quotes() {
        let mut ex = Exchange::new("GET", "http://h/x?a='b'");
        ex.request_body = None;
        assert_eq!(ex.to_curl(true), r"curl 'http://h/x?a='\''b'\'''");
    }

    #[test]
    fn percent_encoded_form_secrets_are_masked() {
        let mut ex = Exchange::new("POST", "http://as/token");
        ex.request_body =
            Some("grant_type=client_credentials&client_secret=s3cr%2Ft%2Bv4lue%3D%3D".into());
        ex.locate_secrets(&[]);
        let body = ex.redacted().request_body.unwrap();
        assert_eq!(
            body,
            "grant_type=client_credentials&client_secret=•••••• (14 chars)"
        );
    }

    #[test]
    fn json_escaped_response_members_are_masked() {
        let mut ex = Exchange::new("POST", "http://as/token");
        ex.response_headers
            .push(("content-type".into(), "application/json".into()));
        ex.response_body = Some(r#"{"access_token":"tok\/en-value","token_type":"Bearer"}"#.into());
        ex.locate_secrets(&[]);
        let body = ex.redacted().response_body.unwrap();
        assert!(
            !body.contains(r"tok\/en") && !body.contains("tok/en"),
            "{body}"
        );
        assert!(body.contains("\"token_type\":\"Bearer\""), "{body}");
    }

    #[test]
    fn nested_json_members_are_masked() {
        let mut ex = Exchange::new("POST", "http://as/register");
        ex.request_body = Some(r#"{"software":{"client_secret":"abc"}}"#.into());
        ex.request_headers
            .push(("Content-Type".into(), "application/json".into()));
        ex.locate_secrets(&[]);
        assert_eq!(
            ex.redacted().request_body.unwrap(),
            r#"{"software":{"client_secret":"•••••• (3 chars)"}}"#
        );
    }

    #[test]
    fn redirect_locations_mask_query_and_fragment_pairs() {
        let mut ex = Exchange::new("GET", "http://as/authorize?client_id=app");
        ex.status = Some(302);
        ex.response_headers.push((
            "Location".into(),
            "http://127.0.0.1:8080/cb?code=c%2Fd%2Bvalue&state=xyz#access_token=tok".into(),
        ));
        ex.locate_secrets(&[]);
        let shown = ex.redacted();
        assert_eq!(
            shown.response_header("location"),
            Some(
                "http://127.0.0.1:8080/cb?code=•••••• (9 chars)&state=xyz#access_token=•••••• (3 chars)"
            )
        );
        assert_eq!(shown.url, "http://as/authorize?client_id=app");
    }

    #[test]
    fn bearer_and_basic_credentials_are_masked_with_their_scheme() {
        let mut ex = Exchange::new("GET", "http://rs/userinfo");
        ex.request_headers
            .push(("Authorization".into(), "Bearer abc.def".into()));
        ex.request_headers.push(("X-Api-Key".into(), "k3y".into()));
        ex.locate_secrets(&["x-api-key".into()]);
        let shown = ex.redacted();
        assert_eq!(shown.request_headers[0].1, "Bearer •••••• (7 chars)");
        assert_eq!(shown.request_headers[1].1, "•••••• (3 chars)");
    }

    #[test]
    fn form_encoded_responses_are_masked() {
        let mut ex = Exchange::new("POST", "http://as/token");
        ex.response_headers.push((
            "Content-Type".into(),
            "application/x-www-form-urlencoded; charset=utf-8".into(),
        ));
        ex.response_body = Some("access_token=gho%2F16C7e42F292c&scope=repo".into());
        ex.locate_secrets(&[]);
        assert_eq!(
            ex.redacted().response_body.unwrap(),
            "access_token=•••••• (16 chars)&scope=repo"
        );
    }

    #[test]
    fn debug_shows_the_masked_view() {
        let ex = token_exchange();
        let shown = format!("{ex:?}");
        assert!(!shown.contains("SECRETCODE123"), "{shown}");
        assert!(shown.contains("grant_type=authorization_code"), "{shown}");
    }
}
