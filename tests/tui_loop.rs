//! The event loop itself, driven by replayed keys: panes, help, themes, forms, profile saving,
//! mouse. Flows against the built-in mock are in tui_flows.rs.

mod tui_support;

use crossterm::event::{Event, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use oauthscope::profile::{Profile, ServerProfile};
use oauthscope::tui::app::Settings;
use tui_support::Harness;

fn settings() -> Settings {
    Settings::in_memory()
}

/// The profile on disk once `landed` holds (or after two seconds): the app saves off its
/// event loop, so the screen can show a change before the file has it.
async fn saved_profile(path: &std::path::Path, landed: impl Fn(&Profile) -> bool) -> Profile {
    let mut saved = Profile::load(path).unwrap();
    for _ in 0..100 {
        if landed(&saved) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        saved = Profile::load(path).unwrap();
    }
    saved
}

#[tokio::test]
async fn q_quits_and_ends_the_loop() {
    let harness = Harness::start(settings(), 80, 24);
    harness.wait_for("oauthscope").await;
    harness.press("q");
    let result = tokio::time::timeout(std::time::Duration::from_secs(5), harness.loop_task).await;
    assert!(matches!(result, Ok(Ok(Ok(())))), "{result:?}");
}

#[tokio::test]
async fn help_lists_the_keymap_and_any_key_closes_it() {
    let harness = Harness::start(settings(), 100, 30);
    harness.wait_for("choose one").await;
    harness.press("?");
    let screen = harness.wait_for("Help").await;
    assert!(screen.contains("next pane"), "{screen}");
    // j scrolls the help; any key it does not use closes it.
    harness.press("j");
    harness.wait_for("rows 2-").await;
    harness.press("x");
    harness
        .wait_until("help closed", |s| !s.contains("other keys close"))
        .await;
    harness.finish().await;
}

#[tokio::test]
async fn t_cycles_through_the_themes() {
    let harness = Harness::start(settings(), 80, 24);
    harness.wait_for("theme: dark").await;
    for name in ["light", "high-contrast", "workshop", "dark"] {
        harness.press("t");
        harness.wait_for(&format!("theme: {name}")).await;
    }
    harness.finish().await;
}

#[tokio::test]
async fn a_server_added_by_url_is_saved_privately_without_secrets_lost() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profile.toml");
    let harness = Harness::start(
        Settings {
            profile_path: Some(path.clone()),
            ..settings()
        },
        80,
        24,
    );
    harness.wait_for("oauthscope").await;
    harness.press("1");
    harness.press("n");
    harness.wait_for("Add a server by issuer URL").await;
    harness.type_text("Local");
    harness.press("tab");
    harness.type_text("not a url");
    harness.press("enter");
    harness.wait_for("is not a URL").await;
    for _ in 0.."not a url".len() {
        harness.press("backspace");
    }
    harness.type_text("127.0.0.1:9/");
    harness.press("enter");
    harness.wait_for("Local").await;
    harness.press("t");
    harness.wait_for("theme: light").await;
    harness.finish().await;

    let saved = Profile::load(&path).unwrap();
    assert_eq!(saved.theme.as_deref(), Some("light"));
    assert_eq!(saved.servers.len(), 1);
    assert_eq!(saved.servers[0].issuer, "https://127.0.0.1:9");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[tokio::test]
async fn m_marks_one_saved_server_as_the_mcp_default_and_saves_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profile.toml");
    let server = |name: &str, default: bool| ServerProfile {
        name: name.into(),
        // A closed loopback port: the discovery the app starts fails at once, offline.
        issuer: format!("http://127.0.0.1:9/{name}"),
        default,
        ..ServerProfile::default()
    };
    let harness = Harness::start(
        Settings {
            profile: Profile {
                theme: None,
                servers: vec![server("alpha", true), server("beta", false)],
            },
            profile_path: Some(path.clone()),
            ..settings()
        },
        100,
        24,
    );
    harness.wait_for("oauthscope").await;
    harness.press("1");
    harness.wait_for("alpha (default)").await;
    harness.press("j");
    harness.press("m");
    harness.wait_for("beta is the default server").await;
    let screen = harness.wait_for("beta (default)").await;
    assert!(!screen.contains("alpha (default)"), "{screen}");
    let saved = saved_profile(&path, |p| {
        p.default_server().is_some_and(|s| s.name == "beta")
    })
    .await;
    assert_eq!(
        saved.default_server().map(|s| s.name.as_str()),
        Some("beta")
    );
    assert!(!saved.servers[0].default);

    harness.press("m");
    harness.wait_for("beta is no longer the default").await;
    harness.finish().await;
    assert!(Profile::load(&path).unwrap().default_server().is_none());
}

