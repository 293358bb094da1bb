//! Wire types shared by the client and the server side: the JSON shapes defined once.
//!
//! Only shapes live here. The logic of what a server accepts and what a client checks stays
//! in `mock` and `oauth` respectively, so interop tests against independent implementations
//! keep both honest.

use serde::{Deserialize, Serialize};

use crate::oauth::secret::Secret;

/// How a client proves who it is at the token, introspection, revocation and PAR endpoints
/// (RFC 8414 / RFC 7591 `token_endpoint_auth_method` values): one list that the client and
/// the mock both read, so a method added on one side is known to the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// HTTP Basic with the id and secret form-urlencoded first (RFC 6749 §2.3.1).
    #[default]
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body (RFC 6749 §2.3.1, discouraged).
    ClientSecretPost,
    /// A public client: only `client_id` is sent (RFC 6749 §2.1; PKCE then protects the code).
    None,
    /// A JWT signed with HS256 over the client secret (OIDC Core §9, RFC 7523 §2.2).
    ClientSecretJwt,
    /// A JWT signed with the client's private key (OIDC Core §9, RFC 7523 §2.2).
    PrivateKeyJwt,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::ClientSecretBasic => "client_secret_basic",
            AuthMethod::ClientSecretPost => "client_secret_post",
            AuthMethod::None => "none",
            AuthMethod::ClientSecretJwt => "client_secret_jwt",
            AuthMethod::PrivateKeyJwt => "private_key_jwt",
        }
    }

    /// Every method, in the order a command line lists them.
    pub const ALL: [AuthMethod; 5] = [
        AuthMethod::ClientSecretBasic,
        AuthMethod::ClientSecretPost,
        AuthMethod::ClientSecretJwt,
        AuthMethod::PrivateKeyJwt,
        AuthMethod::None,
    ];

    /// The method a registered name stands for, if it is one of ours.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == value)
    }

    /// Whether the method proves the client with its shared secret.
    pub fn uses_secret(self) -> bool {
        matches!(
            self,
            AuthMethod::ClientSecretBasic
                | AuthMethod::ClientSecretPost
                | AuthMethod::ClientSecretJwt
        )
    }
}

impl std::fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

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
    /// The algorithms the server takes for DPoP proofs (RFC 9449 §5.1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dpop_signing_alg_values_supported: Vec<String>,
    /// The `type`s of `authorization_details` the server understands (RFC 9396 §10).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorization_details_types_supported: Vec<String>,
    /// Fields this struct does not name, kept so nothing the server said is lost.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// RFC 6749 §5.1 successful token response (plus `id_token` from OIDC Core §3.1.3.3).
/// The tokens are [`Secret`]s and the members this struct does not name are
/// [`UnnamedMembers`], so `Debug` redacts them all.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: Secret,
    pub token_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<Secret>,
    #[serde(flatten)]
    pub extra: UnnamedMembers,
}

/// Members of a response that no field names: kept whole for the raw view, but their values
/// may be anything a server chose to send (an echoed secret, a token under a new name), so
/// `Debug` lists only their names.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnnamedMembers(pub serde_json::Map<String, serde_json::Value>);

impl std::fmt::Debug for UnnamedMembers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
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

/// RFC 8628 §3.2 device authorization response.
///
/// Both codes are [`Secret`]s, so `Debug` (and so any log) redacts them. The `user_code` (and
/// `verification_uri_complete`, which carries it) is shown to the user on purpose, but only by
/// a view that asks for it: while it lives, whoever reads it can approve the device with their
/// own account (RFC 8628 §5.1, §5.4), so a stray log line must not carry it. Exchange views
/// still show it: it is not in the secret-name rule, because the user has to type it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceAuthorizationResponse {
    pub device_code: Secret,
    pub user_code: Secret,
    pub verification_uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_uri_complete: Option<Secret>,
    pub expires_in: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<u64>,
}

