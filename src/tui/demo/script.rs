//! What each demo flow does, one act per presenter key: every act drives the protocol engine
//! against the built-in mock over loopback and reports what happened as a [`Scene`]. Nothing
//! is canned: the requests, the server's answers and the checks are those of this run.

use std::sync::Arc;
use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::oauth::RequestDraft;
use crate::oauth::client_auth::{AuthMethod, ClientCredentials};
use crate::oauth::discovery;
use crate::oauth::error::EngineError;
use crate::oauth::flow::{Advance, Flow, FlowConfig};
use crate::oauth::http::RecordingClient;
use crate::oauth::jwks::KeyStore;
use crate::oauth::jwt::{self, ClaimRules, Jwt, Verdict, Verification};
use crate::oauth::pkce::random_token;
use crate::oauth::secret::Secret;
use crate::oauth::step::{Step, StepKind, StepStatus};
use crate::profile::ClientProfile;
use crate::tui::app::path_of;
use crate::tui::diagram::Diagram;
use crate::tui::outcome::{Outcome, SignInEnd};
use crate::tui::{widgets, work};
use crate::wire::{ServerMetadata, TokenResponse};

use super::DemoFlow;

/// The redirect URI registered for the mock's demo clients (any loopback port is accepted;
/// the demo's sign-in reads the redirect itself, as the app's in-terminal sign-in does).
const REDIRECT_URI: &str = "http://127.0.0.1/callback";
/// The user the demo signs in as.
const USER: &str = "alice";
/// The scopes the demo asks for: an ID token (openid) and the user's profile.
const SCOPE: &str = "openid profile email";
/// Polls the device flow makes at most after approval before it gives up.
const MAX_POLLS: usize = 4;

/// One step of a demo, as the presenter sees it in the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    Discover,
    Authorize,
    SignIn,
    Redirect,
    ForgedRedirect,
    ExchangeCode,
    Verify,
    ReplayCode,
    CodeTokensInactive,
    DeviceAuthorize,
    PollEarly,
    ApproveOnPhone,
    PollAgain,
    SignInForTokens,
    Refresh,
    ReuseOldRefreshToken,
    FamilyRevoked,
    ClientToken,
    VerifyGenuine,
    ForgeAlgNone,
    VerifyForged,
}

impl DemoFlow {
    /// The acts of this flow, in order.
    pub fn acts(self) -> &'static [Act] {
        use Act::*;
        match self {
            DemoFlow::Code => &[Discover, Authorize, SignIn, Redirect, ExchangeCode, Verify],
            DemoFlow::Device => &[
                Discover,
                DeviceAuthorize,
                PollEarly,
                ApproveOnPhone,
                PollAgain,
                Verify,
            ],
            DemoFlow::Refresh => &[
                Discover,
                SignInForTokens,
                Refresh,
                ReuseOldRefreshToken,
                FamilyRevoked,
            ],
            DemoFlow::ForgedState => &[Discover, Authorize, SignIn, ForgedRedirect],
            DemoFlow::ReplayedCode => &[
                Discover,
                Authorize,
                SignIn,
                Redirect,
                ExchangeCode,
                ReplayCode,
                CodeTokensInactive,
            ],
            DemoFlow::AlgNone => &[
                Discover,
                ClientToken,
                VerifyGenuine,
                ForgeAlgNone,
                VerifyForged,
            ],
        }
    }
}

