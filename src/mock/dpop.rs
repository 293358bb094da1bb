//! DPoP proofs (RFC 9449 §4.3) checked at /token and at /userinfo: each rule in the order
//! the RFC lists it, each refusal `invalid_dpop_proof` naming the rule, replayed `jti`s
//! caught by a bounded cache, and server nonces when the mock was started with
//! `--dpop-nonce` (§8, §9).

use axum::http::HeaderMap;
use serde_json::Value;

use super::errors::OAuthError;
use super::secrets::random_token;
use super::signed_jwt::{Refusal, ReplayCache};
use crate::oauth::dpop::{self as rules, HEADER, PROOF_TYPE, jwk_thumbprint};
use crate::oauth::jwks::Jwk;
use crate::oauth::jwt::{self, Algorithm, Jwt};

/// The proof algorithms accepted, advertised as `dpop_signing_alg_values_supported`.
pub const ALGS_SUPPORTED: [&str; 5] = ["ES256", "ES384", "RS256", "PS256", "EdDSA"];
/// How old a proof's `iat` may be (RFC 9449 §11.1 leaves the window to the server).
const MAX_AGE_SECS: u64 = 300;
/// How far ahead of this server's clock a proof's `iat` may be.
const MAX_AHEAD_SECS: u64 = 60;
/// How many `jti`s are remembered: proofs older than the window are refused by `iat`, so a
/// `jti` is only kept while its proof could still be accepted.
const REPLAY_CACHE_SIZE: usize = 10_000;

/// What a valid proof tells the server: the key it was signed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    /// The RFC 7638 thumbprint of the proof's `jwk`: a bound token's `cnf.jkt`.
    pub jkt: String,
}

/// The request a proof must match.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub method: &'a str,
    /// The endpoint's URL as this server advertises it.
    pub url: &'a str,
    /// The access token the request presents to a resource, which `ath` must hash.
    pub access_token: Option<&'a str>,
}

/// The mock's DPoP state: the nonce (when required) and the `jti`s seen.
pub struct Dpop {
    nonce: Option<String>,
    seen: ReplayCache,
}

impl Dpop {
    /// `require_nonce` makes every proof carry a nonce this server issued (RFC 9449 §8).
    pub fn new(require_nonce: bool) -> Self {
        Dpop {
            nonce: require_nonce.then(random_token),
            seen: ReplayCache::new(REPLAY_CACHE_SIZE),
        }
    }

    /// The nonce every proof must carry, when this server requires one (RFC 9449 §8, §9).
    pub fn nonce(&self) -> Option<&str> {
        self.nonce.as_deref()
    }

    /// The proof in `headers`, checked against `target`; `None` when the request has none.
    pub fn check(
        &self,
        headers: &HeaderMap,
        target: Target<'_>,
        now: u64,
    ) -> Result<Option<Proof>, OAuthError> {
        let mut values = headers.get_all(HEADER).iter();
        let Some(value) = values.next() else {
            return Ok(None);
        };
        if values.next().is_some() {
            return Err(refuse(
                "more than one DPoP header: a request carries exactly one proof",
            ));
        }
        let raw = value
            .to_str()
            .map_err(|_| refuse("the DPoP header is not visible ASCII"))?;
        let proof = Jwt::decode(raw).map_err(|e| refuse(format!("the proof is not a JWS: {e}")))?;
        if proof.unverified_header().get("typ").and_then(Value::as_str) != Some(PROOF_TYPE) {
            return Err(refuse(format!("typ must be {PROOF_TYPE:?}")));
        }
        let alg = proof
            .alg()
            .filter(|a| ALGS_SUPPORTED.contains(a))
            .and_then(Algorithm::from_name)
            .ok_or_else(|| {
                refuse(format!(
                    "alg {:?} is not one of {} (no `none`, no MAC)",
                    proof.alg().unwrap_or(""),
                    ALGS_SUPPORTED.join(", ")
                ))
            })?;
        let jwk = public_jwk(&proof)?;
        jwt::verify_with_jwk(&proof, alg, &jwk).map_err(|why| {
            refuse(format!(
                "the signature does not verify with the jwk header: {why}"
            ))
        })?;
        let claim = |name: &str| proof.claim_str(name);
        let jti = claim("jti")
            .filter(|j| !j.is_empty() && j.len() <= 256)
            .ok_or_else(|| refuse("jti is missing (a unique string of at most 256 characters)"))?;
        if claim("htm") != Some(target.method) {
            return Err(refuse(format!(
                "htm is {:?} but the request is {}",
                claim("htm").unwrap_or(""),
                target.method
            )));
        }
        let expected_htu =
            rules::htu(target.url).map_err(|e| OAuthError::server_error(e.to_string()))?;
        let htu_matches = claim("htu")
            .and_then(|h| rules::htu(h).ok())
            .is_some_and(|h| h == expected_htu);
        if !htu_matches {
            return Err(refuse(format!(
                "htu is {:?} but the request went to {expected_htu}",
                claim("htu").unwrap_or("")
            )));
        }
        let iat = proof
            .unverified_claims()
            .get("iat")
            .and_then(Value::as_u64)
            .ok_or_else(|| refuse("iat is missing or not a number of seconds"))?;
        if iat.saturating_add(MAX_AGE_SECS) < now {
            return Err(refuse(format!(
                "iat is {} s old; proofs are accepted for {MAX_AGE_SECS} s",
                now - iat
            )));
        }
        if iat > now.saturating_add(MAX_AHEAD_SECS) {
            return Err(refuse(format!(
                "iat is {} s in the future (at most {MAX_AHEAD_SECS} s accepted)",
                iat - now
            )));
        }
        if let Some(nonce) = &self.nonce
            && claim("nonce") != Some(nonce.as_str())
        {
            let why = match claim("nonce") {
                None => "this server requires a nonce in DPoP proofs; use the one in DPoP-Nonce",
                Some(_) => "the proof's nonce is not the one this server issued; use DPoP-Nonce",
            };
            return Err(OAuthError::use_dpop_nonce(
                format!("{why} (RFC 9449 section 8)"),
                nonce,
            ));
        }
        if let Some(token) = target.access_token
            && claim("ath") != Some(rules::ath(token).as_str())
        {
            return Err(refuse(match claim("ath") {
                None => "ath is missing: a proof presented with an access token hashes it",
                Some(_) => "ath is not the SHA-256 of the access token presented",
            }));
        }
        self.remember(jti, iat, now)?;
        let jkt = jwk_thumbprint(&jwk).ok_or_else(|| refuse("the jwk has no thumbprint"))?;
        Ok(Some(Proof { jkt }))
    }

