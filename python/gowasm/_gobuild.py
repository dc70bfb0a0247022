"""Building ordinary Go code into a wasm module with bindings
(:meth:`gowasm.Module.from_go`).

The pipeline, each step Go's own tool:

1. A staging module in gowasm's cache holds gowasm's guest package
   (``github.com/gowasm/gowasm/guest``, shipped inside this Python package)
   and the ``bindgen`` program built from its source (also shipped here),
   once per Go version and gowasm version.
2. A build module (a temporary directory in the cache, never the user's
   tree) requires the user's package: a local directory through a
   ``replace`` of its Go module (a directory with no go.mod gets one through
   ``go build -overlay``), a module path through ``go get``.
3. ``bindgen`` type-checks the package against Go's own export data for
   GOOS=wasip1 and writes ``//go:wasmexport`` shims that describe
   themselves (the guest package's ``gowasm_describe``).
4. ``go build -buildmode=c-shared`` makes the reactor; the .wasm lands in the
   cache under a key of everything that goes into it, so loading unchanged
   source again runs no Go at all beyond ``go env``.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional, Sequence, Tuple

from ._cache import CACHE_ENV, resolve_cache_dir, usable_dir
from ._errors import GoBuildError

#: The oldest Go that builds bindings: //go:wasmexport came in Go 1.24.
GO_MINIMUM = (1, 24)

_HERE = os.path.dirname(os.path.abspath(__file__))
_GUEST_PATH = "github.com/gowasm/gowasm"
_BINDINGS_FILE = "zz_gowasm_bindings.go"
_VIRTUAL_MODULE = "gowasmuser"  # the module of a directory that has no go.mod
_NO_VERSION = "v0.0.0-00010101000000-000000000000"
_NAMED = 10  # unexported functions an error names
# A module path's first element has a dot (github.com/...), as Go requires
# of any path it downloads.
_MODULE_PATH = re.compile(r"^[a-z0-9.-]+\.[a-z]{2,}(/[^@\s]+)*(@\S+)?$", re.I)
_EXACT_VERSION = re.compile(r"^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+incompatible)?$")

_NO_GO = ("building Go source needs Go {minimum} or newer on PATH, and there is {found}: install it from "
          "https://go.dev/dl/ (or your package manager). Prebuilt .wasm files need no Go: Module('x.wasm').")


def sources(name: str) -> str:
    """The directory of shipped Go source ``guest`` or ``bindgen``: inside the
    package when installed from a wheel, the checkout's otherwise."""
    inside = os.path.join(_HERE, "_go", name)
    if os.path.isdir(inside):
        return inside
    checkout = os.path.join(os.path.dirname(os.path.dirname(_HERE)), name)
    if os.path.isdir(checkout):
        return checkout
    raise GoBuildError("gowasm's Go sources (%s) are missing from this installation: reinstall gowasm" % name)


def _go_files(directory: str) -> List[str]:
    return sorted(f for f in os.listdir(directory) if f.endswith(".go") and not f.endswith("_test.go"))


