//! The servers pane: choose a server, discover it in the background, add, edit and remove
//! saved ones (with endpoints given by hand over discovery), mark the one `oauthscope mcp`
//! uses by default.

use crate::oauth::discovery::{Discovery, ENDPOINT_FLAGS};
use crate::profile::{Endpoints, ServerProfile};
use crate::tui::action::Command;
use crate::tui::model::{Field, Form, FormPurpose, ServerEntry, ServerState, pretty_json};
use crate::tui::outcome::McpResource;
use crate::tui::work;

use super::App;

impl App {
    pub(super) fn servers_command(&mut self, command: Command) {
        match command {
            Command::Activate => self.select_and_discover(),
            Command::New => self.open_form(Form::new(
                FormPurpose::AddServer,
                "Add a server by issuer URL or MCP server URL (endpoints only for servers without discovery)",
                vec![
                    Field::text("name", "Name", ""),
                    Field::text("issuer", "Issuer or MCP server URL", "https://"),
                    Field::text(
                        "authorization_endpoint",
                        "authorization_endpoint (optional)",
                        "",
                    ),
                    Field::text("token_endpoint", "token_endpoint (optional)", ""),
                    Field::text("jwks_uri", "jwks_uri (optional)", ""),
                ],
            )),
            Command::Edit => self.open_server_editor(),
            Command::Delete => self.remove_server(),
            Command::MarkDefault => self.toggle_default_server(),
            Command::MockPanel => self.open_mock_panel(),
            Command::AddDemoMcp => self.add_demo_mcp(),
            Command::NextMcpRevision => self.next_mcp_revision(),
            other => self.not_here(other),
        }
    }

    /// Enter on a server: discovers it, unless its discovery is under way already (the app
    /// starts one for the server it opens on): that one is waited for, not run twice.
    fn select_and_discover(&mut self) {
        match self.selected_server() {
            Some(server) if matches!(server.discovery, ServerState::Running) => {
                let name = server.name.clone();
                self.info(format!(
                    "discovering {name} already: its metadata shows here when it comes"
                ));
            }
            _ => self.discover_selected(),
        }
    }

    /// Fetches the selected server's metadata in the background.
    pub(super) fn discover_selected(&mut self) {
        self.discover_at(self.server_cursor.index);
    }

    pub(super) fn discover_at(&mut self, index: usize) {
        let Some(http) = self.http() else {
            return;
        };
        let Some(server) = self.servers.get_mut(index) else {
            return;
        };
        server.discovery = ServerState::Running;
        let issuer = server.issuer.clone();
        let given = server.endpoints.clone();
        let what = format!("discovering {issuer}");
        if server.mcp_url.is_some() {
            let spec = server.mcp_spec;
            self.tasks
                .spawn(what, work::discover_for_mcp(http, issuer, given, spec));
        } else {
            self.tasks.spawn(what, work::discover(http, issuer, given));
        }
    }

