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


def test_a_module_that_makes_wazero_panic_is_a_compile_error_and_leaks_nothing():
    # Byte 150 set to 33 gives a function a type index out of range, on
    # which wazero's validator panics instead of returning an error.
    from gowasm import CompileError
    from gowasm._native import live_handles

    data = bytearray(open(corpus_path("tinygo/add_reactor.wasm"), "rb").read())
    data[150] = 33
    before = live_handles()
    for _ in range(3):
        with pytest.raises(CompileError, match="is not a valid WebAssembly module") as info:
            Module(bytes(data), cache=False, name="broken.wasm")
        assert "internal error" not in str(info.value)
    assert live_handles() == before
