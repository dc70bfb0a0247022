package main

/*
#include <stdlib.h>
#include <string.h>
#include "gowasm.h"
*/
import "C"

import (
	"unsafe"

	"github.com/gowasm/gowasm/gohost/internal/host"
)

//export gowasm_call_typed
func gowasm_call_typed(e *C.gowasm_error, fn C.uint64_t, allocator C.uint64_t, shape C.uint32_t,
	m0 *C.uint8_t, n0 C.size_t, m1 *C.uint8_t, n1 C.size_t, i0, i1 C.int64_t,
	out *C.uint8_t, outCap C.size_t, bigOut **C.uint8_t) (r C.int64_t) {
	defer guard(e, &r, failedInt)
	args := host.TypedArgs{Mem: [2][]byte{cBytes(m0, n0), cBytes(m1, n1)}, Ints: [2]int64{int64(i0), int64(i1)}}
	var big unsafe.Pointer
	sink := func(data []byte) {
		if len(data) == 0 {
			return
		}
		// copy, not C.memcpy: a cgo call (with its pointer checks) cost
		// ~40 ns of a ~900 ns greet("world").
		if C.size_t(len(data)) <= outCap {
			copy(unsafe.Slice((*byte)(unsafe.Pointer(out)), len(data)), data)
			return
		}
		p := C.malloc(C.size_t(len(data)))
		if p == nil {
			panic("gowasm: out of memory for a typed call's result")
		}
		copy(unsafe.Slice((*byte)(p), len(data)), data)
		big = p
	}
	v, err := host.CallTyped(uint64(fn), uint64(allocator)&0xFFFFFFFF, uint64(allocator)>>32, uint32(shape), &args, sink)
	if err != nil {
		C.free(big) // freeing the result failed after it was read: drop it
		setError(e, err)
		return failedInt
	}
	if big != nil {
		*bigOut = (*C.uint8_t)(big)
	}
	return C.int64_t(v)
}
