//! Peak memory of the terminal app with a long session: 10,000 exchanges of every kind go
//! through the same path as in the app (the engine's recording log hands each one to the
//! app's log), then the busiest screens are drawn. Prints the process's peak resident
//! memory (VmHWM) before and after; the target is under 40 MB. Linux only (reads /proc).
//!
//! `cargo bench --bench tui_memory`.

#[path = "support/session.rs"]
mod session;

use oauthscope::oauth::http::ExchangeLog;
use oauthscope::tui::action::{Action, Command};
use oauthscope::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const EXCHANGES: usize = 10_000;

/// A line of /proc/self/status, in kB.
fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("memory: bench");
        return;
    }
    let before = status_kb("VmHWM:");
    let mut app = session::app();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let engine_log = ExchangeLog::with_listener(tx);
    for n in 0..EXCHANGES {
        engine_log.record(session::exchange(n));
        while let Ok(exchange) = rx.try_recv() {
            app.record(exchange);
        }
    }
    for (width, height, focus) in [
        (80, 24, Command::FocusExchanges),
        (140, 40, Command::FocusExchanges),
        (140, 40, Command::FocusTokens),
    ] {
        app.update(Action::Run(focus));
        app.update(Action::Resize(width, height));
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
        for _ in 0..10 {
            app.update(Action::Run(Command::Up));
            terminal
                .draw(|frame| view::render(&app, frame))
                .expect("draw");
        }
    }
    let after = status_kb("VmHWM:");
    match (before, after) {
        (Some(before), Some(after)) => println!(
            "peak resident memory: {before} kB at start, {after} kB with {EXCHANGES} exchanges in the log, after drawing"
        ),
        _ => println!("peak resident memory: /proc/self/status is not readable here"),
    }
    // Held once: the app's log has them all, the engine's log none.
    assert_eq!(app.exchanges.entries.len(), EXCHANGES);
    assert!(engine_log.is_empty());
}
