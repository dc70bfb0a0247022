"""gowasm's pytest plugin: the ``gowasm_module`` fixture.

Installed with gowasm (entry point ``pytest11``), so any test suite can::

    def test_sum(gowasm_module):
        m = gowasm_module("guest/sum.wasm")       # a built module
        assert m.sum(12, 12) == 24

    def test_from_source(gowasm_module):
        m = gowasm_module("guest/")               # a Go package: built, then loaded
        assert m.fib(10) == 55

``gowasm_module(path, **kwargs)`` takes a ``.wasm`` file or a directory of
Go source, relative to the test file's folder or absolute, and the keyword
arguments of :class:`gowasm.Module` (for ordinary Go code, those of
``Module.from_go``). A directory whose Go files mark functions
``//go:wasmexport`` is a guest: built as a reactor (``GOOS=wasip1
GOARCH=wasm go build -buildmode=c-shared``, once per session and source);
any other is ordinary Go code, built with bindings by ``Module.from_go``.
Modules are closed when the test ends. Without Go on ``PATH`` (or, for
ordinary Go code, a gowasm without ``from_go``) the test is skipped saying
so. Importing the plugin loads nothing of Go: the native library starts only
when a test loads a module.
"""

import os
import re
import shutil
from typing import Any, Callable, Iterator, List

import pytest

__all__ = ["gowasm_module"]


def _resolve(path: "str | os.PathLike[str]", base: str) -> str:
    path = os.fspath(path)
    if os.path.isabs(path) or not os.path.exists(os.path.join(base, path)):
        return os.path.abspath(path)
    return os.path.join(base, path)


@pytest.fixture
def gowasm_module(request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """A factory: ``gowasm_module(path_or_go_dir, **kwargs)`` loads a
    :class:`gowasm.Module` from a ``.wasm`` file or builds one from a Go
    source directory; every module it made is closed after the test."""
    from gowasm import Module

    made: List[Any] = []
    base = os.path.dirname(str(request.path)) if getattr(request, "path", None) else os.getcwd()

    def load(path: "str | os.PathLike[str]", **kwargs: Any) -> Any:
        where = _resolve(path, base)
        if os.path.isdir(where) and _is_guest(where):
            if shutil.which("go") is None:
                pytest.skip("gowasm_module(%r): building a Go guest needs Go 1.24+ on PATH" % os.fspath(path))
            cache = getattr(request.config, "cache", None)  # None with -p no:cacheprovider
            out_dir = cache.mkdir("gowasm-guests") if cache else request.getfixturevalue("tmp_path_factory").mktemp("guests")
            module = Module(_build_guest(where, str(out_dir)), **kwargs)
        elif os.path.isdir(where):
            from_go = getattr(Module, "from_go", None)
            if from_go is None:
                pytest.skip("gowasm_module(%r): building Go source needs gowasm's Module.from_go, which this gowasm "
                            "(%s) does not have; pass a built .wasm file" % (os.fspath(path), _version()))
            if shutil.which("go") is None:
                pytest.skip("gowasm_module(%r): building Go source needs Go 1.24+ on PATH" % os.fspath(path))
            module = from_go(where, **kwargs)
        elif os.path.exists(where):
            module = Module(where, **kwargs)
        else:
            raise FileNotFoundError("gowasm_module: no .wasm file or Go source directory at %s" % where)
        made.append(module)
        return module

    yield load
    for module in made:
        module.close()


def _go_files(folder: str) -> List[str]:
    return sorted(n for n in os.listdir(folder) if n.endswith(".go") and not n.endswith("_test.go"))


def _is_guest(folder: str) -> bool:
    """Whether the Go package in folder marks functions //go:wasmexport."""
    for name in _go_files(folder):
        with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as f:
            if re.search(r"(?m)^//go:wasmexport\s", f.read()):
                return True
    return False


def _build_guest(folder: str, out_dir: str) -> str:
    """Builds the guest in folder as a wasip1 reactor; the .wasm is kept in
    pytest's cache (``.pytest_cache``) by a hash of its sources and Go."""
    import hashlib
    import subprocess

    files = _go_files(folder)
    digest = hashlib.sha256(subprocess.run(["go", "version"], capture_output=True, text=True).stdout.encode())
    for name in files + [n for n in ("go.mod", "go.sum") if os.path.exists(os.path.join(folder, n))]:
        with open(os.path.join(folder, name), "rb") as f:
            digest.update(name.encode() + b"\0" + f.read())
    out = os.path.join(out_dir, "%s-%s.wasm" % (os.path.basename(folder.rstrip(os.sep)), digest.hexdigest()[:16]))
    if not os.path.exists(out):
        env = dict(os.environ, GOOS="wasip1", GOARCH="wasm")
        tmp = out + ".tmp%d" % os.getpid()
        # The files by name: a folder outside any Go module builds too.
        r = subprocess.run(["go", "build", "-buildmode=c-shared", "-o", tmp] + files, cwd=folder, env=env,
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("gowasm_module: building the Go guest in %s failed:\n%s" % (folder, r.stderr.strip()))
        os.replace(tmp, out)
    return out


def _version() -> str:
    import gowasm

    return str(gowasm.__version__)
