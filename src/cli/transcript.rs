//! `--har FILE` / `--markdown FILE` on `run`: the run's exchanges written as a transcript
//! once the run is over, whatever flow it was. The verdicts are the steps' outcomes and the
//! doctor's findings on the session (tokens judged with the keys the run fetched).

use std::path::PathBuf;

use serde_json::Value;

use crate::oauth::Exchange;
use crate::oauth::doctor::{self, Session, TokenContext};
use crate::oauth::step::StepStatus;
use crate::oauth::transcript::{self, StepLine};

/// Where to write the run's transcript.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Transcript")]
pub struct TranscriptArgs {
    /// Write the run's exchanges to FILE as HAR 1.2 (secrets masked unless --show-secrets).
    #[arg(long, value_name = "FILE")]
    pub har: Option<PathBuf>,
    /// Write the run as Markdown to FILE: steps, requests and responses, verdicts.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
}

/// Writes the transcripts asked for; returns the files written.
pub fn write(
    args: &TranscriptArgs,
    title: &str,
    doc: &Value,
    exchanges: &[Exchange],
    reveal: bool,
) -> Result<Vec<PathBuf>, String> {
    let mut written = Vec::new();
    if let Some(path) = &args.har {
        let har = transcript::to_har(exchanges, reveal);
        let text = serde_json::to_string_pretty(&har).map_err(|e| e.to_string())?;
        transcript::write_file(path, &text).map_err(|e| e.to_string())?;
        written.push(path.clone());
    }
    if let Some(path) = &args.markdown {
        let findings = doctor::diagnose_session(&Session {
            steps: &[],
            exchanges,
            metadata: None,
            token: TokenContext::default(),
        });
        let text = transcript::to_markdown(title, &steps(doc), exchanges, &findings, reveal);
        transcript::write_file(path, &text).map_err(|e| e.to_string())?;
        written.push(path.clone());
    }
    Ok(written)
}

/// The steps as the run's JSON document records them (flow `mcp` adds its own there).
fn steps(doc: &Value) -> Vec<StepLine> {
    doc["steps"]
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .filter_map(|s| {
                    Some(StepLine {
                        title: s["title"].as_str()?.to_string(),
                        status: serde_json::from_value::<StepStatus>(s["status"].clone()).ok()?,
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}
