"""Attacks on per-call timeouts (gowasm_timeout_push/pop and
``timeout=``): a guest or a caller trying to make a call dodge its stop,
a deadline leak into another call, thread or module, or the process hang.

No timing assertions: what must stop stops, and a watchdog closes a module
whose call did not (which fails the test instead of hanging it)."""

import sys
import threading

import pytest

from gowasm import ModuleClosedError, Timeout, _native
from test_timeouts import FOREVER, INNERS, SMALL, _load, _nested, watchdog

# Positive timeouts too small to be a whole nanosecond: they must still be
# timeouts (stopping the call at once), not "none".
TINY = [1e-10, 5e-324]

# Every way to give a call a timeout of its own: the raw entry point
# (gowasm_call_timeout), a typed call and maps (gowasm_timeout_push).
OWN = {
    "raw": lambda m, t: m.spin.raw.call(FOREVER, timeout=t),
    "typed": lambda m, t: m.spin.raw.typed(int, returns=int).call(FOREVER, timeout=t),
    "described str": lambda m, t: m.echo.call("x", FOREVER, timeout=t),
    "raw map": lambda m, t: m.spin.raw.map([FOREVER], timeout=t),
    "typed map": lambda m, t: m.echo.map(["a"], [FOREVER], timeout=t),
}


@pytest.mark.parametrize("tiny", TINY, ids=repr)
@pytest.mark.parametrize("kind", list(OWN))
def test_a_timeout_under_a_nanosecond_is_not_none(kind, tiny):
    # It rounded down to 0 ns, which means "no timeout": the call then
    # escaped even the module's own timeout.
    m = _load(timeout=600)
    with watchdog(m, 10):
        with pytest.raises(Timeout):
            OWN[kind](m, tiny)


@pytest.mark.parametrize("tiny", TINY, ids=repr)
def test_a_module_timeout_under_a_nanosecond_is_not_none(tiny):
    try:
        m = _load(timeout=tiny)
    except Timeout:
        return  # the load itself ran past it: stopped, as it should be
    with watchdog(m, 10):
        with pytest.raises(Timeout):
            m.spin(FOREVER)


@pytest.mark.parametrize("raises", [False, True], ids=["returned", "raised"])
def test_an_interrupt_while_a_timeout_ends_does_not_leave_it_in_force(raises):
    # A signal handler's exception (a second Ctrl-C) is raised where Python
    # checks for signals: at the start of any Python function. Raised at
    # each such point of call_with_timeout after its function returned,
    # it must not skip the pop: the thread's push would stay, and this
    # thread's later calls would keep its timeout (here 0: none, escaping
    # the module's timeout) instead of the module's.
    m = _load(timeout=0.5)
    state = {"returned": False, "raised": 0}

    def job():
        m.spin(SMALL)
        if raises:
            raise LookupError

    def after_job(frame, event, arg):
        if event == "return":
            state["returned"] = True
        return after_job

    def tracer(frame, event, arg):
        if event != "call" or frame.f_back is None or frame.f_back.f_code is not _native.call_with_timeout.__code__:
            return None
        if frame.f_code is job.__code__:
            return after_job
        if state["returned"]:
            state["raised"] += 1
            raise KeyboardInterrupt
        return None

    sys.settrace(tracer)
    try:
        _native.call_with_timeout(m, 0.0, job)
    except (KeyboardInterrupt, LookupError):
        pass
    finally:
        sys.settrace(None)
    assert state["returned"]
    with watchdog(m, 10):
        with pytest.raises(Timeout):
            m.spin(FOREVER)


@pytest.mark.parametrize("inner", list(INNERS))
def test_a_nested_timeout_of_0_does_not_escape_the_outer_deadline(inner):
    # 0 means "none of its own": nested, the outer call's deadline still
    # stops it (and then the outer call).
    outcome, inner_error, _ = _nested(0, 0.2, INNERS[inner])
    assert isinstance(inner_error, Timeout), inner_error
    assert outcome[0] is Timeout, outcome


def test_deeply_nested_calls_each_with_a_timeout_stop_at_the_outermost():
    # Each level of host-function recursion pushes a timeout of its own
    # (longer than the outer's, or 0); the innermost spins: the outermost
    # deadline stops it, and every level sees Timeout.
    depth, seen = 40, []

    def cb():
        level = len(seen)
        seen.append(level)
        try:
            if level < depth:
                box["m"].outer.call(SMALL, timeout=0 if level % 2 else 100)
            else:
                box["m"].spin.call(FOREVER, timeout=0)
        except Timeout:
            seen.append("timeout")
            raise

    box = {}
    box["m"] = m = _load(cb, interruptible=True)
    with watchdog(m, 60):
        with pytest.raises(Timeout):
            m.outer.call(SMALL, timeout=0.3)
    assert seen.count("timeout") == depth + 1


