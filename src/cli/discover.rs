//! `oauthscope discover ISSUER`: fetch, check and summarise a server's metadata.

use std::process::ExitCode;

use serde_json::json;

use super::output::Out;
use super::terminal_text::one_line;
use super::{DiscoverArgs, http_client};
use crate::oauth::discovery::{self, Discovery};

pub async fn run(args: DiscoverArgs) -> ExitCode {
    let out = Out::new(&args.output);
    let http = match http_client() {
        Ok(h) => h,
        Err(e) => return out.finish("discover", json!({}), Err(e)),
    };
    let result = discovery::discover(&http, &args.issuer).await;
    let exchanges = http.log().snapshot();
    if !out.json {
        for exchange in &exchanges {
            out.print_exchange(exchange);
        }
    }
    match result {
        Ok(found) => {
            print_summary(&out, &found);
            let doc = json!({
                "metadata": found.metadata,
                "source": found.source,
                "capabilities": found.capabilities,
                "warnings": found.warnings,
                "exchanges": out.exchanges_json(&exchanges),
            });
            out.finish("discover", doc, Ok(()))
        }
        Err(err) => out.finish(
            "discover",
            json!({ "exchanges": out.exchanges_json(&exchanges) }),
            Err(err.to_string()),
        ),
    }
}

fn print_summary(out: &Out, found: &Discovery) {
    let m = &found.metadata;
    let c = &found.capabilities;
    out.line(format!(
        "\nIssuer  {} ({:?} metadata)",
        one_line(&m.issuer),
        found.source
    ));
    let endpoints = [
        ("authorization", &m.authorization_endpoint),
        ("token", &m.token_endpoint),
        ("par", &m.pushed_authorization_request_endpoint),
        ("device", &m.device_authorization_endpoint),
        ("userinfo", &m.userinfo_endpoint),
        ("introspection", &m.introspection_endpoint),
        ("revocation", &m.revocation_endpoint),
        ("registration", &m.registration_endpoint),
        ("jwks", &m.jwks_uri),
    ];
    out.line("Endpoints");
    for (name, value) in endpoints {
        if let Some(url) = value {
            out.line(format!("  {name:<14} {}", one_line(url)));
        }
    }
    let yes = |b: bool| if b { "yes" } else { "no" };
    out.line("Supports");
    out.line(format!(
        "  code {}  par {}  device {}  client_credentials {}  refresh {}  registration {}  openid {}",
        yes(c.authorization_code),
        yes(c.pushed_authorization_requests),
        yes(c.device_authorization),
        yes(c.client_credentials),
        yes(c.refresh_token),
        yes(c.dynamic_registration),
        yes(c.openid_connect),
    ));
    out.line(format!(
        "  pkce [{}]  iss parameter {}  client auth [{}]  id token algs [{}]",
        one_line(&c.pkce_methods.join(", ")),
        yes(c.iss_parameter),
        one_line(&c.token_endpoint_auth_methods.join(", ")),
        one_line(&c.id_token_signing_algs.join(", ")),
    ));
    if found.warnings.is_empty() {
        out.line("No warnings.");
    } else {
        out.line("Warnings");
        for w in &found.warnings {
            out.line(format!("  ! {} [{}]", one_line(&w.message), w.code));
        }
    }
}
