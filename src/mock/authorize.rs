//! `GET /authorize` (RFC 6749 §4.1.1, RFC 7636, OIDC Core §3.1.2, RFC 9126 §4, RFC 9101):
//! validates the request (read from its request object when it sends one), then signs the user in (auto-approve, or the login and consent pages) and sends
//! the code back with `state` and `iss` (RFC 9207).

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::app::{App, AppState};
use super::authorization_details;
use super::config::GRANT_AUTHORIZATION_CODE;
use super::errors::OAuthError;
use super::form::Params;
use super::http::{for_client, redirect};
use super::interaction;
use super::limits::{MAX_REQUEST_PARAM, StoreFull, StoreKind};
use super::pages;
use super::redirect as redirect_uri;
use super::request_object;
use super::resource_indicators;
use super::scopes::{self, Subject};
use super::secrets::random_token;
use super::state::{AuthorizationRequest, Client, CodeRecord, Pkce, PkceMethod, Purpose, SignedIn};
use crate::wire::PAR_REQUEST_URI_PREFIX;

/// Why an authorization request fails, and so where the error goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeError {
    /// The client or its redirect URI cannot be trusted: an error page, never a redirect
    /// (RFC 6749 §4.1.2.1).
    Untrusted {
        error: &'static str,
        description: String,
    },
    /// Everything else goes back to the client's redirect URI (RFC 6749 §4.1.2.1).
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: &'static str,
        description: String,
    },
}

impl AuthorizeError {
    fn untrusted(description: impl Into<String>) -> Self {
        AuthorizeError::Untrusted {
            error: "invalid_request",
            description: description.into(),
        }
    }

    /// The same failure as a JSON error, for the PAR endpoint (RFC 9126 §2.3).
    pub fn into_oauth_error(self) -> OAuthError {
        match self {
            AuthorizeError::Untrusted { error, description }
            | AuthorizeError::Redirect {
                error, description, ..
            } => OAuthError::bad_request(error, description),
        }
    }
}

pub async fn authorize(State(app): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let params = match Params::parse(query.unwrap_or_default().as_bytes()) {
        Ok(params) => params,
        Err(err) => return pages::error(StatusCode::BAD_REQUEST, err.error, &err.description),
    };
    // A client_id that is a metadata document URL is fetched before the client is looked up.
    if let Err(err) = app.cimd.prepare(&app, params.get("client_id")).await {
        let error = AuthorizeError::Untrusted {
            error: "invalid_client",
            description: err.0,
        };
        return error_response(&app, error);
    }
    let (client, request) = match resolve(&app, &params).await {
        Ok(found) => found,
        Err(err) => return error_response(&app, err),
    };
    let response = if let Some(username) = app.auto_approve.clone() {
        let signed_in = SignedIn {
            user: app.user(&username),
            auth_time: app.now(),
        };
        finish(&app, request, signed_in, StatusCode::FOUND)
    } else if request.prompt_none {
        error_response(
            &app,
            redirect_error(
                &request,
                "login_required",
                "prompt=none was sent, but nobody is signed in at this server and it keeps no \
                 sessions (OIDC Core section 3.1.2.6)",
            ),
        )
    } else {
        let hint = request.login_hint.clone();
        interaction::begin(&app, Purpose::Authorize(request), hint.as_deref())
    };
    for_client(response, &client.client_id)
}

/// The client and the request, from the query or from a pushed request (RFC 9126 §4).
async fn resolve(
    app: &AppState,
    params: &Params,
) -> Result<(Arc<Client>, AuthorizationRequest), AuthorizeError> {
    let client = find_client(app, params)?;
    let Some(request_uri) = params.get("request_uri") else {
        let params = request_object::effective_params(app, params, &client).await?;
        let request = validate(app, &params, &client)?;
        return Ok((client, request));
    };
    if !request_uri.starts_with(PAR_REQUEST_URI_PREFIX) {
        return Err(AuthorizeError::Untrusted {
            error: "invalid_request_uri",
            description: format!(
                "request_uri must be one this server issued at /par, starting with \
                 `{PAR_REQUEST_URI_PREFIX}` (RFC 9126 section 4)"
            ),
        });
    }
    // Single use: taken out of the store whether or not it is still valid.
    let pushed = app.store.lock().par.remove(request_uri);
    let invalid = |why: &str| AuthorizeError::Untrusted {
        error: "invalid_request_uri",
        description: format!("request_uri {why} (RFC 9126 section 4)"),
    };
    let pushed =
        pushed.ok_or_else(|| invalid("is unknown or was already used; it is single use"))?;
    if pushed.expires_at <= app.now() {
        return Err(invalid(&format!(
            "expired; it lives {} s",
            app.lifetimes.par_request_uri
        )));
    }
    if pushed.request.client_id != client.client_id {
        return Err(invalid(
            "was pushed by another client; it is bound to its client",
        ));
    }
    Ok((client, pushed.request))
}

