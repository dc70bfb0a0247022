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
import functools
import json
import keyword
import operator
import threading
import types
import unicodedata
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, cast

from . import _display, _native
from ._errors import WasmError
from ._frames import decode_str
from ._values import acall_of, check_timeout, too_many_arguments
from ._memory import read_at, write_at
from ._typed_fast import fast_typed, typed_map
from ._exported import ExportedFunction

# Python-level types, by the names guests use in their descriptions.
_NAMES: Dict[Any, str] = {
    int: "int", float: "float", bool: "bool", str: "str", bytes: "bytes",
    dict: "json", list: "json", "json": "json",
    "int": "int", "float": "float", "bool": "bool", "str": "str", "bytes": "bytes",
}
_PY: Dict[str, Any] = {"int": int, "float": float, "bool": bool, "str": str, "bytes": bytes, "json": Any}
_MEMORY_TYPES = ("str", "bytes", "json")
_SCALAR_WASM = {"int": ("i32", "i64"), "bool": ("i32", "i64"), "float": ("f32", "f64")}

# What a guest's pointer was, for OutOfBoundsError (as Go's path words it).
_ALLOCATED = "the guest's allocator returned %d for %d bytes"
_RETURNED = "the guest returned (ptr %d, len %d)"

# Allocator export pairs, most common first; free may take (ptr) or (ptr, len).
ALLOCATORS = (("malloc", "free"), ("allocate", "deallocate"), ("alloc", "dealloc"), ("gowasm_malloc", "gowasm_free"))


class Allocator:
    """A guest's allocator exports, found once per module."""

    def __init__(self, module: Any, names: Optional[Tuple[str, str]] = None) -> None:
        candidates = [names] if names else list(ALLOCATORS)
        self.module = module
        self._scratch: Optional[Scratch] = None
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

    def allocate(self, size: int) -> int:
        """malloc(size), as an unsigned address (an i32 result is signed)."""
        address: int = self.malloc(size) & 0xFFFFFFFF
        return address

    def release(self, ptr: int, size: int) -> None:
        if self.free_takes_len:
            self.free(ptr, size)
        else:
            self.free(ptr)

    def scratch(self) -> "Scratch":
        """The module's scratch block for arguments (made once)."""
        if self._scratch is None:
            self._scratch = Scratch(self.module, self)
        return self._scratch


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


def python_names(names: Any, count: int) -> List[str]:
    """Parameter names for Python: the guest's, with a trailing _ where one
    is a Python keyword or a name the generated function uses (``from`` ->
    ``from_``, as PEP 8 does), ``p0``, ``p1``... where there are none, or
    where they are not identifiers, are dunders or ``_gowasm`` names (the
    generated functions' own), or repeat. Names are NFKC-normalized, as
    Python's parser normalizes identifiers (``\ufb01`` is ``fi``)."""
    if not isinstance(names, (list, tuple)) or len(names) != count or not all(isinstance(n, str) for n in names):
        return ["p%d" % i for i in range(count)]
    out = []
    for i, n in enumerate(unicodedata.normalize("NFKC", n) for n in names):
        if keyword.iskeyword(n) or n == "raw":
            n += "_"
        out.append(n if n.isidentifier() and not n.startswith(("__", "_gowasm")) else "p%d" % i)
    return out if len(set(out)) == count else ["p%d" % i for i in range(count)]


