#!/usr/bin/env bash
# Runs the official WebAssembly/wasi-testsuite (wasm32-wasip1: C, Rust and
# AssemblyScript tests) through `gowasm run`:
#
#   git clone --branch prod/testsuite-base https://github.com/WebAssembly/wasi-testsuite
#   ./scripts/wasi-testsuite.sh path/to/wasi-testsuite
#
# ./scripts/test.sh runs the same tests without the suite's runner or
# network (tests/test_wasi_testsuite.py, from the binaries in tests/data);
# this runs the suite's own runner, to check that both agree. It needs
# Python 3.12+ (set RUNNER_PYTHON) and the runner's requirements, installed
# here into .cache/wasi-testsuite-venv.
set -euo pipefail
cd "$(dirname "$0")/.."
SUITE=$(cd "${1:?usage: $0 path/to/wasi-testsuite}" && pwd)
RUNNER_PYTHON=${RUNNER_PYTHON:-python3.12}
VENV=.cache/wasi-testsuite-venv

./scripts/dev-setup.sh
if [ ! -x "$VENV/bin/python" ]; then
    "$RUNNER_PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q -r "$SUITE/test-runner/requirements.txt"
fi
export GOWASM_PYTHON="$PWD/.venv/bin/python"
ADAPTER="$PWD/scripts/wasi_testsuite_adapter.py"
cd "$SUITE"
"$OLDPWD/$VENV/bin/python" ./run-tests -r "$ADAPTER" --disable-colors
