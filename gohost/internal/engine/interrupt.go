package engine

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gowasm/gowasm/gohost/internal/errs"
	"github.com/gowasm/gowasm/gohost/internal/wasmbin"
	"github.com/gowasm/gowasm/gohost/internal/wazerointernal"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Stopping guests. An instrumented guest (see wasmbin/instrument.go) checks its
// interrupt global at every loop header and at the entry of calling
// functions, and calls the poll import when it is not zero. The global is
// set by a watcher outside Go's scheduler (a C thread of the cgo layer): a
// goroutine could not run while Go's garbage collector waits for the guest
// to stop the world, which compiled guest code never does by itself. The
// watcher sets it, every tick, on calls that have run since the last tick
// (and at once on SIGINT); poll then runs in Go on the guest's thread, which
// lets a pending stop-the-world proceed, and stops the call if its deadline
// passed or if Ctrl-C was pressed while it ran on the main thread.

// Watch is what the watcher reads of a module; the cgo layer declares the
// same struct in C (and checks the layout). Flag is where the guest's
// compiled code reads its interrupt global, or 0 until the first poll
// finds it.
type Watch struct {
	// Flag is the address of an int32, pinned; a uintptr, not a pointer,
	// because the watcher keeps it (cgo's checks refuse to pass a pointer
	// to Go memory that holds Go pointers).
	Flag    uintptr
	Running uint32 // 1 while a call runs
	Calls   uint32 // calls started: a long call is one the watcher sees twice
}

// WatchFuncs are the cgo layer's: add registers a Watch with the watcher,
// remove unregisters it (the watcher no longer touches it when it returns).
type WatchFuncs struct{ Add, Remove func(*Watch) }

var watchFuncs atomic.Pointer[WatchFuncs]

// SetWatcher installs the watcher (once, at initialization).
func SetWatcher(w WatchFuncs) { watchFuncs.Store(&w) }

// WatchTick is how long a call runs before the watcher asks it to poll,
// and then how often: the latency of timeouts, close() and Ctrl-C, and the
// longest a running guest holds up Go's garbage collector.
const WatchTick = 10 * time.Millisecond

// StartGoWatcher runs the watcher as a goroutine, for go test, which
// cannot use cgo (the library runs the C one, gohost/watcher.go, on every
// platform). It does what the C one does, but it cannot help while Go's
// garbage collector waits for a running guest: then it waits too.
func StartGoWatcher(tick time.Duration) (stop func()) {
	var mu sync.Mutex
	seen := map[*Watch]uint32{}
	done := make(chan struct{})
	SetWatcher(WatchFuncs{
		Add:    func(w *Watch) { mu.Lock(); seen[w] = atomic.LoadUint32(&w.Calls) - 1; mu.Unlock() },
		Remove: func(w *Watch) { mu.Lock(); delete(seen, w); mu.Unlock() },
	})
	go func() {
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			mu.Lock()
			for w, last := range seen {
				calls := atomic.LoadUint32(&w.Calls)
				if atomic.LoadUint32(&w.Running) == 1 && calls == last && w.Flag != 0 {
					// Any nonzero value asks for a poll.
					atomic.StoreInt32(*(**int32)(unsafe.Pointer(&w.Flag)), 1)
				}
				seen[w] = calls
			}
			mu.Unlock()
		}
	}()
	return func() { close(done); watchFuncs.Store(nil) }
}

// Sigints points at the count of SIGINTs the cgo layer's handler saw (C
// memory); MainThread is the ThreadID of the embedder's main thread
// (Python's), the one whose call Ctrl-C stops.
var (
	Sigints    = new(uint32)
	MainThread atomic.Uint64
)

// epoch makes deadlines monotonic nanoseconds.
var epoch = time.Now()

func monotonic() int64 { return int64(time.Since(epoch)) }

// interrupts is a module's side of stopping its guest.
type interrupts struct {
	// instrumented says the guest has the checks; without them nothing
	// below is used.
	instrumented bool
	// closing asks a running call to stop for Close.
	closing uint32
	// watch is an allocation of its own (cgo checks the whole object a
	// pointer passed to C points into: it must hold no Go pointers).
	watch    *Watch
	pinner   runtime.Pinner
	flag     api.MutableGlobal
	added    bool
	timeout  time.Duration // each call's, unless the call says otherwise
	deadline int64         // monotonic ns by which the running call must end; 0: none
	sigints  uint32        // Sigints when the running call began
	// own are the timeouts of their own that threads gave their calls on
	// the module (PushTimeout), in the order given; owned counts them, so
	// that a call with none to look for reads one atomic.
	ownMu sync.Mutex
	own   []ownTimeout
	owned atomic.Int32
}

