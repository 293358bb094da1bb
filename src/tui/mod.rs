//! The terminal app. It renders state and never blocks on the network: input becomes an
//! `Action`, `App::update` changes state and returns effects that the loop runs (background
//! work, file writes, the clipboard, the browser), and `view::render` draws the state. The loop is generic over the backend and the input stream, so tests
//! replay keys into this same loop and read the screen from a test backend.

pub mod action;
pub mod app;
pub mod clipboard;
pub mod concepts;
pub mod demo;
pub mod diagram;
pub mod effect;
pub mod keymap;
pub mod layout;
pub mod model;
pub mod outcome;
pub mod pane;
pub mod request_text;
pub mod sign_in;
pub mod task;
pub mod terminal;
pub mod theme;
pub mod view;
pub mod widgets;
pub mod work;

use std::process::ExitCode;
use std::time::Duration;

use crossterm::event::{Event, EventStream};
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;

use self::action::Action;
use self::app::{App, Settings};
use self::effect::Runtime;
use self::theme::Theme;
use crate::oauth::transcript;
use crate::profile::{self, ClientProfile, Profile};

/// Options of the terminal app (`oauthscope` with no command).
#[derive(Debug, clap::Args)]
pub struct TuiArgs {
    /// Open on this server (discovery runs at once) instead of the built-in mock.
    #[arg(long, global = false)]
    pub issuer: Option<String>,
    /// Use this profile file instead of the one in the config directory.
    #[arg(long, global = false)]
    pub config: Option<std::path::PathBuf>,
    /// Open a HAR capture in Exchanges to inspect it (its tokens in the doctor's view).
    #[arg(long, global = false, value_name = "FILE")]
    pub har: Option<std::path::PathBuf>,
}

/// Runs the terminal app until the user quits. `built_in` is the built-in mock when it runs
/// in this process (its issuer and clients, which the app lists first), or why it does not.
pub async fn run(
    args: TuiArgs,
    built_in: Result<Option<(String, Vec<ClientProfile>)>, String>,
) -> ExitCode {
    let mut settings = settings_from(&args);
    match built_in {
        Ok(built_in) => settings.built_in = built_in,
        Err(reason) => settings.startup_errors.push(reason),
    }
    let (app, rx) = App::new(settings);
    let mut terminal = match terminal::enter() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("oauthscope: cannot open the terminal: {e}");
            return ExitCode::FAILURE;
        }
    };
    // A terminal closing (SIGHUP) or a polite kill (SIGTERM) ends the input, which ends the
    // app the way `q` does: the terminal is put back and the profile saves in flight land.
    let events = EventStream::new().take_until(Box::pin(terminal::stop_signal()));
    let result = run_app(&mut terminal, events, app, rx).await;
    terminal::leave();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("oauthscope: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Reads the profile and user themes. Problems become messages, never a refusal to start.
fn settings_from(args: &TuiArgs) -> Settings {
    let mut errors = Vec::new();
    let profile_path = match args.config.clone().map_or_else(profile::default_path, Ok) {
        Ok(path) => Some(path),
        Err(e) => {
            errors.push(e.to_string());
            None
        }
    };
    let profile = match profile_path.as_deref().map(Profile::load) {
        Some(Ok(profile)) => profile,
        Some(Err(e)) => {
            errors.push(e.to_string());
            Profile::default()
        }
        None => Profile::default(),
    };
    let mut user_themes = Vec::new();
    if let Some(dir) = profile_path
        .as_deref()
        .and_then(|p| p.parent())
        .map(|d| d.join("themes"))
        && let Ok(entries) = std::fs::read_dir(dir)
    {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "toml") {
                match Theme::load_user_file(&path) {
                    Ok(theme) => user_themes.push(theme),
                    Err(e) => errors.push(e.to_string()),
                }
            }
        }
    }
    let imported = match args.har.as_deref().map(transcript::read_har_file) {
        Some(Ok(exchanges)) => exchanges,
        Some(Err(e)) => {
            errors.push(e.to_string());
            Vec::new()
        }
        None => Vec::new(),
    };
    Settings {
        profile,
        profile_path,
        built_in: None,
        open_issuer: args.issuer.clone(),
        user_themes,
        no_color: theme::no_color_requested(),
        startup_errors: errors,
        osc52_out: Box::new(std::io::stdout()),
        fixed_now: None,
        transcript_dir: None,
        imported,
    }
}

