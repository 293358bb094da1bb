//! Findings about one token: how it is signed, against which key, when it lives, for whom it
//! is, and what it is for. Only the token's header and claims and the server's published keys
//! and metadata are read; no request is made here.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::{Finding, Severity};
use crate::oauth::jwks::{Jwk, JwkSet, b64url_decode};
use crate::oauth::jwt::{self, Algorithm, Jwt, Verdict};
use crate::oauth::time;
use crate::wire::ServerMetadata;

/// What a token is used as: the two a client receives from a token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenUse {
    Access,
    Id,
}

impl TokenUse {
    pub fn name(self) -> &'static str {
        match self {
            TokenUse::Access => "access token",
            TokenUse::Id => "ID token",
        }
    }
}

/// What the token is judged against. `now` is the clock (fixed in tests).
#[derive(Debug, Clone)]
pub struct TokenContext<'a> {
    pub now: SystemTime,
    /// Allowed clock difference before `iat` counts as in the future.
    pub skew: Duration,
    /// The issuer's published keys, when known.
    pub jwks: Option<&'a JwkSet>,
    /// The issuer's metadata, when known: the token then comes from a public issuer.
    pub metadata: Option<&'a ServerMetadata>,
    /// The API the token must be for (`aud`).
    pub audience: Option<&'a str>,
    /// What the token is being used as, when the caller knows.
    pub expected_use: Option<TokenUse>,
}

impl Default for TokenContext<'_> {
    fn default() -> Self {
        TokenContext {
            now: SystemTime::now(),
            skew: Duration::from_secs(60),
            jwks: None,
            metadata: None,
            audience: None,
            expected_use: None,
        }
    }
}

/// A day: longer-lived access tokens are flagged.
const ACCESS_TOKEN_LIFETIME_LIMIT: i64 = 24 * 3600;
/// The smallest RSA modulus accepted (RFC 7518 §3.3).
const RSA_MIN_BITS: usize = 2048;

/// Every finding about `jwt` in `ctx`, in the order a reader checks a token: signature and
/// keys, then times, then audience and use.
pub fn diagnose_token(jwt: &Jwt, ctx: &TokenContext) -> Vec<Finding> {
    let mut out = signing(jwt, ctx);
    out.extend(times(jwt, ctx));
    let apparent = apparent_use(jwt);
    out.extend(audience(
        jwt,
        ctx,
        ctx.expected_use.or(apparent.as_ref().map(|(u, _)| *u)),
    ));
    out.extend(confusion(jwt, ctx.expected_use, apparent));
    out
}

