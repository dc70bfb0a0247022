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


@pytest.mark.slow  # ~6 s: one round, a few fresh processes per side, the guests compiled once
@pytest.mark.skipif(shutil.which("go") is None, reason="the A/B benchmark builds its Go guests")
def test_bench_ab_smallest_run(tmp_path):
    out = tmp_path / "ab.json"
    r = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "bench_ab.py"), "--a", sys.executable, "--b", sys.executable,
                        "--quick", "--rounds", "1", "--json", str(out)],
                       capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    doc = json.loads(out.read_text())
    paths = {"call", "map", "typed", "host", "load", "import", "load_again"}
    assert set(doc["summary"]) == paths
    for key in paths:
        assert key in r.stdout
        figures = doc["summary"][key]
        assert all(0 < figures[f] < 1e9 for f in ("a_min", "a_median", "b_min", "b_median", "ratio_min", "ratio_median")), (key, figures)
        for side in ("a", "b"):
            assert len(doc["sides"][side]["rounds"][key]) == 1
    assert doc["sides"]["a"]["python"] == doc["sides"]["b"]["python"] == os.path.abspath(sys.executable)
