"""Typed calls in one crossing: the fast path of ``_typed.make_typed``.

The convention of _typed.py (malloc each str/bytes/JSON argument, write it,
call with (ptr, len), read the packed result, free everything) took five or
more crossings into Go per call (~5 us for ``greet("world")``). Here Go does
all of it in one (``gowasm_call_typed`` in gohost/gowasm.h): Python encodes
the arguments, makes one cffi call, and decodes the bytes Go copied into a
per-thread buffer. Shapes it does not cover (more than two memory values or
integers, floats) and values of other types (a ``bytearray``, keyword
arguments, an int out of range) take the Python path of _typed.py, which
also words the errors.
"""

import json
import threading
from typing import Any, Callable, Dict, List, Optional

from . import _native

#: Per-thread result buffer: longer results come back in a malloc'ed block.
OUT_CAP = 64 * 1024

_SHAPE_PARAM = {"int": 0, "bool": 0, "str": 1, "bytes": 1, "json": 1}
_SHAPE_RESULT = {None: 0, "int": 1, "bool": 1, "str": 2, "bytes": 2, "json": 2}
_ARGUMENT = 6  # GOWASM_ERR_ARGUMENT: an integer out of range, refused before the guest ran

_encoder = json.JSONEncoder(separators=(",", ":"))  # what json.dumps(v, separators=...) uses
_tls = threading.local()


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


_TEMPLATE = """
def make(call, func, allocator, shape, tls, new_out, CAP, FAILED, failed, slow, big, NULL, encode, loads):
    def typed(*args, **kwargs):
        if kwargs or len(args) != {n}:
            return slow(*args, **kwargs)
        {unpack} = args
{convert}
        try:
            out, view = tls.out
        except AttributeError:
            out, view = new_out()
        try:
            r = call(func, allocator, shape, {mem}, {ints}, out, CAP)
        except (TypeError, OverflowError):
            return slow(*args)
        if r == FAILED and failed():
            return slow(*args)  # an argument error: the Python path words it
{lift}
    return typed
"""

_CONVERT = {
    "str": "        if type({p}) is not str:\n            return slow(*args)\n        {b} = {p}.encode()",
    "bytes": "        if type({p}) is not bytes:\n            return slow(*args)\n        {b} = {p}",
    "json": "        {b} = encode({p}).encode()",
}

_LIFT = {
    None: "        return None",
    "int": "        return r",
    "bool": "        return r != 0",
    "bytes": "        return view[0:r] if r <= CAP else big(r)",
    "str": "        return (view[0:r] if r <= CAP else big(r)).decode()",
    "json": "        return loads(view[0:r] if r <= CAP else big(r)) if r else None",
}


def _new_out() -> Any:
    """This thread's result buffer: the cdata passed to C, and a buffer
    view of it that slices to bytes."""
    ffi, _ = _native.load()
    out = ffi.new("char[]", OUT_CAP)
    _tls.out = (out, ffi.buffer(out))
    return _tls.out


def fast_typed(raw: Any, kinds: List[str], result: Optional[str], alloc: Any, slow: Callable[..., Any],
               name: str) -> Optional[Callable[..., Any]]:
    """A one-crossing function for raw called with the typed convention, or
    None when the shape needs the Python path. slow is that path."""
    shape = shape_of(kinds, result)
    func, malloc, free = _handle(raw), _handle(alloc.malloc), _handle(alloc.free)
    if shape is None or func is None or malloc is None or free is None:
        return None
    ffi, lib = _native.load()
    params = ["p%d" % i for i in range(len(kinds))]
    convert, mem, ints = [], [], []
    for p, k in zip(params, kinds):
        if _SHAPE_PARAM[k]:
            b = "b" + p[1:]
            convert.append(_CONVERT[k].format(p=p, b=b))
            mem.append("%s, len(%s)" % (b, b))
        else:
            ints.append("(1 if %s else 0)" % p if k == "bool" else p)
    mem += ["NULL, 0"] * (2 - len(mem))
    ints += ["0"] * (2 - len(ints))
    source = _TEMPLATE.format(
        n=len(kinds),
        unpack=", ".join(params) + "," if params else "_", convert="\n".join(convert) or "        pass",
        mem=", ".join(mem), ints=", ".join(ints), lift=_LIFT[result])
    if not params:
        source = source.replace("        _ = args\n", "")
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

    def big(size: int) -> bytes:
        p = lib.gwpy_take_big()
        try:
            return ffi.unpack(p, size)
        finally:
            lib.gowasm_free(p)

    return namespace["make"](lib.gwpy_call_typed, func, malloc | free << 32, shape, _tls, _new_out, OUT_CAP,
                             _native.FAILED_INT, failed, slow, big, ffi.NULL, _encoder.encode, json.loads)
