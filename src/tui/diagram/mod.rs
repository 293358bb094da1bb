//! The sequence diagram of a flow: who sends what to whom, in order. One model for every
//! flow, drawn from the flow's steps and the exchanges the session recorded while it ran,
//! so a flow added to the engine gets its picture for free.
//!
//! A step's own exchange is its last one; the log also holds the attempts before it (the
//! device flow's polls) and what a browser sent meanwhile (the in-terminal sign-in on the
//! built-in mock, the device approval). [`Diagram::build`] gives each recorded exchange to
//! the step it belongs to: the step whose exchange it is, else the step that sends to that
//! endpoint, else the browser step of the flow when it went to the same server.
//!
//! Labels carry names, never values: the parameter and member names of a request and its
//! answer (`POST /token grant_type=refresh_token`, `200 access_token, refresh_token`) and
//! only the values that are vocabulary (`grant_type`, an OAuth `error` code, a JSON-RPC
//! method), passed through the terminal-safe escaping, so no secret and no raw server byte
//! reaches a label.

pub mod widget;

pub use widget::{DiagramState, SequenceDiagram};

use std::cell::RefCell;
use std::sync::Arc;
use std::time::SystemTime;

use crate::oauth::{Exchange, RequestDraft, Step, StepKind, StepStatus};
use crate::terminal_text::one_line;

/// A column of the diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Actor {
    /// The user's browser (the user's phone in the device flow).
    Browser,
    /// oauthscope: the client, the device, the MCP client.
    Client,
    AuthorizationServer,
    /// The UserInfo endpoint, the MCP server.
    ResourceServer,
}

/// Who plays the actors: the names depend on the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cast {
    Web,
    Device,
    Mcp,
}

impl Cast {
    pub fn name(self, actor: Actor) -> &'static str {
        match (self, actor) {
            (Cast::Device, Actor::Browser) => "User's phone",
            (Cast::Mcp, Actor::Browser) => "Browser",
            (_, Actor::Browser) => "User / browser",
            (Cast::Device, Actor::Client) => "Device (oauthscope)",
            (Cast::Mcp, Actor::Client) => "MCP client (oauthscope)",
            (_, Actor::Client) => "oauthscope (client)",
            (_, Actor::AuthorizationServer) => "Authorization server",
            (Cast::Mcp, Actor::ResourceServer) => "MCP server",
            (_, Actor::ResourceServer) => "Resource server",
        }
    }
}

/// How an arrow is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// An HTTP request.
    Request,
    /// Its response.
    Response,
    /// Not HTTP from the client: a redirect the browser follows, a code the user reads.
    Hop,
}

