//! Scope requests (RFC 6749 §3.3): which scopes a client may ask for, and the default when it
//! asks for none.

use super::config::{SCOPES_SUPPORTED, USER_SCOPES};
use super::errors::OAuthError;
use super::state::Client;

/// Whether the grant has an end-user (code, device) or not (client_credentials).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    User,
    ClientOnly,
}

/// The scopes to grant for a request. An absent scope means every scope the client may use
/// (the pre-defined default RFC 6749 §3.3 allows); user scopes are left out of that default
/// for client_credentials and refused when asked for explicitly.
pub fn resolve(
    requested: Option<&str>,
    client: &Client,
    subject: Subject,
) -> Result<Vec<String>, OAuthError> {
    let Some(requested) = requested else {
        return Ok(client
            .scopes
            .iter()
            .filter(|s| subject == Subject::User || !USER_SCOPES.contains(&s.as_str()))
            .cloned()
            .collect());
    };
    let mut granted: Vec<String> = Vec::new();
    for scope in requested.split(' ').filter(|s| !s.is_empty()) {
        if !SCOPES_SUPPORTED.contains(&scope) {
            return Err(OAuthError::invalid_scope(format!(
                "scope `{scope}` is unknown to this server, which supports: {} \
                 (RFC 6749 section 3.3)",
                SCOPES_SUPPORTED.join(" ")
            )));
        }
        if !client.scopes.iter().any(|s| s == scope) {
            return Err(OAuthError::invalid_scope(format!(
                "client `{}` may not request scope `{scope}`; it is allowed: {} \
                 (RFC 6749 section 3.3)",
                client.client_id,
                client.scopes.join(" ")
            )));
        }
        if subject == Subject::ClientOnly && USER_SCOPES.contains(&scope) {
            return Err(OAuthError::invalid_scope(format!(
                "scope `{scope}` describes an end-user, and client_credentials has none \
                 (RFC 6749 section 4.4, OIDC Core section 5.4)"
            )));
        }
        if !granted.iter().any(|g| g == scope) {
            granted.push(scope.to_owned());
        }
    }
    Ok(granted)
}

/// Space-separated, as `scope` is sent on the wire.
pub fn join(scopes: &[String]) -> String {
    scopes.join(" ")
}

pub fn has(scopes: &[String], scope: &str) -> bool {
    scopes.iter().any(|s| s == scope)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::config::MockConfig;

    fn confidential() -> Client {
        let config = MockConfig::demo().validate().unwrap();
        Client::from_config(&config.clients[1])
    }

    #[test]
    fn default_scope_depends_on_the_subject() {
        let client = confidential();
        assert_eq!(resolve(None, &client, Subject::User).unwrap().len(), 6);
        assert_eq!(
            resolve(None, &client, Subject::ClientOnly).unwrap(),
            ["api:read", "api:write", "mcp:tools"]
        );
    }

    #[test]
    fn unknown_and_user_scopes_are_refused_where_they_do_not_fit() {
        let client = confidential();
        let err = resolve(Some("openid admin"), &client, Subject::User).unwrap_err();
        assert_eq!(err.error, "invalid_scope");
        assert!(err.description.contains("`admin`"));
        assert!(resolve(Some("openid"), &client, Subject::ClientOnly).is_err());
        assert_eq!(
            resolve(Some("openid  openid email"), &client, Subject::User).unwrap(),
            ["openid", "email"]
        );
    }
}
