//! Dynamic client registration (RFC 7591) and its management protocol (RFC 7592):
//! `POST /register` and `GET|PUT|DELETE /register/{client_id}`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::app::{AppState, REGISTER_PATH};
use super::client_keys::{ClientKeys, check_jwks_uri};
use super::config::{
    ALL_GRANTS, ApplicationType, AuthMethod, GRANT_AUTHORIZATION_CODE, GRANT_CLIENT_CREDENTIALS,
    IntrospectionAccess, SCOPES_SUPPORTED, client_jwks,
};
use super::errors::OAuthError;
use super::form::JsonObject;
use super::http::{bearer_token, finish, no_store_json};
use super::limits::StoreKind;
use super::redirect;
use super::secrets::{random_id, random_token, secrets_equal};
use super::state::{Client, Registration};

/// Fields the server sets; a client may not send them in an update (RFC 7592 §2.2).
const SERVER_MANAGED: [&str; 4] = [
    "registration_access_token",
    "registration_client_uri",
    "client_secret_expires_at",
    "client_id_issued_at",
];

/// Longest string anywhere in client metadata, in bytes (a `logo_uri`, a `client_name`...).
pub const MAX_METADATA_STRING: usize = 2048;
/// Largest client metadata document kept, in bytes of JSON.
pub const MAX_METADATA_BYTES: usize = 16 * 1024;

/// `POST /register` (RFC 7591 §3): open registration unless the config sets an initial
/// access token, which must then come as a Bearer token (RFC 7591 §3, RFC 6750 §2.1).
pub async fn create(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Result<JsonObject, OAuthError>,
) -> Response {
    let result = (|| {
        if let Some(expected) = app.initial_access_token.as_deref() {
            match bearer_token(&headers)? {
                Some(sent) if secrets_equal(&sent, expected) => {}
                _ => {
                    return Err(OAuthError::invalid_token(
                        "this server requires an initial access token for registration: send \
                         it as `Authorization: Bearer <token>` (RFC 7591 section 3)",
                    ));
                }
            }
        }
        let JsonObject(metadata) = body?;
        let client_id = random_id();
        let accepted = accept(&metadata, app.fetcher.allows_loopback())?;
        let secret = accepted.needs_secret().then(random_token);
        let client = accepted.into_client(client_id.clone(), secret, random_token(), app.now());
        let body = registration_response(&app, &client);
        let mut store = app.store.lock();
        store
            .admit(StoreKind::RegisteredClients, 1, app.now())
            .map_err(OAuthError::registration_full)?;
        store.clients.insert(client_id.clone(), Arc::new(client));
        Ok((client_id, no_store_json(StatusCode::CREATED, &body)))
    })();
    match result {
        Ok((client_id, response)) => finish(Some(client_id), Ok(response)),
        Err(err) => err.into_response(),
    }
}

/// `GET /register/{client_id}` (RFC 7592 §2.1).
pub async fn read(
    State(app): State<AppState>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let result = authorized(&app, &client_id, &headers)
        .map(|client| no_store_json(StatusCode::OK, &registration_response(&app, &client)));
    finish(Some(client_id), result)
}

/// `PUT /register/{client_id}` (RFC 7592 §2.2): replaces the whole metadata.
pub async fn update(
    State(app): State<AppState>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
    body: Result<JsonObject, OAuthError>,
) -> Response {
    let result = (|| {
        let current = authorized(&app, &client_id, &headers)?;
        let JsonObject(metadata) = body?;
        match metadata.get("client_id").and_then(Value::as_str) {
            Some(id) if id == client_id => {}
            _ => {
                return Err(OAuthError::invalid_request(format!(
                    "an update must carry `client_id` equal to `{client_id}` \
                     (RFC 7592 section 2.2)"
                )));
            }
        }
        if let Some(field) = SERVER_MANAGED.iter().find(|f| metadata.contains_key(**f)) {
            return Err(OAuthError::invalid_request(format!(
                "`{field}` is set by the server and must not be sent in an update \
                 (RFC 7592 section 2.2)"
            )));
        }
        if let Some(sent) = metadata.get("client_secret") {
            let matches = match (sent.as_str(), current.client_secret.as_deref()) {
                (Some(sent), Some(current)) => secrets_equal(sent, current),
                _ => false,
            };
            if !matches {
                return Err(OAuthError::invalid_request(
                    "client_secret in the update does not match the client's current secret \
                     (RFC 7592 section 2.2)",
                ));
            }
        }
        let accepted = accept(&metadata, app.fetcher.allows_loopback())?;
        // Keep the secret when the client stays confidential; make one if it becomes so.
        let secret = accepted
            .needs_secret()
            .then(|| current.client_secret.clone().unwrap_or_else(random_token));
        let registration = current.registration.as_ref().ok_or_else(not_authorized)?;
        let client = accepted.into_client(
            client_id.clone(),
            secret,
            registration.access_token.clone(),
            registration.issued_at,
        );
        let body = registration_response(&app, &client);
        app.store
            .lock()
            .clients
            .insert(client_id.clone(), Arc::new(client));
        Ok(no_store_json(StatusCode::OK, &body))
    })();
    finish(Some(client_id), result)
}

