"""WASI calls made raw, as an attacker makes them, through a WAT shim that
re-exports them: descriptor rights really enforced (once dropped, never
regained), fd_renumber onto a preopen, symlink times and path_link's
follow flag, all confined to the mount."""

import io
import os

import pytest

from gowasm import Module, Mount
from conftest import wat

# The WASI functions the shim re-exports, with their parameter types.
CALLS = {
    "path_open": "i32 i32 i32 i32 i32 i64 i64 i32 i32",
    "path_link": "i32 i32 i32 i32 i32 i32 i32",
    "path_unlink_file": "i32 i32 i32",
    "path_filestat_set_times": "i32 i32 i32 i32 i64 i64 i32",
    "fd_read": "i32 i32 i32 i32",
    "fd_write": "i32 i32 i32 i32",
    "fd_readdir": "i32 i32 i32 i64 i32",
    "fd_renumber": "i32 i32",
    "fd_fdstat_get": "i32 i32",
    "fd_fdstat_set_rights": "i32 i64 i64",
    "fd_filestat_set_size": "i32 i64",
    "fd_allocate": "i32 i64 i64",
    "poll_oneoff": "i32 i32 i32 i32",
    "fd_close": "i32",
}
SHIM = wat("(module\n%s\n(memory (export \"memory\") 1)\n%s)" % (
    "\n".join('(import "wasi_snapshot_preview1" "%s" (func $%s (param %s) (result i32)))' % (n, n, p)
              for n, p in CALLS.items()),
    "\n".join('(func (export "%s") (param %s) (result i32) %s call $%s)' % (
        n, p, " ".join("local.get %d" % i for i in range(len(p.split()))), n) for n, p in CALLS.items())))

# WASI numbers.
O_CREAT, O_DIRECTORY, O_TRUNC = 1, 2, 8
FOLLOW = 1
FD_READ, FD_SEEK, FD_TELL, FD_WRITE = 1 << 1, 1 << 2, 1 << 5, 1 << 6
PATH_OPEN, FD_READDIR, PATH_FILESTAT_GET, FD_FILESTAT_SET_SIZE = 1 << 13, 1 << 14, 1 << 18, 1 << 22
ALL = (1 << 29) - 1
EBADF, EINVAL, EISDIR, ENOTDIR, EPERM, EROFS, ENOTCAPABLE = 8, 28, 31, 54, 63, 69, 76
PREOPEN = 3
MTIM = 4  # fstflags: set mtim


class Guest:
    """The shim loaded with mounts: WASI calls by name, paths and buffers
    in its memory."""

    def __init__(self, mounts, **options):
        self.m = Module(SHIM, mounts=mounts, **options)
        self.mem = self.m.memory

    def __getattr__(self, name):
        return self.m.exports[name]

    def text(self, s, at=0):
        data = s.encode()
        self.mem.write(at, data)
        return at, len(data)

    def open(self, path, base, inheriting=0, oflags=0, dirfd=PREOPEN, follow=False):
        """path_open: (errno, fd)."""
        errno = self.path_open(dirfd, FOLLOW if follow else 0, *self.text(path), oflags, base, inheriting, 0, 4000)
        return errno, int.from_bytes(self.mem.read(4000, 4), "little")

    def write(self, fd, data):
        self.mem.write(2000, data)
        self.mem.write(3000, (2000).to_bytes(4, "little") + len(data).to_bytes(4, "little"))
        return self.fd_write(fd, 3000, 1, 4004)

    def read(self, fd, n=100):
        """fd_read: (errno, data)."""
        self.mem.write(3000, (2000).to_bytes(4, "little") + n.to_bytes(4, "little"))
        errno = self.fd_read(fd, 3000, 1, 4004)
        return errno, self.mem.read(2000, int.from_bytes(self.mem.read(4004, 4), "little"))

    def rights(self, fd):
        """fd_fdstat_get: (errno, base, inheriting)."""
        errno = self.fd_fdstat_get(fd, 5000)
        st = self.mem.read(5000, 24)
        return errno, int.from_bytes(st[8:16], "little"), int.from_bytes(st[16:24], "little")

    def readdir(self, fd, cookie=0):
        return self.fd_readdir(fd, 6000, 1024, cookie, 4004)