def make_typed(raw: Any, params: Sequence[Any], returns: Any = None, *, names: Optional[Sequence[str]] = None,
               allocator: Optional[Tuple[str, str]] = None, signature: Optional[str] = None) -> ExportedFunction:
    """Builds the typed Python function for raw export ``raw``. Messages
    name it by ``signature`` (default: its name and types, as
    ``greet(name: str) -> str``)."""
    kinds = [type_name(p) for p in params]
    result = None if returns is None else type_name(returns)
    _check_signature(raw, kinds, result)
    module = raw.module
    needs_memory = result in _MEMORY_TYPES or any(k in _MEMORY_TYPES for k in kinds)
    alloc: Any = module._allocator(allocator) if needs_memory else None
    names = python_names(names, len(kinds))
    if signature is None:
        signature = "%s(%s) -> %s" % (raw.name, ", ".join("%s: %s" % nk for nk in zip(names, kinds)), result or "None")
    spec = (raw, kinds, result, names, allocator)
    if not needs_memory:
        return _describe(_scalar_wrapper(raw, kinds, result, names, signature), spec, signature)
    converters = [_CONVERT[k] for k in kinds]
    in_memory = [k in _MEMORY_TYPES for k in kinds]
    lift = _lifter(result, raw.name)
    n = len(kinds)
    scratch = alloc.scratch() if any(in_memory) else None

    def call(_gowasm_owner: Any, /, *args: Any, **kwargs: Any) -> Any:
        if kwargs:
            args = _bind(call, signature, args, kwargs)
        if len(args) != n:
            raise TypeError("%s takes %d argument%s (%d given)" % (signature, n, "" if n == 1 else "s", len(args)))
        values = [convert(v, signature, i) for i, (convert, v) in enumerate(zip(converters, args))]
        if scratch is None:
            return lift(raw(*values), alloc, module)
        # Memory arguments go into the module's scratch block (one malloc
        # per module, not two crossings per argument per call), unless it
        # is in use: a nested call from a host function, or another thread.
        placed = None
        if scratch.lock.acquire(False):
            try:
                placed = scratch.place(values, in_memory)
                if placed is not None:
                    r = raw(*placed)
            finally:
                scratch.lock.release()
        if placed is None:
            r = _call_with_allocations(raw, values, in_memory, alloc, module)
        return lift(r, alloc, module)

    slow = _describe(call, spec, signature)  # also the fast one's slow path
    fast = fast_typed(raw, kinds, result, alloc, slow, raw.name, names)
    return slow if fast is None else _describe(fast, spec, signature)


def _bind(fn: Any, signature: str, args: Any, kwargs: Any) -> Any:
    try:
        return fn.__signature__.bind(None, *args, **kwargs).args[1:]
    except TypeError as e:
        raise TypeError("%s: %s" % (signature, e)) from None


def _scalar_wrapper(raw: Any, kinds: List[str], result: Optional[str], params: List[str], signature: str) -> Callable[..., Any]:
    """Numbers only: the raw function already checks and converts them, so
    the typed one is a thin generated wrapper (bool in and out)."""
    args = ", ".join("(1 if %s else 0)" % n if k == "bool" else n for n, k in zip(params, kinds))
    body = "raw(%s)" % args
    if result == "bool":
        body = "%s != 0" % body
    # _gowasm_owner: what the typed function is bound to (TypedOwner);
    # *_gowasm_extra: too many arguments, said as Python would without the owner.
    source = ("def make(raw, _gowasm_too_many):\n    _gowasm_len = len\n    def call(%s):\n        if _gowasm_extra:\n"
              "            _gowasm_too_many(_gowasm_len(_gowasm_extra))\n        return %s\n    return call\n"
              % (", ".join(["_gowasm_owner", "/"] + params + ["*_gowasm_extra"]), body))
    namespace: Dict[str, Any] = {}
    exec(compile(source, "<gowasm typed %s>" % signature, "exec"), namespace)

    return namespace["make"](raw, functools.partial(too_many_arguments, signature, len(params)))  # type: ignore[no-any-return]


class TypedOwner:
    """What a typed function is bound to, so that it pickles: as its raw
    export (module and name) and its types, made again when unpickled."""

    __slots__ = ("_gowasm_spec", "_gowasm_function")

    def __init__(self, spec: Tuple[Any, ...]) -> None:
        self._gowasm_spec = spec
        self._gowasm_function: Any = None

    def __getattr__(self, name: str) -> Any:
        if name == self._gowasm_spec[0].name:
            return self._gowasm_function
        raise AttributeError(name)

    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]:
        return (_typed_owner, self._gowasm_spec)

    def __dask_tokenize__(self) -> Any:
        from dask.base import normalize_token

        raw, kinds, result, names, allocator = self._gowasm_spec
        return ("gowasm.TypedOwner", normalize_token(raw), tuple(kinds), result, tuple(names), allocator)

    def __repr__(self) -> str:
        return "<typed export of %s>" % self._gowasm_spec[0].module.name


def _typed_owner(raw: Any, kinds: List[str], result: Optional[str], names: List[str], allocator: Any) -> TypedOwner:
    """Unpickles a typed function's owner: the module's export when it is
    that typed function (a self-describing guest's), else made again."""
    export = raw.module.exports.get(raw.name)
    owner = getattr(export, "__self__", None)
    if isinstance(owner, TypedOwner) and owner._gowasm_spec[1:] == (kinds, result, names, allocator):
        return owner
    owner = make_typed(raw, kinds, result, names=names, allocator=allocator).__self__  # type: ignore[attr-defined]
    return owner  # type: ignore[no-any-return]


