package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gowasm/gowasm/gohost/internal/compile"
	"github.com/gowasm/gowasm/gohost/internal/errs"
	"github.com/gowasm/gowasm/gohost/internal/testkit"
	"github.com/gowasm/gowasm/gohost/internal/wasmbin"
)

func wantOverLimit(t *testing.T, wasm []byte, what string) {
	t.Helper()
	m, err := NewModule(wasm, Config{Name: "hostile", NoInterrupts: true})
	if err == nil {
		m.Free()
		t.Fatalf("loaded; want a limit error naming %q", what)
	}
	e := AsError(err)
	if e.Code != errs.ErrCompile || !strings.Contains(e.Msg, "over a limit gowasm sets") || !strings.Contains(e.Msg, what) {
		t.Fatalf("got %v (code %d); want a compile error over a limit naming %q", err, e.Code, what)
	}
}

func wantLoads(t *testing.T, wasm []byte) {
	t.Helper()
	m, err := NewModule(wasm, Config{Name: "fine", NoInterrupts: true})
	if err != nil {
		t.Fatal(err)
	}
	m.Free()
}

func wantPassesCheck(t *testing.T, wasm []byte) {
	t.Helper()
	if _, err := wasmbin.CheckLimits(wasm, sha256.Sum256(wasm), wasmbin.DefaultMaxTableEntries); err != nil {
		t.Fatalf("checkLimits refused it: %v", err)
	}
}

// The 40-byte module of issue 20: 2^32-1 locals were Go's fatal "out of
// memory", whatever memory_limit said.
func TestFourBillionLocalsAreACompileError(t *testing.T) {
	wasm, _ := hex.DecodeString("0061736d010000000105016000017f03020100070501016600000a0c010a01ffffffff0f7e41070b")
	wantOverLimit(t, wasm, "declared locals: 4294967295, over the limit of 50000")
	for _, cfg := range []Config{{}, {MemoryLimit: 1 << 20}} { // the instrumented path too
		if _, err := NewModule(wasm, cfg); err == nil || AsError(err).Code != errs.ErrCompile {
			t.Fatalf("%+v: %v", cfg, err)
		}
	}
}

