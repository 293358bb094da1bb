//! Servers: the built-in mock and saved profiles (the MCP default marked); details are the
//! engine's capabilities of the server (RFC 8414 defaults applied, as the CLI shows them)
//! with its warnings, each value tagged with the document it came from (RFC 8414, OpenID
//! Connect, or typed in) or as a default, or the raw metadata (`x`).

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::oauth::discovery::{Capabilities, MetadataSource};
use crate::oauth::flow::mcp;
use crate::tui::app::App;
use crate::tui::model::{ServerEntry, ServerState};
use crate::tui::theme::Theme;
use crate::tui::widgets;
use crate::wire::ServerMetadata;

pub fn render_list(app: &App, frame: &mut Frame, area: Rect, focused: bool) {
    let theme = app.theme();
    let mut rows: Vec<Line> = app
        .servers
        .iter()
        .enumerate()
        .map(|(i, server)| {
            let marker = if i == app.server_cursor.index {
                "▸ "
            } else {
                "  "
            };
            let mut spans = vec![
                Span::raw(marker),
                discovery_glyph(&server.discovery, app.ui.frame, &theme),
                Span::raw(" "),
                Span::styled(server.name.clone(), theme.text()),
            ];
            if server.mcp_url.is_some() {
                spans.push(Span::styled(" (MCP)", theme.hint()));
            }
            if server.default {
                spans.push(Span::styled(" (default)", theme.hint()));
            }
            Line::from(spans)
        })
        .collect();
    rows.push(Line::styled("  + add by issuer URL (n)", theme.hint()));
    let selected = (!app.servers.is_empty()).then_some(app.server_cursor.index);
    let block = widgets::block(" 1 Servers ", focused, &theme);
    widgets::list(frame, area, block, rows, selected, &theme);
}

fn discovery_glyph(discovery: &ServerState, frame: usize, theme: &Theme) -> Span<'static> {
    match discovery {
        ServerState::NotRun => Span::styled("·", theme.hint()),
        ServerState::Running => Span::styled(widgets::spinner(frame), theme.waiting()),
        ServerState::Done { warnings, .. } if warnings.is_empty() => {
            Span::styled("✓", theme.success())
        }
        ServerState::Done { .. } => Span::styled("!", theme.waiting()),
        ServerState::Failed(_) => Span::styled("✗", theme.failure()),
    }
}

pub fn render_detail(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme();
    let Some(server) = app.selected_server() else {
        let block = widgets::block(" Server ", false, &theme);
        let hint = vec![Line::styled(
            "No server yet: press n to add one by issuer URL.",
            theme.hint(),
        )];
        return widgets::text(frame, area, block, hint, 0);
    };
    let title = format!(" {} · {} ", server.name, server.issuer);
    let block = widgets::block(title, false, &theme);
    let mut lines = mcp_lines(server, &theme);
    lines.extend(detail_lines(app, server, &theme));
    widgets::text(frame, area, block, lines, app.ui.scroll);
}

/// For a server added by its MCP URL: that URL and the authorization server found for it.
fn mcp_lines<'a>(server: &ServerEntry, theme: &Theme) -> Vec<Line<'a>> {
    let Some(url) = &server.mcp_url else {
        return Vec::new();
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled("MCP server           ", theme.hint()),
            Span::styled(url.clone(), theme.text()),
        ]),
        Line::from(vec![
            Span::styled("authorization server ", theme.hint()),
            Span::styled(server.issuer.clone(), theme.text()),
            Span::styled(" (its RFC 9728 metadata)", theme.hint()),
        ]),
        Line::from(vec![
            Span::styled("MCP revision         ", theme.hint()),
            Span::styled(server.mcp_spec.as_str(), theme.text()),
            Span::styled(" (V changes it)", theme.hint()),
        ]),
    ];
    // The MUSTs of MCP authorization: the resource metadata's (when added this run), then
    // the authorization server's once it is discovered.
    let spec = server.mcp_spec;
    let server_checks = server
        .metadata()
        .map(|m| mcp::authorization_server_checks(m, spec))
        .unwrap_or_default();
    for check in server.mcp_checks.iter().chain(&server_checks) {
        lines.push(widgets::check_line(check, 21, theme));
    }
    lines.push(Line::raw(""));
    lines
}

