//! The client's own signing keys: loaded from a PEM (PKCS#8, or PKCS#1 for RSA) or a private
//! JWK file, or generated, and used to sign what the client sends as a JWT (client
//! assertions, request objects, JWT bearer grant assertions). Every key the client signs
//! with goes through [`ClientKey`], so loading, the algorithm rules and the redaction live in
//! one place.
//!
//! The private half never leaves this module except as the PEM that `keygen` writes to a
//! file; `Debug` shows the algorithm and key id only.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPairComponents, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RSA_PKCS1_SHA256,
    RSA_PSS_SHA256, RsaKeyPair,
};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};

use super::error::EngineError;
use super::jwks::b64url_decode;
use super::jwt::Algorithm;
use super::secret::Secret;

/// Key files are small: a 4096-bit RSA key in PEM is about 3.3 KB. Anything far larger is
/// not a key, and is refused before it is read into memory.
const MAX_KEY_FILE: u64 = 64 * 1024;

/// The algorithms a client key signs with (RFC 7518 §3, RFC 8037 §3.1).
pub const SIGNING_ALGS: [Algorithm; 4] = [
    Algorithm::RS256,
    Algorithm::PS256,
    Algorithm::ES256,
    Algorithm::EdDSA,
];

enum Material {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
}

/// A private signing key with its algorithm, key id and public JWK. Cheap to clone.
#[derive(Clone)]
pub struct ClientKey {
    alg: Algorithm,
    kid: String,
    public_jwk: Value,
    material: Arc<Material>,
}

impl fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .field("private_key", &"[redacted]")
            .finish()
    }
}

/// Two keys are the same when their public halves are: the private half determines it.
impl PartialEq for ClientKey {
    fn eq(&self, other: &Self) -> bool {
        self.alg == other.alg && self.kid == other.kid && self.public_jwk == other.public_jwk
    }
}

impl Eq for ClientKey {}

fn key_error(message: impl Into<String>) -> EngineError {
    EngineError::config(message)
}

impl ClientKey {
    /// Reads a key file: a JWK (JSON with a private member) or a PEM. `kid` overrides the
    /// key id (else the JWK's own, else its RFC 7638 thumbprint); `alg` picks PS256 over
    /// RS256 for an RSA key (else the JWK's `alg`, else the key type's usual algorithm).
    pub fn load(
        path: &Path,
        kid: Option<&str>,
        alg: Option<Algorithm>,
    ) -> Result<Self, EngineError> {
        let shown = path.display();
        let size = std::fs::metadata(path)
            .map_err(|e| key_error(format!("cannot read the private key {shown}: {e}")))?
            .len();
        if size > MAX_KEY_FILE {
            return Err(key_error(format!(
                "{shown} is {size} bytes: too large for a private key (at most {MAX_KEY_FILE})"
            )));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| key_error(format!("cannot read the private key {shown}: {e}")))?;
        Self::parse(&text, kid, alg).map_err(|e| key_error(format!("{shown}: {e}")))
    }

    /// Parses a key from the text of a key file (see [`ClientKey::load`]).
    pub fn parse(
        text: &str,
        kid: Option<&str>,
        alg: Option<Algorithm>,
    ) -> Result<Self, EngineError> {
        let text = text.trim();
        let (material, jwk_alg, jwk_kid) = if text.starts_with('{') {
            let (material, jwk_alg, jwk_kid) = material_from_jwk(text)?;
            (material, jwk_alg, jwk_kid)
        } else {
            (material_from_pem(text)?, None, None)
        };
        let alg = alg.or(jwk_alg);
        Self::new(material, alg, kid.map(str::to_owned).or(jwk_kid))
    }