/// Where an arrow stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mark {
    /// Sent or done.
    Done,
    /// Built and shown, not sent yet: the step is ready.
    Planned,
    /// The step failed here, with the reason in words.
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrow {
    pub from: Actor,
    pub to: Actor,
    pub line: Line,
    pub label: String,
    pub mark: Mark,
    /// The step (index into the steps) it belongs to.
    pub step: usize,
    /// The exchange it shows, as an index into the log the diagram was built from.
    pub exchange: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagram {
    pub cast: Cast,
    /// The columns, left to right.
    pub actors: Vec<Actor>,
    pub arrows: Vec<Arrow>,
    /// The arrow of the step under way (its last one), while the flow runs.
    pub current: Option<usize>,
}

/// The last diagram built and what it was built from, so that a frame draws it again
/// without building it (a device flow that polled for long has a thousand arrows) unless
/// a step or the log changed.
#[derive(Default)]
pub struct DiagramCache(RefCell<Option<(Inputs, Arc<Diagram>)>>);

/// What a diagram depends on: each step's status, exchange and request, and the log.
#[derive(PartialEq)]
struct Inputs {
    steps: Vec<(StepStatus, Option<SystemTime>, Option<RequestDraft>)>,
    log: (usize, Option<SystemTime>),
}

impl DiagramCache {
    /// The diagram of `steps` and `log`, built again only when they changed.
    pub fn get(&self, steps: &[Step], log: &[Exchange]) -> Arc<Diagram> {
        let inputs = Inputs {
            steps: steps
                .iter()
                .map(|s| {
                    let sent = s.exchange.as_ref().map(|e| e.started_at);
                    (s.status.clone(), sent, s.request.clone())
                })
                .collect(),
            log: (log.len(), log.last().map(|e| e.started_at)),
        };
        let mut cache = self.0.borrow_mut();
        match cache.as_ref() {
            Some((built_from, diagram)) if *built_from == inputs => Arc::clone(diagram),
            _ => {
                let diagram = Arc::new(Diagram::build(steps, log));
                *cache = Some((inputs, Arc::clone(&diagram)));
                diagram
            }
        }
    }
}

/// Where a server string in a label is cut: a label is one glance, the exchange has the rest.
const VALUE_LIMIT: usize = 48;
/// How many member or parameter names a label lists before "…".
const NAMES_LIMIT: usize = 5;

impl Diagram {
    /// The diagram of `steps`, with `log` the exchanges recorded since the flow started.
    pub fn build(steps: &[Step], log: &[Exchange]) -> Diagram {
        let cast = cast_of(steps);
        let owners = owners(steps, log);
        let mut arrows = Vec::new();
        let mut current = None;
        for (i, step) in steps.iter().enumerate() {
            if step.status == StepStatus::Pending {
                continue;
            }
            let first = arrows.len();
            let mut entries: Vec<Entry> = owners
                .iter()
                .enumerate()
                .filter_map(|(at, owner)| match owner {
                    Some((step, from)) if *step == i => Some(Entry {
                        at: Some(at),
                        from: *from,
                        exchange: &log[at],
                    }),
                    _ => None,
                })
                .collect();
            if let Some(own) = &step.exchange
                && !entries.iter().any(|e| same(e.exchange, own))
            {
                entries.push(Entry {
                    at: None,
                    from: Actor::Client,
                    exchange: own,
                });
            }
            // What a ready step will send is drawn planned, after what it sent before (a
            // step sent again); the rest is done until the step's status says otherwise.
            let ready = step.status == StepStatus::Ready;
            let mut add = |from, to, line, label: String, exchange: Option<usize>| {
                arrows.push(Arrow {
                    from,
                    to,
                    line,
                    label,
                    mark: Mark::Done,
                    step: i,
                    exchange,
                })
            };
            match step.kind {
                StepKind::Authorize => {
                    let path = step
                        .request
                        .as_ref()
                        .map(|r| path_of(&r.url))
                        .unwrap_or_default();
                    add(
                        Actor::Client,
                        Actor::Browser,
                        Line::Hop,
                        format!("open {path}?…"),
                        None,
                    );
                    if !ready {
                        browser_leg(step, &entries, &mut add);
                    }
                }
                _ => {
                    let server = server_of(step.kind);
                    for entry in &entries {
                        let to = match entry.from {
                            Actor::Browser => Actor::AuthorizationServer,
                            _ => server,
                        };
                        exchange_arrows(step.kind, entry.from, to, entry, &mut add);
                    }
                    if (ready || entries.is_empty())
                        && let Some(draft) = &step.request
                    {
                        let names: Vec<&str> =
                            draft.params.iter().map(|(k, _)| k.as_str()).collect();
                        let label = request_label(&draft.method, &draft.url, &names, |name| {
                            draft.param(name).map(str::to_string)
                        });
                        add(Actor::Client, server, Line::Request, label, None);
                    }
                    if step.kind == StepKind::DeviceAuthorize && step.status == StepStatus::Done {
                        add(
                            Actor::Client,
                            Actor::Browser,
                            Line::Hop,
                            "show user_code + verification_uri".into(),
                            None,
                        );
                    }
                }
            }
            let Some(last) = arrows.len().checked_sub(1).filter(|l| *l >= first) else {
                continue;
            };
            match &step.status {
                StepStatus::Ready => {
                    arrows[last].mark = Mark::Planned;
                    current.get_or_insert(last);
                }
                StepStatus::Waiting(_) => {
                    current.get_or_insert(last);
                }
                StepStatus::Failed(reason) => {
                    arrows[last].mark = Mark::Failed(clip(reason));
                }
                StepStatus::Done | StepStatus::Pending => {}
            }
        }
        let mut actors: Vec<Actor> = steps.iter().flat_map(|s| actors_of(s.kind)).collect();
        actors.sort();
        actors.dedup();
        Diagram {
            cast,
            actors,
            arrows,
            current,
        }
    }
}

/// An exchange a step shows: where it is in the log (`None`: only on the step so far) and
/// who sent it.
struct Entry<'a> {
    at: Option<usize>,
    from: Actor,
    exchange: &'a Exchange,
}

