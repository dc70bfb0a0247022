package engine

import (
	"errors"
	"strings"
	"testing"

	"github.com/gowasm/gowasm/gohost/internal/errs"
)

// stdioWasm is, in WAT:
//
//	(module
//	  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
//	  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
//	  (memory (export "memory") 1)
//	  (data (i32.const 16) "hi\n")
//	  (func (export "write") (result i32) ;; writes "hi\n" twice, returns the second errno
//	    (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 3))
//	    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
//	    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
//	  (func (export "read") (result i32) ;; reads up to 8 bytes of stdin, returns the errno
//	    (i32.store (i32.const 0) (i32.const 32)) (i32.store (i32.const 4) (i32.const 8))
//	    (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8))))
var stdioWasm = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0d, 0x02, 0x60, 0x04, 0x7f, 0x7f,
	0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x01, 0x7f, 0x02, 0x44, 0x02, 0x16, 0x77, 0x61, 0x73,
	0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76,
	0x69, 0x65, 0x77, 0x31, 0x08, 0x66, 0x64, 0x5f, 0x77, 0x72, 0x69, 0x74, 0x65, 0x00, 0x00,
	0x16, 0x77, 0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f,
	0x70, 0x72, 0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x07, 0x66, 0x64, 0x5f, 0x72, 0x65, 0x61,
	0x64, 0x00, 0x00, 0x03, 0x03, 0x02, 0x01, 0x01, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x19,
	0x03, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x05, 0x77, 0x72, 0x69, 0x74,
	0x65, 0x00, 0x02, 0x04, 0x72, 0x65, 0x61, 0x64, 0x00, 0x03, 0x0a, 0x42, 0x02, 0x25, 0x00,
	0x41, 0x00, 0x41, 0x10, 0x36, 0x02, 0x00, 0x41, 0x04, 0x41, 0x03, 0x36, 0x02, 0x00, 0x41,
	0x01, 0x41, 0x00, 0x41, 0x01, 0x41, 0x08, 0x10, 0x00, 0x1a, 0x41, 0x01, 0x41, 0x00, 0x41,
	0x01, 0x41, 0x08, 0x10, 0x00, 0x0b, 0x1a, 0x00, 0x41, 0x00, 0x41, 0x20, 0x36, 0x02, 0x00,
	0x41, 0x04, 0x41, 0x08, 0x36, 0x02, 0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x01, 0x41, 0x08,
	0x10, 0x01, 0x0b, 0x0b, 0x09, 0x01, 0x00, 0x41, 0x10, 0x0b, 0x03, 0x68, 0x69, 0x0a, 0x00,
	0x1b, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x14, 0x02, 0x00, 0x08, 0x66, 0x64, 0x5f, 0x77,
	0x72, 0x69, 0x74, 0x65, 0x01, 0x07, 0x66, 0x64, 0x5f, 0x72, 0x65, 0x61, 0x64,
}

// withStdio installs stream callbacks for one test (they are process-wide).
func withStdio(t *testing.T, out OutputFunc, in InputFunc) {
	oldOut, oldIn := output.Load(), input.Load()
	SetOutput(out)
	SetInput(in)
	t.Cleanup(func() { output.Store(oldOut); input.Store(oldIn) })
}

// A failing stream callback (the embedder's file object raised) must fail
// the guest call with ErrHost at once, not answer EIO and let the guest run
// on, and must leave the module dead like a failing host function.
func TestFailedStreamAbortsTheCall(t *testing.T) {
	refused := errors.New("refused")
	writes := 0
	withStdio(t,
		func(uint64, []byte, *Callout) error { writes++; return refused },
		func(uint64, []byte, *Callout) (int, error) { return 0, refused })
	for _, tc := range []struct{ export, msg string }{
		{"write", "gowasm: writing the guest's output failed: refused"},
		{"read", "gowasm: reading the guest's input failed: refused"},
	} {
		m, err := NewModule(stdioWasm, Config{Stdout: 1, Stdin: 3})
		if err != nil {
			t.Fatal(err)
		}
		var args [4]uint64
		_, _, e := CallFast(funcNamed(m, tc.export).handle, &args, 0, 0, ResultInt)
		if e == nil || e.Code != errs.ErrHost || !strings.HasPrefix(e.Msg, tc.msg) || !strings.Contains(e.Msg, traceMarker) {
			t.Fatalf("%s: want ErrHost %q with a wasm trace, got %v", tc.export, tc.msg, e)
		}
		if _, _, e := CallFast(funcNamed(m, tc.export).handle, &args, 0, 0, ResultInt); e == nil || e.Code != errs.ErrClosed {
			t.Fatalf("%s: a call after the failure should be refused, got %v", tc.export, e)
		}
		m.Free()
	}
	if writes != 1 {
		t.Errorf("the guest went on writing after its first write failed: %d writes", writes)
	}
}

// Streams that work deliver the bytes and let the guest see success.
func TestStreamsDeliver(t *testing.T) {
	var got []byte
	withStdio(t,
		func(_ uint64, p []byte, _ *Callout) error { got = append(got, p...); return nil },
		func(_ uint64, p []byte, _ *Callout) (int, error) { return copy(p, "in"), nil })
	m, err := NewModule(stdioWasm, Config{Stdout: 1, Stdin: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Free()
	var args [4]uint64
	for _, name := range []string{"write", "read"} {
		if raw, typ, e := CallFast(funcNamed(m, name).handle, &args, 0, 0, ResultInt); e != nil || DecodeInt(raw, typ) != 0 {
			t.Fatalf("%s() = errno %d, %v", name, DecodeInt(raw, typ), e)
		}
	}
	if string(got) != "hi\nhi\n" {
		t.Fatalf("output %q", got)
	}
}
