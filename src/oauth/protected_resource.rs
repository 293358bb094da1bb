//! Finding an MCP server's authorization server, as MCP authorization (2025-11-25) asks: a
//! request without a token, the `401` and its Bearer challenge (RFC 9728 §5.1), the
//! protected resource metadata (RFC 9728 §3), each URL tried and why, and the checks the
//! specifications make a MUST, each with its verdict.

use serde::Serialize;
use serde_json::json;

use super::challenge::{self, Challenge};
use super::error::EngineError;
use super::exchange::Exchange;
use super::flow::mcp::Spec;
use super::http::RecordingClient;
use super::jwt::{Check, Verdict};
use super::response::{check_transport, expect_json};
use super::step::RequestDraft;
use crate::wire::{PROTECTED_RESOURCE_METADATA_PATH, ProtectedResourceMetadata};

/// One URL to try, and why it is on the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    pub url: String,
    pub why: &'static str,
    /// The resource identifier this URL is the metadata of (RFC 9728 §3.1): the server's URL,
    /// or its origin for the document at the root.
    pub resource: String,
}

/// What the unauthenticated request learnt: the status and the Bearer challenge, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub bearer: Option<Challenge>,
}

impl Refusal {
    /// The `resource_metadata` URL the challenge names (RFC 9728 §5.1).
    pub fn resource_metadata(&self) -> Option<&str> {
        self.bearer.as_ref()?.param("resource_metadata")
    }

    /// The scope the challenge asks for (RFC 6750 §3, MCP "Scope Selection Strategy").
    pub fn scope(&self) -> Option<&str> {
        self.bearer.as_ref()?.param("scope")
    }
}

/// One JSON-RPC message to the MCP server over Streamable HTTP (MCP "Transports": POST,
/// accepting JSON or an SSE stream), with no token.
pub fn rpc_request(server_url: &str, message: serde_json::Value) -> RequestDraft {
    let mut draft = RequestDraft::new("POST", server_url);
    draft.headers = vec![(
        "Accept".to_string(),
        "application/json, text/event-stream".to_string(),
    )];
    draft.json_body = Some(message);
    draft
}

/// The JSON-RPC `initialize` request (MCP "Lifecycle"), with no token yet, offering the
/// revision the client follows (a server that does not know it answers with its own).
pub fn initialize_request(server_url: &str, spec: Spec) -> RequestDraft {
    rpc_request(
        server_url,
        json!({
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": spec.as_str(),
                "capabilities": {},
                "clientInfo": { "name": "oauthscope", "version": env!("CARGO_PKG_VERSION") },
            },
        }),
    )
}

/// The requests after `initialize` when a server lets it through without a token and
/// protects only what follows (MCP 2025-11-25 allows authorization per method): the
/// `initialized` notification, then `tools/list`.
fn after_initialize(server_url: &str) -> [RequestDraft; 2] {
    [
        rpc_request(
            server_url,
            json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }),
        ),
        rpc_request(
            server_url,
            json!({ "jsonrpc": "2.0", "id": 2, "method": "tools/list" }),
        ),
    ]
}

/// Reads the answer to the unauthenticated request: a protected server says `401` with a
/// Bearer challenge (RFC 6750 §3, RFC 9728 §5.1). 2025-11-25 lets the challenge be absent,
/// then the well-known URLs are tried; a server that answers 2xx needs no authorization.
pub fn process_refusal(exchange: &Exchange) -> Result<Refusal, EngineError> {
    let status = check_transport(exchange)?;
    if (200..300).contains(&status) {
        return Err(EngineError::protocol(
            "MCP 2025-11-25 Authorization §2.1",
            format!(
                "the server answered {status} without a token: it does not ask for authorization"
            ),
        ));
    }
    let bearer = challenge::bearer_of(exchange)?;
    Ok(Refusal { status, bearer })
}

