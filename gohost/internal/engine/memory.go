package engine

import (
	"unsafe"

	"github.com/gowasm/gowasm/gohost/internal/errs"
	"github.com/gowasm/gowasm/gohost/internal/memfile"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

type memoryAPI = api.Memory

// memoryLimitPages caps every memory one page below 4 GiB. At 65,536 pages
// wazero v1.12's compiler keeps the length in 32 bits: memory.size then
// reads 0 and every access traps (a Go guest allocating until it fails died
// with "out of bounds memory access" instead of running out of memory). A
// declared maximum above it is lowered to it; a minimum above it fails the load.
const memoryLimitPages = 65535

// heapMemory is wazero's default kind of memory, for when a memory file
// cannot be made: a Go slice that moves when it grows.
type heapMemory struct{ buf []byte }

func (h *heapMemory) Reallocate(size uint64) []byte {
	if size <= uint64(cap(h.buf)) {
		h.buf = h.buf[:size]
	} else {
		grown := make([]byte, size, size*2)
		copy(grown, h.buf)
		h.buf = grown
	}
	return h.buf
}

func (h *heapMemory) Free() { h.buf = nil }

// maxReservation caps the address space one memory reserves: a memory that
// declares no maximum may grow to memoryLimitPages, and reserving costs no RAM.
const maxReservation = memoryLimitPages << 16

// ownedMemory is a memory file of a module's.
type ownedMemory struct {
	*memfile.Memory
	// owner is the module whose memoryOp reads and writes it (see Free).
	owner *Module
}

// Free implements experimental.LinearMemory; wazero calls it on close,
// and when a load fails, from inside InstantiateModule (an _initialize that
// trapped), before the module is marked closed: so it waits for the
// owner's memory reads and writes in progress (another thread's, through
// a Caller the failing _initialize handed out), and marks the memory gone
// for those that come after, then unmaps.
func (m *ownedMemory) Free() {
	m.owner.memMu.Lock()
	defer m.owner.memMu.Unlock()
	m.owner.memGone = true
	m.Memory.Free()
}

// allocator makes owner's memories memory files (package memfile), recording
// them in owner.memories; if a file cannot be made it falls back to a
// heapMemory. Where there are none, wazero allocates them itself.
func allocator(owner *Module) experimental.MemoryAllocator {
	if !memfile.Supported {
		return nil
	}
	return experimental.MemoryAllocatorFunc(func(cap, max uint64) experimental.LinearMemory {
		if max == 0 || max > maxReservation {
			max = maxReservation
		}
		mm, err := memfile.New(max)
		if err != nil {
			return &heapMemory{}
		}
		m := &ownedMemory{mm, owner}
		owner.memories = append(owner.memories, m)
		return m
	})
}

var errNoMemory = errs.Errorf(errs.ErrUsage, "gowasm: the module has no memory")

// memoryOp runs f on the module's memory, refusing once the module is
// closed: memory ops do not take the call lock (a host function reads the
// memory of the call that is running), only memMu, which freeing the
// memory takes (ownedMemory.Free).
func (m *Module) memoryOp(f func(mem memoryAPI) *errs.Error) *errs.Error {
	m.memMu.RLock()
	defer m.memMu.RUnlock()
	if m.closing() || m.memGone { // not released yet while a call unwinds, but closed
		return m.closedError()
	}
	inst := m.inst
	if inst == nil {
		if starting := m.host.starting.Load(); starting != nil {
			inst = *starting // a host function called by _initialize
		} else {
			return errs.Errorf(errs.ErrClosed, "gowasm: %s is closed", m.cfg.displayName())
		}
	}
	mem := inst.Memory()
	if mem == nil {
		return errNoMemory
	}
	return f(mem)
}

// MemorySize returns the memory's length in bytes.
func (m *Module) MemorySize() (size uint64, err *errs.Error) {
	err = m.memoryOp(func(mem memoryAPI) *errs.Error {
		size = uint64(mem.Size())
		return nil
	})
	return size, err
}

// MemoryGrow grows the memory by delta pages and returns the previous size
// in pages. It waits for a running call (wazero's Grow is not synchronized
// with a guest growing the same memory), unless called from inside one.
func (m *Module) MemoryGrow(delta uint32) (previous uint32, err *errs.Error) {
	if !m.host.reentrant() {
		if err := m.lockCall(); err != nil {
			return 0, err
		}
		defer m.unlock()
	}
	err = m.memoryOp(func(mem memoryAPI) *errs.Error {
		var ok bool
		if previous, ok = mem.Grow(delta); !ok {
			max, _ := mem.Definition().Max() // the limit if none is declared
			return errs.Errorf(errs.ErrArgument, "gowasm: cannot grow the memory by %d pages: it has %d of at most %d", delta, mem.Size()/65536, max)
		}
		return nil
	})
	return previous, err
}

// MemoryCopy copies between the memory at offset and p: out of it if write
// is false, into it otherwise. Out-of-bounds ranges are refused whole.
func (m *Module) MemoryCopy(offset uint64, p []byte, write bool) *errs.Error {
	return m.memoryOp(func(mem memoryAPI) *errs.Error {
		size := mem.Size()
		if offset > uint64(size) || uint64(len(p)) > uint64(size)-offset {
			return errs.Errorf(errs.ErrArgument, "gowasm: memory access out of bounds: offset %d, length %d, memory size %d", offset, len(p), size)
		}
		if len(p) == 0 {
			return nil
		}
		buf, _ := mem.Read(uint32(offset), uint32(len(p)))
		if write {
			copy(buf, p)
		} else {
			copy(p, buf)
		}
		return nil
	})
}

// MemoryMap replaces the caller's mapping of length bytes at dst by a
// shared mapping of the memory's first length bytes, for a zero-copy view,
// and returns the memory's reserved size; with dst nil it only returns the
// size. ErrUsage means the memory cannot be mapped here.
func (m *Module) MemoryMap(dst unsafe.Pointer, length uint64) (reserved uint64, err *errs.Error) {
	err = m.memoryOp(func(mem memoryAPI) *errs.Error {
		mm := m.mappedMemoryOf(mem)
		if mm == nil {
			return errs.Errorf(errs.ErrUsage, "gowasm: this memory cannot be mapped (zero-copy views need Linux or macOS)")
		}
		var e error
		if reserved, e = mm.MapInto(dst, length); e != nil {
			return errs.Errorf(errs.ErrArgument, "gowasm: mapping the memory: %v", e)
		}
		return nil
	})
	return reserved, err
}

// mappedMemoryOf finds which of the module's allocations backs mem, by
// address: wazero does not say.
func (m *Module) mappedMemoryOf(mem memoryAPI) *ownedMemory {
	if mem.Size() == 0 {
		if len(m.memories) == 1 {
			return m.memories[0]
		}
		return nil
	}
	data, _ := mem.Read(0, 1)
	for _, mm := range m.memories {
		if mm.Contains(unsafe.Pointer(unsafe.SliceData(data))) {
			return mm
		}
	}
	return nil
}
