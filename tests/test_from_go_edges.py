"""Module.from_go's rough edges (issue 24): a program's lowercase functions,
unexported functions named, stubs that mypy accepts as written, build errors
that name the user's files."""

import os
import re
import shutil
import subprocess
import sys
import textwrap

import pytest

from gowasm import GoBuildError, Module
from gowasm._module import PUBLIC_STATE

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MYPY = os.path.join(os.path.dirname(sys.executable), "mypy")

pytestmark = pytest.mark.skipif(shutil.which("go") is None, reason="needs Go on PATH (from_go builds Go source)")


def write(directory, name, text):
    path = os.path.join(str(directory), name)
    with open(path, "w") as f:
        f.write(textwrap.dedent(text))
    return path


VARIADIC = """\
    package joiner

    // Sum joins its arguments.
    func Sum(first string, rest ...string) string {
        for _, r := range rest {
            first += r
        }
        return first
    }

    // Count counts bytes.
    func Count(b ...byte) int { return len(b) }
"""


def test_a_programs_lowercase_functions_are_bound(tmp_path):
    # The seed's own code, as written: package main, func sum, a main.
    write(tmp_path, "main.go", """\
        package main

        func sum(x, y int) int { return x + y }

        func close() int { return 1 }

        func malloc() int { return 2 }

        func init() {}

        func main() {}
    """)
    with Module.from_go(tmp_path) as m:
        assert m.sum(12, 12) == 24
        assert "main" not in m.exports and "init" not in m.exports
        # A name Module has (close) or gowasm's own export (malloc) is not
        # bound over it: skipped, saying why.
        assert "shadow" in m.skipped["close"] and "Module" in m.skipped["close"]
        assert "gowasm" in m.skipped["malloc"]
        assert m.exports["malloc"].params == ("i32",)  # still the guest's allocator
        # The names bindgen is told to leave alone are all a Module holds.
        state = {k for k in vars(m) if not k.startswith("_")} - set(m.exports)
        assert state <= set(PUBLIC_STATE), state


def test_unexported_functions_are_named_with_the_rule(tmp_path):
    write(tmp_path, "lib.go", """\
        package lib

        func sum(x, y int) int { return x + y }

        func twice(x int) int { return 2 * x }
    """)
    with pytest.raises(GoBuildError) as info:
        Module.from_go(tmp_path)
    msg = str(info.value)
    assert "sum" in msg and "twice" in msg
    assert "capitalised" in msg and "Sum" in msg


def test_build_errors_name_the_users_files(tmp_path, monkeypatch):
    bad = tmp_path / "pkg"
    bad.mkdir()
    write(bad, "go.mod", "module example.com/bad\n\ngo 1.24\n")
    write(bad, "b.go", """\
        package bad

        func F(x int) int {
            return x + "a"
        }
    """)
    # Go names a file relative to the directory it runs in (gowasm's build
    # directory, in the cache) when that is shorter than its absolute path:
    # here, with the cache next to the package, "../../../pkg/b.go".
    cache = tmp_path / "cache"
    for cwd in (tmp_path, ROOT):  # the file under the working directory, and not
        monkeypatch.chdir(cwd)
        with pytest.raises(GoBuildError) as info:
            Module.from_go(str(bad), cache=str(cache))
        found = re.findall(r"(\S+\.go):(\d+):\d+", str(info.value))
        assert found, str(info.value)
        for path, line in found:
            assert os.path.samefile(path, str(bad / "b.go")), str(info.value)
            assert line == "4"


def test_stubs_type_variadic_functions_as_star_args(tmp_path):
    pkg = tmp_path / "joiner"
    pkg.mkdir()
    write(pkg, "j.go", VARIADIC)
    out = subprocess.run([sys.executable, "-m", "gowasm", "stubs", str(pkg)], capture_output=True, text=True,
                         check=True).stdout
    assert "def Sum(self, first: str, *rest: str) -> str:" in out
    assert "def Count(self, *b: int) -> int:" in out
    # gowasm's own exports are no methods of the user's module.
    for name in ("malloc", "free", "gowasm_describe", "_initialize"):
        assert "def %s(" % name not in out


