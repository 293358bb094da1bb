//! The system clipboard path of copying (arboard on X11), checked under a virtual X server
//! and read back by an independent program (xclip). Needs Xvfb and xclip, so it is ignored by
//! a plain `cargo test`; `.ci/run` installs both and runs it with `--ignored`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use oauthscope::tui::clipboard::SystemClipboard;

/// A private X server on a display number it picks itself, stopped on drop.
struct VirtualDisplay {
    server: Child,
    display: String,
}

impl VirtualDisplay {
    fn start() -> VirtualDisplay {
        let mut server = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-nolisten",
                "tcp",
                "-screen",
                "0",
                "320x200x24",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb runs (Debian: apt-get install xvfb)");
        let mut line = String::new();
        let stdout = server.stdout.take().expect("Xvfb's stdout");
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("Xvfb says its display");
        VirtualDisplay {
            server,
            display: format!(":{}", line.trim()),
        }
    }
}

impl Drop for VirtualDisplay {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

fn xclip_reads(display: &str) -> String {
    let out = Command::new("xclip")
        .args(["-o", "-selection", "clipboard"])
        .env("DISPLAY", display)
        .output()
        .expect("xclip runs (Debian: apt-get install xclip)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
#[ignore = "needs Xvfb and xclip; .ci/run runs it"]
fn a_copy_reaches_the_x11_clipboard() {
    let screen = VirtualDisplay::start();
    // This test binary holds only this test, so no other thread reads the environment.
    unsafe { std::env::set_var("DISPLAY", &screen.display) };
    let clipboard = SystemClipboard::default();
    clipboard
        .set_text("eyJhbGciOiJSUzI1NiJ9.copied")
        .expect("arboard sets the clipboard");
    assert_eq!(xclip_reads(&screen.display), "eyJhbGciOiJSUzI1NiJ9.copied");
}
