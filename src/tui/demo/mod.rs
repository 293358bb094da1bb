//! Workshop mode (`oauthscope demo FLOW`): one flow played a step at a time for a presenter,
//! on the built-in mock that `main` starts in this process. Each step runs when the presenter
//! presses space or enter ([`script`] drives the protocol engine over loopback), `←` shows
//! the step before again (the server keeps what happened: nothing is undone), and the last
//! key shows a summary. The loop is generic over the backend and the input stream, like the
//! app's, so tests replay keys into it and read the screen.

pub mod script;
pub mod view;

use std::process::ExitCode;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;

use self::script::{Act, Scene, Script};
use super::terminal;
use super::theme::Theme;
use crate::profile::ClientProfile;

/// The flows the demo plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DemoFlow {
    /// Authorization code + PKCE, signing in as alice.
    Code,
    /// Device authorization: a code on the device, approval on the phone, polling.
    Device,
    /// Refresh with rotation, then the old refresh token reused: the family is revoked.
    Refresh,
    /// Attack: a redirect with a forged state; the client's check refuses it.
    ForgedState,
    /// Attack: the code redeemed twice; invalid_grant, and its tokens revoked.
    ReplayedCode,
    /// Attack: a token re-signed with alg none; verification refuses it.
    AlgNone,
}

impl DemoFlow {
    /// The name on the command line (clap's, from the variant: `forged-state`).
    pub fn name(self) -> String {
        clap::ValueEnum::to_possible_value(&self)
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    }

    pub fn title(self) -> &'static str {
        match self {
            DemoFlow::Code => "Authorization code + PKCE",
            DemoFlow::Device => "Device authorization",
            DemoFlow::Refresh => "Refresh token rotation and reuse detection",
            DemoFlow::ForgedState => "Attack: a forged state",
            DemoFlow::ReplayedCode => "Attack: a replayed code",
            DemoFlow::AlgNone => "Attack: alg none",
        }
    }

    /// What the flow shows, in a line.
    pub fn about(self) -> &'static str {
        match self {
            DemoFlow::Code => "A user signs in; the client gets and verifies tokens",
            DemoFlow::Device => "A TV gets tokens while the user approves on a phone",
            DemoFlow::Refresh => "A stolen refresh token, used again, revokes its whole family",
            DemoFlow::ForgedState => "A redirect the client never asked for is refused",
            DemoFlow::ReplayedCode => "A code used twice is refused and its tokens revoked",
            DemoFlow::AlgNone => "An unsigned token with edited claims is refused",
        }
    }
}

/// What the presenter sees: the intro, one played step, or the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Showing {
    Intro,
    /// The step at this index of the played scenes.
    Step(usize),
    Summary,
}

/// One demo run: the script, the scenes played so far, and which one is on screen.
pub struct Demo {
    pub flow: DemoFlow,
    pub theme: Theme,
    script: Script,
    scenes: Vec<Scene>,
    showing: Showing,
    /// The act being played now (its requests are out).
    busy: Option<Act>,
    /// How far the explanation is scrolled; back to the top on every other step shown.
    scroll: usize,
    size: ratatui::layout::Rect,
}

/// What a key asks of the loop.
enum Key {
    Play(Act),
    Quit,
    Moved,
    Nothing,
}

impl Demo {
    /// A demo of `flow` against the server at `issuer` with its client profiles.
    pub fn new(flow: DemoFlow, issuer: &str, clients: &[ClientProfile]) -> Result<Demo, String> {
        Ok(Demo {
            flow,
            theme: Theme::built_in("workshop").ok_or("the workshop theme does not load")?,
            script: Script::new(issuer, clients)?,
            scenes: Vec::new(),
            showing: Showing::Intro,
            busy: None,
            scroll: 0,
            size: ratatui::layout::Rect::default(),
        })
    }

