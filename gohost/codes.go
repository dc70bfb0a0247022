package main

/*
#include "gowasm.h"
*/
import "C"

import (
	"unsafe"

	"github.com/gowasm/gowasm/gohost/internal/host"
)

// Each host.Code is the gowasm.h constant of its name: gowasm.h is the one
// source of the numbers, and a difference fails to compile here (one of
// the two differences is negative, which no uint constant holds).
const (
	_ = uint(C.GOWASM_OK - host.OK)
	_ = uint(host.OK - C.GOWASM_OK)
	_ = uint(C.GOWASM_ERR_COMPILE - host.ErrCompile)
	_ = uint(host.ErrCompile - C.GOWASM_ERR_COMPILE)
	_ = uint(C.GOWASM_ERR_LINK - host.ErrLink)
	_ = uint(host.ErrLink - C.GOWASM_ERR_LINK)
	_ = uint(C.GOWASM_ERR_TRAP - host.ErrTrap)
	_ = uint(host.ErrTrap - C.GOWASM_ERR_TRAP)
	_ = uint(C.GOWASM_ERR_EXIT - host.ErrExit)
	_ = uint(host.ErrExit - C.GOWASM_ERR_EXIT)
	_ = uint(C.GOWASM_ERR_CLOSED - host.ErrClosed)
	_ = uint(host.ErrClosed - C.GOWASM_ERR_CLOSED)
	_ = uint(C.GOWASM_ERR_ARGUMENT - host.ErrArgument)
	_ = uint(host.ErrArgument - C.GOWASM_ERR_ARGUMENT)
	_ = uint(C.GOWASM_ERR_USAGE - host.ErrUsage)
	_ = uint(host.ErrUsage - C.GOWASM_ERR_USAGE)
	_ = uint(C.GOWASM_ERR_INTERNAL - host.ErrInternal)
	_ = uint(host.ErrInternal - C.GOWASM_ERR_INTERNAL)
	_ = uint(C.GOWASM_ERR_HOST - host.ErrHost)
	_ = uint(host.ErrHost - C.GOWASM_ERR_HOST)
	_ = uint(C.GOWASM_ERR_DEADLOCK - host.ErrDeadlock)
	_ = uint(host.ErrDeadlock - C.GOWASM_ERR_DEADLOCK)
	_ = uint(C.GOWASM_ERR_INTERRUPTED - host.ErrInterrupted)
	_ = uint(host.ErrInterrupted - C.GOWASM_ERR_INTERRUPTED)
	_ = uint(C.GOWASM_ERR_TIMEOUT - host.ErrTimeout)
	_ = uint(host.ErrTimeout - C.GOWASM_ERR_TIMEOUT)
	_ = uint(C.GOWASM_ERR_GUEST - host.ErrGuest)
	_ = uint(host.ErrGuest - C.GOWASM_ERR_GUEST)
)

// host.MaxModuleSize is gowasm.h's GOWASM_MAX_MODULE_SIZE, which Python
// reads to refuse a larger file before reading it.
const (
	_ = uint(C.GOWASM_MAX_MODULE_SIZE - host.MaxModuleSize)
	_ = uint(host.MaxModuleSize - C.GOWASM_MAX_MODULE_SIZE)
)

// host.Span is gowasm.h's gowasm_span, which gowasm_call_typed_map casts
// (typed.go): a difference of size or offset fails to compile here.
const (
	_ = uint(unsafe.Sizeof(C.gowasm_span{}) - unsafe.Sizeof(host.Span{}))
	_ = uint(unsafe.Sizeof(host.Span{}) - unsafe.Sizeof(C.gowasm_span{}))
	_ = uint(unsafe.Offsetof(C.gowasm_span{}.len) - unsafe.Offsetof(host.Span{}.Len))
	_ = uint(unsafe.Offsetof(host.Span{}.Len) - unsafe.Offsetof(C.gowasm_span{}.len))
	_ = uint(unsafe.Sizeof(C.gowasm_span{}.len) - unsafe.Sizeof(host.Span{}.Len))
	_ = uint(unsafe.Sizeof(host.Span{}.Len) - unsafe.Sizeof(C.gowasm_span{}.len))
)
