package host

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// corpusDir is the shared corpus of third-party modules (see README).
func corpusDir(t testing.TB) string {
	dir := os.Getenv("GOWASM_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "shared", "wasm-corpus")
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no corpus at %s", dir)
	}
	return dir
}

// Every module of the corpus that wazero compiles still compiles once
// instrumented, with the interrupt global exported.
func TestInstrumentCorpus(t *testing.T) {
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter().WithCoreFeatures(api.CoreFeaturesV2|experimental.CoreFeaturesThreads))
	defer rt.Close(ctx)
	n := 0
	filepath.Walk(corpusDir(t), func(path string, fi os.FileInfo, err error) error {
		if err != nil || !strings.HasSuffix(path, ".wasm") {
			return nil
		}
		wasm, _ := os.ReadFile(path)
		orig, err := rt.CompileModule(ctx, wasm)
		if err != nil {
			return nil // not a valid module for wazero: nothing to keep working
		}
		orig.Close(ctx)
		out, err := instrument(wasm, rewrites{interrupts: true})
		if err != nil {
			t.Errorf("%s: %v", path, err)
			return nil
		}
		c, err := rt.CompileModule(ctx, out)
		if err != nil {
			t.Errorf("%s: the instrumented module does not compile: %v", path, err)
			return nil
		}
		if !strings.Contains(string(out), InterruptGlobal) {
			t.Errorf("%s: no %s export", path, InterruptGlobal)
		}
		c.Close(ctx)
		n++
		return nil
	})
	t.Logf("%d modules instrumented", n)
}

// spinWasm is, in WAT (no memory, no global: instrument adds both):
//
//	(module
//	  (func $spin (export "spin") (param $n i64) (result i64) (local $i i64)
//	    (loop $l
//	      local.get $i i64.const 1 i64.add local.set $i
//	      local.get $i local.get $n i64.lt_u
//	      br_if $l)
//	    local.get $i)
//	  (func (export "rec") (param $n i32) (result i32)
//	    local.get $n i32.eqz if (result i32) i32.const 0
//	    else local.get $n i32.const 1 i32.sub call 1 i32.const 1 i32.add end))
var spinWasm = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0b, 0x02, 0x60, 0x01, 0x7e, 0x01, 0x7e, 0x60, 0x01, 0x7f, 0x01,
	0x7f, 0x03, 0x03, 0x02, 0x00, 0x01, 0x07, 0x0e, 0x02, 0x04, 0x73, 0x70, 0x69, 0x6e, 0x00, 0x00, 0x03, 0x72, 0x65, 0x63,
	0x00, 0x01, 0x0a, 0x2f, 0x02, 0x17, 0x01, 0x01, 0x7e, 0x03, 0x40, 0x20, 0x01, 0x42, 0x01, 0x7c, 0x21, 0x01, 0x20, 0x01,
	0x20, 0x00, 0x54, 0x0d, 0x00, 0x0b, 0x20, 0x01, 0x0b, 0x15, 0x00, 0x20, 0x00, 0x45, 0x04, 0x7f, 0x41, 0x00, 0x05, 0x20,
	0x00, 0x41, 0x01, 0x6b, 0x10, 0x01, 0x41, 0x01, 0x6a, 0x0b, 0x0b, 0x00, 0x26, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x07,
	0x01, 0x00, 0x04, 0x73, 0x70, 0x69, 0x6e, 0x02, 0x0e, 0x02, 0x00, 0x02, 0x00, 0x01, 0x6e, 0x01, 0x01, 0x69, 0x01, 0x01,
	0x00, 0x01, 0x6e, 0x03, 0x06, 0x01, 0x00, 0x01, 0x00, 0x01, 0x6c,
}

// pollStub provides the poll import as the engine will: it clears the
// global, and stops the call when the global says so.
func pollStub(t *testing.T, ctx context.Context, rt wazero.Runtime, polls *int) {
	t.Helper()
	_, err := rt.NewHostModuleBuilder(PollModule).NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, mod api.Module, _ []uint64) {
			*polls++
			g := mod.ExportedGlobal(InterruptGlobal).(api.MutableGlobal)
			if g.Get() == 1 {
				panic("stopped")
			}
			g.Set(0)
		}), nil, nil).Export(PollName).Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
}

// The instrumented guest runs as before, calls poll when the global is set
// (which clears it to go on, or stops the call), in a loop and at the entry
// of a recursive function; an endless loop can be stopped from outside.
func TestInstrumentedGuestStopsAndYields(t *testing.T) {
	ctx := context.Background()
	wasm, err := instrument(spinWasm, rewrites{interrupts: true})
	if err != nil {
		t.Fatal(err)
	}
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	polls := 0
	pollStub(t, ctx, rt, &polls)
	mod, err := rt.Instantiate(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	flag := mod.ExportedGlobal(InterruptGlobal).(api.MutableGlobal)
	spin, rec := mod.ExportedFunction("spin"), mod.ExportedFunction("rec")
	if res, err := spin.Call(ctx, 1000); err != nil || res[0] != 1000 {
		t.Fatalf("spin(1000) = %v, %v", res, err)
	}
	// The global starts set: the first check polls, once.
	if res, err := rec.Call(ctx, 1000); err != nil || res[0] != 1000 || polls != 1 {
		t.Fatalf("rec(1000) = %v, %v, %d polls", res, err, polls)
	}
	flag.Set(2)
	if res, err := spin.Call(ctx, 1000); err != nil || res[0] != 1000 || flag.Get() != 0 || polls != 2 {
		t.Fatalf("after a yield: spin(1000) = %v, %v, flag %d, %d polls", res, err, flag.Get(), polls)
	}
	flag.Set(1)
	for _, f := range []api.Function{spin, rec} {
		if _, err := f.Call(ctx, 1000); err == nil || !strings.Contains(err.Error(), "stopped") {
			t.Fatalf("%s with the stop flag set: %v, want stopped", f.Definition().Name(), err)
		}
	}
	flag.Set(0)
	done := make(chan error)
	go func() {
		_, err := spin.Call(ctx, 1<<62) // would run for years
		done <- err
	}()
	flag.Set(1)
	if err := <-done; err == nil {
		t.Fatal("the endless loop was not stopped")
	}
}

// Renumbering keeps the name section right: the exported function is still
// named by its own entry, now one index up.
func TestInstrumentKeepsFunctionNames(t *testing.T) {
	ctx := context.Background()
	wasm, err := instrument(spinWasm, rewrites{interrupts: true})
	if err != nil {
		t.Fatal(err)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer rt.Close(ctx)
	c, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	if def := c.ExportedFunctions()["spin"]; def.Name() != "spin" || def.Index() != 1 {
		t.Errorf("spin is named %q at index %d, want spin at 1", def.Name(), def.Index())
	}
	imports := c.ImportedFunctions()
	if len(imports) != 1 {
		t.Fatalf("imports: %v", imports)
	}
	if mod, name, _ := imports[0].Import(); mod != PollModule || name != PollName {
		t.Errorf("import %s.%s", mod, name)
	}
}