impl Act {
    /// The act's line in the list of steps.
    pub fn title(self) -> &'static str {
        match self {
            Act::Discover => "Discover the server",
            Act::Authorize => "Authorization request",
            Act::SignIn => "Sign in as alice, consent",
            Act::Redirect => "Check the redirect",
            Act::ForgedRedirect => "A forged redirect arrives",
            Act::ExchangeCode => "Exchange code for tokens",
            Act::Verify => "Verify the tokens",
            Act::ReplayCode => "Redeem the code again",
            Act::CodeTokensInactive => "Is its token still active?",
            Act::DeviceAuthorize => "Ask for a device code",
            Act::PollEarly => "Poll before approval",
            Act::ApproveOnPhone => "Approve on the phone",
            Act::PollAgain => "Poll again",
            Act::SignInForTokens => "Get tokens (code + PKCE)",
            Act::Refresh => "Refresh: R1 rotates to R2",
            Act::ReuseOldRefreshToken => "Reuse the old R1",
            Act::FamilyRevoked => "Try the newest, R2",
            Act::ClientToken => "Get a signed access token",
            Act::VerifyGenuine => "Verify the genuine token",
            Act::ForgeAlgNone => "Forge it with alg none",
            Act::VerifyForged => "Verify the forged token",
        }
    }

    /// Why the act exists, with the rule it shows.
    pub fn why(self) -> &'static str {
        match self {
            Act::Discover => {
                "The client reads the server's metadata: its endpoints, keys and what it \
                 supports. The issuer in it must be the one asked for (RFC 8414 §3.3)."
            }
            Act::Authorize => {
                "The client builds the URL the browser opens: a fresh state against CSRF, a \
                 nonce for the ID token, and a PKCE challenge (S256) whose verifier only the \
                 client knows (RFC 6749 §4.1.1, RFC 7636 §4.3)."
            }
            Act::SignIn => {
                "The browser takes the user to the server, who signs in and consents; the \
                 server redirects back with a one-time code (RFC 6749 §4.1.2). Here the \
                 terminal posts the mock's forms as a browser would."
            }
            Act::Redirect => {
                "The client checks the redirect before using the code: state must be the one \
                 it sent (RFC 6749 §10.12) and iss the server it asked (RFC 9207)."
            }
            Act::ForgedRedirect => {
                "An attacker makes the browser deliver a redirect the client never asked for \
                 (CSRF): same callback, another state. The client compares state with the one \
                 it sent and refuses (RFC 6749 §10.12, RFC 9700 §4.7)."
            }
            Act::ExchangeCode => {
                "The client trades the code and the PKCE verifier for tokens; the server \
                 checks the verifier against the challenge (RFC 6749 §4.1.3, RFC 7636 §4.6)."
            }
            Act::Verify => {
                "The client fetches the server's keys and checks the ID token's signature, \
                 then iss, aud, azp and exp, the nonce where the request sent one, and \
                 at_hash, which ties the access token to it (OIDC Core §3.1.3.7)."
            }
            Act::ReplayCode => {
                "The same token request is sent again, as an attacker who stole the code \
                 would. A code is single use: the server refuses and revokes the tokens \
                 already issued from it (RFC 6749 §4.1.2, RFC 9700 §4.5)."
            }
            Act::CodeTokensInactive => {
                "The client introspects the access token the first exchange gave: the server \
                 says it is no longer active (RFC 7662 §2.2)."
            }
            Act::DeviceAuthorize => {
                "A device without a browser asks for a user code and a URL to show the user \
                 (RFC 8628 §3.1–3.2)."
            }
            Act::PollEarly => {
                "The device polls the token endpoint; until the user approves, the server \
                 answers authorization_pending (RFC 8628 §3.5)."
            }
            Act::ApproveOnPhone => {
                "On another device the user opens the URL, types the code, signs in and \
                 approves (RFC 8628 §3.3)."
            }
            Act::PollAgain => {
                "The device polls again, no sooner than the interval the server gave (a poll \
                 too soon hears slow_down), and gets the tokens (RFC 8628 §3.4–3.5)."
            }
            Act::SignInForTokens => {
                "The code flow with PKCE, run through (authorization request, sign-in as \
                 alice, redirect checks, token request), for a refresh token to work with."
            }
            Act::Refresh => {
                "The client presents its refresh token for fresh tokens. The server rotates \
                 it: a new refresh token comes back and the old one is retired (RFC 9700 \
                 §4.14.2)."
            }
            Act::ReuseOldRefreshToken => {
                "The rotated-out refresh token is presented again, as a thief holding a copy \
                 would. The server sees reuse and revokes the whole token family (RFC 9700 \
                 §4.14.2)."
            }
            Act::FamilyRevoked => {
                "Even the newest refresh token, never used, is now refused: the family went \
                 with the reuse, so the thief and the client both have to sign in again."
            }
            Act::ClientToken => {
                "A confidential client gets a JWT access token for itself (RFC 6749 §4.4), \
                 signed by the server's key (RFC 9068)."
            }
            Act::VerifyGenuine => {
                "A resource server checks the token against the server's published keys: the \
                 signature, the issuer and the times (RFC 9068 §4)."
            }
            Act::ForgeAlgNone => {
                "An attacker edits the claims and sets the header's alg to none, dropping the \
                 signature: a token that claims to need no checking (RFC 7519 §6)."
            }
            Act::VerifyForged => {
                "Verification refuses alg none outright: the algorithm is chosen by the \
                 verifier, never by the token (RFC 8725 §3.1, §2.1)."
            }
        }
    }
}

/// A check the act saw, with its verdict: a failed check here is often the point (a forged
/// state refused, a replayed code rejected).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub what: String,
    pub passed: bool,
}

