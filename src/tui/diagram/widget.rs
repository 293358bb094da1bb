//! The diagram drawn in any rectangle: a row of actor names, then one row per arrow between
//! their lifelines, then the selected arrow in full. One row per arrow keeps labels from
//! ever overlapping; a label longer than its arrow ends in an ellipsis and the bottom line
//! says it whole. Colour is never the only sign: the current arrow is heavy (`═`) with `▶`
//! in the margin, a failed one has `✗`, the selected one `▸`, a hop that is not HTTP from
//! the client (a redirect, a code the user reads) is dashed (`┄`).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::widgets::StatefulWidget;

use super::{Actor, Arrow, Diagram, Line, Mark};
use crate::tui::theme::Theme;
use crate::tui::widgets::ellipsize;

/// What the diagram keeps between frames: the arrow the user selected (`None` follows the
/// flow: the current arrow, else the last) and how far it is scrolled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiagramState {
    pub selected: Option<usize>,
    pub offset: usize,
}

impl DiagramState {
    /// The arrow shown as selected in `diagram`.
    pub fn selected_in(&self, diagram: &Diagram) -> Option<usize> {
        let last = diagram.arrows.len().checked_sub(1)?;
        Some(self.selected.or(diagram.current).unwrap_or(last).min(last))
    }

    /// Scrolls so that `selected` is among the `rows` shown of `len` arrows.
    fn scroll_to(&mut self, selected: Option<usize>, rows: usize, len: usize) {
        if let Some(at) = selected {
            if at < self.offset {
                self.offset = at;
            } else if rows > 0 && at >= self.offset + rows {
                self.offset = at + 1 - rows;
            }
        }
        self.offset = self.offset.min(len.saturating_sub(rows.max(1)));
    }

    /// Moves the selection by `delta` arrows (negative: up), staying inside the diagram.
    pub fn step(&mut self, diagram: &Diagram, delta: isize) {
        if let Some(at) = self.selected_in(diagram) {
            let last = diagram.arrows.len() - 1;
            self.selected = Some(at.saturating_add_signed(delta).min(last));
        }
    }
}

/// The sequence diagram of a flow, for any `Rect`.
pub struct SequenceDiagram<'a> {
    diagram: &'a Diagram,
    theme: &'a Theme,
    /// Whether enter opens the selected arrow's exchange where the diagram is shown, so
    /// the bottom line says so.
    opens_exchanges: bool,
}

impl<'a> SequenceDiagram<'a> {
    pub fn new(diagram: &'a Diagram, theme: &'a Theme) -> Self {
        SequenceDiagram {
            diagram,
            theme,
            opens_exchanges: true,
        }
    }

    /// For a screen where enter does something else (the workshop's next step).
    pub fn without_exchanges(self) -> Self {
        SequenceDiagram {
            opens_exchanges: false,
            ..self
        }
    }
}

/// The margin left of the first lifeline: the selection and state glyphs.
const GUTTER: u16 = 2;

impl StatefulWidget for SequenceDiagram<'_> {
    type State = DiagramState;

    fn render(self, area: Rect, buf: &mut Buffer, state: &mut DiagramState) {
        let theme = self.theme;
        let detail_rows = u16::from(area.height >= 4);
        let rows = usize::from(area.height.saturating_sub(1 + detail_rows));
        let arrows = &self.diagram.arrows;
        let selected = state.selected_in(self.diagram);
        state.scroll_to(selected, rows, arrows.len());
        if area.width <= GUTTER + 4 || area.height == 0 {
            return;
        }
        let columns = self.columns(area);
        for (x, actor) in columns.iter().zip(&self.diagram.actors) {
            let slot = usize::from(self.slot(area)).saturating_sub(1);
            let name = ellipsize(self.diagram.cast.name(*actor), slot);
            let half = u16::try_from(name.chars().count() / 2).unwrap_or(0);
            let at = x.saturating_sub(half).max(area.x + GUTTER);
            buf.set_stringn(at, area.y, &name, slot, theme.title());
        }
        if arrows.is_empty() {
            if rows > 0 {
                let hint = "No messages yet: enter sends the first request.";
                let width = usize::from(area.width - GUTTER);
                buf.set_stringn(area.x + GUTTER, area.y + 1, hint, width, theme.hint());
            }
            return;
        }
        for row in 0..rows {
            let y = area.y + 1 + u16::try_from(row).unwrap_or(u16::MAX);
            for x in &columns {
                buf.set_string(*x, y, "│", theme.hint());
            }
            let index = state.offset + row;
            if let Some(arrow) = arrows.get(index) {
                self.arrow_row(buf, area.x, y, &columns, arrow, index, selected);
            }
        }
        if detail_rows == 1
            && let Some(arrow) = selected.and_then(|s| arrows.get(s))
        {
            // A failure's reason says the answer and why; else the label whole.
            let mut text = match &arrow.mark {
                Mark::Failed(reason) => format!("✗ {reason}"),
                _ => format!("▸ {}", arrow.label),
            };
            if self.opens_exchanges && arrow.exchange.is_some() {
                text.push_str("  · enter opens the exchange");
            }
            let y = area.y + area.height - 1;
            let width = usize::from(area.width);
            buf.set_stringn(area.x, y, ellipsize(&text, width), width, theme.hint());
        }
    }
}

