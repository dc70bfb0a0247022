"""Builds the Go reactor in examples/sum and calls it from Python.

    ./scripts/example.sh      (or: .venv/bin/python examples/sum.py)
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "scripts"))

import goguest  # noqa: E402  builds Go guests with GOOS=wasip1, cached

from gowasm import Module  # noqa: E402

wasm = goguest.build(os.path.join(HERE, "sum"))  # go build -buildmode=c-shared
m = Module(wasm)
print("sum(12, 12) =", m.sum(12, 12))
print("fib(20) =", m.fib(20))
