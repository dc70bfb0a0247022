"""Regression tests for crashes, hangs, races, leaks and silent corruption
found in review: each failed (or hung, or crashed) before its fix."""

import gc
import io
import math
import subprocess
import sys
import threading

import pytest

from gowasm import Module, ModuleClosedError, OutOfBoundsError
from gowasm._native import live_handles
from conftest import ROOT, wat


def test_guest_memory_cannot_be_resized():
    m = Module(wat('(module (memory (export "memory") 4) (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))'))
    mem = m.memory
    with pytest.raises(TypeError, match="cannot be resized"):
        mem.resize(65536)  # would truncate the file the guest's memory lives in: SIGBUS
    assert m.load(200000) == 0


def test_no_two_threads_in_one_instance_around_host_calls():
    # f traps if entered while running: serialization must hold even while
    # another thread's call is inside a host function.
    src = wat('''(module (import "env" "h" (func $h)) (global $busy (mut i32) (i32.const 0))
        (func (export "f") (if (global.get $busy) (then unreachable))
            (global.set $busy (i32.const 1)) (call $h) (global.set $busy (i32.const 0))))''')
    m = Module(src, imports={"env": {"h": lambda: None}})
    errors = []

    def work():
        try:
            for _ in range(40000):
                m.f()
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_closing_a_module_from_its_own_host_function_is_an_error_not_a_hang():
    holder = {}

    def h():
        holder["m"].close()

    m = Module(wat('(module (import "env" "h" (func $h)) (func (export "f") (call $h)))'), imports={"env": {"h": h}})
    holder["m"] = m
    with pytest.raises(ValueError, match="cannot be closed from inside a call to it"):
        m.f()
    assert not m.closed  # the refused close() did not mark it closed
    m.close()  # outside the call it works
    assert m.closed
    with pytest.raises(ModuleClosedError):
        m.f()


def test_closing_from_a_guest_output_callback_is_an_error_not_a_hang(reactor_wasm):
    holder = {}

    class Closer(io.StringIO):
        def write(self, s):
            try:
                holder["m"].close()
            except ValueError as e:
                holder["error"] = e
            return len(s)

    m = Module(reactor_wasm, stdout=Closer())
    holder["m"] = m
    m.hello()
    assert "cannot be closed from inside" in str(holder["error"])


