//! The app's state and its one way to change: `App::update(action)`, which changes state
//! and returns the effects to run (background work, saving the profile, the clipboard, the
//! browser), Elm style; the event loop runs them. Rendering only reads the state.
//!
//! The behaviour is split by subject: `servers` (discovery), `flows` (the stepper, the
//! browser step and the in-terminal sign-in), `clients` (by hand and RFC 7591/7592),
//! `tokens` (the tokens pane), `forms` (text input), `explain` (the names in view), `mock`
//! (the Mock panel over Servers: the mock's control API).

mod clients;
mod doctor;
mod explain;
mod flows;
mod forms;
mod jwt_bearer;
mod mcp;
mod mock;
mod request_options;
mod search;
mod servers;
mod tokens;
mod transcript;

pub(crate) use flows::path_of;
pub use mock::{MockPanel, REQUESTS_SHOWN};
pub use request_options::{RequestOptions, check_authorization_details};

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::SystemTime;

use crossterm::event::{Event, KeyEventKind, MouseButton, MouseEventKind};
use ratatui::layout::{Rect, Size};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::oauth::Exchange;
use crate::oauth::dpop::DpopKey;
use crate::oauth::http::{ExchangeLog as EngineLog, HttpSettings, RecordingClient};
use crate::oauth::secret::Secret;
use crate::oauth::send_policy::CrossHostConsent;
use crate::wire::TokenResponse;

use super::action::{Action, Command};
use super::clipboard::SystemClipboard;
use super::concepts;
use super::effect::{Effect, Runtime, UNTRACKED};
use super::keymap::{Context, Keymap};
use super::layout::{self, Areas, HelpLayout, Pane};
use super::model::{
    Cursor, ExchangeLog, FLOWS, FlowView, Overlay, ServerEntry, ServerState, Status, StatusKind,
    TokenEntry,
};
use super::outcome::Outcome;
use super::task::Tasks;
use super::theme::Theme;
use crate::profile::{ClientProfile, Profile, ServerProfile};

/// Everything the app needs to start; `run` builds it from the command line and the profile.
pub struct Settings {
    pub profile: Profile,
    /// Where the profile is saved; `None` keeps everything in memory (tests).
    pub profile_path: Option<PathBuf>,
    /// The built-in mock's issuer and demo clients, when it runs in this process.
    pub built_in: Option<(String, Vec<ClientProfile>)>,
    /// `--issuer URL`: open on this server and discover it at once.
    pub open_issuer: Option<String>,
    /// User themes (already parsed) that join the built-in ones.
    pub user_themes: Vec<Theme>,
    pub no_color: bool,
    /// Problems found while starting (bad theme file, bad profile), shown in the status line.
    pub startup_errors: Vec<String>,
    /// Where OSC 52 clipboard escapes go: the terminal.
    pub osc52_out: Box<dyn Write + Send>,
    /// A fixed "now" for reproducible screens; `None` uses the system clock.
    pub fixed_now: Option<SystemTime>,
    /// Where `w` in Exchanges writes the transcript; `None` is the current directory.
    pub transcript_dir: Option<PathBuf>,
    /// Exchanges of a capture to inspect (`oauthscope --har FILE`), shown in Exchanges.
    pub imported: Vec<Exchange>,
}

impl Settings {
    /// Settings with nothing in them: no profile file, no mock, OSC 52 to nowhere.
    pub fn in_memory() -> Settings {
        Settings {
            profile: Profile::default(),
            profile_path: None,
            built_in: None,
            open_issuer: None,
            user_themes: Vec::new(),
            no_color: false,
            startup_errors: Vec::new(),
            osc52_out: Box::new(std::io::sink()),
            fixed_now: None,
            transcript_dir: None,
            imported: Vec::new(),
        }
    }
}

/// Screen state that belongs to no pane.
pub struct Ui {
    pub focus: Pane,
    /// Which of the two log panes shows at the bottom of the wide layout.
    pub bottom: Pane,
    pub overlay: Option<Overlay>,
    pub themes: Vec<Theme>,
    pub theme_index: usize,
    pub no_color: bool,
    /// Secrets shown in full (`r`).
    pub reveal: bool,
    /// Raw metadata JSON instead of the capability matrix (`x`).
    pub raw_metadata: bool,
    pub status: Option<Status>,
    /// How far the details are scrolled; back to the top when the selection changes.
    pub scroll: u16,
    /// The doctor's findings in place of the token's details (`d` in Tokens).
    pub doctor: bool,
    /// The help's page: 0 the keys, then one concept page per flow.
    pub help_page: usize,
    /// Animation frame, advanced by ticks while something animates.
    pub frame: usize,
    pub size: Size,
    pub quit: bool,
}

