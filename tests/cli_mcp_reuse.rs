//! `oauthscope run mcp` keeps the client it registered dynamically in the profile, under the
//! authorization server's issuer, and the next run reuses it (no second registration, the
//! step saying so) and reaches the tools again; `--registration dcr` registers a new one.

#[path = "support/run_mcp.rs"]
mod run_mcp;

use oauthscope::profile::Profile;

use run_mcp::{BROWSER, assert_success, json_of, mcp_url, mock, run};

fn registrations(doc: &serde_json::Value) -> usize {
    doc["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["url"].as_str().unwrap().ends_with("/register"))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_registered_client_is_kept_per_issuer_and_reused_next_time() {
    let mock = mock().await;
    let server_url = mcp_url(&mock);
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("profile.toml");
    let profile_arg = profile.to_str().unwrap();
    let args = ["run", "mcp", &server_url, "--config", profile_arg, "--json"];

    let first = run(&args, BROWSER).await;
    let first_doc = json_of(&first);
    assert_success(&first, &first_doc);
    assert_eq!(first_doc["registration"]["method"], "dynamic");
    assert_eq!(first_doc["registration"]["reused"], false);
    assert_eq!(registrations(&first_doc), 1);
    let client_id = first_doc["registration"]["client_id"].as_str().unwrap();
    let saved = Profile::load(&profile).unwrap();
    let kept: Vec<_> = saved.clients_of(mock.issuer()).collect();
    assert_eq!(kept.len(), 1, "{saved:?}");
    assert_eq!(kept[0].client_id, client_id);
    assert!(!kept[0].redirect_uris.is_empty());

    let second = run(&args, BROWSER).await;
    let second_doc = json_of(&second);
    assert_success(&second, &second_doc);
    assert_eq!(second_doc["registration"]["reused"], true);
    assert_eq!(second_doc["registration"]["client_id"], client_id);
    assert_eq!(registrations(&second_doc), 0, "no second registration");
    let why = second_doc["registration"]["why"].as_str().unwrap();
    assert!(why.contains("reused"), "{why}");
    assert!(why.contains(profile_arg), "{why}");
    assert_eq!(second_doc["tools"], serde_json::json!(["whoami"]));

    // Asking for dynamic registration by name registers a new client, kept beside the first.
    let mut fresh = args.to_vec();
    fresh.extend(["--registration", "dcr"]);
    let third = run(&fresh, BROWSER).await;
    let third_doc = json_of(&third);
    assert_success(&third, &third_doc);
    assert_eq!(registrations(&third_doc), 1);
    assert_ne!(third_doc["registration"]["client_id"], client_id);
    assert_eq!(
        Profile::load(&profile)
            .unwrap()
            .clients_of(mock.issuer())
            .count(),
        2
    );
}
