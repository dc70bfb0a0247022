//go:build unix

package sandbox

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gowasm/gowasm/gohost/internal/errs"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

// Table-driven tests of mounts.go's functions, one by one, with the exact
// errno each case must give: what the guest's WASI call answers (wazero
// maps these to WASI's numbers, wasip1/abi.go). The attack tests
// (mounts_attack_test.go, mounts_test.go) check that nothing escapes;
// these check that each answer is the right one, inside the mount too.
// Every test works in t.TempDir() (they run as root): no link here points
// at a real system path.

func TestMountRel(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "."}, {".", "."}, {"/", "."}, {"//", "."},
		{"a", "a"}, {"/a", "a"}, {"//a/b", "a/b"}, {"a/", "a/"}, {"../a", "../a"},
	} {
		if got := rel(c.in); got != c.want {
			t.Errorf("rel(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestMountLastName(t *testing.T) {
	for _, c := range []struct {
		in, dir, name string
		ok            bool
	}{
		{"a", ".", "a", true},
		{"/a", ".", "a", true},
		{"a/b", "a", "b", true},
		{"a//b", "a", "b", true},
		{"a/b/", "a", "b/", true}, // the trailing slash stays: the caller must not hand it to a *at call that follows
		{"a/b//", "a", "b//", true},
		{"sub/../x", "sub/..", "x", true}, // the directory is resolved by the root
		{"", "", "", false}, {".", "", "", false}, {"/", "", "", false},
		{"..", "", "", false}, {"a/..", "", "", false}, {"a/.", "", "", false}, {"a/./", "", "", false},
	} {
		dir, name, ok := lastName(c.in)
		if dir != c.dir || name != c.name || ok != c.ok {
			t.Errorf("lastName(%q) = %q, %q, %v; want %q, %q, %v", c.in, dir, name, ok, c.dir, c.name, c.ok)
		}
	}
}

func TestMountTimeOf(t *testing.T) {
	if got := timeOf(experimentalsys.UTIME_OMIT); !got.IsZero() {
		t.Errorf("timeOf(UTIME_OMIT) = %v, want the zero time (os.Chtimes leaves it)", got)
	}
	for _, ns := range []int64{0, 1, 1e9, 1700000000123456789} {
		if got := timeOf(ns); got.UnixNano() != ns || got.IsZero() {
			t.Errorf("timeOf(%d) = %v", ns, got)
		}
	}
}

func TestMountOpenFlag(t *testing.T) {
	for _, c := range []struct {
		in   experimentalsys.Oflag
		want int
	}{
		{experimentalsys.O_RDONLY, os.O_RDONLY},
		{experimentalsys.O_WRONLY, os.O_WRONLY},
		{experimentalsys.O_RDWR, os.O_RDWR},
		{experimentalsys.O_RDWR | experimentalsys.O_CREAT | experimentalsys.O_EXCL, os.O_RDWR | os.O_CREATE | os.O_EXCL},
		{experimentalsys.O_WRONLY | experimentalsys.O_APPEND | experimentalsys.O_TRUNC, os.O_WRONLY | os.O_APPEND | os.O_TRUNC},
		{experimentalsys.O_RDONLY | experimentalsys.O_SYNC, os.O_SYNC},
		{experimentalsys.O_RDONLY | experimentalsys.O_DIRECTORY, syscall.O_DIRECTORY},
		{experimentalsys.O_RDONLY | experimentalsys.O_NONBLOCK, syscall.O_NONBLOCK},
		// O_NOFOLLOW is not passed on: OpenFile opens such a path with an
		// openat of its own on the parent (the root never follows out).
		{experimentalsys.O_RDONLY | experimentalsys.O_NOFOLLOW, os.O_RDONLY},
	} {
		if got := openFlag(c.in); got != c.want {
			t.Errorf("openFlag(%v) = %#x, want %#x", c.in, got, c.want)
		}
	}
}

func TestMountErrnoOf(t *testing.T) {
	// A real escape refused by os.Root: its error is no system call's.
	root, err := os.OpenRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	_, escape := root.Open("../x")
	if escape == nil {
		t.Fatal("os.Root opened ../x")
	}
	for _, c := range []struct {
		what string
		err  error
		want experimentalsys.Errno
	}{
		{"nil", nil, 0},
		{"an escape", escape, experimentalsys.EPERM},
		{"an error of no system call", errors.New("odd"), experimentalsys.EPERM},
		{"ENOENT", syscall.ENOENT, experimentalsys.ENOENT},
		{"ENOTEMPTY in a PathError", &fs.PathError{Op: "unlinkat", Path: "d", Err: syscall.ENOTEMPTY}, experimentalsys.ENOTEMPTY},
		{"ELOOP in a LinkError", &os.LinkError{Op: "rename", Old: "a", New: "b", Err: syscall.ELOOP}, experimentalsys.ELOOP},
		{"EACCES", syscall.EACCES, experimentalsys.EACCES},
		{"fs.ErrNotExist", fs.ErrNotExist, experimentalsys.ENOENT},
		{"fs.ErrExist", fs.ErrExist, experimentalsys.EEXIST},
		{"fs.ErrPermission", fs.ErrPermission, experimentalsys.EPERM},
		{"fs.ErrClosed", fs.ErrClosed, experimentalsys.EBADF},
	} {
		if got := errnoOf(c.err); got != c.want {
			t.Errorf("errnoOf(%s: %v) = %v, want %v", c.what, c.err, got, c.want)
		}
	}
}

func TestMountNewMountFS(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ host, want string }{
		{filepath.Join(dir, "missing"), "no such file or directory"},
		{file, "not a directory"},
	} {
		_, err := NewFS(Mount{Host: c.host})
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.ErrUsage || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.host) {
			t.Errorf("newMountFS(%q): %v, want a usage error naming it and saying %q", c.host, err, c.want)
		}
	}
	for _, readonly := range []bool{false, true} {
		fsys, err := NewFS(Mount{Host: dir, ReadOnly: readonly})
		if err != nil {
			t.Fatal(err)
		}
		if _, ro := fsys.(readOnlyFS); ro != readonly {
			t.Errorf("readonly %v: the mount is a %T", readonly, fsys)
		}
	}
}

