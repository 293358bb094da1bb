//! The clients pane: clients entered by hand, or registered (RFC 7591) and then read,
//! updated and deleted through their registration access token (RFC 7592).

use serde_json::Value;

use crate::oauth::flow::mcp;
use crate::oauth::registration::{self, ClientManagement, RegisteredClient};
use crate::oauth::send_policy::SendRule;
use crate::profile::ClientProfile;
use crate::tui::action::Command;
use crate::tui::model::{
    AfterConsent, ConfirmPrompt, Confirmed, Field, Form, FormPurpose, ManageClient as Manage,
    Overlay, ServerState,
};
use crate::tui::work;

use super::App;

/// The grants a registered client asks for: everything the explorer can run.
const GRANTS: [&str; 4] = [
    "authorization_code",
    "refresh_token",
    "client_credentials",
    crate::wire::DEVICE_CODE_GRANT,
];

impl App {
    pub(super) fn clients_command(&mut self, command: Command) {
        match command {
            Command::Activate => {
                let Some(server) = self.servers.get_mut(self.server_cursor.index) else {
                    return;
                };
                if let Some(id) = server.selected_client().map(|c| c.client_id.clone()) {
                    server.active_client = Some(id.clone());
                    self.success(format!("flows now use client {id}"));
                }
            }
            Command::Copy => {
                if let Some(secret) = self.selected_client().and_then(|c| c.client_secret.clone()) {
                    self.copy(secret, "client secret");
                }
            }
            Command::Edit => self.open_form(Form::new(
                FormPurpose::ClientByHand,
                "Enter a client by hand",
                vec![
                    Field::text("client_id", "client_id", ""),
                    Field::secret(
                        "client_secret",
                        "client_secret (empty for a public client)",
                        "",
                    ),
                    auth_method_field("client_secret_basic"),
                    Field::text("scope", "scope (empty: the server's usual scopes)", ""),
                ],
            )),
            Command::New => self.open_register_form(),
            Command::Read => self.manage_client(Manage::Read),
            Command::Refresh => self.open_update_form(),
            Command::Delete => self.ask_delete_client(),
            other => self.not_here(other),
        }
    }

    fn open_register_form(&mut self) {
        let Some(server) = self.selected_server() else {
            return self.info("choose a server first (1)".into());
        };
        if server
            .metadata()
            .is_some_and(|m| m.registration_endpoint.is_none())
        {
            return self.error(format!(
                "{} has no registration_endpoint: enter a client by hand with a",
                server.name
            ));
        }
        // A client for an MCP server is registered for the scope its challenge names too, so
        // that it may ask for it (RFC 7591 §2 `scope`).
        let usual = server
            .metadata()
            .map(|m| super::flows::default_scope(m).unwrap_or_default())
            .unwrap_or_default();
        let scope = match &server.mcp_scope {
            Some(needed) => mcp::step_up_scope(Some(&usual), needed),
            None => usual,
        };
        self.open_form(Form::new(
            FormPurpose::RegisterClient,
            "Register a client (RFC 7591)",
            vec![
                Field::text("client_name", "client_name", "oauthscope"),
                Field::text(
                    "redirect_uris",
                    "redirect_uris (space-separated)",
                    "http://127.0.0.1/callback",
                ),
                auth_method_field("client_secret_basic"),
                Field::text("scope", "scope", &scope),
            ],
        ));
    }

    pub(super) fn client_by_hand(&mut self, form: &Form) -> Result<(), String> {
        let client_id = form.value("client_id");
        if client_id.is_empty() {
            return Err("client_id is required".into());
        }
        let secret = Some(form.value("client_secret")).filter(|s| !s.is_empty());
        let method = form.value(AUTH_METHOD);
        if method != "none" && secret.is_none() {
            return Err(format!(
                "{method} needs a client_secret (or choose none for a public client, RFC 6749 §2.1)"
            ));
        }
        self.add_client(ClientProfile {
            client_id,
            client_secret: secret,
            auth_method: method,
            scope: Some(form.value("scope")).filter(|s| !s.is_empty()),
            ..ClientProfile::default()
        });
        Ok(())
    }

    pub(super) fn register_client(&mut self, form: &Form) -> Result<(), String> {
        let server = self.selected_server().ok_or("choose a server first")?;
        if matches!(server.discovery, ServerState::Running) {
            return Err(format!(
                "{} is being discovered: its registration_endpoint comes with the metadata; \
                 submit again when the status line says discovered",
                server.name
            ));
        }
        let endpoint = server
            .metadata()
            .and_then(|m| m.registration_endpoint.clone())
            .ok_or("discover the server first: its registration_endpoint is not known")?;
        let issuer = server.issuer.clone();
        let redirect_uris: Vec<String> = form
            .value("redirect_uris")
            .split_whitespace()
            .map(String::from)
            .collect();
        let method = form.value(AUTH_METHOD);
        let scope = form.value("scope");
        let grants: Vec<String> = GRANTS.iter().map(|g| g.to_string()).collect();
        let name = form.value("client_name");
        let metadata = registration::client_metadata(
            &redirect_uris,
            Some(method.as_str()).filter(|m| !m.is_empty()),
            Some(scope.as_str()).filter(|s| !s.is_empty()),
            &grants,
            Some(name.as_str()).filter(|n| !n.is_empty()),
        );
        let http = self.http().ok_or("no HTTP client")?;
        let consent = self.cross_host.get(&issuer).cloned().unwrap_or_default();
        self.tasks.spawn(
            "registering a client",
            work::register(http, issuer, consent, endpoint, metadata),
        );
        self.submitted_form = Some(form.clone());
        Ok(())
    }

