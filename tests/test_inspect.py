"""gowasm._tools.inspect: the module inspector behind `gowasm inspect` (a pure-Python
reader; the kind is asked of the engine's rules, gowasm_classify).

Checked against every file of ../shared/wasm-corpus (MANIFEST.tsv says what
each imports and exports), WAT modules, and malformed bytes: truncations and
seeded random byte flips may only ever raise CompileError.
"""

import json
import os
import random
import re
import time
import tracemalloc

import pytest

from gowasm import CompileError, Module
from gowasm import Import
from gowasm._description import Export, classify
from gowasm._tools.inspect import Inspection, format_text, inspect_module, to_json
from conftest import ROOT, corpus_manifest, corpus_path, leb128, wasm_section, wat

MANIFEST = corpus_manifest()
ROWS = {row["rel_path"]: row for row in MANIFEST}

_bytes_cache = {}


def corpus_bytes(rel):
    if rel not in _bytes_cache:
        with open(corpus_path(rel), "rb") as f:
            _bytes_cache[rel] = f.read()
    return _bytes_cache[rel]


def inspect_corpus(rel):
    return inspect_module(corpus_bytes(rel), rel)


def sig(item):
    """An import or export as the manifest writes it: name(i32,i32)->i32."""
    return "%s(%s)%s" % (item.name, ",".join(item.params), "->" + ",".join(item.results) if item.results else "")


# --- the corpus ------------------------------------------------------------

# From MANIFEST.tsv's behaviour column ("WASI command", "Reactor", "Browser-target
# TinyGo", "Go js/wasm ABI", library otherwise).
KINDS = {
    "tinygo/cat.wasm": "command",
    "tinygo/wasi_ls_stat.wasm": "command",
    "tinygo/cli.wasm": "command",
    "tinygo/add_reactor.wasm": "reactor",
    "tinygo/greet_reactor.wasm": "reactor",
    "tinygo-wasm/godom_syscall_js.wasm": "tinygo-js",
    "tinygo-wasm/pion_explainer.wasm": "tinygo-js",
    "tinygo-wasm/wbe_hello_add.wasm": "tinygo-js",
    "tinygo-wasm/wbe_import_js_func.wasm": "tinygo-js",
    "go/wasip1_twocalls.wasm": "command",
    "go/extism_std_command.wasm": "command",
    "go/extism_fs_std_reactor.wasm": "reactor",
    "go/gojs_pion_explainer.wasm": "go-js",
    "go/add_reactor.wasm": "reactor",
    "rust/cat.wasm": "command",
    "rust/wasi_print_env.wasm": "command",
    "rust/hello_stdout.wasm": "command",
    "rust/greet_unknown.wasm": "library",
    "rust/fibonacci.wasm": "library",
    "rust/fibonacci_env.wasm": "library",
    "rust/types.wasm": "library",
    "c/crunch_numbers_infinite.wasm": "command",
    "c/simple_malloc_printf.wasm": "command",
    "c/zigcc_cat.wasm": "command",
    "c/add_one.wasm": "library",
    "c/pthread_reactor.wasm": "reactor",
    "emscripten/grow.wasm": "command",
    "zig/cat.wasm": "command",
    "zig/greet.wasm": "library",
    "assemblyscript/hello_trace.wasm": "library",
    "assemblyscript/wasi_hello.wasm": "command",
    "extism/extism-runtime.wasm": "library",
    "extism/count_vowels_rust.wasm": "library",
    "extism/count_vowels_host_fn_c.wasm": "reactor",
    "extism/hello_c.wasm": "library",
    "wat/wasi_arg.wasm": "command",
    "wat/wasi_env.wasm": "command",
    "wat/exit_on_start.wasm": "command",
    "wat/exit_on_start_unstable.wasm": "command",
    "wat/infinite_loop.wasm": "command",
}

