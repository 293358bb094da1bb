//! Any text given as a token (pasted, from a token response, from the command line): decoding
//! it and running every signature and claim check must give a verdict, never a panic.
#![no_main]

use std::sync::LazyLock;
use std::time::{Duration, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use oauthscope::oauth::jwks::JwkSet;
use oauthscope::oauth::jwt::{
    ClaimRules, Jwt, Verification, accepted_algorithm, verify_with_secret, verify_with_set,
};

/// One public key of each family the engine verifies, from the RFCs' examples: RSA (RFC 7520
/// §3.4), oct (RFC 7520 §3.5), EC P-256 (RFC 7515 §A.3) and Ed25519 (RFC 8037 §A.2).
const KEYS: &str = r#"{"keys":[
{"kty":"RSA","kid":"bilbo.baggins@hobbiton.example","use":"sig","n":"n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqVwGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuCLqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5gHdrNP5zw","e":"AQAB"},
{"kty":"oct","kid":"018c0ae5-4d9b-471b-bfd6-eef314bc7037","use":"sig","alg":"HS256","k":"hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg"},
{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRnAsaGSnouNb9zA-JvPLJcw8cTyoHSgzXAWVXk"},
{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
]}"#;

static KEY_SET: LazyLock<JwkSet> =
    LazyLock::new(|| JwkSet::parse(KEYS).expect("the fixed key set is valid"));

/// The rules an ID token is checked with (every claim compared), and those of a bare JWT
/// (nothing expected), at a fixed clock so a run is reproducible.
static RULES: LazyLock<[ClaimRules; 2]> = LazyLock::new(|| {
    let now = UNIX_EPOCH + Duration::from_secs(1_764_000_000);
    let mut id_token = ClaimRules::id_token("https://as.example.com", "demo-client");
    id_token.now = now;
    id_token.nonce = Some("n-0S6_WzA2Mj".into());
    id_token.access_token = Some("SlAV32hkKG".into());
    let bare = ClaimRules {
        now,
        ..ClaimRules::default()
    };
    [id_token, bare]
});

fn read(verification: &Verification) {
    let _ = verification.is_valid();
    let _ = verification.signature_verified();
    let _ = verification.failure_summary();
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let jwt = match Jwt::decode(text) {
        Ok(jwt) => jwt,
        Err(err) => {
            let _ = err.to_string();
            return;
        }
    };
    let _ = (jwt.alg(), jwt.kid(), jwt.has_claims(), jwt.claim_str("sub"));
    let _ = accepted_algorithm(&jwt);
    for rules in RULES.iter() {
        read(&verify_with_set(&jwt, &KEY_SET, rules));
        read(&verify_with_secret(&jwt, b"a shared secret", rules));
    }
});
