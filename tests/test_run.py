"""gowasm.run: WASI programs run like subprocess.run runs processes."""

import io
import os
import subprocess
import sys
import time

import pytest

import gowasm
from gowasm import ExitError, Module, Mount, Trap, run
from conftest import corpus_path


def lines(result):
    return result.stdout.decode().splitlines()


def test_completed_process(probe_wasm):
    r = run(probe_wasm, ["args", "stderr", "oops"], capture_output=True)
    assert isinstance(r, subprocess.CompletedProcess)
    assert r.returncode == 0
    assert r.args == [probe_wasm, "args", "stderr", "oops"]
    assert r.stdout == b"args %s,args,stderr,oops\n" % os.path.basename(probe_wasm).encode()
    assert r.stderr == b"oops\n"


def test_exit_code_and_check(probe_wasm):
    assert run(probe_wasm, ["exit", "3"]).returncode == 3
    with pytest.raises(ExitError, match="exited with code 3; its stderr ends with:\nbad thing") as info:
        run(probe_wasm, ["stderr", "bad thing", "exit", "3"], capture_output=True, check=True)
    assert info.value.code == info.value.returncode == 3
    assert info.value.stderr == b"bad thing\n"
    assert run(probe_wasm, ["exit", "0"], check=True).returncode == 0


