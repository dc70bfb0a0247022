#!/usr/bin/env bash
# Checks here, on Linux, as much of the Windows amd64 build as can be:
#   1. gowasm.dll cross-builds (cgo with `zig cc -target x86_64-windows-gnu`);
#   2. the .def file setup.py makes from gowasm.h lists exactly the DLL's
#      exports (those of the header Go writes beside the DLL);
#   3. a C program calling every function of gowasm.h links against an
#      import library made from that .def (`zig dlltool`, standing in for
#      MSVC's `lib /def`, which setup.py runs on Windows).
# Not checked: MSVC compiling cffi's C, lib.exe itself, loading and running
# (the wheels workflow does those on a Windows runner).
# Needs Go; reuses scripts/wheel.sh's .cache/wheel-tools (run that first).
# ~5 minutes cold (Go compiles its standard library for windows), so not in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=$PWD/.cache/wheel-tools
[ -x "$TOOLS/bin/python" ] || { echo "windows-link-check.sh: run ./scripts/wheel.sh first (for .cache/wheel-tools)" >&2; exit 1; }
ZIG=$("$TOOLS/bin/python" -c "import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), 'zig'))")
export ZIG_GLOBAL_CACHE_DIR=$PWD/.cache/zig ZIG_LOCAL_CACHE_DIR=$PWD/.cache/zig
OUT=$PWD/.cache/windows-check
rm -rf "$OUT" && mkdir -p "$OUT/dll" "$OUT/link"

echo "== 1. gowasm.dll for windows/amd64"
CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC="$ZIG cc -target x86_64-windows-gnu" \
    go build -buildmode=c-shared -trimpath -ldflags="-s -w" -o "$OUT/dll/gowasm.dll" ./gohost
ls -l "$OUT/dll/gowasm.dll"

echo "== 2. setup.py's .def against the DLL's exports"
"$TOOLS/bin/python" - "$OUT" <<'EOF'
import os, re, sys
sys.path.insert(0, os.getcwd())
import setup  # setup() itself runs only as __main__

out = sys.argv[1]
names = setup.write_def_file(os.path.join(out, "link", "gowasm.def"))
with open(os.path.join(out, "dll", "gowasm.h")) as f:  # the header Go wrote: its exports
    exported = sorted(set(re.findall(r"^extern .*?\b(gowasm_\w+)\(", f.read(), re.M)))
if names != exported:
    sys.exit("the .def and the DLL differ: only in .def %s, only in DLL %s"
             % (sorted(set(names) - set(exported)), sorted(set(exported) - set(names))))
with open(os.path.join(out, "link", "useall.c"), "w") as f:
    f.write('#include "gowasm.h"\n#include <stdio.h>\nint main(void) {\n')
    f.writelines('    printf("%%p\\n", (void *)&%s);\n' % n for n in names)
    f.write("    return 0;\n}\n")
print("%d functions, the same in gowasm.h, the .def and the DLL" % len(names))
EOF

echo "== 3. a program using all of them links against the import library"
cd "$OUT/link"
"$ZIG" dlltool -d gowasm.def -l gowasm.lib -m i386:x86-64
"$ZIG" cc -target x86_64-windows-gnu -I"$OLDPWD/gohost" useall.c gowasm.lib -o useall.exe
ls -l useall.exe
echo "windows-link-check: ok"
