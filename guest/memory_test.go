//go:build !wasm

package gowasm

import (
	"bytes"
	"strings"
	"testing"
)

// These run against the simulated memory of memory_host.go, hence !wasm:
// they check its bounds checks too. The wasm side is checked by building
// examples/greet-go and calling it from a host.

func TestReturnAndRead(t *testing.T) {
	before := liveBlocks()
	ptr, size := Unpack(ReturnString("héllo"))
	if ptr == 0 || size != 6 {
		t.Fatalf("ReturnString: ptr %d size %d", ptr, size)
	}
	if got := ReadString(ptr, size); got != "héllo" {
		t.Errorf("ReadString = %q", got)
	}
	if got := UnsafeString(ptr+1, 2); got != "é" {
		t.Errorf("UnsafeString inside the block = %q", got)
	}
	Free(ptr)

	ptr, size = Unpack(ReturnBytes([]byte{1, 2, 3}))
	copied, view := ReadBytes(ptr, size), UnsafeBytes(ptr, size)
	view[0] = 9
	if !bytes.Equal(copied, []byte{1, 2, 3}) {
		t.Errorf("ReadBytes shares memory: %v", copied)
	}
	if got := ReadBytes(ptr, size); !bytes.Equal(got, []byte{9, 2, 3}) {
		t.Errorf("UnsafeBytes does not: %v", got)
	}
	Free(ptr)

	if n := liveBlocks(); n != before {
		t.Errorf("%d blocks leaked", n-before)
	}
}

func TestEmpty(t *testing.T) {
	if got := ReturnString(""); got != 0 {
		t.Errorf(`ReturnString("") = %#x, want 0`, got)
	}
	if got := ReturnBytes(nil); got != 0 {
		t.Errorf("ReturnBytes(nil) = %#x, want 0", got)
	}
	if Malloc(0) != 0 {
		t.Error("Malloc(0) != 0")
	}
	Free(0)
	if ReadString(0, 0) != "" || UnsafeString(0, 0) != "" || UnsafeBytes(0, 0) != nil {
		t.Error("reading (0, 0) is not empty")
	}
	if b := ReadBytes(0, 0); b == nil || len(b) != 0 {
		t.Errorf("ReadBytes(0, 0) = %#v, want []byte{}", b)
	}
}

func TestJSON(t *testing.T) {
	ptr, size := Unpack(ReturnJSON(map[string]any{"values": []int{1, 2, 3}}))
	if got := ReadString(ptr, size); got != `{"values":[1,2,3]}` {
		t.Errorf("ReturnJSON wrote %s", got)
	}
	var v struct{ Values []float64 }
	if err := ReadJSON(ptr, size, &v); err != nil || len(v.Values) != 3 || v.Values[2] != 3 {
		t.Errorf("ReadJSON: %v, %+v", err, v)
	}
	Free(ptr)

	ptr, size = Unpack(ReturnString("{nope"))
	if err := ReadJSON(ptr, size, &v); err == nil {
		t.Error("ReadJSON of bad JSON: no error")
	}
	Free(ptr)

	mustPanic(t, "ReturnJSON: json: unsupported type", func() { ReturnJSON(make(chan int)) })
}

func TestMallocFree(t *testing.T) {
	a, b := Malloc(10), Malloc(10)
	if a == 0 || b == 0 || a == b {
		t.Fatalf("Malloc: %d, %d", a, b)
	}
	if m := UnsafeBytes(a, 10); !bytes.Equal(m, make([]byte, 10)) {
		t.Errorf("Malloc'ed memory not zeroed: %v", m)
	}
	copy(UnsafeBytes(a, 10), "0123456789")
	if got := ReadString(a+3, 4); got != "3456" {
		t.Errorf("read inside a block: %q", got)
	}
	Free(a)
	mustPanic(t, "already freed", func() { Free(a) })
	mustPanic(t, "not from malloc", func() { Free(b + 1) })
	mustPanic(t, "not inside one allocated block", func() { ReadString(a, 1) })  // freed
	mustPanic(t, "not inside one allocated block", func() { ReadString(b, 11) }) // past the end
	mustPanic(t, "not inside one allocated block", func() { ReadString(1, 1) })  // never allocated
	Free(b)
}

func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		msg, _ := recover().(string)
		if !strings.Contains(msg, want) {
			t.Errorf("panic %q, want one containing %q", msg, want)
		}
	}()
	f()
}
