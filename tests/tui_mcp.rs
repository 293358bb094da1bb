//! A server added in Servers by its MCP URL, through the real event loop against the
//! built-in mock on 127.0.0.1: the unauthenticated `initialize` is refused with a Bearer
//! challenge, the RFC 9728 metadata names the authorization server, and the entry shows
//! both URLs and is saved with them. A URL that is neither an issuer nor an MCP server is
//! refused in words.

mod tui_support;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use oauthscope::mock::RunningMock;
use oauthscope::profile::{ClientProfile, Profile, ServerProfile};
use oauthscope::tui::action::{Action, Command};
use oauthscope::tui::app::{App, Settings};
use serde_json::json;
use tokio::net::TcpListener;
use tui_support::Harness;
use tui_support::on_mock::{mock, pick_flow, register_client, settings, sign_in_as_alice, started};
use tui_support::screens::{draw, fixed_now};

/// A GET route answering with `document` as JSON.
fn serves_json(document: serde_json::Value) -> axum::routing::MethodRouter {
    get(move || {
        let document = document.clone();
        async move { axum::Json(document) }
    })
}

/// An MCP server at `/mcp` whose authorization server (the same origin) advertises no PKCE
/// methods: its challenge names the metadata, and the metadata names the origin.
async fn serve_mcp_on_a_server_without_pkce() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let challenge =
        format!("Bearer resource_metadata=\"{base}/.well-known/oauth-protected-resource/mcp\"");
    let resource = json!({ "resource": format!("{base}/mcp"), "authorization_servers": [base] });
    let server = json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
    });
    let router = Router::new()
        .route(
            "/mcp",
            post(move || {
                let challenge = challenge.clone();
                async move { (StatusCode::UNAUTHORIZED, [("WWW-Authenticate", challenge)]) }
            }),
        )
        .route(
            "/.well-known/oauth-protected-resource/mcp",
            serves_json(resource),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            serves_json(server),
        );
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    base
}

/// `settings` that save the profile to a file of the test's own, in a directory that lives
/// as long as the test holds it.
fn saving_to_a_file(settings: Settings) -> (tempfile::TempDir, std::path::PathBuf, Settings) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profile.toml");
    let settings = Settings {
        profile_path: Some(path.clone()),
        ..settings
    };
    (dir, path, settings)
}

/// Opens the add-server form and submits `url` under `name`.
async fn add_server(harness: &Harness, name: &str, url: &str) {
    harness.press("1");
    harness.press("n");
    harness
        .wait_for("Add a server by issuer URL or MCP server URL")
        .await;
    harness.type_text(name);
    harness.press("tab");
    for _ in 0.."https://".len() {
        harness.press("backspace");
    }
    harness.type_text(url);
    harness.press("enter");
}

#[tokio::test]
async fn n_adds_an_mcp_server_by_its_url_on_the_authorization_server_it_names() {
    let mock = mock().await;
    let (_dir, path, settings) = saving_to_a_file(settings(&mock));
    let harness = started(Harness::start(settings, 140, 40)).await;
    let server_url = format!("{}/mcp", mock.issuer());
    add_server(&harness, "Demo MCP", &server_url).await;
    harness.wait_for("Demo MCP (MCP)").await;
    // Both URLs, and the authorization server discovered (its capabilities shown).
    let screen = harness
        .wait_until("the authorization server discovered", |screen| {
            screen.contains("✓ Demo MCP (MCP)") && screen.contains("authorize")
        })
        .await;
    assert!(
        screen.contains(&format!("MCP server           {server_url}")),
        "{screen}"
    );
    assert!(
        screen.contains(&format!("authorization server {}", mock.issuer())),
        "{screen}"
    );
    // The MUSTs, each with its verdict: the metadata is this server's, PKCE S256 offered.
    assert!(screen.contains("✓ resource "), "{screen}");
    assert!(screen.contains("✓ authorization_servers"), "{screen}");
    assert!(
        screen.contains("✓ code_challenge_methods_supported"),
        "{screen}"
    );
    harness.finish().await;

    let saved = Profile::load(&path).unwrap();
    let entry = saved.servers.iter().find(|s| s.name == "Demo MCP").unwrap();
    assert_eq!(entry.issuer, mock.issuer());
    assert_eq!(entry.mcp_url.as_deref(), Some(server_url.as_str()));
    mock.shutdown().await;
}

