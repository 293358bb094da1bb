//! The MCP authorization flow (MCP 2025-11-25 "Authorization") after the protected resource
//! is found ([`crate::oauth::protected_resource`]): the authorization server's MUSTs, the
//! choice of registration, the code flow with the RFC 8707 `resource`, and the MCP calls
//! with the token. The code flow itself is the existing one ([`Flow::authorization_code`]),
//! so its redirect checks (`state`, `iss` per RFC 9207) and the repetition of `resource` in
//! the token request (RFC 8707 §2.2) are the same as everywhere.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Flow, FlowConfig};
use crate::oauth::challenge;
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
pub fn authorization_server_checks(metadata: &ServerMetadata, spec: Spec) -> Vec<Check> {
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
    let mut checks = vec![check];
    if let Some(why) = spec.iss_required() {
        let advertised = metadata.authorization_response_iss_parameter_supported == Some(true);
        checks.push(Check::pass(
            "iss",
            if advertised {
                format!(
                    "the server promises iss in its authorization responses; the client \
                     checks it before redeeming the code, which {why} (RFC 9207 §2.4)"
                )
            } else {
                format!(
                    "the server does not advertise \
                     authorization_response_iss_parameter_supported; a response without iss \
                     is refused all the same, since iss is what {why} (RFC 9207 §2.4)"
                )
            },
        ));
    }
    checks
}

/// The MCP revision whose authorization rules the client follows (`--spec`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub enum Spec {
    #[serde(rename = "2025-06-18")]
    V2025_06_18,
    #[serde(rename = "2025-11-25")]
    V2025_11_25,
    /// The newest dated revision, the default.
    #[default]
    #[serde(rename = "2026-07-28")]
    V2026_07_28,
}

impl Spec {
    pub const ALL: [Spec; 3] = [Spec::V2025_06_18, Spec::V2025_11_25, Spec::V2026_07_28];

    /// Why this revision wants `iss` in every authorization response, if it does: 2026-07-28
    /// makes the RFC 9207 check a MUST before the code is redeemed, whatever the server
    /// advertises.
    pub fn iss_required(self) -> Option<&'static str> {
        (self >= Spec::V2026_07_28).then_some(
            "MCP 2026-07-28 requires before the code is redeemed, to detect mix-up attacks",
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Spec::V2025_06_18 => "2025-06-18",
            Spec::V2025_11_25 => "2025-11-25",
            Spec::V2026_07_28 => "2026-07-28",
        }
    }
}

impl std::str::FromStr for Spec {
    type Err = EngineError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Spec::ALL
            .into_iter()
            .find(|spec| spec.as_str() == s)
            .ok_or_else(|| {
                EngineError::config(format!(
                    "unknown MCP revision {s:?}: one of {}",
                    Spec::ALL.map(Spec::as_str).join(", ")
                ))
            })
    }
}

/// How the client gets its identity at the authorization server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Registration {
    /// Pre-registered: the user gave a client id.
    Pre,
    /// A Client ID Metadata Document: the client id is the URL of the client's metadata.
    Cimd,
    /// RFC 7591 dynamic client registration.
    Dynamic,
}

/// What the user asked for with `--registration`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationMode {
    /// Pre-registered when a client id is given, else a Client ID Metadata Document when the
    /// server takes one and its URL is given, else dynamic registration.
    Auto,
    Pre,
    Cimd,
    Dynamic,
}

/// What the client has to offer for registration.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientOffer<'a> {
    /// A client id was given (`--client-id`).
    pub client_id: bool,
    /// The URL of the client's metadata document (`--client-metadata-url`).
    pub metadata_url: Option<&'a str>,
}

/// The registration chosen, why, and the checks on the way.
#[derive(Debug, Clone)]
pub struct RegistrationChoice {
    pub method: Registration,
    pub why: String,
    pub checks: Vec<Check>,
}

/// The rule that orders the registration approaches.
const APPROACHES: &str = "MCP 2025-11-25 Client Registration Approaches";

/// True when the server says it fetches Client ID Metadata Documents
/// (draft-ietf-oauth-client-id-metadata-document §5: `client_id_metadata_document_supported`).
pub fn cimd_supported(metadata: &ServerMetadata) -> bool {
    metadata
        .extra
        .get("client_id_metadata_document_supported")
        .and_then(Value::as_bool)
        == Some(true)
}

