"""``timeout=`` on every kind of export: raw, typed (one crossing and the
Python path), described, from_go bindings and ``map``, each behaving as a
raw call does (gowasm.Timeout, then the module unusable; the same errors
for bad timeouts and for a module that cannot be stopped), and nested
calls from a host function each stopping at their own deadline.

No timing assertions: what must stop stops, and a watchdog closes a module
whose call did not (which fails the test instead of hanging it)."""

import contextlib
import json
import math
import os
import shutil
import threading
import time

import pytest

from gowasm import Module, ModuleClosedError, Timeout
from conftest import ROOT, wat

FOREVER = 1 << 62
SMALL = 1000

_DESCRIPTION = json.dumps({"version": 1, "functions": {
    "spin": {"params": ["int"], "results": ["int"], "names": ["n"]},
    "echo": {"params": ["str", "int"], "results": ["str"], "names": ["s", "n"]},
}}, separators=(",", ":"))

# spin(n) counts to n; echo(s, n) counts to n, then returns s; outer(n)
# calls the host function env.cb, then counts to n. A bump allocator and a
# description (gowasm_describe) make spin and echo described exports.
GUEST = wat("""
(module
  (import "env" "cb" (func $cb))
  (memory (export "memory") 4)
  (global $top (mut i32) (i32.const 4096))
  (data (i32.const 16) "%s")
  (func $spin (export "spin") (param $n i64) (result i64) (local $i i64)
    (block $done
      (loop $l
        (br_if $done (i64.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $l)))
    (local.get $i))
  (func (export "echo") (param $p i32) (param $len i32) (param $n i64) (result i64)
    (drop (call $spin (local.get $n)))
    (i64.or (i64.shl (i64.extend_i32_u (local.get $p)) (i64.const 32)) (i64.extend_i32_u (local.get $len))))
  (func (export "outer") (param $n i64) (result i64)
    (call $cb)
    (call $spin (local.get $n)))
  (func (export "malloc") (param $size i32) (result i32) (local $p i32)
    (local.set $p (global.get $top))
    (global.set $top (i32.and (i32.add (i32.add (local.get $p) (local.get $size)) (i32.const 7)) (i32.const -8)))
    (local.get $p))
  (func (export "free") (param i32))
  (func (export "gowasm_describe") (result i64)
    (i64.or (i64.shl (i64.const 16) (i64.const 32)) (i64.const %d))))
""" % (_DESCRIPTION.replace('"', "\\22"), len(_DESCRIPTION)))


def _load(cb=lambda: None, **kwargs):
    return Module(GUEST, imports={"env": {"cb": lambda: cb()}}, **kwargs)


@contextlib.contextmanager
def watchdog(m, seconds=120):
    """Closes m if the block runs past seconds: a call that ignored its
    timeout then fails with ModuleClosedError instead of hanging."""
    t = threading.Timer(seconds, m.close)
    t.start()
    try:
        yield
    finally:
        t.cancel()


# Every kind of export, as (name, how to get it from a module, arguments
# that return quickly and the result, arguments that run forever).
KINDS = {
    "raw": (lambda m: m.spin.raw, (SMALL,), SMALL, (FOREVER,)),
    "typed int": (lambda m: m.spin.raw.typed(int, returns=int), (SMALL,), SMALL, (FOREVER,)),
    "typed str": (lambda m: m.echo.raw.typed(str, int, returns=str), ("héllo", SMALL), "héllo", ("x", FOREVER)),
    # A bytearray takes the Python path (allocator calls from Python).
    "typed, Python path": (lambda m: m.echo.raw.typed(bytes, int, returns=bytes), (bytearray(b"ab"), SMALL), b"ab",
                           (bytearray(b"x"), FOREVER)),
    "described int": (lambda m: m.spin, (SMALL,), SMALL, (FOREVER,)),
    "described str": (lambda m: m.echo, ("héllo", SMALL), "héllo", ("x", FOREVER)),
}


class _Map:
    """A map as a function of one element, for the table below."""

    def __init__(self, fn):
        self.fn = fn

    def call(self, *args, timeout=None):
        return self.fn.map(*[[a] for a in args], timeout=timeout)

    def __call__(self, *args):
        return self.fn.map(*[[a] for a in args])


