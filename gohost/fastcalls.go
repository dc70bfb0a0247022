package main

/*
#include "gowasm.h"
*/
import "C"

import "github.com/gowasm/gowasm/gohost/internal/engine"

// callVoid, callInt and callFloat are the bodies of the generated fast-call
// entry points (calls_gen.go), one per result kind, so that each entry point
// only packs its scalar arguments: args holds them as raw wasm values, n is
// how many there are, floats marks which are floats. The argument array is
// passed by value: it stays on the stack, and copying 32 bytes costs less
// than a measurable nanosecond.
//
// callInt and callFloat look alike (the duplicates tool pairs them) but stay
// two: one generic body would take the result type, its failure sentinel,
// the result kind and a decoder as parameters, an indirect call on the
// hottest path to save eight plain lines.
func callVoid(e *C.gowasm_error, fn C.uint64_t, args [4]uint64, n int, floats uint32) (r C.int32_t) {
	defer guard(e, &r, failedStatus)
	if _, _, err := engine.CallFast(uint64(fn), &args, n, floats, 'v'); err != nil {
		return setError(e, err)
	}
	return C.GOWASM_OK
}

func callInt(e *C.gowasm_error, fn C.uint64_t, args [4]uint64, n int, floats uint32) (r C.int64_t) {
	defer guard(e, &r, failedInt)
	raw, t, err := engine.CallFast(uint64(fn), &args, n, floats, 'i')
	if err != nil {
		setError(e, err)
		return failedInt
	}
	return C.int64_t(engine.DecodeInt(raw, t))
}

func callFloat(e *C.gowasm_error, fn C.uint64_t, args [4]uint64, n int, floats uint32) (r C.double) {
	defer guard(e, &r, failedFloat)
	raw, t, err := engine.CallFast(uint64(fn), &args, n, floats, 'f')
	if err != nil {
		setError(e, err)
		return failedFloat
	}
	return C.double(engine.DecodeFloat(raw, t))
}
