//! `oauth2_exchange_token`: one token request (RFC 6749 §3.2) for the authorization code,
//! refresh token, client credentials or device code grant, with the JWTs it returns decoded.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{schemars, tool, tool_router};
use serde::{Deserialize, Serialize};

use super::connection::{Connection, ExchangeSummary, client, given, given_secret};
use super::errors::{ToolError, ToolResult, success};
use super::server::OAuthTools;
use crate::oauth::flow::FlowConfig;
use crate::oauth::flow::authorization_code::{AuthorizationSent, code_token_request};
use crate::oauth::flow::client_credentials::client_credentials_request;
use crate::oauth::flow::device::{PollOutcome, poll_request, process_poll};
use crate::oauth::flow::refresh::{refresh_request, rotation};
use crate::oauth::flow::tokens::{DecodedToken, process_token_response, verify_tokens};
use crate::oauth::jwks::KeyStore;
use crate::oauth::secret::Secret;
use crate::oauth::{Exchange, RequestDraft};
use crate::wire::TokenResponse;

/// The grant to use at the token endpoint.
// Inlined in the schema: some MCP clients do not follow `$ref`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub enum GrantType {
    /// Trade the `code` from the redirect after oauth2_authorize for tokens. Needs code,
    /// code_verifier and the same redirect_uri (RFC 6749 section 4.1.3, RFC 7636).
    AuthorizationCode,
    /// Get fresh tokens with a refresh_token (RFC 6749 section 6).
    RefreshToken,
    /// A token for the client itself, with no user: needs a confidential client and its
    /// client_secret (RFC 6749 section 4.4).
    ClientCredentials,
    /// Poll for the tokens of a device authorization (RFC 8628 section 3.4). Needs device_code.
    /// The URN urn:ietf:params:oauth:grant-type:device_code is accepted too.
    #[serde(alias = "urn:ietf:params:oauth:grant-type:device_code")]
    DeviceCode,
}

/// Arguments of `oauth2_exchange_token`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct ExchangeTokenArgs {
    /// Issuer URL of the authorization server. Leave it out to use the default server.
    pub issuer: Option<String>,
    /// Which grant to use: authorization_code, refresh_token, client_credentials or device_code.
    pub grant_type: GrantType,
    /// The client's identifier at this server.
    pub client_id: String,
    /// The client secret of a confidential client, sent with HTTP Basic authentication
    /// (client_secret_basic) unless client_auth_method says otherwise. Leave it out for a
    /// public client.
    pub client_secret: Option<Secret>,
    /// How a confidential client authenticates: "client_secret_basic" (the default when
    /// client_secret is given) or "client_secret_post".
    pub client_auth_method: Option<String>,
    /// authorization_code only: the `code` query parameter of the redirect.
    pub code: Option<Secret>,
    /// authorization_code only: the code_verifier that oauth2_authorize returned with the URL.
    /// It proves this client started the flow (PKCE, RFC 7636); another attempt's verifier
    /// gets invalid_grant.
    pub code_verifier: Option<Secret>,
    /// authorization_code only: the redirect_uri given to oauth2_authorize, exactly.
    pub redirect_uri: Option<String>,
    /// refresh_token only: the refresh token to use. The server may rotate it: keep the new one
    /// from the response (RFC 9700 section 4.14: reusing a rotated one gets invalid_grant and
    /// may revoke the whole family).
    pub refresh_token: Option<Secret>,
    /// device_code only: the device_code of the device authorization response.
    pub device_code: Option<Secret>,
    /// Space-separated scopes: for client_credentials the scopes to ask for; for refresh_token
    /// a narrower set than originally granted. Leave it out to get the default.
    pub scope: Option<String>,
}

/// The grant with what it needs, checked before anything is sent.
#[derive(Debug, PartialEq)]
enum Grant {
    AuthorizationCode {
        code: Secret,
        code_verifier: Option<Secret>,
        redirect_uri: String,
    },
    RefreshToken(Secret),
    ClientCredentials,
    DeviceCode(Secret),
}

