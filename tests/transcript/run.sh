#!/usr/bin/env bash
# Reads a HAR file written by `oauthscope run … --har` with an independent parser (the PyPI
# `haralyzer`, pinned in requirements.txt) against the built binary: OAUTHSCOPE_BIN, default
# target/debug/oauthscope.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../support/python_suite.sh"
python_suite "$here"

OAUTHSCOPE_BIN="$bin" exec "$venv/bin/python" "$here/test_har.py"
