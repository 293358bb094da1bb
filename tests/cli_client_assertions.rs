//! The CLI's client assertions against the in-process mock: `oauthscope keygen` makes a key
//! and prints the JWKS to register, `run --auth-method private_key_jwt --private-key FILE`
//! and `--auth-method client_secret_jwt` authenticate with it, and the step shows the
//! assertion decoded.

#[path = "support/cli.rs"]
mod cli;
#[path = "support/assertion_clients.rs"]
mod clients;

use clients::{HS_CLIENT, HS_SECRET, KEY_CLIENT};
use oauthscope::mock::{MockConfig, MockServer, RunningMock};
use serde_json::Value;

async fn mock(jwks: Value) -> RunningMock {
    let mut config = MockConfig::demo();
    clients::add(&mut config, jwks);
    MockServer::start(config).await.expect("the mock starts")
}

#[tokio::test(flavor = "multi_thread")]
async fn keygen_then_private_key_jwt_gets_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("client.pem");
    let key_file = key_path.to_str().unwrap();
    let made = cli::ok_json(
        &cli::oauthscope(&["keygen", "--alg", "PS256", "--out", key_file, "--json"]).await,
    );
    assert_eq!(made["alg"], "PS256");
    let kid = made["kid"].as_str().unwrap().to_owned();
    let pem = std::fs::read_to_string(&key_path).unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert!(
        !made.to_string().contains("PRIVATE KEY"),
        "the key is not printed"
    );
    // An existing file is never replaced.
    let again = cli::oauthscope(&["keygen", "--out", key_file]).await;
    assert!(!again.status.success());
    assert_eq!(std::fs::read_to_string(&key_path).unwrap(), pem);

    let mock = mock(made["jwks"].clone()).await;
    let run = |extra: &'static [&'static str]| {
        let mut args = vec![
            "run",
            "client-credentials",
            "--issuer",
            mock.issuer(),
            "--client-id",
            KEY_CLIENT,
            "--private-key",
            key_file,
            "--signing-alg",
            "PS256",
        ];
        args.extend_from_slice(extra);
        args.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let args = run(&["--json"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let doc = cli::ok_json(&cli::oauthscope(&args).await);
    let step = &doc["steps"][0];
    assert_eq!(step["exchange"]["status"], 200, "{step}");
    let decoded = &step["request"]["decoded"][0];
    assert_eq!(decoded["name"], "client_assertion");
    assert_eq!(decoded["header"]["alg"], "PS256");
    assert_eq!(decoded["header"]["kid"], kid.as_str());
    assert_eq!(decoded["claims"]["iss"], KEY_CLIENT);
    assert_eq!(decoded["claims"]["sub"], KEY_CLIENT);
    assert_eq!(decoded["claims"]["aud"], format!("{}/token", mock.issuer()));
    assert!(decoded["claims"]["jti"].is_string() && decoded["claims"]["exp"].is_u64());
    // The assertion itself is masked like any credential.
    let params = step["request"]["params"].to_string();
    assert!(
        params.contains("client_assertion") && params.contains("•••"),
        "{params}"
    );

    let args = run(&[]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = cli::oauthscope(&args).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("client_assertion (decoded JWT, as sent):"),
        "{text}"
    );
    assert!(
        text.contains(&format!("\"iss\":\"{KEY_CLIENT}\"")),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn client_secret_jwt_and_a_missing_key_say_what_they_need() {
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("k.pem");
    let made = cli::ok_json(
        &cli::oauthscope(&["keygen", "--out", key_path.to_str().unwrap(), "--json"]).await,
    );
    let mock = mock(made["jwks"].clone()).await;
    let doc = cli::ok_json(
        &cli::oauthscope(&[
            "run",
            "client-credentials",
            "--issuer",
            mock.issuer(),
            "--client-id",
            HS_CLIENT,
            "--client-secret",
            HS_SECRET,
            "--auth-method",
            "client_secret_jwt",
            "--json",
        ])
        .await,
    );
    let step = &doc["steps"][0];
    assert_eq!(step["exchange"]["status"], 200, "{step}");
    assert_eq!(step["request"]["decoded"][0]["header"]["alg"], "HS256");
    assert!(!doc.to_string().contains(HS_SECRET));

    let refusal = |extra: [&'static str; 2]| {
        let issuer = mock.issuer().to_owned();
        async move {
            let args = [
                "run",
                "client-credentials",
                "--issuer",
                &issuer,
                "--client-id",
                KEY_CLIENT,
                extra[0],
                extra[1],
            ];
            let out = cli::oauthscope(&args).await;
            assert!(!out.status.success());
            String::from_utf8_lossy(&out.stderr).into_owned()
        }
    };
    let err = refusal(["--auth-method", "private_key_jwt"]).await;
    assert!(err.contains("--private-key"), "{err}");
    let err = refusal(["--private-key", "/nonexistent/key.pem"]).await;
    assert!(err.contains("cannot read the private key"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn jwt_bearer_signs_its_assertion_with_the_key_or_takes_one() {
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("idp.pem");
    let key = key_path.to_str().unwrap();
    let made = cli::ok_json(&cli::oauthscope(&["keygen", "--out", key, "--json"]).await);
    let mut config = MockConfig::demo();
    config
        .trusted_issuers
        .push(oauthscope::mock::TrustedIssuer {
            issuer: "https://idp.example".into(),
            jwks: made["jwks"].clone(),
        });
    let mock = MockServer::start(config).await.expect("the mock starts");
    let base = [
        "run",
        "jwt-bearer",
        "--issuer",
        mock.issuer(),
        "--client-id",
        "demo-confidential",
        "--client-secret",
        "demo-secret",
        "--scope",
        "api:read",
        "--json",
    ];
    let mut built = base.to_vec();
    built.extend([
        "--private-key",
        key,
        "--issuer-claim",
        "https://idp.example",
        "--subject",
        "bob",
    ]);
    let doc = cli::ok_json(&cli::oauthscope(&built).await);
    let step = &doc["steps"][0];
    assert_eq!(step["exchange"]["status"], 200, "{step}");
    let decoded = &step["request"]["decoded"][0];
    assert_eq!(decoded["name"], "assertion");
    assert_eq!(decoded["claims"]["sub"], "bob");
    assert_eq!(decoded["claims"]["aud"], format!("{}/token", mock.issuer()));
    // The same claims signed elsewhere and handed over with --assertion.
    let signer = oauthscope::oauth::keys::ClientKey::load(&key_path, None, None).unwrap();
    let claims = oauthscope::oauth::client_auth::assertion_claims(
        "https://idp.example",
        "alice",
        &format!("{}/token", mock.issuer()),
    )
    .unwrap();
    let assertion = signer.sign_jwt("JWT", &claims).unwrap();
    let mut given = base.to_vec();
    given.extend(["--assertion", &assertion]);
    let doc = cli::ok_json(&cli::oauthscope(&given).await);
    assert_eq!(doc["steps"][0]["exchange"]["status"], 200, "{doc}");
    assert!(
        !doc.to_string().contains(&assertion),
        "the assertion is masked"
    );
    // Neither given nor buildable: says what is missing.
    let out = cli::oauthscope(&base).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--assertion"));
}