func TestEachFunctionLimitJustUnderLoadsJustOverIsAnError(t *testing.T) {
	wantLoads(t, testkit.Func(wasmbin.MaxFunctionLocals, nil))
	wantOverLimit(t, testkit.Func(wasmbin.MaxFunctionLocals+1, nil), "declared locals: 50001")

	wantLoads(t, testkit.Type(wasmbin.MaxParams, wasmbin.MaxResults))
	wantOverLimit(t, testkit.Type(wasmbin.MaxParams+1, 0), "parameters: 1001")
	wantOverLimit(t, testkit.Type(0, wasmbin.MaxResults+1), "results: 1001")

	// Compiling a br_table of 65,520 targets takes seconds: the check
	// alone for the one under.
	wantPassesCheck(t, testkit.BrTable(wasmbin.MaxBrTableTargets))
	wantOverLimit(t, testkit.BrTable(wasmbin.MaxBrTableTargets+1), "targets of the br_table at byte 5: 65521")

	wantPassesCheck(t, testkit.Blocks(wasmbin.MaxFunctionControl))
	wantOverLimit(t, testkit.Blocks(wasmbin.MaxFunctionControl+1), "control instructions (blocks, ifs, branches; a loop counts 4): 20001")
	wantPassesCheck(t, testkit.Nested(wasmbin.MaxFunctionControl))
	wantOverLimit(t, testkit.Nested(wasmbin.MaxFunctionControl+1), "control instructions")
	wantLoads(t, testkit.Nested(1000))
	loops := func(n int) []byte { return testkit.Func(0, bytes.Repeat([]byte{0x03, 0x40, 0x0b}, n)) }
	wantPassesCheck(t, loops(wasmbin.MaxFunctionControl/wasmbin.LoopWeight))
	wantOverLimit(t, loops(wasmbin.MaxFunctionControl/wasmbin.LoopWeight+1), "control instructions (blocks, ifs, branches; a loop counts 4): 20004")

	// Locals across loops: 10,000 locals read inside 100 nested loops
	// compiled for 12-22 s.
	phis := func(locals, loops int) []byte {
		body := append(bytes.Repeat([]byte{0x03, 0x40}, loops), bytes.Repeat([]byte{0x20, 0, 0x1a}, locals)...)
		return testkit.Func(uint32(locals), append(body, bytes.Repeat([]byte{0x0b}, loops)...))
	}
	wantPassesCheck(t, phis(5000, 99)) // 5,000^2 x (99 x 4 + 1) = 9.9e9
	wantOverLimit(t, phis(5000, 100), "(5000 locals, parameters and block values)^2 x (400 control instructions + 0 br_table targets + 1): 10025000000, over the limit of 10000000000")
	wantOverLimit(t, phis(10000, 100), "(10000 locals, parameters and block values)^2")
	// 5,000 locals set before a br_table of 65,520 targets spread over 100
	// blocks: 21 s.
	brTable := func(locals, targets, blocks int) []byte {
		body := bytes.Repeat([]byte{0x02, 0x40}, blocks)
		body = append(body, bytes.Repeat([]byte{0x41, 1, 0x21, 0}, locals)...)
		body = testkit.AppendU32(append(body, 0x41, 0, 0x0e), uint32(targets))
		for i := 0; i < targets; i++ {
			body = testkit.AppendU32(body, uint32(i%blocks))
		}
		body = append(append(body, 0), bytes.Repeat([]byte{0x0b}, blocks)...)
		return testkit.Func(uint32(locals), body)
	}
	wantPassesCheck(t, brTable(390, wasmbin.MaxBrTableTargets, 100))
	wantOverLimit(t, brTable(5000, wasmbin.MaxBrTableTargets, 100), "(5000 locals, parameters and block values)^2 x (101 control instructions + 65520 br_table targets + 1)")

	// A body of nops: size is what counts.
	nops := func(n int) []byte { return testkit.Func(0, bytes.Repeat([]byte{0x01}, n)) }
	wantPassesCheck(t, nops(wasmbin.MaxFunctionBodySize-2)) // with its locals and end, MaxFunctionBodySize bytes
	wantOverLimit(t, nops(wasmbin.MaxFunctionBodySize-1), "function 0: body bytes: 7654322")
}

