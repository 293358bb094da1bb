//! The in-terminal stand-in for a browser on the built-in mock: read its login and consent
//! pages (plain HTML forms, documented in the mock's pages module) and find what a browser
//! would post. Only reading happens here; the posts go through the recording client, so the
//! exchange log shows exactly what a browser would have sent.

/// What the terminal needs from one of the mock's pages: the form to post, and what the page
/// shows a person (who asks, for which scopes, as whom), kept as structure to draw it so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The form's target, absolute.
    pub action: String,
    /// The sign-in transaction id (the hidden `tx` input).
    pub tx: Option<String>,
    /// The page's heading (`Sign in`, `Allow access?`).
    pub heading: String,
    /// The client asking (`<strong>` in "… wants to access your account").
    pub client_name: Option<String>,
    /// The scopes asked for (the page's list items).
    pub scopes: Vec<String>,
    /// On the consent page: who is signed in ("Alice Liddell (alice)").
    pub signed_in_as: Option<String>,
    /// On the device consent page: the user code being approved.
    pub user_code: Option<String>,
    /// The users offered as buttons (`<button name="username" value="alice">Alice</button>`).
    pub users: Vec<PageUser>,
    /// True for the consent page (it has `decision` buttons).
    pub is_consent: bool,
    /// Visible text, tags removed, for saying what an unexpected page says.
    pub text: String,
}

impl Page {
    /// The post a browser makes when `field` = `value` is chosen on this page (a user on the
    /// login page, a decision on the consent page), with the page's transaction id.
    pub fn answer(&self, field: &str, value: &str) -> crate::oauth::RequestDraft {
        let mut draft = crate::oauth::RequestDraft::new("POST", &self.action);
        if let Some(tx) = &self.tx {
            draft.set_param("tx", tx);
        }
        draft.set_param(field, value);
        draft
    }
}

/// A user the login page offers: what is posted, and the name shown on the button.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageUser {
    pub username: String,
    pub label: String,
}

/// The keys of the sign-in dialog at each stage, as the dialog and the footer both show them.
pub const PICK_USER_KEYS: &[(&str, &str)] =
    &[("j/k", "choose"), ("enter", "sign in"), ("esc", "cancel")];
pub const CONSENT_KEYS: &[(&str, &str)] = &[("a", "approve"), ("d", "deny"), ("esc", "cancel")];
pub const LOADING_KEYS: &[(&str, &str)] = &[("esc", "cancel")];

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
    let users = elements(html, "button")
        .into_iter()
        .filter(|(attrs, _)| attr(attrs, "name").as_deref() == Some("username"))
        .filter_map(|(attrs, inner)| {
            let username = attr(&attrs, "value")?;
            let label = visible_text(&inner);
            let label = if label.is_empty() {
                username.clone()
            } else {
                label
            };
            Some(PageUser { username, label })
        })
        .collect();
    let is_consent = buttons
        .iter()
        .any(|attrs| attr(attrs, "name").as_deref() == Some("decision"));
    let paragraphs = elements(html, "p");
    let paragraph_with = |words: &str| {
        paragraphs
            .iter()
            .map(|(_, inner)| inner)
            .find(|inner| visible_text(inner).contains(words))
    };
    let client_name = paragraph_with("wants to access")
        .and_then(|p| elements(p, "strong").into_iter().next())
        .map(|(_, inner)| visible_text(&inner));
    let signed_in_as = paragraph_with("Signed in as").map(|p| {
        let text = visible_text(p);
        let who = text.trim_start_matches("Signed in as").trim();
        // The page writes "( alice )" once tags are gone: close the parentheses up.
        who.replace("( ", "(")
            .replace(" )", ")")
            .trim_end_matches('.')
            .to_string()
    });
    let user_code = paragraph_with("Device code:").map(|p| {
        visible_text(p)
            .trim_start_matches("Device code:")
            .trim()
            .to_string()
    });
    Ok(Page {
        action,
        tx,
        heading: elements(html, "h1")
            .first()
            .map(|(_, inner)| visible_text(inner))
            .unwrap_or_default(),
        client_name,
        scopes: elements(html, "li")
            .iter()
            .map(|(_, inner)| visible_text(inner))
            .filter(|s| !s.is_empty())
            .collect(),
        signed_in_as,
        user_code,
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

/// Every opening `<name ...>` tag, in order: its attributes, and the HTML after it.
fn opening_tags<'a>(html: &'a str, name: &str) -> Vec<(Vec<(String, String)>, &'a str)> {
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
        rest = after.get(end + 1..).unwrap_or_default();
        found.push((attributes(&after[..end]), rest));
    }
    found
}