MAPS = {
    "raw map": (lambda m: _Map(m.spin.raw), (SMALL,), [SMALL], (FOREVER,)),
    "typed map, one crossing": (lambda m: _Map(m.echo), ("héllo", SMALL), ["héllo"], ("x", FOREVER)),
    "typed map, Python path": (lambda m: _Map(m.echo.raw.typed(bytes, int, returns=bytes)), (bytearray(b"ab"), SMALL),
                               [b"ab"], (bytearray(b"x"), FOREVER)),
}
ALL = dict(KINDS, **MAPS)


@pytest.mark.parametrize("kind", list(ALL))
def test_every_kind_of_export_takes_a_timeout(kind):
    get, ok_args, ok_result, forever = ALL[kind]
    m = _load(interruptible=True)
    f = get(m)
    with watchdog(m):
        assert f.call(*ok_args, timeout=60) == ok_result
        assert f.call(*ok_args, timeout=0) == ok_result
        with pytest.raises(Timeout, match="timed out"):
            f.call(*forever, timeout=0.2)
    with pytest.raises(ModuleClosedError, match="stopped midway"):  # as after a raw call's timeout
        f(*ok_args)


def _outcome(fn):
    try:
        return ("ok", fn())
    except Exception as e:
        return (type(e), str(e))


@pytest.mark.parametrize("kind", list(ALL))
def test_a_module_that_cannot_be_stopped_refuses_timeouts_alike(kind):
    get, ok_args, ok_result, _ = ALL[kind]
    m = _load(interruptible=False)
    raw = _outcome(lambda: m.spin.raw.call(SMALL, timeout=5))
    assert raw[0] is ValueError and "cannot be stopped" in raw[1]
    f = get(m)
    assert _outcome(lambda: f.call(*ok_args, timeout=5)) == raw
    assert f.call(*ok_args, timeout=0) == ok_result  # 0: none, which needs no stopping
    assert f.call(*ok_args) == ok_result


@pytest.mark.parametrize("kind", list(ALL))
@pytest.mark.parametrize("bad", [-1, -0.5, math.nan, math.inf, 1e10, True, "1", [1]], ids=repr)
def test_bad_timeouts_are_refused_as_for_raw_calls(kind, bad):
    get, ok_args, ok_result, _ = ALL[kind]
    m = _load(interruptible=True)
    raw = _outcome(lambda: m.spin.raw.call(SMALL, timeout=bad))
    assert raw[0] in (TypeError, ValueError) and "timeout" in raw[1]
    f = get(m)
    assert _outcome(lambda: f.call(*ok_args, timeout=bad)) == raw
    assert f(*ok_args) == ok_result  # nothing ran, nothing broke


@pytest.mark.parametrize("kind", ["typed int", "described str", "typed map, one crossing"])
def test_a_timeout_ends_with_its_call(kind):
    # After a call with a short timeout (that returned, or raised before
    # the guest ran), the thread's later calls have the module's timeout
    # again: a call long enough to be asked to poll is not stopped.
    get, ok_args, ok_result, _ = ALL[kind]
    m = _load(interruptible=True)
    f = get(m)
    assert f.call(*ok_args, timeout=0.2) == ok_result
    with pytest.raises(TypeError):
        f.call(*([object()] * len(ok_args)), timeout=0.2)
    time.sleep(0.3)  # past both deadlines
    long = ok_args[:-1] + (300_000_000,)  # runs for many of the watcher's ticks
    assert f(*long) == (ok_result if ok_args[-1] != ok_result else long[-1])


def test_a_map_timeout_covers_the_batch_and_names_the_element():
    m = _load(interruptible=True)
    with watchdog(m):
        with pytest.raises(Timeout, match="element 2"):
            m.spin.raw.map([1, 2, FOREVER, 3], timeout=0.2)


def test_typed_acall_takes_a_timeout():
    import asyncio

    m = _load(interruptible=True)
    with watchdog(m):
        assert asyncio.run(m.echo.acall("hi", SMALL, timeout=60)) == "hi"
        with pytest.raises(Timeout):
            asyncio.run(m.echo.acall("hi", FOREVER, timeout=0.2))


# -- nested calls: a host function calling back into its module --------------

def _nested(inner_timeout, outer_timeout, inner=lambda m, t: m.spin.raw.call(FOREVER, timeout=t), catch=True):
    """Calls outer with outer_timeout; its host function calls inner (which
    runs forever) with inner_timeout. Returns the outer's outcome, what the
    inner raised, and the module."""
    box = {}

    def cb():
        try:
            inner(box["m"], inner_timeout)
        except Exception as e:
            box["inner"] = e
            if not catch:
                raise

    box["m"] = m = _load(cb, interruptible=True)
    with watchdog(m):
        return _outcome(lambda: m.outer.call(SMALL, timeout=outer_timeout)), box.get("inner"), m


