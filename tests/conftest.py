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
