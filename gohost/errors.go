package main

/*
#include <stdlib.h>
#include "gowasm.h"
*/
import "C"

import (
	"fmt"
	"runtime/debug"
	"unsafe"

	"github.com/gowasm/gowasm/gohost/internal/host"
)

// failedInt is the integer fast calls' failure hint.
const failedInt = C.int64_t(C.GOWASM_FAILED_INT)

// setError fills e for the caller and returns the status to return.
func setError(e *C.gowasm_error, err error) C.int32_t {
	he := host.AsError(err)
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
	return setError(e, &host.Error{Code: host.ErrInternal,
		Msg: fmt.Sprintf("gowasm: internal error, please report it: panic: %v\n%s", p, debug.Stack())})
}
