//! Minting tokens: JWT access tokens (RFC 9068), ID tokens (OIDC Core §2), opaque refresh
//! tokens, and the user claims that scopes release (OIDC Core §5.4).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::{Map, Value};

use super::app::App;
use super::authorization_details;
use super::config::User;
use super::errors::OAuthError;
use super::resource_indicators;
use super::scopes;
use super::secrets::{random_id, random_token, sha256};
use super::state::{AccessLookup, AccessRecord, Client, GrantId, RefreshRecord, SignedIn};
use crate::oauth::secret::Secret;
use crate::wire::TokenResponse;

/// What a grant hands to the token minting.
#[derive(Debug)]
pub struct Issue<'a> {
    pub client: &'a Client,
    /// The end-user, absent for client_credentials.
    pub signed_in: Option<&'a SignedIn>,
    /// Scopes of the access token.
    pub scopes: &'a [String],
    pub nonce: Option<&'a str>,
    pub grant: Option<GrantId>,
    /// Scopes for a new refresh token; `None` issues none.
    pub refresh_scopes: Option<&'a [String]>,
    /// The resources the access token is for (its `aud`, RFC 8707 §2); empty for the issuer.
    pub resources: &'a [String],
    /// The resources a new refresh token may later be narrowed to (RFC 8707 §2.2).
    pub refresh_resources: &'a [String],
    /// The thumbprint of the DPoP proof's key: the tokens are bound to it (RFC 9449 §5, §6).
    pub jkt: Option<&'a str>,
    /// The rich authorization granted (RFC 9396 §7): in the response and the access token.
    pub authorization_details: Option<&'a Value>,
}

/// The claims of an access token (RFC 9068 §2.2). Members in lexicographic order, the order
/// serde_json writes a map in, so a token reads the same whether its claims come from here
/// or from a map with overrides merged in.
#[derive(Debug, Serialize)]
struct AccessClaims<'a> {
    aud: &'a Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_time: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    authorization_details: Option<&'a Value>,
    client_id: &'a str,
    /// RFC 9449 §6: the DPoP key the token is bound to.
    #[serde(skip_serializing_if = "Option::is_none")]
    cnf: Option<Confirmation<'a>>,
    exp: u64,
    iat: u64,
    iss: &'a str,
    jti: &'a str,
    scope: &'a str,
    sub: &'a str,
}

#[derive(Debug, Serialize)]
struct Confirmation<'a> {
    jkt: &'a str,
}