fn signing(jwt: &Jwt, ctx: &TokenContext) -> Vec<Finding> {
    let alg = jwt.alg().unwrap_or("(none)");
    if jwt.alg().is_none_or(|a| a.eq_ignore_ascii_case("none")) {
        return vec![
            Finding::new(
                Severity::Error,
                "alg-none",
                "RFC 8725 §3.1",
                "the token is not signed (alg none or no alg): anyone can write one, so it \
                 must be refused",
            )
            .with("alg", alg),
        ];
    }
    let mut out = Vec::new();
    let parsed = Algorithm::from_name(alg);
    if parsed.is_some_and(Algorithm::is_hmac) && (ctx.metadata.is_some() || ctx.jwks.is_some()) {
        let mut finding = Finding::new(
            Severity::Error,
            "hs-from-public-issuer",
            "RFC 8725 §3.1",
            "the token is signed with a shared secret (HMAC) but its issuer publishes public \
             keys: whoever holds the secret can mint tokens, and a verifier that takes the \
             public key as the secret accepts forgeries (HS/RS confusion)",
        )
        .with("alg", alg);
        if let Some(m) = ctx.metadata {
            finding = finding.with("issuer", m.issuer.clone());
        }
        out.push(finding);
    }
    let keys = ctx.jwks.map(|set| set.keys.as_slice()).unwrap_or_default();
    match jwt.kid() {
        None => out.push(
            Finding::new(
                if keys.len() > 1 {
                    Severity::Warning
                } else {
                    Severity::Info
                },
                "kid-missing",
                "RFC 7515 §4.1.4",
                "the header names no key (kid): a verifier must try every key, and key \
                 rotation cannot tell old tokens from new",
            )
            .with("keys in the JWKS", keys.len().to_string()),
        ),
        Some(kid) if ctx.jwks.is_some_and(|set| !set.has_kid(kid)) => out.push(
            Finding::new(
                Severity::Error,
                "kid-not-in-jwks",
                "RFC 7517 §4.5",
                "the key the header names is not in the issuer's JWKS: the token was signed \
                 by another key (rotated out, another tenant or environment, or a forger)",
            )
            .with("kid", kid)
            .with(
                "kids in the JWKS",
                keys.iter()
                    .filter_map(|k| k.kid.as_deref())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        ),
        Some(_) => {}
    }
    if let Some(bits) = parsed.and_then(|a| rsa_modulus_bits(jwt, a, keys))
        && bits < RSA_MIN_BITS
    {
        out.push(
            Finding::new(
                Severity::Error,
                "rsa-key-short",
                "RFC 7518 §3.3",
                format!(
                    "the RSA key is {bits} bits; at least {RSA_MIN_BITS} are required, and \
                     shorter keys can be factored"
                ),
            )
            .with("alg", alg)
            .with("modulus bits", bits.to_string()),
        );
    }
    // The signature is only judged when nothing above already explains a refusal.
    if let Some(set) = ctx.jwks
        && !out.iter().any(|f| f.severity == Severity::Error)
    {
        let check = jwt::check_signature_with_set(jwt, set);
        if check.verdict == Verdict::Fail {
            out.push(
                Finding::new(
                    Severity::Error,
                    "signature-invalid",
                    "RFC 7515 §5.2",
                    format!("the signature does not verify: {}", check.detail),
                )
                .with("alg", alg),
            );
        }
    }
    out
}

/// The RSA modulus size: of the JWKS key the token names (or every RSA key, without kid),
/// else read from the signature, which is exactly as long as the modulus (RFC 8017 §8.2).
fn rsa_modulus_bits(jwt: &Jwt, alg: Algorithm, keys: &[Jwk]) -> Option<usize> {
    if !alg.name().starts_with("RS") && !alg.name().starts_with("PS") {
        return None;
    }
    let from_keys = keys
        .iter()
        .filter(|k| k.kty == "RSA" && (jwt.kid().is_none() || k.kid.as_deref() == jwt.kid()))
        .filter_map(|k| k.member("n").ok())
        .map(|n| significant_bits(&n))
        .min();
    from_keys.or_else(|| {
        let signature = jwt.raw().rsplit('.').next()?;
        b64url_decode(signature).ok().map(|s| s.len() * 8)
    })
}

fn significant_bits(bytes: &[u8]) -> usize {
    let zeros = bytes.iter().take_while(|b| **b == 0).count();
    (bytes.len() - zeros) * 8
}

fn times(jwt: &Jwt, ctx: &TokenContext) -> Vec<Finding> {
    let mut out = Vec::new();
    let date = |name: &'static str, out: &mut Vec<Finding>| -> Option<i64> {
        let value = jwt.unverified_claims().get(name)?;
        match time::numeric_date(name, value) {
            Ok(t) => Some(t),
            Err(err) => {
                out.push(
                    Finding::new(
                        Severity::Error,
                        "bad-date",
                        "RFC 7519 §2",
                        format!("{err}: the token's dates cannot be trusted"),
                    )
                    .with(name, value.to_string()),
                );
                None
            }
        }
    };
    let exp = date("exp", &mut out);
    let iat = date("iat", &mut out);
    let now = unix(ctx.now);
    // Bounded like any lifetime, so `now ± skew` stays in range whatever the caller gives.
    let skew = ctx.skew.min(time::MAX_LIFETIME).as_secs() as i64;
    let use_ = ctx.expected_use.or(apparent_use(jwt).map(|(u, _)| u));
    match exp {
        None if !jwt.unverified_claims().contains_key("exp") => out.push(Finding::new(
            Severity::Warning,
            "no-exp",
            if use_ == Some(TokenUse::Id) {
                "OIDC Core §2"
            } else {
                "RFC 9068 §2.2"
            },
            "the token has no exp: it never expires, so a stolen copy works forever",
        )),
        None => {}
        Some(exp) if exp <= now - skew => out.push(
            Finding::new(
                Severity::Error,
                "expired",
                "RFC 7519 §4.1.4",
                format!(
                    "the token expired {} ago",
                    time::span_words((now - exp).unsigned_abs())
                ),
            )
            .with("exp", time::iso8601(exp)),
        ),
        Some(_) => {}
    }
    if let (Some(exp), Some(iat)) = (exp, iat)
        && use_ != Some(TokenUse::Id)
        && exp - iat > ACCESS_TOKEN_LIFETIME_LIMIT
    {
        out.push(
            Finding::new(
                Severity::Warning,
                "long-lived-access-token",
                "RFC 6819 §5.1.5.3",
                format!(
                    "the access token lives {}: over a day, a leaked token stays useful for \
                     long; short-lived access tokens with refresh are the practice",
                    time::span_words((exp - iat).unsigned_abs())
                ),
            )
            .with("iat", time::iso8601(iat))
            .with("exp", time::iso8601(exp)),
        );
    }
    if let Some(iat) = iat
        && iat > now + skew
    {
        out.push(
            Finding::new(
                Severity::Warning,
                "iat-in-future",
                "RFC 7519 §4.1.6",
                format!(
                    "the token says it was issued {} from now: the issuer's clock (or this \
                     one) is off, and verifiers with less tolerance will refuse it",
                    time::span_words((iat - now).unsigned_abs())
                ),
            )
            .with("iat", time::iso8601(iat))
            .with("clock skew", format!("{} s", iat - now))
            .with("allowed skew", format!("{skew} s")),
        );
    }
    out
}

