package wazerointernal

import (
	"context"
	"io"
	"testing"

	"github.com/gowasm/gowasm/gohost/internal/testkit"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

func init() { WazeroVersionForTests = testkit.GoModWazero() }

// TestEveryReachIntoWazero fails when a wazero upgrade moves what this
// package reaches: go.mod naming another wazero than MirroredWazero (re-read
// compile.go, fdtable.go and global.go against it, then update it), or any
// of the three finding nothing in a plain wazero runtime.
func TestEveryReachIntoWazero(t *testing.T) {
	if v := testkit.GoModWazero(); v != MirroredWazero {
		t.Fatalf("go.mod requires wazero %q; this package mirrors %s: re-read it against the new version", v, MirroredWazero)
	}
	if m := Mirror(); !m.OK {
		t.Fatalf("the trusted compile path is off: %s", m.Why)
	}
	if m := FileCacheMirror(); !m.OK {
		t.Fatalf("cache entries cannot be checked: %s", m.Why)
	}
	c, err := wazero.NewCompilationCacheWithDir(testkit.TempDir(t))
	if err != nil {
		t.Fatal(err)
	}
	var replacedIn string
	if current, ok := ReplaceFileCache(c, func(dir string) FileCache { replacedIn = dir; return noFiles{} }); !ok || replacedIn == "" || current != (noFiles{}) {
		t.Fatalf("the compilation cache's file cache was not replaced (%v)", ok)
	}
	if current, ok := ReplaceFileCache(c, nil); !ok || current != (noFiles{}) {
		t.Fatalf("a second ReplaceFileCache did not find the first's (%v)", ok)
	}
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	// A module exporting a mutable i32 global "g" (initially 0).
	wasm := testkit.Module(
		testkit.Section(6, testkit.Vec(1, []byte{0x7f, 1, 0x41, 0, 0x0b})),
		testkit.Section(7, testkit.Vec(1, []byte{1, 'g', 3, 0})))
	mod, err := r.InstantiateWithConfig(ctx, wasm, wazero.NewModuleConfig().WithFSConfig(wazero.NewFSConfig().WithDirMount(testkit.TempDir(t), "/")))
	if err != nil {
		t.Fatal(err)
	}
	g := mod.ExportedGlobal("g").(api.MutableGlobal)
	p := GlobalAddress(g)
	if p == nil {
		t.Fatal("GlobalAddress found no address for the global")
	}
	g.Set(7)
	if got := *(*int32)(p); got != 7 {
		t.Fatalf("the address found is not the global's: it reads %d", got)
	}
	fds, ok := FDTableOf(mod)
	if !ok {
		t.Fatal("FDTableOf found no descriptor table")
	}
	if e, ok := fds.Get(3); !ok || !e.IsPreopen() || e.Name() != "/" || e.FS() == nil {
		t.Fatalf("the preopen is not descriptor 3: %v", ok)
	}
	if _, ok := fds.Get(0); !ok {
		t.Fatal("no stdin")
	}
}

// noFiles is a FileCache that keeps nothing.
type noFiles struct{}

func (noFiles) Get([32]byte) (io.ReadCloser, bool, error) { return nil, false, nil }
func (noFiles) Add([32]byte, io.Reader) error             { return nil }
func (noFiles) Delete([32]byte) error                     { return nil }
