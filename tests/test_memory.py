"""m.memory: bounds-checked copies and zero-copy views that stay valid."""

import sys

import pytest

from gowasm import Memory, Module, ModuleClosedError, OutOfBoundsError, WasmError
from conftest import corpus_path, wat

MEM = wat('(module (memory (export "memory") 1 3) (func (export "load") (param i32) (result i32) local.get 0 i32.load8_u))')


def test_no_memory_is_none():
    assert Module(wat('(module (func (export "f")))')).memory is None


def test_read_write_len_grow():
    m = Module(MEM)
    mem = m.memory
    assert isinstance(mem, Memory)
    assert len(mem) == 65536 and mem.pages == 1
    mem.write(100, b"hello")
    assert mem.read(100, 5) == b"hello"
    assert m.load(101) == ord("e")  # the guest sees the write
    assert mem.read_string(100, 5) == "hello"
    assert mem.grow(1) == 1
    assert len(mem) == 2 * 65536  # len() is always the current size
    mem.write(70000, bytearray(b"xy"))
    assert m.load(70001) == ord("y")


@pytest.mark.parametrize("offset,size", [(65536, 1), (65530, 10), (-1, 1), (0, -1)])
def test_out_of_bounds_is_index_error(offset, size):
    m = Module(MEM)
    with pytest.raises(IndexError, match="out of bounds|not negative") as info:
        m.memory.read(offset, size)
    # One type for every out-of-range access, typed calls' bad pointers too.
    assert isinstance(info.value, OutOfBoundsError) and isinstance(info.value, WasmError)
    if size >= 0:
        with pytest.raises(OutOfBoundsError):
            m.memory.write(offset, b"x" * size)
    assert m.memory.read(65535, 1) == b"\0"  # the last byte is inside


def test_grow_beyond_the_maximum():
    m = Module(MEM)
    with pytest.raises(OverflowError, match="cannot grow the memory by 5 pages: it has 1 of at most 3"):
        m.memory.grow(5)


@pytest.mark.skipif(sys.platform == "win32", reason="zero-copy views need a memory file")
def test_zero_copy_view_both_ways():
    m = Module(MEM)
    view = memoryview(m.memory)
    assert (view.format, len(view), view.readonly) == ("B", 65536, False)
    view[10:13] = b"abc"
    assert m.load(11) == ord("b")
    m.memory.write(20, b"z")
    assert view[20] == ord("z")


@pytest.mark.skipif(sys.platform == "win32", reason="zero-copy views need a memory file")
def test_a_view_stays_valid_after_growth_and_close():
    m = Module(MEM)
    view = memoryview(m.memory)
    view[0] = 7
    m.memory.grow(2)
    assert len(view) == 65536  # it keeps the length it had
    assert len(memoryview(m.memory)) == 3 * 65536
    view[1] = 8
    assert m.load(1) == 8  # and still is the memory
    m.close()
    assert view[0] == 7 and view[1] == 8  # after close: the last contents, no crash
    view[2] = 9
    with pytest.raises(ModuleClosedError):
        len(m.memory)


def test_numpy_frombuffer():
    numpy = pytest.importorskip("numpy")
    m = Module(MEM)
    arr = numpy.frombuffer(m.memory, dtype=numpy.uint8)
    arr.flags.writeable or pytest.skip("read-only buffer")
    arr[5] = 42
    assert m.load(5) == 42


def test_go_guest_memory(greet_wasm):
    m = Module(greet_wasm)
    p = m.malloc(4)
    m.memory.write(p, b"Go!!")
    assert m.memory.read(p, 4) == b"Go!!"
    m.free(p)


def test_imported_shared_memory_is_not_exported():
    assert Module(corpus_path("c/pthread_reactor.wasm")).memory is not None
