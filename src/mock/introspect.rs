//! `POST /introspect` (RFC 7662): whether a token is active, and what it is. Only
//! authenticated (confidential) clients may ask; unknown, expired or revoked tokens are
//! `{"active": false}` with 200, never an error (RFC 7662 §2.2).
//!
//! Who may see what (RFC 7662 §4 leaves it to the server): a client sees the tokens issued
//! to itself; a client configured with `introspection = "any"` (a resource server, such as
//! the demo's `demo-confidential`) sees every token. Any other token is `{"active": false}`,
//! exactly as if it did not exist, so a client cannot learn another user's `sub`, `username`
//! or scopes, nor even that the token is valid.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::app::AppState;
use super::client_auth::AuthenticatedForm;
use super::config::IntrospectionAccess;
use super::errors::OAuthError;
use super::http::no_store_json;
use super::tokens::find_access_token;

pub async fn introspect(State(app): State<AppState>, form: AuthenticatedForm) -> Response {
    let result = async {
        let AuthenticatedForm { client, params, .. } = &form;
        if client.is_public() {
            return Err(OAuthError::invalid_client(
                format!(
                    "client `{}` is public and cannot authenticate; introspection requires \
                     client authentication (RFC 7662 section 2.1)",
                    client.client_id
                ),
                false,
            ));
        }
        let token = params.require("token", "RFC 7662 section 2.1")?;
        // token_type_hint only orders the lookup (RFC 7662 §2.1); both kinds are searched.
        let mut body = describe(&app, token).await?;
        let owner = body.get("client_id").and_then(Value::as_str);
        if client.introspection == IntrospectionAccess::Own
            && owner.is_some_and(|owner| owner != client.client_id)
        {
            body = json!({ "active": false });
        }
        Ok(no_store_json(StatusCode::OK, &body))
    }
    .await;
    form.respond(result)
}

async fn describe(app: &AppState, token: &str) -> Result<Value, OAuthError> {
    if let Some(access) = find_access_token(app, token).await? {
        let mut body = json!({
            "active": true,
            "scope": access.scopes.join(" "),
            "client_id": access.client_id,
            // RFC 9449 §6.2: a bound token says so, and names its key.
            "token_type": if access.jkt.is_some() { "DPoP" } else { "Bearer" },
            "exp": access.expires_at,
            "iat": access.issued_at,
            "sub": access.user.as_ref().map_or(access.client_id.as_str(), |u| u.sub.as_str()),
            "aud": access.audience,
            "iss": app.issuer,
            "jti": access.jti,
        });
        if let (Some(user), Value::Object(map)) = (&access.user, &mut body) {
            map.insert("username".into(), user.username.clone().into());
        }
        if let (Some(jkt), Value::Object(map)) = (&access.jkt, &mut body) {
            map.insert("cnf".into(), json!({ "jkt": jkt }));
        }
        return Ok(body);
    }
    let now = app.now();
    let store = app.store.lock();
    Ok(match store.refresh_token(token) {
        Some(record) if store.refresh_token_active(record, now) => json!({
            "active": true,
            "scope": record.scopes.join(" "),
            "client_id": record.client_id,
            "username": record.signed_in.user.username,
            "token_type": "refresh_token",
            "exp": record.expires_at,
            "iat": record.issued_at,
            "sub": record.signed_in.user.sub,
            "iss": app.issuer,
        }),
        _ => json!({ "active": false }),
    })
}
