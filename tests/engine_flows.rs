//! Every flow end to end against the built-in mock on 127.0.0.1, with auto-approve standing in
//! for the user; the "browser" is an HTTP client that follows the mock's redirects.

use std::time::Duration;

use oauthscope::mock::{
    DEMO_CONFIDENTIAL_CLIENT, DEMO_PUBLIC_CLIENT, DEMO_SECRET, MockConfig, MockServer, RunningMock,
};
use oauthscope::oauth::client_auth::{AuthMethod, ClientCredentials};
use oauthscope::oauth::discovery;
use oauthscope::oauth::dpop::{self, DpopKey};
use oauthscope::oauth::flow::{Advance, Flow, FlowConfig, FlowKind, tokens};
use oauthscope::oauth::jwks::KeyStore;
use oauthscope::oauth::jwt::{self, ClaimRules, Jwt, Verdict};
use oauthscope::oauth::redirect::LoopbackListener;
use oauthscope::oauth::registration::{self, Registrar};
use oauthscope::oauth::send_policy::CrossHostConsent;
use oauthscope::oauth::{RecordingClient, StepKind, StepStatus};
use oauthscope::wire::TokenResponse;

async fn mock() -> RunningMock {
    let mut config = MockConfig::demo();
    config.auto_approve = Some("alice".into());
    config.lifetimes.device_poll_interval = 1;
    MockServer::start(config).await.expect("the mock starts")
}

async fn config_for(
    http: &RecordingClient,
    mock: &RunningMock,
    client: ClientCredentials,
) -> FlowConfig {
    let found = discovery::discover(http, mock.issuer())
        .await
        .expect("discovery");
    FlowConfig::new(found.metadata, client)
}

fn public() -> ClientCredentials {
    ClientCredentials::public(DEMO_PUBLIC_CLIENT)
}

fn confidential(method: AuthMethod) -> ClientCredentials {
    ClientCredentials::confidential(DEMO_CONFIDENTIAL_CLIENT, DEMO_SECRET, method)
}

/// The user's browser: follows redirects, like a real one, down to our loopback listener.
async fn browse(url: &str) -> reqwest::StatusCode {
    reqwest::Client::new()
        .get(url)
        .send()
        .await
        .expect("the browser reaches the server")
        .status()
}

/// Runs a code (or PAR) flow through the loopback listener to the end; returns the flow.
async fn run_code_flow(http: &RecordingClient, mut config: FlowConfig, par: bool) -> Flow {
    let listener = LoopbackListener::bind(None).await.unwrap();
    config.redirect_uri = Some(listener.redirect_uri().to_string());
    let mut flow = if par {
        Flow::par(config).unwrap()
    } else {
        Flow::authorization_code(config).unwrap()
    };
    if par {
        assert_eq!(flow.advance(http).await.unwrap(), Advance::Next);
    }
    let Advance::Browser { url } = flow.advance(http).await.unwrap() else {
        panic!("expected the browser step");
    };
    let waiting = tokio::spawn(listener.wait());
    assert_eq!(browse(&url).await, 200);
    let redirect = waiting.await.unwrap().unwrap();
    assert_eq!(flow.complete_redirect(&redirect).unwrap(), Advance::Next);
    loop {
        match flow.advance(http).await {
            Ok(Advance::Finished) => break,
            Ok(Advance::Next) => continue,
            other => panic!("unexpected {other:?}: {:?}", flow.steps()),
        }
    }
    flow
}

fn verdict(token: &tokens::DecodedToken, check: &str) -> Verdict {
    token
        .verification
        .as_ref()
        .unwrap()
        .checks
        .iter()
        .find(|c| c.check == check)
        .unwrap()
        .verdict
}

