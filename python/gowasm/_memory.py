"""A module's linear memory: ``m.memory``.

On Linux and macOS the memory lives in a memory file that gowasm's Go side
maps at a fixed address, reserved at the memory's maximum size; Python gets
a mapping of the same pages (Go replaces an anonymous ``mmap`` of Python's
with it, so no descriptor is held). So ``memoryview(m.memory)`` (and
``numpy.frombuffer``) is zero-copy and writable, and it can never point at
freed or moved memory: the kernel keeps the pages while any mapping exists,
so a view stays valid after the memory grows (it keeps the length it had)
and after the module is closed (it then holds the last contents, shared
with nobody).

Elsewhere memory is copied in and out through the C ABI, and
``memoryview(m.memory)`` raises.
"""

import mmap
from typing import Any, NoReturn, Optional, Union

from . import _native
from ._errors import ModuleClosedError, OutOfBoundsError

PAGE = 65536
Bytes = Union[bytes, bytearray, memoryview]


class Memory:
    """The guest's linear memory (what ``m.memory`` returns).

    ``len(mem)`` is its current size in bytes; ``read(offset, size)`` and
    ``write(offset, data)`` copy, with bounds checked against the current
    size (:class:`~gowasm.OutOfBoundsError`, an ``IndexError``);
    ``grow(pages)`` adds 64 KiB pages. On Linux and macOS ``m.memory`` also
    supports the buffer protocol (it is a :class:`MappedMemory`):
    ``memoryview(mem)`` and ``numpy.frombuffer(mem, ...)`` see the memory
    itself, as long as it was when ``m.memory`` was read (read ``m.memory``
    again after growth).
    """

    #: The size the object was made for (Module.memory reuses it while the
    #: memory keeps that size); -1: never reused, it costs nothing to make.
    mapped_size: int = -1

    def __init__(self, module: Any) -> None:
        self._module = module

    def __len__(self) -> int:
        return memory_size(self._module)

    @property
    def pages(self) -> int:
        """The current size in 64 KiB pages."""
        return len(self) // PAGE

    def grow(self, pages: int) -> int:
        """Grows the memory by ``pages`` pages; returns the previous size in
        pages. Raises ``OverflowError`` beyond the memory's maximum."""
        if not 0 <= pages < 1 << 32:
            raise OverflowError("pages must be between 0 and 2**32-1, not %d" % pages)
        ffi, lib = _native.load()
        out = ffi.new("uint32_t *")
        _native.check_call(lib.gowasm_memory_grow, self._module._handle, pages, out)
        return int(out[0])

    def read(self, offset: int, size: int) -> bytes:
        """Copies ``size`` bytes at ``offset`` out of the memory."""
        return read_at(self._module, offset, size)

    def write(self, offset: int, data: Bytes) -> None:
        """Copies ``data`` (any bytes-like object) into the memory at ``offset``."""
        write_at(self._module, offset, data)

    def read_string(self, offset: int, size: int, encoding: str = "utf-8") -> str:
        """Reads ``size`` bytes at ``offset`` as text (UTF-8 by default)."""
        return self.read(offset, size).decode(encoding)

    def __repr__(self) -> str:
        try:
            return "<gowasm.Memory of %s: %d pages>" % (self._module.name, self.pages)
        except Exception:
            return "<gowasm.Memory of %s (closed)>" % self._module.name


class MappedMemory(Memory, mmap.mmap):  # type: ignore[misc]  # read/write are Memory's, not mmap's
    """A Memory that is also a shared mapping of the memory's pages, at the
    size it had when made (a plain Memory is what a memory that cannot be
    mapped gets: no memory file on this platform, or an empty memory).
    Reads and writes are Memory's either way (read_at, write_at)."""

    def __new__(cls, module: Any, size: int) -> "MappedMemory":
        mapping: MappedMemory = _mapping(cls, module, size)
        return mapping

    def __init__(self, module: Any, size: int) -> None:
        super().__init__(module)
        self.mapped_size = size

    def resize(self, newsize: int) -> None:
        # mmap.resize would truncate the file the guest's memory lives in.
        raise TypeError("a guest memory cannot be resized; use grow(pages)")


# -- gowasm's own reads and writes ------------------------------------------
# One implementation for every host-side access to guest memory: Memory's
# methods, a Caller's, and the typed convention's arguments and results on
# its Python path (the one-crossing path checks the same in Go:
# gohost/internal/engine/typed.go, pointerError). owner is a Module or a
# Caller: what has ``_handle``, ``name`` and ``_memory_map()``.

def check_range(owner: Any, offset: int, size: int, pointer: Optional[str] = None) -> None:
    """Refuses, with OutOfBoundsError, an access to ``size`` bytes at
    ``offset`` that is not inside owner's memory at its current size: a
    buggy guest or caller gets an error, never a read or write elsewhere.
    ``pointer`` says where a guest's pointer came from (formatted with
    ``(offset, size)``); such a pointer may not be 0 either, which the typed
    convention never passes (a malloc returning 0 is out of memory)."""
    if offset < 0 or size < 0:
        raise OutOfBoundsError("memory offsets and sizes are not negative: offset %d, size %d" % (offset, size))
    total = memory_size(owner)
    if offset + size <= total and (offset or pointer is None):
        return
    if pointer is None:
        raise OutOfBoundsError("memory access out of bounds: offset %d + size %d > memory size %d" % (offset, size, total))
    raise OutOfBoundsError("%s: %s, outside its memory (%d bytes)%s" % (
        owner.name, pointer % (offset, size), total, "" if offset else "; out of memory?"))