func TestEachModuleCountLimitJustUnderPassesJustOverIsAnError(t *testing.T) {
	typ := []byte{0x60, 0, 0}
	cases := []struct {
		name   string
		limit  int
		module func(n int) []byte
		what   string
	}{
		{"types", wasmbin.MaxTypes, func(n int) []byte { return testkit.Module(testkit.Section(1, testkit.Vec(n, typ))) }, "types"},
		{"functions", wasmbin.MaxFunctions, func(n int) []byte {
			return testkit.Module(testkit.Section(1, testkit.Vec(1, typ)), testkit.Section(3, testkit.Vec(n, []byte{0})))
		}, "functions"},
		{"imports", wasmbin.MaxImports, func(n int) []byte {
			return testkit.Module(testkit.Section(1, testkit.Vec(1, typ)), testkit.Section(2, testkit.Vec(n, []byte{1, 'm', 1, 'f', 0, 0})))
		}, "imports"},
		{"exports", wasmbin.MaxExports, func(n int) []byte { return testkit.Module(testkit.Section(7, testkit.Vec(n, []byte{1, 'e', 0, 0}))) }, "exports"},
		{"globals", wasmbin.MaxGlobals, func(n int) []byte {
			return testkit.Module(testkit.Section(6, testkit.Vec(n, []byte{0x7f, 0, 0x41, 0, 0x0b})))
		}, "globals"},
		{"tables", wasmbin.MaxTables, func(n int) []byte { return testkit.Module(testkit.Section(4, testkit.Vec(n, []byte{0x70, 0, 0}))) }, "tables"},
		{"memories", wasmbin.MaxMemories, func(n int) []byte { return testkit.Module(testkit.Section(5, testkit.Vec(n, []byte{0, 0}))) }, "memories"},
		{"tags", wasmbin.MaxTags, func(n int) []byte {
			return testkit.Module(testkit.Section(1, testkit.Vec(1, typ)), testkit.Section(13, testkit.Vec(n, []byte{0, 0})))
		}, "tags"},
		{"data segments", wasmbin.MaxDataSegments, func(n int) []byte {
			return testkit.Module(testkit.Section(11, testkit.Vec(n, []byte{1, 0})))
		}, "data segments"},
		{"element segments", wasmbin.MaxElementSegments, func(n int) []byte {
			return testkit.Module(testkit.Section(9, testkit.Vec(n, []byte{1, 0, 0})))
		}, "element segments"},
		{"element entries", wasmbin.MaxElements, func(n int) []byte {
			return testkit.Module(testkit.Section(9, append([]byte{1, 1, 0}, testkit.Vec(n, []byte{0})...)))
		}, "element segment entries"},
		{"names", wasmbin.MaxFunctions + wasmbin.MaxImports, func(n int) []byte {
			sub := testkit.Vec(n, []byte{0, 0})
			name := append([]byte{4, 'n', 'a', 'm', 'e', 1}, testkit.AppendU32(nil, uint32(len(sub)))...)
			return testkit.Module(testkit.Section(0, append(name, sub...)))
		}, "function names"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantPassesCheck(t, c.module(c.limit))
			wantOverLimit(t, c.module(c.limit+1), fmt.Sprintf("%s: %d, over the limit of %d", c.what, c.limit+1, c.limit))
		})
	}
}

// A count its bytes do not hold: wazero allocated for the count first (a
// slice of 2^32-1 entries), then found the entries missing.
func TestCountsBeyondTheBytesAreRefusedBeforeWazeroAllocates(t *testing.T) {
	huge := testkit.AppendU32(nil, 0xffffffff)
	big := testkit.AppendU32(nil, 900_000) // under every limit, over the bytes
	typ := testkit.Section(1, testkit.Vec(1, []byte{0x60, 0, 0}))
	cases := map[string][]byte{
		"functions":   testkit.Module(typ, testkit.Section(3, big)),
		"code":        testkit.Module(typ, testkit.Section(10, big)),
		"data bytes":  testkit.Module(testkit.Section(11, append([]byte{1, 1}, huge...))),
		"elements":    testkit.Module(testkit.Section(9, append([]byte{1, 1, 0}, big...))),
		"parameters":  testkit.Module(testkit.Section(1, append([]byte{1, 0x60}, testkit.AppendU32(nil, 999)...))),
		"globals":     testkit.Module(testkit.Section(6, big)),
		"local names": testkit.Module(testkit.Section(0, append([]byte{4, 'n', 'a', 'm', 'e', 2, 6, 1, 0}, testkit.AppendU32(nil, 40_000)...))),
		"section":     append(testkit.Module(), append([]byte{0}, huge...)...),
	}
	for name, wasm := range cases {
		t.Run(name, func(t *testing.T) {
			m, err := NewModule(wasm, Config{Name: "short"})
			if err == nil {
				m.Free()
				t.Fatal("loaded")
			}
			if e := AsError(err); e.Code != errs.ErrCompile || !strings.Contains(e.Msg, "is not a valid WebAssembly module") {
				t.Fatalf("got %v", err)
			}
		})
	}
}

// The corpus loads as before: the limits are far above real modules.
func TestCorpusModulesPassTheLimits(t *testing.T) {
	for _, rel := range []string{"go/add_reactor.wasm", "rust/types.wasm", "c/add_one.wasm", "zig/greet.wasm", "tinygo/add_reactor.wasm"} {
		wasm := corpus(t, rel)
		if _, err := wasmbin.CheckLimits(wasm, sha256.Sum256(wasm), wasmbin.DefaultMaxTableEntries); err != nil {
			t.Errorf("%s: %v", rel, err)
		}
	}
}

