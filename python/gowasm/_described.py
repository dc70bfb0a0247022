"""Functions from a guest's description (``gowasm_describe``).

A guest built with gowasm's guest package says how to call each export:
Python-level types (``m.greet("world")`` takes and returns str), parameter
names, and, for bindings that :meth:`gowasm.Module.from_go` generated, the
Go function behind it: its declaration and doc comment for ``help()``, its
Go kinds (so an ``int8`` parameter refuses 300 and a ``uint64`` result is not
read as negative) and whether its results come in a frame (an ``error``,
several results, JSON: see :mod:`gowasm._frames`).
"""

import functools
import json
import math
import types
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, cast

from . import _frames, _native
from ._func import described_owner_of
from ._map import python_map
from ._typed import call_method, make_typed, python_names
from ._values import acall_of, check_timeout, too_many_arguments
from ._exported import ExportedFunction

if TYPE_CHECKING:  # imported where used, not at `import gowasm` (costly: RATIONALE.md)
    import inspect

# Go integer kinds narrower than the wasm integer they travel as: Python
# checks their range, as Go would refuse the conversion at compile time.
_NARROW = {
    "int8": (-(1 << 7), (1 << 7) - 1), "int16": (-(1 << 15), (1 << 15) - 1), "int32": (-(1 << 31), (1 << 31) - 1),
    "uint8": (0, (1 << 8) - 1), "uint16": (0, (1 << 16) - 1), "uint32": (0, (1 << 32) - 1),
}
# A Go float32 parameter: the largest float32, and where a float64 rounds
# to infinity as a float32 (halfway to 2**128), which Go's conversion would
# do silently; inf and nan themselves pass.
_FLOAT32_MAX = float.fromhex("0x1.fffffep+127")
_FLOAT32_INF = 2.0 ** 128 - 2.0 ** 103
_PY = {"int": int, "float": float, "bool": bool, "str": str, "bytes": bytes, "json": Any}
# How messages show the description's types: as the annotations above.
_SHOWN = {k: "Any" if v is Any else v.__name__ for k, v in _PY.items()}


def _shown_results(results: Sequence[str]) -> str:
    if not results:
        return "None"
    if len(results) == 1:
        return _SHOWN[results[0]]
    return "Tuple[%s]" % ", ".join(_SHOWN[r] for r in results)


# 64-bit unsigned results travel as an i64, which Python reads as signed.
_UNSIGNED64 = ("uint", "uint64", "uintptr")


def _shown(value: Any) -> str:
    """A guest's value in a message: short, whatever its size or depth."""
    import reprlib

    r = reprlib.Repr()
    r.maxstring = r.maxother = 60
    return r.repr(value)


def parse(data: bytes) -> Dict[str, Any]:
    """A ``gowasm_describe`` JSON document (version 1): ``functions`` (by
    export name) and ``skipped`` (Go functions without a binding: why).
    ValueError for anything else, however it is malformed."""
    try:
        doc = json.loads(data)
    except RecursionError:  # C's json refuses ~1,000 levels cleanly; a description has 5
        raise ValueError("its JSON is nested too deep") from None
    if not isinstance(doc, dict) or doc.get("version") != 1 or not isinstance(doc.get("functions"), dict):
        raise ValueError("not a version 1 gowasm description")
    skipped = doc.get("skipped")
    if skipped is not None and not (isinstance(skipped, dict) and all(isinstance(v, str) for v in skipped.values())):
        raise ValueError("its skipped is not an object of strings: %s" % _shown(skipped))
    return doc


def describe(module: Any, functions: Dict[str, ExportedFunction], data: bytes, warn: Callable[[str], None]) -> None:
    """Applies the description ``data`` (what ``gowasm_describe`` returned)
    to ``functions`` and ``module.skipped``: a malformed one is ignored
    with a warning, leaving the raw exports."""
    try:
        doc = parse(data)
    except ValueError as e:  # UnicodeDecodeError and json's errors are ValueErrors too
        warn("ignoring its gowasm_describe: %s" % e)
        return
    module.skipped.update(doc.get("skipped") or {})
    apply(module, functions, doc["functions"], warn)


