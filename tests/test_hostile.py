"""Hostile modules never take the process down (issue 20, items 5-7): what
wazero would allocate for, or compile for minutes, is refused before it
reads the module; tables count against memory_limit; a load honours its
timeout and Ctrl-C. Each ran in a process of its own, where the old
behaviour (Go's fatal "out of memory", minutes of compiling) could only
kill or hang that process, and failed before its fix."""

import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT

# One function declaring 2^32-1 locals: 40 bytes.
LOCALS = "0061736d010000000105016000017f03020100070501016600000a0c010a01ffffffff0f7e41070b"
# (table 0 funcref) (func (export "g") (result i32) (table.grow (ref.null func) (i32.const 0x7FFFFFFF))): 49 bytes.
GROW = "0061736d010000000105016000017f03020100040401700000070501016700000a0f010d00d07041ffffffff07fc0f000b"

# Builders of the binary format, for the children.
PRELUDE = '''
import gowasm, sys, time
from gowasm import Module, CompileError

def leb(n):
    out = bytearray()
    while True:
        c, n = n & 0x7F, n >> 7
        out.append(c | (0x80 if n else 0))
        if not n:
            return bytes(out)

def section(i, body):
    return bytes([i]) + leb(len(body)) + body

def vec(items):
    return leb(len(items)) + b"".join(items)

def funcs(bodies):
    """A module of functions [] -> [] with these bodies (no locals, no end)."""
    code = [leb(len(b) + 2) + b"\\0" + b + b"\\x0b" for b in bodies]
    return (b"\\0asm\\1\\0\\0\\0" + section(1, vec([b"\\x60\\0\\0"])) + section(3, vec([b"\\0"] * len(bodies)))
            + section(10, vec(code)))
'''


def child(code: str, timeout: float = 60, **kwargs) -> "subprocess.CompletedProcess[str]":
    return subprocess.run([sys.executable, "-c", PRELUDE + code], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, **kwargs)


def test_a_module_declaring_four_billion_locals_is_a_compile_error():
    r = child('''
wasm = bytes.fromhex(%r)
for load in (lambda: Module(wasm, cache=False), lambda: Module(wasm, cache=False, memory_limit=1 << 20),
             lambda: Module(wasm, cache=False, interruptible=False), lambda: gowasm.run(wasm)):
    try:
        load()
    except CompileError as e:
        print(e)
    else:
        print("loaded")
''' % LOCALS)
    assert r.returncode == 0, r.stderr[-2000:]
    lines = r.stdout.splitlines()
    assert len(lines) == 4
    for line in lines:
        assert "declared locals: 4294967295, over the limit of 50000" in line, line


def test_counts_the_bytes_do_not_hold_are_compile_errors():
    # 2^32-1 functions, globals, exports, element segments or imports
    # claimed in a few bytes: wazero allocated a slice (or map) of that many
    # before reading the first, hundreds of GB.
    r = child('''
for i in (10, 6, 7, 9, 2):
    try:
        Module(b"\\0asm\\1\\0\\0\\0" + section(1, vec([b"\\x60\\0\\0"])) + section(i, leb(2**32 - 1)), cache=False)
    except CompileError as e:
        print("refused:", e)
''')
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.count("refused:") == 5 and "4294967295, over the limit of" in r.stdout


def test_table_grow_past_the_memory_limit_returns_minus_1():
    r = child('''
for interruptible in (True, False):
    m = Module(bytes.fromhex(%r), cache=False, interruptible=interruptible)
    print(m.g())
''' % GROW)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split() == ["-1", "-1"]


def test_table_grow_counts_against_memory_limit():
    import wasmtime

    wasm = wasmtime.wat2wasm('''(module (table 10 funcref)
      (func (export "grow") (param i32) (result i32) (table.grow (ref.null func) (local.get 0))))''')
    r = child('''
m = Module(%r, cache=False, memory_limit=65536)  # 8,192 entries of 8 bytes
print(m.grow(8182), m.grow(1), m.grow(0))
''' % wasm)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split() == ["10", "-1", "8192"]