    /// A new key for `alg` and its PKCS#8 PEM, for `oauthscope keygen`.
    pub fn generate(alg: Algorithm) -> Result<(Self, Secret), EngineError> {
        let failed = || key_error(format!("{} key generation failed", alg.name()));
        let (material, pkcs8) = match alg {
            Algorithm::RS256 | Algorithm::PS256 => {
                let pair = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| failed())?;
                let der = pair.as_der().map_err(|_| failed())?.as_ref().to_vec();
                (Material::Rsa(pair), der)
            }
            Algorithm::ES256 => {
                let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
                    .map_err(|_| failed())?;
                let der = pair.to_pkcs8v1().map_err(|_| failed())?.as_ref().to_vec();
                (Material::Ec(pair), der)
            }
            Algorithm::EdDSA => {
                let pair = Ed25519KeyPair::generate().map_err(|_| failed())?;
                let der = pair.to_pkcs8v1().map_err(|_| failed())?.as_ref().to_vec();
                (Material::Ed(pair), der)
            }
            other => return Err(unsupported_alg(other)),
        };
        let key = Self::new(material, Some(alg), None)?;
        Ok((key, Secret::new(pem("PRIVATE KEY", &pkcs8))))
    }

    fn new(
        material: Material,
        alg: Option<Algorithm>,
        kid: Option<String>,
    ) -> Result<Self, EngineError> {
        let alg = match (&material, alg) {
            (Material::Rsa(_), None) => Algorithm::RS256,
            (Material::Ec(_), None) => Algorithm::ES256,
            (Material::Ed(_), None) => Algorithm::EdDSA,
            (Material::Rsa(_), Some(a @ (Algorithm::RS256 | Algorithm::PS256)))
            | (Material::Ec(_), Some(a @ Algorithm::ES256))
            | (Material::Ed(_), Some(a @ Algorithm::EdDSA)) => a,
            (_, Some(other)) => {
                return Err(key_error(format!(
                    "the key cannot sign with {}: an RSA key signs RS256 or PS256, a P-256 \
                     key ES256, an Ed25519 key EdDSA (key/alg mismatch, RFC 8725 §3.1)",
                    other.name()
                )));
            }
        };
        let required = required_members(&material)?;
        // RFC 7638: the thumbprint is the SHA-256 of the required members in lexicographic
        // order without whitespace, which is how serde_json writes this map.
        let thumbprint = URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA256,
            Value::Object(required.clone()).to_string().as_bytes(),
        ));
        let kid = kid.unwrap_or(thumbprint);
        let mut public_jwk = required;
        public_jwk.insert("kid".into(), kid.clone().into());
        public_jwk.insert("use".into(), "sig".into());
        public_jwk.insert("alg".into(), alg.name().into());
        Ok(ClientKey {
            alg,
            kid,
            public_jwk: Value::Object(public_jwk),
            material: Arc::new(material),
        })
    }

    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWK Set, what a client registers as its `jwks`.
    pub fn public_jwks(&self) -> Value {
        json!({ "keys": [self.public_jwk] })
    }

    /// Signs `claims` as a compact JWS with `typ` (RFC 7515 §7.1), naming this key's alg
    /// and kid in the header.
    pub fn sign_jwt(&self, typ: &str, claims: &Value) -> Result<String, EngineError> {
        let header = json!({"alg": self.alg.name(), "kid": self.kid, "typ": typ});
        compact_jws(&header, claims, |input| self.sign(input))
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, EngineError> {
        let failed = || EngineError::Jwt(format!("{} signing failed", self.alg.name()));
        let rng = SystemRandom::new();
        match &*self.material {
            Material::Rsa(pair) => {
                let padding = if self.alg == Algorithm::PS256 {
                    &RSA_PSS_SHA256
                } else {
                    &RSA_PKCS1_SHA256
                };
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(padding, &rng, message, &mut signature)
                    .map_err(|_| failed())?;
                Ok(signature)
            }
            Material::Ec(pair) => pair
                .sign(&rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| failed()),
            Material::Ed(pair) => Ok(pair.sign(message).as_ref().to_vec()),
        }
    }
}