fn unix(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs().min(i64::MAX as u64) as i64,
        Err(e) => -(e.duration().as_secs().min(i64::MAX as u64) as i64),
    }
}

fn audience(jwt: &Jwt, ctx: &TokenContext, use_: Option<TokenUse>) -> Vec<Finding> {
    let auds: Vec<&str> = match jwt.unverified_claims().get("aud") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if auds.is_empty() {
        let reference = if use_ == Some(TokenUse::Id) {
            "OIDC Core §2"
        } else {
            "RFC 9068 §2.2"
        };
        return vec![Finding::new(
            Severity::Warning,
            "no-aud",
            reference,
            "the token names no audience (aud): any service that trusts the issuer would \
             accept it, so a token for one API can be replayed at another",
        )];
    }
    match ctx.audience {
        Some(api) if use_ != Some(TokenUse::Id) && !auds.contains(&api) => vec![
            Finding::new(
                Severity::Error,
                "aud-not-api",
                "RFC 9068 §4",
                "the token is not for this API: its audience does not name it, so the API \
                 must refuse it (ask for it with the resource parameter, RFC 8707)",
            )
            .with("aud", auds.join(", "))
            .with("API", api),
        ],
        _ => Vec::new(),
    }
}

/// What the token says it is, and the header or claim that says so: `typ: at+jwt` marks an
/// access token (RFC 9068 §2.1); `nonce`, `at_hash` or `c_hash` belong to ID tokens only.
fn apparent_use(jwt: &Jwt) -> Option<(TokenUse, String)> {
    let typ = jwt
        .unverified_header()
        .get("typ")
        .and_then(Value::as_str)
        .unwrap_or("");
    if typ.eq_ignore_ascii_case("at+jwt") || typ.eq_ignore_ascii_case("application/at+jwt") {
        return Some((TokenUse::Access, format!("typ {typ}")));
    }
    ["nonce", "at_hash", "c_hash"]
        .into_iter()
        .find(|claim| jwt.unverified_claims().contains_key(*claim))
        .map(|claim| (TokenUse::Id, format!("claim {claim}")))
}

fn confusion(
    jwt: &Jwt,
    expected: Option<TokenUse>,
    apparent: Option<(TokenUse, String)>,
) -> Option<Finding> {
    let expected = expected?;
    let (apparent, marker) = apparent?;
    (apparent != expected).then(|| {
        Finding::new(
            Severity::Error,
            "token-type-confusion",
            "RFC 8725 §3.11",
            format!(
                "an {} is used as an {}: a verifier that does not check the type would accept \
                 it where it does not belong",
                apparent.name(),
                expected.name()
            ),
        )
        .with("marked by", marker)
        .with(
            "typ",
            jwt.unverified_header()
                .get("typ")
                .and_then(Value::as_str)
                .unwrap_or("(none)"),
        )
    })
}

#[cfg(test)]
mod tests;
