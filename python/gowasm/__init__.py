"""gowasm: call WebAssembly, above all wasm compiled from Go, from Python.

>>> from gowasm import Module
>>> Module("lol.wasm").sum(12, 12)   # doctest: +SKIP
24

- :class:`Module` loads a module and calls its exports (``m.sum(1, 2)``),
  with strings, bytes and JSON through ``m.fn.typed(str, returns=str)`` or a
  self-describing guest, its memory as ``m.memory``, and Python host
  functions for its imports (``imports={"env": {"log": log}}``).
- :meth:`Module.from_go` builds ordinary Go code (a directory, or a module
  path such as ``github.com/dustin/go-humanize@v1.0.1``) into a module whose
  exported functions are methods: ``Module.from_go("./mathlib").Sum(1, 2)``.
- :func:`run` runs a WASI program the way ``subprocess.run`` runs a process.
- ``python -m gowasm run|inspect|call`` is the command line.
- Errors derive from :class:`WasmError`. A guest can always be stopped:
  Ctrl-C (``KeyboardInterrupt``), ``timeout=`` (:class:`Timeout`), or
  ``close()`` from another thread.

The engine is wazero (Go), embedded as a shared library and called through
cffi. Importing gowasm is cheap: the library loads on first use.
"""

from ._errors import (CacheWarning, CompileError, ExitError, ForkError, GoBuildError, GoError, LinkError, ModuleClosedError,
                      OutOfBoundsError, Timeout, Trap, WasmError)
from ._caller import Caller
from ._memory import Memory
from ._description import Import
from ._module import Exports, Module
from ._run import run
from ._exported import ExportedFunction
from ._wasi import Mount

__all__ = [
    "Module",
    "run",
    "Mount",
    "Memory",
    "Caller",
    "Exports",
    "Import",
    "ExportedFunction",
    "WasmError",
    "CompileError",
    "LinkError",
    "Trap",
    "ExitError",
    "ModuleClosedError",
    "Timeout",
    "ForkError",
    "GoError",
    "GoBuildError",
    "OutOfBoundsError",
    "CacheWarning",
]

__version__ = "0.1.0"