// ownTimeout is one PushTimeout: the guest calls thread makes on the
// module until the matching PopTimeout, however many (a typed call's
// allocator and export, a map's elements, nested calls), share one
// deadline, which starts at the first of them (not while it waits for
// the module's lock, as a raw call's timeout does not).
type ownTimeout struct {
	thread   uint64
	token    uint64        // the caller's name for it, for PopTimeout
	timeout  time.Duration // 0: none
	started  bool
	deadline int64 // monotonic ns, set when started; 0: none
}

func newInterrupts(cfg Config) interrupts {
	return interrupts{watch: new(Watch), timeout: cfg.timeout()}
}

// begin marks a call (or an instantiation) starting, with a timeout (0:
// none), unless the calling thread gave its calls a timeout of their own
// (PushTimeout), which replaces it. The caller holds the module's call
// lock.
func (in *interrupts) begin(timeout time.Duration) {
	if in.owned.Load() != 0 {
		if d, ok := in.ownDeadline(); ok {
			in.beginUntil(d)
			return
		}
	}
	in.beginUntil(deadlineIn(timeout))
}

// deadlineIn is the deadline timeout from now (0: none).
func deadlineIn(timeout time.Duration) int64 {
	if timeout > 0 {
		return monotonic() + int64(timeout)
	}
	return 0
}

// beginUntil is begin with a deadline (monotonic ns; 0: none).
func (in *interrupts) beginUntil(deadline int64) {
	in.deadline = deadline
	in.sigints = atomic.LoadUint32(Sigints)
	atomic.StoreUint32(&in.watch.Calls, in.watch.Calls+1)
	atomic.StoreUint32(&in.watch.Running, 1)
}

func (in *interrupts) end() { atomic.StoreUint32(&in.watch.Running, 0) }

// errNotStoppable is the error for a timeout given to a call of a module
// without the checks that stop it.
func (m *Module) errNotStoppable() *errs.Error {
	return errs.Errorf(errs.ErrUsage, "gowasm: %s cannot be stopped, so a timeout cannot be kept: load it with interruptible=True (or a timeout) to give its calls timeouts", m.cfg.displayName())
}

// PushTimeout gives the calling thread's calls on m a timeout of their own,
// in seconds (0: none, even if the module has one), until PopTimeout with
// the same token: the timeout= of an export whose call is several guest
// calls, or a map. Their deadline starts at the first of them and covers
// them all; nested in a host function, it can only shorten the outer
// call's (see callNested).
func (m *Module) PushTimeout(timeout float64, token uint64) *errs.Error {
	if timeout != timeout || timeout < 0 || timeout > MaxTimeout {
		return errs.Errorf(errs.ErrUsage, "gowasm: a timeout is a number of seconds between 0 (none) and %d, not %v", MaxTimeout, timeout)
	}
	d := seconds(timeout)
	if d > 0 && !m.intr.instrumented {
		return m.errNotStoppable()
	}
	in := &m.intr
	in.ownMu.Lock()
	in.own = append(in.own, ownTimeout{thread: ThreadID(), token: token, timeout: d})
	in.owned.Store(int32(len(in.own)))
	in.ownMu.Unlock()
	return nil
}

// PopTimeout ends the calling thread's PushTimeout of token on m, if there
// is one: a caller that cannot know whether its push happened (Python,
// where an exception may come between any two steps) pops all the same.
func (m *Module) PopTimeout(token uint64) {
	in, self := &m.intr, ThreadID()
	in.ownMu.Lock()
	defer in.ownMu.Unlock()
	for i := len(in.own) - 1; i >= 0; i-- {
		if in.own[i].thread == self && in.own[i].token == token {
			in.own = append(in.own[:i], in.own[i+1:]...)
			in.owned.Store(int32(len(in.own)))
			return
		}
	}
}

// ownDeadline is the deadline of the calling thread's last PushTimeout on
// the module, started now if it was not (ok false: there is none).
func (in *interrupts) ownDeadline() (deadline int64, ok bool) {
	self := ThreadID()
	in.ownMu.Lock()
	defer in.ownMu.Unlock()
	for i := len(in.own) - 1; i >= 0; i-- {
		if o := &in.own[i]; o.thread == self {
			if !o.started {
				o.started, o.deadline = true, deadlineIn(o.timeout)
			}
			return o.deadline, true
		}
	}
	return 0, false
}

// narrow gives a nested call (a host function's, while the outer call
// runs) its own deadline, own (0: none): the earlier of it and the outer
// call's, which it returns for the caller to restore after the call. A
// nested call stops at its deadline while the outer call goes on to its
// own, and never outlives the outer call's.
func (in *interrupts) narrow(own int64) (outer int64) {
	outer = in.deadline
	if own != 0 && (outer == 0 || own < outer) {
		in.deadline = own
	}
	return outer
}

