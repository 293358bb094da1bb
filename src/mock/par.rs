//! `POST /par` (RFC 9126): the client pushes its authorization request and gets a short-lived,
//! single-use `request_uri` to send to /authorize instead.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::app::AppState;
use super::authorize;
use super::client_auth::authenticate;
use super::errors::OAuthError;
use super::form::FormBody;
use super::http::{finish, no_store_json};
use super::secrets::random_token;
use super::state::ParRecord;
use crate::wire::{PAR_REQUEST_URI_PREFIX, PushedAuthorizationResponse};

pub async fn push(
    State(app): State<AppState>,
    headers: HeaderMap,
    form: Result<FormBody, OAuthError>,
) -> Response {
    let mut client_id = None;
    let result = (|| {
        let FormBody(params) = form?;
        let client = authenticate(&app.store, &headers, &params)?;
        client_id = Some(client.client_id.clone());
        if params.contains("request_uri") {
            return Err(OAuthError::invalid_request(
                "request_uri cannot be sent to /par; the pushed request is what creates one \
                 (RFC 9126 section 2.1)",
            ));
        }
        let request = authorize::validate(&params, &client)
            .map_err(authorize::AuthorizeError::into_oauth_error)?;
        let request_uri = format!("{PAR_REQUEST_URI_PREFIX}{}", random_token());
        let expires_in = app.lifetimes.par_request_uri;
        app.store.lock().par.insert(
            request_uri.clone(),
            ParRecord {
                request,
                expires_at: app.expires_after(expires_in),
            },
        );
        Ok(PushedAuthorizationResponse {
            request_uri,
            expires_in,
        })
    })();
    finish(
        client_id,
        result.map(|body| no_store_json(StatusCode::CREATED, &body)),
    )
}