def test_output_destinations(probe_wasm, capsys, tmp_path):
    run(probe_wasm, ["args", "stderr", "e"])  # None: Python's sys.stdout/err
    out = capsys.readouterr()
    assert out.out.startswith("args ") and out.err == "e\n"
    text, binary = io.StringIO(), io.BytesIO()
    r = run(probe_wasm, ["now", "stderr", "é"], stdout=text, stderr=binary)
    assert r.stdout is None and text.getvalue().startswith("now ") and binary.getvalue() == "é\n".encode()
    r = run(probe_wasm, ["now"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert r.stdout is None and r.stderr == b""
    with open(tmp_path / "out.txt", "wb") as f:
        run(probe_wasm, ["stderr", "to file"], stderr=f)
    assert (tmp_path / "out.txt").read_bytes() == b"to file\n"
    r = run(probe_wasm, ["stderr", "é"], capture_output=True, text=True)
    assert r.stderr == "é\n"
    with pytest.raises(ValueError, match="capture_output"):
        run(probe_wasm, [], capture_output=True, stdout=subprocess.PIPE)


def test_input(probe_wasm, tmp_path):
    assert run(probe_wasm, ["cat-stdin"], input=b"abc", capture_output=True).stdout == b"abccat-stdin: 3\n"
    assert run(probe_wasm, ["cat-stdin"], input="é", text=True, capture_output=True).stdout == "écat-stdin: 2\n"
    (tmp_path / "in.txt").write_bytes(b"x" * 100000)
    with open(tmp_path / "in.txt", "rb") as f:
        assert run(probe_wasm, ["cat-stdin"], stdin=f, capture_output=True).stdout.endswith(b"cat-stdin: 100000\n")
    assert run(probe_wasm, ["cat-stdin"], stdin=io.StringIO("text"), capture_output=True).stdout == b"textcat-stdin: 4\n"
    assert run(probe_wasm, ["cat-stdin"], stdin=subprocess.DEVNULL, capture_output=True).stdout == b"cat-stdin: 0\n"
    with pytest.raises(TypeError, match="input must be bytes"):
        run(probe_wasm, [], input="str")


def test_no_host_environment_unless_asked(probe_wasm, monkeypatch):
    monkeypatch.setenv("GOWASM_TEST_SECRET", "s3cret")
    assert lines(run(probe_wasm, ["env"], capture_output=True)) == ["env "]
    assert lines(run(probe_wasm, ["env"], env={"A": "1", "B": "x=y"}, capture_output=True)) == ["env A=1,B=x=y"]
    inherited = run(probe_wasm, ["env"], inherit_env=True, env={"A": "1"}, capture_output=True).stdout.decode()
    assert "GOWASM_TEST_SECRET=s3cret" in inherited and "A=1" in inherited


@pytest.mark.parametrize("kwargs, message", [
    (dict(args=["args", "a\x00b"]), r"argv\[2\] .* contains a NUL byte"),
    (dict(args=["env"], env={"A": "x\x00y"}), r"environment entry .* contains a NUL byte"),
    (dict(args=["env"], env={"A\x00": "x"}), r"environment entry .* contains a NUL byte"),
])
def test_nul_bytes_are_refused_before_the_guest_runs(probe_wasm, reactor_wasm, kwargs, message):
    # A ValueError from the configuration, not a Trap of _start/_initialize.
    with pytest.raises(ValueError, match=message):
        run(probe_wasm, capture_output=True, **kwargs)
    with pytest.raises(ValueError, match=message):
        Module(reactor_wasm, **kwargs)


def test_bytes_arguments_and_environment_are_bytes(probe_wasm):
    # As subprocess takes them: the guest gets the bytes, not "b'...'".
    assert lines(run(probe_wasm, [b"args", bytearray(b"x y")], capture_output=True))[0].endswith(",args,x y")
    assert lines(run(probe_wasm, ["env"], env={b"A": b"1", "B": "2"}, capture_output=True)) == ["env A=1,B=2"]
    with pytest.raises(ValueError, match=r"args\[1\] is not UTF-8 \(b'\\xff'\)"):
        run(probe_wasm, ["args", b"\xff"])


def test_real_clock_by_default(probe_wasm):
    now = int(lines(run(probe_wasm, ["now"], capture_output=True))[0].split()[1])
    assert abs(now - time.time()) < 120
    fake = int(lines(run(probe_wasm, ["now"], capture_output=True, deterministic=True))[0].split()[1])
    assert abs(fake - time.time()) > 86400  # wazero's fake clock


def test_nothing_outside_the_mounts(probe_wasm, tmp_path):
    data, outside = tmp_path / "data", tmp_path / "outside"
    data.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    (data / "ok.txt").write_text("fine")
    (data / "rel_link").symlink_to("../outside/secret.txt")
    (data / "abs_link").symlink_to(outside / "secret.txt")
    (data / "dir_link").symlink_to(outside)
    (data / "inner_link").symlink_to("ok.txt")
    ops = [
        "read", "/data/ok.txt",
        "read", "/data/inner_link",
        "read", "/data/../outside/secret.txt",
        "read", "/data/../../../../etc/passwd",
        "read", str(outside / "secret.txt"),
        "read", "/data/rel_link",
        "read", "/data/abs_link",
        "read", "/data/dir_link/secret.txt",
        "ls", "/data/dir_link",
        "write", "/data/dir_link/planted.txt", "x",
        "write", "/data/abs_link", "overwritten",
        "symlink", "../outside", "/data/made_link",
        "read", "/data/made_link/secret.txt",
        "write", "/data/new.txt", "written",
    ]
    out = lines(run(probe_wasm, ops, mounts={"/data": data}, capture_output=True))
    assert out[0] == "read /data/ok.txt: fine"
    assert out[1] == "read /data/inner_link: fine"
    for line in out[2:11] + out[12:13]:
        assert ": ERR " in line, line
    assert out[11] == "symlink /data/made_link: ok"  # creating is harmless; following it is refused
    assert out[13] == "write /data/new.txt: ok"
    assert (outside / "secret.txt").read_text() == "secret"
    assert not (outside / "planted.txt").exists()
    assert (data / "new.txt").read_text() == "written"


def test_guest_made_symlink_with_a_trailing_slash_stays_inside(probe_wasm, tmp_path):
    # The reported escape: the guest makes "up -> ../outside_dir" itself, then
    # path_open("up/", O_DIRECTORY) without the follow flag, fd_readdir and
    # fd_filestat_set_times; with a host-made "etc -> /etc" it listed /etc.
    data, outside = tmp_path / "data", tmp_path / "outside_dir"
    data.mkdir()
    outside.mkdir()
    (outside / "outside_file.txt").write_text("secret")
    (data / "sub").mkdir()
    etc = tmp_path / "etc"  # a stand-in: were this to regress, rawls would touch the real /etc
    etc.mkdir()
    (etc / "passwd").write_text("root:x:0:0")
    (data / "etc").symlink_to(etc)
    mtime, etc_mtime = outside.stat().st_mtime, etc.stat().st_mtime
    ops = ["symlink", "../outside_dir", "/data/up"]
    for p in ("up/", "up//", "up/.", "etc/", "etc", "up"):
        ops += ["rawls", p]
    ops += ["rawls", "sub/"]
    out = lines(run(probe_wasm, ops, mounts={"/data": data}, capture_output=True))
    assert out[0] == "symlink /data/up: ok"  # making a link is harmless; following it is not
    for line in out[1:7]:
        assert ": ERR errno" in line, line
    assert out[7] == "rawls sub/: "  # an empty directory inside, listed and touched
    assert outside.stat().st_mtime == mtime and etc.stat().st_mtime == etc_mtime
    assert (data / "sub").stat().st_mtime == 0


@pytest.mark.slow
def test_symlink_swapped_during_reads_never_leaks(probe_wasm, tmp_path):
    # Two guests share a mount: one points "x" at a directory inside, then at
    # one outside, and back, the other reads through it. A path checked
    # before it is opened loses this race (the review saw 1,078 of 200,000
    # reads get the outside file); an open that cannot leave the mount
    # never does.
    import threading

    data, outside = tmp_path / "data", tmp_path / "outside_dir"
    (data / "sub").mkdir(parents=True)
    outside.mkdir()
    (outside / "outside_file.txt").write_text("secret")
    (data / "sub" / "outside_file.txt").write_text("inside")
    (data / "x").symlink_to("sub")
    swapper = threading.Thread(
        target=run, args=(probe_wasm, ["flip", "/data/x", "../outside_dir", "sub", "5000"]),
        kwargs={"mounts": {"/data": data}, "capture_output": True})
    swapper.start()
    try:
        out = lines(run(probe_wasm, ["readloop", "/data/x/outside_file.txt", "5000"],
                        mounts={"/data": data}, capture_output=True))
    finally:
        swapper.join()
    secret, inside = [int(part.split("=")[1]) for part in out[0].split(": ")[1].split()]
    assert secret == 0, out
    assert inside > 0, out  # the reads ran while the links moved


def test_readonly_mount(probe_wasm, tmp_path):
    (tmp_path / "f.txt").write_text("keep")
    out = lines(run(probe_wasm, ["read", "/ro/f.txt", "write", "/ro/f.txt", "x", "write", "/ro/g.txt", "y"],
                    mounts={"/ro": Mount(tmp_path, readonly=True)}, capture_output=True))
    assert out[0] == "read /ro/f.txt: keep"
    assert ": ERR " in out[1] and ": ERR " in out[2]
    assert (tmp_path / "f.txt").read_text() == "keep" and not (tmp_path / "g.txt").exists()


# WASI numbers (wasi_snapshot_preview1): oflags, rights, errnos.
O_CREAT, O_DIRECTORY, O_EXCL, O_TRUNC = 1, 2, 4, 8
RIGHT_FD_READ, FDFLAG_APPEND, LOOKUP_FOLLOW = 2, 1, 1
EBADF, EINVAL, ENOENT, EPERM = 8, 28, 44, 63


def test_readonly_mount_refuses_create_and_truncate_with_only_the_read_right(probe_wasm, tmp_path):
    # path_open with O_CREAT or O_TRUNC but only the read right asks wazero
    # for O_RDONLY|O_CREAT|O_TRUNC, which its read-only wrapper (it looks at
    # the access mode only) lets through: the guest truncated files and
    # created new ones in a readonly=True mount.
    (tmp_path / "f.txt").write_text("keep")
    (tmp_path / "d").mkdir()
    ops = []
    for path, oflags, fdflags in [("f.txt", O_TRUNC, 0), ("new.txt", O_CREAT, 0), ("f.txt", O_CREAT | O_TRUNC, 0),
                                  ("d/new.txt", O_CREAT | O_EXCL, 0), ("f.txt", 0, FDFLAG_APPEND), ("f.txt", O_TRUNC, FDFLAG_APPEND)]:
        for dirflags in (0, LOOKUP_FOLLOW):
            ops += ["rawopen", path, str(oflags), str(RIGHT_FD_READ), str(fdflags), str(dirflags)]
    ops += ["rawopen", "f.txt", "0", str(RIGHT_FD_READ), "0", "0"]
    out = lines(run(probe_wasm, ops, mounts={"/ro": Mount(tmp_path, readonly=True)}, capture_output=True))
    assert out[-1] == 'rawopen f.txt: ok "keep"', out  # reading is allowed
    assert (tmp_path / "f.txt").read_text() == "keep", out
    assert sorted(os.listdir(tmp_path)) == ["d", "f.txt"] and os.listdir(tmp_path / "d") == [], out
    for line in out[:8] + out[10:12]:  # the creating and truncating opens (O_APPEND alone writes nothing)
        assert ": ERR errno" in line, line


def test_raw_wasi_calls_stay_inside(probe_wasm, tmp_path):
    # Raw WASI calls an attacker would make (Go's os package makes none of
    # them this way): path_filestat_get and path_open of ".." and through a
    # guest-made link out, relative to the preopen and to a directory
    # descriptor; path_filestat_set_times with and without the follow flag;
    # path_link of a link out (with and without the follow flag) and through
    # it; fd_readdir's inode of ".."; fd_renumber onto and from the preopen.
    data, outside = tmp_path / "data", tmp_path / "outside_dir"
    (data / "sub").mkdir(parents=True)
    outside.mkdir()
    (outside / "outside_file.txt").write_text("secret")
    etc = tmp_path / "etc"  # an absolute link to a stand-in for /etc
    etc.mkdir()
    (etc / "passwd").write_text("root:x:0:0")
    (data / "etc").symlink_to(etc)
    before = {p: p.stat() for p in (tmp_path, outside, outside / "outside_file.txt", etc, etc / "passwd")}
    refused = [("-", "..", "0"), ("-", "..", "1"), ("-", "sub/../..", "1"), ("-", "up", "1"), ("-", "up/", "0"),
               ("sub", "..", "1"), ("sub", "../..", "1"), ("sub", "../up/outside_file.txt", "1"),
               ("-", "up/outside_file.txt", "0"), ("-", "etc/passwd", "1"), ("-", "etc/", "0")]
    ops = ["symlink", "../outside_dir", "/data/up"]
    for op in ("rawstat", "rawopenat", "rawtimes"):
        for d, p, follow in refused + [("-", "up", "0"), ("-", "etc", "0")]:
            ops += [op, d, p, follow]
    ops += ["rawstat", "-", "up/..", "1",  # wazero cleans the path: the mount itself
            "rawdots", "-", ".", "0", "rawdots", "sub", ".", "0"]
    for old, new, follow in [("up", "hard", "0"), ("up", "hard_follow", "1"), ("up/outside_file.txt", "stolen", "0"),
                             ("up/outside_file.txt", "stolen", "1"), ("etc/passwd", "stolen", "1"), ("up/", "stolen", "0")]:
        ops += ["rawlink", old, new, follow]
    ops += ["rawopenat", "-", "hard/outside_file.txt", "1", "rawopenat", "-", "hard_follow", "1",
            "rawrenumber", "sub"]
    out = lines(run(probe_wasm, ops, mounts={"/data": data}, capture_output=True))
    assert out[0] == "symlink /data/up: ok"
    n = len(refused) + 2
    stats, opens, times, rest = out[1:1 + n], out[1 + n:1 + 2 * n], out[1 + 2 * n:1 + 3 * n], out[1 + 3 * n:]
    for line in stats[:-2] + opens + times[:-2]:
        assert ": ERR " in line, line
    assert times[-2:] == ["rawtimes - up: ok", "rawtimes - etc: ok"], times  # the links' own times, inside
    assert os.lstat(data / "up").st_mtime == os.lstat(data / "etc").st_mtime == 0
    assert stats[-2].endswith(" type=7") and stats[-1].endswith(" type=7"), stats  # the links themselves, inside
    assert rest[0] == "rawstat - up/..: ino=%d type=3" % data.stat().st_ino
    dots = dict(e.split("=") for e in rest[1].split(": ")[1].split(" (")[0].split(","))
    assert dots["."] == str(data.stat().st_ino) and dots[".."] == "0", rest[1]  # nothing of the parent
    assert rest[2].startswith("rawdots sub .: .=%d,..=0 " % (data / "sub").stat().st_ino), rest[2]
    # Linking a link links the link itself; asked to follow it, path_link refuses (EINVAL, as wasmtime).
    assert rest[3:9] == ["rawlink up hard: errno 0", "rawlink up hard_follow: errno %d" % EINVAL] + [
        "rawlink %s stolen: errno %d" % (p, e) for p, e in (("up/outside_file.txt", EPERM), ("up/outside_file.txt", EINVAL),
                                                             ("etc/passwd", EINVAL), ("up/", EPERM))]
    assert (data / "hard").is_symlink() and not os.path.lexists(data / "hard_follow") and not (data / "stolen").exists()
    assert ": ERR " in rest[9] and ": ERR " in rest[10], rest[9:11]
    # A directory renumbered onto the preopen is that directory, not the mount: nothing above it is reachable.
    assert rest[11] == "rawrenumber sub: onto=0 again=%d away=%d ino=%d(0) up=%d list=2(0)" % (
        EBADF, EBADF, (data / "sub").stat().st_ino, EPERM)
    for p, st in before.items():
        after = p.stat()
        assert (after.st_mtime_ns, after.st_mode, after.st_nlink) == (st.st_mtime_ns, st.st_mode, st.st_nlink), p
    assert sorted(os.listdir(outside)) == ["outside_file.txt"] and (outside / "outside_file.txt").read_text() == "secret"


def test_directory_moved_out_while_held_open(probe_wasm, tmp_path):
    # The guest holds "d" open; another process moves it out of the mount
    # and plants a file in it. wazero resolves paths under the descriptor by
    # name ("d/later.txt"), inside the mount: the planted file is not
    # reached. (fd_readdir of the descriptor itself lists the directory it
    # names, wherever it now is, as any descriptor does after a rename; the
    # guest saw that directory's entries before, and the mover could as well
    # have written into the mount.)
    import threading

    data, outside = tmp_path / "data", tmp_path / "outside_dir"
    (data / "d").mkdir(parents=True)
    (data / "d" / "f.txt").write_text("inside")
    outside.mkdir()
    result = {}
    guest = threading.Thread(target=lambda: result.update(r=run(
        probe_wasm, ["holddir", "d", "/data/ready", "/data/go", "later.txt"],
        mounts={"/data": data}, capture_output=True)))
    guest.start()
    try:
        deadline = time.monotonic() + 20
        while not (data / "ready").exists():
            assert time.monotonic() < deadline, "the guest never held the directory"
            time.sleep(0.01)
        os.rename(data / "d", outside / "moved")
        (outside / "moved" / "later.txt").write_text("secret")
    finally:
        (data / "go").touch()
        guest.join()
    out = lines(result["r"])
    assert out[0].startswith("holddir d later.txt: ERR errno %d; lists " % ENOENT), out
    assert "secret" not in out[0]
    assert "..=0" in out[0], out  # no inode of where it went


def test_bad_mounts(probe_wasm, tmp_path):
    with pytest.raises(FileNotFoundError, match="not a directory"):
        run(probe_wasm, [], mounts={"/x": tmp_path / "missing"})
    with pytest.raises(ValueError, match="absolute guest paths"):
        run(probe_wasm, [], mounts={"x": tmp_path})


def test_output_to_a_slow_reader_is_complete_and_in_order(probe_wasm):
    class Slow(io.RawIOBase):
        def __init__(self):
            self.chunks = []

        def writable(self):
            return True

        def write(self, b):
            if len(self.chunks) % 50 == 0:
                time.sleep(0.001)
            self.chunks.append(bytes(b))
            return len(b)

    sink = Slow()
    run(probe_wasm, ["lines", "20000"], stdout=sink)
    got = b"".join(sink.chunks).decode().splitlines()
    assert got == ["line %d" % i for i in range(20000)] + ["lines: flushed"]


def test_closed_output_is_a_clear_error_not_a_crash(probe_wasm):
    class Closed(io.RawIOBase):
        def writable(self):
            return True

        def write(self, b):
            raise BrokenPipeError(32, "Broken pipe")

    with pytest.raises(BrokenPipeError):
        run(probe_wasm, ["lines", "10"], stdout=Closed())


def test_closed_pipe_from_the_command_line(probe_wasm):
    # gowasm run ... | head -1: the reader goes away; no SIGPIPE death, no traceback.
    proc = subprocess.Popen([sys.executable, "-m", "gowasm", "run", probe_wasm, "--", "lines", "200000"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline() == b"line 0\n"
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141
    assert "output pipe was closed" in stderr and "Traceback" not in stderr


def test_go_panic_in_a_program(probe_wasm):
    r = run(probe_wasm, ["panic"], capture_output=True)
    assert r.returncode == 2  # Go's runtime exits with 2 after printing the panic
    assert b"panic: probe panicked" in r.stderr


def test_trap_in_a_program_raises_with_output(tmp_path):
    with pytest.raises(Trap, match="running _start") as info:
        run(corpus_path("rust/wasi_print_env.wasm"), capture_output=True)
    assert info.value.stdout.startswith(b"Found program name")
    assert b"panicked" in info.value.stderr


def test_reactor_module_with_wasi_options(reactor_wasm):
    out = io.StringIO()
    m = Module(reactor_wasm, stdout=out, env={"A": "1"}, args=["x"])
    m.hello()
    assert out.getvalue() == "hello from Go, héllo\n"
    with pytest.raises(ExitError) as info:
        m.exit(4)
    assert info.value.code == 4


def test_run_a_reactor_initialises_it(reactor_wasm):
    assert run(reactor_wasm).returncode == 0


CORPUS_RUNS = [
    # (file, args, mount fixtures at /, expected stdout, expected exit code)
    ("tinygo/cli.wasm", ["3", "4"], False, b"result: 7\n", 0),
    ("tinygo/cli.wasm", ["-sub", "3", "4"], False, b"result: -1\n", 0),
    ("tinygo/cli.wasm", ["3"], False, b"bad arguments\n", 1),
    ("tinygo/cat.wasm", ["test.txt", "sub/a.txt"], True, b"hello world!sub file\n", 0),
    ("tinygo/cat.wasm", ["missing.txt"], True, b"", 1),
    ("tinygo/wasi_ls_stat.wasm", ["ls", "."], True, b"./sub\n./test.txt\n", 0),
    ("tinygo/wasi_ls_stat.wasm", ["ls", "test.txt"], True, b"ENOTDIR\n", 0),
    ("rust/cat.wasm", ["test.txt"], True, b"hello world!", 0),
    ("rust/cat.wasm", ["missing.txt"], True, b"", 1),
    ("rust/hello_stdout.wasm", [], False, b"Hello World!\n", 0),
    ("c/zigcc_cat.wasm", ["test.txt"], True, b"hello world!", 0),
    ("zig/cat.wasm", ["test.txt"], True, b"hello world!", 0),
    ("zig/cat.wasm", ["missing.txt"], True, b"", 1),
    ("c/simple_malloc_printf.wasm", [], False,
     b"start\nfunc1 malloc(10): 0x11510\nfunc21 malloc(20): 0x11520\nfunc31 malloc(30): 0x11540\nend\n", 0),
    ("wat/wasi_arg.wasm", ["a", "bc"], False, b"wasi_arg.wasm\0a\0bc\0", 0),
    ("wat/exit_on_start.wasm", [], False, b"", 2),
    ("wat/exit_on_start_unstable.wasm", [], False, b"", 2),
    ("go/wasip1_twocalls.wasm", [], False, b"", 0),
]


@pytest.mark.parametrize("rel,args,mount,stdout,code", CORPUS_RUNS, ids=lambda v: v if isinstance(v, str) else None)
def test_corpus_commands(rel, args, mount, stdout, code):
    mounts = {"/": os.path.join(os.path.dirname(corpus_path(rel)), "..", "fixtures")} if mount else None
    r = run(corpus_path(rel), args, mounts=mounts, capture_output=True)
    assert (r.stdout, r.returncode) == (stdout, code), r.stderr


def test_corpus_command_stderr_and_env(tmp_path):
    r = run(corpus_path("go/wasip1_twocalls.wasm"), capture_output=True)
    assert r.stderr == b"7\n"
    fixtures = os.path.join(os.path.dirname(corpus_path("go/wasip1_twocalls.wasm")), "..", "fixtures")
    r = run(corpus_path("rust/wasi_print_env.wasm"), env={"A": "1"}, mounts={"/": fixtures}, capture_output=True)
    assert r.stdout == (b"Found program name: `wasi_print_env.wasm`\nFound 0 arguments: \n"
                        b"Found 1 environment variables: A=1\n"
                        b'Found 2 preopened directories: DirEntry("/sub"), DirEntry("/test.txt")\n')
    # AssemblyScript writes a file in its preopen: give it a writable copy.
    r = run(corpus_path("assemblyscript/wasi_hello.wasm"), mounts={"/": tmp_path}, capture_output=True)
    assert (r.stdout, r.returncode) == (b"Hello World!\n", 0)
    assert (tmp_path / "helloworld.txt").read_bytes() == b"Hello World!\n"


def test_corpus_commands_that_need_a_special_host():
    # Emscripten's runtime import is provided: main grows memory and returns 0.
    assert run(corpus_path("emscripten/grow.wasm")).returncode == 0
    # An Extism plugin needs Extism's kernel: the first call to it says so.
    with pytest.raises(gowasm.LinkError, match=r"extism:host/env\.\w+.*nothing provides"):
        run(corpus_path("go/extism_std_command.wasm"), capture_output=True)


# -- type checks as subprocess.run makes them -----------------------------------

@pytest.mark.parametrize("kwargs, error, message", [
    (dict(args=[1, None]), TypeError, r"args\[0\] must be str, bytes or os.PathLike, not int"),
    (dict(args=["x", None]), TypeError, r"args\[1\] must be str, bytes or os.PathLike, not NoneType"),
    (dict(args=5), TypeError, r"args must be a sequence"),
    (dict(env={"K": None}), TypeError, r"env\['K'\] must be str, bytes or os.PathLike, not NoneType"),
    (dict(env={1: "x"}), TypeError, r"environment variable name 1 must be str, bytes or os.PathLike, not int"),
    (dict(env=[("K", "V")]), TypeError, r"env must be a mapping"),
    (dict(input=5), TypeError, r"input must be bytes or a bytes-like object, not int"),
    (dict(input=b"x", text=True), TypeError, r"input must be str when text=True"),
    (dict(input=b"x", encoding="utf-8"), TypeError, r"input must be str when text=True"),
    (dict(input="x"), TypeError, r"input must be bytes"),
    (dict(input=b"x", stdin=subprocess.DEVNULL), ValueError, r"stdin and input arguments may not both be used"),
])
def test_run_checks_types_as_subprocess_run_does(probe_wasm, kwargs, error, message):
    args = kwargs.pop("args", ["cat-stdin"])
    with pytest.raises(error, match=message):
        run(probe_wasm, args, capture_output=True, **kwargs)


@pytest.mark.parametrize("kwargs, message", [
    (dict(args=[1, None]), r"args\[0\] must be str"),
    (dict(env={"K": None}), r"env\['K'\] must be str"),
    (dict(env=[("K", "V")]), r"env must be a mapping"),
    (dict(name=5), r"name must be str, not int"),
    (dict(name=b"x"), r"name must be str, not bytes"),
    (dict(imports=[("env", {})]), r"imports must be a mapping of module name -> \{name: callable\}, not list"),
    (dict(imports={1: {}}), r"imports: a module name must be str, not int"),
    (dict(imports={"env": {5: abs}}), r"imports\['env'\]: a function name must be str, not int"),
    (dict(mounts=["/tmp"]), r"mounts must be a mapping of guest path -> host directory or Mount, not list"),
    (dict(mounts={"/a": 5}), r"mounts\['/a'\] must be a host directory \(str or os.PathLike\) or a Mount, not int"),
    (dict(mounts={5: "/tmp"}), r"mounts: a guest path must be str, not int"),
])
def test_module_options_of_the_wrong_shape_are_type_errors_naming_them(reactor_wasm, kwargs, message):
    with pytest.raises(TypeError, match=message):
        Module(reactor_wasm, **kwargs)


def test_input_takes_any_bytes_like_object_and_text_uses_the_encoding(probe_wasm):
    assert run(probe_wasm, ["cat-stdin"], input=bytearray(b"ab"), capture_output=True).stdout == b"abcat-stdin: 2\n"
    assert run(probe_wasm, ["cat-stdin"], input=memoryview(b"abc"), capture_output=True).stdout == b"abccat-stdin: 3\n"
    # As subprocess: input is encoded with encoding=, and the output decoded with it.
    r = run(probe_wasm, ["cat-stdin"], input="é", encoding="latin-1", capture_output=True)
    assert r.stdout == "écat-stdin: 1\n"


@pytest.mark.parametrize("mounts, message", [
    ({"/a": ".", "/a/": "."}, r"mount points '/a' and '/a/' are the same guest path"),
    ({"/a": ".", "//a": "."}, r"mount points '/a' and '//a' are the same guest path"),
    ({"/a": ".", "/./a": "."}, r"mount points '/a' and '/./a' are the same guest path"),
    ({"/": ".", "//": "."}, r"mount points '/' and '//' are the same guest path"),
    ({"/a\x00b": "."}, r"contains a NUL byte"),
    ({"/a/../b": "."}, r"\.\."),
])
def test_mount_points_are_distinct_clean_guest_paths(probe_wasm, tmp_path, mounts, message):
    mounts = {guest: tmp_path for guest in mounts}
    with pytest.raises(ValueError, match=message):
        run(probe_wasm, ["ls", "/a"], mounts=mounts)


def test_a_mount_point_is_normalised(probe_wasm, tmp_path):
    (tmp_path / "f.txt").write_text("x")
    r = run(probe_wasm, ["ls", "/a"], mounts={"//a/./": tmp_path}, capture_output=True, text=True)
    assert "f.txt" in r.stdout, (r.stdout, r.stderr)


def test_mount_readonly_is_a_bool(tmp_path):
    with pytest.raises(TypeError, match=r"Mount\(readonly=\) takes a bool, not 'no'"):
        Mount(tmp_path, readonly="no")
    with pytest.raises(TypeError, match=r"Mount\(\) takes a host directory \(str or os.PathLike\), not int"):
        Mount(5)
    assert Mount(tmp_path, readonly=True).readonly is True and Mount(tmp_path) == (tmp_path, False)