    /// Records `jti`, refusing one already seen within the window (RFC 9449 §11.1): a
    /// proof is remembered for as long as its `iat` lets it be accepted.
    fn remember(&self, jti: &str, iat: u64, now: u64) -> Result<(), OAuthError> {
        let until = iat.saturating_add(MAX_AGE_SECS).saturating_add(1);
        self.seen
            .remember(jti.to_owned(), until, now)
            .map_err(|refusal| match refusal {
                Refusal::Replayed => refuse(format!(
                    "jti {jti:?} was already used: a proof is good for one request only"
                )),
                Refusal::Full(capacity) => refuse(format!(
                    "this server remembers at most {capacity} proofs still within their \
                     {MAX_AGE_SECS} s window and is full; try again shortly"
                )),
            })
    }
}

/// How a resource request presents its access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presented {
    /// `Authorization: Bearer` or a form body member (RFC 6750 §2).
    Bearer(String),
    /// `Authorization: DPoP`, with a proof beside it (RFC 9449 §7.1).
    Dpop(String),
}

impl Presented {
    pub fn token(&self) -> &str {
        match self {
            Presented::Bearer(t) | Presented::Dpop(t) => t,
        }
    }
}

/// The token of `Authorization: DPoP <token>`, `None` for another scheme or none.
pub fn dpop_token(headers: &HeaderMap) -> Result<Option<String>, OAuthError> {
    let Some(value) = headers.get(axum::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = String::from_utf8_lossy(value.as_bytes());
    match value.trim().split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case(HEADER) => {
            let token = token.trim();
            if token.is_empty() || token.contains(' ') {
                Err(OAuthError::invalid_request(
                    "the Authorization header must be `DPoP <token>` (RFC 9449 section 7.1)",
                ))
            } else {
                Ok(Some(token.to_owned()))
            }
        }
        _ => Ok(None),
    }
}

impl Dpop {
    /// Whether a resource at `url` may serve `presented`, a token bound to `bound` (its
    /// `cnf.jkt`) or to nothing: a bound token only with the DPoP scheme and a proof of its
    /// key (RFC 9449 §7.1), whose `ath` hashes the token. Refusals are a resource's (401).
    pub fn check_presented(
        &self,
        headers: &HeaderMap,
        presented: &Presented,
        bound: Option<&str>,
        target: Target<'_>,
        now: u64,
    ) -> Result<(), OAuthError> {
        let token = match presented {
            Presented::Bearer(_) if bound.is_some() => {
                return Err(OAuthError::invalid_token(
                    "the access token is bound to a DPoP key: present it as \
                     `Authorization: DPoP <token>` with a DPoP proof (RFC 9449 section 7.1)",
                )
                .at_resource());
            }
            Presented::Bearer(_) => return Ok(()),
            Presented::Dpop(token) => token,
        };
        let target = Target {
            access_token: Some(token),
            ..target
        };
        let proof = self
            .check(headers, target, now)
            .map_err(OAuthError::at_resource)?
            .ok_or_else(|| {
                refuse("the DPoP scheme needs a DPoP header with a proof").at_resource()
            })?;
        match bound {
            Some(jkt) if jkt != proof.jkt => Err(OAuthError::invalid_token(format!(
                "the proof is signed with key {}, but the access token is bound to {jkt} \
                 (cnf.jkt, RFC 9449 section 7.1)",
                proof.jkt
            ))
            .at_resource()),
            _ => Ok(()),
        }
    }
}

