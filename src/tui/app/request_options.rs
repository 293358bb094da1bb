//! The code and PAR flows' authorization options: the parameters as a signed request object
//! (JAR, RFC 9101; `J`) and rich authorization (RAR, RFC 9396; `A`). Both change the
//! authorization request itself, so a flow that has sent nothing yet is built again with
//! them at once; otherwise they apply from the next code or PAR flow on.

use serde_json::{Value, json};

use crate::oauth::StepStatus;
use crate::oauth::flow::FlowKind;
use crate::tui::action::Command;
use crate::tui::model::{FlowView, Form, FormPurpose, Waiting};
use crate::wire::ServerMetadata;

use super::App;
use super::flows::signing_key_of;

/// What the code and PAR flows add to their authorization request.
#[derive(Debug, Clone, Default)]
pub struct RequestOptions {
    /// Send the parameters as a request object (RFC 9101).
    pub request_object: bool,
    /// The `authorization_details` asked for (RFC 9396 §2), as compact JSON.
    pub authorization_details: Option<String>,
}

/// The metadata member that says which request object algorithms the server takes.
const REQUEST_OBJECT_ALGS: &str = "request_object_signing_alg_values_supported";

impl App {
    /// `J`: request objects on or off for the code and PAR flows.
    pub(super) fn toggle_request_object(&mut self) {
        if self.request_options.request_object {
            self.request_options.request_object = false;
            return self.options_changed(|when| {
                format!("request objects off: the authorization parameters go as they are {when}")
            });
        }
        let metadata = self.selected_server().and_then(|s| s.metadata());
        let algs = metadata.map(request_object_algs).unwrap_or_default();
        let client = self.active_client().cloned();
        let key = match client.as_ref().map(signing_key_of).transpose() {
            Ok(key) => key.flatten(),
            Err(why) => return self.error(why),
        };
        let who = client.map_or_else(|| "the client".to_string(), |c| c.client_id);
        let signed = match &key {
            Some(key) => format!("signed by {who}'s key {} ({})", key.kid(), key.alg().name()),
            None if algs.iter().any(|a| a == "none") => format!(
                "unsigned (alg none, which the server allows): {who} has no private key; {}",
                KEY_HINT
            ),
            None => {
                return self.error(format!(
                    "a request object is signed with the client's private key, and {who} has \
                     none (the server does not take alg none, RFC 9101 §10.1): {KEY_HINT}"
                ));
            }
        };
        self.request_options.request_object = true;
        let unadvertised = if algs.is_empty() {
            " · the server does not list request_object_signing_alg_values_supported"
        } else {
            ""
        };
        self.options_changed(|when| {
            format!("request objects on (RFC 9101), {signed}; {when}{unadvertised}")
        });
    }

    /// `A`: the editor for the `authorization_details` the code and PAR flows ask for,
    /// holding what is asked now, else an example of a type the server lists.
    pub(super) fn open_rich_authorization(&mut self) {
        let types = self
            .selected_server()
            .and_then(|s| s.metadata())
            .map(|m| m.authorization_details_types_supported.clone())
            .unwrap_or_default();
        let text = match &self.request_options.authorization_details {
            Some(details) => pretty(details),
            None => example_details(&types),
        };
        let mut label = if types.is_empty() {
            "the server lists no authorization_details_types_supported".to_string()
        } else {
            format!("types the server takes: {}", types.join(", "))
        };
        // Said when it fits beside the types at 80 columns.
        if label.len() < 50 {
            label.push_str(" · empty asks for none");
        }
        self.open_form(Form::editor(
            FormPurpose::RichAuthorization,
            "Rich authorization (RFC 9396): a JSON array of objects, each with a type",
            &label,
            &text,
        ));
    }

    /// The editor submitted: checked JSON becomes what the code and PAR flows ask for; an
    /// empty editor asks for none. Bad JSON keeps the editor open with the text as typed.
    pub(super) fn rich_authorization_submitted(&mut self, text: &str) -> Result<(), String> {
        if text.trim().is_empty() {
            self.request_options.authorization_details = None;
            self.options_changed(|when| {
                format!("rich authorization off: no authorization_details {when}")
            });
            return Ok(());
        }
        let details = check_authorization_details(text)?;
        let unknown = match self.unlisted_types(&details) {
            Some(types) => format!(
                " · the server does not list type {types}: expect invalid_authorization_details"
            ),
            None => String::new(),
        };
        self.request_options.authorization_details = Some(details);
        self.options_changed(|when| format!("authorization_details asked for {when}{unknown}"));
        Ok(())
    }

