"""How modules and exports show themselves in IPython and Jupyter."""

from typing import Any, List

_STYLE = "border-collapse:collapse;text-align:left"


def _escape(text: str) -> str:
    import html  # on first display, not at ``import gowasm``

    return html.escape(text)


def _signature(fn: Any) -> str:
    # An export's __qualname__ is its signature: wasm, or typed.
    return str(getattr(fn, "__qualname__", getattr(fn, "__name__", "?")))


def module_text(module: Any) -> str:
    """``m`` at an IPython prompt: the module, then one export per line."""
    lines: List[str] = [repr(module).split(", exports:")[0] + ">"]
    lines += ["  " + _signature(fn) for fn in module.exports.values()]
    if not module.exports:
        lines.append("  (no exported functions)")
    stubs = [i for i in module.imports if i.provided_by == "stub"]
    if module.imports:
        lines.append("  imports: %d (%s)" % (len(module.imports), ", ".join(sorted({i.provided_by for i in module.imports}))))
    if stubs:
        lines.append("  unresolved (calling them raises LinkError): " + ", ".join("%s.%s" % (i.module, i.name) for i in stubs))
    return "\n".join(lines)


def _table(header: List[str], rows: List[List[str]]) -> str:
    head = "".join("<th>%s</th>" % _escape(h) for h in header)
    body = "".join("<tr>%s</tr>" % "".join("<td><code>%s</code></td>" % _escape(c) for c in row) for row in rows)
    return '<table style="%s"><thead><tr>%s</tr></thead><tbody>%s</tbody></table>' % (_STYLE, head, body)


def module_html(module: Any) -> str:
    """``m`` as the last line of a Jupyter cell: the kind, a table of the
    exports with their signatures, and the imports with what provides them."""
    state = "closed" if module.closed else module.kind
    parts = ["<div><b>gowasm.Module</b> <code>%s</code> (%s)" % (_escape(module.name), _escape(state))]
    exports = [[name, _signature(fn)] for name, fn in module.exports.items()]
    parts.append("<p>%d exported function%s</p>" % (len(exports), "" if len(exports) == 1 else "s"))
    if exports:
        parts.append(_table(["export", "signature"], exports))
    if module._memories:
        parts.append("<p>memory: <code>%s</code></p>" % _escape(", ".join(module._memories)))
    if module.imports:
        rows = [["%s.%s" % (i.module, i.name), "(%s) -> (%s)" % (", ".join(i.params), ", ".join(i.results)), i.provided_by]
                for i in module.imports]
        parts.append("<details><summary>%d import%s</summary>%s</details>" % (
            len(rows), "" if len(rows) == 1 else "s", _table(["import", "type", "provided by"], rows)))
    parts.append("</div>")
    return "".join(parts)


def export_html(fn: Any) -> str:
    """An export as the last line of a Jupyter cell: its signature and help."""
    doc = (getattr(fn, "__doc__", None) or "").split("\n\n", 1)
    rest = doc[1] if len(doc) > 1 else ""
    return "<div><b>gowasm export</b> <code>%s</code><pre>%s</pre></div>" % (
        _escape(_signature(fn)), _escape(rest))
