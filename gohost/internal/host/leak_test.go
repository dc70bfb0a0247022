package host

import (
	"os"
	"runtime"
	"strings"
	"testing"
)

// heapInUse is the live Go heap after a full collection.
func heapInUse() uint64 {
	var s runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&s)
	return s.HeapAlloc
}

// TestLoadFreeKeepsTheHeapFlat loads and frees a Go reactor (it imports
// WASI) in a loop: with no module alive the heap must not grow. Each cycle
// once left ~36 KB behind (a WASI host module compiled only to list its
// functions, kept by the process-wide compilation cache), 7 MB over these
// 200 cycles; the bound is a quarter of that, far above the noise (< 100 KB).
func TestLoadFreeKeepsTheHeapFlat(t *testing.T) {
	wasm, err := os.ReadFile(corpusAdd)
	if err != nil {
		t.Skip("corpus not found:", err)
	}
	cycle := func() {
		m, err := NewModule(wasm, Config{Name: "add"})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Free(); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 20; i++ { // compile once, warm every pool
		cycle()
	}
	before := heapInUse()
	const cycles = 200
	for i := 0; i < cycles; i++ {
		cycle()
	}
	after := heapInUse()
	growth := int64(after) - int64(before)
	t.Logf("heap %d -> %d bytes over %d load/free cycles: %+d bytes per cycle", before, after, cycles, growth/cycles)
	if growth > cycles*36<<10/4 {
		t.Fatalf("the heap grew by %d bytes over %d load/free cycles (%d per cycle), with no module alive", growth, cycles, growth/cycles)
	}
	if n := Modules.Len(); n != 0 {
		t.Fatalf("%d modules still registered", n)
	}
}

// TestDecoderPanicIsACompileErrorAndLeaksNothing: wazero's validator
// panics on a function whose type index is out of range (byte 150 of this
// module set to 33). That is the module's fault, and the failed load must
// free its handle and runtime like any other.
func TestDecoderPanicIsACompileErrorAndLeaksNothing(t *testing.T) {
	wasm := corpus(t, "tinygo/add_reactor.wasm")
	wasm[150] = 33
	before := Modules.Len()
	_, err := NewModule(wasm, Config{Name: "broken.wasm"})
	if e := AsError(err); err == nil || e.Code != ErrCompile || !strings.Contains(e.Msg, `"broken.wasm" is not a valid WebAssembly module`) {
		t.Fatalf("want ErrCompile naming the module, got %v", err)
	}
	if n := Modules.Len(); n != before {
		t.Fatalf("%d module handles after a failed load, want %d", n, before)
	}
}

// TestOversizedModulesAreRefused: lengths are 64-bit end to end, and what
// is too big to be a module is a compile error naming the size (the C layer
// once truncated 4 GiB + 310 bytes to 310 and loaded those).
func TestOversizedModulesAreRefused(t *testing.T) {
	if err := CheckModuleSize(4<<30+310, Config{Name: "big.wasm"}); err == nil || AsError(err).Code != ErrCompile || !strings.Contains(err.Error(), "4294967606 bytes long") {
		t.Fatalf("want ErrCompile naming the size, got %v", err)
	}
	if err := CheckModuleSize(MaxModuleSize, Config{}); err != nil {
		t.Fatalf("a module of exactly the limit is allowed: %v", err)
	}
	big := make([]byte, MaxModuleSize+1) // untouched zero pages: no RAM
	copy(big, testWasm)
	if _, err := NewModule(big, Config{}); err == nil || AsError(err).Code != ErrCompile {
		t.Fatalf("want ErrCompile, got %v", err)
	}
	if _, err := Run(big, Config{}); err == nil || AsError(err).Code != ErrCompile {
		t.Fatalf("want ErrCompile, got %v", err)
	}
}