def test_exit_does_not_wait_for_a_daemon_thread_in_the_guest():
    code = ("import threading, time, wasmtime\nfrom gowasm import Module\n"
            "m = Module(wasmtime.wat2wasm('(module (func (export \"spin\") (loop $l (br $l))))'))\n"
            "threading.Thread(target=m.spin, daemon=True).start()\ntime.sleep(0.2)\nprint('bye')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert (r.returncode, r.stdout) == (0, "bye\n"), r.stderr


def test_exports_never_replace_module_attributes():
    m = Module(wat('''(module (func (export "name") (result i32) i32.const 1)
        (func (export "exports") (result i32) i32.const 2) (func (export "_closed") (result i32) i32.const 3))'''))
    assert isinstance(m.name, str) and m.exports["name"]() == 1 and m.exports["exports"]() == 2
    m.close()
    assert m.closed is True


def test_typed_calls_check_guest_pointers():
    high = Module(wat('''(module (memory (export "memory") 36865 36865)
        (func (export "malloc") (param i32) (result i32) (i32.const 0x90000000))
        (func (export "free") (param i32))
        (func (export "first") (param i32 i32) (result i32) (i32.load8_u (local.get 0))))'''))
    assert high.first.typed(bytes, returns=int)(b"A") == 65  # a pointer above 2**31 is not negative
    null = Module(wat('''(module (memory (export "memory") 1) (data (i32.const 0) "guest data")
        (func (export "malloc") (param i32) (result i32) (i32.const 0)) (func (export "free") (param i32))
        (func (export "length") (param i32 i32) (result i32) (local.get 1))
        (func (export "bad") (result i64) (i64.const 0x0010000000000008)))'''))
    with pytest.raises(OutOfBoundsError, match="allocator returned 0 for 3 bytes.*out of memory"):
        null.length.typed(str, returns=int)("abc")
    assert null.memory.read(0, 10) == b"guest data"  # nothing written over address 0
    with pytest.raises(OutOfBoundsError, match=r"returned \(ptr 1048576, len 8\), outside its memory"):
        null.bad.typed(returns=bytes)()


def test_typed_calls_check_guest_pointers_on_the_python_path_too():
    # Shapes and values the one-crossing path leaves to Python (a keyword
    # argument, a bytearray, three memory arguments) meet the same checks,
    # with the same exception and words (gowasm._memory.check_range).
    null = Module(wat('''(module (memory (export "memory") 1) (data (i32.const 0) "guest data")
        (func (export "malloc") (param i32) (result i32) (i32.const 0)) (func (export "free") (param i32))
        (func (export "length") (param i32 i32) (result i32) (local.get 1))
        (func (export "bad3") (param i32 i32 i32 i32 i32 i32) (result i64) (i64.const 0x0010000000000008)))'''))
    length = null.length.typed(str, returns=int)
    with pytest.raises(OutOfBoundsError, match="<bytes>: the guest's allocator returned 0 for 3 bytes, outside its "
                                               r"memory \(65536 bytes\); out of memory\?"):
        length(p0="abc")
    with pytest.raises(OutOfBoundsError, match="allocator returned 0 for 2 bytes"):
        null.length.typed(bytes, returns=int)(bytearray(b"ab"))
    assert null.memory.read(0, 10) == b"guest data"
    with pytest.raises(OutOfBoundsError, match=r"returned \(ptr 1048576, len 8\), outside its memory \(65536 bytes\)$"):
        null.bad3.typed(str, str, str, returns=bytes)("", "", "")
    assert length("") == 0  # still usable: nothing was read or written
    high = Module(wat('''(module (memory (export "memory") 1)
        (func (export "malloc") (param i32) (result i32) (i32.const 65534)) (func (export "free") (param i32))
        (func (export "length") (param i32 i32) (result i32) (local.get 1)))'''))
    assert high.length.typed(bytes, returns=int)(bytearray(b"ab")) == 2  # the last two bytes are inside
    with pytest.raises(OutOfBoundsError, match="allocator returned 65534 for 3 bytes, outside its memory"):
        high.length.typed(bytes, returns=int)(bytearray(b"abc"))


def test_typed_bytes_from_a_memoryview_of_wider_items():
    # A memoryview of an int array is 4 bytes an item: the guest gets all
    # of them and their length in bytes, never the item count.
    import array

    m = Module(wat('''(module (memory (export "memory") 1) (global $next (mut i32) (i32.const 1024))
        (func (export "malloc") (param i32) (result i32) (global.get $next)) (func (export "free") (param i32))
        (func (export "echo") (param i32 i32) (result i64)
          (i64.or (i64.shl (i64.extend_i32_u (local.get 0)) (i64.const 32)) (i64.extend_i32_u (local.get 1)))))'''))
    echo = m.echo.typed(bytes, returns=bytes)
    ints = array.array("i", [1, 2])
    assert echo(memoryview(ints)) == ints.tobytes()
    with pytest.raises(TypeError, match="argument 1: memoryview: casts are restricted to C-contiguous"):
        echo(memoryview(b"abcd")[::2])


def test_memory_grow_is_serialized_with_the_guest():
    m = Module(wat('''(module (memory (export "memory") 1 65536)
        (func (export "growloop") (param $n i32) (loop $l (drop (memory.grow (i32.const 1)))
            (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br_if $l (local.get $n)))))'''))
    mem = m.memory
    t = threading.Thread(target=m.growloop, args=(5000,))
    t.start()
    for _ in range(5000):
        mem.grow(1)
    t.join()
    assert mem.pages == 1 + 2 * 5000


def test_f32_overflow_is_infinity_on_every_path():
    m = Module(wat('''(module (func (export "f1") (param f32) (result f32) local.get 0)
        (func (export "f5") (param f32 i32 i32 i32 i32) (result f32) local.get 0))'''))
    assert m.f1(1e39) == math.inf and m.f5(1e39, 0, 0, 0, 0) == math.inf and m.f5(-1e39, 0, 0, 0, 0) == -math.inf


def test_host_results_out_of_range_raise():
    m = Module(wat('(module (import "env" "h" (func $h (result i32))) (func (export "f") (result i32) (call $h)))'),
               imports={"env": {"h": lambda: 5_000_000_000}})
    with pytest.raises(OverflowError, match="env.h returned 5000000000, out of range for i32"):
        m.f()


def _module_whose_host_function_refers_to_it():
    holder = []
    m = Module(wat('(module (import "env" "h" (func $h)) (memory (export "memory") 1) (func (export "f") (call $h)))'),
               imports={"env": {"h": lambda: holder[0].memory.grow(0) and None}})
    holder.append(m)
    m.f()


def test_host_functions_that_refer_to_their_module_do_not_leak():
    gc.collect()
    before = live_handles()
    for _ in range(10):
        _module_whose_host_function_refers_to_it()
    gc.collect()
    assert live_handles() == before


def test_rejected_arguments_leave_nothing_registered(reactor_wasm):
    from gowasm import _host, _streams

    streams, hosts = dict(_streams._streams), dict(_host._registry)
    with pytest.raises(TypeError):
        Module(reactor_wasm, stdout=io.BytesIO(), stderr=42)
    with pytest.raises(TypeError):
        Module(reactor_wasm, imports={"env": {"a": lambda: 0, "b": 42}})
    from gowasm import run
    with pytest.raises(TypeError):
        run(reactor_wasm, stdout=io.BytesIO(), stderr=42)
    assert _streams._streams == streams and dict(_host._registry) == hosts
