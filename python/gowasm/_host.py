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

import inspect
import itertools
import struct
import threading
import weakref
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from ._errors import LinkError

_ids = itertools.count(1)
_registry: Dict[int, "HostFunction"] = {}
_lock = threading.Lock()
_pending = threading.local()

_MASK64 = (1 << 64) - 1


class Caller:
    """The module that called a host function (ask for it by annotating the
    first parameter ``caller: gowasm.Caller``). Valid during the call."""

    def __init__(self, handle: int, owner: Any) -> None:
        self._handle = handle
        self._owner = owner
        self.name: str = getattr(owner, "name", "<module>")

    @property
    def memory(self) -> Any:
        """The calling module's memory (a :class:`gowasm.Memory`)."""
        from ._memory import open_memory

        return open_memory(self)

    @property
    def module(self) -> Any:
        """The calling :class:`gowasm.Module` (None while it initialises)."""
        owner = self._owner
        return owner if owner is not None and getattr(owner, "_handle", None) == self._handle else None

    def read_bytes(self, ptr: int, size: int) -> bytes:
        return self._read(ptr, size)

    def read_string(self, ptr: int, size: int, encoding: str = "utf-8") -> str:
        return self._read(ptr, size).decode(encoding)

    def write(self, ptr: int, data: Any) -> None:
        from ._memory import CopiedMemory

        CopiedMemory(self).write(ptr, data)

    def _read(self, ptr: int, size: int) -> bytes:
        from ._memory import CopiedMemory

        return CopiedMemory(self).read(ptr, size)

    def _memory_map(self) -> Any:
        owner = self._owner
        if owner is not None and getattr(owner, "_handle", None) == self._handle:
            return owner._memory_map()
        from ._memory import map_reservation

        if not hasattr(self, "_map"):
            self._map = map_reservation(self)
        return self._map


class HostFunction:
    """A registered callable, with what the first call learns of its import."""

    def __init__(self, module: str, name: str, fn: Callable[..., Any], owner: Any) -> None:
        if not callable(fn):
            raise TypeError("imports[%r][%r] must be callable, not %s" % (module, name, type(fn).__name__))
        self.module, self.name, self.fn = module, name, fn
        self.owner = weakref.ref(owner)  # the registry must not keep modules alive
        self.wants_caller, self.annotations, self.returns = _inspect_callable(fn)
        self.convert: Optional[Callable[[Any, Any, Caller], Tuple[Any, ...]]] = None
        self.encode: Optional[Callable[[Any, Any], None]] = None
        self.sig = ""

    def prepare(self, sig: str) -> None:
        """Builds the converters for the import's signature (first call)."""
        params, results = _parse_sig(sig)
        self.sig = sig
        self.convert = _param_converter(self, params)
        self.encode = _result_encoder(self, results)

    def check(self, params: Sequence[str], results: Sequence[str]) -> None:
        """Raises LinkError if the annotations cannot match the import."""
        self.prepare("%s:%s" % (",".join(params), ",".join(results)))


def _inspect_callable(fn: Callable[..., Any]) -> Tuple[bool, List[Any], Any]:
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


def _parse_sig(sig: str) -> Tuple[List[str], List[str]]:
    params, _, results = sig.partition(":")
    return [p for p in params.split(",") if p], [r for r in results.split(",") if r]


def _decode(kind: str, raw: int) -> Any:
    if kind == "i32":
        raw &= 0xFFFFFFFF
        return raw - (1 << 32) if raw >= 1 << 31 else raw
    if kind == "i64":
        return raw - (1 << 64) if raw >= 1 << 63 else raw
    if kind == "f32":
        return struct.unpack("<f", struct.pack("<I", raw & 0xFFFFFFFF))[0]
    if kind == "f64":
        return struct.unpack("<d", struct.pack("<Q", raw))[0]
    raise LinkError("gowasm cannot pass %s values to Python host functions yet" % kind)


def _encode(kind: str, value: Any) -> int:
    if kind in ("i32", "i64"):
        if isinstance(value, float) or not hasattr(value, "__index__"):
            raise TypeError("must return an int for %s, not %s" % (kind, type(value).__name__))
        return int(value) & (0xFFFFFFFF if kind == "i32" else _MASK64)
    if kind == "f32":
        return struct.unpack("<I", struct.pack("<f", float(value)))[0]
    if kind == "f64":
        return struct.unpack("<Q", struct.pack("<d", float(value)))[0]
    raise LinkError("gowasm cannot return %s values from Python host functions yet" % kind)


