//! The token exchange grant (RFC 8693): a client trades a token this server issued (the
//! subject) for a new one, for another audience or with less scope. Alone, the new token
//! speaks for the subject (impersonation); with an `actor_token`, it also names the actor in
//! an `act` claim, nesting any earlier actor (delegation, RFC 8693 §4.1). The audiences a
//! client may ask for are the mock's config (`token_exchange_audiences`).

use serde_json::{Map, Value, json};

use super::app::App;
use super::errors::OAuthError;
use super::form::Params;
use super::resource_indicators;
use super::scopes;
use super::secrets::random_id;
use super::state::Client;
use super::tokens::{ActiveAccessToken, find_access_token};
use crate::oauth::jwt::Jwt;
use crate::wire::{TokenResponse, UnnamedMembers};

/// RFC 8693 §3: the token types this server takes and issues.
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";
pub const JWT_TYPE: &str = "urn:ietf:params:oauth:token-type:jwt";
const ACCEPTED_TYPES: [&str; 2] = [ACCESS_TOKEN_TYPE, JWT_TYPE];

/// Exchanges the subject (and actor) token of `params` for a new access token.
pub async fn exchange(
    app: &App,
    client: &Client,
    params: &Params,
    jkt: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    let subject = presented(app, params, "subject_token", "subject_token_type").await?;
    let actor = match params.get("actor_token") {
        Some(_) => Some(presented(app, params, "actor_token", "actor_token_type").await?),
        None if params.contains("actor_token_type") => {
            return Err(OAuthError::invalid_request(
                "actor_token_type was sent without an actor_token (RFC 8693 section 2.1)",
            ));
        }
        None => None,
    };
    if let Some(requested) = params.get("requested_token_type")
        && !ACCEPTED_TYPES.contains(&requested)
    {
        return Err(OAuthError::invalid_request(format!(
            "requested_token_type `{requested}` cannot be issued here; this server issues \
             {ACCESS_TOKEN_TYPE} (RFC 8693 section 2.1)"
        )));
    }
    let audience = audience(app, client, params)?;
    let scopes = narrowed_scopes(params, &subject.token.scopes)?;

    let now = app.now();
    let expires_at = now.saturating_add(app.lifetimes.access_token);
    let mut claims = Map::new();
    claims.insert("iss".into(), app.issuer.clone().into());
    claims.insert("sub".into(), subject_of(&subject.token).into());
    claims.insert("aud".into(), audience);
    claims.insert("exp".into(), expires_at.into());
    claims.insert("iat".into(), now.into());
    claims.insert("jti".into(), random_id().into());
    claims.insert("client_id".into(), client.client_id.clone().into());
    claims.insert("scope".into(), scopes::join(&scopes).into());
    if let Some(actor) = &actor {
        // RFC 8693 §4.1: the current actor first, the earlier ones nested inside.
        let mut act = json!({ "sub": subject_of(&actor.token) });
        if let Some(earlier) = subject.claims.get("act") {
            act["act"] = earlier.clone();
        }
        claims.insert("act".into(), act);
    } else if let Some(earlier) = subject.claims.get("act") {
        claims.insert("act".into(), earlier.clone());
    }
    if let Some(jkt) = jkt {
        claims.insert("cnf".into(), json!({ "jkt": jkt }));
    }
    let ring = app.keys.ring().await?;
    let access_token = ring.signer().sign_jwt("at+jwt", &Value::Object(claims))?;
    Ok(TokenResponse {
        access_token: access_token.into(),
        token_type: if jkt.is_some() { "DPoP" } else { "Bearer" }.into(),
        expires_in: Some(app.lifetimes.access_token),
        refresh_token: None,
        scope: Some(scopes::join(&scopes)),
        id_token: None,
        extra: UnnamedMembers(
            [(
                "issued_token_type".to_owned(),
                Value::from(ACCESS_TOKEN_TYPE),
            )]
            .into_iter()
            .collect(),
        ),
    })
}

/// A token the request presents, active here, with its claims.
struct Presented {
    token: ActiveAccessToken,
    claims: Map<String, Value>,
}

async fn presented(
    app: &App,
    params: &Params,
    name: &str,
    type_name: &str,
) -> Result<Presented, OAuthError> {
    let raw = params.require(name, "RFC 8693 section 2.1")?;
    let kind = params.require(type_name, "RFC 8693 section 2.1")?;
    if !ACCEPTED_TYPES.contains(&kind) {
        return Err(OAuthError::invalid_request(format!(
            "{type_name} `{kind}` is not one this server takes; it takes {} (RFC 8693 \
             section 3)",
            ACCEPTED_TYPES.join(" and ")
        )));
    }
    let token = find_access_token(app, raw).await?.ok_or_else(|| {
        OAuthError::invalid_grant(format!(
            "the {name} is not an active access token issued by this server: unknown, \
             expired or revoked (RFC 8693 section 2.2.2)"
        ))
    })?;
    let claims = Jwt::decode(raw)
        .map(|jwt| jwt.unverified_claims().clone())
        .unwrap_or_default();
    Ok(Presented { token, claims })
}

/// Whom a token speaks for: its user, else the client it was issued to.
fn subject_of(token: &ActiveAccessToken) -> String {
    token
        .user
        .as_ref()
        .map_or_else(|| token.client_id.clone(), |u| u.sub.clone())
}

/// The new token's `aud`: the `audience`s asked for (RFC 8693 §2.1 lets a client repeat
/// it), each of which the client must be allowed (§2.2.2 `invalid_target`), then the
/// `resource`s (RFC 8707); the issuer itself when neither is named.
fn audience(app: &App, client: &Client, params: &Params) -> Result<Value, OAuthError> {
    let resources = resource_indicators::requested(app, params)?;
    let audiences = params.audiences();
    if audiences.is_empty() {
        return Ok(resource_indicators::audience(app, &resources));
    }
    let allowed = app
        .token_exchange_audiences
        .get(&client.client_id)
        .map(Vec::as_slice)
        .unwrap_or_default();
    if let Some(refused) = audiences
        .iter()
        .find(|a| !allowed.iter().any(|x| x.as_str() == **a))
    {
        return Err(OAuthError::invalid_target(format!(
            "client `{}` may not exchange tokens for audience `{refused}`; it may ask for: {} \
             (RFC 8693 section 2.2.2)",
            client.client_id,
            if allowed.is_empty() {
                "none".to_owned()
            } else {
                allowed.join(", ")
            }
        )));
    }
    let mut aud: Vec<String> = audiences.into_iter().map(str::to_owned).collect();
    aud.extend(resources);
    Ok(match aud.as_slice() {
        [one] => Value::from(one.clone()),
        _ => Value::from(aud),
    })
}

/// The subject's scopes, or the narrower `scope` asked for; never wider (RFC 8693 §2.1).
fn narrowed_scopes(params: &Params, granted: &[String]) -> Result<Vec<String>, OAuthError> {
    let Some(asked) = params.get("scope") else {
        return Ok(granted.to_vec());
    };
    let asked: Vec<String> = asked
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if let Some(wider) = asked.iter().find(|s| !scopes::has(granted, s)) {
        return Err(OAuthError::invalid_scope(format!(
            "scope `{wider}` is not in the subject token; an exchange may narrow the scope, \
             never widen it (RFC 8693 section 2.1)"
        )));
    }
    Ok(asked)
}
