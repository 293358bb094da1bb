//! Discovery: RFC 8414 authorization server metadata and OpenID Connect Discovery 1.0, both
//! read and merged (RFC 8414 first, each field's source kept), with the issuer check of
//! RFC 8414 §3.3 on each, a summary of what the server supports and warnings for what is
//! risky, missing or contradictory. Endpoints given by hand ([`Endpoints`]) override what was
//! discovered, and describe servers with no discovery at all (GitHub, for one).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::EngineError;
use super::exchange::Exchange;
use super::http::RecordingClient;
use super::response::expect_json;
use super::step::RequestDraft;
use crate::wire::{
    DEVICE_CODE_GRANT, JWT_BEARER_GRANT, OAUTH_METADATA_PATH, OIDC_METADATA_PATH, ServerMetadata,
    TOKEN_EXCHANGE_GRANT,
};

/// Where the metadata, or one of its fields, came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MetadataSource {
    /// `/.well-known/oauth-authorization-server` (RFC 8414 §3).
    Oauth,
    /// `/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §4).
    OpenidConnect,
    /// Endpoints typed in by the user.
    Manual,
}

impl MetadataSource {
    /// The document's name as a user knows it.
    pub fn label(self) -> &'static str {
        match self {
            MetadataSource::Oauth => "RFC 8414",
            MetadataSource::OpenidConnect => "OpenID Connect",
            MetadataSource::Manual => "by hand",
        }
    }
}

/// A server as the engine knows it: its checked metadata and what that says.
#[derive(Debug, Clone, Serialize)]
pub struct Discovery {
    pub metadata: ServerMetadata,
    /// The first document that was read (RFC 8414 when it exists), or `Manual`.
    pub source: MetadataSource,
    /// Where each metadata member came from, by its JSON name.
    pub sources: BTreeMap<String, MetadataSource>,
    pub capabilities: Capabilities,
    pub warnings: Vec<Warning>,
    /// Each metadata request made, in order (the RFC 8414 one, then the OIDC one).
    pub exchanges: Vec<Exchange>,
}

/// Endpoints given by hand: they override the discovered ones, or stand in for a server
/// with no discovery. Saved with a server in the profile, and given as CLI flags.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoints {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinfo_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_authorization_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introspection_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pushed_authorization_request_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_endpoint: Option<String>,
}

/// Each endpoint a user can give by hand: its metadata member and the CLI flag that sets it.
pub const ENDPOINT_FLAGS: [(&str, &str); 9] = [
    ("authorization_endpoint", "--authorization-endpoint"),
    ("token_endpoint", "--token-endpoint"),
    ("jwks_uri", "--jwks-uri"),
    ("userinfo_endpoint", "--userinfo-endpoint"),
    (
        "device_authorization_endpoint",
        "--device-authorization-endpoint",
    ),
    ("introspection_endpoint", "--introspection-endpoint"),
    ("revocation_endpoint", "--revocation-endpoint"),
    ("pushed_authorization_request_endpoint", "--par-endpoint"),
    ("registration_endpoint", "--registration-endpoint"),
];

/// The CLI flag that gives `member` by hand, if it is an endpoint.
pub fn endpoint_flag(member: &str) -> Option<&'static str> {
    ENDPOINT_FLAGS
        .iter()
        .find(|(name, _)| *name == member)
        .map(|(_, flag)| *flag)
}

