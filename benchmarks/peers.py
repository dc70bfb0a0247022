"""The peers of the benchmark suite (suite.py), each behind one small class
with the same methods, driving the suite's Go guest (benchmarks/suite/guest).

A peer without gowasm's typed convention is driven through it by hand:
malloc, write, call with (ptr, len), read the packed result, free, which is
what its users would write. Each constructor raises ``Unavailable`` with
the reason when the peer cannot run here.
"""

import os
import struct
import sys
import time
from typing import Any, Callable, Dict, List, Optional


class Unavailable(Exception):
    """A peer that cannot run here; the message says why."""


def _version(dist: str) -> Optional[str]:
    try:
        from importlib.metadata import version
        return version(dist)
    except Exception:
        return None


class Gowasm:
    name = "gowasm"

    def __init__(self, path: str, interruptible: bool = False) -> None:
        import gowasm
        self.version = gowasm.__version__
        self.m = gowasm.Module(path, imports={"env": {"pong": lambda x: x}}, interruptible=interruptible)
        m = self.m
        self.sum, self.fib, self.ping = m.sum, m.fib, m.ping
        self.sha, self.jsonsum, self.echo, self.greet = m.sha, m.jsonsum, m.echo, m.greet


class _ByHand:
    """The typed convention driven by hand: a subclass gives _typed (malloc,
    write, call, free) and _read_free (read a packed result, free it)."""

    def _typed(self, name: str, data: bytes) -> int:
        raise NotImplementedError

    def _read_free(self, packed: int) -> bytes:
        raise NotImplementedError

    def sha(self, data: bytes) -> bytes:
        return self._read_free(self._typed("sha", data))

    def jsonsum(self, doc: bytes) -> int:
        return self._typed("jsonsum", doc)

    def echo(self, data: bytes) -> bytes:
        return self._read_free(self._typed("echo", data))

    def greet(self, name: str) -> str:
        return self._read_free(self._typed("greet", name.encode())).decode()


class Wasmtime(_ByHand):
    name = "wasmtime-py"

    def __init__(self, path: str) -> None:
        try:
            import wasmtime
        except ImportError as e:
            raise Unavailable("not installed (pip install wasmtime): %s" % e) from None
        self.version = _version("wasmtime")
        engine = wasmtime.Engine()
        linker = wasmtime.Linker(engine)
        linker.define_wasi()
        i32 = wasmtime.ValType.i32()
        linker.define_func("env", "pong", wasmtime.FuncType([i32], [i32]), lambda x: x)
        store = self.store = wasmtime.Store(engine)
        store.set_wasi(wasmtime.WasiConfig())
        ex = linker.instantiate(store, wasmtime.Module.from_file(engine, path)).exports(store)
        ex["_initialize"](store)  # a Go reactor: wasmtime-py does not run it
        self.memory = ex["memory"]
        self._sum, self._fib, self._ping = ex["sum"], ex["fib"], ex["ping"]
        self._malloc, self._free = ex["malloc"], ex["free"]
        self._ex = ex

    def sum(self, a: int, b: int) -> int:
        return self._sum(self.store, a, b)

    def fib(self, n: int) -> int:
        return self._fib(self.store, n)

    def ping(self, n: int) -> int:
        return self._ping(self.store, n)

    def _typed(self, name: str, data: bytes) -> int:
        s = self.store
        p = self._malloc(s, len(data)) & 0xFFFFFFFF
        self.memory.write(s, data, p)
        r = self._ex[name](s, p, len(data))
        self._free(s, p)
        return r

    def _read_free(self, packed: int) -> bytes:
        packed &= 0xFFFFFFFFFFFFFFFF
        p, n = packed >> 32, packed & 0xFFFFFFFF
        out = self.memory.read(self.store, p, p + n)
        self._free(self.store, p)
        return bytes(out)


