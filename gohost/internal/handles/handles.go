// Package handles maps the integer handles that cross the C ABI to Go objects.
//
// C code may not keep Go pointers after a call returns (cgo's rules), so every
// object the caller names (a module, an exported function) is named by a
// handle instead. A handle is its slot number plus one: a small integer, which
// CPython converts on a fast path (values of 2**30 and above take a slow one),
// and zero is never valid. Like a file descriptor, a handle is reused once
// its owner has removed it; the owner must not use it after that.
//
// Lookups sit on the hot path of every wasm call, so they take no lock: slots
// live in fixed-size chunks published with atomics, and only Add and Remove
// serialize on a mutex.
package handles

import (
	"sync"
	"sync/atomic"
)

const chunkSize = 1024

type chunk[T any] [chunkSize]atomic.Pointer[T]

// Table is a concurrent map from handles to *T. The zero value is ready.
type Table[T any] struct {
	chunks atomic.Pointer[[]*chunk[T]]

	mu   sync.Mutex // guards the fields below and the growth of chunks
	free []uint32   // slots released by Remove
	used uint32     // slots ever handed out
	live int
}

// Add stores v and returns its handle.
func (t *Table[T]) Add(v *T) uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	var slot uint32
	if n := len(t.free); n > 0 {
		slot, t.free = t.free[n-1], t.free[:n-1]
	} else {
		slot = t.used
		t.used++
		t.grow(slot)
	}
	t.chunkOf(slot)[slot%chunkSize].Store(v)
	t.live++
	return uint64(slot) + 1
}

// Get returns the object of handle h, or nil if h is unknown or removed.
func (t *Table[T]) Get(h uint64) *T {
	slot := h - 1 // h == 0 wraps around and fails the bounds check
	chunks := t.chunks.Load()
	if chunks == nil || slot/chunkSize >= uint64(len(*chunks)) {
		return nil
	}
	return (*chunks)[slot/chunkSize][slot%chunkSize].Load()
}

// Remove forgets handle h and returns its object, or nil if h was not live.
func (t *Table[T]) Remove(h uint64) *T {
	t.mu.Lock()
	defer t.mu.Unlock()
	v := t.Get(h)
	if v == nil {
		return nil
	}
	slot := uint32(h - 1)
	t.chunkOf(slot)[slot%chunkSize].Store(nil)
	t.free = append(t.free, slot)
	t.live--
	return v
}

// Len returns how many handles are live (for leak checks).
func (t *Table[T]) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.live
}

func (t *Table[T]) chunkOf(slot uint32) *chunk[T] {
	return (*t.chunks.Load())[slot/chunkSize]
}

// grow makes sure slot has a chunk; the caller holds t.mu.
func (t *Table[T]) grow(slot uint32) {
	var old []*chunk[T]
	if p := t.chunks.Load(); p != nil {
		old = *p
	}
	if int(slot/chunkSize) < len(old) {
		return
	}
	grown := append(append([]*chunk[T](nil), old...), new(chunk[T]))
	t.chunks.Store(&grown)
}
