"""Module.from_go: ordinary Go code (tests/gopkgs/mathlib, no //go:wasmexport)
built with generated bindings, and everything around it (frames, errors,
panics, skipped functions, help(), the build cache, module paths)."""

import os
import re
import shutil
import subprocess
import sys
import textwrap
import time

import pytest

import gowasm
from gowasm import GoBuildError, GoError, Module, Trap
from gowasm import _frames, _gobuild

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MATHLIB = os.path.join(ROOT, "tests", "gopkgs", "mathlib")

needs_go = pytest.mark.skipif(shutil.which("go") is None, reason="needs Go on PATH (from_go builds Go source)")


@pytest.fixture(scope="module")
def m():
    if shutil.which("go") is None:
        pytest.skip("needs Go on PATH (from_go builds Go source)")
    with Module.from_go(MATHLIB) as mod:
        yield mod


def test_scalars(m):
    assert m.Sum(12, 12) == 24
    assert m.Sum(-(1 << 62), 5) == -(1 << 62) + 5
    assert m.Half(3.0) == 1.5
    assert m.Not(True) is False and m.Not(0) is True
    assert m.Fahrenheit(100) == 212.0
    assert m.Seconds(1_500_000_000) == 1.5
    assert m.Nothing() is None


def test_narrow_and_unsigned_integers(m):
    assert m.Int8(-128) == -128 and m.Int8(127) == 127
    with pytest.raises(OverflowError, match=r"Int8: argument v=128 is out of range for Go's int8 \(-128..127\)"):
        m.Int8(128)
    with pytest.raises(OverflowError, match="uint8"):
        m.Uint8(-1)
    with pytest.raises(TypeError, match="must be int, not str"):
        m.Int8("1")
    assert m.Uint8(255) == 255
    # Unsigned results are never read back as negative numbers.
    assert m.Uint32((1 << 32) - 1) == (1 << 32) - 1
    assert m.Uint64((1 << 64) - 1) == (1 << 64) - 1
    with pytest.raises(OverflowError):
        m.Uint32(-1)


def test_strings_and_bytes(m):
    assert m.Upper("héllo") == "HÉLLO"
    assert m.Upper("") == ""
    assert m.Reverse(b"abc\x00\xff") == b"\xff\x00cba"
    assert m.Reverse(bytearray(b"xy")) == b"yx"


def test_json_values(m):
    assert m.Norm({"X": 3, "Y": 4}) == 5.0
    assert m.Mid({"X": 0, "Y": 0}, {"X": 2, "Y": 4}) == {"X": 1.0, "Y": 2.0, "label": "mid"}
    assert m.Count(["a", "b", "a"]) == {"a": 2, "b": 1}
    points = [{"X": 1, "Y": 1, "label": "p"}, {"X": 2, "Y": 2, "label": "q"}]
    assert m.Find(points, "q") == {"X": 2.0, "Y": 2.0, "label": "q"}
    assert m.Find(points, "nope") is None
    assert m.Anything(3) == {"n": 3}
    with pytest.raises(TypeError, match="Norm: argument p: json: cannot unmarshal string"):
        m.Norm("not a point")
    assert m.Sum(1, 1) == 2  # a refused argument leaves the module working


def test_several_results_and_errors(m):
    assert m.Div(7, 2) == 3
    assert m.DivMod(7, 2) == (3, 1)
    assert m.Stats([3.0, 1.0, 2.0]) == (1.0, 3.0, 3)
    with pytest.raises(GoError) as info:
        m.Div(1, 0)
    e = info.value
    assert str(e) == "division by zero"
    assert e.go_type == "*errors.errorString" and e.function == "Div"
    assert isinstance(e, gowasm.WasmError)
    with pytest.raises(GoError, match="^name: empty$") as info:
        m.Validate("")
    assert info.value.go_type == "*fmt.wrapError"
    assert m.Validate("ok") is None
    with pytest.raises(GoError, match="no values"):
        m.Stats([])
    assert m.Div(9, 3) == 3  # an error is a result: the module lives on


def test_invalid_utf8_result_names_the_function(m):
    with pytest.raises(UnicodeDecodeError, match="Latin1.*not valid UTF-8|Latin1.*\\[\\]byte"):
        m.Latin1()


def test_python_keywords_as_go_parameter_names(m):
    import inspect

    assert str(inspect.signature(m.Span)) == "(from_: int, to: int, lambda_: float) -> float"
    assert m.Span(1, 3, 0.5) == 1.0
    assert m.Span(from_=1, to=5, lambda_=2.0) == 8.0


