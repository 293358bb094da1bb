//! `oauthscope run mcp URL`: MCP authorization step by step (MCP 2025-11-25), the engine's
//! pieces in order: the unauthenticated call and its challenge, the protected resource
//! metadata, the authorization server, registration, the code flow with `resource` (the same
//! driver as `run code`: $BROWSER, loopback listener or --paste), then initialize and
//! tools/list with the token. Exit status 0 when tools/list succeeded with the token.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};

use super::output::{Out, check_line};
use super::run::{Driver, FrontChannel, drive_and_report, front_channel};
use super::{RunArgs, flow_config, note_warnings};
use crate::oauth::RecordingClient;
use crate::oauth::StepKind;
use crate::oauth::client_auth::ClientCredentials;
use crate::oauth::discovery::Discovery;
use crate::oauth::error::EngineError;
use crate::oauth::exchange::Exchange;
use crate::oauth::flow::FlowKind;
use crate::oauth::flow::mcp::{self, ClientOffer, McpTarget, Registration, RegistrationMode, Spec};
use crate::oauth::flow::mcp_prelude;
use crate::oauth::jwt::{Check, Verdict};
use crate::oauth::mcp_discovery;
use crate::oauth::protected_resource;
use crate::oauth::redirect::{LoopbackListener, is_loopback_redirect};
use crate::oauth::registration::{RegisteredClient, Registrar};
use crate::oauth::secret::Secret;
use crate::oauth::step::{Step, StepStatus};
use crate::profile::{self, ClientProfile, Profile};
use crate::terminal_text::one_line;

/// The MCP steps shown so far, numbered in one sequence for humans and kept for `--json`.
struct Shown<'a> {
    out: &'a Out,
    steps: Vec<Value>,
}

impl Shown<'_> {
    fn show(&mut self, stage: StepKind, exchange: Option<Exchange>, checks: &[Check]) -> bool {
        let mut step = stage.step();
        let failed = checks.iter().find(|c| c.verdict == Verdict::Fail);
        step.status = match failed {
            Some(check) => StepStatus::Failed(check.detail.clone()),
            None => StepStatus::Done,
        };
        step.exchange = exchange;
        self.push(step, checks);
        failed.is_none()
    }

    fn fail(&mut self, stage: StepKind, exchange: Option<Exchange>, reason: &str) {
        let mut step = stage.step();
        step.status = StepStatus::Failed(reason.to_string());
        step.exchange = exchange;
        self.push(step, &[]);
    }

    /// Takes in the steps of a code flow its driver just recorded in `doc`, in their place
    /// among the MCP steps.
    fn absorb_code_flow(&mut self, doc: &mut Value) {
        if let Some(Value::Array(code_flow)) = doc.get_mut("steps").map(Value::take) {
            self.steps.extend(code_flow);
        }
    }

    fn push(&mut self, step: Step, checks: &[Check]) {
        self.out.print_step(self.steps.len() + 1, &step);
        for check in checks {
            self.out.line(format!("   {}", check_line(check)));
        }
        let mut json = self.out.step_json(&step);
        json["checks"] = serde_json::to_value(checks).unwrap_or_default();
        self.steps.push(json);
    }
}

pub async fn run(
    args: &RunArgs,
    out: &Out,
    http: &RecordingClient,
    doc: &mut Value,
) -> Result<(), String> {
    let server_url = args
        .url
        .as_deref()
        .ok_or("flow mcp needs the MCP server's URL: run mcp URL")?;
    let spec: Spec = args.spec.parse().map_err(|e: EngineError| e.to_string())?;
    doc["spec"] = json!(spec);
    doc["server_url"] = json!(server_url);
    let arguments = match &args.arguments {
        None => json!({}),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(object @ Value::Object(_)) => object,
            Ok(_) => return Err("--arguments must be a JSON object".into()),
            Err(e) => return Err(format!("--arguments is not JSON: {e}")),
        },
    };
    if args.arguments.is_some() && args.call.is_none() {
        return Err("--arguments goes with --call TOOL".into());
    }
    let mut shown = Shown {
        out,
        steps: Vec::new(),
    };
    let result = authorize_and_call(
        args, out, http, server_url, spec, arguments, &mut shown, doc,
    )
    .await;
    doc["steps"] = Value::Array(std::mem::take(&mut shown.steps));
    result
}

