//! Client authentication at the token, introspection, revocation and PAR endpoints
//! (RFC 6749 §2.3): `client_secret_basic`, `client_secret_post`, or `none` for public clients.

use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::error::EngineError;
use super::secret::Secret;
use super::step::RequestDraft;

/// How the client proves who it is (RFC 8414 `token_endpoint_auth_method` values).
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
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::ClientSecretBasic => "client_secret_basic",
            AuthMethod::ClientSecretPost => "client_secret_post",
            AuthMethod::None => "none",
        }
    }
}

impl FromStr for AuthMethod {
    type Err = EngineError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "client_secret_basic" => Ok(AuthMethod::ClientSecretBasic),
            "client_secret_post" => Ok(AuthMethod::ClientSecretPost),
            "none" => Ok(AuthMethod::None),
            other => Err(EngineError::config(format!(
                "unknown client authentication method {other:?} \
                 (use client_secret_basic, client_secret_post or none)"
            ))),
        }
    }
}

impl std::fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A client as the engine uses it. The secret is redacted in `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientCredentials {
    pub client_id: String,
    #[serde(default, skip_serializing)]
    pub client_secret: Option<Secret>,
    pub auth_method: AuthMethod,
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("auth_method", &self.auth_method)
            .finish()
    }
}

impl ClientCredentials {
    /// A public client (`none`).
    pub fn public(client_id: impl Into<String>) -> Self {
        ClientCredentials {
            client_id: client_id.into(),
            client_secret: None,
            auth_method: AuthMethod::None,
        }
    }

    /// A confidential client with the given method.
    pub fn confidential(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        auth_method: AuthMethod,
    ) -> Self {
        ClientCredentials {
            client_id: client_id.into(),
            client_secret: Some(Secret::new(client_secret)),
            auth_method,
        }
    }

    /// Adds this client's authentication to a request. Fails when a secret-based method has
    /// no secret.
    pub fn apply(&self, draft: &mut RequestDraft) -> Result<(), EngineError> {
        let secret = || {
            self.client_secret.as_ref().map(Secret::secret).ok_or_else(|| {
                EngineError::config(format!(
                    "{} needs a client secret (give --client-secret, or use --auth-method none)",
                    self.auth_method
                ))
            })
        };
        match self.auth_method {
            AuthMethod::ClientSecretBasic => {
                let value = basic_authorization(&self.client_id, secret()?);
                draft
                    .headers
                    .retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
                draft.headers.push(("Authorization".into(), value));
                mark_secret(draft, "Authorization");
            }
            AuthMethod::ClientSecretPost => {
                draft.set_param("client_id", &self.client_id);
                draft.set_param("client_secret", secret()?);
                mark_secret(draft, "client_secret");
            }
            AuthMethod::None => draft.set_param("client_id", &self.client_id),
        }
        Ok(())
    }

    /// True when `client_secret_basic`'s form-encoding (RFC 6749 §2.3.1) changes the id or
    /// the secret, which is where servers that decode Basic the plain way go wrong.
    pub fn basic_encoding_changes(&self) -> bool {
        let changes = |s: &str| form_encode(s) != s;
        changes(&self.client_id)
            || self
                .client_secret
                .as_ref()
                .is_some_and(|s| changes(s.secret()))
    }
}

fn form_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn mark_secret(draft: &mut RequestDraft, name: &str) {
    if !draft.is_secret(name) {
        draft.secret_names.push(name.to_string());
    }
}

/// `Basic BASE64(urlencode(id) ":" urlencode(secret))`. RFC 6749 §2.3.1 requires the form
/// encoding *before* Base64, which plain HTTP Basic does not do: a secret with `:` or `+` in it
/// is where interop breaks.
pub fn basic_authorization(client_id: &str, client_secret: &str) -> String {
    let pair = format!("{}:{}", form_encode(client_id), form_encode(client_secret));
    format!("Basic {}", STANDARD.encode(pair))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_form_encodes_before_base64() {
        // id "my client", secret "p:ss+w/rd" → "my+client:p%3Ass%2Bw%2Frd"
        let header = basic_authorization("my client", "p:ss+w/rd");
        let decoded = STANDARD
            .decode(header.strip_prefix("Basic ").unwrap())
            .unwrap();
        assert_eq!(
            String::from_utf8(decoded).unwrap(),
            "my+client:p%3Ass%2Bw%2Frd"
        );
    }

    #[test]
    fn post_puts_credentials_in_the_body_and_marks_the_secret() {
        let client = ClientCredentials::confidential("app", "s3cret", AuthMethod::ClientSecretPost);
        let mut draft = RequestDraft::new("POST", "http://as/token");
        client.apply(&mut draft).unwrap();
        assert_eq!(draft.param("client_secret"), Some("s3cret"));
        assert!(draft.is_secret("client_secret"));
        assert!(draft.headers.is_empty());
    }

    #[test]
    fn none_sends_only_the_client_id() {
        let mut draft = RequestDraft::new("POST", "http://as/token");
        ClientCredentials::public("spa").apply(&mut draft).unwrap();
        assert_eq!(draft.params, vec![("client_id".into(), "spa".into())]);
    }

    #[test]
    fn secret_methods_without_a_secret_say_so() {
        let client = ClientCredentials {
            client_id: "app".into(),
            client_secret: None,
            auth_method: AuthMethod::ClientSecretBasic,
        };
        let err = client
            .apply(&mut RequestDraft::new("POST", "http://as/token"))
            .unwrap_err();
        assert!(err.to_string().contains("needs a client secret"));
        assert!("client_secret_jwt".parse::<AuthMethod>().is_err());
    }

    #[test]
    fn debug_redacts_the_secret() {
        let client =
            ClientCredentials::confidential("app", "s3cret", AuthMethod::ClientSecretBasic);
        assert!(!format!("{client:?}").contains("s3cret"));
    }
}
