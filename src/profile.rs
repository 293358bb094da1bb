//! What a user keeps between sessions: saved servers, their clients (with registration
//! access tokens) and the chosen theme, in one TOML file. Tokens are never saved.
//!
//! The terminal app reads and writes it; `oauthscope mcp` reads it to find the server marked
//! `default = true`. The file is written atomically (a temp file in the same directory, then
//! rename), with mode 0600 because it holds client secrets.
//!
//! ```toml
//! theme = "dark"
//!
//! [[server]]
//! name = "Keycloak (dev)"
//! issuer = "http://127.0.0.1:8080/realms/dev"
//! default = true
//!
//! [server.endpoints]
//! userinfo_endpoint = "http://127.0.0.1:8080/realms/dev/protocol/openid-connect/userinfo"
//!
//! [[server.client]]
//! client_id = "cli"
//! client_secret = "s3cret"
//! auth_method = "client_secret_basic"
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use crate::oauth::discovery::Endpoints;
use crate::oauth::flow::mcp::Spec;
use crate::oauth::registration::RegisteredClient;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
    #[serde(default, rename = "server", skip_serializing_if = "Vec::is_empty")]
    pub servers: Vec<ServerProfile>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerProfile {
    pub name: String,
    pub issuer: String,
    /// The server the MCP tools use when a call names no issuer.
    #[serde(default, skip_serializing_if = "is_false")]
    pub default: bool,
    /// Endpoints typed by hand: they override discovery, or describe a server without it.
    /// Files written before all nine endpoints could be kept (three of them) still load.
    #[serde(default, skip_serializing_if = "Endpoints::is_empty")]
    pub endpoints: Endpoints,
    #[serde(default, rename = "client", skip_serializing_if = "Vec::is_empty")]
    pub clients: Vec<ClientProfile>,
    /// The MCP server this entry was added by: `issuer` is the authorization server its
    /// protected resource metadata names (RFC 9728 §2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcp_url: Option<String>,
    /// The MCP revision the terminal app's MCP flow follows for it, when not the newest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcp_spec: Option<Spec>,
}

fn is_false(value: &bool) -> bool {
    !value
}

/// A saved client. `Debug` redacts its secret and registration access token.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClientProfile {
    pub client_id: String,
    /// The name it was registered with (RFC 7591 §2), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// client_secret_basic, client_secret_post, client_secret_jwt, private_key_jwt or none.
    pub auth_method: String,
    /// The private key file `private_key_jwt` signs with (a PEM or private JWK; see
    /// `oauthscope keygen`). The path is kept, never the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<std::path::PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_access_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_client_uri: Option<String>,
    /// The redirect URIs the client was registered with, kept for a client a flow registered
    /// itself (`run mcp`), so that the next run listens where the server expects it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redirect_uris: Vec<String>,
}

impl ClientProfile {
    /// The client as a registration answer would give it, for code that takes one.
    pub fn as_registered(&self) -> RegisteredClient {
        let mut metadata = serde_json::Map::new();
        metadata.insert(
            "token_endpoint_auth_method".into(),
            self.auth_method.clone().into(),
        );
        RegisteredClient {
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            client_id_issued_at: None,
            client_secret_expires_at: None,
            registration_access_token: self.registration_access_token.clone(),
            registration_client_uri: self.registration_client_uri.clone(),
            metadata,
            warnings: Vec::new(),
        }
    }

