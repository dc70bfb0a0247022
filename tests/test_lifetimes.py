"""Lifetimes: a handle never outlives its owner. A Caller, a memory view or
an exported function names one instance for its life; once that instance is
gone every use raises ModuleClosedError, and its handles are never given to
another module. close() never waits for a host function; Ctrl-C runs the
program's own SIGINT handler; stdio callbacks are depth-bounded like host
calls. Hangs and crashes of the old behaviour are run in subprocesses."""

import gc
import os
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from gowasm import Caller, Module, ModuleClosedError, Timeout, Trap
from gowasm._native import live_handles
from conftest import ROOT, wat

# A start function that calls a host function (which may keep its Caller),
# then traps: Module() fails after the Caller was handed out.
TRAPPING_START = wat('''(module (import "env" "h" (func $h))
    (memory (export "memory") 1) (data (i32.const 0) "first")
    (func $start (call $h) unreachable) (start $start))''')
VICTIM = wat('(module (memory (export "memory") 1) (data (i32.const 0) "secret") (func (export "f") (result i32) i32.const 7))')


def test_a_caller_kept_from_a_failed_load_never_reaches_the_next_module():
    kept = []

    def h(caller: Caller) -> None:
        kept.append(caller)
        kept.append(caller.memory)  # a view made while the module loaded

    with pytest.raises(Trap, match="unreachable"):
        Module(TRAPPING_START, imports={"env": {"h": h}})
    caller, view = kept
    victims = [Module(VICTIM) for _ in range(3)]  # whichever would reuse the handle
    for use in (lambda: caller.read_bytes(0, 6), lambda: caller.write(0, b"hacked"), lambda: caller.memory,
                lambda: caller.read_string(0, 6), lambda: len(view), lambda: view.read(0, 6),
                lambda: view.write(0, b"hacked"), lambda: view.grow(1)):
        with pytest.raises(ModuleClosedError):
            use()
    for v in victims:
        assert v.memory.read(0, 6) == b"secret"
    assert caller.module is None


def test_handles_are_never_reused_while_objects_name_them():
    from gowasm._native import load

    ffi, lib = load()
    seen_modules, seen_funcs = set(), set()
    old = []
    for _ in range(5):
        m = Module(VICTIM)
        f = m.f
        assert m._handle not in seen_modules and f._handle not in seen_funcs
        seen_modules.add(m._handle)
        seen_funcs.add(f._handle)
        old.append((m._handle, f._handle))
        # Freed while this test still holds the raw handles: what a stale
        # object would hold.
        m.close()
        del m, f
        gc.collect()
    for module, func in old:
        err = ffi.new("gowasm_error *")
        stack = ffi.new("uint64_t[1]")
        assert lib.gowasm_call(err, func, stack, 1) == lib.GOWASM_ERR_CLOSED
        lib.gowasm_free(err.message)
        assert lib.gwpy_memory_len(module) == -1


# A guest whose export calls a host function that may block.
BLOCKING = wat('''(module (import "env" "block" (func $block))
    (memory (export "memory") 1) (data (i32.const 0) "guest")
    (func (export "f") (call $block)) (func (export "g") (result i32) i32.const 1))''')


def test_close_from_another_thread_returns_at_once_while_a_host_function_blocks():
    gc.collect()
    before = live_handles()
    entered, release = threading.Event(), threading.Event()
    inside, holder = {}, {}

    def block(caller: Caller) -> None:
        entered.set()
        release.wait(60)
        # The module is closed: its Caller refuses, it does not read freed memory.
        for name, use in (("read", lambda: caller.read_bytes(0, 5)), ("memory", lambda: caller.memory),
                          ("call", lambda: holder["m"].g())):
            try:
                use()
                inside[name] = "no error"
            except ModuleClosedError as e:
                inside[name] = e

    m = holder["m"] = Module(BLOCKING, imports={"env": {"block": block}})
    outcome = []

    def call() -> None:
        try:
            holder["m"].f()
            outcome.append("returned")
        except BaseException as e:
            outcome.append(e)

    caller_thread = threading.Thread(target=call)
    caller_thread.start()
    try:
        assert entered.wait(60)
        closer = threading.Thread(target=m.close)
        start = time.monotonic()
        closer.start()
        closer.join(5)
        returned_at_once = not closer.is_alive()
        elapsed = time.monotonic() - start
    finally:
        release.set()
    caller_thread.join(60)
    closer.join(60)
    assert returned_at_once, "close() waited for the host function"
    assert elapsed < 5 and m.closed
    assert len(outcome) == 1 and isinstance(outcome[0], ModuleClosedError), outcome
    assert all(isinstance(e, ModuleClosedError) for e in inside.values()), inside
    with pytest.raises(ModuleClosedError):
        m.g()
    holder.clear()
    inside.clear()  # their tracebacks hold the Caller, which holds the module
    outcome.clear()
    del m, block
    gc.collect()
    assert live_handles() == before


