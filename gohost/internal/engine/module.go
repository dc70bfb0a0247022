package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gowasm/gowasm/gohost/internal/compile"
	"github.com/gowasm/gowasm/gohost/internal/errs"
	"github.com/gowasm/gowasm/gohost/internal/handles"
	"github.com/gowasm/gowasm/gohost/internal/wasmbin"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/sys"
)

// Modules and Funcs hold every live object the C ABI can name.
var (
	Modules handles.Table[Module]
	Funcs   handles.Table[Func]
)

// Module is one instantiated guest in a runtime of its own. A runtime per
// module keeps host modules (stubs, WASI configuration, the embedder's host
// functions, memory limits) private to it; compiled code is still shared
// through the process-wide compilation caches.
type Module struct {
	Handle uint64
	cfg    Config
	ctx    context.Context
	rt     wazero.Runtime
	inst   api.Module
	info   Info

	// memories are the memory files of the module's memories (unix).
	memories []*ownedMemory
	// roots are the mounted directories, held open until the module is
	// freed (wazero closes the files a guest opened, not these: they
	// waited for Go's garbage collector).
	roots []*os.Root
	// memMu guards memory access against Close (see memoryOp), and
	// memGone, set once a memory of the module is freed.
	memMu   sync.RWMutex
	memGone bool

	// mu serializes calls: one wasm instance is not safe for concurrent use.
	mu    sync.Mutex
	funcs []*Func
	// scratch holds typed calls' argument blocks (guarded by mu).
	scratch []*scratch
	// dead is set once the module cannot be called any more: after Close,
	// or after a trap or exit left the guest's own runtime in an unknown state.
	dead *errs.Error
	// host tracks the embedder's host functions running on this module.
	host hostState
	// intr stops the guest (timeouts, Ctrl-C, close) when it is
	// instrumented (see interrupt.go).
	intr interrupts
	// stderr keeps the end of the guest's stderr, for panic messages.
	stderr stderrTail
	// sum is the SHA-256 of the module's bytes (before instrumentation).
	sum [sha256.Size]byte
	// loadThread is the thread the module is loaded on; abandoned, a
	// compile the load stopped waiting for (see loadstop.go).
	loadThread uint64
	abandoned  <-chan compiled
	// tables are the guest's tables' limits and grows its table.grow
	// checks (see tables.go).
	tables tableBudget
}

// Info describes a loaded module; the cgo layer hands it to the caller as JSON.
type Info struct {
	Name    string   `json:"name"`
	Kind    Kind     `json:"kind"`
	Exports []Export `json:"exports"`
	Imports []Import `json:"imports"`
	// SHA256 is the hex SHA-256 of the module's bytes as they loaded.
	SHA256 string `json:"sha256"`
}

// Export describes one export; Handle names a function for calls.
type Export struct {
	Name    string   `json:"name"`
	Kind    string   `json:"kind"` // "func" or "memory"
	Params  []string `json:"params,omitempty"`
	Results []string `json:"results,omitempty"`
	Handle  uint64   `json:"handle,omitempty"`
	Min     uint32   `json:"min,omitempty"` // memory pages
	Max     *uint32  `json:"max,omitempty"`
}

// MaxModuleSize is the largest module gowasm loads: 1 GiB, the limit of the
// WebAssembly JS API (browsers enforce it too). Anything bigger is refused
// before it is copied, whatever its contents.
const MaxModuleSize = 1 << 30

// CheckModuleSize refuses a module of n bytes if it cannot be one.
func CheckModuleSize(n uint64, cfg Config) error {
	if n > MaxModuleSize {
		return errs.Errorf(errs.ErrCompile, "gowasm: %s is not a valid WebAssembly module: it is %d bytes long, and modules are at most %d bytes (1 GiB, the WebAssembly JS API's limit)",
			cfg.displayName(), n, MaxModuleSize)
	}
	return nil
}

// NewModule compiles, links and instantiates wasm, running the start
// function its kind calls for. The module is registered in Modules.
func NewModule(wasm []byte, cfg Config) (*Module, error) {
	return load(wasm, cfg, false)
}

