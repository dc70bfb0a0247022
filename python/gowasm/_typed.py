"""Typed calls: strings, bytes and JSON across the wasm boundary.

The convention (the guest package in ``guest/`` implements it for Go and
TinyGo; the corpus' TinyGo, Rust and Zig greet modules follow it too):

- the guest exports an allocator: ``malloc(size) -> ptr`` and ``free(ptr)``
  (TinyGo, gowasm's guest package) or ``free(ptr, len)`` (Zig), or
  ``allocate``/``deallocate`` (Rust examples), or names the caller gives;
- a ``str``/``bytes``/JSON parameter is written into guest memory and passed
  as two i32s ``(ptr, len)``; the host frees it after the call;
- a ``str``/``bytes``/JSON result comes back as one i64 ``ptr << 32 | len``,
  which the host reads and then frees.

``m.greet.typed(str, returns=str)`` makes a Python function of a raw export
with that convention; a guest built with the guest package describes its
exports (``gowasm_describe``) and Module applies the types by itself.
"""

import contextlib
import inspect
import json
import operator
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from ._errors import WasmError

# Python-level types, by the names guests use in their descriptions.
_NAMES: Dict[Any, str] = {
    int: "int", float: "float", bool: "bool", str: "str", bytes: "bytes",
    dict: "json", list: "json", "json": "json",
    "int": "int", "float": "float", "bool": "bool", "str": "str", "bytes": "bytes",
}
_PY: Dict[str, Any] = {"int": int, "float": float, "bool": bool, "str": str, "bytes": bytes, "json": Any}
_MEMORY_TYPES = ("str", "bytes", "json")
_SCALAR_WASM = {"int": ("i32", "i64"), "bool": ("i32", "i64"), "float": ("f32", "f64")}

# Allocator export pairs, most common first; free may take (ptr) or (ptr, len).
ALLOCATORS = (("malloc", "free"), ("allocate", "deallocate"), ("alloc", "dealloc"), ("gowasm_malloc", "gowasm_free"))


class Allocator:
    """A guest's allocator exports, found once per module."""

    def __init__(self, module: Any, names: Optional[Tuple[str, str]] = None) -> None:
        candidates = [names] if names else list(ALLOCATORS)
        exports = module.exports
        for alloc, free in candidates:
            if alloc in exports and free in exports:
                self.malloc = exports[alloc]
                self.free = exports[free]
                if self.malloc.params not in (("i32",), ("i64",)) or len(self.malloc.results) != 1:
                    raise TypeError("%s cannot be an allocator: want (size) -> ptr" % self.malloc.wasm_signature)
                if len(self.free.params) not in (1, 2) or self.free.results:
                    raise TypeError("%s cannot be a free function: want (ptr) or (ptr, len)" % self.free.wasm_signature)
                self.free_takes_len = len(self.free.params) == 2
                return
        wanted = " or ".join("%s/%s" % pair for pair in candidates)
        raise TypeError(
            "%s exports no allocator (%s), which str/bytes/json values need: build it with gowasm's "
            "guest package (Go), or TinyGo, or pass allocator=(malloc_name, free_name)" % (module.name, wanted))

    def release(self, ptr: int, size: int) -> None:
        if self.free_takes_len:
            self.free(ptr, size)
        else:
            self.free(ptr)


def type_name(t: Any) -> str:
    """The convention's name of a Python type (``str`` -> ``"str"``)."""
    try:
        return _NAMES[t]
    except (KeyError, TypeError):
        raise TypeError("gowasm cannot pass %r: use int, float, bool, str, bytes or dict/list (JSON)" % (t,)) from None


def _lowered(types: Sequence[str]) -> List[str]:
    """The wasm parameters the Python-level ones turn into."""
    out: List[str] = []
    for t in types:
        out.extend(("i32", "i32") if t in _MEMORY_TYPES else ("?" + t,))
    return out


