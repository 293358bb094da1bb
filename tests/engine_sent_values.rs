//! What the authorization request actually sent is what the token request repeats: an edited
//! redirect URI, an edited PKCE pairing, a pushed request — against the built-in mock, which
//! binds the code to them.

use oauthscope::mock::{
    DEMO_CONFIDENTIAL_CLIENT, DEMO_PUBLIC_CLIENT, DEMO_SECRET, MockConfig, MockServer, RunningMock,
};
use oauthscope::oauth::client_auth::{AuthMethod, ClientCredentials};
use oauthscope::oauth::discovery;
use oauthscope::oauth::flow::{Advance, Flow, FlowConfig};
use oauthscope::oauth::redirect::LoopbackListener;
use oauthscope::oauth::{RecordingClient, RequestDraft};

async fn mock() -> RunningMock {
    let mut config = MockConfig::demo();
    config.auto_approve = Some("alice".into());
    MockServer::start(config).await.expect("the mock starts")
}

async fn config(
    http: &RecordingClient,
    mock: &RunningMock,
    client: ClientCredentials,
) -> FlowConfig {
    let found = discovery::discover(http, mock.issuer())
        .await
        .expect("discovery");
    let mut config = FlowConfig::new(found.metadata, client);
    // The flow's own redirect URI: a listener nobody will use once the draft is edited.
    config.redirect_uri = Some("http://127.0.0.1:9/callback".into());
    config
}

/// A code flow for the public demo client on a fresh mock, and the listener the edited
/// draft will point at.
async fn public_code_flow() -> (RunningMock, RecordingClient, Flow, LoopbackListener) {
    let mock = mock().await;
    let http = RecordingClient::new().unwrap();
    let config = config(&http, &mock, ClientCredentials::public(DEMO_PUBLIC_CLIENT)).await;
    let flow = Flow::authorization_code(config).unwrap();
    let listener = LoopbackListener::bind(None).await.unwrap();
    (mock, http, flow, listener)
}

/// Sends the authorization request as the draft stands, follows it like a browser to
/// `listener`, and completes the redirect.
async fn authorize(http: &RecordingClient, flow: &mut Flow, listener: LoopbackListener) {
    let Advance::Browser { url } = flow.advance(http).await.unwrap() else {
        panic!("expected the browser step: {:?}", flow.steps());
    };
    let waiting = tokio::spawn(listener.wait());
    let status = reqwest::get(&url).await.unwrap().status();
    assert_eq!(status, 200, "the browser leg ends on the listener");
    let redirect = waiting.await.unwrap().unwrap();
    assert_eq!(flow.complete_redirect(&redirect).unwrap(), Advance::Next);
}

fn token_draft(flow: &Flow) -> &RequestDraft {
    flow.steps()
        .iter()
        .find(|s| {
            s.request
                .as_ref()
                .is_some_and(|r| r.param("grant_type").is_some())
        })
        .and_then(|s| s.request.as_ref())
        .expect("a token request")
}

#[tokio::test]
async fn an_edited_redirect_uri_is_the_one_the_token_request_repeats() {
    let (_mock, http, mut flow, listener) = public_code_flow().await;
    let edited = listener.redirect_uri().to_string();
    flow.draft_mut().unwrap().set_param("redirect_uri", &edited);
    authorize(&http, &mut flow, listener).await;
    assert_eq!(
        token_draft(&flow).param("redirect_uri"),
        Some(edited.as_str())
    );
    // The mock bound the code to the edited URI: only repeating it redeems the code.
    flow.advance(&http).await.unwrap();
    assert!(flow.outcome().tokens.is_some(), "{:?}", flow.failure());
}

#[tokio::test]
async fn an_edited_pkce_pairing_is_repeated_as_sent() {
    let (_mock, http, mut flow, listener) = public_code_flow().await;
    let verifier = "a-plain-verifier-typed-by-hand-0123456789-abcdef";
    let draft = flow.draft_mut().unwrap();
    draft.set_param("redirect_uri", listener.redirect_uri());
    draft.set_param("code_challenge_method", "plain");
    draft.set_param("code_challenge", verifier);
    authorize(&http, &mut flow, listener).await;
    assert_eq!(token_draft(&flow).param("code_verifier"), Some(verifier));
    flow.advance(&http).await.unwrap();
    assert!(flow.outcome().tokens.is_some(), "{:?}", flow.failure());
}

#[tokio::test]
async fn an_edited_s256_challenge_warns_and_the_server_refuses_the_verifier() {
    let (_mock, http, mut flow, listener) = public_code_flow().await;
    let draft = flow.draft_mut().unwrap();
    draft.set_param("redirect_uri", listener.redirect_uri());
    draft.set_param(
        "code_challenge",
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    );
    authorize(&http, &mut flow, listener).await;
    assert!(
        flow.steps()[0]
            .warnings
            .iter()
            .any(|w| w.contains("RFC 7636 §4.6")),
        "{:?}",
        flow.steps()[0].warnings
    );
    let err = flow.advance(&http).await.unwrap_err();
    assert_eq!(err.oauth_code(), Some("invalid_grant"), "{err}");
}

#[tokio::test]
async fn par_repeats_what_was_pushed() {
    let mock = mock().await;
    let http = RecordingClient::new().unwrap();
    let client = ClientCredentials::confidential(
        DEMO_CONFIDENTIAL_CLIENT,
        DEMO_SECRET,
        AuthMethod::ClientSecretBasic,
    );
    let config = config(&http, &mock, client).await;
    let mut flow = Flow::par(config).unwrap();
    let listener = LoopbackListener::bind(None).await.unwrap();
    let edited = listener.redirect_uri().to_string();
    flow.draft_mut().unwrap().set_param("redirect_uri", &edited);
    assert_eq!(flow.advance(&http).await.unwrap(), Advance::Next);
    authorize(&http, &mut flow, listener).await;
    assert_eq!(
        token_draft(&flow).param("redirect_uri"),
        Some(edited.as_str())
    );
    flow.advance(&http).await.unwrap();
    assert!(flow.outcome().tokens.is_some(), "{:?}", flow.failure());
}