// Run runs wasm as a program, the way a WASI command line does: its _start
// (a reactor only gets its _initialize), then frees everything. It returns
// the exit code: the one passed to proc_exit, else 0.
func Run(wasm []byte, cfg Config) (uint32, error) {
	_, err := load(wasm, cfg, true)
	if e, ok := err.(*errs.Error); ok && e.Code == errs.ErrExit {
		return e.ExitCode, nil
	}
	return 0, err
}

// load makes a Module of wasm in a runtime of its own and instantiates it,
// or with run, runs it as a program. A module that failed to load, or ran,
// is freed before load returns (then m is nil).
func load(wasm []byte, cfg Config, run bool) (*Module, error) {
	if err := CheckModuleSize(uint64(len(wasm)), cfg); err != nil {
		return nil, err
	}
	rt, err := newRuntime(&cfg)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	m := &Module{cfg: cfg, rt: rt, ctx: ctx, intr: newInterrupts(cfg)}
	// The handle exists before instantiation: host functions that
	// _initialize calls pass it to the embedder.
	m.Handle = Modules.Add(m)
	keep := false
	defer func() {
		// Deferred so that a panic (which the C export recovers) does not
		// leak the handle and the runtime either.
		if !keep {
			Modules.Remove(m.Handle)
			m.discard(ctx, rt)
		}
	}()
	ctx = experimental.WithMemoryAllocator(ctx, allocator(m))
	if err := m.instantiate(ctx, wasm, run); err != nil {
		return nil, err
	}
	keep = !run
	if run {
		return nil, nil
	}
	return m, nil
}

// discard frees the runtime and the memories of a module that failed to
// load, or of a program that ran. wazero drops an instance whose start
// section failed without closing it, so its memories are freed here too
// (Free is idempotent): each such load kept the guest's whole memory.
func (m *Module) discard(ctx context.Context, rt wazero.Runtime) {
	atomic.StoreUint32(&m.intr.closing, 1)
	m.intr.detach() // before the runtime frees what the watcher writes to
	m.closeRuntime(ctx, rt)
	for _, mm := range m.memories {
		mm.Free()
	}
	m.closeRoots()
	releaseSoon()
}

// closeRoots closes the mounted directories, once the runtime is closed.
func (m *Module) closeRoots() {
	for _, r := range m.roots {
		r.Close()
	}
	m.roots = nil
}

// newRuntime makes the runtime of a module, with cfg.CacheDir replaced by
// the directory that may hold its compiled code (compile/cachedir.go).
func newRuntime(cfg *Config) (wazero.Runtime, error) {
	cfg.CacheDir = compile.UsableCacheDir(cfg.CacheDir).Dir
	cache, err := compile.CheckedCompilationCache(cfg.CacheDir)
	if err != nil {
		// wazero cannot make its subdirectory in a directory that passed
		// the rule's test write (a disk full since, say): the load
		// compiles in memory, as one whose cache write fails does
		// (compile/compile.go), and the next load tries the directory again.
		cfg.CacheDir = ""
		cache, _ = compile.CheckedCompilationCache("")
	}
	rtCfg := wazero.NewRuntimeConfig().
		WithCompilationCache(cache).
		WithMemoryLimitPages(cfg.memoryPages()).
		WithCoreFeatures(compile.CoreFeatures)
	return wazero.NewRuntimeWithConfig(context.Background(), rtCfg), nil
}

