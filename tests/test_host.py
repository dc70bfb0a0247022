"""Python host functions called by guests through their imports."""

import gc
import threading

import pytest

from gowasm import Caller, LinkError, Module, ModuleClosedError, OutOfBoundsError
from conftest import corpus_path

HOST = {"env": {"log": None, "add_one": lambda x: x + 1, "scale": lambda x, by: x * by,
                "call_double": None, "big": lambda x: x}}


def load(hostcalls_wasm, **overrides):
    env = dict(HOST["env"])
    env["log"] = overrides.pop("log", lambda caller, ptr, size: None)
    env["call_double"] = overrides.pop("call_double", lambda x: 0)
    env.update(overrides)
    return Module(hostcalls_wasm, imports={"env": env})


def test_go_guest_calls_python(hostcalls_wasm):
    m = load(hostcalls_wasm)
    assert m.add_one(41) == 42
    assert m.add_one(-1) == 0
    assert m.scale(3.0) == 1.5
    assert m.big(-(2**63)) == -(2**63)
    assert [(i.name, i.provided_by) for i in m.imports if i.module == "env"] == [
        (n, "python") for n in ("log", "add_one", "scale", "call_double", "big")]


def test_caller_memory_and_str_annotations(hostcalls_wasm):
    seen = []

    def log(caller: Caller, ptr, size):
        seen.append(caller.read_string(ptr, size))
        assert caller.module is not None and len(caller.memory) > 0
        end = len(caller.memory)
        with pytest.raises(OutOfBoundsError, match="out of bounds: offset %d \\+ size 1" % end):
            caller.read_bytes(end, 1)
        with pytest.raises(OutOfBoundsError):
            caller.write(end - 1, b"ab")
        caller.write(end - 1, b"z")
        assert caller.read_bytes(end - 1, 1) == b"z" == caller.memory.read(end - 1, 1)

    m = load(hostcalls_wasm, log=log)
    m.say.typed(str)("hi")
    assert seen == ["guest says: hi"]

    def log_str(msg: str):
        seen.append("annotated " + msg)

    load(hostcalls_wasm, log=log_str).say.typed(str)("yo")
    assert seen[-1] == "annotated guest says: yo"


def test_corpus_greet_modules_with_env_log():
    for rel in ("tinygo/greet_reactor.wasm", "rust/greet_unknown.wasm", "zig/greet.wasm"):
        got = []
        m = Module(corpus_path(rel), imports={"env": {"log": _collect(got)}})
        m.greet.typed(str)("wazero")
        assert got == ["wasm >> Hello, wazero!"], rel


def _collect(out):
    def log(msg: str):
        out.append(msg)
    return log


def test_rust_import():
    m = Module(corpus_path("rust/fibonacci_env.wasm"), imports={"env": {"fibonacci_host": lambda n: n * 100}})
    assert m.fibonacci(7) == 700


def test_exception_comes_out_of_the_outer_call(hostcalls_wasm):
    class Boom(Exception):
        pass

    def add_one(x):
        raise Boom("no %d" % x)

    m = load(hostcalls_wasm, add_one=add_one)
    with pytest.raises(Boom, match="no 5") as info:
        m.add_one(5)
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "host function env.add_one" in notes and "add_one(i32) i32" in notes
    with pytest.raises(ModuleClosedError):  # the guest was stopped midway
        m.count()


def test_bad_return_value_is_a_type_error(hostcalls_wasm):
    m = load(hostcalls_wasm, add_one=lambda x: "nope")
    with pytest.raises(TypeError, match="env.add_one must return i32, not 'nope'"):
        m.add_one(1)
    m = load(hostcalls_wasm, scale=lambda x, by: "1.5")
    with pytest.raises(TypeError, match="env.scale must return f64, not '1.5'"):
        m.scale(1.0)


