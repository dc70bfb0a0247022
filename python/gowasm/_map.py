"""Vectorised calls: ``m.sum.map(xs, ys)`` calls ``sum`` once per element
inside one call into Go (gowasm_call_map in gohost/gowasm.h), at a tenth
of the cost of calling from Python per element (RATIONALE.md, "Vectorised
calls"), with the GIL released for the whole batch.

Arguments are one iterable per parameter, of equal lengths: lists, tuples,
``range``s and other iterables are converted in C (cffi), ``array.array``
and numpy arrays are read in place. Results come back as a list, or a numpy
array when any argument is one (numpy is never imported otherwise).
"""

import array
import sys
from typing import Any, Callable, List, Optional, Sequence, Tuple

from . import _native
from ._errors import error_from
from ._values import check_timeout

_SIGNED, _FLOAT, _RANGE = 16, 32, 64  # GOWASM_ELEM_SIGNED, GOWASM_ELEM_FLOAT, GOWASM_ELEM_RANGE
# array.array type codes -> element kind (size | signedness | float)
_ARRAY_SIGNED = "bhilq"
_ARRAY_UNSIGNED = "BHILQ"
# Generic sequences become arrays (array.array converts a list of ints in C
# faster than cffi does): int64 for integer params, double for float ones.
_ARRAY_PARAM = {"i32": "q", "i64": "q", "f32": "d", "f64": "d"}
_KIND_PARAM = {"i32": 8 | _SIGNED, "i64": 8 | _SIGNED, "f32": 8 | _FLOAT, "f64": 8 | _FLOAT}
_ARRAY_RESULT = {"i32": ("i", 4), "i64": ("q", 8), "f32": ("f", 4), "f64": ("d", 8)}
_INT64 = (-(1 << 63), (1 << 63) - 1)
_NP_RESULT = {"i32": "int32", "i64": "int64", "f32": "float32", "f64": "float64"}


def _numpy_of(value: Any) -> Any:
    """numpy, if value is a numpy array (numpy already imported by whoever
    made it), else None."""
    np = sys.modules.get("numpy")
    if np is not None and isinstance(value, np.ndarray):
        return np
    return None


def _array_kind(typecode: str, itemsize: int) -> Optional[int]:
    if typecode in _ARRAY_SIGNED:
        return itemsize | _SIGNED
    if typecode in _ARRAY_UNSIGNED:
        return itemsize
    if typecode in "fd":
        return itemsize | _FLOAT
    return None


class _Refused(Exception):
    """A column refused as a whole, before any call: args[0] is the
    exception to raise."""


def _materialized(value: Any) -> Any:
    """value as map reads it: lists, tuples, ranges, numeric array.arrays
    and numeric numpy arrays as they are; anything else (a generator, a
    numpy object or text array, an array.array of unicode) as a list of its
    values, read once, which the plain call's rules then convert (numpy's
    astype would truncate 1.7 and parse '12')."""
    if type(value) in (list, tuple, range):
        return value
    np = _numpy_of(value)
    if np is not None:
        if value.ndim != 1:
            raise ValueError("map takes 1-dimensional arrays, not %d-dimensional" % value.ndim)
        return value if value.dtype.kind in "biuf" else list(value)
    if hasattr(value, "buffer_info") and _array_kind(getattr(value, "typecode", ""), getattr(value, "itemsize", 0)):
        return value
    return list(value)