#[allow(clippy::too_many_arguments)]
async fn authorize_and_call(
    args: &RunArgs,
    out: &Out,
    http: &RecordingClient,
    server_url: &str,
    spec: Spec,
    arguments: Value,
    shown: &mut Shown<'_>,
    doc: &mut Value,
) -> Result<(), String> {
    // 1–2. The 401 and the protected resource metadata (each URL tried, and why).
    let found = match protected_resource::discover(http, server_url, spec).await {
        Ok(found) => found,
        Err(err) => {
            let sent = http.log().snapshot();
            let stage = mcp_prelude::failed_discovery_stage(&sent);
            shown.fail(stage, sent.last().cloned(), &err.to_string());
            return Err(err.to_string());
        }
    };
    // A server that lets initialize through shows those calls before the refused one.
    for call in &found.exchanges[..found.calls.saturating_sub(1)] {
        out.print_exchange(call);
    }
    shown.show(
        StepKind::McpUnauthenticated,
        found.exchanges.get(found.calls.saturating_sub(1)).cloned(),
        &[],
    );
    match &found.refusal.bearer {
        Some(bearer) => {
            for (name, value) in &bearer.params {
                out.line(format!(
                    "   challenge {}={}",
                    one_line(name),
                    one_line(value)
                ));
            }
        }
        None => out.line("   no Bearer challenge: the well-known URIs are tried (MCP 2025-11-25)"),
    }
    doc["resource_metadata"] = json!({
        "tried": found.tried,
        "document": found.metadata,
    });
    let passed = shown.show(
        StepKind::ResourceMetadata,
        found.exchanges.last().cloned(),
        &found.checks,
    );
    print_tried(
        out,
        found.tried.iter().map(|c| (c.url.as_str(), c.why)),
        &found.exchanges[found.calls..],
    );
    if !passed {
        return Err("the protected resource metadata failed its checks".into());
    }

    // 3. The authorization server, and its PKCE MUST.
    let issuer = found
        .issuer()
        .ok_or("the protected resource metadata names no authorization server")?
        .to_string();
    doc["issuer"] = json!(issuer);
    let endpoints = args.endpoints.endpoints()?;
    let searched = mcp_discovery::discover(http, &issuer, spec, &endpoints).await;
    let (discovery, tried, exchanges) = match searched {
        Ok(found) => (found.discovery, found.tried, found.exchanges),
        Err(lost) => {
            shown.fail(
                StepKind::ServerMetadata,
                lost.exchanges.last().cloned(),
                &lost.error.to_string(),
            );
            print_tried(
                out,
                lost.tried.iter().map(|c| (c.url.as_str(), c.why)),
                &lost.exchanges,
            );
            return Err(lost.error.to_string());
        }
    };
    note_warnings(&discovery, Some(FlowKind::AuthorizationCode));
    doc["server_metadata"] = json!({ "tried": tried });
    let checks = mcp::authorization_server_checks(&discovery.metadata, spec);
    let passed = shown.show(StepKind::ServerMetadata, exchanges.last().cloned(), &checks);
    print_tried(
        out,
        tried.iter().map(|c| (c.url.as_str(), c.why)),
        &exchanges,
    );
    if !passed {
        return Err("the authorization server failed the MCP checks".into());
    }

    // 4. Registration.
    let mode = match args.registration.as_str() {
        "pre" => RegistrationMode::Pre,
        "cimd" => RegistrationMode::Cimd,
        "dcr" => RegistrationMode::Dynamic,
        _ => RegistrationMode::Auto,
    };
    let given = args.client.credentials().map_err(|e| e.to_string())?;
    let scope = args.scope.clone().or_else(|| found.scope());
    let offer = ClientOffer {
        client_id: given.is_some(),
        metadata_url: args.client_metadata_url.as_deref(),
    };
    let choice = mcp::choose_registration(mode, offer, &discovery.metadata, spec)
        .inspect_err(|err| shown.fail(StepKind::Register, None, &err.to_string()))
        .map_err(|e| e.to_string())?;
    let (chosen, mut why) = (choice.method, choice.why.clone());
    // A client this command registered at the issuer before is reused when the choice is
    // dynamic registration anyway; --registration dcr registers a new one.
    let saved = SavedClients::open(args);
    let reused = match (mode, chosen) {
        (RegistrationMode::Auto, Registration::Dynamic) => saved.client_for(&issuer),
        _ => None,
    };
    let (redirect_uri, channel) = match reused.as_ref().and_then(|c| c.redirect_uris.first()) {
        Some(uri) if args.redirect_uri.is_none() && !args.paste => listen_again(args, uri).await?,
        _ => front_channel(args).await?,
    };
    let was_reused = reused.is_some();
    let client = match (chosen, given, offer.metadata_url, reused) {
        (Registration::Pre, Some(client), _, _) => {
            shown.show(StepKind::Register, None, &[]);
            client
        }
        (Registration::Cimd, _, Some(url), _) => {
            if !shown.show(StepKind::Register, None, &choice.checks) {
                return Err("the client metadata URL cannot be a client_id".into());
            }
            // The metadata document says how the client authenticates; this one is public.
            ClientCredentials::public(url)
        }
        (_, _, _, Some(stored)) => {
            why = format!(
                "{why}; the client registered at this issuer on an earlier run is reused \
                 (kept in {}; --registration dcr registers a new one)",
                saved.path_text()
            );
            shown.show(StepKind::Register, None, &[]);
            mcp::registered_credentials(&stored.as_registered(), &discovery.metadata)
        }
        _ => {
            let (endpoint, metadata) = mcp::dynamic_registration(
                &discovery.metadata,
                &redirect_uri,
                scope.as_deref(),
                &found.metadata.scopes_supported,
            );
            let consent = args.client.cross_host();
            let registered = Registrar::new(http, &issuer, &consent)
                .register(&endpoint, &metadata)
                .await;
            let exchange = http.log().snapshot().last().cloned();
            match registered {
                Ok(registered) => {
                    shown.show(StepKind::Register, exchange, &[]);
                    why = format!("{why}; {}", saved.remember(&issuer, &registered));
                    mcp::registered_credentials(&registered, &discovery.metadata)
                }
                Err(err) => {
                    shown.fail(StepKind::Register, exchange, &err.to_string());
                    return Err(err.to_string());
                }
            }
        }
    };
    out.line(format!(
        "   {}: client_id {}",
        one_line(&why),
        one_line(&client.client_id)
    ));
    doc["registration"] = json!({
        "method": chosen,
        "why": why,
        "client_id": client.client_id,
        "reused": was_reused,
    });

    // 5–6. The code flow with PKCE S256 and resource, through the browser.
    let paste = matches!(channel, FrontChannel::Paste);
    let mut session = Session {
        args,
        out,
        http,
        server_url,
        spec,
        discovery: &discovery,
        client,
        resource: found.resource().to_string(),
        redirect_uri,
        scope,
        token: Secret::from(String::new()),
        protocol_version: None,
        step_ups: Vec::new(),
    };
    session.authorize(Some(channel), shown, doc).await?;

    // 7–8. initialize, the initialized notification, tools/list with the token; then the
    // tool asked for. Each call steps up on 403 insufficient_scope.
    session
        .call(
            StepKind::McpInitialize,
            "initialize",
            json!({}),
            paste,
            shown,
            doc,
        )
        .await?;
    let note = http
        .send(&mcp::initialized_notification(
            &session.target(),
            &session.token,
        ))
        .await;
    if let Err(err) = mcp::process_notification(&note) {
        out.line(format!("   warning: the initialized notification: {err}"));
    }
    let listed = session
        .call(
            StepKind::McpListTools,
            "tools/list",
            json!({}),
            paste,
            shown,
            doc,
        )
        .await?;
    let tools = mcp::tool_names(&listed);
    out.line(format!("\nTools: {}", one_line(&tools.join(", "))));
    doc["tools"] = json!(tools);
    if let Some(tool) = &args.call {
        let params = json!({ "name": tool, "arguments": arguments });
        let result = session
            .call(
                StepKind::McpCallTool,
                "tools/call",
                params,
                paste,
                shown,
                doc,
            )
            .await?;
        let (text, is_error) = mcp::tool_result_text(&result);
        doc["call"] = json!({ "tool": tool, "result": result });
        out.line(format!(
            "\n{} answered: {}",
            one_line(tool),
            one_line(&text)
        ));
        if is_error {
            return Err(format!(
                "the tool {tool} reported an error: {}",
                one_line(&text)
            ));
        }
    }
    Ok(())
}

