//! The sequence diagram of each flow, run by the engine against the built-in mock on
//! 127.0.0.1, with a browser played here the way the in-terminal sign-in plays it (the login
//! and consent forms of the mock, posted through the recording client): snapshots at its
//! first step, its middle and its end, at 80x24 and 120x35, and of failed flows. Then the
//! diagram in the app: `d` shows it, `j`/`k` select an arrow, enter opens its exchange.

#[path = "support/mcp_session.rs"]
mod mcp_session;
mod tui_support;

use std::sync::Arc;
use std::time::Duration;

use oauthscope::mock::{DEMO_PUBLIC_CLIENT, ManualClock, MockConfig, MockServer, RunningMock};
use oauthscope::oauth::client_auth::{AuthMethod, ClientCredentials};
use oauthscope::oauth::discovery;
use oauthscope::oauth::flow::{Advance, Flow, FlowConfig, mcp};
use oauthscope::oauth::redirect::LoopbackListener;
use oauthscope::oauth::registration::Registrar;
use oauthscope::oauth::send_policy::CrossHostConsent;
use oauthscope::oauth::{Exchange, RecordingClient, RequestDraft, Step, StepKind, StepStatus};
use oauthscope::tui::diagram::{Actor, Cast, Diagram, DiagramState, Line, Mark, SequenceDiagram};
use oauthscope::tui::sign_in::read_page;
use oauthscope::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The mock on a clock the test moves, so the device flow's polls meet `slow_down`.
struct Bench {
    mock: RunningMock,
    clock: Arc<ManualClock>,
    http: RecordingClient,
    config: FlowConfig,
    /// Where the pictured flow's exchanges start in the log.
    log_start: usize,
    /// The diagram's inputs after each change: the steps and the flow's log so far.
    frames: Vec<(Vec<Step>, Vec<Exchange>)>,
}

impl Bench {
    async fn start() -> Bench {
        let clock = Arc::new(ManualClock::new());
        let mut config = MockConfig::demo();
        config.clock = clock.clone();
        let mock = MockServer::start(config).await.expect("the mock starts");
        let http = RecordingClient::new().unwrap();
        let metadata = discovery::discover(&http, mock.issuer())
            .await
            .unwrap()
            .metadata;
        let mut config = FlowConfig::new(metadata, ClientCredentials::public(DEMO_PUBLIC_CLIENT));
        config.scope = Some("openid profile".into());
        // The diagram is of the flow: discovery happened before it.
        let log_start = http.log().len();
        Bench {
            mock,
            clock,
            http,
            config,
            log_start,
            frames: Vec::new(),
        }
    }

    /// The next flow is the one pictured: what came before is not part of it.
    fn picture_from_here(&mut self) {
        self.log_start = self.http.log().len();
        self.frames.clear();
    }

    fn confidential(&self) -> FlowConfig {
        let mut config = self.config.clone();
        config.client = ClientCredentials::confidential(
            "demo-confidential",
            "demo-secret",
            AuthMethod::ClientSecretBasic,
        );
        config
    }

    /// Keeps the diagram's inputs as they are now.
    fn frame(&mut self, flow: &Flow) {
        let log = self.http.log().snapshot().split_off(self.log_start);
        self.frames.push((flow.steps().to_vec(), log));
    }

    /// Sends the current step and keeps a frame.
    async fn advance(&mut self, flow: &mut Flow) -> Advance {
        let next = flow.advance(&self.http).await;
        self.frame(flow);
        next.unwrap_or(Advance::Finished)
    }

    /// Sends every step to the end, a frame after each.
    async fn run_to_the_end(&mut self, flow: &mut Flow) {
        while !flow.is_failed() && !matches!(self.advance(flow).await, Advance::Finished) {}
    }

    /// What the in-terminal sign-in does: send `first`, then post the pages' forms as
    /// alice, with `decision` on the consent page; returns the last answer.
    async fn browse(&self, first: RequestDraft, decision: &str) -> Exchange {
        let mut answer = self.http.send(&first).await;
        while answer.status == Some(200) {
            let body = answer.response_body.clone().unwrap_or_default();
            let Ok(page) = read_page(&body, &answer.url) else {
                break;
            };
            let mut post = RequestDraft::new("POST", &page.action);
            if let Some(tx) = &page.tx {
                post.set_param("tx", tx);
            }
            match page.is_consent {
                true => post.set_param("decision", decision),
                false => post.set_param("username", "alice"),
            }
            answer = self.http.send(&post).await;
        }
        answer
    }

