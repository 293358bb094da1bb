//! oauthscope: explore OAuth 2.0 and OpenID Connect one visible request at a time.
//!
//! The crate has four rooms, and arrows only point one way
//! (`tui -> oauth`, `mcp -> oauth`, `cli -> oauth`; `mock` stands alone):
//!
//! - [`wire`]: the JSON shapes both sides must agree on (metadata, token response, errors).
//! - [`oauth`]: the protocol engine. Everything a client does; no terminal, no axum.
//! - [`mock`]: the built-in authorization server. No terminal.
//! - [`tui`]: the terminal app, which reaches the mock over HTTP like any other server.
//! - [`mcp`]: the MCP stdio server, thin adapters over [`oauth`].
//! - [`cli`]: the headless command line (`discover`, `run`, `decode`, ...), over [`oauth`].
//! - [`explain`]: the catalogue of what each parameter, field, claim and error code means.
//! - [`resource_server`]: the Bearer side of a protected resource (RFC 6750, RFC 9728),
//!   shared by the mock's demo MCP server and `mcp --http`.
//! - [`terminal_text`]: server text made safe for a terminal, for the CLI and the app alike.
//! - [`profile`]: the one file of saved servers and clients, read by both `tui` and `mcp`
//!   (it imports neither).

pub mod cli;
pub mod explain;
pub mod http_server;
pub mod mcp;
pub mod mock;
pub mod oauth;
pub mod profile;
pub mod resource_server;
pub mod terminal_text;
pub mod tui;
pub mod wire;