def test_argument_errors_show_the_python_signature(m):
    with pytest.raises(TypeError, match=r"^Norm\(p: Any\) -> float: argument 1 cannot be sent as JSON"):
        m.Norm({1, 2})


def test_variadic_functions_take_separate_arguments(m):
    import inspect

    assert m.Join("a", "b", "c") == "abc"
    assert m.Join() == ""
    assert str(inspect.signature(m.Join)) == "(*parts: str) -> str"
    assert str(inspect.signature(m.Scale)) == "(by: float, *xs: float) -> Any"
    assert m.Scale(2.0, 1, 2.5) == [2.0, 5.0]


def test_skipped_functions_say_why(m):
    s = m.skipped
    assert "functions cannot cross" in s["Apply"]
    assert "channels" in s["Drain"]
    assert "generic" in s["Max"]
    assert "unexported type scale" in s["Scaled"]
    assert "method" in s["Celsius.Area"]
    assert "interface result (fmt.Stringer)" in s["Stringer"]
    for name in s:
        assert not hasattr(m, name.split(".")[0]) or name == "Celsius.Area"
    # unexported helpers are neither bound nor listed
    assert "minf" not in s and not hasattr(m, "minf")


def test_help_shows_the_go_function(m):
    import inspect
    import pydoc

    assert str(inspect.signature(m.Sum)) == "(x: int, y: int) -> int"
    assert str(inspect.signature(m.Stats)) == "(xs: Any, /)" or "Tuple[float, float, int]" in str(
        inspect.signature(m.Stats))
    text = pydoc.render_doc(m.Sum, renderer=pydoc.plaintext)
    assert "func Sum(x, y int) int" in text and "Sum adds two ints." in text
    # The signature line appears once (help printed it twice once).
    assert len(re.findall(r"Sum\(x: int, y: int\) -> int", text)) == 1
    assert "GoError" in m.Div.__doc__
    assert m.DivMod.results == ("int", "int")


def test_a_panic_is_a_trap_that_quotes_it(m):
    with Module.from_go(MATHLIB, stderr=subprocess.DEVNULL) as mod:
        with pytest.raises(Trap, match="panic: exploded: boom") as info:
            mod.Explode("boom")
        assert "goroutine" not in str(info.value).split("wasm stack trace")[0]
        with pytest.raises(gowasm.ModuleClosedError):
            mod.Sum(1, 2)


@needs_go
def test_subpackage_and_kwargs():
    with Module.from_go(os.path.join(MATHLIB, "geom"), timeout=5) as geom:
        assert geom.name == "geom"
        assert geom.Norm({"X": 6, "Y": 8}) == 10.0


@needs_go
def test_directory_without_go_mod_and_main_package(tmp_path):
    (tmp_path / "prog.go").write_text(textwrap.dedent("""\
        package main

        import "strings"

        // Shout is in a program: package main, no go.mod.
        func Shout(s string) string { return strings.ToUpper(s) + "!" }

        func main() { println(Shout("run")) }
    """))
    with Module.from_go(tmp_path) as prog:
        assert prog.Shout("hey") == "HEY!"
    assert sorted(os.listdir(tmp_path)) == ["prog.go"]  # nothing written into the user's tree


@needs_go
def test_build_errors_are_gos_own(tmp_path):
    (tmp_path / "go.mod").write_text("module example.com/broken\n\ngo 1.24\n")
    (tmp_path / "b.go").write_text("package broken\n\nfunc F() int { return \"x\" }\n")
    with pytest.raises(GoBuildError, match=r"b\.go:3:\d+: cannot use \"x\""):
        Module.from_go(tmp_path)
    (tmp_path / "b.go").write_text("package broken\n\nfunc f() {}\n")
    with pytest.raises(GoBuildError, match="no exported function"):
        Module.from_go(tmp_path)


def test_without_go_the_error_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GoBuildError, match=r"Go 1\.24 or newer.*Prebuilt \.wasm files need no Go"):
        Module.from_go(MATHLIB)


def test_not_a_directory_nor_a_module_path():
    with pytest.raises(GoBuildError, match="directory of Go code or a module path"):
        Module.from_go("./no/such/dir")


