"""A Jupyter kernel interrupt stops a running guest, and the kernel lives on
(a notebook used to need a kernel restart, losing its state)."""

import os

import pytest

from conftest import ROOT

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")


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
