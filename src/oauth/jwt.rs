//! JSON Web Tokens: decode any compact JWS, verify its signature against a JWKS (by kid) or a
//! shared secret, and check its claims, with one [`Check`] per rule, in words.
//!
//! Accessors say `unverified_` because decoding proves nothing: only a [`Verification`] whose
//! checks all pass says a token is good. `alg: none` is always refused (RFC 8725 §3.1), and a
//! key is only used for the algorithm family it belongs to, so an RSA public key can never be
//! mistaken for an HMAC secret (RFC 8725 §3.1, the "HS/RS confusion").

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::signature::{self, RsaParameters, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::{Map, Value};

use super::error::EngineError;
use super::http::RecordingClient;
use super::jwks::{Jwk, JwkSet, KeyStore, b64url_decode};
use super::secret::redacted;
use super::time;

/// A decoded compact JWS. Nothing in it is trusted until verified. `Debug` shows the header
/// and claims but not the token itself: a JWT is often a bearer credential.
#[derive(Clone, PartialEq)]
pub struct Jwt {
    raw: String,
    header: Map<String, Value>,
    /// The payload as sent; for a JWT, a JSON object (see `claims`).
    payload: Vec<u8>,
    /// The payload's members when it is a JSON object, else empty.
    claims: Map<String, Value>,
    signature: Vec<u8>,
}

impl std::fmt::Debug for Jwt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jwt")
            .field("raw", &redacted(&self.raw))
            .field("header", &self.header)
            .field("claims", &self.claims)
            .field("payload_bytes", &self.payload.len())
            .finish_non_exhaustive()
    }
}

impl Jwt {
    /// Splits and decodes `header.payload.signature`. Fails with a readable reason on anything
    /// that is not a compact JWS with a JSON-object header. A payload that is not a JSON object
    /// is kept as bytes (a JWS need not carry a JWT) and the claims are then empty.
    pub fn decode(token: &str) -> Result<Self, EngineError> {
        let token = token.trim();
        let parts: Vec<&str> = token.split('.').collect();
        match parts.len() {
            3 => {}
            5 => {
                return Err(EngineError::Jwt(
                    "this is an encrypted JWT (JWE, 5 parts); only signed JWTs (JWS) can be decoded"
                        .into(),
                ));
            }
            n => {
                return Err(EngineError::Jwt(format!(
                    "not a JWT: expected 3 dot-separated parts, found {n}"
                )));
            }
        }
        let header = decode_json_part(parts[0], "header")?;
        let payload = b64url_decode(parts[1])
            .map_err(|_| EngineError::Jwt("the payload is not base64url".into()))?;
        let claims = match serde_json::from_slice::<Value>(&payload) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        let signature = b64url_decode(parts[2])
            .map_err(|_| EngineError::Jwt("the signature is not base64url".into()))?;
        Ok(Jwt {
            raw: token.to_string(),
            header,
            payload,
            claims,
            signature,
        })
    }

    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The JOSE header, unverified.
    pub fn unverified_header(&self) -> &Map<String, Value> {
        &self.header
    }

    /// The claims, unverified (empty when the payload is not a JSON object).
    pub fn unverified_claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// True when the payload is a JSON object, i.e. this JWS is a JWT.
    pub fn has_claims(&self) -> bool {
        serde_json::from_slice::<Value>(&self.payload).is_ok_and(|v| v.is_object())
    }

    /// The raw payload bytes, unverified.
    pub fn unverified_payload(&self) -> &[u8] {
        &self.payload
    }

    pub fn alg(&self) -> Option<&str> {
        self.header.get("alg").and_then(Value::as_str)
    }

    pub fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }

    pub fn claim_str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    /// The bytes the signature covers: `BASE64URL(header) '.' BASE64URL(payload)`.
    fn signing_input(&self) -> &[u8] {
        let end = self.raw.rfind('.').unwrap_or(self.raw.len());
        &self.raw.as_bytes()[..end]
    }
}

