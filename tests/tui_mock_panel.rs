//! The Mock panel (`c` in Servers): keys replayed through the real loop against the real
//! mock on 127.0.0.1:0. Each action is checked at the mock itself (its control API read back
//! with an independent HTTP client), in the panel, and in the Exchanges pane.

mod tui_support;

use oauthscope::mock::{MockConfig, MockServer};
use serde_json::Value;
use tui_support::Harness;
use tui_support::on_mock::{app_on_mock, confidential, mock, pick_flow, public};

/// The mock's control API, read directly.
async fn control(issuer: &str, path: &str) -> Value {
    reqwest::get(format!("{issuer}{path}"))
        .await
        .expect("the mock answers")
        .json()
        .await
        .expect("JSON")
}

/// Replaces the text of the focused single-line field.
fn retype(harness: &Harness, old: &str, new: &str) {
    for _ in old.chars() {
        harness.press("backspace");
    }
    harness.type_text(new);
}

async fn open_panel(harness: &Harness) {
    harness.press("1");
    harness.press("c");
    harness.wait_for("✓ no faults pending").await;
}

/// The app on `mock` at 140x50 with the panel open.
async fn panel_on(mock: &oauthscope::mock::RunningMock) -> Harness {
    let harness = app_on_mock(mock, vec![public()], 140, 50).await;
    open_panel(&harness).await;
    harness
}

/// Submits the fault form as filled in (token, invalid_grant) but for its count.
async fn fault_with_count(harness: &Harness, count: &str) {
    harness.press("f");
    harness.wait_for("Inject a fault").await;
    harness.press("tab");
    harness.press("tab");
    retype(harness, "1", count);
    harness.press("enter");
}

