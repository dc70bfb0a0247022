"""The native library: loaded on first use, never at ``import gowasm``.

Loading it starts a Go runtime in the process, which costs a few
milliseconds and some threads, and which cannot be undone; a program that
imports gowasm but never loads a module pays nothing.
"""

import itertools
import os
import sys
import threading
from typing import Any, Callable, List, NoReturn, Optional, Tuple

from ._errors import ForkError, bind_codes, error_from


def check_libc() -> None:
    """Fails ``import gowasm`` on musl (Alpine): its loader cannot load a Go
    c-shared library (golang/go#13492), so no musllinux wheel exists and a
    source build would only fail later, obscurely."""
    if not sys.platform.startswith("linux"):
        return
    try:
        glibc = os.confstr("CS_GNU_LIBC_VERSION")  # "" or an error on musl
    except (ValueError, OSError):
        glibc = None
    if not glibc:
        raise ImportError(
            "gowasm needs glibc: on musl-based Linux (Alpine) a Go shared library cannot be loaded "
            "(golang/go#13492). Use a glibc-based distribution or image (e.g. python:3.12-slim)."
        )


check_libc()

_lock = threading.Lock()
_loaded: Any = None

#: GOWASM_FAILED_INT of gowasm.h: an integer fast call's failure hint.
FAILED_INT = -792353564


#: gowasm._fastcall: the fast calls as METH_FASTCALL builtins, or None.
fastcall: Any = None

#: Set in a child forked after the library loaded (see ForkError).
forked = False

# The layers above register here, at their import, what the library needs
# of them: so this bottom layer imports nothing above it, and gowasm's
# __init__ (which imports them all) guarantees they have registered before
# anything can load the library.
_installers: List[Callable[[Any, Any, Any], None]] = []

#: The exception a host function or a stdio stream raised on this thread
#: (``.exception``), kept for the guest call it aborted to re-raise
#: (GOWASM_ERR_HOST; a signal handler's, GOWASM_ERR_INTERRUPTED).
pending = threading.local()


def on_load(install: Callable[[Any, Any, Any], None]) -> None:
    """Has install(ffi, lib, callbacks) run as the library loads, before
    gowasm_init: it defines its cffi callbacks and sets their slots in
    callbacks (a ``gowasm_callbacks *``)."""
    if _loaded is not None:
        raise RuntimeError("gowasm: on_load after the native library loaded")
    _installers.append(install)


def keep_pending(e: BaseException) -> None:
    """Keeps a host function's exception for the guest call to re-raise.
    One per thread is enough: the guest call that a failing host function
    aborts takes it before anything else can run on that thread (a nested
    call takes its own before its host function goes on)."""
    pending.exception = e


def take_pending() -> Optional[BaseException]:
    """The exception a host function raised on this thread, if any."""
    e = getattr(pending, "exception", None)
    pending.exception = None
    return e


def _after_fork_in_child() -> None:
    # Registered once the Go runtime has started (in _load), which is
    # what a child cannot use, whether or not _loaded was set yet.
    global forked
    forked = True


def load() -> Tuple[Any, Any]:
    """Returns ``(ffi, lib)``, loading and initialising the library once.
    Raises :class:`ForkError` in a child forked after it loaded."""
    global _loaded
    if forked:
        raise ForkError()
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = _load()
    return _loaded  # type: ignore[no-any-return]


def _in_subinterpreter() -> bool:
    """Whether this is not the main interpreter (3.12+ asks _thread; 3.11
    and earlier make subinterpreters only with _xxsubinterpreters)."""
    import _thread

    is_main = getattr(_thread, "_is_main_interpreter", None)
    if is_main is not None:
        return not is_main()
    try:
        import _xxsubinterpreters as interpreters  # type: ignore[import-not-found]
    except ImportError:
        return False
    return bool(interpreters.get_current() != interpreters.get_main())


def _load() -> Tuple[Any, Any]:
    # The native library is one per process: one Go runtime, one set of
    # callbacks (guest output, host functions) and handles, stream and host
    # function ids that each interpreter's copy of gowasm would number on its
    # own. Refuse plainly rather than let two interpreters share them.
    if _in_subinterpreter():
        raise ImportError("gowasm: cannot be used in a subinterpreter: its native library (a Go runtime) and its "
                          "callbacks into Python are per process; use gowasm from the main interpreter, or run "
                          "WebAssembly in another process")
    try:
        from ._gowasm_cffi import ffi, lib
    except ImportError as e:
        raise ImportError(
            "gowasm: the native library is not built or cannot be loaded (%s). "
            "Install gowasm with pip (a source build needs Go 1.25+ and a C compiler)." % e
        ) from e
    if lib.GOWASM_FAILED_INT != FAILED_INT:
        raise ImportError("gowasm: the native library does not match this Python package; reinstall gowasm")
    bind_codes(lib)
    _install_fast(ffi, lib)
    callbacks = ffi.new("gowasm_callbacks *")
    for install in _installers:
        install(ffi, lib, callbacks)
    if ffi.NULL in (callbacks.write, callbacks.read, callbacks.host_call):
        raise ImportError("gowasm: internal error: the native library loaded before gowasm finished importing")
    err = ffi.new("gowasm_error *")
    if lib.gowasm_init(err, callbacks) != 0:
        raise_error(ffi, lib, err)
    lib.gwpy_watch_fork()  # the fast-call wrappers refuse to run in a forked child
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_after_fork_in_child)
    # Ctrl-C stops the guest call running on Python's main thread (where
    # Python raises KeyboardInterrupt), whichever thread loaded gowasm.
    check_call_with(ffi, lib, lib.gowasm_interrupts, threading.main_thread().ident or 0)
    return ffi, lib


