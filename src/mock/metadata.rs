//! Server metadata (RFC 8414 §2, OIDC Discovery §3): one document served at both well-known
//! paths, since the OIDC document is a superset of the OAuth one.

use axum::Json;
use axum::extract::State;

use super::app::{
    AUTHORIZE_PATH, AppState, DEVICE_AUTHORIZATION_PATH, INTROSPECT_PATH, JWKS_PATH, PAR_PATH,
    REGISTER_PATH, REVOKE_PATH, TOKEN_PATH, USERINFO_PATH,
};
use super::config::{
    ALL_GRANTS, AuthMethod, PRIVATE_KEY_JWT_ALGS, SCOPES_SUPPORTED, SECRET_JWT_ALGS,
};
use crate::wire::ServerMetadata;

/// Claims /userinfo and ID tokens can carry (OIDC Core §5.1).
const CLAIMS_SUPPORTED: [&str; 18] = [
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "at_hash",
    "azp",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "picture",
    "locale",
    "zoneinfo",
    "email",
    "email_verified",
];

pub async fn document(State(app): State<AppState>) -> Json<ServerMetadata> {
    let mut metadata = build(
        &app.issuer,
        app.protected_resources(),
        &app.authorization_details_types,
    );
    if app.require_signed_request_object {
        metadata.extra.insert(
            "require_signed_request_object".into(),
            serde_json::Value::Bool(true),
        );
        metadata.extra.insert(
            "request_object_signing_alg_values_supported".into(),
            serde_json::json!(PRIVATE_KEY_JWT_ALGS),
        );
    }
    Json(metadata)
}

/// The document for `issuer`, which issues tokens for `protected_resources` (RFC 8707) and
/// understands `authorization_details_types` (RFC 9396).
pub fn build(
    issuer: &str,
    protected_resources: Vec<String>,
    authorization_details_types: &[String],
) -> ServerMetadata {
    let url = |path: &str| Some(format!("{issuer}{path}"));
    let strings = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let auth_methods: Vec<&str> = AuthMethod::ALL.iter().map(|m| m.as_str()).collect();
    // Introspection needs an authenticated caller (RFC 7662 §2.1): no `none`.
    let secret_methods: Vec<&str> = AuthMethod::ALL
        .iter()
        .filter(|m| **m != AuthMethod::None)
        .map(|m| m.as_str())
        .collect();
    let assertion_algs: Vec<&str> = SECRET_JWT_ALGS
        .iter()
        .chain(PRIVATE_KEY_JWT_ALGS.iter())
        .copied()
        .collect();
    let request_object_algs: Vec<&str> = PRIVATE_KEY_JWT_ALGS
        .iter()
        .copied()
        .chain(["none"])
        .collect();
    ServerMetadata {
        issuer: issuer.to_owned(),
        authorization_endpoint: url(AUTHORIZE_PATH),
        token_endpoint: url(TOKEN_PATH),
        jwks_uri: url(JWKS_PATH),
        registration_endpoint: url(REGISTER_PATH),
        introspection_endpoint: url(INTROSPECT_PATH),
        revocation_endpoint: url(REVOKE_PATH),
        userinfo_endpoint: url(USERINFO_PATH),
        device_authorization_endpoint: url(DEVICE_AUTHORIZATION_PATH),
        pushed_authorization_request_endpoint: url(PAR_PATH),
        scopes_supported: strings(&SCOPES_SUPPORTED),
        response_types_supported: strings(&["code"]),
        response_modes_supported: strings(&["query"]),
        grant_types_supported: strings(&ALL_GRANTS),
        code_challenge_methods_supported: strings(&["S256", "plain"]),
        token_endpoint_auth_methods_supported: strings(&auth_methods),
        introspection_endpoint_auth_methods_supported: strings(&secret_methods),
        revocation_endpoint_auth_methods_supported: strings(&auth_methods),
        id_token_signing_alg_values_supported: strings(&["RS256", "ES256"]),
        subject_types_supported: strings(&["public"]),
        claims_supported: strings(&CLAIMS_SUPPORTED),
        authorization_response_iss_parameter_supported: Some(true),
        require_pushed_authorization_requests: Some(false),
        dpop_signing_alg_values_supported: strings(&super::dpop::ALGS_SUPPORTED),
        authorization_details_types_supported: authorization_details_types.to_vec(),
        // RFC 9728 §4: the protected resources this server issues tokens for (RFC 8707).
        extra: [
            (
                "protected_resources".to_owned(),
                serde_json::json!(protected_resources),
            ),
            // A `client_id` may be the URL of its metadata document (see `cimd.rs`).
            (
                "client_id_metadata_document_supported".to_owned(),
                serde_json::Value::Bool(true),
            ),
            // RFC 8414 §2: what client assertions may be signed with, at every endpoint
            // where the client authenticates (see `client_assertion.rs`).
            (
                "token_endpoint_auth_signing_alg_values_supported".to_owned(),
                serde_json::json!(assertion_algs),
            ),
            (
                "introspection_endpoint_auth_signing_alg_values_supported".to_owned(),
                serde_json::json!(assertion_algs),
            ),
            (
                "revocation_endpoint_auth_signing_alg_values_supported".to_owned(),
                serde_json::json!(assertion_algs),
            ),
            // RFC 9101: request objects by value, signed with a key from the client's jwks,
            // or unsigned (`none`) unless signing is required.
            (
                "request_parameter_supported".to_owned(),
                serde_json::Value::Bool(true),
            ),
            (
                "request_uri_parameter_supported".to_owned(),
                serde_json::Value::Bool(false),
            ),
            (
                "request_object_signing_alg_values_supported".to_owned(),
                serde_json::json!(request_object_algs),
            ),
        ]
        .into_iter()
        .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_protected_resource_is_listed() {
        let resources = vec![
            "http://127.0.0.1:9000/mcp".to_owned(),
            "https://api.example.com/".to_owned(),
        ];
        let meta = build("http://127.0.0.1:9000", resources.clone(), &[]);
        assert_eq!(
            meta.extra["protected_resources"],
            serde_json::json!(resources)
        );
    }

    #[test]
    fn introspection_methods_exclude_none() {
        let meta = build("http://127.0.0.1:9000", Vec::new(), &[]);
        assert_eq!(
            meta.introspection_endpoint_auth_methods_supported,
            [
                "client_secret_basic",
                "client_secret_post",
                "client_secret_jwt",
                "private_key_jwt"
            ]
        );
        assert_eq!(
            meta.extra["token_endpoint_auth_signing_alg_values_supported"],
            serde_json::json!(["HS256", "RS256", "PS256", "ES256", "EdDSA"])
        );
        assert_eq!(
            meta.token_endpoint.as_deref(),
            Some("http://127.0.0.1:9000/token")
        );
    }
}
