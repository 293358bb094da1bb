//! Pushed authorization requests (RFC 9126): the client POSTs the authorization parameters to
//! the server first and sends only `client_id` + `request_uri` through the browser.

use super::FlowConfig;
use crate::oauth::error::EngineError;
use crate::oauth::exchange::Exchange;
use crate::oauth::response::expect_json;
use crate::oauth::step::RequestDraft;
use crate::wire::PushedAuthorizationResponse;

/// The POST to the PAR endpoint with every authorization parameter and the client's
/// authentication (RFC 9126 §2.1).
pub fn par_request(
    config: &FlowConfig,
    params: &[(String, String)],
) -> Result<RequestDraft, EngineError> {
    let endpoint = config.endpoint(
        "pushed_authorization_request_endpoint",
        &config.metadata.pushed_authorization_request_endpoint,
    )?;
    let mut draft = RequestDraft::new("POST", endpoint);
    draft.params = params.to_vec();
    config.client.apply(&mut draft, &config.metadata.issuer)?;
    Ok(draft)
}

/// Reads the PAR response: 201 with request_uri and expires_in (RFC 9126 §2.2). A 200 with
/// the same body is accepted too: the parameters were pushed, which is what matters here.
pub fn process_par_response(
    exchange: &Exchange,
) -> Result<PushedAuthorizationResponse, EngineError> {
    let response: PushedAuthorizationResponse =
        expect_json(exchange, "pushed authorization response", &[201, 200])?;
    if response.request_uri.is_empty() {
        return Err(EngineError::WrongShape {
            what: "pushed authorization response".into(),
            detail: "request_uri is empty".into(),
        });
    }
    Ok(response)
}

/// The browser leg after a push: only client_id and request_uri (RFC 9126 §4).
pub fn authorize_with_request_uri(
    config: &FlowConfig,
    request_uri: &str,
) -> Result<RequestDraft, EngineError> {
    let endpoint = config.endpoint(
        "authorization_endpoint",
        &config.metadata.authorization_endpoint,
    )?;
    let mut draft = RequestDraft::new("GET", endpoint);
    draft.set_param("client_id", &config.client.client_id);
    draft.set_param("request_uri", request_uri);
    Ok(draft)
}