def test_a_host_function_returning_past_the_deadline_is_a_timeout():
    m = Module(BLOCKING, imports={"env": {"block": lambda: time.sleep(0.5)}}, timeout=0.1)
    with pytest.raises(Timeout, match="timed out"):
        m.f()
    with pytest.raises(ModuleClosedError, match="stopped midway"):
        m.g()
    ok = Module(BLOCKING, imports={"env": {"block": lambda: time.sleep(0.05)}}, timeout=10)
    ok.f()
    assert ok.g() == 1


def _script(body: str, timeout: float = 60) -> "subprocess.CompletedProcess[str]":
    code = "import sys; sys.path.insert(0, %r)\n" % os.path.join(ROOT, "tests") + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)


def test_closing_b_from_a_host_function_of_a_while_b_waits_on_a_does_not_deadlock():
    # Thread 1: B.f -> B's host function -> A.f (waits for A's lock).
    # Thread 2: A.f -> A's host function -> B.close(), while thread 1 holds B.
    # close() used to wait for B's call, which waited for A: forever.
    p = _script("""
        import threading, time, gowasm
        from test_lifetimes import BLOCKING
        in_b = threading.Event()
        first = []
        def b_host():
            in_b.set()
            a.f()
        def a_host():
            if first:
                return
            first.append(1)
            in_b.wait(30)
            time.sleep(0.3)  # thread 1 now waits for A's lock
            b.close()
        a = gowasm.Module(BLOCKING, imports={"env": {"block": a_host}})
        b = gowasm.Module(BLOCKING, imports={"env": {"block": b_host}})
        out = {}
        def run(name, f):
            try:
                f()
                out[name] = "ok"
            except Exception as e:
                out[name] = type(e).__name__
        t2 = threading.Thread(target=run, args=("A", a.f))
        t2.start()
        t1 = threading.Thread(target=run, args=("B", b.f))
        t1.start()
        t1.join(); t2.join()
        print(sorted(out.items()))
    """)
    assert p.returncode == 0, p.stderr[-3000:]
    assert p.stdout.strip() == "[('A', 'ok'), ('B', 'ModuleClosedError')]", p.stdout


# ---- Ctrl-C and the program's own SIGINT handler ----------------------------

# Spins until memory[0] is set (by the signal handler through the memory
# view), after telling Python it runs.
SPIN_UNTIL_SET = wat('''(module (import "env" "ready" (func $ready))
    (memory (export "memory") 1)
    (func (export "spin") (result i32)
      (call $ready)
      (loop $l (br_if $l (i32.eqz (i32.load8_u (i32.const 0)))))
      (i32.const 7)))''')

_SIGNAL_SCRIPT = """
    import os, signal, threading, time, gowasm
    from test_lifetimes import SPIN_UNTIL_SET
    m = gowasm.Module(SPIN_UNTIL_SET, interruptible=True, imports={"env": {"ready": lambda: ready.set()}})
    view = m.memory
    ready = threading.Event()
    def handler(sig, frame):
        print("handler", flush=True)
        HANDLER_BODY
    signal.signal(signal.SIGINT, handler)
    time.sleep(0.5)  # gowasm chains its own SIGINT handler again within a watcher tick
    threading.Thread(target=lambda: (ready.wait(30), os.kill(os.getpid(), signal.SIGINT)), daemon=True).start()
    try:
        print("result", m.spin(), flush=True)
    except BaseException as e:
        print("raised", type(e).__name__, e, flush=True)
    try:
        print("again", m.spin(), flush=True)
    except BaseException as e:
        print("then", type(e).__name__, flush=True)
"""