#[tokio::test]
async fn an_issuer_url_is_still_added_as_an_issuer() {
    let mock = mock().await;
    let harness = started(Harness::start(settings(&mock), 140, 40)).await;
    add_server(&harness, "Again", mock.issuer()).await;
    let screen = harness.wait_for("✓ Again").await;
    assert!(!screen.contains("(MCP)"), "{screen}");
    assert!(!screen.contains("MCP server "), "{screen}");
    harness.finish().await;
    mock.shutdown().await;
}

#[tokio::test]
async fn a_url_that_is_neither_an_issuer_nor_an_mcp_server_is_refused_in_words() {
    let mock = mock().await;
    let harness = started(Harness::start(settings(&mock), 140, 40)).await;
    add_server(&harness, "Nothing", &format!("{}/nothing", mock.issuer())).await;
    let screen = harness.wait_for("nor is it an MCP server").await;
    assert!(screen.contains("✗"), "{screen}");
    assert!(!screen.contains("(MCP)"), "{screen}");
    harness.finish().await;
    mock.shutdown().await;
}

/// The app with an MCP server added whose authorization server advertises no PKCE, once
/// its failed check is in view; and that screen.
async fn no_pkce_server_added(mock: &RunningMock) -> (Harness, String) {
    let base = serve_mcp_on_a_server_without_pkce().await;
    let harness = started(Harness::start(settings(mock), 140, 40)).await;
    add_server(&harness, "No PKCE", &format!("{base}/mcp")).await;
    let screen = harness.wait_for("✗ code_challenge_methods_supported").await;
    (harness, screen)
}

#[tokio::test]
async fn an_authorization_server_without_pkce_fails_the_mcp_check_in_view() {
    let mock = mock().await;
    let (harness, screen) = no_pkce_server_added(&mock).await;
    assert!(screen.contains("No PKCE (MCP)"), "{screen}");
    assert!(screen.contains("MCP clients must refuse it"), "{screen}");
    harness.finish().await;
    mock.shutdown().await;
}

/// Adds the mock's demo MCP server by its URL and waits until its authorization server is
/// discovered.
async fn mock_mcp_server_added(harness: &Harness, server_url: &str) {
    add_server(harness, "Demo MCP", server_url).await;
    harness.wait_for("✓ Demo MCP (MCP)").await;
}

/// Sends each step after the sign-in, waiting for it to be done, until the flow completes.
async fn send_until_complete(harness: &Harness, steps: &[&str]) -> String {
    for step in steps {
        harness.press("enter");
        harness.wait_for(&format!("✓ {step}")).await;
    }
    harness.wait_for("flow complete").await
}

/// The MCP flow on the mock's demo server at `width` x `height`, run to its end; returns
/// the finished screen and the client id registered for it.
async fn finished_mcp_flow(mock: &RunningMock, width: u16, height: u16) -> (Harness, String) {
    let harness = started(Harness::start(settings(mock), width, height)).await;
    let server_url = format!("{}/mcp", mock.issuer());
    mock_mcp_server_added(&harness, &server_url).await;
    let client_id = register_client(&harness, " mcp").await;
    pick_flow(&harness, 0);
    harness.wait_for("e edits it, enter sends it").await;
    sign_in_as_alice(&harness).await;
    send_until_complete(
        &harness,
        &[
            "6 Exchange the code for tokens",
            "7 Verify the tokens",
            "8 Initialize with the token",
            "9 List the tools",
        ],
    )
    .await;
    (harness, client_id)
}

