//! `WWW-Authenticate` challenges (RFC 9110 §11.6.1): what a protected resource says when it
//! refuses a request. A Bearer challenge (RFC 6750 §3) carries `error`, `error_description`
//! and `scope`; RFC 9728 §5.1 adds `resource_metadata`, the URL MCP clients start from.
//!
//! The header is text from a server: the parser accepts what the grammar allows (several
//! challenges in one header, token or quoted-string values, any case for scheme and names)
//! and reports anything else in words instead of guessing.

use super::error::EngineError;
use super::exchange::Exchange;

/// One challenge: the scheme and its parameters, names lower-cased, values unquoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub scheme: String,
    pub params: Vec<(String, String)>,
}

impl Challenge {
    /// A parameter by (case-insensitive) name.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn is_bearer(&self) -> bool {
        self.scheme.eq_ignore_ascii_case("bearer")
    }
}

/// The Bearer challenge among the headers' challenges, if there is one.
pub fn bearer(challenges: &[Challenge]) -> Option<&Challenge> {
    challenges.iter().find(|c| c.is_bearer())
}

/// The first Bearer challenge of a response's `WWW-Authenticate` headers, if any.
pub fn bearer_of(exchange: &Exchange) -> Result<Option<Challenge>, EngineError> {
    for (name, value) in &exchange.response_headers {
        if name.eq_ignore_ascii_case("www-authenticate")
            && let Some(found) = bearer(&parse(value)?)
        {
            return Ok(Some(found.clone()));
        }
    }
    Ok(None)
}

/// Parses one `WWW-Authenticate` header value into its challenges (RFC 9110 §11.6.1):
/// `challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ]`, challenges separated by
/// commas. A token68 credential is kept as a parameter with an empty name.
pub fn parse(header: &str) -> Result<Vec<Challenge>, EngineError> {
    let mut lexer = Lexer {
        rest: header.trim(),
    };
    let mut challenges: Vec<Challenge> = Vec::new();
    while !lexer.rest.is_empty() {
        lexer.skip_separators();
        if lexer.rest.is_empty() {
            break;
        }
        let name = lexer.token().ok_or_else(|| malformed(header))?;
        lexer.skip_spaces();
        if lexer.rest.starts_with('=') {
            // `name=value`: a parameter of the current challenge.
            lexer.rest = &lexer.rest[1..];
            lexer.skip_spaces();
            let value = lexer.value().ok_or_else(|| malformed(header))?;
            let challenge = challenges.last_mut().ok_or_else(|| malformed(header))?;
            challenge.params.push((name.to_ascii_lowercase(), value));
        } else {
            // A new scheme; a token68 may follow it directly.
            let mut challenge = Challenge {
                scheme: name.to_string(),
                params: Vec::new(),
            };
            if let Some(token68) = lexer.token68() {
                challenge.params.push((String::new(), token68));
            }
            challenges.push(challenge);
        }
        lexer.skip_spaces();
        if !lexer.rest.is_empty() && !lexer.rest.starts_with(',') && !starts_token(lexer.rest) {
            return Err(malformed(header));
        }
    }
    Ok(challenges)
}

fn malformed(header: &str) -> EngineError {
    let shown: String = header.chars().take(120).collect();
    EngineError::protocol(
        "RFC 9110 §11.6.1",
        format!("the WWW-Authenticate header is not a list of challenges: {shown:?}"),
    )
}

fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

fn starts_token(text: &str) -> bool {
    text.chars().next().is_some_and(is_tchar)
}

struct Lexer<'a> {
    rest: &'a str,
}

impl<'a> Lexer<'a> {
    fn skip_spaces(&mut self) {
        self.rest = self.rest.trim_start_matches([' ', '\t']);
    }

    fn skip_separators(&mut self) {
        self.rest = self.rest.trim_start_matches([' ', '\t', ',']);
    }

    fn token(&mut self) -> Option<&'a str> {
        let end = self
            .rest
            .find(|c: char| !is_tchar(c))
            .unwrap_or(self.rest.len());
        (end > 0).then(|| {
            let (token, rest) = self.rest.split_at(end);
            self.rest = rest;
            token
        })
    }

    /// A token68 after a scheme (`Basic dXNlcjpwYXNz`), only when no `=` parameter follows.
    fn token68(&mut self) -> Option<String> {
        let rest = self.rest;
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || "-._~+/".contains(c)))
            .unwrap_or(rest.len());
        if end == 0 {
            return None;
        }
        let tail = rest[end..].trim_start_matches('=');
        let after = tail.trim_start_matches([' ', '\t']);
        // `scheme name=value` is a parameter, not a token68: leave it for the caller.
        if rest[end..].starts_with('=') && !after.is_empty() && !after.starts_with(',') {
            return None;
        }
        let consumed = rest.len() - tail.len();
        self.rest = tail;
        Some(rest[..consumed].to_string())
    }

    /// A token or a quoted-string (RFC 9110 §5.6.4), unescaped.
    fn value(&mut self) -> Option<String> {
        let Some(quoted) = self.rest.strip_prefix('"') else {
            return self.token().map(str::to_string);
        };
        let mut value = String::new();
        let mut chars = quoted.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.rest = &quoted[i + 1..];
                    return Some(value);
                }
                '\\' => value.push(chars.next()?.1),
                c => value.push(c),
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_mcp_bearer_challenge() {
        let challenges = parse(
            r#"Bearer resource_metadata="https://mcp.example/.well-known/oauth-protected-resource/mcp", scope="files:read files:write""#,
        )
        .unwrap();
        let bearer = bearer(&challenges).unwrap();
        assert_eq!(
            bearer.param("resource_metadata"),
            Some("https://mcp.example/.well-known/oauth-protected-resource/mcp")
        );
        assert_eq!(bearer.param("SCOPE"), Some("files:read files:write"));
    }

    #[test]
    fn reads_several_challenges_tokens_and_escapes() {
        let challenges = parse(
            r#"Basic realm="a, b", Bearer error=invalid_token, error_description="say \"no\"",DPoP algs="ES256""#,
        )
        .unwrap();
        assert_eq!(challenges.len(), 3);
        assert_eq!(challenges[0].param("realm"), Some("a, b"));
        let bearer = bearer(&challenges).unwrap();
        assert_eq!(bearer.param("error"), Some("invalid_token"));
        assert_eq!(bearer.param("error_description"), Some(r#"say "no""#));
        assert_eq!(challenges[2].scheme, "DPoP");
    }

    #[test]
    fn keeps_a_token68_and_a_bare_scheme() {
        let challenges = parse("Negotiate abc+/=, Bearer").unwrap();
        assert_eq!(challenges[0].param(""), Some("abc+/="));
        assert!(challenges[1].is_bearer() && challenges[1].params.is_empty());
    }

    #[test]
    fn refuses_what_the_grammar_does_not_allow() {
        for bad in [r#"Bearer scope="unterminated"#, "=x", r#"Bearer a="b" "c""#] {
            let err = parse(bad).unwrap_err();
            assert!(err.to_string().contains("RFC 9110"), "{bad}: {err}");
        }
    }
}