// tableWasm is, in WAT:
//
//	(module
//	  (table $t 1 funcref)
//	  (table $u 0 3 funcref)
//	  (func (export "grow") (param i32) (result i32) ref.null func local.get 0 table.grow $t)
//	  (func (export "grow_u") (param i32) (result i32) ref.null func local.get 0 table.grow $u)
//	  (func (export "size") (result i32) table.size $t))
var tableWasm, _ = hex.DecodeString("0061736d01000000010a0260017f017f6000017f030403000001040802700001700100030718030467726f7700000667726f775f7500010473697a6500020a1b030900d0702000fc0f000b0900d0702000fc0f010b0500fc10000b000e046e616d65050702000174010175")

// tableGrow49 is issue 20's 49 bytes: a table.grow of 0x7FFFFFFF entries
// (16 GiB), which was Go's fatal "out of memory".
var tableGrow49, _ = hex.DecodeString("0061736d010000000105016000017f03020100040401700000070501016700000a0f010d00d07041ffffffff07fc0f000b")

func call1(t *testing.T, m *Module, name string, arg uint64) int32 {
	t.Helper()
	args := [4]uint64{arg}
	n := 1
	if name == "size" || name == "g" {
		n = 0
	}
	raw, _, err := CallFast(funcNamed(m, name).handle, &args, n, 0, ResultInt)
	if err != nil {
		t.Fatalf("%s(%d): %v", name, arg, err)
	}
	return int32(raw)
}

func TestTableGrowPastTheBudgetFails(t *testing.T) {
	for _, noInterrupts := range []bool{false, true} {
		m, err := NewModule(tableGrow49, Config{NoInterrupts: noInterrupts})
		if err != nil {
			t.Fatal(err)
		}
		if got := call1(t, m, "g", 0); got != -1 {
			t.Fatalf("table.grow(0x7FFFFFFF) = %d, want -1", got)
		}
		m.Free()
	}
	// memory_limit 8,000 bytes: 1,000 entries for both tables together.
	for _, noInterrupts := range []bool{false, true} {
		m, err := NewModule(tableWasm, Config{MemoryLimit: 8000, NoInterrupts: noInterrupts})
		if err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			fn   string
			arg  uint64
			want int32
		}{
			{"grow_u", 3, 0},  // $u to its declared max
			{"grow_u", 1, -1}, // past it: wazero's own refusal
			{"grow", 995, 1},  // $t: 1 + 995 + 3 = 999
			{"grow", 2, -1},   // 1,001: over the budget
			{"grow", 1, 996},  // 1,000 exactly
			{"grow", 1, -1},   //
			{"grow", 0, 997},  // growing nothing is fine
			{"size", 0, 997},  //
			{"grow_u", 0, 3},  //
			{"grow", 1 << 31, -1},
		}
		for _, s := range steps {
			if got := call1(t, m, s.fn, s.arg); got != s.want {
				t.Fatalf("interrupts off %v: %s(%d) = %d, want %d", noInterrupts, s.fn, s.arg, got, s.want)
			}
		}
		m.Free()
	}
}

