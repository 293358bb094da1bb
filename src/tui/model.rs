//! The things the app shows: servers with their clients, the flow being run, the exchange
//! log and the tokens. Plain data; the panes render it and `App::update` changes it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::SystemTime;

use ratatui_textarea::{CursorMove, TextArea};

use crate::oauth::discovery::MetadataSource;
use crate::oauth::flow::mcp::Spec;
use crate::oauth::flow::refresh::Rotation;
use crate::oauth::flow::tokens::{ClaimChange, DecodedToken};
use crate::oauth::flow::{Flow, FlowKind};
use crate::oauth::jwt::Check;
use crate::oauth::redirect::LoopbackListener;
use crate::oauth::secret::Secret;
use crate::oauth::{Exchange, Step};
use crate::wire::ServerMetadata;

use super::diagram::{Diagram, DiagramCache, DiagramState};
use super::sign_in::Page;
use crate::profile::{ClientProfile, Endpoints, ServerProfile};

/// A list position that stays inside the list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    pub index: usize,
}

impl Cursor {
    pub fn up(&mut self) {
        self.index = self.index.saturating_sub(1);
    }
    pub fn down(&mut self, len: usize) {
        if self.index + 1 < len {
            self.index += 1;
        }
    }
    pub fn top(&mut self) {
        self.index = 0;
    }
    pub fn bottom(&mut self, len: usize) {
        self.index = len.saturating_sub(1);
    }
    pub fn clamp(&mut self, len: usize) {
        self.index = self.index.min(len.saturating_sub(1));
    }
}

/// What discovery found out about a server.
#[derive(Debug, Clone)]
pub enum ServerState {
    NotRun,
    Running,
    Done {
        metadata: Box<ServerMetadata>,
        /// Where each metadata member came from (RFC 8414, OpenID Connect, typed in).
        sources: BTreeMap<String, MetadataSource>,
        /// The document as the server sent it, pretty-printed.
        raw: String,
        warnings: Vec<String>,
    },
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct ServerEntry {
    pub name: String,
    pub issuer: String,
    /// The mock started by this process: not saved (its port changes every run).
    pub built_in: bool,
    /// Marked as the server the MCP tools use when a call names no issuer.
    pub default: bool,
    pub endpoints: Endpoints,
    pub discovery: ServerState,
    pub clients: Vec<ClientProfile>,
    pub client_cursor: Cursor,
    /// The client the flows run as (by client_id); `None` is the first one. Only `enter`
    /// in Clients changes it: moving the cursor just selects.
    pub active_client: Option<String>,
    /// The clients the built-in mock was started with: part of the demo, never deleted.
    pub built_in_clients: Vec<String>,
    /// The MCP server this entry was added by (its authorization server is `issuer`).
    pub mcp_url: Option<String>,
    /// The RFC 9728 checks of its protected resource metadata, when it was added this run.
    pub mcp_checks: Vec<Check>,
    /// The scope its challenge or metadata asks for, when it was added this run.
    pub mcp_scope: Option<String>,
    /// The MCP revision whose authorization rules its flow follows (newest by default).
    pub mcp_spec: Spec,
}

impl ServerEntry {
    pub fn from_profile(profile: &ServerProfile) -> ServerEntry {
        ServerEntry {
            name: profile.name.clone(),
            issuer: profile.issuer.clone(),
            built_in: false,
            default: profile.default,
            endpoints: profile.endpoints.clone(),
            discovery: ServerState::NotRun,
            clients: profile.clients.clone(),
            client_cursor: Cursor::default(),
            active_client: None,
            built_in_clients: Vec::new(),
            mcp_url: profile.mcp_url.clone(),
            mcp_checks: Vec::new(),
            mcp_scope: None,
            mcp_spec: profile.mcp_spec.unwrap_or_default(),
        }
    }

    pub fn to_profile(&self) -> ServerProfile {
        ServerProfile {
            name: self.name.clone(),
            issuer: self.issuer.clone(),
            default: self.default,
            endpoints: self.endpoints.clone(),
            clients: self.clients.clone(),
            mcp_url: self.mcp_url.clone(),
            mcp_spec: Some(self.mcp_spec).filter(|spec| *spec != Spec::default()),
        }
    }