def _column(ffi: Any, value: Any, kind: str, what: str) -> Tuple[Any, int, int, Any]:
    """(C pointer, element kind, length, owner) for one argument (what
    names it); raises TypeError or OverflowError (or what a value's
    __index__ raises) when a generic sequence cannot be converted, _Refused
    for a column of floats for an integer parameter."""
    np = _numpy_of(value)
    if np is not None:
        arr = value
        if arr.dtype.kind == "f":
            if kind in ("i32", "i64") and len(arr):
                raise _Refused(TypeError(
                    "%s is a numpy %s array, but the parameter is %s, which takes int (as a call does: a float "
                    "is a TypeError); convert it first, e.g. with .astype(numpy.int64) (which truncates)"
                    % (what, arr.dtype.name, kind)))
            if arr.dtype.itemsize < 4:
                arr = arr.astype(np.float32)  # float16: exactly
            elif arr.dtype.itemsize > 8:
                arr = arr.astype(np.float64)  # longdouble: rounded, as float() rounds it
        if arr.dtype.kind == "b":
            arr = arr.view(np.uint8)
        if not arr.dtype.isnative:
            arr = arr.astype(arr.dtype.newbyteorder("="))
        arr = np.ascontiguousarray(arr)
        ek = arr.dtype.itemsize | (_SIGNED if arr.dtype.kind == "i" else _FLOAT if arr.dtype.kind == "f" else 0)
        return ffi.from_buffer(arr), ek, len(arr), arr
    typecode = getattr(value, "typecode", None)
    if typecode is not None and hasattr(value, "buffer_info"):  # array.array
        ek = _array_kind(typecode, value.itemsize)
        if ek is not None:
            if ek & _FLOAT and kind in ("i32", "i64") and len(value):
                raise _Refused(TypeError(
                    "%s is an array.array of %r (floats), but the parameter is %s, which takes int (as a call "
                    "does: a float is a TypeError)" % (what, typecode, kind)))
            return ffi.from_buffer(value), ek, len(value), value
    if type(value) is range and kind in ("i32", "i64") and len(value) and _INT64[0] <= value.start <= _INT64[1] \
            and _INT64[0] <= value[-1] <= _INT64[1] and _INT64[0] <= value.step <= _INT64[1]:
        c = ffi.new("int64_t[2]", [value.start, value.step])
        return c, _RANGE, len(value), c
    arr = array.array(_ARRAY_PARAM[kind], value)
    return ffi.from_buffer(arr), _KIND_PARAM[kind], len(arr), arr


def lengths_differ(sig: str, lengths: List[int]) -> ValueError:
    """The error for iterables of different lengths."""
    return ValueError("%s.map: the iterables have different lengths (%s)" % (sig, ", ".join(str(n) for n in lengths)))


