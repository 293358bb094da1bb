//! `oauthscope run mcp` choosing its registration: `--registration cimd` with a
//! `--client-metadata-url` that cannot be a client id stops before any authorization request,
//! naming the rule; and where the revision asked for (2025-06-18) knows no Client ID Metadata
//! Documents, the client registers itself dynamically and says why.

#[path = "support/run_mcp.rs"]
mod run_mcp;

use run_mcp::{assert_success, checks, run_on_mock};

#[tokio::test(flavor = "multi_thread")]
async fn a_metadata_url_that_cannot_be_a_client_id_stops_before_the_authorization() {
    let (_mock, out, doc) = run_on_mock(&[
        "--registration",
        "cimd",
        "--client-metadata-url",
        "http://client.example/metadata.json",
    ])
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(doc["ok"], false);
    let check = checks(&doc)
        .into_iter()
        .find(|c| c["check"] == "client_id_metadata_url")
        .cloned()
        .unwrap_or_else(|| panic!("no metadata URL check in {doc}"));
    assert_eq!(check["verdict"], "fail");
    let detail = check["detail"].as_str().unwrap();
    assert!(detail.contains("must use https"), "{detail}");
    assert!(
        detail.contains("client-id-metadata-document §3"),
        "{detail}"
    );
    let last = doc["steps"].as_array().unwrap().last().unwrap();
    assert_eq!(last["title"], "Register the client");
    assert_eq!(last["status"]["status"], "failed");
    let sent: Vec<&str> = doc["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["url"].as_str().unwrap())
        .collect();
    assert!(
        sent.iter().all(|url| !url.contains("/authorize")),
        "no authorization request: {sent:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cimd_asked_for_without_its_url_is_refused_in_words() {
    let (_mock, out, doc) = run_on_mock(&["--registration", "cimd"]).await;
    assert_eq!(out.status.code(), Some(1));
    let error = doc["error"].as_str().unwrap();
    assert!(error.contains("--client-metadata-url"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn under_2025_06_18_a_metadata_url_is_not_used_and_the_step_says_why() {
    let url = "https://client.example/metadata.json";
    let (_mock, out, doc) =
        run_on_mock(&["--spec", "2025-06-18", "--client-metadata-url", url]).await;
    assert_success(&out, &doc);
    assert_eq!(doc["spec"], "2025-06-18");
    assert_eq!(doc["registration"]["method"], "dynamic");
    let why = doc["registration"]["why"].as_str().unwrap();
    assert!(
        why.contains("2025-06-18 knows no Client ID Metadata Documents"),
        "{why}"
    );
    assert_ne!(doc["registration"]["client_id"], url);
}
