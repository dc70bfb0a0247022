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

// Each errs.Code is the gowasm.h constant of its name: gowasm.h is the one
// source of the numbers, and a difference fails to compile here (one of
// the two differences is negative, which no uint constant holds).
const (
	_ = uint(C.GOWASM_OK - errs.OK)
	_ = uint(errs.OK - C.GOWASM_OK)
	_ = uint(C.GOWASM_ERR_COMPILE - errs.ErrCompile)
	_ = uint(errs.ErrCompile - C.GOWASM_ERR_COMPILE)
	_ = uint(C.GOWASM_ERR_LINK - errs.ErrLink)
	_ = uint(errs.ErrLink - C.GOWASM_ERR_LINK)
	_ = uint(C.GOWASM_ERR_TRAP - errs.ErrTrap)
	_ = uint(errs.ErrTrap - C.GOWASM_ERR_TRAP)
	_ = uint(C.GOWASM_ERR_EXIT - errs.ErrExit)
	_ = uint(errs.ErrExit - C.GOWASM_ERR_EXIT)
	_ = uint(C.GOWASM_ERR_CLOSED - errs.ErrClosed)
	_ = uint(errs.ErrClosed - C.GOWASM_ERR_CLOSED)
	_ = uint(C.GOWASM_ERR_ARGUMENT - errs.ErrArgument)
	_ = uint(errs.ErrArgument - C.GOWASM_ERR_ARGUMENT)
	_ = uint(C.GOWASM_ERR_USAGE - errs.ErrUsage)
	_ = uint(errs.ErrUsage - C.GOWASM_ERR_USAGE)
	_ = uint(C.GOWASM_ERR_INTERNAL - errs.ErrInternal)
	_ = uint(errs.ErrInternal - C.GOWASM_ERR_INTERNAL)
	_ = uint(C.GOWASM_ERR_HOST - errs.ErrHost)
	_ = uint(errs.ErrHost - C.GOWASM_ERR_HOST)
	_ = uint(C.GOWASM_ERR_DEADLOCK - errs.ErrDeadlock)
	_ = uint(errs.ErrDeadlock - C.GOWASM_ERR_DEADLOCK)
	_ = uint(C.GOWASM_ERR_INTERRUPTED - errs.ErrInterrupted)
	_ = uint(errs.ErrInterrupted - C.GOWASM_ERR_INTERRUPTED)
	_ = uint(C.GOWASM_ERR_TIMEOUT - errs.ErrTimeout)
	_ = uint(errs.ErrTimeout - C.GOWASM_ERR_TIMEOUT)
	_ = uint(C.GOWASM_ERR_GUEST - errs.ErrGuest)
	_ = uint(errs.ErrGuest - C.GOWASM_ERR_GUEST)
)

// errs.FatalCodes and engine.MaxTimeout are gowasm.h's, which Python reads.
const (
	_ = uint(C.GOWASM_FATAL_CODES - errs.FatalCodes)
	_ = uint(errs.FatalCodes - C.GOWASM_FATAL_CODES)
	_ = uint(C.GOWASM_MAX_TIMEOUT - engine.MaxTimeout)
	_ = uint(engine.MaxTimeout - C.GOWASM_MAX_TIMEOUT)
)

// engine.MaxModuleSize is gowasm.h's GOWASM_MAX_MODULE_SIZE, which Python
// reads to refuse a larger file before reading it.
const (
	_ = uint(C.GOWASM_MAX_MODULE_SIZE - engine.MaxModuleSize)
	_ = uint(engine.MaxModuleSize - C.GOWASM_MAX_MODULE_SIZE)
)

// engine.Span is gowasm.h's gowasm_span, which gowasm_call_typed_map casts
// (typed.go): a difference of size or offset fails to compile here.
const (
	_ = uint(unsafe.Sizeof(C.gowasm_span{}) - unsafe.Sizeof(engine.Span{}))
	_ = uint(unsafe.Sizeof(engine.Span{}) - unsafe.Sizeof(C.gowasm_span{}))
	_ = uint(unsafe.Offsetof(C.gowasm_span{}.len) - unsafe.Offsetof(engine.Span{}.Len))
	_ = uint(unsafe.Offsetof(engine.Span{}.Len) - unsafe.Offsetof(C.gowasm_span{}.len))
	_ = uint(unsafe.Sizeof(C.gowasm_span{}.len) - unsafe.Sizeof(engine.Span{}.Len))
	_ = uint(unsafe.Sizeof(engine.Span{}.Len) - unsafe.Sizeof(C.gowasm_span{}.len))
)
