"""Module.from_go against odd Go packages: each test writes the package it
needs in a temporary directory (tests/test_from_go.py covers the ordinary
ones with tests/gopkgs/mathlib)."""

import os
import shutil
import textwrap

import pytest

from gowasm import GoBuildError, GoError, Module

pytestmark = pytest.mark.skipif(shutil.which("go") is None, reason="needs Go on PATH (from_go builds Go source)")


def package(tmp_path, source, name="p.go", gomod=None):
    """A directory holding one Go file (and a go.mod if given)."""
    d = tmp_path / "pkg"
    d.mkdir(exist_ok=True)
    (d / name).write_text(textwrap.dedent(source))
    if gomod is not None:
        (d / "go.mod").write_text(textwrap.dedent(gomod))
    return str(d)


def test_go_parameter_names_do_not_shadow_the_wrapper(tmp_path):
    # The generated Python wrapper of a framed, narrow, unsigned or variadic
    # function must not be broken by Go parameter names that are also the
    # names it uses itself (or Python builtins it calls).
    d = package(tmp_path, """
        package shadow

        func Frame(frame string) (int, error) { return len(frame), nil }
        func List(list ...string) int         { return len(list) }
        func Bytes(bytes ...byte) int         { return len(bytes) }
        func Check(check int8) int8           { return check }
        func Typed(typed uint64) uint64       { return typed }
        func Mask(MASK string, typed int) (string, int) { return MASK, typed }
    """)
    with Module.from_go(d) as m:
        assert m.Frame("abc") == 3
        assert m.List("a", "b") == 2
        assert m.Bytes(1, 2, 3) == 3
        assert m.Check(5) == 5
        with pytest.raises(OverflowError):
            m.Check(500)
        assert m.Typed((1 << 64) - 1) == (1 << 64) - 1
        assert m.Mask("x", 1) == ("x", 1)


def test_a_nil_pointer_error_is_a_go_error_not_a_trap(tmp_path):
    # A nil *T in a non-nil error is a non-nil error to Go (the classic
    # gotcha): the call raises GoError, as fmt would print it, rather than
    # panicking in Error() and leaving the module unusable.
    d = package(tmp_path, """
        package nilerr

        type MyErr struct{ Msg string }

        func (e *MyErr) Error() string { return e.Msg }

        func Fail() error             { var e *MyErr; return e }
        func FailToo() (int, error)   { var e *MyErr; return 1, e }
        func Ok() int                 { return 1 }
    """)
    with Module.from_go(d) as m:
        with pytest.raises(GoError, match="nil") as info:
            m.Fail()
        assert info.value.go_type == "*nilerr.MyErr"
        with pytest.raises(GoError):
            m.FailToo()
        assert m.Ok() == 1


def test_a_struct_with_only_unexported_fields_is_skipped(tmp_path):
    # Its JSON is {} whatever it holds (golang.org/x/text/width.Properties):
    # a binding would return {} and take only the zero value.
    d = package(tmp_path, """
        package opaque

        type Props struct{ kind, size int }
        type Shown struct{ Kind int; hidden int }
        type Empty struct{}

        func Lookup(s string) (Props, int) { return Props{1, 2}, len(s) }
        func All() []*Props                { return nil }
        func Use(p Props) int              { return p.kind }
        func Visible() Shown               { return Shown{1, 2} }
        func Nothing() Empty               { return Empty{} }
        func Set() map[string]struct{}     { return map[string]struct{}{"a": {}} }
    """)
    with Module.from_go(d) as m:
        for name in ("Lookup", "All", "Use"):
            assert "Props" in m.skipped[name] and "unexported" in m.skipped[name], m.skipped[name]
            assert not hasattr(m, name)
        assert m.Visible() == {"Kind": 1}
        assert m.Nothing() == {}
        assert m.Set() == {"a": {}}


def test_a_change_to_an_embedded_subdirectory_rebuilds(tmp_path):
    d = package(tmp_path, """
        package site

        import "embed"

        //go:embed static
        var files embed.FS

        func Page() string { b, _ := files.ReadFile("static/index.html"); return string(b) }
    """, gomod="module example.com/site\n\ngo 1.24\n")
    os.mkdir(os.path.join(d, "static"))
    with open(os.path.join(d, "static", "index.html"), "w") as f:
        f.write("one")
    with Module.from_go(d) as m:
        assert m.Page() == "one"
    with open(os.path.join(d, "static", "index.html"), "w") as f:
        f.write("two!")
    with Module.from_go(d) as m:
        assert m.Page() == "two!"


