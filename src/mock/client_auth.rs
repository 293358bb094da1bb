//! Client authentication at the token, introspection, revocation, device and PAR endpoints:
//! `client_secret_basic`, `client_secret_post` and `none` (RFC 6749 §2.3, RFC 7591 §2), and
//! the JWT assertions of `client_assertion.rs`.

use std::sync::Arc;

use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::app::AppState;
use super::client_assertion;
use super::config::AuthMethod;
use super::errors::OAuthError;
use super::form::{FormBody, Params};
use super::http::finish;
use super::secrets::secrets_equal;
use super::state::{Client, SharedStore};

/// What an endpoint reads from its form before authenticating the client, so that the
/// endpoint's own request errors (an unsupported grant_type at /token) answer first, as
/// they always have. Endpoints with nothing to read first use `()`.
pub trait ReadBeforeAuthentication: Sized {
    fn read(params: &Params) -> Result<Self, OAuthError>;
}

impl ReadBeforeAuthentication for () {
    fn read(_: &Params) -> Result<Self, OAuthError> {
        Ok(())
    }
}

/// A form POST from an authenticated client: the form parsed, `P` read from it, then the
/// client authenticated. Rejects with the first [`OAuthError`] on the way, which the request
/// log records without a client (`client_id="-"`).
#[derive(Debug)]
pub struct AuthenticatedForm<P = ()> {
    pub client: Arc<Client>,
    pub params: Params,
    pub before: P,
}

impl<P: ReadBeforeAuthentication> AuthenticatedForm<P> {
    /// The endpoint's outcome, tagged with this client for the request log.
    pub fn respond(&self, result: Result<Response, OAuthError>) -> Response {
        finish(Some(self.client.client_id.clone()), result)
    }
}

impl<P: ReadBeforeAuthentication + Send> FromRequest<AppState> for AuthenticatedForm<P> {
    type Rejection = OAuthError;

    async fn from_request(request: Request, app: &AppState) -> Result<Self, Self::Rejection> {
        let headers = request.headers().clone();
        let path = request.uri().path().to_owned();
        let FormBody(params) = FormBody::from_request(request, app).await?;
        let before = P::read(&params)?;
        app.cimd
            .prepare(app, params.get("client_id"))
            .await
            .map_err(|err| OAuthError::invalid_client(err.0, false))?;
        let client = if client_assertion::is_assertion(&params) {
            client_assertion::authenticate(app, &headers, &params, &path).await?
        } else {
            authenticate(&app.store, &headers, &params)?
        };
        Ok(AuthenticatedForm {
            client,
            params,
            before,
        })
    }
}

