//! What the CLI tests share: a loopback listener for a test server, and the real binary.

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
