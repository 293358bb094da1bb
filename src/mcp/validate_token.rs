//! `oauth2_validate_token`: introspection (RFC 7662) where the server offers it and the client
//! can authenticate, plus local JWT verification against the server's JWKS.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{schemars, tool, tool_router};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::connection::{Connection, ExchangeSummary, client, given, given_secret};
use super::errors::{ToolResult, success};
use super::server::OAuthTools;
use crate::oauth::flow::introspect::{introspection_request, process_introspection};
use crate::oauth::jwks::KeyStore;
use crate::oauth::jwt::{self, Check, ClaimRules, Jwt, Verdict, Verification};
use crate::oauth::secret::Secret;

/// Arguments of `oauth2_validate_token`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct ValidateTokenArgs {
    /// Issuer URL of the authorization server that issued the token. Leave it out to use the
    /// default server.
    pub issuer: Option<String>,
    /// The token to check: an access token (JWT or opaque), an ID token, or a refresh token.
    pub token: Secret,
    /// A client allowed to introspect at this server (usually the one the token was issued
    /// to). Without client_id and client_secret only the local JWT checks run.
    pub client_id: Option<String>,
    /// The secret of client_id, used to authenticate the introspection request.
    pub client_secret: Option<Secret>,
    /// How the client authenticates its introspection request: "client_secret_basic" (the
    /// default) or "client_secret_post".
    pub client_auth_method: Option<String>,
}

/// What `oauth2_validate_token` returns.
#[derive(Debug, Serialize)]
struct Validation {
    issuer: String,
    /// The server's answer when it introspected; else whether every local JWT check passed;
    /// null when neither could run (an opaque token and no introspection).
    active: Option<bool>,
    /// "introspection", "jwt_checks" or "none": where `active` comes from.
    active_source: &'static str,
    /// The verdict in one sentence.
    summary: String,
    /// The introspection response as the server sent it (RFC 7662 section 2.2).
    introspection: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    introspection_skipped: Option<String>,
    jwt: Option<JwtReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    jwt_skipped: Option<String>,
    exchanges: Vec<ExchangeSummary>,
}

/// The local verification of a JWT.
#[derive(Debug, Serialize)]
struct JwtReport {
    header: Map<String, Value>,
    claims: Map<String, Value>,
    signature: SignatureVerdict,
    /// Every check with its verdict (pass, fail, skipped) and the reason in words.
    checks: Vec<Check>,
    /// True when the signature verified and no check failed.
    valid: bool,
}

#[derive(Debug, Serialize)]
struct SignatureVerdict {
    verified: bool,
    detail: String,
}

impl JwtReport {
    fn new(jwt: &Jwt, verification: Verification) -> Self {
        let signature = verification
            .checks
            .iter()
            .find(|check| check.check == "signature")
            .map(|check| SignatureVerdict {
                verified: check.verdict == Verdict::Pass,
                detail: check.detail.clone(),
            })
            .unwrap_or_else(|| SignatureVerdict {
                verified: false,
                detail: "the signature was not checked".into(),
            });
        JwtReport {
            header: jwt.unverified_header().clone(),
            claims: jwt.unverified_claims().clone(),
            signature,
            valid: verification.is_valid(),
            checks: verification.checks,
        }
    }
}

#[tool_router(router = validate_token_router, vis = "pub(super)")]
impl OAuthTools {
    #[tool(
        name = "oauth2_validate_token",
        annotations(
            title = "Validate a token",
            read_only_hint = true,
            open_world_hint = true
        ),
        description = "Check whether a token is valid, two ways. (1) Introspection (RFC 7662): \
            asks the server, which knows about revocation; runs when the server has an \
            introspection endpoint and client_id and client_secret are given (a refused \
            introspection, e.g. invalid_client, fails the call). (2) Local JWT \
            verification: decodes the token and verifies its signature against the server's \
            JWKS, then checks exp, nbf, iat and iss; runs when the token is a JWT. Returns \
            `active` (the server's answer when it introspected, else whether every local check \
            passed), `active_source`, the claims, and each check's verdict in words. A revoked \
            JWT still has a valid signature: only introspection sees the revocation."
    )]
    pub async fn oauth2_validate_token(
        &self,
        Parameters(args): Parameters<ValidateTokenArgs>,
    ) -> ToolResult {
        let issuer = args.issuer.clone();
        self.run_tool("oauth2_validate_token", issuer.as_deref(), |issuer| {
            validate_token(issuer, args)
        })
        .await
    }
}