/// Chooses the registration in the order of MCP 2025-11-25 "Client Registration
/// Approaches": a pre-registered client; else a Client ID Metadata Document when the server
/// advertises `client_id_metadata_document_supported` and the client has one (2025-06-18
/// has no such approach); else RFC 7591 dynamic registration when the server has a
/// registration endpoint (deprecated in 2026-07-28, which wants `application_type` with it).
pub fn choose_registration(
    mode: RegistrationMode,
    offer: ClientOffer<'_>,
    metadata: &ServerMetadata,
    spec: Spec,
) -> Result<RegistrationChoice, EngineError> {
    let cimd_known = spec >= Spec::V2025_11_25;
    let advertised = cimd_supported(metadata);
    let dynamic_ok = metadata.registration_endpoint.is_some();
    let choice = |method, why: String| RegistrationChoice {
        method,
        why,
        checks: Vec::new(),
    };
    match mode {
        RegistrationMode::Pre | RegistrationMode::Auto if offer.client_id => {
            return Ok(choice(
                Registration::Pre,
                "a client id was given: the pre-registered client is used".into(),
            ));
        }
        RegistrationMode::Pre => {
            return Err(EngineError::config("--registration pre needs --client-id"));
        }
        RegistrationMode::Cimd => {
            let url = offer.metadata_url.ok_or_else(|| {
                EngineError::config("--registration cimd needs --client-metadata-url")
            })?;
            let why = if advertised {
                "asked for with --registration cimd, and the server advertises \
                 client_id_metadata_document_supported: the metadata document's URL is the \
                 client_id (draft-ietf-oauth-client-id-metadata-document §3)"
            } else {
                "asked for with --registration cimd, though the server does not advertise \
                 client_id_metadata_document_supported: it may refuse the URL as client_id \
                 (draft-ietf-oauth-client-id-metadata-document §5)"
            };
            let mut chosen = choice(Registration::Cimd, why.into());
            chosen.checks.push(check_metadata_url(url));
            return Ok(chosen);
        }
        RegistrationMode::Auto | RegistrationMode::Dynamic => {}
    }
    if mode == RegistrationMode::Auto
        && cimd_known
        && advertised
        && let Some(url) = offer.metadata_url
    {
        let mut chosen = choice(
            Registration::Cimd,
            format!(
                "no client id given, the server advertises \
                 client_id_metadata_document_supported and a client metadata URL was given: \
                 the metadata document's URL is the client_id ({APPROACHES}, \
                 draft-ietf-oauth-client-id-metadata-document §3)"
            ),
        );
        chosen.checks.push(check_metadata_url(url));
        return Ok(chosen);
    }
    // Why no metadata document, in words, for the auto choice that falls through.
    let not_cimd = match (cimd_known, advertised, offer.metadata_url) {
        _ if mode == RegistrationMode::Dynamic => "asked for with --registration dcr",
        (false, _, _) => "MCP 2025-06-18 knows no Client ID Metadata Documents",
        (true, false, _) => "the server does not advertise client_id_metadata_document_supported",
        (true, true, _) => {
            "the server takes Client ID Metadata Documents, but no client metadata URL was given \
             (--client-metadata-url, or a URL as the client id in the terminal app)"
        }
    };
    if !dynamic_ok {
        return Err(EngineError::protocol(
            APPROACHES,
            format!(
                "no client id was given, {not_cimd}, and the server offers no \
                 registration_endpoint: give the id of a client registered there (--client-id, or \
                 a client in the terminal app){}",
                if advertised && offer.metadata_url.is_none() {
                    ", or the URL of the client's metadata document (--client-metadata-url)"
                } else {
                    ""
                }
            ),
        ));
    }
    let deprecated = if spec >= Spec::V2026_07_28 {
        "; MCP 2026-07-28 deprecates it in favour of Client ID Metadata Documents and wants \
         application_type, which is sent"
    } else {
        ""
    };
    Ok(choice(
        Registration::Dynamic,
        format!(
            "no client id given and {not_cimd}: dynamic client registration (RFC 7591 §3){deprecated}"
        ),
    ))
}