/// The attributes of every `<name ...>` tag, in order.
fn tags(html: &str, name: &str) -> Vec<Vec<(String, String)>> {
    opening_tags(html, name)
        .into_iter()
        .map(|(attrs, _)| attrs)
        .collect()
}

/// The attributes and inner HTML of every `<name ...>…</name>` element, in order. Elements
/// of the same name do not nest on the mock's pages; one left open ends with the page.
fn elements(html: &str, name: &str) -> Vec<(Vec<(String, String)>, String)> {
    let close = format!("</{name}>");
    opening_tags(html, name)
        .into_iter()
        .map(|(attrs, after)| {
            let inner = after.find(&close).map_or(after, |end| &after[..end]);
            (attrs, inner.to_string())
        })
        .collect()
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

/// The text of a page or fragment with tags, styles and extra whitespace removed.
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
<h1>Sign in</h1><p><strong>Demo &amp; co</strong> wants to access your account.</p>
<p>It asks for:</p><ul><li><code>openid</code></li><li><code>email</code></li></ul>
<form method="post" action="/login"><input type="hidden" name="tx" value="tx&amp;123"><p>Sign in as</p>
<button type="submit" name="username" value="alice">Alice Liddell</button>
<button type="submit" name="username" value="bob"></button></form>
<form method="post" action="/login"><input type="hidden" name="tx" value="tx&amp;123">
<input type="text" name="username" value=""><button type="submit" class="secondary">Sign in</button></form>
</main></body></html>"#;

    const CONSENT: &str = r#"<body><h1>Allow access?</h1>
<p>Signed in as <strong>Alice Liddell</strong> (<code>alice</code>).</p>
<p><strong>TV</strong> wants to access your account.</p><p>Device code: <span class="code">BCDF-GHJK</span></p>
<form method="post" action="/consent"><input type="hidden" name="tx" value="abc">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny" class="deny">Deny</button></form></body>"#;

    #[test]
    fn the_login_page_gives_users_tx_and_an_absolute_action() {
        let page = read_page(LOGIN, "http://127.0.0.1:9000/authorize?client_id=x").unwrap();
        assert_eq!(page.action, "http://127.0.0.1:9000/login");
        assert_eq!(page.tx.as_deref(), Some("tx&123"));
        let user = |username: &str, label: &str| PageUser {
            username: username.into(),
            label: label.into(),
        };
        assert_eq!(
            page.users,
            [user("alice", "Alice Liddell"), user("bob", "bob")]
        );
        assert!(!page.is_consent);
        assert_eq!(page.heading, "Sign in");
        assert_eq!(page.client_name.as_deref(), Some("Demo & co"));
        assert_eq!(page.scopes, ["openid", "email"]);
        assert_eq!(page.signed_in_as, None);
        assert!(!page.text.contains("margin"), "{}", page.text);
    }

    #[test]
    fn the_consent_page_is_recognised() {
        let page = read_page(CONSENT, "http://127.0.0.1:9000/login").unwrap();
        assert!(page.is_consent);
        assert_eq!(page.signed_in_as.as_deref(), Some("Alice Liddell (alice)"));
        assert_eq!(page.client_name.as_deref(), Some("TV"));
        assert_eq!(page.user_code.as_deref(), Some("BCDF-GHJK"));
        assert!(page.scopes.is_empty());
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
