//! Client authentication at the token, introspection, revocation and PAR endpoints
//! (RFC 6749 §2.3): `client_secret_basic`, `client_secret_post`, `none` for public clients,
//! and the JWT client assertions of RFC 7523 §2.2 / OIDC Core §9: `client_secret_jwt`
//! (HS256 over the secret) and `private_key_jwt` (signed with the client's own key).

use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::error::EngineError;
use super::keys::{ClientKey, sign_hs256};
use super::pkce::random_token;
use super::secret::Secret;
use super::step::RequestDraft;
pub use crate::wire::AuthMethod;
use crate::wire::CLIENT_ASSERTION_TYPE;

/// How long a client assertion is valid: long enough to cross a slow network, short enough
/// that a captured one is soon useless (RFC 7523 §3 asks servers to refuse old ones).
pub const ASSERTION_LIFETIME_SECS: u64 = 60;

impl FromStr for AuthMethod {
    type Err = EngineError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AuthMethod::parse(s).ok_or_else(|| {
            let names: Vec<&str> = AuthMethod::ALL.iter().map(|m| m.as_str()).collect();
            EngineError::config(format!(
                "unknown client authentication method {s:?} (use {})",
                names.join(", ")
            ))
        })
    }
}

/// A client as the engine uses it. The secret is redacted in `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientCredentials {
    pub client_id: String,
    #[serde(default, skip_serializing)]
    pub client_secret: Option<Secret>,
    pub auth_method: AuthMethod,
    /// The private key `private_key_jwt` signs with (redacted in `Debug`).
    #[serde(skip)]
    pub signing_key: Option<ClientKey>,
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("auth_method", &self.auth_method)
            .field("signing_key", &self.signing_key)
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
            signing_key: None,
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
            signing_key: None,
        }
    }

    /// A client that authenticates with `private_key_jwt` using `key`.
    pub fn with_private_key(client_id: impl Into<String>, key: ClientKey) -> Self {
        ClientCredentials {
            client_id: client_id.into(),
            client_secret: None,
            auth_method: AuthMethod::PrivateKeyJwt,
            signing_key: Some(key),
        }
    }

    /// Adds this client's authentication to a request. Fails when a secret-based method has
    /// no secret, or `private_key_jwt` no key. `audience` is the `aud` of a client
    /// assertion: the token endpoint at the token endpoint (OIDC Core §9), the issuer
    /// elsewhere (RFC 9126 §2, RFC 7523 §3).
    pub fn apply(&self, draft: &mut RequestDraft, audience: &str) -> Result<(), EngineError> {
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
            AuthMethod::ClientSecretJwt | AuthMethod::PrivateKeyJwt => {
                let assertion = self.assertion(audience)?;
                draft.set_param("client_id", &self.client_id);
                draft.set_param("client_assertion_type", CLIENT_ASSERTION_TYPE);
                draft.set_param("client_assertion", assertion);
                mark_secret(draft, "client_assertion");
            }
        }
        Ok(())
    }

    /// A client assertion for `audience` (RFC 7523 §3): iss = sub = client_id, a fresh jti,
    /// iat now and a short exp.
    pub fn assertion(&self, audience: &str) -> Result<String, EngineError> {
        let claims = assertion_claims(&self.client_id, &self.client_id, audience)?;
        match self.auth_method {
            AuthMethod::ClientSecretJwt => {
                let secret = self.client_secret.as_ref().ok_or_else(|| {
                    EngineError::config(
                        "client_secret_jwt signs with the client secret: give --client-secret",
                    )
                })?;
                sign_hs256(secret.secret(), "JWT", &claims)
            }
            _ => {
                let key = self.signing_key.as_ref().ok_or_else(|| {
                    EngineError::config(
                        "private_key_jwt needs the client's private key: give --private-key FILE \
                         (make one with `oauthscope keygen --out FILE` and register the JWKS it \
                         prints)",
                    )
                })?;
                key.sign_jwt("JWT", &claims)
            }
        }
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

/// The claims of a JWT assertion (RFC 7523 §3): `iss`, `sub`, `aud`, a random `jti`, `iat`
/// and `exp` [`ASSERTION_LIFETIME_SECS`] later.
pub fn assertion_claims(
    issuer: &str,
    subject: &str,
    audience: &str,
) -> Result<serde_json::Value, EngineError> {
    let mut claims = base_claims(issuer, audience, ASSERTION_LIFETIME_SECS)?;
    claims["sub"] = subject.into();
    Ok(claims)
}

/// What every JWT the client signs carries (RFC 7519 §4.1): `iss`, `aud`, a random `jti`,
/// `iat` now and `exp` `lifetime` seconds later.
pub fn base_claims(
    issuer: &str,
    audience: &str,
    lifetime: u64,
) -> Result<serde_json::Value, EngineError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| EngineError::Local("the system clock is before 1970".into()))?
        .as_secs();
    Ok(serde_json::json!({
        "iss": issuer,
        "aud": audience,
        "jti": random_token(16)?,
        "iat": now,
        "exp": now + lifetime,
    }))
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
    use crate::oauth::jwks::JwkSet;
    use crate::oauth::jwt::{Algorithm, Jwt, Verdict, check_signature_with_set};

    const AS: &str = "http://as/token";

    /// The assertion a request carries, decoded, after checking its companions.
    fn sent_assertion(draft: &RequestDraft) -> Jwt {
        assert_eq!(
            draft.param("client_assertion_type"),
            Some(CLIENT_ASSERTION_TYPE)
        );
        assert!(draft.is_secret("client_assertion"));
        assert!(draft.headers.is_empty());
        Jwt::decode(draft.param("client_assertion").unwrap()).unwrap()
    }

    fn claims_are_for(jwt: &Jwt, client_id: &str) {
        assert_eq!(jwt.claim_str("iss"), Some(client_id));
        assert_eq!(jwt.claim_str("sub"), Some(client_id));
        assert_eq!(jwt.claim_str("aud"), Some(AS));
        assert!(jwt.claim_str("jti").is_some_and(|j| j.len() >= 16));
        let claims = jwt.unverified_claims();
        let (iat, exp) = (
            claims["iat"].as_u64().unwrap(),
            claims["exp"].as_u64().unwrap(),
        );
        assert_eq!(exp - iat, ASSERTION_LIFETIME_SECS);
    }

    #[test]
    fn client_secret_jwt_is_hs256_over_the_secret() {
        let client = ClientCredentials::confidential("app", "s3cret", AuthMethod::ClientSecretJwt);
        let mut draft = RequestDraft::new("POST", AS);
        client.apply(&mut draft, AS).unwrap();
        let jwt = sent_assertion(&draft);
        assert_eq!(jwt.alg(), Some("HS256"));
        claims_are_for(&jwt, "app");
        let check = crate::oauth::jwt::check_signature_with_secret(&jwt, b"s3cret");
        assert_eq!(check.verdict, Verdict::Pass, "{check:?}");
        assert_eq!(draft.param("client_secret"), None);
    }

    #[test]
    fn private_key_jwt_signs_with_the_key_and_fresh_jtis() {
        let (key, _) = ClientKey::generate(Algorithm::ES256).unwrap();
        let jwks = JwkSet::from_value(key.public_jwks()).unwrap();
        let client = ClientCredentials::with_private_key("app", key);
        let mut first = RequestDraft::new("POST", AS);
        client.apply(&mut first, AS).unwrap();
        let jwt = sent_assertion(&first);
        claims_are_for(&jwt, "app");
        assert_eq!(check_signature_with_set(&jwt, &jwks).verdict, Verdict::Pass);
        let mut second = RequestDraft::new("POST", AS);
        client.apply(&mut second, AS).unwrap();
        assert_ne!(
            sent_assertion(&second).claim_str("jti"),
            jwt.claim_str("jti")
        );
        assert!(!format!("{client:?}").contains(first.param("client_assertion").unwrap()));
    }

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
        client.apply(&mut draft, AS).unwrap();
        assert_eq!(draft.param("client_secret"), Some("s3cret"));
        assert!(draft.is_secret("client_secret"));
        assert!(draft.headers.is_empty());
    }

    #[test]
    fn none_sends_only_the_client_id() {
        let mut draft = RequestDraft::new("POST", "http://as/token");
        ClientCredentials::public("spa")
            .apply(&mut draft, AS)
            .unwrap();
        assert_eq!(draft.params, vec![("client_id".into(), "spa".into())]);
    }

    #[test]
    fn secret_methods_without_a_secret_say_so() {
        let client = ClientCredentials {
            client_id: "app".into(),
            client_secret: None,
            auth_method: AuthMethod::ClientSecretBasic,
            signing_key: None,
        };
        let err = client
            .apply(&mut RequestDraft::new("POST", "http://as/token"), AS)
            .unwrap_err();
        assert!(err.to_string().contains("needs a client secret"));
        assert!("client_secret_jot".parse::<AuthMethod>().is_err());
        for method in AuthMethod::ALL {
            assert_eq!(method.as_str().parse::<AuthMethod>().unwrap(), method);
        }
        let keyless = ClientCredentials {
            auth_method: AuthMethod::PrivateKeyJwt,
            ..client
        };
        let err = keyless
            .apply(&mut RequestDraft::new("POST", "http://as/token"), AS)
            .unwrap_err();
        assert!(err.to_string().contains("--private-key"), "{err}");
    }

    #[test]
    fn debug_redacts_the_secret() {
        let client =
            ClientCredentials::confidential("app", "s3cret", AuthMethod::ClientSecretBasic);
        assert!(!format!("{client:?}").contains("s3cret"));
    }
}