def _param_converter(hf: HostFunction, params: List[str]) -> Callable[[Any, Any, Caller], Tuple[Any, ...]]:
    """Maps wasm params to Python arguments by the annotations: a str or
    bytes annotation takes an (i32 ptr, i32 len) pair from memory."""
    plan: List[Tuple[str, int]] = []  # (how, stack index)
    i = 0
    for annotation in hf.annotations or [inspect.Parameter.empty] * len(params):
        if annotation in (str, bytes):
            if params[i:i + 2] != ["i32", "i32"]:
                raise _mismatch(hf, params, "a %s parameter needs two i32s (ptr, len)" % annotation.__name__)
            plan.append((annotation.__name__, i))
            i += 2
        elif i < len(params):
            plan.append(("bool" if annotation is bool else params[i], i))
            i += 1
        else:
            raise _mismatch(hf, params, "it takes more parameters than the import passes")
    if i != len(params):
        raise _mismatch(hf, params, "it takes fewer parameters than the import passes")

    def convert(stack: Any, caller_handle: Any, caller: Caller) -> Tuple[Any, ...]:
        args = []
        for how, idx in plan:
            if how == "str":
                args.append(caller.read_string(stack[idx] & 0xFFFFFFFF, stack[idx + 1] & 0xFFFFFFFF))
            elif how == "bytes":
                args.append(caller.read_bytes(stack[idx] & 0xFFFFFFFF, stack[idx + 1] & 0xFFFFFFFF))
            elif how == "bool":
                args.append(stack[idx] & 0xFFFFFFFF != 0)
            else:
                args.append(_decode(how, stack[idx]))
        return tuple(args)

    return convert


def _result_encoder(hf: HostFunction, results: List[str]) -> Callable[[Any, Any], None]:
    if hf.returns in (str, bytes):
        raise _mismatch(hf, results, "returning %s is not supported (write to caller.memory instead)" % hf.returns.__name__,
                        what="results")

    def encode(value: Any, stack: Any) -> None:
        if not results:
            if value is not None:
                raise TypeError("%s.%s must return None (the import has no results), not %s"
                                % (hf.module, hf.name, type(value).__name__))
            return
        values = value if len(results) > 1 else (value,)
        if not isinstance(values, tuple) or len(values) != len(results):
            raise TypeError("%s.%s must return %d values (%s)" % (hf.module, hf.name, len(results), ", ".join(results)))
        for i, (kind, v) in enumerate(zip(results, values)):
            try:
                stack[i] = _encode(kind, v)
            except TypeError as e:
                raise TypeError("%s.%s %s" % (hf.module, hf.name, e)) from None

    return encode


def _mismatch(hf: HostFunction, types: Sequence[str], why: str, what: str = "params") -> LinkError:
    return LinkError("imports[%r][%r]: the Python function's annotations do not fit the import's %s (%s): %s"
                     % (hf.module, hf.name, what, ", ".join(types) or "none", why))


def register(imports: Optional[Mapping[str, Mapping[str, Callable[..., Any]]]], owner: Any) -> List[Dict[str, Any]]:
    """Registers the host functions of a Module; returns their configuration."""
    config = []
    for module, names in (imports or {}).items():
        if not isinstance(names, Mapping):
            raise TypeError("imports[%r] must be a dict of name -> callable, not %s" % (module, type(names).__name__))
        for name, fn in names.items():
            hf = HostFunction(module, name, fn, owner)
            with _lock:
                fid = next(_ids)
                _registry[fid] = hf
            config.append({"module": module, "name": name, "id": fid})
    return config


def release(ids: Sequence[int]) -> None:
    with _lock:
        for fid in ids:
            _registry.pop(fid, None)


def check_imports(ids: Sequence[int], imports: Sequence[Any]) -> None:
    """Checks each registered function's annotations against its import."""
    by_name = {(i.module, i.name): i for i in imports}
    for fid in ids:
        hf = _registry.get(fid)
        if hf is not None and hf.convert is None:
            imp = by_name.get((hf.module, hf.name))
            if imp is not None:
                hf.check(imp.params, imp.results)


def take_pending() -> Optional[BaseException]:
    """The exception a host function raised on this thread, if any."""
    stack = getattr(_pending, "exceptions", None)
    return stack.pop() if stack else None


def install(ffi: Any, lib: Any) -> None:
    """Registers the host call callback with cffi (once, at library load)."""

    @ffi.def_extern(onerror=_on_error)
    def gwpy_host_call(fid, module, stack, sig):
        try:
            hf = _registry[fid]
            if hf.convert is None:
                hf.prepare(ffi.string(sig).decode())
            caller = Caller(module, hf.owner())
            args = hf.convert(stack, module, caller)
            value = hf.fn(caller, *args) if hf.wants_caller else hf.fn(*args)
            hf.encode(value, stack)
            return 0
        except BaseException as e:  # noqa: B902 - re-raised when the guest call returns
            if not hasattr(_pending, "exceptions"):
                _pending.exceptions = []
            _pending.exceptions.append(e)
            return 1


def _on_error(exc_type: Any, exc: Any, tb: Any) -> int:
    return 1