    pub fn metadata(&self) -> Option<&ServerMetadata> {
        match &self.discovery {
            ServerState::Done { metadata, .. } => Some(metadata),
            _ => None,
        }
    }

    /// The client under the cursor in Clients.
    pub fn selected_client(&self) -> Option<&ClientProfile> {
        self.clients.get(self.client_cursor.index)
    }

    /// The client the flows run as.
    pub fn active_client(&self) -> Option<&ClientProfile> {
        self.active_client
            .as_ref()
            .and_then(|id| self.clients.iter().find(|c| &c.client_id == id))
            .or_else(|| self.clients.first())
    }
}

/// The flows a user can pick, in the order the picker lists them.
pub const FLOWS: [FlowKind; 10] = [
    FlowKind::AuthorizationCode,
    FlowKind::Par,
    FlowKind::Device,
    FlowKind::ClientCredentials,
    FlowKind::Refresh,
    FlowKind::Introspect,
    FlowKind::Revoke,
    FlowKind::Userinfo,
    FlowKind::TokenExchange,
    FlowKind::JwtBearer,
];

pub fn flow_title(kind: FlowKind) -> &'static str {
    match kind {
        FlowKind::AuthorizationCode => "Authorization code + PKCE",
        FlowKind::Par => "Pushed authorization request (PAR)",
        FlowKind::Device => "Device authorization",
        FlowKind::ClientCredentials => "Client credentials",
        FlowKind::JwtBearer => "JWT bearer grant",
        FlowKind::Refresh => "Refresh",
        FlowKind::Introspect => "Introspection",
        FlowKind::Revoke => "Revocation",
        FlowKind::Userinfo => "UserInfo",
        FlowKind::TokenExchange => "Token exchange",
    }
}

pub fn flow_summary(kind: FlowKind) -> &'static str {
    match kind {
        FlowKind::AuthorizationCode => {
            "a user signs in; the app gets tokens (RFC 6749 §4.1, RFC 7636)"
        }
        FlowKind::Par => "the same, with the request pushed first (RFC 9126)",
        FlowKind::Device => "sign in on another device with a code (RFC 8628)",
        FlowKind::ClientCredentials => "a machine gets a token for itself (RFC 6749 §4.4)",
        FlowKind::JwtBearer => "a trusted issuer's JWT traded for a token (RFC 7523 §2.1)",
        FlowKind::Refresh => "new tokens from the selected refresh token (RFC 6749 §6)",
        FlowKind::Introspect => "is the selected token active? (RFC 7662)",
        FlowKind::Revoke => "tell the server to forget the selected token (RFC 7009)",
        FlowKind::Userinfo => "the user's claims, with the selected access token (OIDC Core §5.3)",
        FlowKind::TokenExchange => "trade the selected access token for another (RFC 8693)",
    }
}

/// The flow pane: a picker, or a flow under way.
pub enum FlowView {
    Picking(Cursor),
    Running(Box<FlowRun>),
}

pub struct FlowRun {
    pub flow: Flow,
    pub cursor: Cursor,
    /// Bumped for each new flow, so results for a flow the user left are dropped.
    pub generation: u64,
    /// A request is in flight; Enter waits.
    pub busy: bool,
    /// What the flow waits for outside the app, with a deadline for the countdown.
    pub waiting: Option<Waiting>,
    /// The loopback listener for the redirect, until the browser step starts waiting on it.
    pub listener: Option<LoopbackListener>,
    /// The tokens pane entries this flow added, updated when verification comes in.
    pub token_group: Option<usize>,
    /// The user approved or denied the device code in the terminal: only the poll is left.
    pub device_answered: bool,
    /// The last step sent again, with the exchange it had before, to compare the answers.
    pub resent: Option<Resent>,
    /// What the server said about the token this flow sent is in the tokens pane.
    pub token_state_taken: bool,
    /// Where this flow's exchanges start in the session's log.
    pub log_start: usize,
    /// The sequence diagram in place of the steps (`d`), with its selection.
    pub diagram: Option<DiagramState>,
    diagram_cache: DiagramCache,
}

