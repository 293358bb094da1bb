//! Authorization code with PKCE (RFC 6749 §4.1, RFC 7636): build the authorization request the
//! browser carries, then trade the code for tokens. The browser leg ends in
//! [`crate::oauth::redirect`]; the PAR variant in [`super::par`].

use super::tokens::token_request;
use super::{FlowConfig, FlowSecrets};
use crate::oauth::error::EngineError;
use crate::oauth::http::RawRequest;
use crate::oauth::step::RequestDraft;

/// The authorization request parameters (RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core §3.1.2.1).
/// `nonce` is sent only with scope `openid`, where it binds the ID token to this request.
pub fn authorization_params(
    config: &FlowConfig,
    secrets: &FlowSecrets,
) -> Result<Vec<(String, String)>, EngineError> {
    let redirect_uri = config.redirect_uri.as_deref().ok_or_else(|| {
        EngineError::config("the code flow needs a redirect URI (the one the client registered)")
    })?;
    let mut params = vec![
        ("response_type".to_string(), "code".to_string()),
        ("client_id".to_string(), config.client.client_id.clone()),
        ("redirect_uri".to_string(), redirect_uri.to_string()),
    ];
    if let Some(scope) = &config.scope {
        params.push(("scope".into(), scope.clone()));
    }
    if let Some(state) = &secrets.state {
        params.push(("state".into(), state.clone()));
    }
    if let Some(nonce) = &secrets.nonce {
        params.push(("nonce".into(), nonce.clone()));
    }
    if let Some(pkce) = &secrets.pkce {
        params.push(("code_challenge".into(), pkce.challenge.clone()));
        params.push(("code_challenge_method".into(), pkce.method.as_str().into()));
    }
    Ok(params)
}

/// The GET to the authorization endpoint, as a draft the user can edit before the browser
/// opens it.
pub fn authorization_request(
    config: &FlowConfig,
    secrets: &FlowSecrets,
) -> Result<RequestDraft, EngineError> {
    let endpoint = config.endpoint(
        "authorization_endpoint",
        &config.metadata.authorization_endpoint,
    )?;
    let mut draft = RequestDraft::new("GET", endpoint);
    draft.params = authorization_params(config, secrets)?;
    Ok(draft)
}

/// The URL the browser opens for a draft.
pub fn authorization_url(draft: &RequestDraft) -> Result<String, EngineError> {
    Ok(RawRequest::from_draft(draft)?.url)
}

/// The token request for a code (RFC 6749 §4.1.3, RFC 7636 §4.5).
pub fn code_token_request(
    config: &FlowConfig,
    code: &str,
    code_verifier: Option<&str>,
) -> Result<RequestDraft, EngineError> {
    let redirect_uri = config.redirect_uri.as_deref().unwrap_or_default();
    let mut params = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
    ];
    if let Some(verifier) = code_verifier {
        params.push(("code_verifier", verifier));
    }
    let mut draft = token_request(config, &params)?;
    draft.secret_names.push("code".into());
    Ok(draft)
}
