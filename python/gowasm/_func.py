"""Exported functions: one generated Python function per wasm export.

The call path is the product, so an export is not an object with a
``__call__`` method (CPython calls those through a slow slot) but a plain
Python function, generated once per signature shape, that calls one cffi
wrapper with scalar arguments: ``f = m.sum; f(12, 12)`` costs one Python
frame, one cffi call and one comparison. Everything else (arity, type and
range errors with good messages, unsigned 64-bit values, several results)
happens on a slow path entered only when the fast one fails. See
RATIONALE.md for the measurements.
"""

import functools
import operator
import types
from typing import Any, Callable, Dict, Optional, Sequence, Tuple, cast

from . import _display, _native, _origin
from ._errors import ForkError
from ._exported import ExportedFunction
from ._map import make_map
from ._typed import make_typed, typed_from_annotations
from ._values import acall_of, check_timeout, decode_value, encode_value, format_signature

_INT_RANGE = {"i32": (-(1 << 31), (1 << 32) - 1), "i64": (-(1 << 63), (1 << 64) - 1)}
_PY_TYPE = {"i32": int, "i64": int, "f32": float, "f64": float}
_FAST_KINDS = {"i32": "i", "i64": "i", "f32": "f", "f64": "f"}


# One factory per (arity, result kind); each makes the fast function of an
# export. The source is generated because the arity must be spelled out:
# *args costs a tuple on the way in and another on the way to cffi.
# Arity errors are Python's own, and name the wasm signature because the
# function's __qualname__ is it.
# The export is that function bound to its module's ExportOwner (a bound
# method costs next to nothing more than a function, and pickles as
# ``getattr(owner, name)``: see ExportOwner); ``_owner`` is that unused
# first argument. Python counts it in its error for too many arguments, as
# it counts ``self`` for any method ("takes 3 positional arguments but 4
# were given" for a 2-parameter export): catching them ourselves with
# ``*extra`` cost more a call than the error's wording is worth
# (RATIONALE.md, "The call path").
_FAST_TEMPLATE = """
def make(call, h, slow, check, FAILED):
    def f({params}):
        try:
            r = call(h{call_args})
        except (TypeError, OverflowError):
            return slow({args})
        {result_check}
        return r
    return f
"""

_RESULT_CHECKS = {
    "v": "if r:\n            return check(r)\n        r = None",
    "i": "if r == FAILED:\n            return check(r)",
    "f": "if r != r:  # NaN: a failure, or a genuine NaN\n            return check(r)",
}

_factories: Dict[Tuple[int, str], Callable[..., Any]] = {}


def _factory(arity: int, result: str) -> Callable[..., Any]:
    key = (arity, result)
    if key not in _factories:
        names = ["p%d" % i for i in range(arity)]
        source = _FAST_TEMPLATE.format(
            params=", ".join(["_owner"] + names + ["/"]),
            args=", ".join(names),
            call_args="".join(", " + n for n in names),
            result_check=_RESULT_CHECKS[result],
        )
        namespace: Dict[str, Any] = {}
        exec(compile(source, "<gowasm fast call>", "exec"), namespace)
        _factories[key] = namespace["make"]
    return _factories[key]


