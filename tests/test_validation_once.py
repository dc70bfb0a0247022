"""A module wazero has validated loads without its bodies being validated
again (gohost/internal/compile/compile.go): in a new process through the
marker in the cache directory. Everything a load gives must be the same
as the first time, for every module of the corpus."""

import json
import os
import subprocess
import sys

import pytest

from conftest import CORPUS, corpus_manifest

DESCRIBE = r'''
import json, sys
import gowasm
from gowasm import Module, run, Timeout

def describe(path, cache, **kw):
    try:
        m = Module(path, cache=cache, **kw)
    except Exception as e:
        return {"error": type(e).__name__ + ": " + str(e)}
    out = {"kind": m.kind, "exports": repr(m.exports),
           "imports": sorted((i.module, i.name, str(i.provided_by)) for i in m.imports),
           "memory": None if m.memory is None else len(m.memory)}
    m.close()
    return out

paths, cache, corpus = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
result = {}
for p in paths:
    result[p] = {"default": describe(p, cache), "plain": describe(p, cache, interruptible=False),
                 "small": describe(p, cache, memory_limit=1 << 16)}
calls = {}
add = Module(corpus + "go/add_reactor.wasm", cache=cache)
calls["add"] = [add.add(2, 3), add.add(2147483647, 1)]
fib = Module(corpus + "rust/fibonacci.wasm", cache=cache, interruptible=False)
calls["fibonacci"] = fib.fibonacci(20)
try:
    run(corpus + "wat/infinite_loop.wasm", cache=cache, timeout=0.2, capture_output=True)
except Timeout as e:
    calls["timeout"] = type(e).__name__
try:
    run(corpus + "c/crunch_numbers_infinite.wasm", cache=cache, timeout=0.2, capture_output=True)
except Timeout as e:
    calls["timeout_c"] = type(e).__name__
result["calls"] = calls
print(json.dumps(result))
'''


def _describe_all(paths, cache):
    p = subprocess.run([sys.executable, "-c", DESCRIBE, json.dumps(paths), cache, CORPUS + os.sep],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.splitlines()[-1])


def test_a_remembered_module_loads_as_the_first_time(tmp_path):
    rows = corpus_manifest()
    if not rows:
        pytest.skip("wasm corpus not found")
    paths = [os.path.join(CORPUS, r["rel_path"]) for r in rows]
    cache = str(tmp_path / "cache")
    first = _describe_all(paths, cache)
    markers = [d for d in os.listdir(cache) if d.startswith("validated-")]
    assert len(markers) == 1
    # Each module wazero compiled, as it is and instrumented, is remembered
    # (a load that a small memory_limit refuses does not forget it).
    loaded = sum(1 for p in paths if "error" not in first[p]["plain"])
    assert len(os.listdir(os.path.join(cache, markers[0]))) >= loaded
    second = _describe_all(paths, cache)
    for p in paths:
        assert second[p] == first[p], p
    assert first["calls"] == {"add": [5, -2147483648], "fibonacci": first["calls"]["fibonacci"],
                              "timeout": "Timeout", "timeout_c": "Timeout"}
    assert second["calls"] == first["calls"]