/// The authorization step: what the browser sent and got (the sign-in on the mock), or the
/// leg in words when it happened in a browser the app does not see; then the redirect back.
fn browser_leg(
    step: &Step,
    entries: &[Entry],
    add: &mut impl FnMut(Actor, Actor, Line, String, Option<usize>),
) {
    for entry in entries {
        exchange_arrows(
            step.kind,
            Actor::Browser,
            Actor::AuthorizationServer,
            entry,
            add,
        );
    }
    if entries.is_empty() {
        add(
            Actor::Browser,
            Actor::AuthorizationServer,
            Line::Hop,
            "sign in + consent in the browser".into(),
            None,
        );
    }
    let back = match &step.status {
        StepStatus::Waiting(_) => return,
        StepStatus::Failed(_) => "callback".to_string(),
        _ => "callback: state + iss checked".to_string(),
    };
    if entries.is_empty() {
        add(
            Actor::AuthorizationServer,
            Actor::Browser,
            Line::Hop,
            "redirect → callback".into(),
            None,
        );
    }
    add(Actor::Browser, Actor::Client, Line::Hop, back, None);
}

/// An exchange as a request arrow and its response arrow.
fn exchange_arrows(
    kind: StepKind,
    from: Actor,
    to: Actor,
    entry: &Entry,
    add: &mut impl FnMut(Actor, Actor, Line, String, Option<usize>),
) {
    let (exchange, at) = (entry.exchange, entry.at);
    let form = form_pairs(exchange);
    let json = exchange
        .request_body
        .as_deref()
        .and_then(|b| serde_json::from_str::<serde_json::Value>(b).ok());
    let mut names: Vec<String> = form.iter().map(|(k, _)| k.clone()).collect();
    if let Some(serde_json::Value::Object(members)) = &json {
        names.extend(members.keys().cloned());
    }
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let label = request_label(&exchange.method, &exchange.url, &names, |name| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .or_else(|| json.as_ref()?.get(name)?.as_str().map(str::to_string))
    });
    add(from, to, Line::Request, label, at);
    let rotated = kind == StepKind::RefreshToken && rotated(&form, exchange);
    add(
        to,
        from,
        Line::Response,
        response_label(exchange, rotated),
        at,
    );
}

/// `GET /authorize?response_type&client_id&…`, `POST /token grant_type=refresh_token`,
/// `POST /mcp tools/list`: the method, the path and the names sent, with the values that
/// are vocabulary rather than data.
fn request_label(
    method: &str,
    url: &str,
    body_names: &[&str],
    value: impl Fn(&str) -> Option<String>,
) -> String {
    let mut label = format!("{} {}", one_line(method), path_of(url));
    let query: Vec<String> = url::Url::parse(url)
        .map(|u| u.query_pairs().map(|(k, _)| k.into_owned()).collect())
        .unwrap_or_default();
    if !query.is_empty() {
        let query: Vec<&str> = query.iter().map(String::as_str).collect();
        label.push('?');
        label.push_str(&names(&query, "&"));
    }
    if method.eq_ignore_ascii_case("GET") {
        return label;
    }
    if let Some(grant) = value("grant_type") {
        // urn:ietf:params:oauth:grant-type:device_code reads as device_code.
        let short = grant.rsplit(':').next().unwrap_or(&grant).to_string();
        label.push_str(&format!(" grant_type={}", clip(&short)));
    } else if let Some(rpc) = value("method").filter(|_| body_names.contains(&"jsonrpc")) {
        label.push_str(&format!(" {}", clip(&rpc)));
    } else if !body_names.is_empty() {
        label.push(' ');
        label.push_str(&names(body_names, ", "));
    }
    label
}

