"""Guest output goes to Python's current sys.stdout / sys.stderr."""

import contextlib
import io

import pytest

from gowasm import Module, ModuleClosedError, run
from conftest import corpus_path, wat


def test_stdout_and_stderr_reach_capsys(reactor, capsys):
    reactor.hello()
    out = capsys.readouterr()
    assert out.out == "hello from Go, héllo\n"
    assert out.err == "and to stderr\n"


def test_output_follows_redirection(reactor):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        reactor.hello()
    assert buf.getvalue() == "hello from Go, héllo\n"


def test_assemblyscript_trace_goes_to_stdout(capsys):
    m = Module(corpus_path("assemblyscript/hello_trace.wasm"))
    assert m.hello_world(1) == 4
    assert capsys.readouterr().out == "trace: hello world 1.1,1.2\n"


class _Raising(io.RawIOBase):
    """A binary file object whose writes (and reads) raise ``exc``."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc
        self.calls = 0

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def write(self, b):
        self.calls += 1
        raise self.exc

    def read(self, size=-1):
        self.calls += 1
        raise self.exc


def test_failing_stdout_fails_the_call(reactor_wasm):
    # The exception comes out of the call that wrote, not an EIO the guest
    # ignores; the guest was stopped inside its write, so the module is done.
    m = Module(reactor_wasm, stdout=_Raising(BrokenPipeError(32, "Broken pipe")))
    with pytest.raises(BrokenPipeError) as info:
        m.hello()
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "raised by the guest's stdout" in notes and "writing the guest's output failed" in notes
    with pytest.raises(ModuleClosedError, match="earlier call failed"):
        m.add(1, 2)


def test_failing_stderr_and_sys_stdout_fail_the_call(reactor_wasm):
    m = Module(reactor_wasm, stderr=_Raising(ValueError("I/O operation on closed file")))
    with pytest.raises(ValueError, match="closed file") as info:
        m.hello()
    assert "raised by the guest's stderr" in "\n".join(info.value.__notes__)
    # The default stream, Python's current sys.stdout, is no different.
    closed = io.StringIO()
    closed.close()
    m = Module(reactor_wasm)
    with contextlib.redirect_stdout(closed):
        with pytest.raises(ValueError, match="closed file"):
            m.hello()


def test_keyboard_interrupt_in_output_propagates(reactor_wasm, probe_wasm):
    m = Module(reactor_wasm, stdout=_Raising(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        m.hello()
    sink = _Raising(KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        run(probe_wasm, ["lines", "10000"], stdout=sink)
    assert sink.calls == 1  # the program stopped at its first write, as on Ctrl-C


_READ_STDIN = """(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "read") (result i32)
    (i32.store (i32.const 0) (i32.const 32))
    (i32.store (i32.const 4) (i32.const 8))
    (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8))))"""


def test_keyboard_interrupt_in_input_propagates(probe_wasm):
    # A Module's read() returns fd_read's errno: 0 when reading works...
    assert Module(wat(_READ_STDIN), stdin=io.BytesIO(b"in")).read() == 0
    # ...and a raising stdin fails the call instead of answering EIO.
    source = _Raising(KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt) as info:
        Module(wat(_READ_STDIN), stdin=source).read()
    assert "raised by the guest's stdin" in "\n".join(info.value.__notes__)
    with pytest.raises(KeyboardInterrupt):
        run(probe_wasm, ["cat-stdin"], stdin=_Raising(KeyboardInterrupt()), capture_output=True)
