//go:build unix

package engine

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowasm/gowasm/gohost/internal/compile"
	"github.com/gowasm/gowasm/gohost/internal/testkit"
)

// TestPlantedCacheEntryNotRun is the attack: another user makes wazero's
// subdirectory of a shared cache directory first and puts compiled code in
// it under the name a module's own code would have. Loading the module
// with that directory must run the module's own code (here: the code of a
// module that returns 2, planted as that of one returning 1).
func TestPlantedCacheEntryNotRun(t *testing.T) {
	one, two := constModule(1), constModule(2)
	oneName, _ := cacheEntryOf(t, one)
	_, twoCode := cacheEntryOf(t, two)

	shared := testkit.MkdirMode(t, filepath.Join(t.TempDir(), "shared"), 0o777|os.ModeSticky)
	planted := filepath.Join(shared, oneName)
	testkit.MkdirMode(t, filepath.Dir(planted), 0o755)
	if err := os.WriteFile(planted, forgedEntry(t, twoCode, oneName), 0o644); err != nil {
		t.Fatal(err)
	}
	testkit.GiveAway(t, filepath.Dir(planted), planted)

	m, err := NewModule(one, Config{CacheDir: shared, NoInterrupts: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Free()
	if got := callConst(t, m); got != 1 {
		t.Fatalf("f() = %d: the process ran the code another user planted", got)
	}
}

// constModule is a module exporting f() -> i32 returning n (n < 64).
func constModule(n byte) []byte {
	return []byte{
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
		0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type: () -> i32
		0x03, 0x02, 0x01, 0x00, // one function of type 0
		0x07, 0x05, 0x01, 0x01, 'f', 0x00, 0x00, // export "f"
		0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, n, 0x0b, // body: i32.const n
	}
}

func callConst(t *testing.T, m *Module) int64 {
	t.Helper()
	var args [4]uint64
	raw, typ, err := CallFast(funcNamed(m, "f").handle, &args, 0, 0, ResultInt)
	if err != nil {
		t.Fatal(err)
	}
	return DecodeInt(raw, typ)
}

// TestCacheDirRecheckedAfterItIsReplaced: the choice of a directory is kept
// for the process, but what it relied on can go away. gowasm's own
// gowasm-<uid> in a shared directory like /tmp is removed (by a cleaner of
// old files in /tmp, or by the user told to remove it), and another user,
// who may make new names in /tmp, makes it again with compiled code of
// their own in it. A later load in the same process must not run it.
func TestCacheDirRecheckedAfterItIsReplaced(t *testing.T) {
	one, two, three := constModule(1), constModule(2), constModule(3)
	oneName, _ := cacheEntryOf(t, one)
	_, twoCode := cacheEntryOf(t, two)

	shared := testkit.MkdirMode(t, filepath.Join(t.TempDir(), "shared"), 0o777|os.ModeSticky)
	m, err := NewModule(three, Config{CacheDir: shared, NoInterrupts: true})
	if err != nil {
		t.Fatal(err)
	}
	m.Free()
	own := filepath.Join(shared, compile.OwnSubdir())
	if got := compile.UsableCacheDir(shared).Dir; got != own {
		t.Fatalf("chose %q, want %q", got, own)
	}

	if err := os.RemoveAll(own); err != nil {
		t.Fatal(err)
	}
	planted := filepath.Join(own, oneName)
	testkit.MkdirMode(t, own, 0o755)
	testkit.MkdirMode(t, filepath.Dir(planted), 0o755)
	if err := os.WriteFile(planted, forgedEntry(t, twoCode, oneName), 0o644); err != nil {
		t.Fatal(err)
	}
	testkit.GiveAway(t, own, filepath.Dir(planted), planted)

	m, err = NewModule(one, Config{CacheDir: shared, NoInterrupts: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Free()
	if got := callConst(t, m); got != 1 {
		t.Fatalf("f() = %d: the process ran the code another user planted", got)
	}
	if c := compile.UsableCacheDir(shared); c.Dir != "" || !strings.Contains(c.Problem, "belongs to another user") {
		t.Fatalf("the replaced directory is still chosen: %+v", c)
	}
}

// cacheEntryOf compiles wasm with a cache directory of its own and returns
// its one compilation cache entry: the path relative to the directory, and
// the content.
func cacheEntryOf(t *testing.T, wasm []byte) (name string, content []byte) {
	t.Helper()
	dir := t.TempDir()
	m, err := NewModule(wasm, Config{CacheDir: dir, NoInterrupts: true})
	if err != nil {
		t.Fatal(err)
	}
	m.Free()
	entries, _ := filepath.Glob(filepath.Join(dir, "wazero-*", "*"))
	if len(entries) != 1 {
		t.Fatalf("cache entries: %v", entries)
	}
	content, err = os.ReadFile(entries[0])
	if err != nil {
		t.Fatal(err)
	}
	name, _ = filepath.Rel(dir, entries[0])
	return name, content
}

// forgedEntry is gowasm's cache entry entry (another module's) made into
// one for the entry name, as anyone can: its digest is no signature
// (compile/cacheentry.go), so the name's key and the digest are all it takes.
func forgedEntry(t *testing.T, entry []byte, name string) []byte {
	t.Helper()
	key, err := hex.DecodeString(filepath.Base(name))
	if err != nil || len(key) != 32 {
		t.Fatalf("%s is not an entry's name", name)
	}
	entry = entry[:len(entry)-compile.EntryTrailerSize]
	headSize, codeSize, ok := compile.EntrySplit(entry, int64(len(entry)))
	if !ok {
		t.Fatal("not an entry")
	}
	digest := compile.EntryDigest([32]byte(key), entry[:headSize], entry[headSize+codeSize:])
	return append(append(append([]byte(nil), entry...), compile.EntryTag...), digest...)
}

// TestCacheDirUnwritableAtFirstLoad: a directory checked (written to) and
// then not writable when the process's first load with it comes (a disk
// that filled up, a directory made read-only; here, the user's own file
// where wazero makes its subdirectory) failed every load in the process
// ("cannot use cache directory"), where one that fails later costs
// nothing. The load compiles in memory instead.
func TestCacheDirUnwritableAtFirstLoad(t *testing.T) {
	dir := t.TempDir()
	if got := compile.UsableCacheDir(dir); got.Dir != dir {
		t.Fatalf("chose %+v", got)
	}
	// wazero's subdirectory, named as wazero names it (its version is
	// "dev" in go test's binaries).
	name, _ := cacheEntryOf(t, constModule(5))
	if err := os.WriteFile(filepath.Join(dir, filepath.Dir(name)), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		m, err := NewModule(constModule(4), Config{CacheDir: dir, NoInterrupts: true})
		if err != nil {
			t.Fatal(err)
		}
		got := callConst(t, m)
		m.Free()
		if got != 4 {
			t.Fatalf("f() = %d", got)
		}
	}
}
