//! The authorization server metadata as an MCP client finds it: the well-known URLs in the
//! order the MCP revision lists, each tried and why, stopping at the first document that
//! answers (with the issuer check of RFC 8414 §3.3 on it). 2025-11-25 (and 2026-07-28): for an
//! issuer with a path, RFC 8414 with the path inserted, then OpenID Connect Discovery with the
//! path inserted, then with it appended; without a path, RFC 8414 then OpenID Connect.
//! 2025-06-18 knows RFC 8414 only.

use serde::Serialize;

use super::discovery::{self, Discovery, Endpoints, MetadataSource};
use super::error::EngineError;
use super::exchange::Exchange;
use super::flow::mcp::Spec;
use super::http::RecordingClient;
use crate::wire::OIDC_METADATA_PATH;

/// One metadata URL to try, and why it is on the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    pub url: String,
    pub why: &'static str,
    #[serde(skip)]
    pub source: MetadataSource,
}

/// The metadata URLs of `issuer`, in the order `spec` tries them.
pub fn candidates(issuer: &str, spec: Spec) -> Result<Vec<Candidate>, EngineError> {
    // The RFC 8414 URL and the OIDC path-appended one, with the issuer's checks.
    let (oauth, appended) = discovery::metadata_urls(issuer)?;
    let url = url::Url::parse(issuer)
        .map_err(|e| EngineError::config(format!("invalid issuer URL {issuer:?}: {e}")))?;
    let path = url.path().trim_end_matches('/');
    let origin = url.origin().ascii_serialization();
    let oauth = Candidate {
        url: oauth,
        why: if path.is_empty() {
            "RFC 8414 §3.1, first in MCP's order"
        } else {
            "RFC 8414 §3.1 with the issuer's path inserted, first in MCP's order"
        },
        source: MetadataSource::Oauth,
    };
    if spec == Spec::V2025_06_18 {
        return Ok(vec![Candidate {
            why: "RFC 8414 §3.1, the one document MCP 2025-06-18 asks for",
            ..oauth
        }]);
    }
    if path.is_empty() {
        return Ok(vec![
            oauth,
            Candidate {
                url: appended,
                why: "OpenID Connect Discovery 1.0 §4, when RFC 8414 has none (MCP 2025-11-25)",
                source: MetadataSource::OpenidConnect,
            },
        ]);
    }
    Ok(vec![
        oauth,
        Candidate {
            url: format!("{origin}{OIDC_METADATA_PATH}{path}"),
            why: "OpenID Connect Discovery with the issuer's path inserted after the \
                  well-known segment (MCP 2025-11-25, second)",
            source: MetadataSource::OpenidConnect,
        },
        Candidate {
            url: appended,
            why: "OpenID Connect Discovery 1.0 §4 with the path appended (MCP 2025-11-25, third)",
            source: MetadataSource::OpenidConnect,
        },
    ])
}

/// What the search found: the server, and each URL tried with its exchange.
#[derive(Debug, Clone)]
pub struct Found {
    pub discovery: Discovery,
    pub tried: Vec<Candidate>,
    pub exchanges: Vec<Exchange>,
}

/// Why the search failed, with every URL tried and its exchange, for the step to show.
#[derive(Debug, Clone)]
pub struct NotFound {
    pub error: EngineError,
    pub tried: Vec<Candidate>,
    pub exchanges: Vec<Exchange>,
}

/// Tries each candidate URL until one answers with valid metadata for `issuer`. An issuer
/// mismatch stops at once (RFC 8414 §3.3: an attack signal, not a missing document); with no
/// document at all, endpoints given by hand describe the server alone.
pub async fn discover(
    http: &RecordingClient,
    issuer: &str,
    spec: Spec,
    given: &Endpoints,
) -> Result<Found, Box<NotFound>> {
    let not_found = |error, tried, exchanges| {
        Box::new(NotFound {
            error,
            tried,
            exchanges,
        })
    };
    let list = candidates(issuer, spec).map_err(|e| not_found(e, Vec::new(), Vec::new()))?;
    let mut tried = Vec::new();
    let mut exchanges = Vec::new();
    let mut errors = Vec::new();
    for candidate in list {
        let exchange = http
            .send(&discovery::metadata_request(&candidate.url))
            .await;
        let result = discovery::process_metadata(&exchange, issuer);
        exchanges.push(exchange);
        let source = candidate.source;
        tried.push(candidate);
        match result {
            Ok(metadata) => {
                let discovery =
                    Discovery::from_one_document(metadata, source, exchanges.clone(), given);
                return Ok(Found {
                    discovery,
                    tried,
                    exchanges,
                });
            }
            Err(err @ EngineError::Protocol { .. }) => {
                return Err(not_found(err, tried, exchanges));
            }
            Err(err) => errors.push(err.to_string()),
        }
    }
    if !given.is_empty() {
        let metadata = crate::wire::ServerMetadata {
            issuer: issuer.to_string(),
            ..Default::default()
        };
        let discovery = Discovery::from_one_document(
            metadata,
            MetadataSource::Manual,
            exchanges.clone(),
            given,
        );
        return Ok(Found {
            discovery,
            tried,
            exchanges,
        });
    }
    let error = EngineError::Transport(format!(
        "no authorization server metadata for {issuer} at any of the {} URLs MCP {} lists: {}",
        tried.len(),
        spec.as_str(),
        errors.join("; then ")
    ));
    Err(not_found(error, tried, exchanges))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(issuer: &str, spec: Spec) -> Vec<String> {
        candidates(issuer, spec)
            .unwrap()
            .into_iter()
            .map(|c| c.url)
            .collect()
    }

    #[test]
    fn an_issuer_with_a_path_is_tried_in_the_2025_11_25_order() {
        let expected = [
            "https://as.example/.well-known/oauth-authorization-server/tenant/1",
            "https://as.example/.well-known/openid-configuration/tenant/1",
            "https://as.example/tenant/1/.well-known/openid-configuration",
        ];
        assert_eq!(
            urls("https://as.example/tenant/1", Spec::V2025_11_25),
            expected
        );
        assert_eq!(
            urls("https://as.example/tenant/1/", Spec::V2026_07_28),
            expected
        );
    }

    #[test]
    fn an_issuer_without_a_path_has_two_urls_and_2025_06_18_one() {
        assert_eq!(
            urls("https://as.example", Spec::V2025_11_25),
            [
                "https://as.example/.well-known/oauth-authorization-server",
                "https://as.example/.well-known/openid-configuration",
            ]
        );
        assert_eq!(
            urls("https://as.example/t", Spec::V2025_06_18),
            ["https://as.example/.well-known/oauth-authorization-server/t"]
        );
    }

    #[test]
    fn an_issuer_with_a_query_is_refused() {
        assert!(candidates("https://as.example/?x=1", Spec::default()).is_err());
    }
}
