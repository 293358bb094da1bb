//! Dynamic client registration: create (RFC 7591), read, update and delete (RFC 7592).
//! The registration access token and the client configuration URI the server returns are kept
//! in [`RegisteredClient`]; they are what read, update and delete need.
//!
//! Every registration request goes out through a [`Registrar`], which asks the send policy
//! first: the registration access token (and an initial access token) are credentials, and
//! the `registration_client_uri` they go to is whatever the server's response named, another
//! host included ([`send_policy`]).
//!
//! Responses are read leniently: once a server has answered with a `client_id`, the client
//! exists, so a mistyped optional member costs a warning that names it, never the client.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::discovery::Warning;
use super::error::EngineError;
use super::exchange::Exchange;
use super::http::RecordingClient;
use super::response::{expect_json, expect_status};
use super::send_policy::{self, CrossHostConsent, SendRefusal};
use super::step::RequestDraft;

/// The endpoints registration requests go to, as refusals name them.
const REGISTRATION_ENDPOINT: &str = "the registration endpoint";
/// RFC 7592 §2: the `registration_client_uri`.
const CONFIGURATION_ENDPOINT: &str = "the client configuration endpoint";

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
    /// What in the response did not follow RFC 7591 and how it was read.
    #[serde(skip)]
    pub warnings: Vec<Warning>,
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

/// RFC 7591 §2 client metadata members whose value is a string.
const STRING_MEMBERS: [&str; 10] = [
    "token_endpoint_auth_method",
    "client_name",
    "client_uri",
    "logo_uri",
    "scope",
    "tos_uri",
    "policy_uri",
    "jwks_uri",
    "software_id",
    "software_version",
];

/// Reads a registration response body (RFC 7591 §3.2.1, RFC 7592 §3). Only a missing or
/// non-string `client_id` is fatal; any other member of the wrong type is left out or read
/// the way the server plainly meant it, with a warning naming it.
pub fn read_client(body: Value) -> Result<RegisteredClient, EngineError> {
    let Value::Object(mut members) = body else {
        return Err(EngineError::protocol(
            "RFC 7591 §3.2.1",
            "the client information response is not a JSON object",
        ));
    };
    let client_id = match members.remove("client_id") {
        Some(Value::String(id)) if !id.is_empty() => id,
        Some(other) => {
            return Err(EngineError::protocol(
                "RFC 7591 §3.2.1",
                format!("client_id must be a non-empty string, not {other}"),
            ));
        }
        None => {
            return Err(EngineError::protocol(
                "RFC 7591 §3.2.1",
                "the response has no client_id",
            ));
        }
    };
    let mut warnings = Vec::new();
    let mut text = |name: &str, members: &mut Map<String, Value>| match members.remove(name) {
        None | Some(Value::Null) => None,
        Some(Value::String(value)) => Some(value),
        Some(other) => {
            warnings.push(mistyped(name, &other, "a string", "left out"));
            None
        }
    };
    let client_secret = text("client_secret", &mut members);
    let registration_access_token = text("registration_access_token", &mut members);
    let registration_client_uri = text("registration_client_uri", &mut members);
    let mut time = |name: &str, members: &mut Map<String, Value>| match members.remove(name) {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.as_u64().is_some() => n.as_u64(),
        Some(Value::String(s)) if s.parse::<u64>().is_ok() => {
            warnings.push(mistyped(
                name,
                &Value::String(s.clone()),
                "a number of seconds",
                "read as that number",
            ));
            s.parse().ok()
        }
        Some(other) => {
            warnings.push(mistyped(name, &other, "a number of seconds", "left out"));
            None
        }
    };
    let client_id_issued_at = time("client_id_issued_at", &mut members);
    let client_secret_expires_at = time("client_secret_expires_at", &mut members);
    for name in STRING_MEMBERS {
        match members.get(name) {
            None | Some(Value::String(_)) | Some(Value::Null) => {}
            Some(value @ Value::Array(items)) if items.len() == 1 && items[0].is_string() => {
                warnings.push(Warning {
                    code: "registration_string_as_array",
                    message: format!(
                        "{name} is read out as {value} (RFC 7591 §2 defines a string): \
                         it is sent back as a string"
                    ),
                });
            }
            Some(other) => warnings.push(mistyped(name, other, "a string", "kept as sent")),
        }
    }
    Ok(RegisteredClient {
        client_id,
        client_secret,
        client_id_issued_at,
        client_secret_expires_at,
        registration_access_token,
        registration_client_uri,
        metadata: members,
        warnings,
    })
}