/// The clients `run mcp` registered, kept per issuer in the profile (`--config`, else the
/// user's) and reused on the next run.
struct SavedClients {
    path: Result<PathBuf, String>,
}

impl SavedClients {
    fn open(args: &RunArgs) -> Self {
        let path = match &args.config {
            Some(path) => Ok(path.clone()),
            None => profile::default_path().map_err(|e| e.to_string()),
        };
        SavedClients { path }
    }

    fn path_text(&self) -> String {
        match &self.path {
            Ok(path) => path.display().to_string(),
            Err(e) => e.clone(),
        }
    }

    /// A client saved for `issuer` with a loopback redirect URI this command can listen on
    /// (only registered clients keep their redirect URIs).
    fn client_for(&self, issuer: &str) -> Option<ClientProfile> {
        let path = self.path.as_ref().ok()?;
        let profile = match Profile::load(path) {
            Ok(profile) => profile,
            Err(err) => {
                note!("warning: no saved client is reused: {err}");
                return None;
            }
        };
        profile
            .clients_of(issuer)
            .find(|c| c.redirect_uris.iter().any(|uri| is_loopback_redirect(uri)))
            .cloned()
    }

    /// Keeps a client just registered at `issuer`; says where, or why not, in words.
    fn remember(&self, issuer: &str, client: &RegisteredClient) -> String {
        let kept = self.path.clone().and_then(|path| {
            let mut profile = Profile::load(&path).map_err(|e| e.to_string())?;
            profile.remember_client(issuer, ClientProfile::registered(client));
            profile.save(&path).map_err(|e| e.to_string())?;
            Ok(path)
        });
        match kept {
            Ok(path) => format!("kept in {} for the next run", path.display()),
            Err(err) => format!("not kept for the next run: {err}"),
        }
    }
}