/// `BASE64URL(header) . BASE64URL(claims) . BASE64URL(signature)` with the signature made
/// by `sign` over the first two parts (RFC 7515 §5.1).
pub fn compact_jws(
    header: &Value,
    claims: &Value,
    sign: impl FnOnce(&[u8]) -> Result<Vec<u8>, EngineError>,
) -> Result<String, EngineError> {
    let mut jws = URL_SAFE_NO_PAD.encode(header.to_string());
    jws.push('.');
    jws.push_str(&URL_SAFE_NO_PAD.encode(claims.to_string()));
    let signature = sign(jws.as_bytes())?;
    jws.push('.');
    jws.push_str(&URL_SAFE_NO_PAD.encode(signature));
    Ok(jws)
}

/// Signs `claims` with HS256 over a shared secret (`client_secret_jwt`, RFC 7518 §3.2).
pub fn sign_hs256(secret: &str, typ: &str, claims: &Value) -> Result<String, EngineError> {
    use aws_lc_rs::hmac;
    let header = json!({"alg": "HS256", "typ": typ});
    compact_jws(&header, claims, |input| {
        let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
        Ok(hmac::sign(&key, input).as_ref().to_vec())
    })
}

fn unsupported_alg(alg: Algorithm) -> EngineError {
    let names: Vec<&str> = SIGNING_ALGS.iter().map(|a| a.name()).collect();
    key_error(format!(
        "{} is not an algorithm a client key signs with here (use {})",
        alg.name(),
        names.join(", ")
    ))
}

/// Parses an algorithm name as given on the command line or in a key file.
pub fn signing_alg(name: &str) -> Result<Algorithm, EngineError> {
    let alg = Algorithm::from_name(name)
        .ok_or_else(|| key_error(format!("unknown signing algorithm {name:?}")))?;
    if SIGNING_ALGS.contains(&alg) {
        Ok(alg)
    } else {
        Err(unsupported_alg(alg))
    }
}

/// The RFC 7638 required members of the public key, in lexicographic order.
fn required_members(material: &Material) -> Result<Map<String, Value>, EngineError> {
    let b64 = |bytes: &[u8]| Value::String(URL_SAFE_NO_PAD.encode(bytes));
    let mut m = Map::new();
    match material {
        Material::Rsa(pair) => {
            let public = pair.public_key();
            let e = public.exponent();
            let n = public.modulus();
            m.insert("e".into(), b64(e.big_endian_without_leading_zero()));
            m.insert("kty".into(), "RSA".into());
            m.insert("n".into(), b64(n.big_endian_without_leading_zero()));
        }
        Material::Ec(pair) => {
            // Uncompressed point: 0x04 || x (32 bytes) || y (32 bytes).
            let point = pair.public_key().as_ref();
            if point.len() != 65 {
                return Err(key_error("the EC key is not on P-256"));
            }
            m.insert("crv".into(), "P-256".into());
            m.insert("kty".into(), "EC".into());
            m.insert("x".into(), b64(&point[1..33]));
            m.insert("y".into(), b64(&point[33..65]));
        }
        Material::Ed(pair) => {
            m.insert("crv".into(), "Ed25519".into());
            m.insert("kty".into(), "OKP".into());
            m.insert("x".into(), b64(pair.public_key().as_ref()));
        }
    }
    Ok(m)
}

fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The DER inside the first PEM block, with its label.
fn pem_block(text: &str) -> Result<(String, Vec<u8>), EngineError> {
    let not_pem = || {
        key_error(
            "not a private key: expected a PEM block (-----BEGIN PRIVATE KEY-----) or a JWK \
             (JSON with \"kty\" and \"d\")",
        )
    };
    let start = text.find("-----BEGIN ").ok_or_else(not_pem)?;
    let rest = &text[start + "-----BEGIN ".len()..];
    let (label, rest) = rest.split_once("-----").ok_or_else(not_pem)?;
    let end = rest.find("-----END ").ok_or_else(not_pem)?;
    let body: String = rest[..end].chars().filter(|c| !c.is_whitespace()).collect();
    let der = STANDARD
        .decode(body)
        .map_err(|_| key_error("the PEM body is not base64"))?;
    Ok((label.to_owned(), der))
}

