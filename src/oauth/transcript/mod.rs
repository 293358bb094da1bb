//! Transcripts of a session's exchanges: HAR 1.2 (for browser developer tools and HAR
//! viewers, and to import someone else's capture) and Markdown (for a ticket or teaching
//! notes). Both show each exchange's masked view ([`Exchange::redacted`]) unless asked to
//! reveal: secrets are masked by where they are, never by searching the text.

pub mod har;
pub mod markdown;

pub use har::{MAX_HAR_BYTES, MAX_HAR_ENTRIES, from_har, read_har_file, to_har};
pub use markdown::{StepLine, to_markdown};

use crate::oauth::Exchange;

/// Why a transcript could not be read or written, with a stable code.
#[derive(Debug, thiserror::Error)]
pub enum TranscriptError {
    #[error("cannot read {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error(
        "{path} is larger than {limit} bytes: not read (a HAR file of a session is far smaller)"
    )]
    TooLarge { path: String, limit: u64 },
    #[error("not a HAR 1.2 file: {0}")]
    Invalid(String),
    #[error("the HAR file has {count} entries; at most {limit} are read")]
    TooManyEntries { count: usize, limit: usize },
    #[error("cannot write {path}: {reason}")]
    Unwritable { path: String, reason: String },
}

impl TranscriptError {
    /// A stable code for scripts.
    pub fn code(&self) -> &'static str {
        match self {
            TranscriptError::Unreadable { .. } => "har_unreadable",
            TranscriptError::TooLarge { .. } => "har_too_large",
            TranscriptError::Invalid(_) => "har_invalid",
            TranscriptError::TooManyEntries { .. } => "har_too_many_entries",
            TranscriptError::Unwritable { .. } => "transcript_unwritable",
        }
    }
}

/// The exchange as a transcript shows it: masked, unless `reveal`.
fn shown(exchange: &Exchange, reveal: bool) -> Exchange {
    if reveal {
        exchange.clone()
    } else {
        exchange.redacted()
    }
}

/// Writes `text` to `path`, the error naming the file.
pub fn write_file(path: &std::path::Path, text: &str) -> Result<(), TranscriptError> {
    std::fs::write(path, text).map_err(|e| TranscriptError::Unwritable {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}
