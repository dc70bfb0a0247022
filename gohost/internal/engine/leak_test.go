package engine

import (
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gowasm/gowasm/gohost/internal/errs"
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
	if e := AsError(err); err == nil || e.Code != errs.ErrCompile || !strings.Contains(e.Msg, `"broken.wasm" is not a valid WebAssembly module`) {
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
	if err := CheckModuleSize(4<<30+310, Config{Name: "big.wasm"}); err == nil || AsError(err).Code != errs.ErrCompile || !strings.Contains(err.Error(), "4294967606 bytes long") {
		t.Fatalf("want ErrCompile naming the size, got %v", err)
	}
	if err := CheckModuleSize(MaxModuleSize, Config{}); err != nil {
		t.Fatalf("a module of exactly the limit is allowed: %v", err)
	}
	big := make([]byte, MaxModuleSize+1) // untouched zero pages: no RAM
	copy(big, testWasm)
	if _, err := NewModule(big, Config{}); err == nil || AsError(err).Code != errs.ErrCompile {
		t.Fatalf("want ErrCompile, got %v", err)
	}
	if _, err := Run(big, Config{}); err == nil || AsError(err).Code != errs.ErrCompile {
		t.Fatalf("want ErrCompile, got %v", err)
	}
}

// growWasm is, in WAT:
//
//	(module (memory (export "memory") 1)
//	  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
//	  (func (export "size") (result i32) memory.size)
//	  (func (export "load") (param i32) (result i32) local.get 0 i32.load8_u))
var growWasm = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x60, 0x01, 0x7f, 0x01, 0x7f,
	0x60, 0x00, 0x01, 0x7f, 0x03, 0x04, 0x03, 0x00, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07,
	0x1f, 0x04, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x04, 0x67, 0x72, 0x6f, 0x77,
	0x00, 0x00, 0x04, 0x73, 0x69, 0x7a, 0x65, 0x00, 0x01, 0x04, 0x6c, 0x6f, 0x61, 0x64, 0x00, 0x02,
	0x0a, 0x15, 0x03, 0x06, 0x00, 0x20, 0x00, 0x40, 0x00, 0x0b, 0x04, 0x00, 0x3f, 0x00, 0x0b, 0x07,
	0x00, 0x20, 0x00, 0x2d, 0x00, 0x00, 0x0b,
}

// TestMemoryStopsOnePageBelow4GiB: wazero's compiler cannot represent a
// 4 GiB memory (its size read 0 and every access trapped), so growth stops
// one page before, from the guest and from the host alike.
func TestMemoryStopsOnePageBelow4GiB(t *testing.T) {
	m, err := NewModule(growWasm, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Free()
	call := func(name string, arg uint64, nargs int) int64 {
		args := [4]uint64{arg}
		raw, typ, e := CallFast(funcNamed(m, name).handle, &args, nargs, 0, ResultInt)
		if e != nil {
			t.Fatalf("%s: %v", name, e)
		}
		return DecodeInt(raw, typ)
	}
	if got := call("grow", memoryLimitPages, 1); got != -1 {
		t.Fatalf("growing to 65,536 pages returned %d, want -1 (refused)", got)
	}
	if _, e := m.MemoryGrow(memoryLimitPages); e == nil || e.Code != errs.ErrArgument || !strings.Contains(e.Msg, "at most 65535") {
		t.Fatalf("want ErrArgument naming the limit, got %v", e)
	}
	if got := call("grow", memoryLimitPages-1, 1); got != 1 {
		t.Fatalf("growing to 65,535 pages returned %d, want 1", got)
	}
	if got := call("size", 0, 0); got != memoryLimitPages {
		t.Fatalf("memory.size is %d, want %d", got, memoryLimitPages)
	}
	if size, e := m.MemorySize(); e != nil || size != memoryLimitPages<<16 {
		t.Fatalf("MemorySize is %d (%v)", size, e)
	}
	if got := call("load", memoryLimitPages<<16-1, 1); got != 0 {
		t.Fatalf("the last byte reads %d", got)
	}
}

// TestClosedModulesGiveTheirHeapBack: the Go heap that closed modules free
// returns to the OS without waiting for Go's next GC. 20 Go reactors hold
// ~80 MB of heap; without the release, none of it came back within the 10 s
// this test waits (it returns as soon as the memory is back).
func TestClosedModulesGiveTheirHeapBack(t *testing.T) {
	wasm, err := os.ReadFile(corpusAdd)
	if err != nil {
		t.Skip("corpus not found:", err)
	}
	retained := func() uint64 { // heap memory the OS still backs
		var s runtime.MemStats
		runtime.ReadMemStats(&s)
		return s.HeapSys - s.HeapReleased
	}
	var mods []*Module
	for i := 0; i < 20; i++ {
		m, err := NewModule(wasm, Config{})
		if err != nil {
			t.Fatal(err)
		}
		mods = append(mods, m)
	}
	open := retained()
	for _, m := range mods {
		m.Free()
	}
	mods = nil
	// The release is rate-limited (releaseLoop waits up to 10 times the last
	// release's duration): after the heavy tests before this one, on a
	// loaded machine, that wait alone took more than 10 s once (a fresh
	// clone's CI). The wait ends as soon as the heap is back.
	for deadline := time.Now().Add(45 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if now := retained(); now < open/2 {
			t.Logf("heap backed by the OS: %d MB with 20 modules open, %d MB after closing them", open>>20, now>>20)
			return
		}
	}
	t.Fatalf("heap backed by the OS: %d MB with 20 modules open, still %d MB 45 s after closing them", open>>20, retained()>>20)
}
