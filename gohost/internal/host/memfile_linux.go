package host

import "golang.org/x/sys/unix"

func memoryFile() (int, error) {
	return unix.MemfdCreate("gowasm-memory", unix.MFD_CLOEXEC)
}
