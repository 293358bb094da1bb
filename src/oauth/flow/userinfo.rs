//! The UserInfo endpoint (OIDC Core §5.3): the user's claims for an access token.

use super::FlowConfig;
use crate::oauth::error::EngineError;
use crate::oauth::exchange::Exchange;
use crate::oauth::jwt::Jwt;
use crate::oauth::response::{expect_json, expect_status};
use crate::oauth::step::RequestDraft;

/// GET with the access token as a Bearer credential (RFC 6750 §2.1).
pub fn userinfo_request(
    config: &FlowConfig,
    access_token: &str,
) -> Result<RequestDraft, EngineError> {
    let endpoint = config.endpoint("userinfo_endpoint", &config.metadata.userinfo_endpoint)?;
    let mut draft = RequestDraft::new("GET", endpoint);
    draft
        .headers
        .push(("Authorization".into(), format!("Bearer {access_token}")));
    draft.secret_names.push("Authorization".into());
    Ok(draft)
}

/// Reads the claims: a JSON object with `sub` (OIDC Core §5.3.2), or a signed JWT when the
/// server answers `application/jwt` (its claims are shown decoded, unverified).
pub fn process_userinfo(exchange: &Exchange) -> Result<serde_json::Value, EngineError> {
    let is_jwt = exchange
        .response_header("content-type")
        .is_some_and(|ct| ct.starts_with("application/jwt"));
    let claims = if is_jwt {
        expect_status(exchange, &[200])?;
        let jwt = Jwt::decode(exchange.response_body.as_deref().unwrap_or_default())?;
        serde_json::Value::Object(jwt.unverified_claims().clone())
    } else {
        expect_json::<serde_json::Value>(exchange, "UserInfo response", &[200])?
    };
    if claims.get("sub").and_then(|s| s.as_str()).is_none() {
        return Err(EngineError::WrongShape {
            what: "UserInfo response".into(),
            detail: "no \"sub\" claim (OIDC Core §5.3.2)".into(),
        });
    }
    Ok(claims)
}