    /// What to keep of a client a server just registered (RFC 7591 §3.2.1): the server's
    /// answer, else what a client without its own method uses (RFC 7591 §2: basic with a
    /// secret, none without).
    pub fn registered(client: &RegisteredClient) -> Self {
        let text = |name: &str| {
            client
                .metadata
                .get(name)
                .and_then(serde_json::Value::as_str)
                .map(String::from)
        };
        let auth_method = text("token_endpoint_auth_method").unwrap_or_else(|| {
            if client.client_secret.is_some() {
                "client_secret_basic".into()
            } else {
                "none".into()
            }
        });
        let redirect_uris = client
            .metadata
            .get("redirect_uris")
            .and_then(serde_json::Value::as_array)
            .map(|uris| {
                uris.iter()
                    .filter_map(serde_json::Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        ClientProfile {
            client_id: client.client_id.clone(),
            client_name: text("client_name"),
            client_secret: client.client_secret.clone(),
            auth_method,
            private_key: None,
            scope: text("scope"),
            registration_access_token: client.registration_access_token.clone(),
            registration_client_uri: client.registration_client_uri.clone(),
            redirect_uris,
        }
    }
}

impl std::fmt::Debug for ClientProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::oauth::secret::redacted;
        f.debug_struct("ClientProfile")
            .field("client_id", &self.client_id)
            .field("client_name", &self.client_name)
            .field(
                "client_secret",
                &self.client_secret.as_deref().map(redacted),
            )
            .field("auth_method", &self.auth_method)
            .field("scope", &self.scope)
            .field(
                "registration_access_token",
                &self.registration_access_token.as_deref().map(redacted),
            )
            .field("registration_client_uri", &self.registration_client_uri)
            .field("redirect_uris", &self.redirect_uris)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("profile {path}: cannot be read: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("profile {path}: {message} (the file is left as it is; fix or move it)")]
    Parse { path: String, message: String },
    #[error("profile {path}: cannot be saved: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("profile: cannot be saved: {0}")]
    Serialize(String),
    #[error("no config directory on this system; pass --config FILE")]
    NoConfigDir,
}

/// `<config dir>/oauthscope/profile.toml`, e.g. `~/.config/oauthscope/profile.toml`.
pub fn default_path() -> Result<PathBuf, ProfileError> {
    dirs::config_dir()
        .map(|dir| dir.join("oauthscope").join("profile.toml"))
        .ok_or(ProfileError::NoConfigDir)
}

impl Profile {
    /// The server marked `default = true`; the first one if a hand-edited file marks several.
    pub fn default_server(&self) -> Option<&ServerProfile> {
        self.servers.iter().find(|server| server.default)
    }

    /// The clients saved for the server with `issuer`.
    pub fn clients_of<'a>(&'a self, issuer: &str) -> impl Iterator<Item = &'a ClientProfile> {
        self.servers
            .iter()
            .filter(move |server| server.issuer == issuer)
            .flat_map(|server| &server.clients)
    }

    /// Keeps `client` among the clients of the server with `issuer` (a saved client with the
    /// same id is replaced), adding the server, named by its issuer, if it is new.
    pub fn remember_client(&mut self, issuer: &str, client: ClientProfile) {
        let at = match self.servers.iter().position(|s| s.issuer == issuer) {
            Some(at) => at,
            None => {
                self.servers.push(ServerProfile {
                    name: issuer.to_string(),
                    issuer: issuer.to_string(),
                    ..ServerProfile::default()
                });
                self.servers.len() - 1
            }
        };
        let clients = &mut self.servers[at].clients;
        clients.retain(|saved| saved.client_id != client.client_id);
        clients.push(client);
    }

    /// Reads the profile; a missing file is an empty profile (first run).
    pub fn load(path: &Path) -> Result<Profile, ProfileError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Profile::default()),
            Err(source) => {
                return Err(ProfileError::Read {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        toml::from_str(&text).map_err(|e| ProfileError::Parse {
            path: path.display().to_string(),
            message: e.to_string().trim().replace('\n', " "),
        })
    }

    /// Writes the profile atomically with mode 0600, creating the directory if needed.
    pub fn save(&self, path: &Path) -> Result<(), ProfileError> {
        let text =
            toml::to_string_pretty(self).map_err(|e| ProfileError::Serialize(e.to_string()))?;
        let write_err = |source| ProfileError::Write {
            path: path.display().to_string(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(write_err)?;
        }
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "profile.toml".into());
        let temp = path.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
        let result =
            write_private(&temp, text.as_bytes()).and_then(|()| std::fs::rename(&temp, path));
        if result.is_err() {
            // Leave no half-written secrets behind.
            let _ = std::fs::remove_file(&temp);
        }
        result.map_err(write_err)
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Profile {
        Profile {
            theme: Some("light".into()),
            servers: vec![ServerProfile {
                name: "Keycloak (dev)".into(),
                issuer: "http://127.0.0.1:8080/realms/dev".into(),
                default: true,
                endpoints: Endpoints::default(),
                mcp_url: None,
                mcp_spec: None,
                clients: vec![ClientProfile {
                    client_id: "cli".into(),
                    client_secret: Some("s3cret".into()),
                    auth_method: "client_secret_basic".into(),
                    registration_access_token: Some("rat".into()),
                    ..ClientProfile::default()
                }],
            }],
        }
    }

    #[test]
    fn save_then_load_round_trips_with_private_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("profile.toml");
        sample().save(&path).unwrap();
        assert_eq!(Profile::load(&path).unwrap(), sample());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temp file is left behind");
    }

    #[test]
    fn a_registered_client_is_remembered_per_issuer_and_replaced_by_id() {
        let registered: RegisteredClient = serde_json::from_value(serde_json::json!({
            "client_id": "dyn-1",
            "client_secret": "sec",
            "token_endpoint_auth_method": "client_secret_post",
            "redirect_uris": ["http://127.0.0.1:4321/callback"],
        }))
        .unwrap();
        let mut profile = sample();
        let issuer = "https://mcp-as.example";
        profile.remember_client(issuer, ClientProfile::registered(&registered));
        profile.remember_client(issuer, ClientProfile::registered(&registered));
        let saved: Vec<_> = profile.clients_of(issuer).collect();
        assert_eq!(saved.len(), 1, "the same id is kept once");
        assert_eq!(saved[0].auth_method, "client_secret_post");
        assert_eq!(saved[0].redirect_uris, ["http://127.0.0.1:4321/callback"]);
        assert_eq!(profile.servers.len(), 2, "a new server for the new issuer");
        assert_eq!(profile.servers[1].name, issuer);
        // Another issuer's clients are not this one's.
        assert_eq!(
            profile
                .clients_of("http://127.0.0.1:8080/realms/dev")
                .count(),
            1
        );
        assert!(
            !format!("{:?}", saved[0]).contains("sec\""),
            "Debug redacts"
        );
        // And it all survives the file.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("profile.toml");
        profile.save(&path).unwrap();
        assert_eq!(Profile::load(&path).unwrap(), profile);
    }

    #[test]
    fn a_missing_file_is_an_empty_profile() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            Profile::load(&dir.path().join("none.toml")).unwrap(),
            Profile::default()
        );
    }