#[tokio::test]
async fn code_flow_with_pkce_for_a_public_client() {
    let mock = mock().await;
    let http = RecordingClient::new().unwrap();
    let mut config = config_for(&http, &mock, public()).await;
    config.scope = Some("openid profile email".into());
    let flow = run_code_flow(&http, config, false).await;

    let titles: Vec<&str> = flow.steps().iter().map(|s| s.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Send the user to the authorization endpoint",
            "Exchange the code for tokens",
            "Verify the tokens"
        ]
    );
    assert!(flow.steps().iter().all(|s| s.status == StepStatus::Done));
    let outcome = flow.outcome();
    let tokens = outcome.tokens.as_ref().unwrap();
    assert!(tokens.refresh_token.is_some());
    let id = outcome.id_token.as_ref().unwrap();
    assert!(
        id.verification.as_ref().unwrap().is_valid(),
        "{:?}",
        id.verification
    );
    for check in ["signature", "iss", "aud", "nonce", "at_hash", "exp"] {
        assert_eq!(verdict(id, check), Verdict::Pass, "{check}");
    }
    let access = outcome.access_token.as_ref().unwrap();
    assert_eq!(access.header["typ"], "at+jwt");
    assert_eq!(verdict(access, "signature"), Verdict::Pass);
    let response = outcome.authorization_response.as_ref().unwrap();
    assert_eq!(response.iss.as_deref(), Some(mock.issuer()));
    // Token request carried the verifier and no secret; the exchange masks the code.
    let token_exchange = flow.steps()[1].exchange.as_ref().unwrap();
    let body = token_exchange.request_body.as_deref().unwrap();
    assert!(body.contains("code_verifier="));
    assert!(
        !token_exchange
            .redacted()
            .request_body
            .unwrap()
            .contains(flow.secrets().code.as_ref().unwrap().secret())
    );
}

#[tokio::test]
async fn par_flow_for_a_confidential_client_with_basic_auth() {
    let mock = mock().await;
    let http = RecordingClient::new().unwrap();
    let mut config = config_for(&http, &mock, confidential(AuthMethod::ClientSecretBasic)).await;
    config.scope = Some("openid".into());
    let flow = run_code_flow(&http, config, true).await;
    assert_eq!(flow.kind(), FlowKind::Par);
    let push = flow.steps()[0].exchange.as_ref().unwrap();
    assert_eq!(push.status, Some(201));
    let url = flow.outcome().authorization_url.as_deref().unwrap();
    assert!(url.contains("request_uri=urn"), "{url}");
    assert!(
        !url.contains("code_challenge"),
        "PAR keeps parameters out of the URL: {url}"
    );
    assert!(
        flow.outcome()
            .id_token
            .as_ref()
            .unwrap()
            .verification
            .as_ref()
            .unwrap()
            .is_valid()
    );
}

#[tokio::test]
async fn code_flow_with_client_secret_post() {
    let mock = mock().await;
    let http = RecordingClient::new().unwrap();
    let mut config = config_for(&http, &mock, confidential(AuthMethod::ClientSecretPost)).await;
    config.scope = Some("profile".into());
    let flow = run_code_flow(&http, config, false).await;
    let body = flow.steps()[1]
        .exchange
        .as_ref()
        .unwrap()
        .request_body
        .clone()
        .unwrap();
    assert!(body.contains("client_secret="), "{body}");
    assert!(
        flow.outcome().id_token.is_none(),
        "no openid scope, no ID token"
    );
}

#[tokio::test]
async fn a_code_cannot_be_redeemed_twice() {
    let mock = mock().await;
    let http = RecordingClient::new().unwrap();
    let config = config_for(&http, &mock, public()).await;
    let flow = run_code_flow(&http, config, false).await;
    let replay = flow.steps()[1].request.clone().unwrap();
    let exchange = http.send(&replay).await;
    let err = tokens::process_token_response(&exchange).unwrap_err();
    assert_eq!(err.oauth_code(), Some("invalid_grant"), "{err}");
}

#[tokio::test]
async fn a_tampered_state_is_refused_on_return() {
    let mock = mock().await;
    let http = RecordingClient::new().unwrap();
    let mut config = config_for(&http, &mock, public()).await;
    config.redirect_uri = Some("http://127.0.0.1:1/callback".into());
    let mut flow = Flow::authorization_code(config).unwrap();
    let Advance::Browser { url } = flow.advance(&http).await.unwrap() else {
        panic!()
    };
    // Paste mode: read where the server sends the browser, without following.
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(&url)
        .send()
        .await
        .unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let state = flow.secrets().state.clone().unwrap().into_secret();
    let forged = location.replace(&format!("state={state}"), "state=forged");
    let err = flow.complete_redirect(&forged).unwrap_err();
    assert!(err.to_string().contains("RFC 6749 §10.12"), "{err}");
    assert!(flow.is_failed());
}

