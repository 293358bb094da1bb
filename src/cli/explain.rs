//! `oauthscope explain [NAME]`: what a parameter, response field, claim, header or error
//! code means, from the explanations catalogue; with no name, the whole catalogue's index.

use std::process::ExitCode;

use serde_json::json;

use super::ExplainArgs;
use super::output::{Out, OutputArgs};
use crate::explain::{Catalogue, Context, Entry, ErrorEntry, catalogue, closest};

pub fn run(args: ExplainArgs) -> ExitCode {
    let output = OutputArgs {
        json: args.json,
        show_secrets: false,
    };
    let out = Out::new(&output).without_hints();
    let catalogue = catalogue();
    let Some(name) = args.name.as_deref().map(str::trim) else {
        return list(&out, catalogue, args.context);
    };
    let entries = catalogue.lookup(name, args.context);
    // An error code is asked for by name, or found inside a pasted message.
    let errors = match args.context {
        Some(_) => Vec::new(),
        None if entries.is_empty() => catalogue.errors_in(name),
        None => catalogue.error(name),
    };
    if entries.is_empty() && errors.is_empty() {
        let suggestions = closest(name, catalogue.names());
        let mut reason = format!("no explanation for `{name}`");
        if let Some(context) = args.context {
            reason.push_str(&format!(" as a {}", context.label()));
        }
        if !suggestions.is_empty() {
            reason.push_str(&format!("; closest: {}", suggestions.join(", ")));
        }
        reason.push_str(" (`oauthscope explain` lists them all)");
        return out.finish(
            "explain",
            json!({ "entries": [], "errors": [], "suggestions": suggestions }),
            Err(reason),
        );
    }
    for entry in &entries {
        print_entry(&out, entry);
    }
    for error in &errors {
        print_error(&out, error);
    }
    out.finish(
        "explain",
        json!({ "entries": entries, "errors": errors }),
        Ok(()),
    )
}

fn print_entry(out: &Out, entry: &Entry) {
    let contexts: Vec<&str> = entry.contexts.iter().map(|c| c.label()).collect();
    out.line(format!("{} ({})", entry.name, contexts.join(", ")));
    if !entry.aliases.is_empty() {
        out.line(format!("  also:    {}", entry.aliases.join(", ")));
    }
    out.line(format!("  for:     {}", entry.purpose));
    out.line(format!("  check:   {}", entry.check));
    out.line(format!("  without: {}", entry.without));
    out.line(format!("  spec:    {}", entry.spec));
    out.line("");
}

fn print_error(out: &Out, error: &ErrorEntry) {
    out.line(format!(
        "{} (error code, {})",
        error.code,
        error.vendor.label()
    ));
    out.line(format!("  means:   {}", error.meaning));
    out.line("  likely causes:");
    for cause in &error.causes {
        out.line(format!("    - {cause}"));
    }
    out.line("  try:");
    for remedy in &error.try_next {
        out.line(format!("    - {remedy}"));
    }
    out.line(format!("  spec:    {}", error.spec));
    out.line("");
}

/// The index: every entry (in one context, or all) with its first sentence, then the codes.
fn list(out: &Out, catalogue: &Catalogue, context: Option<Context>) -> ExitCode {
    let contexts = match context {
        Some(c) => vec![c],
        None => vec![
            Context::Parameter,
            Context::Field,
            Context::Claim,
            Context::Header,
        ],
    };
    for context in &contexts {
        out.line(context.heading());
        for entry in catalogue
            .entries()
            .iter()
            .filter(|e| e.contexts.contains(context))
        {
            out.line(format!("  {:<32} {}", entry.name, entry.summary()));
        }
        out.line("");
    }
    let listed: Vec<&Entry> = catalogue
        .entries()
        .iter()
        .filter(|e| context.is_none_or(|c| e.contexts.contains(&c)))
        .collect();
    let errors: Vec<&ErrorEntry> = match context {
        Some(_) => Vec::new(),
        None => catalogue.errors().iter().collect(),
    };
    let mut vendor = None;
    for error in &errors {
        if vendor != Some(error.vendor) {
            out.line(format!("Error codes: {}", error.vendor.label()));
            vendor = Some(error.vendor);
        }
        out.line(format!("  {:<32} {}", error.code, error.meaning));
    }
    out.line("\n`oauthscope explain NAME` shows one in full.");
    out.finish(
        "explain",
        json!({ "entries": listed, "errors": errors }),
        Ok(()),
    )
}