    fn open_update_form(&mut self) {
        let Some(client) = self.selected_client() else {
            return self.info("select a client first".into());
        };
        if client.registration_client_uri.is_none() {
            return self
                .info("this client was not registered here: nothing to update (RFC 7592)".into());
        }
        // What the client has now: the user changes what they mean to, and nothing else.
        let form = Form::new(
            FormPurpose::UpdateClient,
            &format!("Update {} at the server (RFC 7592 §2.2)", client.client_id),
            vec![
                Field::text(
                    "client_name",
                    "client_name",
                    client.client_name.as_deref().unwrap_or_default(),
                ),
                auth_method_field(&client.auth_method),
                Field::text(
                    "scope",
                    "scope",
                    client.scope.as_deref().unwrap_or_default(),
                ),
            ],
        );
        self.open_form(form);
    }

    pub(super) fn update_client(&mut self, form: &Form) -> Result<(), String> {
        let mut changes = Vec::new();
        for name in ["client_name", AUTH_METHOD, "scope"] {
            let value = form.value(name);
            if !value.is_empty() {
                changes.push((name.to_string(), Value::String(value)));
            }
        }
        self.manage_client(Manage::Update(changes));
        self.submitted_form = Some(form.clone());
        Ok(())
    }

    /// `d`: says what it would do (delete at the server, or forget here) and waits for y.
    /// The built-in mock's demo clients are part of the demo: never deleted nor forgotten.
    fn ask_delete_client(&mut self) {
        let Some(server) = self.selected_server() else {
            return;
        };
        let Some(client) = server.selected_client() else {
            return self.info("select a client first".into());
        };
        let id = client.client_id.clone();
        // (One the server lets us manage may still be deleted there.)
        if server.built_in_clients.contains(&id) && !is_managed(client) {
            return self.info(format!(
                "{id} is a demo client of the built-in mock: it cannot be deleted or forgotten"
            ));
        }
        let (title, question) = if is_managed(client) {
            (
                " Delete the client at the server? ",
                format!(
                    "delete {id} at the server (RFC 7592 §2.3)? Its tokens stop working, and \
                     this cannot be undone. y/n"
                ),
            )
        } else {
            (
                " Forget the client? ",
                format!(
                    "forget {id} (only in this app: the server is not told, and you can enter \
                     it again with a)? y/n"
                ),
            )
        };
        let issuer = server.issuer.clone();
        self.ui.overlay = Some(Overlay::Confirm(ConfirmPrompt {
            title: title.into(),
            question,
            then: Confirmed::DeleteClient {
                issuer,
                client_id: id,
            },
        }));
    }

    /// Keys on a yes/no question: esc is no; enter decides nothing (y or n must be typed).
    pub(super) fn confirm_command(&mut self, command: Command) {
        match command {
            Command::Cancel => self.answer_confirm(false),
            Command::Quit => self.ui.quit = true,
            _ => {}
        }
    }

    pub(super) fn answer_confirm(&mut self, yes: bool) {
        let Some(Overlay::Confirm(prompt)) = self.ui.overlay.take() else {
            return;
        };
        let Confirmed::DeleteClient { issuer, client_id } = prompt.then;
        if !yes {
            return self.info(format!("kept {client_id}"));
        }
        // The question was about this client on this server: act only if it is still selected.
        let still_selected = self
            .selected_server()
            .filter(|s| s.issuer == issuer)
            .and_then(|s| s.selected_client())
            .is_some_and(|c| c.client_id == client_id);
        if still_selected {
            self.manage_client(Manage::Delete);
        }
    }

    pub(super) fn manage_client(&mut self, what: Manage) {
        let Some(server) = self.selected_server() else {
            return;
        };
        let issuer = server.issuer.clone();
        let Some(client) = server.selected_client().cloned() else {
            return self.info("select a client first".into());
        };
        let handle = match (
            &client.registration_client_uri,
            &client.registration_access_token,
        ) {
            (Some(uri), Some(token)) => ClientManagement {
                registration_client_uri: uri.clone(),
                registration_access_token: token.clone(),
            },
            _ if matches!(what, Manage::Delete) => {
                // A client entered by hand is only forgotten here, not deleted at the server.
                self.remove_client(&issuer, &client.client_id);
                return self.info(format!(
                    "forgot {} here (the server was not told)",
                    client.client_id
                ));
            }
            _ => {
                return self.info(
                    "this client has no registration access token: it cannot be managed (RFC 7592)"
                        .into(),
                );
            }
        };
        // The URI came from the server's registration response: another host is asked about
        // as a flow's endpoint is, once per server.
        let consent = self.cross_host.get(&issuer).cloned().unwrap_or_default();
        if let Some(refusal) = registration::management_refusal(&issuer, &handle, &consent)
            && refusal.rule == SendRule::CrossHost
        {
            return self.ask_cross_host(refusal, AfterConsent::ManageClient(what));
        }
        let Some(http) = self.http() else {
            return;
        };
        let id = client.client_id;
        match what {
            Manage::Read => {
                self.tasks.spawn(
                    format!("reading {id}"),
                    work::read_client(http, issuer, consent, id.clone(), handle),
                );
            }
            Manage::Update(changes) => {
                self.tasks.spawn(
                    format!("updating {id}"),
                    work::update_client(http, issuer, consent, id.clone(), handle, changes),
                );
            }
            Manage::Delete => {
                self.tasks.spawn(
                    format!("deleting {id}"),
                    work::delete_client(http, issuer, consent, id.clone(), handle),
                );
            }
        }
    }

