//! A flow is a list of visible steps. A [`Step`] is what the user sees of one of them: what it
//! is for, the request it will send (editable before sending), its status and, once sent,
//! the [`Exchange`] it produced.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::exchange::Exchange;
use super::flow::tokens::DecodedToken;
use super::jwt::Check;
use super::secret::{is_secret_name, mask, mask_credential};

/// Where a step stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", content = "detail", rename_all = "snake_case")]
pub enum StepStatus {
    /// Not reachable yet: an earlier step must finish first.
    Pending,
    /// Its request is built and may be edited; it goes when the user says so.
    Ready,
    /// Waiting on something outside: the browser, the user at the device page, a poll timer.
    Waiting(String),
    Done,
    /// Failed, with the reason in words (the server's error and description where there was one).
    Failed(String),
}

impl StepStatus {
    /// A glyph that carries the status without colour (NO_COLOR, screen readers, logs).
    pub fn glyph(&self) -> &'static str {
        match self {
            StepStatus::Pending => "·",
            StepStatus::Ready => "▶",
            StepStatus::Waiting(_) => "…",
            StepStatus::Done => "✓",
            StepStatus::Failed(_) => "✗",
        }
    }
}

/// The request a step will send, as editable data. For a GET the params go in the query,
/// for a POST in a form body (or JSON for registration, see `json_body`).
#[derive(Clone, PartialEq, Serialize)]
pub struct RequestDraft {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub params: Vec<(String, String)>,
    /// A JSON body (dynamic client registration) instead of form params.
    pub json_body: Option<serde_json::Value>,
    /// Names of params and headers whose values are secret (masked in the UI).
    #[serde(skip)]
    pub secret_names: Vec<String>,
}

impl RequestDraft {
    pub fn new(method: &str, url: &str) -> Self {
        RequestDraft {
            method: method.to_string(),
            url: url.to_string(),
            headers: Vec::new(),
            params: Vec::new(),
            json_body: None,
            secret_names: Vec::new(),
        }
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Sets `name` to `value`, replacing an existing value (params never repeat, RFC 6749 §3.1).
    pub fn set_param(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        match self.params.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value,
            None => self.params.push((name.to_string(), value)),
        }
    }

    pub fn remove_param(&mut self, name: &str) {
        self.params.retain(|(k, _)| k != name);
    }

    /// True when the param or header `name` holds a secret: marked so by the request, named
    /// by the engine's rule, or the `Authorization` header.
    pub fn is_secret(&self, name: &str) -> bool {
        name.eq_ignore_ascii_case("authorization")
            || is_secret_name(name)
            || self
                .secret_names
                .iter()
                .any(|s| s.eq_ignore_ascii_case(name))
    }

    /// The value of param or header `name` as shown: masked when secret, unless `reveal`.
    pub fn shown_value(&self, name: &str, value: &str, reveal: bool) -> String {
        if reveal || !self.is_secret(name) {
            value.to_string()
        } else if name.eq_ignore_ascii_case("authorization") {
            mask_credential(value)
        } else {
            mask(value)
        }
    }

    /// The JSON body with its secret members masked, found by the same rule as an exchange's.
    pub fn masked_json_body(&self) -> Option<serde_json::Value> {
        let json = self.json_body.as_ref()?;
        let mut probe = Exchange::new(self.method.clone(), self.url.clone());
        probe.request_body = Some(json.to_string());
        probe.locate_secrets(&self.secret_names);
        let masked = probe.redacted().request_body?;
        serde_json::from_str(&masked).ok()
    }
}

/// Parameters whose value is a JWT the client sends: shown decoded on the step, so the user
/// reads what the server will check (RFC 7523 §3, RFC 9101 §4) without copying it out.
const JWT_PARAMS: [&str; 3] = ["client_assertion", "request", "assertion"];

/// A JWT parameter of a request, decoded (unverified: it is the client's own).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecodedParam {
    pub name: String,
    pub header: serde_json::Map<String, serde_json::Value>,
    pub claims: serde_json::Map<String, serde_json::Value>,
}

impl RequestDraft {
    /// The JWT-valued parameters (client assertion, request object, grant assertion) that
    /// decode as a JWT, header and claims. The signature is not shown: it stays a secret's.
    pub fn decoded_jwts(&self) -> Vec<DecodedParam> {
        JWT_PARAMS
            .iter()
            .filter_map(|name| {
                let jwt = super::jwt::Jwt::decode(self.param(name)?).ok()?;
                Some(DecodedParam {
                    name: (*name).to_string(),
                    header: jwt.unverified_header().clone(),
                    claims: jwt.unverified_claims().clone(),
                })
            })
            .collect()
    }
}

