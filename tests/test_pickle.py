"""Pickling: a Module pickles as its bytes and options, an export as (module,
name), through real spawn/forkserver pools and ProcessPoolExecutor."""

import concurrent.futures
import multiprocessing
import os
import pickle
import shutil
import subprocess
import sys

import pytest

from conftest import leb128, wat
from gowasm import Module

# An import that pickles by reference (a module-level function) and a WAT
# module calling it.
CALLS_HOST = wat("""
(module
  (import "env" "add_one" (func $add_one (param i32) (result i32)))
  (func (export "twice_plus_one") (param i32) (result i32)
    (call $add_one (i32.mul (local.get 0) (i32.const 2)))))
""")


def add_one(x: int) -> int:
    return x + 1


def test_a_module_round_trips_as_its_code_and_options(reactor_wasm):
    m = Module(reactor_wasm, timeout=30, deterministic=True)
    assert m.inc() == 1
    copy = pickle.loads(pickle.dumps(m))
    assert copy is not m and copy.name == m.name == os.path.basename(reactor_wasm)
    assert copy._options == m._options
    assert copy.add(2, 3) == 5
    assert copy.inc() == 1  # its code, not its state: a fresh instance
    # Unpickling the same module again in this process gives the same instance.
    assert pickle.loads(pickle.dumps(m)) is copy


def test_an_export_pickles_as_module_and_name(reactor_wasm):
    m = Module(reactor_wasm)
    add = pickle.loads(pickle.dumps(m.add))
    assert add(20, 22) == 42 and add.wasm_signature == "add(i32, i32) -> i32"
    assert add.__self__._gowasm_module.add is add  # the export of the unpickled module
    sum5 = pickle.loads(pickle.dumps(m.sum5))  # a general-path export
    assert sum5(1, 2, 3, 4, 5) == 15
    assert pickle.loads(pickle.dumps(m.exports)) is not None


def test_bytes_modules_and_importable_host_functions_pickle(reactor_wasm):
    m = Module(CALLS_HOST, imports={"env": {"add_one": add_one}}, name="calls-host")
    data = pickle.dumps(m.twice_plus_one)
    assert b"add_one" in data and len(data) < len(CALLS_HOST) + 1000  # by reference
    assert len(pickle.dumps(Module(reactor_wasm).add)) < 2000  # a file: its path and hash
    f = pickle.loads(data)
    assert f(20) == 41 and f.__self__._gowasm_module.name == "calls-host"


def test_what_cannot_cross_to_another_process_is_named(tmp_path, reactor_wasm):
    m = Module(CALLS_HOST, imports={"env": {"add_one": lambda x: x + 1}})
    with pytest.raises(pickle.PicklingError, match=r"host function env\.add_one .*lambda.* not an importable"):
        pickle.dumps(m.twice_plus_one)
    with open(tmp_path / "out.txt", "w") as out:
        with pytest.raises(pickle.PicklingError, match=r"stdout=.*out\.txt.* stream of this process"):
            pickle.dumps(Module(reactor_wasm, stdout=out))
    copy = tmp_path / "r.wasm"
    shutil.copy(reactor_wasm, copy)
    changed = Module(str(copy))
    copy.write_bytes(CALLS_HOST)
    with pytest.raises(pickle.PicklingError, match=r"changed since it was loaded"):
        pickle.dumps(changed)
    copy.unlink()
    with pytest.raises(pickle.PicklingError, match=r"cannot be read again"):
        pickle.dumps(changed)


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_pool_starmap_of_an_export(method, reactor_wasm):
    m = Module(reactor_wasm)
    pairs = [(i, i) for i in range(200)]
    with multiprocessing.get_context(method).Pool(2) as pool:
        assert pool.starmap(m.add, pairs) == [2 * i for i in range(200)]
        assert pool.map(m.half_f32, [2.0, 4.0]) == [1.0, 2.0]


def test_process_pool_executor(reactor_wasm):
    m = Module(reactor_wasm)
    with open(reactor_wasm, "rb") as f:
        from_bytes = Module(f.read())  # pickles as its bytes
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx) as ex:
        assert list(ex.map(m.add, range(50), range(50))) == [2 * i for i in range(50)]
        assert ex.submit(m.mul_f64, 1.5, 4.0).result() == 6.0
        assert ex.submit(from_bytes.add64, 2**40, 1).result() == 2**40 + 1


