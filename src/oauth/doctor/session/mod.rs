//! Findings about a session: the steps and exchanges of a run (or of an imported
//! transcript). The authorization requests are judged for PKCE and `state`, every URL for a
//! bearer token in it, every token response for its scope, its refresh token and the tokens
//! it carries, and the server for what its metadata offers.
//!
//! Values are compared, never quoted: a finding about a refresh token says it is the same as
//! the one sent, not what it is.

use serde_json::Value;

use super::token::{TokenContext, TokenUse, diagnose_token};
use super::{Finding, Severity, diagnose_server};
use crate::oauth::jwks::JwkSet;
use crate::oauth::jwt::Jwt;
use crate::oauth::{Exchange, Step, StepKind};
use crate::wire::ServerMetadata;

/// What a session doctor reads. `token` carries the clock, skew and keys the tokens are
/// judged with (the keys, when absent, are read from a JWKS response in the exchanges); its
/// `expected_use` is set per token.
#[derive(Debug, Clone)]
pub struct Session<'a> {
    pub steps: &'a [Step],
    pub exchanges: &'a [Exchange],
    /// The server's metadata; when absent, read from a metadata response in the exchanges.
    pub metadata: Option<&'a ServerMetadata>,
    pub token: TokenContext<'a>,
}

/// Every finding of the session, each once, in the order of the exchanges.
pub fn diagnose_session(session: &Session) -> Vec<Finding> {
    let found_metadata = session
        .metadata
        .is_none()
        .then(|| metadata_in(session.exchanges))
        .flatten();
    let metadata = session.metadata.or(found_metadata.as_ref());
    let mut out = metadata.map(diagnose_server).unwrap_or_default();
    let found_keys = session
        .token
        .jwks
        .is_none()
        .then(|| metadata.and_then(|m| keys_in(session.exchanges, m)))
        .flatten();
    let token_ctx = TokenContext {
        jwks: session.token.jwks.or(found_keys.as_ref()),
        metadata,
        ..session.token.clone()
    };

    // The browser leg has no exchange of its own: its request is the step's.
    let mut asked_scope = None;
    for step in session.steps {
        if step.kind == StepKind::Authorize
            && let Some(draft) = &step.request
            && draft.param("request_uri").is_none()
        {
            out.extend(authorization_request(&draft.params, &draft.url));
            asked_scope = draft.param("scope").map(str::to_string).or(asked_scope);
        }
    }
    for exchange in session.exchanges {
        out.extend(bearer_in_url(exchange));
        let query = url_pairs(&exchange.url);
        let form = form_pairs(exchange);
        for params in [&query, &form] {
            if value(params, "response_type").is_some() {
                out.extend(authorization_request(params, &exchange.url));
            }
            if let Some(scope) = value(params, "scope") {
                asked_scope = Some(scope.to_string());
            }
        }
        if let Some(response) = token_response(exchange) {
            out.extend(scope_wider(&response, asked_scope.as_deref(), exchange));
            out.extend(refresh_not_rotated(exchange, &form, &response));
            out.extend(tokens(&response, exchange, &token_ctx));
        }
    }
    let mut unique: Vec<Finding> = Vec::new();
    for finding in out {
        if !unique.contains(&finding) {
            unique.push(finding);
        }
    }
    unique
}

