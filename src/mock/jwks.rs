//! `GET /jwks` (RFC 7517 §5): the public signing keys, current and recently retired.

use axum::Json;
use axum::extract::State;
use serde_json::Value;

use super::app::AppState;
use super::errors::OAuthError;

pub async fn jwks(State(app): State<AppState>) -> Result<Json<Value>, OAuthError> {
    let ring = app.keys.ring().await?;
    Ok(Json(ring.jwks(app.now())))
}
