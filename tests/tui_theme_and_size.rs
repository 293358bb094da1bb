//! The screen's edges: below the smallest usable size a "terminal too small" message in
//! whole words (or nothing, when not even a word fits), never a panic, down to 0x0; and
//! every theme paints its own background on every cell, so dark-theme text stays readable
//! on a light terminal and the other way round.

use oauthscope::tui::action::{Action, Command};
use oauthscope::tui::app::{App, Settings};
use oauthscope::tui::layout::{MIN_HEIGHT, MIN_WIDTH};
use oauthscope::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

fn draw(app: &mut App, width: u16, height: u16) -> Buffer {
    app.update(Action::Resize(width, height));
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| view::render(app, frame)).unwrap();
    terminal.backend().buffer().clone()
}

fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
                + "\n"
        })
        .collect()
}

#[test]
fn every_size_below_the_minimum_says_so_in_whole_words_or_shows_nothing() {
    let (mut app, _runtime) = App::new(Settings::in_memory());
    let phrases = ["terminal", "too", "small"];
    for width in 0..MIN_WIDTH {
        for height in 0..=MIN_HEIGHT + 2 {
            let shown = text(&draw(&mut app, width, height));
            let words: Vec<&str> = shown.split_whitespace().collect();
            if words.is_empty() {
                // Only where not even "too small" fits.
                assert!(width < 9 || height == 0, "{width}x{height}: blank");
                continue;
            }
            assert!(
                shown.contains("too") && shown.contains("small"),
                "{width}x{height}: {shown}"
            );
            for word in words {
                let whole = phrases.contains(&word)
                    || word.starts_with("(need")
                    || word.starts_with("least")
                    || word == "at"
                    || word == format!("{MIN_WIDTH}x{MIN_HEIGHT})");
                assert!(whole, "{width}x{height}: `{word}` is cut: {shown}");
            }
        }
    }
    // Tall but narrow, and wide but short, are too small as well.
    for (width, height) in [(MIN_WIDTH - 1, 50), (200, MIN_HEIGHT - 1)] {
        let shown = text(&draw(&mut app, width, height));
        assert!(
            shown.contains("terminal too small"),
            "{width}x{height}: {shown}"
        );
    }
}

#[test]
fn at_20x5_the_message_names_the_minimum() {
    let (mut app, _runtime) = App::new(Settings::in_memory());
    let shown = text(&draw(&mut app, 20, 5));
    insta::assert_snapshot!("too_small_20x5", shown);
    assert!(shown.contains("terminal too"), "{shown}");
    assert!(
        shown.contains(&format!("{MIN_WIDTH}x{MIN_HEIGHT}")),
        "{shown}"
    );
}

/// Every cell carries the theme's background, except selected rows (the selection colour).
fn assert_painted(buffer: &Buffer, background: Color, selected: Color, what: &str) {
    let area = buffer.area;
    for y in 0..area.height {
        for x in 0..area.width {
            let bg = buffer[(x, y)].bg;
            assert!(
                bg == background || bg == selected,
                "{what}: cell {x},{y} has background {bg:?}, not {background:?}:\n{}",
                text(buffer)
            );
        }
    }
}

#[test]
fn every_theme_paints_its_background_on_every_cell_of_every_screen() {
    let (mut app, _runtime) = App::new(Settings {
        built_in: Some(("http://127.0.0.1:9".into(), Vec::new())),
        ..Settings::in_memory()
    });
    let themes = app.ui.themes.len();
    for index in 0..themes {
        app.ui.theme_index = index;
        let theme = app.theme();
        let background = theme.base().bg.expect("a theme sets a background");
        assert_ne!(
            background,
            Color::Reset,
            "{} leaves it to the terminal",
            theme.name
        );
        let selected = theme.selected().bg.unwrap_or(background);
        for (width, height) in [(80, 24), (120, 35), (20, 5)] {
            for pane in [
                Command::FocusServers,
                Command::FocusClients,
                Command::FocusFlow,
                Command::FocusExchanges,
                Command::FocusTokens,
            ] {
                app.update(Action::Run(pane));
                let what = format!("{} {width}x{height} {pane:?}", theme.name);
                assert_painted(&draw(&mut app, width, height), background, selected, &what);
            }
            app.update(Action::Run(Command::Help));
            let what = format!("{} {width}x{height} help", theme.name);
            assert_painted(&draw(&mut app, width, height), background, selected, &what);
            app.update(Action::Run(Command::Cancel));
        }
    }
}
