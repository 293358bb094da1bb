//! Command-line parsing of values a server generated: random text may start with `-`.

use std::process::Command;

#[test]
fn values_that_start_with_a_hyphen_are_values_not_flags() {
    // Port 1 on loopback: nothing listens, so the command gets past parsing and fails on the
    // connection, with its own one-line reason instead of a usage error (exit 2).
    let out = Command::new(env!("CARGO_BIN_EXE_oauthscope"))
        .args([
            "introspect",
            "--issuer",
            "http://127.0.0.1:1",
            "--token",
            "-R3abc",
            "--client-id",
            "-id",
            "--client-secret",
            "-Secret",
        ])
        .env_remove("OAUTHSCOPE_CLIENT_SECRET")
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("unexpected argument"), "{stderr}");
    assert!(
        !stderr.contains("-Secret"),
        "a secret must not be echoed: {stderr}"
    );
}

#[test]
fn completions_into_a_closed_pipe_end_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oauthscope"))
        .args(["completions", "zsh"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // Close the reading end at once, as `| head -0` would.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("the binary ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn completions_name_the_commands() {
    let out = Command::new(env!("CARGO_BIN_EXE_oauthscope"))
        .args(["completions", "bash"])
        .output()
        .expect("the binary runs");
    let script = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    for command in ["mock", "discover", "run", "decode", "mcp"] {
        assert!(script.contains(command), "{command} missing");
    }
}
