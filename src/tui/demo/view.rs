//! The demo's screen, for a projector: a title bar, the flow's steps on the left (the
//! [`picture`]), the current step's explanation and what it did on the right, and the
//! presenter's keys at the bottom. Drawn in the workshop theme; a pure function of the demo.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::tui::diagram::{DiagramState, SequenceDiagram};
use crate::tui::layout::wrap_indented;

use super::script::{Act, Scene};
use super::{Demo, Showing};
use crate::tui::theme::Theme;
use crate::tui::widgets;

/// Below this the screen says so instead of drawing a layout that cannot fit.
const MIN_WIDTH: u16 = 60;
const MIN_HEIGHT: u16 = 16;

pub fn render(demo: &Demo, frame: &mut Frame) {
    let theme = &demo.theme;
    let area = frame.area();
    frame.render_widget(Block::default().style(theme.base()), area);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "The demo needs at least {MIN_WIDTH}x{MIN_HEIGHT}; this terminal is {}x{}. q quits.",
            area.width, area.height
        );
        frame.render_widget(
            Paragraph::new(text)
                .style(theme.text())
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let Areas {
        top,
        left,
        right,
        bottom,
    } = areas(area);
    title_bar(demo, frame, top, theme);
    picture(frame, left, demo, theme);
    explanation(demo, frame, right, theme);
    footer(demo, frame, bottom, theme);
}

/// Where the parts of the screen go.
pub struct Areas {
    pub top: Rect,
    pub left: Rect,
    pub right: Rect,
    pub bottom: Rect,
}

pub fn areas(area: Rect) -> Areas {
    let [top, body, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    // The diagram needs room for its columns; on a projector's 100 columns it gets half,
    // on a smaller terminal the explanation keeps more, so its text does not scroll.
    let left = if body.width >= 100 {
        body.width / 2
    } else {
        body.width * 2 / 5
    };
    let left = left.clamp(28, 64);
    let [left, right] =
        Layout::horizontal([Constraint::Length(left), Constraint::Min(1)]).areas(body);
    Areas {
        top,
        left,
        right,
        bottom,
    }
}

/// The explanation panel's inside at `size`: its text width and how many rows show.
pub fn panel_inside(size: Rect) -> (usize, usize) {
    let right = areas(size).right;
    (
        usize::from(right.width.saturating_sub(2)),
        usize::from(right.height.saturating_sub(2)),
    )
}

fn title_bar(demo: &Demo, frame: &mut Frame, area: Rect, theme: &Theme) {
    let played = demo.scenes().len();
    let total = demo.acts().len();
    let place = match (demo.busy(), demo.showing()) {
        (Some(_), _) => format!("step {} of {total}", played + 1),
        (None, Showing::Intro) => format!("{total} steps"),
        (None, Showing::Step(i)) => format!("step {} of {total}", i + 1),
        (None, Showing::Summary) => "summary".to_string(),
    };
    let title = format!(" oauthscope demo · {}", demo.flow.title());
    let room = usize::from(area.width).saturating_sub(place.chars().count() + 2);
    let title = widgets::ellipsize(&title, room);
    let gap =
        usize::from(area.width).saturating_sub(title.chars().count() + place.chars().count() + 1);
    let bar = theme.selected().add_modifier(Modifier::BOLD);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(title, bar),
            Span::styled(" ".repeat(gap), bar),
            Span::styled(format!("{place} "), bar),
        ])),
        area,
    );
}

/// The left column: the sequence diagram of the run as it stood after the step on screen
/// (the last one played while the next is under way or on the summary), its last arrow
/// highlighted. Before the first step, a line says what will appear there.
pub fn picture(frame: &mut Frame, area: Rect, demo: &Demo, theme: &Theme) {
    let shown = match (demo.busy(), demo.showing()) {
        (None, Showing::Step(i)) => demo.scenes().get(i),
        (_, Showing::Intro) if demo.busy().is_none() => None,
        _ => demo.scenes().last(),
    };
    let block = widgets::block(" Sequence ", true, theme).style(theme.base());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    match shown.and_then(|scene| scene.diagram.as_deref()) {
        Some(diagram) => {
            let mut state = DiagramState::default();
            frame.render_stateful_widget(
                SequenceDiagram::new(diagram, theme).without_exchanges(),
                inner,
                &mut state,
            );
        }
        None => frame.render_widget(
            Paragraph::new("Each request and redirect appears here as an arrow as the steps play.")
                .style(theme.hint())
                .wrap(Wrap { trim: true }),
            inner,
        ),
    }
}