class Wasm3(_ByHand):
    """pywasm3 (a C interpreter). Its PyPI release has no WASI: the imports a
    Go reactor needs are provided here, minimally."""
    name = "pywasm3"

    def __init__(self, path: str, imports: List[Any]) -> None:
        try:
            import wasm3
        except ImportError as e:
            raise Unavailable("not installed (pip install pywasm3): %s" % e) from None
        self.version = _version("pywasm3")
        env = wasm3.Environment()
        rt = self.rt = env.new_runtime(1 << 20)
        with open(path, "rb") as f:
            mod = env.parse_module(f.read())
        rt.load(mod)
        for imp in imports:
            fn = self._import(imp.module, imp.name)
            sig = "%s(%s)" % ("".join(_W3[t] for t in imp.results) or "v", "".join(_W3[t] for t in imp.params))
            mod.link_function(imp.module, imp.name, sig, fn)
        rt.find_function("_initialize")()
        find = rt.find_function
        self.sum, self.fib, self.ping = find("sum"), find("fib"), find("ping")
        self._malloc, self._free = find("malloc"), find("free")
        self._fns = {n: find(n) for n in ("sha", "jsonsum", "echo", "greet")}

    def _mem(self) -> Any:
        return self.rt.get_memory(0)

    def _import(self, module: str, name: str) -> Callable[..., Any]:
        if module == "env" and name == "pong":
            return lambda x: x

        def put(addr: int, fmt: str, *values: Any) -> None:
            struct.pack_into(fmt, self._mem(), addr, *values)

        wasi: Dict[str, Callable[..., Any]] = {
            "args_sizes_get": lambda a, b: (put(a, "<I", 0), put(b, "<I", 0), 0)[-1],
            "environ_sizes_get": lambda a, b: (put(a, "<I", 0), put(b, "<I", 0), 0)[-1],
            "args_get": lambda a, b: 0,
            "environ_get": lambda a, b: 0,
            "clock_time_get": lambda clock, precision, out: (put(out, "<Q", time.time_ns()), 0)[-1],
            "random_get": lambda buf, n: (self._mem().__setitem__(slice(buf, buf + n), os.urandom(n)), 0)[-1],
            "sched_yield": lambda: 0,
            "fd_prestat_get": lambda fd, out: 8,  # EBADF: no preopened directories
            "fd_fdstat_get": lambda fd, out: (put(out, "<BxHxxxxQQ", 2, 0, 0, 0), 0)[-1],  # a character device
            "fd_write": self._fd_write,
        }
        if module == "wasi_snapshot_preview1" and name in wasi:
            return wasi[name]

        if module == "wasi_snapshot_preview1" and name == "proc_exit":
            def exit_(code: int) -> None:
                raise RuntimeError("the guest exited with code %d" % code)
            return exit_
        if module == "wasi_snapshot_preview1":
            return lambda *args: 52  # ENOSYS: not needed by the workloads

        def missing(*args: Any) -> int:
            raise RuntimeError("pywasm3 peer: %s.%s is not provided" % (module, name))
        return missing

    def _fd_write(self, fd: int, iovs: int, n: int, written: int) -> int:
        mem = self._mem()
        total = sum(struct.unpack_from("<II", mem, iovs + 8 * i)[1] for i in range(n))
        struct.pack_into("<I", mem, written, total)
        return 0

    def _typed(self, name: str, data: bytes) -> int:
        p = self._malloc(len(data)) & 0xFFFFFFFF
        self._mem()[p:p + len(data)] = data
        r = self._fns[name](p, len(data))
        self._free(p)
        return r

    def _read_free(self, packed: int) -> bytes:
        packed &= 0xFFFFFFFFFFFFFFFF
        p, n = packed >> 32, packed & 0xFFFFFFFF
        out = bytes(self._mem()[p:p + n])
        self._free(p)
        return out


_W3 = {"i32": "i", "i64": "I", "f32": "f", "f64": "F"}


def unavailable_rows() -> Dict[str, str]:
    """Peers that cannot run any workload here, with the reason."""
    out = {}
    try:
        import wasmer  # noqa: F401
    except Exception as e:  # ImportError, or the package's own "not available" error
        out["wasmer"] = "%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else "")
    if sys.version_info < (3, 12):
        out["pywasm"] = "needs Python >= 3.12 (this is %d.%d)" % sys.version_info[:2]
    else:
        try:
            import pywasm  # noqa: F401
        except ImportError as e:
            out["pywasm"] = "not installed (pip install pywasm): %s" % e
    return out
