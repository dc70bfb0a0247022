"""Describes a WebAssembly module without running it: which kind of module it
is, which toolchain probably built it, what to do about it, and the text and
JSON that ``gowasm inspect FILE`` prints. The binary itself is read by
:mod:`gowasm._tools.wasmbin` (malformed input: :class:`~gowasm.CompileError`);
the kind comes from the engine's rules (:func:`gowasm._description.classify`),
so that it is the one loading would find, even for modules loading rejects.

>>> info = inspect_module(open("lol.wasm", "rb").read(), "lol.wasm")  # doctest: +SKIP
>>> print(format_text(info))                                           # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from .._advice import GO_COMMAND_WITH_EXPORTS_ADVICE
from .._description import Export, Import, classify
from .._values import format_signature
from .wasmbin import GlobalInfo, MemoryInfo, Parsed, TableInfo, parse, show as _show

__all__ = [
    "inspect_module", "format_text", "to_json",
    "Inspection", "Import", "Export", "MemoryInfo", "TableInfo", "GlobalInfo",
]

# What gowasm links in: WASI preview 1 under either module name, and the runtime
# imports of AssemblyScript and Emscripten (see gohost/internal/engine/link.go).
_WASI_MODULES = ("wasi_snapshot_preview1", "wasi_unstable")
_WASI_FUNCTIONS = frozenset("""
args_get args_sizes_get environ_get environ_sizes_get clock_res_get clock_time_get fd_advise
fd_allocate fd_close fd_datasync fd_fdstat_get fd_fdstat_set_flags fd_fdstat_set_rights
fd_filestat_get fd_filestat_set_size fd_filestat_set_times fd_pread fd_prestat_get
fd_prestat_dir_name fd_pwrite fd_read fd_readdir fd_renumber fd_seek fd_sync fd_tell fd_write
path_create_directory path_filestat_get path_filestat_set_times path_link path_open
path_readlink path_remove_directory path_rename path_symlink path_unlink_file poll_oneoff
proc_exit proc_raise sched_yield random_get sock_accept sock_recv sock_send sock_shutdown
""".split())
# Go's wasip1 runtime imports exactly these, sched_yield first.
_GO_WASIP1_IMPORTS = frozenset("""sched_yield proc_exit args_get args_sizes_get clock_time_get
environ_get environ_sizes_get fd_write random_get poll_oneoff""".split())
# Exports that toolchains' runtimes add: not functions anyone wrote to be called.
_RUNTIME_EXPORTS = frozenset("""_start _initialize main malloc free calloc realloc posix_memalign
aligned_alloc malloc_usable_size stackSave stackRestore stackAlloc resume go_scheduler""".split())
_ZIG_ERROR_NAMES = (b"FileNotFound", b"SystemResources", b"AccessDenied", b"Unexpected")

_GO_COMMAND_ADVICE = (
    "this is a Go command module: functions are not exported; mark functions //go:wasmexport name "
    "and build with GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared (exported signatures must "
    "use int32/int64/uint32/uint64/float32/float64/bool, not int)")
_TINYGO_COMMAND_ADVICE = (
    "this is a TinyGo command module: functions are not exported; mark functions //export name "
    "(or //go:wasmexport name) with tinygo build -target=wasip1 -buildmode=c-shared")
_COMMAND_ADVICE = {
    "Rust": 'to call functions, build a library instead: crate-type = ["cdylib"] and '
            '#[no_mangle] pub extern "C" fn name',
    "C/C++ (clang)": "to call functions, export them with __attribute__((export_name(\"name\"))) and "
                     "link a reactor (-mexec-model=reactor) or a library (-Wl,--no-entry)",
    "Zig": "to call functions, declare them `export fn` and build with -fno-entry -rdynamic",
}


@dataclass(frozen=True)
class Inspection:
    """What :func:`inspect_module` found in a module."""

    name: str
    size: int
    kind: str  # "command", "reactor", "tinygo-js", "go-js" or "library"
    toolchain: str
    toolchain_evidence: str
    imports: List[Import]  # every kind; provided_by is None
    exports: List[Export]
    memories: List[MemoryInfo]
    tables: List[TableInfo]
    globals: List[GlobalInfo]
    functions: int  # functions the module defines (not counting imports)
    has_start_section: bool
    start_function: Optional[int]
    start_function_name: Optional[str]
    module_name: Optional[str]  # from the "name" custom section
    producers: Dict[str, List[Tuple[str, str]]]
    custom_sections: List[Tuple[str, int]]  # (name, payload size) in file order
    advice: List[str]


def _producer(p: Parsed, key: str, name: str, exact: bool = False) -> Optional[str]:
    """'key name version' of the first producers entry named ``name``
    (or, unless ``exact``, whose name contains it), ignoring case."""
    for n, v in p.producers.get(key, ()):
        if name.lower() == n.lower() or (not exact and name.lower() in n.lower()):
            return ("%s %s %s" % (key, n, v.split(" (")[0])).strip()
    return None


def _guess_language(p: Parsed, data: bytes) -> Tuple[str, str]:
    """The toolchain that built the code, and why we think so."""
    funcs = {(i.module, i.name): i for i in p.imports if i.kind == "func"}
    exports = {e.name for e in p.exports if e.kind == "func"}
    lo, hi = p.data_range
    customs = {n for n, _ in p.custom}

    tinygo = _producer(p, "processed-by", "TinyGo")
    if tinygo:
        return "TinyGo", "producers section: %s" % tinygo
    go = _producer(p, "language", "Go", exact=True) or _producer(p, "processed-by", "Go cmd/compile")
    if go:
        return "Go", "producers section: %s" % go
    if "go:buildid" in customs:
        return "Go", "has a go:buildid custom section"
    if any(m == "gojs" for m, _ in funcs):
        return "Go", "imports Go's GOOS=js runtime from module gojs"
    wasi = [n for m, n in funcs if m == "wasi_snapshot_preview1"]
    if wasi and wasi[0] == "sched_yield" and _GO_WASIP1_IMPORTS <= set(wasi):
        return "Go", "imports the WASI functions of Go's wasip1 runtime (sched_yield, poll_oneoff, ...) in its order"
    emscripten = sorted(n for m, n in funcs if m == "env" and n.startswith("emscripten_"))
    if emscripten:
        return "Emscripten", "imports env.%s" % emscripten[0]
    if {"stackSave", "stackRestore"} <= exports:
        return "Emscripten", "exports stackSave and stackRestore"
    abort = funcs.get(("env", "abort"))
    if abort and abort.params == ("i32",) * 4 and not abort.results:
        return "AssemblyScript", "imports env.abort(i32, i32, i32, i32), AssemblyScript's runtime abort"
    if any(n.startswith("~lib/") for n in p.function_names.values()):
        return "AssemblyScript", "function names from AssemblyScript's standard library (~lib/...)"
    if data.find("~lib/".encode("utf-16-le"), lo, hi) >= 0:
        return "AssemblyScript", "data holds UTF-16 paths of AssemblyScript's standard library (~lib/...)"
    if "_start" in exports and {"resume", "go_scheduler"} & exports:
        both = " and ".join(sorted({"resume", "go_scheduler"} & exports))
        return "TinyGo", "exports _start with %s (TinyGo -target wasm)" % both
    js = sorted(n for m, n in funcs if m == "env" and n.startswith(("syscall/js.", "runtime.")))
    if js:
        return "TinyGo", "imports env.%s (TinyGo's JavaScript host ABI)" % js[0]
    if any(n.startswith("asyncify_") for n in exports) and {"malloc", "free", "calloc", "realloc"} <= exports:
        return "TinyGo", "exports asyncify_* with malloc, free, calloc and realloc (TinyGo's runtime)"
    rust = _producer(p, "processed-by", "rustc", exact=True) or _producer(p, "language", "Rust", exact=True)
    if rust:
        return "Rust", "producers section: %s" % rust
    if data.find(b"/rustc/", lo, hi) >= 0:
        return "Rust", "data holds /rustc/... paths of Rust standard library panic messages"
    clang = _producer(p, "processed-by", "clang")
    if clang:
        lang = ", ".join(n for n, _ in p.producers.get("language", ()))
        how = " (zig cc)" if any("zig" in v.lower() for _, v in p.producers["processed-by"]) else ""
        return "C/C++ (clang)", "producers section: %s%s%s" % ("language %s, " % lang if lang else "", clang, how)
    if data.find(b"{s}", lo, hi) >= 0:
        return "Zig", "data holds Zig std.fmt placeholders ({s})"
    if all(data.find(b"\0" + n + b"\0", lo, hi) >= 0 for n in _ZIG_ERROR_NAMES):
        return "Zig", "data holds Zig standard library error names (FileNotFound, SystemResources, ...)"
    globals_ = {e.name for e in p.exports if e.kind == "global"}
    if {"__heap_base", "__data_end"} & globals_ or "__wasm_call_ctors" in exports:
        return "unknown", "no producers section; exports %s, so linked by LLVM's wasm-ld (Rust, C or Zig)" % (
            "__wasm_call_ctors" if "__wasm_call_ctors" in exports else "__heap_base/__data_end")
    return "unknown", "no producers section and no telltale imports or exports (hand-written WAT?)"


def _guess_toolchain(p: Parsed, data: bytes) -> Tuple[str, str, str]:
    """(toolchain, evidence, language toolchain): Extism plugins are named as such."""
    language, why = _guess_language(p, data)
    if any(i.module.startswith("extism:host/") for i in p.imports):
        evidence = "imports from extism:host/env (the Extism kernel)"
        if language != "unknown":
            evidence += "; built with %s (%s)" % (language, why)
        return "Extism plugin", evidence, language
    return language, why, language


def _provided(i: Import, env_provider: Optional[str]) -> bool:
    """Whether gowasm links this import in (gohost/internal/engine/link.go)."""
    if i.kind == "memory":
        return True
    if i.kind != "func":
        return False
    if i.module in _WASI_MODULES:
        return i.name in _WASI_FUNCTIONS
    if i.module == "env" and env_provider == "assemblyscript":
        return i.name in ("abort", "trace", "seed")
    if i.module == "env" and env_provider == "emscripten":
        return i.name == "emscripten_notify_memory_growth" or i.name.startswith("invoke_")
    return False


def _env_provider(imports: List[Import]) -> Optional[str]:
    """Which toolchain runtime gowasm would provide module "env" as."""
    env = [i for i in imports if i.module == "env" and i.kind == "func"]
    if any(i.name == "abort" and len(i.params) == 4 and not i.results for i in env):
        return "assemblyscript"
    if any(i.name == "emscripten_notify_memory_growth" or i.name.startswith("invoke_") for i in env):
        return "emscripten"
    return None


def _names(items: List[str], limit: int = 6) -> str:
    if len(items) <= limit:
        return ", ".join(items)
    return "%s, ... (%d in all)" % (", ".join(items[:limit]), len(items))


def _advice(p: Parsed, kind: str, toolchain: str, language: str) -> List[str]:
    """What to do, for the problems that matter when loading it with gowasm."""
    advice = list(p.notes)
    funcs = [e.name for e in p.exports if e.kind == "func"]
    callable_ = [n for n in funcs if n not in _RUNTIME_EXPORTS and not n.startswith(("__", "asyncify_"))]
    js_imports = [i for i in p.imports if i.name.startswith("syscall/js.")]
    if kind == "go-js":
        advice.append("built with GOOS=js for a JavaScript host (Go's wasm_exec.js), so loading it fails with "
                      "LinkError: rebuild with GOOS=wasip1 GOARCH=wasm, exporting functions with "
                      "//go:wasmexport name and -buildmode=c-shared")
    elif kind == "tinygo-js" and js_imports:
        advice.append("built with TinyGo -target wasm using syscall/js: it needs a JavaScript host "
                      "(TinyGo's wasm_exec.js); gowasm runs _start when loading it and any syscall/js call raises "
                      "LinkError; rebuild with tinygo build -target=wasip1 -buildmode=c-shared and //export name "
                      "(or //go:wasmexport name)")
    elif kind == "tinygo-js":
        advice.append("TinyGo -target wasm module: gowasm runs _start first (as wasm_exec.js does), "
                      "then its exports can be called")
    if toolchain == "Extism plugin":
        advice.append("this is an Extism plugin: it needs the Extism kernel (module extism:host/env) and the "
                      "Extism calling convention; run it with an Extism SDK")
    elif kind == "command" and not callable_ and language == "Go":
        advice.append(_GO_COMMAND_ADVICE)
    elif kind == "command" and language == "Go":
        advice.append(GO_COMMAND_WITH_EXPORTS_ADVICE)
    elif kind == "command" and not callable_ and language == "TinyGo":
        advice.append(_TINYGO_COMMAND_ADVICE)
    elif kind == "command" and not callable_:
        how = "; " + _COMMAND_ADVICE[language] if language in _COMMAND_ADVICE else ""
        advice.append("this is a WASI command: its only entry point is _start (its main), so there is nothing "
                      "to call; run it as a program" + how)
    elif kind == "reactor" and not callable_:
        advice.append("this reactor exports no functions to call besides _initialize"
                      + ("; mark functions //go:wasmexport name" if language in ("Go", "TinyGo") else ""))
    elif kind == "library" and not funcs:
        advice.append("exports no functions: there is nothing to call")
    if kind != "go-js":
        env_provider = _env_provider(p.imports)
        missing = [i for i in p.imports if i.kind == "func" and not _provided(i, env_provider)]
        if missing:
            advice.append("imports %s nothing provides; calls to them will raise LinkError "
                          "(pass strict_imports=True to fail at load)"
                          % _names(["%s.%s" % (_show(i.module), _show(i.name)) for i in missing]))
    others = [i for i in p.imports if i.kind in ("table", "global", "tag")]
    if others:
        advice.append("imports %s that gowasm cannot provide: loading it will fail with LinkError"
                      % _names(["%s %s.%s" % (i.kind, _show(i.module), _show(i.name)) for i in others]))
    if any(m.memory64 for m in p.memories):
        advice.append("defines a 64-bit memory, which wazero does not support")
    return advice


def inspect_module(data: bytes, name: str = "<bytes>") -> Inspection:
    """Parses a WebAssembly binary and describes it.

    Raises :class:`~gowasm.CompileError` (one line: what is wrong, at which
    byte offset) when ``data`` is not a well-formed module.
    """
    data = bytes(data)
    name = " ".join(str(name).split()) or "<bytes>"  # messages stay on one line
    p = parse(data, name)
    kind = classify(p.imports, p.exports)  # Go's rules (kind.go), as loading applies them
    toolchain, evidence, language = _guess_toolchain(p, data)
    return Inspection(
        name=name,
        size=len(data),
        kind=kind,
        toolchain=toolchain,
        toolchain_evidence=evidence,
        imports=p.imports,
        exports=p.exports,
        memories=p.memories,
        tables=p.tables,
        globals=p.globals,
        functions=p.defined_functions,
        has_start_section=p.start is not None,
        start_function=p.start,
        start_function_name=p.function_names.get(p.start) if p.start is not None else None,
        module_name=p.module_name,
        producers=p.producers,
        custom_sections=p.custom,
        advice=_advice(p, kind, toolchain, language),
    )


def _signature(name: str, params: Tuple[str, ...], results: Tuple[str, ...]) -> str:
    """`name(p1, p2) -> r`; `-> None` without results, `-> (r1, r2)` with several."""
    return format_signature(name, params, results)


def _limits_text(lo: Optional[int], hi: Optional[int], unit: str) -> str:
    return "%s..%s%s" % (lo, "" if hi is None else hi, unit)


def _describe(name: str, item: Import | Export) -> str:
    """One import or export, e.g. `sum(i32, i32) -> i32` or `memory (memory, 17.. pages)`."""
    name = _show(name)
    if item.kind == "func":
        return _signature(name, item.params, item.results)
    if item.kind == "tag":
        return "%s (tag, %s)" % (name, _signature("", item.params, item.results).split(" ->")[0])
    if item.kind == "memory":
        shared = ", shared" if item.shared else ""
        return "%s (memory, %s%s)" % (name, _limits_text(item.min, item.max, " pages"), shared)
    if item.kind == "table":
        return "%s (table, %s, %s)" % (name, item.type, _limits_text(item.min, item.max, ""))
    return "%s (global, %s%s)" % (name, "mut " if item.mutable else "", item.type)


def format_text(info: Inspection) -> str:
    """A readable report of :func:`inspect_module`'s findings."""
    lines = [
        "%s: %d bytes" % (info.name, info.size),
        "kind: %s" % info.kind,
        "toolchain: %s (%s)" % (info.toolchain, info.toolchain_evidence),
    ]
    if info.module_name:
        lines.append("module name: %s" % _show(info.module_name))
    lines.append("")
    lines.append("imports (%d):" % len(info.imports) if info.imports else "imports: none")
    modules: Dict[str, List[Import]] = {}
    for imp in info.imports:
        modules.setdefault(imp.module, []).append(imp)
    for module, imports in modules.items():
        lines.append("  %s (%d):" % (_show(module), len(imports)))
        lines.extend("    " + _describe("%s.%s" % (i.module, i.name), i) for i in imports)
    lines.append("exports (%d):" % len(info.exports) if info.exports else "exports: none")
    lines.extend("  " + _describe(e.name, e) for e in info.exports)
    lines.append("memories (%d defined):" % len(info.memories) if info.memories else "memories defined: none")
    for i, m in enumerate(info.memories):
        extra = "".join([", shared" if m.shared else "", ", 64-bit" if m.memory64 else ""])
        lines.append("  memory %d: %s%s" % (i, _limits_text(m.min, m.max, " pages"), extra))
    if info.tables:
        lines.append("tables (%d defined):" % len(info.tables))
        lines.extend("  table %d: %s, %s" % (i, t.type, _limits_text(t.min, t.max, ""))
                     for i, t in enumerate(info.tables))
    if info.globals:
        lines.append("globals (%d defined):" % len(info.globals))
        lines.extend("  global %d: %s%s = %s" % (i, "mut " if g.mutable else "", g.type, g.init)
                     for i, g in enumerate(info.globals))
    lines.append("functions defined: %d" % info.functions)
    if info.has_start_section:
        lines.append("start section: function %s%s (runs when the module loads)" % (
            info.start_function, " (%s)" % _show(info.start_function_name) if info.start_function_name else ""))
    else:
        lines.append("start section: none")
    if info.producers:
        lines.append("producers:")
        for key, values in info.producers.items():
            lines.append("  %s: %s" % (_show(key), ", ".join(_show("%s %s" % nv).strip() for nv in values)))
    if info.custom_sections:
        lines.append("custom sections: %s"
                     % ", ".join("%s (%d bytes)" % (_show(n), size) for n, size in info.custom_sections))
    if info.advice:
        lines.append("")
        lines.append("advice:")
        lines.extend("  - " + a for a in info.advice)
    return "\n".join(lines)


def to_json(info: Inspection) -> Dict[str, Any]:
    """``info`` as JSON-serializable data, every key always present."""

    def item(x: Any, *keys: str) -> Dict[str, Any]:
        d = {k: getattr(x, k) for k in keys}
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}

    fields = ("kind", "params", "results", "min", "max", "shared", "type", "mutable")
    return {
        "name": info.name,
        "size": info.size,
        "kind": info.kind,
        "toolchain": info.toolchain,
        "toolchain_evidence": info.toolchain_evidence,
        "imports": [item(i, "module", "name", *fields) for i in info.imports],
        "exports": [item(e, "name", "index", *fields) for e in info.exports],
        "memories": [item(m, "min", "max", "shared", "memory64") for m in info.memories],
        "tables": [item(t, "type", "min", "max") for t in info.tables],
        "globals": [item(g, "type", "mutable", "init") for g in info.globals],
        "functions": info.functions,
        "has_start_section": info.has_start_section,
        "start_function": info.start_function,
        "start_function_name": info.start_function_name,
        "module_name": info.module_name,
        "producers": {k: [list(nv) for nv in v] for k, v in info.producers.items()},
        "custom_sections": [{"name": n, "size": s} for n, s in info.custom_sections],
        "advice": list(info.advice),
    }
