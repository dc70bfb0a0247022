"""Guest stdio, carried by the native library to and from Python objects.

The native library calls ``gwpy_write(stream, data, len)`` for guest output
and ``gwpy_read(stream, buf, len)`` for guest input, with the stream ids
given in the module configuration. This module maps ids to Python objects:

- ids 1, 2, 3 are Python's *current* ``sys.stdout``, ``sys.stderr`` and
  ``sys.stdin``, looked up at each use, so output follows redirection
  (pytest's capsys, ``contextlib.redirect_stdout``, Jupyter cells);
- other ids are registered for one module or one run (a file object, a
  capture buffer, bytes to read) and released with it;
- 0 discards output / reads as end of file (``subprocess.DEVNULL``).

Everything goes through Python, never Go writing to fd 1/2, so a closed pipe
raises ``BrokenPipeError`` here instead of killing the process with SIGPIPE.
An exception a stream raises (that one, a KeyboardInterrupt) is kept like a
host function's and aborts the guest call, which re-raises it: the call that
wrote fails, whichever stream it was.
"""

import codecs
import io
import itertools
import sys
import threading
from typing import Any, Callable, Dict, Optional

from . import _native

# subprocess.PIPE, STDOUT and DEVNULL (their documented values; importing
# subprocess would cost `import gowasm` more than gowasm's own modules:
# RATIONALE.md).
_SP_PIPE, _SP_STDOUT, _SP_DEVNULL = -1, -2, -3

DISCARD = 0
STDOUT = 1
STDERR = 2
STDIN = 3

_lock = threading.RLock()  # a GC finalizer may release while we register
_ids = itertools.count(16)
_streams: Dict[int, "Stream"] = {}


class Stream:
    """One registered stream."""

    #: What the guest knows it as, for messages: stdout, stderr or stdin.
    name: str = "stream"

    def write(self, data: bytes) -> None:
        raise OSError("stream is not writable")

    def read(self, size: int) -> bytes:
        raise OSError("stream is not readable")


class TextWriter(Stream):
    """Writes to a text file, decoding UTF-8 incrementally so that a
    character split across two guest writes survives. The process' own
    stdout/stderr get the bytes as they are (after flushing their text
    layer, to keep the order), so binary output passes through."""

    def __init__(self, target: Callable[[], Any]) -> None:
        self._target = target
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def write(self, data: bytes) -> None:
        f: Any = self._target()
        if f is None:  # e.g. sys.stdout is None under pythonw
            return
        if (f is sys.__stdout__ or f is sys.__stderr__) and hasattr(f, "buffer"):
            std: Any = f  # (not narrowed to sys.__stdout__'s Optional type)
            std.flush()
            std.buffer.write(data)
            if std.line_buffering or std is sys.__stderr__:
                std.buffer.flush()
            return
        text = self._decoder.decode(data)
        if text:
            f.write(text)


class BinaryWriter(Stream):
    def __init__(self, f: Any) -> None:
        self._f = f

    def write(self, data: bytes) -> None:
        self._f.write(data)


class Capture(Stream):
    """``subprocess.PIPE``: collects output for the CompletedProcess."""

    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data: bytes) -> None:
        self.data += data


class InputReader(Stream):
    """Reads from a file (text or binary) or from bytes given as input."""

    def __init__(self, source: Callable[[], Any]) -> None:
        self._source = source
        self._pending = b""

    def read(self, size: int) -> bytes:
        if self._pending:
            data, self._pending = self._pending[:size], self._pending[size:]
            return data
        f = self._source()
        if f is None:
            return b""
        buffer = getattr(f, "buffer", None)
        if buffer is not None and hasattr(buffer, "read1"):
            return bytes(buffer.read1(size))  # what is available: don't wait for size bytes
        if hasattr(f, "read1"):
            return bytes(f.read1(size))
        data = f.read(size)
        if isinstance(data, str):
            data = data.encode("utf-8")
            data, self._pending = data[:size], data[size:]
        return data


def is_text(f: Any) -> bool:
    """Whether a file object takes str (``io.StringIO``, ``sys.stdout``)."""
    if isinstance(f, io.TextIOBase):
        return True
    if isinstance(f, (io.RawIOBase, io.BufferedIOBase)):
        return False
    return hasattr(f, "encoding")


