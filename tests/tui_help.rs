//! The help overlay (`?`) through the real loop: it scrolls one line per j/k and a page per
//! PageDown/PageUp, stops at its end, never shows a section twice, and never splits a
//! section across columns (every column starts with a heading).

mod tui_support;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use oauthscope::tui::app::Settings;
use tui_support::Harness;

const HEADINGS: [&str; 7] = [
    "Everywhere",
    "Servers",
    "Clients",
    "Flow",
    "Exchanges",
    "Tokens",
    "Forms and editors",
];

/// The rows inside the overlay's border (the overlay leaves the header and footer rows).
fn inside(screen: &str) -> Vec<String> {
    let rows: Vec<&str> = screen.lines().collect();
    rows[2..rows.len() - 2]
        .iter()
        .map(|row| row.trim_matches('┃').to_string())
        .collect()
}

/// How often each heading starts a column on screen: at a row's start, or after the gutter.
fn heading_counts(screen: &str) -> Vec<(&'static str, usize)> {
    HEADINGS
        .iter()
        .map(|heading| {
            let count = inside(screen)
                .iter()
                .map(|row| {
                    row.match_indices(heading)
                        .filter(|(at, _)| *at == 0 || row[..*at].ends_with("  "))
                        .filter(|(at, _)| {
                            row[at + heading.len()..].starts_with("  ")
                                || row[at + heading.len()..].trim().is_empty()
                        })
                        .count()
                })
                .sum();
            (*heading, count)
        })
        .collect()
}

fn rows_shown(screen: &str) -> Option<(usize, usize, usize)> {
    let at = screen.find(" rows ")?;
    let text = &screen[at + 6..];
    let (range, rest) = text.split_once(" of ")?;
    let (first, last) = range.split_once('-')?;
    let total: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((first.parse().ok()?, last.parse().ok()?, total.parse().ok()?))
}

fn page_down(harness: &Harness) {
    harness.send(Event::Key(KeyEvent::new(
        KeyCode::PageDown,
        KeyModifiers::NONE,
    )));
}

#[tokio::test]
async fn at_80x24_help_scrolls_by_a_line_stops_at_its_end_and_shows_each_section_once() {
    let harness = Harness::start(Settings::in_memory(), 80, 24);
    harness.wait_for("oauthscope").await;
    harness.press("?");
    let top = harness.wait_for("rows 1-").await;
    let (first, last, total) = rows_shown(&top).expect("a scrollable help says where it is");
    assert_eq!(first, 1);
    let height = last;

    harness.press("j");
    let one_down = harness.wait_for("rows 2-").await;
    assert_eq!(
        inside(&one_down)[0],
        inside(&top)[1],
        "j moves exactly one line"
    );

    // Page by page to the end: each heading at most once on every screen.
    let mut screen = one_down;
    loop {
        for (heading, count) in heading_counts(&screen) {
            assert!(count <= 1, "{heading} shown {count} times:\n{screen}");
        }
        let (first, last, _) = rows_shown(&screen).unwrap();
        if last == total {
            break;
        }
        page_down(&harness);
        let want = format!("rows {}-", (first + height - 1).min(total - height + 1));
        screen = harness.wait_for(&want).await;
    }
    let end = format!("rows {}-{total} of {total}", total - height + 1);
    assert!(screen.contains(&end), "{screen}");

    // Past the end nothing moves: j then k lands one line above the end, not back on it.
    harness.press("j");
    harness.press("k");
    let above = format!("rows {}-{} of {total}", total - height, total - 1);
    harness.wait_for(&above).await;
    page_down(&harness);
    page_down(&harness);
    let screen = harness.wait_for(&end).await;
    insta::assert_snapshot!("help_80x24_end", screen);
    harness.finish().await;
}

#[tokio::test]
async fn at_120x35_every_column_starts_with_a_heading_and_no_section_is_split() {
    let harness = Harness::start(Settings::in_memory(), 120, 35);
    harness.wait_for("oauthscope").await;
    harness.press("?");
    let screen = harness.wait_for("Everywhere").await;
    // No section shows twice; those past the first screen are a scroll away.
    let counts = heading_counts(&screen);
    assert!(counts.iter().all(|(_, n)| *n <= 1), "{counts:?}\n{screen}");
    // The first row of the overlay is the first row of every column: a heading each.
    let first_row = &inside(&screen)[0];
    let columns = HEADINGS.iter().filter(|h| first_row.contains(*h)).count();
    assert!(columns >= 2, "{screen}");
    // Every other column-top is a heading too: a row below the first that starts a column
    // with a binding would be a section cut off from its heading.
    let width = first_row.chars().count();
    let column_starts: Vec<usize> = first_row
        .char_indices()
        .filter(|(at, _)| HEADINGS.iter().any(|h| first_row[*at..].starts_with(h)))
        .map(|(at, _)| first_row[..at].chars().count())
        .collect();
    assert_eq!(column_starts.len(), columns);
    assert!(column_starts.iter().all(|&x| x < width));
    insta::assert_snapshot!("help_120x35", screen);
    harness.press("G");
    let end = harness.wait_for("Forms and editors").await;
    let seen: Vec<_> = heading_counts(&screen)
        .into_iter()
        .zip(heading_counts(&end))
        .filter(|((_, first), (_, last))| first + last == 0)
        .collect();
    assert!(
        seen.is_empty(),
        "sections on neither screen: {seen:?}\n{end}"
    );
    harness.finish().await;
}