impl Grant {
    fn from_args(args: &ExchangeTokenArgs) -> Result<Self, ToolError> {
        let missing = |name: &str| {
            ToolError::invalid_request(format!(
                "grant_type {} needs `{name}`",
                args.grant_type.as_str()
            ))
        };
        let required = |value: &Option<Secret>, name: &str| {
            given_secret(value.clone()).ok_or_else(|| missing(name))
        };
        Ok(match args.grant_type {
            GrantType::AuthorizationCode => Grant::AuthorizationCode {
                code: required(&args.code, "code")?,
                code_verifier: given_secret(args.code_verifier.clone()),
                redirect_uri: given(args.redirect_uri.clone())
                    .ok_or_else(|| missing("redirect_uri"))?,
            },
            GrantType::RefreshToken => {
                Grant::RefreshToken(required(&args.refresh_token, "refresh_token")?)
            }
            GrantType::ClientCredentials => Grant::ClientCredentials,
            GrantType::DeviceCode => Grant::DeviceCode(required(&args.device_code, "device_code")?),
        })
    }

    /// The token request, built by the engine.
    fn request(&self, config: &mut FlowConfig) -> Result<RequestDraft, ToolError> {
        Ok(match self {
            Grant::AuthorizationCode {
                code,
                code_verifier,
                redirect_uri,
            } => {
                let sent = AuthorizationSent::new(
                    Some(redirect_uri),
                    code_verifier.as_ref().map(Secret::secret),
                );
                code_token_request(config, code.secret(), &sent)?
            }
            Grant::RefreshToken(token) => refresh_request(config, token.secret())?,
            Grant::ClientCredentials => client_credentials_request(config)?,
            Grant::DeviceCode(device_code) => poll_request(config, device_code.secret())?,
        })
    }

    /// The token response, or the reason there is none.
    fn tokens(&self, exchange: &Exchange) -> Result<TokenResponse, ToolError> {
        if !matches!(self, Grant::DeviceCode(_)) {
            return Ok(process_token_response(exchange)?);
        }
        let refused = |error: &str, description: String| {
            Err(ToolError::from_server(
                exchange.status,
                error,
                Some(&description),
            ))
        };
        match process_poll(exchange)? {
            PollOutcome::Tokens(tokens) => Ok(*tokens),
            PollOutcome::Pending => refused(
                "authorization_pending",
                "the user has not approved on the verification page yet: wait `interval` \
                 seconds (5 if the device authorization gave none) and call again \
                 (RFC 8628 section 3.5)"
                    .into(),
            ),
            PollOutcome::SlowDown => refused(
                "slow_down",
                "polling too fast: wait 5 seconds longer than before, then call again \
                 (RFC 8628 section 3.5)"
                    .into(),
            ),
            PollOutcome::Denied(description) => refused(
                "access_denied",
                description.unwrap_or_else(|| "the user denied the authorization".into()),
            ),
            PollOutcome::Expired(description) => refused(
                "expired_token",
                description.unwrap_or_else(|| {
                    "the device code expired: start a new device authorization".into()
                }),
            ),
        }
    }
}

impl GrantType {
    fn as_str(self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::RefreshToken => "refresh_token",
            GrantType::ClientCredentials => "client_credentials",
            GrantType::DeviceCode => "device_code",
        }
    }
}

/// What `oauth2_exchange_token` returns.
#[derive(Debug, Serialize)]
struct Tokens {
    issuer: String,
    grant_type: &'static str,
    token_response: TokenResponse,
    /// The access token's header and claims when it is a JWT, with the verification of its
    /// signature, issuer and times.
    decoded_access_token: Option<DecodedToken>,
    /// The ID token's header and claims, with its verification (OIDC Core section 3.1.3.7).
    decoded_id_token: Option<DecodedToken>,
    /// refresh_token grant only: true when a new refresh token came back (use it from now on:
    /// the old one is retired), false when the same one came back, null when none did.
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token_rotated: Option<Option<bool>>,
    exchanges: Vec<ExchangeSummary>,
}

#[tool_router(router = exchange_token_router, vis = "pub(super)")]
impl OAuthTools {
    // Destructive: it consumes one-time codes and rotates refresh tokens out.
    #[tool(
        name = "oauth2_exchange_token",
        annotations(
            title = "Get tokens from the token endpoint",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false,
            open_world_hint = true
        ),
        description = "Send one token request to the server's token endpoint (RFC 6749 section \
            3.2) and return the token response with its JWTs decoded: header and claims of the \
            access token and the ID token, each with its signature verified against the server's \
            JWKS and its claims checked (verdicts in words). grant_type authorization_code needs \
            code, code_verifier and redirect_uri from oauth2_authorize; refresh_token needs \
            refresh_token; client_credentials needs client_secret; device_code needs device_code \
            (an `authorization_pending` or `slow_down` error then means: wait `interval` seconds \
            and call again). An OAuth refusal comes back as a tool error with the server's \
            `error` and `error_description`, and for a known code its `likely_causes` and \
            what to `try`."
    )]
    pub async fn oauth2_exchange_token(
        &self,
        Parameters(args): Parameters<ExchangeTokenArgs>,
    ) -> ToolResult {
        let issuer = args.issuer.clone();
        self.run_tool("oauth2_exchange_token", issuer.as_deref(), |issuer| {
            exchange_token(issuer, args)
        })
        .await
    }
}