def test_unpickling_where_the_file_is_missing_says_so(tmp_path, reactor_wasm):
    copy = tmp_path / "gone.wasm"
    shutil.copy(reactor_wasm, copy)
    data = pickle.dumps(Module(str(copy), name="gone").add)
    copy.unlink()
    code = "import pickle, sys; pickle.loads(sys.stdin.buffer.read())"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    r = subprocess.run([sys.executable, "-c", code], input=data, capture_output=True, env=env, timeout=60)
    assert r.returncode == 1
    assert b"UnpicklingError: cannot unpickle gowasm.Module gone: its file" in r.stderr, r.stderr
    assert b"pickle a module loaded from bytes" in r.stderr


def test_unpickling_compiles_from_the_disk_cache(tmp_path, reactor_wasm):
    """Measured in fresh processes: unpickling where the disk cache has the
    module is several times faster than a cold compile."""
    data = tmp_path / "m.pickle"
    data.write_bytes(pickle.dumps(Module(reactor_wasm, cache=str(tmp_path / "cache"))))
    code = ("import pickle, sys, time; t = time.perf_counter(); m = pickle.loads(open(%r, 'rb').read()); "
            "assert m.add(1, 2) == 3; print(time.perf_counter() - t)" % str(data))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))

    def unpickle_seconds() -> float:
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
        assert r.returncode == 0, r.stderr
        return float(r.stdout)

    shutil.rmtree(tmp_path / "cache")
    cold = unpickle_seconds()
    warm = min(unpickle_seconds() for _ in range(2))
    print("unpickle: cold %.3f s, warm %.3f s" % (cold, warm))
    assert warm < cold / 2, (cold, warm)


def test_typed_functions_pickle_as_their_export_and_types(greet_wasm, reactor_wasm):
    m = Module(greet_wasm)
    greet = pickle.loads(pickle.dumps(m.greet))  # typed by the guest's own description
    assert greet("pickle") == "Hello, pickle!" and greet.__qualname__ == m.greet.__qualname__
    add = Module(reactor_wasm).add.typed(int, int, returns=int)
    assert pickle.loads(pickle.dumps(add))(a := 2, 3) == a + 3
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        assert pool.map(m.greet, ["a", "b"]) == ["Hello, a!", "Hello, b!"]
    with pytest.raises(TypeError, match=r"^add\(p0: int, p1: int\) -> int\(\) takes 2 positional arguments but 3 were given"):
        add(1, 2, 3)


def test_from_go_exports_pickle(tmp_path):
    """Module.from_go's bindings (typed, framed, range-checked, variadic)
    pickle as (module, name) like every export; the module as its bytes."""
    from gowasm import Module as M

    if not hasattr(M, "from_go") or shutil.which("go") is None:
        pytest.skip("needs Module.from_go and Go")
    from conftest import ROOT

    m = M.from_go(os.path.join(ROOT, "tests", "gopkgs", "mathlib"))
    for name, args, want in [("Sum", (2, 3), 5), ("Upper", ("go",), "GO"), ("DivMod", (7, 2), (3, 1)),
                             ("Int8", (-5,), -5), ("Join", ("a", "b"), "ab")]:
        f = pickle.loads(pickle.dumps(getattr(m, name)))
        assert f(*args) == want and f is f.module.exports[name], name
    with pytest.raises(TypeError, match=r"^Int8\(\) takes 1 positional argument but 2 were given"):
        m.Int8(1, 2)


def test_a_module_left_unusable_is_not_handed_out_again(reactor_wasm):
    """A pool worker whose task trapped gets a new instance for its next task."""
    data = pickle.dumps(Module(reactor_wasm).boom)
    boom = pickle.loads(data)
    assert pickle.loads(data) is boom
    from gowasm import ModuleClosedError, Trap

    with pytest.raises(Trap):
        boom()
    with pytest.raises(ModuleClosedError):
        boom()
    fresh = pickle.loads(data)
    assert fresh is not boom and fresh.__self__._gowasm_module.add(1, 2) == 3


def _padded_to(wasm: bytes, size: int) -> bytes:
    """``wasm`` with a custom section that makes it ``size`` bytes long."""
    for payload in range(size - len(wasm), -1, -1):
        content = b"\x03pad" + b"\0" * payload
        padded = wasm + b"\x00" + leb128(len(content)) + content
        if len(padded) == size:
            return padded
    raise AssertionError("cannot pad to %d bytes" % size)


MULTIPLIES = wat('(module (func (export "add") (param i32 i32) (result i32) (i32.mul (local.get 0) (local.get 1))))')


