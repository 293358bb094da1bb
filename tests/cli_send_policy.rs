//! The real binary against servers that answer like the ones met in the field: where
//! credentials may go (`--allow-cross-host`), odd token types, Basic mis-decoding, and which
//! commands mention RFC 9207 `iss`.

#[path = "support/quirky.rs"]
mod quirky;

use std::process::{Output, Stdio};

use quirky::{CLIENT_ID, Endpoints, Quirks, Quirky, REGISTRATION_TOKEN};
use serde_json::Value;
use tokio::process::Command;

async fn oauthscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oauthscope"))
        .args(args)
        .env_remove("OAUTHSCOPE_CLIENT_SECRET")
        .env_remove("BROWSER")
        .stdin(Stdio::null())
        .output()
        .await
        .expect("the binary runs")
}

async fn client_credentials(server: &Quirky, secret: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "run",
        "client-credentials",
        "--issuer",
        &server.issuer,
        "--client-id",
        CLIENT_ID,
        "--client-secret",
        secret,
    ];
    args.extend_from_slice(extra);
    oauthscope(&args).await
}

async fn introspect(server: &Quirky, extra: &[&str]) -> Output {
    let mut args = vec![
        "introspect",
        "--issuer",
        &server.issuer,
        "--token",
        "t",
        "--client-id",
        CLIENT_ID,
        "--client-secret",
        "s3cret",
    ];
    args.extend_from_slice(extra);
    oauthscope(&args).await
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).expect("one JSON document")
}

