"""Caller: what a host function gets of the module that called it (its
memory), public as :class:`gowasm.Caller`. Apart from the host-call
machinery (_host.py), which only makes one per call."""

from typing import Any

from ._memory import open_memory, read_at, write_at


class Caller:
    """The module that called a host function (ask for it by annotating the
    first parameter ``caller: gowasm.Caller``). Valid during the call."""

    def __init__(self, handle: int, owner: Any) -> None:
        self._handle = handle
        self._owner = owner
        self.name: str = getattr(owner, "name", "<module>")

    @property
    def memory(self) -> Any:
        """The calling module's memory (a :class:`gowasm.Memory`)."""
        return open_memory(self)

    @property
    def module(self) -> Any:
        """The calling :class:`gowasm.Module` (None while it initialises)."""
        owner = self._owner
        return owner if owner is not None and getattr(owner, "_handle", None) == self._handle else None

    def read_bytes(self, ptr: int, size: int) -> bytes:
        return self._read(ptr, size)

    def read_string(self, ptr: int, size: int, encoding: str = "utf-8") -> str:
        return self._read(ptr, size).decode(encoding)

    def write(self, ptr: int, data: Any) -> None:
        write_at(self, ptr, data)

    def _read(self, ptr: int, size: int) -> bytes:
        return read_at(self, ptr, size)

    def _memory_map(self) -> Any:
        # The module's own mapping, which its close() releases. While it
        # loads (its _initialize calls the host function) there is none
        # yet: reads and writes copy through the C ABI. A mapping of the
        # Caller's own outlived close() and a failed load, keeping the
        # guest's whole memory for as long as the Caller lived.
        owner = self._owner
        if owner is not None and getattr(owner, "_handle", None) == self._handle:
            return owner._memory_map()
        return None
