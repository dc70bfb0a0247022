"""Typed map in one crossing (_typed_fast.typed_map, gowasm_call_typed_map):
the same results and errors as a call per element, with the element named."""

import sys
import threading

import pytest

from gowasm import Module, Timeout, Trap, WasmError
from conftest import TYPED_GUEST_BASE, wat

# conftest's typed guest (a counting bump allocator, echo, cat...) and
# functions that misbehave on one length: pick traps on a 7-byte value, wild
# returns a pointer outside memory for one, latin returns a byte that is not
# UTF-8 for one, spin loops n times.
_GUEST = TYPED_GUEST_BASE + '''  (func (export "nothing") (param i32 i32))
  (func (export "fl") (param i32 i32 f64) (result i32) (local.get 1))
  (func (export "scale") (param f64 i32) (result f64)
    (select (f64.neg (local.get 0)) (local.get 0) (local.get 1)))
  (func (export "pick") (param i32 i32) (result i64)
    (if (i32.eq (local.get 1) (i32.const 7)) (then unreachable))
    (call $echo (local.get 0) (local.get 1)))
  (func (export "wild") (param i32 i32) (result i64)
    (if (i32.eq (local.get 1) (i32.const 7)) (then (return (call $pack (i32.const 2000000) (i32.const 4)))))
    (call $echo (local.get 0) (local.get 1)))
  (func (export "latin") (param i32 i32) (result i64) (local $r i64)
    (local.set $r (call $echo (local.get 0) (local.get 1)))
    (if (i32.eq (local.get 1) (i32.const 7)) (then (i32.store8 (i32.wrap_i64 (i64.shr_u (local.get $r) (i64.const 32))) (i32.const 255))))
    (local.get $r))
  (func (export "spin") (param i32 i32) (param $n i64) (result i64) (local $i i64)
    (loop $l
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $l (i64.lt_u (local.get $i) (local.get $n))))
    (local.get $i)))'''


@pytest.fixture(scope="module")
def guest():
    return wat(_GUEST)


@pytest.fixture
def m(guest):
    return Module(guest)


def _typed_calls(fn, run):
    """How many times run() enters a Python-level typed call (the fast
    path's generated function or the Python path's)."""
    count = [0]

    def prof(frame, event, arg):
        if event == "call" and frame.f_code.co_name in ("typed", "call"):
            count[0] += 1

    sys.setprofile(prof)
    try:
        out = run()
    finally:
        sys.setprofile(None)
    return out, count[0]


def test_many_elements_in_one_crossing(m):
    echo = m.echo.typed(str, returns=str)
    xs = ["value %d %s" % (i, "é" * (i % 5)) for i in range(5000)]
    out, calls = _typed_calls(echo, lambda: echo.map(xs))
    assert out == xs and calls == 0
    assert m.live() == 1  # every argument and result freed, but the scratch block
    raw = m.echo.typed(bytes, returns=bytes)
    assert raw.map(tuple(x.encode() for x in xs)) == [x.encode() for x in xs]
    assert raw.map(x.encode() for x in xs[:3]) == [x.encode() for x in xs[:3]]  # any iterable
    assert m.len.typed(str, returns=int).map(["", "ab", "ü"]) == [0, 2, 2]
    assert m.len.typed(str, returns=bool).map(["", "ab"]) == [False, True]
    assert m.nothing.typed(bytes).map([b"a", b"b"]) is None
    assert m.live() == 1


def test_every_shape_matches_single_calls(m):
    cat = m.cat.typed(str, bytes, returns=bytes)
    assert cat.map(["a", "", "ü"], [b"1", b"2", b""]) == [cat(a, b) for a, b in zip(["a", "", "ü"], [b"1", b"2", b""])]
    take = m.take.typed(str, int, returns=str)
    assert take.map(["hello", "world"], [2, 0]) == ["he", ""]
    flag = m.take.typed(str, bool, returns=str)
    assert flag.map(["hello", "world"], [True, 0]) == ["h", ""]
    js = m.echo.typed("json", returns="json")
    docs = [{"a": [1, 2]}, None, "x", 3.5, {"ü": True}]
    assert js.map(docs) == docs
    assert js.map([[]]) == [[]]
    assert m.live() == 1


def test_shapes_outside_the_c_path_map_per_call(m):
    fl = m.fl.typed(str, float, returns=int)  # a float: the Python path, a call per element
    out, calls = _typed_calls(fl, lambda: fl.map(["ab", "c"], [1.5, 2.0]))
    assert out == [2, 1] and calls == 2
    with pytest.raises(TypeError, match="element 1"):
        fl.map(["ab", 3], [1.5, 2.0])
    scale = m.scale.typed(float, bool, returns=float)  # no memory values, but a bool
    assert scale.map([2.5, 1.0], [True, False]) == [-2.5, 1.0]


