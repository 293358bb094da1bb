//! Every pane drawn with a test backend, at 80x24 (tabs) and 140x40 (all panes), compared
//! with reviewed snapshots. The state is built by hand with a fixed clock and fixed ports, so
//! the screens are reproducible.

mod tui_support;

use std::time::Duration;

use oauthscope::oauth::Exchange;
use oauthscope::oauth::client_auth::{AuthMethod, ClientCredentials};
use oauthscope::oauth::discovery::MetadataSource;
use oauthscope::oauth::flow::{Flow, FlowConfig};
use oauthscope::profile::ClientProfile;
use oauthscope::tui::action::{Action, Command};
use oauthscope::tui::app::{App, Settings};
use oauthscope::tui::model::{ServerState, TokenKind};
use oauthscope::tui::view;
use oauthscope::wire::ServerMetadata;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tui_support::screens::{draw as screen, fixed_now as now};

const ISSUER: &str = "http://127.0.0.1:9000";

fn demo_clients() -> Vec<ClientProfile> {
    vec![
        ClientProfile {
            client_id: "demo-public".into(),
            auth_method: "none".into(),
            ..ClientProfile::default()
        },
        ClientProfile {
            client_id: "demo-confidential".into(),
            client_secret: Some("demo-secret".into()),
            auth_method: "client_secret_basic".into(),
            ..ClientProfile::default()
        },
    ]
}

fn metadata() -> ServerMetadata {
    let e = |path: &str| Some(format!("{ISSUER}{path}"));
    ServerMetadata {
        issuer: ISSUER.into(),
        authorization_endpoint: e("/authorize"),
        token_endpoint: e("/token"),
        jwks_uri: e("/jwks"),
        userinfo_endpoint: e("/userinfo"),
        pushed_authorization_request_endpoint: e("/par"),
        device_authorization_endpoint: e("/device/code"),
        registration_endpoint: e("/register"),
        introspection_endpoint: e("/introspect"),
        revocation_endpoint: e("/revoke"),
        grant_types_supported: ["authorization_code", "refresh_token", "client_credentials"]
            .map(String::from)
            .to_vec(),
        code_challenge_methods_supported: vec!["S256".into()],
        token_endpoint_auth_methods_supported: [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ]
        .map(String::from)
        .to_vec(),
        id_token_signing_alg_values_supported: vec!["RS256".into(), "ES256".into()],
        scopes_supported: ["openid", "profile", "email", "offline_access"]
            .map(String::from)
            .to_vec(),
        ..ServerMetadata::default()
    }
}

fn token_exchange() -> Exchange {
    let mut ex = Exchange::new("POST", format!("{ISSUER}/token"));
    ex.started_at = now() - Duration::from_secs(3);
    ex.request_headers.push((
        "Content-Type".into(),
        "application/x-www-form-urlencoded".into(),
    ));
    ex.request_body = Some(
        "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into(),
    );
    ex.status = Some(200);
    ex.response_headers
        .push(("content-type".into(), "application/json".into()));
    ex.response_body = Some(
        r#"{"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl","token_type":"Bearer","expires_in":300}"#.into(),
    );
    ex.duration = Duration::from_millis(38);
    ex.locate_secrets(&[]);
    ex
}

fn discovery_exchange() -> Exchange {
    let mut ex = Exchange::new(
        "GET",
        format!("{ISSUER}/.well-known/oauth-authorization-server"),
    );
    ex.started_at = now() - Duration::from_secs(60);
    ex.status = Some(200);
    ex.duration = Duration::from_millis(4);
    ex.response_body = Some(serde_json::to_string(&metadata()).unwrap());
    ex
}

/// A client credentials flow with its token request built: deterministic (no random state).
fn client_credentials_flow() -> Flow {
    let client = ClientCredentials::confidential(
        "demo-confidential",
        "demo-secret",
        AuthMethod::ClientSecretBasic,
    );
    let mut config = FlowConfig::new(metadata(), client);
    config.scope = Some("api:read".into());
    Flow::client_credentials(config).unwrap()
}

/// A JWT with fixed claims (its signature is not checked in these screens).
const JWT: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiYXQrand0In0.eyJpc3MiOiJodHRwOi8vMTI3LjAuMC4xOjkwMDAiLCJzdWIiOiJhbGljZSIsImF1ZCI6ImRlbW8tcHVibGljIiwiZXhwIjoxNzk1NjE1NTgzLCJpYXQiOjE3OTU2MTUyODMsInNjb3BlIjoib3BlbmlkIHByb2ZpbGUifQ.c2lnbmF0dXJl";

/// The app as it looks after a code flow on the built-in mock.
fn app() -> App {
    let settings = Settings {
        built_in: Some((ISSUER.into(), demo_clients())),
        fixed_now: Some(now()),
        ..Settings::in_memory()
    };
    let (mut app, _rx) = App::new(settings);
    app.servers[0].discovery = ServerState::Done {
        metadata: Box::new(metadata()),
        sources: Default::default(),
        raw: serde_json::to_string_pretty(&metadata()).unwrap(),
        warnings: vec![],
    };
    app.record(discovery_exchange());
    app.record(token_exchange());
    app.show_flow(client_credentials_flow());
    app.add_token(TokenKind::Access, JWT.into(), "authorization code", None);
    app
}

