//! Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document): a `client_id`
//! that is an https URL names a JSON document, served there by the client, holding its
//! metadata. The mock fetches it when the client first shows up (at /authorize, /par, /token
//! or any endpoint that authenticates clients), checks it as the draft says, and keeps the
//! client in the store like a registered one.
//!
//! Fetching someone else's URL is done carefully (`fetch.rs`): https only (plain http on
//! loopback only under `--allow-loopback-cimd`), no redirects followed, a few seconds at most
//! and a few kilobytes at most. A document is trusted for its `Cache-Control: max-age`, clamped to
//! [`MIN_FRESH_SECS`, `MAX_FRESH_SECS`], then fetched again on the next request. At most
//! [`MAX_DOCUMENTS`] clients are known this way; past that, the one going stale first is
//! dropped (its tokens with it).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Map, Value};

use super::app::App;
use super::config::{AuthMethod, GRANT_AUTHORIZATION_CODE, GRANT_REFRESH_TOKEN};
use super::fetch::{self, Fetcher};
use super::state::{Client, allowed_scopes};

/// The draft recommends a limit of 5 kilobytes for a document.
pub const MAX_DOCUMENT_BYTES: usize = 5 * 1024;
/// Freshness bounds, whatever `Cache-Control` says; without `max-age`, the default.
pub const MIN_FRESH_SECS: u64 = 30;
pub const DEFAULT_FRESH_SECS: u64 = 300;
pub const MAX_FRESH_SECS: u64 = 24 * 3600;
/// Clients known from documents at once.
pub const MAX_DOCUMENTS: usize = 1000;

const DRAFT: &str = "draft-ietf-oauth-client-id-metadata-document";

/// A document that could not be used, with the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CimdError(pub String);

fn rule(section: &str, text: String) -> CimdError {
    CimdError(format!("{text} ({DRAFT}, \"{section}\")"))
}

/// What has been fetched: client_id to the moment its document goes stale.
#[derive(Default)]
pub struct Cimd {
    fresh_until: Mutex<HashMap<String, u64>>,
}

impl Cimd {
    /// Whether a `client_id` names a metadata document (an http(s) URL).
    pub fn names_document(client_id: &str) -> bool {
        client_id.starts_with("https://") || client_id.starts_with("http://")
    }

