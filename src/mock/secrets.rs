//! Random values, hashes and comparisons for secrets (codes, tokens, client secrets).

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use subtle::ConstantTimeEq;

/// RFC 8628 §6.1: consonants only, no vowels (no words) and no look-alikes such as 0/O or 1/I.
const USER_CODE_ALPHABET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // The system RNG failing means the OS cannot give entropy; nothing sensible can go on.
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the operating system's random number generator failed");
    bytes
}

/// 256 random bits, base64url: codes, refresh tokens, device codes, registration tokens.
pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// 128 random bits, base64url: identifiers that need to be unique, not secret (jti, client_id).
pub fn random_id() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<16>())
}

/// A user code like `BCDF-GHJK`: 8 characters from a 20-letter alphabet (about 34.5 bits).
pub fn user_code() -> String {
    let bytes = random_bytes::<8>();
    let letters: String = bytes
        .iter()
        // 256 is not a multiple of 20; the small bias is harmless for a short-lived code.
        .map(|b| USER_CODE_ALPHABET[usize::from(*b) % USER_CODE_ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &letters[..4], &letters[4..])
}

/// Canonical form of a typed user code: upper case, dashes and spaces dropped (RFC 8628 §6.1).
pub fn normalize_user_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

pub fn sha256(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, data).as_ref());
    out
}

pub fn sha256_b64url(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(sha256(data))
}

/// Constant-time equality for secrets; only the length may leak, which a secret's length does
/// not protect.
pub fn secrets_equal(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_codes_use_the_unambiguous_alphabet() {
        for _ in 0..50 {
            let code = user_code();
            assert_eq!(code.len(), 9);
            assert_eq!(&code[4..5], "-");
            assert!(
                code.chars()
                    .filter(|c| *c != '-')
                    .all(|c| USER_CODE_ALPHABET.contains(&(c as u8)))
            );
        }
    }

    #[test]
    fn typed_codes_are_normalized() {
        assert_eq!(normalize_user_code(" bcdf-ghjk "), "BCDFGHJK");
    }

    #[test]
    fn tokens_are_random_and_url_safe() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }

    #[test]
    fn pkce_s256_example_from_rfc7636_appendix_b() {
        assert_eq!(
            sha256_b64url(b"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn secret_comparison() {
        assert!(secrets_equal("demo-secret", "demo-secret"));
        assert!(!secrets_equal("demo-secret", "demo-secreT"));
        assert!(!secrets_equal("demo-secret", "demo"));
    }
}
