//! `oauthscope discover ISSUER`: fetch, check and summarise a server's metadata.

use std::process::ExitCode;

use serde_json::json;

use super::output::Out;
use super::{DiscoverArgs, discover_quietly, http_client};
use crate::oauth::discovery::{Discovery, MetadataSource};
use crate::terminal_text::one_line;

pub async fn run(args: DiscoverArgs) -> ExitCode {
    let out = Out::new(&args.output);
    let http = match http_client() {
        Ok(h) => h,
        Err(e) => return out.finish("discover", json!({}), Err(e)),
    };
    let result = discover_quietly(&http, &args.issuer, &args.endpoints).await;
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
                "sources": found.sources,
                "capabilities": found.capabilities,
                "warnings": found.warnings,
                "exchanges": out.exchanges_json(&exchanges),
            });
            out.finish("discover", doc, Ok(()))
        }
        Err(err) => out.finish(
            "discover",
            json!({ "exchanges": out.exchanges_json(&exchanges) }),
            Err(err),
        ),
    }
}

fn print_summary(out: &Out, found: &Discovery) {
    let m = &found.metadata;
    let c = &found.capabilities;
    let from = |member: &str| {
        found
            .source_of(member)
            .map_or(String::new(), |s| format!("  ({})", s.label()))
    };
    out.line(format!(
        "\nIssuer  {}{}",
        one_line(&m.issuer),
        from("issuer")
    ));
    out.line("Endpoints");
    let endpoints = [
        (
            "authorization",
            "authorization_endpoint",
            &m.authorization_endpoint,
        ),
        ("token", "token_endpoint", &m.token_endpoint),
        (
            "par",
            "pushed_authorization_request_endpoint",
            &m.pushed_authorization_request_endpoint,
        ),
        (
            "device",
            "device_authorization_endpoint",
            &m.device_authorization_endpoint,
        ),
        ("userinfo", "userinfo_endpoint", &m.userinfo_endpoint),
        (
            "introspection",
            "introspection_endpoint",
            &m.introspection_endpoint,
        ),
        ("revocation", "revocation_endpoint", &m.revocation_endpoint),
        (
            "registration",
            "registration_endpoint",
            &m.registration_endpoint,
        ),
        ("jwks", "jwks_uri", &m.jwks_uri),
    ];
    for (name, member, value) in endpoints {
        if let Some(url) = value {
            out.line(format!("  {name:<14} {}{}", one_line(url), from(member)));
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
    out.line(format!(
        "  dpop algs [{}]  authorization details [{}]  token exchange {}",
        one_line(&c.dpop_algs.join(", ")),
        one_line(&c.authorization_details_types.join(", ")),
        yes(c.token_exchange),
    ));
    out.line(format!(
        "  jwt-bearer {}  assertion algs [{}]  request object algs [{}]  signed requests required {}",
        yes(c.jwt_bearer),
        one_line(&c.client_assertion_signing_algs.join(", ")),
        one_line(&c.request_object_signing_algs.join(", ")),
        yes(c.require_signed_request_object),
    ));
    out.line("Sources");
    for source in [
        MetadataSource::Oauth,
        MetadataSource::OpenidConnect,
        MetadataSource::Manual,
    ] {
        let members: Vec<&str> = found
            .sources
            .iter()
            .filter(|(_, s)| **s == source)
            .map(|(member, _)| member.as_str())
            .collect();
        if !members.is_empty() {
            out.line(format!("  {:<15} {}", source.label(), members.join(", ")));
        }
    }
    if found.warnings.is_empty() {
        out.line("No warnings.");
    } else {
        out.line("Warnings");
        for w in &found.warnings {
            out.line(format!("  ! {} [{}]", one_line(&w.message), w.code));
        }
    }
}
