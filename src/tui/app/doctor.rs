//! The doctor in the Tokens pane (`d`): findings for the selected token and for the whole
//! session, judged with the selected server's metadata and the app's clock.

use super::App;
use crate::oauth::doctor::{self, Finding, Session, TokenContext, TokenUse};
use crate::oauth::jwt::Jwt;
use crate::tui::model::{FlowView, ServerState, TokenKind};
use crate::wire::ServerMetadata;

impl App {
    pub(super) fn toggle_doctor(&mut self) {
        self.ui.doctor = !self.ui.doctor;
        self.ui.scroll = 0;
    }

    /// The selected server's metadata, once discovered.
    fn discovered_metadata(&self) -> Option<&ServerMetadata> {
        match &self.selected_server()?.discovery {
            ServerState::Done { metadata, .. } => Some(metadata),
            _ => None,
        }
    }

    /// The session as the doctor reads it: the flow's steps and every exchange.
    pub(crate) fn doctor_session(&self) -> Session<'_> {
        let steps = match &self.flow {
            FlowView::Running(run) => run.steps(),
            FlowView::Picking(_) => &[],
        };
        Session {
            steps,
            exchanges: &self.exchanges.entries,
            metadata: self.discovered_metadata(),
            token: TokenContext {
                now: self.now(),
                ..TokenContext::default()
            },
        }
    }

    /// The findings for the selected token, or `None` when it is not a JWT (or there is none).
    pub fn doctor_token_findings(&self) -> Option<Vec<Finding>> {
        let token = self.tokens.get(self.token_cursor.index)?;
        let jwt = Jwt::decode(token.value.secret()).ok()?;
        let ctx = TokenContext {
            now: self.now(),
            metadata: self.discovered_metadata(),
            expected_use: match token.kind {
                TokenKind::Access => Some(TokenUse::Access),
                TokenKind::Id => Some(TokenUse::Id),
                TokenKind::Refresh | TokenKind::Pasted => None,
            },
            ..TokenContext::default()
        };
        Some(doctor::diagnose_token(&jwt, &ctx))
    }

    /// The findings for the session's exchanges and steps.
    pub fn doctor_session_findings(&self) -> Vec<Finding> {
        doctor::diagnose_session(&self.doctor_session())
    }
}
