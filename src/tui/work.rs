//! The background work, one async function per job. Each takes what it needs by value,
//! calls the protocol engine, and returns an [`Outcome`]; the recording client reports every
//! exchange on its own, so nothing here touches the exchange log.

use std::time::Duration;

use crate::oauth::discovery::Warning;
use crate::oauth::discovery::{self, Endpoints};
use crate::oauth::error::EngineError;
use crate::oauth::flow::mcp::{self, Spec};
use crate::oauth::flow::mcp_prelude::{self, McpStart};
use crate::oauth::flow::tokens::DecodedToken;
use crate::oauth::flow::{Flow, FlowConfig, FlowKind, token_exchange};
use crate::oauth::http::RecordingClient;
use crate::oauth::jwks::KeyStore;
use crate::oauth::jwt::Verdict;
use crate::oauth::jwt::{self, ClaimRules, Jwt};
use crate::oauth::mcp_discovery;
use crate::oauth::protected_resource;
use crate::oauth::redirect::LoopbackListener;
use crate::oauth::registration::{ClientManagement, Registrar};
use crate::oauth::secret::Secret;
use crate::oauth::send_policy::CrossHostConsent;
use crate::oauth::{Exchange, RequestDraft};
use crate::wire::TokenResponse;

use super::outcome::{McpResource, Outcome, SignInEnd};
use super::sign_in;

/// How long the browser step waits on the loopback listener.
pub const REDIRECT_WAIT: Duration = Duration::from_secs(300);

/// Discovers `issuer`, with the endpoints saved for it over what it says.
pub async fn discover(http: RecordingClient, issuer: String, given: Endpoints) -> Outcome {
    let result = discovery::discover_with(&http, &issuer, &given).await;
    discovered(issuer, result)
}

/// Finds out what a URL added in Servers is. An MCP server refuses the unauthenticated
/// `initialize` with a Bearer challenge (MCP 2025-11-25 Authorization, RFC 9728 §5.1); else
/// the URL is tried as an issuer, and only when that discovery fails is protected resource
/// metadata found without a challenge (2025-11-25 allows the header to be absent) taken as
/// an MCP server. Neither: the discovery error, with why it is no MCP server either.
pub async fn identify(http: RecordingClient, url: String) -> Outcome {
    let probe = protected_resource::discover(&http, &url, Spec::default()).await;
    let challenged = matches!(&probe, Ok(found) if found.refusal.bearer.is_some());
    // What speaks for an MCP server, or why the URL is none.
    let mcp = probe.map_err(|e| e.to_string()).and_then(|found| {
        match found.checks.iter().find(|c| c.verdict == Verdict::Fail) {
            Some(failed) if !challenged => Err(failed.detail.clone()),
            _ => Ok(found),
        }
    });
    if !challenged {
        match (
            discovery::discover_with(&http, &url, &Endpoints::default()).await,
            &mcp,
        ) {
            (Ok(found), _) => return discovered(url, Ok(found)),
            (Err(err), Err(not_mcp)) => {
                return Outcome::Discovered {
                    issuer: url,
                    result: Err(format!("{err}; nor is it an MCP server: {not_mcp}")),
                };
            }
            (Err(_), Ok(_)) => {}
        }
    }
    let result = mcp.and_then(|found| {
        if let Some(failed) = found.checks.iter().find(|c| c.verdict == Verdict::Fail) {
            return Err(failed.detail.clone());
        }
        let issuer = found.issuer().map(str::to_string).ok_or_else(|| {
            "its protected resource metadata names no authorization_servers (RFC 9728 §2)"
                .to_string()
        })?;
        Ok(McpResource {
            issuer,
            scope: found.scope(),
            checks: found.checks,
        })
    });
    Outcome::McpFound {
        server_url: url,
        result,
    }
}

