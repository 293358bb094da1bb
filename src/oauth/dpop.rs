//! DPoP, RFC 9449: a key the client holds, proofs signed with it for each request, and the
//! values both sides compute from it (the RFC 7638 thumbprint that binds a token, `ath`).
//!
//! The key is an ES256 (P-256) key pair, generated per run or read from a PEM PKCS#8 or JWK
//! file. [`DpopKey`] never shows its private half: `Debug` prints the thumbprint only.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};

use super::error::EngineError;
use super::exchange::Exchange;
use super::jwks::{Jwk, b64url_decode};
use super::pkce::random_token;

/// The proof's `typ` header (RFC 9449 §4.2).
pub const PROOF_TYPE: &str = "dpop+jwt";
/// The request header that carries a proof, and the `Authorization` scheme of a bound token.
pub const HEADER: &str = "DPoP";
/// The response header with a server-provided nonce (RFC 9449 §8, §9).
pub const NONCE_HEADER: &str = "DPoP-Nonce";
/// The longest nonce kept from a server: a nonce is an opaque short string (RFC 9449 §8.1).
pub const NONCE_MAX_LEN: usize = 1024;
/// The error a server answers when it wants a nonce in the proof (RFC 9449 §8, §9).
pub const USE_DPOP_NONCE: &str = "use_dpop_nonce";

/// The client's DPoP key pair. Cloning shares the one key.
#[derive(Clone)]
pub struct DpopKey {
    pair: Arc<EcdsaKeyPair>,
    /// The public key as a JWK with only its required members (RFC 7638 §3.2 order).
    public_jwk: Value,
    thumbprint: String,
}

impl std::fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DpopKey")
            .field("alg", &"ES256")
            .field("jkt", &self.thumbprint)
            .finish_non_exhaustive()
    }
}

impl DpopKey {
    /// A fresh P-256 key.
    pub fn generate() -> Result<Self, EngineError> {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
            .map_err(|_| EngineError::Local("generating the DPoP key (P-256) failed".into()))?;
        Self::from_pair(pair)
    }

    /// A key from a file: PEM (`PRIVATE KEY` PKCS#8, or `EC PRIVATE KEY` RFC 5915) or a
    /// private JWK (`kty` EC, `crv` P-256, with `d`).
    pub fn from_file(path: &std::path::Path) -> Result<Self, EngineError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            EngineError::config(format!("cannot read the DPoP key {}: {e}", path.display()))
        })?;
        Self::parse(&text)
            .map_err(|e| EngineError::config(format!("the DPoP key {}: {e}", path.display())))
    }

    /// The key in `path`, or a new one written there (PEM PKCS#8, mode 0600) when the file
    /// does not exist, so later runs can present the tokens this key binds.
    pub fn load_or_create(path: &std::path::Path) -> Result<Self, EngineError> {
        if path.exists() {
            return Self::from_file(path);
        }
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
            .map_err(|_| EngineError::Local("generating the DPoP key (P-256) failed".into()))?;
        let der = pair
            .to_pkcs8v1()
            .map_err(|_| EngineError::Local("encoding the DPoP key failed".into()))?;
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            STANDARD.encode(der.as_ref())
        );
        write_private(path, pem.as_bytes()).map_err(|e| {
            EngineError::Local(format!("cannot write the DPoP key {}: {e}", path.display()))
        })?;
        Self::from_pair(pair)
    }

    /// A key from the text of a PEM or JWK file; the error says what was wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.starts_with('{') {
            return Self::from_private_jwk(text);
        }
        let der = pem_body(text)?;
        let pair = EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_FIXED_SIGNING, &der)
            .map_err(|e| format!("not a P-256 private key ({e}); DPoP keys here are ES256"))?;
        Self::from_pair(pair).map_err(|e| e.to_string())
    }

    fn from_private_jwk(text: &str) -> Result<Self, String> {
        let jwk: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let member = |name: &str| {
            jwk.get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| format!("the JWK has no {name:?}"))
        };
        if member("kty")? != "EC" || member("crv")? != "P-256" {
            return Err("the JWK is not an EC P-256 key; DPoP keys here are ES256".into());
        }
        let decode = |name: &str| {
            b64url_decode(member(name)?).map_err(|_| format!("the JWK's {name:?} is not base64url"))
        };
        let point = [vec![0x04], decode("x")?, decode("y")?].concat();
        let pair = EcdsaKeyPair::from_private_key_and_public_key(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            &decode("d")?,
            &point,
        )
        .map_err(|e| format!("the JWK's members do not form a P-256 key pair ({e})"))?;
        Self::from_pair(pair).map_err(|e| e.to_string())
    }

    fn from_pair(pair: EcdsaKeyPair) -> Result<Self, EngineError> {
        // Uncompressed point: 0x04 || x (32 bytes) || y (32 bytes).
        let point = pair.public_key().as_ref();
        if point.len() != 65 {
            return Err(EngineError::Local(
                "the P-256 public key has an odd size".into(),
            ));
        }
        let public_jwk = json!({
            "crv": "P-256",
            "kty": "EC",
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
            "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
        });
        let thumbprint = sha256_b64url(public_jwk.to_string().as_bytes());
        Ok(DpopKey {
            pair: Arc::new(pair),
            public_jwk,
            thumbprint,
        })
    }

    /// The public key as the proof's `jwk` header carries it.
    pub fn public_jwk(&self) -> &Value {
        &self.public_jwk
    }

    /// The key's RFC 7638 SHA-256 thumbprint: what `cnf.jkt` of a bound token must be.
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// A proof for one request (RFC 9449 §4.2): `htm` and `htu` (without query and
    /// fragment), a fresh `jti`, `iat` now, the server's `nonce` if it gave one, and `ath`
    /// when the request presents `access_token` to a resource.
    pub fn proof(
        &self,
        method: &str,
        url: &str,
        nonce: Option<&str>,
        access_token: Option<&str>,
    ) -> Result<String, EngineError> {
        let iat = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut claims = Map::new();
        claims.insert("jti".into(), random_token(16)?.into());
        claims.insert("htm".into(), method.into());
        claims.insert("htu".into(), htu(url)?.into());
        claims.insert("iat".into(), iat.into());
        if let Some(nonce) = nonce {
            claims.insert("nonce".into(), nonce.into());
        }
        if let Some(token) = access_token {
            claims.insert("ath".into(), ath(token).into());
        }
        let header = json!({"typ": PROOF_TYPE, "alg": "ES256", "jwk": self.public_jwk});
        let mut jws = URL_SAFE_NO_PAD.encode(header.to_string());
        jws.push('.');
        jws.push_str(&URL_SAFE_NO_PAD.encode(Value::Object(claims).to_string()));
        let signature = self
            .pair
            .sign(&SystemRandom::new(), jws.as_bytes())
            .map_err(|_| EngineError::Local("signing the DPoP proof failed".into()))?;
        jws.push('.');
        jws.push_str(&URL_SAFE_NO_PAD.encode(signature.as_ref()));
        Ok(jws)
    }
}

