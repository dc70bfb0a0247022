package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowasm/gowasm/gohost/internal/errs"
	"github.com/gowasm/gowasm/gohost/internal/wasmbin"
)

// testWasm is, in WAT:
//
//	(module
//	  (import "env" "missing" (func $m))
//	  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
//	  (func (export "trap") unreachable)
//	  (func (export "call_missing") call $m))
var testWasm = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x60, 0x00, 0x00, 0x60,
	0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x02, 0x0f, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x07, 0x6d, 0x69,
	0x73, 0x73, 0x69, 0x6e, 0x67, 0x00, 0x00, 0x03, 0x04, 0x03, 0x01, 0x00, 0x00, 0x07, 0x1d,
	0x03, 0x03, 0x61, 0x64, 0x64, 0x00, 0x01, 0x04, 0x74, 0x72, 0x61, 0x70, 0x00, 0x02, 0x0c,
	0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x6d, 0x69, 0x73, 0x73, 0x69, 0x6e, 0x67, 0x00, 0x03, 0x0a,
	0x12, 0x03, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b, 0x03, 0x00, 0x00, 0x0b, 0x04,
	0x00, 0x10, 0x00, 0x0b, 0x00, 0x0b, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x04, 0x01, 0x00,
	0x01, 0x6d,
}

func funcNamed(m *Module, name string) *Func {
	for _, f := range m.funcs {
		if f.name == name {
			return f
		}
	}
	return nil
}

// Example shows the engine's whole cycle: load, call through the fast path,
// free.
func Example() {
	m, err := NewModule(testWasm, Config{Name: "example"})
	if err != nil {
		panic(err)
	}
	defer m.Free()
	add := funcNamed(m, "add")
	minus5 := int64(-5)
	args := [4]uint64{uint64(minus5), 3} // the fast ABI passes int64 bits
	raw, t, callErr := CallFast(add.handle, &args, 2, 0, ResultInt)
	fmt.Println(DecodeInt(raw, t), callErr == nil, m.Info().Kind)
	// Output: -2 true library
}

func TestArgumentRangeIsCheckedAndHarmless(t *testing.T) {
	m, err := NewModule(testWasm, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Free()
	add := funcNamed(m, "add")
	args := [4]uint64{1 << 32, 0}
	if _, _, e := CallFast(add.handle, &args, 2, 0, ResultInt); e == nil || e.Code != errs.ErrArgument {
		t.Fatalf("want ErrArgument, got %v", e)
	}
	args = [4]uint64{0xFFFFFFFF, 2} // the unsigned range is accepted
	if raw, typ, e := CallFast(add.handle, &args, 2, 0, ResultInt); e != nil || DecodeInt(raw, typ) != 1 {
		t.Fatalf("got %d, %v", DecodeInt(raw, typ), e)
	}
	// A caller using the wrong entry point for the signature is refused.
	if _, _, e := CallFast(add.handle, &args, 2, 0b01, ResultInt); e == nil || e.Code != errs.ErrArgument {
		t.Fatalf("want ErrArgument for a float mask mismatch, got %v", e)
	}
}

func TestTrapsAndStubCallsKillTheModule(t *testing.T) {
	for _, name := range []string{"trap", "call_missing"} {
		m, err := NewModule(testWasm, Config{})
		if err != nil {
			t.Fatal(err)
		}
		var args [4]uint64
		_, _, e := CallFast(funcNamed(m, name).handle, &args, 0, 0, ResultVoid)
		want := map[string]errs.Code{"trap": errs.ErrTrap, "call_missing": errs.ErrLink}[name]
		if e == nil || e.Code != want {
			t.Fatalf("%s: want code %d, got %v", name, want, e)
		}
		if name == "call_missing" && !strings.Contains(e.Msg, "env.missing() -> None") {
			t.Errorf("stub message does not name the import: %s", e.Msg)
		}
		args = [4]uint64{1, 2}
		if _, _, e := CallFast(funcNamed(m, "add").handle, &args, 2, 0, ResultInt); e == nil || e.Code != errs.ErrClosed {
			t.Fatalf("%s: a call after the failure should be refused, got %v", name, e)
		}
		m.Free()
	}
}

func TestStrictImports(t *testing.T) {
	_, err := NewModule(testWasm, Config{StrictImports: true})
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errs.ErrLink || !strings.Contains(e.Msg, "env.missing() -> None") {
		t.Fatalf("want a LinkError naming env.missing, got %v", err)
	}
}

func TestCloseThenFree(t *testing.T) {
	before := Funcs.Len()
	m, err := NewModule(testWasm, Config{})
	if err != nil {
		t.Fatal(err)
	}
	add := funcNamed(m, "add")
	m.Close()
	args := [4]uint64{1, 2}
	if _, _, e := CallFast(add.handle, &args, 2, 0, ResultInt); e == nil || e.Code != errs.ErrClosed {
		t.Fatalf("want ErrClosed after Close, got %v", e)
	}
	m.Free()
	if Funcs.Len() != before || Modules.Get(m.Handle) != nil {
		t.Fatal("Free left handles behind")
	}
}

func corpus(t *testing.T, rel string) []byte {
	wasm, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "shared", "wasm-corpus", rel))
	if err != nil {
		t.Skip("wasm corpus not found:", err)
	}
	return wasm
}

func TestKindsOfCorpusModules(t *testing.T) {
	for rel, want := range map[string]Kind{
		"go/add_reactor.wasm":             KindReactor,
		"tinygo-wasm/pion_explainer.wasm": KindTinyGoJS,
		"go/wasip1_twocalls.wasm":         KindCommand,
		"rust/fibonacci.wasm":             KindLibrary,
	} {
		m, err := NewModule(corpus(t, rel), Config{Name: rel})
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		if got := m.Info().Kind; got != want {
			t.Errorf("%s: kind %s, want %s", rel, got, want)
		}
		m.Free()
	}
	_, err := NewModule(corpus(t, "go/gojs_pion_explainer.wasm"), Config{})
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errs.ErrLink || !strings.Contains(e.Msg, "GOOS=wasip1") {
		t.Fatalf("GOOS=js module: want LinkError with advice, got %v", err)
	}
}

func TestImportedSharedMemoryIsProvided(t *testing.T) {
	wasm := corpus(t, "c/pthread_reactor.wasm")
	mems, err := wasmbin.MemoryImports(wasm)
	if err != nil || len(mems) != 1 || mems[0].Limits != (wasmbin.Limits{Flags: 3, Min: 2, Max: 2}) {
		t.Fatalf("memoryImports = %+v, %v", mems, err)
	}
	m, err := NewModule(wasm, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Free()
	var args [4]uint64
	for _, name := range []string{"init", "run", "run"} {
		if _, _, e := CallFast(funcNamed(m, name).handle, &args, 0, 0, ResultVoid); e != nil {
			t.Fatalf("%s: %v", name, e)
		}
	}
	if raw, typ, e := CallFast(funcNamed(m, "get").handle, &args, 0, 0, ResultInt); e != nil || DecodeInt(raw, typ) != 2 {
		t.Fatalf("get() = %d, %v", DecodeInt(raw, typ), e)
	}
}
