"""Builds Go guests (wasm modules) from source, cached by content.

Used by the example, the tests and the benchmarks:

    python scripts/goguest.py examples/sum          # prints the .wasm path

A guest is a Go package built with GOOS=wasip1 GOARCH=wasm, as a reactor
(-buildmode=c-shared) unless told otherwise. The output lands in
.cache/guests/<name>-<hash>.wasm, where the hash covers the sources, the
build mode, the Go version and gowasm's guest package, so an unchanged
guest is never rebuilt.

With no Go on PATH (scripts/test-wheel.sh tests an installed wheel so),
build() returns the guest last built from the same sources, as recorded in
.cache/guests/index.json, and fails only when there is none.
"""

import json

import hashlib
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(ROOT, ".cache", "guests")
INDEX = os.path.join(CACHE, "index.json")


def go_version(go: str) -> str:
    return subprocess.run([go, "env", "GOVERSION"], capture_output=True, text=True, check=True).stdout.strip()


def sources_digest(package_dir: str, reactor: bool) -> str:
    """A hash of the guest's own files, gowasm's guest package (which it may
    import) and the build mode: everything but the Go version."""
    digest = hashlib.sha256()
    digest.update(("reactor=%s" % reactor).encode())
    for folder in (package_dir, os.path.join(ROOT, "guest")):
        for name in sorted(os.listdir(folder)):
            if name.endswith((".go", ".mod", ".sum")):
                digest.update(name.encode())
                with open(os.path.join(folder, name), "rb") as f:
                    digest.update(f.read())
    return digest.hexdigest()


def _read_index() -> dict:
    try:
        with open(INDEX) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def _record(sources: str, out: str) -> None:
    index = _read_index()
    if index.get(sources) == os.path.basename(out):
        return
    index[sources] = os.path.basename(out)
    tmp = INDEX + ".tmp%d" % os.getpid()
    with open(tmp, "w") as f:
        json.dump(index, f, indent=0, sort_keys=True)
    os.replace(tmp, INDEX)


def build(package_dir: str, reactor: bool = True) -> str:
    """Returns the path of the built .wasm for the Go package in package_dir."""
    package_dir = os.path.abspath(package_dir)
    sources = sources_digest(package_dir, reactor)
    go = shutil.which("go")
    if go is None:
        built = os.path.join(CACHE, _read_index().get(sources, "none"))
        if os.path.exists(built):
            return built
        raise RuntimeError("building Go guests needs Go 1.24+ on PATH (%s was not built beforehand)" % package_dir)
    digest = hashlib.sha256((sources + go_version(go)).encode())
    out = os.path.join(CACHE, "%s-%s.wasm" % (os.path.basename(package_dir), digest.hexdigest()[:16]))
    if os.path.exists(out):
        _record(sources, out)
        return out
    os.makedirs(CACHE, exist_ok=True)
    tmp = out + ".tmp%d" % os.getpid()
    cmd = [go, "build", "-o", tmp]
    if reactor:
        cmd.append("-buildmode=c-shared")
    cmd.append(".")
    env = dict(os.environ, GOOS="wasip1", GOARCH="wasm", CGO_ENABLED="0")
    result = subprocess.run(cmd, cwd=package_dir, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError("building guest %s failed:\n%s" % (package_dir, result.stderr))
    os.replace(tmp, out)
    _record(sources, out)
    return out


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--command"]
    for pkg in args:
        print(build(pkg, reactor="--command" not in sys.argv))
