//! The flow pane: pick a flow, then walk the engine's steps one Enter at a time. Every step
//! shows its request first (editable with `e`); the browser step waits on the loopback
//! listener, takes a pasted redirect URL, or signs in right here on the built-in mock; the
//! device step polls with a countdown.

use std::time::{Duration, SystemTime};

use crate::oauth::browser;
use crate::oauth::client_auth::{AuthMethod, ClientCredentials};
use crate::oauth::flow::{Advance, Flow, FlowConfig, FlowKind};
use crate::oauth::redirect::LoopbackListener;
use crate::oauth::secret::Secret;
use crate::oauth::send_policy::{SendRefusal, SendRule};
use crate::oauth::{RequestDraft, StepStatus};
use crate::tui::action::Command;
use crate::tui::model::{
    AfterConsent, CrossHostPrompt, Cursor, FLOWS, FlowRun, FlowView, Form, FormPurpose, Overlay,
    ServerEntry, SignIn, SignInStage, TokenKind, Waiting, flow_title,
};
use crate::tui::outcome::SignInEnd;
use crate::tui::pane::Pane;
use crate::tui::request_text;
use crate::tui::sign_in::Page;
use crate::tui::work::{self, FlowStart};

use super::App;

/// The scopes asked for by default, each only if the server lists it.
const DEFAULT_SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];