// addPoll provides the imports instrument added: poll to the
// instrumented guest, table_grow to one whose table.grow is checked.
func (m *Module) addPoll(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder(wasmbin.PollModule)
	if m.intr.instrumented {
		b.NewFunctionBuilder().
			WithGoModuleFunction(api.GoModuleFunc(func(_ context.Context, mod api.Module, _ []uint64) { m.poll(mod) }), nil, nil).
			Export(wasmbin.PollName)
	}
	if m.tables.checked {
		i32 := api.ValueTypeI32
		b.NewFunctionBuilder().
			WithGoModuleFunction(m.tableGrowFunc(), []api.ValueType{i32, i32, i32}, []api.ValueType{i32}).
			Export(wasmbin.TableGrowName)
	}
	_, err := b.Instantiate(ctx)
	if err != nil {
		return errs.Errorf(errs.ErrInternal, "gowasm: providing the interrupt import: %v", err)
	}
	return nil
}

// poll runs when the guest sees its interrupt global set: it goes on, or
// panics with the error the call then fails with.
func (m *Module) poll(mod api.Module) {
	in := &m.intr
	if in.flag == nil {
		// The first poll: the global starts set so that the guest reports
		// here before it runs anything long (even its start function).
		in.attach(mod)
	}
	in.flag.Set(0)
	m.stopIfAsked()
}

// stopIfAsked stops the call (by panicking with the error it then fails
// with) if it was asked to stop: Close, its timeout, Ctrl-C.
func (m *Module) stopIfAsked() {
	in := &m.intr
	m.stopIfClosedOrLate()
	if n := atomic.LoadUint32(Sigints); n != in.sigints && ThreadID() == MainThread.Load() {
		in.sigints = n
		m.handleSignals()
	}
}

// SignalsFunc runs the embedder's signal handlers (see gowasm_signals_fn),
// marking calls around them (see Callout); an error means one failed.
type SignalsFunc func(calls *Callout) error

var signals atomic.Pointer[SignalsFunc]

// SetSignals installs the signal handlers' callback (once, at
// initialization).
func SetSignals(f SignalsFunc) { signals.Store(&f) }

// handleSignals runs on the main thread when a SIGINT arrived during the
// call: the embedder's own handlers run (Python's: KeyboardInterrupt by
// default, or whatever the program installed with signal.signal), and the
// call stops only if one fails, with its error; Python without gowasm does
// the same. Without the embedder's callback, Ctrl-C stops the call.
func (m *Module) handleSignals() {
	f := signals.Load()
	if f == nil {
		panic(errs.Errorf(errs.ErrInterrupted, "gowasm: %s was interrupted (Ctrl-C) and stopped", m.cfg.displayName()))
	}
	if err := (*f)(&m.host.calls); err != nil {
		panic(errs.Errorf(errs.ErrInterrupted, "gowasm: %s was interrupted and stopped: %v", m.cfg.displayName(), err))
	}
}

// stopIfClosedOrLate stops the call if Close was asked or its deadline
// passed.
func (m *Module) stopIfClosedOrLate() {
	in := &m.intr
	if atomic.LoadUint32(&in.closing) != 0 {
		panic(errs.Errorf(errs.ErrClosed, "gowasm: %s was closed while this call ran; the call was stopped", m.cfg.displayName()))
	}
	if in.deadline != 0 && monotonic() >= in.deadline {
		panic(errs.Errorf(errs.ErrTimeout, "gowasm: %s timed out: the call ran longer than its timeout and was stopped", m.cfg.displayName()))
	}
}

// attach finds where the compiled guest keeps its interrupt global and
// registers the module with the watcher.
func (in *interrupts) attach(mod api.Module) {
	g, ok := mod.ExportedGlobal(wasmbin.InterruptGlobal).(api.MutableGlobal)
	if !ok {
		panic(errs.Errorf(errs.ErrInternal, "gowasm: the instrumented module has no %s", wasmbin.InterruptGlobal))
	}
	in.flag = g
	if p := wazerointernal.GlobalAddress(g); p != nil {
		in.pinner.Pin(p)
		in.pinner.Pin(in.watch)
		in.watch.Flag = uintptr(p)
		if w := watchFuncs.Load(); w != nil {
			w.Add(in.watch)
			in.added = true
		}
	}
}

// detach unregisters the module from the watcher (at close, before its
// memory may be freed).
func (in *interrupts) detach() {
	if in.added {
		watchFuncs.Load().Remove(in.watch)
		in.added = false
	}
	in.pinner.Unpin()
	in.watch.Flag = 0
	in.flag = nil // it holds the instance, which Close frees
}
