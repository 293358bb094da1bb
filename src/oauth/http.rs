//! The recording HTTP client: every request and response the engine makes becomes an
//! [`Exchange`] in a shared [`ExchangeLog`], with its secret values marked.
//!
//! Redirects are never followed (an OAuth endpoint answers directly; following redirects is an
//! SSRF and credential-leak risk, RFC 9700 §4.11), every request has a timeout, and response
//! bodies are cut at a size limit. A transport failure does not raise: it is recorded on the
//! exchange (`error`), so the step that sent it can show what happened and why.
//!
//! The same client implements [`oauth2::AsyncHttpClient`], so requests the `oauth2` crate sends
//! are recorded like every other.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;

use super::error::EngineError;
use super::exchange::Exchange;
use super::step::RequestDraft;

/// Limits for every request the client sends.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Whole-request timeout, from connect to the last body byte.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Bodies larger than this are cut and the exchange marked failed.
    pub max_body_bytes: usize,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            timeout: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(5),
            max_body_bytes: 1024 * 1024,
        }
    }
}

/// The shared record of every exchange, in the order they were sent. Cheap to clone: clones
/// share one log. With a listener channel, each exchange goes to the listener instead (the
/// TUI keeps its own log and refreshes its exchange pane without polling), so a long session
/// is held once, not twice.
#[derive(Debug, Clone, Default)]
pub struct ExchangeLog {
    entries: Arc<Mutex<Vec<Exchange>>>,
    listener: Option<UnboundedSender<Exchange>>,
}

impl ExchangeLog {
    pub fn new() -> Self {
        Self::default()
    }

    /// A log that hands each recorded exchange to `listener`, which keeps it.
    pub fn with_listener(listener: UnboundedSender<Exchange>) -> Self {
        ExchangeLog {
            entries: Arc::default(),
            listener: Some(listener),
        }
    }

    pub fn record(&self, exchange: Exchange) {
        match &self.listener {
            Some(tx) => {
                // A closed listener only means nobody watches any more: then the log keeps it.
                if let Err(unsent) = tx.send(exchange) {
                    self.lock().push(unsent.0);
                }
            }
            None => self.lock().push(exchange),
        }
    }

    /// A copy of every exchange so far.
    pub fn snapshot(&self) -> Vec<Exchange> {
        self.lock().clone()
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Exchange>> {
        // A poisoned lock means a panic elsewhere while pushing; the Vec itself is still sound.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A request at the byte level: what [`RecordingClient::execute`] sends.
#[derive(Clone)]
pub struct RawRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    /// Names of params and headers the request marked secret, beyond the engine's rule
    /// ([`crate::oauth::secret::is_secret_name`]): where the recorded exchange masks.
    pub secret_names: Vec<String>,
}

/// Header values, the body and the query may all carry credentials: `Debug` shows their
/// shape only (the recorded [`Exchange`] is where a request is shown, masked).
impl std::fmt::Debug for RawRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (path, query) = self.url.split_once('?').unwrap_or((&self.url, ""));
        let headers: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("RawRequest")
            .field("method", &self.method)
            .field("url", &path)
            .field("query", &(!query.is_empty()).then_some("[redacted]"))
            .field("headers", &headers)
            .field(
                "body",
                &self.body.as_ref().map(|b| format!("[{} bytes]", b.len())),
            )
            .field("secret_names", &self.secret_names)
            .finish()
    }
}

impl RawRequest {
    /// Lowers an editable draft to bytes: GET params go in the query, POST params in a
    /// form body (or the JSON body when the draft has one).
    pub fn from_draft(draft: &RequestDraft) -> Result<Self, EngineError> {
        let mut url = url::Url::parse(&draft.url)
            .map_err(|e| EngineError::config(format!("invalid URL {:?}: {e}", draft.url)))?;
        let mut headers = draft.headers.clone();
        let mut body = None;
        let is_get =
            draft.method.eq_ignore_ascii_case("GET") || draft.method.eq_ignore_ascii_case("DELETE");
        if let Some(json) = &draft.json_body {
            body = Some(json.to_string().into_bytes());
            set_default_header(&mut headers, "Content-Type", "application/json");
        } else if is_get {
            if !draft.params.is_empty() {
                url.query_pairs_mut().extend_pairs(&draft.params);
            }
        } else {
            let form = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&draft.params)
                .finish();
            body = Some(form.into_bytes());
            set_default_header(
                &mut headers,
                "Content-Type",
                "application/x-www-form-urlencoded",
            );
        }
        set_default_header(&mut headers, "Accept", "application/json");

