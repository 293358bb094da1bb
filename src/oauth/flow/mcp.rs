//! The MCP authorization flow (MCP 2025-11-25 "Authorization") after the protected resource
//! is found ([`crate::oauth::protected_resource`]): the authorization server's MUSTs, the
//! choice of registration, the code flow with the RFC 8707 `resource`, and the MCP calls
//! with the token. The code flow itself is the existing one ([`Flow::authorization_code`]),
//! so its redirect checks (`state`, `iss` per RFC 9207) and the repetition of `resource` in
//! the token request (RFC 8707 §2.2) are the same as everywhere.

use serde::Serialize;
use serde_json::{Value, json};

use super::{Flow, FlowConfig};
use crate::oauth::client_auth::{AuthMethod, ClientCredentials};
use crate::oauth::error::EngineError;
use crate::oauth::exchange::Exchange;
use crate::oauth::jwt::Check;
use crate::oauth::protected_resource::{initialize_request, rpc_request};
use crate::oauth::registration::{self, RegisteredClient};
use crate::oauth::response::{check_transport, expect_status};
use crate::oauth::secret::Secret;
use crate::oauth::step::RequestDraft;
use crate::wire::ServerMetadata;

/// The authorization server's MUST for MCP clients: PKCE with S256 advertised (MCP
/// 2025-11-25 "Authorization Code Protection": refuse a server without
/// `code_challenge_methods_supported`).
pub fn authorization_server_checks(metadata: &ServerMetadata) -> Vec<Check> {
    let methods = &metadata.code_challenge_methods_supported;
    let check = if methods.is_empty() {
        Check::fail(
            "code_challenge_methods_supported",
            "the authorization server does not advertise code_challenge_methods_supported, so \
             PKCE support cannot be confirmed; MCP clients must refuse it (MCP 2025-11-25 \
             Authorization Code Protection, RFC 8414 §2)",
        )
    } else if !methods.iter().any(|m| m == "S256") {
        Check::fail(
            "code_challenge_methods_supported",
            format!(
                "the authorization server offers PKCE methods {} but not S256, which MCP \
                 requires (MCP 2025-11-25 Authorization Code Protection, RFC 7636 §4.2)",
                methods.join(" ")
            ),
        )
    } else {
        Check::pass(
            "code_challenge_methods_supported",
            format!("PKCE methods advertised: {}", methods.join(" ")),
        )
    };
    vec![check]
}

/// How the client gets its identity at the authorization server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Registration {
    /// Pre-registered: the user gave a client id.
    Pre,
    /// RFC 7591 dynamic client registration.
    Dynamic,
}

/// What the user asked for with `--registration`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationMode {
    /// Pre-registered when a client id is given, else dynamic registration.
    Auto,
    Pre,
    Dynamic,
}

/// Chooses the registration in the order of MCP 2025-11-25 "Client Registration
/// Approaches": a pre-registered client, else dynamic registration when the server has a
/// registration endpoint. Client ID Metadata Documents are not offered by this client yet.
pub fn choose_registration(
    mode: RegistrationMode,
    has_client_id: bool,
    metadata: &ServerMetadata,
) -> Result<(Registration, String), EngineError> {
    let dynamic_ok = metadata.registration_endpoint.is_some();
    match (mode, has_client_id) {
        (RegistrationMode::Pre | RegistrationMode::Auto, true) => Ok((
            Registration::Pre,
            "a client id was given: the pre-registered client is used".into(),
        )),
        (RegistrationMode::Pre, false) => {
            Err(EngineError::config("--registration pre needs --client-id"))
        }
        (RegistrationMode::Dynamic | RegistrationMode::Auto, _) if dynamic_ok => Ok((
            Registration::Dynamic,
            "no client id given and the server has a registration_endpoint: dynamic client \
             registration (RFC 7591 §3)"
                .into(),
        )),
        _ => Err(EngineError::protocol(
            "MCP 2025-11-25 Client Registration Approaches",
            "no client id was given and the server offers no registration_endpoint: give \
             --client-id of a client registered there",
        )),
    }
}

