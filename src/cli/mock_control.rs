//! `oauthscope mock fault|faults|clock|rotate-keys|keys|claims|requests`: the mock's control API
//! (`/_mock/`) from the command line, against any running oauthscope mock. Without one of
//! these subcommands, `oauthscope mock` serves a mock.

use std::process::ExitCode;
use std::time::Duration;

use serde_json::{Value, json};

use super::output::{Out, OutputArgs};
use crate::mock::MockArgs;
use crate::oauth::http::{ExchangeLog, HttpSettings, RecordingClient};
use crate::oauth::mock_control::{
    ClockMove, ControlError, ControlRequest, FaultSpec, parse_claims,
};
use crate::oauth::secret::Secret;

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
    /// The signing keys, those still in /jwks, and the rotations so far.
    Keys {
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
            | ControlCommand::Keys { target }
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
        Ok(request) => call(&target, &request)
            .await
            .map(|answer| (request, answer)),
        Err(reason) => Err(reason),
    };
    match result {
        Ok((request, answer)) => {
            for line in request.describe(&answer) {
                out.line(line);
            }
            out.finish("mock", json!({ "answer": answer }), Ok(()))
        }
        Err(reason) => out.finish("mock", json!({}), Err(reason)),
    }
}

/// The control request a subcommand makes.
fn request_for(command: &ControlCommand) -> Result<ControlRequest, String> {
    Ok(match command {
        ControlCommand::Fault {
            endpoint,
            error,
            count,
            client_id,
            delay_ms,
            ..
        } => ControlRequest::AddFault(FaultSpec {
            endpoint: endpoint.clone(),
            error: error.clone(),
            count: *count,
            client_id: client_id.clone(),
            delay_ms: *delay_ms,
        }),
        ControlCommand::Faults { clear: true, .. } => ControlRequest::ClearFaults,
        ControlCommand::Faults { clear: false, .. } => ControlRequest::ListFaults,
        ControlCommand::Clock { action, .. } => ControlRequest::Clock(match action {
            ClockAction::Advance { duration } => ClockMove::Advance(duration.clone()),
            ClockAction::Set { time } => ClockMove::Set(time.clone()),
            ClockAction::Real => ClockMove::Real,
        }),
        ControlCommand::RotateKeys { retire_old, .. } => ControlRequest::RotateKeys {
            retire_old: *retire_old,
        },
        ControlCommand::Keys { .. } => ControlRequest::KeyHistory,
        ControlCommand::Claims {
            next: true, args, ..
        } => ControlRequest::NextClaims(parse_claims(args)?),
        ControlCommand::Claims { args, .. } => {
            let (user, pairs) = args.split_first().ok_or("name the user")?;
            if user.contains('=') {
                return Err(format!(
                    "`{user}` looks like KEY=VALUE; name the user first \
                     (`claims USER KEY=VALUE...`), or use --next"
                ));
            }
            ControlRequest::UserClaims {
                user: user.clone(),
                claims: parse_claims(pairs)?,
            }
        }
        ControlCommand::Requests { limit, .. } => ControlRequest::Requests { limit: *limit },
    })
}

/// Sends one control request; the answer, or why there was none, with what to try here.
async fn call(target: &Target, request: &ControlRequest) -> Result<Value, String> {
    let settings = HttpSettings {
        timeout: TIMEOUT,
        ..HttpSettings::default()
    };
    let http = RecordingClient::with_settings(settings, ExchangeLog::new())
        .map_err(|err| err.to_string())?;
    request
        .send(&http, &target.issuer, target.control_token.as_ref())
        .await
        .map_err(|err| match err {
            ControlError::BadIssuer(_) => format!("--issuer {err}"),
            ControlError::Unreachable { .. } => {
                format!("{err}; start one with `oauthscope mock`, or name it with --issuer")
            }
            ControlError::NeedsToken => {
                format!("{err}: pass --control-token (or set OAUTHSCOPE_MOCK_CONTROL_TOKEN)")
            }
            other => other.to_string(),
        })
}
