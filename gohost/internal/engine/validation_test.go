package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gowasm/gowasm/gohost/internal/compile"
	"github.com/gowasm/gowasm/gohost/internal/testkit"
	"github.com/gowasm/gowasm/gohost/internal/wasmbin"
	"github.com/gowasm/gowasm/gohost/internal/wazerointernal"
	"github.com/tetratelabs/wazero"
)

func init() { wazerointernal.WazeroVersionForTests = testkit.GoModWazero() }

// isValidated says whether a load would skip validating the module.
func isValidated(sum [sha256.Size]byte, cacheDir string) bool {
	inProcess, onDisk := compile.ValidatedWhere(sum, cacheDir)
	return inProcess || onDisk
}

func callAdd(t *testing.T, m *Module) int64 {
	t.Helper()
	args := [4]uint64{2, 3}
	raw, typ, err := CallFast(funcNamed(m, "add").handle, &args, 2, 0, ResultInt)
	if err != nil {
		t.Fatal(err)
	}
	return DecodeInt(raw, typ)
}

// moduleOf is the *wasm.Module inside a compiled module, for comparing.
func moduleOf(c wazero.CompiledModule) any {
	m := wazerointernal.Mirror()
	return wazerointernal.Field(reflect.ValueOf(c).UnsafePointer(), m.CompiledModuleFields["module"]).Interface()
}

// TestTrustedCompileMatchesWazero compiles modules both ways, each in a
// fresh runtime, and compares what wazero keeps of them: field by field,
// the decoded module (with its ID, the cache key) and the type IDs.
func TestTrustedCompileMatchesWazero(t *testing.T) {
	modules := map[string][]byte{"testWasm": testWasm}
	for _, rel := range []string{"go/add_reactor.wasm", "rust/fibonacci.wasm", "c/pthread_reactor.wasm",
		"tinygo/greet_reactor.wasm", "assemblyscript/hello_trace.wasm", "emscripten/grow.wasm"} {
		modules[rel] = corpus(t, rel)
	}
	ctx := context.Background()
	for name, wasm := range modules {
		rtA, err := newRuntime(&Config{})
		if err != nil {
			t.Fatal(err)
		}
		rtB, _ := newRuntime(&Config{})
		want, err := rtA.CompileModule(ctx, wasm)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := wazerointernal.CompileTrusted(ctx, rtB, wasm)
		if err != nil {
			t.Fatalf("%s: trustedCompile: %v", name, err)
		}
		if !reflect.DeepEqual(moduleOf(got), moduleOf(want)) {
			t.Errorf("%s: the module trustedCompile decoded differs from wazero's", name)
		}
		cm := wazerointernal.Mirror().CompiledModuleFields["typeIDs"]
		if a, b := wazerointernal.Field(reflect.ValueOf(got).UnsafePointer(), cm).Interface(), wazerointernal.Field(reflect.ValueOf(want).UnsafePointer(), cm).Interface(); !reflect.DeepEqual(a, b) {
			t.Errorf("%s: type IDs %v, wazero's %v", name, a, b)
		}
		rtA.Close(ctx)
		rtB.Close(ctx)
	}
}

// TestTrustedCompileStillChecksTheModule: only function bodies go
// unvalidated; the module-level checks and the decoder still run.
func TestTrustedCompileStillChecksTheModule(t *testing.T) {
	rt, _ := newRuntime(&Config{})
	defer rt.Close(context.Background())
	if _, err := wazerointernal.CompileTrusted(context.Background(), rt, testWasm[:15]); err == nil {
		t.Error("a truncated module compiled")
	}
	// Two exports of one name: a module-level rule.
	dup := []byte("\x00asm\x01\x00\x00\x00" +
		"\x01\x04\x01\x60\x00\x00" + // type () -> ()
		"\x03\x03\x02\x00\x00" + // two functions
		"\x07\x09\x02\x01a\x00\x00\x01a\x00\x01" + // export "a" twice
		"\x0a\x07\x02\x02\x00\x0b\x02\x00\x0b")
	if _, err := rt.CompileModule(context.Background(), dup); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Fatalf("wazero accepted the duplicate export (%v): the test module is wrong", err)
	}
	if _, err := wazerointernal.CompileTrusted(context.Background(), rt, dup); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Errorf("trustedCompile accepted a duplicate export: %v", err)
	}
}