def test_a_pop_with_another_token_or_thread_does_not_end_a_push():
    m = _load(interruptible=True)
    _, lib = _native.load()
    ffi = _native.load()[0]
    err = ffi.new("gowasm_error *")
    assert lib.gowasm_timeout_push(err, m._handle, 0.2, 12345) == 0
    try:
        assert lib.gowasm_timeout_pop(err, m._handle, 54321) == 0  # not this push's
        t = threading.Thread(target=lambda: lib.gowasm_timeout_pop(err, m._handle, 12345))
        t.start()
        t.join()  # another thread's pop of the same token: not this thread's push
        with watchdog(m, 10):
            with pytest.raises(Timeout):
                m.spin(FOREVER)  # the push still in force: stopped at 0.2 s
    finally:
        lib.gowasm_timeout_pop(err, m._handle, 12345)


def test_a_push_on_a_closed_module_is_harmless():
    # Accepted (a closed module's handle lives until it is freed) or
    # refused; either way nothing runs, and its pop does nothing wrong.
    m = _load(interruptible=True)
    handle = m._handle
    m.close()
    ffi, lib = _native.load()
    err = ffi.new("gowasm_error *")
    lib.gowasm_timeout_push(err, handle, 1.0, 7)
    assert lib.gowasm_timeout_pop(err, handle, 7) == 0
    assert lib.gowasm_timeout_pop(err, handle, 7) == 0
    with pytest.raises(ModuleClosedError):
        m.spin.call(SMALL, timeout=1)


def test_another_threads_push_does_not_apply_here():
    # Many threads push short timeouts on one module and hold them; this
    # thread's call keeps the module's (none): it runs to its end.
    m = _load(interruptible=True)
    ffi, lib = _native.load()
    go, done = threading.Event(), threading.Event()

    def hold(i):
        err = ffi.new("gowasm_error *")
        lib.gowasm_timeout_push(err, m._handle, 1e-3, i)
        go.wait()
        done.wait()
        lib.gowasm_timeout_pop(err, m._handle, i)

    threads = [threading.Thread(target=hold, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    try:
        with watchdog(m, 120):
            assert m.spin(300_000_000) == 300_000_000  # many watcher ticks long
    finally:
        go.set()
        done.set()
        for t in threads:
            t.join()


def test_close_from_another_thread_while_a_timeout_is_pushed():
    m = _load(interruptible=True)
    t = threading.Timer(0.3, m.close)
    t.start()
    try:
        with pytest.raises(ModuleClosedError):
            m.echo.call("x", FOREVER, timeout=0)
    finally:
        t.cancel()
    with pytest.raises(ModuleClosedError):
        m.echo.call("x", SMALL, timeout=1)


def test_cancelling_an_acall_leaves_its_timeout_in_force_and_ends_it():
    import asyncio

    m = _load(timeout=0.3)

    async def main():
        task = asyncio.ensure_future(m.echo.acall("x", FOREVER, timeout=0.2))
        await asyncio.sleep(0.05)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        # The executor's thread still runs the guest: its timeout stops it.
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, lambda: _outcome_type(lambda: m.echo("x", SMALL)))

    with watchdog(m, 10):
        assert asyncio.run(main()) in (Timeout, ModuleClosedError)


def _outcome_type(fn):
    try:
        fn()
        return None
    except Exception as e:
        return type(e)


@pytest.mark.parametrize("mapper", ["raw map", "typed map"])
def test_a_map_element_reentering_with_timeout_0_stops_at_the_maps_deadline(mapper):
    # Each element's host function calls back with timeout=0 (none of its
    # own) into a guest that spins: the map's deadline still stops it.
    box = {}
    box["m"] = m = _load(lambda: box["m"].spin.call(FOREVER, timeout=0), interruptible=True)
    outer = m.outer if mapper == "raw map" else m.outer.typed(int, returns=int)
    with watchdog(m, 10):
        with pytest.raises(Timeout):
            outer.map([SMALL, SMALL], timeout=0.2)


def test_negative_zero_is_no_timeout_as_0_is():
    m = _load(interruptible=True)
    assert m.spin.raw.call(SMALL, timeout=-0.0) == SMALL
    assert m.echo.call("x", SMALL, timeout=-0.0) == "x"
    assert m.spin.raw.map([SMALL], timeout=-0.0) == [SMALL]