fn find_client(app: &AppState, params: &Params) -> Result<Arc<Client>, AuthorizeError> {
    let client_id = params.get("client_id").ok_or_else(|| {
        AuthorizeError::untrusted("parameter `client_id` is missing (RFC 6749 section 4.1.1)")
    })?;
    app.store.lock().client(client_id).ok_or_else(|| {
        AuthorizeError::untrusted(format!(
            "unknown client `{client_id}`: the server cannot verify where to send you back, \
             so it does not redirect (RFC 6749 section 4.1.2.1)"
        ))
    })
}

/// Validates an authorization request for an already identified client. Shared with /par.
pub fn validate(
    app: &App,
    params: &Params,
    client: &Client,
) -> Result<AuthorizationRequest, AuthorizeError> {
    // Echoed values are kept with the request: their size is what bounds its memory.
    for name in ["state", "nonce", "login_hint"] {
        if params
            .get(name)
            .is_some_and(|v| v.len() > MAX_REQUEST_PARAM)
        {
            return Err(AuthorizeError::untrusted(format!(
                "parameter `{name}` is longer than this server's limit of {MAX_REQUEST_PARAM} bytes"
            )));
        }
    }
    let (redirect_uri, redirect_uri_sent) = match params.get("redirect_uri") {
        Some(uri) => {
            if !client
                .redirect_uris
                .iter()
                .any(|registered| redirect_uri::matches(registered, uri))
            {
                return Err(AuthorizeError::untrusted(format!(
                    "redirect_uri `{uri}` is not registered for client `{}`; it must match \
                     exactly (RFC 6749 section 3.1.2.3), only a loopback IP's port may vary \
                     (RFC 8252 section 7.3)",
                    client.client_id
                )));
            }
            (uri.to_owned(), true)
        }
        None => match client.redirect_uris.as_slice() {
            [only] => (only.clone(), false),
            _ => {
                return Err(AuthorizeError::untrusted(format!(
                    "parameter `redirect_uri` is missing, and client `{}` does not have exactly \
                     one registered redirect URI to default to (RFC 6749 section 3.1.2.3)",
                    client.client_id
                )));
            }
        },
    };
    let state = params.get("state").map(str::to_owned);
    let fail = |error: &'static str, description: String| AuthorizeError::Redirect {
        redirect_uri: redirect_uri.clone(),
        state: state.clone(),
        error,
        description,
    };

    match params.get("response_type") {
        None => {
            return Err(fail(
                "invalid_request",
                "parameter `response_type` is missing (RFC 6749 section 4.1.1)".into(),
            ));
        }
        Some("code") => {}
        Some(other) => {
            return Err(fail(
                "unsupported_response_type",
                format!(
                    "response_type `{other}` is not supported; use `code` (RFC 6749 section \
                     4.1.1; RFC 9700 section 2.1.2 retires the implicit grant)"
                ),
            ));
        }
    }
    if let Some(mode) = params.get("response_mode").filter(|m| *m != "query") {
        return Err(fail(
            "invalid_request",
            format!(
                "response_mode `{mode}` is not supported; this server answers in the query \
                 (OAuth 2.0 Multiple Response Type Encoding Practices section 2.1)"
            ),
        ));
    }
    if !client.allows_grant(GRANT_AUTHORIZATION_CODE) {
        return Err(fail(
            "unauthorized_client",
            format!(
                "client `{}` is not registered for the authorization_code grant \
                 (RFC 6749 section 4.1.2.1)",
                client.client_id
            ),
        ));
    }
    let scopes = scopes::resolve(params.get("scope"), client, Subject::User)
        .map_err(|err| fail(err.error, err.description))?;
    if scopes::has(&scopes, "openid") && !redirect_uri_sent {
        return Err(fail(
            "invalid_request",
            "OpenID Connect requests must send `redirect_uri` (OIDC Core section 3.1.2.1)".into(),
        ));
    }
    let resources = resource_indicators::requested(app, params)
        .map_err(|err| fail(err.error, err.description))?;
    let pkce = pkce(params, client).map_err(|description| fail("invalid_request", description))?;
    let authorization_details =
        authorization_details::requested(params, &app.authorization_details_types)
            .map_err(|err| fail(err.error, err.description))?;
    let prompts: Vec<&str> = params
        .get("prompt")
        .unwrap_or_default()
        .split(' ')
        .collect();
    let prompt_none = prompts.contains(&"none");
    if prompt_none && prompts.len() > 1 {
        return Err(fail(
            "invalid_request",
            "prompt=none cannot be combined with other prompt values \
             (OIDC Core section 3.1.2.1)"
                .into(),
        ));
    }
    Ok(AuthorizationRequest {
        client_id: client.client_id.clone(),
        redirect_uri,
        redirect_uri_sent,
        scopes,
        resources,
        state,
        nonce: params.get("nonce").map(str::to_owned),
        pkce,
        login_hint: params.get("login_hint").map(str::to_owned),
        prompt_none,
        authorization_details: authorization_details.map(Box::new),
    })
}

