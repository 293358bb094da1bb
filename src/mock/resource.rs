//! The demo protected MCP server: a Streamable HTTP endpoint (MCP 2025-11-25, "Transports")
//! at `{issuer}/mcp` with one tool, `whoami`, that returns the access token's claims. It is
//! an OAuth resource server as MCP authorization asks: a request without a token gets `401`
//! with `WWW-Authenticate: Bearer resource_metadata="…", scope="…"` (RFC 9728 §5.1), its
//! protected resource metadata is at `/.well-known/oauth-protected-resource/mcp` (RFC 9728
//! §3.1), a token is accepted only when its `aud` is this resource (RFC 8707 §2, RFC 9068 §4),
//! and a token without the scope gets `403 insufficient_scope` (RFC 6750 §3.1).
//!
//! It is a DPoP resource server too (RFC 9449 §7): a token bound to a key (`cnf.jkt`) is
//! let in only as `Authorization: DPoP <token>` with a proof of that key for this POST to
//! this URL, hashing the token (`ath`), checked by the same rules as at UserInfo; a refusal
//! of such a request challenges with `DPoP`, and with a nonce when the mock wants one (§9).
//!
//! It answers every request with one JSON response (no SSE stream), which the transport allows.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::app::{App, AppState, MCP_PATH};
use super::config::MCP_SCOPE;
use super::dpop::{ALGS_SUPPORTED, Presented, Target, dpop_token};
use super::errors::OAuthError;
use super::http::forbid_caching;
use super::resource_indicators;
use super::tokens::find_access_token;
use crate::oauth::dpop::HEADER as DPOP_HEADER;
use crate::resource_server::{self, Refusal, Scheme, bearer_token};
use crate::wire::{PROTECTED_RESOURCE_METADATA_PATH, ProtectedResourceMetadata};

/// The protocol revisions this server speaks, newest first (MCP "Lifecycle": the server
/// answers with the client's version if it supports it, else its own latest).
const PROTOCOL_VERSIONS: [&str; 3] = ["2025-11-25", "2025-06-18", "2025-03-26"];

/// JSON-RPC 2.0 error codes (JSON-RPC 2.0 §5.1).
const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;
const METHOD_NOT_FOUND: i64 = -32601;
const INVALID_PARAMS: i64 = -32602;

/// The URL of the resource (what tokens must name in `aud`).
pub fn resource_url(app: &App) -> String {
    app.url(MCP_PATH)
}

/// Where the RFC 9728 document is: the well-known prefix inserted before the resource's path.
pub fn metadata_url(app: &App) -> String {
    resource_server::metadata_url(&resource_url(app))
        .unwrap_or_else(|| format!("{}{PROTECTED_RESOURCE_METADATA_PATH}", app.issuer))
}

/// The path the metadata document is served at, for the router.
pub fn metadata_path(app: &App) -> String {
    url::Url::parse(&resource_url(app)).map_or_else(
        |_| format!("{PROTECTED_RESOURCE_METADATA_PATH}{MCP_PATH}"),
        |url| resource_server::metadata_path(&url),
    )
}

/// `GET /.well-known/oauth-protected-resource/mcp` (RFC 9728 §2, §3.2).
pub async fn metadata(State(app): State<AppState>) -> Json<ProtectedResourceMetadata> {
    Json(ProtectedResourceMetadata {
        resource: resource_url(&app),
        authorization_servers: vec![app.issuer.clone()],
        scopes_supported: vec![MCP_SCOPE.to_owned()],
        bearer_methods_supported: vec!["header".to_owned()],
        resource_name: Some("oauthscope demo MCP server".to_owned()),
        // RFC 9728 §2: the proofs taken, and that Bearer tokens are still let in.
        extra: serde_json::Map::from_iter([
            (
                "dpop_signing_alg_values_supported".to_owned(),
                json!(ALGS_SUPPORTED),
            ),
            ("dpop_bound_access_tokens_required".to_owned(), json!(false)),
        ]),
    })
}

/// `GET /mcp`: this server opens no SSE stream (MCP "Transports": 405 is the answer then).
pub async fn get() -> Response {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        "this MCP server answers POST only; it opens no SSE stream",
    )
        .into_response()
}

