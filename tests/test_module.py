"""Loading, discovery, lifecycle and caching of modules."""

import gc
import inspect
import pathlib
import pydoc
import os
import subprocess
import sys

import pytest

import gowasm
from gowasm import Module, ModuleClosedError
from gowasm._native import live_handles
from conftest import ROOT, wat


def test_sources_path_pathlike_and_bytes(reactor_wasm):
    data = open(reactor_wasm, "rb").read()
    for source in (reactor_wasm, pathlib.Path(reactor_wasm), data, bytearray(data), memoryview(data)):
        with Module(source) as m:
            assert m.add(12, 12) == 24


def test_reactor_is_initialised(reactor):
    # Go reactors trap ("runtime.notInitialized") unless _initialize ran.
    assert reactor.kind == "reactor"
    assert reactor.inc() == 1


def test_signature_metadata_and_help(reactor):
    f = reactor.add
    assert (f.params, f.results) == (("i32", "i32"), ("i32",))
    assert f.name == "add" and f.wasm_signature == "add(i32, i32) -> i32"
    assert str(inspect.signature(f)) == "(p0: int, p1: int, /) -> int"
    text = pydoc.render_doc(f)
    assert "add(i32, i32) -> i32" in text and "exported by" in text
    assert str(inspect.signature(reactor.nothing)) == "() -> None"


def test_exports_are_discoverable(reactor):
    assert reactor.exports["add"] is reactor.add
    assert "add" in reactor.exports and "nope" not in reactor.exports
    assert len(reactor.exports) == len(list(reactor.exports))
    assert {"add", "mul_f64", "hello"} <= set(dir(reactor))
    assert "add(i32, i32) -> i32" in repr(reactor.exports)
    assert "reactor" in repr(reactor)


def test_exports_that_clash_or_are_not_identifiers_stay_reachable():
    m = Module(wat('(module (func (export "close") (result i32) i32.const 1)'
                   ' (func (export "./main.go.main") (result i32) i32.const 2))'))
    assert m.exports["close"]() == 1 and m.exports["./main.go.main"]() == 2
    assert callable(m.close) and m.close.__func__ is Module.close  # the method wins
    m.close()


def test_functions_keep_their_module_alive(reactor_wasm):
    f = Module(reactor_wasm).add
    gc.collect()
    assert f(2, 3) == 5


def test_close_and_garbage_collection_release_every_handle(reactor_wasm):
    gc.collect()
    before = live_handles()
    with Module(reactor_wasm) as m:
        assert live_handles()[0] == before[0] + 1
        assert live_handles()[1] > before[1]
    f = m.add
    # Closed: the guest is gone, but the handles stay reserved while Python
    # objects that name them (m, f) live, so a call fails cleanly.
    with pytest.raises(ModuleClosedError):
        f(1, 2)
    del m, f
    gc.collect()
    assert live_handles() == before
    for _ in range(20):
        Module(reactor_wasm).add(1, 2)  # never closed: the GC frees them
    gc.collect()
    assert live_handles() == before


def test_disk_cache_is_written_and_reused(reactor_wasm, tmp_path):
    cache = tmp_path / "cache"
    Module(reactor_wasm, cache=cache).close()
    files = sorted(p for p in cache.rglob("*") if p.is_file())
    assert files, "the compilation cache directory stayed empty"
    # A second process loading the same module adds nothing: it hit the cache.
    code = "from gowasm import Module; print(Module(%r, cache=%r).add(1, 2))" % (reactor_wasm, str(cache))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "3"
    assert sorted(p for p in cache.rglob("*") if p.is_file()) == files


def test_a_validated_module_is_remembered_in_the_cache(reactor_wasm, tmp_path):
    # wazero validates a module once: the library (as built, with its
    # dependencies' versions) leaves a marker named by wazero's version and
    # the module's SHA-256, which the next process's load trusts instead of
    # validating again (gohost/internal/compile/compile.go).
    import hashlib
    import re

    cache = tmp_path / "cache"
    Module(reactor_wasm, cache=cache).close()
    go_mod = open(os.path.join(os.path.dirname(__file__), "..", "go.mod")).read()
    wazero = re.search(r"github.com/tetratelabs/wazero (v\S+)", go_mod).group(1)
    markers = [p.relative_to(cache).as_posix() for p in cache.glob("validated-*/*")]
    digest = hashlib.sha256(open(reactor_wasm, "rb").read()).hexdigest()
    assert len(markers) == 1 and re.fullmatch(r"validated-%s-[0-9a-f]+/%s" % (re.escape(wazero), digest), markers[0]), markers


def test_cache_can_be_disabled_and_defaults_from_env(reactor_wasm, tmp_path, monkeypatch):
    from gowasm._cache import default_cache_dir, resolve_cache_dir

    monkeypatch.setenv("GOWASM_CACHE_DIR", str(tmp_path / "env-cache"))
    assert resolve_cache_dir(True) == str(tmp_path / "env-cache")
    assert resolve_cache_dir(False) is None and resolve_cache_dir(None) is None
    monkeypatch.setenv("GOWASM_CACHE_DIR", "")
    assert default_cache_dir() is None
    monkeypatch.delenv("GOWASM_CACHE_DIR")
    assert default_cache_dir()
    with Module(reactor_wasm, cache=False) as m:
        assert m.add(1, 1) == 2


def test_a_cache_dir_that_cannot_be_made_is_a_warning_and_the_load_succeeds(reactor_wasm, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.warns(gowasm.CacheWarning, match="not caching compiled code in .*sub: it cannot be created.*cache=False"):
        with Module(reactor_wasm, cache=blocker / "sub") as m:
            assert m.add(2, 3) == 5


def test_import_is_lazy():
    code = "import sys, gowasm; print('gowasm._gowasm_cffi' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"