    pub fn acts(&self) -> &'static [Act] {
        self.flow.acts()
    }

    pub fn scenes(&self) -> &[Scene] {
        &self.scenes
    }

    pub fn showing(&self) -> Showing {
        self.showing
    }

    pub fn busy(&self) -> Option<Act> {
        self.busy
    }

    pub fn scroll(&self) -> usize {
        self.scroll
    }

    /// Scrolls the explanation by `rows`, within its end at the current size.
    fn scroll_by(&mut self, rows: isize) -> Key {
        let (width, height) = view::panel_inside(self.size);
        let total = view::panel(self, width).1.len();
        let most = total.saturating_sub(height);
        self.scroll = self.scroll.saturating_add_signed(rows).min(most);
        Key::Moved
    }

    pub fn issuer(&self) -> &str {
        self.script.issuer()
    }

    pub fn requests_sent(&self) -> usize {
        self.script.requests_sent()
    }

    /// True when the scene on screen is an earlier one shown again.
    pub fn revisiting(&self) -> bool {
        matches!(self.showing, Showing::Step(i) if i + 1 < self.scenes.len())
    }

    /// A step that did not go as the demo shows it stops the play: the summary says why.
    fn stopped(&self) -> bool {
        self.scenes.iter().any(|s| s.broken.is_some())
    }

    fn forward(&mut self) -> Key {
        let played = self.scenes.len();
        self.showing = match self.showing {
            Showing::Summary => return Key::Nothing,
            Showing::Intro if played > 0 => Showing::Step(0),
            Showing::Step(i) if i + 1 < played => Showing::Step(i + 1),
            _ if played < self.acts().len() && !self.stopped() => {
                return Key::Play(self.acts()[played]);
            }
            _ => Showing::Summary,
        };
        Key::Moved
    }

    fn back(&mut self) -> Key {
        self.showing = match self.showing {
            Showing::Intro => return Key::Nothing,
            Showing::Step(0) => Showing::Intro,
            Showing::Step(i) => Showing::Step(i - 1),
            Showing::Summary if self.scenes.is_empty() => Showing::Intro,
            Showing::Summary => Showing::Step(self.scenes.len() - 1),
        };
        Key::Moved
    }

    fn key(&mut self, key: KeyEvent) -> Key {
        if key.kind == KeyEventKind::Release {
            return Key::Nothing;
        }
        if is_quit(&key) {
            return Key::Quit;
        }
        match key.code {
            KeyCode::Char(' ') | KeyCode::Enter | KeyCode::Right => {
                self.scroll = 0;
                self.forward()
            }
            KeyCode::Left | KeyCode::Backspace => {
                self.scroll = 0;
                self.back()
            }
            KeyCode::Down | KeyCode::Char('j') => self.scroll_by(1),
            KeyCode::Up | KeyCode::Char('k') => self.scroll_by(-1),
            _ => Key::Nothing,
        }
    }

    /// Plays the busy act while the presenter waits; q or ctrl-c still quit (`None`).
    async fn play<S>(&mut self, act: Act, events: &mut S) -> Option<()>
    where
        S: Stream<Item = std::io::Result<Event>> + Unpin,
    {
        let scene = tokio::select! {
            scene = self.script.play(act) => scene,
            () = quit_pressed(events) => return None,
        };
        self.busy = None;
        self.scenes.push(scene);
        self.showing = Showing::Step(self.scenes.len() - 1);
        Some(())
    }
}

fn is_quit(key: &KeyEvent) -> bool {
    key.kind != KeyEventKind::Release
        && (key.code == KeyCode::Char('q')
            || (key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL)))
}

/// Resolves on q, ctrl-c or the end of input; other keys while a step runs are dropped, so
/// a second press cannot skip the step the audience has not seen.
async fn quit_pressed<S>(events: &mut S)
where
    S: Stream<Item = std::io::Result<Event>> + Unpin,
{
    while let Some(Ok(event)) = events.next().await {
        if let Event::Key(key) = event
            && is_quit(&key)
        {
            return;
        }
    }
}