async fn exchange_token(issuer: String, args: ExchangeTokenArgs) -> ToolResult {
    let grant = Grant::from_args(&args)?;
    let client = client(
        &args.client_id,
        args.client_secret.as_ref().map(Secret::secret),
        args.client_auth_method.as_deref(),
    )?;
    let connection = Connection::open(&issuer).await?;
    let mut config = connection.flow_config(client);
    config.scope = given(args.scope);
    let draft = grant.request(&mut config)?;
    let exchange = connection.send("the token endpoint", &draft).await?;
    let tokens = grant.tokens(&exchange)?;
    let refresh_token_rotated = match &grant {
        Grant::RefreshToken(old) => {
            Some(rotation(old.secret(), None, &tokens).refresh_token_rotated)
        }
        _ => None,
    };
    let (decoded_id_token, decoded_access_token) = match &connection.metadata.jwks_uri {
        Some(jwks_uri) => {
            let mut keys = KeyStore::from_url(jwks_uri.clone());
            verify_tokens(&connection.http, &mut keys, &config, &tokens, None).await
        }
        // Nothing to verify against: show the decoded tokens, unverified.
        None => (
            tokens
                .id_token
                .as_ref()
                .and_then(|t| DecodedToken::decode(t.secret())),
            DecodedToken::decode(tokens.access_token.secret()),
        ),
    };
    success(&Tokens {
        issuer,
        grant_type: args.grant_type.as_str(),
        token_response: tokens,
        decoded_access_token,
        decoded_id_token,
        refresh_token_rotated,
        exchanges: connection.exchanges(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_the_arguments_and_the_grant_shows_no_secret() {
        let args: ExchangeTokenArgs = serde_json::from_value(serde_json::json!({
            "grant_type": "authorization_code", "client_id": "c",
            "client_secret": "Zq-9secret", "code": "Zq-9code", "code_verifier": "Zq-9verifier",
            "redirect_uri": "http://127.0.0.1/cb", "refresh_token": "Zq-9refresh",
            "device_code": "Zq-9device",
        }))
        .unwrap();
        let grant = Grant::from_args(&args).unwrap();
        for shown in [format!("{args:?}"), format!("{grant:?}")] {
            assert!(!shown.contains("Zq-9"), "{shown}");
            assert!(shown.contains("[redacted]"), "{shown}");
        }
    }

    fn args(grant_type: GrantType) -> ExchangeTokenArgs {
        ExchangeTokenArgs {
            issuer: None,
            grant_type,
            client_id: "c".into(),
            client_secret: None,
            client_auth_method: None,
            code: None,
            code_verifier: None,
            redirect_uri: None,
            refresh_token: None,
            device_code: None,
            scope: None,
        }
    }

    #[test]
    fn each_grant_names_what_it_lacks() {
        let err = Grant::from_args(&args(GrantType::AuthorizationCode)).unwrap_err();
        assert_eq!(
            err.error_description,
            "grant_type authorization_code needs `code`"
        );
        let mut code = args(GrantType::AuthorizationCode);
        code.code = Some("abc".into());
        code.redirect_uri = Some("".into());
        let err = Grant::from_args(&code).unwrap_err();
        assert!(err.error_description.ends_with("`redirect_uri`"), "{err}");
        let err = Grant::from_args(&args(GrantType::RefreshToken)).unwrap_err();
        assert!(err.error_description.ends_with("`refresh_token`"), "{err}");
        let err = Grant::from_args(&args(GrantType::DeviceCode)).unwrap_err();
        assert!(err.error_description.ends_with("`device_code`"), "{err}");
        assert_eq!(
            Grant::from_args(&args(GrantType::ClientCredentials)).unwrap(),
            Grant::ClientCredentials
        );
    }

    #[test]
    fn the_device_grant_urn_is_accepted() {
        let parsed: ExchangeTokenArgs = serde_json::from_value(serde_json::json!({
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
            "client_id": "c",
            "device_code": "d"
        }))
        .unwrap();
        assert_eq!(parsed.grant_type, GrantType::DeviceCode);
    }
}
