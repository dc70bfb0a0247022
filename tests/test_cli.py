"""The gowasm command line: python -m gowasm run|inspect|call."""

import json
import os
import subprocess
import sys

import pytest

from conftest import corpus_path, wat


def gowasm(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "gowasm", *map(str, args)], capture_output=True, text=True, **kwargs)


def test_run_passes_stdio_and_exit_code(probe_wasm):
    r = gowasm("run", probe_wasm, "--", "args", "stderr", "E", "exit", "7")
    assert r.returncode == 7
    assert r.stdout == "args %s,args,stderr,E,exit,7\n" % os.path.basename(probe_wasm)
    assert r.stderr == "E\n"
    r = gowasm("run", probe_wasm, "--", "cat-stdin", input="piped")
    assert r.stdout == "pipedcat-stdin: 5\n"


def test_run_flags_like_wazero(probe_wasm, tmp_path, monkeypatch):
    (tmp_path / "f.txt").write_text("mounted")
    monkeypatch.setenv("GOWASM_CLI_TEST", "inherited")
    r = gowasm("run", "-mount=%s:/d:ro" % tmp_path, "-env=K=V", probe_wasm, "--", "read", "/d/f.txt",
               "write", "/d/g.txt", "x", "env")
    assert r.returncode == 0, r.stderr
    out = r.stdout.splitlines()
    assert out[0] == "read /d/f.txt: mounted"
    assert ": ERR " in out[1]
    assert out[2] == "env K=V"
    r = gowasm("run", "--mount", "%s:/d" % tmp_path, "--env-inherit", probe_wasm, "--", "write", "/d/g.txt", "x", "env")
    assert r.stdout.splitlines()[0] == "write /d/g.txt: ok"
    assert "GOWASM_CLI_TEST=inherited" in r.stdout
    assert (tmp_path / "g.txt").read_text() == "x"


def test_run_corpus_command():
    fixtures = os.path.join(os.path.dirname(corpus_path("tinygo/cat.wasm")), "..", "fixtures")
    r = gowasm("run", "--mount", fixtures + ":/", corpus_path("tinygo/cat.wasm"), "test.txt")
    assert (r.returncode, r.stdout) == (0, "hello world!")


