//! The real binary's workshop mode in a real terminal (tmux): `oauthscope demo code` starts
//! the built-in mock, plays the code flow step by step with space, goes back a step, reaches
//! the summary, and q puts the terminal back. Needs tmux: run with `--ignored`;
//! `OAUTHSCOPE_TMUX_BIN` runs it against the release binary.

mod tmux_support;

use tmux_support::Tmux;

#[test]
#[ignore = "needs tmux; .ci/run runs it with --ignored"]
fn demo_code_plays_to_the_summary_in_a_real_terminal() {
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux::start("demo-code", home.path(), &["demo", "code"], 100, 30);
    tmux.wait_for("Press space to start");
    assert_eq!(
        tmux.format("#{alternate_on}"),
        "1",
        "on the alternate screen"
    );
    let steps = [
        "PKCE: S256 supported",
        "code_challenge_method = S256",
        "login page: sign in as alice",
        "✓ state is the one sent",
        "refresh_token R1",
        "✓ ID token: signature",
    ];
    for (i, want) in steps.iter().enumerate() {
        tmux.keys(&["Space"]);
        let place = format!("step {} of 6", i + 1);
        let screen = tmux.wait_until(want, |s| s.contains(&place) && s.contains(want));
        assert!(!screen.contains("did not go as the demo shows"), "{screen}");
    }
    tmux.keys(&["Left"]);
    let back = tmux.wait_for("step 5 of 6");
    assert!(
        back.contains("Shown again: nothing is undone on the server."),
        "{back}"
    );
    tmux.keys(&["Enter"]);
    tmux.wait_for("step 6 of 6");
    tmux.keys(&["Enter"]);
    let summary = tmux.wait_for("6 of 6 steps played");
    assert!(summary.contains("0 failed"), "{summary}");
    tmux.quit_and_check_restored();
}
