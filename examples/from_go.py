"""Calls ordinary Go code (examples/wordfreq: no //go:wasmexport, no build
command) from Python with gowasm.Module.from_go. Needs Go 1.24+ on PATH the
first time; later runs load the cached build.

    .venv/bin/python examples/from_go.py
"""

import os

import gowasm
from gowasm import Module

HERE = os.path.dirname(os.path.abspath(__file__))

m = Module.from_go(os.path.join(HERE, "wordfreq"))
text = "The cat and the hat. The end!"
print("Words:", m.Words(text))
print("Top:", m.Top(text, 2))
try:
    m.Top(text, 0)
except gowasm.GoError as e:
    print("GoError:", e)
