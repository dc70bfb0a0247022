"""Builds gowasm: libgowasm (Go, c-shared) first, then the cffi extension.

Metadata lives in pyproject.toml; this file only holds the build steps that
need code: `go build -buildmode=c-shared ./gohost`, then cffi's extension
linked against that library, which is copied beside the extension (the
extension finds it through an rpath of $ORIGIN / @loader_path).
"""

import os
import shutil
import subprocess
import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


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
                ext.extra_link_args.append("-Wl,-rpath,$ORIGIN")
        super().run()
        for ext in self.extensions:
            dest = os.path.dirname(self.get_ext_fullpath(ext.name))
            os.makedirs(dest, exist_ok=True)
            # Replace, never overwrite in place: a process that has the old
            # library loaded (a test run, a notebook) would die of SIGBUS.
            target = os.path.join(dest, os.path.basename(lib))
            shutil.copy2(lib, target + ".tmp")
            os.replace(target + ".tmp", target)

    def build_go(self, libdir):
        if sys.platform == "win32":
            sys.exit("gowasm: building on Windows is not supported yet (the cffi extension needs an "
                     "import library for the Go DLL); see the roadmap in README.md")
        go = shutil.which("go")
        if go is None:
            sys.exit("gowasm: building from source needs Go 1.25+ (https://go.dev/dl/) on PATH; "
                     "or install a prebuilt wheel")
        os.makedirs(libdir, exist_ok=True)
        lib = os.path.join(libdir, library_name())
        cmd = [go, "build", "-buildmode=c-shared", "-trimpath", "-o", lib]
        if sys.platform == "darwin":
            cmd.append("-ldflags=-extldflags=-Wl,-install_name,@rpath/libgowasm.dylib")
        cmd.append("./gohost")
        env = dict(os.environ, CGO_ENABLED="1")
        if sys.platform == "darwin":
            env.setdefault("MACOSX_DEPLOYMENT_TARGET", "12.0")
        self.announce("building libgowasm: " + " ".join(cmd), level=2)
        subprocess.check_call(cmd, cwd=ROOT, env=env)
        return lib


setup(
    cmdclass={"build_ext": build_go_then_ext},
    cffi_modules=["python/gowasm/_ffi_build.py:ffibuilder"],
    options={"bdist_wheel": {"py_limited_api": "cp39"}},
)
