"""WASI configuration shared by Module and run: argv, environment, mounts."""

import os
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

PathLike = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True)
class Mount:
    """A host directory mounted into the guest's file system.

    ``mounts={"/data": "./data", "/ro": Mount("./ro", readonly=True)}``.
    The guest cannot reach anything outside a mount: ``..``, absolute paths
    and symlinks that lead outside are refused (EACCES).
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


def env_config(env: Optional[Mapping[str, str]], inherit_env: bool) -> List[str]:
    merged: Dict[str, str] = dict(os.environ) if inherit_env else {}
    merged.update(env or {})
    for key in merged:
        if not key or "=" in key:
            raise ValueError("gowasm: bad environment variable name %r" % key)
    return ["%s=%s" % kv for kv in merged.items()]


def args_config(program: str, args: Optional[Sequence[Any]]) -> List[str]:
    if isinstance(args, (str, bytes)):
        raise TypeError("args must be a sequence of strings, not a single string")
    return [program] + [os.fspath(a) if isinstance(a, os.PathLike) else str(a) for a in (args or ())]


def wasi_config(name: str, cache_dir: Optional[str], args: Optional[Sequence[Any]],
                env: Optional[Mapping[str, str]], inherit_env: bool,
                mounts: Optional[Mapping[str, Union[PathLike, Mount]]],
                streams: "tuple[int, int, int]", deterministic: bool) -> Dict[str, Any]:
    """The configuration Module and run share (gohost/internal/host/config.go)."""
    stdin, stdout, stderr = streams
    return {
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
