"""Pickling modules and their exports, and tokens for Dask.

A :class:`~gowasm.Module` pickles as its code and its configuration, not
its state: the module's bytes (read again from its file, checked against
the hash taken when it loaded) and the keyword arguments it was made with.
Host functions pickle by reference (importable, module-level functions);
anything else that cannot cross to another process (a lambda, an open file
as ``stdout``) raises :class:`pickle.PicklingError` naming it. An export
pickles as (module, name) (see ``_func.ExportOwner``).

Unpickling makes a fresh instance, compiled from the disk cache when this
machine has compiled the module before (~35 ms for a 2 MB Go module instead
of ~0.6 s), and shares it: within one process, unpickling the same module
(same bytes, same configuration) again returns the same live instance, so
a pool worker or Dask worker loads each module once, not once per task.
"""

import hashlib
import os
import pickle
import sys
import threading
import weakref
from collections import OrderedDict
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

#: How many unpickled modules a process keeps alive after their last user
#: lets go (a pool's next task usually wants the same one again).
KEEP = 8

_lock = threading.Lock()
_live: "weakref.WeakValueDictionary[Tuple[str, str], Any]" = weakref.WeakValueDictionary()
_recent: "OrderedDict[Tuple[str, str], Any]" = OrderedDict()


class Origin:
    """Where a module's bytes came from: a file (re-read when pickled) or
    bytes given (kept); and their SHA-256."""

    __slots__ = ("path", "data", "sha256")

    def __init__(self, path: Optional[str], data: Optional[bytes], sha256: str) -> None:
        self.path, self.data, self.sha256 = path, data, sha256

    @classmethod
    def of(cls, source: Any, wasm: bytes) -> "Origin":
        digest = hashlib.sha256(wasm).hexdigest()
        if isinstance(source, (str, os.PathLike)):
            return cls(os.path.abspath(os.fspath(source)), None, digest)
        return cls(None, wasm, digest)

    def read(self, name: str) -> bytes:
        """The module's bytes, as they were when it loaded."""
        if self.data is not None:
            return self.data
        assert self.path is not None
        try:
            with open(self.path, "rb") as f:
                data = f.read()
        except OSError as e:
            raise pickle.PicklingError("cannot pickle gowasm.Module %s: its file %s cannot be read again (%s)"
                                       % (name, self.path, e)) from e
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise pickle.PicklingError("cannot pickle gowasm.Module %s: its file %s changed since it was loaded; "
                                       "load it again" % (name, self.path))
        return data


def _importable(fn: Any) -> bool:
    """Whether pickle can save ``fn`` by reference (module + qualified name)."""
    module = sys.modules.get(getattr(fn, "__module__", None) or "")
    qualname = getattr(fn, "__qualname__", None)
    if module is None or not isinstance(qualname, str) or "<" in qualname:
        return False
    obj: Any = module
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    return obj is fn


def check_picklable(name: str, options: Mapping[str, Any]) -> None:
    """Raises PicklingError naming the first option that cannot be pickled."""
    for stream in ("stdin", "stdout", "stderr"):
        value = options.get(stream)
        if value is not None and not isinstance(value, int):
            raise pickle.PicklingError(
                "cannot pickle gowasm.Module %s: its %s=%r is a stream of this process; pickle a module made "
                "with %s=None (Python's sys.%s where it is unpickled) or subprocess.DEVNULL"
                % (name, stream, value, stream, stream))
    for module, functions in (options.get("imports") or {}).items():
        for field, fn in functions.items():
            if not _importable(fn):
                raise pickle.PicklingError(
                    "cannot pickle gowasm.Module %s: its host function %s.%s (%r) is not an importable "
                    "module-level function, so another process cannot find it; define it at the top level "
                    "of a module" % (name, module, field, fn))


def reduce_module(module: Any) -> Tuple[Callable[..., Any], Tuple[Any, ...]]:
    """``Module.__reduce__``: (bytes, options) for :func:`load`."""
    options: Dict[str, Any] = module._options
    check_picklable(module.name, options)
    return (load, (module._origin.read(module.name), module._origin.sha256, options))


def _options_key(options: Mapping[str, Any]) -> str:
    return repr(sorted((k, repr(v)) for k, v in options.items()))


def load(wasm: bytes, sha256: str, options: Dict[str, Any]) -> Any:
    """Unpickles a module: this process's live instance of the same bytes
    and options, or a new one."""
    from ._module import Module

    key = (sha256, _options_key(options))
    with _lock:
        module = _live.get(key)
    if module is None or module.closed:
        module = Module(wasm, **options)
        with _lock:
            _live[key] = module
    with _lock:
        _recent[key] = module
        _recent.move_to_end(key)
        while len(_recent) > KEEP:
            _recent.popitem(last=False)
    return module


def token(module: Any) -> Tuple[Any, ...]:
    """A deterministic token for Dask: the bytes' hash and the options."""
    options = dict(module._options)
    for stream in ("stdin", "stdout", "stderr"):
        if options.get(stream) is not None and not isinstance(options[stream], int):
            options[stream] = "%s@%x" % (type(options[stream]).__name__, id(options[stream]))
    imports = options.pop("imports", None) or {}
    refs = sorted((m, f, "%s.%s" % (getattr(fn, "__module__", "?"), getattr(fn, "__qualname__", "?")))
                  for m, functions in imports.items() for f, fn in functions.items())
    return ("gowasm.Module", module._origin.sha256, _options_key(options), tuple(refs))
