//! Authorization code with PKCE (RFC 6749 §4.1, RFC 7636): build the authorization request the
//! browser carries, then trade the code for tokens. The browser leg ends in
//! [`crate::oauth::redirect`]; the PAR variant in [`super::par`].

use serde::Serialize;

use super::tokens::token_request;
use super::{FlowConfig, FlowSecrets};
use crate::oauth::error::EngineError;
use crate::oauth::http::RawRequest;
use crate::oauth::pkce::{Pkce, PkceMethod, s256_challenge};
use crate::oauth::request_object::into_request_object;
use crate::oauth::secret::Secret;
use crate::oauth::step::RequestDraft;
use crate::wire::AUTHORIZATION_DETAILS;

/// The authorization request parameters (RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core §3.1.2.1),
/// signed into a request object when the flow sends one (RFC 9101).
pub fn authorization_params(
    config: &FlowConfig,
    secrets: &FlowSecrets,
) -> Result<Vec<(String, String)>, EngineError> {
    let params = plain_authorization_params(config, secrets)?;
    if config.request_object {
        into_request_object(config, &params)
    } else {
        Ok(params)
    }
}

/// The parameters themselves. `nonce` is sent only with scope `openid`, where it binds the ID
/// token to this request.
fn plain_authorization_params(
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
        params.push(("state".into(), state.secret().to_string()));
    }
    if let Some(nonce) = &secrets.nonce {
        params.push(("nonce".into(), nonce.secret().to_string()));
    }
    if let Some(pkce) = &secrets.pkce {
        params.push(("code_challenge".into(), pkce.challenge.clone()));
        params.push(("code_challenge_method".into(), pkce.method.as_str().into()));
    }
    if let Some(details) = &config.authorization_details {
        params.push((AUTHORIZATION_DETAILS.into(), details.clone()));
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

/// What the authorization request actually sent that the token request repeats: the
/// redirect URI (RFC 6749 §4.1.3), the verifier paired with the challenge sent (RFC 7636
/// §4.5) and the resource indicators (RFC 8707 §2.2). Read back from the request as it went
/// out (for PAR, as it was pushed), so an edit there is repeated, not silently undone.
/// The verifier is a [`Secret`], so `Debug` redacts it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AuthorizationSent {
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<Secret>,
    pub resource: Vec<String>,
}

impl AuthorizationSent {
    /// For a code obtained elsewhere: the redirect URI and verifier of the original request.
    pub fn new(redirect_uri: Option<&str>, code_verifier: Option<&str>) -> Self {
        AuthorizationSent {
            redirect_uri: redirect_uri.map(str::to_string),
            code_verifier: code_verifier.map(Secret::from),
            resource: Vec::new(),
        }
    }

    /// Reads `draft` (the authorization or pushed request as sent). `generated` is the PKCE
    /// pair the flow made. Returns the values with a warning when the sent challenge pairs
    /// with no verifier the flow knows.
    pub fn read(draft: &RequestDraft, generated: Option<&Pkce>) -> (Self, Option<String>) {
        let (pkce, warning) = pkce_sent(draft, generated);
        let sent = AuthorizationSent {
            redirect_uri: draft.param("redirect_uri").map(str::to_string),
            code_verifier: pkce.map(|p| p.verifier),
            resource: draft
                .params
                .iter()
                .filter(|(k, _)| k == "resource")
                .map(|(_, v)| v.clone())
                .collect(),
        };
        (sent, warning)
    }
}

/// The PKCE pair behind the challenge `draft` sent (RFC 7636 §4.2): none when no challenge
/// went out; the challenge itself with method `plain`; the generated pair when its S256
/// challenge is the one sent. An edited S256 challenge pairs with no known verifier: the
/// generated one is repeated (the server will refuse it), with a warning saying why.
fn pkce_sent(draft: &RequestDraft, generated: Option<&Pkce>) -> (Option<Pkce>, Option<String>) {
    let Some(challenge) = draft.param("code_challenge") else {
        return (None, None);
    };
    // RFC 7636 §4.3: no method means plain.
    let method = draft.param("code_challenge_method").unwrap_or("plain");
    if method == PkceMethod::Plain.as_str() {
        return (
            Some(Pkce::from_verifier(challenge.into(), PkceMethod::Plain)),
            None,
        );
    }
    match generated {
        Some(pkce) if s256_challenge(pkce.verifier.secret()) == challenge => (
            Some(Pkce::from_verifier(pkce.verifier.clone(), PkceMethod::S256)),
            None,
        ),
        other => (
            other.cloned(),
            Some(
                "the code_challenge sent is not the S256 of the generated verifier (edited?): \
                 the token request repeats the generated verifier, which the server should \
                 refuse (RFC 7636 §4.6)"
                    .into(),
            ),
        ),
    }
}

/// The token request for a code (RFC 6749 §4.1.3, RFC 7636 §4.5, RFC 8707 §2.2), repeating
/// what the authorization request sent.
pub fn code_token_request(
    config: &FlowConfig,
    code: &str,
    sent: &AuthorizationSent,
) -> Result<RequestDraft, EngineError> {
    let redirect_uri = sent
        .redirect_uri
        .as_deref()
        .or(config.redirect_uri.as_deref())
        .unwrap_or_default();
    let mut params = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
    ];
    if let Some(verifier) = &sent.code_verifier {
        params.push(("code_verifier", verifier.secret()));
    }
    let mut draft = token_request(config, &params)?;
    // Resource indicators may repeat (RFC 8707 §2): pushed, not set.
    for resource in &sent.resource {
        draft.params.push(("resource".into(), resource.clone()));
    }
    draft.secret_names.push("code".into());
    Ok(draft)
}
