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

//export gowasm_call_map
func gowasm_call_map(e *C.gowasm_error, fn C.uint64_t, columns *unsafe.Pointer, kinds *C.uint32_t, ncolumns C.size_t,
	n C.size_t, results unsafe.Pointer, done *C.size_t) (rc C.int32_t) {
	defer guard(e, &rc, failedStatus)
	var count int // (deferred after guard: runs first, so a panic names its element too)
	defer func() {
		if done != nil {
			*done = C.size_t(count)
		}
	}()
	if ncolumns > 64 || n > 1<<48 {
		return setError(e, &errs.Error{Code: errs.ErrUsage, Msg: "gowasm: gowasm_call_map: too many columns or elements"})
	}
	var cols []engine.Column
	if ncolumns > 0 {
		ptrs := unsafe.Slice(columns, int(ncolumns))
		ks := unsafe.Slice(kinds, int(ncolumns))
		cols = make([]engine.Column, ncolumns)
		for i := range cols {
			cols[i] = engine.Column{Ptr: ptrs[i], Kind: uint32(ks[i])}
		}
	}
	if err := engine.CallMap(uint64(fn), cols, int(n), results, &count); err != nil {
		return setError(e, err)
	}
	return C.GOWASM_OK
}
