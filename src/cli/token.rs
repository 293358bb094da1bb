//! `oauthscope introspect | revoke | userinfo`: the one-step flows on a given token.

use std::process::ExitCode;
use std::time::Duration;

use serde_json::json;

use super::output::Out;
use super::run::{Driver, drive_and_report};
use super::{TokenArgs, discover_for, flow_config, http_client};
use crate::oauth::RecordingClient;
use crate::oauth::flow::{Flow, FlowKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenCommand {
    Introspect,
    Revoke,
    Userinfo,
}

impl TokenCommand {
    fn kind(self) -> FlowKind {
        match self {
            TokenCommand::Introspect => FlowKind::Introspect,
            TokenCommand::Revoke => FlowKind::Revoke,
            TokenCommand::Userinfo => FlowKind::Userinfo,
        }
    }

    fn name(self) -> &'static str {
        match self {
            TokenCommand::Introspect => "introspect",
            TokenCommand::Revoke => "revoke",
            TokenCommand::Userinfo => "userinfo",
        }
    }
}

pub async fn run(command: TokenCommand, args: TokenArgs) -> ExitCode {
    let out = Out::new(&args.output);
    let http = match http_client() {
        Ok(h) => h,
        Err(e) => return out.finish(command.name(), json!({}), Err(e)),
    };
    let mut doc = json!({});
    let result = run_command(command, &args, &out, &http, &mut doc).await;
    doc["exchanges"] = out.exchanges_json(&http.log().snapshot());
    out.finish(command.name(), doc, result)
}

async fn run_command(
    command: TokenCommand,
    args: &TokenArgs,
    out: &Out,
    http: &RecordingClient,
    doc: &mut serde_json::Value,
) -> Result<(), String> {
    let client = args.client.credentials().map_err(|e| e.to_string())?;
    if client.is_none() && command != TokenCommand::Userinfo {
        return Err(format!(
            "{} needs client authentication: give --client-id (and --client-secret)",
            command.name()
        ));
    }
    let dpop = args.client.dpop.key()?;
    let found = discover_for(http, &args.issuer, Some(command.kind()), &args.endpoints).await?;
    let mut config = flow_config(&found, client, None);
    config.cross_host = args.client.cross_host();
    config.dpop = dpop;
    let hint = args.token_type_hint.as_deref();
    let mut flow = match command {
        TokenCommand::Introspect => Flow::introspect(config, args.token.secret(), hint),
        TokenCommand::Revoke => Flow::revoke(config, args.token.secret(), hint),
        TokenCommand::Userinfo => Flow::userinfo(config, args.token.secret()),
    }
    .map_err(|e| e.to_string())?;
    let driver = Driver {
        out,
        http,
        front: None,
        wait: Duration::ZERO,
        open_browser: false,
    };
    drive_and_report(driver, &mut flow, doc).await
}
