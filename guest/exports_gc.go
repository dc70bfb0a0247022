//go:build wasip1 && !tinygo

package gowasm

import "strconv"

// Standard Go exports no allocator, so the package exports malloc and free
// here. TinyGo's runtime exports its own (exports_tinygo.go), hence
// !tinygo: two exports of one name would not link.

// allocations keeps every block from malloc reachable until free. Go's
// garbage collector never moves heap objects, so the address handed to the
// host stays valid; but it frees objects nothing points to, and the host's
// i32 is not a pointer the collector can see. A block is a []byte with an
// 8-byte header before the address handed out: its index in slots (which
// keeps it reachable) and that index xor a check word, so free finds it
// without a map (a map insert and delete cost ~250 ns in Go's wasm; a
// typed call makes one of each). Guests are single-threaded: no lock.
var (
	slots     [][]byte
	freeSlots []uint32
	// lowest and highest address a block ever had: free reads a header only
	// inside them (linear memory only grows), so a wild pointer panics with
	// this package's message instead of trapping outside memory.
	lowest, highest uint32
)

const (
	header    = 8
	checkWord = 0x676f7761 // "gowa"
)

// Small freed blocks are kept for reuse, by size class (a power of two from
// 16 to poolLargest bytes, header included), at most poolDepth each: a typed
// call allocates its result and the host frees it, and going through Go's
// allocator for each (make, then the garbage collector) was a large part of
// a short call. A reused block is zeroed, as malloc promises.
const (
	poolSmallest = 4 // 16 bytes
	poolLargest  = 4096
	poolDepth    = 8
)

var pools [13][][]byte

// sizeClass is the pool of a block of n bytes (header included), n <= poolLargest.
func sizeClass(n uint32) uint32 {
	c := uint32(poolSmallest)
	for uint32(1)<<c < n {
		c++
	}
	return c
}

func allocate(size uint32) (uint32, []byte) {
	if size == 0 {
		return 0, nil
	}
	var buf []byte
	if n := uint64(size) + header; n <= poolLargest {
		c := sizeClass(uint32(n))
		if p := pools[c]; len(p) > 0 {
			buf, pools[c] = p[len(p)-1][:n], p[:len(p)-1]
			clear(buf[header:])
		} else {
			buf = make([]byte, n, 1<<c)
		}
	} else {
		buf = make([]byte, n)
	}
	var idx uint32
	if n := len(freeSlots); n > 0 {
		idx, freeSlots = freeSlots[n-1], freeSlots[:n-1]
		slots[idx] = buf
	} else {
		idx = uint32(len(slots))
		slots = append(slots, buf)
	}
	putUint32(buf[0:4], idx)
	putUint32(buf[4:8], idx^checkWord)
	base := address(buf)
	if lowest == 0 || base < lowest {
		lowest = base
	}
	if end := base + header + size; end > highest {
		highest = end
	}
	return base + header, buf[header : header+size : header+size]
}

func release(ptr uint32) {
	if ptr == 0 {
		return
	}
	if ptr < lowest+header || ptr >= highest {
		badFree(ptr)
	}
	h := memory(ptr-header, header)
	idx := getUint32(h[0:4])
	if getUint32(h[4:8]) != idx^checkWord || idx >= uint32(len(slots)) || slots[idx] == nil || address(slots[idx])+header != ptr {
		badFree(ptr)
	}
	putUint32(h[4:8], 0) // a second free of ptr fails the check
	buf := slots[idx]
	slots[idx] = nil
	freeSlots = append(freeSlots, idx)
	if c := uint32(cap(buf)); c <= poolLargest && c&(c-1) == 0 && c >= 1<<poolSmallest {
		if k := sizeClass(c); len(pools[k]) < poolDepth {
			pools[k] = append(pools[k], buf)
		}
	}
}

// badFree panics as TinyGo's free does: a bad free is a host bug, and
// carrying on would hide it until memory is corrupted somewhere else.
func badFree(ptr uint32) {
	panic("gowasm: free(" + strconv.FormatUint(uint64(ptr), 10) + "): not from malloc, or already freed")
}

func putUint32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

func getUint32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// malloc is the exported allocator: size bytes, zeroed, that stay put until
// free(ptr). malloc(0) returns 0, as TinyGo's does.
//
//go:wasmexport malloc
func malloc(size uint32) uint32 {
	ptr, _ := allocate(size)
	return ptr
}

// free releases memory from malloc. free(0) does nothing.
//
//go:wasmexport free
func free(ptr uint32) {
	release(ptr)
}

// describe returns Description() packed, like any json result.
//
//go:wasmexport gowasm_describe
func describe() uint64 {
	return ReturnBytes(Description())
}
