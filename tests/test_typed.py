"""Strings, bytes and JSON in and out of guests: .typed() and self-description."""

import inspect
import pydoc

import pytest

from gowasm import Module
from conftest import corpus_path, wat


@pytest.mark.parametrize("rel,free", [("tinygo/greet_reactor.wasm", "free(i32) -> None"),
                                       ("rust/greet_unknown.wasm", "deallocate(i32, i32) -> None"),
                                       ("zig/greet.wasm", "free(i32, i32) -> None")])
def test_corpus_greeting_in_three_toolchains(rel, free):
    m = Module(corpus_path(rel))
    greeting = m.greeting.typed(str, returns=str)
    assert greeting("world") == "Hello, world!"
    assert greeting("héllo wörld") == "Hello, héllo wörld!"
    assert greeting("") == "Hello, !"
    assert m._allocator(None).free.wasm_signature == free
    for _ in range(200):  # nothing leaks: allocations are freed
        greeting("x" * 100)


def test_self_describing_go_guest(greet_wasm):
    m = Module(greet_wasm)
    assert m.greet("world") == "Hello, world!"
    assert m.reverse(b"\x00abc\xff") == b"\xffcba\x00"
    assert m.add(2, 3) == 5
    assert m.stats({"values": [1, 2, 3]}) == {"count": 3, "sum": 6}
    assert str(inspect.signature(m.greet)) == "(name: str) -> str"
    assert m.greet(name="kw") == "Hello, kw!" and m.add(a=1, b=2) == 3
    # help() shows the signature once (its docstring used to repeat it).
    assert pydoc.render_doc(m.greet, renderer=pydoc.plaintext).count("greet(name: str) -> str") == 1
    assert m.greet.raw.wasm_signature == "greet(i32, i32) -> i64"
    assert m.exports["greet"] is m.greet


def test_typed_spellings(greet_wasm):
    m = Module(greet_wasm)
    greet = m.greet.raw.typed(str, returns=str)
    assert greet("a") == "Hello, a!"

    def stub(name: str) -> str: ...

    assert m.greet.raw.typed(stub)("b") == "Hello, b!"
    assert m.stats.raw.typed(dict, returns=dict)({"values": [2.5]}) == {"count": 1, "sum": 2.5}
    assert m.reverse.raw.typed(bytes, returns=bytes)(bytearray(b"xy")) == b"yx"


def test_big_bytes_round_trip(greet_wasm):
    m = Module(greet_wasm)
    data = bytes(range(256)) * 4096  # 1 MiB
    assert m.reverse(data) == data[::-1]


def test_typed_errors(greet_wasm):
    m = Module(greet_wasm)
    with pytest.raises(TypeError, match=r"greet\(name: str\) -> str: argument 1 must be str, not int"):
        m.greet(5)
    with pytest.raises(TypeError, match=r"takes 1 argument \(2 given\)"):
        m.greet("a", "b")
    with pytest.raises(TypeError, match=r"add\(i32, i32\) -> i32 cannot be called as \(str \(ptr, len: i32, i32\)\)"):
        m.add.raw.typed(str)
    with pytest.raises(TypeError, match="cannot pass"):
        m.greet.raw.typed(set)
    assert m.greet("ok") == "Hello, ok!"  # errors before the call leave the module usable


def test_no_allocator_says_what_to_do():
    m = Module(wat('(module (memory (export "memory") 1) (func (export "f") (param i32 i32)))'))
    with pytest.raises(TypeError, match="exports no allocator.*guest package.*allocator="):
        m.f.typed(str)


def test_named_allocator():
    m = Module(wat('''(module (memory (export "memory") 1)
        (global $next (mut i32) (i32.const 1024))
        (func (export "my_alloc") (param i32) (result i32) (local $p i32)
            global.get $next local.set $p
            global.get $next local.get 0 i32.add global.set $next local.get $p)
        (func (export "my_free") (param i32))
        (func (export "len") (param i32 i32) (result i32) local.get 1))'''))
    assert m.len.typed(bytes, returns=int, allocator=("my_alloc", "my_free"))(b"12345") == 5
