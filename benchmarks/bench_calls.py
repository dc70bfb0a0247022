"""gowasm call-path benchmark: Python vs gowasm vs wasmtime-py vs wazero from Go.

    .venv/bin/python benchmarks/bench_calls.py            # full run, ~35 s
    .venv/bin/python benchmarks/bench_calls.py --quick    # fewer iterations, ~7 s
    .venv/bin/python benchmarks/bench_calls.py --json results.json

Everything is measured in one run, on the same guest (examples/sum, a Go
reactor exporting sum(i32, i32) -> i32 and fib(i32) -> i32):

* per call of sum(12, 12): a plain Python function, gowasm (``f = m.sum``),
  wasmtime-py (``f(store, 12, 12)``), each in a plain ``for`` loop and with
  ``timeit``; wazero's ``CallWithStack`` from Go (benchmarks/gobench);
* fib(30) inside the guest: gowasm, wazero from Go, wasmtime-py;
* loading the module in a fresh process with an empty cache directory (cold:
  compiles and fills the cache) and again with the same directory (warm).

Every figure is the minimum over several repeats (the machine this was written
on is a noisy 2-core VM: the minimum is the least disturbed run). Repeats of
the per-call measurements are interleaved across implementations, so a noisy
stretch hits all of them alike. See benchmarks/README.md.
"""

import argparse
import gc
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import timeit
from typing import Any, Callable, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# name: (what, targets as (op, value)), for the summary
TARGETS = {
    "gowasm_over_python": ("gowasm / plain Python, per call (for loop)", "<=", 5.0),
    "wasmtime_over_gowasm": ("wasmtime-py / gowasm, per call (for loop)", ">=", 80.0),
    "gowasm_ns": ("gowasm per call, ns (for loop)", "<", 300.0),
    "fib_gowasm_over_wazero_go": ("fib(30) gowasm / wazero from Go", "<=", 1.05),
    "fib_gowasm_over_wasmtime": ("fib(30) gowasm / wasmtime-py", None, None),
    "fib_interruptible_over_wazero_go": ("fib(30) gowasm interruptible=True / wazero from Go", "<=", 1.1),
    "count_interruptible_over_plain": ("count loop, interruptible=True / not", "<=", 1.1),
    "sha_interruptible_over_plain": ("sha256 1 MiB x5, interruptible=True / not", "<=", 1.1),
    "load_cold_over_warm": ("Module() load, cold / warm cache", ">", 10.0),
}

PROFILES = {
    # calls per repeat, repeats; wasmtime is ~24 us/call so it gets fewer calls
    "full": dict(calls=1_000_000, repeats=15, wasmtime_calls=25_000, fib_repeats=15,
                 cold_loads=3, warm_loads=7, go_calls=1_000_000, go_repeats=5),
    "quick": dict(calls=300_000, repeats=5, wasmtime_calls=5_000, fib_repeats=5,
                  cold_loads=2, warm_loads=3, go_calls=300_000, go_repeats=5),
}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -- per-call timing shapes ------------------------------------------------

def plain_sum(a, b):
    return a + b


def loop_ns(f: Callable[..., Any], n: int) -> float:
    """ns per call of f(12, 12) in a plain for loop (f is a local)."""
    gcold = gc.isenabled()
    gc.disable()
    try:
        t = time.perf_counter_ns()
        for _ in range(n):
            f(12, 12)
        return (time.perf_counter_ns() - t) / n
    finally:
        if gcold:
            gc.enable()


def loop_store_ns(f: Callable[..., Any], store: Any, n: int) -> float:
    """ns per call of f(store, 12, 12): wasmtime-py's call shape."""
    gcold = gc.isenabled()
    gc.disable()
    try:
        t = time.perf_counter_ns()
        for _ in range(n):
            f(store, 12, 12)
        return (time.perf_counter_ns() - t) / n
    finally:
        if gcold:
            gc.enable()


def empty_loop_ns(n: int) -> float:
    gcold = gc.isenabled()
    gc.disable()
    try:
        t = time.perf_counter_ns()
        for _ in range(n):
            pass
        return (time.perf_counter_ns() - t) / n
    finally:
        if gcold:
            gc.enable()


def timeit_ns(stmt: str, namespace: Dict[str, Any], n: int) -> float:
    """ns per execution of stmt with timeit (one repeat; timeit disables gc)."""
    return timeit.Timer(stmt, globals=namespace).timeit(number=n) * 1e9 / n


def once_ms(call: Callable[[], Any]) -> float:
    t = time.perf_counter_ns()
    call()
    return (time.perf_counter_ns() - t) / 1e6


