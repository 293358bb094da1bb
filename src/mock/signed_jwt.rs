//! JWTs that others sign and the mock checks: client assertions (RFC 7523 §2.2), request
//! objects (RFC 9101) and JWT bearer grant assertions (RFC 7523 §2.1). One set of rules
//! with the parts that differ as parameters, so each refusal names the rule it broke the
//! same way everywhere. The signature itself is checked by the engine's verifier
//! (`oauth::jwt`), the same code that checks what other servers sign.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::{Map, Value};

use crate::oauth::jwks::JwkSet;
use crate::oauth::jwt::{self, Jwt, Verdict};

/// What a JWT is checked against.
pub enum Verifier<'a> {
    /// The public keys registered for its signer.
    Keys(&'a JwkSet),
    /// A shared secret (`client_secret_jwt`).
    Secret(&'a str),
}

/// The rules for one kind of JWT.
pub struct Rules<'a> {
    /// What it is, for messages: `client_assertion`, `request object`, `assertion`.
    pub what: &'static str,
    /// Where its rules are written, for messages.
    pub spec: &'static str,
    /// The `alg` values accepted.
    pub algs: &'a [&'a str],
    /// The `typ` a header must have when it has one, besides plain `JWT` (RFC 9101 §10.8
    /// `oauth-authz-req+jwt`).
    pub typ: Option<&'static str>,
    /// `aud` must be (or contain) one of these.
    pub audiences: &'a [String],
    /// Whether `exp` must be present (it is checked whenever it is).
    pub require_exp: bool,
    /// How far in the future `exp` may be: a short-lived JWT is the point.
    pub max_lifetime: u64,
    /// Seconds of clock difference allowed on `exp`, `nbf` and `iat`.
    pub skew: u64,
    pub now: u64,
}

/// Clock difference the mock allows on JWT times.
pub const SKEW_SECS: u64 = 60;

impl Rules<'_> {
    fn refuse(&self, text: impl std::fmt::Display) -> String {
        format!("{}: {text} ({})", self.what, self.spec)
    }
}

/// The claims of `token` when its signature and the common rules hold, else why not.
pub fn verify(
    token: &str,
    verifier: Verifier<'_>,
    rules: &Rules<'_>,
) -> Result<Map<String, Value>, String> {
    let jwt = Jwt::decode(token).map_err(|e| rules.refuse(format!("not a signed JWT: {e}")))?;
    if !jwt.has_claims() {
        return Err(rules.refuse("the payload is not a JSON object of claims"));
    }
    let alg = jwt.alg().unwrap_or("(none)");
    if !rules.algs.contains(&alg) {
        return Err(rules.refuse(format!(
            "alg {alg} is not accepted here; use one of {}",
            rules.algs.join(", ")
        )));
    }
    if let Some(typ) = jwt.unverified_header().get("typ").and_then(Value::as_str)
        && !typ.eq_ignore_ascii_case("JWT")
        && rules.typ.is_none_or(|t| !typ.eq_ignore_ascii_case(t))
    {
        return Err(rules.refuse(format!("the header's typ {typ:?} is not one for this JWT")));
    }
    let check = match verifier {
        Verifier::Keys(keys) => jwt::check_signature_with_set(&jwt, keys),
        Verifier::Secret(secret) => jwt::check_signature_with_secret(&jwt, secret.as_bytes()),
    };
    if check.verdict != Verdict::Pass {
        return Err(rules.refuse(format!("bad signature: {}", check.detail)));
    }
    let claims = jwt.unverified_claims().clone();
    check_times(&claims, rules)?;
    check_audience(&claims, rules)?;
    Ok(claims)
}

fn numeric(
    claims: &Map<String, Value>,
    name: &str,
    rules: &Rules<'_>,
) -> Result<Option<u64>, String> {
    match claims.get(name) {
        None => Ok(None),
        Some(value) => value.as_u64().map(Some).ok_or_else(|| {
            rules.refuse(format!("{name} is not a NumericDate (RFC 7519 section 2)"))
        }),
    }
}