/// The rules on a client id that is a metadata document's URL
/// (draft-ietf-oauth-client-id-metadata-document §3): https, with a path, without a
/// fragment, credentials or dot segments. Plain http is allowed on the loopback only, for a
/// document served locally to a local server.
pub fn check_metadata_url(url: &str) -> Check {
    const RULE: &str = "draft-ietf-oauth-client-id-metadata-document §3";
    let fail = |why: &str| {
        Check::fail(
            "client_id_metadata_url",
            format!("the client metadata URL {url:?} {why} ({RULE})"),
        )
    };
    let parsed = match url::Url::parse(url) {
        Ok(parsed) => parsed,
        Err(e) => return fail(&format!("is not a URL: {e}")),
    };
    let loopback_http =
        parsed.scheme() == "http" && crate::oauth::discovery::is_loopback_http(&parsed);
    if parsed.scheme() != "https" && !loopback_http {
        return fail("must use https");
    }
    if parsed.path() == "/" {
        return fail("must have a path");
    }
    if parsed.fragment().is_some() {
        return fail("must not have a fragment");
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return fail("must not carry a user name or password");
    }
    // The URL parser resolves `.` and `..` away, so the text as given is what is looked at.
    if url
        .split(['?', '#'])
        .next()
        .is_some_and(|p| p.split('/').any(|s| s == "." || s == ".."))
    {
        return fail("must not have dot segments");
    }
    let note = if loopback_http {
        " (plain http, allowed on the loopback only)"
    } else {
        ""
    };
    Check::pass(
        "client_id_metadata_url",
        format!("{url} is a valid client id metadata URL{note} ({RULE})"),
    )
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

/// Where to register dynamically and what: the server's registration endpoint, and the
/// metadata of a client for the scope asked for and every scope the resource lists, so that
/// a step-up to one of them stays within what the client may ask for (RFC 7591 §2 `scope`).
pub fn dynamic_registration(
    server: &ServerMetadata,
    redirect_uri: &str,
    scope: Option<&str>,
    resource_scopes: &[String],
) -> (String, Value) {
    let endpoint = server.registration_endpoint.clone().unwrap_or_default();
    let registered_scope = step_up_scope(scope, &resource_scopes.join(" "));
    let metadata = dynamic_client_metadata(
        redirect_uri,
        Some(registered_scope.as_str()).filter(|s| !s.is_empty()),
    );
    (endpoint, metadata)
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

/// The code flow for the MCP server's `resource` (the server's URL, or the origin its
/// metadata names), then initialize and tools/list at `server_url` with its token as steps
/// of the same flow, for a face that walks the steps one by one.
pub fn authorization_flow_then_tools(
    mut config: FlowConfig,
    resource: &str,
    server_url: &str,
    spec: Spec,
) -> Result<Flow, EngineError> {
    config.require_iss = config.require_iss.or(spec.iss_required());
    let mut flow = authorization_flow(config, resource)?;
    flow.then_call(McpServer {
        server_url: server_url.to_string(),
        resource: resource.to_string(),
        spec,
        protocol_version: None,
        call: None,
        step_ups: Vec::new(),
    });
    Ok(flow)
}

/// The MCP server a flow calls after its code flow, and the revision agreed on.
#[derive(Debug, Clone)]
pub struct McpServer {
    pub server_url: String,
    /// The resource the tokens are asked for (RFC 8707), again in a step-up.
    pub resource: String,
    pub spec: Spec,
    pub protocol_version: Option<String>,
    /// The `tools/call` params of the call asked for last (name and arguments).
    pub call: Option<Value>,
    /// The step-up authorizations the flow made, at most [`MAX_STEP_UPS`].
    pub step_ups: Vec<StepUp>,
}

/// One step-up authorization: the call refused, the scope it needed, the scope asked for.
#[derive(Debug, Clone, Serialize)]
pub struct StepUp {
    pub method: &'static str,
    pub needed: String,
    pub scope: String,
}

/// What a `tools/call` answered: the tool, its text, whether it reported an error, and the
/// whole result.
#[derive(Debug, Clone, Serialize)]
pub struct ToolAnswer {
    pub tool: String,
    pub text: String,
    pub is_error: bool,
    pub result: Value,
}

impl McpServer {
    /// Where the calls go; `dpop` when the flow holds a DPoP key its token is bound to.
    pub fn target(&self, dpop: bool) -> McpTarget<'_> {
        McpTarget {
            server_url: &self.server_url,
            spec: self.spec,
            protocol_version: self.protocol_version.as_deref(),
            dpop,
        }
    }
}

/// Where the calls with the token go, and what each carries: `Authorization: Bearer` (MCP
/// 2025-11-25 "Token Requirements"), or `Authorization: DPoP` for a DPoP-bound token (RFC
/// 9449 §7.1; the flow adds the proof as it sends), and, once initialize agreed on one, the
/// `MCP-Protocol-Version` header (MCP "Transports", since 2025-06-18).
#[derive(Debug, Clone)]
pub struct McpTarget<'a> {
    pub server_url: &'a str,
    /// The revision offered in initialize.
    pub spec: Spec,
    /// The revision the server answered initialize with.
    pub protocol_version: Option<&'a str>,
    /// The token is presented with the DPoP scheme.
    pub dpop: bool,
}

