"""gowasm A/B benchmark: the hot paths of two builds side by side, in one run.

    .venv/bin/python benchmarks/bench_ab.py --a /path/to/checkoutA/.venv/bin/python \\
        --b /path/to/checkoutB/.venv/bin/python [--quick] [--rounds N] [--json out.json]

Each side is a Python interpreter with its own gowasm installed (a checkout's
.venv); a side left out is this checkout's .venv/bin/python (both left out:
this checkout against itself, which shows the noise). The driver never
imports gowasm: every measurement runs in a fresh subprocess of the side's
interpreter, and the timed snippets (the worker half of this file) use only
gowasm's public API, so the two builds may lay out their private modules
differently. Both sides run the same guest files, built once from this
checkout by scripts/goguest.py.

Hot paths, each a figure per call or element:

* call: ``f = m.sum; f(12, 12)`` (examples/sum, the 2 MB Go reactor);
* map: ``m.sum.map(xs, ys)`` over two lists, per element;
* typed: ``m.greet("world")``, str in and str out (examples/greet-go);
* host: a guest -> Python host call (benchmarks/suite/guest's ``ping``
  calls ``env.pong`` in a loop), per host call;
* load: ``Module(path, cache=DIR)`` of examples/sum in a fresh process with a
  warm cache directory (starting the Go runtime included, as a program's
  first load pays it), the median of several processes; ``import gowasm`` in
  the same processes; and ``Module()`` repeated in one process.

A and B alternate: each round runs one fresh worker process per side (and the
load processes), the side that goes first switching every round, so a noisy
stretch of the machine hits both alike. A round's figure is the minimum over
its repeats; the table gives the minimum and the median over rounds of each
side and the ratios B/A of both. See benchmarks/README.md.
"""

import argparse
import gc
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "scripts"))

# Both import only the standard library: the worker may run under either side's interpreter.
import bench_calls  # noqa: E402
import goguest  # noqa: E402

PROFILES: Dict[str, Dict[str, int]] = {
    # rounds (a fresh process per side each); in each worker, repeats of every
    # path, interleaved; calls/map calls per repeat; load processes per round
    "full": dict(rounds=11, repeats=5, calls=200_000, map_n=10_000, map_calls=20, typed_calls=20_000,
                 pings=20, loads=3, inproc_loads=5),
    "quick": dict(rounds=5, repeats=3, calls=30_000, map_n=10_000, map_calls=5, typed_calls=3_000,
                  pings=5, loads=2, inproc_loads=3),
}

# Host calls per ping(): the guest loops, so the figure is per host call.
PONGS = 1000

# path: (what, unit), in the table's order
PATHS: Dict[str, Tuple[str, str]] = {
    "call": ("m.sum(12, 12)", "ns"),
    "map": ("m.sum.map(xs, ys), per element", "ns"),
    "typed": ('m.greet("world"), str -> str', "ns"),
    "host": ("guest -> Python host call", "ns"),
    "load": ("Module(), fresh process, warm cache", "ms"),
    "import": ("import gowasm, fresh process", "ms"),
    "load_again": ("Module() again in the same process", "ms"),
}

# The guests, as goguest.py package directories (relative to ROOT).
GUESTS = {"sum": "examples/sum", "greet": "examples/greet-go", "host": "benchmarks/suite/guest"}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -- the worker: runs in a side's interpreter, times gowasm's public API ----

def _timed_ns(run: Callable[[], Any], per: int) -> float:
    """ns per operation of run() (which does `per` operations), gc off."""
    gcold = gc.isenabled()
    gc.disable()
    try:
        t = time.perf_counter_ns()
        run()
        return (time.perf_counter_ns() - t) / per
    finally:
        if gcold:
            gc.enable()


def worker(cfg: Dict[str, Any]) -> Dict[str, Any]:
    """One side's round: every path's samples, in ns (loads in ms)."""
    from gowasm import Module

    prof: Dict[str, int] = cfg["profile"]
    guests: Dict[str, str] = cfg["guests"]
    cache: str = cfg["cache"]
    m = Module(guests["sum"], cache=cache)
    g = Module(guests["greet"], cache=cache)
    h = Module(guests["host"], cache=cache, imports={"env": {"pong": lambda x: x}})
    f, greet, ping = m.sum, g.greet, h.ping
    n, map_n = prof["calls"], prof["map_n"]
    xs, ys = list(range(map_n)), list(range(map_n, 2 * map_n))
    assert f(12, 12) == 24 and greet("world") == "Hello, world!" and ping(10) == 45
    assert f.map(xs[:3], ys[:3]) == [x + y for x, y in zip(xs[:3], ys[:3])]

    def map_run() -> None:
        for _ in range(prof["map_calls"]):
            f.map(xs, ys)

    def typed_run() -> None:
        for _ in range(prof["typed_calls"]):
            greet("world")

    def ping_run() -> None:
        for _ in range(prof["pings"]):
            ping(PONGS)

    def load_run() -> None:
        for _ in range(prof["inproc_loads"]):
            Module(guests["sum"], cache=cache).close()

    runs: Dict[str, Tuple[Callable[[], Any], int]] = {
        "call": (lambda: bench_calls.loop_ns(f, n), 0),  # loop_ns times itself
        "map": (map_run, prof["map_calls"] * map_n),
        "typed": (typed_run, prof["typed_calls"]),
        "host": (ping_run, prof["pings"] * PONGS),
        "load_again": (load_run, prof["inproc_loads"]),
    }
    for run, _ in runs.values():  # warm up every path
        run()
    samples: Dict[str, List[float]] = {k: [] for k in runs}
    for _ in range(prof["repeats"]):  # interleaved: a noisy stretch hits every path
        for key, (run, per) in runs.items():
            samples[key].append(run() if per == 0 else _timed_ns(run, per))
    samples["load_again"] = [v / 1e6 for v in samples["load_again"]]
    for mod in (m, g, h):
        mod.close()
    return {"samples": samples}


