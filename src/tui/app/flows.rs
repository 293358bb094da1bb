//! The flow pane: pick a flow, then walk the engine's steps one Enter at a time. Every step
//! shows its request first (editable with `e`); the browser step waits on the loopback
//! listener, takes a pasted redirect URL, or signs in right here on the built-in mock; the
//! device step polls with a countdown.

use std::time::{Duration, SystemTime};

use ratatui_textarea::CursorMove;

use crate::oauth::client_auth::{AuthMethod, ClientCredentials};
use crate::oauth::dpop::DpopKey;
use crate::oauth::flow::tokens::DecodedToken;
use crate::oauth::flow::{Advance, Flow, FlowConfig, FlowKind};
use crate::oauth::keys::ClientKey;
use crate::oauth::redirect::LoopbackListener;
use crate::oauth::secret::Secret;
use crate::oauth::send_policy::{SendRefusal, SendRule};
use crate::oauth::{RequestDraft, StepKind, StepStatus};
use crate::profile::ClientProfile;
use crate::tui::action::Command;
use crate::tui::diagram::{DiagramState, Mark};
use crate::tui::layout::Pane;
use crate::tui::model::Field;
use crate::tui::model::{
    AfterConsent, CrossHostPrompt, Cursor, FLOWS, FlowRun, FlowView, Form, FormPurpose, Overlay,
    Resent, ServerEntry, ServerState, SignIn, SignInStage, TokenKind, Waiting, flow_title,
};
use crate::tui::outcome::SignInEnd;
use crate::tui::request_text;
use crate::tui::sign_in::Page;
use crate::tui::work::{self, FlowStart};
use crate::wire::AUTHORIZATION_DETAILS;

use super::App;

/// The scopes asked for by default, each only if the server lists it.
const DEFAULT_SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];

impl App {
    pub(super) fn flow_command(&mut self, command: Command) {
        match command {
            Command::Activate => match &self.flow {
                FlowView::Picking(cursor) => {
                    let kind = FLOWS[cursor.index.min(FLOWS.len() - 1)];
                    // The grant's assertion is given or built in a form first.
                    if kind == FlowKind::JwtBearer {
                        return self.open_jwt_bearer_form();
                    }
                    let subject = self.subject_for(kind);
                    self.start_flow(kind, subject, None);
                }
                FlowView::Running(run) if run.diagram.is_some() => self.open_arrow(),
                FlowView::Running(_) => self.send_step(),
            },
            Command::New => {
                self.flow_cancelled();
                self.flow = FlowView::Picking(Cursor::default());
            }
            Command::Edit => self.edit_request(),
            Command::SignIn => self.start_sign_in(),
            Command::OpenBrowser => self.open_browser(),
            Command::PasteRedirect => self.open_form(Form::new(
                FormPurpose::PasteRedirect,
                "Paste the URL the browser was sent back to",
                vec![Field::text("redirect_url", "Redirect URL", "")],
            )),
            Command::Copy => self.copy_from_flow(),
            Command::UseOfferedClient => self.use_offered_client(),
            Command::Resend => self.resend_step(),
            Command::ToggleDiagram => self.toggle_diagram(),
            Command::ToggleDpop => self.toggle_dpop(),
            Command::ToggleRequestObject => self.toggle_request_object(),
            Command::RichAuthorization => self.open_rich_authorization(),
            Command::CallTool => self.pick_tool(),
            other => self.not_here(other),
        }
    }

    /// The flow's settings from the selected server and client.
    fn flow_config(&self, kind: FlowKind) -> Result<FlowConfig, String> {
        let server = self.selected_server().ok_or("choose a server first (1)")?;
        let metadata = server
            .metadata()
            .cloned()
            .ok_or_else(|| match server.discovery {
                ServerState::Running => format!(
                    "{} is being discovered: enter again when the status line says discovered",
                    server.name
                ),
                _ => format!(
                    "{} is not discovered yet: select it in Servers (1) and press enter",
                    server.name
                ),
            })?;
        let client = server
            .active_client()
            .ok_or("choose or add a client first (2)")?;
        let mut credentials = credentials_of(client)?;
        let scope = match kind {
            // The subject token's scope, kept as it is unless the user narrows it in the
            // request (RFC 8693 §2.1).
            FlowKind::TokenExchange => None,
            // Client credentials has no user: scopes about a user make no sense there.
            _ => client.scope.clone().or_else(|| match kind {
                FlowKind::ClientCredentials => None,
                _ => default_scope(&metadata),
            }),
        };
        // The authorization leg's options (RFC 9101, RFC 9396) for the flows that have one.
        if kind.has_authorization_leg() && self.request_options.request_object {
            credentials.signing_key = signing_key_of(client)?;
        }
        let mut config = FlowConfig::new(metadata, credentials);
        config.scope = scope;
        config.dpop = self.dpop_key();
        if kind.has_authorization_leg() {
            config.request_object = self.request_options.request_object;
            config.authorization_details = self.request_options.authorization_details.clone();
        }
        if let Some(consent) = self.cross_host.get(&config.metadata.issuer) {
            config.cross_host = consent.clone();
        }
        Ok(config)
    }

