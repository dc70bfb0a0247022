"""Stopping guests: timeouts, Ctrl-C, close() during a call, and no thread
frozen behind a running guest. No timing assertions: only that what must
stop stops (hangs are caught by subprocess timeouts)."""

import os
import signal
import subprocess
import sys
import textwrap
import threading

import pytest

import gowasm
from gowasm import Module, ModuleClosedError, Timeout, WasmError, run
from conftest import ROOT, corpus_path, wat

SPIN = wat("""
(module
  (func (export "spin") (param $n i64) (result i64) (local $i i64)
    (loop $l
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $l (i64.lt_u (local.get $i) (local.get $n))))
    (local.get $i)))
""")
FOREVER = 1 << 62


def test_a_timeout_stops_an_endless_call():
    m = Module(SPIN, timeout=0.2)
    assert m.spin(1000) == 1000
    with pytest.raises(Timeout, match="timed out") as info:
        m.spin(FOREVER)
    assert isinstance(info.value, WasmError) and isinstance(info.value, TimeoutError)
    with pytest.raises(ModuleClosedError, match="stopped midway"):
        m.spin(1)


def test_a_call_can_have_a_timeout_of_its_own():
    with pytest.raises(ValueError, match="interruptible=True"):
        Module(SPIN, interruptible=False).spin.call(1000, timeout=5)
    m = Module(SPIN, interruptible=True)
    assert m.spin.call(1000, timeout=5) == 1000
    with pytest.raises(Timeout):
        m.spin.call(FOREVER, timeout=0.1)
    n = Module(SPIN, timeout=0.1)
    assert n.spin.call(10_000_000, timeout=0) == 10_000_000  # 0: no limit for this call
    with pytest.raises(ValueError, match="timeout"):
        n.spin.call(1, timeout=-1)
    with pytest.raises(TypeError, match="timeout"):
        Module(SPIN, timeout="1s")


def test_a_go_guest_is_stopped_too(reactor_wasm):
    m = Module(reactor_wasm, interruptible=True)
    with pytest.raises(Timeout):
        m.spin.call(FOREVER, timeout=0.2)
    assert Module(reactor_wasm).spin(10) != 0  # other instances are unaffected


@pytest.mark.parametrize("rel", ["wat/infinite_loop.wasm", "c/crunch_numbers_infinite.wasm"])
def test_run_takes_a_timeout(rel):
    with pytest.raises(Timeout, match="timed out") as info:
        run(corpus_path(rel), timeout=0.2, capture_output=True)
    assert info.value.stdout == b"" and info.value.stderr == b""


def test_the_command_line_takes_a_timeout():
    p = subprocess.run([sys.executable, "-m", "gowasm", "run", "--timeout", "200ms", corpus_path("wat/infinite_loop.wasm")],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and "timed out" in p.stderr, p.stderr
    p = subprocess.run([sys.executable, "-m", "gowasm", "run", "--timeout", "soon", corpus_path("wat/infinite_loop.wasm")],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "invalid duration" in p.stderr


def test_close_from_another_thread_stops_a_running_call():
    m = Module(SPIN, interruptible=True)
    errors = []

    def call():
        try:
            m.spin(FOREVER)
        except BaseException as e:
            errors.append(e)

    t = threading.Thread(target=call)
    t.start()
    t.join(0.2)
    m.close()
    t.join(60)
    assert not t.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], ModuleClosedError), errors
    assert "closed while this call ran" in str(errors[0])


def _script(body: str) -> "subprocess.Popen[str]":
    code = "import sys; sys.path.insert(0, %r)\n" % os.path.join(ROOT, "tests") + textwrap.dedent(body)
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# A guest that tells Python it runs (a host function), then loops forever:
# a SIGINT sent after "ready" finds the main thread in the guest call.
READY_SPIN = wat("""
(module
  (import "env" "ready" (func $ready))
  (func (export "spin") (call $ready) (loop $l (br $l))))
""")

CTRL_C = """
    import gowasm
    from test_interrupts import READY_SPIN, SPIN
    SETUP
    m = gowasm.Module(READY_SPIN, imports={"env": {"ready": lambda: print("ready", flush=True)}}, interruptible=True)
    other = gowasm.Module(SPIN)
    try:
        m.spin()
    except KeyboardInterrupt:
        print("KeyboardInterrupt", flush=True)
    try:
        m.spin()
    except gowasm.ModuleClosedError as e:
        print("then:", "can no longer be called" in str(e), flush=True)
    print("other:", other.spin(10), flush=True)
"""


@pytest.mark.parametrize("setup", ["pass", "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)"],
                         ids=["default", "handler set after load"])
