package main

/*
#define _GNU_SOURCE // pthread_getattr_np
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

// Every call out to the embedder marks the module's engine.Callout around
// it: the thread first, then the depth (see Callout in internal/engine).
static void gw_enter(uint64_t *thread, int32_t *depth) {
    __atomic_store_n(thread, gw_thread_id(), __ATOMIC_SEQ_CST);
    __atomic_add_fetch(depth, 1, __ATOMIC_SEQ_CST);
}

static void gw_leave(int32_t *depth) { __atomic_sub_fetch(depth, 1, __ATOMIC_SEQ_CST); }

static gowasm_write_fn gw_write_fn;
static gowasm_read_fn gw_read_fn;
static gowasm_host_call_fn gw_host_call_fn;
static gowasm_signals_fn gw_signals_fn;

static void gw_set_callbacks(gowasm_callbacks *cbs) {
    gw_write_fn = cbs->write;
    gw_read_fn = cbs->read;
    gw_host_call_fn = cbs->host_call;
    gw_signals_fn = cbs->signals;
}

static int gw_has_signals(void) { return gw_signals_fn != NULL; }

// Re-entrancy depth. Each host function or guest stdio callback that calls
// back into WebAssembly (any module) nests one more Python -> cffi -> Go ->
// callback chain on the calling thread's C stack (Go code runs on its own growable stacks, but
// Python, cffi and the cgo transitions run on the thread's): ~1.3 KiB per
// level on CPython 3.11, so ~6,500 levels overflowed an 8 MiB main thread and
// killed the process. A host call made while another is in progress on the
// same thread is refused when less than a reserve of the thread's stack is
// left; the first level is never refused (it nests nothing). Only callouts
// pay, with one thread-local compare; plain export calls are untouched.
#define GW_TOO_DEEP (-2)
// The reserve is a quarter of the stack, at most 256 KiB: room for the host
// function's own Python code at the deepest level.
#define GW_STACK_RESERVE_MAX (256 * 1024)
// Where the stack's bounds cannot be found, at most this many levels (~256
// KiB of stack at the measured cost per level).
#define GW_NESTING_FALLBACK 200

static __thread int32_t gw_nesting;   // callouts in progress on this thread
static __thread uintptr_t gw_floor;   // 0: not computed; 1: bounds unknown
static __thread uintptr_t gw_stack_size;

static void gw_find_floor(void) {
    uintptr_t lo = 0, size = 0;
#if defined(__linux__)
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        void *addr;
        size_t sz;
        if (pthread_attr_getstack(&attr, &addr, &sz) == 0) {
            lo = (uintptr_t)addr;
            size = sz;
        }
        pthread_attr_destroy(&attr);
    }
#elif defined(__APPLE__)
    pthread_t self = pthread_self();
    size = pthread_get_stacksize_np(self);
    lo = (uintptr_t)pthread_get_stackaddr_np(self) - size; // the address is the top
#elif defined(_WIN32)
    ULONG_PTR l, h;
    GetCurrentThreadStackLimits(&l, &h);
    lo = l;
    size = h - l;
#endif
    gw_stack_size = size;
    if (lo == 0 || size == 0) {
        gw_floor = 1;
        return;
    }
    uintptr_t reserve = size / 4 < GW_STACK_RESERVE_MAX ? size / 4 : GW_STACK_RESERVE_MAX;
    gw_floor = lo + reserve;
}

// gw_too_deep reports whether one more nested host call would leave this
// thread's stack below its reserve (stacks grow down on every platform Go
// supports with cgo).
static int gw_too_deep(void) {
    if (gw_nesting == 0) return 0;
    if (gw_floor == 0) gw_find_floor();
    if (gw_floor == 1) return gw_nesting >= GW_NESTING_FALLBACK;
    char here;
    return (uintptr_t)&here < gw_floor;
}

// For the error message of a refused call.
static int32_t gw_nesting_depth(void) { return gw_nesting; }
static uint64_t gw_thread_stack_size(void) { return gw_stack_size; }

static int32_t gw_host_call(uint64_t fn_id, uint64_t module, uint64_t *stack, uint64_t sig, uint64_t *thread, int32_t *depth) {
    if (!gw_host_call_fn) return -1;
    if (gw_too_deep()) return GW_TOO_DEEP;
    gw_nesting++;
    gw_enter(thread, depth);
    int32_t rc = gw_host_call_fn(fn_id, module, stack, sig);
    gw_leave(depth);
    gw_nesting--;
    return rc;
}

static int32_t gw_write(uint64_t stream, uint8_t *data, size_t len, uint64_t *thread, int32_t *depth) {
    if (!gw_write_fn) return 0;
    if (gw_too_deep()) return GW_TOO_DEEP;
    gw_nesting++;
    gw_enter(thread, depth);
    int32_t rc = gw_write_fn(stream, data, len);
    gw_leave(depth);
    gw_nesting--;
    return rc;
}

// A signal handler is Python code too: it may call the module again.
static int32_t gw_signals(uint64_t *thread, int32_t *depth) {
    if (gw_too_deep()) return GW_TOO_DEEP;
    gw_nesting++;
    gw_enter(thread, depth);
    int32_t rc = gw_signals_fn();
    gw_leave(depth);
    gw_nesting--;
    return rc;
}

static int64_t gw_read(uint64_t stream, uint8_t *buf, size_t len, uint64_t *thread, int32_t *depth) {
    if (!gw_read_fn) return 0;
    if (gw_too_deep()) return GW_TOO_DEEP;
    gw_nesting++;
    gw_enter(thread, depth);
    int64_t n = gw_read_fn(stream, buf, len);
    gw_leave(depth);
    gw_nesting--;
    return n;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/gowasm/gowasm/gohost/internal/engine"
)

var (
	errWriteFailed = errors.New("the host's output stream refused the write")
	errReadFailed  = errors.New("the host's input stream failed")
	errHostFailed  = errors.New("it raised an exception")
	errHostNotRun  = errors.New("the host could not call it (in Python: the recursion limit was reached)")
	// The embedder keeps the handler's exception to raise.
	errHandlerFailed = errors.New("a signal handler raised")
)

// tooDeep is the error of a host call refused by gw_too_deep.
func tooDeep() error {
	depth, size := int(C.gw_nesting_depth()), uint64(C.gw_thread_stack_size())
	where := "this thread's stack"
	if size > 0 {
		where = fmt.Sprintf("this thread's %d KiB stack", size/1024)
	}
	return fmt.Errorf("host functions and guest stdio callbacks calling back into WebAssembly are nested %d deep, the most %s can hold safely "+
		"(call less deeply, or run the call in a thread with a larger stack: threading.stack_size())", depth, where)
}

func setCallbacks(cbs *C.gowasm_callbacks) {
	C.gw_set_callbacks(cbs)
	engine.SetOutput(func(stream uint64, p []byte, calls *engine.Callout) error {
		// p is guest memory or a Go buffer: C may read it during the call only.
		thread, depth := callout(calls)
		switch C.gw_write(C.uint64_t(stream), (*C.uint8_t)(unsafe.Pointer(&p[0])), C.size_t(len(p)), thread, depth) {
		case 0:
			return nil
		case C.GW_TOO_DEEP:
			return tooDeep()
		default:
			return errWriteFailed
		}
	})
	engine.ThreadID = func() uint64 { return uint64(C.gw_thread_id()) }
	engine.SetHostCall(func(id, module uint64, stack []uint64, sig uint64, calls *engine.Callout) error {
		var st *C.uint64_t
		if len(stack) > 0 {
			st = (*C.uint64_t)(unsafe.Pointer(&stack[0]))
		}
		thread, depth := callout(calls)
		switch rc := C.gw_host_call(C.uint64_t(id), C.uint64_t(module), st, C.uint64_t(sig), thread, depth); rc {
		case 0:
			return nil
		case C.GW_TOO_DEEP:
			return tooDeep()
		case C.GOWASM_HOST_NOT_RUN:
			return errHostNotRun
		default:
			return errHostFailed
		}
	})
	if C.gw_has_signals() != 0 {
		engine.SetSignals(func(calls *engine.Callout) error {
			thread, depth := callout(calls)
			switch C.gw_signals(thread, depth) {
			case 0:
				return nil
			case C.GW_TOO_DEEP:
				return tooDeep()
			default:
				return errHandlerFailed
			}
		})
	}
	engine.SetInput(func(stream uint64, p []byte, calls *engine.Callout) (int, error) {
		thread, depth := callout(calls)
		n := C.gw_read(C.uint64_t(stream), (*C.uint8_t)(unsafe.Pointer(&p[0])), C.size_t(len(p)), thread, depth)
		if n == C.GW_TOO_DEEP {
			return 0, tooDeep()
		}
		if n < 0 || int(n) > len(p) {
			return 0, errReadFailed
		}
		return int(n), nil
	})
}

// callout gives C the fields of a module's Callout (Go memory holding no
// pointers, used by C only during the call).
func callout(c *engine.Callout) (*C.uint64_t, *C.int32_t) {
	return (*C.uint64_t)(unsafe.Pointer(&c.Thread)), (*C.int32_t)(unsafe.Pointer(&c.Depth))
}
