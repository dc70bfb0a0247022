//go:build darwin || freebsd

package host

import (
	"os"

	"golang.org/x/sys/unix"
)

// memoryFile is an unlinked temporary file: macOS has no memfd.
func memoryFile() (int, error) {
	f, err := os.CreateTemp("", "gowasm-memory-*")
	if err != nil {
		return -1, err
	}
	os.Remove(f.Name())
	fd, err := unix.Dup(int(f.Fd()))
	f.Close()
	return fd, err
}
