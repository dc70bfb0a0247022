"""Third-party modules from ../shared/wasm-corpus behave as MANIFEST.tsv says
when loaded with Module (commands are run by gowasm.run, not here)."""

import pytest

from gowasm import ExitError, LinkError, Module
from conftest import corpus_manifest, corpus_path


def load(rel, **kwargs):
    return Module(corpus_path(rel), **kwargs)


def test_go_reactor():
    m = load("go/add_reactor.wasm")
    assert m.kind == "reactor"
    assert m.add(3, 4) == 7
    assert m.add(2147483647, 1) == -2147483648


def test_tinygo_wasip1_reactor():
    m = load("tinygo/add_reactor.wasm")
    assert m.add(3, 4) == 7
    assert m.add(0xFFFFFFFF, 2) == 1


def test_tinygo_reactor_with_host_import_is_stubbed():
    m = load("tinygo/greet_reactor.wasm")
    assert m.kind == "reactor"
    assert [i.name for i in m.imports if i.provided_by == "stub"] == ["log"]
    assert isinstance(m.malloc(16), int)
    with pytest.raises(LinkError, match=r"env\.log\(i32, i32\) -> None"):
        m.greet(0, 0)


def test_tinygo_browser_target_runs_start_first():
    m = load("tinygo-wasm/pion_explainer.wasm")
    assert m.kind == "tinygo-js"
    assert m.getWasmMemoryBufferOffset() == 72204
    assert m.Explain() == 617


def test_tinygo_browser_target_with_wasi_unstable():
    m = load("tinygo-wasm/wbe_hello_add.wasm")
    assert m.add(2, 3) == 5
    assert {i.module for i in m.imports} == {"wasi_unstable"}
    assert all(i.provided_by == "wasi" for i in m.imports)


def test_tinygo_browser_target_missing_js_function():
    m = load("tinygo-wasm/wbe_import_js_func.wasm")
    with pytest.raises(LinkError, match=r"called env\.\./main\.go\.jsPrintInt\(i32, i32, i32\) -> None, an import"):
        m.printIntFromWasm(42)


def test_rust_value_types():
    m = load("rust/types.wasm")
    assert m.kind == "library"
    assert m.sum(1, 2) == 3
    assert m.arity_0() == 42
    assert m.i32_i32(-7) == -7 and m.i64_i64(2**40) == 2**40
    assert m.f32_f32(1.5) == 1.5 and m.f64_f64(-2.25) == -2.25
    assert m.i32_i64_f32_f64_f64(1, 2, 3.4, 5.6) == pytest.approx(12.000000095367431, rel=1e-15)
    assert m.bool_casted_to_i32() == 1
    assert m.string() == 1048576
    assert m.void() is None


def test_rust_fibonacci():
    m = load("rust/fibonacci.wasm")
    assert (m.fibonacci(10), m.fibonacci(20)) == (55, 6765)


def test_rust_import_without_provider():
    m = load("rust/fibonacci_env.wasm")
    with pytest.raises(LinkError, match="fibonacci_host"):
        m.fibonacci(7)


def test_rust_and_zig_libraries_with_allocators_load():
    assert isinstance(load("rust/greet_unknown.wasm").allocate(8), int)
    assert load("zig/greet.wasm").malloc(8) > 0


def test_c_library():
    assert load("c/add_one.wasm").add_one(41) == 42


def test_c_threads_module_gets_its_imported_shared_memory():
    m = load("c/pthread_reactor.wasm")
    assert m.kind == "reactor"
    m.init()
    m.run()
    m.run()
    assert m.get() == 2


def test_assemblyscript_runtime_imports_are_provided(capsys):
    m = load("assemblyscript/hello_trace.wasm")
    assert {i.provided_by for i in m.imports} == {"assemblyscript"}
    assert m.hello_world(1) == 4
    with pytest.raises(ExitError) as info:
        m.goodbye_world()
    assert info.value.code == 255
    assert "sad sad world at index.ts:7:3" in capsys.readouterr().err


def test_extism_kernel_and_plugins():
    kernel = load("extism/extism-runtime.wasm")
    ptr = kernel.alloc(10)
    assert ptr > 0 and kernel.length(ptr) == 10
    plugin = load("extism/count_vowels_rust.wasm")
    with pytest.raises(LinkError, match="extism:host/env"):
        plugin.count_vowels()
    assert load("extism/count_vowels_host_fn_c.wasm").kind == "reactor"


def test_go_reactor_with_extism_imports_initialises():
    m = load("go/extism_fs_std_reactor.wasm")
    assert m.kind == "reactor" and "run_test" in m.exports


@pytest.mark.parametrize(
    "rel",
    [row["rel_path"] for row in corpus_manifest() if row["exports"].replace(" ", "").count("_start()") and "_initialize" not in row["exports"]
     and not row["rel_path"].startswith(("tinygo-wasm/", "go/gojs"))],
)
def test_commands_load_without_running(rel):
    m = load(rel)
    assert m.kind == "command"
    assert "_start" in m.exports
