//! Signing keys for tests and benches: fresh aws-lc-rs keys for every algorithm the engine
//! verifies, with their public JWKs, and a compact-JWS signer. Shared by unit tests, the
//! integration tests and the JWT bench (each includes this file with `#[path]`).
#![allow(dead_code)]

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

enum Signer {
    Rsa(RsaKeyPair, &'static dyn signature::RsaEncoding),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
    Hmac(Box<aws_lc_rs::hmac::Key>),
}

/// A key that signs tokens for one algorithm, and its public JWK.
pub struct TestKey {
    pub alg: &'static str,
    pub kid: String,
    /// The public JWK (for `oct`, the secret itself: that is what a symmetric JWK is).
    pub jwk: Value,
    signer: Signer,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Reads `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }` (DER).
fn rsa_public_components(der: &[u8]) -> (Vec<u8>, Vec<u8>) {
    fn read_len(der: &[u8], pos: &mut usize) -> usize {
        let first = der[*pos];
        *pos += 1;
        if first < 0x80 {
            return first as usize;
        }
        let count = (first & 0x7f) as usize;
        let mut len = 0;
        for _ in 0..count {
            len = (len << 8) | der[*pos] as usize;
            *pos += 1;
        }
        len
    }
    let mut pos = 1; // SEQUENCE tag
    read_len(der, &mut pos);
    let mut ints = Vec::new();
    for _ in 0..2 {
        pos += 1; // INTEGER tag
        let len = read_len(der, &mut pos);
        let mut value = der[pos..pos + len].to_vec();
        while value.first() == Some(&0) {
            value.remove(0);
        }
        ints.push(value);
        pos += len;
    }
    let e = ints.pop().unwrap();
    let n = ints.pop().unwrap();
    (n, e)
}

impl TestKey {
    /// A fresh key for `alg` (RS*, PS*, ES256, ES384, EdDSA, HS*).
    pub fn generate(alg: &'static str, kid: &str) -> TestKey {
        let (signer, jwk) = match alg {
            "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" => {
                let pair = RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
                let (n, e) = rsa_public_components(pair.public_key().as_ref());
                let encoding: &'static dyn signature::RsaEncoding = match alg {
                    "RS256" => &signature::RSA_PKCS1_SHA256,
                    "RS384" => &signature::RSA_PKCS1_SHA384,
                    "RS512" => &signature::RSA_PKCS1_SHA512,
                    "PS256" => &signature::RSA_PSS_SHA256,
                    "PS384" => &signature::RSA_PSS_SHA384,
                    _ => &signature::RSA_PSS_SHA512,
                };
                (
                    Signer::Rsa(pair, encoding),
                    json!({"kty": "RSA", "n": b64(&n), "e": b64(&e)}),
                )
            }
            "ES256" | "ES384" => {
                let (alg_ref, crv, len) = if alg == "ES256" {
                    (&signature::ECDSA_P256_SHA256_FIXED_SIGNING, "P-256", 32)
                } else {
                    (&signature::ECDSA_P384_SHA384_FIXED_SIGNING, "P-384", 48)
                };
                let pair = EcdsaKeyPair::generate(alg_ref).unwrap();
                let point = pair.public_key().as_ref().to_vec();
                let jwk = json!({
                    "kty": "EC", "crv": crv,
                    "x": b64(&point[1..1 + len]), "y": b64(&point[1 + len..]),
                });
                (Signer::Ec(pair), jwk)
            }
            "EdDSA" => {
                let pair = Ed25519KeyPair::generate().unwrap();
                let jwk =
                    json!({"kty": "OKP", "crv": "Ed25519", "x": b64(pair.public_key().as_ref())});
                (Signer::Ed(pair), jwk)
            }
            "HS256" | "HS384" | "HS512" => {
                return TestKey::hmac(
                    alg,
                    kid,
                    b"a shared secret of at least 64 bytes, enough for HS512's block!!",
                );
            }
            other => panic!("no test key for {other}"),
        };
        let mut jwk = jwk;
        jwk["kid"] = json!(kid);
        jwk["alg"] = json!(alg);
        jwk["use"] = json!("sig");
        TestKey {
            alg,
            kid: kid.to_string(),
            jwk,
            signer,
        }
    }

    /// An HMAC key from a given secret.
    pub fn hmac(alg: &'static str, kid: &str, secret: &[u8]) -> TestKey {
        let algorithm = match alg {
            "HS256" => aws_lc_rs::hmac::HMAC_SHA256,
            "HS384" => aws_lc_rs::hmac::HMAC_SHA384,
            _ => aws_lc_rs::hmac::HMAC_SHA512,
        };
        TestKey {
            alg,
            kid: kid.to_string(),
            jwk: json!({"kty": "oct", "k": b64(secret), "kid": kid, "alg": alg}),
            signer: Signer::Hmac(Box::new(aws_lc_rs::hmac::Key::new(algorithm, secret))),
        }
    }

    /// The RFC 8037 Appendix A Ed25519 key.
    pub fn rfc8037_ed25519() -> TestKey {
        let d = URL_SAFE_NO_PAD
            .decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
            .unwrap();
        let x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
        let pair =
            Ed25519KeyPair::from_seed_and_public_key(&d, &URL_SAFE_NO_PAD.decode(x).unwrap())
                .unwrap();
        TestKey {
            alg: "EdDSA",
            kid: "rfc8037".into(),
            jwk: json!({"kty": "OKP", "crv": "Ed25519", "x": x, "kid": "rfc8037"}),
            signer: Signer::Ed(pair),
        }
    }

    /// Signs `claims` with a header of `alg`, `kid` and the `extra` header members.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with_header(
            json!({"alg": self.alg, "kid": self.kid, "typ": "JWT"}),
            claims,
        )
    }

    pub fn sign_with_header(&self, header: Value, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        format!("{input}.{}", b64(&self.sign_bytes(input.as_bytes())))
    }

    pub fn sign_bytes(&self, message: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match &self.signer {
            Signer::Rsa(pair, encoding) => {
                let mut sig = vec![0; pair.public_modulus_len()];
                pair.sign(*encoding, &rng, message, &mut sig).unwrap();
                sig
            }
            Signer::Ec(pair) => pair.sign(&rng, message).unwrap().as_ref().to_vec(),
            Signer::Ed(pair) => pair.sign(message).as_ref().to_vec(),
            Signer::Hmac(key) => aws_lc_rs::hmac::sign(key, message).as_ref().to_vec(),
        }
    }
}

/// `{"keys": [...]}` of the given keys' JWKs.
pub fn jwks(keys: &[&TestKey]) -> Value {
    json!({"keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>()})
}

/// Seconds since the Unix epoch, now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}