/// Debug masks secret params and headers, so a draft in a log leaks nothing.
impl fmt::Debug for RequestDraft {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |pairs: &[(String, String)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.clone(), self.shown_value(k, v, false)))
                .collect()
        };
        f.debug_struct("RequestDraft")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &shown(&self.headers))
            .field("params", &shown(&self.params))
            .field("json_body", &self.masked_json_body())
            .field("secret_names", &self.secret_names)
            .finish()
    }
}

/// What a step does, so a face can tell the verify step or the device poll from the others
/// without reading its URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// RFC 9126 §2: the authorization parameters pushed to the PAR endpoint.
    PushAuthorization,
    /// RFC 6749 §4.1.1: the browser sent to the authorization endpoint; ends on the redirect.
    Authorize,
    /// RFC 6749 §4.1.3: the code traded for tokens.
    ExchangeCode,
    /// RFC 8628 §3.1: a device code and a user code asked for.
    DeviceAuthorize,
    /// RFC 8628 §3.4: the token endpoint polled while the user approves elsewhere.
    PollDevice,
    /// RFC 6749 §6.
    RefreshToken,
    /// RFC 6749 §4.4.
    ClientCredentials,
    /// RFC 7523 §2.1: a JWT from a trusted issuer traded for a token.
    JwtBearer,
    /// RFC 7662 §2.
    Introspect,
    /// RFC 7009 §2.
    Revoke,
    /// OIDC Core §5.3.
    Userinfo,
    /// The tokens checked against the server's keys (OIDC Core §3.1.3.7, RFC 9068).
    VerifyTokens,
    /// MCP Authorization: the MCP server called without a token, to learn its challenge.
    McpUnauthenticated,
    /// RFC 9728 §3: the protected resource metadata.
    ResourceMetadata,
    /// RFC 8414 §3: the authorization server metadata.
    ServerMetadata,
    /// RFC 7591 §3: the client registered, or a pre-registered one taken.
    Register,
    /// MCP Lifecycle: initialize with the token.
    McpInitialize,
    /// MCP Tools: tools/list with the token.
    McpListTools,
    /// MCP Tools: tools/call with the token.
    McpCallTool,
    /// MCP Scope Challenge Handling: a 403 insufficient_scope answered by authorizing again.
    McpStepUp,
    /// RFC 8693 §2: a token exchanged for another.
    TokenExchange,
    /// RFC 9449 §8, §9: a request refused with `use_dpop_nonce`; the next step repeats it
    /// with the server's nonce in the proof.
    DpopNonce,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub kind: StepKind,
    pub title: String,
    /// Why this step exists, in a sentence or two, with the RFC section it follows.
    pub explanation: String,
    pub request: Option<RequestDraft>,
    pub status: StepStatus,
    pub exchange: Option<Exchange>,
    /// Things the step noticed that do not fail it (an unknown token_type...), in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The DPoP proof the step's request carried, decoded (RFC 9449 §4.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dpop_proof: Option<DecodedToken>,
    /// The rules the step applied to what it received, each with its verdict (the MCP
    /// flow's MUSTs on the metadata it reads).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    /// What the step learnt on the way, in words: each URL it tried and why, the challenge
    /// it read, the registration it chose and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Step {
    pub fn new(kind: StepKind, title: &str, explanation: &str) -> Self {
        Step {
            kind,
            title: title.to_string(),
            explanation: explanation.to_string(),
            request: None,
            status: StepStatus::Pending,
            exchange: None,
            warnings: Vec::new(),
            dpop_proof: None,
            checks: Vec::new(),
            notes: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_param_replaces_instead_of_repeating() {
        let mut draft = RequestDraft::new("POST", "http://as/token");
        draft.set_param("scope", "openid");
        draft.set_param("scope", "openid profile");
        assert_eq!(draft.params.len(), 1);
        assert_eq!(draft.param("scope"), Some("openid profile"));
        draft.remove_param("scope");
        assert_eq!(draft.param("scope"), None);
    }

    #[test]
    fn debug_masks_secret_params_headers_and_json_members() {
        let mut draft = RequestDraft::new("POST", "http://as/token");
        draft.set_param("grant_type", "refresh_token");
        draft.set_param("refresh_token", "rt-s3cr3t-value");
        draft
            .headers
            .push(("Authorization".into(), "Basic YTpi".into()));
        draft.json_body = Some(serde_json::json!({"client_secret": "js0n-s3cret"}));
        let shown = format!("{draft:?}");
        for secret in ["rt-s3cr3t-value", "YTpi", "js0n-s3cret"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("refresh_token"), "{shown}");
    }

    #[test]
    fn every_status_has_a_glyph() {
        for s in [
            StepStatus::Pending,
            StepStatus::Ready,
            StepStatus::Waiting("browser".into()),
            StepStatus::Done,
            StepStatus::Failed("x".into()),
        ] {
            assert!(!s.glyph().is_empty());
        }
    }
}