impl Endpoints {
    /// The endpoints, each with its metadata member name, in [`ENDPOINT_FLAGS`] order.
    pub fn fields(&self) -> [(&'static str, &Option<String>); 9] {
        [
            ("authorization_endpoint", &self.authorization_endpoint),
            ("token_endpoint", &self.token_endpoint),
            ("jwks_uri", &self.jwks_uri),
            ("userinfo_endpoint", &self.userinfo_endpoint),
            (
                "device_authorization_endpoint",
                &self.device_authorization_endpoint,
            ),
            ("introspection_endpoint", &self.introspection_endpoint),
            ("revocation_endpoint", &self.revocation_endpoint),
            (
                "pushed_authorization_request_endpoint",
                &self.pushed_authorization_request_endpoint,
            ),
            ("registration_endpoint", &self.registration_endpoint),
        ]
    }

    /// The same endpoints as they stand in `metadata`.
    pub fn of(metadata: &ServerMetadata) -> Self {
        Endpoints {
            authorization_endpoint: metadata.authorization_endpoint.clone(),
            token_endpoint: metadata.token_endpoint.clone(),
            jwks_uri: metadata.jwks_uri.clone(),
            userinfo_endpoint: metadata.userinfo_endpoint.clone(),
            device_authorization_endpoint: metadata.device_authorization_endpoint.clone(),
            introspection_endpoint: metadata.introspection_endpoint.clone(),
            revocation_endpoint: metadata.revocation_endpoint.clone(),
            pushed_authorization_request_endpoint: metadata
                .pushed_authorization_request_endpoint
                .clone(),
            registration_endpoint: metadata.registration_endpoint.clone(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.fields().iter().all(|(_, value)| value.is_none())
    }

    /// Each endpoint given must be an absolute http(s) URL with a host (RFC 8414 §2).
    pub fn check(&self) -> Result<(), EngineError> {
        for (name, value) in self.fields() {
            let Some(value) = value else { continue };
            let fine = url::Url::parse(value)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
            if !fine {
                return Err(EngineError::config(format!(
                    "{name} {value:?} is not an http(s) URL with a host (RFC 8414 §2)"
                )));
            }
        }
        Ok(())
    }

    /// Writes the given endpoints over `metadata`, marking each as given by hand.
    fn apply(&self, metadata: &mut ServerMetadata, sources: &mut BTreeMap<String, MetadataSource>) {
        let targets = [
            &mut metadata.authorization_endpoint,
            &mut metadata.token_endpoint,
            &mut metadata.jwks_uri,
            &mut metadata.userinfo_endpoint,
            &mut metadata.device_authorization_endpoint,
            &mut metadata.introspection_endpoint,
            &mut metadata.revocation_endpoint,
            &mut metadata.pushed_authorization_request_endpoint,
            &mut metadata.registration_endpoint,
        ];
        for (target, (name, value)) in targets.into_iter().zip(self.fields()) {
            if let Some(value) = value {
                *target = Some(value.clone());
                sources.insert(name.to_string(), MetadataSource::Manual);
            }
        }
    }
}

/// What the server says it supports, reduced to what a user decides on.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Capabilities {
    pub authorization_code: bool,
    pub pushed_authorization_requests: bool,
    pub device_authorization: bool,
    pub client_credentials: bool,
    pub refresh_token: bool,
    pub dynamic_registration: bool,
    pub introspection: bool,
    pub revocation: bool,
    pub userinfo: bool,
    pub openid_connect: bool,
    pub pkce_methods: Vec<String>,
    pub iss_parameter: bool,
    pub token_endpoint_auth_methods: Vec<String>,
    pub id_token_signing_algs: Vec<String>,
    /// DPoP proof algorithms (RFC 9449 §5.1); empty when the server does not say it has DPoP.
    pub dpop_algs: Vec<String>,
    /// `authorization_details` types (RFC 9396 §10); empty without rich authorization requests.
    pub authorization_details_types: Vec<String>,
    /// The token exchange grant (RFC 8693).
    pub token_exchange: bool,
    /// What client assertions may be signed with (RFC 8414 §2).
    pub client_assertion_signing_algs: Vec<String>,
    /// What request objects may be signed with (RFC 9101 §10.1); empty: none advertised.
    pub request_object_signing_algs: Vec<String>,
    /// Every authorization request must be a signed request object (RFC 9101 §10.5).
    pub require_signed_request_object: bool,
    /// The JWT bearer grant (RFC 7523 §2.1).
    pub jwt_bearer: bool,
}

/// Something risky or missing in the metadata, with a stable code for scripts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub code: &'static str,
    pub message: String,
}

impl Discovery {
    /// A server with no discovery document: the user supplies the endpoints in `metadata`.
    pub fn manual(metadata: ServerMetadata) -> Self {
        let sources = all_from(&metadata, MetadataSource::Manual);
        Self::assemble(
            metadata,
            MetadataSource::Manual,
            sources,
            Vec::new(),
            Vec::new(),
        )
    }

