package gowasm

import (
	"errors"
	"testing"
)

type named struct{}

func (named) String() string { return "a stringer" }

func TestPanicMessageOf(t *testing.T) {
	for v, want := range map[any]string{
		errors.New("an error"): "an error",
		named{}:                "a stringer",
		"a string":             "a string",
		42:                     "42",
	} {
		if got, ok := panicMessageOf(v); !ok || got != want {
			t.Errorf("panicMessageOf(%#v) = %q, %v; want %q", v, got, ok, want)
		}
	}
	if _, ok := panicMessageOf(struct{ A int }{1}); ok {
		t.Error("panicMessageOf says it can say a struct as Go's runtime would")
	}
}

// Off wasm, Recover lets the panic go on, with its value.
func TestRecoverRepanics(t *testing.T) {
	defer func() {
		if v := recover(); v != "boom" {
			t.Errorf("recovered %v, want boom", v)
		}
	}()
	func() {
		defer Recover()
		panic("boom")
	}()
}

func TestRecoverWithoutPanic(t *testing.T) {
	func() {
		defer Recover()
	}()
}
