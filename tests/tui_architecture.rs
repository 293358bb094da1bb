//! The terminal app's arrows point one way: rendering (`view`, `pane`, `widgets`) reads the
//! state; the state and its update (`app`, `model`, `layout`, the effects and tasks) never
//! reach into rendering. An import the other way makes a cycle in which a change to how
//! something is drawn can change what the app does.
//!
//! And neither the app nor the MCP server knows the built-in mock: `main` starts it and hands
//! over its issuer and clients, so what works on the mock works on any server.

use std::path::Path;

/// The modules of the update side, and the render modules none of them may name.
const UPDATE_SIDE: [&str; 8] = [
    "src/tui/app",
    "src/tui/model.rs",
    "src/tui/layout.rs",
    "src/tui/effect.rs",
    "src/tui/task.rs",
    "src/tui/work.rs",
    "src/tui/outcome.rs",
    "src/tui/action.rs",
];
const RENDER_SIDE: [&str; 3] = ["pane", "view", "widgets"];

fn rust_files(path: &Path, out: &mut Vec<std::path::PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            rust_files(&entry.unwrap().path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

/// The lines of `source` (comments aside) that name one of `modules` as a path segment
/// after one of `prefixes`: `tui::pane`, `super::view`, `crate::mock`, ...
fn lines_naming(source: &str, prefixes: &[&str], modules: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for line in source.lines() {
        let code = line.split("//").next().unwrap_or("");
        let names = |module: &str| {
            prefixes.iter().any(|prefix| {
                let path = format!("{prefix}{module}");
                code.match_indices(&path).any(|(at, _)| {
                    !code[at + path.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
                })
            })
        };
        if modules.iter().any(|module| names(module)) {
            found.push(line.trim().to_string());
        }
    }
    found
}

fn names_render_code(source: &str) -> Vec<String> {
    lines_naming(source, &["tui::", "super::"], &RENDER_SIDE)
}

/// Every `.rs` file under these parts of the crate, read.
fn sources(parts: &[&str]) -> Vec<(std::path::PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for part in parts {
        rust_files(&root.join(part), &mut files);
    }
    assert!(files.len() > parts.len(), "{files:?}");
    files
        .into_iter()
        .map(|file| {
            let source = std::fs::read_to_string(&file).unwrap();
            (file, source)
        })
        .collect()
}

#[test]
fn update_code_never_imports_render_code() {
    let mut offenders = Vec::new();
    for (file, source) in sources(&UPDATE_SIDE) {
        for line in names_render_code(&source) {
            offenders.push(format!("{}: {line}", file.display()));
        }
    }
    assert!(offenders.is_empty(), "{}", offenders.join("\n"));
}

#[test]
fn the_terminal_app_and_the_mcp_server_never_reach_into_the_mock() {
    let mut offenders = Vec::new();
    for (file, source) in sources(&["src/tui", "src/mcp"]) {
        let lines = lines_naming(&source, &["crate::", "oauthscope::", "super::"], &["mock"]);
        for line in lines.into_iter().chain(
            source
                .lines()
                .filter(|l| l.contains("DEMO_"))
                .map(|l| l.trim().to_string()),
        ) {
            offenders.push(format!("{}: {line}", file.display()));
        }
    }
    assert!(offenders.is_empty(), "{}", offenders.join("\n"));
}

#[test]
fn the_check_sees_an_import_of_render_code() {
    assert_eq!(
        names_render_code("use super::pane::{self, Pane};\nuse super::panel;"),
        ["use super::pane::{self, Pane};"]
    );
    assert!(names_render_code("use crate::tui::widgets_extra; // tui::view").is_empty());
}
