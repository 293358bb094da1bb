//! A `$BROWSER` for CLI tests: a script that fetches the authorization URL and follows the
//! redirects down to the loopback listener, like a user clicking through an auto-approving
//! server.

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;

/// A `$BROWSER` that GETs the URL and follows the redirects down to the loopback listener.
pub fn browser_script(dir: &tempfile::TempDir) -> String {
    let path = dir.path().join("browser.sh");
    let mut file = std::fs::File::create(&path).unwrap();
    // python3 is one of the tools .ci/run installs; urllib follows redirects like a browser.
    file.write_all(
        b"#!/bin/sh\nexec python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=10).read()' \"$1\"\n",
    )
    .unwrap();
    drop(file);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.to_string_lossy().into_owned()
}
