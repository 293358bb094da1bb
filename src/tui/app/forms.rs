//! Text input: the small forms (add a server, paste a URL or a JWT, client details) and the
//! request editor. Keys the keymap leaves alone are typed into the focused field.

use crossterm::event::{KeyCode, KeyEvent};

use crate::tui::action::Command;
use crate::tui::model::{Form, FormPurpose, Overlay};

use super::App;

impl App {
    pub(super) fn open_form(&mut self, form: Form) {
        self.ui.overlay = Some(Overlay::Form(form));
    }

    pub(super) fn form_command(&mut self, command: Command) {
        match command {
            Command::Quit => self.ui.quit = true,
            Command::Cancel => self.ui.overlay = None,
            Command::Activate => self.submit_form(),
            _ => {}
        }
    }

    /// Typing, Tab between fields, Enter to submit a single-line form; the sign-in overlay
    /// takes its own keys.
    pub(super) fn key_to_overlay(&mut self, key: KeyEvent) {
        match &mut self.ui.overlay {
            Some(Overlay::Form(form)) => {
                let count = form.fields.len().max(1);
                match key.code {
                    KeyCode::Enter if !form.multiline => self.submit_form(),
                    KeyCode::Tab | KeyCode::Down if !form.multiline => {
                        form.focused = (form.focused + 1) % count;
                    }
                    KeyCode::BackTab | KeyCode::Up if !form.multiline => {
                        form.focused = (form.focused + count - 1) % count;
                    }
                    _ => {
                        let Some(field) = form.fields.get_mut(form.focused) else {
                            return;
                        };
                        // A picker takes left/right and space; text fields take typing.
                        match key.code {
                            KeyCode::Right | KeyCode::Char(' ') if field.cycle(true) => {}
                            KeyCode::Left if field.cycle(false) => {}
                            _ => {
                                if let Some(area) = field.area_mut() {
                                    area.input(key);
                                }
                            }
                        }
                    }
                }
            }
            Some(Overlay::SignIn(_)) => self.sign_in_key(key),
            Some(Overlay::CrossHost(_)) => match key.code {
                KeyCode::Char('y' | 'Y') => self.answer_cross_host(true),
                KeyCode::Char('n' | 'N') => self.answer_cross_host(false),
                _ => {}
            },
            Some(Overlay::Search(_)) => self.search_key(key),
            Some(Overlay::Confirm(_)) => match key.code {
                KeyCode::Char('y' | 'Y') => self.answer_confirm(true),
                KeyCode::Char('n' | 'N') => self.answer_confirm(false),
                _ => {}
            },
            // The help's title promises that any key it does not use closes it, bound or not;
            // ←/→ turn its pages.
            Some(Overlay::Help) => match key.code {
                KeyCode::Right => self.turn_help_page(true),
                KeyCode::Left => self.turn_help_page(false),
                _ => {
                    self.ui.overlay = None;
                    self.ui.scroll = 0;
                }
            },
            // The explanations take only their bound keys (up, down, esc).
            Some(Overlay::Explain(_)) | None => {}
        }
    }

    pub(super) fn paste_to_overlay(&mut self, text: &str) {
        if let Some(Overlay::Search(_)) = &self.ui.overlay {
            return self.search_typed(|query| query.push_str(text.trim()));
        }
        if let Some(Overlay::Form(form)) = &mut self.ui.overlay
            && let Some(area) = form.fields.get_mut(form.focused).and_then(|f| f.area_mut())
        {
            // A single-line field takes a pasted URL or JWT without its trailing newline.
            let text = if form.multiline { text } else { text.trim() };
            area.insert_str(text);
        }
    }

    fn submit_form(&mut self) {
        let Some(Overlay::Form(form)) = self.ui.overlay.take() else {
            return;
        };
        let result = match form.purpose {
            FormPurpose::AddServer => self.add_server(&form),
            FormPurpose::EditServer => self.edit_server(&form.value(Form::EDITOR)),
            FormPurpose::PasteToken => self.paste_token(form.value("jwt")),
            FormPurpose::PasteRedirect => self.paste_redirect(&form.value("redirect_url")),
            FormPurpose::EditRequest => self.apply_request_edit(&form.value(Form::EDITOR)),
            FormPurpose::ClientByHand => self.client_by_hand(&form),
            FormPurpose::RegisterClient => self.register_client(&form),
            FormPurpose::UpdateClient => self.update_client(&form),
            FormPurpose::Mock(which) => self.mock_form_submitted(which, &form),
            FormPurpose::CallTool => self.call_tool(&form),
            FormPurpose::RichAuthorization => {
                self.rich_authorization_submitted(&form.value(Form::EDITOR))
            }
            FormPurpose::JwtBearer => self.jwt_bearer_submitted(&form),
        };
        if let Err(message) = result {
            // Keep the form open with what the user typed, and say what is wrong.
            self.ui.overlay = Some(Overlay::Form(Form {
                error: Some(message),
                ..form
            }));
        }
    }
}
