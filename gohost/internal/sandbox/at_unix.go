//go:build unix

package sandbox

import (
	"io/fs"
	"os"
	"path"
	"syscall"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"golang.org/x/sys/unix"
)

// openAt opens name, a plain name (no slash, not "." or ".."), in dir.
func openAt(dir *os.File, name string, flag int, perm fs.FileMode) (*os.File, error) {
	var fd int
	var err error
	for {
		fd, err = unix.Openat(int(dir.Fd()), name, flag|unix.O_CLOEXEC, uint32(perm.Perm()))
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return nil, &fs.PathError{Op: "openat", Path: name, Err: err}
	}
	return os.NewFile(uintptr(fd), path.Join(dir.Name(), name)), nil
}

// removeAt removes name, a plain name, from dir: only a directory if isDir
// (rmdir), only something else otherwise (unlink).
func removeAt(dir *os.File, name string, isDir bool) error {
	flags := 0
	if isDir {
		flags = unix.AT_REMOVEDIR
	}
	return unix.Unlinkat(int(dir.Fd()), name, flags)
}

const noFollowFlag = unix.O_NOFOLLOW

func setNonblock(fd uintptr, enable bool) experimentalsys.Errno {
	return experimentalsys.UnwrapOSError(syscall.SetNonblock(int(fd), enable))
}

// platformOpenFlag converts the open flags that os has no name for.
func platformOpenFlag(oflag experimentalsys.Oflag) (flag int) {
	if oflag&experimentalsys.O_DIRECTORY != 0 {
		flag |= unix.O_DIRECTORY
	}
	if oflag&experimentalsys.O_DSYNC != 0 {
		flag |= dsyncFlag
	}
	if oflag&experimentalsys.O_NONBLOCK != 0 {
		flag |= unix.O_NONBLOCK
	}
	if oflag&experimentalsys.O_RSYNC != 0 {
		flag |= rsyncFlag
	}
	return flag
}

// pwrite writes at off with pwrite(2). Go's WriteAt refuses a file opened
// with O_APPEND, where POSIX writes at off and Linux appends (which WASI
// programs and wasi-testsuite accept).
func pwrite(f *os.File, buf []byte, off int64) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := unix.Pwrite(int(f.Fd()), buf[n:], off+int64(n))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n, err
		}
		n += m
	}
	return n, nil
}

// lutimensAt sets the times of name, a plain name in dir, not following it.
// A time left as it is (UTIME_OMIT, which macOS's headers have but Go's
// x/sys does not) is read first and set again.
func lutimensAt(dir *os.File, name string, atim, mtim int64) error {
	if atim == experimentalsys.UTIME_OMIT || mtim == experimentalsys.UTIME_OMIT {
		var st unix.Stat_t
		if err := unix.Fstatat(int(dir.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return err
		}
		if atim == experimentalsys.UTIME_OMIT {
			atim = unix.TimespecToNsec(st.Atim)
		}
		if mtim == experimentalsys.UTIME_OMIT {
			mtim = unix.TimespecToNsec(st.Mtim)
		}
	}
	ts := []unix.Timespec{unix.NsecToTimespec(atim), unix.NsecToTimespec(mtim)}
	return unix.UtimesNanoAt(int(dir.Fd()), name, ts, unix.AT_SYMLINK_NOFOLLOW)
}

// renameAt renames a plain name in one directory to one in another.
func renameAt(fromDir *os.File, fromName string, toDir *os.File, toName string) error {
	return unix.Renameat(int(fromDir.Fd()), fromName, int(toDir.Fd()), toName)
}
