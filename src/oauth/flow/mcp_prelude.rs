//! The MCP flow from the server's URL alone (MCP 2025-11-25 "Authorization"), as one
//! [`Flow`]: the steps before the code flow run here, in order, each kept as a visible step
//! with what it sent, the checks it made and the URLs it tried — the unauthenticated
//! `initialize` and its challenge, the protected resource metadata, the authorization
//! server metadata, the registration chosen and why — then the code flow with `resource`
//! and the calls with the token follow as the flow's own steps
//! ([`mcp::authorization_flow_then_tools`]). A face builds it with [`prepare`] and walks
//! the rest one step at a time.

use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};

use super::mcp::{self, ClientOffer, Registration, RegistrationMode, Spec};
use super::{Flow, FlowConfig, FlowKind};
use crate::oauth::client_auth::ClientCredentials;
use crate::oauth::discovery::Endpoints;
use crate::oauth::dpop::DpopKey;
use crate::oauth::exchange::Exchange;
use crate::oauth::http::RecordingClient;
use crate::oauth::jwt::{Check, Verdict};
use crate::oauth::mcp_discovery;
use crate::oauth::protected_resource;
use crate::oauth::registration::{RegisteredClient, Registrar};
use crate::oauth::send_policy::CrossHostConsent;
use crate::oauth::step::{Step, StepKind, StepStatus};
use crate::terminal_text::one_line;

/// What the MCP flow starts from.
#[derive(Debug, Clone)]
pub struct McpStart {
    pub server_url: String,
    pub spec: Spec,
    /// Endpoints given by hand for the authorization server, over its metadata.
    pub endpoints: Endpoints,
    /// The registration asked for (`--registration`; the app lets the server decide).
    pub mode: RegistrationMode,
    /// The client to use, when one is chosen: pre-registered, or registered on an earlier
    /// run (`reused`).
    pub client: Option<ClientCredentials>,
    pub reused: bool,
    /// Clients registered on earlier runs, by issuer, reused when the choice would be
    /// dynamic registration anyway.
    pub saved: Vec<SavedClient>,
    /// Where the face keeps the clients it registers, and how to get a new one, in words.
    pub kept_in: String,
    pub renew: String,
    /// The URL of the client's metadata document, for a server that takes one.
    pub metadata_url: Option<String>,
    /// The scope asked for over the challenge's.
    pub scope: Option<String>,
    /// Where the browser comes back: the loopback listener the caller bound.
    pub redirect_uri: String,
    pub cross_host: CrossHostConsent,
    pub skew: Duration,
    /// The DPoP key the token is bound to and the MCP calls prove (RFC 9449).
    pub dpop: Option<DpopKey>,
}

/// A client registered at `issuer` on an earlier run, with the loopback redirect URI it
/// was registered for.
#[derive(Debug, Clone)]
pub struct SavedClient {
    pub issuer: String,
    pub client: RegisteredClient,
    pub redirect_uri: String,
}

/// The flow, and the client it registered on the way, for the caller to keep for the next
/// run (stored per issuer).
#[derive(Debug)]
pub struct McpPrepared {
    /// The flow, ready at its authorization step; or stopped at the step that failed.
    pub flow: Flow,
    pub registered: Option<(String, RegisteredClient)>,
    /// What discovery and registration found, for a face's report (`--json`).
    pub found: McpFound,
}

/// What the steps before the code flow found, as data.
#[derive(Debug, Default, Serialize)]
pub struct McpFound {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Each protected resource metadata URL tried, and the document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_metadata: Option<Value>,
    /// Each authorization server metadata URL tried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_metadata: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration: Option<RegistrationReport>,
}

/// The registration chosen, why, and the client it gave.
#[derive(Debug, Clone, Serialize)]
pub struct RegistrationReport {
    pub method: Registration,
    pub why: String,
    pub client_id: String,
    pub reused: bool,
}

/// The steps before the code flow, shown as they run, and what they found.
#[derive(Default)]
struct Steps(Vec<Step>, McpFound);