def apply(module: Any, functions: Dict[str, ExportedFunction], described: Mapping[str, Any],
          warn: Callable[[str], None]) -> None:
    """Replaces each described raw export in ``functions`` by its typed
    function; a description that does not fit the export is ignored with a
    warning (the raw export stays)."""
    for fname, spec in described.items():
        if fname not in functions:
            warn("its description names %s, which it does not export (a gowasm.Export without a "
                 "//go:wasmexport %s?)" % (_shown(fname), _shown(fname)[1:-1]))
            continue
        try:
            _check(spec)
            functions[fname] = bind(functions[fname], spec)
        except (TypeError, KeyError, AttributeError, ValueError) as e:
            warn("ignoring the description of %s: %s" % (fname, e))


def _check(spec: Any) -> None:
    """ValueError unless ``spec`` has the shape :func:`bind` reads (keys it
    does not read are ignored: later versions of the guest package may add
    some). ``names`` are free-form: :func:`python_names` replaces bad ones."""
    if not isinstance(spec, dict):
        raise ValueError("not an object: %s" % _shown(spec))
    fields = [("params", spec, _TYPES), ("results", spec, _TYPES), ("frame", spec, _BOOL), ("variadic", spec, _BOOL),
              ("go", spec, _OBJECT)]
    go = spec.get("go")
    if go is not None:
        fields += [("go.params", go, _STRINGS), ("go.results", go, _STRINGS), ("go.declaration", go, _STRING),
                   ("go.doc", go, _STRING)]
    annotations = spec.get("annotations")
    fields.append(("annotations", spec, _OBJECT))
    if isinstance(annotations, dict):
        fields += [("annotations.params", annotations, _ANNOTATIONS), ("annotations.results", annotations, _ANNOTATIONS)]
    for key, where, (shape, fits) in fields:
        value = where.get(key.rpartition(".")[2])
        if value is not None and not fits(value):
            raise ValueError("%s is not %s: %s" % (key, shape, _shown(value)))


_Shape = Tuple[str, Callable[[Any], bool]]
_TYPES: _Shape = ("a list of types (%s)" % ", ".join(_PY),
                  lambda v: isinstance(v, list) and all(isinstance(t, str) and t in _PY for t in v))
_STRINGS: _Shape = ("a list of strings", lambda v: isinstance(v, list) and all(isinstance(t, str) for t in v))
_STRING: _Shape = ("a string", lambda v: isinstance(v, str))
_BOOL: _Shape = ("a bool", lambda v: isinstance(v, bool))
_OBJECT: _Shape = ("an object", lambda v: isinstance(v, dict))
# What an annotation of the description (guest.Annotations) can say: a
# type, or Optional[type].
_ANNOTATED = {"int": int, "float": float, "bool": bool, "str": str, "bytes": bytes, "Any": Any}


def _annotation(text: str) -> Any:
    inner = text[len("Optional["):-1] if text.startswith("Optional[") and text.endswith("]") else None
    return Optional[_ANNOTATED[inner]] if inner is not None else _ANNOTATED[text]


_ANNOTATIONS: _Shape = ("a list of annotations (%s, or Optional[one of them])" % ", ".join(_ANNOTATED),
                        lambda v: isinstance(v, list) and all(isinstance(t, str) and (
                            t in _ANNOTATED or (t.startswith("Optional[") and t[9:-1] in _ANNOTATED
                                                and t.endswith("]"))) for t in v))


def bind(raw: Any, spec: Mapping[str, Any]) -> ExportedFunction:
    """The Python function for raw export ``raw`` described by ``spec``."""
    params: List[str] = list(spec.get("params") or [])
    results: List[str] = list(spec.get("results") or [])
    framed = bool(spec.get("frame"))
    if not framed and len(results) > 1:
        raise ValueError("%d results without a frame" % len(results))
    go = spec.get("go")
    names = python_names(spec.get("names"), len(params))
    shown = None
    if go:  # messages show what Python sees (a framed function's bytes are not)
        shown = "%s(%s) -> %s" % (raw.name, ", ".join("%s: %s" % (n, _SHOWN[k]) for n, k in zip(names, params)),
                                  _shown_results(results))
    typed = make_typed(raw, params, "bytes" if framed else (results[0] if results else None), names=names,
                       signature=shown)
    if not go:
        return typed
    go_params = list(go.get("params") or [])
    go_results = [k for k in go.get("results") or [] if k != "error"]
    if len(go_params) != len(params) or len(go_results) != len(results):
        raise ValueError("its Go kinds do not match its parameters and results")
    checks = [(i, k) for i, k in enumerate(go_params) if k in _NARROW or k == "float32"]
    unsigned = not framed and len(go_results) == 1 and go_results[0] in _UNSIGNED64
    variadic = bool(spec.get("variadic"))
    if variadic and (not params or params[-1] not in ("json", "bytes")):
        raise ValueError("variadic, but its last parameter is not a list")
    fn: Any = typed
    if framed or checks or unsigned or variadic:
        # Bound, as every export is, so that it pickles as (module, name).
        fn = types.MethodType(_wrap(typed, raw.name, checks, _frames.result_maker(raw.name, len(results)) if framed
                                    else None, unsigned, params[-1] if variadic else None),
                              described_owner_of(raw.module))
    annotations = spec.get("annotations") or {}
    if annotations and (len(annotations.get("params") or []) != len(params)
                        or len(annotations.get("results") or []) != len(results)):
        raise ValueError("its annotations do not match its parameters and results")
    return _document(fn, typed, raw, go, results, "error" in (go.get("results") or []), variadic, annotations)


