//! Several issuers in one mock (`oauthscope mock --tenant a --tenant b`, `[[tenants]]` in the
//! config file): each tenant serves every endpoint under `/{name}` of the mock's issuer, with
//! its own issuer URL, signing keys, store, clients and users, for testing multi-tenant
//! clients and issuer mix-up. The mock's own issuer keeps serving beside them.

use std::sync::Arc;

use serde::Deserialize;

use super::app::App;
use super::config::{ClientConfig, MockConfig, User};
use super::errors::MockError;
use super::keys::Keys;

/// Longest tenant name.
const MAX_NAME: usize = 64;
/// Most tenants in one mock: each costs two key pairs and its own stores.
pub const MAX_TENANTS: usize = 32;
/// First path segments the mock's own issuer uses: a tenant of that name would shadow them.
const RESERVED: [&str; 14] = [
    "authorize",
    "token",
    "introspect",
    "revoke",
    "userinfo",
    "device",
    "jwks",
    "par",
    "register",
    "login",
    "consent",
    "mcp",
    ".well-known",
    "_mock",
];

/// One tenant: a name, and users and clients merged over the mock's own (the same username
/// or client_id replaces the entry).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantConfig {
    pub name: String,
    #[serde(default)]
    pub users: Vec<User>,
    #[serde(default)]
    pub clients: Vec<ClientConfig>,
}

impl TenantConfig {
    /// A tenant with the mock's own users and clients.
    pub fn named(name: impl Into<String>) -> Self {
        TenantConfig {
            name: name.into(),
            users: Vec::new(),
            clients: Vec::new(),
        }
    }
}

/// A tenant name must be one path segment of plain characters, unique, and not one of the
/// paths the mock's own issuer serves.
fn check_name(name: &str, seen: &[&str]) -> Result<(), MockError> {
    let plain = !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !matches!(name, "." | "..");
    if !plain {
        return Err(MockError::Config(format!(
            "tenant name `{name}` must be 1 to {MAX_NAME} letters, digits, `-`, `_` or `.`"
        )));
    }
    if RESERVED.contains(&name) {
        return Err(MockError::Config(format!(
            "tenant name `{name}` is a path the mock itself serves; choose another"
        )));
    }
    if seen.contains(&name) {
        return Err(MockError::Config(format!("tenant `{name}` is named twice")));
    }
    Ok(())
}

/// Each tenant's complete configuration: the mock's, with the tenant's users and clients
/// merged over it, checked like the mock's own.
pub fn configs(config: &MockConfig) -> Result<Vec<(String, MockConfig)>, MockError> {
    if config.tenants.len() > MAX_TENANTS {
        return Err(MockError::Config(format!(
            "{} tenants are configured; at most {MAX_TENANTS} are served",
            config.tenants.len()
        )));
    }
    let mut seen: Vec<&str> = Vec::new();
    let mut configs = Vec::new();
    for tenant in &config.tenants {
        check_name(&tenant.name, &seen)?;
        seen.push(&tenant.name);
        let mut own = config.clone();
        own.tenants.clear();
        for user in &tenant.users {
            own.users.retain(|u| u.username != user.username);
            own.users.push(user.clone());
        }
        for client in &tenant.clients {
            own.clients.retain(|c| c.client_id != client.client_id);
            own.clients.push(client.clone());
        }
        let own = own
            .validate()
            .map_err(|err| MockError::Config(format!("tenant `{}`: {err}", tenant.name)))?;
        configs.push((tenant.name.clone(), own));
    }
    Ok(configs)
}

/// The apps of the tenants, each under `issuer/{name}` with keys of its own.
pub fn apps(configs: &[(String, MockConfig)], issuer: &str) -> Vec<Arc<App>> {
    configs
        .iter()
        .map(|(name, config)| {
            let keys = Keys::generate_in_background(config.signing_alg);
            Arc::new(App::new(config, format!("{issuer}/{name}"), keys))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain_unique_and_not_the_mocks_own_paths() {
        assert!(check_name("tenant-a.eu_1", &[]).is_ok());
        for bad in ["", "a/b", "..", "token", "_mock", ".well-known", "a b", "é"] {
            assert!(check_name(bad, &[]).is_err(), "{bad}");
        }
        assert!(check_name(&"x".repeat(65), &[]).is_err());
        assert!(check_name("a", &["a"]).is_err());
    }

    #[test]
    fn a_tenant_merges_its_users_and_clients_over_the_mocks() {
        let mut config = MockConfig::demo();
        let mut tenant = TenantConfig::named("acme");
        tenant.users.push(User::ad_hoc("carol"));
        config.tenants = vec![tenant, TenantConfig::named("globex")];
        let configs = configs(&config).unwrap();
        assert_eq!(configs[0].0, "acme");
        assert_eq!(configs[0].1.users.len(), 3);
        assert_eq!(configs[1].1.users.len(), 2);
        assert!(configs.iter().all(|(_, c)| c.tenants.is_empty()));
        config.tenants = vec![TenantConfig::named("a"), TenantConfig::named("a")];
        assert!(self::configs(&config).is_err());
    }
}
