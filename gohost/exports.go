package main

/*
#include <stdlib.h>
#include "gowasm.h"
*/
import "C"

import (
	"bytes"
	"encoding/json"
	"unsafe"

	"github.com/gowasm/gowasm/gohost/internal/compile"
	"github.com/gowasm/gowasm/gohost/internal/engine"
	"github.com/gowasm/gowasm/gohost/internal/errs"
)

//export gowasm_init
func gowasm_init(e *C.gowasm_error, cbs *C.gowasm_callbacks) (rc C.int32_t) {
	defer guard(e, &rc, failedStatus)
	if cbs != nil {
		setCallbacks(cbs)
	}
	return C.GOWASM_OK
}

//export gowasm_module_new
func gowasm_module_new(e *C.gowasm_error, wasm *C.uint8_t, wasmLen C.size_t, configJSON *C.char, out *C.uint64_t) (rc C.int32_t) {
	defer guard(e, &rc, failedStatus)
	wasmBytes, cfg, err := loadArgs(wasm, wasmLen, configJSON)
	if err != nil {
		return setError(e, err)
	}
	m, err := engine.NewModule(wasmBytes, cfg)
	if err != nil {
		return setError(e, err)
	}
	*out = C.uint64_t(m.Handle)
	return C.GOWASM_OK
}

//export gowasm_run
func gowasm_run(e *C.gowasm_error, wasm *C.uint8_t, wasmLen C.size_t, configJSON *C.char, exitCode *C.uint32_t) (rc C.int32_t) {
	defer guard(e, &rc, failedStatus)
	wasmBytes, cfg, err := loadArgs(wasm, wasmLen, configJSON)
	if err != nil {
		return setError(e, err)
	}
	code, err := engine.Run(wasmBytes, cfg)
	if err != nil {
		return setError(e, err)
	}
	*exitCode = C.uint32_t(code)
	return C.GOWASM_OK
}

// loadArgs copies the module's bytes (wazero may keep slices of them, and
// C owns that memory) and decodes the configuration. The length stays 64-bit
// throughout: C.GoBytes takes a C int, which turned 4 GiB + 310 bytes into
// 310. What cannot be a module is refused before it is copied.
func loadArgs(wasm *C.uint8_t, wasmLen C.size_t, configJSON *C.char) ([]byte, engine.Config, error) {
	var data []byte
	if configJSON != nil {
		data = []byte(C.GoString(configJSON))
	}
	cfg, err := engine.ParseConfig(data)
	if err != nil {
		return nil, cfg, err
	}
	if err := engine.CheckModuleSize(uint64(wasmLen), cfg); err != nil {
		return nil, cfg, err
	}
	if wasmLen == 0 {
		return []byte{}, cfg, nil
	}
	return bytes.Clone(unsafe.Slice((*byte)(unsafe.Pointer(wasm)), int(wasmLen))), cfg, nil
}

//export gowasm_module_info
func gowasm_module_info(e *C.gowasm_error, module C.uint64_t, out **C.char) (rc C.int32_t) {
	defer guard(e, &rc, failedStatus)
	return withModule(e, module, func(m *engine.Module) *errs.Error {
		data, err := json.Marshal(m.Info())
		if err != nil {
			return &errs.Error{Code: errs.ErrInternal, Msg: "gowasm: describing the module: " + err.Error()}
		}
		*out = C.CString(string(data))
		return nil
	})
}

//export gowasm_classify
func gowasm_classify(e *C.gowasm_error, namesJSON *C.char, out **C.char) (rc C.int32_t) {
	defer guard(e, &rc, failedStatus)
	if namesJSON == nil {
		return setError(e, &errs.Error{Code: errs.ErrUsage, Msg: "gowasm: gowasm_classify needs a description"})
	}
	kind, err := engine.ClassifyJSON([]byte(C.GoString(namesJSON)))
	if err != nil {
		return setError(e, err)
	}
	*out = C.CString(string(kind))
	return C.GOWASM_OK
}

//export gowasm_cache_dir
func gowasm_cache_dir(e *C.gowasm_error, dir *C.char, out **C.char) (rc C.int32_t) {
	defer guard(e, &rc, failedStatus)
	if dir == nil {
		return setError(e, &errs.Error{Code: errs.ErrUsage, Msg: "gowasm: gowasm_cache_dir needs a directory"})
	}
	choice, _ := json.Marshal(compile.UsableCacheDir(C.GoString(dir)))
	*out = C.CString(string(choice))
	return C.GOWASM_OK
}