/// `POST /mcp`: one JSON-RPC message, after the token is checked.
pub async fn post(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let claims = match authenticate(&app, &headers).await {
        Ok(claims) => claims,
        Err(Refused { refusal, dpop }) => {
            let url = metadata_url(&app);
            if !dpop {
                return refusal.into_response(&url, MCP_SCOPE);
            }
            let wants_nonce =
                matches!(&refusal, Refusal::Invalid { error, .. } if *error == "use_dpop_nonce");
            let scheme = Scheme::Dpop {
                algs: ALGS_SUPPORTED.join(" "),
                nonce: app.dpop.nonce().filter(|_| wants_nonce).map(str::to_owned),
            };
            return refusal.into_response_as(&scheme, &url, MCP_SCOPE);
        }
    };
    let message: Value = match serde_json::from_slice(&body) {
        Ok(message) => message,
        Err(err) => {
            return rpc_error(Value::Null, PARSE_ERROR, &format!("not JSON: {err}"));
        }
    };
    let id = message.get("id").cloned();
    if message.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return rpc_error(
            id.unwrap_or(Value::Null),
            INVALID_REQUEST,
            "expected one JSON-RPC 2.0 object with \"jsonrpc\": \"2.0\" (batches are not part \
             of MCP since 2025-06-18)",
        );
    }
    let Some(method) = message.get("method").and_then(Value::as_str) else {
        // A response or anything else without a method: nothing to answer.
        return StatusCode::ACCEPTED.into_response();
    };
    // A notification (no id) is acknowledged with 202 and no body (MCP "Transports").
    let Some(id) = id else {
        return StatusCode::ACCEPTED.into_response();
    };
    let params = message.get("params").cloned().unwrap_or(Value::Null);
    match call(method, &params, &claims) {
        Ok(result) => rpc_reply(json!({ "jsonrpc": "2.0", "id": id, "result": result })),
        Err((code, text)) => rpc_error(id, code, &text),
    }
}

/// The MCP methods this server knows.
fn call(method: &str, params: &Value, claims: &Value) -> Result<Value, (i64, String)> {
    match method {
        "initialize" => {
            let asked = params.get("protocolVersion").and_then(Value::as_str);
            let version = asked
                .filter(|v| PROTOCOL_VERSIONS.contains(v))
                .unwrap_or(PROTOCOL_VERSIONS[0]);
            Ok(json!({
                "protocolVersion": version,
                "capabilities": { "tools": { "listChanged": false } },
                "serverInfo": { "name": "oauthscope-mock", "version": env!("CARGO_PKG_VERSION") },
                "instructions": "A demo MCP server protected by the oauthscope mock. \
                                 Call whoami to see the claims of the token you sent.",
            }))
        }
        "ping" => Ok(json!({})),
        "tools/list" => Ok(json!({ "tools": [whoami_tool()] })),
        "tools/call" => match params.get("name").and_then(Value::as_str) {
            Some("whoami") => Ok(json!({
                "content": [{
                    "type": "text",
                    "text": serde_json::to_string_pretty(claims).unwrap_or_default(),
                }],
                "structuredContent": claims,
                "isError": false,
            })),
            Some(other) => Err((INVALID_PARAMS, format!("unknown tool `{other}`"))),
            None => Err((INVALID_PARAMS, "tools/call needs params.name".into())),
        },
        other => Err((
            METHOD_NOT_FOUND,
            format!("method `{other}` is not supported"),
        )),
    }
}

fn whoami_tool() -> Value {
    json!({
        "name": "whoami",
        "title": "Who am I?",
        "description": "Returns the claims of the access token this request carried.",
        "inputSchema": { "type": "object", "properties": {} },
        "annotations": { "readOnlyHint": true },
    })
}

fn rpc_reply(body: Value) -> Response {
    let mut response = (StatusCode::OK, Json(body)).into_response();
    forbid_caching(response.headers_mut());
    response
}

fn rpc_error(id: Value, code: i64, message: &str) -> Response {
    rpc_reply(json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": { "code": code, "message": message },
    }))
}

/// A refusal, and whether it answers a request in the DPoP scheme: one that presented a
/// proof or a DPoP-bound token, whose challenge is then `DPoP` (RFC 9449 §7.1).
struct Refused {
    refusal: Refusal,
    dpop: bool,
}

