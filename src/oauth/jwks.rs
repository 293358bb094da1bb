//! JSON Web Keys (RFC 7517): parsing a key set, finding a key for a token, and a
//! [`KeyStore`] that fetches a server's `jwks_uri` and refetches it once when a token names a
//! key it does not hold (the server may have rotated its keys since the last fetch).

use std::fmt;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::error::EngineError;
use super::exchange::Exchange;
use super::http::RecordingClient;
use super::response::expect_json;
use super::secret::Secret;
use super::step::RequestDraft;

/// One JSON Web Key. Only the members the engine reads are named; the rest are kept.
/// `Debug` redacts `k` and shows only the names of the other members (a private key's `d`
/// is among them).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    /// RSA modulus and exponent (RFC 7518 §6.3.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    /// EC / OKP public coordinates (RFC 7518 §6.2.1, RFC 8037 §2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    /// Symmetric key value (RFC 7518 §6.4). Secret: never serialized back out.
    #[serde(default, skip_serializing)]
    pub k: Option<Secret>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Jwk {
    /// A short name for messages: its kid, or its type when it has none.
    pub fn label(&self) -> String {
        match &self.kid {
            Some(kid) => format!("key {kid:?}"),
            None => format!("the {} key without kid", self.kty),
        }
    }

    /// Decodes a base64url member (`n`, `e`, `x`, `y`, `k`).
    pub fn member(&self, name: &str) -> Result<Vec<u8>, EngineError> {
        let value = match name {
            "n" => self.n.as_deref(),
            "e" => self.e.as_deref(),
            "x" => self.x.as_deref(),
            "y" => self.y.as_deref(),
            "k" => self.k.as_ref().map(Secret::secret),
            _ => None,
        };
        let value = value
            .ok_or_else(|| EngineError::Jwt(format!("{} has no {name:?} member", self.label())))?;
        b64url_decode(value)
            .map_err(|_| EngineError::Jwt(format!("{}: {name:?} is not base64url", self.label())))
    }
}

impl fmt::Debug for Jwk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jwk")
            .field("kty", &self.kty)
            .field("kid", &self.kid)
            .field("use", &self.use_)
            .field("alg", &self.alg)
            .field("crv", &self.crv)
            .field("n", &self.n)
            .field("e", &self.e)
            .field("x", &self.x)
            .field("y", &self.y)
            .field("k", &self.k)
            .field("other_members", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Base64url as JOSE uses it (RFC 7515 §2): no padding, but padded input is tolerated.
pub fn b64url_decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    const ENGINE: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    ENGINE.decode(text)
}

/// A JWK Set (RFC 7517 §5).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

impl JwkSet {
    /// Parses a JWK Set, or a single JWK (handy for a key file).
    pub fn parse(text: &str) -> Result<Self, EngineError> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| EngineError::Jwt(format!("the JWKS is not JSON: {e}")))?;
        Self::from_value(value)
    }

    pub fn from_value(value: serde_json::Value) -> Result<Self, EngineError> {
        if value.get("keys").is_some() {
            serde_json::from_value(value)
                .map_err(|e| EngineError::Jwt(format!("not a valid JWK Set: {e}")))
        } else if value.get("kty").is_some() {
            let key: Jwk = serde_json::from_value(value)
                .map_err(|e| EngineError::Jwt(format!("not a valid JWK: {e}")))?;
            Ok(JwkSet { keys: vec![key] })
        } else {
            Err(EngineError::Jwt(
                "neither a JWK Set (no \"keys\") nor a JWK (no \"kty\")".into(),
            ))
        }
    }

    pub fn by_kid(&self, kid: &str) -> Vec<&Jwk> {
        self.keys
            .iter()
            .filter(|k| k.kid.as_deref() == Some(kid))
            .collect()
    }

    pub fn has_kid(&self, kid: &str) -> bool {
        !self.by_kid(kid).is_empty()
    }
}

/// Where the keys come from.
#[derive(Debug, Clone)]
pub enum JwksSource {
    /// A server's `jwks_uri`, fetched on first use and refetched once on an unknown kid.
    Url(String),
    /// Keys given directly (a file, a test fixture).
    Inline(JwkSet),
}

/// A cache of one key source.
#[derive(Debug, Clone)]
pub struct KeyStore {
    source: JwksSource,
    cached: Option<JwkSet>,
    /// Every JWKS request made, for the step that caused it to show.
    pub exchanges: Vec<Exchange>,
}

impl KeyStore {
    pub fn from_url(url: impl Into<String>) -> Self {
        KeyStore {
            source: JwksSource::Url(url.into()),
            cached: None,
            exchanges: Vec::new(),
        }
    }

    pub fn from_set(set: JwkSet) -> Self {
        KeyStore {
            cached: Some(set.clone()),
            source: JwksSource::Inline(set),
            exchanges: Vec::new(),
        }
    }

    pub fn source(&self) -> &JwksSource {
        &self.source
    }

    /// The keys, fetching them on first use.
    pub async fn keys(&mut self, client: &RecordingClient) -> Result<&JwkSet, EngineError> {
        if self.cached.is_none() {
            self.fetch(client).await?;
        }
        self.cached
            .as_ref()
            .ok_or_else(|| EngineError::Jwt("no keys".into()))
    }

    /// Fetches the keys again. Returns false for inline keys (nothing to refetch).
    pub async fn refetch(&mut self, client: &RecordingClient) -> Result<bool, EngineError> {
        match self.source {
            JwksSource::Url(_) => {
                self.fetch(client).await?;
                Ok(true)
            }
            JwksSource::Inline(_) => Ok(false),
        }
    }

    async fn fetch(&mut self, client: &RecordingClient) -> Result<(), EngineError> {
        let JwksSource::Url(url) = &self.source else {
            return Ok(());
        };
        let exchange = client.send(&RequestDraft::new("GET", url)).await;
        self.exchanges.push(exchange.clone());
        let value: serde_json::Value = expect_json(&exchange, "JWK Set", &[200])?;
        self.cached = Some(JwkSet::from_value(value)?);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_the_symmetric_key_and_private_members() {
        let set = JwkSet::parse(
            r#"{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0LWtleS12YWx1ZQ"},{"kty":"EC","crv":"P-256","x":"AA","y":"AA","d":"cHJpdmF0ZS1kLXZhbHVl"}]}"#,
        )
        .unwrap();
        let shown = format!("{set:?}");
        assert!(!shown.contains("c2VjcmV0LWtleS12YWx1ZQ"), "{shown}");
        assert!(!shown.contains("cHJpdmF0ZS1kLXZhbHVl"), "{shown}");
        assert!(shown.contains("\"d\""), "{shown}");
        assert_eq!(set.keys[0].member("k").unwrap(), b"secret-key-value");
    }

    #[test]
    fn parses_a_set_or_a_single_key() {
        let set = JwkSet::parse(r#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"a"}]}"#).unwrap();
        assert!(set.has_kid("a"));
        let one = JwkSet::parse(r#"{"kty":"oct","k":"c2VjcmV0"}"#).unwrap();
        assert_eq!(one.keys[0].member("k").unwrap(), b"secret");
        assert!(JwkSet::parse(r#"{"foo":1}"#).is_err());
        assert!(JwkSet::parse("<html>").is_err());
    }

    #[test]
    fn symmetric_key_is_never_serialized() {
        let one = JwkSet::parse(r#"{"kty":"oct","k":"c2VjcmV0"}"#).unwrap();
        assert!(!serde_json::to_string(&one).unwrap().contains("c2VjcmV0"));
    }
}