#[tokio::test]
async fn a_pasted_non_jwt_is_refused_in_words() {
    let harness = Harness::start(settings(), 80, 24);
    harness.wait_for("oauthscope").await;
    harness.press("5");
    harness.press("p");
    harness.wait_for("Paste a JWT").await;
    harness.send(Event::Paste("hello".into()));
    harness.press("enter");
    harness.wait_for("three base64url parts").await;
    harness.press("esc");
    harness
        .wait_until("form closed", |s| !s.contains("Paste a JWT"))
        .await;
    harness.finish().await;
}

#[tokio::test]
async fn clicking_a_tab_focuses_its_pane() {
    let harness = Harness::start(settings(), 80, 24);
    harness.wait_for("choose one").await;
    // The tab bar is the second row; "5 Tokens" is its last tab.
    let screen = harness.screen();
    let tab_row = screen.lines().nth(1).unwrap();
    let column = tab_row.find("5 Tokens").unwrap();
    let column = tab_row[..column].chars().count() as u16;
    harness.send(Event::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column,
        row: 1,
        modifiers: KeyModifiers::NONE,
    }));
    harness.wait_for("No tokens yet").await;
    harness.finish().await;
}

#[tokio::test]
async fn a_server_without_discovery_uses_the_endpoints_typed_in() {
    let harness = Harness::start(settings(), 120, 36);
    harness.wait_for("oauthscope").await;
    harness.press("1");
    harness.press("n");
    harness.wait_for("Add a server by issuer URL").await;
    harness.type_text("No discovery");
    harness.press("tab");
    // Port 9 on loopback: nothing listens, so discovery fails at once.
    harness.type_text("127.0.0.1:9");
    harness.press("tab");
    harness.type_text("http://127.0.0.1:9/authorize");
    harness.press("tab");
    harness.type_text("http://127.0.0.1:9/token");
    harness.press("enter");
    let screen = harness.wait_for("using the endpoints given by hand").await;
    assert!(screen.contains("✓authorize ✓token"), "{screen}");
    harness.finish().await;
}

/// Collects what the app writes to the terminal for OSC 52.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn copy_as_curl_reaches_the_clipboard_or_falls_back_to_osc52() {
    let captured = Captured::default();
    let harness = Harness::start(
        Settings {
            osc52_out: Box::new(captured.clone()),
            open_issuer: Some("http://127.0.0.1:9".into()),
            ..settings()
        },
        100,
        30,
    );
    // Discovery of a closed port still leaves an exchange (with its error) to copy.
    harness
        .wait_for("discovery of http://127.0.0.1:9 failed")
        .await;
    harness.press("4");
    harness.press("Y");
    let screen = harness.wait_for("copied the curl command").await;
    let osc = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    if screen.contains("OSC 52") {
        assert!(osc.starts_with("\x1b]52;c;"), "{osc:?}");
        let encoded = osc
            .trim_start_matches("\x1b]52;c;")
            .trim_end_matches('\x07');
        use base64::Engine;
        let curl = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        let curl = String::from_utf8(curl).unwrap();
        assert!(curl.starts_with("curl 'http://127.0.0.1:9/"), "{curl}");
    } else {
        assert!(
            osc.is_empty(),
            "the system clipboard worked, so no OSC 52: {osc:?}"
        );
    }
    harness.finish().await;
}

#[tokio::test]
async fn clicking_a_row_selects_it() {
    let client = |id: &str| oauthscope::profile::ClientProfile {
        client_id: id.into(),
        auth_method: "none".into(),
        ..Default::default()
    };
    let harness = Harness::start(
        Settings {
            built_in: Some((
                "http://127.0.0.1:9".into(),
                vec![client("first-client"), client("second-client")],
            )),
            ..settings()
        },
        120,
        36,
    );
    // Discovery of the closed port fails, and its message takes status rows: read the rows
    // once the layout has settled.
    let screen = harness
        .wait_for("discovery of http://127.0.0.1:9 failed")
        .await;
    let (row, line) = screen
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("second-client"))
        .unwrap();
    let column = line[..line.find("second-client").unwrap()].chars().count() as u16;
    harness.send(Event::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column,
        row: row as u16,
        modifiers: KeyModifiers::NONE,
    }));
    // Selected, not made active: the header still names the client the flows run as.
    let screen = harness.wait_for("▸   second-client").await;
    assert!(screen.contains("· first-client"), "{screen}");
    harness.finish().await;
}

