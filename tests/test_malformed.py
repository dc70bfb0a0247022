"""Malformed modules: seeded truncations, bit flips and splices of real
modules load or fail with a WasmError subclass; nothing else escapes,
nothing crashes. (Mutants are only loaded: calling one could loop forever
until timeouts exist. The seeds are fixed, so the run is deterministic.)"""

import random

import pytest

from gowasm import Module, WasmError
from conftest import corpus_path

SMALL = ["c/add_one.wasm", "rust/types.wasm", "wat/wasi_arg.wasm", "rust/fibonacci.wasm",
         "assemblyscript/hello_trace.wasm", "zig/greet.wasm"]


def mutations(data: bytes, rng: random.Random, count: int):
    for _ in range(count):
        b = bytearray(data)
        what = rng.random()
        if what < 0.3:
            yield bytes(b[: rng.randrange(len(b))])  # truncation
        elif what < 0.8:
            for _ in range(rng.randint(1, 4)):  # bit flips
                i = rng.randrange(len(b))
                b[i] ^= 1 << rng.randrange(8)
            yield bytes(b)
        else:  # a splice of a random run elsewhere
            i, j = sorted(rng.randrange(len(b)) for _ in range(2))
            k = rng.randrange(len(b))
            yield bytes(b[:k] + b[i:j] + b[k:])


@pytest.mark.parametrize("rel", SMALL)
def test_mutated_modules_fail_cleanly(rel):
    data = open(corpus_path(rel), "rb").read()
    rng = random.Random(rel)
    loaded = failed = 0
    for mutant in mutations(data, rng, 60):
        try:
            m = Module(mutant, cache=False)
        except WasmError:
            failed += 1
            continue
        loaded += 1
        m.close()
    assert failed > 0 and loaded + failed == 60