def test_ctrl_c_runs_the_programs_own_handler_and_the_call_goes_on():
    p = _script(_SIGNAL_SCRIPT.replace("HANDLER_BODY", "view[0] = 1"))
    assert p.returncode == 0, p.stderr[-3000:]
    assert p.stdout.splitlines() == ["handler", "result 7", "again 7"], (p.stdout, p.stderr[-2000:])


def test_ctrl_c_stops_the_call_with_what_the_handler_raises():
    p = _script(_SIGNAL_SCRIPT.replace("HANDLER_BODY", "raise ValueError('from the handler')"))
    assert p.returncode == 0, p.stderr[-3000:]
    assert p.stdout.splitlines() == ["handler", "raised ValueError from the handler", "then ModuleClosedError"], \
        (p.stdout, p.stderr[-2000:])


# ---- stdio callbacks nest no deeper than host calls -----------------------

ECHO = wat('''(module
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1) (data (i32.const 16) "x")
    (func (export "echo")
      (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 1))
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
    (func (export "take")
      (i32.store (i32.const 0) (i32.const 32)) (i32.store (i32.const 4) (i32.const 1))
      (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))))''')


@pytest.mark.parametrize("stream", ["stdout", "stdin"])
def test_deeply_nested_stdio_callbacks_are_a_recursion_error_not_a_crash(stream):
    # Each level nests Python -> cffi -> Go -> Python on the thread's C stack,
    # as host calls do; without the host calls' bound the process died.
    p = _script("""
        import sys, gowasm
        from test_lifetimes import ECHO
        sys.setrecursionlimit(1_000_000)  # only gowasm's bound can stop it
        holder = {}
        class Out:
            def write(self, data):
                holder["m"].echo()
        class In:
            def read(self, n):
                holder["m"].take()
                return b""
        m = holder["m"] = gowasm.Module(ECHO, STREAM)
        try:
            m.CALL()
            print("returned")
        except RecursionError as e:
            print("RecursionError", e)
    """.replace("STREAM", "stdout=Out()" if stream == "stdout" else "stdin=In()")
       .replace("CALL", "echo" if stream == "stdout" else "take"))
    assert p.returncode == 0, p.stderr[-3000:]
    assert p.stdout.startswith("RecursionError") and "nested" in p.stdout, p.stdout[-2000:]



def test_close_while_the_guest_waits_for_its_stdin_returns_at_once():
    entered, release = threading.Event(), threading.Event()

    class SlowInput:
        def read(self, n):
            entered.set()
            release.wait(60)
            return b"x"

    m = Module(ECHO, stdin=SlowInput())
    outcome = []

    def call() -> None:
        try:
            m.take()
            outcome.append("returned")
        except BaseException as e:
            outcome.append(e)

    t = threading.Thread(target=call)
    t.start()
    try:
        assert entered.wait(60)
        closer = threading.Thread(target=m.close)
        closer.start()
        closer.join(5)
        returned_at_once = not closer.is_alive()
    finally:
        release.set()
    t.join(60)
    closer.join(60)
    assert returned_at_once, "close() waited for the guest's stdin"
    assert len(outcome) == 1 and isinstance(outcome[0], ModuleClosedError), outcome


def test_a_stdin_read_returning_past_the_deadline_is_a_timeout():
    class SlowInput:
        def read(self, n):
            time.sleep(0.5)
            return b"x"

    with pytest.raises(Timeout):
        Module(ECHO, stdin=SlowInput(), timeout=0.1).take()


def _memory_mappings() -> int:
    with open("/proc/self/maps") as f:
        return sum("gowasm-memory" in line for line in f)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")