/// A step sent once more: which one, and its exchange before this send.
#[derive(Clone)]
pub struct Resent {
    pub step: usize,
    pub before: Exchange,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Waiting {
    /// The browser: the loopback listener on `port` waits until `deadline`.
    Redirect {
        port: Option<u16>,
        deadline: SystemTime,
        task: Option<u64>,
    },
    /// The device flow polls again at `next_poll`.
    Poll { next_poll: SystemTime },
}

impl FlowRun {
    pub fn new(flow: Flow, generation: u64) -> FlowRun {
        FlowRun {
            cursor: Cursor {
                index: flow.current().unwrap_or(0),
            },
            flow,
            generation,
            busy: false,
            waiting: None,
            listener: None,
            token_group: None,
            device_answered: false,
            resent: None,
            token_state_taken: false,
            log_start: 0,
            diagram: None,
            diagram_cache: DiagramCache::default(),
        }
    }

    pub fn steps(&self) -> &[Step] {
        self.flow.steps()
    }

    pub fn selected_step(&self) -> Option<&Step> {
        self.flow.steps().get(self.cursor.index)
    }

    /// The sequence diagram of this flow, from its steps and the session's `log`.
    pub fn sequence(&self, log: &[Exchange]) -> Arc<Diagram> {
        let log = log.get(self.log_start..).unwrap_or_default();
        self.diagram_cache.get(self.steps(), log)
    }
}

/// Which token a response carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Id,
    Refresh,
    Pasted,
}

impl TokenKind {
    pub fn label(self) -> &'static str {
        match self {
            TokenKind::Access => "access",
            TokenKind::Id => "id",
            TokenKind::Refresh => "refresh",
            TokenKind::Pasted => "pasted",
        }
    }
}

#[derive(Debug, Clone)]
pub struct TokenEntry {
    pub kind: TokenKind,
    pub value: Secret,
    /// Which flow (or paste) it came from.
    pub source: String,
    pub obtained_at: SystemTime,
    /// From `expires_in` of the token response, or the JWT's `exp`.
    pub expires_at: Option<SystemTime>,
    /// Header and claims when it is a JWT, with the verification once it ran.
    pub decoded: Option<DecodedToken>,
    /// What the refresh it came from rotated and changed (RFC 6749 §6, RFC 9700 §4.14.2).
    pub rotation: Option<Rotation>,
    /// The token response it came in (index into the app's responses), to refresh from.
    pub response: Option<usize>,
    /// The grant it descends from (the response of the first grant, kept through refreshes):
    /// a server that sees a rotated-out refresh token reused revokes the whole family.
    pub family: Option<usize>,
    /// What the server last said about it, and when.
    pub server: Option<Learnt>,
}

impl TokenEntry {
    /// The claims that differ from the token of the same kind it replaced, old → new.
    pub fn claim_changes(&self) -> &[ClaimChange] {
        match (&self.rotation, self.kind) {
            (Some(rotation), TokenKind::Access) => &rotation.access_token_changes,
            (Some(rotation), TokenKind::Id) => &rotation.id_token_changes,
            _ => &[],
        }
    }

    /// Where the token stands now: a dead state the server reported wins, then expiry by
    /// the clock, then the server's "active". `None` when nothing is known beyond its claims.
    pub fn standing(&self, now: SystemTime) -> Option<Learnt> {
        match (self.server, self.expires_at) {
            (Some(said), _) if said.state.is_dead() => Some(said),
            (_, Some(at)) if at <= now => Some(Learnt {
                state: TokenState::Expired,
                at,
            }),
            (said, _) => said,
        }
    }
}

/// A state of a token at the server, as the app learnt it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    /// Introspection answered `"active": true`.
    Active,
    /// Introspection answered `"active": false`.
    Inactive,
    /// A revocation of it succeeded.
    Revoked,
    /// A refresh with it returned a new refresh token: it is retired.
    RotatedOut,
    /// A rotated-out refresh token of its grant was presented again and refused: the server
    /// revokes every token of the grant.
    FamilyRevoked,
    /// A refresh with it was answered `invalid_grant`.
    Refused,
    /// Its expiry has passed.
    Expired,
}