# The wrapper's own names start with _gowasm_, as bindgen's do: the
# parameters are the Go function's, and Go names such as frame, list or
# check would otherwise shadow them (a Go identifier may start with _, but
# bindgen reserves _gowasm). _gowasm_owner: what the function is bound to
# (see _func.DescribedOwner); *_gowasm_extra: too many arguments, said as
# Python would without the owner.
_WRAPPER = """
def make(_gowasm_typed, _gowasm_frame, _gowasm_check, _gowasm_MASK, _gowasm_too_many):
    _gowasm_type, _gowasm_int, _gowasm_list, _gowasm_bytes, _gowasm_len = type, int, list, bytes, len
    _gowasm_float = float
    def {name}({params}):
{checks}        return {call}
    return {name}
"""


def _wrap(typed: Any, name: str, checks: Sequence[Tuple[int, str]], frame: Optional[Callable[[bytes], Any]],
          unsigned: bool, variadic: Optional[str]) -> Callable[..., Any]:
    """A generated exact-arity function around ``typed``: range checks of
    narrow Go integers and float32 (a fast comparison, the slow path only on a miss),
    then the call, then the frame decoded or the uint64 reinterpreted. A Go
    ``...T`` parameter is Python's ``*args``, sent as one list (``bytes``
    for ``...byte``)."""
    import inspect

    names = list(inspect.signature(typed).parameters)
    params = list(names)
    args = list(names)
    if variadic is not None:
        params[-1] = "*" + names[-1]
        args[-1] = ("_gowasm_bytes(%s)" if variadic == "bytes" else "_gowasm_list(%s)") % names[-1]
    lines = []
    for i, kind in checks:
        p = names[i]
        if kind == "float32":
            lines.append("        if _gowasm_type(%s) is not _gowasm_float or not %r <= %s <= %r:\n"
                         "            %s = _gowasm_check(%d, %s)\n" % (p, -_FLOAT32_MAX, p, _FLOAT32_MAX, p, i, p))
            continue
        lo, hi = _NARROW[kind]
        lines.append("        if _gowasm_type(%s) is not _gowasm_int or not %d <= %s <= %d:\n"
                     "            %s = _gowasm_check(%d, %s)\n" % (p, lo, p, hi, p, i, p))
    call = "_gowasm_typed(%s)" % ", ".join(args)
    if frame is not None:
        call = "_gowasm_frame(%s)" % call
    elif unsigned:
        call = "%s & _gowasm_MASK" % call
    if variadic is None:
        lines.insert(0, "        if _gowasm_extra:\n            _gowasm_too_many(_gowasm_len(_gowasm_extra))\n")
    params = ["_gowasm_owner", "/"] + params + ([] if variadic else ["*_gowasm_extra"])
    source = _WRAPPER.format(name="call", params=", ".join(params), checks="".join(lines), call=call)
    namespace: Dict[str, Any] = {}
    exec(compile(source, "<gowasm binding %s>" % name, "exec"), namespace)
    kinds = dict(checks)

    def check(i: int, value: Any) -> Any:
        if kinds[i] == "float32":
            # Only the range: the typed call refuses what is no number.
            if isinstance(value, (int, float)) or (hasattr(value, "__float__") and not isinstance(value, (str, bytes))):
                f = float(value)
                if abs(f) >= _FLOAT32_INF and not math.isinf(f):
                    raise OverflowError("%s: argument %s=%r is out of range for Go's float32 (largest %r)" % (
                        name, names[i], value, _FLOAT32_MAX))
            return value
        if isinstance(value, float) or not hasattr(value, "__index__"):
            raise TypeError("%s: argument %s must be int, not %s" % (name, names[i], type(value).__name__))
        v = value.__index__()
        lo, hi = _NARROW[kinds[i]]
        if not lo <= v <= hi:
            raise OverflowError("%s: argument %s=%d is out of range for Go's %s (%d..%d)" % (
                name, names[i], v, kinds[i], lo, hi))
        return int(v)

    too_many = functools.partial(too_many_arguments, name, len(names))
    return namespace["make"](typed, frame, check, (1 << 64) - 1, too_many)  # type: ignore[no-any-return]


