//! The send policy, the token_type warnings and the real-server quirks, against local servers
//! that answer like the servers in question. Refused requests must never reach the server.

#[path = "support/quirky.rs"]
mod quirky;

use oauthscope::oauth::client_auth::{AuthMethod, ClientCredentials};
use oauthscope::oauth::discovery;
use oauthscope::oauth::flow::{Advance, Flow, FlowConfig};
use oauthscope::oauth::registration::{self, ClientManagement, Registrar};
use oauthscope::oauth::send_policy::{CrossHostConsent, SendRule};
use oauthscope::oauth::{EngineError, RecordingClient, StepStatus};
use oauthscope::wire::ServerMetadata;
use quirky::{CLIENT_ID, Endpoints, Quirks, Quirky, REGISTRATION_TOKEN};

fn basic(secret: &str) -> ClientCredentials {
    ClientCredentials::confidential(CLIENT_ID, secret, AuthMethod::ClientSecretBasic)
}

async fn discovered(
    http: &RecordingClient,
    server: &Quirky,
    client: ClientCredentials,
) -> FlowConfig {
    let found = discovery::discover(http, &server.issuer)
        .await
        .expect("discovery");
    FlowConfig::new(found.metadata, client)
}

fn refused_rule(err: &EngineError) -> Option<SendRule> {
    err.refusal().map(|r| r.rule)
}

#[tokio::test]
async fn http_token_endpoint_under_an_https_issuer_is_refused_unsent() {
    let server = Quirky::start(Quirks::default()).await;
    // The metadata claims an https issuer and puts the token endpoint on plain http, on a
    // host that really listens: the refusal, not a failed connection, must stop it.
    let metadata = ServerMetadata {
        issuer: server.issuer.replace("http://", "https://"),
        token_endpoint: Some(format!("{}/token", server.issuer)),
        ..Default::default()
    };
    let http = RecordingClient::new().unwrap();
    let mut flow = Flow::client_credentials(FlowConfig::new(metadata, basic("s3cret"))).unwrap();
    let err = flow.advance(&http).await.unwrap_err();
    assert_eq!(refused_rule(&err), Some(SendRule::HttpDowngrade), "{err}");
    assert_eq!(err.code(), "send_refused_http_downgrade");
    assert!(
        err.to_string()
            .contains("the token endpoint http://127.0.0.1"),
        "{err}"
    );
    assert!(
        matches!(&flow.steps()[0].status, StepStatus::Failed(why) if why.contains("RFC 6749 §3.2"))
    );
    assert_eq!(server.token_requests(), 0);
    assert!(http.log().is_empty(), "nothing was sent");
    // Consent to other hosts does not lift a transport rule.
    let mut config = flow.config().clone();
    config.cross_host = CrossHostConsent::any();
    let mut flow = Flow::client_credentials(config).unwrap();
    assert!(flow.advance(&http).await.is_err());
    assert_eq!(server.token_requests(), 0);
}

#[tokio::test]
async fn plain_http_off_loopback_is_refused_before_any_connection() {
    // 192.0.2.1 is TEST-NET-1: nothing answers there, so a refusal is the only quick outcome.
    let server = Quirky::start(Quirks {
        endpoints: Endpoints::At("http://192.0.2.1".into()),
        ..Quirks::default()
    })
    .await;
    let http = RecordingClient::new().unwrap();
    let config = discovered(&http, &server, basic("s3cret")).await;
    let sent_before = http.log().len();
    let mut flow = Flow::client_credentials(config).unwrap();
    let err = flow.advance(&http).await.unwrap_err();
    assert_eq!(refused_rule(&err), Some(SendRule::PlainHttp), "{err}");
    assert_eq!(http.log().len(), sent_before, "nothing went to 192.0.2.1");
}

#[tokio::test]
async fn loopback_http_on_the_issuers_host_is_allowed() {
    let server = Quirky::start(Quirks::default()).await;
    let http = RecordingClient::new().unwrap();
    let mut flow =
        Flow::client_credentials(discovered(&http, &server, basic("s3cret")).await).unwrap();
    assert_eq!(flow.advance(&http).await.unwrap(), Advance::Finished);
    assert_eq!(server.token_requests(), 1);
    assert!(flow.steps()[0].warnings.is_empty(), "Bearer needs no word");
}