@pytest.mark.parametrize("hidden", ["testdata", "_private"])
def test_a_change_to_a_package_go_patterns_skip_rebuilds(tmp_path, hidden):
    # Go builds an import path under testdata/ or _x/ though ./... skips it.
    root = tmp_path / "mod"
    pkg = root / hidden / "pkg"
    pkg.mkdir(parents=True)
    (root / "go.mod").write_text("module example.com/mod\n\ngo 1.24\n")
    (pkg / "p.go").write_text("package pkg\n\nfunc V() int { return 1 }\n")
    with Module.from_go(str(pkg)) as m:
        assert m.V() == 1
    (pkg / "p.go").write_text("package pkg\n\nfunc V() int { return 22 }\n")
    with Module.from_go(str(pkg)) as m:
        assert m.V() == 22


def test_errors_about_a_directory_without_go_mod_name_the_directory(tmp_path):
    # Not "gowasmuser", the module gowasm makes up for it.
    d = package(tmp_path, """
        package zero

        func hidden() int { return 1 }
    """)
    with pytest.raises(GoBuildError) as info:
        Module.from_go(d)
    assert "gowasmuser" not in str(info.value) and d in str(info.value)
    assert "hidden: unexported. Go exports only capitalised names" in str(info.value)
    d = package(tmp_path, """
        package cgo

        // int two() { return 2; }
        import "C"

        func Two() int { return int(C.two()) }
    """, name="p.go")
    with pytest.raises(GoBuildError) as info:
        Module.from_go(d)
    assert "gowasmuser" not in str(info.value.args[0].splitlines()[0])
    assert "build constraints exclude all Go files" in str(info.value)  # Go's own words


def test_type_aliases_the_bindings_cannot_name(tmp_path):
    # An unexported alias (type small = int) spells a type the generated
    # code can write another way; writing its name broke the whole build.
    d = package(tmp_path, """
        package alias

        type small = int
        type hidden struct{ X int }
        type Shown = hidden
        type Pair[T any] struct{ A, B T }
        type GA[T any] = Pair[T]

        func F(v small) small                 { return v + 1 }
        func L(m map[string][]small) int      { return len(m["a"]) }
        func G(s Shown) Shown                 { return s }
        func K(p GA[small]) GA[small]         { return p }
        func P(p Pair[small]) *Pair[small]    { return &p }
        func A(v any) any                     { return v }
    """)
    with Module.from_go(d) as m:
        assert m.F(1) == 2
        assert m.L({"a": [1, 2]}) == 2
        assert m.G({"X": 3}) == {"X": 3}
        assert m.K({"A": 1, "B": 2}) == {"A": 1, "B": 2}
        assert m.P({"A": 1, "B": 2}) == {"A": 1, "B": 2}
        assert m.A([1]) == [1]


def test_the_replace_directives_of_the_users_go_mod_apply(tmp_path):
    # A monorepo: the package's module replaces a dependency with a sibling
    # directory. go build honours it; the build module must too (Go reads
    # only the main module's replaces), and a change there must rebuild.
    (tmp_path / "dep").mkdir()
    (tmp_path / "dep" / "go.mod").write_text("module example.com/dep\n\ngo 1.24\n")
    (tmp_path / "dep" / "d.go").write_text("package dep\n\nfunc D() int { return 42 }\n")
    d = package(tmp_path, """
        package app

        import "example.com/dep"

        func A() int { return dep.D() }
    """, gomod="""
        module example.com/app

        go 1.24

        require example.com/dep v0.0.0

        replace (
            // the sibling
            example.com/dep v0.0.0 => ../dep
        )
    """)
    with Module.from_go(d) as m:
        assert m.A() == 42
    (tmp_path / "dep" / "d.go").write_text("package dep\n\nfunc D() int { return 4242 }\n")
    with Module.from_go(d) as m:
        assert m.A() == 4242


def test_stubs_of_a_go_parameter_named_self_compile(tmp_path):
    from gowasm._tools.stubs import stubs

    d = package(tmp_path, """
        package selfish

        func Scale(self float64, by float64) float64 { return self * by }
    """)
    with Module.from_go(d) as m:
        assert m.Scale(self=2.0, by=3.0) == 6.0
        text = stubs(m)
    compile(text, "selfish.pyi", "exec")  # no "duplicate argument 'self'"
    assert "self: float" in text


