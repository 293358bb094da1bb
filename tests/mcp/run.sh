#!/usr/bin/env bash
# Runs the MCP tests with an independent client (the PyPI `mcp` SDK, pinned in
# requirements.txt) against the built binary: OAUTHSCOPE_BIN, default target/debug/oauthscope.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../support/python_suite.sh"
python_suite "$here"

OAUTHSCOPE_BIN="$bin" "$venv/bin/python" "$here/test_mcp.py"
# `mcp --http` with the SDK's OAuth client against the embedded mock.
OAUTHSCOPE_BIN="$bin" exec "$venv/bin/python" "$here/test_mcp_http.py"
