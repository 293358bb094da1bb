//! `oauthscope register` and `oauthscope client get | update | delete`: dynamic client
//! registration (RFC 7591) and management (RFC 7592).

use std::process::ExitCode;

use serde_json::{Value, json};

use super::output::{Out, pretty_json};
use super::{ClientAction, ClientArgs, RegisterArgs, discover_server, http_client};
use crate::oauth::RecordingClient;
use crate::oauth::registration::{self, ClientManagement, RegisteredClient, Registrar};
use crate::terminal_text::one_line;

pub async fn register(args: RegisterArgs) -> ExitCode {
    let out = Out::new(&args.output);
    let http = match http_client() {
        Ok(h) => h,
        Err(e) => return out.finish("register", json!({}), Err(e)),
    };
    let result = create(&args, &http).await;
    finish_with_client(&out, "register", &http, result)
}

async fn create(args: &RegisterArgs, http: &RecordingClient) -> Result<RegisteredClient, String> {
    let found = discover_server(http, &args.issuer, &args.endpoints).await?;
    let endpoint = found
        .metadata
        .registration_endpoint
        .clone()
        .ok_or_else(|| {
            format!(
                "{} has no registration_endpoint (give it with --registration-endpoint)",
                args.issuer
            )
        })?;
    let metadata = registration::client_metadata(
        &args.redirect_uris,
        args.auth_method.as_deref(),
        args.scope.as_deref(),
        &args.grant_types,
        args.client_name.as_deref(),
    );
    let registrar = Registrar {
        http,
        issuer: &found.metadata.issuer,
        consent: &args.cross_host.consent(),
    };
    registrar
        .register(&endpoint, &metadata)
        .await
        .map_err(|e| e.to_string())
}

pub async fn client(args: ClientArgs) -> ExitCode {
    let (name, target) = match &args.action {
        ClientAction::Get(t) => ("client get", t),
        ClientAction::Update(t) => ("client update", t),
        ClientAction::Delete(t) => ("client delete", t),
    };
    let out = Out::new(&target.output);
    let http = match http_client() {
        Ok(h) => h,
        Err(e) => return out.finish(name, json!({}), Err(e)),
    };
    let handle = ClientManagement {
        registration_client_uri: target.registration_client_uri.clone(),
        registration_access_token: target.registration_access_token.clone().into_secret(),
    };
    // Without the issuer, the URI stands for it: the transport rules still hold.
    let issuer = target
        .issuer
        .as_deref()
        .unwrap_or(&target.registration_client_uri);
    let registrar = Registrar {
        http: &http,
        issuer,
        consent: &target.cross_host.consent(),
    };
    match &args.action {
        ClientAction::Get(_) => {
            let result = registrar.read(&handle).await.map_err(|e| e.to_string());
            finish_with_client(&out, name, &http, result)
        }
        ClientAction::Update(t) => {
            let uris = t.redirect_uris.clone();
            let result = registrar
                .update(&handle, |metadata| {
                    if !uris.is_empty() {
                        metadata.insert("redirect_uris".into(), uris.into());
                    }
                })
                .await
                .map_err(|e| e.to_string());
            finish_with_client(&out, name, &http, result)
        }
        ClientAction::Delete(_) => {
            let result = registrar.delete(&handle).await.map_err(|e| e.to_string());
            print_exchanges(&out, &http);
            if result.is_ok() {
                out.line("\nThe client was deleted.");
            }
            let doc = json!({
                "deleted": result.is_ok(),
                "exchanges": out.exchanges_json(&http.log().snapshot()),
            });
            out.finish(name, doc, result)
        }
    }
}

fn print_exchanges(out: &Out, http: &RecordingClient) {
    for exchange in http.log().snapshot() {
        out.print_exchange(&exchange);
    }
}

fn finish_with_client(
    out: &Out,
    command: &str,
    http: &RecordingClient,
    result: Result<RegisteredClient, String>,
) -> ExitCode {
    print_exchanges(out, http);
    let exchanges = out.exchanges_json(&http.log().snapshot());
    match result {
        Ok(client) => {
            for warning in &client.warnings {
                note!("warning: {}", warning.message);
            }
            print_client(out, &client);
            let doc =
                json!({ "client": client, "warnings": client.warnings, "exchanges": exchanges });
            out.finish(command, doc, Ok(()))
        }
        Err(reason) => out.finish(command, json!({ "exchanges": exchanges }), Err(reason)),
    }
}

/// The client as the server returned it. Its secret and registration access token are
/// printed in clear: the server shows them once (at registration, or when it rotates them
/// on a read or an update), and a masked value here would be lost for good. The CLI keeps
/// no file of its own, so showing them is the way not to lose them; the exchanges above
/// stay masked.
fn print_client(out: &Out, client: &RegisteredClient) {
    out.line("\nClient");
    out.line(format!(
        "   client_id                  {}",
        one_line(&client.client_id)
    ));
    if client.client_secret.is_some() || client.registration_access_token.is_some() {
        out.line(
            "   ! shown once, in clear: keep the secret and the token now, the server will not show them again",
        );
    }
    if let Some(secret) = &client.client_secret {
        out.line(format!("   client_secret              {secret}"));
    }
    if let Some(token) = &client.registration_access_token {
        out.line(format!("   registration_access_token  {token}"));
    }
    if let Some(uri) = &client.registration_client_uri {
        out.line(format!("   registration_client_uri    {}", one_line(uri)));
    }
    out.line("Metadata");
    let metadata = Value::Object(client.metadata.clone());
    for line in pretty_json(&metadata).lines() {
        out.line(format!("   {line}"));
    }
}
