//! Request objects (RFC 9101, JAR): the authorization parameters signed into one JWT, sent
//! as `request` to the authorization endpoint or pushed to the PAR endpoint, so that nothing
//! in the browser's URL can be changed without breaking the signature.
//!
//! Signed with the client's key (`--private-key`, the same one `private_key_jwt` uses), or
//! unsigned (`alg: none`) only when the server's `request_object_signing_alg_values_supported`
//! lists `none`.

use std::borrow::Cow;

use serde_json::{Map, Value, json};

use super::client_auth::base_claims;
use super::error::EngineError;
use super::flow::FlowConfig;
use super::jwt::Jwt;
use super::keys::compact_jws;
use super::step::RequestDraft;

/// RFC 9101 §10.8: the `typ` of a request object.
pub const REQUEST_OBJECT_TYP: &str = "oauth-authz-req+jwt";

/// How long a request object is valid: long enough for a browser round trip's start.
const LIFETIME_SECS: u64 = 300;

/// `params` signed into a request object, and what goes beside it: `client_id` (RFC 9101
/// §5 requires it outside) and, for an OpenID request, `response_type` and `scope` again,
/// which OIDC Core §6.1 requires outside the object too.
pub fn into_request_object(
    config: &FlowConfig,
    params: &[(String, String)],
) -> Result<Vec<(String, String)>, EngineError> {
    let client_id = &config.client.client_id;
    let mut claims = base_claims(client_id, &config.metadata.issuer, LIFETIME_SECS)?;
    let mut members = Map::new();
    let mut resources = Vec::new();
    for (name, value) in params {
        if name == "resource" {
            resources.push(Value::String(value.clone()));
        } else if name == "authorization_details" {
            // RFC 9396 §3: inside a request object the details are the JSON array itself,
            // not its text. Text that is not JSON goes as it is, for the server to refuse.
            let details =
                serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.clone()));
            members.insert(name.clone(), details);
        } else {
            members.insert(name.clone(), Value::String(value.clone()));
        }
    }
    match resources.len() {
        0 => {}
        1 => {
            members.insert("resource".into(), resources.remove(0));
        }
        _ => {
            members.insert("resource".into(), Value::Array(resources));
        }
    }
    if let Value::Object(base) = &mut claims {
        // The parameters first, then the envelope (iss, aud, times): a parameter named like
        // a registered claim cannot replace it.
        members.extend(std::mem::take(base));
        *base = members;
    }
    let object = match &config.client.signing_key {
        Some(key) => key.sign_jwt(REQUEST_OBJECT_TYP, &claims)?,
        None if allows_unsigned(config) => compact_jws(
            &json!({"alg": "none", "typ": REQUEST_OBJECT_TYP}),
            &claims,
            |_| Ok(Vec::new()),
        )?,
        None => {
            return Err(EngineError::config(
                "a request object is signed with the client's private key: give --private-key \
                 FILE, or `private_key` in the client's profile (the server does not list `none` in \
                 request_object_signing_alg_values_supported, RFC 9101 section 10.1)",
            ));
        }
    };
    let mut outside = vec![
        ("client_id".to_string(), client_id.clone()),
        ("request".to_string(), object),
    ];
    let openid = params
        .iter()
        .any(|(k, v)| k == "scope" && v.split(' ').any(|s| s == "openid"));
    if openid {
        for (name, value) in params {
            if name == "response_type" || name == "scope" {
                outside.push((name.clone(), value.clone()));
            }
        }
    }
    Ok(outside)
}

fn allows_unsigned(config: &FlowConfig) -> bool {
    config
        .metadata
        .extra
        .get("request_object_signing_alg_values_supported")
        .and_then(Value::as_array)
        .is_some_and(|algs| algs.iter().any(|a| a == "none"))
}

