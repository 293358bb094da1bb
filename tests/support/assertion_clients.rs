//! The machine clients the client-assertion tests register with the mock: one that signs
//! with its key (`private_key_jwt`, its public JWKS registered) and one that signs with its
//! secret (`client_secret_jwt`).

use oauthscope::mock::{AuthMethod, ClientConfig, MockConfig};
use serde_json::Value;

pub const KEY_CLIENT: &str = "svc-key";
pub const HS_CLIENT: &str = "svc-hs";
pub const HS_SECRET: &str = "a-long-shared-secret-for-hs256-use";

/// Adds both clients to `config`, the key client with `jwks`.
pub fn add(config: &mut MockConfig, jwks: Value) {
    config.clients.push(ClientConfig {
        client_id: KEY_CLIENT.into(),
        grant_types: vec!["client_credentials".into()],
        jwks: Some(jwks),
        ..ClientConfig::default()
    });
    config.clients.push(ClientConfig {
        client_id: HS_CLIENT.into(),
        client_secret: Some(HS_SECRET.into()),
        token_endpoint_auth_methods: vec![AuthMethod::ClientSecretJwt],
        grant_types: vec!["client_credentials".into()],
        ..ClientConfig::default()
    });
}
