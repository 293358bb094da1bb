//! Start-up and idle cost of the terminal app, measured on the real binary in a pseudo-
//! terminal (util-linux `script`): time from spawn until the built-in mock's issuer is on
//! screen, resident memory once settled, and CPU used while idle. Printed, not asserted.
//!
//! `cargo bench --bench tui_startup` (release profile). Linux only (reads /proc).

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const RUNS: usize = 10;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        // `cargo bench -- --list` asks for the benchmark names.
        println!("startup: bench");
        return;
    }
    let binary = env!("CARGO_BIN_EXE_oauthscope");
    let mut first_frames = Vec::new();
    let mut last = None;
    for run in 0..RUNS {
        let measured = measure(binary, run + 1 == RUNS);
        first_frames.push(measured.first_frame);
        last = Some(measured);
    }
    first_frames.sort();
    let median = first_frames[first_frames.len() / 2];
    println!(
        "first frame with the issuer on screen: median {:.1} ms, min {:.1} ms, max {:.1} ms ({RUNS} runs)",
        ms(median),
        ms(first_frames[0]),
        ms(first_frames[first_frames.len() - 1])
    );
    if let Some(m) = last {
        match (m.rss_kb, m.idle_ticks) {
            (Some(rss), Some(ticks)) => {
                println!("resident memory after 1 s: {rss} kB");
                println!("CPU while idle for 3 s: {ticks} clock ticks (1 tick = 10 ms)");
            }
            _ => {
                println!("the app process was not found under script(1): no memory or CPU figures")
            }
        }
    }
}

struct Measured {
    first_frame: Duration,
    rss_kb: Option<u64>,
    idle_ticks: Option<u64>,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn measure(binary: &str, with_idle: bool) -> Measured {
    let config = std::env::temp_dir().join(format!("oauthscope-bench-{}.toml", std::process::id()));
    let inner = format!(
        "stty cols 120 rows 36; exec env TERM=xterm-256color '{binary}' --config '{}'",
        config.display()
    );
    let started = Instant::now();
    let mut child = Command::new("script")
        .args(["-qfec", &inner, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("script(1) from util-linux runs");
    let mut stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        let mut reported = false;
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
            if !reported && String::from_utf8_lossy(&seen).contains("http://127.0.0.1:") {
                let _ = tx.send(Instant::now());
                reported = true;
            }
        }
    });
    let seen = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the issuer appears on screen");
    let first_frame = seen - started;
    let app = app_pid(child.id());
    let (mut rss_kb, mut idle_ticks) = (None, None);
    if with_idle && let Some(pid) = app {
        std::thread::sleep(Duration::from_secs(1));
        rss_kb = rss(pid);
        let before = cpu_ticks(pid);
        std::thread::sleep(Duration::from_secs(3));
        idle_ticks = before.zip(cpu_ticks(pid)).map(|(a, b)| b - a);
    }
    if let Some(stdin) = child.stdin.as_mut() {
        let _ = stdin.write_all(b"q");
        let _ = stdin.flush();
    }
    let _ = child.wait();
    let _ = std::fs::remove_file(&config);
    Measured {
        first_frame,
        rss_kb,
        idle_ticks,
    }
}

/// The oauthscope process: the child of `script`, once it has exec'd.
fn app_pid(script_pid: u32) -> Option<u32> {
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let comm_ok = stat.contains("(oauthscope)");
            let ppid = stat_field(&stat, 4);
            if comm_ok && ppid == Some(u64::from(script_pid)) {
                return Some(pid);
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

/// Field `n` (1-based, as in proc(5)) of /proc/PID/stat, counting after the command name.
fn stat_field(stat: &str, n: usize) -> Option<u64> {
    let after = stat.rsplit_once(')')?.1;
    after.split_whitespace().nth(n - 3)?.parse().ok()
}

fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    Some(stat_field(&stat, 14)? + stat_field(&stat, 15)?)
}

fn rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}