/// The authorization request as the server will read it: the request object's claims when
/// the draft carries one (RFC 9101 §5), else the draft itself. What the flow remembers
/// (state, nonce, redirect URI, PKCE, resource) is read from this.
pub fn as_sent(draft: &RequestDraft) -> Cow<'_, RequestDraft> {
    let Some(claims) = draft
        .param("request")
        .and_then(|r| Jwt::decode(r).ok())
        .map(|jwt| jwt.unverified_claims().clone())
    else {
        return Cow::Borrowed(draft);
    };
    let mut sent = RequestDraft::new(&draft.method, &draft.url);
    sent.params = params_of(&claims);
    Cow::Owned(sent)
}

fn params_of(claims: &Map<String, Value>) -> Vec<(String, String)> {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut params = Vec::new();
    for (name, value) in claims {
        match value {
            Value::Array(list) if name == "resource" => {
                params.extend(list.iter().map(|v| (name.clone(), text(v))));
            }
            other => params.push((name.clone(), text(other))),
        }
    }
    params
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::client_auth::ClientCredentials;
    use crate::oauth::jwt::Algorithm;
    use crate::oauth::keys::ClientKey;
    use crate::wire::ServerMetadata;

    fn config(client: ClientCredentials, extra: Value) -> FlowConfig {
        let metadata: ServerMetadata = serde_json::from_value(json!({
            "issuer": "https://as.example",
            "authorization_endpoint": "https://as.example/authorize",
        }))
        .unwrap();
        let mut config = FlowConfig::new(metadata, client);
        config.metadata.extra = extra.as_object().unwrap().clone();
        config
    }

    fn params() -> Vec<(String, String)> {
        [
            ("response_type", "code"),
            ("client_id", "app"),
            ("scope", "openid profile"),
            ("state", "s1"),
            ("resource", "https://api.example/a"),
            ("resource", "https://api.example/b"),
            (
                "authorization_details",
                r#"[{"type":"payment_initiation"}]"#,
            ),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn a_signed_object_carries_every_parameter_and_reads_back() {
        let (key, _) = ClientKey::generate(Algorithm::ES256).unwrap();
        let config = config(ClientCredentials::with_private_key("app", key), json!({}));
        let outside = into_request_object(&config, &params()).unwrap();
        let names: Vec<&str> = outside.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["client_id", "request", "response_type", "scope"]);
        let mut draft = RequestDraft::new("GET", "https://as.example/authorize");
        draft.params = outside;
        let jwt = Jwt::decode(draft.param("request").unwrap()).unwrap();
        assert_eq!(jwt.unverified_header()["typ"], REQUEST_OBJECT_TYP);
        assert_eq!(jwt.claim_str("iss"), Some("app"));
        assert_eq!(jwt.claim_str("aud"), Some("https://as.example"));
        assert_eq!(
            jwt.unverified_claims()["resource"],
            json!(["https://api.example/a", "https://api.example/b"])
        );
        assert_eq!(
            jwt.unverified_claims()["authorization_details"],
            json!([{"type": "payment_initiation"}])
        );
        let sent = as_sent(&draft);
        assert_eq!(sent.param("state"), Some("s1"));
        assert_eq!(
            sent.param("authorization_details"),
            Some(r#"[{"type":"payment_initiation"}]"#)
        );
        let resources: Vec<&str> = sent
            .params
            .iter()
            .filter(|(k, _)| k == "resource")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(resources.len(), 2);
    }

    #[test]
    fn unsigned_only_when_the_server_allows_none() {
        let public = ClientCredentials::public("app");
        let err = into_request_object(&config(public.clone(), json!({})), &params()).unwrap_err();
        assert!(err.to_string().contains("--private-key"), "{err}");
        let allows = json!({"request_object_signing_alg_values_supported": ["RS256", "none"]});
        let outside = into_request_object(&config(public, allows), &params()).unwrap();
        let object = &outside[1].1;
        assert!(object.ends_with('.'), "{object}");
        assert_eq!(Jwt::decode(object).unwrap().alg(), Some("none"));
    }
}
