//! The MCP tools keep the send policy too: a model has no user to ask, so a token endpoint on
//! another host than the issuer's is refused and nothing reaches it.

mod mcp_support;
#[path = "support/quirky.rs"]
mod quirky;

use mcp_support::{RawClient, ok, tool_error};
use oauthscope::mcp::OAuthTools;
use quirky::{CLIENT_ID, Endpoints, Quirks, Quirky};
use serde_json::json;

fn client_credentials() -> serde_json::Value {
    json!({
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": "s3cret",
    })
}

#[tokio::test]
async fn exchange_token_refuses_a_token_endpoint_on_another_host() {
    let server = Quirky::start(Quirks {
        endpoints: Endpoints::OtherHost,
        ..Quirks::default()
    })
    .await;
    let (mut client, _) = RawClient::connect(OAuthTools::new(Some(server.issuer.clone()))).await;
    let refused = client
        .call("oauth2_exchange_token", client_credentials())
        .await;
    let refused = tool_error(&refused);
    assert_eq!(refused["error"], "send_refused_cross_host", "{refused}");
    assert!(
        refused["error_description"]
            .as_str()
            .unwrap()
            .contains("127.0.0.2")
    );
    assert_eq!(server.token_requests(), 0);

    // The same server with its endpoints on the issuer's host is fine.
    let same = Quirky::start(Quirks::default()).await;
    let (mut client, _) = RawClient::connect(OAuthTools::new(Some(same.issuer.clone()))).await;
    let tokens = client
        .call("oauth2_exchange_token", client_credentials())
        .await;
    ok(&tokens);
    assert_eq!(same.token_requests(), 1);
}