/// The RFC 7591 metadata of the client registered for an MCP server: a native public client
/// on a loopback redirect (RFC 8252 §7.3), for the code grant with PKCE.
pub fn dynamic_client_metadata(redirect_uri: &str, scope: Option<&str>) -> Value {
    let mut metadata = registration::client_metadata(
        &[redirect_uri.to_string()],
        Some(AuthMethod::None.as_str()),
        scope,
        &["authorization_code".into(), "refresh_token".into()],
        Some("oauthscope"),
    );
    // 2026-07-28 requires application_type with dynamic registration; it is harmless before.
    metadata["application_type"] = json!("native");
    metadata
}

/// The client to use after a dynamic registration: public unless the server gave a secret,
/// then authenticating the way the registration says (RFC 7591 §3.2.1 echoes
/// `token_endpoint_auth_method`), else the way the server supports (RFC 8414 §2: Basic
/// when listed or nothing is listed, else POST).
pub fn registered_credentials(
    client: &RegisteredClient,
    server: &ServerMetadata,
) -> ClientCredentials {
    let Some(secret) = &client.client_secret else {
        return ClientCredentials::public(client.client_id.clone());
    };
    let registered = client
        .metadata
        .get("token_endpoint_auth_method")
        .and_then(Value::as_str)
        .and_then(|m| m.parse::<AuthMethod>().ok())
        .filter(|m| *m != AuthMethod::None);
    let supported = &server.token_endpoint_auth_methods_supported;
    let method = registered.unwrap_or(
        if supported.is_empty() || supported.iter().any(|m| m == "client_secret_basic") {
            AuthMethod::ClientSecretBasic
        } else {
            AuthMethod::ClientSecretPost
        },
    );
    ClientCredentials::confidential(client.client_id.clone(), secret.clone(), method)
}

/// The code flow for the MCP server: PKCE S256 and `resource=<server URL>` in the
/// authorization request (RFC 8707 §2.1); the token request repeats the resource sent.
pub fn authorization_flow(mut config: FlowConfig, server_url: &str) -> Result<Flow, EngineError> {
    config.pkce = Some(Default::default());
    let mut flow = Flow::authorization_code(config)?;
    if let Some(draft) = flow.draft_mut() {
        draft
            .params
            .push(("resource".into(), server_url.to_string()));
    }
    Ok(flow)
}

/// A JSON-RPC request to the MCP server with the access token (MCP 2025-11-25 "Token
/// Requirements": `Authorization: Bearer` on every request).
pub fn call_request(
    server_url: &str,
    token: &Secret,
    id: u64,
    method: &str,
    params: Value,
) -> RequestDraft {
    let mut draft = if method == "initialize" {
        initialize_request(server_url)
    } else {
        rpc_request(
            server_url,
            json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }),
        )
    };
    draft
        .headers
        .push(("Authorization".into(), format!("Bearer {}", token.secret())));
    draft.secret_names.push("Authorization".into());
    draft
}

/// The `initialized` notification that completes the handshake (MCP "Lifecycle").
pub fn initialized_notification(server_url: &str, token: &Secret) -> RequestDraft {
    let mut draft = call_request(server_url, token, 0, "notifications/initialized", json!({}));
    draft.json_body = Some(json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }));
    draft
}

/// Reads a JSON-RPC answer: the `result`, or the JSON-RPC error in words. Streamable HTTP
/// answers with JSON or with an SSE stream whose `data:` events carry the messages.
pub fn process_call(exchange: &Exchange) -> Result<Value, EngineError> {
    expect_status(exchange, &[200])?;
    let body = exchange.response_body.as_deref().unwrap_or_default();
    let sse = exchange
        .response_header("content-type")
        .is_some_and(|t| t.starts_with("text/event-stream"));
    let message: Value = if sse {
        body.lines()
            .filter_map(|line| line.strip_prefix("data:"))
            .filter_map(|data| serde_json::from_str::<Value>(data.trim()).ok())
            .find(|m| m.get("result").is_some() || m.get("error").is_some())
            .ok_or_else(|| EngineError::WrongShape {
                what: "MCP response".into(),
                detail: "the event stream carries no JSON-RPC response".into(),
            })?
    } else {
        serde_json::from_str(body).map_err(|e| EngineError::WrongShape {
            what: "MCP response".into(),
            detail: e.to_string(),
        })?
    };
    if let Some(error) = message.get("error") {
        return Err(EngineError::protocol(
            "JSON-RPC 2.0 §5.1",
            format!(
                "the MCP server answered error {}: {}",
                error["code"],
                error["message"].as_str().unwrap_or_default()
            ),
        ));
    }
    message
        .get("result")
        .cloned()
        .ok_or_else(|| EngineError::WrongShape {
            what: "MCP response".into(),
            detail: "a JSON-RPC response has a result or an error".into(),
        })
}