INNERS = {
    "raw": lambda m, t: m.spin.raw.call(FOREVER, timeout=t),
    "typed": lambda m, t: m.spin.raw.typed(int, returns=int).call(FOREVER, timeout=t),
    "described str": lambda m, t: m.echo.call("x", FOREVER, timeout=t),
    "map": lambda m, t: m.spin.raw.map([1, FOREVER], timeout=t),
    "typed map": lambda m, t: m.echo.map(["a", "b"], [1, FOREVER], timeout=t),
}


@pytest.mark.parametrize("inner", list(INNERS))
def test_a_nested_call_stops_at_its_own_deadline_and_the_outer_goes_on(inner):
    # The inner call's timeout is shorter: it stops there, in the host
    # function, which catches it; the outer call goes on to its end (its
    # own deadline is far). A stopped call leaves the module unusable
    # afterwards, as ever.
    outcome, inner_error, m = _nested(0.2, 100, INNERS[inner])
    assert isinstance(inner_error, Timeout), inner_error
    assert outcome == ("ok", SMALL)
    with pytest.raises(ModuleClosedError, match="stopped midway"):
        m.spin(1)


def test_a_nested_call_within_a_call_without_timeout_stops_at_its_own():
    outcome, inner_error, _ = _nested(0.2, 0)
    assert isinstance(inner_error, Timeout) and outcome == ("ok", SMALL)


@pytest.mark.parametrize("catch", [True, False], ids=["caught", "raised"])
@pytest.mark.parametrize("inner", list(INNERS))
def test_a_nested_call_never_outlives_the_outer_deadline(inner, catch):
    # The inner call's timeout is longer: the outer's deadline stops it
    # (Timeout in the host function) and then the outer call, whether or
    # not the host function let the inner Timeout through.
    outcome, inner_error, _ = _nested(100, 0.2, INNERS[inner], catch)
    assert isinstance(inner_error, Timeout), inner_error
    assert outcome[0] is Timeout, outcome


def test_a_nested_call_without_timeout_runs_under_the_outer_deadline():
    outcome, inner_error, _ = _nested(None, 0.2)
    assert isinstance(inner_error, Timeout) and outcome[0] is Timeout


def test_nested_timeouts_need_a_module_that_can_be_stopped():
    box = {}

    def cb():
        box["inner"] = _outcome(lambda: box["m"].spin.call(SMALL, timeout=5))

    box["m"] = m = _load(cb, interruptible=False)
    assert m.outer(SMALL) == SMALL
    assert box["inner"][0] is ValueError and "cannot be stopped" in box["inner"][1]


# -- from_go bindings ---------------------------------------------------------

SPINLIB = os.path.join(ROOT, "tests", "gopkgs", "spinlib")


FROM_GO = {
    "plain": (lambda m: m.Spin, (SMALL,), SMALL, (FOREVER,)),
    "str": (lambda m: m.Echo, ("héllo", SMALL), "héllo", ("x", FOREVER)),
    "framed (error result)": (lambda m: m.Checked, (SMALL,), SMALL, (FOREVER,)),
    "narrow int": (lambda m: m.Narrow, (7, SMALL), 7, (7, FOREVER)),
    "variadic": (lambda m: m.Sum, (SMALL, 1, 2), SMALL + 3, (FOREVER, 1)),
    "map": (lambda m: _Map(m.Echo), ("héllo", SMALL), ["héllo"], ("x", FOREVER)),
    "map of a framed binding": (lambda m: _Map(m.Checked), (SMALL,), [SMALL], (FOREVER,)),
}


@pytest.mark.skipif(shutil.which("go") is None, reason="needs Go on PATH (from_go builds Go source)")
@pytest.mark.parametrize("kind", list(FROM_GO))
def test_from_go_bindings_take_a_timeout(kind):
    get, ok_args, ok_result, forever = FROM_GO[kind]
    m = Module.from_go(SPINLIB, interruptible=True)  # a fresh one: a stopped call leaves it unusable
    f = get(m)
    with watchdog(m):
        assert f.call(*ok_args, timeout=60) == ok_result
        with pytest.raises(Timeout, match="timed out"):
            f.call(*forever, timeout=0.2)
    with pytest.raises(ModuleClosedError, match="stopped midway"):
        f(*ok_args)
