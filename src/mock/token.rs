//! `POST /token` (RFC 6749 §3.2, §4.1.3, §4.4, §6; RFC 7636 §4.6; RFC 8628 §3.4; RFC 9700):
//! the four grants and the JWT bearer grant (RFC 7523 §2.1), after client authentication.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::app::AppState;
use super::app::TOKEN_PATH;
use super::authorization_details;
use super::authorize::is_pkce_string;
use super::client_auth::{AuthenticatedForm, ReadBeforeAuthentication};
use super::config::{
    ALL_GRANTS, GRANT_AUTHORIZATION_CODE, GRANT_CLIENT_CREDENTIALS, GRANT_DEVICE_CODE,
    GRANT_JWT_BEARER, GRANT_REFRESH_TOKEN, GRANT_TOKEN_EXCHANGE,
};
use super::dpop::Target;
use super::errors::OAuthError;
use super::form::Params;
use super::http::no_store_json;
use super::jwt_bearer;
use super::resource_indicators;
use super::scopes::{self, Subject};
use super::secrets::{secrets_equal, sha256_b64url};
use super::state::{Client, DeviceStatus, Pkce, PkceMethod};
use super::token_exchange;
use super::tokens::{Issue, issue};
use crate::wire::TokenResponse;

/// Seconds added to the device polling interval on each `slow_down` (RFC 8628 §3.5).
const SLOW_DOWN_STEP: u64 = 5;

/// The grant types this endpoint serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Grant {
    AuthorizationCode,
    RefreshToken,
    ClientCredentials,
    DeviceCode,
    TokenExchange,
    JwtBearer,
}

impl Grant {
    fn parse(grant_type: &str) -> Result<Self, OAuthError> {
        match grant_type {
            GRANT_AUTHORIZATION_CODE => Ok(Grant::AuthorizationCode),
            GRANT_REFRESH_TOKEN => Ok(Grant::RefreshToken),
            GRANT_CLIENT_CREDENTIALS => Ok(Grant::ClientCredentials),
            GRANT_DEVICE_CODE => Ok(Grant::DeviceCode),
            GRANT_TOKEN_EXCHANGE => Ok(Grant::TokenExchange),
            GRANT_JWT_BEARER => Ok(Grant::JwtBearer),
            other => Err(OAuthError::unsupported_grant_type(format!(
                "grant_type `{other}` is not supported; this server supports: {} \
                 (RFC 6749 section 5.2)",
                ALL_GRANTS.join(", ")
            ))),
        }
    }

    fn grant_type(self) -> &'static str {
        match self {
            Grant::AuthorizationCode => GRANT_AUTHORIZATION_CODE,
            Grant::RefreshToken => GRANT_REFRESH_TOKEN,
            Grant::ClientCredentials => GRANT_CLIENT_CREDENTIALS,
            Grant::DeviceCode => GRANT_DEVICE_CODE,
            Grant::TokenExchange => GRANT_TOKEN_EXCHANGE,
            Grant::JwtBearer => GRANT_JWT_BEARER,
        }
    }
}

/// The grant comes before client authentication: an unsupported grant_type is reported as
/// such whoever the client is.
impl ReadBeforeAuthentication for Grant {
    fn read(params: &Params) -> Result<Self, OAuthError> {
        Grant::parse(params.require("grant_type", "RFC 6749 section 4.1.3")?)
    }
}

pub async fn token(
    State(app): State<AppState>,
    headers: HeaderMap,
    form: AuthenticatedForm<Grant>,
) -> Response {
    let result = async {
        let AuthenticatedForm {
            client,
            params,
            before: grant,
        } = &form;
        let grant_type = grant.grant_type();
        if !client.allows_grant(grant_type) {
            return Err(OAuthError::unauthorized_client(format!(
                "client `{}` is not registered for the {grant_type} grant \
                 (RFC 6749 section 5.2)",
                client.client_id
            )));
        }
        // RFC 9449 §5: a proof binds the tokens to its key; checked before the code or
        // refresh token is used up, so a refused proof (or a nonce asked for) costs a retry.
        let target = Target {
            method: "POST",
            url: &format!("{}{TOKEN_PATH}", app.issuer),
            access_token: None,
        };
        let proof = app.dpop.check(&headers, target, app.now())?;
        let jkt = proof.as_ref().map(|p| p.jkt.as_str());
        if !matches!(grant, Grant::ClientCredentials | Grant::TokenExchange) {
            // Checked before the code or refresh token is used up, so a full store costs the
            // client nothing but a retry.
            app.store.lock().admit_user_tokens(app.now())?;
        }
        match grant {
            Grant::AuthorizationCode => authorization_code(&app, client, params, jkt).await,
            Grant::RefreshToken => refresh_token(&app, client, params, jkt).await,
            Grant::ClientCredentials => client_credentials(&app, client, params, jkt).await,
            Grant::DeviceCode => device_code(&app, client, params, jkt).await,
            Grant::TokenExchange => token_exchange::exchange(&app, client, params, jkt).await,
            Grant::JwtBearer => jwt_bearer::grant(&app, client, params, jkt).await,
        }
    }
    .await;
    form.respond(result.map(|tokens| no_store_json(StatusCode::OK, &tokens)))
}

