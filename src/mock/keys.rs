//! Signing keys: an RS256 and an ES256 key pair (aws-lc-rs), the JWKS that publishes them, and
//! compact JWS signing.
//!
//! RSA-2048 generation takes tens of milliseconds, so keys are made in a background task and
//! the server starts answering at once; a handler that needs a key waits for it.

use std::sync::Arc;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::watch;

use super::config::SigningAlg;
use super::errors::MockError;
use super::secrets::sha256_b64url;

enum KeyMaterial {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

/// One private key with its public JWK.
pub struct SigningKey {
    alg: SigningAlg,
    kid: String,
    jwk: Value,
    material: KeyMaterial,
}

impl SigningKey {
    pub fn generate(alg: SigningAlg) -> Result<Self, MockError> {
        let fail = |what: &str| MockError::Keys(format!("{what} key generation failed"));
        let (material, mut jwk) = match alg {
            SigningAlg::RS256 => {
                let pair = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| fail("RSA"))?;
                let public = pair.public_key();
                // Members in lexicographic order: this is also the RFC 7638 thumbprint input.
                let jwk = json!({
                    "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
                    "kty": "RSA",
                    "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
                });
                (KeyMaterial::Rsa(pair), jwk)
            }
            SigningAlg::ES256 => {
                let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
                    .map_err(|_| fail("P-256"))?;
                // Uncompressed point: 0x04 || x (32 bytes) || y (32 bytes).
                let point = pair.public_key().as_ref();
                if point.len() != 65 {
                    return Err(fail("P-256"));
                }
                let jwk = json!({
                    "crv": "P-256",
                    "kty": "EC",
                    "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
                    "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
                });
                (KeyMaterial::Ec(pair), jwk)
            }
        };
        // RFC 7638: the thumbprint hashes the required members serialized without whitespace
        // in lexicographic order, which is how serde_json writes this `json!` map.
        let kid = sha256_b64url(jwk.to_string().as_bytes());
        if let Value::Object(members) = &mut jwk {
            members.insert("kid".into(), Value::String(kid.clone()));
            members.insert("use".into(), Value::String("sig".into()));
            members.insert("alg".into(), Value::String(alg.as_str().into()));
        }
        Ok(SigningKey {
            alg,
            kid,
            jwk,
            material,
        })
    }

    #[cfg(test)]
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWK with kid, use and alg (RFC 7517 §4).
    pub fn public_jwk(&self) -> &Value {
        &self.jwk
    }

    /// Signs `claims` as a compact JWS (RFC 7515 §7.1) with the given `typ` header.
    pub fn sign_jwt(&self, typ: &str, claims: &impl Serialize) -> Result<String, MockError> {
        let header = json!({"alg": self.alg.as_str(), "kid": self.kid, "typ": typ});
        let payload =
            serde_json::to_vec(claims).map_err(|err| MockError::Signing(err.to_string()))?;
        let mut jws = URL_SAFE_NO_PAD.encode(header.to_string());
        jws.push('.');
        jws.push_str(&URL_SAFE_NO_PAD.encode(payload));
        let signature = self.sign(jws.as_bytes())?;
        jws.push('.');
        jws.push_str(&URL_SAFE_NO_PAD.encode(signature));
        Ok(jws)
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, MockError> {
        let rng = SystemRandom::new();
        let failed = || MockError::Signing(format!("{} signature failed", self.alg.as_str()));
        match &self.material {
            KeyMaterial::Rsa(pair) => {
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(&RSA_PKCS1_SHA256, &rng, message, &mut signature)
                    .map_err(|_| failed())?;
                Ok(signature)
            }
            KeyMaterial::Ec(pair) => pair
                .sign(&rng, message)
                .map(|sig| sig.as_ref().to_vec())
                .map_err(|_| failed()),
        }
    }
}

/// A public key still published after rotation, until the tokens it signed have expired.
struct RetiredKey {
    jwk: Value,
    publish_until: u64,
}

/// The keys in use: both algorithms, plus retired public keys.
pub struct KeyRing {
    signing_alg: SigningAlg,
    rsa: SigningKey,
    ec: SigningKey,
    retired: Vec<RetiredKey>,
}

impl KeyRing {
    pub fn generate(signing_alg: SigningAlg) -> Result<Self, MockError> {
        Ok(KeyRing {
            signing_alg,
            rsa: SigningKey::generate(SigningAlg::RS256)?,
            ec: SigningKey::generate(SigningAlg::ES256)?,
            retired: Vec::new(),
        })
    }

    /// The key that signs tokens.
    pub fn signer(&self) -> &SigningKey {
        match self.signing_alg {
            SigningAlg::RS256 => &self.rsa,
            SigningAlg::ES256 => &self.ec,
        }
    }

    /// `{"keys": [...]}`: current keys first, then retired ones still within their window.
    pub fn jwks(&self, now: u64) -> Value {
        let mut keys = vec![self.rsa.public_jwk().clone(), self.ec.public_jwk().clone()];
        keys.extend(
            self.retired
                .iter()
                .filter(|k| k.publish_until > now)
                .map(|k| k.jwk.clone()),
        );
        json!({ "keys": keys })
    }