/// Authenticates the client of a request with the one method it used: the client that
/// proved who it is (or identified itself, for a public client).
pub fn authenticate(
    store: &SharedStore,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Arc<Client>, OAuthError> {
    let basic = basic_credentials(headers)?;
    let body_id = params.get("client_id");
    match (basic, params.get("client_secret")) {
        (Some(_), Some(_)) => Err(OAuthError::invalid_request(
            "the client sent both HTTP Basic credentials and client_secret in the body; \
             use exactly one authentication method (RFC 6749 section 2.3)",
        )),
        (Some((id, secret)), None) => {
            if let Some(body_id) = body_id.filter(|b| *b != id) {
                return Err(OAuthError::invalid_request(format!(
                    "client_id `{body_id}` in the body differs from `{id}` in the Authorization \
                     header (RFC 6749 section 2.3.1)"
                )));
            }
            verify_secret(store, &id, &secret, AuthMethod::ClientSecretBasic)
        }
        (None, Some(secret)) => {
            let id = body_id.ok_or_else(|| {
                OAuthError::invalid_request(
                    "client_secret in the body needs client_id beside it (RFC 6749 section 2.3.1)",
                )
            })?;
            verify_secret(store, id, secret, AuthMethod::ClientSecretPost)
        }
        (None, None) => {
            let id = body_id.ok_or_else(|| {
                OAuthError::invalid_client(
                    "no client authentication: send HTTP Basic credentials, client_id and \
                     client_secret in the body, or client_id alone for a public client \
                     (RFC 6749 section 2.3)",
                    false,
                )
            })?;
            let client = lookup(store, id, false)?;
            if !client.is_public() {
                return Err(OAuthError::invalid_client(
                    format!(
                        "client `{id}` is confidential and must authenticate with its secret or \
                         key (RFC 6749 section 3.2.1)"
                    ),
                    false,
                ));
            }
            Ok(client)
        }
    }
}

pub(super) fn lookup(
    store: &SharedStore,
    id: &str,
    used_basic: bool,
) -> Result<Arc<Client>, OAuthError> {
    store.lock().client(id).ok_or_else(|| {
        OAuthError::invalid_client(
            format!(
                "unknown client `{id}`: no client with this client_id is registered \
                 (RFC 6749 section 2.3)"
            ),
            used_basic,
        )
    })
}

fn verify_secret(
    store: &SharedStore,
    id: &str,
    secret: &str,
    method: AuthMethod,
) -> Result<Arc<Client>, OAuthError> {
    let used_basic = method == AuthMethod::ClientSecretBasic;
    let client = lookup(store, id, used_basic)?;
    let Some(expected) = client.client_secret.as_deref() else {
        return Err(OAuthError::invalid_client(
            format!(
                "client `{id}` is a public client (token_endpoint_auth_method none) and has no \
                 secret; send client_id alone (RFC 6749 section 2.1)"
            ),
            used_basic,
        ));
    };
    if !client.auth_methods.contains(&method) {
        let registered: Vec<&str> = client.auth_methods.iter().map(|m| m.as_str()).collect();
        return Err(OAuthError::invalid_client(
            format!(
                "client `{id}` authenticated with {} but is registered for {} (RFC 7591 section 2)",
                method.as_str(),
                registered.join(", ")
            ),
            used_basic,
        ));
    }
    if !secrets_equal(secret, expected) {
        return Err(OAuthError::invalid_client(
            format!(
                "client_secret does not match the secret registered for `{id}` \
                 (RFC 6749 section 2.3.1)"
            ),
            used_basic,
        ));
    }
    Ok(client)
}

/// The client id and secret from `Authorization: Basic`, if that header carries Basic.
/// Both are form-urlencoded before base64 (RFC 6749 §2.3.1), so they are decoded here.
pub(super) fn basic_credentials(
    headers: &HeaderMap,
) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed = |why: &str| {
        OAuthError::invalid_client(
            format!(
                "the Authorization header is not valid Basic credentials: {why} (RFC 7617, RFC 6749 section 2.3.1)"
            ),
            true,
        )
    };
    let value = String::from_utf8_lossy(value.as_bytes());
    let Some((scheme, encoded)) = value.trim().split_once(' ') else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let decoded = STANDARD
        .decode(encoded.trim())
        .map_err(|_| malformed("not base64"))?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed("not UTF-8"))?;
    let (id, secret) = decoded
        .split_once(':')
        .ok_or_else(|| malformed("no `:` between client_id and client_secret"))?;
    let id = form_urldecode(id).ok_or_else(|| malformed("client_id is not form-urlencoded"))?;
    let secret =
        form_urldecode(secret).ok_or_else(|| malformed("client_secret is not form-urlencoded"))?;
    if id.is_empty() {
        return Err(malformed("empty client_id"));
    }
    Ok(Some((id, secret)))
}