async fn authorization_code(
    app: &AppState,
    client: &Client,
    params: &Params,
    jkt: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    let code = params.require("code", "RFC 6749 section 4.1.3")?;
    let verifier = params.get("code_verifier");
    let now = app.now();
    let record = {
        let mut store = app.store.lock();
        let Some(record) = store.codes.get_mut(code) else {
            return Err(OAuthError::invalid_grant(
                "the authorization code is unknown: it was never issued here, or it expired \
                 and was forgotten (RFC 6749 section 5.2)",
            ));
        };
        if record.redeemed {
            let grant = record.grant;
            store.revoke_grant(grant);
            return Err(OAuthError::invalid_grant(
                "the authorization code was already used; codes are single use, and every \
                 token issued from it is now revoked (RFC 6749 section 4.1.2)",
            ));
        }
        if record.expires_at <= now {
            return Err(OAuthError::invalid_grant(format!(
                "the authorization code expired; it lives {} s (RFC 6749 section 4.1.2)",
                app.lifetimes.authorization_code
            )));
        }
        let request = &record.request;
        if request.client_id != client.client_id {
            return Err(OAuthError::invalid_grant(format!(
                "the authorization code was issued to client `{}`, not `{}` \
                 (RFC 6749 section 4.1.3)",
                request.client_id, client.client_id
            )));
        }
        match (request.redirect_uri_sent, params.get("redirect_uri")) {
            (true, None) => {
                return Err(OAuthError::invalid_grant(
                    "redirect_uri is missing; it was sent to /authorize, so the token request \
                     must repeat it (RFC 6749 section 4.1.3)",
                ));
            }
            (true, Some(uri)) if uri != request.redirect_uri => {
                return Err(OAuthError::invalid_grant(format!(
                    "redirect_uri `{uri}` differs from `{}` sent to /authorize; they must be \
                     identical (RFC 6749 section 4.1.3)",
                    request.redirect_uri
                )));
            }
            _ => {}
        }
        check_pkce(request.pkce.as_ref(), verifier)?;
        // Checked before the code is used up: a wrong resource costs the client a retry only.
        let resources = resource_indicators::narrowed(app, params, &request.resources)?;
        record.redeemed = true;
        (record.clone(), resources)
    };
    let (record, resources) = record;
    let refresh = client.gets_refresh_tokens();
    issue(
        app,
        Issue {
            client,
            signed_in: Some(&record.signed_in),
            scopes: &record.request.scopes,
            nonce: record.request.nonce.as_deref(),
            grant: Some(record.grant),
            refresh_scopes: refresh.then_some(record.request.scopes.as_slice()),
            resources: &resources,
            refresh_resources: &record.request.resources,
            jkt,
            authorization_details: record.request.authorization_details.as_deref(),
        },
    )
    .await
}

/// RFC 9449 §5: a refresh token bound to a key (a public client's) is only redeemed with a
/// proof of that key.
fn check_refresh_binding(bound: Option<&str>, proof: Option<&str>) -> Result<(), OAuthError> {
    match (bound, proof) {
        (Some(_), None) => Err(OAuthError::invalid_dpop_proof(
            "the refresh token is bound to a DPoP key: send a DPoP proof signed with it \
             (RFC 9449 section 5)",
        )),
        (Some(bound), Some(proof)) if bound != proof => {
            Err(OAuthError::invalid_dpop_proof(format!(
                "the proof's key (jkt {proof}) is not the one the refresh token is bound to \
                 (jkt {bound}) (RFC 9449 section 5)"
            )))
        }
        _ => Ok(()),
    }
}

