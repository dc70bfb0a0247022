#!/usr/bin/env bash
# Sets up .venv with gowasm built from this checkout (editable) and the test
# and benchmark dependencies. Idempotent; re-run it after changing Go code.
# Needs: Python 3.10+, Go 1.25+ and a C compiler (for cgo and cffi).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
command -v go >/dev/null || { echo "dev-setup: Go 1.25+ is needed on PATH (https://go.dev/dl/)" >&2; exit 1; }
command -v cc >/dev/null || command -v gcc >/dev/null || { echo "dev-setup: a C compiler is needed (apt-get install gcc)" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q "setuptools>=77" wheel "cffi>=1.17"
go mod download
# --no-build-isolation: reuse the build tools above instead of fetching them per build.
.venv/bin/python -m pip install -q --no-build-isolation -e ".[test,bench]"