        Ok(RawRequest {
            method: draft.method.to_ascii_uppercase(),
            url: url.to_string(),
            headers,
            body,
            secret_names: draft.secret_names.clone(),
        })
    }
}

impl RawRequest {
    /// The request side of the exchange that records this request, its secrets located.
    pub fn recorded(&self) -> Exchange {
        let mut exchange = Exchange::new(self.method.clone(), self.url.clone());
        exchange.request_headers = self.headers.clone();
        exchange.request_body = self
            .body
            .as_deref()
            .map(|b| String::from_utf8_lossy(b).into_owned());
        exchange.locate_secrets(&self.secret_names);
        exchange
    }
}

fn set_default_header(headers: &mut Vec<(String, String)>, name: &str, value: &str) {
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name)) {
        headers.push((name.to_string(), value.to_string()));
    }
}

/// How long an idle connection is kept for reuse: less than common servers keep it.
const POOL_IDLE: Duration = Duration::from_secs(4);

/// The recording client. Cheap to clone; clones share the connection pool and the log.
#[derive(Debug, Clone)]
pub struct RecordingClient {
    http: reqwest::Client,
    log: ExchangeLog,
    settings: HttpSettings,
}

impl RecordingClient {
    /// A client with default limits and a fresh log.
    pub fn new() -> Result<Self, EngineError> {
        Self::with_settings(HttpSettings::default(), ExchangeLog::new())
    }

    pub fn with_settings(settings: HttpSettings, log: ExchangeLog) -> Result<Self, EngineError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .connect_timeout(settings.connect_timeout)
            // An idle connection is dropped before the usual server keep-alive of 5 s (Node's
            // default) runs out, so that a request after a wait (the browser leg) is never
            // written to a connection the server is closing: that is a reset, not an answer.
            .pool_idle_timeout(POOL_IDLE)
            .user_agent(concat!("oauthscope/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| EngineError::Local(format!("cannot build the HTTP client: {e}")))?;
        Ok(RecordingClient {
            http,
            log,
            settings,
        })
    }

    pub fn log(&self) -> &ExchangeLog {
        &self.log
    }

    pub fn settings(&self) -> &HttpSettings {
        &self.settings
    }

    /// Sends a step's draft and records the exchange. An invalid draft (a malformed URL) is
    /// recorded as a failed exchange too, so the user sees why nothing went out.
    pub async fn send(&self, draft: &RequestDraft) -> Exchange {
        match RawRequest::from_draft(draft) {
            Ok(raw) => self.execute(raw).await,
            Err(err) => {
                let mut exchange = Exchange::new(draft.method.clone(), draft.url.clone());
                exchange.error = Some(err.to_string());
                self.log.record(exchange.clone());
                exchange
            }
        }
    }

    /// Sends a raw request and records the exchange, whatever happens.
    pub async fn execute(&self, raw: RawRequest) -> Exchange {
        let mut exchange = raw.recorded();
        // Errors quote the URL; they quote it masked, as every view shows it.
        let shown_url = exchange.masked_url();

        let started = Instant::now();
        let outcome = self.perform(&raw, &shown_url, &mut exchange).await;
        exchange.duration = started.elapsed();
        if let Err(reason) = outcome {
            exchange.error = Some(reason);
        }
        exchange.locate_secrets(&raw.secret_names);
        tracing::debug!(
            method = %exchange.method,
            url = %shown_url,
            status = ?exchange.status,
            error = ?exchange.error,
            "exchange"
        );
        self.log.record(exchange.clone());
        exchange
    }

    /// Does the I/O, filling the response side of `exchange`; returns the failure in words,
    /// naming the URL as `shown_url`.
    async fn perform(
        &self,
        raw: &RawRequest,
        shown_url: &str,
        exchange: &mut Exchange,
    ) -> Result<(), String> {
        let method = reqwest::Method::from_bytes(raw.method.as_bytes())
            .map_err(|_| format!("invalid HTTP method {:?}", raw.method))?;
        let mut builder = self.http.request(method, &raw.url);
        for (name, value) in &raw.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = &raw.body {
            builder = builder.body(body.clone());
        }
        let mut response = builder.send().await.map_err(|e| describe(&e, shown_url))?;
        exchange.status = Some(response.status().as_u16());
        exchange.response_headers = header_pairs(response.headers());
        let mut body: Vec<u8> = Vec::new();
        let limit = self.settings.max_body_bytes;
        let result = loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > limit {
                        let room = limit - body.len();
                        body.extend_from_slice(&chunk[..room]);
                        break Err(format!(
                            "the response body is larger than the {} limit; it was cut",
                            human_bytes(limit)
                        ));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break Ok(()),
                Err(e) => break Err(describe(&e, shown_url)),
            }
        };
        exchange.response_body = Some(String::from_utf8_lossy(&body).into_owned());
        result
    }
}