def test_tables_over_the_budget_do_not_load():
    # 100 tables of 10,000,000 entries: 8 GB, which aborted the process.
    r = child('''
table = b"\\x70\\0" + leb(10_000_000)
try:
    Module(b"\\0asm\\1\\0\\0\\0" + section(4, vec([table] * 100)), cache=False)
except CompileError as e:
    print(e)
''')
    assert r.returncode == 0, r.stderr[-2000:]
    assert "its tables start with 1000000000 entries together" in r.stdout


# Functions of 10,000 blocks take about a second each to compile (wazero's
# time is quadratic in them); 40 of them, most of a minute.
SLOW = '''
wasm = funcs([b"\\x02\\x40\\x0b" * 10_000] * 40)
'''


def test_a_load_honours_its_timeout():
    r = child(SLOW + '''
for load in (lambda: Module(wasm, cache=False, timeout=0.5), lambda: gowasm.run(wasm, timeout=0.5)):
    start = time.monotonic()
    try:
        load()
    except gowasm.Timeout as e:
        print("%.2f" % (time.monotonic() - start), e)
''', timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    lines = r.stdout.splitlines()
    assert len(lines) == 2
    for line in lines:
        took, _, message = line.partition(" ")
        assert "timed out" in message
        assert float(took) < 3


def ctrl_c_during_load(code: str, after: float, timeout: float) -> "tuple[str, str]":
    """Runs code in a child, which prints "loading" as it starts its load,
    sends it SIGINT ``after`` seconds later, and returns its output once it
    exited 0."""
    p = subprocess.Popen([sys.executable, "-c", PRELUDE + code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, cwd=ROOT)
    try:
        assert p.stdout is not None
        assert p.stdout.readline() == "loading\n"
        time.sleep(after)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=timeout)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 0, err[-2000:]
    return out, err


def test_ctrl_c_stops_a_load():
    out, _ = ctrl_c_during_load(SLOW + '''
print("loading", flush=True)
start = time.monotonic()
try:
    Module(wasm, cache=False)
except KeyboardInterrupt:
    print("interrupted after %.2f" % (time.monotonic() - start), flush=True)
''', after=0.5, timeout=30)
    assert out.startswith("interrupted after ")
    assert float(out.split()[-1]) < 3


@pytest.mark.parametrize("handler, outcome", [
    ("def handler(signum, frame):\n    ran.append(signum)\n", "loaded"),
    ("def handler(signum, frame):\n    ran.append(signum)\n    raise ValueError('stop')\n", "ValueError('stop')"),
])
def test_ctrl_c_during_a_load_runs_the_programs_own_handler(handler, outcome):
    # As during a call: the handler runs while the module compiles, and the
    # load stops only if it raises (it stopped with KeyboardInterrupt, and
    # the handler ran again afterwards).
    out, err = ctrl_c_during_load("""
import signal
wasm = funcs([b"\\x02\\x40\\x0b" * 6_000] * 40)  # compiles for a few seconds
ran = []
""" + handler + """
signal.signal(signal.SIGINT, handler)
print("loading", flush=True)
try:
    Module(wasm, cache=False)
    print("loaded", ran, flush=True)
except BaseException as e:
    print(repr(e), ran, flush=True)
""", after=0.3, timeout=120)
    assert out == "%s [2]\n" % outcome, (out, err[-2000:])


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="Linux")
def test_a_timed_out_load_leaves_the_process_usable():
    # The abandoned compile ends in the background; the next load works.
    r = child(SLOW + '''
try:
    Module(wasm, cache=False, timeout=0.2)
except gowasm.Timeout:
    pass
m = Module(funcs([b""]), cache=False)
print("ok")
''', timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == "ok"
