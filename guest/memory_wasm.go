//go:build wasip1 || tinygo.wasm

package gowasm

import "unsafe"

// memory returns the size bytes of linear memory at ptr, without copying.
//
// A wasm32 address is an offset in linear memory, and both Go (whose wasm
// pointers are 64-bit but whose memory is below 4 GiB) and TinyGo map Go
// pointers to those offsets directly, so the address converts to a pointer
// as is. go vet reports "possible misuse of unsafe.Pointer" here: the
// conversion is the point, and the memory is either the host's (it stays put
// until free) or this package's (kept reachable by the allocator).
func memory(ptr, size uint32) []byte {
	if size == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(uintptr(ptr))), size)
}

// address is the wasm address of buf's first byte.
func address(buf []byte) uint32 {
	return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(buf))))
}