def output_stream(spec: Any, default: int, own: bool = False) -> "tuple[int, Optional[Stream]]":
    """Registers an output destination as given to run()/Module(): None
    (Python's current sys.stdout or sys.stderr, per ``default``),
    subprocess.PIPE, subprocess.DEVNULL, or a file object. Returns its id
    and, for new registrations, the Stream. With ``own``, None gets a stream
    of its own, so that its decoding state (a character split across
    writes) is the caller's alone."""
    if spec is None:
        if not own:
            return default, None
        writer = TextWriter(_current[default]._target)  # type: ignore[attr-defined]
        return register(writer, _NAMES[default]), writer
    if spec == _SP_DEVNULL:
        return DISCARD, None
    if spec == _SP_PIPE:
        stream: Stream = Capture()
    elif spec == _SP_STDOUT:
        raise ValueError("stderr=subprocess.STDOUT is not supported; pass the same file object for both")
    elif hasattr(spec, "write"):
        stream = TextWriter(lambda: spec) if is_text(spec) else BinaryWriter(spec)
    else:
        raise TypeError("stdout/stderr must be None, subprocess.PIPE, subprocess.DEVNULL or a file object, not %s"
                        % type(spec).__name__)
    return register(stream, _NAMES[default]), stream


def input_stream(spec: Any, data: Any, default: int, own: bool = False) -> "tuple[int, Optional[Stream]]":
    """Registers an input source: input= bytes/str, or stdin= as for output."""
    if data is not None:
        if spec is not None:
            raise ValueError("stdin and input arguments may not both be used")
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        buf = io.BytesIO(raw)
        stream: Stream = InputReader(lambda: buf)
        return register(stream, "stdin"), stream
    if spec is None:
        if not own or default == DISCARD:
            return default, None
        stream = InputReader(_current[default]._source)  # type: ignore[attr-defined]
        return register(stream, "stdin"), stream
    if spec in (_SP_DEVNULL, _SP_PIPE):
        return DISCARD, None  # PIPE without input= is empty, as in subprocess
    if hasattr(spec, "read"):
        stream = InputReader(lambda: spec)
        return register(stream, "stdin"), stream
    raise TypeError("stdin must be None, subprocess.DEVNULL or a file object, not %s" % type(spec).__name__)


def register(stream: Stream, name: str) -> int:
    stream.name = name
    with _lock:
        sid = next(_ids)
        _streams[sid] = stream
    return sid


def release(*ids: int) -> None:
    with _lock:
        for sid in ids:
            _streams.pop(sid, None)


_NAMES = {STDOUT: "stdout", STDERR: "stderr", STDIN: "stdin"}

_current: Dict[int, Stream] = {
    STDOUT: TextWriter(lambda: sys.stdout),
    STDERR: TextWriter(lambda: sys.stderr),
    STDIN: InputReader(lambda: sys.stdin),
}
for _sid, _stream in _current.items():
    _stream.name = _NAMES[_sid]


def _lookup(sid: int) -> Optional[Stream]:
    return _current.get(sid) or _streams.get(sid)


def install(ffi: Any, lib: Any, callbacks: Any) -> None:
    """Registers the stdio callbacks with cffi and in callbacks (once, at
    library load)."""

    @ffi.def_extern(onerror=_on_write_error)  # type: ignore[untyped-decorator]
    def gwpy_write(sid: int, data: Any, size: int) -> int:
        stream = _lookup(sid)
        if stream is not None:
            try:
                stream.write(ffi.buffer(data, size)[:])
            except BaseException as e:
                _keep(e, stream)
                return 1  # the guest call is aborted, and re-raises e
        return 0

    @ffi.def_extern(onerror=_on_read_error)  # type: ignore[untyped-decorator]
    def gwpy_read(sid: int, buf: Any, size: int) -> int:
        stream = _lookup(sid)
        if stream is None:
            return 0
        try:
            data = stream.read(size)
        except BaseException as e:
            _keep(e, stream)
            return -1
        n = min(len(data), size)
        ffi.memmove(buf, data, n)
        return n

    callbacks.write = lib.gwpy_write
    callbacks.read = lib.gwpy_read


def _keep(e: BaseException, stream: Optional[Stream]) -> None:
    """Keeps a stream's exception for the guest call it aborts to re-raise
    (the same per-thread list as host functions': the callback runs on the
    thread of the call)."""
    if hasattr(e, "add_note"):
        e.add_note("gowasm: raised by the guest's %s" % (stream.name if stream is not None else "stdio"))
    _native.keep_pending(e)


# Reached when an exception escapes the try blocks above, e.g. a
# KeyboardInterrupt delivered between two statements: it is not lost either.
def _on_write_error(exc_type: Any, exc: Any, tb: Any) -> int:
    if exc is not None:
        _keep(exc, None)
    return 1


def _on_read_error(exc_type: Any, exc: Any, tb: Any) -> int:
    if exc is not None:
        _keep(exc, None)
    return -1


_native.on_load(install)