// TestMountResolution: what a path names, read-only operations, with and
// without following the last component.
func TestMountResolution(t *testing.T) {
	fsys, mnt, _ := newSandbox(t)
	mustMount(t, os.Symlink("sub", filepath.Join(mnt, "sub_link")))
	mustMount(t, os.WriteFile(filepath.Join(mnt, "sub", "s.txt"), []byte("in sub"), 0o644))
	const (
		rd     = experimentalsys.O_RDONLY
		dir    = experimentalsys.O_DIRECTORY
		nofoll = experimentalsys.O_NOFOLLOW
	)
	for _, c := range []struct {
		path string
		flag experimentalsys.Oflag
		want experimentalsys.Errno
		read string // what the file holds, when it opens
	}{
		{"inside.txt", rd, 0, "inside"},
		{"/inside.txt", rd, 0, "inside"}, // wazero's paths are relative to the mount; a leading / is the mount
		{"./sub/../inside.txt", rd, 0, "inside"},
		{"sub/s.txt", rd, 0, "in sub"},
		{"sub_link/s.txt", rd, 0, "in sub"},                 // a symlink inside, in the middle: followed
		{"sub_link/s.txt", rd | nofoll, 0, "in sub"},        // O_NOFOLLOW is about the last component only
		{"ok_link", rd, 0, "inside"},                        // a symlink inside, last: followed
		{"ok_link", rd | nofoll, experimentalsys.ELOOP, ""}, // not followed: POSIX's ELOOP
		{"sub_link", rd | dir, 0, ""},
		{"sub_link", rd | dir | nofoll, experimentalsys.ENOTDIR, ""}, // Linux's openat: not followed, so not a directory
		{"sub_link/", rd | dir | nofoll, 0, ""},                      // a trailing slash follows, inside
		{".", rd | dir, 0, ""},
		{"missing", rd, experimentalsys.ENOENT, ""},
		{"missing", rd | nofoll, experimentalsys.ENOENT, ""},
		{"sub/missing/x", rd, experimentalsys.ENOENT, ""},
		{"inside.txt/", rd, experimentalsys.ENOTDIR, ""},
		{"inside.txt/x", rd, experimentalsys.ENOTDIR, ""},
		{"inside.txt", rd | dir, experimentalsys.ENOTDIR, ""},
		{"sub", experimentalsys.O_WRONLY | dir, experimentalsys.EISDIR, ""},
		{"sub", experimentalsys.O_RDWR, experimentalsys.EISDIR, ""},
		{"inside.txt", experimentalsys.O_RDWR | experimentalsys.O_CREAT | experimentalsys.O_EXCL, experimentalsys.EEXIST, ""},
		// Out of the mount: "..", absolute and relative symlinks, followed.
		{"..", rd | dir, experimentalsys.EPERM, ""},
		{"../outside_dir/outside_file.txt", rd, experimentalsys.EPERM, ""},
		{"sub/../../outside_dir", rd | dir, experimentalsys.EPERM, ""},
		{"rel_link", rd | dir, experimentalsys.EPERM, ""},
		{"rel_link/outside_file.txt", rd, experimentalsys.EPERM, ""},
		{"rel_link/outside_file.txt", rd | nofoll, experimentalsys.EPERM, ""},
		{"abs_link", rd | dir, experimentalsys.EPERM, ""},
		{"abs_link/", rd | dir | nofoll, experimentalsys.EPERM, ""},
		{"deep", rd, experimentalsys.EPERM, ""},
		// The links themselves, not followed: refused as links, not as escapes.
		{"abs_link", rd | nofoll, experimentalsys.ELOOP, ""},
		{"deep", rd | nofoll, experimentalsys.ELOOP, ""},
	} {
		f, errno := fsys.OpenFile(c.path, c.flag, 0o644)
		if errno != c.want {
			t.Errorf("OpenFile(%q, %v) = %v, want %v", c.path, c.flag, errno, c.want)
		}
		if errno != 0 {
			continue
		}
		if c.read != "" {
			buf := make([]byte, 64)
			n, errno := f.Read(buf)
			if errno != 0 || string(buf[:n]) != c.read {
				t.Errorf("OpenFile(%q, %v) reads %q, %v; want %q", c.path, c.flag, buf[:n], errno, c.read)
			}
		}
		f.Close()
	}
	for _, c := range []struct {
		path             string
		stat, lstat      experimentalsys.Errno
		statDir, lstatLn bool // Stat is of a directory; Lstat of a symlink
	}{
		{"inside.txt", 0, 0, false, false},
		{"sub_link", 0, 0, true, true},
		{"ok_link", 0, 0, false, true},
		{"abs_link", experimentalsys.EPERM, 0, false, true}, // the link is inside; where it points is not
		{"rel_link", experimentalsys.EPERM, 0, false, true},
		{"rel_link/outside_file.txt", experimentalsys.EPERM, experimentalsys.EPERM, false, false},
		{"..", experimentalsys.EPERM, experimentalsys.EPERM, false, false},
		{"missing", experimentalsys.ENOENT, experimentalsys.ENOENT, false, false},
		{"inside.txt/x", experimentalsys.ENOTDIR, experimentalsys.ENOTDIR, false, false},
	} {
		st, errno := fsys.Stat(c.path)
		if errno != c.stat || (errno == 0 && (st.Mode&fs.ModeDir != 0) != c.statDir) {
			t.Errorf("Stat(%q) = %v (mode %v), want %v (dir %v)", c.path, errno, st.Mode, c.stat, c.statDir)
		}
		lst, errno := fsys.Lstat(c.path)
		if errno != c.lstat || (errno == 0 && (lst.Mode&fs.ModeSymlink != 0) != c.lstatLn) {
			t.Errorf("Lstat(%q) = %v (mode %v), want %v (symlink %v)", c.path, errno, lst.Mode, c.lstat, c.lstatLn)
		}
	}
	for _, c := range []struct {
		path, target string
		want         experimentalsys.Errno
	}{
		{"ok_link", "sub/../inside.txt", 0},
		{"abs_link", filepath.ToSlash(filepath.Join(filepath.Dir(mnt), "outside_dir")), 0}, // reading a link is no escape
		{"sub_link", "sub", 0},
		{"inside.txt", "", experimentalsys.EINVAL}, // not a symlink
		{"missing", "", experimentalsys.ENOENT},
		{"rel_link/outside_file.txt", "", experimentalsys.EPERM},
	} {
		target, errno := fsys.Readlink(c.path)
		if target != c.target || errno != c.want {
			t.Errorf("Readlink(%q) = %q, %v; want %q, %v", c.path, target, errno, c.target, c.want)
		}
	}
}

