//! What every grant shares: the token request (RFC 6749 §3.2), the token response
//! (RFC 6749 §5.1), and the verification of the tokens it carries (OIDC Core §3.1.3.7,
//! RFC 9068).

use serde::Serialize;
use serde_json::{Map, Value};

use super::FlowConfig;
use crate::oauth::dpop::DpopKey;
use crate::oauth::error::EngineError;
use crate::oauth::exchange::Exchange;
use crate::oauth::http::RecordingClient;
use crate::oauth::jwks::KeyStore;
use crate::oauth::jwt::{self, ClaimRules, Jwt, Verification};
use crate::oauth::response::expect_json;
use crate::oauth::step::RequestDraft;
use crate::wire::TokenResponse;

/// A POST to the token endpoint with `params` and the client's authentication.
pub fn token_request(
    config: &FlowConfig,
    params: &[(&str, &str)],
) -> Result<RequestDraft, EngineError> {
    let endpoint = config.endpoint("token_endpoint", &config.metadata.token_endpoint)?;
    let mut draft = RequestDraft::new("POST", endpoint);
    for (name, value) in params {
        draft.set_param(name, *value);
    }
    config.client.apply(&mut draft, endpoint)?;
    Ok(draft)
}

/// Reads a token response: 200 with at least access_token and token_type (RFC 6749 §5.1).
pub fn process_token_response(exchange: &Exchange) -> Result<TokenResponse, EngineError> {
    let tokens: TokenResponse = expect_json(exchange, "token response", &[200])?;
    if tokens.access_token.secret().is_empty() {
        return Err(EngineError::WrongShape {
            what: "token response".into(),
            detail: "access_token is empty".into(),
        });
    }
    Ok(tokens)
}

/// What a step should say about a `token_type` (RFC 6749 §7.1), or nothing for `Bearer`
/// (matched case-insensitively, RFC 6750 §4 and §5.1 differ in case and servers follow
/// both). The token is kept either way: the user may still want to read or introspect it.
pub fn token_type_warning(token_type: &str) -> Option<String> {
    if token_type.eq_ignore_ascii_case("bearer") {
        None
    } else if token_type.eq_ignore_ascii_case("dpop") {
        Some(
            "token_type DPoP: the token is bound to a key and needs a DPoP proof with every \
             use (RFC 9449 §7); this client sends no proof, so a resource server should \
             refuse it as a bearer token"
                .into(),
        )
    } else {
        Some(format!(
            "token_type {token_type:?} is not one this client knows (RFC 6749 §7.1): it is not \
             a bearer token, and a later request that presents it as Bearer may be refused"
        ))
    }
}

/// Whether the tokens a DPoP request got are bound to the client's key: `token_type` DPoP
/// (RFC 9449 §5) and, for a JWT access token, `cnf.jkt` equal to the key's RFC 7638
/// thumbprint (§6.1). An opaque token's binding is the server's to know (introspection).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DpopBinding {
    /// The key's thumbprint: what `cnf.jkt` must be.
    pub jkt: String,
    pub checks: Vec<jwt::Check>,
}

impl DpopBinding {
    pub fn check(key: &DpopKey, tokens: &TokenResponse, access: Option<&DecodedToken>) -> Self {
        let token_type = if tokens.token_type.eq_ignore_ascii_case("dpop") {
            jwt::Check::pass("token_type", "DPoP: the token is bound to the proof's key")
        } else {
            jwt::Check::fail(
                "token_type",
                format!(
                    "{:?}, not DPoP: the server ignored the proof and issued a token any holder \
                     can use (RFC 9449 §5)",
                    tokens.token_type
                ),
            )
        };
        let jkt = key.thumbprint();
        let cnf = match access.map(|t| t.claims.get("cnf").and_then(|c| c.get("jkt"))) {
            None => jwt::Check {
                check: "cnf.jkt",
                verdict: jwt::Verdict::Skipped,
                detail: "the access token is opaque: introspect it to see its cnf".into(),
            },
            Some(Some(found)) if found.as_str() == Some(jkt) => {
                jwt::Check::pass("cnf.jkt", format!("{jkt}, the thumbprint of this key"))
            }
            Some(Some(found)) => jwt::Check::fail(
                "cnf.jkt",
                format!(
                    "{found} is not {jkt}, the thumbprint of the key that signed the proof \
                     (RFC 9449 §6.1)"
                ),
            ),
            Some(None) => jwt::Check::fail(
                "cnf.jkt",
                "the JWT access token has no cnf.jkt: it is not bound to the key (RFC 9449 §6.1)",
            ),
        };
        DpopBinding {
            jkt: jkt.to_string(),
            checks: vec![token_type, cnf],
        }
    }

