//! `oauthscope mock fault|faults|clock|rotate-keys|claims|requests`: the mock's control API
//! (`/_mock/`) from the command line, against any running oauthscope mock. Without one of
//! these subcommands, `oauthscope mock` serves a mock.

use std::process::ExitCode;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Map, Value, json};

use super::output::{Out, OutputArgs};
use crate::mock::MockArgs;
use crate::oauth::secret::Secret;
use crate::terminal_text::one_line;

/// Where `oauthscope mock` listens by default, and so where the subcommands look.
pub const DEFAULT_ISSUER: &str = "http://127.0.0.1:9000";
/// The control API answers at once; anything slower is a server in trouble.
const TIMEOUT: Duration = Duration::from_secs(10);

/// `oauthscope mock`: serve, or control a running mock.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct MockCommand {
    #[command(flatten)]
    pub serve: MockArgs,
    #[command(subcommand)]
    pub control: Option<ControlCommand>,
}

/// The mock to control.
#[derive(Debug, Clone, clap::Args)]
pub struct Target {
    /// The mock's issuer URL; the control API is below it, at /_mock/.
    #[arg(long, default_value = DEFAULT_ISSUER, global = true)]
    pub issuer: String,
    /// The token the mock was started with (`oauthscope mock --control-token`).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "OAUTHSCOPE_MOCK_CONTROL_TOKEN",
        hide_env_values = true,
        global = true
    )]
    pub control_token: Option<Secret>,
    /// Print one JSON document on stdout instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum ControlCommand {
    /// Make the next requests to an endpoint fail: an OAuth error code, an HTTP status
    /// (`503`), `malformed_json`, `drop_connection`, `delay`, or a token fault
    /// (`unknown_kid`, `wrong_iss`, `wrong_aud`, `expired`, `missing_at_hash`, `wrong_nonce`).
    Fault {
        /// authorize, token, userinfo, introspect, revoke, device, par, register, jwks, metadata.
        endpoint: String,
        error: String,
        /// How many matching requests fail.
        #[arg(long, default_value_t = 1)]
        count: u64,
        /// Only requests from this client fail.
        #[arg(long, value_name = "ID")]
        client_id: Option<String>,
        /// Milliseconds to wait before answering.
        #[arg(long, value_name = "N")]
        delay_ms: Option<u64>,
        #[command(flatten)]
        target: Target,
    },
    /// List the pending faults, or clear them.
    Faults {
        #[arg(long)]
        clear: bool,
        #[command(flatten)]
        target: Target,
    },
    /// Move the mock's clock: codes, tokens and refresh tokens expire on demand.
    Clock {
        #[command(subcommand)]
        action: ClockAction,
        #[command(flatten)]
        target: Target,
    },
    /// Publish new signing keys; the old ones stay in /jwks until their tokens expire.
    RotateKeys {
        /// Drop the old keys from /jwks at once.
        #[arg(long)]
        retire_old: bool,
        #[command(flatten)]
        target: Target,
    },
    /// Add or override claims: `claims USER KEY=VALUE...` for a user's tokens and userinfo,
    /// `claims --next KEY=VALUE...` for the next token issued. VALUE is JSON when it parses
    /// as JSON (`42`, `true`, `["a","b"]`), else a string.
    Claims {
        /// For the next token issued, whoever it is for.
        #[arg(long)]
        next: bool,
        #[arg(required = true, value_name = "USER KEY=VALUE")]
        args: Vec<String>,
        #[command(flatten)]
        target: Target,
    },
    /// The last requests the mock received, secrets masked.
    Requests {
        /// Only the last N.
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        #[command(flatten)]
        target: Target,
    },
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum ClockAction {
    /// Forward by a duration: 3600s, 90m, 2h, 1d.
    Advance { duration: String },
    /// To an RFC 3339 time: 2030-01-01T00:00:00Z.
    Set { time: String },
    /// Back to the real time.
    Real,
}

impl ControlCommand {
    fn target(&self) -> &Target {
        match self {
            ControlCommand::Fault { target, .. }
            | ControlCommand::Faults { target, .. }
            | ControlCommand::Clock { target, .. }
            | ControlCommand::RotateKeys { target, .. }
            | ControlCommand::Claims { target, .. }
            | ControlCommand::Requests { target, .. } => target,
        }
    }
}

/// Runs one control subcommand; exit 1 with the reason when the mock is absent or refuses.
pub async fn run(command: ControlCommand) -> ExitCode {
    let target = command.target().clone();
    let out = Out::new(&OutputArgs {
        json: target.json,
        show_secrets: false,
    })
    .without_hints();
    let result = match request_for(&command) {
        Ok((method, path, body)) => call(&target, method, &path, body).await,
        Err(reason) => Err(reason),
    };
    match result {
        Ok(answer) => {
            for line in describe(&command, &answer) {
                out.line(line);
            }
            out.finish("mock", json!({ "answer": answer }), Ok(()))
        }
        Err(reason) => out.finish("mock", json!({}), Err(reason)),
    }
}