/// Writes a new file only its owner can read.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}

/// The body of a PEM block, whatever its label.
fn pem_body(text: &str) -> Result<Vec<u8>, String> {
    if !text.starts_with("-----BEGIN ") {
        return Err("neither a PEM block (-----BEGIN PRIVATE KEY-----) nor a JWK".into());
    }
    if text.contains("ENCRYPTED") {
        return Err("the PEM key is encrypted; give an unencrypted PKCS#8 key".into());
    }
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::trim)
        .collect();
    STANDARD
        .decode(body)
        .map_err(|_| "the PEM body is not base64".into())
}

/// `htu` as RFC 9449 §4.2 wants it: the target URI without query and fragment.
pub fn htu(url: &str) -> Result<String, EngineError> {
    let mut parsed = url::Url::parse(url)
        .map_err(|e| EngineError::config(format!("{url:?} is not a URL ({e})")))?;
    parsed.set_query(None);
    parsed.set_fragment(None);
    Ok(parsed.to_string())
}

/// `ath`: the base64url SHA-256 of the access token (RFC 9449 §4.2).
pub fn ath(access_token: &str) -> String {
    sha256_b64url(access_token.as_bytes())
}

fn sha256_b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes))
}

/// The RFC 7638 SHA-256 thumbprint of a public JWK: its required members, in lexicographic
/// order, without whitespace. `None` for a key type without a thumbprint rule here.
pub fn jwk_thumbprint(jwk: &Jwk) -> Option<String> {
    let members = match jwk.kty.as_str() {
        "EC" => {
            json!({"crv": jwk.crv.as_ref()?, "kty": "EC", "x": jwk.x.as_ref()?, "y": jwk.y.as_ref()?})
        }
        "RSA" => json!({"e": jwk.e.as_ref()?, "kty": "RSA", "n": jwk.n.as_ref()?}),
        "OKP" => json!({"crv": jwk.crv.as_ref()?, "kty": "OKP", "x": jwk.x.as_ref()?}),
        _ => return None,
    };
    // serde_json's map keeps keys sorted, which is the order RFC 7638 §3.3 asks for.
    Some(sha256_b64url(members.to_string().as_bytes()))
}