    pub(super) fn discovered(&mut self, issuer: &str, result: Result<Box<Discovery>, String>) {
        // An MCP server's entry can share its authorization server with another entry (the
        // built-in mock's demo resource does): every entry of the issuer gets the metadata.
        let mut entries = self.servers.iter_mut().filter(|s| s.issuer == issuer);
        let Some(server) = entries.next() else {
            return;
        };
        server.discovery = match result {
            Ok(found) => {
                // The document as sent (the last one read); typed-in endpoints alone have none.
                let raw = found
                    .exchanges
                    .iter()
                    .rev()
                    .find(|e| e.is_success())
                    .and_then(|e| e.response_body.clone())
                    .unwrap_or_else(|| serde_json::to_string(&found.metadata).unwrap_or_default());
                ServerState::Done {
                    warnings: found.warnings.iter().map(|w| w.message.clone()).collect(),
                    raw: pretty_json(&raw),
                    metadata: Box::new(found.metadata),
                    sources: found.sources,
                }
            }
            Err(reason) => ServerState::Failed(reason),
        };
        let state = server.discovery.clone();
        for other in entries {
            other.discovery = state.clone();
        }
        match &state {
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
        let (name, issuer) = (form.value("name"), form.value("issuer"));
        let endpoint = |name: &str| -> Result<Option<String>, String> {
            let value = form.value(name);
            if value.is_empty() {
                return Ok(None);
            }
            url::Url::parse(&value).map_err(|e| format!("`{value}` is not a URL: {e}"))?;
            Ok(Some(value))
        };
        let endpoints = Endpoints {
            authorization_endpoint: endpoint("authorization_endpoint")?,
            token_endpoint: endpoint("token_endpoint")?,
            jwks_uri: endpoint("jwks_uri")?,
            ..Endpoints::default()
        };
        let issuer = checked_issuer(&issuer)?;
        let name = if name.is_empty() {
            issuer.clone()
        } else {
            name
        };
        // Endpoints typed in describe an authorization server; a bare URL may be either.
        let by_hand = !endpoints.is_empty();
        self.servers.push(ServerEntry::from_profile(&ServerProfile {
            name,
            issuer: issuer.clone(),
            endpoints,
            ..ServerProfile::default()
        }));
        self.server_cursor.bottom(self.servers.len());
        self.save_profile();
        if by_hand {
            self.discover_selected();
        } else {
            self.identify_selected(issuer);
        }
        Ok(())
    }

    /// Finds out in the background whether the URL just added is an issuer or an MCP server.
    fn identify_selected(&mut self, url: String) {
        let Some(http) = self.http() else {
            return;
        };
        if let Some(server) = self.servers.get_mut(self.server_cursor.index) {
            server.discovery = ServerState::Running;
        }
        self.tasks
            .spawn(format!("identifying {url}"), work::identify(http, url));
    }

    /// The URL added answered as an MCP server: the entry becomes that server, on the
    /// authorization server its metadata names, which is discovered next.
    pub(super) fn mcp_found(&mut self, server_url: &str, result: Result<McpResource, String>) {
        let Some(index) = self
            .servers
            .iter()
            .position(|s| !s.built_in && s.mcp_url.is_none() && s.issuer == server_url)
        else {
            return;
        };
        let server = &mut self.servers[index];
        match result {
            Ok(McpResource {
                issuer,
                scope,
                checks,
            }) => {
                server.mcp_url = Some(server_url.to_string());
                server.issuer = issuer.clone();
                server.mcp_checks = checks;
                server.mcp_scope = scope;
                self.info(format!(
                    "{server_url} is an MCP server; its authorization server is {issuer} \
                     (RFC 9728 protected resource metadata)"
                ));
                self.save_profile();
                self.discover_at(index);
            }
            Err(reason) => {
                let message = format!("{server_url} answers as an MCP server, but: {reason}");
                server.discovery = ServerState::Failed(message.clone());
                self.error(message);
            }
        }
    }

    /// Opens the selected saved server in an editor, one `member = value` line each for its
    /// name, issuer and every endpoint, filled with what it has now.
    fn open_server_editor(&mut self) {
        let Some(server) = self.selected_server() else {
            return self.info("add a server first (n)".into());
        };
        if server.built_in {
            return self.error("the built-in mock is not saved: its endpoints are its own".into());
        }
        let mut text = format!("name = {}\nissuer = {}\n", server.name, server.issuer);
        for (member, value) in server.endpoints.fields() {
            text.push_str(&format!("{member} = {}\n", value.as_deref().unwrap_or("")));
        }
        self.open_form(Form::editor(
            FormPurpose::EditServer,
            "Edit the server · endpoints given here override discovery · ctrl-s keeps · esc discards",
            "member = value (leave a value empty to use discovery)",
            &text,
        ));
    }

    /// Applies the edited lines to the selected server, saves the profile and discovers the
    /// server again with its new endpoints.
    pub(super) fn edit_server(&mut self, text: &str) -> Result<(), String> {
        let (name, issuer, endpoints) = parse_server_text(text)?;
        let index = self.server_cursor.index;
        let server = self
            .servers
            .get_mut(index)
            .filter(|s| !s.built_in)
            .ok_or("no saved server is selected")?;
        server.name = if name.is_empty() {
            issuer.clone()
        } else {
            name
        };
        server.issuer = issuer;
        server.endpoints = endpoints;
        server.discovery = ServerState::NotRun;
        let name = server.name.clone();
        self.save_profile();
        self.info(format!("{name} saved"));
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

/// An issuer as typed: an http(s) URL with a host, kept without a trailing slash.
fn checked_issuer(issuer: &str) -> Result<String, String> {
    let url = url::Url::parse(issuer).map_err(|e| format!("`{issuer}` is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("`{issuer}` must be an http(s) URL with a host"));
    }
    Ok(issuer.trim_end_matches('/').to_string())
}

/// Reads the server editor's `member = value` lines: name, issuer and the endpoints. A member
/// left out or left empty is not given; an unknown one is an error that names it.
fn parse_server_text(text: &str) -> Result<(String, String, Endpoints), String> {
    let mut name = String::new();
    let mut issuer = None;
    let mut given = serde_json::Map::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (member, value) = line
            .split_once('=')
            .ok_or_else(|| format!("line {}: expected `member = value`", number + 1))?;
        let (member, value) = (member.trim(), value.trim());
        match member {
            "name" => name = value.to_string(),
            "issuer" => issuer = Some(checked_issuer(value)?),
            _ if ENDPOINT_FLAGS.iter().any(|(known, _)| *known == member) => {
                if !value.is_empty() {
                    given.insert(member.to_string(), value.into());
                }
            }
            _ => return Err(format!("line {}: unknown member `{member}`", number + 1)),
        }
    }
    let issuer = issuer.ok_or("the issuer line is missing")?;
    let endpoints: Endpoints =
        serde_json::from_value(serde_json::Value::Object(given)).map_err(|e| e.to_string())?;
    endpoints.check().map_err(|e| e.to_string())?;
    Ok((name, issuer, endpoints))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_editor_text_gives_every_endpoint_and_names_what_is_wrong() {
        let (name, issuer, endpoints) = parse_server_text(
            "name = Django\nissuer = https://as.example/\n\
             userinfo_endpoint = https://as.example/userinfo\n\
             pushed_authorization_request_endpoint = https://as.example/par\ntoken_endpoint =\n",
        )
        .unwrap();
        assert_eq!(
            (name.as_str(), issuer.as_str()),
            ("Django", "https://as.example")
        );
        assert_eq!(
            endpoints.userinfo_endpoint.as_deref(),
            Some("https://as.example/userinfo")
        );
        assert!(endpoints.pushed_authorization_request_endpoint.is_some());
        assert!(endpoints.token_endpoint.is_none());
        let err = parse_server_text("issuer = https://a\nuserinfo = https://a/u").unwrap_err();
        assert!(err.contains("unknown member `userinfo`"), "{err}");
        let err = parse_server_text("issuer = https://a\njwks_uri = nope").unwrap_err();
        assert!(err.contains("jwks_uri"), "{err}");
        assert!(
            parse_server_text("name = x")
                .unwrap_err()
                .contains("issuer")
        );
    }

    /// Enter right after start waits on the discovery the app started instead of running
    /// a second one, and a registration meanwhile says the discovery is under way.
    #[test]
    fn enter_during_the_first_discovery_reuses_it_and_registering_waits_for_it() {
        use crate::tui::action::Action;
        use crate::tui::app::Settings;
        use crate::tui::effect::Effect;
        use crate::tui::model::Overlay;

        let (mut app, _) = App::new(Settings {
            built_in: Some(("http://127.0.0.1:9".into(), Vec::new())),
            ..Settings::in_memory()
        });
        let spawns = |effects: &[Effect]| {
            effects
                .iter()
                .filter(|e| matches!(e, Effect::Spawn { .. }))
                .count()
        };
        assert_eq!(spawns(&app.start()), 1, "the discovery at start");
        app.update(Action::Run(Command::FocusServers));
        let effects = app.update(Action::Run(Command::Activate));
        assert_eq!(spawns(&effects), 0, "no second discovery");
        let status = app.ui.status.clone().unwrap().text;
        assert!(
            status.contains("discovering Built-in mock already"),
            "{status}"
        );
        assert!(matches!(app.servers[0].discovery, ServerState::Running));

        app.update(Action::Run(Command::FocusClients));
        app.update(Action::Run(Command::New));
        app.update(Action::Run(Command::Activate));
        let Some(Overlay::Form(form)) = &app.ui.overlay else {
            panic!("the registration form stays open");
        };
        let error = form.error.clone().unwrap_or_default();
        assert!(error.contains("is being discovered"), "{error}");
    }
}