/// A paragraph of the panel: its text, the indent of its first row and of the rows after.
struct Para {
    text: String,
    first: &'static str,
    rest: &'static str,
    style: Style,
}

fn para(text: impl Into<String>, style: Style) -> Para {
    Para {
        text: text.into(),
        first: "",
        rest: "",
        style,
    }
}

/// An item under a heading, its continuation rows under its text.
fn item(text: impl Into<String>, style: Style) -> Para {
    Para {
        text: text.into(),
        first: "  ",
        rest: "    ",
        style,
    }
}

fn blank() -> Para {
    para("", Style::default())
}

fn heading(text: &str, theme: &Theme) -> Para {
    para(text, theme.title().add_modifier(Modifier::BOLD))
}

/// The panel's title and rows at `width`, wrapped here (not by the paragraph widget) so the
/// demo knows how far they scroll.
pub fn panel(demo: &Demo, width: usize) -> (String, Vec<Line<'static>>) {
    let theme = &demo.theme;
    let (title, paras) = match (demo.busy(), demo.showing()) {
        (Some(act), _) => (act.title().to_string(), busy_paras(act, theme)),
        (None, Showing::Intro) => (demo.flow.title().to_string(), intro_paras(demo, theme)),
        (None, Showing::Step(i)) => match demo.scenes().get(i) {
            Some(scene) => {
                let mut paras = Vec::new();
                if demo.revisiting() {
                    paras.push(para(
                        "Shown again: nothing is undone on the server.",
                        theme.waiting(),
                    ));
                }
                paras.extend(scene_paras(scene, theme));
                (scene.act.title().to_string(), paras)
            }
            None => (String::new(), Vec::new()),
        },
        (None, Showing::Summary) => ("Summary".to_string(), summary_paras(demo, theme)),
    };
    let mut lines = Vec::new();
    for p in paras {
        if p.text.is_empty() {
            lines.push(Line::default());
            continue;
        }
        lines.extend(
            wrap_indented(&p.text, p.first, p.rest, width)
                .into_iter()
                .map(|row| Line::styled(row, p.style)),
        );
    }
    (title, lines)
}

fn explanation(demo: &Demo, frame: &mut Frame, area: Rect, theme: &Theme) {
    let width = usize::from(area.width.saturating_sub(2));
    let height = usize::from(area.height.saturating_sub(2));
    let (title, lines) = panel(demo, width);
    let scroll = demo.scroll().min(lines.len().saturating_sub(height));
    let mut block = widgets::block(
        Line::styled(
            format!(" {title} "),
            theme.title().add_modifier(Modifier::BOLD),
        ),
        true,
        theme,
    )
    .style(theme.base());
    if lines.len() > height {
        let more = if scroll + height < lines.len() {
            " ↓ more · ↑/↓ scroll "
        } else {
            " ↑/↓ scroll "
        };
        block = block.title_bottom(Line::styled(more, theme.hint()));
    }
    let shown: Vec<Line> = lines.into_iter().skip(scroll).take(height).collect();
    frame.render_widget(Paragraph::new(shown).block(block), area);
}

fn intro_paras(demo: &Demo, theme: &Theme) -> Vec<Para> {
    vec![
        para(format!("{}.", demo.flow.about()), theme.text()),
        blank(),
        para(
            "The built-in mock authorization server runs in this process on 127.0.0.1; \
             every step sends real requests to it and shows what came back.",
            theme.text(),
        ),
        blank(),
        para(
            "← shows a step before again; the server keeps what happened since: nothing is \
             undone.",
            theme.text(),
        ),
        blank(),
        para("Press space to start.", theme.accent()),
    ]
}