    /// The selected token, for flows that work on one.
    fn subject_for(&self, kind: FlowKind) -> Option<(String, Option<&'static str>)> {
        let wanted = match kind {
            FlowKind::Refresh => Some(TokenKind::Refresh),
            FlowKind::Userinfo | FlowKind::TokenExchange => Some(TokenKind::Access),
            FlowKind::Introspect | FlowKind::Revoke => None,
            _ => return None,
        };
        let selected = self.tokens.get(self.token_cursor.index);
        let token = match (wanted, selected) {
            (Some(kind), Some(t)) if t.kind == kind => Some(t),
            // Not the kind selected: the newest of the kind needed.
            (Some(kind), _) => self.tokens.iter().rev().find(|t| t.kind == kind),
            (None, selected) => selected,
        }?;
        let hint = match token.kind {
            TokenKind::Access => Some("access_token"),
            TokenKind::Refresh => Some("refresh_token"),
            TokenKind::Id | TokenKind::Pasted => None,
        };
        Some((token.value.secret().to_string(), hint))
    }

    /// Starts `kind`: builds the flow in the background (the code flows bind their loopback
    /// listener first), then shows its first request.
    pub(super) fn start_flow(
        &mut self,
        kind: FlowKind,
        subject: Option<(String, Option<&'static str>)>,
        previous: Option<crate::wire::TokenResponse>,
    ) {
        self.focus(Pane::Flow);
        if kind == FlowKind::AuthorizationCode
            && self.selected_server().is_some_and(|s| s.mcp_url.is_some())
        {
            return self.start_mcp_flow();
        }
        let config = match self.flow_config(kind) {
            Ok(config) => config,
            Err(message) => return self.error(message),
        };
        if matches!(
            kind,
            FlowKind::Refresh
                | FlowKind::Introspect
                | FlowKind::Revoke
                | FlowKind::Userinfo
                | FlowKind::TokenExchange
        ) && subject.is_none()
        {
            return self.error(format!(
                "{} needs a token: run a flow first, or paste one in Tokens (5)",
                flow_title(kind)
            ));
        }
        self.flow_cancelled();
        self.flow_generation += 1;
        let token_type = subject
            .as_ref()
            .and_then(|(token, _)| self.token_type_of(token));
        let start = FlowStart {
            kind,
            config,
            subject,
            previous,
            token_type,
        };
        self.tasks.spawn(
            format!("preparing {}", flow_title(kind)),
            work::prepare_flow(start, self.flow_generation),
        );
    }

    /// The `token_type` of the response a token came in, when it came in one.
    fn token_type_of(&self, token: &str) -> Option<String> {
        let entry = self.tokens.iter().find(|t| t.value.secret() == token)?;
        let response = self.token_responses.get(entry.response?)?;
        Some(response.token_type.clone())
    }

    pub(super) fn flow_ready(
        &mut self,
        generation: u64,
        result: Result<(Box<Flow>, Option<LoopbackListener>), String>,
    ) {
        if generation != self.flow_generation {
            return;
        }
        match result {
            Ok((flow, listener)) => {
                let title = flow_title(flow.kind());
                let mut run = FlowRun::new(*flow, generation);
                run.listener = listener;
                run.log_start = self.exchanges.entries.len();
                self.flow = FlowView::Running(Box::new(run));
                if self.send_when_ready.take() == Some(generation) {
                    return self.send_step();
                }
                let note = self.ready_note.take().filter(|(g, _)| *g == generation);
                match note {
                    Some((_, note)) => self.info(format!("{note} · enter sends it")),
                    None => self.info(format!(
                        "{title}: read the request, e edits it, enter sends it"
                    )),
                }
            }
            Err(message) => self.error(message),
        }
    }

    /// Shows a flow built elsewhere (a test, a script) in the flow pane.
    pub fn show_flow(&mut self, flow: Flow) {
        self.flow_generation += 1;
        self.flow = FlowView::Running(Box::new(FlowRun::new(flow, self.flow_generation)));
    }

    /// `d`: the sequence diagram in place of the steps, or back.
    /// The key the next flow binds its tokens to, when DPoP is on.
    pub fn dpop_key(&self) -> Option<DpopKey> {
        self.dpop.clone().filter(|_| self.dpop_on)
    }

    fn toggle_dpop(&mut self) {
        if self.dpop_on {
            self.dpop_on = false;
            return self.info("DPoP off: the next flows get bearer tokens".into());
        }
        if self.dpop.is_none() {
            match DpopKey::generate() {
                Ok(key) => self.dpop = Some(key),
                Err(err) => return self.info(format!("no DPoP key: {err}")),
            }
        }
        self.dpop_on = true;
        let jkt = self
            .dpop
            .as_ref()
            .map(DpopKey::thumbprint)
            .unwrap_or_default();
        self.info(format!(
            "DPoP on: the next flows send proofs signed by key {jkt} (RFC 9449)"
        ));
    }

    fn toggle_diagram(&mut self) {
        let Some(run) = self.running() else {
            return self.info("start a flow first: the diagram draws its messages".into());
        };
        run.diagram = match run.diagram {
            Some(_) => None,
            None => Some(DiagramState::default()),
        };
    }

    /// Moves the diagram's selection; false when the diagram is not shown.
    pub(super) fn move_in_diagram(&mut self, command: Command) -> bool {
        let FlowView::Running(run) = &mut self.flow else {
            return false;
        };
        let diagram = run.sequence(&self.exchanges.entries);
        let Some(state) = run.diagram.as_mut() else {
            return false;
        };
        match command {
            Command::Up => state.step(&diagram, -1),
            Command::Down => state.step(&diagram, 1),
            Command::Top => state.selected = Some(0),
            _ => state.selected = diagram.arrows.len().checked_sub(1),
        }
        true
    }

    /// enter on an arrow: its exchange in the Exchanges pane, with its details.
    fn open_arrow(&mut self) {
        let FlowView::Running(run) = &self.flow else {
            return;
        };
        let diagram = run.sequence(&self.exchanges.entries);
        let state = run.diagram.unwrap_or_default();
        let arrow = state
            .selected_in(&diagram)
            .and_then(|at| diagram.arrows.get(at));
        // enter on the arrow a ready step will send sends it, as on the steps.
        match arrow.map(|a| (a.exchange.map(|at| run.log_start + at), &a.mark)) {
            Some((Some(index), _)) => {
                self.exchanges.cursor.index = index;
                self.focus(Pane::Exchanges);
            }
            Some((None, Mark::Planned)) => self.send_step(),
            Some((None, _)) => self.info(
                "this arrow is no HTTP exchange of the app: a redirect, or what the user does"
                    .into(),
            ),
            None => self.send_step(),
        }
    }

    fn running(&mut self) -> Option<&mut FlowRun> {
        match &mut self.flow {
            FlowView::Running(run) => Some(run),
            FlowView::Picking(_) => None,
        }
    }

    fn running_generation(&mut self, generation: u64) -> Option<&mut FlowRun> {
        self.running().filter(|run| run.generation == generation)
    }

    /// Enter on a running flow: send the current step.
    fn send_step(&mut self) {
        let Some(http) = self.http() else {
            return;
        };
        let Some(run) = self.running() else {
            return;
        };
        if run.busy {
            return self.info("the step is on its way (esc cancels)".into());
        }
        let Some(current) = run.flow.current() else {
            let message = if run.flow.is_failed() {
                "this flow failed; n starts another"
            } else {
                "this flow is complete; n starts another"
            };
            return self.info(message.into());
        };
        let step = &run.flow.steps()[current];
        match (&step.status, &run.waiting) {
            (StepStatus::Waiting(_), Some(Waiting::Redirect { .. })) => {
                return self.info(
                    "waiting for the browser: b opens it, s signs in here, p pastes the URL".into(),
                );
            }
            (_, Some(Waiting::Poll { .. })) => {
                return self.info("polling; the next poll goes by itself".into());
            }
            _ => {}
        }
        // Another host than the issuer's: ask before anything goes there.
        if let Some(refusal) = run.flow.send_refusal()
            && refusal.rule == SendRule::CrossHost
        {
            return self.ask_cross_host(refusal, AfterConsent::FlowStep);
        }
        let label = step.request.as_ref().map_or_else(
            || step.title.clone(),
            |r| format!("{} {}", r.method, path_of(&r.url)),
        );
        // Sent before (R, or an edit after a failure): keep the old answer to compare. The
        // device poll is left out: polling again is its normal rhythm, not a resend.
        if let Some(before) = &step.exchange
            && step.kind != StepKind::PollDevice
        {
            run.resent = Some(Resent {
                step: current,
                before: before.clone(),
            });
        }
        run.busy = true;
        run.cursor.index = current;
        let (flow, generation) = (run.flow.clone(), run.generation);
        self.tasks
            .spawn(label, work::advance(http, flow, generation));
    }

    /// Asks before credentials go to another host than the issuer's; a yes sends `then`.
    pub(super) fn ask_cross_host(&mut self, refusal: SendRefusal, then: AfterConsent) {
        let question = format!(
            "{} is {}, on {}, not on the issuer's host ({}). Send the client's \
             credentials and tokens to {} for this server, this session?",
            capitalised(&refusal.endpoint_name),
            refusal.endpoint,
            refusal.host,
            refusal.issuer,
            refusal.host
        );
        self.ui.overlay = Some(Overlay::CrossHost(CrossHostPrompt {
            issuer: refusal.issuer,
            host: refusal.host,
            question,
            then,
        }));
    }

    /// Keys on the cross-host question: esc is no; enter decides nothing (y or n must be typed).
    pub(super) fn cross_host_command(&mut self, command: Command) {
        match command {
            Command::Cancel => self.answer_cross_host(false),
            Command::Quit => self.ui.quit = true,
            _ => {}
        }
    }

    /// The answer to the cross-host question: yes remembers the host for the server and
    /// sends what waited on it; no leaves it unsent.
    pub(super) fn answer_cross_host(&mut self, yes: bool) {
        let Some(Overlay::CrossHost(prompt)) = self.ui.overlay.take() else {
            return;
        };
        if !yes {
            return self.info(format!(
                "not sent: nothing goes to {} (enter asks again)",
                prompt.host
            ));
        }
        self.cross_host
            .entry(prompt.issuer)
            .or_default()
            .allow(&prompt.host);
        match prompt.then {
            AfterConsent::FlowStep => {
                if let Some(run) = self.running() {
                    run.flow.allow_host(&prompt.host);
                }
                self.send_step();
            }
            AfterConsent::ManageClient(what) => self.manage_client(what),
        }
    }

    pub(super) fn advanced(
        &mut self,
        generation: u64,
        flow: Flow,
        result: Result<Advance, String>,
    ) {
        let now = self.now();
        let Some(run) = self.running_generation(generation) else {
            return;
        };
        // The step just sent (send_step put the cursor on it) may have something to say.
        let warning = flow
            .steps()
            .get(run.cursor.index)
            .and_then(|s| s.warnings.first().cloned());
        let resent = run
            .resent
            .as_ref()
            .is_some_and(|r| r.step == run.cursor.index);
        run.flow = flow;
        run.busy = false;
        run.waiting = None;
        follow_flow(run);
        let mut wait_task = None;
        let message = match result {
            Ok(Advance::Next) => Ok("done; the next request is ready: enter sends it".to_string()),
            Ok(Advance::Browser { .. }) => {
                // The first authorization has its listener bound; a step-up's listens again
                // on the redirect URI the flow sends.
                let listen = match run.listener.take() {
                    Some(listener) => Some(Listen::Bound(listener)),
                    None if run.flow.mcp_server().is_some() => {
                        run.flow.config().redirect_uri.clone().map(Listen::Again)
                    }
                    None => None,
                };
                if let Some(listen) = listen {
                    let port = url::Url::parse(listen.redirect_uri())
                        .ok()
                        .and_then(|u| u.port());
                    run.waiting = Some(Waiting::Redirect {
                        port,
                        deadline: now + work::REDIRECT_WAIT,
                        task: None,
                    });
                    wait_task = Some(listen);
                }
                Ok(
                    "sign in: s here (built-in mock), b in the browser, or p to paste the URL"
                        .into(),
                )
            }
            Ok(Advance::Poll { wait }) => {
                run.waiting = Some(Waiting::Poll {
                    next_poll: now + wait,
                });
                Ok(format!(
                    "not approved yet; polling again in {} s",
                    wait.as_secs()
                ))
            }
            Ok(Advance::Finished) => Ok("flow complete".to_string()),
            Err(message) => Err(message),
        };
        if let Some(listen) = wait_task {
            let id = match listen {
                Listen::Bound(listener) => self.tasks.spawn(
                    "waiting for the browser",
                    work::wait_for_redirect(listener, generation),
                ),
                Listen::Again(uri) => self.tasks.spawn(
                    "waiting for the browser",
                    work::listen_and_wait_for_redirect(uri, generation),
                ),
            };
            if let Some(Waiting::Redirect { task, .. }) =
                self.running().and_then(|run| run.waiting.as_mut())
            {
                *task = Some(id);
            }
        }
        if let Some(Waiting::Poll { next_poll }) = self.running().and_then(|r| r.waiting.clone()) {
            let wait = next_poll.duration_since(now).unwrap_or(Duration::ZERO);
            self.tasks
                .spawn("device polling", work::poll_after(wait, generation));
        }
        self.harvest_tokens();
        let message = match message {
            Ok(text) if resent => Ok(format!(
                "{text} · sent again: 4 shows the answer before beside this one"
            )),
            other => other,
        };
        match message {
            Ok(text) => match warning {
                Some(warning) => self.info(format!("{text} · warning: {warning}")),
                None => self.success(text),
            },
            Err(text) => self.error(text),
        }
    }

    pub(super) fn poll_due(&mut self, generation: u64) {
        if let Some(run) = self.running_generation(generation) {
            run.waiting = None;
            self.send_step();
        }
    }

    pub(super) fn redirected(&mut self, generation: u64, result: Result<Secret, String>) {
        if self.running_generation(generation).is_none() {
            return;
        }
        match result {
            Ok(url) => self.complete_redirect(url.secret()),
            Err(message) => {
                if let Some(run) = self.running() {
                    run.waiting = None;
                }
                self.error(message);
            }
        }
    }

    /// The redirect URL arrived (listener, paste or in-terminal sign-in): the engine checks
    /// state, iss and errors, and the token request becomes ready.
    fn complete_redirect(&mut self, url: &str) {
        let Some(run) = self.running() else {
            return;
        };
        let wait_task = match run.waiting.take() {
            Some(Waiting::Redirect { task, .. }) => task,
            _ => None,
        };
        let result = run.flow.complete_redirect(url);
        follow_flow(run);
        if let Some(id) = wait_task {
            self.tasks.cancel(id);
        }
        match result {
            Ok(_) => self.success(
                "the code came back and state/iss check out; enter sends the token request".into(),
            ),
            Err(e) => self.error(e.to_string()),
        }
    }

    pub(super) fn paste_redirect(&mut self, url: &str) -> Result<(), String> {
        let waiting = self.running().is_some_and(|run| {
            run.flow
                .current()
                .is_some_and(|i| matches!(run.flow.steps()[i].status, StepStatus::Waiting(_)))
        });
        if !waiting {
            return Err("no browser step is waiting for a redirect".into());
        }
        url::Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
        self.complete_redirect(url);
        Ok(())
    }

    /// When the failed step is an introspection or revocation the server refused because of
    /// who asked (RFC 7662 §2.1 and RFC 7009 §2.1: a public client cannot authenticate; a
    /// token belongs to the client it was issued to), a client of this server that can do it.
    /// Read from the server's `error` code and the token's own claims, never from the words.
    pub fn client_fix(&self) -> Option<ClientFix> {
        let FlowView::Running(run) = &self.flow else {
            return None;
        };
        let step = run
            .flow
            .steps()
            .iter()
            .find(|s| matches!(s.status, StepStatus::Failed(_)))?;
        let rule = match step.kind {
            StepKind::Introspect => "RFC 7662 §2.1",
            StepKind::Revoke => "RFC 7009 §2.1",
            _ => return None,
        };
        let body: serde_json::Value =
            serde_json::from_str(step.exchange.as_ref()?.response_body.as_deref()?).ok()?;
        let server = self.selected_server()?;
        let current = server.selected_client()?.client_id.clone();
        let can_authenticate =
            |c: &ClientProfile| c.client_secret.is_some() && c.auth_method != "none";
        let offer = |found: Option<usize>, why: String| {
            found.map(|index| ClientFix {
                index,
                client_id: server.clients[index].client_id.clone(),
                why,
            })
        };
        match body.get("error")?.as_str()? {
            "invalid_client" => offer(
                server
                    .clients
                    .iter()
                    .position(|c| c.client_id != current && can_authenticate(c)),
                format!("it can authenticate ({rule})"),
            ),
            "unauthorized_client" => {
                let token = run.flow.secrets().subject_token.as_ref()?.secret();
                let claims = DecodedToken::decode(token)?.claims;
                let owner = ["client_id", "azp"]
                    .iter()
                    .find_map(|name| claims.get(*name)?.as_str())?;
                offer(
                    server
                        .clients
                        .iter()
                        .position(|c| c.client_id == owner && c.client_id != current),
                    format!("the token was issued to it ({rule})"),
                )
            }
            _ => None,
        }
    }

    /// `c` on a step the server refused because of the client: the client offered becomes
    /// the active one, and the step goes again as that client, on the same token.
    fn use_offered_client(&mut self) {
        let Some(fix) = self.client_fix() else {
            return self.info("no failed step here offers another client".into());
        };
        let Some(run) = self.running() else {
            return;
        };
        let kind = run.flow.kind();
        let hint = run
            .flow
            .steps()
            .iter()
            .find_map(|s| s.request.as_ref()?.param("token_type_hint"))
            .and_then(|hint| match hint {
                "access_token" => Some("access_token"),
                "refresh_token" => Some("refresh_token"),
                _ => None,
            });
        let Some(token) = run
            .flow
            .secrets()
            .subject_token
            .as_ref()
            .map(|t| t.secret().to_string())
        else {
            return;
        };
        if let Some(server) = self.servers.get_mut(self.server_cursor.index) {
            server.client_cursor.index = fix.index;
        }
        self.clients_command(Command::Activate);
        let before = self.flow_generation;
        self.start_flow(kind, Some((token, hint)), None);
        if self.flow_generation != before {
            self.send_when_ready = Some(self.flow_generation);
        }
    }

    /// Esc with nothing to cancel: a finished or failed flow gives way to the flow list,
    /// with the cursor on the flow it was. Returns false when the flow is still under way.
    pub(super) fn leave_finished_flow(&mut self) -> bool {
        let FlowView::Running(run) = &self.flow else {
            return false;
        };
        if run.busy || !(run.flow.is_finished() || run.flow.is_failed()) {
            return false;
        }
        let kind = run.flow.kind();
        let index = FLOWS.iter().position(|k| *k == kind).unwrap_or(0);
        self.flow_cancelled();
        self.flow = FlowView::Picking(Cursor { index });
        self.ui.scroll = 0;
        self.info(format!(
            "left {}: enter starts a flow again",
            flow_title(kind)
        ));
        true
    }

    /// Esc or a new flow: the running flow stops waiting.
    pub(super) fn flow_cancelled(&mut self) {
        if let Some(run) = self.running() {
            run.busy = false;
            run.waiting = None;
        }
        if matches!(self.ui.overlay, Some(Overlay::SignIn(_))) {
            self.ui.overlay = None;
        }
    }

    /// `R`: the selected step, done or failed, goes again as it stands (edited or not).
    fn resend_step(&mut self) {
        let Some(run) = self.running() else {
            return self.info("choose a flow first (enter)".into());
        };
        if run.busy {
            return self.info("the step is on its way (esc cancels)".into());
        }
        let i = run.cursor.index;
        let kind = run.flow.steps().get(i).map(|s| s.kind);
        let ready_now = run.flow.current() == Some(i);
        match kind {
            Some(StepKind::Authorize) => self.info(
                "the browser step is not sent again: n starts a new flow with a new state".into(),
            ),
            Some(kind) if kind.runs_before_the_flow() => self.info(
                "the MCP flow's discovery and registration run once: n and enter run them again"
                    .into(),
            ),
            Some(_) if ready_now => self.send_step(),
            Some(_) if run.flow.retry_at(i) => self.send_step(),
            _ => self.info("R sends a done or failed step again; this one has not gone".into()),
        }
    }

    /// Opens the editor on the selected step's request: the current one, or a done or failed
    /// one, which becomes current again once the edit is kept (see `apply_request_edit`).
    fn edit_request(&mut self) {
        let Some(run) = self.running() else {
            return self.info("choose a flow first (enter)".into());
        };
        let selected = run.steps().get(run.cursor.index);
        let sent_before = selected.is_some_and(|s| {
            s.kind != StepKind::Authorize
                && matches!(s.status, StepStatus::Done | StepStatus::Failed(_))
        });
        let draft = if sent_before {
            selected.and_then(|s| s.request.clone())
        } else {
            run.flow
                .current()
                .and_then(|i| run.flow.steps()[i].request.clone())
        };
        match draft {
            Some(draft) if !run.busy => {
                let text = request_text::to_text(&draft, self.ui.reveal);
                let mut form = Form::editor(
                    FormPurpose::EditRequest,
                    "Edit the request · ↑↓ move between lines",
                    "one header (Name: value) or parameter (name = value) a line",
                    &text,
                );
                // At the end of the last line: enter starts a new parameter there.
                if let Some(area) = form.fields.first_mut().and_then(|f| f.area_mut()) {
                    area.move_cursor(CursorMove::Bottom);
                    area.move_cursor(CursorMove::End);
                }
                self.open_form(form);
            }
            _ => self.info("no request to edit at this step".into()),
        }
    }

    pub(super) fn apply_request_edit(&mut self, text: &str) -> Result<(), String> {
        let run = self.running().ok_or("no flow is running")?;
        let selected = run.cursor.index;
        let original = run
            .steps()
            .get(selected)
            .filter(|s| matches!(s.status, StepStatus::Done | StepStatus::Failed(_)))
            .or_else(|| run.flow.current().map(|i| &run.flow.steps()[i]))
            .and_then(|s| s.request.clone())
            .ok_or("no request to edit at this step")?;
        // Checked before the step changes state, so a bad edit leaves the flow as it was.
        let mut edited = request_text::apply(&original, text).map_err(|e| e.to_string())?;
        if let Some(details) = edited.param(AUTHORIZATION_DETAILS).map(str::to_string) {
            let checked = super::check_authorization_details(&details)?;
            edited.set_param(AUTHORIZATION_DETAILS, &checked);
        }
        if run.flow.current() != Some(selected) {
            run.flow.retry_at(selected);
        }
        let draft = run
            .flow
            .draft_mut()
            .ok_or("no request to edit at this step")?;
        *draft = edited;
        self.success("request changed; enter sends it as shown".into());
        Ok(())
    }

    fn authorization_url(&mut self) -> Option<String> {
        let run = self.running()?;
        let waiting = run
            .flow
            .current()
            .is_some_and(|i| matches!(run.flow.steps()[i].status, StepStatus::Waiting(_)));
        if !waiting {
            return None;
        }
        run.flow.outcome().authorization_url.clone()
    }

    fn open_browser(&mut self) {
        let Some(url) = self.authorization_url() else {
            return self.info("no browser step is waiting: enter sends the current step".into());
        };
        self.open_url(url);
    }

    fn copy_from_flow(&mut self) {
        if let Some(url) = self.authorization_url() {
            return self.copy(url, "authorization URL");
        }
        let device = self
            .running()
            .and_then(|run| run.flow.outcome().device.clone());
        match device {
            Some(device) => self.copy(device.user_code.into_secret(), "user code"),
            None => self.info("nothing to copy at this step".into()),
        }
    }

    /// `s`: sign in on the built-in mock from the terminal, posting its forms like a browser.
    fn start_sign_in(&mut self) {
        // The built-in mock, or an MCP server it is the authorization server of.
        let mock = self.servers.iter().find(|s| s.built_in).map(|s| &s.issuer);
        let on_mock = self
            .selected_server()
            .is_some_and(|s: &ServerEntry| s.built_in || Some(&s.issuer) == mock);
        if !on_mock {
            return self.info(
                "signing in here works on the built-in mock; for this server use b or p".into(),
            );
        }
        let Some(http) = self.http() else {
            return;
        };
        let Some(run) = self.running() else {
            return self.info("choose a flow first".into());
        };
        let generation = run.generation;
        let device = run.flow.outcome().device.clone();
        let (draft, is_device) = if let Some(url) = self.authorization_url() {
            (RequestDraft::new("GET", &url), false)
        } else if let Some(device) = device {
            let mut draft = RequestDraft::new("POST", &device.verification_uri);
            draft.set_param("user_code", device.user_code.secret());
            (draft, true)
        } else {
            return self.info(
                "nothing to sign in to yet: send the steps up to the browser or device code".into(),
            );
        };
        self.ui.overlay = Some(Overlay::SignIn(SignIn {
            device: is_device,
            stage: SignInStage::Loading(format!("{} {}", draft.method, path_of(&draft.url))),
            error: None,
        }));
        self.tasks.spawn(
            "signing in on the mock",
            work::sign_in_request(http, draft, is_device, generation),
        );
    }

    /// The dialog's own keys (enter, a, d) come as keys; of the form commands only esc and
    /// quit apply, so the one submit key is the one the dialog names.
    pub(super) fn sign_in_command(&mut self, command: Command) {
        match command {
            Command::Quit => self.ui.quit = true,
            Command::Cancel => self.ui.overlay = None,
            _ => {}
        }
    }

    pub(super) fn sign_in_key(&mut self, key: crossterm::event::KeyEvent) {
        use crossterm::event::KeyCode;
        let Some(Overlay::SignIn(sign_in)) = &mut self.ui.overlay else {
            return;
        };
        match (&mut sign_in.stage, key.code) {
            (SignInStage::PickUser { page, cursor }, KeyCode::Down | KeyCode::Char('j')) => {
                cursor.down(page.users.len())
            }
            (SignInStage::PickUser { cursor, .. }, KeyCode::Up | KeyCode::Char('k')) => cursor.up(),
            (SignInStage::PickUser { .. }, KeyCode::Enter) => self.sign_in_choose(None),
            // One key for each decision, as the dialog and the footer name them.
            (SignInStage::Consent { .. }, KeyCode::Char('a')) => {
                self.sign_in_choose(Some("approve"))
            }
            (SignInStage::Consent { .. }, KeyCode::Char('d')) => self.sign_in_choose(Some("deny")),
            _ => {}
        }
    }

    /// Posts the page's form: the picked user on the login page, or the decision on the
    /// consent page (`None` there means approve).
    fn sign_in_choose(&mut self, decision: Option<&str>) {
        let Some(http) = self.http() else {
            return;
        };
        let generation = self.flow_generation;
        let Some(Overlay::SignIn(sign_in)) = &mut self.ui.overlay else {
            return;
        };
        let (page, field, value): (&Page, &str, String) = match &sign_in.stage {
            SignInStage::PickUser { page, cursor } => match page.users.get(cursor.index) {
                Some(user) => (page, "username", user.username.clone()),
                None => return,
            },
            SignInStage::Consent { page } => {
                (page, "decision", decision.unwrap_or("approve").to_string())
            }
            SignInStage::Loading(_) => return,
        };
        let draft = page.answer(field, &value);
        let device = sign_in.device;
        sign_in.stage =
            SignInStage::Loading(format!("POST {} ({field}={value})", path_of(&page.action)));
        sign_in.error = None;
        self.tasks.spawn(
            "signing in on the mock",
            work::sign_in_request(http, draft, device, generation),
        );
    }

    pub(super) fn sign_in_page(&mut self, result: Result<Box<Page>, String>) {
        let Some(Overlay::SignIn(sign_in)) = &mut self.ui.overlay else {
            return;
        };
        match result.map(|page| *page) {
            Ok(page) if page.is_consent => sign_in.stage = SignInStage::Consent { page },
            Ok(page) if !page.users.is_empty() => {
                sign_in.stage = SignInStage::PickUser {
                    page,
                    cursor: Cursor::default(),
                }
            }
            Ok(page) => sign_in.error = Some(format!("unexpected page: {}", page.text)),
            Err(message) => sign_in.error = Some(message),
        }
    }

    pub(super) fn sign_in_done(&mut self, generation: u64, result: Result<SignInEnd, String>) {
        if generation != self.flow_generation {
            return;
        }
        match result {
            Ok(SignInEnd::Redirect(url)) => {
                self.ui.overlay = None;
                self.complete_redirect(url.secret());
            }
            Ok(SignInEnd::DeviceApproved(text)) => {
                self.ui.overlay = None;
                if let Some(run) = self.running() {
                    run.device_answered = true;
                }
                let polling = self
                    .running()
                    .is_some_and(|run| matches!(run.waiting, Some(Waiting::Poll { .. })));
                let next = if polling {
                    "the next poll picks up the tokens"
                } else {
                    "enter starts polling for the tokens"
                };
                self.success(format!(
                    "approved on the mock; {next} (the page says: {text})"
                ));
            }
            Err(message) => {
                if let Some(Overlay::SignIn(sign_in)) = &mut self.ui.overlay {
                    sign_in.error = Some(message);
                }
            }
        }
    }

    /// The seconds left on the flow's countdown, if it has one.
    pub fn countdown(&self) -> Option<Duration> {
        let FlowView::Running(run) = &self.flow else {
            return None;
        };
        let until: SystemTime = match run.waiting.as_ref()? {
            Waiting::Redirect { deadline, .. } => *deadline,
            Waiting::Poll { next_poll } => *next_poll,
        };
        Some(until.duration_since(self.now()).unwrap_or(Duration::ZERO))
    }
}

/// Where the browser step waits for the redirect: the listener bound when the flow was
/// built, or its redirect URI to listen on again.
enum Listen {
    Bound(LoopbackListener),
    Again(String),
}

impl Listen {
    fn redirect_uri(&self) -> &str {
        match self {
            Listen::Bound(listener) => listener.redirect_uri(),
            Listen::Again(uri) => uri,
        }
    }
}

/// How a saved client authenticates, as the engine takes it.
pub(super) fn credentials_of(client: &ClientProfile) -> Result<ClientCredentials, String> {
    let auth_method: AuthMethod = client.auth_method.parse().map_err(|e| format!("{e}"))?;
    Ok(match (&client.client_secret, auth_method) {
        (_, AuthMethod::PrivateKeyJwt) => {
            let key = signing_key_of(client)?.ok_or(
                "private_key_jwt signs with the client's key: set private_key = \"FILE\" \
                 for this client in the profile (make one with oauthscope keygen)",
            )?;
            ClientCredentials::with_private_key(&client.client_id, key)
        }
        (_, AuthMethod::None) | (None, _) => ClientCredentials::public(&client.client_id),
        (Some(secret), method) => {
            ClientCredentials::confidential(&client.client_id, secret, method)
        }
    })
}

/// The client's private key (`private_key` in its profile), when it has one: what
/// `private_key_jwt`, request objects and built grant assertions are signed with.
pub(super) fn signing_key_of(client: &ClientProfile) -> Result<Option<ClientKey>, String> {
    client
        .private_key
        .as_ref()
        .map(|path| ClientKey::load(path, None, None).map_err(|e| e.to_string()))
        .transpose()
}

/// A client that can do what the failed step's client could not, offered by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientFix {
    /// Its place in the server's client list.
    pub index: usize,
    pub client_id: String,
    /// Why it can, with the rule: "it can authenticate (RFC 7662 §2.1)".
    pub why: String,
}

/// The usual scopes the server lists, or none when it lists none of them.
pub(super) fn default_scope(metadata: &crate::wire::ServerMetadata) -> Option<String> {
    let wanted: Vec<&str> = DEFAULT_SCOPES
        .into_iter()
        .filter(|s| metadata.scopes_supported.iter().any(|x| x == s))
        .collect();
    (!wanted.is_empty()).then(|| wanted.join(" "))
}

/// The path of a URL, for short labels ("POST /token").
pub(crate) fn path_of(url: &str) -> String {
    url::Url::parse(url).map_or_else(|_| url.to_string(), |u| u.path().to_string())
}

/// "the token endpoint" → "The token endpoint", to open a sentence.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Puts the cursor where the flow is: the current step, the step that failed (its error is
/// what the user needs to read, not the empty step after it), or the last one.
pub(super) fn follow_flow(run: &mut FlowRun) {
    let steps = run.flow.steps();
    run.cursor.index = run
        .flow
        .current()
        .or_else(|| {
            steps
                .iter()
                .position(|s| matches!(s.status, StepStatus::Failed(_)))
        })
        .unwrap_or(steps.len().saturating_sub(1));
}