#[tokio::test]
async fn device_flow_polls_until_approved() {
    let mock = mock().await;
    let http = RecordingClient::new().unwrap();
    let mut config = config_for(&http, &mock, public()).await;
    config.scope = Some("openid profile".into());
    let mut flow = Flow::device(config).unwrap();
    assert_eq!(flow.advance(&http).await.unwrap(), Advance::Next);
    let device = flow.outcome().device.clone().unwrap();
    assert_eq!(flow.poll_interval(), Duration::from_secs(1));
    // The first poll: nobody approved yet.
    assert!(matches!(
        flow.advance(&http).await.unwrap(),
        Advance::Poll { .. }
    ));
    assert!(matches!(flow.steps()[1].status, StepStatus::Waiting(_)));
    // The user opens the complete verification URI (auto-approved as alice).
    assert_eq!(
        browse(device.verification_uri_complete.as_ref().unwrap().secret()).await,
        200
    );
    let mut polls = 1;
    loop {
        match flow.advance(&http).await.unwrap() {
            Advance::Poll { wait } => {
                polls += 1;
                assert!(polls < 10, "too many polls");
                tokio::time::sleep(wait).await;
            }
            Advance::Next => continue,
            Advance::Finished => break,
            Advance::Browser { .. } => panic!("no browser step in the device flow"),
        }
    }
    let tokens = flow.outcome().tokens.as_ref().unwrap();
    assert!(tokens.id_token.is_some());
    assert!(
        flow.outcome()
            .id_token
            .as_ref()
            .unwrap()
            .verification
            .as_ref()
            .unwrap()
            .is_valid()
    );
}

#[tokio::test]
async fn polling_too_fast_gets_slow_down_and_five_more_seconds() {
    let mock = mock().await;
    let http = RecordingClient::new().unwrap();
    let config = config_for(&http, &mock, public()).await;
    let mut flow = Flow::device(config).unwrap();
    flow.advance(&http).await.unwrap();
    let first = flow.advance(&http).await.unwrap();
    assert_eq!(
        first,
        Advance::Poll {
            wait: Duration::from_secs(1)
        }
    );
    // Poll again at once, ignoring the interval.
    let second = flow.advance(&http).await.unwrap();
    assert_eq!(
        second,
        Advance::Poll {
            wait: Duration::from_secs(6)
        }
    );
    let StepStatus::Waiting(why) = &flow.steps()[1].status else {
        panic!()
    };
    assert!(why.contains("slow_down"), "{why}");
}

#[tokio::test]
async fn client_credentials_with_basic_and_post() {
    let mock = mock().await;
    let http = RecordingClient::new().unwrap();
    for method in [AuthMethod::ClientSecretBasic, AuthMethod::ClientSecretPost] {
        let mut config = config_for(&http, &mock, confidential(method)).await;
        config.scope = Some("api:read".into());
        let mut flow = Flow::client_credentials(config).unwrap();
        loop {
            if flow.advance(&http).await.unwrap() == Advance::Finished {
                break;
            }
        }
        let access = flow.outcome().access_token.as_ref().unwrap();
        assert_eq!(access.claims["client_id"], DEMO_CONFIDENTIAL_CLIENT);
        assert_eq!(verdict(access, "signature"), Verdict::Pass);
    }
}

#[tokio::test]
async fn wrong_client_secret_is_invalid_client() {
    let mock = mock().await;
    let http = RecordingClient::new().unwrap();
    let client = ClientCredentials::confidential(
        DEMO_CONFIDENTIAL_CLIENT,
        "wrong",
        AuthMethod::ClientSecretBasic,
    );
    let mut flow = Flow::client_credentials(config_for(&http, &mock, client).await).unwrap();
    let err = flow.advance(&http).await.unwrap_err();
    assert_eq!(err.oauth_code(), Some("invalid_client"), "{err}");
}

