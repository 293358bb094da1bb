//! A redirect URL pasted by the user: parsing it and checking the authorization response it
//! carries must give a result or a readable error, whatever was pasted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauthscope::oauth::redirect::{
    ExpectedResponse, check_authorization_response, is_loopback_redirect, parse_redirect_url,
};

fuzz_target!(|data: &[u8]| {
    let Ok(pasted) = std::str::from_utf8(data) else {
        return;
    };
    let _ = is_loopback_redirect(pasted);
    let Ok(response) = parse_redirect_url(pasted) else {
        return;
    };
    for iss_required in [false, true] {
        let expected = ExpectedResponse {
            state: Some("af0ifjsldkj".into()),
            issuer: "https://as.example.com".into(),
            iss_required,
        };
        let _ = check_authorization_response(&response, &expected);
    }
    let without_state = ExpectedResponse {
        state: None,
        issuer: "https://as.example.com".into(),
        iss_required: false,
    };
    let _ = check_authorization_response(&response, &without_state);
});