pub struct App {
    pub keymap: Keymap,
    pub ui: Ui,
    pub servers: Vec<ServerEntry>,
    pub server_cursor: Cursor,
    pub flow: FlowView,
    pub exchanges: ExchangeLog,
    pub tokens: Vec<TokenEntry>,
    pub token_cursor: Cursor,
    /// The Mock panel (`c` in Servers), while open.
    pub mock: Option<MockPanel>,
    /// Every token response of the session, so a refresh can show what changed.
    token_responses: Vec<TokenResponse>,
    tasks: Tasks,
    /// The engine's HTTP client; every exchange it makes is reported to the log.
    http: Option<RecordingClient>,
    /// Exchanges from the client, forwarded to the task channel once the loop runs.
    exchange_feed: Option<UnboundedReceiver<Exchange>>,
    /// Counts flows, so results for a flow the user left behind are dropped.
    flow_generation: u64,
    /// The flow of this generation sends its first step as soon as it is ready.
    send_when_ready: Option<u64>,
    profile_path: Option<PathBuf>,
    /// False when the profile file could not be read: saving would overwrite what the user has.
    profile_writable: bool,
    clipboard: SystemClipboard,
    /// Effects other than task spawns, gathered during one update.
    effects: Vec<Effect>,
    fixed_now: Option<SystemTime>,
    /// The other hosts the user agreed to send credentials to, per issuer. Kept for the
    /// session only: a yes given while debugging a server should not outlive the session
    /// unseen in a saved file.
    cross_host: HashMap<String, CrossHostConsent>,
    /// A registration or update form sent to the server: it opens again, as typed, with
    /// the server's error if the server refuses it.
    submitted_form: Option<super::model::Form>,
    /// The last search kept with enter, for n / N: its list and its query.
    last_search: Option<(Pane, String)>,
    /// Where the transcript is written.
    transcript_dir: Option<PathBuf>,
    /// The DPoP key the flows bind their tokens to while DPoP is on (RFC 9449). One key
    /// for the session, so a token bound by one flow can be used and refreshed by the next.
    dpop: Option<DpopKey>,
    dpop_on: bool,
    /// What the code and PAR flows add to their authorization request (JAR, RAR).
    pub request_options: RequestOptions,
    /// What to say when the flow of this generation shows (it was built again because an
    /// option changed), in place of the usual words.
    ready_note: Option<(u64, String)>,
}

/// Redraw rate while a spinner turns: 8 frames a second.
const SPINNER_TICK: std::time::Duration = std::time::Duration::from_millis(125);
/// Redraw rate while only an expiry countdown runs.
const COUNTDOWN_TICK: std::time::Duration = std::time::Duration::from_secs(1);

/// Lines the details move per page key: enough to get on, little enough to keep one's place.
const SCROLL_STEP: u16 = 8;

