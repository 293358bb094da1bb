//! `w` in Exchanges: the session written as a HAR file and a Markdown transcript, masked
//! unless secrets are revealed (`r`), off the loop; the status line names the files. And
//! the other way: a HAR capture opened in Exchanges, the tokens it carries in Tokens.

use std::path::PathBuf;
use std::time::UNIX_EPOCH;

use super::App;
use crate::oauth::Exchange;
use crate::oauth::doctor;
use crate::oauth::doctor::session::endpoint;
use crate::oauth::flow::tokens::process_token_response;
use crate::oauth::time;
use crate::oauth::transcript::{self, StepLine};
use crate::tui::model::{FlowView, TokenKind};
use crate::tui::outcome::Outcome;

impl App {
    /// Shows a capture's exchanges in Exchanges, and the tokens of its token responses in
    /// Tokens (decoded; the doctor judges them).
    pub(super) fn import(&mut self, exchanges: Vec<Exchange>) {
        for exchange in exchanges {
            if let Ok(tokens) = process_token_response(&exchange) {
                let source = format!("imported: {} {}", exchange.method, endpoint(&exchange.url));
                let issued = [
                    (TokenKind::Access, Some(&tokens.access_token)),
                    (TokenKind::Id, tokens.id_token.as_ref()),
                    (TokenKind::Refresh, tokens.refresh_token.as_ref()),
                ];
                for (kind, value) in issued {
                    if let Some(value) = value {
                        self.add_token(kind, value.secret().to_string(), &source, None);
                    }
                }
            }
            self.record(exchange);
        }
    }

    pub(super) fn write_transcript(&mut self) {
        if self.exchanges.entries.is_empty() {
            return self.info("no exchanges yet: nothing to write".into());
        }
        let reveal = self.ui.reveal;
        let exchanges = &self.exchanges.entries;
        let steps: Vec<StepLine> = match &self.flow {
            FlowView::Running(run) => run.steps().iter().map(StepLine::from).collect(),
            FlowView::Picking(_) => Vec::new(),
        };
        let findings = doctor::diagnose_session(&self.doctor_session());
        let har = transcript::to_har(exchanges, reveal);
        let markdown =
            transcript::to_markdown("oauthscope session", &steps, exchanges, &findings, reveal);
        // Named by the second: a press in a later second writes new files beside the old.
        let stamp = self
            .now()
            .duration_since(UNIX_EPOCH)
            .map(|d| time::iso8601(i64::try_from(d.as_secs()).unwrap_or(0)))
            .unwrap_or_default()
            .replace(':', "");
        let dir = self
            .transcript_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("."));
        let paths = [
            dir.join(format!("oauthscope-{stamp}.har")),
            dir.join(format!("oauthscope-{stamp}.md")),
        ];
        self.tasks.spawn("writing the transcript", async move {
            let written = tokio::task::spawn_blocking(move || {
                let har = serde_json::to_string_pretty(&har).map_err(|e| e.to_string())?;
                for (path, text) in paths.iter().zip([har, markdown]) {
                    transcript::write_file(path, &text).map_err(|e| e.to_string())?;
                }
                Ok(paths.to_vec())
            })
            .await
            .unwrap_or_else(|e| Err(format!("the transcript was not written: {e}")));
            Outcome::TranscriptWritten(written)
        });
    }

    pub(super) fn transcript_written(&mut self, result: Result<Vec<PathBuf>, String>) {
        match result {
            Ok(paths) => {
                let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
                self.success(format!("transcript written: {}", names.join(", ")));
            }
            Err(reason) => self.error(reason),
        }
    }
}
