#!/usr/bin/env bash
# The client under test for the MCP conformance suite's client scenarios: `oauthscope run mcp`.
# The suite runs `client.sh URL` with the scenario's context (pre-registered credentials and
# the like) as JSON in $MCP_CONFORMANCE_CONTEXT; this passes it on as flags. The browser leg
# is a $BROWSER that follows the redirects down to oauthscope's loopback listener, as a user
# clicking through would.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${OAUTHSCOPE_BIN:-$here/../../target/debug/oauthscope}"
url="${!#}"
args=(run mcp "$url" --wait 20)
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
export BROWSER="$here/browser.sh"
exec "$bin" "${args[@]}"