/// The control request a subcommand makes.
fn request_for(command: &ControlCommand) -> Result<(Method, String, Option<Value>), String> {
    Ok(match command {
        ControlCommand::Fault {
            endpoint,
            error,
            count,
            client_id,
            delay_ms,
            ..
        } => {
            let mut body = json!({"endpoint": endpoint, "error": error, "count": count});
            if let Some(id) = client_id {
                body["client_id"] = json!(id);
            }
            if let Some(ms) = delay_ms {
                body["delay_ms"] = json!(ms);
            }
            (Method::POST, "/_mock/faults".into(), Some(body))
        }
        ControlCommand::Faults { clear: true, .. } => {
            (Method::DELETE, "/_mock/faults".into(), None)
        }
        ControlCommand::Faults { clear: false, .. } => (Method::GET, "/_mock/faults".into(), None),
        ControlCommand::Clock { action, .. } => {
            let body = match action {
                ClockAction::Advance { duration } => json!({"advance": duration}),
                ClockAction::Set { time } => json!({"set": time}),
                ClockAction::Real => json!({"real": true}),
            };
            (Method::POST, "/_mock/clock".into(), Some(body))
        }
        ControlCommand::RotateKeys { retire_old, .. } => (
            Method::POST,
            "/_mock/keys/rotate".into(),
            Some(json!({"retire_old": retire_old})),
        ),
        ControlCommand::Claims { next, args, .. } => {
            let (path, pairs) = if *next {
                ("/_mock/claims/next".to_owned(), &args[..])
            } else {
                let user = &args[0];
                if user.contains('=') {
                    return Err(format!(
                        "`{user}` looks like KEY=VALUE; name the user first \
                         (`claims USER KEY=VALUE...`), or use --next"
                    ));
                }
                let encoded: String =
                    url::form_urlencoded::byte_serialize(user.as_bytes()).collect();
                (format!("/_mock/users/{encoded}/claims"), &args[1..])
            };
            if pairs.is_empty() {
                return Err("name at least one claim as KEY=VALUE".into());
            }
            let method = if *next { Method::POST } else { Method::PUT };
            (method, path, Some(Value::Object(claims(pairs)?)))
        }
        ControlCommand::Requests { limit, .. } => {
            let path = match limit {
                Some(n) => format!("/_mock/requests?limit={n}"),
                None => "/_mock/requests".into(),
            };
            (Method::GET, path, None)
        }
    })
}

/// `KEY=VALUE` pairs as a JSON object; VALUE as JSON when it is JSON, else as a string.
fn claims(pairs: &[String]) -> Result<Map<String, Value>, String> {
    pairs
        .iter()
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) if !key.is_empty() => {
                let value = serde_json::from_str(value).unwrap_or_else(|_| json!(value));
                Ok((key.to_owned(), value))
            }
            _ => Err(format!("`{pair}` is not KEY=VALUE")),
        })
        .collect()
}

/// Sends one control request; the answer, or why there was none.
async fn call(
    target: &Target,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Result<Value, String> {
    let issuer = target.issuer.trim_end_matches('/');
    let url = url::Url::parse(&format!("{issuer}{path}"))
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| format!("--issuer `{}` is not an http(s) URL", target.issuer))?;
    let http = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|err| format!("cannot build an HTTP client: {err}"))?;
    let mut request = http.request(method, url);
    if let Some(token) = &target.control_token {
        request = request.bearer_auth(token.secret());
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.map_err(|err| {
        if err.is_timeout() {
            format!(
                "the server at {issuer} did not answer within {} s",
                TIMEOUT.as_secs()
            )
        } else {
            format!(
                "no mock answers at {issuer} ({}); start one with `oauthscope mock`, or name \
                 it with --issuer",
                error_chain(&err)
            )
        }
    })?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|err| format!("the answer from {issuer} was cut off: {err}"))?;
    let answer: Option<Value> = serde_json::from_str(&text).ok();
    let description = answer
        .as_ref()
        .and_then(|a| a["error_description"].as_str())
        .map(str::to_owned);
    match status {
        s if s.is_success() => answer.ok_or_else(|| {
            format!("{issuer} answered {s} but not with JSON: is it an oauthscope mock?")
        }),
        StatusCode::NOT_FOUND => Err(format!(
            "{issuer} has no control API at {path}: it is not an oauthscope mock, or the mock \
             was started with --no-control"
        )),
        StatusCode::UNAUTHORIZED => Err(match target.control_token {
            None => "the mock needs its control token: pass --control-token (or set \
                     OAUTHSCOPE_MOCK_CONTROL_TOKEN)"
                .into(),
            Some(_) => "the mock refused the control token given".into(),
        }),
        s => Err(format!(
            "the mock refused ({s}): {}",
            description.unwrap_or_else(|| text.chars().take(200).collect())
        )),
    }
}

