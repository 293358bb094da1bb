//! The Mock panel (`c` in Servers): the oauthscope mock's control API (`/_mock/`) on the
//! selected server, a key or a small form per action. Each action is one real HTTP call made
//! by the recording client, so it lands in Exchanges like every other request; its answer, in
//! words, fills the panel's section for that subject.

use serde_json::Value;

use crate::oauth::mock_control::{
    self, ClockMove, ControlError, ControlRequest, FaultSpec, parse_claims, split_pairs,
};
use crate::oauth::secret::Secret;
use crate::tui::action::Command;
use crate::tui::model::{Field, Form, FormPurpose, MockForm};
use crate::tui::outcome::Outcome;

use super::App;

/// Where the mock's control API is, below its issuer.
const CONTROL_PATH: &str = "/_mock/";

/// How many of the mock's last requests `v` shows.
pub const REQUESTS_SHOWN: usize = 10;

const KEEP_OLD_KEYS: &str = "keep until their tokens expire";
const RETIRE_OLD_KEYS: &str = "retire at once";

/// What the panel knows of the mock, each part as of the last answer about it.
#[derive(Debug, Clone, Default)]
pub struct MockPanel {
    /// The mock's issuer; the control API is below it.
    pub issuer: String,
    /// The pending faults, once listed (or added to a listed set).
    pub faults: Option<Vec<Value>>,
    /// The clock in words, and its distance from real time in milliseconds.
    pub clock: Option<(String, i64)>,
    pub keys: Vec<String>,
    pub claims: Vec<String>,
    pub requests: Vec<String>,
    /// The last action's answer in words, or why it failed.
    pub last: Option<Result<String, String>>,
    /// The control token, once the mock asked for it and the user gave it; for the session.
    pub control_token: Option<Secret>,
    /// The request the mock refused for want of the token, sent again once it is given.
    pending: Option<ControlRequest>,
}

impl App {
    /// `c` in Servers: opens the panel on the selected server and lists its pending faults,
    /// which also tells at once whether the server answers at /_mock/.
    pub(super) fn open_mock_panel(&mut self) {
        let Some(server) = self.selected_server() else {
            return self.info("add a server first (n)".into());
        };
        self.mock = Some(MockPanel {
            issuer: server.issuer.clone(),
            ..MockPanel::default()
        });
        self.ui.scroll = 0;
        self.send_control(ControlRequest::ListFaults);
    }

    /// Whether the Mock panel has the keyboard: it is open over the focused Servers pane.
    pub(super) fn mock_panel_shown(&self) -> bool {
        self.mock.is_some() && self.ui.focus == crate::tui::layout::Pane::Servers
    }

    /// Esc closes the panel when there is no work to cancel.
    pub(super) fn close_mock_panel(&mut self) -> bool {
        self.mock.take().is_some()
    }

    /// Esc stopped the work in flight: a panel still waiting for its first answer says so.
    pub(super) fn mock_cancelled(&mut self, anything: bool) {
        if let Some(panel) = self.mock.as_mut().filter(|p| anything && p.last.is_none()) {
            panel.last = Some(Err("cancelled before the mock answered".into()));
        }
    }

    pub(super) fn mock_command(&mut self, command: Command) {
        match command {
            Command::MockFault => self.open_form(Form::new(
                FormPurpose::Mock(MockForm::Fault),
                "Inject a fault: the next requests to the endpoint fail this way",
                vec![
                    Field::text(
                        "endpoint",
                        // Short enough for 80 columns; the mock names them all when one is wrong.
                        "Endpoint: token, authorize, userinfo, introspect, revoke, jwks, …",
                        "token",
                    ),
                    Field::text(
                        "error",
                        "Error: OAuth code, HTTP status (503), malformed_json, delay, wrong_aud, …",
                        "invalid_grant",
                    ),
                    Field::text("count", "How many requests fail", "1"),
                    Field::text("client_id", "Only from this client_id (optional)", ""),
                    Field::text("delay_ms", "Milliseconds late (optional)", ""),
                ],
            )),
            Command::MockFaults => self.send_control(ControlRequest::ListFaults),
            Command::MockClearFaults => self.send_control(ControlRequest::ClearFaults),
            Command::MockClock => self.open_form(Form::new(
                FormPurpose::Mock(MockForm::Clock),
                "Move the mock's clock: codes, tokens and refresh tokens expire on demand",
                vec![Field::text(
                    "to",
                    "Advance by (3600s, 90m, 2h, 1d) or set to (2030-01-01T00:00:00Z)",
                    "1h",
                )],
            )),
            Command::MockRealClock => self.send_control(ControlRequest::Clock(ClockMove::Real)),
            Command::MockRotateKeys => self.open_form(Form::new(
                FormPurpose::Mock(MockForm::RotateKeys),
                "Rotate the signing keys: new keys sign from now on",
                vec![Field::choice(
                    "old",
                    "The old keys in /jwks",
                    &[KEEP_OLD_KEYS, RETIRE_OLD_KEYS],
                    KEEP_OLD_KEYS,
                )],
            )),
            Command::MockKeys => self.send_control(ControlRequest::KeyHistory),
            Command::MockUserClaims => self.open_form(Form::new(
                FormPurpose::Mock(MockForm::UserClaims),
                "Claims for a user's ID tokens, access tokens and userinfo",
                vec![
                    Field::text("user", "User", "alice"),
                    Field::text(
                        "claims",
                        "KEY=VALUE ... (VALUE as JSON when it is JSON)",
                        "",
                    ),
                ],
            )),
            Command::MockNextClaims => self.open_form(Form::new(
                FormPurpose::Mock(MockForm::NextClaims),
                "Claims for the next token issued, whoever it is for",
                vec![Field::text(
                    "claims",
                    "KEY=VALUE ... (VALUE as JSON when it is JSON)",
                    "",
                )],
            )),
            Command::MockRequests => self.send_control(ControlRequest::Requests {
                limit: Some(REQUESTS_SHOWN),
            }),
            other => self.not_here(other),
        }
    }

