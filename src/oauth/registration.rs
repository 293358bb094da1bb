//! Dynamic client registration: create (RFC 7591), read, update and delete (RFC 7592).
//! The registration access token and the client configuration URI the server returns are kept
//! in [`RegisteredClient`]; they are what read, update and delete need.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::EngineError;
use super::exchange::Exchange;
use super::http::RecordingClient;
use super::response::{expect_json, expect_status};
use super::step::RequestDraft;

/// A registered client as the server described it.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisteredClient {
    pub client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id_issued_at: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret_expires_at: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_access_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_client_uri: Option<String>,
    /// The client metadata the server accepted (redirect_uris, grant_types, ...).
    #[serde(flatten)]
    pub metadata: Map<String, Value>,
}

impl std::fmt::Debug for RegisteredClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisteredClient")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field(
                "registration_access_token",
                &self
                    .registration_access_token
                    .as_ref()
                    .map(|_| "[redacted]"),
            )
            .field("registration_client_uri", &self.registration_client_uri)
            .field("metadata", &self.metadata)
            .finish()
    }
}

impl RegisteredClient {
    /// The handle RFC 7592 management needs, when the server returned one.
    pub fn management(&self) -> Option<ClientManagement> {
        Some(ClientManagement {
            registration_client_uri: self.registration_client_uri.clone()?,
            registration_access_token: self.registration_access_token.clone()?,
        })
    }
}

/// Where and how to manage a registered client (RFC 7592 §2).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientManagement {
    pub registration_client_uri: String,
    pub registration_access_token: String,
}

impl std::fmt::Debug for ClientManagement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientManagement")
            .field("registration_client_uri", &self.registration_client_uri)
            .field("registration_access_token", &"[redacted]")
            .finish()
    }
}

/// Client metadata for a new registration (RFC 7591 §2), built from the usual choices.
pub fn client_metadata(
    redirect_uris: &[String],
    auth_method: Option<&str>,
    scope: Option<&str>,
    grant_types: &[String],
    client_name: Option<&str>,
) -> Value {
    let mut m = Map::new();
    if !redirect_uris.is_empty() {
        m.insert("redirect_uris".into(), redirect_uris.into());
    }
    if let Some(method) = auth_method {
        m.insert("token_endpoint_auth_method".into(), method.into());
    }
    if let Some(scope) = scope {
        m.insert("scope".into(), scope.into());
    }
    if !grant_types.is_empty() {
        m.insert("grant_types".into(), grant_types.into());
        // RFC 7591 §2.1: response_types must agree with grant_types.
        let code = grant_types.iter().any(|g| g == "authorization_code");
        let types: Vec<&str> = if code { vec!["code"] } else { vec![] };
        m.insert("response_types".into(), types.into());
    }
    if let Some(name) = client_name {
        m.insert("client_name".into(), name.into());
    }
    Value::Object(m)
}

/// POST the metadata to the registration endpoint (RFC 7591 §3.1).
pub fn create_request(
    registration_endpoint: &str,
    metadata: &Value,
    initial_access_token: Option<&str>,
) -> RequestDraft {
    let mut draft = RequestDraft::new("POST", registration_endpoint);
    draft.json_body = Some(metadata.clone());
    if let Some(token) = initial_access_token {
        bearer(&mut draft, token);
    }
    draft
}

/// GET the client's current configuration (RFC 7592 §2.1).
pub fn read_request(handle: &ClientManagement) -> RequestDraft {
    let mut draft = RequestDraft::new("GET", &handle.registration_client_uri);
    bearer(&mut draft, &handle.registration_access_token);
    draft
}

/// PUT a full replacement of the metadata (RFC 7592 §2.2). The body must carry client_id and
/// must not carry the registration members the server manages.
pub fn update_request(handle: &ClientManagement, client: &RegisteredClient) -> RequestDraft {
    let mut body = client.metadata.clone();
    body.insert("client_id".into(), client.client_id.clone().into());
    if let Some(secret) = &client.client_secret {
        body.insert("client_secret".into(), secret.clone().into());
    }
    for managed in [
        "registration_access_token",
        "registration_client_uri",
        "client_secret_expires_at",
        "client_id_issued_at",
    ] {
        body.remove(managed);
    }
    let mut draft = RequestDraft::new("PUT", &handle.registration_client_uri);
    draft.json_body = Some(Value::Object(body));
    bearer(&mut draft, &handle.registration_access_token);
    draft
}