#[tokio::test]
async fn another_host_is_refused_until_the_user_allows_it() {
    let server = Quirky::start(Quirks {
        endpoints: Endpoints::OtherHost,
        ..Quirks::default()
    })
    .await;
    let http = RecordingClient::new().unwrap();
    let config = discovered(&http, &server, basic("s3cret")).await;
    let mut flow = Flow::client_credentials(config.clone()).unwrap();
    let refusal = flow
        .send_refusal()
        .expect("the face can ask before sending");
    assert_eq!(refusal.rule, SendRule::CrossHost);
    assert_eq!(refusal.host, "127.0.0.2");
    let err = flow.advance(&http).await.unwrap_err();
    assert_eq!(err.code(), "send_refused_cross_host");
    assert_eq!(server.token_requests(), 0);

    // Retrying after the user said yes for that host sends it.
    assert!(flow.retry());
    flow.allow_host("127.0.0.2");
    assert!(flow.send_refusal().is_none());
    assert_eq!(flow.advance(&http).await.unwrap(), Advance::Finished);
    assert_eq!(server.token_requests(), 1);

    // A public client's device request carries no credential: nothing to refuse.
    let public = FlowConfig {
        client: ClientCredentials::public(CLIENT_ID),
        ..config
    };
    let flow = Flow::device(public).unwrap();
    assert!(flow.send_refusal().is_none());
}

#[tokio::test]
async fn an_unknown_token_type_is_a_warning_on_the_step_that_names_it() {
    for (token_type, warns) in [
        ("mac", true),
        ("BEARER", false),
        ("bearer", false),
        ("DPoP", true),
    ] {
        let server = Quirky::start(Quirks {
            token_type,
            ..Quirks::default()
        })
        .await;
        let http = RecordingClient::new().unwrap();
        let mut flow =
            Flow::client_credentials(discovered(&http, &server, basic("s3cret")).await).unwrap();
        flow.advance(&http).await.unwrap();
        let warnings = &flow.steps()[0].warnings;
        assert_eq!(!warnings.is_empty(), warns, "{token_type}: {warnings:?}");
        if warns {
            assert!(warnings[0].contains(token_type), "{warnings:?}");
        }
    }
}

#[tokio::test]
async fn device_authorization_sends_client_id_in_the_body_with_basic() {
    // oauthlib refuses a device authorization request without client_id in the body.
    let server = Quirky::start(Quirks::default()).await;
    let http = RecordingClient::new().unwrap();
    let mut flow = Flow::device(discovered(&http, &server, basic("s3cret")).await).unwrap();
    let draft = &flow.steps()[0].request.as_ref().unwrap();
    assert!(draft.headers.iter().any(|(k, _)| k == "Authorization"));
    assert_eq!(draft.param("client_id"), Some(CLIENT_ID));
    assert_eq!(flow.advance(&http).await.unwrap(), Advance::Next);
    let bodies = server.seen.device_bodies.lock().unwrap().clone();
    assert!(bodies[0].contains("client_id=app"), "{bodies:?}");
    assert!(
        !bodies[0].contains("client_secret"),
        "Basic keeps the secret out of the body"
    );
}