/// RFC 9126 §2.2 pushed authorization response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushedAuthorizationResponse {
    pub request_uri: String,
    pub expires_in: u64,
}

/// RFC 9728 §2 protected resource metadata: what an OAuth-protected resource (an MCP server)
/// says about itself, above all which authorization servers issue its tokens.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProtectedResourceMetadata {
    pub resource: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorization_servers: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes_supported: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bearer_methods_supported: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_name: Option<String>,
    /// Fields this struct does not name, kept so nothing the server said is lost.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// The grant type URN for the device flow (RFC 8628 §3.4).
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// RFC 9396 §2: the rich authorization request parameter, also a token response member (§7)
/// and an access token claim (§9.1).
pub const AUTHORIZATION_DETAILS: &str = "authorization_details";
/// RFC 8693 §2.1: the token exchange grant.
pub const TOKEN_EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// RFC 7523 §2.2: `client_assertion_type` of a JWT client assertion.
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// RFC 7523 §2.1: the JWT bearer authorization grant.
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// The prefix of PAR request URIs (RFC 9126 §2.2).
pub const PAR_REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";
/// Well-known paths for metadata (RFC 8414 §3, OIDC Discovery §4).
pub const OAUTH_METADATA_PATH: &str = "/.well-known/oauth-authorization-server";
pub const OIDC_METADATA_PATH: &str = "/.well-known/openid-configuration";
/// Well-known prefix of protected resource metadata (RFC 9728 §3); the resource's path follows.
pub const PROTECTED_RESOURCE_METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

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
    fn debug_redacts_tokens_and_both_device_codes() {
        let tokens = TokenResponse {
            access_token: "at-s3cret".into(),
            token_type: "Bearer".into(),
            refresh_token: Some("rt-s3cret".into()),
            id_token: Some("id-s3cret".into()),
            extra: UnnamedMembers(
                [("x_echo".to_string(), "echoed-s3cret".into())]
                    .into_iter()
                    .collect(),
            ),
            ..TokenResponse::default()
        };
        let shown = format!("{tokens:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(
            shown.contains("Bearer") && shown.contains("x_echo"),
            "{shown}"
        );
        let device = DeviceAuthorizationResponse {
            device_code: "dc-s3cret".into(),
            user_code: "BCDF-GHJK".into(),
            verification_uri: "http://as/device".into(),
            verification_uri_complete: Some("http://as/device?user_code=BCDF-GHJK".into()),
            expires_in: 600,
            interval: None,
        };
        let shown = format!("{device:?}");
        assert!(
            !shown.contains("s3cret") && !shown.contains("BCDF-GHJK"),
            "{shown}"
        );
        assert!(shown.contains("http://as/device"), "{shown}");
    }

    /// The secret types are serde-transparent: the JSON a server sends parses, and the same
    /// JSON comes out again, member for member.
    #[test]
    fn secrets_do_not_change_the_json_shape() {
        let token_json = serde_json::json!({
            "access_token": "at/+=\"x",
            "token_type": "Bearer",
            "expires_in": 300,
            "refresh_token": "rt",
            "scope": "openid",
            "id_token": "eyJ.x.y",
            "x_extra": true
        });
        let tokens: TokenResponse = serde_json::from_value(token_json.clone()).unwrap();
        assert_eq!(tokens.access_token.secret(), "at/+=\"x");
        assert_eq!(serde_json::to_value(&tokens).unwrap(), token_json);

        let device_json = serde_json::json!({
            "device_code": "dc",
            "user_code": "BCDF-GHJK",
            "verification_uri": "http://as/device",
            "verification_uri_complete": "http://as/device?user_code=BCDF-GHJK",
            "expires_in": 600,
            "interval": 5
        });
        let device: DeviceAuthorizationResponse =
            serde_json::from_value(device_json.clone()).unwrap();
        assert_eq!(device.user_code.secret(), "BCDF-GHJK");
        assert_eq!(serde_json::to_value(&device).unwrap(), device_json);
    }
}