fn material_from_pem(text: &str) -> Result<Material, EngineError> {
    let (label, der) = pem_block(text)?;
    match label.as_str() {
        "PRIVATE KEY" => {
            if let Ok(pair) = RsaKeyPair::from_pkcs8(&der) {
                Ok(Material::Rsa(pair))
            } else if let Ok(pair) =
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der)
            {
                Ok(Material::Ec(pair))
            } else if let Ok(pair) = Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der) {
                Ok(Material::Ed(pair))
            } else {
                Err(key_error(
                    "the PKCS#8 key is none of RSA (2048 bits or more), EC P-256 or Ed25519",
                ))
            }
        }
        "RSA PRIVATE KEY" => RsaKeyPair::from_der(&der)
            .map(Material::Rsa)
            .map_err(|e| key_error(format!("the PKCS#1 RSA key is refused: {e}"))),
        "EC PRIVATE KEY" => {
            EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_FIXED_SIGNING, &der)
                .map(Material::Ec)
                .map_err(|e| key_error(format!("the EC key is refused (P-256 only): {e}")))
        }
        "PUBLIC KEY" => Err(key_error(
            "this is a public key; signing needs the private key",
        )),
        other => Err(key_error(format!(
            "a PEM block of type {other:?} is not a private key this client reads \
             (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)"
        ))),
    }
}

type FromJwk = (Material, Option<Algorithm>, Option<String>);

