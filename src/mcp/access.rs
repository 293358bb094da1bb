//! Who may call `oauthscope mcp --http`: the checks a resource server makes on a Bearer
//! access token before it serves an MCP request (MCP 2025-11-25 "Authorization", §"Token
//! Handling"). The token must be a JWT access token (RFC 9068 §2.1, `typ: at+jwt`), signed by
//! a key in the issuer's JWKS, issued by that issuer, for this resource (`aud`, RFC 8707 §2,
//! RFC 9068 §4), unexpired, and carry the scope the server needs (RFC 6750 §3.1). The token
//! is only read here; it is never sent anywhere (MCP: no token passthrough).
//!
//! The keys are fetched once through the engine's discovery and kept; a token naming a `kid`
//! the cached set lacks triggers one refetch (key rotation), at most once a minute, so a
//! stream of forged kids cannot turn this server into a JWKS hammer.

use std::time::{Duration, Instant, SystemTime};

use axum::http::HeaderMap;
use tokio::sync::Mutex;

use crate::oauth::jwks::{JwkSet, KeyStore};
use crate::oauth::jwt::{self, ClaimRules, Jwt};
use crate::oauth::{EngineError, RecordingClient, discovery};
use crate::resource_server::{Refusal, bearer_token};

/// How long a JWKS is trusted before a token with an unknown `kid` may refetch it.
const REFETCH_AFTER: Duration = Duration::from_secs(60);

/// The token rules of one protected resource.
pub struct Access {
    issuer: String,
    resource: String,
    scope: String,
    keys: Mutex<Keys>,
}

#[derive(Default)]
struct Keys {
    set: Option<JwkSet>,
    fetched: Option<Instant>,
}