def _check_signature(raw: Any, params: Sequence[str], result: Optional[str]) -> None:
    lowered = _lowered(params)
    ok = len(lowered) == len(raw.params) and all(
        w == r if not w.startswith("?") else r in _SCALAR_WASM[w[1:]] for w, r in zip(lowered, raw.params))
    if result is None:
        ok = ok and not raw.results
    elif result in _MEMORY_TYPES:
        ok = ok and tuple(raw.results) == ("i64",)
    else:
        ok = ok and len(raw.results) == 1 and raw.results[0] in _SCALAR_WASM[result]
    if not ok:
        want = ", ".join("%s (ptr, len: i32, i32)" % t if t in _MEMORY_TYPES else t for t in params)
        raise TypeError(
            "%s cannot be called as (%s) -> %s: str/bytes/json parameters are two i32s (ptr, len), "
            "a str/bytes/json result is one i64 (ptr << 32 | len), int/bool are i32 or i64, float is f32 or f64"
            % (raw.wasm_signature, want, result or "None"))


def make_typed(raw: Any, params: Sequence[Any], returns: Any = None, *, names: Optional[Sequence[str]] = None,
               allocator: Optional[Tuple[str, str]] = None) -> Callable[..., Any]:
    """Builds the typed Python function for raw export ``raw``."""
    kinds = [type_name(p) for p in params]
    result = None if returns is None else type_name(returns)
    _check_signature(raw, kinds, result)
    module = raw.module
    needs_memory = result in _MEMORY_TYPES or any(k in _MEMORY_TYPES for k in kinds)
    alloc = module._allocator(allocator) if needs_memory else None
    names = list(names) if names else ["p%d" % i for i in range(len(kinds))]
    signature = "%s(%s) -> %s" % (raw.name, ", ".join("%s: %s" % nk for nk in zip(names, kinds)), result or "None")
    lowerers = [_LOWER[k] for k in kinds]
    lift = _LIFT[result]
    n = len(kinds)

    def call(*args: Any) -> Any:
        if len(args) != n:
            raise TypeError("%s takes %d argument%s (%d given)" % (signature, n, "" if n == 1 else "s", len(args)))
        raw_args: List[Any] = []
        allocations: List[Tuple[int, int]] = []
        try:
            for i, (lower, value) in enumerate(zip(lowerers, args)):
                lower(value, raw_args, allocations, alloc, module, signature, i)
            r = raw(*raw_args)
        except BaseException:
            with contextlib.suppress(WasmError):  # the module may be dead now
                for ptr, size in allocations:
                    alloc.release(ptr, size)  # type: ignore[union-attr]
            raise
        for ptr, size in allocations:
            alloc.release(ptr, size)  # type: ignore[union-attr]
        return lift(r, alloc, module)

    call.__name__ = raw.name
    call.__qualname__ = signature
    call.__module__ = "gowasm"
    call.__doc__ = "%s\n\nWebAssembly function %r of %s, called with gowasm's typed convention\n(wasm: %s)." % (
        signature, raw.name, module.name, raw.wasm_signature)
    call.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(nm, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=_PY[k]) for nm, k in zip(names, kinds)],
        return_annotation=_PY[result] if result else None)
    call.name = raw.name  # type: ignore[attr-defined]
    call.params = tuple(kinds)  # type: ignore[attr-defined]
    call.results = (result,) if result else ()  # type: ignore[attr-defined]
    call.raw = raw  # type: ignore[attr-defined]
    call.module = module  # type: ignore[attr-defined]
    call.wasm_signature = raw.wasm_signature  # type: ignore[attr-defined]
    call.typed = raw.typed  # type: ignore[attr-defined]
    return call


def typed_from_annotations(raw: Any, spec: Callable[..., Any], **kwargs: Any) -> Callable[..., Any]:
    """``m.greet.typed(stub)``: types from a stub's annotations, e.g.
    ``def greet(name: str) -> str: ...``."""
    sig = inspect.signature(spec)
    hints = getattr(spec, "__annotations__", {})
    params = [hints.get(p.name, p.annotation) for p in sig.parameters.values()]
    if any(p is inspect.Parameter.empty for p in params):
        raise TypeError("annotate every parameter of %s to use it as a signature" % spec.__name__)
    returns = hints.get("return", sig.return_annotation)
    returns = None if returns in (inspect.Signature.empty, None, type(None)) else returns
    return make_typed(raw, params, returns, names=list(sig.parameters), **kwargs)


