package engine

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gowasm/gowasm/gohost/internal/errs"
)

// trappingStartWasm is, in WAT (its start function calls a host function,
// which may hand the module's handle to another thread, then traps):
//
//	(module (import "env" "cb" (func $cb)) (memory (export "memory") 1024)
//	  (func $start call $cb unreachable) (start $start))
var trappingStartWasm = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x02, 0x0a,
	0x01, 0x03, 0x65, 0x6e, 0x76, 0x02, 0x63, 0x62, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x05, 0x04,
	0x01, 0x00, 0x80, 0x08, 0x07, 0x0a, 0x01, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00,
	0x08, 0x01, 0x01, 0x0a, 0x07, 0x01, 0x05, 0x00, 0x10, 0x00, 0x00, 0x0b,
}

// trappingInitWasm is trappingStartWasm with the call in _initialize,
// which wazero calls (and closes the instance after, when it fails):
//
//	(module (import "env" "cb" (func $cb)) (memory (export "memory") 1024)
//	  (func (export "_initialize") call $cb unreachable))
var trappingInitWasm = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x02, 0x0a,
	0x01, 0x03, 0x65, 0x6e, 0x76, 0x02, 0x63, 0x62, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x05, 0x04,
	0x01, 0x00, 0x80, 0x08, 0x07, 0x18, 0x02, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00,
	0x0b, 0x5f, 0x69, 0x6e, 0x69, 0x74, 0x69, 0x61, 0x6c, 0x69, 0x7a, 0x65, 0x00, 0x01, 0x0a, 0x07,
	0x01, 0x05, 0x00, 0x10, 0x00, 0x00, 0x0b,
}

// withModuleHostCall installs a host function callback, marking Callout
// as the cgo layer does, that runs f with the calling module's handle.
func withModuleHostCall(t *testing.T, f func(module uint64)) {
	withHostCallback(t, func(_, module uint64) error { f(module); return nil })
}

// A failed load frees its memory while another thread, given the module's
// handle by a host function the start function called (a Python Caller
// kept and used from a thread), may be reading it: the reads must end in
// ErrClosed, never in a read of unmapped memory (a fatal fault).
func TestAFailedLoadNeverFreesMemoryAReadIsUsing(t *testing.T) {
	for name, wasm := range map[string][]byte{"start section": trappingStartWasm, "_initialize": trappingInitWasm} {
		t.Run(name, func(t *testing.T) { failedLoadsWithAReader(t, wasm) })
	}
}

func failedLoadsWithAReader(t *testing.T, wasm []byte) {
	buf := make([]byte, 64<<20)
	var wg sync.WaitGroup
	var reads atomic.Int64
	withModuleHostCall(t, func(module uint64) {
		m := Modules.Get(module)
		started := make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			close(started)
			for m.MemoryCopy(0, buf, false) == nil {
				reads.Add(1)
			}
		}()
		<-started
		for reads.Load() == 0 {
		}
	})
	cfg := Config{Name: "trap", HostFuncs: []HostFunc{{Module: "env", Name: "cb", ID: 1}}}
	for i := 0; i < 20; i++ {
		if _, err := NewModule(wasm, cfg); err == nil {
			t.Fatal("the start function's trap did not fail the load")
		}
		wg.Wait()
	}
}

// calloutMemoryWasm is calloutWasm with a memory of one page:
//
//	(module (import "env" "cb" (func $cb)) (memory (export "memory") 1)
//	  (func (export "run") call $cb) (func (export "nop")))
var calloutMemoryWasm = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x02, 0x0a,
	0x01, 0x03, 0x65, 0x6e, 0x76, 0x02, 0x63, 0x62, 0x00, 0x00, 0x03, 0x03, 0x02, 0x00, 0x00, 0x05,
	0x03, 0x01, 0x00, 0x01, 0x07, 0x16, 0x03, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00,
	0x03, 0x72, 0x75, 0x6e, 0x00, 0x01, 0x03, 0x6e, 0x6f, 0x70, 0x00, 0x02, 0x0a, 0x09, 0x02, 0x04,
	0x00, 0x10, 0x00, 0x0b, 0x02, 0x00, 0x0b,
}

// Close and Free race calls, memory reads, writes and grows from other
// threads (and from the host function the calls are in): every use ends
// in success or ErrClosed; go test -race checks the rest.
func TestCloseAndFreeRaceEveryUse(t *testing.T) {
	withModuleHostCall(t, func(module uint64) {
		if m := Modules.Get(module); m != nil {
			var b [8]byte
			m.MemoryCopy(0, b[:], true)
			m.MemoryGrow(0)
		}
	})
	cfg := Config{Name: "race", HostFuncs: []HostFunc{{Module: "env", Name: "cb", ID: 1}}}
	for i := 0; i < 30; i++ {
		m, err := NewModule(calloutMemoryWasm, cfg)
		if err != nil {
			t.Fatal(err)
		}
		run, nop := funcNamed(m, "run").handle, funcNamed(m, "nop").handle
		h := m.Handle
		var wg sync.WaitGroup
		failures := make(chan *errs.Error, 64)
		use := func(f func() *errs.Error) {
			defer wg.Done()
			for {
				if err := f(); err != nil {
					failures <- err
					return
				}
			}
		}
		var args [4]uint64
		wg.Add(6)
		go use(func() *errs.Error { _, _, err := CallFast(run, &args, 0, 0, ResultVoid); return err })
		go use(func() *errs.Error { return CallTimeout(nop, make([]uint64, 1), 0) })
		for _, write := range []bool{false, true} {
			buf := make([]byte, 256)
			go use(func() *errs.Error {
				if m := Modules.Get(h); m != nil {
					return m.MemoryCopy(uint64(i), buf, write)
				}
				return errClosedHandle
			})
		}
		go use(func() *errs.Error {
			if m := Modules.Get(h); m != nil {
				_, err := m.MemoryGrow(0)
				return err
			}
			return errClosedHandle
		})
		go use(func() *errs.Error {
			if m := Modules.Get(h); m != nil {
				_, err := m.MemorySize()
				return err
			}
			return errClosedHandle
		})
		time.Sleep(time.Duration(i%5) * time.Millisecond)
		if i%2 == 0 {
			m.Close()
		}
		m.Free()
		wg.Wait()
		close(failures)
		for err := range failures {
			if err.Code != errs.ErrClosed {
				t.Fatalf("a use racing Close: %v, want ErrClosed", err)
			}
		}
	}
}
