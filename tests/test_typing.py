"""Exports offer what gowasm.ExportedFunction (a Protocol) says they do; the
package itself is checked by mypy --strict in scripts/test.sh."""

import os

import pytest

import gowasm

MEMBERS = ("name", "params", "results", "wasm_signature", "module", "call", "typed", "acall", "__qualname__")


def test_raw_and_typed_exports_have_the_protocols_members(reactor_wasm, greet_wasm):
    exports = [gowasm.Module(reactor_wasm).add, gowasm.Module(greet_wasm).greet,
               gowasm.Module(reactor_wasm).add.typed(int, int, returns=int)]
    for fn in exports:
        missing = [m for m in MEMBERS if not hasattr(fn, m)]
        assert missing == [] or (missing == ["call"] and fn.raw), (fn, missing)
    assert "ExportedFunction" in gowasm.__all__


def test_a_user_program_type_checks_against_the_protocol(tmp_path):
    mypy = pytest.importorskip("mypy.api")
    (tmp_path / "user.py").write_text(
        "import gowasm\n"
        "m = gowasm.Module('x.wasm')\n"
        "f: gowasm.ExportedFunction = m.sum\n"
        "sig: str = f.wasm_signature\n"
        "params: tuple[str, ...] = m.exports['sum'].params\n"
        "bad: int = m.sum.params\n")
    out, _, status = mypy.run(["--strict", "--no-incremental", "--cache-dir", os.devnull, str(tmp_path / "user.py")])
    assert status == 1 and out.count("error:") == 1 and "user.py:6:" in out, out
