//! The device step draws its QR code in half blocks beside the user code, whole at 80x24 and
//! at 120x35: the code's last row is on screen. The device endpoint is a loopback server
//! answering fixed values, so the code (and the snapshot) does not depend on its port.

mod hostile_support;
mod tui_support;

use axum::http::StatusCode;
use axum::routing::post;
use oauthscope::oauth::RecordingClient;
use oauthscope::oauth::client_auth::ClientCredentials;
use oauthscope::oauth::discovery::discover;
use oauthscope::oauth::flow::{Advance, Flow, FlowConfig};
use oauthscope::profile::ClientProfile;
use oauthscope::tui::app::{App, Settings};
use oauthscope::tui::widgets::qr_lines;
use serde_json::json;

const VERIFICATION_URI: &str = "http://127.0.0.1:9000/device";
const COMPLETE_URI: &str = "http://127.0.0.1:9000/device?user_code=BCDF-GHJK";

/// A device flow on its poll step, against a server whose answer names fixed URIs.
async fn device_flow() -> (Flow, String) {
    let base = hostile_support::serve(|base| {
        hostile_support::metadata(&base, json!({})).route(
            "/device",
            post(|| async {
                hostile_support::json_response(
                    StatusCode::OK,
                    json!({ "device_code": "dc", "user_code": "BCDF-GHJK",
                            "verification_uri": VERIFICATION_URI,
                            "verification_uri_complete": COMPLETE_URI,
                            "expires_in": 600, "interval": 5 }),
                )
            }),
        )
    })
    .await;
    let http = RecordingClient::new().unwrap();
    let metadata = discover(&http, &base).await.unwrap().metadata;
    let mut flow =
        Flow::device(FlowConfig::new(metadata, ClientCredentials::public("tv"))).unwrap();
    assert_eq!(flow.advance(&http).await.unwrap(), Advance::Next);
    (flow, base)
}

fn draw(flow: Flow, width: u16, height: u16) -> String {
    let clients = vec![ClientProfile {
        client_id: "tv".into(),
        auth_method: "none".into(),
        ..ClientProfile::default()
    }];
    let settings = Settings {
        built_in: Some(("http://127.0.0.1:9000".into(), clients)),
        ..Settings::in_memory()
    };
    let (mut app, _rx) = App::new(settings);
    app.show_flow(flow);
    tui_support::screens::draw(&mut app, width, height)
}

#[tokio::test]
async fn the_whole_qr_code_fits_beside_the_user_code() {
    let (flow, base) = device_flow().await;
    let port = base.rsplit(':').next().unwrap().to_string();
    for (width, height) in [(80, 24), (120, 35)] {
        let screen = draw(flow.clone(), width, height);
        // The code drawn is one of the two URIs, whole: every row of it on screen, in order.
        let qr = [COMPLETE_URI, VERIFICATION_URI]
            .into_iter()
            .map(|uri| qr_lines(uri).unwrap())
            .find(|qr| screen.contains(&qr[0]))
            .unwrap_or_else(|| panic!("no QR code at {width}x{height}:\n{screen}"));
        let first = screen.lines().position(|l| l.contains(&qr[0])).unwrap();
        for (i, row) in qr.iter().enumerate() {
            let line = screen.lines().nth(first + i).unwrap_or_default();
            assert!(
                line.contains(row),
                "row {i} of {} at {width}x{height}:\n{screen}",
                qr.len()
            );
        }
        // Beside it: the user code and the keys, on the QR code's own rows.
        let rows: Vec<&str> = screen.lines().skip(first).take(qr.len()).collect();
        for words in [
            "user code  BCDF-GHJK",
            "go to      http://127.0.0.1:9000/device",
            "enter polls",
        ] {
            assert!(
                rows.iter().any(|r| r.contains(words)),
                "{words:?}:\n{screen}"
            );
        }
        let masked = screen.replace(
            &format!("127.0.0.1:{port}"),
            &format!("127.0.0.1:{}", "#".repeat(port.len())),
        );
        insta::assert_snapshot!(format!("device_qr_{width}x{height}"), masked);
    }
}
