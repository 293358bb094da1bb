//! A request as editable text, and back. The first line is `METHOD URL`; then one header per
//! line as `Name: value`, then one parameter per line as `name = value` (values as they are,
//! not URL-encoded), or the JSON body for requests that send JSON (client registration).
//!
//! Secret values (the `Authorization` credential, a verifier, a client secret) are written
//! masked unless the user revealed secrets; a line whose masked value is left as it was keeps
//! the real value, so editing the scope never needs the secret on screen.

use crate::oauth::RequestDraft;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RequestTextError {
    #[error("the first line must be `METHOD URL`, e.g. `POST http://127.0.0.1:9000/token`")]
    FirstLine,
    #[error(
        "line {line}: `{text}` is neither a header `Name: value` nor a parameter `name = value`"
    )]
    Param { line: usize, text: String },
    #[error("the JSON body does not parse: {0}")]
    Json(String),
}

/// The draft as text; secrets masked unless `reveal`.
pub fn to_text(draft: &RequestDraft, reveal: bool) -> String {
    let mut text = format!("{} {}\n", draft.method, draft.url);
    for (name, value) in &draft.headers {
        text.push_str(&format!(
            "{name}: {}\n",
            draft.shown_value(name, value, reveal)
        ));
    }
    match &draft.json_body {
        Some(json) => text.push_str(&serde_json::to_string_pretty(json).unwrap_or_default()),
        None => {
            for (name, value) in &draft.params {
                text.push_str(&format!(
                    "{name} = {}\n",
                    draft.shown_value(name, value, reveal)
                ));
            }
        }
    }
    text
}

/// One line of the text after the first.
enum Line<'a> {
    Header(&'a str, &'a str),
    Param(&'a str, &'a str),
}

/// A header when a `:` comes before any `=` (`Authorization: Basic ZGVtbw==`), a parameter
/// when `=` comes first (`redirect_uri = http://…`).
fn read_line(line: &str) -> Option<Line<'_>> {
    let colon = line.find(':');
    let equals = line.find('=');
    let (name, value, header) = match (colon, equals) {
        (Some(c), Some(e)) if c < e => (&line[..c], &line[c + 1..], true),
        (Some(c), None) => (&line[..c], &line[c + 1..], true),
        (_, Some(e)) => (&line[..e], &line[e + 1..], false),
        (None, None) => return None,
    };
    let name = name.trim();
    if name.is_empty() || name.contains(char::is_whitespace) {
        return None;
    }
    Some(if header {
        Line::Header(name, value.trim())
    } else {
        Line::Param(name, value.trim())
    })
}

/// The value to keep for `name`: the original when the line still shows its mask.
fn kept(old: Option<&str>, draft: &RequestDraft, name: &str, typed: &str) -> String {
    match old {
        Some(old) if draft.is_secret(name) && draft.shown_value(name, old, false) == typed => {
            old.to_string()
        }
        _ => typed.to_string(),
    }
}

/// Applies edited text to `draft`: method, URL, headers and params (or JSON body) change;
/// the list of secret names stays.
pub fn apply(draft: &RequestDraft, text: &str) -> Result<RequestDraft, RequestTextError> {
    let mut lines = text.lines().enumerate().peekable();
    let first = lines.next().map(|(_, l)| l).unwrap_or_default().trim();
    let (method, url) = first.split_once(' ').ok_or(RequestTextError::FirstLine)?;
    if method.is_empty() || url.trim().is_empty() || !method.chars().all(|c| c.is_ascii_uppercase())
    {
        return Err(RequestTextError::FirstLine);
    }
    let mut edited = draft.clone();
    edited.method = method.to_string();
    edited.url = url.trim().to_string();
    edited.headers.clear();
    edited.params.clear();
    let header = |edited: &mut RequestDraft, name: &str, value: &str| {
        let old = draft
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str());
        let value = kept(old, draft, name, value);
        edited.headers.push((name.to_string(), value));
    };
    if draft.json_body.is_some() {
        // Headers first, then the JSON from its opening bracket on.
        while let Some((_, line)) = lines.peek() {
            let trimmed = line.trim_start();
            if trimmed.starts_with('{') || trimmed.starts_with('[') {
                break;
            }
            if let Some(Line::Header(name, value)) = read_line(line) {
                header(&mut edited, name, value);
            }
            lines.next();
        }
        let rest: Vec<&str> = lines.map(|(_, l)| l).collect();
        let value = serde_json::from_str(&rest.join("\n"))
            .map_err(|e| RequestTextError::Json(e.to_string()))?;
        edited.json_body = Some(value);
        return Ok(edited);
    }
    for (index, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        match read_line(line) {
            Some(Line::Header(name, value)) => header(&mut edited, name, value),
            Some(Line::Param(name, value)) => {
                let value = kept(draft.param(name), draft, name, value);
                edited.set_param(name, value);
            }
            None => {
                return Err(RequestTextError::Param {
                    line: index + 1,
                    text: line.to_string(),
                });
            }
        }
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
        assert_eq!(apply(&d, &to_text(&d, true)).unwrap(), d);
        let edited = apply(
            &d,
            "POST http://127.0.0.1:9000/token\ngrant_type = client_credentials\nscope = read\n",
        )
        .unwrap();
        assert_eq!(edited.param("scope"), Some("read"));
        assert!(edited.headers.is_empty(), "a header left out is dropped");
    }

    #[test]
    fn each_header_and_param_is_one_line() {
        let text = to_text(&draft(), true);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "POST http://127.0.0.1:9000/token",
                "Authorization: Basic eA==",
                "grant_type = client_credentials",
                "scope = a b",
            ]
        );
    }

    #[test]
    fn masked_secrets_left_as_shown_keep_their_value() {
        let mut d = draft();
        d.set_param(
            "code_verifier",
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        );
        let text = to_text(&d, false);
        assert!(!text.contains("eA=="), "{text}");
        assert!(!text.contains("dBjftJeZ4CVP-mB92K27uhbUJU1p1r"), "{text}");
        let edited = apply(&d, &text.replace("scope = a b", "scope = read")).unwrap();
        assert_eq!(edited.param("code_verifier"), d.param("code_verifier"));
        assert_eq!(edited.headers, d.headers);
        assert_eq!(edited.param("scope"), Some("read"));
        // A secret typed over its mask is taken as typed.
        let typed = text.replace(
            &d.shown_value("code_verifier", d.param("code_verifier").unwrap(), false),
            "other",
        );
        assert_eq!(
            apply(&d, &typed).unwrap().param("code_verifier"),
            Some("other")
        );
    }

    #[test]
    fn values_with_colons_and_equals_signs_land_where_they_belong() {
        let d = draft();
        let edited = apply(
            &d,
            "POST http://h/token\nredirect_uri = http://127.0.0.1:1/cb?a=b\nX-Trace: k=v\n",
        )
        .unwrap();
        assert_eq!(
            edited.param("redirect_uri"),
            Some("http://127.0.0.1:1/cb?a=b")
        );
        assert_eq!(edited.headers, [("X-Trace".to_string(), "k=v".to_string())]);
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
