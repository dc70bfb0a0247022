package wasmbin

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowasm/gowasm/gohost/internal/testkit"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// Every module of the corpus that wazero compiles still compiles once
// instrumented, with the interrupt global exported.
func TestInstrumentCorpus(t *testing.T) {
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter().WithCoreFeatures(api.CoreFeaturesV2|experimental.CoreFeaturesThreads))
	defer rt.Close(ctx)
	n := 0
	filepath.Walk(testkit.CorpusDir(t), func(path string, fi os.FileInfo, err error) error {
		if err != nil || !strings.HasSuffix(path, ".wasm") {
			return nil
		}
		wasm, _ := os.ReadFile(path)
		orig, err := rt.CompileModule(ctx, wasm)
		if err != nil {
			return nil // not a valid module for wazero: nothing to keep working
		}
		orig.Close(ctx)
		out, err := Instrument(wasm, Rewrites{Interrupts: true})
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
	wasm, err := Instrument(testkit.Spin, Rewrites{Interrupts: true})
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
	wasm, err := Instrument(testkit.Spin, Rewrites{Interrupts: true})
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
