package compile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gowasm/gowasm/gohost/internal/wazerointernal"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// Compiling a module, and not validating it twice.
//
// wazero's CompileModule decodes the binary, validates every function body,
// and only then looks for compiled code in its cache. For a 2 MB Go module
// loaded from a warm disk cache, validation was over half of the load
// (RATIONALE.md, "Validation once per module, not once per load"). Validation
// depends on nothing but the bytes and the enabled features, so once wazero
// has validated a module, gowasm remembers its SHA-256 (in the process and,
// with a cache directory, as an empty file beside wazero's cache), and the
// next load of the same bytes skips the function bodies' validation
// (wazerointernal.CompileTrusted, below). Everything else CompileModule does still runs:
// decoding, the module-level checks, the cache lookup.
//
// A marker makes gowasm compile bytes without validating their bodies, and
// an invalid body compiles to code that reads and writes outside the
// sandbox: a marker is only trusted in a marker directory that is this
// user's and that no one else can write to (privateDir; wazero's own cache
// subdirectory is created private the same way). A cache directory others
// can write to (a shared or world-writable one) could otherwise be given a
// marker directory by someone else, before gowasm creates its own, while
// wazero's cache beside it stays private.

// TrustedCompiles counts the loads that skipped validation, and
// CompilesStarted every compile (for tests).
var TrustedCompiles, CompilesStarted atomic.Int64

// Validated remembers, for this process, the modules wazero has validated.
var Validated struct {
	sync.Mutex
	Sums map[[sha256.Size]byte]bool
}

// ValidatedDir is the marker directory inside a cache directory. Its name
// holds what validation depends on besides the bytes: wazero's version
// and the features gowasm enables.
func ValidatedDir(cacheDir string) string {
	return filepath.Join(cacheDir, fmt.Sprintf("validated-%s-%x", wazerointernal.Mirror().Version, uint64(CoreFeatures)))
}

// ValidatedWhere says whether wazero validated the module before: in this
// process, or, as a marker in cacheDir says, in another.
func ValidatedWhere(sum [sha256.Size]byte, cacheDir string) (inProcess, onDisk bool) {
	Validated.Lock()
	inProcess = Validated.Sums[sum]
	Validated.Unlock()
	if cacheDir == "" {
		return inProcess, false
	}
	dir := ValidatedDir(cacheDir)
	if !privateDir(dir) {
		return inProcess, false
	}
	_, err := os.Lstat(filepath.Join(dir, hex.EncodeToString(sum[:])))
	return inProcess, err == nil
}

// rememberValidated records that wazero validated the module: in the
// process, and in the cache directory if there is one (best effort: a
// read-only cache only makes the next process's load slower).
func rememberValidated(sum [sha256.Size]byte, cacheDir string) {
	Validated.Lock()
	if Validated.Sums == nil {
		Validated.Sums = map[[sha256.Size]byte]bool{}
	}
	Validated.Sums[sum] = true
	Validated.Unlock()
	if cacheDir == "" {
		return
	}
	dir := ValidatedDir(cacheDir)
	if os.MkdirAll(dir, 0o700) == nil && privateDir(dir) {
		if f, err := os.OpenFile(filepath.Join(dir, hex.EncodeToString(sum[:])), os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
			f.Close()
		}
	}
}

// CompileModule compiles wasm in rt, through wazero's own CompileModule the
// first time and without re-validating its function bodies after that.
// A panic of wazero's decoder or validator is reported as the invalid
// module that caused it: a function whose type index is out of range makes
// wazero v1.12 index out of range instead of returning an error.
func CompileModule(ctx context.Context, rt wazero.Runtime, wasm []byte, cacheDir string) (compiled wazero.CompiledModule, err error) {
	return CompileModuleSum(ctx, rt, wasm, sha256.Sum256(wasm), cacheDir)
}

// CompileModuleSum is CompileModule of wasm whose SHA-256 is sum, when the
// caller has it already.
func CompileModuleSum(ctx context.Context, rt wazero.Runtime, wasm []byte, sum [sha256.Size]byte, cacheDir string) (compiled wazero.CompiledModule, err error) {
	CompilesStarted.Add(1)
	defer func() {
		if p := recover(); p != nil {
			compiled, err = nil, fmt.Errorf("wazero failed on it: %v", p)
		}
	}()
	// One worker for bytes wazero validated before, whose bodies it does
	// not validate again: a body that makes its compiler panic must do so
	// on this goroutine, where it is recovered. Bodies it validates first
	// get two workers at least, so that it looks at ctx between functions
	// (engine/loadstop.go).
	trustedCtx := experimental.WithCompilationWorkers(ctx, compileWorkers())
	ctx = experimental.WithCompilationWorkers(ctx, max(compileWorkers(), 2))
	defer lockCompile(cacheDir, sum)()
	panicked := false
	if inProcess, onDisk := ValidatedWhere(sum, cacheDir); wazerointernal.Mirror().OK && (inProcess || onDisk) {
		// Any error (a memory above this runtime's limit, say), and a
		// panic, is reported the usual way, by wazero's own
		// CompileModule below.
		var compiled wazero.CompiledModule
		var err error
		if compiled, panicked, err = tryTrustedCompile(trustedCtx, rt, wasm); err == nil {
			TrustedCompiles.Add(1)
			if !onDisk && cacheDir != "" {
				// Validated in this process, loaded with another
				// cache directory: the next process need not
				// validate either.
				rememberValidated(sum, cacheDir)
			}
			return compiled, nil
		}
	}
	compiled, wazeroPanicked, err := tryCompile(ctx, rt, wasm)
	if err != nil && CacheFileFailed(err) {
		// wazero compiled the module and kept it in memory, then failed to
		// write it to the cache directory (a full disk, a directory made
		// read-only since it was checked): the same call finds it in
		// memory. The failed call's reference to it is dropped (wazero's
		// CompiledModule.Close only counts references down) so that it
		// is freed with the last module using it.
		if compiled, wazeroPanicked, err = tryCompile(ctx, rt, wasm); err == nil {
			compiled.Close(ctx)
		}
	}
	if err != nil && (wazeroPanicked || strings.HasPrefix(err.Error(), "compilationcache: ")) && dropCacheEntry(rt, wasm, cacheDir) {
		compiled, _, err = tryCompile(ctx, rt, wasm) // compiles afresh, and caches again
	}
	if err == nil {
		rememberValidated(sum, cacheDir)
	} else if panicked {
		// Not a refusal of this runtime's (a memory limit, which
		// another load may not have) but wazero failing on bodies it
		// did not validate, and now refuses: a corrupt marker.
		forgetValidated(sum, cacheDir)
	}
	return compiled, err
}

// tryCompile is wazero's CompileModule, its panic an error.
func tryCompile(ctx context.Context, rt wazero.Runtime, wasm []byte) (compiled wazero.CompiledModule, panicked bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			compiled, panicked, err = nil, true, fmt.Errorf("wazero failed on it: %v", p)
		}
	}()
	compiled, err = rt.CompileModule(ctx, wasm)
	return compiled, false, err
}

func tryTrustedCompile(ctx context.Context, rt wazero.Runtime, wasm []byte) (compiled wazero.CompiledModule, panicked bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			compiled, panicked, err = nil, true, fmt.Errorf("trustedCompile panicked: %v", p)
		}
	}()
	compiled, err = wazerointernal.CompileTrusted(ctx, rt, wasm)
	return compiled, false, err
}

// CacheFileFailed says whether err is wazero failing to read or write a
// file of its cache directory (file errors come out of it unwrapped), not
// a failure to compile.
func CacheFileFailed(err error) bool {
	var pe *fs.PathError
	var le *os.LinkError
	return errors.As(err, &pe) || errors.As(err, &le)
}

// forgetValidated forgets a module remembered as valid that wazero refuses.
func forgetValidated(sum [sha256.Size]byte, cacheDir string) {
	Validated.Lock()
	delete(Validated.Sums, sum)
	Validated.Unlock()
	if dir := ValidatedDir(cacheDir); cacheDir != "" && privateDir(dir) {
		os.Remove(filepath.Join(dir, hex.EncodeToString(sum[:])))
	}
}

// One load at a time compiles given bytes with a given cache (one wazero
// engine: the in-memory one, or a directory's). wazero v1.12.0's engine
// publishes a module it read from its file cache before it compiles the
// module's entry preambles (wazevo engine_cache.go, getCompiledModule):
// another load of the same bytes found it compiled and instantiated it
// without them (an index out of range, or a call through a nil preamble;
// wazero issue #2547, open).
// Loads of the same bytes wait for the first, which they would otherwise
// have compiled again; others do not wait.
var compiling struct {
	sync.Mutex
	keys map[compileKey]*compileLock
}

type compileKey struct {
	cacheDir string
	sum      [sha256.Size]byte
}

type compileLock struct {
	sync.Mutex
	users int
}

func lockCompile(cacheDir string, sum [sha256.Size]byte) (unlock func()) {
	key := compileKey{cacheDir, sum}
	compiling.Lock()
	if compiling.keys == nil {
		compiling.keys = map[compileKey]*compileLock{}
	}
	l := compiling.keys[key]
	if l == nil {
		l = &compileLock{}
		compiling.keys[key] = l
	}
	l.users++
	compiling.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		compiling.Lock()
		if l.users--; l.users == 0 {
			delete(compiling.keys, key)
		}
		compiling.Unlock()
	}
}

// dropCacheEntry removes wasm's compiled code from cacheDir after wazero
// failed to read it ("compilationcache: ...") or panicked: wazero reports
// that as the load's error, every time, until the entry is gone, where a
// stale entry (another wazero version's) it deletes itself and compiles
// again. Entries are checked before wazero reads them (cacheentry.go), so
// only one gowasm wrote gets here: one written by a wazero with a bug, or
// forged with its digest. It reports whether an entry was removed.
func dropCacheEntry(rt wazero.Runtime, wasm []byte, cacheDir string) bool {
	c := CheckedCache(cacheDir)
	if c == nil {
		return false
	}
	key, err := wazerointernal.CacheEntryKey(rt, wasm)
	return err == nil && c.removeEntry(key)
}

// CoreFeatures are the WebAssembly features gowasm enables.
const CoreFeatures = api.CoreFeaturesV2 | experimental.CoreFeaturesThreads

// compileWorkers is how many goroutines wazero compiles a module's
// functions with (experimental.WithCompilationWorkers): one, unless
// $GOWASM_COMPILE_WORKERS says more (a number, or "cpus" for one per CPU).
// CompileModule gives modules it validates two at least (engine/loadstop.go
// says why); a second worker made a cold load no slower with the other core
// busy (RATIONALE.md, "Hostile modules").
func compileWorkers() int {
	s := os.Getenv("GOWASM_COMPILE_WORKERS")
	if s == "cpus" {
		return runtime.NumCPU()
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 1 {
		return n
	}
	return 1
}
