//go:build darwin || freebsd

package memfile

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// keepFile is true: these systems have no mremap, so a memory keeps its
// file's descriptor (one per memory) to map it again for Python.
const keepFile = true

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

// remap maps the memory file over dst.
func remap(m *Memory, dst unsafe.Pointer, length uintptr) error {
	_, err := unix.MmapPtr(m.fd, 0, dst, length, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_FIXED)
	return err
}
