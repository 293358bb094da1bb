# Sourced by the run.sh of each Python suite (tests/mcp, tests/transcript): finds the built
# binary and makes the suite's virtualenv with its pinned requirements.txt.
# Sets: bin (OAUTHSCOPE_BIN, default target/debug/oauthscope) and venv (SUITE_DIR/.venv).

python_suite() {
    local here="$1"
    local repo
    repo="$(cd "$here/../.." && pwd)"
    bin="${OAUTHSCOPE_BIN:-$repo/target/debug/oauthscope}"
    venv="$here/.venv"
    if [[ ! -x "$bin" ]]; then
        echo "oauthscope binary not found at $bin (build it first: cargo build)" >&2
        exit 2
    fi
    if [[ ! -x "$venv/bin/python" ]]; then
        python3 -m venv "$venv"
    fi
    # Reinstall only when the pinned requirements changed since the last install.
    local stamp="$venv/.requirements"
    if ! cmp -s "$here/requirements.txt" "$stamp"; then
        "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
        cp "$here/requirements.txt" "$stamp"
    fi
}
