#!/usr/bin/env bash
# Load test of the mock's token endpoint: POST /token with client_credentials, 32 connections.
#
#   scripts/load-token.sh [DURATION] [THREADS]      (defaults: 20s, 2)
#
# Builds the release binary, starts `oauthscope mock` on a free port, waits for it, runs wrk
# and stops the server. Set SIGNING_ALG=ES256 to measure ES256 instead of the default RS256.
# Needs wrk (Debian: apt-get install -y wrk).
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${1:-20s}"
threads="${2:-2}"
connections=32
alg="${SIGNING_ALG:-RS256}"

command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 1; }
cargo build --release --quiet

workdir="$(mktemp -d)"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$workdir"
}
trap cleanup EXIT

printf 'signing_alg = "%s"\n' "$alg" > "$workdir/mock.toml"
# Logging every request to a terminal would measure the terminal; keep warnings only.
RUST_LOG=warn ./target/release/oauthscope mock --port 0 --config "$workdir/mock.toml" \
    > "$workdir/stdout" 2> "$workdir/stderr" &
server_pid=$!

issuer=""
for _ in $(seq 1 200); do
    issuer="$(awk '/^  issuer/ {print $2}' "$workdir/stdout")"
    [[ -n "$issuer" ]] && break
    sleep 0.01
done
[[ -n "$issuer" ]] || { echo "the mock did not start:" >&2; cat "$workdir/stderr" >&2; exit 1; }

# demo-confidential:demo-secret, form-urlencoded then base64 (RFC 6749 section 2.3.1).
cat > "$workdir/token.lua" <<'LUA'
wrk.method = "POST"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic ZGVtby1jb25maWRlbnRpYWw6ZGVtby1zZWNyZXQ="
done = function(summary, latency, requests)
  io.write(string.format("non-2xx or errors: %d\n",
    summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
end
LUA

# Warm-up request: also confirms the credentials work before measuring.
curl -sf -u demo-confidential:demo-secret -d grant_type=client_credentials "$issuer/token" > /dev/null

echo "POST $issuer/token client_credentials, $alg, $connections connections, $threads threads, $duration"
wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$workdir/token.lua" "$issuer/token"