# -- lowering: Python value -> wasm arguments -------------------------------

def _write(data: bytes, out: List[Any], allocations: List[Tuple[int, int]], alloc: Allocator, module: Any) -> None:
    size = len(data)
    if size == 0:
        out += [0, 0]
        return
    ptr = alloc.malloc(size)
    allocations.append((ptr, size))
    _memory_write(module, ptr, data)
    out += [ptr, size]


def _lower_str(value: Any, out: List[Any], allocs: Any, alloc: Any, module: Any, sig: str, i: int) -> None:
    if not isinstance(value, str):
        raise TypeError("%s: argument %d must be str, not %s" % (sig, i + 1, type(value).__name__))
    _write(value.encode("utf-8"), out, allocs, alloc, module)


def _lower_bytes(value: Any, out: List[Any], allocs: Any, alloc: Any, module: Any, sig: str, i: int) -> None:
    if isinstance(value, str) or not isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError("%s: argument %d must be bytes-like, not %s" % (sig, i + 1, type(value).__name__))
    _write(value, out, allocs, alloc, module)


def _lower_json(value: Any, out: List[Any], allocs: Any, alloc: Any, module: Any, sig: str, i: int) -> None:
    _write(json.dumps(value, separators=(",", ":")).encode("utf-8"), out, allocs, alloc, module)


def _lower_scalar(value: Any, out: List[Any], *_: Any) -> None:
    out.append(value)


def _lower_int(value: Any, out: List[Any], allocs: Any, alloc: Any, module: Any, sig: str, i: int) -> None:
    if isinstance(value, float) or not hasattr(value, "__index__"):
        raise TypeError("%s: argument %d must be int, not %s" % (sig, i + 1, type(value).__name__))
    out.append(operator.index(value))


_LOWER = {"str": _lower_str, "bytes": _lower_bytes, "json": _lower_json, "int": _lower_int,
          "bool": lambda v, out, *_: out.append(1 if v else 0), "float": _lower_scalar}


# -- lifting: wasm result -> Python value -----------------------------------

def _read_packed(r: int, alloc: Any, module: Any) -> bytes:
    packed = r & 0xFFFFFFFFFFFFFFFF
    ptr, size = packed >> 32, packed & 0xFFFFFFFF
    if ptr == 0:
        return b""
    data = _memory_read(module, ptr, size)
    alloc.release(ptr, size)
    return data


def _lift_json(r: int, alloc: Any, module: Any) -> Any:
    data = _read_packed(r, alloc, module)
    return json.loads(data) if data else None


_LIFT: Dict[Optional[str], Callable[[Any, Any, Any], Any]] = {
    None: lambda r, a, m: None,
    "int": lambda r, a, m: r,
    "float": lambda r, a, m: r,
    "bool": lambda r, a, m: r != 0,
    "str": lambda r, a, m: _read_packed(r, a, m).decode("utf-8"),
    "bytes": _read_packed,
    "json": _lift_json,
}


# -- memory access ------------------------------------------------------------

def _memory_write(module: Any, ptr: int, data: Union[bytes, bytearray, memoryview]) -> None:
    full = module._memory_map()
    if full is None:
        module.memory.write(ptr, data)
        return
    end = ptr + len(data)
    if end > len(full):
        raise WasmError("%s: the guest's allocator returned %d, beyond its memory" % (module.name, ptr))
    full[ptr:end] = data


def _memory_read(module: Any, ptr: int, size: int) -> bytes:
    full = module._memory_map()
    if full is None:
        return module.memory.read(ptr, size)
    if ptr + size > len(full):
        raise WasmError("%s: the guest returned (ptr %d, len %d), beyond its memory" % (module.name, ptr, size))
    return full[ptr:ptr + size]


def parse_description(data: bytes) -> Dict[str, Dict[str, Any]]:
    """The functions of a ``gowasm_describe`` JSON document (version 1)."""
    doc = json.loads(data)
    if not isinstance(doc, dict) or doc.get("version") != 1 or not isinstance(doc.get("functions"), dict):
        raise ValueError("not a version 1 gowasm description")
    return doc["functions"]