async fn validate_token(issuer: String, args: ValidateTokenArgs) -> ToolResult {
    let client_id = given(args.client_id);
    let client_secret = given_secret(args.client_secret);
    let connection = Connection::open(&issuer).await?;

    let (introspection, introspection_skipped) = match (
        &connection.metadata.introspection_endpoint,
        &client_id,
        &client_secret,
    ) {
        (None, _, _) => (
            None,
            Some("the server advertises no introspection_endpoint".to_string()),
        ),
        (Some(_), Some(client_id), Some(secret)) => {
            let client = client(
                client_id,
                Some(secret.secret()),
                args.client_auth_method.as_deref(),
            )?;
            let config = connection.flow_config(client);
            let draft = introspection_request(&config, args.token.secret(), None)?;
            let exchange = connection
                .send("the introspection endpoint", &draft)
                .await?;
            (Some(process_introspection(&exchange)?), None)
        }
        (Some(_), _, _) => (
            None,
            Some(
                "introspection needs an authenticated client: give client_id and client_secret"
                    .to_string(),
            ),
        ),
    };

    let (jwt, jwt_skipped) = match Jwt::decode(args.token.secret()) {
        Ok(decoded) if decoded.has_claims() => {
            let rules = ClaimRules {
                issuer: Some(connection.metadata.issuer.clone()),
                ..ClaimRules::default()
            };
            let verification = match &connection.metadata.jwks_uri {
                Some(jwks_uri) => {
                    let mut keys = KeyStore::from_url(jwks_uri.clone());
                    jwt::verify(&decoded, &mut keys, &connection.http, &rules).await
                }
                None => {
                    let mut checks = vec![no_keys_check()];
                    checks.extend(jwt::check_claims(&decoded, &rules));
                    Verification { checks }
                }
            };
            (Some(JwtReport::new(&decoded, verification)), None)
        }
        Ok(_) => (
            None,
            Some("a JWS whose payload is not a JSON object: no claims to check".to_string()),
        ),
        Err(err) => (
            None,
            Some(format!("not checked locally: {err} (an opaque token?)")),
        ),
    };

    let (active, active_source, summary) = verdict(introspection.as_ref(), jwt.as_ref());
    success(&Validation {
        issuer,
        active,
        active_source,
        summary,
        introspection,
        introspection_skipped,
        jwt,
        jwt_skipped,
        exchanges: connection.exchanges(),
    })
}

fn no_keys_check() -> Check {
    Check {
        check: "signature",
        verdict: Verdict::Skipped,
        detail: "the server advertises no jwks_uri, so there is no key to verify with".into(),
    }
}

/// Whether the token is active, by whose word, and why, in one sentence. The server's
/// introspection wins: it alone knows about revocation.
fn verdict(
    introspection: Option<&Value>,
    jwt: Option<&JwtReport>,
) -> (Option<bool>, &'static str, String) {
    if let Some(active) = introspection
        .and_then(|i| i.get("active"))
        .and_then(Value::as_bool)
    {
        let summary = match (active, jwt) {
            (true, _) => "the server's introspection says the token is active".to_string(),
            (false, Some(jwt)) if jwt.valid => "the server's introspection says the token is \
                 not active (revoked, or unknown to it) although its signature and claims check \
                 out locally"
                .to_string(),
            (false, _) => "the server's introspection says the token is not active (expired, \
                 revoked or unknown)"
                .to_string(),
        };
        return (Some(active), "introspection", summary);
    }
    match jwt {
        Some(jwt) if jwt.valid => (
            Some(true),
            "jwt_checks",
            "the signature and every claim check pass locally; without introspection a \
             revocation cannot be seen"
                .to_string(),
        ),
        Some(jwt) => {
            // A failed check, or a signature that was not verified (skipped counts: a token
            // is not valid until its signature is).
            let failed: Vec<String> = jwt
                .checks
                .iter()
                .filter(|c| {
                    c.verdict == Verdict::Fail
                        || (c.check == "signature" && c.verdict != Verdict::Pass)
                })
                .map(|c| format!("{}: {}", c.check, c.detail))
                .collect();
            (
                Some(false),
                "jwt_checks",
                format!("the token fails local checks: {}", failed.join("; ")),
            )
        }
        None => (
            None,
            "none",
            "neither introspection nor local JWT checks could run".to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_the_arguments_shows_no_secret() {
        let args: ValidateTokenArgs = serde_json::from_value(serde_json::json!({
            "token": "Zq-9token-value", "client_id": "c", "client_secret": "Zq-9secret-value",
        }))
        .unwrap();
        let shown = format!("{args:?}");
        assert!(!shown.contains("Zq-9"), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
    }

    fn report(valid: bool, checks: Vec<Check>) -> JwtReport {
        JwtReport {
            header: Map::new(),
            claims: Map::new(),
            signature: SignatureVerdict {
                verified: valid,
                detail: String::new(),
            },
            checks,
            valid,
        }
    }

    #[test]
    fn introspection_wins_over_local_checks() {
        let inactive = serde_json::json!({"active": false});
        let (active, source, summary) = verdict(Some(&inactive), Some(&report(true, vec![])));
        assert_eq!((active, source), (Some(false), "introspection"));
        assert!(summary.contains("although its signature"), "{summary}");
    }

    #[test]
    fn local_checks_decide_without_introspection_and_say_why() {
        let (active, source, _) = verdict(None, Some(&report(true, vec![])));
        assert_eq!((active, source), (Some(true), "jwt_checks"));
        let expired = Check {
            check: "exp",
            verdict: Verdict::Fail,
            detail: "expired 3m ago".into(),
        };
        let (active, _, summary) = verdict(None, Some(&report(false, vec![expired])));
        assert_eq!(active, Some(false));
        assert!(summary.contains("exp: expired 3m ago"), "{summary}");
    }

    #[test]
    fn an_unverifiable_signature_is_named_as_the_reason() {
        let (active, _, summary) = verdict(None, Some(&report(false, vec![no_keys_check()])));
        assert_eq!(active, Some(false));
        assert!(summary.contains("no jwks_uri"), "{summary}");
    }

    #[test]
    fn nothing_to_go_on_gives_no_verdict() {
        assert_eq!(verdict(None, None).0, None);
    }
}
