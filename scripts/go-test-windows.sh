#!/usr/bin/env bash
# Builds the Go tests of every package under gohost/internal for Windows
# (GOOS=windows, CGO_ENABLED=0: these packages need no cgo) and runs each
# test binary under Wine, here on Linux. Prints one line per package (ok,
# FAIL, or no tests) and exits non-zero if a package failed.
#
#   ./scripts/go-test-windows.sh                    # every package
#   ./scripts/go-test-windows.sh sandbox engine     # some (names under gohost/internal)
#   GOWASM_GO_TEST_ARGS="-test.v -test.run Mount" ./scripts/go-test-windows.sh sandbox
#
# Sets up by itself, in .cache/ (nothing outside the checkout but the
# wine64 package): Debian's wine64 (apt-get, if `wine` is not on PATH), a
# Wine prefix (.cache/wine) set to Windows 10, and a stand-in
# bcryptprimitives.dll built with zig (the ziglang wheel, in
# .cache/windows-tools). Wine 8 has no bcryptprimitives.dll, and every Go
# >= 1.22 Windows binary imports its ProcessPrng (the stand-in gets the
# same bytes from advapi32's RtlGenRandom, SystemFunction036).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
TOOLS=$PWD/.cache/windows-tools
export WINEPREFIX=$PWD/.cache/wine
export WINEDEBUG=${WINEDEBUG:--all}
export WINEDLLOVERRIDES="mscoree,mshtml=" # no Mono or Gecko installer dialogs

command -v go >/dev/null || { echo "go-test-windows.sh: Go is needed on PATH" >&2; exit 1; }
if ! command -v wine >/dev/null; then
    echo "== installing wine64 (apt-get)"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q wine64 >/dev/null
fi

start=$SECONDS
dll=$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll
if [ ! -f "$dll" ]; then
    echo "== Wine prefix $WINEPREFIX (win10) and bcryptprimitives.dll"
    if [ ! -x "$TOOLS/bin/python" ]; then
        "$PYTHON" -m venv "$TOOLS"
    fi
    "$TOOLS/bin/python" -m pip install -q "ziglang>=0.13"
    ZIG=$("$TOOLS/bin/python" -c "import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), 'zig'))")
    export ZIG_GLOBAL_CACHE_DIR=$PWD/.cache/zig ZIG_LOCAL_CACHE_DIR=$PWD/.cache/zig
    wineboot -i >/dev/null 2>&1
    wine reg add 'HKCU\Software\Wine' /v Version /d win10 /f >/dev/null 2>&1
    wineserver -w
    build=$(mktemp -d)
    trap 'rm -rf "$build"' EXIT
    cat >"$build/bcryptprimitives.c" <<'EOF'
/* A stand-in for Windows' bcryptprimitives.dll, which Wine 8 lacks: its one
   function Go's runtime calls, ProcessPrng, filled from RtlGenRandom. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, n)) {
            return FALSE;
        }
        data += n;
        len -= n;
    }
    return TRUE;
}
EOF
    "$ZIG" cc -target x86_64-windows-gnu -shared -O2 -o "$build/bcryptprimitives.dll" \
        "$build/bcryptprimitives.c" -ladvapi32
    cp "$build/bcryptprimitives.dll" "$dll"
    echo "set up in $((SECONDS - start)) s"
fi

pkgs=()
if [ $# -eq 0 ]; then
    for d in gohost/internal/*/; do pkgs+=("$(basename "$d")"); done
else
    pkgs=("$@")
fi
out=$PWD/.cache/go-test-windows
mkdir -p "$out"
failed=0
for p in "${pkgs[@]}"; do
    t0=$SECONDS
    exe=$out/$p.test.exe
    rm -f "$exe"
    if ! GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go test -c -o "$exe" "./gohost/internal/$p" >"$out/$p.build.log" 2>&1; then
        echo "FAIL  $p (does not compile for windows; $out/$p.build.log)"
        failed=1
        continue
    fi
    if [ ! -f "$exe" ]; then
        echo "--    $p (no tests for windows)"
        continue
    fi
    # The binary runs in its package's directory (as go test does), for testdata/.
    # shellcheck disable=SC2086 # the extra arguments are words
    if (cd "gohost/internal/$p" && wine "$exe" ${GOWASM_GO_TEST_ARGS:-} </dev/null >"$out/$p.log" 2>&1); then
        echo "ok    $p ($((SECONDS - t0)) s)"
    else
        echo "FAIL  $p ($((SECONDS - t0)) s; $out/$p.log)"
        grep -E "^(--- FAIL|panic|FAIL)" "$out/$p.log" | head -20 | sed 's/^/      /'
        failed=1
    fi
done
echo "total $((SECONDS - start)) s"
exit $failed