# The guess and the evidence it must rest on (a regex on toolchain_evidence).
# rust/types.wasm and extism-runtime.wasm are Rust per the manifest, but nothing
# in those files says so (no producers section, no Rust strings): "unknown".
TOOLCHAINS = {
    "tinygo/cat.wasm": ("TinyGo", r"producers section: processed-by TinyGo 0\.35\.0"),
    "tinygo/wasi_ls_stat.wasm": ("TinyGo", r"processed-by TinyGo"),
    "tinygo/cli.wasm": ("TinyGo", r"processed-by TinyGo"),
    "tinygo/add_reactor.wasm": ("TinyGo", r"processed-by TinyGo"),
    "tinygo/greet_reactor.wasm": ("TinyGo", r"processed-by TinyGo"),
    "tinygo-wasm/godom_syscall_js.wasm": ("TinyGo", r"exports _start with resume"),
    "tinygo-wasm/pion_explainer.wasm": ("TinyGo", r"exports _start with go_scheduler and resume"),
    "tinygo-wasm/wbe_hello_add.wasm": ("TinyGo", r"go_scheduler"),
    "tinygo-wasm/wbe_import_js_func.wasm": ("TinyGo", r"go_scheduler"),
    "go/wasip1_twocalls.wasm": ("Go", r"producers section: language Go devel go1\.21"),
    "go/extism_std_command.wasm": ("Extism plugin",
                                   r"extism:host/env.*built with Go \(producers section: language Go go1\.24\.0\)"),
    "go/extism_fs_std_reactor.wasm": ("Extism plugin", r"extism:host/env.*built with Go"),
    "go/gojs_pion_explainer.wasm": ("Go", r"language Go go1\.23\.5"),
    "go/add_reactor.wasm": ("Go", r"language Go go1\.26\.8"),
    "rust/cat.wasm": ("Rust", r"processed-by rustc 1\.84\.0"),
    "rust/wasi_print_env.wasm": ("Rust", r"/rustc/"),
    "rust/hello_stdout.wasm": ("Rust", r"rustc 1\.88\.0"),
    "rust/greet_unknown.wasm": ("Rust", r"rustc 1\.84\.0"),
    "rust/fibonacci.wasm": ("Rust", r"rustc"),
    "rust/fibonacci_env.wasm": ("Rust", r"rustc"),
    "rust/types.wasm": ("unknown", r"wasm-ld"),
    "c/crunch_numbers_infinite.wasm": ("C/C++ (clang)", r"language C11, processed-by Homebrew clang 16\.0\.2"),
    "c/simple_malloc_printf.wasm": ("C/C++ (clang)", r"clang 16\.0\.0"),
    "c/zigcc_cat.wasm": ("C/C++ (clang)", r"clang 16\.0\.1 \(zig cc\)"),
    "c/add_one.wasm": ("C/C++ (clang)", r"processed-by clang 9\.0\.0"),
    "c/pthread_reactor.wasm": ("C/C++ (clang)", r"clang 16"),
    "emscripten/grow.wasm": ("Emscripten", r"env\.emscripten_notify_memory_growth"),
    "zig/cat.wasm": ("Zig", r"\{s\}"),
    "zig/greet.wasm": ("Zig", r"\{s\}"),
    "assemblyscript/hello_trace.wasm": ("AssemblyScript", r"env\.abort\(i32, i32, i32, i32\)"),
    "assemblyscript/wasi_hello.wasm": ("AssemblyScript", r"~lib/"),
    "extism/extism-runtime.wasm": ("unknown", r"wasm-ld"),
    "extism/count_vowels_rust.wasm": ("Extism plugin", r"built with Rust"),
    "extism/count_vowels_host_fn_c.wasm": ("Extism plugin", r"built with C/C\+\+ \(clang\)"),
    "extism/hello_c.wasm": ("Extism plugin", r"Ubuntu clang 15\.0\.7"),
    "wat/wasi_arg.wasm": ("unknown", r"no producers section"),
    "wat/wasi_env.wasm": ("unknown", r"no producers section"),
    "wat/exit_on_start.wasm": ("unknown", r"no producers section"),
    "wat/exit_on_start_unstable.wasm": ("unknown", r"no producers section"),
    "wat/infinite_loop.wasm": ("unknown", r"no producers section"),
}

# What the manifest's toolchain column says for each guess.
MANIFEST_WORD = {"Go": "Go ", "TinyGo": "TinyGo", "Rust": "Rust", "C/C++ (clang)": "clang", "Zig": "Zig",
                 "AssemblyScript": "AssemblyScript", "Emscripten": "em++", "Extism plugin": "Extism"}


def _split_top(text, sep):
    """Splits at ``sep`` outside parentheses, brackets and braces."""
    parts, depth, cur = [], 0, ""
    for i, ch in enumerate(text):
        depth += ch in "([{"
        depth -= ch in ")]}"
        if depth == 0 and text.startswith(sep, i) and cur:
            parts.append(cur.strip())
            cur = ""
            continue
        cur += ch
    if cur.strip(" " + sep.strip()):
        parts.append(cur.strip(" " + sep.strip()))
    return parts


def test_manifest_covers_the_tables():
    if not MANIFEST:
        pytest.skip("wasm corpus not found")
    assert set(ROWS) == set(KINDS) == set(TOOLCHAINS)


@pytest.mark.parametrize("rel", sorted(KINDS))
def test_corpus_file(rel):
    info = inspect_corpus(rel)
    row = ROWS[rel]
    assert info.size == int(row["size_bytes"]) and info.name == rel
    assert info.kind == KINDS[rel]
    toolchain, evidence = TOOLCHAINS[rel]
    assert info.toolchain == toolchain
    assert re.search(evidence, info.toolchain_evidence), info.toolchain_evidence
    if toolchain != "unknown":
        assert MANIFEST_WORD[toolchain] in row["toolchain"]
    text = format_text(info)
    assert text.startswith("%s: %d bytes\nkind: %s\ntoolchain: %s (" % (rel, info.size, info.kind, toolchain))
    assert json.loads(json.dumps(to_json(info))) == to_json(info)
    check_manifest_imports(info, row["imports"])
    check_manifest_exports(info, row["exports"])


