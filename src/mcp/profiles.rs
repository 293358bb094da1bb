//! The default server, read from the saved profiles file.
//!
//! Only one thing is read here: which saved server is marked default. The file belongs to the
//! terminal app, which may keep much more in it (clients, themes...), so the reading is
//! tolerant: unknown keys are ignored, and a server entry with a missing or mistyped field is
//! skipped rather than failing the whole file.
//!
//! ```toml
//! [[servers]]
//! issuer = "https://login.example.com"
//! default = true
//! ```

use std::path::{Path, PathBuf};

use thiserror::Error;

#[derive(Debug, Error)]
pub enum ProfileError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not valid TOML: {message}")]
    Parse { path: PathBuf, message: String },
}

/// Where the profiles file lives when `--config` is not given.
pub fn default_path() -> Option<PathBuf> {
    dirs::config_dir().map(|dir| dir.join("oauthscope").join("config.toml"))
}

/// The issuer of the saved server marked `default = true` in the file at `path`, if any.
/// A missing file is not an error: it only means nothing was saved yet.
pub fn default_issuer(path: &Path) -> Result<Option<String>, ProfileError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ProfileError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    parse_default_issuer(&text).map_err(|message| ProfileError::Parse {
        path: path.to_path_buf(),
        message,
    })
}

/// The first `[[servers]]` entry with `default = true` and a string `issuer`.
fn parse_default_issuer(text: &str) -> Result<Option<String>, String> {
    let table: toml::Table = text.parse().map_err(|err: toml::de::Error| {
        // The first line of toml's message is the one that names the problem.
        err.to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .to_string()
    })?;
    let Some(servers) = table.get("servers").and_then(toml::Value::as_array) else {
        return Ok(None);
    };
    let issuer = servers
        .iter()
        .filter_map(toml::Value::as_table)
        .filter(|server| server.get("default").and_then(toml::Value::as_bool) == Some(true))
        .find_map(|server| server.get("issuer").and_then(toml::Value::as_str))
        .map(str::trim)
        .filter(|issuer| !issuer.is_empty())
        .map(str::to_string);
    Ok(issuer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_server_marked_default() {
        let text = r#"
            theme = "dark"
            [[servers]]
            issuer = "https://a.example"
            [[servers]]
            name = "work"
            issuer = "https://b.example"
            default = true
            [[servers.clients]]
            client_id = "x"
        "#;
        assert_eq!(
            parse_default_issuer(text).unwrap(),
            Some("https://b.example".to_string())
        );
    }

    #[test]
    fn no_default_when_none_is_marked_or_entries_are_mistyped() {
        assert_eq!(parse_default_issuer("").unwrap(), None);
        assert_eq!(parse_default_issuer("servers = 3").unwrap(), None);
        let text = r#"
            [[servers]]
            issuer = "https://a.example"
            default = "yes"
            [[servers]]
            issuer = 42
            default = true
        "#;
        assert_eq!(parse_default_issuer(text).unwrap(), None);
    }

    #[test]
    fn invalid_toml_is_a_readable_error() {
        let err = parse_default_issuer("[[servers]\nissuer=").unwrap_err();
        assert!(!err.is_empty());
    }

    #[test]
    fn missing_file_means_no_default() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(default_issuer(&dir.path().join("nope.toml")).unwrap(), None);
    }

    #[test]
    fn reads_a_file_and_names_it_in_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "[[servers]]\nissuer = \"http://127.0.0.1:9000\"\ndefault = true\n",
        )
        .unwrap();
        assert_eq!(
            default_issuer(&path).unwrap(),
            Some("http://127.0.0.1:9000".to_string())
        );
        std::fs::write(&path, "servers = [").unwrap();
        let err = default_issuer(&path).unwrap_err().to_string();
        assert!(err.contains("config.toml"), "{err}");
    }
}
