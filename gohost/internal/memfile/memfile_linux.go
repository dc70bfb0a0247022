package memfile

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// keepFile is false: on Linux mremap duplicates a shared mapping without a
// descriptor, so a memory holds none once it is mapped.
const keepFile = false

func memoryFile() (int, error) {
	return unix.MemfdCreate("gowasm-memory", unix.MFD_CLOEXEC)
}

// remap maps the memory's pages over dst: mremap with an old size of 0 makes
// a new mapping of the same pages of a shared mapping.
func remap(m *Memory, dst unsafe.Pointer, length uintptr) error {
	_, err := unix.MremapPtr(unsafe.Pointer(unsafe.SliceData(m.buf)), 0, dst, length, unix.MREMAP_MAYMOVE|unix.MREMAP_FIXED)
	return err
}
