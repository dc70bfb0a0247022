"""Where compiled code is cached on disk.

Compiling a 2 MB Go module takes ~0.7-2 s; loading it from wazero's cache
takes ~35 ms, so the disk cache is on by default.
"""

import os
import sys
from typing import Optional, Union

CACHE_ENV = "GOWASM_CACHE_DIR"

CacheOption = Union[bool, None, str, "os.PathLike[str]"]


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
    """Turns the ``cache=`` argument into a directory, or None for no disk
    cache (compiled code is then still shared within the process)."""
    if cache is True:
        return default_cache_dir()
    if cache is False or cache is None:
        return None
    return os.path.abspath(os.fspath(cache))