//export gowasm_module_close
func gowasm_module_close(e *C.gowasm_error, module C.uint64_t) (rc C.int32_t) {
	defer guard(e, &rc, failedStatus)
	return closeModule(e, module, (*engine.Module).Close)
}

//export gowasm_module_free
func gowasm_module_free(e *C.gowasm_error, module C.uint64_t) (rc C.int32_t) {
	defer guard(e, &rc, failedStatus)
	return closeModule(e, module, (*engine.Module).Free)
}

// withModule runs f on a live module (the module exports' common shape),
// or reports a closed one.
func withModule(e *C.gowasm_error, module C.uint64_t, f func(m *engine.Module) *errs.Error) C.int32_t {
	m := engine.Modules.Get(uint64(module))
	if m == nil {
		return setError(e, &errs.Error{Code: errs.ErrClosed, Msg: "gowasm: the module is closed"})
	}
	if err := f(m); err != nil {
		return setError(e, err)
	}
	return C.GOWASM_OK
}

// closeModule applies close to a live module; an unknown handle is fine
// (closing is idempotent).
func closeModule(e *C.gowasm_error, module C.uint64_t, close func(*engine.Module) error) C.int32_t {
	if m := engine.Modules.Get(uint64(module)); m != nil {
		if err := close(m); err != nil {
			if he, ok := err.(*errs.Error); ok {
				return setError(e, he)
			}
			return setError(e, &errs.Error{Code: errs.ErrInternal, Msg: "gowasm: closing the module: " + err.Error()})
		}
	}
	return C.GOWASM_OK
}

//export gowasm_call
func gowasm_call(e *C.gowasm_error, fn C.uint64_t, stack *C.uint64_t, stackLen C.size_t) (rc C.int32_t) {
	defer guard(e, &rc, failedStatus)
	var st []uint64
	if stackLen > 0 {
		st = unsafe.Slice((*uint64)(unsafe.Pointer(stack)), int(stackLen))
	}
	if err := engine.Call(uint64(fn), st); err != nil {
		return setError(e, err)
	}
	return C.GOWASM_OK
}

//export gowasm_interrupts
func gowasm_interrupts(e *C.gowasm_error, mainThread C.uint64_t) (rc C.int32_t) {
	defer guard(e, &rc, failedStatus)
	if err := startWatcher(uint64(mainThread)); err != nil {
		return setError(e, &errs.Error{Code: errs.ErrInternal, Msg: err.Error()})
	}
	return C.GOWASM_OK
}

//export gowasm_call_timeout
func gowasm_call_timeout(e *C.gowasm_error, fn C.uint64_t, stack *C.uint64_t, stackLen C.size_t, timeout C.double) (rc C.int32_t) {
	defer guard(e, &rc, failedStatus)
	t := float64(timeout)
	if t != t || t > engine.MaxTimeout {
		return setError(e, &errs.Error{Code: errs.ErrUsage, Msg: "gowasm: a timeout is a number of seconds"})
	}
	var st []uint64
	if stackLen > 0 {
		st = unsafe.Slice((*uint64)(unsafe.Pointer(stack)), int(stackLen))
	}
	if err := engine.CallTimeout(uint64(fn), st, t); err != nil {
		return setError(e, err)
	}
	return C.GOWASM_OK
}

//export gowasm_timeout_push
func gowasm_timeout_push(e *C.gowasm_error, module C.uint64_t, timeout C.double, token C.uint64_t) (rc C.int32_t) {
	defer guard(e, &rc, failedStatus)
	return withModule(e, module, func(m *engine.Module) *errs.Error { return m.PushTimeout(float64(timeout), uint64(token)) })
}

//export gowasm_timeout_pop
func gowasm_timeout_pop(e *C.gowasm_error, module C.uint64_t, token C.uint64_t) (rc C.int32_t) {
	defer guard(e, &rc, failedStatus)
	if m := engine.Modules.Get(uint64(module)); m != nil { // a freed module's went with it
		m.PopTimeout(uint64(token))
	}
	return C.GOWASM_OK
}

//export gowasm_live_handles
func gowasm_live_handles(e *C.gowasm_error, modules, funcs *C.uint64_t) (rc C.int32_t) {
	defer guard(e, &rc, failedStatus)
	*modules = C.uint64_t(engine.Modules.Len())
	*funcs = C.uint64_t(engine.Funcs.Len())
	return C.GOWASM_OK
}

//export gowasm_free
func gowasm_free(p unsafe.Pointer) {
	C.free(p)
}
