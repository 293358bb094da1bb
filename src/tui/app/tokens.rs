//! The tokens pane: tokens the flows obtained (decoded, verified by the engine), pasted JWTs
//! (verified against the selected server's keys), and refresh / introspect / revoke /
//! userinfo started from the selected token.

use std::time::SystemTime;

use crate::oauth::flow::FlowKind;
use crate::oauth::flow::tokens::DecodedToken;
use crate::oauth::time;
use crate::tui::action::Command;
use crate::tui::model::{FlowView, Form, FormPurpose, TokenEntry, TokenKind, flow_title};
use crate::tui::pane::Pane;
use crate::tui::work;

use super::App;

impl App {
    pub(super) fn tokens_command(&mut self, command: Command) {
        match command {
            Command::Copy => {
                if let Some(token) = self.tokens.get(self.token_cursor.index) {
                    let (value, what) = (
                        token.value.secret().to_string(),
                        format!("{} token", token.kind.label()),
                    );
                    self.copy(value, &what);
                }
            }
            Command::PasteToken => self.open_form(Form::new(
                FormPurpose::PasteToken,
                "Paste a JWT to inspect",
                &[("JWT", "")],
            )),
            Command::Refresh => self.flow_from_token(FlowKind::Refresh),
            Command::Introspect => self.flow_from_token(FlowKind::Introspect),
            Command::Revoke => self.flow_from_token(FlowKind::Revoke),
            Command::Userinfo => self.flow_from_token(FlowKind::Userinfo),
            other => self.not_here(other),
        }
    }

    /// Starts a one-token flow on the selected token; the flow pane shows its request.
    fn flow_from_token(&mut self, kind: FlowKind) {
        let Some(token) = self.tokens.get(self.token_cursor.index) else {
            return self.info(format!(
                "{} needs a token: run a flow first",
                flow_title(kind)
            ));
        };
        let (subject, previous) = match (kind, token.kind) {
            (FlowKind::Refresh, TokenKind::Refresh) => (
                (token.value.secret().to_string(), Some("refresh_token")),
                token
                    .response
                    .and_then(|i| self.token_responses.get(i).cloned()),
            ),
            (FlowKind::Refresh, _) => {
                return self.info("select a refresh token to refresh with".into());
            }
            (FlowKind::Userinfo, TokenKind::Access | TokenKind::Pasted) => {
                ((token.value.secret().to_string(), None), None)
            }
            (FlowKind::Userinfo, _) => {
                return self.info("select an access token to call UserInfo with".into());
            }
            (_, TokenKind::Access) => (
                (token.value.secret().to_string(), Some("access_token")),
                None,
            ),
            (_, TokenKind::Refresh) => (
                (token.value.secret().to_string(), Some("refresh_token")),
                None,
            ),
            _ => ((token.value.secret().to_string(), None), None),
        };
        self.start_flow(kind, Some(subject), previous);
    }

    /// Adds a token to the tokens pane and selects it.
    pub fn add_token(
        &mut self,
        kind: TokenKind,
        value: String,
        source: &str,
        expires_at: Option<SystemTime>,
    ) {
        let decoded = DecodedToken::decode(&value);
        let expires_at = expires_at.or_else(|| decoded.as_ref().and_then(exp_of));
        self.tokens.push(TokenEntry {
            kind,
            value: value.into(),
            source: source.to_string(),
            obtained_at: self.now(),
            expires_at,
            decoded,
            changes: Vec::new(),
            response: None,
        });
        self.token_cursor.bottom(self.tokens.len());
    }

    pub(super) fn paste_token(&mut self, value: String) -> Result<(), String> {
        let value: String = value.split_whitespace().collect();
        if DecodedToken::decode(&value).is_none() {
            return Err(
                "not a JWT with readable claims: a JWT has three base64url parts separated by dots"
                    .into(),
            );
        }
        self.add_token(TokenKind::Pasted, value.clone(), "pasted", None);
        self.focus(Pane::Tokens);
        let server = self.selected_server().and_then(|s| {
            let meta = s.metadata()?;
            Some((meta.jwks_uri.clone()?, meta.issuer.clone()))
        });
        match (server, self.http()) {
            (Some((jwks_uri, issuer)), Some(http)) => {
                self.tasks.spawn(
                    "verifying the pasted token",
                    work::check_token(http, value, jwks_uri, Some(issuer)),
                );
            }
            _ => self.info(
                "decoded; to verify its signature, discover the server that issued it".into(),
            ),
        }
        Ok(())
    }