fn human_bytes(n: usize) -> String {
    if n >= 1024 * 1024 && n.is_multiple_of(1024 * 1024) {
        format!("{} MiB", n / (1024 * 1024))
    } else if n >= 1024 && n.is_multiple_of(1024) {
        format!("{} KiB", n / 1024)
    } else {
        format!("{n} bytes")
    }
}

/// Turns a reqwest error into one readable line: what failed, not reqwest's internals.
fn describe(err: &reqwest::Error, url: &str) -> String {
    let chain = error_chain(err);
    if err.is_timeout() {
        return format!("no answer from {url} within the time limit (timed out)");
    }
    if err.is_connect() {
        if chain.contains("refused") {
            return format!("connection refused by {url} (is the server running?)");
        }
        if err.is_dns() {
            return format!("cannot resolve the host of {url}: {}", innermost(err));
        }
        // Past TCP and DNS, what fails to connect over https is the TLS handshake.
        if url.starts_with("https://") {
            return format!(
                "TLS handshake with {url} failed: {} (is it really https, with a trusted certificate?)",
                innermost(err)
            );
        }
        return format!("cannot connect to {url}: {chain}");
    }
    if err.is_body() || err.is_decode() {
        if chain.contains("IncompleteMessage")
            || chain.contains("end of file")
            || chain.contains("incomplete")
            || chain.contains("closed")
        {
            return format!("the response from {url} was truncated: the connection closed early");
        }
        return format!("reading the response from {url} failed: {chain}");
    }
    if chain.contains("IncompleteMessage") || chain.contains("connection closed") {
        return format!("the connection to {url} closed before a complete response arrived");
    }
    format!("request to {url} failed: {chain}")
}

/// The deepest cause: the one that says what actually went wrong.
fn innermost(err: &dyn std::error::Error) -> String {
    let mut current = err;
    while let Some(inner) = current.source() {
        current = inner;
    }
    current.to_string()
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = inner.source();
    }
    parts.join(": ")
}

/// The error the `oauth2` crate sees when a request it sent through us failed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TransportError(pub String);

impl<'c> oauth2::AsyncHttpClient<'c> for RecordingClient {
    type Error = TransportError;
    type Future =
        Pin<Box<dyn Future<Output = Result<oauth2::HttpResponse, TransportError>> + Send + 'c>>;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(async move {
            let raw = raw_from_http(&request);
            let exchange = self.execute(raw).await;
            if let Some(error) = exchange.error {
                return Err(TransportError(error));
            }
            let mut builder =
                oauth2::http::Response::builder().status(exchange.status.unwrap_or(500));
            for (name, value) in &exchange.response_headers {
                builder = builder.header(name, value);
            }
            builder
                .body(exchange.response_body.unwrap_or_default().into_bytes())
                .map_err(|e| TransportError(e.to_string()))
        })
    }
}

