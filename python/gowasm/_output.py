"""Guest output, delivered by the native library to Python file objects.

Guest writes to stdout/stderr arrive through the ``gwpy_write`` callback with
a stream id. Ids 1 and 2 mean "Python's *current* ``sys.stdout`` /
``sys.stderr``", looked up at each write, so output follows redirections
(pytest's capsys, ``contextlib.redirect_stdout``, Jupyter cells).
"""

import codecs
import sys
import threading
from typing import Dict

STDOUT = 1
STDERR = 2

_lock = threading.Lock()
_decoders: Dict[int, "codecs.IncrementalDecoder"] = {}


def _target(stream: int):
    return sys.stdout if stream == STDOUT else sys.stderr if stream == STDERR else None


def write(stream: int, data: bytes) -> None:
    """Writes guest bytes to the stream's Python text file, decoding UTF-8
    incrementally so that a character split across writes survives."""
    target = _target(stream)
    if target is None:
        return
    with _lock:
        decoder = _decoders.get(stream)
        if decoder is None:
            decoder = _decoders[stream] = codecs.getincrementaldecoder("utf-8")("replace")
        text = decoder.decode(data)
    if text:
        target.write(text)


def install(ffi, lib) -> None:
    """Registers the write callback with cffi (once, at library load)."""

    @ffi.def_extern(onerror=_on_error)
    def gwpy_write(stream, data, size):
        write(stream, ffi.buffer(data, size)[:])
        return 0


def _on_error(exc_type, exc, tb):
    # The write fails in the guest (EIO); say why on the real stderr.
    print("gowasm: guest output could not be written: %s: %s" % (exc_type.__name__, exc), file=sys.__stderr__)
    return 1
