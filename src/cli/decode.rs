//! `oauthscope decode JWT`: decode a compact JWS, verify its signature (issuer keys, a JWKS
//! URL or file, or a shared secret) and check its claims, each verdict in words.

use std::io::Read as _;
use std::process::ExitCode;
use std::time::Duration;

use serde_json::{Value, json};

use super::output::{Out, pretty_json};
use super::{DecodeArgs, discover_server, http_client};
use crate::oauth::RecordingClient;
use crate::oauth::jwks::{JwkSet, KeyStore};
use crate::oauth::jwt::{self, Check, ClaimRules, Jwt, Verdict, Verification};
use crate::oauth::secret::Secret;

pub async fn run(args: DecodeArgs) -> ExitCode {
    let out = Out::new(&args.output);
    let http = match http_client() {
        Ok(h) => h,
        Err(e) => return out.finish("decode", json!({}), Err(e)),
    };
    let jwt = match read_token(args.jwt.secret())
        .and_then(|t| Jwt::decode(&t).map_err(|e| e.to_string()))
    {
        Ok(jwt) => jwt,
        Err(reason) => return out.finish("decode", json!({}), Err(reason)),
    };
    let rules = ClaimRules {
        skew: Duration::from_secs(args.skew),
        issuer: args.expect_issuer.clone().or_else(|| args.issuer.clone()),
        audience: args.audience.clone(),
        authorized_party: args.audience.clone(),
        nonce: args.nonce.clone(),
        access_token: args.access_token.clone().map(Secret::into_secret),
        ..ClaimRules::default()
    };
    let (source, verification) = match verify(&args, &jwt, &http, &rules).await {
        Ok(v) => v,
        Err(reason) => {
            let doc = json!({
                "header": jwt.unverified_header(),
                "claims": jwt.unverified_claims(),
                "exchanges": out.exchanges_json(&http.log().snapshot()),
            });
            return out.finish("decode", doc, Err(reason));
        }
    };

    out.line("Header (unverified)");
    out.line(indent(&pretty_json(jwt.unverified_header())));
    if jwt.has_claims() {
        out.line("Claims (unverified)");
        out.line(indent(&pretty_json(jwt.unverified_claims())));
    } else {
        out.line("Payload (not a JSON object)");
        out.line(indent(&String::from_utf8_lossy(jwt.unverified_payload())));
    }
    out.print_verification("Checks", &verification);

    let mut doc = json!({
        "header": jwt.unverified_header(),
        "claims": jwt.unverified_claims(),
        "key_source": source,
        "signature_verified": verification.signature_verified(),
        "valid": verification.is_valid(),
        "checks": verification.checks,
        "exchanges": out.exchanges_json(&http.log().snapshot()),
    });
    if !jwt.has_claims() {
        doc["payload"] = Value::String(String::from_utf8_lossy(jwt.unverified_payload()).into());
    }
    let result = match verification.failure_summary() {
        Some(summary) => Err(summary),
        None => {
            out.line(if verification.is_valid() {
                "\nValid: the signature verified and every claim check passed."
            } else {
                "\nNo check failed, but the signature was not verified (give --issuer, --jwks or --secret)."
            });
            Ok(())
        }
    };
    out.finish("decode", doc, result)
}

/// The most read from stdin for a token: far more than any JWT a server issues.
const MAX_TOKEN_BYTES: u64 = 1024 * 1024;

pub(super) fn read_token(arg: &str) -> Result<String, String> {
    if arg != "-" {
        return Ok(arg.to_string());
    }
    let mut text = String::new();
    std::io::stdin()
        .take(MAX_TOKEN_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read the token from stdin: {e}"))?;
    if text.len() as u64 > MAX_TOKEN_BYTES {
        return Err(format!(
            "the token on stdin is over {MAX_TOKEN_BYTES} bytes: not a token"
        ));
    }
    Ok(text.trim().to_string())
}

/// Picks the key source and verifies; returns the source's name and the checks.
async fn verify(
    args: &DecodeArgs,
    jwt: &Jwt,
    http: &RecordingClient,
    rules: &ClaimRules,
) -> Result<(&'static str, Verification), String> {
    if let Some(secret) = &args.secret {
        return Ok((
            "secret",
            jwt::verify_with_secret(jwt, secret.secret().as_bytes(), rules),
        ));
    }
    if let Some(jwks) = &args.jwks {
        if jwks.starts_with("http://") || jwks.starts_with("https://") {
            let mut store = KeyStore::from_url(jwks);
            return Ok(("jwks_url", jwt::verify(jwt, &mut store, http, rules).await));
        }
        let text = std::fs::read_to_string(jwks)
            .map_err(|e| format!("cannot read the JWKS file {jwks}: {e}"))?;
        let set = JwkSet::parse(&text).map_err(|e| format!("{jwks}: {e}"))?;
        return Ok(("jwks_file", jwt::verify_with_set(jwt, &set, rules)));
    }
    if let Some(issuer) = &args.issuer {
        let found = discover_server(http, issuer, &args.endpoints).await?;
        let jwks_uri = found.metadata.jwks_uri.ok_or_else(|| {
            format!(
                "{issuer} publishes no jwks_uri: nothing to verify with (give it with --jwks-uri)"
            )
        })?;
        let mut store = KeyStore::from_url(jwks_uri);
        return Ok(("issuer", jwt::verify(jwt, &mut store, http, rules).await));
    }
    // Even with no key, an unsigned or unsupported alg is a failure, not a skip.
    let signature = match jwt::accepted_algorithm(jwt) {
        Err(reason) => Check {
            check: "signature",
            verdict: Verdict::Fail,
            detail: reason,
        },
        Ok(_) => Check {
            check: "signature",
            verdict: Verdict::Skipped,
            detail: "not verified: give --issuer, --jwks or --secret".into(),
        },
    };
    let mut checks = vec![signature];
    checks.extend(jwt::check_claims(jwt, rules));
    Ok(("none", Verification { checks }))
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("   {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
