"""Every failure is a clear Python exception; none crashes the process."""

import os
import pytest

import gowasm
from gowasm import CompileError, ExitError, LinkError, Module, ModuleClosedError, Trap, WasmError
from conftest import corpus_path, wat


def test_hierarchy():
    for cls in (CompileError, LinkError, Trap, ExitError, ModuleClosedError):
        assert issubclass(cls, WasmError)
        assert getattr(gowasm, cls.__name__) is cls
    # Memory.read/write's IndexError, and what a guest's bad pointer is.
    assert issubclass(gowasm.OutOfBoundsError, WasmError) and issubclass(gowasm.OutOfBoundsError, IndexError)


@pytest.mark.parametrize("data", [b"", b"garbage", b"\0asm\x01\0\0\0\x01\xff"])
def test_malformed_bytes(data):
    with pytest.raises(CompileError, match="not a valid WebAssembly module"):
        Module(data)


def test_missing_file_and_wrong_source_type():
    with pytest.raises(FileNotFoundError):
        Module("/no/such/file.wasm")
    with pytest.raises(TypeError, match="path or the module's bytes"):
        Module(42)


def test_go_panic_is_a_trap_with_a_wasm_trace(reactor_wasm, capsys):
    m = Module(reactor_wasm)
    with pytest.raises(Trap, match="unreachable") as info:
        m.boom()
    assert "main.boom" in info.value.wasm_trace
    assert "panic: boom from Go" in capsys.readouterr().err
    # The guest runtime may be corrupt now: the module refuses further calls.
    with pytest.raises(ModuleClosedError, match="earlier call failed.*Create a new Module"):
        m.add(1, 2)
    assert Module(reactor_wasm).add(1, 2) == 3


def test_division_by_zero_traps(reactor):
    with pytest.raises(Trap, match="unreachable") as info:
        reactor.divide(1, 0)
    assert "panicdivide" in info.value.wasm_trace


@pytest.mark.parametrize(
    "body,message",
    [
        ("unreachable", "unreachable"),
        ("i32.const 1 i32.const 0 i32.div_s drop", "integer divide by zero"),
        ("i32.const 70000 i32.load drop", "out of bounds memory access"),
    ],
)
def test_wasm_traps(body, message):
    m = Module(wat('(module (memory 1) (func (export "f") %s))' % body))
    with pytest.raises(Trap, match=message):
        m.f()


def test_exit_is_exit_error_with_code(reactor_wasm):
    m = Module(reactor_wasm)
    with pytest.raises(ExitError, match="exited with code 3") as info:
        m.exit(3)
    assert info.value.code == 3
    with pytest.raises(ModuleClosedError):
        m.add(1, 2)


CALLS_MISSING = wat(
    """
    (module
      (import "env" "missing" (func $missing (param i32) (result i32)))
      (import "other" "gone" (func))
      (func (export "ok") (result i32) i32.const 7)
      (func (export "call_missing") (result i32) i32.const 1 call $missing))
    """
)


def test_missing_imports_are_stubbed_and_fail_when_called():
    m = Module(CALLS_MISSING)
    assert m.ok() == 7
    assert {(i.module, i.name, i.provided_by) for i in m.imports} == {("env", "missing", "stub"), ("other", "gone", "stub")}
    with pytest.raises(LinkError, match=r"called env\.missing\(i32\) -> i32, an import that nothing provides"):
        m.call_missing()
    with pytest.raises(ModuleClosedError):
        m.ok()


def test_strict_imports_lists_every_missing_import():
    with pytest.raises(LinkError) as info:
        Module(CALLS_MISSING, strict_imports=True)
    msg = str(info.value)
    assert "2 function(s) that nothing provides" in msg
    assert "env.missing(i32) -> i32" in msg and "other.gone() -> None" in msg


def test_go_js_modules_are_refused_with_advice():
    with pytest.raises(LinkError, match="GOOS=js.*GOOS=wasip1"):
        Module(corpus_path("go/gojs_pion_explainer.wasm"))


def test_tinygo_syscall_js_module_fails_at_start_naming_the_import():
    with pytest.raises(LinkError, match=r"running _start.*syscall/js\.valueGet.*JavaScript host"):
        Module(corpus_path("tinygo-wasm/godom_syscall_js.wasm"))


def test_missing_export_suggests_and_lists(reactor):
    with pytest.raises(AttributeError, match=r"has no export 'Add'\. Did you mean 'add'\? It exports: _initialize, add,"):
        reactor.Add
    with pytest.raises(KeyError, match=r"has no export 'ad'\. Did you mean 'add'"):
        reactor.exports["ad"]


def test_missing_export_of_a_command_explains_how_to_export(command_wasm):
    m = Module(command_wasm)
    assert m.kind == "command"
    with pytest.raises(AttributeError) as info:
        m.sum
    msg = str(info.value)
    assert "WASI command" in msg and "//go:wasmexport" in msg and "-buildmode=c-shared" in msg
    assert "not int" in msg and "//export" in msg


def test_closed_module(reactor_wasm):
    m = Module(reactor_wasm)
    f = m.add
    m.close()
    m.close()  # idempotent
    assert m.closed
    with pytest.raises(ModuleClosedError, match="closed"):
        f(1, 2)
    with pytest.raises(ModuleClosedError):
        m.sum5(1, 2, 3, 4, 5)  # the general path too


def test_error_codes_are_gowasm_h_s():
    # gowasm.h is the one source of the codes (gohost/codes.go checks Go's
    # at compile time); Python names them, reads their numbers from the
    # library, and every name it uses must be gowasm.h's.
    import re

    from gowasm import _errors, _native, _pickle

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "gohost", "gowasm.h")) as f:
        header = dict((k, int(v)) for k, v in re.findall(r"#define GOWASM_ERR_(\w+) (\d+)", f.read()))
    _native.load()
    assert {code: _errors.code_name(code) for code in header.values()} == {v: k for k, v in header.items()}
    assert set(_errors._CLASSES) | set(_pickle._FATAL) | {"EXIT"} <= set(header)