// mountStep is one operation on a fresh sandbox and its exact answer.
type mountStep struct {
	what string
	do   func(fsys experimentalsys.FS) experimentalsys.Errno
	want experimentalsys.Errno
	// then checks the host directory after a step (mnt is the mount).
	then func(t *testing.T, mnt string)
}

func runMountSteps(t *testing.T, steps []mountStep) {
	t.Helper()
	for _, s := range steps {
		fsys, mnt, outside := newSandbox(t)
		check := outsideUnchanged(t, outside)
		mustMount(t, os.MkdirAll(filepath.Join(mnt, "full", "d"), 0o755))
		mustMount(t, os.Mkdir(filepath.Join(mnt, "empty"), 0o755))
		mustMount(t, os.WriteFile(filepath.Join(mnt, "other.txt"), []byte("other"), 0o644))
		mustMount(t, os.Symlink("sub", filepath.Join(mnt, "sub_link")))
		if got := s.do(fsys); got != s.want {
			t.Errorf("%s: %v, want %v", s.what, got, s.want)
		} else if s.then != nil {
			s.then(t, mnt)
		}
		check()
	}
}

func mustMount(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// holds checks that the mount's path p holds content ("" for: p is absent;
// "dir" for: a directory; "-> target" for: a symlink to target).
func holds(p, content string) func(*testing.T, string) {
	return func(t *testing.T, mnt string) {
		t.Helper()
		full := filepath.Join(mnt, p)
		fi, err := os.Lstat(full)
		var got string
		switch {
		case err != nil:
			got = ""
		case fi.IsDir():
			got = "dir"
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(full)
			got = "-> " + target
		default:
			b, _ := os.ReadFile(full)
			got = string(b)
		}
		if got != content {
			t.Errorf("afterwards %s holds %q, want %q", p, got, content)
		}
	}
}

func both(checks ...func(*testing.T, string)) func(*testing.T, string) {
	return func(t *testing.T, mnt string) {
		t.Helper()
		for _, c := range checks {
			c(t, mnt)
		}
	}
}

func TestMountRenameSemantics(t *testing.T) {
	rename := func(from, to string) func(experimentalsys.FS) experimentalsys.Errno {
		return func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Rename(from, to) }
	}
	runMountSteps(t, []mountStep{
		{"a file to a new name", rename("inside.txt", "moved.txt"), 0, both(holds("moved.txt", "inside"), holds("inside.txt", ""))},
		{"a file into a directory", rename("inside.txt", "sub/in.txt"), 0, holds("sub/in.txt", "inside")},
		{"a file over a file (replaced)", rename("inside.txt", "other.txt"), 0, both(holds("other.txt", "inside"), holds("inside.txt", ""))},
		{"a file to itself", rename("inside.txt", "/inside.txt"), 0, holds("inside.txt", "inside")},
		{"a directory over an empty one (POSIX replaces it)", rename("sub", "empty"), 0, both(holds("empty", "dir"), holds("sub", ""))},
		{"a directory over a non-empty one", rename("empty", "full"), experimentalsys.ENOTEMPTY, holds("full/d", "dir")},
		{"a file over a directory", rename("inside.txt", "empty"), experimentalsys.EISDIR, holds("inside.txt", "inside")},
		{"a directory over a file", rename("empty", "inside.txt"), experimentalsys.ENOTDIR, holds("empty", "dir")},
		{"a directory into itself", rename("full", "full/d/x"), experimentalsys.EINVAL, holds("full/d", "dir")},
		{"something missing", rename("missing", "x"), experimentalsys.ENOENT, holds("x", "")},
		{"into a missing directory", rename("inside.txt", "missing/x"), experimentalsys.ENOENT, holds("inside.txt", "inside")},
		{"a symlink: the link moves, its target stays", rename("ok_link", "sub/l"), 0,
			both(holds("sub/l", "-> sub/../inside.txt"), holds("inside.txt", "inside"))},
		{"a symlink out: the link moves, nothing is followed", rename("abs_link", "moved_link"), 0, holds("abs_link", "")},
		{"onto a symlink: the link is replaced, not its target", rename("other.txt", "ok_link"), 0,
			both(holds("ok_link", "other"), holds("inside.txt", "inside"))},
		{"onto a symlink out: replaced, nothing written outside", rename("other.txt", "rel_link"), 0, holds("rel_link", "other")},
		{"the mount", rename(".", "x"), experimentalsys.EINVAL, nil},
		{"onto the mount", rename("inside.txt", "/"), experimentalsys.EINVAL, holds("inside.txt", "inside")},
		{"..", rename("..", "x"), experimentalsys.EINVAL, nil},
		{"out through ..", rename("inside.txt", "../stolen"), experimentalsys.EPERM, holds("inside.txt", "inside")},
		{"out through a symlink", rename("inside.txt", "rel_link/stolen"), experimentalsys.EPERM, holds("inside.txt", "inside")},
		{"in from outside", rename("rel_link/outside_file.txt", "got"), experimentalsys.EPERM, holds("got", "")},
	})
}