def _outcome(f):
    try:
        return ("ok", f())
    except Exception as e:
        return (type(e), str(e).split(": ", 1)[-1])


@pytest.mark.parametrize("kind,values", [
    (bytes, ["abc"]), (bytes, [bytearray(b"ab")]), (str, [b"abc"]), (str, [type("S", (str,), {})("sub")]),
])
def test_values_of_other_types_behave_as_single_calls(m, kind, values):
    echo = m.echo.typed(kind, returns=kind)
    single = _outcome(lambda: [echo(v) for v in values])
    mapped = _outcome(lambda: echo.map(values))
    assert mapped[0] == single[0] and (mapped[1] == single[1] or single[1] in mapped[1])


def test_empty_and_mismatched_inputs(m):
    echo = m.echo.typed(str, returns=str)
    assert echo.map([]) == [] and echo.map(()) == [] and echo.map(iter([])) == []
    cat = m.cat.typed(str, str, returns=str)
    assert cat.map([], []) == []
    with pytest.raises(ValueError, match=r"different lengths \(2, 3\)"):
        cat.map(["a", "b"], ["a", "b", "c"])
    with pytest.raises(TypeError, match="takes 2 iterables"):
        cat.map(["a"])
    take = m.take.typed(str, int, returns=str)
    with pytest.raises(ValueError, match=r"different lengths \(1, 2\)"):
        take.map(["a"], [1, 2])
    with pytest.raises(TypeError, match=r"element 1: .*must be str"):  # a generator, read once
        echo.map(x for x in ["a", 5])
    assert cat.map(["a"], ["b"]) == ["ab"]  # none of that harmed the module


def test_unicode_round_trips(m):
    echo = m.echo.typed(str, returns=str)
    xs = ["", "a", "é", "€", "😀", "a\x00b", "\u0800" * 1000, "x" * 9000 + "😀"]
    assert echo.map(xs) == xs
    with pytest.raises(UnicodeEncodeError):  # a lone surrogate: as one call raises it
        echo.map(["ok", "\ud800"])


def test_values_the_c_path_refuses_name_the_element(m):
    echo = m.echo.typed(str, returns=str)
    with pytest.raises(TypeError, match=r"element 2: echo\(p0: str\) -> str: argument 1 must be str, not int"):
        echo.map(["a", "b", 3])
    take = m.take.typed(str, int, returns=str)
    with pytest.raises(OverflowError, match=r"element 1: .*out of range"):
        take.map(["a", "b"], [1, 2**40])  # checked in Go before any guest code runs
    with pytest.raises((OverflowError, TypeError), match=r"element 1"):
        take.map(["a", "b"], [1, 2**70])
    js = m.echo.typed("json", returns="json")
    with pytest.raises(TypeError, match=r"element 1"):
        js.map([1, object()])
    assert echo.map(["fine"]) == ["fine"] and m.live() == 2  # the Go scratch block and the Python path's


def test_a_trap_at_element_k_names_it(guest):
    m = Module(guest)
    pick = m.pick.typed(str, returns=str)
    assert pick.map(["abc", "de"]) == ["abc", "de"]
    with pytest.raises(Trap, match="element 3: .*unreachable"):
        pick.map(["a", "b", "c", "seven!!", "d"])
    with pytest.raises(WasmError, match="can no longer be called"):  # as raw map: the instance is dead
        pick.map(["a"])


def test_a_bad_pointer_at_element_k_names_it(m):
    wild = m.wild.typed(str, returns=str)
    with pytest.raises(WasmError, match=r"element 2: .*outside its memory"):
        wild.map(["a", "b", "1234567", "c"])


def test_a_result_that_is_not_utf8_names_the_element(m):
    latin = m.latin.typed(str, returns=str)
    assert latin.map(["abc"]) == ["abc"]
    with pytest.raises(UnicodeDecodeError, match="str result of latin") as info:
        latin.map(["a", "1234567", "b"])
    assert any("element 1" in n for n in getattr(info.value, "__notes__", []))
    assert m.latin.typed(str, returns=bytes).map(["1234567"]) == [b"\xff234567"]


def test_large_values_grow_guest_memory_mid_batch(greet_wasm):
    g = Module(greet_wasm)
    before = g._memory_size()
    xs = ["x" * (3 << 20), "é" * (2 << 20), "small", "y" * (6 << 20)]
    out = g.greet.map(xs)
    assert out == ["Hello, %s!" % x for x in xs]
    assert g._memory_size() > before
    assert g.reverse.map([b"ab" * (1 << 20), b"", b"xyz"]) == [b"ba" * (1 << 20), b"", b"zyx"]