@needs_go
def test_unchanged_source_is_not_rebuilt_in_a_new_process(m, tmp_path):
    # A new process loading the same source runs no Go but `go env`.
    script = textwrap.dedent("""\
        import subprocess, sys
        calls = []
        real = subprocess.run
        def spy(cmd, *a, **k):
            calls.append(cmd[:2])
            return real(cmd, *a, **k)
        subprocess.run = spy
        from gowasm import Module
        m = Module.from_go(sys.argv[1])
        assert m.Sum(2, 3) == 5
        print(calls)
    """)
    out = subprocess.run([sys.executable, "-c", script, MATHLIB], capture_output=True, text=True, check=True)
    calls = eval(out.stdout)
    assert [c[1] for c in calls] == ["env"], calls


@needs_go
def test_a_change_rebuilds(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "go.mod").write_text("module example.com/pkg\n\ngo 1.24\n")
    (pkg / "p.go").write_text("package pkg\n\nfunc V() int { return 1 }\n")
    root = os.path.join(os.environ["GOWASM_CACHE_DIR"], "go")

    def builds():
        return {n for n in os.listdir(root) if n.endswith(".wasm")}

    with Module.from_go(pkg) as a:
        assert a.V() == 1
    first = builds()
    (pkg / "p.go").write_text("package pkg\n\nfunc V() int { return 22 }\n")
    with Module.from_go(pkg) as b:
        assert b.V() == 22
    # The new build replaces the old one: one per source location stays.
    second = builds()
    assert len(second) == len(first) and second != first


@needs_go
def test_module_path_through_the_proxy():
    try:
        h = Module.from_go("github.com/dustin/go-humanize@v1.0.1")
    except GoBuildError as e:
        if re.search(r"dial tcp|no such host|connection refused|proxy|i/o timeout|network", str(e)):
            pytest.skip("the Go module proxy is not reachable: %s" % str(e).splitlines()[-1])
        raise
    with h:
        assert h.name == "go-humanize"
        assert h.Comma(1234567) == "1,234,567"
        assert h.Bytes(82854982) == "83 MB"
        assert "func Comma(v int64) string" in h.Comma.__doc__


def test_frame_constants_match_the_guest_package():
    with open(os.path.join(ROOT, "guest", "frame.go")) as f:
        src = f.read()
    consts = dict(re.findall(r"^\s*(Frame\w+|Tag\w+)\s+byte = (\S+)", src, re.M))
    values = {k: (ord(v.strip("'")) if v.startswith("'") else int(v)) for k, v in consts.items()}
    assert values == {
        "FrameOK": _frames.FRAME_OK, "FrameError": _frames.FRAME_ERROR, "FrameArgError": _frames.FRAME_ARG_ERROR,
        "TagInt": _frames.TAG_INT, "TagUint": _frames.TAG_UINT, "TagFloat": _frames.TAG_FLOAT,
        "TagBool": _frames.TAG_BOOL, "TagStr": _frames.TAG_STR, "TagBytes": _frames.TAG_BYTES,
        "TagJSON": _frames.TAG_JSON,
    }


def test_frames_are_checked():
    with pytest.raises(ValueError, match="unknown tag"):
        _frames.decode(b"\x00z", "F")
    with pytest.raises(ValueError, match="past the frame's end"):
        _frames.decode(b"\x00s\xff\x00\x00\x00ab", "F")
    with pytest.raises(ValueError, match="status 9"):
        _frames.decode(b"\x09", "F")


def test_go_sources_ship_with_the_package():
    # From a wheel they are inside the package; from a checkout, the
    # checkout's. Either way they are the files from_go builds with.
    for name in ("guest", "bindgen"):
        d = _gobuild.sources(name)
        installed = os.path.join(os.path.dirname(gowasm.__file__), "_go", name)
        if os.path.dirname(gowasm.__file__) != os.path.join(ROOT, "python", "gowasm"):
            assert d == installed
        names = sorted(f for f in os.listdir(os.path.join(ROOT, name)) if f.endswith(".go") and "_test" not in f)
        assert sorted(os.listdir(d)) == names or set(names) <= set(os.listdir(d))
        for f in names:
            with open(os.path.join(d, f), "rb") as a, open(os.path.join(ROOT, name, f), "rb") as b:
                assert a.read() == b.read(), "%s/%s differs from the checkout's" % (name, f)


def test_a_description_of_a_missing_export_warns(misdescribed_wasm):
    with pytest.warns(RuntimeWarning, match=r"names 'forgotten', which it does not export.*//go:wasmexport forgotten"):
        m = Module(misdescribed_wasm)
    assert m.echo("hi") == "hi"