/// A URL without its query and fragment: where a request went, with nothing secret in it.
pub(crate) fn endpoint(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

fn url_pairs(url: &str) -> Vec<(String, String)> {
    let Ok(parsed) = url::Url::parse(url) else {
        return Vec::new();
    };
    let fragment = parsed.fragment().unwrap_or("");
    parsed
        .query_pairs()
        .chain(url::form_urlencoded::parse(fragment.as_bytes()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The request's form pairs, when its body is a form.
fn form_pairs(exchange: &Exchange) -> Vec<(String, String)> {
    let is_form = exchange
        .request_headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .is_none_or(|(_, v)| v.starts_with("application/x-www-form-urlencoded"));
    match &exchange.request_body {
        Some(body) if is_form && serde_json::from_str::<Value>(body).is_err() => {
            url::form_urlencoded::parse(body.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        }
        _ => Vec::new(),
    }
}

fn value<'p>(pairs: &'p [(String, String)], name: &str) -> Option<&'p str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The first successful metadata document among the exchanges.
fn metadata_in(exchanges: &[Exchange]) -> Option<ServerMetadata> {
    exchanges
        .iter()
        .filter(|e| {
            e.status == Some(200)
                && (e.url.contains("/.well-known/oauth-authorization-server")
                    || e.url.contains("/.well-known/openid-configuration"))
        })
        .find_map(|e| serde_json::from_str(e.response_body.as_deref()?).ok())
}

/// The issuer's keys, from a successful request to its `jwks_uri` among the exchanges.
fn keys_in(exchanges: &[Exchange], metadata: &ServerMetadata) -> Option<JwkSet> {
    let jwks_uri = metadata.jwks_uri.as_deref()?;
    exchanges
        .iter()
        .filter(|e| e.status == Some(200) && e.url == jwks_uri)
        .find_map(|e| JwkSet::parse(e.response_body.as_deref()?).ok())
}

fn authorization_request(params: &[(String, String)], url: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    let code_flow =
        value(params, "response_type").is_none_or(|r| r.split(' ').any(|t| t == "code"));
    let client = value(params, "client_id").unwrap_or("(none)").to_string();
    let at = |f: Finding| {
        f.with("client_id", client.clone())
            .with("authorization endpoint", endpoint(url))
    };
    let challenge = value(params, "code_challenge");
    if code_flow && challenge.is_none() {
        out.push(at(Finding::new(
            Severity::Error,
            "no-pkce",
            "RFC 9700 §2.1.1",
            "the authorization request has no code_challenge: a stolen or injected \
             authorization code can be redeemed by anyone (PKCE is required for every client)",
        )));
    }
    if challenge.is_some() {
        let method = value(params, "code_challenge_method");
        if method.is_none_or(|m| m == "plain") {
            out.push(at(Finding::new(
                Severity::Warning,
                "plain-pkce",
                "RFC 7636 §4.2",
                "PKCE uses the plain method (the default when code_challenge_method is \
                 absent): the challenge is the verifier, so whoever sees the request can \
                 redeem the code; use S256",
            )
            .with("code_challenge_method", method.unwrap_or("(absent: plain)"))));
        }
    }
    if value(params, "state").is_none() {
        // With PKCE the code cannot be injected, so a missing state matters less.
        let severity = if challenge.is_some() {
            Severity::Info
        } else {
            Severity::Warning
        };
        out.push(at(Finding::new(
            severity,
            "no-state",
            "RFC 6749 §10.12",
            "the authorization request has no state: the client cannot tie the response to \
             the request it made (CSRF on the redirect URI)",
        )));
    }
    out
}

fn bearer_in_url(exchange: &Exchange) -> Vec<Finding> {
    let mut urls = vec![("request URL", exchange.url.as_str())];
    urls.extend(
        exchange
            .response_headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("location"))
            .map(|(_, v)| ("Location header", v.as_str())),
    );
    urls.into_iter()
        .filter(|(_, url)| url_pairs(url).iter().any(|(k, _)| k == "access_token"))
        .map(|(place, url)| {
            Finding::new(
                Severity::Error,
                "bearer-in-url",
                "RFC 6750 §2.3",
                format!(
                    "an access token travels in a URL ({place}): URLs end up in browser \
                     history, server logs and Referer headers"
                ),
            )
            .with("parameter", "access_token")
            .with("URL", endpoint(url))
        })
        .collect()
}

/// The JSON members of a successful token response (one that issued an access token).
fn token_response(exchange: &Exchange) -> Option<serde_json::Map<String, Value>> {
    if !exchange.status.is_some_and(|s| (200..300).contains(&s)) {
        return None;
    }
    match serde_json::from_str(exchange.response_body.as_deref()?) {
        Ok(Value::Object(map)) if map.get("access_token").is_some_and(Value::is_string) => {
            Some(map)
        }
        _ => None,
    }
}

fn scope_wider(
    response: &serde_json::Map<String, Value>,
    asked: Option<&str>,
    exchange: &Exchange,
) -> Option<Finding> {
    let granted = response.get("scope")?.as_str()?;
    let asked = asked?;
    let wanted: Vec<&str> = asked.split(' ').filter(|s| !s.is_empty()).collect();
    let extra: Vec<&str> = granted
        .split(' ')
        .filter(|s| !s.is_empty() && !wanted.contains(s))
        .collect();
    (!extra.is_empty()).then(|| {
        Finding::new(
            Severity::Warning,
            "scope-wider-than-asked",
            "RFC 9700 §2.3",
            "the server granted more scope than the client asked for: the token can do more \
             than the client needs, and more harm when it leaks",
        )
        .with("asked", asked)
        .with("granted", granted)
        .with("extra", extra.join(" "))
        .with("token endpoint", endpoint(&exchange.url))
    })
}

/// RFC 9700 §4.14.2: a public client's refresh tokens must be sender-constrained or rotated.
fn refresh_not_rotated(
    exchange: &Exchange,
    form: &[(String, String)],
    response: &serde_json::Map<String, Value>,
) -> Option<Finding> {
    if value(form, "grant_type") != Some("refresh_token") {
        return None;
    }
    let authenticated = exchange
        .request_headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        || value(form, "client_secret").is_some()
        || value(form, "client_assertion").is_some();
    if authenticated {
        return None;
    }
    let sent = value(form, "refresh_token");
    let returned = response.get("refresh_token").and_then(Value::as_str);
    let how = match returned {
        None => "none returned: the one sent stays in use",
        Some(new) if Some(new) == sent => "the same as the one sent",
        Some(_) => return None,
    };
    Some(
        Finding::new(
            Severity::Warning,
            "refresh-not-rotated",
            "RFC 9700 §4.14.2",
            "a public client's refresh token was not rotated: a stolen refresh token keeps \
             working alongside the real one, and the server cannot tell",
        )
        .with("client_id", value(form, "client_id").unwrap_or("(none)"))
        .with("refresh_token", how)
        .with("token endpoint", endpoint(&exchange.url)),
    )
}

fn tokens(
    response: &serde_json::Map<String, Value>,
    exchange: &Exchange,
    ctx: &TokenContext,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (member, use_) in [
        ("access_token", TokenUse::Access),
        ("id_token", TokenUse::Id),
    ] {
        let Some(jwt) = response
            .get(member)
            .and_then(Value::as_str)
            .and_then(|raw| Jwt::decode(raw).ok())
            .filter(Jwt::has_claims)
        else {
            continue;
        };
        let ctx = TokenContext {
            expected_use: Some(use_),
            ..ctx.clone()
        };
        for mut finding in diagnose_token(&jwt, &ctx) {
            finding.evidence.insert(
                0,
                (
                    "token".into(),
                    format!("{member} from {}", endpoint(&exchange.url)),
                ),
            );
            out.push(finding);
        }
    }
    out
}

#[cfg(test)]
mod tests;
