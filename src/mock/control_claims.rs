//! Claims added to or overriding what the mock issues: per user (the config file's
//! `[users.claims]` and `PUT /_mock/users/{username}/claims`), in ID tokens, access tokens
//! and userinfo; and for the next token issued, whoever it is for (`POST /_mock/claims/next`).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde_json::{Map, Value};

use super::config::User;

/// Largest set of claims for one user or the next token, as serialized JSON.
pub const MAX_CLAIMS_BYTES: usize = 16 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimsError {
    #[error("the claims are {0} bytes of JSON; at most {MAX_CLAIMS_BYTES} are kept")]
    TooLarge(usize),
    #[error(
        "claims are kept for {0} users already, the limit; raise `limits.claim_overrides` in \
         the mock's config file"
    )]
    Full(usize),
    #[error("the username is empty or longer than 255 characters")]
    Username,
}

/// The overrides set through the control API.
#[derive(Debug)]
pub struct ClaimOverrides {
    state: Mutex<State>,
    cap: usize,
}

#[derive(Debug, Default)]
struct State {
    users: HashMap<String, Map<String, Value>>,
    next: Option<Map<String, Value>>,
}

fn size_checked(claims: &Map<String, Value>) -> Result<(), ClaimsError> {
    let size = serde_json::to_vec(claims).map_or(usize::MAX, |json| json.len());
    if size > MAX_CLAIMS_BYTES {
        return Err(ClaimsError::TooLarge(size));
    }
    Ok(())
}

impl ClaimOverrides {
    pub fn new(cap: usize) -> Self {
        ClaimOverrides {
            state: Mutex::new(State::default()),
            cap,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Replaces a user's overrides; an empty object removes them.
    pub fn set_user(&self, username: &str, claims: Map<String, Value>) -> Result<(), ClaimsError> {
        if username.is_empty() || username.chars().count() > 255 {
            return Err(ClaimsError::Username);
        }
        size_checked(&claims)?;
        let mut state = self.lock();
        if claims.is_empty() {
            state.users.remove(username);
            return Ok(());
        }
        if !state.users.contains_key(username) && state.users.len() >= self.cap {
            return Err(ClaimsError::Full(self.cap));
        }
        state.users.insert(username.to_owned(), claims);
        Ok(())
    }

    /// Claims for the next token issued, replacing any not used yet.
    pub fn set_next(&self, claims: Map<String, Value>) -> Result<(), ClaimsError> {
        size_checked(&claims)?;
        self.lock().next = Some(claims);
        Ok(())
    }

    /// A user's claims: the config file's, then the control API's over them.
    pub fn for_user(&self, user: &User) -> Map<String, Value> {
        let mut claims = user.claims.clone();
        if let Some(overrides) = self.lock().users.get(&user.username) {
            claims.extend(overrides.clone());
        }
        claims
    }

    /// The claims for a token being issued now: the user's, then the next-token overrides,
    /// which this uses up.
    pub fn for_token(&self, user: Option<&User>) -> Map<String, Value> {
        let mut claims = user.map(|u| self.for_user(u)).unwrap_or_default();
        if let Some(next) = self.lock().next.take() {
            claims.extend(next);
        }
        claims
    }

    /// Every override, for `GET /_mock/claims`.
    pub fn snapshot(&self) -> Value {
        let state = self.lock();
        serde_json::json!({
            "users": state.users,
            "next": state.next,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn user_claims_layer_over_the_config_and_next_is_used_once() {
        let overrides = ClaimOverrides::new(1);
        let mut alice = User::ad_hoc("alice");
        alice.claims = object(json!({"tenant": "from-config", "role": "user"}));
        overrides
            .set_user("alice", object(json!({"role": "admin"})))
            .unwrap();
        let claims = overrides.for_user(&alice);
        assert_eq!(claims["tenant"], "from-config");
        assert_eq!(claims["role"], "admin");
        overrides.set_next(object(json!({"acr": "mfa"}))).unwrap();
        assert_eq!(overrides.for_token(Some(&alice))["acr"], "mfa");
        assert!(overrides.for_token(Some(&alice)).get("acr").is_none());
        assert!(overrides.for_token(None).is_empty());
    }

    #[test]
    fn overrides_are_bounded() {
        let overrides = ClaimOverrides::new(1);
        overrides.set_user("a", object(json!({"x": 1}))).unwrap();
        assert_eq!(
            overrides.set_user("b", object(json!({"x": 1}))),
            Err(ClaimsError::Full(1))
        );
        overrides.set_user("a", Map::new()).unwrap();
        overrides.set_user("b", object(json!({"x": 1}))).unwrap();
        let huge = object(json!({"blob": "x".repeat(MAX_CLAIMS_BYTES)}));
        assert!(matches!(
            overrides.set_next(huge),
            Err(ClaimsError::TooLarge(_))
        ));
        assert_eq!(
            overrides.set_user("", Map::new()),
            Err(ClaimsError::Username)
        );
    }
}