/// Plays `flow` in the terminal until the presenter quits.
pub async fn run(flow: DemoFlow, issuer: &str, clients: &[ClientProfile]) -> ExitCode {
    let demo = match Demo::new(flow, issuer, clients) {
        Ok(demo) => demo,
        Err(e) => {
            eprintln!("oauthscope demo: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut tui = match terminal::enter() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("oauthscope demo: cannot open the terminal: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = tokio::select! {
        result = run_demo(&mut tui, crossterm::event::EventStream::new(), demo) => result,
        () = terminal::stop_signal() => Ok(()),
    };
    terminal::leave();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("oauthscope demo: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The demo's loop: draw, wait for a key, play the step it asks for. Ends on q, ctrl-c or
/// when input ends.
pub async fn run_demo<B, S>(
    terminal: &mut Terminal<B>,
    mut events: S,
    mut demo: Demo,
) -> Result<(), B::Error>
where
    B: Backend,
    S: Stream<Item = std::io::Result<Event>> + Unpin,
{
    loop {
        let size = terminal.size()?;
        demo.size = ratatui::layout::Rect::new(0, 0, size.width, size.height);
        terminal.draw(|frame| view::render(&demo, frame))?;
        let key = match events.next().await {
            Some(Ok(Event::Key(key))) => demo.key(key),
            // A resize redraws; other events change nothing.
            Some(Ok(_)) => Key::Moved,
            Some(Err(_)) | None => return Ok(()),
        };
        match key {
            Key::Quit => return Ok(()),
            Key::Play(act) => {
                demo.busy = Some(act);
                terminal.draw(|frame| view::render(&demo, frame))?;
                if demo.play(act, &mut events).await.is_none() {
                    return Ok(());
                }
            }
            Key::Moved | Key::Nothing => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Demo {
        let public = ClientProfile {
            client_id: "demo-public".into(),
            auth_method: "none".into(),
            ..ClientProfile::default()
        };
        // Nothing here plays a step, so nothing is sent to this address.
        Demo::new(DemoFlow::ForgedState, "http://127.0.0.1:9", &[public]).unwrap()
    }

    fn played(demo: &mut Demo, broken: Option<&str>) {
        let act = demo.acts()[demo.scenes.len()];
        demo.scenes.push(Scene {
            act,
            exchanges: Vec::new(),
            notes: Vec::new(),
            checks: Vec::new(),
            tokens: Vec::new(),
            broken: broken.map(str::to_string),
            diagram: None,
        });
        demo.showing = Showing::Step(demo.scenes.len() - 1);
    }

    #[test]
    fn forward_plays_only_new_steps_and_back_shows_earlier_ones_again() {
        let mut demo = demo();
        assert!(matches!(demo.forward(), Key::Play(Act::Discover)));
        played(&mut demo, None);
        assert!(matches!(demo.forward(), Key::Play(Act::Authorize)));
        played(&mut demo, None);
        assert!(matches!(demo.back(), Key::Moved));
        assert_eq!(demo.showing(), Showing::Step(0));
        assert!(demo.revisiting());
        assert!(matches!(demo.back(), Key::Moved));
        assert_eq!(demo.showing(), Showing::Intro);
        assert!(matches!(demo.back(), Key::Nothing));
        // Forward over played steps shows them again; only past the newest does one play.
        assert!(matches!(demo.forward(), Key::Moved));
        assert!(matches!(demo.forward(), Key::Moved));
        assert_eq!(demo.showing(), Showing::Step(1));
        assert!(!demo.revisiting());
        assert!(matches!(demo.forward(), Key::Play(Act::SignIn)));
    }

    #[test]
    fn after_the_last_step_comes_the_summary_and_back_leaves_it() {
        let mut demo = demo();
        for _ in demo.acts() {
            played(&mut demo, None);
        }
        assert!(matches!(demo.forward(), Key::Moved));
        assert_eq!(demo.showing(), Showing::Summary);
        assert!(matches!(demo.forward(), Key::Nothing));
        demo.back();
        assert_eq!(demo.showing(), Showing::Step(demo.acts().len() - 1));
    }

    #[test]
    fn a_step_that_went_off_script_stops_the_play_at_the_summary() {
        let mut demo = demo();
        played(&mut demo, Some("the server is gone"));
        assert!(matches!(demo.forward(), Key::Moved));
        assert_eq!(demo.showing(), Showing::Summary);
    }

    #[test]
    fn every_flow_has_a_name_the_command_line_accepts() {
        use clap::ValueEnum;
        let names: Vec<String> = DemoFlow::value_variants()
            .iter()
            .map(|f| f.name())
            .collect();
        assert_eq!(
            names,
            [
                "code",
                "device",
                "refresh",
                "forged-state",
                "replayed-code",
                "alg-none"
            ]
        );
        for flow in DemoFlow::value_variants() {
            assert!(!flow.acts().is_empty());
        }
    }
}
