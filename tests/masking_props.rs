//! Property: whatever a secret is made of, no masked view of an exchange shows it, whether as
//! written, percent-encoded (`%2F` or `+` for a space) or JSON-escaped. The views are the ones
//! users see: the masked exchange, its curl command, and the CLI's `--json` exchange form.

use oauthscope::oauth::Exchange;
use oauthscope::oauth::client_auth::{AuthMethod, ClientCredentials};
use oauthscope::oauth::http::RawRequest;
use oauthscope::oauth::step::RequestDraft;
use proptest::prelude::*;
use url::form_urlencoded::byte_serialize;

/// Printable ASCII (space included) and a few non-ASCII letters; long enough that a chance
/// match with the rest of the exchange cannot happen.
fn secret() -> impl Strategy<Value = String> {
    "[ -~éü€日本]{12,64}"
}

/// Every form in which `secret` could be written into a URL, a form, a header or JSON.
fn encodings(secret: &str) -> Vec<String> {
    let json = serde_json::to_string(secret).unwrap();
    let json = json[1..json.len() - 1].to_string();
    vec![
        secret.to_string(),
        byte_serialize(secret.as_bytes()).collect(),
        percent_encode(secret),
        json.clone(),
        json.replace('/', "\\/"),
    ]
}

/// Percent-encoding with `%20` for a space and every byte but letters and digits escaped.
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The masked text, the masked curl and the JSON form of an exchange (the CLI's `--json`
/// prints an exchange as the serialisation of its masked view).
fn masked_views(exchange: &Exchange) -> Vec<String> {
    vec![
        format!("{:?}", exchange.redacted()),
        exchange.to_curl(false),
        serde_json::to_string(&exchange.redacted()).unwrap(),
    ]
}

fn assert_hidden(exchange: &Exchange, secret: &str) -> Result<(), TestCaseError> {
    for view in masked_views(exchange) {
        for form in encodings(secret) {
            prop_assert!(!view.contains(&form), "{form:?} in {view}");
        }
    }
    Ok(())
}

fn token_request(client: &ClientCredentials) -> Exchange {
    let mut draft = RequestDraft::new("POST", "http://127.0.0.1:9/token");
    draft.set_param("grant_type", "client_credentials");
    client
        .apply(&mut draft, "http://127.0.0.1:9/token")
        .unwrap();
    RawRequest::from_draft(&draft).unwrap().recorded()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn client_secret_post_is_masked(secret in secret()) {
        let client = ClientCredentials::confidential("app", &secret, AuthMethod::ClientSecretPost);
        let exchange = token_request(&client);
        // The request really carries it (encoded), so the property is not vacuous.
        prop_assert!(exchange.to_curl(true).contains(&byte_serialize(secret.as_bytes()).collect::<String>()));
        assert_hidden(&exchange, &secret)?;
    }

    #[test]
    fn basic_credentials_are_masked(secret in secret()) {
        let client = ClientCredentials::confidential("app", &secret, AuthMethod::ClientSecretBasic);
        let exchange = token_request(&client);
        let header = exchange.request_headers.iter().find(|(k, _)| k == "Authorization").unwrap().1.clone();
        let credential = header.strip_prefix("Basic ").unwrap();
        for view in masked_views(&exchange) {
            prop_assert!(!view.contains(credential), "{view}");
        }
        assert_hidden(&exchange, &secret)?;
    }

    #[test]
    fn json_response_members_are_masked(secret in secret(), escape_slashes in any::<bool>()) {
        let mut exchange = Exchange::new("POST", "http://127.0.0.1:9/token");
        exchange.status = Some(200);
        exchange.response_headers.push(("content-type".into(), "application/json".into()));
        let mut body = serde_json::json!({
            "access_token": secret,
            "token_type": "Bearer",
            "refresh_token": format!("r-{secret}"),
        })
        .to_string();
        if escape_slashes {
            body = body.replace('/', "\\/");
        }
        exchange.response_body = Some(body);
        exchange.locate_secrets(&[]);
        assert_hidden(&exchange, &secret)?;
    }

    #[test]
    fn redirect_url_params_are_masked(secret in secret()) {
        let encoded: String = byte_serialize(secret.as_bytes()).collect();
        let mut exchange = Exchange::new(
            "GET",
            format!("http://127.0.0.1:9/authorize?client_id=app&access_token={encoded}"),
        );
        exchange.status = Some(302);
        exchange.response_headers.push((
            "Location".into(),
            format!("http://127.0.0.1:8/cb?code={}&state=s#id_token={encoded}",
                percent_encode(&secret)),
        ));
        exchange.locate_secrets(&[]);
        assert_hidden(&exchange, &secret)?;
    }
}
