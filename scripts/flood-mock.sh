#!/usr/bin/env bash
# Floods each endpoint of the mock that an unauthenticated client can reach, one after the
# other, and prints the server's peak resident memory during each flood; then runs
# client-credentials at the same concurrency. Loopback only; run by hand, not in CI.
#
#   scripts/flood-mock.sh [SECONDS] [CONNECTIONS]      (defaults: 60, 64)
#
# Every flood is split in two halves and the peak RSS of each half is printed: with bounded
# stores the second half does not go higher than the first. Once a store is full the mock
# answers 429 (or a `temporarily_unavailable` redirect, or `invalid_client_metadata`), so
# the floods of storing endpoints show many non-2xx answers: that is the limit working. The
# client-credentials run must show none.
# Needs wrk (Debian: apt-get install -y wrk), python3 (to pick free ports) and bash 5.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
connections="${2:-64}"
threads=2
half=$(( seconds / 2 ))

command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 1; }
cargo build --release --quiet
binary=./target/release/oauthscope

workdir="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    rm -rf "$workdir"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts a mock on a free port with the given extra flags; sets $port and $pid.
start_mock() {
    port="$(free_port)"
    RUST_LOG=warn "$binary" mock --port "$port" "$@" > "$workdir/stdout.$port" 2> "$workdir/stderr.$port" &
    pid=$!
    pids+=("$pid")
    local attempts=0
    until { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; do
        (( ++attempts < 1000000 )) || { echo "the mock did not open its port" >&2; exit 1; }
    done
    exec 3<&-
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# Highest VmRSS of process $1 over $2 seconds, sampled every 0.2 s.
peak_rss_kb() {
    local pid=$1 until=$(( SECONDS + $2 )) peak=0 now
    while (( SECONDS < until )); do
        now="$(rss_kb "$pid")"
        (( now > peak )) && peak=$now
        sleep 0.2
    done
    echo "$peak"
}

# A wrk script: method, path, content type and body (both may be empty), extra header line.
wrk_script() {
    local file="$workdir/$1.lua"
    cat > "$file" <<LUA
wrk.method = "$2"
wrk.body = [[$4]]
if "$3" ~= "" then wrk.headers["Content-Type"] = "$3" end
if "$5" ~= "" then wrk.headers["Authorization"] = "$5" end
done = function(summary, latency, requests)
  io.write(string.format("socket errors: %d, non-2xx/3xx: %d\n",
    summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout, summary.errors.status))
end
LUA
    echo "$file"
}

mb() { awk -v kb="$1" 'BEGIN { printf "%.1f MB", kb / 1024 }'; }

results=()
# flood NAME PID URL SCRIPT
flood() {
    local name=$1 pid=$2 url=$3 script=$4 before first second report
    before="$(rss_kb "$pid")"
    wrk -t"$threads" -c"$connections" -d"${seconds}s" -s "$script" "$url" > "$workdir/wrk.out" 2>&1 &
    local wrk_pid=$!
    first="$(peak_rss_kb "$pid" "$half")"
    second="$(peak_rss_kb "$pid" $(( seconds - half )))"
    wait "$wrk_pid" || true
    report="$(grep -E 'Requests/sec|socket errors' "$workdir/wrk.out" | tr -s ' ' | paste -sd ';')"
    results+=("$(printf '%-34s before %9s  peak 1st half %9s  2nd half %9s  %s' \
        "$name" "$(mb "$before")" "$(mb "$first")" "$(mb "$second")" "$report")")
    echo "${results[-1]}"
}

redirect='http%3A%2F%2F127.0.0.1%3A8765%2Fcallback'
challenge='E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
authorize_query="response_type=code&client_id=demo-public&redirect_uri=$redirect&scope=openid%20profile&code_challenge=$challenge&code_challenge_method=S256&state=$(printf 's%.0s' {1..512})&nonce=$(printf 'n%.0s' {1..512})"
form='application/x-www-form-urlencoded'
basic='Basic ZGVtby1jb25maWRlbnRpYWw6ZGVtby1zZWNyZXQ=' # demo-confidential:demo-secret
logo="https://app.example/$(printf 'l%.0s' {1..2000})"

echo "flooding for ${seconds}s each with $connections connections ($threads wrk threads)"

start_mock --auto-approve alice
approve_port=$port approve_pid=$pid
start_mock
pages_port=$port pages_pid=$pid

flood "GET /authorize (codes)" "$approve_pid" \
    "http://127.0.0.1:$approve_port/authorize?$authorize_query" "$(wrk_script codes GET '' '' '')"
flood "GET /authorize (sign-in pages)" "$pages_pid" \
    "http://127.0.0.1:$pages_port/authorize?$authorize_query" "$(wrk_script signins GET '' '' '')"
flood "POST /device/code" "$approve_pid" "http://127.0.0.1:$approve_port/device/code" \
    "$(wrk_script device POST "$form" 'client_id=demo-public&scope=openid%20profile' '')"
flood "POST /par" "$approve_pid" "http://127.0.0.1:$approve_port/par" \
    "$(wrk_script par POST "$form" "client_id=demo-public&${authorize_query#response_type=code&client_id=demo-public&}&response_type=code" '')"
flood "POST /register" "$approve_pid" "http://127.0.0.1:$approve_port/register" \
    "$(wrk_script register POST application/json "{\"redirect_uris\":[\"https://app.example/cb\"],\"client_name\":\"flood\",\"logo_uri\":\"$logo\"}" '')"
flood "POST /device (user codes)" "$approve_pid" "http://127.0.0.1:$approve_port/device" \
    "$(wrk_script usercode POST "$form" 'user_code=BCDF-GHJK' '')"
flood "POST /token client_credentials" "$approve_pid" "http://127.0.0.1:$approve_port/token" \
    "$(wrk_script cc POST "$form" 'grant_type=client_credentials' "$basic")"

echo
echo "summary"
printf '%s\n' "${results[@]}"
