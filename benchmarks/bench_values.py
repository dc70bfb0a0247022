"""Values through memory and calls into the host: gowasm vs wasmtime-py.

On the Go guest in benchmarks/suite/guest (gowasm's guest package):
- 1 MiB of bytes into a guest function and back (``echo``), in GB/s counting
  both directions (goal: at least 2 GB/s);
- a short str round trip (``greet("world")``), beside ``sum(12, 12)`` in
  the same run;
- typed map: ``greet.map(names)`` (str -> str) and ``echo.map(blobs)``
  (short bytes -> bytes), per element, against a list comprehension of
  single typed calls, interleaved in the same run;
- a guest->Python host call: the guest calls ``env.pong`` 1000 times in a
  loop (goal: under 1 us per call), and the same on wasmtime-py.

Run alone (``python benchmarks/bench_values.py [--quick]``) or as part of
bench_calls.py. Every figure is the minimum over repeats.
"""

import argparse
import os
import sys
import timeit
from typing import Any, Callable, Dict, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIB = 1 << 20
PONGS = 1000
MAP_N = 1000


def _best(fn: Callable[[], Any], number: int, repeat: int) -> float:
    """Seconds per call, the minimum over repeats."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def build_guest() -> str:
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    import goguest  # noqa: E402

    return goguest.build(os.path.join(ROOT, "benchmarks", "suite", "guest"))


def wasmtime_ping(path: str) -> Optional[Callable[[], Any]]:
    """ping(PONGS) on wasmtime-py with a Python pong, or None without it."""
    try:
        import wasmtime
    except ImportError:
        return None
    engine = wasmtime.Engine()
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    i32 = wasmtime.ValType.i32()
    linker.define_func("env", "pong", wasmtime.FuncType([i32], [i32]), lambda x: x)
    store = wasmtime.Store(engine)
    store.set_wasi(wasmtime.WasiConfig())
    exports = linker.instantiate(store, wasmtime.Module.from_file(engine, path)).exports(store)
    exports["_initialize"](store)
    ping = exports["ping"]
    assert ping(store, 10) == 45
    return lambda: ping(store, PONGS)


def run_values(quick: bool = False) -> Dict[str, Any]:
    from gowasm import Module

    path = build_guest()
    reps = 3 if quick else 7
    m = Module(path, imports={"env": {"pong": lambda x: x}})
    data = bytes(range(256)) * (MIB // 256)
    assert m.echo(data) == data and m.greet("world") == "Hello, world!" and m.ping(10) == 45
    echo_s = _best(lambda: m.echo(data), 20 if quick else 100, reps)
    greet_s = _best(lambda: m.greet("world"), 5000 if quick else 20000, reps)
    ping_s = _best(lambda: m.ping(PONGS), 10 if quick else 50, reps) / PONGS
    sum_s = _best(lambda: m.sum(12, 12), 5000 if quick else 20000, reps)
    # typed map against a comprehension of single calls: interleaved repeats,
    # so that a noisy stretch of the shared machine hits both alike
    greet, echo = m.greet, m.echo
    names = ["name %d" % i for i in range(MAP_N)]
    blobs = [b"blob %d" % i for i in range(MAP_N)]
    assert greet.map(names) == [greet(x) for x in names] and echo.map(blobs) == blobs
    rows = {
        "greet_comp": lambda: [greet(x) for x in names], "greet_map": lambda: greet.map(names),
        "echo_comp": lambda: [echo(x) for x in blobs], "echo_map": lambda: echo.map(blobs),
    }
    best = {k: float("inf") for k in rows}
    for _ in range(reps):
        for k, fn in rows.items():
            best[k] = min(best[k], _best(fn, 2 if quick else 5, 1) / MAP_N)
    res = {
        "echo_1mib_us": echo_s * 1e6,
        "echo_gb_per_s": 2 * len(data) / echo_s / 1e9,
        "greet_us": greet_s * 1e6,
        "host_call_us": ping_s * 1e6,
        "sum_us": sum_s * 1e6,
    }
    res.update({k + "_us": v * 1e6 for k, v in best.items()})
    wt = wasmtime_ping(path)
    if wt is not None:
        res["wasmtime_host_call_us"] = _best(wt, 3 if quick else 10, reps) / PONGS * 1e6
    return res


def report_values(r: Dict[str, Any]) -> str:
    lines = [
        "Values through memory, host calls (benchmarks/suite/guest, Go + gowasm's guest package)",
        "  echo(1 MiB bytes) in and out     %9.0f us   = %.2f GB/s (both directions)   target >= 2   %s"
        % (r["echo_1mib_us"], r["echo_gb_per_s"], "ok" if r["echo_gb_per_s"] >= 2 else "MISSED"),
        "  greet(\"world\") str round trip    %9.2f us   (malloc'ed result read and freed; %.1fx sum(12, 12), %.2f us)"
        % (r["greet_us"], r["greet_us"] / r["sum_us"], r["sum_us"]),
        "  greet.map(%d names), per name   %9.2f us   a comprehension of greet(x): %.2f us, map/comprehension %.2f"
        % (MAP_N, r["greet_map_us"], r["greet_comp_us"], r["greet_map_us"] / r["greet_comp_us"]),
        "  echo.map(%d short bytes), each  %9.2f us   a comprehension of echo(x):  %.2f us, map/comprehension %.2f"
        % (MAP_N, r["echo_map_us"], r["echo_comp_us"], r["echo_map_us"] / r["echo_comp_us"]),
        "  guest -> Python host call        %9.3f us   target < 1   %s"
        % (r["host_call_us"], "ok" if r["host_call_us"] < 1 else "MISSED"),
    ]
    if "wasmtime_host_call_us" in r:
        lines.append("  ... on wasmtime-py               %9.3f us   (%.1fx gowasm)"
                     % (r["wasmtime_host_call_us"], r["wasmtime_host_call_us"] / r["host_call_us"]))
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer iterations")
    print(report_values(run_values(ap.parse_args().quick)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
