//! A server metadata response (RFC 8414 / OIDC Discovery): reading it, checking its issuer
//! and summing up its capabilities and warnings must give a result or a readable error,
//! whatever the server sent.
//!
//! The first input byte picks the HTTP status (so error bodies are read too); the rest is the
//! response body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauthscope::oauth::Exchange;
use oauthscope::oauth::discovery::{Discovery, check_issuer, metadata_urls, process_metadata};
use oauthscope::wire::ServerMetadata;

const ISSUER: &str = "https://as.example.com";

/// Mostly 200, the status metadata is read from, then the statuses whose bodies are read as
/// an error (or reported as a redirect).
const STATUSES: [u16; 8] = [200, 200, 200, 200, 400, 404, 302, 500];

fuzz_target!(|data: &[u8]| {
    let Some((&status, body)) = data.split_first() else {
        return;
    };
    let Ok(body) = std::str::from_utf8(body) else {
        return;
    };
    let mut exchange = Exchange::new(
        "GET",
        format!("{ISSUER}/.well-known/oauth-authorization-server"),
    );
    exchange.status = Some(STATUSES[usize::from(status) % STATUSES.len()]);
    exchange
        .response_headers
        .push(("content-type".into(), "application/json".into()));
    exchange.response_body = Some(body.to_string());
    match process_metadata(&exchange, ISSUER) {
        Ok(metadata) => {
            let _ = Discovery::manual(metadata);
        }
        Err(err) => {
            let _ = err.to_string();
        }
    }
    // Whatever issuer the document names, what the engine derives from it must hold up too.
    if let Ok(metadata) = serde_json::from_str::<ServerMetadata>(body) {
        let _ = metadata_urls(&metadata.issuer).map_err(|err| err.to_string());
        let _ = check_issuer(&metadata.issuer, &metadata);
        let _ = Discovery::manual(metadata);
    }
});
