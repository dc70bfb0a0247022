"""gowasm's pytest plugin: the ``gowasm_module`` fixture.

Installed with gowasm (entry point ``pytest11``), so any test suite can::

    def test_sum(gowasm_module):
        m = gowasm_module("guest/sum.wasm")       # a built module
        assert m.sum(12, 12) == 24

    def test_from_source(gowasm_module):
        m = gowasm_module("guest/")               # a Go package: built, then loaded
        assert m.fib(10) == 55

``gowasm_module(path, **kwargs)`` takes a ``.wasm`` file or a directory of
Go source (a ``main`` package with ``//go:wasmexport`` functions), relative
to the test file's folder or absolute, and the keyword arguments of
:class:`gowasm.Module` (for Go source, those of ``Module.from_go``). Modules
are closed when the test ends. Go source is built with ``Module.from_go``;
where this gowasm has none, or no Go toolchain is on ``PATH``, the test is
skipped saying so. Importing the plugin loads nothing of Go: the native
library starts only when a test loads a module.
"""

import os
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
        if os.path.isdir(where):
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


def _version() -> str:
    import gowasm

    return str(gowasm.__version__)
