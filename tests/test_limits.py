"""Resource limits and leaks: input sizes, memory sizes, descriptors, and
what a load/close cycle leaves behind. Each test failed before its fix."""

import mmap
import os
import subprocess
import sys

import pytest

import gowasm
from gowasm import CompileError, Module, _native
from gowasm._native import live_handles
from conftest import ROOT, corpus_path, wat


def test_an_input_over_1_gib_is_a_compile_error_naming_its_size():
    # bytes(n) is calloc'ed zero pages: no RAM is used, and Go refuses the
    # length before copying. A 2 GiB length once became a negative C int.
    before = live_handles()
    with pytest.raises(CompileError, match="2147483648 bytes long, and modules are at most 1073741824"):
        Module(bytes(2 << 30), cache=False)
    assert live_handles() == before


def test_lengths_are_not_truncated_to_32_bits():
    # A valid module followed by zeros to 4 GiB + its length: truncated to 32
    # bits, the length was the module's own, and it loaded. Passed through
    # the ABI from an anonymous mapping, so the zeros are never touched.
    wasm = open(corpus_path("c/add_one.wasm"), "rb").read()
    ffi, lib = _native.load()
    with mmap.mmap(-1, (4 << 30) + len(wasm)) as big:
        big[: len(wasm)] = wasm
        err = ffi.new("gowasm_error *")
        handle = ffi.new("uint64_t *")
        buf = ffi.from_buffer(big)
        try:
            rc = lib.gowasm_module_new(err, buf, len(big), ffi.NULL, handle)
            message = _native.take_message(ffi, lib, err) if rc else ""
            if rc == 0:
                lib.gowasm_module_free(ffi.NULL, handle[0])
        finally:
            ffi.release(buf)
    assert rc == lib.GOWASM_ERR_COMPILE, "a 4 GiB + %d byte input loaded" % len(wasm)
    assert "4294967" in message and "at most" in message


GROW = '''(module (memory (export "memory") 1 %s)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "size") (result i32) memory.size)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load8_u))'''


@pytest.mark.parametrize("declared_max", ["", "65536"])
def test_memory_stops_one_page_below_4_gib(declared_max):
    # At exactly 4 GiB wazero's compiler read the size as 0 and trapped on
    # every access; growth now stops one page before (no RAM is touched).
    m = Module(wat(GROW % declared_max), cache=False)
    assert m.grow(65535) == -1
    with pytest.raises(OverflowError):
        m.memory.grow(65535)
    assert m.grow(65534) == 1
    assert m.size() == 65535
    mem = m.memory
    assert len(mem) == 65535 * 65536
    memoryview(mem)[-1] = 7
    assert m.load(65535 * 65536 - 1) == 7
    m.close()


def test_1100_modules_with_zero_copy_memories_fit_in_1024_descriptors():
    # Each memory once held a descriptor for the module's life (and each
    # Python mapping a dup of it): at ~1,000 modules the process ran out,
    # memories silently fell back to copies, and Python could not open files.
    code = '''
import os, resource, wasmtime
from gowasm import Module
wasm = wasmtime.wat2wasm(%r)
mods, views = [Module(wasm, cache=False)], []
# After Go has started: its runtime raises the soft limit to the hard one.
resource.setrlimit(resource.RLIMIT_NOFILE, (1024, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
for i in range(1100):
    m = Module(wasm, cache=False)
    view = memoryview(m.memory)
    view[8] = i %% 251
    m.memory.write(16, bytes([i %% 241]))  # through gowasm's own mapping
    assert m.load(8) == i %% 251 and m.load(16) == i %% 241
    mods.append(m)
    views.append(view)
open(os.devnull).close()
print(len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 0)
''' % (GROW % "2")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-2000:]
    assert int(r.stdout) < 50  # descriptors open with 1,100 modules and views


def _rss() -> "dict[str, int]":
    """This process' resident memory by kind, in bytes (Linux)."""
    try:
        with open("/proc/self/status") as f:
            lines = [line.split() for line in f if line.startswith(("RssAnon:", "RssShmem:"))]
    except OSError:
        lines = []
    if len(lines) != 2:
        pytest.skip("needs Linux's /proc/self/status")
    return {fields[0].rstrip(":"): int(fields[1]) * 1024 for fields in lines}


def test_closed_modules_give_their_memory_back():
    # In a process of its own: in the test run's, the Go heap may already
    # hold free pages from earlier tests, which the new instances reuse, and
    # then there is no growth to see come back (it failed so, once in four).
    corpus_path("go/add_reactor.wasm")  # skips here, not in the child,
    _rss()  # without the corpus or Linux's /proc
    subprocess.run([sys.executable, "-c", "import test_limits; test_limits.closed_modules_give_their_memory_back()"],
                   cwd=os.path.dirname(os.path.abspath(__file__)), check=True, timeout=120)


def closed_modules_give_their_memory_back() -> None:
    # Guest memory (shared pages) comes back at close even though the
    # Module objects live on: gowasm's own mapping of it is closed too. The
    # Go heap each instance used (~4 MB) comes back without waiting for Go's
    # next GC; the wait below ends as soon as it has.
    import gc
    import time

    wasm = open(corpus_path("go/add_reactor.wasm"), "rb").read()
    gc.collect()
    start = _rss()
    mods = [Module(wasm) for _ in range(20)]
    for m in mods:
        top = m.memory.grow(128) * 65536  # 8 MiB the guest does not use
        m.memory.write(top, b"x" * (8 << 20))  # through gowasm's own mapping
    loaded = _rss()
    shmem, anon = (loaded[k] - start[k] for k in ("RssShmem", "RssAnon"))
    assert shmem > 20 * (8 << 20) and anon > 20 * (2 << 20), (shmem, anon)
    for m in mods:
        m.close()
    assert _rss()["RssShmem"] - start["RssShmem"] < shmem // 10
    deadline = time.monotonic() + 10
    while _rss()["RssAnon"] - start["RssAnon"] > anon // 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _rss()["RssAnon"] - start["RssAnon"] <= anon // 2, "the Go heap of closed modules stayed"


GROWER = wat("""
(module
  (memory (export "memory") 1)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
""")


def test_memory_limit_caps_growth():
    m = Module(GROWER, memory_limit=4 * 65536)
    assert m.grow(2) == 1  # 3 pages
    assert m.grow(2) == -1  # 5 would pass the limit: the guest sees failure
    assert m.grow(1) == 3 and len(m.memory) == 4 * 65536
    assert Module(GROWER).grow(100) == 1  # no limit given: the default's
    with pytest.raises(CompileError, match="over limit"):
        Module(wat('(module (memory 8))'), memory_limit=4 * 65536)
    for bad in (0, 100, -1, 1.5, True):
        with pytest.raises(ValueError, match="memory_limit"):
            Module(GROWER, memory_limit=bad)


def test_memory_limit_in_a_program(probe_wasm):
    # A Go program allocating past the limit fails as Go does when memory runs out.
    assert gowasm.run(probe_wasm, ["alloc", "20"], memory_limit=64 << 20, capture_output=True).stdout == b"alloc: 20\n"
    r = gowasm.run(probe_wasm, ["alloc", "200"], memory_limit=64 << 20, capture_output=True)
    assert r.returncode != 0 and b"out of memory" in r.stderr, r.stderr[-500:]
