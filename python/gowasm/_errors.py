"""gowasm's exceptions: one hierarchy under :class:`WasmError`.

Argument mistakes raise Python's own :class:`TypeError` and
:class:`OverflowError`, like any Python function would.
"""

from typing import Any, Optional

__all__ = ["WasmError", "CompileError", "LinkError", "Trap", "ExitError", "ModuleClosedError", "Timeout", "ForkError",
           "GoError", "GoBuildError", "OutOfBoundsError", "CacheWarning"]

_TRACE_MARKER = "\nwasm stack trace:"


class WasmError(Exception):
    """Base class of every error that comes from WebAssembly or its host."""


class CompileError(WasmError):
    """The bytes are not a valid WebAssembly module."""


class LinkError(WasmError):
    """The module's imports cannot be satisfied, or it called an import that
    nothing provides (one gowasm stubbed so that the module could load)."""


class Trap(WasmError):
    """The guest trapped: ``unreachable`` (a Go or Rust panic ends in one),
    an out-of-bounds access, integer division by zero, ...

    ``wasm_trace`` holds the wasm stack trace as text ('' if there is none).
    The module that trapped cannot be called again: its own runtime may be
    left half-updated. Load a new :class:`~gowasm.Module` to go on.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        head, sep, trace = message.partition(_TRACE_MARKER)
        self.wasm_trace: str = trace.strip("\n") if sep else ""


class ExitError(WasmError):
    """The guest exited: it called ``proc_exit`` (e.g. Go's ``os.Exit``) while
    a :class:`~gowasm.Module` function ran, or :func:`~gowasm.run` with
    ``check=True`` saw a nonzero exit code. ``code`` (alias ``returncode``)
    is the exit status; ``stdout`` and ``stderr`` hold captured output, if
    any. A module that exited cannot be called again."""

    def __init__(self, code: int, message: Optional[str] = None, *, stdout: Any = None, stderr: Any = None,
                 program: Optional[str] = None) -> None:
        if message is None:
            message = "%s exited with code %d" % (program or "the guest", code)
            if stderr:
                tail = stderr if isinstance(stderr, str) else stderr.decode("utf-8", "replace")
                message += "; its stderr ends with:\n" + tail[-2000:]
        super().__init__(message)
        self.code = self.returncode = code
        self.stdout = stdout
        self.stderr = stderr


class GoError(WasmError):
    """A Go function bound by :meth:`gowasm.Module.from_go` returned a
    non-nil ``error``. The message is the error's ``Error()``; ``go_type``
    is its Go type (``*errors.errorString``, ``*strconv.NumError``...) and
    ``function`` the function that returned it. The module stays usable:
    an error is a result, not a crash."""

    def __init__(self, message: str, *, go_type: str = "", function: str = "") -> None:
        super().__init__(message)
        self.go_type = go_type
        self.function = function


class GoBuildError(WasmError):
    """:meth:`gowasm.Module.from_go` could not build the Go code: Go is
    missing or too old, the package does not compile, or a module could not
    be downloaded. The message carries Go's own words."""


class OutOfBoundsError(WasmError, IndexError):
    """gowasm was asked to read or write guest memory outside its current
    size: ``m.memory.read``/``write`` (or a :class:`~gowasm.Caller`'s) with
    an offset past the end or below 0, or a typed call whose guest gave a
    pointer outside its memory (its allocator's result, or a packed
    ``(ptr, len)`` result). Nothing was read or written, and the module
    stays usable. An ``IndexError``, as for any sequence, and a
    :class:`WasmError`, as for anything a guest does wrong; the guest's own
    out-of-bounds accesses are :class:`Trap`."""


class ModuleClosedError(WasmError):
    """The module was closed, or an earlier trap or exit made it unusable."""


class Timeout(WasmError, TimeoutError):
    """The call ran past its timeout (``Module(..., timeout=)``,
    ``f.call(..., timeout=)``, ``run(..., timeout=)``) and was stopped. The
    module cannot be called again: the guest was stopped midway. For
    :func:`~gowasm.run`, ``stdout`` and ``stderr`` hold what was captured."""

    def __init__(self, message: str, *, stdout: Any = None, stderr: Any = None) -> None:
        super().__init__(message)
        self.stdout = stdout
        self.stderr = stderr


class CacheWarning(RuntimeWarning):
    """A cache directory was not used (it is not yours alone, or cannot be
    written to), so modules are compiled in memory, once per process. The
    message says why and what to do; it is given once per directory."""


class ForkError(WasmError):
    """gowasm was used in a process forked from one that had loaded it. Go's
    runtime, which gowasm embeds, does not survive ``fork()`` (the child
    would hang), so nothing of gowasm works in the child: use the ``spawn``
    or ``forkserver`` start method of :mod:`multiprocessing` or
    :mod:`concurrent.futures` (``multiprocessing.get_context("spawn")``),
    and load modules in the workers (from their path or bytes)."""

    def __init__(self, message: Optional[str] = None) -> None:
        super().__init__(message or (
            "gowasm cannot be used in a process forked from one that used it: Go's runtime, which gowasm "
            "embeds, does not survive fork(). Start worker processes with the 'spawn' or 'forkserver' method "
            "(multiprocessing.get_context('spawn'), or ProcessPoolExecutor(mp_context=...)) and load the "
            "modules in the workers from their path or bytes; forking before gowasm is first used works too."))


# gowasm.h is the one source of the error codes: Python knows them by name
# (GOWASM_ERR_<name>) and reads their numbers from the native library as it
# loads (bind_codes), so they cannot drift, and ``import gowasm`` does not
# load the library to learn them (an error comes from the loaded library).
_CLASSES: "dict[str, type[BaseException]]" = {
    "COMPILE": CompileError,
    "LINK": LinkError,
    "TRAP": Trap,
    "CLOSED": ModuleClosedError,
    "ARGUMENT": OverflowError,
    "USAGE": ValueError,
    "DEADLOCK": RuntimeError,  # like threading's "cannot join current thread"
    "INTERRUPTED": KeyboardInterrupt,  # Ctrl-C stopped the guest: what Python raises for it
    "TIMEOUT": Timeout,
    "GUEST": OutOfBoundsError,  # a pointer outside the guest's memory, as the Python path says it
    # INTERNAL: WasmError
}

#: The name of each code (without GOWASM_ERR_), once the library loaded.
_names: "dict[int, str]" = {}


def bind_codes(lib: Any) -> None:
    """Learns the codes' numbers from the native library (as it loads)."""
    prefix = "GOWASM_ERR_"
    _names.update((getattr(lib, name), name[len(prefix):]) for name in dir(lib) if name.startswith(prefix))


def code_name(code: int) -> str:
    """The name of gowasm.h's error code (``GOWASM_ERR_HOST`` is "HOST")."""
    return _names.get(code, "?")


def error_from(code: int, message: str, exit_code: int = 0) -> BaseException:
    """The exception for an error the native library reported."""
    name = code_name(code)
    if name == "EXIT":
        return ExitError(exit_code, message)
    cls = _CLASSES.get(name, WasmError)
    return cls(message)
