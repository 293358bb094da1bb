//! The JWT bearer grant from the flow picker (RFC 7523 §2.1): a form takes an assertion
//! pasted whole, or the claims of one to build and sign with the active client's private
//! key (iss, sub, aud prefilled, editable), and the flow then trades it at the token
//! endpoint like any other grant.

use crate::oauth::client_auth::assertion_claims;
use crate::oauth::flow::FlowKind;
use crate::tui::model::{Field, Form, FormPurpose};

use super::App;
use super::flows::signing_key_of;
use super::request_options::KEY_HINT;

/// Whom the assertion is about on the built-in mock when no token names anyone yet: a demo
/// user (the mock issues the token for a subject it does not know too).
const MOCK_SUBJECT: &str = "alice";

impl App {
    /// Enter on the JWT bearer grant in the picker: the assertion form, prefilled.
    pub(super) fn open_jwt_bearer_form(&mut self) {
        let server = self.selected_server();
        let client_id = self
            .active_client()
            .map(|c| c.client_id.clone())
            .unwrap_or_default();
        let audience = server
            .and_then(|s| s.metadata())
            .and_then(|m| m.token_endpoint.clone())
            .unwrap_or_default();
        // The subject of the newest token that names one, else a demo user on the mock.
        let subject = self
            .tokens
            .iter()
            .rev()
            .find_map(|t| t.decoded.as_ref()?.claims.get("sub")?.as_str())
            .map(str::to_string)
            .or_else(|| server.filter(|s| s.built_in).map(|_| MOCK_SUBJECT.into()))
            .unwrap_or_default();
        self.open_form(Form::new(
            FormPurpose::JwtBearer,
            "JWT bearer grant (RFC 7523 §2.1): a trusted issuer's JWT for a token",
            vec![
                Field::secret(
                    "assertion",
                    "assertion: paste a JWT, or leave empty to sign one with the client's key",
                    "",
                ),
                Field::text("iss", "iss: an issuer the server trusts", &client_id),
                Field::text("sub", "sub: whom the token is for", &subject),
                Field::text("aud", "aud: the server (its token endpoint)", &audience),
            ],
        ));
    }

    /// The form submitted: the assertion given, or one signed now; the flow starts with it.
    /// What is missing keeps the form open, as typed.
    pub(super) fn jwt_bearer_submitted(&mut self, form: &Form) -> Result<(), String> {
        let given = form.value("assertion");
        let assertion = if given.is_empty() {
            self.build_assertion(form)?
        } else {
            given
        };
        self.start_flow(FlowKind::JwtBearer, Some((assertion, None)), None);
        Ok(())
    }

    /// An assertion from the form's claims (and a fresh jti, iat, exp), signed with the
    /// active client's private key (RFC 7523 §3).
    fn build_assertion(&self, form: &Form) -> Result<String, String> {
        let [issuer, subject, audience] = ["iss", "sub", "aud"].map(|name| form.value(name));
        for (name, value) in [("iss", &issuer), ("sub", &subject), ("aud", &audience)] {
            if value.is_empty() {
                return Err(format!(
                    "the assertion needs {name} (RFC 7523 §3), or paste a whole assertion"
                ));
            }
        }
        let client = self
            .active_client()
            .ok_or("choose or add a client first (2)")?;
        let key = signing_key_of(client)?.ok_or_else(|| {
            format!(
                "building the assertion signs it with the client's private key, and {} has \
                 none: paste an assertion, or {KEY_HINT}",
                client.client_id
            )
        })?;
        let claims = assertion_claims(&issuer, &subject, &audience).map_err(|e| e.to_string())?;
        key.sign_jwt("JWT", &claims).map_err(|e| e.to_string())
    }
}
