//! How the CLI speaks: human text on stdout (secrets masked unless `--show-secrets`), or one
//! JSON document on stdout with `--json`; progress and prompts on stderr; the exit code and a
//! one-line reason at the end.

use std::cell::Cell;
use std::process::ExitCode;

use serde_json::{Value, json};

use crate::explain;
use crate::oauth::jwt::{Check, Verdict, Verification};
use crate::oauth::secret::mask;
use crate::oauth::{Exchange, RequestDraft, Step, StepStatus};
use crate::terminal_text::{self, one_line};

/// Writes one line; write errors (a closed pipe) are ignored on purpose: there is no one left
/// to tell. Every line passes the terminal sanitiser: whatever part of it a server wrote, no
/// control character reaches the terminal raw.
pub fn write_line(stream: &mut impl std::io::Write, args: std::fmt::Arguments<'_>) {
    let text = args.to_string();
    let _ = stream
        .write_all(terminal_text::block(&text).as_bytes())
        .and_then(|()| stream.write_all(b"\n"));
}

/// Writes without a line break and flushes (for prompts), sanitised like [`write_line`].
pub fn write_inline(stream: &mut impl std::io::Write, args: std::fmt::Arguments<'_>) {
    let text = args.to_string();
    let _ = stream
        .write_all(terminal_text::block(&text).as_bytes())
        .and_then(|()| stream.flush());
}

/// `--json` and `--show-secrets`, shared by every command.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct OutputArgs {
    /// Print one JSON document on stdout instead of text.
    #[arg(long)]
    pub json: bool,
    /// Show secrets (tokens, client secrets, codes) in full instead of masked.
    #[arg(long)]
    pub show_secrets: bool,
}

/// The output side of one command run.
pub struct Out {
    pub json: bool,
    pub reveal: bool,
    /// Whether an error's "likely causes / try" lines were shown already (under a failed
    /// step), so the closing reason does not repeat them.
    hinted: Cell<bool>,
}

impl Out {
    pub fn new(args: &OutputArgs) -> Self {
        Out {
            json: args.json,
            reveal: args.show_secrets,
            hinted: Cell::new(false),
        }
    }

    /// For a command whose failure is not a server's error (`explain` of an unknown name):
    /// its reason is not decoded.
    pub fn without_hints(self) -> Self {
        self.hinted.set(true);
        self
    }

    /// The catalogue's "likely causes / try" for an error code named in `reason`, once.
    fn hints(&self, reason: &str) -> Vec<String> {
        if self.hinted.replace(true) {
            return Vec::new();
        }
        let hints = explain::error_hints(reason);
        if hints.is_empty() {
            self.hinted.set(false);
        }
        hints
    }

    /// A line of human output (nothing in JSON mode).
    pub fn line(&self, text: impl AsRef<str>) {
        if !self.json {
            say!("{}", text.as_ref());
        }
    }

    /// A secret as shown to a human.
    pub fn secret(&self, value: &str) -> String {
        if self.reveal {
            value.to_string()
        } else {
            mask(value)
        }
    }

