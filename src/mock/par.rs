//! `POST /par` (RFC 9126): the client pushes its authorization request and gets a short-lived,
//! single-use `request_uri` to send to /authorize instead.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::app::AppState;
use super::authorize;
use super::client_auth::AuthenticatedForm;
use super::errors::OAuthError;
use super::http::no_store_json;
use super::limits::StoreKind;
use super::request_object;
use super::secrets::random_token;
use super::state::ParRecord;
use crate::wire::{PAR_REQUEST_URI_PREFIX, PushedAuthorizationResponse};

pub async fn push(State(app): State<AppState>, form: AuthenticatedForm) -> Response {
    let result = async {
        let AuthenticatedForm { client, params, .. } = &form;
        if params.contains("request_uri") {
            return Err(OAuthError::invalid_request(
                "request_uri cannot be sent to /par; the pushed request is what creates one \
                 (RFC 9126 section 2.1)",
            ));
        }
        let params = request_object::effective_params(&app, params, client)
            .await
            .map_err(authorize::AuthorizeError::into_oauth_error)?;
        let request = authorize::validate(&app, &params, client)
            .map_err(authorize::AuthorizeError::into_oauth_error)?;
        let request_uri = format!("{PAR_REQUEST_URI_PREFIX}{}", random_token());
        let expires_in = app.lifetimes.par_request_uri;
        let mut store = app.store.lock();
        store.admit(StoreKind::ParRequests, 1, app.now())?;
        store.par.insert(
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
    }
    .await;
    form.respond(result.map(|body| no_store_json(StatusCode::CREATED, &body)))
}
