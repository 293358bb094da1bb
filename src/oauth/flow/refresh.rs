//! Refreshing tokens (RFC 6749 §6) and showing what rotated (RFC 9700 §4.14.2).

use serde::Serialize;

use super::FlowConfig;
use super::tokens::{ClaimChange, DecodedToken, claims_diff, token_request};
use crate::oauth::error::EngineError;
use crate::oauth::secret::Secret;
use crate::oauth::step::RequestDraft;
use crate::wire::TokenResponse;

/// The refresh request. `scope` may only narrow what was granted (RFC 6749 §6).
pub fn refresh_request(
    config: &FlowConfig,
    refresh_token: &str,
) -> Result<RequestDraft, EngineError> {
    let mut params = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
    ];
    if let Some(scope) = &config.scope {
        params.push(("scope", scope));
    }
    token_request(config, &params)
}

/// What changed between the tokens before and after a refresh.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rotation {
    /// `Some(true)` when a new refresh token came back, `Some(false)` when the same one came
    /// back, `None` when none did (the old one stays in use).
    pub refresh_token_rotated: Option<bool>,
    pub access_token_changes: Vec<ClaimChange>,
    pub id_token_changes: Vec<ClaimChange>,
}

/// Compares the old refresh token (and, when known, the previous tokens) with the new ones.
pub fn rotation(
    old_refresh_token: &str,
    previous: Option<&TokenResponse>,
    new: &TokenResponse,
) -> Rotation {
    let diff = |old: Option<&Secret>, new: Option<&Secret>| match (
        old.and_then(|t| DecodedToken::decode(t.secret())),
        new.and_then(|t| DecodedToken::decode(t.secret())),
    ) {
        (Some(a), Some(b)) => claims_diff(&a.claims, &b.claims),
        _ => Vec::new(),
    };
    Rotation {
        refresh_token_rotated: new
            .refresh_token
            .as_ref()
            .map(|t| t.secret() != old_refresh_token),
        access_token_changes: diff(previous.map(|p| &p.access_token), Some(&new.access_token)),
        id_token_changes: diff(
            previous.and_then(|p| p.id_token.as_ref()),
            new.id_token.as_ref(),
        ),
    }
}
