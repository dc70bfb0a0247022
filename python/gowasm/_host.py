"""Host functions: Python callables that guest code calls through imports.

``Module(path, imports={"env": {"log": log, "now": now}})``. The native
library calls ``gwpy_host_call(id, module, stack, sig)``; this module finds
the callable by id, converts the wasm values on ``stack`` by the import's
signature ``sig``, calls it and writes its results back.

- Types come from the import's signature: i32/i64 are ints (signed), f32/f64
  floats. Annotations refine them: ``bool``, and ``str``/``bytes`` for a
  (ptr, len) pair of i32s read from the caller's memory
  (``def log(msg: str)`` for an import ``log(i32, i32)``); they are checked
  against the import when the module loads.
- A function whose first parameter is annotated :class:`Caller` (or named
  ``caller``) gets the calling module: its memory, to read what the guest
  passes.
- An exception raised by the function aborts the guest call, which raises
  that same exception (with the wasm frames in a note). The module is then
  unusable, as after a trap: the guest was stopped midway.
- The function may call the module's exports again (re-entrancy).
"""

import functools
import itertools
import operator
import threading
import weakref
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from . import _native
from ._caller import Caller
from ._errors import LinkError, ModuleClosedError
from ._values import f32_bits, f32_from_bits, f64_bits, f64_from_bits

_ids = itertools.count(1)
_registry: Dict[int, "weakref.ref[HostFunction]"] = {}
_invokers: Dict[int, Callable[[Any, int, int], int]] = {}  # id -> trampoline
_lock = threading.RLock()  # a GC finalizer may release while we register
_pending = _native.pending  # the trampolines set it inline: see _native.keep_pending
# fid -> (weakref to the HostFunction, encode) for the plain numeric ones,
# which the library's C callback calls itself (python/ffi/gowasm_cffi.c: gwpy_host_call_c).
_fast_hosts: Dict[int, Tuple[Any, Callable[[Any], int]]] = {}

_MASK64 = (1 << 64) - 1


class HostFunction:
    """A registered callable and, once its import's signature is known, the
    trampoline that calls it: ``invoke(stack, module_handle)``."""

    def __init__(self, module: str, name: str, fn: Callable[..., Any], owner: Any) -> None:
        if not callable(fn):
            raise TypeError("imports[%r][%r] must be callable, not %s" % (module, name, type(fn).__name__))
        self.module, self.name, self.fn = module, name, fn
        self.owner = weakref.ref(owner)  # the registry must not keep modules alive
        self.wants_caller, self.annotations, self.returns = _inspect_callable(fn)
        self.invoke: Optional[Callable[[Any, int, int], int]] = None
        self.encode_result: Callable[[Any], int] = int
        self.sig = ""

    def prepare(self, sig: str) -> Callable[[Any, int, int], int]:
        """Builds the trampoline for the import's signature (first call)."""
        if self.invoke is None or sig != self.sig:
            params, results = _parse_sig(sig)
            self.invoke = _trampoline(self, params, results)
            self.encode_result = _result_encoder(self, results)
            self.sig = sig
        return self.invoke

    def lazy_invoke(self, fid: int) -> Callable[[Any, int, int], int]:
        """The trampoline until the first call tells the signature."""
        ref = weakref.ref(self)

        def invoke(stack: Any, module: int, sig: int) -> int:
            try:
                hf = ref()
                if hf is None:
                    raise ModuleClosedError("gowasm: the module of this host function is gone")
                real = hf.prepare(decode_sig(sig))
            except BaseException as e:
                _native.keep_pending(e)
                return 1
            _publish(fid, hf)
            return real(stack, module, sig)

        return invoke

    def check(self, params: Sequence[str], results: Sequence[str]) -> None:
        """Raises LinkError if the annotations cannot match the import."""
        self.prepare("%s:%s" % (",".join(params), ",".join(results)))


_EMPTY = None  # an unannotated parameter, when none is annotated