@pytest.fixture
def data(tmp_path):
    (tmp_path / "data" / "sub").mkdir(parents=True)
    (tmp_path / "data" / "f.txt").write_text("hello")
    (tmp_path / "data" / "sub" / "g.txt").write_text("beneath")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("secret")
    return tmp_path / "data"


def test_dropped_rights_are_enforced_and_never_regained(data):
    g = Guest({"/": data})
    errno, fd = g.open("f.txt", FD_READ | FD_WRITE)
    assert errno == 0
    assert g.rights(fd)[1] & (FD_READ | FD_WRITE | FD_SEEK | FD_TELL | FD_FILESTAT_SET_SIZE) == \
        FD_READ | FD_WRITE | FD_SEEK | FD_TELL | FD_FILESTAT_SET_SIZE
    assert g.fd_fdstat_set_rights(fd, FD_READ | FD_SEEK | FD_TELL, 0) == 0
    assert g.rights(fd) == (0, FD_READ | FD_SEEK | FD_TELL, 0)
    assert g.write(fd, b"overwritten") == EBADF
    assert g.fd_filestat_set_size(fd, 0) == EBADF
    assert g.read(fd) == (0, b"hello")
    assert g.fd_fdstat_set_rights(fd, FD_READ | FD_WRITE, 0) == ENOTCAPABLE
    # Moved to another number, the descriptor keeps its rights.
    errno, other = g.open("sub/g.txt", FD_READ | FD_WRITE)
    assert errno == 0 and g.fd_renumber(fd, other) == 0
    assert g.write(other, b"overwritten") == EBADF and g.rights(other)[1] == FD_READ | FD_SEEK | FD_TELL
    assert (data / "f.txt").read_text() == "hello" and (data / "sub" / "g.txt").read_text() == "beneath"


def test_a_directory_passes_on_only_its_inheriting_rights(data):
    g = Guest({"/": data})
    # Rights asked for beyond reading and writing narrow nothing (as in wazero and wasmtime: Go asks for
    # read rights on a directory it then creates files in); a directory never gets a file's (fd_seek).
    errno, sub = g.open("sub", FD_READ, 0, O_DIRECTORY)
    errno, base, inheriting = g.rights(sub)
    assert errno == 0 and base & PATH_OPEN and not base & (FD_SEEK | FD_READ | FD_WRITE) and inheriting & FD_WRITE
    assert g.fd_fdstat_set_rights(sub, PATH_OPEN | FD_READDIR, FD_READ) == 0
    assert g.open("g.txt", FD_READ, oflags=O_TRUNC, dirfd=sub)[0] == ENOTCAPABLE  # no path_filestat_set_size
    assert g.open("new.txt", FD_READ, oflags=O_CREAT, dirfd=sub)[0] == ENOTCAPABLE  # no path_create_file
    assert g.path_unlink_file(sub, *g.text("g.txt")) == ENOTCAPABLE
    errno, f = g.open("g.txt", FD_READ | FD_WRITE, ALL, dirfd=sub)
    assert errno == 0 and g.rights(f)[1:] == (FD_READ, 0)  # opened for reading only; a file passes nothing on
    assert g.write(f, b"x") == EBADF and g.read(f) == (0, b"beneath")
    assert not (data / "sub" / "new.txt").exists() and (data / "sub" / "g.txt").read_text() == "beneath"


def test_rights_dropped_from_the_preopen_after_listing_it(data):
    g = Guest({"/": data})
    assert g.readdir(PREOPEN) == 0
    errno, base, inheriting = g.rights(PREOPEN)
    assert errno == 0 and base & FD_READDIR and base & PATH_OPEN
    assert g.fd_fdstat_set_rights(PREOPEN, base & ~(FD_READDIR | PATH_OPEN), inheriting) == 0
    assert g.readdir(PREOPEN) == EBADF and g.readdir(PREOPEN, 2) == EBADF  # its listing is not kept
    assert g.open("f.txt", FD_READ)[0] == ENOTCAPABLE
    assert g.fd_fdstat_set_rights(PREOPEN, base, inheriting) == ENOTCAPABLE