/// The nonce a server asked for in answer to a request, if it refused it for want of one:
/// `use_dpop_nonce` in a token error body (RFC 9449 §8) or a `DPoP` challenge (§9), with
/// the nonce in `DPoP-Nonce`.
pub fn nonce_demanded(exchange: &Exchange) -> Option<String> {
    let nonce = exchange.response_header(NONCE_HEADER)?;
    let in_body = exchange
        .response_body
        .as_deref()
        .and_then(|b| serde_json::from_str::<Value>(b).ok())
        .is_some_and(|v| v["error"] == USE_DPOP_NONCE);
    let in_challenge = exchange
        .response_header("www-authenticate")
        .is_some_and(|c| c.contains(USE_DPOP_NONCE));
    let refused = exchange.status.is_some_and(|s| s == 400 || s == 401);
    let plausible = !nonce.is_empty() && nonce.len() <= NONCE_MAX_LEN;
    (refused && (in_body || in_challenge) && plausible).then(|| nonce.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::jwt::{self, Algorithm, Jwt};
    use aws_lc_rs::encoding::AsBigEndian;

    #[test]
    fn a_proof_carries_the_rfc_9449_claims_and_verifies_with_its_jwk() {
        let key = DpopKey::generate().unwrap();
        let raw = key
            .proof(
                "POST",
                "https://as.example/token?x=1#f",
                Some("n1"),
                Some("tok"),
            )
            .unwrap();
        let proof = Jwt::decode(&raw).unwrap();
        assert_eq!(proof.unverified_header()["typ"], PROOF_TYPE);
        assert_eq!(proof.claim_str("htm"), Some("POST"));
        assert_eq!(proof.claim_str("htu"), Some("https://as.example/token"));
        assert_eq!(proof.claim_str("nonce"), Some("n1"));
        assert_eq!(proof.claim_str("ath"), Some(ath("tok").as_str()));
        assert!(proof.claim_str("jti").is_some_and(|j| j.len() >= 16));
        let jwk: Jwk = serde_json::from_value(proof.unverified_header()["jwk"].clone()).unwrap();
        jwt::verify_with_jwk(&proof, Algorithm::ES256, &jwk).unwrap();
        assert_eq!(jwk_thumbprint(&jwk).as_deref(), Some(key.thumbprint()));
    }

    #[test]
    fn rfc_7638_example_thumbprint() {
        // RFC 7638 §3.1's RSA key and its thumbprint.
        let jwk: Jwk = serde_json::from_value(json!({
            "kty": "RSA",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            "e": "AQAB",
            "alg": "RS256",
            "kid": "2011-04-29"
        }))
        .unwrap();
        assert_eq!(
            jwk_thumbprint(&jwk).unwrap(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn a_key_reads_back_from_its_jwk_and_from_pkcs8_pem() {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        let der = pair.to_pkcs8v1().unwrap();
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            STANDARD.encode(der.as_ref())
        );
        let from_pem = DpopKey::parse(&pem).unwrap();
        let d = URL_SAFE_NO_PAD.encode(pair.private_key().as_be_bytes().unwrap().as_ref());
        let mut jwk = from_pem.public_jwk().clone();
        jwk["d"] = d.into();
        let from_jwk = DpopKey::parse(&jwk.to_string()).unwrap();
        assert_eq!(from_pem.thumbprint(), from_jwk.thumbprint());
        assert!(!format!("{from_jwk:?}").contains(jwk["d"].as_str().unwrap()));
    }

    #[test]
    fn a_missing_key_file_is_created_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dpop.pem");
        let created = DpopKey::load_or_create(&path).unwrap();
        let read = DpopKey::load_or_create(&path).unwrap();
        assert_eq!(created.thumbprint(), read.thumbprint());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn bad_key_files_say_what_is_wrong() {
        assert!(DpopKey::parse("hello").unwrap_err().contains("PEM"));
        let rsa = r#"{"kty":"RSA","n":"x","e":"AQAB","d":"x"}"#;
        assert!(DpopKey::parse(rsa).unwrap_err().contains("P-256"));
        let wrong = r#"{"kty":"EC","crv":"P-256","x":"AA","y":"AA","d":"AA"}"#;
        assert!(DpopKey::parse(wrong).unwrap_err().contains("key pair"));
    }

    #[test]
    fn a_nonce_is_demanded_only_with_the_error_and_the_header() {
        let mut ex = Exchange::new("POST", "http://127.0.0.1:1/token");
        ex.status = Some(400);
        ex.response_body = Some(r#"{"error":"use_dpop_nonce"}"#.into());
        assert_eq!(nonce_demanded(&ex), None, "no DPoP-Nonce header");
        ex.response_headers
            .push(("dpop-nonce".into(), "n-1".into()));
        assert_eq!(nonce_demanded(&ex).as_deref(), Some("n-1"));
        ex.response_body = Some(r#"{"error":"invalid_grant"}"#.into());
        assert_eq!(nonce_demanded(&ex), None);
        ex.status = Some(401);
        ex.response_headers.push((
            "www-authenticate".into(),
            r#"DPoP error="use_dpop_nonce""#.into(),
        ));
        assert_eq!(nonce_demanded(&ex).as_deref(), Some("n-1"));
    }
}