def read_at(owner: Any, offset: int, size: int, pointer: Optional[str] = None) -> bytes:
    """Copies ``size`` bytes at ``offset`` out of owner's memory, through
    gowasm's mapping of it where there is one, else through the C ABI;
    bounds checked first (check_range)."""
    check_range(owner, offset, size, pointer)
    full = owner._memory_map()
    if full is not None:
        try:
            data: bytes = full[offset : offset + size]
        except ValueError:
            _closed_meanwhile(owner, full)
        return data
    ffi, lib = _native.load()
    buf = ffi.new("uint8_t[]", size)
    _native.check_call(lib.gowasm_memory_read, owner._handle, offset, buf, size)
    return ffi.buffer(buf, size)[:]  # type: ignore[no-any-return]


def write_at(owner: Any, offset: int, data: Any, pointer: Optional[str] = None) -> None:
    """Copies ``data`` (bytes-like) into owner's memory at ``offset``, as
    read_at reads; bounds checked first (check_range)."""
    if not isinstance(data, (bytes, bytearray)):
        data = memoryview(data).cast("B")  # len() in bytes, whatever the format
    check_range(owner, offset, len(data), pointer)
    full = owner._memory_map()
    if full is not None:
        try:
            full[offset : offset + len(data)] = data
        except ValueError:
            _closed_meanwhile(owner, full)
        return
    ffi, lib = _native.load()
    _native.check_call(lib.gowasm_memory_write, owner._handle, offset, ffi.from_buffer(data), len(data))


def _closed_meanwhile(owner: Any, full: mmap.mmap) -> NoReturn:
    """Re-raises the ValueError of an access through gowasm's mapping as
    ModuleClosedError if close() (from another thread, between the bounds
    check and the access) closed the mapping."""
    if full.closed:
        raise ModuleClosedError("gowasm: %s is closed" % owner.name) from None
    raise


def memory_size(owner: Any) -> int:
    """The current size in bytes of the memory of owner (a Module or Caller)."""
    ffi, lib = _native.load()
    size = lib.gwpy_memory_len(owner._handle)
    if size < 0:
        _native.raise_error(ffi, lib, _native.take_error(ffi, lib))
    return int(size)


def open_memory(module: Any) -> Memory:
    """A Memory for ``module`` at its current size: a MappedMemory where
    the memory can be mapped."""
    size = memory_size(module)
    if size == 0 or memory_map(module, None, 0) is None:
        return Memory(module)
    return MappedMemory(module, size)


def memory_map(module: Any, dst: Optional[mmap.mmap], length: int) -> Optional[int]:
    """Replaces the pages of ``dst`` (a mapping of ``length`` bytes) by the
    module's memory; with ``dst`` None only asks. Returns the memory's
    reserved size, or None where memory is not file-backed."""
    ffi, lib = _native.load()
    err = ffi.new("gowasm_error *")
    reserved = ffi.new("uint64_t *")
    buf = ffi.NULL if dst is None else ffi.from_buffer(dst)
    try:
        if lib.gowasm_memory_map(err, module._handle, buf, length, reserved) != 0:
            if err.code == lib.GOWASM_ERR_USAGE:  # not file-backed here
                _native.take_message(ffi, lib, err)
                return None
            _native.raise_error(ffi, lib, err)
    finally:
        if dst is not None:
            ffi.release(buf)  # an exported buffer would keep dst from closing
    return int(reserved[0])


def _mapping(cls: Any, module: Any, length: int) -> Any:
    """A new ``cls`` (an ``mmap.mmap``, made by mmap's own constructor: a
    MappedMemory's is this) of ``length`` bytes showing the module's
    memory. It starts as an anonymous private mapping, reserving no swap
    (``MAP_NORESERVE``: it may be 4 GiB), whose pages Go replaces; CPython
    unmaps it when the object goes, and holds no descriptor for it, where a
    mapping of the memory file would hold a dup of it for its lifetime."""
    _, lib = _native.load()
    mapping = mmap.mmap.__new__(cls, -1, length, flags=mmap.MAP_PRIVATE | lib.GWPY_MAP_NORESERVE)
    try:
        if memory_map(module, mapping, length) is None:
            raise RuntimeError("gowasm: the memory of %s cannot be mapped" % module.name)
    except BaseException:
        mapping.close()
        raise
    return mapping


def map_reservation(module: Any) -> Optional[mmap.mmap]:
    """The whole reservation, mapped once per module for gowasm's own reads
    and writes (bounds are checked against the current size first)."""
    reserved = memory_map(module, None, 0)
    if reserved is None:
        return None
    mapping: mmap.mmap = _mapping(mmap.mmap, module, reserved)
    return mapping