/// `DELETE /register/{client_id}` (RFC 7592 §2.3): 204, and the client's tokens stop working.
pub async fn delete(
    State(app): State<AppState>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let result = authorized(&app, &client_id, &headers).map(|_| {
        app.store.lock().clients.remove(&client_id);
        StatusCode::NO_CONTENT.into_response()
    });
    finish(Some(client_id), result)
}

fn not_authorized() -> OAuthError {
    OAuthError::invalid_token(
        "the registration access token is missing or not valid for this client; an unknown \
         client gets the same answer, so nothing leaks about which clients exist \
         (RFC 7592 section 2.1)",
    )
}

/// The client, if the request carries its registration access token.
fn authorized(
    app: &AppState,
    client_id: &str,
    headers: &HeaderMap,
) -> Result<Arc<Client>, OAuthError> {
    let token = bearer_token(headers)?.ok_or_else(not_authorized)?;
    let client = app
        .store
        .lock()
        .client(client_id)
        .ok_or_else(not_authorized)?;
    match &client.registration {
        Some(registration) if secrets_equal(&token, &registration.access_token) => Ok(client),
        _ => Err(not_authorized()),
    }
}

/// RFC 7591 §3.2.1 / RFC 7592 §3: the metadata plus the server-issued fields.
fn registration_response(app: &AppState, client: &Client) -> Map<String, Value> {
    let mut body = client
        .registration
        .as_ref()
        .map(|r| r.metadata.clone())
        .unwrap_or_default();
    body.insert("client_id".into(), client.client_id.clone().into());
    if let Some(secret) = &client.client_secret {
        body.insert("client_secret".into(), secret.clone().into());
        // 0: the secret does not expire (RFC 7591 §3.2.1).
        body.insert("client_secret_expires_at".into(), 0.into());
    }
    if let Some(registration) = &client.registration {
        body.insert("client_id_issued_at".into(), registration.issued_at.into());
        body.insert(
            "registration_access_token".into(),
            registration.access_token.clone().into(),
        );
    }
    body.insert(
        "registration_client_uri".into(),
        app.url(&format!("{REGISTER_PATH}/{}", client.client_id))
            .into(),
    );
    body
}

/// Client metadata that passed validation.
#[derive(Debug)]
pub(super) struct Accepted {
    auth_method: AuthMethod,
    redirect_uris: Vec<String>,
    grant_types: Vec<String>,
    scopes: Vec<String>,
    client_name: Option<String>,
    /// The client's public keys (RFC 7591 §2 `jwks` or `jwks_uri`), for `private_key_jwt`.
    keys: Option<ClientKeys>,
    /// What is echoed back: the validated fields with defaults filled in, plus any other
    /// metadata the client sent (client_uri, logo_uri, contacts, ...).
    echo: Map<String, Value>,
}

impl Accepted {
    pub(super) fn redirect_uris(&self) -> &[String] {
        &self.redirect_uris
    }

    fn needs_secret(&self) -> bool {
        self.auth_method.uses_secret()
    }

    fn into_client(
        self,
        client_id: String,
        client_secret: Option<String>,
        access_token: String,
        issued_at: u64,
    ) -> Client {
        Client {
            client_id,
            client_secret,
            auth_methods: vec![self.auth_method],
            redirect_uris: self.redirect_uris,
            grant_types: self.grant_types,
            scopes: self.scopes,
            client_name: self.client_name,
            introspection: IntrospectionAccess::Own,
            keys: self.keys,
            registration: Some(Registration {
                access_token,
                issued_at,
                metadata: self.echo,
            }),
        }
    }
}