    /// A server known from one metadata document, as a client that stops at the first
    /// document it finds (an MCP client) knows it, with the endpoints given by hand over it.
    pub fn from_one_document(
        metadata: ServerMetadata,
        source: MetadataSource,
        exchanges: Vec<Exchange>,
        given: &Endpoints,
    ) -> Self {
        let (mut metadata, source, mut sources, notes) = only(metadata, source);
        given.apply(&mut metadata, &mut sources);
        Self::assemble(metadata, source, sources, notes, exchanges)
    }

    /// The summary and the metadata warnings follow the final metadata; `found` are the
    /// warnings about the documents themselves (disagreements, an unreadable one).
    fn assemble(
        metadata: ServerMetadata,
        source: MetadataSource,
        sources: BTreeMap<String, MetadataSource>,
        mut found: Vec<Warning>,
        exchanges: Vec<Exchange>,
    ) -> Self {
        found.extend(warnings(&metadata));
        Discovery {
            capabilities: Capabilities::of(&metadata),
            warnings: found,
            metadata,
            source,
            sources,
            exchanges,
        }
    }

    /// Where `member` came from, if the metadata has it.
    pub fn source_of(&self, member: &str) -> Option<MetadataSource> {
        self.sources.get(member).copied()
    }
}

/// The metadata's members as JSON, by name (absent and empty members are not there).
fn members(metadata: &ServerMetadata) -> Map<String, Value> {
    match serde_json::to_value(metadata) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// Two readings of a member agree when they are equal, lists compared as sets (servers list
/// the same methods in different orders).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            let sorted = |v: &Vec<Value>| {
                let mut items: Vec<String> = v.iter().map(Value::to_string).collect();
                items.sort();
                items.dedup();
                items
            };
            sorted(x) == sorted(y)
        }
        _ => a == b,
    }
}

/// One document alone: every member comes from it.
fn only(
    metadata: ServerMetadata,
    source: MetadataSource,
) -> (
    ServerMetadata,
    MetadataSource,
    BTreeMap<String, MetadataSource>,
    Vec<Warning>,
) {
    let sources = all_from(&metadata, source);
    (metadata, source, sources, Vec::new())
}

/// Every member of `metadata`, marked as coming from `source`.
fn all_from(metadata: &ServerMetadata, source: MetadataSource) -> BTreeMap<String, MetadataSource> {
    members(metadata)
        .into_iter()
        .map(|(name, _)| (name, source))
        .collect()
}

/// Merges the two documents member by member: RFC 8414's value wins, the OpenID Connect
/// document fills in what it lacks, and each disagreement is a warning.
fn merge(
    oauth: &ServerMetadata,
    oidc: &ServerMetadata,
) -> (
    ServerMetadata,
    BTreeMap<String, MetadataSource>,
    Vec<Warning>,
) {
    let mut merged = members(oauth);
    let mut sources = all_from(oauth, MetadataSource::Oauth);
    let mut disagreements = Vec::new();
    for (name, value) in members(oidc) {
        match merged.get(&name) {
            None => {
                sources.insert(name.clone(), MetadataSource::OpenidConnect);
                merged.insert(name, value);
            }
            Some(kept) if !same_value(kept, &value) => disagreements.push(Warning {
                code: "metadata_disagreement",
                message: format!(
                    "the two metadata documents disagree on {name}: RFC 8414 says {kept}, \
                     OpenID Connect says {value}; the RFC 8414 value is used"
                ),
            }),
            Some(_) => {}
        }
    }
    // Both documents were valid metadata, so their union of members is too; should it not
    // be, the RFC 8414 document alone is the safer reading.
    let metadata = serde_json::from_value(Value::Object(merged)).unwrap_or_else(|_| oauth.clone());
    (metadata, sources, disagreements)
}

