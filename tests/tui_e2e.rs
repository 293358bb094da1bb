//! The real binary in a real terminal (tmux): with no arguments (the built-in mock) it
//! completes the authorization code flow with the in-terminal sign-in, and the terminal is put
//! back on every way out. Needs tmux: run by `.ci/run` with `--ignored`.

mod tmux_support;

use std::process::Command;

use tmux_support::Tmux;

/// From the flow list with the code flow selected: picks it, sends the authorization request,
/// signs in as alice in the terminal and approves, then sends the rest to the end.
fn code_flow_signed_in_as_alice(tmux: &Tmux) {
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
}

#[test]
#[ignore = "needs tmux; .ci/run runs it with --ignored"]
fn the_binary_completes_a_code_flow_in_a_real_terminal() {
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux::start("e2e", home.path(), &[], 100, 30);

    tmux.wait_for("discovered Built-in mock");
    code_flow_signed_in_as_alice(&tmux);
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
        // A change just before the end is saved on every way out.
        tmux.keys(&["t"]);
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
        let profile = std::fs::read_to_string(home.path().join("profile.toml")).unwrap();
        assert!(profile.contains("theme = \"light\""), "{how}: {profile}");
    }
}

/// A newcomer's first goal at 80x24: choose the confidential client, run the code flow with
/// PKCE and the in-terminal sign-in, revoke the access token, then introspect it, and read
/// on screen that the server no longer accepts it. `OAUTHSCOPE_TMUX_BIN` runs it against the
/// release binary.
#[test]
#[ignore = "needs tmux; .ci/run runs it with --ignored"]
fn code_flow_then_revoke_then_introspect_at_80x24() {
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux::start("newcomer", home.path(), &[], 80, 24);

    tmux.wait_for("discovered Built-in mock");
    // Revocation and introspection need a client that can authenticate: pick it, then enter
    // makes it the one the flows run as.
    tmux.keys(&["2"]);
    tmux.wait_for("demo-confidential");
    tmux.keys(&["j", "Enter"]);
    tmux.wait_for("· demo-confidential");
    tmux.keys(&["3"]);
    tmux.wait_for("Authorization code");
    code_flow_signed_in_as_alice(&tmux);
    let done = tmux.screen();
    assert!(done.contains("? help"), "the footer names help: {done}");

    // Revoke the access token the flow selected.
    tmux.keys(&["5"]);
    tmux.wait_for("✓ valid");
    tmux.keys(&["v"]);
    tmux.wait_for("Revoke the token");
    tmux.keys(&["Enter"]);
    tmux.wait_for("flow complete");
    tmux.keys(&["5"]);
    tmux.wait_for("✗ revoked");

    // Introspection: the server says the token is no longer active.
    tmux.keys(&["i"]);
    tmux.wait_for("Introspect");
    tmux.keys(&["Enter"]);
    tmux.wait_for("flow complete");
    let flow = tmux.screen();
    assert!(
        flow.contains("\"active\": false") || flow.contains("inactive"),
        "{flow}"
    );
    tmux.keys(&["5"]);
    let tokens = tmux.wait_for("✗ inactive");
    assert!(tokens.contains("(by introspection, RFC 7662)"), "{tokens}");
    assert!(!tokens.contains("✓ valid"), "{tokens}");

    tmux.quit_and_check_restored();
}

/// The built-in mock's demo key client, for a newcomer at 80x24: made the active client, it
/// signs an assertion in the JWT bearer form that the mock (trusting it as an issuer) trades
/// for a token.
#[test]
#[ignore = "needs tmux; .ci/run runs it with --ignored"]
fn the_jwt_bearer_grant_gets_a_token_from_the_built_in_mock_at_80x24() {
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux::start("jwt-bearer", home.path(), &[], 80, 24);
    tmux.wait_for("discovered Built-in mock");
    tmux.keys(&["2"]);
    tmux.wait_for("demo-private-key");
    tmux.keys(&["G", "Enter"]);
    tmux.wait_for("flows now use client demo-private-key");
    tmux.keys(&["3", "G", "Enter"]);
    let form = tmux.wait_for("JWT bearer grant (RFC 7523");
    assert!(form.contains("demo-private-key"), "iss prefilled: {form}");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Trade the assertion for a token");
    tmux.keys(&["Enter"]);
    tmux.wait_until("the token", |s| {
        s.contains("the next request is ready") || s.contains("flow complete")
    });
    tmux.keys(&["5"]);
    let tokens = tmux.wait_for("JWT bearer grant");
    assert!(tokens.contains("access"), "{tokens}");
    tmux.quit_and_check_restored();
}