@pytest.mark.parametrize("name", ["q'uote", 'dq"uote', "tab\there", "back\\slash", "ünï (x)"])
def test_odd_characters_in_the_path(tmp_path, name):
    # The build module's go.mod names the directory: quoted, as Go quotes.
    d = tmp_path / name
    d.mkdir()
    (d / "a.go").write_text("package odd\n\nfunc A() int { return 1 }\n")
    if "\\" in name and os.sep == "/":
        # Go's own limit: it takes a replace directory with a backslash for
        # a Windows path. The error says so in Go's words.
        with pytest.raises(GoBuildError, match="Windows path"):
            Module.from_go(str(d))
        return
    with Module.from_go(str(d)) as m:
        assert m.A() == 1


def test_functions_of_files_the_wasm_build_leaves_out_are_skipped_with_why(tmp_path):
    # Not silently absent: m.skipped says which file and why.
    d = package(tmp_path, """
        package tags

        func A() int { return 1 }
    """)
    files = {
        "b_linux.go": "package tags\n\nfunc B() int { return 2 }\n",
        "c_wasip1.go": "package tags\n\nfunc C() int { return 3 }\n",
        "d_other.go": "//go:build !wasm\n\npackage tags\n\nfunc D() int { return 4 }\n\nfunc A() int { return 0 }\n",
        "e_cgo.go": 'package tags\n\n// int two() { return 2; }\nimport "C"\n\nfunc E() int { return int(C.two()) }\n',
        "gen.go": "//go:build ignore\n\npackage main\n\nfunc Main() {}\n",
        "x_test.go": "//go:build never\n\npackage tags\n\nfunc TestX() {}\n",
    }
    for name, text in files.items():
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
    with Module.from_go(d) as m:
        assert m.A() == 1 and m.C() == 3
        assert "b_linux.go" in m.skipped["B"] and "wasip1" in m.skipped["B"]
        assert "d_other.go" in m.skipped["D"]
        assert "cgo" in m.skipped["E"]
        assert "A" not in m.skipped and "Main" not in m.skipped and "TestX" not in m.skipped


def test_a_module_path_with_a_major_version_suffix_is_named_by_its_last_real_element(monkeypatch):
    # github.com/Masterminds/semver/v3 is "semver" (help(), stubs' class),
    # not "v3"; gopkg.in's yaml.v3 keeps its name.
    from gowasm import _gobuild

    mathlib = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gopkgs", "mathlib")
    wasm = _gobuild.build(mathlib)
    monkeypatch.setattr(_gobuild, "build", lambda *a, **k: wasm)
    for spec, name in [("github.com/Masterminds/semver/v3@v3.3.1", "semver"),
                       ("github.com/Masterminds/semver/v3", "semver"),
                       ("gopkg.in/yaml.v3@v3.0.1", "yaml.v3"),
                       ("github.com/dustin/go-humanize@v1.0.1", "go-humanize"),
                       ("example.com/lib/v2/sub@v2.0.0", "sub")]:
        with Module.from_go(spec) as m:
            assert m.name == name, spec


def test_a_damaged_cached_build_is_built_again(tmp_path):
    # gowasm writes builds atomically, but a crash without fsync, a full
    # disk or another tool can leave a truncated file: it must not stick.
    d = package(tmp_path, """
        package damaged

        func A() int { return 1 }
    """)
    cache = str(tmp_path / "cache")
    with Module.from_go(d, cache=cache) as m:
        assert m.A() == 1
    root = os.path.join(cache, "go")
    (wasm,) = [os.path.join(root, n) for n in os.listdir(root) if n.endswith(".wasm")]
    with open(wasm, "r+b") as f:
        f.truncate(1000)
    with Module.from_go(d, cache=cache) as m:
        assert m.A() == 1


def test_the_go_environment_that_changes_the_code_is_in_the_cache_key(tmp_path, monkeypatch):
    # GOWASM (satconv, signext) and GOEXPERIMENT change what go build
    # writes: a build made without them must not be reused with them.
    d = package(tmp_path, """
        package env

        func A() int { return 1 }
    """)
    cache = str(tmp_path / "cache")
    monkeypatch.delenv("GOWASM", raising=False)
    monkeypatch.delenv("GOEXPERIMENT", raising=False)
    from gowasm import _gobuild

    plain = _gobuild.build(d, cache_dir=cache)
    monkeypatch.setenv("GOWASM", "satconv")
    assert _gobuild.build(d, cache_dir=cache) != plain


