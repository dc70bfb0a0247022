"""Pickling modules and their exports, and tokens for Dask.

A :class:`~gowasm.Module` pickles as its code and its configuration, not
its state: a module loaded from a file as its path and the SHA-256 of the
bytes it loaded (hashed as it loads; the file is checked against it when
pickled and when unpickled), one loaded from bytes as its bytes and their
SHA-256 (checked when unpickled); and the keyword arguments it was made
with.
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

import os
import sys
import threading
import weakref
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Callable, Dict, Mapping, Optional, Tuple

from ._errors import code_name

if TYPE_CHECKING:
    import pickle

def _sha256(data: bytes) -> Any:
    import hashlib  # when first needed, not at ``import gowasm``

    return hashlib.sha256(data)


#: How many unpickled modules a process keeps alive after their last user
#: lets go (a pool's next task usually wants the same one again).
KEEP = 8

_lock = threading.Lock()
_live: "weakref.WeakValueDictionary[Tuple[str, str], Any]" = weakref.WeakValueDictionary()
_recent: "OrderedDict[Tuple[str, str], Any]" = OrderedDict()


class Origin:
    """Where a module's bytes came from, a file (its path and ``os.stat``
    when loaded) or bytes given (kept), and their SHA-256 as they loaded
    (the native library's, which it takes anyway): a pickle names the bytes
    that loaded, never what a file holds when it is pickled."""

    __slots__ = ("path", "data", "stat", "_sha256")

    def __init__(self, path: Optional[str], data: Optional[bytes], sha256: str) -> None:
        self.path, self.data, self._sha256 = path, data, sha256
        self.stat = _stat(path) if path is not None else None

    @classmethod
    def of(cls, source: Any, wasm: bytes, sha256: str) -> "Origin":
        if isinstance(source, (str, os.PathLike)):
            return cls(os.path.abspath(os.fspath(source)), None, sha256)
        return cls(None, wasm, sha256)

    def sha256(self, name: str) -> str:
        """The SHA-256 of the module's bytes; for a file, PicklingError if
        it is gone, or no longer holds them (which unpickling would refuse)."""
        if self.path is not None and _stat_or_none(self.path) != self.stat:
            # Changed (or touched) since: what is there now must be what loaded.
            if _sha256(self._read_file(name)).hexdigest() != self._sha256:
                raise self._changed(name)
            self.stat = _stat(self.path)
        return self._sha256

    def _read_file(self, name: str) -> bytes:
        import pickle

        from ._errors import CompileError
        from ._source import read_module_file

        assert self.path is not None
        try:
            return read_module_file(self.path)
        except (OSError, CompileError) as e:
            raise pickle.PicklingError("cannot pickle gowasm.Module %s: its file %s cannot be read again (%s)"
                                       % (name, self.path, e)) from e

    def _changed(self, name: str) -> "pickle.PicklingError":
        import pickle

        return pickle.PicklingError("cannot pickle gowasm.Module %s: its file %s changed since it was loaded; "
                                    "load it again" % (name, self.path))


def _stat_or_none(path: str) -> Optional[Tuple[int, ...]]:
    try:
        return _stat(path)
    except OSError:
        return None


def _stat(path: str) -> Tuple[int, ...]:
    # ctime too: a rewrite that puts the mtime back (os.utime) still moves it.
    st = os.stat(path)
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino, st.st_dev)


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
    import pickle

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
    """``Module.__reduce__``: a module loaded from a file pickles as its
    path and hash (a few hundred bytes: a Dask scheduler sends it with
    every task), one loaded from bytes as its bytes; both with its options."""
    options: Dict[str, Any] = module._options
    check_picklable(module.name, options)
    origin: Origin = module._origin
    return (load, (origin.path, origin.sha256(module.name), origin.data, options))


def _options_key(options: Mapping[str, Any]) -> str:
    return repr(sorted((k, repr(v)) for k, v in options.items()))


def load(path: Optional[str], sha256: str, data: Optional[bytes], options: Dict[str, Any]) -> Any:
    """Unpickles a module: this process's live instance of the same bytes
    and options, or a new one (read from ``path`` unless ``data`` is given,
    and checked against ``sha256``)."""
    from ._module import Module

    key = (sha256, _options_key(options))
    with _lock:
        module = _live.get(key)
    if module is None or module.closed:
        # Checked before the instance is made, and so before it is kept
        # under this hash for the next unpickling of the genuine module.
        wasm = _checked(data, sha256, options.get("name")) if data is not None else _read(
            path, sha256, options.get("name"))
        module = Module(wasm, **options)
        module._origin = Origin(path, None, sha256) if path is not None else Origin(None, wasm, sha256)
        with _lock:
            _live[key] = module
    with _lock:
        _recent[key] = module
        _recent.move_to_end(key)
        while len(_recent) > KEEP:
            _recent.popitem(last=False)
    return module


#: gowasm.h's error codes after which a module refuses further calls: link
#: (a stub called), trap, exit, closed, host function failed, interrupted,
#: timed out.
_FATAL = frozenset(("LINK", "TRAP", "EXIT", "CLOSED", "HOST", "INTERRUPTED", "TIMEOUT"))


def failed(module: Any, code: int) -> None:
    """A call on ``module`` failed with ``code``: if that left it unusable,
    the next unpickling of it in this process loads a new instance."""
    if code_name(code) in _FATAL:
        with _lock:
            for memo in (_live, _recent):
                for key in [k for k, m in list(memo.items()) if m is module]:
                    del memo[key]


def _read(path: Any, sha256: str, name: Any) -> bytes:
    import pickle

    advice = ("; copy it there, or pickle a module loaded from bytes (gowasm.Module(open(path, 'rb').read())), "
              "which carries its bytes")
    from ._errors import CompileError
    from ._source import read_module_file

    try:
        wasm = read_module_file(path)
    except (OSError, CompileError) as e:
        raise pickle.UnpicklingError("cannot unpickle gowasm.Module %s: its file %s cannot be read in this process "
                                     "(%s)%s" % (name, path, e, advice)) from e
    if _sha256(wasm).hexdigest() != sha256:
        raise pickle.UnpicklingError("cannot unpickle gowasm.Module %s: its file %s is not the one pickled (its "
                                     "content differs)%s" % (name, path, advice))
    return wasm


def _checked(data: bytes, sha256: str, name: Any) -> bytes:
    import pickle

    if _sha256(data).hexdigest() != sha256:
        raise pickle.UnpicklingError("cannot unpickle gowasm.Module %s: its bytes are not the bytes pickled (their "
                                     "SHA-256 differs): the pickle is damaged or forged" % name)
    return data


def token(module: Any) -> Tuple[Any, ...]:
    """A deterministic token for Dask: the bytes' hash and the options."""
    options = dict(module._options)
    for stream in ("stdin", "stdout", "stderr"):
        if options.get(stream) is not None and not isinstance(options[stream], int):
            options[stream] = "%s@%x" % (type(options[stream]).__name__, id(options[stream]))
    imports = options.pop("imports", None) or {}
    refs = sorted((m, f, "%s.%s" % (getattr(fn, "__module__", "?"), getattr(fn, "__qualname__", "?")))
                  for m, functions in imports.items() for f, fn in functions.items())
    return ("gowasm.Module", module._origin.sha256(module.name), _options_key(options), tuple(refs))
