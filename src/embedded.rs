//! The built-in mock as the terminal app and `mcp --mock` run it: in this process, on an
//! ephemeral 127.0.0.1 port. Only `main` starts it; the app and the MCP server are handed
//! its issuer and its clients as profiles, and reach it over HTTP like any other server.
//!
//! For the terminal app the demo has one more client, `demo-private-key`, whose key is made
//! for the session: it authenticates with `private_key_jwt`, signs request objects (RFC
//! 9101), and is also the issuer the mock trusts for the JWT bearer grant (RFC 7523 §2.1),
//! so a newcomer can sign an assertion in the app and trade it for a token offline.

use std::io::Write as _;
use std::path::PathBuf;

use oauthscope::mock::{
    AuthMethod, ClientConfig, DEMO_REDIRECT_URIS, MockConfig, MockServer, RunningMock,
    TrustedIssuer,
};
use oauthscope::oauth::jwt::Algorithm;
use oauthscope::oauth::keys::ClientKey;
use oauthscope::profile::ClientProfile;

/// The demo client with a key of its own, and the issuer the JWT bearer grant trusts.
pub const DEMO_KEY_CLIENT: &str = "demo-private-key";

/// The running mock and what a client needs to know about it.
pub struct Embedded {
    /// Kept for the whole session: dropping it stops the mock.
    pub mock: RunningMock,
    pub clients: Vec<ClientProfile>,
    /// The redirect URIs registered for its clients (any loopback port is accepted).
    pub redirect_uris: Vec<String>,
    /// The session's demo private key on disk, removed when this is dropped.
    _demo_key: Option<KeyFile>,
}

/// Starts the demo mock; `auto_approve` signs every authorization in as that user.
/// `start` returns once the socket is bound; key generation goes on in the background.
pub async fn start(auto_approve: Option<&str>) -> Result<Embedded, String> {
    start_for(auto_approve, Vec::new()).await
}

/// The demo mock for the terminal app: [`start`], with the `demo-private-key` client whose
/// key (made now, kept in a file only its owner reads, removed at exit) the app signs with.
pub async fn start_for_app() -> Result<Embedded, String> {
    let (key, pem) = ClientKey::generate(Algorithm::ES256).map_err(|e| e.to_string())?;
    let file = KeyFile::write(&key, pem.secret())?;
    let mut config = MockConfig::demo();
    let jwks = key.public_jwks();
    config.clients.push(ClientConfig {
        client_id: DEMO_KEY_CLIENT.into(),
        token_endpoint_auth_methods: vec![AuthMethod::PrivateKeyJwt],
        redirect_uris: DEMO_REDIRECT_URIS.map(str::to_owned).to_vec(),
        jwks: Some(jwks.clone()),
        ..ClientConfig::default()
    });
    // The client is its own trusted issuer: an assertion it signs about a user (iss = its
    // client_id) is one the mock accepts for the JWT bearer grant.
    config.trusted_issuers.push(TrustedIssuer {
        issuer: DEMO_KEY_CLIENT.into(),
        jwks,
    });
    let mut embedded = start_with(config).await?;
    if let Some(client) = embedded
        .clients
        .iter_mut()
        .find(|c| c.client_id == DEMO_KEY_CLIENT)
    {
        client.private_key = Some(file.path.clone());
    }
    embedded._demo_key = Some(file);
    Ok(embedded)
}

/// [`start`], also issuing tokens for `resources` (RFC 8707), e.g. `mcp --http`'s URL.
pub async fn start_for(
    auto_approve: Option<&str>,
    resources: Vec<String>,
) -> Result<Embedded, String> {
    let mut config = MockConfig::demo();
    config.auto_approve = auto_approve.map(str::to_string);
    config.resources = resources;
    start_with(config).await
}

async fn start_with(config: MockConfig) -> Result<Embedded, String> {
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
        _demo_key: None,
    })
}

/// A private key written for this session: readable by its owner only, never replacing a
/// file, and removed when dropped.
struct KeyFile {
    path: PathBuf,
}

impl KeyFile {
    fn write(key: &ClientKey, pem: &str) -> Result<KeyFile, String> {
        // The thumbprint names it: unique to this key, so sessions never share a file.
        let name = format!("oauthscope-{DEMO_KEY_CLIENT}-{}.pem", key.kid());
        let path = std::env::temp_dir().join(name);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let shown = path.display();
        let mut file = options
            .open(&path)
            .map_err(|e| format!("cannot write the demo key {shown}: {e}"))?;
        let file_guard = KeyFile { path: path.clone() };
        file.write_all(pem.as_bytes())
            .map_err(|e| format!("cannot write the demo key {shown}: {e}"))?;
        Ok(file_guard)
    }
}

impl Drop for KeyFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
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

    /// The demo's own key signs an assertion the mock takes for the JWT bearer grant, and
    /// the key file is private to its owner and gone once the session ends.
    #[tokio::test]
    async fn the_app_demo_key_signs_assertions_the_mock_trusts_and_is_removed_at_exit() {
        let mut embedded = start_for_app().await.unwrap();
        let client = embedded
            .clients
            .iter()
            .find(|c| c.client_id == DEMO_KEY_CLIENT)
            .expect("the key client is handed over");
        assert_eq!(client.auth_method, "private_key_jwt");
        let path = client.private_key.clone().expect("with its key file");
        assert_eq!(Some(&path), embedded._demo_key.as_ref().map(|k| &k.path));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let key = ClientKey::load(&path, None, None).unwrap();
        let issuer = embedded.mock.issuer().to_string();
        let token_endpoint = format!("{issuer}/token");
        let claims = oauthscope::oauth::client_auth::assertion_claims(
            DEMO_KEY_CLIENT,
            "alice",
            &token_endpoint,
        )
        .unwrap();
        let assertion = key.sign_jwt("JWT", &claims).unwrap();
        let answer: serde_json::Value = reqwest::Client::new()
            .post(&token_endpoint)
            .basic_auth("demo-confidential", Some("demo-secret"))
            .form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", assertion.as_str()),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(answer["access_token"].is_string(), "{answer}");
        let key_file = embedded._demo_key.take();
        embedded.mock.shutdown().await;
        drop(key_file);
        assert!(!path.exists(), "the demo key is removed at exit");
    }
}
