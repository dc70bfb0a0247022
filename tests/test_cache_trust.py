"""The cache directory as a trust boundary: another local user must never get
code run in this process through it (issue 20, items 1-3).

Another user is played by uid 65534 (nobody): files are given to it with
chown, and one test runs a child process as that user. Both need root,
which the tests have here; elsewhere they skip.
"""

import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import warnings

import pytest

import gowasm
from gowasm import CacheWarning, Module
from conftest import ROOT, wat

OTHER = 65534
needs_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                                reason="needs root, to give files to another user")


def const_module(n: int) -> bytes:
    return wat('(module (func (export "f") (result i32) i32.const %d))' % n)


def shared_dir(parent: str, name: str = "shared") -> str:
    """A directory like /tmp: anyone may write to it; the sticky bit keeps
    them from renaming what is not theirs."""
    d = os.path.join(parent, name)
    os.mkdir(d)
    os.chmod(d, 0o1777)
    return d


def entries_of(wasm: bytes, parent: str) -> dict:
    """The compilation cache entries a load of ``wasm`` writes: {path
    relative to the cache directory: content}."""
    d = tempfile.mkdtemp(dir=parent)
    Module(wasm, cache=d).close()
    found = {}
    for path in glob.glob(os.path.join(d, "wazero-*", "*")):
        with open(path, "rb") as f:
            found[os.path.relpath(path, d)] = f.read()
    assert found, "the load cached nothing"
    return found


def forged(entry: bytes, name: str) -> bytes:
    """gowasm's cache entry ``entry`` (another module's) made into the entry
    called ``name``, as anyone can: the digest gowasm ends an entry with
    (cacheentry.go) is no signature, and covers the entry's key (its name),
    its head and its tail, not the machine code."""
    key = bytes.fromhex(os.path.basename(name))
    entry = entry[:-(8 + 32)]  # gowasm's trailer: its tag and the SHA-256
    count_at = 7 + entry[6]
    head_size = count_at + 4 + 8 * int.from_bytes(entry[count_at:count_at + 4], "little") + 8
    code_size = int.from_bytes(entry[head_size - 8:head_size], "little")
    digest = hashlib.sha256(key + entry[:head_size] + entry[head_size + code_size:]).digest()
    return entry + b"gowasm\x00\x01" + digest


