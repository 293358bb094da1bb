//! Drawing one frame: the whole screen rendered into a test backend, at 80x24 and 140x40, with
//! a session's worth of exchanges and tokens. The loop only draws after a change, so this is
//! the cost of a key press or a background result reaching the screen.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use oauthscope::oauth::Exchange;
use oauthscope::profile::ClientProfile;
use oauthscope::tui::action::{Action, Command};
use oauthscope::tui::app::{App, Settings};
use oauthscope::tui::model::TokenKind;
use oauthscope::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn app() -> App {
    let client = ClientProfile {
        client_id: "demo-public".into(),
        auth_method: "none".into(),
        ..ClientProfile::default()
    };
    let (mut app, _rx) = App::new(Settings {
        built_in: Some(("http://127.0.0.1:9000".into(), vec![client])),
        ..Settings::in_memory()
    });
    for i in 0..200 {
        let mut exchange = Exchange::new("POST", "http://127.0.0.1:9000/token");
        exchange.status = Some(if i % 7 == 0 { 400 } else { 200 });
        exchange.duration = Duration::from_millis(i % 50);
        exchange.request_body = Some(format!("grant_type=client_credentials&n={i}"));
        exchange.response_body =
            Some(r#"{"access_token":"abc","token_type":"Bearer","expires_in":300}"#.into());
        app.record(exchange);
    }
    for _ in 0..20 {
        app.add_token(
            TokenKind::Access,
            "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiYXQrand0In0.eyJpc3MiOiJodHRwOi8vMTI3LjAuMC4xOjkwMDAiLCJzdWIiOiJhbGljZSIsImF1ZCI6ImRlbW8tcHVibGljIiwiZXhwIjoxNzk1NjE1NTgzLCJpYXQiOjE3OTU2MTUyODMsInNjb3BlIjoib3BlbmlkIHByb2ZpbGUifQ.c2lnbmF0dXJl".into(),
            "bench",
            None,
        );
    }
    app
}

fn render(c: &mut Criterion) {
    for (width, height, focus) in [
        (80, 24, Command::FocusExchanges),
        (140, 40, Command::FocusExchanges),
        (140, 40, Command::FocusTokens),
    ] {
        let mut app = app();
        app.update(Action::Run(focus));
        app.update(Action::Resize(width, height));
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
        c.bench_function(&format!("frame {width}x{height} {focus:?}"), |b| {
            b.iter(|| {
                terminal
                    .draw(|frame| view::render(&app, frame))
                    .expect("draw");
            })
        });
    }
}

criterion_group!(benches, render);
criterion_main!(benches);