fn busy_paras(act: Act, theme: &Theme) -> Vec<Para> {
    vec![
        para(act.why(), theme.text()),
        blank(),
        para("… sending", theme.waiting()),
    ]
}

fn scene_paras(scene: &Scene, theme: &Theme) -> Vec<Para> {
    let mut paras = vec![para(scene.act.why(), theme.text())];
    let mut section = |title: &str, items: Vec<Para>| {
        if !items.is_empty() {
            paras.push(blank());
            paras.push(heading(title, theme));
            paras.extend(items);
        }
    };
    section(
        "Requests",
        scene
            .exchanges
            .iter()
            .map(|e| item(e, theme.text()))
            .collect(),
    );
    section(
        "What happened",
        scene.notes.iter().map(|n| item(n, theme.text())).collect(),
    );
    section(
        "Tokens",
        scene
            .tokens
            .iter()
            .map(|t| item(t, theme.secret()))
            .collect(),
    );
    section(
        "Checks",
        scene
            .checks
            .iter()
            .map(|c| {
                let (mark, style) = if c.passed {
                    ("✓", theme.success())
                } else {
                    ("✗", theme.failure())
                };
                item(format!("{mark} {}", c.what), style)
            })
            .collect(),
    );
    if let Some(reason) = &scene.broken {
        paras.push(blank());
        paras.push(para(
            format!("✗ This step did not go as the demo shows: {reason}"),
            theme.failure(),
        ));
    }
    paras
}

fn summary_paras(demo: &Demo, theme: &Theme) -> Vec<Para> {
    let scenes = demo.scenes();
    let checks = scenes.iter().flat_map(|s| &s.checks);
    let passed = checks.clone().filter(|c| c.passed).count();
    let failed: Vec<&str> = checks
        .filter(|c| !c.passed)
        .map(|c| c.what.as_str())
        .collect();
    let mut paras = vec![
        para(
            format!(
                "{} of {} steps played · {} requests sent",
                scenes.len(),
                demo.acts().len(),
                demo.requests_sent()
            ),
            theme.text(),
        ),
        para(
            format!("{passed} checks passed · {} failed", failed.len()),
            theme.text(),
        ),
        blank(),
        heading("Tokens obtained", theme),
    ];
    let tokens: Vec<Para> = scenes
        .iter()
        .flat_map(|s| &s.tokens)
        .map(|t| item(t, theme.secret()))
        .collect();
    if tokens.is_empty() {
        paras.push(item("none", theme.hint()));
    }
    paras.extend(tokens);
    if !failed.is_empty() {
        paras.push(blank());
        paras.push(heading("Failed checks: each one a refusal", theme));
        paras.extend(
            failed
                .iter()
                .map(|f| item(format!("✗ {f}"), theme.failure())),
        );
    }
    if let Some(scene) = scenes.iter().find(|s| s.broken.is_some()) {
        paras.push(blank());
        paras.push(para(
            format!(
                "✗ Stopped at \"{}\": {}",
                scene.act.title(),
                scene.broken.as_deref().unwrap_or_default()
            ),
            theme.failure(),
        ));
    }
    paras
}

fn footer(demo: &Demo, frame: &mut Frame, area: Rect, theme: &Theme) {
    let keys: &[(&str, &str)] = match (demo.busy(), demo.showing()) {
        (Some(_), _) => &[("q", "quit")],
        (None, Showing::Summary) => &[("←", "back"), ("q", "quit")],
        (None, Showing::Intro) => &[("space/enter", "start"), ("q", "quit")],
        (None, _) => &[("space/enter", "next"), ("←", "back"), ("q", "quit")],
    };
    let line = widgets::key_hints(keys, theme);
    frame.render_widget(
        Paragraph::new(widgets::fit(line, usize::from(area.width))).style(theme.base()),
        area,
    );
}