func TestTablesOverTheBudgetDoNotLoad(t *testing.T) {
	// 100 tables of 10,000,000 entries (8 GB) aborted the process.
	table := []byte{0x70, 0}
	table = testkit.AppendU32(table, 10_000_000)
	wasm := testkit.Module(testkit.Section(4, testkit.Vec(100, table)))
	m, err := NewModule(wasm, Config{Name: "tables"})
	if err == nil {
		m.Free()
		t.Fatal("loaded")
	}
	if e := AsError(err); e.Code != errs.ErrCompile || !strings.Contains(e.Msg, "its tables start with 1000000000 entries together") {
		t.Fatalf("got %v", err)
	}
	// One table at exactly the budget loads; one entry more does not.
	one := func(n uint32) []byte {
		return testkit.Module(testkit.Section(4, testkit.Vec(1, testkit.AppendU32([]byte{0x70, 0}, n))))
	}
	if m, err := NewModule(one(1000), Config{MemoryLimit: 8000}); err != nil {
		t.Fatal(err)
	} else {
		m.Free()
	}
	if _, err := NewModule(one(1001), Config{MemoryLimit: 8000}); err == nil || !strings.Contains(err.Error(), "over the 1000 its memory_limit allows") {
		t.Fatalf("got %v", err)
	}
	// Imported tables count too (and fail to link: nothing provides them).
	imp := testkit.Module(testkit.Section(2, testkit.Vec(1, testkit.AppendU32([]byte{1, 'm', 1, 't', 1, 0x70, 0}, 1001))))
	if _, err := NewModule(imp, Config{MemoryLimit: 8000}); err == nil || !strings.Contains(err.Error(), "its tables start with 1001 entries") {
		t.Fatalf("got %v", err)
	}
}

// slowWasm is four functions of 10,000 blocks: seconds of compiling.
func slowWasm() []byte {
	code := append([]byte{0}, bytes.Repeat([]byte{0x02, 0x40, 0x0b}, 10_000)...)
	code = append(code, 0x0b)
	entry := append(testkit.AppendU32(nil, uint32(len(code))), code...)
	return testkit.Module(
		testkit.Section(1, testkit.Vec(1, []byte{0x60, 0, 0})),
		testkit.Section(3, testkit.Vec(4, []byte{0})),
		testkit.Section(10, testkit.Vec(4, entry)))
}

func TestTimeoutStopsALoad(t *testing.T) {
	start := time.Now()
	m, err := NewModule(slowWasm(), Config{Name: "slow", Timeout: 0.2})
	took := time.Since(start)
	if err == nil {
		m.Free()
		t.Fatalf("loaded in %v", took)
	}
	if e := AsError(err); e.Code != errs.ErrTimeout || !strings.Contains(e.Msg, `loading "slow" timed out`) {
		t.Fatalf("got %v", err)
	}
	if took > 2*time.Second {
		t.Fatalf("the load stopped after %v, its timeout was 0.2 s", took)
	}
}

func TestCtrlCStopsALoad(t *testing.T) {
	// go test has no cgo watcher: the main thread is 0, as ThreadID says.
	MainThread.Store(ThreadID())
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-time.After(200 * time.Millisecond):
			atomic.AddUint32(Sigints, 1)
		case <-stop:
		}
	}()
	start := time.Now()
	m, err := NewModule(append(slowWasm(), 0, 3, 1, 'x', 'y'), Config{Name: "slow"}) // other bytes: not cached
	took := time.Since(start)
	if err == nil {
		m.Free()
		t.Fatalf("loaded in %v", took)
	}
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errs.ErrInterrupted || took > 2*time.Second {
		t.Fatalf("got %v after %v", err, took)
	}
}

// A table index past 63 takes two bytes as i32.const's signed immediate
// in the rewrite.
func TestTableGrowOfAHighTableIndex(t *testing.T) {
	typ := testkit.Section(1, testkit.Vec(1, []byte{0x60, 0, 1, 0x7f}))
	code := append([]byte{0, 0xd0, 0x70, 0x41, 5, 0xfc, 15}, testkit.AppendU32(nil, 69)...)
	code = append(code, 0x0b)
	wasm := testkit.Module(typ,
		testkit.Section(3, testkit.Vec(1, []byte{0})),
		testkit.Section(4, testkit.Vec(70, []byte{0x70, 0, 1})),
		testkit.Section(7, testkit.Vec(1, []byte{1, 'g', 0, 0})),
		testkit.Section(10, append([]byte{1}, append(testkit.AppendU32(nil, uint32(len(code))), code...)...)))
	for _, limit := range []uint64{8 * 75, 8 * 74} { // 70 entries to start with
		m, err := NewModule(wasm, Config{MemoryLimit: limit})
		if err != nil {
			t.Fatal(err)
		}
		want := int32(1)
		if limit == 8*74 {
			want = -1
		}
		if got := call1(t, m, "g", 0); got != want {
			t.Fatalf("memory_limit %d: table.grow of table 69 = %d, want %d", limit, got, want)
		}
		m.Free()
	}
}

