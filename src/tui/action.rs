//! What can happen to the app. Input and background results become an [`Action`];
//! the keymap maps keys to [`Command`]s, which deserialize from snake_case names.

use crossterm::event::{KeyEvent, MouseEvent};
use serde::Deserialize;

use super::task::TaskResult;
use crate::oauth::secret::Secret;

/// Something the user can ask for by name: the vocabulary of the keymap file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    Quit,
    NextPane,
    PrevPane,
    FocusServers,
    FocusClients,
    FocusFlow,
    FocusExchanges,
    FocusTokens,
    Up,
    Down,
    Top,
    Bottom,
    /// Scroll the details (the request, the response, the claims) down or up.
    ScrollDown,
    ScrollUp,
    /// Send the current step, or open the selected item.
    Activate,
    /// Edit the current request, or the selected client.
    Edit,
    New,
    Delete,
    Copy,
    CopyCurl,
    Reveal,
    NextTheme,
    Help,
    /// Close the overlay, leave the editor, or cancel background work.
    Cancel,
    OpenBrowser,
    PasteRedirect,
    SignIn,
    ToggleRaw,
    /// Mark the selected saved server as the one the MCP tools use when no issuer is given.
    MarkDefault,
    /// Add the built-in mock's demo MCP server (its `/mcp`), to run the MCP flow offline.
    AddDemoMcp,
    /// The next MCP revision for the selected MCP server's flow.
    NextMcpRevision,
    /// After tools/list: pick a listed tool and call it with arguments.
    CallTool,
    Refresh,
    Introspect,
    Revoke,
    Userinfo,
    PasteToken,
    Read,
    /// Make the client a failed step names as able to do it the active one, and run the
    /// step again as that client.
    UseOfferedClient,
    /// Send the selected done or failed step again, to compare the answers.
    Resend,
    /// `/`: search the focused list.
    Search,
    /// The next (or previous) match of the last search.
    SearchNext,
    SearchPrev,
    /// List the parameters, fields and claims in view, each with its explanation.
    Explain,
    /// The flow's sequence diagram in place of its steps, or back.
    ToggleDiagram,
    /// Bind the tokens of the flows started from now on to a DPoP key (RFC 9449), or stop.
    ToggleDpop,
    /// Send the code and PAR flows' authorization parameters as a request object (RFC
    /// 9101), or as plain parameters again.
    ToggleRequestObject,
    /// The `authorization_details` (RFC 9396) the code and PAR flows ask for.
    RichAuthorization,
    /// Write the session's exchanges as a HAR file and a Markdown transcript.
    WriteTranscript,
    /// The doctor's findings (for the selected token and the session) in place of the
    /// token's details, or back.
    ToggleDoctor,
    /// The Mock panel on the selected server: the oauthscope mock's control API.
    MockPanel,
    /// In the Mock panel: inject a fault, list or clear the pending ones.
    MockFault,
    MockFaults,
    MockClearFaults,
    /// In the Mock panel: move the mock's clock, or back to the real time.
    MockClock,
    MockRealClock,
    /// In the Mock panel: rotate the signing keys, show the key history.
    MockRotateKeys,
    MockKeys,
    /// In the Mock panel: claims for a user's tokens, or for the next token issued.
    MockUserClaims,
    MockNextClaims,
    /// In the Mock panel: the last requests the mock received, secrets masked.
    MockRequests,
}

#[derive(Debug)]
pub enum Action {
    Run(Command),
    /// A key the keymap does not bind, offered to whatever takes text (forms, editors).
    Key(KeyEvent),
    /// Text pasted into the terminal (bracketed paste), for whatever takes text: often a
    /// token or a secret.
    Paste(Secret),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// A background task finished or reported progress.
    Task(TaskResult),
    /// Time passed while something animates (spinner, countdown).
    Tick,
}