def _document(fn: Any, typed: Any, raw: Any, go: Mapping[str, Any], results: List[str], errors: bool,
              variadic: bool, annotations: Mapping[str, List[str]]) -> ExportedFunction:
    """help() shows the Go function: its signature with Python types, its Go
    declaration and doc comment, and what it raises."""
    bound, fn = fn, getattr(fn, "__func__", fn)  # a typed function is bound to its TypedOwner
    if fn is not typed and bound is not typed:
        for attr in ("name", "params", "raw", "module", "wasm_signature", "typed"):
            setattr(fn, attr, getattr(typed, attr))
        fn.results = tuple(results)
    import inspect

    sig = inspect.signature(typed)
    # The guest's annotations (a JSON value that is always a str, a
    # variadic parameter's elements) where it gave them, else the types'.
    shown = [_annotation(a) for a in annotations.get("results") or []] or [_PY[r] for r in results]
    if annotations:
        sig = sig.replace(parameters=[p.replace(annotation=_annotation(a))
                                      for p, a in zip(sig.parameters.values(), annotations["params"])])
    if variadic:
        last = list(sig.parameters.values())[-1]
        sig = sig.replace(parameters=list(sig.parameters.values())[:-1] + [
            last.replace(kind=inspect.Parameter.VAR_POSITIONAL, annotation=last.annotation if annotations else Any)])
    if len(results) > 1:
        ret: Any = Tuple[tuple(shown)]
    else:
        ret = shown[0] if results else None
    sig = sig.replace(return_annotation=ret)
    # A bound function's own signature has the owner first (inspect drops it).
    fn.__signature__ = sig if bound is fn else sig.replace(
        parameters=[inspect.Parameter("_gowasm_owner", inspect.Parameter.POSITIONAL_ONLY)] + list(sig.parameters.values()))
    fn.__name__ = raw.name
    fn.__qualname__ = "%s%s" % (raw.name, _plain(sig))
    fn.__module__ = "gowasm"
    if fn is not typed and bound is not typed:
        fn.call = call_method(bound, raw.module, fn.__qualname__)
        fn.acall = acall_of(fn.call, fn.__qualname__)
        fn.map = _map_method(bound, fn.__qualname__, len(sig.parameters), variadic)
    doc = ["Go: " + go.get("declaration", "func " + raw.name)]
    if go.get("doc"):
        doc += ["", go["doc"].strip()]
    if errors:
        doc += ["", "Raises gowasm.GoError when the Go function returns a non-nil error."]
    doc += ["", "(wasm export %s of %s)" % (raw.wasm_signature, raw.module.name)]
    fn.__doc__ = "\n".join(doc)
    return cast(ExportedFunction, bound)


def _map_method(fn: Any, signature: str, n: int, variadic: bool) -> Callable[..., Any]:
    """The ``map`` of a wrapped binding: one call per element (a variadic
    parameter's elements are its lists of values)."""
    each = fn
    if variadic:
        def each(*args: Any) -> Any:
            return fn(*args[:-1], *args[-1])

        each.results = fn.results  # type: ignore[attr-defined]

    def map(*iterables: Any, timeout: Optional[float] = None) -> Any:
        """Calls the function once per element of the iterables (one per
        parameter, equal lengths): ``[f(x) for x in xs]``; an error names
        the element. ``timeout``: seconds for the whole batch (``None``:
        the module's, for each element; ``0``: none), as :meth:`call`
        takes it."""
        if timeout is not None:
            return _native.call_with_timeout(fn.module, check_timeout(timeout), map, *iterables)
        if not n:
            raise TypeError("%s.map: a function without parameters has nothing to map over" % signature)
        if len(iterables) != n:
            raise TypeError("%s.map takes %d iterable%s, one per parameter (%d given)"
                            % (signature, n, "" if n == 1 else "s", len(iterables)))
        return python_map(each, signature, iterables)

    map.__qualname__ = signature + ".map"
    return map


def _plain(sig: "inspect.Signature") -> str:
    """``(x: int, y: int) -> int``, with typing's names shortened."""
    return str(sig).replace("typing.", "")
