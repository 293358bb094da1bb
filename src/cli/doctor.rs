//! `oauthscope doctor TOKEN [--issuer URL]`: what is wrong or risky about a token, in words,
//! each finding with its code and the section it rests on. `--fail-on LEVEL` makes it a CI
//! gate: exit 1 on any finding at or above the level.

use std::process::ExitCode;
use std::time::Duration;

use serde_json::json;

use super::decode::read_token;
use super::output::Out;
use super::{DoctorArgs, TokenUseArg, discover_server, http_client};
use crate::oauth::doctor::{self, Finding, Severity, TokenContext, TokenUse};
use crate::oauth::jwks::{JwkSet, KeyStore};
use crate::oauth::jwt::Jwt;
use crate::wire::ServerMetadata;

pub async fn run(args: DoctorArgs) -> ExitCode {
    let out = Out::new(&args.output).without_hints();
    let http = match http_client() {
        Ok(h) => h,
        Err(e) => return out.finish("doctor", json!({}), Err(e)),
    };
    let jwt = match read_token(args.token.secret())
        .and_then(|t| Jwt::decode(&t).map_err(|e| e.to_string()))
    {
        Ok(jwt) => jwt,
        Err(reason) => return out.finish("doctor", json!({}), Err(reason)),
    };
    let (metadata, keys) = match &args.issuer {
        None => (None, None),
        Some(issuer) => match issuer_keys(&http, issuer, &args).await {
            Ok((metadata, keys)) => (Some(metadata), Some(keys)),
            Err(reason) => {
                let doc = json!({ "exchanges": out.exchanges_json(&http.log().snapshot()) });
                return out.finish("doctor", doc, Err(reason));
            }
        },
    };
    let ctx = TokenContext {
        skew: Duration::from_secs(args.skew),
        jwks: keys.as_ref(),
        metadata: metadata.as_ref(),
        audience: args.audience.as_deref(),
        expected_use: args.token_use.map(|u| match u {
            TokenUseArg::Access => TokenUse::Access,
            TokenUseArg::Id => TokenUse::Id,
        }),
        ..TokenContext::default()
    };
    let mut findings = doctor::diagnose_token(&jwt, &ctx);
    if let Some(m) = &metadata {
        findings.extend(doctor::diagnose_server(m));
    }

    print_findings(&out, &findings);
    let failing: Vec<&str> = findings
        .iter()
        .filter(|f| f.severity >= args.fail_on)
        .map(|f| f.code)
        .collect();
    let doc = json!({
        "header": jwt.unverified_header(),
        "claims": jwt.unverified_claims(),
        "findings": findings,
        "worst": doctor::worst(&findings),
        "fail_on": args.fail_on,
        "exchanges": out.exchanges_json(&http.log().snapshot()),
    });
    let result = if failing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} finding(s) at or above {}: {}",
            failing.len(),
            args.fail_on.name(),
            failing.join(", ")
        ))
    };
    out.finish("doctor", doc, result)
}

/// The issuer's metadata and published keys.
async fn issuer_keys(
    http: &crate::oauth::RecordingClient,
    issuer: &str,
    args: &DoctorArgs,
) -> Result<(ServerMetadata, JwkSet), String> {
    let found = discover_server(http, issuer, &args.endpoints).await?;
    let jwks_uri = found.metadata.jwks_uri.clone().ok_or_else(|| {
        format!("{issuer} publishes no jwks_uri: its keys cannot be checked (give --jwks-uri)")
    })?;
    let keys = KeyStore::from_url(jwks_uri)
        .keys(http)
        .await
        .map_err(|e| e.to_string())?
        .clone();
    Ok((found.metadata, keys))
}

/// The findings for a human: one block each, the most severe first.
fn print_findings(out: &Out, findings: &[Finding]) {
    if findings.is_empty() {
        out.line("No findings: nothing the doctor checks is wrong with this token.");
        return;
    }
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    out.line(format!(
        "{} finding(s): {} error(s), {} warning(s), {} info",
        findings.len(),
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info)
    ));
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by_key(|f| std::cmp::Reverse(f.severity));
    for finding in sorted {
        out.line(finding_text(finding));
    }
}

/// One finding as text: `✗ error  alg-none (RFC 8725 §3.1)`, the message, the evidence.
fn finding_text(finding: &Finding) -> String {
    let glyph = match finding.severity {
        Severity::Error => "✗",
        Severity::Warning => "!",
        Severity::Info => "·",
    };
    let mut text = format!(
        "\n{glyph} {:<7} {} ({})\n   {}",
        finding.severity.name(),
        finding.code,
        finding.reference,
        finding.message
    );
    for (name, value) in &finding.evidence {
        text.push_str(&format!("\n   {name}: {value}"));
    }
    text
}