@pytest.mark.parametrize(
    "args,message",
    [
        (["run", "/no/such.wasm"], "cannot read /no/such.wasm"),
        (["run", "--mount", "/no/such/dir:/x", "f.wasm"], "invalid mount"),
        (["run", "--env", "NOEQUALS", "f.wasm"], "invalid env"),
        (["inspect", "/no/such.wasm"], "cannot read"),
        (["call", "/no/such.wasm", "f"], "cannot read"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message):
    r = gowasm(*args)
    assert r.returncode == 2
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_invalid_module(tmp_path):
    bad = tmp_path / "bad.wasm"
    bad.write_bytes(b"\0asm garbage")
    for cmd in (["run", bad], ["inspect", bad], ["call", bad, "f"]):
        r = gowasm(*cmd)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, (cmd, r.stderr)


def test_go_js_module_is_refused_with_advice():
    r = gowasm("run", corpus_path("go/gojs_pion_explainer.wasm"))
    assert r.returncode == 2 and "GOOS=wasip1" in r.stderr


def test_trap_exits_1_with_the_trace():
    r = gowasm("run", corpus_path("rust/wasi_print_env.wasm"))
    assert r.returncode == 1
    assert "unreachable" in r.stderr and "wasm stack trace" in r.stderr


def test_call():
    r = gowasm("call", corpus_path("rust/types.wasm"), "sum", "1", "2")
    assert (r.returncode, r.stdout) == (0, "3\n")
    r = gowasm("call", corpus_path("rust/types.wasm"), "i64_i64", "0xFFFFFFFFFFFFFFFF")
    assert r.stdout == "-1\n"
    r = gowasm("call", corpus_path("rust/types.wasm"), "f64_f64", "2.5")
    assert r.stdout == "2.5\n"
    r = gowasm("call", corpus_path("rust/types.wasm"), "void")
    assert (r.returncode, r.stdout) == (0, "")
    r = gowasm("call", corpus_path("rust/types.wasm"), "Sum", "1", "2")
    assert r.returncode == 2 and "Did you mean 'sum'" in r.stderr
    r = gowasm("call", corpus_path("rust/types.wasm"), "sum", "1")
    assert r.returncode == 2 and "takes 2 argument(s), got 1" in r.stderr
    r = gowasm("call", corpus_path("rust/types.wasm"), "sum", "x", "1")
    assert r.returncode == 2 and "'x' is not a valid i32" in r.stderr


# Self-describing (as gowasm's guest package does it) with the typed kinds
# examples/greet-go does not use: float and bool.
_DESCRIPTION = '{"version":1,"functions":{"scale":{"params":["float","bool"],"results":["float"]},"negative":{"params":["float"],"results":["bool"]}}}'
_FLOAT_BOOL = """(module
  (memory (export "memory") 1)
  (data (i32.const 64) "%s")
  (func (export "malloc") (param i32) (result i32) i32.const 1024)
  (func (export "free") (param i32))
  (func (export "gowasm_describe") (result i64) (i64.const %d))
  (func (export "scale") (param f64 i32) (result f64)
    (select (f64.neg (local.get 0)) (local.get 0) (local.get 1)))
  (func (export "negative") (param f64) (result i32) (f64.lt (local.get 0) (f64.const 0))))
""" % (_DESCRIPTION.replace('"', '\\"'), 64 << 32 | len(_DESCRIPTION))


def test_call_typed_exports(greet_wasm, tmp_path):
    # Each typed kind from the command line: str, bytes, int, json...
    r = gowasm("call", greet_wasm, "greet", "world")
    assert (r.returncode, r.stdout) == (0, "Hello, world!\n")
    r = gowasm("call", greet_wasm, "reverse", "abc")
    assert (r.returncode, r.stdout) == (0, "cba\n")
    r = gowasm("call", greet_wasm, "add", "2", "0x3")
    assert (r.returncode, r.stdout) == (0, "5\n")
    r = gowasm("call", greet_wasm, "stats", '{"values": [1, 2.5]}')
    assert (r.returncode, json.loads(r.stdout)) == (0, {"count": 2, "sum": 3.5})
    # ... float and bool ...
    path = tmp_path / "floatbool.wasm"
    path.write_bytes(wat(_FLOAT_BOOL))
    r = gowasm("call", path, "scale", "2.5", "true")
    assert (r.returncode, r.stdout) == (0, "-2.5\n")
    r = gowasm("call", path, "scale", "2.5", "0")
    assert (r.returncode, r.stdout) == (0, "2.5\n")
    r = gowasm("call", path, "negative", "-1")
    assert (r.returncode, r.stdout) == (0, "true\n")
    # ... and what is wrong, per kind, in the typed signature's words.
    for args, message in ((["add", "2"], "add(a: int, b: int) -> int takes 2 argument(s), got 1"),
                          (["add", "1.5", "1"], "argument 1: '1.5' is not a valid int"),
                          (["stats", "{bad"], "argument 1: '{bad' is not a valid JSON value")):
        r = gowasm("call", greet_wasm, *args)
        assert r.returncode == 2 and message in r.stderr, r.stderr
    r = gowasm("call", path, "scale", "1", "maybe")
    assert r.returncode == 2 and "'maybe' is not a valid bool (true/false/1/0)" in r.stderr


def test_call_wasm_kinds():
    # f32 and the four-kinds shape, next to test_call's i32, i64 and f64.
    r = gowasm("call", corpus_path("rust/types.wasm"), "f32_f32", "1.5")
    assert (r.returncode, r.stdout) == (0, "1.5\n")
    r = gowasm("call", corpus_path("rust/types.wasm"), "i32_i64_f32_f64_f64", "1", "2", "3.5", "4")
    assert r.returncode == 0 and float(r.stdout) == 10.5


def test_console_script_is_installed():
    exe = os.path.join(os.path.dirname(sys.executable), "gowasm")
    r = subprocess.run([exe, "call", corpus_path("c/add_one.wasm"), "add_one", "41"], capture_output=True, text=True)
    assert r.stdout == "42\n"


@pytest.mark.parametrize("args, message", [
    (["run", "--cache-dir", "{file}", "{probe}"], "cache"),
    (["call", "--cache-dir", "{file}", "{reactor}", "add", "1", "2"], "cache"),
    (["run", "/dev/zero"], "/dev/zero: it is a character device, not a regular file"),
    (["inspect", "/dev/zero"], "/dev/zero: it is a character device, not a regular file"),
    (["call", "/dev/zero", "f"], "/dev/zero: it is a character device, not a regular file"),
    (["run", "{fifo}"], "it is a FIFO (named pipe), not a regular file"),
    (["inspect", "{fifo}"], "it is a FIFO (named pipe), not a regular file"),
    (["run", "{file}"], "invalid magic number"),
    (["run", "--timeout", "-1s", "{probe}"], "invalid duration '-1s': it cannot be negative"),
    (["run", "--timeout=-1s", "{probe}"], "invalid duration '-1s': it cannot be negative"),
    (["run", "-timeout", "-1", "{probe}"], "invalid duration '-1': it cannot be negative"),
    (["run", "--timeout", "99999999999s", "{probe}"], "invalid duration '99999999999s'"),
    (["call", "{reactor}", "memory"], "'memory' is a memory, not a function"),
    (["run", "/tmp"], "cannot read /tmp: Is a directory"),
    (["stubs", "-o", "/no/such/dir/out.pyi", "{reactor}"], "cannot write /no/such/dir/out.pyi"),
])
def test_every_bad_input_is_one_line_and_exit_2(tmp_path, probe_wasm, reactor_wasm, args, message):
    file = tmp_path / "a-file"
    file.write_text("not a directory, not a module")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    args = [a.format(file=file, fifo=fifo, probe=probe_wasm, reactor=reactor_wasm) for a in args]
    r = gowasm(*args, timeout=60)
    assert r.returncode == 2, r.stderr
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "Did you mean 'memory'" not in r.stderr


def test_call_start_returns_the_exit_code(probe_wasm):
    # _start of a command ends in proc_exit: its code is the call's exit
    # status, as `gowasm run` exits with it, and 0 is no error.
    r = gowasm("call", probe_wasm, "_start")
    assert (r.returncode, r.stderr) == (0, "")
