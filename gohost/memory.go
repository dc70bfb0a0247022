package main

/*
#include "gowasm.h"
*/
import "C"

import (
	"unsafe"

	"github.com/gowasm/gowasm/gohost/internal/engine"
	"github.com/gowasm/gowasm/gohost/internal/errs"
)

//export gowasm_memory_len
func gowasm_memory_len(e *C.gowasm_error, module C.uint64_t) (n C.int64_t) {
	defer guard(e, &n, -1)
	n = -1
	withModule(e, module, func(m *engine.Module) *errs.Error {
		size, err := m.MemorySize()
		if err == nil {
			n = C.int64_t(size)
		}
		return err
	})
	return n
}

//export gowasm_memory_grow
func gowasm_memory_grow(e *C.gowasm_error, module C.uint64_t, delta C.uint32_t, previous *C.uint32_t) (rc C.int32_t) {
	defer guard(e, &rc, failedStatus)
	return withModule(e, module, func(m *engine.Module) *errs.Error {
		pages, err := m.MemoryGrow(uint32(delta))
		*previous = C.uint32_t(pages)
		return err
	})
}

//export gowasm_memory_read
func gowasm_memory_read(e *C.gowasm_error, module C.uint64_t, offset C.uint64_t, dst *C.uint8_t, n C.size_t) (rc C.int32_t) {
	defer guard(e, &rc, failedStatus)
	return withModule(e, module, func(m *engine.Module) *errs.Error {
		return m.MemoryCopy(uint64(offset), cBytes(dst, n), false)
	})
}

//export gowasm_memory_write
func gowasm_memory_write(e *C.gowasm_error, module C.uint64_t, offset C.uint64_t, src *C.uint8_t, n C.size_t) (rc C.int32_t) {
	defer guard(e, &rc, failedStatus)
	return withModule(e, module, func(m *engine.Module) *errs.Error {
		return m.MemoryCopy(uint64(offset), cBytes(src, n), true)
	})
}

//export gowasm_memory_map
func gowasm_memory_map(e *C.gowasm_error, module C.uint64_t, dst *C.uint8_t, length C.uint64_t, reserved *C.uint64_t) (rc C.int32_t) {
	defer guard(e, &rc, failedStatus)
	return withModule(e, module, func(m *engine.Module) *errs.Error {
		size, err := m.MemoryMap(unsafe.Pointer(dst), uint64(length))
		*reserved = C.uint64_t(size)
		return err
	})
}

// cBytes views C memory as a slice for the duration of a call.
func cBytes(p *C.uint8_t, n C.size_t) []byte {
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(p)), int(n))
}
