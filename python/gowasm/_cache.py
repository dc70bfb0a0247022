"""Where compiled code is cached on disk.

Compiling a Go module takes tens of times longer than loading it from
wazero's cache (RATIONALE.md, "Numbers behind the comments in python/"),
so the disk cache is on by default.

Compiled code in a cache directory is machine code the process runs, so a
directory is used only when it is the user's own and no one else can change
it; the rule is the engine's (gohost/internal/compile/cachedir.go, asked
through ``gowasm_cache_dir``), and what it decides is used for
:meth:`gowasm.Module.from_go`'s builds too.
"""

import json
import os
import sys
import threading
import warnings
from types import FrameType
from typing import Optional, Set, Union

from . import _native
from ._errors import CacheWarning

CACHE_ENV = "GOWASM_CACHE_DIR"

CacheOption = Union[bool, None, str, "os.PathLike[str]"]

_warned: Set[str] = set()
_warned_lock = threading.Lock()
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def default_cache_dir() -> Optional[str]:
    """The per-user cache directory, or ``$GOWASM_CACHE_DIR`` if set (set it
    to an empty string to disable the disk cache)."""
    env = os.environ.get(CACHE_ENV)
    if env is not None:
        return env or None
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.expanduser("~\\AppData\\Local")
        return os.path.join(base, "gowasm", "Cache")
    if sys.platform == "darwin":
        return os.path.expanduser("~/Library/Caches/gowasm")
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(base, "gowasm")


def resolve_cache_dir(cache: CacheOption) -> Optional[str]:
    """Turns the ``cache=`` argument into the directory to use, or None for
    no disk cache (compiled code is then still shared within the process):
    True is :func:`default_cache_dir`, False, None and ``""`` are none, and
    a directory is used if :func:`usable_dir` allows it (a path with a null
    byte is a ValueError)."""
    if cache is True:
        directory = default_cache_dir()
    elif cache is False or cache is None:
        return None
    else:
        directory = os.fspath(cache)
    if not directory:
        return None
    if "\0" in os.fsdecode(directory):
        # C would read the path up to it: another directory. (fsdecode: a
        # bytes path works too.)
        raise ValueError("gowasm: cache=%r: a path cannot contain a null byte" % (directory,))
    return usable_dir(os.path.abspath(directory))


def usable_dir(directory: str) -> Optional[str]:
    """The directory gowasm may keep code in when asked for ``directory``:
    itself if it is the user's alone, else gowasm's private subdirectory
    ``gowasm-<uid>`` of it, else None, with a :class:`gowasm.CacheWarning`
    (once per directory) saying why."""
    ffi, lib = _native.load()
    choice = json.loads(_native.string_call(ffi, lib, lib.gowasm_cache_dir, os.fsencode(directory)))
    problem = choice.get("problem")
    if problem:
        with _warned_lock:
            first = directory not in _warned
            _warned.add(directory)
        if first:
            warnings.warn(problem, CacheWarning, stacklevel=_caller_level())
    return choice["dir"] or None


def _caller_level() -> int:
    """The stacklevel of the first frame outside gowasm (the user's call)."""
    level: int = 1
    frame: Optional[FrameType] = sys._getframe(1)
    while frame is not None and _in_package(frame.f_code.co_filename):
        level, frame = level + 1, frame.f_back
    return level


def _in_package(filename: str) -> bool:
    """Whether filename is gowasm's own, its _tools subpackage's included."""
    directory = os.path.dirname(os.path.abspath(filename))
    return directory == _PACKAGE_DIR or directory.startswith(_PACKAGE_DIR + os.sep)