/// The URLs of the protected resource metadata, in the order tried: the challenge's
/// `resource_metadata` (RFC 9728 §5.1), else the well-known URI with the server's path
/// inserted (RFC 9728 §3.1), then at the root (MCP 2025-11-25 "Protected Resource Metadata
/// Discovery Requirements"). 2025-06-18 has no such fallback: its servers must send the
/// challenge.
pub fn metadata_candidates(
    server_url: &str,
    refusal: &Refusal,
    spec: Spec,
) -> Result<Vec<Candidate>, EngineError> {
    if let Some(url) = refusal.resource_metadata() {
        return Ok(vec![Candidate {
            url: url.to_string(),
            why: "the resource_metadata of the 401's Bearer challenge (RFC 9728 §5.1)",
            resource: server_url.to_string(),
        }]);
    }
    if spec == Spec::V2025_06_18 {
        return Err(EngineError::protocol(
            "MCP 2025-06-18 Authorization Server Location",
            format!(
                "the {} carries no resource_metadata in a Bearer challenge, which MCP \
                 2025-06-18 requires of servers (RFC 9728 §5.1); the fallback to the \
                 well-known URIs came with 2025-11-25 (--spec 2025-11-25)",
                refusal.status
            ),
        ));
    }
    let url = url::Url::parse(server_url)
        .map_err(|e| EngineError::config(format!("invalid MCP server URL {server_url:?}: {e}")))?;
    let origin = url.origin().ascii_serialization();
    let path = url.path().trim_end_matches('/');
    let root = Candidate {
        url: format!("{origin}{PROTECTED_RESOURCE_METADATA_PATH}"),
        why: "the well-known URI at the root (MCP 2025-11-25, when the path-inserted one fails)",
        resource: origin.clone(),
    };
    if path.is_empty() {
        return Ok(vec![root]);
    }
    Ok(vec![
        Candidate {
            url: format!("{origin}{PROTECTED_RESOURCE_METADATA_PATH}{path}"),
            why: "no resource_metadata in the challenge: the well-known URI with the server's \
                  path inserted (RFC 9728 §3.1)",
            resource: server_url.to_string(),
        },
        root,
    ])
}

/// Reads one metadata response (RFC 9728 §3.2: 200 and a JSON object).
pub fn process_metadata(exchange: &Exchange) -> Result<ProtectedResourceMetadata, EngineError> {
    expect_json(exchange, "protected resource metadata", &[200])
}

/// The MUSTs on the document: its `resource` is the server's URL, or the resource identifier
/// the metadata URL was made from (the origin, for the document at the root) (RFC 9728 §3.3,
/// §7.3: else an attacker's metadata could send the client's tokens elsewhere), and it names
/// at least one authorization server (MCP 2025-11-25 "Authorization Server Location").
pub fn check_metadata(
    metadata: &ProtectedResourceMetadata,
    server_url: &str,
    from: &Candidate,
) -> Vec<Check> {
    let resource = if metadata.resource == server_url {
        Check::pass(
            "resource",
            format!("the metadata's resource is the server's URL {server_url}"),
        )
    } else if metadata.resource == from.resource {
        Check::pass(
            "resource",
            format!(
                "the metadata's resource {} is the identifier its URL was made from \
                 (RFC 9728 §3.1, §3.3), and covers {server_url}",
                from.resource
            ),
        )
    } else {
        Check::fail(
            "resource",
            format!(
                "the metadata's resource {:?} is not the server's URL {server_url:?}; it must be \
                 identical (RFC 9728 §3.3, §7.3)",
                metadata.resource
            ),
        )
    };
    let servers = if metadata.authorization_servers.is_empty() {
        Check::fail(
            "authorization_servers",
            "the metadata names no authorization server; an MCP server must name at least one \
             (MCP 2025-11-25 Authorization Server Location, RFC 9728 §2)",
        )
    } else {
        Check::pass(
            "authorization_servers",
            format!(
                "authorization servers: {}",
                metadata.authorization_servers.join(" ")
            ),
        )
    };
    vec![resource, servers]
}

/// Everything learnt on the way from the MCP server URL to its authorization server.
#[derive(Debug, Clone)]
pub struct ResourceDiscovery {
    pub refusal: Refusal,
    /// Each metadata URL tried, with why; the last one answered.
    pub tried: Vec<Candidate>,
    pub metadata: ProtectedResourceMetadata,
    pub checks: Vec<Check>,
    /// Every request sent, in order: first the `calls` MCP requests without a token (the
    /// last of them refused), then one per metadata URL tried.
    pub exchanges: Vec<Exchange>,
    pub calls: usize,
}

impl ResourceDiscovery {
    /// The issuer to use: the first authorization server named (MCP lets the client choose;
    /// the first is the server's own preference).
    pub fn issuer(&self) -> Option<&str> {
        self.metadata
            .authorization_servers
            .first()
            .map(String::as_str)
    }

    /// The scope to ask for: the challenge's, else the metadata's `scopes_supported`, else
    /// none (MCP 2025-11-25 "Scope Selection Strategy").
    pub fn scope(&self) -> Option<String> {
        if let Some(scope) = self.refusal.scope() {
            return Some(scope.to_string());
        }
        let supported = self.metadata.scopes_supported.join(" ");
        (!supported.is_empty()).then_some(supported)
    }

    /// The resource indicator to ask tokens for (RFC 8707 §2): the resource the metadata
    /// names, which the checks found to be this server's.
    pub fn resource(&self) -> &str {
        &self.metadata.resource
    }

