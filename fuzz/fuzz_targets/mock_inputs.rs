//! What unauthenticated clients send the mock: form bodies and query strings, registration
//! JSON, redirect URIs. Every input is fed to all three; each must give a result or an error,
//! and an accepted redirect URI must obey the rules (no control characters or whitespace,
//! never a script or file scheme).
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauthscope::mock::fuzzing::{parse_form, parse_registration, validate_redirect_uri};

/// What an accepted redirect URI can never be.
fn assert_safe(uri: &str) {
    assert!(!uri.chars().any(|c| c.is_control() || c.is_whitespace()), "{uri:?}");
    let scheme = uri.split(':').next().unwrap_or_default().to_ascii_lowercase();
    assert!(
        !["javascript", "data", "vbscript", "file"].contains(&scheme.as_str()),
        "{uri:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let _ = parse_form(data);
    if let Ok(uris) = parse_registration(data) {
        uris.iter().for_each(|uri| assert_safe(uri));
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for native in [false, true] {
        if validate_redirect_uri(text, native).is_ok() {
            assert_safe(text);
        }
    }
});
