//go:build !wasm

package gowasm

import (
	"sort"
	"strconv"
	"sync"
)

// Off wasm there is no linear memory, so a simulated one stands in: blocks
// from allocate get made-up 32-bit addresses, and memory finds the block an
// address falls in. That is enough for go test to run a guest's exported
// functions (the package example does) and for this package's own tests.
//
// Addresses start at 64 KiB, so 0 is never a block, and leave a gap after
// each block, so running off its end is an error here rather than a read of
// the next block.

const hostBase, hostGap = 1 << 16, 16

var host struct {
	mu     sync.Mutex
	next   uint64            // the next address to hand out
	blocks map[uint32][]byte // live blocks by address
	sorted []uint32          // their addresses, ascending
}

func allocate(size uint32) (uint32, []byte) {
	if size == 0 {
		return 0, nil
	}
	host.mu.Lock()
	defer host.mu.Unlock()
	if host.next == 0 {
		host.next = hostBase
		host.blocks = make(map[uint32][]byte)
	}
	end := host.next + uint64(size) + hostGap
	if end > 1<<32 {
		panic("gowasm: simulated memory exhausted (4 GiB allocated in this process)")
	}
	ptr := uint32(host.next)
	host.next = (end + 7) &^ 7
	buf := make([]byte, size)
	host.blocks[ptr] = buf
	host.sorted = append(host.sorted, ptr) // addresses only grow
	return ptr, buf
}

func release(ptr uint32) {
	if ptr == 0 {
		return
	}
	host.mu.Lock()
	defer host.mu.Unlock()
	if _, ok := host.blocks[ptr]; !ok {
		panic("gowasm: free(" + strconv.FormatUint(uint64(ptr), 10) + "): not from malloc, or already freed")
	}
	delete(host.blocks, ptr)
	i := sort.Search(len(host.sorted), func(i int) bool { return host.sorted[i] >= ptr })
	host.sorted = append(host.sorted[:i], host.sorted[i+1:]...)
}

func memory(ptr, size uint32) []byte {
	if size == 0 {
		return nil
	}
	host.mu.Lock()
	defer host.mu.Unlock()
	// The last block that starts at or before ptr.
	i := sort.Search(len(host.sorted), func(i int) bool { return host.sorted[i] > ptr }) - 1
	if i >= 0 {
		start := host.sorted[i]
		block := host.blocks[start]
		off := uint64(ptr - start)
		if off+uint64(size) <= uint64(len(block)) {
			return block[off : off+uint64(size) : off+uint64(size)]
		}
	}
	panic("gowasm: " + strconv.FormatUint(uint64(size), 10) + " bytes at " + strconv.FormatUint(uint64(ptr), 10) +
		" are not inside one allocated block (simulated memory: only malloc'ed memory exists)")
}

// liveBlocks is the number of blocks not yet freed, for tests.
func liveBlocks() int {
	host.mu.Lock()
	defer host.mu.Unlock()
	return len(host.blocks)
}
