//! A session as Markdown, for a ticket or teaching notes: the steps and their status, each
//! exchange's request and response (masked unless revealed), and the doctor's verdicts.
//! Server text is escaped as for a terminal (the file is often read with `cat`), and put in
//! code fences longer than any run of backticks inside, so no body can end its block.

use std::fmt::Write as _;
use std::time::UNIX_EPOCH;

use super::shown;
use crate::oauth::doctor::Finding;
use crate::oauth::step::{Step, StepStatus};
use crate::oauth::{Exchange, time};
use crate::terminal_text;

/// A step as the transcript lists it: its title and where it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct StepLine {
    pub title: String,
    pub status: StepStatus,
}

impl From<&Step> for StepLine {
    fn from(step: &Step) -> Self {
        StepLine {
            title: step.title.clone(),
            status: step.status.clone(),
        }
    }
}

/// The transcript: `title`, the steps, every exchange, then the findings.
pub fn to_markdown(
    title: &str,
    steps: &[StepLine],
    exchanges: &[Exchange],
    findings: &[Finding],
    reveal: bool,
) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# {}\n", safe(title));
    let recorded = exchanges
        .first()
        .and_then(|e| e.started_at.duration_since(UNIX_EPOCH).ok())
        .map(|d| time::date_time_utc(i64::try_from(d.as_secs()).unwrap_or(0)));
    let _ = writeln!(
        md,
        "{}{} exchange(s); secrets {}.\n",
        recorded
            .map(|r| format!("Recorded {r}; "))
            .unwrap_or_default(),
        exchanges.len(),
        if reveal { "SHOWN IN CLEAR" } else { "masked" }
    );
    if !steps.is_empty() {
        md.push_str("## Steps\n\n");
        for (i, step) in steps.iter().enumerate() {
            let detail = match &step.status {
                StepStatus::Waiting(why) | StepStatus::Failed(why) => format!(": {}", safe(why)),
                _ => String::new(),
            };
            let _ = writeln!(
                md,
                "{}. {} {}{detail}",
                i + 1,
                step.status.glyph(),
                safe(&step.title)
            );
        }
        md.push('\n');
    }
    md.push_str("## Exchanges\n\n");
    if exchanges.is_empty() {
        md.push_str("No requests were made.\n\n");
    }
    for (i, exchange) in exchanges.iter().enumerate() {
        write_exchange(&mut md, i + 1, &shown(exchange, reveal));
    }
    md.push_str("## Verdicts\n\n");
    if findings.is_empty() {
        md.push_str("The doctor found nothing to report.\n");
    }
    for f in findings {
        let _ = writeln!(
            md,
            "- **{}** `{}` ({}): {}",
            f.severity.name(),
            f.code,
            f.reference,
            safe(&f.message)
        );
        for (name, value) in &f.evidence {
            let _ = writeln!(
                md,
                "  - {}: `{}`",
                safe(name),
                safe(value).replace('`', "'")
            );
        }
    }
    md
}

fn write_exchange(md: &mut String, number: usize, e: &Exchange) {
    let outcome = match (e.status, &e.error) {
        (Some(status), _) => format!(
            "{status} {}",
            reqwest::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("")
        ),
        (None, Some(error)) => format!("no response: {}", safe(error)),
        (None, None) => "no response".into(),
    };
    let _ = writeln!(md, "### {number}. {} {}\n", safe(&e.method), safe(&e.url));
    let _ = writeln!(
        md,
        "{} in {} ms\n",
        outcome.trim_end(),
        e.duration.as_millis()
    );
    let mut request = format!("{} {}\n", e.method, e.url);
    for (k, v) in &e.request_headers {
        let _ = writeln!(request, "{k}: {v}");
    }
    if let Some(body) = &e.request_body {
        let _ = write!(request, "\n{body}\n");
    }
    fenced(md, "Request", &request);
    if e.status.is_some() {
        let mut response = format!("HTTP/1.1 {}\n", outcome.trim_end());
        for (k, v) in &e.response_headers {
            let _ = writeln!(response, "{k}: {v}");
        }
        if let Some(body) = &e.response_body {
            let _ = write!(response, "\n{}\n", pretty(body));
        }
        fenced(md, "Response", &response);
    }
}

/// JSON bodies pretty-printed, anything else as sent.
fn pretty(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| body.to_string())
}

fn fenced(md: &mut String, label: &str, text: &str) {
    let text = safe(text);
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let _ = writeln!(
        md,
        "{label}:\n\n{fence}http\n{}\n{fence}\n",
        text.trim_end()
    );
}

/// Text as safe to print on a terminal (control characters escaped).
fn safe(text: &str) -> String {
    terminal_text::block(text).into_owned()
}
