//! `POST /revoke` (RFC 7009): a client revokes one of its tokens. Unknown tokens still get 200
//! (§2.2); revoking a refresh token revokes the access tokens of its grant too.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::app::AppState;
use super::client_auth::AuthenticatedForm;
use super::errors::OAuthError;
use super::tokens::find_access_token;

pub async fn revoke(State(app): State<AppState>, form: AuthenticatedForm) -> Response {
    let result = async {
        let AuthenticatedForm { client, params, .. } = &form;
        let token = params.require("token", "RFC 7009 section 2.1")?;
        let own = |owner: &str| {
            if owner == client.client_id {
                Ok(())
            } else {
                Err(OAuthError::unauthorized_client(format!(
                    "this token was issued to client `{owner}`; a client may revoke only its \
                     own tokens (RFC 7009 section 2.1)"
                )))
            }
        };
        // token_type_hint is only a hint (RFC 7009 §2.1): both kinds are looked up.
        {
            let mut store = app.store.lock();
            if let Some(record) = store.refresh_token(token) {
                own(&record.client_id)?;
                let grant = record.grant;
                store.revoke_grant(grant);
                return Ok(StatusCode::OK.into_response());
            }
        }
        if let Some(access) = find_access_token(&app, token).await? {
            own(&access.client_id)?;
            let mut store = app.store.lock();
            if !store.revoke_stored_access_token(token) {
                store.revoke_jti(&access.jti, access.expires_at, app.now())?;
            }
        }
        Ok(StatusCode::OK.into_response())
    }
    .await;
    form.respond(result)
}