/// A server that publishes RFC 8414 metadata and an OpenID Connect document naming the
/// userinfo endpoint only there, as Django OAuth Toolkit does.
async fn two_document_server() -> String {
    use axum::{Json, Router, routing::get};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let oauth = serde_json::json!({"issuer": base, "token_endpoint": format!("{base}/o/token/"),
        "authorization_endpoint": format!("{base}/o/authorize/"),
        "code_challenge_methods_supported": ["S256"]});
    let oidc =
        serde_json::json!({"issuer": base, "userinfo_endpoint": format!("{base}/o/userinfo/")});
    let router = Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            get(move || async move { Json(oauth) }),
        )
        .route(
            "/.well-known/openid-configuration",
            get(move || async move { Json(oidc) }),
        );
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}

#[tokio::test]
async fn a_saved_server_is_edited_in_a_prefilled_form_and_its_endpoints_kept() {
    let base = two_document_server().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profile.toml");
    let harness = Harness::start(
        Settings {
            profile: Profile {
                theme: None,
                servers: vec![ServerProfile {
                    name: "django".into(),
                    issuer: base.clone(),
                    ..ServerProfile::default()
                }],
            },
            profile_path: Some(path.clone()),
            ..settings()
        },
        140,
        40,
    );
    harness.wait_for("django").await;
    harness.press("1");
    harness.press("enter");
    harness
        .wait_for(&format!(
            "userinfo     {base}/o/userinfo/  (OpenID Connect)"
        ))
        .await;

    harness.press("e");
    let screen = harness.wait_for("Edit the server").await;
    assert!(screen.contains(&format!("issuer = {base}")), "{screen}");
    assert!(screen.contains("revocation_endpoint ="), "{screen}");
    // An unknown member is refused in words, and the text stays.
    harness.type_text("bogus = 1");
    harness.press("enter");
    harness.press("ctrl-s");
    harness.wait_for("unknown member `bogus`").await;
    // Empty the typed line (an empty line is skipped), then go down to
    // `revocation_endpoint = `: name, issuer, then the endpoints in order.
    harness.press("up");
    harness.press("ctrl-k");
    for _ in 0..9 {
        harness.press("down");
    }
    harness.press("ctrl-e");
    let revoke = format!("{base}/o/revoke_token/");
    harness.type_text(&revoke);
    harness.press("ctrl-s");
    harness
        .wait_for(&format!("revoke       {revoke}  (by hand)"))
        .await;
    let saved = saved_profile(&path, |p| {
        p.servers
            .first()
            .is_some_and(|s| s.endpoints.revocation_endpoint.is_some())
    })
    .await;
    assert_eq!(
        saved.servers[0].endpoints.revocation_endpoint.as_deref(),
        Some(revoke.as_str())
    );
    assert!(saved.servers[0].endpoints.userinfo_endpoint.is_none());
    harness.finish().await;
}

#[tokio::test]
async fn a_registration_with_a_mistyped_member_keeps_the_client_and_says_which() {
    use axum::{Json, Router, http::StatusCode, routing::get, routing::post};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let meta = serde_json::json!({"issuer": base, "token_endpoint": format!("{base}/token"),
        "registration_endpoint": format!("{base}/register")});
    // LemonLDAP::NG sends client_id_issued_at as a string.
    let router = Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            get(move || async move { Json(meta) }),
        )
        .route(
            "/register",
            post(|| async {
                let client = serde_json::json!({"client_id": "lemon-client",
                    "client_secret": "lemon-secret", "client_id_issued_at": "soon"});
                (StatusCode::CREATED, Json(client))
            }),
        );
    tokio::spawn(async move { axum::serve(listener, router).await });
    let harness = Harness::start(
        Settings {
            profile: Profile {
                theme: None,
                servers: vec![ServerProfile {
                    name: "lemon".into(),
                    issuer: base,
                    ..ServerProfile::default()
                }],
            },
            ..settings()
        },
        160,
        30,
    );
    // The app discovers the server it opens on; registration waits for that.
    harness.wait_for("discovered lemon").await;
    harness.press("2");
    harness.press("n");
    harness.wait_for("Register a client").await;
    harness.press("enter");
    let screen = harness
        .wait_for("registered lemon-client · ! client_id_issued_at is \"soon\"")
        .await;
    assert!(screen.contains("lemon-client"), "{screen}");
    harness.finish().await;
}