class _Export:
    """What an export's generated function needs on its slow paths."""

    def __init__(self, module: Any, name: str, params: Sequence[str], results: Sequence[str], handle: int) -> None:
        self.module = module
        self.name = name
        self.params = tuple(params)
        self.results = tuple(results)
        self.handle = handle
        self.signature = format_signature(name, params, results)
        self.ffi, self.lib = _native.load()

    def fast_entry(self) -> Any:
        """The cffi wrapper for this signature's shape, or None."""
        if len(self.params) > self.lib.GOWASM_MAX_FAST_PARAMS or len(self.results) > 1:
            return None
        kinds = [_FAST_KINDS.get(p) for p in self.params]
        result = _FAST_KINDS.get(self.results[0]) if self.results else "v"
        if None in kinds or result is None:
            return None
        suffix = result + ("_" + "".join(kinds) if kinds else "")  # type: ignore[arg-type]
        fast = getattr(_native.fastcall, "call_" + suffix, None)  # METH_FASTCALL: no argument tuple (RATIONALE.md)
        return result, fast or getattr(self.lib, "gwpy_call_" + suffix)

    # -- slow paths -------------------------------------------------------

    def check_arity(self, args: Tuple[Any, ...]) -> Tuple[Any, ...]:
        if len(args) != len(self.params):
            raise TypeError(
                "%s takes %d argument%s (%d given)"
                % (self.signature, len(self.params), "" if len(self.params) == 1 else "s", len(args))
            )
        return args

    def convert(self, i: int, value: Any) -> Any:
        """Checks one argument; returns it as the fast ABI passes it."""
        kind = self.params[i]
        if kind in _INT_RANGE:
            if isinstance(value, float) or not hasattr(value, "__index__"):
                raise self._type_error(i, value)
            value = operator.index(value)
            lo, hi = _INT_RANGE[kind]
            if not lo <= value <= hi:
                raise OverflowError(
                    "%s: argument %d is out of range for %s: %d (accepted: %d..%d, signed or unsigned)"
                    % (self.signature, i + 1, kind, value, lo, hi)
                )
            if kind == "i64" and value >= 1 << 63:
                value -= 1 << 64  # the fast ABI passes int64_t: same bits
            return value
        if kind in ("f32", "f64"):
            if isinstance(value, (str, bytes)) or not hasattr(value, "__float__"):
                raise self._type_error(i, value)
            return float(value)
        raise TypeError("%s: gowasm cannot pass %s values yet" % (self.signature, kind))

    def _type_error(self, i: int, value: Any) -> TypeError:
        want = _PY_TYPE.get(self.params[i], object).__name__
        return TypeError(
            "%s: argument %d must be %s (wasm %s), not %s"
            % (self.signature, i + 1, want, self.params[i], type(value).__name__)
        )

    def make_check(self) -> Callable[[Any], Any]:
        ffi, lib, module = self.ffi, self.lib, self.module

        def check(r: Any) -> Any:
            err = _native.take_error(ffi, lib)
            if err.code == 0:
                return r  # the sentinel was a genuine result
            _origin.failed(module, err.code)
            _native.raise_error(ffi, lib, err)

        return check

    # -- the general path: any arity, several results ---------------------

    def call_general(self, args: Tuple[Any, ...], timeout: Optional[float] = None) -> Any:
        """The call through the general entry point; timeout None is the
        module's, 0 none, else seconds."""
        if _native.forked:
            raise ForkError()
        args = self.check_arity(args)
        size = max(len(self.params), len(self.results), 1)
        stack = self.ffi.new("uint64_t[]", size)
        for i, value in enumerate(args):
            stack[i] = encode_value(self.params[i], self.convert(i, value))
        err = self.ffi.new("gowasm_error *")
        if timeout is None:
            status = self.lib.gowasm_call(err, self.handle, stack, size)
        else:
            status = self.lib.gowasm_call_timeout(err, self.handle, stack, size, check_timeout(timeout))
        if status != 0:
            _origin.failed(self.module, err.code)
            _native.raise_error(self.ffi, self.lib, err)
        values = tuple(decode_value(t, stack[i]) for i, t in enumerate(self.results))
        if not values:
            return None
        return values[0] if len(values) == 1 else values


