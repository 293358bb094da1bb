//! `oauthscope demo` on the command line: with no flow it lists the flows it plays; an
//! unknown flow is a usage error that names the ones there are.

#[path = "support/cli.rs"]
mod cli;

use cli::oauthscope;

#[tokio::test]
async fn demo_with_no_flow_lists_the_flows() {
    let output = oauthscope(&["demo"]).await;
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    for flow in [
        "code",
        "device",
        "refresh",
        "forged-state",
        "replayed-code",
        "alg-none",
    ] {
        assert!(
            stdout.lines().any(|l| l.trim_start().starts_with(flow)),
            "{flow} is not listed:\n{stdout}"
        );
    }
    assert!(stdout.contains("space or enter next step"), "{stdout}");
}

#[tokio::test]
async fn an_unknown_flow_is_a_usage_error_naming_the_flows() {
    let output = oauthscope(&["demo", "implicit"]).await;
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("invalid value 'implicit'"), "{stderr}");
    assert!(
        stderr.contains("code, device, refresh, forged-state, replayed-code, alg-none"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}