/// `200 access_token, id_token`, `400 authorization_pending`, `302 → callback?code&state&iss`,
/// `401 Bearer challenge`, or why no answer came.
fn response_label(exchange: &Exchange, rotated: bool) -> String {
    let Some(status) = exchange.status else {
        let why = exchange.error.as_deref().unwrap_or("no response");
        return format!("no answer: {}", clip(why));
    };
    let json = exchange
        .response_body
        .as_deref()
        .and_then(|b| serde_json::from_str::<serde_json::Value>(b).ok());
    let detail = if let Some(location) = exchange.response_header("location") {
        let (path, query) = match url::Url::parse(location) {
            Ok(u) => (
                u.path_segments()
                    .and_then(|mut s| s.next_back().map(str::to_string))
                    .unwrap_or_default(),
                u.query_pairs().map(|(k, _)| k.into_owned()).collect(),
            ),
            Err(_) => (String::new(), Vec::new()),
        };
        let query: Vec<&str> = query.iter().map(String::as_str).collect();
        let path = clip(&path);
        match query.is_empty() {
            true => format!("→ {path}"),
            false => format!("→ {path}?{}", names(&query, "&")),
        }
    } else if let Some(error) = json.as_ref().and_then(oauth_error) {
        error
    } else if let Some(serde_json::Value::Object(members)) = &json {
        let keys: Vec<&str> = members.keys().map(String::as_str).collect();
        let listed = if members.contains_key("jsonrpc") {
            keys.into_iter()
                .filter(|k| *k != "jsonrpc" && *k != "id")
                .collect()
        } else {
            keys
        };
        let detail = names(&listed, ", ");
        match rotated {
            // First, so an ellipsis never hides it.
            true => format!("refresh_token rotated · {detail}"),
            false => detail,
        }
    } else if status == 401 && exchange.response_header("www-authenticate").is_some() {
        "Bearer challenge".into()
    } else if exchange
        .response_header("content-type")
        .is_some_and(|t| t.starts_with("text/html"))
    {
        "page".into()
    } else {
        String::new()
    };
    format!("{status} {detail}").trim_end().to_string()
}

/// The OAuth `error` code of a response (RFC 6749 §5.2), or a JSON-RPC error's message.
fn oauth_error(json: &serde_json::Value) -> Option<String> {
    match json.get("error")? {
        serde_json::Value::String(code) => Some(clip(code)),
        serde_json::Value::Object(rpc) => rpc.get("message")?.as_str().map(clip),
        _ => None,
    }
}

/// True when a refresh came back with a refresh token other than the one sent
/// (RFC 9700 §4.14.2). The values are compared, never shown.
fn rotated(form: &[(String, String)], exchange: &Exchange) -> bool {
    let sent = form
        .iter()
        .find(|(k, _)| k == "refresh_token")
        .map(|(_, v)| v);
    let got = exchange
        .response_body
        .as_deref()
        .and_then(|b| serde_json::from_str::<serde_json::Value>(b).ok())
        .and_then(|j| j.get("refresh_token")?.as_str().map(str::to_string));
    matches!((sent, got), (Some(sent), Some(got)) if *sent != got)
}

/// The form parameters of a request body; none for JSON (registration, MCP) or no body.
fn form_pairs(exchange: &Exchange) -> Vec<(String, String)> {
    match exchange.request_body.as_deref().map(str::trim_start) {
        Some(body) if !body.starts_with(['{', '[']) => url::form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect(),
        _ => Vec::new(),
    }
}