def test_stdout_without_the_write_right_writes_nothing(data):
    out = io.BytesIO()
    g = Guest({"/": data}, stdout=out)
    assert g.write(1, b"one ") == 0
    errno, base, inheriting = g.rights(1)
    assert g.fd_fdstat_set_rights(1, base & ~FD_WRITE, inheriting) == 0
    assert g.write(1, b"two") == EBADF
    assert out.getvalue() == b"one "


def test_renumbering_a_file_onto_the_preopen_gives_no_way_up(data):
    g = Guest({"/": data})
    errno, fd = g.open("sub/g.txt", FD_READ)
    assert errno == 0 and g.fd_renumber(fd, PREOPEN) == 0
    assert g.open("f.txt", FD_READ)[0] == ENOTDIR  # descriptor 3 is now that file
    assert g.open("../outside/secret.txt", FD_READ)[0] == EPERM
    assert g.read(PREOPEN) == (0, b"beneath")
    assert g.fd_renumber(fd, PREOPEN) == EBADF  # fd is closed; wazero allowed renumbering to free numbers
    assert g.fd_renumber(PREOPEN, 99) == EBADF


def test_poll_oneoff_on_descriptors(data):
    g = Guest({"/": data})
    sub = (7).to_bytes(8, "little") + bytes([2]) + bytes(7) + (1).to_bytes(4, "little") + bytes(28)  # fd_write on stdout
    clock = (9).to_bytes(8, "little") + bytes(8) + (1).to_bytes(4, "little") + bytes(4) + (10**9).to_bytes(8, "little") + bytes(16)
    g.mem.write(7000, sub + clock)
    assert g.poll_oneoff(7000, 8000, 2, 4004) == 0  # stdout is writable at once: the clock is not reported
    assert int.from_bytes(g.mem.read(4004, 4), "little") == 1
    event = g.mem.read(8000, 32)
    assert event[:8] == sub[:8] and event[8:10] == b"\0\0" and event[10] == 2
    assert g.poll_oneoff(7000, 8000, 0x7FFFFFFF, 4004) == EINVAL  # more than memory holds: refused, no crash


def test_symlink_times_and_links_stay_inside(data):
    outside = data.parent / "outside"
    (data / "up").symlink_to("../outside")
    (data / "s").symlink_to("../outside/secret.txt")
    before = {p: os.lstat(p) for p in (outside, outside / "secret.txt")}
    g = Guest({"/": data, "/ro": Mount(data, readonly=True)})
    assert g.path_filestat_set_times(PREOPEN, 0, *g.text("up"), 0, 0, MTIM) == 0  # the link itself
    assert os.lstat(data / "up").st_mtime == 0
    for path, flags in (("up/", 0), ("up", FOLLOW), ("up/secret.txt", 0), ("s", FOLLOW)):
        assert g.path_filestat_set_times(PREOPEN, flags, *g.text(path), 0, 0, MTIM) == EPERM, path
    assert g.path_filestat_set_times(PREOPEN + 1, 0, *g.text("f.txt"), 0, 0, MTIM) == EROFS
    # path_link with the follow flag is refused: a hard link to what a symlink names could be outside.
    old, new = g.text("s"), g.text("stolen", 100)
    assert g.path_link(PREOPEN, FOLLOW, *old, PREOPEN, *new) == EINVAL
    assert g.path_link(PREOPEN, 0, *old, PREOPEN, *new) == 0  # the link itself
    assert os.readlink(data / "stolen") == "../outside/secret.txt"
    for p, st in before.items():
        after = os.lstat(p)
        assert (after.st_mtime_ns, after.st_nlink) == (st.st_mtime_ns, st.st_nlink), p
    assert (outside / "secret.txt").read_text() == "secret"


