package sandbox

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/gowasm/gowasm/gohost/internal/errs"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/experimental/sysfs"
	"github.com/tetratelabs/wazero/sys"
)

// Mount makes a host directory visible to the guest at a guest path.
type Mount struct {
	Host     string `json:"host"`
	Guest    string `json:"guest"`
	ReadOnly bool   `json:"readonly"`
}

// rootFS is a mount: a wazero filesystem whose every operation goes through
// an os.Root, so that no path (with "..", absolute symlinks, symlinks the
// guest made itself, trailing slashes, or a symlink swapped in by another
// process while the call runs) resolves outside the mounted directory.
//
// Checking a path before handing it to wazero's DirFS cannot be made safe:
// the kernel resolves the path again when it opens it, and a symlink swapped
// in between wins. os.Root resolves every component itself, from descriptors
// it holds, with O_NOFOLLOW, reading each symlink and resolving its target
// inside the root again (see RATIONALE.md, "The sandbox"). What os.Root
// lacks (open without following the last component, rmdir and unlink
// distinguished, times by descriptor) is done here with *at system calls
// on a parent directory that os.Root opened, on a last component that is a
// plain name, which the kernel then never follows.
type rootFS struct {
	experimentalsys.UnimplementedFS
	root *os.Root
}

func NewFS(m Mount) (experimentalsys.FS, error) {
	root, err := os.OpenRoot(m.Host)
	if err == nil {
		var fi fs.FileInfo
		if fi, err = root.Stat("."); err == nil && !fi.IsDir() {
			err = errors.New("not a directory")
		}
	}
	if err != nil {
		if root != nil {
			root.Close()
		}
		return nil, errs.Errorf(errs.ErrUsage, "gowasm: cannot mount %q: %v", m.Host, unwrapPathError(err))
	}
	var fsys experimentalsys.FS = &rootFS{root: root}
	if m.ReadOnly {
		fsys = readOnlyFS{&sysfs.ReadFS{FS: fsys}}
	}
	return fsys, nil
}

// RootOf is the directory a mount of NewFS holds open.
func RootOf(fsys experimentalsys.FS) *os.Root {
	if ro, ok := fsys.(readOnlyFS); ok {
		fsys = ro.FS
	}
	return fsys.(*rootFS).root
}

// readOnlyFS is wazero's sysfs.ReadFS, which refuses every write but one:
// it judges an open by its access mode alone, and path_open with O_CREAT or
// O_TRUNC but only the read right asks for O_RDONLY|O_CREAT|O_TRUNC, which
// creates files and truncates them. Those flags are refused here. An open
// for writing answers as open(2) on a read-only filesystem: EROFS for a
// file, EISDIR for a directory, the lookup's error (ENOENT...) for what is
// not there (wazero's ReadFS said ENOSYS, which tells a guest the call is
// not implemented).
type readOnlyFS struct{ *sysfs.ReadFS }

// OpenFile implements experimentalsys.FS.
func (r readOnlyFS) OpenFile(p string, flag experimentalsys.Oflag, perm fs.FileMode) (experimentalsys.File, experimentalsys.Errno) {
	if flag&(experimentalsys.O_CREAT|experimentalsys.O_TRUNC) != 0 {
		return nil, experimentalsys.EROFS
	}
	if flag&(experimentalsys.O_WRONLY|experimentalsys.O_RDWR) != 0 {
		stat := r.ReadFS.FS.Stat
		if flag&experimentalsys.O_NOFOLLOW != 0 {
			stat = r.ReadFS.FS.Lstat
		}
		st, errno := stat(p)
		switch {
		case errno != 0:
			return nil, errno
		case st.Mode.IsDir():
			return nil, experimentalsys.EISDIR
		}
		return nil, experimentalsys.EROFS
	}
	return r.ReadFS.OpenFile(p, flag, perm)
}

// Lutimens refuses, as every write (see Lutimenser).
func (readOnlyFS) Lutimens(string, int64, int64) experimentalsys.Errno { return experimentalsys.EROFS }

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// String implements fmt.Stringer (wazero names mounts in its logs).
func (r *rootFS) String() string { return r.root.Name() }

// errnoOf converts an error of os.Root or of a system call. os.Root refuses
// a path that would leave it with an error that is no system call's:
// that is EPERM, as WASI hosts answer a path that escapes its directory.
func errnoOf(err error) experimentalsys.Errno {
	if err == nil {
		return 0
	}
	var errno syscall.Errno
	if !errors.As(err, &errno) && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fs.ErrExist) &&
		!errors.Is(err, fs.ErrPermission) && !errors.Is(err, fs.ErrClosed) {
		return experimentalsys.EPERM
	}
	return experimentalsys.UnwrapOSError(err)
}

