//! `/` searches the focused list (Exchanges, Tokens, Clients), as yazi, slumber and atuin
//! do: a one-line prompt, the cursor on the first match as one types, ↓/↑ to the next or
//! previous match, enter keeps the place (and the query, for `n` / `N` in Exchanges and
//! Tokens), esc goes back to where the search started.
//!
//! A row is searched by what the list shows of it (and a token by its claims), never by a
//! secret: an exchange by its masked URL, a token not by its value.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::tui::action::Command;
use crate::tui::layout::Pane;
use crate::tui::model::{Overlay, SearchPrompt};

use super::App;

/// The lists `/` searches.
const SEARCHABLE: [Pane; 3] = [Pane::Exchanges, Pane::Tokens, Pane::Clients];

impl App {
    pub(super) fn open_search(&mut self) {
        let pane = self.ui.focus;
        if !SEARCHABLE.contains(&pane) {
            return self.info("/ searches Clients (2), Exchanges (4) and Tokens (5)".into());
        }
        let origin = self.cursor_mut(pane).map_or(0, |c| c.index);
        self.ui.overlay = Some(Overlay::Search(SearchPrompt {
            pane,
            query: String::new(),
            origin,
            matches: 0,
        }));
    }

    /// Keys on the prompt: typing, ↓/↑ (or ctrl-n / ctrl-p) between matches, enter keeps.
    pub(super) fn search_key(&mut self, key: KeyEvent) {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Enter => self.keep_search(),
            KeyCode::Down => self.step_prompt(true),
            KeyCode::Up => self.step_prompt(false),
            KeyCode::Char('n') if ctrl => self.step_prompt(true),
            KeyCode::Char('p') if ctrl => self.step_prompt(false),
            KeyCode::Backspace => self.search_typed(|query| {
                query.pop();
            }),
            KeyCode::Char(c) if !ctrl => self.search_typed(|query| query.push(c)),
            _ => {}
        }
    }

    /// Esc leaves the search: the cursor goes back to where it was.
    pub(super) fn search_command(&mut self, command: Command) {
        match command {
            Command::Cancel => {
                if let Some(Overlay::Search(prompt)) = self.ui.overlay.take() {
                    self.move_to(prompt.pane, prompt.origin);
                    self.last_search = None;
                }
            }
            Command::Quit => self.ui.quit = true,
            _ => {}
        }
    }

    /// Changes the query, and puts the cursor on the first match (or back on the origin
    /// when nothing matches).
    pub(super) fn search_typed(&mut self, change: impl FnOnce(&mut String)) {
        let Some(Overlay::Search(prompt)) = &mut self.ui.overlay else {
            return;
        };
        change(&mut prompt.query);
        let (pane, query, origin) = (prompt.pane, prompt.query.clone(), prompt.origin);
        let found = self.matches(pane, &query);
        if let Some(Overlay::Search(prompt)) = &mut self.ui.overlay {
            prompt.matches = found.len();
        }
        self.move_to(pane, found.first().copied().unwrap_or(origin));
    }

    fn step_prompt(&mut self, forward: bool) {
        if let Some(Overlay::Search(prompt)) = &self.ui.overlay {
            let (pane, query) = (prompt.pane, prompt.query.clone());
            self.step(pane, &query, forward);
        }
    }

    fn keep_search(&mut self) {
        let Some(Overlay::Search(prompt)) = self.ui.overlay.take() else {
            return;
        };
        if prompt.query.is_empty() {
            self.last_search = None;
            return;
        }
        let steps = if prompt.pane == Pane::Clients {
            "/ and ↓↑ step them"
        } else {
            "n / N step them"
        };
        self.info(format!(
            "{} match{} for \"{}\": {steps}",
            prompt.matches,
            if prompt.matches == 1 { "" } else { "es" },
            prompt.query
        ));
        self.last_search = Some((prompt.pane, prompt.query));
    }

    /// `n` / `N`: the next or previous match of the search kept in this list.
    pub(super) fn step_search(&mut self, forward: bool) {
        match self.last_search.clone() {
            Some((pane, query)) if pane == self.ui.focus => {
                let at = self.step(pane, &query, forward);
                let total = self.matches(pane, &query).len();
                match at {
                    Some(n) => self.info(format!("match {n} of {total} for \"{query}\"")),
                    None => self.info(format!("no match for \"{query}\"")),
                }
            }
            _ => self.info("no search in this list: / starts one".into()),
        }
    }

    /// Moves to the next (or previous) match after the cursor, round the end of the list.
    /// Returns which match it is (1-based).
    fn step(&mut self, pane: Pane, query: &str, forward: bool) -> Option<usize> {
        let found = self.matches(pane, query);
        let at = self.cursor_mut(pane).map_or(0, |c| c.index);
        let next = if forward {
            found.iter().position(|&i| i > at).unwrap_or(0)
        } else {
            found
                .iter()
                .rposition(|&i| i < at)
                .unwrap_or(found.len().checked_sub(1)?)
        };
        self.move_to(pane, *found.get(next)?);
        Some(next + 1)
    }

    fn move_to(&mut self, pane: Pane, index: usize) {
        self.ui.scroll = 0;
        if let Some(cursor) = self.cursor_mut(pane) {
            cursor.index = index;
        }
    }

    /// The rows of `pane` that contain `query`, ignoring case.
    fn matches(&self, pane: Pane, query: &str) -> Vec<usize> {
        if query.is_empty() {
            return Vec::new();
        }
        let query = query.to_lowercase();
        self.row_texts(pane)
            .into_iter()
            .enumerate()
            .filter(|(_, text)| text.to_lowercase().contains(&query))
            .map(|(i, _)| i)
            .collect()
    }

    /// What each row is searched by: what its line shows, never a secret.
    fn row_texts(&self, pane: Pane) -> Vec<String> {
        let now = self.now();
        match pane {
            Pane::Exchanges => self
                .exchanges
                .entries
                .iter()
                .map(|e| {
                    let status = e.status.map(|s| s.to_string()).unwrap_or_default();
                    let error = e.error.as_deref().unwrap_or_default();
                    format!("{} {} {status} {error}", e.method, e.masked_url())
                })
                .collect(),
            Pane::Tokens => self
                .tokens
                .iter()
                .map(|t| {
                    let state = t.standing(now).map_or("", |l| l.state.word());
                    let claims = t
                        .decoded
                        .as_ref()
                        .map(|d| serde_json::Value::Object(d.claims.clone()).to_string())
                        .unwrap_or_default();
                    format!("{} {} {state} {claims}", t.kind.label(), t.source)
                })
                .collect(),
            Pane::Clients => self
                .selected_server()
                .map(|s| {
                    s.clients
                        .iter()
                        .map(|c| {
                            format!(
                                "{} {} {} {}",
                                c.client_id,
                                c.client_name.as_deref().unwrap_or_default(),
                                c.auth_method,
                                c.scope.as_deref().unwrap_or_default()
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
            Pane::Servers | Pane::Flow => Vec::new(),
        }
    }
}
