//! Opening the authorization URL in the user's browser: `$BROWSER` when set (a `:`-separated
//! list of commands, `%s` standing for the URL), else the system opener. The caller always
//! shows the URL as well, because no opener is guaranteed to work (SSH sessions, containers).

use std::process::{Command, Stdio};

use super::error::EngineError;

/// Opens `url` and returns the command that was started. Does not wait for the browser.
pub fn open(url: &str) -> Result<String, EngineError> {
    let candidates = match std::env::var("BROWSER") {
        Ok(list) if !list.trim().is_empty() => browser_commands(&list, url),
        _ => vec![system_opener(url)],
    };
    let mut failures = Vec::new();
    for argv in candidates {
        let Some((program, args)) = argv.split_first() else {
            continue;
        };
        match Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(mut child) => {
                // Reap the opener when it exits so it does not linger as a zombie.
                std::thread::spawn(move || child.wait());
                return Ok(program.clone());
            }
            Err(e) => failures.push(format!("{program}: {e}")),
        }
    }
    Err(EngineError::Local(format!(
        "could not open a browser ({}); open the URL yourself",
        failures.join("; ")
    )))
}

/// The commands of a `$BROWSER` list, each with the URL substituted for `%s` or appended.
fn browser_commands(list: &str, url: &str) -> Vec<Vec<String>> {
    list.split(':')
        .filter(|c| !c.trim().is_empty())
        .map(|command| {
            let mut argv: Vec<String> = command.split_whitespace().map(str::to_string).collect();
            if argv.iter().any(|a| a.contains("%s")) {
                for arg in &mut argv {
                    *arg = arg.replace("%s", url);
                }
            } else {
                argv.push(url.to_string());
            }
            argv
        })
        .collect()
}

fn system_opener(url: &str) -> Vec<String> {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        return vec![
            "cmd".into(),
            "/C".into(),
            "start".into(),
            String::new(),
            url.into(),
        ];
    } else {
        "xdg-open"
    };
    vec![program.to_string(), url.to_string()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_list_substitutes_or_appends_the_url() {
        let cmds = browser_commands("firefox --new-tab %s:lynx", "http://x/");
        assert_eq!(cmds[0], ["firefox", "--new-tab", "http://x/"]);
        assert_eq!(cmds[1], ["lynx", "http://x/"]);
    }
}
