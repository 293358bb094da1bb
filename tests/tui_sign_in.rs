//! The in-terminal sign-in on the built-in mock drawn as structure: who asks, the scopes as a
//! list, the users with the cursor, and the keys the footer names too. The pages are the real
//! mock's, fetched over HTTP; the screens around them are built by hand, so they reproduce.

mod tui_support;

use oauthscope::mock::RunningMock;
use oauthscope::oauth::RecordingClient;
use oauthscope::oauth::client_auth::ClientCredentials;
use oauthscope::oauth::discovery::discover;
use oauthscope::oauth::flow::{Advance, Flow, FlowConfig};
use oauthscope::tui::app::{App, Settings};
use oauthscope::tui::model::{Cursor, Overlay, SignIn, SignInStage};
use oauthscope::tui::sign_in::{Page, read_page};
use tui_support::on_mock::{app_on_mock, mock, pick_flow, public};
use tui_support::screens::draw;

/// The mock's login page for a code flow of demo-public, and its consent page after alice.
async fn mock_pages(mock: &RunningMock) -> (Page, Page) {
    let http = RecordingClient::new().unwrap();
    let metadata = discover(&http, mock.issuer()).await.unwrap().metadata;
    let mut config = FlowConfig::new(metadata, ClientCredentials::public("demo-public"));
    config.scope = Some("openid profile email".into());
    config.redirect_uri = Some("http://127.0.0.1:53122/callback".into());
    let mut flow = Flow::authorization_code(config).unwrap();
    let Advance::Browser { url } = flow.advance(&http).await.unwrap() else {
        panic!("the code flow opens the browser");
    };
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let html = browser
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let login = read_page(&html, &url).unwrap();
    let mut form = vec![("username", "alice".to_string())];
    form.extend(login.tx.clone().map(|tx| ("tx", tx)));
    let html = browser
        .post(&login.action)
        .form(&form)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let consent = read_page(&html, &login.action).unwrap();
    (login, consent)
}

fn app_with(stage: SignInStage) -> App {
    let settings = Settings {
        built_in: Some(("http://127.0.0.1:9000".into(), vec![public()])),
        ..Settings::in_memory()
    };
    let (mut app, _rx) = App::new(settings);
    app.ui.overlay = Some(Overlay::SignIn(SignIn {
        device: false,
        stage,
        error: None,
    }));
    app
}

#[tokio::test]
async fn the_sign_in_dialog_shows_who_asks_the_scopes_and_the_users() {
    let mock = mock().await;
    let (login, consent) = mock_pages(&mock).await;
    for (width, height) in [(80, 24), (120, 35)] {
        let mut app = app_with(SignInStage::PickUser {
            page: login.clone(),
            cursor: Cursor { index: 1 },
        });
        let screen = draw(&mut app, width, height);
        for shown in [
            "Demo public client (PKCE) wants to access your account.",
            "  • openid",
            "  • profile",
            "  • email",
            "  Alice Liddell  alice",
            "▸ Bob Tables     bob",
        ] {
            assert!(screen.contains(shown), "{shown:?}:\n{screen}");
        }
        assert!(
            !screen.contains("Practice server"),
            "no flattened page:\n{screen}"
        );
        assert_eq!(
            screen
                .matches("j/k choose · enter sign in · esc cancel")
                .count(),
            2,
            "the dialog and the footer name the same keys:\n{screen}"
        );
        assert!(!screen.contains("ctrl-s"), "{screen}");
        insta::assert_snapshot!(format!("sign_in_{width}x{height}"), screen);

        let mut app = app_with(SignInStage::Consent {
            page: consent.clone(),
        });
        let screen = draw(&mut app, width, height);
        assert!(
            screen.contains("Signed in as Alice Liddell (alice)"),
            "{screen}"
        );
        assert!(screen.contains("  • profile"), "{screen}");
        assert_eq!(screen.matches("a approve · d deny · esc cancel").count(), 2);
        insta::assert_snapshot!(format!("consent_{width}x{height}"), screen);
    }
    mock.shutdown().await;
}

#[tokio::test]
async fn enter_signs_in_as_the_chosen_user_and_a_approves() {
    let mock = mock().await;
    let harness = app_on_mock(&mock, vec![public()], 80, 24).await;
    pick_flow(&harness, 0);
    harness.wait_for("e edits it").await;
    harness.press("enter");
    harness.wait_for("waiting for the redirect").await;
    harness.press("s");
    harness.wait_for("▸ Alice Liddell").await;
    harness.press("j");
    harness.wait_for("▸ Bob Tables").await;
    harness.press("enter");
    let screen = harness.wait_for("Signed in as Bob Tables (bob)").await;
    // Enter is not a decision on the consent page: only a or d decide.
    assert!(screen.contains("a approve"), "{screen}");
    harness.press("enter");
    harness.press("a");
    harness.wait_for("state/iss check out").await;
    harness.finish().await;
    mock.shutdown().await;
}