class Toolchain:
    """The Go (or TinyGo) toolchain on PATH, and its version."""

    def __init__(self, tinygo: bool = False) -> None:
        go = shutil.which("go")
        if go is None:
            raise GoBuildError(_NO_GO.format(minimum="%d.%d" % GO_MINIMUM, found="none"))
        self.go: str = go
        env = self.env(host=True)
        out = _run([self.go, "env", "GOVERSION"], None, env, "go env").strip()
        # "go1.26.8", or a development toolchain's "devel go1.27-4a3b2c1 ...".
        m = re.match(r"(?:devel )?go(\d+)\.(\d+)(?:\.(\d+))?", out)
        if not m or (int(m.group(1)), int(m.group(2))) < GO_MINIMUM:
            raise GoBuildError(_NO_GO.format(minimum="%d.%d" % GO_MINIMUM, found=out or "an unknown version"))
        self.version = out
        # The go line of generated go.mod files: this toolchain's, so no
        # dependency can need a newer one than the build module says.
        self.go_line = ".".join(g for g in m.groups() if g is not None)
        self.tinygo_path: Optional[str] = None
        if tinygo:
            self.tinygo_path = shutil.which("tinygo")
            if self.tinygo_path is None:
                raise GoBuildError("tinygo=True needs TinyGo on PATH (https://tinygo.org/getting-started/); "
                                   "without it, from_go builds with Go")
            self.version += " " + _run([self.tinygo_path, "version"], None, env, "tinygo version").strip()

    @staticmethod
    def env(host: bool = False) -> Dict[str, str]:
        """The environment of Go commands: the wasm target unless ``host``,
        no workspace, module mode (whatever GO111MODULE the user left set for
        GOPATH work), and go.mod updates allowed in gowasm's own modules."""
        env = dict(os.environ)
        for key in ("GOOS", "GOARCH", "GOWORK", "GOFLAGS"):
            env.pop(key, None)
        env.update(GOWORK="off", GO111MODULE="on")
        if not host:
            env.update(GOOS="wasip1", GOARCH="wasm", GOFLAGS="-mod=mod", CGO_ENABLED="0")
        return env


def _run(cmd: Sequence[str], cwd: Optional[str], env: Dict[str, str], what: str) -> str:
    try:
        p = subprocess.run(list(cmd), cwd=cwd, env=env, capture_output=True, text=True, errors="replace")
    except OSError as e:
        raise GoBuildError("%s: %s" % (what, e)) from None
    if p.returncode != 0:
        out = (p.stderr or p.stdout).strip()
        raise GoBuildError("%s failed:\n%s" % (what, _user_paths(out, cwd) if cwd else out))
    return p.stdout


# A path Go printed relative to the directory it ran in ("../../src/b.go"):
# Go shortens a file's path that way when that is shorter than the absolute one.
_RELATIVE = re.compile(r"(?<![\w./\\])(?:\.\.[/\\])+[^\s:\"'()]+")


def _user_paths(message: str, cwd: str) -> str:
    """``message`` with the paths Go made relative to ``cwd`` (gowasm's build
    directory, which no editor can open) relative to the current directory
    when the file is below it, else absolute."""
    def repl(m: "re.Match[str]") -> str:
        path = os.path.normpath(os.path.join(cwd, m.group(0)))
        if not os.path.exists(path):
            return m.group(0)
        here = os.getcwd()
        try:
            rel = os.path.relpath(path, here)
        except ValueError:  # another drive (Windows)
            return path
        return path if rel.startswith(os.pardir) else rel

    return _RELATIVE.sub(repl, message)


def _hash_files(h: "hashlib._Hash", directory: str, names: Sequence[str]) -> None:
    for name in names:
        h.update(name.encode() + b"\0")
        with open(os.path.join(directory, name), "rb") as f:
            h.update(f.read() + b"\0")


class Stage:
    """gowasm's Go side for builds: the guest package as a module, and the
    bindgen binary, in the cache, per Go version and source hash."""

    def __init__(self, tools: Toolchain, root: str) -> None:
        guest, bindgen = sources("guest"), sources("bindgen")
        self.digest = _stage_digest(tools)
        self.dir = os.path.join(root, "stage-" + self.digest[:16])
        self.module = os.path.join(self.dir, "gowasm")
        self.bindgen = os.path.join(self.dir, "bindgen" + (".exe" if sys.platform == "win32" else ""))
        if not os.path.exists(self.bindgen):
            self._make(tools, guest, bindgen)
        _touch(self.dir)

    def _make(self, tools: Toolchain, guest: str, bindgen: str) -> None:
        os.makedirs(os.path.dirname(self.dir), exist_ok=True)
        # build-: a process killed midway leaves it to _remove_stale_work
        # (stage- would pass for a finished stage, never swept).
        tmp = tempfile.mkdtemp(prefix="build-stage-", dir=os.path.dirname(self.dir))
        try:
            _copy_module(guest, os.path.join(tmp, "gowasm", "guest"), os.path.join(tmp, "gowasm"), _GUEST_PATH)
            src = os.path.join(tmp, "bindgen-src")
            _copy_module(bindgen, src, src, "gowasm.invalid/bindgen")
            _run([tools.go, "build", "-trimpath", "-o", os.path.join(tmp, os.path.basename(self.bindgen)), "."],
                 src, tools.env(host=True), "building gowasm's bindgen")
            try:
                os.rename(tmp, self.dir)
            except OSError:  # another process made it first
                pass
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _copy_module(src: str, dest: str, module_dir: str, module_path: str) -> None:
    os.makedirs(dest, exist_ok=True)
    for name in _go_files(src):
        shutil.copy2(os.path.join(src, name), os.path.join(dest, name))
    with open(os.path.join(module_dir, "go.mod"), "w") as f:
        f.write("module %s\n\ngo %d.%d\n" % ((module_path,) + GO_MINIMUM))