/// The event loop: draw when something changed, then wait for input, a background result,
/// or (only while something animates) the next tick. Every action goes through
/// `App::update`, and the loop runs the effects it returns. Ends on quit or when input ends.
pub async fn run_app<B, S>(
    terminal: &mut Terminal<B>,
    events: S,
    app: App,
    mut runtime: Runtime,
) -> Result<(), B::Error>
where
    B: Backend,
    S: Stream<Item = std::io::Result<Event>> + Unpin,
{
    let result = event_loop(terminal, events, app, &mut runtime).await;
    runtime.settle().await;
    result
}

async fn event_loop<B, S>(
    terminal: &mut Terminal<B>,
    mut events: S,
    mut app: App,
    runtime: &mut Runtime,
) -> Result<(), B::Error>
where
    B: Backend,
    S: Stream<Item = std::io::Result<Event>> + Unpin,
{
    let size = terminal.size()?;
    runtime.execute(app.update(Action::Resize(size.width, size.height)));
    runtime.execute(app.start());
    let mut dirty = true;
    loop {
        // Drain finished work before drawing, so one frame shows all of it.
        while let Some(result) = runtime.ready_result() {
            runtime.execute(app.update(Action::Task(result)));
            dirty = true;
        }
        if app.should_quit() {
            return Ok(());
        }
        if dirty {
            terminal.draw(|frame| view::render(&app, frame))?;
            dirty = false;
        }
        // No tick at all when nothing moves: the loop then sleeps until input or a result.
        let tick = app.tick_interval();
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => {
                    if let Some(action) = app.action_for(event) {
                        runtime.execute(app.update(action));
                        dirty = true;
                    }
                }
                // Input is gone (terminal closed, or a test script ended): leave.
                Some(Err(_)) | None => return Ok(()),
            },
            Some(result) = runtime.next_result() => {
                runtime.execute(app.update(Action::Task(result)));
                dirty = true;
            }
            _ = tokio::time::sleep(tick.unwrap_or(Duration::from_secs(3600))), if tick.is_some() => {
                runtime.execute(app.update(Action::Tick));
                dirty = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_user_theme_or_profile_is_a_message_not_a_refusal() {
        let dir = tempfile::tempdir().unwrap();
        let themes = dir.path().join("themes");
        std::fs::create_dir(&themes).unwrap();
        std::fs::write(
            themes.join("mine.toml"),
            "name = \"mine\"\n[colors]\nsuccess = \"#00ff00\"\n",
        )
        .unwrap();
        std::fs::write(
            themes.join("broken.toml"),
            "name = \"broken\"\n[colors]\nfailure = \"reddish\"\n",
        )
        .unwrap();
        let profile = dir.path().join("profile.toml");
        std::fs::write(&profile, "theme = [").unwrap();
        let settings = settings_from(&TuiArgs {
            issuer: None,
            config: Some(profile),
            har: None,
        });
        assert_eq!(settings.user_themes.len(), 1);
        assert_eq!(settings.user_themes[0].name, "mine");
        let errors = settings.startup_errors.join("\n");
        assert!(errors.contains("`failure = \"reddish\"`"), "{errors}");
        assert!(errors.contains("profile.toml"), "{errors}");
        // The broken profile is not overwritten, even by a change that would be saved.
        let (mut app, _rx) = App::new(settings);
        app.update(Action::Run(action::Command::NextTheme));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("profile.toml")).unwrap(),
            "theme = ["
        );
    }

    #[test]
    fn a_bad_har_file_is_a_message_and_a_good_one_fills_exchanges() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.har");
        std::fs::write(&bad, "{\"log\": {\"entries\": 3}}").unwrap();
        let settings = settings_from(&TuiArgs {
            issuer: None,
            config: Some(dir.path().join("profile.toml")),
            har: Some(bad),
        });
        assert!(settings.imported.is_empty());
        let errors = settings.startup_errors.join("\n");
        assert!(errors.contains("not a HAR 1.2 file"), "{errors}");

        let good = dir.path().join("good.har");
        let exchange = crate::oauth::Exchange::new("GET", "https://as.example/jwks");
        let har = transcript::to_har(&[exchange], false);
        std::fs::write(&good, har.to_string()).unwrap();
        let settings = settings_from(&TuiArgs {
            issuer: None,
            config: Some(dir.path().join("profile.toml")),
            har: Some(good),
        });
        assert_eq!(settings.imported.len(), 1);
        let (app, _rx) = App::new(settings);
        assert_eq!(app.exchanges.entries[0].url, "https://as.example/jwks");
    }
}