// memory.fill and table.fill are each a loop in wazero's SSA (its "copy
// trick"), not a plain instruction: one function of 20,000 memory.fills
// passed the limits and compiled for 19.7 s, 10,000 table.fills for 3.6 s,
// and a body of 850,000 (7.6 MB, under every limit) for hours, on in the
// background after the load's timeout. Each counts as a loop.
func TestMemoryFillAndTableFillCountAsLoops(t *testing.T) {
	memFill := []byte{0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 11, 0}
	tableFill := []byte{0x41, 0, 0xd0, 0x70, 0x41, 0, 0xfc, 17, 0}
	for _, fill := range [][]byte{memFill, tableFill} {
		fills := func(n int) []byte { return testkit.Func(0, bytes.Repeat(fill, n)) }
		wantPassesCheck(t, fills(wasmbin.MaxFunctionControl/wasmbin.LoopWeight))
		wantOverLimit(t, fills(wasmbin.MaxFunctionControl/wasmbin.LoopWeight+1), "control instructions (blocks, ifs, branches; a loop counts 4): 20004")
		// And in the locals' cost: 5,000 locals across 100 fills.
		body := append(bytes.Repeat(fill, 100), bytes.Repeat([]byte{0x20, 0, 0x1a}, 5000)...)
		wantOverLimit(t, testkit.Func(5000, body), "(5000 locals, parameters and block values)^2 x (400 control instructions")
	}
}

// wazero compiles a block for each br_table target: one function of 8
// br_tables of 65,520 targets each (512 KB) passed the limits and compiled
// for 21 s, and a 7.6 MB body of them for minutes. A function's br_tables
// hold 65,520 targets together (Go's standard library peaks at 1,144).
func TestBrTableTargetsAreLimitedPerFunction(t *testing.T) {
	brTables := func(k, n int) []byte {
		one := testkit.AppendU32([]byte{0x02, 0x40, 0x41, 0x00, 0x0e}, uint32(n))
		one = append(append(one, bytes.Repeat([]byte{0}, n+1)...), 0x0b)
		return testkit.Func(0, bytes.Repeat(one, k))
	}
	wantPassesCheck(t, brTables(2, wasmbin.MaxBrTableTargets/2))
	wantOverLimit(t, brTables(2, wasmbin.MaxBrTableTargets/2+1), "br_table targets of the function, all its br_tables together: 65522")
	wantOverLimit(t, brTables(8, wasmbin.MaxBrTableTargets), "br_table targets of the function")
}

// A block type's parameters and results are block parameters in wazero's
// SSA, as locals live across merges are: 2,000 nested blocks of a type of
// 1,000 i32s each way, a br_if in each, compiled for 8.1 s (500 each way:
// 1.9 s), so the limits' 20,000 for 40 s. The widest block type counts
// with the locals in the cost, and in the values passed on branches.
func TestBlockTypeArityCountsInTheCost(t *testing.T) {
	brIfs := func(locals uint32, arity, n int) []byte {
		typ := append(append([]byte{0x60}, testkit.Vec(arity, []byte{0x7f})...), testkit.Vec(arity, []byte{0x7f})...)
		body := []byte{0}
		if locals > 0 {
			body = append(testkit.AppendU32([]byte{1}, locals), 0x7f)
		}
		body = append(body, bytes.Repeat([]byte{0x41, 0}, arity)...)
		body = append(body, bytes.Repeat([]byte{0x02, 0x01}, n)...)
		body = append(body, bytes.Repeat([]byte{0x41, 0, 0x0d, 0, 0x0b}, n)...)
		body = append(append(body, bytes.Repeat([]byte{0x1a}, arity)...), 0x0b)
		return testkit.Module(
			testkit.Section(1, append([]byte{2, 0x60, 0, 0}, typ...)),
			testkit.Section(3, testkit.Vec(1, []byte{0})),
			testkit.Section(10, append([]byte{1}, append(testkit.AppendU32(nil, uint32(len(body))), body...)...)))
	}
	wantOverLimit(t, brIfs(0, 1000, 2000), "values passed on branches: 1000 values x (4000 control instructions")
	wantPassesCheck(t, brIfs(9900, 0, 50))                                                                              // 9,900^2 x 101
	wantOverLimit(t, brIfs(9900, 100, 50), "(10000 locals, parameters and block values)^2 x (100 control instructions") // 10,000^2 x 101
}

