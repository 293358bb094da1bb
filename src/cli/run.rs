//! `oauthscope run FLOW`: drive a flow step by step, showing each request and response, with
//! the browser leg through a loopback listener or a pasted URL, and device polling.

use std::io::BufRead as _;
use std::process::ExitCode;
use std::time::Duration;

use serde_json::json;

use super::output::{Out, check_line, pretty_json};
use super::{FlowName, RunArgs, discover_for, flow_config, http_client};
use crate::oauth::RecordingClient;
use crate::oauth::browser;
use crate::oauth::client_auth::assertion_claims;
use crate::oauth::flow::tokens::DecodedToken;
use crate::oauth::flow::{Advance, Flow, FlowConfig, FlowKind, FlowOutcome};
use crate::oauth::redirect::{LoopbackListener, is_loopback_redirect};
use crate::oauth::secret::{Secret, is_secret_name};
use crate::oauth::step::StepStatus;
use crate::terminal_text::one_line;
use crate::wire::DeviceAuthorizationResponse;

/// How the browser's redirect comes back to us.
pub enum FrontChannel {
    Listener(LoopbackListener),
    Paste,
}

/// What `drive` needs besides the flow.
pub struct Driver<'a> {
    pub out: &'a Out,
    pub http: &'a RecordingClient,
    /// How the first browser leg comes back; a later one (an MCP step-up) comes back the
    /// same way, to the redirect URI its authorization request names.
    pub front: Option<FrontChannel>,
    pub wait: Duration,
    pub open_browser: bool,
}

pub async fn run(args: RunArgs) -> ExitCode {
    let out = Out::new(&args.output);
    let http = match http_client() {
        Ok(h) => h,
        Err(e) => return out.finish("run", json!({}), Err(e)),
    };
    let mut doc = json!({ "flow": flow_kind(args.flow), "issuer": args.issuer });
    let result = if args.flow == FlowName::Mcp {
        doc["flow"] = json!("mcp");
        super::mcp::run(&args, &out, &http, &mut doc).await
    } else {
        run_flow(&args, &out, &http, &mut doc).await
    };
    let exchanges = http.log().snapshot();
    doc["exchanges"] = out.exchanges_json(&exchanges);
    let title = format!("oauthscope run {}", doc["flow"].as_str().unwrap_or("flow"));
    let result =
        match super::transcript::write(&args.transcript, &title, &doc, &exchanges, out.reveal) {
            Ok(written) => {
                for path in written {
                    note!("transcript written to {}", path.display());
                }
                result
            }
            // The run's own failure comes first; a transcript that could not be written is said after.
            Err(reason) => result.and(Err(reason)),
        };
    out.finish("run", doc, result)
}

fn flow_kind(flow: FlowName) -> FlowKind {
    match flow {
        FlowName::Code => FlowKind::AuthorizationCode,
        FlowName::Par => FlowKind::Par,
        FlowName::Device => FlowKind::Device,
        FlowName::ClientCredentials => FlowKind::ClientCredentials,
        FlowName::Refresh => FlowKind::Refresh,
        FlowName::TokenExchange => FlowKind::TokenExchange,
        FlowName::JwtBearer => FlowKind::JwtBearer,
        // The MCP flow's authorization is a code flow.
        FlowName::Mcp => FlowKind::AuthorizationCode,
    }
}

async fn run_flow(
    args: &RunArgs,
    out: &Out,
    http: &RecordingClient,
    doc: &mut serde_json::Value,
) -> Result<(), String> {
    let client = args
        .client
        .credentials()
        .map_err(|e| e.to_string())?
        .ok_or("--client-id is required")?;
    let issuer = args.issuer.as_deref().ok_or("--issuer is required")?;
    // A bad key file is said before any request goes out.
    let dpop = args.client.dpop.key()?;
    let details = super::authorization_details(args.authorization_details.as_deref())?;
    let found = discover_for(http, issuer, Some(flow_kind(args.flow)), &args.endpoints).await?;
    doc["discovery"] =
        json!({ "source": found.source, "sources": found.sources, "warnings": found.warnings });
    let mut config = flow_config(&found, Some(client), args.scope.clone());
    config.skew = Duration::from_secs(args.skew);
    config.cross_host = args.client.cross_host();
    config.dpop = dpop;
    config.authorization_details = details;
    config.request_object = args.request_object;
    let mut front = None;
    let built = match args.flow {
        FlowName::Code | FlowName::Par => {
            let (redirect_uri, channel) = front_channel(args).await?;
            config.redirect_uri = Some(redirect_uri);
            front = Some(channel);
            if args.flow == FlowName::Code {
                Flow::authorization_code(config)
            } else {
                Flow::par(config)
            }
        }
        FlowName::Device => Flow::device(config),
        FlowName::Mcp => return Err("give the MCP server's URL: run mcp URL".into()),
        FlowName::ClientCredentials => Flow::client_credentials(config),
        FlowName::Refresh => {
            let token = args
                .refresh_token
                .as_ref()
                .map(Secret::secret)
                .ok_or("the refresh flow needs --refresh-token")?;
            Flow::refresh(config, token, None)
        }
        FlowName::TokenExchange => Flow::token_exchange(config, args.exchange.exchange()?),
        FlowName::JwtBearer => {
            let assertion = grant_assertion(args, &config)?;
            Flow::jwt_bearer(config, assertion.secret())
        }
    };
    let mut flow = built.map_err(|e| e.to_string())?;
    let driver = Driver {
        out,
        http,
        front,
        wait: Duration::from_secs(args.wait),
        open_browser: !args.no_browser,
    };
    drive_and_report(driver, &mut flow, doc).await
}

