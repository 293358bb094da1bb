//! The servers pane: choose a server, discover it in the background, add and remove saved
//! ones, mark the one `oauthscope mcp` uses by default.

use crate::oauth::discovery::Discovery;
use crate::profile::{ManualEndpoints, ServerProfile};
use crate::tui::action::Command;
use crate::tui::model::{Form, FormPurpose, ServerEntry, ServerState};
use crate::tui::widgets;
use crate::tui::work;
use crate::wire::ServerMetadata;

use super::App;

impl App {
    pub(super) fn servers_command(&mut self, command: Command) {
        match command {
            Command::Activate => self.discover_selected(),
            Command::New => self.open_form(Form::new(
                FormPurpose::AddServer,
                "Add a server by issuer URL (endpoints only for servers without discovery)",
                &[
                    ("Name", ""),
                    ("Issuer URL", "https://"),
                    ("authorization_endpoint (optional)", ""),
                    ("token_endpoint (optional)", ""),
                    ("jwks_uri (optional)", ""),
                ],
            )),
            Command::Delete => self.remove_server(),
            Command::MarkDefault => self.toggle_default_server(),
            other => self.not_here(other),
        }
    }

    /// Fetches the selected server's metadata in the background.
    pub(super) fn discover_selected(&mut self) {
        let Some(http) = self.http() else {
            return;
        };
        let Some(server) = self.servers.get_mut(self.server_cursor.index) else {
            return;
        };
        server.discovery = ServerState::Running;
        let issuer = server.issuer.clone();
        self.tasks.spawn(
            format!("discovering {issuer}"),
            work::discover(http, issuer),
        );
    }

    pub(super) fn discovered(&mut self, issuer: &str, result: Result<Box<Discovery>, String>) {
        let Some(server) = self.servers.iter_mut().find(|s| s.issuer == issuer) else {
            return;
        };
        server.discovery = match result {
            Ok(found) => {
                let raw = found
                    .exchanges
                    .iter()
                    .rev()
                    .find(|e| e.is_success())
                    .and_then(|e| e.response_body.as_deref())
                    .map(widgets::pretty_json)
                    .unwrap_or_default();
                ServerState::Done {
                    warnings: found.warnings.iter().map(|w| w.message.clone()).collect(),
                    metadata: Box::new(found.metadata),
                    raw,
                }
            }
            // No metadata, but the user typed the endpoints in: use those (GitHub, say).
            Err(reason) if !server.endpoints.is_empty() => {
                let manual = Discovery::manual(ServerMetadata {
                    issuer: server.issuer.clone(),
                    authorization_endpoint: server.endpoints.authorization_endpoint.clone(),
                    token_endpoint: server.endpoints.token_endpoint.clone(),
                    jwks_uri: server.endpoints.jwks_uri.clone(),
                    ..ServerMetadata::default()
                });
                let mut warnings = vec![format!(
                    "no discovery ({reason}): using the endpoints typed in"
                )];
                warnings.extend(manual.warnings.iter().map(|w| w.message.clone()));
                ServerState::Done {
                    raw: widgets::pretty_json(
                        &serde_json::to_string(&manual.metadata).unwrap_or_default(),
                    ),
                    metadata: Box::new(manual.metadata),
                    warnings,
                }
            }
            Err(reason) => ServerState::Failed(reason),
        };
        match &server.discovery {
            ServerState::Done { .. } => {
                let name = server.name.clone();
                self.success(format!("discovered {name}"));
            }
            ServerState::Failed(reason) => {
                let message = format!("discovery of {issuer} failed: {reason}");
                self.error(message);
            }
            _ => {}
        }
    }

    pub(super) fn add_server(&mut self, form: &Form) -> Result<(), String> {
        let (name, issuer) = (form.value(0), form.value(1));
        let endpoint = |index: usize| -> Result<Option<String>, String> {
            let value = form.value(index);
            if value.is_empty() {
                return Ok(None);
            }
            url::Url::parse(&value).map_err(|e| format!("`{value}` is not a URL: {e}"))?;
            Ok(Some(value))
        };
        let endpoints = ManualEndpoints {
            authorization_endpoint: endpoint(2)?,
            token_endpoint: endpoint(3)?,
            jwks_uri: endpoint(4)?,
        };
        let url = url::Url::parse(&issuer).map_err(|e| format!("`{issuer}` is not a URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(format!("`{issuer}` must be an http(s) URL with a host"));
        }
        let issuer = issuer.trim_end_matches('/').to_string();
        let name = if name.is_empty() {
            issuer.clone()
        } else {
            name
        };
        self.servers.push(ServerEntry::from_profile(&ServerProfile {
            name,
            issuer,
            endpoints,
            ..ServerProfile::default()
        }));
        self.server_cursor.bottom(self.servers.len());
        self.save_profile();
        self.discover_selected();
        Ok(())
    }

    fn remove_server(&mut self) {
        let index = self.server_cursor.index;
        match self.servers.get(index) {
            Some(server) if server.built_in => {
                self.error("the built-in mock cannot be removed".into());
            }
            Some(_) => {
                let removed = self.servers.remove(index);
                self.server_cursor.clamp(self.servers.len());
                self.info(format!("removed {}", removed.name));
                self.save_profile();
            }
            None => {}
        }
    }

    /// Makes the selected server the only one marked default, or unmarks it if it already was.
    fn toggle_default_server(&mut self) {
        let index = self.server_cursor.index;
        let (name, marked) = match self.servers.get(index) {
            Some(server) if server.built_in => {
                self.error(
                    "the built-in mock is not saved (its port changes every run): \
                     `oauthscope mcp --mock` starts its own"
                        .into(),
                );
                return;
            }
            Some(server) => (server.name.clone(), !server.default),
            None => return,
        };
        for (i, server) in self.servers.iter_mut().enumerate() {
            server.default = marked && i == index;
        }
        self.info(if marked {
            format!("{name} is the default server for `oauthscope mcp`")
        } else {
            format!("{name} is no longer the default server")
        });
        self.save_profile();
    }
}