    /// The failed checks, in words, for the step's warnings.
    pub fn failures(&self) -> Vec<String> {
        self.checks
            .iter()
            .filter(|c| c.verdict == jwt::Verdict::Fail)
            .map(|c| format!("DPoP binding, {}: {}", c.check, c.detail))
            .collect()
    }
}

/// A token as the user sees it: its decoded parts and, once checked, its verification.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecodedToken {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<Verification>,
}

impl DecodedToken {
    /// Decodes a token if it is a JWT; opaque tokens give `None`.
    pub fn decode(token: &str) -> Option<Self> {
        let jwt = Jwt::decode(token).ok()?;
        jwt.has_claims().then(|| DecodedToken {
            header: jwt.unverified_header().clone(),
            claims: jwt.unverified_claims().clone(),
            verification: None,
        })
    }
}

/// The ID token (if any) and the access token (if it is a JWT), verified against the server's
/// keys. The ID token follows OIDC Core §3.1.3.7; a JWT access token is checked for signature,
/// issuer and times only, since its audience is a resource server, not this client.
pub async fn verify_tokens(
    http: &RecordingClient,
    keys: &mut KeyStore,
    config: &FlowConfig,
    tokens: &TokenResponse,
    nonce: Option<&str>,
) -> (Option<DecodedToken>, Option<DecodedToken>) {
    let issuer = &config.metadata.issuer;
    let id_token = match &tokens.id_token {
        Some(raw) => Some(
            decode_and_verify(
                http,
                keys,
                raw.secret(),
                ClaimRules {
                    nonce: nonce.map(str::to_string),
                    access_token: Some(tokens.access_token.secret().to_string()),
                    skew: config.skew,
                    ..ClaimRules::id_token(issuer, &config.client.client_id)
                },
            )
            .await,
        ),
        None => None,
    };
    let access_token = if Jwt::decode(tokens.access_token.secret()).is_ok_and(|j| j.has_claims()) {
        Some(
            decode_and_verify(
                http,
                keys,
                tokens.access_token.secret(),
                ClaimRules {
                    issuer: Some(issuer.clone()),
                    skew: config.skew,
                    ..ClaimRules::default()
                },
            )
            .await,
        )
    } else {
        None
    };
    (id_token, access_token)
}

async fn decode_and_verify(
    http: &RecordingClient,
    keys: &mut KeyStore,
    raw: &str,
    rules: ClaimRules,
) -> DecodedToken {
    match Jwt::decode(raw) {
        Ok(jwt) => DecodedToken {
            header: jwt.unverified_header().clone(),
            claims: jwt.unverified_claims().clone(),
            verification: Some(jwt::verify(&jwt, keys, http, &rules).await),
        },
        Err(err) => DecodedToken {
            header: Map::new(),
            claims: Map::new(),
            verification: Some(Verification {
                checks: vec![jwt::Check {
                    check: "signature",
                    verdict: jwt::Verdict::Fail,
                    detail: err.to_string(),
                }],
            }),
        },
    }
}

/// One claim that changed between two tokens.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaimChange {
    pub claim: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// The claims that differ between `before` and `after`, in name order.
pub fn claims_diff(before: &Map<String, Value>, after: &Map<String, Value>) -> Vec<ClaimChange> {
    let mut names: Vec<&String> = before.keys().chain(after.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter(|n| before.get(*n) != after.get(*n))
        .map(|n| ClaimChange {
            claim: n.clone(),
            before: before.get(n).cloned(),
            after: after.get(n).cloned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_lists_added_removed_and_changed_claims() {
        let before = json!({"exp": 1, "jti": "a", "sub": "x"});
        let after = json!({"exp": 2, "sub": "x", "scope": "openid"});
        let diff = claims_diff(before.as_object().unwrap(), after.as_object().unwrap());
        let names: Vec<_> = diff.iter().map(|c| c.claim.as_str()).collect();
        assert_eq!(names, ["exp", "jti", "scope"]);
        assert_eq!(diff[1].after, None);
    }

    #[test]
    fn bearer_in_any_case_is_quiet_and_other_types_warn() {
        assert_eq!(token_type_warning("Bearer"), None);
        assert_eq!(token_type_warning("bearer"), None);
        assert_eq!(token_type_warning("BEARER"), None);
        assert!(token_type_warning("DPoP").unwrap().contains("RFC 9449"));
        let mac = token_type_warning("mac").unwrap();
        assert!(
            mac.contains("\"mac\"") && mac.contains("RFC 6749 §7.1"),
            "{mac}"
        );
    }

    #[test]
    fn opaque_tokens_are_not_decoded() {
        assert!(DecodedToken::decode("2YotnFZFEjr1zCsicMWpAA").is_none());
    }
}