// A load that gave up while its module was being checked does not go on to
// decode, validate and compile it: a 100 MB module timed out after 0.29 s
// and then used 2.8 s of CPU and ~500 MB in the background (1 GiB: ~10x).
func TestAnAbandonedLoadStopsAfterTheCheck(t *testing.T) {
	fn := append(testkit.AppendU32(nil, 9002), append(append([]byte{0}, bytes.Repeat([]byte{0x41, 0, 0x1a}, 3000)...), 0x0b)...)
	const n = 6000 // 54 MB
	wasm := testkit.Module(
		testkit.Section(1, testkit.Vec(1, []byte{0x60, 0, 0})),
		testkit.Section(3, testkit.Vec(n, []byte{0})),
		testkit.Section(10, testkit.Vec(n, fn)))
	sum := sha256.Sum256(wasm)
	isChecked := func() bool {
		wasmbin.Checked.Lock()
		defer wasmbin.Checked.Unlock()
		_, ok := wasmbin.Checked.Facts[sum]
		return ok
	}
	before := compile.CompilesStarted.Load()
	m, err := NewModule(wasm, Config{Name: "big", Timeout: 0.001, NoInterrupts: true})
	if err == nil {
		m.Free()
		t.Fatal("loaded")
	}
	if AsError(err).Code != errs.ErrTimeout {
		t.Fatal(err)
	}
	if isChecked() {
		t.Skip("the check ended before the load gave up")
	}
	for deadline := time.Now().Add(60 * time.Second); !isChecked(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the check did not end")
		}
	}
	time.Sleep(time.Second)
	if got := compile.CompilesStarted.Load() - before; got != 0 {
		t.Fatalf("the abandoned load went on to compile the module (%d compiles)", got)
	}
}

// Every branch passes its target's values, and wazero's SSA holds them per
// branch (a br_table: per target): a function returning 1,000 i32s through
// a br_table of 8,000 targets (11 KB) took 6.3 s and 1.95 GB to compile,
// one of 65,520 would have needed ~16 GB. The widest block type, or the
// function's results, times the branches is limited to 1,000,000 (~240 MB).
func TestValuesPassedOnBranchesAreLimited(t *testing.T) {
	results := func(k, targets int) []byte {
		typ := append([]byte{0x60, 0}, testkit.Vec(k, []byte{0x7f})...)
		body := append([]byte{0}, bytes.Repeat([]byte{0x41, 0}, k)...)
		body = testkit.AppendU32(append(body, 0x41, 0, 0x0e), uint32(targets))
		body = append(append(body, bytes.Repeat([]byte{0}, targets+1)...), 0x0b)
		return testkit.Module(
			testkit.Section(1, append([]byte{1}, typ...)),
			testkit.Section(3, testkit.Vec(1, []byte{0})),
			testkit.Section(10, append([]byte{1}, append(testkit.AppendU32(nil, uint32(len(body))), body...)...)))
	}
	wantPassesCheck(t, results(1000, 998)) // 1,000 x (1 + 998 + 1)
	wantOverLimit(t, results(1000, 999), "values passed on branches: 1000 values x (1 control instructions + 999 br_table targets + 1)")
	wantOverLimit(t, results(1000, 8000), "values passed on branches")
}
