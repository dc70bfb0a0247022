"""gowasm: call WebAssembly, above all wasm compiled from Go, from Python.

>>> from gowasm import Module
>>> Module("lol.wasm").sum(12, 12)   # doctest: +SKIP
24

The engine is wazero (Go), embedded as a shared library and called through
cffi. Importing gowasm is cheap: the library loads on first use.
"""

from ._errors import CompileError, ExitError, LinkError, ModuleClosedError, Trap, WasmError
from ._host import Caller
from ._memory import Memory
from ._module import Exports, Import, Module
from ._run import run
from ._wasi import Mount

__all__ = [
    "Module",
    "run",
    "Mount",
    "Memory",
    "Caller",
    "Exports",
    "Import",
    "WasmError",
    "CompileError",
    "LinkError",
    "Trap",
    "ExitError",
    "ModuleClosedError",
]

__version__ = "0.1.0"
