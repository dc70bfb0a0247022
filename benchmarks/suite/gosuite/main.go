// Command gosuite runs the benchmark suite's workloads (benchmarks/suite.py)
// on wazero driven directly from Go, and natively in Go, and prints one JSON
// object of samples: {"wazero_go": {"workload": [ms...]}, "native_go": {...}}.
//
//	go run ./benchmarks/suite/gosuite -repeats 5 guest.wasm doc.json
package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

type item struct {
	ID    int64    `json:"id"`
	Name  string   `json:"name"`
	Score float64  `json:"score"`
	Tags  []string `json:"tags"`
}

func fib(n int32) int32 {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

func main() {
	repeats := flag.Int("repeats", 5, "samples per workload")
	calls := flag.Int("calls", 1_000_000, "calls per per-call sample")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: gosuite [flags] guest.wasm doc.json")
		os.Exit(2)
	}
	out, err := run(flag.Arg(0), flag.Arg(1), *repeats, *calls)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gosuite:", err)
		os.Exit(1)
	}
	json.NewEncoder(os.Stdout).Encode(out)
}

func sample(n int, f func()) []float64 {
	f() // warm up
	s := make([]float64, n)
	for i := range s {
		t := time.Now()
		f()
		s[i] = float64(time.Since(t).Nanoseconds()) / 1e6
	}
	return s
}

func run(path, docPath string, repeats, calls int) (map[string]map[string][]float64, error) {
	ctx := context.Background()
	wasm, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	doc, err := os.ReadFile(docPath)
	if err != nil {
		return nil, err
	}
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	_, err = rt.NewHostModuleBuilder("env").NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(func(_ context.Context, _ api.Module, st []uint64) {}),
			[]api.ValueType{api.ValueTypeI32}, []api.ValueType{api.ValueTypeI32}).
		Export("pong").Instantiate(ctx)
	if err != nil {
		return nil, err
	}
	mod, err := rt.InstantiateWithConfig(ctx, wasm, wazero.NewModuleConfig().WithStartFunctions("_initialize"))
	if err != nil {
		return nil, err
	}
	fn := mod.ExportedFunction
	sum, fibw, malloc, free := fn("sum"), fn("fib"), fn("malloc"), fn("free")
	mem := mod.Memory()
	st := make([]uint64, 2)
	call := func(f api.Function, args ...uint64) uint64 {
		copy(st, args)
		if err := f.CallWithStack(ctx, st); err != nil {
			panic(err)
		}
		return st[0]
	}
	// typed: the convention by hand, as gowasm's Go side does it
	exports := map[string]api.Function{}
	for _, name := range []string{"sha", "jsonsum", "echo", "greet"} {
		exports[name] = fn(name) // looked up once: a lookup costs ~1.7 us
	}
	typed := func(name string, data []byte) uint64 {
		p := uint32(call(malloc, uint64(len(data))))
		mem.Write(p, data)
		r := call(exports[name], uint64(p), uint64(len(data)))
		call(free, uint64(p))
		return r
	}
	readFree := func(packed uint64) []byte {
		p, n := uint32(packed>>32), uint32(packed)
		b, _ := mem.Read(p, n)
		b = append([]byte(nil), b...)
		call(free, uint64(p))
		return b
	}
	data := make([]byte, 10<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	mib := data[:1<<20]
	w := map[string][]float64{}
	w["per_call_ns"] = sample(repeats, func() {
		for i := 0; i < calls; i++ {
			call(sum, 12, 12)
		}
	})
	for i := range w["per_call_ns"] {
		w["per_call_ns"][i] *= 1e6 / float64(calls)
	}
	w["fib30_ms"] = sample(repeats, func() { call(fibw, 30) })
	w["sha256_10mib_ms"] = sample(repeats, func() { readFree(typed("sha", data)) })
	w["json_decode_ms"] = sample(repeats, func() { typed("jsonsum", doc) })
	w["greet_us"] = sample(repeats, func() {
		for i := 0; i < 1000; i++ {
			readFree(typed("greet", []byte("world")))
		}
	})
	ping := fn("ping")
	w["host_call_us"] = sample(repeats, func() { call(ping, 1000) })
	w["bytes_1mib_ms"] = sample(repeats, func() { readFree(typed("echo", mib)) })
	native := map[string][]float64{}
	native["fib30_ms"] = sample(repeats, func() { fib(30) })
	native["sha256_10mib_ms"] = sample(repeats, func() { sha256.Sum256(data) })
	native["json_decode_ms"] = sample(repeats, func() {
		var items []item
		if err := json.Unmarshal(doc, &items); err != nil {
			panic(err)
		}
	})
	// greet_us and host_call_us: ms per 1000 calls is us per call.
	return map[string]map[string][]float64{"wazero_go": w, "native_go": native}, nil
}