    /// The types in `details` the selected server does not list, when it lists some.
    fn unlisted_types(&self, details: &str) -> Option<String> {
        let listed = &self
            .selected_server()?
            .metadata()?
            .authorization_details_types_supported;
        let value: Value = serde_json::from_str(details).ok()?;
        let unknown: Vec<String> = value
            .as_array()?
            .iter()
            .filter_map(|item| item.get("type"))
            .filter(|kind| !kind.as_str().is_some_and(|k| listed.iter().any(|l| l == k)))
            .map(Value::to_string)
            .collect();
        (!listed.is_empty() && !unknown.is_empty()).then(|| unknown.join(", "))
    }

    /// Builds an unsent code or PAR flow again with the options as they are now, and says
    /// what changed (`said` gets when it takes effect): now, and again once the flow shows.
    fn options_changed(&mut self, said: impl FnOnce(&str) -> String) {
        let rebuilt = self.rebuild_unsent_flow();
        let when = if rebuilt {
            "in the request below"
        } else {
            "from the next code or PAR flow on"
        };
        let message = said(when);
        self.info(message.clone());
        if rebuilt {
            self.ready_note = Some((self.flow_generation, message));
        }
    }

    /// A code or PAR flow that has sent nothing yet is built again with the options as they
    /// are now; false when there is none.
    fn rebuild_unsent_flow(&mut self) -> bool {
        let unsent = match &self.flow {
            FlowView::Running(run) => {
                run.flow.kind().has_authorization_leg()
                    && !run.busy
                    && run.steps().iter().all(|s| s.exchange.is_none())
                    && run.flow.current() == Some(0)
            }
            FlowView::Picking(_) => false,
        };
        if !unsent {
            return false;
        }
        let kind = match &self.flow {
            FlowView::Running(run) => run.flow.kind(),
            FlowView::Picking(_) => FlowKind::AuthorizationCode,
        };
        self.start_flow(kind, None, None);
        true
    }

    /// Whether a flow-pane key does something now, so the footer names only those: the
    /// browser keys while the browser step waits, the tool call once tools are listed, the
    /// authorization options before a code or PAR flow sends its request.
    pub fn flow_key_applies(&self, command: Command) -> bool {
        let run = match &self.flow {
            FlowView::Running(run) => run,
            FlowView::Picking(_) => {
                return matches!(
                    command,
                    Command::Activate
                        | Command::New
                        | Command::ToggleDpop
                        | Command::ToggleRequestObject
                        | Command::RichAuthorization
                );
            }
        };
        let current = run.flow.current().map(|i| &run.flow.steps()[i]);
        let browser = matches!(run.waiting, Some(Waiting::Redirect { .. }));
        let device = run.flow.outcome().device.is_some() && !run.flow.is_finished();
        match command {
            Command::Activate => run.diagram.is_some() || (current.is_some() && !browser),
            Command::Edit => current.is_some_and(|s| s.request.is_some()) && !browser,
            Command::SignIn => browser || device,
            Command::OpenBrowser | Command::PasteRedirect => browser,
            Command::CallTool => run.flow.outcome().mcp_tools.is_some(),
            Command::ToggleRequestObject | Command::RichAuthorization => {
                run.flow.kind().has_authorization_leg()
                    && current.is_some_and(|s| matches!(s.status, StepStatus::Ready))
                    && run.steps().iter().all(|s| s.exchange.is_none())
            }
            _ => true,
        }
    }

    /// What the selected server offers the code and PAR flows beyond their parameters, with
    /// the keys that turn it on, for the flow's first step; empty when it offers nothing.
    pub fn authorization_offers(&self) -> Vec<String> {
        let Some(metadata) = self.selected_server().and_then(|s| s.metadata()) else {
            return Vec::new();
        };
        let options = &self.request_options;
        let mut offers = Vec::new();
        let types = &metadata.authorization_details_types_supported;
        if options.authorization_details.is_some() {
            offers.push("A rich authorization: on, authorization_details below".into());
        } else if !types.is_empty() {
            offers.push(format!(
                "A rich authorization (RFC 9396): the server takes {}",
                types.join(", ")
            ));
        }
        let algs = request_object_algs(metadata);
        if options.request_object {
            offers.push("J request object: on, the parameters go signed in `request`".into());
        } else if !algs.is_empty() {
            offers.push(format!(
                "J signed request object (RFC 9101): the server takes {}",
                algs.join(", ")
            ));
        }
        offers
    }
}