impl Steps {
    /// Keeps a step of `kind` done, or failed on its first failed check.
    fn show(
        &mut self,
        kind: StepKind,
        exchange: Option<Exchange>,
        checks: Vec<Check>,
        notes: Vec<String>,
    ) -> bool {
        let mut step = kind.step();
        let failed = checks.iter().find(|c| c.verdict == Verdict::Fail);
        step.status = match failed {
            Some(check) => StepStatus::Failed(check.detail.clone()),
            None => StepStatus::Done,
        };
        let passed = failed.is_none();
        step.exchange = exchange;
        step.checks = checks;
        step.notes = notes;
        self.0.push(step);
        passed
    }

    fn fail(
        &mut self,
        kind: StepKind,
        exchange: Option<Exchange>,
        reason: &str,
        notes: Vec<String>,
    ) {
        let mut step = kind.step();
        step.status = StepStatus::Failed(reason.to_string());
        step.exchange = exchange;
        step.notes = notes;
        self.0.push(step);
    }

    fn stopped(self) -> McpPrepared {
        McpPrepared {
            flow: Flow::stopped(FlowKind::AuthorizationCode, self.0),
            registered: None,
            found: self.1,
        }
    }
}

/// The step a failed protected resource discovery stopped at: the MCP calls are POSTs and
/// the metadata is fetched with GET, so a GET sent means the call got its answer.
pub fn failed_discovery_stage(sent: &[Exchange]) -> StepKind {
    if sent.iter().any(|e| e.method == "GET") {
        StepKind::ResourceMetadata
    } else {
        StepKind::McpUnauthenticated
    }
}

/// Each URL tried, and why, in words.
fn tried_notes<'a>(tried: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<String> {
    tried
        .map(|(url, why)| format!("tried {} ({why})", one_line(url)))
        .collect()
}