/// A metadata field that must be an array of strings, if present.
fn string_list(
    metadata: &Map<String, Value>,
    field: &str,
) -> Result<Option<Vec<String>>, OAuthError> {
    let Some(value) = metadata.get(field) else {
        return Ok(None);
    };
    let wrong = || {
        OAuthError::invalid_client_metadata(format!(
            "`{field}` must be an array of strings (RFC 7591 section 2)"
        ))
    };
    let items = value.as_array().ok_or_else(wrong)?;
    items
        .iter()
        .map(|item| item.as_str().map(str::to_owned).ok_or_else(wrong))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn optional_string(
    metadata: &Map<String, Value>,
    field: &str,
) -> Result<Option<String>, OAuthError> {
    match metadata.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(OAuthError::invalid_client_metadata(format!(
            "`{field}` must be a string (RFC 7591 section 2)"
        ))),
    }
}

/// Client metadata within the size limits: no string longer than [`MAX_METADATA_STRING`],
/// the whole document no larger than [`MAX_METADATA_BYTES`].
fn check_size(metadata: &Map<String, Value>) -> Result<(), OAuthError> {
    let mut pending: Vec<(&str, &Value)> = metadata.iter().map(|(k, v)| (k.as_str(), v)).collect();
    while let Some((field, value)) = pending.pop() {
        match value {
            Value::String(text) if text.len() > MAX_METADATA_STRING => {
                return Err(OAuthError::invalid_client_metadata(format!(
                    "`{field}` holds a string of {} bytes; this server accepts at most \
                     {MAX_METADATA_STRING} per value",
                    text.len()
                )));
            }
            Value::Array(items) => pending.extend(items.iter().map(|item| (field, item))),
            Value::Object(members) => pending.extend(members.iter().map(|(_, v)| (field, v))),
            _ => {}
        }
    }
    let size = serde_json::to_vec(metadata).map_or(usize::MAX, |json| json.len());
    if size > MAX_METADATA_BYTES {
        return Err(OAuthError::invalid_client_metadata(format!(
            "the client metadata is {size} bytes of JSON; this server keeps at most \
             {MAX_METADATA_BYTES}"
        )));
    }
    Ok(())
}

/// The client's public keys, by value (`jwks`) or by reference (`jwks_uri`, fetched when a
/// JWT of the client is checked), never both (RFC 7591 §2).
fn client_keys(
    metadata: &Map<String, Value>,
    allow_loopback: bool,
) -> Result<Option<ClientKeys>, OAuthError> {
    let jwks_uri = optional_string(metadata, "jwks_uri")?;
    match (metadata.get("jwks"), jwks_uri) {
        (Some(_), Some(_)) => Err(OAuthError::invalid_client_metadata(
            "jwks and jwks_uri must not both be present: send the public keys by value or by \
             reference (RFC 7591 section 2)",
        )),
        (Some(jwks), None) => client_jwks(jwks)
            .map(|set| Some(ClientKeys::Set(Arc::new(set))))
            .map_err(|why| {
                OAuthError::invalid_client_metadata(format!("{why} (RFC 7591 section 2)"))
            }),
        (None, Some(uri)) => check_jwks_uri(&uri, allow_loopback)
            .map(|()| Some(ClientKeys::Uri(uri)))
            .map_err(OAuthError::invalid_client_metadata),
        (None, None) => Ok(None),
    }
}

