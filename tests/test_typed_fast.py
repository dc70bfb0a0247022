"""Typed calls in one crossing (_typed_fast.py, gowasm_call_typed): the same
behaviour as the convention done in Python, on every shape and edge."""

import threading

import pytest

from gowasm import Module, OutOfBoundsError, WasmError
from conftest import TYPED_GUEST_BASE, wat

# conftest's typed guest: its bump allocator counts live allocations, so
# tests can see that everything the host allocated was freed.
_GUEST = TYPED_GUEST_BASE + '''  (func (export "len64") (param i32 i32) (result i64) (i64.extend_i32_u (local.get 1)))
  (func (export "nothing") (param i32 i32))
  (func (export "empty") (result i64) (i64.const 0))
  (func (export "boom") (param i32 i32) (result i64) unreachable)
  (func (export "big") (param i32) (result i64) (local $p i32)
    (local.set $p (call $malloc (local.get 0)))
    (memory.fill (local.get $p) (i32.const 120) (local.get 0))
    (call $pack (local.get $p) (local.get 0))))'''


@pytest.fixture
def m():
    return Module(wat(_GUEST))


def _is_fast(fn):
    return fn.__code__.co_filename == "<gowasm typed call>"


def test_every_shape(m):
    echo = m.echo.typed(str, returns=str)
    assert _is_fast(echo)
    assert echo("héllo") == "héllo" and echo("") == ""
    assert m.echo.typed(bytes, returns=bytes)(b"\x00\xff") == b"\x00\xff"
    assert m.echo.typed(dict, returns=dict)({"a": [1, 2.5, None]}) == {"a": [1, 2.5, None]}
    assert m.echo.typed(dict, returns=dict)(None) is None  # "null" in and out
    assert m.cat.typed(str, str, returns=str)("ab", "cd") == "abcd"
    assert m.cat.typed(str, bytes, returns=bytes)("", b"x") == b"x"
    take = m.take.typed(str, int, returns=str)
    assert _is_fast(take) and take("abcdef", 3) == "abc"
    assert m.take.typed(str, bool, returns=str)("abc", True) == "a"
    assert m.len.typed(bytes, returns=int)(b"abcd") == 4
    assert m.len.typed(bytes, returns=bool)(b"") is False
    assert m.len64.typed(str, returns=int)("xyz") == 3
    assert m.nothing.typed(str)("x") is None
    assert m.empty.typed(returns=bytes)() == b"" and m.empty.typed(returns=dict)() is None
    assert m.live() == 1  # every allocation was freed but the scratch block


def test_results_longer_than_the_buffer(m):
    big = m.big.typed(int, returns=bytes)
    for n in (65535, 65536, 65537, 150000):
        assert big(n) == b"x" * n
    data = "y" * 100_000
    assert m.echo.typed(str, returns=str)(data) == data
    assert m.live() == 1  # the scratch block


def test_other_values_take_the_python_path(m):
    echo = m.echo.typed(bytes, returns=bytes)
    assert echo(bytearray(b"ab")) == b"ab" and echo(memoryview(b"cd")) == b"cd"
    take = m.take.typed(str, int, returns=str)
    assert take(p0="abc", p1=2) == "ab"
    with pytest.raises(TypeError, match=r"argument 1 must be str, not int"):
        take(5, 1)
    with pytest.raises(TypeError, match=r"must be int, not float"):
        take("abc", 1.0)
    with pytest.raises(OverflowError, match="out of range for i32"):
        take("abc", 1 << 40)
    with pytest.raises(TypeError, match=r"takes 2 arguments \(1 given\)"):
        take("abc")
    with pytest.raises(TypeError):
        m.echo.typed(dict, returns=dict)({1j})
    assert take("abc", 1) == "a"  # none of that harmed the module
    assert m.live() == 2  # Go's scratch block and the Python path's


