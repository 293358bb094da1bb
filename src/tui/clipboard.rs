//! Copying to the clipboard: the system clipboard through arboard, and where that fails for
//! any reason (no display, SSH, Wayland without a data-control protocol) the OSC 52 escape,
//! which asks the terminal itself to set the clipboard and works across SSH.

use std::io::Write;
use std::sync::{Arc, Mutex};

use base64::Engine;

/// How a copy reached the clipboard, for the status message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyOutcome {
    System,
    /// arboard failed with this reason; the text went out as OSC 52.
    Osc52 {
        why_not_system: String,
    },
}

/// The system clipboard, opened once and kept: on X11 the copied text lives only as long as
/// the process holding the clipboard, so dropping it after each copy would lose the text.
#[derive(Clone, Default)]
pub struct SystemClipboard {
    inner: Arc<Mutex<Option<arboard::Clipboard>>>,
}

impl SystemClipboard {
    /// Tries the system clipboard. Blocking (X11 may take a moment): call from a blocking task.
    pub fn set_text(&self, text: &str) -> Result<(), String> {
        let mut slot = self
            .inner
            .lock()
            .map_err(|_| "clipboard lock poisoned".to_string())?;
        if slot.is_none() {
            *slot = Some(arboard::Clipboard::new().map_err(|e| e.to_string())?);
        }
        let clipboard = slot.as_mut().ok_or("no clipboard")?;
        clipboard.set_text(text.to_string()).map_err(|e| {
            // A broken connection will not heal: reopen next time.
            *slot = None;
            e.to_string()
        })
    }
}

/// The OSC 52 sequence that sets the terminal's clipboard ("c") to `text`.
pub fn osc52_sequence(text: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\x1b]52;c;{encoded}\x07")
}

/// Writes the OSC 52 sequence for `text` to the terminal.
pub fn write_osc52(out: &mut dyn Write, text: &str) -> std::io::Result<()> {
    out.write_all(osc52_sequence(text).as_bytes())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_is_base64_between_the_escape_and_bell() {
        assert_eq!(osc52_sequence("hi"), "\x1b]52;c;aGk=\x07");
        let mut out = Vec::new();
        write_osc52(&mut out, "curl 'x'").unwrap();
        assert_eq!(out, osc52_sequence("curl 'x'").into_bytes());
    }
}