/// Validates client metadata (RFC 7591 §2) and fills in the defaults. `allow_loopback`: a
/// `jwks_uri` may be plain http on loopback (`--allow-loopback-cimd`).
pub(super) fn accept(
    metadata: &Map<String, Value>,
    allow_loopback: bool,
) -> Result<Accepted, OAuthError> {
    check_size(metadata)?;
    let application_type = match optional_string(metadata, "application_type")? {
        None => ApplicationType::Web,
        Some(name) => ApplicationType::parse(&name).ok_or_else(|| {
            OAuthError::invalid_client_metadata(format!(
                "application_type `{name}` is unknown; use `web` or `native` \
                 (OIDC Dynamic Client Registration section 2)"
            ))
        })?,
    };
    let auth_method = match optional_string(metadata, "token_endpoint_auth_method")? {
        None => AuthMethod::ClientSecretBasic,
        Some(name) => AuthMethod::parse(&name).ok_or_else(|| {
            let known: Vec<&str> = AuthMethod::ALL.iter().map(|m| m.as_str()).collect();
            OAuthError::invalid_client_metadata(format!(
                "token_endpoint_auth_method `{name}` is not supported; use one of: {} \
                 (RFC 7591 section 2)",
                known.join(", ")
            ))
        })?,
    };
    let grant_types = string_list(metadata, "grant_types")?
        .unwrap_or_else(|| vec![GRANT_AUTHORIZATION_CODE.to_owned()]);
    if let Some(unknown) = grant_types
        .iter()
        .find(|g| !ALL_GRANTS.contains(&g.as_str()))
    {
        return Err(OAuthError::invalid_client_metadata(format!(
            "grant type `{unknown}` is not supported; use some of: {} (RFC 7591 section 2)",
            ALL_GRANTS.join(", ")
        )));
    }
    let uses_code = grant_types.iter().any(|g| g == GRANT_AUTHORIZATION_CODE);
    // RFC 7591 §2 defaults response_types to ["code"]; a client without the code grant is
    // given [] instead, so that a client_credentials-only registration needs no extra field.
    let response_types = string_list(metadata, "response_types")?.unwrap_or_else(|| {
        if uses_code {
            vec!["code".to_owned()]
        } else {
            Vec::new()
        }
    });
    if let Some(unknown) = response_types.iter().find(|r| *r != "code") {
        return Err(OAuthError::invalid_client_metadata(format!(
            "response type `{unknown}` is not supported; only `code` is (RFC 7591 section 2)"
        )));
    }
    if uses_code != response_types.iter().any(|r| r == "code") {
        return Err(OAuthError::invalid_client_metadata(
            "grant_types and response_types disagree: the authorization_code grant goes with \
             the `code` response type, and only with it (RFC 7591 section 2.1)",
        ));
    }
    if auth_method == AuthMethod::None && grant_types.iter().any(|g| g == GRANT_CLIENT_CREDENTIALS)
    {
        return Err(OAuthError::invalid_client_metadata(
            "a client with token_endpoint_auth_method `none` cannot use client_credentials; \
             that grant needs client authentication (RFC 6749 section 4.4)",
        ));
    }
    let redirect_uris = string_list(metadata, "redirect_uris")?.unwrap_or_default();
    for uri in &redirect_uris {
        redirect::validate_registered(uri, application_type)
            .map_err(OAuthError::invalid_redirect_uri)?;
    }
    if uses_code && redirect_uris.is_empty() {
        return Err(OAuthError::invalid_redirect_uri(
            "the authorization_code grant redirects, so at least one redirect_uri is required \
             (RFC 7591 section 2)",
        ));
    }
    let scopes: Vec<String> = match optional_string(metadata, "scope")? {
        None => SCOPES_SUPPORTED.iter().map(|s| (*s).to_owned()).collect(),
        Some(scope) => {
            let scopes: Vec<String> = scope
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            if let Some(unknown) = scopes
                .iter()
                .find(|s| !SCOPES_SUPPORTED.contains(&s.as_str()))
            {
                return Err(OAuthError::invalid_client_metadata(format!(
                    "scope `{unknown}` is unknown to this server, which supports: {} \
                     (RFC 7591 section 2)",
                    SCOPES_SUPPORTED.join(" ")
                )));
            }
            scopes
        }
    };
    let client_name = optional_string(metadata, "client_name")?;
    let keys = client_keys(metadata, allow_loopback)?;
    if auth_method == AuthMethod::PrivateKeyJwt && keys.is_none() {
        return Err(OAuthError::invalid_client_metadata(
            "token_endpoint_auth_method private_key_jwt needs the client's public keys in \
             `jwks` or at `jwks_uri` (RFC 7591 section 2)",
        ));
    }

    let mut echo: Map<String, Value> = metadata
        .iter()
        .filter(|(k, _)| k.as_str() != "client_id" && k.as_str() != "client_secret")
        .filter(|(k, _)| !SERVER_MANAGED.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    echo.insert(
        "token_endpoint_auth_method".into(),
        auth_method.as_str().into(),
    );
    echo.insert("grant_types".into(), grant_types.clone().into());
    echo.insert("response_types".into(), response_types.into());
    echo.insert("redirect_uris".into(), redirect_uris.clone().into());
    echo.insert("scope".into(), scopes.join(" ").into());
    Ok(Accepted {
        auth_method,
        redirect_uris,
        grant_types,
        scopes,
        client_name,
        keys,
        echo,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn accept_strict(metadata: &Map<String, Value>) -> Result<Accepted, OAuthError> {
        accept(metadata, false)
    }

    fn metadata(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!("tests pass objects"),
        }
    }

    #[test]
    fn defaults_are_filled_in() {
        let accepted = accept_strict(&metadata(json!({
            "redirect_uris": ["https://app.example/cb"],
            "client_name": "App",
            "logo_uri": "https://app.example/logo.png"
        })))
        .unwrap();
        assert_eq!(accepted.auth_method, AuthMethod::ClientSecretBasic);
        assert_eq!(accepted.grant_types, ["authorization_code"]);
        assert_eq!(accepted.echo["response_types"], json!(["code"]));
        assert_eq!(accepted.echo["logo_uri"], "https://app.example/logo.png");
    }

    #[test]
    fn oversized_metadata_is_rejected_by_field_and_in_total() {
        let long = "a".repeat(MAX_METADATA_STRING + 1);
        let err = accept_strict(&metadata(json!({"grant_types": ["client_credentials"],
            "logo_uri": long})))
        .unwrap_err();
        assert!(err.description.contains("`logo_uri`"), "{err:?}");
        let nested = json!({"grant_types": ["client_credentials"], "contacts": [[long]]});
        assert!(accept_strict(&metadata(nested)).is_err());
        let many: Vec<String> = (0..20)
            .map(|i| format!("{i}{}", "b".repeat(1000)))
            .collect();
        let err = accept_strict(&metadata(json!({"grant_types": ["client_credentials"],
            "contacts": many})))
        .unwrap_err();
        assert!(err.description.contains("bytes of JSON"), "{err:?}");
    }

    #[test]
    fn application_type_decides_the_redirect_rules() {
        let native_https = json!({"application_type": "native",
            "redirect_uris": ["https://app.example/cb"]});
        assert_eq!(
            accept_strict(&metadata(native_https)).unwrap_err().error,
            "invalid_redirect_uri"
        );
        let native_ok = json!({"application_type": "native", "token_endpoint_auth_method": "none",
            "redirect_uris": ["com.example.app:/cb", "http://127.0.0.1/cb"]});
        assert!(accept_strict(&metadata(native_ok)).is_ok());
        let web_loopback = json!({"redirect_uris": ["http://localhost:8080/cb"]});
        assert!(accept_strict(&metadata(web_loopback)).is_ok());
        let unknown = json!({"application_type": "desktop"});
        assert_eq!(
            accept_strict(&metadata(unknown)).unwrap_err().error,
            "invalid_client_metadata"
        );
    }

    #[test]
    fn keys_come_by_value_or_by_reference_never_both() {
        let by_reference = json!({"grant_types": ["client_credentials"],
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks_uri": "https://app.example/jwks"});
        let accepted = accept_strict(&metadata(by_reference)).unwrap();
        assert_eq!(
            accepted.keys,
            Some(ClientKeys::Uri("https://app.example/jwks".into()))
        );
        assert_eq!(accepted.echo["jwks_uri"], "https://app.example/jwks");
        let loopback = json!({"grant_types": ["client_credentials"],
            "jwks_uri": "http://127.0.0.1:9/jwks"});
        let err = accept_strict(&metadata(loopback.clone())).unwrap_err();
        assert!(err.description.contains("--allow-loopback-cimd"), "{err:?}");
        assert!(accept(&metadata(loopback), true).is_ok());
        let both = json!({"grant_types": ["client_credentials"],
            "jwks_uri": "https://app.example/jwks",
            "jwks": {"keys": [{"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}]}});
        let err = accept_strict(&metadata(both)).unwrap_err();
        assert_eq!(err.error, "invalid_client_metadata");
        assert!(
            err.description.contains("must not both be present")
                && err.description.contains("RFC 7591 section 2"),
            "{err:?}"
        );
    }

    #[test]
    fn inconsistent_metadata_is_rejected() {
        let cases = [
            json!({"redirect_uris": ["https://app.example/cb#x"]}),
            json!({"redirect_uris": ["relative/cb"]}),
            json!({"grant_types": ["authorization_code"]}),
            json!({"grant_types": ["client_credentials"], "response_types": ["code"]}),
            json!({"grant_types": ["implicit"]}),
            json!({"token_endpoint_auth_method": "private_key_jwt"}),
            json!({"token_endpoint_auth_method": "private_key_jwt", "jwks": {"keys": []}}),
            json!({"jwks": {"keys": [{"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA", "d": "AA"}]}}),
            json!({"jwks_uri": "https://app.example/jwks", "jwks": {"keys": []}}),
            json!({"token_endpoint_auth_method": "private_key_jwt", "jwks_uri": "http://app.example/jwks"}),
            json!({"jwks_uri": 7}),
            json!({"token_endpoint_auth_method": "none", "grant_types": ["client_credentials"]}),
            json!({"redirect_uris": "https://app.example/cb"}),
        ];
        for case in cases {
            let err = accept_strict(&metadata(case.clone())).unwrap_err();
            assert!(
                err.error == "invalid_client_metadata" || err.error == "invalid_redirect_uri",
                "{case}: {err:?}"
            );
        }
    }
}
