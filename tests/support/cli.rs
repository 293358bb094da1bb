//! What the CLI tests share: a loopback listener for a test server, and the real binary.
#![allow(dead_code)] // each test binary uses a different subset

use tokio::net::TcpListener;

/// A listener on an ephemeral loopback port, and its base URL.
pub async fn listener() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    (listener, base)
}

/// Runs `oauthscope` with `args` and collects what it printed.
pub async fn oauthscope(args: &[&str]) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_oauthscope"))
        .args(args)
        .output()
        .await
        .expect("the binary runs")
}

/// The one JSON document a successful `--json` run printed; fails the test with its stderr
/// when the run failed.
pub fn ok_json(out: &std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON document")
}
