//! `oauthscope run mcp URL`: MCP authorization step by step (MCP 2025-11-25), the engine's
//! pieces in order: the unauthenticated call and its challenge, the protected resource
//! metadata, the authorization server, registration, the code flow with `resource` (the same
//! driver as `run code`: $BROWSER, loopback listener or --paste), then initialize and
//! tools/list with the token. Exit status 0 when tools/list succeeded with the token.

use std::time::Duration;

use serde_json::{Value, json};

use super::output::{Out, check_line};
use super::run::{Driver, drive_and_report, front_channel};
use super::terminal_text::one_line;
use super::{RunArgs, discover_for, flow_config};
use crate::oauth::RecordingClient;
use crate::oauth::StepKind;
use crate::oauth::client_auth::ClientCredentials;
use crate::oauth::error::EngineError;
use crate::oauth::exchange::Exchange;
use crate::oauth::flow::FlowKind;
use crate::oauth::flow::mcp::{self, ClientOffer, Registration, RegistrationMode, Spec};
use crate::oauth::jwt::{Check, Verdict};
use crate::oauth::protected_resource;
use crate::oauth::registration::Registrar;
use crate::oauth::secret::Secret;
use crate::oauth::step::{Step, StepStatus};

/// The MCP steps shown so far, numbered in one sequence for humans and kept for `--json`.
struct Shown<'a> {
    out: &'a Out,
    steps: Vec<Value>,
    /// Where the code flow's steps go among them, once it started.
    authorization_at: Option<usize>,
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
    let mut shown = Shown {
        out,
        steps: Vec::new(),
        authorization_at: None,
    };
    let result = authorize_and_list(args, out, http, server_url, spec, &mut shown, doc).await;
    let mut steps = std::mem::take(&mut shown.steps);
    // The code flow's steps (set by its driver) sit between registration and the calls
    // with the token.
    if let (Some(at), Some(Value::Array(code_flow))) = (
        shown.authorization_at,
        doc.get_mut("steps").map(Value::take),
    ) {
        steps.splice(at..at, code_flow);
    }
    doc["steps"] = Value::Array(steps);
    result
}