    /// The code or PAR flow as far as the browser's redirect back, signing in on the mock.
    async fn authorize(&mut self, flow: &mut Flow) {
        loop {
            match self.advance(flow).await {
                Advance::Browser { url } => {
                    let redirect = self.browse(RequestDraft::new("GET", &url), "approve").await;
                    let location = redirect.response_header("location").unwrap().to_string();
                    flow.complete_redirect(&location).unwrap();
                    self.frame(flow);
                    return;
                }
                Advance::Next => {}
                other => panic!("expected the browser step, got {other:?}"),
            }
        }
    }

    /// A code flow to its tokens, as `config`; returns the token response.
    async fn code_flow(&mut self, config: FlowConfig) -> oauthscope::wire::TokenResponse {
        let mut flow = Flow::authorization_code(self.with_redirect(config).await).unwrap();
        self.authorize(&mut flow).await;
        self.run_to_the_end(&mut flow).await;
        flow.outcome().tokens.clone().unwrap()
    }

    async fn with_redirect(&self, mut config: FlowConfig) -> FlowConfig {
        let listener = LoopbackListener::bind(None).await.unwrap();
        config.redirect_uri = Some(listener.redirect_uri().to_string());
        config
    }
}

/// Each flow of the app, as the engine runs it on the mock.
#[derive(Debug, Clone, Copy)]
enum Case {
    CodePkce,
    Par,
    Device,
    ClientCredentials,
    Refresh,
    Introspection,
    Revocation,
    Userinfo,
    Registration,
    /// The code exchanged with a verifier that is not the one the challenge was made from.
    FailedCode,
    /// The user denies the device on the phone.
    FailedDevice,
}

/// Runs `case` and returns the frames of its flow (a flow on a token starts from the token
/// of a code flow run first, which is not part of its picture).
async fn run(case: Case) -> Vec<(Vec<Step>, Vec<Exchange>)> {
    let mut bench = Bench::start().await;
    match case {
        Case::CodePkce => {
            let config = bench.with_redirect(bench.config.clone()).await;
            let mut flow = Flow::authorization_code(config).unwrap();
            bench.frame(&flow);
            bench.authorize(&mut flow).await;
            bench.run_to_the_end(&mut flow).await;
        }
        Case::Par => {
            let config = bench.with_redirect(bench.confidential()).await;
            let mut flow = Flow::par(config).unwrap();
            bench.frame(&flow);
            bench.authorize(&mut flow).await;
            bench.run_to_the_end(&mut flow).await;
        }
        Case::Device | Case::FailedDevice => {
            let mut flow = Flow::device(bench.config.clone()).unwrap();
            bench.frame(&flow);
            bench.advance(&mut flow).await;
            // Polled at once and again at once: pending, then slow_down (RFC 8628 §3.5).
            bench.advance(&mut flow).await;
            bench.advance(&mut flow).await;
            let device = flow.outcome().device.clone().unwrap();
            let decision = match case {
                Case::Device => "approve",
                _ => "deny",
            };
            let mut approve = RequestDraft::new("POST", &device.verification_uri);
            approve.set_param("user_code", device.user_code.secret());
            // The phone's part: the code typed in, the sign-in, the decision.
            bench.browse(approve, decision).await;
            bench.clock.advance(Duration::from_secs(60));
            bench.run_to_the_end(&mut flow).await;
        }
        Case::ClientCredentials => {
            let mut config = bench.confidential();
            config.scope = None;
            let mut flow = Flow::client_credentials(config).unwrap();
            bench.frame(&flow);
            bench.run_to_the_end(&mut flow).await;
        }
        Case::Refresh | Case::Introspection | Case::Revocation | Case::Userinfo => {
            let config = bench.confidential();
            let tokens = bench.code_flow(config.clone()).await;
            bench.picture_from_here();
            let access = tokens.access_token.secret().to_string();
            let mut flow = match case {
                Case::Refresh => {
                    let refresh = tokens.refresh_token.clone().unwrap();
                    Flow::refresh(config, refresh.secret(), Some(tokens)).unwrap()
                }
                Case::Introspection => Flow::introspect(config, &access, None).unwrap(),
                Case::Revocation => Flow::revoke(config, &access, None).unwrap(),
                _ => Flow::userinfo(config, &access).unwrap(),
            };
            bench.frame(&flow);
            bench.run_to_the_end(&mut flow).await;
        }
        Case::Registration => {
            registration_frames(&mut bench).await;
        }
        Case::FailedCode => {
            let config = bench.with_redirect(bench.config.clone()).await;
            let mut flow = Flow::authorization_code(config).unwrap();
            bench.frame(&flow);
            bench.authorize(&mut flow).await;
            flow.draft_mut()
                .unwrap()
                .set_param("code_verifier", "a".repeat(43));
            bench.run_to_the_end(&mut flow).await;
            assert!(flow.is_failed());
        }
    }
    bench.frames
}

