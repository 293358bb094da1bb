//! The device authorization grant (RFC 8628): get a user code, show it, poll the token
//! endpoint at the interval the server asked for, slowing down when told to.

use std::time::Duration;

use super::FlowConfig;
use super::tokens::{process_token_response, token_request};
use crate::oauth::error::EngineError;
use crate::oauth::exchange::Exchange;
use crate::oauth::response::{check_transport, expect_json, json_body};
use crate::oauth::step::RequestDraft;
use crate::wire::{DEVICE_CODE_GRANT, DeviceAuthorizationResponse, ErrorResponse, TokenResponse};

/// RFC 8628 §3.5: with no interval the client waits 5 s between polls...
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
/// ...and adds 5 s to it on every `slow_down`.
pub const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);

/// The device authorization request (RFC 8628 §3.1).
pub fn device_authorization_request(config: &FlowConfig) -> Result<RequestDraft, EngineError> {
    let endpoint = config.endpoint(
        "device_authorization_endpoint",
        &config.metadata.device_authorization_endpoint,
    )?;
    let mut draft = RequestDraft::new("POST", endpoint);
    if let Some(scope) = &config.scope {
        draft.set_param("scope", scope);
    }
    config.client.apply(&mut draft)?;
    // client_id goes in the body even when the client authenticates with Basic: RFC 8628
    // §3.1 allows it, and servers built on oauthlib refuse the request without it.
    draft.set_param("client_id", &config.client.client_id);
    Ok(draft)
}

/// Reads the device authorization response (RFC 8628 §3.2).
pub fn process_device_authorization(
    exchange: &Exchange,
) -> Result<DeviceAuthorizationResponse, EngineError> {
    expect_json(exchange, "device authorization response", &[200])
}

/// One poll of the token endpoint (RFC 8628 §3.4).
pub fn poll_request(config: &FlowConfig, device_code: &str) -> Result<RequestDraft, EngineError> {
    token_request(
        config,
        &[
            ("grant_type", DEVICE_CODE_GRANT),
            ("device_code", device_code),
        ],
    )
}

/// What one poll said (RFC 8628 §3.5).
#[derive(Debug, Clone, PartialEq)]
pub enum PollOutcome {
    Tokens(Box<TokenResponse>),
    /// `authorization_pending`: the user has not finished yet.
    Pending,
    /// `slow_down`: poll 5 s less often from now on.
    SlowDown,
    /// `access_denied`: the user said no.
    Denied(Option<String>),
    /// `expired_token`: the device code is no longer valid.
    Expired(Option<String>),
}

pub fn process_poll(exchange: &Exchange) -> Result<PollOutcome, EngineError> {
    let status = check_transport(exchange)?;
    if status == 200 {
        return process_token_response(exchange).map(|t| PollOutcome::Tokens(Box::new(t)));
    }
    if let Ok(value) = json_body(exchange)
        && let Ok(error) = serde_json::from_value::<ErrorResponse>(value)
    {
        match error.error.as_str() {
            "authorization_pending" => return Ok(PollOutcome::Pending),
            "slow_down" => return Ok(PollOutcome::SlowDown),
            "access_denied" => return Ok(PollOutcome::Denied(error.error_description)),
            "expired_token" => return Ok(PollOutcome::Expired(error.error_description)),
            _ => {}
        }
    }
    // Anything else is an ordinary failure, read the ordinary way.
    process_token_response(exchange).map(|t| PollOutcome::Tokens(Box::new(t)))
}