impl SequenceDiagram<'_> {
    fn slot(&self, area: Rect) -> u16 {
        let actors = u16::try_from(self.diagram.actors.len().max(1)).unwrap_or(u16::MAX);
        (area.width - GUTTER) / actors
    }

    /// The x of each actor's lifeline: the first and last as close to the edges as their
    /// names allow, the others evenly between, so the arrows get most of the width.
    fn columns(&self, area: Rect) -> Vec<u16> {
        let actors = &self.diagram.actors;
        let half_name = |actor: Option<&Actor>| {
            let name = actor.map_or(0, |a| self.diagram.cast.name(*a).chars().count());
            u16::try_from(name / 2 + 1)
                .unwrap_or(u16::MAX)
                .min(self.slot(area) / 2)
        };
        let (before, after) = (half_name(actors.first()), half_name(actors.last()));
        let span = (area.width - GUTTER).saturating_sub(before + after);
        let gaps = u16::try_from(actors.len().saturating_sub(1).max(1)).unwrap_or(u16::MAX);
        (0..actors.len())
            .map(|i| {
                let i = u16::try_from(i).unwrap_or(u16::MAX);
                area.x + GUTTER + before + span / gaps * i
            })
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn arrow_row(
        &self,
        buf: &mut Buffer,
        left: u16,
        y: u16,
        columns: &[u16],
        arrow: &Arrow,
        index: usize,
        selected: Option<usize>,
    ) {
        let theme = self.theme;
        let column = |actor| {
            let i = self.diagram.actors.iter().position(|a| *a == actor)?;
            columns.get(i).copied()
        };
        let (Some(from), Some(to)) = (column(arrow.from), column(arrow.to)) else {
            return;
        };
        let current = self.diagram.current == Some(index);
        let failed = matches!(arrow.mark, Mark::Failed(_));
        let style = if failed {
            theme.failure()
        } else if current {
            theme.accent().add_modifier(Modifier::BOLD)
        } else {
            theme.text()
        };
        let is_selected = selected == Some(index);
        if is_selected {
            buf.set_string(left, y, "▸", theme.selected());
        }
        let state = match (failed, current) {
            (true, _) => "✗",
            (_, true) => "▶",
            _ => " ",
        };
        buf.set_string(left + 1, y, state, style);

        let (lo, hi) = (from.min(to), from.max(to));
        if hi <= lo + 2 {
            return;
        }
        let shaft = match (current, arrow.line) {
            (true, _) => "═",
            (_, Line::Hop) => "┄",
            _ => "─",
        };
        let length = usize::from(hi - lo - 1);
        let mut cells: Vec<String> = vec![shaft.to_string(); length];
        if to > from {
            cells[length - 1] = "▶".into();
        } else {
            cells[0] = "◀".into();
        }
        // The label sits in the shaft with a space either side, at least two shaft cells
        // left at each end so the arrow still reads as one.
        let room = length.saturating_sub(6);
        let mut label_at = None;
        if room >= 3 {
            let label = ellipsize(&arrow.label, room);
            let count = label.chars().count();
            let start = (length - count) / 2;
            cells[start - 1] = " ".into();
            cells[start + count] = " ".into();
            for (i, c) in label.chars().enumerate() {
                cells[start + i] = c.to_string();
            }
            label_at = Some((start, count));
        }
        for (i, cell) in cells.iter().enumerate() {
            let x = lo + 1 + u16::try_from(i).unwrap_or(u16::MAX);
            let on_label = label_at.is_some_and(|(s, n)| i >= s && i < s + n);
            let cell_style = if is_selected && on_label {
                theme.selected()
            } else {
                style
            };
            buf.set_string(x, y, cell, cell_style);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::diagram::Cast;

    fn arrow(from: Actor, to: Actor, label: &str, mark: Mark) -> Arrow {
        Arrow {
            from,
            to,
            line: Line::Request,
            label: label.into(),
            mark,
            step: 0,
            exchange: None,
        }
    }

    fn diagram() -> Diagram {
        Diagram {
            cast: Cast::Mcp,
            actors: vec![
                Actor::Browser,
                Actor::Client,
                Actor::AuthorizationServer,
                Actor::ResourceServer,
            ],
            arrows: vec![
                arrow(
                    Actor::Client,
                    Actor::ResourceServer,
                    &"long ".repeat(40),
                    Mark::Done,
                ),
                arrow(
                    Actor::ResourceServer,
                    Actor::Client,
                    "401",
                    Mark::Failed("no".into()),
                ),
                arrow(
                    Actor::Browser,
                    Actor::AuthorizationServer,
                    "GET /authorize",
                    Mark::Planned,
                ),
            ],
            current: Some(2),
        }
    }

    fn render(diagram: &Diagram, width: u16, height: u16, state: &mut DiagramState) -> Buffer {
        let theme = Theme::built_in("dark").unwrap();
        let area = Rect::new(0, 0, width, height);
        let mut buf = Buffer::empty(area);
        SequenceDiagram::new(diagram, &theme).render(area, &mut buf, state);
        buf
    }

    #[test]
    fn any_size_draws_without_panic_and_the_selection_stays_in_view() {
        let diagram = diagram();
        for width in 0..=130 {
            for height in 0..=8 {
                let mut state = DiagramState {
                    selected: Some(99),
                    offset: 50,
                };
                render(&diagram, width, height, &mut state);
                assert!(state.offset < diagram.arrows.len());
            }
        }
    }

    #[test]
    fn glyphs_carry_current_failed_and_selected_without_colour() {
        let diagram = diagram();
        let mut state = DiagramState::default();
        let buf = render(&diagram, 80, 6, &mut state);
        let row = |y: u16| -> String { (0..80).map(|x| buf[(x, y)].symbol()).collect() };
        assert!(
            row(1).contains('…'),
            "a long label ends in an ellipsis: {}",
            row(1)
        );
        assert!(row(2).starts_with(" ✗"), "{}", row(2));
        assert!(row(3).starts_with("▸▶"), "{}", row(3));
        assert!(row(3).contains('═'), "{}", row(3));
        state.step(&diagram, -1);
        assert_eq!(state.selected, Some(1));
        state.step(&diagram, -5);
        assert_eq!(state.selected, Some(0));
    }
}
