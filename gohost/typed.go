package main

/*
#include <stdlib.h>
#include <string.h>
#include "gowasm.h"
*/
import "C"

import (
	"unsafe"

	"github.com/gowasm/gowasm/gohost/internal/engine"
	"github.com/gowasm/gowasm/gohost/internal/errs"
)

//export gowasm_call_typed
func gowasm_call_typed(e *C.gowasm_error, fn C.uint64_t, allocator C.uint64_t, shape C.uint32_t,
	m0 *C.uint8_t, n0 C.size_t, m1 *C.uint8_t, n1 C.size_t, i0, i1 C.int64_t,
	out *C.uint8_t, outCap C.size_t, bigOut **C.uint8_t) (r C.int64_t) {
	defer guard(e, &r, failedInt)
	args := engine.TypedArgs{Mem: [2][]byte{cBytes(m0, n0), cBytes(m1, n1)}, Ints: [2]int64{int64(i0), int64(i1)}}
	var big unsafe.Pointer
	sink := func(data []byte) {
		if len(data) == 0 {
			return
		}
		// copy, not C.memcpy: a cgo call (with its pointer checks) was a
		// visible part of a typed call (RATIONALE.md, "Typed calls").
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
	v, err := engine.CallTyped(uint64(fn), uint64(allocator)&0xFFFFFFFF, uint64(allocator)>>32, uint32(shape), &args, sink)
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

//export gowasm_call_typed_map
func gowasm_call_typed_map(e *C.gowasm_error, fn C.uint64_t, allocator C.uint64_t, shape C.uint32_t, flags C.uint32_t,
	n C.size_t, m0, m1 *C.gowasm_span, i0, i1 *C.int64_t, results *C.int64_t, data **C.uint8_t,
	done *C.size_t) (rc C.int32_t) {
	defer guard(e, &rc, failedStatus)
	var count int // (deferred after guard: runs first, so a panic names its element too)
	defer func() {
		if done != nil {
			*done = C.size_t(count)
		}
	}()
	if data != nil {
		*data = nil
	}
	if n > 1<<48 || data == nil || (results == nil && n > 0) {
		return setError(e, &errs.Error{Code: errs.ErrUsage, Msg: "gowasm: gowasm_call_typed_map: bad arguments"})
	}
	cols := engine.TypedColumns{
		Mem:  [2]*engine.Span{(*engine.Span)(unsafe.Pointer(m0)), (*engine.Span)(unsafe.Pointer(m1))},
		Ints: [2]*int64{(*int64)(unsafe.Pointer(i0)), (*int64)(unsafe.Pointer(i1))},
	}
	var res []int64
	if n > 0 {
		res = unsafe.Slice((*int64)(unsafe.Pointer(results)), int(n))
	}
	// The memory results' bytes, appended to a malloc'ed buffer that
	// doubles when full (a cgo call per growth, not per element).
	var buf unsafe.Pointer
	var used, capacity uintptr
	sink := func(_ int, b []byte) {
		if len(b) == 0 {
			return
		}
		if need := used + uintptr(len(b)); need > capacity {
			c := max(capacity*2, need, 4096)
			p := C.realloc(buf, C.size_t(c))
			if p == nil {
				panic("gowasm: out of memory for a typed map's results")
			}
			buf, capacity = p, c
			*data = (*C.uint8_t)(buf) // set at once: freed by the caller even if a later step fails
		}
		copy(unsafe.Slice((*byte)(unsafe.Add(buf, used)), len(b)), b)
		used += uintptr(len(b))
	}
	err := engine.CallTypedMap(uint64(fn), uint64(allocator)&0xFFFFFFFF, uint64(allocator)>>32, uint32(shape),
		int(n), &cols, flags&C.GOWASM_MAP_UTF8 != 0, res, sink, &count)
	if err == engine.ErrNotUTF8 {
		return C.GOWASM_MAP_NOT_UTF8
	}
	if err != nil {
		return setError(e, err)
	}
	return C.GOWASM_OK
}