func TestMountUnlinkRmdirSemantics(t *testing.T) {
	unlink := func(p string) func(experimentalsys.FS) experimentalsys.Errno {
		return func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Unlink(p) }
	}
	rmdir := func(p string) func(experimentalsys.FS) experimentalsys.Errno {
		return func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Rmdir(p) }
	}
	runMountSteps(t, []mountStep{
		{"unlink a file", unlink("inside.txt"), 0, holds("inside.txt", "")},
		{"unlink a file in a subdirectory, by a path through a symlink", unlink("sub_link/../other.txt"), 0, holds("other.txt", "")},
		{"unlink something missing", unlink("missing"), experimentalsys.ENOENT, nil},
		{"unlink a directory", unlink("empty"), experimentalsys.EISDIR, holds("empty", "dir")},
		{"unlink a directory/", unlink("empty/"), experimentalsys.EISDIR, holds("empty", "dir")},
		{"unlink a file/", unlink("inside.txt/"), experimentalsys.ENOTDIR, holds("inside.txt", "inside")},
		{"unlink a symlink to a directory: the link goes", unlink("sub_link"), 0, both(holds("sub_link", ""), holds("sub", "dir"))},
		{"unlink a symlink out: the link goes, not its target", unlink("rel_link"), 0, holds("rel_link", "")},
		{"unlink the mount", unlink("."), experimentalsys.EISDIR, nil},
		{"unlink out through ..", unlink("../outside_dir/outside_file.txt"), experimentalsys.EPERM, nil},
		{"unlink out through a symlink", unlink("abs_link/outside_file.txt"), experimentalsys.EPERM, nil},
		{"rmdir an empty directory", rmdir("empty"), 0, holds("empty", "")},
		{"rmdir an empty directory/", rmdir("empty/"), 0, holds("empty", "")},
		{"rmdir a non-empty directory", rmdir("full"), experimentalsys.ENOTEMPTY, holds("full/d", "dir")},
		{"rmdir a file", rmdir("inside.txt"), experimentalsys.ENOTDIR, holds("inside.txt", "inside")},
		{"rmdir something missing", rmdir("missing"), experimentalsys.ENOENT, nil},
		{"rmdir a symlink to a directory", rmdir("sub_link"), experimentalsys.ENOTDIR, holds("sub_link", "-> sub")},
		{"rmdir the mount", rmdir("/"), experimentalsys.EINVAL, nil},
		{"rmdir ..", rmdir(".."), experimentalsys.EINVAL, nil},
		// rmdir(2) of "link/" is the link's ENOTDIR: the kernel does not follow it.
		{"rmdir a symlink out with a trailing slash", rmdir("rel_link/"), experimentalsys.ENOTDIR, holds("rel_link", "-> ../outside_dir")},
		{"rmdir out through ..", rmdir("../outside_dir"), experimentalsys.EPERM, nil},
		{"rmdir out through a symlink", rmdir("rel_link/x"), experimentalsys.EPERM, nil},
	})
}

