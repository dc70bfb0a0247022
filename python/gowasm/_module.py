"""``Module``: a WebAssembly module, loaded and ready to call."""

import json
import mmap
import os
import tempfile
import warnings
import weakref
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union, cast

from . import _described, _display, _host, _native, _pickle, _streams
from ._advice import GO_COMMAND_WITH_EXPORTS_ADVICE
from ._cache import CacheOption, resolve_cache_dir
from ._description import Import, Info, loaded_info
from ._errors import CompileError, ExitError, LinkError, ModuleClosedError, Timeout, Trap, WasmError
from ._func import make_function
from ._exported import ExportedFunction
from ._source import read_module_file
from ._memory import Memory, map_reservation, memory_size, open_memory
from ._origin import Origin
from ._typed import Allocator
from ._typed import _read_packed as read_packed
from ._values import is_attribute_name
from ._wasi import Mount, PathLike, wasi_config

_UNSET = object()
DESCRIBE_EXPORT = "gowasm_describe"
#: The public attributes a Module instance holds (its class's are in dir()):
#: with those, the names an export cannot take as an attribute.
PUBLIC_STATE = ("name", "kind", "skipped", "imports", "exports")


def attribute_names(cls: type) -> List[str]:
    """The public names of ``cls`` (Module or a subclass) and its instances'
    state: an export of such a name is reachable only in ``exports``, so
    from_go does not bind a Go function under it."""
    return sorted({n for n in dir(cls) if n.isidentifier() and not n.startswith("_")} | set(PUBLIC_STATE))

Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview]

_EXPORT_HOWTO = (
    "To export functions from Go 1.24+, mark them //go:wasmexport name and build with "
    "`GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared` (exported signatures must use "
    "int32, uint32, int64, uint64, float32, float64, bool or unsafe.Pointer, not int); "
    "from TinyGo, mark them //export name (or //go:wasmexport name) and build with "
    "`tinygo build -target=wasip1 -buildmode=c-shared`."
)


class Exports(Mapping[str, ExportedFunction]):
    """The exported functions of a module, by name (read-only mapping)."""

    def __init__(self, owner: "Module", functions: Dict[str, ExportedFunction]) -> None:
        self._owner = owner
        self._functions = functions

    def __getitem__(self, name: str) -> ExportedFunction:
        try:
            return self._functions[name]
        except KeyError:
            raise KeyError(self._owner._missing_export_message(name)) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._functions)

    def __len__(self) -> int:
        return len(self._functions)

    def __dask_tokenize__(self) -> Any:
        """Dask's token: the module's (see :meth:`Module.__dask_tokenize__`)."""
        return ("gowasm.Exports", self._owner.__dask_tokenize__())

    def _ipython_key_completions_(self) -> List[str]:
        """IPython completes ``m.exports["<tab>``."""
        return list(self._functions)

    def __repr__(self) -> str:
        # Each function's __qualname__ is its signature: wasm, or typed.
        return "<Exports of %s: %s>" % (self._owner.name, ", ".join(
            f.__qualname__ for f in self._functions.values()))