async fn finish(flow: &mut Flow, http: &RecordingClient) {
    loop {
        match flow.advance(http).await {
            Ok(Advance::Finished) => return,
            Ok(Advance::Next) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn refresh_rotates_and_the_old_refresh_token_is_then_refused() {
    let mock = mock().await;
    let http = RecordingClient::new().unwrap();
    let mut config = config_for(&http, &mock, public()).await;
    config.scope = Some("openid profile".into());
    let first = run_code_flow(&http, config.clone(), false).await;
    let before: TokenResponse = first.outcome().tokens.clone().unwrap();
    let old_refresh = before.refresh_token.clone().unwrap().into_secret();

    let mut refresh = Flow::refresh(config.clone(), &old_refresh, Some(before.clone())).unwrap();
    finish(&mut refresh, &http).await;
    let rotation = refresh.outcome().rotation.clone().unwrap();
    assert_eq!(rotation.refresh_token_rotated, Some(true));
    assert!(
        rotation
            .access_token_changes
            .iter()
            .any(|c| c.claim == "jti")
    );

    let mut replay = Flow::refresh(config, &old_refresh, None).unwrap();
    let err = replay.advance(&http).await.unwrap_err();
    assert_eq!(err.oauth_code(), Some("invalid_grant"), "{err}");
}

#[tokio::test]
async fn introspect_userinfo_revoke_then_inactive() {
    let mock = mock().await;
    let http = RecordingClient::new().unwrap();
    let mut config = config_for(&http, &mock, public()).await;
    config.scope = Some("openid profile email".into());
    let flow = run_code_flow(&http, config.clone(), false).await;
    let access = flow
        .outcome()
        .tokens
        .as_ref()
        .unwrap()
        .access_token
        .clone()
        .into_secret();

    let server = config_for(&http, &mock, confidential(AuthMethod::ClientSecretBasic)).await;
    let mut introspect = Flow::introspect(server.clone(), &access, Some("access_token")).unwrap();
    finish(&mut introspect, &http).await;
    let result = introspect.outcome().introspection.clone().unwrap();
    assert_eq!(result["active"], true);
    assert_eq!(result["client_id"], DEMO_PUBLIC_CLIENT);

    let mut userinfo = Flow::userinfo(server.clone(), &access).unwrap();
    finish(&mut userinfo, &http).await;
    let claims = userinfo.outcome().userinfo.clone().unwrap();
    assert_eq!(claims["email"], "alice@example.com");

    // A client may revoke only its own tokens (RFC 7009 §2.1): the public client does it.
    let mut revoke = Flow::revoke(config, &access, None).unwrap();
    finish(&mut revoke, &http).await;
    assert!(revoke.outcome().revoked);

    let mut again = Flow::introspect(server.clone(), &access, None).unwrap();
    finish(&mut again, &http).await;
    assert_eq!(
        again.outcome().introspection.as_ref().unwrap()["active"],
        false
    );

    let mut refused = Flow::userinfo(server, &access).unwrap();
    let err = refused.advance(&http).await.unwrap_err();
    assert_eq!(err.oauth_code(), Some("invalid_token"), "{err}");
}

#[tokio::test]
async fn registration_create_read_update_delete() {
    let mock = mock().await;
    let http = RecordingClient::new().unwrap();
    let found = discovery::discover(&http, mock.issuer()).await.unwrap();
    let endpoint = found.metadata.registration_endpoint.clone().unwrap();
    let metadata = registration::client_metadata(
        &["http://127.0.0.1/cb".into()],
        Some("client_secret_basic"),
        Some("openid profile"),
        &["authorization_code".into(), "refresh_token".into()],
        Some("registered in a test"),
    );
    let consent = CrossHostConsent::default();
    let registrar = Registrar::new(&http, &found.metadata.issuer, &consent);
    let client = registrar.register(&endpoint, &metadata).await.unwrap();
    assert!(client.client_secret.is_some());
    let handle = client.management().expect("RFC 7592 handles");

    let read = registrar.read(&handle).await.unwrap();
    assert_eq!(read.client_id, client.client_id);

    let updated = registrar
        .update(&handle, |m| {
            m.insert(
                "redirect_uris".into(),
                serde_json::json!(["http://127.0.0.1/other"]),
            );
        })
        .await
        .unwrap();
    assert_eq!(
        updated.metadata["redirect_uris"],
        serde_json::json!(["http://127.0.0.1/other"])
    );

    registrar.delete(&handle).await.unwrap();
    let err = registrar.read(&handle).await.unwrap_err();
    assert!(err.to_string().contains("401"), "{err}");
}

#[tokio::test]
async fn rotated_keys_are_found_by_refetching_the_jwks_once() {
    let mock = mock().await;
    let http = RecordingClient::new().unwrap();
    let config = config_for(&http, &mock, confidential(AuthMethod::ClientSecretBasic)).await;
    let jwks_uri = config.metadata.jwks_uri.clone().unwrap();
    let mut store = KeyStore::from_url(&jwks_uri);
    store.keys(&http).await.unwrap();
    mock.rotate_keys().await.unwrap();
    let mut flow = Flow::client_credentials(config.clone()).unwrap();
    finish(&mut flow, &http).await;
    let token = Jwt::decode(
        flow.outcome()
            .tokens
            .as_ref()
            .unwrap()
            .access_token
            .secret(),
    )
    .unwrap();
    let rules = ClaimRules {
        issuer: Some(config.metadata.issuer.clone()),
        ..ClaimRules::default()
    };
    let before = store.exchanges.len();
    let v = jwt::verify(&token, &mut store, &http, &rules).await;
    assert!(v.is_valid(), "{:?}", v.failure_summary());
    assert_eq!(store.exchanges.len(), before + 1, "exactly one refetch");
}

/// The proof a step's exchange carried, decoded.
fn proof_of(flow: &Flow, step: usize) -> serde_json::Map<String, serde_json::Value> {
    let proof = flow.steps()[step]
        .exchange
        .as_ref()
        .and_then(|e| e.request_header("DPoP"))
        .expect("the request carried a DPoP proof");
    Jwt::decode(proof).unwrap().unverified_claims().clone()
}

#[tokio::test]
async fn dpop_binds_the_code_flows_tokens_and_proves_them_at_userinfo_and_refresh() {
    let mock = mock().await;
    let http = RecordingClient::new().unwrap();
    let key = DpopKey::generate().unwrap();
    let mut config = config_for(&http, &mock, public()).await;
    config.scope = Some("openid profile".into());
    config.dpop = Some(key.clone());
    let flow = run_code_flow(&http, config.clone(), false).await;
    let binding = flow.outcome().dpop.as_ref().expect("binding checks");
    assert_eq!(binding.jkt, key.thumbprint());
    assert!(
        binding.checks.iter().all(|c| c.verdict == Verdict::Pass),
        "{:?}",
        binding.checks
    );
    let token_step = flow
        .steps()
        .iter()
        .position(|s| s.kind == StepKind::ExchangeCode)
        .unwrap();
    assert!(flow.steps()[token_step].dpop_proof.is_some());
    let claims = proof_of(&flow, token_step);
    assert_eq!(claims["htm"], "POST");
    assert_eq!(claims["htu"], format!("{}/token", mock.issuer()));
    assert!(
        claims.get("ath").is_none(),
        "no token is presented at /token"
    );

    let tokens = flow.outcome().tokens.clone().unwrap();
    let access = tokens.access_token.secret();
    let mut userinfo = Flow::userinfo(config.clone(), access).unwrap();
    userinfo.presenting_token_type(&tokens.token_type);
    assert!(userinfo.steps()[0].warnings.is_empty());
    finish(&mut userinfo, &http).await;
    assert_eq!(
        userinfo.outcome().userinfo.as_ref().unwrap()["preferred_username"],
        "alice"
    );
    let sent = userinfo.steps()[0].exchange.as_ref().unwrap();
    assert!(
        sent.request_header("authorization")
            .unwrap()
            .starts_with("DPoP ")
    );
    assert_eq!(proof_of(&userinfo, 0)["ath"], dpop::ath(access));

    // A public client's refresh token is bound too: refreshed with the same key.
    let refresh = tokens.refresh_token.clone().expect("a refresh token");
    let mut refreshed = Flow::refresh(config.clone(), refresh.secret(), Some(tokens)).unwrap();
    finish(&mut refreshed, &http).await;
    assert_eq!(
        refreshed.outcome().tokens.as_ref().unwrap().token_type,
        "DPoP"
    );
}

#[tokio::test]
async fn a_servers_dpop_nonce_is_a_step_and_the_request_goes_once_more() {
    let mut config = MockConfig::demo();
    config.dpop_nonce = true;
    let mock = MockServer::start(config).await.unwrap();
    let http = RecordingClient::new().unwrap();
    let mut config = config_for(&http, &mock, confidential(AuthMethod::ClientSecretBasic)).await;
    config.dpop = Some(DpopKey::generate().unwrap());
    let mut flow = Flow::client_credentials(config).unwrap();
    finish(&mut flow, &http).await;
    let kinds: Vec<StepKind> = flow.steps().iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds[..2],
        [StepKind::DpopNonce, StepKind::ClientCredentials],
        "{kinds:?}"
    );
    let refused = flow.steps()[0].exchange.as_ref().unwrap();
    assert_eq!(refused.status, Some(400));
    let nonce = refused.response_header("dpop-nonce").unwrap();
    assert!(proof_of(&flow, 0).get("nonce").is_none());
    assert_eq!(proof_of(&flow, 1)["nonce"], nonce);
    assert_eq!(flow.outcome().tokens.as_ref().unwrap().token_type, "DPoP");
    assert!(
        !flow.retry_at(0),
        "the refused attempt is a record, not a step to resend"
    );
}
