//! Signing keys: an RS256 and an ES256 key pair (aws-lc-rs), the JWKS that publishes them, and
//! compact JWS signing.
//!
//! RSA-2048 generation takes tens of milliseconds, so keys are made in a background task and
//! the server starts answering at once; a handler that needs a key waits for it.

use std::sync::Arc;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair,
    RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair, UnparsedPublicKey,
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

/// One private key with its public JWK: what the mock signs tokens with. Public so benchmarks
/// and tests can mint tokens the same way the server does.
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

    /// The key id: its RFC 7638 thumbprint.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWK with kid, use and alg (RFC 7517 §4).
    pub fn public_jwk(&self) -> &Value {
        &self.jwk
    }

    /// Signs `claims` as a compact JWS (RFC 7515 §7.1) with the given `typ` header.
    pub fn sign_jwt(&self, typ: &str, claims: &impl Serialize) -> Result<String, MockError> {
        let unserializable = |err: serde_json::Error| MockError::Signing(err.to_string());
        let header = serde_json::to_vec(&JwsHeader {
            alg: self.alg.as_str(),
            kid: &self.kid,
            typ,
        })
        .map_err(unserializable)?;
        let payload = serde_json::to_vec(claims).map_err(unserializable)?;
        // One allocation for the whole token: base64url makes 4 characters of every 3 bytes.
        let encoded = |bytes: usize| bytes.div_ceil(3) * 4;
        let mut jws = String::with_capacity(
            encoded(header.len()) + encoded(payload.len()) + encoded(self.signature_len()) + 2,
        );
        URL_SAFE_NO_PAD.encode_string(header, &mut jws);
        jws.push('.');
        URL_SAFE_NO_PAD.encode_string(payload, &mut jws);
        let signature = self.sign(jws.as_bytes())?;
        jws.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut jws);
        Ok(jws)
    }

    /// The length of this key's signatures, in bytes.
    fn signature_len(&self) -> usize {
        match &self.material {
            KeyMaterial::Rsa(pair) => pair.public_modulus_len(),
            // RFC 7518 §3.4: R and S, 32 bytes each.
            KeyMaterial::Ec(_) => 64,
        }
    }

    /// Whether `signature` over `message` was made by this key.
    fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        match &self.material {
            KeyMaterial::Rsa(pair) => {
                UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, pair.public_key().as_ref())
                    .verify(message, signature)
                    .is_ok()
            }
            KeyMaterial::Ec(pair) => {
                UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, pair.public_key().as_ref())
                    .verify(message, signature)
                    .is_ok()
            }
        }
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, MockError> {
        let rng = SystemRandom::new();
        let failed = || MockError::Signing(format!("{} signature failed", self.alg.as_str()));
        match &self.material {
            KeyMaterial::Rsa(pair) => {
                let mut signature = vec![0; self.signature_len()];
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

/// The protected header of the tokens the mock signs (RFC 7515 §4.1), members in
/// lexicographic order like every JSON object the mock writes.
#[derive(Serialize)]
struct JwsHeader<'a> {
    alg: &'a str,
    kid: &'a str,
    typ: &'a str,
}

/// A key still published (and still verifying) after rotation, until the tokens it signed
/// have expired.
struct RetiredKey {
    key: Arc<SigningKey>,
    publish_until: u64,
}

/// The keys in use: both algorithms, plus retired public keys.
pub struct KeyRing {
    signing_alg: SigningAlg,
    rsa: Arc<SigningKey>,
    ec: Arc<SigningKey>,
    retired: Vec<RetiredKey>,
}

impl KeyRing {
    pub fn generate(signing_alg: SigningAlg) -> Result<Self, MockError> {
        Ok(KeyRing {
            signing_alg,
            rsa: Arc::new(SigningKey::generate(SigningAlg::RS256)?),
            ec: Arc::new(SigningKey::generate(SigningAlg::ES256)?),
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
                .map(|k| k.key.public_jwk().clone()),
        );
        json!({ "keys": keys })
    }

    /// The claims of a compact JWS with header `typ` that one of this server's keys (current,
    /// or retired but still published) signed; `None` if anything does not check out.
    pub fn verified_claims(&self, jws: &str, typ: &str, now: u64) -> Option<Value> {
        let (signing_input, signature) = jws.rsplit_once('.')?;
        let (header, payload) = signing_input.split_once('.')?;
        let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
        if header["typ"] != typ {
            return None;
        }
        // RFC 7515 §4.1.11: extensions named in `crit` must be understood or the JWS refused.
        // This server understands none and never signs with one, so any `crit` (a list, an
        // empty list or a malformed value alike) is refused.
        if header.get("crit").is_some() {
            return None;
        }
        let kid = header["kid"].as_str()?;
        let key = [&self.rsa, &self.ec]
            .into_iter()
            .chain(
                self.retired
                    .iter()
                    .filter(|k| k.publish_until > now)
                    .map(|k| &k.key),
            )
            .find(|k| k.kid == kid)?;
        // The algorithm comes from our key, never from the token (no `alg` confusion).
        if header["alg"] != key.alg.as_str() {
            return None;
        }
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        if !key.verifies(signing_input.as_bytes(), &signature) {
            return None;
        }
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
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
                key: Arc::clone(&k.key),
                publish_until: k.publish_until,
            })
            .collect();
        for key in [&self.rsa, &self.ec] {
            next.retired.push(RetiredKey {
                key: Arc::clone(key),
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
        // Once the keys exist (every request but the first few), no receiver is needed.
        if let KeyState::Ready(ring) = &*self.state.borrow() {
            return Ok(Arc::clone(ring));
        }
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

    #[test]
    fn own_tokens_verify_and_tampered_ones_do_not() {
        let ring = KeyRing::generate(SigningAlg::RS256).unwrap();
        let token = ring
            .signer()
            .sign_jwt("at+jwt", &json!({"client_id": "c"}))
            .unwrap();
        let claims = ring.verified_claims(&token, "at+jwt", 0).unwrap();
        assert_eq!(claims["client_id"], "c");
        assert!(ring.verified_claims(&token, "JWT", 0).is_none());

        let (input, _) = token.rsplit_once('.').unwrap();
        let (header, _) = input.split_once('.').unwrap();
        let forged_payload = URL_SAFE_NO_PAD.encode(br#"{"client_id":"admin"}"#);
        let forged = format!(
            "{header}.{forged_payload}.{}",
            token.rsplit_once('.').unwrap().1
        );
        assert!(ring.verified_claims(&forged, "at+jwt", 0).is_none());

        let other = KeyRing::generate(SigningAlg::ES256).unwrap();
        let foreign = other
            .signer()
            .sign_jwt("at+jwt", &json!({"client_id": "c"}))
            .unwrap();
        assert!(ring.verified_claims(&foreign, "at+jwt", 0).is_none());
        for garbage in ["", "a.b", "a.b.c", "...", "eyJ9.eyJ9.AAAA"] {
            assert!(ring.verified_claims(garbage, "at+jwt", 0).is_none());
        }
    }

    /// A JWS with our key and kid, but a header of the test's choosing.
    fn signed_with_header(key: &SigningKey, header: Value) -> String {
        let mut jws = URL_SAFE_NO_PAD.encode(header.to_string());
        jws.push('.');
        jws.push_str(&URL_SAFE_NO_PAD.encode(br#"{"client_id":"c"}"#));
        let signature = key.sign(jws.as_bytes()).unwrap();
        format!("{jws}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    #[test]
    fn a_crit_header_in_any_form_is_refused() {
        let ring = KeyRing::generate(SigningAlg::ES256).unwrap();
        let key = ring.signer();
        let base = json!({"alg": "ES256", "kid": key.kid(), "typ": "at+jwt"});
        let plain = signed_with_header(key, base.clone());
        assert!(ring.verified_claims(&plain, "at+jwt", 0).is_some());
        let crits = [
            json!({"crit": ["urn:example:unknown"], "urn:example:unknown": true}),
            json!({"crit": ["b64"], "b64": false}),
            json!({"crit": "exp"}),
            json!({"crit": []}),
            json!({"crit": null}),
        ];
        for extra in crits {
            let mut header = base.clone();
            header
                .as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            let token = signed_with_header(key, header);
            assert!(
                ring.verified_claims(&token, "at+jwt", 0).is_none(),
                "{extra}"
            );
        }
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