/// Discovers an MCP server's authorization server the way MCP clients must: its metadata
/// URLs in the order the revision lists (MCP 2025-11-25 Authorization Server Metadata
/// Discovery), and a server without PKCE S256 advertised flagged, since MCP clients refuse
/// it (Authorization Code Protection).
pub async fn discover_for_mcp(
    http: RecordingClient,
    issuer: String,
    given: Endpoints,
    spec: Spec,
) -> Outcome {
    let result = match mcp_discovery::discover(&http, &issuer, spec, &given).await {
        Ok(found) => {
            let mut discovery = found.discovery;
            for check in mcp::authorization_server_checks(&discovery.metadata, spec) {
                if check.verdict == Verdict::Fail {
                    discovery.warnings.push(Warning {
                        code: "mcp_refuses_server",
                        message: check.detail,
                    });
                }
            }
            Ok(Box::new(discovery))
        }
        Err(lost) => {
            let tried: Vec<&str> = lost.tried.iter().map(|c| c.url.as_str()).collect();
            Err(format!("{} (tried {})", lost.error, tried.join(", ")))
        }
    };
    Outcome::Discovered { issuer, result }
}

fn discovered(issuer: String, result: Result<discovery::Discovery, EngineError>) -> Outcome {
    Outcome::Discovered {
        issuer,
        result: result.map(Box::new).map_err(|e| e.to_string()),
    }
}

