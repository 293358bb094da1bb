//! `x` explains what the focused pane shows: the selected step's request and answer (and, on
//! the verify step, the tokens it checked), the selected exchange, or the selected token.
//! The names come from [`Names`]; their entries are drawn by the explain pane.

use crate::explain::catalogue;
use crate::explain::names::{self, Names};
use crate::oauth::StepKind;
use crate::tui::action::Command;
use crate::tui::layout::Pane;
use crate::tui::model::{Cursor, ExplainList, FlowView, Overlay};

use super::App;

impl App {
    /// The explain overlay on the names of what the focused pane shows: the selected step
    /// (its request, its response, the tokens it checked), exchange, or token.
    pub(super) fn open_explain(&mut self) {
        let mut names = Names::default();
        let mut answer = None;
        let source = match self.ui.focus {
            Pane::Flow => match &self.flow {
                FlowView::Running(run) => run.selected_step().map(|step| {
                    step.request.iter().for_each(|r| names.request(r));
                    step.exchange.iter().for_each(|e| names.exchange(e));
                    answer = step.exchange.as_ref();
                    if step.kind == StepKind::VerifyTokens {
                        let outcome = run.flow.outcome();
                        for token in [&outcome.id_token, &outcome.access_token] {
                            token.iter().for_each(|t| names.token(t));
                        }
                    }
                    step.title.clone()
                }),
                FlowView::Picking(_) => None,
            },
            Pane::Exchanges => self.exchanges.selected().map(|exchange| {
                names.exchange(exchange);
                answer = Some(exchange);
                format!("{} {}", exchange.method, exchange.masked_url())
            }),
            Pane::Tokens => self.tokens.get(self.token_cursor.index).map(|token| {
                token.decoded.iter().for_each(|t| names.token(t));
                format!("{} token", token.kind.label())
            }),
            Pane::Servers | Pane::Clients => None,
        };
        let names = names.into_vec();
        let error = answer
            .and_then(names::error_code)
            .and_then(|code| catalogue().error(&code).into_iter().next());
        match source {
            Some(source) if !names.is_empty() => {
                self.ui.overlay = Some(Overlay::Explain(ExplainList {
                    source,
                    names,
                    cursor: Cursor::default(),
                    error,
                }));
            }
            _ => self.info("nothing to explain here: select a step, an exchange or a token".into()),
        }
    }

    /// The explain overlay moves its cursor; esc (or x again) closes it.
    pub(super) fn explain_command(&mut self, command: Command) {
        let Some(Overlay::Explain(list)) = &mut self.ui.overlay else {
            return;
        };
        let len = list.names.len();
        match command {
            Command::Up => list.cursor.up(),
            Command::Down => list.cursor.down(len),
            Command::Top => list.cursor.top(),
            Command::Bottom => list.cursor.bottom(len),
            Command::Quit => self.ui.quit = true,
            Command::Cancel | Command::Explain => self.ui.overlay = None,
            _ => {}
        }
    }
}