# A fresh process's first Module(): public API only.
_LOAD_SCRIPT = r"""
import json, sys, time
t0 = time.perf_counter()
import gowasm
t1 = time.perf_counter()
m = gowasm.Module(sys.argv[1], cache=sys.argv[2])
t2 = time.perf_counter()
assert m.sum(12, 12) == 24
print(json.dumps({"import_ms": (t1 - t0) * 1e3, "load_ms": (t2 - t1) * 1e3}))
"""

# Compiles the guests into a cache directory (a missing import is only an
# error when called).
_WARM_SCRIPT = "import sys, gowasm; [gowasm.Module(p, cache=sys.argv[1]).close() for p in sys.argv[2:]]"

_PROBE_SCRIPT = "import json, gowasm; print(json.dumps({'file': gowasm.__file__, 'version': getattr(gowasm, '__version__', None)}))"


# -- the driver -------------------------------------------------------------

class Side:
    """One build: its interpreter, label and warm cache directory."""

    def __init__(self, name: str, python: str, tmp: str) -> None:
        self.name = name
        self.python = python
        # One cache directory per interpreter: A = B shares it (and compiles once).
        self.cache = os.path.join(tmp, "cache-" + hashlib.sha256(python.encode()).hexdigest()[:12])
        os.makedirs(self.cache, exist_ok=True)
        self.tmp = tmp
        probe = json.loads(self.run(["-c", _PROBE_SCRIPT]).strip().splitlines()[-1])
        self.gowasm_file: str = probe["file"]
        self.version: Optional[str] = probe["version"]
        self.label = describe(self.gowasm_file) or python
        self.rounds: Dict[str, List[float]] = {k: [] for k in PATHS}
        self.samples: Dict[str, List[List[float]]] = {k: [] for k in PATHS}

    def run(self, args: List[str]) -> str:
        r = subprocess.run([self.python] + args, capture_output=True, text=True, env=bench_calls._load_env(), cwd=self.tmp)
        if r.returncode != 0:
            raise RuntimeError("side %s (%s) failed (exit %d):\n%s" % (self.name, self.python, r.returncode, r.stderr[-3000:]))
        return r.stdout

    def add(self, key: str, samples: List[float], pick: Callable[[List[float]], float]) -> None:
        self.samples[key].append(samples)
        self.rounds[key].append(pick(samples))


def describe(gowasm_file: str) -> Optional[str]:
    """`git describe --always --dirty` of the checkout gowasm came from, with
    its path, or None outside a git checkout."""
    folder = os.path.dirname(gowasm_file)
    top = subprocess.run(["git", "-C", folder, "rev-parse", "--show-toplevel"], capture_output=True, text=True)
    desc = subprocess.run(["git", "-C", folder, "describe", "--always", "--dirty"], capture_output=True, text=True)
    if top.returncode != 0 or desc.returncode != 0:
        return None
    return "%s (%s)" % (desc.stdout.strip(), top.stdout.strip())


def one_round(side: Side, guests: Dict[str, str], prof: Dict[str, int]) -> None:
    loads = [json.loads(side.run(["-c", _LOAD_SCRIPT, guests["sum"], side.cache]).strip().splitlines()[-1])
             for _ in range(prof["loads"])]
    # fresh processes: the median of the round's processes
    side.add("load", [x["load_ms"] for x in loads], statistics.median)
    side.add("import", [x["import_ms"] for x in loads], statistics.median)
    cfg = {"profile": prof, "guests": guests, "cache": side.cache}
    out = json.loads(side.run([os.path.abspath(__file__), "--worker", json.dumps(cfg)]).strip().splitlines()[-1])
    for key, values in out["samples"].items():
        side.add(key, values, min)  # in one process: the least disturbed repeat