#[tokio::test]
async fn invalid_client_with_basic_and_reserved_characters_suggests_post() {
    let secret = "s3cr/t+v4lue==";
    let server = Quirky::start(Quirks {
        plain_basic: true,
        secret,
        ..Quirks::default()
    })
    .await;
    let http = RecordingClient::new().unwrap();
    let config = discovered(&http, &server, basic(secret)).await;
    let mut flow = Flow::client_credentials(config.clone()).unwrap();
    let err = flow.advance(&http).await.unwrap_err();
    assert_eq!(err.oauth_code(), Some("invalid_client"));
    let text = err.to_string();
    assert!(text.contains("client_secret_post"), "{text}");
    assert!(text.contains("RFC 6749 §2.3.1"), "{text}");

    // The suggestion works against this server.
    let post = ClientCredentials::confidential(CLIENT_ID, secret, AuthMethod::ClientSecretPost);
    let mut flow = Flow::client_credentials(FlowConfig {
        client: post,
        ..config.clone()
    })
    .unwrap();
    assert_eq!(flow.advance(&http).await.unwrap(), Advance::Finished);

    // A plain wrong secret has nothing Basic could mangle: no misleading hint.
    let mut flow = Flow::client_credentials(FlowConfig {
        client: basic("wrong"),
        ..config
    })
    .unwrap();
    let err = flow.advance(&http).await.unwrap_err();
    assert_eq!(err.oauth_code(), Some("invalid_client"));
    assert!(!err.to_string().contains("client_secret_post"), "{err}");
}

#[tokio::test]
async fn registration_management_on_another_host_needs_consent_and_is_never_sent_without() {
    // The registration response puts registration_client_uri on 127.0.0.2.
    let server = Quirky::start(Quirks {
        endpoints: Endpoints::OtherHost,
        ..Quirks::default()
    })
    .await;
    let http = RecordingClient::new().unwrap();
    let found = discovery::discover(&http, &server.issuer).await.unwrap();
    let endpoint = found.metadata.registration_endpoint.clone().unwrap();
    let none = CrossHostConsent::default();
    let registrar = Registrar::new(&http, &server.issuer, &none);
    // Creating without an initial access token carries no credential: it goes.
    let client = registrar
        .register(&endpoint, &serde_json::json!({}))
        .await
        .unwrap();
    let handle = client.management().unwrap();
    assert!(handle.registration_client_uri.contains("127.0.0.2"));
    let refusal = registration::management_refusal(&server.issuer, &handle, &none).unwrap();
    assert_eq!(refusal.rule, SendRule::CrossHost);
    assert_eq!(refusal.host, "127.0.0.2");

    let sent_before = http.log().snapshot().len();
    let read = registrar.read(&handle).await.unwrap_err();
    assert_eq!(refused_rule(&read), Some(SendRule::CrossHost), "{read}");
    assert!(
        read.to_string()
            .contains("the client configuration endpoint"),
        "{read}"
    );
    let update = registrar.update(&handle, |_| {}).await.unwrap_err();
    assert_eq!(refused_rule(&update), Some(SendRule::CrossHost));
    let delete = registrar.delete(&handle).await.unwrap_err();
    assert_eq!(refused_rule(&delete), Some(SendRule::CrossHost));
    assert_eq!(server.management_requests(), 0);
    assert_eq!(http.log().snapshot().len(), sent_before, "nothing was sent");

    let mut allowed = CrossHostConsent::default();
    allowed.allow("127.0.0.2");
    assert!(registration::management_refusal(&server.issuer, &handle, &allowed).is_none());
    let registrar = Registrar::new(&http, &server.issuer, &allowed);
    assert_eq!(
        registrar.read(&handle).await.unwrap().client_id,
        "registered"
    );
    registrar.update(&handle, |_| {}).await.unwrap();
    registrar.delete(&handle).await.unwrap();
    // Read, then read and put, then delete.
    assert_eq!(server.management_requests(), 4);
}

#[tokio::test]
async fn registration_access_token_over_plain_http_off_loopback_is_refused_with_consent() {
    let http = RecordingClient::new().unwrap();
    let handle = ClientManagement {
        registration_client_uri: "http://192.0.2.1/register/c1".into(),
        registration_access_token: REGISTRATION_TOKEN.into(),
    };
    let any = CrossHostConsent::any();
    let registrar = Registrar::new(&http, "http://192.0.2.1", &any);
    let err = registrar.read(&handle).await.unwrap_err();
    assert_eq!(refused_rule(&err), Some(SendRule::PlainHttp), "{err}");
    let registrar = Registrar::new(&http, "https://192.0.2.1", &any);
    let err = registrar.delete(&handle).await.unwrap_err();
    assert_eq!(refused_rule(&err), Some(SendRule::HttpDowngrade), "{err}");
    assert!(http.log().is_empty(), "nothing was sent");
}