/// The screen with what changes from run to run blanked, each in its own width: the
/// mock's port and the client id, the random jti and code, and the digits of the lines
/// with clock times or durations (the exchange rows carry the listener's port too).
fn steady(screen: &str, mock: &RunningMock, client_id: &str) -> String {
    let port = mock.issuer().rsplit(':').next().unwrap_or_default();
    let mut text = screen
        .replace(client_id, &"c".repeat(client_id.len()))
        .replace(port, &"p".repeat(port.len()));
    // The random claims, each a name, its column's spaces and a quoted value.
    let quoted = |line: &str, name: &str| {
        let rest = line.split_once(&format!(" {name} "))?.1;
        rest.trim_start().strip_prefix('"').map(|_| ())
    };
    text = text
        .lines()
        .map(|line| {
            if ["jti", "at_hash", "nonce"]
                .iter()
                .any(|n| quoted(line, n).is_some())
            {
                let (head, value) = line.split_once('"').unwrap_or((line, ""));
                let (value, tail) = value.split_once('"').unwrap_or((value, ""));
                format!("{head}\"{}\"{tail}\n", "r".repeat(value.chars().count()))
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    for (marker, end) in [("code=", '…')] {
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(at) = rest.find(marker) {
            let (before, after) = rest.split_at(at + marker.len());
            out.push_str(before);
            let cut = after.find([end, ' ', '&']).unwrap_or(after.len());
            out.push_str(&"r".repeat(after[..cut].chars().count()));
            rest = &after[cut..];
        }
        out.push_str(rest);
        text = out;
    }
    let mut out = String::new();
    for line in text.lines() {
        let clocked = [" UTC ", " ms ", " ago)"].iter().any(|m| line.contains(m));
        if clocked {
            let mut zeroed: String = line
                .chars()
                .map(|c| if c.is_ascii_digit() { '0' } else { c })
                .collect();
            // Durations are right-aligned: 13 ms and 2 ms take the same room.
            for (long, short) in [(" 000 ms", "   0 ms"), (" 00 ms", "  0 ms")] {
                zeroed = zeroed.replace(long, short);
            }
            out.push_str(&zeroed);
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

#[tokio::test]
async fn the_finished_mcp_flow_at_80x24_and_120x35() {
    let mock = mock().await;
    for (width, height) in [(80, 24), (120, 35)] {
        let (harness, client_id) = finished_mcp_flow(&mock, width, height).await;
        let screen = steady(&harness.screen(), &mock, &client_id);
        insta::assert_snapshot!(format!("finished_mcp_flow_{width}x{height}"), screen);
        harness.finish().await;
    }
    mock.shutdown().await;
}

#[tokio::test]
async fn the_mcp_flow_runs_to_tools_list_in_the_flow_pane() {
    let mock = mock().await;
    let (harness, _) = finished_mcp_flow(&mock, 140, 75).await;
    let screen = harness.screen();
    assert!(screen.contains("3 MCP authorization"), "{screen}");
    assert!(screen.contains("tools whoami"), "{screen}");
    // The token was asked for this server (RFC 8707), with the scope its challenge named.
    assert!(
        screen.contains(&format!("aud        \"{}/mcp\"", mock.issuer())),
        "{screen}"
    );
    assert!(screen.contains("scope      \"mcp:tools\""), "{screen}");
    // The authorization request carried the resource: select its step and read it.
    for _ in 0..4 {
        harness.press("k");
    }
    let screen = harness.wait_for("Request  GET").await;
    assert!(
        screen.contains(&format!("resource               {}/mcp", mock.issuer())),
        "{screen}"
    );
    harness.finish().await;
    mock.shutdown().await;
}

/// The app with a saved MCP server on the fixed-address mock, selected in Servers.
fn app_with_an_mcp_server() -> App {
    let issuer = "http://127.0.0.1:9000";
    let (mut app, _results) = App::new(Settings {
        built_in: Some((issuer.into(), Vec::new())),
        profile: Profile {
            theme: None,
            servers: vec![ServerProfile {
                name: "Demo MCP".into(),
                issuer: issuer.into(),
                mcp_url: Some(format!("{issuer}/mcp")),
                ..ServerProfile::default()
            }],
        },
        fixed_now: Some(fixed_now()),
        ..Settings::in_memory()
    });
    app.update(Action::Run(Command::FocusServers));
    app.update(Action::Run(Command::Down));
    app
}

#[test]
fn an_mcp_server_entry_at_80x24() {
    insta::assert_snapshot!(draw(&mut app_with_an_mcp_server(), 80, 24));
}

#[test]
fn an_mcp_server_entry_at_120x35() {
    insta::assert_snapshot!(draw(&mut app_with_an_mcp_server(), 120, 35));
}

/// `M` in Servers adds the built-in mock's demo MCP server and selects it, discovered.
async fn demo_mcp_added(harness: &Harness) {
    harness.press("1");
    harness.press("M");
    harness.wait_for("✓ Mock MCP server (MCP)").await;
}

/// Picks MCP authorization and waits for its discovery and registration to come back.
async fn mcp_flow_prepared(harness: &Harness) -> String {
    pick_flow(harness, 0);
    harness
        .wait_for("found and registered: read the request")
        .await
}

/// From the browser step of a prepared MCP flow: signs in as alice and sends each step
/// after it up to tools/list.
async fn signed_in_to_tools_list(harness: &Harness) {
    sign_in_as_alice(harness).await;
    send_until_complete(
        harness,
        &[
            "6 Exchange the code for tokens",
            "7 Verify the tokens",
            "8 Initialize with the token",
            "9 List the tools",
        ],
    )
    .await;
}

/// The client the flows run as, which the header names after the server's URL.
fn header_client(screen: &str) -> String {
    let header = screen.lines().next().unwrap_or_default();
    header
        .rsplit(" · ")
        .next()
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the header names the client")
        .to_string()
}

#[tokio::test]
async fn m_runs_the_mocks_mcp_flow_with_its_discovery_as_steps_then_registers_and_reuses() {
    let mock = mock().await;
    let harness = started(Harness::start(settings(&mock), 140, 45)).await;
    demo_mcp_added(&harness).await;
    // No client on the new entry: the server's dynamic registration is chosen, visibly.
    let screen = mcp_flow_prepared(&harness).await;
    for step in [
        "✓ 1 Call the MCP server without a token",
        "✓ 2 Fetch the protected resource metadata",
        "✓ 3 Fetch the authorization server metadata",
        "✓ 4 Register the client",
        "▶ 5 Send the user to the authorization endpoint",
    ] {
        assert!(screen.contains(step), "{step} in {screen}");
    }
    // Each step before the code flow with what it found and checked.
    harness.press("k");
    let screen = harness.wait_for("RFC 7591").await;
    assert!(
        screen.contains(&format!("Sent     POST {}/register", mock.issuer())),
        "{screen}"
    );
    assert!(
        screen.contains("kept in the profile for the next run"),
        "{screen}"
    );
    let first_id = header_client(&screen);
    assert!(
        screen.contains(&first_id),
        "the note names {first_id}: {screen}"
    );
    harness.press("k");
    let screen = harness.wait_for("✓ code_challenge_methods_supported").await;
    assert!(screen.contains("· tried "), "{screen}");
    harness.press("k");
    let screen = harness.wait_for("✓ authorization_servers").await;
    assert!(screen.contains("✓ resource "), "{screen}");
    assert!(
        screen.contains("/.well-known/oauth-protected-resource/mcp"),
        "{screen}"
    );
    harness.press("k");
    let screen = harness.wait_for("challenge resource_metadata=").await;
    assert!(screen.contains("challenge scope=mcp:tools"), "{screen}");
    assert!(screen.contains("401"), "{screen}");
    // The flow goes on to tools/list as the client it registered.
    for _ in 0..4 {
        harness.press("j");
    }
    signed_in_to_tools_list(&harness).await;

    // T calls a listed tool; its answer (the token's claims) shows on the call's step.
    harness.press("T");
    harness.wait_for("Call an MCP tool").await;
    harness.press("enter");
    harness.press("enter");
    let screen = harness
        .wait_for("tools/call whoami: read the request")
        .await;
    assert!(screen.contains("▶ 10 Call the tool"), "{screen}");
    harness.press("enter");
    let screen = harness.wait_for("whoami answered").await;
    assert!(screen.contains("✓ 10 Call the tool"), "{screen}");
    assert!(
        screen.contains(&format!("{}/mcp", mock.issuer())),
        "{screen}"
    );

    // The next run reuses the client registered: nothing is sent to register another.
    let screen = mcp_flow_prepared(&harness).await;
    assert!(screen.contains("✓ 4 Register the client"), "{screen}");
    for _ in 0..4 {
        harness.press("k");
    }
    harness.press("j");
    harness.press("j");
    harness.press("j");
    let screen = harness.wait_for("on an earlier run is reused").await;
    assert_eq!(header_client(&screen), first_id, "{screen}");
    assert!(
        screen.contains(&first_id),
        "the note names {first_id}: {screen}"
    );
    assert!(!screen.contains("Sent     POST"), "{screen}");
    harness.finish().await;
    mock.shutdown().await;
}

#[tokio::test]
async fn with_dpop_on_the_mcp_flow_binds_its_token_and_proves_the_key_on_each_call() {
    let mock = mock().await;
    let harness = started(Harness::start(settings(&mock), 160, 60)).await;
    demo_mcp_added(&harness).await;
    harness.press("3");
    harness.press("D");
    harness.wait_for("DPoP on").await;
    mcp_flow_prepared(&harness).await;
    signed_in_to_tools_list(&harness).await;
    // The token step: bound to the key, the binding checked.
    for _ in 0..3 {
        harness.press("k");
    }
    let screen = harness.wait_for("DPoP binding (key").await;
    assert!(screen.contains("✓ token_type"), "{screen}");
    assert!(screen.contains("✓ cnf.jkt"), "{screen}");
    // tools/list: the token with the DPoP scheme, and the call's own proof, hashing it.
    for _ in 0..3 {
        harness.press("j");
    }
    let screen = harness.wait_for("ath").await;
    for shown in [
        "DPoP proof",
        "dpop+jwt",
        "htu",
        format!("{}/mcp", mock.issuer()).as_str(),
    ] {
        assert!(screen.contains(shown), "{shown} missing:\n{screen}");
    }
    harness.finish().await;
    mock.shutdown().await;
}

/// The app with the mock's demo MCP server saved, with demo-public as its client.
fn settings_with_demo_public(mock: &RunningMock) -> Settings {
    Settings {
        profile: Profile {
            theme: None,
            servers: vec![ServerProfile {
                name: "Narrow MCP".into(),
                issuer: mock.issuer().into(),
                mcp_url: Some(format!("{}/mcp", mock.issuer())),
                clients: vec![ClientProfile {
                    client_id: "demo-public".into(),
                    auth_method: "none".into(),
                    ..ClientProfile::default()
                }],
                ..ServerProfile::default()
            }],
        },
        ..settings(mock)
    }
}

#[tokio::test]
async fn a_403_insufficient_scope_steps_up_visibly_and_the_call_goes_again() {
    let mock = mock().await;
    let harness = started(Harness::start(settings_with_demo_public(&mock), 140, 45)).await;
    harness.press("1");
    harness.press("j");
    harness.press("enter");
    harness.wait_for("✓ Narrow MCP (MCP)").await;
    let screen = mcp_flow_prepared(&harness).await;
    assert!(
        screen.contains("scope                  mcp:tools"),
        "{screen}"
    );
    // Asking for less than the challenge names: the server refuses the calls.
    harness.press("e");
    harness.wait_for("Edit the request").await;
    harness.press("enter");
    harness.type_text("scope = openid");
    harness.press("ctrl-s");
    let screen = harness.wait_for("request changed").await;
    assert!(screen.contains("scope                  openid"), "{screen}");
    sign_in_as_alice(&harness).await;
    harness.press("enter");
    harness.wait_for("✓ 6 Exchange the code for tokens").await;
    harness.press("enter");
    harness.wait_for("✓ 7 Verify the tokens").await;
    // initialize is refused for want of mcp:tools: the flow steps up, with its reason.
    harness.press("enter");
    let screen = harness
        .wait_for("Initialize with the token: refused, the token needs more scope")
        .await;
    assert!(
        screen.contains("✓ 9  Step up the authorization"),
        "{screen}"
    );
    assert!(
        screen.contains("▶ 10 Send the user to the authorization endpoint"),
        "{screen}"
    );
    harness.press("k");
    let screen = harness.wait_for("step-up 1 of 2").await;
    assert!(
        screen.contains("step-up 1 of 2: the server needs scope \"mcp:tools\""),
        "{screen}"
    );
    harness.press("j");
    let screen = harness
        .wait_for("scope                  openid mcp:tools")
        .await;
    assert!(screen.contains("resource "), "{screen}");
    sign_in_as_alice(&harness).await;
    send_until_complete(
        &harness,
        &[
            "11 Exchange the code for tokens",
            "12 Verify the tokens",
            "13 Initialize with the token",
            "14 List the tools",
        ],
    )
    .await;
    let screen = harness.screen();
    assert!(screen.contains("tools whoami"), "{screen}");
    harness.finish().await;
    mock.shutdown().await;
}

#[test]
fn v_chooses_the_mcp_revision_of_the_selected_mcp_server_newest_first() {
    let mut app = app_with_an_mcp_server();
    let screen = draw(&mut app, 120, 35);
    assert!(
        screen.contains("MCP revision         2026-07-28"),
        "{screen}"
    );
    for expected in ["2025-06-18", "2025-11-25", "2026-07-28"] {
        app.update(Action::Run(Command::NextMcpRevision));
        let screen = draw(&mut app, 120, 35);
        assert!(
            screen.contains(&format!("MCP revision         {expected}")),
            "{screen}"
        );
    }
}

#[tokio::test]
async fn the_mcp_flows_discovery_steps_and_diagram_at_80x24_and_120x35() {
    let mock = mock().await;
    for (width, height) in [(80, 24), (120, 35)] {
        let harness = started(Harness::start(settings(&mock), width, height)).await;
        demo_mcp_added(&harness).await;
        let screen = mcp_flow_prepared(&harness).await;
        // The client registered on the way is the one the header names now.
        let client_id = header_client(&screen);
        // The protected resource metadata's step: its checks and the URL it tried.
        for _ in 0..3 {
            harness.press("k");
        }
        let screen_of_step = harness.wait_for("✓ authorization_servers").await;
        // The response's duration takes as many columns as it has digits: its line goes.
        let shown: Vec<String> = steady(&screen_of_step, &mock, &client_id)
            .lines()
            .filter(|line| !line.contains("Response "))
            .map(str::to_string)
            .collect();
        insta::assert_snapshot!(
            format!("mcp_resource_metadata_step_{width}x{height}"),
            shown.join("\n")
        );
        harness.press("d");
        let diagram = harness.wait_for("POST /mcp initialize").await;
        insta::assert_snapshot!(
            format!("mcp_discovery_diagram_{width}x{height}"),
            steady(&diagram, &mock, &client_id)
        );
        harness.finish().await;
    }
    mock.shutdown().await;
}

#[tokio::test]
async fn an_mcp_flow_on_a_server_without_pkce_stops_at_its_check_in_view() {
    let mock = mock().await;
    let (harness, _) = no_pkce_server_added(&mock).await;
    pick_flow(&harness, 0);
    let screen = harness.wait_for("the MCP flow stopped").await;
    assert!(
        screen.contains("✓ 2 Fetch the protected resource metadata"),
        "{screen}"
    );
    assert!(
        screen.contains("✗ 3 Fetch the authorization server metadata"),
        "{screen}"
    );
    assert!(!screen.contains("4 Register the client"), "{screen}");
    assert!(
        screen.contains("✗ code_challenge_methods_supported"),
        "{screen}"
    );
    // Nothing to send: enter says so, and the steps stay as they are.
    harness.press("enter");
    harness.wait_for("this flow failed; n starts another").await;
    harness.finish().await;
    mock.shutdown().await;
}

/// A Client ID Metadata Document served on 127.0.0.1; returns its URL, the client id.
async fn serve_client_metadata() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/client.json", listener.local_addr().unwrap());
    let document = json!({
        "client_id": url,
        "client_name": "oauthscope by its metadata document",
        "redirect_uris": ["http://127.0.0.1/callback"],
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
    });
    let router = Router::new().route("/client.json", serves_json(document));
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

#[tokio::test]
async fn a_client_id_that_is_a_url_is_offered_as_its_metadata_document() {
    let mock = oauthscope::mock::MockServer::start(oauthscope::mock::MockConfig {
        allow_loopback_cimd: true,
        ..oauthscope::mock::MockConfig::demo()
    })
    .await
    .unwrap();
    let client_id = serve_client_metadata().await;
    let settings = Settings {
        profile: Profile {
            theme: None,
            servers: vec![ServerProfile {
                name: "CIMD MCP".into(),
                issuer: mock.issuer().into(),
                mcp_url: Some(format!("{}/mcp", mock.issuer())),
                clients: vec![ClientProfile {
                    client_id: client_id.clone(),
                    auth_method: "none".into(),
                    ..ClientProfile::default()
                }],
                ..ServerProfile::default()
            }],
        },
        ..settings(&mock)
    };
    let harness = started(Harness::start(settings, 140, 45)).await;
    harness.press("1");
    harness.press("j");
    harness.press("enter");
    harness.wait_for("✓ CIMD MCP (MCP)").await;
    mcp_flow_prepared(&harness).await;
    harness.press("k");
    let screen = harness.wait_for("✓ client_id_metadata_url").await;
    assert!(
        screen.contains("advertises client_id_metadata_document_supported"),
        "{screen}"
    );
    // Nothing registered: the document's URL is the client id.
    assert!(!screen.contains("Sent     POST"), "{screen}");
    harness.press("j");
    signed_in_to_tools_list(&harness).await;
    let screen = harness.screen();
    assert!(screen.contains("tools whoami"), "{screen}");
    harness.finish().await;
    mock.shutdown().await;
}

#[tokio::test]
async fn the_revision_chosen_is_kept_in_the_profile() {
    let mock = mock().await;
    let (_dir, path, settings) = saving_to_a_file(Settings {
        profile: Profile {
            theme: None,
            servers: vec![ServerProfile {
                name: "Demo MCP".into(),
                issuer: mock.issuer().into(),
                mcp_url: Some(format!("{}/mcp", mock.issuer())),
                ..ServerProfile::default()
            }],
        },
        ..settings(&mock)
    });
    let harness = started(Harness::start(settings, 120, 35)).await;
    harness.press("1");
    harness.press("j");
    harness.press("V");
    harness
        .wait_for("the MCP flow follows the 2025-06-18 revision")
        .await;
    harness.finish().await;
    let saved = Profile::load(&path).unwrap();
    let spec = saved.servers[0].mcp_spec.map(|s| s.as_str());
    assert_eq!(spec, Some("2025-06-18"));
    mock.shutdown().await;
}
