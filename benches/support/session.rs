//! A long session's log, shared by the render and memory benches: `count` exchanges of the
//! kinds a session makes (device polls, token requests, discovery, keys, redirects,
//! introspection, failures), with realistic headers and bodies.

use std::time::Duration;

use oauthscope::oauth::Exchange;
use oauthscope::profile::ClientProfile;
use oauthscope::tui::app::{App, Settings};

const ISSUER: &str = "http://127.0.0.1:9000";

/// The app on a built-in server with one client, nothing in its log yet.
pub fn app() -> App {
    let client = ClientProfile {
        client_id: "demo-public".into(),
        auth_method: "none".into(),
        ..ClientProfile::default()
    };
    let (app, _runtime) = App::new(Settings {
        built_in: Some((ISSUER.into(), vec![client])),
        ..Settings::in_memory()
    });
    app
}

/// A signed-JWT-sized token: three base64url parts, about 800 characters.
fn jwt(n: usize) -> String {
    let body: String =
        std::iter::repeat_n("eyJpc3MiOiJodHRwOi8vMTI3LjAuMC4xOjkwMDAi", 12).collect();
    format!("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.{body}{n:06}.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl")
}

fn json_headers() -> Vec<(String, String)> {
    [
        ("content-type", "application/json"),
        ("cache-control", "no-store"),
        ("content-length", "1024"),
        ("date", "Wed, 02 Dec 2026 01:00:00 GMT"),
    ]
    .iter()
    .map(|(k, v)| ((*k).into(), (*v).into()))
    .collect()
}

fn form_request(exchange: &mut Exchange, body: String) {
    exchange.request_headers = vec![
        (
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        ),
        ("accept".into(), "application/json".into()),
        ("user-agent".into(), "oauthscope/0.1".into()),
    ];
    exchange.request_body = Some(body);
}

/// The `n`th exchange of the session.
pub fn exchange(n: usize) -> Exchange {
    let mut exchange = match n % 10 {
        0..=3 => {
            let mut e = Exchange::new("POST", format!("{ISSUER}/token"));
            form_request(
                &mut e,
                format!(
                    "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=dc{n}&client_id=demo-public"
                ),
            );
            e.status = Some(400);
            e.response_body = Some(r#"{"error":"authorization_pending","error_description":"the user has not approved yet"}"#.into());
            e
        }
        4 | 5 => {
            let mut e = Exchange::new("POST", format!("{ISSUER}/token"));
            form_request(
                &mut e,
                format!("grant_type=refresh_token&refresh_token=rt{n}&client_id=demo-public"),
            );
            e.status = Some(200);
            e.response_body = Some(format!(
                r#"{{"access_token":"{}","id_token":"{}","refresh_token":"rt{n}x","token_type":"Bearer","expires_in":3600,"scope":"openid profile email"}}"#,
                jwt(n),
                jwt(n + 1)
            ));
            e
        }
        6 => {
            let mut e = Exchange::new(
                "GET",
                format!("{ISSUER}/.well-known/oauth-authorization-server"),
            );
            e.status = Some(200);
            let endpoints: Vec<String> = [
                "authorize",
                "token",
                "jwks",
                "userinfo",
                "par",
                "device/code",
                "register",
                "introspect",
                "revoke",
            ]
            .iter()
            .map(|p| format!(r#""{p}_endpoint":"{ISSUER}/{p}""#))
            .collect();
            e.response_body = Some(format!(
                r#"{{"issuer":"{ISSUER}",{},"grant_types_supported":["authorization_code","refresh_token","client_credentials","urn:ietf:params:oauth:grant-type:device_code"],"code_challenge_methods_supported":["S256"],"scopes_supported":["openid","profile","email","offline_access"]}}"#,
                endpoints.join(",")
            ));
            e
        }
        7 => {
            let mut e = Exchange::new("GET", format!("{ISSUER}/jwks"));
            e.status = Some(200);
            let n_value: String = std::iter::repeat_n(
                "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1Wl",
                6,
            )
            .collect();
            e.response_body = Some(format!(
                r#"{{"keys":[{{"kty":"RSA","kid":"k1","use":"sig","alg":"RS256","n":"{n_value}","e":"AQAB"}}]}}"#
            ));
            e
        }
        8 => {
            let mut e = Exchange::new(
                "GET",
                format!(
                    "{ISSUER}/authorize?response_type=code&client_id=demo-public&state=s{n}&code_challenge=c{n}&code_challenge_method=S256"
                ),
            );
            e.status = Some(302);
            e.response_headers = vec![(
                "location".into(),
                format!(
                    "http://127.0.0.1:53122/callback?code=code{n}&state=s{n}&iss=http%3A%2F%2F127.0.0.1%3A9000"
                ),
            )];
            e
        }
        _ => {
            let mut e = Exchange::new("POST", format!("{ISSUER}/introspect"));
            form_request(&mut e, format!("token=at{n}&token_type_hint=access_token"));
            if n % 20 == 9 {
                e.error = Some("connection refused (os error 111)".into());
            } else {
                e.status = Some(200);
                e.response_body = Some(r#"{"active":true,"sub":"alice","client_id":"demo-public","scope":"openid profile","exp":1795615583}"#.into());
            }
            e
        }
    };
    if exchange.status.is_some() && exchange.response_headers.is_empty() {
        exchange.response_headers = json_headers();
    }
    exchange.duration = Duration::from_millis((n % 90) as u64 + 1);
    exchange
}
