"""fork(): Go's runtime does not survive it, so a child of a process that
used gowasm gets ForkError from every gowasm call at once, never a hang;
forking before first use, and the spawn/forkserver start methods, work."""

import multiprocessing
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")


def _run(body: str) -> "subprocess.CompletedProcess[str]":
    code = "import sys; sys.path.insert(0, %r)\n" % os.path.join(ROOT, "tests") + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_a_forked_child_gets_fork_error_from_everything(reactor_wasm):
    r = _run("""
        import os, gc, gowasm
        m = gowasm.Module(%r)
        assert m.add(2, 3) == 5
        pid = os.fork()
        if pid == 0:
            results = []
            for what, f in [("fast call", lambda: m.add(2, 3)), ("general call", lambda: m.sum5.call(1, 2, 3, 4, 5)),
                            ("new module", lambda: gowasm.Module(%r)), ("memory", lambda: len(m.memory)),
                            ("close", m.close), ("run", lambda: gowasm.run(%r))]:
                try:
                    f()
                    results.append(what + ": no error")
                except gowasm.ForkError as e:
                    results.append(what + ": ForkError" + (" names spawn" if "spawn" in str(e) else ""))
            del m
            gc.collect()  # the inherited module's finalizer must not call into Go
            print("\\n".join(results), flush=True)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        print("child exit", os.waitstatus_to_exitcode(status))
        print("parent", m.add(2, 3))
    """ % (reactor_wasm, reactor_wasm, reactor_wasm))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "fast call: ForkError names spawn", "general call: ForkError names spawn", "new module: ForkError names spawn",
        "memory: ForkError names spawn", "close: ForkError names spawn", "run: ForkError names spawn",
        "child exit 0", "parent 5"], r.stdout


def test_forking_before_first_use_works(reactor_wasm):
    r = _run("""
        import os, gowasm
        pid = os.fork()
        if pid == 0:
            print("child", gowasm.Module(%r).add(2, 3), flush=True)
            os._exit(0)
        os.waitpid(pid, 0)
        print("parent", gowasm.Module(%r).add(4, 5))
    """ % (reactor_wasm, reactor_wasm))
    assert r.returncode == 0, r.stderr
    assert sorted(r.stdout.splitlines()) == ["child 5", "parent 9"]


def _add_in_worker(path: str) -> int:
    import gowasm

    return gowasm.Module(path).add(20, 22)


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_process_pools(method, reactor_wasm):
    import gowasm

    gowasm.Module(reactor_wasm).add(1, 1)  # this process has used gowasm
    ctx = multiprocessing.get_context(method)
    with ctx.Pool(1) as pool:
        if method == "fork":
            with pytest.raises(gowasm.ForkError, match="spawn"):
                pool.apply(_add_in_worker, (reactor_wasm,))
        else:
            assert pool.apply(_add_in_worker, (reactor_wasm,)) == 42