/// The two metadata URLs for an issuer, in the order they are tried. RFC 8414 §3.1 inserts the
/// well-known segment *before* the issuer's path; OIDC Discovery §4 appends it after.
pub fn metadata_urls(issuer: &str) -> Result<(String, String), EngineError> {
    let url = url::Url::parse(issuer)
        .map_err(|e| EngineError::config(format!("invalid issuer URL {issuer:?}: {e}")))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(EngineError::protocol(
            "RFC 8414 §2",
            format!("an issuer has no query or fragment: {issuer:?}"),
        ));
    }
    let origin = url.origin().ascii_serialization();
    let path = url.path().trim_end_matches('/');
    Ok((
        format!("{origin}{OAUTH_METADATA_PATH}{path}"),
        format!("{origin}{path}{OIDC_METADATA_PATH}"),
    ))
}

/// The GET request a discovery attempt sends, as a draft.
pub fn metadata_request(url: &str) -> RequestDraft {
    RequestDraft::new("GET", url)
}

/// Reads one metadata response and applies the issuer check.
pub fn process_metadata(exchange: &Exchange, issuer: &str) -> Result<ServerMetadata, EngineError> {
    let metadata: ServerMetadata = expect_json(exchange, "server metadata", &[200])?;
    check_issuer(issuer, &metadata)?;
    Ok(metadata)
}

/// RFC 8414 §3.3: the `issuer` in the document must be identical to the issuer asked for,
/// or an attacker's metadata could impersonate another server.
pub fn check_issuer(requested: &str, metadata: &ServerMetadata) -> Result<(), EngineError> {
    if metadata.issuer == requested {
        return Ok(());
    }
    let hint = if metadata.issuer.trim_end_matches('/') == requested.trim_end_matches('/') {
        format!(
            " (they differ by a trailing slash: ask for {:?})",
            metadata.issuer
        )
    } else {
        String::new()
    };
    Err(EngineError::protocol(
        "RFC 8414 §3.3",
        format!(
            "the metadata's issuer {:?} is not the issuer asked for {requested:?}{hint}",
            metadata.issuer
        ),
    ))
}

/// Fetches and checks the metadata of `issuer`: see [`discover_with`], with nothing given by
/// hand.
pub async fn discover(client: &RecordingClient, issuer: &str) -> Result<Discovery, EngineError> {
    discover_with(client, issuer, &Endpoints::default()).await
}

