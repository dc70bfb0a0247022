//go:build linux || darwin || freebsd

package memfile

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Memory backs a wasm linear memory with a shared mapping of a memory
// file (a memfd on Linux, an unlinked temporary file elsewhere), reserved
// at its maximum size so that it never moves. Python gets zero-copy access
// by asking mapInto to replace a mapping of its own with one of the same
// pages: they stay valid after the memory grows and after the module is
// closed, because the kernel keeps them while any mapping exists. No Python
// object ever points at memory Go frees, and no descriptor is held where
// the platform can duplicate a mapping without one (see keepFile).
type Memory struct {
	mu   sync.Mutex
	fd   int    // the memory file if keepFile, else -1
	buf  []byte // the whole reservation; nil once freed
	size uint64 // the wasm memory's current length
}

// Supported says memories can be memory files here.
const Supported = true

// New reserves max bytes (rounded up to whole wasm pages) of a
// new memory file.
func New(max uint64) (*Memory, error) {
	max = (max + 0xffff) &^ 0xffff
	fd, err := memoryFile()
	if err != nil {
		return nil, err
	}
	if err := unix.Ftruncate(fd, int64(max)); err != nil {
		unix.Close(fd)
		return nil, err
	}
	buf, err := unix.Mmap(fd, 0, int(max), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	if !keepFile {
		// The mapping keeps the file alive: one descriptor per memory would
		// exhaust the common limit of 1,024 at about 1,000 modules.
		unix.Close(fd)
		fd = -1
	}
	return &Memory{fd: fd, buf: buf}, nil
}

// Reallocate implements experimental.LinearMemory: the memory grows in
// place, up to the reservation.
func (m *Memory) Reallocate(size uint64) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.buf == nil || size > uint64(len(m.buf)) {
		return nil
	}
	m.size = size
	return m.buf[:size:size]
}

// Free implements experimental.LinearMemory: it unmaps the memory (the
// caller's own mappings of it, from mapInto, stay valid).
func (m *Memory) Free() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.buf == nil {
		return
	}
	unix.Munmap(m.buf)
	if m.fd >= 0 {
		unix.Close(m.fd)
	}
	m.fd, m.buf = -1, nil
}

func (m *Memory) Contains(p unsafe.Pointer) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.buf) == 0 {
		return false
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(m.buf)))
	return uintptr(p) >= base && uintptr(p) < base+uintptr(len(m.buf))
}

// MapInto replaces the caller's mapping of length bytes at dst (page-aligned,
// which the caller owns and unmaps) by a shared mapping of the memory's
// first length bytes, and returns the reservation's size. With dst nil it
// only returns the size.
func (m *Memory) MapInto(dst unsafe.Pointer, length uint64) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.buf == nil {
		return 0, errors.New("the memory is freed")
	}
	reserved := uint64(len(m.buf))
	if dst == nil {
		return reserved, nil
	}
	if length == 0 || length > reserved {
		return reserved, fmt.Errorf("cannot map %d bytes of a %d-byte reservation", length, reserved)
	}
	return reserved, remap(m, dst, uintptr(length))
}
