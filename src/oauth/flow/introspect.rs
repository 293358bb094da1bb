//! Token introspection (RFC 7662): ask the server whether a token is active and what it
//! carries.

use super::FlowConfig;
use crate::oauth::error::EngineError;
use crate::oauth::exchange::Exchange;
use crate::oauth::response::expect_json;
use crate::oauth::step::RequestDraft;

/// The introspection request with the client's authentication (RFC 7662 §2.1).
pub fn introspection_request(
    config: &FlowConfig,
    token: &str,
    token_type_hint: Option<&str>,
) -> Result<RequestDraft, EngineError> {
    config.token_request(
        "introspection_endpoint",
        &config.metadata.introspection_endpoint,
        token,
        token_type_hint,
    )
}

/// Reads the introspection response: a JSON object whose `active` is a boolean (RFC 7662 §2.2).
pub fn process_introspection(exchange: &Exchange) -> Result<serde_json::Value, EngineError> {
    let value: serde_json::Value = expect_json(exchange, "introspection response", &[200])?;
    match value.get("active") {
        Some(serde_json::Value::Bool(_)) => Ok(value),
        _ => Err(EngineError::WrongShape {
            what: "introspection response".into(),
            detail: "\"active\" must be a boolean (RFC 7662 §2.2)".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(body: &str) -> Exchange {
        let mut ex = Exchange::new("POST", "http://127.0.0.1:1/introspect");
        ex.status = Some(200);
        ex.response_body = Some(body.into());
        ex
    }

    #[test]
    fn active_must_be_a_boolean() {
        assert_eq!(
            process_introspection(&answer(r#"{"active":false}"#)).unwrap()["active"],
            false
        );
        for bad in [r#"{"active":"true"}"#, r#"{"scope":"x"}"#] {
            let err = process_introspection(&answer(bad)).unwrap_err();
            assert!(err.to_string().contains("RFC 7662"), "{err}");
        }
    }
}