def _install_fast(ffi: Any, lib: Any) -> None:
    """Sets fastcall: gowasm._fastcall, METH_FASTCALL twins of the fast
    calls, typed calls, map and the host-call table (python/ffi/gowasm_cffi.c)."""
    global fastcall
    if hasattr(lib, "gwpy_install_fast") and lib.gwpy_install_fast() == 0:
        fastcall = sys.modules.get("gowasm._fastcall")


def take_message(ffi: Any, lib: Any, err: Any) -> str:
    """The message of a filled ``gowasm_error``, which it frees."""
    message = ffi.string(err.message).decode("utf-8", "replace") if err.message else "unknown error"
    if err.message:
        lib.gowasm_free(err.message)
        err.message = ffi.NULL
    return message


def raise_error(ffi: Any, lib: Any, err: Any) -> NoReturn:
    """Raises the exception for a filled ``gowasm_error``, freeing its message.
    A host function's or a stdio stream's failure re-raises the exception it
    raised."""
    if err.code == lib.GWPY_ERR_FORKED:
        raise ForkError()
    code, message = err.code, take_message(ffi, lib, err)
    if code == lib.GOWASM_ERR_INTERRUPTED:
        # A SIGINT handler raised while the guest ran: its own exception
        # (KeyboardInterrupt from Python's default handler), as Python
        # without gowasm would raise it.
        handler_error = take_pending()
        if handler_error is not None:
            _add_note(handler_error, "raised by a signal handler while WebAssembly ran; the guest call was stopped:\n"
                      + message)
            raise handler_error
    if code == lib.GOWASM_ERR_HOST:
        kept = take_pending()
        if kept is None:
            # Nothing kept: the host function was nested too deep to be called
            # (gowasm refused it to save the C stack, or Python's recursion
            # limit stopped it before it could report anything).
            raise RecursionError("maximum recursion depth exceeded in re-entrant host calls; the guest call was aborted:\n"
                                 + message)
        _add_note(kept, "raised while WebAssembly called out to Python; the guest call was aborted:\n" + message)
        raise kept
    raise error_from(code, message, err.exit_code)


def _add_note(e: BaseException, note: str) -> None:
    if hasattr(e, "add_note"):
        e.add_note(note)
    else:  # Python 3.10: PEP 678's attribute, kept though not printed
        setattr(e, "__notes__", list(getattr(e, "__notes__", ())) + [note])  # noqa: B010


def take_error(ffi: Any, lib: Any) -> Any:
    """The calling thread's last fast-call error (a ``gowasm_error *``), whose
    code is 0 when the sentinel result was a genuine value."""
    err = ffi.new("gowasm_error *")
    lib.gwpy_take_error(err)
    return err


def check_call(function: Any, *args: Any) -> None:
    """Calls a control-plane ABI function (its gowasm_error* comes first,
    made here) and raises the error it reports."""
    ffi, lib = load()
    check_call_with(ffi, lib, function, *args)


def check_call_with(ffi: Any, lib: Any, function: Any, *args: Any) -> None:
    """check_call with the library given (while it loads)."""
    err = ffi.new("gowasm_error *")
    if function(err, *args) != 0:
        raise_error(ffi, lib, err)


_tokens = itertools.count(1)  # names each call_with_timeout's push (next() is atomic under the GIL)


def call_with_timeout(module: Any, seconds: float, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` with a timeout of its own for every guest
    call it makes on ``module`` from this thread (gowasm_timeout_push):
    seconds (checked by the caller with _values.check_timeout, as for a raw
    call), 0 for none. A module that cannot be stopped refuses one other
    than 0, with a raw call's error."""
    ffi, lib = load()
    handle, token, err = module._handle, next(_tokens), ffi.new("gowasm_error *")
    try:
        # Popped by its token whether or not the push happened: a signal
        # handler's exception (Ctrl-C) may come between any two steps.
        check_call_with(ffi, lib, lib.gowasm_timeout_push, handle, seconds, token)
        return fn(*args, **kwargs)
    finally:
        # The C function itself, first thing: Python runs signal handlers
        # on entering a Python function (check_call_with), and one raising
        # there would skip the pop, leaving this thread's later calls on
        # the module under this timeout. The pop cannot fail.
        lib.gowasm_timeout_pop(err, handle, token)


def string_call(ffi: Any, lib: Any, function: Any, *args: Any) -> str:
    """Calls an ABI function whose last parameter receives a C string, and
    returns that string (freed here)."""
    out = ffi.new("char **")
    check_call_with(ffi, lib, function, *args, out)
    try:
        return str(ffi.string(out[0]).decode("utf-8"))
    finally:
        lib.gowasm_free(out[0])


def live_handles() -> Tuple[int, int]:
    """How many modules and functions the native library holds (leak checks)."""
    ffi, lib = load()
    out = ffi.new("uint64_t[2]")
    check_call(lib.gowasm_live_handles, out, out + 1)
    return out[0], out[1]