impl App {
    pub(super) fn flow_command(&mut self, command: Command) {
        match command {
            Command::Activate => match &self.flow {
                FlowView::Picking(cursor) => {
                    let kind = FLOWS[cursor.index.min(FLOWS.len() - 1)];
                    let subject = self.subject_for(kind);
                    self.start_flow(kind, subject, None);
                }
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
                &[("Redirect URL", "")],
            )),
            Command::Copy => self.copy_from_flow(),
            other => self.not_here(other),
        }
    }

    /// The flow's settings from the selected server and client.
    fn flow_config(&self, kind: FlowKind) -> Result<FlowConfig, String> {
        let server = self.selected_server().ok_or("choose a server first (1)")?;
        let metadata = server.metadata().cloned().ok_or_else(|| {
            format!(
                "{} is not discovered yet: select it in Servers (1) and press enter",
                server.name
            )
        })?;
        let client = server
            .selected_client()
            .ok_or("choose or add a client first (2)")?;
        let auth_method: AuthMethod = client.auth_method.parse().map_err(|e| format!("{e}"))?;
        let credentials = match (&client.client_secret, auth_method) {
            (_, AuthMethod::None) | (None, _) => ClientCredentials::public(&client.client_id),
            (Some(secret), method) => {
                ClientCredentials::confidential(&client.client_id, secret, method)
            }
        };
        // Client credentials has no user: scopes about a user make no sense there.
        let scope = client.scope.clone().or_else(|| match kind {
            FlowKind::ClientCredentials => None,
            _ => default_scope(&metadata),
        });
        let mut config = FlowConfig::new(metadata, credentials);
        config.scope = scope;
        if let Some(consent) = self.cross_host.get(&config.metadata.issuer) {
            config.cross_host = consent.clone();
        }
        Ok(config)
    }

    /// The selected token, for flows that work on one.
    fn subject_for(&self, kind: FlowKind) -> Option<(String, Option<&'static str>)> {
        let wanted = match kind {
            FlowKind::Refresh => Some(TokenKind::Refresh),
            FlowKind::Userinfo => Some(TokenKind::Access),
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
        let config = match self.flow_config(kind) {
            Ok(config) => config,
            Err(message) => return self.error(message),
        };
        if matches!(
            kind,
            FlowKind::Refresh | FlowKind::Introspect | FlowKind::Revoke | FlowKind::Userinfo
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
                self.flow = FlowView::Running(Box::new(run));
                self.info(format!(
                    "{title}: read the request, e edits it, enter sends it"
                ));
            }
            Err(message) => self.error(message),
        }
    }

    /// Shows a flow built elsewhere (a test, a script) in the flow pane.
    pub fn show_flow(&mut self, flow: Flow) {
        self.flow_generation += 1;
        self.flow = FlowView::Running(Box::new(FlowRun::new(flow, self.flow_generation)));
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
        run.flow = flow;
        run.busy = false;
        run.waiting = None;
        run.cursor.index = run
            .flow
            .current()
            .unwrap_or(run.flow.steps().len().saturating_sub(1));
        let mut wait_task = None;
        let message = match result {
            Ok(Advance::Next) => Ok("done; the next request is ready: enter sends it".to_string()),
            Ok(Advance::Browser { .. }) => {
                if let Some(listener) = run.listener.take() {
                    let port = url::Url::parse(listener.redirect_uri())
                        .ok()
                        .and_then(|u| u.port());
                    run.waiting = Some(Waiting::Redirect {
                        port,
                        deadline: now + work::REDIRECT_WAIT,
                        task: None,
                    });
                    wait_task = Some(listener);
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
        if let Some(listener) = wait_task {
            let id = self.tasks.spawn(
                "waiting for the browser",
                work::wait_for_redirect(listener, generation),
            );
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
        run.cursor.index = run
            .flow
            .current()
            .unwrap_or(run.flow.steps().len().saturating_sub(1));
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

    fn edit_request(&mut self) {
        let Some(run) = self.running() else {
            return self.info("choose a flow first (enter)".into());
        };
        let draft = run
            .flow
            .current()
            .and_then(|i| run.flow.steps()[i].request.clone());
        match draft {
            Some(draft) if !run.busy => {
                let mut form = Form::new(
                    FormPurpose::EditRequest,
                    "Edit the request · ctrl-s keeps it · esc discards",
                    &[("Request", &request_text::to_text(&draft))],
                );
                form.multiline = true;
                self.open_form(form);
            }
            _ => self.info("no request to edit at this step".into()),
        }
    }

    pub(super) fn apply_request_edit(&mut self, text: &str) -> Result<(), String> {
        let run = self.running().ok_or("no flow is running")?;
        let draft = run
            .flow
            .draft_mut()
            .ok_or("no request to edit at this step")?;
        *draft = request_text::apply(draft, text).map_err(|e| e.to_string())?;
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
        match browser::open(&url) {
            Ok(program) => self.success(format!("opened the browser with {program}")),
            Err(e) => self.error(format!("{e}; copy the URL with y and open it by hand")),
        }
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
        let on_mock = self
            .selected_server()
            .is_some_and(|s: &ServerEntry| s.built_in);
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

    pub(super) fn sign_in_command(&mut self, command: Command) {
        match command {
            Command::Quit => self.ui.quit = true,
            Command::Cancel => self.ui.overlay = None,
            Command::Activate => self.sign_in_choose(None),
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
            (SignInStage::Consent { .. }, KeyCode::Enter | KeyCode::Char('a')) => {
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
                Some(user) => (page, "username", user.clone()),
                None => return,
            },
            SignInStage::Consent { page } => {
                (page, "decision", decision.unwrap_or("approve").to_string())
            }
            SignInStage::Loading(_) => return,
        };
        let mut draft = RequestDraft::new("POST", &page.action);
        if let Some(tx) = &page.tx {
            draft.set_param("tx", tx);
        }
        draft.set_param(field, &value);
        let device = sign_in.device;
        sign_in.stage =
            SignInStage::Loading(format!("POST {} ({field}={value})", path_of(&page.action)));
        sign_in.error = None;
        self.tasks.spawn(
            "signing in on the mock",
            work::sign_in_request(http, draft, device, generation),
        );
    }

    pub(super) fn sign_in_page(&mut self, result: Result<Page, String>) {
        let Some(Overlay::SignIn(sign_in)) = &mut self.ui.overlay else {
            return;
        };
        match result {
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