def test_builds_of_one_source_with_different_flags_do_not_evict_each_other(tmp_path):
    # One build is kept per source location, but a location built with two
    # sets of build flags (a test matrix) needs both: each evicting the
    # other rebuilt every load, and raced a process about to open it.
    from gowasm import _gobuild

    d = package(tmp_path, """
        package flags

        func A() int { return 1 }
    """)
    cache = str(tmp_path / "cache")
    plain = _gobuild.build(d, cache_dir=cache)
    tagged = _gobuild.build(d, flags=["-tags=x"], cache_dir=cache)
    assert tagged != plain and os.path.exists(plain) and os.path.exists(tagged)
    assert _gobuild.build(d, cache_dir=cache) == plain


def test_a_json_tag_of_dash_comma_names_a_field_dash(tmp_path):
    # encoding/json: `json:"-"` leaves the field out, `json:"-,"` names it "-".
    d = package(tmp_path, """
        package dash

        type Named struct {
            Dash  string `json:"-,"`
            other int
        }
        type Cplx struct {
            Skip complex128 `json:"-"`
            Keep complex128 `json:"-,"`
        }

        func Get() Named      { return Named{Dash: "d"} }
        func Bad() Cplx       { return Cplx{} }
    """)
    with Module.from_go(d) as m:
        assert m.Get() == {"-": "d"}
        assert "complex" in m.skipped["Bad"]


def test_go111module_off_in_the_users_environment(tmp_path, monkeypatch):
    # gowasm's builds are module builds whatever GO111MODULE says.
    monkeypatch.setenv("GO111MODULE", "off")
    d = package(tmp_path, """
        package gopath

        func A() int { return 1 }
    """)
    with Module.from_go(d, cache=str(tmp_path / "cache")) as m:
        assert m.A() == 1


def test_code_that_does_not_build_for_wasip1_says_which_target(tmp_path):
    # go/types' own words, and the target they were said for: the same code
    # builds on the user's machine.
    d = package(tmp_path, """
        package sysc

        import "syscall"

        func Page() int { b, _ := syscall.Mmap(0, 0, 10, 0, 0); return len(b) }
    """)
    with pytest.raises(GoBuildError) as info:
        Module.from_go(d)
    assert "undefined: syscall.Mmap" in str(info.value)
    assert "GOOS=wasip1" in str(info.value)


def test_an_anonymous_struct_with_unexported_fields_is_skipped(tmp_path):
    # struct{ x int } written in the generated package is another type
    # (unexported field names belong to their package): it broke the build.
    d = package(tmp_path, """
        package anon

        func F(p struct{ x, Y int }) int           { return p.Y }
        func G(p []struct{ Y int; z int }) int     { return len(p) }
        func H(p struct{ Y int `json:"y"` }) int   { return p.Y }
    """)
    with Module.from_go(d) as m:
        assert "unexported field x" in m.skipped["F"]
        assert "unexported field z" in m.skipped["G"]
        assert m.H({"y": 2}) == 2


def test_a_result_type_the_bindings_cannot_name_still_binds(tmp_path):
    # The shims take a result with := and encode it: they never write its
    # type, so an unexported or internal one is no reason to skip.
    d = package(tmp_path, """
        package res

        import "example.com/res/internal/x"

        type point struct{ X, Y int }

        func Origin() point                 { return point{} }
        func Anon() struct{ Y int; z int }  { return struct{ Y int; z int }{1, 2} }
        func Inner() (x.T, error)           { return x.T{N: 5}, nil }
        func Take(p point) int              { return p.X }
    """, gomod="module example.com/res\n\ngo 1.24\n")
    os.makedirs(os.path.join(d, "internal", "x"))
    with open(os.path.join(d, "internal", "x", "x.go"), "w") as f:
        f.write("package x\n\ntype T struct{ N int }\n")
    with Module.from_go(d) as m:
        assert m.Origin() == {"X": 0, "Y": 0}
        assert m.Anon() == {"Y": 1}
        assert m.Inner() == {"N": 5}
        assert "unexported type point" in m.skipped["Take"]