fn check_times(claims: &Map<String, Value>, rules: &Rules<'_>) -> Result<(), String> {
    let now = rules.now;
    match numeric(claims, "exp", rules)? {
        None if rules.require_exp => return Err(rules.refuse("exp is missing; it is required")),
        None => {}
        Some(exp) if exp.saturating_add(rules.skew) <= now => {
            return Err(rules.refuse(format!("expired {}s ago (exp)", now - exp)));
        }
        Some(exp) if exp > now.saturating_add(rules.max_lifetime) => {
            return Err(rules.refuse(format!(
                "exp is {}s away; at most {}s is accepted, a short-lived JWT is the point",
                exp - now,
                rules.max_lifetime
            )));
        }
        Some(_) => {}
    }
    if let Some(nbf) = numeric(claims, "nbf", rules)?
        && nbf > now.saturating_add(rules.skew)
    {
        return Err(rules.refuse(format!("not valid for another {}s (nbf)", nbf - now)));
    }
    if let Some(iat) = numeric(claims, "iat", rules)?
        && iat > now.saturating_add(rules.skew)
    {
        return Err(rules.refuse(format!("issued {}s in the future (iat)", iat - now)));
    }
    Ok(())
}

fn check_audience(claims: &Map<String, Value>, rules: &Rules<'_>) -> Result<(), String> {
    let accepted = |aud: &str| rules.audiences.iter().any(|a| a == aud);
    let ok = match claims.get("aud") {
        Some(Value::String(aud)) => accepted(aud),
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).any(accepted),
        None => return Err(rules.refuse("aud is missing; it must name this server")),
        Some(_) => false,
    };
    if ok {
        Ok(())
    } else {
        Err(rules.refuse(format!(
            "aud {} is not this server; use one of {}",
            claims["aud"],
            rules.audiences.join(", ")
        )))
    }
}

/// A string claim that must equal `expected`.
pub fn require_claim(
    claims: &Map<String, Value>,
    name: &str,
    expected: &str,
    rules: &Rules<'_>,
) -> Result<(), String> {
    match claims.get(name).and_then(Value::as_str) {
        Some(value) if value == expected => Ok(()),
        Some(value) => Err(rules.refuse(format!("{name} is {value:?}, it must be {expected:?}"))),
        None => Err(rules.refuse(format!("{name} is missing; it must be {expected:?}"))),
    }
}

/// The longest `jti` remembered; longer ones are refused rather than stored.
const MAX_JTI_LEN: usize = 256;

/// `jti`s already used, each remembered until its JWT expires, so a captured JWT cannot be
/// sent twice (RFC 7523 §3 item 7). Bounded: when full of live entries, new JWTs are
/// refused until room frees up, rather than forgetting one that could then be replayed.
pub struct ReplayCache {
    seen: Mutex<HashMap<String, u64>>,
    capacity: usize,
}

impl ReplayCache {
    pub fn new(capacity: usize) -> Self {
        ReplayCache {
            seen: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    /// Records the JWT's `jti` (in `scope`, e.g. its issuer) as used until it expires.
    pub fn first_use(
        &self,
        scope: &str,
        claims: &Map<String, Value>,
        rules: &Rules<'_>,
    ) -> Result<(), String> {
        let jti = match claims.get("jti") {
            Some(Value::String(jti)) if !jti.is_empty() && jti.len() <= MAX_JTI_LEN => jti,
            Some(_) => {
                return Err(rules.refuse(format!(
                    "jti must be a non-empty string of at most {MAX_JTI_LEN} characters"
                )));
            }
            None => return Err(rules.refuse("jti is missing; a unique one is required")),
        };
        let expires = claims
            .get("exp")
            .and_then(Value::as_u64)
            .unwrap_or(rules.now.saturating_add(rules.max_lifetime))
            .saturating_add(rules.skew);
        self.remember(format!("{scope}\u{0}{jti}"), expires, rules.now)
            .map_err(|refusal| match refusal {
                Refusal::Replayed => rules.refuse(format!(
                    "jti {jti:?} was already used; each JWT is single use"
                )),
                Refusal::Full(capacity) => rules.refuse(format!(
                    "this server remembers at most {capacity} unexpired jti values and is \
                     full; try again when some expire"
                )),
            })
    }

    /// Records `key` as used until `until` (exclusive), unless it is already used and
    /// still remembered, or the cache is full of entries that are.
    pub fn remember(&self, key: String, until: u64, now: u64) -> Result<(), Refusal> {
        // A poisoned lock means a panic elsewhere mid-insert; the map itself is still sound.
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.get(&key).is_some_and(|remembered| *remembered > now) {
            return Err(Refusal::Replayed);
        }
        if seen.len() >= self.capacity {
            seen.retain(|_, remembered| *remembered > now);
        }
        if seen.len() >= self.capacity {
            return Err(Refusal::Full(self.capacity));
        }
        seen.insert(key, until);
        Ok(())
    }
}

/// Why [`ReplayCache::remember`] refused a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// It was used before, and is still remembered.
    Replayed,
    /// The cache holds this many live entries, its capacity.
    Full(usize),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::jwt::Algorithm;
    use crate::oauth::keys::{ClientKey, sign_hs256};
    use serde_json::json;

    const NOW: u64 = 1_000_000;

    fn rules(audiences: &[String]) -> Rules<'_> {
        Rules {
            what: "client_assertion",
            spec: "RFC 7523 section 3",
            algs: &["ES256", "HS256"],
            typ: None,
            audiences,
            require_exp: true,
            max_lifetime: 300,
            skew: SKEW_SECS,
            now: NOW,
        }
    }

