//go:build linux || darwin || freebsd

package host

import (
	"errors"
	"sync"
	"unsafe"

	"github.com/tetratelabs/wazero/experimental"
	"golang.org/x/sys/unix"
)

// maxReservation caps the address space one memory reserves: a memory that
// declares no maximum may grow to memoryLimitPages, and reserving costs no RAM.
const maxReservation = memoryLimitPages << 16

// mappedMemory backs a wasm linear memory with a shared mapping of a memory
// file (a memfd on Linux, an unlinked temporary file elsewhere), reserved
// at its maximum size so that it never moves. Python maps the same file to
// get a zero-copy memoryview: its pages stay valid after the memory grows
// and after the module is closed, because the kernel keeps them while any
// mapping exists. No Python object ever points at memory Go frees.
type mappedMemory struct {
	mu   sync.Mutex
	fd   int    // -1 once freed
	buf  []byte // the whole reservation
	size uint64 // the wasm memory's current length
}

func newMappedMemory(max uint64) (*mappedMemory, error) {
	if max == 0 || max > maxReservation {
		max = maxReservation
	}
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
	return &mappedMemory{fd: fd, buf: buf}, nil
}

// Reallocate implements experimental.LinearMemory: the memory grows in
// place, up to the reservation.
func (m *mappedMemory) Reallocate(size uint64) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fd < 0 || size > uint64(len(m.buf)) {
		return nil
	}
	m.size = size
	return m.buf[:size:size]
}

// Free implements experimental.LinearMemory; wazero calls it on close.
func (m *mappedMemory) Free() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fd < 0 {
		return
	}
	unix.Munmap(m.buf)
	unix.Close(m.fd)
	m.fd, m.buf = -1, nil
}

func (m *mappedMemory) contains(p unsafe.Pointer) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.buf) == 0 {
		return false
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(m.buf)))
	return uintptr(p) >= base && uintptr(p) < base+uintptr(len(m.buf))
}

// dupFile returns a new descriptor of the memory file, for the caller to
// map and close, and the reservation's size.
func (m *mappedMemory) dupFile() (int, uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fd < 0 {
		return -1, 0, errors.New("the memory is freed")
	}
	fd, err := unix.Dup(m.fd)
	return fd, uint64(len(m.buf)), err
}

// allocator makes the module's memories mappedMemory, recording them in
// *out; if a file cannot be made it falls back to wazero's own allocation.
func allocator(out *[]*mappedMemory) experimental.MemoryAllocator {
	return experimental.MemoryAllocatorFunc(func(cap, max uint64) experimental.LinearMemory {
		m, err := newMappedMemory(max)
		if err != nil {
			return &heapMemory{}
		}
		*out = append(*out, m)
		return m
	})
}