impl App {
    /// A new app, and the runtime that carries out its effects and brings back results.
    pub fn new(settings: Settings) -> (App, Runtime) {
        let runtime = Runtime::new(settings.osc52_out);
        let mut errors = settings.startup_errors;
        let (feed_tx, feed_rx): (UnboundedSender<Exchange>, _) = unbounded_channel();
        let http = RecordingClient::with_settings(
            HttpSettings::default(),
            EngineLog::with_listener(feed_tx),
        )
        .map_err(|e| errors.push(format!("no HTTP client: {e}")))
        .ok();
        let mut servers = Vec::new();
        if let Some((issuer, clients)) = settings.built_in {
            let built_in_clients = clients.iter().map(|c| c.client_id.clone()).collect();
            servers.push(ServerEntry {
                name: "Built-in mock".into(),
                issuer,
                built_in: true,
                default: false,
                endpoints: Default::default(),
                discovery: ServerState::NotRun,
                clients,
                client_cursor: Cursor::default(),
                active_client: None,
                built_in_clients,
                mcp_url: None,
                mcp_checks: Vec::new(),
                mcp_scope: None,
                mcp_spec: Default::default(),
            });
        }
        servers.extend(
            settings
                .profile
                .servers
                .iter()
                .map(ServerEntry::from_profile),
        );
        let mut server_cursor = Cursor::default();
        if let Some(issuer) = settings.open_issuer {
            let issuer = issuer.trim_end_matches('/').to_string();
            match servers.iter().position(|s| s.issuer == issuer) {
                Some(index) => server_cursor.index = index,
                None => {
                    servers.push(ServerEntry::from_profile(&ServerProfile {
                        name: issuer.clone(),
                        issuer,
                        ..ServerProfile::default()
                    }));
                    server_cursor.index = servers.len() - 1;
                }
            }
        }

        let mut themes = Theme::all_built_in();
        themes.extend(settings.user_themes);
        let theme_index = settings
            .profile
            .theme
            .as_deref()
            .and_then(|name| themes.iter().position(|t| t.name == name))
            .unwrap_or(0);

        let profile_writable = errors.iter().all(|e| !e.starts_with("profile"));
        let status = (!errors.is_empty()).then(|| Status {
            text: errors.join(" · "),
            kind: StatusKind::Error,
        });
        let app = App {
            keymap: Keymap::default_keymap(),
            ui: Ui {
                focus: Pane::Flow,
                bottom: Pane::Exchanges,
                overlay: None,
                themes,
                theme_index,
                no_color: settings.no_color,
                reveal: false,
                raw_metadata: false,
                status,
                scroll: 0,
                doctor: false,
                help_page: 0,
                frame: 0,
                size: Size::new(80, 24),
                quit: false,
            },
            servers,
            server_cursor,
            flow: FlowView::Picking(Cursor::default()),
            exchanges: ExchangeLog::default(),
            tokens: Vec::new(),
            token_cursor: Cursor::default(),
            mock: None,
            token_responses: Vec::new(),
            tasks: Tasks::default(),
            http,
            exchange_feed: Some(feed_rx),
            flow_generation: 0,
            send_when_ready: None,
            profile_path: settings.profile_path,
            profile_writable,
            clipboard: SystemClipboard::default(),
            effects: Vec::new(),
            fixed_now: settings.fixed_now,
            cross_host: HashMap::new(),
            dpop: None,
            dpop_on: false,
            request_options: RequestOptions::default(),
            ready_note: None,
            submitted_form: None,
            last_search: None,
            transcript_dir: settings.transcript_dir,
        };
        let mut app = app;
        app.import(settings.imported);
        (app, runtime)
    }

    pub fn now(&self) -> SystemTime {
        self.fixed_now.unwrap_or_else(SystemTime::now)
    }

    /// Moves the fixed clock: a screen drawn again later, reproducibly.
    pub fn set_fixed_now(&mut self, now: SystemTime) {
        self.fixed_now = Some(now);
    }

    pub fn theme(&self) -> Theme {
        let theme = &self.ui.themes[self.ui.theme_index % self.ui.themes.len()];
        if self.ui.no_color {
            theme.without_color()
        } else {
            theme.clone()
        }
    }

    pub fn selected_server(&self) -> Option<&ServerEntry> {
        self.servers.get(self.server_cursor.index)
    }

    pub fn selected_client(&self) -> Option<&ClientProfile> {
        self.selected_server()
            .and_then(ServerEntry::selected_client)
    }

    /// The client the flows run as on the selected server.
    pub fn active_client(&self) -> Option<&ClientProfile> {
        self.selected_server().and_then(ServerEntry::active_client)
    }

    /// The label of the background work in flight, for the spinner.
    pub fn busy_with(&self) -> Option<&str> {
        self.tasks.current_label()
    }

    /// How often the screen must redraw by itself: often while a spinner turns, once a
    /// second while only a countdown runs, never when nothing moves (no CPU when idle).
    pub fn tick_interval(&self) -> Option<std::time::Duration> {
        let spinning = self.tasks.is_busy()
            || matches!(&self.flow, FlowView::Running(run) if run.waiting.is_some());
        if spinning {
            return Some(SPINNER_TICK);
        }
        let tokens_shown = self.ui.focus == Pane::Tokens
            || (self.ui.bottom == Pane::Tokens && self.areas().is_wide());
        let now = self.now();
        let counting_down = tokens_shown
            && self
                .tokens
                .iter()
                .any(|t| t.expires_at.is_some_and(|at| at > now));
        counting_down.then_some(COUNTDOWN_TICK)
    }

    pub fn should_quit(&self) -> bool {
        self.ui.quit
    }

    /// Where keys go now: a form, or the focused pane.
    pub fn context(&self) -> Context {
        match &self.ui.overlay {
            Some(
                Overlay::Form(_)
                | Overlay::SignIn(_)
                | Overlay::CrossHost(_)
                | Overlay::Confirm(_)
                | Overlay::Search(_),
            ) => Context::Form,
            Some(Overlay::Help | Overlay::Explain(_)) | None if self.mock_panel_shown() => {
                Context::Mock
            }
            Some(Overlay::Help | Overlay::Explain(_)) | None => self.ui.focus.context(),
        }
    }