#[tokio::test]
async fn every_action_reaches_the_mock_and_is_an_exchange() {
    let mock = mock().await;
    let issuer = mock.issuer().to_string();
    let harness = panel_on(&mock).await;

    // A fault on the token endpoint, twice.
    fault_with_count(&harness, "2").await;
    harness
        .wait_for("fault 1 added: token answers invalid_grant to the next 2 request(s)")
        .await;
    let faults = control(&issuer, "/_mock/faults").await;
    assert_eq!(faults["faults"][0]["remaining"], 2, "{faults}");
    assert_eq!(faults["faults"][0]["error"], "invalid_grant", "{faults}");
    harness.press("l");
    harness.wait_for("fault 1 pending").await;
    harness.press("d");
    harness.wait_for("cleared 1 pending fault(s)").await;
    assert_eq!(
        control(&issuer, "/_mock/faults").await["faults"],
        serde_json::json!([])
    );

    // The clock: two hours on, then back.
    harness.press("a");
    harness.wait_for("Move the mock's clock").await;
    retype(&harness, "1h", "2h");
    harness.press("enter");
    harness.wait_for("(7200000 ms from real time)").await;
    harness
        .wait_for("the Tokens pane judges expiry by this machine's clock")
        .await;
    assert_eq!(
        control(&issuer, "/_mock/clock").await["offset_ms"],
        7_200_000
    );
    harness.press("0");
    harness.wait_for("(0 ms from real time)").await;
    assert_eq!(control(&issuer, "/_mock/clock").await["offset_ms"], 0);

    // Keys: rotate, retiring the old ones at once, then the history.
    let before = control(&issuer, "/_mock/keys").await["current"].clone();
    harness.press("K");
    harness.wait_for("Rotate the signing keys").await;
    harness.press("right");
    harness.wait_for("retire at once").await;
    harness.press("enter");
    harness.wait_for("new signing keys:").await;
    let keys = control(&issuer, "/_mock/keys").await;
    assert_eq!(keys["rotations"].as_array().unwrap().len(), 1, "{keys}");
    assert_ne!(keys["current"], before);
    assert_eq!(
        keys["published"], keys["current"],
        "the old keys are retired: {keys}"
    );
    harness.press("h");
    harness.wait_for("rotated at").await;

    // Claims for alice, and for the next token.
    harness.press("u");
    harness.wait_for("Claims for a user's").await;
    harness.press("tab");
    harness.type_text("role=admin level=3");
    harness.press("enter");
    harness.wait_for("alice: claims in force").await;
    harness.press("n");
    harness.wait_for("Claims for the next token").await;
    harness.type_text(r#"groups=["a", "b"]"#);
    harness.press("enter");
    harness.wait_for("next token: claims in force").await;
    let claims = control(&issuer, "/_mock/claims").await;
    assert_eq!(claims["users"]["alice"]["role"], "admin", "{claims}");
    assert_eq!(claims["users"]["alice"]["level"], 3, "{claims}");
    assert_eq!(claims["next"]["groups"], serde_json::json!(["a", "b"]));

    // The requests the mock saw: discovery among them.
    harness.press("v");
    harness
        .wait_for("GET /.well-known/oauth-authorization-server -> 200")
        .await;

    // Every action is in the Exchanges pane, in the order sent.
    harness.press("4");
    let screen = harness.wait_for("/_mock/requests").await;
    for (method, path) in [
        ("POST", "/_mock/faults "),
        ("DELETE", "/_mock/faults "),
        ("POST", "/_mock/clock "),
        ("POST", "/_mock/keys/rotate "),
        ("GET", "/_mock/keys "),
        ("PUT", "/_mock/users/alice/claims "),
        ("POST", "/_mock/claims/next "),
    ] {
        assert!(
            screen
                .lines()
                .any(|line| line.contains(&format!(" {method} ")) && line.contains(path)),
            "{method} {path} in\n{screen}"
        );
    }
    harness.finish().await;
}

#[tokio::test]
async fn bad_input_in_the_forms_is_said_and_the_form_stays() {
    let mock = mock().await;
    let harness = panel_on(&mock).await;

    // Refused here: not a count.
    fault_with_count(&harness, "lots").await;
    harness
        .wait_for("count `lots` is not a whole number of requests")
        .await;
    // Refused by the mock: an endpoint it does not have; the form opens again with its answer.
    retype(&harness, "lots", "1");
    harness.press("shift-tab");
    harness.press("shift-tab");
    retype(&harness, "token", "tokn");
    harness.press("enter");
    harness.wait_for("unknown endpoint `tokn`").await;
    harness.wait_for("Inject a fault").await;
    harness.press("esc");

    harness.press("a");
    harness.wait_for("Move the mock's clock").await;
    retype(&harness, "1h", "soon");
    harness.press("enter");
    harness.wait_for("`soon` is not a duration").await;
    harness.press("esc");

    harness.press("n");
    harness.wait_for("Claims for the next token").await;
    harness.type_text("groups=[a,b");
    harness.press("enter");
    harness.wait_for("`[a,b` is not JSON").await;
    harness.press("esc");

    // Nothing of it reached the mock's state, and the app still works.
    let claims = control(mock.issuer(), "/_mock/claims").await;
    assert!(claims["next"].is_null(), "{claims}");
    harness.press("l");
    harness.wait_for("✓ no faults pending").await;
    harness.finish().await;
}

#[tokio::test]
async fn a_server_without_the_control_api_is_said_to_be_one() {
    let mut config = MockConfig::demo();
    config.control.enabled = false;
    let mock = MockServer::start(config).await.unwrap();
    let harness = app_on_mock(&mock, vec![public()], 140, 50).await;
    harness.press("1");
    harness.press("c");
    harness
        .wait_for("has no control API at /_mock/faults")
        .await;
    harness.press("esc");
    harness.wait_for("raw metadata").await;
    harness.finish().await;
}

#[tokio::test]
async fn a_mock_that_wants_its_control_token_asks_for_it_once() {
    let mut config = MockConfig::demo();
    config.control.token = Some("ctl-Zq9-token".into());
    let mock = MockServer::start(config).await.unwrap();
    let harness = app_on_mock(&mock, vec![public()], 140, 50).await;
    harness.press("1");
    harness.press("c");
    harness.wait_for("the mock needs its control token").await;
    harness.type_text("wrong");
    harness.press("enter");
    harness
        .wait_for("the mock refused the control token given")
        .await;
    // The form opens again, empty, for the right one.
    harness.type_text("ctl-Zq9-token");
    harness.press("enter");
    harness.wait_for("✓ no faults pending").await;
    // The token is kept for the session: the next action needs no asking.
    harness.press("0");
    let screen = harness.wait_for("(0 ms from real time)").await;
    assert!(
        !screen.contains("ctl-Zq9"),
        "the token is never shown:\n{screen}"
    );
    harness.finish().await;
}

/// The port differs each run: its digits become `P`s, keeping the width. The exchange log's
/// rows (clock times, durations) are left out: the panel is what is checked.
fn stable(screen: &str, issuer: &str) -> String {
    let port = issuer.rsplit(':').next().unwrap();
    let screen = screen.replace(
        &format!("127.0.0.1:{port}"),
        &format!("127.0.0.1:{}", "P".repeat(port.len())),
    );
    let mut in_log = false;
    let mut kept = String::new();
    for line in screen.lines() {
        if line.starts_with("┌ 4 Exchanges") || line.starts_with("┏ 4 Exchanges") {
            in_log = true;
            kept.push_str("(the exchange log)\n");
        } else if in_log && (line.starts_with('└') || line.starts_with('┗')) {
            in_log = false;
        } else if !in_log {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    kept
}

/// The Servers pane before the panel opens, and the panel after a fault and a claim.
async fn panel_screen(width: u16, height: u16) -> (String, String) {
    let mock = mock().await;
    let issuer = mock.issuer().to_string();
    let harness = app_on_mock(&mock, vec![public()], width, height).await;
    harness.press("1");
    let servers = harness.wait_for("select + discover").await;
    open_panel(&harness).await;
    harness.press("f");
    harness.wait_for("Inject a fault").await;
    harness.press("enter");
    harness.wait_for("fault 1 added").await;
    harness.press("u");
    harness.wait_for("Claims for a user's").await;
    harness.press("tab");
    harness.type_text("role=admin");
    harness.press("enter");
    let screen = harness.wait_for("alice: claims in force").await;
    harness.finish().await;
    (servers, stable(&screen, &issuer))
}

#[tokio::test]
async fn the_mock_panel_at_80x24() {
    let (servers, screen) = panel_screen(80, 24).await;
    let footer = servers.lines().last().unwrap();
    assert!(footer.contains("c mock panel"), "{footer}");
    assert!(screen.contains("Pending faults"), "{screen}");
    assert!(screen.contains("f inject a fault"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[tokio::test]
async fn the_mock_panel_at_120x35() {
    let (_, screen) = panel_screen(120, 35).await;
    assert!(screen.contains("fault 1 pending"), "{screen}");
    insta::assert_snapshot!(screen);
}

/// A fault the next request used up does not stay listed as pending: the panel lists the
/// faults again after each request the app makes to the mock.
#[tokio::test]
async fn a_used_up_fault_leaves_the_panel_without_l() {
    let mock = mock().await;
    let harness = app_on_mock(&mock, vec![confidential()], 140, 50).await;
    open_panel(&harness).await;
    fault_with_count(&harness, "1").await;
    harness.wait_for("fault 1 pending").await;
    pick_flow(&harness, 3);
    harness.wait_for("Get a token as the client").await;
    harness.press("enter");
    harness.wait_for("invalid_grant").await;
    harness.press("1");
    let screen = harness.wait_for("✓ no faults pending").await;
    assert!(!screen.contains("fault 1 pending"), "{screen}");
    let faults = control(mock.issuer(), "/_mock/faults").await;
    assert_eq!(faults["faults"], serde_json::json!([]), "{faults}");
    harness.finish().await;
    mock.shutdown().await;
}