def test_reentrancy(hostcalls_wasm):
    holder = {}
    m = load(hostcalls_wasm, call_double=lambda x: holder["m"].double(x))
    holder["m"] = m
    assert m.reenter(20) == 41
    assert m.reenter(-3) == -5
    assert m.count() == 1  # the module is fine


def test_other_threads_wait_while_a_host_function_runs(hostcalls_wasm):
    started, release = threading.Event(), threading.Event()
    results = []

    def slow_add_one(x):
        started.set()
        release.wait(10)
        return x + 1

    m = load(hostcalls_wasm, add_one=slow_add_one)
    t = threading.Thread(target=lambda: results.append(m.add_one(1)))
    t.start()
    assert started.wait(10)
    other = threading.Thread(target=lambda: results.append(m.count()))
    other.start()
    other.join(0.2)
    assert other.is_alive()  # serialized behind the running call
    release.set()
    t.join(10)
    other.join(10)
    assert sorted(results) == [1, 2]


def test_annotations_are_checked_at_load(hostcalls_wasm):
    def add_one(x: str):  # a str is (ptr, len): the import passes one i32
        return 0

    with pytest.raises(LinkError, match=r"imports\['env'\]\['add_one'\].*two i32s"):
        load(hostcalls_wasm, add_one=add_one)


def test_unknown_import_names_are_refused(hostcalls_wasm):
    with pytest.raises(LinkError, match=r"does not import env\.nope.*it imports: .*env\.add_one"):
        load(hostcalls_wasm, nope=lambda: 0)
    with pytest.raises(TypeError, match="must be callable"):
        load(hostcalls_wasm, add_one=42)


def test_host_functions_do_not_keep_modules_alive(hostcalls_wasm):
    from gowasm._native import live_handles

    gc.collect()
    before = live_handles()
    for _ in range(5):
        load(hostcalls_wasm).add_one(1)
    gc.collect()
    assert live_handles() == before


_DEEP_REENTRANCY = r"""
import sys, threading
from gowasm import Module

def main(wasm, stack_size):
    sys.setrecursionlimit(1_000_000)  # only gowasm's bound can stop it
    holder = {}

    def call_double(x):
        return holder["m"].reenter(x - 1) if x > 0 else 0

    holder["m"] = m = Module(wasm, imports={"env": {
        "log": lambda caller, p, n: None, "add_one": lambda x: x, "scale": lambda x, by: x,
        "call_double": call_double, "big": lambda x: x}})
    out = []

    def run():
        try:
            out.append(m.reenter(100_000))
        except RecursionError as e:
            out.append(e)

    if stack_size:
        threading.stack_size(stack_size)
        t = threading.Thread(target=run)
        t.start()
        t.join()
    else:
        run()
    print(type(out[0]).__name__, out[0])

main(sys.argv[1], int(sys.argv[2]))
"""


