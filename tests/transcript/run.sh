#!/usr/bin/env bash
# Reads a HAR file written by `oauthscope run … --har` with an independent parser (the PyPI
# `haralyzer`, pinned in requirements.txt) against the built binary: OAUTHSCOPE_BIN, default
# target/debug/oauthscope.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
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
stamp="$venv/.requirements"
if ! cmp -s "$here/requirements.txt" "$stamp"; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
    cp "$here/requirements.txt" "$stamp"
fi

OAUTHSCOPE_BIN="$bin" exec "$venv/bin/python" "$here/test_har.py"