// rel turns wazero's path (relative to the mount; "", "." or "/" for the
// mount itself) into os.Root's.
func rel(p string) string {
	p = strings.TrimLeft(p, "/")
	if p == "" {
		return "."
	}
	return p
}

// lastName splits p into the directory that holds its last component and
// that component (with the slashes that follow it, if any), when the last
// component is a name: not ".", ".." or the mount itself.
func lastName(p string) (dir, name string, ok bool) {
	p = rel(p)
	trimmed := strings.TrimRight(p, "/")
	dir, name = path.Split(trimmed)
	if name == "" || name == "." || name == ".." {
		return "", "", false
	}
	if dir = strings.TrimRight(dir, "/"); dir == "" {
		dir = "."
	}
	return dir, name + p[len(trimmed):], true
}

// inParent runs f on the directory holding p's last component (opened
// through the root) and that component's name, or reports ok false when p
// has no such name (see lastName). The system calls f makes must not
// follow a symlink in name: unlinkat, renameat and openat with O_NOFOLLOW
// and no trailing slash don't.
func (r *rootFS) inParent(p string, f func(dir *os.File, name string) error) (ok bool, errno experimentalsys.Errno) {
	dirName, name, ok := lastName(p)
	if !ok {
		return false, 0
	}
	dir, err := r.root.OpenFile(dirName, os.O_RDONLY|platformOpenFlag(experimentalsys.O_DIRECTORY), 0)
	if err != nil {
		return true, errnoOf(err)
	}
	defer dir.Close()
	return true, errnoOf(f(dir, name))
}

// OpenFile implements experimentalsys.FS.
func (r *rootFS) OpenFile(p string, flag experimentalsys.Oflag, perm fs.FileMode) (experimentalsys.File, experimentalsys.Errno) {
	if flag&experimentalsys.O_DIRECTORY != 0 && flag&(experimentalsys.O_WRONLY|experimentalsys.O_RDWR) != 0 {
		return nil, experimentalsys.EISDIR // a directory cannot be opened for writing
	}
	osFlag := openFlag(flag)
	var f *os.File
	var err error
	if flag&experimentalsys.O_NOFOLLOW != 0 && !strings.HasSuffix(p, "/") {
		// (A trailing slash makes the kernel follow a symlink: os.Root
		// below resolves such a path, inside the root.)
		var ok bool
		var errno experimentalsys.Errno
		ok, errno = r.inParent(p, func(dir *os.File, name string) error {
			f, err = openAt(dir, name, osFlag|noFollowFlag, perm)
			return err
		})
		if errno != 0 {
			return nil, errno
		}
		if ok {
			return newRootFile(r, rel(p), flag, f), 0
		}
	}
	if f, err = r.root.OpenFile(rel(p), osFlag, perm); err != nil {
		return nil, errnoOf(err)
	}
	return newRootFile(r, rel(p), flag, f), 0
}

// Lstat implements experimentalsys.FS.
func (r *rootFS) Lstat(p string) (sys.Stat_t, experimentalsys.Errno) {
	fi, err := r.root.Lstat(rel(p))
	if err != nil {
		return sys.Stat_t{}, errnoOf(err)
	}
	return sys.NewStat_t(fi), 0
}

// Stat implements experimentalsys.FS.
func (r *rootFS) Stat(p string) (sys.Stat_t, experimentalsys.Errno) {
	fi, err := r.root.Stat(rel(p))
	if err != nil {
		return sys.Stat_t{}, errnoOf(err)
	}
	return sys.NewStat_t(fi), 0
}

// Mkdir implements experimentalsys.FS.
func (r *rootFS) Mkdir(p string, perm fs.FileMode) experimentalsys.Errno {
	errno := errnoOf(r.root.Mkdir(rel(p), perm))
	if errno == experimentalsys.ENOTDIR {
		errno = experimentalsys.ENOENT // as wazero's DirFS
	}
	return errno
}

// Chmod implements experimentalsys.FS.
func (r *rootFS) Chmod(p string, perm fs.FileMode) experimentalsys.Errno {
	return errnoOf(r.root.Chmod(rel(p), perm))
}

// Rename implements experimentalsys.FS. os.Root's Rename refuses to
// replace a directory (as os.Rename); POSIX rename, which WASI follows,
// replaces an empty one.
func (r *rootFS) Rename(from, to string) experimentalsys.Errno {
	if rel(from) == rel(to) {
		return 0
	}
	var inner experimentalsys.Errno
	ok, errno := r.inParent(from, func(fromDir *os.File, fromName string) error {
		var ok bool
		ok, inner = r.inParent(to, func(toDir *os.File, toName string) error {
			return renameAt(fromDir, fromName, toDir, toName)
		})
		if !ok {
			inner = experimentalsys.EINVAL
		}
		return nil
	})
	switch {
	case !ok:
		return experimentalsys.EINVAL // ".", ".." or the mount itself
	case errno != 0:
		return errno
	}
	return inner
}