/// A JSON-RPC request to the MCP server with the access token.
pub fn call_request(
    target: &McpTarget<'_>,
    token: &Secret,
    id: u64,
    method: &str,
    params: Value,
) -> RequestDraft {
    let mut draft = if method == "initialize" {
        initialize_request(target.server_url, target.spec)
    } else {
        rpc_request(
            target.server_url,
            json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }),
        )
    };
    if let Some(version) = target.protocol_version {
        draft
            .headers
            .push(("MCP-Protocol-Version".into(), version.to_string()));
    }
    let scheme = if target.dpop {
        crate::oauth::dpop::HEADER
    } else {
        "Bearer"
    };
    draft.headers.push((
        "Authorization".into(),
        format!("{scheme} {}", token.secret()),
    ));
    draft.secret_names.push("Authorization".into());
    draft
}

/// The `initialized` notification that completes the handshake (MCP "Lifecycle").
pub fn initialized_notification(target: &McpTarget<'_>, token: &Secret) -> RequestDraft {
    let mut draft = call_request(target, token, 0, "notifications/initialized", json!({}));
    draft.json_body = Some(json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }));
    draft
}

/// The revision the server chose in its initialize result (MCP "Lifecycle": version
/// negotiation), if it names one.
pub fn negotiated_version(result: &Value) -> Option<String> {
    result["protocolVersion"]
        .as_str()
        .filter(|v| !v.is_empty() && v.len() <= 32 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_string)
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

/// How many times one call is retried after a step-up authorization: a server that keeps
/// answering `403 insufficient_scope` must not loop the client (MCP 2025-11-25 "Scope
/// Challenge Handling": clients limit their retries).
pub const MAX_STEP_UPS: usize = 2;

/// The scope a `403` with `error="insufficient_scope"` asks for (RFC 6750 §3.1, MCP
/// 2025-11-25 "Scope Challenge Handling"), in a Bearer or a DPoP challenge (RFC 9449 §7.1);
/// `None` for any other answer, or one that names no scope, since a step-up would then not
/// know what to ask for.
pub fn insufficient_scope(exchange: &Exchange) -> Option<String> {
    if exchange.status != Some(403) {
        return None;
    }
    let challenges = exchange
        .response_headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("www-authenticate"))
        .filter_map(|(_, value)| challenge::parse(value).ok())
        .flatten();
    let refusal = challenges
        .filter(|c| c.is_bearer() || c.scheme.eq_ignore_ascii_case(crate::oauth::dpop::HEADER))
        .find(|c| c.param("error") == Some("insufficient_scope"))?;
    refusal
        .param("scope")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The scope of a step-up: what was asked before and what the challenge needs, each scope
/// once, in that order, so the new token keeps what the old one could do.
pub fn step_up_scope(asked: Option<&str>, needed: &str) -> String {
    let mut scopes: Vec<&str> = Vec::new();
    for scope in asked
        .unwrap_or_default()
        .split(' ')
        .chain(needed.split(' '))
    {
        if !scope.is_empty() && !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    scopes.join(" ")
}

/// A step-up's decision (MCP 2025-11-25 Scope Challenge Handling): the scope to ask for
/// now, and the check that says why, as step-up `count` of [`MAX_STEP_UPS`].
pub fn step_up_decision(asked: Option<&str>, needed: &str, count: usize) -> (String, Check) {
    let wider = step_up_scope(asked, needed);
    let why = if Some(wider.as_str()) == asked {
        format!(
            "the server needs scope {needed:?}, which was asked for already; authorizing once \
             more in case less was granted"
        )
    } else {
        format!("the server needs scope {needed:?}: authorizing again with {wider:?}")
    };
    let check = Check::pass(
        "insufficient_scope",
        format!("step-up {count} of {MAX_STEP_UPS}: {why}"),
    );
    (wider, check)
}

/// The text of a `tools/call` result, and whether the tool reported an error (MCP "Tools":
/// `content` items of type `text`, `isError`).
pub fn tool_result_text(result: &Value) -> (String, bool) {
    let text = result["content"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item["text"].as_str())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default();
    (text, result["isError"] == json!(true))
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
            authorization_server_checks(&metadata(&[]), Spec::default())[0].verdict,
            Verdict::Fail
        );
        assert_eq!(
            authorization_server_checks(&metadata(&["plain"]), Spec::default())[0].verdict,
            Verdict::Fail
        );
        assert_eq!(
            authorization_server_checks(&metadata(&["plain", "S256"]), Spec::default())[0].verdict,
            Verdict::Pass
        );
    }

    fn choose(
        mode: RegistrationMode,
        offer: ClientOffer<'_>,
        m: &ServerMetadata,
        spec: Spec,
    ) -> Registration {
        choose_registration(mode, offer, m, spec).unwrap().method
    }

    #[test]
    fn registration_prefers_the_given_client_then_dynamic() {
        let mut m = metadata(&["S256"]);
        let given = ClientOffer {
            client_id: true,
            metadata_url: None,
        };
        let none = ClientOffer::default();
        let auto = RegistrationMode::Auto;
        assert_eq!(choose(auto, given, &m, Spec::default()), Registration::Pre);
        assert!(choose_registration(auto, none, &m, Spec::default()).is_err());
        m.registration_endpoint = Some("https://as.example/register".into());
        let chosen = choose_registration(auto, none, &m, Spec::V2025_11_25).unwrap();
        assert_eq!(chosen.method, Registration::Dynamic);
        assert!(chosen.why.contains("RFC 7591"), "{}", chosen.why);
        assert!(
            chosen
                .why
                .contains("does not advertise client_id_metadata_document_supported"),
            "{}",
            chosen.why
        );
        assert!(!chosen.why.contains("deprecates"), "{}", chosen.why);
        let newest = choose_registration(auto, none, &m, Spec::V2026_07_28).unwrap();
        assert!(
            newest.why.contains("2026-07-28 deprecates"),
            "{}",
            newest.why
        );
        assert!(choose_registration(RegistrationMode::Pre, none, &m, Spec::default()).is_err());
    }

    #[test]
    fn a_metadata_document_comes_before_dynamic_registration_when_the_server_takes_one() {
        let mut m = metadata(&["S256"]);
        m.registration_endpoint = Some("https://as.example/register".into());
        let url = "https://client.example/oauth/metadata.json";
        let offer = ClientOffer {
            client_id: false,
            metadata_url: Some(url),
        };
        let auto = RegistrationMode::Auto;
        // Not advertised: dynamic registration, and the reason says so.
        assert_eq!(
            choose(auto, offer, &m, Spec::default()),
            Registration::Dynamic
        );
        m.extra
            .insert("client_id_metadata_document_supported".into(), json!(true));
        let chosen = choose_registration(auto, offer, &m, Spec::default()).unwrap();
        assert_eq!(chosen.method, Registration::Cimd);
        assert!(chosen.why.contains("client_id_metadata_document_supported"));
        assert_eq!(chosen.checks[0].verdict, Verdict::Pass);
        // 2025-06-18 has no metadata documents; a given client id still wins.
        assert_eq!(
            choose(auto, offer, &m, Spec::V2025_06_18),
            Registration::Dynamic
        );
        let both = ClientOffer {
            client_id: true,
            ..offer
        };
        assert_eq!(choose(auto, both, &m, Spec::default()), Registration::Pre);
        // Advertised but no URL: dynamic, saying the URL is what is missing.
        let why = choose_registration(auto, ClientOffer::default(), &m, Spec::default())
            .unwrap()
            .why;
        assert!(why.contains("no client metadata URL"), "{why}");
        // Asked for by name: needs the URL, and takes it even when not advertised.
        let cimd = RegistrationMode::Cimd;
        assert!(choose_registration(cimd, ClientOffer::default(), &m, Spec::default()).is_err());
        m.extra.clear();
        assert_eq!(choose(cimd, offer, &m, Spec::default()), Registration::Cimd);
    }

    #[test]
    fn a_metadata_url_must_be_https_with_a_path() {
        for good in [
            "https://client.example/metadata.json",
            "http://127.0.0.1:8080/client.json",
        ] {
            assert_eq!(check_metadata_url(good).verdict, Verdict::Pass, "{good}");
        }
        for bad in [
            "http://client.example/metadata.json",
            "https://client.example/",
            "https://client.example/m.json#x",
            "https://user:pw@client.example/m.json",
            "https://client.example/a/../m.json",
            "not a url",
        ] {
            let check = check_metadata_url(bad);
            assert_eq!(check.verdict, Verdict::Fail, "{bad}");
            assert!(check.detail.contains("§3"), "{}", check.detail);
        }
    }

    #[test]
    fn the_flow_for_the_tools_asks_for_the_resource_then_calls_the_server() {
        let mut config = FlowConfig::new(metadata(&["S256"]), ClientCredentials::public("c"));
        config.metadata.authorization_endpoint = Some("https://as.example/authorize".into());
        config.metadata.token_endpoint = Some("https://as.example/token".into());
        config.redirect_uri = Some("http://127.0.0.1:1/callback".into());
        let url = "https://mcp.example/mcp";
        let flow = authorization_flow_then_tools(config, url, url, Spec::default()).unwrap();
        let kinds: Vec<_> = flow.steps().iter().map(|s| s.kind).collect();
        use crate::oauth::StepKind;
        let expected = [
            StepKind::Authorize,
            StepKind::ExchangeCode,
            StepKind::McpInitialize,
            StepKind::McpListTools,
        ];
        assert_eq!(kinds, expected);
        let draft = flow.steps()[0].request.as_ref().unwrap();
        assert!(
            draft
                .params
                .iter()
                .any(|(n, v)| n == "resource" && v == url)
        );
        // The newest revision wants iss in the authorization response (RFC 9207).
        assert!(flow.config().require_iss.is_some());
        assert_eq!(flow.mcp_server().unwrap().server_url, url);
    }

    #[test]
    fn every_revision_reads_back_from_its_name() {
        for spec in Spec::ALL {
            assert_eq!(spec.as_str().parse::<Spec>().unwrap(), spec);
        }
        assert_eq!(Spec::default(), Spec::V2026_07_28);
        assert!("2024-11-05".parse::<Spec>().is_err());
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

    fn refused(status: u16, challenge: &str) -> Exchange {
        let mut exchange = Exchange::new("POST", "http://127.0.0.1:1/mcp");
        exchange.status = Some(status);
        exchange.response_headers = vec![("WWW-Authenticate".into(), challenge.into())];
        exchange
    }

    #[test]
    fn only_a_403_insufficient_scope_with_a_scope_asks_for_a_step_up() {
        let wanted = r#"Bearer error="insufficient_scope", scope="mcp:basic mcp:write""#;
        assert_eq!(
            insufficient_scope(&refused(403, wanted)).as_deref(),
            Some("mcp:basic mcp:write")
        );
        assert_eq!(insufficient_scope(&refused(401, wanted)), None);
        assert_eq!(
            insufficient_scope(&refused(403, r#"Bearer error="invalid_token", scope="a""#)),
            None
        );
        assert_eq!(
            insufficient_scope(&refused(403, r#"Bearer error="insufficient_scope""#)),
            None
        );
        assert_eq!(insufficient_scope(&refused(403, "Bearer error=\"")), None);
        let dpop = r#"DPoP algs="ES256", error="insufficient_scope", scope="mcp:tools""#;
        assert_eq!(
            insufficient_scope(&refused(403, dpop)).as_deref(),
            Some("mcp:tools")
        );
    }

    #[test]
    fn a_step_up_keeps_what_was_asked_and_adds_what_is_needed() {
        assert_eq!(
            step_up_scope(Some("mcp:basic openid"), "mcp:basic  mcp:write"),
            "mcp:basic openid mcp:write"
        );
        assert_eq!(step_up_scope(None, "a"), "a");
    }

    #[test]
    fn a_tool_result_is_read_as_its_text() {
        let result = json!({"content": [{"type": "text", "text": "a"}, {"type": "image"}, {"type": "text", "text": "b"}]});
        assert_eq!(tool_result_text(&result), ("a\nb".into(), false));
        let failed = json!({"content": [{"type": "text", "text": "no"}], "isError": true});
        assert!(tool_result_text(&failed).1);
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