    /// Ends the command: prints the JSON document (with `ok` and `error` set) in JSON mode, the
    /// one-line reason on stderr on failure, and returns the exit code.
    pub fn finish(&self, command: &str, mut doc: Value, result: Result<(), String>) -> ExitCode {
        if self.json {
            if let Value::Object(map) = &mut doc {
                map.insert("ok".into(), Value::Bool(result.is_ok()));
                map.insert(
                    "error".into(),
                    result
                        .as_ref()
                        .err()
                        .map_or(Value::Null, |e| Value::String(e.clone())),
                );
            }
            match serde_json::to_string_pretty(&doc) {
                Ok(text) => say!("{text}"),
                Err(e) => note!("oauthscope {command}: cannot print JSON: {e}"),
            }
        }
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(reason) => {
                note!("oauthscope {command}: {}", one_line(&reason));
                for hint in self.hints(&reason) {
                    note!("  {hint}");
                }
                ExitCode::FAILURE
            }
        }
    }

    /// An exchange as JSON, masked unless `--show-secrets`.
    pub fn exchange_json(&self, exchange: &Exchange) -> Value {
        let shown = if self.reveal {
            exchange.clone()
        } else {
            exchange.redacted()
        };
        serde_json::to_value(&shown).unwrap_or(Value::Null)
    }

    pub fn exchanges_json(&self, exchanges: &[Exchange]) -> Value {
        Value::Array(exchanges.iter().map(|e| self.exchange_json(e)).collect())
    }

    /// A step as JSON: title, explanation, status, the request (secret params masked) and the
    /// exchange.
    pub fn step_json(&self, step: &Step) -> Value {
        let mut json = json!({
            "kind": step.kind,
            "title": step.title,
            "explanation": step.explanation,
            "status": step.status,
            "request": step.request.as_ref().map(|d| self.draft_json(d)),
            "exchange": step.exchange.as_ref().map(|e| self.exchange_json(e)),
            "warnings": step.warnings,
            "dpop_proof": step.dpop_proof,
        });
        // The rules applied and what was learnt on the way, where the step has any.
        if !step.checks.is_empty() {
            json["checks"] = json!(step.checks);
        }
        if !step.notes.is_empty() {
            json["notes"] = json!(step.notes);
        }
        json
    }

    fn draft_json(&self, draft: &RequestDraft) -> Value {
        let hide = |name: &str, value: &str| draft.shown_value(name, value, self.reveal);
        json!({
            "method": draft.method,
            "url": draft.url,
            "headers": draft.headers.iter().map(|(k, v)| (k.clone(), hide(k, v))).collect::<Vec<_>>(),
            "params": draft.params.iter().map(|(k, v)| (k.clone(), hide(k, v))).collect::<Vec<_>>(),
            "json_body": if self.reveal { draft.json_body.clone() } else { draft.masked_json_body() },
            "decoded": draft.decoded_jwts(),
        })
    }

    /// A step for humans: its title and status, why it exists, then the exchange.
    pub fn print_step(&self, number: usize, step: &Step) {
        if self.json {
            return;
        }
        say!("\n{} {number}. {}", step.status.glyph(), step.title);
        say!("   {}", step.explanation);
        match &step.status {
            StepStatus::Failed(reason) => {
                say!("   ✗ {}", one_line(reason));
                for hint in self.hints(reason) {
                    say!("     {hint}");
                }
            }
            StepStatus::Waiting(why) => say!("   … waiting for {}", one_line(why)),
            _ => {}
        }
        if let Some(draft) = &step.request {
            for decoded in draft.decoded_jwts() {
                say!("   {} (decoded JWT, as sent):", decoded.name);
                say!(
                    "     header {}",
                    one_line(&Value::Object(decoded.header).to_string())
                );
                say!(
                    "     claims {}",
                    one_line(&Value::Object(decoded.claims).to_string())
                );
            }
        }
        if let Some(exchange) = &step.exchange {
            self.print_exchange(exchange);
        } else if let Some(draft) = &step.request {
            // A front-channel step: the browser sent it, so there is no exchange to show.
            say!("   → {} {} (through the browser)", draft.method, draft.url);
            for (name, value) in &draft.params {
                say!("     {name}={}", self.param_value(draft, name, value));
            }
        }
    }

    /// A parameter's value as shown: masked when secret, unless `--show-secrets`.
    pub fn param_value(&self, draft: &RequestDraft, name: &str, value: &str) -> String {
        draft.shown_value(name, value, self.reveal)
    }

    /// An exchange for humans: request line, headers and body, then the response.
    pub fn print_exchange(&self, exchange: &Exchange) {
        if self.json {
            return;
        }
        let shown = if self.reveal {
            exchange.clone()
        } else {
            exchange.redacted()
        };
        say!("   → {} {}", shown.method, shown.url);
        for (name, value) in &shown.request_headers {
            say!("     {name}: {value}");
        }
        if let Some(body) = &shown.request_body {
            say!("     {body}");
        }
        match shown.status {
            Some(status) => say!("   ← {status} ({} ms)", shown.duration.as_millis()),
            None => say!("   ← no response ({} ms)", shown.duration.as_millis()),
        }
        if let Some(body) = shown.response_body.as_deref().filter(|b| !b.is_empty()) {
            for line in pretty_body(body).lines() {
                say!("     {line}");
            }
        }
        if let Some(error) = &shown.error {
            say!("   ✗ {}", one_line(error));
        }
    }

    /// Per-check verdicts for humans.
    pub fn print_verification(&self, title: &str, verification: &Verification) {
        if self.json {
            return;
        }
        say!("\n{title}");
        for check in &verification.checks {
            say!("   {}", check_line(check));
        }
    }
}

/// `✓ exp      expires at ...` — a verdict as one aligned line.
pub fn check_line(check: &Check) -> String {
    let glyph = match check.verdict {
        Verdict::Pass => "✓",
        Verdict::Fail => "✗",
        Verdict::Skipped => "·",
    };
    format!("{glyph} {:<9} {}", check.check, one_line(&check.detail))
}

/// JSON bodies pretty-printed, anything else as is (cut when long).
pub fn pretty_body(body: &str) -> String {
    match serde_json::from_str::<Value>(body) {
        Ok(value) => serde_json::to_string_pretty(&value).unwrap_or_else(|_| body.to_string()),
        Err(_) if body.chars().count() > 2000 => {
            let cut: String = body.chars().take(2000).collect();
            format!("{cut}\n… ({} more bytes)", body.len() - cut.len())
        }
        Err(_) => body.to_string(),
    }
}

/// Claims as indented JSON for humans.
pub fn pretty_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_written_line_is_sanitised() {
        let mut stream = Vec::new();
        let body = "\x1b]52;c;aGk=\x07\n\u{202e}";
        write_line(&mut stream, format_args!("   {body}"));
        write_inline(&mut stream, format_args!("{}", "\x1b[2J"));
        assert_eq!(
            String::from_utf8(stream).unwrap(),
            "   \\x1b]52;c;aGk=\\x07\n\\u{202e}\n\\x1b[2J"
        );
    }
}
