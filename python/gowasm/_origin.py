"""Where a module's bytes came from, and this process's live modules by
those bytes: what pickling needs to know of a module, kept apart from
pickling itself.

- :class:`Origin`: a module's file (path and ``os.stat``) or bytes, and the
  SHA-256 of the bytes that loaded;
- the memo of live instances by (hash, options): unpickling the same module
  again in one process returns the same instance (``_pickle.load``), and a
  call that leaves a module unusable (:func:`failed`, which every failed
  call reports) takes it out, so the next unpickling loads a new one.
"""

import os
import threading
import weakref
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Optional, Tuple

from . import _native
from ._errors import CompileError
from ._source import read_module_file

if TYPE_CHECKING:
    import pickle


def sha256_of(data: bytes) -> Any:
    """hashlib's SHA-256 of data."""
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
            if sha256_of(self._read_file(name)).hexdigest() != self._sha256:
                raise self._changed(name)
            self.stat = _stat(self.path)
        return self._sha256

    def _read_file(self, name: str) -> bytes:
        import pickle

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


def live(key: Tuple[str, str]) -> Any:
    """The live, unclosed instance kept under key, or None."""
    with _lock:
        module = _live.get(key)
    return None if module is None or module.closed else module


def keep(key: Tuple[str, str], module: Any, new: bool) -> None:
    """Keeps module under key: as the live instance if ``new``, and among
    the :data:`KEEP` most recently unpickled."""
    if new:
        with _lock:
            _live[key] = module
    with _lock:
        _recent[key] = module
        _recent.move_to_end(key)
        while len(_recent) > KEEP:
            _recent.popitem(last=False)




def failed(module: Any, code: int) -> None:
    """A call on ``module`` failed with ``code``: if that left it unusable,
    the next unpickling of it in this process loads a new instance."""
    _, lib = _native.load()
    if 0 <= code < 32 and lib.GOWASM_FATAL_CODES >> code & 1:  # gowasm.h: the codes after which a module refuses calls
        with _lock:
            for memo in (_live, _recent):
                for key in [k for k, m in list(memo.items()) if m is module]:
                    del memo[key]
