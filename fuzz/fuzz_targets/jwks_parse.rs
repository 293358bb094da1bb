//! A JWK Set fetched from a server's `jwks_uri`, or a key file: parsing it and trying each key
//! against a token of every algorithm must give a verdict, never a panic, whatever the key
//! material (wrong sizes, bad base64url, absurd RSA moduli, unknown curves).
#![no_main]

use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;
use oauthscope::oauth::jwks::JwkSet;
use oauthscope::oauth::jwt::{
    Algorithm, Jwt, check_signature_with_set, key_mismatch, verify_with_jwk,
};

/// The signature size of each algorithm, so the key is really used rather than the token
/// being refused for its signature length first.
fn signature_len(alg: Algorithm) -> usize {
    match alg {
        Algorithm::HS256 => 32,
        Algorithm::HS384 => 48,
        Algorithm::HS512 | Algorithm::ES256 | Algorithm::EdDSA => 64,
        Algorithm::ES384 => 96,
        _ => 256,
    }
}

/// One token per algorithm, with a kid and without one (a kid-less token is tried against
/// every compatible key of the set).
static TOKENS: LazyLock<Vec<(Algorithm, Jwt)>> = LazyLock::new(|| {
    let payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"alice"}"#);
    let mut tokens = Vec::new();
    for alg in Algorithm::ALL {
        let signature = URL_SAFE_NO_PAD.encode(vec![0x5a; signature_len(alg)]);
        for header in [
            format!(r#"{{"alg":"{}"}}"#, alg.name()),
            format!(r#"{{"alg":"{}","kid":"1"}}"#, alg.name()),
        ] {
            let header = URL_SAFE_NO_PAD.encode(header);
            let jwt = Jwt::decode(&format!("{header}.{payload}.{signature}"))
                .expect("the fixed tokens are well-formed");
            tokens.push((alg, jwt));
        }
    }
    tokens
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let set = match JwkSet::parse(text) {
        Ok(set) => set,
        Err(err) => {
            let _ = err.to_string();
            return;
        }
    };
    let _ = serde_json::to_string(&set);
    let _ = set.has_kid("1");
    for key in &set.keys {
        let _ = key.label();
        for member in ["n", "e", "x", "y", "k"] {
            let _ = key.member(member);
        }
        for alg in Algorithm::ALL {
            let _ = key_mismatch(key, alg);
        }
    }
    for (alg, jwt) in TOKENS.iter() {
        for key in &set.keys {
            let _ = verify_with_jwk(jwt, *alg, key);
        }
        let _ = check_signature_with_set(jwt, &set);
    }
});
