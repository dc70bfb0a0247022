package main

/*
#include <stdlib.h>
#include "gowasm.h"
*/
import "C"

import (
	"fmt"
	"math"
	"runtime/debug"
	"unsafe"

	"github.com/gowasm/gowasm/gohost/internal/engine"
	"github.com/gowasm/gowasm/gohost/internal/errs"
)

// The failure values an export returns after a panic or an error: the status
// of the status-returning ones, the hints of the integer and float ones (the
// caller then reads the error's code).
const (
	failedStatus = C.int32_t(C.GOWASM_ERR_INTERNAL)
	failedInt    = C.int64_t(C.GOWASM_FAILED_INT)
)

var failedFloat = C.double(math.NaN())

// guard is deferred first by every export: a panic must not unwind into C
// (that aborts the process), so it becomes an ErrInternal report in e and
// the export returns failed. It must be the deferred function itself, as
// recover works only there; a direct defer is open-coded, so the fast calls
// pay nothing for it when nothing panics.
func guard[T any](e *C.gowasm_error, result *T, failed T) {
	if p := recover(); p != nil {
		setPanic(e, p)
		*result = failed
	}
}

// setError fills e for the caller and returns the status to return.
func setError(e *C.gowasm_error, err error) C.int32_t {
	he := engine.AsError(err)
	if e == nil {
		return C.int32_t(he.Code)
	}
	if e.message != nil { // a previous error the caller did not free
		C.free(unsafe.Pointer(e.message))
	}
	e.code = C.int32_t(he.Code)
	e.exit_code = C.uint32_t(he.ExitCode)
	e.message = C.CString(he.Msg)
	return e.code
}

// setPanic reports a recovered panic: a bug in gowasm, never a guest's fault
// (wazero recovers guest traps itself), so it asks for a report.
func setPanic(e *C.gowasm_error, p any) C.int32_t {
	return setError(e, &errs.Error{Code: errs.ErrInternal,
		Msg: fmt.Sprintf("gowasm: internal error, please report it: panic: %v\n%s", p, debug.Stack())})
}