def check_manifest_imports(info, column):
    if column == "(none)":
        assert info.imports == []
        return
    by_module = {}
    for imp in info.imports:
        by_module.setdefault(imp.module, []).append(imp)
    groups = _split_top(column, ";")
    assert len(groups) == len(by_module)
    for group in groups:
        m = re.fullmatch(r"(.+?)\{(.*)\}\((\d+)(?:, (\d+) duplicates?)?\)", group)
        assert m, group
        module, listed, count, dups = m.group(1), _split_top(m.group(2), ","), int(m.group(3)), m.group(4)
        actual = by_module[module]
        assert len(actual) == count
        keys = [(i.kind, i.name) for i in actual]
        assert len(keys) - len(set(keys)) == int(dups or 0)
        listed = [e for e in listed if not e.startswith("...+")]
        unique, seen = [], set()
        for imp in actual:
            if (imp.kind, imp.name) not in seen:
                seen.add((imp.kind, imp.name))
                unique.append(imp)
        for entry, imp in zip(listed, unique):  # the manifest lists distinct imports in order
            mem = re.fullmatch(r"(.+)\[memory (\d+)\.\.(\d*)( shared)?\]", entry)
            if mem:
                assert (imp.kind, imp.name, imp.min, imp.max, imp.shared) == (
                    "memory", mem.group(1), int(mem.group(2)), int(mem.group(3)) if mem.group(3) else None,
                    bool(mem.group(4)))
            elif "(" in entry:
                assert imp.kind == "func" and sig(imp) == entry
            else:
                assert imp.kind == "func" and imp.name == entry


def check_manifest_exports(info, column):
    funcs = {e.name: e for e in info.exports if e.kind == "func"}
    memories = {e.name for e in info.exports if e.kind == "memory"}
    expected_funcs, expected_memories = set(), set()
    for entry in _split_top(column, ","):
        if entry.startswith("(+start section: func "):
            assert info.has_start_section and info.start_function == int(entry.split()[-1].rstrip(")"))
            continue
        m = re.fullmatch(r"(\w+)\*\((\d+)\)", entry)
        if m:
            matching = [n for n in funcs if n.startswith(m.group(1))]
            assert len(matching) == int(m.group(2))
            expected_funcs.update(matching)
            continue
        m = re.fullmatch(r"(.+)\[memory\]", entry)
        if m:
            expected_memories.add(m.group(1))
            continue
        name = entry[:entry.index("(")]
        expected_funcs.add(name)
        assert sig(funcs[name]) == entry
    assert set(funcs) == expected_funcs
    assert memories == expected_memories
    if "(+start section" not in column:
        assert not info.has_start_section


def test_go_command_says_how_to_export():
    info = inspect_corpus("go/wasip1_twocalls.wasm")
    assert (info.kind, info.toolchain) == ("command", "Go")
    assert [(e.name, e.kind) for e in info.exports] == [("_start", "func"), ("memory", "memory")]
    assert info.advice == [
        "this is a Go command module: functions are not exported; mark functions //go:wasmexport name and "
        "build with GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared (exported signatures must use "
        "int32/int64/uint32/uint64/float32/float64/bool, not int)"
    ]
    assert "custom sections: go:buildid" in format_text(info)
    assert info.producers["processed-by"] == [("Go cmd/compile", "devel go1.21-7b87461 Wed Apr 26 19:25:46 2023 +0000")]


def test_go_reactor_needs_no_advice():
    info = inspect_corpus("go/add_reactor.wasm")
    assert info.producers == {"language": [("Go", "go1.26.8")], "processed-by": [("Go cmd/compile", "go1.26.8")]}
    assert info.advice == []
    assert "  add(i32, i32) -> i32\n" in format_text(info)


def test_tinygo_command_advice():
    info = inspect_corpus("tinygo/cli.wasm")
    assert any("//export name (or //go:wasmexport name) with tinygo build -target=wasip1 -buildmode=c-shared" in a
               for a in info.advice)


def test_go_js_advice():
    info = inspect_corpus("go/gojs_pion_explainer.wasm")
    assert len(info.imports) == 21 and {i.module for i in info.imports} == {"gojs"}
    assert all(i.params == ("i32",) and i.results == () for i in info.imports)
    assert len(info.advice) == 1 and "built with GOOS=js for a JavaScript host" in info.advice[0]
    assert "rebuild with GOOS=wasip1" in info.advice[0]
    assert "  mem (memory, " in format_text(info)


