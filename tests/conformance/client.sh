#!/usr/bin/env bash
# The client under test for the MCP conformance suite's client scenarios: `oauthscope run mcp`.
# The suite runs `client.sh URL` with the scenario's context (pre-registered credentials and
# the like) as JSON in $MCP_CONFORMANCE_CONTEXT; this passes it on as flags. The browser leg
# is a $BROWSER that follows the redirects down to oauthscope's loopback listener, as a user
# clicking through would.
#
# The client has a Client ID Metadata Document at the URL the suite's authorization servers
# expect (they do not fetch it), so it is always offered: oauthscope uses it only where the
# server advertises client_id_metadata_document_supported. The MCP revision is the one whose
# scenarios run.sh selected ($OAUTHSCOPE_MCP_SPEC), else oauthscope's default. Every scenario's
# MCP server serves the tool `test-tool`, which is called after tools/list: a call is where a
# server asks for more scope (auth/scope-step-up).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${OAUTHSCOPE_BIN:-$here/../../target/debug/oauthscope}"
url="${!#}"
args=(run mcp "$url" --wait 20
  --client-metadata-url https://conformance-test.local/client-metadata.json
  --call test-tool)
if [ -n "${OAUTHSCOPE_MCP_SPEC:-}" ]; then
  args+=(--spec "$OAUTHSCOPE_MCP_SPEC")
fi
context="${MCP_CONFORMANCE_CONTEXT:-}"
if [ -n "$context" ]; then
  # One flag per known member; python3 reads the JSON (jq is not installed everywhere).
  while IFS= read -r flag; do
    [ -n "$flag" ] && args+=("$flag")
  done < <(python3 - "$context" <<'PY'
import json, sys
ctx = json.loads(sys.argv[1])
for member, flag in [("client_id", "--client-id"), ("client_secret", "--client-secret")]:
    if isinstance(ctx.get(member), str):
        print(f"{flag}={ctx[member]}")
PY
)
fi
# The client it registers is kept in a profile of its own, not the user's.
profile_dir="$(mktemp -d)"
trap 'rm -rf "$profile_dir"' EXIT
args+=(--config "$profile_dir/profile.toml")
export BROWSER="$here/browser.sh"
"$bin" "${args[@]}"