def make_map(fn: Any, ex: Any) -> Callable[..., Any]:
    """The ``map`` method of export function fn (ex: its _Export)."""
    params, results, sig = ex.params, ex.results, ex.signature
    simple = len(results) <= 1 and all(p in _ARRAY_PARAM for p in params) and all(r in _ARRAY_RESULT for r in results)
    list_kinds = "".join("f" if p in ("f32", "f64") else "i" for p in params).encode()
    result = {"i32": 1, "i64": 2, "f32": 3, "f64": 4}.get(results[0], 0) if results else 0

    def map(*iterables: Any, timeout: Optional[float] = None) -> Any:
        """Calls the function once per element of the iterables (one per
        parameter, equal lengths) inside one call into the runtime, with
        the GIL released: ``m.sum.map(xs, ys)`` is ``[m.sum(x, y) for x,
        y in zip(xs, ys)]``, faster. Takes lists, tuples, ranges,
        ``array.array``s and numpy arrays; returns a list, or a numpy
        array if any argument is one (None for a function without
        results). An error names the element's index. ``timeout``:
        seconds for the whole batch (``None``: the module's, for each
        element; ``0``: none); past it the guest is stopped and
        :class:`gowasm.Timeout` raised, as :meth:`call` does."""
        if timeout is not None:
            return _native.call_with_timeout(ex.module, check_timeout(timeout), map, *iterables)
        if len(iterables) != len(params):
            raise TypeError("%s.map takes %d iterable%s, one per parameter (%d given)"
                            % (sig, len(params), "" if len(params) == 1 else "s", len(iterables)))
        if not params:
            raise TypeError("%s.map: a function without parameters has nothing to map over" % sig)
        np = next((m for m in (_numpy_of(v) for v in iterables) if m is not None), None)
        iterables = tuple(_materialized(v) for v in iterables)  # read once: a slow path may read them again
        if not simple:
            return python_map(fn, sig, iterables, None)
        ffi, lib = _native.load()
        lengths = [len(v) for v in iterables]
        if any(n != lengths[0] for n in lengths):
            raise lengths_differ(sig, lengths)
        lists = np is None and _native.fastcall and all(type(v) in (list, tuple) for v in iterables)
        if lists and len(params) <= 8:
            try:
                r = _native.fastcall.call_map_lists(ex.handle, list_kinds, result, *iterables)
            except MemoryError:
                raise
            except Exception:
                # It raises only while converting the values, before any
                # guest code ran (a TypeError, an OverflowError, or what a
                # value's __index__ raised): one call per element raises it
                # again, naming the element.
                return python_map(fn, sig, iterables, None)
            if r.__class__ is int:
                err = _native.take_error(ffi, lib)
                raise_at(ffi, lib, err, r, sig)
            return r
        try:
            cols = [_column(ffi, v, p, "%s.map: argument %d" % (sig, i + 1))
                    for i, (v, p) in enumerate(zip(iterables, params))]
        except _Refused as e:
            raise e.args[0] from None
        except MemoryError:
            raise
        except Exception:
            return python_map(fn, sig, iterables, None)  # names the element
        n = lengths[0]
        out: Any = None
        out_c: Any = ffi.NULL
        if results:
            if np is not None:
                out = np.empty(n, dtype=_NP_RESULT[results[0]])
                out_c = ffi.from_buffer(out)
            else:
                code, size = _ARRAY_RESULT[results[0]]
                out = array.array(code, bytes(size * n))
                out_c = ffi.from_buffer(out)
        ptrs = ffi.new("void *[]", [ffi.cast("void *", c[0]) for c in cols])
        kinds = ffi.new("uint32_t[]", [c[1] for c in cols])
        err = ffi.new("gowasm_error *")
        done = ffi.new("size_t *")
        if lib.gowasm_call_map(err, ex.handle, ptrs, kinds, len(cols), n, out_c, done) != 0:
            raise_at(ffi, lib, err, done[0], sig)
        if not results:
            return None
        return out if np is not None else out.tolist()

    map.__qualname__ = sig + ".map"
    return map


def python_map(fn: Any, sig: str, iterables: Sequence[Any], _: Any = None) -> Any:
    """The slow path: one call per element from Python (values the C
    conversion refuses, several results), with errors naming the index."""
    lists = [list(v) for v in iterables]
    n = len(lists[0])
    if any(len(v) != n for v in lists):
        raise lengths_differ(sig, [len(v) for v in lists])
    out: List[Any] = []
    for i, args in enumerate(zip(*lists)):
        try:
            out.append(fn(*args))
        except Exception as e:
            name_element(e, sig, i)
            raise
    return out if fn.results else None


def name_element(e: BaseException, sig: str, i: int) -> None:
    """Makes e, raised by element i of a map, name it."""
    _note(e, "in %s.map, element %d" % (sig, i))
    if isinstance(e, (TypeError, OverflowError, ValueError)) and len(e.args) == 1 and isinstance(e.args[0], str):
        e.args = ("element %d: %s" % (i, e.args[0]),)


def _note(e: BaseException, note: str) -> None:
    if hasattr(e, "add_note"):
        e.add_note(note)
    else:  # Python 3.10
        e.__notes__ = list(getattr(e, "__notes__", ())) + [note]  # type: ignore[attr-defined]


def raise_at(ffi: Any, lib: Any, err: Any, index: int, sig: str) -> None:
    """Raises a map's error, naming the element it failed at."""
    if err.code in (lib.GOWASM_ERR_HOST, lib.GWPY_ERR_FORKED):
        try:
            _native.raise_error(ffi, lib, err)
        except BaseException as e:
            _note(e, "in %s.map, element %d" % (sig, index))
            raise
    code, exit_code = err.code, err.exit_code
    message = _native.take_message(ffi, lib, err)
    raise error_from(code, "element %d: %s" % (index, message), exit_code)
