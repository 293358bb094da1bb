//! What background tasks bring back to the app.

/// The result of one background task, handed to `App::update` as `Action::Task`.
#[derive(Debug)]
pub enum Outcome {
    /// The system clipboard was tried with `text`; on error the app falls back to OSC 52.
    Copied {
        text: String,
        what: String,
        result: Result<(), String>,
    },
}
