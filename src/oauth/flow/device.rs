//! The device authorization grant (RFC 8628): get a user code, show it, poll the token
//! endpoint at the interval the server asked for, slowing down when told to.

use std::time::{Duration, Instant};

use super::FlowConfig;
use super::tokens::{process_token_response, token_request};
use crate::oauth::error::EngineError;
use crate::oauth::exchange::Exchange;
use crate::oauth::response::{check_transport, expect_json, json_body};
use crate::oauth::step::RequestDraft;
use crate::oauth::time;
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
    config.client.apply(&mut draft, &config.metadata.issuer)?;
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

/// When polling stops and how often it asks, from the server's `expires_in` and `interval`
/// (RFC 8628 §3.2), both range-checked before any clock arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub interval: Duration,
    pub deadline: Instant,
}

pub fn schedule(
    device: &DeviceAuthorizationResponse,
    now: Instant,
) -> Result<Schedule, EngineError> {
    let implausible = |e: time::Implausible| EngineError::protocol("RFC 8628 §3.2", e.to_string());
    let lifetime = time::lifetime("expires_in", device.expires_in).map_err(implausible)?;
    let interval = match device.interval {
        Some(secs) => time::lifetime("interval", secs).map_err(implausible)?,
        None => DEFAULT_INTERVAL,
    };
    if interval > lifetime {
        return Err(EngineError::protocol(
            "RFC 8628 §3.2",
            format!(
                "interval {} s is longer than the code's lifetime (expires_in {} s): \
                 it would expire before the first poll",
                interval.as_secs(),
                lifetime.as_secs()
            ),
        ));
    }
    // Cannot fail for a lifetime of at most 100 years; refused in words if a clock disagrees.
    let deadline = now.checked_add(lifetime).ok_or_else(|| {
        implausible(time::Implausible::Lifetime {
            name: "expires_in",
            value: device.expires_in.to_string(),
        })
    })?;
    Ok(Schedule { interval, deadline })
}

/// The interval after a `slow_down` (RFC 8628 §3.5: 5 s more).
pub fn slowed_down(interval: Duration) -> Duration {
    interval.saturating_add(SLOW_DOWN_STEP)
}

/// How long to wait before the next poll: the interval, but never past the deadline, so an
/// expired code is reported when it expires.
pub fn next_wait(interval: Duration, deadline: Option<Instant>, now: Instant) -> Duration {
    deadline.map_or(interval, |d| interval.min(d.saturating_duration_since(now)))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn device(expires_in: u64, interval: Option<u64>) -> DeviceAuthorizationResponse {
        DeviceAuthorizationResponse {
            device_code: "dc".into(),
            user_code: "BCDF-GHJK".into(),
            verification_uri: "https://as.example/device".into(),
            verification_uri_complete: None,
            expires_in,
            interval,
        }
    }

    #[test]
    fn the_schedule_follows_the_server() {
        let now = Instant::now();
        let s = schedule(&device(600, Some(7)), now).unwrap();
        assert_eq!(s.interval, Duration::from_secs(7));
        assert_eq!(s.deadline, now + Duration::from_secs(600));
        assert_eq!(
            schedule(&device(600, None), now).unwrap().interval,
            DEFAULT_INTERVAL
        );
    }

    #[test]
    fn huge_numbers_are_refused_in_words() {
        let now = Instant::now();
        let err = schedule(&device(u64::MAX, None), now).unwrap_err();
        assert_eq!(
            err.to_string(),
            "expires_in 18446744073709551615 is not a plausible lifetime (at most 100 years) \
             (RFC 8628 §3.2)"
        );
        let err = schedule(&device(600, Some(u64::MAX)), now).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("interval 18446744073709551615 is not")
        );
        let err = schedule(&device(10, Some(60)), now).unwrap_err();
        assert!(err.to_string().contains("longer than the code's lifetime"));
    }

    #[test]
    fn slow_down_and_waits_cannot_overflow() {
        assert_eq!(slowed_down(Duration::from_secs(5)), Duration::from_secs(10));
        assert_eq!(slowed_down(Duration::MAX), Duration::MAX);
        let now = Instant::now();
        let deadline = now + Duration::from_secs(3);
        assert_eq!(
            next_wait(Duration::from_secs(5), Some(deadline), now),
            Duration::from_secs(3)
        );
        assert_eq!(
            next_wait(
                Duration::from_secs(5),
                Some(deadline),
                deadline + Duration::from_secs(1)
            ),
            Duration::ZERO
        );
        assert_eq!(next_wait(Duration::MAX, None, now), Duration::MAX);
    }
}
