//! The in-terminal stand-in for a browser on the built-in mock: read its login and consent
//! pages (plain HTML forms, documented in the mock's pages module) and find what a browser
//! would post. Only reading happens here; the posts go through the recording client, so the
//! exchange log shows exactly what a browser would have sent.

/// What the terminal needs from one of the mock's pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The form's target, absolute.
    pub action: String,
    /// The sign-in transaction id (the hidden `tx` input).
    pub tx: Option<String>,
    /// The users offered as buttons (`<button name="username" value="alice">`).
    pub users: Vec<String>,
    /// True for the consent page (it has `decision` buttons).
    pub is_consent: bool,
    /// Visible text, tags removed, for showing what the page says (e.g. the scopes asked).
    pub text: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PageError {
    #[error("the page has no form to post (is this the built-in mock's sign-in page?)")]
    NoForm,
    #[error("the form's target {0:?} is not a URL")]
    BadAction(String),
}

/// Reads a login, consent or device page; `base` is the URL it was served from.
pub fn read_page(html: &str, base: &str) -> Result<Page, PageError> {
    let action = tags(html, "form")
        .into_iter()
        .find_map(|attrs| attr(&attrs, "action"))
        .ok_or(PageError::NoForm)?;
    let action = url::Url::parse(base)
        .and_then(|b| b.join(&action))
        .map_err(|_| PageError::BadAction(action.clone()))?
        .to_string();
    let tx = tags(html, "input").into_iter().find_map(|attrs| {
        (attr(&attrs, "name").as_deref() == Some("tx"))
            .then(|| attr(&attrs, "value"))
            .flatten()
    });
    let buttons = tags(html, "button");
    let users = buttons
        .iter()
        .filter(|attrs| attr(attrs, "name").as_deref() == Some("username"))
        .filter_map(|attrs| attr(attrs, "value"))
        .collect();
    let is_consent = buttons
        .iter()
        .any(|attrs| attr(attrs, "name").as_deref() == Some("decision"));
    Ok(Page {
        action,
        tx,
        users,
        is_consent,
        text: visible_text(html),
    })
}

/// The words a page shows, for messages ("You may return to your device").
pub fn read_text(html: &str) -> String {
    let text = visible_text(html);
    let cut: String = text.chars().take(300).collect();
    if cut.len() < text.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

/// The attributes of every `<name ...>` tag, in order.
fn tags(html: &str, name: &str) -> Vec<Vec<(String, String)>> {
    let open = format!("<{name}");
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        // `<form` must not match `<formula`: the name ends at whitespace, `>` or `/`.
        if !after.starts_with(|c: char| c.is_whitespace() || c == '>' || c == '/') {
            rest = after;
            continue;
        }
        let end = after.find('>').unwrap_or(after.len());
        found.push(attributes(&after[..end]));
        rest = &after[end..];
    }
    found
}

/// `key="value"` pairs of a tag body (double or single quotes), values unescaped.
fn attributes(body: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq]
            .rsplit(|c: char| c.is_whitespace())
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let after = rest[eq + 1..].trim_start();
        let Some(quote) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            rest = &rest[eq + 1..];
            continue;
        };
        let value_start = &after[1..];
        let Some(close) = value_start.find(quote) else {
            break;
        };
        out.push((key, unescape(&value_start[..close])));
        rest = &value_start[close + 1..];
    }
    out
}

fn attr(attrs: &[(String, String)], name: &str) -> Option<String> {
    attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// The page's text with tags, styles and extra whitespace removed.
fn visible_text(html: &str) -> String {
    let body = html
        .find("<body")
        .map_or(html, |i| &html[i..])
        .split("</body>")
        .next()
        .unwrap_or_default();
    let mut text = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    unescape(&text.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOGIN: &str = r#"<!doctype html><html><head><style>form{margin:1rem}</style></head><body><main>
<h1>Sign in</h1><p><strong>demo-public</strong> wants to sign you in.</p>
<form method="post" action="/login"><input type="hidden" name="tx" value="tx&amp;123"><p>Sign in as</p>
<button type="submit" name="username" value="alice">Alice</button>
<button type="submit" name="username" value="bob">Bob</button></form>
<form method="post" action="/login"><input type="hidden" name="tx" value="tx&amp;123">
<input type="text" name="username" value=""><button type="submit" class="secondary">Sign in</button></form>
</main></body></html>"#;

    const CONSENT: &str = r#"<body><form method="post" action="/consent"><input type="hidden" name="tx" value="abc">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny" class="deny">Deny</button></form></body>"#;

    #[test]
    fn the_login_page_gives_users_tx_and_an_absolute_action() {
        let page = read_page(LOGIN, "http://127.0.0.1:9000/authorize?client_id=x").unwrap();
        assert_eq!(page.action, "http://127.0.0.1:9000/login");
        assert_eq!(page.tx.as_deref(), Some("tx&123"));
        assert_eq!(page.users, ["alice", "bob"]);
        assert!(!page.is_consent);
        assert!(
            page.text.contains("demo-public wants to sign you in."),
            "{}",
            page.text
        );
        assert!(!page.text.contains("margin"), "{}", page.text);
    }

    #[test]
    fn the_consent_page_is_recognised() {
        let page = read_page(CONSENT, "http://127.0.0.1:9000/login").unwrap();
        assert!(page.is_consent);
        assert_eq!(page.tx.as_deref(), Some("abc"));
        assert_eq!(page.action, "http://127.0.0.1:9000/consent");
    }

    #[test]
    fn a_page_without_a_form_is_an_error_not_a_panic() {
        assert_eq!(read_page("<p>oops", "http://h/"), Err(PageError::NoForm));
        assert_eq!(
            read_page("<form action=\"x", "http://h/"),
            Err(PageError::NoForm)
        );
        assert!(read_page("<form action='/a'", "not a url").is_err());
    }
}
