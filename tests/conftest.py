"""Shared fixtures: real modules only (Go guests built from tests/guests,
WAT compiled with wasmtime.wat2wasm, and the corpus in ../shared/wasm-corpus)."""

import csv
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import goguest  # noqa: E402

CORPUS = os.environ.get("GOWASM_CORPUS") or os.path.join(os.path.dirname(ROOT), "shared", "wasm-corpus")

# Keep the tests' compilation cache inside the checkout, warm across runs.
os.environ.setdefault("GOWASM_CACHE_DIR", os.path.join(ROOT, ".cache", "wazero-tests"))

#: The Go guests of the fixtures below: fixture -> (package folder, reactor?).
#: scripts/test-wheel.sh builds them all first (build_guests()), then runs
#: the suite with no Go on PATH, where goguest finds them already built.
GUESTS = {
    "reactor_wasm": ("tests/guests/reactor", True),
    "command_wasm": ("tests/guests/command", False),
    "probe_wasm": ("tests/guests/probe", False),
    "hostcalls_wasm": ("tests/guests/hostcalls", True),
    "greet_wasm": ("examples/greet-go", True),
    "misdescribed_wasm": ("tests/guests/misdescribed", True),
    "notebook_wasm": ("examples/notebook", True),
}


def _guest(fixture: str) -> str:
    rel, reactor = GUESTS[fixture]
    return goguest.build(os.path.join(ROOT, rel), reactor=reactor)


def build_guests() -> None:
    for fixture in GUESTS:
        print(_guest(fixture))


@pytest.fixture(scope="session")
def reactor_wasm():
    """Path of tests/guests/reactor built as a Go reactor."""
    return _guest("reactor_wasm")


@pytest.fixture(scope="session")
def command_wasm():
    """Path of tests/guests/command built as a plain Go WASI command."""
    return _guest("command_wasm")


@pytest.fixture(scope="session")
def misdescribed_wasm():
    """Path of tests/guests/misdescribed: it describes an export it lacks."""
    return _guest("misdescribed_wasm")


@pytest.fixture(scope="session")
def probe_wasm():
    """Path of tests/guests/probe: a Go command that performs the operations
    its arguments name (read/write/ls files, env, stdin, output, exit)."""
    return _guest("probe_wasm")


@pytest.fixture(scope="session")
def hostcalls_wasm():
    """Path of tests/guests/hostcalls: a Go reactor calling //go:wasmimport functions."""
    return _guest("hostcalls_wasm")


@pytest.fixture(scope="session")
def greet_wasm():
    """Path of examples/greet-go: a self-describing guest (gowasm's guest package)."""
    return _guest("greet_wasm")


@pytest.fixture(scope="session")
def notebook_wasm():
    """Path of examples/notebook: the Go guest of examples/gowasm.ipynb."""
    return _guest("notebook_wasm")


@pytest.fixture
def reactor(reactor_wasm):
    from gowasm import Module

    with Module(reactor_wasm) as m:
        yield m


def leb128(n: int) -> bytes:
    """n in unsigned LEB128, as the binary format writes counts and sizes."""
    out = bytearray()
    while True:
        c, n = n & 0x7F, n >> 7
        out.append(c | (0x80 if n else 0))
        if not n:
            return bytes(out)


def wasm_section(sid: int, body: bytes) -> bytes:
    """A section of the binary format: its id, its size, its body."""
    return bytes([sid]) + leb128(len(body)) + body


def wat(source: str) -> bytes:
    """Compiles WebAssembly text to a binary module."""
    import wasmtime

    return wasmtime.wat2wasm(source)


def corpus_path(rel: str) -> str:
    path = os.path.join(CORPUS, rel)
    if not os.path.exists(path):
        pytest.skip("wasm corpus not found at %s" % CORPUS)
    return path


def corpus_manifest():
    path = os.path.join(CORPUS, "MANIFEST.tsv")
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


# The typed convention's test guest, as WAT: a bump allocator that counts
# live allocations (so a test can see that everything the host allocated was
# freed), and echo/cat/take/len over (ptr, len) values. test_typed_fast.py
# and test_typed_map.py each add the functions they need before the final ")".
TYPED_GUEST_BASE = '''(module (memory (export "memory") 16)
  (global $next (mut i32) (i32.const 1024)) (global $live (mut i32) (i32.const 0))
  (func $malloc (export "malloc") (param i32) (result i32) (local $p i32)
    global.get $next local.set $p
    (global.set $next (i32.and (i32.add (i32.add (global.get $next) (local.get 0)) (i32.const 15)) (i32.const -16)))
    (global.set $live (i32.add (global.get $live) (i32.const 1)))
    (if (i32.gt_u (global.get $next) (i32.const 600000)) (then (global.set $next (i32.const 1024))))
    local.get $p)
  (func (export "free") (param i32) (global.set $live (i32.sub (global.get $live) (i32.const 1))))
  (func (export "live") (result i32) global.get $live)
  (func $pack (param i32 i32) (result i64)
    (i64.or (i64.shl (i64.extend_i32_u (local.get 0)) (i64.const 32)) (i64.extend_i32_u (local.get 1))))
  ;; echo(s) returns a copy of s made with malloc
  (func $echo (export "echo") (param i32 i32) (result i64) (local $p i32)
    (local.set $p (call $malloc (local.get 1)))
    (memory.copy (local.get $p) (local.get 0) (local.get 1))
    (call $pack (local.get $p) (local.get 1)))
  ;; cat(a, b) -> a + b
  (func (export "cat") (param i32 i32 i32 i32) (result i64) (local $p i32)
    (local.set $p (call $malloc (i32.add (local.get 1) (local.get 3))))
    (memory.copy (local.get $p) (local.get 0) (local.get 1))
    (memory.copy (i32.add (local.get $p) (local.get 1)) (local.get 2) (local.get 3))
    (call $pack (local.get $p) (i32.add (local.get 1) (local.get 3))))
  ;; take(s, n) -> the first n bytes of s (n an i32), as a new allocation
  (func (export "take") (param i32 i32 i32) (result i64) (call $echo (local.get 0) (local.get 2)))
  (func (export "len") (param i32 i32) (result i32) (local.get 1))
'''
