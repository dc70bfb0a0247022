#!/usr/bin/env bash
# Tests the built wheel the way a user gets it: for each Python, a fresh venv
# with the wheel from dist/ (and the test extras) installed, then this
# checkout's test suite run against the installed package with no Go and no
# C compiler on PATH and a clean environment. The Go guests the tests use
# are built first (with Go); tests that need Go at run time skip.
#
#   ./scripts/wheel.sh && ./scripts/test-wheel.sh        # CPython 3.10 to 3.13
#   ./scripts/test-wheel.sh 3.12 python3 -- -m "not slow" -x
#
# A Python is a version pyenv knows (`pyenv prefix 3.12`) or a command.
# Arguments after -- go to pytest. Needs: dist/ from ./scripts/wheel.sh (the
# wheel for this machine's arch), Go (for the guests only), those Pythons.
# Venvs go to .cache/wheel-test/. Then, on the first Python, Module.from_go's
# tests run against the installed wheel with Go on PATH (still no C
# compiler): the Go sources it builds with must ship inside the wheel.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

PYTHONS=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do PYTHONS+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
[ ${#PYTHONS[@]} -gt 0 ] || PYTHONS=(3.10 3.11 3.12 3.13)

shopt -s nullglob
WHEELS=(dist/gowasm-*-cp310-abi3-*manylinux*_"$(uname -m)".whl)
[ ${#WHEELS[@]} -eq 1 ] || { echo "test-wheel.sh: want one $(uname -m) wheel in dist/ (run ./scripts/wheel.sh)" >&2; exit 1; }
WHEEL=$ROOT/${WHEELS[0]}

resolve_python() {  # a version for pyenv, or a command
    local prefix
    if [[ $1 =~ ^[0-9]+\.[0-9]+$ ]] && prefix=$(pyenv prefix "$1" 2>/dev/null) && [ -x "$prefix/bin/python$1" ]; then
        echo "$prefix/bin/python$1"
    elif command -v "$1" >/dev/null; then
        command -v "$1"
    else
        echo "test-wheel.sh: no Python $1 (not in pyenv, not a command)" >&2; return 1
    fi
}

# A PATH of this machine's programs less Go and every C compiler.
NOBIN=$ROOT/.cache/wheel-test/bin
rm -rf "$NOBIN" && mkdir -p "$NOBIN"
for dir in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
    for f in "$dir"/*; do
        name=${f##*/}
        case $name in
            go|gofmt|cc|c89|c99|c++|cpp|gcc*|g++*|clang*|tcc|zig|*-gcc|*-gcc-*|*-g++|*-g++-*|*-cc) continue ;;
        esac
        [ -x "$f" ] && [ ! -e "$NOBIN/$name" ] && ln -s "$f" "$NOBIN/$name"
    done
done

status=0
for spec in "${PYTHONS[@]}"; do
    py=$(resolve_python "$spec")
    version=$("$py" -c "import sys; print('%d.%d' % sys.version_info[:2])")
    venv=$ROOT/.cache/wheel-test/py$version
    echo "== CPython $version ($py): fresh venv, ${WHEEL##*/}[test]"
    rm -rf "$venv"
    "$py" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q "$WHEEL[test]"
    if [ -z "${guests_built:-}" ]; then
        echo "== building the tests' Go guests (the only use of Go here)"
        "$venv/bin/python" -c "import sys; sys.path.insert(0, 'tests'); import conftest; conftest.build_guests()" >/dev/null
        guests_built=1
    fi
    start=$SECONDS
    # env -i: only what a user's shell would have; no GOROOT, CC or the like.
    if env -i HOME="$HOME" LANG=C.UTF-8 PATH="$venv/bin:$NOBIN" GOWASM_TEST_INSTALLED=1 \
        ${GOWASM_CORPUS:+GOWASM_CORPUS="$GOWASM_CORPUS"} \
        sh -c 'for tool in go gcc cc; do ! command -v $tool >/dev/null || { echo "$tool is on PATH" >&2; exit 1; }; done
               python -c "import gowasm; print(\"gowasm\", gowasm.__version__, \"from\", gowasm.__file__)"
               exec python -m pytest -p no:cacheprovider -q -rs "$@"' test-wheel "$@"; then
        echo "== CPython $version: passed in $((SECONDS - start)) s"
    else
        echo "== CPython $version: FAILED" >&2
        status=1
    fi
    if [ -z "${from_go_tested:-}" ]; then
        from_go_tested=1
        GODIR=$(dirname "$(command -v go)")
        echo "== CPython $version: Module.from_go from the installed wheel (Go on PATH, no C compiler)"
        if ! env -i HOME="$HOME" LANG=C.UTF-8 PATH="$venv/bin:$GODIR:$NOBIN" GOWASM_TEST_INSTALLED=1 \
            GOWASM_CACHE_DIR="$ROOT/.cache/wheel-test/from-go-cache" \
            sh -c 'python -c "import gowasm._gobuild as g; print(\"Go sources from\", g.sources(\"guest\"))"
                   exec python -m pytest -p no:cacheprovider -q -rs tests/test_from_go.py'; then
            echo "== CPython $version: Module.from_go FAILED" >&2
            status=1
        fi
    fi
done
exit $status
