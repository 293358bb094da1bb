//! A request as editable text, and back. The first line is `METHOD URL`; then one parameter
//! per line as `name = value` (values as they are, not URL-encoded), or the JSON body for
//! requests that send JSON (client registration). Headers come from client authentication
//! and are not edited here.

use crate::oauth::RequestDraft;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RequestTextError {
    #[error("the first line must be `METHOD URL`, e.g. `POST http://127.0.0.1:9000/token`")]
    FirstLine,
    #[error("line {line}: `{text}` is not `name = value`")]
    Param { line: usize, text: String },
    #[error("the JSON body does not parse: {0}")]
    Json(String),
}

pub fn to_text(draft: &RequestDraft) -> String {
    let mut text = format!("{} {}\n", draft.method, draft.url);
    match &draft.json_body {
        Some(json) => text.push_str(&serde_json::to_string_pretty(json).unwrap_or_default()),
        None => {
            for (name, value) in &draft.params {
                text.push_str(&format!("{name} = {value}\n"));
            }
        }
    }
    text
}

/// Applies edited text to `draft`: method, URL and params (or JSON body) change; headers and
/// the list of secret names stay.
pub fn apply(draft: &RequestDraft, text: &str) -> Result<RequestDraft, RequestTextError> {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default().trim();
    let (method, url) = first.split_once(' ').ok_or(RequestTextError::FirstLine)?;
    if method.is_empty() || url.trim().is_empty() || !method.chars().all(|c| c.is_ascii_uppercase())
    {
        return Err(RequestTextError::FirstLine);
    }
    let mut edited = draft.clone();
    edited.method = method.to_string();
    edited.url = url.trim().to_string();
    if draft.json_body.is_some() {
        let rest: Vec<&str> = lines.collect();
        let value = serde_json::from_str(&rest.join("\n"))
            .map_err(|e| RequestTextError::Json(e.to_string()))?;
        edited.json_body = Some(value);
        return Ok(edited);
    }
    edited.params.clear();
    for (index, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let (name, value) = line
            .split_once('=')
            .ok_or_else(|| RequestTextError::Param {
                line: index + 2,
                text: line.to_string(),
            })?;
        let name = name.trim();
        if name.is_empty() {
            return Err(RequestTextError::Param {
                line: index + 2,
                text: line.to_string(),
            });
        }
        edited.set_param(name, value.trim());
    }
    Ok(edited)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> RequestDraft {
        let mut d = RequestDraft::new("POST", "http://127.0.0.1:9000/token");
        d.set_param("grant_type", "client_credentials");
        d.set_param("scope", "a b");
        d.headers
            .push(("Authorization".into(), "Basic eA==".into()));
        d
    }

    #[test]
    fn text_round_trips_and_edits_apply() {
        let d = draft();
        assert_eq!(apply(&d, &to_text(&d)).unwrap(), d);
        let edited = apply(
            &d,
            "POST http://127.0.0.1:9000/token\ngrant_type = client_credentials\nscope = read\n",
        )
        .unwrap();
        assert_eq!(edited.param("scope"), Some("read"));
        assert_eq!(edited.headers, d.headers, "headers are kept");
    }

    #[test]
    fn bad_text_is_an_error_naming_the_line() {
        let d = draft();
        assert_eq!(apply(&d, "nonsense"), Err(RequestTextError::FirstLine));
        let err = apply(&d, "POST http://h/token\ngrant_type\n").unwrap_err();
        assert_eq!(
            err,
            RequestTextError::Param {
                line: 2,
                text: "grant_type".into()
            }
        );
    }

    #[test]
    fn json_bodies_are_edited_as_json() {
        let mut d = RequestDraft::new("POST", "http://h/register");
        d.json_body = Some(serde_json::json!({"client_name": "x"}));
        let edited = apply(&d, "POST http://h/register\n{\"client_name\": \"y\"}").unwrap();
        assert_eq!(
            edited.json_body,
            Some(serde_json::json!({"client_name": "y"}))
        );
        assert!(matches!(
            apply(&d, "POST http://h/register\n{"),
            Err(RequestTextError::Json(_))
        ));
    }
}
