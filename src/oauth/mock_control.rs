//! The oauthscope mock's control API (`/_mock/` below its issuer) from the client side: one
//! typed [`ControlRequest`] per action, sent through the recording client so each call is an
//! [`Exchange`] like any other, its answer read into JSON or a [`ControlError`] in words, and
//! described in lines a person reads. The CLI (`oauthscope mock fault|clock|…`) and the app's
//! Mock panel are two faces of this module.

use serde_json::{Map, Value, json};

use super::exchange::Exchange;
use super::http::RecordingClient;
use super::secret::Secret;
use super::step::RequestDraft;
use crate::terminal_text::one_line;

/// An injected fault: the next `count` requests to `endpoint` fail with `error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultSpec {
    /// authorize, token, userinfo, introspect, revoke, device, par, register, jwks, metadata.
    pub endpoint: String,
    /// An OAuth error code, an HTTP status, `malformed_json`, `drop_connection`, `delay` or a
    /// token fault; the mock says which it takes for the endpoint.
    pub error: String,
    pub count: u64,
    pub client_id: Option<String>,
    pub delay_ms: Option<u64>,
}

/// How to move the mock's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClockMove {
    /// Forward by a duration: 3600s, 90m, 2h, 1d.
    Advance(String),
    /// To an RFC 3339 time.
    Set(String),
    /// Back to the real time.
    Real,
}

/// One call to the control API.
#[derive(Debug, Clone, PartialEq)]
pub enum ControlRequest {
    AddFault(FaultSpec),
    ListFaults,
    ClearFaults,
    Clock(ClockMove),
    RotateKeys {
        retire_old: bool,
    },
    KeyHistory,
    /// Claims added to or overriding a user's tokens and userinfo.
    UserClaims {
        user: String,
        claims: Map<String, Value>,
    },
    /// Claims for the next token issued, whoever it is for.
    NextClaims(Map<String, Value>),
    Requests {
        limit: Option<usize>,
    },
}

/// Why a control call gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    #[error("`{0}` is not an http(s) URL")]
    BadIssuer(String),
    #[error("no mock answers at {issuer} ({reason})")]
    Unreachable { issuer: String, reason: String },
    #[error(
        "{issuer} has no control API at {path}: it is not an oauthscope mock, or the mock was \
         started with --no-control"
    )]
    NotAMock { issuer: String, path: String },
    #[error("the mock needs its control token (it was started with --control-token)")]
    NeedsToken,
    #[error("the mock refused the control token given")]
    TokenRefused,
    #[error("the mock refused ({status}): {reason}")]
    Refused { status: u16, reason: String },
    #[error("{issuer} answered {status} but not with JSON: is it an oauthscope mock?")]
    NotJson { issuer: String, status: u16 },
}

impl ControlRequest {
    /// The method, the path below the issuer, the query and the JSON body.
    fn parts(&self) -> (&'static str, String, Vec<(String, String)>, Option<Value>) {
        match self {
            ControlRequest::AddFault(fault) => {
                let mut body = json!({
                    "endpoint": fault.endpoint,
                    "error": fault.error,
                    "count": fault.count,
                });
                if let Some(id) = &fault.client_id {
                    body["client_id"] = json!(id);
                }
                if let Some(ms) = fault.delay_ms {
                    body["delay_ms"] = json!(ms);
                }
                ("POST", "/_mock/faults".into(), Vec::new(), Some(body))
            }
            ControlRequest::ListFaults => ("GET", "/_mock/faults".into(), Vec::new(), None),
            ControlRequest::ClearFaults => ("DELETE", "/_mock/faults".into(), Vec::new(), None),
            ControlRequest::Clock(to) => {
                let body = match to {
                    ClockMove::Advance(duration) => json!({"advance": duration}),
                    ClockMove::Set(time) => json!({"set": time}),
                    ClockMove::Real => json!({"real": true}),
                };
                ("POST", "/_mock/clock".into(), Vec::new(), Some(body))
            }
            ControlRequest::RotateKeys { retire_old } => (
                "POST",
                "/_mock/keys/rotate".into(),
                Vec::new(),
                Some(json!({"retire_old": retire_old})),
            ),
            ControlRequest::KeyHistory => ("GET", "/_mock/keys".into(), Vec::new(), None),
            ControlRequest::UserClaims { user, claims } => {
                let encoded: String =
                    url::form_urlencoded::byte_serialize(user.as_bytes()).collect();
                (
                    "PUT",
                    format!("/_mock/users/{encoded}/claims"),
                    Vec::new(),
                    Some(Value::Object(claims.clone())),
                )
            }
            ControlRequest::NextClaims(claims) => (
                "POST",
                "/_mock/claims/next".into(),
                Vec::new(),
                Some(Value::Object(claims.clone())),
            ),
            ControlRequest::Requests { limit } => (
                "GET",
                "/_mock/requests".into(),
                limit
                    .map(|n| vec![("limit".to_owned(), n.to_string())])
                    .unwrap_or_default(),
                None,
            ),
        }
    }

