//! The catalogue cannot fall behind the engine: every flow runs against the built-in mock,
//! and every request parameter, JSON member, JWT header and claim name sent or received on
//! the way must have an entry in the explanations catalogue.

use std::collections::BTreeSet;

#[path = "support/mcp_session.rs"]
mod mcp_session;

use oauthscope::explain::names::{self, Names};
use oauthscope::explain::{Context, catalogue};
use oauthscope::mock::{
    DEMO_CONFIDENTIAL_CLIENT, DEMO_PUBLIC_CLIENT, DEMO_SECRET, MockConfig, MockServer, RunningMock,
};
use oauthscope::oauth::client_auth::{AuthMethod, ClientCredentials};
use oauthscope::oauth::dpop::DpopKey;
use oauthscope::oauth::flow::tokens::DecodedToken;
use oauthscope::oauth::flow::{Advance, Flow, FlowConfig, mcp, token_exchange};
use oauthscope::oauth::mock_control::{self, ClockMove, ControlRequest, FaultSpec};
use oauthscope::oauth::redirect::LoopbackListener;
use oauthscope::oauth::registration::{self, Registrar};
use oauthscope::oauth::send_policy::CrossHostConsent;
use oauthscope::oauth::{Exchange, RecordingClient, discovery, protected_resource};
use serde_json::json;

/// The names seen, each with where it was seen (for the failure message).
#[derive(Default)]
struct Seen {
    names: BTreeSet<(String, Context, String)>,
    /// The OAuth error codes servers answered with (JSON `error`, or a challenge's).
    codes: BTreeSet<String>,
}

/// The contexts that may explain a name seen in `context`: a JSON member is a field, or a
/// claim (userinfo and introspection answer with claims).
fn explaining(context: Context) -> &'static [Context] {
    match context {
        Context::Field => &[Context::Field, Context::Claim],
        Context::Parameter => &[Context::Parameter],
        Context::Claim => &[Context::Claim],
        Context::Header => &[Context::Header],
    }
}

impl Seen {
    fn add(&mut self, names: Names, at: &str) {
        for (name, context) in names.into_vec() {
            self.names.insert((name, context, at.to_string()));
        }
    }

    fn query(&mut self, url: &str, at: &str) {
        let mut names = Names::default();
        names.query(url);
        self.add(names, at);
    }

    fn exchange(&mut self, exchange: &Exchange) {
        let mut names = Names::default();
        names.exchange(exchange);
        self.add(names, &format!("{} {}", exchange.method, exchange.url));
        if let Some(code) = names::error_code(exchange) {
            self.codes.insert(code);
        }
    }

    fn token(&mut self, token: &DecodedToken) {
        let mut names = Names::default();
        names.token(token);
        self.add(names, "a decoded token");
    }

    /// The names without an entry, each once, with the first place it was seen.
    fn unexplained(&self) -> Vec<String> {
        let catalogue = catalogue();
        let mut reported = BTreeSet::new();
        self.names
            .iter()
            .filter(|(name, context, _)| {
                !explaining(*context)
                    .iter()
                    .any(|c| catalogue.explains(name, *c))
            })
            .filter(|(name, context, _)| reported.insert((name.clone(), *context)))
            .map(|(name, context, at)| format!("{context:?} {name} (at {at})"))
            .collect()
    }
}

async fn mock() -> RunningMock {
    let mut config = MockConfig::demo();
    config.auto_approve = Some("alice".into());
    config.lifetimes.device_poll_interval = 1;
    MockServer::start(config).await.expect("the mock starts")
}

async fn config_for(http: &RecordingClient, issuer: &str, client: ClientCredentials) -> FlowConfig {
    let found = discovery::discover(http, issuer).await.expect("discovery");
    let mut config = FlowConfig::new(found.metadata, client);
    config.scope = Some("openid profile email".into());
    config
}

fn confidential() -> ClientCredentials {
    ClientCredentials::confidential(
        DEMO_CONFIDENTIAL_CLIENT,
        DEMO_SECRET,
        AuthMethod::ClientSecretBasic,
    )
}