    /// A Mock panel form submitted: its request, or what is wrong with what was typed (the
    /// form stays open with it). A form the mock refuses opens again with the mock's answer.
    pub(super) fn mock_form_submitted(
        &mut self,
        which: MockForm,
        form: &Form,
    ) -> Result<(), String> {
        let request = match which {
            MockForm::Fault => ControlRequest::AddFault(fault_spec(form)?),
            MockForm::Clock => ControlRequest::Clock(clock_move(&form.value("to"))?),
            MockForm::RotateKeys => ControlRequest::RotateKeys {
                retire_old: form.value("old") == RETIRE_OLD_KEYS,
            },
            MockForm::UserClaims => {
                let user = form.value("user");
                if user.is_empty() {
                    return Err("name the user the claims are for".into());
                }
                ControlRequest::UserClaims {
                    user,
                    claims: parse_claims(&split_pairs(&form.value("claims")))?,
                }
            }
            MockForm::NextClaims => {
                ControlRequest::NextClaims(parse_claims(&split_pairs(&form.value("claims")))?)
            }
            MockForm::ControlToken => {
                let token = form.value("token");
                if token.is_empty() {
                    return Err("type the token the mock was started with".into());
                }
                let Some(panel) = self.mock.as_mut() else {
                    return Ok(());
                };
                panel.control_token = Some(Secret::from(token));
                panel.pending.take().unwrap_or(ControlRequest::ListFaults)
            }
        };
        self.send_control(request);
        self.submitted_form = Some(form.clone());
        Ok(())
    }

    /// After a request to the panel's mock outside its control API, the faults it lists
    /// again: the request may have used one up, and a used-up fault must not show as
    /// pending.
    pub(super) fn refresh_faults_after(&mut self, exchange: &crate::oauth::Exchange) {
        let Some(panel) = &self.mock else {
            return;
        };
        let listed = panel
            .faults
            .as_ref()
            .is_some_and(|faults| !faults.is_empty());
        let base = panel.issuer.trim_end_matches('/');
        let to_the_mock = exchange
            .url
            .strip_prefix(base)
            .is_some_and(|path| path.starts_with('/') && !path.starts_with(CONTROL_PATH));
        if listed && to_the_mock {
            self.send_control(ControlRequest::ListFaults);
        }
    }

    fn send_control(&mut self, request: ControlRequest) {
        let Some((issuer, token)) = self
            .mock
            .as_ref()
            .map(|m| (m.issuer.clone(), m.control_token.clone()))
        else {
            return;
        };
        let Some(http) = self.http() else {
            return;
        };
        self.tasks
            .spawn(format!("asking the mock at {issuer}"), async move {
                let result = request.send(&http, &issuer, token.as_ref()).await;
                Outcome::MockAnswered {
                    issuer,
                    request: Box::new(request),
                    result,
                }
            });
    }

