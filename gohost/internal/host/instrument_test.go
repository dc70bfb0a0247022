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
		out, err := instrument(wasm)
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

// The instrumented guest runs as before, passes through Go when asked to
// yield (clearing the request), and traps when asked to stop: in a loop,
// and at the entry of a recursive function.
func TestInstrumentedGuestStopsAndYields(t *testing.T) {
	ctx := context.Background()
	wasm, err := instrument(spinWasm)
	if err != nil {
		t.Fatal(err)
	}
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	mod, err := rt.Instantiate(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	flag := mod.ExportedGlobal(InterruptGlobal).(api.MutableGlobal)
	spin, rec := mod.ExportedFunction("spin"), mod.ExportedFunction("rec")
	if res, err := spin.Call(ctx, 1000); err != nil || res[0] != 1000 {
		t.Fatalf("spin(1000) = %v, %v", res, err)
	}
	if res, err := rec.Call(ctx, 1000); err != nil || res[0] != 1000 {
		t.Fatalf("rec(1000) = %v, %v", res, err)
	}
	flag.Set(interruptYield)
	if res, err := spin.Call(ctx, 1000); err != nil || res[0] != 1000 || flag.Get() != interruptNone {
		t.Fatalf("after a yield: spin(1000) = %v, %v, flag %d", res, err, flag.Get())
	}
	flag.Set(interruptStop)
	for _, f := range []api.Function{spin, rec} {
		if _, err := f.Call(ctx, 1000); err == nil || !strings.Contains(err.Error(), "unreachable") {
			t.Fatalf("%s with the stop flag set: %v, want a trap", f.Definition().Name(), err)
		}
	}
	flag.Set(interruptNone)
	done := make(chan error)
	go func() {
		_, err := spin.Call(ctx, 1<<62) // would run for years
		done <- err
	}()
	flag.Set(interruptStop)
	if err := <-done; err == nil {
		t.Fatal("the endless loop was not stopped")
	}
}