/// Listens on the loopback redirect URI, or falls back to pasting for any other URI.
pub async fn front_channel(args: &RunArgs) -> Result<(String, FrontChannel), String> {
    let requested = args.redirect_uri.as_deref();
    let must_paste = args.paste || requested.is_some_and(|uri| !is_loopback_redirect(uri));
    if must_paste {
        let uri = requested.unwrap_or("http://127.0.0.1/callback").to_string();
        return Ok((uri, FrontChannel::Paste));
    }
    let listener = LoopbackListener::bind(requested)
        .await
        .map_err(|e| e.to_string())?;
    Ok((
        listener.redirect_uri().to_string(),
        FrontChannel::Listener(listener),
    ))
}

/// Drives `flow` to its end, then records its steps and outcome in the JSON document and
/// prints the outcome: what every command that runs a flow ends with.
pub async fn drive_and_report(
    driver: Driver<'_>,
    flow: &mut Flow,
    doc: &mut serde_json::Value,
) -> Result<(), String> {
    drive_on_and_report(driver, flow, doc, &mut 0).await
}

/// [`drive_and_report`] for a flow whose first `printed` steps were printed already (a
/// flow driven again after a step was added to it).
pub async fn drive_on_and_report(
    driver: Driver<'_>,
    flow: &mut Flow,
    doc: &mut serde_json::Value,
    printed: &mut usize,
) -> Result<(), String> {
    let out = driver.out;
    let result = drive(driver, flow, printed).await;
    record(out, flow, doc);
    if result.is_ok() {
        print_outcome(out, flow.outcome());
    }
    result
}

/// Keeps the flow's steps and outcome in the JSON document.
pub fn record(out: &Out, flow: &Flow, doc: &mut serde_json::Value) {
    doc["steps"] = flow.steps().iter().map(|s| out.step_json(s)).collect();
    doc["outcome"] = serde_json::to_value(flow.outcome()).unwrap_or_default();
}

/// Advances `flow` to its end, printing each step after the first `printed` as it finishes.
pub async fn drive(
    mut driver: Driver<'_>,
    flow: &mut Flow,
    printed: &mut usize,
) -> Result<(), String> {
    let mut device_shown = false;
    let mut pasted = false;
    loop {
        let advanced = flow.advance(driver.http).await;
        print_new_steps(driver.out, flow, printed);
        match advanced.map_err(|e| e.to_string())? {
            Advance::Finished => return Ok(()),
            Advance::Next => {
                if let (false, Some(device)) = (device_shown, &flow.outcome().device) {
                    show_device(device);
                    device_shown = true;
                }
            }
            Advance::Poll { wait } => {
                if let Some(StepStatus::Waiting(why)) =
                    flow.current().map(|i| &flow.steps()[i].status)
                {
                    note!("… {}", one_line(why));
                }
                tokio::time::sleep(wait).await;
            }
            Advance::Browser { url } => {
                let redirect = browser_leg(&mut driver, &mut pasted, &url).await?;
                let completed = flow.complete_redirect(&redirect);
                print_new_steps(driver.out, flow, printed);
                completed.map_err(|e| e.to_string())?;
            }
        }
    }
}

