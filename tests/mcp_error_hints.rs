//! A server's refusal reaches the model with the catalogue's likely causes and what to try,
//! over MCP against the built-in mock.

mod mcp_support;

use mcp_support::{RawClient, mock, tool_error};
use oauthscope::mcp::OAuthTools;
use oauthscope::mock::DEMO_CONFIDENTIAL_CLIENT;
use serde_json::json;

#[tokio::test]
async fn a_wrong_client_secret_comes_back_with_causes_and_remedies() {
    let mock = mock().await;
    let (mut client, _) = RawClient::connect(OAuthTools::new(Some(mock.issuer().into()))).await;
    let refused = client
        .call(
            "oauth2_exchange_token",
            json!({
                "grant_type": "client_credentials",
                "client_id": DEMO_CONFIDENTIAL_CLIENT,
                "client_secret": "not-the-secret",
            }),
        )
        .await;
    let refused = tool_error(&refused);
    assert_eq!(refused["error"], "invalid_client", "{refused}");
    let causes = refused["likely_causes"].as_array().unwrap();
    assert!(
        causes[0].as_str().unwrap().contains("client secret"),
        "{refused}"
    );
    let remedies = refused["try"].as_array().unwrap();
    assert!(!remedies.is_empty(), "{refused}");
}