func TestMountCreateSemantics(t *testing.T) {
	create := func(p string, flag experimentalsys.Oflag) func(experimentalsys.FS) experimentalsys.Errno {
		return func(fsys experimentalsys.FS) experimentalsys.Errno {
			f, errno := fsys.OpenFile(p, experimentalsys.O_RDWR|experimentalsys.O_CREAT|flag, 0o644)
			if errno == 0 {
				f.Write([]byte("made"))
				f.Close()
			}
			return errno
		}
	}
	runMountSteps(t, []mountStep{
		{"create a file", create("new.txt", 0), 0, holds("new.txt", "made")},
		{"create through a symlink to a directory inside", create("sub_link/new.txt", 0), 0, holds("sub/new.txt", "made")},
		{"create exclusively over a file", create("inside.txt", experimentalsys.O_EXCL), experimentalsys.EEXIST, holds("inside.txt", "inside")},
		{"create and truncate a file", create("other.txt", experimentalsys.O_TRUNC), 0, holds("other.txt", "made")},
		{"create out through ..", create("../new.txt", 0), experimentalsys.EPERM, nil},
		{"create out through a symlink", create("abs_link/new.txt", 0), experimentalsys.EPERM, nil},
		{"create where a dangling link out points", create("deep", 0), experimentalsys.EPERM, holds("deep", "-> sub/../../outside_dir/outside_file.txt")},
		{"create under a file", create("inside.txt/x", 0), experimentalsys.ENOTDIR, nil},
		{"mkdir", func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Mkdir("nd", 0o755) }, 0, holds("nd", "dir")},
		{"mkdir an existing name", func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Mkdir("inside.txt", 0o755) },
			experimentalsys.EEXIST, holds("inside.txt", "inside")},
		{"mkdir under a file (ENOENT, as wazero's DirFS)", func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Mkdir("inside.txt/d", 0o755) },
			experimentalsys.ENOENT, nil},
		{"mkdir under something missing", func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Mkdir("missing/d", 0o755) },
			experimentalsys.ENOENT, nil},
		{"mkdir out through ..", func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Mkdir("../nd", 0o755) },
			experimentalsys.EPERM, nil},
		{"symlink, relative", func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Symlink("inside.txt", "sl") },
			0, holds("sl", "-> inside.txt")},
		{"symlink pointing out (allowed: following it is what is refused)",
			func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Symlink("../outside_dir", "sl") }, 0, holds("sl", "-> ../outside_dir")},
		{"symlink, absolute target", func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Symlink("/x", "sl") },
			experimentalsys.EPERM, holds("sl", "")},
		{"symlink over an existing name", func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Symlink("x", "inside.txt") },
			experimentalsys.EEXIST, holds("inside.txt", "inside")},
		{"symlink placed out through ..", func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Symlink("x", "../sl") },
			experimentalsys.EPERM, nil},
		{"link", func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Link("inside.txt", "sub/hard") },
			0, holds("sub/hard", "inside")},
		{"link over an existing name", func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Link("inside.txt", "other.txt") },
			experimentalsys.EEXIST, holds("other.txt", "other")},
		{"link of a directory", func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Link("sub", "sub2") },
			experimentalsys.EPERM, holds("sub2", "")},
		{"link of a file outside", func(fsys experimentalsys.FS) experimentalsys.Errno {
			return fsys.Link("rel_link/outside_file.txt", "got")
		},
			experimentalsys.EPERM, holds("got", "")},
		{"link of a symlink out: the link itself, never its target", func(fsys experimentalsys.FS) experimentalsys.Errno { return fsys.Link("deep", "got") },
			0, holds("got", "-> sub/../../outside_dir/outside_file.txt")},
	})
}

