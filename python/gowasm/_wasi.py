"""WASI configuration shared by Module and run: argv, environment, mounts."""

import os
import sys
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Union

from ._values import check_timeout

PathLike = Union[str, "os.PathLike[str]"]


class _MountFields(NamedTuple):
    host: PathLike
    readonly: bool = False


class Mount(_MountFields):
    """A host directory mounted into the guest's file system.

    ``mounts={"/data": "./data", "/ro": Mount("./ro", readonly=True)}``.
    The guest cannot reach anything outside a mount: ``..``, absolute paths
    and symlinks that lead outside are refused (EACCES).

    (A NamedTuple, not a frozen dataclass: importing dataclasses would cost
    ``import gowasm`` more than gowasm's own modules; RATIONALE.md.)
    """

    __slots__ = ()

    def __new__(cls, host: PathLike, readonly: bool = False) -> "Mount":
        if not isinstance(host, (str, os.PathLike)):
            raise TypeError("Mount() takes a host directory (str or os.PathLike), not %s" % type(host).__name__)
        if not isinstance(readonly, bool):
            raise TypeError("Mount(readonly=) takes a bool, not %r" % (readonly,))
        return super().__new__(cls, host, readonly)


def _guest_path(guest: Any) -> str:
    """A mount point as one spelling of its guest path (``//a/./`` is
    ``/a``): two that name the same directory would be two preopens of it."""
    if not isinstance(guest, str):
        raise TypeError("mounts: a guest path must be str, not %s" % type(guest).__name__)
    if not guest.startswith("/"):
        raise ValueError("gowasm: mount points are absolute guest paths like '/data', not %r" % guest)
    if "\0" in guest:
        raise ValueError("gowasm: mount point %r contains a NUL byte, which WASI cannot pass" % guest)
    parts = [p for p in guest.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ValueError("gowasm: mount point %r has a .. in it; write the guest path it means" % guest)
    return "/" + "/".join(parts)


def mounts_config(mounts: Optional[Mapping[str, Union[PathLike, Mount]]]) -> List[Dict[str, Any]]:
    out = []
    seen: Dict[str, str] = {}
    for guest, spec in _mapping(mounts, "mounts", "guest path -> host directory or Mount").items():
        path = _guest_path(guest)
        if path in seen:
            raise ValueError("gowasm: mount points %r and %r are the same guest path, %r" % (seen[path], guest, path))
        seen[path] = guest
        if not isinstance(spec, (Mount, str, os.PathLike)):
            raise TypeError("mounts[%r] must be a host directory (str or os.PathLike) or a Mount, not %s"
                            % (guest, type(spec).__name__))
        mount = spec if isinstance(spec, Mount) else Mount(spec)
        host = os.path.abspath(os.fspath(mount.host))
        if not os.path.isdir(host):
            raise FileNotFoundError("gowasm: cannot mount %r at %r: not a directory" % (host, guest))
        out.append({"host": host, "guest": path, "readonly": mount.readonly})
    return out


def _mapping(value: Any, option: str, shape: str) -> Mapping[Any, Any]:
    """``value`` (None: empty), or TypeError naming the option."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError("%s must be a mapping of %s, not %s" % (option, shape, type(value).__name__))
    return value


def _text(value: Any, what: str) -> str:
    """An argument or environment string as the guest will see it: str, or
    bytes (and bytes paths) taken as the bytes they are, as subprocess does,
    which the configuration (JSON) can carry when they are UTF-8. Anything
    else is a TypeError, as subprocess says it. NUL bytes are refused by the
    native library (config.go)."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("gowasm: %s is not UTF-8 (%r); gowasm can pass the guest UTF-8 bytes only"
                             % (what, bytes(value))) from None
    if not isinstance(value, str):
        raise TypeError("%s must be str, bytes or os.PathLike, not %s" % (what, type(value).__name__))
    return value


def env_config(env: Optional[Mapping[Any, Any]], inherit_env: bool) -> List[str]:
    merged: Dict[str, str] = dict(os.environ) if inherit_env else {}
    for key, value in _mapping(env, "env", "variable name -> value").items():
        merged[_text(key, "environment variable name %r" % (key,))] = _text(value, "env[%r]" % (key,))
    for key in merged:
        if not key or "=" in key:
            raise ValueError("gowasm: bad environment variable name %r" % key)
    return ["%s=%s" % kv for kv in merged.items()]


def args_config(program: str, args: Optional[Sequence[Any]]) -> List[str]:
    if isinstance(args, (str, bytes)) or not (args is None or hasattr(args, "__iter__")):
        raise TypeError("args must be a sequence of strings, not %s" % type(args).__name__)
    return [program] + [_text(a, "args[%d]" % i) for i, a in enumerate(args or ())]


def wasi_config(name: str, cache_dir: Optional[str], args: Optional[Sequence[Any]],
                env: Optional[Mapping[str, str]], inherit_env: bool,
                mounts: Optional[Mapping[str, Union[PathLike, Mount]]],
                streams: "tuple[int, int, int]", deterministic: bool,
                timeout: Optional[float] = None, memory_limit: Optional[int] = None,
                interruptible: Optional[bool] = None) -> Dict[str, Any]:
    """The configuration Module and run share (gohost/internal/engine/config.go)."""
    if memory_limit is not None and (isinstance(memory_limit, bool) or not isinstance(memory_limit, int)
                                     or not 65536 <= memory_limit < 1 << 64):
        raise ValueError("memory_limit is a number of bytes, at least 65536 (one page), not %r" % (memory_limit,))
    stdin, stdout, stderr = streams
    return {
        "timeout": 0.0 if timeout is None else check_timeout(timeout),
        "memory_limit": memory_limit or 0,
        "no_interrupts": not (timeout is not None or (person_waiting() if interruptible is None else interruptible)),
        "name": name,
        "cache_dir": cache_dir or "",
        "args": args_config(name, args),
        "env": env_config(env, inherit_env),
        "mounts": mounts_config(mounts),
        "stdin": stdin,
        "stdout": stdout,
        "stderr": stderr,
        "deterministic": bool(deterministic),
    }


INTERRUPTIBLE_ENV = "GOWASM_INTERRUPTIBLE"


def person_waiting() -> bool:
    """Whether modules are interruptible by default: where a person waits
    for the result (an interactive interpreter, IPython, a Jupyter kernel),
    or as ``$GOWASM_INTERRUPTIBLE`` (1 or 0) says. Elsewhere (scripts,
    servers, tests) the checks that stop a guest, which cost up to ~2.3x on
    tight loops, are paid only when asked for: ``interruptible=True`` or a
    ``timeout``."""
    env = os.environ.get(INTERRUPTIBLE_ENV)
    if env:
        return env.strip().lower() not in ("0", "false", "no", "off")
    if hasattr(sys, "ps1") or sys.flags.interactive:
        return True
    ipython = sys.modules.get("IPython")
    return ipython is not None and getattr(ipython, "get_ipython", lambda: None)() is not None
