//! The UserInfo endpoint (OIDC Core §5.3): the user's claims for an access token.

use super::FlowConfig;
use crate::oauth::error::EngineError;
use crate::oauth::exchange::Exchange;
use crate::oauth::jwt::Jwt;
use crate::oauth::response::{expect_json, expect_status};
use crate::oauth::step::RequestDraft;

/// GET with the access token as a Bearer credential (RFC 6750 §2.1), or with the DPoP
/// scheme when the flow has a DPoP key (RFC 9449 §7.1; the proof is added as it goes).
pub fn userinfo_request(
    config: &FlowConfig,
    access_token: &str,
) -> Result<RequestDraft, EngineError> {
    let endpoint = config.endpoint("userinfo_endpoint", &config.metadata.userinfo_endpoint)?;
    let mut draft = RequestDraft::new("GET", endpoint);
    let scheme = if config.dpop.is_some() {
        crate::oauth::dpop::HEADER
    } else {
        "Bearer"
    };
    draft
        .headers
        .push(("Authorization".into(), format!("{scheme} {access_token}")));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(content_type: &str, body: &str) -> Exchange {
        let mut ex = Exchange::new("GET", "http://127.0.0.1:1/userinfo");
        ex.status = Some(200);
        ex.response_headers
            .push(("content-type".into(), content_type.into()));
        ex.response_body = Some(body.into());
        ex
    }

    #[test]
    fn json_claims_need_a_sub() {
        let ok = process_userinfo(&answer("application/json", r#"{"sub":"a","name":"A"}"#));
        assert_eq!(ok.unwrap()["name"], "A");
        let err = process_userinfo(&answer("application/json", r#"{"name":"A"}"#)).unwrap_err();
        assert!(err.to_string().contains("sub"), "{err}");
    }

    #[test]
    fn signed_userinfo_is_decoded() {
        // {"alg":"HS256"} . {"sub":"alice"} . (signature not checked here)
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln";
        let claims = process_userinfo(&answer("application/jwt", jwt)).unwrap();
        assert_eq!(claims["sub"], "alice");
    }
}