/// Listens on the redirect URI a saved client was registered with; should its port be
/// taken, on another one, which servers accept for loopback URIs (RFC 8252 §7.3).
async fn listen_again(args: &RunArgs, uri: &str) -> Result<(String, FrontChannel), String> {
    match LoopbackListener::bind(Some(uri)).await {
        Ok(listener) => Ok((
            listener.redirect_uri().to_string(),
            FrontChannel::Listener(listener),
        )),
        Err(err) => {
            note!("warning: {err}; listening on another port (RFC 8252 §7.3)");
            front_channel(args).await
        }
    }
}

/// Every URL tried, and why; the exchanges of all but the last, which is the step's own.
fn print_tried<'a>(
    out: &Out,
    tried: impl ExactSizeIterator<Item = (&'a str, &'a str)>,
    exchanges: &[Exchange],
) {
    let count = tried.len();
    for (i, ((url, why), exchange)) in tried.zip(exchanges).enumerate() {
        out.line(format!("\n   tried {} ({why})", one_line(url)));
        if i + 1 < count {
            out.print_exchange(exchange);
        }
    }
}

/// What the calls with the token need, and what a step-up authorization repeats.
struct Session<'a> {
    args: &'a RunArgs,
    out: &'a Out,
    http: &'a RecordingClient,
    server_url: &'a str,
    spec: Spec,
    discovery: &'a Discovery,
    client: ClientCredentials,
    resource: String,
    redirect_uri: String,
    /// The scope of the last authorization.
    scope: Option<String>,
    token: Secret,
    /// The revision the server answered initialize with, sent on every later request.
    protocol_version: Option<String>,
    /// The scope each step-up asked for, for `--json`.
    step_ups: Vec<Value>,
}

