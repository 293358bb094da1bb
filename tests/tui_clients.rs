//! The Clients pane through the real loop against the built-in mock: moving the cursor only
//! selects, `enter` chooses who the flows run as.

mod tui_support;

use crossterm::event::{Event, KeyModifiers, MouseEvent, MouseEventKind};
use tui_support::Harness;
use tui_support::on_mock::{
    OnDemoMock, client_by_hand, delete_at_the_server, pick_flow, register_client,
};

/// The line of the screen that shows the request's `client_id` parameter.
fn client_id_line(screen: &str) -> &str {
    screen
        .lines()
        .find(|l| l.contains("client_id ") && !l.contains("Client"))
        .unwrap_or_else(|| panic!("no client_id parameter on screen:\n{screen}"))
}

fn wheel_down(harness: &Harness, column: u16, row: u16) {
    harness.send(Event::Mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    }));
}

#[tokio::test]
async fn moving_the_cursor_in_clients_does_not_change_who_the_flows_run_as() {
    let harness = OnDemoMock::start().await;
    harness.press("2");
    harness.wait_for("● the flows run as this client").await;
    // Down to demo-confidential by key, and the wheel over the list tries to go further.
    harness.press("j");
    wheel_down(&harness, 5, 18);
    let screen = harness
        .wait_for("no: enter makes it the client the flows run as")
        .await;
    assert!(screen.contains("▸   demo-confidential"), "{screen}");
    assert!(screen.contains("  ● demo-public "), "{screen}");
    assert!(screen.contains(" · demo-public "), "{screen}");

    pick_flow(&harness, 0);
    let screen = harness.wait_for("e edits it, enter sends it").await;
    assert!(client_id_line(&screen).contains("demo-public"), "{screen}");

    // enter makes the selected client the one the flows run as.
    harness.press("2");
    harness.press("enter");
    harness
        .wait_for("flows now use client demo-confidential")
        .await;
    let screen = harness.wait_for("▸ ● demo-confidential").await;
    assert!(screen.contains(" · demo-confidential "), "{screen}");
    pick_flow(&harness, 0);
    let screen = harness
        .wait_until("the flow as demo-confidential", |s| {
            s.contains("e edits it, enter sends it") && s.contains("client_id ")
        })
        .await;
    assert!(
        client_id_line(&screen).contains("demo-confidential"),
        "{screen}"
    );
    harness.finish().await;
}

#[tokio::test]
async fn d_asks_before_deleting_at_the_server_and_n_keeps_the_client() {
    let harness = OnDemoMock::start().await;
    let id = register_client(&harness, "").await;
    harness.press("d");
    let screen = harness
        .wait_for(&format!("delete {id} at the server (RFC 7592 §2.3)?"))
        .await;
    assert!(screen.contains("y yes · n or esc no"), "{screen}");
    // Nothing went to the server yet (the exchange log is on screen at this size).
    assert!(!screen.contains("DELETE"), "{screen}");
    harness.press("n");
    harness.wait_for(&format!("kept {id}")).await;
    harness.press("2");
    harness
        .wait_for(&format!("client_id                  {id}"))
        .await;
    harness.press("d");
    harness.wait_for("Delete the client at the server?").await;
    harness.press("esc");
    harness.wait_for(&format!("kept {id}")).await;

    delete_at_the_server(&harness, &id).await;
    harness.finish().await;
}

#[tokio::test]
async fn a_client_entered_by_hand_is_forgotten_only_here_after_a_yes() {
    let harness = OnDemoMock::start().await;
    client_by_hand(&harness, "hand-client", Some("hand-secret")).await;
    harness.press("enter");
    harness.wait_for("hand-client").await;
    harness.press("d");
    harness
        .wait_for("forget hand-client (only in this app: the server is not told")
        .await;
    harness.press("y");
    let screen = harness
        .wait_for("forgot hand-client here (the server was not told)")
        .await;
    assert!(!screen.contains("▸   hand-client"), "{screen}");
    harness.finish().await;
}

#[tokio::test]
async fn the_demo_clients_cannot_be_deleted_nor_forgotten() {
    let harness = OnDemoMock::start().await;
    harness.press("2");
    for id in ["demo-public", "demo-confidential"] {
        harness.press("d");
        harness
            .wait_for(&format!(
                "{id} is a demo client of the built-in mock: it cannot be deleted or forgotten"
            ))
            .await;
        harness.press("j");
    }
    let screen = harness.screen();
    assert!(screen.contains("demo-public"), "{screen}");
    assert!(screen.contains("demo-confidential"), "{screen}");
    harness.finish().await;
}
