//! `oauth2_authorize`: discovery, then the authorization URL with PKCE S256, state and nonce,
//! pushed through PAR first when asked (RFC 6749 §4.1.1, RFC 7636, RFC 9126).

use std::collections::BTreeMap;

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{schemars, tool, tool_router};
use serde::{Deserialize, Serialize};

use super::connection::{Connection, ExchangeSummary, client, given};
use super::errors::{ToolError, ToolResult, success};
use super::server::OAuthTools;
use crate::oauth::RecordingClient;
use crate::oauth::flow::{Advance, Flow};
use crate::oauth::secret::Secret;

/// Arguments of `oauth2_authorize`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct AuthorizeArgs {
    /// Issuer URL of the authorization server, e.g. "https://login.example.com". Leave it out
    /// to use the default server (the built-in mock with --mock, or the saved default).
    pub issuer: Option<String>,
    /// The client's identifier at this server.
    pub client_id: String,
    /// Where the server sends the browser back with `code` and `state`. It must match one of
    /// the client's registered redirect URIs exactly (a loopback http://127.0.0.1 URI may use
    /// any port).
    pub redirect_uri: String,
    /// Space-separated scopes to ask for, e.g. "openid profile email". Leave it out to get the
    /// server's default scopes.
    pub scope: Option<String>,
    /// true to push the request to the server's PAR endpoint first (RFC 9126): the returned URL
    /// then carries only client_id and request_uri. Default: false, unless the server's
    /// metadata says it requires PAR.
    pub use_par: Option<bool>,
    /// The client secret, used only to authenticate the PAR request of a confidential client.
    pub client_secret: Option<Secret>,
    /// How a confidential client authenticates its PAR request: "client_secret_basic" (the
    /// default when client_secret is given) or "client_secret_post".
    pub client_auth_method: Option<String>,
    /// Extra authorization request parameters, e.g. {"prompt": "consent", "login_hint":
    /// "alice"}. They cannot replace response_type, client_id, redirect_uri, scope, state,
    /// nonce or the PKCE parameters, which this tool sets.
    pub extra_params: Option<BTreeMap<String, String>>,
}

/// Parameters the tool sets itself; `extra_params` may not replace them.
const RESERVED_PARAMS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "request_uri",
];

/// What `oauth2_authorize` returns.
#[derive(Debug, Serialize)]
struct Authorization {
    issuer: String,
    /// Open this in a browser.
    authorization_url: String,
    state: Option<Secret>,
    /// Sent only with scope `openid`, where it binds the ID token to this request.
    nonce: Option<Secret>,
    /// The tool's answer shows it (the exchange needs it); `Debug` does not.
    code_verifier: Option<Secret>,
    code_challenge_method: Option<&'static str>,
    redirect_uri: String,
    /// The request_uri the server gave for the pushed request (with use_par).
    #[serde(skip_serializing_if = "Option::is_none")]
    par_request_uri: Option<String>,
    next_step: String,
    exchanges: Vec<ExchangeSummary>,
}

#[tool_router(router = authorize_router, vis = "pub(super)")]
impl OAuthTools {
    // Not read-only: under PAR it creates a pushed request at the server.
    #[tool(
        name = "oauth2_authorize",
        annotations(
            title = "Start an authorization code flow",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        ),
        description = "Start an authorization code flow with PKCE (RFC 6749 section 4.1, RFC 7636). \
            Runs discovery on the issuer, then builds the authorization URL with a fresh PKCE S256 \
            code_verifier, a random state, and a nonce when scope includes openid (pushed through \
            PAR first when use_par is true). Returns authorization_url, state, nonce and \
            code_verifier. Next: the user opens authorization_url in a browser and signs in; the \
            browser lands on redirect_uri with `code` and `state` in the query. Check that `state` \
            equals the one returned here (it stops CSRF on the redirect, RFC 6749 section 10.12) \
            and that `iss`, when present, is this issuer (mix-up, RFC 9207), then call oauth2_exchange_token with grant_type \
            authorization_code, that code, this code_verifier and the same redirect_uri. Codes \
            expire within minutes and work once."
    )]
    pub async fn oauth2_authorize(
        &self,
        Parameters(args): Parameters<AuthorizeArgs>,
    ) -> ToolResult {
        let issuer = args.issuer.clone();
        self.run_tool("oauth2_authorize", issuer.as_deref(), |issuer| {
            authorize(issuer, args)
        })
        .await
    }
}

