//! The HTML pages a person sees: login, consent, device verification, results and errors.
//! Small, readable on a projector, no scripts and no external assets (the mock works offline).
//!
//! # Forms (stable: scripts and the terminal app post them like a browser)
//!
//! All forms are plain `<form method="post">` with `application/x-www-form-urlencoded` fields.
//! Their `action` is relative, so the paths below sit under the issuer's path when it has one
//! (`http://host/tenant` → `POST /tenant/login`).
//!
//! | page | posts to | fields |
//! | --- | --- | --- |
//! | login | `POST /login` | `tx` (hidden, the sign-in id), `username` |
//! | consent | `POST /consent` | `tx` (hidden), `decision` = `approve` or `deny` |
//! | device code entry (`GET /device`) | `POST /device` | `user_code` (dashes, spaces, case ignored) |
//!
//! The login page offers one button per configured user (`<button name="username"
//! value="alice">`, in its own form) and a second form with a text field `username` for any
//! other name. Every form on the login and consent pages carries the same
//! `<input type="hidden" name="tx" value="...">`; it is the only hidden input there.
//!
//! A script that signs in as alice: `GET /authorize?...` (200, login page) → read `tx` →
//! `POST /login` with `tx`, `username=alice` (200, consent page) → `POST /consent` with `tx`,
//! `decision=approve` (303 to the client's redirect_uri with `code`, `state`, `iss`).
//! For the device flow, start with `POST /device` with `user_code`, then the same two posts;
//! the last one answers 200 with a "you may return to your device" page.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::app::{CONSENT_PATH, DEVICE_VERIFICATION_PATH, LOGIN_PATH};
use super::config::User;

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:22px;line-height:1.5;
color:#111;background:#f4f4f0;margin:0;padding:2rem}
main{max-width:34rem;margin:3rem auto;background:#fff;padding:2rem 2.5rem;border-radius:12px;
box-shadow:0 2px 10px rgba(0,0,0,.12)}
h1{font-size:1.6rem;margin:0 0 1rem}
p.small{font-size:.85rem;color:#444}
code,.code{font-family:ui-monospace,Menlo,Consolas,monospace;background:#eee;padding:.1rem .4rem;border-radius:4px}
form{margin:1rem 0}
button{font-size:1.05rem;padding:.6rem 1.4rem;margin:.3rem .5rem .3rem 0;border-radius:8px;
border:2px solid #1a4fb5;background:#1a4fb5;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#1a4fb5}
button.deny{background:#fff;color:#a11;border-color:#a11}
input[type=text]{font-size:1.1rem;padding:.5rem;border:2px solid #888;border-radius:8px;width:14rem}
ul{padding-left:1.3rem}
.error{color:#a11;font-weight:600}
";

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title} · oauthscope mock</title><style>{STYLE}</style></head>\
         <body><main><h1>{title}</h1>{body}\
         <p class=\"small\">oauthscope mock authorization server</p></main></body></html>",
        title = escape(title),
    );
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    // Pages carry one-time values (the sign-in id); never cache them.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // A page that approves access must not be framed by another site (clickjacking,
    // RFC 9700 §4.16); the CSP also keeps the page to its own inline style.
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
    );
    response
}

/// A form target relative to the page's own URL, so that under an issuer with a path the
/// login page at `/tenant/authorize` posts to `/tenant/login` (and to `/login` without one).
fn relative(path: &str) -> &str {
    path.trim_start_matches('/')
}

fn hidden_tx(tx: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"tx\" value=\"{}\">",
        escape(tx)
    )
}

/// An error that must not go back to the client (unknown client, unregistered redirect URI,
/// expired sign-in): RFC 6749 §4.1.2.1 forbids redirecting to an unverified URI.
pub fn error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = format!(
        "<p class=\"error\"><code>{}</code></p><p>{}</p>\
         <p class=\"small\">The application that sent you here cannot be told about this \
         error, because its redirect URI could not be verified.</p>",
        escape(error),
        escape(description)
    );
    page(status, "This request cannot continue", &body)
}

/// Who is asking and for what, shown above the login and consent forms.
pub struct Context<'a> {
    pub client_name: &'a str,
    pub scopes: &'a [String],
    /// For the device flow: the user code being approved.
    pub user_code: Option<&'a str>,
}

