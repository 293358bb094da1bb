//! Shared helpers for the mock server's integration tests: a mock on 127.0.0.1 with a manual
//! clock, a reqwest client that does not follow redirects, and short-hands for common steps.
#![allow(dead_code)] // each test binary uses a different subset

use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::digest::{SHA256, digest};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use oauthscope::mock::{ManualClock, MockConfig, MockServer, RunningMock};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;
use url::Url;

pub const CONFIDENTIAL: &str = "demo-confidential";
pub const PUBLIC: &str = "demo-public";
pub const SECRET: &str = "demo-secret";
pub const REDIRECT: &str = "http://127.0.0.1:8765/callback";
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

pub struct Mock {
    pub server: RunningMock,
    pub http: reqwest::Client,
    pub clock: Arc<ManualClock>,
}

/// A response reduced to what tests look at.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
    }

    /// Asserts an OAuth error response and returns its description.
    pub fn expect_error(&self, status: u16, error: &str) -> String {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        let body = self.json();
        assert_eq!(body["error"], error, "{}", self.text);
        let description = body["error_description"].as_str().unwrap().to_owned();
        assert!(
            description.contains("RFC") || description.contains("OIDC"),
            "error_description should name its rule: {description}"
        );
        description
    }

    /// Query parameters of the Location header.
    pub fn location_params(&self) -> Vec<(String, String)> {
        let location = Url::parse(self.header("location")).unwrap();
        location.query_pairs().into_owned().collect()
    }

    pub fn location_param(&self, name: &str) -> Option<String> {
        self.location_params()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.as_bytes()).as_ref())
}

/// The demo mock, auto-approving as alice, with a manual clock.
pub async fn start() -> Mock {
    start_with(|config| config.auto_approve = Some("alice".into())).await
}

/// The demo mock with a manual clock, adjusted by `adjust`.
pub async fn start_with(adjust: impl FnOnce(&mut MockConfig)) -> Mock {
    let clock = Arc::new(ManualClock::new());
    let mut config = MockConfig::demo();
    config.clock = clock.clone();
    adjust(&mut config);
    let server = MockServer::start(config).await.expect("mock starts");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    Mock {
        server,
        http,
        clock,
    }
}

impl Mock {
    /// A URL on the server's real address (the advertised issuer may be overridden).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.server.addr())
    }

    pub fn issuer(&self) -> &str {
        self.server.issuer()
    }

    pub fn advance(&self, seconds: u64) {
        self.clock.advance(Duration::from_secs(seconds));
    }

    pub async fn reply(response: reqwest::Response) -> Reply {
        Reply {
            status: response.status(),
            headers: response.headers().clone(),
            text: response.text().await.unwrap(),
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        Self::reply(self.http.get(self.url(path)).send().await.unwrap()).await
    }

    pub async fn get_query(&self, path: &str, query: &[(&str, &str)]) -> Reply {
        let response = self.http.get(self.url(path)).query(query).send().await;
        Self::reply(response.unwrap()).await
    }

    /// POST /register with this client metadata (RFC 7591 section 3.1).
    pub async fn register(&self, metadata: &Value) -> Reply {
        let response = self.http.post(self.url("/register")).json(metadata).send();
        Self::reply(response.await.unwrap()).await
    }

    /// A form POST, optionally with HTTP Basic client credentials.
    pub async fn post_form(
        &self,
        path: &str,
        form: &[(&str, &str)],
        basic: Option<(&str, &str)>,
    ) -> Reply {
        let mut request = self.http.post(self.url(path)).form(form);
        if let Some((id, secret)) = basic {
            request = request.basic_auth(id, Some(secret));
        }
        Self::reply(request.send().await.unwrap()).await
    }

    /// POST /token as demo-confidential with Basic.
    pub async fn token(&self, form: &[(&str, &str)]) -> Reply {
        self.post_form("/token", form, Some((CONFIDENTIAL, SECRET)))
            .await
    }

    /// GET /authorize; `params` are added to response_type=code.
    pub async fn authorize(&self, params: &[(&str, &str)]) -> Reply {
        let mut query = vec![("response_type", "code")];
        query.extend_from_slice(params);
        self.get_query("/authorize", &query).await
    }

    /// An auto-approved code for demo-confidential with S256 PKCE and `scope`.
    pub async fn code(&self, scope: &str) -> String {
        self.code_with(scope, &[]).await
    }

    /// [`Mock::code`] with `extra` authorization parameters (`resource`, say).
    pub async fn code_with(&self, scope: &str, extra: &[(&str, &str)]) -> String {
        let mut params = vec![
            ("client_id", CONFIDENTIAL),
            ("redirect_uri", REDIRECT),
            ("scope", scope),
            ("state", "st-1"),
            ("nonce", "n-1"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ];
        params.extend_from_slice(extra);
        let reply = self.authorize(&params).await;
        assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.text);
        reply.location_param("code").expect("code in redirect")
    }

    /// The token response of a full code flow for demo-confidential.
    pub async fn code_flow(&self, scope: &str) -> Value {
        self.code_flow_with(scope, &[]).await
    }

    /// [`Mock::code_flow`] with `extra` authorization parameters.
    pub async fn code_flow_with(&self, scope: &str, extra: &[(&str, &str)]) -> Value {
        let code = self.code_with(scope, extra).await;
        let reply = self
            .token(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ])
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.json()
    }

    /// Redeems a code that the sign-in pages returned (demo-confidential, no PKCE) and gives
    /// the claims of the ID token, verified against /jwks.
    pub async fn id_token_for_code(&self, code: &str) -> Value {
        let tokens = self
            .token(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
            ])
            .await
            .json();
        let id_token = tokens["id_token"].as_str().expect("an ID token");
        self.verify_jwt(id_token, CONFIDENTIAL).await.1
    }

    pub async fn client_credentials(&self) -> Value {
        let reply = self.token(&[("grant_type", "client_credentials")]).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.json()
    }

    pub async fn introspect(&self, token: &str) -> Value {
        let reply = self
            .post_form(
                "/introspect",
                &[("token", token)],
                Some((CONFIDENTIAL, SECRET)),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.json()
    }

    /// Verifies a JWT against the live /jwks (by kid) and returns header and claims.
    pub async fn verify_jwt(&self, token: &str, audience: &str) -> (jsonwebtoken::Header, Value) {
        let header = decode_header(token).unwrap();
        let jwks: JwkSet = serde_json::from_str(&self.get("/jwks").await.text).unwrap();
        let kid = header.kid.as_deref().expect("kid in header");
        let jwk = jwks.find(kid).expect("kid published in /jwks");
        let key = DecodingKey::from_jwk(jwk).unwrap();
        let mut validation = Validation::new(header.alg);
        validation.set_audience(&[audience]);
        validation.set_issuer(&[self.issuer()]);
        // The manual clock runs ahead of nothing, but keep the default leeway.
        let data = decode::<Value>(token, &key, &validation).unwrap();
        assert!(matches!(
            data.header.alg,
            Algorithm::RS256 | Algorithm::ES256
        ));
        (data.header, data.claims)
    }
}