    /// The request to send to the mock at `issuer`, with its control token if it has one.
    pub fn draft(
        &self,
        issuer: &str,
        control_token: Option<&Secret>,
    ) -> Result<RequestDraft, ControlError> {
        let (method, path, query, body) = self.parts();
        let base = issuer.trim_end_matches('/');
        url::Url::parse(&format!("{base}{path}"))
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| ControlError::BadIssuer(issuer.to_owned()))?;
        let mut draft = RequestDraft::new(method, &format!("{base}{path}"));
        draft.params = query;
        draft.json_body = body;
        if let Some(token) = control_token {
            draft
                .headers
                .push(("Authorization".into(), format!("Bearer {}", token.secret())));
        }
        Ok(draft)
    }

    /// Sends the request (recorded on the client's log) and reads the answer.
    pub async fn send(
        &self,
        http: &RecordingClient,
        issuer: &str,
        control_token: Option<&Secret>,
    ) -> Result<Value, ControlError> {
        let draft = self.draft(issuer, control_token)?;
        let exchange = http.send(&draft).await;
        let (_, path, _, _) = self.parts();
        answer(&exchange, issuer, &path, control_token.is_some())
    }

    /// The answer in words, one line each, server text on one line and escaped.
    pub fn describe(&self, answer: &Value) -> Vec<String> {
        match self {
            ControlRequest::AddFault(_) => vec![fault_line(answer, "added")],
            ControlRequest::ClearFaults => {
                vec![format!("cleared {} pending fault(s)", answer["cleared"])]
            }
            ControlRequest::ListFaults => {
                let faults = pending_faults(answer);
                if faults.is_empty() {
                    return vec!["no faults pending".into()];
                }
                faults.iter().map(|f| fault_line(f, "pending")).collect()
            }
            ControlRequest::Clock(_) => vec![format!(
                "the mock's clock is at {} ({} ms from real time)",
                text(&answer["now_rfc3339"]),
                answer["offset_ms"]
            )],
            ControlRequest::RotateKeys { .. } => vec![
                format!("new signing keys: {}", list(&answer["introduced"])),
                format!(
                    "retired: {} (in /jwks until {})",
                    list(&answer["retired"]),
                    super::time::iso8601(answer["published_until"].as_i64().unwrap_or(0))
                ),
            ],
            ControlRequest::KeyHistory => {
                let mut lines = vec![
                    format!("signing keys: {}", list(&answer["current"])),
                    format!("in /jwks: {}", list(&answer["published"])),
                ];
                let rotations = answer["rotations"]
                    .as_array()
                    .map_or(&[][..], Vec::as_slice);
                for rotation in rotations {
                    lines.push(format!(
                        "rotated at {}: {} retired, in /jwks until {}",
                        super::time::iso8601(rotation["at"].as_i64().unwrap_or(0)),
                        list(&rotation["retired"]),
                        super::time::iso8601(rotation["published_until"].as_i64().unwrap_or(0))
                    ));
                }
                lines
            }
            ControlRequest::UserClaims { .. } | ControlRequest::NextClaims(_) => {
                vec![format!(
                    "claims in force: {}",
                    one_line(&answer.to_string())
                )]
            }
            ControlRequest::Requests { .. } => {
                let requests = answer["requests"].as_array().map_or(&[][..], Vec::as_slice);
                if requests.is_empty() {
                    return vec!["no requests received yet".into()];
                }
                requests.iter().flat_map(request_lines).collect()
            }
        }
    }
}