/// DELETE the client (RFC 7592 §2.3).
pub fn delete_request(handle: &ClientManagement) -> RequestDraft {
    let mut draft = RequestDraft::new("DELETE", &handle.registration_client_uri);
    bearer(&mut draft, &handle.registration_access_token);
    draft
}

fn bearer(draft: &mut RequestDraft, token: &str) {
    draft
        .headers
        .push(("Authorization".into(), format!("Bearer {token}")));
    draft.secret_names.push("Authorization".into());
}

/// Reads a registration response: 201 for create, 200 for read and update.
pub fn process_client(
    exchange: &Exchange,
    expected: &[u16],
) -> Result<RegisteredClient, EngineError> {
    expect_json(exchange, "client registration response", expected)
}

/// Reads a delete response: 204 No Content (200 is tolerated).
pub fn process_delete(exchange: &Exchange) -> Result<(), EngineError> {
    expect_status(exchange, &[204, 200]).map(|_| ())
}

/// Registers a client. A response without management handles keeps what it got: read,
/// update and delete then cannot be done.
pub async fn register(
    http: &RecordingClient,
    registration_endpoint: &str,
    metadata: &Value,
) -> Result<RegisteredClient, EngineError> {
    let exchange = http
        .send(&create_request(registration_endpoint, metadata, None))
        .await;
    process_client(&exchange, &[201, 200])
}

pub async fn read(
    http: &RecordingClient,
    handle: &ClientManagement,
) -> Result<RegisteredClient, EngineError> {
    process_client(&http.send(&read_request(handle)).await, &[200])
}

/// Reads the client, applies `change` to its metadata, and PUTs the result.
pub async fn update(
    http: &RecordingClient,
    handle: &ClientManagement,
    change: impl FnOnce(&mut Map<String, Value>),
) -> Result<RegisteredClient, EngineError> {
    let mut current = read(http, handle).await?;
    change(&mut current.metadata);
    process_client(&http.send(&update_request(handle, &current)).await, &[200])
}

pub async fn delete(http: &RecordingClient, handle: &ClientManagement) -> Result<(), EngineError> {
    process_delete(&http.send(&delete_request(handle)).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> RegisteredClient {
        serde_json::from_value(serde_json::json!({
            "client_id": "c1", "client_secret": "s1",
            "registration_access_token": "rat", "registration_client_uri": "http://as/register/c1",
            "client_id_issued_at": 1, "client_secret_expires_at": 0,
            "redirect_uris": ["http://127.0.0.1/cb"], "token_endpoint_auth_method": "client_secret_basic"
        }))
        .unwrap()
    }

    #[test]
    fn response_keeps_management_handles_and_metadata() {
        let c = client();
        let handle = c.management().unwrap();
        assert_eq!(handle.registration_access_token, "rat");
        assert!(c.metadata.contains_key("redirect_uris"));
        assert!(!c.metadata.contains_key("client_id"));
        assert!(!format!("{c:?}").contains("rat\""));
    }

    #[test]
    fn update_carries_client_id_and_drops_server_managed_members() {
        let c = client();
        let draft = update_request(&c.management().unwrap(), &c);
        let body = draft.json_body.clone().unwrap();
        assert_eq!(body["client_id"], "c1");
        assert!(body.get("registration_access_token").is_none());
        assert!(body.get("client_id_issued_at").is_none());
        assert_eq!(draft.method, "PUT");
        assert!(draft.is_secret("authorization"));
    }

    #[test]
    fn metadata_response_types_follow_grant_types() {
        let m = client_metadata(&[], None, None, &["client_credentials".into()], None);
        assert_eq!(m["response_types"], serde_json::json!([]));
        let m = client_metadata(&[], None, None, &["authorization_code".into()], None);
        assert_eq!(m["response_types"], serde_json::json!(["code"]));
    }
}