/// Headers as the text pairs an `Exchange` shows; a value that is not UTF-8 is shown lossily
/// rather than dropped.
fn header_pairs(headers: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn raw_from_http(request: &oauth2::HttpRequest) -> RawRequest {
    let headers = header_pairs(request.headers());
    let body = request.body();
    // oauth2 sends form bodies; the engine's rule finds the secret params in them.
    RawRequest {
        method: request.method().as_str().to_string(),
        url: request.uri().to_string(),
        headers,
        body: (!body.is_empty()).then(|| body.clone()),
        secret_names: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_with_a_listener_hands_exchanges_over_and_keeps_them_only_once_it_is_gone() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let log = ExchangeLog::with_listener(tx);
        log.record(Exchange::new("GET", "http://127.0.0.1:1/a"));
        assert_eq!(rx.try_recv().unwrap().url, "http://127.0.0.1:1/a");
        assert!(log.is_empty(), "held once, by the listener");
        drop(rx);
        log.record(Exchange::new("GET", "http://127.0.0.1:1/b"));
        assert_eq!(log.snapshot()[0].url, "http://127.0.0.1:1/b");
    }

    #[test]
    fn debug_of_a_raw_request_shows_no_header_value_body_or_query() {
        let mut draft = RequestDraft::new("GET", "http://127.0.0.1:1/userinfo");
        draft.set_param("access_token", "Zq-9query-token");
        let mut raw = RawRequest::from_draft(&draft).unwrap();
        raw.headers
            .push(("Authorization".into(), "Bearer Zq-9header-token".into()));
        raw.body = Some(b"client_secret=Zq-9body-secret".to_vec());
        let shown = format!("{raw:?}");
        assert!(!shown.contains("Zq-9"), "{shown}");
        assert!(
            shown.contains("Authorization") && shown.contains("/userinfo"),
            "{shown}"
        );
    }

    #[test]
    fn post_draft_becomes_a_form_with_secrets_marked() {
        let mut draft = RequestDraft::new("POST", "http://127.0.0.1:1/token");
        draft.set_param("grant_type", "authorization_code");
        draft.set_param("code", "the-code-value");
        let raw = RawRequest::from_draft(&draft).unwrap();
        assert_eq!(
            raw.body.as_deref(),
            Some(&b"grant_type=authorization_code&code=the-code-value"[..])
        );
        let shown = raw.recorded().redacted();
        assert!(!shown.request_body.unwrap().contains("the-code-value"));
        assert!(
            raw.headers
                .contains(&("Accept".into(), "application/json".into()))
        );
    }

    #[test]
    fn get_draft_puts_params_in_the_query() {
        let mut draft = RequestDraft::new("GET", "http://127.0.0.1:1/authorize?x=1");
        draft.set_param("scope", "openid profile");
        let raw = RawRequest::from_draft(&draft).unwrap();
        assert_eq!(
            raw.url,
            "http://127.0.0.1:1/authorize?x=1&scope=openid+profile"
        );
        assert!(raw.body.is_none());
    }

    #[test]
    fn invalid_url_is_a_config_error() {
        let draft = RequestDraft::new("GET", "not a url");
        assert!(matches!(
            RawRequest::from_draft(&draft),
            Err(EngineError::Config(_))
        ));
    }

    #[test]
    fn basic_credentials_are_masked_whole() {
        let mut ex = Exchange::new("POST", "http://x/token");
        // "client:s3cr3t-value"
        ex.request_headers.push((
            "Authorization".into(),
            "Basic Y2xpZW50OnMzY3IzdC12YWx1ZQ==".into(),
        ));
        ex.locate_secrets(&[]);
        assert_eq!(
            ex.redacted().request_headers[0].1,
            "Basic •••••• (28 chars)"
        );
    }
}
