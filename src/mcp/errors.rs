//! Tool errors: what a model reads when a call fails.
//!
//! Every failure becomes a tool result with `isError: true` whose structured content carries
//! `error` and `error_description` in the RFC 6749 §5.2 shape, so a model reads an OAuth
//! refusal exactly as the server worded it. Failures that are not the server's refusal (the
//! server is unreachable, its answer breaks a rule...) get a stable code of our own, and
//! `reported_by` says who is speaking. A server's refusal also carries `likely_causes` and
//! `try` from the explanations catalogue when it knows the code (a vendor code such as
//! `AADSTS50011` in the description wins over the generic OAuth code). Nothing here panics and nothing ends the server: a bad
//! call is one failed result, and the next call is served as usual.

use rmcp::handler::server::tool::IntoCallToolResult;
use rmcp::model::{CallToolResponse, CallToolResult};
use serde::Serialize;

use crate::explain::{self, Vendor};
use crate::oauth::EngineError;

/// Who produced the error: the authorization server's own answer, or oauthscope's checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportedBy {
    AuthorizationServer,
    Oauthscope,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolError {
    /// An OAuth error code (`invalid_client`, `invalid_grant`...) or one of ours.
    pub error: String,
    /// One readable sentence: what went wrong, and where the rule comes from when known.
    pub error_description: String,
    pub reported_by: ReportedBy,
    /// The HTTP status of the server's answer, when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// What usually causes the server's error, from the explanations catalogue.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub likely_causes: Vec<String>,
    /// What to try next, from the same entry.
    #[serde(rename = "try", skip_serializing_if = "Vec::is_empty")]
    pub try_next: Vec<String>,
}

impl ToolError {
    /// A refusal worded by the authorization server (RFC 6749 §5.2, or §4.1.2.1 when it came
    /// back through the browser and so has no HTTP status).
    pub fn from_server(status: Option<u16>, error: &str, description: Option<&str>) -> Self {
        let fallback = || match status {
            Some(status) => {
                format!("the server answered {status} with `{error}` and no description")
            }
            None => format!("the server sent `{error}` with no description"),
        };
        let catalogue = explain::catalogue();
        // A vendor's own code in the description says more than the OAuth code beside it.
        let vendor = description.and_then(|d| {
            catalogue
                .errors_in(d)
                .into_iter()
                .find(|e| e.vendor != Vendor::Standard)
        });
        let entry = vendor.or_else(|| catalogue.error(error).into_iter().next());
        ToolError {
            error: error.to_string(),
            error_description: description
                .filter(|d| !d.trim().is_empty())
                .map(str::to_string)
                .unwrap_or_else(fallback),
            reported_by: ReportedBy::AuthorizationServer,
            http_status: status,
            likely_causes: entry.map(|e| e.causes.clone()).unwrap_or_default(),
            try_next: entry.map(|e| e.try_next.clone()).unwrap_or_default(),
        }
    }

    /// A failure found by oauthscope itself, with a stable code.
    pub fn local(error: &str, description: impl Into<String>) -> Self {
        ToolError {
            error: error.to_string(),
            error_description: description.into(),
            reported_by: ReportedBy::Oauthscope,
            http_status: None,
            likely_causes: Vec::new(),
            try_next: Vec::new(),
        }
    }

    /// The arguments of the call cannot work (a missing issuer, a grant without its code...).
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::local("invalid_request", description)
    }

    pub fn into_call_result(self) -> CallToolResult {
        let value = serde_json::to_value(&self).unwrap_or_else(|_| {
            serde_json::json!({ "error": self.error, "error_description": self.error_description })
        });
        CallToolResult::structured_error(value)
    }
}

/// An engine failure as a model should read it: the server's refusal in its own words, or one
/// readable sentence under a stable code of ours.
impl From<EngineError> for ToolError {
    fn from(err: EngineError) -> Self {
        let code = match &err {
            EngineError::OAuth {
                status,
                error,
                description,
            } => return ToolError::from_server(Some(*status), error, description.as_deref()),
            EngineError::Authorization { error, description } => {
                return ToolError::from_server(None, error, description.as_deref());
            }
            EngineError::Transport(_) => "transport_error",
            EngineError::Redirect { .. } => "unexpected_redirect",
            EngineError::Status { .. } => "unexpected_response",
            EngineError::NotJson { .. } | EngineError::WrongShape { .. } => "invalid_response",
            EngineError::Protocol { .. } => "protocol_violation",
            EngineError::Config(_) => "invalid_request",
            EngineError::Jwt(_) => "invalid_token",
            EngineError::Local(_) => "local_error",
            EngineError::Refused(refusal) => refusal.rule.code(),
            EngineError::Hinted { error, hint } => {
                let mut inner = ToolError::from((**error).clone());
                inner.error_description = format!("{}; {hint}", inner.error_description);
                return inner;
            }
        };
        let status = match &err {
            EngineError::Redirect { status, .. } | EngineError::Status { status, .. } => {
                Some(*status)
            }
            _ => None,
        };
        ToolError {
            http_status: status,
            ..ToolError::local(code, err.to_string())
        }
    }
}