/// Registration (RFC 7591) is one exchange the app makes from Clients; drawn as a step.
async fn registration_frames(bench: &mut Bench) {
    let endpoint = bench.config.metadata.registration_endpoint.clone().unwrap();
    let mut step = StepKind::Register.step();
    step.status = StepStatus::Ready;
    step.request = Some(RequestDraft::new("POST", &endpoint));
    bench.frames.push((vec![step.clone()], Vec::new()));
    let consent = CrossHostConsent::default();
    let issuer = bench.mock.issuer().to_string();
    let registrar = Registrar::new(&bench.http, &issuer, &consent);
    let metadata = serde_json::json!({
        "client_name": "diagram test",
        "redirect_uris": ["http://127.0.0.1/callback"],
        "token_endpoint_auth_method": "none",
    });
    registrar.register(&endpoint, &metadata).await.unwrap();
    step.exchange = bench.http.log().snapshot().last().cloned();
    step.status = StepStatus::Done;
    let log = bench.http.log().snapshot().split_off(bench.log_start);
    bench.frames.push((vec![step], log));
}

/// The diagram of `steps` and `log` drawn alone at `width` x `height`, as text.
fn draw(steps: &[Step], log: &[Exchange], width: u16, height: u16) -> String {
    let diagram = Diagram::build(steps, log);
    let theme = Theme::built_in("dark").unwrap();
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let mut state = DiagramState::default();
    terminal
        .draw(|frame| {
            frame.render_stateful_widget(
                SequenceDiagram::new(&diagram, &theme),
                frame.area(),
                &mut state,
            )
        })
        .unwrap();
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let row: String = (0..buffer.area.width)
            .map(|x| buffer[(x, y)].symbol())
            .collect();
        out.push_str(row.trim_end());
        out.push('\n');
    }
    out
}

/// The snapshots of one case: its first step, its middle and its end, at both sizes.
async fn snapshots(name: &str, case: Case) {
    let frames = run(case).await;
    assert!(frames.len() >= 2, "{case:?}: {} frames", frames.len());
    let picks = [0, frames.len() / 2, frames.len() - 1];
    for (width, height) in [(80, 24), (120, 35)] {
        let shown: Vec<String> = ["first step", "middle", "end"]
            .iter()
            .zip(picks)
            .map(|(when, at)| {
                let (steps, log) = &frames[at];
                format!("── {when} ──\n{}", draw(steps, log, width, height))
            })
            .collect();
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), shown.join(""));
    }
}

#[tokio::test]
async fn every_flow_has_its_diagram_at_each_stage() {
    for (name, case) in [
        ("code_pkce", Case::CodePkce),
        ("par", Case::Par),
        ("device", Case::Device),
        ("client_credentials", Case::ClientCredentials),
        ("refresh", Case::Refresh),
        ("introspection", Case::Introspection),
        ("revocation", Case::Revocation),
        ("userinfo", Case::Userinfo),
        ("registration", Case::Registration),
        ("failed_code", Case::FailedCode),
        ("failed_device", Case::FailedDevice),
    ] {
        snapshots(name, case).await;
    }
}

/// In the app: `d` after the code flow shows its diagram in place of the steps, with the
/// sign-in's hops; `k` selects the token request's answer, enter opens that exchange in
/// Exchanges; back on the flow, `d` shows the steps again.
#[tokio::test]
async fn d_shows_the_diagram_and_enter_opens_the_selected_arrows_exchange() {
    let mock = tui_support::on_mock::mock().await;
    let harness =
        tui_support::on_mock::app_on_mock(&mock, vec![tui_support::on_mock::public()], 80, 24)
            .await;
    tui_support::on_mock::code_flow_with_in_terminal_login(&harness, 0).await;
    harness.press("d");
    let screen = harness.wait_for("┬ Diagram").await;
    for shown in [
        "oauthscope (client)",
        "POST /login tx, username",
        "303 → callback?code&state&iss",
        "▸ 200 keys",
        "d steps",
        "enter open the exchange",
    ] {
        assert!(screen.contains(shown), "{shown} not in\n{screen}");
    }
    harness.press("k");
    harness.press("k");
    harness.wait_for("▸ 200 access_token").await;
    harness.press("enter");
    let screen = harness.wait_for(" Exchange · Y copy as curl").await;
    let detail = screen.split(" Exchange · Y copy as curl").nth(1).unwrap();
    assert!(detail.contains("/token"), "{screen}");
    assert!(detail.contains("grant_type=authorization_code"), "{screen}");
    harness.press("3");
    harness.press("d");
    harness.wait_for("Exchange the code for tokens").await;
    harness.finish().await;
}

/// One step of `kind`, done, with the request it sent and the exchange it made.
fn done(kind: StepKind, exchange: &Exchange) -> Step {
    let mut step = kind.step();
    step.status = StepStatus::Done;
    step.request = Some(RequestDraft::new(&exchange.method, &exchange.url));
    step.exchange = Some(exchange.clone());
    step
}