def _inspect_callable(fn: Callable[..., Any]) -> Tuple[bool, List[Any], Any]:
    import inspect  # here, not at import gowasm (costly: RATIONALE.md)

    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):  # builtins without a signature
        return False, [], inspect.Signature.empty
    params = list(sig.parameters.values())
    wants_caller = bool(params) and (params[0].annotation is Caller or params[0].name == "caller")
    if wants_caller:
        params = params[1:]
    annotations = [p.annotation for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return wants_caller, annotations, sig.return_annotation


_SIG_TYPES = ("i32", "i64", "f32", "f64")


def decode_sig(code: int) -> str:
    """The signature the native library packs into an integer for every
    host call (gowasm.h: gowasm_host_call_fn), as "i32,i64:f64"."""
    n_params, n_results = code & 31, (code >> 5) & 31
    types = [_SIG_TYPES[(code >> (10 + 2 * i)) & 3] for i in range(n_params + n_results)]
    return "%s:%s" % (",".join(types[:n_params]), ",".join(types[n_params:]))


def _parse_sig(sig: str) -> Tuple[List[str], List[str]]:
    params, _, results = sig.partition(":")
    return [p for p in params.split(",") if p], [r for r in results.split(",") if r]


# Trampolines are generated per signature: a host call must cost well under
# a microsecond, and a generic loop over the parameters costs more than the
# call itself. Values arrive as raw wasm bits: i32 in the low 32 bits.
_DECODE = {
    "i32": "(((%s) & 0xFFFFFFFF) ^ 0x80000000) - 0x80000000",
    "i64": "((%s) ^ 0x8000000000000000) - 0x8000000000000000",
    "f32": "_f32(%s)",
    "f64": "_f64(%s)",
    "bool": "((%s) & 0xFFFFFFFF) != 0",
}
# An integer result's range (signed or unsigned) and mask, by wasm type.
_INT_RESULTS = {"i32": (-(1 << 31), (1 << 32) - 1), "i64": (-(1 << 63), (1 << 64) - 1)}
_ENCODE = {  # out of range raises OverflowError, as calls into the guest do
    **{k: "((%%s) & %#x if %d <= (%%s) <= %#x else _range(%%s, %r))" % (hi, lo, hi, k)
       for k, (lo, hi) in _INT_RESULTS.items()},
    "f32": "_bits32(%s)",
    "f64": "_bits64(%s)",
}


def _trampoline(hf: HostFunction, params: List[str], results: List[str]) -> Callable[[Any, int, int], int]:
    """Source for ``invoke(stack, module, sig) -> status``: reads the params
    off the stack (str/bytes annotations read (ptr, len) from the caller's
    memory), calls the function and writes its results back."""
    for t in params + results:
        if t not in _DECODE:
            raise LinkError("imports[%r][%r]: gowasm cannot pass %s values to Python host functions yet"
                            % (hf.module, hf.name, t))
    if hf.returns in (str, bytes):
        raise _mismatch(hf, results, "returning %s is not supported (write to caller.memory instead)"
                        % hf.returns.__name__, what="results")
    args: List[str] = []
    i = 0
    for annotation in hf.annotations or [_EMPTY] * len(params):
        if annotation in (str, bytes):
            if params[i:i + 2] != ["i32", "i32"]:
                raise _mismatch(hf, params, "a %s parameter needs two i32s (ptr, len)" % annotation.__name__)
            read = "read_string" if annotation is str else "read_bytes"
            args.append("_caller(module).%s(v[%d] & 0xFFFFFFFF, v[%d] & 0xFFFFFFFF)" % (read, i, i + 1))
            i += 2
        elif i < len(params):
            args.append(_DECODE["bool" if annotation is bool else params[i]] % ("v[%d]" % i))
            i += 1
        else:
            raise _mismatch(hf, params, "it takes more parameters than the import passes")
    if i != len(params):
        hint = ""
        if params.count("i32") >= 2:
            hint = " (to receive a (ptr, len) pair as one str or bytes argument, annotate it: def %s(msg: str))" % hf.name
        raise _mismatch(hf, params, "it takes fewer parameters than the import passes" + hint)
    if hf.wants_caller:
        args.insert(0, "_caller(module)")
    body: List[str] = []
    if len(params) > 2:  # one C call beats several cdata reads
        body.append("v = _unpack(stack, %d)" % len(params))
    elif params:
        body.append("v = stack")
    body.append("hf = _hf()")  # weak: the registry must not keep modules alive
    body.append("r = (hf.fn if hf is not None else _gone)(%s)" % ", ".join(args))
    if not results:
        body += ["if r is not None:", "    _bad_result(r)"]
    elif len(results) == 1:
        body += ["try:", "    stack[0] = %s" % _encode_expr(results[0], "r"), "except TypeError:",
                 "    stack[0] = _slow(%r, r, r)" % results[0]]
    else:
        body += ["if not isinstance(r, tuple) or len(r) != %d:" % len(results), "    _bad_result(r)", "try:"]
        body += ["    stack[%d] = %s" % (j, _encode_expr(t, "r[%d]" % j)) for j, t in enumerate(results)]
        body += ["except TypeError:"]
        body += ["    stack[%d] = _slow(%r, r[%d], r)" % (j, t, j) for j, t in enumerate(results)]
    # The trampoline is what the C callback calls: it returns the status
    # and keeps an exception for the guest call to re-raise.
    lines = ["def invoke(stack, module, sig):", "    try:"]
    lines += ["        " + line for line in body]
    # Kept with a plain attribute store, not a call: at the recursion limit a
    # call would raise again and lose e (a RecursionError).
    lines += ["    except BaseException as e:", "        _pending.exception = e", "        return 1", "    return 0"]

    # Nothing here may hold hf (or its function) strongly: this trampoline is
    # in a global table, and the function may refer to its module.
    what = "%s.%s" % (hf.module, hf.name)
    hf_ref = weakref.ref(hf)

    def bad_result(r: Any) -> None:
        want = ", ".join(results) if results else "None (the import has no results)"
        raise TypeError("%s must return %s, not %r" % (what, want, r))

    def out_of_range(value: Any, kind: str) -> None:
        raise OverflowError("%s returned %r, out of range for %s" % (what, value, kind))

    def caller(module: int) -> Caller:
        h = hf_ref()
        return Caller(module, h.owner() if h is not None else None)

    namespace = {
        "_hf": hf_ref, "_gone": _gone, "_unpack": _ffi.unpack, "_f32": f32_from_bits, "_f64": f64_from_bits, "_bits32": _bits32, "_bits64": _bits64,
        "_bad_result": bad_result, "_range": out_of_range, "_caller": caller, "_pending": _pending,
        "_slow": functools.partial(_encode_slowly, bad_result, out_of_range),
    }
    exec(compile("\n".join(lines), "<gowasm host function %s>" % what, "exec"), namespace)
    return namespace["invoke"]  # type: ignore[no-any-return]


def _result_encoder(hf: HostFunction, results: List[str]) -> Callable[[Any], int]:
    """encode(r): the raw value of a function's result, or the Python path's
    exception (for the C callback, when it cannot convert r itself)."""
    what = "%s.%s" % (hf.module, hf.name)

    def bad_result(r: Any) -> None:
        want = ", ".join(results) if results else "None (the import has no results)"
        raise TypeError("%s must return %s, not %r" % (what, want, r))

    def out_of_range(value: Any, kind: str) -> None:
        raise OverflowError("%s returned %r, out of range for %s" % (what, value, kind))

    if not results:
        body = ["def encode(r):", "    if r is not None:", "        _bad_result(r)", "    return 0"]
    else:
        body = ["def encode(r):", "    try:", "        return %s" % _encode_expr(results[0], "r"),
                "    except TypeError:", "        return _slow(%r, r, r)" % results[0]]
    namespace: Dict[str, Any] = {"_bits32": _bits32, "_bits64": _bits64, "_bad_result": bad_result,
                                 "_range": out_of_range,
                                 "_slow": functools.partial(_encode_slowly, bad_result, out_of_range)}
    exec(compile("\n".join(body), "<gowasm host result %s>" % what, "exec"), namespace)
    encode: Callable[[Any], int] = namespace["encode"]
    return encode


def _encode_slowly(bad_result: Callable[[Any], Any], out_of_range: Callable[[Any, str], Any], kind: str,
                   value: Any, r: Any) -> int:
    """The raw value of ``value`` (the result ``r``, or one of its values)
    that the fast expression refused: an object with ``__index__`` is an
    integer, as Python's own integer parameters take it, and whatever its
    ``__index__`` raises propagates (SystemExit, KeyboardInterrupt...);
    anything else is ``bad_result(r)``'s TypeError."""
    if kind in ("i32", "i64") and not isinstance(value, (int, float)) and hasattr(type(value), "__index__"):
        index = operator.index(value)
        lo, hi = _INT_RESULTS[kind]
        if not lo <= index <= hi:
            out_of_range(index, kind)
        return index & hi
    bad_result(r)
    raise AssertionError("unreachable: bad_result raises")


def _encode_expr(kind: str, value: str) -> str:
    template = _ENCODE[kind]
    return template % ((value,) * template.count("%s"))


def _gone(*args: Any) -> Any:
    raise ModuleClosedError("gowasm: the module of this host function is gone")


def _float(value: Any) -> float:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__float__"):
        raise TypeError("not a number")
    return float(value)


def _bits32(value: Any) -> int:
    return f32_bits(_float(value))


def _bits64(value: Any) -> int:
    return f64_bits(_float(value))


_ffi: Any = None


def _mismatch(hf: HostFunction, types: Sequence[str], why: str, what: str = "params") -> LinkError:
    return LinkError("imports[%r][%r]: the Python function's annotations do not fit the import's %s (%s): %s"
                     % (hf.module, hf.name, what, ", ".join(types) or "none", why))


def register(imports: Optional[Mapping[str, Mapping[str, Callable[..., Any]]]],
             owner: Any) -> Tuple[List[HostFunction], List[Dict[str, Any]]]:
    """Registers the host functions of a Module. Returns them (the caller
    keeps them alive: the registry only holds weak references) and their
    configuration. Nothing stays registered if one is invalid."""
    functions: List[HostFunction] = []
    if imports is not None and not isinstance(imports, Mapping):
        raise TypeError("imports must be a mapping of module name -> {name: callable}, not %s" % type(imports).__name__)
    for module, names in (imports or {}).items():
        if not isinstance(module, str):
            raise TypeError("imports: a module name must be str, not %s" % type(module).__name__)
        if not isinstance(names, Mapping):
            raise TypeError("imports[%r] must be a dict of name -> callable, not %s" % (module, type(names).__name__))
        for name in names:
            if not isinstance(name, str):
                raise TypeError("imports[%r]: a function name must be str, not %s" % (module, type(name).__name__))
        functions += [HostFunction(module, name, fn, owner) for name, fn in names.items()]
    config = []
    with _lock:
        for hf in functions:
            fid = next(_ids)
            _registry[fid] = weakref.ref(hf)
            _invokers[fid] = hf.lazy_invoke(fid)
            config.append({"module": hf.module, "name": hf.name, "id": fid})
    return functions, config


def release(ids: Sequence[int]) -> None:
    with _lock:
        for fid in ids:
            _registry.pop(fid, None)
            _invokers.pop(fid, None)
            _fast_hosts.pop(fid, None)


def _publish(fid: int, hf: HostFunction) -> None:
    """Installs hf's trampoline for fid, and hands a plain numeric function
    (no Caller, no str/bytes/bool annotations, at most one result) to the C
    callback, which calls it with no Python frame of ours."""
    _invokers[fid] = hf.invoke  # type: ignore[assignment]
    _, results = _parse_sig(hf.sig)
    plain = (not hf.wants_caller and len(results) <= 1
             and not any(a in (str, bytes, bool) for a in hf.annotations or ()))
    if plain and fid in _registry:
        _fast_hosts[fid] = (weakref.ref(hf), hf.encode_result)


def check_imports(ids: Sequence[int], imports: Sequence[Any]) -> None:
    """Checks each registered function's annotations against its import."""
    by_name = {(i.module, i.name): i for i in imports}
    for fid in ids:
        ref = _registry.get(fid)
        hf = ref() if ref is not None else None
        if hf is not None and hf.invoke is None:
            imp = by_name.get((hf.module, hf.name))
            if imp is not None:
                hf.check(imp.params, imp.results)
        if hf is not None and hf.invoke is not None:
            _publish(fid, hf)


def install(ffi: Any, lib: Any, callbacks: Any) -> None:
    """Registers the host call callback with cffi and in callbacks (once, at
    library load): the C one (gwpy_host_call_c) where the fast-call module
    is built, which calls plain numeric functions (_publish) itself."""

    global _ffi
    _ffi = ffi

    invokers = _invokers

    # One frame: the trampolines catch their own exceptions (see _trampoline).
    # What escapes them (a RecursionError raised calling one) goes to
    # _on_error; if even that cannot run, cffi returns `error`, which tells
    # the native library that nothing was kept (raise_error then raises a
    # RecursionError of its own).
    @ffi.def_extern(onerror=_on_error, error=lib.GOWASM_HOST_NOT_RUN)  # type: ignore[untyped-decorator]
    def gwpy_host_call(fid: int, module: int, stack: Any, sig: Any) -> int:
        return invokers[fid](stack, module, sig)

    callbacks.host_call = lib.gwpy_host_call
    fast = _native.fastcall
    if fast is not None and hasattr(fast, "set_host_table") and hasattr(lib, "gwpy_host_call_c"):
        fast.set_host_table(_fast_hosts, _native.keep_pending)
        callbacks.host_call = ffi.addressof(lib, "gwpy_host_call_c")
        # Ctrl-C during a guest call runs the program's own SIGINT handler
        # (it keeps a handler's exception through the table's keep_pending).
        callbacks.signals = ffi.addressof(lib, "gwpy_signals")


def _on_error(exc_type: Any, exc: Any, tb: Any) -> int:
    _pending.exception = exc  # no call: see _trampoline
    return 1


_native.on_load(install)