def test_a_file_rewritten_in_place_never_pickles_into_other_code(tmp_path, reactor_wasm):
    # Same size, same inode, mtime put back: the pickle names the bytes that
    # loaded (hashed then), not what the file holds when it is pickled.
    path = tmp_path / "m.wasm"
    shutil.copy(reactor_wasm, path)
    m = Module(str(path))
    before = os.stat(path)
    with open(path, "r+b") as f:
        f.write(_padded_to(MULTIPLIES, before.st_size))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_size, after.st_ino, after.st_mtime_ns) == (before.st_size, before.st_ino, before.st_mtime_ns)
    assert Module(str(path)).add(2, 3) == 6  # the file now holds other code
    with pytest.raises(pickle.PicklingError, match=r"changed since it was loaded"):
        pickle.dumps(m.add)
    assert m.add(2, 3) == 5


def test_a_pickle_made_before_its_file_changed_does_not_unpickle(tmp_path, reactor_wasm):
    path = tmp_path / "m.wasm"
    shutil.copy(reactor_wasm, path)
    data = pickle.dumps(Module(str(path)).add)
    before = os.stat(path)
    with open(path, "r+b") as f:
        f.write(_padded_to(MULTIPLIES, before.st_size))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    with pytest.raises(pickle.UnpicklingError, match="not the one pickled"):
        pickle.loads(data)


class _Forged:
    """Pickles as gowasm's unpickler called with the bytes of one module
    and the hash of another."""

    def __init__(self, sha256, wasm, options):
        self.args = (None, sha256, wasm, options)

    def __reduce__(self):
        from gowasm import _pickle

        return (_pickle.load, self.args)


def test_a_bytes_pickle_is_checked_against_its_hash(reactor_wasm):
    import hashlib

    with open(reactor_wasm, "rb") as f:
        genuine = Module(f.read(), name="genuine")
    options = dict(genuine._options)
    sha = hashlib.sha256(genuine._origin.data).hexdigest()
    forged = pickle.dumps(_Forged(sha, _padded_to(MULTIPLIES, 100), options))
    with pytest.raises(pickle.UnpicklingError, match="not the bytes pickled"):
        pickle.loads(forged)
    # The forged pickle did not take the genuine module's place in this
    # process' instances: unpickling the genuine one runs its own code.
    assert pickle.loads(pickle.dumps(genuine)).add(2, 3) == 5


@pytest.mark.parametrize("interruptible", [False, True])
def test_the_hash_a_module_pickles_with_is_of_the_bytes_that_loaded(reactor_wasm, interruptible):
    import hashlib

    with open(reactor_wasm, "rb") as f:
        wasm = f.read()
    for source in (reactor_wasm, wasm):
        m = Module(source, interruptible=interruptible)  # instrumented or not, the hash is of the bytes given
        assert m.__dask_tokenize__()[1] == hashlib.sha256(wasm).hexdigest()
        assert hashlib.sha256(wasm).hexdigest().encode() in pickle.dumps(m)


# Pickles name these functions by module and qualified name: a pickle made
# by an earlier gowasm (a Dask scheduler's, a file's) loads only while they
# keep those names. Moving one leaves an alias at its old name.
PICKLED_NAMES = {"gowasm._pickle load", "gowasm._func owner_of", "gowasm._func described_owner_of",
                 "gowasm._typed _typed_owner"}


def _globals(obj):
    import pickletools

    return {arg for op, arg, _ in pickletools.genops(pickle.dumps(obj, protocol=2)) if op.name == "GLOBAL"}


def test_pickles_name_gowasm_functions_that_keep_their_names(reactor_wasm, greet_wasm):
    m = Module(reactor_wasm)
    names = _globals(m) | _globals(m.add) | _globals(m.add.typed(int, int, returns=int)) | _globals(
        Module(greet_wasm).greet)
    assert {n for n in names if n.startswith("gowasm")} <= PICKLED_NAMES
    assert {"gowasm._pickle load", "gowasm._func owner_of", "gowasm._typed _typed_owner"} <= names


def test_a_pickle_written_by_hand_with_those_names_loads(greet_wasm):
    # Opcodes, not pickle.dumps: the bytes stay what they were when written.
    import hashlib
    import struct

    def text(s):
        return b"X" + struct.pack("<I", len(s.encode())) + s.encode()

    def call(module, name, *args):
        return b"c" + module.encode() + b"\n" + name.encode() + b"\n(" + b"".join(args) + b"tR"

    with open(greet_wasm, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    module = call("gowasm._pickle", "load", text(os.path.abspath(greet_wasm)), text(sha), b"N", b"}")
    add = pickle.loads(call("builtins", "getattr", call("gowasm._func", "owner_of", module), text("add")) + b".")
    assert add(20, 22) == 42 and add.name == "add"
    greet = pickle.loads(call("builtins", "getattr", call("gowasm._func", "described_owner_of", module),
                              text("greet")) + b".")
    assert greet("pickle") == greet.module.greet("pickle") and "pickle" in greet("pickle")