/// The causes of a reqwest error, outermost first ("connection refused" is a few levels in).
fn error_chain(err: &reqwest::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        parts.push(cause.to_string());
        source = cause.source();
    }
    parts.dedup();
    parts.join(": ")
}

/// The answer in words.
fn describe(command: &ControlCommand, answer: &Value) -> Vec<String> {
    let text =
        |v: &Value| one_line(&v.as_str().map_or_else(|| v.to_string(), str::to_owned)).into_owned();
    match command {
        ControlCommand::Fault { .. } => vec![fault_line(answer, "added")],
        ControlCommand::Faults { clear: true, .. } => {
            vec![format!("cleared {} pending fault(s)", answer["cleared"])]
        }
        ControlCommand::Faults { clear: false, .. } => {
            let faults = answer["faults"].as_array().cloned().unwrap_or_default();
            if faults.is_empty() {
                return vec!["no faults pending".into()];
            }
            faults.iter().map(|f| fault_line(f, "pending")).collect()
        }
        ControlCommand::Clock { .. } => vec![format!(
            "the mock's clock is at {} ({} ms from real time)",
            text(&answer["now_rfc3339"]),
            answer["offset_ms"]
        )],
        ControlCommand::RotateKeys { .. } => vec![
            format!("new signing keys: {}", list(&answer["introduced"])),
            format!(
                "retired: {} (in /jwks until {})",
                list(&answer["retired"]),
                crate::oauth::time::iso8601(answer["published_until"].as_i64().unwrap_or(0))
            ),
        ],
        ControlCommand::Claims { .. } => {
            vec![format!(
                "claims in force: {}",
                one_line(&answer.to_string())
            )]
        }
        ControlCommand::Requests { .. } => {
            let requests = answer["requests"].as_array().cloned().unwrap_or_default();
            if requests.is_empty() {
                return vec!["no requests received yet".into()];
            }
            requests.iter().flat_map(request_lines).collect()
        }
    }
}

fn list(value: &Value) -> String {
    let items: Vec<String> = value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(|s| one_line(s).into_owned())
                .collect()
        })
        .unwrap_or_default();
    items.join(", ")
}

fn fault_line(fault: &Value, state: &str) -> String {
    let mut line = format!(
        "fault {} {state}: {} answers {} to the next {} request(s)",
        fault["id"],
        one_line(fault["endpoint"].as_str().unwrap_or("?")),
        describe_kind(fault),
        fault["remaining"]
    );
    if let Some(client) = fault["client_id"].as_str() {
        line.push_str(&format!(" from {}", one_line(client)));
    }
    if let Some(ms) = fault["delay_ms"].as_u64() {
        line.push_str(&format!(", {ms} ms late"));
    }
    line
}

fn describe_kind(fault: &Value) -> String {
    match fault["kind"].as_str() {
        Some("oauth_error") => one_line(fault["error"].as_str().unwrap_or("?")).into_owned(),
        Some("http_status") => format!("HTTP {} with an HTML page", fault["status"]),
        Some("token") => format!(
            "a token with {}",
            one_line(fault["fault"].as_str().unwrap_or("?"))
        ),
        Some(other) => one_line(other).into_owned(),
        None => "?".into(),
    }
}

fn request_lines(request: &Value) -> Vec<String> {
    let mut head = format!(
        "{} {} -> {}",
        one_line(request["method"].as_str().unwrap_or("?")),
        one_line(request["path"].as_str().unwrap_or("?")),
        request["status"]
    );
    if let Some(fault) = request["fault"].as_str() {
        head.push_str(&format!("  (fault: {})", one_line(fault)));
    }
    let mut lines = vec![head];
    for source in ["query", "form"] {
        for pair in request[source].as_array().into_iter().flatten() {
            lines.push(format!(
                "    {} = {}",
                one_line(pair[0].as_str().unwrap_or("")),
                one_line(pair[1].as_str().unwrap_or(""))
            ));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_values_are_json_when_they_parse() {
        let parsed = claims(&[
            "role=admin".into(),
            "level=3".into(),
            "groups=[\"a\",\"b\"]".into(),
            "note=a=b".into(),
        ])
        .unwrap();
        assert_eq!(parsed["role"], "admin");
        assert_eq!(parsed["level"], 3);
        assert_eq!(parsed["groups"], json!(["a", "b"]));
        assert_eq!(parsed["note"], "a=b");
        assert!(claims(&["=x".into()]).is_err());
        assert!(claims(&["novalue".into()]).is_err());
    }
}