fn detail_lines<'a>(app: &App, server: &ServerEntry, theme: &Theme) -> Vec<Line<'a>> {
    match &server.discovery {
        ServerState::NotRun => vec![Line::styled(
            "Not discovered yet: press enter to fetch its metadata (RFC 8414, OIDC Discovery).",
            theme.hint(),
        )],
        ServerState::Running => vec![Line::styled(
            format!(
                "{} fetching {}/.well-known/… (esc cancels)",
                widgets::spinner(app.ui.frame),
                server.issuer
            ),
            theme.waiting(),
        )],
        ServerState::Failed(reason) => vec![
            Line::styled(format!("✗ discovery failed: {reason}"), theme.failure()),
            Line::styled(
                "Check the issuer URL (it must match the metadata's `issuer` exactly), then press enter to retry.",
                theme.hint(),
            ),
        ],
        ServerState::Done { raw, .. } if app.ui.raw_metadata => {
            let mut lines = vec![Line::styled(
                "raw metadata (x: capability matrix)",
                theme.hint(),
            )];
            lines.extend(widgets::styled_lines(raw, theme.text()));
            lines
        }
        ServerState::Done {
            metadata,
            sources,
            warnings,
            ..
        } => {
            let mut lines = capability_matrix(metadata, sources, theme);
            lines.push(Line::raw(""));
            if warnings.is_empty() {
                lines.push(Line::styled("✓ no warnings", theme.success()));
            }
            for warning in warnings {
                lines.push(Line::styled(format!("! {warning}"), theme.waiting()));
            }
            lines.push(Line::styled("x: raw metadata JSON", theme.hint()));
            lines
        }
    }
}