fn decode_json_part(part: &str, what: &str) -> Result<Map<String, Value>, EngineError> {
    let bytes = b64url_decode(part)
        .map_err(|_| EngineError::Jwt(format!("the {what} is not base64url")))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(EngineError::Jwt(format!(
            "the {what} is JSON but not an object"
        ))),
        Err(_) => Err(EngineError::Jwt(format!("the {what} is not JSON"))),
    }
}

/// The signature algorithms the engine verifies (RFC 7518 §3, RFC 8037 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Algorithm {
    HS256,
    HS384,
    HS512,
    RS256,
    RS384,
    RS512,
    PS256,
    PS384,
    PS512,
    ES256,
    ES384,
    EdDSA,
}

impl Algorithm {
    pub const ALL: [Algorithm; 12] = [
        Algorithm::HS256,
        Algorithm::HS384,
        Algorithm::HS512,
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
    ];

    /// Parses a header `alg`. `Ed25519` (RFC 9864's fully-specified name) reads as EdDSA.
    pub fn from_name(name: &str) -> Option<Self> {
        if name == "Ed25519" {
            return Some(Algorithm::EdDSA);
        }
        Self::ALL.into_iter().find(|a| a.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Algorithm::HS256 => "HS256",
            Algorithm::HS384 => "HS384",
            Algorithm::HS512 => "HS512",
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::EdDSA => "EdDSA",
        }
    }

    pub fn is_hmac(self) -> bool {
        matches!(self, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)
    }

    /// The JWK `kty` (and `crv`) a key for this algorithm must have.
    fn key_type(self) -> (&'static str, Option<&'static str>) {
        match self {
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => ("oct", None),
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512 => ("RSA", None),
            Algorithm::ES256 => ("EC", Some("P-256")),
            Algorithm::ES384 => ("EC", Some("P-384")),
            Algorithm::EdDSA => ("OKP", Some("Ed25519")),
        }
    }

    /// The hash OIDC uses for `at_hash` / `c_hash` with this algorithm (OIDC Core §3.1.3.6;
    /// SHA-512 for Ed25519).
    fn digest(self) -> &'static aws_lc_rs::digest::Algorithm {
        use aws_lc_rs::digest::{SHA256, SHA384, SHA512};
        match self {
            Algorithm::HS256 | Algorithm::RS256 | Algorithm::PS256 | Algorithm::ES256 => &SHA256,
            Algorithm::HS384 | Algorithm::RS384 | Algorithm::PS384 | Algorithm::ES384 => &SHA384,
            Algorithm::HS512 | Algorithm::RS512 | Algorithm::PS512 | Algorithm::EdDSA => &SHA512,
        }
    }

    fn rsa_parameters(self) -> Option<&'static RsaParameters> {
        Some(match self {
            Algorithm::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
            Algorithm::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
            Algorithm::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
            Algorithm::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
            Algorithm::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
            Algorithm::PS512 => &signature::RSA_PSS_2048_8192_SHA512,
            _ => return None,
        })
    }
}

/// The header `alg` as an algorithm the engine verifies, or the reason it will not: an
/// unsupported or `none` alg, or a critical extension the engine does not understand.
pub fn accepted_algorithm(jwt: &Jwt) -> Result<Algorithm, String> {
    check_critical(jwt.unverified_header())?;
    match jwt.alg() {
        None => Err("the header has no alg".into()),
        Some(a) if a.eq_ignore_ascii_case("none") => Err(
            "alg is \"none\": unsigned tokens are always refused (RFC 8725 §3.1, RFC 7519 §6)"
                .into(),
        ),
        Some(a) => Algorithm::from_name(a).ok_or_else(|| format!("alg {a:?} is not supported")),
    }
}