#[tokio::test(flavor = "multi_thread")]
async fn cross_host_token_endpoint_needs_allow_cross_host() {
    let server = Quirky::start(Quirks {
        endpoints: Endpoints::OtherHost,
        ..Quirks::default()
    })
    .await;
    let refused = client_credentials(&server, "s3cret", &["--json"]).await;
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    let doc = json(&refused);
    let error = doc["error"].as_str().unwrap();
    assert!(
        error.contains("127.0.0.2") && error.contains("--allow-cross-host"),
        "{error}"
    );
    assert_eq!(server.token_requests(), 0);

    let allowed = client_credentials(&server, "s3cret", &["--json", "--allow-cross-host"]).await;
    assert!(allowed.status.success(), "{}", stderr(&allowed));
    assert_eq!(server.token_requests(), 1);

    // The token commands take the flag too.
    let introspect = |extra: &'static [&'static str]| {
        let issuer = server.issuer.clone();
        async move {
            let mut args = vec![
                "introspect",
                "--issuer",
                &issuer,
                "--token",
                "t",
                "--client-id",
                CLIENT_ID,
                "--client-secret",
                "s3cret",
            ];
            args.extend_from_slice(extra);
            oauthscope(&args).await
        }
    };
    let refused = introspect(&[]).await;
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("refused"), "{}", stderr(&refused));
    assert!(introspect(&["--allow-cross-host"]).await.status.success());
    assert_eq!(server.token_requests(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_http_off_loopback_is_refused_even_with_allow_cross_host() {
    let server = Quirky::start(Quirks {
        endpoints: Endpoints::At("http://192.0.2.1".into()),
        ..Quirks::default()
    })
    .await;
    let out = client_credentials(&server, "s3cret", &["--json", "--allow-cross-host"]).await;
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out);
    assert!(
        doc["error"].as_str().unwrap().contains("plain http"),
        "{doc}"
    );
    let to_testnet = doc["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["url"].as_str().unwrap().contains("192.0.2.1"))
        .count();
    assert_eq!(to_testnet, 0, "nothing was sent there");
}

#[tokio::test(flavor = "multi_thread")]
async fn token_type_mac_is_a_warning_on_the_token_step() {
    let server = Quirky::start(Quirks {
        token_type: "mac",
        ..Quirks::default()
    })
    .await;
    let out = client_credentials(&server, "s3cret", &[]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: token_type \"mac\""),
        "{}",
        stderr(&out)
    );
    let doc = json(&client_credentials(&server, "s3cret", &["--json"]).await);
    let warnings = &doc["steps"][0]["warnings"];
    assert!(
        warnings[0].as_str().unwrap().contains("RFC 6749 §7.1"),
        "{warnings}"
    );

    let bearer = Quirky::start(Quirks::default()).await;
    let out = client_credentials(&bearer, "s3cret", &[]).await;
    assert!(!stderr(&out).contains("token_type"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_client_after_basic_suggests_client_secret_post() {
    let secret = "s3cr/t+v4lue==";
    let server = Quirky::start(Quirks {
        plain_basic: true,
        secret,
        ..Quirks::default()
    })
    .await;
    let out = client_credentials(&server, secret, &[]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("try client_secret_post"),
        "{}",
        stderr(&out)
    );
    let post = client_credentials(&server, secret, &["--auth-method", "client_secret_post"]).await;
    assert!(post.status.success(), "{}", stderr(&post));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_iss_warning_comes_only_with_an_authorization_response() {
    // A server that does not advertise RFC 9207 iss.
    let server = Quirky::start(Quirks::default()).await;
    let out = client_credentials(&server, "s3cret", &[]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("RFC 9207"), "{}", stderr(&out));
    let introspected = introspect(&server, &[]).await;
    assert!(introspected.status.success(), "{}", stderr(&introspected));
    assert!(
        !stderr(&introspected).contains("RFC 9207"),
        "{}",
        stderr(&introspected)
    );

    // The code flow gets an authorization response, so it is told (before the paste prompt,
    // which finds stdin closed).
    let code = oauthscope(&[
        "run",
        "code",
        "--issuer",
        &server.issuer,
        "--client-id",
        CLIENT_ID,
        "--paste",
        "--no-browser",
    ])
    .await;
    assert!(stderr(&code).contains("RFC 9207"), "{}", stderr(&code));
}

#[tokio::test(flavor = "multi_thread")]
async fn client_management_on_another_host_needs_allow_cross_host() {
    // The registration response puts registration_client_uri on 127.0.0.2.
    let server = Quirky::start(Quirks {
        endpoints: Endpoints::OtherHost,
        ..Quirks::default()
    })
    .await;
    let registered = oauthscope(&[
        "register",
        "--issuer",
        &server.issuer,
        "--allow-cross-host",
        "--json",
    ])
    .await;
    assert!(registered.status.success(), "{}", stderr(&registered));
    let uri = json(&registered)["client"]["registration_client_uri"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(uri.contains("127.0.0.2"), "{uri}");

    let client = |action: &'static str, extra: &'static [&'static str]| {
        let (issuer, uri) = (server.issuer.clone(), uri.clone());
        async move {
            let mut args = vec![
                "client",
                action,
                "--issuer",
                &issuer,
                "--registration-client-uri",
                &uri,
                "--registration-access-token",
                REGISTRATION_TOKEN,
                "--json",
            ];
            args.extend_from_slice(extra);
            oauthscope(&args).await
        }
    };
    for action in ["get", "update", "delete"] {
        let refused = client(action, &[]).await;
        assert_eq!(refused.status.code(), Some(1), "{action}");
        let error = json(&refused)["error"].as_str().unwrap().to_string();
        assert!(
            error.contains("the client configuration endpoint")
                && error.contains("127.0.0.2")
                && error.contains("--allow-cross-host"),
            "{action}: {error}"
        );
    }
    assert_eq!(server.management_requests(), 0);

    let got = client("get", &["--allow-cross-host"]).await;
    assert!(got.status.success(), "{}", stderr(&got));
    assert_eq!(json(&got)["client"]["client_id"], "registered");
    assert!(
        client("delete", &["--allow-cross-host"])
            .await
            .status
            .success()
    );
    assert_eq!(server.management_requests(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_registration_access_token_never_goes_over_plain_http_off_loopback() {
    let out = oauthscope(&[
        "client",
        "get",
        "--registration-client-uri",
        "http://192.0.2.1/register/c1",
        "--registration-access-token",
        REGISTRATION_TOKEN,
        "--allow-cross-host",
        "--json",
    ])
    .await;
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out);
    assert!(
        doc["error"].as_str().unwrap().contains("plain http"),
        "{doc}"
    );
    assert_eq!(doc["exchanges"], serde_json::json!([]), "nothing was sent");
}