/// Names joined by `sep`, each made terminal-safe, the list cut after a few.
fn names(names: &[&str], sep: &str) -> String {
    let mut shown: Vec<String> = names.iter().take(NAMES_LIMIT).map(|n| clip(n)).collect();
    if names.len() > NAMES_LIMIT {
        shown.push("…".into());
    }
    shown.join(sep)
}

/// A server string as one terminal-safe line, cut to a glance.
fn clip(text: &str) -> String {
    let safe = one_line(text);
    if safe.chars().count() <= VALUE_LIMIT {
        return safe.into_owned();
    }
    let kept: String = safe.chars().take(VALUE_LIMIT - 1).collect();
    format!("{kept}…")
}

fn path_of(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => clip(u.path()),
        Err(_) => clip(url),
    }
}

fn origin_of(url: &str) -> Option<url::Origin> {
    url::Url::parse(url).ok().map(|u| u.origin())
}

/// The same exchange: the log keeps a copy of what the step keeps.
fn same(a: &Exchange, b: &Exchange) -> bool {
    a.started_at == b.started_at && a.method == b.method && a.url == b.url
}

/// The same endpoint: method and URL without the query.
fn same_endpoint(method: &str, url: &str, exchange: &Exchange) -> bool {
    fn base(url: &str) -> &str {
        url.split(['?', '#']).next().unwrap_or("")
    }
    method.eq_ignore_ascii_case(&exchange.method) && base(url) == base(&exchange.url)
}

/// For each exchange of the log, the step it belongs to and who sent it, if any (see the
/// module's doc).
fn owners(steps: &[Step], log: &[Exchange]) -> Vec<Option<(usize, Actor)>> {
    let own_at: Vec<Option<usize>> = steps
        .iter()
        .map(|s| {
            let own = s.exchange.as_ref()?;
            log.iter().position(|e| same(e, own))
        })
        .collect();
    let started = |s: &Step| s.status != StepStatus::Pending;
    // The browser's step: the authorization request, else the device poll (the user
    // approves on the phone while the device polls).
    let browser_step = [StepKind::Authorize, StepKind::PollDevice]
        .iter()
        .find_map(|kind| steps.iter().position(|s| s.kind == *kind && started(s)));
    // The browser acts after the steps before its step and before those after it.
    let window = browser_step.map(|b| {
        let after_earlier = own_at[..b].iter().flatten().max().copied();
        let before_later = own_at[b + 1..].iter().flatten().min().copied();
        (after_earlier, before_later)
    });
    log.iter()
        .enumerate()
        .map(|(at, exchange)| {
            let sender = |step: usize| match steps[step].kind {
                StepKind::Authorize => (step, Actor::Browser),
                _ => (step, Actor::Client),
            };
            if let Some(step) = own_at.iter().position(|o| *o == Some(at)) {
                return Some(sender(step));
            }
            let sends_there: Vec<usize> = steps
                .iter()
                .enumerate()
                .filter(|(_, s)| started(s))
                .filter(|(_, s)| {
                    s.request
                        .as_ref()
                        .is_some_and(|r| same_endpoint(&r.method, &r.url, exchange))
                })
                .map(|(i, _)| i)
                .collect();
            // An attempt before a step's own exchange is that step's; else the last such.
            let open = sends_there
                .iter()
                .find(|i| own_at[**i].is_none_or(|own| own > at))
                .or(sends_there.last());
            if let Some(step) = open {
                return Some(sender(*step));
            }
            let step = browser_step?;
            let (after, before) = window?;
            let in_time = after.is_none_or(|a| at > a) && before.is_none_or(|b| at < b);
            let server = steps[step].request.as_ref().and_then(|r| origin_of(&r.url));
            (in_time && server.is_some() && server == origin_of(&exchange.url))
                .then_some((step, Actor::Browser))
        })
        .collect()
}