/// Shows the URL, opens the browser, and gets the redirect back.
async fn browser_leg(
    driver: &mut Driver<'_>,
    pasted: &mut bool,
    url: &str,
) -> Result<String, String> {
    note!("Open this URL to sign in and consent:\n\n  {url}\n");
    if driver.open_browser {
        match browser::open(url) {
            Ok(command) => note!("(opened with {command})"),
            Err(e) => note!("{e}"),
        }
    }
    let front = match driver.front.take() {
        Some(front) => Some(front),
        None => again(*pasted, url).await?,
    };
    match front {
        Some(FrontChannel::Listener(listener)) => {
            note!("Waiting for the redirect to {} …", listener.redirect_uri());
            tokio::time::timeout(driver.wait, listener.wait())
                .await
                .map_err(|_| {
                    format!(
                        "no redirect arrived within {} s (use --paste to paste it instead)",
                        driver.wait.as_secs()
                    )
                })?
                .map_err(|e| e.to_string())
        }
        Some(FrontChannel::Paste) => {
            *pasted = true;
            prompt_paste().await
        }
        None => Err("this flow has no way to receive the browser's redirect".into()),
    }
}

/// The front channel of another authorization in the same run: pasted again, or a listener
/// on the loopback redirect URI the authorization URL names.
async fn again(pasted: bool, url: &str) -> Result<Option<FrontChannel>, String> {
    if pasted {
        return Ok(Some(FrontChannel::Paste));
    }
    let redirect_uri = url::Url::parse(url).ok().and_then(|u| {
        u.query_pairs()
            .find(|(name, _)| name == "redirect_uri")
            .map(|(_, value)| value.into_owned())
    });
    match redirect_uri.filter(|uri| is_loopback_redirect(uri)) {
        Some(uri) => LoopbackListener::bind(Some(&uri))
            .await
            .map(|listener| Some(FrontChannel::Listener(listener)))
            .map_err(|e| e.to_string()),
        None => Ok(None),
    }
}

async fn prompt_paste() -> Result<String, String> {
    note_inline!("Paste the full URL your browser ended on, then Enter: ");
    tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the pasted URL: {e}"))?;
        let line = line.trim().to_string();
        if line.is_empty() {
            Err("no URL was pasted".to_string())
        } else {
            Ok(line)
        }
    })
    .await
    .map_err(|e| e.to_string())?
}

/// The device code for the user, on stderr: user code, URI, and a QR code of the complete URI.
fn show_device(device: &DeviceAuthorizationResponse) {
    note!(
        "\nOn another device, visit  {}\nand enter the code        {}\n",
        one_line(&device.verification_uri),
        one_line(device.user_code.secret())
    );
    if let Some(complete) = &device.verification_uri_complete {
        note!("or open {}", one_line(complete.secret()));
        if let Ok(code) = qrcode::QrCode::new(complete.secret().as_bytes()) {
            let qr = code
                .render::<qrcode::render::unicode::Dense1x2>()
                .dark_color(qrcode::render::unicode::Dense1x2::Light)
                .light_color(qrcode::render::unicode::Dense1x2::Dark)
                .build();
            note!("{qr}");
        }
    }
    note!(
        "The code expires in {} s; polling every {} s.",
        device.expires_in,
        device.interval.unwrap_or(5)
    );
}

/// Prints the steps that finished since the last call; after the browser step, what came back
/// on the redirect (the code masked).
pub fn print_new_steps(out: &Out, flow: &Flow, printed: &mut usize) {
    while let Some(step) = flow.steps().get(*printed) {
        if !matches!(step.status, StepStatus::Done | StepStatus::Failed(_)) {
            break;
        }
        *printed += 1;
        out.print_step(*printed, step);
        for check in &step.checks {
            out.line(format!("   {}", check_line(check)));
        }
        for note in &step.notes {
            out.line(format!("   {}", one_line(note)));
        }
        if let Some(proof) = &step.dpop_proof {
            let claims: Vec<String> = proof
                .claims
                .iter()
                .map(|(name, value)| match value.as_str() {
                    Some(text) => format!("{name}={}", one_line(text)),
                    None => format!("{name}={value}"),
                })
                .collect();
            out.line(format!("   DPoP proof  {}", claims.join("  ")));
        }
        for warning in &step.warnings {
            note!("   warning: {}", one_line(warning));
        }
        if step.exchange.is_none()
            && let Some(response) = &flow.outcome().authorization_response
        {
            out.line("   ← redirected back with");
            for (name, value) in &response.params {
                // The one rule the exchange views ask: the code is masked, the state shown.
                let shown = if is_secret_name(name) {
                    out.secret(value.secret())
                } else {
                    value.secret().to_string()
                };
                out.line(format!("     {}={}", one_line(name), one_line(&shown)));
            }
        }
    }
}