// instantiate compiles and links wasm in rt and instantiates it, running
// the start function of its kind, or with run, the program's _start.
func (m *Module) instantiate(ctx context.Context, wasm []byte, run bool) error {
	cfg, rt := m.cfg, m.rt
	// The timeout covers the whole load: compiling, then the start
	// function in what is left of it.
	if m.intr.timeout > 0 {
		m.intr.deadline = monotonic() + int64(m.intr.timeout)
	}
	m.intr.sigints = atomic.LoadUint32(Sigints)
	m.loadThread = ThreadID()
	compiled, err := m.compile(ctx, wasm)
	if err != nil {
		return err
	}
	kind := funcNames(compiled).Classify()
	if kind == KindGoJS {
		return errs.Errorf(errs.ErrLink, "gowasm: %s was built with GOOS=js: its imports (module \"gojs\") are Go's JavaScript bridge, which only wasm_exec.js in a browser or Node can provide. "+
			"Rebuild it for WASI: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared, exporting functions with //go:wasmexport", cfg.displayName())
	}
	imports, err := m.link(ctx, rt, compiled, wasm)
	if err != nil {
		return err
	}
	start := kind.startFunctions()
	if _, ok := compiled.ExportedFunctions()["_start"]; ok && run {
		start = []string{"_start"}
	}
	m.host.calls.after = m.stopIfClosedOrLate
	modCfg, err := cfg.moduleConfig(start, &m.host.calls, &m.stderr, &m.roots)
	if err != nil {
		return err
	}
	left := m.intr.timeout
	if left > 0 {
		left = max(time.Duration(m.intr.deadline-monotonic()), 1)
	}
	m.intr.begin(left)
	inst, err := rt.InstantiateModule(ctx, compiled, modCfg)
	m.intr.end()
	if err == nil && !run && inst.IsClosed() {
		// A start function that exits with code 0 leaves wazero's module
		// closed with no error ("don't err on success"). For a program that
		// is its end; a library (a reactor's _initialize: a Go package
		// whose init calls os.Exit(0)) has nothing left to call, and
		// treated as live its freed memory crashed the process.
		err = sys.NewExitError(0)
	}
	if err != nil {
		e := AsError(err)
		if e.Code == errs.ErrExit && run {
			return e // a program's exit is its result, not a failure
		}
		what := "instantiating"
		switch {
		case run && len(start) > 0:
			what = "running " + start[0] + " of"
		case len(start) > 0:
			what = "running " + start[0] + " to initialise"
		}
		// wazero says "module[name] function[_start] failed: ..."; say it our way.
		msg := strings.TrimPrefix(e.Msg, "gowasm: ")
		if i := strings.Index(msg, "failed: "); i >= 0 && strings.HasPrefix(msg, "module[") {
			msg = msg[i+len("failed: "):]
		}
		// A panic in a Go package's init is "panic: ...", not only unreachable.
		msg = m.stderr.quote(e.Code, msg)
		return &errs.Error{Code: e.Code, ExitCode: e.ExitCode, Msg: fmt.Sprintf("gowasm: %s %s failed: %s", what, cfg.displayName(), msg)}
	}
	m.inst = inst
	m.host.starting.Store(nil)
	m.ctx = context.Background() // calls need no allocator
	m.info = Info{Name: cfg.Name, Kind: kind, Imports: imports, SHA256: hex.EncodeToString(m.sum[:])}
	m.addExports(compiled)
	return nil
}

// compile instruments wasm (unless configured not to, or it cannot be)
// and compiles it, on a goroutine the load stops waiting for at its
// deadline or on Ctrl-C (loadstop.go). Errors are the original
// module's: when the instrumented one fails, the original is compiled to
// say why, and run as it is if it compiles (an instrumentation bug must not
// make a module unusable).
func (m *Module) compile(ctx context.Context, wasm []byte) (wazero.CompiledModule, error) {
	r, err := m.stoppable(ctx, func(ctx context.Context) compiled { return m.checkAndCompile(ctx, wasm) })
	if err != nil {
		return nil, err
	}
	m.intr.instrumented, m.tables, m.sum = r.interrupts, r.tables, r.sum
	return r.module, r.err
}