/// What one act did: its requests (`GET /jwks → 200`), what it learnt, its checks, the
/// tokens it obtained, and whether the demo itself went wrong (the server did not do what
/// the step shows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scene {
    pub act: Act,
    pub exchanges: Vec<String>,
    pub notes: Vec<String>,
    pub checks: Vec<Check>,
    pub tokens: Vec<String>,
    pub broken: Option<String>,
    /// The sequence diagram of the whole run as it stood when this act ended, so a step shown
    /// again shows its picture of then.
    pub diagram: Option<Arc<Diagram>>,
}

impl Scene {
    fn new(act: Act) -> Scene {
        Scene {
            act,
            exchanges: Vec::new(),
            notes: Vec::new(),
            checks: Vec::new(),
            tokens: Vec::new(),
            broken: None,
            diagram: None,
        }
    }

    fn note(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }

    fn check(&mut self, what: impl Into<String>, passed: bool) {
        self.checks.push(Check {
            what: what.into(),
            passed,
        });
    }
}

/// The state one demo run builds up as it goes, and the client it plays with.
pub struct Script {
    http: RecordingClient,
    issuer: String,
    public: ClientCredentials,
    confidential: Option<ClientCredentials>,
    metadata: Option<ServerMetadata>,
    flow: Option<Flow>,
    /// The steps played so far outside the running flow, in the order they were played (the
    /// discovery, flows run and done, the running flow's steps up to `flow_kept`): what the
    /// diagram is drawn from, with the running flow's other steps after them.
    played: Vec<Step>,
    flow_kept: usize,
    redirect: Option<Secret>,
    next_poll: Option<Instant>,
    tokens: Vec<TokenResponse>,
    /// The attacker's token: the real one's claims, edited, unsigned.
    forged: Option<Secret>,
}

