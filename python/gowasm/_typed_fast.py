"""Typed calls in one crossing: the fast path of ``_typed.make_typed``.

The convention of _typed.py (malloc each str/bytes/JSON argument, write it,
call with (ptr, len), read the packed result, free everything) took five or
more crossings into Go per call (RATIONALE.md, "Typed calls"). Here Go does
all of it in one (``gowasm_call_typed`` in gohost/gowasm.h, called through
the METH_FASTCALL builtin ``gowasm._fastcall.call_typed``, which passes a
str's UTF-8 without a copy and makes the result's bytes or str in C). Shapes
it does not cover (more than two memory values or integers, floats) and
values of other types (a ``bytearray``, a missing or extra argument, an int
out of range) take the Python path of _typed.py, which also words the
errors. ``typed_map`` does the same for a whole map in one crossing
(``gowasm_call_typed_map``, through ``call_typed_map``).
"""

import json
from typing import Any, Callable, Dict, List, Optional

from . import _native
from ._frames import decode_str
from ._map import lengths_differ, name_element, python_map, raise_at
from ._values import check_timeout

_SHAPE_PARAM = {"int": 0, "bool": 0, "str": 1, "bytes": 1, "json": 1}
_SHAPE_RESULT = {None: 0, "int": 1, "bool": 1, "str": 2, "bytes": 2, "json": 2}
_ARGUMENT = 6  # GOWASM_ERR_ARGUMENT: an integer out of range, refused before the guest ran

_NO = object()  # an argument not given
_encoder = json.JSONEncoder(separators=(",", ":"))  # what json.dumps(v, separators=...) uses


def _handle(fn: Any) -> Optional[int]:
    return getattr(getattr(fn, "raw", fn), "_handle", None)


def shape_of(kinds: List[str], result: Optional[str]) -> Optional[int]:
    """The shape word of gowasm_call_typed, or None if it does not fit."""
    if len(kinds) > 4 or result not in _SHAPE_RESULT or any(k not in _SHAPE_PARAM for k in kinds):
        return None
    memory = sum(_SHAPE_PARAM[k] for k in kinds)
    if memory > 2 or len(kinds) - memory > 2:
        return None
    shape = len(kinds)
    for i, k in enumerate(kinds):
        shape |= _SHAPE_PARAM[k] << (4 + 2 * i)
    return shape | _SHAPE_RESULT[result] << 20


# Exact arity with the guest's parameter names (as _typed._scalar_wrapper):
# a *args tuple and a **kwargs dict cost a call more than binding does. Keywords bind as
# Python binds them; a missing argument (the _gowasm_no default) or an extra
# one goes to the slow path, which words the error. Every other name starts
# with _gowasm_ (python_names keeps parameter names off them).
_TEMPLATE = """
def make(_gowasm_call, _gowasm_func, _gowasm_allocator, _gowasm_shape, _gowasm_FAILED, _gowasm_failed, _gowasm_slow,
         _gowasm_encode, _gowasm_loads, _gowasm_decode_str, _gowasm_what, _gowasm_no,
         _gowasm_type=type, _gowasm_str=str, _gowasm_bytes=bytes, _gowasm_int=int,
         _gowasm_refused=(TypeError, OverflowError, UnicodeEncodeError), _gowasm_unencodable=(TypeError, ValueError)):
    def typed(_gowasm_owner, /, {params}*_gowasm_extra):
        if _gowasm_extra{missing}:
            return _gowasm_slow(*[_gowasm_a for _gowasm_a in ({args}) if _gowasm_a is not _gowasm_no], *_gowasm_extra)
{convert}
        try:
            _gowasm_r = _gowasm_call(_gowasm_func, _gowasm_allocator, _gowasm_shape, {kind}, {mem}, {ints})
        except _gowasm_refused:
            return _gowasm_slow({args})  # refused before the guest ran: the Python path words it
{lift}
    return typed
"""

# str values go to C as they are (it passes their UTF-8, cached in the str:
# no encode() copy); JSON as the str json.dumps makes.
_CONVERT = {
    "str": "        if _gowasm_type({p}) is not _gowasm_str:\n            return _gowasm_slow({args})\n        {b} = {p}",
    "bytes": "        if _gowasm_type({p}) is not _gowasm_bytes:\n            return _gowasm_slow({args})\n        {b} = {p}",
    "json": "        try:\n            {b} = _gowasm_encode({p})\n        except _gowasm_unencodable:\n"
            "            return _gowasm_slow({args})",
}