    #[test]
    fn a_broken_file_is_a_readable_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.toml");
        std::fs::write(&path, "[[server]]\nname = 3\n").unwrap();
        let err = Profile::load(&path).unwrap_err().to_string();
        assert!(err.contains("p.toml"), "{err}");
        assert!(err.contains("left as it is"), "{err}");
    }

    #[test]
    fn default_is_written_only_when_set() {
        let mut profile = sample();
        let text = toml::to_string_pretty(&profile).unwrap();
        assert!(text.contains("default = true"), "{text}");
        profile.servers[0].default = false;
        let text = toml::to_string_pretty(&profile).unwrap();
        assert!(!text.contains("default"), "{text}");
    }

    #[test]
    fn the_default_server_is_the_first_marked_one() {
        let text = r#"
            [[server]]
            name = "a"
            issuer = "https://a.example"
            [[server]]
            name = "b"
            issuer = "https://b.example"
            default = true
            [[server]]
            name = "c"
            issuer = "https://c.example"
            default = true
        "#;
        let profile: Profile = toml::from_str(text).unwrap();
        assert_eq!(profile.default_server().unwrap().name, "b");
        assert!(!profile.servers[0].default);
        assert!(Profile::default().default_server().is_none());
    }

    #[test]
    fn client_debug_redacts_secrets() {
        let client = ClientProfile {
            client_id: "app".into(),
            client_secret: Some("s3cret-value".into()),
            registration_access_token: Some("rat-value".into()),
            ..ClientProfile::default()
        };
        let shown = format!("{client:?}");
        assert!(
            !shown.contains("s3cret-value") && !shown.contains("rat-value"),
            "{shown}"
        );
        assert!(shown.contains("app"), "{shown}");
    }

    #[test]
    fn old_files_with_three_endpoints_still_load_and_all_nine_round_trip() {
        let old = r#"
            [[server]]
            name = "GitHub"
            issuer = "https://github.com"
            [server.endpoints]
            authorization_endpoint = "https://github.com/login/oauth/authorize"
            token_endpoint = "https://github.com/login/oauth/access_token"
            jwks_uri = "https://github.com/jwks"
        "#;
        let mut profile: Profile = toml::from_str(old).unwrap();
        let endpoints = &mut profile.servers[0].endpoints;
        assert_eq!(
            endpoints.token_endpoint.as_deref(),
            Some("https://github.com/login/oauth/access_token")
        );
        assert!(endpoints.userinfo_endpoint.is_none());
        endpoints.userinfo_endpoint = Some("https://api.github.com/user".into());
        endpoints.pushed_authorization_request_endpoint = Some("https://github.com/par".into());
        endpoints.registration_endpoint = Some("https://github.com/register".into());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("profile.toml");
        profile.save(&path).unwrap();
        assert_eq!(Profile::load(&path).unwrap(), profile);
    }
}
