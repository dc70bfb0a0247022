package engine

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gowasm/gowasm/gohost/internal/errs"
	"github.com/tetratelabs/wazero/api"
)

// within fails the test if f does not return in a generous time (a call
// that waited for the lock its own host function's caller holds).
func within(t *testing.T, f func() *errs.Error) *errs.Error {
	t.Helper()
	done := make(chan *errs.Error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(60 * time.Second):
		t.Fatal("the call never returned")
		return nil
	}
}

func TestHostFunctionCallsItsOwnModule(t *testing.T) {
	var run, nop *Func
	withHostCalls(t, map[uint64]func() error{1: func() error {
		// Same thread as the call holding the module's lock: re-entrant.
		if err := call(nop); err != nil {
			t.Errorf("re-entrant call: %v", err)
		}
		return nil
	}})
	run, nop = calloutModule(t, "A", 1)
	if err := within(t, func() *errs.Error { return call(run) }); err != nil {
		t.Fatal(err)
	}
}

func TestAnotherThreadWaitsForTheCallout(t *testing.T) {
	inside, release := make(chan struct{}), make(chan struct{})
	var run, nop *Func
	withHostCalls(t, map[uint64]func() error{1: func() error { close(inside); <-release; return nil }})
	run, nop = calloutModule(t, "A", 1)
	ran := make(chan *errs.Error, 1)
	go func() { ran <- call(run) }()
	<-inside
	// Another thread sees Depth > 0 but not its own Thread: it must wait.
	other := make(chan *errs.Error, 1)
	go func() { other <- call(nop) }()
	select {
	case err := <-other:
		t.Fatalf("a call from another thread ran inside the callout (err %v)", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	for _, c := range []chan *errs.Error{ran, other} {
		select {
		case err := <-c:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(60 * time.Second):
			t.Fatal("the calls never returned")
		}
	}
}

func TestFailedHostFunctionIsErrHost(t *testing.T) {
	withHostCalls(t, map[uint64]func() error{1: func() error { return errors.New("boom") }})
	run, _ := calloutModule(t, "A", 1)
	err := within(t, func() *errs.Error { return call(run) })
	if err == nil || err.Code != errs.ErrHost || !strings.Contains(err.Msg, "env.cb failed: boom") {
		t.Fatalf("want ErrHost naming env.cb, got %v", err)
	}
}

func TestHostFunctionMustMatchAnImport(t *testing.T) {
	_, err := NewModule(calloutWasm, Config{HostFuncs: []HostFunc{{Module: "env", Name: "cb", ID: 1}, {Module: "env", Name: "cd", ID: 2}}})
	he := AsError(err)
	if err == nil || he.Code != errs.ErrLink || !strings.Contains(he.Msg, "does not import env.cd") || !strings.Contains(he.Msg, "it imports: env.cb") {
		t.Fatalf("want ErrLink naming env.cd and what is imported, got %v", err)
	}
}

func TestSigCode(t *testing.T) {
	i32, i64, f32, f64 := api.ValueTypeI32, api.ValueTypeI64, api.ValueTypeF32, api.ValueTypeF64
	for _, c := range []struct {
		params, results []api.ValueType
		want            uint64
	}{
		{nil, nil, 0},
		{[]api.ValueType{i32, i64}, []api.ValueType{f64}, 2 | 1<<5 | 0<<10 | 1<<12 | 3<<14},
		{[]api.ValueType{f32}, []api.ValueType{i32, i64}, 1 | 2<<5 | 2<<10 | 0<<12 | 1<<14},
	} {
		if got, ok := SigCode(c.params, c.results); !ok || got != c.want {
			t.Errorf("SigCode(%v, %v) = %#x, %v; want %#x", c.params, c.results, got, ok, c.want)
		}
	}
	if _, ok := SigCode(make([]api.ValueType, 28), nil); ok {
		t.Error("28 types packed")
	}
	if _, ok := SigCode([]api.ValueType{api.ValueTypeExternref}, nil); ok {
		t.Error("externref packed")
	}
}

// Close from another thread while a host function blocks returns at once;
// the module is released only when the call unwinds, and the call fails
// with ErrClosed as soon as the host function returns.
func TestCloseDoesNotWaitForABlockedHostFunction(t *testing.T) {
	inside, release := make(chan struct{}), make(chan struct{})
	var m *Module
	var during *errs.Error
	withHostCalls(t, map[uint64]func() error{1: func() error {
		close(inside)
		<-release
		// Closed meanwhile: the guest's memory is still there, but refused.
		_, during = m.MemorySize()
		return nil
	}})
	run, nop := calloutModule(t, "A", 1)
	m = run.m
	ran := make(chan *errs.Error, 1)
	go func() { ran <- call(run) }()
	<-inside
	if err := within(t, func() *errs.Error { return asError(m.Close()) }); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if e := call(nop); e == nil || e.Code != errs.ErrClosed {
		t.Fatalf("a call after Close: %v", e)
	}
	if m.mu.TryLock() {
		t.Fatal("the call lock is free while the call runs")
	}
	close(release)
	err := within(t, func() *errs.Error { return <-ran })
	if err == nil || err.Code != errs.ErrClosed || !strings.Contains(err.Msg, "closed while this call ran") {
		t.Fatalf("the running call: %v", err)
	}
	if during == nil || during.Code != errs.ErrClosed {
		t.Fatalf("memory from the host function after Close: %v", during)
	}
	m.mu.Lock()
	released := m.rt == nil
	m.mu.Unlock()
	if !released {
		t.Fatal("the module was not released when its call unwound")
	}
}

// Free does not wait for a running call either, and its handles never
// name anything again.
func TestFreeDuringACallForgetsTheHandlesAtOnce(t *testing.T) {
	inside, release := make(chan struct{}), make(chan struct{})
	withHostCalls(t, map[uint64]func() error{1: func() error { close(inside); <-release; return nil }})
	run, nop := calloutModule(t, "A", 1)
	m := run.m
	ran := make(chan *errs.Error, 1)
	go func() { ran <- call(run) }()
	<-inside
	within(t, func() *errs.Error { return asError(m.Free()) })
	if Modules.Get(m.Handle) != nil || Funcs.Get(nop.handle) != nil {
		t.Fatal("Free left handles behind")
	}
	close(release)
	if err := within(t, func() *errs.Error { return <-ran }); err == nil || err.Code != errs.ErrClosed {
		t.Fatalf("the running call: %v", err)
	}
}

func asError(err error) *errs.Error {
	if err == nil {
		return nil
	}
	return AsError(err)
}