def test_tinygo_syscall_js_needs_a_js_host():
    info = inspect_corpus("tinygo-wasm/godom_syscall_js.wasm")
    assert any("needs a JavaScript host" in a for a in info.advice)
    missing = [a for a in info.advice if "nothing provides" in a]
    assert len(missing) == 1 and "env.syscall/js.valueLength" in missing[0] and "(10 in all)" in missing[0]
    assert "wasi_unstable.fd_write" not in missing[0]


def test_unprovided_imports_advice():
    info = inspect_corpus("tinygo/greet_reactor.wasm")
    assert info.advice == ["imports env.log nothing provides; calls to them will raise LinkError "
                           "(pass strict_imports=True to fail at load)"]
    text = format_text(info)
    assert "  env (1):\n    env.log(i32, i32) -> None\n" in text
    assert "    wasi_snapshot_preview1.clock_time_get(i32, i64, i32) -> i32\n" in text
    assert "  greeting(i32, i32) -> i64\n" in text


def test_toolchain_runtimes_gowasm_provides_are_not_reported():
    for rel in ("assemblyscript/hello_trace.wasm", "emscripten/grow.wasm", "c/pthread_reactor.wasm",
                "rust/hello_stdout.wasm", "wat/exit_on_start_unstable.wasm"):
        assert not [a for a in inspect_corpus(rel).advice if "nothing provides" in a], rel


def test_extism_plugin_advice():
    info = inspect_corpus("extism/hello_c.wasm")
    assert any("Extism SDK" in a for a in info.advice)
    assert any(a.startswith("imports extism:host/env.alloc, extism:host/env.length") for a in info.advice)


def test_rust_types_signatures():
    info = inspect_corpus("rust/types.wasm")
    text = format_text(info)
    assert "  sum(i32, i32) -> i32\n" in text
    assert "  i32_i64_f32_f64_f64(i32, i64, f32, f64) -> f64\n" in text
    assert "  void() -> None\n" in text
    assert "  memory (memory, 17.. pages)\n" in text
    assert Export("sum", "func", ("i32", "i32"), ("i32",), index=0) in info.exports
    globals_ = [(e.name, e.type) for e in info.exports if e.kind == "global"]
    assert globals_ == [("__heap_base", "i32"), ("__data_end", "i32")]


def test_shared_imported_memory_and_start_section():
    info = inspect_corpus("c/pthread_reactor.wasm")
    assert info.imports[0] == Import("env", "memory", kind="memory", min=2, max=2, shared=True)
    assert info.memories == []
    assert (info.has_start_section, info.start_function, info.start_function_name) == (True, 4, "__wasm_init_memory")
    text = format_text(info)
    assert "    env.memory (memory, 2..2 pages, shared)\n" in text
    assert "start section: function 4 (__wasm_init_memory)" in text


def test_assemblyscript():
    info = inspect_corpus("assemblyscript/hello_trace.wasm")
    assert info.toolchain == "AssemblyScript"
    assert "    env.trace(i32, i32, f64, f64, f64, f64, f64) -> None\n" in format_text(info)
    assert info.module_name is None


def test_json_is_stable():
    data = to_json(inspect_corpus("c/pthread_reactor.wasm"))
    assert list(data) == ["name", "size", "kind", "toolchain", "toolchain_evidence", "imports", "exports",
                          "memories", "tables", "globals", "functions", "has_start_section", "start_function",
                          "start_function_name", "module_name", "producers", "custom_sections", "advice"]
    import_keys = {tuple(i) for i in data["imports"]}
    assert import_keys == {("module", "name", "kind", "params", "results", "min", "max", "shared", "type", "mutable")}
    export_keys = {tuple(e) for e in data["exports"]}
    assert export_keys == {("name", "index", "kind", "params", "results", "min", "max", "shared", "type", "mutable")}
    assert data["imports"][0] == {"module": "env", "name": "memory", "kind": "memory", "params": [], "results": [],
                                  "min": 2, "max": 2, "shared": True, "type": None, "mutable": False}
    assert data["producers"]["processed-by"][0] == ["clang", "16.0.0"]


# --- WAT modules -------------------------------------------------------------

def test_multi_value_and_value_types():
    info = inspect_module(wat("""
        (module
          (func (export "pair") (param i32) (result i64 i32) i64.const 1 local.get 0)
          (func (export "three") (result f32 f64 i32) f32.const 1 f64.const 2 i32.const 3)
          (func (export "refs") (param v128 funcref) (result externref) ref.null extern)
          (memory (export "mem") 1 65536))"""))
    assert info.kind == "library" and info.toolchain == "unknown"
    text = format_text(info)
    assert "  pair(i32) -> (i64, i32)\n" in text
    assert "  three() -> (f32, f64, i32)\n" in text
    assert "  refs(v128, funcref) -> externref\n" in text
    assert "  mem (memory, 1..65536 pages)\n" in text
    assert to_json(info)["exports"][0]["results"] == ["i64", "i32"]