/// A notification is answered with 202 and no body (MCP "Transports").
pub fn process_notification(exchange: &Exchange) -> Result<(), EngineError> {
    match check_transport(exchange)? {
        200..=299 => Ok(()),
        _ => expect_status(exchange, &[202]).map(|_| ()),
    }
}

/// The names of the tools a `tools/list` result lists.
pub fn tool_names(result: &Value) -> Vec<String> {
    result["tools"]
        .as_array()
        .map(|tools| {
            tools
                .iter()
                .filter_map(|t| t["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::jwt::Verdict;

    fn metadata(methods: &[&str]) -> ServerMetadata {
        ServerMetadata {
            issuer: "https://as.example".into(),
            code_challenge_methods_supported: methods.iter().map(|m| m.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn pkce_must_be_advertised_with_s256() {
        assert_eq!(
            authorization_server_checks(&metadata(&[]))[0].verdict,
            Verdict::Fail
        );
        assert_eq!(
            authorization_server_checks(&metadata(&["plain"]))[0].verdict,
            Verdict::Fail
        );
        assert_eq!(
            authorization_server_checks(&metadata(&["plain", "S256"]))[0].verdict,
            Verdict::Pass
        );
    }

    #[test]
    fn registration_prefers_the_given_client_then_dynamic() {
        let mut m = metadata(&["S256"]);
        let (chosen, _) = choose_registration(RegistrationMode::Auto, true, &m).unwrap();
        assert_eq!(chosen, Registration::Pre);
        assert!(choose_registration(RegistrationMode::Auto, false, &m).is_err());
        m.registration_endpoint = Some("https://as.example/register".into());
        let (chosen, why) = choose_registration(RegistrationMode::Auto, false, &m).unwrap();
        assert_eq!(chosen, Registration::Dynamic);
        assert!(why.contains("RFC 7591"));
        assert!(choose_registration(RegistrationMode::Pre, false, &m).is_err());
    }

    #[test]
    fn a_registered_secret_is_sent_the_way_the_server_takes_it() {
        let registered: RegisteredClient = serde_json::from_value(json!({
            "client_id": "c", "client_secret": "s"
        }))
        .unwrap();
        let mut server = metadata(&["S256"]);
        server.token_endpoint_auth_methods_supported = vec!["client_secret_post".into()];
        let client = registered_credentials(&registered, &server);
        assert_eq!(client.auth_method, AuthMethod::ClientSecretPost);
        server.token_endpoint_auth_methods_supported.clear();
        let client = registered_credentials(&registered, &server);
        assert_eq!(client.auth_method, AuthMethod::ClientSecretBasic);
        let public: RegisteredClient = serde_json::from_value(json!({ "client_id": "c" })).unwrap();
        assert_eq!(
            registered_credentials(&public, &server).auth_method,
            AuthMethod::None
        );
    }

    #[test]
    fn an_sse_answer_is_read_like_json() {
        let mut exchange = Exchange::new("POST", "http://127.0.0.1:1/mcp");
        exchange.status = Some(200);
        exchange.response_headers = vec![("content-type".into(), "text/event-stream".into())];
        exchange.response_body = Some(
            "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"tools\":[{\"name\":\"t\"}]}}\n\n"
                .into(),
        );
        assert_eq!(tool_names(&process_call(&exchange).unwrap()), ["t"]);
        exchange.response_headers.clear();
        exchange.response_body =
            Some(r#"{"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"no"}}"#.into());
        let err = process_call(&exchange).unwrap_err();
        assert!(err.to_string().contains("-32601"), "{err}");
    }
}
