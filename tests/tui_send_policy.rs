//! The terminal app against servers that answer like the ones met in the field, keys replayed
//! into the real loop: it asks once per server before sending credentials to another host
//! than the issuer's (the token endpoint on 127.0.0.2, another host, loopback too), and says
//! when a token comes back with a `token_type` it does not know. The same question guards a
//! registered client's management on another host.

#[path = "support/quirky.rs"]
mod quirky;
mod tui_support;

use oauthscope::profile::ClientProfile;
use oauthscope::tui::app::Settings;
use quirky::{CLIENT_ID, Endpoints, Quirks, Quirky, REGISTRATION_TOKEN};
use tui_support::Harness;

fn pick_client_credentials(harness: &Harness) {
    harness.press("3");
    harness.press("n");
    harness.press("g");
    for _ in 0..3 {
        harness.press("j");
    }
    harness.press("enter");
}

/// The app on `server`, with its confidential client, once discovery is done.
async fn app_on(server: &Quirky) -> Harness {
    let client = ClientProfile {
        client_id: CLIENT_ID.into(),
        client_secret: Some("s3cret".into()),
        auth_method: "client_secret_basic".into(),
        ..ClientProfile::default()
    };
    app_with(server, client).await
}

async fn app_with(server: &Quirky, client: ClientProfile) -> Harness {
    let settings = Settings {
        built_in: Some((server.issuer.clone(), vec![client])),
        ..Settings::in_memory()
    };
    let harness = Harness::start(settings, 140, 50);
    harness.wait_for("discovered").await;
    harness
}

#[tokio::test]
async fn another_host_is_asked_about_once_and_no_sends_nothing() {
    let server = Quirky::start(Quirks {
        endpoints: Endpoints::OtherHost,
        ..Quirks::default()
    })
    .await;
    let harness = app_on(&server).await;

    pick_client_credentials(&harness);
    harness.wait_for("Get a token as the client").await;
    harness.press("enter");
    let screen = harness.wait_for("Send credentials to another host?").await;
    assert!(screen.contains("127.0.0.2"), "{screen}");
    harness.press("n");
    harness
        .wait_for("not sent: nothing goes to 127.0.0.2")
        .await;
    assert_eq!(server.token_requests(), 0);

    // Asked again on the next enter; yes sends it.
    harness.press("enter");
    harness.wait_for("Send credentials to another host?").await;
    harness.press("y");
    harness.wait_for("flow complete").await;
    assert_eq!(server.token_requests(), 1);

    // The answer holds for this server: a new flow goes without asking.
    pick_client_credentials(&harness);
    harness.wait_for("e edits it, enter sends it").await;
    harness.press("enter");
    harness
        .wait_until("the second token", |_| server.token_requests() == 2)
        .await;
    assert!(
        !harness
            .screen()
            .contains("Send credentials to another host?")
    );
    harness.finish().await;
}

#[tokio::test]
async fn a_mac_token_is_taken_with_a_warning() {
    let server = Quirky::start(Quirks {
        token_type: "mac",
        ..Quirks::default()
    })
    .await;
    let harness = app_on(&server).await;
    pick_client_credentials(&harness);
    harness.wait_for("Get a token as the client").await;
    harness.press("enter");
    harness.wait_for("warning: token_type \"mac\"").await;
    harness.finish().await;
}

#[tokio::test]
async fn managing_a_client_on_another_host_is_asked_about_once() {
    let server = Quirky::start(Quirks {
        endpoints: Endpoints::OtherHost,
        ..Quirks::default()
    })
    .await;
    // As registered: the server put its registration_client_uri on 127.0.0.2.
    let client = ClientProfile {
        client_id: "registered".into(),
        auth_method: "none".into(),
        registration_access_token: Some(REGISTRATION_TOKEN.into()),
        registration_client_uri: Some(format!("{}/register/registered", server.endpoint_base)),
        ..ClientProfile::default()
    };
    let harness = app_with(&server, client).await;
    harness.press("2");
    harness.press("R");
    let screen = harness.wait_for("Send credentials to another host?").await;
    assert!(screen.contains("127.0.0.2"), "{screen}");
    harness.press("n");
    harness
        .wait_for("not sent: nothing goes to 127.0.0.2")
        .await;
    assert_eq!(server.management_requests(), 0);

    harness.press("R");
    harness.wait_for("Send credentials to another host?").await;
    harness.press("y");
    harness
        .wait_for("registered: the server's copy is shown")
        .await;
    assert_eq!(server.management_requests(), 1);

    // The answer holds for this server.
    harness.press("d");
    harness.wait_for("delete registered at the server").await;
    harness.press("y");
    harness.wait_for("deleted registered at the server").await;
    assert_eq!(server.management_requests(), 2);
    harness.finish().await;
}