def test_tables_and_globals():
    info = inspect_module(wat("""
        (module
          (import "env" "tbl" (table 1 externref))
          (import "env" "g" (global $g i32))
          (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
          (table $t (export "t") 2 10 funcref)
          (global (export "counter") (mut i32) (i32.const 42))
          (global $k (export "k") i64 (i64.const -7))
          (global $f f64 (f64.const 1.5))
          (global $c i32 (global.get $g))
          (export "g" (global $g))
          (export "tbl" (table 0))
          (func $init)
          (start $init))"""), "tables.wasm")
    assert info.imports[0] == Import("env", "tbl", kind="table", min=1, max=None, type="externref")
    assert info.imports[1] == Import("env", "g", kind="global", type="i32", mutable=False)
    assert [(t.type, t.min, t.max) for t in info.tables] == [("funcref", 2, 10)]
    assert [(g.type, g.mutable, g.init) for g in info.globals] == [
        ("i32", True, "i32.const 42"), ("i64", False, "i64.const -7"), ("f64", False, "f64.const 1.5"),
        ("i32", False, "global.get 0")]
    exports = {e.name: e for e in info.exports}
    assert (exports["counter"].kind, exports["counter"].index, exports["counter"].mutable) == ("global", 1, True)
    assert (exports["g"].index, exports["tbl"].type, exports["tbl"].index) == (0, "externref", 0)
    assert (exports["t"].index, exports["t"].min, exports["t"].max) == (1, 2, 10)
    assert info.has_start_section and info.start_function == 1 and info.start_function_name == "init"
    assert info.functions == 1
    text = format_text(info)
    for line in ("    env.tbl (table, externref, 1..)", "    env.g (global, i32)", "  t (table, funcref, 2..10)",
                 "  counter (global, mut i32)", "  k (global, i64)", "  global 3: i32 = global.get 0",
                 "start section: function 1 (init) (runs when the module loads)"):
        assert line in text.splitlines(), line
    assert info.advice == ["exports no functions: there is nothing to call",
                           "imports table env.tbl, global env.g that gowasm cannot provide: "
                           "loading it will fail with LinkError"]


@pytest.mark.parametrize("src,kind", [
    ('(func (export "_start"))', "command"),
    ('(func (export "_start")) (func (export "_initialize"))', "reactor"),
    ('(func (export "_initialize"))', "reactor"),
    ('(func (export "_start")) (func (export "resume"))', "tinygo-js"),
    ('(func (export "_start")) (func (export "go_scheduler"))', "tinygo-js"),
    ('(import "gojs" "runtime.wasmExit" (func (param i32))) (func (export "_start"))', "go-js"),
    ('(import "go" "syscall/js.valueGet" (func (param i32)))', "go-js"),
    ('(import "go" "debug" (func (param i32)))', "library"),
    ('(global (export "_start") i32 (i32.const 0))', "library"),
    ('', "library"),
])
def test_kinds(src, kind):
    assert inspect_module(wat("(module %s)" % src)).kind == kind


def test_the_kind_rules_are_the_engines():
    # Python has no kind rules of its own: the inspector asks Go's.
    import gowasm._tools.inspect

    assert not hasattr(gowasm._tools.inspect, "_kind")
    assert classify([Import("gojs", "x")], []) == "go-js"
    assert classify([Import("gojs", "x", kind="global")], [Export("_start", "func")]) == "command"
    assert classify([], [Export("_initialize", "global"), Export("_start", "func"), Export("resume", "func")]) \
        == "tinygo-js"
    assert classify([], []) == "library"


@pytest.mark.parametrize("src,kind", [
    # wazero rejects both (a table and a global import nothing provides; an
    # invalid function body): the inspector still says what they are.
    ('(import "env" "t" (table 1 funcref)) (import "env" "g" (global i32)) (func (export "_initialize"))',
     "reactor"),
    ('(func (export "_start") (result i32))', "command"),
])
def test_kinds_of_modules_loading_rejects(src, kind):
    data = wat("(module %s)" % src)
    from gowasm import Module, WasmError

    with pytest.raises(WasmError):
        Module(data)
    assert inspect_module(data).kind == kind