async fn authorize_and_list(
    args: &RunArgs,
    out: &Out,
    http: &RecordingClient,
    server_url: &str,
    spec: Spec,
    shown: &mut Shown<'_>,
    doc: &mut Value,
) -> Result<(), String> {
    // 1–2. The 401 and the protected resource metadata (each URL tried, and why).
    let found = match protected_resource::discover(http, server_url).await {
        Ok(found) => found,
        Err(err) => {
            // The MCP calls are POSTs; the metadata is fetched with GET.
            let sent = http.log().snapshot();
            let stage = if sent.iter().any(|e| e.method == "GET") {
                StepKind::ResourceMetadata
            } else {
                StepKind::McpUnauthenticated
            };
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
    // Every URL tried; the exchanges of those that failed here, the last one is the step's.
    let tried = found.tried.len();
    for (i, (candidate, exchange)) in found
        .tried
        .iter()
        .zip(found.exchanges.iter().skip(found.calls))
        .enumerate()
    {
        out.line(format!(
            "\n   tried {} ({})",
            one_line(&candidate.url),
            candidate.why
        ));
        if i + 1 < tried {
            out.print_exchange(exchange);
        }
    }
    if !passed {
        return Err("the protected resource metadata failed its checks".into());
    }

    // 3. The authorization server, and its PKCE MUST.
    let issuer = found
        .issuer()
        .ok_or("the protected resource metadata names no authorization server")?
        .to_string();
    doc["issuer"] = json!(issuer);
    let before = http.log().len();
    let discovery = discover_for(
        http,
        &issuer,
        Some(FlowKind::AuthorizationCode),
        &args.endpoints,
    )
    .await
    .inspect_err(|err| {
        shown.fail(
            StepKind::ServerMetadata,
            http.log().snapshot().last().cloned(),
            err,
        )
    })?;
    let checks = mcp::authorization_server_checks(&discovery.metadata);
    let exchange = http.log().snapshot().get(before).cloned();
    if !shown.show(StepKind::ServerMetadata, exchange, &checks) {
        return Err("the authorization server failed the MCP checks".into());
    }

    // 4. Registration.
    let (redirect_uri, channel) = front_channel(args).await?;
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
    let (chosen, why) = (choice.method, choice.why.clone());
    let client = match (chosen, given, offer.metadata_url) {
        (Registration::Pre, Some(client), _) => {
            shown.show(StepKind::Register, None, &[]);
            client
        }
        (Registration::Cimd, _, Some(url)) => {
            if !shown.show(StepKind::Register, None, &choice.checks) {
                return Err("the client metadata URL cannot be a client_id".into());
            }
            // The metadata document says how the client authenticates; this one is public.
            ClientCredentials::public(url)
        }
        _ => {
            let endpoint = discovery
                .metadata
                .registration_endpoint
                .clone()
                .unwrap_or_default();
            let metadata = mcp::dynamic_client_metadata(&redirect_uri, scope.as_deref());
            let consent = args.client.cross_host();
            let registered = Registrar::new(http, &issuer, &consent)
                .register(&endpoint, &metadata)
                .await;
            let exchange = http.log().snapshot().last().cloned();
            match registered {
                Ok(registered) => {
                    shown.show(StepKind::Register, exchange, &[]);
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
        "   {why}: client_id {}",
        one_line(&client.client_id)
    ));
    doc["registration"] = json!({ "method": chosen, "why": why, "client_id": client.client_id });

    // 5–6. The code flow with PKCE S256 and resource, through the browser.
    let mut config = flow_config(&discovery, Some(client), scope);
    config.skew = Duration::from_secs(args.skew);
    config.cross_host = args.client.cross_host();
    config.redirect_uri = Some(redirect_uri);
    let mut flow = mcp::authorization_flow(config, found.resource()).map_err(|e| e.to_string())?;
    shown.authorization_at = Some(shown.steps.len());
    out.line("\nAuthorization (the code flow, with resource)");
    let driver = Driver {
        out,
        http,
        front: Some(channel),
        wait: Duration::from_secs(args.wait),
        open_browser: !args.no_browser,
    };
    drive_and_report(driver, &mut flow, doc).await?;
    let token: Secret = flow
        .outcome()
        .tokens
        .as_ref()
        .map(|t| t.access_token.clone())
        .ok_or("the code flow ended without an access token")?;

    // 7–8. initialize, the initialized notification, tools/list with the token.
    let exchange = http
        .send(&mcp::call_request(
            server_url,
            &token,
            1,
            "initialize",
            json!({}),
        ))
        .await;
    if let Err(err) = mcp::process_call(&exchange) {
        shown.fail(StepKind::McpInitialize, Some(exchange), &err.to_string());
        return Err(err.to_string());
    }
    shown.show(StepKind::McpInitialize, Some(exchange), &[]);
    let note = http
        .send(&mcp::initialized_notification(server_url, &token))
        .await;
    if let Err(err) = mcp::process_notification(&note) {
        out.line(format!("   warning: the initialized notification: {err}"));
    }
    let exchange = http
        .send(&mcp::call_request(
            server_url,
            &token,
            2,
            "tools/list",
            json!({}),
        ))
        .await;
    match mcp::process_call(&exchange) {
        Ok(result) => {
            let tools = mcp::tool_names(&result);
            shown.show(StepKind::McpListTools, Some(exchange), &[]);
            out.line(format!("\nTools: {}", one_line(&tools.join(", "))));
            doc["tools"] = json!(tools);
            Ok(())
        }
        Err(err) => {
            shown.fail(StepKind::McpListTools, Some(exchange), &err.to_string());
            Err(err.to_string())
        }
    }
}