def test_a_timeout_stops_a_batch(guest):
    m = Module(guest, timeout=0.3)
    spin = m.spin.typed(str, int, returns=int)
    assert spin.map(["a", "b"], [10, 20]) == [10, 20]
    with pytest.raises(Timeout, match="element 1"):
        spin.map(["a", "b", "c"], [10, 1 << 62, 10])


def test_close_from_another_thread_stops_a_batch(guest):
    m = Module(guest, interruptible=True)
    spin = m.spin.typed(str, int, returns=int)
    timer = threading.Timer(0.2, m.close)
    timer.start()
    try:
        with pytest.raises(WasmError):
            spin.map(["a", "b"], [10, 1 << 62])
    finally:
        timer.join()


def test_threads_share_a_module(m):
    echo = m.echo.typed(str, returns=str)
    errors = []

    def work(k):
        try:
            for _ in range(20):
                xs = ["t%d-%d" % (k, i) for i in range(200)]
                assert echo.map(xs) == xs
        except Exception as e:  # pragma: no cover
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and m.live() == 1


def test_map_from_inside_a_host_function(guest):
    holder = []
    host = wat('''(module (import "env" "h" (func $h (param i32) (result i32)))
        (memory (export "memory") 1)
        (func (export "malloc") (param i32) (result i32) (i32.const 256))
        (func (export "free") (param i32))
        (func (export "len") (param i32 i32) (result i32) (local.get 1))
        (func (export "f") (param i32) (result i32) (call $h (local.get 0))))''')
    m = Module(host, imports={"env": {"h": lambda n: sum(holder[0].map(["x" * i for i in range(n)]))}})
    holder.append(m.len.typed(str, returns=int))
    assert m.f(4) == 0 + 1 + 2 + 3


class _BadIndex:
    def __index__(self):
        raise ValueError("no index here")


def test_an_index_that_raises_is_raised_naming_the_element(m):
    # It was reported as "the iterables have different lengths (2, 2)".
    take = m.take.typed(str, int, returns=str)
    with pytest.raises(ValueError, match=r"element 1: no index here"):
        take.map(["a", "b"], [1, _BadIndex()])
    with pytest.raises(ValueError, match=r"different lengths \(2, 3\)"):
        take.map(["a", _BadIndex()], [1, 2, 3])
    assert take.map(["abc"], [2]) == ["ab"]


def test_a_json_result_that_does_not_decode_names_the_element(m):
    js = m.echo.typed(str, returns="json")
    assert js.map(["1", "[2]", ""]) == [1, [2], None]
    with pytest.raises(ValueError, match=r"element 1: Expecting value") as info:
        js.map(["1", "[", "2"])
    assert any("element 1" in n for n in getattr(info.value, "__notes__", []))


_BIG_RESULTS = '''(module (memory (export "memory") 2100)
  (func (export "malloc") (param i32) (result i32) i32.const 1024)
  (func (export "free") (param i32))
  (func (export "big") (param i32 i32) (result i64) (i64.const 0x0000040008000000)))'''  # (1024, 128 MiB)

_PANIC_SCRIPT = '''
import resource, sys
from conftest import wat
from gowasm import Module
big = Module(wat(%r)).big.typed(str, returns=bytes)
assert [len(r) for r in big.map(["a", "b"])] == [128 << 20] * 2
with open("/proc/self/status") as f:
    vm = next(int(line.split()[1]) << 10 for line in f if line.startswith("VmSize:"))
resource.setrlimit(resource.RLIMIT_AS, (vm + (400 << 20), resource.RLIM_INFINITY))
try:
    big.map(["x"] * 6)
except Exception as e:
    print(type(e).__name__, str(e).splitlines()[0])
''' % _BIG_RESULTS


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc: Linux")
def test_a_go_panic_mid_batch_names_its_element():
    # Each result is 128 MiB; the buffer they are gathered in doubles: 128,
    # 256, then 512 MiB for element 2, which the address-space limit
    # refuses. The panic that stops the batch named element 0.
    import os
    import subprocess
    r = subprocess.run([sys.executable, "-c", _PANIC_SCRIPT], capture_output=True, text=True, timeout=300,
                       cwd=os.path.dirname(os.path.abspath(__file__)))
    assert "element 2: " in r.stdout and "out of memory for a typed map's results" in r.stdout, (r.stdout, r.stderr[-2000:])