def test_unlink_through_a_symlink_out_is_eperm(data):
    # As every other path out of the mount: EPERM, never the EISDIR that
    # unlink(2) of a directory gives (it answered that), and nothing removed.
    (data / "up").symlink_to("../outside")
    g = Guest({"/": data})
    assert g.path_unlink_file(PREOPEN, *g.text("up/secret.txt")) == EPERM
    assert (data.parent / "outside" / "secret.txt").read_text() == "secret"
    assert g.path_unlink_file(PREOPEN, *g.text("sub")) == EISDIR  # a directory inside: still EISDIR
    assert g.path_unlink_file(PREOPEN, *g.text("up")) == 0  # the link itself goes
    assert not os.path.lexists(data / "up") and (data.parent / "outside").is_dir()


def clock_sub(userdata, ns):
    """A poll_oneoff subscription: a relative clock of ns nanoseconds."""
    return userdata.to_bytes(8, "little") + bytes(8) + bytes(8) + ns.to_bytes(8, "little") + bytes(16)


def test_poll_oneoff_sleep_is_stopped_by_the_timeout(data):
    import time
    import gowasm

    # A guest sleeping in poll_oneoff (Rust's thread::sleep, C's nanosleep) must not outlive its
    # timeout: the sleep is in Go, where the guest's interrupt checks never run.
    g = Guest({"/": data}, timeout=0.5)
    g.mem.write(7000, clock_sub(9, 60 * 10**9))
    start = time.monotonic()
    with pytest.raises(gowasm.Timeout):
        g.poll_oneoff(7000, 8000, 1, 4004)
    assert time.monotonic() - start < 10


def test_poll_oneoff_clock_beyond_int64_is_long_not_none(data):
    # 2^64-1 ns (Rust's sleep(Duration::MAX)) is a wait that never ends, not no wait: the nearer
    # clock is the one reported, after its time.
    g = Guest({"/": data})
    g.mem.write(7000, clock_sub(1, 10**6) + clock_sub(2, 2**64 - 1))
    assert g.poll_oneoff(7000, 8000, 2, 4004) == 0
    assert int.from_bytes(g.mem.read(4004, 4), "little") == 1
    assert g.mem.read(8000, 8) == (1).to_bytes(8, "little")


def test_close_stops_a_guest_sleeping_in_poll_oneoff(data):
    import threading
    import gowasm

    g = Guest({"/": data})
    g.mem.write(7000, clock_sub(9, 2**64 - 1))  # forever
    raised = []

    def sleep():
        try:
            g.poll_oneoff(7000, 8000, 1, 4004)
        except gowasm.ModuleClosedError as e:
            raised.append(e)

    sleeper = threading.Thread(target=sleep, daemon=True)
    sleeper.start()
    sleeper.join(0.3)
    closer = threading.Thread(target=g.m.close, daemon=True)
    closer.start()
    closer.join(10)
    sleeper.join(10)
    assert not closer.is_alive() and not sleeper.is_alive() and len(raised) == 1


def test_fd_allocate_past_the_largest_offset_is_refused(data):
    # offset + len wrapping around 2^64 is no size the file already has: EINVAL, not success.
    g = Guest({"/": data})
    errno, fd = g.open("f.txt", FD_READ | FD_WRITE)
    assert errno == 0
    assert g.fd_allocate(fd, 2**64 - 1, 2) == EINVAL
    assert g.fd_allocate(fd, 2**63 - 1, 1) == EINVAL
    assert g.fd_allocate(fd, 0, 3) == 0 and (data / "f.txt").read_text() == "hello"


@pytest.mark.xfail(strict=True, reason="a directory descriptor opened by path_open resolves by its path from the mount "
                   "(wazero's FileEntry.Name), not from the directory it opened: renamed, its descriptor follows the "
                   "name. Kept: an os.Root per directory descriptor (tried) follows the directory out of the mount "
                   "when the host moves it there (test_run.py::test_directory_moved_out_while_held_open); "
                   "RATIONALE.md, 'The sandbox'")
def test_a_directory_descriptor_names_the_directory_not_its_path(data):
    g = Guest({"/": data})
    errno, sub = g.open("sub", PATH_OPEN, ALL, oflags=O_DIRECTORY)
    assert errno == 0
    (data / "sub").rename(data / "moved")
    (data / "sub").mkdir()
    (data / "sub" / "g.txt").write_text("another directory")
    errno, fd = g.open("g.txt", FD_READ, dirfd=sub)
    assert errno == 0 and g.read(fd) == (0, b"beneath")


