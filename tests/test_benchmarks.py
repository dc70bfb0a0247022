"""The benchmark suite runs (timings are its output, never asserted here)."""

import json
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.slow  # ~17 s: the benchmark suite in subprocesses
@pytest.mark.skipif(shutil.which("go") is None, reason="the suite builds its Go guest")
def test_suite_quick_runs(tmp_path):
    out = tmp_path / "suite.json"
    r = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "suite.py"), "--quick", "--json", str(out)],
                       capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "sum(12, 12) per call" in r.stdout and "Not run here:" in r.stdout
    doc = json.loads(out.read_text())
    assert doc["summary"]["per_call"]["gowasm"]["ratio"] == 1.0
    assert "wasmer" in doc["notes"] or "wasmer" in str(doc["summary"])
