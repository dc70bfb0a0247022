"""Builds gowasm: libgowasm (Go, c-shared) first, then the cffi extension.

Metadata lives in pyproject.toml; this file only holds the build steps that
need code: `go build -buildmode=c-shared ./gohost`, then cffi's extension
linked against that library, which is copied beside the extension (the
extension finds it through an rpath of $ORIGIN / @loader_path; on Windows the
loader looks beside the .pyd, and the extension links with an import library
made here from gowasm.h).

The environment steers cross and release builds (scripts/wheel.sh and
[tool.cibuildwheel] in pyproject.toml set it): CC and GOARCH reach `go
build` (cgo; on macOS a one-arch ARCHFLAGS sets GOARCH), CC and LDSHARED
reach the extension's build, and GOWASM_STRIP=1 leaves Go's symbol table and
DWARF out of the library (-s -w: 13.6 -> 7.6 MB on linux/amd64; Go's own
tracebacks still work, perf and gdb lose Go symbols).
"""

import os
import re
import shutil
import subprocess
import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

ROOT = os.path.dirname(os.path.abspath(__file__))

#: The oldest macOS that Go (1.25+) supports. Set here for the Go library,
#: the extension and the wheel's tag alike; a lower MACOSX_DEPLOYMENT_TARGET
#: (cibuildwheel sets 10.9 or 11.0 by default) is raised to it.
MACOS_MINIMUM = "12.0"

if sys.platform == "darwin":
    _target = os.environ.get("MACOSX_DEPLOYMENT_TARGET", "0")
    if tuple(map(int, _target.split("."))) < tuple(map(int, MACOS_MINIMUM.split("."))):
        os.environ["MACOSX_DEPLOYMENT_TARGET"] = MACOS_MINIMUM


def library_name():
    if sys.platform == "darwin":
        return "libgowasm.dylib"
    if sys.platform == "win32":
        return "gowasm.dll"
    return "libgowasm.so"


class build_go_then_ext(build_ext):
    """Runs `go build -buildmode=c-shared` before building the extension."""

    def run(self):
        libdir = os.path.abspath(os.path.join(self.build_temp, "go"))
        lib = self.build_go(libdir)
        for ext in self.extensions:
            ext.libraries.append("gowasm")
            ext.library_dirs.append(libdir)
            if sys.platform == "darwin":
                ext.extra_link_args.append("-Wl,-rpath,@loader_path")
            elif sys.platform != "win32":
                # libc named explicitly: when the Go library is the only
                # NEEDED entry, auditwheel cannot tell which libc the wheel is for.
                ext.extra_link_args += ["-Wl,-rpath,$ORIGIN", "-Wl,--no-as-needed", "-lc"]
        super().run()
        for ext in self.extensions:
            dest = os.path.dirname(self.get_ext_fullpath(ext.name))
            os.makedirs(dest, exist_ok=True)
            # Replace, never overwrite in place: a process that has the old
            # library loaded (a test run, a notebook) would die of SIGBUS.
            target = os.path.join(dest, os.path.basename(lib))
            shutil.copy2(lib, target + ".tmp")
            os.replace(target + ".tmp", target)

    def build_extension(self, ext):
        if sys.platform == "win32":
            self.windows_import_library(ext.library_dirs[-1])
        super().build_extension(ext)

    def windows_import_library(self, libdir):
        """gowasm.lib for MSVC's linker: Go makes a DLL but no import library."""
        deffile = os.path.join(libdir, "gowasm.def")
        write_def_file(deffile)
        if not self.compiler.initialized:
            self.compiler.initialize()
        machine = {"win-amd64": "X64", "win-arm64": "ARM64", "win32": "X86"}[self.plat_name]
        self.spawn([self.compiler.lib, "/nologo", "/def:" + deffile, "/machine:" + machine,
                    "/out:" + os.path.join(libdir, "gowasm.lib")])

    def build_go(self, libdir):
        go = shutil.which("go")
        if go is None:
            sys.exit("gowasm: no prebuilt wheel matched this platform, and building from source needs "
                     "Go %s or newer on PATH (https://go.dev/dl/) and a C compiler (gcc or clang). Wheels "
                     "exist for CPython 3.10+ on Linux x86_64/aarch64 (glibc), macOS 12+ and Windows amd64."
                     % go_minimum())
        os.makedirs(libdir, exist_ok=True)
        lib = os.path.join(libdir, library_name())
        cmd = [go, "build", "-buildmode=c-shared", "-trimpath", "-o", lib]
        ldflags = ["-s", "-w"] if os.environ.get("GOWASM_STRIP") == "1" else []
        if sys.platform == "darwin":
            ldflags.append("-extldflags=-Wl,-install_name,@rpath/libgowasm.dylib")
        if ldflags:
            cmd.append("-ldflags=" + " ".join(ldflags))
        cmd.append("./gohost")
        env = dict(os.environ, CGO_ENABLED="1")
        archs = re.findall(r"-arch\s+(\S+)", os.environ.get("ARCHFLAGS", ""))
        if sys.platform == "darwin" and len(archs) == 1 and "GOARCH" not in env:
            # cibuildwheel cross-building on macOS says the arch in ARCHFLAGS.
            env["GOARCH"] = {"x86_64": "amd64", "arm64": "arm64"}[archs[0]]
        self.announce("building libgowasm: " + " ".join(cmd), level=2)
        subprocess.check_call(cmd, cwd=ROOT, env=env)
        return lib


#: Go source that Module.from_go builds with, shipped inside the package
#: (gowasm/_go/NAME): the guest package and the bindings generator.
GO_SOURCES = ("guest", "bindgen")


class build_py_with_go_sources(build_py):
    """Copies guest/ and bindgen/ (their non-test .go files) into the
    package, so from_go works from a wheel with no checkout. An editable
    install reads them from the checkout instead (gowasm._gobuild.sources)."""

    def run(self):
        super().run()
        for name in GO_SOURCES:
            dest = os.path.join(self.build_lib, "gowasm", "_go", name)
            os.makedirs(dest, exist_ok=True)
            for f in sorted(os.listdir(os.path.join(ROOT, name))):
                if f.endswith(".go") and not f.endswith("_test.go"):
                    shutil.copy2(os.path.join(ROOT, name, f), os.path.join(dest, f))


def write_def_file(path):
    """A .def file of the DLL's exports: the functions of gowasm.h.
    (scripts/cross-check.sh checks it against a cross-built gowasm.dll.)"""
    with open(os.path.join(ROOT, "gohost", "gowasm.h")) as f:
        names = sorted(set(re.findall(r"^\w[\w\s\*]*?\b(gowasm_\w+)\(", f.read(), re.M)))
    with open(path, "w") as f:
        f.write("LIBRARY gowasm.dll\nEXPORTS\n" + "".join("    %s\n" % n for n in names))
    return names


def go_minimum():
    """The oldest Go that builds gowasm: the `go` line of go.mod."""
    with open(os.path.join(ROOT, "go.mod")) as f:
        return re.search(r"^go (\S+)", f.read(), re.M).group(1)


if __name__ == "__main__":  # as setuptools runs it; importable for write_def_file
    setup(
        cmdclass={"build_ext": build_go_then_ext, "build_py": build_py_with_go_sources},
        cffi_modules=["python/ffi/build.py:ffibuilder"],
        options={"bdist_wheel": {"py_limited_api": "cp310"}},
    )