    /// True when every MUST held.
    pub fn checks_pass(&self) -> bool {
        self.checks.iter().all(|c| c.verdict != Verdict::Fail)
    }
}

/// Sends `initialize` without a token, reads the challenge, then fetches the protected
/// resource metadata from each candidate URL until one answers, and checks it.
pub async fn discover(
    http: &RecordingClient,
    server_url: &str,
    spec: Spec,
) -> Result<ResourceDiscovery, EngineError> {
    let mut exchanges = vec![http.send(&initialize_request(server_url, spec)).await];
    if check_transport(&exchanges[0]).is_ok_and(|status| (200..300).contains(&status)) {
        for draft in after_initialize(server_url) {
            exchanges.push(http.send(&draft).await);
        }
    }
    let calls = exchanges.len();
    let refusal = process_refusal(&exchanges[calls - 1])?;
    let mut tried = Vec::new();
    let mut last_error = None;
    for candidate in metadata_candidates(server_url, &refusal, spec)? {
        let exchange = http.send(&RequestDraft::new("GET", &candidate.url)).await;
        let result = process_metadata(&exchange);
        exchanges.push(exchange);
        match result {
            Ok(metadata) => {
                let checks = check_metadata(&metadata, server_url, &candidate);
                tried.push(candidate);
                return Ok(ResourceDiscovery {
                    refusal,
                    tried,
                    metadata,
                    checks,
                    exchanges,
                    calls,
                });
            }
            Err(err) => {
                tried.push(candidate);
                last_error = Some(err);
            }
        }
    }
    Err(last_error.unwrap_or_else(|| {
        EngineError::protocol("RFC 9728 §3", "no protected resource metadata URL to try")
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(header: Option<&str>) -> Refusal {
        Refusal {
            status: 401,
            bearer: header.map(|h| challenge::parse(h).unwrap().remove(0)),
        }
    }

    #[test]
    fn the_challenge_url_comes_first_and_alone() {
        let r = refusal(Some(
            r#"Bearer resource_metadata="https://m.example/prm", scope="a b""#,
        ));
        let urls = metadata_candidates("https://m.example/mcp", &r, Spec::V2025_06_18).unwrap();
        assert_eq!(urls.len(), 1);
        assert_eq!(urls[0].url, "https://m.example/prm");
        assert_eq!(r.scope(), Some("a b"));
    }

    #[test]
    fn without_a_challenge_the_path_is_inserted_then_the_root_tried() {
        let urls: Vec<String> = metadata_candidates(
            "https://m.example/v1/mcp/",
            &refusal(None),
            Spec::V2025_11_25,
        )
        .unwrap()
        .into_iter()
        .map(|c| c.url)
        .collect();
        assert_eq!(
            urls,
            [
                "https://m.example/.well-known/oauth-protected-resource/v1/mcp",
                "https://m.example/.well-known/oauth-protected-resource",
            ]
        );
        let root =
            metadata_candidates("https://m.example", &refusal(None), Spec::default()).unwrap();
        assert_eq!(root.len(), 1);
        // 2025-06-18 servers must send the challenge: no fallback, the rule named.
        let err = metadata_candidates("https://m.example/mcp", &refusal(None), Spec::V2025_06_18)
            .unwrap_err();
        assert!(err.to_string().contains("MCP 2025-06-18"), "{err}");
    }

    #[test]
    fn a_foreign_resource_and_no_servers_fail_their_checks() {
        let metadata = ProtectedResourceMetadata {
            resource: "https://evil.example/mcp".into(),
            ..Default::default()
        };
        let from = &metadata_candidates("https://m.example/mcp", &refusal(None), Spec::default())
            .unwrap()[1];
        let checks = check_metadata(&metadata, "https://m.example/mcp", from);
        assert!(
            checks.iter().all(|c| c.verdict == Verdict::Fail),
            "{checks:?}"
        );
        // The root document may name the origin: that is its resource identifier.
        let origin = ProtectedResourceMetadata {
            resource: "https://m.example".into(),
            authorization_servers: vec!["https://as.example".into()],
            ..Default::default()
        };
        let checks = check_metadata(&origin, "https://m.example/mcp", from);
        assert!(
            checks.iter().all(|c| c.verdict == Verdict::Pass),
            "{checks:?}"
        );
        let checks = check_metadata(&metadata, "https://m.example/mcp", from);
        assert!(
            checks.iter().all(|c| c.verdict == Verdict::Fail),
            "{checks:?}"
        );
        assert!(checks[0].detail.contains("RFC 9728 §3.3"));
    }
}