/// RFC 7636 §4.6, and RFC 9700 §2.1.1: a verifier without a challenge is refused too, so an
/// attacker cannot downgrade a PKCE flow.
fn check_pkce(pkce: Option<&Pkce>, verifier: Option<&str>) -> Result<(), OAuthError> {
    match (pkce, verifier) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(OAuthError::invalid_grant(
            "code_verifier was sent, but the authorization request had no code_challenge \
             (RFC 9700 section 2.1.1)",
        )),
        (Some(_), None) => Err(OAuthError::invalid_grant(
            "code_verifier is missing; the authorization request sent a code_challenge \
             (RFC 7636 section 4.5)",
        )),
        (Some(pkce), Some(verifier)) => {
            if !is_pkce_string(verifier) {
                return Err(OAuthError::invalid_grant(
                    "code_verifier must be 43 to 128 characters from A-Z a-z 0-9 - . _ ~ \
                     (RFC 7636 section 4.1)",
                ));
            }
            let derived = match pkce.method {
                PkceMethod::S256 => sha256_b64url(verifier.as_bytes()),
                PkceMethod::Plain => verifier.to_owned(),
            };
            if secrets_equal(&derived, &pkce.challenge) {
                Ok(())
            } else {
                Err(OAuthError::invalid_grant(format!(
                    "code_verifier does not match the code_challenge sent to /authorize \
                     (method {}; RFC 7636 section 4.6)",
                    match pkce.method {
                        PkceMethod::S256 => "S256",
                        PkceMethod::Plain => "plain",
                    }
                )))
            }
        }
    }
}

async fn refresh_token(
    app: &AppState,
    client: &Client,
    params: &Params,
    jkt: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    let presented = params.require("refresh_token", "RFC 6749 section 6")?;
    let now = app.now();
    let (record, scopes, resources) = {
        let mut store = app.store.lock();
        let Some(record) = store.refresh_token(presented).cloned() else {
            return Err(OAuthError::invalid_grant(
                "the refresh token is unknown to this server (RFC 6749 section 6)",
            ));
        };
        if record.client_id != client.client_id {
            return Err(OAuthError::invalid_grant(format!(
                "the refresh token was issued to client `{}`, not `{}` (RFC 6749 section 6)",
                record.client_id, client.client_id
            )));
        }
        if record.rotated {
            store.revoke_grant(record.grant);
            return Err(OAuthError::invalid_grant(
                "this refresh token was already exchanged and rotated out; reuse suggests it \
                 was stolen, so its whole token family is now revoked (RFC 9700 section 4.14.2)",
            ));
        }
        if record.expires_at <= now {
            return Err(OAuthError::invalid_grant(format!(
                "the refresh token expired; it lives {} s (RFC 6749 section 6)",
                app.lifetimes.refresh_token
            )));
        }
        if !store.refresh_token_active(&record, now) {
            return Err(OAuthError::invalid_grant(
                "the refresh token was revoked (RFC 7009 section 2)",
            ));
        }
        check_refresh_binding(record.jkt.as_deref(), jkt)?;
        let scopes = match params.get("scope") {
            None => record.scopes.clone(),
            Some(requested) => {
                let requested = scopes::resolve(Some(requested), client, Subject::User)?;
                if let Some(wider) = requested.iter().find(|s| !scopes::has(&record.scopes, s)) {
                    return Err(OAuthError::invalid_scope(format!(
                        "scope `{wider}` was not granted originally; a refresh may narrow the \
                         scope, never widen it (RFC 6749 section 6)"
                    )));
                }
                requested
            }
        };
        let resources = resource_indicators::narrowed(app, params, &record.resources)?;
        if let Some(live) = store.refresh_token_mut(presented) {
            live.rotated = true;
        }
        (record, scopes, resources)
    };
    issue(
        app,
        Issue {
            client,
            signed_in: Some(&record.signed_in),
            scopes: &scopes,
            nonce: None,
            grant: Some(record.grant),
            // RFC 6749 §6: the new refresh token keeps the original scope.
            refresh_scopes: Some(&record.scopes),
            resources: &resources,
            refresh_resources: &record.resources,
            jkt,
            authorization_details: record.authorization_details.as_ref(),
        },
    )
    .await
}

async fn client_credentials(
    app: &AppState,
    client: &Client,
    params: &Params,
    jkt: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    // Public clients never reach here: configuration and registration refuse them this grant
    // (RFC 6749 §4.4), so the allows_grant check above already answered unauthorized_client.
    let scopes = scopes::resolve(params.get("scope"), client, Subject::ClientOnly)?;
    let resources = resource_indicators::requested(app, params)?;
    // RFC 9396 §6: with no authorization request, the token request asks for the details.
    let details = authorization_details::requested(params, &app.authorization_details_types)?;
    // RFC 6749 §4.4.3: no refresh token; the client can simply ask again.
    let request = Issue {
        authorization_details: details.as_ref(),
        ..access_token_only(client, &scopes, &resources, jkt)
    };
    issue(app, request).await
}

