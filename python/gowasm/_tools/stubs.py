"""``.pyi`` stubs of a module's exports (``gowasm stubs``), so that IDEs and
mypy see the signatures of ``Module.from_go`` bindings and typed exports.

The stub declares a subclass of :class:`gowasm.Module` with one method per
export; annotate the module with it::

    from typing import TYPE_CHECKING
    if TYPE_CHECKING:
        from mathlib_stubs import Mathlib
    m: "Mathlib" = Module.from_go("./mathlib")   # from_go's static type is Any: no cast
"""

import inspect
import keyword
import re
import textwrap
from typing import Any, List

from .._module import DESCRIBE_EXPORT
from .._typed import ALLOCATORS

_HEADER = '''# Stubs of the exports of {name}, written by `gowasm stubs`. Do not edit:
# run it again when the module changes.
from typing import Any, Optional, Tuple

import gowasm


class {cls}(gowasm.Module):
    """{name}: gowasm.Module with its exports as methods."""
'''


#: The exports of gowasm's guest package (gowasm_describe, malloc and free)
#: and the rest of TinyGo's allocator, which TinyGo's runtime exports too.
_CONVENTION = frozenset({DESCRIBE_EXPORT, *ALLOCATORS[0], "calloc", "realloc"})


def class_name(module_name: str) -> str:
    """``go-humanize`` -> ``GoHumanize``: a class name from a module name."""
    words = re.findall(r"[A-Za-z0-9]+", re.sub(r"\.wasm$", "", module_name))
    name = "".join(w[:1].upper() + w[1:] for w in words) or "Guest"
    return "_" + name if name[0].isdigit() else name


def _annotation(a: Any) -> str:
    if a is inspect.Parameter.empty:
        return "Any"
    if a is None or a is type(None):
        return "None"
    if isinstance(a, type):
        return a.__name__
    return str(a).replace("typing.", "")


def stubs(module: Any) -> str:
    """The text of a .pyi file for ``module``'s exports."""
    out: List[str] = [_HEADER.format(name=module.name, cls=class_name(module.name))]
    # A guest of gowasm's guest package (every from_go module) exports its
    # allocator and description for the host's convention, not for the user.
    convention = _CONVENTION if DESCRIBE_EXPORT in module.exports else frozenset()
    for name, fn in sorted(module.exports.items()):
        # As Module does: exports that are not identifiers, or that a
        # Module attribute (close, memory...) shadows, are only in exports[].
        if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_") or hasattr(type(module), name):
            continue
        if name in convention:
            continue
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):
            continue
        # The receiver is "self" unless a Go parameter has that name; a
        # type checker takes the first parameter as the receiver whatever
        # its name.
        params = ["_self" if "self" in sig.parameters else "self"]
        for p in sig.parameters.values():
            # A Go ...T is *args, each argument a T.
            star = "*" if p.kind == p.VAR_POSITIONAL else ""
            params.append("%s%s: %s" % (star, p.name, _annotation(p.annotation)))
            if p.kind == p.POSITIONAL_ONLY:
                params = [q for q in params if q != "/"] + ["/"]
        doc = (fn.__doc__ or "").strip().replace("\\", "\\\\").replace('"' * 3, "'" * 3)
        body = "        ..."
        if doc:
            body = '        """%s\n        """\n        ...' % textwrap.indent(doc, " " * 8).lstrip()
        out.append("\n    def %s(%s) -> %s:\n%s\n" % (name, ", ".join(params), _annotation(sig.return_annotation), body))
    if getattr(module, "skipped", None):
        out.append("\n    # Not bound (Module.skipped):\n")
        out.extend("    #   %s: %s\n" % kv for kv in sorted(module.skipped.items()))
    return "".join(out)
