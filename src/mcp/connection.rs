//! What every tool call starts with: a line to the authorization server and the client it
//! speaks as.
//!
//! Each call gets its own recording HTTP client, so the exchanges a result lists are that
//! call's own, and a long-running server keeps no growing log of secrets in memory.

use std::str::FromStr;

use serde::Serialize;

use super::errors::ToolError;
use crate::oauth::client_auth::{AuthMethod, ClientCredentials};
use crate::oauth::discovery::discover;
use crate::oauth::flow::FlowConfig;
use crate::oauth::secret::Secret;
use crate::oauth::send_policy::{self, CrossHostConsent};
use crate::oauth::{EngineError, Exchange, RecordingClient, RequestDraft};
use crate::wire::ServerMetadata;

/// One call's connection: the recording client and the server's discovered metadata.
pub struct Connection {
    pub http: RecordingClient,
    pub metadata: ServerMetadata,
}

impl Connection {
    /// Discovers `issuer` (RFC 8414, then OIDC Discovery; the engine refuses an issuer mismatch).
    pub async fn open(issuer: &str) -> Result<Self, ToolError> {
        let http = RecordingClient::new()?;
        let discovery = discover(&http, issuer).await?;
        Ok(Connection {
            http,
            metadata: discovery.metadata,
        })
    }

    pub fn flow_config(&self, client: ClientCredentials) -> FlowConfig {
        FlowConfig::new(self.metadata.clone(), client)
    }

    /// Sends `draft` to `endpoint_name` ("the token endpoint") unless the send policy refuses
    /// it (plain http, another host than the issuer's: [`send_policy`]); a tool has no user
    /// to ask, so another host is always refused here.
    pub async fn send(
        &self,
        endpoint_name: &str,
        draft: &RequestDraft,
    ) -> Result<Exchange, ToolError> {
        send_policy::check(
            &self.metadata.issuer,
            endpoint_name,
            draft,
            &CrossHostConsent::default(),
        )
        .map_err(EngineError::from)?;
        Ok(self.http.send(draft).await)
    }

    /// What went over the wire during this call, with secrets masked.
    pub fn exchanges(&self) -> Vec<ExchangeSummary> {
        self.http
            .log()
            .snapshot()
            .iter()
            .map(ExchangeSummary::of)
            .collect()
    }
}

/// One HTTP exchange in a tool result: enough to see what happened, no secret in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExchangeSummary {
    pub method: String,
    pub url: String,
    /// `None` when no response arrived (see `error`).
    pub status: Option<u16>,
    pub duration_ms: u128,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl ExchangeSummary {
    fn of(exchange: &Exchange) -> Self {
        let shown = exchange.redacted();
        ExchangeSummary {
            method: shown.method,
            url: shown.url,
            status: shown.status,
            duration_ms: shown.duration.as_millis(),
            error: shown.error,
        }
    }
}

/// The client a call speaks as. With a secret it authenticates with `method` (HTTP Basic
/// unless told otherwise); without one it is a public client. An empty string counts as absent:
/// models often send `""` for an argument they mean to leave out.
pub fn client(
    client_id: &str,
    client_secret: Option<&str>,
    method: Option<&str>,
) -> Result<ClientCredentials, ToolError> {
    let secret = client_secret.filter(|s| !s.is_empty());
    let method = method
        .filter(|m| !m.is_empty())
        .map(AuthMethod::from_str)
        .transpose()?;
    Ok(match (secret, method) {
        (_, Some(AuthMethod::PrivateKeyJwt)) => {
            return Err(ToolError::invalid_request(
                "client_auth_method private_key_jwt signs with a private key, which these tools \
                 do not take: use the CLI's --private-key, or a secret-based method",
            ));
        }
        (_, Some(AuthMethod::None)) | (None, None) => ClientCredentials::public(client_id),
        (Some(secret), method) => ClientCredentials::confidential(
            client_id,
            secret,
            method.unwrap_or(AuthMethod::ClientSecretBasic),
        ),
        (None, Some(method)) => {
            return Err(ToolError::invalid_request(format!(
                "client_auth_method {method} needs client_secret"
            )));
        }
    })
}

/// An optional text argument, with `""` and blanks read as absent.
pub fn given(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

/// [`given`] for a secret argument.
pub fn given_secret(value: Option<Secret>) -> Option<Secret> {
    value.filter(|v| !v.secret().trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_makes_a_basic_client_unless_told_otherwise() {
        let basic = client("c", Some("s"), None).unwrap();
        assert_eq!(basic.auth_method, AuthMethod::ClientSecretBasic);
        assert_eq!(basic.client_secret.as_ref().map(|s| s.secret()), Some("s"));
        let post = client("c", Some("s"), Some("client_secret_post")).unwrap();
        assert_eq!(post.auth_method, AuthMethod::ClientSecretPost);
        assert_eq!(
            client("c", Some("s"), Some("none")).unwrap().client_secret,
            None
        );
    }

    #[test]
    fn no_secret_makes_a_public_client() {
        for secret in [None, Some("")] {
            let public = client("c", secret, None).unwrap();
            assert_eq!(public.auth_method, AuthMethod::None);
        }
    }

    #[test]
    fn a_secret_method_without_secret_or_an_unknown_method_is_refused() {
        let err = client("c", None, Some("client_secret_post")).unwrap_err();
        assert_eq!(err.error, "invalid_request");
        assert!(err.error_description.contains("client_secret"));
        let err = client("c", Some("s"), Some("private_key_jwt")).unwrap_err();
        assert!(err.error_description.contains("private_key_jwt"), "{err}");
    }

    #[test]
    fn summaries_mask_secrets() {
        let mut exchange = Exchange::new("POST", "http://127.0.0.1:1/token?code=SECRETCODE123");
        exchange.locate_secrets(&[]);
        exchange.status = Some(200);
        let summary = ExchangeSummary::of(&exchange);
        assert!(!summary.url.contains("SECRETCODE123"), "{}", summary.url);
        assert_eq!(summary.status, Some(200));
    }
}