// Rmdir implements experimentalsys.FS.
func (r *rootFS) Rmdir(p string) experimentalsys.Errno {
	ok, errno := r.inParent(p, func(dir *os.File, name string) error { return removeAt(dir, name, true) })
	if !ok {
		return experimentalsys.EINVAL // ".", ".." or the mount itself
	}
	return errno
}

// Unlink implements experimentalsys.FS. unlink(2) of a directory is EPERM
// on some systems (macOS), EISDIR as WASI and wazero's DirFS say; only the
// system call's EPERM is that: the root's EPERM (a path out) stays EPERM.
func (r *rootFS) Unlink(p string) experimentalsys.Errno {
	ok, errno := r.inParent(p, func(dir *os.File, name string) error {
		if err := removeAt(dir, name, false); !errors.Is(err, syscall.EPERM) {
			return err
		}
		return syscall.EISDIR
	})
	if !ok {
		return experimentalsys.EISDIR // ".", ".." or the mount itself: directories
	}
	return errno
}

// Link implements experimentalsys.FS.
func (r *rootFS) Link(oldPath, newPath string) experimentalsys.Errno {
	return errnoOf(r.root.Link(rel(oldPath), rel(newPath)))
}

// Symlink implements experimentalsys.FS. The link may point anywhere:
// following it is what the root confines.
func (r *rootFS) Symlink(oldPath, linkName string) experimentalsys.Errno {
	if path.IsAbs(oldPath) {
		// As wazero's DirFS and the WASI filesystem spec: absolute targets are refused.
		return experimentalsys.EPERM
	}
	return errnoOf(r.root.Symlink(oldPath, rel(linkName)))
}

// Readlink implements experimentalsys.FS.
func (r *rootFS) Readlink(p string) (string, experimentalsys.Errno) {
	target, err := r.root.Readlink(rel(p))
	if err != nil {
		return "", errnoOf(err)
	}
	return filepath.ToSlash(target), 0
}

// Utimens implements experimentalsys.FS; it follows a symlink in the last
// component (inside the root).
func (r *rootFS) Utimens(p string, atim, mtim int64) experimentalsys.Errno {
	if atim == experimentalsys.UTIME_OMIT && mtim == experimentalsys.UTIME_OMIT {
		return 0
	}
	return errnoOf(r.root.Chtimes(rel(p), timeOf(atim), timeOf(mtim)))
}

// Lutimens sets the times of p itself, a symlink's rather than its
// target's: utimensat with AT_SYMLINK_NOFOLLOW on a plain name in a
// directory the root opened. With a trailing slash the kernel would
// follow the symlink, so such a path (and the mount itself) go through
// the root, which follows inside it. Where the system call is not
// offered (ENOSYS: Windows), what is not a symlink has its times set
// through the root (following no symlink then is following none).
func (r *rootFS) Lutimens(p string, atim, mtim int64) experimentalsys.Errno {
	if !strings.HasSuffix(p, "/") {
		ok, errno := r.inParent(p, func(dir *os.File, name string) error { return lutimensAt(dir, name, atim, mtim) })
		if errno == experimentalsys.ENOSYS {
			if st, errno := r.Lstat(p); errno != 0 || st.Mode&fs.ModeSymlink != 0 {
				return experimentalsys.ENOSYS
			}
		} else if ok {
			return errno
		}
	}
	return r.Utimens(p, atim, mtim)
}

// timeOf converts wazero's nanoseconds to os.Chtimes' time, where the zero
// time leaves the time unchanged.
func timeOf(ns int64) time.Time {
	if ns == experimentalsys.UTIME_OMIT {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

// openFlag converts wazero's open flags to os.OpenFile's (as wazero's DirFS).
func openFlag(oflag experimentalsys.Oflag) int {
	var flag int
	switch oflag & (experimentalsys.O_RDONLY | experimentalsys.O_RDWR | experimentalsys.O_WRONLY) {
	case experimentalsys.O_RDWR:
		flag = os.O_RDWR
	case experimentalsys.O_WRONLY:
		flag = os.O_WRONLY
	default:
		flag = os.O_RDONLY
	}
	for _, f := range [...]struct {
		from experimentalsys.Oflag
		to   int
	}{
		{experimentalsys.O_APPEND, os.O_APPEND},
		{experimentalsys.O_CREAT, os.O_CREATE},
		{experimentalsys.O_EXCL, os.O_EXCL},
		{experimentalsys.O_SYNC, os.O_SYNC},
		{experimentalsys.O_TRUNC, os.O_TRUNC},
	} {
		if oflag&f.from != 0 {
			flag |= f.to
		}
	}
	return flag | platformOpenFlag(oflag)
}

// Lutimenser sets the times of a path's last component itself.
type Lutimenser interface {
	Lutimens(path string, atim, mtim int64) experimentalsys.Errno
}