/// The results for humans: tokens (masked unless --show-secrets), decoded tokens and checks.
fn print_outcome(out: &Out, outcome: &FlowOutcome) {
    if out.json {
        return;
    }
    if let Some(tokens) = &outcome.tokens {
        out.line("\nTokens");
        out.line(format!(
            "   access_token   {}",
            out.secret(tokens.access_token.secret())
        ));
        out.line(format!(
            "   token_type     {}",
            one_line(&tokens.token_type)
        ));
        if let Some(expires_in) = tokens.expires_in {
            out.line(format!("   expires_in     {expires_in} s"));
        }
        if let Some(scope) = &tokens.scope {
            out.line(format!("   scope          {}", one_line(scope)));
        }
        if let Some(issued) = tokens
            .extra
            .0
            .get("issued_token_type")
            .and_then(|v| v.as_str())
        {
            out.line(format!("   issued_token_type {}", one_line(issued)));
        }
        if let Some(refresh) = &tokens.refresh_token {
            out.line(format!(
                "   refresh_token  {}",
                out.secret(refresh.secret())
            ));
        }
        if let Some(id_token) = &tokens.id_token {
            out.line(format!(
                "   id_token       {}",
                out.secret(id_token.secret())
            ));
        }
    }
    if let Some(binding) = &outcome.dpop {
        out.line(format!("\nDPoP binding (key thumbprint {})", binding.jkt));
        for check in &binding.checks {
            out.line(format!("   {}", check_line(check)));
        }
    }
    if let Some(details) = &outcome.authorization_details {
        out.line("\nGranted authorization_details");
        out.line(indent(&pretty_json(details)));
    }
    print_decoded(out, "ID token", outcome.id_token.as_ref());
    print_decoded(out, "Access token (JWT)", outcome.access_token.as_ref());
    if let Some(rotation) = &outcome.rotation {
        out.line("\nRotation");
        out.line(format!(
            "   refresh token {}",
            match rotation.refresh_token_rotated {
                Some(true) => "rotated: a new one replaces the old",
                Some(false) => "returned unchanged",
                None => "not returned: keep using the old one",
            }
        ));
        for change in &rotation.access_token_changes {
            out.line(format!(
                "   access_token.{}: {} → {}",
                change.claim,
                change.before.as_ref().map_or("∅".into(), |v| v.to_string()),
                change.after.as_ref().map_or("∅".into(), |v| v.to_string())
            ));
        }
    }
    for (title, value) in [
        ("Introspection", &outcome.introspection),
        ("UserInfo", &outcome.userinfo),
    ] {
        if let Some(value) = value {
            out.line(format!("\n{title}"));
            out.line(indent(&pretty_json(value)));
        }
    }
    if outcome.revoked {
        out.line("\nThe server accepted the revocation.");
    }
    for note in &outcome.notes {
        out.line(format!("\nNote: {}", one_line(note)));
    }
}

fn print_decoded(out: &Out, title: &str, token: Option<&DecodedToken>) {
    let Some(token) = token else { return };
    out.line(format!("\n{title} claims"));
    out.line(indent(&pretty_json(&token.claims)));
    if let Some(verification) = &token.verification {
        out.line(format!("{title} checks"));
        for check in &verification.checks {
            out.line(format!("   {}", check_line(check)));
        }
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("   {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The JWT bearer grant's assertion: `--assertion`, or claims from `--issuer-claim`,
/// `--subject` and `--assertion-audience` signed with the client's `--private-key` (RFC 7523 §3).
fn grant_assertion(args: &RunArgs, config: &FlowConfig) -> Result<Secret, String> {
    let given = &args.grant_assertion;
    if let Some(assertion) = &given.assertion {
        return Ok(assertion.clone());
    }
    let subject = given
        .subject
        .as_deref()
        .ok_or("the jwt-bearer flow needs --assertion JWT, or --subject (with --private-key)")?;
    let key = config
        .client
        .signing_key
        .as_ref()
        .ok_or("building the assertion needs --private-key to sign it (or give --assertion)")?;
    let issuer = given
        .issuer_claim
        .as_deref()
        .unwrap_or(&config.client.client_id);
    let audience = match &given.assertion_audience {
        Some(audience) => audience.clone(),
        None => config.metadata.token_endpoint.clone().ok_or(
            "the server has no token_endpoint to address the assertion to; give --assertion-audience",
        )?,
    };
    let claims = assertion_claims(issuer, subject, &audience).map_err(|e| e.to_string())?;
    key.sign_jwt("JWT", &claims)
        .map(Secret::new)
        .map_err(|e| e.to_string())
}