fn focus(app: &mut App, command: Command) {
    app.update(Action::Run(command));
}

const PANES: [(&str, Command); 5] = [
    ("servers", Command::FocusServers),
    ("clients", Command::FocusClients),
    ("flow", Command::FocusFlow),
    ("exchanges", Command::FocusExchanges),
    ("tokens", Command::FocusTokens),
];

#[test]
fn every_pane_at_80x24() {
    for (name, command) in PANES {
        let mut app = app();
        focus(&mut app, command);
        insta::assert_snapshot!(format!("{name}_80x24"), screen(&mut app, 80, 24));
    }
}

#[test]
fn every_pane_at_140x40() {
    for (name, command) in PANES {
        let mut app = app();
        focus(&mut app, command);
        insta::assert_snapshot!(format!("{name}_140x40"), screen(&mut app, 140, 40));
    }
}

#[test]
fn the_flow_picker_and_help() {
    let (mut app, _rx) = App::new(Settings {
        built_in: Some((ISSUER.into(), demo_clients())),
        fixed_now: Some(now()),
        ..Settings::in_memory()
    });
    insta::assert_snapshot!("picker_100x30", screen(&mut app, 100, 30));
    app.update(Action::Run(Command::Help));
    insta::assert_snapshot!("help_80x24", screen(&mut app, 80, 24));
}

#[test]
fn secrets_are_masked_until_revealed() {
    let mut app = app();
    focus(&mut app, Command::FocusExchanges);
    let masked = screen(&mut app, 140, 40);
    assert!(!masked.contains("SplxlOBeZQQYbYS6WxSbIA"), "{masked}");
    assert!(masked.contains("code=•••••• (22 chars)"), "{masked}");
    app.update(Action::Run(Command::Reveal));
    let shown = screen(&mut app, 140, 40);
    assert!(shown.contains("SplxlOBeZQQYbYS6WxSbIA"), "{shown}");
}

/// The server details after discovery merged both documents and one endpoint was given by
/// hand: every value says where it came from.
#[test]
fn server_details_show_each_members_source() {
    let mut app = app();
    let mut meta = metadata();
    meta.userinfo_endpoint = Some(format!("{ISSUER}/userinfo"));
    meta.id_token_signing_alg_values_supported = vec!["RS256".into()];
    meta.revocation_endpoint = Some("http://127.0.0.1:9100/revoke".into());
    let mut sources: std::collections::BTreeMap<String, MetadataSource> =
        serde_json::to_value(&meta)
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .map(|member| (member.clone(), MetadataSource::Oauth))
            .collect();
    for member in ["userinfo_endpoint", "id_token_signing_alg_values_supported"] {
        sources.insert(member.into(), MetadataSource::OpenidConnect);
    }
    sources.insert("revocation_endpoint".into(), MetadataSource::Manual);
    app.servers[0].discovery = ServerState::Done {
        raw: serde_json::to_string_pretty(&meta).unwrap(),
        metadata: Box::new(meta),
        sources,
        warnings: vec![],
    };
    focus(&mut app, Command::FocusServers);
    let shown = screen(&mut app, 140, 40);
    assert!(
        shown.contains("userinfo     http://127.0.0.1:9000/userinfo  (OpenID Connect)"),
        "{shown}"
    );
    assert!(
        shown.contains("signing      RS256  (OpenID Connect)"),
        "{shown}"
    );
    assert!(
        shown.contains("revoke       http://127.0.0.1:9100/revoke  (by hand)"),
        "{shown}"
    );
    insta::assert_snapshot!("server_sources_140x40", shown);
}

#[test]
fn the_raw_metadata_replaces_the_matrix() {
    let mut app = app();
    focus(&mut app, Command::FocusServers);
    app.update(Action::Run(Command::ToggleRaw));
    let raw = screen(&mut app, 140, 40);
    assert!(
        raw.contains("\"token_endpoint\": \"http://127.0.0.1:9000/token\""),
        "{raw}"
    );
}

#[test]
fn no_color_draws_every_cell_in_the_terminal_colours() {
    let (mut app, _rx) = App::new(Settings {
        built_in: Some((ISSUER.into(), demo_clients())),
        no_color: true,
        fixed_now: Some(now()),
        ..Settings::in_memory()
    });
    app.update(Action::Resize(140, 40));
    let mut terminal = Terminal::new(TestBackend::new(140, 40)).unwrap();
    terminal.draw(|frame| view::render(&app, frame)).unwrap();
    let buffer = terminal.backend().buffer();
    for cell in buffer.content() {
        assert_eq!(cell.fg, ratatui::style::Color::Reset, "{cell:?}");
        assert_eq!(cell.bg, ratatui::style::Color::Reset, "{cell:?}");
    }
    // The selection still shows, by reversing.
    assert!(
        buffer
            .content()
            .iter()
            .any(|c| c.modifier.contains(ratatui::style::Modifier::REVERSED))
    );
}
