//! The Clients pane through the real loop against the built-in mock: moving the cursor only
//! selects, `enter` chooses who the flows run as.

mod tui_support;

use crossterm::event::{Event, KeyModifiers, MouseEvent, MouseEventKind};
use tui_support::Harness;
use tui_support::on_mock::{app_on_mock, mock, pick_flow};

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
    let mock = mock().await;
    let harness = app_on_mock(&mock).await;
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
    mock.shutdown().await;
}
