package main

/*
#include "gowasm.h"

// Callbacks live in C: Go may call a C function pointer only through C code.
// This file has no //export, so it may define functions in its preamble.
static gowasm_write_fn gw_write_fn;
static gowasm_read_fn gw_read_fn;

static void gw_set_callbacks(gowasm_callbacks *cbs) {
    gw_write_fn = cbs->write;
    gw_read_fn = cbs->read;
}

static int32_t gw_write(uint64_t stream, uint8_t *data, size_t len) {
    return gw_write_fn ? gw_write_fn(stream, data, len) : 0;
}

static int64_t gw_read(uint64_t stream, uint8_t *buf, size_t len) {
    return gw_read_fn ? gw_read_fn(stream, buf, len) : 0;
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
)

func setCallbacks(cbs *C.gowasm_callbacks) {
	C.gw_set_callbacks(cbs)
	host.SetOutput(func(stream uint64, p []byte) error {
		// p is guest memory or a Go buffer: C may read it during the call only.
		if C.gw_write(C.uint64_t(stream), (*C.uint8_t)(unsafe.Pointer(&p[0])), C.size_t(len(p))) != 0 {
			return errWriteFailed
		}
		return nil
	})
	host.SetInput(func(stream uint64, p []byte) (int, error) {
		n := C.gw_read(C.uint64_t(stream), (*C.uint8_t)(unsafe.Pointer(&p[0])), C.size_t(len(p)))
		if n < 0 || int(n) > len(p) {
			return 0, errReadFailed
		}
		return int(n), nil
	})
}
