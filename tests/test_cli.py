"""The gowasm command line: python -m gowasm run|inspect|call."""

import os
import subprocess
import sys

import pytest

from conftest import corpus_path


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


def test_console_script_is_installed():
    exe = os.path.join(os.path.dirname(sys.executable), "gowasm")
    r = subprocess.run([exe, "call", corpus_path("c/add_one.wasm"), "add_one", "41"], capture_output=True, text=True)
    assert r.stdout == "42\n"
