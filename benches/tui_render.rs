//! Drawing one frame: the whole screen rendered into a test backend, with a long session's
//! log (10,000 exchanges of every kind) and some tokens. The loop only draws after a change,
//! so this is the cost of a key press or a background result reaching the screen. The
//! target: under 4 ms per frame on the busiest screen (the wide layout with the exchange
//! log, its details and the lists all on screen).

#[path = "support/session.rs"]
mod session;

use criterion::{Criterion, criterion_group, criterion_main};
use oauthscope::tui::action::{Action, Command};
use oauthscope::tui::app::App;
use oauthscope::tui::model::TokenKind;
use oauthscope::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const EXCHANGES: usize = 10_000;

fn app() -> App {
    let mut app = session::app();
    for n in 0..EXCHANGES {
        app.record(session::exchange(n));
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
    let mut app = app();
    for (width, height, focus, moves) in [
        (80, 24, Command::FocusExchanges, 0),
        (120, 35, Command::FocusExchanges, 0),
        // The selection in the middle of the log: the list scrolls to it.
        (140, 40, Command::FocusExchanges, EXCHANGES / 2),
        (140, 40, Command::FocusTokens, 0),
    ] {
        app.update(Action::Run(focus));
        app.update(Action::Resize(width, height));
        app.update(Action::Run(Command::Bottom));
        for _ in 0..moves {
            app.update(Action::Run(Command::Up));
        }
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
        let name = format!("frame {width}x{height} {focus:?} {EXCHANGES} exchanges");
        c.bench_function(&name, |b| {
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
