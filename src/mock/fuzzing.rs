//! Entry points for the fuzz targets in `fuzz/`: thin wrappers over the mock's parsers of
//! untrusted input, which are private to the mock otherwise. Nothing here starts a server
//! or touches its state; each function only reports whether the input was accepted.

use serde_json::Value;

use super::config::ApplicationType;
use super::form::Params;
use super::redirect;
use super::register;

/// `application/x-www-form-urlencoded` bytes, as a request body or query string is parsed:
/// `Ok` with the number of distinct parameters, or the error description.
pub fn parse_form(raw: &[u8]) -> Result<usize, String> {
    Params::parse(raw)
        .map(|params| params.count())
        .map_err(|err| err.description)
}

/// A registration (RFC 7591) body, parsed as JSON and validated as client metadata exactly
/// as `POST /register` does: `Ok` with the accepted redirect URIs, or the error code.
pub fn parse_registration(body: &[u8]) -> Result<Vec<String>, &'static str> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(metadata)) => register::accept(&metadata, false)
            .map(|accepted| accepted.redirect_uris().to_vec())
            .map_err(|err| err.error),
        _ => Err("invalid_client_metadata"),
    }
}

/// The redirect URI rules for a client of the given type (`native` when `native` is true).
pub fn validate_redirect_uri(uri: &str, native: bool) -> Result<(), String> {
    let application_type = if native {
        ApplicationType::Native
    } else {
        ApplicationType::Web
    };
    redirect::validate_registered(uri, application_type)
}
