//! PKCE (RFC 7636) and the other random values a client sends: `state`, `nonce`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

use super::error::EngineError;
use super::secret::Secret;

/// How the code challenge is derived from the verifier (RFC 7636 §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum PkceMethod {
    /// `BASE64URL(SHA256(verifier))`: the default, and the only one RFC 9700 §2.1.1 recommends.
    #[default]
    S256,
    /// The challenge is the verifier itself. Offered for servers that support nothing else.
    #[serde(rename = "plain")]
    Plain,
}

impl PkceMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            PkceMethod::S256 => "S256",
            PkceMethod::Plain => "plain",
        }
    }
}

/// A verifier and its challenge. The verifier is secret until the token request, so it is a
/// [`Secret`] and `Debug` redacts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pkce {
    pub verifier: Secret,
    pub challenge: String,
    pub method: PkceMethod,
}

impl Pkce {
    /// A fresh verifier of 43 characters (32 random bytes, RFC 7636 §4.1) and its challenge.
    pub fn generate(method: PkceMethod) -> Result<Self, EngineError> {
        Ok(Self::from_verifier(random_token(32)?.into(), method))
    }

    pub fn from_verifier(verifier: Secret, method: PkceMethod) -> Self {
        let challenge = match method {
            PkceMethod::S256 => s256_challenge(verifier.secret()),
            PkceMethod::Plain => verifier.secret().to_string(),
        };
        Pkce {
            verifier,
            challenge,
            method,
        }
    }
}

/// `BASE64URL-ENCODE(SHA256(ASCII(verifier)))` (RFC 7636 §4.2).
pub fn s256_challenge(verifier: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// `bytes` random bytes from the system CSPRNG, base64url without padding: for `state`,
/// `nonce` and PKCE verifiers (RFC 6749 §10.10 asks for at least 128 bits of entropy).
pub fn random_token(bytes: usize) -> Result<String, EngineError> {
    let mut buf = vec![0u8; bytes];
    aws_lc_rs::rand::fill(&mut buf)
        .map_err(|_| EngineError::Local("the system random generator failed".into()))?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_example() {
        let pkce = Pkce::from_verifier(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into(),
            PkceMethod::S256,
        );
        assert_eq!(
            pkce.challenge,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn generated_verifier_has_the_rfc_length_and_alphabet() {
        let pkce = Pkce::generate(PkceMethod::S256).unwrap();
        assert_eq!(pkce.verifier.secret().len(), 43);
        assert!(
            pkce.verifier
                .secret()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_ne!(
            pkce.verifier,
            Pkce::generate(PkceMethod::S256).unwrap().verifier
        );
    }

    #[test]
    fn plain_challenge_is_the_verifier() {
        let pkce = Pkce::from_verifier("abc".repeat(15).into(), PkceMethod::Plain);
        assert_eq!(pkce.challenge, pkce.verifier.secret());
    }

    #[test]
    fn debug_hides_the_verifier() {
        let pkce = Pkce::from_verifier("secret-verifier".repeat(3).into(), PkceMethod::S256);
        assert!(!format!("{pkce:?}").contains("secret-verifier"));
    }
}
