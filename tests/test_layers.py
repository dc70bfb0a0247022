"""The Python package's layers: every module of python/gowasm has one, and
imports only from layers below its own, or from its own layer without a cycle.

LAYERS below is the one table. Its rules, checked on the source with ``ast``
(so imports inside functions, the lazy ones, count like module-level ones):

- a module may import a module of a lower layer, or of its own layer as long
  as the imports within the layer have no cycle (no layer may lean on a
  module above it, even lazily, even to break a cycle);
- a module the table does not place, or a table entry with no module,
  fails the test: a new module gets a layer when it is written;
- an import under ``if TYPE_CHECKING:`` never runs, so it cannot load a layer
  or make a cycle: it may name a higher layer only if TYPE_ONLY_UP lists it
  (with the reason), and a listed pair that no longer exists fails too.

``import gowasm`` never loads the tools (L6), nor from_go's builder: a fresh
interpreter checks it.
"""

import ast
import os
import subprocess
import sys
from typing import Dict, List, Set, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "python", "gowasm")

LAYERS: Dict[int, Tuple[str, ...]] = {
    # Imports nothing of gowasm (but each other): errors, displays, the
    # vocabulary of values and calls, shared advice.
    0: ("_errors", "_display", "_values", "_advice"),
    # The native library, loaded on first use, and the per-thread exception a
    # host function or stream raised; the cffi extension it loads.
    1: ("_native", "_gowasm_cffi"),
    # One module per concept of the C ABI.
    2: ("_cache", "_source", "_description", "_frames", "_memory", "_caller", "_map", "_wasi", "_host",
        "_streams", "_typed_fast", "_origin"),
    # Exports: raw (_func), typed, from a guest's description, and their type.
    3: ("_exported", "_typed", "_func", "_described"),
    # Modules, programs, pickling, from_go's builds.
    4: ("_module", "_run", "_pickle", "_gobuild"),
    # The public API: the package's __init__.
    5: ("__init__",),
    # Entry points and tools, which import gowasm never loads.
    6: ("__main__", "pytest_plugin", "_tools.__init__", "_tools.cli", "_tools.inspect", "_tools.wasmbin",
        "_tools.stubs"),
}

#: Modules that are built, not written: no .py file.
BUILT = {"_gowasm_cffi"}

#: (importer, imported) pairs of upward imports allowed under TYPE_CHECKING.
TYPE_ONLY_UP = {
    # ExportedFunction.module is a Module: the Protocol names the class
    # that holds its exports.
    ("_exported", "_module"),
}


def _layer_of() -> Dict[str, int]:
    return {name: layer for layer, names in LAYERS.items() for name in names}


def _module_files() -> Dict[str, str]:
    """Every module of the package, as the table names it: _func, _tools.cli, __init__."""
    found = {}
    for directory, _, files in os.walk(PACKAGE):
        for f in files:
            if f.endswith(".py"):
                rel = os.path.relpath(os.path.join(directory, f), PACKAGE)[:-3]
                found[rel.replace(os.sep, ".")] = os.path.join(directory, f)
    return found


def _dotted(name: str) -> str:
    """A table name as Python's module name: gowasm._func, gowasm._tools."""
    parts = name.split(".")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(["gowasm"] + parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(name: str, path: str, by_dotted: Dict[str, str]) -> List[Tuple[str, bool, int]]:
    """(imported table name, type only, line) for every gowasm import in the module."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    type_only: Set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for inner in node.body:
                type_only.update(id(n) for n in ast.walk(inner))
    package = _dotted(name) if name.endswith("__init__") else _dotted(name).rsplit(".", 1)[0]
    out = []
    for node in ast.walk(tree):
        targets: List[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            # `from . import _frames` imports the submodule; `from ._func import x` the module.
            targets = [source + "." + a.name if source + "." + a.name in by_dotted else source for a in node.names]
        for target in targets:
            if target == "gowasm" or target.startswith("gowasm."):
                assert target in by_dotted, "%s:%d imports %s, which is not a module of the table" % (
                    path, node.lineno, target)
                out.append((by_dotted[target], id(node) in type_only, node.lineno))
    return out


def _graph() -> Tuple[Dict[str, List[Tuple[str, bool, int]]], Dict[str, str]]:
    files = _module_files()
    by_dotted = {_dotted(n): n for n in _layer_of()}
    return {name: _imports(name, path, by_dotted) for name, path in files.items()}, files


def test_every_module_has_a_layer_and_every_layer_entry_a_module():
    layer = _layer_of()
    files = _module_files()
    assert sum(len(names) for names in LAYERS.values()) == len(layer), "a module is in two layers"
    assert sorted(set(files) - set(layer)) == [], "modules the table does not place: add them to LAYERS"
    assert sorted(set(layer) - set(files) - BUILT) == [], "LAYERS names modules that do not exist"


def test_imports_only_go_down_or_sideways_without_cycles():
    layer = _layer_of()
    graph, files = _graph()
    wrong = []
    for name, imports in sorted(graph.items()):
        for target, type_only, line in imports:
            if layer[target] > layer[name] and not (type_only and (name, target) in TYPE_ONLY_UP):
                wrong.append("%s:%d (layer %d) imports %s (layer %d)%s" % (
                    os.path.relpath(files[name], ROOT), line, layer[name], target, layer[target],
                    " under TYPE_CHECKING (not in TYPE_ONLY_UP)" if type_only else ""))
    assert wrong == [], "imports up a layer:\n" + "\n".join(wrong)

    # Only imports that run can make a cycle; cross-layer ones go down, so a
    # cycle would lie within one layer.
    runs = {name: sorted({t for t, type_only, _ in imports if not type_only and t != name})
            for name, imports in graph.items()}
    state: Dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, path: List[str]) -> None:
        state[name] = 1
        path.append(name)
        for target in runs.get(name, []):
            if state.get(target) == 1:
                raise AssertionError("import cycle: " + " -> ".join(path[path.index(target):] + [target]))
            if target not in state:
                visit(target, path)
        path.pop()
        state[name] = 2

    for name in sorted(runs):
        if name not in state:
            visit(name, [])


def test_type_only_exceptions_exist():
    layer = _layer_of()
    graph, _ = _graph()
    used = {(name, target) for name, imports in graph.items() for target, type_only, _ in imports
            if type_only and layer[target] > layer[name]}
    assert TYPE_ONLY_UP <= used, "TYPE_ONLY_UP lists imports that are gone: %s" % sorted(TYPE_ONLY_UP - used)


def test_import_gowasm_loads_no_tools():
    code = ("import sys, gowasm\n"
            "print(sorted(m for m in sys.modules if m.startswith('gowasm._tools') or m in "
            "('gowasm._gobuild', 'gowasm.__main__', 'gowasm.pytest_plugin', 'gowasm._gowasm_cffi')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
