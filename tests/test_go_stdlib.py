"""Real-world proof: Go's own standard library test suites, compiled for
wasip1, pass under `gowasm run` wherever they pass under wazero's CLI, run
the way Go's misc/wasm/go_wasip1_wasm_exec runs them (`-mount /:/
-env-inherit`, in the package's source folder)."""

import os
import re
import shutil
import subprocess
import sys
import time

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow

PACKAGES = ["strings", "strconv", "sort", "bytes", "encoding/json", "os"]
# Fails under wazero v1.12.0's CLI too (renames under an open root).
SKIP = {"os": "TestRootRenameAfterOpen"}
BIN = os.path.join(ROOT, ".cache", "stdtests")


def _go(*args, **kwargs):
    go = shutil.which("go")
    if go is None:
        pytest.skip("needs Go")
    return subprocess.run([go, *args], capture_output=True, text=True, cwd=ROOT, **kwargs)


@pytest.fixture(scope="module")
def wazero_cli():
    out = os.path.join(BIN, "wazero")
    if not os.path.exists(out):
        r = _go("build", "-o", out, "github.com/tetratelabs/wazero/cmd/wazero")
        assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="module")
def goroot():
    return _go("env", "GOROOT").stdout.strip()


def _test_binary(pkg):
    version = _go("env", "GOVERSION").stdout.strip()
    out = os.path.join(BIN, version, pkg.replace("/", "_") + ".test.wasm")
    if not os.path.exists(out):
        env = dict(os.environ, GOOS="wasip1", GOARCH="wasm", CGO_ENABLED="0")
        r = _go("test", "-c", "-o", out, pkg, env=env)
        assert r.returncode == 0, r.stderr
    return out


def _run(cmd, cwd):
    env = dict(os.environ, PWD=cwd)  # Go's wasip1 runtime takes its working directory from PWD
    start = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=1200)
    return r, time.perf_counter() - start


def _failures(output):
    return set(re.findall(r"^\s*--- FAIL: (\S+)", output, re.M))


@pytest.mark.parametrize("pkg", PACKAGES)
def test_stdlib_suite(pkg, wazero_cli, goroot, capsys):
    wasm = _test_binary(pkg)
    src = os.path.join(goroot, "src", pkg)
    test_args = ["-test.skip", SKIP[pkg]] if pkg in SKIP else []
    flags = ["-mount", "/:/", "-env-inherit"]
    ours, t_ours = _run([sys.executable, "-m", "gowasm", "run", *flags, wasm, "--", *test_args], src)
    theirs, t_theirs = _run([wazero_cli, "run", *flags, "-cachedir", os.path.join(BIN, "wazero-cache"), wasm, *test_args], src)
    with capsys.disabled():
        print("\n  %-14s gowasm %6.1fs (exit %d)   wazero CLI %6.1fs (exit %d)"
              % (pkg, t_ours, ours.returncode, t_theirs, theirs.returncode))
    new_failures = _failures(ours.stdout) - _failures(theirs.stdout)
    assert not new_failures, ours.stdout[-3000:]
    if theirs.returncode == 0:
        assert ours.returncode == 0, (ours.stdout[-3000:], ours.stderr[-3000:])
        assert ours.stdout.rstrip().endswith("PASS")