/// Drives a flow to its end; the browser leg is a client that follows the mock's
/// redirects down to the loopback listener, whose redirect URL is recorded too.
async fn drive(
    http: &RecordingClient,
    mut flow: Flow,
    listener: Option<LoopbackListener>,
    seen: &mut Seen,
) -> Flow {
    let mut listener = listener;
    let mut approved = false;
    loop {
        match flow.advance(http).await.expect("the flow advances") {
            Advance::Finished => break,
            Advance::Next => {}
            Advance::Poll { wait } => tokio::time::sleep(wait).await,
            Advance::Browser { url } => {
                seen.query(&url, "the authorization request");
                let listener = listener.take().expect("a listener for the browser leg");
                let waiting = tokio::spawn(listener.wait());
                reqwest::get(&url)
                    .await
                    .expect("the browser reaches the mock");
                let redirect = waiting.await.unwrap().expect("the redirect arrives");
                seen.query(&redirect, "the redirect back");
                flow.complete_redirect(&redirect)
                    .expect("the redirect checks pass");
            }
        }
        // The device flow's user approves on their phone, once.
        let complete = flow
            .outcome()
            .device
            .as_ref()
            .and_then(|d| d.verification_uri_complete.clone());
        if let (Some(uri), false) = (complete, approved) {
            reqwest::get(uri.secret())
                .await
                .expect("the user's browser reaches the mock");
            approved = true;
        }
    }
    for token in [&flow.outcome().id_token, &flow.outcome().access_token]
        .into_iter()
        .flatten()
    {
        seen.token(token);
    }
    for proof in flow.steps().iter().filter_map(|s| s.dpop_proof.as_ref()) {
        seen.token(proof);
    }
    flow
}

async fn redirecting(mut config: FlowConfig) -> (FlowConfig, LoopbackListener) {
    let listener = LoopbackListener::bind(None).await.unwrap();
    config.redirect_uri = Some(listener.redirect_uri().to_string());
    (config, listener)
}

/// One call of each kind, with standard claim names (the catalogue cannot know invented ones).
fn control_requests() -> Vec<ControlRequest> {
    let claims = |pairs: &[&str]| mock_control::parse_claims(pairs).unwrap();
    vec![
        ControlRequest::AddFault(FaultSpec {
            endpoint: "userinfo".into(),
            error: "invalid_token".into(),
            count: 1,
            client_id: Some(DEMO_PUBLIC_CLIENT.into()),
            delay_ms: Some(1),
        }),
        ControlRequest::AddFault(FaultSpec {
            endpoint: "jwks".into(),
            error: "503".into(),
            count: 1,
            client_id: None,
            delay_ms: None,
        }),
        ControlRequest::AddFault(FaultSpec {
            endpoint: "token".into(),
            error: "wrong_aud".into(),
            count: 1,
            client_id: None,
            delay_ms: None,
        }),
        ControlRequest::ListFaults,
        ControlRequest::ClearFaults,
        ControlRequest::Clock(ClockMove::Advance("1s".into())),
        ControlRequest::Clock(ClockMove::Set("2030-01-01T00:00:00Z".into())),
        ControlRequest::Clock(ClockMove::Real),
        ControlRequest::RotateKeys { retire_old: false },
        ControlRequest::KeyHistory,
        ControlRequest::UserClaims {
            user: "alice".into(),
            claims: claims(&["acr=urn:example:mfa"]),
        },
        ControlRequest::NextClaims(claims(&["amr=[\"pwd\"]"])),
        ControlRequest::Requests { limit: Some(5) },
    ]
}

