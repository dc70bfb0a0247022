//go:build wasip1 && !tinygo

package gowasm

import "strconv"

// Standard Go exports no allocator, so the package exports malloc and free
// here. TinyGo's runtime exports its own (exports_tinygo.go), hence
// !tinygo: two exports of one name would not link.

// allocations keeps every block from malloc reachable until free. Go's
// garbage collector never moves heap objects, so the address handed to the
// host stays valid; but it frees objects nothing points to, and the host's
// i32 is not a pointer the collector can see. Guests are single-threaded, so
// the map needs no lock.
var allocations = make(map[uint32][]byte)

func allocate(size uint32) (uint32, []byte) {
	if size == 0 {
		return 0, nil
	}
	buf := make([]byte, size)
	ptr := address(buf)
	allocations[ptr] = buf
	return ptr, buf
}

func release(ptr uint32) {
	if ptr == 0 {
		return
	}
	if _, ok := allocations[ptr]; !ok {
		// As TinyGo's free does: a bad free is a host bug, and carrying on
		// would hide it until memory is corrupted somewhere else.
		panic("gowasm: free(" + strconv.FormatUint(uint64(ptr), 10) + "): not from malloc, or already freed")
	}
	delete(allocations, ptr)
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