// TestLoadsRememberValidation: a load validates and leaves a marker; the
// next load of the same bytes (in a new process: the marker) compiles
// without validating bodies and works; an invalid module leaves none.
func TestLoadsRememberValidation(t *testing.T) {
	if !compile.OwnerChecked {
		t.Skip("validation markers are never trusted where owner and mode bits are not checked (Windows)")
	}
	dir := testkit.TempDir(t)
	wasm := corpus(t, "go/add_reactor.wasm")
	sum := sha256.Sum256(wasm)
	forget := func() {
		compile.Validated.Lock()
		delete(compile.Validated.Sums, sum)
		compile.Validated.Unlock()
	}
	forget()
	if isValidated(sum, dir) {
		t.Fatal("validated before any load")
	}
	for i := 0; i < 2; i++ {
		before := compile.TrustedCompiles.Load()
		m, err := NewModule(wasm, Config{CacheDir: dir, NoInterrupts: true})
		if err != nil {
			t.Fatal(err)
		}
		if trusted := compile.TrustedCompiles.Load() > before; trusted != (i > 0) {
			t.Fatalf("load %d: validation skipped: %v", i, trusted)
		}
		if got := callAdd(t, m); got != 5 {
			t.Fatalf("load %d: add(2, 3) = %d", i, got)
		}
		m.Free()
		if !isValidated(sum, dir) {
			t.Fatalf("load %d left no marker", i)
		}
		forget() // as a new process would: only the marker remains
	}
	if _, err := os.Stat(filepath.Join(compile.ValidatedDir(dir), strings.Repeat("0", 64))); err == nil {
		t.Fatal("stray marker")
	}

	bad := append([]byte(nil), testWasm...)
	bad[len(bad)-40] = 0xff // an invalid opcode in a body
	badSum := sha256.Sum256(bad)
	if _, err := NewModule(bad, Config{CacheDir: dir}); err == nil {
		t.Fatal("an invalid module loaded")
	}
	if isValidated(badSum, dir) {
		t.Fatal("an invalid module was remembered as valid")
	}
}

// TestValidatedModuleErrorsAsBefore: a remembered module that this
// runtime refuses (its memory is above the limit) fails with wazero's own
// message, from the usual path.
func TestValidatedModuleErrorsAsBefore(t *testing.T) {
	wasm := corpus(t, "go/add_reactor.wasm")
	m, err := NewModule(wasm, Config{NoInterrupts: true})
	if err != nil {
		t.Fatal(err)
	}
	m.Free()
	_, err = NewModule(wasm, Config{MemoryLimit: 1 << 16, NoInterrupts: true})
	if err == nil || !strings.Contains(err.Error(), "memory") {
		t.Fatalf("got %v", err)
	}
	// The bytes are no less valid for that.
	if !isValidated(sha256.Sum256(wasm), "") {
		t.Fatal("a module this runtime's limit refuses is no longer remembered as valid")
	}
}

// invalidBody is a module whose only function, f() -> i32, has the body
// given (no locals): for modules wazero's validator refuses.
func invalidBody(body string) []byte {
	code := "\x00" + body
	fn := string([]byte{byte(len(code))}) + code
	sec := "\x01" + fn
	return []byte("\x00asm\x01\x00\x00\x00" +
		"\x01\x05\x01\x60\x00\x01\x7f" + // type () -> i32
		"\x03\x02\x01\x00" + // one function
		"\x07\x05\x01\x01f\x00\x00" + // export "f"
		"\x0a" + string([]byte{byte(len(sec))}) + sec)
}

// tooManyResults leaves two i32 where f returns one: invalid, yet it
// compiles and runs when its body is not validated.
var tooManyResults = invalidBody("\x41\x01\x41\x02\x0b")

func forget(wasm []byte) {
	sum := sha256.Sum256(wasm)
	compile.Validated.Lock()
	delete(compile.Validated.Sums, sum)
	compile.Validated.Unlock()
}

