//! The device authorization grant (RFC 8628): `POST /device/code` hands out a device_code and
//! a user_code; `GET|POST /device` is the verification page where the person enters the code.
//! Polling the token endpoint lives in `token.rs`.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::app::{AppState, DEVICE_VERIFICATION_PATH};
use super::client_auth::AuthenticatedForm;
use super::config::GRANT_DEVICE_CODE;
use super::errors::OAuthError;
use super::form::{FormBody, Params};
use super::http::{finish, no_store_json};
use super::interaction;
use super::pages;
use super::redirect;
use super::scopes::{self, Subject};
use super::secrets::{normalize_user_code, random_token, user_code};
use super::state::{DeviceRecord, DeviceStatus, Purpose, SignedIn};
use crate::wire::DeviceAuthorizationResponse;

/// `POST /device/code` (RFC 8628 §3.1, §3.2).
pub async fn authorization(State(app): State<AppState>, form: AuthenticatedForm) -> Response {
    let result = (|| {
        let AuthenticatedForm { client, params, .. } = &form;
        if !client.allows_grant(GRANT_DEVICE_CODE) {
            return Err(OAuthError::unauthorized_client(format!(
                "client `{}` is not registered for the device_code grant (RFC 8628 section 3.2)",
                client.client_id
            )));
        }
        let scopes = scopes::resolve(params.get("scope"), client, Subject::User)?;
        let device_code = random_token();
        let user_code = user_code();
        let expires_in = app.lifetimes.device_code;
        let interval = app.lifetimes.device_poll_interval;
        {
            let mut store = app.store.lock();
            store
                .user_codes
                .insert(normalize_user_code(&user_code), device_code.clone());
            store.devices.insert(
                device_code.clone(),
                DeviceRecord {
                    client_id: client.client_id.clone(),
                    scopes,
                    user_code: user_code.clone(),
                    expires_at: app.expires_after(expires_in),
                    interval,
                    last_poll_ms: None,
                    status: DeviceStatus::Pending,
                },
            );
        }
        let verification_uri = app.url(DEVICE_VERIFICATION_PATH);
        Ok(DeviceAuthorizationResponse {
            verification_uri_complete: Some(redirect::with_params(
                &verification_uri,
                &[("user_code", &user_code)],
            )),
            device_code,
            user_code,
            verification_uri,
            expires_in,
            interval: Some(interval),
        })
    })();
    form.respond(result.map(|body| no_store_json(StatusCode::OK, &body)))
}

/// `GET /device`: the code entry page, or straight on with `?user_code=` (the
/// verification_uri_complete of RFC 8628 §3.3.1).
pub async fn verification_page(State(app): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let params = match Params::parse(query.unwrap_or_default().as_bytes()) {
        Ok(params) => params,
        Err(err) => return pages::error(StatusCode::BAD_REQUEST, err.error, &err.description),
    };
    match params.get("user_code") {
        Some(code) => continue_with_code(&app, code),
        None => pages::device_entry(None, None),
    }
}

/// `POST /device` with `user_code`.
pub async fn submit_user_code(
    State(app): State<AppState>,
    form: Result<FormBody, OAuthError>,
) -> Response {
    match form {
        Ok(FormBody(params)) => match params.get("user_code") {
            Some(code) => continue_with_code(&app, code),
            None => pages::device_entry(None, Some("Enter the code shown on your device.")),
        },
        Err(err) => pages::error(StatusCode::BAD_REQUEST, err.error, &err.description),
    }
}

/// Checks the typed code, then signs in (or approves at once in auto-approve mode).
fn continue_with_code(app: &AppState, typed: &str) -> Response {
    let normalized = normalize_user_code(typed);
    let now = app.now();
    let device_code = {
        let store = app.store.lock();
        store
            .user_codes
            .get(&normalized)
            .filter(|dc| {
                store
                    .devices
                    .get(*dc)
                    .is_some_and(|d| d.expires_at > now && d.status == DeviceStatus::Pending)
            })
            .cloned()
    };
    let Some(device_code) = device_code else {
        return pages::device_entry(
            Some(typed),
            Some("This code is unknown, expired or already used. Check your device."),
        );
    };
    let Some(username) = app.auto_approve.clone() else {
        return interaction::begin(app, Purpose::Device { device_code }, None);
    };
    let signed_in = SignedIn {
        user: app.user(&username),
        auth_time: now,
    };
    let client_id = {
        let mut store = app.store.lock();
        store.devices.get_mut(&device_code).map(|device| {
            device.status = DeviceStatus::Approved(Box::new(signed_in));
            device.client_id.clone()
        })
    };
    finish(client_id, Ok(pages::device_done(true, &username)))
}
