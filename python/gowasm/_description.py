"""What a module imports and exports, one type each, whoever describes it:

- the engine describes a module it loaded (``gowasm_module_info``: JSON of
  Go's ``engine.Info``, made from what wazero compiled), decoded here and
  nowhere else (:func:`loaded_info`);
- the inspector describes a file without loading it (:mod:`gowasm._tools.wasmbin`
  reads it, :mod:`gowasm._tools.inspect` says what it is);
- which kind of module it is (how it is initialised) is decided by Go's
  rules only (gohost/internal/engine/kind.go), which :func:`classify` asks.

See RATIONALE.md, "One description of a module".
"""

import json
from typing import Any, Dict, Iterable, List, NamedTuple, Optional, Tuple

from . import _native

__all__ = ["Import", "Export", "Info", "loaded_info", "classify"]


class Import(NamedTuple):
    """One import of a module.

    ``Module.imports`` lists a loaded module's imported functions, each with
    what satisfies it: ``provided_by`` is ``"wasi"``, ``"assemblyscript"``,
    ``"emscripten"``, ``"python"`` (a host function) or ``"stub"`` (fails if
    called). ``gowasm inspect`` lists a file's imports of every ``kind``
    (``"func"``, ``"table"``, ``"memory"``, ``"global"`` or ``"tag"``),
    with ``provided_by`` None. ``params``/``results`` are a function's (or
    a tag's) value types; ``min``/``max`` are a memory's limits in pages or
    a table's in elements, ``shared`` whether a memory is shared; ``type``
    is a global's value type or a table's element type, ``mutable`` whether
    a global is mutable.
    """

    module: str
    name: str
    params: Tuple[str, ...] = ()
    results: Tuple[str, ...] = ()
    provided_by: Optional[str] = None
    kind: str = "func"
    min: Optional[int] = None
    max: Optional[int] = None
    shared: bool = False
    type: Optional[str] = None
    mutable: bool = False

    def __repr__(self) -> str:
        # The first five fields always (a loaded module's imports look as
        # they did before the rest were added), the others when they are set.
        shown = [(f, v) for n, (f, v) in enumerate(zip(self._fields, self))
                 if n < 5 or v != self._field_defaults[f]]
        return "Import(%s)" % ", ".join("%s=%r" % fv for fv in shown)


class Export(NamedTuple):
    """One export of a module, with the fields of :class:`Import` that
    describe what it refers to. A loaded module's exported function has the
    engine's ``handle`` for calls; an inspected file's export has ``index``,
    its position in its kind's index space."""

    name: str
    kind: str
    params: Tuple[str, ...] = ()
    results: Tuple[str, ...] = ()
    # The binary format's word (and `gowasm inspect --json`'s key); it hides
    # tuple.index, which nothing calls on an export.
    index: Optional[int] = None  # type: ignore[assignment]
    handle: Optional[int] = None
    min: Optional[int] = None
    max: Optional[int] = None
    shared: bool = False
    type: Optional[str] = None
    mutable: bool = False


class Info(NamedTuple):
    """Go's ``engine.Info``: what the engine loaded. Its imports are the
    imported functions; its exports the exported functions and memories."""

    name: str
    kind: str
    imports: List[Import]
    exports: List[Export]
    #: The SHA-256 (hex) of the bytes that loaded.
    sha256: str


def _decode(data: Any) -> Info:
    """Info from the JSON of Go's ``engine.Info`` (gohost/internal/engine/module.go)."""
    return Info(
        data.get("name") or "",
        data["kind"],
        [Import(i["module"], i["name"], tuple(i.get("params") or ()), tuple(i.get("results") or ()),
                i["provided_by"]) for i in data.get("imports") or ()],
        [Export(e["name"], e["kind"], tuple(e.get("params") or ()), tuple(e.get("results") or ()),
                handle=e["handle"] if e["kind"] == "func" else None, min=e.get("min", 0) if e["kind"] == "memory" else None, max=e.get("max"))
         for e in data.get("exports") or ()],
        data["sha256"],
    )


def loaded_info(handle: int) -> Info:
    """The engine's description of the loaded module ``handle``."""
    ffi, lib = _native.load()
    return _decode(json.loads(_native.string_call(ffi, lib, lib.gowasm_module_info, handle)))


def classify(imports: Iterable[Import], exports: Iterable[Export]) -> str:
    """The module's kind by gowasm's one set of rules (Go's, which loading
    applies): ``"reactor"``, ``"command"``, ``"tinygo-js"``, ``"go-js"`` or
    ``"library"``. Only the imported and exported functions' names count."""
    names: Dict[str, List[Any]] = {
        "imports": [{"module": i.module, "name": i.name} for i in imports if i.kind == "func"],
        "exports": [e.name for e in exports if e.kind == "func"],
    }
    ffi, lib = _native.load()
    return _native.string_call(ffi, lib, lib.gowasm_classify, json.dumps(names).encode())
