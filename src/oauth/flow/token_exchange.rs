//! The token exchange grant (RFC 8693): the client trades a token it holds (the subject) for
//! a new one, for another audience or resource, or with less scope; with an actor token, the
//! new token says who acts for the subject (`act`, delegation).

use super::FlowConfig;
use super::tokens::token_request;
use crate::oauth::error::EngineError;
use crate::oauth::secret::Secret;
use crate::oauth::step::RequestDraft;
use crate::wire::{TOKEN_EXCHANGE_GRANT, TokenResponse};

/// RFC 8693 §3: the type of an access token, the usual subject.
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// What the exchange presents and asks for (RFC 8693 §2.1).
#[derive(Debug, Clone, Default)]
pub struct Exchange {
    pub subject_token: Secret,
    pub subject_token_type: String,
    /// The token of whoever acts for the subject, with its type (delegation).
    pub actor: Option<(Secret, String)>,
    pub audience: Vec<String>,
    pub resource: Vec<String>,
    pub requested_token_type: Option<String>,
}

impl Exchange {
    /// Exchanging `subject_token`, an access token, with nothing more asked.
    pub fn of_access_token(subject_token: &str) -> Self {
        Exchange {
            subject_token: subject_token.into(),
            subject_token_type: ACCESS_TOKEN_TYPE.into(),
            ..Exchange::default()
        }
    }
}

pub fn token_exchange_request(
    config: &FlowConfig,
    exchange: &Exchange,
) -> Result<RequestDraft, EngineError> {
    let mut params = vec![
        ("grant_type", TOKEN_EXCHANGE_GRANT),
        ("subject_token", exchange.subject_token.secret()),
        ("subject_token_type", exchange.subject_token_type.as_str()),
    ];
    if let Some((token, kind)) = &exchange.actor {
        params.push(("actor_token", token.secret()));
        params.push(("actor_token_type", kind));
    }
    if let Some(kind) = &exchange.requested_token_type {
        params.push(("requested_token_type", kind));
    }
    if let Some(scope) = &config.scope {
        params.push(("scope", scope));
    }
    let mut draft = token_request(config, &params)?;
    // `audience` and `resource` may repeat (RFC 8693 §2.1), unlike the other parameters.
    for (name, values) in [
        ("audience", &exchange.audience),
        ("resource", &exchange.resource),
    ] {
        for value in values {
            draft.params.push((name.into(), value.clone()));
        }
    }
    Ok(draft)
}

/// What the step says when the answer lacks `issued_token_type`, which RFC 8693 §2.2.1
/// requires: the client cannot know what it got.
pub fn issued_token_type_warning(tokens: &TokenResponse) -> Option<String> {
    match tokens
        .extra
        .0
        .get("issued_token_type")
        .and_then(|v| v.as_str())
    {
        Some(_) => None,
        None => Some(
            "the answer has no issued_token_type (RFC 8693 §2.2.1 requires it): what kind \
             of token came back is not known"
                .into(),
        ),
    }
}
