//! The help's concept pages through the real loop: ←/→ and tab/shift-tab turn from the keys
//! to one page per flow (when to use it, which clients may, the security rules), the pages
//! wrap around, and any other key still closes the help.

mod tui_support;

use oauthscope::tui::app::Settings;
use tui_support::Harness;

async fn help_open(width: u16, height: u16) -> Harness {
    let harness = Harness::start(Settings::in_memory(), width, height);
    harness.wait_for("oauthscope").await;
    harness.press("?");
    harness.wait_for("Help 1/13").await;
    harness
}

#[tokio::test]
async fn right_and_tab_turn_to_the_flow_pages_and_left_comes_back() {
    let harness = help_open(120, 35).await;
    harness.press("right");
    let code = harness.wait_for("Help 2/13").await;
    assert!(code.contains("Authorization code + PKCE"), "{code}");
    assert!(code.contains("Security rules"), "{code}");
    assert!(code.contains("RFC 9700 §2.1.1"), "{code}");
    insta::assert_snapshot!("concept_code_120x35", code);
    harness.press("tab");
    let par = harness.wait_for("Help 3/13").await;
    assert!(par.contains("Pushed authorization requests (PAR)"), "{par}");
    harness.press("left");
    harness.wait_for("Help 2/13").await;
    harness.press("shift-tab");
    let keys = harness.wait_for("Help 1/13").await;
    assert!(keys.contains("Everywhere"), "{keys}");
    // Back past the keys page is the last page: the pages go round.
    harness.press("left");
    let last = harness.wait_for("Help 13/13").await;
    assert!(
        last.contains("Rich authorization and request objects"),
        "{last}"
    );
    harness.press("right");
    harness.wait_for("Help 1/13").await;
    harness.finish().await;
}

#[tokio::test]
async fn at_80x24_a_concept_page_scrolls_and_any_other_key_closes_it() {
    let harness = help_open(80, 24).await;
    for _ in 0..3 {
        harness.press("right");
    }
    let device = harness.wait_for("Help 4/13").await;
    assert!(device.contains("Device authorization"), "{device}");
    assert!(device.contains("slow_down"), "{device}");
    insta::assert_snapshot!("concept_device_80x24", device);
    // The code flow's page is longer than 80x24 holds: j scrolls it, and it says where.
    harness.press("shift-tab");
    harness.press("shift-tab");
    let code = harness.wait_for("Help 2/13").await;
    assert!(code.contains(" rows 1-"), "{code}");
    harness.press("G");
    let end = harness.wait_for("Read: RFC 6749 §4.1").await;
    assert!(!end.contains(" rows 1-"), "{end}");
    harness.press("x");
    let closed = harness
        .wait_until("the help closed", |s| !s.contains("Help 2/13"))
        .await;
    assert!(!closed.contains("Security rules"), "{closed}");
    harness.finish().await;
}

#[tokio::test]
async fn on_the_keys_page_an_unbound_key_still_closes_the_help() {
    let harness = help_open(80, 24).await;
    harness.press("x");
    harness
        .wait_until("the help closed", |s| !s.contains("Help 1/13"))
        .await;
    // It opens on the keys page again, whatever page it closed on.
    harness.press("?");
    harness.wait_for("Help 1/13").await;
    harness.press("right");
    harness.wait_for("Help 2/13").await;
    harness.press("esc");
    harness
        .wait_until("the help closed", |s| !s.contains("Help 2/13"))
        .await;
    harness.press("?");
    harness.wait_for("Help 1/13").await;
    harness.finish().await;
}
