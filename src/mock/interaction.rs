//! `POST /login` and `POST /consent`: the two steps a person takes on the pages, shared by the
//! authorization code flow and the device flow (see `pages.rs` for the form fields).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::app::AppState;
use super::authorize;
use super::errors::OAuthError;
use super::form::FormBody;
use super::http::for_client;
use super::limits::StoreKind;
use super::pages;
use super::secrets::random_token;
use super::state::{Client, DeviceStatus, Interaction, Purpose, SignedIn};

/// Longest username accepted on the login page.
const MAX_USERNAME: usize = 64;

/// The name shown for a client on the pages.
pub fn client_label(client: &Client) -> &str {
    client.client_name.as_deref().unwrap_or(&client.client_id)
}

fn expired_page() -> Response {
    pages::error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "This sign-in has expired or was already completed. Start again from the application.",
    )
}

fn bad_form(err: &OAuthError) -> Response {
    pages::error(StatusCode::BAD_REQUEST, err.error, &err.description)
}

/// What the pages show about an interaction: which client asks, for which scopes, and the
/// user code in the device flow.
struct Asking {
    client: Arc<Client>,
    scopes: Vec<String>,
    user_code: Option<String>,
}

impl Asking {
    /// `None` when the client or the device request has gone in the meantime.
    fn of(app: &AppState, purpose: &Purpose) -> Option<Self> {
        let store = app.store.lock();
        match purpose {
            Purpose::Authorize(request) => Some(Asking {
                client: store.client(&request.client_id)?,
                scopes: request.scopes.clone(),
                user_code: None,
            }),
            Purpose::Device { device_code } => {
                let device = store.devices.get(device_code)?;
                Some(Asking {
                    client: store.client(&device.client_id)?,
                    scopes: device.scopes.clone(),
                    user_code: Some(device.user_code.clone()),
                })
            }
        }
    }

    fn context(&self) -> pages::Context<'_> {
        pages::Context {
            client_name: client_label(&self.client),
            scopes: &self.scopes,
            user_code: self.user_code.as_deref(),
        }
    }
}

/// Starts the sign-in pages for a purpose: records the interaction, shows the login page.
pub fn begin(app: &AppState, purpose: Purpose, login_hint: Option<&str>) -> Response {
    let Some(asking) = Asking::of(app, &purpose) else {
        return expired_page();
    };
    let tx = random_token();
    let mut store = app.store.lock();
    if let Err(full) = store.admit(StoreKind::SignIns, 1, app.now()) {
        drop(store);
        return match &purpose {
            Purpose::Authorize(request) => authorize::unavailable(app, request, full),
            Purpose::Device { .. } => pages::error(
                StatusCode::TOO_MANY_REQUESTS,
                "temporarily_unavailable",
                &full.to_string(),
            ),
        };
    }
    store.interactions.insert(
        tx.clone(),
        Interaction {
            purpose,
            signed_in: None,
            expires_at: app.expires_after(app.lifetimes.interaction),
        },
    );
    drop(store);
    for_client(
        pages::login(&tx, &app.users, login_hint, &asking.context()),
        &asking.client.client_id,
    )
}

pub async fn login(State(app): State<AppState>, form: Result<FormBody, OAuthError>) -> Response {
    let FormBody(params) = match form {
        Ok(form) => form,
        Err(err) => return bad_form(&err),
    };
    let (Some(tx), Some(username)) = (params.get("tx"), params.get("username")) else {
        return bad_form(&OAuthError::invalid_request(
            "the login form needs the fields `tx` and `username`",
        ));
    };
    let username = username.trim();
    if username.is_empty()
        || username.chars().count() > MAX_USERNAME
        || username.chars().any(char::is_control)
    {
        return bad_form(&OAuthError::invalid_request(format!(
            "a username is 1 to {MAX_USERNAME} printable characters"
        )));
    }
    let signed_in = SignedIn {
        user: app.user(username),
        auth_time: app.now(),
    };
    let purpose = {
        let mut store = app.store.lock();
        let now = app.now();
        match store
            .interactions
            .get_mut(tx)
            .filter(|i| i.expires_at > now)
        {
            Some(live) => {
                live.signed_in = Some(signed_in.clone());
                live.purpose.clone()
            }
            None => return expired_page(),
        }
    };
    let Some(asking) = Asking::of(&app, &purpose) else {
        return expired_page();
    };
    for_client(
        pages::consent(tx, &signed_in.user, &asking.context()),
        &asking.client.client_id,
    )
}

pub async fn consent(State(app): State<AppState>, form: Result<FormBody, OAuthError>) -> Response {
    let FormBody(params) = match form {
        Ok(form) => form,
        Err(err) => return bad_form(&err),
    };
    let approved = match params.get("decision") {
        Some("approve") => true,
        Some("deny") => false,
        _ => {
            return bad_form(&OAuthError::invalid_request(
                "the consent form needs `decision` = `approve` or `deny`",
            ));
        }
    };
    let Some(tx) = params.get("tx") else {
        return bad_form(&OAuthError::invalid_request(
            "the consent form needs the field `tx`",
        ));
    };
    // Single use: the interaction ends here whatever the decision.
    let interaction = app
        .store
        .lock()
        .interactions
        .remove(tx)
        .filter(|i| i.expires_at > app.now());
    let Some(Interaction {
        purpose,
        signed_in: Some(signed_in),
        ..
    }) = interaction
    else {
        return expired_page();
    };
    match purpose {
        Purpose::Authorize(request) => {
            let client_id = request.client_id.clone();
            let response = if approved {
                authorize::finish(&app, request, signed_in, StatusCode::SEE_OTHER)
            } else {
                authorize::denied(&app, &request)
            };
            for_client(response, &client_id)
        }
        Purpose::Device { device_code } => {
            let username = signed_in.user.username.clone();
            let updated = {
                let mut store = app.store.lock();
                match store.devices.get_mut(&device_code) {
                    Some(device) if device.status == DeviceStatus::Pending => {
                        device.status = if approved {
                            DeviceStatus::Approved(Box::new(signed_in))
                        } else {
                            DeviceStatus::Denied
                        };
                        Some(device.client_id.clone())
                    }
                    _ => None,
                }
            };
            match updated {
                Some(client_id) => for_client(pages::device_done(approved, &username), &client_id),
                None => expired_page(),
            }
        }
    }
}
