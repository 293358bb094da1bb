//! The things the app shows: servers with their clients, the flow being run, the exchange
//! log and the tokens. Plain data; the panes render it and `App::update` changes it.

use std::time::SystemTime;

use ratatui_textarea::{CursorMove, TextArea};

use crate::oauth::{Exchange, Step};
use crate::wire::ServerMetadata;

use super::profile::{ClientProfile, ManualEndpoints, ServerProfile};

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
pub enum Discovery {
    NotRun,
    Running,
    Done {
        metadata: Box<ServerMetadata>,
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
    pub endpoints: ManualEndpoints,
    pub discovery: Discovery,
    pub clients: Vec<ClientProfile>,
    pub client_cursor: Cursor,
}

impl ServerEntry {
    pub fn from_profile(profile: &ServerProfile) -> ServerEntry {
        ServerEntry {
            name: profile.name.clone(),
            issuer: profile.issuer.clone(),
            built_in: false,
            endpoints: profile.endpoints.clone(),
            discovery: Discovery::NotRun,
            clients: profile.clients.clone(),
            client_cursor: Cursor::default(),
        }
    }

    pub fn to_profile(&self) -> ServerProfile {
        ServerProfile {
            name: self.name.clone(),
            issuer: self.issuer.clone(),
            endpoints: self.endpoints.clone(),
            clients: self.clients.clone(),
        }
    }

    pub fn metadata(&self) -> Option<&ServerMetadata> {
        match &self.discovery {
            Discovery::Done { metadata, .. } => Some(metadata),
            _ => None,
        }
    }

    pub fn selected_client(&self) -> Option<&ClientProfile> {
        self.clients.get(self.client_cursor.index)
    }
}

/// The flows a user can run, in the order the picker lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowKind {
    AuthorizationCode,
    Par,
    Device,
    ClientCredentials,
    Refresh,
    Introspect,
    Revoke,
    Userinfo,
}

impl FlowKind {
    pub const ALL: [FlowKind; 8] = [
        FlowKind::AuthorizationCode,
        FlowKind::Par,
        FlowKind::Device,
        FlowKind::ClientCredentials,
        FlowKind::Refresh,
        FlowKind::Introspect,
        FlowKind::Revoke,
        FlowKind::Userinfo,
    ];

    pub fn title(self) -> &'static str {
        match self {
            FlowKind::AuthorizationCode => "Authorization code + PKCE",
            FlowKind::Par => "Pushed authorization request (PAR)",
            FlowKind::Device => "Device authorization",
            FlowKind::ClientCredentials => "Client credentials",
            FlowKind::Refresh => "Refresh",
            FlowKind::Introspect => "Introspection",
            FlowKind::Revoke => "Revocation",
            FlowKind::Userinfo => "UserInfo",
        }
    }

    pub fn summary(self) -> &'static str {
        match self {
            FlowKind::AuthorizationCode => {
                "a user signs in; the app gets tokens (RFC 6749 §4.1, RFC 7636)"
            }
            FlowKind::Par => "the same, with the request pushed first (RFC 9126)",
            FlowKind::Device => "sign in on another device with a code (RFC 8628)",
            FlowKind::ClientCredentials => "a machine gets a token for itself (RFC 6749 §4.4)",
            FlowKind::Refresh => "a new access token from a refresh token (RFC 6749 §6)",
            FlowKind::Introspect => "ask the server whether a token is active (RFC 7662)",
            FlowKind::Revoke => "tell the server to forget a token (RFC 7009)",
            FlowKind::Userinfo => "fetch the user's claims (OIDC Core §5.3)",
        }
    }
}

/// The flow pane: a picker, or a flow under way.
pub enum FlowView {
    Picking(Cursor),
    Running(FlowRun),
}

pub struct FlowRun {
    pub kind: FlowKind,
    pub steps: Vec<Step>,
    pub cursor: Cursor,
}

impl FlowRun {
    pub fn new(kind: FlowKind, steps: Vec<Step>) -> FlowRun {
        FlowRun {
            kind,
            steps,
            cursor: Cursor::default(),
        }
    }

    pub fn selected_step(&self) -> Option<&Step> {
        self.steps.get(self.cursor.index)
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
    pub value: String,
    /// Which flow (or paste) it came from.
    pub source: String,
    pub obtained_at: SystemTime,
    /// From `expires_in` of the token response, or the JWT's `exp`.
    pub expires_at: Option<SystemTime>,
}

/// What has the keyboard besides the panes.
pub enum Overlay {
    Help,
    Form(Form),
}

/// What a submitted form does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormPurpose {
    AddServer,
    PasteToken,
}

/// A small form: labelled single-line fields (or one multi-line editor).
pub struct Form {
    pub purpose: FormPurpose,
    pub title: String,
    pub fields: Vec<(String, TextArea<'static>)>,
    pub focused: usize,
    /// A multi-line editor takes Enter as a new line; submit is ctrl-s.
    pub multiline: bool,
    /// What went wrong with the last submit, shown in the form.
    pub error: Option<String>,
}

impl Form {
    pub fn new(purpose: FormPurpose, title: &str, fields: &[(&str, &str)]) -> Form {
        Form {
            purpose,
            title: title.to_string(),
            fields: fields
                .iter()
                .map(|(label, value)| {
                    let mut area = TextArea::new(vec![value.to_string()]);
                    // Typing continues a prefilled value ("https://") rather than preceding it.
                    area.move_cursor(CursorMove::End);
                    (label.to_string(), area)
                })
                .collect(),
            focused: 0,
            multiline: false,
            error: None,
        }
    }

    /// The text of field `index`, trimmed; empty when there is no such field.
    pub fn value(&self, index: usize) -> String {
        self.fields
            .get(index)
            .map(|(_, area)| area.lines().join("\n").trim().to_string())
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