@pytest.mark.parametrize("src,toolchain,evidence", [
    ('(import "env" "abort" (func (param i32 i32 i32 i32)))', "AssemblyScript", "env.abort"),
    ('(import "env" "abort" (func (param i32)))', "unknown", "no producers"),
    ('(import "env" "emscripten_memcpy_big" (func))', "Emscripten", "env.emscripten_memcpy_big"),
    ('(func (export "stackSave")) (func (export "stackRestore"))', "Emscripten", "stackSave"),
    ('(import "extism:host/env" "alloc" (func (param i64) (result i64)))', "Extism plugin", "extism:host/env"),
    ('(import "env" "runtime.ticks" (func (result f64)))', "TinyGo", "runtime.ticks"),
    ('(import "gojs" "runtime.wasmExit" (func (param i32)))', "Go", "gojs"),
    ('(memory 1) (data (i32.const 0) "/rustc/abc/library/core/src/panicking.rs")', "Rust", "/rustc/"),
    ('(memory 1) (data (i32.const 0) "\\00FileNotFound\\00SystemResources\\00AccessDenied\\00Unexpected\\00")',
     "Zig", "error names"),
    ('(memory 1) (data (i32.const 0) "~\\00l\\00i\\00b\\00/\\00")', "AssemblyScript", "UTF-16"),
    ('(func $~lib/rt/itcms/__new)', "AssemblyScript", "function names"),
    ('(global (export "__heap_base") i32 (i32.const 0))', "unknown", "wasm-ld"),
])
def test_toolchain_telltales(src, toolchain, evidence):
    info = inspect_module(wat("(module %s)" % src))
    assert (info.toolchain, evidence in info.toolchain_evidence) == (toolchain, True), info.toolchain_evidence


def test_go_wasip1_import_set_without_producers():
    names = ["sched_yield", "proc_exit", "args_get", "args_sizes_get", "clock_time_get", "environ_get",
             "environ_sizes_get", "fd_write", "random_get", "poll_oneoff"]
    src = "".join('(import "wasi_snapshot_preview1" "%s" (func))' % n for n in names)
    info = inspect_module(wat('(module %s (func (export "_start")) (memory (export "memory") 1))' % src))
    assert (info.kind, info.toolchain) == ("command", "Go")
    assert "sched_yield" in info.toolchain_evidence
    assert info.advice[0].startswith("this is a Go command module")


def _name(s):
    return leb128(len(s)) + s


def test_producers_and_malformed_custom_sections():
    base = wat('(module (func (export "f")))')
    producers = wasm_section(0, _name(b"producers") + b"\x01" + _name(b"language") + b"\x01" + _name(b"Rust") + _name(b""))
    info = inspect_module(base + producers)
    assert info.producers == {"language": [("Rust", "")]} and info.toolchain == "Rust"
    broken = wasm_section(0, _name(b"producers") + b"\x01" + _name(b"language") + b"\x05")
    info = inspect_module(base + broken)
    assert info.producers == {} and info.toolchain == "unknown"
    assert info.advice[0].startswith("the 'producers' custom section is malformed and was ignored (")
    named = wasm_section(0, _name(b"name") + wasm_section(0, _name(b"mymod")))
    assert inspect_module(base + named).module_name == "mymod"
    assert inspect_module(base + wasm_section(0, _name(b"name") + b"\x00\x09\x05")).module_name is None


# --- malformed input -----------------------------------------------------------

HEADER = b"\0asm\x01\0\0\0"


@pytest.mark.parametrize("data,message", [
    (b"", r"only 0 bytes.* at byte offset 0$"),
    (b"\0as", r"only 3 bytes"),
    (b"garbage!", r"bad magic 67 61 72 62 .* at byte offset 0$"),
    (b"\0asm\x0d\0\x01\0", r"unsupported binary version 65549 .*component"),
    (HEADER + b"\x01\x06\xff\xff\xff\xff\xff\x01", r"LEB128 overflow in type count .* at byte offset 10$"),
    (HEADER + b"\x01\x85\x80\x80\x80\x10", r"LEB128 overflow in type section size \(more than 32 bits\) at .* 9$"),
    (HEADER + b"\x01\x03\x01\x60\x00", r"truncated type section: result count needs 1 bytes, 0 left at .* 13$"),
    (HEADER + b"\x01\x09\x01", r"truncated type section: its size is 9 bytes but 1 are left at byte offset 9$"),
    (HEADER + b"\x02\x07\x01\x01m\x01n\x07\x00", r"unknown import kind 0x07 for import m\.n at byte offset 15$"),
    (HEADER + b"\x02\x07\x01\x01m\x01n\x00\x00", r"import m\.n uses type 0 but the module has 0 types"),
    (HEADER + b"\x02\x07\x01\x01m\x01n\x02\x08", r"unknown memory limits flags 0x08"),
    (HEADER + b"\x02\x08\x01\x01m\x01n\x02\x02\x01", r"shared memory has no maximum"),
    (HEADER + b"\x05\x04\x01\x01\x02\x01", r"memory minimum 2 is greater than its maximum 1"),
    (HEADER + b"\x05\x05\x01\x00\x81\x80\x04", r"memory of 65537 pages exceeds"),
    (HEADER + b"\x20\x00", r"unknown section id 32 at byte offset 8$"),
    (HEADER + b"\x03\x01\x00\x01\x01\x00", r"type section is out of order at byte offset 11$"),
    (HEADER + b"\x01\x01\x00\x01\x01\x00", r"type section is repeated"),
    (HEADER + b"\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00", r"declares 1 functions but the code section has 0 bodies"),
    (HEADER + b"\x07\x05\x01\x01f\x00\x00", r"export 'f' refers to func 0 but the module has 0 at byte offset 14$"),
    (HEADER + b"\x01\x04\x01\x60\x00\x00\x01", r"truncated module: section size needs 1 bytes|truncated"),
    (HEADER + b"\x00\x03\x02\xff\xfe", r"invalid UTF-8 in custom section name at byte offset 10$"),
    (HEADER + b"\x01\x05\x01\x60\x01\x6e\x00", r"unknown value type 0x6e in parameter type at byte offset 13$"),
    (HEADER + b"\x01\x04\x01\x5f\x00\x00", r"unsupported type form 0x5f"),
    (HEADER + b"\x06\x06\x01\x7f\x00\x41\x00\x00", r"unsupported instruction 0x00 in global 0 initializer"),
])
def test_malformed(data, message):
    with pytest.raises(CompileError) as info:
        inspect_module(data, "bad.wasm")
    text = str(info.value)
    assert text.startswith("gowasm: bad.wasm: ") and "\n" not in text
    assert re.search(message, text), text