# -- the contenders --------------------------------------------------------

def build_guest(name: str = "sum") -> str:
    """examples/sum (sum, fib), or benchmarks/loops (count, sha)."""
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    import goguest  # noqa: E402
    return goguest.build(os.path.join(ROOT, "benchmarks" if name == "loops" else "examples", name))


def load_wasmtime(path: str) -> Dict[str, Any]:
    import wasmtime
    engine = wasmtime.Engine()
    t = time.perf_counter()
    module = wasmtime.Module.from_file(engine, path)
    compile_ms = (time.perf_counter() - t) * 1e3
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    store = wasmtime.Store(engine)
    store.set_wasi(wasmtime.WasiConfig())
    instance = linker.instantiate(store, module)
    exports = instance.exports(store)
    exports["_initialize"](store)  # a Go reactor: wasmtime-py does not run it
    return dict(store=store, sum=exports["sum"], fib=exports["fib"], compile_ms=compile_ms,
                version=getattr(wasmtime, "__version__", None) or _dist_version("wasmtime"))


def _dist_version(name: str) -> Optional[str]:
    try:
        from importlib.metadata import version
        return version(name)
    except Exception:
        return None


def run_gobench(path: str, prof: Dict[str, int], tmp: str) -> Optional[Dict[str, Any]]:
    go = shutil.which("go")
    if go is None:
        log("go not on PATH: skipping wazero-from-Go")
        return None
    exe = os.path.join(tmp, "gobench")
    log("building benchmarks/gobench ...")
    r = subprocess.run([go, "build", "-o", exe, "./benchmarks/gobench"], cwd=ROOT,
                       capture_output=True, text=True)
    if r.returncode != 0:
        log("go build ./benchmarks/gobench failed:\n" + r.stderr)
        return None
    log("running gobench (wazero from Go) ...")
    r = subprocess.run([exe, "-calls", str(prof["go_calls"]), "-repeats", str(prof["go_repeats"]),
                        "-fib-repeats", str(prof["fib_repeats"]), path],
                       capture_output=True, text=True)
    if r.returncode != 0:
        log("gobench failed:\n" + r.stderr)
        return None
    out = json.loads(r.stdout)
    out["go_version"] = subprocess.run([go, "env", "GOVERSION"], capture_output=True, text=True).stdout.strip()
    return out


_LOAD_SCRIPT = r"""
import json, sys, time
t0 = time.perf_counter()
import gowasm
t1 = time.perf_counter()
try:  # private: starts the Go runtime, which the first Module() does anyway
    from gowasm._native import load
    load()
except ImportError:
    pass
t2 = time.perf_counter()
m = gowasm.Module(sys.argv[1], cache=sys.argv[2])
t3 = time.perf_counter()
assert m.sum(12, 12) == 24, m.sum(12, 12)
print(json.dumps({"import_ms": (t1 - t0) * 1e3, "runtime_ms": (t2 - t1) * 1e3,
                  "module_ms": (t3 - t2) * 1e3, "load_ms": (t3 - t1) * 1e3}))
"""


