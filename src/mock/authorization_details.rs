//! Rich authorization requests (RFC 9396): `authorization_details` at /authorize, /par and
//! /token, checked against the types this server is configured to understand, then granted
//! as asked: echoed in the token response and carried in the access token.

use serde_json::Value;

use super::errors::OAuthError;
use super::form::Params;

pub use crate::wire::AUTHORIZATION_DETAILS as PARAM;
/// The types a demo mock understands, unless its config file names others.
pub const DEMO_TYPES: [&str; 2] = ["payment_initiation", "account_information"];
/// How many objects one request may carry: each is kept with the grant.
const MAX_DETAILS: usize = 16;

/// The `authorization_details` of a request, checked; `None` when it sent none.
pub fn requested(params: &Params, supported: &[String]) -> Result<Option<Value>, OAuthError> {
    let Some(text) = params.get(PARAM) else {
        return Ok(None);
    };
    let details: Value = serde_json::from_str(text)
        .map_err(|e| refuse(format!("authorization_details is not JSON ({e})")))?;
    let Some(items) = details.as_array() else {
        return Err(refuse(
            "authorization_details must be a JSON array of objects",
        ));
    };
    if items.is_empty() || items.len() > MAX_DETAILS {
        return Err(refuse(format!(
            "authorization_details must hold between 1 and {MAX_DETAILS} objects, not {}",
            items.len()
        )));
    }
    for (i, item) in items.iter().enumerate() {
        let Some(kind) = item.as_object().and_then(|o| o.get("type")) else {
            return Err(refuse(format!(
                "authorization_details[{i}] is not an object with a `type`"
            )));
        };
        let known = kind
            .as_str()
            .is_some_and(|k| supported.iter().any(|s| s == k));
        if !known {
            return Err(refuse(format!(
                "authorization_details[{i}] has type {kind}, which this server does not \
                 understand; authorization_details_types_supported: {}",
                if supported.is_empty() {
                    "none".to_owned()
                } else {
                    supported.join(", ")
                }
            )));
        }
    }
    Ok(Some(details))
}

fn refuse(rule: impl std::fmt::Display) -> OAuthError {
    OAuthError::bad_request(
        "invalid_authorization_details",
        format!("{rule} (RFC 9396 section 2, section 5)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(value: &str) -> Params {
        let body = serde_urlencoded::to_string([(PARAM, value)]).unwrap();
        Params::parse(body.as_bytes()).unwrap()
    }

    fn check(value: &str) -> Result<Option<Value>, String> {
        let supported = vec!["payment_initiation".to_owned()];
        requested(&params(value), &supported).map_err(|e| e.description)
    }

    #[test]
    fn known_types_pass_and_everything_else_names_its_rule() {
        let ok = check(r#"[{"type":"payment_initiation","amount":"1"}]"#).unwrap();
        assert_eq!(ok.unwrap()[0]["amount"], "1");
        assert!(check("{").unwrap_err().contains("not JSON"));
        assert!(check(r#"{"type":"x"}"#).unwrap_err().contains("array"));
        assert!(check("[]").unwrap_err().contains("between 1"));
        assert!(check(r#"[{"a":1}]"#).unwrap_err().contains("`type`"));
        let unknown = check(r#"[{"type":"other"}]"#).unwrap_err();
        assert!(
            unknown.contains("payment_initiation") && unknown.contains("RFC 9396"),
            "{unknown}"
        );
    }
}
