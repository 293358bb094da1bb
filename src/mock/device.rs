//! The device authorization grant (RFC 8628): `POST /device/code` hands out a device_code and
//! a user_code; `GET|POST /device` is the verification page where the person enters the code.
//! Polling the token endpoint lives in `token.rs`.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::app::{AppState, DEVICE_VERIFICATION_PATH};
use super::client_auth::AuthenticatedForm;
use super::config::GRANT_DEVICE_CODE;
use super::errors::OAuthError;
use super::form::{FormBody, Params};
use super::http::{finish, no_store_json};
use super::interaction;
use super::limits::StoreKind;
use super::pages;
use super::redirect;
use super::scopes::{self, Subject};
use super::secrets::{normalize_user_code, random_token, user_code};
use super::state::{AttemptWindow, DeviceRecord, DeviceStatus, Purpose, SignedIn};
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
            store.admit(StoreKind::DeviceCodes, 1, app.now())?;
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
                    attempts: AttemptWindow::default(),
                },
            );
        }
        let verification_uri = app.url(DEVICE_VERIFICATION_PATH);
        Ok(DeviceAuthorizationResponse {
            verification_uri_complete: Some(
                redirect::with_params(&verification_uri, &[("user_code", &user_code)]).into(),
            ),
            device_code: device_code.into(),
            user_code: user_code.into(),
            verification_uri,
            expires_in,
            interval: Some(interval),
        })
    })();
    form.respond(result.map(|body| no_store_json(StatusCode::OK, &body)))
}

/// `GET /device`: the code entry page, or straight on with `?user_code=` (the
/// verification_uri_complete of RFC 8628 §3.3.1).
pub async fn verification_page(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    RawQuery(query): RawQuery,
) -> Response {
    let params = match Params::parse(query.unwrap_or_default().as_bytes()) {
        Ok(params) => params,
        Err(err) => return pages::error(StatusCode::BAD_REQUEST, err.error, &err.description),
    };
    match params.get("user_code") {
        Some(code) => continue_with_code(&app, peer.ip(), code),
        None => pages::device_entry(None, None),
    }
}

/// `POST /device` with `user_code`.
pub async fn submit_user_code(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    form: Result<FormBody, OAuthError>,
) -> Response {
    match form {
        Ok(FormBody(params)) => match params.get("user_code") {
            Some(code) => continue_with_code(&app, peer.ip(), code),
            None => pages::device_entry(None, Some("Enter the code shown on your device.")),
        },
        Err(err) => pages::error(StatusCode::BAD_REQUEST, err.error, &err.description),
    }
}

/// Checks the typed code, then signs in (or approves at once in auto-approve mode). Attempts
/// are counted per client address and per device code (RFC 8628 §5.1), so a user code's 34
/// bits cannot be guessed at network speed.
fn continue_with_code(app: &AppState, address: IpAddr, typed: &str) -> Response {
    let normalized = normalize_user_code(typed);
    let now = app.now();
    let found = {
        let mut store = app.store.lock();
        let max = store.user_code_attempts_per_minute();
        if store.allow_user_code_attempt(address, now) {
            let device_code = store.user_codes.get(&normalized).cloned();
            match device_code.and_then(|dc| store.devices.get_mut(&dc).map(|d| (dc, d))) {
                Some((dc, device))
                    if device.expires_at > now && device.status == DeviceStatus::Pending =>
                {
                    device.attempts.allow(now, max).then_some(Some(dc))
                }
                _ => Some(None),
            }
        } else {
            None
        }
    };
    let Some(device_code) = found else {
        let mut page = pages::device_entry(
            None,
            Some(
                "Too many codes were entered from your address or for this device. Wait a \
                 minute, then try again (RFC 8628 section 5.1).",
            ),
        );
        *page.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        return page;
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
