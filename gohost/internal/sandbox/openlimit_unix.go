//go:build unix

package sandbox

import "golang.org/x/sys/unix"

// processOpenFileLimit is the process's soft limit on open descriptors
// (RLIMIT_NOFILE), or 1024 if it cannot be read or is unlimited.
func processOpenFileLimit() uint64 {
	var l unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &l) != nil || l.Cur == unix.RLIM_INFINITY {
		return 1024
	}
	return l.Cur
}
