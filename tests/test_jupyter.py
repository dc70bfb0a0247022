"""A Jupyter kernel interrupt stops a running guest, and the kernel lives on
(a notebook used to need a kernel restart, losing its state)."""

import os

import pytest

from conftest import ROOT

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

pytestmark = pytest.mark.slow  # ~4-10 s a test: each starts a real kernel process


def test_a_kernel_interrupt_stops_the_guest_and_the_kernel_lives_on():
    cell = nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook(cells=[
        cell("import sys; sys.path.insert(0, %r)\n"
             "import gowasm\n"
             "from test_interrupts import SPIN, FOREVER\n"
             "m, other = gowasm.Module(SPIN), gowasm.Module(SPIN)  # interruptible: a person waits" % os.path.join(ROOT, "tests")),
        cell("m.spin(FOREVER)"),
        cell("try:\n    m.spin(1)\nexcept gowasm.ModuleClosedError as e:\n    print('closed:', 'interrupted' in str(e))\n"
             "print('other:', other.spin(10))"),
    ])
    # nbclient interrupts the kernel (SIGINT, as Jupyter's interrupt button)
    # when a cell runs past its timeout.
    client = nbclient.NotebookClient(nb, timeout=3, interrupt_on_timeout=True, allow_errors=True,
                                     kernel_name="python3")
    client.execute(cwd=ROOT)
    interrupted = nb.cells[1].outputs
    assert [o.get("ename") for o in interrupted if o.output_type == "error"] == ["KeyboardInterrupt"], interrupted
    after = "".join(o.get("text", "") for o in nb.cells[2].outputs)
    assert after == "closed: True\nother: 10\n", nb.cells[2].outputs


def test_the_example_notebook_runs_in_a_real_kernel(notebook_wasm):
    """examples/gowasm.ipynb, executed as Jupyter would (its guest built
    beforehand by the fixture): rich display, guest output in the cell,
    a process pool, await, and a kernel interrupt that stops the guest.
    Then tab completion, asked of the same kernel's completer."""
    nb = nbformat.read(os.path.join(ROOT, "examples", "gowasm.ipynb"), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "from IPython.core.completer import provisionalcompleter\n"
        "with provisionalcompleter():\n"
        "    done = get_ipython().Completer.completions\n"
        "    exports = m.exports\n"
        "    print(sorted({c.text for c in done('m.fi', 4)}), sorted({c.text for c in done('exports[\"s', 10)}))"))

    def timeout(cell):
        # nbclient interrupts the kernel (SIGINT, as Jupyter's button does)
        # when a cell runs past its timeout.
        return 3 if "interrupt" in cell.metadata.get("tags", []) else 120

    client = nbclient.NotebookClient(nb, timeout_func=timeout, interrupt_on_timeout=True, allow_errors=True,
                                     kernel_name="python3")
    client.execute(cwd=os.path.join(ROOT, "examples"))
    cells = [c for c in nb.cells if c.cell_type == "code"]

    def text(cell):
        return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")

    def data(cell, mime):
        return "".join(o.get("data", {}).get(mime, "") for o in cell.outputs if "data" in o)

    errors = [(i, o.ename, o.evalue) for i, c in enumerate(cells) for o in c.outputs if o.output_type == "error"]
    assert errors == [(6, "KeyboardInterrupt", "")], errors
    html = data(cells[0], "text/html")
    assert "<b>gowasm.Module</b>" in html and "sum(i32, i32) -&gt; i32" in html and "reactor" in html and "wasi" in html
    assert data(cells[1], "text/plain") == "24"
    assert "fib(i32) -&gt; i32" in data(cells[2], "text/html")
    assert text(cells[3]) == "hello from Go\nand from its stderr\n"
    assert text(cells[4]) == "[0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377]\n"
    assert data(cells[5], "text/plain") == "[75025, 75025]"
    assert text(cells[7]) == "ModuleClosedError\n" and data(cells[7], "text/plain") == "3"
    assert text(cells[8]) == "['fib'] ['spin', 'sum']\n", text(cells[8])