/// RFC 7515 §4.1.11: `crit` lists header parameters the recipient must understand, or refuse
/// the token. oauthscope understands no extension, so any `crit` is refused; so is a
/// malformed one (not an array of names, or an empty one), and an unencoded payload
/// (`b64: false`, RFC 7797 §6), which it does not verify, whether or not `crit` names it.
fn check_critical(header: &Map<String, Value>) -> Result<(), String> {
    if header.get("b64") == Some(&Value::Bool(false)) {
        return Err(
            "the header asks for an unencoded payload (b64: false, RFC 7797), which \
                    oauthscope does not verify: refused (RFC 7515 §4.1.11)"
                .into(),
        );
    }
    let Some(crit) = header.get("crit") else {
        return Ok(());
    };
    let names: Option<Vec<&str>> = crit
        .as_array()
        .map(|list| list.iter().map(Value::as_str).collect::<Option<Vec<_>>>())
        .unwrap_or(None);
    match names {
        None => Err(
            "the header's crit is not a list of header parameter names: \
                     malformed, refused (RFC 7515 §4.1.11)"
                .into(),
        ),
        Some(names) if names.is_empty() => Err("the header's crit is an empty list, which \
                                                RFC 7515 §4.1.11 forbids: refused"
            .into()),
        Some(names) => Err(format!(
            "the header marks {} as critical (crit), an extension oauthscope does not \
             understand: refused (RFC 7515 §4.1.11)",
            names
                .iter()
                .map(|n| format!("{n:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Why a key cannot be used with `alg`, if it cannot: the key/alg mismatch rule.
pub fn key_mismatch(key: &Jwk, alg: Algorithm) -> Option<String> {
    let (kty, crv) = alg.key_type();
    if key.kty != kty {
        return Some(format!(
            "{} is a {} key but the token's alg {} needs a {kty} key (key/alg mismatch, RFC 8725 §3.1)",
            key.label(),
            key.kty,
            alg.name()
        ));
    }
    if let Some(crv) = crv
        && key.crv.as_deref() != Some(crv)
    {
        return Some(format!(
            "{} is on curve {} but {} needs {crv}",
            key.label(),
            key.crv.as_deref().unwrap_or("(none)"),
            alg.name()
        ));
    }
    if let Some(key_alg) = &key.alg
        && Algorithm::from_name(key_alg) != Some(alg)
    {
        return Some(format!(
            "{} is published for alg {key_alg} but the token says {} (key/alg mismatch)",
            key.label(),
            alg.name()
        ));
    }
    if let Some(use_) = &key.use_
        && use_ != "sig"
    {
        return Some(format!(
            "{} is for use {use_:?}, not signatures",
            key.label()
        ));
    }
    None
}

/// Verifies the signature with one JWK. `Err` says why in words.
pub fn verify_with_jwk(jwt: &Jwt, alg: Algorithm, key: &Jwk) -> Result<(), String> {
    if let Some(reason) = key_mismatch(key, alg) {
        return Err(reason);
    }
    let message = jwt.signing_input();
    let sig = &jwt.signature;
    let bad = || format!("the signature does not verify with {}", key.label());
    let member = |name: &str| key.member(name).map_err(|e| e.to_string());
    match alg {
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => {
            verify_hmac(alg, &member("k")?, message, sig).map_err(|_| bad())
        }
        Algorithm::ES256 | Algorithm::ES384 => {
            let (verifier, len) = if alg == Algorithm::ES256 {
                (&signature::ECDSA_P256_SHA256_FIXED, 32)
            } else {
                (&signature::ECDSA_P384_SHA384_FIXED, 48)
            };
            let (x, y) = (member("x")?, member("y")?);
            if x.len() != len || y.len() != len {
                return Err(format!("{} has coordinates of the wrong size", key.label()));
            }
            if sig.len() != 2 * len {
                return Err(format!(
                    "an {} signature is {} bytes (R||S, RFC 7518 §3.4), this one is {}",
                    alg.name(),
                    2 * len,
                    sig.len()
                ));
            }
            let point = [&[0x04][..], &x, &y].concat();
            UnparsedPublicKey::new(verifier, point)
                .verify(message, sig)
                .map_err(|_| bad())
        }
        Algorithm::EdDSA => UnparsedPublicKey::new(&signature::ED25519, member("x")?)
            .verify(message, sig)
            .map_err(|_| bad()),
        _ => {
            let params = alg.rsa_parameters().ok_or_else(bad)?;
            let n = strip_leading_zeros(member("n")?);
            let e = strip_leading_zeros(member("e")?);
            if n.len() * 8 < 2048 {
                return Err(format!(
                    "{} is a {}-bit RSA key; at least 2048 bits are required (RFC 7518 §3.3)",
                    key.label(),
                    n.len() * 8
                ));
            }
            signature::RsaPublicKeyComponents { n, e }
                .verify(params, message, sig)
                .map_err(|_| bad())
        }
    }
}

fn strip_leading_zeros(mut bytes: Vec<u8>) -> Vec<u8> {
    let zeros = bytes.iter().take_while(|b| **b == 0).count();
    bytes.drain(..zeros);
    bytes
}

fn verify_hmac(alg: Algorithm, secret: &[u8], message: &[u8], sig: &[u8]) -> Result<(), ()> {
    use aws_lc_rs::hmac;
    let algorithm = match alg {
        Algorithm::HS256 => hmac::HMAC_SHA256,
        Algorithm::HS384 => hmac::HMAC_SHA384,
        _ => hmac::HMAC_SHA512,
    };
    hmac::verify(&hmac::Key::new(algorithm, secret), message, sig).map_err(|_| ())
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
    /// Not checked: nothing to compare with, or the claim is absent and optional.
    Skipped,
}

/// One rule applied to a token, with its outcome in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// `signature`, `exp`, `nbf`, `iat`, `iss`, `aud`, `azp`, `nonce`, `at_hash`.
    pub check: &'static str,
    pub verdict: Verdict,
    pub detail: String,
}

impl Check {
    pub fn pass(check: &'static str, detail: impl Into<String>) -> Self {
        Check {
            check,
            verdict: Verdict::Pass,
            detail: detail.into(),
        }
    }
    pub fn fail(check: &'static str, detail: impl Into<String>) -> Self {
        Check {
            check,
            verdict: Verdict::Fail,
            detail: detail.into(),
        }
    }
    fn skipped(check: &'static str, detail: impl Into<String>) -> Self {
        Check {
            check,
            verdict: Verdict::Skipped,
            detail: detail.into(),
        }
    }
}

/// Every check made on a token.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub checks: Vec<Check>,
}

impl Verification {
    /// True when no check failed and the signature was actually verified.
    pub fn is_valid(&self) -> bool {
        self.signature_verified() && self.failures().next().is_none()
    }

    pub fn signature_verified(&self) -> bool {
        self.checks
            .iter()
            .any(|c| c.check == "signature" && c.verdict == Verdict::Pass)
    }

    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.verdict == Verdict::Fail)
    }

    /// The failures as one line, for an exit reason.
    pub fn failure_summary(&self) -> Option<String> {
        let parts: Vec<String> = self
            .failures()
            .map(|c| format!("{}: {}", c.check, c.detail))
            .collect();
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// What the claims are checked against. `now` is the clock (inject a fixed time in tests).
/// `Debug` redacts the access token.
#[derive(Clone)]
pub struct ClaimRules {
    pub now: SystemTime,
    /// Allowed clock difference for exp, nbf and iat.
    pub skew: Duration,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    /// The client the token was issued to (`azp`, OIDC Core §2).
    pub authorized_party: Option<String>,
    pub nonce: Option<String>,
    /// The access token issued with an ID token, to check `at_hash` (OIDC Core §3.1.3.8).
    pub access_token: Option<String>,
    /// An ID token must carry exp (OIDC Core §2); a bare JWT need not.
    pub require_exp: bool,
}

impl std::fmt::Debug for ClaimRules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClaimRules")
            .field("now", &self.now)
            .field("skew", &self.skew)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("authorized_party", &self.authorized_party)
            .field("nonce", &self.nonce)
            .field("access_token", &self.access_token.as_deref().map(redacted))
            .field("require_exp", &self.require_exp)
            .finish()
    }
}

impl Default for ClaimRules {
    fn default() -> Self {
        ClaimRules {
            now: SystemTime::now(),
            skew: Duration::from_secs(60),
            issuer: None,
            audience: None,
            authorized_party: None,
            nonce: None,
            access_token: None,
            require_exp: false,
        }
    }
}

impl ClaimRules {
    /// The rules for an ID token issued to `client_id` by `issuer` (OIDC Core §3.1.3.7).
    pub fn id_token(issuer: &str, client_id: &str) -> Self {
        ClaimRules {
            issuer: Some(issuer.to_string()),
            audience: Some(client_id.to_string()),
            authorized_party: Some(client_id.to_string()),
            require_exp: true,
            ..Default::default()
        }
    }
}

/// Checks every claim rule (not the signature).
pub fn check_claims(jwt: &Jwt, rules: &ClaimRules) -> Vec<Check> {
    let now = unix(rules.now);
    // Bounded like any lifetime, so `now ± skew` cannot overflow whatever --skew says.
    let skew = rules.skew.min(time::MAX_LIFETIME).as_secs() as i64;
    vec![
        check_exp(jwt, now, skew, rules.require_exp),
        check_nbf(jwt, now, skew),
        check_iat(jwt, now, skew),
        check_string_claim(jwt, "iss", rules.issuer.as_deref(), "issuer"),
        check_aud(jwt, rules.audience.as_deref()),
        check_azp(jwt, rules.authorized_party.as_deref()),
        check_string_claim(jwt, "nonce", rules.nonce.as_deref(), "nonce sent"),
        check_at_hash(jwt, rules.access_token.as_deref()),
    ]
}

fn unix(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

/// A NumericDate claim (RFC 7519 §2), checked by the one plausibility rule for dates.
fn numeric_date(jwt: &Jwt, name: &'static str) -> Result<Option<i64>, Check> {
    let Some(value) = jwt.unverified_claims().get(name) else {
        return Ok(None);
    };
    time::numeric_date(name, value)
        .map(Some)
        .map_err(|e| Check::fail(name, e.to_string()))
}

fn check_exp(jwt: &Jwt, now: i64, skew: i64, required: bool) -> Check {
    match numeric_date(jwt, "exp") {
        Err(check) => check,
        Ok(None) if required => Check::fail("exp", "no exp claim, and this token must expire"),
        Ok(None) => Check::skipped("exp", "no exp claim: this token never expires"),
        Ok(Some(exp)) if now - skew >= exp => Check::fail(
            "exp",
            format!(
                "expired at {} ({} ago, beyond the {skew} s skew)",
                time::iso8601(exp),
                time::span_words((now - exp).unsigned_abs())
            ),
        ),
        Ok(Some(exp)) => Check::pass(
            "exp",
            format!(
                "expires at {} (in {})",
                time::iso8601(exp),
                time::span_words((exp - now).unsigned_abs())
            ),
        ),
    }
}

fn check_nbf(jwt: &Jwt, now: i64, skew: i64) -> Check {
    match numeric_date(jwt, "nbf") {
        Err(check) => check,
        Ok(None) => Check::skipped("nbf", "no nbf claim"),
        Ok(Some(nbf)) if nbf > now + skew => Check::fail(
            "nbf",
            format!(
                "not valid before {} (in {}, beyond the {skew} s skew)",
                time::iso8601(nbf),
                time::span_words((nbf - now).unsigned_abs())
            ),
        ),
        Ok(Some(nbf)) => Check::pass("nbf", format!("valid since {}", time::iso8601(nbf))),
    }
}

fn check_iat(jwt: &Jwt, now: i64, skew: i64) -> Check {
    match numeric_date(jwt, "iat") {
        Err(check) => check,
        Ok(None) => Check::skipped("iat", "no iat claim"),
        Ok(Some(iat)) if iat > now + skew => Check::fail(
            "iat",
            format!(
                "issued in the future: {} (in {}, beyond the {skew} s skew)",
                time::iso8601(iat),
                time::span_words((iat - now).unsigned_abs())
            ),
        ),
        Ok(Some(iat)) => Check::pass(
            "iat",
            format!(
                "issued at {} ({} ago)",
                time::iso8601(iat),
                time::span_words((now - iat).unsigned_abs())
            ),
        ),
    }
}

fn check_string_claim(jwt: &Jwt, name: &'static str, expected: Option<&str>, what: &str) -> Check {
    let actual = jwt.unverified_claims().get(name);
    match (expected, actual) {
        (None, None) => Check::skipped(name, format!("no {name} claim, none expected")),
        (None, Some(v)) => Check::skipped(name, format!("{v} (nothing to compare with)")),
        (Some(e), Some(Value::String(a))) if a == e => {
            Check::pass(name, format!("{a:?} matches the {what}"))
        }
        (Some(e), Some(v)) => Check::fail(name, format!("{v} is not the {what} {e:?}")),
        (Some(e), None) => Check::fail(name, format!("no {name} claim, expected {e:?}")),
    }
}

fn audiences(jwt: &Jwt) -> Vec<String> {
    match jwt.unverified_claims().get("aud") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

fn check_aud(jwt: &Jwt, expected: Option<&str>) -> Check {
    let auds = audiences(jwt);
    match expected {
        None if auds.is_empty() => Check::skipped("aud", "no aud claim, none expected"),
        None => Check::skipped("aud", format!("{auds:?} (nothing to compare with)")),
        Some(e) if auds.iter().any(|a| a == e) => {
            Check::pass("aud", format!("{e:?} is among the audiences {auds:?}"))
        }
        Some(e) if auds.is_empty() => Check::fail("aud", format!("no aud claim, expected {e:?}")),
        Some(e) => Check::fail("aud", format!("the token is for {auds:?}, not for {e:?}")),
    }
}

/// OIDC Core §3.1.3.7 rules 4–5: with several audiences azp should name the client; when azp
/// is present it must be the client.
fn check_azp(jwt: &Jwt, expected: Option<&str>) -> Check {
    let azp = jwt.claim_str("azp");
    let several = audiences(jwt).len() > 1;
    match (azp, expected) {
        (Some(a), Some(e)) if a == e => Check::pass("azp", format!("{a:?} is this client")),
        (Some(a), Some(e)) => Check::fail(
            "azp",
            format!("the token was issued to {a:?}, not to this client {e:?}"),
        ),
        (None, Some(_)) if several => Check::fail(
            "azp",
            "several audiences but no azp naming this client (OIDC Core §2)",
        ),
        (None, _) => Check::skipped("azp", "no azp claim"),
        (Some(a), None) => Check::skipped("azp", format!("{a:?} (nothing to compare with)")),
    }
}

/// `at_hash` = base64url of the left half of the hash of the access token (OIDC Core
/// §3.1.3.6), the hash being the one of the token's alg.
pub fn at_hash(alg: Algorithm, access_token: &str) -> String {
    let digest = aws_lc_rs::digest::digest(alg.digest(), access_token.as_bytes());
    let bytes = digest.as_ref();
    URL_SAFE_NO_PAD.encode(&bytes[..bytes.len() / 2])
}

fn check_at_hash(jwt: &Jwt, access_token: Option<&str>) -> Check {
    let claim = jwt.claim_str("at_hash");
    match (claim, access_token) {
        (None, _) => Check::skipped("at_hash", "no at_hash claim"),
        (Some(_), None) => Check::skipped("at_hash", "no access token to compare with"),
        (Some(claim), Some(token)) => match accepted_algorithm(jwt) {
            Err(reason) => Check::fail("at_hash", format!("cannot compute: {reason}")),
            Ok(alg) if at_hash(alg, token) == claim => {
                Check::pass("at_hash", "matches the access token issued with it")
            }
            Ok(_) => Check::fail(
                "at_hash",
                "does not match the access token issued with it (substituted token?)",
            ),
        },
    }
}

/// The signature check against a set of keys: by kid when the header has one, else every key
/// of the right type.
pub fn check_signature_with_set(jwt: &Jwt, keys: &JwkSet) -> Check {
    let alg = match accepted_algorithm(jwt) {
        Ok(alg) => alg,
        Err(reason) => return Check::fail("signature", reason),
    };
    let candidates: Vec<&Jwk> = match jwt.kid() {
        Some(kid) => {
            let found = keys.by_kid(kid);
            if found.is_empty() {
                return Check::fail("signature", format!("no key with kid {kid:?} in the JWKS"));
            }
            found
        }
        None => keys
            .keys
            .iter()
            .filter(|k| key_mismatch(k, alg).is_none())
            .collect(),
    };
    if candidates.is_empty() {
        return Check::fail(
            "signature",
            format!("the JWKS has no key usable with {}", alg.name()),
        );
    }
    let mut reasons = Vec::new();
    for key in candidates {
        match verify_with_jwk(jwt, alg, key) {
            Ok(()) => {
                return Check::pass(
                    "signature",
                    format!("{} signature verified with {}", alg.name(), key.label()),
                );
            }
            Err(reason) => reasons.push(reason),
        }
    }
    Check::fail("signature", reasons.join("; "))
}

/// The signature check with a shared secret (HS256/384/512 only).
pub fn check_signature_with_secret(jwt: &Jwt, secret: &[u8]) -> Check {
    match accepted_algorithm(jwt) {
        Err(reason) => Check::fail("signature", reason),
        Ok(alg) if !alg.is_hmac() => Check::fail(
            "signature",
            format!(
                "a shared secret was given but the token's alg is {}: a secret only verifies \
                 HS256/384/512 (key/alg mismatch, RFC 8725 §3.1)",
                alg.name()
            ),
        ),
        Ok(alg) => match verify_hmac(alg, secret, jwt.signing_input(), &jwt.signature) {
            Ok(()) => Check::pass(
                "signature",
                format!("{} signature verified with the shared secret", alg.name()),
            ),
            Err(()) => Check::fail(
                "signature",
                "the signature does not verify with the shared secret",
            ),
        },
    }
}

/// Verifies signature and claims with fixed keys.
pub fn verify_with_set(jwt: &Jwt, keys: &JwkSet, rules: &ClaimRules) -> Verification {
    let mut checks = vec![check_signature_with_set(jwt, keys)];
    checks.extend(check_claims(jwt, rules));
    Verification { checks }
}

/// Verifies signature and claims with a shared secret.
pub fn verify_with_secret(jwt: &Jwt, secret: &[u8], rules: &ClaimRules) -> Verification {
    let mut checks = vec![check_signature_with_secret(jwt, secret)];
    checks.extend(check_claims(jwt, rules));
    Verification { checks }
}

/// Verifies signature and claims with a key store, refetching the keys once when the token
/// names a kid the cached set does not hold (the server may have rotated its keys).
pub async fn verify(
    jwt: &Jwt,
    store: &mut KeyStore,
    client: &RecordingClient,
    rules: &ClaimRules,
) -> Verification {
    let signature = match signature_with_refetch(jwt, store, client).await {
        Ok(check) => check,
        Err(err) => Check::fail("signature", format!("cannot get the keys: {err}")),
    };
    let mut checks = vec![signature];
    checks.extend(check_claims(jwt, rules));
    Verification { checks }
}

async fn signature_with_refetch(
    jwt: &Jwt,
    store: &mut KeyStore,
    client: &RecordingClient,
) -> Result<Check, EngineError> {
    let kid_unknown = match jwt.kid() {
        Some(kid) => !store.keys(client).await?.has_kid(kid),
        None => false,
    };
    let refetched = kid_unknown && store.refetch(client).await?;
    let mut check = check_signature_with_set(jwt, store.keys(client).await?);
    if refetched && check.verdict == Verdict::Fail {
        check
            .detail
            .push_str(" (even after fetching the JWKS again)");
    }
    Ok(check)
}

#[cfg(test)]
pub(crate) mod tests;