def this_python() -> str:
    return os.path.join(ROOT, ".venv", "bin", "python")


def summarize(a: Side, b: Side) -> Dict[str, Dict[str, float]]:
    out = {}
    for key in PATHS:
        ra, rb = a.rounds[key], b.rounds[key]
        s = {"a_min": min(ra), "a_median": statistics.median(ra), "b_min": min(rb), "b_median": statistics.median(rb)}
        s["ratio_min"] = s["b_min"] / s["a_min"]
        s["ratio_median"] = s["b_median"] / s["a_median"]
        out[key] = s
    return out


def report(res: Dict[str, Any]) -> str:
    prof = res["settings"]
    lines: List[str] = []
    add = lines.append
    add("gowasm A/B benchmark (%s profile, rounds: %d): A and B alternating, a fresh process per side each round"
        % (res["profile"], prof["rounds"]))
    for name in ("a", "b"):
        add("  %s: %s  (%s)" % (name.upper(), res["sides"][name]["label"], res["sides"][name]["python"]))
    add("  per round: the minimum over %d repeats in one process (loads: the median of %d fresh processes);"
        % (prof["repeats"], prof["loads"]))
    add("  then over rounds the minimum and the median. B/A > 1: B is slower.")
    add("")
    add("%-47s %4s %9s %9s %9s %9s %8s %8s" % ("path", "unit", "A min", "A med", "B min", "B med", "B/A min", "B/A med"))
    for key, (what, unit) in PATHS.items():
        s = res["summary"][key]
        fmt = "%9.1f" if unit == "ns" else "%9.2f"
        add("%-47s %4s %s %s %s %s %8.3f %8.3f" % (
            "%-10s %s" % (key, what), unit, fmt % s["a_min"], fmt % s["a_median"], fmt % s["b_min"], fmt % s["b_median"],
            s["ratio_min"], s["ratio_median"]))
    add("")
    add("map: over %d elements; host: ping(%d) calls env.pong %d times; load: starting the Go runtime included"
        % (prof["map_n"], PONGS, PONGS))
    add("elapsed: %.1f s" % res["elapsed_s"])
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--a", metavar="PYTHON", help="side A's interpreter (default: this checkout's .venv/bin/python)")
    ap.add_argument("--b", metavar="PYTHON", help="side B's interpreter (default: this checkout's .venv/bin/python)")
    ap.add_argument("--quick", action="store_true", help="fewer rounds and iterations (~12 s)")
    ap.add_argument("--rounds", type=int, help="rounds (default: 11, ~40 s; --quick 5)")
    ap.add_argument("--json", metavar="FILE", help="also write every figure and sample as JSON to FILE")
    ap.add_argument("--worker", metavar="CONFIG", help=argparse.SUPPRESS)  # internal: one side's round
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0
    if args.rounds is not None and args.rounds < 1:
        ap.error("--rounds must be at least 1")
    pythons = {name: os.path.abspath(given or this_python()) for name, given in (("a", args.a), ("b", args.b))}
    for name, python in pythons.items():
        if not os.access(python, os.X_OK):
            ap.error("--%s: %s is not an interpreter (a checkout's .venv/bin/python, made by scripts/dev-setup.sh)" % (name, python))
    prof = dict(PROFILES["quick" if args.quick else "full"])
    if args.rounds is not None:
        prof["rounds"] = args.rounds
    started = time.perf_counter()

    guests = {key: goguest.build(os.path.join(ROOT, rel)) for key, rel in GUESTS.items()}
    with tempfile.TemporaryDirectory(prefix="gowasm-bench-ab-") as tmp:
        a, b = Side("a", pythons["a"], tmp), Side("b", pythons["b"], tmp)
        for side in (a, b) if a.cache != b.cache else (a,):  # fill the cache directories: every timed load is warm
            side.run(["-c", _WARM_SCRIPT, side.cache] + list(guests.values()))
        for i in range(prof["rounds"]):
            order = (a, b) if i % 2 == 0 else (b, a)
            log("round %d/%d: %s then %s ..." % (i + 1, prof["rounds"], order[0].name.upper(), order[1].name.upper()))
            for side in order:
                one_round(side, guests, prof)
    res: Dict[str, Any] = {
        "profile": "quick" if args.quick else "full",
        "settings": prof,
        "guests": {k: os.path.relpath(v, ROOT) for k, v in guests.items()},
        "paths": {k: {"what": w, "unit": u} for k, (w, u) in PATHS.items()},
        "sides": {s.name: {"python": s.python, "label": s.label, "gowasm": s.gowasm_file, "version": s.version,
                           "rounds": s.rounds, "samples": s.samples} for s in (a, b)},
        "summary": summarize(a, b),
        "elapsed_s": time.perf_counter() - started,
    }
    print(report(res))
    if args.json:
        bench_calls.write_json(args.json, res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