def _describe(call: Any, spec: Tuple[Any, ...], signature: str) -> ExportedFunction:
    import inspect  # here, not at import gowasm (costly: RATIONALE.md)

    raw, kinds, result, names, _ = spec
    module = raw.module
    call.__name__ = raw.name
    call.__qualname__ = signature
    call.__module__ = "gowasm"
    # Not starting with the signature: help() prints that already.
    call.__doc__ = "WebAssembly function %r of %s, called with gowasm's typed convention\n(wasm: %s)." % (
        raw.name, module.name, raw.wasm_signature)
    # The leading parameter is the TypedOwner the function is bound to:
    # inspect drops it from a bound method's signature.
    call.__signature__ = inspect.Signature(
        [inspect.Parameter("_gowasm_owner", inspect.Parameter.POSITIONAL_ONLY)]
        + [inspect.Parameter(nm, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=_PY[k]) for nm, k in zip(names, kinds)],
        return_annotation=_PY[result] if result else None)
    call.name = raw.name
    call.params = tuple(kinds)
    call.results = (result,) if result else ()
    call.raw = raw
    call.module = module
    call.wasm_signature = raw.wasm_signature
    call.typed = raw.typed
    owner = TypedOwner(spec)
    bound = owner._gowasm_function = types.MethodType(call, owner)
    call.call = call_method(bound, module, signature)
    call.acall = acall_of(call.call, signature)
    call.map = typed_map(bound, raw, kinds, result, signature, spec[4])
    call._repr_html_ = functools.partial(_display.export_html, call)
    return cast(ExportedFunction, bound)


def call_method(fn: Callable[..., Any], module: Any, signature: str) -> Callable[..., Any]:
    """The ``call`` method of a typed or described function ``fn``."""

    def call(*args: Any, timeout: Optional[float] = None, **kwargs: Any) -> Any:
        """Calls the function like the function itself, with a timeout of
        this call's own: seconds (``None``: the module's, ``0``: none).
        It covers every guest call the function makes (its allocator's
        too) and starts when the first begins. Past it the guest is
        stopped and :class:`gowasm.Timeout` raised; the module cannot be
        called again. A module loaded without interruptible=True (or a
        timeout) cannot be stopped: a timeout other than 0 is a
        ValueError. Called from a host function, the call stops at its own
        timeout, or at the outer call's if that comes first."""
        if timeout is None:
            return fn(*args, **kwargs)
        return _native.call_with_timeout(module, check_timeout(timeout), fn, *args, **kwargs)

    call.__qualname__ = signature + ".call"
    return call


def typed_from_annotations(raw: Any, spec: Callable[..., Any], **kwargs: Any) -> ExportedFunction:
    """``m.greet.typed(stub)``: types from a stub's annotations, e.g.
    ``def greet(name: str) -> str: ...``."""
    import inspect

    sig = inspect.signature(spec)
    hints = getattr(spec, "__annotations__", {})
    params = [hints.get(p.name, p.annotation) for p in sig.parameters.values()]
    if any(p is inspect.Parameter.empty for p in params):
        raise TypeError("annotate every parameter of %s to use it as a signature" % spec.__name__)
    returns = hints.get("return", sig.return_annotation)
    returns = None if returns in (inspect.Signature.empty, None, type(None)) else returns
    return make_typed(raw, params, returns, names=list(sig.parameters), **kwargs)


# -- lowering: Python value -> wasm arguments -------------------------------

def _to_str(value: Any, sig: str, i: int) -> bytes:
    if not isinstance(value, str):
        raise TypeError("%s: argument %d must be str, not %s" % (sig, i + 1, type(value).__name__))
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError as e:  # a lone surrogate: not text UTF-8 can carry
        raise UnicodeEncodeError(e.encoding, e.object, e.start, e.end, "%s: argument %d: %s" % (
            sig, i + 1, e.reason)) from None


def _to_bytes(value: Any, sig: str, i: int) -> Any:
    if isinstance(value, str) or not isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError("%s: argument %d must be bytes-like, not %s" % (sig, i + 1, type(value).__name__))
    if isinstance(value, memoryview):
        # Its len() must be its size in bytes: that is the length the guest
        # gets, and what its allocation is made for (a view of an int array
        # counts items).
        try:
            return value.cast("B")
        except TypeError as e:
            raise TypeError("%s: argument %d: %s" % (sig, i + 1, e)) from None
    return value


def _to_json(value: Any, sig: str, i: int) -> bytes:
    try:
        return json.dumps(value, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError) as e:  # {1, 2}, a NaN in strict mode, a cycle
        raise TypeError("%s: argument %d cannot be sent as JSON: %s" % (sig, i + 1, e)) from None


