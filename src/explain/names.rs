//! The names a request, an exchange or a token carries, each in the context the catalogue
//! explains it in: what the terminal app lists to explain, and what the catalogue's coverage
//! test checks. Only names are read here, and the error code an answer carries; no other
//! value (secrets among them) is kept.

use serde_json::{Map, Value};

use super::Context;
use crate::oauth::challenge;
use crate::oauth::flow::tokens::DecodedToken;
use crate::oauth::{Exchange, RequestDraft};

/// The HTTP headers an exchange is explained by; the others (content type, length, dates)
/// are HTTP's, not OAuth's.
const EXPLAINED_HEADERS: [&str; 4] = ["Authorization", "DPoP", "DPoP-Nonce", "WWW-Authenticate"];

/// Names in the order met, each (name, context) once.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Names(Vec<(String, Context)>);

impl Names {
    pub fn into_vec(self) -> Vec<(String, Context)> {
        self.0
    }

    pub fn as_slice(&self) -> &[(String, Context)] {
        &self.0
    }

    pub fn add(&mut self, name: &str, context: Context) {
        if !self.0.iter().any(|(n, c)| n == name && *c == context) {
            self.0.push((name.to_string(), context));
        }
    }

    /// The parameters of a request about to be sent (or sent through the browser).
    pub fn request(&mut self, draft: &RequestDraft) {
        self.query(&draft.url);
        for (name, _) in &draft.params {
            self.add(name, Context::Parameter);
        }
        self.headers(&draft.headers);
        if let Some(Value::Object(body)) = &draft.json_body {
            self.members(body);
        }
    }

    /// The parameters in a URL's query (an authorization URL, the redirect back).
    pub fn query(&mut self, url: &str) {
        if let Ok(url) = url::Url::parse(url) {
            for (name, _) in url.query_pairs() {
                self.add(&name, Context::Parameter);
            }
        }
    }

    /// What an exchange sent (query, form or JSON body) and what came back: the response's
    /// JSON members, a JWK Set's key members, the tokens in it, and a challenge header.
    pub fn exchange(&mut self, exchange: &Exchange) {
        self.query(&exchange.url);
        if let Some(body) = &exchange.request_body {
            match serde_json::from_str::<Value>(body) {
                Ok(Value::Object(object)) => self.members(&object),
                Ok(_) => {}
                Err(_) => {
                    for (name, _) in url::form_urlencoded::parse(body.as_bytes()) {
                        self.add(&name, Context::Parameter);
                    }
                }
            }
        }
        if let Some(Value::Object(object)) = exchange
            .response_body
            .as_deref()
            .and_then(|b| serde_json::from_str(b).ok())
        {
            self.members(&object);
            let keys = object.get("keys").and_then(Value::as_array);
            for key in keys.into_iter().flatten().filter_map(Value::as_object) {
                self.members(key);
            }
        }
        self.headers(&exchange.request_headers);
        self.headers(&exchange.response_headers);
    }

    /// The headers among these that the catalogue explains.
    fn headers(&mut self, headers: &[(String, String)]) {
        for (name, _) in headers {
            let known = EXPLAINED_HEADERS
                .iter()
                .find(|h| h.eq_ignore_ascii_case(name));
            if let Some(known) = known {
                self.add(known, Context::Header);
            }
        }
    }

    /// A JSON object's members; a member holding a JWT adds its header and claim names.
    pub fn members(&mut self, object: &Map<String, Value>) {
        for (name, value) in object {
            self.add(name, Context::Field);
            if let Some(token) = value.as_str().and_then(DecodedToken::decode) {
                self.token(&token);
            }
        }
    }

    /// A decoded token's header members and claims.
    pub fn token(&mut self, token: &DecodedToken) {
        for name in token.header.keys() {
            self.add(name, Context::Header);
        }
        for name in token.claims.keys() {
            self.add(name, Context::Claim);
        }
    }
}

/// The OAuth error code an exchange's answer carries: its JSON `error` member, else its
/// Bearer challenge's `error` (RFC 6750 §3). As the server wrote it: check it against the
/// catalogue before showing anything of it.
pub fn error_code(exchange: &Exchange) -> Option<String> {
    let body = exchange.response_body.as_deref().unwrap_or_default();
    let member = match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(object)) => object
            .get("error")
            .and_then(Value::as_str)
            .map(str::to_string),
        _ => None,
    };
    member.or_else(|| {
        let header = exchange.response_header("www-authenticate")?;
        let challenges = challenge::parse(header).ok()?;
        challenge::bearer(&challenges)?
            .param("error")
            .map(str::to_string)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exchange_gives_its_parameters_members_and_challenge_once_each() {
        let mut exchange = Exchange::new("POST", "https://as.example/token?x=1");
        exchange.request_headers = vec![
            ("authorization".into(), "Basic eDp5".into()),
            (
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
        ];
        exchange.request_body = Some("grant_type=refresh_token&refresh_token=r&scope=a".into());
        exchange.response_body =
            Some(r#"{"access_token":"a","token_type":"Bearer","scope":"a"}"#.into());
        exchange.response_headers = vec![("WWW-Authenticate".into(), "Bearer".into())];
        let mut names = Names::default();
        names.exchange(&exchange);
        names.exchange(&exchange);
        let seen: Vec<(&str, Context)> = names
            .as_slice()
            .iter()
            .map(|(n, c)| (n.as_str(), *c))
            .collect();
        assert_eq!(
            seen,
            [
                ("x", Context::Parameter),
                ("grant_type", Context::Parameter),
                ("refresh_token", Context::Parameter),
                ("scope", Context::Parameter),
                ("access_token", Context::Field),
                ("scope", Context::Field),
                ("token_type", Context::Field),
                ("Authorization", Context::Header),
                ("WWW-Authenticate", Context::Header),
            ]
        );
    }

    #[test]
    fn the_error_code_comes_from_the_body_else_the_challenge() {
        let mut refused = Exchange::new("POST", "https://as.example/token");
        refused.response_body = Some(r#"{"error":"invalid_grant"}"#.into());
        assert_eq!(error_code(&refused).as_deref(), Some("invalid_grant"));
        let mut api = Exchange::new("GET", "https://api.example/");
        api.response_headers = vec![(
            "www-authenticate".into(),
            r#"Bearer realm="x", error="invalid_token""#.into(),
        )];
        assert_eq!(error_code(&api).as_deref(), Some("invalid_token"));
        api.response_headers.clear();
        assert_eq!(error_code(&api), None);
    }

    #[test]
    fn a_registration_body_and_a_jwks_are_read_member_by_member() {
        let mut draft = RequestDraft::new("POST", "https://as.example/register");
        draft.json_body = Some(serde_json::json!({"redirect_uris": ["https://a/cb"]}));
        let mut names = Names::default();
        names.request(&draft);
        let mut jwks = Exchange::new("GET", "https://as.example/jwks");
        jwks.response_body = Some(r#"{"keys":[{"kty":"EC","crv":"P-256"}]}"#.into());
        names.exchange(&jwks);
        let seen: Vec<&str> = names.as_slice().iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(seen, ["redirect_uris", "keys", "crv", "kty"]);
    }
}