# After the call: an int where a memory result was expected is the failure
# hint; for an int result, FAILED is a hint to check (a guest may return it).
_FAILED_MEMORY = ("        if _gowasm_r.__class__ is _gowasm_int:\n"
                  "            _gowasm_failed()  # raises, unless an argument error: the Python path words it\n"
                  "            return _gowasm_slow({args})\n")
_FAILED_INT = ("        if _gowasm_r == _gowasm_FAILED and _gowasm_failed():\n"
               "            return _gowasm_slow({args})  # an argument error: the Python path words it\n")
_LIFT = {
    None: _FAILED_INT + "        return None",
    "int": _FAILED_INT + "        return _gowasm_r",
    "bool": _FAILED_INT + "        return _gowasm_r != 0",
    "bytes": _FAILED_MEMORY + "        return _gowasm_r",
    "str": ("        if _gowasm_r.__class__ is not _gowasm_str:\n"
            "            if _gowasm_r.__class__ is _gowasm_int:\n"
            "                _gowasm_failed()  # raises, unless an argument error: the Python path words it\n"
            "                return _gowasm_slow({args})\n"
            "            # not UTF-8 (C gave the bytes): raises, naming the function\n"
            "            return _gowasm_decode_str(_gowasm_r, _gowasm_what)\n"
            "        return _gowasm_r"),
    "json": _FAILED_MEMORY + "        return _gowasm_loads(_gowasm_r) if _gowasm_r else None",
}
_KIND = {None: 0, "int": 0, "bool": 0, "bytes": 1, "json": 1, "str": 2}


def fast_typed(raw: Any, kinds: List[str], result: Optional[str], alloc: Any, slow: Callable[..., Any],
               name: str, names: List[str]) -> Optional[Callable[..., Any]]:
    """A one-crossing function for raw called with the typed convention, or
    None when the shape needs the Python path. slow is that path."""
    shape = shape_of(kinds, result)
    func, malloc, free = _handle(raw), _handle(alloc.malloc), _handle(alloc.free)
    ffi, lib = _native.load()
    call = getattr(_native.fastcall, "call_typed", None)
    if shape is None or func is None or malloc is None or free is None or call is None:
        return None
    convert, mem, ints = [], [], []
    args = "".join(p + ", " for p in names)
    for i, (p, k) in enumerate(zip(names, kinds)):
        if _SHAPE_PARAM[k]:
            b = "_gowasm_b%d" % i
            convert.append(_CONVERT[k].format(p=p, b=b, args=args))
            mem.append(b)
        else:
            ints.append("(1 if %s else 0)" % p if k == "bool" else p)
    mem += ["None"] * (2 - len(mem))
    ints += ["0"] * (2 - len(ints))
    source = _TEMPLATE.format(
        params="".join(p + "=_gowasm_no, " for p in names), args=args,
        missing="".join(" or %s is _gowasm_no" % p for p in names), convert="\n".join(convert) or "        pass",
        kind=_KIND[result], mem=", ".join(mem), ints=", ".join(ints), lift=_LIFT[result].format(args=args))
    namespace: Dict[str, Any] = {}
    exec(compile(source, "<gowasm typed call>", "exec"), namespace)

    def failed() -> bool:
        """After the failure hint: False if it was a genuine result; True
        for an argument error (retried on the Python path); else raises."""
        err = _native.take_error(ffi, lib)
        if err.code == 0:
            return False
        if err.code == _ARGUMENT:
            _native.take_message(ffi, lib, err)
            return True
        _native.raise_error(ffi, lib, err)

    typed: Callable[..., Any] = namespace["make"](call, func, malloc | free << 32, shape, _native.FAILED_INT, failed,
                                                  slow, _encoder.encode, json.loads, decode_str,
                                                  "the str result of %s" % name, _NO)
    return typed


def _loads_each(results: List[Any], signature: str) -> List[Any]:
    """A map's JSON results, decoded; an error names the element."""
    out = []
    for i, x in enumerate(results):
        try:
            out.append(json.loads(x) if x else None)
        except ValueError as e:
            name_element(e, signature, i)
            raise
    return out


