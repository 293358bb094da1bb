//! The real binary in a real terminal: tmux runs `oauthscope` with no arguments (the built-in
//! mock), keys are sent, and the test waits for text on the screen. Completes the
//! authorization code flow with the in-terminal sign-in, then quits.
//!
//! Needs tmux (CI installs it); without it the test says so and passes without running.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A tmux server of its own (`-L`), so the test never touches the user's sessions.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "app"]).stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for key in keys {
            self.run(&["send-keys", "-t", "app", key]);
            // One key at a time, like a person: each lands on the screen the previous one made.
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {text:?}; the screen is:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn session_alive(&self) -> bool {
        self.run(&["has-session", "-t", "app"]).status.success()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_binary_completes_a_code_flow_in_a_real_terminal() {
    if !tmux_available() {
        eprintln!("SKIPPED: tmux is not installed; install tmux to run the end-to-end test");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let binary = env!("CARGO_BIN_EXE_oauthscope");
    let profile = home.path().join("profile.toml");
    let tmux = Tmux {
        socket: format!("oauthscope-e2e-{}", std::process::id()),
    };
    let command = format!(
        "env HOME={home} XDG_CONFIG_HOME={home} TERM=xterm-256color {binary} --config {profile}",
        home = quote(home.path()),
        binary = quote(Path::new(binary)),
        profile = quote(&profile),
    );
    let started = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "app",
        "-x",
        "100",
        "-y",
        "30",
        &command,
    ]);
    assert!(started.status.success(), "{started:?}");

    tmux.wait_for("discovered Built-in mock");
    tmux.keys(&["Enter"]);
    tmux.wait_for("enter sends it");
    tmux.keys(&["Enter"]);
    tmux.wait_for("waiting for the redirect on 127.0.0.1:");
    tmux.keys(&["s"]);
    tmux.wait_for("Sign in as:");
    tmux.keys(&["Enter"]);
    tmux.wait_for("a approve");
    tmux.keys(&["a"]);
    tmux.wait_for("state/iss check out");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the next request is ready");
    tmux.keys(&["Enter"]);
    tmux.wait_for("flow complete");
    tmux.keys(&["5"]);
    tmux.wait_for("✓ valid");

    tmux.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while tmux.session_alive() {
        assert!(
            Instant::now() < deadline,
            "q did not quit:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Starts the binary in a fresh tmux server, kept on screen after it exits so the terminal
/// state it left behind can be read.
fn start_app(tmux: &Tmux, home: &Path) {
    let binary = env!("CARGO_BIN_EXE_oauthscope");
    let command = format!(
        "exec env HOME={home} XDG_CONFIG_HOME={home} TERM=xterm-256color {binary} --config {profile}",
        home = quote(home),
        binary = quote(Path::new(binary)),
        profile = quote(&home.join("profile.toml")),
    );
    let started = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "app",
        "-x",
        "100",
        "-y",
        "30",
        &command,
    ]);
    assert!(started.status.success(), "{started:?}");
    tmux.run(&["set-option", "-t", "app", "remain-on-exit", "on"]);
}

impl Tmux {
    fn format(&self, format: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", "app", format]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn wait_until_dead(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.format("#{pane_dead}") != "1" {
            assert!(
                Instant::now() < deadline,
                "the app did not exit:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[test]
fn the_terminal_is_restored_after_quit_and_after_sigterm() {
    if !tmux_available() {
        eprintln!("SKIPPED: tmux is not installed; install tmux to run the end-to-end test");
        return;
    }
    for how in ["q", "SIGTERM"] {
        let home = tempfile::tempdir().unwrap();
        let tmux = Tmux {
            socket: format!("oauthscope-e2e-restore-{}-{how}", std::process::id()),
        };
        start_app(&tmux, home.path());
        tmux.wait_for("discovered Built-in mock");
        assert_eq!(
            tmux.format("#{alternate_on}"),
            "1",
            "the app runs on the alternate screen"
        );
        assert_eq!(
            tmux.format("#{mouse_any_flag}"),
            "1",
            "the app captures the mouse"
        );
        match how {
            "q" => tmux.keys(&["q"]),
            _ => {
                let pid = tmux.format("#{pane_pid}");
                let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
                assert!(killed.success());
            }
        }
        tmux.wait_until_dead();
        assert_eq!(
            tmux.format("#{alternate_on}"),
            "0",
            "{how}: back on the main screen"
        );
        assert_eq!(
            tmux.format("#{mouse_any_flag}"),
            "0",
            "{how}: mouse released"
        );
        // A process killed outright (SIGKILL) leaves tmux on the alternate screen with the
        // mouse captured, so the two checks above show that the restore ran.
        assert_eq!(
            tmux.format("#{pane_dead_signal}"),
            "",
            "{how}: not killed by a signal"
        );
    }
}

/// Single-quotes a path for the shell tmux runs the command with.
fn quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}
