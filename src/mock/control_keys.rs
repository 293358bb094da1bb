//! Key rotation on demand (`POST /_mock/keys/rotate`) and the key history (`GET /_mock/keys`).
//! The retired keys stay in /jwks until the tokens they signed expire, unless the rotation
//! retires them at once.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

use serde::Serialize;
use serde_json::{Value, json};

use super::app::App;
use super::errors::MockError;

/// Rotations remembered for the history.
const ROTATIONS_KEPT: usize = 64;

/// One rotation: which keys it retired, until when they stay published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rotation {
    /// The mock's clock, in seconds since the Unix epoch.
    pub at: u64,
    pub retired: Vec<String>,
    pub introduced: Vec<String>,
    /// Retired keys are in /jwks, and verify tokens, until this moment.
    pub published_until: u64,
}

/// The rotations made so far, newest last.
#[derive(Debug, Default)]
pub struct RotationLog(Mutex<VecDeque<Rotation>>);

/// The key ids in a JWKS document, in order.
fn kids(jwks: &Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .map(|keys| {
            keys.iter()
                .filter_map(|k| k["kid"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Current keys come first in /jwks: one RSA and one EC key.
const CURRENT_KEYS: usize = 2;

/// Replaces the signing keys. The old ones stay published until the longest-lived token they
/// could have signed expires, or not at all with `retire_old`.
pub async fn rotate(app: &App, retire_old: bool) -> Result<Rotation, MockError> {
    let now = app.now();
    let before = kids(&app.keys.ring().await?.jwks(now));
    let longest = app.lifetimes.access_token.max(app.lifetimes.id_token);
    let published_until = if retire_old {
        now
    } else {
        now.saturating_add(longest)
    };
    app.keys.rotate(now, published_until).await?;
    let after = kids(&app.keys.ring().await?.jwks(now));
    let rotation = Rotation {
        at: now,
        retired: before.into_iter().take(CURRENT_KEYS).collect(),
        introduced: after.into_iter().take(CURRENT_KEYS).collect(),
        published_until,
    };
    tracing::info!(
        retired = rotation.retired.join(" "),
        published_until,
        "signing keys rotated"
    );
    let mut log = app
        .lab
        .rotations
        .0
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if log.len() >= ROTATIONS_KEPT {
        log.pop_front();
    }
    log.push_back(rotation.clone());
    Ok(rotation)
}

/// The keys in use, those still published, and the rotations so far.
pub async fn history(app: &App) -> Result<Value, MockError> {
    let now = app.now();
    let jwks = app.keys.ring().await?.jwks(now);
    let published = kids(&jwks);
    let rotations: Vec<Rotation> = app
        .lab
        .rotations
        .0
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .cloned()
        .collect();
    Ok(json!({
        "current": published.iter().take(CURRENT_KEYS).collect::<Vec<_>>(),
        "published": published,
        "rotations": rotations,
    }))
}