impl TokenState {
    pub fn word(self) -> &'static str {
        match self {
            TokenState::Active => "active",
            TokenState::Inactive => "inactive",
            TokenState::Revoked => "revoked",
            TokenState::RotatedOut => "rotated out",
            TokenState::FamilyRevoked => "family revoked",
            TokenState::Refused => "refused",
            TokenState::Expired => "expired",
        }
    }

    /// How it was learnt, with the rule behind it.
    pub fn how(self) -> &'static str {
        match self {
            TokenState::Active | TokenState::Inactive => "by introspection, RFC 7662",
            TokenState::Revoked => "by revocation, RFC 7009",
            TokenState::RotatedOut => "a refresh returned a new refresh token, RFC 9700 §4.14.2",
            TokenState::FamilyRevoked => {
                "invalid_grant to a reused refresh token: the grant's tokens are revoked, \
                 RFC 9700 §4.14.2"
            }
            TokenState::Refused => "a refresh with it got invalid_grant, RFC 6749 §5.2",
            TokenState::Expired => "by the clock",
        }
    }

    /// True when the server will not accept the token any more.
    pub fn is_dead(self) -> bool {
        self != TokenState::Active
    }
}

/// A token state and when it was learnt (for `Expired`, when the token expired).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Learnt {
    pub state: TokenState,
    pub at: SystemTime,
}

/// What has the keyboard besides the panes.
pub enum Overlay {
    Help,
    Form(Form),
    SignIn(SignIn),
    CrossHost(CrossHostPrompt),
    Confirm(ConfirmPrompt),
    Search(SearchPrompt),
    Explain(ExplainList),
}

/// `x`: the names in view (a step's parameters and response fields, an exchange's, a
/// token's claims), and the catalogue's entry for the one under the cursor.
pub struct ExplainList {
    /// What the names were read from, for the title.
    pub source: String,
    pub names: Vec<(String, crate::explain::Context)>,
    pub cursor: Cursor,
    /// The decoded error code of the answer in view, shown with its `error` field.
    pub error: Option<&'static crate::explain::ErrorEntry>,
}

/// `/` in a list: the one-line prompt and what the search started from.
pub struct SearchPrompt {
    /// The list searched: Exchanges, Tokens or Clients.
    pub pane: super::layout::Pane,
    pub query: String,
    /// Where the cursor was, to go back to when the search is left with esc.
    pub origin: usize,
    /// Matches of the query so far, to show their count.
    pub matches: usize,
}

/// "Delete this client?": asked before a key that cannot be undone acts. y does it, n or
/// esc keeps everything as it is.
pub struct ConfirmPrompt {
    pub title: String,
    /// What a yes does, in words.
    pub question: String,
    pub then: Confirmed,
}

/// What waits on a yes.
pub enum Confirmed {
    /// Delete the client at the server (RFC 7592 §2.3), or forget one entered by hand.
    DeleteClient { issuer: String, client_id: String },
}

/// "Send credentials to this other host?": asked once per server and host, before a step
/// whose endpoint is not on the issuer's host goes out (RFC 9700 §4.4). y sends, n or esc
/// keeps the request unsent.
pub struct CrossHostPrompt {
    pub issuer: String,
    pub host: String,
    /// What is asked, in words: the endpoint, its URL and the issuer.
    pub question: String,
    /// What a yes sends.
    pub then: AfterConsent,
}

/// The request waiting on the cross-host question.
pub enum AfterConsent {
    /// The running flow's current step.
    FlowStep,
    /// A read, update or delete of the selected registered client (RFC 7592).
    ManageClient(ManageClient),
}

/// What is done to a registered client through its registration access token (RFC 7592).
pub enum ManageClient {
    Read,
    /// The metadata members to set.
    Update(Vec<(String, serde_json::Value)>),
    Delete,
}

