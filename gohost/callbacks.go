package main

/*
#include "gowasm.h"

// Callbacks live in C: Go may call a C function pointer only through C code.
// This file has no //export, so it may define functions in its preamble.
#ifdef _WIN32
#include <windows.h>
static uint64_t gw_thread_id(void) { return (uint64_t)GetCurrentThreadId(); }
#else
#include <pthread.h>
static uint64_t gw_thread_id(void) { return (uint64_t)(uintptr_t)pthread_self(); }
#endif

// Every call out to the embedder marks the module's host.Callout around
// it: the thread first, then the depth (see Callout in internal/host).
static void gw_enter(uint64_t *thread, int32_t *depth) {
    __atomic_store_n(thread, gw_thread_id(), __ATOMIC_SEQ_CST);
    __atomic_add_fetch(depth, 1, __ATOMIC_SEQ_CST);
}

static void gw_leave(int32_t *depth) { __atomic_sub_fetch(depth, 1, __ATOMIC_SEQ_CST); }

static gowasm_write_fn gw_write_fn;
static gowasm_read_fn gw_read_fn;
static gowasm_host_call_fn gw_host_call_fn;

static void gw_set_callbacks(gowasm_callbacks *cbs) {
    gw_write_fn = cbs->write;
    gw_read_fn = cbs->read;
    gw_host_call_fn = cbs->host_call;
}

static int32_t gw_host_call(uint64_t fn_id, uint64_t module, uint64_t *stack, uint64_t sig, uint64_t *thread, int32_t *depth) {
    if (!gw_host_call_fn) return -1;
    gw_enter(thread, depth);
    int32_t rc = gw_host_call_fn(fn_id, module, stack, sig);
    gw_leave(depth);
    return rc;
}

static int32_t gw_write(uint64_t stream, uint8_t *data, size_t len, uint64_t *thread, int32_t *depth) {
    if (!gw_write_fn) return 0;
    gw_enter(thread, depth);
    int32_t rc = gw_write_fn(stream, data, len);
    gw_leave(depth);
    return rc;
}

static int64_t gw_read(uint64_t stream, uint8_t *buf, size_t len, uint64_t *thread, int32_t *depth) {
    if (!gw_read_fn) return 0;
    gw_enter(thread, depth);
    int64_t n = gw_read_fn(stream, buf, len);
    gw_leave(depth);
    return n;
}
*/
import "C"

import (
	"errors"
	"unsafe"

	"github.com/gowasm/gowasm/gohost/internal/host"
)

var (
	errWriteFailed = errors.New("the host's output stream refused the write")
	errReadFailed  = errors.New("the host's input stream failed")
	errHostFailed  = errors.New("it raised an exception")
)

func setCallbacks(cbs *C.gowasm_callbacks) {
	C.gw_set_callbacks(cbs)
	host.SetOutput(func(stream uint64, p []byte, calls *host.Callout) error {
		// p is guest memory or a Go buffer: C may read it during the call only.
		thread, depth := callout(calls)
		if C.gw_write(C.uint64_t(stream), (*C.uint8_t)(unsafe.Pointer(&p[0])), C.size_t(len(p)), thread, depth) != 0 {
			return errWriteFailed
		}
		return nil
	})
	host.ThreadID = func() uint64 { return uint64(C.gw_thread_id()) }
	host.SetHostCall(func(id, module uint64, stack []uint64, sig uint64, calls *host.Callout) error {
		var st *C.uint64_t
		if len(stack) > 0 {
			st = (*C.uint64_t)(unsafe.Pointer(&stack[0]))
		}
		thread, depth := callout(calls)
		if C.gw_host_call(C.uint64_t(id), C.uint64_t(module), st, C.uint64_t(sig), thread, depth) != 0 {
			return errHostFailed
		}
		return nil
	})
	host.SetInput(func(stream uint64, p []byte, calls *host.Callout) (int, error) {
		thread, depth := callout(calls)
		n := C.gw_read(C.uint64_t(stream), (*C.uint8_t)(unsafe.Pointer(&p[0])), C.size_t(len(p)), thread, depth)
		if n < 0 || int(n) > len(p) {
			return 0, errReadFailed
		}
		return int(n), nil
	})
}

// callout gives C the fields of a module's Callout (Go memory holding no
// pointers, used by C only during the call).
func callout(c *host.Callout) (*C.uint64_t, *C.int32_t) {
	return (*C.uint64_t)(unsafe.Pointer(&c.Thread)), (*C.int32_t)(unsafe.Pointer(&c.Depth))
}