/// An access token and nothing more: no user, no refresh token, no grant behind it to
/// revoke. Grants that issue a token this way (client credentials, the JWT bearer grant)
/// set what they add (the user, the authorization details). A DPoP proof at the token
/// request binds the token too (RFC 9449 §5).
pub(super) fn access_token_only<'a>(
    client: &'a Client,
    scopes: &'a [String],
    resources: &'a [String],
    jkt: Option<&'a str>,
) -> Issue<'a> {
    Issue {
        client,
        signed_in: None,
        scopes,
        nonce: None,
        grant: None,
        refresh_scopes: None,
        resources,
        refresh_resources: &[],
        jkt,
        authorization_details: None,
    }
}

async fn device_code(
    app: &AppState,
    client: &Client,
    params: &Params,
    jkt: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    let device_code = params.require("device_code", "RFC 8628 section 3.4")?;
    let resources = resource_indicators::requested(app, params)?;
    let now_ms = app.clock.now_ms();
    let (signed_in, scopes, grant) = {
        let mut store = app.store.lock();
        let Some(device) = store.devices.get_mut(device_code) else {
            return Err(OAuthError::invalid_grant(
                "the device_code is unknown to this server (RFC 8628 section 3.5)",
            ));
        };
        if device.client_id != client.client_id {
            return Err(OAuthError::invalid_grant(format!(
                "the device_code was issued to client `{}`, not `{}` (RFC 8628 section 3.4)",
                device.client_id, client.client_id
            )));
        }
        if device.expires_at <= now_ms / 1000 {
            return Err(OAuthError::device(
                "expired_token",
                format!(
                    "the device_code expired; it lives {} s. Start again at /device/code \
                     (RFC 8628 section 3.5)",
                    app.lifetimes.device_code
                ),
            ));
        }
        let previous_poll = device.last_poll_ms.replace(now_ms);
        match device.status.clone() {
            DeviceStatus::Redeemed => {
                return Err(OAuthError::invalid_grant(
                    "the device_code was already exchanged for tokens (RFC 8628 section 3.5)",
                ));
            }
            DeviceStatus::Denied => {
                return Err(OAuthError::device(
                    "access_denied",
                    "the user denied the request on the verification page \
                     (RFC 8628 section 3.5)",
                ));
            }
            DeviceStatus::Pending => {
                if let Some(previous) = previous_poll {
                    let waited = now_ms.saturating_sub(previous);
                    if waited < device.interval.saturating_mul(1000) {
                        let asked = device.interval;
                        device.interval = device.interval.saturating_add(SLOW_DOWN_STEP);
                        return Err(OAuthError::device(
                            "slow_down",
                            format!(
                                "polled {waited} ms after the previous request, but the \
                                 interval is {asked} s; it is now {} s (RFC 8628 section 3.5)",
                                device.interval
                            ),
                        ));
                    }
                }
                return Err(OAuthError::device(
                    "authorization_pending",
                    "the user has not yet approved the request at the verification URI; \
                     keep polling at the interval (RFC 8628 section 3.5)",
                ));
            }
            DeviceStatus::Approved(signed_in) => {
                device.status = DeviceStatus::Redeemed;
                let scopes = device.scopes.clone();
                let grant = store.new_grant();
                (*signed_in, scopes, grant)
            }
        }
    };
    let refresh = client.gets_refresh_tokens();
    issue(
        app,
        Issue {
            client,
            signed_in: Some(&signed_in),
            scopes: &scopes,
            nonce: None,
            grant: Some(grant),
            refresh_scopes: refresh.then_some(scopes.as_slice()),
            resources: &resources,
            refresh_resources: &resources,
            jkt,
            authorization_details: None,
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_rules() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let s256 = Pkce {
            challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
            method: PkceMethod::S256,
        };
        assert!(check_pkce(Some(&s256), Some(verifier)).is_ok());
        assert!(check_pkce(Some(&s256), Some(&verifier.replace('d', "e"))).is_err());
        assert!(check_pkce(Some(&s256), None).is_err());
        assert!(check_pkce(None, Some(verifier)).is_err());
        assert!(check_pkce(None, None).is_ok());
        let plain = Pkce {
            challenge: verifier.into(),
            method: PkceMethod::Plain,
        };
        assert!(check_pkce(Some(&plain), Some(verifier)).is_ok());
    }
}