/// Fetches both metadata documents of `issuer` (RFC 8414, then OpenID Connect Discovery) and
/// merges what they say; `given` endpoints then override the result. A document that is
/// missing (404) is no matter as long as the other one exists; one that is there but
/// unreadable is a warning. An issuer mismatch in either stops at once (RFC 8414 §3.3: it is
/// an attack signal, not a missing document). With neither document, endpoints given by hand
/// describe the server on their own.
pub async fn discover_with(
    client: &RecordingClient,
    issuer: &str,
    given: &Endpoints,
) -> Result<Discovery, EngineError> {
    let (oauth_url, oidc_url) = metadata_urls(issuer)?;
    let first = client.send(&metadata_request(&oauth_url)).await;
    let oauth = match process_metadata(&first, issuer) {
        Err(err @ EngineError::Protocol { .. }) => return Err(err),
        other => other,
    };
    let second = client.send(&metadata_request(&oidc_url)).await;
    let oidc = match process_metadata(&second, issuer) {
        Err(err @ EngineError::Protocol { .. }) => return Err(err),
        other => other,
    };
    let mut notes = Vec::new();
    for (name, exchange, result) in [
        ("RFC 8414", &first, &oauth),
        ("OpenID Connect", &second, &oidc),
    ] {
        if let Err(err) = result
            && exchange.status != Some(404)
        {
            notes.push(Warning {
                code: "metadata_document_unreadable",
                message: format!("the {name} metadata document was not used: {err}"),
            });
        }
    }
    let exchanges = vec![first, second];
    let (mut metadata, source, mut sources, disagreements) = match (oauth, oidc) {
        (Ok(oauth), Ok(oidc)) => {
            let (metadata, sources, disagreements) = merge(&oauth, &oidc);
            (metadata, MetadataSource::Oauth, sources, disagreements)
        }
        (Ok(one), Err(_)) => only(one, MetadataSource::Oauth),
        (Err(_), Ok(one)) => only(one, MetadataSource::OpenidConnect),
        (Err(first_error), Err(second_error)) if given.is_empty() => {
            return Err(EngineError::Transport(format!(
                "no metadata for {issuer}: {first_error}; then {second_error}"
            )));
        }
        (Err(first_error), Err(second_error)) => {
            notes = vec![Warning {
                code: "no_discovery",
                message: format!(
                    "no metadata for {issuer} ({first_error}; then {second_error}): \
                     using the endpoints given by hand"
                ),
            }];
            let metadata = ServerMetadata {
                issuer: issuer.to_string(),
                ..ServerMetadata::default()
            };
            let sources = BTreeMap::from([("issuer".to_string(), MetadataSource::Manual)]);
            (metadata, MetadataSource::Manual, sources, Vec::new())
        }
    };
    notes.extend(disagreements);
    given.apply(&mut metadata, &mut sources);
    Ok(Discovery::assemble(
        metadata, source, sources, notes, exchanges,
    ))
}

impl Capabilities {
    pub fn of(m: &ServerMetadata) -> Self {
        let grants = effective_grants(m);
        let has_grant = |g: &str| grants.iter().any(|x| x == g);
        Capabilities {
            authorization_code: m.authorization_endpoint.is_some()
                && has_grant("authorization_code"),
            pushed_authorization_requests: m.pushed_authorization_request_endpoint.is_some(),
            device_authorization: m.device_authorization_endpoint.is_some()
                && has_grant(DEVICE_CODE_GRANT),
            client_credentials: has_grant("client_credentials"),
            refresh_token: has_grant("refresh_token"),
            dynamic_registration: m.registration_endpoint.is_some(),
            introspection: m.introspection_endpoint.is_some(),
            revocation: m.revocation_endpoint.is_some(),
            userinfo: m.userinfo_endpoint.is_some(),
            openid_connect: m.scopes_supported.iter().any(|s| s == "openid")
                || !m.id_token_signing_alg_values_supported.is_empty(),
            pkce_methods: m.code_challenge_methods_supported.clone(),
            iss_parameter: m.authorization_response_iss_parameter_supported == Some(true),
            token_endpoint_auth_methods: if m.token_endpoint_auth_methods_supported.is_empty() {
                // RFC 8414 §2: omitted means client_secret_basic.
                vec!["client_secret_basic".to_string()]
            } else {
                m.token_endpoint_auth_methods_supported.clone()
            },
            id_token_signing_algs: m.id_token_signing_alg_values_supported.clone(),
            dpop_algs: m.dpop_signing_alg_values_supported.clone(),
            authorization_details_types: m.authorization_details_types_supported.clone(),
            token_exchange: has_grant(TOKEN_EXCHANGE_GRANT),
            client_assertion_signing_algs: extra_strings(
                m,
                "token_endpoint_auth_signing_alg_values_supported",
            ),
            request_object_signing_algs: extra_strings(
                m,
                "request_object_signing_alg_values_supported",
            ),
            require_signed_request_object: m.extra.get("require_signed_request_object")
                == Some(&serde_json::Value::Bool(true)),
            jwt_bearer: has_grant(JWT_BEARER_GRANT),
        }
    }
}

