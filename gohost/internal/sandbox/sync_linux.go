package sandbox

import (
	"os"
	"syscall"
	"unsafe"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"golang.org/x/sys/unix"
)

const (
	rsyncFlag = unix.O_RSYNC
	dsyncFlag = unix.O_DSYNC
)

// futimens sets a file's times by descriptor: utimensat with a NULL path
// (x/sys/unix only takes a path).
func futimens(fd uintptr, atim, mtim int64) experimentalsys.Errno {
	ts := [2]unix.Timespec{timespec(atim), timespec(mtim)}
	_, _, e := syscall.Syscall6(syscall.SYS_UTIMENSAT, fd, 0, uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
	if e != 0 {
		return experimentalsys.UnwrapOSError(e)
	}
	return 0
}

func datasync(f *os.File) experimentalsys.Errno {
	return experimentalsys.UnwrapOSError(unix.Fdatasync(int(f.Fd())))
}

func timespec(ns int64) unix.Timespec {
	if ns == experimentalsys.UTIME_OMIT {
		return unix.Timespec{Nsec: unix.UTIME_OMIT}
	}
	return unix.NsecToTimespec(ns)
}
