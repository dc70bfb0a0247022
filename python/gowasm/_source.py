"""Reading a module file: its header first, then at most the size gowasm loads.

A FIFO, a device (``/dev/zero``) or a file of several GiB given as a module
would otherwise be read whole (or block) before anything looked at it: the
file is opened without blocking, refused unless it is a regular file, its
first four bytes must be WebAssembly's magic, and it is read only up to the
largest module the native library loads (``GOWASM_MAX_MODULE_SIZE``).
"""

import errno
import os
import stat
from typing import List

from ._errors import CompileError

MAGIC = b"\0asm"

# What a file that is not a regular file is, for messages.
_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))

# Read in pieces past the size the file had when opened (a file that grows,
# or a /proc file, which says it has 0 bytes): never one buffer of the limit.
_CHUNK = 1 << 20


def max_module_size() -> int:
    """The largest module the native library loads (gowasm.h's
    GOWASM_MAX_MODULE_SIZE: engine.MaxModuleSize, checked at compile time)."""
    from . import _native

    _, lib = _native.load()
    return int(lib.GOWASM_MAX_MODULE_SIZE)


def read_module_file(path: str) -> bytes:
    """The bytes of the module file at ``path``. OSError as ``open`` raises
    it (a missing file, a directory); :class:`CompileError` for a file that
    is not a regular file, does not start with WebAssembly's magic, or is
    larger than a module can be, before it is read."""
    # O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
                 | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
        if not stat.S_ISREG(st.st_mode):
            kind = next((what for test, what in _KINDS if test(st.st_mode)), "not a regular file")
            raise CompileError("gowasm: cannot load %s: it is %s, not a regular file; read it yourself and pass "
                               "the module's bytes" % (path, kind))
        f = open(fd, "rb", closefd=True)
    except BaseException:
        os.close(fd)
        raise
    with f:
        head = f.read(len(MAGIC))
        if len(head) == len(MAGIC) and head != MAGIC:
            raise CompileError("gowasm: %s is not a valid WebAssembly module: invalid magic number (it starts "
                               "with %s, a module with 00 61 73 6d)" % (path, head.hex(" ")))
        limit = max_module_size()
        if st.st_size > limit:
            raise _too_big(path, "%d bytes" % st.st_size, limit)
        f.seek(0)
        data = f.read(st.st_size)
        more = f.read(_CHUNK)
        if not more:  # the usual case: one read of the size the file has
            return data
        chunks: List[bytes] = [data, more]
        size = len(data) + len(more)
        while more:
            if size > limit:
                raise _too_big(path, "more than %d bytes" % limit, limit)
            more = f.read(_CHUNK)
            chunks.append(more)
            size += len(more)
        return b"".join(chunks)


def _too_big(path: str, size: str, limit: int) -> CompileError:
    return CompileError("gowasm: %s is not a valid WebAssembly module: it is %s long, and modules are at most %d "
                        "bytes (1 GiB, the WebAssembly JS API's limit)" % (path, size, limit))
