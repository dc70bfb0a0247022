"""Strings, bytes and JSON in and out of guests: .typed() and self-description."""

import gc
import inspect
import json
import keyword
import pydoc
import random
import unicodedata
import warnings

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


# -- hostile descriptions ------------------------------------------------------
# A guest's gowasm_describe is the guest's word: whatever it says, the module
# loads with a RuntimeWarning and its raw exports (or typed ones with valid
# names); only a describe function that kills the guest fails the load.

_DESCRIBED = """(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 8)
  (data (i32.const 1024) "%s")
  (func (export "malloc") (param i32) (result i32) i32.const 400000)
  (func (export "free") (param i32))
  (func (export "gowasm_describe") (result i64)
    %s
    (i64.or (i64.const 0x40400000000) (i64.extend_i32_u (i32.load (i32.const 1024)))))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "scale") (param f64) (result f64) (f64.mul (local.get 0) (f64.const 2))))
"""
_ROOM = 1 << 18
_PLACEHOLDER = b"\xab" * _ROOM


def _described_module(prelude=""):
    """A module whose gowasm_describe returns the description placed by
    _describing (its length at 1024, its bytes at 1028), after ``prelude``."""
    return wat(_DESCRIBED % ("".join("\\%02x" % b for b in _PLACEHOLDER), prelude))


@pytest.fixture(scope="module")
def described_wasm():
    return _described_module()


def _describing(wasm, description):
    data = description if isinstance(description, bytes) else json.dumps(description).encode()
    assert len(data) + 4 <= _ROOM
    blob = len(data).to_bytes(4, "little") + data
    return wasm.replace(_PLACEHOLDER, blob + _PLACEHOLDER[len(blob):])


def _load_warned(wasm):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = Module(wasm, cache=False)
    assert all(issubclass(w.category, RuntimeWarning) for w in caught), [str(w.message) for w in caught]
    return m, [str(w.message) for w in caught]


def _fn(params=("int", "int"), results=("int",), **extra):
    return dict(params=list(params), results=list(results), **extra)


_DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize("description,message", [
    (_DEEP, "nested too deep"),
    (b'{"version":1,"functions":{},"skipped":' + _DEEP + b"}", "nested too deep"),
    ({"version": 1, "functions": {}, "skipped": [1, 2]}, "skipped"),
    ({"version": 1, "functions": {}, "skipped": "ab"}, "skipped"),
    ({"version": 1, "functions": {}, "skipped": {"F": 5}}, "skipped"),
    ({"version": 1, "functions": {"add": "x"}}, "add"),
    ({"version": 1, "functions": {"add": _fn(params=[["int"], "int"])}}, "add"),
    ({"version": 1, "functions": {"add": _fn(go="x")}}, "add"),
    ({"version": 1, "functions": {"add": _fn(go={"params": ["int8", "int"], "results": ["int"], "doc": 5})}},
     "add"),
    ({"version": 1, "functions": {"add": _fn(go={"params": [[[]]], "results": ["int"]})}}, "add"),
    ({"version": 1, "functions": {"add": _fn(frame=[1])}}, "add"),
    (b'{"version":1,"functions":{},"n":' + b"9" * 5000 + b"}", "gowasm_describe"),
    (b"\xff\xfe", "gowasm_describe"),
])
def test_a_malformed_description_warns_and_keeps_the_raw_exports(described_wasm, description, message):
    m, warned = _load_warned(_describing(described_wasm, description))
    assert any(message in w and "ignoring" in w for w in warned), warned
    assert len(" ".join(warned)) < 2000  # a hostile value is not repeated whole
    assert m.add(1, 2) == 3 and m.add.wasm_signature == "add(i32, i32) -> i32"
    assert m.skipped == {}