def _load_env() -> Dict[str, str]:
    """The environment of the load processes: .pyc files allowed, as an
    installed wheel has them (some environments set PYTHONDONTWRITEBYTECODE,
    which makes every import recompile gowasm's sources: ~10 ms more)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def load_once(path: str, cache_dir: str) -> Dict[str, float]:
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", _LOAD_SCRIPT, path, cache_dir],
                       capture_output=True, text=True, env=_load_env())
    wall = (time.perf_counter() - t) * 1e3
    if r.returncode != 0:
        raise RuntimeError("load subprocess failed (exit %d):\n%s" % (r.returncode, r.stderr))
    out = json.loads(r.stdout.strip().splitlines()[-1])
    out["process_ms"] = wall
    return out


def dir_size(path: str) -> int:
    total = 0
    for base, _, files in os.walk(path):
        for name in files:
            total += os.path.getsize(os.path.join(base, name))
    return total


def measure_loads(path: str, prof: Dict[str, int], tmp: str) -> Dict[str, Any]:
    """Cold: a fresh process, an empty cache dir. Warm: a fresh process, the
    dir a cold load filled. Minimum of each."""
    cold: List[Dict[str, float]] = []
    warm: List[Dict[str, float]] = []
    subprocess.run([sys.executable, "-c", "import gowasm"], env=_load_env())  # writes the .pyc files
    warm_dir = None
    for i in range(prof["cold_loads"]):
        d = os.path.join(tmp, "cache-%d" % i)
        os.makedirs(d)
        cold.append(load_once(path, d))
        warm_dir = d
    assert warm_dir is not None
    cache_bytes = dir_size(warm_dir)
    for _ in range(prof["warm_loads"]):
        warm.append(load_once(path, warm_dir))

    def best(runs: List[Dict[str, float]], key: str) -> float:
        return min(r[key] for r in runs)

    return {
        "cold_load_ms": best(cold, "load_ms"), "warm_load_ms": best(warm, "load_ms"),
        "cold_process_ms": best(cold, "process_ms"), "warm_process_ms": best(warm, "process_ms"),
        "import_ms": best(cold + warm, "import_ms"),
        "runtime_ms": best(cold + warm, "runtime_ms"),
        "cold_module_ms": best(cold, "module_ms"), "warm_module_ms": best(warm, "module_ms"),
        "cache_bytes": cache_bytes, "warm_dir": warm_dir,
        "cold_runs": len(cold), "warm_runs": len(warm),
    }


# -- main ------------------------------------------------------------------

def write_json(path: str, results: Dict[str, Any]) -> None:
    """Writes a benchmark's results to path, for comparing runs."""
    with open(path, "w") as f:
        json.dump(results, f, indent=2, sort_keys=True)
        f.write("\n")
    log("wrote %s" % path)


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer iterations (~7 s)")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    args = ap.parse_args(argv)
    prof = PROFILES["quick" if args.quick else "full"]
    started = time.perf_counter()

    path = build_guest()
    log("guest: %s" % path)
    tmp = tempfile.mkdtemp(prefix="gowasm-bench-")
    try:
        results = run(path, prof, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log("values through memory and host calls (bench_values.py) ...")
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import bench_values  # noqa: E402

    results["values"] = bench_values.run_values(args.quick)
    results["profile"] = "quick" if args.quick else "full"
    results["settings"] = prof
    results["guest"] = os.path.relpath(path, ROOT)
    results["elapsed_s"] = time.perf_counter() - started
    print(report(results))
    print()
    print(bench_values.report_values(results["values"]))
    if args.json:
        write_json(args.json, results)
    return 0


def run(path: str, prof: Dict[str, int], tmp: str) -> Dict[str, Any]:
    res: Dict[str, Any] = {"statistic": "min over repeats"}

    # Loads first, in subprocesses, before this process starts the Go runtime.
    log("timing module loads in fresh processes (%d cold, %d warm) ..." % (prof["cold_loads"], prof["warm_loads"]))
    res["load"] = measure_loads(path, prof, tmp)

    res["go"] = run_gobench(path, prof, tmp)

    log("loading gowasm and wasmtime ...")
    from gowasm import Module
    import gowasm
    m = Module(path, cache=res["load"]["warm_dir"], interruptible=False)
    mi = Module(path, cache=res["load"]["warm_dir"], interruptible=True)  # instrumented (see RATIONALE)
    gsum, gfib, gifib = m.sum, m.fib, mi.fib
    assert gsum(12, 12) == 24 and gfib(20) == 6765
    wt = load_wasmtime(path)
    wstore, wsum, wfib = wt["store"], wt["sum"], wt["fib"]
    assert wsum(wstore, 12, 12) == 24 and wfib(wstore, 20) == 6765

    n, reps, wn = prof["calls"], prof["repeats"], prof["wasmtime_calls"]
    log("per-call timing: %d repeats of %d calls (wasmtime: %d calls) ..." % (reps, n, wn))
    # warm up every path once
    loop_ns(plain_sum, 10_000)
    loop_ns(gsum, 10_000)
    loop_store_ns(wsum, wstore, 200)
    samples: Dict[str, List[float]] = {k: [] for k in (
        "empty_loop", "python_loop", "python_timeit", "gowasm_loop", "gowasm_timeit",
        "wasmtime_loop", "wasmtime_timeit")}
    py_ns = {"f": plain_sum}
    gw_ns = {"f": gsum}
    wt_ns = {"f": wsum, "store": wstore}
    for _ in range(reps):
        samples["empty_loop"].append(empty_loop_ns(n))
        samples["python_loop"].append(loop_ns(plain_sum, n))
        samples["python_timeit"].append(timeit_ns("f(12, 12)", py_ns, n))
        samples["gowasm_loop"].append(loop_ns(gsum, n))
        samples["gowasm_timeit"].append(timeit_ns("f(12, 12)", gw_ns, n))
        samples["wasmtime_loop"].append(loop_store_ns(wsum, wstore, wn))
        samples["wasmtime_timeit"].append(timeit_ns("f(store, 12, 12)", wt_ns, wn))
    res["per_call_ns"] = {k: min(v) for k, v in samples.items()}
    res["per_call_samples_ns"] = samples

    log("fib(30): best of %d ..." % prof["fib_repeats"])
    fib_samples: Dict[str, List[float]] = {"gowasm": [], "gowasm_interruptible": [], "wasmtime": []}
    for _ in range(prof["fib_repeats"]):
        fib_samples["gowasm"].append(once_ms(lambda: gfib(30)))
        fib_samples["gowasm_interruptible"].append(once_ms(lambda: gifib(30)))
        fib_samples["wasmtime"].append(once_ms(lambda: wfib(wstore, 30)))
    assert gfib(30) == gifib(30) == 832040 and wfib(wstore, 30) == 832040
    res["fib30_ms"] = {k: min(v) for k, v in fib_samples.items()}
    res["fib30_samples_ms"] = fib_samples
    if res["go"]:
        res["fib30_ms"]["wazero_go"] = res["go"]["fib30_ms"]
        res["per_call_ns"]["wazero_go"] = res["go"]["sum_ns"]
    m.close()
    mi.close()

    # The interrupt checks on loop-heavy code: the same module, with and without.
    loops = build_guest("loops")
    plain, checked = Module(loops, interruptible=False), Module(loops, interruptible=True)
    loop_samples: Dict[str, List[float]] = {k: [] for k in ("count", "count_interruptible", "sha", "sha_interruptible")}
    log("interrupt checks: count(50e6), sha(5), best of %d ..." % prof["fib_repeats"])
    for _ in range(prof["fib_repeats"]):
        loop_samples["count"].append(once_ms(lambda: plain.count(50_000_000)))
        loop_samples["count_interruptible"].append(once_ms(lambda: checked.count(50_000_000)))
        loop_samples["sha"].append(once_ms(lambda: plain.sha(5)))
        loop_samples["sha_interruptible"].append(once_ms(lambda: checked.sha(5)))
    assert plain.count(1000) == checked.count(1000) and plain.sha(2) == checked.sha(2)
    res["loops_ms"] = {k: min(v) for k, v in loop_samples.items()}
    plain.close()
    checked.close()

    pc, fib, load = res["per_call_ns"], res["fib30_ms"], res["load"]
    ratios = {
        "gowasm_over_python": pc["gowasm_loop"] / pc["python_loop"],
        "gowasm_over_python_timeit": pc["gowasm_timeit"] / pc["python_timeit"],
        "wasmtime_over_gowasm": pc["wasmtime_loop"] / pc["gowasm_loop"],
        "wasmtime_over_gowasm_timeit": pc["wasmtime_timeit"] / pc["gowasm_timeit"],
        "gowasm_ns": pc["gowasm_loop"],
        "gowasm_ns_timeit": pc["gowasm_timeit"],
        "fib_gowasm_over_wasmtime": fib["gowasm"] / fib["wasmtime"],
        "load_cold_over_warm": load["cold_load_ms"] / load["warm_load_ms"],
        "count_interruptible_over_plain": res["loops_ms"]["count_interruptible"] / res["loops_ms"]["count"],
        "sha_interruptible_over_plain": res["loops_ms"]["sha_interruptible"] / res["loops_ms"]["sha"],
    }
    if "wazero_go" in fib:
        ratios["fib_gowasm_over_wazero_go"] = fib["gowasm"] / fib["wazero_go"]
        ratios["fib_interruptible_over_wazero_go"] = fib["gowasm_interruptible"] / fib["wazero_go"]
        ratios["gowasm_over_wazero_go"] = pc["gowasm_loop"] / pc["wazero_go"]
    res["ratios"] = ratios
    res["versions"] = {
        "python": platform.python_version(),
        "gowasm": getattr(gowasm, "__version__", None),
        "wasmtime": wt["version"],
        "go": res["go"]["go_version"] if res["go"] else None,
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
    }
    res["wasmtime_compile_ms"] = wt["compile_ms"]
    return res


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _verdict(value: float, op: Optional[str], target: Optional[float]) -> str:
    if op is None or target is None:
        return "(info)"
    ok = {"<=": value <= target, ">=": value >= target, "<": value < target, ">": value > target}[op]
    return "ok" if ok else "MISSED"


def report(r: Dict[str, Any]) -> str:
    pc, fib, load, ratios, v = r["per_call_ns"], r["fib30_ms"], r["load"], r["ratios"], r["versions"]
    s = r["settings"]
    na = "n/a"
    lines = []
    add = lines.append
    add("gowasm benchmark (%s profile): guest %s" % (r["profile"], r["guest"]))
    add("  Python %s, gowasm %s, wasmtime-py %s, %s; %s x%s"
        % (v["python"], v["gowasm"], v["wasmtime"], v["go"] or "no Go", v["cpu"], v["cpus"]))
    add("  statistic: MINIMUM over repeats everywhere (noisy VM: the least disturbed run)")
    add("")
    add("sum(12, 12), ns per call        for loop    timeit   repeats x calls")
    add("  empty for loop (overhead)   %9.1f         -   %d x %d" % (pc["empty_loop"], s["repeats"], s["calls"]))
    add("  plain Python def            %9.1f %9.1f   %d x %d" % (pc["python_loop"], pc["python_timeit"], s["repeats"], s["calls"]))
    add("  gowasm  f = m.sum           %9.1f %9.1f   %d x %d" % (pc["gowasm_loop"], pc["gowasm_timeit"], s["repeats"], s["calls"]))
    add("  wasmtime-py f(store, ...)   %9.1f %9.1f   %d x %d" % (pc["wasmtime_loop"], pc["wasmtime_timeit"], s["repeats"], s["wasmtime_calls"]))
    if "wazero_go" in pc:
        add("  wazero from Go (Go loop,    %9.1f         -   %d x %d"
            % (pc["wazero_go"], s["go_repeats"], s["go_calls"]))
        add("    CallWithStack)")
    else:
        add("  wazero from Go              %9s" % na)
    add("")
    add("fib(30) inside the guest, ms   (best of %d)" % s["fib_repeats"])
    add("  gowasm                      %9.2f" % fib["gowasm"])
    add("  gowasm, interruptible=True  %9.2f   (Ctrl-C/timeout checks in every loop)" % fib["gowasm_interruptible"])
    add("  wazero from Go              %9s" % ("%.2f" % fib["wazero_go"] if "wazero_go" in fib else na))
    add("  wasmtime-py                 %9.2f" % fib["wasmtime"])
    add("")
    lm = r["loops_ms"]
    add("interrupt checks on loop-heavy Go code, ms   (best of %d; plain / interruptible=True)" % s["fib_repeats"])
    add("  count loop, 50e6 iterations %9.1f / %.1f" % (lm["count"], lm["count_interruptible"]))
    add("  sha256 of 1 MiB, 5 times    %9.1f / %.1f" % (lm["sha"], lm["sha_interruptible"]))
    add("")
    add("Module() load in a fresh process, ms   (best of %d cold, %d warm)" % (load["cold_runs"], load["warm_runs"]))
    add("  cold (empty cache dir)      %9.1f   of which Module() %.1f; whole process %.0f ms"
        % (load["cold_load_ms"], load["cold_module_ms"], load["cold_process_ms"]))
    add("  warm (same cache dir)       %9.1f   of which Module() %.1f; whole process %.0f ms"
        % (load["warm_load_ms"], load["warm_module_ms"], load["warm_process_ms"]))
    add("  starting the Go runtime     %9.1f   (in both figures above: the first Module() pays it)" % load["runtime_ms"])
    add("  import gowasm               %9.1f   (not in the load figures)" % load["import_ms"])
    add("  cache dir after a cold load: %.1f MB" % (load["cache_bytes"] / 1e6))
    if r.get("go"):
        add("  (for reference: wazero compile from Go, no cache: %.0f ms; wasmtime-py compile: %.0f ms)"
            % (r["go"]["compile_ms"], r["wasmtime_compile_ms"]))
    add("")
    add("Judged ratios                                     value    target    verdict")
    for key, (what, op, target) in TARGETS.items():
        value = ratios.get(key)
        if value is None:
            add("  %-45s %9s" % (what, na))
            continue
        fmt = "%9.1f" if key.endswith("_ns") or key.startswith("wasmtime") else "%9.2f"
        tgt = "%s %g" % (op, target) if op else "-"
        add("  %-45s %s    %-8s  %s" % (what, fmt % value, tgt, _verdict(value, op, target)))
    add("  also: gowasm / plain Python with timeit        %9.2f" % ratios["gowasm_over_python_timeit"])
    add("        wasmtime-py / gowasm with timeit         %9.1f" % ratios["wasmtime_over_gowasm_timeit"])
    add("        gowasm (timeit), ns                      %9.1f" % ratios["gowasm_ns_timeit"])
    if "gowasm_over_wazero_go" in ratios:
        add("        gowasm / wazero-from-Go, per call        %9.1f" % ratios["gowasm_over_wazero_go"])
    add("")
    add("elapsed: %.1f s" % r["elapsed_s"])
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