impl std::fmt::Display for ToolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error, self.error_description)
    }
}

impl IntoCallToolResult for ToolError {
    fn into_call_tool_result(self) -> Result<CallToolResponse, rmcp::ErrorData> {
        Ok(self.into_call_result().into())
    }
}

/// What every tool returns: a structured success, or a [`ToolError`] shown as a tool error.
pub type ToolResult = Result<CallToolResult, ToolError>;

/// A structured success result from any serializable value.
pub fn success(value: &impl Serialize) -> ToolResult {
    serde_json::to_value(value)
        .map(CallToolResult::structured)
        .map_err(|err| {
            ToolError::local("internal_error", format!("cannot encode the result: {err}"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_refusal_keeps_the_servers_words() {
        let err = ToolError::from_server(
            Some(401),
            "invalid_client",
            Some("client secret does not match"),
        );
        let result = err.into_call_result();
        assert_eq!(result.is_error, Some(true));
        let body = result.structured_content.unwrap();
        assert_eq!(body["error"], "invalid_client");
        assert_eq!(body["error_description"], "client secret does not match");
        assert_eq!(body["reported_by"], "authorization_server");
        assert_eq!(body["http_status"], 401);
    }

    #[test]
    fn a_known_refusal_carries_its_likely_causes_and_what_to_try() {
        let body = ToolError::from_server(Some(400), "invalid_grant", Some("code already used"))
            .into_call_result()
            .structured_content
            .unwrap();
        let causes = body["likely_causes"].as_array().unwrap();
        assert!(
            causes[0].as_str().unwrap().contains("already redeemed"),
            "{body}"
        );
        assert!(!body["try"].as_array().unwrap().is_empty(), "{body}");

        let entra = ToolError::from_server(
            Some(401),
            "invalid_client",
            Some("AADSTS7000215: Invalid client secret provided."),
        );
        assert!(
            entra.try_next[0].contains("Value (not the Secret ID)"),
            "{entra:?}"
        );

        let unknown = ToolError::from_server(Some(400), "made_up_code", None)
            .into_call_result()
            .structured_content
            .unwrap();
        assert!(unknown.get("likely_causes").is_none() && unknown.get("try").is_none());
        let local = ToolError::invalid_request("no issuer");
        assert!(
            local.likely_causes.is_empty(),
            "our own errors are not the server's"
        );
    }

    #[test]
    fn a_refusal_without_description_still_reads_as_a_sentence() {
        let err = ToolError::from_server(Some(400), "invalid_grant", None);
        assert_eq!(
            err.error_description,
            "the server answered 400 with `invalid_grant` and no description"
        );
        let blank = ToolError::from_server(Some(400), "invalid_grant", Some("  "));
        assert_eq!(blank.error_description, err.error_description);
    }

    #[test]
    fn local_errors_say_who_reports_them() {
        let body = ToolError::invalid_request("no issuer")
            .into_call_result()
            .structured_content
            .unwrap();
        assert_eq!(body["reported_by"], "oauthscope");
        assert!(body.get("http_status").is_none());
    }

    #[test]
    fn engine_errors_keep_the_servers_words_or_get_a_stable_code() {
        let refused: ToolError = EngineError::OAuth {
            status: 401,
            error: "invalid_client".into(),
            description: Some("client authentication failed".into()),
        }
        .into();
        assert_eq!(
            refused,
            ToolError::from_server(
                Some(401),
                "invalid_client",
                Some("client authentication failed")
            )
        );
        let mismatch: ToolError = EngineError::protocol(
            "RFC 8414 §3.3",
            "the metadata's issuer is not the issuer asked for",
        )
        .into();
        assert_eq!(mismatch.error, "protocol_violation");
        assert_eq!(mismatch.reported_by, ReportedBy::Oauthscope);
        assert!(mismatch.error_description.contains("RFC 8414"));
        let html: ToolError = EngineError::Status {
            status: 502,
            reason: "Bad Gateway".into(),
            snippet: "<h1>oops</h1>".into(),
        }
        .into();
        assert_eq!(
            (html.error.as_str(), html.http_status),
            ("unexpected_response", Some(502))
        );
        let denied: ToolError = EngineError::Authorization {
            error: "access_denied".into(),
            description: None,
        }
        .into();
        assert_eq!(denied.reported_by, ReportedBy::AuthorizationServer);
        assert_eq!(denied.http_status, None);
        assert_eq!(
            denied.error_description,
            "the server sent `access_denied` with no description"
        );
    }

    #[test]
    fn the_result_branch_marks_errors() {
        let result: ToolResult = Err(ToolError::invalid_request("x"));
        let response = result.into_call_tool_result().unwrap();
        match response {
            CallToolResponse::Complete(result) => assert_eq!(result.is_error, Some(true)),
            other => panic!("unexpected response {other:?}"),
        }
    }
}