/// The in-terminal sign-in on the built-in mock, standing in for a browser.
pub struct SignIn {
    /// For the device flow the sign-in ends on a "return to your device" page, not a redirect.
    pub device: bool,
    pub stage: SignInStage,
    pub error: Option<String>,
}

impl SignIn {
    /// The keys that work at this stage, for the dialog and the footer alike.
    pub fn keys(&self) -> &'static [(&'static str, &'static str)] {
        match self.stage {
            SignInStage::Loading(_) => super::sign_in::LOADING_KEYS,
            SignInStage::PickUser { .. } => super::sign_in::PICK_USER_KEYS,
            SignInStage::Consent { .. } => super::sign_in::CONSENT_KEYS,
        }
    }
}

pub enum SignInStage {
    /// A page is being fetched or a form posted.
    Loading(String),
    PickUser {
        page: Page,
        cursor: Cursor,
    },
    Consent {
        page: Page,
    },
}

/// What a submitted form does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormPurpose {
    AddServer,
    EditServer,
    PasteToken,
    PasteRedirect,
    EditRequest,
    ClientByHand,
    RegisterClient,
    UpdateClient,
    /// One of the Mock panel's actions.
    Mock(MockForm),
    CallTool,
    /// The `authorization_details` of the code and PAR flows (RFC 9396).
    RichAuthorization,
    /// The assertion of the JWT bearer grant, given or built (RFC 7523 §2.1).
    JwtBearer,
}

/// The Mock panel's forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MockForm {
    Fault,
    Clock,
    RotateKeys,
    UserClaims,
    NextClaims,
    /// The token a mock started with `--control-token` asks for.
    ControlToken,
}

/// A small form: named, typed single-line fields (or one multi-line editor). No `Debug`:
/// its fields hold typed secrets.
#[derive(Clone)]
pub struct Form {
    pub purpose: FormPurpose,
    pub title: String,
    pub fields: Vec<Field>,
    pub focused: usize,
    /// A multi-line editor takes Enter as a new line; submit is ctrl-s.
    pub multiline: bool,
    /// What went wrong with the last submit, shown in the form.
    pub error: Option<String>,
}

/// One input of a form: the name the code reads it by, the label the user reads.
#[derive(Clone)]
pub struct Field {
    pub name: &'static str,
    pub label: String,
    pub input: Input,
}

/// What kind of value a field takes.
#[derive(Clone)]
pub enum Input {
    Text(TextArea<'static>),
    /// Typed like text, shown masked like every secret on screen.
    Secret(TextArea<'static>),
    /// One of a closed set: left/right or space move through `options`.
    Choice {
        options: &'static [&'static str],
        index: usize,
    },
}

impl Field {
    pub fn text(name: &'static str, label: &str, value: &str) -> Field {
        Field {
            name,
            label: label.to_string(),
            input: Input::Text(line_area(value)),
        }
    }

    pub fn secret(name: &'static str, label: &str, value: &str) -> Field {
        let mut area = line_area(value);
        area.set_mask_char('•');
        Field {
            name,
            label: label.to_string(),
            input: Input::Secret(area),
        }
    }

    /// A picker over `options`, on `current` when it is one of them (else the first).
    pub fn choice(
        name: &'static str,
        label: &str,
        options: &'static [&'static str],
        current: &str,
    ) -> Field {
        Field {
            name,
            label: label.to_string(),
            input: Input::Choice {
                options,
                index: options.iter().position(|o| *o == current).unwrap_or(0),
            },
        }
    }

    /// The value, trimmed.
    pub fn value(&self) -> String {
        match &self.input {
            Input::Text(area) | Input::Secret(area) => area.lines().join("\n").trim().to_string(),
            Input::Choice { options, index } => options.get(*index).copied().unwrap_or("").into(),
        }
    }

    /// The text area typed into, for text and secret fields.
    pub fn area_mut(&mut self) -> Option<&mut TextArea<'static>> {
        match &mut self.input {
            Input::Text(area) | Input::Secret(area) => Some(area),
            Input::Choice { .. } => None,
        }
    }

    /// Moves a picker to its next (or previous) option; false for other fields.
    pub fn cycle(&mut self, forward: bool) -> bool {
        let Input::Choice { options, index } = &mut self.input else {
            return false;
        };
        let count = options.len().max(1);
        *index = if forward {
            (*index + 1) % count
        } else {
            (*index + count - 1) % count
        };
        true
    }
}

