//! `oauthscope run mcp URL`: MCP authorization step by step (MCP 2025-11-25), the engine's
//! one MCP flow ([`mcp_prelude`]) as the terminal app walks it: the unauthenticated call and
//! its challenge, the protected resource metadata, the authorization server, registration,
//! the code flow with `resource` (the same driver as `run code`: $BROWSER, loopback listener
//! or --paste), then initialize and tools/list with the token, and `--call TOOL`. With
//! `--dpop` the token is bound to the key and every MCP call carries a proof (RFC 9449).
//! Exit status 0 when tools/list (and the tool called) succeeded with the token.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};

use super::RunArgs;
use super::run::{
    Driver, FrontChannel, drive, drive_on_and_report, front_channel, print_new_steps, record,
};
use crate::oauth::RecordingClient;
use crate::oauth::error::EngineError;
use crate::oauth::flow::Flow;
use crate::oauth::flow::mcp::{RegistrationMode, Spec};
use crate::oauth::flow::mcp_prelude::{self, McpStart, SavedClient};
use crate::oauth::redirect::{LoopbackListener, is_loopback_redirect};
use crate::oauth::registration::RegisteredClient;
use crate::profile::{self, ClientProfile, Profile};
use crate::terminal_text::one_line;

pub async fn run(
    args: &RunArgs,
    out: &super::output::Out,
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
    // A bad key file or client is said before any request goes out.
    let dpop = args.client.dpop.key()?;
    let client = args.client.credentials().map_err(|e| e.to_string())?;
    let endpoints = args.endpoints.endpoints()?;
    let saved = SavedClients::open(args);
    let (redirect_uri, channel) = front_channel(args).await?;
    let start = McpStart {
        server_url: server_url.to_string(),
        spec,
        endpoints,
        mode: match args.registration.as_str() {
            "pre" => RegistrationMode::Pre,
            "cimd" => RegistrationMode::Cimd,
            "dcr" => RegistrationMode::Dynamic,
            _ => RegistrationMode::Auto,
        },
        client,
        reused: false,
        // Only a client this command registered keeps the redirect URI it listens on.
        saved: saved.clients(),
        kept_in: saved.path_text(),
        renew: "--registration dcr registers a new one".into(),
        metadata_url: args.client_metadata_url.clone(),
        scope: args.scope.clone(),
        redirect_uri,
        cross_host: args.client.cross_host(),
        skew: Duration::from_secs(args.skew),
        dpop,
    };
    let prepared = mcp_prelude::prepare(http, start).await;
    if let Value::Object(found) = json!(prepared.found) {
        for (name, value) in found {
            doc[name] = value;
        }
    }
    if let Some((issuer, client)) = &prepared.registered {
        let kept = saved.remember(issuer, client);
        if let Some(why) = doc["registration"]["why"].as_str() {
            doc["registration"]["why"] = json!(format!("{why}; {kept}"));
        }
    }
    let mut flow = prepared.flow;
    if let Some(reason) = flow.failure().map(str::to_string) {
        // Discovery or registration stopped it: the steps so far, and why.
        print_new_steps(out, &flow, &mut 0);
        record(out, &flow, doc);
        return Err(reason);
    }
    let paste = matches!(channel, FrontChannel::Paste);
    let front = listen_where_the_flow_redirects(args, &mut flow, channel).await?;
    let driver = |front| Driver {
        out,
        http,
        front,
        wait: Duration::from_secs(args.wait),
        open_browser: !args.no_browser,
    };
    let mut printed = 0;
    let driven = drive_on_and_report(driver(Some(front)), &mut flow, doc, &mut printed).await;
    let finished = driven.map(|()| {
        let tools = flow.outcome().mcp_tools.clone().unwrap_or_default();
        out.line(format!("\nTools: {}", one_line(&tools.join(", "))));
        doc["tools"] = json!(tools);
    });
    let called = match (&args.call, finished) {
        (Some(tool), Ok(())) => {
            let asked = flow.call_tool(tool, arguments).map_err(|e| e.to_string());
            match asked {
                Ok(()) => {
                    let front = paste.then_some(FrontChannel::Paste);
                    let called = drive(driver(front), &mut flow, &mut printed).await;
                    record(out, &flow, doc);
                    called
                }
                Err(err) => Err(err),
            }
        }
        (_, finished) => finished,
    };
    if let Some(answer) = &flow.outcome().mcp_call {
        doc["call"] = json!({ "tool": answer.tool, "result": answer.result });
        out.line(format!(
            "\n{} answered: {}",
            one_line(&answer.tool),
            one_line(&answer.text)
        ));
    }
    if let Some(server) = flow.mcp_server().filter(|s| !s.step_ups.is_empty()) {
        doc["step_ups"] = json!(server.step_ups);
    }
    called
}

/// The front channel for the flow's authorization step: the listener bound already when
/// the flow redirects there, else a listener where the reused client was registered to come
/// back; should that port be taken, another one, which servers accept for loopback URIs
/// (RFC 8252 §7.3).
async fn listen_where_the_flow_redirects(
    args: &RunArgs,
    flow: &mut Flow,
    channel: FrontChannel,
) -> Result<FrontChannel, String> {
    let FrontChannel::Listener(listener) = channel else {
        return Ok(channel);
    };
    let Some(draft) = flow.draft_mut() else {
        return Ok(FrontChannel::Listener(listener));
    };
    let wanted = draft.param("redirect_uri").unwrap_or_default().to_string();
    if wanted == listener.redirect_uri() {
        return Ok(FrontChannel::Listener(listener));
    }
    // A --redirect-uri given wins over the one the reused client was registered with.
    if args.redirect_uri.is_none() {
        match LoopbackListener::bind(Some(&wanted)).await {
            Ok(again) => return Ok(FrontChannel::Listener(again)),
            Err(err) => note!("warning: {err}; listening on another port (RFC 8252 §7.3)"),
        }
    }
    draft.set_param("redirect_uri", listener.redirect_uri());
    Ok(FrontChannel::Listener(listener))
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

    /// The clients saved with a loopback redirect URI this command can listen on (only
    /// registered clients keep their redirect URIs), by issuer.
    fn clients(&self) -> Vec<SavedClient> {
        let Ok(path) = self.path.as_ref() else {
            return Vec::new();
        };
        let profile = match Profile::load(path) {
            Ok(profile) => profile,
            Err(err) => {
                note!("warning: no saved client is reused: {err}");
                return Vec::new();
            }
        };
        let mut saved = Vec::new();
        for server in &profile.servers {
            for client in &server.clients {
                if let Some(uri) = client
                    .redirect_uris
                    .iter()
                    .find(|u| is_loopback_redirect(u))
                {
                    saved.push(SavedClient {
                        issuer: server.issuer.clone(),
                        client: client.as_registered(),
                        redirect_uri: uri.clone(),
                    });
                }
            }
        }
        saved
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
