"""How modules and exports display in IPython and Jupyter."""

from IPython.lib.pretty import pretty

from conftest import wat
from gowasm import Module

IMPORTS = wat("""
(module
  (import "env" "missing" (func (param i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
  (memory (export "memory") 1)
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
""")


def test_repr_html_lists_exports_kind_and_imports():
    m = Module(IMPORTS, name="<imports & exports>")
    html = m._repr_html_()
    assert "<code>&lt;imports &amp; exports&gt;</code> (library)" in html
    assert "<td><code>add</code></td><td><code>add(i32, i32) -&gt; i32</code></td>" in html
    assert "<td><code>env.missing</code></td><td><code>(i32) -&gt; ()</code></td><td><code>stub</code></td>" in html
    assert "memory: <code>memory</code>" in html and "2 imports" in html
    assert "add(i32, i32) -&gt; i32" in m.add._repr_html_()
    m.close()
    assert "(closed)" in m._repr_html_()


def test_pretty_and_repr():
    m = Module(IMPORTS, name="x.wasm")
    assert pretty(m).splitlines() == [
        "<gowasm.Module x.wasm (library)>", "  add(i32, i32) -> i32", "  imports: 2 (stub, wasi)",
        "  unresolved (calling them raises LinkError): env.missing"]
    assert repr(m) == "<gowasm.Module x.wasm (library), exports: add>"
    assert pretty(m.add) == repr(m.add) == "<bound method add(i32, i32) -> i32 of <exports of x.wasm>>"


def test_display_hooks_are_not_taken_for_exports():
    m = Module(IMPORTS)
    for probe in ("_repr_markdown_", "_ipython_canary_method_should_not_exist_", "_ipython_display_"):
        assert not hasattr(m, probe)
    assert "add" in dir(m) and m.exports._ipython_key_completions_() == ["add"]