def test_names_in_errors_stay_on_one_line():
    data = HEADER + b"\x02\x09\x01\x01\n\x04a\nb\n\x07"
    with pytest.raises(CompileError, match=r"^[^\n]*unknown import kind 0x07 for import \\n\.a\\nb\\n"):
        inspect_module(data, "multi\nline name")


def _section_ends(data):
    """Byte offsets where a valid module's sections end (each prefix ending
    there is itself a valid module, or fails only for a missing code section)."""
    ends, pos = {8}, 8
    while pos < len(data):
        pos += 1
        size, shift = 0, 0
        while True:
            b = data[pos]
            pos += 1
            size |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        pos += size
        ends.add(pos)
    return ends


@pytest.mark.parametrize("source", ["rust/types.wasm", "wat"])
def test_every_truncation(source):
    if source == "wat":
        data = wat("""(module
            (type $t (func (param i32 i64) (result f32)))
            (import "env" "f" (func (type $t)))
            (import "env" "m" (memory 1 2 shared))
            (import "env" "g" (global (mut f64)))
            (table 1 funcref) (global i32 (i32.const 66560))
            (func $s) (start $s)
            (export "s" (func $s)) (export "t" (table 0))
            (elem (i32.const 0) $s) (data (i32.const 0) "hi"))""")
    else:
        data = corpus_bytes(source)
    full = inspect_module(data)
    ends = _section_ends(data)
    for n in range(len(data)):
        try:
            info = inspect_module(data[:n])
        except CompileError as e:
            assert "\n" not in str(e)
            continue
        assert n in ends, n
        assert len(info.exports) <= len(full.exports)


@pytest.mark.parametrize("seed", range(4))
def test_random_byte_flips_only_raise_compile_error(seed):
    """A few hundred seeded mutations of corpus files: CompileError or a
    report, never another exception, and never slow."""
    if not MANIFEST:
        pytest.skip("wasm corpus not found")
    rng = random.Random(seed)
    small = sorted(rel for rel, row in ROWS.items() if int(row["size_bytes"]) < 200_000)
    large = sorted(rel for rel in ROWS if rel not in small)
    start = time.perf_counter()
    outcomes = {"parsed": 0, "rejected": 0}
    for i in range(150):
        rel = rng.choice(large) if i % 10 == 0 else rng.choice(small)
        data = bytearray(corpus_bytes(rel))
        for _ in range(rng.choice((1, 1, 2, 4, 16))):
            # Past the header, mostly near the start: types, imports, exports, section sizes.
            pos = 8 + rng.randrange(min(len(data), rng.choice((64, 512, 4096, len(data)))) - 8)
            data[pos] = rng.randrange(256) if rng.random() < 0.7 else data[pos] ^ (1 << rng.randrange(8))
        if rng.random() < 0.1:
            del data[rng.randrange(len(data)):]
        try:
            info = inspect_module(bytes(data), rel)
        except CompileError as e:
            assert "\n" not in str(e) and " at byte offset " in str(e)
            outcomes["rejected"] += 1
        else:
            outcomes["parsed"] += 1
            assert isinstance(info, Inspection)
            format_text(info)
            json.dumps(to_json(info))
    assert time.perf_counter() - start < 2.0
    assert min(outcomes.values()) > 10, outcomes


@pytest.mark.slow
@pytest.mark.parametrize("rel", sorted(k for k, v in KINDS.items() if v != "go-js"))
def test_loading_finds_the_kind_and_providers_inspect_reports(rel):
    # The kind: both ask the same rules (gohost/internal/engine/kind.go), a
    # behaviour test of the whole path, file to loaded module. Which imports
    # gowasm provides: the inspector's advice keeps its own copy of link.go's
    # rules (_tools.inspect._provided), which this checks import by import.
    from gowasm import Module, WasmError
    from gowasm._tools.inspect import _env_provider, _provided

    data = corpus_bytes(rel)
    try:
        m = Module(data, name=rel)
    except WasmError as e:  # the module needs what no test gives it
        pytest.skip("does not load: %s" % str(e).splitlines()[0])
    info = inspect_module(data, rel)
    env = _env_provider(info.imports)
    inspected = {(i.module, i.name): _provided(i, env) for i in info.imports if i.kind == "func"}
    with m:
        assert m.kind == info.kind
        loaded = {(i.module, i.name): i.provided_by != "stub" for i in m.imports}
    assert loaded == inspected


