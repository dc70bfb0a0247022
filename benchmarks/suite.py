"""gowasm's benchmark suite: the same workloads on gowasm and every peer.

    .venv/bin/python benchmarks/suite.py [--quick] [--json out.json] [--png chart.png]

Peers: wasmtime-py, pywasm3, wazero driven from Go and native Go
(benchmarks/suite/gosuite), plain Python where it applies; extism, wasmer
and pywasm are printed with the reason they cannot run here. Every peer
runs the same Go reactor (benchmarks/suite/guest). Each figure is the
minimum and the median over repeats, with its ratio to gowasm's minimum
(> 1: slower than gowasm). See benchmarks/README.md.
"""

import argparse
import array
import gc
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import peers  # noqa: E402

PROFILES = {
    "full": dict(repeats=7, calls=300_000, slow_calls=5_000, map_n=100_000, big_repeats=5, loads=(3, 5), threads_fib=27, threads_k=8),
    "quick": dict(repeats=3, calls=30_000, slow_calls=500, map_n=10_000, big_repeats=2, loads=(1, 2), threads_fib=22, threads_k=4),
}

# workload: (title, unit)
WORKLOADS = {
    "per_call": ("sum(12, 12) per call", "ns"),
    "map": ("sum over N pairs, per element", "ns"),
    "fib30": ("fib(30) inside the guest", "ms"),
    "sha256": ("sha256 of 10 MiB in the guest", "ms"),
    "json": ("JSON decode (~1 MB) in the guest", "ms"),
    "greet": ("greet(\"world\"): str -> str", "us"),
    "host_call": ("guest -> host call", "us"),
    "bytes": ("1 MiB bytes in and out", "ms"),
    "load": ("load / import, fresh process", "ms"),
    "threads": ("N threads on N instances: speed-up", "x"),
    "interrupts": ("cost of interrupt support (fib(30), loop)", "ms"),
}

MIB = 1 << 20


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def samples(fn: Callable[[], Any], repeats: int, per: int = 1, scale: float = 1e6) -> List[float]:
    """repeats timings of fn (which does `per` operations), in ns/scale per
    operation (scale 1e6: ms; 1e3: us; 1: ns); gc off while timing."""
    fn()  # warm up
    out = []
    gcold = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            t = time.perf_counter_ns()
            fn()
            out.append((time.perf_counter_ns() - t) / per / scale)
    finally:
        if gcold:
            gc.enable()
    return out


def loop2(f: Callable[..., Any], n: int) -> Callable[[], None]:
    def run() -> None:
        for _ in range(n):
            f(12, 12)
    return run


def json_doc() -> bytes:
    items = [{"id": i, "name": "item %d" % i, "score": i * 0.25, "tags": ["a", "bb", "ccc"][: i % 4]}
             for i in range(12_000)]
    return json.dumps(items).encode()


def build(rel: str) -> str:
    import goguest
    return goguest.build(os.path.join(ROOT, rel))