def typed_map(fn: Any, raw: Any, kinds: List[str], result: Optional[str], signature: str,
              allocator: Optional[Any] = None) -> Callable[..., Any]:
    """The ``map`` of a typed function: numbers only (no bool), the raw
    export's map (one crossing); with str/bytes/JSON values, Go loops over
    the elements in one crossing too (gowasm_call_typed_map), for the shapes
    the one-crossing call covers; others a call per element. Errors name the
    element. allocator: the allocator's export names, as make_typed takes."""
    if result in (None, "int", "float") and all(k in ("int", "float") for k in kinds):
        return raw.map  # type: ignore[no-any-return]
    shape = shape_of(kinds, result)
    call: Any = getattr(_native.fastcall, "call_typed_map", None)
    func = _handle(raw)
    fast = shape is not None and call is not None and func is not None and bool(kinds)
    handles: List[int] = []  # malloc | free << 32, found at the first map
    order = sorted(range(len(kinds)), key=lambda i: (not _SHAPE_PARAM.get(kinds[i], 0), i))  # memory values first
    kind = _KIND.get(result, 0)
    memory_kinds = [kinds[i] for i in order if _SHAPE_PARAM.get(kinds[i])]
    for j, k in enumerate(memory_kinds[:2]):
        if k == "bytes":
            kind |= 256 << j  # the column holds bytes (else str: JSON is encoded to str)
    what = "the str result of %s" % raw.name

    def columns(iterables: Any) -> Optional[List[Any]]:
        """The C builtin's m0, m1, i0, i1, or None when a value needs the
        Python path (which names it)."""
        cols: List[Any] = []
        for i in order:
            k, v = kinds[i], iterables[i]
            if k == "json":
                try:
                    v = [_encoder.encode(x) for x in v]
                except (TypeError, ValueError):
                    return None
            elif k == "bool":
                v = [1 if x else 0 for x in v]
            cols.append(v)
        memory = [c for i, c in zip(order, cols) if _SHAPE_PARAM.get(kinds[i])]
        ints = [c for i, c in zip(order, cols) if not _SHAPE_PARAM.get(kinds[i])]
        return memory + [None] * (2 - len(memory)) + ints + [None] * (2 - len(ints))

    def map(*iterables: Any, timeout: Optional[float] = None) -> Any:
        """Calls the function once per element of the iterables (one per
        parameter, equal lengths): ``[f(x) for x in xs]``, in one call into
        the runtime with the GIL released; an error names the element.
        ``timeout``: seconds for the whole batch (``None``: the module's,
        for each element; ``0``: none), as :meth:`call` takes it."""
        if timeout is not None:
            return _native.call_with_timeout(raw.module, check_timeout(timeout), map, *iterables)
        if len(iterables) != len(kinds) or not kinds:
            raise TypeError("%s.map takes %d iterable%s, one per parameter (%d given)"
                            % (signature, len(kinds), "" if len(kinds) == 1 else "s", len(iterables)))
        if not fast:
            return python_map(fn, signature, iterables)
        # lists once: the per-element path may need them again after C refused one
        iterables = tuple(v if type(v) is list or type(v) is tuple else list(v) for v in iterables)
        lengths = [len(v) for v in iterables]
        if any(n != lengths[0] for n in lengths):
            raise lengths_differ(signature, lengths)
        if not handles:
            alloc = raw.module._allocator(allocator)
            malloc, free = _handle(alloc.malloc), _handle(alloc.free)
            if malloc is None or free is None:
                return python_map(fn, signature, iterables)
            handles.append(malloc | free << 32)
        cols = columns(iterables)
        if cols is None:
            return python_map(fn, signature, iterables)
        try:
            r = call(func, handles[0], shape, kind, *cols)
        except MemoryError:
            raise
        except Exception:
            # It raises only while reading the values, before any guest code
            # ran (a value of another type, an int out of range, what a
            # value's __index__ raised): the per-element path raises it
            # again, naming the element.
            return python_map(fn, signature, iterables)
        if r.__class__ is list:
            if result is None:
                return None
            if result == "bool":
                return [x != 0 for x in r]
            if result == "json":
                return _loads_each(r, signature)
            return r
        ffi, lib = _native.load()
        if r.__class__ is tuple:  # a str result that is not UTF-8
            index, data = r
            try:
                decode_str(data, what)
            except Exception as e:
                name_element(e, signature, index)
                raise
        err = _native.take_error(ffi, lib)
        if err.code == _ARGUMENT:  # an integer out of range, found before any guest code ran
            _native.take_message(ffi, lib, err)
            return python_map(fn, signature, iterables)  # words it, naming the element
        raise_at(ffi, lib, err, r, signature)

    map.__qualname__ = signature + ".map"
    return map