impl Access {
    /// Tokens from `issuer`, for `resource`, with `scope`.
    pub fn new(issuer: impl Into<String>, resource: impl Into<String>, scope: &str) -> Self {
        Access {
            issuer: issuer.into(),
            resource: resource.into(),
            scope: scope.to_owned(),
            keys: Mutex::new(Keys::default()),
        }
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn resource(&self) -> &str {
        &self.resource
    }

    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// Lets the request in, or says why not.
    pub async fn check(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        let token = match bearer_token(headers) {
            Ok(Some(token)) => token,
            Ok(None) => return Err(Refusal::NoToken),
            Err(rule) => return Err(Refusal::invalid_request(rule)),
        };
        let jwt = Jwt::decode(&token).map_err(|err| {
            Refusal::invalid_token(format!(
                "the access token is not a JWT access token ({err}; RFC 9068 section 2.1)"
            ))
        })?;
        check_type(&jwt)?;
        let keys = self.keys_for(&jwt).await?;
        let rules = ClaimRules {
            now: SystemTime::now(),
            issuer: Some(self.issuer.clone()),
            audience: Some(self.resource.clone()),
            require_exp: true,
            ..ClaimRules::default()
        };
        let verification = jwt::verify_with_set(&jwt, &keys, &rules);
        if let Some(failure) = verification.failures().next() {
            return Err(Refusal::invalid_token(
                self.explain(failure.check, &failure.detail),
            ));
        }
        let granted = jwt.claim_str("scope").unwrap_or_default();
        if !granted.split(' ').any(|s| s == self.scope) {
            return Err(Refusal::Scope(format!(
                "this MCP server needs scope `{}`; the token has `{granted}` (RFC 6750 section \
                 3.1)",
                self.scope
            )));
        }
        Ok(())
    }

    /// A failed check in words, with the rule behind it.
    fn explain(&self, check: &str, detail: &str) -> String {
        match check {
            "aud" => format!(
                "the access token is not for this server ({detail}): ask for it with \
                 resource={} (RFC 8707 section 2, RFC 9068 section 4)",
                self.resource
            ),
            "iss" => format!(
                "the access token was not issued by this server's authorization server {} \
                 ({detail}; RFC 9068 section 4)",
                self.issuer
            ),
            "exp" => format!("the access token is expired: {detail} (RFC 9068 section 4)"),
            "signature" => format!(
                "the access token's signature does not verify with the keys of {}: {detail} \
                 (RFC 9068 section 4)",
                self.issuer
            ),
            other => {
                format!("the access token's {other} check failed: {detail} (RFC 9068 section 4)")
            }
        }
    }

    /// The issuer's keys: fetched on first use, and again for an unknown `kid` when the set
    /// is older than [`REFETCH_AFTER`].
    async fn keys_for(&self, jwt: &Jwt) -> Result<JwkSet, Refusal> {
        let mut keys = self.keys.lock().await;
        let stale = keys.fetched.is_none_or(|at| at.elapsed() >= REFETCH_AFTER);
        let unknown_kid = match (&keys.set, jwt.kid()) {
            (None, _) => true,
            (Some(set), Some(kid)) => !set.has_kid(kid),
            (Some(_), None) => false,
        };
        if keys.set.is_none() || (unknown_kid && stale) {
            let fetched = self.fetch_keys().await.map_err(|err| {
                Refusal::server(format!(
                    "cannot get the signing keys of {}: {err}",
                    self.issuer
                ))
            })?;
            keys.set = Some(fetched);
            keys.fetched = Some(Instant::now());
        }
        keys.set
            .clone()
            .ok_or_else(|| Refusal::server("no signing keys"))
    }

    /// Discovery (RFC 8414 / OIDC) for `jwks_uri`, then the keys. A fresh client each time, so
    /// its record of the exchanges does not grow over the life of the server.
    async fn fetch_keys(&self) -> Result<JwkSet, EngineError> {
        let client = RecordingClient::new()?;
        let found = discovery::discover(&client, &self.issuer).await?;
        let jwks_uri = found.metadata.jwks_uri.ok_or_else(|| {
            EngineError::Jwt(format!(
                "the metadata of {} has no jwks_uri (RFC 8414 section 2), so no token can be \
                 verified",
                self.issuer
            ))
        })?;
        let mut store = KeyStore::from_url(jwks_uri);
        store.keys(&client).await.cloned()
    }
}

/// RFC 9068 §4: the `typ` header must be `at+jwt` (or `application/at+jwt`), so an ID token
/// or any other JWT from the same issuer cannot be used as an access token.
fn check_type(jwt: &Jwt) -> Result<(), Refusal> {
    let typ = jwt
        .unverified_header()
        .get("typ")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    if typ.eq_ignore_ascii_case("at+jwt") || typ.eq_ignore_ascii_case("application/at+jwt") {
        Ok(())
    } else {
        Err(Refusal::invalid_token(format!(
            "the token's typ is `{typ}`, not `at+jwt`: only JWT access tokens are accepted \
             (RFC 9068 section 4)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderValue, StatusCode, header};

    use super::*;

    fn with_auth(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static(value));
        headers
    }

    fn access() -> Access {
        // The issuer is never reached: every case here fails before the keys are needed.
        Access::new("http://127.0.0.1:1", "http://127.0.0.1:2/mcp", "mcp:tools")
    }

    #[tokio::test]
    async fn no_token_is_a_bare_challenge() {
        assert_eq!(
            access().check(&HeaderMap::new()).await,
            Err(Refusal::NoToken)
        );
    }

    #[tokio::test]
    async fn an_opaque_token_is_invalid_token() {
        let refusal = access()
            .check(&with_auth("Bearer opaque"))
            .await
            .unwrap_err();
        assert_eq!(refusal.status(), StatusCode::UNAUTHORIZED);
        assert!(
            format!("{refusal:?}").contains("RFC 9068 section 2.1"),
            "{refusal:?}"
        );
    }

    #[tokio::test]
    async fn an_id_token_is_not_an_access_token() {
        // {"alg":"RS256","typ":"JWT"} . {"sub":"alice"} . signature
        let refusal = access()
            .check(&with_auth(
                "Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSJ9.c2ln",
            ))
            .await
            .unwrap_err();
        assert!(
            format!("{refusal:?}").contains("not `at+jwt`"),
            "{refusal:?}"
        );
    }
}
