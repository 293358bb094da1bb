//! `run token-exchange` through the real binary against the built-in mock: delegation with
//! an actor token, the answer's issued_token_type, and a clear error without a subject.

use oauthscope::mock::{
    DEMO_CONFIDENTIAL_CLIENT, DEMO_EXCHANGE_AUDIENCE, DEMO_SECRET, MockConfig, MockServer,
};
use serde_json::Value;

#[path = "support/cli.rs"]
#[allow(dead_code)] // this file needs only the binary, not the listener
mod cli;
use cli::oauthscope;

const ACCESS: &str = "urn:ietf:params:oauth:token-type:access_token";

async fn json(args: &[&str]) -> Value {
    let out = oauthscope(args).await;
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_token_exchanged_with_an_actor_names_it_in_act() {
    let mock = MockServer::start(MockConfig::demo()).await.unwrap();
    let client = [
        "--issuer",
        mock.issuer(),
        "--client-id",
        DEMO_CONFIDENTIAL_CLIENT,
        "--client-secret",
        DEMO_SECRET,
    ];
    let mut args = vec!["run", "client-credentials"];
    args.extend(client);
    args.push("--json");
    let first = json(&args).await;
    let subject = first["outcome"]["tokens"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let subject_arg = format!("--subject-token={subject}");
    let actor_arg = format!("--actor-token={subject}");
    let mut args = vec!["run", "token-exchange"];
    args.extend(client);
    args.extend([
        subject_arg.as_str(),
        actor_arg.as_str(),
        "--audience",
        DEMO_EXCHANGE_AUDIENCE,
        "--requested-token-type",
        ACCESS,
        "--json",
    ]);
    let doc = json(&args).await;
    assert_eq!(doc["ok"], true, "{doc}");
    assert_eq!(doc["flow"], "token_exchange");
    assert_eq!(doc["steps"][0]["kind"], "token_exchange");
    assert_eq!(doc["outcome"]["tokens"]["issued_token_type"], ACCESS);
    let claims = &doc["outcome"]["access_token"]["claims"];
    assert_eq!(claims["aud"], DEMO_EXCHANGE_AUDIENCE);
    assert_eq!(claims["act"]["sub"], DEMO_CONFIDENTIAL_CLIENT);
    let sent: Vec<&str> = doc["steps"][0]["request"]["params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[0].as_str().unwrap())
        .collect();
    for name in [
        "subject_token",
        "subject_token_type",
        "actor_token",
        "actor_token_type",
        "audience",
    ] {
        assert!(sent.contains(&name), "{name} not sent: {sent:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_subject_token_the_flow_says_so() {
    let mock = MockServer::start(MockConfig::demo()).await.unwrap();
    let out = oauthscope(&[
        "run",
        "token-exchange",
        "--issuer",
        mock.issuer(),
        "--client-id",
        DEMO_CONFIDENTIAL_CLIENT,
    ])
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--subject-token"));
}