/// A metadata member this crate has no field for, read as a list of strings (others dropped).
fn extra_strings(m: &ServerMetadata, name: &str) -> Vec<String> {
    m.extra
        .get(name)
        .and_then(serde_json::Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(serde_json::Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// RFC 8414 §2: an omitted `grant_types_supported` means authorization_code and implicit.
fn effective_grants(m: &ServerMetadata) -> Vec<String> {
    if m.grant_types_supported.is_empty() {
        vec!["authorization_code".into(), "implicit".into()]
    } else {
        m.grant_types_supported.clone()
    }
}

/// True for `http` URLs on a loopback host, where plain HTTP is acceptable (RFC 8252 §8.3).
pub fn is_loopback_http(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// What is risky or missing, in words, each with the rule it comes from.
pub fn warnings(m: &ServerMetadata) -> Vec<Warning> {
    let mut out = Vec::new();
    let mut warn = |code: &'static str, message: String| out.push(Warning { code, message });

    let endpoints = [
        ("issuer", Some(&m.issuer)),
        ("authorization_endpoint", m.authorization_endpoint.as_ref()),
        ("token_endpoint", m.token_endpoint.as_ref()),
        ("jwks_uri", m.jwks_uri.as_ref()),
        ("userinfo_endpoint", m.userinfo_endpoint.as_ref()),
    ];
    for (name, value) in endpoints {
        if let Some(Ok(url)) = value.map(|v| url::Url::parse(v))
            && url.scheme() == "http"
            && !is_loopback_http(&url)
        {
            warn(
                "plain_http",
                format!(
                    "{name} uses plain http on a non-loopback host: {url} (RFC 8414 §2, RFC 6749 §3.1)"
                ),
            );
        }
    }
    if m.authorization_endpoint.is_some() {
        if m.code_challenge_methods_supported.is_empty() {
            warn(
                "pkce_not_advertised",
                "the server does not advertise PKCE (code_challenge_methods_supported is missing); \
                 PKCE will be sent anyway (RFC 9700 §2.1.1)"
                    .into(),
            );
        } else if !m
            .code_challenge_methods_supported
            .iter()
            .any(|s| s == "S256")
        {
            warn(
                "no_s256",
                "PKCE S256 is not supported, only plain: the code verifier travels in clear (RFC 7636 §4.2)"
                    .into(),
            );
        }
        if m.authorization_response_iss_parameter_supported != Some(true) {
            warn(
                "no_iss_parameter",
                "the server does not say it sends `iss` in authorization responses, so mix-up \
                 attacks cannot be detected (RFC 9207)"
                    .into(),
            );
        }
    }
    if m.response_types_supported
        .iter()
        .any(|r| r.split(' ').any(|t| t == "token"))
    {
        warn(
            "implicit_offered",
            "the implicit grant (response_type token) is offered; it should not be used (RFC 9700 §2.1.2)"
                .into(),
        );
    }
    if m.grant_types_supported.iter().any(|g| g == "password") {
        warn(
            "password_grant_offered",
            "the resource owner password grant is offered; it must not be used (RFC 9700 §2.4)"
                .into(),
        );
    }
    if m.id_token_signing_alg_values_supported
        .iter()
        .any(|a| a.eq_ignore_ascii_case("none"))
    {
        warn(
            "alg_none_offered",
            "unsigned ID tokens (alg none) are offered (OIDC Core §3.1.3.7)".into(),
        );
    }
    if m.jwks_uri.is_none() && !m.id_token_signing_alg_values_supported.is_empty() {
        warn(
            "no_jwks_uri",
            "ID tokens are signed but no jwks_uri is published, so they cannot be verified".into(),
        );
    }
    if m.token_endpoint.is_none() {
        warn(
            "no_token_endpoint",
            "no token_endpoint: no grant can complete".into(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_urls_follow_both_specs() {
        let (oauth, oidc) = metadata_urls("https://as.example/tenant/1").unwrap();
        assert_eq!(
            oauth,
            "https://as.example/.well-known/oauth-authorization-server/tenant/1"
        );
        assert_eq!(
            oidc,
            "https://as.example/tenant/1/.well-known/openid-configuration"
        );
        let (oauth, _) = metadata_urls("http://127.0.0.1:9000").unwrap();
        assert_eq!(
            oauth,
            "http://127.0.0.1:9000/.well-known/oauth-authorization-server"
        );
    }

    #[test]
    fn issuer_mismatch_is_rejected_with_the_rule() {
        let m = ServerMetadata {
            issuer: "https://evil.example".into(),
            ..Default::default()
        };
        let err = check_issuer("https://as.example", &m).unwrap_err();
        assert!(err.to_string().contains("RFC 8414 §3.3"), "{err}");
        let slash = ServerMetadata {
            issuer: "https://as.example/".into(),
            ..Default::default()
        };
        assert!(
            check_issuer("https://as.example", &slash)
                .unwrap_err()
                .to_string()
                .contains("trailing slash")
        );
    }

    #[test]
    fn risky_metadata_gets_warnings() {
        let m = ServerMetadata {
            issuer: "http://as.example".into(),
            authorization_endpoint: Some("http://as.example/authorize".into()),
            token_endpoint: Some("http://as.example/token".into()),
            code_challenge_methods_supported: vec!["plain".into()],
            response_types_supported: vec!["code".into(), "token".into()],
            ..Default::default()
        };
        let codes: Vec<_> = warnings(&m).iter().map(|w| w.code).collect();
        assert!(codes.contains(&"plain_http"));
        assert!(codes.contains(&"no_s256"));
        assert!(codes.contains(&"no_iss_parameter"));
        assert!(codes.contains(&"implicit_offered"));
    }

    #[test]
    fn assertions_request_objects_and_jwt_bearer_are_read_from_metadata() {
        let m: ServerMetadata = serde_json::from_value(serde_json::json!({
            "issuer": "https://as.example",
            "grant_types_supported": ["urn:ietf:params:oauth:grant-type:jwt-bearer"],
            "token_endpoint_auth_signing_alg_values_supported": ["ES256", "PS256"],
            "request_object_signing_alg_values_supported": ["ES256", 7],
            "require_signed_request_object": true,
        }))
        .unwrap();
        let caps = Capabilities::of(&m);
        assert!(caps.jwt_bearer && caps.require_signed_request_object);
        assert_eq!(caps.client_assertion_signing_algs, ["ES256", "PS256"]);
        assert_eq!(caps.request_object_signing_algs, ["ES256"]);
        let none = Capabilities::of(&ServerMetadata::default());
        assert!(!none.jwt_bearer && !none.require_signed_request_object);
        assert!(none.request_object_signing_algs.is_empty());
    }

    #[test]
    fn loopback_http_is_fine() {
        let m = ServerMetadata {
            issuer: "http://127.0.0.1:9000".into(),
            token_endpoint: Some("http://127.0.0.1:9000/token".into()),
            ..Default::default()
        };
        assert!(warnings(&m).iter().all(|w| w.code != "plain_http"));
    }

    #[test]
    fn capabilities_default_auth_method_is_basic() {
        let m = ServerMetadata {
            issuer: "https://as".into(),
            authorization_endpoint: Some("https://as/a".into()),
            ..Default::default()
        };
        let caps = Capabilities::of(&m);
        assert!(caps.authorization_code);
        assert_eq!(caps.token_endpoint_auth_methods, ["client_secret_basic"]);
    }
}