func plantMarker(t *testing.T, dir string, wasm []byte) {
	t.Helper()
	sum := sha256.Sum256(wasm)
	if err := os.WriteFile(filepath.Join(dir, hex.EncodeToString(sum[:])), nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestForeignMarkersNotTrusted: a marker makes gowasm compile bytes
// without validating them, so only markers in a directory that no one
// else can write count. A marker directory another user created first (in
// a shared or world-writable cache directory, where wazero's own cache
// subdirectory is still private to its owner), a symlink, or one others
// can write to would let them have any module run unvalidated, and an
// invalid module compiles to code that reads and writes outside the
// sandbox.
func TestForeignMarkersNotTrusted(t *testing.T) {
	ctx := context.Background()
	rt, _ := newRuntime(&Config{})
	_, err := rt.CompileModule(ctx, tooManyResults)
	rt.Close(ctx)
	if err == nil || !strings.Contains(err.Error(), "too many results") {
		t.Fatalf("wazero accepted the invalid module (%v): the test module is wrong", err)
	}
	cases := map[string]func(t *testing.T, cacheDir, markerDir string){
		"world-writable": func(t *testing.T, _, dir string) {
			os.Mkdir(dir, 0o777)
			os.Chmod(dir, 0o777)
		},
		"writable by another group": func(t *testing.T, _, dir string) {
			os.Mkdir(dir, 0o770)
			os.Chmod(dir, 0o770)
			if err := os.Lchown(dir, -1, 65534); err != nil {
				t.Skip(err)
			}
		},
		"symlink": func(t *testing.T, cacheDir, dir string) {
			elsewhere := filepath.Join(testkit.TempDir(t), "markers")
			os.Mkdir(elsewhere, 0o700)
			if err := os.Symlink(elsewhere, dir); err != nil {
				t.Skip(err)
			}
			if fi, err := os.Lstat(dir); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Skip("no symlink was made (Wine 8: os.Symlink reports success and makes none)")
			}
		},
		"another user's": func(t *testing.T, _, dir string) {
			if os.Geteuid() != 0 {
				t.Skip("needs root to give the directory away")
			}
			os.Mkdir(dir, 0o755)
			if err := os.Chown(dir, 65534, 65534); err != nil {
				t.Skip(err)
			}
		},
	}
	for name, setup := range cases {
		t.Run(name, func(t *testing.T) {
			cacheDir := testkit.TempDir(t)
			dir := compile.ValidatedDir(cacheDir)
			setup(t, cacheDir, dir)
			plantMarker(t, dir, tooManyResults)
			forget(tooManyResults)
			before := compile.TrustedCompiles.Load()
			m, err := NewModule(tooManyResults, Config{CacheDir: cacheDir, NoInterrupts: true})
			if err == nil {
				m.Free()
			}
			if compile.TrustedCompiles.Load() != before || err == nil || !strings.Contains(err.Error(), "too many results") {
				t.Fatalf("a planted marker was trusted: the invalid module loaded without validation (err %v)", err)
			}
		})
	}
}

// TestTrustedCompilePanicFallsBack: a module remembered as valid that is
// not (a corrupt marker) makes wazero's compiler panic on bodies it never
// checks; the load then goes the usual way, failing with wazero's own
// message, and the marker is forgotten.
func TestTrustedCompilePanicFallsBack(t *testing.T) {
	bad := invalidBody("\x6a\x0b") // i32.add on an empty stack
	dir := testkit.TempDir(t)
	os.MkdirAll(compile.ValidatedDir(dir), 0o700)
	plantMarker(t, compile.ValidatedDir(dir), bad)
	forget(bad)
	_, err := NewModule(bad, Config{CacheDir: dir, NoInterrupts: true})
	if err == nil || !strings.Contains(err.Error(), "cannot pop") {
		t.Fatalf("got %v, want wazero's validation error", err)
	}
	if isValidated(sha256.Sum256(bad), dir) {
		t.Fatal("the corrupt marker is still trusted")
	}
}

// equivalenceModules: every module of the corpus and the Python tests'
// Go guests (in .cache/guests once the Python suite or
// tests/conftest.py's build_guests has built them), by name.
func equivalenceModules(t *testing.T) map[string][]byte {
	mods := map[string][]byte{"testWasm": testWasm}
	for _, root := range []string{testkit.CorpusDir(t), filepath.Join("..", "..", "..", ".cache", "guests")} {
		filepath.Walk(root, func(path string, fi os.FileInfo, err error) error {
			if err == nil && strings.HasSuffix(path, ".wasm") {
				if b, err := os.ReadFile(path); err == nil {
					mods[path] = b
				}
			}
			return nil
		})
	}
	return mods
}

// TestTrustedCompileMatchesWazeroEverywhere: for every module wazero
// accepts, as it is and instrumented, the trusted path (in a runtime with
// an empty cache, so that its engine compiles what it did not validate)
// keeps the same module, type IDs and definitions as wazero's own
// CompileModule.
func TestTrustedCompileMatchesWazeroEverywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles every module of the corpus twice")
	}
	ctx := context.Background()
	// wazero's side in the interpreter (the decoded module does not depend
	// on the engine, and it compiles faster); the trusted side with an
	// empty cache, so that its engine compiles what it did not validate.
	reference := func() wazero.Runtime {
		return wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter().WithCoreFeatures(compile.CoreFeatures))
	}
	// The trusted side in the interpreter too, but for a few modules in
	// the optimizing compiler: compiling all ~96 with it took ~90 s.
	optimizing := []string{"go/add_reactor.wasm", "rust/fibonacci.wasm", "c/pthread_reactor.wasm"}
	fresh := func(name string) wazero.Runtime {
		if !slices.ContainsFunc(optimizing, func(s string) bool { return strings.HasSuffix(filepath.ToSlash(name), s) }) {
			return reference()
		}
		return wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().
			WithCompilationCache(wazero.NewCompilationCache()).WithCoreFeatures(compile.CoreFeatures))
	}
	n := 0
	for name, wasm := range equivalenceModules(t) {
		variants := map[string][]byte{name: wasm}
		if inst, err := wasmbin.Instrument(wasm, wasmbin.Rewrites{Interrupts: true}); err == nil {
			variants[name+" (instrumented)"] = inst
		}
		for variant, wasm := range variants {
			rtA, rtB := reference(), fresh(name)
			name := variant
			want, err := rtA.CompileModule(ctx, wasm)
			if err != nil {
				t.Logf("%s: wazero refuses it: %v", name, err)
				rtA.Close(ctx)
				rtB.Close(ctx)
				continue
			}
			got, err := wazerointernal.CompileTrusted(ctx, rtB, wasm)
			if err != nil {
				t.Fatalf("%s: trustedCompile: %v", name, err)
			}
			n++
			if !reflect.DeepEqual(moduleOf(got), moduleOf(want)) {
				t.Errorf("%s: the module trustedCompile decoded differs from wazero's", name)
			}
			cm := wazerointernal.Mirror().CompiledModuleFields["typeIDs"]
			if a, b := wazerointernal.Field(reflect.ValueOf(got).UnsafePointer(), cm).Interface(), wazerointernal.Field(reflect.ValueOf(want).UnsafePointer(), cm).Interface(); !reflect.DeepEqual(a, b) {
				t.Errorf("%s: type IDs %v, wazero's %v", name, a, b)
			}
			if !reflect.DeepEqual(got.ExportedFunctions(), want.ExportedFunctions()) ||
				!reflect.DeepEqual(got.ImportedFunctions(), want.ImportedFunctions()) ||
				!reflect.DeepEqual(got.ExportedMemories(), want.ExportedMemories()) ||
				!reflect.DeepEqual(got.ImportedMemories(), want.ImportedMemories()) ||
				got.Name() != want.Name() || !reflect.DeepEqual(got.CustomSections(), want.CustomSections()) {
				t.Errorf("%s: definitions differ", name)
			}
			// After the definitions were built: no GoFunc left behind.
			if !reflect.DeepEqual(moduleOf(got), moduleOf(want)) {
				t.Errorf("%s: the modules differ once their definitions are built", name)
			}
			rtA.Close(ctx)
			rtB.Close(ctx)
		}
	}
	t.Logf("%d modules compared", n)
}