def test_a_stage_build_killed_midway_leaves_nothing_for_good(tmp_path):
    # A process killed while it builds gowasm's stage (bindgen) leaves its
    # temporary directory: it must be one the stale-work sweep removes.
    import subprocess
    import sys

    cache = str(tmp_path / "cache")
    code = textwrap.dedent("""
        import os, signal, sys
        from gowasm import _gobuild
        real = _gobuild._run
        def run(cmd, cwd, env, what):
            if what == "building gowasm's bindgen":
                os.kill(os.getpid(), signal.SIGKILL)
            return real(cmd, cwd, env, what)
        _gobuild._run = run
        _gobuild.Stage(_gobuild.Toolchain(), _gobuild._root(sys.argv[1]))
    """)
    p = subprocess.run([sys.executable, "-c", code, cache])
    assert p.returncode != 0
    root = os.path.join(cache, "go")
    assert os.listdir(root)  # the killed build's directory
    from gowasm import _gobuild

    _gobuild._remove_stale_work(root, age=-1)
    assert os.listdir(root) == []


def test_build_flags_reach_the_type_check(tmp_path):
    # -tags=pro builds pro.go: bindgen must see it too, or its functions are
    # reported as left out (and a function with another signature under
    # the tag would break the build).
    d = package(tmp_path, """
        package tagged

        func A() int { return 1 }
    """)
    with open(os.path.join(d, "pro.go"), "w") as f:
        f.write("//go:build pro\n\npackage tagged\n\nfunc Pro() int { return 2 }\n")
    with open(os.path.join(d, "sig_pro.go"), "w") as f:
        f.write("//go:build pro\n\npackage tagged\n\nfunc Sig(s string) string { return s }\n")
    with open(os.path.join(d, "sig_free.go"), "w") as f:
        f.write("//go:build !pro\n\npackage tagged\n\nfunc Sig(n int) int { return n }\n")
    with Module.from_go(d, build_flags=["-tags=pro"]) as m:
        assert m.Pro() == 2 and m.Sig("x") == "x"
    with Module.from_go(d) as m:
        assert "Pro" in m.skipped and m.Sig(3) == 3


def test_an_init_that_exits_with_code_0_is_an_error_not_a_crash(tmp_path):
    # wazero returns a closed module and no error when a start function
    # exits with 0; used as a live one, it crashed the Python process
    # (SIGSEGV). Run in a subprocess, so that a crash fails this test only.
    import subprocess
    import sys

    d = package(tmp_path, """
        package exit0

        import "os"

        func init() { os.Exit(0) }

        func F() int { return 1 }
    """)
    code = textwrap.dedent("""
        import sys
        from gowasm import ExitError, Module
        try:
            Module.from_go(sys.argv[1])
        except ExitError as e:
            print("ExitError:", e)
    """)
    p = subprocess.run([sys.executable, "-c", code, d], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "ExitError:" in p.stdout and "_initialize" in p.stdout and "code 0" in p.stdout


def test_a_panic_in_init_is_quoted_in_the_error(tmp_path):
    # As a panic in a call is: the guest's own words, not only "unreachable".
    from gowasm import Trap

    d = package(tmp_path, """
        package initpanic

        func init() { panic("init boom") }

        func F() int { return 1 }
    """)
    with pytest.raises(Trap, match="the guest's panic: init boom"):
        Module.from_go(d)


def test_variadic_options_that_cannot_cross_are_left_out_not_the_function(tmp_path):
    # func Run(input []byte, opts ...Option) []byte (blackfriday's Markdown
    # renderer): a Go caller may pass no options, so the binding does,
    # rather than skipping the function; help() says so.
    d = package(tmp_path, """
        package md

        type Option func(*config)
        type config struct{ upper bool }

        // Run renders input.
        func Run(input []byte, opts ...Option) []byte {
            c := config{}
            for _, o := range opts {
                o(&c)
            }
            return append([]byte("<p>"), append(input, "</p>"...)...)
        }

        func Only(opts ...Option) int { return len(opts) }
    """)
    with Module.from_go(d) as m:
        assert m.Run(b"hi") == b"<p>hi</p>"
        assert m.Only() == 0
        assert "Run" not in m.skipped
        assert "without its opts" in m.Run.__doc__
        with pytest.raises(TypeError):
            m.Run(b"hi", "an option")


def test_a_development_toolchain_is_accepted(monkeypatch):
    # gotip's `go env GOVERSION` is "devel go1.27-4a3b2c1 ...".
    from gowasm import _gobuild

    real = _gobuild._run

    def run(cmd, cwd, env, what):
        if what == "go env":
            return "devel go1.27-4a3b2c1 Tue Dec 1 10:00:00 2026 +0000\n"
        return real(cmd, cwd, env, what)

    monkeypatch.setattr(_gobuild, "_run", run)
    tools = _gobuild.Toolchain()
    assert tools.go_line == "1.27"