    pub(super) fn registration_done(
        &mut self,
        issuer: &str,
        client_id: Option<String>,
        result: Result<Box<RegisteredClient>, String>,
    ) {
        let submitted = self.submitted_form.take();
        let registered = match result {
            Ok(registered) => registered,
            Err(message) => {
                // The form the server refused opens again as typed, with its answer.
                if let Some(form) = submitted
                    && self.ui.overlay.is_none()
                {
                    self.open_form(Form {
                        error: Some(message.clone()),
                        ..form
                    });
                }
                return self.error(message);
            }
        };
        let profile = profile_of(&registered);
        // What the server sent mistyped (the client is kept): said with the result.
        let warned = match registered.warnings.as_slice() {
            [] => String::new(),
            [one] => format!(" · ! {}", one.message),
            [first, rest @ ..] => format!(" · ! {} (+{} more)", first.message, rest.len()),
        };
        let Some(server) = self.servers.iter_mut().find(|s| s.issuer == issuer) else {
            return;
        };
        match client_id.and_then(|id| server.clients.iter_mut().find(|c| c.client_id == id)) {
            Some(existing) => {
                // Read and update answers may omit the secret and token (RFC 7592 §3): keep ours.
                existing.scope = profile.scope.or(existing.scope.take());
                existing.client_name = profile.client_name.or(existing.client_name.take());
                existing.auth_method = profile.auth_method;
                if profile.client_secret.is_some() {
                    existing.client_secret = profile.client_secret;
                }
                if profile.registration_access_token.is_some() {
                    existing.registration_access_token = profile.registration_access_token;
                }
                let id = existing.client_id.clone();
                self.success(format!(
                    "{id}: the server's copy is shown (see Exchanges for the JSON){warned}"
                ));
                self.save_profile();
            }
            None => {
                let id = profile.client_id.clone();
                self.add_client(profile);
                self.success(format!("registered {id}{warned}"));
            }
        }
    }

    pub(super) fn client_deleted(
        &mut self,
        issuer: &str,
        client_id: &str,
        result: Result<(), String>,
    ) {
        match result {
            Ok(()) => {
                self.remove_client(issuer, client_id);
                self.success(format!("deleted {client_id} at the server"));
            }
            Err(message) => self.error(message),
        }
    }

    fn add_client(&mut self, client: ClientProfile) {
        let Some(server) = self.servers.get_mut(self.server_cursor.index) else {
            return;
        };
        server.clients.retain(|c| c.client_id != client.client_id);
        server.clients.push(client);
        server.client_cursor.bottom(server.clients.len());
        self.save_profile();
    }

    fn remove_client(&mut self, issuer: &str, client_id: &str) {
        if let Some(server) = self.servers.iter_mut().find(|s| s.issuer == issuer) {
            server.clients.retain(|c| c.client_id != client_id);
            server.client_cursor.clamp(server.clients.len());
        }
        self.save_profile();
    }
}

/// The form field of a client's token endpoint authentication method (RFC 7591 §2).
const AUTH_METHOD: &str = "token_endpoint_auth_method";

/// The methods the explorer can authenticate with, in the picker's order.
const AUTH_METHODS: &[&str] = &[
    "none",
    "client_secret_basic",
    "client_secret_post",
    "client_secret_jwt",
    "private_key_jwt",
];

fn auth_method_field(current: &str) -> Field {
    Field::choice(
        AUTH_METHOD,
        "token_endpoint_auth_method (RFC 7591 §2)",
        AUTH_METHODS,
        current,
    )
}

/// A client that can be read, updated and deleted at the server (RFC 7592): it has both its
/// registration client URI and its registration access token.
fn is_managed(client: &ClientProfile) -> bool {
    client.registration_client_uri.is_some() && client.registration_access_token.is_some()
}

fn profile_of(client: &RegisteredClient) -> ClientProfile {
    ClientProfile::registered(client)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::client_auth::AuthMethod;

    #[test]
    fn every_method_in_the_picker_is_one_the_engine_knows() {
        for method in AUTH_METHODS {
            let parsed: AuthMethod = method.parse().expect("a known method");
            assert_eq!(parsed.as_str(), *method);
        }
    }
}