fn mistyped(name: &str, value: &Value, expected: &str, outcome: &str) -> Warning {
    let mut shown = value.to_string();
    if shown.chars().count() > 60 {
        shown = shown.chars().take(60).collect::<String>() + "…";
    }
    Warning {
        code: "registration_member_mistyped",
        message: format!(
            "{name} is {shown}, not {expected} (RFC 7591 §3.2.1): {outcome}; the client is kept"
        ),
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
    // A server that read a string member out as a one-element array gets the string back
    // (RFC 7591 §2): some refuse their own array form.
    for name in STRING_MEMBERS {
        if let Some(Value::Array(items)) = body.get(name)
            && let [Value::String(one)] = items.as_slice()
        {
            let one = one.clone();
            body.insert(name.into(), Value::String(one));
        }
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
    read_client(expect_json(
        exchange,
        "client registration response",
        expected,
    )?)
}

/// Reads a delete response: 204 No Content (200 is tolerated).
pub fn process_delete(exchange: &Exchange) -> Result<(), EngineError> {
    expect_status(exchange, &[204, 200]).map(|_| ())
}

/// Sends registration requests for the server whose issuer is `issuer`, each one only if the
/// send policy lets it go to its URL; a refused request is never sent.
pub struct Registrar<'a> {
    pub http: &'a RecordingClient,
    pub issuer: &'a str,
    /// The hosts other than the issuer's the user agreed to send credentials to.
    pub consent: &'a CrossHostConsent,
}

impl<'a> Registrar<'a> {
    pub fn new(http: &'a RecordingClient, issuer: &'a str, consent: &'a CrossHostConsent) -> Self {
        Registrar {
            http,
            issuer,
            consent,
        }
    }

    /// The one way a registration request goes out.
    async fn send(
        &self,
        endpoint_name: &str,
        draft: &RequestDraft,
    ) -> Result<Exchange, EngineError> {
        send_policy::check(self.issuer, endpoint_name, draft, self.consent)?;
        Ok(self.http.send(draft).await)
    }

    /// Registers a client. A response without management handles keeps what it got: read,
    /// update and delete then cannot be done.
    pub async fn register(
        &self,
        registration_endpoint: &str,
        metadata: &Value,
    ) -> Result<RegisteredClient, EngineError> {
        self.register_shown(registration_endpoint, metadata).await.1
    }

    /// Registers a client, and gives the exchange too (none when the send policy refused
    /// the request), for a step that shows it.
    pub async fn register_shown(
        &self,
        registration_endpoint: &str,
        metadata: &Value,
    ) -> (Option<Exchange>, Result<RegisteredClient, EngineError>) {
        let draft = create_request(registration_endpoint, metadata, None);
        match self.send(REGISTRATION_ENDPOINT, &draft).await {
            Ok(exchange) => {
                let result = process_client(&exchange, &[201, 200]);
                (Some(exchange), result)
            }
            Err(refused) => (None, Err(refused)),
        }
    }

    pub async fn read(&self, handle: &ClientManagement) -> Result<RegisteredClient, EngineError> {
        let exchange = self
            .send(CONFIGURATION_ENDPOINT, &read_request(handle))
            .await?;
        process_client(&exchange, &[200])
    }

    /// Reads the client, applies `change` to its metadata, and PUTs the result.
    pub async fn update(
        &self,
        handle: &ClientManagement,
        change: impl FnOnce(&mut Map<String, Value>),
    ) -> Result<RegisteredClient, EngineError> {
        let mut current = self.read(handle).await?;
        change(&mut current.metadata);
        let draft = update_request(handle, &current);
        let mut updated =
            process_client(&self.send(CONFIGURATION_ENDPOINT, &draft).await?, &[200])?;
        // What the read said about the server's representation still matters after the update.
        for warning in current.warnings {
            if !updated.warnings.contains(&warning) {
                updated.warnings.insert(0, warning);
            }
        }
        Ok(updated)
    }

    pub async fn delete(&self, handle: &ClientManagement) -> Result<(), EngineError> {
        process_delete(
            &self
                .send(CONFIGURATION_ENDPOINT, &delete_request(handle))
                .await?,
        )
    }
}

/// What the send policy says about managing a client through `handle` (read, update and
/// delete all present its token at its URI): lets a face ask about another host first.
pub fn management_refusal(
    issuer: &str,
    handle: &ClientManagement,
    consent: &CrossHostConsent,
) -> Option<SendRefusal> {
    send_policy::check(
        issuer,
        CONFIGURATION_ENDPOINT,
        &read_request(handle),
        consent,
    )
    .err()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn client() -> RegisteredClient {
        read_client(serde_json::json!({
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

    fn codes(client: &RegisteredClient) -> Vec<&'static str> {
        client.warnings.iter().map(|w| w.code).collect()
    }

    #[test]
    fn a_mistyped_optional_member_keeps_the_client_and_names_the_member() {
        let c = read_client(json!({
            "client_id": "c1", "client_secret": "s1",
            "client_id_issued_at": "1700000000",
            "client_secret_expires_at": "never",
            "registration_access_token": 42,
        }))
        .unwrap();
        assert_eq!(c.client_id, "c1");
        assert_eq!(c.client_secret.as_deref(), Some("s1"));
        assert_eq!(c.client_id_issued_at, Some(1_700_000_000));
        assert_eq!(c.client_secret_expires_at, None);
        assert_eq!(c.registration_access_token, None);
        let messages: Vec<&str> = c.warnings.iter().map(|w| w.message.as_str()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(
            messages[0].starts_with("registration_access_token is 42"),
            "{messages:?}"
        );
        assert!(messages[1].starts_with("client_id_issued_at is \"1700000000\""));
        assert!(messages[1].contains("read as that number"));
        assert!(messages[2].starts_with("client_secret_expires_at is \"never\""));
        assert!(
            codes(&c)
                .iter()
                .all(|c| *c == "registration_member_mistyped")
        );
    }

    #[test]
    fn only_a_missing_or_mistyped_client_id_is_fatal() {
        for body in [
            json!({}),
            json!({"client_id": 7}),
            json!({"client_id": ""}),
            json!([1]),
        ] {
            let err = read_client(body.clone()).unwrap_err();
            assert!(err.to_string().contains("RFC 7591 §3.2.1"), "{body}: {err}");
        }
    }

    #[test]
    fn string_members_read_out_as_arrays_go_back_as_strings() {
        let c = read_client(json!({
            "client_id": "c1",
            "registration_access_token": "rat",
            "registration_client_uri": "http://as/register/c1",
            "token_endpoint_auth_method": ["client_secret_basic"],
            "client_name": "plain",
            "redirect_uris": ["http://127.0.0.1/cb"],
        }))
        .unwrap();
        assert_eq!(codes(&c), ["registration_string_as_array"]);
        assert!(c.warnings[0].message.contains("token_endpoint_auth_method"));
        let body = update_request(&c.management().unwrap(), &c)
            .json_body
            .unwrap();
        assert_eq!(body["token_endpoint_auth_method"], "client_secret_basic");
        assert_eq!(body["client_name"], "plain");
        assert_eq!(body["redirect_uris"], json!(["http://127.0.0.1/cb"]));
    }
}