/// Decodes one `application/x-www-form-urlencoded` component: `+` is a space, `%XX` a byte.
fn form_urldecode(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut input = text.bytes();
    while let Some(b) = input.next() {
        match b {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hi = (input.next()? as char).to_digit(16)?;
                let lo = (input.next()? as char).to_digit(16)?;
                bytes.push(u8::try_from(hi * 16 + lo).ok()?);
            }
            other => bytes.push(other),
        }
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use axum::http::StatusCode;
    use tower::ServiceExt;

    use crate::mock::app::{App, router};
    use crate::mock::config::{DEMO_CONFIDENTIAL_CLIENT, DEMO_PUBLIC_CLIENT, MockConfig};
    use crate::mock::http::LoggedClient;
    use crate::mock::keys::Keys;

    /// Posts a form to the mock's router: the status, the `error` field, the
    /// WWW-Authenticate header, and the client_id the request log would name.
    async fn post(
        path: &str,
        authorization: Option<&str>,
        form: &str,
    ) -> (StatusCode, String, Option<String>, Option<String>) {
        let config = MockConfig::demo();
        let keys = Keys::generate_in_background(config.signing_alg);
        let app = Arc::new(App::new(&config, "http://127.0.0.1:9".into(), keys));
        let mut request = axum::http::Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(form.to_owned()))
            .unwrap();
        if let Some(value) = authorization {
            let value = HeaderValue::from_str(value).unwrap();
            request.headers_mut().insert(header::AUTHORIZATION, value);
        }
        let response = router(app).oneshot(request).await.unwrap();
        let status = response.status();
        let challenge = response
            .headers()
            .get(header::WWW_AUTHENTICATE)
            .map(|v| v.to_str().unwrap().to_owned());
        let logged = response
            .extensions()
            .get::<LoggedClient>()
            .map(|c| c.0.clone());
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let error = body["error"].as_str().unwrap_or_default().to_owned();
        (status, error, challenge, logged)
    }

    fn basic_header(id: &str, secret: &str) -> String {
        format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
    }

    #[tokio::test]
    async fn grant_type_is_checked_before_the_client() {
        let (status, error, _, logged) = post("/token", None, "grant_type=password").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(error, "unsupported_grant_type");
        assert_eq!(logged, None);
    }

    #[tokio::test]
    async fn failed_basic_authentication_is_401_with_challenge_and_no_client() {
        let auth = basic_header(DEMO_CONFIDENTIAL_CLIENT, "wrong");
        let (status, error, challenge, logged) = post("/introspect", Some(&auth), "token=x").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(error, "invalid_client");
        assert_eq!(
            challenge.as_deref(),
            Some(r#"Basic realm="oauthscope mock""#)
        );
        assert_eq!(logged, None);
    }

    #[tokio::test]
    async fn errors_after_authentication_name_the_client() {
        let form = format!("token=x&client_id={DEMO_PUBLIC_CLIENT}");
        let (status, error, challenge, logged) = post("/introspect", None, &form).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(error, "invalid_client");
        assert_eq!(challenge, None);
        assert_eq!(logged.as_deref(), Some(DEMO_PUBLIC_CLIENT));
    }

    #[tokio::test]
    async fn success_names_the_client() {
        let auth = basic_header(DEMO_CONFIDENTIAL_CLIENT, crate::mock::config::DEMO_SECRET);
        let (status, _, _, logged) = post("/revoke", Some(&auth), "token=unknown").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(logged.as_deref(), Some(DEMO_CONFIDENTIAL_CLIENT));
    }

    fn basic(raw: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let value = format!("Basic {}", STANDARD.encode(raw));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&value).unwrap(),
        );
        headers
    }

    #[test]
    fn basic_credentials_are_form_urldecoded() {
        let creds = basic_credentials(&basic("my%3Aclient:s%2Bc+ret%25")).unwrap();
        assert_eq!(creds, Some(("my:client".into(), "s+c ret%".into())));
    }

    #[test]
    fn malformed_basic_is_invalid_client_with_challenge() {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic !!!"));
        let err = basic_credentials(&headers).unwrap_err();
        assert_eq!(err.error, "invalid_client");
        assert_eq!(err.status, 401);
        assert!(basic_credentials(&basic("no-colon")).is_err());
        assert!(basic_credentials(&basic("bad%zz:x")).is_err());
    }

    #[test]
    fn other_schemes_are_not_basic() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert_eq!(basic_credentials(&headers).unwrap(), None);
    }
}
