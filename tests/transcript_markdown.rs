//! The Markdown transcript as a reader sees it: steps, each exchange masked, the verdicts.
//! A snapshot, on a session built by hand so every byte of it is fixed.

use std::time::{Duration, UNIX_EPOCH};

use oauthscope::oauth::Exchange;
use oauthscope::oauth::doctor::{self, Session, TokenContext};
use oauthscope::oauth::step::StepStatus;
use oauthscope::oauth::transcript::{StepLine, to_markdown};
use serde_json::json;

fn at(ms: u64) -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_millis(1_800_000_000_000 + ms)
}

fn session() -> Vec<Exchange> {
    let mut authorize = Exchange::new(
        "GET",
        "https://as.example/authorize?response_type=code&client_id=spa&scope=profile&redirect_uri=https%3A%2F%2Fapp.example%2Fcb",
    );
    authorize.started_at = at(0);
    authorize.status = Some(302);
    authorize.response_headers = vec![(
        "location".into(),
        "https://app.example/cb?code=SplxlOBeZQQYbYS6WxSbIA".into(),
    )];
    authorize.duration = Duration::from_millis(5);

    let mut token = Exchange::new("POST", "https://as.example/token");
    token.started_at = at(900);
    token.request_headers = vec![(
        "content-type".into(),
        "application/x-www-form-urlencoded".into(),
    )];
    token.request_body =
        Some("grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&client_id=spa".into());
    token.status = Some(200);
    token.response_headers = vec![("content-type".into(), "application/json".into())];
    token.response_body = Some(
        json!({"access_token": "2YotnFZFEjr1zCsicMWpAA", "token_type": "Bearer",
               "refresh_token": "tGzv3JOkF0XG5Qx2TlKWIA", "scope": "profile admin"})
        .to_string(),
    );
    token.duration = Duration::from_millis(31);

    let mut hostile = Exchange::new(
        "GET",
        "https://api.example/me?access_token=2YotnFZFEjr1zCsicMWpAA",
    );
    hostile.started_at = at(1_000);
    hostile.status = Some(500);
    hostile.response_headers = vec![("content-type".into(), "text/html".into())];
    hostile.response_body = Some("<pre>```\n\u{1b}[31mboom\u{1b}[0m</pre>".into());
    hostile.duration = Duration::from_millis(2);

    let mut refused = Exchange::new("POST", "https://as.example/revoke");
    refused.started_at = at(2_000);
    refused.error = Some("connection refused".into());

    let mut all = vec![authorize, token, hostile, refused];
    for e in &mut all {
        e.locate_secrets(&[]);
    }
    all
}

#[test]
fn the_markdown_transcript_of_a_careless_session() {
    let exchanges = session();
    let findings = doctor::diagnose_session(&Session {
        steps: &[],
        exchanges: &exchanges,
        metadata: None,
        token: TokenContext {
            now: at(3_000),
            ..TokenContext::default()
        },
    });
    let steps = [
        StepLine {
            title: "Send the browser to the authorization endpoint".into(),
            status: StepStatus::Done,
        },
        StepLine {
            title: "Exchange the code for tokens".into(),
            status: StepStatus::Done,
        },
        StepLine {
            title: "Revoke the token".into(),
            status: StepStatus::Failed("connection refused".into()),
        },
    ];
    let md = to_markdown("A careless session", &steps, &exchanges, &findings, false);
    for secret in [
        "SplxlOBeZQQYbYS6WxSbIA",
        "2YotnFZFEjr1zCsicMWpAA",
        "tGzv3JOkF0XG5Qx2TlKWIA",
    ] {
        assert!(!md.contains(secret), "{secret} is masked");
    }
    assert!(!md.contains('\u{1b}'), "no raw escape reaches the file");
    insta::assert_snapshot!(md);
}