    /// Work to do before the first frame: start reporting exchanges, and discover the
    /// server the app opens on.
    pub fn start(&mut self) -> Vec<Effect> {
        if let Some(feed) = self.exchange_feed.take() {
            self.effects.push(Effect::ForwardExchanges(feed));
        }
        self.discover_selected();
        self.take_effects()
    }

    /// Everything this update asked for: task spawns and aborts (in order), then the rest.
    fn take_effects(&mut self) -> Vec<Effect> {
        let mut effects = self.tasks.take_effects();
        effects.append(&mut self.effects);
        effects
    }

    /// Turns a terminal event into an action, through the keymap.
    pub fn action_for(&self, event: Event) -> Option<Action> {
        match event {
            Event::Key(key) if key.kind != KeyEventKind::Release => Some(
                self.keymap
                    .lookup(self.context(), &key)
                    .map_or(Action::Key(key), Action::Run),
            ),
            Event::Mouse(mouse) => Some(Action::Mouse(mouse)),
            Event::Resize(w, h) => Some(Action::Resize(w, h)),
            Event::Paste(text) => Some(Action::Paste(text.into())),
            _ => None,
        }
    }

    /// The one place state changes. Returns the effects for the loop to run; it performs
    /// none itself.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Run(command) => self.run_command(command),
            Action::Key(key) => self.key_to_overlay(key),
            Action::Paste(text) => self.paste_to_overlay(text.secret()),
            Action::Mouse(mouse) => self.mouse(mouse),
            Action::Resize(w, h) => self.ui.size = Size::new(w, h),
            Action::Task(result) => {
                if result.id == UNTRACKED || self.tasks.finish(result.id) {
                    self.task_done(result.outcome);
                }
            }
            Action::Tick => self.ui.frame = self.ui.frame.wrapping_add(1),
        }
        self.take_effects()
    }

    fn run_command(&mut self, command: Command) {
        match &self.ui.overlay {
            Some(Overlay::Form(_)) => return self.form_command(command),
            Some(Overlay::SignIn(_)) => return self.sign_in_command(command),
            Some(Overlay::CrossHost(_)) => return self.cross_host_command(command),
            Some(Overlay::Confirm(_)) => return self.confirm_command(command),
            Some(Overlay::Search(_)) => return self.search_command(command),
            Some(Overlay::Help) => return self.help_command(command),
            Some(Overlay::Explain(_)) => return self.explain_command(command),
            None => {}
        }
        match command {
            Command::Quit => self.ui.quit = true,
            Command::NextPane => self.focus(self.ui.focus.next()),
            Command::PrevPane => self.focus(self.ui.focus.prev()),
            Command::FocusServers => self.focus(Pane::Servers),
            Command::FocusClients => self.focus(Pane::Clients),
            Command::FocusFlow => self.focus(Pane::Flow),
            Command::FocusExchanges => self.focus(Pane::Exchanges),
            Command::FocusTokens => self.focus(Pane::Tokens),
            Command::Up | Command::Down | Command::Top | Command::Bottom => {
                self.move_cursor(command)
            }
            Command::ScrollDown => self.ui.scroll = self.ui.scroll.saturating_add(SCROLL_STEP),
            Command::ScrollUp => self.ui.scroll = self.ui.scroll.saturating_sub(SCROLL_STEP),
            Command::NextTheme => self.next_theme(),
            Command::Reveal => {
                self.ui.reveal = !self.ui.reveal;
                let what = if self.ui.reveal { "shown" } else { "masked" };
                self.info(format!("secrets {what}"));
            }
            Command::Help => {
                self.ui.scroll = 0;
                self.ui.help_page = 0;
                self.ui.overlay = Some(Overlay::Help);
            }
            Command::Cancel => self.cancel(),
            Command::ToggleRaw => self.ui.raw_metadata = !self.ui.raw_metadata,
            Command::Search => self.open_search(),
            Command::SearchNext => self.step_search(true),
            Command::SearchPrev => self.step_search(false),
            Command::Explain => self.open_explain(),
            _ => self.pane_command(command),
        }
    }

    /// Help is read-only: it scrolls a line (j/k) or a page, never past its end, tab and
    /// shift-tab (like ←/→) turn to the next or previous help page, and any other key closes
    /// it.
    fn help_command(&mut self, command: Command) {
        let layout = self.help_layout();
        let scroll = usize::from(self.ui.scroll).min(layout.max_scroll());
        let scroll = match command {
            Command::NextPane => return self.turn_help_page(true),
            Command::PrevPane => return self.turn_help_page(false),
            Command::Down => scroll + 1,
            Command::Up => scroll.saturating_sub(1),
            Command::ScrollDown => scroll + layout.page(),
            Command::ScrollUp => scroll.saturating_sub(layout.page()),
            Command::Top => 0,
            Command::Bottom => layout.max_scroll(),
            Command::Quit => {
                self.ui.quit = true;
                scroll
            }
            _ => {
                self.ui.overlay = None;
                0
            }
        };
        let scroll = scroll.min(layout.max_scroll());
        self.ui.scroll = u16::try_from(scroll).unwrap_or(u16::MAX);
    }

    /// The next (or previous) help page, from the top; after the last comes the first.
    pub(super) fn turn_help_page(&mut self, forward: bool) {
        let count = 1 + concepts::pages().map_or(1, <[_]>::len);
        let page = self.ui.help_page % count;
        self.ui.help_page = if forward {
            (page + 1) % count
        } else {
            (page + count - 1) % count
        };
        self.ui.scroll = 0;
    }

    /// The rows of the concept page the help shows at `width`, or `None` on the keys page.
    /// An unreadable catalogue is one row saying so.
    pub fn help_concept_rows(&self, width: usize) -> Option<Vec<concepts::Row>> {
        let index = self.ui.help_page.checked_sub(1)?;
        Some(match concepts::pages() {
            Ok(pages) => pages.get(index)?.rows(width),
            Err(message) => vec![concepts::Row {
                kind: concepts::RowKind::Text,
                text: message.to_string(),
            }],
        })
    }

    /// How the help overlay lays out at the current size: the keys page from the live
    /// keymap, a concept page by its rows.
    pub fn help_layout(&self) -> HelpLayout {
        let mut widest = 0;
        let rows: Vec<usize> = layout::HELP_SECTIONS
            .iter()
            .map(|(context, heading)| {
                widest = widest.max(heading.chars().count());
                let bindings = self.keymap.bindings_in(*context).inspect(|b| {
                    widest = widest.max(layout::help_line_width(&b.label, &b.desc));
                });
                1 + bindings.count()
            })
            .collect();
        let area = Rect::new(0, 0, self.ui.size.width, self.ui.size.height);
        let mut layout = HelpLayout::compute(area, &rows, widest);
        if let Some(rows) = self.help_concept_rows(usize::from(layout.inner.width)) {
            layout.content_rows = rows.len();
        }
        layout
    }

    /// Commands whose meaning depends on the focused pane.
    fn pane_command(&mut self, command: Command) {
        match self.ui.focus {
            Pane::Servers if self.mock.is_some() => self.mock_command(command),
            Pane::Servers => self.servers_command(command),
            Pane::Clients => self.clients_command(command),
            Pane::Flow => self.flow_command(command),
            Pane::Exchanges => self.exchanges_command(command),
            Pane::Tokens => self.tokens_command(command),
        }
    }

    /// Adds an exchange to the session log and selects it.
    pub fn record(&mut self, exchange: Exchange) {
        self.refresh_faults_after(&exchange);
        self.exchanges.push(exchange);
    }

    fn exchanges_command(&mut self, command: Command) {
        match command {
            Command::CopyCurl => {
                if let Some(exchange) = self.exchanges.selected() {
                    // Copied whole: a curl command with masked secrets would not work.
                    let curl = exchange.to_curl(true);
                    self.copy(curl, "curl command");
                }
            }
            Command::Copy => {
                if let Some(body) = self
                    .exchanges
                    .selected()
                    .and_then(|e| e.response_body.clone())
                {
                    self.copy(body, "response body");
                }
            }
            Command::Activate => self.focus(Pane::Exchanges),
            Command::WriteTranscript => self.write_transcript(),
            other => self.not_here(other),
        }
    }

    fn not_here(&mut self, command: Command) {
        let pane = self.ui.focus.title();
        self.info(format!(
            "{command:?} does nothing in {pane} (? lists the keys)"
        ));
    }

    fn focus(&mut self, pane: Pane) {
        self.ui.focus = pane;
        self.ui.scroll = 0;
        if matches!(pane, Pane::Exchanges | Pane::Tokens) {
            self.ui.bottom = pane;
        }
    }

    fn move_cursor(&mut self, command: Command) {
        self.ui.scroll = 0;
        if self.ui.focus == Pane::Flow && self.move_in_diagram(command) {
            return;
        }
        let len = self.list_len(self.ui.focus);
        let Some(cursor) = self.cursor_mut(self.ui.focus) else {
            return;
        };
        match command {
            Command::Up => cursor.up(),
            Command::Down => cursor.down(len),
            Command::Top => cursor.top(),
            _ => cursor.bottom(len),
        }
    }

    /// How many selectable rows a pane's list has.
    pub fn list_len(&self, pane: Pane) -> usize {
        match pane {
            Pane::Servers => self.servers.len(),
            Pane::Clients => self.selected_server().map_or(0, |s| s.clients.len()),
            Pane::Flow => match &self.flow {
                FlowView::Picking(_) => FLOWS.len(),
                FlowView::Running(run) => run.steps().len(),
            },
            Pane::Exchanges => self.exchanges.entries.len(),
            Pane::Tokens => self.tokens.len(),
        }
    }

    /// The selected row of a pane's list, as the list is drawn: the flow's lists are short
    /// and drawn from their first row, so they never scroll.
    pub fn list_selected(&self, pane: Pane) -> usize {
        match pane {
            Pane::Servers => self.server_cursor.index,
            Pane::Clients => self.selected_server().map_or(0, |s| s.client_cursor.index),
            Pane::Flow => 0,
            Pane::Exchanges => self.exchanges.cursor.index,
            Pane::Tokens => self.token_cursor.index,
        }
    }

    /// The cursor of a pane's list (for the flow pane: its picker or its steps).
    pub fn cursor_mut(&mut self, pane: Pane) -> Option<&mut Cursor> {
        match pane {
            Pane::Servers => Some(&mut self.server_cursor),
            Pane::Clients => self
                .servers
                .get_mut(self.server_cursor.index)
                .map(|s| &mut s.client_cursor),
            Pane::Flow => Some(match &mut self.flow {
                FlowView::Picking(cursor) => cursor,
                FlowView::Running(run) => &mut run.cursor,
            }),
            Pane::Exchanges => Some(&mut self.exchanges.cursor),
            Pane::Tokens => Some(&mut self.token_cursor),
        }
    }

    fn next_theme(&mut self) {
        self.ui.theme_index = (self.ui.theme_index + 1) % self.ui.themes.len();
        let name = self.theme().name;
        self.info(format!("theme: {name}"));
        self.save_profile();
    }

    /// Esc: stop every background job, and say what stopped.
    fn cancel(&mut self) {
        let cancelled = self.tasks.cancel_all();
        for server in &mut self.servers {
            if matches!(server.discovery, ServerState::Running) {
                server.discovery = ServerState::Failed("cancelled".into());
            }
        }
        if cancelled.is_empty() && self.ui.focus == Pane::Flow && self.leave_finished_flow() {
            return;
        }
        if cancelled.is_empty() && self.mock_panel_shown() && self.close_mock_panel() {
            return;
        }
        self.flow_cancelled();
        self.mock_cancelled(!cancelled.is_empty());
        if !cancelled.is_empty() {
            self.info(format!("cancelled: {}", cancelled.join(", ")));
        }
    }

    fn mouse(&mut self, mouse: crossterm::event::MouseEvent) {
        match mouse.kind {
            MouseEventKind::Down(MouseButton::Left) => {}
            MouseEventKind::ScrollDown => return self.move_cursor(Command::Down),
            MouseEventKind::ScrollUp => return self.move_cursor(Command::Up),
            _ => return,
        }
        if self.ui.overlay.is_some() {
            return;
        }
        let areas = self.areas();
        if let Some(pane) = areas.tab_at(mouse.column, mouse.row) {
            return self.focus(pane);
        }
        let Some((pane, area)) = areas.pane_at(mouse.column, mouse.row) else {
            return;
        };
        // The inspector shows the focused list's details: clicking there keeps that focus.
        if Some(area) == areas.inspector && self.ui.focus != Pane::Flow {
            return;
        }
        self.focus(pane);
        let row = usize::from(mouse.row.saturating_sub(area.y + 1));
        let len = self.list_len(pane);
        let first = layout::window_start(self.list_selected(pane), layout::list_rows(area));
        if let Some(cursor) = self.cursor_mut(pane)
            && first + row < len
        {
            cursor.index = first + row;
        }
    }

    /// The screen layout at the current size (the same one `render` draws).
    pub fn areas(&self) -> Areas {
        self.areas_in(Rect::new(0, 0, self.ui.size.width, self.ui.size.height))
    }

    /// The screen layout in `area`; the status line grows to hold its message.
    pub fn areas_in(&self, area: Rect) -> Areas {
        // Every spinner frame is one column wide, as this stand-in is.
        let (words, _) = self.status_words("·");
        let rows = layout::status_rows(&words, area.width, area.height);
        layout::compute(area, self.ui.focus, self.ui.bottom, rows)
    }

    /// What the status line says, word by word: the work in flight (after `spinner`), then
    /// the last message after its glyph. Also how many of the words are the work in flight.
    pub fn status_words<'a>(&'a self, spinner: &'a str) -> (Vec<&'a str>, usize) {
        let mut words = Vec::new();
        if let Some(label) = self.busy_with() {
            words.push(spinner);
            words.extend(label.split_whitespace());
            words.extend(["(esc", "cancels)"]);
        }
        let busy = words.len();
        if let Some(status) = &self.ui.status {
            words.push(match status.kind {
                StatusKind::Info => "·",
                StatusKind::Success => "✓",
                StatusKind::Error => "✗",
            });
            words.extend(status.text.split_whitespace());
        }
        (words, busy)
    }

    /// The HTTP client, or a status message saying why there is none.
    fn http(&mut self) -> Option<RecordingClient> {
        if self.http.is_none() {
            self.error("no HTTP client could be built; network actions are off".into());
        }
        self.http.clone()
    }

    /// Copies `text`: the system clipboard first (in a blocking task), OSC 52 if that fails.
    fn copy(&mut self, text: String, what: &str) {
        let clipboard = self.clipboard.clone();
        let what = what.to_string();
        self.tasks.spawn(format!("copying the {what}"), async move {
            let attempt = text.clone();
            let result = tokio::task::spawn_blocking(move || clipboard.set_text(&attempt))
                .await
                .unwrap_or_else(|e| Err(e.to_string()));
            Outcome::Copied {
                text: text.into(),
                what,
                result,
            }
        });
    }

    fn copied(&mut self, text: Secret, what: String, result: Result<(), String>) {
        match result {
            Ok(()) => self.success(format!("copied the {what} to the clipboard")),
            Err(why_not_system) => self.effects.push(Effect::Osc52 {
                text,
                what,
                why_not_system,
            }),
        }
    }

    fn osc52_written(&mut self, what: &str, why: &str, result: Result<(), String>) {
        match result {
            Ok(()) => self.success(format!(
                "copied the {what} through the terminal (OSC 52); system clipboard: {why}"
            )),
            Err(e) => self.error(format!("could not copy: {why}; OSC 52: {e}")),
        }
    }

    /// Opens the browser on `url`, off the loop; the result comes back as a status.
    fn open_url(&mut self, url: String) {
        self.effects.push(Effect::OpenBrowser(url));
    }

    fn browser_opened(&mut self, result: Result<String, String>) {
        match result {
            Ok(program) => self.success(format!("opened the browser with {program}")),
            Err(e) => self.error(format!("{e}; copy the URL with y and open it by hand")),
        }
    }

    fn task_done(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Recorded(exchange) => self.record(*exchange),
            Outcome::Copied { text, what, result } => self.copied(text, what, result),
            Outcome::Osc52Written {
                what,
                why_not_system,
                result,
            } => self.osc52_written(&what, &why_not_system, result),
            Outcome::BrowserOpened(result) => self.browser_opened(result),
            Outcome::ProfileSaved(result) => {
                if let Err(e) = result {
                    self.error(e);
                }
            }
            Outcome::Discovered { issuer, result } => self.discovered(&issuer, result),
            Outcome::McpFound { server_url, result } => self.mcp_found(&server_url, result),
            Outcome::FlowReady { generation, result } => self.flow_ready(generation, result),
            Outcome::McpFlowReady {
                generation,
                server_url,
                flow,
                listener,
                registered,
            } => self.mcp_flow_ready(
                generation,
                &server_url,
                *flow,
                listener,
                registered.map(|c| *c),
            ),
            Outcome::Advanced {
                generation,
                flow,
                result,
            } => self.advanced(generation, *flow, result),
            Outcome::Redirected { generation, result } => self.redirected(generation, result),
            Outcome::PollDue { generation } => self.poll_due(generation),
            Outcome::SignInPage { result } => self.sign_in_page(result),
            Outcome::SignInDone { generation, result } => self.sign_in_done(generation, result),
            Outcome::Registration {
                issuer,
                client_id,
                result,
            } => self.registration_done(&issuer, client_id, result),
            Outcome::ClientDeleted {
                issuer,
                client_id,
                result,
            } => self.client_deleted(&issuer, &client_id, result),
            Outcome::TokenChecked { value, decoded } => {
                self.token_checked(value.secret(), *decoded)
            }
            Outcome::TranscriptWritten(result) => self.transcript_written(result),
            Outcome::MockAnswered {
                issuer,
                request,
                result,
            } => self.mock_answered(&issuer, &request, result),
        }
    }

    fn save_profile(&mut self) {
        let Some(path) = self.profile_path.clone() else {
            return;
        };
        if !self.profile_writable {
            return;
        }
        let profile = Profile {
            theme: Some(self.ui.themes[self.ui.theme_index].name.clone()),
            servers: self
                .servers
                .iter()
                .filter(|s| !s.built_in)
                .map(ServerEntry::to_profile)
                .collect(),
        };
        self.effects.push(Effect::SaveProfile { path, profile });
    }

    fn info(&mut self, text: String) {
        self.ui.status = Some(Status {
            text,
            kind: StatusKind::Info,
        });
    }
    fn success(&mut self, text: String) {
        self.ui.status = Some(Status {
            text,
            kind: StatusKind::Success,
        });
    }
    fn error(&mut self, text: String) {
        self.ui.status = Some(Status {
            text,
            kind: StatusKind::Error,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::task::TaskResult;

    fn app_with(settings: Settings) -> App {
        App::new(settings).0
    }

    fn spawned(effects: &[Effect]) -> Vec<u64> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Spawn { id, .. } => Some(*id),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_theme_change_asks_for_a_save_and_writes_nothing_itself() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("profile.toml");
        let mut app = app_with(Settings {
            profile_path: Some(path.clone()),
            ..Settings::in_memory()
        });
        let effects = app.update(Action::Run(Command::NextTheme));
        let [Effect::SaveProfile { path: to, profile }] = effects.as_slice() else {
            panic!("{effects:?}");
        };
        assert_eq!(to, &path);
        assert_eq!(profile.theme.as_deref(), Some(app.theme().name.as_str()));
        assert!(!path.exists(), "update itself must not touch the file");
    }

    #[test]
    fn a_failed_save_is_reported_in_the_status_line() {
        let mut app = app_with(Settings::in_memory());
        let effects = app.update(Action::Task(TaskResult {
            id: UNTRACKED,
            outcome: Outcome::ProfileSaved(Err("cannot write /x/profile.toml".into())),
        }));
        assert!(effects.is_empty());
        let status = app.ui.status.as_ref().unwrap();
        assert_eq!(status.kind, StatusKind::Error);
        assert!(status.text.contains("/x/profile.toml"));
    }

    #[test]
    fn discovery_at_start_is_a_spawn_and_esc_aborts_it() {
        let mut app = app_with(Settings {
            built_in: Some(("http://127.0.0.1:9".into(), Vec::new())),
            ..Settings::in_memory()
        });
        let effects = app.start();
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::ForwardExchanges(_))),
            "{effects:?}"
        );
        let [id] = spawned(&effects)[..] else {
            panic!("{effects:?}");
        };
        assert_eq!(app.busy_with(), Some("discovering http://127.0.0.1:9"));
        let effects = app.update(Action::Run(Command::Cancel));
        assert!(matches!(effects[..], [Effect::Abort(aborted)] if aborted == id));
        // A result that still arrives from the aborted task changes nothing.
        app.update(Action::Task(TaskResult {
            id,
            outcome: Outcome::Discovered {
                issuer: "http://127.0.0.1:9".into(),
                result: Err("late".into()),
            },
        }));
        assert!(matches!(
            &app.servers[0].discovery,
            ServerState::Failed(why) if why == "cancelled"
        ));
    }

    #[test]
    fn a_copy_the_system_refuses_becomes_an_osc52_effect() {
        let mut app = app_with(Settings::in_memory());
        app.copy("Zq-9token".into(), "access token");
        let effects = app.take_effects();
        let [id] = spawned(&effects)[..] else {
            panic!("{effects:?}");
        };
        let effects = app.update(Action::Task(TaskResult {
            id,
            outcome: Outcome::Copied {
                text: "Zq-9token".into(),
                what: "access token".into(),
                result: Err("no display".into()),
            },
        }));
        let [Effect::Osc52 { text, .. }] = effects.as_slice() else {
            panic!("{effects:?}");
        };
        assert_eq!(text.secret(), "Zq-9token");
        assert!(!format!("{effects:?}").contains("Zq-9"), "Debug redacts");
        app.update(Action::Task(TaskResult {
            id: UNTRACKED,
            outcome: Outcome::Osc52Written {
                what: "access token".into(),
                why_not_system: "no display".into(),
                result: Ok(()),
            },
        }));
        let status = &app.ui.status.as_ref().unwrap().text;
        assert!(status.contains("through the terminal (OSC 52)"), "{status}");
    }
}