// TestConcurrentTrustedLoads: goroutines loading the same and different
// modules at once, validated and not, through markers and the process's
// memory, all work (run it with -race).
func TestConcurrentTrustedLoads(t *testing.T) {
	mods := [][]byte{testWasm, corpus(t, "go/add_reactor.wasm"), corpus(t, "rust/fibonacci.wasm")}
	for _, w := range mods {
		forget(w)
	}
	dir := testkit.TempDir(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 6; i++ {
				w := mods[(g+i)%len(mods)]
				cfg := Config{NoInterrupts: (g+i)%2 == 0}
				if g%2 == 0 {
					cfg.CacheDir = dir
				}
				if i == 3 {
					forget(w) // as a new process would
				}
				m, err := NewModule(w, cfg)
				if err != nil {
					errs <- err
					return
				}
				if len(m.Info().Exports) == 0 {
					errs <- errors.New("no exports")
				}
				m.Free()
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if compile.TrustedCompiles.Load() == 0 {
		t.Error("no load was trusted")
	}
}

// TestTrustedLoadLeavesMarker: a module validated in this process and
// then loaded with another cache directory is remembered there too; and a
// marker with no compiled code beside it (wazero's cache emptied) makes
// the engine compile the validated bytes, which works.
func TestTrustedLoadLeavesMarker(t *testing.T) {
	if !compile.OwnerChecked {
		t.Skip("validation markers are never trusted where owner and mode bits are not checked (Windows)")
	}
	wasm := corpus(t, "go/add_reactor.wasm")
	sum := sha256.Sum256(wasm)
	a, b := testkit.TempDir(t), testkit.TempDir(t)
	forget(wasm)
	for i, dir := range []string{a, b} {
		before := compile.TrustedCompiles.Load()
		m, err := NewModule(wasm, Config{CacheDir: dir, NoInterrupts: true})
		if err != nil {
			t.Fatal(err)
		}
		if trusted := compile.TrustedCompiles.Load() > before; trusted != (i == 1) || callAdd(t, m) != 5 {
			t.Fatalf("load %d: trusted %v", i, trusted)
		}
		m.Free()
	}
	forget(wasm) // a new process
	if !isValidated(sum, b) {
		t.Error("the second cache directory has no marker: the next process validates again")
	}
	// Only the marker, in a new cache directory: nothing compiled yet.
	c := testkit.TempDir(t)
	os.MkdirAll(compile.ValidatedDir(c), 0o700)
	plantMarker(t, compile.ValidatedDir(c), wasm)
	before := compile.TrustedCompiles.Load()
	m, err := NewModule(wasm, Config{CacheDir: c, NoInterrupts: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Free()
	if compile.TrustedCompiles.Load() == before || callAdd(t, m) != 5 {
		t.Fatal("a trusted load with no cached code failed")
	}
}

// TestMirrorOffLoadsAsBefore: with the trusted path off (another wazero),
// a module with a marker loads the usual way, validated.
func TestMirrorOffLoadsAsBefore(t *testing.T) {
	m := wazerointernal.Mirror()
	saved := *m
	defer func() { *m = saved }()
	wasm := corpus(t, "go/add_reactor.wasm")
	dir := testkit.TempDir(t)
	mod, err := NewModule(wasm, Config{CacheDir: dir, NoInterrupts: true})
	if err != nil {
		t.Fatal(err)
	}
	mod.Free()
	*m = wazerointernal.MirrorStatus{Why: "a test", Version: saved.Version}
	if _, err := wazerointernal.CompileTrusted(context.Background(), nil, wasm); err == nil {
		t.Fatal("trustedCompile ran with the mirror off")
	}
	before := compile.TrustedCompiles.Load()
	mod, err = NewModule(wasm, Config{CacheDir: dir, NoInterrupts: true})
	if err != nil {
		t.Fatal(err)
	}
	defer mod.Free()
	if compile.TrustedCompiles.Load() != before || callAdd(t, mod) != 5 {
		t.Fatal("the trusted path ran with the mirror off")
	}
	if _, err := NewModule(tooManyResults, Config{CacheDir: dir, NoInterrupts: true}); err == nil {
		t.Fatal("an invalid module loaded")
	}
}

func leb128(n int) []byte {
	var out []byte
	for {
		b := byte(n & 0x7f)
		if n >>= 7; n == 0 {
			return append(out, b)
		}
		out = append(out, b|0x80)
	}
}

// manyTypes is a module with n distinct function types and one function,
// f() -> i32: wazero compiles an entry preamble per type.
func manyTypes(n int) []byte {
	vts := []byte{0x7f, 0x7e, 0x7d, 0x7c}
	types := []byte{0x60, 0, 1, 0x7f} // type 0: () -> i32
	for i := 1; i < n; i++ {
		var params []byte
		for x := i; x > 0; x /= 4 {
			params = append(params, vts[x%4])
		}
		types = append(append(append(append(types, 0x60), leb128(len(params))...), params...), 1, 0x7f)
	}
	sec := func(id byte, body []byte) []byte {
		return append(append([]byte{id}, leb128(len(body))...), body...)
	}
	out := []byte("\x00asm\x01\x00\x00\x00")
	out = append(out, sec(1, append(leb128(n), types...))...)
	out = append(out, sec(3, []byte{1, 0})...)
	out = append(out, sec(7, []byte{1, 1, 'f', 0, 0})...)
	return append(out, sec(10, []byte{1, 4, 0, 0x41, 7, 0x0b})...)
}

// TestConcurrentLoadsFromDiskCache: two loads of one module in a new
// process, from a warm disk cache, the second starting while the first
// is in wazero. wazero v1.12.0's engine publishes a module read from its
// file cache before it compiles the module's entry preambles (wazevo
// engine_cache.go, getCompiledModule), so the second load, finding it
// compiled, instantiated it without them: "index out of range" in
// moduleEngine.NewFunction (seen from Python threads loading a Go module),
// or a call through a nil preamble. Skipping validation made the second
// load arrive sooner, and this likelier.
func TestConcurrentLoadsFromDiskCache(t *testing.T) {
	wasm := manyTypes(16000) // ~50-100 ms of preambles
	dir := testkit.TempDir(t)
	m, err := NewModule(wasm, Config{CacheDir: dir, NoInterrupts: true})
	if err != nil {
		t.Fatal(err)
	}
	m.Free()
	compile.Caches.Lock()
	saved := compile.Caches.Dirs[dir]
	compile.Caches.Unlock()
	defer func() {
		compile.Caches.Lock()
		compile.Caches.Dirs[dir] = saved
		compile.Caches.Unlock()
	}()
	for _, after := range []time.Duration{0, 5, 10, 20, 40, 60} {
		compile.Caches.Lock()
		delete(compile.Caches.Dirs, dir) // a new process: a new engine, reading its file cache
		compile.Caches.Unlock()
		done := make(chan error, 2)
		load := func() {
			defer func() {
				if p := recover(); p != nil {
					done <- fmt.Errorf("panic: %v", p)
				}
			}()
			m, err := NewModule(wasm, Config{CacheDir: dir, NoInterrupts: true})
			if err == nil {
				m.Free()
			}
			done <- err
		}
		go load()
		time.Sleep(after * time.Millisecond)
		go load()
		for i := 0; i < 2; i++ {
			if err := <-done; err != nil {
				t.Errorf("a second load %d ms after the first: %v", after, err)
			}
		}
	}
}

// TestCorruptCacheEntryIsReplaced: wazero refuses a cache entry it cannot
// read (a flipped byte: checksum mismatch; a short file) as the load's
// error, every time until the file goes; the load now removes it and
// compiles again, and the next process finds a good entry.
func TestCorruptCacheEntryIsReplaced(t *testing.T) {
	wasm := corpus(t, "go/add_reactor.wasm")
	dir := testkit.TempDir(t)
	fresh := func() { // as a new process: wazero's in-memory copy forgotten
		compile.Caches.Lock()
		delete(compile.Caches.Dirs, dir)
		compile.Caches.Unlock()
	}
	load := func(what string) {
		t.Helper()
		fresh()
		m, err := NewModule(wasm, Config{CacheDir: dir, NoInterrupts: true})
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		defer m.Free()
		if got := callAdd(t, m); got != 5 {
			t.Fatalf("%s: add(2, 3) = %d", what, got)
		}
	}
	load("first load")
	entries, _ := filepath.Glob(filepath.Join(dir, "wazero-*", "*"))
	if len(entries) != 1 {
		t.Fatalf("cache entries: %v", entries)
	}
	entry := entries[0]
	for _, damage := range []struct {
		what string
		do   func(b []byte) []byte
	}{
		{"a flipped byte", func(b []byte) []byte { b[len(b)/2] ^= 0xff; return b }},
		{"a short file", func(b []byte) []byte { return b[:len(b)/3] }},
	} {
		b, err := os.ReadFile(entry)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(entry, damage.do(b), 0o600); err != nil {
			t.Fatal(err)
		}
		load("the load after " + damage.what)
		if after, err := os.ReadFile(entry); err != nil || len(after) != len(b) {
			t.Fatalf("after %s the entry was not written again (%d bytes, was %d): %v", damage.what, len(after), len(b), err)
		}
		load("the load after that")
	}
}