impl From<Refusal> for Refused {
    fn from(refusal: Refusal) -> Self {
        Refused {
            refusal,
            dpop: false,
        }
    }
}

impl Refused {
    fn dpop(refusal: Refusal) -> Self {
        Refused {
            refusal,
            dpop: true,
        }
    }
}

/// The token of the request: `Authorization: DPoP` (RFC 9449 §7.1) or `Bearer` (RFC 6750
/// §2.1). A proof without a token is refused: it proves a key for no token.
fn presented(headers: &HeaderMap) -> Result<Presented, Refused> {
    let proof_sent = headers.contains_key(DPOP_HEADER);
    let dpop = dpop_token(headers).map_err(|err| Refused {
        refusal: Refusal::invalid_request(err.description),
        dpop: true,
    })?;
    if let Some(token) = dpop {
        return Ok(Presented::Dpop(token));
    }
    match bearer_token(headers) {
        Ok(Some(token)) => Ok(Presented::Bearer(token)),
        Ok(None) if proof_sent => Err(Refused::dpop(Refusal::invalid_token(
            "a DPoP proof came without the access token it goes with: send \
             `Authorization: DPoP <token>` beside it (RFC 9449 section 7.1)",
        ))),
        Ok(None) => Err(Refusal::NoToken.into()),
        Err(rule) => Err(Refusal::invalid_request(rule).into()),
    }
}

/// A DPoP refusal from the shared checks (`Dpop::check_presented`), as this resource's.
fn dpop_refusal(err: OAuthError) -> Refused {
    Refused::dpop(Refusal::Invalid {
        status: err.status,
        error: err.error,
        description: err.description,
    })
}

/// The verified claims of the request's access token, if it may call this server.
async fn authenticate(app: &App, headers: &HeaderMap) -> Result<Value, Refused> {
    let presented = presented(headers)?;
    let in_dpop = matches!(presented, Presented::Dpop(_));
    // Before the token is known to be bound, a refusal answers in the scheme it came in.
    let refuse = |refusal: Refusal| Refused {
        refusal,
        dpop: in_dpop,
    };
    let token = presented.token();
    let now = app.now();
    let ring = app
        .keys
        .ring()
        .await
        .map_err(|err| refuse(Refusal::server(err.to_string())))?;
    let claims = ring.verified_claims(token, "at+jwt", now).ok_or_else(|| {
        refuse(Refusal::invalid_token(
            "the access token is not a JWT access token this server signed (RFC 9068 section 4)",
        ))
    })?;
    if claims["iss"] != app.issuer.as_str() {
        return Err(refuse(Refusal::invalid_token(format!(
            "the access token was issued by {}, not by this server's authorization server {} \
             (RFC 9068 section 4)",
            claims["iss"], app.issuer
        ))));
    }
    let resource = resource_url(app);
    if !resource_indicators::names(&claims["aud"], &resource) {
        return Err(refuse(Refusal::invalid_token(format!(
            "the access token's audience is {}, not this resource {resource}: ask for it with \
             resource={resource} (RFC 8707 section 2, RFC 9068 section 4)",
            claims["aud"]
        ))));
    }
    // Expiry, revocation and the client still existing are the store's to say.
    let Some(access) = find_access_token(app, token)
        .await
        .map_err(|err| refuse(Refusal::server(err.description)))?
    else {
        return Err(refuse(Refusal::invalid_token(
            "the access token is expired or revoked (RFC 6750 section 3.1)",
        )));
    };
    // A bound token, or a token with a proof: the proof is checked for this request.
    let target = Target {
        method: "POST",
        url: &resource,
        access_token: None,
    };
    app.dpop
        .check_presented(headers, &presented, access.jkt.as_deref(), target, now)
        .map_err(dpop_refusal)?;
    let refuse = |refusal: Refusal| Refused {
        refusal,
        dpop: in_dpop || access.jkt.is_some(),
    };
    let granted = claims["scope"].as_str().unwrap_or_default();
    if !granted.split(' ').any(|s| s == MCP_SCOPE) {
        return Err(refuse(Refusal::Scope(format!(
            "this MCP server needs scope `{MCP_SCOPE}`; the token has `{granted}` \
             (RFC 6750 section 3.1)"
        ))));
    }
    Ok(claims)
}