class ExportOwner:
    """What a module's exports are bound to, so that they pickle.

    An export is a generated function bound to this object (a method whose
    ``__self__`` it is): pickle saves a bound method as ``getattr(owner,
    name)`` and this object as its module (``Module.__reduce__``: the
    module's bytes and configuration), so ``m.sum`` pickles as (module,
    name) and works in ``multiprocessing`` pools, ``ProcessPoolExecutor``
    and Dask. A plain function would pickle by its qualified name, which
    for an export is its wasm signature.
    """

    # Names no export is likely to have: getattr(owner, name) finds these first.
    __slots__ = ("_gowasm_module", "_gowasm_functions", "__weakref__")

    def __init__(self, module: Any, picklable: bool = True) -> None:
        self._gowasm_module = module
        self._gowasm_functions: Optional[Dict[str, Any]] = {} if picklable else None

    def __getattr__(self, name: str) -> Any:
        try:
            return self._gowasm_functions[name]  # type: ignore[index]
        except (KeyError, TypeError):
            raise AttributeError("%s has no raw export %r" % (self._gowasm_module.name, name)) from None

    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]:
        if self._gowasm_functions is None:
            import pickle

            raise pickle.PicklingError("an export of %s named like an attribute of Python objects cannot be "
                                       "pickled" % self._gowasm_module.name)
        return (owner_of, (self._gowasm_module,))

    def __dask_tokenize__(self) -> Any:
        return ("gowasm.ExportOwner", self._gowasm_module.__dask_tokenize__())

    def __repr__(self) -> str:
        return "<exports of %s>" % self._gowasm_module.name


class DescribedOwner(ExportOwner):
    """What the functions a description made (``Module.from_go``'s
    bindings) are bound to: pickled as (module, name), found again as
    ``module.exports[name]``."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self._gowasm_module.__dict__["exports"][name]
        except KeyError:
            raise AttributeError("%s has no export %r" % (self._gowasm_module.name, name)) from None

    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]:
        return (described_owner_of, (self._gowasm_module,))


def described_owner_of(module: Any) -> DescribedOwner:
    """The :class:`DescribedOwner` of a module (made once)."""
    owner = module.__dict__.get("_described_owner")
    if owner is None:
        owner = module.__dict__["_described_owner"] = DescribedOwner(module)
    return owner  # type: ignore[no-any-return]


def owner_of(module: Any) -> ExportOwner:
    """The :class:`ExportOwner` of a module (made once)."""
    owner = module.__dict__.get("_export_owner")
    if owner is None:
        owner = module.__dict__["_export_owner"] = ExportOwner(module)
    return owner  # type: ignore[no-any-return]


def make_function(module: Any, name: str, params: Sequence[str], results: Sequence[str], handle: int) -> ExportedFunction:
    """Builds the Python function that calls export ``name`` of ``module``:
    a generated function bound to the module's :class:`ExportOwner`."""
    ex = _Export(module, name, params, results, handle)
    fast = ex.fast_entry()
    if fast is not None:
        result, call = fast
        check = ex.make_check()

        def slow(*args: Any) -> Any:
            converted = [ex.convert(i, v) for i, v in enumerate(ex.check_arity(args))]
            r = call(handle, *converted)
            if (result == "v" and r) or (result == "i" and r == _native.FAILED_INT) or (result == "f" and r != r):
                return check(r)
            return None if result == "v" else r

        fn = _factory(len(params), result)(call, handle, slow, check, _native.FAILED_INT)
    else:

        def fn(_owner: Any, *args: Any) -> Any:
            return ex.call_general(args)

    _describe(fn, ex)
    owner = owner_of(module)
    if hasattr(ExportOwner, name):  # "__init__"...: getattr(owner, name) would not find it
        export = types.MethodType(fn, ExportOwner(module, picklable=False))
    else:
        export = owner._gowasm_functions[name] = types.MethodType(fn, owner)  # type: ignore[index]
    fn.typed = _typed_method(export)
    fn.map = make_map(export, ex)
    return cast(ExportedFunction, export)


