//! The browser leg through the loopback listener: `b` opens the authorization URL with
//! `$BROWSER` (here a tiny script that fetches it and follows redirects, as a browser
//! would), the mock auto-approves as alice, and the redirect lands on the app's listener.
//!
//! Its own test binary because it sets `$BROWSER` for the process. Needs python3 (CI installs
//! it); without it the test says so and passes without running.

mod tui_support;

use std::os::unix::fs::PermissionsExt;

use oauthscope::mock::{MockConfig, MockServer};
use oauthscope::profile::ClientProfile;
use oauthscope::tui::app::Settings;
use tui_support::Harness;

const FAKE_BROWSER: &str = "#!/bin/sh\nexec python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1]).read()' \"$1\"\n";

#[tokio::test]
async fn the_redirect_comes_back_to_the_loopback_listener() {
    let python = std::process::Command::new("python3")
        .arg("--version")
        .output();
    if !python.is_ok_and(|o| o.status.success()) {
        eprintln!("SKIPPED: python3 is not installed; it plays the browser in this test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let browser = dir.path().join("browser.sh");
    std::fs::write(&browser, FAKE_BROWSER).unwrap();
    std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
    // SAFETY: this test binary has this one test, so no other thread reads the environment.
    unsafe { std::env::set_var("BROWSER", &browser) };

    let mut config = MockConfig::demo();
    config.auto_approve = Some("alice".into());
    let mock = MockServer::start(config).await.unwrap();
    let client = ClientProfile {
        client_id: "demo-public".into(),
        auth_method: "none".into(),
        ..ClientProfile::default()
    };
    let harness = Harness::start(
        Settings {
            built_in: Some((mock.issuer().to_string(), vec![client])),
            ..Settings::in_memory()
        },
        120,
        40,
    );
    harness.wait_for("discovered Built-in mock").await;
    harness.press("enter");
    harness.wait_for("enter sends it").await;
    harness.press("enter");
    harness
        .wait_for("waiting for the redirect on 127.0.0.1:")
        .await;
    harness.press("b");
    harness.wait_for("state/iss check out").await;
    harness.press("enter");
    harness.wait_for("the next request is ready").await;
    harness.press("enter");
    harness.wait_for("flow complete").await;
    harness.finish().await;
    mock.shutdown().await;
}
