#!/usr/bin/env bash
# oauthscope's mock side by side with the servers people would use instead (npm oidc-provider
# and npm oauth2-mock-server), one at a time on loopback, in one run. Run by hand, not in CI:
# load figures need a quiet machine.
#
#   scripts/bench-servers.sh [--duration SECONDS] [--starts N] [--flows N] [--only]
#
# Prints one Markdown table (start-up, memory, client-credentials req/s for RS256 and ES256,
# JWKS req/s, code + PKCE flow latency) with ratios. Needs wrk (Debian: apt-get install -y
# wrk) and Node 20 or newer.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 1; }
command -v node >/dev/null || { echo "node is not installed" >&2; exit 1; }
cargo build --release --quiet
(cd scripts/bench && npm ci --no-audit --no-fund --silent)
exec node scripts/bench/run.mjs "$PWD/target/release/oauthscope" "$@"