/// The proof's `jwk` header: a public key, never a private or symmetric one.
fn public_jwk(proof: &Jwt) -> Result<Jwk, OAuthError> {
    let value = proof
        .unverified_header()
        .get("jwk")
        .filter(|v| v.is_object())
        .ok_or_else(|| refuse("the jwk header with the public key is missing"))?;
    if value.get("d").is_some() || value.get("k").is_some() {
        return Err(refuse(
            "the jwk header holds a private key; it must be public",
        ));
    }
    serde_json::from_value(value.clone())
        .map_err(|e| refuse(format!("the jwk header is not a JWK: {e}")))
}

fn refuse(rule: impl std::fmt::Display) -> OAuthError {
    OAuthError::invalid_dpop_proof(format!("{rule} (RFC 9449 section 4.3)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::dpop::DpopKey;

    const URL: &str = "http://127.0.0.1:9/token";

    fn headers(proof: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(HEADER, proof.parse().unwrap());
        headers
    }

    fn now() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    fn target() -> Target<'static> {
        Target {
            method: "POST",
            url: URL,
            access_token: None,
        }
    }

    #[test]
    fn a_good_proof_gives_its_thumbprint_once() {
        let key = DpopKey::generate().unwrap();
        let dpop = Dpop::new(false);
        let proof = key.proof("POST", URL, None, None).unwrap();
        let found = dpop.check(&headers(&proof), target(), now()).unwrap();
        assert_eq!(found.unwrap().jkt, key.thumbprint());
        let again = dpop.check(&headers(&proof), target(), now()).unwrap_err();
        assert!(again.description.contains("already used"), "{again:?}");
        assert_eq!(
            dpop.check(&HeaderMap::new(), target(), now()).unwrap(),
            None
        );
    }

    #[test]
    fn each_broken_rule_is_named() {
        let key = DpopKey::generate().unwrap();
        let dpop = Dpop::new(false);
        let check = |proof: String, target: Target<'_>, now: u64| {
            dpop.check(&headers(&proof), target, now).unwrap_err()
        };
        let get = key.proof("GET", URL, None, None).unwrap();
        assert!(check(get, target(), now()).description.contains("htm"));
        let other = key
            .proof("POST", "http://127.0.0.1:9/other", None, None)
            .unwrap();
        assert!(check(other, target(), now()).description.contains("htu"));
        let old = key.proof("POST", URL, None, None).unwrap();
        let err = check(old, target(), now() + 3600);
        assert!(err.description.contains("old"), "{err:?}");
        let no_ath = key.proof("GET", URL, None, None).unwrap();
        let resource = Target {
            method: "GET",
            access_token: Some("tok"),
            ..target()
        };
        assert!(
            check(no_ath, resource, now())
                .description
                .contains("ath is missing")
        );
        let wrong_ath = key.proof("GET", URL, None, Some("other")).unwrap();
        assert!(
            check(wrong_ath, resource, now())
                .description
                .contains("ath is not")
        );
        assert_eq!(
            check("a.b.c".into(), target(), now()).error,
            "invalid_dpop_proof"
        );
    }

    #[test]
    fn a_required_nonce_is_asked_for_and_then_accepted() {
        let key = DpopKey::generate().unwrap();
        let dpop = Dpop::new(true);
        let bare = key.proof("POST", URL, None, None).unwrap();
        let err = dpop.check(&headers(&bare), target(), now()).unwrap_err();
        assert_eq!(err.error, "use_dpop_nonce");
        let nonce = dpop.nonce.clone().unwrap();
        let with = key.proof("POST", URL, Some(&nonce), None).unwrap();
        assert!(
            dpop.check(&headers(&with), target(), now())
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn the_replay_cache_stays_bounded() {
        let dpop = Dpop::new(false);
        let t = now();
        for n in 0..REPLAY_CACHE_SIZE {
            dpop.remember(&format!("j{n}"), t, t).unwrap();
        }
        // Full of proofs that could still be replayed: refused rather than forgotten.
        let err = dpop.remember("one-more", t, t).unwrap_err();
        assert!(err.description.contains("at most"), "{err:?}");
        // Past the window, the old ones make room.
        let later = t + MAX_AGE_SECS + 1;
        dpop.remember("one-more", later, later).unwrap();
        assert!(dpop.remember("j0", later, later).is_ok(), "j0 is forgotten");
    }
}