/// Runs the MCP flow's discovery and registration, then builds its code flow with
/// `resource` and the calls with the token after them.
pub async fn prepare(http: &RecordingClient, start: McpStart) -> McpPrepared {
    let mut steps = Steps::default();
    let spec = start.spec;
    // 1–2. The 401 and the protected resource metadata.
    let found = match protected_resource::discover(http, &start.server_url, spec).await {
        Ok(found) => found,
        Err(err) => {
            let sent = http.log().snapshot();
            let stage = failed_discovery_stage(&sent);
            steps.fail(stage, sent.last().cloned(), &err.to_string(), Vec::new());
            return steps.stopped();
        }
    };
    let refused = found.calls.saturating_sub(1);
    let mut notes: Vec<String> = found.exchanges[..refused]
        .iter()
        .map(|e| {
            format!(
                "{} {} answered {} without a token",
                e.method,
                one_line(&e.url),
                e.status.map_or("nothing".into(), |s| s.to_string())
            )
        })
        .collect();
    match &found.refusal.bearer {
        Some(bearer) => notes.extend(
            bearer
                .params
                .iter()
                .map(|(name, value)| format!("challenge {}={}", one_line(name), one_line(value))),
        ),
        None => {
            notes.push("no Bearer challenge: the well-known URIs are tried (MCP 2025-11-25)".into())
        }
    }
    steps.show(
        StepKind::McpUnauthenticated,
        found.exchanges.get(refused).cloned(),
        Vec::new(),
        notes,
    );
    steps.1.resource_metadata = Some(json!({ "tried": found.tried, "document": found.metadata }));
    let passed = steps.show(
        StepKind::ResourceMetadata,
        found.exchanges.last().cloned(),
        found.checks.clone(),
        tried_notes(found.tried.iter().map(|c| (c.url.as_str(), c.why))),
    );
    if !passed {
        return steps.stopped();
    }
    let Some(issuer) = found.issuer().map(str::to_string) else {
        // The checks refuse a document without authorization servers; this is their word.
        return steps.stopped();
    };
    steps.1.issuer = Some(issuer.clone());

    // 3. The authorization server, and its PKCE MUST.
    let discovery = match mcp_discovery::discover(http, &issuer, spec, &start.endpoints).await {
        Ok(found) => {
            steps.1.server_metadata = Some(json!({ "tried": found.tried }));
            let checks = mcp::authorization_server_checks(&found.discovery.metadata, spec);
            let notes = tried_notes(found.tried.iter().map(|c| (c.url.as_str(), c.why)));
            if !steps.show(
                StepKind::ServerMetadata,
                found.exchanges.last().cloned(),
                checks,
                notes,
            ) {
                return steps.stopped();
            }
            found.discovery
        }
        Err(lost) => {
            steps.1.server_metadata = Some(json!({ "tried": lost.tried }));
            let notes = tried_notes(lost.tried.iter().map(|c| (c.url.as_str(), c.why)));
            steps.fail(
                StepKind::ServerMetadata,
                lost.exchanges.last().cloned(),
                &lost.error.to_string(),
                notes,
            );
            return steps.stopped();
        }
    };

    // 4. Registration: the client chosen, else a metadata document, else dynamic (or a
    // client registered dynamically on an earlier run).
    let scope = start.scope.clone().or_else(|| found.scope());
    let offer = ClientOffer {
        client_id: start.client.is_some(),
        metadata_url: start.metadata_url.as_deref(),
    };
    let choice = match mcp::choose_registration(start.mode, offer, &discovery.metadata, spec) {
        Ok(choice) => choice,
        Err(err) => {
            steps.fail(StepKind::Register, None, &err.to_string(), Vec::new());
            return steps.stopped();
        }
    };
    let reused_why = format!(
        "the client registered at this issuer on an earlier run is reused (kept in {}; {})",
        start.kept_in, start.renew
    );
    let saved = match (start.mode, choice.method) {
        (RegistrationMode::Auto, Registration::Dynamic) => {
            start.saved.iter().find(|c| c.issuer == issuer)
        }
        _ => None,
    };
    let mut redirect_uri = start.redirect_uri.clone();
    let mut registered = None;
    let chosen = (
        choice.method,
        start.client.clone(),
        &start.metadata_url,
        saved,
    );
    let (client, why, reused) = match chosen {
        (Registration::Pre, Some(client), _, _) => {
            let why = if start.reused {
                reused_why
            } else {
                choice.why.clone()
            };
            let note = format!("{why}: client_id {}", one_line(&client.client_id));
            steps.show(StepKind::Register, None, choice.checks, vec![note]);
            (client, why, start.reused)
        }
        (Registration::Cimd, _, Some(url), _) => {
            let note = format!("{}: client_id {}", choice.why, one_line(url));
            if !steps.show(StepKind::Register, None, choice.checks, vec![note]) {
                return steps.stopped();
            }
            // The metadata document says how the client authenticates; this one is public.
            (ClientCredentials::public(url), choice.why.clone(), false)
        }
        (_, _, _, Some(saved)) => {
            let why = format!("{}; {reused_why}", choice.why);
            let note = format!("{why}: client_id {}", one_line(&saved.client.client_id));
            steps.show(StepKind::Register, None, choice.checks, vec![note]);
            redirect_uri = saved.redirect_uri.clone();
            let credentials = mcp::registered_credentials(&saved.client, &discovery.metadata);
            (credentials, why, true)
        }
        _ => {
            let (endpoint, metadata) = mcp::dynamic_registration(
                &discovery.metadata,
                &redirect_uri,
                scope.as_deref(),
                &found.metadata.scopes_supported,
            );
            let (exchange, result) = Registrar::new(http, &issuer, &start.cross_host)
                .register_shown(&endpoint, &metadata)
                .await;
            match result {
                Ok(client) => {
                    let note = format!(
                        "{}; kept in {} for the next run: client_id {}",
                        choice.why,
                        start.kept_in,
                        one_line(&client.client_id)
                    );
                    steps.show(StepKind::Register, exchange, choice.checks, vec![note]);
                    let credentials = mcp::registered_credentials(&client, &discovery.metadata);
                    registered = Some((issuer.clone(), client));
                    (credentials, choice.why.clone(), false)
                }
                Err(err) => {
                    steps.fail(
                        StepKind::Register,
                        exchange,
                        &err.to_string(),
                        vec![choice.why],
                    );
                    return steps.stopped();
                }
            }
        }
    };
    steps.1.registration = Some(RegistrationReport {
        method: choice.method,
        why,
        client_id: client.client_id.clone(),
        reused,
    });

    // 5–8. The code flow with PKCE S256 and resource, then initialize and tools/list.
    let mut config = FlowConfig::new(discovery.metadata.clone(), client);
    config.scope = scope;
    config.redirect_uri = Some(redirect_uri);
    config.cross_host = start.cross_host.clone();
    config.skew = start.skew;
    config.dpop = start.dpop.clone();
    let mut flow =
        match mcp::authorization_flow_then_tools(config, found.resource(), &start.server_url, spec)
        {
            Ok(flow) => flow,
            Err(err) => {
                steps.fail(StepKind::Authorize, None, &err.to_string(), Vec::new());
                return steps.stopped();
            }
        };
    flow.prepend(steps.0);
    McpPrepared {
        flow,
        registered,
        found: steps.1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::ServerMetadata;

    const SERVER: &str = "https://mcp.example/mcp";

    /// The code flow for the MCP server, with the discovery steps before it done.
    fn flow_after_discovery() -> Flow {
        let metadata = ServerMetadata {
            issuer: "https://as.example".into(),
            authorization_endpoint: Some("https://as.example/authorize".into()),
            token_endpoint: Some("https://as.example/token".into()),
            code_challenge_methods_supported: vec!["S256".into()],
            ..Default::default()
        };
        let mut config = FlowConfig::new(metadata, ClientCredentials::public("c"));
        config.redirect_uri = Some("http://127.0.0.1:1/callback".into());
        config.scope = Some("openid".into());
        let mut flow =
            mcp::authorization_flow_then_tools(config, SERVER, SERVER, Spec::default()).unwrap();
        let mut steps = Steps::default();
        steps.show(StepKind::McpUnauthenticated, None, Vec::new(), Vec::new());
        steps.show(StepKind::Register, None, Vec::new(), vec!["why".into()]);
        flow.prepend(steps.0);
        flow
    }

    #[test]
    fn the_steps_run_before_the_flow_come_first_and_are_not_sent_again() {
        let mut flow = flow_after_discovery();
        let kinds: Vec<_> = flow.steps().iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds[..3],
            [
                StepKind::McpUnauthenticated,
                StepKind::Register,
                StepKind::Authorize
            ]
        );
        assert_eq!(flow.current(), Some(2));
        assert!(
            !flow.retry_at(0),
            "a discovery step has no request to send again"
        );
        assert_eq!(flow.current(), Some(2));
    }

    #[test]
    fn a_failed_discovery_stops_the_flow_at_its_step() {
        let mut steps = Steps::default();
        steps.show(StepKind::McpUnauthenticated, None, Vec::new(), Vec::new());
        steps.fail(StepKind::ResourceMetadata, None, "no metadata", Vec::new());
        let flow = steps.stopped().flow;
        assert!(flow.is_failed());
        assert_eq!(flow.current(), None);
        assert_eq!(flow.failure(), Some("no metadata"));
    }

    #[test]
    fn a_step_up_authorizes_again_with_the_wider_scope_then_repeats_the_call() {
        let mut flow = flow_after_discovery();
        let state = flow.secrets().state.clone();
        let call = flow.steps().len() - 2; // initialize
        let advance = flow.step_up(call, "mcp:tools").unwrap();
        assert_eq!(advance, super::super::Advance::Next);
        let kinds: Vec<_> = flow.steps()[call..].iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                StepKind::McpInitialize,
                StepKind::McpStepUp,
                StepKind::Authorize,
                StepKind::ExchangeCode,
                StepKind::McpInitialize,
                StepKind::McpListTools,
            ]
        );
        assert!(flow.steps()[call].title.contains("refused"));
        assert!(
            flow.steps()[call + 1].checks[0]
                .detail
                .contains("step-up 1 of 2")
        );
        assert_eq!(flow.current(), Some(call + 2));
        let draft = flow.steps()[call + 2].request.as_ref().unwrap();
        assert_eq!(draft.param("scope"), Some("openid mcp:tools"));
        assert_eq!(draft.param("resource"), Some(SERVER));
        // A new authorization: a new state.
        assert_ne!(
            draft.param("state").map(str::to_string),
            state.map(|s| s.secret().to_string())
        );
    }

    #[test]
    fn the_step_ups_are_bounded() {
        let mut flow = flow_after_discovery();
        for _ in 0..mcp::MAX_STEP_UPS {
            let call = flow.steps().len() - 2;
            flow.step_up(call, "mcp:tools").unwrap();
        }
        let call = flow.steps().len() - 2;
        let err = flow.step_up(call, "mcp:tools").unwrap_err();
        assert!(err.to_string().contains("after 2 step-up"), "{err}");
        assert!(flow.is_failed());
    }
}
