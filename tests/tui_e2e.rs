//! The real binary in a real terminal (tmux): with no arguments (the built-in mock) it
//! completes the authorization code flow with the in-terminal sign-in, and the terminal is put
//! back on every way out. Needs tmux: run by `.ci/run` with `--ignored`.

mod tmux_support;

use std::process::Command;

use tmux_support::Tmux;

#[test]
#[ignore = "needs tmux; .ci/run runs it with --ignored"]
fn the_binary_completes_a_code_flow_in_a_real_terminal() {
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux::start("e2e", home.path(), &[], 100, 30);

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

    tmux.quit_and_check_restored();
}

#[test]
#[ignore = "needs tmux; .ci/run runs it with --ignored"]
fn the_terminal_is_restored_after_quit_and_after_sigterm() {
    for how in ["q", "SIGTERM"] {
        let home = tempfile::tempdir().unwrap();
        let tmux = Tmux::start(&format!("e2e-restore-{how}"), home.path(), &[], 100, 30);
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
        tmux.assert_restored(how);
    }
}
