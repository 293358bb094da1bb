//! Findings about a server, from its metadata: the grants it should no longer offer and the
//! mix-up defence it lacks. The rules themselves are discovery's ([`discovery::warnings`]);
//! the doctor only gives them a severity and a finding's shape.

use super::{Finding, Severity};
use crate::oauth::discovery;
use crate::wire::ServerMetadata;

/// The server's findings: `implicit-offered`, `password-offered`, `no-iss-parameter`.
pub fn diagnose_server(metadata: &ServerMetadata) -> Vec<Finding> {
    discovery::warnings(metadata)
        .into_iter()
        .filter_map(|warning| {
            let (severity, code, reference) = match warning.code {
                "implicit_offered" => (Severity::Warning, "implicit-offered", "RFC 9700 §2.1.2"),
                "password_grant_offered" => (Severity::Error, "password-offered", "RFC 9700 §2.4"),
                "no_iss_parameter" => (Severity::Warning, "no-iss-parameter", "RFC 9207 §2"),
                _ => return None,
            };
            Some(
                Finding::new(severity, code, reference, warning.message)
                    .with("issuer", metadata.issuer.clone()),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(m: &ServerMetadata) -> Vec<&'static str> {
        diagnose_server(m).iter().map(|f| f.code).collect()
    }

    #[test]
    fn a_current_server_has_no_finding() {
        let m = ServerMetadata {
            issuer: "https://as.example".into(),
            authorization_endpoint: Some("https://as.example/authorize".into()),
            token_endpoint: Some("https://as.example/token".into()),
            response_types_supported: vec!["code".into()],
            grant_types_supported: vec!["authorization_code".into()],
            code_challenge_methods_supported: vec!["S256".into()],
            authorization_response_iss_parameter_supported: Some(true),
            ..Default::default()
        };
        assert!(codes(&m).is_empty(), "{:?}", diagnose_server(&m));
    }

    #[test]
    fn implicit_password_and_missing_iss_are_each_found() {
        let m = ServerMetadata {
            issuer: "https://as.example".into(),
            authorization_endpoint: Some("https://as.example/authorize".into()),
            token_endpoint: Some("https://as.example/token".into()),
            response_types_supported: vec!["code".into(), "id_token token".into()],
            grant_types_supported: vec!["authorization_code".into(), "password".into()],
            code_challenge_methods_supported: vec!["S256".into()],
            ..Default::default()
        };
        assert_eq!(
            codes(&m),
            ["no-iss-parameter", "implicit-offered", "password-offered"]
        );
        let password = &diagnose_server(&m)[2];
        assert_eq!(password.severity, Severity::Error);
        assert_eq!(password.reference, "RFC 9700 §2.4");
        assert_eq!(
            password.evidence,
            [("issuer".to_string(), "https://as.example".to_string())]
        );
    }
}
