//! What a user waits for, end to end, on the real binary (hyperfine-style: each run timed
//! from spawn, the median and the spread printed, nothing asserted):
//!
//! - `oauthscope run code` against the built-in mock: discovery, the loopback listener, the
//!   browser (`$BROWSER` is curl following the redirects), the code exchange and the token
//!   checks, until the process exits.
//! - `oauthscope mcp --mock` from spawn to the answer of its first `tools/call` (a client
//!   credentials token from the mock it starts in the same process), over stdio.
//!
//! `cargo bench --bench end_to_end` (release profile). Needs curl.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use oauthscope::mock::{
    DEMO_CONFIDENTIAL_CLIENT, DEMO_PUBLIC_CLIENT, DEMO_SECRET, MockConfig, MockServer,
};
use serde_json::{Value, json};

const RUNS: usize = 20;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        // `cargo bench -- --list` asks for the benchmark names.
        println!("run code: bench\nmcp first tools/call: bench");
        return;
    }
    let binary = env!("CARGO_BIN_EXE_oauthscope");
    report(
        "oauthscope run code (built-in mock, $BROWSER = curl)",
        run_code(binary),
    );
    report(
        "oauthscope mcp --mock, spawn to first tools/call answer",
        mcp_first_call(binary),
    );
}

fn report(what: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{what}: median {:.1} ms, min {:.1} ms, max {:.1} ms ({} runs)",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1]),
        times.len()
    );
}

fn run_code(binary: &str) -> Vec<Duration> {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let mut config = MockConfig::demo();
    config.auto_approve = Some("alice".into());
    let mock = runtime
        .block_on(MockServer::start(config))
        .expect("the mock starts");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let browser = dir.path().join("browser.sh");
    std::fs::write(&browser, "#!/bin/sh\nexec curl -sfL -o /dev/null \"$1\"\n").expect("write");
    std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let home = dir.path().join("home");
    (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            let out = Command::new(binary)
                .args(["run", "code", "--issuer", mock.issuer()])
                .args([
                    "--client-id",
                    DEMO_PUBLIC_CLIENT,
                    "--scope",
                    "openid",
                    "--json",
                ])
                .env("BROWSER", &browser)
                // A profile of its own: the user's saved clients play no part.
                .env("HOME", &home)
                .env("XDG_CONFIG_HOME", &home)
                .stdin(Stdio::null())
                .output()
                .expect("the binary runs");
            let took = started.elapsed();
            assert!(
                out.status.success(),
                "run code failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            took
        })
        .collect()
}

fn mcp_first_call(binary: &str) -> Vec<Duration> {
    (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            let mut child = Command::new(binary)
                .args(["mcp", "--mock"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("the binary runs");
            let mut stdin = child.stdin.take().expect("stdin");
            let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
            let mut send = |message: Value| {
                writeln!(stdin, "{message}").expect("write to the server");
                stdin.flush().expect("flush");
            };
            send(
                json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                    "protocolVersion": "2025-06-18",
                    "capabilities": {},
                    "clientInfo": {"name": "end_to_end bench", "version": "1"},
                }}),
            );
            let _ = lines.next().expect("an answer to initialize");
            send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
            send(
                json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
                    "name": "oauth2_exchange_token",
                    "arguments": {
                        "grant_type": "client_credentials",
                        "client_id": DEMO_CONFIDENTIAL_CLIENT,
                        "client_secret": DEMO_SECRET,
                    },
                }}),
            );
            let answer: Value =
                serde_json::from_str(&lines.next().expect("an answer").expect("a line"))
                    .expect("JSON-RPC");
            let took = started.elapsed();
            assert!(
                answer["result"]["isError"] != true && answer["result"].is_object(),
                "the tool call failed: {answer}"
            );
            let _ = child.kill();
            let _ = child.wait();
            took
        })
        .collect()
}
