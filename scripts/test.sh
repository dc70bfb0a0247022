#!/usr/bin/env bash
# Sets up everything the tests need, then runs them all: Go (gohost), ruff
# and mypy, and Python (tests/, including those marked slow). Extra
# arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/dev-setup.sh
echo "== go vet ./..., gofmt and go test ./gohost/... ./guest/... ./bindgen/..."
# -stdmethods=false: wazero's File interface has Seek(int64, int) (int64, sys.Errno),
# which that check wants to return error (wazero's own sysfs package fails it too).
go vet -stdmethods=false ./...
unformatted=$(gofmt -l gohost guest bindgen)
if [ -n "$unformatted" ]; then echo "gofmt wants to rewrite: $unformatted (run gofmt -w)"; exit 1; fi
go test ./gohost/... ./guest/... ./bindgen/...
echo "== ruff check and mypy --strict (configured in pyproject.toml)"
.venv/bin/ruff check python tests scripts examples benchmarks
.venv/bin/mypy
echo "== pytest"
.venv/bin/python -m pytest "$@"
