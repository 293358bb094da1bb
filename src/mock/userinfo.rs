//! `GET|POST /userinfo` (OIDC Core §5.3): the signed-in user's claims, as the access token's
//! scopes allow. The token comes in the Authorization header or, for POST, the form body
//! (RFC 6750 §2.1, §2.2).

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::app::{AppState, USERINFO_PATH};
use super::dpop::{Presented, Target, dpop_token};
use super::errors::OAuthError;
use super::form::FormBody;
use super::http::{bearer_token, for_client, forbid_caching};
use super::resource_indicators;
use super::scopes;
use super::tokens::{find_access_token, user_claims};

pub async fn get(State(app): State<AppState>, headers: HeaderMap) -> Response {
    match presented(&headers, None) {
        Ok(token) => respond(&app, &headers, "GET", token).await,
        Err(err) => err.into_response(),
    }
}

/// The token from the Authorization header (`Bearer` or `DPoP`) or the body, from one only.
fn presented(headers: &HeaderMap, body: Option<&str>) -> Result<Option<Presented>, OAuthError> {
    let from_header = match dpop_token(headers)? {
        Some(token) => Some(Presented::Dpop(token)),
        None => bearer_token(headers)?.map(Presented::Bearer),
    };
    match (from_header, body) {
        (Some(_), Some(_)) => Err(OAuthError::invalid_request(
            "the access token was sent both in the Authorization header and in the body; \
             use one method only (RFC 6750 section 2)",
        )),
        (Some(token), None) => Ok(Some(token)),
        (None, body) => Ok(body.map(|t| Presented::Bearer(t.to_owned()))),
    }
}

pub async fn post(
    State(app): State<AppState>,
    headers: HeaderMap,
    form: Result<FormBody, OAuthError>,
) -> Response {
    let result = form.and_then(|FormBody(params)| presented(&headers, params.get("access_token")));
    match result {
        Ok(token) => respond(&app, &headers, "POST", token).await,
        Err(err) => err.into_response(),
    }
}

async fn respond(
    app: &AppState,
    headers: &HeaderMap,
    method: &str,
    presented: Option<Presented>,
) -> Response {
    let Some(presented) = presented else {
        return OAuthError::missing_bearer(
            "no access token: send `Authorization: Bearer <access_token>` \
             (RFC 6750 section 2.1, OIDC Core section 5.3.1)",
        )
        .into_response();
    };
    let token = presented.token();
    let access = match find_access_token(app, token).await {
        Ok(Some(access)) => access,
        Ok(None) => {
            return OAuthError::invalid_token(
                "the access token is unknown, expired or revoked (RFC 6750 section 3.1)",
            )
            .into_response();
        }
        Err(err) => return err.into_response(),
    };
    let target = Target {
        method,
        url: &format!("{}{USERINFO_PATH}", app.issuer),
        access_token: None,
    };
    if let Err(err) = app.dpop.check_presented(
        headers,
        &presented,
        access.jkt.as_deref(),
        target,
        app.now(),
    ) {
        return err.into_response();
    }
    if !resource_indicators::names(&access.audience, &app.issuer) {
        return OAuthError::invalid_token(format!(
            "the access token's audience is {}, not this server ({}): a token asked for with \
             `resource` is for that resource only (RFC 8707 section 2, RFC 9068 section 4)",
            access.audience, app.issuer
        ))
        .into_response();
    }
    let response = match &access.user {
        Some(user) if scopes::has(&access.scopes, "openid") => {
            let mut claims = user_claims(user, &access.scopes);
            claims.extend(app.lab.claims.for_user(user));
            Json(claims).into_response()
        }
        _ => OAuthError::insufficient_scope(
            "userinfo needs an access token issued to a user with the openid scope \
             (OIDC Core section 5.3)",
        )
        .into_response(),
    };
    let mut response = for_client(response, &access.client_id);
    // The claims are personal data: never cached (OIDC Core §5.3.2, RFC 9111 §5.2.2.5).
    forbid_caching(response.headers_mut());
    response
}