class Module:
    """A WebAssembly module, compiled, linked and instantiated.

    ``Module("lol.wasm").sum(12, 12)`` calls export ``sum``. ``source`` is a
    path or the module's bytes. Exports are attributes (when their name is an
    identifier that does not clash with a method) and items of
    :attr:`exports`.

    Loading runs what the module's own toolchain's host would run first:
    ``_initialize`` for reactors (Go and TinyGo ``-buildmode=c-shared``),
    ``_start`` for TinyGo ``-target wasm`` modules; WASI commands (only
    ``_start``) are not run (:func:`gowasm.run` runs them). WASI preview 1 is
    linked in, sandboxed by default (no files, no environment, empty stdin)
    with real clocks and randomness; guest stdout and stderr go to Python's
    current ``sys.stdout`` and ``sys.stderr``.

    Args:
        source: a path, or the module's bytes.
        strict_imports: fail with :class:`LinkError` listing every import
            nothing provides, instead of stubbing them with functions that
            raise :class:`LinkError` if the guest calls them.
        cache: compiled code is cached on disk in a per-user directory
            (``$GOWASM_CACHE_DIR`` overrides it); pass a directory to use
            another, or False to cache in memory only.
        name: how messages name the module (default: the file name).
        imports: Python host functions for the module's imports, as
            ``{"env": {"log": log}}``; see :mod:`gowasm._host` (types,
            ``caller: gowasm.Caller``, exceptions, re-entrancy).
        args, env, inherit_env, mounts, stdin, stdout, stderr, deterministic:
            the guest's WASI world, as for :func:`gowasm.run` (``stdin``
            defaults to empty here, not to Python's ``sys.stdin``).
        timeout: seconds each call (and the load: compiling and
            ``_initialize`` together) may run; past it the guest is stopped
            and :class:`gowasm.Timeout` raised. One call can have its own:
            ``m.f.call(x, timeout=2)``. Ctrl-C stops a load too. Python code
            cannot be preempted: a host function (or a stdin ``read``) runs
            to its end, and the call raises Timeout when it returns late.
        memory_limit: bytes each memory may grow to (``256 << 20``); past
            it ``memory.grow`` fails (-1 in the guest, an allocation error
            in Go or Rust). Default: one page below 4 GiB. The module's
            tables together hold ``memory_limit // 8`` entries (10,000,000
            by default): ``table.grow`` past it returns -1.
        interruptible: whether the guest can be stopped while it runs:
            Ctrl-C on the main thread (the program's SIGINT handler runs
            and the call stops if it raises: ``KeyboardInterrupt`` by
            default), ``close()``
            from another thread, and Go's garbage collector getting through
            while it runs (else a long call stalls other threads' loads).
            The checks cost up to ~2.8x on tight loops (1.0-1.3x on fib
            or sha256), so the default (None) is on only where a person waits
            (REPL, IPython, Jupyter; ``$GOWASM_INTERRUPTIBLE=1`` elsewhere)
            or with a ``timeout``.

    A module whose call was stopped cannot be called again
    (``ModuleClosedError`` says why): its guest was stopped midway.

    Calls on one module are serialized (one wasm instance cannot run two
    calls at once); the GIL is released while guest code runs, so separate
    modules run in parallel. ``close()`` (or ``with``) frees the module at
    once; otherwise it is freed when garbage collected.
    """

    def __init__(self, source: Source, *, strict_imports: bool = False, cache: CacheOption = True,
                 name: Optional[str] = None, args: Optional[Sequence[Any]] = None,
                 env: Optional[Mapping[str, str]] = None, inherit_env: bool = False,
                 mounts: Optional[Mapping[str, Union[PathLike, Mount]]] = None,
                 stdin: Any = None, stdout: Any = None, stderr: Any = None,
                 deterministic: bool = False,
                 imports: Optional[Mapping[str, Mapping[str, Callable[..., Any]]]] = None,
                 timeout: Optional[float] = None, memory_limit: Optional[int] = None,
                 interruptible: Optional[bool] = None) -> None:
        if name is not None and not isinstance(name, str):
            raise TypeError("name must be str, not %s" % type(name).__name__)
        wasm, default_name = read_source(source)
        self.name: str = name or default_name
        # What pickling needs (gowasm._pickle, gowasm._origin): the bytes' origin and hash
        # (set once loaded), and the options, which recreate the module in
        # another process.
        self._options: Dict[str, Any] = dict(
            strict_imports=strict_imports, cache=cache, name=self.name, args=args, env=env,
            inherit_env=inherit_env, mounts=mounts, stdin=stdin, stdout=stdout, stderr=stderr,
            deterministic=deterministic, imports=imports, timeout=timeout, memory_limit=memory_limit,
            interruptible=interruptible)
        streams: List[int] = []
        host_ids: List[int] = []
        try:
            for spec, default in ((stdin, None), (stdout, _streams.STDOUT), (stderr, _streams.STDERR)):
                sid, _ = (_streams.input_stream(spec, None, _streams.DISCARD) if default is None
                          else _streams.output_stream(spec, default))
                streams.append(sid)
            # Strong references to the host functions live here: a function
            # that refers to this module then forms a cycle the GC can
            # collect (the global registry holds weak ones).
            self._host_functions, host_config = _host.register(imports, self)
            host_ids = [h["id"] for h in host_config]
            config = wasi_config(self.name, resolve_cache_dir(cache), args, env, inherit_env, mounts,
                                 (streams[0], streams[1], streams[2]), deterministic, timeout, memory_limit,
                                 interruptible)
            config.update(strict_imports=bool(strict_imports), host_functions=host_config)
            ffi, lib = _native.load()
            err = ffi.new("gowasm_error *")
            handle = ffi.new("uint64_t *")
            if lib.gowasm_module_new(err, ffi.from_buffer(wasm), len(wasm), json.dumps(config).encode(), handle) != 0:
                _native.raise_error(ffi, lib, err)
        except BaseException:
            _streams.release(*streams)
            _host.release(host_ids)
            raise
        self._handle: int = handle[0]
        self._closed = False
        # Frees the handles once nothing can use them: the exported functions
        # hold this object, so they are garbage too by then.
        self._finalizer = weakref.finalize(self, _free, lib, self._handle, tuple(streams), host_ids)
        # Not at interpreter exit: a daemon thread may still be in a call,
        # which freeing would wait for; the process frees everything anyway.
        self._finalizer.atexit = False
        self._full_map: Any = _UNSET
        self._allocators: Dict[Any, Allocator] = {}
        try:
            info = loaded_info(self._handle)
            self._origin = Origin.of(source, wasm, info.sha256)
            self._describe(info, host_ids, wasm)
        except BaseException:
            self.close()  # not left to the garbage collector: a failed load holds nothing
            raise

    @classmethod
    def from_go(cls, source: Union[str, "os.PathLike[str]"], *, tinygo: bool = False,
                build_flags: Sequence[str] = (), **kwargs: Any) -> Any:
        """Builds ordinary Go code into wasm with bindings and loads it.

        ``Module.from_go("./mathlib").Sum(12, 12)`` calls ``func Sum(x, y
        int) int``: no ``//go:wasmexport``, no build command. ``source`` is a
        directory of Go code (a package of a Go module, or loose .go files
        without a go.mod, whose imports of other modules get those modules'
        latest versions when first built: give them a go.mod to pin them)
        or a module path, fetched through the Go module proxy at the version
        after ``@`` (``"github.com/dustin/go-humanize@v1.0.1"``; without one,
        the latest, which every load asks the proxy for; a package inside a
        module works too). Each exported top-level function (in a
        ``package main``, each top-level function whatever its case but
        ``main`` and ``init``) whose
        parameters and results can cross becomes a method: Go integers,
        floats and bools are Python numbers (Go ``int`` is 64-bit), a
        ``string`` is ``str``, ``[]byte`` is ``bytes``, anything
        ``encoding/json`` handles (structs, slices, maps, pointers) is
        dicts, lists and None, several results come back as a tuple, and a
        trailing ``error`` raises :class:`gowasm.GoError`. The others are
        listed, with the reason, in :attr:`skipped`.

        Needs Go 1.24+ on PATH (``tinygo=True``: TinyGo). The .wasm is
        cached by a key of the source, go.mod/go.sum, the toolchain and
        ``build_flags`` (extra ``go build`` flags), so unchanged code loads
        again without building; Go's own build errors come out as
        :class:`gowasm.GoBuildError`. Other keyword arguments go to
        :class:`Module` (``timeout=``, ``mounts=``, ``cache=``...); the
        cache directory of ``cache=`` holds the builds too.

        Its static type is ``Any``, not Module, so that the class ``gowasm
        stubs`` writes types it with no cast: ``m: "Mathlib" =
        Module.from_go("./mathlib")`` (the bindings are known only once
        built; unannotated, every attribute of a Module is an export anyway).
        """
        from . import _gobuild  # only from_go needs it

        src = _gobuild.Source(os.fspath(source))
        cache_dir = resolve_cache_dir(kwargs.get("cache", True))
        flags = _gobuild.check_flags(build_flags)
        kwargs.setdefault("name", src.name)
        reserved = attribute_names(cls)
        if cache_dir is None:
            # No disk cache: the build runs in a private directory of its
            # own, removed after (never a shared temporary path, where
            # another user could plant the tools it runs).
            with tempfile.TemporaryDirectory(prefix="gowasm-go-") as scratch:
                with open(_gobuild.build(src, tinygo=tinygo, flags=flags, cache_dir=scratch, reserved=reserved), "rb") as f:
                    built = f.read()
            return cls(built, **kwargs)
        wasm = _gobuild.build(src, tinygo=tinygo, flags=flags, cache_dir=cache_dir, reserved=reserved)
        try:
            return cls(wasm, **kwargs)
        except CompileError as e:
            # A cached build that does not compile (truncated: a crash before
            # the disk caught up with the rename, a full disk) would fail every
            # load after; it is built once more. A fresh build that fails
            # again raises.
            try:
                os.remove(wasm)
            except OSError:
                raise e from None
            return cls(_gobuild.build(src, tinygo=tinygo, flags=flags, cache_dir=cache_dir, reserved=reserved), **kwargs)

    def _describe(self, info: Info, host_ids: List[int], wasm: bytes) -> None:
        """Builds kind, imports, exports and their functions from the native
        library's description of the module."""
        self.kind: str = info.kind
        # Go functions Module.from_go could not bind, and why.
        self.skipped: Dict[str, str] = {}
        self.imports: List[Import] = info.imports
        _host.check_imports(host_ids, self.imports)
        functions: Dict[str, ExportedFunction] = {}
        for e in info.exports:
            if e.kind == "func":
                functions[e.name] = make_function(self, e.name, e.params, e.results, cast(int, e.handle))
        self._memories = [e.name for e in info.exports if e.kind == "memory"]
        self.exports: Exports = Exports(self, functions)
        # Scanning the bytes only where it can matter: not on every load.
        if self.kind == "command" and len(functions) > 1 and self._GO_BUILDID in wasm:
            _refuse_go_command_exports(functions)
        elif DESCRIBE_EXPORT in functions:
            self._apply_description(functions)
        for fname, fn in functions.items():
            # Never over an attribute of ours (name, kind, close, _handle...).
            if is_attribute_name(fname) and not hasattr(type(self), fname) and fname not in self.__dict__:
                self.__dict__[fname] = fn

    # Every module Go builds has this custom section; its name is stored as
    # is, so finding it in the bytes is enough.
    _GO_BUILDID = b"\x0ago:buildid"

    def _apply_description(self, functions: Dict[str, ExportedFunction]) -> None:
        """Types the exports a guest describes (gowasm's guest package
        exports ``gowasm_describe``), so that ``m.greet("world")`` works."""
        raw = functions[DESCRIBE_EXPORT]

        def warn(message: str) -> None:
            warnings.warn("%s: %s" % (self.name, message), RuntimeWarning, stacklevel=4)

        try:
            if raw.params or raw.results != ("i64",):
                raise TypeError("%s is not () -> i64" % raw.wasm_signature)
            data = read_packed(raw(), self._allocator(None), self)
        except (Trap, ExitError, Timeout, LinkError, ModuleClosedError) as e:
            # The guest died describing itself: a module that loads dead
            # would only fail at its first call, obscurely.
            _add_note(e, "while %s ran its gowasm_describe, as it loaded" % self.name)
            raise
        except (TypeError, ValueError, WasmError) as e:
            warn("ignoring its gowasm_describe: %s" % e)
            return
        _described.describe(self, functions, data, warn)

    def _allocator(self, names: Optional[Tuple[str, str]]) -> Allocator:
        """The guest's allocator exports (found once)."""
        key = tuple(names) if names else None
        if key not in self._allocators:
            self._allocators[key] = Allocator(self, key)  # type: ignore[arg-type]
        return self._allocators[key]

    # -- memory -----------------------------------------------------------

    @property
    def memory(self) -> Optional["Memory"]:
        """The exported memory (None if the module exports none): see
        :class:`gowasm.Memory`. Each read gives a view of its current size."""
        if not self._memories:
            return None
        # Cached while the size is the same (a new mapping costs far more than
        # the size check, one call into Go): a view of the current size either way.
        cached: Optional[Memory] = self.__dict__.get("_memory_view")
        if cached is not None and not getattr(cached, "closed", False) and cached.mapped_size == memory_size(self):
            return cached
        view = self._memory_view = open_memory(self)
        return view

    def _memory_size(self) -> int:
        """The memory's current size in bytes."""
        return memory_size(self)

    def _memory_map(self) -> Any:
        """gowasm's own mapping of the whole memory reservation, or None."""
        if self._full_map is _UNSET:
            full = map_reservation(self)
            # close() (another thread's) or another first read may have
            # come while it was made: only the first is kept, and none
            # once closed (close() found nothing to release).
            if self._full_map is _UNSET and not self._closed:
                self._full_map = full
            elif isinstance(full, mmap.mmap):
                full.close()
        return self._full_map

    # -- lifecycle --------------------------------------------------------

    def close(self) -> None:
        """Closes the module at once: every later use of it (calls, memory,
        a host function's ``Caller``, from any thread) raises
        :class:`ModuleClosedError`. It is freed now, or, if a call is
        running (on another thread, maybe blocked in a host function),
        when that call unwinds: it raises ModuleClosedError as soon as
        control is back in gowasm. Closing twice is fine."""
        if not self._closed:
            ffi, lib = _native.load()
            # Marked closed only once it is: refused (from inside a call to
            # it), it stays open, and a later close() closes it.
            _native.check_call(lib.gowasm_module_close, self._handle)
            self._closed = True
            # gowasm's own mapping of the memory (and the view m.memory
            # caches) would keep all its pages alive for as long as this
            # object lives; views the user holds keep theirs, by design.
            self.__dict__.pop("_memory_view", None)
            full, self._full_map = self._full_map, None
            if isinstance(full, mmap.mmap):
                full.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> "Module":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- discovery --------------------------------------------------------

    def __getattr__(self, name: str) -> ExportedFunction:
        # Only reached when normal lookup fails: a missing export (exports
        # are instance attributes; this return type is theirs for mypy).
        # IPython and Jupyter probe for display hooks (_repr_*_,
        # _ipython_*): those are not exports anyone meant.
        if name.startswith(("__", "_repr_", "_ipython_")) or "exports" not in self.__dict__:
            raise AttributeError(name)
        raise AttributeError(self._missing_export_message(name))

    def __dir__(self) -> List[str]:
        return sorted(set(super().__dir__()) | {n for n in self.exports if is_attribute_name(n)})

    def __repr__(self) -> str:
        state = "closed" if self.closed else self.kind
        return "<gowasm.Module %s (%s), exports: %s>" % (self.name, state, ", ".join(self.exports) or "none")

    # -- notebooks, pickling, Dask ----------------------------------------

    def _repr_html_(self) -> str:
        """Jupyter's rich display: the exports with their signatures, the
        kind, the imports and what provides them."""
        return _display.module_html(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        """IPython's display: the module and one export per line."""
        p.text(_display.module_text(self) if not cycle else repr(self))

    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]:
        """Pickles the module's bytes and the options it was made with (not
        its state): see :mod:`gowasm._pickle`."""
        return _pickle.reduce_module(self)

    def __dask_tokenize__(self) -> Any:
        """A stable token for Dask: the bytes' SHA-256 and the options."""
        return _pickle.token(self)

    def _missing_export_message(self, name: str) -> str:
        exported = list(self.exports) + self._memories
        if name in self._memories:
            return "%s's export %r is a memory, not a function: read it with .memory" % (self.name, name)
        msg = "%s has no export %r." % (self.name, name)
        lowered = {n.lower(): n for n in exported}
        import difflib

        near = [lowered[name.lower()]] if name.lower() in lowered else difflib.get_close_matches(name, exported, n=1)
        if near:
            msg += " Did you mean %r?" % near[0]
        msg += " It exports: %s." % (", ".join(exported) if exported else "nothing")
        callable_exports = [n for n in self.exports if n not in ("_start", "_initialize")]
        if self.kind == "command" and not callable_exports:
            msg += (" It is a WASI command module: it only has _start (its main), so it has no "
                    "functions to call. " + _EXPORT_HOWTO)
        elif not callable_exports:
            msg += " " + _EXPORT_HOWTO
        return msg