def test_ctrl_c_stops_the_call_on_the_main_thread(setup):
    # The second case sets a Python handler after gowasm chained its own (as
    # an IPython kernel does for every cell): gowasm chains it again.
    # The watcher re-chains within a tick: 10 ms, or 100 ms while no
    # interruptible module has run yet, as here.
    body = CTRL_C.replace("SETUP", "gowasm.Module(SPIN)\n    " + setup + "\n    import time; time.sleep(0.5)")
    p = _script(body)
    assert p.stdout.readline() == "ready\n"
    os.kill(p.pid, signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    assert out.splitlines() == ["KeyboardInterrupt", "then: True", "other: 10"], (out, err)


def test_ctrl_c_does_not_stop_calls_on_other_threads():
    p = _script("""
        import threading, gowasm
        from test_interrupts import SPIN
        m = gowasm.Module(SPIN, interruptible=True)
        result = []
        t = threading.Thread(target=lambda: result.append(m.spin(3_000_000_000)))
        t.start()
        try:
            print("ready", flush=True)
            t.join()
        except KeyboardInterrupt:
            print("KeyboardInterrupt", flush=True)
        t.join()
        print("thread:", result, flush=True)
    """)
    assert p.stdout.readline() == "ready\n"
    os.kill(p.pid, signal.SIGINT)
    out, err = p.communicate(timeout=120)
    assert out.splitlines() == ["KeyboardInterrupt", "thread: [3000000000]"], (out, err)


def test_ctrl_c_on_the_command_line():
    p = subprocess.Popen([sys.executable, "-m", "gowasm", "run", "--interruptible", corpus_path("c/crunch_numbers_infinite.wasm")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # SIGINT until it stops: one sent before the guest runs is Python's own
    # KeyboardInterrupt, which the command line reports the same way (but
    # not one during Python's own start-up: wait that out first).
    try:
        p.wait(timeout=2)
    except subprocess.TimeoutExpired:
        pass
    for _ in range(600):
        try:
            out, err = p.communicate(timeout=0.1)
            break
        except subprocess.TimeoutExpired:
            os.kill(p.pid, signal.SIGINT)
    assert p.returncode == 130 and "interrupted" in err and "Traceback" not in err, err


@pytest.mark.slow
def test_a_running_guest_freezes_no_other_thread(reactor_wasm):
    # Go's garbage collector stops the world; compiled guest code never
    # stops by itself, so every thread that needed Go memory waited for a
    # running guest (loads blocked forever behind a runaway one). The
    # watcher makes the guest poll, which lets the collector through.
    p = _script("""
        import threading, gowasm
        from test_interrupts import SPIN, FOREVER
        data = open(%r, "rb").read()
        m = gowasm.Module(SPIN, interruptible=True)
        t = threading.Thread(target=lambda: m.spin.call(FOREVER, timeout=300))
        t.start()
        for i in range(8):  # each load allocates megabytes of Go memory: GCs run
            gowasm.Module(data, cache=False).close()
        print("loaded", flush=True)
        m.close()
        t.join()
    """ % reactor_wasm)
    out, err = p.communicate(timeout=240)
    assert out == "loaded\n", err


def test_interruptible_by_default_only_where_a_person_waits():
    # Scripts (and this test process) pay for the checks only when asked;
    # an interactive interpreter, IPython and Jupyter get them by default.
    code = ("import gowasm, sys; sys.path.insert(0, %r); from test_interrupts import SPIN; "
            "m = gowasm.Module(SPIN); t = __import__('threading').Timer(0.3, m.close); t.start(); "
            "m.spin(3_000_000_000); print('ran to the end')") % os.path.join(ROOT, "tests")
    for env, want in [({}, "ran to the end"), ({"GOWASM_INTERRUPTIBLE": "1"}, "ModuleClosedError")]:
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                           env=dict(os.environ, **env))
        assert want in p.stdout + p.stderr, (env, p.stdout, p.stderr)
    p = subprocess.run([sys.executable, "-i", "-c", code], capture_output=True, text=True, timeout=120,
                       input="", env={k: v for k, v in os.environ.items() if k != "GOWASM_INTERRUPTIBLE"})
    assert "ModuleClosedError" in p.stderr, p.stderr


def test_an_ignored_sigint_stays_ignored_for_child_processes():
    # A process started with SIGINT ignored (`cmd &` in a script, nohup)
    # passes that on to what it runs: exec keeps an ignored signal, not a
    # handler. The watcher chained its handler over SIG_IGN, so the
    # children of such a process died of Ctrl-C again.
    code = textwrap.dedent("""
        import signal, subprocess, sys, time
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        import gowasm
        from test_interrupts import SPIN
        gowasm.Module(SPIN, interruptible=True).spin(10)
        time.sleep(0.3)  # the watcher's ticks, which chain the handler again
        print(subprocess.run([sys.executable, "-c", "import signal; print(signal.getsignal(signal.SIGINT) == signal.SIG_IGN)"],
                             capture_output=True, text=True).stdout.strip())
    """)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       cwd=os.path.join(ROOT, "tests"))
    assert p.stdout.strip() == "True", (p.stdout, p.stderr)


@pytest.mark.parametrize("source", [
    '(module (func (export "f") (result i32) (loop) global.get 0))',
    '(module (func (export "f") (result i32) (loop) i32.const 7 global.set 0 i32.const 1))',
    '(module (export "g" (global 0)) (func (export "f") (loop)))',
    '(module (type (func (param i32))) (func (export "f") (type 1) (loop)))',
    # (func (export "f") (param i32) (loop) (block (type 1))), type 1 lacking (wat would add it)
    bytes.fromhex("0061736d01000000" "01050160017f00" "03020100" "07050101660000" "0a0a01080003400b02010b0b"),
], ids=["global.get", "global.set", "export", "function type", "block type"])
def test_instrumentation_makes_no_invalid_module_valid(source):
    # The instrumentation adds a global and (when the module has none) a
    # type [] -> []: a module that refers to the global or type one past
    # its own is invalid, and must not load because those now exist
    # (reading or writing the interrupt flag, with global.set).
    for interruptible in (False, True):
        with pytest.raises(gowasm.CompileError):
            Module(source if isinstance(source, bytes) else wat(source), interruptible=interruptible)