    /// Makes sure the client a request names is in the store when its `client_id` is a
    /// document URL: fetched now unless a fresh copy is there. Other clients are left alone.
    pub async fn prepare(&self, app: &App, client_id: Option<&str>) -> Result<(), CimdError> {
        let Some(client_id) = client_id.filter(|id| Self::names_document(id)) else {
            return Ok(());
        };
        let now = app.now();
        let known = self.lock().get(client_id).copied();
        match known {
            Some(until) if until > now => return Ok(()),
            // A configured or registered client whose id happens to be a URL.
            None if app.store.lock().client(client_id).is_some() => return Ok(()),
            _ => {}
        }
        let url = check_url(&app.fetcher, client_id)?;
        let fetched = app
            .fetcher
            .json_object(url, "the client metadata document", MAX_DOCUMENT_BYTES)
            .await
            .map_err(|text| rule("Client Metadata", text))?;
        let client = client_from(client_id, &fetched.document)?;
        let fresh = fetch::freshness(
            fetched.max_age,
            DEFAULT_FRESH_SECS,
            MIN_FRESH_SECS,
            MAX_FRESH_SECS,
        );
        let mut fresh_until = self.lock();
        let mut store = app.store.lock();
        if !fresh_until.contains_key(client_id) && fresh_until.len() >= MAX_DOCUMENTS {
            let stalest = fresh_until
                .iter()
                .min_by_key(|(_, until)| **until)
                .map(|(id, _)| id.clone());
            if let Some(stalest) = stalest {
                fresh_until.remove(&stalest);
                store.clients.remove(&stalest);
            }
        }
        fresh_until.insert(client_id.to_owned(), now.saturating_add(fresh));
        store.clients.insert(client_id.to_owned(), Arc::new(client));
        tracing::info!(
            client_id,
            fresh_secs = fresh,
            "client metadata document fetched"
        );
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, u64>> {
        // A poisoned lock means a panic elsewhere mid-insert; the map itself is still sound.
        self.fresh_until.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The client_id URL rules: those of every fetched URL (`fetch.rs`), then a path, and no
/// dot segments.
fn check_url(fetcher: &Fetcher, client_id: &str) -> Result<url::Url, CimdError> {
    let bad = |why: &str| {
        rule(
            "Client Identifier",
            format!("client_id `{client_id}` {why}"),
        )
    };
    let url = fetcher.check_url(client_id).map_err(|why| bad(&why))?;
    // Url::parse has already resolved dot segments away: compare with the text sent.
    let raw_path = client_id
        .split_once("://")
        .map(|(_, rest)| rest)
        .and_then(|rest| rest.find('/').map(|at| &rest[at..]))
        .unwrap_or("");
    let raw_path = raw_path.split(['?', '#']).next().unwrap_or("");
    if raw_path
        .split('/')
        .any(|segment| segment == "." || segment == "..")
    {
        return Err(bad(
            "must not contain single-dot or double-dot path segments",
        ));
    }
    if url.path() == "/" || url.path().is_empty() {
        return Err(bad("must contain a path component"));
    }
    Ok(url)
}

/// A client from its document: every rule checked, in the order the draft gives them.
fn client_from(client_id: &str, document: &Map<String, Value>) -> Result<Client, CimdError> {
    let metadata = |text: String| rule("Client Metadata", text);
    match document.get("client_id").and_then(Value::as_str) {
        Some(id) if id == client_id => {}
        Some(id) => {
            return Err(metadata(format!(
                "the document's client_id `{id}` is not the URL it was fetched from, \
                 `{client_id}`; they must be equal (simple string comparison)"
            )));
        }
        None => {
            return Err(metadata(format!(
                "the document at {client_id} has no client_id string; it must contain its own URL"
            )));
        }
    }
    for secret in ["client_secret", "client_secret_expires_at"] {
        if document.contains_key(secret) {
            return Err(metadata(format!(
                "the document contains `{secret}`; a client metadata document must not use a \
                 shared secret"
            )));
        }
    }
    let method = match document.get("token_endpoint_auth_method") {
        None => "none",
        Some(Value::String(method)) => method.as_str(),
        Some(_) => {
            return Err(metadata(
                "token_endpoint_auth_method must be a string (RFC 7591 section 2)".into(),
            ));
        }
    };
    match method {
        "none" => {}
        "client_secret_basic" | "client_secret_post" | "client_secret_jwt" => {
            return Err(metadata(format!(
                "token_endpoint_auth_method `{method}` uses a shared secret, which a client \
                 metadata document must not; use none or private_key_jwt"
            )));
        }
        "private_key_jwt" => {
            return Err(metadata(
                "token_endpoint_auth_method private_key_jwt is allowed by the draft, but this \
                 mock authenticates document clients as public clients only (none)"
                    .into(),
            ));
        }
        other => {
            return Err(metadata(format!(
                "token_endpoint_auth_method `{other}` is not one a document client may use: \
                 none or private_key_jwt"
            )));
        }
    }
    let redirect_uris = strings(document, "redirect_uris").map_err(metadata)?;
    if redirect_uris.is_empty() {
        return Err(metadata(
            "the document has no redirect_uris; the authorization server must check the \
             request's redirect_uri against them"
                .into(),
        ));
    }
    let grant_types = strings(document, "grant_types").map_err(metadata)?;
    let grant_types = if grant_types.is_empty() {
        vec![GRANT_AUTHORIZATION_CODE.to_owned()]
    } else {
        grant_types
    };
    let scopes = allowed_scopes(document.get("scope").and_then(Value::as_str));
    let client_name = document
        .get("client_name")
        .and_then(Value::as_str)
        .map(String::from);
    Ok(Client {
        client_id: client_id.to_owned(),
        client_secret: None,
        auth_methods: vec![AuthMethod::None],
        redirect_uris,
        // A public client may refresh what it was given (RFC 6749 §6), if it asked to.
        grant_types: grant_types
            .into_iter()
            .filter(|g| g == GRANT_AUTHORIZATION_CODE || g == GRANT_REFRESH_TOKEN)
            .collect(),
        scopes,
        client_name,
        introspection: Default::default(),
        keys: None,
        registration: None,
    })
}

/// An array of strings, absent meaning empty.
fn strings(document: &Map<String, Value>, name: &str) -> Result<Vec<String>, String> {
    match document.get(name) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str().map(String::from).ok_or_else(|| {
                    format!("{name} must be an array of strings (RFC 7591 section 2)")
                })
            })
            .collect(),
        Some(_) => Err(format!(
            "{name} must be an array of strings (RFC 7591 section 2)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const URL: &str = "https://app.example/oauth/client.json";

    fn doc(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn a_good_document_is_a_public_client() {
        let client = client_from(
            URL,
            &doc(json!({
                "client_id": URL, "client_name": "App",
                "redirect_uris": ["http://127.0.0.1/callback"],
                "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
            })),
        )
        .unwrap();
        assert!(client.is_public());
        assert_eq!(client.redirect_uris, ["http://127.0.0.1/callback"]);
        assert_eq!(client.grant_types, ["authorization_code", "refresh_token"]);
    }

    #[test]
    fn each_document_rule_is_named() {
        let cases = [
            (json!({"redirect_uris": ["x"]}), "has no client_id"),
            (
                json!({"client_id": "https://other/", "redirect_uris": ["x"]}),
                "not the URL",
            ),
            (
                json!({"client_id": URL, "redirect_uris": ["x"], "client_secret": "s"}),
                "shared secret",
            ),
            (
                json!({"client_id": URL, "redirect_uris": ["x"], "token_endpoint_auth_method": "client_secret_basic"}),
                "uses a shared secret",
            ),
            (json!({"client_id": URL}), "no redirect_uris"),
            (
                json!({"client_id": URL, "redirect_uris": "x"}),
                "array of strings",
            ),
        ];
        for (document, expected) in cases {
            let err = client_from(URL, &doc(document.clone())).unwrap_err();
            assert!(err.0.contains(expected), "{document}: {err}");
            assert!(err.0.contains(DRAFT), "{err}");
        }
    }

    #[test]
    fn client_id_urls_are_checked_before_any_fetch() {
        let strict = Fetcher::new(false);
        let loose = Fetcher::new(true);
        assert!(check_url(&strict, URL).is_ok());
        for (url, expected) in [
            ("http://app.example/c.json", "https scheme"),
            ("http://127.0.0.1:9/c.json", "--allow-loopback-cimd"),
            ("https://app.example/c.json#x", "fragment"),
            ("https://u:p@app.example/c.json", "username or password"),
            ("https://app.example/a/../c.json", "dot path segments"),
            ("https://app.example/", "path component"),
        ] {
            let err = check_url(&strict, url).unwrap_err();
            assert!(err.0.contains(expected), "{url}: {err}");
        }
        assert!(check_url(&loose, "http://127.0.0.1:9/c.json").is_ok());
        assert!(check_url(&loose, "http://app.example/c.json").is_err());
    }
}