def test_gowasm_classify_refuses_what_is_not_a_description():
    from gowasm import _native

    ffi, lib = _native.load()
    out = ffi.new("char **")
    for arg, message in ((b"[", "not valid JSON"), (b'{"exports": "_start"}', "not valid JSON"),
                         (ffi.NULL, "needs a description")):
        with pytest.raises(ValueError, match=message):  # GOWASM_ERR_USAGE
            _native.check_call(lib.gowasm_classify, arg, out)


def test_inspect_refuses_what_the_loader_refuses_before_holding_it():
    # 1,000,000 imported globals (5 MB) took 10 s and 375 MB to describe
    # (a 1 GiB one would have held ~75 GB); the loader refuses over 100,000.
    n = 1_000_000
    imports = b"\0asm\1\0\0\0" + wasm_section(2, leb128(n) + b"\x00\x00\x03\x7f\x00" * n)
    # Bounded by what it allocates, not by time (a timed bound flaked on a
    # busy machine): refused before any import is held (~4 KB now).
    tracemalloc.start()
    try:
        with pytest.raises(CompileError, match=r"import count 1000000, over the limit of 100000 the loader sets"):
            inspect_module(imports, "x")
        assert tracemalloc.get_traced_memory()[1] < 20_000_000
    finally:
        tracemalloc.stop()
    with pytest.raises(CompileError) as loaded:
        Module(imports, cache=False)
    assert "imports: 1000000, over the limit of 100000" in str(loaded.value)
    # Function names in the name section: over the loader's limit, refused too
    # (not ignored as a malformed custom section would be).
    k = 1_100_001
    names = leb128(k) + b"".join(leb128(i) + b"\0" for i in range(k))
    custom = b"\0asm\1\0\0\0" + wasm_section(0, b"\x04name" + b"\x01" + leb128(len(names)) + names)
    with pytest.raises(CompileError, match=r"function name count 1100001, over the limit of 1100000 the loader sets"):
        inspect_module(custom, "x")
    # A constant expression is text of its first instructions only.
    expr = b"\x41\x00" + b"\x41\x00\x6a" * 1_000_000 + b"\x0b"
    glob = b"\0asm\1\0\0\0" + wasm_section(6, b"\x01\x7f\x00" + expr)
    info = inspect_module(glob, "x")
    assert len(info.globals[0].init) < 1000 and info.globals[0].init.endswith("...")


def test_inspects_limits_are_the_loaders():
    go = open(os.path.join(ROOT, "gohost", "internal", "wasmbin", "limits.go")).read()
    consts = {k: int(v.replace("_", "")) for k, v in re.findall(r"^\s*(Max\w+)\s*=\s*([\d_]+)", go, re.M)}
    from gowasm._tools.wasmbin import LIMITS
    for what, (const, extra) in LIMITS_OF.items():
        assert LIMITS[what] == consts[const] + (consts[extra] if extra else 0), what
    assert set(LIMITS) == set(LIMITS_OF)


# Each count the inspector limits, and the Go constant(s) it mirrors.
LIMITS_OF = {"type": ("MaxTypes", None), "parameter": ("MaxParams", None), "result": ("MaxResults", None),
             "import": ("MaxImports", None), "function": ("MaxFunctions", None), "table": ("MaxTables", None),
             "memory": ("MaxMemories", None), "tag": ("MaxTags", None), "global": ("MaxGlobals", None),
             "export": ("MaxExports", None), "function body": ("MaxFunctions", None),
             "function name": ("MaxFunctions", "MaxImports")}


def test_inspect_lists_the_first_custom_sections_only():
    # 1,000,000 empty custom sections (3 MB) took 4 s and 179 MB, and were
    # listed in 12 MB of text; a 1 GiB file of them would have held ~55 GB.
    data = b"\0asm\1\0\0\0" + wasm_section(0, b"\x0ago:buildid") + b"\x00\x01\x00" * 1_000_000
    tracemalloc.start()  # what it holds, not how long it takes (~0.2 MB now)
    try:
        info = inspect_module(data, "x")
        assert len(info.custom_sections) == 1000 and info.custom_sections[0] == ("go:buildid", 0)
        assert info.toolchain == "Go"
        assert "999,001 more custom sections are not listed" in format_text(info)
        assert tracemalloc.get_traced_memory()[1] < 20_000_000
    finally:
        tracemalloc.stop()