    pub(super) fn mock_answered(
        &mut self,
        issuer: &str,
        request: &ControlRequest,
        result: Result<Value, ControlError>,
    ) {
        // Only a Mock form is this answer's to open again (a registration may be in flight).
        let submitted = self
            .submitted_form
            .take_if(|form| matches!(form.purpose, FormPurpose::Mock(_)));
        let Some(panel) = self.mock.as_mut().filter(|m| m.issuer == issuer) else {
            return;
        };
        let answer = match result {
            Ok(answer) => answer,
            Err(err @ (ControlError::NeedsToken | ControlError::TokenRefused)) => {
                let reason = err.to_string();
                panel.last = Some(Err(reason.clone()));
                panel.control_token = None;
                panel.pending = Some(request.clone());
                self.open_form(Form {
                    error: Some(reason),
                    ..Form::new(
                        FormPurpose::Mock(MockForm::ControlToken),
                        "The mock's control token (oauthscope mock --control-token)",
                        vec![Field::secret("token", "Control token", "")],
                    )
                });
                return;
            }
            Err(err) => {
                let reason = err.to_string();
                panel.last = Some(Err(reason.clone()));
                if let Some(form) = submitted
                    && self.ui.overlay.is_none()
                {
                    self.open_form(Form {
                        error: Some(reason.clone()),
                        ..form
                    });
                }
                return self.error(format!("mock control: {reason}"));
            }
        };
        let lines = request.describe(&answer);
        match request {
            ControlRequest::AddFault(_) => {
                if let Some(faults) = &mut panel.faults {
                    faults.push(answer);
                }
            }
            ControlRequest::ListFaults => {
                panel.faults = Some(mock_control::pending_faults(&answer))
            }
            ControlRequest::ClearFaults => panel.faults = Some(Vec::new()),
            ControlRequest::Clock(_) => {
                let offset = answer["offset_ms"].as_i64().unwrap_or(0);
                panel.clock = Some((lines.join(" "), offset));
            }
            ControlRequest::RotateKeys { .. } | ControlRequest::KeyHistory => {
                panel.keys = lines.clone()
            }
            ControlRequest::UserClaims { user, .. } => {
                panel.claims = lines.iter().map(|l| format!("{user}: {l}")).collect()
            }
            ControlRequest::NextClaims(_) => {
                panel.claims = lines.iter().map(|l| format!("next token: {l}")).collect()
            }
            ControlRequest::Requests { .. } => panel.requests = lines.clone(),
        }
        let summary = lines.first().cloned().unwrap_or_default();
        panel.last = Some(Ok(summary.clone()));
        self.success(format!("mock: {summary}"));
    }
}

fn fault_spec(form: &Form) -> Result<FaultSpec, String> {
    let endpoint = form.value("endpoint");
    let error = form.value("error");
    if endpoint.is_empty() || error.is_empty() {
        return Err("name the endpoint and the error".into());
    }
    let count = match form.value("count").parse::<u64>() {
        Ok(n) if n >= 1 => n,
        _ => {
            return Err(format!(
                "count `{}` is not a whole number of requests (1 or more)",
                form.value("count")
            ));
        }
    };
    let optional = |name: &str| Some(form.value(name)).filter(|v| !v.is_empty());
    let delay_ms = optional("delay_ms")
        .map(|ms| {
            ms.parse::<u64>()
                .map_err(|_| format!("delay `{ms}` is not a whole number of milliseconds"))
        })
        .transpose()?;
    Ok(FaultSpec {
        endpoint,
        error,
        count,
        client_id: optional("client_id"),
        delay_ms,
    })
}

/// A time has a date in it (`2030-01-01…`); anything else is a duration. The mock checks
/// either and says what it takes.
fn clock_move(to: &str) -> Result<ClockMove, String> {
    if to.is_empty() {
        return Err("type a duration (3600s, 90m, 2h, 1d) or a time (2030-01-01T00:00:00Z)".into());
    }
    Ok(if to.contains('-') {
        ClockMove::Set(to.to_owned())
    } else {
        ClockMove::Advance(to.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::action::Action;
    use crate::tui::app::Settings;
    use crate::tui::effect::Effect;
    use crate::tui::keymap::Context;

    #[test]
    fn esc_cancels_the_first_call_then_closes_the_panel() {
        let (mut app, _) = App::new(Settings {
            built_in: Some(("http://127.0.0.1:9".into(), Vec::new())),
            ..Settings::in_memory()
        });
        app.update(Action::Run(Command::FocusServers));
        let effects = app.update(Action::Run(Command::MockPanel));
        assert!(
            effects.iter().any(|e| matches!(e, Effect::Spawn { .. })),
            "{effects:?}"
        );
        assert_eq!(app.context(), Context::Mock);
        app.update(Action::Run(Command::Cancel));
        let panel = app.mock.as_ref().expect("still open");
        assert!(matches!(&panel.last, Some(Err(why)) if why.contains("cancelled")));
        app.update(Action::Run(Command::Cancel));
        assert!(app.mock.is_none());
        assert_eq!(app.context(), Context::Servers);
    }

    #[test]
    fn a_date_sets_the_clock_and_anything_else_advances_it() {
        assert_eq!(
            clock_move("2030-01-01T00:00:00Z"),
            Ok(ClockMove::Set("2030-01-01T00:00:00Z".into()))
        );
        assert_eq!(clock_move("90m"), Ok(ClockMove::Advance("90m".into())));
        assert!(clock_move("").is_err());
    }
}