def run_gosuite(guest: str, doc_path: str, prof: Dict[str, Any], tmp: str) -> Tuple[Dict[str, Any], Optional[str]]:
    go = shutil.which("go")
    if go is None:
        return {}, "go not on PATH"
    exe = os.path.join(tmp, "gosuite")
    r = subprocess.run([go, "build", "-o", exe, "./benchmarks/suite/gosuite"], cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        return {}, "go build failed: " + r.stderr.strip()[-300:]
    r = subprocess.run([exe, "-repeats", str(prof["repeats"]), "-calls", str(prof["calls"] * 3), guest, doc_path],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return {}, "gosuite failed: " + r.stderr.strip()[-300:]
    return json.loads(r.stdout), None


def run(prof: Dict[str, Any], tmp: str) -> Dict[str, Any]:
    guest = build("benchmarks/suite/guest")
    doc = json_doc()
    doc_path = os.path.join(tmp, "doc.json")
    with open(doc_path, "wb") as f:
        f.write(doc)
    data10 = bytes(range(256)) * (10 * MIB // 256)
    data1 = data10[:MIB]
    want_sha = hashlib.sha256(data10).digest()
    want_json = sum(range(12_000))
    R: Dict[str, Dict[str, List[float]]] = {w: {} for w in WORKLOADS}
    notes: Dict[str, str] = {}
    reps, n = prof["repeats"], prof["calls"]

    log("loads in fresh processes ...")
    import bench_calls
    loads = bench_calls.measure_loads(build("examples/sum"), dict(cold_loads=prof["loads"][0], warm_loads=prof["loads"][1]), tmp)
    R["load"]["gowasm import"] = [loads["import_ms"]]
    R["load"]["gowasm Module() cold"] = [loads["cold_module_ms"]]
    R["load"]["gowasm Module() warm"] = [loads["warm_module_ms"]]
    R["load"]["gowasm whole process, warm"] = [loads["warm_process_ms"]]

    log("wazero and native Go (gosuite) ...")
    gos, why = run_gosuite(guest, doc_path, prof, tmp)
    if why:
        notes["wazero from Go"] = notes["native Go"] = why
    key_map = {"per_call_ns": "per_call", "fib30_ms": "fib30", "sha256_10mib_ms": "sha256", "json_decode_ms": "json",
               "greet_us": "greet", "host_call_us": "host_call", "bytes_1mib_ms": "bytes"}
    for impl, label in (("wazero_go", "wazero from Go"), ("native_go", "native Go")):
        for k, v in gos.get(impl, {}).items():
            R[key_map[k]][label] = v

    log("gowasm ...")
    g = peers.Gowasm(guest)
    assert g.sum(12, 12) == 24 and g.sha(data10) == want_sha and g.jsonsum(doc) == want_json
    assert g.greet("world") == "Hello, world!" and g.echo(data1) == data1 and g.ping(10) == 45
    from gowasm import _native
    ffi, lib = _native.load()
    raw, h = lib.gwpy_call_i_ii, g.sum._handle

    def raw_loop() -> None:
        for _ in range(n):
            raw(h, 12, 12)

    def plain_sum(a: int, b: int) -> int:
        return a + b

    # per call: interleaved repeats, so a noisy stretch hits all alike
    per: Dict[str, List[float]] = {"Python def": [], "gowasm": [], "gowasm raw cffi entry": []}
    for _ in range(reps):
        per["Python def"] += samples(loop2(plain_sum, n), 1, n, 1)
        per["gowasm"] += samples(loop2(g.sum, n), 1, n, 1)
        per["gowasm raw cffi entry"] += samples(raw_loop, 1, n, 1)
    R["per_call"].update(per)

    N = prof["map_n"]
    xs, ys = list(range(N)), list(range(N))
    R["map"]["Python listcomp of a def"] = samples(lambda: [plain_sum(x, y) for x, y in zip(xs, ys)], reps, N, 1)
    R["map"]["gowasm"] = samples(lambda: g.sum.map(xs, ys), reps, N, 1)
    R["map"]["gowasm, range()"] = samples(lambda: g.sum.map(range(N), range(N)), reps, N, 1)
    ax, ay = array.array("q", xs), array.array("q", ys)
    R["map"]["gowasm, array.array"] = samples(lambda: g.sum.map(ax, ay), reps, N, 1)
    try:
        import numpy as np
        nx = np.arange(N, dtype=np.int32)
        R["map"]["gowasm, numpy"] = samples(lambda: g.sum.map(nx, nx), reps, N, 1)
    except ImportError:
        notes["gowasm, numpy"] = "numpy not installed"
    R["map"]["gowasm, a call per element"] = samples(lambda: [g.sum(x, y) for x, y in zip(xs, ys)], reps, N, 1)

    R["fib30"]["gowasm"] = samples(lambda: g.fib(30), reps)
    R["sha256"]["gowasm"] = samples(lambda: g.sha(data10), prof["big_repeats"])
    R["sha256"]["Python hashlib (C)"] = samples(lambda: hashlib.sha256(data10).digest(), prof["big_repeats"])
    R["json"]["gowasm"] = samples(lambda: g.jsonsum(doc), prof["big_repeats"])
    R["json"]["Python json.loads (C)"] = samples(lambda: json.loads(doc), prof["big_repeats"])
    R["greet"]["gowasm"] = samples(lambda: [g.greet("world") for _ in range(1000)], reps, 1000, 1e3)
    R["greet"]["gowasm sum(12, 12), same run"] = samples(loop2(g.sum, 1000), reps, 1000, 1e3)
    R["host_call"]["gowasm"] = samples(lambda: g.ping(1000), reps, 1000, 1e3)
    R["bytes"]["gowasm"] = samples(lambda: g.echo(data1), prof["big_repeats"] * 4)

    log("interrupts, threads ...")
    gi = peers.Gowasm(guest, interruptible=True)
    R["interrupts"]["fib(30), interruptible=False"] = R["fib30"]["gowasm"]
    R["interrupts"]["fib(30), interruptible=True"] = samples(lambda: gi.fib(30), reps)
    loops = build("benchmarks/loops")
    from gowasm import Module
    lp, li = Module(loops, interruptible=False), Module(loops, interruptible=True)
    R["interrupts"]["count(2e7), interruptible=False"] = samples(lambda: lp.count(20_000_000), reps)
    R["interrupts"]["count(2e7), interruptible=True"] = samples(lambda: li.count(20_000_000), reps)
    R["threads"] = threads(guest, prof)

    log("wasmtime-py ...")
    try:
        w = peers.Wasmtime(guest)
        assert w.sum(12, 12) == 24 and w.sha(data10) == want_sha and w.jsonsum(doc) == want_json
        assert w.greet("world") == "Hello, world!" and w.echo(data1) == data1
        k = prof["slow_calls"]
        R["per_call"]["wasmtime-py"] = [x for _ in range(reps) for x in samples(loop2(w.sum, k), 1, k, 1)]
        R["map"]["wasmtime-py, a call per element"] = samples(lambda: [w.sum(x, y) for x, y in zip(xs[:k], ys[:k])], reps, k, 1)
        R["fib30"]["wasmtime-py"] = samples(lambda: w.fib(30), reps)
        R["sha256"]["wasmtime-py"] = samples(lambda: w.sha(data10), prof["big_repeats"])
        R["json"]["wasmtime-py"] = samples(lambda: w.jsonsum(doc), prof["big_repeats"])
        R["greet"]["wasmtime-py"] = samples(lambda: [w.greet("world") for _ in range(100)], reps, 100, 1e3)
        R["host_call"]["wasmtime-py"] = samples(lambda: w.ping(1000), reps, 1000, 1e3)
        R["bytes"]["wasmtime-py"] = samples(lambda: w.echo(data1), prof["big_repeats"] * 4)
    except peers.Unavailable as e:
        notes["wasmtime-py"] = str(e)

    log("pywasm3 ...")
    try:
        w3 = peers.Wasm3(guest, g.m.imports)
        assert w3.sum(12, 12) == 24 and w3.greet("world") == "Hello, world!"
        k = prof["slow_calls"]
        R["per_call"]["pywasm3"] = [x for _ in range(reps) for x in samples(loop2(w3.sum, k), 1, k, 1)]
        R["fib30"]["pywasm3"] = samples(lambda: w3.fib(30), max(1, reps // 3))
        R["json"]["pywasm3"] = samples(lambda: w3.jsonsum(doc), 1)
        R["greet"]["pywasm3"] = samples(lambda: [w3.greet("world") for _ in range(100)], reps, 100, 1e3)
        R["host_call"]["pywasm3"] = samples(lambda: w3.ping(1000), reps, 1000, 1e3)
        R["bytes"]["pywasm3"] = samples(lambda: w3.echo(data1), prof["big_repeats"])
        notes["pywasm3 sha256"] = "sha256 of 10 MiB skipped on the interpreter (minutes)"
    except peers.Unavailable as e:
        notes["pywasm3"] = str(e)
    except Exception as e:  # the interpreter could not run the guest
        notes["pywasm3"] = "%s: %s" % (type(e).__name__, e)

    notes.update(peers.unavailable_rows())
    notes.setdefault("extism", "runs only plugins built with an Extism PDK (bytes in/out through its own host "
                               "imports); the suite's guest is a plain Go reactor, so no workload fits it as is")
    return {"results": R, "notes": notes, "versions": versions(g, gos)}


def speedups(works: List[Callable[[], None]], repeats: int) -> List[float]:
    """Each repeat: the time of the works one after the other over their
    time on a thread each."""
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        for w in works:
            w()
        serial = time.perf_counter() - t
        ths = [threading.Thread(target=w) for w in works]
        t = time.perf_counter()
        for th in ths:
            th.start()
        for th in ths:
            th.join()
        out.append(serial / (time.perf_counter() - t))
    return out


def threads(guest: str, prof: Dict[str, Any]) -> Dict[str, List[float]]:
    """Speed-up of N threads on N instances over one thread doing the same
    per-thread work, N = 2 (and the CPU count if larger); beside it a
    control: what this machine gives any GIL-releasing C code right now (on
    a shared machine, less than its core count)."""
    out: Dict[str, List[float]] = {}
    ncpu = os.cpu_count() or 2
    mods = [peers.Gowasm(guest) for _ in range(max(2, ncpu))]
    fn, k = prof["threads_fib"], prof["threads_k"]

    def fibs(m: Any) -> Callable[[], None]:
        def work() -> None:
            for _ in range(k):
                m.fib(fn)
        return work

    for nt in sorted({2, ncpu}):
        # a speed-up: higher is better, so the summary's "min" is its best
        out["gowasm, %d threads (fib(%d) x %d each)" % (nt, fn, k)] = speedups(
            [fibs(m) for m in mods[:nt]], prof["repeats"])
    data = b"x" * (4 << 20)

    def sha() -> None:
        for _ in range(k):
            hashlib.sha256(data).digest()

    out["control: hashlib.sha256, 2 threads"] = speedups([sha, sha], prof["repeats"])
    return out


def versions(g: Any, gos: Dict[str, Any]) -> Dict[str, Any]:
    return {"python": platform.python_version(), "gowasm": g.version, "wasmtime": peers._version("wasmtime"),
            "pywasm3": peers._version("pywasm3"), "extism": peers._version("extism"),
            "numpy": peers._version("numpy"), "cpus": os.cpu_count(), "machine": platform.machine()}


def summarize(res: Dict[str, Any]) -> Dict[str, Dict[str, Dict[str, float]]]:
    """min, median and ratio to gowasm's min per workload and implementation."""
    out: Dict[str, Dict[str, Dict[str, float]]] = {}
    for w, impls in res["results"].items():
        rows = {}
        base = min(impls["gowasm"]) if impls.get("gowasm") else None
        for impl, s in impls.items():
            if not s:
                continue
            best = max(s) if w == "threads" else min(s)
            rows[impl] = {"min": best, "median": statistics.median(s), "n": len(s),
                          "ratio": best / base if base else float("nan")}
        out[w] = rows
    return out


def report(res: Dict[str, Any], summary: Dict[str, Any]) -> str:
    v = res["versions"]
    lines = ["gowasm benchmark suite (%s profile); Python %s, gowasm %s, wasmtime-py %s, pywasm3 %s, %s x%s"
             % (res["profile"], v["python"], v["gowasm"], v["wasmtime"], v["pywasm3"], v["machine"], v["cpus"]),
             "min and median over repeats; ratio = this min / gowasm's min (> 1: slower than gowasm)", ""]
    for w, (title, unit) in WORKLOADS.items():
        rows = summary.get(w) or {}
        lines.append("%s, %s" % (title, unit) + ("   (best = max speed-up)" if w == "threads" else ""))
        for impl, r in rows.items():
            ratio = "" if r["ratio"] != r["ratio"] else "%8.2fx" % r["ratio"]
            lines.append("  %-42s %11.3f %11.3f  %s" % (impl, r["min"], r["median"], ratio))
        lines.append("")
    lines.append("Not run here:")
    for impl, why in sorted(res["notes"].items()):
        lines.append("  %-20s %s" % (impl, why))
    s = summary
    lines += ["", "Goals (issue 12; ratios from this run):"]

    def goal(text: str, value: Optional[float], ok: Optional[bool]) -> None:
        if value is None:
            lines.append("  %-58s %9s" % (text, "n/a"))
        else:
            lines.append("  %-58s %9.2f   %s" % (text, value, "ok" if ok else "MISSED"))

    per = s.get("per_call", {})
    if "gowasm raw cffi entry" in per:
        r = per["gowasm"]["min"] / per["gowasm raw cffi entry"]["min"]
        goal("per call: gowasm / raw cffi call of its entry (<= 1.15)", r, r <= 1.15)
    mp = s.get("map", {})
    if "Python listcomp of a def" in mp:
        for impl in ("gowasm", "gowasm, range()", "gowasm, array.array", "gowasm, numpy"):
            if impl in mp:
                r = mp[impl]["min"] / mp["Python listcomp of a def"]["min"]
                goal("map per element: %s / Python call (<= 1)" % impl, r, r <= 1)
    gr = s.get("greet", {})
    if "gowasm sum(12, 12), same run" in gr:
        r = gr["gowasm"]["min"] / gr["gowasm sum(12, 12), same run"]["min"]
        goal("greet(\"world\") / sum(12, 12) (<= 4)", r, r <= 4)
    hc = s.get("host_call", {}).get("gowasm")
    goal("host call, us (<= 0.5)", hc and hc["min"], hc and hc["min"] <= 0.5)
    ld = s.get("load", {})
    imp = ld.get("gowasm import")
    goal("import gowasm, ms (< 20)", imp and imp["min"], imp and imp["min"] < 20)
    wm = ld.get("gowasm Module() warm")
    goal("warm Module() of a 2 MB Go module, ms (< 25)", wm and wm["min"], wm and wm["min"] < 25)
    th = s.get("threads", {})
    for impl, r in th.items():
        if impl.startswith("gowasm, 2 threads"):
            goal("threads: %s speed-up (>= 1.8)" % impl.split(" (")[0], r["min"], r["min"] >= 1.8)
    if "control: hashlib.sha256, 2 threads" in th:
        lines.append("  (threads control: hashlib on 2 threads got %.2fx here: what the machine allowed)"
                     % th["control: hashlib.sha256, 2 threads"]["min"])
    return "\n".join(lines)


def chart(summary: Dict[str, Any], path: str) -> Optional[str]:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        return "no chart: matplotlib is not installed (pip install gowasm[bench]): %s" % e
    labels, values, colors = [], [], []
    palette = {"gowasm": "#2a7", "wasmtime-py": "#c55", "pywasm3": "#a7c", "wazero from Go": "#47c",
               "native Go": "#999", "Python": "#db3"}
    for w, rows in summary.items():
        if w in ("threads", "load", "interrupts"):
            continue
        for impl, r in rows.items():
            if r["ratio"] != r["ratio"] or impl == "gowasm":
                continue
            labels.append("%s: %s" % (WORKLOADS[w][0], impl))
            values.append(r["ratio"])
            colors.append(next((c for k, c in palette.items() if impl.startswith(k)), "#666"))
    fig, ax = plt.subplots(figsize=(11, 0.28 * len(labels) + 1.5))
    ax.barh(range(len(labels)), values, color=colors)
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xlabel("time / gowasm's time (log scale; right of the line: slower than gowasm)")
    ax.set_title("gowasm against its peers: same workload, same run")
    fig.tight_layout()
    fig.subplots_adjust(left=0.4)
    fig.savefig(path, dpi=110)
    return None


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="few repeats and small N (a smoke run)")
    ap.add_argument("--json", metavar="FILE", help="write every sample and the summary as JSON")
    ap.add_argument("--png", metavar="FILE", help="draw the chart (needs matplotlib: the bench extra)")
    args = ap.parse_args(argv)
    prof = PROFILES["quick" if args.quick else "full"]
    started = time.perf_counter()
    tmp = tempfile.mkdtemp(prefix="gowasm-suite-")
    try:
        res = run(prof, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    res["profile"] = "quick" if args.quick else "full"
    res["elapsed_s"] = time.perf_counter() - started
    summary = summarize(res)
    print(report(res, summary))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"summary": summary, **res}, f, indent=1, sort_keys=True)
        log("wrote %s" % args.json)
    if args.png:
        why = chart(summary, args.png)
        log(why or "wrote %s" % args.png)
    log("elapsed: %.1f s" % res["elapsed_s"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
