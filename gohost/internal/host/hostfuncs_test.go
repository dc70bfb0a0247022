package host

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero/api"
)

// within fails the test if f does not return in a generous time (a call
// that waited for the lock its own host function's caller holds).
func within(t *testing.T, f func() *Error) *Error {
	t.Helper()
	done := make(chan *Error, 1)
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
	if err := within(t, func() *Error { return call(run) }); err != nil {
		t.Fatal(err)
	}
}

func TestAnotherThreadWaitsForTheCallout(t *testing.T) {
	inside, release := make(chan struct{}), make(chan struct{})
	var run, nop *Func
	withHostCalls(t, map[uint64]func() error{1: func() error { close(inside); <-release; return nil }})
	run, nop = calloutModule(t, "A", 1)
	ran := make(chan *Error, 1)
	go func() { ran <- call(run) }()
	<-inside
	// Another thread sees Depth > 0 but not its own Thread: it must wait.
	other := make(chan *Error, 1)
	go func() { other <- call(nop) }()
	select {
	case err := <-other:
		t.Fatalf("a call from another thread ran inside the callout (err %v)", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	for _, c := range []chan *Error{ran, other} {
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
	err := within(t, func() *Error { return call(run) })
	if err == nil || err.Code != ErrHost || !strings.Contains(err.Msg, "env.cb failed: boom") {
		t.Fatalf("want ErrHost naming env.cb, got %v", err)
	}
}

func TestHostFunctionMustMatchAnImport(t *testing.T) {
	_, err := NewModule(calloutWasm, Config{HostFuncs: []HostFunc{{Module: "env", Name: "cb", ID: 1}, {Module: "env", Name: "cd", ID: 2}}})
	he := AsError(err)
	if err == nil || he.Code != ErrLink || !strings.Contains(he.Msg, "does not import env.cd") || !strings.Contains(he.Msg, "it imports: env.cb") {
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