// checkAndCompile is compile's work. Before any other, wasmbin.CheckLimits refuses
// a module over gowasm's limits (wasmbin/limits.go), on every path: wazero would
// allocate for it, or compile it for minutes. It runs while the load may
// have stopped waiting: it changes nothing of m's.
func (m *Module) checkAndCompile(ctx context.Context, wasm []byte) compiled {
	maxTables := m.cfg.maxTableEntries()
	// Hashed once: the limit check's, the compile's validation and the
	// instrumentation's caches key on it, and Info reports it (a pickle
	// names the bytes that loaded).
	sum := sha256.Sum256(wasm)
	facts, err := wasmbin.CheckLimits(wasm, sum, maxTables)
	if err != nil {
		if over := (*wasmbin.LimitError)(nil); errors.As(err, &over) {
			return compiled{err: errs.Errorf(errs.ErrCompile, "gowasm: %s is over a limit gowasm sets on modules (README, \"Hostile modules\"): %v", m.cfg.displayName(), err)}
		}
		return compiled{err: errs.Errorf(errs.ErrCompile, "gowasm: %s is not a valid WebAssembly module: %v", m.cfg.displayName(), err)}
	}
	r := compiled{tables: newTableBudget(facts.Tables, maxTables), sum: sum}
	// A load that gave up meanwhile goes no further: wazero would decode
	// and validate the whole module before it looks at ctx (seconds and
	// several times the module's size in memory for a large one).
	if ctx.Err() != nil {
		return compiled{err: ctx.Err()}
	}
	if !m.cfg.NoInterrupts || facts.TableGrow {
		if instrumented, err := wasmbin.InstrumentCached(wasm, r.sum, wasmbin.Rewrites{Interrupts: !m.cfg.NoInterrupts, TableGrow: facts.TableGrow}); err == nil && ctx.Err() == nil {
			if r.module, err = compile.CompileModule(ctx, m.rt, instrumented, m.cfg.CacheDir); err == nil {
				r.interrupts, r.tables.checked = !m.cfg.NoInterrupts, facts.TableGrow
				return r
			}
		}
		if ctx.Err() != nil {
			return compiled{err: ctx.Err()} // the load gave up: no second compile
		}
	}
	if r.module, err = compile.CompileModuleSum(ctx, m.rt, wasm, r.sum, m.cfg.CacheDir); err != nil && compile.CacheFileFailed(err) {
		return compiled{err: errs.Errorf(errs.ErrUsage, "gowasm: loading %s failed on its compilation cache (the module itself is valid): %v. "+
			"Remove the cache directory %s, or pass cache=False", m.cfg.displayName(), err, m.cfg.CacheDir)}
	} else if err != nil {
		return compiled{err: errs.Errorf(errs.ErrCompile, "gowasm: %s is not a valid WebAssembly module: %v", m.cfg.displayName(), err)}
	}
	if facts.TableGrow {
		// Valid, and its table.grow could not be rewritten into a checked
		// one: it could grow its tables past memory_limit.
		r.module.Close(ctx)
		return compiled{err: errs.Errorf(errs.ErrCompile, "gowasm: %s uses table.grow in a way gowasm cannot check against its memory_limit, so it is not loaded", m.cfg.displayName())}
	}
	return r
}

func (m *Module) addExports(compiled wazero.CompiledModule) {
	defs := compiled.ExportedFunctions()
	names := make([]string, 0, len(defs))
	for name := range defs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		f := newFunc(m, name, defs[name], m.inst.ExportedFunction(name))
		f.handle = Funcs.Add(f)
		m.funcs = append(m.funcs, f)
		m.info.Exports = append(m.info.Exports, Export{Name: name, Kind: "func", Handle: f.handle,
			Params: typeNames(f.params), Results: typeNames(f.results)})
	}
	memNames := make([]string, 0)
	mems := compiled.ExportedMemories()
	for name := range mems {
		memNames = append(memNames, name)
	}
	sort.Strings(memNames)
	for _, name := range memNames {
		e := Export{Name: name, Kind: "memory", Min: mems[name].Min()}
		if max, ok := mems[name].Max(); ok {
			e.Max = &max
		}
		m.info.Exports = append(m.info.Exports, e)
	}
}

// Info returns the module's description.
func (m *Module) Info() Info { return m.info }

