package engine

import (
	"context"
	"os"
	"testing"
)

const corpusAdd = "../../../../shared/wasm-corpus/go/add_reactor.wasm"

func loadAdd(tb testing.TB) (*Module, *Func) {
	wasm, err := os.ReadFile(corpusAdd)
	if err != nil {
		tb.Skip("corpus not found:", err)
	}
	m, err := NewModule(wasm, Config{Name: "add"})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { m.Free() })
	for _, f := range m.funcs {
		if f.name == "add" {
			return m, f
		}
	}
	tb.Fatal("no add export")
	return nil, nil
}

// BenchmarkCallFast is the Go half of every fast call from Python.
func BenchmarkCallFast(b *testing.B) {
	_, f := loadAdd(b)
	args := [4]uint64{12, 12}
	for i := 0; i < b.N; i++ {
		if raw, _, err := CallFast(f.handle, &args, 2, 0, ResultInt); err != nil || raw != 24 {
			b.Fatal(raw, err)
		}
	}
}

// BenchmarkWazeroCallWithStack is the floor: wazero alone.
func BenchmarkWazeroCallWithStack(b *testing.B) {
	_, f := loadAdd(b)
	st := make([]uint64, 2)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		st[0], st[1] = 12, 12
		if err := f.fn.CallWithStack(ctx, st); err != nil || st[0] != 24 {
			b.Fatal(err)
		}
	}
}