impl Script {
    /// A script against `issuer`, as its public client (and, for the client credentials
    /// step, its confidential one), chosen from the server's client profiles.
    pub fn new(issuer: &str, clients: &[ClientProfile]) -> Result<Script, String> {
        let credentials = |profile: &ClientProfile| -> Result<ClientCredentials, String> {
            Ok(ClientCredentials {
                client_id: profile.client_id.clone(),
                client_secret: profile.client_secret.clone().map(Secret::from),
                auth_method: profile
                    .auth_method
                    .parse::<AuthMethod>()
                    .map_err(|e| e.to_string())?,
                signing_key: None,
            })
        };
        let public = clients
            .iter()
            .find(|c| c.client_secret.is_none())
            .ok_or("the server has no public client to play the demo with")?;
        let confidential = clients.iter().find(|c| c.client_secret.is_some());
        Ok(Script {
            http: RecordingClient::new().map_err(|e| e.to_string())?,
            issuer: issuer.to_string(),
            public: credentials(public)?,
            confidential: confidential.map(credentials).transpose()?,
            metadata: None,
            flow: None,
            played: Vec::new(),
            flow_kept: 0,
            redirect: None,
            next_poll: None,
            tokens: Vec::new(),
            forged: None,
        })
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Requests sent so far.
    pub fn requests_sent(&self) -> usize {
        self.http.log().len()
    }

    /// Plays `act`: its requests go out now, and the scene says what came back.
    pub async fn play(&mut self, act: Act) -> Scene {
        let before = self.http.log().len();
        let mut scene = Scene::new(act);
        if let Err(reason) = self.act(act, &mut scene).await {
            scene.broken = Some(reason);
        }
        let log = self.http.log().snapshot();
        scene.diagram = Some(Arc::new(Diagram::build(&self.steps(), &log)));
        scene.exchanges = log
            .iter()
            .skip(before)
            .map(|e| {
                let status = e
                    .status
                    .map_or_else(|| "no answer".to_string(), |s| s.to_string());
                format!("{} {} → {status}", e.method, path_of(&e.url))
            })
            .collect();
        scene
    }

    async fn act(&mut self, act: Act, scene: &mut Scene) -> Result<(), String> {
        match act {
            Act::Discover => self.discover(scene).await,
            Act::Authorize => self.authorize(scene).await,
            Act::SignIn => self.sign_in(scene).await,
            Act::Redirect => self.check_redirect(scene),
            Act::ForgedRedirect => self.forged_redirect(scene),
            Act::ExchangeCode => self.exchange_code(scene).await,
            Act::Verify => self.verify(scene).await,
            Act::ReplayCode => self.replay_code(scene).await,
            Act::CodeTokensInactive => self.code_tokens_inactive(scene).await,
            Act::DeviceAuthorize => self.device_authorize(scene).await,
            Act::PollEarly => self.poll_early(scene).await,
            Act::ApproveOnPhone => self.approve_on_phone(scene).await,
            Act::PollAgain => self.poll_again(scene).await,
            Act::SignInForTokens => self.sign_in_for_tokens(scene).await,
            Act::Refresh => self.refresh(scene).await,
            Act::ReuseOldRefreshToken => self.reuse_refresh_token(scene, 0).await,
            Act::FamilyRevoked => self.reuse_refresh_token(scene, 1).await,
            Act::ClientToken => self.client_token(scene).await,
            Act::VerifyGenuine => self.verify_genuine(scene).await,
            Act::ForgeAlgNone => self.forge_alg_none(scene),
            Act::VerifyForged => self.verify_forged(scene).await,
        }
    }

    fn config(&self, client: &ClientCredentials) -> Result<FlowConfig, String> {
        let metadata = self
            .metadata
            .clone()
            .ok_or("the server is not discovered")?;
        let mut config = FlowConfig::new(metadata, client.clone());
        config.scope = Some(SCOPE.into());
        config.redirect_uri = Some(REDIRECT_URI.into());
        Ok(config)
    }

    /// Every step played, in order: those kept, then the running flow's others.
    /// A step not sent yet is left out: in the demo an arrow appears when its step plays.
    fn steps(&self) -> Vec<Step> {
        let mut steps = self.played.clone();
        if let Some(flow) = &self.flow {
            let rest = flow.steps().iter().skip(self.flow_kept);
            steps.extend(rest.filter(|s| played(s)).cloned());
        }
        steps
    }

    /// Keeps the running flow's steps so far, then those of `other`, a flow run on its own
    /// now (an introspection, a refresh): the diagram draws them in the order they ran.
    fn keep(&mut self, other: Option<&Flow>) {
        if let Some(flow) = &self.flow {
            let sent = flow.steps().iter().skip(self.flow_kept);
            let sent: Vec<Step> = sent.filter(|s| played(s)).cloned().collect();
            self.flow_kept += sent.len();
            self.played.extend(sent);
        }
        if let Some(other) = other {
            self.played
                .extend(other.steps().iter().filter(|s| played(s)).cloned());
        }
    }

    /// Makes `flow` the running flow, the one before kept for the diagram.
    fn start(&mut self, flow: Flow) {
        self.keep(None);
        self.flow = Some(flow);
        self.flow_kept = 0;
    }

    fn flow(&mut self) -> Result<&mut Flow, String> {
        self.flow
            .as_mut()
            .ok_or_else(|| "no flow is running".into())
    }

    async fn advance(&mut self) -> Result<Advance, EngineError> {
        let http = self.http.clone();
        match self.flow.as_mut() {
            Some(flow) => flow.advance(&http).await,
            None => Err(EngineError::config("no flow is running")),
        }
    }

    async fn discover(&mut self, scene: &mut Scene) -> Result<(), String> {
        let found = discovery::discover(&self.http, &self.issuer)
            .await
            .map_err(|e| e.to_string())?;
        let m = &found.metadata;
        scene.check("the metadata's issuer is the server asked", true);
        for (name, value) in [
            ("authorization", &m.authorization_endpoint),
            ("token", &m.token_endpoint),
            ("device", &m.device_authorization_endpoint),
            ("keys (jwks_uri)", &m.jwks_uri),
        ] {
            if let Some(url) = value {
                scene.note(format!("{name}: {}", path_of(url)));
            }
        }
        if m.code_challenge_methods_supported
            .iter()
            .any(|x| x == "S256")
        {
            scene.note("PKCE: S256 supported");
        }
        self.metadata = Some(found.metadata);
        let mut step = StepKind::ServerMetadata.step();
        step.status = StepStatus::Done;
        step.exchange = self.http.log().snapshot().pop();
        self.played.push(step);
        Ok(())
    }

    async fn authorize(&mut self, scene: &mut Scene) -> Result<(), String> {
        let config = self.config(&self.public)?;
        self.start(Flow::authorization_code(config).map_err(|e| e.to_string())?);
        let Advance::Browser { url } = self.advance().await.map_err(|e| e.to_string())? else {
            return Err("the flow did not ask for the browser".into());
        };
        let url = url::Url::parse(&url).map_err(|e| e.to_string())?;
        scene.note(format!("GET {} with:", url.path()));
        for (name, value) in url.query_pairs() {
            // Random values are described, not shown: they differ on every run.
            let shown = match name.as_ref() {
                "state" | "nonce" => format!(
                    "{} random characters, kept by the client",
                    value.chars().count()
                ),
                "code_challenge" => "SHA-256 of the verifier only the client knows".to_string(),
                _ => value.into_owned(),
            };
            scene.note(format!("  {name} = {shown}"));
        }
        Ok(())
    }

    async fn sign_in(&mut self, scene: &mut Scene) -> Result<(), String> {
        let url = self
            .flow()?
            .outcome()
            .authorization_url
            .clone()
            .ok_or("no authorization request was built")?;
        match self
            .browse(RequestDraft::new("GET", &url), false, scene)
            .await?
        {
            SignInEnd::Redirect(location) => {
                let shown = url::Url::parse(location.secret()).map_or_else(
                    |_| "the callback".to_string(),
                    |u| {
                        let names: Vec<String> = u.query_pairs().map(|(k, _)| k.into()).collect();
                        format!("{}?{}", u.path(), names.join("&"))
                    },
                );
                scene.note(format!("redirected back to {shown}"));
                self.redirect = Some(location);
                Ok(())
            }
            SignInEnd::DeviceApproved(_) => {
                Err("the sign-in ended on a page, not a redirect".into())
            }
        }
    }

    /// Walks the mock's sign-in pages from `first` as a browser would: alice on the login
    /// page, approve on the consent page, until a redirect or a final page.
    async fn browse(
        &self,
        first: RequestDraft,
        device: bool,
        scene: &mut Scene,
    ) -> Result<SignInEnd, String> {
        let mut draft = first;
        for _ in 0..4 {
            match work::sign_in_request(self.http.clone(), draft, device, 0).await {
                Outcome::SignInDone { result, .. } => return result,
                Outcome::SignInPage { result } => {
                    let page = result?;
                    draft = if page.is_consent {
                        let asks = page.client_name.as_deref().unwrap_or("the client");
                        scene.note(format!(
                            "consent: {asks} asks for {}; approve",
                            page.scopes.join(" ")
                        ));
                        page.answer("decision", "approve")
                    } else if page.users.iter().any(|u| u.username == USER) {
                        scene.note(format!("login page: sign in as {USER}"));
                        page.answer("username", USER)
                    } else {
                        return Err(format!("an unexpected page: {}", page.text));
                    };
                }
                _ => return Err("the sign-in gave no page".into()),
            }
        }
        Err("the sign-in did not end after four pages".into())
    }

    fn check_redirect(&mut self, scene: &mut Scene) -> Result<(), String> {
        let redirect = self.redirect.clone().ok_or("no redirect came back")?;
        self.flow()?
            .complete_redirect(redirect.secret())
            .map_err(|e| e.to_string())?;
        scene.check("state is the one sent (RFC 6749 §10.12)", true);
        scene.check("iss is the server asked (RFC 9207)", true);
        scene.note("the code is kept for the token request (single use, short-lived)");
        Ok(())
    }

    fn forged_redirect(&mut self, scene: &mut Scene) -> Result<(), String> {
        let redirect = self.redirect.clone().ok_or("no redirect came back")?;
        let mut url = url::Url::parse(redirect.secret()).map_err(|e| e.to_string())?;
        let forged = random_token(16).map_err(|e| e.to_string())?;
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if k == "state" {
                    forged.clone()
                } else {
                    v.into()
                };
                (k.into(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(&pairs);
        scene.note("the callback gets the code with a state the client never sent");
        match self.flow()?.complete_redirect(url.as_str()) {
            Ok(_) => Err("the client accepted a redirect with a forged state".into()),
            Err(refused) => {
                scene.check("state is the one sent (RFC 6749 §10.12)", false);
                scene.note(format!("refused: {refused}"));
                scene.note("the code in it is never redeemed: the attack stops here");
                Ok(())
            }
        }
    }

    async fn exchange_code(&mut self, scene: &mut Scene) -> Result<(), String> {
        self.advance().await.map_err(|e| e.to_string())?;
        let tokens = self
            .flow()?
            .outcome()
            .tokens
            .clone()
            .ok_or("no tokens came back")?;
        scene.check(
            "the server accepted the PKCE verifier (RFC 7636 §4.6)",
            true,
        );
        self.took(scene, tokens);
        Ok(())
    }

    /// Notes the tokens a response brought and keeps them for the acts that follow.
    fn took(&mut self, scene: &mut Scene, tokens: TokenResponse) {
        let mut got = vec![format!(
            "access_token ({}{})",
            tokens.token_type,
            tokens
                .expires_in
                .map(|s| format!(", {s} s"))
                .unwrap_or_default()
        )];
        if tokens.id_token.is_some() {
            got.push("id_token".into());
        }
        if tokens.refresh_token.is_some() {
            got.push(format!(
                "refresh_token {}",
                self.refresh_label(self.tokens.len())
            ));
        }
        scene.tokens.extend(got);
        self.tokens.push(tokens);
    }

    /// What the presenter calls the refresh token of the `index`th token response: R1, R2…
    fn refresh_label(&self, index: usize) -> String {
        let earlier = self.tokens[..index.min(self.tokens.len())]
            .iter()
            .filter(|t| t.refresh_token.is_some())
            .count();
        format!("R{}", earlier + 1)
    }

    async fn verify(&mut self, scene: &mut Scene) -> Result<(), String> {
        self.advance().await.map_err(|e| e.to_string())?;
        let outcome = self.flow()?.outcome().clone();
        for (name, token) in [
            ("ID token", &outcome.id_token),
            ("access token", &outcome.access_token),
        ] {
            if let Some(verification) = token.as_ref().and_then(|t| t.verification.as_ref()) {
                add_checks(scene, name, verification);
            }
        }
        if scene.checks.is_empty() {
            return Err("there was nothing to verify".into());
        }
        Ok(())
    }

    async fn replay_code(&mut self, scene: &mut Scene) -> Result<(), String> {
        let flow = self.flow()?;
        let i = flow
            .steps()
            .iter()
            .position(|s| s.kind == StepKind::ExchangeCode)
            .ok_or("no token request was sent")?;
        flow.retry_at(i);
        let answer = self.advance().await;
        refused_as_invalid_grant(answer, scene, "the code was not used before")
    }

    async fn code_tokens_inactive(&mut self, scene: &mut Scene) -> Result<(), String> {
        let token = self
            .tokens
            .first()
            .map(|t| t.access_token.clone())
            .ok_or("no access token to ask about")?;
        // Introspection needs an authenticated caller (RFC 7662 §2.1): the confidential
        // client plays the resource server that asks.
        let resource_server = self
            .confidential
            .clone()
            .ok_or("the server has no confidential client to introspect with")?;
        scene.note(format!(
            "asked as {}, a resource server",
            resource_server.client_id
        ));
        let config = self.config(&resource_server)?;
        let mut flow = Flow::introspect(config, token.secret(), Some("access_token"))
            .map_err(|e| e.to_string())?;
        let sent = flow.advance(&self.http).await;
        self.keep(Some(&flow));
        sent.map_err(|e| e.to_string())?;
        let active = flow
            .outcome()
            .introspection
            .as_ref()
            .and_then(|i| i.get("active"))
            .and_then(Value::as_bool);
        match active {
            Some(false) => {
                scene.check("the first access token is still active", false);
                scene.note("introspection says active: false, revoked with the code");
                Ok(())
            }
            Some(true) => Err("the access token from the replayed code is still active".into()),
            None => Err("the introspection answer has no active member".into()),
        }
    }

    async fn device_authorize(&mut self, scene: &mut Scene) -> Result<(), String> {
        let config = self.config(&self.public)?;
        self.start(Flow::device(config).map_err(|e| e.to_string())?);
        self.advance().await.map_err(|e| e.to_string())?;
        let interval = self.flow()?.poll_interval();
        let device = self
            .flow()?
            .outcome()
            .device
            .clone()
            .ok_or("no device code came back")?;
        // The user code is what the user types: it is shown, as the device shows it.
        scene.note(format!("user code: {}", device.user_code.secret()));
        scene.note(format!("verification URI: {}", device.verification_uri));
        scene.note(format!(
            "poll every {} s; the code lives {} s",
            interval.as_secs(),
            device.expires_in
        ));
        self.next_poll = Some(Instant::now() + interval);
        Ok(())
    }

    /// One poll; the server's answer when it is not tokens yet.
    async fn poll(&mut self, scene: &mut Scene) -> Result<bool, String> {
        match self.advance().await.map_err(|e| e.to_string())? {
            Advance::Poll { wait } => {
                let waiting = self.flow()?.steps().iter().find_map(|s| match &s.status {
                    StepStatus::Waiting(why) if s.kind == StepKind::PollDevice => Some(why.clone()),
                    _ => None,
                });
                scene.note(format!(
                    "the server says {}",
                    waiting.as_deref().unwrap_or("wait")
                ));
                self.next_poll = Some(Instant::now() + wait);
                Ok(false)
            }
            _ => Ok(true),
        }
    }

    async fn poll_early(&mut self, scene: &mut Scene) -> Result<(), String> {
        if self.poll(scene).await? {
            return Err("tokens came before the user approved".into());
        }
        Ok(())
    }

    async fn approve_on_phone(&mut self, scene: &mut Scene) -> Result<(), String> {
        let device = self
            .flow()?
            .outcome()
            .device
            .clone()
            .ok_or("no device code to approve")?;
        let mut draft = RequestDraft::new("POST", &device.verification_uri);
        draft.set_param("user_code", device.user_code.secret());
        scene.note(format!(
            "the phone opens {} and types the code",
            path_of(&device.verification_uri)
        ));
        match self.browse(draft, true, scene).await? {
            SignInEnd::DeviceApproved(text) => {
                scene.note(format!("the page says: {}", widgets::ellipsize(&text, 160)));
                Ok(())
            }
            SignInEnd::Redirect(_) => Err("the device approval redirected".into()),
        }
    }

    async fn poll_again(&mut self, scene: &mut Scene) -> Result<(), String> {
        for _ in 0..MAX_POLLS {
            if let Some(at) = self.next_poll {
                let wait = at.saturating_duration_since(Instant::now());
                if !wait.is_zero() {
                    scene.note("waited out the interval the server asked for");
                    tokio::time::sleep(wait).await;
                }
            }
            if self.poll(scene).await? {
                let tokens = self
                    .flow()?
                    .outcome()
                    .tokens
                    .clone()
                    .ok_or("no tokens came back")?;
                self.took(scene, tokens);
                return Ok(());
            }
        }
        Err(format!("no tokens after {MAX_POLLS} polls"))
    }

    /// The code flow's acts in one, told in a line: this demo is about what comes after.
    async fn sign_in_for_tokens(&mut self, scene: &mut Scene) -> Result<(), String> {
        let mut detail = Scene::new(Act::SignInForTokens);
        self.authorize(&mut detail).await?;
        self.sign_in(&mut detail).await?;
        self.check_redirect(&mut detail)?;
        self.exchange_code(&mut detail).await?;
        scene.note(format!(
            "signed in as {USER}; state and iss checked; code and verifier exchanged"
        ));
        scene.tokens = detail.tokens;
        Ok(())
    }

    async fn refresh(&mut self, scene: &mut Scene) -> Result<(), String> {
        let previous = self.tokens.last().cloned().ok_or("no tokens to refresh")?;
        let old = previous
            .refresh_token
            .clone()
            .ok_or("the server gave no refresh token")?;
        let config = self.config(&self.public)?;
        let mut flow =
            Flow::refresh(config, old.secret(), Some(previous)).map_err(|e| e.to_string())?;
        let sent = flow.advance(&self.http).await;
        self.keep(Some(&flow));
        sent.map_err(|e| e.to_string())?;
        let tokens = flow.outcome().tokens.clone().ok_or("no tokens came back")?;
        let rotated = tokens
            .refresh_token
            .as_ref()
            .is_some_and(|new| new.secret() != old.secret());
        scene.check("a new refresh token replaces the old one", rotated);
        let old_label = self.refresh_label(self.tokens.len().saturating_sub(1));
        scene.note(format!("the old one, {old_label}, is retired"));
        self.took(scene, tokens);
        if !rotated {
            return Err("the server did not rotate the refresh token".into());
        }
        Ok(())
    }

    /// Presents the refresh token of the `index`th token response: the one rotated out (0),
    /// or the newest (1), after the reuse.
    async fn reuse_refresh_token(&mut self, scene: &mut Scene, index: usize) -> Result<(), String> {
        let token = self
            .tokens
            .get(index)
            .and_then(|t| t.refresh_token.clone())
            .ok_or("no refresh token to present")?;
        let config = self.config(&self.public)?;
        let mut flow = Flow::refresh(config, token.secret(), None).map_err(|e| e.to_string())?;
        scene.note(format!("presenting {}", self.refresh_label(index)));
        let what = if index == 0 {
            "the refresh token was not used before"
        } else {
            "the newest refresh token is still live"
        };
        let answer = flow.advance(&self.http).await;
        self.keep(Some(&flow));
        refused_as_invalid_grant(answer, scene, what)
    }

    async fn client_token(&mut self, scene: &mut Scene) -> Result<(), String> {
        let client = self
            .confidential
            .clone()
            .ok_or("the server has no confidential client for this demo")?;
        let mut config = self.config(&client)?;
        config.scope = None;
        let mut flow = Flow::client_credentials(config).map_err(|e| e.to_string())?;
        let sent = flow.advance(&self.http).await;
        self.keep(Some(&flow));
        sent.map_err(|e| e.to_string())?;
        let tokens = flow.outcome().tokens.clone().ok_or("no tokens came back")?;
        if let Some(token) = &flow.outcome().access_token {
            let alg = token.header.get("alg").and_then(Value::as_str);
            scene.note(format!("a JWT signed with {}", alg.unwrap_or("?")));
        }
        scene.note(format!("as the client {}", client.client_id));
        self.took(scene, tokens);
        Ok(())
    }

    fn access_token(&self) -> Result<Secret, String> {
        self.tokens
            .last()
            .map(|t| t.access_token.clone())
            .ok_or_else(|| "no access token yet".into())
    }

    async fn verify_token(&self, token: &str, scene: &mut Scene) -> Result<Verification, String> {
        let jwks_uri = self
            .metadata
            .as_ref()
            .and_then(|m| m.jwks_uri.clone())
            .ok_or("the server publishes no keys")?;
        let jwt = Jwt::decode(token).map_err(|e| e.to_string())?;
        let rules = ClaimRules {
            issuer: Some(self.issuer.clone()),
            ..ClaimRules::default()
        };
        let verification =
            jwt::verify(&jwt, &mut KeyStore::from_url(jwks_uri), &self.http, &rules).await;
        add_checks(scene, "token", &verification);
        Ok(verification)
    }

    async fn verify_genuine(&mut self, scene: &mut Scene) -> Result<(), String> {
        let token = self.access_token()?;
        let verification = self.verify_token(token.secret(), scene).await?;
        if !verification.is_valid() {
            return Err("the genuine token did not verify".into());
        }
        Ok(())
    }

    fn forge_alg_none(&mut self, scene: &mut Scene) -> Result<(), String> {
        let token = self.access_token()?;
        let jwt = Jwt::decode(token.secret()).map_err(|e| e.to_string())?;
        let mut header = jwt.unverified_header().clone();
        header.insert("alg".into(), "none".into());
        header.remove("kid");
        let mut claims: Map<String, Value> = jwt.unverified_claims().clone();
        claims.insert("scope".into(), "admin".into());
        let encode = |map: &Map<String, Value>| {
            URL_SAFE_NO_PAD.encode(Value::Object(map.clone()).to_string())
        };
        scene.note(format!("header: {}", Value::Object(header.clone())));
        scene.note("claims: scope changed to \"admin\"");
        scene.note("signature: dropped (the token ends in a bare dot)");
        self.forged = Some(format!("{}.{}.", encode(&header), encode(&claims)).into());
        Ok(())
    }

    async fn verify_forged(&mut self, scene: &mut Scene) -> Result<(), String> {
        let forged = self.forged.clone().ok_or("nothing was forged")?;
        let verification = self.verify_token(forged.secret(), scene).await?;
        if verification.is_valid() {
            return Err("the forged token verified".into());
        }
        scene.note("the forged token is refused: its scope admin is never believed");
        Ok(())
    }
}

/// A request the step shows the server refusing: `invalid_grant` fails the check `what`
/// (the refusal is the point); an answer with tokens, or another error, is the demo going
/// off script.
/// Whether a step has been sent (or is out): not pending, not ready to send.
fn played(step: &Step) -> bool {
    !matches!(step.status, StepStatus::Pending | StepStatus::Ready)
}

fn refused_as_invalid_grant(
    answer: Result<Advance, EngineError>,
    scene: &mut Scene,
    what: &str,
) -> Result<(), String> {
    match answer {
        Ok(_) => Err(format!("the server accepted it, though {what} is false")),
        Err(refused) if refused.oauth_code() == Some("invalid_grant") => {
            scene.check(what, false);
            scene.note(format!("refused: {refused}"));
            Ok(())
        }
        Err(other) => Err(other.to_string()),
    }
}

/// The checks of a verification that ran, as one line of what passed and a line for each
/// failure with its reason (skipped ones say nothing to an audience).
fn add_checks(scene: &mut Scene, token: &str, verification: &Verification) {
    let passed: Vec<&str> = verification
        .checks
        .iter()
        .filter(|c| c.verdict == Verdict::Pass)
        .map(|c| c.check)
        .collect();
    if !passed.is_empty() {
        scene.check(format!("{token}: {}", passed.join(", ")), true);
    }
    for check in verification
        .checks
        .iter()
        .filter(|c| c.verdict == Verdict::Fail)
    {
        scene.check(format!("{token} {}: {}", check.check, check.detail), false);
    }
}
