#!/usr/bin/env bash
# Load test of the mock's token endpoint: POST /token with client_credentials, 32 connections.
#
#   scripts/load-token.sh [DURATION] [THREADS]      (defaults: 20s, 2)
#
# Builds the release binary, starts `oauthscope mock` on a free port, prints the time from
# process start to the first answered request and to the first token, runs wrk and stops the
# server. Set SIGNING_ALG=ES256 to measure ES256 instead of the default RS256.
# Needs wrk (Debian: apt-get install -y wrk), python3 (to pick a free port) and bash 5.
# Times are read from bash's $EPOCHREALTIME: forking `date` or `curl` would blur milliseconds.
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
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
issuer="http://127.0.0.1:$port"

# Start-up time: from launching the process to the first answered request (metadata needs no
# keys), then to the first issued token (which waits for the background key generation).
started=${EPOCHREALTIME/./}
# Logging every request to a terminal would measure the terminal; keep warnings only.
RUST_LOG=warn ./target/release/oauthscope mock --port "$port" --config "$workdir/mock.toml" \
    > "$workdir/stdout" 2> "$workdir/stderr" &
server_pid=$!

# Connect with bash's /dev/tcp (no process per attempt) until the socket accepts, then ask.
status=""
attempts=0
until { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; do
    (( ++attempts < 1000000 )) || { echo "the mock did not open its port" >&2; exit 1; }
done
printf 'GET /.well-known/oauth-authorization-server HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
read -r _ status _ <&3 || true
exec 3<&-
first_answer=${EPOCHREALTIME/./}
[[ "$status" == "200" ]] || { echo "the mock did not start:" >&2; cat "$workdir/stderr" >&2; exit 1; }
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic ZGVtby1jb25maWRlbnRpYWw6ZGVtby1zZWNyZXQ=\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 29\r\nConnection: close\r\n\r\ngrant_type=client_credentials' >&3
read -r _ status _ <&3 || true
exec 3<&-
first_token=${EPOCHREALTIME/./}
[[ "$status" == "200" ]] || { echo "the first token request failed ($status)" >&2; exit 1; }
echo "start-up: first answered request after $(( (first_answer - started) / 1000 )).$(( (first_answer - started) % 1000 / 100 )) ms," \
     "first token after $(( (first_token - started) / 1000 )) ms"

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

echo "POST $issuer/token client_credentials, $alg, $connections connections, $threads threads, $duration"
wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$workdir/token.lua" "$issuer/token"