/// The faults of a `GET /_mock/faults` answer.
pub fn pending_faults(answer: &Value) -> Vec<Value> {
    answer["faults"].as_array().cloned().unwrap_or_default()
}

/// Reads a control answer: its JSON on success, else why the mock refused, in words.
fn answer(
    exchange: &Exchange,
    issuer: &str,
    path: &str,
    had_token: bool,
) -> Result<Value, ControlError> {
    let issuer = issuer.trim_end_matches('/').to_owned();
    let Some(status) = exchange.status.filter(|_| exchange.error.is_none()) else {
        let reason = exchange
            .error
            .clone()
            .unwrap_or_else(|| "no response".into());
        return Err(ControlError::Unreachable { issuer, reason });
    };
    let text = exchange.response_body.as_deref().unwrap_or("");
    let json: Option<Value> = serde_json::from_str(text).ok();
    match status {
        200..=299 => json.ok_or(ControlError::NotJson { issuer, status }),
        404 => Err(ControlError::NotAMock {
            issuer,
            path: path.to_owned(),
        }),
        401 if had_token => Err(ControlError::TokenRefused),
        401 => Err(ControlError::NeedsToken),
        _ => {
            let reason = json
                .as_ref()
                .and_then(|a| a["error_description"].as_str())
                .map_or_else(|| text.chars().take(200).collect(), str::to_owned);
            Err(ControlError::Refused {
                status,
                reason: one_line(&reason).into_owned(),
            })
        }
    }
}

/// `KEY=VALUE` pairs as a JSON object. VALUE is JSON when it parses as JSON (`42`, `true`,
/// `["a","b"]`), else a string; a value that opens like a JSON array, object or string but
/// does not parse is refused, so a typo never becomes a claim that merely looks right.
pub fn parse_claims<S: AsRef<str>>(pairs: &[S]) -> Result<Map<String, Value>, String> {
    if pairs.is_empty() {
        return Err("name at least one claim as KEY=VALUE".into());
    }
    pairs
        .iter()
        .map(|pair| {
            let pair = pair.as_ref();
            match pair.split_once('=') {
                Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), claim_value(value)?)),
                _ => Err(format!("`{}` is not KEY=VALUE", one_line(pair))),
            }
        })
        .collect()
}

fn claim_value(value: &str) -> Result<Value, String> {
    match serde_json::from_str(value) {
        Ok(json) => Ok(json),
        Err(err) if value.trim_start().starts_with(['[', '{', '"']) => Err(format!(
            "`{}` is not JSON ({err}); quote a plain string that starts with [, {{ or \"",
            one_line(value)
        )),
        Err(_) => Ok(json!(value)),
    }
}

/// Splits typed `KEY=VALUE KEY=VALUE` text at the spaces between pairs, not at those inside a
/// JSON value (`groups=["a", "b"]`).
pub fn split_pairs(text: &str) -> Vec<String> {
    let (mut pairs, mut current) = (Vec::new(), String::new());
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for c in text.chars() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else {
            match c {
                '"' => in_string = true,
                '[' | '{' => depth += 1,
                ']' | '}' => depth = depth.saturating_sub(1),
                c if c.is_whitespace() && depth == 0 => {
                    if !current.is_empty() {
                        pairs.push(std::mem::take(&mut current));
                    }
                    continue;
                }
                _ => {}
            }
        }
        current.push(c);
    }
    if !current.is_empty() {
        pairs.push(current);
    }
    pairs
}

fn text(v: &Value) -> String {
    one_line(&v.as_str().map_or_else(|| v.to_string(), str::to_owned)).into_owned()
}

fn list(value: &Value) -> String {
    let items: Vec<String> = value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(|s| one_line(s).into_owned())
                .collect()
        })
        .unwrap_or_default();
    items.join(", ")
}

/// One fault of the control API in words.
pub fn fault_line(fault: &Value, state: &str) -> String {
    let mut line = format!(
        "fault {} {state}: {} answers {} to the next {} request(s)",
        fault["id"],
        one_line(fault["endpoint"].as_str().unwrap_or("?")),
        describe_kind(fault),
        fault["remaining"]
    );
    if let Some(client) = fault["client_id"].as_str() {
        line.push_str(&format!(" from {}", one_line(client)));
    }
    if let Some(ms) = fault["delay_ms"].as_u64() {
        line.push_str(&format!(", {ms} ms late"));
    }
    line
}