fn material_from_jwk(text: &str) -> Result<FromJwk, EngineError> {
    let jwk: Map<String, Value> = serde_json::from_str(text)
        .map_err(|e| key_error(format!("the key file is not a JSON object (JWK): {e}")))?;
    let text_member = |name: &str| jwk.get(name).and_then(Value::as_str);
    let bytes = |name: &str| -> Result<Vec<u8>, EngineError> {
        let value = text_member(name).ok_or_else(|| {
            key_error(format!(
                "the JWK has no {name:?}{}",
                if name == "d" {
                    " (a public key cannot sign; give the private JWK)"
                } else {
                    ""
                }
            ))
        })?;
        b64url_decode(value).map_err(|_| key_error(format!("the JWK's {name:?} is not base64url")))
    };
    let rejected = |e: aws_lc_rs::error::KeyRejected| key_error(format!("the JWK is refused: {e}"));
    let material = match (text_member("kty"), text_member("crv")) {
        (Some("RSA"), _) => {
            let components = KeyPairComponents {
                public_key: PublicKeyComponents {
                    n: bytes("n")?,
                    e: bytes("e")?,
                },
                d: bytes("d")?,
                p: bytes("p")?,
                q: bytes("q")?,
                dP: bytes("dp")?,
                dQ: bytes("dq")?,
                qInv: bytes("qi")?,
            };
            Material::Rsa(RsaKeyPair::from_components(&components).map_err(rejected)?)
        }
        (Some("EC"), Some("P-256")) => {
            let point = [&[0x04][..], &bytes("x")?, &bytes("y")?].concat();
            Material::Ec(
                EcdsaKeyPair::from_private_key_and_public_key(
                    &ECDSA_P256_SHA256_FIXED_SIGNING,
                    &bytes("d")?,
                    &point,
                )
                .map_err(rejected)?,
            )
        }
        (Some("OKP"), Some("Ed25519")) => Material::Ed(
            Ed25519KeyPair::from_seed_and_public_key(&bytes("d")?, &bytes("x")?)
                .map_err(rejected)?,
        ),
        (kty, crv) => {
            return Err(key_error(format!(
                "a JWK with kty {} and crv {} is not a key this client signs with \
                 (RSA, EC P-256 or OKP Ed25519)",
                kty.unwrap_or("(none)"),
                crv.unwrap_or("(none)")
            )));
        }
    };
    let alg = text_member("alg").map(signing_alg).transpose()?;
    Ok((material, alg, text_member("kid").map(str::to_owned)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::jwks::JwkSet;
    use crate::oauth::jwt::{Jwt, Verdict, check_signature_with_secret, check_signature_with_set};

    fn verifies(key: &ClientKey) {
        let token = key.sign_jwt("JWT", &json!({"sub": "app"})).unwrap();
        let jwt = Jwt::decode(&token).unwrap();
        let set = JwkSet::from_value(key.public_jwks()).unwrap();
        let check = check_signature_with_set(&jwt, &set);
        assert_eq!(
            check.verdict,
            Verdict::Pass,
            "{} {check:?}",
            key.alg().name()
        );
        assert_eq!(jwt.alg(), Some(key.alg().name()));
        assert_eq!(jwt.kid(), Some(key.kid()));
    }

    #[test]
    fn generated_keys_sign_what_their_jwks_verifies() {
        for alg in SIGNING_ALGS {
            let (key, pem) = ClientKey::generate(alg).unwrap();
            verifies(&key);
            // The PEM reads back as the same key, with the algorithm given again for PS256.
            let again = ClientKey::parse(pem.secret(), None, Some(alg)).unwrap();
            assert_eq!(again, key);
            verifies(&again);
        }
    }

    #[test]
    fn a_private_jwk_loads_with_its_alg_and_kid() {
        let (key, _) = ClientKey::generate(Algorithm::ES256).unwrap();
        let Material::Ec(pair) = &*key.material else {
            panic!("an EC key");
        };
        use aws_lc_rs::encoding::AsBigEndian;
        let d = pair.private_key().as_be_bytes().unwrap();
        let mut jwk = key.public_jwk.as_object().unwrap().clone();
        jwk.insert("d".into(), URL_SAFE_NO_PAD.encode(d.as_ref()).into());
        jwk.insert("kid".into(), "my-key".into());
        let loaded = ClientKey::parse(&Value::Object(jwk).to_string(), None, None).unwrap();
        assert_eq!(loaded.kid(), "my-key");
        assert_eq!(loaded.alg(), Algorithm::ES256);
        verifies(&loaded);
    }

    #[test]
    fn bad_key_files_say_why() {
        let cases = [
            ("not a key", "expected a PEM block"),
            (
                "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
                "public key",
            ),
            (
                "-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----",
                "not base64",
            ),
            (
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
                "none of RSA",
            ),
            (r#"{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}"#, "\"d\""),
            (r#"{"kty":"oct","k":"AA"}"#, "kty oct"),
            ("{", "not a JSON object"),
        ];
        for (text, expected) in cases {
            let err = ClientKey::parse(text, None, None).unwrap_err().to_string();
            assert!(err.contains(expected), "{text}: {err}");
        }
        let (_, pem) = ClientKey::generate(Algorithm::ES256).unwrap();
        let err = ClientKey::parse(pem.secret(), None, Some(Algorithm::RS256)).unwrap_err();
        assert!(err.to_string().contains("key/alg mismatch"), "{err}");
        assert!(signing_alg("HS256").is_err());
        assert!(signing_alg("none").is_err());
    }

    #[test]
    fn debug_shows_no_private_material() {
        let (key, pem) = ClientKey::generate(Algorithm::EdDSA).unwrap();
        let shown = format!("{key:?}{pem:?}");
        assert!(!shown.contains("PRIVATE"), "{shown}");
        assert!(shown.contains("redacted"), "{shown}");
    }

    #[test]
    fn hs256_verifies_with_the_secret() {
        let token = sign_hs256("s3cret", "JWT", &json!({"iss": "app"})).unwrap();
        let jwt = Jwt::decode(&token).unwrap();
        assert_eq!(
            check_signature_with_secret(&jwt, b"s3cret").verdict,
            Verdict::Pass
        );
        assert_eq!(
            check_signature_with_secret(&jwt, b"other").verdict,
            Verdict::Fail
        );
    }
}
