//! Wire types shared by the client and the server side: the JSON shapes defined once.
//!
//! Only shapes live here. The logic of what a server accepts and what a client checks stays
//! in `mock` and `oauth` respectively, so interop tests against independent implementations
//! keep both honest.

use serde::{Deserialize, Serialize};

/// RFC 8414 authorization server metadata (and the OIDC Discovery superset we use).
/// Unknown fields are kept in `extra` so the raw document can be shown whole.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerMetadata {
    pub issuer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introspection_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinfo_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_authorization_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pushed_authorization_request_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes_supported: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub response_types_supported: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub response_modes_supported: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grant_types_supported: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub code_challenge_methods_supported: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub token_endpoint_auth_methods_supported: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub introspection_endpoint_auth_methods_supported: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revocation_endpoint_auth_methods_supported: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub id_token_signing_alg_values_supported: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subject_types_supported: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims_supported: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_response_iss_parameter_supported: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_pushed_authorization_requests: Option<bool>,
    /// Fields this struct does not name, kept so nothing the server said is lost.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// RFC 6749 §5.1 successful token response (plus `id_token` from OIDC Core §3.1.3.3).
/// `Debug` redacts the tokens.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::oauth::secret::redacted;
        f.debug_struct("TokenResponse")
            .field("access_token", &redacted(&self.access_token))
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field(
                "refresh_token",
                &self.refresh_token.as_deref().map(redacted),
            )
            .field("scope", &self.scope)
            .field("id_token", &self.id_token.as_deref().map(redacted))
            .field("extra", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// RFC 6749 §5.2 error response, used by every endpoint that answers with an OAuth error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorResponse {
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_uri: Option<String>,
}

/// RFC 8628 §3.2 device authorization response. `Debug` redacts the device code.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceAuthorizationResponse {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_uri_complete: Option<String>,
    pub expires_in: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<u64>,
}

impl std::fmt::Debug for DeviceAuthorizationResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceAuthorizationResponse")
            .field(
                "device_code",
                &crate::oauth::secret::redacted(&self.device_code),
            )
            .field("user_code", &self.user_code)
            .field("verification_uri", &self.verification_uri)
            .field("verification_uri_complete", &self.verification_uri_complete)
            .field("expires_in", &self.expires_in)
            .field("interval", &self.interval)
            .finish()
    }
}

/// RFC 9126 §2.2 pushed authorization response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushedAuthorizationResponse {
    pub request_uri: String,
    pub expires_in: u64,
}

/// The grant type URN for the device flow (RFC 8628 §3.4).
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// The prefix of PAR request URIs (RFC 9126 §2.2).
pub const PAR_REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";
/// Well-known paths for metadata (RFC 8414 §3, OIDC Discovery §4).
pub const OAUTH_METADATA_PATH: &str = "/.well-known/oauth-authorization-server";
pub const OIDC_METADATA_PATH: &str = "/.well-known/openid-configuration";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_keeps_unknown_fields() {
        let json = r#"{"issuer":"https://as.example","token_endpoint":"https://as.example/token","x_custom":1}"#;
        let meta: ServerMetadata = serde_json::from_str(json).unwrap();
        assert_eq!(meta.issuer, "https://as.example");
        assert_eq!(meta.extra.get("x_custom"), Some(&serde_json::json!(1)));
        let back = serde_json::to_value(&meta).unwrap();
        assert_eq!(back["x_custom"], 1);
        assert!(back.get("jwks_uri").is_none());
    }

    #[test]
    fn debug_redacts_tokens_and_the_device_code() {
        let tokens = TokenResponse {
            access_token: "at-s3cret".into(),
            token_type: "Bearer".into(),
            refresh_token: Some("rt-s3cret".into()),
            id_token: Some("id-s3cret".into()),
            ..TokenResponse::default()
        };
        let shown = format!("{tokens:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("Bearer"), "{shown}");
        let device = DeviceAuthorizationResponse {
            device_code: "dc-s3cret".into(),
            user_code: "BCDF-GHJK".into(),
            verification_uri: "http://as/device".into(),
            verification_uri_complete: None,
            expires_in: 600,
            interval: None,
        };
        let shown = format!("{device:?}");
        assert!(
            !shown.contains("s3cret") && shown.contains("BCDF-GHJK"),
            "{shown}"
        );
    }
}
