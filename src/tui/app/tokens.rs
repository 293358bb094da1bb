//! The tokens pane: tokens the flows obtained (decoded, verified by the engine), pasted JWTs
//! (verified against the selected server's keys), and refresh / introspect / revoke /
//! userinfo started from the selected token.

use std::time::SystemTime;

use crate::oauth::Step;
use crate::oauth::flow::tokens::DecodedToken;
use crate::oauth::flow::{Flow, FlowKind};
use crate::oauth::response::expect_status;
use crate::oauth::time;
use crate::tui::action::Command;
use crate::tui::layout::Pane;
use crate::tui::model::{
    Field, FlowView, Form, FormPurpose, Learnt, TokenEntry, TokenKind, TokenState, flow_title,
};
use crate::tui::work;
use crate::wire::AUTHORIZATION_DETAILS;

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
                vec![Field::text("jwt", "JWT", "")],
            )),
            Command::Refresh => self.flow_from_token(FlowKind::Refresh),
            Command::Introspect => self.flow_from_token(FlowKind::Introspect),
            Command::Revoke => self.flow_from_token(FlowKind::Revoke),
            Command::Userinfo => self.flow_from_token(FlowKind::Userinfo),
            Command::ToggleDoctor => self.toggle_doctor(),
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
            rotation: None,
            response: None,
            family: None,
            server: None,
        });
        self.token_cursor.bottom(self.tokens.len());
    }

    /// The rich authorization an access token was granted (RFC 9396 §7): what its token
    /// response said, else the token's own `authorization_details` claim.
    pub fn granted_details(&self, token: &TokenEntry) -> Option<serde_json::Value> {
        if token.kind != TokenKind::Access {
            return None;
        }
        let from_response = token
            .response
            .and_then(|i| self.token_responses.get(i))
            .and_then(|r| r.extra.0.get(AUTHORIZATION_DETAILS));
        let from_claims = token
            .decoded
            .as_ref()
            .and_then(|d| d.claims.get(AUTHORIZATION_DETAILS));
        from_response.or(from_claims).cloned()
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
        // The newest paste of this value is the one that asked: the same token may also be
        // in the list from a flow, or pasted before.
        if let Some(entry) = self
            .tokens
            .iter_mut()
            .rev()
            .find(|t| t.kind == TokenKind::Pasted && t.value.secret() == value)
        {
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
        self.take_token_state();
        let FlowView::Running(run) = &self.flow else {
            return;
        };
        let outcome = run.flow.outcome().clone();
        let run_kind = run.flow.kind();
        let subject = sent_token(&run.flow).map(|(_, token)| token.to_string());
        let subject = subject.as_deref();
        let source = flow_title(run_kind).to_string();
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
                let first_new = self.tokens.len();
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
                // A refresh continues the grant of the refresh token it presented.
                let family = match run_kind {
                    FlowKind::Refresh => subject
                        .and_then(|old| self.tokens.iter().find(|t| t.value.secret() == old))
                        .and_then(|t| t.family),
                    _ => None,
                }
                .unwrap_or(group);
                for entry in &mut self.tokens[first_new..] {
                    entry.family = Some(family);
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
            entry.rotation.clone_from(&outcome.rotation);
            let decoded = match entry.kind {
                TokenKind::Access => &outcome.access_token,
                TokenKind::Id => &outcome.id_token,
                TokenKind::Refresh | TokenKind::Pasted => &None,
            };
            if let Some(decoded) = decoded {
                entry.decoded = Some(decoded.clone());
            }
        }
    }
}

impl App {
    /// Learns, once per flow, what the server said about the token a one-token flow sent:
    /// introspection's `active`, a revocation that succeeded, a refresh that rotated the
    /// refresh token out or was refused.
    fn take_token_state(&mut self) {
        let at = self.now();
        let FlowView::Running(run) = &mut self.flow else {
            return;
        };
        if run.token_state_taken {
            return;
        }
        let Some((state, token)) = server_said(&run.flow) else {
            return;
        };
        let token = token.to_string();
        run.token_state_taken = true;
        // The same token may be in the list twice (from its flow, and pasted): the server's
        // word is about the token, so every copy carries it.
        let copies = |t: &TokenEntry| t.value.secret() == token;
        let reused = self.tokens.iter().filter(|t| copies(t)).any(|t| {
            matches!(
                t.server.map(|l| l.state),
                Some(TokenState::RotatedOut | TokenState::FamilyRevoked)
            )
        });
        let families: Vec<usize> = self
            .tokens
            .iter()
            .filter(|t| copies(t))
            .filter_map(|t| t.family)
            .collect();
        let said = Some(Learnt { state, at });
        if state == TokenState::Refused && reused && !families.is_empty() {
            // The server saw a retired refresh token again: it revokes the whole grant.
            let family_revoked = Some(Learnt {
                state: TokenState::FamilyRevoked,
                at,
            });
            for entry in self.tokens.iter_mut().filter(|t| {
                t.family.is_some_and(|f| families.contains(&f))
                    && matches!(t.kind, TokenKind::Access | TokenKind::Refresh)
            }) {
                entry.server = family_revoked;
            }
        } else {
            for entry in self.tokens.iter_mut().filter(|t| copies(t)) {
                entry.server = said;
            }
        }
    }
}

/// What the server said about the token a finished one-token flow sent, with that token as
/// sent (the user may have edited it in the request).
fn server_said(flow: &Flow) -> Option<(TokenState, &str)> {
    let (step, token) = sent_token(flow)?;
    let outcome = flow.outcome();
    let state = match flow.kind() {
        FlowKind::Introspect => match outcome.introspection.as_ref()?.get("active")? {
            serde_json::Value::Bool(true) => TokenState::Active,
            _ => TokenState::Inactive,
        },
        FlowKind::Revoke if outcome.revoked => TokenState::Revoked,
        FlowKind::Refresh => match &outcome.rotation {
            Some(rotation) if rotation.refresh_token_rotated == Some(true) => {
                TokenState::RotatedOut
            }
            Some(_) => return None,
            None => {
                let refused = step
                    .exchange
                    .as_ref()
                    .and_then(|e| expect_status(e, &[200]).err())
                    .is_some_and(|e| e.oauth_code() == Some("invalid_grant"));
                if !refused {
                    return None;
                }
                TokenState::Refused
            }
        },
        _ => return None,
    };
    Some((state, token))
}

/// The step of a one-token flow that sent a token, and the token it sent.
fn sent_token(flow: &Flow) -> Option<(&Step, &str)> {
    let name = match flow.kind() {
        FlowKind::Refresh => "refresh_token",
        FlowKind::Introspect | FlowKind::Revoke => "token",
        _ => return None,
    };
    flow.steps().iter().find_map(|step| {
        step.exchange.as_ref()?;
        Some((step, step.request.as_ref()?.param(name)?))
    })
}

/// The `exp` claim as a time, when it is a plausible date.
fn exp_of(decoded: &DecodedToken) -> Option<SystemTime> {
    let exp = time::numeric_date("exp", decoded.claims.get("exp")?).ok()?;
    Some(time::system_time(exp))
}