impl Session<'_> {
    fn target(&self) -> McpTarget<'_> {
        McpTarget {
            server_url: self.server_url,
            spec: self.spec,
            protocol_version: self.protocol_version.as_deref(),
        }
    }

    /// Runs the code flow with PKCE S256 and `resource` for `self.scope` and keeps the token.
    async fn authorize(
        &mut self,
        front: Option<FrontChannel>,
        shown: &mut Shown<'_>,
        doc: &mut Value,
    ) -> Result<(), String> {
        let mut config = flow_config(
            self.discovery,
            Some(self.client.clone()),
            self.scope.clone(),
        );
        config.skew = Duration::from_secs(self.args.skew);
        config.cross_host = self.args.client.cross_host();
        config.redirect_uri = Some(self.redirect_uri.clone());
        config.require_iss = self.spec.iss_required();
        let mut flow =
            mcp::authorization_flow(config, &self.resource).map_err(|e| e.to_string())?;
        self.out
            .line("\nAuthorization (the code flow, with resource)");
        let driver = Driver {
            out: self.out,
            http: self.http,
            front,
            wait: Duration::from_secs(self.args.wait),
            open_browser: !self.args.no_browser,
        };
        let driven = drive_and_report(driver, &mut flow, doc).await;
        shown.absorb_code_flow(doc);
        driven?;
        self.token = flow
            .outcome()
            .tokens
            .as_ref()
            .map(|t| t.access_token.clone())
            .ok_or("the code flow ended without an access token")?;
        Ok(())
    }

    /// One JSON-RPC call with the token, shown as `stage`. A `403 insufficient_scope` naming
    /// a scope is answered by a step-up authorization with that scope added, at most
    /// [`mcp::MAX_STEP_UPS`] times, then the call is repeated with the new token.
    async fn call(
        &mut self,
        stage: StepKind,
        method: &str,
        params: Value,
        paste: bool,
        shown: &mut Shown<'_>,
        doc: &mut Value,
    ) -> Result<Value, String> {
        let id = match stage {
            StepKind::McpInitialize => 1,
            StepKind::McpListTools => 2,
            _ => 3,
        };
        loop {
            let draft = mcp::call_request(&self.target(), &self.token, id, method, params.clone());
            let exchange = self.http.send(&draft).await;
            let err = match mcp::process_call(&exchange) {
                Ok(result) => {
                    shown.show(stage, Some(exchange), &[]);
                    if stage == StepKind::McpInitialize {
                        self.protocol_version = mcp::negotiated_version(&result);
                    }
                    return Ok(result);
                }
                Err(err) => err.to_string(),
            };
            let needed = mcp::insufficient_scope(&exchange);
            shown.fail(stage, Some(exchange), &err);
            let Some(needed) = needed else {
                return Err(err);
            };
            if self.step_ups.len() >= mcp::MAX_STEP_UPS {
                let why = format!(
                    "{err}; the client stops after {} step-up authorizations (MCP 2025-11-25 \
                     Scope Challenge Handling)",
                    mcp::MAX_STEP_UPS
                );
                shown.fail(StepKind::McpStepUp, None, &why);
                return Err(why);
            }
            let (wider, decision) =
                mcp::step_up_decision(self.scope.as_deref(), &needed, self.step_ups.len() + 1);
            self.step_ups
                .push(json!({ "method": method, "needed": needed, "scope": wider }));
            doc["step_ups"] = json!(self.step_ups);
            shown.show(StepKind::McpStepUp, None, &[decision]);
            self.scope = Some(wider);
            let front = if paste {
                FrontChannel::Paste
            } else {
                FrontChannel::Listener(
                    LoopbackListener::bind(Some(&self.redirect_uri))
                        .await
                        .map_err(|e| e.to_string())?,
                )
            };
            self.authorize(Some(front), shown, doc).await?;
        }
    }
}