def test_traps_and_bad_pointers(m):
    with pytest.raises(WasmError, match="unreachable"):
        m.boom.typed(str, returns=str)("x")
    with pytest.raises(WasmError, match="can no longer be called"):
        m.echo.typed(str, returns=str)("x")
    bad = Module(wat('''(module (memory (export "memory") 1)
        (func $malloc (export "malloc") (param i32) (result i32) (i32.const 65530)) (func (export "free") (param i32))
        (func (export "len") (param i32 i32) (result i32) (local.get 1)))'''))
    with pytest.raises(OutOfBoundsError, match="allocator returned 65530 for 10 bytes, outside its memory"):
        bad.len.typed(str, returns=int)("x" * 10)


def test_reentrant_typed_call_from_a_host_function():
    holder = []

    def host(n):
        return len(holder[0]("z" * n))

    guest = (_GUEST.replace('(module (memory', '(module (import "env" "h" (func $h (param i32) (result i32))) (memory', 1)
             .replace('(func (export "len") (param i32 i32) (result i32) (local.get 1))',
                      '(func (export "len") (param i32 i32) (result i32) (call $h (local.get 1)))'))
    m = Module(wat(guest),
               imports={"env": {"h": host}})
    holder.append(m.echo.typed(str, returns=str))
    assert m.len.typed(str, returns=int)("abcd") == 4
    assert m.live() == 1


def test_threads_share_a_module(m):
    echo = m.echo.typed(str, returns=str)
    errors = []

    def work(i):
        try:
            for j in range(300):
                s = "%d-%d" % (i, j) * (j % 7 + 1)
                assert echo(s) == s
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and m.live() == 1


def test_memory_is_cached_while_its_size_holds(m):
    mem = m.memory
    assert m.memory is mem
    mem.grow(1)
    grown = m.memory
    assert grown is not mem and len(grown) == len(mem) == 17 * 65536 and len(bytes(grown)) == 17 * 65536


def test_fast_calls_use_the_fastcall_builtins():
    from gowasm import _native
    m = Module(wat('(module (func (export "add") (param i64 f64) (result f64) (f64.add (f64.convert_i64_s (local.get 0)) (local.get 1))))'))
    fc = _native.fastcall
    assert fc is not None and len([n for n in dir(fc) if n.startswith("call_")]) == 93 + 3  # and call_typed, call_map_lists, call_typed_map
    assert m.add(2, 0.5) == 2.5 and m.add(-1, 1) == 0.0
    with pytest.raises(TypeError, match="argument 1 must be int"):
        m.add(1.5, 1.0)
    with pytest.raises(TypeError):
        fc.call_f_if(m.add._handle, 1)  # arity is checked in C too
    with pytest.raises(TypeError):
        fc.call_f_if(m.add._handle, "x", 1.0)


def test_value_errors_are_worded_as_on_the_python_path(m):
    echo = m.echo.typed(str, returns=str)
    with pytest.raises(UnicodeEncodeError, match=r"echo\(p0: str\) -> str: argument 1: surrogates not allowed"):
        echo("a\ud800")
    with pytest.raises(UnicodeDecodeError, match="the str result of echo"):
        m.echo.typed(bytes, returns=str)(b"\xff\xfe")
    with pytest.raises(TypeError, match="argument 1 cannot be sent as JSON"):
        m.echo.typed(dict, returns=dict)({1, 2})
    assert echo("ok") == "ok" and m.live() == 1