_pickle.unpickles_as(Module)  # _pickle.load makes Modules: it cannot import this module back


def _refuse_go_command_exports(functions: Dict[str, ExportedFunction]) -> None:
    """A Go command's exports trap until its main has run (see
    GO_COMMAND_WITH_EXPORTS_ADVICE): each raises the advice instead, without
    entering the guest (whose trap would kill the module)."""
    for fname, fn in list(functions.items()):
        if fname == "_start":
            continue

        def refuse(*args: Any, _name: str = fname, **kwargs: Any) -> Any:
            raise WasmError("cannot call %s: %s" % (_name, GO_COMMAND_WITH_EXPORTS_ADVICE))

        for attr in ("name", "params", "results", "module", "wasm_signature"):
            setattr(refuse, attr, getattr(fn, attr, None))
        refuse.__name__ = refuse.__qualname__ = fname
        refuse.__doc__ = "Cannot be called: " + GO_COMMAND_WITH_EXPORTS_ADVICE
        functions[fname] = cast(ExportedFunction, refuse)


def _add_note(e: BaseException, note: str) -> None:
    if hasattr(e, "add_note"):
        e.add_note(note)
    else:  # Python 3.10: PEP 678's attribute, kept though not printed
        setattr(e, "__notes__", list(getattr(e, "__notes__", ())) + [note])  # noqa: B010


def _free(lib: Any, handle: int, streams: Tuple[int, ...], host_ids: List[int]) -> None:
    _streams.release(*streams)
    _host.release(host_ids)
    if not _native.forked:  # in a forked child the module is the parent's: leave Go alone
        _native.check_call(lib.gowasm_module_free, handle)


def read_source(source: Source) -> Tuple[bytes, str]:
    """The module's bytes and a name for messages."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), "<bytes>"
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        return read_module_file(path), os.path.basename(path)
    raise TypeError("Module() takes a path or the module's bytes, not %s" % type(source).__name__)