def _to_int(value: Any, sig: str, i: int) -> int:
    if isinstance(value, float) or not hasattr(value, "__index__"):
        raise TypeError("%s: argument %d must be int, not %s" % (sig, i + 1, type(value).__name__))
    return operator.index(value)


_CONVERT: Dict[str, Callable[[Any, str, int], Any]] = {"str": _to_str, "bytes": _to_bytes, "json": _to_json, "int": _to_int,
            "bool": lambda v, sig, i: 1 if v else 0, "float": lambda v, sig, i: v}


class Scratch:
    """A block of guest memory a module keeps for the arguments of typed
    calls, grown as needed; ``lock`` says whether a call is using it."""

    MAX = 1 << 20  # larger arguments get their own allocations

    def __init__(self, module: Any, alloc: Allocator) -> None:
        self.lock = threading.Lock()
        self.module, self.alloc = module, alloc
        self.ptr = self.size = 0

    def place(self, values: List[Any], in_memory: List[bool]) -> Optional[List[Any]]:
        """Writes the memory arguments into the block; returns the wasm
        args, or None if they are too big for a scratch block."""
        total = sum(len(v) + 7 & ~7 for v, mem in zip(values, in_memory) if mem)
        if total > self.size:
            if total > self.MAX:
                return None
            self._grow(total)
        offset = self.ptr

        def next_slot(size: int) -> int:
            nonlocal offset
            ptr, offset = offset, offset + (size + 7 & ~7)
            return ptr

        return _lay_out(values, in_memory, self.module, next_slot)

    def _grow(self, total: int) -> None:
        if self.ptr:
            self.alloc.release(self.ptr, self.size)
            self.ptr = self.size = 0
        size = max(4096, 1 << (total - 1).bit_length())
        self.ptr, self.size = self.alloc.allocate(size), size


def _lay_out(values: List[Any], in_memory: List[bool], module: Any, place: Callable[[int], int]) -> List[Any]:
    """The wasm arguments: memory arguments are written where place(size)
    says and passed as (ptr, len), an empty one as (0, 0); numbers as they are."""
    out: List[Any] = []
    for value, mem in zip(values, in_memory):
        if not mem:
            out.append(value)
        elif not len(value):
            out += [0, 0]
        else:
            ptr = place(len(value))
            write_at(module, ptr, value, _ALLOCATED)
            out += [ptr, len(value)]
    return out


def _call_with_allocations(raw: Any, values: List[Any], in_memory: List[bool], alloc: Allocator, module: Any) -> Any:
    """The convention to the letter: malloc each memory argument, call, free."""
    allocations: List[Tuple[int, int]] = []

    def allocate(size: int) -> int:
        ptr = alloc.allocate(size)
        allocations.append((ptr, size))
        return ptr

    try:
        r = raw(*_lay_out(values, in_memory, module, allocate))
    except BaseException:
        with contextlib.suppress(WasmError):  # the module may be dead now
            for ptr, size in allocations:
                alloc.release(ptr, size)
        raise
    for ptr, size in allocations:
        alloc.release(ptr, size)
    return r


# -- lifting: wasm result -> Python value -----------------------------------

def _read_packed(r: int, alloc: Any, module: Any) -> bytes:
    packed = r & 0xFFFFFFFFFFFFFFFF
    ptr, size = packed >> 32, packed & 0xFFFFFFFF
    if ptr == 0 and size == 0:
        return b""
    data = read_at(module, ptr, size, _RETURNED)
    alloc.release(ptr, size)
    return data


def _lift_json(r: int, alloc: Any, module: Any) -> Any:
    data = _read_packed(r, alloc, module)
    return json.loads(data) if data else None


def _lifter(result: Optional[str], name: str) -> Callable[[Any, Any, Any], Any]:
    """How ``name``'s result becomes a Python value; a str that is not
    UTF-8 is a UnicodeDecodeError naming the function."""
    if result != "str":
        return _LIFT[result]
    what = "the str result of %s" % name
    return lambda r, a, m: decode_str(_read_packed(r, a, m), what)


_LIFT: Dict[Optional[str], Callable[[Any, Any, Any], Any]] = {
    None: lambda r, a, m: None,
    "int": lambda r, a, m: r,
    "float": lambda r, a, m: r,
    "bool": lambda r, a, m: r != 0,
    "str": lambda r, a, m: _read_packed(r, a, m).decode("utf-8"),
    "bytes": _read_packed,
    "json": _lift_json,
}