// Close marks the module closed and returns at once: every later use of
// it fails with ErrClosed. Its runtime and the guest's memory are released
// now if no call is running, else when the running call unwinds (it is
// asked to stop: at its next poll, or when a host function it is in
// returns), never while a host function of it may still read them; a host
// function that never returns keeps them, but no longer holds up Close
// (it waited for it, and two modules closing each other from their host
// functions waited for ever). Idempotent. The module's handles stay
// reserved, answering ErrClosed, until Free.
func (m *Module) Close() error {
	if m.host.reentrant() {
		// The outer call holds the lock and is still running the guest.
		return errs.Errorf(errs.ErrUsage, "gowasm: %s cannot be closed from inside a call to it (a host function or its output); close it after the call returns", m.cfg.displayName())
	}
	return m.markClosed()
}

// markClosed sets the closing flag (which every entry point checks, under
// the call lock or, nested in a host function, before it runs anything),
// then releases the module unless a call holds the lock: that call does it
// as it unlocks (see unlock).
func (m *Module) markClosed() error {
	atomic.StoreUint32(&m.intr.closing, 1)
	if !m.mu.TryLock() {
		return nil
	}
	defer m.mu.Unlock()
	return m.release()
}

// closing reports whether Close was asked for.
func (m *Module) closing() bool { return atomic.LoadUint32(&m.intr.closing) != 0 }

// closedError is what a use of a closed module fails with.
func (m *Module) closedError() *errs.Error {
	return errs.Errorf(errs.ErrClosed, "gowasm: %s is closed", m.cfg.displayName())
}

// release frees the runtime and the guest's memory of a module being
// closed, once; the caller holds m.mu.
func (m *Module) release() error {
	if m.rt == nil {
		return nil
	}
	m.dead = m.closedError()
	for _, f := range m.funcs {
		f.fn = nil
	}
	m.intr.detach() // before the runtime frees what the watcher writes to
	rt := m.rt
	m.memMu.Lock()
	m.rt, m.inst = nil, nil
	m.memMu.Unlock()
	// Freeing each memory waits for memory reads and writes in progress
	// (ownedMemory.Free); later ones find the module closed.
	err := rt.Close(m.ctx)
	m.closeRoots()
	releaseSoon()
	return err
}

// unlock ends what holds the call lock: it unlocks, then releases the
// module if Close was asked meanwhile. Close sets the flag before it tries
// the lock and this reads it after unlocking, so one of them releases.
func (m *Module) unlock() {
	m.mu.Unlock()
	if m.closing() && m.mu.TryLock() {
		m.release()
		m.mu.Unlock()
	}
}

// Free closes the module and forgets its handles and its functions'
// handles, for good (they are never reused: see package handles), without
// waiting for a running call either: that call holds the module itself,
// and releases it as it unwinds.
func (m *Module) Free() error {
	err := m.markClosed()
	for _, f := range m.funcs { // written only while loading
		Funcs.Remove(f.handle)
	}
	Modules.Remove(m.Handle)
	return err
}

// fail records a failed call. A trap, exit or stub call leaves the guest's
// runtime (a Go or TinyGo scheduler, a libc heap) possibly half-updated, so
// the module refuses later calls instead of running on corrupt state.
func (m *Module) fail(err error) *errs.Error {
	e := AsError(err)
	if msg := m.stderr.quote(e.Code, e.Msg); msg != e.Msg {
		e = &errs.Error{Code: e.Code, ExitCode: e.ExitCode, Msg: msg}
	}
	if e.Code == errs.ErrClosed || !e.Code.Fatal() { // closed already, or harmless
		return e
	}
	why := "an earlier call failed (%s) and may have left the guest's runtime corrupt"
	if e.Code == errs.ErrInterrupted || e.Code == errs.ErrTimeout {
		why = "a call was stopped midway (%s), which may have left the guest's runtime corrupt"
	}
	m.dead = &errs.Error{Code: errs.ErrClosed, Msg: fmt.Sprintf(
		"gowasm: %s can no longer be called: "+why+". Create a new Module to go on",
		m.cfg.displayName(), firstLine(e.Msg))}
	return e
}
