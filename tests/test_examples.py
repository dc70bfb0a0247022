"""The examples run as tests (as wazero's do): what README shows a newcomer
must keep working."""

import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
needs_go = pytest.mark.skipif(shutil.which("go") is None, reason="the examples build Go code")


def run_example(name: str) -> str:
    return subprocess.run([sys.executable, os.path.join(ROOT, "examples", name)], capture_output=True, text=True,
                          check=True, timeout=300).stdout


@needs_go
def test_sum():
    assert run_example("sum.py").splitlines() == ["sum(12, 12) = 24", "fib(20) = 6765"]


@needs_go
def test_from_go():
    assert run_example("from_go.py").splitlines() == [
        "Words: ['the', 'cat', 'and', 'the', 'hat', 'the', 'end']",
        "Top: [{'word': 'the', 'n': 3}, {'word': 'and', 'n': 1}]",
        "GoError: n must be positive",
    ]


def test_greet_go(greet_wasm):
    # examples/greet-go: the hand-written guest of the README's typed calls.
    from gowasm import Module

    with Module(greet_wasm) as m:
        assert m.greet("world") == "Hello, world!"
