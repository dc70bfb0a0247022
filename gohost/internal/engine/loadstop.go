package engine

import (
	"context"
	"crypto/sha256"
	"sync/atomic"
	"time"

	"github.com/gowasm/gowasm/gohost/internal/errs"
	"github.com/tetratelabs/wazero"
)

// Stopping a load. Compiling runs no guest code, so there is nothing to
// instrument: the load checks, instruments and compiles the module on a
// goroutine of its own and stops waiting at the load's deadline (the
// module's timeout) or on Ctrl-C (on the embedder's main thread), like a
// call. The abandoned compile is told through its context, which wazero
// v1.12.0 checks only between functions and only when it compiles with two
// workers or more (wazevo engine.go, compile.CompileModule): so a module it
// validates gets two at least (compile.CompileModule), and its compile ends within
// one function per worker after the load gave up, which the limits keep to
// seconds (wasmbin/limits.go; RATIONALE.md, "Hostile modules"). Validation itself,
// and a module compiled without validation (one wazero compiled in full
// before: see compile/compile.go) run on to their end. Until the compile has
// ended, the runtime is not closed (closeRuntime).

// compiled is the result of a compile the load may have abandoned: the
// compiled module (or the load's error), whether it has the interrupt
// checks, and its tables' budget.
type compiled struct {
	module     wazero.CompiledModule
	err        error
	interrupts bool
	tables     tableBudget
	sum        [sha256.Size]byte // of the bytes given, before any rewrite
}

// stoppable runs work on a goroutine of its own and waits for its result,
// or gives up on it at the load's deadline or on Ctrl-C with the error the
// load then fails with; work's context is then canceled.
func (m *Module) stoppable(ctx context.Context, work func(context.Context) compiled) (compiled, error) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan compiled, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil { // a bug here must not end the process
				done <- compiled{err: errs.Errorf(errs.ErrInternal, "gowasm: loading %s failed: %v", m.cfg.displayName(), p)}
			}
		}()
		done <- work(ctx)
	}()
	tick := time.NewTicker(WatchTick)
	defer tick.Stop()
	for {
		select {
		case r := <-done:
			cancel()
			return r, nil
		case <-tick.C:
		}
		if err := m.loadStop(); err != nil {
			cancel()
			m.abandoned = done
			return compiled{}, err
		}
	}
}

// loadStop says why the load must stop now, if it must: its deadline
// passed, or Ctrl-C was pressed since it began on the main thread.
func (m *Module) loadStop() *errs.Error {
	in := &m.intr
	if in.deadline != 0 && monotonic() >= in.deadline {
		return errs.Errorf(errs.ErrTimeout, "gowasm: loading %s timed out: compiling it took longer than its timeout, and was stopped", m.cfg.displayName())
	}
	if n := atomic.LoadUint32(Sigints); n != in.sigints && m.loadThread == MainThread.Load() {
		// As during a call (handleSignals): the program's own handlers
		// run, and the load stops only if one fails.
		in.sigints = n
		if f := signals.Load(); f == nil {
			return errs.Errorf(errs.ErrInterrupted, "gowasm: loading %s was interrupted (Ctrl-C) and stopped", m.cfg.displayName())
		} else if err := (*f)(&m.host.calls); err != nil {
			return errs.Errorf(errs.ErrInterrupted, "gowasm: loading %s was interrupted and stopped: %v", m.cfg.displayName(), err)
		}
	}
	return nil
}

// closeRuntime closes the module's runtime: at once, or, if a compile was
// abandoned, once that compile has finished with it (its result, if any,
// is closed first).
func (m *Module) closeRuntime(ctx context.Context, rt wazero.Runtime) {
	if m.abandoned == nil {
		rt.Close(ctx)
		return
	}
	go func(done <-chan compiled) {
		if r := <-done; r.module != nil {
			r.module.Close(ctx)
		}
		rt.Close(ctx)
		releaseSoon()
	}(m.abandoned)
}
