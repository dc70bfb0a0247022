"""Resource limits and leaks: input sizes, memory sizes, descriptors, and
what a load/close cycle leaves behind. Each test failed before its fix."""

import mmap

import pytest

from gowasm import CompileError, Module, _native
from gowasm._native import live_handles
from conftest import corpus_path


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