/// The MCP flow's steps from the engine against the mock's /mcp resource: the 401, the
/// resource metadata, the server metadata, a dynamic registration, the code flow with
/// `resource`, then initialize and tools/list. Each becomes arrows between the MCP client,
/// the MCP server, the authorization server and the browser.
#[tokio::test]
async fn the_mcp_flow_draws_between_its_four_actors() {
    let mut config = MockConfig::demo();
    config.auto_approve = Some("alice".into());
    let mock = MockServer::start(config).await.expect("the mock starts");
    let http = RecordingClient::new().unwrap();
    let server_url = format!("{}/mcp", mock.issuer());
    let found =
        oauthscope::oauth::protected_resource::discover(&http, &server_url, mcp::Spec::default())
            .await
            .unwrap();
    let mut steps = vec![
        done(StepKind::McpUnauthenticated, &found.exchanges[0]),
        done(StepKind::ResourceMetadata, &found.exchanges[1]),
    ];
    let metadata = discovery::discover(&http, found.issuer().unwrap())
        .await
        .unwrap()
        .metadata;
    let discovered = http.log().snapshot();
    steps.push(done(StepKind::ServerMetadata, &discovered[2]));
    let listener = LoopbackListener::bind(None).await.unwrap();
    let redirect_uri = listener.redirect_uri().to_string();
    let consent = CrossHostConsent::default();
    let registrar = Registrar::new(&http, mock.issuer(), &consent);
    let registered = registrar
        .register(
            metadata.registration_endpoint.as_deref().unwrap(),
            &mcp::dynamic_client_metadata(&redirect_uri, found.scope().as_deref()),
        )
        .await
        .unwrap();
    steps.push(done(
        StepKind::Register,
        http.log().snapshot().last().unwrap(),
    ));
    let mut config = FlowConfig::new(
        metadata.clone(),
        mcp::registered_credentials(&registered, &metadata),
    );
    config.scope = found.scope();
    config.redirect_uri = Some(redirect_uri);
    let mut flow = mcp::authorization_flow(config, &server_url).unwrap();
    let Advance::Browser { url } = flow.advance(&http).await.unwrap() else {
        panic!("expected the browser step");
    };
    let waiting = tokio::spawn(listener.wait());
    // The browser is not the app: its requests are not in the app's log.
    reqwest::get(&url).await.unwrap();
    flow.complete_redirect(&waiting.await.unwrap().unwrap())
        .unwrap();
    while !matches!(flow.advance(&http).await.unwrap(), Advance::Finished) {}
    steps.extend(flow.steps().iter().cloned());
    let token = flow.outcome().tokens.as_ref().unwrap().access_token.clone();
    let session =
        mcp_session::initialize_and_list(&http, &server_url, mcp::Spec::default(), &token).await;
    steps.push(done(StepKind::McpInitialize, &session.initialize));
    steps.push(done(StepKind::McpListTools, &session.tools_list));

    let diagram = Diagram::build(&steps, &http.log().snapshot());
    assert_eq!(diagram.cast, Cast::Mcp);
    assert_eq!(
        diagram.actors,
        [
            Actor::Browser,
            Actor::Client,
            Actor::AuthorizationServer,
            Actor::ResourceServer
        ]
    );
    let requests: Vec<(&str, Actor)> = diagram
        .arrows
        .iter()
        .filter(|a| a.line == Line::Request)
        .map(|a| (a.label.as_str(), a.to))
        .collect();
    let mcp_calls: Vec<&str> = requests
        .iter()
        .filter(|(_, to)| *to == Actor::ResourceServer)
        .map(|(label, _)| *label)
        .collect();
    assert_eq!(
        mcp_calls,
        [
            "POST /mcp initialize",
            "GET /.well-known/oauth-protected-resource/mcp",
            "POST /mcp initialize",
            "POST /mcp notifications/initialized",
            "POST /mcp tools/list",
        ],
        "{diagram:#?}"
    );
    let labels: Vec<&str> = diagram.arrows.iter().map(|a| a.label.as_str()).collect();
    assert!(labels.contains(&"401 Bearer challenge"), "{labels:?}");
    assert!(
        labels.iter().any(|l| l.starts_with("POST /register")),
        "{labels:?}"
    );
    assert!(
        labels.contains(&"POST /token grant_type=authorization_code"),
        "{labels:?}"
    );
    // Every arrow of an exchange points at one in the log, and every arrow is done.
    assert!(
        diagram.arrows.iter().all(|a| a.mark == Mark::Done),
        "{labels:?}"
    );
    assert_eq!(diagram.current, None);
    insta::assert_snapshot!("mcp_120x35", draw(&steps, &http.log().snapshot(), 120, 35));
}