/// What the server can do, as the engine computes it ([`Capabilities`], with the RFC 8414
/// defaults for omitted members: the answer `oauthscope discover` gives), then each endpoint
/// with its URL; every value says which document it came from, or that it is a default.
pub fn capability_matrix<'a>(
    meta: &ServerMetadata,
    sources: &BTreeMap<String, MetadataSource>,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let caps = Capabilities::of(meta);
    let endpoints = [
        (
            "authorize",
            "authorization_endpoint",
            &meta.authorization_endpoint,
        ),
        ("token", "token_endpoint", &meta.token_endpoint),
        ("jwks", "jwks_uri", &meta.jwks_uri),
        ("userinfo", "userinfo_endpoint", &meta.userinfo_endpoint),
        (
            "par",
            "pushed_authorization_request_endpoint",
            &meta.pushed_authorization_request_endpoint,
        ),
        (
            "device",
            "device_authorization_endpoint",
            &meta.device_authorization_endpoint,
        ),
        (
            "register",
            "registration_endpoint",
            &meta.registration_endpoint,
        ),
        (
            "introspect",
            "introspection_endpoint",
            &meta.introspection_endpoint,
        ),
        ("revoke", "revocation_endpoint", &meta.revocation_endpoint),
    ];
    // Where a member came from; a member the server left out that RFC 8414 gives a default
    // for says so, since the value shown is then the default, not the server's word.
    let source = |member: &str, default: Option<&str>| -> Span<'a> {
        match (sources.get(member), default) {
            (Some(from), _) => Span::styled(format!("  ({})", from.label()), theme.hint()),
            (None, Some(rule)) => Span::styled(format!("  (not advertised: {rule})"), theme.hint()),
            (None, None) => Span::raw(""),
        }
    };
    let flag = |yes: bool, name: &str| {
        let (glyph, style) = if yes {
            ("✓", theme.success())
        } else {
            ("✗", theme.failure())
        };
        Span::styled(format!("{glyph}{name} "), style)
    };
    let mut endpoint_line = vec![Span::styled(format!("{:<12} ", "endpoints"), theme.hint())];
    for (name, _, url) in endpoints {
        endpoint_line.push(flag(url.is_some(), name));
    }
    let flows = [
        (caps.authorization_code, "code"),
        (caps.pushed_authorization_requests, "par"),
        (caps.device_authorization, "device"),
        (caps.client_credentials, "client_credentials"),
        (caps.refresh_token, "refresh"),
        (caps.token_exchange, "token_exchange"),
        (caps.jwt_bearer, "jwt-bearer"),
    ];
    let mut flow_line = vec![Span::styled(format!("{:<12} ", "flows"), theme.hint())];
    flow_line.extend(flows.iter().map(|(yes, name)| flag(*yes, name)));
    flow_line.push(if meta.grant_types_supported.is_empty() {
        Span::styled("  (grants: RFC 8414 §2 default)", theme.hint())
    } else {
        source("grant_types_supported", None)
    });
    let row = |label: &str, member: &str, values: &[String], default: Option<&str>| {
        let value = if values.is_empty() {
            Span::styled("(not advertised)", theme.hint())
        } else {
            Span::styled(values.join(" "), theme.text())
        };
        let mut line = widgets::kv(label, 12, value, theme);
        line.spans.push(source(member, default));
        line
    };
    // `member` is the one metadata member the answer reads, when there is one.
    let yes_no = |label: &str, member: Option<&str>, yes: bool| {
        let value = Span::styled(if yes { "yes" } else { "no" }, theme.text());
        let mut line = widgets::kv(label, 12, value, theme);
        if let Some(member) = member {
            line.spans.push(source(member, None));
        }
        line
    };
    let mut issuer = widgets::kv(
        "issuer",
        12,
        Span::styled(meta.issuer.clone(), theme.text()),
        theme,
    );
    issuer.spans.push(source("issuer", None));
    let auth_default = meta
        .token_endpoint_auth_methods_supported
        .is_empty()
        .then_some("RFC 8414 §2 default");
    let mut lines = vec![
        issuer,
        Line::from(flow_line),
        Line::from(endpoint_line),
        row(
            "PKCE",
            "code_challenge_methods_supported",
            &caps.pkce_methods,
            None,
        ),
        row(
            "client auth",
            "token_endpoint_auth_methods_supported",
            &caps.token_endpoint_auth_methods,
            auth_default,
        ),
        yes_no(
            "iss param",
            Some("authorization_response_iss_parameter_supported"),
            caps.iss_parameter,
        ),
        yes_no("OpenID", None, caps.openid_connect),
        row(
            "signing",
            "id_token_signing_alg_values_supported",
            &caps.id_token_signing_algs,
            None,
        ),
        row("scopes", "scopes_supported", &meta.scopes_supported, None),
    ];
    // The extensions beyond the core grants get a row each only when the server lists them;
    // the rest share one line, so the endpoints stay in view at 80x24.
    let extensions = [
        (
            "assertions",
            "token_endpoint_auth_signing_alg_values_supported",
            &caps.client_assertion_signing_algs,
        ),
        (
            "request obj",
            "request_object_signing_alg_values_supported",
            &caps.request_object_signing_algs,
        ),
        ("DPoP", "dpop_signing_alg_values_supported", &caps.dpop_algs),
        (
            "RAR types",
            "authorization_details_types_supported",
            &caps.authorization_details_types,
        ),
    ];
    let mut not_listed = Vec::new();
    for (label, member, values) in extensions {
        if values.is_empty() {
            not_listed.push(label);
        } else {
            lines.push(row(label, member, values, None));
        }
    }
    if !caps.request_object_signing_algs.is_empty() || caps.require_signed_request_object {
        lines.push(yes_no(
            "signed req",
            Some("require_signed_request_object"),
            caps.require_signed_request_object,
        ));
    }
    if !not_listed.is_empty() {
        lines.push(widgets::kv(
            "not listed",
            12,
            Span::styled(not_listed.join(", "), theme.hint()),
            theme,
        ));
    }
    for (name, member, url) in endpoints {
        if let Some(url) = url {
            let mut line = widgets::kv(name, 12, Span::styled(url.clone(), theme.text()), theme);
            line.spans.push(source(member, None));
            lines.push(line);
        }
    }
    lines
}