/// Signs the tokens, records them, and builds the token response (RFC 6749 §5.1).
pub async fn issue(app: &App, request: Issue<'_>) -> Result<TokenResponse, OAuthError> {
    let ring = app.keys.ring().await?;
    let signer = ring.signer();
    let now = app.now();
    let lifetimes = app.lifetimes;
    let access_expires = now.saturating_add(lifetimes.access_token);
    let client_id = request.client.client_id.as_str();
    let scope = scopes::join(request.scopes);
    let jti = random_id();
    let user = request.signed_in.map(|s| &s.user);

    let audience = resource_indicators::audience(app, request.resources);
    let access_claims = AccessClaims {
        aud: &audience,
        auth_time: request.signed_in.map(|s| s.auth_time),
        authorization_details: request.authorization_details,
        client_id,
        cnf: request.jkt.map(|jkt| Confirmation { jkt }),
        exp: access_expires,
        iat: now,
        iss: &app.issuer,
        jti: &jti,
        scope: &scope,
        sub: user.map_or(client_id, |u| u.sub.as_str()),
    };
    // Claims set in the config file or through the control API win over the standard ones;
    // without any, the claims are written straight from the struct.
    let overrides = app.lab.claims.for_token(user);
    let access_token = if overrides.is_empty() {
        signer.sign_jwt("at+jwt", &access_claims)?
    } else {
        let Ok(Value::Object(mut claims)) = serde_json::to_value(&access_claims) else {
            return Err(OAuthError::server_error(
                "the access token's claims did not serialize to a JSON object",
            ));
        };
        claims.extend(overrides.clone());
        signer.sign_jwt("at+jwt", &claims)?
    };

    let id_token = match request.signed_in {
        Some(signed_in) if scopes::has(request.scopes, "openid") => {
            let mut claims = user_claims(&signed_in.user, request.scopes);
            claims.insert("iss".into(), app.issuer.clone().into());
            claims.insert("aud".into(), client_id.into());
            claims.insert("azp".into(), client_id.into());
            claims.insert("exp".into(), now.saturating_add(lifetimes.id_token).into());
            claims.insert("iat".into(), now.into());
            claims.insert("auth_time".into(), signed_in.auth_time.into());
            claims.insert("at_hash".into(), at_hash(&access_token).into());
            if let Some(nonce) = request.nonce {
                claims.insert("nonce".into(), nonce.into());
            }
            claims.extend(overrides);
            Some(signer.sign_jwt("JWT", &claims)?)
        }
        _ => None,
    };

    let refresh = match (request.refresh_scopes, request.signed_in, request.grant) {
        (Some(refresh_scopes), Some(signed_in), Some(grant)) => Some((
            random_token(),
            RefreshRecord {
                client_id: client_id.to_owned(),
                signed_in: signed_in.clone(),
                scopes: refresh_scopes.to_vec(),
                resources: request.refresh_resources.to_vec(),
                issued_at: now,
                expires_at: now.saturating_add(lifetimes.refresh_token),
                grant,
                rotated: false,
                // RFC 9449 §5: a confidential client's refresh token is bound by its
                // authentication; a public client's only by the key.
                jkt: request
                    .jkt
                    .filter(|_| request.client.is_public())
                    .map(str::to_owned),
                authorization_details: request.authorization_details.cloned(),
            },
        )),
        _ => None,
    };

    // Only tokens with a user are stored; client_credentials tokens speak for themselves
    // (see `find_access_token`), so issuing them costs no memory.
    if let (Some(signed_in), Some(grant)) = (request.signed_in, request.grant) {
        let mut store = app.store.lock();
        let record = AccessRecord {
            client_id: client_id.to_owned(),
            user: signed_in.user.clone(),
            scopes: request.scopes.to_vec(),
            audience,
            jti,
            issued_at: now,
            expires_at: access_expires,
            grant,
            revoked: false,
            jkt: request.jkt.map(str::to_owned),
        };
        store.insert_access_token(&access_token, record, now);
        if let Some((token, record)) = &refresh {
            store.insert_refresh_token(token, record.clone());
        }
    }

    Ok(TokenResponse {
        access_token: access_token.into(),
        token_type: if request.jkt.is_some() {
            "DPoP"
        } else {
            "Bearer"
        }
        .into(),
        expires_in: Some(lifetimes.access_token),
        refresh_token: refresh.map(|(token, _)| token.into()),
        scope: Some(scope),
        id_token: id_token.map(Secret::from),
        extra: crate::wire::UnnamedMembers(
            request
                .authorization_details
                .map(|details| (authorization_details::PARAM.to_owned(), details.clone()))
                .into_iter()
                .collect(),
        ),
    })
}

/// An access token that is active now.
#[derive(Debug, Clone)]
pub struct ActiveAccessToken {
    pub client_id: String,
    /// The end-user; `None` for client_credentials.
    pub user: Option<User>,
    pub scopes: Vec<String>,
    /// The `aud` claim (RFC 9068 §3).
    pub audience: Value,
    pub jti: String,
    pub issued_at: u64,
    pub expires_at: u64,
    /// The DPoP key the token is bound to (`cnf.jkt`, RFC 9449 §6).
    pub jkt: Option<String>,
}

/// Finds an active access token: a user's in the store, a client_credentials one by its own
/// signature and claims, then checked against revocations and the client still existing.
pub async fn find_access_token(
    app: &App,
    token: &str,
) -> Result<Option<ActiveAccessToken>, OAuthError> {
    let now = app.now();
    match app.store.lock().access_token(token, now) {
        AccessLookup::Active(record) => {
            return Ok(Some(ActiveAccessToken {
                client_id: record.client_id.clone(),
                user: Some(record.user.clone()),
                scopes: record.scopes.clone(),
                audience: record.audience.clone(),
                jti: record.jti.clone(),
                issued_at: record.issued_at,
                expires_at: record.expires_at,
                jkt: record.jkt.clone(),
            }));
        }
        AccessLookup::Inactive => return Ok(None),
        AccessLookup::NotStored => {}
    }
    let ring = app.keys.ring().await?;
    let Some(found) = ring
        .verified_claims(token, "at+jwt", now)
        .and_then(|claims| client_token(&claims, &app.issuer, now))
    else {
        return Ok(None);
    };
    let store = app.store.lock();
    let live = !store.jti_revoked(&found.jti) && store.clients.contains_key(&found.client_id);
    Ok(live.then_some(found))
}

