package engine

import (
	"bytes"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gowasm/gowasm/gohost/internal/errs"
)

// calloutWasm is, in WAT:
//
//	(module
//	  (import "env" "cb" (func $cb))
//	  (func (export "run") call $cb)
//	  (func (export "nop")))
var calloutWasm = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
	0x02, 0x0a, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x02, 0x63, 0x62, 0x00, 0x00,
	0x03, 0x03, 0x02, 0x00, 0x00,
	0x07, 0x0d, 0x02, 0x03, 0x72, 0x75, 0x6e, 0x00, 0x01, 0x03, 0x6e, 0x6f, 0x70, 0x00, 0x02,
	0x0a, 0x09, 0x02, 0x04, 0x00, 0x10, 0x00, 0x0b, 0x02, 0x00, 0x0b,
}

// goroutineID stands in for the cgo layer's thread id: each goroutine of
// these tests plays one Python thread.
func goroutineID() uint64 {
	b := make([]byte, 64)
	b = b[:runtime.Stack(b, false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	id, _ := strconv.ParseUint(string(b[:bytes.IndexByte(b, ' ')]), 10, 64)
	return id
}

// withHostCalls installs host function callbacks that mark Callout as the
// cgo layer does and run fns[id].
func withHostCalls(t *testing.T, fns map[uint64]func() error) {
	withHostCallback(t, func(id, _ uint64) error { return fns[id]() })
}

// withHostCallback installs a host function callback that marks Callout as
// the cgo layer does and runs f with the function's id and the calling
// module's handle.
func withHostCallback(t *testing.T, f func(id, module uint64) error) {
	oldID, oldCall := ThreadID, hostCall.Load()
	ThreadID = goroutineID
	SetHostCall(func(id, module uint64, stack []uint64, sig uint64, calls *Callout) error {
		atomic.StoreUint64(&calls.Thread, ThreadID())
		atomic.AddInt32(&calls.Depth, 1)
		defer atomic.AddInt32(&calls.Depth, -1)
		return f(id, module)
	})
	t.Cleanup(func() {
		ThreadID = oldID
		hostCall.Store(oldCall)
	})
}

func calloutModule(t *testing.T, name string, id uint64) (run, nop *Func) {
	m, err := NewModule(calloutWasm, Config{Name: name, HostFuncs: []HostFunc{{Module: "env", Name: "cb", ID: id}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !t.Failed() { // after a deadlock, Free would wait for it too
			m.Free()
		}
	})
	return funcNamed(m, "run"), funcNamed(m, "nop")
}

func call(f *Func) *errs.Error {
	var args [4]uint64
	_, _, err := CallFast(f.handle, &args, 0, 0, ResultVoid)
	return err
}

// runBoth runs a and b in two goroutines and fails the test if they do not
// both end (a deadlock) within a generous time.
func runBoth(t *testing.T, a, b func() *errs.Error) (errA, errB *errs.Error) {
	done := make(chan struct{})
	go func() { errA = a(); done <- struct{}{} }()
	go func() { errB = b(); done <- struct{}{} }()
	for i := 0; i < 2; i++ {
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			t.Fatal("deadlock: the calls never returned")
		}
	}
	return errA, errB
}

func TestCrossModuleDeadlockIsAnError(t *testing.T) {
	var inside sync.WaitGroup
	inside.Add(2)
	var deadlocks atomic.Int32
	var runA, nopA, runB, nopB *Func
	// A's host function calls B, B's calls A, each once both are inside.
	cross := func(other **Func) func() error {
		return func() error {
			inside.Done()
			inside.Wait()
			if err := call(*other); err != nil {
				if err.Code != errs.ErrDeadlock {
					t.Errorf("want ErrDeadlock, got %v", err)
				}
				deadlocks.Add(1) // a Python host function would get an exception
			}
			return nil
		}
	}
	withHostCalls(t, map[uint64]func() error{1: cross(&nopB), 2: cross(&nopA)})
	runA, nopA = calloutModule(t, "A", 1)
	runB, nopB = calloutModule(t, "B", 2)
	errA, errB := runBoth(t, func() *errs.Error { return call(runA) }, func() *errs.Error { return call(runB) })
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if deadlocks.Load() != 1 { // one call breaks the cycle; the other then waits and succeeds
		t.Fatalf("%d calls saw the deadlock, want 1", deadlocks.Load())
	}
}

func TestContentionFromAHostFunctionWaits(t *testing.T) {
	inB, release := make(chan struct{}), make(chan struct{})
	var runA, runB, nopB *Func
	withHostCalls(t, map[uint64]func() error{
		1: func() error { // A's host function calls B while B's host function runs
			<-inB
			time.AfterFunc(50*time.Millisecond, func() { close(release) })
			if err := call(nopB); err != nil {
				t.Errorf("ordinary contention failed: %v", err)
			}
			return nil
		},
		2: func() error { close(inB); <-release; return nil },
	})
	runA, _ = calloutModule(t, "A", 1)
	runB, nopB = calloutModule(t, "B", 2)
	if errA, errB := runBoth(t, func() *errs.Error { return call(runA) }, func() *errs.Error { return call(runB) }); errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
}
