"""The pytest plugin (entry point pytest11): the gowasm_module fixture, in a
real pytest run of a small test suite."""

import os
import shutil
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points

from conftest import ROOT


def test_the_plugin_is_registered_and_loads_nothing_of_go():
    assert "gowasm.pytest_plugin" in [e.value for e in entry_points(group="pytest11")]
    code = "import gowasm.pytest_plugin, gowasm._native as n; print(n._loaded)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stdout == "None\n", r.stderr


def test_gowasm_module_fixture_in_a_test_suite(tmp_path, reactor_wasm):
    shutil.copy(reactor_wasm, tmp_path / "reactor.wasm")
    shutil.copytree(os.path.join(ROOT, "tests", "gopkgs", "mathlib"), tmp_path / "mathlib")
    shutil.copytree(os.path.join(ROOT, "examples", "sum"), tmp_path / "guest")  # //go:wasmexport, no go.mod
    (tmp_path / "test_guest.py").write_text(textwrap.dedent("""
        import gowasm, gowasm._native

        def test_nothing_loaded_before_a_module_is():
            assert gowasm._native._loaded is None

        def test_wasm_file(gowasm_module):
            m = gowasm_module("reactor.wasm", timeout=10)
            assert m.add(12, 12) == 24
            test_wasm_file.module = m

        def test_modules_are_closed_after_the_test():
            assert test_wasm_file.module.closed

        def test_go_source(gowasm_module):
            m = gowasm_module("mathlib")
            assert m.Sum(12, 12) == 24 and m.Upper("go") == "GO"

        def test_go_guest(gowasm_module):
            m = gowasm_module("guest")
            assert m.kind == "reactor" and m.sum(12, 12) == 24 and m.fib(10) == 55

        def test_missing(gowasm_module):
            try:
                gowasm_module("nowhere.wasm")
            except FileNotFoundError as e:
                assert "no .wasm file or Go source directory" in str(e)
    """))
    env = dict(os.environ)
    env.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
    r = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", "-q", str(tmp_path)],
                       capture_output=True, text=True, cwd=str(tmp_path), env=env, timeout=300)
    from gowasm import Module

    if hasattr(Module, "from_go") and shutil.which("go"):
        assert "6 passed" in r.stdout, r.stdout + r.stderr
    else:  # scripts/test-wheel.sh runs the suite with no Go on PATH
        assert "4 passed, 2 skipped" in r.stdout, r.stdout + r.stderr
        assert "building a Go guest needs" in r.stdout