def _describe(fn: Any, ex: _Export) -> None:
    """Makes the function explain itself: name, help(), signature, metadata."""
    fn.__name__ = ex.name
    # CPython names the function by __qualname__ (3.11+) or co_name in its own
    # arity errors: make both the wasm signature, so that m.sum(1) says
    # "sum(i32, i32) -> i32() missing 1 required positional argument".
    fn.__qualname__ = ex.signature
    fn.__code__ = fn.__code__.replace(co_name=ex.signature)
    fn.__module__ = "gowasm"
    fn.__doc__ = (
        "%s\n\nWebAssembly function %r exported by %s.\n\n"
        "i32/i64 parameters take Python ints in the signed or the unsigned range;\n"
        "i32/i64 results come back signed. f32/f64 take and return floats.\n"
        "Several results come back as a tuple, none as None."
        % (ex.signature, ex.name, ex.module.name)
    )
    if not ex.results:
        ret: Any = None
    elif len(ex.results) == 1:
        ret = _PY_TYPE.get(ex.results[0], Any)
    else:
        ret = Tuple[tuple(_PY_TYPE.get(t, Any) for t in ex.results)]
    annotations = {"p%d" % i: _PY_TYPE.get(t, Any) for i, t in enumerate(ex.params)}
    if fn.__code__.co_posonlyargcount == len(ex.params) + 1 and not fn.__code__.co_flags & 0x04:
        # def f(_owner, p0, p1, /): inspect.signature reads these, and drops
        # the owner the export is bound to: (p0: int, p1: int, /) -> int,
        # without importing inspect (costly: RATIONALE.md).
        fn.__annotations__ = dict(annotations, **{"return": ret})
    else:
        import inspect

        # The leading parameter is the owner the export is bound to: inspect
        # drops it from a bound method's signature.
        owner = inspect.Parameter("_owner", inspect.Parameter.POSITIONAL_ONLY)
        fn.__signature__ = inspect.Signature(
            [owner] + [inspect.Parameter(n, inspect.Parameter.POSITIONAL_ONLY, annotation=a) for n, a in annotations.items()],
            return_annotation=ret)
    fn.name = ex.name
    fn.params = ex.params
    fn.results = ex.results
    fn.module = ex.module  # keeps the module alive while the function is
    fn._handle = ex.handle  # for typed calls in one crossing (_typed_fast.py)
    fn.wasm_signature = ex.signature
    fn.call = _call_method(ex)
    fn.acall = _acall_method(ex)
    fn._repr_html_ = functools.partial(_display.export_html, fn)


def _call_method(ex: _Export) -> Callable[..., Any]:
    def call(*args: Any, timeout: Optional[float] = None) -> Any:
        """Calls the export like the function itself, with a timeout of
        this call's own: seconds (``None``: the module's, ``0``: none). Past
        it the guest is stopped and :class:`gowasm.Timeout` raised; the
        module cannot be called again. A module loaded without
        interruptible=True (or a timeout) cannot be stopped: a timeout
        other than 0 is a ValueError. Called from a host function, the call
        stops at its own timeout, or at the outer call's if that comes
        first."""
        return ex.call_general(args, timeout)

    call.__qualname__ = ex.signature + ".call"
    return call


def _acall_method(ex: _Export) -> Callable[..., Any]:
    return acall_of(ex.call_general, ex.signature, general=True)


def _typed_method(fn: Any) -> Callable[..., Any]:
    def typed(*params: Any, returns: Any = None, names: Any = None, allocator: Any = None) -> Callable[..., Any]:
        """Makes a typed Python function of this export with gowasm's
        convention for str, bytes and JSON (see gowasm._typed):
        ``greet = m.greet.typed(str, returns=str)``, or from a stub's
        annotations: ``m.greet.typed(lambda name: ...)`` with annotations,
        e.g. ``def greet(name: str) -> str: ...``. Types: int, float, bool,
        str, bytes, dict/list (JSON). ``allocator=("malloc", "free")`` names
        the guest's allocator exports when they are not the usual ones."""
        if len(params) == 1 and callable(params[0]) and not isinstance(params[0], type):
            return typed_from_annotations(fn, params[0], allocator=allocator)
        return make_typed(fn, params, returns, names=names, allocator=allocator)

    return typed