@needs_root
def test_compiled_code_planted_in_a_shared_cache_directory_never_runs(tmp_path):
    # Another user creates wazero's subdirectory of a shared cache directory
    # first, and puts in it, under the name of module `one`'s compiled code,
    # the compiled code of `two` (any machine code would do: wazero's CRC is
    # no signature). Loading `one` with that directory must run one's code.
    one, two = const_module(1), const_module(2)
    names, planted_code = sorted(entries_of(one, str(tmp_path))), entries_of(two, str(tmp_path))
    assert len(names) == len(planted_code) == 1
    shared = shared_dir(str(tmp_path))
    for name, code in zip(names, planted_code.values()):
        path = os.path.join(shared, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(forged(code, name))
        os.lchown(os.path.dirname(path), OTHER, OTHER)
        os.lchown(path, OTHER, OTHER)
    path = tmp_path / "one.wasm"
    path.write_bytes(one)

    with Module(one, cache=shared) as m:
        assert m.f() == 1
    # The same directory through $GOWASM_CACHE_DIR and the command line, in
    # new processes (nothing of this process's in-memory cache helps).
    env = dict(os.environ, GOWASM_CACHE_DIR=shared)
    code = "from gowasm import Module; import sys; print(Module(sys.argv[1]).f())"
    out = subprocess.run([sys.executable, "-c", code, str(path)], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "1", out.stderr
    out = subprocess.run([sys.executable, "-m", "gowasm", "call", "--cache-dir", shared, str(path), "f"],
                         capture_output=True, text=True)
    assert out.stdout.strip() == "1", out.stderr
    # gowasm kept its code in its own private subdirectory instead.
    own = os.path.join(shared, "gowasm-%d" % os.geteuid())
    assert os.stat(own).st_mode & 0o777 == 0o700
    assert glob.glob(os.path.join(own, "wazero-*", "*"))


@needs_root
def test_a_cache_directory_of_another_user_is_not_used_and_says_why(tmp_path):
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    os.chown(theirs, OTHER, OTHER)
    with pytest.warns(CacheWarning, match=r"belongs to another user \(uid 65534") as record:
        with Module(const_module(3), cache=str(theirs)) as m:
            assert m.f() == 3
    assert str(theirs) in str(record[0].message)
    assert record[0].filename == __file__  # points at the user's line
    # Once per directory: the next load says nothing.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Module(const_module(4), cache=str(theirs)).close()
    assert not glob.glob(str(theirs / "*"))


def test_an_empty_cache_string_means_no_disk_cache(tmp_path, monkeypatch):
    # cache="" used to write the cache into the current directory.
    monkeypatch.chdir(tmp_path)
    with Module(const_module(5), cache="") as m:
        assert m.f() == 5
    assert os.listdir(tmp_path) == []


@needs_root
@pytest.mark.skipif(shutil.which("go") is None, reason="needs Go on PATH (from_go builds Go source)")
def test_from_go_never_runs_build_tools_another_user_planted(tmp_path):
    # from_go runs <cache>/go/stage-<digest>/bindgen if it exists; the digest
    # depends only on Go's version and gowasm's sources, so anyone can make
    # it first in a shared cache directory, or in the shared temporary
    # directory the builds fell back to with GOWASM_CACHE_DIR="".
    from gowasm import _gobuild

    digest = _gobuild._stage_digest(_gobuild.Toolchain())
    ran = tmp_path / "planted-tool-ran"
    shared = shared_dir(str(tmp_path))
    tmpdir = shared_dir(str(tmp_path), "tmp")
    for root in (os.path.join(shared, "go"), os.path.join(tmpdir, "gowasm", "go")):
        stage = os.path.join(root, "stage-" + digest[:16])
        os.makedirs(os.path.join(stage, "gowasm"))
        bindgen = os.path.join(stage, "bindgen")
        with open(bindgen, "w") as f:
            f.write("#!/bin/sh\ntouch %s\nexit 1\n" % ran)
        os.chmod(bindgen, 0o755)
        for dirpath, _, files in os.walk(os.path.dirname(root)):
            os.lchown(dirpath, OTHER, OTHER)
            for name in files:
                os.lchown(os.path.join(dirpath, name), OTHER, OTHER)
    mathlib = os.path.join(ROOT, "tests", "gopkgs", "mathlib")
    code = "from gowasm import Module; import sys; print(Module.from_go(sys.argv[1]).Sum(2, 3))"
    for cache_env in (shared, ""):
        env = dict(os.environ, GOWASM_CACHE_DIR=cache_env, TMPDIR=tmpdir)
        out = subprocess.run([sys.executable, "-c", code, mathlib], env=env, capture_output=True, text=True)
        assert out.stdout.strip() == "5", out.stderr
        assert not ran.exists(), "from_go ran a tool another user planted (GOWASM_CACHE_DIR=%r)" % cache_env
    # With no cache, the build's private directory is gone afterwards.
    assert sorted(os.listdir(tmpdir)) == ["gowasm"]


@needs_root
def test_a_second_user_of_the_same_cache_directory_loads_modules(tmp_path):
    # Two users, one cache directory: the second one's load failed with
    # "CompileError: ... not a valid WebAssembly module: ... permission
    # denied". Now it loads, warned that the directory is not used; and a
    # directory of the user's own that cannot be written to is the same.
    base = tempfile.mkdtemp()  # under /tmp, which the other user can enter
    try:
        os.chmod(base, 0o755)
        first = os.path.join(base, "first")
        wasm = os.path.join(base, "m.wasm")
        with open(wasm, "wb") as f:
            f.write(const_module(6))
        Module(wasm, cache=first).close()  # the first user's cache, filled
        os.chmod(first, 0o755)
        readonly = os.path.join(base, "readonly")
        os.mkdir(readonly, 0o500)
        os.chown(readonly, OTHER, OTHER)
        # A directory of the user's that turns read-only after gowasm
        # checked it (a full disk fails the same way): a load still works.
        later = os.path.join(base, "later")
        os.mkdir(later, 0o700)
        os.chown(later, OTHER, OTHER)
        other_wasm = os.path.join(base, "m2.wasm")
        with open(other_wasm, "wb") as f:
            f.write(const_module(8))
        child = textwrap.dedent("""
            import json, os, sys, warnings
            import gowasm
            from gowasm import _native
            _native.load()  # before losing access to Python's files under /root
            os.setgid(%d); os.setuid(%d)
            results = []
            for cache in sys.argv[2:]:
                with warnings.catch_warnings(record=True) as w:
                    warnings.simplefilter("always")
                    with gowasm.Module(sys.argv[1], cache=cache) as m:
                        results.append([m.f(), [str(x.message) for x in w if x.category is gowasm.CacheWarning]])
            later, other = os.environ["LATER"], os.environ["OTHER_WASM"]
            gowasm.Module(sys.argv[1], cache=later).close()
            for d in [later] + [os.path.join(later, n) for n in os.listdir(later)]:
                os.chmod(d, 0o500)
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                with gowasm.Module(other, cache=later) as m:
                    results.append([m.f(), []])
            print(json.dumps(results))
        """ % (OTHER, OTHER))
        out = subprocess.run([sys.executable, "-c", child, wasm, first, readonly], capture_output=True, text=True,
                             env=dict(os.environ, LATER=later, OTHER_WASM=other_wasm))
        assert out.returncode == 0, out.stderr
        (f1, w1), (f2, w2), (f3, _) = json.loads(out.stdout)
        assert (f1, f2, f3) == (6, 6, 8)
        assert len(w1) == 1 and "belongs to another user (uid 0" in w1[0]
        assert len(w2) == 1 and "cannot be written to" in w2[0] and "permission denied" in w2[0]
    finally:
        shutil.rmtree(base)


def test_the_command_line_warns_in_one_line_about_a_cache_directory_it_cannot_use(tmp_path):
    # --cache-dir under a file printed a traceback (naming a file is exit 2: test_cli.py).
    path, afile = tmp_path / "m.wasm", tmp_path / "afile"
    path.write_bytes(const_module(7))
    afile.write_text("")
    out = subprocess.run([sys.executable, "-m", "gowasm", "call", "--cache-dir", str(afile / "sub"), str(path), "f"],
                         capture_output=True, text=True)
    assert (out.returncode, out.stdout) == (0, "7\n")
    assert out.stderr.startswith("gowasm: warning: not caching compiled code in %s: it cannot be created" % (afile / "sub"))
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def test_cache_warning_is_public():
    assert issubclass(gowasm.CacheWarning, RuntimeWarning)
    assert "CacheWarning" in gowasm.__all__


@needs_root
def test_a_directory_chosen_under_another_effective_uid_is_checked_again(tmp_path):
    # A process that acts for a user by switching its effective uid to
    # theirs (and back) asks for that user's cache directory while it is
    # them: it is theirs, so it is used. Back as itself, the same directory
    # is the other user's, and the code they put in it must not run.
    one, two = const_module(1), const_module(2)
    (name, _), = entries_of(one, str(tmp_path)).items()
    (planted_code,) = entries_of(two, str(tmp_path)).values()
    base = tempfile.mkdtemp()  # under /tmp, which the other user can enter
    try:
        os.chmod(base, 0o755)
        theirs = os.path.join(base, "theirs")
        planted = os.path.join(theirs, name)
        os.makedirs(os.path.dirname(planted), 0o700)
        with open(planted, "wb") as f:
            f.write(forged(planted_code, name))
        for path in (theirs, os.path.dirname(planted), planted):
            os.lchown(path, OTHER, OTHER)
        wasm = os.path.join(base, "one.wasm")
        with open(wasm, "wb") as f:
            f.write(one)
        child = textwrap.dedent("""
            import os, sys, warnings
            import gowasm
            from gowasm import _cache, _native
            _native.load()
            os.seteuid(%d)
            assert _cache.usable_dir(sys.argv[2]) == sys.argv[2]
            os.seteuid(0)
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                with gowasm.Module(sys.argv[1], cache=sys.argv[2]) as m:
                    print(m.f())
            print([str(x.message) for x in w if x.category is gowasm.CacheWarning])
        """ % OTHER)
        out = subprocess.run([sys.executable, "-c", child, wasm, theirs], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        result, warned = out.stdout.splitlines()
        assert result == "1", "the process ran the code another user planted"
        assert "belongs to another user (uid 65534" in warned
    finally:
        shutil.rmtree(base)


def test_a_cache_path_with_a_null_byte_is_refused(tmp_path, monkeypatch):
    # C saw the path up to the null byte: the cache went to another
    # directory ("a" for "a\0b"), silently.
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="null byte"):
        Module(const_module(9), cache="a\0b")
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="file names there are always Unicode")
def test_a_cache_path_that_is_not_utf8_is_not_replaced_by_another(tmp_path):
    # The directory chosen came back with U+FFFD for each byte that is not
    # UTF-8, and that other directory was made and used.
    asked = os.fsdecode(os.fsencode(str(tmp_path)) + b"/caf\xe9")
    with pytest.warns(CacheWarning, match="UTF-8"):
        with Module(const_module(10), cache=asked) as m:
            assert m.f() == 10
    assert os.listdir(os.fsencode(str(tmp_path))) == []