    /// New keys; the current public keys stay published until `publish_until` (the moment the
    /// last token they signed expires).
    fn rotated(&self, now: u64, publish_until: u64) -> Result<Self, MockError> {
        let mut next = KeyRing::generate(self.signing_alg)?;
        next.retired = self
            .retired
            .iter()
            .filter(|k| k.publish_until > now)
            .map(|k| RetiredKey {
                jwk: k.jwk.clone(),
                publish_until: k.publish_until,
            })
            .collect();
        for key in [&self.rsa, &self.ec] {
            next.retired.push(RetiredKey {
                jwk: key.public_jwk().clone(),
                publish_until,
            });
        }
        Ok(next)
    }
}

#[derive(Clone)]
enum KeyState {
    Generating,
    Ready(Arc<KeyRing>),
    Failed(String),
}

/// Shared handle to the key ring, ready or still being generated.
#[derive(Clone)]
pub struct Keys {
    state: watch::Sender<KeyState>,
}

impl Keys {
    /// Starts generating in the background and returns at once.
    pub fn generate_in_background(signing_alg: SigningAlg) -> Self {
        let (state, _) = watch::channel(KeyState::Generating);
        let keys = Keys { state };
        let sender = keys.state.clone();
        tokio::task::spawn_blocking(move || {
            let next = match KeyRing::generate(signing_alg) {
                Ok(ring) => KeyState::Ready(Arc::new(ring)),
                Err(err) => KeyState::Failed(err.to_string()),
            };
            sender.send_replace(next);
        });
        keys
    }

    /// The key ring, waiting for generation to finish if needed.
    pub async fn ring(&self) -> Result<Arc<KeyRing>, MockError> {
        let mut receiver = self.state.subscribe();
        let state = receiver
            .wait_for(|s| !matches!(s, KeyState::Generating))
            .await
            .map_err(|_| MockError::Keys("key generation was abandoned".into()))?
            .clone();
        match state {
            KeyState::Ready(ring) => Ok(ring),
            KeyState::Failed(why) => Err(MockError::Keys(why)),
            KeyState::Generating => Err(MockError::Keys("keys are not ready".into())),
        }
    }

    /// Replaces both signing keys; old public keys stay in the JWKS until `publish_until`.
    pub async fn rotate(&self, now: u64, publish_until: u64) -> Result<(), MockError> {
        let current = self.ring().await?;
        let next = tokio::task::spawn_blocking(move || current.rotated(now, publish_until))
            .await
            .map_err(|err| MockError::Keys(err.to_string()))??;
        self.state.send_replace(KeyState::Ready(Arc::new(next)));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::jwk::Jwk;
    use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};

    fn verifies(key: &SigningKey, alg: Algorithm) {
        let token = key
            .sign_jwt("at+jwt", &json!({"sub": "alice", "exp": 4_000_000_000u64}))
            .unwrap();
        let jwk: Jwk = serde_json::from_value(key.public_jwk().clone()).unwrap();
        let decoding = DecodingKey::from_jwk(&jwk).unwrap();
        let mut validation = Validation::new(alg);
        validation.validate_aud = false;
        let data = decode::<Value>(&token, &decoding, &validation).unwrap();
        assert_eq!(data.claims["sub"], "alice");
        assert_eq!(data.header.kid.as_deref(), Some(key.kid()));
        assert_eq!(data.header.typ.as_deref(), Some("at+jwt"));
    }

    #[test]
    fn rs256_tokens_verify_against_the_published_jwk() {
        verifies(
            &SigningKey::generate(SigningAlg::RS256).unwrap(),
            Algorithm::RS256,
        );
    }

    #[test]
    fn es256_tokens_verify_against_the_published_jwk() {
        verifies(
            &SigningKey::generate(SigningAlg::ES256).unwrap(),
            Algorithm::ES256,
        );
    }

    #[test]
    fn jwk_has_kid_use_alg_and_no_private_parts() {
        let key = SigningKey::generate(SigningAlg::ES256).unwrap();
        let jwk = key.public_jwk();
        assert_eq!(jwk["use"], "sig");
        assert_eq!(jwk["alg"], "ES256");
        assert_eq!(jwk["kid"], key.kid());
        assert!(jwk.get("d").is_none());
    }

    #[tokio::test]
    async fn rotation_keeps_old_keys_until_their_tokens_expire() {
        let keys = Keys::generate_in_background(SigningAlg::RS256);
        let old_kid = keys.ring().await.unwrap().signer().kid().to_owned();
        keys.rotate(1_000, 4_600).await.unwrap();
        let ring = keys.ring().await.unwrap();
        assert_ne!(ring.signer().kid(), old_kid);
        let kids = |now| -> Vec<String> {
            ring.jwks(now)["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["kid"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(kids(4_599).len(), 4);
        assert!(kids(4_599).contains(&old_kid));
        assert_eq!(kids(4_600).len(), 2);
    }
}
