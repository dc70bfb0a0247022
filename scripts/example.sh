#!/usr/bin/env bash
# Sets up .venv, builds gowasm and the example Go guest (examples/sum), and
# calls it from Python: prints "sum(12, 12) = 24".
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/dev-setup.sh
.venv/bin/python examples/sum.py
