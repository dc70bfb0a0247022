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

    from gowasm import _errors, _native

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "gohost", "gowasm.h")) as f:
        header = dict((k, int(v)) for k, v in re.findall(r"#define GOWASM_ERR_(\w+) (\d+)", f.read()))
    _native.load()
    assert {code: _errors.code_name(code) for code in header.values()} == {v: k for k, v in header.items()}
    assert set(_errors._CLASSES) | {"EXIT"} <= set(header)


def test_the_largest_timeout_is_gowasm_h_s() -> None:
    # Python's bottom layer keeps a copy (it cannot ask the library); the
    # engine, its C exports and gowasm.h share one constant (gohost/codes.go).
    from gowasm import _native, _values

    _, lib = _native.load()
    assert _values.MAX_TIMEOUT == lib.GOWASM_MAX_TIMEOUT


# A child process loads the file: the old behaviour blocked on a FIFO or
# /dev/zero forever, and read a multi-GiB file whole (here: into an address
# space capped at 3 GiB, a MemoryError).
_LOAD_IN_A_CHILD = """
import resource, sys, time
import gowasm
gowasm.Module(b"\\0asm\\1\\0\\0\\0")  # the Go runtime is up before the cap
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
t = time.monotonic()
for load in (gowasm.Module, gowasm.run):
    try:
        load(sys.argv[1])
    except BaseException as e:
        print(type(e).__name__, str(e).replace("\\n", " "))
print("seconds", time.monotonic() - t)
"""


def _load_in_a_child(path):
    import subprocess
    import sys

    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    r = subprocess.run([sys.executable, "-c", _LOAD_IN_A_CHILD, str(path)], capture_output=True, text=True,
                       env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    *errors, seconds = r.stdout.splitlines()
    return errors, float(seconds.split()[1])


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero", "sparse 3 GiB module", "sparse 3 GiB non-module"])
def test_a_file_that_is_not_a_regular_module_file_is_refused_before_it_is_read(tmp_path, kind):
    if kind == "fifo":
        path = tmp_path / "fifo"
        os.mkfifo(path)
        message = "CompileError gowasm: cannot load %s: it is a FIFO (named pipe), not a regular file" % path
    elif kind == "/dev/zero":
        path = "/dev/zero"
        message = "CompileError gowasm: cannot load /dev/zero: it is a character device, not a regular file"
    else:
        path = tmp_path / "big.wasm"
        with open(path, "wb") as f:
            f.write(b"\0asm\1\0\0\0" if kind.endswith(" module") else b"\x7fELF")
            f.truncate(3 << 30)  # sparse: no disk space, no RAM
        message = ("CompileError gowasm: %s is not a valid WebAssembly module: " % path) + (
            "it is 3221225472 bytes long, and modules are at most 1073741824 bytes" if kind.endswith(" module")
            else "invalid magic number (it starts with 7f 45 4c 46")
    errors, seconds = _load_in_a_child(path)
    assert len(errors) == 2 and all(e.startswith(message) for e in errors), errors
    assert seconds < 5


def test_a_module_file_that_grows_past_the_limit_while_read_is_refused(monkeypatch, tmp_path):
    from gowasm import _source

    # As a /proc file: its size says 8 bytes, reading gives more.
    monkeypatch.setattr(_source, "max_module_size", lambda: 100)
    monkeypatch.setattr(_source, "_CHUNK", 16)
    fstat = os.fstat
    monkeypatch.setattr(_source.os, "fstat", lambda fd: os.stat_result(fstat(fd)[:6] + (8,) + fstat(fd)[7:]))
    path = tmp_path / "proc-like.wasm"
    path.write_bytes(b"\0asm\1\0\0\0" + b"\0" * 200)
    with pytest.raises(CompileError, match="it is more than 100 bytes long"):
        _source.read_module_file(str(path))
    path.write_bytes(b"\0asm\1\0\0\0" + b"\0" * 92)
    assert len(_source.read_module_file(str(path))) == 100