@pytest.mark.parametrize("stack_size", [256 * 1024, 0])  # a small thread's stack, the main thread's
def test_deep_reentrancy_is_a_recursion_error_not_a_crash(hostcalls_wasm, stack_size):
    import subprocess
    import sys

    # Each level nests Python -> cffi -> Go -> Python on the thread's C stack:
    # without a bound, the process died of SIGSEGV (~190 levels in 256 KiB,
    # ~6,500 in the main thread's 8 MiB).
    proc = subprocess.run([sys.executable, "-c", _DEEP_REENTRANCY, hostcalls_wasm, str(stack_size)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.startswith("RecursionError"), proc.stdout
    assert "nested" in proc.stdout and "KiB stack" in proc.stdout and "threading.stack_size" in proc.stdout


def test_recursion_error_in_a_thread_comes_out_as_itself(hostcalls_wasm):
    # At Python's recursion limit, whichever of the few frames of a host call
    # hits it, the outer call must raise RecursionError: before, it raised a
    # vague WasmError or, when cffi's own frame hit it, returned garbage.
    results = []

    def at_depth(k, f):
        return f() if k == 0 else at_depth(k - 1, f)

    def run():
        for offset in range(8):  # covers every frame of one nesting level
            holder = {}
            m = load(hostcalls_wasm, call_double=lambda x: holder["m"].reenter(x))  # noqa: B023 (called in this iteration)
            holder["m"] = m
            try:
                results.append(at_depth(offset, lambda: m.reenter(1)))  # noqa: B023
            except BaseException as e:
                results.append(e)

    t = threading.Thread(target=run)
    t.start()
    t.join(120)
    assert [type(r).__name__ for r in results] == ["RecursionError"] * 8, results


def test_cross_module_deadlock_raises_instead_of_hanging(hostcalls_wasm):
    # Thread 1 runs A's host function, which calls B; thread 2 runs B's,
    # which calls A. Each holds its module while waiting for the other's.
    both_inside = threading.Barrier(2, timeout=60)
    errors, modules = [], {}

    def cross(other):
        def call_double(x):
            both_inside.wait()
            try:
                modules[other].count()
            except RuntimeError as e:
                errors.append(e)
            return x
        return call_double

    modules["a"] = load(hostcalls_wasm, call_double=cross("b"))
    modules["b"] = load(hostcalls_wasm, call_double=cross("a"))
    results = []
    threads = [threading.Thread(target=lambda k=k: results.append(modules[k].reenter(1)), daemon=True) for k in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "deadlocked"
    assert results == [2, 2]  # the host function that saw the error went on; then the other call ran
    assert len(errors) == 1 and "deadlock avoided" in str(errors[0])


def test_subinterpreters_are_refused_clearly(hostcalls_wasm):
    import subprocess
    import sys

    pytest.importorskip("_xxsubinterpreters" if sys.version_info < (3, 13) else "_interpreters")
    code = (
        "from gowasm import Module\n"
        "try:\n"
        "    Module(%r)\n"
        "except ImportError as e:\n"
        "    print('refused:', e)\n" % hostcalls_wasm)
    script = (
        "import sys\n"
        "try:\n"
        "    import _interpreters as i\n"
        "    i.exec(i.create('legacy'), %r)\n"  # 3.13: a subinterpreter that may load gowasm's extension
        "except ImportError:\n"
        "    import _xxsubinterpreters as i\n"
        "    i.run_string(i.create(), %r)\n" % (code, code))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert "refused: gowasm: cannot be used in a subinterpreter" in proc.stdout, (proc.stdout, proc.stderr[-2000:])


class _Index:
    """A result that is an integer by Python's rule (operator.index)."""

    def __init__(self, outcome):
        self.outcome = outcome

    def __index__(self):
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return self.outcome


_RESULTS = """(module
  (import "env" "i32" (func $i32 (result i32)))
  (import "env" "i64" (func $i64 (result i64)))
  (import "env" "i32c" (func $i32c (result i32)))
  (func (export "i32") (result i32) call $i32)
  (func (export "i64") (result i64) call $i64)
  (func (export "i32c") (result i32) call $i32c))
"""


@pytest.mark.parametrize("export", ["i32", "i64", "i32c"])  # i32c takes a Caller: the Python path
def test_a_result_is_an_integer_by_its_index_and_what_that_raises_propagates(export):
    from conftest import wat

    wasm = wat(_RESULTS)

    def load_returning(value):
        return Module(wasm, imports={"env": {"i32": lambda: value, "i64": lambda: value,
                                             "i32c": lambda caller: value}})

    assert getattr(load_returning(_Index(7)), export)() == 7
    with pytest.raises(OverflowError, match="out of range"):
        getattr(load_returning(_Index(1 << 70)), export)()
    for exc in (SystemExit(3), KeyboardInterrupt(), ValueError("from __index__")):
        with pytest.raises(type(exc)) as info:
            getattr(load_returning(_Index(exc)), export)()
        assert info.value is exc
    with pytest.raises(TypeError, match="must return i(32|64), not 1.5"):
        getattr(load_returning(1.5), export)()
