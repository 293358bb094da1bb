//! The MCP flow in the app: from an MCP server's entry, the engine's one MCP flow
//! ([`crate::oauth::flow::mcp_prelude`]) runs its discovery and registration in the
//! background and comes back as visible steps, ready at the browser step; a client it
//! registered is kept on the entry (and so in the profile, per issuer) for the next run.
//! With DPoP on (`D` in Flow), the token is bound to the app's key and every MCP call
//! carries a proof of it (RFC 9449).

use std::time::Duration;

use crate::oauth::flow::Flow;
use crate::oauth::flow::mcp::{RegistrationMode, Spec};
use crate::oauth::flow::mcp_prelude::McpStart;
use crate::oauth::redirect::{LoopbackListener, is_loopback_redirect};
use crate::oauth::registration::RegisteredClient;
use crate::profile::{ClientProfile, ServerProfile};
use crate::terminal_text::one_line;
use crate::tui::model::{Field, FlowRun, FlowView, Form, FormPurpose, ServerEntry};
use crate::tui::work;

use super::App;
use super::flows::{credentials_of, follow_flow};

/// Where the built-in mock serves its demo MCP server, under its issuer: the app knows the
/// mock only by its URLs, as it would any server.
const MOCK_MCP_PATH: &str = "/mcp";

impl App {
    /// Starts the MCP flow of the selected entry: with the client chosen in Clients when
    /// there is one, else whatever registration the server allows.
    pub(super) fn start_mcp_flow(&mut self) {
        let Some(http) = self.http() else {
            return;
        };
        let Some(server) = self.selected_server() else {
            return;
        };
        let Some(server_url) = server.mcp_url.clone() else {
            return;
        };
        let client = server.active_client();
        // A client id that is a URL is the client's metadata document (Client ID Metadata
        // Documents §3): offered as such, for the server to take if it fetches them.
        let metadata_url = client
            .map(|c| c.client_id.clone())
            .filter(|id| is_metadata_url(id));
        let credentials = match client.filter(|_| metadata_url.is_none()) {
            Some(client) => match credentials_of(client) {
                Ok(credentials) => Some(credentials),
                Err(message) => return self.error(message),
            },
            None => None,
        };
        // A client registered for a loopback redirect comes back where it was registered to.
        let listen_at = client
            .filter(|_| metadata_url.is_none())
            .and_then(|c| c.redirect_uris.iter().find(|u| is_loopback_redirect(u)))
            .cloned();
        let start = McpStart {
            server_url: server_url.clone(),
            spec: server.mcp_spec,
            endpoints: server.endpoints.clone(),
            mode: RegistrationMode::Auto,
            reused: listen_at.is_some(),
            client: credentials,
            // The entry's clients are offered as its active client, chosen in Clients.
            saved: Vec::new(),
            kept_in: "the profile".into(),
            renew: "delete it in Clients to register a new one".into(),
            metadata_url,
            // The challenge's, else the resource's (MCP Scope Selection Strategy).
            scope: None,
            // The listener the background work binds decides it.
            redirect_uri: String::new(),
            cross_host: self
                .cross_host
                .get(&server.issuer)
                .cloned()
                .unwrap_or_default(),
            skew: Duration::from_secs(60),
            // `D` in Flow: the token bound to the key, every MCP call with a proof.
            dpop: self.dpop_key(),
        };
        self.flow_cancelled();
        self.flow_generation += 1;
        self.tasks.spawn(
            format!("finding {server_url}'s authorization"),
            work::prepare_mcp_flow(http, start, listen_at, self.flow_generation),
        );
    }

    /// The MCP flow is back from its discovery and registration: shown ready at its browser
    /// step, or at the step that failed; the client it registered kept for the next run.
    pub(super) fn mcp_flow_ready(
        &mut self,
        generation: u64,
        server_url: &str,
        flow: Flow,
        listener: Option<LoopbackListener>,
        registered: Option<RegisteredClient>,
    ) {
        if let Some(client) = registered
            && let Some(server) = self
                .servers
                .iter_mut()
                .find(|s| s.mcp_url.as_deref() == Some(server_url))
        {
            let kept = ClientProfile::registered(&client);
            server.active_client = Some(kept.client_id.clone());
            server.clients.retain(|c| c.client_id != kept.client_id);
            server.clients.push(kept);
            self.save_profile();
        }
        if generation != self.flow_generation {
            return;
        }
        match flow.failure().map(str::to_string) {
            Some(reason) => {
                self.show_mcp_flow(flow, None, generation);
                self.error(format!("the MCP flow stopped: {reason}"));
            }
            None => {
                self.show_mcp_flow(flow, listener, generation);
                self.info(
                    "found and registered: read the request, e edits it, enter sends it".into(),
                );
            }
        }
    }