/// How a client gets the key a request object or an assertion is signed with.
pub(super) const KEY_HINT: &str = "make one with oauthscope keygen --out FILE and set \
     private_key = \"FILE\" for the client in the profile, or choose demo-private-key in \
     Clients (2) on the built-in mock";

fn request_object_algs(metadata: &ServerMetadata) -> Vec<String> {
    metadata
        .extra
        .get(REQUEST_OBJECT_ALGS)
        .and_then(Value::as_array)
        .map(|algs| {
            algs.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// `authorization_details` as typed, checked to be what RFC 9396 §2 says it is (a JSON
/// array of objects, each with a `type`), returned compact as the parameter carries it.
/// Whether the server knows the types is the server's to say.
pub fn check_authorization_details(text: &str) -> Result<String, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        format!("authorization_details is not JSON: {e} (RFC 9396 §2: a JSON array of objects)")
    })?;
    let Some(items) = value.as_array().filter(|items| !items.is_empty()) else {
        return Err(
            "authorization_details must be a JSON array with at least one object, like \
             [{\"type\": \"account_information\"}] (RFC 9396 §2)"
                .into(),
        );
    };
    if let Some(at) = items.iter().position(|item| {
        !item
            .as_object()
            .and_then(|o| o.get("type"))
            .is_some_and(Value::is_string)
    }) {
        return Err(format!(
            "authorization_details[{at}] is not an object with a string `type` (RFC 9396 §2)"
        ));
    }
    Ok(value.to_string())
}

fn pretty(details: &str) -> String {
    serde_json::from_str::<Value>(details)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| details.to_string())
}

/// An example to start from: RFC 9396's own for the types it uses as examples, else an
/// object of the first type the server lists, else of the RFC's first example type.
fn example_details(types: &[String]) -> String {
    let kind = types.first().map_or("account_information", String::as_str);
    let example = match kind {
        // RFC 9396 §2.1, figure 3.
        "account_information" => json!([{
            "type": "account_information",
            "actions": ["list_accounts", "read_balances", "read_transactions"],
            "locations": ["https://example.com/accounts"]
        }]),
        // RFC 9396 §2, figure 1.
        "payment_initiation" => json!([{
            "type": "payment_initiation",
            "actions": ["initiate", "status", "cancel"],
            "locations": ["https://example.com/payments"],
            "instructedAmount": {"currency": "EUR", "amount": "123.50"},
            "creditorName": "Merchant A",
            "creditorAccount": {"iban": "DE02100100109307118603"},
            "remittanceInformationUnstructured": "Ref Number Merchant"
        }]),
        other => json!([{ "type": other }]),
    };
    serde_json::to_string_pretty(&example).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_are_a_json_array_of_typed_objects_and_each_fault_names_the_rule() {
        assert_eq!(
            check_authorization_details("[ {\"type\": \"x\", \"a\": 1} ]"),
            Ok("[{\"a\":1,\"type\":\"x\"}]".into())
        );
        for (bad, says) in [
            ("[{\"type\": \"x\"", "is not JSON"),
            ("{\"type\": \"x\"}", "must be a JSON array"),
            ("[]", "at least one object"),
            (
                "[{\"type\": \"x\"}, {\"kind\": 1}]",
                "authorization_details[1]",
            ),
        ] {
            let err = check_authorization_details(bad).unwrap_err();
            assert!(
                err.contains(says) && err.contains("RFC 9396 §2"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn the_example_is_of_a_type_the_server_lists_and_passes_the_check() {
        for types in [
            vec!["payment_initiation".to_string()],
            vec!["account_information".into()],
            vec!["urn:example:custom".into()],
            Vec::new(),
        ] {
            let example = example_details(&types);
            let checked = check_authorization_details(&example).unwrap();
            let value: Value = serde_json::from_str(&checked).unwrap();
            let wanted = types.first().map_or("account_information", String::as_str);
            assert_eq!(value[0]["type"], wanted, "{example}");
        }
    }
}