@pytest.mark.skipif(not os.path.exists(MYPY), reason="needs mypy in the environment")
def test_mypy_accepts_the_stub_and_the_documented_pattern(tmp_path):
    pkg = tmp_path / "joiner"
    pkg.mkdir()
    write(pkg, "j.go", VARIADIC)
    subprocess.run([sys.executable, "-m", "gowasm", "stubs", "-o", str(tmp_path / "joiner_stubs.pyi"), str(pkg)],
                   check=True)
    write(tmp_path, "use.py", """\
        from typing import TYPE_CHECKING

        from gowasm import Module

        if TYPE_CHECKING:
            from joiner_stubs import Joiner

        m: "Joiner" = Module.from_go("./joiner")
        s: str = m.Sum("a", "b", "c")
        n: int = m.Count(1, 2, 3)
        print(s, n)
    """)
    p = subprocess.run([MYPY, "--strict", "--no-incremental", "use.py"], cwd=str(tmp_path), capture_output=True,
                       text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    # And mypy still catches a wrong call.
    write(tmp_path, "wrong.py", """\
        from typing import TYPE_CHECKING

        from gowasm import Module

        if TYPE_CHECKING:
            from joiner_stubs import Joiner

        m: "Joiner" = Module.from_go("./joiner")
        m.Sum("a", 2)
    """)
    p = subprocess.run([MYPY, "--strict", "--no-incremental", "wrong.py"], cwd=str(tmp_path), capture_output=True,
                       text=True)
    assert p.returncode == 1 and "Sum" in p.stdout, p.stdout + p.stderr
    p = subprocess.run([sys.executable, "use.py"], cwd=str(tmp_path), capture_output=True, text=True)
    assert p.stdout.strip() == "abc 3", p.stderr


def test_types_that_cross_as_text_show_as_str(tmp_path):
    import inspect
    from typing import Any, Optional

    write(tmp_path, "t.go", """\
        package texty

        import (
            "math/big"
            "regexp"
            "time"
        )

        func Double(n *big.Int) *big.Int { return new(big.Int).Lsh(n, 1) }

        func Compile(expr string) (*regexp.Regexp, error) { return regexp.Compile(expr) }

        func Match(r *regexp.Regexp, s string) bool { return r.MatchString(s) }

        func Later(t time.Time) time.Time { return t.Add(time.Hour) }

        func Ratio(r *big.Rat) *big.Rat { return r }

        type Shape struct{ N int }

        func Shapes(s []Shape, p *int) map[string]int { return nil }
    """)
    with Module.from_go(tmp_path) as m:
        sig = inspect.signature(m.Double)
        assert sig.parameters["n"].annotation == Optional[int] and sig.return_annotation == Optional[int]
        assert m.Double(2 ** 100) == 2 ** 101  # a JSON number: exact
        assert inspect.signature(m.Compile).return_annotation == Optional[str]
        assert m.Compile("a+") == "a+"
        assert inspect.signature(m.Match).parameters["r"].annotation == Optional[str]
        assert m.Match("a+", "caat") is True
        assert inspect.signature(m.Later).return_annotation is str
        assert m.Later("2024-01-01T00:00:00Z") == "2024-01-01T01:00:00Z"
        assert inspect.signature(m.Ratio).return_annotation == Optional[str]  # MarshalText: "1/3"
        assert m.Ratio("1/3") == "1/3"
        sig = inspect.signature(m.Shapes)  # what JSON makes of them varies: Any, or a pointer's basic type
        assert sig.parameters["s"].annotation is Any and sig.parameters["p"].annotation == Optional[int]
        assert sig.return_annotation is Any
        assert "Double(n: Optional[int]) -> Optional[int]" in m.Double.__qualname__


def test_a_guests_annotations_are_checked():
    from gowasm import _described

    good = {"params": ["json"], "results": [], "annotations": {"params": ["Optional[str]"], "results": []}}
    _described._check(good)
    for bad in (["list"], ["Optional[list]"], ["Optional[str"], [1], "str"):
        with pytest.raises(ValueError, match="annotations"):
            _described._check(dict(good, annotations={"params": bad, "results": []}))


def test_a_panic_traps_without_gos_goroutine_dump(tmp_path):
    # In a child process, with the guest's stderr the process's own fd 2, as
    # a user running a script sees it.
    write(tmp_path, "p.go", """\
        package p

        import "errors"

        func Index(i int) int { return []int{1, 2, 3}[i] }

        func Fail(msg string) string { panic(errors.New(msg)) }

        func Odd() int { panic(struct{ A int }{1}) }
    """)
    script = textwrap.dedent("""\
        import sys
        from gowasm import Module, Trap
        for call in (lambda m: m.Index(5), lambda m: m.Fail("broken: x"), lambda m: m.Odd()):
            m = Module.from_go(sys.argv[1], stderr=sys.stderr)
            try:
                call(m)
            except Trap as e:
                print(str(e).splitlines()[0])
    """)
    p = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=300)
    lines = p.stdout.splitlines()
    assert lines[:2] == ["the guest's panic: runtime error: index out of range [5] with length 3",
                         "the guest's panic: broken: x"], p.stdout + p.stderr
    # A value Go's runtime alone can say goes on as Go's own panic, dump and all.
    assert lines[2].startswith("the guest's panic:"), p.stdout
    assert p.stderr.count("goroutine 1 [running]") == 1, p.stderr
    assert "index out of range" not in p.stderr and "broken" not in p.stderr


def test_a_float32_parameter_out_of_range_is_an_overflow_error(tmp_path):
    import fractions

    write(tmp_path, "f.go", """\
        package f

        func Half(x float32) float32 { return x / 2 }

        func Mix(n int32, x float32) float64 { return float64(n) + float64(x) }
    """)
    with Module.from_go(tmp_path) as m:
        big = 3.4028234663852886e38  # float32's largest
        assert m.Half(big) == big / 2
        assert m.Half(-big) == -big / 2
        assert m.Half(3.4028235e38) == big / 2  # rounds to the largest, as Go's conversion does
        for x, shown in ((1e39, "1e+39"), (-1e39, "-1e+39"), (10 ** 40, str(10 ** 40)),
                         (fractions.Fraction(-(10 ** 40)), "Fraction(-%d, 1)" % 10 ** 40)):
            with pytest.raises(OverflowError, match=r"Half: argument x=%s is out of range for Go's float32" %
                               re.escape(shown)):
                m.Half(x)
        with pytest.raises(OverflowError, match="argument n=2147483648 is out of range for Go's int32"):
            m.Mix(2 ** 31, 1.0)  # as int32 does
        with pytest.raises(OverflowError, match=r"argument x=1e\+39 is out of range for Go.s float32"):
            m.Mix(1, 1e39)
        assert m.Half(float("inf")) == float("inf")  # infinity and NaN are float32 values
        assert m.Half(float("nan")) != m.Half(float("nan"))
        assert m.Half(3) == 1.5 and m.Mix(True, 0.5) == 1.5
        with pytest.raises(TypeError):
            m.Half("1")