/// The server a step's requests go to.
fn server_of(kind: StepKind) -> Actor {
    match kind {
        StepKind::Userinfo
        | StepKind::McpUnauthenticated
        | StepKind::ResourceMetadata
        | StepKind::McpInitialize
        | StepKind::McpListTools
        | StepKind::McpCallTool => Actor::ResourceServer,
        _ => Actor::AuthorizationServer,
    }
}

/// The columns a step draws on.
fn actors_of(kind: StepKind) -> Vec<Actor> {
    let mut actors = vec![Actor::Client, server_of(kind)];
    if matches!(
        kind,
        StepKind::Authorize | StepKind::DeviceAuthorize | StepKind::PollDevice
    ) {
        actors.push(Actor::Browser);
    }
    actors
}

fn cast_of(steps: &[Step]) -> Cast {
    let has = |kinds: &[StepKind]| steps.iter().any(|s| kinds.contains(&s.kind));
    if has(&[
        StepKind::McpUnauthenticated,
        StepKind::ResourceMetadata,
        StepKind::McpInitialize,
        StepKind::McpListTools,
    ]) {
        Cast::Mcp
    } else if has(&[StepKind::DeviceAuthorize, StepKind::PollDevice]) {
        Cast::Device
    } else {
        Cast::Web
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "http://as.test/token";

    fn token_exchange(body: &str, status: u16, answer: &str) -> Exchange {
        let mut exchange = Exchange::new("POST", TOKEN);
        exchange.request_body = Some(body.into());
        exchange.status = Some(status);
        exchange.response_body = Some(answer.into());
        exchange
    }

    fn step(kind: StepKind, status: StepStatus, exchange: Option<Exchange>) -> Step {
        let mut step = kind.step();
        step.status = status;
        step.request = Some(RequestDraft::new("POST", TOKEN));
        step.exchange = exchange;
        step
    }

    #[test]
    fn labels_carry_names_and_vocabulary_never_secret_values() {
        let exchange = token_exchange(
            "grant_type=authorization_code&code=c0de-s3cret&code_verifier=v3rifier",
            200,
            r#"{"access_token":"at-s3cret","token_type":"Bearer"}"#,
        );
        let steps = [step(
            StepKind::ExchangeCode,
            StepStatus::Done,
            Some(exchange),
        )];
        let diagram = Diagram::build(&steps, &[]);
        let labels: Vec<&str> = diagram.arrows.iter().map(|a| a.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "POST /token grant_type=authorization_code",
                "200 access_token, token_type"
            ]
        );
        assert_eq!(diagram.arrows[0].exchange, None, "not in the log yet");
    }

    #[test]
    fn a_server_string_is_escaped_and_cut() {
        let evil = format!("\u{1b}]52;c;AAAA\u{7}{}", "x".repeat(200));
        let answer = serde_json::json!({ "error": evil }).to_string();
        let exchange = token_exchange("grant_type=client_credentials", 400, &answer);
        let steps = [step(
            StepKind::ClientCredentials,
            StepStatus::Failed("refused".into()),
            Some(exchange),
        )];
        let diagram = Diagram::build(&steps, &[]);
        let answer = &diagram.arrows[1];
        assert!(
            !answer.label.chars().any(char::is_control),
            "{:?}",
            answer.label
        );
        assert!(answer.label.contains("\\x1b"), "{:?}", answer.label);
        assert!(answer.label.chars().count() <= VALUE_LIMIT + 4);
        assert_eq!(answer.mark, Mark::Failed("refused".into()));
    }

    #[test]
    fn polls_before_the_last_are_the_poll_steps_in_the_order_sent() {
        let poll = |answer: &str, status| {
            let mut e = token_exchange(
                "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code",
                status,
                answer,
            );
            e.started_at += std::time::Duration::from_secs(u64::from(status));
            e
        };
        let log = [
            poll(r#"{"error":"authorization_pending"}"#, 400),
            poll(r#"{"error":"slow_down"}"#, 401),
            poll(r#"{"access_token":"x"}"#, 200),
        ];
        let steps = [step(
            StepKind::PollDevice,
            StepStatus::Done,
            Some(log[2].clone()),
        )];
        let diagram = Diagram::build(&steps, &log);
        let answers: Vec<&str> = diagram
            .arrows
            .iter()
            .filter(|a| a.line == Line::Response)
            .map(|a| a.label.as_str())
            .collect();
        assert_eq!(
            answers,
            [
                "400 authorization_pending",
                "401 slow_down",
                "200 access_token"
            ]
        );
        assert_eq!(
            diagram.arrows[0].label,
            "POST /token grant_type=device_code"
        );
        let in_log: Vec<Option<usize>> = diagram.arrows.iter().map(|a| a.exchange).collect();
        assert_eq!(
            in_log,
            [Some(0), Some(0), Some(1), Some(1), Some(2), Some(2)]
        );
        assert_eq!(diagram.cast, Cast::Device);
    }

    #[test]
    fn a_ready_step_is_planned_and_current_and_pending_ones_draw_nothing() {
        let mut ready = step(StepKind::RefreshToken, StepStatus::Ready, None);
        ready
            .request
            .as_mut()
            .unwrap()
            .set_param("grant_type", "refresh_token");
        let steps = [
            ready,
            step(StepKind::VerifyTokens, StepStatus::Pending, None),
        ];
        let diagram = Diagram::build(&steps, &[]);
        assert_eq!(diagram.arrows.len(), 1);
        assert_eq!(
            diagram.arrows[0].label,
            "POST /token grant_type=refresh_token"
        );
        assert_eq!(diagram.arrows[0].mark, Mark::Planned);
        assert_eq!(diagram.current, Some(0));
        assert_eq!(diagram.actors, [Actor::Client, Actor::AuthorizationServer]);
    }

    #[test]
    fn a_step_to_send_again_keeps_its_last_answer_and_plans_the_next() {
        let before = token_exchange(
            "grant_type=client_credentials",
            401,
            r#"{"error":"invalid_client"}"#,
        );
        let again = step(StepKind::ClientCredentials, StepStatus::Ready, Some(before));
        let diagram = Diagram::build(&[again], &[]);
        let marks: Vec<&Mark> = diagram.arrows.iter().map(|a| &a.mark).collect();
        assert_eq!(marks, [&Mark::Done, &Mark::Done, &Mark::Planned]);
        assert_eq!(diagram.arrows[1].label, "401 invalid_client");
        assert_eq!(diagram.current, Some(2));
    }

    #[test]
    fn a_rotated_refresh_token_is_said_first() {
        let exchange = token_exchange(
            "grant_type=refresh_token&refresh_token=old",
            200,
            r#"{"access_token":"a","refresh_token":"new"}"#,
        );
        let steps = [step(
            StepKind::RefreshToken,
            StepStatus::Done,
            Some(exchange),
        )];
        let diagram = Diagram::build(&steps, &[]);
        assert_eq!(
            diagram.arrows[1].label,
            "200 refresh_token rotated · access_token, refresh_token"
        );
    }

    #[test]
    fn a_redirect_shows_where_to_and_the_names_it_carries() {
        let mut consent = Exchange::new("POST", "http://as.test/consent");
        consent.request_body = Some("tx=1&decision=approve".into());
        consent.status = Some(303);
        consent.response_headers.push((
            "Location".into(),
            "http://127.0.0.1:5/callback?code=s3cret&state=st&iss=http%3A%2F%2Fas.test".into(),
        ));
        let mut authorize = StepKind::Authorize.step();
        authorize.status = StepStatus::Done;
        authorize.request = Some(RequestDraft::new("GET", "http://as.test/authorize"));
        let diagram = Diagram::build(&[authorize], &[consent]);
        let labels: Vec<&str> = diagram.arrows.iter().map(|a| a.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "open /authorize?…",
                "POST /consent tx, decision",
                "303 → callback?code&state&iss",
                "callback: state + iss checked"
            ]
        );
        assert_eq!(diagram.arrows[1].from, Actor::Browser);
        assert_eq!(diagram.cast, Cast::Web);
    }
}
