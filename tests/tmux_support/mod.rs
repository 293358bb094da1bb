//! The real binary in a real terminal: a tmux server of its own runs `oauthscope`, keys are
//! sent, and the test reads the screen and the terminal state tmux keeps (alternate screen,
//! mouse capture, the pane's exit). Needs tmux, so the tests using it are `#[ignore]`d and
//! `.ci/run` runs them with `--ignored`.

#![allow(dead_code)] // each test file uses part of the harness

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A tmux server of its own (`-L`), so a test never touches the user's sessions; killed on
/// drop.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts the binary with `args` in a `width`x`height` terminal, with a fresh `HOME` and
    /// profile under `home`. The pane stays after the app exits, so the terminal state it
    /// left behind can be read.
    pub fn start(name: &str, home: &Path, args: &[&str], width: u16, height: u16) -> Tmux {
        let tmux = Tmux {
            socket: format!("oauthscope-{name}-{}", std::process::id()),
        };
        // OAUTHSCOPE_TMUX_BIN runs the same test against another build (the release binary);
        // by default the one cargo built for this test run.
        let binary = std::env::var("OAUTHSCOPE_TMUX_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_oauthscope").to_string());
        let mut command = format!(
            "exec env HOME={home} XDG_CONFIG_HOME={home} TERM=xterm-256color {binary} --config {profile}",
            home = quote(home),
            binary = quote(Path::new(&binary)),
            profile = quote(&home.join("profile.toml")),
        );
        for arg in args {
            command.push(' ');
            command.push_str(&quote(Path::new(arg)));
        }
        let (width, height) = (width.to_string(), height.to_string());
        let started = tmux.run(&[
            "new-session",
            "-d",
            "-s",
            "app",
            "-x",
            &width,
            "-y",
            &height,
            &command,
        ]);
        assert!(started.status.success(), "{started:?}");
        tmux.run(&["set-option", "-t", "app", "remain-on-exit", "on"]);
        tmux
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "app"]).stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        for key in keys {
            self.run(&["send-keys", "-t", "app", key]);
            // One key at a time, like a person: each lands on the screen the previous one made.
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Types text literally (`send-keys -l`), as a paste would arrive.
    pub fn type_text(&self, text: &str) {
        self.run(&["send-keys", "-t", "app", "-l", text]);
    }

    pub fn wait_for(&self, text: &str) -> String {
        self.wait_until(text, |screen| screen.contains(text))
    }

    pub fn wait_until(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(
                self.alive(),
                "the app exited waiting for {what:?}; the screen is:\n{screen}"
            );
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what:?}; the screen is:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A tmux format for the app's pane (`#{alternate_on}`, `#{pane_dead}`...).
    pub fn format(&self, format: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", "app", format]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// The app's process is still running.
    pub fn alive(&self) -> bool {
        self.format("#{pane_dead}") == "0"
    }

    /// Resizes the terminal the app runs in.
    pub fn resize(&self, width: u16, height: u16) {
        let (width, height) = (width.to_string(), height.to_string());
        let resized = self.run(&["resize-window", "-t", "app", "-x", &width, "-y", &height]);
        assert!(resized.status.success(), "{resized:?}");
    }

    /// Waits until the app has exited, then a moment for tmux to learn its exit status or
    /// signal. tmux 3.3 sometimes marks the pane dead (its pty closed) and never records the
    /// status of the process; the status is then unknown and `assert_restored` relies on the
    /// screen and mouse checks alone.
    pub fn wait_until_dead(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.alive() {
            assert!(
                Instant::now() < deadline,
                "the app did not exit:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let status_deadline = Instant::now() + Duration::from_secs(2);
        while self.exit_status().is_none() && Instant::now() < status_deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The dead pane's exit status and signal as tmux reports them, if it learnt them.
    fn exit_status(&self) -> Option<(String, String)> {
        let status = self.format("#{pane_dead_status}");
        let signal = self.format("#{pane_dead_signal}");
        (!status.is_empty() || !signal.is_empty()).then_some((status, signal))
    }

    /// Quits with `q` and checks the terminal is as it was: main screen, mouse released, and
    /// an exit of its own rather than a kill.
    pub fn quit_and_check_restored(&self) {
        self.keys(&["q"]);
        self.wait_until_dead();
        self.assert_restored("q");
    }

    pub fn assert_restored(&self, how: &str) {
        assert_eq!(
            self.format("#{alternate_on}"),
            "0",
            "{how}: back on the main screen"
        );
        assert_eq!(
            self.format("#{mouse_any_flag}"),
            "0",
            "{how}: mouse released"
        );
        // A process killed outright (SIGKILL) leaves tmux on the alternate screen with the
        // mouse captured, so the two checks above show that the restore ran. The status, when
        // tmux learnt it, shows an exit of the app's own.
        if let Some((status, signal)) = self.exit_status() {
            assert_eq!(signal, "", "{how}: not killed by a signal");
            assert_eq!(status, "0", "{how}: exit status\n{}", self.screen());
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

/// Single-quotes a word for the shell tmux runs the command with.
fn quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}