    pub(super) fn token_checked(&mut self, value: &str, decoded: DecodedToken) {
        let verdict = decoded.verification.as_ref().map(|v| v.is_valid());
        if let Some(entry) = self.tokens.iter_mut().find(|t| t.value.secret() == value) {
            entry.decoded = Some(decoded);
        }
        match verdict {
            Some(true) => {
                self.success("the pasted token verifies against the server's keys".into())
            }
            _ => self.error("the pasted token does not verify: see its checks".into()),
        }
    }

    /// Takes the tokens of the running flow into the tokens pane (once), and later updates
    /// them with the verification and refresh diff the flow adds.
    pub(super) fn harvest_tokens(&mut self) {
        let FlowView::Running(run) = &self.flow else {
            return;
        };
        let outcome = run.flow.outcome().clone();
        let source = flow_title(run.flow.kind()).to_string();
        let Some(response) = outcome.tokens.clone() else {
            return;
        };
        let group = match run.token_group {
            Some(group) => group,
            None => {
                self.token_responses.push(response.clone());
                let group = self.token_responses.len() - 1;
                let now = self.now();
                // An implausible lifetime leaves the expiry unknown (the flow notes why).
                let expires = response
                    .expires_in
                    .and_then(|s| time::lifetime("expires_in", s).ok())
                    .and_then(|lifetime| now.checked_add(lifetime));
                self.add_token(
                    TokenKind::Access,
                    response.access_token.secret().to_string(),
                    &source,
                    expires,
                );
                if let Some(id_token) = &response.id_token {
                    self.add_token(TokenKind::Id, id_token.secret().to_string(), &source, None);
                }
                if let Some(refresh) = &response.refresh_token {
                    self.add_token(
                        TokenKind::Refresh,
                        refresh.secret().to_string(),
                        &source,
                        None,
                    );
                }
                // Select the access token: the one people look at first.
                if let Some(i) = self
                    .tokens
                    .iter()
                    .rposition(|t| t.kind == TokenKind::Access)
                {
                    self.token_cursor.index = i;
                }
                if let FlowView::Running(run) = &mut self.flow {
                    run.token_group = Some(group);
                }
                group
            }
        };
        for entry in self
            .tokens
            .iter_mut()
            .filter(|t| t.response.is_none() || t.response == Some(group))
        {
            let belongs = entry.response == Some(group)
                || (entry.response.is_none()
                    && entry.kind != TokenKind::Pasted
                    && [
                        Some(&response.access_token),
                        response.id_token.as_ref(),
                        response.refresh_token.as_ref(),
                    ]
                    .into_iter()
                    .flatten()
                    .any(|t| t.secret() == entry.value.secret()));
            if !belongs {
                continue;
            }
            entry.response = Some(group);
            match entry.kind {
                TokenKind::Access => {
                    if let Some(decoded) = &outcome.access_token {
                        entry.decoded = Some(decoded.clone());
                    }
                    if let Some(rotation) = &outcome.rotation {
                        entry.changes = rotation.access_token_changes.clone();
                    }
                }
                TokenKind::Id => {
                    if let Some(decoded) = &outcome.id_token {
                        entry.decoded = Some(decoded.clone());
                    }
                    if let Some(rotation) = &outcome.rotation {
                        entry.changes = rotation.id_token_changes.clone();
                    }
                }
                TokenKind::Refresh | TokenKind::Pasted => {}
            }
        }
    }
}

/// The `exp` claim as a time, when it is a plausible date.
fn exp_of(decoded: &DecodedToken) -> Option<SystemTime> {
    let exp = time::numeric_date("exp", decoded.claims.get("exp")?).ok()?;
    Some(time::system_time(exp))
}
