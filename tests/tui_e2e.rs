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

/// Single-quotes a path for the shell tmux runs the command with.
fn quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}