async fn authorize(issuer: String, args: AuthorizeArgs) -> ToolResult {
    let extra_params = checked_extra_params(args.extra_params.unwrap_or_default())?;
    let client = client(
        &args.client_id,
        args.client_secret.as_ref().map(Secret::secret),
        args.client_auth_method.as_deref(),
    )?;
    let connection = Connection::open(&issuer).await?;
    let use_par = args
        .use_par
        .unwrap_or(connection.metadata.require_pushed_authorization_requests == Some(true));
    let mut config = connection.flow_config(client);
    config.redirect_uri = Some(args.redirect_uri.clone());
    config.scope = given(args.scope);
    let mut flow = if use_par {
        Flow::par(config)?
    } else {
        Flow::authorization_code(config)?
    };
    // The first step carries every authorization parameter: the browser request, or the
    // pushed request under PAR.
    if let Some(draft) = flow.draft_mut() {
        for (name, value) in extra_params {
            draft.set_param(&name, value);
        }
    }
    let authorization_url = browser_url(&mut flow, &connection.http).await?;
    let secrets = flow.secrets();
    let pkce = secrets.pkce.as_ref();
    success(&Authorization {
        issuer,
        authorization_url,
        state: secrets.state.clone(),
        nonce: secrets.nonce.clone(),
        code_verifier: pkce.map(|p| p.verifier.clone()),
        code_challenge_method: pkce.map(|p| p.method.as_str()),
        redirect_uri: args.redirect_uri,
        par_request_uri: secrets.request_uri.clone(),
        next_step: "Open authorization_url in a browser. When it lands on redirect_uri, check \
                    that its `state` equals this state, then call oauth2_exchange_token with \
                    grant_type authorization_code, its `code`, this code_verifier and this \
                    redirect_uri."
            .to_string(),
        exchanges: connection.exchanges(),
    })
}

/// Runs the flow up to its browser step (after the push, under PAR) and returns the URL.
async fn browser_url(flow: &mut Flow, http: &RecordingClient) -> Result<String, ToolError> {
    // At most the push and the browser step come before the browser opens.
    for _ in 0..flow.steps().len() {
        match flow.advance(http).await? {
            Advance::Browser { url } => return Ok(url),
            Advance::Next => continue,
            Advance::Poll { .. } | Advance::Finished => break,
        }
    }
    Err(ToolError::local(
        "local_error",
        "the flow ended without an authorization URL",
    ))
}

fn checked_extra_params(
    params: BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, ToolError> {
    match params
        .keys()
        .find(|name| RESERVED_PARAMS.contains(&name.as_str()))
    {
        Some(name) => Err(ToolError::invalid_request(format!(
            "extra_params may not set `{name}`: this tool sets it (use the argument of that \
             name where there is one)"
        ))),
        None => Ok(params),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_the_result_shows_no_verifier_though_its_json_does() {
        let result = Authorization {
            issuer: "http://127.0.0.1".into(),
            authorization_url: "http://127.0.0.1/authorize".into(),
            state: None,
            nonce: None,
            code_verifier: Some(Secret::new("Zq-9verifier-value")),
            code_challenge_method: Some("S256"),
            redirect_uri: "http://127.0.0.1/cb".into(),
            par_request_uri: None,
            next_step: String::new(),
            exchanges: Vec::new(),
        };
        let shown = format!("{result:?}");
        assert!(!shown.contains("Zq-9verifier-value"), "{shown}");
        let json = serde_json::to_value(&result).unwrap();
        assert_eq!(json["code_verifier"], "Zq-9verifier-value");
    }

    #[test]
    fn debug_of_the_arguments_shows_no_secret() {
        let args: AuthorizeArgs = serde_json::from_value(serde_json::json!({
            "client_id": "c", "redirect_uri": "http://127.0.0.1/cb",
            "client_secret": "Zq-9secret-value",
        }))
        .unwrap();
        let shown = format!("{args:?}");
        assert!(!shown.contains("Zq-9secret-value"), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
    }

    #[test]
    fn extra_params_cannot_replace_what_the_tool_sets() {
        let params = BTreeMap::from([("state".to_string(), "mine".to_string())]);
        let err = checked_extra_params(params).unwrap_err();
        assert_eq!(err.error, "invalid_request");
        assert!(err.error_description.contains("`state`"), "{err}");
        let params = BTreeMap::from([("prompt".to_string(), "consent".to_string())]);
        assert_eq!(checked_extra_params(params.clone()).unwrap(), params);
    }
}