class Source:
    """What to build: a local directory or a module path, and the key of
    its content (None when it can't be known without asking the network)."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self.directory: Optional[str] = None
        # The replace directives of the package's go.mod, for the build
        # module's: (old, new), new an absolute directory or "path version".
        self.replaces: List[Tuple[str, str]] = []
        self.module_root: Optional[str] = None
        self.module_path = ""
        self.import_path = ""
        if os.path.isdir(spec):
            self._local(os.path.abspath(spec))
        elif _MODULE_PATH.match(spec) and not os.path.exists(spec):
            self.import_path, _, self.version = spec.partition("@")
            self.version = self.version or "latest"
        else:
            raise GoBuildError("from_go takes a directory of Go code or a module path such as "
                               "github.com/dustin/go-humanize@v1.0.1; %r is neither" % spec)

    def _local(self, directory: str) -> None:
        self.directory = directory
        if not any(f.endswith(".go") for f in os.listdir(directory)):
            raise GoBuildError("%s has no .go files" % directory)
        root = directory
        while not os.path.isfile(os.path.join(root, "go.mod")):
            parent = os.path.dirname(root)
            if parent == root:
                self.module_root, self.module_path, self.import_path = directory, _VIRTUAL_MODULE, _VIRTUAL_MODULE
                return
            root = parent
        self.module_root = root
        with open(os.path.join(root, "go.mod"), encoding="utf-8", errors="replace") as f:
            gomod = f.read()
        m = re.search(r"^\s*module\s+\"?([^\s\"]+)", gomod, re.M)
        if not m:
            raise GoBuildError("%s has no module line" % os.path.join(root, "go.mod"))
        self.module_path = m.group(1)
        self.replaces = _replaces(gomod, root)
        rel = os.path.relpath(directory, root).replace(os.sep, "/")
        self.import_path = self.module_path if rel == "." else self.module_path + "/" + rel

    @property
    def has_go_mod(self) -> bool:
        return self.module_path != _VIRTUAL_MODULE

    @property
    def name(self) -> str:
        """What the module is called in messages: its directory's name, or
        its path's last element that is not a major version suffix
        (.../semver/v3 is semver)."""
        if self.directory is not None:
            return os.path.basename(self.directory)
        parts = self.import_path.split("/")
        return parts[-2] if len(parts) > 2 and re.fullmatch(r"v[2-9]|v[1-9][0-9]+", parts[-1]) else parts[-1]

    @property
    def label(self) -> str:
        """The package as messages name it: its import path, or its
        directory when it has no go.mod (not the module made up for it)."""
        return self.import_path if self.has_go_mod else str(self.directory)

    def key(self) -> Optional[str]:
        """A hash of everything of the source that goes into the build."""
        h = hashlib.sha256(self.spec.encode() + b"\0")
        if self.directory is None:
            if not _EXACT_VERSION.match(self.version):
                return None  # @latest, a branch: only the network knows
            return h.hexdigest()
        assert self.module_root is not None
        # Paths, sizes and modification times: cheap to read, and they change
        # whenever the content does. In a Go module: its Go files, go.mod and
        # go.sum (a package may import any package of its module); without
        # go.mod, none of those (it can import nothing else local).
        def add(dirpath: str, name: str) -> None:
            st = os.stat(os.path.join(dirpath, name))
            h.update(("%s\0%d\0%d\0" % (os.path.join(dirpath, name), st.st_size, st.st_mtime_ns)).encode())

        # The same of each module go.mod replaces with a directory.
        roots = [self.module_root] if self.has_go_mod else []
        roots += [new for _, new in self.replaces if os.path.isabs(new)]
        for root in roots:
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")) and d != "testdata")
                for name in sorted(filenames):
                    if name.endswith((".go", "go.mod", "go.sum")):
                        add(dirpath, name)
        # Then every file of the package's directory and of the directories
        # below it, which //go:embed can name (static/, testdata/...), but
        # hidden ones and nested modules (embed cannot reach into those).
        # Walked apart from the module: the package itself may sit in a
        # testdata/ or _x/ directory that the walk above skips, as Go's
        # patterns do, though Go builds it by its import path.
        for dirpath, dirnames, filenames in os.walk(self.directory):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and
                                 not os.path.exists(os.path.join(dirpath, d, "go.mod")))
            for name in sorted(filenames):
                add(dirpath, name)
        return h.hexdigest()


def _replaces(gomod: str, root: str) -> List[Tuple[str, str]]:
    """The replace directives of go.mod text ``gomod`` in directory ``root``,
    one line or in a block: Go honours only the main module's, and in a build
    the user's module is not the main module, so the build module repeats
    them (a monorepo's ``replace example.com/dep => ../dep`` would otherwise
    send Go to the proxy). A directory comes out absolute."""
    out: List[Tuple[str, str]] = []
    block = False
    for line in gomod.splitlines():
        words = [w.strip('"`') for w in line.split("//", 1)[0].split()]
        if not words:
            continue
        if block:
            if words == [")"]:
                block = False
                continue
        elif words[0] == "replace":
            if words[1:] == ["("]:
                block = True
                continue
            words = words[1:]
        else:
            continue
        if "=>" not in words:
            continue
        i = words.index("=>")
        old, new = words[:i], words[i + 1:]
        if not old or not new:
            continue
        if len(new) == 1:  # no version: a directory, relative to go.mod's
            new = [os.path.normpath(os.path.join(root, new[0]))]
        out.append((" ".join(old), " ".join(new)))
    return out


def _root(cache_dir: Optional[str]) -> str:
    """The directory stages and builds live in: ``go`` in the cache
    directory ``cache_dir`` (None: the default one), where the cache rule
    allows it. Everything from_go runs (bindgen) and loads (the .wasm) comes
    from there, so it must be the user's alone: never a shared temporary
    path, where another user could plant them first."""
    base = resolve_cache_dir(True if cache_dir is None else cache_dir)
    root = usable_dir(os.path.join(base, "go")) if base else None
    if root is None:
        raise GoBuildError("building Go code needs a cache directory only you can write to, and there is none (%s is "
                           "empty, or the directory is not yours: see the warning); set %s to one" % (CACHE_ENV, CACHE_ENV))
    return root


def guest_module(cache_dir: Optional[str] = None) -> str:
    """The directory of a Go module github.com/gowasm/gowasm holding the
    guest package, for hand-written guests to ``replace`` the module with
    (the Go module proxy does not serve it)."""
    return Stage(Toolchain(), _root(cache_dir)).module


def build(spec: "str | Source", *, tinygo: bool = False, flags: Sequence[str] = (),
          cache_dir: Optional[str] = None, reserved: Sequence[str] = ()) -> str:
    """Builds ``spec`` (a directory or a module path, or its Source) with
    bindings and returns the path of the .wasm in the cache. Functions
    named in ``reserved`` (the Module's own attributes) are not bound."""
    src = spec if isinstance(spec, Source) else Source(spec)
    tools = Toolchain(tinygo)
    root = _root(cache_dir)
    # Of the environment, what changes the code Go writes for wasm (the rest
    # it sets or does not read: GOOS, GOARCH, GOFLAGS, CGO_ENABLED).
    config = "\0".join([repr(tinygo), repr(list(flags)), repr(sorted(reserved))]
                       + [os.environ.get(k, "") for k in ("GOWASM", "GOEXPERIMENT")])
    # <where>-<what>.wasm: one build kept per source location and build
    # configuration (older ones are deleted once a new one is in place; a
    # location built two ways keeps both, or each would evict the other),
    # keyed by its content.
    where = hashlib.sha256(((src.directory or src.import_path) + "\0" + config).encode()).hexdigest()[:12]
    content = src.key()
    key = "latest"
    if content is not None:
        key = hashlib.sha256("\0".join([content, _stage_digest(tools), config]).encode()).hexdigest()[:24]
        cached = os.path.join(root, "%s-%s.wasm" % (where, key))
        if os.path.exists(cached):
            _touch(cached)
            return cached
    stage = Stage(tools, root)
    _remove_stale_work(root)
    work = tempfile.mkdtemp(prefix="build-", dir=root)
    try:
        wasm = _build_in(work, src, tools, stage, flags, reserved)
        final = os.path.join(root, "%s-%s.wasm" % (where, key))
        os.replace(wasm, final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for name in os.listdir(root):
        if name.startswith(where + "-") and name.endswith(".wasm") and name != os.path.basename(final):
            try:
                os.remove(os.path.join(root, name))
            except OSError:  # in use (Windows), or another process's: it goes next time
                pass
    return final


def _touch(path: str) -> None:
    """Marks a cache entry used now (see _remove_stale_work)."""
    try:
        os.utime(path)
    except OSError:
        pass


#: How long an unused stage (another Go or gowasm version's) or build (of a
#: source that is gone, or not loaded since) stays in the cache.
UNUSED_DAYS = 30


def _remove_stale_work(root: str, age: float = 24 * 3600) -> None:
    """Build directories a killed process left behind (a day old), and
    stages and builds nothing has used for UNUSED_DAYS (a build's time is
    refreshed each time it is loaded; see build)."""
    now = time.time()
    for name in os.listdir(root):
        path = os.path.join(root, name)
        try:
            idle = now - os.stat(path).st_mtime
            if name.startswith("build-") and idle > age:
                shutil.rmtree(path, ignore_errors=True)
            elif name.startswith("stage-") and idle > UNUSED_DAYS * 86400:
                shutil.rmtree(path, ignore_errors=True)
            elif name.endswith(".wasm") and idle > UNUSED_DAYS * 86400:
                os.remove(path)
        except OSError:
            pass


def _stage_digest(tools: Toolchain) -> str:
    """The toolchain and gowasm's shipped Go sources, hashed: a new Go or a
    new gowasm rebuilds bindings."""
    h = hashlib.sha256(tools.version.encode())
    for name in ("guest", "bindgen"):
        d = sources(name)
        _hash_files(h, d, _go_files(d))
    return h.hexdigest()


def _build_in(work: str, src: Source, tools: Toolchain, stage: Stage, flags: Sequence[str],
              reserved: Sequence[str]) -> str:
    env = tools.env()
    requires = ["github.com/gowasm/gowasm " + _NO_VERSION]
    replaces = ["github.com/gowasm/gowasm => " + _gomod_path(stage.module)]
    overlay: Dict[str, str] = {}
    if src.directory is not None:
        assert src.module_root is not None
        requires.append("%s %s" % (src.module_path, _NO_VERSION))
        replaces.append("%s => %s" % (src.module_path, _gomod_path(src.module_root)))
        replaces += ["%s => %s" % (old, _gomod_path(new) if os.path.isabs(new) else new)
                     for old, new in src.replaces
                     if old.split()[0] not in (src.module_path, _GUEST_PATH)]
        if not src.has_go_mod:
            virtual = os.path.join(work, "user.go.mod")
            with open(virtual, "w") as f:
                f.write("module %s\n\ngo %s\n" % (_VIRTUAL_MODULE, tools.go_line))
            overlay[os.path.join(src.module_root, "go.mod")] = virtual
        elif os.path.exists(os.path.join(src.module_root, "go.sum")):
            shutil.copy(os.path.join(src.module_root, "go.sum"), os.path.join(work, "go.sum"))
    with open(os.path.join(work, "go.mod"), "w") as f:
        f.write("module gowasmbind\n\ngo %s\n\n" % tools.go_line)
        f.write("".join("require %s\n" % r for r in requires))
        f.write("".join("replace %s\n" % r for r in replaces))
    if src.directory is None:
        _run([tools.go, "get", "%s@%s" % (src.import_path, src.version)], work, env,
             "go get %s@%s (fetching it through the Go module proxy)" % (src.import_path, src.version))
    overlay_file = os.path.join(work, "overlay.json")

    def write_overlay() -> List[str]:
        if not overlay:
            return []
        with open(overlay_file, "w") as f:
            json.dump({"Replace": overlay}, f)
        return ["-overlay", overlay_file]

    generated = os.path.join(work, "bindings.go.txt")
    # The build flags go to bindgen's go list too, so that it type-checks
    # the files the build compiles (-tags=pro). TinyGo's own flags (-opt,
    # -scheduler...) mean nothing to go list: only its -tags go.
    listed = [f for f in flags if tools.tinygo_path is None or f.startswith("-tags")]
    try:
        report = json.loads(_run([stage.bindgen, "-pkg", src.import_path, "-o", generated, "-reserved", ",".join(reserved)]
                                 + write_overlay() + ["--"] + listed, work, env,
                                 "reading the Go package %s for GOOS=wasip1 GOARCH=wasm" % src.label))
    except GoBuildError as e:
        if "build constraints exclude all Go files" in str(e):
            raise GoBuildError("%s\n(gowasm builds for GOOS=wasip1 GOARCH=wasm with CGO_ENABLED=0: files for other "
                               "systems, or that import \"C\", are left out)" % e) from None
        raise
    if report["same_package"]:
        overlay[os.path.join(report["dir"], _BINDINGS_FILE)] = generated
        target = src.import_path
    else:
        os.replace(generated, os.path.join(work, "main.go"))
        target = "."
    if not report["functions"]:
        reasons = "".join("\n  %s: %s" % kv for kv in sorted(report["skipped"].items()))
        unexported = report.get("unexported") or []
        if unexported:
            # The seed's own mistake: func sum in a library package.
            first = unexported[0]
            reasons += ("\n  %s: unexported. Go exports only capitalised names: rename %s to %s to bind it "
                        "(or make the package a program, package main, whose functions bind whatever their case)") % (
                ", ".join(unexported[:_NAMED]) + (", ..." if len(unexported) > _NAMED else ""),
                first, first[:1].upper() + first[1:])
        raise GoBuildError("package %s has no exported function gowasm can bind%s" % (
            src.label, (":" + reasons) if reasons else " (it exports no functions)"))
    out = os.path.join(work, "out.wasm")
    if tools.tinygo_path is not None:
        if overlay:
            raise GoBuildError("TinyGo cannot build %s: a main package, or a directory without go.mod, needs "
                               "go build -overlay, which TinyGo lacks; build it with Go" % src.spec)
        cmd = [tools.tinygo_path, "build", "-target=wasip1", "-buildmode=c-shared", "-o", out] + list(flags) + [target]
    else:
        cmd = [tools.go, "build", "-buildmode=c-shared", "-trimpath", "-o", out] + write_overlay() + list(flags) + [target]
    _run(cmd, work, env, "building %s for wasm" % src.spec)
    return out


def _gomod_path(path: str) -> str:
    """A directory as a go.mod replace target: forward slashes, and always
    quoted, as a Go string literal (JSON's escapes are Go's), since go.mod
    refuses a quote, a space or a tab in an unquoted path."""
    return json.dumps(path.replace(os.sep, "/"), ensure_ascii=False)


def check_flags(flags: Sequence[str]) -> Tuple[str, ...]:
    """Build flags as a tuple of strings (a string alone is one flag)."""
    if isinstance(flags, str):
        flags = [flags]
    out = tuple(flags)
    if not all(isinstance(f, str) for f in out):
        raise TypeError("build_flags must be strings, e.g. ['-tags=netgo']")
    return out
