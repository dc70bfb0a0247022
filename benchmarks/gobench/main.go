// Command gobench times wazero driven directly from Go: the baseline that
// gowasm's Python call path and fib(30) are compared with.
//
//	go run ./benchmarks/gobench [-cache DIR] [-calls N] [-repeats R] [-fib N] module.wasm
//
// It loads the module (WASI preview 1 instantiated, "_initialize" run as the
// start function, as for a Go or TinyGo reactor), looks "sum" and "fib" up
// once, and prints one JSON object to stdout:
//
//	{"sum_ns": ..., "fib30_ms": ..., ...}
//
// sum_ns is the best (minimum) over the repeats of the mean ns per
// sum(12, 12) call, each run making -calls calls through
// api.Function.CallWithStack with one preallocated stack. fib30_ms is the
// best over -fib-repeats of one fib(-fib) call, in ms (after one untimed
// fib call, so both measurements start warm).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

func main() {
	cacheDir := flag.String("cache", "", "compilation cache directory (default: none, compile in memory)")
	calls := flag.Int("calls", 1_000_000, "sum(12, 12) calls per run")
	repeats := flag.Int("repeats", 5, "runs of -calls sum calls; the minimum is reported")
	fibRepeats := flag.Int("fib-repeats", 5, "fib calls; the minimum is reported")
	fibN := flag.Int("fib", 30, "argument of fib")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: gobench [flags] module.wasm")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *cacheDir, *calls, *repeats, *fibRepeats, int32(*fibN)); err != nil {
		fmt.Fprintln(os.Stderr, "gobench:", err)
		os.Exit(1)
	}
}

func run(path, cacheDir string, calls, repeats, fibRepeats int, fibN int32) error {
	ctx := context.Background()
	wasm, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	cfg := wazero.NewRuntimeConfig()
	if cacheDir != "" {
		cache, err := wazero.NewCompilationCacheWithDir(cacheDir)
		if err != nil {
			return err
		}
		cfg = cfg.WithCompilationCache(cache)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	defer rt.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)

	start := time.Now()
	compiled, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		return err
	}
	compileMS := ms(time.Since(start))
	mod, err := rt.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithStartFunctions("_initialize"))
	if err != nil {
		return err
	}

	var sum, fib api.Function = mod.ExportedFunction("sum"), mod.ExportedFunction("fib")
	if sum == nil || fib == nil {
		return fmt.Errorf("%s does not export sum and fib", path)
	}

	stack := make([]uint64, 2)
	call := func() error {
		stack[0], stack[1] = 12, 12
		if err := sum.CallWithStack(ctx, stack); err != nil {
			return err
		}
		if int32(stack[0]) != 24 {
			return fmt.Errorf("sum(12, 12) = %d", int32(stack[0]))
		}
		return nil
	}
	for i := 0; i < 10_000; i++ { // warm up
		if err := call(); err != nil {
			return err
		}
	}
	sumNS := -1.0
	for r := 0; r < repeats; r++ {
		t := time.Now()
		for i := 0; i < calls; i++ {
			stack[0], stack[1] = 12, 12
			if err := sum.CallWithStack(ctx, stack); err != nil {
				return err
			}
		}
		ns := float64(time.Since(t).Nanoseconds()) / float64(calls)
		if sumNS < 0 || ns < sumNS {
			sumNS = ns
		}
	}
	if int32(stack[0]) != 24 {
		return fmt.Errorf("sum(12, 12) = %d", int32(stack[0]))
	}

	fibStack := []uint64{uint64(uint32(fibN))}
	if err := fib.CallWithStack(ctx, fibStack); err != nil { // warm up
		return err
	}
	fibMS := -1.0
	for r := 0; r < fibRepeats; r++ {
		fibStack[0] = uint64(uint32(fibN))
		t := time.Now()
		if err := fib.CallWithStack(ctx, fibStack); err != nil {
			return err
		}
		d := ms(time.Since(t))
		if fibMS < 0 || d < fibMS {
			fibMS = d
		}
	}

	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"sum_ns":      sumNS,
		"fib30_ms":    fibMS,
		"fib_n":       fibN,
		"fib_result":  int32(fibStack[0]),
		"compile_ms":  compileMS,
		"calls":       calls,
		"repeats":     repeats,
		"fib_repeats": fibRepeats,
		"statistic":   "min",
	})
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }
