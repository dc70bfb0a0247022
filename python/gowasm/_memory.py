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
from typing import Any, Optional, Union

from . import _native

PAGE = 65536
Bytes = Union[bytes, bytearray, memoryview]


class Memory:
    """The guest's linear memory (what ``m.memory`` returns).

    ``len(mem)`` is its current size in bytes; ``read(offset, size)`` and
    ``write(offset, data)`` copy, with bounds checked against the current
    size (``IndexError``); ``grow(pages)`` adds 64 KiB pages. On Linux and
    macOS the object also supports the buffer protocol: ``memoryview(mem)``
    and ``numpy.frombuffer(mem, ...)`` see the memory itself, as long as it
    was when ``m.memory`` was read (read ``m.memory`` again after growth).
    """

    _module: Any
    #: The size the object was made for (Module.memory reuses it while the
    #: memory keeps that size).
    mapped_size: int = -1

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
        self._check(offset, size)
        full = self._module._memory_map()
        if full is not None:
            return bytes(full[offset : offset + size])
        ffi, lib = _native.load()
        buf = ffi.new("uint8_t[]", size)
        _native.check_call(lib.gowasm_memory_read, self._module._handle, offset, buf, size)
        return ffi.buffer(buf, size)[:]  # type: ignore[no-any-return]

    def write(self, offset: int, data: Bytes) -> None:
        """Copies ``data`` into the memory at ``offset``."""
        data = memoryview(data).cast("B")
        self._check(offset, len(data))
        full = self._module._memory_map()
        if full is not None:
            full[offset : offset + len(data)] = data
            return
        ffi, lib = _native.load()
        _native.check_call(lib.gowasm_memory_write, self._module._handle, offset, ffi.from_buffer(data), len(data))

    def read_string(self, offset: int, size: int, encoding: str = "utf-8") -> str:
        """Reads ``size`` bytes at ``offset`` as text (UTF-8 by default)."""
        return self.read(offset, size).decode(encoding)

    def _check(self, offset: int, size: int) -> None:
        if offset < 0 or size < 0:
            raise IndexError("memory offsets and sizes are not negative: offset %d, size %d" % (offset, size))
        total = len(self)
        if offset + size > total:
            raise IndexError("memory access out of bounds: offset %d + size %d > memory size %d" % (offset, size, total))

    def __repr__(self) -> str:
        try:
            return "<gowasm.Memory of %s: %d pages>" % (self._module.name, self.pages)
        except Exception:
            return "<gowasm.Memory of %s (closed)>" % self._module.name


class MappedMemory(Memory, mmap.mmap):  # type: ignore[misc]  # read/write are Memory's, not mmap's
    """A Memory that is also a shared mapping of the memory's pages."""

    def resize(self, newsize: int) -> None:
        # mmap.resize would truncate the file the guest's memory lives in.
        raise TypeError("a guest memory cannot be resized; use grow(pages)")


class CopiedMemory(Memory):
    """A Memory without zero-copy access (no memory file on this platform,
    or an empty memory, which cannot be mapped)."""

    def __init__(self, module: Any) -> None:
        self._module = module


def memory_size(owner: Any) -> int:
    """The current size in bytes of the memory of owner (a Module or Caller)."""
    ffi, lib = _native.load()
    size = lib.gwpy_memory_len(owner._handle)
    if size < 0:
        _native.raise_error(ffi, lib, _native.take_error(ffi, lib))
    return int(size)


def open_memory(module: Any) -> Memory:
    """A Memory for ``module`` at its current size."""
    mem: Memory = CopiedMemory(module)
    size = mem.mapped_size = len(mem)
    if size == 0 or memory_map(module, None, 0) is None:
        mem.mapped_size = -1  # never reused: a copying Memory costs nothing to make
        return mem
    view: Memory = _mapping(MappedMemory, module, size)
    view._module = module
    view.mapped_size = size
    return view


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
    """A ``cls`` (an ``mmap.mmap``) of ``length`` bytes showing the module's
    memory. It starts as an anonymous private mapping, reserving no swap
    (``MAP_NORESERVE``: it may be 4 GiB), whose pages Go replaces; CPython
    unmaps it when the object goes, and holds no descriptor for it, where a
    mapping of the memory file would hold a dup of it for its lifetime."""
    _, lib = _native.load()
    mapping = cls(-1, length, flags=mmap.MAP_PRIVATE | lib.GWPY_MAP_NORESERVE)
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