func TestMountTimes(t *testing.T) {
	fsys, mnt, outside := newSandbox(t)
	check := outsideUnchanged(t, outside)
	lut := fsys.(Lutimenser)
	mtime := func(p string, follow bool) int64 {
		t.Helper()
		stat := os.Lstat
		if follow {
			stat = os.Stat
		}
		fi, err := stat(filepath.Join(mnt, p))
		if err != nil {
			t.Fatal(err)
		}
		return fi.ModTime().UnixNano()
	}
	omit := experimentalsys.UTIME_OMIT
	for _, c := range []struct {
		what      string
		do        func() experimentalsys.Errno
		want      experimentalsys.Errno
		p         string
		follow    bool  // the times checked are p's target's
		wantMtime int64 // 0: not checked
	}{
		{"Utimens of a file", func() experimentalsys.Errno { return fsys.Utimens("inside.txt", 1e9, 2e9) }, 0, "inside.txt", true, 2e9},
		{"Utimens, the mtime left", func() experimentalsys.Errno { return fsys.Utimens("inside.txt", 3e9, omit) }, 0, "inside.txt", true, 2e9},
		{"Utimens of a symlink sets its target's", func() experimentalsys.Errno { return fsys.Utimens("ok_link", 4e9, 4e9) }, 0, "inside.txt", true, 4e9},
		{"Lutimens of a symlink sets the link's", func() experimentalsys.Errno { return lut.Lutimens("ok_link", 5e9, 5e9) }, 0, "ok_link", false, 5e9},
		{"... and not its target's", func() experimentalsys.Errno { return 0 }, 0, "inside.txt", true, 4e9},
		{"Lutimens of a symlink out sets the link's", func() experimentalsys.Errno { return lut.Lutimens("abs_link", 6e9, 6e9) }, 0, "abs_link", false, 6e9},
		{"Lutimens of a directory", func() experimentalsys.Errno { return lut.Lutimens("sub", 7e9, 7e9) }, 0, "sub", false, 7e9},
		{"Utimens of a symlink out", func() experimentalsys.Errno { return fsys.Utimens("abs_link", 1, 1) }, experimentalsys.EPERM, "", false, 0},
		{"Lutimens through a symlink out", func() experimentalsys.Errno { return lut.Lutimens("rel_link/outside_file.txt", 1, 1) }, experimentalsys.EPERM, "", false, 0},
		{"Lutimens of a symlink out with a trailing slash (follows)", func() experimentalsys.Errno { return lut.Lutimens("abs_link/", 1, 1) }, experimentalsys.EPERM, "", false, 0},
		{"Utimens of something missing", func() experimentalsys.Errno { return fsys.Utimens("missing", 1, 1) }, experimentalsys.ENOENT, "", false, 0},
		{"Lutimens of something missing", func() experimentalsys.Errno { return lut.Lutimens("missing", 1, 1) }, experimentalsys.ENOENT, "", false, 0},
		{"Utimens leaving both times: nothing to do", func() experimentalsys.Errno { return fsys.Utimens("inside.txt", omit, omit) }, 0, "inside.txt", true, 4e9},
	} {
		if got := c.do(); got != c.want {
			t.Errorf("%s: %v, want %v", c.what, got, c.want)
			continue
		}
		if c.wantMtime != 0 {
			if got := mtime(c.p, c.follow); got != c.wantMtime {
				t.Errorf("%s: %s's mtime is %v, want %v", c.what, c.p, time.Unix(0, got), time.Unix(0, c.wantMtime))
			}
		}
	}
	check()
}

