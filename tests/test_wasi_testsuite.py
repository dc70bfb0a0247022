"""The official WebAssembly/wasi-testsuite (wasm32-wasip1: C, Rust and
AssemblyScript), run through ``gowasm.run`` and ``gowasm run``.

The suite's prebuilt tests and JSON specs are committed as
``tests/data/wasi-testsuite-wasip1.tar.xz`` (see ``tests/data/README.md``), so
this needs no network. Each spec gives args, env, a directory to preopen as
``/``, the expected exit code and, for some, the start of stdout or stderr;
this is the suite's own runner's logic (``test-runner/`` upstream), small
enough to restate: a test passes when its exit code is the expected one and
each expected stream starts with the expected text (the runner reads as many
characters as it expects). Each test gets a fresh copy of its root directory,
as the runner removes the ``*.cleanup`` files tests leave.
"""

import json
import os
import shutil
import subprocess
import sys
import tarfile
from concurrent.futures import ThreadPoolExecutor

import pytest

import gowasm

ARCHIVE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "wasi-testsuite-wasip1.tar.xz")
SUITES = ("c", "rust", "assemblyscript")


def _names():
    """'suite/test' for every test in the archive, read without extracting it."""
    with tarfile.open(ARCHIVE) as tar:
        return sorted("%s/%s" % (n.split("/")[1], os.path.basename(n)[:-len(".wasm")])
                      for n in tar.getnames() if n.endswith(".wasm"))


NAMES = _names()


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    """The archive, extracted once per test session."""
    top = tmp_path_factory.mktemp("wasi-testsuite")
    with tarfile.open(ARCHIVE) as tar:
        if hasattr(tarfile, "data_filter"):  # Python 3.12, and 3.10.12/3.11.4 onwards
            tar.extractall(top, filter="data")
        else:
            tar.extractall(top)
    return top / "tests"


class Case:
    """One test: its wasm and spec, run in a directory of its own."""

    def __init__(self, suite, name, scratch):
        lang, test = name.split("/")
        self.dir = suite / lang / "testsuite" / "wasm32-wasip1"
        self.wasm = str(self.dir / (test + ".wasm"))
        spec_path = self.dir / (test + ".json")
        self.spec = json.loads(spec_path.read_text()) if spec_path.exists() else {}
        self.root = None
        if self.spec.get("root"):
            self.root = str(scratch / "root")
            shutil.copytree(self.dir / self.spec["root"], self.root, symlinks=True)

    def failures(self, returncode, stdout, stderr):
        """What differs from the spec (empty when the test passes)."""
        bad = []
        if returncode != self.spec.get("exit_code", 0):
            bad.append("exit code %d, expected %d" % (returncode, self.spec.get("exit_code", 0)))
        for stream, got in (("stdout", stdout), ("stderr", stderr)):
            want = self.spec.get(stream)
            if want and not got.startswith(want):
                bad.append("%s %r, expected it to start with %r" % (stream, got[:200], want))
        if bad:
            bad.append("stderr:\n" + stderr[-2000:])
        return bad

    def cli(self):
        argv = [sys.executable, "-m", "gowasm", "run"]
        for key, value in self.spec.get("env", {}).items():
            argv += ["--env", "%s=%s" % (key, value)]
        if self.root:
            argv += ["--mount", self.root + ":/"]
        return argv + [self.wasm, "--"] + self.spec.get("args", [])


@pytest.mark.parametrize("name", NAMES)
def test_run(suite, name, tmp_path):
    case = Case(suite, name, tmp_path)
    try:
        r = gowasm.run(case.wasm, case.spec.get("args", []), env=case.spec.get("env", {}),
                       mounts={"/": case.root} if case.root else None,
                       input="", capture_output=True, text=True, timeout=60)
        result = r.returncode, r.stdout, r.stderr
    except gowasm.Trap as e:  # a failed assertion (Rust's panic, C's abort)
        result = 1, e.stdout or "", (e.stderr or "") + "\n" + str(e)
    assert not case.failures(*result)


@pytest.mark.slow  # ~6 s: one `gowasm run` process per case
def test_cli(suite, tmp_path):
    """All of them through ``gowasm run`` (two at a time), with a report."""
    def one(name):
        case = Case(suite, name, tmp_path / name.replace("/", "_"))
        r = subprocess.run(case.cli(), input="", capture_output=True, text=True, timeout=120)
        return name, case.failures(r.returncode, r.stdout, r.stderr)

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(one, NAMES))
    failed = [(name, bad) for name, bad in results if bad]
    print("\nwasi-testsuite through `gowasm run`: %d of %d pass" % (len(results) - len(failed), len(results)))
    for name, bad in failed:
        print("FAIL %s: %s" % (name, "; ".join(bad)))
    assert not failed