def test_plain_host_functions_are_called_from_c():
    from gowasm import _host
    m = Module(wat('''(module
        (import "env" "i" (func $i (param i32 i64) (result i32)))
        (import "env" "l" (func $l (param i64) (result i64)))
        (import "env" "f" (func $f (param f32) (result f32)))
        (import "env" "d" (func $d (param f64) (result f64)))
        (import "env" "v" (func $v (param i32)))
        (func (export "ci") (param i32 i64) (result i32) (call $i (local.get 0) (local.get 1)))
        (func (export "cl") (param i64) (result i64) (call $l (local.get 0)))
        (func (export "cf") (param f32) (result f32) (call $f (local.get 0)))
        (func (export "cd") (param f64) (result f64) (call $d (local.get 0)))
        (func (export "cv") (param i32) (call $v (local.get 0))))'''),
        imports={"env": {"i": lambda a, b: a + b, "l": lambda x: x, "f": lambda x: x * 2, "d": lambda x: -x,
                         "v": lambda x: None}})
    assert len([f for f in _host._fast_hosts.values() if f[0]() is not None and f[0]().owner() is m]) == 5
    assert m.ci(-5, 2) == -3 and m.ci(2**31 - 1, 1) == -2**31  # i32 results wrap as on the Python path
    assert m.cl(-2**63) == -2**63 and m.cl(2**63 - 1) == 2**63 - 1
    assert m.cf(1.5) == 3.0 and m.cf(3e38) == float("inf")  # f32 overflow: infinity
    assert m.cd(2.5) == -2.5 and m.cv(1) is None


@pytest.mark.parametrize("result,want", [
    ("x", r"env.h must return i32, not 'x'"),
    (5_000_000_000, r"env.h returned 5000000000, out of range for i32"),
    (None, r"env.h must return i32, not None"),
])
def test_c_host_calls_word_bad_results_as_python(result, want):
    m = Module(wat('(module (import "env" "h" (func $h (result i32))) (func (export "f") (result i32) (call $h)))'),
               imports={"env": {"h": lambda: result}})
    with pytest.raises((TypeError, OverflowError), match=want):
        m.f()


def test_c_host_calls_raise_what_the_function_raises():
    def boom(x):
        raise LookupError("boom %d" % x)

    m = Module(wat('''(module (import "env" "h" (func $h (param i32) (result i64)))
        (import "env" "b" (func $b (param i32)))
        (func (export "f") (param i32) (result i64) (call $h (local.get 0)))
        (func (export "g") (param i32) (call $b (local.get 0))))'''),
               imports={"env": {"h": lambda x: x * 2 + True, "b": boom}})
    assert m.f(20) == 41
    with pytest.raises(LookupError, match="boom 7"):
        m.g(7)


def test_go_guest_allocator_refuses_bad_frees(greet_wasm):
    # guest/exports_gc.go finds a block by its header, not a map: a wild or
    # second free must still panic with the package's message (not trap).
    for bad in (3, 12345678):
        g = Module(greet_wasm)
        with pytest.raises(WasmError, match=r"free\(%d\): not from malloc, or already freed" % bad):
            g.exports["free"](bad)
    g = Module(greet_wasm)
    p = g.exports["malloc"](10)
    assert p and g.exports["free"](p) is None
    with pytest.raises(WasmError, match="not from malloc, or already freed"):
        g.exports["free"](p)
    g = Module(greet_wasm)
    for _ in range(2000):  # slots are reused: nothing grows
        assert g.greet("x" * 50) == "Hello, %s!" % ("x" * 50)


def test_go_guest_allocator_reuses_small_blocks_zeroed(greet_wasm):
    # guest/exports_gc.go keeps small freed blocks for reuse: malloc must
    # still give zeroed memory, and a freed block's second free still panics.
    g = Module(greet_wasm)
    malloc, free = g.exports["malloc"], g.exports["free"]
    for size in (1, 8, 24, 100, 4000, 5000):
        p = malloc(size)
        g.memory[p:p + size] = b"\xaa" * size
        free(p)
        q = malloc(size)
        assert bytes(g.memory[q:q + size]) == bytes(size)
        if size <= 4000:
            assert q == p  # the same block, from its size class
            with pytest.raises(WasmError, match="not from malloc, or already freed"):
                g2 = Module(greet_wasm)
                r = g2.exports["malloc"](size)
                g2.exports["free"](r)
                g2.exports["free"](r)
        free(q)
    ptrs = [malloc(20) for _ in range(50)]  # more than a class keeps
    for p in ptrs:
        free(p)
    assert len({malloc(20) for _ in range(50)}) == 50
