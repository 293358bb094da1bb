//! The built-in mock as the terminal app and `mcp --mock` run it: in this process, on an
//! ephemeral 127.0.0.1 port. Only `main` starts it; the app and the MCP server are handed
//! its issuer and its clients as profiles, and reach it over HTTP like any other server.

use oauthscope::mock::{ClientConfig, MockConfig, MockServer, RunningMock};
use oauthscope::profile::ClientProfile;

/// The running mock and what a client needs to know about it.
pub struct Embedded {
    /// Kept for the whole session: dropping it stops the mock.
    pub mock: RunningMock,
    pub clients: Vec<ClientProfile>,
    /// The redirect URIs registered for its clients (any loopback port is accepted).
    pub redirect_uris: Vec<String>,
}

/// Starts the demo mock; `auto_approve` signs every authorization in as that user.
/// `start` returns once the socket is bound; key generation goes on in the background.
pub async fn start(auto_approve: Option<&str>) -> Result<Embedded, String> {
    start_for(auto_approve, Vec::new()).await
}

/// [`start`], also issuing tokens for `resources` (RFC 8707), e.g. `mcp --http`'s URL.
pub async fn start_for(
    auto_approve: Option<&str>,
    resources: Vec<String>,
) -> Result<Embedded, String> {
    let mut config = MockConfig::demo();
    config.auto_approve = auto_approve.map(str::to_string);
    config.resources = resources;
    let clients = config.clients.iter().map(client_profile).collect();
    let mut redirect_uris: Vec<String> = Vec::new();
    for uri in config.clients.iter().flat_map(|c| &c.redirect_uris) {
        if !redirect_uris.contains(uri) {
            redirect_uris.push(uri.clone());
        }
    }
    let mock = MockServer::start(config)
        .await
        .map_err(|e| format!("the built-in mock did not start: {e}"))?;
    Ok(Embedded {
        mock,
        clients,
        redirect_uris,
    })
}

/// A configured client as a client profile: its first accepted auth method, else the one
/// its secret (or the lack of one) implies.
fn client_profile(client: &ClientConfig) -> ClientProfile {
    let auth_method = match client.token_endpoint_auth_methods.first() {
        Some(method) => method.as_str(),
        None if client.client_secret.is_some() => "client_secret_basic",
        None => "none",
    };
    ClientProfile {
        client_id: client.client_id.clone(),
        client_secret: client.client_secret.clone(),
        auth_method: auth_method.to_string(),
        ..ClientProfile::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_demo_mock_is_handed_over_as_issuer_and_client_profiles() {
        let embedded = start(Some("alice")).await.unwrap();
        assert!(embedded.mock.issuer().starts_with("http://127.0.0.1:"));
        let clients: Vec<(&str, &str, bool)> = embedded
            .clients
            .iter()
            .map(|c| {
                (
                    c.client_id.as_str(),
                    c.auth_method.as_str(),
                    c.client_secret.is_some(),
                )
            })
            .collect();
        assert_eq!(
            clients,
            [
                ("demo-public", "none", false),
                ("demo-confidential", "client_secret_basic", true)
            ]
        );
        assert_eq!(
            embedded.redirect_uris,
            ["http://127.0.0.1/callback", "http://[::1]/callback"]
        );
        embedded.mock.shutdown().await;
    }
}