@pytest.mark.parametrize("names", [
    ["__class__", "b"], ["_gowasm_owner", "b"], ["_gowasm_typed", "b"], ["raw", "len"], ["len", "type"],
    ["\ufb01", "fi"], ["\u212a", "K"], ["a b", "1x"], ["if", "if_"], ["", "x"], [None, 3], ["a", "a"],
])
@pytest.mark.parametrize("go", [None, {"params": ["int8", "uint16"], "results": ["uint64"]}])
def test_description_names_become_distinct_python_identifiers(described_wasm, names, go):
    spec = _fn(names=names, **({"go": go} if go else {}))
    m, warned = _load_warned(_describing(described_wasm, {"version": 1, "functions": {"add": spec}}))
    assert warned == []
    params = [p for p in inspect.signature(m.add).parameters]
    assert len(params) == 2 and len(set(params)) == 2, params
    assert all(p.isidentifier() and not keyword.iskeyword(p) and not p.startswith(("__", "_gowasm")) for p in params), params
    assert all(unicodedata.normalize("NFKC", p) == p for p in params), params
    assert m.add(1, 2) == 3
    assert m.add(**dict(zip(params, (4, 5)))) == 9
    # Too many arguments is still Python's own error, whatever the names shadow.
    with pytest.raises(TypeError, match="positional argument|takes 2 argument"):
        m.add(1, 2, 3)


@pytest.mark.parametrize("prelude,error", [
    ("unreachable", "Trap"),
    ("(call $exit (i32.const 3))", "ExitError"),
    ("(loop $l (br $l))", "Timeout"),
])
def test_a_describe_function_that_fails_fails_the_load(prelude, error):
    import gowasm

    wasm = _describing(_described_module(prelude), {"version": 1, "functions": {}})
    gc.collect()
    before = gowasm._native.live_handles()
    with pytest.raises(getattr(gowasm, error)) as info:
        Module(wasm, cache=False, timeout=0.5)
    assert "gowasm_describe" in "".join([str(info.value)] + list(getattr(info.value, "__notes__", [])))
    del info  # its traceback holds the module being made
    gc.collect()
    assert gowasm._native.live_handles() == before  # nothing of the dead module is kept


def _random_json(rng, depth=0):
    choice = rng.randrange(12 if depth < 4 else 7)
    if choice == 0:
        return None
    if choice == 1:
        return rng.choice([True, False])
    if choice == 2:
        return rng.choice([0, 1, -1, 2 ** 31, 2 ** 64, rng.randrange(-1000, 1000)])
    if choice == 3:
        return rng.choice([0.5, -0.0, 1e308])
    if choice in (4, 5, 6):
        return rng.choice(["", "int", "float", "bool", "str", "bytes", "json", "int8", "uint64", "error", "x",
                           "__class__", "_gowasm_owner", "raw", "len", "if", "\ufb01", "fi", "a b", "\x00",
                           "\ud7ff", "é" * 3, "x" * 300])
    if choice in (7, 8, 9):
        return [_random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = ["params", "results", "names", "frame", "variadic", "go", "declaration", "doc", "version",
            "functions", "skipped", "add", "scale", "zzz"]
    return {rng.choice(keys): _random_json(rng, depth + 1) for _ in range(rng.randrange(5))}


def _mutate(rng, value, depth=0):
    """``value`` with one random node replaced by random JSON."""
    if depth > 0 and rng.random() < 0.3 or not isinstance(value, (dict, list)) or not value:
        return _random_json(rng)
    if isinstance(value, dict):
        key = rng.choice(list(value))
        return {**value, key: _mutate(rng, value[key], depth + 1)}
    i = rng.randrange(len(value))
    return value[:i] + [_mutate(rng, value[i], depth + 1)] + value[i + 1:]


def test_fuzz_the_description(described_wasm):
    rng = random.Random(20)
    valid = {"version": 1, "skipped": {"F": "why"}, "functions": {
        "add": _fn(names=["a", "b"], go={"declaration": "func Add(a, b int8) uint64", "doc": "Adds.",
                                           "params": ["int8", "int"], "results": ["uint64", "error"]}),
        "scale": _fn(params=["float"], results=["float"], names=["x"])}}
    for _ in range(300):
        description = valid
        for _ in range(rng.randrange(1, 4)):
            description = _mutate(rng, description)
        m, _ = _load_warned(_describing(described_wasm, description))
        for name, args, want in (("add", (1, 2), (3, True)), ("scale", (1.5,), (3.0,))):
            fn = m.exports[name]
            params = list(inspect.signature(fn).parameters)
            assert len(set(params)) == len(params) and all(p.isidentifier() for p in params), (description, params)
            try:
                result = fn(*args)
            except TypeError:  # typed with kinds these arguments do not fit: a clear refusal
                continue
            assert result in want, (description, result)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in m.skipped.items()), description
        m.close()