fn describe_kind(fault: &Value) -> String {
    match fault["kind"].as_str() {
        Some("oauth_error") => one_line(fault["error"].as_str().unwrap_or("?")).into_owned(),
        Some("http_status") => format!("HTTP {} with an HTML page", fault["status"]),
        Some("token") => format!(
            "a token with {}",
            one_line(fault["fault"].as_str().unwrap_or("?"))
        ),
        Some(other) => one_line(other).into_owned(),
        None => "?".into(),
    }
}

fn request_lines(request: &Value) -> Vec<String> {
    let mut head = format!(
        "{} {} -> {}",
        one_line(request["method"].as_str().unwrap_or("?")),
        one_line(request["path"].as_str().unwrap_or("?")),
        request["status"]
    );
    if let Some(fault) = request["fault"].as_str() {
        head.push_str(&format!("  (fault: {})", one_line(fault)));
    }
    let mut lines = vec![head];
    for source in ["query", "form"] {
        for pair in request[source].as_array().into_iter().flatten() {
            lines.push(format!(
                "    {} = {}",
                one_line(pair[0].as_str().unwrap_or("")),
                one_line(pair[1].as_str().unwrap_or(""))
            ));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_values_are_json_when_they_parse() {
        let parsed =
            parse_claims(&["role=admin", "level=3", "groups=[\"a\",\"b\"]", "note=a=b"]).unwrap();
        assert_eq!(parsed["role"], "admin");
        assert_eq!(parsed["level"], 3);
        assert_eq!(parsed["groups"], json!(["a", "b"]));
        assert_eq!(parsed["note"], "a=b");
        assert!(parse_claims(&["=x"]).is_err());
        assert!(parse_claims(&["novalue"]).is_err());
        assert!(parse_claims::<&str>(&[]).is_err());
    }

    #[test]
    fn a_value_that_opens_like_json_must_be_json() {
        let err = parse_claims(&["groups=[a,b"]).unwrap_err();
        assert!(err.contains("`[a,b` is not JSON"), "{err}");
        assert!(parse_claims(&["x={\"a\":"]).is_err());
        assert!(parse_claims(&["name=\"unclosed"]).is_err());
    }

    #[test]
    fn typed_pairs_split_between_pairs_not_inside_json() {
        assert_eq!(
            split_pairs(r#" role=admin  groups=["a", "b"] note="x y" obj={"k": [1, 2]} "#),
            vec![
                "role=admin",
                r#"groups=["a", "b"]"#,
                r#"note="x y""#,
                r#"obj={"k": [1, 2]}"#
            ]
        );
        assert!(split_pairs("   ").is_empty());
    }

    #[test]
    fn drafts_name_the_control_path_and_carry_the_token_as_a_bearer() {
        let token = Secret::from("ctl-Zq9");
        let draft = ControlRequest::UserClaims {
            user: "bob smith".into(),
            claims: parse_claims(&["role=admin"]).unwrap(),
        }
        .draft("http://127.0.0.1:9000/", Some(&token))
        .unwrap();
        assert_eq!(draft.method, "PUT");
        assert_eq!(
            draft.url,
            "http://127.0.0.1:9000/_mock/users/bob+smith/claims"
        );
        assert_eq!(draft.json_body, Some(json!({"role": "admin"})));
        assert_eq!(draft.headers[0].1, "Bearer ctl-Zq9");
        let draft = ControlRequest::Requests { limit: Some(5) }
            .draft("http://127.0.0.1:9000", None)
            .unwrap();
        assert_eq!(draft.params, vec![("limit".to_owned(), "5".to_owned())]);
        assert!(matches!(
            ControlRequest::ListFaults.draft("ftp://x", None),
            Err(ControlError::BadIssuer(_))
        ));
    }

    #[test]
    fn server_text_in_answers_is_kept_on_one_escaped_line() {
        let answer = json!({"faults": [{"id": 1, "endpoint": "token\u{1b}[2J", "kind": "oauth_error",
            "error": "invalid_grant\nforged", "remaining": 2}]});
        let lines = ControlRequest::ListFaults.describe(&answer);
        assert_eq!(lines.len(), 1);
        assert!(
            !lines[0].contains('\u{1b}') && !lines[0].contains('\n'),
            "{lines:?}"
        );
    }
}