/// A one-line text area whose cursor is at the end: typing continues a prefilled value
/// ("https://") rather than preceding it.
fn line_area(value: &str) -> TextArea<'static> {
    let mut area = TextArea::new(vec![value.to_string()]);
    area.move_cursor(CursorMove::End);
    area
}

impl Form {
    /// The name of the one field of a multi-line editor.
    pub const EDITOR: &'static str = "text";

    pub fn new(purpose: FormPurpose, title: &str, fields: Vec<Field>) -> Form {
        Form {
            purpose,
            title: title.to_string(),
            fields,
            focused: 0,
            multiline: false,
            error: None,
        }
    }

    /// One multi-line editor holding `text` (Enter is a new line, ctrl-s submits), read as
    /// the field [`Form::EDITOR`].
    pub fn editor(purpose: FormPurpose, title: &str, label: &str, text: &str) -> Form {
        let mut area = TextArea::new(text.lines().map(str::to_string).collect());
        area.move_cursor(CursorMove::Top);
        let field = Field {
            name: Form::EDITOR,
            label: label.to_string(),
            input: Input::Text(area),
        };
        Form {
            multiline: true,
            ..Form::new(purpose, title, vec![field])
        }
    }

    /// The value of the field called `name`, trimmed; empty when there is no such field.
    pub fn value(&self, name: &str) -> String {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map(Field::value)
            .unwrap_or_default()
    }
}

/// A short message in the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub kind: StatusKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    Info,
    Success,
    Error,
}

/// The exchange log of the session.
#[derive(Default)]
pub struct ExchangeLog {
    pub entries: Vec<Exchange>,
    pub cursor: Cursor,
}

impl ExchangeLog {
    /// Adds an exchange and selects it: the newest evidence is what the user wants to see.
    pub fn push(&mut self, exchange: Exchange) {
        self.entries.push(exchange);
        self.cursor.bottom(self.entries.len());
    }

    pub fn selected(&self) -> Option<&Exchange> {
        self.entries.get(self.cursor.index)
    }
}

/// Pretty JSON when `body` is JSON, else the body as it came.
pub fn pretty_json(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| body.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_read_by_name_and_only_secrets_are_masked() {
        let mut form = Form::new(
            FormPurpose::ClientByHand,
            "t",
            vec![
                Field::text("client_id", "client_id", "app"),
                Field::secret("client_secret", "client_secret", "s3cret"),
                Field::choice(
                    "auth_method",
                    "auth method: client_secret_basic or none",
                    &["none", "client_secret_basic"],
                    "client_secret_basic",
                ),
            ],
        );
        assert_eq!(form.value("client_id"), "app");
        assert_eq!(form.value("client_secret"), "s3cret");
        assert_eq!(form.value("auth_method"), "client_secret_basic");
        assert_eq!(form.value("no such field"), "");
        let masked: Vec<bool> = form
            .fields
            .iter_mut()
            .map(|f| f.area_mut().is_some_and(|a| a.mask_char().is_some()))
            .collect();
        assert_eq!(masked, [false, true, false]);
        assert!(form.fields[2].cycle(true));
        assert_eq!(form.value("auth_method"), "none");
        assert!(form.fields[2].cycle(false));
        assert_eq!(form.value("auth_method"), "client_secret_basic");
        assert!(!form.fields[0].cycle(true));
    }

    #[test]
    fn debug_of_a_token_entry_shows_no_token() {
        let entry = TokenEntry {
            kind: TokenKind::Access,
            value: "opaque-access-token-value".into(),
            source: "client credentials".into(),
            obtained_at: SystemTime::UNIX_EPOCH,
            expires_at: None,
            decoded: None,
            rotation: None,
            response: None,
            family: None,
            server: None,
        };
        let shown = format!("{entry:?}");
        assert!(!shown.contains("opaque-access-token-value"), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
    }
}