/// What a new flow starts from besides the server and client.
#[derive(Debug, Clone)]
pub struct FlowStart {
    pub kind: FlowKind,
    pub config: FlowConfig,
    /// The token that refresh, introspect, revoke and userinfo work on, with its type hint.
    pub subject: Option<(String, Option<&'static str>)>,
    /// The tokens being refreshed, so the outcome can show what changed.
    pub previous: Option<TokenResponse>,
    /// The `token_type` the subject token was issued with, when known.
    pub token_type: Option<String>,
}

/// Builds the flow. The code flows first bind the loopback listener, because the redirect
/// URI (with its ephemeral port) is part of the authorization request.
pub async fn prepare_flow(start: FlowStart, generation: u64) -> Outcome {
    let result = build_flow(start).await;
    Outcome::FlowReady { generation, result }
}

async fn build_flow(start: FlowStart) -> Result<(Box<Flow>, Option<LoopbackListener>), String> {
    let FlowStart {
        kind,
        mut config,
        subject,
        previous,
        token_type,
    } = start;
    let subject = || {
        subject
            .clone()
            .ok_or_else(|| "select a token in the Tokens pane first (5)".to_string())
    };
    let mut listener = None;
    let flow = match kind {
        FlowKind::AuthorizationCode | FlowKind::Par => {
            let bound = LoopbackListener::bind(None)
                .await
                .map_err(|e| e.to_string())?;
            config.redirect_uri = Some(bound.redirect_uri().to_string());
            listener = Some(bound);
            match kind {
                FlowKind::Par => Flow::par(config),
                _ => Flow::authorization_code(config),
            }
        }
        FlowKind::Device => Flow::device(config),
        FlowKind::ClientCredentials => Flow::client_credentials(config),
        FlowKind::Refresh => Flow::refresh(config, &subject()?.0, previous),
        FlowKind::Introspect => {
            let (token, hint) = subject()?;
            Flow::introspect(config, &token, hint)
        }
        FlowKind::Revoke => {
            let (token, hint) = subject()?;
            Flow::revoke(config, &token, hint)
        }
        FlowKind::Userinfo => Flow::userinfo(config, &subject()?.0),
        FlowKind::TokenExchange => Flow::token_exchange(
            config,
            token_exchange::Exchange::of_access_token(&subject()?.0),
        ),
        // The selected token is the assertion: a JWT another issuer signed.
        FlowKind::JwtBearer => Flow::jwt_bearer(config, &subject()?.0),
    };
    let mut flow = flow.map_err(|e| e.to_string())?;
    if let Some(token_type) = token_type {
        flow.presenting_token_type(&token_type);
    }
    Ok((Box::new(flow), listener))
}

/// The MCP flow from the server's URL: binds the loopback listener (where a client
/// registered on an earlier run was registered to come back, when it is free), then runs
/// the discovery and registration steps and builds the code flow after them.
pub async fn prepare_mcp_flow(
    http: RecordingClient,
    mut start: McpStart,
    listen_at: Option<String>,
    generation: u64,
) -> Outcome {
    let listener = match LoopbackListener::bind(listen_at.as_deref()).await {
        Ok(listener) => Ok(listener),
        // Another port, which servers accept for loopback URIs (RFC 8252 §7.3).
        Err(_) if listen_at.is_some() => LoopbackListener::bind(None).await,
        Err(err) => Err(err),
    };
    let listener = match listener {
        Ok(listener) => listener,
        Err(err) => {
            return Outcome::FlowReady {
                generation,
                result: Err(err.to_string()),
            };
        }
    };
    start.redirect_uri = listener.redirect_uri().to_string();
    let server_url = start.server_url.clone();
    let prepared = mcp_prelude::prepare(&http, start).await;
    let ready = !prepared.flow.is_failed();
    Outcome::McpFlowReady {
        generation,
        server_url,
        flow: Box::new(prepared.flow),
        listener: ready.then_some(listener),
        registered: prepared.registered.map(|(_, client)| Box::new(client)),
    }
}

/// Sends the flow's current step.
pub async fn advance(http: RecordingClient, mut flow: Flow, generation: u64) -> Outcome {
    let result = flow.advance(&http).await.map_err(|e| e.to_string());
    Outcome::Advanced {
        generation,
        flow: Box::new(flow),
        result,
    }
}

pub async fn wait_for_redirect(listener: LoopbackListener, generation: u64) -> Outcome {
    let result = match tokio::time::timeout(REDIRECT_WAIT, listener.wait()).await {
        Ok(result) => result.map(Secret::new).map_err(|e| e.to_string()),
        Err(_) => Err(format!(
            "no redirect arrived within {} minutes; press p to paste the URL the browser shows",
            REDIRECT_WAIT.as_secs() / 60
        )),
    };
    Outcome::Redirected { generation, result }
}

/// Listens again on `redirect_uri` (a step-up's second authorization) and waits there.
pub async fn listen_and_wait_for_redirect(redirect_uri: String, generation: u64) -> Outcome {
    match LoopbackListener::bind(Some(&redirect_uri)).await {
        Ok(listener) => wait_for_redirect(listener, generation).await,
        Err(err) => Outcome::Redirected {
            generation,
            result: Err(format!(
                "{err}; press p to paste the URL the browser shows, or s to sign in here"
            )),
        },
    }
}

pub async fn poll_after(wait: Duration, generation: u64) -> Outcome {
    tokio::time::sleep(wait).await;
    Outcome::PollDue { generation }
}

/// One request of the in-terminal sign-in: a page to show next, or the end of the sign-in.
pub async fn sign_in_request(
    http: RecordingClient,
    draft: RequestDraft,
    device: bool,
    generation: u64,
) -> Outcome {
    let exchange = http.send(&draft).await;
    match read_sign_in_answer(&exchange, device) {
        Ok(SignInAnswer::Page(page)) => Outcome::SignInPage {
            result: Ok(Box::new(page)),
        },
        Ok(SignInAnswer::End(end)) => Outcome::SignInDone {
            generation,
            result: Ok(end),
        },
        Err(e) => Outcome::SignInPage { result: Err(e) },
    }
}

enum SignInAnswer {
    Page(sign_in::Page),
    End(SignInEnd),
}

/// What a browser would do with the answer: follow a redirect to the client (the end of
/// the authorization), show a form, or show a final page (the device approval).
fn read_sign_in_answer(exchange: &Exchange, device: bool) -> Result<SignInAnswer, String> {
    let body = exchange.response_body.clone().unwrap_or_default();
    match exchange.status {
        None => Err(exchange
            .error
            .clone()
            .unwrap_or_else(|| "no response".into())),
        Some(300..=399) => exchange
            .response_header("location")
            .map(|l| SignInAnswer::End(SignInEnd::Redirect(Secret::new(l.to_string()))))
            .ok_or_else(|| "a redirect without a Location header".to_string()),
        Some(200) => match sign_in::read_page(&body, &exchange.url) {
            Ok(page) => Ok(SignInAnswer::Page(page)),
            Err(_) if device => Ok(SignInAnswer::End(SignInEnd::DeviceApproved(
                sign_in::read_text(&body),
            ))),
            Err(e) => Err(e.to_string()),
        },
        Some(status) => Err(format!(
            "the server answered {status}: {}",
            sign_in::read_text(&body)
        )),
    }
}

pub async fn register(
    http: RecordingClient,
    issuer: String,
    consent: CrossHostConsent,
    endpoint: String,
    metadata: serde_json::Value,
) -> Outcome {
    let result = Registrar::new(&http, &issuer, &consent)
        .register(&endpoint, &metadata)
        .await
        .map(Box::new)
        .map_err(|e| e.to_string());
    Outcome::Registration {
        issuer,
        client_id: None,
        result,
    }
}

pub async fn read_client(
    http: RecordingClient,
    issuer: String,
    consent: CrossHostConsent,
    client_id: String,
    handle: ClientManagement,
) -> Outcome {
    let result = Registrar::new(&http, &issuer, &consent)
        .read(&handle)
        .await
        .map(Box::new)
        .map_err(|e| e.to_string());
    Outcome::Registration {
        issuer,
        client_id: Some(client_id),
        result,
    }
}

/// Reads the client, sets the given metadata fields, and PUTs it back (RFC 7592 §2.2).
pub async fn update_client(
    http: RecordingClient,
    issuer: String,
    consent: CrossHostConsent,
    client_id: String,
    handle: ClientManagement,
    changes: Vec<(String, serde_json::Value)>,
) -> Outcome {
    let result = Registrar::new(&http, &issuer, &consent)
        .update(&handle, |metadata| {
            for (name, value) in changes {
                metadata.insert(name, value);
            }
        })
        .await
        .map(Box::new)
        .map_err(|e| e.to_string());
    Outcome::Registration {
        issuer,
        client_id: Some(client_id),
        result,
    }
}

pub async fn delete_client(
    http: RecordingClient,
    issuer: String,
    consent: CrossHostConsent,
    client_id: String,
    handle: ClientManagement,
) -> Outcome {
    let result = Registrar::new(&http, &issuer, &consent)
        .delete(&handle)
        .await
        .map_err(|e| e.to_string());
    Outcome::ClientDeleted {
        issuer,
        client_id,
        result,
    }
}

/// Verifies a pasted JWT against `jwks_uri`, checking times and (when given) the issuer.
pub async fn check_token(
    http: RecordingClient,
    value: String,
    jwks_uri: String,
    issuer: Option<String>,
) -> Outcome {
    let decoded = match Jwt::decode(&value) {
        Ok(token) => {
            let mut keys = KeyStore::from_url(jwks_uri);
            let rules = ClaimRules {
                issuer,
                ..ClaimRules::default()
            };
            let verification = jwt::verify(&token, &mut keys, &http, &rules).await;
            DecodedToken {
                header: token.unverified_header().clone(),
                claims: token.unverified_claims().clone(),
                verification: Some(verification),
            }
        }
        Err(e) => DecodedToken {
            header: Default::default(),
            claims: Default::default(),
            verification: Some(jwt::Verification {
                checks: vec![jwt::Check {
                    check: "signature",
                    verdict: jwt::Verdict::Fail,
                    detail: e.to_string(),
                }],
            }),
        },
    };
    Outcome::TokenChecked {
        value: value.into(),
        decoded: Box::new(decoded),
    }
}
