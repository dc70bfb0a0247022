"""``run``: a WASI program run like ``subprocess.run`` runs a process."""

import json
import os
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence, Union

from . import _native, _streams
from ._cache import CacheOption, resolve_cache_dir
from ._errors import ExitError, WasmError
from ._module import Source, read_source
from ._wasi import Mount, PathLike, wasi_config

if TYPE_CHECKING:  # imported in run(), not at `import gowasm` (costly: RATIONALE.md)
    import subprocess


def run(
    source: Source,
    args: Optional[Sequence[Any]] = None,
    *,
    input: Union[bytes, str, None] = None,
    stdin: Any = None,
    stdout: Any = None,
    stderr: Any = None,
    capture_output: bool = False,
    check: bool = False,
    text: Optional[bool] = None,
    encoding: Optional[str] = None,
    errors: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
    inherit_env: bool = False,
    mounts: Optional[Mapping[str, Union[PathLike, Mount]]] = None,
    cache: CacheOption = True,
    deterministic: bool = False,
    timeout: Optional[float] = None,
    memory_limit: Optional[int] = None,
    interruptible: Optional[bool] = None,
) -> "subprocess.CompletedProcess[Any]":
    """Runs a WebAssembly program (its ``_start``) and waits for it to end.

    Mirrors :func:`subprocess.run`: ``stdin``/``stdout``/``stderr`` take
    None (Python's ``sys.stdin``/``sys.stdout``/``sys.stderr``),
    ``subprocess.PIPE`` (or ``capture_output=True``), ``subprocess.DEVNULL``
    or a file object (text or binary); ``input`` gives stdin as bytes (str
    with ``text=True``); the result is a :class:`subprocess.CompletedProcess`
    whose ``returncode`` is the guest's exit code, and ``check=True`` raises
    :class:`ExitError` for a nonzero one. A trap raises :class:`Trap`, with
    what was captured so far in its ``stdout``/``stderr`` attributes. An
    exception a stream raises (a closed pipe's ``BrokenPipeError``, a
    ``KeyboardInterrupt`` in a blocking read) stops the program and is
    raised, as a process dies of SIGPIPE.

    The guest sees ``args`` after its program name, only the environment in
    ``env`` (plus the host's with ``inherit_env=True``), only the host
    directories in ``mounts`` (guest path -> host path or :class:`Mount`),
    and real clocks and randomness (``deterministic=True`` fakes them).

    ``timeout`` (seconds) stops a program that runs longer (its compiling
    included), raising :class:`gowasm.Timeout` with what was captured;
    Ctrl-C stops it with ``KeyboardInterrupt`` if it is ``interruptible``
    (as for :class:`Module`). ``memory_limit`` (bytes) caps its memory, and
    its tables at 8 bytes an entry.
    """
    import subprocess

    if capture_output:
        if stdout is not None or stderr is not None:
            raise ValueError("stdout and stderr arguments may not be used with capture_output")
        stdout = stderr = subprocess.PIPE
    decode = bool(text or encoding or errors)
    input = _input_bytes(input, decode, encoding, errors)
    wasm, name = read_source(source)
    # Streams of the run's own: their decoder and read-ahead state is this run's.
    out_id = err_id = in_id = _streams.DISCARD
    try:
        out_id, out = _streams.output_stream(stdout, _streams.STDOUT, own=True)
        err_id, err = _streams.output_stream(stderr, _streams.STDERR, own=True)
        in_id, _ = _streams.input_stream(stdin, input, _streams.STDIN, own=True)
        config = wasi_config(name, resolve_cache_dir(cache), args, env, inherit_env, mounts,
                             (in_id, out_id, err_id), deterministic, timeout, memory_limit,
                             interruptible)
        ffi, lib = _native.load()
        error = ffi.new("gowasm_error *")
        code = ffi.new("uint32_t *")
        status = lib.gowasm_run(error, ffi.from_buffer(wasm), len(wasm), json.dumps(config).encode(), code)
    finally:
        _streams.release(out_id, err_id, in_id)
    captured = [_captured(s, decode, encoding, errors) for s in (out, err)]
    if status != 0:
        try:
            _native.raise_error(ffi, lib, error)
        except WasmError as e:
            e.stdout, e.stderr = captured  # type: ignore[attr-defined]
            raise
    returncode = code[0]
    if check and returncode != 0:
        raise ExitError(returncode, None, stdout=captured[0], stderr=captured[1], program=name)
    return subprocess.CompletedProcess([_display(source)] + list(args or ()), returncode, captured[0], captured[1])


def _input_bytes(value: Any, decode: bool, encoding: Optional[str], errors: Optional[str]) -> Optional[bytes]:
    """``input=`` as the bytes the guest reads, checked as subprocess.run
    checks it: str in text mode (encoded with ``encoding``), else a
    bytes-like object."""
    if value is None:
        return None
    if decode:
        if not isinstance(value, str):
            raise TypeError("input must be str when text=True (or encoding=/errors=) is given, not %s"
                            % type(value).__name__)
        return value.encode(encoding or "utf-8", errors or "strict")
    if isinstance(value, str):
        raise TypeError("input must be bytes unless text=True (or encoding=) is given")
    try:
        return bytes(memoryview(value))
    except TypeError:
        raise TypeError("input must be bytes or a bytes-like object, not %s" % type(value).__name__) from None


def _captured(stream: Optional[_streams.Stream], decode: bool, encoding: Optional[str], errors: Optional[str]) -> Any:
    if not isinstance(stream, _streams.Capture):
        return None
    data = bytes(stream.data)
    return data.decode(encoding or "utf-8", errors or "strict") if decode else data


def _display(source: Source) -> Any:
    return os.fspath(source) if isinstance(source, (str, os.PathLike)) else "<bytes>"
