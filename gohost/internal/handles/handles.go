// Package handles maps the integer handles that cross the C ABI to Go objects.
//
// C code may not keep Go pointers after a call returns (cgo's rules), so every
// object the caller names (a module, an exported function) is named by a
// handle instead. A handle is its slot number plus one: a small integer, which
// CPython converts on a fast path (values of 2**30 and above take a slow one),
// and zero is never valid.
//
// A handle is never reused: once removed it names nothing for the life of
// the process. An object the embedder still holds (a Python Caller kept by a
// host function, a memory view, an exported function) may outlive what it
// names; with reuse, it reached whatever got the handle next (another
// module's memory). Slots are handed out in order, so the first 2**30-1
// handles (a thousand modules a second for twelve days) stay on CPython's
// fast path; a chunk of slots whose handles were all removed is dropped,
// so a long-running process keeps only the chunks its live handles are in.
//
// Lookups sit on the hot path of every wasm call, so they take no lock: the
// chunks are published with atomics, and only Add and Remove serialize on a
// mutex.
package handles

import (
	"sync"
	"sync/atomic"
)

const chunkSize = 1024

type chunk[T any] [chunkSize]atomic.Pointer[T]

// dir is an immutable view of the chunks that may hold live handles: chunk
// number base+i is chunks[i], nil once all its handles were removed.
type dir[T any] struct {
	base   uint64
	chunks []*chunk[T]
}

// Table is a concurrent map from handles to *T. The zero value is ready.
type Table[T any] struct {
	dir atomic.Pointer[dir[T]]

	mu      sync.Mutex // guards the fields below and the publishing of dir
	next    uint64     // slots ever handed out
	removed []uint32   // per chunk of dir: handles removed from it
	live    int
}

// Add stores v and returns its handle, one never handed out before.
func (t *Table[T]) Add(v *T) uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	slot := t.next
	t.next++
	d := t.dir.Load()
	if d == nil || slot/chunkSize >= d.base+uint64(len(d.chunks)) {
		d = t.grow(d, slot/chunkSize)
	}
	d.chunks[slot/chunkSize-d.base][slot%chunkSize].Store(v)
	t.live++
	return slot + 1
}

// Get returns the object of handle h, or nil if h is unknown or removed.
func (t *Table[T]) Get(h uint64) *T {
	slot := h - 1 // h == 0 wraps around and fails the bounds check
	d := t.dir.Load()
	if d == nil {
		return nil
	}
	c := slot/chunkSize - d.base // below base wraps around too
	if c >= uint64(len(d.chunks)) {
		return nil
	}
	ch := d.chunks[c]
	if ch == nil {
		return nil
	}
	return ch[slot%chunkSize].Load()
}

// Remove forgets handle h for good and returns its object, or nil if h was
// not live.
func (t *Table[T]) Remove(h uint64) *T {
	t.mu.Lock()
	defer t.mu.Unlock()
	v := t.Get(h)
	if v == nil {
		return nil
	}
	slot := h - 1
	d := t.dir.Load()
	c := slot/chunkSize - d.base
	d.chunks[c][slot%chunkSize].Store(nil)
	t.live--
	if t.removed[c]++; t.removed[c] == chunkSize {
		t.drop(d, c)
	}
	return v
}

// Len returns how many handles are live (for leak checks).
func (t *Table[T]) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.live
}

// grow publishes a dir ending with chunk number last; the caller holds t.mu.
func (t *Table[T]) grow(old *dir[T], last uint64) *dir[T] {
	d := &dir[T]{base: last}
	if old != nil && len(old.chunks) > 0 {
		d.base = old.base
		d.chunks = append(d.chunks, old.chunks...)
	}
	for d.base+uint64(len(d.chunks)) <= last {
		d.chunks = append(d.chunks, new(chunk[T]))
		t.removed = append(t.removed, 0)
	}
	t.dir.Store(d)
	return d
}

// drop publishes a dir without chunk c (index in old), all of whose handles
// were removed, and without the dropped chunks it then starts with; the
// caller holds t.mu.
func (t *Table[T]) drop(old *dir[T], c uint64) {
	chunks := append([]*chunk[T](nil), old.chunks...)
	chunks[c] = nil
	removed := t.removed
	base := old.base
	for len(chunks) > 0 && chunks[0] == nil {
		chunks, removed = chunks[1:], removed[1:]
		base++
	}
	t.removed = append([]uint32(nil), removed...)
	t.dir.Store(&dir[T]{base: base, chunks: chunks})
}