    fn claims(extra: Value) -> Value {
        let mut base = json!({"iss": "app", "sub": "app", "aud": "http://as/token",
                              "jti": "j1", "exp": NOW + 60, "iat": NOW});
        base.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        base
    }

    #[test]
    fn each_broken_rule_is_named() {
        let (key, _) = ClientKey::generate(Algorithm::ES256).unwrap();
        let jwks = JwkSet::from_value(key.public_jwks()).unwrap();
        let aud = ["http://as/token".to_owned()];
        let rules = rules(&aud);
        let ok = key.sign_jwt("JWT", &claims(json!({}))).unwrap();
        assert!(verify(&ok, Verifier::Keys(&jwks), &rules).is_ok());
        let cases = [
            (json!({"aud": "http://elsewhere"}), "aud"),
            (json!({"exp": NOW - 120}), "expired"),
            (json!({"exp": NOW + 3600}), "at most 300s"),
            (json!({"exp": "soon"}), "NumericDate"),
            (json!({"nbf": NOW + 600}), "nbf"),
            (json!({"iat": NOW + 600}), "iat"),
        ];
        for (extra, expected) in cases {
            let token = key.sign_jwt("JWT", &claims(extra.clone())).unwrap();
            let err = verify(&token, Verifier::Keys(&jwks), &rules).unwrap_err();
            assert!(
                err.contains(expected) && err.contains("RFC 7523"),
                "{extra}: {err}"
            );
        }
        let (other, _) = ClientKey::generate(Algorithm::ES256).unwrap();
        let foreign = other.sign_jwt("JWT", &claims(json!({}))).unwrap();
        let err = verify(&foreign, Verifier::Keys(&jwks), &rules).unwrap_err();
        assert!(err.contains("bad signature"), "{err}");
        let hs = sign_hs256("s3cret", "JWT", &claims(json!({}))).unwrap();
        assert!(verify(&hs, Verifier::Secret("s3cret"), &rules).is_ok());
        let err = verify(&hs, Verifier::Secret("other"), &rules).unwrap_err();
        assert!(err.contains("bad signature"), "{err}");
        let strict = Rules {
            algs: &["RS256"],
            ..rules
        };
        let err = verify(&ok, Verifier::Keys(&jwks), &strict).unwrap_err();
        assert!(err.contains("alg ES256 is not accepted"), "{err}");
        for garbage in ["", "a.b.c", "eyJhbGciOiJub25lIn0.e30."] {
            assert!(verify(garbage, Verifier::Keys(&jwks), &strict).is_err());
        }
    }

    #[test]
    fn a_jti_is_single_use_and_the_cache_is_bounded() {
        let aud = ["x".to_owned()];
        let rules = rules(&aud);
        let cache = ReplayCache::new(2);
        let with_jti = |jti: &str| claims(json!({"jti": jti})).as_object().unwrap().clone();
        cache.first_use("app", &with_jti("a"), &rules).unwrap();
        let err = cache.first_use("app", &with_jti("a"), &rules).unwrap_err();
        assert!(err.contains("already used"), "{err}");
        // The same jti from another signer is another JWT.
        cache.first_use("other", &with_jti("a"), &rules).unwrap();
        let err = cache.first_use("app", &with_jti("b"), &rules).unwrap_err();
        assert!(err.contains("full"), "{err}");
        // Once the remembered ones expire, there is room again.
        let later = Rules {
            now: NOW + 1000,
            ..rules
        };
        let fresh = claims(json!({"jti": "b", "exp": NOW + 1060}));
        cache
            .first_use("app", fresh.as_object().unwrap(), &later)
            .unwrap();
        let missing = claims(json!({})).as_object().unwrap().clone();
        let mut missing = missing;
        missing.remove("jti");
        assert!(
            cache
                .first_use("app", &missing, &later)
                .unwrap_err()
                .contains("jti is missing")
        );
    }
}