def test_argument_and_result_errors_name_the_function(greet_wasm):
    m = Module(greet_wasm)
    with pytest.raises(UnicodeEncodeError, match=r"greet\(name: str\) -> str: argument 1: surrogates not allowed"):
        m.greet("\ud800")
    with pytest.raises(TypeError, match=r"argument 1 cannot be sent as JSON: Object of type set"):
        m.greet.typed("json", returns=str)({1, 2})
    assert m.greet("ok") == "Hello, ok!"


@needs_go
def test_a_go_command_with_exports_says_to_rebuild(tmp_path):
    from gowasm._tools.inspect import inspect_module

    (tmp_path / "go.mod").write_text("module x\n\ngo 1.24\n")
    (tmp_path / "m.go").write_text("package main\n\n//go:wasmexport add\nfunc add(a, b int32) int32 { return a + b }\n"
                                   "\nfunc main() {}\n")
    env = dict(os.environ, GOOS="wasip1", GOARCH="wasm")
    subprocess.run(["go", "build", "-o", "x.wasm", "."], cwd=tmp_path, env=env, check=True)
    with Module(tmp_path / "x.wasm") as m:
        assert m.kind == "command"
        with pytest.raises(gowasm.WasmError, match="cannot call add: .*go build without -buildmode=c-shared.*"
                                                   "GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared"):
            m.add(1, 2)
    advice = inspect_module((tmp_path / "x.wasm").read_bytes()).advice
    assert any("-buildmode=c-shared" in a and "built as a command" in a for a in advice)


@needs_go
def test_stubs_declare_the_signatures(tmp_path):
    import ast

    out = tmp_path / "mathlib.pyi"
    subprocess.run([sys.executable, "-m", "gowasm", "stubs", "-o", str(out), MATHLIB], check=True)
    text = out.read_text()
    tree = ast.parse(text)
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef))
    assert cls.name == "Mathlib"
    methods = {f.name: f for f in cls.body if isinstance(f, ast.FunctionDef)}
    assert ast.unparse(methods["Sum"].args) == "self, x: int, y: int"
    assert ast.unparse(methods["Sum"].returns) == "int"
    assert ast.unparse(methods["DivMod"].returns) == "Tuple[int, int]"
    assert ast.unparse(methods["Reverse"].returns) == "bytes"
    assert "func Sum(x, y int) int" in ast.get_docstring(methods["Sum"])
    assert "Apply: parameter f" in text  # skipped functions are listed


@needs_go
def test_a_hand_written_guest_builds_against_the_shipped_guest_package(tmp_path):
    # What the README says to do in a guest's own module.
    out = subprocess.run([sys.executable, "-m", "gowasm", "guest-module"], capture_output=True, text=True, check=True)
    guest_module = out.stdout.strip()
    assert os.path.isfile(os.path.join(guest_module, "guest", "describe.go"))
    (tmp_path / "go.mod").write_text("module example.com/hello\n\ngo 1.24\n")
    (tmp_path / "main.go").write_text(textwrap.dedent("""\
        package main

        import gowasm "github.com/gowasm/gowasm/guest"

        func init() { gowasm.Export("hi", nil, gowasm.Results(gowasm.String)) }

        //go:wasmexport hi
        func hi() uint64 { return gowasm.ReturnString("hi!") }

        func main() {}
    """))
    subprocess.run(["go", "mod", "edit", "-replace", "github.com/gowasm/gowasm=" + guest_module,
                    "-require", "github.com/gowasm/gowasm@v0.0.0-00010101000000-000000000000"], cwd=tmp_path, check=True)
    env = dict(os.environ, GOOS="wasip1", GOARCH="wasm", GOFLAGS="-mod=mod")
    subprocess.run(["go", "build", "-buildmode=c-shared", "-o", "hi.wasm", "."], cwd=tmp_path, env=env, check=True)
    with Module(tmp_path / "hi.wasm") as m:
        assert m.hi() == "hi!"


def test_the_cache_forgets_what_nothing_uses(tmp_path):
    old = time.time() - (_gobuild.UNUSED_DAYS + 1) * 86400
    recent = time.time() - 3600
    for name, when in [("stage-aaaa", old), ("stage-bbbb", recent), ("build-x1", old), ("build-x2", recent),
                       ("0123-45.wasm", old), ("6789-ab.wasm", recent)]:
        path = tmp_path / name
        if name.endswith(".wasm"):
            path.write_bytes(b"\0asm")
        else:
            path.mkdir()
        os.utime(path, (when, when))
    _gobuild._remove_stale_work(str(tmp_path))
    assert sorted(os.listdir(tmp_path)) == ["6789-ab.wasm", "build-x2", "stage-bbbb"]