    fn show_mcp_flow(&mut self, flow: Flow, listener: Option<LoopbackListener>, generation: u64) {
        let mut run = FlowRun::new(flow, generation);
        run.listener = listener;
        // The discovery's exchanges are before the flow came back: the steps carry theirs.
        run.log_start = self.exchanges.entries.len();
        follow_flow(&mut run);
        self.flow = FlowView::Running(Box::new(run));
    }

    /// `M` in Servers: the built-in mock's demo MCP server, on the mock as its
    /// authorization server, added for this session (the mock's port changes every run) and
    /// selected, so its MCP flow runs offline at once.
    pub(super) fn add_demo_mcp(&mut self) {
        let Some(mock) = self
            .servers
            .iter()
            .find(|s| s.built_in && s.mcp_url.is_none())
        else {
            return self.error("the built-in mock is not running in this session".into());
        };
        let url = format!("{}{MOCK_MCP_PATH}", mock.issuer);
        if let Some(index) = self
            .servers
            .iter()
            .position(|s| s.mcp_url.as_deref() == Some(url.as_str()))
        {
            self.server_cursor.index = index;
            return self.info(format!("{url} is listed already: selected"));
        }
        let mut entry = ServerEntry::from_profile(&ServerProfile {
            name: "Mock MCP server".into(),
            issuer: mock.issuer.clone(),
            mcp_url: Some(url.clone()),
            ..ServerProfile::default()
        });
        entry.built_in = true;
        let index = self.servers.len();
        self.servers.push(entry);
        self.server_cursor.index = index;
        self.info(format!(
            "added the mock's MCP server {url}: pick MCP authorization in Flow (3)"
        ));
        self.discover_at(index);
    }

    /// `V` in Servers: the next MCP revision for the selected MCP server's flow.
    pub(super) fn next_mcp_revision(&mut self) {
        let Some(server) = self
            .servers
            .get_mut(self.server_cursor.index)
            .filter(|s| s.mcp_url.is_some())
        else {
            return self.info("V chooses the MCP revision of an MCP server: select one".into());
        };
        let at = Spec::ALL
            .iter()
            .position(|s| *s == server.mcp_spec)
            .unwrap_or(0);
        server.mcp_spec = Spec::ALL[(at + 1) % Spec::ALL.len()];
        let (name, spec) = (server.name.clone(), server.mcp_spec);
        self.save_profile();
        self.info(format!(
            "{name}: the MCP flow follows the {} revision's rules",
            spec.as_str()
        ));
    }

    /// `T` after tools/list: the tool to call (the first listed, to start with) and its
    /// arguments as a JSON object.
    pub(super) fn pick_tool(&mut self) {
        let FlowView::Running(run) = &self.flow else {
            return self.info("run MCP authorization first: T calls a tool it listed".into());
        };
        let Some(tools) = run.flow.outcome().mcp_tools.clone() else {
            return self.info("T calls a tool once tools/list has listed them".into());
        };
        let first = tools.first().map(String::as_str).unwrap_or_default();
        let listed = one_line(&tools.join(", ")).into_owned();
        self.open_form(Form::new(
            FormPurpose::CallTool,
            "Call an MCP tool (tools/call with the token)",
            vec![
                Field::text("tool", &format!("Tool ({listed})"), first),
                Field::text("arguments", "Arguments (a JSON object)", "{}"),
            ],
        ));
    }

    /// The call asked for in the form becomes the flow's next step, ready to read and send.
    pub(super) fn call_tool(&mut self, form: &Form) -> Result<(), String> {
        let tool = form.value("tool");
        if tool.is_empty() {
            return Err("name the tool to call".into());
        }
        let arguments = match serde_json::from_str::<serde_json::Value>(&form.value("arguments")) {
            Ok(object @ serde_json::Value::Object(_)) => object,
            Ok(_) => return Err("the arguments must be a JSON object, {} for none".into()),
            Err(e) => return Err(format!("the arguments are not JSON: {e}")),
        };
        let FlowView::Running(run) = &mut self.flow else {
            return Err("no MCP flow is running".into());
        };
        if run.busy {
            return Err("a step is on its way: wait for it".into());
        }
        run.flow
            .call_tool(&tool, arguments)
            .map_err(|e| e.to_string())?;
        follow_flow(run);
        self.info(format!(
            "tools/call {}: read the request, enter sends it",
            one_line(&tool)
        ));
        Ok(())
    }
}

/// True for a client id that names a metadata document: an http(s) URL with a path.
fn is_metadata_url(client_id: &str) -> bool {
    url::Url::parse(client_id)
        .is_ok_and(|u| matches!(u.scheme(), "https" | "http") && u.path() != "/")
}
