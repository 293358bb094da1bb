#!/usr/bin/env bash
# Interoperability suites: oauthscope against independent, certified implementations
# (npm openid-client, jose and oidc-provider; `run mcp` against an MCP server built with the
# TypeScript SDK, @modelcontextprotocol/sdk). Called by .ci/run after `cargo build`.
# Uses the binary in $OAUTHSCOPE_BIN, else target/debug/oauthscope of this checkout.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v node >/dev/null 2>&1; then
  echo "interop: node (>= 20) is required" >&2
  exit 1
fi
if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi

suites=(mock.test.mjs jwt.test.mjs oidc-provider.test.mjs mcp-sdk.test.mjs mock-control.test.mjs dpop.test.mjs mcp-dpop.test.mjs token-exchange.test.mjs rar.test.mjs jwks-uri.test.mjs)
if [ "$#" -gt 0 ]; then
  suites=("$@")
fi

# One suite at a time: each starts its own servers, and the machine has two cores.
exec node --test --test-concurrency=1 "${suites[@]}"