def test_close_releases_every_mapping_of_the_memory_a_caller_used():
    kept = []

    def h(caller: Caller) -> None:
        kept.append(caller)
        assert caller.read_bytes(0, 5) == b"first"

    gc.collect()
    before = _memory_mappings()
    src = wat('''(module (import "env" "h" (func $h))
        (memory (export "memory") 1) (data (i32.const 0) "first")
        (func $start (call $h)) (start $start) (func (export "f") (call $h)))''')
    m = Module(src, imports={"env": {"h": h}})
    m.f()  # the module's own mapping, then
    assert m.memory.read(0, 5) == b"first"
    m.close()
    gc.collect()
    assert _memory_mappings() == before  # the kept Callers hold none
    with pytest.raises(ModuleClosedError):
        kept[0].read_bytes(0, 5)


# ---- a load that fails frees what it made, and never under a reader --------

@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")
def test_a_load_whose_start_function_traps_leaks_no_memory():
    # wazero drops an instance whose start section fails without freeing
    # it: each such load kept the guest's whole memory (here 16 MiB
    # touched, 4 GiB of address space reserved) for the life of the process.
    src = wat('''(module (memory (export "memory") 256)
        (func $start (memory.fill (i32.const 0) (i32.const 1) (i32.const 16777216)) unreachable)
        (start $start))''')
    gc.collect()
    before = _memory_mappings()
    for _ in range(5):
        with pytest.raises(Trap, match="unreachable"):
            Module(src)
    assert _memory_mappings() == before


def test_a_caller_read_from_another_thread_as_initialize_traps_never_crashes():
    # _initialize hands its Caller to threads that read the whole memory
    # in a loop, then traps: wazero frees the memory as the load fails,
    # and a read under way read unmapped memory (SIGSEGV, the process died).
    p = _script("""
        import threading, gowasm
        from conftest import wat
        src = wat('''(module (import "env" "h" (func $h)) (memory (export "memory") 1024)
            (func (export "_initialize") (call $h) unreachable))''')
        outcomes = set()
        def read(caller, started):
            started.set()
            try:
                while True:
                    caller.read_bytes(0, 64 << 20)
            except gowasm.ModuleClosedError:
                outcomes.add("closed")
        for i in range(20):
            threads = []
            def h(caller: gowasm.Caller) -> None:
                for _ in range(2):
                    started = threading.Event()
                    threads.append(threading.Thread(target=read, args=(caller, started)))
                    threads[-1].start()
                    started.wait()
            try:
                gowasm.Module(src, imports={"env": {"h": h}})
            except gowasm.Trap:
                pass
            for t in threads:
                t.join()
        print(sorted(outcomes))
    """, timeout=240)
    assert p.returncode == 0, p.stderr[-3000:]
    assert p.stdout.strip() == "['closed']", p.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/fd")
def test_close_and_a_failed_load_give_back_the_mounts_descriptors(tmp_path):
    # Each mount holds its directory open; close() left it to Go's garbage
    # collector, so loading and closing modules with mounts in a loop held
    # hundreds of descriptors (300 modules of 10 mounts: 980 open after).
    good = wat('(module (memory (export "memory") 1))')
    trapping = wat('(module (func $s unreachable) (start $s))')
    mounts = {"/m%d" % i: str(tmp_path) for i in range(10)}
    gc.collect()
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(20):
        Module(good, mounts=mounts).close()
        with pytest.raises(Trap):
            Module(trapping, mounts=mounts)
    assert len(os.listdir("/proc/self/fd")) - before < 10


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")
def test_a_mapping_made_as_another_thread_closes_the_module_is_not_kept(monkeypatch):
    # The module's own mapping is made on its first read; a close() from
    # another thread while it was being made found none to release, and the
    # mapping made then was kept, with the guest's whole memory, for as
    # long as the Module object lived.
    import gowasm._module as module_py

    m = Module(VICTIM)
    real = module_py.map_reservation

    def closed_meanwhile(module):
        mapping = real(module)
        m.close()  # what another thread does between the two
        return mapping

    monkeypatch.setattr(module_py, "map_reservation", closed_meanwhile)
    gc.collect()
    before = _memory_mappings()
    with pytest.raises(ModuleClosedError):
        m.memory.read(0, 6)
    assert _memory_mappings() <= before