#[tokio::test]
async fn every_name_any_flow_sends_or_receives_on_the_mock_is_explained() {
    let mock = mock().await;
    let http = RecordingClient::new().unwrap();
    let issuer = mock.issuer().to_string();
    let mut seen = Seen::default();
    let public = ClientCredentials::public(DEMO_PUBLIC_CLIENT);

    let (config, listener) = redirecting(config_for(&http, &issuer, public.clone()).await).await;
    let code = drive(
        &http,
        Flow::authorization_code(config.clone()).unwrap(),
        Some(listener),
        &mut seen,
    )
    .await;
    let tokens = code.outcome().tokens.clone().unwrap();

    let (par_config, listener) =
        redirecting(config_for(&http, &issuer, confidential()).await).await;
    drive(
        &http,
        Flow::par(par_config).unwrap(),
        Some(listener),
        &mut seen,
    )
    .await;

    let device = Flow::device(config_for(&http, &issuer, public.clone()).await).unwrap();
    drive(&http, device, None, &mut seen).await;

    let mut machine = config_for(&http, &issuer, confidential()).await;
    machine.scope = Some("api:read".into());
    drive(
        &http,
        Flow::client_credentials(machine.clone()).unwrap(),
        None,
        &mut seen,
    )
    .await;
    // Rich authorization (RFC 9396): asked at /token, granted in the response and the token.
    let rich = FlowConfig {
        authorization_details: Some(r#"[{"type":"account_information"}]"#.into()),
        ..machine.clone()
    };
    drive(
        &http,
        Flow::client_credentials(rich).unwrap(),
        None,
        &mut seen,
    )
    .await;

    let refresh_token = tokens.refresh_token.clone().unwrap().into_secret();
    let refresh = Flow::refresh(config.clone(), &refresh_token, Some(tokens.clone())).unwrap();
    let refreshed = drive(&http, refresh, None, &mut seen).await;
    let access = refreshed
        .outcome()
        .tokens
        .clone()
        .unwrap()
        .access_token
        .into_secret();

    let server = config_for(&http, &issuer, confidential()).await;
    // Token exchange (RFC 8693): delegation, the refreshed user's token acted on by the client.
    let machine_token = drive(
        &http,
        Flow::client_credentials(machine.clone()).unwrap(),
        None,
        &mut seen,
    )
    .await
    .outcome()
    .tokens
    .clone()
    .unwrap()
    .access_token;
    let mut delegation = token_exchange::Exchange::of_access_token(&access);
    delegation.actor = Some((machine_token, token_exchange::ACCESS_TOKEN_TYPE.into()));
    delegation.audience = vec![oauthscope::mock::DEMO_EXCHANGE_AUDIENCE.into()];
    delegation.requested_token_type = Some(token_exchange::ACCESS_TOKEN_TYPE.into());
    drive(
        &http,
        Flow::token_exchange(server.clone(), delegation).unwrap(),
        None,
        &mut seen,
    )
    .await;
    drive(
        &http,
        Flow::introspect(server.clone(), &access, Some("access_token")).unwrap(),
        None,
        &mut seen,
    )
    .await;
    drive(
        &http,
        Flow::userinfo(server.clone(), &access).unwrap(),
        None,
        &mut seen,
    )
    .await;
    drive(
        &http,
        Flow::revoke(config.clone(), &access, Some("access_token")).unwrap(),
        None,
        &mut seen,
    )
    .await;
    // An inactive token answers with fewer members, and a refused one with a challenge.
    drive(
        &http,
        Flow::introspect(server.clone(), &access, None).unwrap(),
        None,
        &mut seen,
    )
    .await;
    let mut refused = Flow::userinfo(server.clone(), &access).unwrap();
    refused
        .advance(&http)
        .await
        .expect_err("a revoked token is refused");

    // Registration and management (RFC 7591, RFC 7592).
    let endpoint = server.metadata.registration_endpoint.clone().unwrap();
    let metadata = registration::client_metadata(
        &["http://127.0.0.1/cb".into()],
        Some("client_secret_basic"),
        Some("openid profile"),
        &["authorization_code".into(), "refresh_token".into()],
        Some("a registered client"),
    );
    let consent = CrossHostConsent::default();
    let registrar = Registrar::new(&http, &issuer, &consent);
    let client = registrar.register(&endpoint, &metadata).await.unwrap();
    let handle = client.management().unwrap();
    registrar.read(&handle).await.unwrap();
    registrar
        .update(&handle, |m| {
            m.insert("client_uri".into(), json!("http://127.0.0.1/about"));
        })
        .await
        .unwrap();
    registrar.delete(&handle).await.unwrap();

    // MCP: the resource's challenge and metadata, the code flow with `resource`, then calls.
    let mcp_url = format!("{issuer}/mcp");
    let found = protected_resource::discover(&http, &mcp_url, mcp::Spec::default())
        .await
        .unwrap();
    for exchange in &found.exchanges {
        seen.exchange(exchange);
    }
    let mut mcp_config = config_for(&http, &issuer, public).await;
    mcp_config.scope = found.scope();
    let (mcp_config, listener) = redirecting(mcp_config).await;
    let flow = mcp::authorization_flow(mcp_config, &mcp_url).unwrap();
    let flow = drive(&http, flow, Some(listener), &mut seen).await;
    let token = flow.outcome().tokens.as_ref().unwrap().access_token.clone();
    let session =
        mcp_session::initialize_and_list(&http, &mcp_url, mcp::Spec::default(), &token).await;
    mcp::process_call(&session.tools_list).unwrap();

    // DPoP (RFC 9449) on a mock that asks for nonces: bound tokens, proofs, UserInfo.
    let mut dpop_mock = MockConfig::demo();
    dpop_mock.auto_approve = Some("alice".into());
    dpop_mock.dpop_nonce = true;
    let dpop_mock = MockServer::start(dpop_mock).await.unwrap();
    let mut bound = config_for(
        &http,
        dpop_mock.issuer(),
        ClientCredentials::public(DEMO_PUBLIC_CLIENT),
    )
    .await;
    bound.scope = Some("openid".into());
    bound.dpop = Some(DpopKey::generate().unwrap());
    let (bound, listener) = redirecting(bound).await;
    let flow = drive(
        &http,
        Flow::authorization_code(bound.clone()).unwrap(),
        Some(listener),
        &mut seen,
    )
    .await;
    let access = flow
        .outcome()
        .tokens
        .as_ref()
        .unwrap()
        .access_token
        .secret()
        .to_string();
    drive(
        &http,
        Flow::userinfo(bound, &access).unwrap(),
        None,
        &mut seen,
    )
    .await;

    // Refusals, whose codes must be decoded too: a wrong secret, a code redeemed twice.
    let mut wrong = machine.clone();
    wrong.client = ClientCredentials::confidential(
        DEMO_CONFIDENTIAL_CLIENT,
        "not-the-secret",
        AuthMethod::ClientSecretBasic,
    );
    let mut wrong_secret = Flow::client_credentials(wrong).unwrap();
    wrong_secret
        .advance(&http)
        .await
        .expect_err("a wrong secret is refused");
    http.send(code.steps()[1].request.as_ref().unwrap()).await;

    // The mock's control API, as the Mock panel and `oauthscope mock` call it.
    for request in control_requests() {
        request
            .send(&http, &issuer, None)
            .await
            .unwrap_or_else(|e| panic!("{request:?}: {e}"));
    }

    for exchange in http.log().snapshot() {
        seen.exchange(&exchange);
    }
    assert!(
        seen.names.len() > 60,
        "the flows saw too little: {}",
        seen.names.len()
    );
    let undecoded: Vec<&String> = seen
        .codes
        .iter()
        .filter(|c| catalogue().error(c).is_empty())
        .collect();
    assert!(
        undecoded.is_empty(),
        "error codes with no entry: {undecoded:?}"
    );
    for code in ["invalid_client", "invalid_grant", "invalid_token"] {
        assert!(
            seen.codes.contains(code),
            "{code} was not met: {:?}",
            seen.codes
        );
    }
    let missing = seen.unexplained();
    assert!(
        missing.is_empty(),
        "{} names have no entry:\n{}",
        missing.len(),
        missing.join("\n")
    );
}
