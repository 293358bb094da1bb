//! Drives the real event loop from a test: keys go in through a channel (the same stream
//! type the terminal provides), and the screen is read from a test backend shared with the
//! loop. Waiting is for text on screen, with a generous timeout, never a fixed sleep.

#![allow(dead_code)] // each test file uses part of the harness

pub mod on_mock;
pub mod screens;

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::Stream;
use oauthscope::tui::app::{App, Settings};
use oauthscope::tui::run_app;
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;

/// A test backend the test can read while the loop draws on it.
#[derive(Clone)]
pub struct SharedBackend(Arc<Mutex<TestBackend>>);

impl SharedBackend {
    fn with<R>(&self, f: impl FnOnce(&mut TestBackend) -> R) -> R {
        f(&mut self.0.lock().expect("backend lock"))
    }
}

impl Backend for SharedBackend {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.with(|b| b.draw(content)).map_err(io::Error::other)
    }
    fn hide_cursor(&mut self) -> io::Result<()> {
        self.with(|b| b.hide_cursor()).map_err(io::Error::other)
    }
    fn show_cursor(&mut self) -> io::Result<()> {
        self.with(|b| b.show_cursor()).map_err(io::Error::other)
    }
    fn get_cursor_position(&mut self) -> io::Result<Position> {
        self.with(|b| b.get_cursor_position())
            .map_err(io::Error::other)
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        let position = position.into();
        self.with(|b| b.set_cursor_position(position))
            .map_err(io::Error::other)
    }
    fn clear(&mut self) -> io::Result<()> {
        self.with(|b| b.clear()).map_err(io::Error::other)
    }
    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.with(|b| b.clear_region(clear_type))
            .map_err(io::Error::other)
    }
    fn size(&self) -> io::Result<Size> {
        self.with(|b| b.size()).map_err(io::Error::other)
    }
    fn window_size(&mut self) -> io::Result<WindowSize> {
        self.with(|b| b.window_size()).map_err(io::Error::other)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.with(|b| b.flush()).map_err(io::Error::other)
    }
}

pub struct Harness {
    keys: Option<UnboundedSender<io::Result<Event>>>,
    backend: SharedBackend,
    pub loop_task: JoinHandle<io::Result<()>>,
}

/// The key stream a loop under test reads: what the harness sends.
pub type Events = Pin<Box<dyn Stream<Item = io::Result<Event>> + Send>>;

impl Harness {
    /// Starts the real event loop on an app built from `settings`.
    pub fn start(settings: Settings, width: u16, height: u16) -> Harness {
        let (app, results) = App::new(settings);
        Harness::start_loop(width, height, move |mut terminal, events| async move {
            run_app(&mut terminal, events, app, results).await
        })
    }

    /// Starts any loop that draws on a terminal and reads key events (the app's, the
    /// demo's): `run` gets the test terminal and the stream the harness writes to.
    pub fn start_loop<F, Fut>(width: u16, height: u16, run: F) -> Harness
    where
        F: FnOnce(Terminal<SharedBackend>, Events) -> Fut,
        Fut: Future<Output = io::Result<()>> + Send + 'static,
    {
        let backend = SharedBackend(Arc::new(Mutex::new(TestBackend::new(width, height))));
        let (keys, mut rx) = unbounded_channel::<io::Result<Event>>();
        let events: Events = Box::pin(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)));
        let terminal = Terminal::new(backend.clone()).expect("terminal");
        let loop_task = tokio::spawn(run(terminal, events));
        Harness {
            keys: Some(keys),
            backend,
            loop_task,
        }
    }

    pub fn screen(&self) -> String {
        self.backend.with(|b| {
            let buffer = b.buffer();
            let mut out = String::new();
            for y in 0..buffer.area.height {
                for x in 0..buffer.area.width {
                    out.push_str(buffer[(x, y)].symbol());
                }
                out.push('\n');
            }
            out
        })
    }

    /// Sends one key, written as in the keymap: "a", "G", "enter", "ctrl-s", "shift-tab".
    pub fn press(&self, key: &str) {
        let (code, modifiers) = match key {
            "enter" => (KeyCode::Enter, KeyModifiers::NONE),
            "esc" => (KeyCode::Esc, KeyModifiers::NONE),
            "tab" => (KeyCode::Tab, KeyModifiers::NONE),
            "shift-tab" => (KeyCode::BackTab, KeyModifiers::SHIFT),
            "down" => (KeyCode::Down, KeyModifiers::NONE),
            "up" => (KeyCode::Up, KeyModifiers::NONE),
            "left" => (KeyCode::Left, KeyModifiers::NONE),
            "right" => (KeyCode::Right, KeyModifiers::NONE),
            "backspace" => (KeyCode::Backspace, KeyModifiers::NONE),
            "home" => (KeyCode::Home, KeyModifiers::NONE),
            "end" => (KeyCode::End, KeyModifiers::NONE),
            other => match other.strip_prefix("ctrl-") {
                Some(c) => (
                    KeyCode::Char(c.chars().next().expect("a key")),
                    KeyModifiers::CONTROL,
                ),
                None => (
                    KeyCode::Char(other.chars().next().expect("a key")),
                    KeyModifiers::NONE,
                ),
            },
        };
        self.send(Event::Key(KeyEvent::new(code, modifiers)));
    }

    /// The terminal resized to `width` x `height`: the screen the loop draws next has that
    /// size.
    pub fn resize(&self, width: u16, height: u16) {
        self.backend.with(|b| b.resize(width, height));
        self.send(Event::Resize(width, height));
    }

    /// Types text as single key presses.
    pub fn type_text(&self, text: &str) {
        for c in text.chars() {
            self.send(Event::Key(KeyEvent::new(
                KeyCode::Char(c),
                KeyModifiers::NONE,
            )));
        }
    }

    pub fn send(&self, event: Event) {
        if let Some(keys) = &self.keys {
            keys.send(Ok(event)).expect("the event loop is running");
        }
    }

    /// Waits until `text` is on screen; panics with the screen when it does not come.
    pub async fn wait_for(&self, text: &str) -> String {
        self.wait_until(text, |screen| screen.contains(text)).await
    }

    pub async fn wait_until(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("timed out waiting for {what:?}; the screen is:\n{screen}");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Ends input, as when the terminal closes, and waits for the loop to return.
    pub async fn finish(mut self) {
        self.keys = None;
        let result = tokio::time::timeout(Duration::from_secs(10), self.loop_task)
            .await
            .expect("the loop ends when input ends");
        result.expect("loop task").expect("loop result");
    }
}