def test_poll_oneoff_costs_the_host_little_memory_per_subscription(tmp_path):
    # A guest's memory of zeros is that many clock subscriptions (relative, 0 ns): the host must not
    # spend much more than the guest's own memory (memory_limit bounds only that) to answer them.
    import subprocess
    import sys

    script = tmp_path / "poll.py"
    script.write_text(
        "import resource, sys\n"
        "sys.path.insert(0, %r)\n"
        "from gowasm import Module\n"
        "from conftest import wat\n"
        "pages = 1600\n"
        "m = Module(wat('(module (import \"wasi_snapshot_preview1\" \"poll_oneoff\" (func $p (param i32 i32 i32 i32) (result i32)))'\n"
        "  ' (memory (export \"memory\") %%d) (func (export \"p\") (param i32 i32 i32 i32) (result i32)'\n"
        "  ' local.get 0 local.get 1 local.get 2 local.get 3 call $p))' %% pages))\n"
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "assert m.exports['p'](0, 0, pages * 65536 // 48, 0) == 0\n"
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) * 1024 / (pages * 65536))\n"
        % os.path.dirname(__file__))
    grew = float(subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True).stdout)
    assert grew < 1.3, "the host grew by %.1fx the guest's memory" % grew


def test_a_guest_cannot_take_every_descriptor_of_the_process(tmp_path, data):
    # With a limit of 256 descriptors, a guest may hold 128 (half):
    # the next path_open is EMFILE, the process still opens files, and a
    # closed descriptor can be opened again.
    import subprocess
    import sys

    script = tmp_path / "fds.py"
    script.write_text(
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))  # hard too: Go raises the soft one to it\n"
        "sys.path.insert(0, %r)\n"
        "from test_wasi_calls import Guest, FD_READ\n"
        "g = Guest({'/': %r})\n"
        "fds = []\n"
        "while len(fds) < 1000:\n"
        "    errno, fd = g.open('f.txt', FD_READ)\n"
        "    if errno:\n"
        "        break\n"
        "    fds.append(fd)\n"
        "open(__file__).close()  # the process still has descriptors\n"
        "assert g.fd_close(fds[0]) == 0\n"
        "again = g.open('f.txt', FD_READ)\n"
        "print(errno, len(fds), max(fds), again[0], g.read(again[1])[1].decode())\n"
        % (os.path.dirname(__file__), str(data)))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["33", str(128 - 4), "127", "0", "hello"], out  # EMFILE; stdio and the mount hold 0-3


def test_guests_together_cannot_take_every_descriptor_of_the_process(tmp_path, data):
    # With a limit of 256 descriptors, all guests together may hold 128
    # files (half), whatever the number of modules: the first takes 124
    # (its own limit: stdio and the mount hold 0-3), the second 4, then
    # path_open is ENFILE (41) in every module, and the process still opens
    # files. Closing modules gives their descriptors back. Each module alone
    # used to get 124: three took 372 of 256, and the process had none left.
    import subprocess
    import sys

    script = tmp_path / "fds.py"
    script.write_text(
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))  # hard too: Go raises the soft one to it\n"
        "sys.path.insert(0, %r)\n"
        "from test_wasi_calls import Guest, FD_READ\n"
        "def fill(g):\n"
        "    fds = []\n"
        "    while len(fds) < 1000:\n"
        "        errno, fd = g.open('f.txt', FD_READ)\n"
        "        if errno:\n"
        "            return errno, len(fds)\n"
        "        fds.append(fd)\n"
        "guests = [Guest({'/': %r}) for _ in range(3)]\n"
        "got = [fill(g) for g in guests]\n"
        "open(__file__).close()  # the process still has descriptors\n"
        "guests[0].m.close()\n"
        "guests[1].m.close()\n"
        "print(got, fill(guests[2]))\n"
        % (os.path.dirname(__file__), str(data)))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert out.stdout.strip() == "[(33, 124), (41, 4), (41, 0)] (33, 124)", (out.stdout, out.stderr[-2000:])