/// RFC 7636 §4.3 and RFC 9700 §2.1.1: public clients must send a challenge.
fn pkce(params: &Params, client: &Client) -> Result<Option<Pkce>, String> {
    let method = params.get("code_challenge_method");
    let Some(challenge) = params.get("code_challenge") else {
        if method.is_some() {
            return Err(
                "code_challenge_method was sent without code_challenge (RFC 7636 section 4.3)"
                    .into(),
            );
        }
        if client.is_public() {
            return Err(format!(
                "client `{}` is public, so it must use PKCE: send code_challenge and \
                 code_challenge_method=S256 (RFC 9700 section 2.1.1, RFC 7636 section 4.4.1)",
                client.client_id
            ));
        }
        return Ok(None);
    };
    let method = match method {
        None | Some("plain") => PkceMethod::Plain,
        Some("S256") => PkceMethod::S256,
        Some(other) => {
            return Err(format!(
                "code_challenge_method `{other}` is not supported; use S256 \
                 (RFC 7636 section 4.4.1)"
            ));
        }
    };
    if !is_pkce_string(challenge) {
        return Err(
            "code_challenge must be 43 to 128 characters from A-Z a-z 0-9 - . _ ~ \
             (RFC 7636 section 4.2)"
                .into(),
        );
    }
    Ok(Some(Pkce {
        challenge: challenge.to_owned(),
        method,
    }))
}

/// RFC 7636 §4.1: 43 to 128 unreserved characters (the same shape for verifier and challenge).
pub fn is_pkce_string(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

fn redirect_error(
    request: &AuthorizationRequest,
    error: &'static str,
    description: &str,
) -> AuthorizeError {
    AuthorizeError::Redirect {
        redirect_uri: request.redirect_uri.clone(),
        state: request.state.clone(),
        error,
        description: description.to_owned(),
    }
}

/// A store is full: `temporarily_unavailable` back to the client (RFC 6749 §4.1.2.1), with
/// the limit's name in the description.
pub fn unavailable(app: &AppState, request: &AuthorizationRequest, full: StoreFull) -> Response {
    error_response(
        app,
        redirect_error(request, "temporarily_unavailable", &full.to_string()),
    )
}

/// The user refused on the consent page (RFC 6749 §4.1.2.1 `access_denied`).
pub fn denied(app: &AppState, request: &AuthorizationRequest) -> Response {
    error_response(
        app,
        redirect_error(
            request,
            "access_denied",
            "the user denied the request on the consent page (RFC 6749 section 4.1.2.1)",
        ),
    )
}

/// An error page, or a redirect carrying `error`, `error_description`, `state` and `iss`.
fn error_response(app: &AppState, err: AuthorizeError) -> Response {
    match err {
        AuthorizeError::Untrusted { error, description } => {
            pages::error(StatusCode::BAD_REQUEST, error, &description)
        }
        AuthorizeError::Redirect {
            redirect_uri: uri,
            state,
            error,
            description,
        } => {
            let mut params = vec![
                ("error", error),
                ("error_description", description.as_str()),
            ];
            if let Some(state) = state.as_deref() {
                params.push(("state", state));
            }
            params.push(("iss", app.issuer.as_str()));
            redirect(StatusCode::FOUND, &redirect_uri::with_params(&uri, &params))
        }
    }
}

/// Issues a code for an approved request and redirects to the client with `code`, `state`
/// and `iss` (RFC 6749 §4.1.2, RFC 9207).
pub fn finish(
    app: &AppState,
    request: AuthorizationRequest,
    signed_in: SignedIn,
    status: StatusCode,
) -> Response {
    let code = random_token();
    let location = {
        let mut params = vec![("code", code.as_str())];
        if let Some(state) = request.state.as_deref() {
            params.push(("state", state));
        }
        params.push(("iss", app.issuer.as_str()));
        redirect_uri::with_params(&request.redirect_uri, &params)
    };
    let mut store = app.store.lock();
    if let Err(full) = store.admit(StoreKind::AuthorizationCodes, 1, app.now()) {
        drop(store);
        return unavailable(app, &request, full);
    }
    let grant = store.new_grant();
    store.codes.insert(
        code.clone(),
        CodeRecord {
            request,
            signed_in,
            expires_at: app.expires_after(app.lifetimes.authorization_code),
            grant,
            redeemed: false,
        },
    );
    redirect(status, &location)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_strings_follow_rfc7636() {
        assert!(is_pkce_string(&"a".repeat(43)));
        assert!(is_pkce_string(&"~._-".repeat(32)));
        assert!(!is_pkce_string(&"a".repeat(42)));
        assert!(!is_pkce_string(&"a".repeat(129)));
        assert!(!is_pkce_string(&format!("{}+", "a".repeat(43))));
    }
}