/// A client_credentials token from its verified claims, if issued here and unexpired.
fn client_token(claims: &Value, issuer: &str, now: u64) -> Option<ActiveAccessToken> {
    // Tokens with a user carry auth_time and are stored until they expire, so one that is not
    // stored is never accepted on its claims alone.
    if claims.get("auth_time").is_some() || claims["iss"] != issuer {
        return None;
    }
    let expires_at = claims["exp"].as_u64().filter(|exp| *exp > now)?;
    Some(ActiveAccessToken {
        client_id: claims["client_id"].as_str()?.to_owned(),
        user: None,
        scopes: claims["scope"]
            .as_str()?
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        audience: claims["aud"].clone(),
        jti: claims["jti"].as_str()?.to_owned(),
        issued_at: claims["iat"].as_u64()?,
        expires_at,
        jkt: claims["cnf"]["jkt"].as_str().map(str::to_owned),
    })
}

/// `sub` plus the claims the granted scopes release (OIDC Core §5.4).
pub fn user_claims(user: &User, granted: &[String]) -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert("sub".into(), user.sub.clone().into());
    let mut put = |name: &str, value: Option<Value>| {
        if let Some(value) = value {
            claims.insert(name.to_owned(), value);
        }
    };
    if scopes::has(granted, "profile") {
        put("name", user.name.clone().map(Value::from));
        put("given_name", user.given_name.clone().map(Value::from));
        put("family_name", user.family_name.clone().map(Value::from));
        put("preferred_username", Some(user.username.clone().into()));
        put("picture", user.picture.clone().map(Value::from));
        put("locale", user.locale.clone().map(Value::from));
        put("zoneinfo", user.zoneinfo.clone().map(Value::from));
    }
    if scopes::has(granted, "email") {
        put("email", user.email.clone().map(Value::from));
        put("email_verified", user.email_verified.map(Value::from));
    }
    claims
}

/// OIDC Core §3.1.3.6: the left half of the SHA-256 of the access token, base64url.
fn at_hash(access_token: &str) -> String {
    URL_SAFE_NO_PAD.encode(&sha256(access_token.as_bytes())[..16])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::config::MockConfig;
    use serde_json::json;

    #[test]
    fn claims_follow_scopes() {
        let alice = MockConfig::demo().users[0].clone();
        let openid_only = user_claims(&alice, &["openid".into()]);
        assert_eq!(openid_only.len(), 1);
        let all = user_claims(&alice, &["openid".into(), "profile".into(), "email".into()]);
        assert_eq!(all["email"], "alice@example.com");
        assert_eq!(all["given_name"], "Alice");
        assert_eq!(all["email_verified"], true);
    }

    /// Tokens without overrides are signed from the struct, tokens with them from a map: both
    /// must read the same, member for member and byte for byte.
    #[test]
    fn access_claims_read_as_their_map() {
        let aud = json!(["https://a.example", "https://b.example"]);
        let details = json!([{"type": "payment"}]);
        let all = AccessClaims {
            aud: &aud,
            auth_time: Some(1),
            authorization_details: Some(&details),
            client_id: "c",
            cnf: Some(Confirmation { jkt: "k" }),
            exp: 3,
            iat: 2,
            iss: "http://127.0.0.1:9000",
            jti: "j\"q",
            scope: "openid api",
            sub: "s",
        };
        let fewest = AccessClaims {
            auth_time: None,
            authorization_details: None,
            cnf: None,
            ..all
        };
        for claims in [all, fewest] {
            let direct = serde_json::to_string(&claims).unwrap();
            assert_eq!(direct, json!(claims).to_string());
        }
    }

    #[test]
    fn at_hash_is_22_characters() {
        assert_eq!(at_hash("token").len(), 22);
    }
}