fn describe(context: &Context<'_>) -> String {
    let scopes: String = context
        .scopes
        .iter()
        .map(|s| format!("<li><code>{}</code></li>", escape(s)))
        .collect();
    let scopes = if scopes.is_empty() {
        "<p>No scopes requested.</p>".to_owned()
    } else {
        format!("<p>It asks for:</p><ul>{scopes}</ul>")
    };
    let code = context.user_code.map_or(String::new(), |code| {
        format!(
            "<p>Device code: <span class=\"code\">{}</span></p>",
            escape(code)
        )
    });
    format!(
        "<p><strong>{}</strong> wants to access your account.</p>{code}{scopes}",
        escape(context.client_name)
    )
}

pub fn login(
    tx: &str,
    users: &[User],
    login_hint: Option<&str>,
    context: &Context<'_>,
) -> Response {
    let login_action = relative(LOGIN_PATH);
    let buttons: String = users
        .iter()
        .map(|u| {
            let label = u.name.as_deref().unwrap_or(&u.username);
            format!(
                "<button type=\"submit\" name=\"username\" value=\"{}\">{}</button>",
                escape(&u.username),
                escape(label)
            )
        })
        .collect();
    let pick = if users.is_empty() {
        String::new()
    } else {
        format!(
            "<form method=\"post\" action=\"{login_action}\">{}<p>Sign in as</p>{buttons}</form>",
            hidden_tx(tx)
        )
    };
    let body = format!(
        "{}{pick}<form method=\"post\" action=\"{login_action}\">{}\
         <p><label>or another user: <input type=\"text\" name=\"username\" value=\"{}\" \
         autocomplete=\"username\" required></label></p>\
         <button type=\"submit\" class=\"secondary\">Sign in</button></form>\
         <p class=\"small\">Practice server: no passwords.</p>",
        describe(context),
        hidden_tx(tx),
        escape(login_hint.unwrap_or_default())
    );
    page(StatusCode::OK, "Sign in", &body)
}

pub fn consent(tx: &str, user: &User, context: &Context<'_>) -> Response {
    let who = user.name.as_deref().unwrap_or(&user.username);
    let consent_action = relative(CONSENT_PATH);
    let body = format!(
        "<p>Signed in as <strong>{}</strong> (<code>{}</code>).</p>{}\
         <form method=\"post\" action=\"{consent_action}\">{}\
         <button type=\"submit\" name=\"decision\" value=\"approve\">Approve</button>\
         <button type=\"submit\" name=\"decision\" value=\"deny\" class=\"deny\">Deny</button>\
         </form>",
        escape(who),
        escape(&user.username),
        describe(context),
        hidden_tx(tx)
    );
    page(StatusCode::OK, "Allow access?", &body)
}

/// Code entry for the device flow (RFC 8628 §3.3); `problem` explains a rejected code.
pub fn device_entry(prefill: Option<&str>, problem: Option<&str>) -> Response {
    let status = if problem.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let problem = problem.map_or(String::new(), |p| {
        format!("<p class=\"error\">{}</p>", escape(p))
    });
    let device_verification_action = relative(DEVICE_VERIFICATION_PATH);
    let body = format!(
        "{problem}<p>Enter the code shown on your device.</p>\
         <form method=\"post\" action=\"{device_verification_action}\">\
         <p><input type=\"text\" name=\"user_code\" value=\"{}\" placeholder=\"BCDF-GHJK\" \
         autocomplete=\"off\" autocapitalize=\"characters\" required></p>\
         <button type=\"submit\">Continue</button></form>",
        escape(prefill.unwrap_or_default())
    );
    page(status, "Connect a device", &body)
}

pub fn device_done(approved: bool, username: &str) -> Response {
    let (title, text) = if approved {
        (
            "Device connected",
            format!(
                "You approved the device as <strong>{}</strong>. You may return to your device.",
                escape(username)
            ),
        )
    } else {
        (
            "Request denied",
            "You denied the device's request. You may close this page.".to_owned(),
        )
    };
    page(StatusCode::OK, title, &format!("<p>{text}</p>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn every_page_refuses_framing_and_caching() {
        for response in [
            device_entry(None, None),
            device_done(true, "alice"),
            error(StatusCode::BAD_REQUEST, "invalid_request", "x"),
        ] {
            let headers = response.headers();
            assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
            let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
            assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
            assert_eq!(headers[header::CACHE_CONTROL], "no-store");
        }
    }
}