// TestMountReadOnlyErrnos: a read-only mount answers each write with an
// error, whatever the path, and changes nothing; reading still works. The
// errnos are EROFS, as open(2) on a read-only filesystem: EISDIR for a
// directory opened for writing, ENOENT for a missing file (wazero's ReadFS
// answered ENOSYS to a write open).
func TestMountReadOnlyErrnos(t *testing.T) {
	dir := t.TempDir()
	mustMount(t, os.WriteFile(filepath.Join(dir, "f.txt"), []byte("precious"), 0o644))
	mustMount(t, os.Mkdir(filepath.Join(dir, "d"), 0o755))
	mustMount(t, os.Mkdir(filepath.Join(dir, "empty"), 0o755))
	mustMount(t, os.WriteFile(filepath.Join(dir, "d", "g.txt"), []byte("g"), 0o644))
	mustMount(t, os.Symlink("f.txt", filepath.Join(dir, "l")))
	old := time.Unix(1000000000, 0)
	mustMount(t, os.Chtimes(filepath.Join(dir, "f.txt"), old, old))
	fsys, err := NewFS(Mount{Host: dir, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	open := func(p string, flag experimentalsys.Oflag) experimentalsys.Errno {
		f, errno := fsys.OpenFile(p, flag, 0o644)
		if errno == 0 {
			f.Close()
		}
		return errno
	}
	const rd, wr, rw = experimentalsys.O_RDONLY, experimentalsys.O_WRONLY, experimentalsys.O_RDWR
	creat, trunc, excl := experimentalsys.O_CREAT, experimentalsys.O_TRUNC, experimentalsys.O_EXCL
	for _, c := range []struct {
		what string
		got  experimentalsys.Errno
		want experimentalsys.Errno
	}{
		{"create, read-only access", open("new.txt", rd|creat), experimentalsys.EROFS},
		{"create exclusively", open("new.txt", rd|creat|excl), experimentalsys.EROFS},
		{"create an existing file", open("f.txt", rd|creat), experimentalsys.EROFS},
		{"truncate, read-only access", open("f.txt", rd|trunc), experimentalsys.EROFS},
		{"truncate through a symlink", open("l", rd|trunc), experimentalsys.EROFS},
		{"truncate, no follow", open("l", rd|trunc|experimentalsys.O_NOFOLLOW), experimentalsys.EROFS},
		{"create in a subdirectory", open("d/new.txt", rd|creat), experimentalsys.EROFS},
		{"open for writing", open("f.txt", wr), experimentalsys.EROFS},
		{"open for reading and writing", open("f.txt", rw), experimentalsys.EROFS},
		{"open a missing file for writing", open("missing.txt", wr), experimentalsys.ENOENT},
		{"open for writing through a symlink", open("l", wr), experimentalsys.EROFS},
		{"open a symlink for writing, no follow", open("l", wr|experimentalsys.O_NOFOLLOW), experimentalsys.EROFS},
		{"open an escaping path for writing", open("../x", wr), experimentalsys.EPERM},
		{"create for writing", open("new.txt", wr|creat), experimentalsys.EROFS},
		{"open a directory for writing", open("d", wr|experimentalsys.O_DIRECTORY), experimentalsys.EISDIR},
		{"mkdir", fsys.Mkdir("nd", 0o755), experimentalsys.EROFS},
		{"mkdir of an existing name", fsys.Mkdir("d", 0o755), experimentalsys.EROFS},
		{"chmod", fsys.Chmod("f.txt", 0o600), experimentalsys.EROFS},
		{"rename", fsys.Rename("f.txt", "g.txt"), experimentalsys.EROFS},
		{"rename over a file", fsys.Rename("d/g.txt", "f.txt"), experimentalsys.EROFS},
		{"rename a directory", fsys.Rename("d", "e"), experimentalsys.EROFS},
		{"unlink", fsys.Unlink("f.txt"), experimentalsys.EROFS},
		{"unlink a symlink", fsys.Unlink("l"), experimentalsys.EROFS},
		{"rmdir", fsys.Rmdir("empty"), experimentalsys.EROFS},
		{"symlink", fsys.Symlink("f.txt", "s"), experimentalsys.EROFS},
		{"link", fsys.Link("f.txt", "h.txt"), experimentalsys.EROFS},
		{"set times", fsys.Utimens("f.txt", 0, 0), experimentalsys.EROFS},
		{"set a symlink's own times", fsys.(Lutimenser).Lutimens("l", 0, 0), experimentalsys.EROFS},
		{"set times through a symlink", fsys.Utimens("l", 0, 0), experimentalsys.EROFS},
		{"read", open("f.txt", rd), 0},
		{"read through a symlink", open("l", rd), 0},
		{"list a directory", open("d", rd|experimentalsys.O_DIRECTORY), 0},
	} {
		if c.got != c.want {
			t.Errorf("read-only mount, %s: %v, want %v", c.what, c.got, c.want)
		}
	}
	// Through a descriptor opened for reading.
	f, errno := fsys.OpenFile("f.txt", rd, 0)
	if errno != 0 {
		t.Fatal(errno)
	}
	_, werr := f.Write([]byte("x"))
	_, perr := f.Pwrite([]byte("x"), 0)
	for what, c := range map[string][2]experimentalsys.Errno{
		"write":     {werr, experimentalsys.EBADF},
		"pwrite":    {perr, experimentalsys.EBADF},
		"truncate":  {f.Truncate(0), experimentalsys.EBADF},
		"set times": {f.Utimens(0, 0), experimentalsys.EBADF},
	} {
		if c[0] != c[1] {
			t.Errorf("read-only mount, %s through a descriptor: %v, want %v", what, c[0], c[1])
		}
	}
	f.Close()
	if got := names(t, dir); got != "d,empty,f.txt,l" {
		t.Errorf("the read-only mount's entries changed: %s", got)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "f.txt"))
	fi, _ := os.Stat(filepath.Join(dir, "f.txt"))
	if string(b) != "precious" || !fi.ModTime().Equal(old) || fi.Mode().Perm() != 0o644 {
		t.Errorf("f.txt changed on a read-only mount: %q %v %v", b, fi.ModTime(), fi.Mode())
	}
}
