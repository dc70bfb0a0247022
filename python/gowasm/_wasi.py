"""WASI configuration shared by Module and run: argv, environment, mounts."""

import os
import sys
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Union

PathLike = Union[str, "os.PathLike[str]"]


class Mount(NamedTuple):
    """A host directory mounted into the guest's file system.

    ``mounts={"/data": "./data", "/ro": Mount("./ro", readonly=True)}``.
    The guest cannot reach anything outside a mount: ``..``, absolute paths
    and symlinks that lead outside are refused (EACCES).

    (A NamedTuple, not a frozen dataclass: importing dataclasses costs ~5 ms
    of ``import gowasm``.)
    """

    host: PathLike
    readonly: bool = False


def mounts_config(mounts: Optional[Mapping[str, Union[PathLike, Mount]]]) -> List[Dict[str, Any]]:
    out = []
    for guest, spec in (mounts or {}).items():
        mount = spec if isinstance(spec, Mount) else Mount(spec)
        host = os.path.abspath(os.fspath(mount.host))
        if not os.path.isdir(host):
            raise FileNotFoundError("gowasm: cannot mount %r at %r: not a directory" % (host, guest))
        if not str(guest).startswith("/"):
            raise ValueError("gowasm: mount points are absolute guest paths like '/data', not %r" % guest)
        out.append({"host": host, "guest": guest, "readonly": bool(mount.readonly)})
    return out


def _text(value: Any, what: str) -> str:
    """An argument or environment string as the guest will see it. bytes (and
    bytes paths) are taken as the bytes they are, as subprocess does, which
    the configuration (JSON) can carry when they are UTF-8; other objects are
    str()'d. NUL bytes are refused by the native library (config.go)."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("gowasm: %s is not UTF-8 (%r); gowasm can pass the guest UTF-8 bytes only"
                             % (what, bytes(value))) from None
    return value if isinstance(value, str) else str(value)


def env_config(env: Optional[Mapping[Any, Any]], inherit_env: bool) -> List[str]:
    merged: Dict[str, str] = dict(os.environ) if inherit_env else {}
    for key, value in (env or {}).items():
        merged[_text(key, "environment variable name %r" % (key,))] = _text(value, "env[%r]" % (key,))
    for key in merged:
        if not key or "=" in key:
            raise ValueError("gowasm: bad environment variable name %r" % key)
    return ["%s=%s" % kv for kv in merged.items()]


def args_config(program: str, args: Optional[Sequence[Any]]) -> List[str]:
    if isinstance(args, (str, bytes)):
        raise TypeError("args must be a sequence of strings, not a single string")
    return [program] + [_text(a, "args[%d]" % i) for i, a in enumerate(args or ())]


def wasi_config(name: str, cache_dir: Optional[str], args: Optional[Sequence[Any]],
                env: Optional[Mapping[str, str]], inherit_env: bool,
                mounts: Optional[Mapping[str, Union[PathLike, Mount]]],
                streams: "tuple[int, int, int]", deterministic: bool,
                timeout: Optional[float] = None, memory_limit: Optional[int] = None,
                interruptible: Optional[bool] = None) -> Dict[str, Any]:
    """The configuration Module and run share (gohost/internal/host/config.go)."""
    from ._func import check_timeout

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
