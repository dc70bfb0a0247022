#!/usr/bin/env bash
# Sets up everything the tests need, then runs them all: Go (gohost) and
# Python (tests/, including those marked slow). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/dev-setup.sh
echo "== go vet ./... and go test ./gohost/... ./guest/..."
go vet ./...
go test ./gohost/... ./guest/...
echo "== pytest"
.venv/bin/python -m pytest "$@"
