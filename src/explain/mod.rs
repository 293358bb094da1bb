//! The explanations catalogue: what each request parameter, response field, JWT claim and
//! header is for, and what each OAuth error code (standard or vendor) usually means.
//!
//! The catalogue is data, not code: `assets/explain/*.toml`, compiled in and parsed once.
//! The terminal app, `oauthscope explain NAME`, the CLI's failed steps and the MCP tools all
//! read it through [`catalogue`], so one fix to an entry shows everywhere.

mod catalogue;
pub mod names;
mod suggest;

pub use catalogue::{Catalogue, Context, Entry, ErrorEntry, Vendor};
pub use suggest::closest;

use std::sync::OnceLock;

/// The shipped catalogue files, in the order they are read.
const SOURCES: [(&str, &str); 5] = [
    (
        "parameters.toml",
        include_str!("../../assets/explain/parameters.toml"),
    ),
    (
        "claims.toml",
        include_str!("../../assets/explain/claims.toml"),
    ),
    (
        "fields.toml",
        include_str!("../../assets/explain/fields.toml"),
    ),
    (
        "errors.toml",
        include_str!("../../assets/explain/errors.toml"),
    ),
    (
        "mock_control.toml",
        include_str!("../../assets/explain/mock_control.toml"),
    ),
];

/// The shipped catalogue. Its files are checked by a test, so a failure here is a build
/// defect, not something a user can cause.
pub fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        Catalogue::parse(&SOURCES).expect("the shipped explanations parse (see their test)")
    })
}

/// The short "likely causes / try" lines for an error message, when the message names an
/// error code the catalogue knows (`invalid_grant`, `AADSTS50011: …`). Empty otherwise.
pub fn error_hints(message: &str) -> Vec<String> {
    let Some(found) = catalogue().errors_in(message).into_iter().next() else {
        return Vec::new();
    };
    found.hint_lines()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalogue_parses_and_every_entry_is_complete() {
        let catalogue = Catalogue::parse(&SOURCES).unwrap();
        assert!(
            catalogue.entries().len() > 80,
            "{}",
            catalogue.entries().len()
        );
        assert!(
            catalogue.errors().len() > 60,
            "{}",
            catalogue.errors().len()
        );
        catalogue.check_complete().unwrap();
    }

    #[test]
    fn the_issue_examples_cite_their_rules() {
        let c = catalogue();
        let cited = |name: &str, context: Context, spec: &str| {
            let entry = c
                .lookup(name, Some(context))
                .into_iter()
                .next()
                .unwrap_or_else(|| panic!("{name} as {context:?}"));
            assert!(entry.spec.contains(spec), "{name}: {}", entry.spec);
        };
        cited("state", Context::Parameter, "RFC 6749 §10.12");
        cited("nonce", Context::Parameter, "OIDC Core §3.1.2.1");
        cited("code_challenge", Context::Parameter, "RFC 7636");
        cited("iss", Context::Parameter, "RFC 9207");
        cited("resource", Context::Parameter, "RFC 8707");
        cited("refresh_token", Context::Field, "RFC 9700 §4.14");
        cited("iss", Context::Claim, "RFC 7519 §4.1.1");
        let plain = c.lookup("code_challenge_method", None);
        assert!(plain[0].without.contains("plain"), "{:?}", plain[0]);
    }

    #[test]
    fn error_hints_come_from_a_pasted_message() {
        let hints = error_hints("AADSTS50011: The redirect URI 'x' does not match");
        assert!(hints.iter().any(|l| l.starts_with("likely")), "{hints:?}");
        assert!(error_hints("the server said nothing useful").is_empty());
    }
}
